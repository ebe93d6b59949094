"""Pipeline specs: which notebooks to run with which parameters.

A spec is a YAML file in ``pipelines/``::

    name: demo
    description: What this pipeline evaluates.
    defaults:                  # parameters every task gets (a task's own win)
      conf_level: 0.95
    tasks:
      - name: organ_donations
        notebook: notebooks/did.py
        parameters: {dataset: studies.organ_donations, outcome: Rate}
      - name: did
        notebook: notebooks/did.py
        grid:                  # one run per combination (mapping of lists) ...
          dataset: [studies.prop99]
        # ... or a list of parameter sets:  grid: [{dataset: a}, {dataset: b}]
        output: "did-{dataset}"  # name of each report, from the parameters

Notebook paths are relative to the project root (the folder holding ``pipelines/``).
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from ebpm.errors import SpecError, did_you_mean

__all__ = ["PipelineSpec", "Task", "load_spec", "slug"]

_TOP_KEYS = ("name", "description", "schedule", "defaults", "tasks")
_TASK_KEYS = ("name", "notebook", "parameters", "grid", "output", "timeout", "description")
_NAME = re.compile(r"^[\w][\w.-]*$")


@dataclass(frozen=True)
class Task:
    """One notebook execution: a notebook with fully resolved parameters."""

    name: str  # unique within the pipeline; file names of the outputs
    group: str  # the spec task it comes from
    notebook: Path
    parameters: dict[str, Any]
    timeout: float | None = None
    description: str = ""


@dataclass(frozen=True)
class PipelineSpec:
    """A parsed pipeline spec with its tasks expanded."""

    name: str
    path: Path
    root: Path
    description: str = ""
    schedule: str | None = None
    defaults: dict[str, Any] = field(default_factory=dict)
    tasks: tuple[Task, ...] = ()


def slug(text: str) -> str:
    """A file-name-safe version of ``text``: letters, digits (any script), ``.``, ``_``, ``-``."""
    out = re.sub(r"[^\w.-]+", "-", str(text), flags=re.UNICODE).strip("-.")
    return out or "task"


def _project_root(spec_path: Path) -> Path:
    parent = spec_path.resolve().parent
    return parent.parent if parent.name == "pipelines" else parent


def _check_keys(where: str, mapping: dict[str, Any], allowed: tuple[str, ...]) -> None:
    for key in mapping:
        if key not in allowed:
            raise SpecError(
                f"{where}: unknown key {key!r}.{did_you_mean(str(key), allowed)} "
                f"Allowed keys: {', '.join(allowed)}."
            )


def _expand_grid(where: str, grid: Any) -> list[dict[str, Any]]:
    if grid is None:
        return [{}]
    if isinstance(grid, dict):
        keys = list(grid)
        values = []
        for key in keys:
            v = grid[key]
            if not isinstance(v, list) or not v:
                raise SpecError(
                    f"{where}: grid values must be non-empty lists; {key}: {v!r} should be "
                    f"written [{v!r}]"
                )
            values.append(v)
        return [dict(zip(keys, combo, strict=True)) for combo in itertools.product(*values)]
    if isinstance(grid, list) and grid and all(isinstance(g, dict) for g in grid):
        return [dict(g) for g in grid]
    raise SpecError(
        f"{where}: `grid` must be a mapping of lists (every combination runs) or a non-empty "
        "list of parameter mappings"
    )


def load_spec(path: str | Path) -> PipelineSpec:
    """Read and validate a pipeline spec, expanding grids into tasks.

    Raises
    ------
    SpecError
        The file is missing, not YAML, or has unknown/missing keys, bad grids, or output names
        that collide; the message names the file, the task and the fix.
    """
    path = Path(path)
    if not path.is_file():
        nearby = [p.name for p in path.parent.glob("*.yaml")] if path.parent.is_dir() else []
        raise SpecError(
            f"pipeline spec {str(path)!r} does not exist.{did_you_mean(path.name, nearby)}"
            + (f" Specs there: {', '.join(sorted(nearby))}." if nearby else "")
        )
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark else ""
        raise SpecError(f"{path}: not valid YAML{where}: {getattr(err, 'problem', err)}") from err
    if not isinstance(raw, dict):
        raise SpecError(f"{path}: a spec is a mapping with `name` and `tasks`")
    _check_keys(str(path), raw, _TOP_KEYS)
    name = raw.get("name") or path.stem
    if not _NAME.match(str(name)):
        raise SpecError(f"{path}: name {name!r} may hold only letters, digits, '.', '_', '-'")
    defaults = raw.get("defaults") or {}
    if not isinstance(defaults, dict):
        raise SpecError(f"{path}: `defaults` must be a mapping of parameter names to values")
    raw_tasks = raw.get("tasks")
    if not isinstance(raw_tasks, list) or not raw_tasks:
        raise SpecError(f"{path}: `tasks` must be a non-empty list; each task needs a `notebook`")
    root = _project_root(path)
    tasks: list[Task] = []
    seen: dict[str, str] = {}
    for i, t in enumerate(raw_tasks, start=1):
        where = f"{path}: task {i}"
        if not isinstance(t, dict):
            raise SpecError(f"{where} must be a mapping with at least `notebook`")
        _check_keys(where, t, _TASK_KEYS)
        if "notebook" not in t:
            raise SpecError(f"{where} has no `notebook`; add e.g. `notebook: notebooks/did.py`")
        group = str(t.get("name") or Path(t["notebook"]).stem)
        where = f"{path}: task {group!r}"
        notebook = root / t["notebook"]
        if not notebook.is_file():
            present = [str(p.relative_to(root)) for p in root.glob("notebooks/*") if p.is_file()]
            raise SpecError(
                f"{where}: notebook {t['notebook']!r} does not exist under {root}."
                f"{did_you_mean(str(t['notebook']), present)}"
            )
        params = t.get("parameters") or {}
        if not isinstance(params, dict):
            raise SpecError(f"{where}: `parameters` must be a mapping")
        combos = _expand_grid(where, t.get("grid"))
        template = t.get("output")
        if template is None:
            template = (
                group
                if len(combos) == 1
                else group + "-" + "-".join("{" + k + "}" for k in combos[0])
            )
        timeout = t.get("timeout")
        if timeout is not None and (
            isinstance(timeout, bool) or not isinstance(timeout, int | float) or timeout <= 0
        ):
            raise SpecError(f"{where}: `timeout` must be a positive number of seconds")
        for combo in combos:
            resolved = {**defaults, **params, **combo}
            try:
                out_name = slug(str(template).format(**resolved, task=group))
            except (KeyError, IndexError, ValueError, AttributeError, TypeError) as err:
                raise SpecError(
                    f"{where}: output template {template!r} uses {err}, which is not a "
                    f"parameter; parameters are {sorted(resolved)}"
                ) from err
            if out_name in seen:
                raise SpecError(
                    f"{where}: output name {out_name!r} is produced twice (also by task "
                    f"{seen[out_name]!r}); make `output` include a parameter that differs, "
                    'e.g. output: "{task}-{dataset}"'
                )
            seen[out_name] = group
            tasks.append(
                Task(
                    name=out_name,
                    group=group,
                    notebook=notebook,
                    parameters=resolved,
                    timeout=float(timeout) if timeout else None,
                    description=str(t.get("description", "")),
                )
            )
    return PipelineSpec(
        name=str(name),
        path=path.resolve(),
        root=root,
        description=str(raw.get("description", "")).strip(),
        schedule=raw.get("schedule"),
        defaults=dict(defaults),
        tasks=tuple(tasks),
    )
