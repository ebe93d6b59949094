"""Execute one task's notebook in a Jupyter kernel, with papermill.

This module and :mod:`ebpm.pipeline.runner` are the only ones that import papermill (lazily).

Two things make a task cheap beyond its own cells:

* **Warm kernels.** :func:`start_kernel` starts a kernel and connects a client that has already
  waited for the kernel to be ready, so a task can take it over at once. The local executor
  starts the next task's kernel while the current task runs (``jupyter_client``'s
  ``wait_for_ready`` otherwise costs a fixed 0.2 s per notebook on top of the 0.45 s start).
* **Immediate shutdown** in the background: a finished kernel is killed, never asked nicely
  (graceful shutdown sometimes stalls about 3.5 s).

:func:`execute_task` is also what a Dask worker runs (:func:`execute_on_worker`): the payload
carries the notebook itself and the outcome carries the executed notebook, so a worker on another
machine needs no shared folder for them.

A ``python3`` kernel also records the project files its notebook opens (:mod:`ebpm._reads`,
started by one line of ``exec_lines``), into a file of the machine that runs it; the outcome
carries the list, so the runner can rerun the task when one of them changes.
"""

from __future__ import annotations

import atexit
import contextlib
import functools
import hashlib
import json
import logging
import os
import signal
import sys
import tempfile
import threading
import time
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from jupyter_client.asynchronous import AsyncKernelClient
from jupyter_client.manager import AsyncKernelManager

from ebpm import _reads
from ebpm._protocol import READS_FILE_ENV
from ebpm.pipeline.forkserver import ForkServer, forkable

__all__ = [
    "TRANSIENT_ERRORS",
    "Outcome",
    "Payload",
    "execute_on_worker",
    "execute_task",
    "kernel_environment",
    "kernel_start_failure",
    "kill_kernel",
    "start_kernel",
    "wait_for_shutdowns",
]

#: Exceptions raised in a notebook that say "try again later", not "the analysis is wrong":
#: network trouble and a publisher's 5xx (ebpm's RemoteError / SourceStatusError).
TRANSIENT_ERRORS = frozenset(
    {
        "RemoteError",
        "SourceStatusError",
        "ConnectionError",
        "ConnectTimeout",
        "ReadTimeout",
        "Timeout",
        "TimeoutError",
        "ChunkedEncodingError",
        "ConnectionResetError",
        "ConnectionRefusedError",
        "IncompleteRead",
    }
)

#: Kernels run side by side: one BLAS thread each (see PRODUCT.md, performance facts).
#: How often a kernel is started before its start counts as the task's failure.
START_ATTEMPTS = 2
log = logging.getLogger(__name__)

KERNEL_ENV = {
    "OPENBLAS_NUM_THREADS": "1",
    "OMP_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
    # figures inline in the executed notebook (matplotlib reads it on import)
    "MPLBACKEND": "module://matplotlib_inline.backend_inline",
}


@dataclass(frozen=True)
class Payload:
    """Everything a worker needs to run one task (picklable, no open files)."""

    task: str
    notebook: str  # nbformat JSON of the source notebook
    parameters: dict[str, Any]
    cwd: str
    env: dict[str, str]
    kernel: str = "python3"
    timeout: float | None = None
    attempt: int = 1
    cancel_event: str | None = None  # name of a dask ``Event`` that cancels the run


@dataclass
class Outcome:
    """What happened when a worker ran a task."""

    task: str
    status: str  # ok | failed | cancelled
    reason: str | None = None
    transient: bool = False
    notebook: str | None = None  # nbformat JSON of the executed notebook (also on failure)
    started_at: str | None = None
    duration_s: float = 0.0
    cell_time_s: float = 0.0  # the notebook's own cell time, from papermill's metadata
    attempt: int = 1
    worker: str = field(default_factory=lambda: f"{os.uname().nodename}:{os.getpid()}")
    #: the project files the notebook read (relative to the project root), in the order first
    #: read; None when that is unknown (another kernel than python3)
    reads: list[str] | None = None

    def to_dict(self) -> dict[str, Any]:
        """Plain dict (what a Dask worker sends back)."""
        return asdict(self)


# --- kernels ---------------------------------------------------------------------------------
class ReadyKernelClient(AsyncKernelClient):
    """A client that remembers it already waited for its kernel: nbclient's second
    ``wait_for_ready`` (a fixed 0.2 s IOPub flush) and ``start_channels`` become no-ops."""

    _confirmed_ready = False

    def start_channels(self, *args: Any, **kwargs: Any) -> None:
        if self.channels_running:
            return
        super().start_channels(*args, **kwargs)

    async def _async_wait_for_ready(self, timeout: float | None = None) -> None:
        if self._confirmed_ready:
            return
        await super()._async_wait_for_ready(timeout=timeout)
        self._confirmed_ready = True

    wait_for_ready = _async_wait_for_ready


class WarmKernelManager(AsyncKernelManager):
    """A kernel manager whose next :meth:`client` is the already-connected warm client."""

    warm_client: ReadyKernelClient | None = None
    reads_file: str | None = None  # where the kernel records the project files it opens
    fork_server: ForkServer | None = None  # forks the kernel from a warm process when it can

    async def _async_launch_kernel(self, kernel_cmd: list[str], **kw: Any) -> None:
        """Fork the kernel from :attr:`fork_server` when it is ipykernel on this interpreter;
        the provisioner then watches the forked process as it would its own."""
        from jupyter_client.provisioning.local_provisioner import LocalProvisioner

        provisioner = self.provisioner
        if (
            self.fork_server is None
            or not forkable(kernel_cmd)
            or type(provisioner) is not LocalProvisioner
        ):
            await super()._async_launch_kernel(kernel_cmd, **kw)
            return
        cwd = kw.get("cwd") or os.getcwd()
        try:
            process = self.fork_server.spawn(kernel_cmd, env=kw.get("env") or {}, cwd=cwd)
        except OSError as err:  # the server is gone: start this kernel the usual way
            log.warning("starting the kernel as a process of its own: %s", err)
            await super()._async_launch_kernel(kernel_cmd, **kw)
            return
        provisioner.process = process  # type: ignore[assignment]  # Popen-like
        provisioner.pid = provisioner.pgid = process.pid  # the fork made a session of its own
        provisioner.cwd = cwd
        self._reconcile_connection_info(provisioner.connection_info)

    def client(self, **kwargs: Any) -> Any:
        if self.warm_client is not None:
            kc, self.warm_client = self.warm_client, None
            return kc
        return super().client(**kwargs)


_SPEC_LOCK = threading.Lock()


def _kernel_spec_manager(kernel: str) -> Any:
    """For ``python3``: a kernelspec that is *this* interpreter. A user-level ``python3``
    kernelspec (what ``ipykernel install --user`` writes) must not take a run to another
    Python."""
    from jupyter_client.kernelspec import KernelSpecManager

    if kernel != "python3":
        return KernelSpecManager()
    digest = hashlib.sha256(sys.executable.encode()).hexdigest()[:12]
    folder = Path(tempfile.gettempdir()) / f"ebpm-kernels-{os.getuid()}-{digest}"
    spec = folder / "python3" / "kernel.json"
    argv = [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"]
    with _SPEC_LOCK:
        if not spec.is_file():
            spec.parent.mkdir(parents=True, exist_ok=True)
            tmp = spec.with_suffix(f".{os.getpid()}-{threading.get_ident()}.tmp")
            tmp.write_text(
                json.dumps(
                    {"argv": argv, "display_name": "Python 3 (ebpm run)", "language": "python"}
                ),
                encoding="utf-8",
            )
            os.replace(tmp, spec)
    return KernelSpecManager(kernel_dirs=[str(folder)], ensure_native_kernel=False)


#: Set by Dask's nanny for its worker processes (and, for a LocalCluster, in the process that
#: starts it); a small malloc trim threshold makes numpy in a kernel 40% slower.
_NOT_FOR_KERNELS = frozenset({"MALLOC_TRIM_THRESHOLD_", "PYTHONHASHSEED", "__DASK_PARENT_PID"})


def kernel_environment(env: dict[str, str]) -> dict[str, str]:
    """This process's environment without what kernels must not inherit, then ``env``."""
    base = {k: v for k, v in os.environ.items() if k not in _NOT_FOR_KERNELS}
    return {**base, **env}


def start_kernel(
    *,
    kernel: str,
    env: dict[str, str],
    cwd: str,
    timeout: float = 60,
    fork_server: ForkServer | None = None,
) -> Any:
    """Start a kernel and a connected client that has waited for it to be ready.

    The start runs on a thread of its own, so the client's sockets belong to an event loop that
    never runs again. Started on a long-lived thread, the next start's loop would take the
    running task's socket events, and the task would only wake on nbclient's 1 s liveness
    check (measured: 5-7 of 36 cells stalled about 1 s).
    """
    box: dict[str, Any] = {}

    def work() -> None:
        try:
            box["km"] = _start_kernel(
                kernel=kernel, env=env, cwd=cwd, timeout=timeout, fork_server=fork_server
            )
        except BaseException as err:  # handed to the caller's thread
            box["error"] = err

    for attempt in range(1, START_ATTEMPTS + 1):
        box.clear()
        t = threading.Thread(target=work, name="ebpm-kernel-start", daemon=True)
        t.start()
        t.join()
        err = box.get("error")
        if err is None:
            return box["km"]
        if type(err).__name__ == "NoSuchKernel" or attempt == START_ATTEMPTS:
            raise err
        # jupyter_client picks free ports, then the kernel binds them: another process can take
        # one in between ("Address already in use") and the kernel dies before replying. Nothing
        # of the notebook ran, so starting again is safe and does not count as a retry.
        log.info("the kernel %r did not start (%s); starting it again", kernel, err)
    raise AssertionError("unreachable")  # pragma: no cover


def _start_kernel(
    *, kernel: str, env: dict[str, str], cwd: str, timeout: float, fork_server: ForkServer | None
) -> Any:
    from jupyter_core.utils import run_sync

    km = WarmKernelManager(
        kernel_name=kernel,
        kernel_spec_manager=_kernel_spec_manager(kernel),
        client_class="ebpm.pipeline.execute.ReadyKernelClient",
    )
    km.fork_server = fork_server
    # ipykernel warns on every start that loopback TCP is unencrypted; the run's output should
    # show the analyst's tasks, not that.
    extra = ["--IPKernelApp.log_level=ERROR"] if kernel == "python3" else []
    if kernel == "python3":
        km.reads_file = _new_reads_file()
        env = {**env, READS_FILE_ENV: km.reads_file}
        extra.append(f"--IPKernelApp.exec_lines={json.dumps([_RECORD_READS, _SETUP_PLOTS])}")
    run_sync(km.start_kernel)(env=kernel_environment(env), cwd=cwd, extra_arguments=extra)
    kc = km.client()
    # no heartbeat thread: nbclient watches the kernel process itself, and a heartbeat thread
    # polling a socket that a finished task's shutdown closes can die noisily at exit
    kc.start_channels(hb=False)
    try:
        run_sync(kc.wait_for_ready)(timeout=timeout)
    except Exception:
        kill_kernel(km)
        raise
    km.warm_client = kc
    return km


@functools.cache
def _register_tuple_translator() -> None:
    """Make papermill write a tuple parameter as a tuple literal: its Python translator knows no
    tuples and injected ``items = "(1, 2)"``, a string, for a ``tuple[int, ...]`` parameter."""
    from papermill.translators import PythonTranslator, papermill_translators

    class TupleTranslator(PythonTranslator):
        @classmethod
        def translate(cls, val: Any) -> str:
            if isinstance(val, tuple):
                items = ", ".join(cls.translate(v) for v in val)
                return f"({items},)" if len(val) == 1 else f"({items})"
            return str(super().translate(val))

    papermill_translators.register("python", TupleTranslator)


#: Run in the kernel before the notebook: record the project files it opens. It binds no name
#: in the notebook's namespace and, run with ``store_history=False``, takes no execution count.
_RECORD_READS = "__import__('ebpm._reads', fromlist=['install']).install()"
#: Run before the notebook too: its figures get the Japanese font and the project's palette
#: (:func:`ebpm.plotting.setup_on_import`; matplotlib loads only if the notebook plots).
_SETUP_PLOTS = "__import__('ebpm.plotting', fromlist=['setup_on_import']).setup_on_import()"

_READS_FILES: set[str] = set()  # made by this process and not yet read (removed at exit)


def _new_reads_file() -> str:
    fd, path = tempfile.mkstemp(prefix="ebpm-reads-", suffix=".txt")
    os.close(fd)
    _READS_FILES.add(path)
    return path


@atexit.register
def _remove_reads_files() -> None:
    """The record files of warm kernels that never ran a task (a cancelled run)."""
    for path in list(_READS_FILES):
        with contextlib.suppress(OSError):
            os.unlink(path)
    _READS_FILES.clear()


def _take_reads(km: Any) -> list[str] | None:
    """The project files the task in kernel ``km`` read (its record file is removed); None
    when they are unknown: another kernel than python3, or a record that is missing, did not
    start or could not note a path."""
    path = getattr(km, "reads_file", None)
    if not path:
        return None
    _READS_FILES.discard(path)
    try:
        text = Path(path).read_text(encoding="utf-8", errors="surrogateescape")
    except OSError:
        return None
    finally:
        with contextlib.suppress(OSError):
            os.unlink(path)
    return _reads.parse(text)


def kernel_start_failure(kernel: str, err: BaseException) -> str:
    """Why a kernel did not start, with the fix for the common case."""
    if type(err).__name__ == "NoSuchKernel":
        return (
            f"NoSuchKernel: there is no Jupyter kernel named {kernel!r}; `jupyter kernelspec "
            "list` shows the installed ones (the default, python3, is the Python running ebpm)"
        )
    return f"the kernel {kernel!r} did not start: {type(err).__name__}: {err}"


def kill_kernel(km: Any) -> None:
    """Kill a kernel and every process it started, at once, and close its client; never raises.

    jupyter_client starts each kernel in a session of its own, so its process group holds the
    kernel and whatever its notebook started (a ``subprocess``, a ``multiprocessing`` pool, a
    model fit in a helper program): a task past its timeout must not leave those running at
    full CPU. A process that made a session of its own (a daemon) is out of reach.
    """
    kc = getattr(km, "warm_client", None)
    with contextlib.suppress(Exception):
        if kc is not None:
            kc.stop_channels()
    provisioner = getattr(km, "provisioner", None)
    process = getattr(provisioner, "process", None)
    if process is not None:
        _kill_group(getattr(provisioner, "pgid", None), process.pid)
    with contextlib.suppress(Exception):
        if process is not None:
            process.kill()
            process.wait(timeout=5)
    with contextlib.suppress(Exception):
        from jupyter_core.utils import run_sync

        run_sync(km.cleanup_resources)()  # the connection file


def _kill_group(pgid: int | None, pid: int) -> None:
    """SIGKILL the process group ``pgid`` of the kernel ``pid``, never ebpm's own group."""
    if not hasattr(os, "killpg"):  # pragma: no cover - Windows: the kernel alone is killed
        return
    with contextlib.suppress(OSError):
        pgid = pgid or os.getpgid(pid)
    if not pgid or pgid == os.getpgrp():
        return
    with contextlib.suppress(OSError):  # already gone
        os.killpg(pgid, signal.SIGKILL)


_SHUTDOWNS: set[threading.Thread] = set()


def _kill_in_background(km: Any, kc: Any = None) -> None:
    def work() -> None:
        try:
            with contextlib.suppress(Exception):
                if kc is not None:
                    kc.stop_channels()
            kill_kernel(km)
        finally:
            _SHUTDOWNS.discard(threading.current_thread())

    t = threading.Thread(target=work, name="ebpm-kernel-shutdown", daemon=True)
    _SHUTDOWNS.add(t)
    t.start()


def wait_for_shutdowns(timeout: float = 10) -> None:
    """Wait until the kernels of finished tasks are gone (before the process exits)."""
    for t in list(_SHUTDOWNS):
        t.join(timeout=timeout)


# --- one task --------------------------------------------------------------------------------
class _Watchdog:
    """Kills the task's kernel when its wall-clock budget is spent or the run is cancelled."""

    def __init__(
        self, km: Any, *, timeout: float | None, cancel: Any, cancel_event: str | None
    ) -> None:
        self.km = km
        self.fired: str | None = None
        self._done = threading.Event()
        self._deadline = time.monotonic() + timeout if timeout else None
        self._cancel = cancel
        self._dask_event = cancel_event
        # a Dask Event needs a client: the worker's is found from the task's own thread only,
        # so it is looked up here, not in the watchdog's thread (where Event() without a client
        # raises, and the cancel was never seen)
        self._client: Any = None
        if cancel_event:
            with contextlib.suppress(Exception):
                from distributed import get_client

                self._client = get_client()
        self._thread = threading.Thread(target=self._watch, name="ebpm-watchdog", daemon=True)
        self._thread.start()

    def _cancelled(self) -> bool:
        if self._cancel is not None and self._cancel.is_set():
            return True
        if self._dask_event and self._client is not None:
            with contextlib.suppress(Exception):
                from distributed import Event

                return bool(Event(self._dask_event, client=self._client).is_set())
        return False

    def _watch(self) -> None:
        step = 0.5 if self._dask_event else 0.1
        while not self._done.wait(step):
            if self._cancelled():
                self.fired = "cancelled"
            elif self._deadline is not None and time.monotonic() > self._deadline:
                self.fired = "timeout"
            if self.fired:
                kill_kernel(self.km)
                return

    def stop(self) -> None:
        self._done.set()


def _cell_time(nb: Any) -> float:
    total = 0.0
    for cell in nb.cells:
        d = cell.get("metadata", {}).get("papermill", {}).get("duration")
        if isinstance(d, int | float):
            total += d
    return round(total, 4)


def execute_task(payload: Payload, *, km: Any = None, cancel: Any = None) -> Outcome:
    """Run one task's notebook; never raises for what happens in the kernel.

    Parameters
    ----------
    payload : Payload
        The task.
    km : kernel manager, optional
        A warm kernel from :func:`start_kernel` (started with the payload's env and cwd); one is
        started when not given.
    cancel : threading.Event, optional
        When set, the kernel is killed and the outcome is ``cancelled``.
    """
    import nbformat
    import papermill
    from nbclient.exceptions import DeadKernelError
    from papermill.exceptions import PapermillExecutionError

    _register_tuple_translator()
    # ebpm checked the parameters against the notebook's own cell before the run; papermill's
    # guesses about annotated lines ("Unable to parse line ...") would only be noise
    logging.getLogger("papermill").setLevel(logging.ERROR)
    logging.getLogger("nbclient").setLevel(logging.CRITICAL)  # "Kernel died ...": we say why
    started_at = datetime.now(UTC).isoformat(timespec="seconds")
    t0 = time.perf_counter()
    out = Outcome(
        task=payload.task, status="failed", started_at=started_at, attempt=payload.attempt
    )
    if cancel is not None and cancel.is_set():
        if km is not None:
            _kill_in_background(km)
        out.status, out.reason = "cancelled", "the run was cancelled before the task started"
        return out
    try:
        if km is None:
            km = start_kernel(kernel=payload.kernel, env=payload.env, cwd=payload.cwd)
    except Exception as err:
        out.reason = kernel_start_failure(payload.kernel, err)
        out.transient = type(err).__name__ != "NoSuchKernel"
        out.duration_s = round(time.perf_counter() - t0, 3)
        return out
    kc = km.warm_client
    nb = nbformat.reads(payload.notebook, as_version=4)
    watchdog = _Watchdog(
        km, timeout=payload.timeout, cancel=cancel, cancel_event=payload.cancel_event
    )
    fd, tmp = tempfile.mkstemp(prefix=f"ebpm-{payload.task}-", suffix=".ipynb")
    os.close(fd)
    try:
        executed = papermill.execute_notebook(
            nb,
            tmp,
            parameters=payload.parameters,
            kernel_name=payload.kernel,
            km=km,
            progress_bar=False,
            log_output=False,
            # saved after each cell: when the kernel dies, what ran before it is kept (with
            # False, papermill writes nothing unless the notebook finishes)
            request_save_on_cell_execute=True,
        )
        out.status = "ok"
        out.cell_time_s = _cell_time(executed)
    except PapermillExecutionError as err:
        out.reason = f"cell In [{err.exec_count}] raised {err.ename}: {err.evalue}"
        out.transient = err.ename in TRANSIENT_ERRORS
    except DeadKernelError:
        pass  # reason below: which one depends on the watchdog
    except Exception as err:  # a kernel that stopped answering, a broken notebook
        out.reason = f"{type(err).__name__}: {err}".strip()
    finally:
        watchdog.stop()
        _kill_in_background(km, kc)
    out.reads = _take_reads(km)
    if watchdog.fired == "timeout":
        out.status = "failed"
        out.reason = (
            f"timed out after {payload.timeout:g} s (the task's `timeout`); the kernel was "
            "stopped. Raise `timeout` in the spec if the task needs longer"
        )
    elif watchdog.fired == "cancelled":
        out.status, out.reason = "cancelled", "the run was cancelled (Ctrl-C or SIGTERM)"
    elif out.status != "ok" and out.reason is None:
        out.reason = (
            "the kernel died (killed, or out of memory) before the notebook finished; see the "
            "last cell that ran in the executed notebook"
        )
        out.transient = True
    with contextlib.suppress(OSError):
        text = Path(tmp).read_text(encoding="utf-8")
        if text.strip():
            out.notebook = text
    with contextlib.suppress(OSError):
        os.unlink(tmp)
    out.duration_s = round(time.perf_counter() - t0, 3)
    return out


def execute_on_worker(payload: Payload) -> dict[str, Any]:
    """Entry point on a Dask worker: run the task and return the outcome as a dict."""
    return execute_task(payload).to_dict()
