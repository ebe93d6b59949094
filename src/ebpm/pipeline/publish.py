"""Publishing a run into the report site: each finished task's report (or failure page, which
keeps the last good report), its revision alert, its downloads, the run-history pages, and the
whole site rebuilt from recorded runs (``ebpm publish``).

The pages themselves are :mod:`ebpm.site`'s; this module decides what of a run goes there. Several
pipelines may publish to one site: every state update holds the site's lock.
"""

from __future__ import annotations

import contextlib
import json
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ebpm._io import atomic_write_text, os_reason
from ebpm.errors import PipelineError
from ebpm.pipeline import history
from ebpm.pipeline.events import Progress, Published
from ebpm.pipeline.fingerprint import data_key
from ebpm.pipeline.plan import Plan, RunContext, covering_runs
from ebpm.pipeline.records import (
    TaskResult,
    check_out,
    read_executed,
    relative,
    take_outputs,
    utc_now,
    versions,
)
from ebpm.pipeline.spec import PipelineSpec

__all__ = [
    "publish_finished",
    "publish_history",
    "publish_runs",
    "publish_task",
    "record_unchanged",
    "repair_site_state",
    "set_site_language",
]

log = logging.getLogger(__name__)


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


def publish_finished(plan: Plan, ctx: RunContext) -> None:
    """Publish a finished task of run ``ctx``, comparing its headline with the last good one
    first."""
    r = plan.result
    nb = None
    if r.output_notebook:
        nb = read_executed(ctx.run_dir / r.output_notebook)
        take_outputs(r, nb)
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
    publish_task(r, ctx.spec, ctx.run_id, ctx.run_dir, ctx.site, nb, ctx.git)


def publish_task(
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
        nb = read_executed(run_dir / result.output_notebook)
        take_outputs(result, nb)
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
        "finished_at": utc_now(),
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
            versions=versions(),
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
        executed_notebook=relative(run_dir / result.output_notebook, site.parent)
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


def record_unchanged(
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
                    "checked_at": utc_now(),
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


def repair_site_state(out: Path, site: Path) -> None:
    """Rebuild an unusable ``site/_ebpm/state.json`` (truncated by a full disk, edited by hand)
    from the recorded runs' manifests, with a warning, instead of failing every later run."""
    from ebpm import site as site_mod

    problem = site_mod.state_problem(site)
    if problem is None:
        return
    site_mod.set_aside_state(site, problem)
    runs = covering_runs(out)
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
    check_out(out, site_dir)
    problem = site_mod.state_problem(site_dir)
    if problem is not None:
        site_mod.set_aside_state(site_dir, problem)
        run_ids = run_ids or covering_runs(out)  # the latest run alone may lack some tasks
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
            publish_task(result, spec, run_id, run_dir, site_dir, git=m.get("git"), index=False)
            emit(Published(task=result.name, run_id=run_id))
    for name in dict.fromkeys(m["pipeline"] for m in manifests):
        publish_history(out, name, site_dir, index=False)
    return site_mod.build_index(site_dir, site_mod.load_state(site_dir))


def publish_history(out: Path, pipeline: str, site: Path, *, index: bool = True) -> None:
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
