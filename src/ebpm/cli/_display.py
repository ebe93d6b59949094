"""What ``ebpm run`` prints while a pipeline runs, and its summary."""

from __future__ import annotations

import math
import shutil
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

if TYPE_CHECKING:
    from ebpm.pipeline.events import (
        Cancelling,
        DataRefreshed,
        Event,
        Planned,
        TaskDone,
        TaskRetrying,
        TaskStarted,
        Tick,
    )


# --- run -------------------------------------------------------------------------------------
def _short(x: Any) -> str:
    if not isinstance(x, int | float) or not math.isfinite(x):
        return "missing"
    ax = abs(x)
    return f"{x:.4f}" if ax < 1 else f"{x:.3f}" if ax < 100 else f"{x:.1f}"


MISSING_ESTIMATE = (
    "estimate missing: the notebook published a result whose headline estimate is not a "
    "number (NaN); read its report to see why"
)


def _estimate_missing(headline: Any) -> bool:
    from ebpm.report.evidence import estimate_missing  # lazily: keep `ebpm --help` fast

    return estimate_missing(headline)


def _shown(path: Path) -> Path:
    try:
        return path.relative_to(Path.cwd().resolve())
    except ValueError:
        return path


class _RunDisplay:
    """Progress of a run: one line per finished task; on a terminal, also a live status line
    (done / running / failed, elapsed) that is redrawn in place."""

    def __init__(self, *, tty: bool) -> None:
        self.tty = tty
        self.t0 = time.perf_counter()
        self.total = 0
        self.done = 0
        self.failed = 0
        self.running: list[str] = []
        self._status_shown = False

    def _echo(self, text: str, nl: bool = True) -> None:
        # on a terminal, keep the escape codes that redraw the status line (click strips
        # them when it cannot tell the output is a terminal)
        click.echo(text, nl=nl, color=True if self.tty else None)

    def _clear(self) -> None:
        if self.tty and self._status_shown:
            self._echo("\r\x1b[K", nl=False)
            self._status_shown = False

    def _status(self) -> None:
        if not self.tty or self.total == 0:
            return
        names = ", ".join(self.running[:3]) + (" …" if len(self.running) > 3 else "")
        text = (
            f"[{self.done}/{self.total}] {len(self.running)} running"
            + (f" ({names})" if names else "")
            + (click.style(f" · {self.failed} failed", fg="red") if self.failed else "")
            + f" · {time.perf_counter() - self.t0:.0f} s"
        )
        width = shutil.get_terminal_size((100, 20)).columns
        self._echo("\r\x1b[K" + text[: max(20, width - 1)], nl=False)
        self._status_shown = True

    def line(self, text: str) -> None:
        self._clear()
        self._echo(text)
        self._status()

    def __call__(self, event: Event) -> None:
        """Show one progress event of the runner (:mod:`ebpm.pipeline.events`)."""
        from ebpm.pipeline import events as ev

        handlers: dict[type, Any] = {
            ev.Planned: self._on_plan,
            ev.Cancelling: self._on_cancel,
            ev.DataRefreshed: self._on_refresh,
            ev.TaskStarted: self._on_start,
            ev.TaskRetrying: self._on_retry,
            ev.Tick: self._on_tick,
            ev.TaskDone: self._on_done,
        }
        handler = handlers.get(type(event))
        if handler is not None:
            handler(event)

    def _on_plan(self, event: Planned) -> None:
        self.total = event.total
        unchanged = event.unchanged
        n_run = len(event.to_run)
        where = (
            f"{event.jobs} at a time"
            if event.executor == "local"
            else f"on Dask ({event.executor}, {event.jobs} workers)"
        )
        self.line(
            f"run {event.run_id}: {self.total} task(s); {n_run} to run {where}"
            + (f", {len(unchanged)} unchanged (--force reruns them)" if unchanged else "")
        )
        self.done = len(unchanged)
        if unchanged:
            self.line(click.style("  unchanged: ", dim=True) + ", ".join(unchanged))
        # why a task that ran well before runs again (a first run or --force says it all)
        again: dict[str, list[str]] = {}
        for name in event.to_run:
            why = event.reasons.get(name)
            if why and why not in ("never ran successfully", "--force"):
                again.setdefault(why, []).append(name)
        for why, names in again.items():
            self.line(click.style("  rerun: ", dim=True) + f"{', '.join(names)} ({why})")

    def _on_cancel(self, event: Cancelling) -> None:
        self.line(
            click.style(f"  {event.signal}: cancelling", fg="yellow")
            + f"; stopping {len(event.running)} running task(s), publishing nothing "
            "half-written (press Ctrl-C again to quit at once)"
        )

    def _on_refresh(self, event: DataRefreshed) -> None:
        if not event.ok:
            self.line(
                click.style("  fetch  ", fg="yellow")
                + f"{event.entry}: could not check the publisher ({event.reason}); "
                "the cached copy is used"
            )
        else:
            what = (
                f"revised (sha256 {str(event.old_sha256)[:12]} → {str(event.new_sha256)[:12]})"
                if event.revised
                else "unchanged at the publisher"
            )
            self.line(f"  fetch  {event.entry}: {what}")

    def _on_start(self, event: TaskStarted) -> None:
        self.running.append(event.task)
        if not self.tty:
            self.line(f"  start  {event.task}")
        else:
            self._status()

    def _on_retry(self, event: TaskRetrying) -> None:
        self.line(
            click.style("  retry  ", fg="yellow")
            + f"{event.task} (attempt {event.attempt} in {event.delay:.0f} s): "
            + str(event.reason)
        )

    def _on_tick(self, event: Tick) -> None:
        self.running = list(event.running)
        self._status()

    def _on_done(self, event: TaskDone) -> None:
        r = event.result
        if r.status == "unchanged":
            return  # listed with the plan
        if r.name in self.running:
            self.running.remove(r.name)
        self.done += 1
        secs = f"{r.duration_s:.1f} s" if r.duration_s is not None else ""
        if r.status == "ok" and _estimate_missing(r.headline):
            self.line(
                click.style("  WARN   ", fg="yellow") + f"{r.name} ({secs}): {MISSING_ESTIMATE}"
            )
        elif r.status == "ok":
            headline = r.headline or {}
            h = headline.get("headline")
            est = ""
            if h:
                estimand = str(headline.get("estimand", ""))
                est = (
                    f"  {estimand if len(estimand) <= 12 else 'estimate'} "
                    f"{_short(h['estimate'])} "
                    f"[{_short(h['conf_low'])}, {_short(h['conf_high'])}]"
                )
            rev = ""
            if r.revision:
                o, n = r.revision["old"], r.revision["new"]
                rev = click.style(
                    f"  REVISED: was {_short(o['estimate'])} in run "
                    f"{r.revision['previous_run']}, now {_short(n['estimate'])}",
                    fg="yellow",
                )
            retried = f", {r.attempts} attempts" if r.attempts > 1 else ""
            self.line(
                click.style("  ok     ", fg="green") + f"{r.name} ({secs}{retried}){est}{rev}"
            )
        else:
            self.failed += 1
            label = {"failed": "FAILED ", "cancelled": "cancel ", "blocked": "blocked"}
            self.line(
                click.style(f"  {label.get(r.status, r.status)}", fg="red")
                + f"{r.name}"
                + (f" ({secs})" if r.status == "failed" else "")
                + f": {r.reason}"
            )

    def close(self) -> None:
        self._clear()


def _specs_in(paths: tuple[Path, ...]) -> list[Path]:
    out: list[Path] = []
    for p in paths:
        if p.is_dir():
            out += sorted(p.glob("*.yaml")) + sorted(p.glob("*.yml"))
        else:
            out.append(p)
    return out


def _summary(result: Any) -> None:
    index = result.index
    counts = (
        f"{len(result.tasks) - len(result.failed) - len(result.skipped)} ran ok, "
        f"{len(result.skipped)} unchanged, {len(result.failed)} not ok"
    )
    click.echo(f"run {result.run_id}: {counts}, {result.duration_s:.1f} s")
    if result.revisions:
        click.secho(
            f"revised estimates: {', '.join(t.name for t in result.revisions)} "
            "(old and new values are in the manifest and at the top of each report)",
            fg="yellow",
        )
    missing = [t.name for t in result.tasks if t.status == "ok" and _estimate_missing(t.headline)]
    if missing:
        click.secho(
            f"estimate missing: {', '.join(missing)} (the headline estimate is NaN; read the "
            "report; the next run reruns them)",
            fg="yellow",
        )
    click.echo(f"manifest:    {_shown(result.manifest)}")
    shown = _shown(index)
    click.echo(f"report site: {shown}")
    click.echo(
        f"  open it:   python -m http.server -d {shown.parent}   (then http://127.0.0.1:8000/)"
    )
    click.echo(f"  or browse: {index.as_uri()}")
