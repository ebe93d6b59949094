"""Start an analyst's own evaluation, pipeline or policy: ``ebpm new``.

:func:`new_evaluation` copies the design's template notebook (``notebooks/did.py`` for a
difference-in-differences, ...) to ``notebooks/<name>.py`` with its parameters filled from the
dataset's declared columns (:mod:`ebpm.pipeline._guess`), adds a task running it to a pipeline
spec (new or existing), and writes a logic-model stub linking the evaluation to a KPI on its
outcome. What cannot be guessed is written ``"TODO"`` with a ``# TODO`` comment saying what to
put there; ``ebpm check`` reports each until it is filled in, so none reaches a page.

Nothing is overwritten: every file is checked before the first is written, and a failed write
removes what this call had written.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ebpm._io import atomic_write_text
from ebpm._protocol import secret_query_keys
from ebpm.errors import InvalidOptionError, PipelineError, SpecError, did_you_mean
from ebpm.pipeline._guess import Guess, column_roles, from_data
from ebpm.pipeline.check import TODO_MARK
from ebpm.project import Project

__all__ = ["DESIGNS", "TODO", "Scaffold", "new_evaluation", "new_pipeline", "new_policy"]

#: The placeholder for a value the analyst must give; ``ebpm check`` reports every one left.
TODO = TODO_MARK
_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")
_LINE = 100  # ruff's line length for notebooks


@dataclass(frozen=True)
class _Design:
    template: str  # file in notebooks/
    title: str
    params: Mapping[str, str]  # notebook parameter -> guess it takes (column role or data fact)


#: Each research design ``ebpm new evaluation --design`` knows: its template notebook and which
#: of the notebook's parameters are filled from the dataset.
DESIGNS: dict[str, _Design] = {
    "did": _Design(
        "did.py",
        "difference-in-differences",
        {"outcome": "outcome", "unit": "unit", "time": "time", "treated": "treated"},
    ),
    "staggered": _Design(
        "staggered_did.py",
        "staggered difference-in-differences",
        {"outcome": "outcome", "unit": "unit", "time": "time", "cohort": "cohort"},
    ),
    "event_study": _Design(
        "event_study.py",
        "event study",
        {"outcome": "outcome", "unit": "unit", "time": "time", "cohort": "cohort"},
    ),
    "synth": _Design(
        "synthetic_control.py",
        "synthetic control",
        {
            "outcome": "outcome",
            "unit": "unit",
            "time": "time",
            "treated_unit": "treated_unit",
            "treatment_time": "treatment_time",
        },
    ),
    "rdd": _Design(
        "rdd.py",
        "regression discontinuity",
        {"outcome": "outcome", "running": "running", "cutoff": "cutoff", "placebo": "covariates"},
    ),
    "its": _Design(
        "its.py",
        "interrupted time series",
        {
            "outcome": "outcome",
            "time": "time",
            "series_column": "unit",
            "series_value": "treated_unit",
            "intervention": "treatment_time",
            "placebo": "placebo_time",
        },
    ),
}


@dataclass(frozen=True)
class Scaffold:
    """What ``ebpm new`` wrote.

    Attributes
    ----------
    created, changed : list of Path
        Files written new, and existing files a task was added to.
    todo : list of str
        What the analyst must still fill in, one line each (``notebooks/x.py: outcome ...``).
    guessed : list of str
        Values guessed from names rather than declared roles: to check.
    pipeline : Path or None
        The pipeline spec to run.
    """

    created: list[Path]
    changed: list[Path] = field(default_factory=list)
    todo: list[str] = field(default_factory=list)
    guessed: list[str] = field(default_factory=list)
    pipeline: Path | None = None


# --- names and files -------------------------------------------------------------------------
def _project(root: str | os.PathLike[str] | None) -> Project:
    """The project at ``root``, or the one around the current folder."""
    return Project.find() if root is None else Project(Path(root))


def _check_texts(**texts: str | None) -> None:
    """Refuse a title or policy text that holds a secret (a URL with ``?appId=...``): it would be
    written into the notebook, the spec and the logic model, and from there onto pages."""
    for name, text in texts.items():
        if text and secret_query_keys(text):
            raise InvalidOptionError(
                f"--{name} holds a secret ({', '.join(secret_query_keys(text))}=...); write the "
                "text without it: keys belong in the environment, not in project files"
            )


def _check_name(name: str, what: str) -> str:
    if not _NAME.match(name):
        fixed = re.sub(r"[^A-Za-z0-9_]+", "_", name).strip("_") or what
        fixed = fixed if fixed[:1].isalpha() else f"x_{fixed}"
        raise InvalidOptionError(
            f"{what} name {name!r} must start with a letter and hold only letters, digits and "
            f"_ (it names files and a task); try {fixed!r}"
        )
    return name


def _refuse_existing(project: Project, paths: list[Path]) -> None:
    there = [project.shown(p) for p in paths if p.exists()]
    if there:
        raise PipelineError(
            f"{', '.join(there)} already exist{'s' if len(there) == 1 else ''}; ebpm new "
            "overwrites nothing: pick another name, or move the file away first"
        )


def _write_all(files: Mapping[Path, str], verify: Callable[[], None] | None = None) -> None:
    """Write every file, then ``verify``; or none: a failed write or check removes the files
    written (a file that existed is put back as it was)."""
    done: list[tuple[Path, str | None]] = []
    try:
        for path, text in files.items():
            before = path.read_text(encoding="utf-8") if path.exists() else None
            atomic_write_text(path, text)
            done.append((path, before))
        if verify is not None:
            verify()
    except BaseException:
        for path, before in reversed(done):
            if before is None:
                path.unlink(missing_ok=True)
            else:
                atomic_write_text(path, before)
        raise


def _literal(value: Any) -> str:
    """``value`` as a Python literal, strings in double quotes (as ruff formats them)."""
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list):
        return "[" + ", ".join(_literal(v) for v in value) + "]"
    return repr(value)


def _yaml_scalar(value: Any) -> str:
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


# --- the notebook ----------------------------------------------------------------------------
def _fill_notebook(text: str, values: Mapping[str, tuple[Any, str | None, bool]]) -> str:
    """The template ``text`` with the parameters cell's defaults replaced.

    ``values`` maps a parameter to (value, comment, is_todo). A TODO's comment says what to
    write; it goes on the line above when the line would be too long.
    """
    lines = text.splitlines(keepends=True)
    start = next(i for i, s in enumerate(lines) if re.search(r"tags=\[.*parameters", s))
    end = next((i for i in range(start + 1, len(lines)) if lines[i].startswith("# %%")), len(lines))
    out = lines[: start + 1]
    for line in lines[start + 1 : end]:
        m = re.match(r"^(\w+)(\s*:\s*[^=]+?)?\s*=\s*", line)
        if not m or m.group(1) not in values:
            out.append(line)
            continue
        name = m.group(1)
        value, comment, todo = values[name]
        head = f"{name}{m.group(2) or ''} = {_literal(value)}"
        if comment is None:  # keep the template's own comment
            kept = _trailing_comment(line)
            if kept and len(head) + 2 + len(kept) > _LINE:
                out.extend([f"{kept}\n", f"{head}\n"])
            else:
                out.append(f"{head}  {kept}\n" if kept else f"{head}\n")
            continue
        note = f"# TODO: {comment}" if todo else f"# {comment}"
        if len(head) + 2 + len(note) <= _LINE:
            out.append(f"{head}  {note}\n")
        else:
            if len(note) > _LINE:
                note = note[: _LINE - 1] + "…"
            out.extend([f"{note}\n", f"{head}\n"])
    # a comment alone above a replaced line described the template's value: keep it (it says
    # what the parameter is), the new value's note follows on its own line
    return "".join(out + lines[end:])


def _trailing_comment(line: str) -> str:
    """The ``# ...`` comment after the value of an assignment line ("" when none)."""
    import ast

    node = ast.parse(line.strip()).body[0]
    rest = line.strip()[node.end_col_offset or 0 :].strip()
    return rest if rest.startswith("#") else ""


def _entry(dataset: str, project: Project) -> Any:
    from ebpm.catalog import open_catalog

    return open_catalog(project.catalogs).info(dataset)


def _data_offline(dataset: str, project: Project) -> Any | None:
    """The dataset when it loads without the network (shipped, local or cached); else None."""
    from ebpm import catalog
    from ebpm.catalog.cache import cache_only
    from ebpm.errors import EbpmError

    try:
        with cache_only():
            return catalog.open_catalog(project.catalogs).load(dataset)
    except (EbpmError, OSError, ValueError):
        return None


def _guesses(dataset: str, info: Any, project: Project) -> tuple[dict[str, Guess], Any]:
    """The guesses for every role and data fact, and the data (None when not at hand offline,
    or not needed: no column marks the treatment)."""
    guesses = column_roles(info.metadata.get("columns") or {})
    data = _data_offline(dataset, project) if guesses["treated"].value else None
    if data is not None:
        guesses.update(from_data(data, guesses))
    why = (
        "no column is marked as the treatment"
        if not guesses["treated"].value
        else "the data are not at hand offline"
        if data is None
        else "the data do not show one treated unit"
    )
    guesses.setdefault("treated_unit", Guess(None, f"the treated unit ({why})"))
    guesses.setdefault("treatment_time", Guess(None, f"the first treated period ({why})"))
    guesses.setdefault("placebo_time", Guess(None, "a period before the policy (placebo test)"))
    return guesses, data


# --- public ----------------------------------------------------------------------------------
def new_evaluation(
    name: str,
    *,
    design: str,
    dataset: str,
    pipeline: str | None = None,
    title: str | None = None,
    policy: str | None = None,
    lang: str = "en",
    root: str | os.PathLike[str] | None = None,
    today: dt.date | None = None,
) -> Scaffold:
    """Start an evaluation: its notebook, a task in a pipeline and a logic-model stub.

    Parameters
    ----------
    name : str
        The evaluation's name: the notebook ``notebooks/<name>.py``, the task, and the policy
        ``pipelines/policies/<name>.yaml``.
    design : {"did", "staggered", "event_study", "synth", "rdd", "its"}
        The research design; its template notebook is copied.
    dataset : str
        The catalog entry (``namespace.entry``) evaluated.
    pipeline : str, optional
        The pipeline spec ``pipelines/<pipeline>.yaml`` to add the task to, created when it does
        not exist (default: ``name``).
    title, policy : str, optional
        The report's title (default: the dataset's title) and the policy evaluated, in words
        (default: a TODO).
    lang : {"en", "ja"}
        The language of the comments and texts written.
    root : path, optional
        The project folder (default: the one around the current folder).
    today : date, optional
        The date written in the files' headers (default: today).

    Returns
    -------
    Scaffold
        The files written and what is left to fill in.

    Raises
    ------
    InvalidOptionError
        An unknown design or a name that cannot name a file and a task.
    DatasetNotFoundError
        ``dataset`` is not in the project's catalogs.
    PipelineError
        A file it would write exists, or the template notebook is missing.
    """
    project = _project(root)
    _check_name(name, "evaluation")
    _check_texts(title=title, policy=policy)
    pipeline = _check_name(pipeline or name, "pipeline")
    if design not in DESIGNS:
        raise InvalidOptionError(
            f"design {design!r} is not one ebpm knows ({', '.join(DESIGNS)})."
            f"{did_you_mean(design, DESIGNS)}"
        )
    spec = DESIGNS[design]
    template = project.notebooks / spec.template
    if not template.is_file():
        raise PipelineError(
            f"the {spec.title} template {project.shown(template)} is missing; restore it from "
            "ebpm's repository (git checkout notebooks/)"
        )
    notebook = project.notebooks / f"{name}.py"
    policy_file = project.policies / f"{name}.yaml"
    spec_file = project.pipelines / f"{pipeline}.yaml"
    _refuse_existing(project, [notebook, policy_file])
    if spec_file.exists():
        _refuse_task(spec_file, name, project)
    info = _entry(dataset, project)
    guesses, data = _guesses(dataset, info, project)

    shown_nb = project.shown(notebook)
    values: dict[str, tuple[Any, str | None, bool]] = {"dataset": (dataset, None, False)}
    todo: list[str] = []
    guessed: list[str] = []
    for param, role in spec.params.items():
        g = guesses[role]
        if g.value is None:
            values[param] = (TODO, g.note, True)
            todo.append(f"{shown_nb}: {param} — {g.note}")
            continue
        values[param] = (g.value, g.note, False)
        if not g.sure:
            guessed.append(f"{shown_nb}: {param} = {g.value!r} ({g.note})")
    if design == "its" and guesses["unit"].value is None:
        values["series_column"] = (None, "no filter: the data are one series", False)
        values["series_value"] = ("", "not used without series_column", False)
        todo = [t for t in todo if "series_" not in t]
    values["title"] = (title or info.title or name, None, False)
    if policy:
        values["policy"] = (policy, None, False)
    else:
        values["policy"] = (TODO, _say(lang, "policy_todo"), True)
        todo.append(f"{shown_nb}: policy — {_say(lang, 'policy_todo')}")

    nb_text = _fill_notebook(template.read_text(encoding="utf-8"), values)
    files: dict[Path, str] = {notebook: nb_text}
    changed: list[Path] = []
    task_block = _task_block(name, project.shown(notebook), design, dataset, lang, values)
    if spec_file.exists():
        files[spec_file] = _add_task(spec_file, task_block, project)
        changed.append(spec_file)
    else:
        files[spec_file] = _spec_text(pipeline, f"{spec.title} of {dataset}", lang, today) + (
            task_block
        )
    files[policy_file] = _policy_text(
        name, pipeline, dataset, info, guesses, values, lang, today, data
    )
    todo.append(f"{project.shown(policy_file)}: " + _say(lang, "policy_file_todo"))
    _write_all(files, verify=lambda: _verify_spec(spec_file, project))
    return Scaffold(
        created=[p for p in files if p not in changed],
        changed=changed,
        todo=todo,
        guessed=guessed,
        pipeline=spec_file,
    )


def new_pipeline(
    name: str,
    *,
    description: str | None = None,
    lang: str = "en",
    root: str | os.PathLike[str] | None = None,
    today: dt.date | None = None,
) -> Scaffold:
    """Start an empty pipeline spec ``pipelines/<name>.yaml``; ``ebpm new evaluation
    --pipeline <name>`` adds tasks to it.

    Raises
    ------
    PipelineError
        The spec exists.
    """
    project = _project(root)
    _check_name(name, "pipeline")
    path = project.pipelines / f"{name}.yaml"
    _refuse_existing(project, [path])
    text = _spec_text(name, description or TODO, lang, today) + "  []\n"
    _write_all({path: text})
    todo = [] if description else [f"{project.shown(path)}: description"]
    return Scaffold(created=[path], todo=todo, pipeline=path)


def new_policy(
    name: str,
    *,
    title: str | None = None,
    lang: str = "en",
    root: str | os.PathLike[str] | None = None,
    today: dt.date | None = None,
) -> Scaffold:
    """Start a policy's logic model ``pipelines/policies/<name>.yaml``: the chain from inputs to
    impact, one node each, and one KPI, every value to fill in marked TODO.

    Raises
    ------
    PipelineError
        The file exists.
    """
    project = _project(root)
    _check_name(name, "policy")
    _check_texts(title=title)
    path = project.policies / f"{name}.yaml"
    _refuse_existing(project, [path])
    when = (today or dt.date.today()).isoformat()
    ja = lang == "ja"
    lines = [
        f"# {_say(lang, 'policy_header').format(command=f'ebpm new policy {name}', date=when)}",
        f"policy: {name}",
        f"title: {_yaml_scalar(title or TODO)}",
        "description: TODO",
        "owner: TODO",
        "nodes:",
    ]
    chain = [
        ("inputs", "input"),
        ("activities", "activity"),
        ("outputs", "output"),
        ("outcome", "short_term_outcome"),
        ("impact", "impact"),
    ]
    for node, kind in chain:
        lines += [f"  - id: {node}", f"    kind: {kind}", f"    label{'_ja' if ja else ''}: TODO"]
        if ja:
            lines.append("    label: TODO")
    lines.append("links:")
    for (a, _), (b, _) in itertools.pairwise(chain):
        lines += [f"  - from: {a}", f"    to: {b}"]
    lines += [
        "kpis:",
        "  - id: kpi",
        "    node: outcome",
        "    name: TODO",
        "    direction: TODO  # higher or lower (which way is better)",
        "    frequency: annual  # annual, fiscal_year, quarterly or monthly",
        "    source:",
        "      dataset: TODO  # a catalog entry (ebpm catalog list)",
        "      time: TODO  # its period column",
        "      value: TODO  # its value column",
        "    baseline: {value: TODO, date: TODO}",
        "    target: {value: TODO, date: TODO}",
    ]
    text = "\n".join(lines) + "\n"
    _write_all({path: text})
    return Scaffold(created=[path], todo=[f"{project.shown(path)}: every TODO"], pipeline=None)


# --- specs -----------------------------------------------------------------------------------
def _spec_text(name: str, description: str, lang: str, today: dt.date | None) -> str:
    when = (today or dt.date.today()).isoformat()
    return (
        f"# {_say(lang, 'spec_header').format(date=when)}\n"
        f"name: {name}\n"
        f"description: {_yaml_scalar(description)}\n"
        f"# {_say(lang, 'schedule')}\n"
        '# schedule: "0 6 1 1,4,7,10 *"\n'
        "tasks:\n"
    )


def _task_block(
    name: str,
    notebook: str,
    design: str,
    dataset: str,
    lang: str,
    values: Mapping[str, tuple[Any, str | None, bool]],
) -> str:
    """The task's lines: the report's title and the policy are given here too, as the evidence
    registry and the site's index list them from the spec."""
    title, _, _ = values["title"]
    policy, note, todo = values["policy"]
    policy_line = f"      policy: {_yaml_scalar(policy)}"
    if todo:
        policy_line += f"  # TODO: {note}"
    return (
        f"  # {_say(lang, 'task_comment').format(design=DESIGNS[design].title, dataset=dataset)}\n"
        f"  - name: {name}\n"
        f"    notebook: {notebook}\n"
        "    parameters:\n"
        f"      title: {_yaml_scalar(title)}\n"
        f"{policy_line}\n"
    )


def _refuse_task(path: Path, task: str, project: Project) -> None:
    from ebpm.pipeline.spec import load_spec

    spec = load_spec(path)
    if any(t.group == task for t in spec.tasks):
        raise PipelineError(
            f"{project.shown(path)} already has a task {task!r}; ebpm new overwrites nothing: "
            "pick another name"
        )


def _add_task(path: Path, block: str, project: Project) -> str:
    """The spec's text with ``block`` appended to its tasks; refused unless ``tasks:`` is the
    spec's last top-level key (the text is then edited, comments kept)."""

    text = path.read_text(encoding="utf-8")
    keys = [m.group(1) for m in re.finditer(r"^([A-Za-z_]\w*)\s*:", text, re.MULTILINE)]
    shown = project.shown(path)
    if not keys or keys[-1] != "tasks":
        raise PipelineError(
            f"{shown}: `tasks:` is not the spec's last key, so ebpm new cannot add the task "
            "without rewriting the file; move `tasks:` to the end, or add the task by hand"
        )
    text = re.sub(r"^tasks:\s*\[\]\s*(#.*)?$", "tasks:", text, flags=re.MULTILINE)
    return text.rstrip("\n") + "\n\n" + block


def _verify_spec(path: Path, project: Project) -> None:
    from ebpm.pipeline.spec import load_spec

    try:
        load_spec(path)
    except SpecError as err:
        raise PipelineError(
            f"{project.shown(path)}: adding the task would break the spec ({err}); nothing was "
            "written: add the task by hand"
        ) from err


# --- the policy stub -------------------------------------------------------------------------
def _policy_text(
    name: str,
    pipeline: str,
    dataset: str,
    info: Any,
    guesses: Mapping[str, Guess],
    values: Mapping[str, tuple[Any, str | None, bool]],
    lang: str,
    today: dt.date | None,
    data: Any,
) -> str:
    when = (today or dt.date.today()).isoformat()
    outcome = values["outcome"][0]
    columns = info.metadata.get("columns") or {}
    outcome_label = re.sub(r"\s*\([^()]*\)\s*$", "", str(columns.get(outcome, outcome))) or TODO
    policy_label = values["policy"][0]
    time = guesses["time"].value
    unit, treated_unit = guesses["unit"].value, guesses["treated_unit"].value
    frequency = _frequency(time)
    ja = lang == "ja"
    lines = [
        f"# {_say(lang, 'stub_header').format(name=name, date=when)}",
        f"policy: {name}",
        f"title: {_yaml_scalar(values['title'][0])}",
        "description: TODO",
        "owner: TODO",
        "nodes:",
        "  - id: policy",
        "    kind: activity",
        f"    label: {_yaml_scalar(policy_label)}",
        "  - id: outcome",
        "    kind: short_term_outcome",
        f"    label: {_yaml_scalar(outcome_label)}",
        "links:",
        "  - from: policy",
        "    to: outcome",
        f"    # {_say(lang, 'expected')}",
        f"    evidence: {{pipeline: {pipeline}, task: {name}}}",
        "kpis:",
        f"  - id: {re.sub(r'[^A-Za-z0-9_]', '_', str(outcome)).lower() or 'kpi'}",
        "    node: outcome",
        f"    name{'_ja' if ja else ''}: {_yaml_scalar(outcome_label)}",
    ]
    if ja:
        lines.append(f"    name: {_yaml_scalar(outcome_label)}")
    lines += [
        "    direction: TODO  # higher or lower (which way is better)",
        f"    frequency: {frequency or 'TODO'}  # annual, fiscal_year, quarterly or monthly",
        "    source:",
        f"      dataset: {dataset}",
    ]
    if unit and treated_unit:
        lines.append(f"      filter: {{{unit}: {_yaml_scalar(treated_unit)}}}")
    lines += [
        f"      time: {time or 'TODO'}",
        f"      value: {outcome if outcome != TODO else 'TODO'}",
    ]
    baseline = _baseline(data, guesses, outcome) if frequency else None
    if baseline is not None:
        value, date = baseline
        lines += [
            "    baseline:",
            f"      value: {value:.6g}",
            f"      date: {_yaml_scalar(date)}",
            f"      note: {_yaml_scalar(_say(lang, 'baseline_note').format(dataset=dataset))}",
        ]
    else:
        lines.append("    baseline: {value: TODO, date: TODO}")
    lines.append(f"    target: {{value: TODO, date: TODO}}  # {_say(lang, 'target')}")
    return "\n".join(lines) + "\n"


def _frequency(time: str | None) -> str | None:
    t = (time or "").lower()
    if t == "fiscal_year":
        return "fiscal_year"
    if "year" in t:
        return "annual"
    if "quarter" in t:
        return "quarterly"
    if "month" in t:
        return "monthly"
    return None


def _baseline(data: Any, guesses: Mapping[str, Guess], outcome: Any) -> tuple[float, Any] | None:
    """The treated unit's outcome in the last period before the policy, when the data are at
    hand: the KPI's baseline."""
    unit, time = guesses["unit"].value, guesses["time"].value
    treated_unit, first = guesses["treated_unit"].value, guesses["treatment_time"].value
    if data is None or None in (unit, time, treated_unit, first) or outcome not in data:
        return None
    rows = data[(data[unit].astype(str) == str(treated_unit)) & (data[time] < first)]
    if rows.empty:
        return None
    last = rows.sort_values(time).iloc[-1]
    date = last[time]
    date = date.item() if hasattr(date, "item") else date
    # a KPI's date is a year or a dated period ("2024Q1"); a period number (quarter 3) is not
    if not re.match(r"^(1[89]|2[01])\d\d(\b|[-Q])", str(date)):
        return None
    return float(last[outcome]), date


_WORDS = {
    "en": {
        "policy_todo": "the policy evaluated, in words",
        "policy_file_todo": "the direction, the target and the TODOs of the logic-model stub",
        "spec_header": "Created by `ebpm new` on {date}. Check it with `ebpm check`, run it with "
        "`ebpm run`.",
        "schedule": "Rerun on a schedule (cron, local time): uncomment, then `ebpm schedule "
        "install`.",
        "task_comment": "{design} of {dataset} (created by `ebpm new evaluation`)",
        "policy_header": "The logic model of a policy, started by `{command}` on {date}. Fill in "
        "every TODO (`ebpm check` lists them); see pipelines/policies/prop99.yaml for a whole "
        "model and ebpm.kpi.model for the format.",
        "stub_header": "Logic-model stub for the evaluation `{name}`, created by `ebpm new "
        "evaluation` on {date}: the policy, the outcome it should move, the evaluation as the "
        "link's evidence and a KPI on the outcome. Fill in every TODO (`ebpm check` lists them) "
        "and add inputs, outputs and longer-term outcomes (see pipelines/policies/prop99.yaml).",
        "expected": "TODO: add `expected: increase` or `expected: decrease` to the evidence "
        "(what the logic expects of the outcome)",
        "baseline_note": "the treated unit's value in the last period before the policy "
        "({dataset})",
        "target": "TODO: the policy's official target and its date",
    },
    "ja": {
        "policy_todo": "評価する政策（文章で）",
        "policy_file_todo": "ロジックモデルの方向・目標値と TODO",
        "spec_header": "`ebpm new` で {date} に作成。`ebpm check` で確認し、`ebpm run` で実行。",
        "schedule": "定期実行（cron、現地時刻）：コメントを外し `ebpm schedule install`。",
        "task_comment": "{dataset} の {design}（`ebpm new evaluation` で作成）",
        "policy_header": "政策のロジックモデル（`{command}` で {date} に作成）。TODO をすべて"
        "埋めてください（`ebpm check` が一覧にします）。記入例：pipelines/policies/prop99.yaml、"
        "形式：ebpm.kpi.model。",
        "stub_header": "評価 `{name}` のロジックモデルのひな形（`ebpm new evaluation` で {date} "
        "に作成）：政策、その成果指標、根拠となる評価、成果のKPI。TODO をすべて埋め（`ebpm "
        "check` が一覧にします）、インプット・アウトプット・中長期アウトカムを追加してください。",
        "expected": "TODO: evidence に `expected: increase` か `expected: decrease`"
        "（ロジックが想定する変化の向き）を追加",
        "baseline_note": "政策前の最終期における処置単位の値（{dataset}）",
        "target": "TODO: 政策の公式な目標値とその時期",
    },
}


def _say(lang: str, key: str) -> str:
    return _WORDS.get(lang, _WORDS["en"])[key]
