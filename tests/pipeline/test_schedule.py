"""Tests of ebpm.pipeline.schedule: cron expressions, due computation, crontab blocks.

No test touches the real crontab: the autouse ``fake_crontab`` fixture points ``EBPM_CRONTAB`` at
a small shell script that keeps the "crontab" in a file under ``tmp_path`` and logs each call.
"""

from __future__ import annotations

import os
import stat
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from ebpm.errors import InvalidOptionError, ScheduleError, SpecError
from ebpm.pipeline.schedule import (
    CronEntry,
    Due,
    crontab_block,
    describe,
    due,
    humanize,
    install,
    installed,
    last_fire,
    next_runs,
    parse,
    read_crontab,
    uninstall,
    write_crontab,
)
from tests.conftest import FakeCrontab

TOKYO = ZoneInfo("Asia/Tokyo")  # no DST, so wall-clock arithmetic is exact
EBPM = "/opt/venv/bin/ebpm"


@pytest.fixture(autouse=True)
def _fake_crontab(fake_crontab: FakeCrontab, monkeypatch: pytest.MonkeyPatch) -> FakeCrontab:
    """Every test here uses the fake `crontab` (conftest), never the user's real one."""
    return fake_crontab


@pytest.fixture
def project(tmp_path) -> Path:
    root = tmp_path / "policy project"
    (root / "pipelines").mkdir(parents=True)
    return root.resolve()


KPI = CronEntry(pipeline="kpi", spec="pipelines/kpi.yaml", schedule="0 6 1 */3 *")
WEEKLY = CronEntry(pipeline="weekly", spec="pipelines/weekly.yaml", schedule="30 8 * * 1-5")


# --- parse ---------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("expr", "expected"),
    [
        ("0 6 1 */3 *", "0 6 1 */3 *"),
        ("  0   6 1  */3 *  ", "0 6 1 */3 *"),
        ("0 6 * JAN-MAR Mon-Fri", "0 6 * jan-mar mon-fri"),
        ("0 9 * * 7", "0 9 * * 7"),
        ("0,30 8-18/2 1-15 * *", "0,30 8-18/2 1-15 * *"),
        ("0 0 29 2 *", "0 0 29 2 *"),  # leap days do come
        ("@Daily", "@daily"),
        ("@annually", "@annually"),
    ],
)
def test_parse_normalises(expr, expected):
    assert parse(expr) == expected


@pytest.mark.parametrize(
    ("expr", "message"),
    [
        ("0 6 * *", r"'0 6 \* \*' .*it has 4 fields, not 5"),
        ("0 0 6 * * *", r"6 fields, not 5; cron has no seconds or year field"),
        ("61 * * * *", r"minute 61 is out of range \(0-59\)"),
        ("0 24 * * *", r"hour 24 is out of range \(0-23\)"),
        ("0 0 0 * *", r"day-of-month 0 is out of range \(1-31\)"),
        ("0 0 * 13 *", r"month 13 is out of range \(1-12\)"),
        ("0 0 * * 8", r"day-of-week 8 is out of range \(0-7\)"),
        ("0 0 L * *", r"day-of-month 'L' is not a number .*L, W, #, \? and H are"),
        ("0 0 * * 1#2", r"day-of-week '1#2' is not cron syntax"),
        ("5/15 * * * *", r"minute '5/15' has a step without a range; write `5-59/15`"),
        ("*/0 * * * *", r"minute '\*/0' has a step of 0"),
        ("0 22-2 * * *", r"hour range '22-2' runs backwards; write `22-23,0-2`"),
        ("0 6 * * monday", r"day-of-week 'monday' is not a number or a day name .* 'mon'\?"),
        ("0 0 31 4 *", r"it never fires \(no date has day-of-month 31 in month 4\)"),
        ("@dayly", r"unknown macro '@dayly'\. Did you mean one of '@daily'"),
        ("@reboot", r"@reboot runs at boot"),
        ("   ", r"it is empty"),
    ],
)
def test_parse_errors_say_what_and_how(expr, message):
    with pytest.raises(ScheduleError, match=message) as info:
        parse(expr)
    assert "`0 6 * * 1` = 06:00 every Monday" in str(info.value)
    assert isinstance(info.value, SpecError)
    assert isinstance(info.value, ValueError)


# --- describe ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("expr", "words"),
    [
        ("0 6 1 */3 *", "At 06:00, on day 1 of the month, every 3 months"),
        ("0 6 * * 1", "At 06:00, only on Monday"),
        ("0 18 * * 7", "At 18:00, only on Sunday"),
        ("30 8 * * 1-5", "At 08:30, Monday through Friday"),
        ("*/15 * * * *", "Every 15 minutes"),
        (
            "0 9 1 1,4,7,10 *",
            "At 09:00, on day 1 of the month, only in January, April, July, and October",
        ),
        ("@daily", "At 00:00"),
        ("@weekly", "At 00:00, only on Sunday"),
        ("@monthly", "At 00:00, on day 1 of the month"),
    ],
)
def test_describe(expr, words):
    assert describe(expr) == words


def test_describe_rejects_an_invalid_expression():
    with pytest.raises(ScheduleError, match=r"minute 99 is out of range"):
        describe("99 * * * *")


# --- next_runs / last_fire -----------------------------------------------------------------
def test_next_runs_are_strictly_after_and_in_the_zone_of_after():
    runs = next_runs("0 6 1 */3 *", after=datetime(2026, 7, 1, 6, 0, tzinfo=TOKYO), n=3)
    assert runs == [
        datetime(2026, 10, 1, 6, 0, tzinfo=TOKYO),
        datetime(2027, 1, 1, 6, 0, tzinfo=TOKYO),
        datetime(2027, 4, 1, 6, 0, tzinfo=TOKYO),
    ]
    assert all(r.tzinfo is TOKYO for r in runs)


def test_next_runs_weekdays_and_macros():
    friday_noon = datetime(2026, 5, 15, 12, 0, tzinfo=TOKYO)  # a Friday
    assert next_runs("30 8 * * 1-5", after=friday_noon, n=2) == [
        datetime(2026, 5, 18, 8, 30, tzinfo=TOKYO),  # Monday
        datetime(2026, 5, 19, 8, 30, tzinfo=TOKYO),
    ]
    assert next_runs("@monthly", after=friday_noon) == [datetime(2026, 6, 1, 0, 0, tzinfo=TOKYO)]


def test_next_runs_reads_a_naive_time_as_local_time():
    (run,) = next_runs("0 6 * * *", after=datetime(2026, 4, 1, 7, 0))
    assert run.utcoffset() is not None
    assert run.replace(tzinfo=None) == datetime(2026, 4, 2, 6, 0)


def test_next_runs_in_utc_is_a_different_instant_than_in_tokyo():
    (utc,) = next_runs("0 6 * * *", after=datetime(2026, 4, 1, 0, 0, tzinfo=UTC))
    (tokyo,) = next_runs("0 6 * * *", after=datetime(2026, 4, 1, 9, 0, tzinfo=TOKYO))
    assert utc == datetime(2026, 4, 1, 6, 0, tzinfo=UTC)
    assert tokyo == datetime(2026, 4, 2, 6, 0, tzinfo=TOKYO)
    assert tokyo - utc == timedelta(hours=15)


@pytest.mark.parametrize("n", [0, -1, 1.5, True])
def test_next_runs_needs_a_positive_n(n):
    with pytest.raises(InvalidOptionError, match=r"n must be a positive integer, got"):
        next_runs("@daily", after=datetime(2026, 1, 1, tzinfo=TOKYO), n=n)


@pytest.mark.parametrize(
    ("before", "expected"),
    [
        (datetime(2026, 10, 1, 6, 0), datetime(2026, 10, 1, 6, 0)),  # a fire time counts
        (datetime(2026, 10, 1, 6, 0, 59, 999999), datetime(2026, 10, 1, 6, 0)),
        (datetime(2026, 10, 1, 5, 59, 59, 999999), datetime(2026, 7, 1, 6, 0)),
        (datetime(2026, 12, 31, 23, 59), datetime(2026, 10, 1, 6, 0)),
        (datetime(2027, 1, 1, 6, 1), datetime(2027, 1, 1, 6, 0)),
    ],
)
def test_last_fire_is_at_or_before(before, expected):
    got = last_fire("0 6 1 */3 *", before=before.replace(tzinfo=TOKYO))
    assert got == expected.replace(tzinfo=TOKYO)
    assert got.tzinfo is TOKYO
    assert got.fold == 0


def test_last_fire_every_quarter_hour():
    before = datetime(2026, 3, 3, 10, 44, 30, tzinfo=TOKYO)
    assert last_fire("*/15 * * * *", before=before) == datetime(2026, 3, 3, 10, 30, tzinfo=TOKYO)


# --- due -----------------------------------------------------------------------------------
NOW = datetime(2026, 11, 25, 9, 0, tzinfo=TOKYO)
QUARTERLY = "0 6 1 */3 *"


def test_due_when_never_run_successfully():
    result = due(QUARTERLY, last_success=None, now=NOW)
    assert result == Due(
        due=True,
        fired_at=datetime(2026, 10, 1, 6, 0, tzinfo=TOKYO),
        reason="never run successfully",
    )


def test_due_when_the_schedule_fired_after_the_last_success():
    result = due(QUARTERLY, last_success=datetime(2026, 7, 1, 6, 2, tzinfo=TOKYO), now=NOW)
    assert result.due is True
    assert result.fired_at == datetime(2026, 10, 1, 6, 0, tzinfo=TOKYO)
    assert result.reason == (
        "fired at 2026-10-01 06:00, after the last successful run (2026-07-01 06:02)"
    )


def test_not_due_when_the_last_success_came_after_the_last_fire():
    result = due(QUARTERLY, last_success=datetime(2026, 10, 1, 6, 1, tzinfo=TOKYO), now=NOW)
    assert result.due is False
    assert result.fired_at == datetime(2026, 10, 1, 6, 0, tzinfo=TOKYO)
    assert result.reason == (
        "not due: last success 2026-10-01 06:01 is after the last scheduled time "
        "2026-10-01 06:00; next at 2027-01-01 06:00 (in 5 weeks)"
    )


def test_not_due_when_the_last_success_started_at_the_fire_time():
    result = due(QUARTERLY, last_success=datetime(2026, 10, 1, 6, 0, tzinfo=TOKYO), now=NOW)
    assert result.due is False
    assert "last success 2026-10-01 06:00 is at the last scheduled time" in result.reason


def test_due_compares_instants_and_shows_times_in_the_zone_of_now():
    # The runner records UTC start times: 2026-09-30 20:59 UTC is 05:59 in Tokyo, before the
    # 06:00 fire; 21:01 UTC is 06:01 in Tokyo, after it.
    before_fire = datetime(2026, 9, 30, 20, 59, tzinfo=UTC)
    after_fire = datetime(2026, 9, 30, 21, 1, tzinfo=UTC)
    early = due(QUARTERLY, last_success=before_fire, now=NOW)
    late = due(QUARTERLY, last_success=after_fire, now=NOW)
    assert early.due is True
    assert early.reason.endswith("after the last successful run (2026-10-01 05:59)")
    assert late.due is False
    assert late.reason.startswith("not due: last success 2026-10-01 06:01 is after")


def test_due_right_at_the_fire_time():
    fire = datetime(2027, 1, 1, 6, 0, tzinfo=TOKYO)
    last = datetime(2026, 10, 1, 6, 1, tzinfo=TOKYO)
    assert due(QUARTERLY, last_success=last, now=fire - timedelta(microseconds=1)).due is False
    assert due(QUARTERLY, last_success=last, now=fire).due is True


def test_due_rejects_an_invalid_schedule():
    with pytest.raises(ScheduleError, match=r"schedule '0 6 \* \*' is not a valid"):
        due("0 6 * *", last_success=None, now=NOW)


# --- humanize ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("delta", "words"),
    [
        (timedelta(0), "just now"),
        (timedelta(seconds=59), "just now"),
        (timedelta(seconds=-59), "just now"),
        (timedelta(minutes=1), "in 1 minute"),
        (timedelta(minutes=5, seconds=30), "in 5 minutes"),
        (timedelta(minutes=-59), "59 minutes ago"),
        (timedelta(hours=3), "in 3 hours"),
        (timedelta(hours=47, minutes=59), "in 47 hours"),
        (timedelta(days=2), "in 2 days"),
        (timedelta(days=-2), "2 days ago"),
        (timedelta(days=13), "in 13 days"),
        (timedelta(days=37), "in 5 weeks"),
        (timedelta(days=-92), "3 months ago"),
        (timedelta(days=365), "in 1 year"),
        (timedelta(days=-800), "2 years ago"),
    ],
)
def test_humanize(delta, words):
    assert humanize(NOW + delta, now=NOW) == words


def test_humanize_across_zones():
    assert humanize(datetime(2026, 11, 25, 0, 0, tzinfo=UTC), now=NOW) == "just now"


# --- crontab_block -------------------------------------------------------------------------
def test_crontab_block_text(tmp_path):
    root = (tmp_path / "my project").resolve()
    block = crontab_block(root, [KPI, WEEKLY], ebpm=EBPM)
    quoted = f"'{root}'"
    assert block == (
        f"# >>> ebpm {root} (managed by `ebpm schedule install`; edits inside are replaced) >>>\n"
        "# kpi: At 06:00, on day 1 of the month, every 3 months\n"
        f"0 6 1 */3 * cd {quoted} && mkdir -p runs/kpi && {EBPM} run --due pipelines/kpi.yaml"
        " >> runs/kpi/cron.log 2>&1\n"
        "# weekly: At 08:30, Monday through Friday\n"
        f"30 8 * * 1-5 cd {quoted} && mkdir -p runs/weekly && {EBPM} run --due "
        "pipelines/weekly.yaml >> runs/weekly/cron.log 2>&1\n"
        f"# <<< ebpm {root} <<<\n"
    )


def test_crontab_block_of_nothing_is_empty(project):
    assert crontab_block(project, [], ebpm=EBPM) == ""


def test_crontab_line_runs_in_a_shell_with_awkward_paths(tmp_path):
    """Run a generated cron command the way cron would, with a fake ebpm that records its call."""
    root = (tmp_path / "it's 100% policy").resolve()
    (root / "pipelines").mkdir(parents=True)
    fake = tmp_path / "bin dir" / "ebpm"
    fake.parent.mkdir()
    fake.write_text('#!/bin/sh\necho "cwd=$(pwd)"\nfor a in "$@"; do echo "arg=$a"; done\n')
    fake.chmod(fake.stat().st_mode | stat.S_IXUSR)
    entry = CronEntry(pipeline="kpi", spec="pipelines/kpi 100%.yaml", schedule="@daily")
    block = crontab_block(root, [entry], ebpm=str(fake))
    line = block.splitlines()[2]
    assert line.startswith("@daily ")
    assert "%" not in line.replace("\\%", "")  # every % is escaped for cron
    command = line.removeprefix("@daily ").replace("\\%", "%")  # what cron hands to sh
    subprocess.run(["/bin/sh", "-c", command], check=True, env={"PATH": os.defpath})
    log = (root / "runs" / "kpi" / "cron.log").read_text()
    assert log.splitlines() == [
        f"cwd={root}",
        "arg=run",
        "arg=--due",
        "arg=pipelines/kpi 100%.yaml",
    ]


def test_crontab_block_rejects_a_bad_schedule(project):
    bad = CronEntry(pipeline="kpi", spec="pipelines/kpi.yaml", schedule="0 0 L * *")
    with pytest.raises(ScheduleError, match=r"schedule '0 0 L \* \*' is not a valid"):
        crontab_block(project, [bad], ebpm=EBPM)


def test_crontab_block_rejects_a_pipeline_twice(project):
    with pytest.raises(ScheduleError, match=r"pipeline 'kpi' is listed twice"):
        crontab_block(project, [KPI, KPI], ebpm=EBPM)


def test_crontab_block_rejects_line_breaks(project):
    bad = CronEntry(pipeline="kpi", spec="pipelines/kpi.yaml\n* * * * * rm", schedule="@daily")
    with pytest.raises(ScheduleError, match=r"spec .* contains a line break"):
        crontab_block(project, [bad], ebpm=EBPM)


# --- reading and writing the crontab -------------------------------------------------------
def test_read_crontab_without_one_is_empty(fake_crontab):
    assert read_crontab() == ""
    assert fake_crontab.calls == ["-l"]


def test_write_then_read(fake_crontab):
    write_crontab("MAILTO=me@example.org\n0 1 * * * true\n")
    assert fake_crontab.text == "MAILTO=me@example.org\n0 1 * * * true\n"
    assert read_crontab() == "MAILTO=me@example.org\n0 1 * * * true\n"


def test_read_crontab_failure_is_reported(monkeypatch):
    monkeypatch.setenv("FAKE_CRONTAB_FAIL", "crontab: your UID isn't in the passwd file")
    with pytest.raises(ScheduleError, match=r"-l` \(from EBPM_CRONTAB\) failed \(exit 1\): .*UID"):
        read_crontab()


def test_write_crontab_refusal_is_reported(monkeypatch):
    monkeypatch.setenv("FAKE_CRONTAB_FAIL", '"-":1: bad minute')
    with pytest.raises(ScheduleError, match=r"refused the new crontab \(exit 1\): .*bad minute"):
        write_crontab("99 * * * * true\n")


def test_missing_crontab_command(tmp_path, monkeypatch):
    monkeypatch.delenv("EBPM_CRONTAB")
    empty = tmp_path / "empty-bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))  # so no real crontab can be found
    with pytest.raises(
        ScheduleError,
        match=r"`crontab` was not found; install cron \(Debian: apt install cron\) "
        r"or set EBPM_CRONTAB",
    ):
        read_crontab()
    with pytest.raises(ScheduleError, match=r"`crontab` was not found"):
        install(tmp_path, [KPI], ebpm=EBPM)


def test_missing_crontab_command_from_the_environment(tmp_path, monkeypatch):
    missing = tmp_path / "no-such-crontab"
    monkeypatch.setenv("EBPM_CRONTAB", str(missing))
    with pytest.raises(ScheduleError, match=r"no-such-crontab` \(from EBPM_CRONTAB\) was not"):
        uninstall(tmp_path)


# --- install / uninstall / installed -------------------------------------------------------
USER_LINES = (
    "# my own jobs\n"
    "MAILTO=analyst@example.org\n"
    "SHELL=/bin/bash\n"
    "\n"
    "15 3 * * * /usr/bin/backup --quiet   # nightly  \n"
    "@reboot echo 日本語 > /tmp/boot.txt\n"
)


def test_install_into_an_empty_crontab(fake_crontab, project):
    result = install(project, [KPI], ebpm=EBPM)
    assert result.before == ""
    assert result.changed is True
    assert result.after == crontab_block(project, [KPI], ebpm=EBPM)
    assert fake_crontab.text == result.after
    assert installed(project) == result.after


def test_install_twice_changes_nothing_the_second_time(fake_crontab, project):
    fake_crontab.text = USER_LINES
    first = install(project, [KPI, WEEKLY], ebpm=EBPM)
    calls_after_first = len(fake_crontab.calls)
    second = install(project, [KPI, WEEKLY], ebpm=EBPM)
    assert first.changed is True
    assert second.changed is False
    assert second.before == second.after == first.after
    assert fake_crontab.calls[calls_after_first:] == ["-l"]  # read, but no write
    assert fake_crontab.text.count("# >>> ebpm ") == 1
    assert fake_crontab.text.count("# <<< ebpm ") == 1


def test_install_keeps_the_users_lines_byte_for_byte(fake_crontab, project):
    fake_crontab.text = USER_LINES
    result = install(project, [KPI], ebpm=EBPM)
    assert result.after == USER_LINES + crontab_block(project, [KPI], ebpm=EBPM)
    assert fake_crontab.text.startswith(USER_LINES)


def test_install_adds_the_missing_final_newline(fake_crontab, project):
    fake_crontab.text = "0 1 * * * true"
    result = install(project, [KPI], ebpm=EBPM)
    assert result.after == "0 1 * * * true\n" + crontab_block(project, [KPI], ebpm=EBPM)


def test_install_replaces_the_block_where_it_stands(fake_crontab, project):
    old = crontab_block(project, [KPI], ebpm=EBPM)
    # a hand edit inside the block is replaced; lines around it stay where they are
    edited = old.replace("0 6 1 */3 *", "0 7 1 */3 *")
    fake_crontab.text = USER_LINES + edited + "0 2 * * * /usr/bin/after-block\r\n"
    result = install(project, [WEEKLY], ebpm=EBPM)
    assert result.changed is True
    assert fake_crontab.text == (
        USER_LINES
        + crontab_block(project, [WEEKLY], ebpm=EBPM)
        + "0 2 * * * /usr/bin/after-block\r\n"
    )
    assert "kpi" not in fake_crontab.text


def test_two_projects_coexist_and_uninstall_removes_only_one(fake_crontab, tmp_path):
    first, second = (tmp_path / "a").resolve(), (tmp_path / "a b").resolve()
    fake_crontab.text = USER_LINES
    install(first, [KPI], ebpm=EBPM)
    install(second, [KPI, WEEKLY], ebpm="/other/venv/bin/ebpm")
    block_a = crontab_block(first, [KPI], ebpm=EBPM)
    block_b = crontab_block(second, [KPI, WEEKLY], ebpm="/other/venv/bin/ebpm")
    assert fake_crontab.text == USER_LINES + block_a + block_b
    assert installed(first) == block_a
    assert installed(second) == block_b

    assert uninstall(first) is True
    assert fake_crontab.text == USER_LINES + block_b
    assert installed(first) is None
    assert installed(second) == block_b

    calls = len(fake_crontab.calls)
    assert uninstall(first) is False
    assert fake_crontab.calls[calls:] == ["-l"]  # nothing to remove, nothing written
    assert uninstall(second) is True
    assert fake_crontab.text == USER_LINES


def test_install_with_no_entries_removes_the_block(fake_crontab, project):
    fake_crontab.text = USER_LINES
    install(project, [KPI], ebpm=EBPM)
    result = install(project, [], ebpm=EBPM)
    assert result.changed is True
    assert fake_crontab.text == USER_LINES


def test_installed_is_none_without_a_block(fake_crontab, project):
    fake_crontab.text = USER_LINES
    assert installed(project) is None


def test_a_block_without_its_end_marker_is_an_error(fake_crontab, project):
    block = crontab_block(project, [KPI], ebpm=EBPM)
    broken = block.replace(f"# <<< ebpm {project} <<<\n", "")
    fake_crontab.text = USER_LINES + broken + "0 2 * * * /usr/bin/mine\n"
    calls = len(fake_crontab.calls)
    for action in (
        lambda: install(project, [KPI], ebpm=EBPM),
        lambda: uninstall(project),
        lambda: installed(project),
    ):
        with pytest.raises(
            ScheduleError,
            match=r"starts on line 7 has no end line .*fix the crontab with `crontab -e`",
        ):
            action()
    assert fake_crontab.text == USER_LINES + broken + "0 2 * * * /usr/bin/mine\n"
    assert "-" not in fake_crontab.calls[calls:]


def test_a_block_cut_short_by_another_block_is_an_error(fake_crontab, project, tmp_path):
    other = crontab_block((tmp_path / "other").resolve(), [KPI], ebpm=EBPM)
    broken = crontab_block(project, [KPI], ebpm=EBPM).replace(f"# <<< ebpm {project} <<<\n", "")
    fake_crontab.text = broken + other
    with pytest.raises(ScheduleError, match=r"before another ebpm block starts on line 4"):
        install(project, [KPI], ebpm=EBPM)


def test_an_end_marker_without_its_start_is_an_error(fake_crontab, project):
    fake_crontab.text = USER_LINES + f"# <<< ebpm {project} <<<\n"
    with pytest.raises(ScheduleError, match=r"on line 7 without its start line.*`crontab -e`"):
        uninstall(project)


def test_another_projects_broken_block_does_not_block_this_one(fake_crontab, project, tmp_path):
    other = (tmp_path / "other").resolve()
    broken = crontab_block(other, [KPI], ebpm=EBPM).replace(f"# <<< ebpm {other} <<<\n", "")
    fake_crontab.text = broken
    result = install(project, [KPI], ebpm=EBPM)
    assert result.after == broken + crontab_block(project, [KPI], ebpm=EBPM)


def test_due_pipelines_is_the_library_side_of_run_due(tmp_path: Path) -> None:
    """`ebpm run --due` asks ebpm.pipeline.schedule.due_pipelines; a script can too."""
    from datetime import datetime

    from ebpm.pipeline.schedule import due_pipelines

    (tmp_path / "pipelines").mkdir()
    (tmp_path / "notebooks").mkdir()
    (tmp_path / "notebooks" / "n.py").write_text("# %%\nx = 1\n", encoding="utf-8")
    daily = tmp_path / "pipelines" / "daily.yaml"
    daily.write_text(
        "name: daily\nschedule: '0 6 * * *'\ntasks:\n  - notebook: notebooks/n.py\n",
        encoding="utf-8",
    )
    never = tmp_path / "pipelines" / "never.yaml"
    never.write_text("name: never\ntasks:\n  - notebook: notebooks/n.py\n", encoding="utf-8")
    broken = tmp_path / "pipelines" / "broken.yaml"
    broken.write_text("name: [\n", encoding="utf-8")
    verdicts = due_pipelines([daily, never, broken], out_dir=tmp_path, now=datetime(2026, 12, 7, 7))
    assert [(v.pipeline, v.due) for v in verdicts] == [
        ("daily", True),
        ("never", False),
        (None, False),
    ]
    assert "no schedule" in verdicts[1].reason
    assert verdicts[2].error is not None
    assert "not valid YAML" in verdicts[2].reason
