"""Tests of ``ebpm schedule list|install|uninstall`` on the small project of tests/cli/conftest.py
(scheduled every Monday at 06:00). No test touches the real crontab: the autouse
``fake_crontab`` fixture points ``EBPM_CRONTAB`` at a shell script that keeps the "crontab" in a
file under ``tmp_path``."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from ebpm.pipeline import history
from tests.cli.conftest import EBPM_EXE, SPEC, error_lines, invoke, make_project
from tests.conftest import FakeCrontab


@pytest.fixture(autouse=True)
def _fake_crontab(fake_crontab: FakeCrontab, monkeypatch: pytest.MonkeyPatch) -> FakeCrontab:
    """Every test here uses the fake `crontab` (conftest), never the user's real one."""
    monkeypatch.delenv("EBPM_DEBUG", raising=False)
    return fake_crontab


_USER_CRONTAB = (
    "MAILTO=me@example.org\n"
    "5 4 * * * /usr/local/bin/backup --quiet\n"
    "# >>> ebpm /srv/other (managed by `ebpm schedule install`; edits inside are replaced) >>>\n"
    "0 1 * * * cd /srv/other && ebpm run --due pipelines/x.yaml\n"
    "# <<< ebpm /srv/other <<<\n"
)


def _next_monday_6(now: datetime) -> datetime:
    day = now.replace(hour=6, minute=0, second=0, microsecond=0)
    day += timedelta(days=(0 - day.weekday()) % 7)
    return day if day > now else day + timedelta(days=7)


@pytest.mark.slow
def test_schedule_list_says_when_the_pipeline_runs_next(
    project: Path,
    history_runs: dict[str, Any],
    monkeypatch: pytest.MonkeyPatch,
    fake_crontab: FakeCrontab,
) -> None:
    monkeypatch.chdir(project)
    out = history_runs["out"]
    before = datetime.now()
    result = invoke("schedule", "list", "--out", out)
    after = datetime.now()
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == "p (pipelines/p.yaml): At 06:00, only on Monday [0 6 * * 1]"
    m = re.fullmatch(
        # "just now" when the test runs in the minute before Monday 06:00
        r"  next: (\d{4}-\d\d-\d\d 06:00) \((in \d+ (?:minute|hour|day)s?|just now)\); "
        r"last successful run: (.+)",
        lines[1],
    )
    assert m, lines[1]
    assert m.group(1) in {f"{_next_monday_6(t):%Y-%m-%d %H:%M}" for t in (before, after)}
    # the last complete successful run (a `--task` or `-p` run is not what the schedule asks
    # for), in local time
    last_ok = [r for r in history.list_runs(out, pipeline="p") if r.status == "ok" and r.complete][
        -1
    ]
    shown = datetime.fromisoformat(last_ok.started_at).astimezone()
    assert m.group(3) == f"{shown:%Y-%m-%d %H:%M}"
    assert lines[2] == (
        "crontab: not installed (`ebpm schedule install` adds these to your crontab)"
    )
    assert fake_crontab.calls == ["-l"]


def test_schedule_list_of_a_pipeline_never_run(
    project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(project)
    result = invoke("schedule", "list", "pipelines/p.yaml", "--out", tmp_path)
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[1].endswith("; last successful run: never")


def test_schedule_install_is_idempotent_and_uninstall_keeps_the_rest(
    project: Path, monkeypatch: pytest.MonkeyPatch, fake_crontab: FakeCrontab
) -> None:
    monkeypatch.chdir(project)
    fake_crontab.text = _USER_CRONTAB
    first = invoke("schedule", "install")
    assert first.exit_code == 0, first.output
    assert first.stdout.endswith("\ncrontab updated\n")
    text = fake_crontab.text
    assert text is not None
    assert text.startswith(_USER_CRONTAB)
    block = text[len(_USER_CRONTAB) :]
    assert block.splitlines() == [
        f"# >>> ebpm {project} (managed by `ebpm schedule install`; edits inside are replaced) >>>",
        "# p: At 06:00, only on Monday",
        f"0 6 * * 1 cd {project} && mkdir -p runs/p && {EBPM_EXE} run --due pipelines/p.yaml "
        ">> runs/p/cron.log 2>&1",
        f"# <<< ebpm {project} <<<",
    ]
    assert first.stdout == block + "\n" + "crontab updated\n"

    second = invoke("schedule", "install", "pipelines")
    assert second.exit_code == 0, second.output
    assert second.stdout == block + "\ncrontab already up to date\n"
    assert fake_crontab.text == text
    assert fake_crontab.calls.count("-") == 1  # the second install wrote nothing
    assert [line for line in text.splitlines() if f"cd {project} " in line] == [
        block.splitlines()[2]
    ]
    assert text.count(f"# >>> ebpm {project} ") == 1

    listed = invoke("schedule", "list", "--out", project / "no-runs")
    assert listed.stdout.splitlines()[-1] == (
        "crontab: installed (`ebpm schedule uninstall` removes it)"
    )

    removed = invoke("schedule", "uninstall")
    assert removed.exit_code == 0, removed.output
    assert removed.stdout == "removed this project's schedules from your crontab\n"
    assert fake_crontab.text == _USER_CRONTAB
    again = invoke("schedule", "uninstall")
    assert again.exit_code == 0
    assert again.stdout == "this project had no block in your crontab\n"
    assert fake_crontab.text == _USER_CRONTAB


def test_schedule_without_any_schedule(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fake_crontab: FakeCrontab
) -> None:
    make_project(tmp_path, SPEC.replace('schedule: "0 6 * * 1"\n', ""))
    monkeypatch.chdir(tmp_path)
    listed = invoke("schedule", "list")
    assert listed.exit_code == 0
    assert listed.stdout == (
        'no pipeline has a `schedule:`; add one to a spec, e.g. schedule: "0 6 1 * *"\n'
    )
    installed = invoke("schedule", "install")
    assert installed.exit_code == 2
    assert "Error: no pipeline has a `schedule:`; nothing to install" in installed.stderr
    assert fake_crontab.text is None
    assert fake_crontab.calls == []


def test_schedule_install_with_a_broken_crontab_block_exits_1(
    project: Path, monkeypatch: pytest.MonkeyPatch, fake_crontab: FakeCrontab
) -> None:
    monkeypatch.chdir(project)
    broken = f"# >>> ebpm {project} (managed by `ebpm schedule install`) >>>\n0 6 * * 1 x\n"
    fake_crontab.text = broken
    result = invoke("schedule", "install")
    assert result.exit_code == 1
    assert result.stderr.startswith(
        f"error: the crontab block of {project} that starts on line 1 has no end line "
    )
    assert "then run `ebpm schedule install` again" in result.stderr
    assert fake_crontab.text == broken


# --- help -------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("args", "needles"),
    [
        (
            ["schedule"],
            ["Usage: ebpm schedule [OPTIONS] COMMAND [ARGS]...", "list", "install", "uninstall"],
        ),
        (["schedule", "install"], ["Idempotent", "run --due", "cron.log"]),
    ],
)
def test_help(args: list[str], needles: list[str]) -> None:
    result = invoke(*args, "--help")
    assert result.exit_code == 0, result.output
    for needle in needles:
        assert needle in result.stdout, needle


# --- a crontab that cannot be read ------------------------------------------------------------
def test_schedule_list_still_lists_when_the_crontab_cannot_be_read(
    project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fake_crontab: FakeCrontab
) -> None:
    monkeypatch.chdir(project)
    monkeypatch.setenv("FAKE_CRONTAB_FAIL", "crontab: permission denied")
    result = invoke("schedule", "list", "--out", tmp_path)
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == "p (pipelines/p.yaml): At 06:00, only on Monday [0 6 * * 1]"
    assert lines[2] == (
        f"crontab: cannot be read here (`{fake_crontab.folder / 'crontab'} -l` (from "
        "EBPM_CRONTAB) failed (exit 1): crontab: permission denied)"
    )


def test_install_and_uninstall_stop_at_a_crontab_that_cannot_be_read(
    project: Path, monkeypatch: pytest.MonkeyPatch, fake_crontab: FakeCrontab
) -> None:
    monkeypatch.chdir(project)
    monkeypatch.setenv("FAKE_CRONTAB_FAIL", "crontab: permission denied")
    for command in ("install", "uninstall"):
        result = invoke("schedule", command)
        assert result.exit_code == 1, result.output
        (line,) = error_lines(result)
        assert line.endswith("(from EBPM_CRONTAB) failed (exit 1): crontab: permission denied")
    assert fake_crontab.calls == ["-l", "-l"]  # read, never written
    assert fake_crontab.text is None


# --- which specs ------------------------------------------------------------------------------
def test_a_spec_outside_the_project_is_installed_by_its_absolute_path(
    project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fake_crontab: FakeCrontab
) -> None:
    monthly = SPEC.replace("name: p", "name: r").replace('"0 6 * * 1"', '"30 5 1 * *"')
    elsewhere = make_project(tmp_path / "elsewhere", monthly, name="r").resolve()
    monkeypatch.chdir(project)
    result = invoke("schedule", "install", "pipelines/p.yaml", elsewhere)
    assert result.exit_code == 0, result.output
    lines = (fake_crontab.text or "").splitlines()
    assert lines[1:3] == [
        "# p: At 06:00, only on Monday",
        f"0 6 * * 1 cd {project} && mkdir -p runs/p && {EBPM_EXE} run --due pipelines/p.yaml "
        ">> runs/p/cron.log 2>&1",
    ]
    assert lines[3:5] == [
        "# r: At 05:30, on day 1 of the month",
        f"30 5 1 * * cd {project} && mkdir -p runs/r && {EBPM_EXE} run --due {elsewhere} "
        ">> runs/r/cron.log 2>&1",
    ]


def test_schedule_list_of_a_spec_without_a_schedule(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fake_crontab: FakeCrontab
) -> None:
    make_project(tmp_path)
    unscheduled = SPEC.replace('schedule: "0 6 * * 1"\n', "").replace("name: p", "name: q")
    make_project(tmp_path, unscheduled, name="q")
    monkeypatch.chdir(tmp_path)
    only_q = invoke("schedule", "list", "pipelines/q.yaml")
    assert only_q.exit_code == 0, only_q.output
    assert only_q.stdout.startswith("no pipeline has a `schedule:`")
    both = invoke("schedule", "list", "pipelines")
    assert both.exit_code == 0, both.output
    shown = both.stdout.splitlines()
    assert shown[0] == "p (pipelines/p.yaml): At 06:00, only on Monday [0 6 * * 1]"
    assert [line for line in shown if line.startswith("q")] == []
    assert fake_crontab.calls == ["-l"]  # only the list that had a schedule read the crontab


def test_a_schedule_that_is_not_cron_is_one_error_line_with_file_and_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fake_crontab: FakeCrontab
) -> None:
    make_project(tmp_path, SPEC.replace('"0 6 * * 1"', '"0 25 * * *"'))
    monkeypatch.chdir(tmp_path)
    for command in ("list", "install"):
        result = invoke("schedule", command)
        assert result.exit_code == 1, result.output
        assert error_lines(result) == [
            "error: pipelines/p.yaml, line 3: schedule '0 25 * * *' is not a valid cron "
            "expression: hour '25' is not valid (0-23). Write five fields, minute hour "
            'day-of-month month day-of-week, e.g. schedule: "0 6 1 */3 *" (06:00 on the 1st of '
            'every third month), or schedule: "@daily".'
        ]
    assert fake_crontab.calls == []
