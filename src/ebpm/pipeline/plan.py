"""Which tasks of a run run, and why: each task's fingerprint against its last good record
(incremental reruns), the tasks that run again because a task they need does, and what
``ebpm rerun RUN_ID`` repeats. :class:`RunContext` is the run as its later steps see it.

A task is *unchanged* when its notebook, parameters, environment, the data it loaded last time,
the definitions of the catalog entries it loaded, the project files it read and the estimates
it showed as evidence are all as in its last good record: its report stays.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ebpm._catalog_files import entry_sha256
from ebpm.errors import PipelineError
from ebpm.pipeline import history
from ebpm.pipeline.events import DataRefreshed, Progress
from ebpm.pipeline.fingerprint import Hasher, data_key, parameters_fingerprint
from ebpm.pipeline.records import TaskResult, relative, versions
from ebpm.pipeline.spec import PipelineSpec, Task

__all__ = [
    "Plan",
    "Progress",
    "RerunPlan",
    "RunContext",
    "covering_runs",
    "plan_tasks",
    "rerun_plan",
]


@dataclass
class Plan:
    """One task of a run: its spec, its result so far, its fingerprint and its last good
    record."""

    task: Task
    result: TaskResult
    fingerprint: dict[str, Any]
    previous: tuple[str, dict[str, Any]] | None  # (run id, record) of the last good run
    reads: dict[str, str] | None = None  # the project files this run's notebook read: sha256


@dataclass(frozen=True)
class RunContext:
    """One run as its steps see it: the scheduler, publishing and the manifest read this."""

    spec: PipelineSpec
    plans: dict[str, Plan]  # every selected task, in the spec's order
    run_id: str
    run_dir: Path  # <out>/runs/<pipeline>/<run-id>
    site: Path
    kernel: str
    jobs: int  # tasks at a time
    scheduler: str | None  # "local" or a Dask scheduler's address; None: no Dask
    backoff: float  # seconds before a task's first retry, doubling after each
    emit: Progress
    git: dict[str, Any]  # the commit that every report and the manifest name
    hasher: Hasher  # hashes the project files each finished task read
    environment: str  # the environment's fingerprint
    started_at: str
    # what was asked, as the manifest records it
    force: bool = False
    selected_tasks: list[str] | None = None
    overrides: dict[str, Any] = field(default_factory=dict)
    rerun_of: str | None = None
    previous_runs: list[dict[str, Any]] = field(default_factory=list)  # earlier manifests
    lang: str = "en"  # the site's language: the kernels' report helpers write in it
    #: the package versions every report and the manifest name, looked up once per run
    versions: dict[str, str | None] = field(default_factory=versions)

    @property
    def to_run(self) -> list[str]:
        """The tasks that run (all but the unchanged ones), in the spec's order."""
        return [n for n, p in self.plans.items() if p.result.status != "unchanged"]


def plan_tasks(
    spec: PipelineSpec,
    selected: list[Task],
    *,
    out: Path,
    site: Path,
    hasher: Hasher,
    environment: str,
    force: bool,
    refresh_data: bool,
    emit: Progress,
    previous_runs: list[dict[str, Any]] | None = None,
    lang: str = "en",
) -> tuple[dict[str, Plan], dict[str, str]]:
    """Each selected task's plan (an unchanged task's result already filled in from its last
    good record), and why each task runs or is unchanged.

    ``refresh_data`` downloads again the remote datasets the tasks loaded last time first;
    ``force`` runs every task. A task whose latest run failed or was blocked (in
    ``previous_runs``, the pipeline's manifests) runs again even when nothing changed: the
    failure may have been passing, and its result must not stand as checked.
    """
    failed_in = _failed_since_good(previous_runs or [])
    previous = history.last_good_records(out, spec.name, [t.name for t in selected])
    plans: dict[str, Plan] = {}
    for task in selected:
        result = TaskResult(
            name=task.name,
            group=task.group,
            notebook=relative(task.notebook, spec.root),
            parameters=dict(task.parameters),
        )
        fp = {
            "notebook": hasher.file(task.notebook),
            "parameters": parameters_fingerprint(task.parameters),
            "environment": environment,
            "lang": lang,  # the report helpers write in the site's language
        }
        plans[task.name] = Plan(task, result, fp, previous.get(task.name))
    if refresh_data:
        _refresh_remote(spec, previous, hasher, emit)
    reasons: dict[str, str] = {}
    for name, plan in plans.items():
        if force:
            same, why = False, "--force"
        elif name in failed_in:
            same, why = False, failed_in[name]
        else:
            same, why = _unchanged(plan, hasher, site, out, spec.root, pipeline=spec.name)
        reasons[name] = why
        if same and plan.previous is not None:  # same: there is a previous good run
            _keep(plan, *plan.previous)
    _rerun_dependents(plans, reasons)
    return plans, reasons


def _failed_since_good(manifests: list[dict[str, Any]]) -> dict[str, str]:
    """For each task whose latest finished record failed or was blocked: why it runs again."""
    latest: dict[str, tuple[str, str]] = {}
    for m in sorted(manifests, key=lambda m: str(m.get("run_id"))):
        for t in m.get("tasks", []):
            status = t.get("status")
            if status in ("ok", "unchanged", "failed", "blocked"):
                latest[str(t.get("name"))] = (str(status), str(m.get("run_id")))
    word = {"failed": "it failed", "blocked": "it was blocked"}
    return {
        name: f"{word[status]} in run {run_id}"
        for name, (status, run_id) in latest.items()
        if status in word
    }


def _keep(plan: Plan, run_of: str, record: dict[str, Any]) -> None:
    """Mark an unchanged task's result: its report, headline and data are its last good
    record's (``record``, of run ``run_of``)."""
    r = plan.result
    r.status = "unchanged"
    r.unchanged_since = record.get("unchanged_since") or run_of
    r.report = record.get("report")
    r.headline = record.get("headline")
    r.datasets = record.get("datasets") or []
    kept = record["fingerprint"]
    r.fingerprint = {**plan.fingerprint, "data": kept.get("data", {})}
    if "reads" in kept:  # what the next run compares with
        r.fingerprint["reads"] = kept["reads"]


def _rerun_dependents(plans: dict[str, Plan], reasons: dict[str, str]) -> None:
    """A task that ``needs`` (or runs ``after``) a task which runs again runs again too (it
    reads what that task makes, e.g. a KPI dashboard the evaluation's estimate)."""
    changed = True
    while changed:
        changed = False
        for name, plan in plans.items():
            if plan.result.status != "unchanged":
                continue
            running = [
                n
                for n in (*plan.task.needs, *plan.task.after)
                if n in plans and plans[n].result.status != "unchanged"
            ]
            if running:
                r = plan.result
                r.status, r.unchanged_since, r.report, r.headline = "pending", None, None, None
                r.datasets, r.fingerprint = [], {}
                reasons[name] = (
                    f"{', '.join(running)}, which it needs, runs again"
                    if set(running) <= set(plan.task.needs)
                    else f"{', '.join(running)}, which it runs after, runs again"
                )
                changed = True


def _notebook_changed(plan: Plan, record: dict[str, Any], runs: Path, run_of: str) -> str:
    """``"notebook changed: cell 4 edited (`...`)"``: which cells differ from the executed copy
    of the task's last good run (a record that kept an older report points to that run)."""
    from ebpm.pipeline._cells import notebook_changes

    ran_in = record.get("unchanged_since") or run_of
    executed = runs / str(ran_in) / f"{plan.task.name}.ipynb"
    detail = notebook_changes(plan.task.notebook, executed)
    return f"notebook changed since run {ran_in}: {detail}" if detail else "notebook changed"


def _unchanged(
    plan: Plan,
    hasher: Hasher,
    site: Path,
    out: Path,
    root: Path | None = None,
    *,
    pipeline: str | None = None,
) -> tuple[bool, str]:
    """Whether nothing the task depends on changed since its last good record, and why not.

    Besides its notebook, parameters, environment and data: the estimates it showed as
    evidence (a KPI dashboard), which must still be the latest good ones of their tasks; the
    definition of each catalog entry it loaded; and the project files (under ``root``, the
    project root; default ``out``) its notebook read. A record made before ebpm recorded the
    last two is not compared on them: its run stays valid.
    """
    root = root or out
    if plan.previous is None:
        return False, "never ran successfully"
    run_of, record = plan.previous
    old = record.get("fingerprint") or {}
    for part in ("notebook", "parameters", "environment"):
        if old.get(part) != plan.fingerprint.get(part):
            if part == "notebook" and pipeline is not None:
                return False, _notebook_changed(plan, record, out / "runs" / pipeline, run_of)
            return False, f"{part} changed"
    if old.get("lang", "en") != plan.fingerprint.get("lang", "en"):  # before: English only
        return False, "the site's language changed"
    if not record.get("report") or not (site / record["report"]).is_file():
        return False, "its report is missing from the site"
    from ebpm.report.evidence import estimate_missing

    if estimate_missing(record.get("headline")):
        return False, "its last headline estimate was missing (NaN)"
    for d in record.get("datasets") or []:
        if d.get("kind") == "evidence":
            made_by = history.made_by(out, str(d.get("pipeline")), str(d.get("task")))
            if made_by != d.get("run_id"):
                return False, f"the estimate of {d.get('pipeline')}/{d.get('task')} changed"
            continue
        defined = d.get("entry_sha256")
        if defined and entry_sha256(str(d.get("entry")), start=root) != defined:
            return False, f"catalog entry {d.get('entry')} changed"
        now = hasher.dataset(d)
        if now is None or now != d.get("sha256"):
            return False, f"data {d.get('entry')} changed"
    for rel, digest in (old.get("reads") or {}).items():
        now = hasher.file(root / rel)
        if now != digest:
            return False, f"project file {rel} {'is gone' if now is None else 'changed'}"
    return True, "unchanged"


@contextlib.contextmanager
def _project_catalogs(root: Path) -> Iterator[None]:
    """Catalog lookups from the driver see the project's catalogs, as its kernels do."""
    from ebpm.catalog import CATALOG_DIR_ENV

    folder = root / "catalogs"
    if os.environ.get(CATALOG_DIR_ENV) or not folder.is_dir():
        yield
        return
    os.environ[CATALOG_DIR_ENV] = str(folder)
    try:
        yield
    finally:
        os.environ.pop(CATALOG_DIR_ENV, None)


def _refresh_remote(
    spec: PipelineSpec,
    previous: dict[str, tuple[str, dict[str, Any]]],
    hasher: Hasher,
    emit: Progress,
) -> None:
    """Download again the remote datasets the tasks used last time (catalog entries only)."""
    seen: set[str] = set()
    for _, record in previous.values():
        for d in record.get("datasets") or []:
            remote = d.get("files") and all(f.get("url") for f in d["files"])
            key = data_key(d)
            if d.get("package") or not remote or not d.get("entry") or key in seen:
                continue
            seen.add(key)
            try:
                from ebpm import catalog

                with _project_catalogs(spec.root):
                    catalog.load(d["entry"], refresh=True, **(d.get("params") or {}))
            except Exception as err:  # offline, a 5xx, an entry since removed: keep the cache
                emit(
                    DataRefreshed(entry=d["entry"], ok=False, reason=f"{type(err).__name__}: {err}")
                )
                continue
            now = hasher.dataset(d)
            emit(
                DataRefreshed(
                    entry=d["entry"],
                    ok=True,
                    revised=now != d.get("sha256"),
                    old_sha256=d.get("sha256"),
                    new_sha256=now,
                )
            )


@dataclass(frozen=True)
class RerunPlan:
    """What ``ebpm rerun RUN_ID`` runs."""

    run_id: str  # the full id of the run repeated
    spec: Path
    tasks: list[str]
    task_parameters: dict[str, dict[str, Any]]
    overrides: dict[str, Any]


def rerun_plan(out_dir: str | Path, run_id: str, *, allow_changed_data: bool = False) -> RerunPlan:
    """What ``ebpm rerun RUN_ID`` runs: the spec, the run's tasks, their recorded parameters and
    the run's ``-p`` overrides (``run_id`` may be a unique prefix).

    Raises
    ------
    RunNotFoundError
        No such run.
    PipelineError
        The spec is gone, or a dataset the run used has changed (its sha256 now differs) and
        ``allow_changed_data`` is False.
    """
    manifest = history.find_run(out_dir, run_id)
    root = Path(manifest.get("root") or Path(out_dir).resolve())
    spec = root / manifest["spec"]
    if not spec.is_file():
        raise PipelineError(
            f"run {manifest['run_id']} used the spec {spec}, which no longer exists; restore it "
            "(git checkout) to rerun"
        )
    hasher = Hasher(Path(out_dir).resolve() / "runs" / ".fingerprints.json")
    changed = []
    for d in manifest.get("datasets", []):
        now = hasher.dataset(d)
        if now != d.get("sha256"):
            changed.append(
                f"{d.get('entry')}: sha256 {str(d.get('sha256'))[:12]} then, "
                f"{str(now)[:12] if now else 'not available'} now"
            )
    if changed and not allow_changed_data:
        raise PipelineError(
            f"run {manifest['run_id']} cannot be repeated on the same data: "
            + "; ".join(changed)
            + ". The old bytes are not kept (a refreshed download or a new package version). "
            "Rerun on today's data with --allow-changed-data."
        )
    return RerunPlan(
        run_id=manifest["run_id"],
        spec=spec,
        tasks=[t["name"] for t in manifest.get("tasks", [])],
        task_parameters={t["name"]: t.get("parameters") or {} for t in manifest.get("tasks", [])},
        overrides=manifest.get("parameter_overrides") or {},
    )


def covering_runs(out: Path) -> list[str]:
    """The fewest recorded runs, oldest first, that hold the latest record and the latest good
    record of every task of every pipeline: publishing them in order rebuilds the site's state
    (a run of ``--task a`` alone does not hide task b of an earlier run, and a failed task keeps
    its last good report)."""
    latest: set[tuple[str, str]] = set()
    good: set[tuple[str, str]] = set()
    needed: list[str] = []
    for info in reversed(history.list_runs(out)):
        manifest = history.find_run(out, info.run_id)
        records = [
            ((info.pipeline, str(t.get("name"))), t.get("status"))
            for t in manifest.get("tasks", [])
            if t.get("status") not in ("cancelled", "pending")
        ]
        tasks = {key for key, _ in records}
        ok = {key for key, status in records if status in ("ok", "unchanged")}
        if tasks - latest or ok - good:
            needed.append(info.run_id)
            latest |= tasks
            good |= ok
    return needed[::-1]
