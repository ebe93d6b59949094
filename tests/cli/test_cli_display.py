"""The progress display of `ebpm run`: a live status line on a terminal, plain lines otherwise."""

from __future__ import annotations

import re

from ebpm.cli import _RunDisplay
from ebpm.pipeline.events import Planned, TaskDone, TaskRetrying, TaskStarted, Tick
from ebpm.pipeline.runner import TaskResult


def _done(name: str, status: str = "ok", **kw) -> TaskDone:
    r = TaskResult(name=name, group=name, notebook="nb.py", parameters={}, status=status, **kw)
    return TaskDone(task=name, result=r)


PLAN = Planned(
    run_id="20261126T000000Z-0001",
    total=3,
    to_run=["a", "b"],
    unchanged=["c"],
    reasons={},
    jobs=2,
    executor="local",
)


def test_plain_lines_when_not_a_terminal(capsys) -> None:
    show = _RunDisplay(tty=False)
    show(PLAN)
    show(TaskStarted(task="a"))
    show(Tick(running=["a"]))
    show(_done("a", duration_s=1.25, attempts=1))
    show(_done("b", status="failed", duration_s=0.5, reason="cell In [3] raised ValueError: x"))
    show.close()
    out = capsys.readouterr().out
    assert "\r" not in out  # no status line redrawn in a log file
    assert out.splitlines() == [
        "run 20261126T000000Z-0001: 3 task(s); 2 to run 2 at a time, 1 unchanged (--force "
        "reruns them)",
        "  unchanged: c",
        "  start  a",
        "  ok     a (1.2 s)",
        "  FAILED b (0.5 s): cell In [3] raised ValueError: x",
    ]


def test_a_terminal_gets_a_status_line_with_done_running_failed_and_elapsed(capsys) -> None:
    show = _RunDisplay(tty=True)
    show(PLAN)
    show(TaskStarted(task="a"))
    show(TaskStarted(task="b"))
    show(Tick(running=["a", "b"]))
    out = capsys.readouterr().out
    status = out.rsplit("\r\x1b[K", 1)[1]
    assert status.startswith("[1/3] 2 running (a, b) · ")  # c was unchanged: 1 of 3 done
    assert status.endswith(" s")
    show(_done("b", status="failed", duration_s=0.5, reason="boom"))
    out = capsys.readouterr().out
    # the status line is cleared, the finished task's line printed (in red), the status redrawn
    assert out.startswith("\r\x1b[K\x1b[31m  FAILED \x1b[0mb (0.5 s): boom\n\r\x1b[K")
    plain = re.sub(r"\x1b\[[0-9;]*m", "", out.rsplit("\r\x1b[K", 1)[1])
    assert plain.startswith("[2/3] 1 running (a) · 1 failed · ")
    show.close()
    assert capsys.readouterr().out == "\r\x1b[K"


def test_retries_and_revisions_are_shown(capsys) -> None:
    show = _RunDisplay(tty=False)
    show(TaskRetrying(task="a", attempt=2, delay=2.0, reason="503"))
    rev = {"old": {"estimate": 1.0}, "new": {"estimate": 1.5}, "previous_run": "R1"}
    head = {"headline": {"estimate": 1.5, "conf_low": 1.0, "conf_high": 2.0}, "estimand": "ATT"}
    show(_done("a", duration_s=1.0, attempts=2, headline=head, revision=rev))
    out = capsys.readouterr().out.splitlines()
    assert out == [
        "  retry  a (attempt 2 in 2 s): 503",
        "  ok     a (1.0 s, 2 attempts)  ATT 1.500 [1.000, 2.000]  REVISED: was 1.000 in run R1, "
        "now 1.500",
    ]
