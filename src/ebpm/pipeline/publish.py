"""Publishing a run into the report site: each finished task's report (or failure page, which
keeps the last good report), its revision alert, its downloads, the run-history pages, and the
whole site rebuilt from recorded runs (``ebpm publish``).

The pages themselves are :mod:`ebpm.site`'s; this module decides what of a run goes there. Several
pipelines may publish to one site: every state update holds the site's lock.
"""

from __future__ import annotations

import contextlib
import functools
import json
import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ebpm._io import atomic_write_text, os_reason
from ebpm.errors import PipelineError
from ebpm.pipeline import history, rendered
from ebpm.pipeline.fingerprint import data_key
from ebpm.pipeline.plan import Plan, RunContext
from ebpm.pipeline.records import (
    TaskResult,
    read_executed,
    relative,
    take_outputs,
)
from ebpm.pipeline.spec import PipelineSpec
from ebpm.pipeline.standing import failure_path, pipeline_standing, report_path

__all__ = [
    "publish_finished",
    "publish_history",
    "publish_task",
    "refresh_site",
    "refresh_stale_reports",
    "render_task",
    "set_site_formats",
    "set_site_language",
    "write_site_state",
]

log = logging.getLogger(__name__)


@contextlib.contextmanager
def _site_lock(site: Path) -> Iterator[None]:
    """Several pipelines may publish to one site: one state update at a time. It is held for
    milliseconds (the render pool's workers each take it), so a waiter looks every 5 ms, not
    filelock's 50."""
    from filelock import FileLock

    with FileLock(str(site / ".state.lock"), timeout=120).acquire(poll_interval=0.005):
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
    #: the tasks' parameters as last recorded (which task is the dashboard of which policy)
    parameters: dict[str, dict[str, Any]] = field(default_factory=dict)


def _task_parameters(spec: PipelineSpec | _RecordedSpec) -> dict[str, dict[str, Any]]:
    if isinstance(spec, _RecordedSpec):
        return spec.parameters
    return {t.name: dict(t.parameters) for t in spec.tasks}


def publish_finished(plan: Plan, ctx: RunContext) -> None:
    """Publish a finished task of run ``ctx``, comparing its headline with the last good one
    first."""
    r = plan.result
    nb = None
    if r.output_notebook:
        nb = read_executed(ctx.run_dir / r.output_notebook)
        take_outputs(r, nb)
    from ebpm.pipeline.prereg import task_check  # how it stands against its analysis plan

    r.prereg = task_check(
        ctx.spec, plan.task, r.parameters, r.datasets, manifests=ctx.previous_runs
    )
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
    publish_task(plan, ctx, nb)


def publish_task(plan: Plan, ctx: RunContext, nb: Any = None) -> None:
    """Render a finished (or blocked) task of run ``ctx`` into the site, then the site's state
    and index from the runs (:func:`refresh_site`). A rendering error fails the task, never the
    run. ``nb`` is the executed notebook when the caller has read it already."""
    r = plan.result
    last_good = report_path(ctx.spec.name, r.name) if plan.previous is not None else None
    render_task(
        r,
        ctx.spec,
        ctx.run_id,
        ctx.run_dir,
        ctx.site,
        nb,
        git=ctx.git,
        versions=ctx.versions,
        last_good=last_good,
    )
    refresh_site(ctx)


def refresh_site(ctx: RunContext, *, index: bool = True) -> None:
    """Derive the pipeline's part of the site state from its recorded runs and this run so far
    (:func:`ebpm.pipeline.standing.pipeline_standing`), then the index and the registry."""
    from ebpm.pipeline.manifest import manifest

    now = manifest(ctx, status="running", duration_s=0.0)
    write_site_state(ctx.site, [*ctx.previous_runs, now], index=index)


def write_site_state(site: Path, manifests: list[dict[str, Any]], *, index: bool = True) -> None:
    """Set the site state of the manifests' pipeline to what they say, then (``index``) write
    the index and the evidence registry."""
    from ebpm import site as site_mod

    if not manifests:
        return
    name = str(manifests[-1]["pipeline"])
    standing = pipeline_standing(manifests)
    with _site_lock(site):
        state = site_mod.load_state(site)
        before = set(state["pipelines"].get(name, {}).get("tasks", {}))
        if standing["tasks"]:
            state["pipelines"][name] = standing
        else:
            state["pipelines"].pop(name, None)
        for task in sorted(before - set(standing["tasks"])):
            _remove_pages(site, state, name, task)  # it left the spec: its pages leave the site
        site_mod.save_state(site, state)
        if index:
            site_mod.build_index(site, state)


def refresh_stale_reports(
    spec: PipelineSpec, site: Path, manifests: list[dict[str, Any]]
) -> list[str]:
    """Render again the reports of the pipeline's good results whose page no longer matches
    what it is made from (:func:`_page_key`: a policy that now cites the task, another site
    language); returns the tasks rendered again."""
    from ebpm import site as site_mod

    if not manifests:
        return []
    with _site_lock(site):
        state = site_mod.load_state(site)
    pages, lang = state.get("pages", {}), state.get("lang", "en")
    by_run = {str(m["run_id"]): m for m in manifests}
    runs = Path(manifests[-1]["_path"]).parent.parent
    again = []
    for task, rec in pipeline_standing(manifests)["tasks"].items():
        good = rec.get("report_run_id")
        if not good or rec["status"] != "ok":
            continue
        if pages.get(rec["report"]) == _page_key(spec, task, str(good), lang):
            continue
        result = _recorded_result(by_run.get(good), task, good, runs, status="ok")
        if result.status == "ok":
            _render_recorded(result, spec, good, runs, site, by_run.get(good))
            again.append(task)
    return again


def _remove_pages(site: Path, state: dict[str, Any], pipeline: str, task: str) -> None:
    """Delete a task's report, its downloads and its failure page from the site."""
    report = report_path(pipeline, task)
    folder = site / Path(report).parent
    kept = (f"{task}.html", f"{task}.ipynb", f"{task}.result.json", f"{task}.csv")
    for name in (*kept, f"{task}.pdf", f"{task}.docx"):  # and ebpm publish --formats's
        (folder / name).unlink(missing_ok=True)
    (site / failure_path(pipeline, task)).unlink(missing_ok=True)
    state.get("pages", {}).pop(report, None)


def render_task(
    result: TaskResult,
    spec: PipelineSpec | _RecordedSpec,
    run_id: str,
    run_dir: Path,
    site: Path,
    nb: Any = None,
    *,
    git: dict[str, Any] | None = None,
    versions: dict[str, Any] | None = None,
    last_good: str | None = None,
    in_run: bool = True,
    pending: list[tuple[str, dict[str, Any], str | None]] | None = None,
) -> None:
    """Write one task's report, or its failure page, into the site; a rendering error turns
    the task into a failure with a failure page. ``last_good`` is the site path of the last
    good report a failure page links to. ``in_run``: the run is publishing its own task (its
    folder gets a copy of the report); False when publishing a recorded run later.
    ``pending``: the page's entry in the site state is added to it, for
    :func:`record_pages` to write with others', instead of written now."""
    from ebpm import site as site_mod

    with _site_lock(site):
        state = site_mod.load_state(site)
    lang = state.get("lang", "en")
    page = _Page(spec, run_id, run_dir, site, lang, git, versions, last_good, in_run)
    inputs = None  # what the report is rendered from, when publishing a recorded run
    if nb is None and not in_run and result.status == "ok" and result.output_notebook:
        about = {"git": git, "versions": versions, "formats": state.get("formats")}
        inputs = rendered.report_inputs(
            result.to_dict(),
            notebook=run_dir / result.output_notebook,
            page={**_page_key(spec, result.name, run_id, lang), **about, "pipeline": spec.name},
        )
    rel = report_path(spec.name, result.name)
    kept = inputs is not None and rendered.is_current(site, rel, inputs)
    if kept:  # rendered from these very inputs: the page is kept
        result.report = rel
        (site / failure_path(spec.name, result.name)).unlink(missing_ok=True)
        key: dict[str, Any] | None = _page_key(spec, result.name, run_id, lang)
    else:
        key = _render(result, page, nb)
    if key is not None:
        entry = (rel, key, inputs if inputs is not None and not kept else None)
        if pending is not None:
            pending.append(entry)
        else:
            record_pages(site, [entry])


def record_pages(site: Path, pages: list[tuple[str, dict[str, Any], str | None]]) -> None:
    """Write pages' entries ``(rel, key, inputs rendered from or None)`` into the site state
    and the record of rendered pages, under the site's lock, each file once."""
    from ebpm import site as site_mod

    if not pages:
        return
    with _site_lock(site):
        state = site_mod.load_state(site)
        known = state.setdefault("pages", {})
        changed = [(rel, key) for rel, key, _ in pages if known.get(rel) != key]
        if changed:  # a kept page's usually is the same
            known.update(changed)
            site_mod.save_state(site, state)
        rendered.remember_all(site, [(rel, inputs) for rel, _, inputs in pages if inputs])


def _render(result: TaskResult, page: _Page, nb: Any) -> dict[str, Any] | None:
    """Render the task's report or failure page (:func:`_publish_unguarded`); a rendering error
    turns the task into a failure with a failure page."""
    if nb is None and result.output_notebook:
        nb = read_executed(page.run_dir / result.output_notebook)
        take_outputs(result, nb)
    try:
        return _publish_unguarded(result, page, nb)
    except Exception as err:
        if result.status != "ok":
            _raise_unwritable_site(page.site, err)
            raise
        result.status = "failed"
        result.reason = _publish_failure(page.site, err)
        # the reason is the task's line and failure page; the traceback is for EBPM_DEBUG=1
        log.debug("publishing %s failed", result.name, exc_info=True)
        try:
            _publish_unguarded(result, page, nb)
        except Exception as again:
            _raise_unwritable_site(page.site, again)
            raise
    return None


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


@dataclass(frozen=True)
class _Page:
    """Where and how a task's page is written: the run it comes from, the site, the language,
    and what the run recorded of its code and environment (so a page is the same whenever it is
    published)."""

    spec: PipelineSpec | _RecordedSpec
    run_id: str
    run_dir: Path
    site: Path
    lang: str
    git: dict[str, Any] | None
    versions: dict[str, Any] | None
    last_good: str | None
    in_run: bool = True  # the run publishing its own task: its folder keeps a copy of the page


def _publish_unguarded(result: TaskResult, at: _Page, nb: Any) -> dict[str, Any] | None:
    """Write the task's report or failure page; for a report, return what it was made from
    (:func:`_page_key`)."""
    from ebpm import site as site_mod
    from ebpm.site.index import FONT_CACHE
    from ebpm.site.render import error_of

    spec, site = at.spec, at.site
    if result.status == "ok" and nb is not None:
        from ebpm.site.render import check_disclosure, report_page

        check_disclosure(nb)  # before anything of this task reaches the site
        key = _page_key(spec, result.name, at.run_id, at.lang)
        notice = _revision_notice(result.revision) if result.revision else None
        if result.prereg:  # the pipeline has an analysis plan: does this run follow it?
            from ebpm.site.pages import plan_block

            notice = (notice or "") + plan_block(result.prereg, at.lang)
        rel = report_path(spec.name, result.name)
        folder = str(Path(rel).parent)
        downloads = _write_downloads(result, at.run_dir, site / folder, at.lang)
        downloads.update(_write_releases(result.name, nb, site / folder, at.lang))
        downloads.update(_write_exports(result, at, nb, site / folder))
        about = site_mod.about_block(
            run_id=at.run_id,
            pipeline=spec.name,
            task=result.name,
            git=at.git,
            versions=at.versions or {},
            parameters=result.parameters,
            datasets=result.datasets,
            downloads=downloads,
            lang=at.lang,
        )
        page = report_page(
            nb,
            title=f"{spec.name}: {result.name}",
            notice=notice,
            about=about,
            lang=at.lang,
            informs=[(t, h) for t, h in key["informs"]],
            font_cache=site / FONT_CACHE,
        )
        if at.in_run:  # publishing recorded runs later leaves their folders as they were
            atomic_write_text(at.run_dir / f"{result.name}.html", page)
        atomic_write_text(site / rel, page)
        result.report = rel
        (site / failure_path(spec.name, result.name)).unlink(missing_ok=True)
        return key
    if result.status == "ok":  # nothing to render a report from
        result.status = "failed"
        result.reason = result.reason or "the executed notebook is missing"
    rel = failure_path(spec.name, result.name)
    page = site_mod.failure_page(
        pipeline=spec.name,
        task=result.name,
        run_id=at.run_id,
        notebook=result.notebook,
        parameters=result.parameters,
        error=error_of(nb) if nb is not None else None,
        reason=result.reason or "the notebook did not finish",
        last_good=at.last_good,
        executed_notebook=relative(at.run_dir / result.output_notebook, site.parent)
        if result.output_notebook
        else None,
        lang=at.lang,
        font_cache=site / FONT_CACHE,
    )
    atomic_write_text(site / rel, page)
    result.failure_page = rel
    return None


def _page_key(
    spec: PipelineSpec | _RecordedSpec, task: str, run_id: str, lang: str
) -> dict[str, Any]:
    """What a report page is made from besides its run: the language and the policies it
    informs (a policy file added later links an unchanged evaluation to its dashboard)."""
    informs = [[t, h] for t, h in _policies_informed(spec, task, lang)]
    return {"run_id": run_id, "lang": lang, "informs": informs}


def _policies_informed(
    spec: PipelineSpec | _RecordedSpec, task: str, lang: str
) -> list[tuple[str, str | None]]:
    """The policies (``pipelines/policies/*.yaml``) with a link whose evidence is this task, as
    (title, href of the KPI dashboard that shows the policy, when this pipeline has one).

    The files are read as plain YAML (``ebpm check`` validates them); a file that does not
    read is skipped here."""
    folder = Path(spec.root) / "pipelines" / "policies"
    if not folder.is_dir():
        return []
    dashboards: dict[Path, str] = {}
    for name, params in _task_parameters(spec).items():
        file = params.get("policy_file")
        if isinstance(file, str):
            dashboards.setdefault((Path(spec.root) / file).resolve(), name)
    out = []
    for path, titles, cited in _policies(folder):
        if (spec.name, task) in cited:
            title = (titles[1] if lang == "ja" else None) or titles[0] or path.stem
            dashboard = dashboards.get(path.resolve())
            out.append((title, f"{dashboard}.html" if dashboard else None))
    return out


def _policies(folder: Path) -> list[tuple[Path, tuple[str, str], frozenset[tuple[str, str]]]]:
    """Each policy file of ``folder``: (path, (title, title_ja), the (pipeline, task) pairs its
    links cite as evidence). Read once per state of the folder's files (each task's report
    asks; YAML parsing is the slow part)."""
    files = sorted(folder.glob("*.y*ml"))
    stamp = tuple((str(f), *_stat(f)) for f in files)
    return _read_policies(stamp)


def _stat(path: Path) -> tuple[int, int]:
    try:
        st = path.stat()
    except OSError:
        return (-1, -1)
    return (st.st_mtime_ns, st.st_size)


@functools.lru_cache(maxsize=8)
def _read_policies(
    stamp: tuple[tuple[str, int, int], ...],
) -> list[tuple[Path, tuple[str, str], frozenset[tuple[str, str]]]]:
    import yaml

    from ebpm import _yaml

    out = []
    for name, _mtime, _size in stamp:
        path = Path(name)
        try:
            data = _yaml.safe_load(path.read_text(encoding="utf-8")) or {}
            links = [lk for lk in data.get("links") or [] if isinstance(lk, dict)]
        except (OSError, yaml.YAMLError, AttributeError):
            continue
        cited = frozenset(
            (str(lk["evidence"].get("pipeline")), str(lk["evidence"].get("task")))
            for lk in links
            if isinstance(lk.get("evidence"), dict)
        )
        titles = (str(data.get("title") or ""), str(data.get("title_ja") or ""))
        out.append((path, titles, cited))
    return out


def _write_downloads(
    result: TaskResult, run_dir: Path, folder: Path, lang: str = "en"
) -> dict[str, str]:
    """Beside a report: the executed notebook, the result as JSON and its table as CSV.
    Returns {label: href relative to the report}."""
    import csv
    import io

    from ebpm._lang import SITE, words

    w = words(SITE, lang)
    out: dict[str, str] = {}
    if result.output_notebook:
        name = f"{result.name}.ipynb"
        atomic_write_text(folder / name, (run_dir / result.output_notebook).read_text("utf-8"))
        out[w["dl_notebook"]] = name
    if result.headline:
        name = f"{result.name}.result.json"
        atomic_write_text(
            folder / name, json.dumps(result.headline, ensure_ascii=False, indent=1) + "\n"
        )
        out[w["dl_result"]] = name
        rows = result.headline.get("table") or []
        if rows and all(isinstance(r, dict) for r in rows):
            columns = list(dict.fromkeys(k for r in rows for k in r))
            buf = io.StringIO()
            writer = csv.DictWriter(buf, fieldnames=columns, lineterminator="\n")
            writer.writeheader()
            writer.writerows(rows)
            name = f"{result.name}.csv"
            atomic_write_text(folder / name, "\ufeff" + buf.getvalue())
            out[w["dl_table"]] = name
    return out


def _write_releases(task: str, nb: Any, folder: Path, lang: str = "en") -> dict[str, str]:
    """Beside a report, the microdata it releases (``report.microdata``), the very CSV the gate
    checked (:func:`ebpm.site.render.check_disclosure`): {label: file name}."""
    from ebpm._lang import SITE, words
    from ebpm._protocol import MICRODATA_MIME

    marks = [m for m in history.outputs_of(nb, MICRODATA_MIME) if m.get("csv") is not None]
    out: dict[str, str] = {}
    for i, mark in enumerate(marks, start=1):
        name = f"{task}.microdata.csv" if len(marks) == 1 else f"{task}.microdata-{i}.csv"
        atomic_write_text(folder / name, str(mark["csv"]))
        out[words(SITE, lang)["dl_microdata"].format(name=mark.get("name"))] = name
    # a release an earlier report published and this one does not: not left on the site
    ours = re.compile(re.escape(task) + r"\.microdata(-\d+)?\.csv")
    for old in folder.glob(f"{task}.microdata*.csv"):
        if ours.fullmatch(old.name) and old.name not in out.values():
            old.unlink(missing_ok=True)
    return out


def _write_exports(result: TaskResult, at: _Page, nb: Any, folder: Path) -> dict[str, str]:
    """Beside a report, the PDF and Word documents the site asks for (``ebpm publish
    --formats``, :func:`set_site_formats`): {label: file name}."""
    from ebpm import site as site_mod
    from ebpm.pipeline.export import write_formats

    formats = site_mod.load_state(at.site).get("formats") or []
    return write_formats(
        nb,
        formats,
        folder,
        pipeline=at.spec.name,
        task=result.name,
        run_id=at.run_id,
        record={
            "parameters": result.parameters,
            "datasets": result.datasets,
            "finished_at": result.finished_at,
        },
        git=at.git,
        versions=at.versions,
        lang=at.lang,
    )


def set_site_formats(site: Path, formats: list[str]) -> None:
    """Write the reports of the site as ``formats`` ("pdf", "docx") beside each report from now
    on, linked from its downloads (``[]``: none)."""
    from ebpm import site as site_mod
    from ebpm.pipeline.export import check_formats

    formats = check_formats(formats, name="--formats")
    site.mkdir(parents=True, exist_ok=True)
    with _site_lock(site):
        state = site_mod.load_state(site)
        state["formats"] = formats
        site_mod.save_state(site, state)


def set_site_language(site: Path, lang: str) -> None:
    """Make ``lang`` ("en" or "ja") the language of the site's pages from now on."""
    from ebpm import site as site_mod

    site_mod.words(lang)  # a clear error for an unknown language
    site.mkdir(parents=True, exist_ok=True)
    with _site_lock(site):
        state = site_mod.load_state(site)
        state["lang"] = lang
        site_mod.save_state(site, state)


def _recorded_result(
    m: dict[str, Any] | None, task: str, run_id: str, runs: Path, *, status: str | None = None
) -> TaskResult:
    """The task's record in run ``run_id``'s manifest as a :class:`TaskResult` (``status``
    overrides: an unchanged copy of a good result is that result)."""
    rec = next((t for t in (m or {}).get("tasks", []) if t.get("name") == task), None) or {}
    fields = {k: v for k, v in rec.items() if k in TaskResult.__dataclass_fields__}
    fields.setdefault("name", task)
    fields.setdefault("group", task)
    fields.setdefault("notebook", "")
    fields.setdefault("parameters", {})
    if status is not None:
        fields["status"] = status
    if fields.get("status") == "ok":
        fields["output_notebook"] = f"{task}.ipynb"
    result = TaskResult(**fields)
    run_dir = runs / run_id
    if result.output_notebook and not (run_dir / result.output_notebook).is_file():
        result.output_notebook = None
        if result.status == "ok":
            result.status = "failed"
            result.reason = f"the executed notebook of run {run_id} is gone from {run_dir}"
    return result


def _render_recorded(
    result: TaskResult,
    spec: PipelineSpec | _RecordedSpec,
    run_id: str,
    runs: Path,
    site: Path,
    m: dict[str, Any] | None,
    last_good: str | None = None,
    pending: list[tuple[str, dict[str, Any], str | None]] | None = None,
) -> None:
    m = m or {}
    render_task(
        result,
        spec,
        run_id,
        runs / run_id,
        site,
        git=m.get("git"),
        versions=m.get("versions"),
        last_good=last_good,
        in_run=False,
        pending=pending,
    )


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
