"""Reading a policy file: its YAML, the structural check, then what a schema cannot check
(ids, links and the chain, dates, datasets, evidence), every problem in one error.
"""

from __future__ import annotations

import logging
import math
import re
from pathlib import Path
from typing import Any

from ebpm._graph import find_cycle as _find_cycle
from ebpm._yaml import read_with_lines as _read_yaml
from ebpm.errors import CatalogError, InvalidDateError, Problem, SpecError, did_you_mean
from ebpm.kpi.model._periods import parse_period
from ebpm.kpi.model._schema import _dates_to_text, _item_label, _Walker, schema
from ebpm.kpi.model._types import KINDS, KPI, Evidence, Link, LogicModel, Milestone, Node, Source
from ebpm.project import Project, shown_path

log = logging.getLogger(__name__)  # below ebpm.kpi.model: its handlers and level apply

_KIND_RANK = {k: i for i, k in enumerate(KINDS)}
_SLUG = re.compile(r"^[a-z0-9_-]+$")


# --- the project around a file ---------------------------------------------------------------
class _Project:
    """What the checks of a project's policy files share: its catalog and its pipelines."""

    def __init__(self, root: Path):
        self.root = root
        self._catalog: Any = ...
        self._pipelines: tuple[dict[str, Any], list[str]] | None = None

    def catalog(self) -> Any:
        """The project's :class:`~ebpm.catalog.Catalog`, or None when it cannot be opened."""
        if self._catalog is ...:
            from ebpm.catalog import catalog_dir, open_catalog

            try:
                self._catalog = open_catalog(catalog_dir(self.root))
            except CatalogError as err:
                log.warning("datasets of KPIs are not checked: %s", err)
                self._catalog = None
        return self._catalog

    def pipelines(self) -> tuple[dict[str, Any], list[str]]:
        """(pipeline name → spec, specs that did not load) of ``<root>/pipelines/*.yaml``."""
        if self._pipelines is None:
            from ebpm.pipeline.spec import load_spec

            specs: dict[str, Any] = {}
            broken: list[str] = []
            folder = self.root / "pipelines"
            files = sorted([*folder.glob("*.yaml"), *folder.glob("*.yml")])
            for file in files:
                try:
                    spec = load_spec(file)
                except SpecError as err:
                    broken.append(f"{file.name} ({err})")
                    continue
                specs.setdefault(spec.name, spec)
            self._pipelines = (specs, broken)
        return self._pipelines


# --- loading ---------------------------------------------------------------------------------
def load(
    path: str | Path, *, check_evidence: bool = True, root: str | Path | None = None
) -> LogicModel:
    """Read and check a policy's logic model.

    Parameters
    ----------
    path : str or Path
        The policy file, e.g. ``pipelines/policies/prop99.yaml``.
    check_evidence : bool
        Check that each link's ``evidence`` names a pipeline of ``<root>/pipelines/*.yaml`` (by
        its ``name:``) and a task of it (by task name or output name). False skips this, e.g.
        for a file outside a project.
    root : str or Path, optional
        The project folder (default: the folder above ``pipelines/``, else the file's folder).
        Its ``catalogs/`` (or the one above, or ``$EBPM_CATALOG_DIR``) is where datasets are
        looked up; no data is read.

    Returns
    -------
    LogicModel
        The model, with dates as :class:`pandas.Period` at each KPI's frequency.

    Raises
    ------
    SpecError
        The file is missing, not YAML, or has problems: an unknown or missing key, a bad
        kind/direction/frequency/date, an unknown node in a link or KPI, a duplicate id or link,
        a cycle, a link pointing back in the chain, a target not after its baseline, a dataset
        that is not a catalog entry or a parameter it does not take, evidence naming an unknown
        pipeline or task. Every problem of the file is reported at once: the message lists
        them, ``.problems`` holds them as :class:`~ebpm.pipeline.check.Problem` and ``.line``
        is the first one's line.
    """
    path = Path(path)
    project = _Project(Path(root) if root is not None else Project.of(path).root)
    return _load(path, project, check_evidence=check_evidence)


def load_all(
    directory: str | Path = "pipelines/policies",
    *,
    check_evidence: bool = True,
    root: str | Path | None = None,
) -> list[LogicModel]:
    """Read every policy file (``*.yaml``, ``*.yml``) of a folder, sorted by file name.

    Parameters
    ----------
    directory : str or Path
        The folder, usually ``pipelines/policies``.
    check_evidence, root
        As for :func:`load`; the project's pipelines and catalog are read once for all files.

    Returns
    -------
    list of LogicModel
        One per file; empty when the folder holds none.

    Raises
    ------
    SpecError
        The folder does not exist; any file has problems (the problems of every file are listed
        together); two files declare the same ``policy``.
    """
    directory = Path(directory)
    if not directory.is_dir():
        raise SpecError(
            f"policy folder {str(directory)!r} does not exist; create it and put one "
            "<policy>.yaml per policy there (e.g. pipelines/policies/prop99.yaml)",
            path=str(directory),
        )
    files = sorted([*directory.glob("*.yaml"), *directory.glob("*.yml")])
    project = _Project(Path(root) if root is not None else Project.of(directory / "x.yaml").root)
    models: list[LogicModel] = []
    problems: list[Problem] = []
    messages: list[str] = []
    for file in files:
        try:
            models.append(_load(file, project, check_evidence=check_evidence))
        except SpecError as err:
            messages.append(str(err))
            problems.extend(getattr(err, "problems", []))
    seen: dict[str, LogicModel] = {}
    for model in models:
        if model.policy in seen:
            other = seen[model.policy]
            message = (
                f"policy {model.policy!r} is declared by two files (also {other.display_path}); "
                "give each its own `policy:` slug"
            )
            line = model.lines.get(("policy",))
            problems.append(Problem(model.display_path, line, message))
            messages.append(f"{model.display_path}{f', line {line}' if line else ''}: {message}")
        seen[model.policy] = model
    if messages:
        raise SpecError(
            "\n".join(messages),
            path=str(directory),
            line=problems[0].line if problems else None,
            problems=problems,
        )
    return models


def _fail(shown: str, problems: list[tuple[int | None, str]]) -> SpecError:
    ordered = sorted(problems, key=lambda p: (p[0] is None, p[0] or 0))
    if len(ordered) == 1:
        line, message = ordered[0]
        text = f"{shown}, line {line}: {message}" if line else f"{shown}: {message}"
    else:
        text = f"{shown} has {len(ordered)} problems:\n" + "\n".join(
            f"  line {line}: {message}" if line else f"  {message}" for line, message in ordered
        )
    return SpecError(
        text,
        path=shown,
        line=ordered[0][0],
        problems=[Problem(shown, line, message) for line, message in ordered],
    )


def _load(path: Path, project: _Project, *, check_evidence: bool) -> LogicModel:
    if not path.is_file():
        nearby = sorted(p.name for p in path.parent.glob("*.yaml")) if path.parent.is_dir() else []
        raise _fail(
            str(path),
            [
                (
                    None,
                    f"policy file does not exist.{did_you_mean(path.name, nearby)}"
                    + (f" Policy files there: {', '.join(nearby)}." if nearby else ""),
                )
            ],
        )
    shown = shown_path(path, project.root)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        raise _fail(shown, [(None, f"cannot be read: {err}")]) from err
    try:
        raw, lines = _read_yaml(text, shown)
    except SpecError as err:  # bad YAML: the same error, with `.problems` like every other
        line = getattr(err, "line", None)
        message = str(err).removeprefix(f"{shown}, line {line}: " if line else f"{shown}: ")
        raise _fail(shown, [(line, message)]) from err
    if not isinstance(raw, dict):
        raise _fail(
            shown, [(None, "a policy file is a mapping with `title`, `nodes`, `links`, `kpis`")]
        )
    raw = _dates_to_text(raw)
    checker = _Checker(raw, lines, path, project, check_evidence=check_evidence)
    model = checker.run()
    if checker.problems:
        raise _fail(shown, checker.problems)
    return model


class _Checker:
    """Checks one policy file, collecting every problem, and builds the model."""

    def __init__(
        self,
        raw: dict[Any, Any],
        lines: dict[tuple[Any, ...], int],
        path: Path,
        project: _Project,
        *,
        check_evidence: bool,
    ):
        self.raw = raw
        self.lines = lines
        self.path = path
        self.project = project
        self.check_evidence = check_evidence
        self.problems: list[tuple[int | None, str]] = []
        self.bad: dict[tuple[str, int], set[str] | None] = {}
        self.nodes_listed = True

    def add(self, line: int | None, message: str) -> None:
        self.problems.append((line, message))

    # --- structure ---------------------------------------------------------------------------
    def items(self, key: str) -> list[tuple[int, Any, set[str] | None]]:
        """(index, raw item, its bad or missing keys: None when not a mapping) of a list."""
        items = self.raw.get(key)
        if not isinstance(items, list):
            return []
        return [(i, item, self.bad.get((key, i))) for i, item in enumerate(items)]

    def structure(self) -> None:
        walker = _Walker(self.lines)
        walker.object(self.raw, schema(), (), (), "")
        self.problems.extend(walker.problems)
        self.bad = walker.items
        self.nodes_listed = isinstance(self.raw.get("nodes"), list)

    # --- the whole file ----------------------------------------------------------------------
    def run(self) -> LogicModel:
        self.structure()
        policy = self.raw.get("policy")
        if policy is None:
            policy = self.path.stem
            if not _SLUG.match(policy):
                self.add(
                    None,
                    f"the file name {self.path.name!r} is not a policy slug (lower-case letters, "
                    "digits, '_' and '-'); add `policy: <slug>` or rename the file",
                )
        nodes = self.nodes()
        links = self.links(nodes)
        kpis = self.kpis(nodes)
        return LogicModel(
            policy=str(policy),
            title=str(self.raw.get("title", "")),
            title_ja=self.raw.get("title_ja"),
            description=str(self.raw.get("description", "") or "").strip(),
            owner=str(self.raw.get("owner", "") or ""),
            nodes=tuple(n for n in nodes.values() if isinstance(n, Node)),
            links=tuple(links),
            kpis=tuple(kpis),
            path=self.path.resolve(),
            root=self.project.root.resolve(),
            lines=self.lines,
        )

    # --- nodes -------------------------------------------------------------------------------
    def nodes(self) -> dict[str, Node | None]:
        """Node id → Node (None for a node with other problems: links to it are not reported
        as unknown)."""
        out: dict[str, Node | None] = {}
        first_line: dict[str, int | None] = {}
        for i, item, bad in self.items("nodes"):
            if bad is None or "id" in bad:
                continue
            node_id = item["id"]
            line = self.lines.get(("nodes", i, "id"), self.lines.get(("nodes", i)))
            if node_id in first_line:
                self.add(
                    line,
                    f"node id {node_id!r} is used twice (also on line {first_line[node_id]}); "
                    "give each node its own id",
                )
                continue
            first_line[node_id] = line
            out[node_id] = None
            if not bad:
                out[node_id] = Node(
                    id=node_id,
                    kind=item["kind"],
                    label=item["label"],
                    label_ja=item.get("label_ja"),
                    description=str(item.get("description", "")).strip(),
                    line=self.lines.get(("nodes", i)),
                )
        return out

    def known_node(self, line: int | None, what: str, node_id: str, nodes: dict) -> bool:
        """Whether ``node_id`` is a node; records a problem when it is not."""
        if node_id in nodes:
            return True
        if not self.nodes_listed:  # `nodes` itself is wrong, and reported
            return False
        ids = list(nodes)
        self.add(
            line,
            f"{what} names node {node_id!r}, which is not a node of this file."
            f"{did_you_mean(node_id, ids)} Nodes: {', '.join(ids) or 'none'}. Name one of "
            "them, or add the node to `nodes`.",
        )
        return False

    # --- links -------------------------------------------------------------------------------
    def links(self, nodes: dict[str, Node | None]) -> list[Link]:
        out: list[Link] = []
        seen: dict[tuple[str, str], int | None] = {}
        graph: dict[str, list[str]] = {}
        link_line: dict[tuple[str, str], int | None] = {}
        for i, item, bad in self.items("links"):
            if bad is None:
                continue
            at = ("links", i)
            label = _item_label("links", item, i)
            line = self.lines.get(at)
            if "evidence" in item and "evidence" not in bad and self.check_evidence:
                self.evidence(item["evidence"], at, label)
            if "from" in bad or "to" in bad:
                continue
            src, dst = item["from"], item["to"]
            known = [
                self.known_node(self.lines.get((*at, end), line), f"{label}: `{end}`", node, nodes)
                for end, node in (("from", src), ("to", dst))
            ]
            if src == dst:
                self.add(line, f"{label} points from {src!r} to itself; remove it")
                continue
            if (src, dst) in seen:
                self.add(
                    line,
                    f"{label} appears twice (also on line {seen[(src, dst)]}); remove one (put "
                    "the `evidence` on the one you keep)",
                )
                continue
            seen[(src, dst)] = line
            if not bad:
                ev = item.get("evidence")
                out.append(
                    Link(
                        source=src,
                        target=dst,
                        evidence=(
                            Evidence(ev["pipeline"], ev["task"], ev.get("expected", "either"))
                            if ev
                            else None
                        ),
                        description=str(item.get("description", "")).strip(),
                        line=line,
                    )
                )
            a, b = nodes.get(src), nodes.get(dst)
            if not all(known) or a is None or b is None:
                continue
            if _KIND_RANK[a.kind] > _KIND_RANK[b.kind]:
                self.add(
                    line,
                    f"{label} points back in the chain, from {a.kind} {src!r} to {b.kind} "
                    f"{dst!r}; links go {' → '.join(KINDS)}. Swap `from` and `to` if they are "
                    "reversed; describe a feedback loop in `description` instead of a link.",
                )
                continue
            graph.setdefault(src, []).append(dst)
            link_line[(src, dst)] = line
        cycle = _find_cycle(graph)
        if cycle:
            self.add(
                link_line.get((cycle[0], cycle[1])),
                f"links go round in a circle: {' → '.join(cycle)}; a logic model is a chain from "
                "inputs to impact. Remove one of these links.",
            )
        return out

    def evidence(self, raw: dict[str, str], at: tuple[Any, ...], label: str) -> None:
        specs, broken = self.project.pipelines()
        folder = shown_path(self.project.root / "pipelines", self.project.root)
        line = self.lines.get((*at, "evidence", "pipeline"), self.lines.get((*at, "evidence")))
        pipeline, task = raw["pipeline"], raw["task"]
        spec = specs.get(pipeline)
        if spec is None:
            also = f" These specs did not load: {'; '.join(broken)}." if broken else ""
            self.add(
                line,
                f"{label}: evidence names pipeline {pipeline!r}, which is not the `name:` of a "
                f"pipeline in {folder}/.{did_you_mean(pipeline, specs)} "
                f"Pipelines: {', '.join(sorted(specs)) or 'none'}.{also}",
            )
            return
        names = [t.name for t in spec.tasks]
        task_line = self.lines.get((*at, "evidence", "task"), line)
        if task in names:
            return
        outputs = [t.name for t in spec.tasks if t.group == task]
        if outputs:  # a grid (or an `output:` name): the estimate is one task's
            self.add(
                task_line,
                f"{label}: evidence names task {task!r} of pipeline {pipeline!r}, which runs as "
                f"{len(outputs)} task(s): {', '.join(outputs)}; name the one whose estimate is "
                f"the evidence, e.g. `task: {outputs[0]}`.",
            )
            return
        self.add(
            task_line,
            f"{label}: evidence names task {task!r}, which is not a task of pipeline "
            f"{pipeline!r} ({spec.display_path}).{did_you_mean(task, names)} "
            f"Tasks: {', '.join(names)}.",
        )

    # --- KPIs --------------------------------------------------------------------------------
    def kpis(self, nodes: dict[str, Node | None]) -> list[KPI]:
        out: list[KPI] = []
        first_line: dict[str, int | None] = {}
        for i, item, bad in self.items("kpis"):
            if bad is None:
                continue
            at = ("kpis", i)
            line = self.lines.get(at)
            label = _item_label("kpis", item, i)
            if "id" not in bad:
                id_line = self.lines.get((*at, "id"), line)
                if item["id"] in first_line:
                    self.add(
                        id_line,
                        f"KPI id {item['id']!r} is used twice (also on line "
                        f"{first_line[item['id']]}); give each KPI its own id",
                    )
                    continue
                first_line[item["id"]] = id_line
            if "node" not in bad:
                where = self.lines.get((*at, "node"), line)
                self.known_node(where, f"{label}: `node`", item["node"], nodes)
            source = self.source(item["source"], at, label) if "source" not in bad else None
            milestones: dict[str, Milestone | None] = {"baseline": None, "target": None}
            if "frequency" not in bad:
                for key in milestones:
                    if key not in bad:
                        milestones[key] = self.milestone(
                            item[key], (*at, key), label, key, item["frequency"]
                        )
            base, target = milestones["baseline"], milestones["target"]
            if base is not None and target is not None and target.period <= base.period:
                self.add(
                    self.lines.get((*at, "target", "date"), line),
                    f"{label}: the target date {target.label} is not after the baseline date "
                    f"{base.label}; a target is reached after the baseline. Fix `target.date` "
                    "or `baseline.date`.",
                )
            if bad or source is None or base is None or target is None:
                continue
            out.append(
                KPI(
                    id=item["id"],
                    node=item["node"],
                    name=item["name"],
                    direction=item["direction"],
                    frequency=item["frequency"],
                    source=source,
                    baseline=base,
                    target=target,
                    name_ja=item.get("name_ja"),
                    definition=" ".join(str(item.get("definition", "")).split()),
                    unit=str(item.get("unit", "")),
                    owner=str(item.get("owner", "")),
                    line=line,
                    source_lines=self.source_lines(at),
                )
            )
        return out

    def source_lines(self, at: tuple[Any, ...]) -> dict[str, int]:
        prefix = (*at, "source")
        return {
            ".".join(str(p) for p in path[len(prefix) :]): line
            for path, line in self.lines.items()
            if path[: len(prefix)] == prefix and len(path) > len(prefix)
        }

    def milestone(
        self, raw: dict[str, Any], at: tuple[Any, ...], label: str, key: str, frequency: str
    ) -> Milestone | None:
        value = raw["value"]
        ok = True
        if not math.isfinite(value):
            self.add(
                self.lines.get((*at, "value")),
                f"{label}: `{key}.value` must be a finite number, not {value!r}",
            )
            ok = False
        try:
            period = parse_period(raw["date"], frequency)
        except InvalidDateError as err:
            self.add(self.lines.get((*at, "date")), f"{label}: `{key}.date`: {err}")
            return None
        return Milestone(float(value), period, str(raw.get("note", "")).strip()) if ok else None

    def source(self, raw: dict[str, Any], at: tuple[Any, ...], label: str) -> Source:
        source = Source(
            dataset=raw["dataset"],
            time=raw["time"],
            value=raw["value"],
            parameters=dict(raw.get("parameters") or {}),
            filter=dict(raw.get("filter") or {}),
            aggregate=raw.get("aggregate"),
        )
        catalog = self.project.catalog()
        if catalog is None:
            return source
        line = self.lines.get((*at, "source", "dataset"))
        names = catalog.names()
        if source.dataset not in names:
            folder = shown_path(Path(catalog.path), self.project.root)
            self.add(
                line,
                f"{label}: `source.dataset` {source.dataset!r} is not an entry of the catalogs "
                f"in {folder}/.{did_you_mean(source.dataset, names)} See `ebpm catalog list`, "
                "or add the entry to a catalog file.",
            )
            return source
        try:
            specs = catalog.parameters(source.dataset)
        except CatalogError as err:
            self.add(line, f"{label}: {err}")
            return source
        for name, value in source.parameters.items():
            p_line = self.lines.get((*at, "source", "parameters", name), line)
            if name not in specs:
                takes = f"it takes {', '.join(specs)}" if specs else "it takes no parameters"
                self.add(
                    p_line,
                    f"{label}: dataset {source.dataset!r} has no parameter {name!r}; {takes}."
                    f"{did_you_mean(name, specs)} See `ebpm catalog show {source.dataset}`.",
                )
                continue
            try:
                specs[name].check(value)
            except CatalogError as err:
                self.add(p_line, f"{label}: {err}")
        return source
