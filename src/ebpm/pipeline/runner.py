"""Run a pipeline: check parameters, skip what did not change, execute notebooks in parallel
(locally or on Dask), publish the site, and keep the run's manifest.

The scheduler, and with it :mod:`ebpm.pipeline.execute` (the one module that imports
papermill), loads only when a task runs: a rerun with nothing to do imports neither papermill
nor pandas and starts no kernel.

A run, in order:

1. the spec is validated and every task's parameters are checked and coerced against its
   notebook's parameters cell (nothing runs if any is wrong);
2. the pipeline's lock is taken (one run of a pipeline at a time);
3. each task's fingerprint (notebook, parameters, environment, the data it loaded last time,
   the definitions of the catalog entries it loaded and the project files it read) is compared
   with its last good record: equal means *unchanged*, and its report stays
   (:mod:`ebpm.pipeline.plan`);
4. the other tasks run, ``jobs`` at a time, in an order that respects ``needs`` (a task whose
   needs did not succeed is blocked) and ``after`` (finished, well or not); a transient
   failure is retried with backoff; a task over its ``timeout`` is stopped
   (:mod:`ebpm.pipeline.scheduler`);
5. each finished task is published at once (report, or failure page that keeps the last good
   report); a headline estimate that moved beyond the task's tolerance gets a revision alert
   (:mod:`ebpm.pipeline.publish`);
6. ``runs/<pipeline>/<run-id>/manifest.json`` records it all (:mod:`ebpm.pipeline.records`).

Ctrl-C or SIGTERM cancels: running kernels are stopped, their tasks recorded as cancelled, and
nothing half-written is published.
"""

from __future__ import annotations

import hashlib
import os
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

from ebpm._env import env_number
from ebpm.errors import ParameterError, PipelineError, did_you_mean
from ebpm.pipeline import history
from ebpm.pipeline.events import Planned, Progress, TaskDone
from ebpm.pipeline.fingerprint import Hasher, environment_fingerprint, source_fingerprint
from ebpm.pipeline.manifest import write_manifest
from ebpm.pipeline.notebooks import NotebookParameter, declared_parameters
from ebpm.pipeline.plan import RerunPlan, RunContext, plan_tasks, rerun_plan
from ebpm.pipeline.prereg import check_unchanged
from ebpm.pipeline.publish import (
    publish_history,
    refresh_site,
    refresh_stale_reports,
    set_site_language,
    write_site_state,
)
from ebpm.pipeline.records import (
    RunResult,
    TaskResult,
    check_out,
    git_state,
    new_run_id,
    utc_now,
)
from ebpm.pipeline.republish import publish_runs, repair_site_state
from ebpm.pipeline.spec import PipelineSpec, Task, load_spec, no_tasks_message

__all__ = [
    "Progress",
    "RerunPlan",
    "RunResult",
    "TaskResult",
    "check_parameters",
    "declared_parameters",
    "default_jobs",
    "new_run_id",
    "publish_runs",
    "rerun_plan",
    "run_pipeline",
    "set_site_language",
]

RETRY_BACKOFF_ENV = "EBPM_RETRY_BACKOFF"  # seconds before a task's first retry (2)


# --- parameters ------------------------------------------------------------------------------
def check_parameters(
    task: Task, declared: dict[str, NotebookParameter], *, spec_path: Path | str
) -> dict[str, Any]:
    """Check and coerce a task's parameters against the notebook's parameters cell.

    Returns the parameters to inject. Raises :class:`ParameterError` listing every unknown,
    missing or mistyped parameter with a close match and the fix.
    """
    from ebpm.pipeline.params import check_parameters as check

    line = getattr(task, "line", None)
    where = f"{spec_path}, line {line}" if line else str(spec_path)
    return check(
        task.name, dict(task.parameters), declared, where=where, notebook=task.notebook.name
    )


def _check_all(
    spec: PipelineSpec,
    overrides: dict[str, Any],
    only: set[str] | None,
    task_parameters: dict[str, dict[str, Any]] | None = None,
) -> list[Task]:
    cells: dict[Path, dict[str, NotebookParameter]] = {}
    for task in spec.tasks:
        if task.notebook not in cells:
            cells[task.notebook] = declared_parameters(task.notebook)
    for name in overrides:
        if not any(name in cells[t.notebook] for t in spec.tasks):
            known = sorted({p for c in cells.values() for p in c})
            raise ParameterError(
                f"parameter {name!r} given with -p is not declared by any notebook of "
                f"{spec.path.name}.{did_you_mean(name, known)} Parameters there: "
                f"{', '.join(known)}."
            )
    if only is not None:
        names = {t.name for t in spec.tasks} | {t.group for t in spec.tasks}
        for want in sorted(only - names):
            raise ParameterError(
                f"task {want!r} is not in {spec.path.name}.{did_you_mean(want, names)} Its "
                f"tasks: {', '.join(t.name for t in spec.tasks)}."
            )
    tasks, errors = [], []
    for task in spec.tasks:
        if only is not None and task.name not in only and task.group not in only:
            continue
        if task_parameters and task.name in task_parameters:
            task = replace(task, parameters=dict(task_parameters[task.name]))
        declared = cells[task.notebook]
        mine = {k: v for k, v in overrides.items() if k in declared}
        if mine:
            task = replace(task, parameters={**task.parameters, **mine})
        try:
            coerced = check_parameters(task, declared, spec_path=spec.path.name)
        except ParameterError as err:
            errors.append(str(err))
            continue
        tasks.append(replace(task, parameters=coerced))
    if errors:
        raise ParameterError(
            f"{len(errors)} task(s) of {spec.path.name} have bad parameters; nothing was run.\n  "
            + "\n  ".join(errors)
        )
    return tasks


# --- the run ---------------------------------------------------------------------------------
def default_jobs() -> int:
    """Tasks at a time by default: the number of cores this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - macOS, Windows
        return max(1, os.cpu_count() or 1)


def _retry_backoff() -> float:
    return env_number(RETRY_BACKOFF_ENV, 2)


def _check_settings(scheduler: str | None) -> None:
    """Raise on a bad ``EBPM_*`` setting before anything runs: the kernels read them too, and a
    typo must fail the run once, in one line, not each task with a traceback."""
    from ebpm._env import check_settings  # not ebpm.catalog: that loads intake and pandas

    check_settings()
    if scheduler and scheduler != "local":
        from ebpm.pipeline.executors import dask_timeout

        dask_timeout()


def run_pipeline(
    spec_path: str | Path,
    *,
    out_dir: str | Path = ".",
    parameters: dict[str, Any] | None = None,
    kernel: str = "python3",
    progress: Progress | None = None,
    jobs: int | None = None,
    scheduler: str | None = None,
    force: bool = False,
    tasks: list[str] | None = None,
    retry_backoff: float | None = None,
    rerun_of: str | None = None,
    task_parameters: dict[str, dict[str, Any]] | None = None,
    refresh_data: bool = False,
    lang: str | None = None,
) -> RunResult:
    """Run the tasks of a pipeline spec that need running, and (re)build the report site.

    Parameters
    ----------
    spec_path : path
        A pipeline spec, e.g. ``pipelines/demo.yaml``.
    out_dir : path, default "."
        Where ``runs/<pipeline>/<run-id>/`` and ``site/`` are written.
    parameters : dict, optional
        Values for every task whose notebook declares them (``-p`` on the command line).
    kernel : str, default "python3"
        Jupyter kernel; ``python3`` is the interpreter running ebpm.
    progress : callable, optional
        Called with an event dict: ``plan``, ``start``, ``retry``, ``done``.
    jobs : int, optional
        Tasks at a time (default: the number of cores).
    scheduler : str, optional
        ``"local"`` for a Dask ``LocalCluster`` of ``jobs`` workers, or the address of a Dask
        scheduler (``tcp://host:port``). Default: this machine, without Dask.
    force : bool, default False
        Run every task, even those whose inputs did not change.
    tasks : list of str, optional
        Run only these tasks (names or spec task names).
    retry_backoff : float, optional
        Seconds before the first retry of a transient failure, doubling after each (default 2,
        or ``EBPM_RETRY_BACKOFF``).
    rerun_of : str, optional
        Recorded in the manifest when this run repeats an earlier one (``ebpm rerun``).
    task_parameters : dict, optional
        Exact parameters for named tasks (``ebpm rerun`` passes the recorded ones); still
        checked against the notebooks.
    refresh_data : bool, default False
        Before deciding what changed, download again every remote dataset the tasks loaded
        last time (what a scheduled rerun does, to pick up a publisher's revision). A source
        that cannot be reached is reported and its cached copy is used.
    lang : {"en", "ja"}, optional
        The language of the site's pages from this run on (kept for later runs).

    Returns
    -------
    RunResult
        Per-task status, timings, headline estimates and revision alerts. A failed task does not
        stop the others; check :attr:`RunResult.ok`.

    Raises
    ------
    SpecError
        The spec is malformed.
    ParameterError
        A task's parameters do not match its notebook's parameters cell (nothing is run).
    LockedError
        Another run of this pipeline is under way.
    """
    from ebpm.pipeline.lock import PipelineLock

    t_start = time.perf_counter()
    spec = load_spec(spec_path)
    if not spec.tasks:
        raise PipelineError(f"{spec.display_path}: {no_tasks_message(spec.name)}")
    overrides = dict(parameters or {})
    selected = _check_all(spec, overrides, set(tasks) if tasks else None, task_parameters)
    if lang is not None:
        from ebpm.site import words

        words(lang)  # an unknown language fails before anything runs
    out = Path(out_dir).resolve()
    run_id = new_run_id()
    runs = out / "runs" / spec.name
    emit = progress or (lambda event: None)
    backoff = retry_backoff if retry_backoff is not None else _retry_backoff()
    _check_settings(scheduler)
    check_out(out, runs, out / "site")
    jobs = jobs or default_jobs()
    with PipelineLock(runs, pipeline=spec.name, run_id=run_id):
        run_dir = runs / run_id
        site = out / "site"
        site.mkdir(parents=True, exist_ok=True)
        repair_site_state(out, site)
        site_lang = lang if lang is not None else _site_language(site)
        started = utc_now()
        git = git_state(spec.root)  # once per run: every report and the manifest name this commit
        hasher = Hasher(out / "runs" / ".fingerprints.json")
        env_fp = hashlib.sha256(
            (environment_fingerprint(kernel) + source_fingerprint(hasher)).encode()
        ).hexdigest()
        previous_runs = history.manifests(out, spec.name)
        plans, reasons = plan_tasks(
            spec,
            selected,
            out=out,
            site=site,
            hasher=hasher,
            environment=env_fp,
            force=force,
            refresh_data=refresh_data,
            emit=emit,
            previous_runs=previous_runs,
            lang=site_lang,
        )
        check_unchanged(spec, plans, reasons, previous_runs)  # against the analysis plan, if any
        _check_datasets(spec, plans)  # before the run leaves any trace
        run_dir.mkdir(parents=True, exist_ok=False)
        if lang is not None:
            set_site_language(site, lang)
        ctx = RunContext(
            spec=spec,
            plans=plans,
            run_id=run_id,
            run_dir=run_dir,
            site=site,
            kernel=kernel,
            jobs=jobs,
            scheduler=scheduler,
            backoff=backoff,
            emit=emit,
            git=git,
            hasher=hasher,
            environment=env_fp,
            started_at=started,
            force=force,
            selected_tasks=list(tasks) if tasks else None,
            overrides=overrides,
            rerun_of=rerun_of,
            previous_runs=previous_runs,
            lang=site_lang,
        )
        hasher.save()
        _announce(ctx, reasons)
        try:
            cancelled = _execute(ctx)
        except Exception as err:
            # e.g. the Dask scheduler cannot be reached: the run folder says what happened
            duration = round(time.perf_counter() - t_start, 3)
            error = f"{type(err).__name__}: {err}"
            write_manifest(ctx, status="error", duration_s=duration, error=error)
            write_site_state(site, history.manifests(out, spec.name))
            raise
        hasher.save()  # the files the tasks read, hashed: the next rerun only stats them
        results = [p.result for p in plans.values()]
        duration = _finish(ctx, out, cancelled=cancelled, t_start=t_start)
    return RunResult(
        pipeline=spec.name,
        run_id=run_id,
        run_dir=run_dir,
        site_dir=site,
        tasks=results,
        duration_s=duration,
        cancelled=cancelled,
    )


def _check_datasets(spec: PipelineSpec, plans: dict[str, Any]) -> None:
    """Stop before any kernel starts, and before the run folder or the site's language is
    written, when a task about to run names a dataset or a column its catalog does not have
    (as ``ebpm check`` says it). A run with nothing to do loads no catalog."""
    to_run = [p.task for p in plans.values() if p.result.status != "unchanged"]
    if not to_run:
        return
    from ebpm.pipeline.check import dataset_problems

    problems = dataset_problems(spec, to_run)
    if problems:
        raise ParameterError(
            "\n".join(str(p) for p in problems) + "\nnothing was run; fix the values above"
        )


def _site_language(site: Path) -> str:
    """The site's language: what the kernels' report helpers write in this run."""
    from ebpm.site import load_state

    return str(load_state(site).get("lang", "en"))


def _finish(ctx: RunContext, out: Path, *, cancelled: bool, t_start: float) -> float:
    """Write the run's manifest, then the site as the recorded runs say, this one included
    (:mod:`ebpm.pipeline.standing`); returns the run's duration."""
    results = [p.result for p in ctx.plans.values()]
    status = (
        "cancelled"
        if cancelled
        else "ok"
        if all(r.status in history.GOOD for r in results)
        else "failed"
    )
    duration = round(time.perf_counter() - t_start, 3)
    write_manifest(ctx, status=status, duration_s=duration)
    recorded = history.manifests(out, ctx.spec.name)
    write_site_state(ctx.site, recorded, index=False)
    refresh_stale_reports(ctx.spec, ctx.site, recorded)  # e.g. a policy added since cites a task
    publish_history(out, ctx.spec.name, ctx.site)
    return duration


def _announce(ctx: RunContext, reasons: dict[str, str]) -> None:
    """Tell what runs and why (the ``plan`` event), and record the unchanged tasks in the site:
    their reports stay, checked by this run."""
    to_run = ctx.to_run
    ctx.emit(
        Planned(
            run_id=ctx.run_id,
            total=len(ctx.plans),
            to_run=to_run,
            unchanged=[n for n in ctx.plans if n not in to_run],
            reasons=reasons,
            jobs=ctx.jobs,
            executor=ctx.scheduler or "local",
        )
    )
    skipped = [p.result for p in ctx.plans.values() if p.result.status == "unchanged"]
    if skipped:  # their reports stay, checked by this run
        refresh_site(ctx)
    for r in skipped:
        ctx.emit(TaskDone(task=r.name, result=r))


def _execute(ctx: RunContext) -> bool:
    """Run the tasks that are not unchanged; returns True if the run was cancelled. The
    scheduler, and with it papermill and the kernels' client, load only when a task runs."""
    if not ctx.to_run:
        return False
    from ebpm.pipeline.scheduler import Scheduler

    return Scheduler(ctx).run()
