"""Tests of ebpm.pipeline.lock: one run of a pipeline at a time, and who holds the lock."""

from __future__ import annotations

import json
import os
import re
import socket
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from ebpm.errors import LockedError
from ebpm.pipeline.lock import PipelineLock


def _lock(folder: Path, run_id: str = "20260101T000000Z-0001") -> PipelineLock:
    return PipelineLock(folder, pipeline="p", run_id=run_id)


def test_acquire_creates_the_folder_and_says_who_holds_it(tmp_path: Path) -> None:
    folder = tmp_path / "runs" / "p"
    lock = _lock(folder).acquire()
    try:
        assert lock.path == folder / ".lock"
        holder = lock.holder()
        assert holder is not None
        assert holder["pipeline"] == "p"
        assert holder["run_id"] == "20260101T000000Z-0001"
        assert holder["pid"] == os.getpid()
        assert holder["host"] == socket.gethostname()
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00", holder["since"])
        assert holder == json.loads((folder / "lock.json").read_text(encoding="utf-8"))
    finally:
        lock.release()
    assert not (folder / "lock.json").exists()
    assert lock.holder() is None


def test_a_second_run_is_told_who_to_wait_for(tmp_path: Path) -> None:
    with _lock(tmp_path, "R1") as first:
        info = first.holder()
        assert info is not None
        with pytest.raises(
            LockedError,
            match=rf"^pipeline 'p' is already running: run R1 by {re.escape(info['user'])}@"
            rf"{re.escape(info['host'])} \(pid {os.getpid()}\), running since "
            rf"{re.escape(info['since'])} \(\d+ s ago\)\. Wait for it to finish \(or stop it "
            rf"with Ctrl-C / kill {os.getpid()}\); the lock is {re.escape(str(tmp_path))}/\.lock "
            r"and is released as soon as that process ends\.$",
        ):
            _lock(tmp_path, "R2").acquire()
        assert first.holder() == info  # the refused run did not overwrite it


@pytest.mark.parametrize(
    ("age", "shown"),
    [
        (timedelta(minutes=10, seconds=30), "(10 min ago)"),
        (timedelta(hours=3), "(3.0 h ago)"),
    ],
)
def test_the_message_says_how_long_the_run_has_held_the_lock(
    tmp_path: Path, age: timedelta, shown: str
) -> None:
    with _lock(tmp_path, "R1"):
        since = (datetime.now(UTC) - age).isoformat(timespec="seconds")
        info = json.loads((tmp_path / "lock.json").read_text(encoding="utf-8"))
        (tmp_path / "lock.json").write_text(json.dumps({**info, "since": since}), encoding="utf-8")
        with pytest.raises(
            LockedError, match=rf"running since {re.escape(since)} {re.escape(shown)}\."
        ):
            _lock(tmp_path, "R2").acquire()


def test_a_holder_that_left_no_record_is_another_process(tmp_path: Path) -> None:
    with _lock(tmp_path, "R1"):
        (tmp_path / "lock.json").write_text("{half written", encoding="utf-8")
        with pytest.raises(
            LockedError,
            match=r"^pipeline 'p' is already running: another process\. Wait for it to finish "
            r"\(or stop it with Ctrl-C / kill PID\)",
        ):
            _lock(tmp_path, "R2").acquire()


def test_a_since_that_is_not_a_time_is_shown_as_it_is(tmp_path: Path) -> None:
    with _lock(tmp_path, "R1"):
        record = {"run_id": "R1", "user": "ana", "host": "h", "pid": 12, "since": "yesterday"}
        (tmp_path / "lock.json").write_text(json.dumps(record), encoding="utf-8")
        with pytest.raises(
            LockedError,
            match=r"already running: run R1 by ana@h \(pid 12\), running since yesterday\. Wait "
            r"for it to finish \(or stop it with Ctrl-C / kill 12\)",
        ):
            _lock(tmp_path, "R2").acquire()


def test_the_context_manager_releases_on_an_error(tmp_path: Path) -> None:
    with pytest.raises(RuntimeError, match="the run broke"), _lock(tmp_path, "R1"):
        raise RuntimeError("the run broke")
    with _lock(tmp_path, "R2") as again:
        assert again.holder()["run_id"] == "R2"
