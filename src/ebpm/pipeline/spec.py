"""Pipeline specs: which notebooks run with which parameters, when, and in what order.

A spec is a YAML file in ``pipelines/``::

    name: demo
    description: What this pipeline evaluates.
    schedule: "0 6 1 */3 *"    # cron (machine local time): 06:00 on the 1st, every 3 months
    defaults:                  # parameters every task gets (a task's own win)
      conf_level: 0.95
    timeout: 600               # pipeline-wide task defaults: seconds per notebook,
    retries: 1                 # reruns of a failed notebook,
    tolerance: "5%"            # how far a headline estimate may move before a revision alert
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
        needs: organ_donations   # run after these tasks (a name or a list of names)
      - name: dashboard
        notebook: notebooks/kpi_dashboard.py
        after: did               # run after these tasks finished, whatever their outcome

A task whose ``needs`` did not succeed is blocked (not run); ``after`` only orders: the task
runs once those tasks have finished, well or not (a KPI dashboard then shows the evaluation's
last good estimate).

Notebook paths are relative to the project root (the folder holding ``pipelines/``).

The structure is checked against ``spec.schema.json`` (JSON Schema draft-07, shipped beside this
module; :func:`schema` returns it, e.g. for an editor's YAML language server). Every error names
the file and the line: :class:`~ebpm.errors.SpecError` raised here carries ``.line`` (an int,
or None when no line applies).
"""

from __future__ import annotations

import functools
import json
import math
import re
import sys
import unicodedata
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from ebpm._graph import find_cycle as _find_cycle
from ebpm._yaml import line_of as _line
from ebpm._yaml import read_with_lines as _read_yaml
from ebpm._yaml import resolve_path as _resolve
from ebpm._yaml import show_value as _show
from ebpm._yaml import spec_error as _error
from ebpm.errors import ScheduleError, SpecError, did_you_mean
from ebpm.pipeline._outputs import _expand_grid, _output_name, slug
from ebpm.project import Project, shown_path

__all__ = [
    "DEFAULT_TOLERANCE",
    "PipelineSpec",
    "Task",
    "Tolerance",
    "load_spec",
    "no_tasks_message",
    "schema",
    "slug",
]

_NAME = re.compile(r"^[\w][\w.-]*$")
_PERCENT = re.compile(r"^\s*([0-9]+(?:\.[0-9]+)?)\s*%\s*$")

#: What each key must hold, for messages ("`retries` must be a whole number ≥ 0, not 'two'").
_EXPECTED = {
    "name": "a name of letters, digits, '.', '_' and '-'",
    "description": "text",
    "schedule": 'a cron expression in quotes, e.g. "0 6 * * 1" (06:00 every Monday) or "@daily"',
    "defaults": "a mapping of parameter names to values",
    "parameters": "a mapping of parameter names to values",
    "timeout": "a positive number of seconds",
    "retries": "a whole number ≥ 0",
    "tolerance": 'a number ≥ 0 (an absolute change) or a percentage such as "5%" (a relative '
    "change)",
    "tasks": "a list of tasks (empty in a new pipeline); each task needs a `notebook`",
    "notebook": "the path of a notebook, e.g. notebooks/did.py",
    "output": 'a name template, e.g. "{task}-{dataset}"',
    "needs": "the name of a task of this spec, or a list of them",
    "after": "the name of a task of this spec, or a list of them",
    "grid": "a mapping of lists (every combination runs) or a non-empty list of parameter mappings",
}

_CRON_MACROS = ("@hourly", "@daily", "@midnight", "@weekly", "@monthly", "@yearly", "@annually")
_CRON_FIELDS = (
    ("minute", "0-59"),
    ("hour", "0-23"),
    ("day of month", "1-31"),
    ("month", "1-12 or jan-dec"),
    ("day of week", "0-7 or sun-sat"),
)
_CRON_EXAMPLE = (
    'Write five fields, minute hour day-of-month month day-of-week, e.g. schedule: "0 6 1 */3 *" '
    '(06:00 on the 1st of every third month), or schedule: "@daily".'
)


# --- tolerance -------------------------------------------------------------------------------
@dataclass(frozen=True)
class Tolerance:
    """How far a rerun's headline estimate may move before it counts as a revision.

    ``absolute`` is a change in the estimate's own units; ``relative`` a fraction of the previous
    estimate (``"5%"`` in a spec is ``relative=0.05``). When both are set, the larger allowance
    applies. Parse a spec value with :meth:`parse`.
    """

    absolute: float | None = None
    relative: float | None = None

    @classmethod
    def parse(cls, value: Any) -> Tolerance:
        """A tolerance from a spec value: a number ≥ 0 (absolute) or a string like ``"5%"``.

        Raises
        ------
        SpecError
            Anything else (negative or NaN numbers, ``"5"``, ``"five percent"``).
        """
        if isinstance(value, Tolerance):
            return value
        if isinstance(value, int | float) and not isinstance(value, bool):
            if value >= 0:  # False for NaN
                return cls(absolute=float(value))
        elif isinstance(value, str) and (m := _PERCENT.match(value)):
            return cls(relative=float(m.group(1)) / 100)
        raise SpecError(f"`tolerance` must be {_EXPECTED['tolerance']}, not {_show(value)}")

    def exceeded(self, old: float, new: float) -> bool:
        """Whether moving from ``old`` to ``new`` is beyond the tolerance.

        True when ``|new - old| > max(absolute, relative * |old|)`` (an unset part counts as 0,
        and a few units in the last place are allowed for rounding), so a relative tolerance
        around an old estimate of 0 flags any change. An estimate that
        appears, disappears or becomes infinite (NaN or ±inf on one side only) is exceeded; the
        same value on both sides (two NaNs, the same infinity) is not.
        """
        old, new = float(old), float(new)
        if old == new or (math.isnan(old) and math.isnan(new)):
            return False
        if not (math.isfinite(old) and math.isfinite(new)):
            return True
        allowed = max(self.absolute or 0.0, (self.relative or 0.0) * abs(old))
        # a few units in the last place of slack, so that 1.0 -> 1.1 is within 0.1
        slack = 4 * sys.float_info.epsilon * max(abs(old), abs(new))
        return abs(new - old) > allowed + slack

    def __str__(self) -> str:
        parts = []
        if self.absolute is not None:
            parts.append(f"{self.absolute:g}")
        if self.relative is not None:
            parts.append(f"{self.relative * 100:g}%")
        return " or ".join(parts) or "0"


#: A tolerance for tasks that set none: any change beyond numerical noise is a revision.
DEFAULT_TOLERANCE = Tolerance(absolute=1e-9, relative=1e-6)


# --- the spec --------------------------------------------------------------------------------
@dataclass(frozen=True)
class Task:
    """One notebook execution: a notebook with fully resolved parameters."""

    name: str  # unique within the pipeline; file names of the outputs
    group: str  # the spec task it comes from
    notebook: Path
    parameters: dict[str, Any]
    timeout: float | None = None
    description: str = ""
    retries: int = 0
    needs: tuple[str, ...] = ()  # names of the tasks (of this spec) that must succeed first
    after: tuple[str, ...] = ()  # tasks that must finish first, well or not (not in needs)
    tolerance: Tolerance = DEFAULT_TOLERANCE
    line: int | None = field(default=None, compare=False)  # the task's line in the spec
    #: line of the spec where each parameter's value was given (defaults, parameters or grid)
    param_lines: dict[str, int] = field(default_factory=dict, compare=False, repr=False)


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
    timeout: float | None = None  # pipeline-wide defaults, already applied to the tasks
    retries: int = 0
    tolerance: Tolerance = DEFAULT_TOLERANCE
    #: line of every value, by its path in the YAML: ``lines[("tasks", 3, "timeout")]``
    lines: dict[tuple[Any, ...], int] = field(default_factory=dict, compare=False, repr=False)

    @property
    def display_path(self) -> str:
        """The spec's path as messages show it: relative to the project root when inside it."""
        return shown_path(self.path, self.root)

    def where(self, task: Task | None = None, *, parameter: str | None = None) -> str:
        """``"pipelines/demo.yaml, line 14"``: where to fix a task or one of its parameters.

        Falls back to the task's line, then to the file alone.
        """
        line = None
        if task is not None:
            line = task.param_lines.get(parameter) if parameter else None
            line = line or task.line
        return f"{self.display_path}, line {line}" if line else self.display_path


@functools.cache
def no_tasks_message(name: str) -> str:
    """What ``ebpm check`` warns and ``ebpm run`` refuses with for a pipeline without tasks."""
    return (
        f"pipeline {name!r} has no tasks yet; add one with `ebpm new evaluation NAME "
        f"--design did --dataset NS.ENTRY --pipeline {name}`"
    )


def schema() -> dict[str, Any]:
    """The JSON Schema (draft-07) of a pipeline spec, as shipped in ``spec.schema.json``."""
    text = resources.files("ebpm.pipeline").joinpath("spec.schema.json").read_text("utf-8")
    return json.loads(text)


@functools.cache
def _validator() -> Any:
    import fastjsonschema  # compiled once, on first use

    return fastjsonschema.compile(schema())


def _keys(*where: str) -> tuple[str, ...]:
    node = schema()
    for part in where:
        node = node["definitions"][part]
    return tuple(node["properties"])


# --- errors with lines -----------------------------------------------------------------------


# --- schema errors in words ------------------------------------------------------------------
def _task_label(raw: Any, index: int) -> str:
    if isinstance(raw, dict):
        if isinstance(raw.get("name"), str) and raw["name"]:
            return f"task {raw['name']!r}"
        if isinstance(raw.get("notebook"), str) and raw["notebook"]:
            return f"task {Path(raw['notebook']).stem!r}"
    return f"task {index + 1}"


def _unknown_key(mapping: dict[Any, Any], allowed: tuple[str, ...]) -> Any:
    return next(k for k in mapping if k not in allowed)


def _schema_message(
    err: Any, data: Any, lines: dict[tuple[Any, ...], int], shown: str
) -> SpecError:
    path = _resolve(data, [p for p in err.path[1:]])
    rule = err.rule
    if path == ():
        allowed = _keys()
        if rule == "additionalProperties" or (
            rule == "required" and any(k not in allowed for k in data)
        ):
            key = _unknown_key(data, allowed)
            return _error(
                shown,
                lines.get((key,)),
                f"unknown key {key!r}.{did_you_mean(str(key), allowed)} "
                f"Allowed keys: {', '.join(allowed)}.",
            )
        if rule == "required":
            return _error(shown, None, f"`tasks` must be {_EXPECTED['tasks']}")
        return _error(shown, None, "a spec is a mapping with `name` and `tasks`")
    prefix = ""
    scope: tuple[Any, ...] = ()
    if path[0] == "tasks" and len(path) >= 2:
        raw = data["tasks"][path[1]]
        prefix = _task_label(raw, path[1])
        scope = path[:2]
        if len(path) == 2:
            line = lines.get(path)
            allowed = _keys("task")
            if rule == "additionalProperties" or (
                rule == "required" and any(k not in allowed for k in raw)
            ):
                key = _unknown_key(raw, allowed)
                return _error(
                    shown,
                    lines.get((*path, key)),
                    f"{prefix}: unknown key {key!r}.{did_you_mean(str(key), allowed)} "
                    f"Allowed keys: {', '.join(allowed)}.",
                )
            if rule == "required":
                return _error(
                    shown,
                    line,
                    f"{prefix} has no `notebook`; add e.g. `notebook: notebooks/did.py`",
                )
            return _error(
                shown,
                line,
                f"{prefix} must be a mapping with at least `notebook`, not {_show(raw)}",
            )
        prefix += ": "
    key_path = path[: len(scope) + 1]
    key = key_path[-1]
    value = data
    for part in key_path:
        value = value[part]
    line = _line(lines, path)
    if key == "grid" and isinstance(value, dict):
        for k, v in value.items():
            if not isinstance(k, str):
                break
            if not isinstance(v, list) or not v:
                fix = f" should be written [{v!r}]" if not isinstance(v, list) else ""
                return _error(
                    shown,
                    lines.get((*key_path, k)),
                    f"{prefix}grid values must be non-empty lists; {k}: {v!r}{fix}",
                )
    if rule == "propertyNames" and isinstance(value, dict):
        bad = next((k for k in value if not isinstance(k, str)), None)
        return _error(
            shown,
            lines.get((*key_path, bad), line),
            f"{prefix}parameter names in `{key}` must be text, not {_show(bad)}; put it in quotes",
        )
    if key == "name" and rule == "pattern":
        return _error(
            shown,
            line,
            f"{prefix}name {value!r} may hold only letters, digits, '.', '_', '-', and must start "
            "with a letter or digit",
        )
    expected = _EXPECTED.get(str(key), "something else")
    return _error(shown, line, f"{prefix}`{key}` must be {expected}, not {_show(value)}")


# --- cron ------------------------------------------------------------------------------------
def _check_schedule(expr: str, shown: str, line: int | None) -> str:
    text = " ".join(expr.split())
    if text.startswith("@"):
        if text in _CRON_MACROS:
            return text
        raise _error(
            shown,
            line,
            f"schedule {expr!r} is not a cron expression: the shortcuts are "
            f"{', '.join(_CRON_MACROS)}.{did_you_mean(text, _CRON_MACROS)} {_CRON_EXAMPLE}",
            ScheduleError,
        )
    fields = text.split(" ")
    if len(fields) != 5:
        raise _error(
            shown,
            line,
            f"schedule {expr!r} has {len(fields)} field(s), a cron expression has 5. "
            f"{_CRON_EXAMPLE}",
            ScheduleError,
        )
    from croniter import croniter

    if croniter.is_valid(text):
        return text
    bad = []
    for i, (label, allowed) in enumerate(_CRON_FIELDS):
        probe = ["*"] * 5
        probe[i] = fields[i]
        if not croniter.is_valid(" ".join(probe)):
            bad.append(f"{label} {fields[i]!r} is not valid ({allowed})")
    reason = "; ".join(bad) if bad else "its fields do not combine into a valid schedule"
    raise _error(
        shown,
        line,
        f"schedule {expr!r} is not a valid cron expression: {reason}. {_CRON_EXAMPLE}",
        ScheduleError,
    )


# --- load_spec -------------------------------------------------------------------------------
def load_spec(path: str | Path) -> PipelineSpec:
    """Read and validate a pipeline spec, expanding grids into tasks.

    Parameters
    ----------
    path : str or Path
        The spec, e.g. ``pipelines/demo.yaml``. Its project root is the folder holding
        ``pipelines/`` (or the spec's own folder elsewhere); notebook paths are relative to it.

    Returns
    -------
    PipelineSpec
        The spec with one :class:`Task` per notebook run (a grid gives several), pipeline-wide
        ``timeout``/``retries``/``tolerance`` applied, and ``needs`` resolved to task names.

    Raises
    ------
    SpecError
        The file is missing or not YAML; a key is unknown or holds the wrong type; a notebook is
        missing; ``needs`` names an unknown task, the task itself or makes a cycle; an output
        name escapes the run directory or collides. The message names the file, the line, the
        task and the fix; the error's ``.line`` holds the line.
    ScheduleError
        ``schedule`` is not a valid cron expression.
    """
    path = Path(path)
    if not path.is_file():
        nearby = [p.name for p in path.parent.glob("*.yaml")] if path.parent.is_dir() else []
        raise SpecError(
            f"pipeline spec {str(path)!r} does not exist.{did_you_mean(path.name, nearby)}"
            + (f" Specs there: {', '.join(sorted(nearby))}." if nearby else ""),
            path=str(path),
        )
    root = Project.of(path).root
    shown = shown_path(path, root)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        raise _error(shown, None, f"cannot be read: {err}") from err
    raw, lines = _read_yaml(text, shown)
    if not isinstance(raw, dict):
        raise _error(shown, None, "a spec is a mapping with `name` and `tasks`")
    import fastjsonschema

    try:
        _validator()(raw)
    except fastjsonschema.JsonSchemaValueException as err:
        raise _schema_message(err, raw, lines, shown) from err
    return _build(raw, lines, path=path, root=root, shown=shown)


@dataclass(frozen=True)
class _Where:
    """What every check of one spec file needs to say where a problem is."""

    lines: dict[tuple[Any, ...], int]
    shown: str
    root: Path


@dataclass(frozen=True)
class _Settings:
    """The pipeline-wide settings every task starts from."""

    defaults: dict[str, Any]
    timeout: float | None
    retries: int
    tolerance: Tolerance


def _build(
    raw: dict[str, Any],
    lines: dict[tuple[Any, ...], int],
    *,
    path: Path,
    root: Path,
    shown: str,
) -> PipelineSpec:
    where = _Where(lines, shown, root)
    name = raw.get("name") or path.stem
    if not _NAME.match(name):
        raise _error(
            shown,
            lines.get(("name",)),
            f"name {name!r} may hold only letters, digits, '.', '_', '-'; set `name:` in the spec",
        )
    schedule = raw.get("schedule")
    if schedule is not None:
        schedule = _check_schedule(schedule, shown, lines.get(("schedule",)))
    settings = _settings(raw, where)
    planned: list[dict[str, Any]] = []  # one per concrete task, before `needs` is resolved
    seen: dict[str, tuple[str, str]] = {}  # folded output name -> (name, group)
    needs_of: dict[int, list[tuple[str, int | None]]] = {}
    after_of: dict[int, list[tuple[str, int | None]]] = {}
    for i, t in enumerate(raw["tasks"]):
        needs_of[i], after_of[i] = _dependencies(t, ("tasks", i), lines)
        planned += _plan_task(i, t, settings, where, seen)
    needs = _resolve_needs(planned, needs_of, lines, shown)
    after = _resolve_needs(planned, after_of, lines, shown, key="after", needs=needs)
    tasks = tuple(
        Task(
            **{k: v for k, v in p.items() if k != "index"},
            needs=needs[p["name"]],
            after=tuple(n for n in after[p["name"]] if n not in needs[p["name"]]),
        )
        for p in planned
    )
    return PipelineSpec(
        name=str(name),
        path=path.resolve(),
        root=root,
        description=str(raw.get("description", "")).strip(),
        schedule=schedule,
        defaults=settings.defaults,
        tasks=tasks,
        timeout=settings.timeout,
        retries=settings.retries,
        tolerance=settings.tolerance,
        lines=lines,
    )


def _settings(raw: dict[str, Any], where: _Where) -> _Settings:
    timeout = raw.get("timeout")
    if timeout is not None and not math.isfinite(timeout):
        raise _error(
            where.shown, where.lines.get(("timeout",)), f"`timeout` must be {_EXPECTED['timeout']}"
        )
    return _Settings(
        defaults=dict(raw.get("defaults") or {}),
        timeout=float(timeout) if timeout is not None else None,
        retries=int(raw.get("retries", 0)),
        tolerance=_tolerance(raw, ("tolerance",), where.lines, where.shown, "", DEFAULT_TOLERANCE),
    )


def _dependencies(
    t: dict[str, Any], at: tuple[Any, ...], lines: dict[tuple[Any, ...], int]
) -> tuple[list[tuple[str, int | None]], list[tuple[str, int | None]]]:
    """A task's `needs` and `after`, each as (name, line) pairs."""
    out = []
    for key in ("needs", "after"):
        raw_deps = t.get(key) or []
        raw_deps = [raw_deps] if isinstance(raw_deps, str) else raw_deps
        out.append(
            [(n, lines.get((*at, key, j), lines.get((*at, key)))) for j, n in enumerate(raw_deps)]
        )
    return out[0], out[1]


def _plan_task(
    i: int,
    t: dict[str, Any],
    settings: _Settings,
    where: _Where,
    seen: dict[str, tuple[str, str]],
) -> list[dict[str, Any]]:
    """The concrete tasks of the spec's task ``i``: one per combination of its grid."""
    lines, shown, root = where.lines, where.shown, where.root
    at = ("tasks", i)
    group = str(t.get("name") or Path(t["notebook"]).stem)
    prefix = f"task {group!r}: "
    task_line = lines.get(at)
    notebook = root / t["notebook"]
    if not notebook.is_file():
        present = [str(p.relative_to(root)) for p in root.glob("notebooks/*") if p.is_file()]
        raise _error(
            shown,
            lines.get((*at, "notebook"), task_line),
            f"{prefix}notebook {t['notebook']!r} does not exist under {root}."
            f"{did_you_mean(str(t['notebook']), present)}",
        )
    params = dict(t.get("parameters") or {})
    combos = _expand_grid(t.get("grid"), (*at, "grid"), lines)
    template = t.get("output")
    if template is None:
        template = (
            group if len(combos) == 1 else group + "-" + "-".join(f"{{{k}}}" for k in combos[0][0])
        )
    out_line = lines.get((*at, "output"), task_line)
    task_timeout = t.get("timeout", settings.timeout)
    if task_timeout is not None and not math.isfinite(task_timeout):
        raise _error(
            shown, lines.get((*at, "timeout")), f"{prefix}`timeout` must be {_EXPECTED['timeout']}"
        )
    task_tolerance = _tolerance(t, (*at, "tolerance"), lines, shown, prefix, settings.tolerance)
    planned = []
    for combo, combo_lines in combos:
        resolved = {**settings.defaults, **params, **combo}
        param_lines = {
            k: lines[("defaults", k)] for k in settings.defaults if ("defaults", k) in lines
        }
        param_lines.update(
            {k: lines[(*at, "parameters", k)] for k in params if (*at, "parameters", k) in lines}
        )
        param_lines.update({k: v for k, v in combo_lines.items() if v})
        combo_line = next(iter(combo_lines.values()), None) if combo_lines else None
        out_name = _output_name(
            str(template), resolved, group, shown, combo_line or out_line, prefix
        )
        _claim_output(seen, out_name, group, where, out_line, prefix)
        planned.append(
            {
                "index": i,
                "name": out_name,
                "group": group,
                "notebook": notebook,
                "parameters": resolved,
                "timeout": float(task_timeout) if task_timeout is not None else None,
                "description": str(t.get("description", "")),
                "retries": int(t.get("retries", settings.retries)),
                "tolerance": task_tolerance,
                "line": task_line,
                "param_lines": param_lines,
            }
        )
    return planned


def _claim_output(
    seen: dict[str, tuple[str, str]],
    out_name: str,
    group: str,
    where: _Where,
    line: int | None,
    prefix: str,
) -> None:
    """Record ``out_name`` as taken, or fail if another task already makes that file."""
    folded = unicodedata.normalize("NFC", out_name).casefold()
    if folded in seen:
        other, other_group = seen[folded]
        also = f"task {other_group!r}" + (f", as {other!r}" if other != out_name else "")
        why = (
            "; names that differ only in case or Unicode form are the same file on "
            "macOS and Windows"
            if other != out_name
            else ""
        )
        raise _error(
            where.shown,
            line,
            f"{prefix}output name {out_name!r} is produced twice (also by {also}{why}); "
            "make `output` include a parameter that differs, e.g. "
            'output: "{task}-{dataset}"',
        )
    seen[folded] = (out_name, group)


def _tolerance(
    mapping: dict[str, Any],
    at: tuple[Any, ...],
    lines: dict[tuple[Any, ...], int],
    shown: str,
    prefix: str,
    default: Tolerance,
) -> Tolerance:
    if "tolerance" not in mapping:
        return default
    try:
        return Tolerance.parse(mapping["tolerance"])
    except SpecError as err:
        raise _error(shown, lines.get(at), f"{prefix}{err}") from err


def _resolve_needs(
    planned: list[dict[str, Any]],
    needs_of: dict[int, list[tuple[str, int | None]]],
    lines: dict[tuple[Any, ...], int],
    shown: str,
    *,
    key: str = "needs",
    needs: dict[str, tuple[str, ...]] | None = None,
) -> dict[str, tuple[str, ...]]:
    """Every concrete task's ``needs`` (or ``after``) as concrete task names; checks names
    and cycles (those of ``after`` together with ``needs``, given resolved)."""
    verb = "needs" if key == "needs" else "runs after"
    by_group: dict[str, list[str]] = {}
    group_of_index: dict[int, str] = {}
    for p in planned:
        by_group.setdefault(p["group"], []).append(p["name"])
        group_of_index[p["index"]] = p["group"]
    names = [p["name"] for p in planned]
    known = list(dict.fromkeys([*by_group, *names]))
    concrete: dict[int, list[str]] = {}
    for i, wanted in needs_of.items():
        group = group_of_index[i]
        own = {p["name"] for p in planned if p["index"] == i}
        out: list[str] = []
        for need, line in wanted:
            if need == group or need in own:
                raise _error(
                    shown,
                    line,
                    f"task {group!r} {verb} itself; remove {need!r} from its `{key}`",
                )
            if need in by_group:
                out.extend(by_group[need])
            elif need in names:
                out.append(need)
            else:
                raise _error(
                    shown,
                    line,
                    f"task {group!r} {verb} {need!r}, which is not a task of this spec."
                    f"{did_you_mean(need, known)} Tasks: {', '.join(by_group)}.",
                )
        concrete[i] = list(dict.fromkeys(out))
    result = {p["name"]: tuple(concrete.get(p["index"], ())) for p in planned}
    graph = {name: [*deps, *(needs or {}).get(name, ())] for name, deps in result.items()}
    cycle = _find_cycle(graph)
    if cycle:
        first = next(p for p in planned if p["name"] == cycle[0])
        line = lines.get(("tasks", first["index"], key), first["line"])
        which = "`needs`" if needs is None else "`needs` and `after`"
        raise _error(
            shown,
            line,
            f"{which} go round in a circle: {' → '.join(cycle)}; no task of it can start. "
            f"Remove one of these {'needs' if needs is None else 'links'}.",
        )
    return result
