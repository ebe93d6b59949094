"""Scheduled reruns: cron expressions in words, when a pipeline is due, and the user's crontab.

A pipeline spec may say when it should rerun, as a cron expression read in this machine's local
time (the time zone the cron daemon uses)::

    schedule: "0 6 1 */3 *"   # 06:00 on the first day of every third month

:func:`parse` checks an expression against the syntax the system cron understands (five fields
of numbers, month and day names, ``*``, ``,``, ``-`` and ``/``, or one of the macros
``@hourly``, ``@daily``, ``@weekly``, ``@monthly``, ``@yearly``/``@annually``);
:func:`describe` says it in words; :func:`next_runs`, :func:`last_fire` and :func:`due` do the
calendar arithmetic; :func:`install` and :func:`uninstall` keep one marked block per project in
the user's crontab::

    # >>> ebpm /abs/project/root (managed by `ebpm schedule install`; edits inside are replaced) >>>
    # kpi: At 06:00, on day 1 of the month, every 3 months
    0 6 1 */3 * cd /abs/project/root && mkdir -p runs/kpi && /abs/.venv/bin/ebpm run --due ...
    # <<< ebpm /abs/project/root <<<

Everything outside that block (other projects' blocks, the user's own lines, comments,
``MAILTO=``) is kept byte for byte. Only this module runs ``crontab``; the command is taken
from the environment variable ``EBPM_CRONTAB`` (default ``crontab``), so tests point it at a fake.
"""

from __future__ import annotations

import logging
import os
import re
import shlex
import subprocess
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo
from pathlib import Path

from croniter import CroniterBadDateError, croniter
from dateutil.tz import tzlocal

from ebpm.errors import InvalidOptionError, ScheduleError, did_you_mean

__all__ = [
    "CronEntry",
    "Due",
    "DuePipeline",
    "InstallResult",
    "crontab_block",
    "describe",
    "due",
    "due_pipelines",
    "humanize",
    "install",
    "installed",
    "last_fire",
    "last_scheduled_success",
    "next_runs",
    "parse",
    "read_crontab",
    "uninstall",
    "write_crontab",
]

logger = logging.getLogger(__name__)

CRONTAB_ENV = "EBPM_CRONTAB"

_MACROS = {
    "@hourly": "0 * * * *",
    "@daily": "0 0 * * *",
    "@weekly": "0 0 * * 0",
    "@monthly": "0 0 1 * *",
    "@yearly": "0 0 1 1 *",
    "@annually": "0 0 1 1 *",
}
_FIELDS = ("minute", "hour", "day-of-month", "month", "day-of-week")
_BOUNDS = ((0, 59), (0, 23), (1, 31), (1, 12), (0, 7))
_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_DAYS = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")
_NAMES = {3: {m: i + 1 for i, m in enumerate(_MONTHS)}, 4: {d: i for i, d in enumerate(_DAYS)}}
_ITEM = re.compile(r"(?P<base>\*|[a-z0-9]+(?:-[a-z0-9]+)?)(?:/(?P<step>[0-9]+))?", re.IGNORECASE)
_NOT_CRON = re.compile(r"[lwh#?]", re.IGNORECASE)
_SYNTAX = (
    " (the system cron understands numbers, names such as jan or mon, `*`, `,`, `-` and `/`; "
    "L, W, #, ? and H are Quartz or croniter syntax it does not know)"
)
_HOW = (
    "Write five fields (minute hour day-of-month month day-of-week) or a macro "
    "(@hourly, @daily, @weekly, @monthly, @yearly), e.g. `0 6 * * 1` = 06:00 every Monday."
)
_STAMP = "%Y-%m-%d %H:%M"


# --- expressions ---------------------------------------------------------------------------
def _fail(expr: object, problem: str) -> ScheduleError:
    stop = " " if problem.endswith(("?", ".")) else ". "
    return ScheduleError(f"schedule {expr!r} is not a valid cron expression: {problem}{stop}{_HOW}")


def _value(expr: str, index: int, token: str) -> int:
    field = _FIELDS[index]
    low, high = _BOUNDS[index]
    if token.isdigit():
        number = int(token)
        if not low <= number <= high:
            raise _fail(expr, f"{field} {number} is out of range ({low}-{high})")
        return number
    hint = _SYNTAX if _NOT_CRON.search(token) else ""
    names = _NAMES.get(index)
    if names is None:
        raise _fail(expr, f"{field} {token!r} is not a number ({low}-{high}){hint}")
    if token.lower() not in names:
        kind = "month" if index == 3 else "day"
        raise _fail(
            expr,
            f"{field} {token!r} is not a number or a {kind} name ({', '.join(names)}){hint}."
            + did_you_mean(token.lower(), names),
        )
    return names[token.lower()]


def _check_field(expr: str, index: int, text: str) -> None:
    field = _FIELDS[index]
    low, high = _BOUNDS[index]
    for item in text.split(","):
        match = _ITEM.fullmatch(item)
        if match is None:
            raise _fail(
                expr,
                f"{field} {item!r} is not cron syntax{_SYNTAX}",
            )
        base, step = match["base"], match["step"]
        if step is not None and int(step) == 0:
            raise _fail(expr, f"{field} {item!r} has a step of 0")
        if base == "*":
            continue
        first, _, last = base.partition("-")
        start = _value(expr, index, first)
        if not last:
            if step is not None:  # `5/15`: croniter takes it, the system cron does not
                raise _fail(
                    expr,
                    f"{field} {item!r} has a step without a range; write `{first}-{high}/{step}`",
                )
            continue
        end = _value(expr, index, last)
        if end < start:
            raise _fail(
                expr,
                f"{field} range {base!r} runs backwards; write `{first}-{high},{low}-{last}`",
            )


def parse(expr: str) -> str:
    """Check a cron expression and return it normalised.

    Parameters
    ----------
    expr
        Five fields (``minute hour day-of-month month day-of-week``) in the syntax the system
        cron understands (numbers, ``jan``-``dec``, ``sun``-``sat``, ``*``, ``,``, ``-``,
        ``a-b/step``, ``*/step``; day of week 0 and 7 are Sunday) or one of ``@hourly``,
        ``@daily``, ``@weekly``, ``@monthly``, ``@yearly``, ``@annually``.

    Returns
    -------
    str
        The expression lower-cased with single spaces between fields, e.g.
        ``parse(" 0  6 1 */3 MON ") == "0 6 1 */3 mon"``.

    Raises
    ------
    ScheduleError
        The expression is empty, has the wrong number of fields, a value out of range, syntax
        only croniter or Quartz understand (``L``, ``W``, ``#``, ``?``, ``H``, ``5/15``), is
        ``@reboot``, or never fires (``0 0 30 2 *``). The message says which and gives an
        example.
    """
    if not isinstance(expr, str) or not expr.strip():
        raise _fail(expr, "it is empty" if isinstance(expr, str) else "it is not a string")
    fields = expr.split()
    if len(fields) == 1 and fields[0].startswith("@"):
        macro = fields[0].lower()
        if macro == "@reboot":
            raise _fail(expr, "@reboot runs at boot, not at times ebpm can check")
        if macro not in _MACROS:
            raise _fail(expr, f"unknown macro {macro!r}." + did_you_mean(macro, _MACROS))
        return macro
    if len(fields) != len(_FIELDS):
        extra = "; cron has no seconds or year field" if len(fields) > len(_FIELDS) else ""
        raise _fail(expr, f"it has {len(fields)} field{'s' * (len(fields) != 1)}, not 5{extra}")
    for index, text in enumerate(fields):
        _check_field(expr, index, text)
    normalised = " ".join(fields).lower()
    if not croniter.is_valid(normalised):  # a safety net; the checks above should catch all
        raise _fail(expr, "croniter rejects it")
    try:
        croniter(normalised, datetime(2000, 1, 1)).get_next(datetime)
    except CroniterBadDateError as err:
        raise _fail(
            expr,
            f"it never fires (no date has day-of-month {fields[2]} in month {fields[3]})",
        ) from err
    return normalised


def _fields(expr: str) -> str:
    expr = parse(expr)
    return _MACROS.get(expr, expr)


def describe(expr: str) -> str:
    """Say a cron expression in English words, with a 24-hour clock.

    The words are cron-descriptor's, e.g. ``"At 06:00, on day 1 of the month, every 3 months"``
    for ``0 6 1 */3 *``; a macro is described through its five fields (``@daily`` is
    ``"At 00:00"``).

    Raises
    ------
    ScheduleError
        ``expr`` is not valid (see :func:`parse`).
    """
    from cron_descriptor import ExpressionDescriptor

    return ExpressionDescriptor(
        _fields(expr), use_24hour_time_format=True, locale_code="en_US"
    ).get_description()


# --- calendar ------------------------------------------------------------------------------
def _local_zone() -> tzinfo:
    # dateutil's tzlocal follows the machine's DST rules (a fixed offset from
    # `datetime.now().astimezone()` would not); python-dateutil comes with croniter and pandas.
    return tzlocal()


def _aware(when: datetime) -> datetime:
    """``when`` itself if it has a time zone; a naive datetime is read as local time."""
    if when.tzinfo is None or when.utcoffset() is None:
        return when.replace(tzinfo=_local_zone())
    return when


def _tidy(when: datetime) -> datetime:
    """Clear the ``fold`` croniter may set on a time that is not ambiguous (it means nothing)."""
    plain = when.replace(fold=0)
    return plain if plain.utcoffset() == when.replace(fold=1).utcoffset() else when


def next_runs(expr: str, *, after: datetime, n: int = 1) -> list[datetime]:
    """The next ``n`` scheduled times strictly after ``after``.

    Parameters
    ----------
    expr
        A cron expression (see :func:`parse`).
    after
        Count from here. The schedule is read as wall-clock time in the time zone of ``after``;
        a naive datetime is this machine's local time, which is the zone cron uses. Pass
        ``datetime.now()`` (naive) rather than a UTC time to get what cron will do.
    n
        How many times to return (at least 1).

    Returns
    -------
    list of datetime
        Aware datetimes in the time zone of ``after``, earliest first.

    Raises
    ------
    ScheduleError
        ``expr`` is not valid.
    InvalidOptionError
        ``n`` is not a positive integer.
    """
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise InvalidOptionError(f"n must be a positive integer, got {n!r}; use n=1 or more")
    it = croniter(_fields(expr), _aware(after))
    return [_tidy(it.get_next(datetime)) for _ in range(n)]


def last_fire(expr: str, *, before: datetime) -> datetime:
    """The most recent scheduled time at or before ``before``.

    The schedule is read in the time zone of ``before`` (naive = local time); the result is an
    aware datetime in that zone. A ``before`` that is itself a scheduled minute returns it.

    Raises
    ------
    ScheduleError
        ``expr`` is not valid.
    """
    before = _aware(before)
    # cron works in whole minutes; croniter's get_prev is strictly earlier than its start, so
    # start one minute after the floor of `before` to include `before`'s own minute.
    start = before.replace(second=0, microsecond=0) + timedelta(minutes=1)
    return _tidy(croniter(_fields(expr), start).get_prev(datetime))


def humanize(when: datetime, *, now: datetime) -> str:
    """Say how far ``when`` is from ``now``: ``"in 5 minutes"``, ``"2 days ago"``, ``"just now"``.

    Within a minute either way is ``"just now"``. Otherwise the largest fitting unit, rounded
    down: minutes below an hour, hours below two days, days below two weeks, weeks below 60
    days, months (30 days) below a year, then years (365 days).
    """
    seconds = (_aware(when) - _aware(now)).total_seconds()
    size = abs(seconds)
    if size < 60:
        return "just now"
    days = size / 86400
    if size < 3600:
        count, unit = int(size // 60), "minute"
    elif days < 2:
        count, unit = int(size // 3600), "hour"
    elif days < 14:
        count, unit = int(days), "day"
    elif days < 60:
        count, unit = int(days // 7), "week"
    elif days < 365:
        count, unit = int(days // 30), "month"
    else:
        count, unit = int(days // 365), "year"
    span = f"{count} {unit}{'s' * (count != 1)}"
    return f"in {span}" if seconds > 0 else f"{span} ago"


@dataclass(frozen=True)
class Due:
    """Whether a scheduled pipeline should run now, and why.

    Attributes
    ----------
    due
        True when the schedule fired after the last successful run started, or there never was
        a successful run.
    fired_at
        The most recent scheduled time at or before ``now`` (in ``now``'s time zone).
    reason
        One sentence for logs and ``ebpm schedule list``.
    """

    due: bool
    fired_at: datetime | None
    reason: str


def due(expr: str, *, last_success: datetime | None, now: datetime) -> Due:
    """Decide whether a pipeline with schedule ``expr`` is due at ``now``.

    Parameters
    ----------
    expr
        The pipeline's cron expression.
    last_success
        When the last successful run *started* (naive = local time), or None if it never
        succeeded.
    now
        The current time; the schedule is read in its time zone. Pass ``datetime.now()``
        (naive = this machine's local time, the zone cron uses), not a UTC time.

    Returns
    -------
    Due
        ``due`` is True when the last scheduled time (:func:`last_fire` of ``now``) is later
        than ``last_success``, or when ``last_success`` is None (reason
        ``"never run successfully"``). Times in the reason are shown in ``now``'s time zone.

    Raises
    ------
    ScheduleError
        ``expr`` is not valid.
    """
    now = _aware(now)
    fired = last_fire(expr, before=now)
    if last_success is None:
        return Due(True, fired, "never run successfully")
    success = _aware(last_success).astimezone(now.tzinfo)
    # compare instants: with one tzinfo on both sides Python compares wall clocks, fold ignored
    if success.astimezone(UTC) < fired.astimezone(UTC):
        return Due(
            True,
            fired,
            f"fired at {fired:{_STAMP}}, after the last successful run ({success:{_STAMP}})",
        )
    (upcoming,) = next_runs(expr, after=now)
    relation = "after" if success.astimezone(UTC) > fired.astimezone(UTC) else "at"
    return Due(
        False,
        fired,
        f"not due: last success {success:{_STAMP}} is {relation} the last scheduled time "
        f"{fired:{_STAMP}}; next at {upcoming:{_STAMP}} ({humanize(upcoming, now=now)})",
    )


# --- crontab -------------------------------------------------------------------------------
@dataclass(frozen=True)
class CronEntry:
    """One scheduled pipeline: its name, spec path (relative to the project root), schedule."""

    pipeline: str
    spec: str
    schedule: str


@dataclass(frozen=True)
class InstallResult:
    """The crontab before and after :func:`install`; ``changed`` is False if nothing was written."""

    before: str
    after: str
    changed: bool


def _key(root: Path | str) -> str:
    key = str(Path(root).expanduser().resolve())
    if "\n" in key or "\r" in key:
        raise ScheduleError(
            f"project root {key!r} contains a line break, which a crontab line cannot hold; "
            "move the project to a folder without one"
        )
    return key


def _start_marker(key: str) -> str:
    return f"# >>> ebpm {key} (managed by `ebpm schedule install`; edits inside are replaced) >>>"


def _end_marker(key: str) -> str:
    return f"# <<< ebpm {key} <<<"


def _quote(value: str) -> str:
    # cron turns an unescaped % in the command into a newline, even inside shell quotes.
    return shlex.quote(value).replace("%", "\\%")


def crontab_block(root: Path, entries: list[CronEntry], *, ebpm: str) -> str:
    """The marked crontab block that reruns ``entries`` of the project at ``root``.

    Each entry gets a comment line (``# <pipeline>: <describe(schedule)>``) and a cron line that
    changes to the project root, makes ``runs/<pipeline>/`` (the shell opens the log before
    ebpm starts, so a missing folder would stop the job), and runs
    ``<ebpm> run --due <spec> >> runs/<pipeline>/cron.log 2>&1``. Every word is quoted with
    :func:`shlex.quote` and ``%`` is escaped for cron.

    Parameters
    ----------
    root
        The project root; written as an absolute path with symlinks resolved.
    entries
        The scheduled pipelines. An empty list gives ``""`` (nothing to schedule).
    ebpm
        The ebpm executable to run, best an absolute path (cron's ``PATH`` is minimal).

    Returns
    -------
    str
        The block, from its start marker to its end marker, ending in a newline.

    Raises
    ------
    ScheduleError
        A schedule is invalid, a pipeline appears twice, or a value holds a line break.
    """
    key = _key(root)
    if not entries:
        return ""
    lines = [_start_marker(key) + "\n"]
    seen: set[str] = set()
    for entry in entries:
        for label, value in (("pipeline", entry.pipeline), ("spec", entry.spec), ("ebpm", ebpm)):
            if "\n" in value or "\r" in value:
                raise ScheduleError(
                    f"{label} {value!r} contains a line break, which a crontab line cannot hold"
                )
        if entry.pipeline in seen:
            raise ScheduleError(
                f"pipeline {entry.pipeline!r} is listed twice; give each pipeline one entry"
            )
        seen.add(entry.pipeline)
        expr = parse(entry.schedule)
        log_dir = f"runs/{entry.pipeline}"
        command = (
            f"cd {_quote(key)} && mkdir -p {_quote(log_dir)} && {_quote(ebpm)} run --due "
            f"{_quote(entry.spec)} >> {_quote(log_dir + '/cron.log')} 2>&1"
        )
        lines.append(f"# {entry.pipeline}: {describe(expr)}\n")
        lines.append(f"{expr} {command}\n")
    lines.append(_end_marker(key) + "\n")
    return "".join(lines)


def _command() -> tuple[str, str]:
    cmd = os.environ.get(CRONTAB_ENV) or "crontab"
    where = f" (from {CRONTAB_ENV})" if os.environ.get(CRONTAB_ENV) else ""
    return cmd, where


@dataclass(frozen=True)
class _Output:
    returncode: int
    stdout: str
    stderr: str


def _decode(data: bytes) -> str:
    # surrogateescape keeps bytes that are not UTF-8 as they were, so writing back restores them
    return data.decode("utf-8", errors="surrogateescape")


def _run(args: list[str], stdin: str | None) -> _Output:
    cmd, where = _command()
    try:
        # bytes, not text mode: text mode would turn the user's "\r\n" into "\n"
        proc = subprocess.run(
            [cmd, *args],
            input=None if stdin is None else stdin.encode("utf-8", errors="surrogateescape"),
            capture_output=True,
            check=False,
            timeout=60,
        )
    except FileNotFoundError as err:
        raise ScheduleError(
            f"`{cmd}`{where} was not found; install cron (Debian: apt install cron) "
            f"or set {CRONTAB_ENV} to the crontab command"
        ) from err
    except PermissionError as err:
        raise ScheduleError(
            f"`{cmd}`{where} cannot be run (permission denied); make it executable "
            f"or set {CRONTAB_ENV} to the crontab command"
        ) from err
    except subprocess.TimeoutExpired as err:
        raise ScheduleError(
            f"`{cmd} {' '.join(args)}`{where} did not finish in 60 seconds; "
            "check that cron works with `crontab -l`"
        ) from err
    return _Output(proc.returncode, _decode(proc.stdout), _decode(proc.stderr))


def read_crontab() -> str:
    """The current user's crontab (``crontab -l``); ``""`` when there is none.

    Raises
    ------
    ScheduleError
        The crontab command is missing or fails for another reason than "no crontab for USER".
    """
    proc = _run(["-l"], None)
    if proc.returncode == 0:
        return proc.stdout
    if "no crontab for" in proc.stderr.lower():
        return ""
    cmd, where = _command()
    raise ScheduleError(
        f"`{cmd} -l`{where} failed (exit {proc.returncode}): {proc.stderr.strip() or 'no message'}"
    )


def write_crontab(text: str) -> None:
    """Replace the current user's crontab with ``text`` (``crontab -`` with text on stdin).

    Raises
    ------
    ScheduleError
        The crontab command is missing or refuses the text (cron names the bad line).
    """
    proc = _run(["-"], text)
    if proc.returncode != 0:
        cmd, where = _command()
        raise ScheduleError(
            f"`{cmd} -`{where} refused the new crontab (exit {proc.returncode}): "
            f"{proc.stderr.strip() or 'no message'}; nothing was changed"
        )


_ANY_START = re.compile(r"# >>> ebpm ")
_MANAGED = re.compile(r"(?: \(managed by .*\))? >>>")


def _lines(text: str) -> list[str]:
    """Split on ``\\n`` only, keeping the line ends, so ``"".join`` gives ``text`` back."""
    return re.findall(r"[^\n]*\n|[^\n]+\Z", text)


def _spans(lines: list[str], key: str) -> list[tuple[int, int]]:
    """Index pairs (start, end), both inclusive, of this project's blocks in ``lines``."""
    start, end = f"# >>> ebpm {key}", _end_marker(key)
    fix = (
        "; fix the crontab with `crontab -e` (delete the partial block or add the missing "
        "marker line), then run `ebpm schedule install` again"
    )
    spans: list[tuple[int, int]] = []
    i = 0
    while i < len(lines):
        text = lines[i].rstrip("\r\n")
        if text.startswith(start) and _MANAGED.fullmatch(text[len(start) :]):
            j = i + 1
            while j < len(lines) and lines[j].rstrip("\r\n") != end:
                if _ANY_START.match(lines[j]):
                    raise ScheduleError(
                        f"the crontab block of {key} that starts on line {i + 1} has no end "
                        f"line {end!r} before another ebpm block starts on line {j + 1}{fix}"
                    )
                j += 1
            if j == len(lines):
                raise ScheduleError(
                    f"the crontab block of {key} that starts on line {i + 1} has no end line "
                    f"{end!r}{fix}"
                )
            spans.append((i, j))
            i = j + 1
        elif text == end:
            raise ScheduleError(
                f"the crontab has the end line of {key}'s block on line {i + 1} without its "
                f"start line{fix}"
            )
        else:
            i += 1
    return spans


def _replace(text: str, key: str, block: str) -> str:
    lines = _lines(text)
    spans = _spans(lines, key)
    if not spans:
        if not block:
            return text
        if text and not text.endswith("\n"):
            text += "\n"
        return text + block
    keep: list[str] = []
    i = 0
    for number, (first, last) in enumerate(spans):
        keep.extend(lines[i:first])
        if number == 0:
            keep.append(block)
        i = last + 1
    keep.extend(lines[i:])
    return "".join(keep)


def install(root: Path, entries: list[CronEntry], *, ebpm: str) -> InstallResult:
    """Put this project's block into the user's crontab, replacing an earlier one.

    The block (:func:`crontab_block`) replaces this project's block where it stands, or is
    appended. Every other line is kept byte for byte. When the crontab already holds exactly
    this block nothing is written, so running it twice changes nothing the second time. An empty
    ``entries`` removes the block (nothing is scheduled any more).

    Returns
    -------
    InstallResult
        The crontab text before and after, and whether it changed.

    Raises
    ------
    ScheduleError
        The crontab command is missing or fails, this project's block in the crontab is broken
        (a start marker without an end marker, or the reverse), or an entry is invalid.
    """
    key = _key(root)
    block = crontab_block(Path(key), entries, ebpm=ebpm)
    before = read_crontab()
    after = _replace(before, key, block)
    changed = after != before
    if changed:
        write_crontab(after)
        logger.info("crontab: installed %d schedule(s) for %s", len(entries), key)
    return InstallResult(before=before, after=after, changed=changed)


def uninstall(root: Path) -> bool:
    """Remove this project's block from the user's crontab; True if there was one.

    Raises
    ------
    ScheduleError
        The crontab command is missing or fails, or this project's block is broken.
    """
    key = _key(root)
    before = read_crontab()
    after = _replace(before, key, "")
    if after == before:
        return False
    write_crontab(after)
    logger.info("crontab: removed the schedules of %s", key)
    return True


def installed(root: Path) -> str | None:
    """This project's block in the user's crontab, or None when it has none.

    Raises
    ------
    ScheduleError
        The crontab command is missing or fails, or this project's block is broken.
    """
    key = _key(root)
    lines = _lines(read_crontab())
    spans = _spans(lines, key)
    if not spans:
        return None
    return "".join("".join(lines[first : last + 1]) for first, last in spans)


# --- which pipelines are due (ebpm run --due) ---------------------------------------------------
@dataclass(frozen=True)
class DuePipeline:
    """The verdict on one spec for ``ebpm run --due``.

    Attributes
    ----------
    path
        The spec file.
    pipeline
        Its name, or None when the spec does not load.
    due
        Whether it should run now.
    reason
        Why (or why not), in words: ``"fired at 2026-12-07 06:00"``, ``"no schedule"``.
    error
        The spec's error when it does not load (one broken spec does not stop the others).
    """

    path: Path
    pipeline: str | None
    due: bool
    reason: str
    error: Exception | None = None


def last_scheduled_success(out_dir: str | Path, pipeline: str) -> datetime | None:
    """When the last complete successful run of ``pipeline`` started (local time), or None.

    A run of some tasks (``--task``) or with changed parameters (``-p``) does not count: it is
    not the run the schedule asks for.
    """
    from ebpm.pipeline import history

    started = [
        r.started_at
        for r in history.list_runs(out_dir, pipeline=pipeline)
        if r.status == "ok" and r.complete and r.started_at
    ]
    return datetime.fromisoformat(started[-1]) if started else None


def due_pipelines(
    specs: Iterable[str | Path], *, out_dir: str | Path = ".", now: datetime | None = None
) -> list[DuePipeline]:
    """Which of ``specs`` are due at ``now`` (default: this moment, local time, as cron reads
    schedules), given the runs recorded under ``out_dir``.

    Returns
    -------
    list of DuePipeline
        One per spec, in order: a spec without ``schedule:`` is not due; a spec that does not
        load is not due and carries its error.
    """
    from ebpm.errors import EbpmError
    from ebpm.pipeline.spec import load_spec

    now = now or datetime.now()
    out: list[DuePipeline] = []
    for path in map(Path, specs):
        try:
            spec = load_spec(path)
        except EbpmError as err:
            out.append(DuePipeline(path, None, False, str(err), err))
            continue
        if not spec.schedule:
            out.append(DuePipeline(path, spec.name, False, f"no schedule in {path}; skipped"))
            continue
        verdict = due(
            spec.schedule, last_success=last_scheduled_success(out_dir, spec.name), now=now
        )
        out.append(DuePipeline(path, spec.name, verdict.due, verdict.reason))
    return out
