"""A report site rebuilt from recorded runs: ``ebpm publish`` and the repair of a broken state.

What the site shows is a function of the recorded runs alone (:mod:`ebpm.pipeline.standing`).
Each pipeline's last good reports are rendered by :func:`ebpm.pipeline.publish.render_task`,
on every core when it is safe to fork (:mod:`ebpm.pipeline.render_pool`), then the failure
pages of later runs, the state, the history pages and the index.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from ebpm.errors import PipelineError
from ebpm.pipeline import history, rendered
from ebpm.pipeline.events import Progress, Published
from ebpm.pipeline.plan import covering_runs
from ebpm.pipeline.publish import (
    _policies_informed,
    _recorded_result,
    _RecordedSpec,
    _render_recorded,
    _site_lock,
    publish_history,
    record_pages,
    set_site_formats,
    set_site_language,
    write_site_state,
)
from ebpm.pipeline.records import TaskResult, check_out
from ebpm.pipeline.render_pool import RenderPool
from ebpm.pipeline.standing import RAN_BAD, failure_path, pipeline_standing, report_path
from ebpm.report import fonts

__all__ = ["publish_runs", "repair_site_state"]

log = logging.getLogger(__name__)


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
    formats: list[str] | None = None,
) -> Path:
    """Rebuild a report site from recorded runs, without running anything.

    What the site shows is a function of the recorded runs alone
    (:mod:`ebpm.pipeline.standing`): publishing the same runs twice, to two folders or at two
    times, gives the same index, registry and pages.

    Parameters
    ----------
    out_dir : path
        The folder holding ``runs/``.
    run_ids : list of str, optional
        Publish each named run's pipeline as it stood after that run (unique prefixes work).
        Default: every pipeline as it stands after its latest run. Every earlier run counts: a
        task the run skipped or did not select shows its last good result.
    site : path, optional
        Where to write the site (default ``<out_dir>/site``).
    progress : callable, optional
        Called with a :class:`~ebpm.pipeline.events.Published` per page written.
    lang : {"en", "ja"}, optional
        The language of the pages (default: the site's current one, else English).
    formats : list of {"pdf", "docx"}, optional
        Also write each report as these documents beside it, linked from its downloads, in
        this and later runs (default: as before; ``[]``: no more).

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
    if lang is not None:
        set_site_language(site_dir, lang)
    if formats is not None:
        set_site_formats(site_dir, formats)
    emit = progress or (lambda event: None)
    upto: dict[str, str | None] = {}
    if run_ids:
        for r in run_ids:
            m = history.find_run(out, r)
            upto[m["pipeline"]] = max(str(m["run_id"]), upto.get(m["pipeline"]) or "")
    else:
        upto = {info.pipeline: None for info in history.list_runs(out)}
    if not upto:
        raise PipelineError(
            f"no recorded runs under {out / 'runs'}; run a pipeline first (`ebpm run SPEC`)"
        )
    for name, last in upto.items():
        manifests = [
            m for m in history.manifests(out, name) if last is None or str(m.get("run_id")) <= last
        ]
        _publish_pipeline(out, site_dir, manifests, emit)
        publish_history(out, name, site_dir, index=False)
    return site_mod.build_index(site_dir, site_mod.load_state(site_dir))


def _publish_pipeline(
    out: Path, site: Path, manifests: list[dict[str, Any]], emit: Progress
) -> None:
    """Write the pages of one pipeline as its runs ``manifests`` leave it, then its state."""
    if not manifests:
        return
    by_run = {str(m["run_id"]): m for m in manifests}
    latest = manifests[-1]
    standing = pipeline_standing(manifests)
    spec = _RecordedSpec(
        name=str(latest["pipeline"]),
        description=latest.get("description", ""),
        root=Path(latest.get("root") or out),
        parameters={t: rec.get("parameters") or {} for t, rec in standing["tasks"].items()},
    )
    runs = Path(latest["_path"]).parent.parent
    goods = {t: r["report_run_id"] for t, r in standing["tasks"].items() if r.get("report_run_id")}
    fonts.expect(*(runs / str(run) / f"{t}.ipynb" for t, run in goods.items()))  # cut once
    broken: dict[str, str] = {}  # task: why its last good report cannot be rendered
    # the reports on every core, when it is safe to fork; the glyphs of all pages are cut once,
    # before the workers fork, and inherited
    new = rendered.unrecorded(site, [report_path(spec.name, t) for t in goods])
    with RenderPool(len(goods), before_fork=lambda: _before_fork(spec), rendering=new) as pool:
        if pool.workers > 1:
            rendered.renderer_version()  # not in the first report's time: that decides to fork
        renders = {
            task: pool.submit(
                _render_job,
                _recorded_result(by_run.get(run), task, run, runs, status="ok"),
                spec,
                run,
                runs,
                site,
                by_run.get(run),
            )
            for task, run in goods.items()
        }
        _publish_rendered(site, spec, runs, by_run, standing, renders, broken, emit)
    write_site_state(site, manifests, index=False)
    if broken:  # the site says so: the report of that run cannot be shown
        _mark_broken(site, spec.name, broken)


def _before_fork(spec: _RecordedSpec) -> None:
    """What every worker rendering ``spec``'s reports inherits: nbconvert warmed up, the
    policies read (every page names those it informs) and the glyphs of all the pages cut."""
    from ebpm.site import render

    render.warm()
    _policies_informed(spec, "", "en")
    fonts.prepare()


def _render_job(
    result: TaskResult,
    spec: _RecordedSpec,
    run_id: str,
    runs: Path,
    site: Path,
    m: dict[str, Any] | None,
) -> tuple[TaskResult, list[tuple[str, dict[str, Any], str | None]]]:
    """:func:`_render_recorded` in a worker: the result as rendering left it, and its page's
    entry in the site state (written with the others' once all are rendered)."""
    pending: list[tuple[str, dict[str, Any], str | None]] = []
    _render_recorded(result, spec, run_id, runs, site, m, pending=pending)
    return result, pending


def _publish_rendered(
    site: Path,
    spec: _RecordedSpec,
    runs: Path,
    by_run: dict[str, Any],
    standing: dict[str, Any],
    renders: dict[str, Any],
    broken: dict[str, str],
    emit: Progress,
) -> None:
    """In task order: each last good report as rendered, then the failure page of a later run."""
    pending: list[tuple[str, dict[str, Any], str | None]] = []
    for task, rec in standing["tasks"].items():
        good = rec.get("report_run_id")
        if good:
            result, entries = renders[task].result()
            pending.extend(entries)
            if result.status != "ok":
                broken[task] = str(result.reason)
            page = result.report or result.failure_page or ""
            emit(Published(task=task, run_id=good, pipeline=spec.name, page=page))
        if rec["status"] in RAN_BAD:
            run_id = str(rec["run_id"])
            result = _recorded_result(by_run.get(run_id), task, run_id, runs)
            last_good = rec.get("report") if good and task not in broken else None
            _render_recorded(result, spec, run_id, runs, site, by_run.get(run_id), last_good)
            page = result.failure_page or ""
            emit(Published(task=task, run_id=run_id, pipeline=spec.name, page=page))
    record_pages(site, pending)  # the reports' entries in the state: one write, not one each


def _mark_broken(site: Path, pipeline: str, broken: dict[str, str]) -> None:
    """Record in the site state that the good reports of ``broken`` tasks could not be
    rendered (their executed notebooks are gone): failed, with why and the failure page."""
    from ebpm import site as site_mod

    with _site_lock(site):
        state = site_mod.load_state(site)
        tasks = state["pipelines"].get(pipeline, {}).get("tasks", {})
        for task, why in broken.items():
            rec = tasks.get(task)
            if rec is None:
                continue
            rec.update(
                status="failed",
                reason=why,
                failure=failure_path(pipeline, task),
                headline=None,
                report=None,
                report_headline=None,
            )
        site_mod.save_state(site, state)
