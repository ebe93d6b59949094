"""``ebpm run``, ``ebpm check``, ``ebpm runs``, ``ebpm rerun`` and ``ebpm publish``."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from ebpm._version import __version__
from ebpm.cli._base import _OUT, CONTEXT, _param_option, boundary, main
from ebpm.cli._display import (
    MISSING_ESTIMATE,
    _estimate_missing,
    _RunDisplay,
    _short,
    _shown,
    _specs_in,
    _summary,
)


def _run_one(spec: Path, display: _RunDisplay | None = None, **kwargs: Any) -> Any:
    from ebpm.pipeline.runner import run_pipeline

    tty = sys.stdout.isatty()
    display = display or _RunDisplay(tty=tty)
    click.echo(f"ebpm {__version__}: running {spec}")
    try:
        result = run_pipeline(spec, progress=display, **kwargs)
    finally:
        display.close()
    click.echo()
    _summary(result)
    return result


def _raise_for(results: list[Any]) -> None:
    from ebpm.errors import RunCancelledError, TaskFailedError

    if any(r.cancelled for r in results):
        raise RunCancelledError(
            "the run was cancelled; the tasks that finished were published, the others keep "
            "their last good report. Run the same command again to finish (unchanged tasks are "
            "skipped)."
        )
    failed = [t for r in results for t in r.failed]
    if failed:
        names = ", ".join(t.name for t in failed)
        site = results[0].site_dir / "failures"
        raise TaskFailedError(
            f"{len(failed)} task(s) did not succeed: {names}; see the failure pages in {site} "
            "(the last good reports are kept)"
        )


def _jobs_option(func: Callable[..., Any]) -> Callable[..., Any]:
    func = click.option(
        "--scheduler",
        "--dask",
        "scheduler",
        metavar="local|tcp://HOST:PORT",
        help="Run the tasks on Dask: `local` starts a LocalCluster of --jobs workers; an address "
        "uses a running scheduler (its workers need ebpm and the project at the same path).",
    )(func)
    return click.option(
        "--jobs",
        "-j",
        type=click.IntRange(min=1),
        default=None,
        help="Tasks at a time (default: the number of cores).",
    )(func)


@main.command(context_settings=CONTEXT)
@click.argument("pipelines", nargs=-1, type=click.Path(path_type=Path))
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("."),
    show_default=True,
    help="Folder for runs/<pipeline>/<run-id>/ and site/.",
)
@_param_option(
    "Set a parameter in every task whose notebook declares it (VALUE is read as YAML: 3, 0.5, "
    "true, [a, b])."
)
@_jobs_option
@click.option("--force", is_flag=True, help="Rerun every task, even those that did not change.")
@click.option(
    "--task",
    "-t",
    "only",
    multiple=True,
    metavar="NAME",
    help="Run only this task (a task name or a spec task name); repeatable.",
)
@click.option(
    "--due",
    is_flag=True,
    help="Run only the pipelines whose schedule fired since their last successful run "
    "(default PIPELINES: every spec in pipelines/). What cron calls.",
)
@click.option(
    "--lang",
    type=click.Choice(["en", "ja"]),
    default=None,
    help="Language of the site's pages (kept for later runs; default: as before, else en).",
)
@click.option(
    "--refresh-data/--no-refresh-data",
    default=None,
    help="Download remote datasets again before deciding what changed, to pick up a "
    "publisher's revision (default: on with --due, off otherwise).",
)
@boundary
def run(
    pipelines: tuple[Path, ...],
    out_dir: Path,
    params: dict[str, Any],
    jobs: int | None,
    scheduler: str | None,
    force: bool,
    only: tuple[str, ...],
    due: bool,
    lang: str | None,
    refresh_data: bool | None,
) -> None:
    """Run the notebooks of PIPELINES (spec files or folders) and rebuild the report site.

    Before any kernel starts, every task's parameters are checked and coerced against its
    notebook's parameters cell. A task is skipped when nothing it depends on changed since its
    last good run (notebook, parameters, the data it loaded, the installed packages); its report
    stays. The others run in parallel. A task that fails does not stop the others; its last good
    report stays published and the site shows a failure page. Ctrl-C cancels cleanly.

    Exits 1 if any task failed, 130 if the run was cancelled.

    \b
    Examples:
      ebpm run pipelines/demo.yaml
      ebpm run pipelines/demo.yaml -j 4 -p vcov hetero
      ebpm run pipelines/demo.yaml --task prop99 --force
      ebpm run pipelines/demo.yaml --dask local        (or --scheduler tcp://HOST:8786)
      ebpm run --due                      every pipeline whose schedule fired
    """
    if not pipelines:
        if not due:
            raise click.UsageError(
                "give a pipeline spec, e.g. `ebpm run pipelines/demo.yaml` (or `--due` to run "
                "every pipeline whose schedule fired)"
            )
        pipelines = (Path("pipelines"),)
    specs = _specs_in(pipelines)
    broken: list[Path] = []
    if due:
        specs, broken = _due_specs(specs, out_dir)
    from ebpm.pipeline.forkserver import shared

    results = []
    with shared():  # kernels of the later pipelines fork from what the first preloaded
        for spec in specs:
            result = _run_one(
                spec,
                out_dir=out_dir,
                parameters=params,
                jobs=jobs,
                scheduler=scheduler,
                force=force,
                tasks=list(only) or None,
                refresh_data=due if refresh_data is None else refresh_data,
                lang=lang,
            )
            results.append(result)
    _raise_for(results)
    if broken:
        from ebpm.errors import SpecError

        raise SpecError(
            f"{len(broken)} spec(s) could not be read ({', '.join(map(str, broken))}); the "
            "others ran as scheduled. `ebpm check` lists what is wrong"
        )


def _due_specs(specs: list[Path], out_dir: Path) -> tuple[list[Path], list[Path]]:
    """The specs due now, and those that did not load; says each verdict in one line."""
    from ebpm.pipeline import schedule

    chosen, broken = [], []
    for verdict in schedule.due_pipelines(specs, out_dir=out_dir):
        if verdict.error is not None:  # one broken spec must not stop the others' schedules
            click.secho(f"error: {verdict.error}", fg="red", err=True)
            broken.append(verdict.path)
        elif verdict.due:
            click.echo(f"{verdict.pipeline}: due ({verdict.reason})")
            chosen.append(verdict.path)
        else:
            click.echo(
                f"{verdict.pipeline}: {verdict.reason}" if verdict.pipeline else verdict.reason
            )
    return chosen, broken


# --- check -----------------------------------------------------------------------------------
@main.command(context_settings=CONTEXT)
@click.argument("paths", nargs=-1, type=click.Path(exists=True, path_type=Path))
@boundary
def check(paths: tuple[Path, ...]) -> None:
    """Check pipeline specs, notebooks' parameters cells and catalogs without running anything.

    PATHS are spec files or folders (default: pipelines/, notebooks/ and catalogs/ of the
    current project). Every problem is listed with its file and line; exits 1 if any is an
    error.

    \b
    Example:
      ebpm check
      ebpm check pipelines/demo.yaml
    """
    from ebpm.errors import SpecError
    from ebpm.pipeline.check import check_paths

    default = [p for p in ("pipelines", "notebooks", "catalogs") if Path(p).is_dir()]
    if not paths and not default:
        raise click.UsageError(
            "no pipelines/, notebooks/ or catalogs/ here; run it in the project folder or give "
            "the paths to check"
        )
    problems = check_paths(list(paths) or default)
    errors = [p for p in problems if p.level == "error"]
    for p in problems:
        click.secho(f"{p.level}: {p}", fg="red" if p.level == "error" else "yellow")
    if errors:
        raise SpecError(f"{len(errors)} error(s) found; nothing was run")
    click.secho(
        f"ok: no errors ({len(problems)} warning(s))" if problems else "ok: no problems found",
        fg="green",
    )


# --- history ---------------------------------------------------------------------------------
@main.group(context_settings=CONTEXT, short_help="List and inspect recorded runs.")
def runs() -> None:
    """Recorded runs: runs/<pipeline>/<run-id>/manifest.json."""


@runs.command("list", context_settings=CONTEXT)
@click.argument("pipeline", required=False)
@click.option("--limit", "-n", default=20, show_default=True, help="How many runs to show.")
@_OUT
@boundary
def runs_list(pipeline: str | None, limit: int, out_dir: Path) -> None:
    """List recorded runs, newest last (of PIPELINE, or of all)."""
    from ebpm.pipeline import history

    rows = history.list_runs(out_dir, pipeline=pipeline)
    if not rows:
        where = out_dir / "runs" / (pipeline or "")
        click.echo(f"no runs recorded under {where}")
        return
    for r in rows[-limit:]:
        counts = ", ".join(f"{n} {s}" for s, n in sorted(r.counts.items()))
        colour = {"ok": "green", "failed": "red", "cancelled": "yellow"}.get(r.status)
        click.echo(
            f"{click.style(r.run_id, bold=True)}  {r.pipeline:<16} "
            f"{click.style(f'{r.status:<9}', fg=colour)} {r.started_at or '?'}  "
            f"{(r.duration_s or 0):7.1f} s  {counts}"
        )


@runs.command("show", context_settings=CONTEXT)
@click.argument("run_id")
@_OUT
@boundary
def runs_show(run_id: str, out_dir: Path) -> None:
    """Show one run: its tasks, estimates, data and revisions (RUN_ID may be a prefix)."""
    from ebpm.pipeline import history

    m = history.find_run(out_dir, run_id)
    click.echo(f"run {m['run_id']} of {m['pipeline']} ({m.get('spec')}): {m['status']}")
    click.echo(
        f"  {m.get('started_at')} → {m.get('finished_at')}, {m.get('duration_s')} s; git "
        f"{(m.get('git') or {}).get('commit')}; "
        f"executor {(m.get('executor') or {}).get('kind', 'local')}"
    )
    if m.get("rerun_of"):
        click.echo(f"  a rerun of {m['rerun_of']}")
    for t in m.get("tasks", []):
        h = ((t.get("headline") or {}).get("headline")) or {}
        est = (
            f" estimate {_short(h['estimate'])} [{_short(h['conf_low'])}, {_short(h['conf_high'])}]"
            if h
            else ""
        )
        extra = (
            f" (unchanged since {t['unchanged_since']})"
            if t.get("status") == "unchanged"
            else f": {t['reason']}"
            if t.get("reason")
            else ""
        )
        status = t["status"]
        if status in ("ok", "unchanged") and _estimate_missing(t.get("headline")):
            status, est = "warning", f": {MISSING_ESTIMATE}"
        click.echo(f"  {status:<9} {t['name']}{est}{extra}")
        rev = t.get("revision")
        if rev:
            click.secho(
                f"            revised: {_short(rev['old']['estimate'])} in run "
                f"{rev['previous_run']} → {_short(rev['new']['estimate'])}; changed: "
                + (
                    ", ".join(str(c.get("what")) for c in rev["changed_inputs"])
                    or "nothing recorded"
                ),
                fg="yellow",
            )
    for d in m.get("datasets", []):
        from ebpm.report.evidence import data_identity

        ident = data_identity(d)
        click.echo(
            f"  data {d.get('entry')}{' ' + ident if ident else ''} ({d.get('source') or '?'})"
        )
    click.echo(f"  manifest: {m['_path']}")


@main.command(context_settings=CONTEXT)
@click.argument("run_id")
@_OUT
@_jobs_option
@click.option(
    "--allow-changed-data",
    is_flag=True,
    help="Run even if a dataset is no longer the one the run used (its sha256 differs).",
)
@boundary
def rerun(
    run_id: str, out_dir: Path, jobs: int | None, scheduler: str | None, allow_changed_data: bool
) -> None:
    """Run the tasks of run RUN_ID again, with the same parameters on the same data.

    The notebooks are today's (that is the point: rerun fixed code on the recorded inputs).
    Each dataset must still be the one the run used (same sha256): a revised download or a new
    package version stops the rerun, unless --allow-changed-data.
    """
    from ebpm.pipeline.runner import rerun_plan

    plan = rerun_plan(out_dir, run_id, allow_changed_data=allow_changed_data)
    result = _run_one(
        plan.spec,
        out_dir=out_dir,
        parameters=plan.overrides,
        jobs=jobs,
        scheduler=scheduler,
        force=True,
        tasks=plan.tasks,
        task_parameters=plan.task_parameters,
        rerun_of=plan.run_id,
    )
    _raise_for([result])


@main.command(context_settings=CONTEXT)
@click.argument("run_ids", nargs=-1)
@_OUT
@click.option(
    "--site",
    "site_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Where to write the site (default: OUT/site).",
)
@click.option(
    "--lang",
    type=click.Choice(["en", "ja"]),
    default=None,
    help="Language of the site's pages (kept for later runs; default: as before, else en).",
)
@click.option(
    "--formats",
    metavar="pdf,docx",
    default=None,
    help="Also write each report as PDF and/or Word beside it, linked from its downloads "
    "(kept for later runs; `none` stops).",
)
@boundary
def publish(
    run_ids: tuple[str, ...],
    out_dir: Path,
    site_dir: Path | None,
    lang: str | None,
    formats: str | None,
) -> None:
    """Rebuild the report site from recorded runs, without running anything.

    The site is a function of the recorded runs: the same runs give the same pages wherever
    and whenever they are published. By default every pipeline is published as its runs leave
    it; RUN_IDS (unique prefixes work) publish a pipeline as it stood after that run. `ebpm run`
    publishes as it goes; use this to rebuild a deleted or moved site, or to publish an earlier
    state.

    \b
    Example:
      ebpm publish
      ebpm publish 20261126T0600 --site /srv/www/evidence
      ebpm publish --lang ja                 pages in Japanese
      ebpm publish --formats pdf,docx        each report also as PDF and Word (ebpm export)
    """
    from ebpm.pipeline.runner import publish_runs

    t0 = time.perf_counter()
    pages = 0

    def show(event: Any) -> None:
        nonlocal pages
        pages += 1
        click.echo(f"  page {pages:>4}  {event.page}  (run {event.run_id})", err=True)

    chosen = None
    if formats is not None:
        chosen = [f.strip() for f in formats.split(",") if f.strip() and f.strip() != "none"]
    index = publish_runs(
        out_dir,
        list(run_ids) or None,
        site=site_dir,
        lang=lang,
        progress=show,
        formats=chosen,
    )
    click.echo(f"published {pages} page(s) in {time.perf_counter() - t0:.1f} s")
    shown = _shown(index)
    click.echo(f"report site: {shown}")
    click.echo(f"  or browse: {index.as_uri()}")
