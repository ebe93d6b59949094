"""Run a pipeline: check parameters, skip what did not change, execute notebooks in parallel
(locally or on Dask), publish the site, and keep the run's manifest.

This module and :mod:`ebpm.pipeline.execute` are the only ones that import papermill, lazily:
a rerun with nothing to do imports neither papermill nor pandas and starts no kernel.

A run, in order:

1. the spec is validated and every task's parameters are checked and coerced against its
   notebook's parameters cell (nothing runs if any is wrong);
2. the pipeline's lock is taken (one run of a pipeline at a time);
3. each task's fingerprint (notebook, parameters, environment, the data it loaded last time,
   the definitions of the catalog entries it loaded and the project files it read) is compared
   with its last good record: equal means *unchanged*, and its report stays;
4. the other tasks run, ``jobs`` at a time, in an order that respects ``needs`` (a task whose
   needs did not succeed is blocked) and ``after`` (finished, well or not); a transient
   failure is retried with backoff; a task over its ``timeout`` is stopped;
5. each finished task is published at once (report, or failure page that keeps the last good
   report); a headline estimate that moved beyond the task's tolerance gets a revision alert;
6. ``runs/<pipeline>/<run-id>/manifest.json`` records it all.

Ctrl-C or SIGTERM cancels: running kernels are stopped, their tasks recorded as cancelled, and
nothing half-written is published.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import queue
import secrets
import signal
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ebpm._catalog_files import entry_sha256
from ebpm._env import env_number
from ebpm._io import atomic_write_json, atomic_write_text, ensure_writable, os_reason
from ebpm._protocol import (
    NEEDS_ENV,
    NOT_OK_ENV,
    PROJECT_ROOT_ENV,
    PROVENANCE_MIME,
    READS_IGNORE_ENV,
    RESULT_MIME,
    RUN_DIR_ENV,
    RUN_ID_ENV,
    TASK_ENV,
)
from ebpm.errors import ParameterError, PipelineError, did_you_mean
from ebpm.pipeline import history
from ebpm.pipeline.fingerprint import (
    Hasher,
    data_key,
    environment_fingerprint,
    parameters_fingerprint,
    read_digests,
    source_fingerprint,
)
from ebpm.pipeline.notebooks import NotebookParameter, declared_parameters
from ebpm.pipeline.spec import PipelineSpec, Task, load_spec

__all__ = [
    "RunResult",
    "TaskResult",
    "check_parameters",
    "declared_parameters",
    "new_run_id",
    "publish_runs",
    "rerun_plan",
    "run_pipeline",
]

log = logging.getLogger(__name__)

RETRY_BACKOFF_ENV = "EBPM_RETRY_BACKOFF"  # seconds before a task's first retry (2)

Progress = Callable[[dict[str, Any]], None]

#: Statuses a task can end a run with.


@dataclass
class TaskResult:
    """What happened to one task of a run."""

    name: str
    group: str
    notebook: str
    parameters: dict[str, Any]
    status: str = "pending"  # ok | unchanged | failed | cancelled | blocked
    reason: str | None = None
    attempts: int = 0
    started_at: str | None = None
    duration_s: float | None = None
    cell_time_s: float | None = None
    output_notebook: str | None = None
    report: str | None = None  # site-relative path of the published report
    failure_page: str | None = None
    headline: dict[str, Any] | None = None
    datasets: list[dict[str, Any]] = field(default_factory=list)
    fingerprint: dict[str, Any] = field(default_factory=dict)
    unchanged_since: str | None = None  # run id whose report is still current
    revision: dict[str, Any] | None = None
    worker: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form, as written to ``manifest.json``."""
        return dict(self.__dict__)


@dataclass
class RunResult:
    """The outcome of :func:`run_pipeline`."""

    pipeline: str
    run_id: str
    run_dir: Path
    site_dir: Path
    tasks: list[TaskResult]
    duration_s: float
    cancelled: bool = False

    @property
    def ok(self) -> bool:
        """True when every task succeeded or was unchanged."""
        return all(t.status in history.GOOD for t in self.tasks)

    @property
    def failed(self) -> list[TaskResult]:
        """The tasks that did not succeed (failed, cancelled or blocked)."""
        return [t for t in self.tasks if t.status not in history.GOOD]

    @property
    def skipped(self) -> list[TaskResult]:
        """The tasks skipped because nothing they depend on changed."""
        return [t for t in self.tasks if t.status == "unchanged"]

    @property
    def revisions(self) -> list[TaskResult]:
        """The tasks whose headline estimate moved beyond its tolerance."""
        return [t for t in self.tasks if t.revision]

    @property
    def index(self) -> Path:
        """The site's index page."""
        return self.site_dir / "index.html"

    @property
    def manifest(self) -> Path:
        """The run's manifest."""
        return self.run_dir / "manifest.json"


def new_run_id() -> str:
    """A sortable, unique run id: UTC time, then milliseconds and one random hex digit (so two
    runs in the same second still sort in order)."""
    now = datetime.now(UTC)
    return f"{now:%Y%m%dT%H%M%SZ}-{now.microsecond // 1000:03d}{secrets.token_hex(1)[0]}"


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _git(root: Path) -> dict[str, Any]:
    def git(*args: str) -> str | None:
        try:
            out = subprocess.run(
                ["git", "-C", str(root), *args],
                capture_output=True,
                text=True,
                timeout=10,
                check=True,
            )
        except (OSError, subprocess.SubprocessError):
            return None
        return out.stdout.strip()

    commit = git("rev-parse", "HEAD")
    dirty = git("status", "--porcelain", "--untracked-files=no")
    return {"commit": commit, "dirty": bool(dirty) if dirty is not None else None}


def _rel(path: Path, root: Path) -> str:
    try:
        return str(path.resolve().relative_to(root.resolve()))
    except ValueError:
        return str(path)


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


# --- what a notebook left behind -------------------------------------------------------------
_DATASET_KEYS = (
    "entry",
    "kind",
    "pipeline",  # kind "evidence": the estimate of this pipeline's task, made by run `run_id`
    "task",
    "run_id",
    "title",
    "source",
    "licence",
    "package",
    "package_version",
    "url",
    "path",
    "sha256",
    "files",
    "retrieved_at",
    "publisher_updated",
    "attribution",
    "params",
    "entry_sha256",  # the catalog entry's definition, as its YAML said when it was loaded
)


def _dataset_records(nb: Any) -> list[dict[str, Any]]:
    # The footer lists the datasets; headline results carry their data's provenance too, so a
    # notebook without a footer still records what it estimated on.
    found = [d for p in history.outputs_of(nb, PROVENANCE_MIME) for d in p.get("datasets", [])]
    found += [p["provenance"] for p in history.outputs_of(nb, RESULT_MIME) if p.get("provenance")]
    seen, out = set(), []
    for d in found:
        key = (d.get("entry"), d.get("sha256"))
        if key not in seen:
            seen.add(key)
            out.append({k: d.get(k) for k in _DATASET_KEYS})
    return out


# --- incremental reruns ----------------------------------------------------------------------
@dataclass
class _Plan:
    task: Task
    result: TaskResult
    fingerprint: dict[str, Any]
    previous: tuple[str, dict[str, Any]] | None  # (run id, record) of the last good run
    reads: dict[str, str] | None = None  # the project files this run's notebook read: sha256


def _rerun_dependents(plans: dict[str, _Plan], reasons: dict[str, str]) -> None:
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


def _unchanged(
    plan: _Plan, hasher: Hasher, site: Path, out: Path, root: Path | None = None
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
    _, record = plan.previous
    old = record.get("fingerprint") or {}
    for part in ("notebook", "parameters", "environment"):
        if old.get(part) != plan.fingerprint.get(part):
            return False, f"{part} changed"
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


# --- publishing ------------------------------------------------------------------------------
@contextlib.contextmanager
def _site_lock(site: Path) -> Iterator[None]:
    """Several pipelines may publish to one site: one state update at a time."""
    from filelock import FileLock

    with FileLock(str(site / ".state.lock"), timeout=120):
        yield


def _revision_notice(rev: dict[str, Any]) -> str:
    import html

    def fmt(x: Any) -> str:
        return f"{x:.4g}" if isinstance(x, int | float) else "–"

    o, n = rev["old"], rev["new"]
    changed = []
    for c in rev.get("changed_inputs", []):
        if c["input"] == "data":
            changed.append(
                f"data <code>{html.escape(str(c['what']))}</code> (sha256 "
                f"{html.escape(str(c.get('old_sha256', ''))[:12])} → "
                f"{html.escape(str(c.get('new_sha256', ''))[:12])}"
                + (
                    f", publisher's update {html.escape(str(c.get('new_publisher_updated')))}"
                    if c.get("new_publisher_updated")
                    else ""
                )
                + ")"
            )
        elif c["input"] == "parameter":
            changed.append(
                f"parameter <code>{html.escape(str(c['what']))}</code>: "
                f"{html.escape(repr(c.get('old')))} → {html.escape(repr(c.get('new')))}"
            )
        else:
            changed.append(html.escape(f"{c['input']}: {c.get('what', '')}"))
    why = "; ".join(changed) or "no recorded input changed"
    return (
        '<div class="ebpm-revision" role="alert" style="border:2px solid #b35806;'
        'padding:0.6em 1em;margin:1em 0;background:#fff7ec">'
        "<strong>Revised estimate.</strong> "
        f"Run {html.escape(str(rev['previous_run']))}: {fmt(o.get('estimate'))} "
        f"[{fmt(o.get('conf_low'))}, {fmt(o.get('conf_high'))}]; this run: "
        f"{fmt(n.get('estimate'))} [{fmt(n.get('conf_low'))}, {fmt(n.get('conf_high'))}] "
        f"(change {fmt(rev['difference'])}, beyond the tolerance {html.escape(rev['tolerance'])})."
        f"<br>What changed: {why}.</div>"
    )


@dataclass(frozen=True)
class _RecordedSpec:
    """What publishing reads of a pipeline, as a run's manifest records it (the site is rebuilt
    from the records, where the spec file may have changed or gone)."""

    name: str
    description: str
    root: Path


def _publish(
    result: TaskResult,
    spec: PipelineSpec | _RecordedSpec,
    run_id: str,
    run_dir: Path,
    site: Path,
    nb: Any = None,
    git: dict[str, Any] | None = None,
    *,
    index: bool = True,
) -> None:
    """Render and publish one finished task; a rendering error fails the task, never the run.

    ``nb`` is the executed notebook when the caller has read it already. ``index=False``
    leaves the index for the caller to build once (``ebpm publish``).
    """
    from ebpm import site as site_mod

    if nb is None and result.output_notebook:
        nb = _read_executed(run_dir / result.output_notebook)
        _take_outputs(result, nb)
    with _site_lock(site):
        state = site_mod.load_state(site)
        previous = state["pipelines"].get(spec.name, {}).get("tasks", {}).get(result.name, {})
        lang = state.get("lang", "en")
        try:
            record = _publish_unguarded(
                result, spec, run_id, run_dir, site, previous, nb, lang, git
            )
        except Exception as err:
            if result.status != "ok":
                _raise_unwritable_site(site, err)
                raise
            result.status = "failed"
            result.reason = _publish_failure(site, err)
            # the reason is the task's line in the run's output and its failure page; the
            # traceback is for ebpm's developers (EBPM_DEBUG=1 shows it)
            log.debug("publishing %s failed", result.name, exc_info=True)
            try:
                record = _publish_unguarded(
                    result, spec, run_id, run_dir, site, previous, nb, lang, git
                )
            except Exception as again:
                _raise_unwritable_site(site, again)
                raise
        site_mod.record_task(
            state, pipeline=spec.name, description=spec.description, task=result.name, record=record
        )
        site_mod.save_state(site, state)
        if index:
            site_mod.build_index(site, state)


def _publish_failure(site: Path, err: Exception) -> str:
    """Why a finished task's report could not be published, in one line with the fix."""
    from ebpm.errors import EbpmError

    if isinstance(err, EbpmError):  # a disclosure check, a bad table: it says what to do
        return str(err)
    if isinstance(err, OSError):
        where = f" ({err.filename})" if err.filename else ""
        return (
            f"the report could not be written to the site {site}{where}: {os_reason(err)}; "
            "free space or choose a writable --out, then run again"
        )
    return f"the report could not be rendered: {type(err).__name__}: {err}"


def _raise_unwritable_site(site: Path, err: Exception) -> None:
    """Raise a one-line error when not even a failure page can be written to the site."""
    if isinstance(err, OSError):
        raise PipelineError(
            f"cannot write to the site {site}: {os_reason(err)}; free space or choose a "
            "writable --out, then run again"
        ) from err


def _publish_unguarded(
    result: TaskResult,
    spec: PipelineSpec | _RecordedSpec,
    run_id: str,
    run_dir: Path,
    site: Path,
    previous: dict[str, Any],
    nb: Any,
    lang: str = "en",
    git: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Write the task's report or failure page; return its record for the site state."""
    from ebpm import site as site_mod
    from ebpm.site.render import error_of

    base = {
        "run_id": run_id,
        "finished_at": _now(),
        "duration_s": result.duration_s,
        "notebook": result.notebook,
        "parameters": result.parameters,
        "datasets": result.datasets,
    }
    if result.status == "ok" and nb is not None:
        from ebpm.site.render import check_disclosure, report_page

        check_disclosure(nb)  # before anything of this task reaches the site
        notice = _revision_notice(result.revision) if result.revision else None
        folder = f"reports/{spec.name}"
        rel = f"{folder}/{result.name}.html"
        downloads = _write_downloads(result, run_dir, site / folder)
        about = site_mod.about_block(
            run_id=run_id,
            pipeline=spec.name,
            task=result.name,
            git=git,
            versions=_versions(),
            parameters=result.parameters,
            datasets=result.datasets,
            downloads=downloads,
            lang=lang,
        )
        page = report_page(
            nb,
            title=f"{spec.name}: {result.name}",
            notice=notice,
            about=about,
            lang=lang,
            informs=_policies_informed(spec, result.name, result.group, lang),
        )
        atomic_write_text(run_dir / f"{result.name}.html", page)
        atomic_write_text(site / rel, page)
        result.report = rel
        (site / "failures" / spec.name / f"{result.name}.html").unlink(missing_ok=True)
        return {
            **base,
            "status": "ok",
            "headline": result.headline,
            "report": rel,
            "report_run_id": run_id,
            "report_headline": result.headline,
            "revision": result.revision,
            "failure": None,
        }
    if result.status == "ok":  # nothing to render a report from
        result.status = "failed"
        result.reason = result.reason or "the executed notebook is missing"
    rel = f"failures/{spec.name}/{result.name}.html"
    page = site_mod.failure_page(
        pipeline=spec.name,
        task=result.name,
        run_id=run_id,
        notebook=result.notebook,
        parameters=result.parameters,
        error=error_of(nb) if nb is not None else None,
        reason=result.reason or "the notebook did not finish",
        last_good=previous.get("report"),
        executed_notebook=_rel(run_dir / result.output_notebook, site.parent)
        if result.output_notebook
        else None,
        lang=lang,
    )
    atomic_write_text(site / rel, page)
    result.failure_page = rel
    return {
        **base,
        "status": result.status,
        "headline": None,
        "failure": rel,
        "reason": result.reason,
    }


def _policies_informed(
    spec: PipelineSpec | _RecordedSpec, task: str, group: str, lang: str
) -> list[tuple[str, str | None]]:
    """The policies (``pipelines/policies/*.yaml``) with a link whose evidence is this task, as
    (title, href of the KPI dashboard that shows the policy, when this pipeline has one).

    The files are read as plain YAML (``ebpm check`` validates them); a file that does not
    read is skipped here."""
    import yaml

    from ebpm import _yaml

    folder = Path(spec.root) / "pipelines" / "policies"
    if not folder.is_dir():
        return []
    dashboards: dict[Path, str] = {}
    for t in getattr(spec, "tasks", ()):
        file = t.parameters.get("policy_file")
        if isinstance(file, str):
            dashboards.setdefault((Path(spec.root) / file).resolve(), t.name)
    out = []
    for path in sorted(folder.glob("*.y*ml")):
        try:
            data = _yaml.safe_load(path.read_text(encoding="utf-8")) or {}
            links = [lk for lk in data.get("links") or [] if isinstance(lk, dict)]
        except (OSError, yaml.YAMLError, AttributeError):
            continue
        if any(
            isinstance(lk.get("evidence"), dict)
            and lk["evidence"].get("pipeline") == spec.name
            and lk["evidence"].get("task") == task
            for lk in links
        ):
            title = str(
                (data.get("title_ja") if lang == "ja" else None) or data.get("title") or path.stem
            )
            dashboard = dashboards.get(path.resolve())
            out.append((title, f"{dashboard}.html" if dashboard else None))
    return out


def _write_downloads(result: TaskResult, run_dir: Path, folder: Path) -> dict[str, str]:
    """Beside a report: the executed notebook, the result as JSON and its table as CSV.
    Returns {label: href relative to the report}."""
    import csv
    import io

    out: dict[str, str] = {}
    if result.output_notebook:
        name = f"{result.name}.ipynb"
        atomic_write_text(folder / name, (run_dir / result.output_notebook).read_text("utf-8"))
        out["executed notebook (.ipynb)"] = name
    if result.headline:
        name = f"{result.name}.result.json"
        atomic_write_text(
            folder / name, json.dumps(result.headline, ensure_ascii=False, indent=1) + "\n"
        )
        out["result (JSON)"] = name
        rows = result.headline.get("table") or []
        if rows and all(isinstance(r, dict) for r in rows):
            columns = list(dict.fromkeys(k for r in rows for k in r))
            buf = io.StringIO()
            writer = csv.DictWriter(buf, fieldnames=columns, lineterminator="\n")
            writer.writeheader()
            writer.writerows(rows)
            name = f"{result.name}.csv"
            atomic_write_text(folder / name, "\ufeff" + buf.getvalue())
            out["estimates table (CSV)"] = name
    return out


def set_site_language(site: Path, lang: str) -> None:
    """Make ``lang`` ("en" or "ja") the language of the site's pages from now on."""
    from ebpm import site as site_mod

    site_mod.words(lang)  # a clear error for an unknown language
    site.mkdir(parents=True, exist_ok=True)
    with _site_lock(site):
        state = site_mod.load_state(site)
        state["lang"] = lang
        site_mod.save_state(site, state)


def _record_unchanged(
    results: list[TaskResult], spec: PipelineSpec, run_id: str, site: Path
) -> None:
    """Mark skipped tasks in the site: their report stays, checked by this run."""
    from ebpm import site as site_mod

    with _site_lock(site):
        state = site_mod.load_state(site)
        tasks = state["pipelines"].setdefault(spec.name, {"tasks": {}})["tasks"]
        for result in results:
            record = dict(tasks.get(result.name) or {})
            record.update(
                {
                    "status": "ok",
                    "checked_run_id": run_id,
                    "checked_at": _now(),
                    "unchanged_since": result.unchanged_since,
                }
            )
            site_mod.record_task(
                state,
                pipeline=spec.name,
                description=spec.description,
                task=result.name,
                record=record,
            )
        site_mod.save_state(site, state)
        site_mod.build_index(site, state)


# --- the run ---------------------------------------------------------------------------------
def _task_env(
    spec: PipelineSpec,
    run_id: str,
    task: Task,
    run_dir: Path,
    *,
    ready: tuple[str, ...] = (),
    not_ok: tuple[str, ...] = (),
) -> dict[str, str]:
    """The environment of a task's kernel. ``NEEDS_ENV`` lists the tasks of this run whose
    output it may read: its ``needs`` and the tasks it runs ``after`` that succeeded in this
    run (``ready``); ``NOT_OK_ENV`` those it runs after that did not (``not_ok``)."""
    from ebpm.catalog.cache import cache_dir
    from ebpm.pipeline.execute import KERNEL_ENV

    runs = run_dir.parent.parent  # <out>/runs/<pipeline>/<run-id>
    # what the task reads there is tracked otherwise (the estimates of the tasks it needs,
    # downloads by their sha256) or is ebpm's own (the site)
    not_inputs = [runs, runs.parent / "site", cache_dir()]
    return {
        **KERNEL_ENV,
        RUN_ID_ENV: run_id,
        RUN_DIR_ENV: str(run_dir),
        NEEDS_ENV: ",".join(task.needs + ready),
        NOT_OK_ENV: ",".join(not_ok),
        TASK_ENV: f"{spec.name}/{task.name}",
        PROJECT_ROOT_ENV: str(spec.root),
        READS_IGNORE_ENV: os.pathsep.join(str(p) for p in not_inputs),
        "MPLBACKEND": "module://matplotlib_inline.backend_inline",
    }


def _notebook_json(path: Path, kernel: str) -> str:
    import nbformat

    from ebpm.pipeline.notebooks import read_notebook

    nb = read_notebook(path)
    nb.metadata["kernelspec"] = {"name": kernel, "display_name": kernel, "language": "python"}
    return nbformat.writes(nb)


@contextlib.contextmanager
def _signals(on_signal: Callable[[int], None]) -> Iterator[None]:
    """Route Ctrl-C and SIGTERM to ``on_signal`` while the run is under way (main thread only)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    old = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM)}

    def handler(signum: int, frame: Any) -> None:
        on_signal(signum)

    for s in old:
        signal.signal(s, handler)
    try:
        yield
    finally:
        for s, h in old.items():
            signal.signal(s, h)


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
    from ebpm.catalog.cache import check_settings

    check_settings()
    if scheduler and scheduler != "local":
        from ebpm.pipeline.executors import dask_timeout

        dask_timeout()


def _check_out(out: Path, *folders: Path) -> None:
    """Create ``folders`` under the output folder ``out`` and check they can be written, so an
    unwritable, read-only or full ``--out`` fails at once with its path, not mid-run."""
    for folder in folders:
        try:
            ensure_writable(folder)
        except OSError as err:
            under = folder != out and folder.is_relative_to(out)
            where = f"{folder} (under --out {out})" if under else str(folder)
            raise PipelineError(
                f"cannot write to {where}: {os_reason(err)}; choose a writable --out "
                "(a folder you can write, on a disk with free space)"
            ) from err


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
    _check_out(out, runs, out / "site")
    jobs = jobs or default_jobs()
    with PipelineLock(runs, pipeline=spec.name, run_id=run_id):
        run_dir = runs / run_id
        run_dir.mkdir(parents=True, exist_ok=False)
        site = out / "site"
        site.mkdir(parents=True, exist_ok=True)
        _repair_site_state(out, site)
        if lang is not None:
            set_site_language(site, lang)
        started = _now()
        git = _git(spec.root)  # once per run: every report and the manifest name this commit
        hasher = Hasher(out / "runs" / ".fingerprints.json")
        env_fp = hashlib.sha256(
            (environment_fingerprint(kernel) + source_fingerprint(hasher)).encode()
        ).hexdigest()
        previous = history.last_good_records(out, spec.name, [t.name for t in selected])
        plans: dict[str, _Plan] = {}
        for task in selected:
            result = TaskResult(
                name=task.name,
                group=task.group,
                notebook=_rel(task.notebook, spec.root),
                parameters=dict(task.parameters),
            )
            fp = {
                "notebook": hasher.file(task.notebook),
                "parameters": parameters_fingerprint(task.parameters),
                "environment": env_fp,
            }
            plans[task.name] = _Plan(task, result, fp, previous.get(task.name))
        if refresh_data:
            _refresh_remote(spec, previous, hasher, emit)
        skip_reasons: dict[str, str] = {}
        for name, plan in plans.items():
            same, why = (
                (False, "--force") if force else _unchanged(plan, hasher, site, out, spec.root)
            )
            skip_reasons[name] = why
            if same and plan.previous is not None:  # same: there is a previous good run
                run_of, record = plan.previous
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
        _rerun_dependents(plans, skip_reasons)
        hasher.save()
        to_run = [n for n, p in plans.items() if p.result.status != "unchanged"]
        emit(
            {
                "event": "plan",
                "run_id": run_id,
                "total": len(plans),
                "to_run": to_run,
                "unchanged": [n for n in plans if n not in to_run],
                "reasons": skip_reasons,
                "jobs": jobs,
                "executor": scheduler or "local",
            }
        )
        skipped = [p.result for p in plans.values() if p.result.status == "unchanged"]
        if skipped:
            _record_unchanged(skipped, spec, run_id, site)
        for r in skipped:
            emit({"event": "done", "task": r.name, "result": r})
        cancelled = False
        if to_run:
            try:
                cancelled = _execute_all(
                    spec,
                    plans,
                    to_run,
                    run_id,
                    run_dir,
                    site,
                    kernel,
                    jobs,
                    scheduler,
                    backoff,
                    emit,
                    git,
                    hasher,
                )
            except Exception as err:
                # e.g. the Dask scheduler cannot be reached: the run folder says what happened
                atomic_write_json(
                    run_dir / "manifest.json",
                    {
                        "manifest_version": 2,
                        "pipeline": spec.name,
                        "run_id": run_id,
                        "status": "error",
                        "error": f"{type(err).__name__}: {err}",
                        "started_at": started,
                        "finished_at": _now(),
                        "tasks": [p.result.to_dict() for p in plans.values()],
                    },
                )
                raise
        hasher.save()  # the files the tasks read, hashed: the next rerun only stats them
        results = [p.result for p in plans.values()]
        status = (
            "cancelled"
            if cancelled
            else "ok"
            if all(r.status in history.GOOD for r in results)
            else "failed"
        )
        duration = round(time.perf_counter() - t_start, 3)
        manifest = {
            "manifest_version": 2,
            "pipeline": spec.name,
            "spec": _rel(spec.path, spec.root),
            "root": str(spec.root),
            "description": spec.description,
            "schedule": spec.schedule,
            "run_id": run_id,
            "rerun_of": rerun_of,
            "status": status,
            "started_at": started,
            "finished_at": _now(),
            "duration_s": duration,
            "git": git,
            "versions": _versions(),
            "environment": env_fp,
            "kernel": kernel,
            "executor": {
                "kind": "dask" if scheduler else "local",
                "address": scheduler,
                "jobs": jobs,
            },
            "force": force,
            "selected_tasks": list(tasks) if tasks else None,
            "parameter_overrides": overrides,
            "tasks": [r.to_dict() for r in results],
            "datasets": _unique_datasets(results),
            "revisions": [{"task": r.name, **r.revision} for r in results if r.revision],
        }
        atomic_write_json(run_dir / "manifest.json", manifest)
        _publish_history(out, spec.name, site)
    return RunResult(
        pipeline=spec.name,
        run_id=run_id,
        run_dir=run_dir,
        site_dir=site,
        tasks=results,
        duration_s=duration,
        cancelled=cancelled,
    )


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
                    {
                        "event": "refresh",
                        "entry": d["entry"],
                        "ok": False,
                        "reason": f"{type(err).__name__}: {err}",
                    }
                )
                continue
            now = hasher.dataset(d)
            emit(
                {
                    "event": "refresh",
                    "entry": d["entry"],
                    "ok": True,
                    "revised": now != d.get("sha256"),
                    "old_sha256": d.get("sha256"),
                    "new_sha256": now,
                }
            )


@dataclass(frozen=True)
class RerunPlan:
    """What ``ebpm rerun RUN_ID`` runs."""

    run_id: str  # the full id of the run repeated
    spec: Path
    tasks: list[str]
    task_parameters: dict[str, dict[str, Any]]
    overrides: dict[str, Any]


def _covering_runs(out: Path) -> list[str]:
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


def _repair_site_state(out: Path, site: Path) -> None:
    """Rebuild an unusable ``site/_ebpm/state.json`` (truncated by a full disk, edited by hand)
    from the recorded runs' manifests, with a warning, instead of failing every later run."""
    from ebpm import site as site_mod

    problem = site_mod.state_problem(site)
    if problem is None:
        return
    site_mod.set_aside_state(site, problem)
    runs = _covering_runs(out)
    if runs:
        log.warning("rebuilding the site state from %d recorded run(s) under %s", len(runs), out)
        publish_runs(out, runs, site=site)


def publish_runs(
    out_dir: str | Path = ".",
    run_ids: list[str] | None = None,
    *,
    site: str | Path | None = None,
    progress: Progress | None = None,
    lang: str | None = None,
) -> Path:
    """Rebuild a report site from recorded runs, without running anything.

    Parameters
    ----------
    out_dir : path
        The folder holding ``runs/``.
    run_ids : list of str, optional
        Runs to publish, in order (unique prefixes work). Default: the latest run of every
        pipeline. A task the run skipped as unchanged is published from the run that made its
        report.
    site : path, optional
        Where to write the site (default ``<out_dir>/site``).
    lang : {"en", "ja"}, optional
        The language of the pages (default: the site's current one, else English).

    Returns
    -------
    Path
        The site's index page.
    """
    from ebpm import site as site_mod

    out = Path(out_dir).resolve()
    site_dir = Path(site).resolve() if site else out / "site"
    _check_out(out, site_dir)
    problem = site_mod.state_problem(site_dir)
    if problem is not None:
        site_mod.set_aside_state(site_dir, problem)
        run_ids = run_ids or _covering_runs(out)  # the latest run alone may lack some tasks
    if lang is not None:
        set_site_language(site_dir, lang)
    emit = progress or (lambda event: None)
    if run_ids:
        manifests = [history.find_run(out, r) for r in run_ids]
    else:
        latest: dict[str, Any] = {}
        for info in history.list_runs(out):
            latest[info.pipeline] = info
        manifests = [history.find_run(out, info.run_id) for info in latest.values()]
    if not manifests:
        raise PipelineError(
            f"no recorded runs under {out / 'runs'}; run a pipeline first (`ebpm run SPEC`)"
        )
    for m in manifests:
        spec = _RecordedSpec(
            name=m["pipeline"],
            description=m.get("description", ""),
            root=Path(m.get("root") or out),
        )
        for t in m.get("tasks", []):
            status = t.get("status")
            if status in ("cancelled", "pending"):
                continue
            run_id, run_dir = m["run_id"], Path(m["_path"]).parent
            if status == "unchanged":
                run_id = t.get("unchanged_since") or run_id
                run_dir = run_dir.parent / run_id
            fields = {k: v for k, v in t.items() if k in TaskResult.__dataclass_fields__}
            if status == "unchanged":  # its report and notebook are in the earlier run's folder
                fields.update(status="ok", output_notebook=f"{t['name']}.ipynb")
            result = TaskResult(**fields)
            if result.output_notebook and not (run_dir / result.output_notebook).is_file():
                result.output_notebook = None
                if result.status == "ok":
                    result.status, result.reason = (
                        "failed",
                        (f"the executed notebook of run {run_id} is gone from {run_dir}"),
                    )
            _publish(result, spec, run_id, run_dir, site_dir, git=m.get("git"), index=False)
            emit({"event": "published", "task": result.name, "run_id": run_id})
    for name in dict.fromkeys(m["pipeline"] for m in manifests):
        _publish_history(out, name, site_dir, index=False)
    return site_mod.build_index(site_dir, site_mod.load_state(site_dir))


def _publish_history(out: Path, pipeline: str, site: Path, *, index: bool = True) -> None:
    """Write the run-history page of every task of ``pipeline`` from its manifests, then the
    index (which links them) unless ``index`` is False."""
    from ebpm import site as site_mod
    from ebpm.site.history import write_history_pages

    histories = history.task_history(out, pipeline)
    with _site_lock(site):
        state = site_mod.load_state(site)
        write_history_pages(site, pipeline, histories, state)
        if index:
            site_mod.build_index(site, state)


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


def _versions() -> dict[str, str | None]:
    from ebpm.report import package_versions  # light: no pandas until a notebook needs it

    return package_versions()


def _execute_all(
    spec: PipelineSpec,
    plans: dict[str, _Plan],
    to_run: list[str],
    run_id: str,
    run_dir: Path,
    site: Path,
    kernel: str,
    jobs: int,
    scheduler: str | None,
    backoff: float,
    emit: Progress,
    git: dict[str, Any],
    hasher: Hasher,
) -> bool:
    """Run ``to_run`` (respecting ``needs`` and ``after``); returns True if the run was
    cancelled. ``hasher`` hashes the project files each finished task read."""
    from ebpm.pipeline.execute import Outcome, Payload
    from ebpm.pipeline.executors import Started

    if scheduler:
        from ebpm.pipeline.executors import DaskExecutor

        executor: Any = DaskExecutor(scheduler, jobs=jobs, run_id=run_id)
    else:
        from ebpm.pipeline.executors import LocalExecutor

        executor = LocalExecutor(min(jobs, len(to_run)))
    sources: dict[Path, str] = {}
    waiting = set(to_run)
    active: set[str] = set()  # submitted, not finished (incl. waiting for a retry)
    running: set[str] = set()  # executing now
    retrying: set[str] = set()  # waiting for a retry timer
    timers: list[threading.Timer] = []
    cancel = threading.Event()

    def on_signal(signum: int) -> None:
        if cancel.is_set():
            raise KeyboardInterrupt  # a second Ctrl-C: stop waiting for the kernels to go
        cancel.set()
        emit({"event": "cancel", "signal": signal.Signals(signum).name, "running": sorted(running)})
        executor.cancel()
        for t in timers:
            t.cancel()

    def status_of(name: str) -> str | None:
        r = plans[name].result
        return r.status if r.status != "pending" else None

    def submit(name: str, attempt: int) -> None:
        plan = plans[name]
        task = plan.task
        # the tasks it runs after that ran in this run (others, not selected, did not)
        after = [(n, status_of(n)) for n in task.after if n in plans]
        ready = tuple(n for n, s in after if s in history.GOOD)
        not_ok = tuple(n for n, s in after if s not in history.GOOD)
        if task.notebook not in sources:
            sources[task.notebook] = _notebook_json(task.notebook, kernel)
        payload = Payload(
            task=name,
            notebook=sources[task.notebook],
            parameters=dict(task.parameters),
            cwd=str(spec.root),
            env=_task_env(spec, run_id, task, run_dir, ready=ready, not_ok=not_ok),
            kernel=kernel,
            timeout=task.timeout,
            attempt=attempt,
        )
        active.add(name)
        waiting.discard(name)
        retrying.discard(name)
        executor.submit(payload)

    def release() -> None:
        """Submit tasks whose needs are met and whose `after` tasks finished; block those
        whose needs failed. Passes repeat while a task gets blocked: a task listed before the
        one it needs (or runs after) learns of the block in the next pass, not never."""
        if cancel.is_set():
            return  # the tasks still waiting are recorded as cancelled
        blocked_one = True
        while blocked_one:
            blocked_one = False
            for name in sorted(waiting, key=to_run.index):
                needs = [n for n in getattr(plans[name].task, "needs", ()) if n in plans]
                after = [n for n in getattr(plans[name].task, "after", ()) if n in plans]
                states = [status_of(n) for n in needs]
                if any(s is not None and s not in history.GOOD for s in states):
                    bad = [
                        n
                        for n, s in zip(needs, states, strict=True)
                        if s not in (None, *history.GOOD)
                    ]
                    r = plans[name].result
                    r.status = "blocked"
                    r.reason = f"not run: it needs {', '.join(bad)}, which did not succeed"
                    waiting.discard(name)
                    _publish(r, spec, run_id, run_dir, site, git=git)
                    emit({"event": "done", "task": name, "result": r})
                    blocked_one = True
                elif (
                    all(s in history.GOOD for s in states)
                    and all(status_of(n) is not None for n in after)
                    and not cancel.is_set()
                ):
                    submit(name, 1)

    def finish(o: Outcome) -> None:
        plan = plans[o.task]
        r = plan.result
        active.discard(o.task)
        r.attempts = o.attempt
        r.status = o.status
        r.reason = o.reason
        r.duration_s = o.duration_s
        r.cell_time_s = o.cell_time_s
        r.worker = o.worker
        if o.notebook:
            atomic_write_text(run_dir / f"{o.task}.ipynb", o.notebook)
            r.output_notebook = f"{o.task}.ipynb"
        plan.reads = None if o.reads is None else read_digests(o.reads, spec.root, hasher)
        if o.reads is None and o.status == "ok" and kernel == "python3":
            log.warning(
                "could not record which project files task %s read: a change to one of them "
                "will not rerun it (`ebpm run --force` does)",
                o.task,
            )
        if o.status == "cancelled":
            emit({"event": "done", "task": o.task, "result": r})
            return
        _publish_with_revision(plan, spec, run_id, run_dir, site, git)
        emit({"event": "done", "task": o.task, "result": r})

    try:
        with _signals(on_signal):
            release()
            while active or (waiting and not cancel.is_set()):
                try:
                    o = executor.results.get(timeout=0.2)
                except queue.Empty:
                    if cancel.is_set() and active <= retrying:
                        break  # only retries were left, and they will not happen
                    emit({"event": "tick", "running": sorted(running)})
                    continue
                if isinstance(o, Started):
                    running.add(o.task)
                    if o.attempt == 1:
                        plans[o.task].result.started_at = _now()
                        emit({"event": "start", "task": o.task, "attempt": o.attempt})
                    continue
                running.discard(o.task)
                plan = plans[o.task]
                retries = getattr(plan.task, "retries", 0) or 0
                if (
                    o.status == "failed"
                    and o.transient
                    and o.attempt <= retries
                    and not cancel.is_set()
                ):
                    delay = backoff * 2 ** (o.attempt - 1)
                    emit(
                        {
                            "event": "retry",
                            "task": o.task,
                            "attempt": o.attempt + 1,
                            "delay": delay,
                            "reason": o.reason,
                        }
                    )
                    retrying.add(o.task)
                    timer = threading.Timer(delay, submit, args=(o.task, o.attempt + 1))
                    timer.daemon = True
                    timers.append(timer)
                    timer.start()
                    continue
                finish(o)
                release()
                if cancel.is_set() and not active:
                    break
            if cancel.is_set():
                for name in list(waiting) + list(active):
                    r = plans[name].result
                    if r.status == "pending":
                        r.status = "cancelled"
                        r.reason = "the run was cancelled before the task started"
                        emit({"event": "done", "task": name, "result": r})
    finally:
        for t in timers:
            t.cancel()
        if cancel.is_set():
            executor.cancel()
        executor.close()
    return cancel.is_set()


def _read_executed(path: Path) -> Any:
    import nbformat

    return nbformat.read(path, as_version=4)


def _take_outputs(result: TaskResult, nb: Any) -> None:
    """The headline estimate and the datasets a notebook published."""
    heads = history.outputs_of(nb, RESULT_MIME)
    result.headline = heads[0] if heads else None
    result.datasets = _dataset_records(nb)


def _publish_with_revision(
    plan: _Plan,
    spec: PipelineSpec,
    run_id: str,
    run_dir: Path,
    site: Path,
    git: dict[str, Any] | None,
) -> None:
    """Publish a finished task, comparing its headline with the last good one first."""
    r = plan.result
    nb = None
    if r.output_notebook:
        nb = _read_executed(run_dir / r.output_notebook)
        _take_outputs(r, nb)
    r.fingerprint = {
        **plan.fingerprint,
        "data": {data_key(d): d.get("sha256") for d in r.datasets},
    }
    if plan.reads is not None:
        r.fingerprint["reads"] = plan.reads
    if r.status == "ok" and plan.previous is not None:
        from ebpm.pipeline.spec import Tolerance

        prev_run, prev = plan.previous
        prev_run = prev.get("unchanged_since") or prev_run  # where that estimate was computed
        tol = getattr(plan.task, "tolerance", None) or Tolerance()
        r.revision = history.revision(prev, r.to_dict(), previous_run=prev_run, tolerance=tol)
    _publish(r, spec, run_id, run_dir, site, nb, git)


def _unique_datasets(results: list[TaskResult]) -> list[dict[str, Any]]:
    seen: dict[tuple[Any, Any], dict[str, Any]] = {}
    for r in results:
        for d in r.datasets:
            key = (d.get("entry"), d.get("sha256"))
            if key not in seen:
                seen[key] = {**d, "tasks": []}
            seen[key]["tasks"].append(r.name)
    return list(seen.values())
