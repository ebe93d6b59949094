"""Kernels forked from a warm process, so that starting one does not import ipykernel again.

Every task gets a kernel of its own. Started the usual way (``python -m ipykernel_launcher``)
a kernel spends 0.24 s of CPU before it is ready, 0.14 s of it importing ipykernel and IPython.
With two workers on two cores that CPU is taken from the cells of the task running beside it.
A fork server is one process per run that imported ipykernel once; each kernel is a fork of it,
which then goes on exactly as ``ipykernel_launcher`` would: the task's environment, working
folder and ``sys.path[0]``, a session of its own (signals to the run do not reach it), stdin
closed, and the kernel application parsing the same arguments.

The server also imports what nearly every report notebook imports (:data:`PRELOAD`: numpy,
pandas, scipy.stats, statsmodels, matplotlib, geopandas, ebpm's catalog, estimators, Japan and
plotting helpers), so that a kernel forked later finds them loaded: about 1.5 s of CPU per task,
paid once per run instead. A second server, forked from the first at once, does the importing;
kernels are forked by the first until it is ready, so none waits (``EBPM_PRELOAD=0`` turns it
off). The pipelines of one ``ebpm run`` share one server (:func:`shared`). The servers run in
the kernels' base environment (one BLAS thread, :data:`ebpm.pipeline.execute.KERNEL_ENV`), so
what those modules read on import is what the kernel would have read (matplotlib's
``MPLBACKEND`` too: the backend it names loads on the kernel's first figure; a kernel whose
``MPLBACKEND`` differs has it set again after the fork). Nothing of the task's own is preloaded.
Python's ``random`` is reseeded in each fork (``os.register_at_fork``), and numpy's global
generator too when it is loaded, so kernels do not share random state.

Only the local pool uses it, for the ``python3`` kernel (this interpreter), on systems with
``os.fork``; ``EBPM_FORK_KERNELS=0`` turns it off. A kernel forked here is watched like any
other: :class:`ForkedKernel` answers ``poll``, ``wait``, ``send_signal``, ``kill`` and
``terminate`` as :class:`subprocess.Popen` does, so jupyter_client's provisioner manages it
unchanged.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterable, Iterator
from typing import Any

__all__ = [
    "FORK_KERNELS_ENV",
    "PRELOAD",
    "PRELOAD_ENV",
    "PRELOAD_MODULES_ENV",
    "ForkServer",
    "ForkedKernel",
    "for_run",
    "forkable",
    "preload_for",
    "shared",
]

FORK_KERNELS_ENV = "EBPM_FORK_KERNELS"  # 0 starts every kernel as its own process
PRELOAD_ENV = "EBPM_PRELOAD"  # 0: the server imports nothing beyond ipykernel (PRELOAD)
#: Set by the driver in the server's environment: what to preload (comma-separated).
PRELOAD_MODULES_ENV = "EBPM_PRELOAD_MODULES"

log = logging.getLogger(__name__)

_LAUNCHER = ["-m", "ipykernel_launcher"]


def forkable(cmd: list[str]) -> bool:
    """Whether ``cmd`` starts ipykernel on this interpreter, which a fork server can do."""
    return (
        hasattr(os, "fork")
        and len(cmd) >= 3
        and cmd[0] == sys.executable
        and cmd[1:3] == _LAUNCHER
        and os.environ.get(FORK_KERNELS_ENV, "1").strip() not in ("0", "false", "no", "off")
    )


class ForkedKernel:
    """A kernel process forked by the server, with the parts of :class:`subprocess.Popen`'s
    interface that jupyter_client uses."""

    stdin = stdout = stderr = None

    def __init__(self, server: ForkServer, pid: int) -> None:
        self._server = server
        self.pid = pid
        self.returncode: int | None = None

    def poll(self) -> int | None:
        if self.returncode is None:
            self.returncode = self._server.exit_code(self.pid)
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        end = None if timeout is None else time.monotonic() + timeout
        while self.poll() is None:
            if end is not None and time.monotonic() > end:
                raise subprocess.TimeoutExpired(f"kernel {self.pid}", timeout or 0)
            time.sleep(0.05)
        assert self.returncode is not None
        return self.returncode

    def send_signal(self, sig: int) -> None:
        if self.poll() is None:
            os.kill(self.pid, sig)

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)

    def terminate(self) -> None:
        self.send_signal(signal.SIGTERM)


class ForkServer:
    """The driver's end: starts the server on first use, asks it for kernels, hears their
    exits. Thread-safe; :meth:`close` ends the server (kernels it forked are not touched)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._exits: dict[int, int] = {}
        self._changed = threading.Condition()
        self._replies: list[dict[str, Any]] = []
        self._proc: subprocess.Popen[bytes] | None = None
        self._sock: socket.socket | None = None
        self._reader: threading.Thread | None = None
        self._broken: str | None = None

    def warm(self, env: dict[str, str], preload: list[str] | None = None) -> None:
        """Start the server now (it imports ipykernel while the run prepares its first task),
        unless kernels are not to be forked. ``env`` is the kernels' base environment;
        ``preload`` what the server imports for them (:func:`preload_for`; default
        :data:`PRELOAD`)."""
        with self._lock:
            if self._proc is None and forkable([sys.executable, *_LAUNCHER]):
                env = {**env, "JPY_PARENT_PID": str(os.getpid())}
                if preload is not None:
                    env[PRELOAD_MODULES_ENV] = ",".join(preload)
                self._start(env)

    def _start(self, env: dict[str, str]) -> None:
        ours, theirs = socket.socketpair()
        self._proc = subprocess.Popen(
            [sys.executable, "-m", "ebpm.pipeline.forkserver", str(theirs.fileno())],
            pass_fds=[theirs.fileno()],
            stdin=subprocess.DEVNULL,
            env=env,
            start_new_session=True,
        )
        theirs.close()
        self._sock = ours
        self._reader = threading.Thread(target=self._read, name="ebpm-forkserver", daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self._sock is not None
        with self._sock.makefile("rb") as lines:
            for line in lines:
                message = json.loads(line)
                with self._changed:
                    if "exit" in message:
                        self._exits[message["exit"]] = message["code"]
                    else:
                        self._replies.append(message)
                    self._changed.notify_all()
        with self._changed:
            self._broken = "the kernel fork server ended"
            self._changed.notify_all()

    def spawn(self, cmd: list[str], *, env: dict[str, str], cwd: str) -> ForkedKernel:
        """Fork a kernel that runs ``cmd`` (``python -m ipykernel_launcher ...``)."""
        # as jupyter_client's launch_kernel sets it; ipykernel reads it on import (the server's)
        env = {**env, "JPY_PARENT_PID": str(os.getpid())}
        request = {"argv": cmd[2:], "env": env, "cwd": str(cwd)}
        with self._lock:
            if self._proc is None:
                self._start(env)
            assert self._sock is not None
            with self._changed:
                if self._broken:
                    raise OSError(self._broken)
            self._sock.sendall(json.dumps(request).encode() + b"\n")
            with self._changed:
                if not self._changed.wait_for(lambda: self._replies or self._broken, 30):
                    raise OSError("the kernel fork server did not answer in 30 s")
                if not self._replies:
                    raise OSError(self._broken or "the kernel fork server ended")
                reply = self._replies.pop(0)
        if "error" in reply:
            raise OSError(f"the kernel fork server could not fork: {reply['error']}")
        return ForkedKernel(self, int(reply["pid"]))

    def exit_code(self, pid: int) -> int | None:
        """The exit code of kernel ``pid``, or None while it runs."""
        with self._changed:
            if pid in self._exits:
                return self._exits[pid]
        try:
            os.kill(pid, 0)
            return None  # running, or exited and about to be reaped by the server
        except ProcessLookupError:
            pass
        except PermissionError:  # pragma: no cover - the pid was reused by another user
            return -1
        with self._changed:  # reaped: its exit is on the way
            self._changed.wait_for(lambda: pid in self._exits or self._broken, 2)
            return self._exits.get(pid, -1)

    def close(self) -> None:
        with self._lock:
            if self._sock is not None:
                with contextlib.suppress(OSError):
                    self._sock.shutdown(socket.SHUT_RDWR)
                self._sock.close()
            if self._proc is not None:
                try:
                    self._proc.wait(timeout=5)
                except subprocess.TimeoutExpired:
                    self._proc.kill()
                    self._proc.wait()
            self._proc = self._sock = None


_shared: ForkServer | None = None


@contextlib.contextmanager
def shared() -> Iterator[ForkServer]:
    """One fork server for every run started inside (the pipelines of one ``ebpm run a.yaml
    b.yaml``): what it preloaded during the first serves the first kernels of the next, which
    would otherwise be forked before a new server had loaded anything. Closed at the end, so a
    long-lived process (the scheduler) never forks kernels from modules loaded long ago."""
    global _shared
    server = ForkServer()
    _shared = server
    try:
        yield server
    finally:
        _shared = None
        server.close()


def for_run() -> tuple[ForkServer, bool]:
    """The fork server a run's pool uses, and whether the pool owns it (closes it when done):
    the :func:`shared` one when inside it, else a new one."""
    if _shared is not None:
        return _shared, False
    return ForkServer(), True


# --- the server -----------------------------------------------------------------------------


def _run_kernel(request: dict[str, Any], launcher: str) -> None:  # pragma: no cover - in a fork
    """In the forked child: become the kernel ``ipykernel_launcher`` would have started."""
    code = 1
    try:
        os.setsid()
        for sig in (signal.SIGCHLD, signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, signal.SIG_DFL)
        devnull = os.open(os.devnull, os.O_RDONLY)
        os.dup2(devnull, 0)
        os.close(devnull)
        cwd = request["cwd"]
        os.chdir(cwd)
        os.environ.clear()
        os.environ.update(request["env"])
        _after_fork()
        sys.argv = [launcher, *request["argv"][1:]]
        from ipykernel import kernelapp

        kernelapp.launch_new_instance()
        code = 0
    except SystemExit as stop:
        code = stop.code if isinstance(stop.code, int) else (0 if stop.code is None else 1)
    except BaseException:
        import traceback

        traceback.print_exc()
    finally:
        import atexit

        with contextlib.suppress(Exception):
            atexit._run_exitfuncs()  # as the interpreter would at exit
            sys.stdout.flush()
            sys.stderr.flush()
        os._exit(code)


def _reap(sock: socket.socket) -> None:
    while True:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
        code = os.waitstatus_to_exitcode(status)
        sock.sendall(json.dumps({"exit": pid, "code": code}).encode() + b"\n")


#: Imported by the server while idle, in this order (each one's own imports first), so that
#: forked kernels find them loaded. None reads a task's environment on import.
PRELOAD: tuple[str, ...] = (
    "numpy",
    "pandas",
    "scipy.stats",
    "statsmodels.api",
    "ebpm.catalog",
    "ebpm.estimators",
    "ebpm.japan",
    "ebpm.report",
    "matplotlib.pyplot",  # the backend is named by MPLBACKEND and loaded on first use
    "ebpm.plotting",
    "geopandas",
)


#: Libraries known to import cleanly in the server (no task environment, no threads, no
#: files of the project): preloaded when a run's notebooks import them without ebpm.
_SAFE_TO_PRELOAD = ("numpy", "pandas", "scipy", "statsmodels", "matplotlib", "geopandas")


def preload_for(codes: Iterable[str]) -> list[str]:
    """What the server preloads for a run whose notebooks' code cells are ``codes``.

    All of :data:`PRELOAD` when one imports ebpm (its report notebooks use most of it, directly
    or inside ebpm's functions); else the modules they import themselves among libraries known
    to import cleanly (numpy, pandas, scipy, statsmodels, matplotlib, geopandas); else nothing:
    preloading is work done in advance, which a run of notebooks that import little would pay
    for on the cores its tasks need.
    """
    import ast

    found: list[str] = []
    for code in codes:
        text = "\n".join(
            "" if line.lstrip().startswith(("%", "!")) else line for line in code.splitlines()
        )
        try:
            tree = ast.parse(text)
        except (SyntaxError, ValueError):
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                found += [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                found.append(node.module)
    if any(name == "ebpm" or name.startswith("ebpm.") for name in found):
        return list(PRELOAD)
    return list(dict.fromkeys(n for n in found if n.split(".")[0] in _SAFE_TO_PRELOAD))


def _preload(name: str) -> None:  # pragma: no cover - runs in the server process
    """Import ``name`` in the server; a module that fails is left to the kernel, which then
    reports the error where the notebook imports it."""
    import importlib

    with contextlib.suppress(Exception):
        importlib.import_module(name)


def _after_fork() -> None:  # pragma: no cover - runs in a forked kernel
    """What a preloaded module took from the server, made the kernel's own: numpy's global
    generator drawn afresh, matplotlib's backend as the kernel's ``MPLBACKEND`` names it."""
    numpy = sys.modules.get("numpy")
    if numpy is not None:
        numpy.random.seed()
    matplotlib = sys.modules.get("matplotlib")
    backend = os.environ.get("MPLBACKEND")
    if matplotlib is not None and backend and matplotlib.rcParams["backend"] != backend:
        matplotlib.rcParams["backend"] = backend


def _fork_kernel(
    request: dict[str, Any], launcher: str, *close: socket.socket
) -> dict[str, Any]:  # pragma: no cover - runs in a server process
    """Fork the kernel ``request`` asks for; the reply for the driver."""
    try:
        pid = os.fork()
    except OSError as err:
        return {"error": str(err)}
    if pid == 0:
        for s in close:
            s.close()
        _run_kernel(request, launcher)
    return {"pid": pid}


def _send(sock: socket.socket, message: dict[str, Any]) -> None:
    sock.sendall(json.dumps(message).encode() + b"\n")


class _Lines:
    """The JSON lines arriving on a socket."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.buffer = b""

    def read(self) -> list[dict[str, Any]] | None:
        """The complete lines now readable; None at the end of the stream."""
        chunk = self.sock.recv(1 << 20)
        if not chunk:
            return None
        self.buffer += chunk
        out = []
        while b"\n" in self.buffer:
            line, self.buffer = self.buffer.split(b"\n", 1)
            out.append(json.loads(line))
        return out


def _serve_plain(sock: socket.socket, launcher: str) -> None:  # pragma: no cover - a server
    """Fork a kernel per request on ``sock``, report their exits, until ``sock`` closes."""
    import select

    lines = _Lines(sock)
    while True:
        ready, _, _ = select.select([sock], [], [], 0.1)
        _reap(sock)
        if not ready:
            continue
        requests = lines.read()
        if requests is None:
            _reap_all()
            return
        for request in requests:
            _send(sock, _fork_kernel(request, launcher, sock))


def _reap_all(wait_s: float = 5.0) -> None:  # pragma: no cover - runs in a server process
    """Wait for this server's children to end (the driver has killed its kernels by now), so
    that their CPU time is counted with this process's, as a parent's should be."""
    end = time.monotonic() + wait_s
    while time.monotonic() < end:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            time.sleep(0.01)


def _preload_list() -> list[str]:  # pragma: no cover - runs in the server process
    """What to preload: the driver's list (:func:`preload_for`), else :data:`PRELOAD`."""
    given = os.environ.get(PRELOAD_MODULES_ENV)
    if given is None:
        return list(PRELOAD)
    return [name for name in given.split(",") if name]


def _start_preloader(launcher: str, driver: socket.socket) -> socket.socket | None:
    """Fork the warm server: it imports :data:`PRELOAD`, says ``ready``, then forks the kernels
    passed on to it (:func:`_serve_plain`). Its end of the pair; None if it cannot be forked.
    """  # pragma: no cover - runs in the server process
    ours, theirs = socket.socketpair()
    try:
        pid = os.fork()
    except OSError:
        ours.close()
        theirs.close()
        return None
    if pid == 0:  # pragma: no cover - the preloader
        code = 0
        try:
            ours.close()
            driver.close()
            for name in _preload_list():
                _preload(name)
            _send(theirs, {"ready": True})
            _serve_plain(theirs, launcher)
        except BaseException:
            code = 1
        finally:
            os._exit(code)
    theirs.close()
    return ours


def serve(fd: int) -> None:  # pragma: no cover - runs in the server process
    """Answer requests on socket ``fd`` until the driver closes it.

    With preloading on, the server forks a second one at once that imports :data:`PRELOAD`;
    kernels are forked here until it is ready, and by it afterwards (their exits reach the
    driver through here). So no kernel waits for a module being preloaded, and a preloader
    that fails leaves the server as it was.
    """
    import importlib.util
    import select
    from pathlib import Path

    # as ipykernel_launcher does: no working folder on sys.path while ipykernel loads (the
    # kernel's shell puts '' back in its place, so the task's folder is on it)
    if sys.path and (sys.path[0] == "" or Path(sys.path[0]) == Path.cwd()):
        del sys.path[0]
    import ipykernel.ipkernel  # imported once here, inherited by every fork
    import ipykernel.kernelapp  # noqa: F401

    spec = importlib.util.find_spec("ipykernel_launcher")
    launcher = (spec.origin if spec else None) or "ipykernel_launcher"  # sys.argv[0] of a kernel
    sock = socket.socket(fileno=fd)
    driver = _Lines(sock)
    preload = os.environ.get(PRELOAD_ENV, "1") != "0" and _preload_list()
    warm = _start_preloader(launcher, sock) if preload else None
    helper = _Lines(warm) if warm is not None else None
    ready = False
    waiting = 0  # requests passed to the preloader and not answered yet
    while True:
        watched = [sock] + ([helper.sock] if helper else [])
        readable, _, _ = select.select(watched, [], [], 0.1)
        _reap(sock)
        if helper is not None and helper.sock in readable:
            messages = helper.read()
            if messages is None:  # the preloader ended: fork here again
                helper.sock.close()
                helper, ready = None, False
                for _ in range(waiting):
                    _send(sock, {"error": "the preloading kernel server ended"})
                waiting = 0
            else:
                for message in messages:
                    if message.get("ready"):
                        ready = True
                        continue
                    if "exit" not in message:
                        waiting -= 1
                    _send(sock, message)
        if sock not in readable:
            continue
        requests = driver.read()
        if requests is None:
            if helper is not None:
                helper.sock.close()  # the preloader sees the end and exits
            _reap_all()
            return
        for request in requests:
            if ready and helper is not None:
                _send(helper.sock, request)
                waiting += 1
            else:
                close = [sock] + ([helper.sock] if helper else [])
                _send(sock, _fork_kernel(request, launcher, *close))


if __name__ == "__main__":  # pragma: no cover
    serve(int(sys.argv[1]))
