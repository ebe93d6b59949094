"""Kernels forked from a warm process (ebpm.pipeline.forkserver): the same kernel as
``python -m ipykernel_launcher`` would start, watched and killed the same way."""

from __future__ import annotations

import json
import os
import signal
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from jupyter_core.utils import run_sync

from ebpm.pipeline.execute import kill_kernel, start_kernel
from ebpm.pipeline.executors import LocalExecutor
from ebpm.pipeline.forkserver import FORK_KERNELS_ENV, ForkServer, forkable

pytestmark = pytest.mark.slow

PROBE = (
    "import json, os, random, sys; print(json.dumps({'cwd': os.getcwd(), 'path': sys.path, "
    "'env': os.environ.get('EBPM_PROBE'), 'argv0': os.path.basename(sys.argv[0]), "
    "'ppid': os.getppid(), 'pid': os.getpid(), 'random': random.random(), "
    "'session': os.getsid(0) == os.getpid(), 'parent': os.environ.get('JPY_PARENT_PID')}))"
)


@pytest.fixture
def server() -> Iterator[ForkServer]:
    fs = ForkServer()
    yield fs
    fs.close()


def _run(km: Any, code: str) -> str:
    kc = km.client()
    kc.execute(code)
    try:
        while True:
            msg = run_sync(kc.get_iopub_msg)(timeout=30)
            if msg["msg_type"] == "stream":
                return str(msg["content"]["text"])
            if msg["msg_type"] == "error":
                raise AssertionError(msg["content"]["evalue"])
    finally:
        kc.stop_channels()


def _probe(tmp_path: Path, server: ForkServer | None) -> dict[str, Any]:
    env = {**os.environ, "EBPM_PROBE": "task value"}
    km = start_kernel(kernel="python3", env=env, cwd=str(tmp_path), fork_server=server)
    try:
        return json.loads(_run(km, PROBE))
    finally:
        run_sync(km.shutdown_kernel)(now=False)


def test_a_forked_kernel_is_the_kernel_ipykernel_launcher_starts(tmp_path, server) -> None:
    forked = _probe(tmp_path, server)
    plain = _probe(tmp_path, None)
    for key in ("cwd", "path", "env", "argv0", "session"):
        assert forked[key] == plain[key], key
    assert forked["cwd"] == str(tmp_path)
    assert forked["env"] == "task value"
    assert forked["session"] is True  # signals to the run's process group do not reach it
    assert forked["parent"] == plain["parent"] == str(os.getpid())
    # forked from the server, not started by this process
    assert forked["ppid"] == server._proc.pid  # type: ignore[union-attr]
    assert plain["ppid"] == os.getpid()


def test_forked_kernels_do_not_share_random_state(tmp_path, server) -> None:
    first, second = _probe(tmp_path, server), _probe(tmp_path, server)
    assert first["pid"] != second["pid"]
    assert first["random"] != second["random"]


def test_a_forked_kernel_is_watched_and_killed_like_a_process(tmp_path, server) -> None:
    km = start_kernel(kernel="python3", env=dict(os.environ), cwd=str(tmp_path), fork_server=server)
    process = km.provisioner.process
    assert process.poll() is None
    assert run_sync(km.is_alive)()
    kill_kernel(km)
    assert process.wait(timeout=10) == -signal.SIGKILL
    assert not run_sync(km.is_alive)()


def test_a_forked_kernel_reports_its_own_exit_code(tmp_path, server) -> None:
    km = start_kernel(kernel="python3", env=dict(os.environ), cwd=str(tmp_path), fork_server=server)
    process = km.provisioner.process
    kc = km.client()
    kc.execute("import os; os._exit(3)")
    assert process.wait(timeout=20) == 3
    kc.stop_channels()
    kill_kernel(km)


def test_only_ipykernel_on_this_interpreter_is_forked(monkeypatch) -> None:
    launcher = [sys.executable, "-m", "ipykernel_launcher", "-f", "c.json"]
    assert forkable(launcher)
    assert not forkable(["/usr/bin/R", "--slave", "-e", "IRkernel::main()"])
    assert not forkable(["/other/python", *launcher[1:]])
    monkeypatch.setenv(FORK_KERNELS_ENV, "0")
    assert not forkable(launcher)


def test_with_forking_off_the_kernel_is_started_as_before(tmp_path, server, monkeypatch) -> None:
    monkeypatch.setenv(FORK_KERNELS_ENV, "0")
    seen = _probe(tmp_path, server)
    assert seen["ppid"] == os.getpid()
    assert server._proc is None  # never started


def test_closing_ends_the_server(tmp_path) -> None:
    fs = ForkServer()
    _probe(tmp_path, fs)
    proc = fs._proc
    assert proc is not None
    assert proc.poll() is None
    fs.close()
    assert proc.poll() is not None


def test_a_dead_server_costs_nothing_but_the_speed(tmp_path, server, caplog) -> None:
    _probe(tmp_path, server)
    server._proc.kill()  # type: ignore[union-attr]
    server._proc.wait()  # type: ignore[union-attr]
    deadline = time.monotonic() + 10
    while server._broken is None and time.monotonic() < deadline:
        time.sleep(0.05)
    with pytest.raises(OSError, match="fork server ended"):
        server.spawn([sys.executable, "-m", "ipykernel_launcher"], env={}, cwd=str(tmp_path))
    seen = _probe(tmp_path, server)  # the kernel starts the usual way instead
    assert seen["ppid"] == os.getpid()
    assert "starting the kernel as a process of its own" in caplog.text


def test_the_local_pool_starts_its_fork_server_at_once_and_ends_it(monkeypatch) -> None:
    pool = LocalExecutor(1)
    server = pool._fork_server._proc
    try:
        # started before the first task, so it imports ipykernel while the run prepares
        assert server is not None
        assert server.poll() is None
    finally:
        pool.close()
    assert server.poll() is not None
    monkeypatch.setenv(FORK_KERNELS_ENV, "0")
    unforked = LocalExecutor(1)
    assert unforked._fork_server._proc is None
    unforked.close()
