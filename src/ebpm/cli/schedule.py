"""``ebpm schedule``: show, install and remove pipeline schedules."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from ebpm.cli._base import _OUT, CONTEXT, boundary, main
from ebpm.cli._display import _shown, _specs_in


# --- schedules -------------------------------------------------------------------------------
@main.group(context_settings=CONTEXT, short_help="Show, install and remove pipeline schedules.")
def schedule() -> None:
    """Pipeline schedules (a spec's `schedule:`, cron syntax, this machine's local time)."""


_SPECS = click.argument("pipelines", nargs=-1, type=click.Path(exists=True, path_type=Path))


def _scheduled(pipelines: tuple[Path, ...]) -> list[Any]:
    from ebpm.pipeline.spec import load_spec

    return [
        (path, spec)
        for path in _specs_in(pipelines or (Path("pipelines"),))
        for spec in [load_spec(path)]
        if spec.schedule
    ]


@schedule.command("list", context_settings=CONTEXT)
@_SPECS
@_OUT
@boundary
def schedule_list(pipelines: tuple[Path, ...], out_dir: Path) -> None:
    """When each pipeline runs next, in words (default: every spec in pipelines/)."""
    from datetime import datetime

    from ebpm.pipeline import schedule as sched

    now = datetime.now()
    found = _scheduled(pipelines)
    if not found:
        click.echo('no pipeline has a `schedule:`; add one to a spec, e.g. schedule: "0 6 1 * *"')
        return
    for path, spec in found:
        nxt = sched.next_runs(spec.schedule, after=now, n=1)[0]
        when = sched.last_scheduled_success(out_dir, spec.name)
        last = f"{when.astimezone():%Y-%m-%d %H:%M}" if when else None
        click.echo(
            f"{click.style(spec.name, bold=True)} ({_shown(path.resolve())}): "
            f"{sched.describe(spec.schedule)} [{spec.schedule}]"
        )
        click.echo(
            f"  next: {nxt:%Y-%m-%d %H:%M} ({sched.humanize(nxt, now=now)}); last successful "
            f"run: {last or 'never'}"
        )
    from ebpm.errors import ScheduleError

    try:
        block = sched.installed(Path.cwd())
    except ScheduleError as err:
        click.echo(f"crontab: cannot be read here ({err})")
        return
    click.echo(
        "crontab: installed (`ebpm schedule uninstall` removes it)"
        if block
        else "crontab: not installed (`ebpm schedule install` adds these to your crontab)"
    )


@schedule.command("install", context_settings=CONTEXT)
@_SPECS
@boundary
def schedule_install(pipelines: tuple[Path, ...]) -> None:
    """Add the schedules to your crontab, in one marked block for this project.

    Idempotent: running it again replaces the block; the rest of your crontab is kept as it is.
    Each line runs `ebpm run --due SPEC` from the project folder, logging to
    runs/<pipeline>/cron.log.
    """
    from ebpm.pipeline import schedule as sched

    root = Path.cwd().resolve()
    entries = [
        sched.CronEntry(
            pipeline=spec.name, spec=str(_rel_to(path.resolve(), root)), schedule=spec.schedule
        )
        for path, spec in _scheduled(pipelines)
    ]
    if not entries:
        raise click.UsageError("no pipeline has a `schedule:`; nothing to install")
    ebpm_cmd = (
        str(Path(sys.argv[0]).resolve())
        if Path(sys.argv[0]).name == "ebpm"
        else (str(Path(sys.executable).with_name("ebpm")))
    )
    result = sched.install(root, entries, ebpm=ebpm_cmd)
    click.echo(sched.installed(root) or "")
    click.echo("crontab updated" if result.changed else "crontab already up to date")


def _rel_to(path: Path, root: Path) -> Path:
    try:
        return path.relative_to(root)
    except ValueError:
        return path


@schedule.command("uninstall", context_settings=CONTEXT)
@boundary
def schedule_uninstall() -> None:
    """Remove this project's block from your crontab (nothing else is touched)."""
    from ebpm.pipeline import schedule as sched

    removed = sched.uninstall(Path.cwd().resolve())
    click.echo(
        "removed this project's schedules from your crontab"
        if removed
        else "this project had no block in your crontab"
    )


if __name__ == "__main__":  # pragma: no cover
    main()
