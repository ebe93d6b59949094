"""One run of a pipeline at a time: a lock file in ``runs/<pipeline>/``.

The lock is an OS file lock (:mod:`filelock`), so it is released when its process ends, however it
ends: a killed run never leaves a stale lock. Beside it, ``lock.json`` says who holds it (run id,
user, host, pid, since when), so a second run can say who to wait for.
"""

from __future__ import annotations

import contextlib
import getpass
import json
import os
import socket
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import Any

from filelock import FileLock, Timeout

from ebpm._io import atomic_write_json
from ebpm.errors import LockedError

__all__ = ["PipelineLock"]


def _ago(since: str | None) -> str:
    if not since:
        return ""
    try:
        then = datetime.fromisoformat(since)
    except ValueError:
        return ""
    secs = max(0, int((datetime.now(UTC) - then).total_seconds()))
    if secs < 90:
        return f" ({secs} s ago)"
    if secs < 5400:
        return f" ({secs // 60} min ago)"
    return f" ({secs / 3600:.1f} h ago)"


class PipelineLock:
    """Hold ``runs/<pipeline>/.lock`` for the duration of a run.

    Raises
    ------
    LockedError
        Another process holds the lock; the message names its run, user, host, pid and start.
    """

    def __init__(self, folder: Path, *, pipeline: str, run_id: str) -> None:
        self.folder = Path(folder)
        self.pipeline = pipeline
        self.run_id = run_id
        self.path = self.folder / ".lock"
        self.info_path = self.folder / "lock.json"
        self._lock = FileLock(str(self.path), timeout=0)

    def holder(self) -> dict[str, Any] | None:
        """Who holds (or last held) the lock, as written in ``lock.json``."""
        try:
            return json.loads(self.info_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None

    def acquire(self) -> PipelineLock:
        self.folder.mkdir(parents=True, exist_ok=True)
        try:
            self._lock.acquire()
        except Timeout:
            h = self.holder() or {}
            who = (
                f"run {h.get('run_id')} by {h.get('user')}@{h.get('host')} (pid {h.get('pid')}), "
                f"running since {h.get('since')}{_ago(h.get('since'))}"
                if h
                else "another process"
            )
            raise LockedError(
                f"pipeline {self.pipeline!r} is already running: {who}. Wait for it to finish "
                f"(or stop it with Ctrl-C / kill {h.get('pid', 'PID')}); the lock is {self.path} "
                "and is released as soon as that process ends."
            ) from None
        atomic_write_json(
            self.info_path,
            {
                "pipeline": self.pipeline,
                "run_id": self.run_id,
                "pid": os.getpid(),
                "user": _user(),
                "host": socket.gethostname(),
                "since": datetime.now(UTC).isoformat(timespec="seconds"),
            },
        )
        return self

    def release(self) -> None:
        with contextlib.suppress(OSError):
            self.info_path.unlink()
        self._lock.release()

    def __enter__(self) -> PipelineLock:
        return self.acquire()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.release()


def _user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return str(os.getuid())
