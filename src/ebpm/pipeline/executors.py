"""Where tasks run: a local pool of warm kernels, or a Dask distributed cluster.

Both take :class:`~ebpm.pipeline.execute.Payload` objects with :meth:`submit` and deliver
:class:`~ebpm.pipeline.execute.Outcome` objects on :attr:`results` (a queue the runner reads
from its main thread, where it publishes). :meth:`cancel` stops running kernels; :meth:`close`
releases everything.
"""

from __future__ import annotations

import contextlib
import logging
import os
import queue
import threading
from collections.abc import Hashable
from dataclasses import dataclass, replace
from typing import Any

from ebpm._env import env_number
from ebpm.errors import PipelineError
from ebpm.pipeline.execute import (
    KERNEL_ENV,
    Outcome,
    Payload,
    execute_task,
    kernel_environment,
    kernel_start_failure,
    kill_kernel,
    start_kernel,
    wait_for_shutdowns,
)
from ebpm.pipeline.forkserver import for_run

__all__ = ["DASK_TIMEOUT_ENV", "DaskExecutor", "LocalExecutor", "Started", "dask_timeout"]

DASK_TIMEOUT_ENV = "EBPM_DASK_TIMEOUT"  # seconds to wait for a remote Dask scheduler (10)

log = logging.getLogger(__name__)

_STOP = object()


def dask_timeout() -> float:
    """Seconds to wait for a remote Dask scheduler: ``$EBPM_DASK_TIMEOUT`` or 10."""
    return env_number(DASK_TIMEOUT_ENV, 10, positive=True)


@dataclass(frozen=True)
class Started:
    """Put on :attr:`results` when a task's notebook starts executing."""

    task: str
    attempt: int


def _not_started(payload: Payload) -> Outcome:
    return Outcome(
        task=payload.task,
        status="cancelled",
        reason="the run was cancelled before the task started",
        attempt=payload.attempt,
    )


class LocalExecutor:
    """``jobs`` kernels at a time on this machine.

    Launcher threads start each task's kernel as soon as the task is submitted (at most ``jobs``
    warm kernels wait), so a worker that finishes a task takes the next one with its kernel
    already up. Each task gets a fresh kernel, started with the task's own environment.
    """

    def __init__(self, jobs: int, *, preload: list[str] | None = None) -> None:
        self.jobs = max(1, int(jobs))
        self.results: queue.Queue[Outcome | Started] = queue.Queue()
        self.cancel_event = threading.Event()
        self._pending: queue.Queue[Any] = queue.Queue()
        self._warm: queue.Queue[Any] = queue.Queue(maxsize=self.jobs)
        # kernels forked from one warm process: a start costs 0.03 s of CPU, not 0.24 s
        self._fork_server, self._owns_server = for_run()
        # in the kernels' base environment: what the server preloads reads it (BLAS threads)
        self._fork_server.warm(kernel_environment(KERNEL_ENV), preload)
        # one launcher more than workers: a task shorter than a kernel start (about 0.5 s of
        # CPU) would otherwise wait for its kernel, with a core idle
        self.launchers = self.jobs + 1
        self._launch_threads = [
            threading.Thread(target=self._launch, name=f"ebpm-launch-{i}", daemon=True)
            for i in range(self.launchers)
        ]
        self._work_threads = [
            threading.Thread(target=self._work, name=f"ebpm-worker-{i}", daemon=True)
            for i in range(self.jobs)
        ]
        for t in self._launch_threads + self._work_threads:
            t.start()

    def submit(self, payload: Payload) -> None:
        """Queue a task; its kernel starts as soon as a launcher is free."""
        self._pending.put(payload)

    def _launch(self) -> None:
        while True:
            payload = self._pending.get()
            if payload is _STOP:
                return
            if self.cancel_event.is_set():
                self.results.put(_not_started(payload))
                continue
            try:
                km = start_kernel(
                    kernel=payload.kernel,
                    env=payload.env,
                    cwd=payload.cwd,
                    fork_server=self._fork_server,
                )
                item: Any = (payload, km, None)
            except Exception as err:
                item = (payload, None, err)
            if not self._put_warm(item) and item[1] is not None:
                kill_kernel(item[1])

    def _put_warm(self, item: tuple[Any, ...]) -> bool:
        while True:
            try:
                self._warm.put(item, timeout=0.2)
                return True
            except queue.Full:
                if self.cancel_event.is_set():
                    self.results.put(_not_started(item[0]))
                    return False

    def _work(self) -> None:
        while True:
            item = self._warm.get()
            if item is _STOP:
                return
            payload, km, err = item
            if err is not None:
                self.results.put(
                    Outcome(
                        task=payload.task,
                        status="failed",
                        reason=kernel_start_failure(payload.kernel, err),
                        transient=type(err).__name__ != "NoSuchKernel",
                        attempt=payload.attempt,
                    )
                )
                continue
            self.results.put(Started(payload.task, payload.attempt))
            try:
                outcome = execute_task(payload, km=km, cancel=self.cancel_event)
            except Exception as exc:  # a bug of ours must not hang the run
                log.exception("task %s", payload.task)
                outcome = Outcome(
                    task=payload.task,
                    status="failed",
                    reason=f"ebpm could not run the task: {type(exc).__name__}: {exc}",
                    attempt=payload.attempt,
                )
            self.results.put(outcome)

    def cancel(self) -> None:
        """Kill running kernels (their tasks end as cancelled) and start no more."""
        self.cancel_event.set()
        while True:
            try:
                item = self._warm.get_nowait()
            except queue.Empty:
                break
            if item is _STOP:
                continue
            payload, km, _ = item
            if km is not None:
                kill_kernel(km)
            self.results.put(_not_started(payload))

    def close(self) -> None:
        """Stop the threads once the queued work is done (or cancelled)."""
        for _ in range(self.launchers):
            self._pending.put(_STOP)
        for t in self._launch_threads:
            t.join(timeout=60)
        for _ in range(self.jobs):
            self._warm.put(_STOP)  # after every warm kernel queued before it
        for t in self._work_threads:
            t.join(timeout=60)
        wait_for_shutdowns()
        if self._owns_server:
            self._fork_server.close()


class DaskExecutor:
    """Tasks on a Dask distributed cluster: ``address`` ``tcp://host:port``, or ``"local"`` for a
    :class:`distributed.LocalCluster` of ``jobs`` single-threaded worker processes.

    Workers need ebpm installed and the project at the same path (notebooks run with the
    project root as their working folder); the notebook itself and the executed result travel
    with the task. Cancelling sets a Dask ``Event`` that each task's watchdog polls.
    """

    def __init__(self, address: str, *, jobs: int, run_id: str) -> None:
        try:
            from distributed import Client, Event, LocalCluster
        except ImportError as err:  # pragma: no cover - distributed is a dependency
            raise PipelineError(
                "running on Dask needs `distributed`; install it with `pip install distributed`"
            ) from err
        self.results: queue.Queue[Outcome | Started] = queue.Queue()
        self.cancel_event = threading.Event()
        self.cluster = None
        self.event_name = f"ebpm-cancel-{run_id}"
        self._futures: dict[Hashable, Any] = {}  # by Dask key
        # a LocalCluster's nanny sets variables in this process's environment for its workers
        # (MALLOC_TRIM_THRESHOLD_, PYTHONHASHSEED, ...); close() puts the environment back
        self._environ = dict(os.environ)
        if address == "local":
            self.cluster = LocalCluster(
                n_workers=max(1, int(jobs)),
                threads_per_worker=1,
                processes=True,
                dashboard_address=None,
                silence_logs=logging.ERROR,
            )
            self.client = Client(self.cluster)
            self.address = str(self.cluster.scheduler_address)
        else:
            timeout = dask_timeout()
            try:
                self.client = Client(address, timeout=f"{timeout}s")
            except (OSError, TimeoutError) as err:
                raise PipelineError(
                    f"cannot reach the Dask scheduler at {address!r}: {err}. Check the address "
                    "(tcp://HOST:PORT, as `dask scheduler` prints it), or use `--dask local`"
                ) from err
            self.address = address
        self._event = Event(self.event_name, client=self.client)
        self._event.clear()

    def submit(self, payload: Payload) -> None:
        """Send a task to the cluster."""
        from ebpm.pipeline.execute import execute_on_worker

        payload = replace(payload, cancel_event=self.event_name)
        self.results.put(Started(payload.task, payload.attempt))  # queued on the cluster
        try:
            future = self.client.submit(
                execute_on_worker,
                payload,
                key=f"ebpm-{payload.task}-{payload.attempt}-{id(payload):x}",
                pure=False,
            )
        except Exception:  # the client closed: its scheduler went away
            if self.cancel_event.is_set():
                self.results.put(_not_started(payload))
            else:
                self.results.put(self._lost(payload))
            return
        self._futures[future.key] = future
        future.add_done_callback(lambda f, p=payload: self._done(f, p))

    def _done(self, future: Any, payload: Payload) -> None:
        self._futures.pop(future.key, None)
        try:
            outcome = Outcome(**future.result())
        except Exception as err:
            if self.cancel_event.is_set():  # only ebpm's own cancel is a cancellation
                outcome = Outcome(
                    task=payload.task,
                    status="cancelled",
                    reason="the run was cancelled",
                    attempt=payload.attempt,
                )
            elif self._scheduler_lost(future):
                outcome = self._lost(payload)
            else:
                outcome = Outcome(
                    task=payload.task,
                    status="failed",
                    reason=f"the Dask worker failed: {type(err).__name__}: {err}",
                    transient=True,
                    attempt=payload.attempt,
                )
        self.results.put(outcome)

    def _scheduler_lost(self, future: Any) -> bool:
        """Whether the client lost its scheduler (Dask then cancels every future it held)."""
        if future.status == "cancelled":
            return True
        return str(getattr(self.client, "status", "running")) not in ("running", "newly-created")

    def _lost(self, payload: Payload) -> Outcome:
        """The outcome of a task whose scheduler went away: a failure, not a cancellation."""
        return Outcome(
            task=payload.task,
            status="failed",
            reason=(
                f"the Dask scheduler at {self.address} went away before the task finished "
                "(the connection was lost); its notebook did not finish. Restart the scheduler "
                "(or use --dask local) and run again: tasks that finished are not run again"
            ),
            attempt=payload.attempt,
        )

    def cancel(self) -> None:
        """Tell running tasks to stop (their watchdogs kill the kernels) and drop queued ones."""
        self.cancel_event.set()
        with contextlib.suppress(Exception):
            self._event.set()
        with contextlib.suppress(Exception):
            pending = [f for f in self._futures.values() if f.status == "pending"]
            if pending:
                self.client.cancel(pending)

    def close(self) -> None:
        """Close the client (and the local cluster, if ebpm started it)."""
        with contextlib.suppress(Exception):
            self._event.clear()
        with contextlib.suppress(Exception):
            self.client.close()
        if self.cluster is not None:
            with contextlib.suppress(Exception):
                self.cluster.close()
        for key in set(os.environ) - set(self._environ):
            os.environ.pop(key, None)
        os.environ.update(self._environ)
