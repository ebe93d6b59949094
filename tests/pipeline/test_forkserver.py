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

from ebpm.pipeline.execute import KERNEL_ENV, kernel_environment, kill_kernel, start_kernel
from ebpm.pipeline.executors import LocalExecutor
from ebpm.pipeline.forkserver import (
    FORK_KERNELS_ENV,
    PRELOAD,
    PRELOAD_ENV,
    ForkServer,
    forkable,
    preload_for,
    shared,
)

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


def _servers(server: ForkServer) -> set[int]:
    """The server's pid and its preloading server's."""
    pid = server._proc.pid  # type: ignore[union-attr]
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    return {pid, *map(int, children)}


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
    # forked from the server (or the preloading server it forked), not started by this process
    assert forked["ppid"] in _servers(server)
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
    family = _servers(fs)  # the server and its preloading server
    assert len(family) == 2
    fs.close()
    assert proc.poll() is not None
    for pid in family - {proc.pid}:  # the preloader ended and was reaped, not left behind
        assert not Path(f"/proc/{pid}").exists()


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


PRELOADED = (
    "import json, sys, numpy, matplotlib.pyplot as plt\n"
    "from ebpm.pipeline.forkserver import PRELOAD\n"
    "plt.plot([1, 2]); plt.show()\n"
    "print(json.dumps({'loaded': [m for m in PRELOAD if m in sys.modules], "
    "'backend': plt.get_backend(), 'draw': numpy.random.rand(), "
    "'threads': __import__('os').environ.get('OPENBLAS_NUM_THREADS'), "
    "'ppid': __import__('os').getppid()}))"
)


def _run_preloaded(
    tmp_path: Path, server: ForkServer, **extra: str
) -> tuple[dict[str, Any], list[list[str]]]:
    """PRELOADED's printout in a forked kernel (its environment: the base one and ``extra``),
    and the mimetypes of what it displayed."""
    env = kernel_environment({**KERNEL_ENV, "EBPM_PROBE": "x", **extra})
    km = start_kernel(kernel="python3", env=env, cwd=str(tmp_path), fork_server=server)
    kc = km.client()
    shown: list[list[str]] = []
    printed = ""
    try:
        kc.execute(PRELOADED)
        while True:
            msg = run_sync(kc.get_iopub_msg)(timeout=60)
            kind, content = msg["msg_type"], msg["content"]
            if kind == "stream":
                printed += content["text"]
            elif kind == "display_data":
                shown.append(sorted(content["data"]))
            elif kind == "error":
                raise AssertionError(content["evalue"])
            elif kind == "status" and content["execution_state"] == "idle" and printed:
                break
    finally:
        kc.stop_channels()
        run_sync(km.shutdown_kernel)(now=False)
    return json.loads(printed), shown


def test_kernels_forked_after_the_server_idled_find_the_common_modules_loaded(
    tmp_path, server
) -> None:
    """The server imports PRELOAD while no kernel is asked for; kernels forked afterwards have
    them, still draw their own random numbers and still show figures inline."""
    server.warm(kernel_environment(KERNEL_ENV))
    first, _ = _run_preloaded(tmp_path, server)
    # asked for at once: forked by the server itself, not held until the preloading is done
    assert first["ppid"] == server._proc.pid  # type: ignore[union-attr]
    deadline = time.monotonic() + 120
    while True:  # each probe is a kernel: the server preloads between them
        seen, shown = _run_preloaded(tmp_path, server)
        if seen["loaded"] == list(PRELOAD) or time.monotonic() > deadline:
            break
        time.sleep(1)
    assert seen["loaded"] == list(PRELOAD)
    assert seen["backend"] == "module://matplotlib_inline.backend_inline"
    assert ["image/png", "text/plain"] in shown  # the figure, inline
    assert seen["threads"] == "1"
    assert seen["ppid"] != first["ppid"]  # forked by the preloading server
    again, _ = _run_preloaded(tmp_path, server)
    assert again["draw"] != seen["draw"]  # numpy's global generator is not the server's
    # a kernel asking for another backend gets it, though matplotlib was loaded with inline
    agg, agg_shown = _run_preloaded(tmp_path, server, MPLBACKEND="agg")
    assert agg["loaded"] == list(PRELOAD)
    assert agg["backend"] == "agg"
    assert agg_shown == []


def test_preloading_can_be_turned_off(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv(PRELOAD_ENV, "0")
    fs = ForkServer()
    try:
        fs.warm(kernel_environment(KERNEL_ENV))
        time.sleep(5)  # preloading takes about 3 s on 2 cores
        seen, _ = _run_preloaded(tmp_path, fs)
    finally:
        fs.close()
    assert "pandas" not in seen["loaded"]


def test_the_pipelines_of_one_run_share_one_server() -> None:
    """Inside shared() (``ebpm run a.yaml b.yaml``) each pool forks from the same server and
    leaves it running for the next; it ends with the block. Outside, a pool has its own."""
    with shared() as server:
        first = LocalExecutor(1)
        first.close()
        second = LocalExecutor(1)
        try:
            assert first._fork_server is second._fork_server is server
            assert server._proc is not None
            assert server._proc.poll() is None  # still up for the next pipeline
        finally:
            second.close()
        proc = server._proc
    assert proc.poll() is not None  # ended with the block
    alone = LocalExecutor(1)
    try:
        assert alone._fork_server is not server
    finally:
        alone.close()


def test_what_is_preloaded_follows_what_the_notebooks_import() -> None:
    """A run of ebpm report notebooks gets all of PRELOAD; notebooks that import a few known
    libraries get those; a notebook that imports nothing heavy, or only its own modules, gets
    nothing (preloading would only take CPU from its tasks)."""
    assert preload_for(["from ebpm import catalog, report\nx = 1"]) == list(PRELOAD)
    assert preload_for(["import pandas as pd", "%matplotlib inline\nimport ebpm"]) == list(PRELOAD)
    assert preload_for(["import numpy as np\nimport matplotlib.pyplot as plt", "import os"]) == [
        "numpy",
        "matplotlib.pyplot",
    ]
    assert preload_for(["from mylib import helpers\nimport requests", "from . import x"]) == []
    assert preload_for(["print(1)", "this is not python ("]) == []
