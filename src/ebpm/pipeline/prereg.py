"""Analysis plans (pre-registration): what each task of a pipeline will estimate, locked before
its outcome data are looked at, and how a run departs from that plan.

Not :mod:`ebpm.pipeline.plan`, which decides which tasks of a *run* run.

``ebpm plan lock PIPELINE`` writes ``pipelines/plans/<pipeline>.plan.json`` beside the spec (a
file to commit with the project). For every task it holds what the task will do as the runner
would do it now:

``design``
    the notebook's name (``did``, ``staggered_did``: the research design);
``notebook``, ``notebook_sha256``, ``cells``
    the notebook's path, the sha256 of its bytes and its cells' sources, so a later change
    names the cell (:mod:`ebpm.pipeline._cells`);
``parameters``, ``outcome``
    the parameters resolved and coerced as the runner does (secrets are refused there, and
    redacted here all the same), and the ``outcome`` column;
``data``
    each dataset's identity as known at lock time, without downloading anything: the digest of
    its catalog entry's definition and, when the task ran before (or the entry names a package
    file), the sha256 of the bytes as installed or cached now and the package's version.

A lock also records ``locked_at``, ``locked_by`` and the ``reason`` of a relock. Locking again
never overwrites silently: the previous lock moves to ``history`` (oldest first), and a relock
needs a reason.

A run of a pipeline with a plan records, in each task's record (``prereg``), whether the task
follows the plan and each deviation as data (:func:`task_check`); the site words them in the
page's language. Without a plan file nothing is recorded.
"""

from __future__ import annotations

import getpass
import json
import subprocess
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ebpm._catalog_files import entry_sha256, find_catalog_dir
from ebpm._io import atomic_write_json
from ebpm._protocol import redact_parameters, redact_text
from ebpm.errors import ParameterError, PipelineError, did_you_mean
from ebpm.pipeline import history
from ebpm.pipeline.fingerprint import Hasher, file_sha256
from ebpm.pipeline.records import relative, utc_now
from ebpm.pipeline.spec import PipelineSpec, Task, load_spec

__all__ = [
    "PLAN_FORMAT",
    "check_against",
    "check_unchanged",
    "compare",
    "first_ran",
    "lock",
    "plan_path",
    "plan_warnings",
    "read_plan",
    "resolve_tasks",
    "snapshot",
    "status",
    "task_check",
]

#: The version of the plan file's layout.
PLAN_FORMAT = 1

#: Parameter names that hold the outcome column (reported as an outcome change, not as a
#: parameter's).
_OUTCOME = "outcome"


# --- the plan file ---------------------------------------------------------------------------
def plan_path(spec: PipelineSpec) -> Path:
    """``pipelines/plans/<pipeline>.plan.json``: the plan file beside the spec."""
    return spec.path.parent / "plans" / f"{spec.name}.plan.json"


def read_plan(spec: PipelineSpec) -> dict[str, Any] | None:
    """The pipeline's locked plan, or None when it has none.

    Raises
    ------
    PipelineError
        The file is not a plan ebpm can read (not JSON, or not a mapping of tasks).
    """
    path = plan_path(spec)
    if not path.is_file():
        return None
    shown = relative(path, spec.root)
    try:
        plan = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as err:
        raise PipelineError(
            f"{shown} is not a readable analysis plan ({err}); restore it from git "
            f"(git checkout -- {shown})"
        ) from err
    if not isinstance(plan, dict) or not isinstance(plan.get("tasks"), dict):
        raise PipelineError(
            f"{shown} is not an analysis plan (no `tasks` mapping); restore it from git "
            f"(git checkout -- {shown})"
        )
    return plan


# --- what a task is now ----------------------------------------------------------------------
def _resolved(spec: PipelineSpec, task: Task) -> Task:
    """``task`` with its parameters checked and coerced against its notebook (raises
    :class:`ParameterError`)."""
    from dataclasses import replace

    from ebpm.pipeline.notebooks import declared_parameters
    from ebpm.pipeline.params import check_parameters

    coerced = check_parameters(
        task.name,
        dict(task.parameters),
        declared_parameters(task.notebook),
        where=spec.where(task),
        notebook=task.notebook.name,
    )
    return replace(task, parameters=coerced)


def resolve_tasks(spec: PipelineSpec, only: list[str] | None = None) -> list[Task]:
    """The spec's tasks (or those named in ``only``: task or spec-task names) with their
    parameters checked and coerced against their notebooks, as ``ebpm run`` does before any
    kernel starts; a secret in a parameter is refused there, so it never reaches a plan.

    Raises
    ------
    ParameterError
        A name in ``only`` is not a task of the spec, or a task's parameters are wrong.
    """
    names = [t.name for t in spec.tasks]
    known = set(names) | {t.group for t in spec.tasks}
    for want in only or []:
        if want not in known:
            raise ParameterError(
                f"task {want!r} is not in {spec.display_path}.{did_you_mean(want, known)} Its "
                f"tasks: {', '.join(names)}."
            )
    tasks, errors = [], []
    for task in spec.tasks:
        if only and task.name not in only and task.group not in only:
            continue
        try:
            tasks.append(_resolved(spec, task))
        except ParameterError as err:
            errors.append(str(err))
    if errors:
        raise ParameterError(
            f"{len(errors)} task(s) of {spec.display_path} have bad parameters (`ebpm run` "
            "would refuse them too); nothing was locked or compared.\n  " + "\n  ".join(errors)
        )
    return tasks


def _cell_sources(notebook: Path) -> list[str]:
    """The notebook's cells as :mod:`ebpm.pipeline._cells` compares them (URL secrets
    redacted)."""
    from ebpm.pipeline._cells import _sources
    from ebpm.pipeline.notebooks import read_notebook

    cells = [dict(c) for c in read_notebook(notebook).cells]
    return [redact_text(s) for s in _sources(cells)]


def _plain(value: Any) -> Any:
    """``value`` as JSON holds it, its secrets redacted at any depth."""
    return json.loads(json.dumps(redact_parameters({"v": value})["v"], default=str))


def _installed_version(package: Any) -> str | None:
    from importlib import metadata

    try:
        return metadata.version(str(package))
    except (metadata.PackageNotFoundError, ValueError):
        return None


def _entry_package_file(entry: str, root: Path) -> dict[str, Any] | None:
    """A provenance-like record of the package file a catalog entry reads (``kwargs:
    package, resource``), from its definition alone; None for any other entry."""
    from ebpm import _yaml

    namespace, _, name = entry.partition(".")
    folder = find_catalog_dir(root)
    if not name or folder is None:
        return None
    try:
        raw = _yaml.safe_load((folder / f"{namespace}.yaml").read_text(encoding="utf-8"))
        kwargs = raw["entries"][name].get("kwargs") or {}
    except Exception:  # a catalog that does not read is `ebpm check`'s to report
        return None
    package, resource = kwargs.get("package"), kwargs.get("resource")
    if not (isinstance(package, str) and isinstance(resource, str)):
        return None
    return {"entry": entry, "package": package, "path": f"{package}/{resource}"}


def _data_now(
    datasets: list[dict[str, Any]], parameters: Mapping[str, Any], root: Path, hasher: Hasher
) -> list[dict[str, Any]]:
    """Each dataset's identity now, without loading it: those the task loaded last time
    (``datasets``) and the catalog entry its ``dataset`` parameter names."""
    records = [d for d in datasets if d.get("entry") and d.get("kind") != "evidence"]
    named = parameters.get("dataset")
    if isinstance(named, str) and named and all(d.get("entry") != named for d in records):
        records.append(_entry_package_file(named, root) or {"entry": named})
    out = []
    for d in records:
        package = d.get("package")
        version = _installed_version(package) if package else None
        out.append(
            {
                "entry": str(d["entry"]),
                "entry_sha256": entry_sha256(str(d["entry"]), start=root),
                "sha256": hasher.dataset(d) if (d.get("files") or d.get("path")) else None,
                "package": package,
                "package_version": version or d.get("package_version"),
            }
        )
    return out


def _data_loaded(datasets: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each dataset's identity as a run loaded it (its provenance)."""
    keys = ("entry", "entry_sha256", "sha256", "package", "package_version")
    return [
        {k: d.get(k) for k in keys}
        for d in datasets
        if d.get("entry") and d.get("kind") != "evidence"
    ]


def snapshot(
    task: Task,
    *,
    root: Path,
    parameters: Mapping[str, Any] | None = None,
    datasets: list[dict[str, Any]] | None = None,
    hasher: Hasher | None = None,
) -> dict[str, Any]:
    """What ``task`` is: its design, notebook, parameters, outcome and data, as a plan holds it.

    ``parameters`` default to the task's (pass a run's, with its ``-p`` overrides). With a
    ``hasher``, the data are as known now without loading them (``datasets``: what the task
    loaded last time); without one, ``datasets`` is what a run loaded, taken as it recorded it.
    """
    params = dict(task.parameters if parameters is None else parameters)
    data = (
        _data_now(datasets or [], params, root, hasher)
        if hasher is not None
        else _data_loaded(datasets or [])
    )
    outcome = params.get(_OUTCOME)
    return {
        "design": task.notebook.stem,
        "notebook": relative(task.notebook, root),
        "notebook_sha256": file_sha256(task.notebook),
        "cells": _cell_sources(task.notebook),
        "parameters": {str(k): _plain(v) for k, v in redact_parameters(params).items()},
        "outcome": outcome if isinstance(outcome, str) else None,
        "data": data,
    }


# --- locking ---------------------------------------------------------------------------------
def _locked_by(root: Path) -> str:
    """Who locks: git's ``user.name <user.email>`` for the project, else the login name."""

    def git(key: str) -> str:
        try:
            done = subprocess.run(
                ["git", "-C", str(root), "config", key],
                capture_output=True,
                text=True,
                timeout=10,
                check=False,
            )
        except (OSError, subprocess.SubprocessError):
            return ""
        return done.stdout.strip()

    name, email = git("user.name"), git("user.email")
    if name:
        return f"{name} <{email}>" if email else name
    try:
        return getpass.getuser()
    except (OSError, KeyError):  # no login name (a container without a passwd entry)
        return "unknown"


def lock(
    spec_path: str | Path,
    *,
    out: str | Path = ".",
    tasks: list[str] | None = None,
    reason: str | None = None,
    by: str | None = None,
) -> Path:
    """Lock the analysis plan of a pipeline (or of the named tasks); returns the plan file.

    Parameters
    ----------
    spec_path : path
        The pipeline spec.
    out : path, default "."
        The folder holding ``runs/``: the data a task loaded in its last good run are
        identified by their bytes as installed or cached now (nothing is downloaded).
    tasks : list of str, optional
        Lock only these tasks (task or spec-task names); the plan's other tasks stay as locked.
    reason : str, optional
        Why the plan is locked again: required when the pipeline already has a plan.
    by : str, optional
        Who locks (default: git's user.name and user.email, else the login name).

    Raises
    ------
    PipelineError
        A plan exists and no ``reason`` is given (the plan is left as it was).
    ParameterError
        A task's parameters are wrong (a secret, a typo): nothing is locked.
    """
    spec = load_spec(spec_path)
    old = read_plan(spec)
    shown = relative(plan_path(spec), spec.root)
    reason = " ".join((reason or "").split()) or None
    if old is not None and reason is None:
        raise PipelineError(
            f"{spec.name} already has an analysis plan, locked {old.get('locked_at')} by "
            f"{old.get('locked_by')} ({shown}); a relock is recorded with its reason: run "
            f'`ebpm plan lock {spec.display_path} --reason "why the plan changes"`'
        )
    selected = resolve_tasks(spec, tasks)
    hasher = Hasher()
    previous = history.last_good_records(out, spec.name, [t.name for t in selected])
    now = utc_now()
    entries = {}
    for task in selected:
        ran = previous.get(task.name)
        entry = snapshot(
            task,
            root=spec.root,
            datasets=(ran[1].get("datasets") or []) if ran else [],
            hasher=hasher,
        )
        entries[task.name] = {**entry, "locked_at": now, "ran_before_lock": ran[0] if ran else None}
    plan: dict[str, Any] = {
        "format": PLAN_FORMAT,
        "pipeline": spec.name,
        "spec": spec.display_path,
        "locked_at": now,
        "locked_by": by or _locked_by(spec.root),
        "reason": redact_text(reason) if reason else None,
        "relocked_tasks": sorted(entries) if tasks else None,
        "tasks": {**(old or {}).get("tasks", {}), **entries} if tasks else entries,
        "history": [],
    }
    if old is not None:
        earlier = {k: v for k, v in old.items() if k != "history"}
        plan["history"] = [*(old.get("history") or []), earlier]
    path = plan_path(spec)
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_json(path, plan)
    return path


# --- deviations ------------------------------------------------------------------------------
def _data_deviations(planned: list[dict[str, Any]], now: list[dict[str, Any]]) -> list[dict]:
    out: list[dict[str, Any]] = []
    before = {str(d.get("entry")): d for d in planned}
    after = {str(d.get("entry")): d for d in now}
    for entry, p in before.items():
        n = after.get(entry)
        if n is None:
            if now:  # a run that loaded nothing we know of says nothing of its data
                out.append({"kind": "data_removed", "entry": entry})
            continue
        for key, kind in (
            ("sha256", "data_sha256"),
            ("package_version", "data_version"),
            ("entry_sha256", "data_definition"),
        ):
            if p.get(key) and n.get(key) and p[key] != n[key]:
                out.append(
                    {
                        "kind": kind,
                        "entry": entry,
                        "package": n.get("package"),
                        "planned": p[key],
                        "actual": n[key],
                    }
                )
                if kind == "data_sha256":
                    break  # other bytes: a new version or definition adds nothing
    out += [{"kind": "data_added", "entry": e} for e in after if e not in before]
    return out


def _parameter_deviations(planned: dict[str, Any], now: dict[str, Any]) -> list[dict]:
    out: list[dict[str, Any]] = []
    for name in sorted(set(planned) | set(now)):
        if name == _OUTCOME:
            continue
        if name not in now:
            out.append({"kind": "parameter_removed", "name": name, "planned": planned[name]})
        elif name not in planned:
            out.append({"kind": "parameter_added", "name": name, "actual": now[name]})
        elif planned[name] != now[name]:
            out.append(
                {"kind": "parameter", "name": name, "planned": planned[name], "actual": now[name]}
            )
    return out


def compare(planned: Mapping[str, Any], now: Mapping[str, Any]) -> list[dict[str, Any]]:
    """How ``now`` (a :func:`snapshot`) departs from the ``planned`` one, as a list of
    deviations, each a mapping with a ``kind``: ``design``, ``outcome``, ``parameter``
    (``parameter_added``, ``parameter_removed``), ``cell``, ``notebook`` (changed outside its
    cells), ``data_sha256``, ``data_version``, ``data_definition``, ``data_added`` or
    ``data_removed``. Empty when it follows the plan."""
    from ebpm.pipeline._cells import cell_changes

    out: list[dict[str, Any]] = []
    if planned.get("design") != now.get("design"):
        out.append(
            {
                "kind": "design",
                "planned": planned.get("design"),
                "actual": now.get("design"),
                "notebook": now.get("notebook"),
            }
        )
    if planned.get("outcome") != now.get("outcome"):
        out.append(
            {"kind": "outcome", "planned": planned.get("outcome"), "actual": now.get("outcome")}
        )
    out += _parameter_deviations(planned.get("parameters") or {}, now.get("parameters") or {})
    if planned.get("notebook_sha256") != now.get("notebook_sha256"):
        changes = cell_changes(list(planned.get("cells") or []), list(now.get("cells") or []))
        out += [
            {"kind": "cell", "change": change, "cell": n, "line": line}
            for change, n, line in changes
        ]
        if not changes:
            out.append({"kind": "notebook", "notebook": now.get("notebook")})
    out += _data_deviations(list(planned.get("data") or []), list(now.get("data") or []))
    return out


def _locks(plan: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """Every lock of the plan, oldest first (its history, then the plan itself)."""
    return [*(plan.get("history") or []), plan]


def _relocks(plan: Mapping[str, Any], task: str, since: str | None) -> list[dict[str, Any]]:
    """The relocks of ``task``'s plan made after ``since`` (when the task first ran)."""
    out = []
    for made in _locks(plan)[1:]:
        which = made.get("relocked_tasks")
        if which is not None and task not in which:
            continue
        if since is not None and str(made.get("locked_at")) > since:
            out.append(
                {
                    "kind": "relocked",
                    "at": made.get("locked_at"),
                    "by": made.get("locked_by"),
                    "reason": made.get("reason"),
                }
            )
    return out


def check_against(
    plan: Mapping[str, Any],
    task: str,
    now: Mapping[str, Any],
    *,
    plan_file: str,
    first_ran: str | None = None,
) -> dict[str, Any]:
    """What a task's record keeps of its plan: the plan file, when and by whom it was locked,
    whether ``now`` (a :func:`snapshot`) follows it and each deviation (:func:`compare`), also
    a task added after the lock (``not_in_plan``), a plan locked, or relocked, after the task
    first ran (``first_ran``, a time; ``locked_after_run``, ``relocked``)."""
    planned = (plan.get("tasks") or {}).get(task)
    deviations: list[dict[str, Any]] = []
    if planned is None:
        deviations.append({"kind": "not_in_plan", "task": task})
    else:
        deviations += compare(planned, now)
        first_lock = _locks(plan)[0]
        # the lock's own record of a run before it is exact; times have whole seconds only, so
        # a lock in the second the run started would otherwise pass for one before it
        ran_before = ((first_lock.get("tasks") or {}).get(task) or {}).get("ran_before_lock")
        if first_ran is not None and (
            bool(ran_before) or str(first_lock.get("locked_at")) > first_ran
        ):
            deviations.append(
                {"kind": "locked_after_run", "at": first_lock.get("locked_at"), "ran": first_ran}
            )
        deviations += _relocks(plan, task, first_ran)
    return {
        "plan": plan_file,
        "locked_at": plan.get("locked_at"),
        "locked_by": plan.get("locked_by"),
        "task_locked_at": (planned or {}).get("locked_at"),
        "history": [
            {"at": m.get("locked_at"), "by": m.get("locked_by"), "reason": m.get("reason")}
            for m in _locks(plan)
        ],
        "follows": not deviations,
        "deviations": deviations,
    }


def first_ran(manifests: list[dict[str, Any]], task: str) -> str | None:
    """When ``task`` first ran (the start of the earliest recorded run in which it ran, well or
    not), or None."""
    times = [
        str(m.get("started_at"))
        for m in manifests
        if m.get("started_at")
        and any(t.get("name") == task and t.get("status") in ("ok", "failed") for t in m["tasks"])
    ]
    return min(times) if times else None


def task_check(
    spec: Any,
    task: Task,
    parameters: Mapping[str, Any],
    datasets: list[dict[str, Any]],
    *,
    manifests: list[dict[str, Any]] | None = None,
) -> dict[str, Any] | None:
    """What a run records of its task against the pipeline's plan (:func:`check_against`), or
    None when the pipeline has no plan (or the spec is only as recorded, not a file). The
    run's ``parameters`` and the ``datasets`` it loaded count, and whether it ran before
    (``manifests``: the pipeline's earlier runs)."""
    if not isinstance(spec, PipelineSpec):
        return None
    plan = read_plan(spec)
    if plan is None:
        return None
    now = snapshot(task, root=spec.root, parameters=parameters, datasets=datasets)
    return check_against(
        plan,
        task.name,
        now,
        plan_file=relative(plan_path(spec), spec.root),
        first_ran=first_ran(manifests or [], task.name),
    )


def status(spec_path: str | Path, *, out: str | Path = ".") -> dict[str, Any]:
    """Where a pipeline stands against its plan now, without running anything: ``plan`` (the
    plan, or None), ``tasks`` (each task's :func:`check_against`, its data as known now) and
    ``dropped`` (tasks of the plan no longer in the spec).

    Raises
    ------
    ParameterError
        A task's parameters are wrong (as ``ebpm run`` would say).
    """
    spec = load_spec(spec_path)
    plan = read_plan(spec)
    if plan is None:
        return {"plan": None, "plan_file": relative(plan_path(spec), spec.root), "tasks": {}}
    tasks = resolve_tasks(spec)
    previous = history.last_good_records(out, spec.name, [t.name for t in tasks])
    manifests = history.manifests(out, spec.name)
    hasher = Hasher()
    checks = {}
    for task in tasks:
        ran = previous.get(task.name)
        now = snapshot(
            task,
            root=spec.root,
            datasets=(ran[1].get("datasets") or []) if ran else [],
            hasher=hasher,
        )
        checks[task.name] = check_against(
            plan,
            task.name,
            now,
            plan_file=relative(plan_path(spec), spec.root),
            first_ran=first_ran(manifests, task.name),
        )
    names = {t.name for t in spec.tasks}
    return {
        "plan": plan,
        "plan_file": relative(plan_path(spec), spec.root),
        "tasks": checks,
        "dropped": [t for t in plan["tasks"] if t not in names],
    }


def check_unchanged(
    spec: PipelineSpec,
    plans: Mapping[str, Any],
    reasons: dict[str, str],
    manifests: list[dict[str, Any]],
) -> None:
    """Before a run: record each unchanged task's standing against the plan, and run again
    those whose report was made under another lock (or none): a plan locked, relocked or
    removed since then shows on their page only when they run (and so do the tasks that need
    them). ``plans`` are the run's :class:`~ebpm.pipeline.plan.Plan` objects by task name;
    ``reasons`` say why each runs."""
    from ebpm.pipeline.plan import _rerun_dependents

    has_plan = read_plan(spec) is not None
    for name, p in plans.items():
        r = p.result
        if r.status != "unchanged":
            continue
        kept = (p.previous[1].get("prereg") if p.previous else None) or None
        check = task_check(spec, p.task, r.parameters, r.datasets, manifests=manifests)
        was = (kept is not None, (kept or {}).get("task_locked_at"))
        if was == (has_plan, (check or {}).get("task_locked_at")):
            r.prereg = check
            continue
        r.status, r.unchanged_since, r.report, r.headline = "pending", None, None, None
        r.datasets, r.fingerprint = [], {}
        reasons[name] = "its analysis plan was locked or changed since its report was made"
    _rerun_dependents(dict(plans), reasons)


def _short(d: Mapping[str, Any]) -> str:
    """A deviation in a few words, for ``ebpm check`` (``ebpm plan diff`` says it in full)."""
    kind = str(d.get("kind"))
    if kind.startswith("parameter"):
        return f"parameter `{d.get('name')}`"
    if kind == "cell":
        return f"cell {d.get('cell')} {d.get('change')}"
    return {"not_in_plan": "not in the plan"}.get(kind, kind.replace("_", " "))


def plan_warnings(spec: PipelineSpec) -> list[tuple[int | None, str, str]]:
    """What ``ebpm check`` says of the pipeline's plan, as (line, message, level): each task
    whose spec or notebook departs from the locked plan (its data are not compared: that
    needs the runs; ``ebpm plan diff`` does), the plan's tasks gone from the spec, and a plan
    file that does not read. A task whose parameters are wrong is left to the parameter check.
    """
    try:
        plan = read_plan(spec)
    except PipelineError as err:
        return [(None, str(err), "error")]
    if plan is None:
        return []
    shown = relative(plan_path(spec), spec.root)
    fix = (
        f'relock with `ebpm plan lock {spec.display_path} --reason "..."` or undo the change '
        f"(`ebpm plan diff {spec.display_path}` says it in full)"
    )
    out: list[tuple[int | None, str, str]] = []
    for task in spec.tasks:
        try:
            resolved = _resolved(spec, task)
        except (ParameterError, PipelineError):
            continue
        now = snapshot(resolved, root=spec.root)
        deviations = check_against(plan, task.name, now, plan_file=shown)["deviations"]
        if deviations:
            what = ", ".join(dict.fromkeys(_short(d) for d in deviations))
            out.append(
                (
                    task.line,
                    f"task {task.name!r} departs from its analysis plan ({shown}): {what}; {fix}",
                    "warning",
                )
            )
    dropped = [t for t in plan["tasks"] if t not in {t.name for t in spec.tasks}]
    if dropped:
        out.append(
            (
                None,
                f"the analysis plan ({shown}) has task(s) no longer in the spec: "
                f"{', '.join(dropped)}; {fix}",
                "warning",
            )
        )
    return out
