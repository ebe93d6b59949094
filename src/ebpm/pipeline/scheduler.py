"""Scheduling a run's tasks: ``jobs`` at a time, locally or on Dask, in an order that respects
``needs`` (a task whose needs did not succeed is blocked) and ``after`` (finished, well or not);
a transient failure is retried with backoff; each finished task is published at once.

Ctrl-C or SIGTERM cancels: running kernels are stopped, their tasks recorded as cancelled, and
nothing half-written is published; a second one stops waiting for the kernels to go.
"""

from __future__ import annotations

import contextlib
import logging
import os
import queue
import signal
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from ebpm._io import atomic_write_text
from ebpm._protocol import (
    LANG_ENV,
    NEEDS_ENV,
    NOT_OK_ENV,
    PROJECT_ROOT_ENV,
    READS_IGNORE_ENV,
    RUN_DIR_ENV,
    RUN_ID_ENV,
    TASK_ENV,
)
from ebpm.pipeline import history
from ebpm.pipeline.events import Cancelling, TaskDone, TaskRetrying, TaskStarted, Tick
from ebpm.pipeline.execute import KERNEL_ENV, Outcome, Payload
from ebpm.pipeline.executors import DaskExecutor, LocalExecutor, Started
from ebpm.pipeline.fingerprint import read_digests
from ebpm.pipeline.forkserver import preload_for
from ebpm.pipeline.plan import RunContext
from ebpm.pipeline.publish import publish_finished, publish_task
from ebpm.pipeline.records import utc_now
from ebpm.pipeline.spec import PipelineSpec, Task

__all__ = ["Scheduler"]

log = logging.getLogger(__name__)


class Scheduler:
    """Runs the tasks of run ``ctx`` that are not unchanged (:attr:`RunContext.to_run`) and
    publishes each as it finishes; :meth:`run` returns whether the run was cancelled.

    Of each task it knows whether it waits (not yet submitted), is active (submitted, not
    finished, or waiting for a retry), runs (executing now) or waits for a retry timer.
    """

    def __init__(self, ctx: RunContext) -> None:
        self.ctx = ctx
        self.to_run = ctx.to_run
        self.sources: dict[Path, str] = {}  # each notebook's JSON, read once
        if ctx.scheduler:
            self.executor: Any = DaskExecutor(ctx.scheduler, jobs=ctx.jobs, run_id=ctx.run_id)
        else:
            self.executor = LocalExecutor(min(ctx.jobs, len(self.to_run)), preload=self._preload())
        self.waiting = set(self.to_run)
        self.active: set[str] = set()  # submitted, not finished (incl. waiting for a retry)
        self.running: set[str] = set()  # executing now
        self.retrying: set[str] = set()  # waiting for a retry timer
        self.timers: list[threading.Timer] = []
        self.cancel = threading.Event()

    def run(self) -> bool:
        """Run the tasks (respecting ``needs`` and ``after``); returns True if the run was
        cancelled."""
        try:
            with _signals(self._on_signal):
                self._release()
                self._loop()
                if self.cancel.is_set():
                    self._cancel_waiting()
        finally:
            for t in self.timers:
                t.cancel()
            if self.cancel.is_set():
                self.executor.cancel()
            self.executor.close()
        return self.cancel.is_set()

    def _loop(self) -> None:
        """Take the executor's events until every task finished (or the run was cancelled)."""
        while self.active or (self.waiting and not self.cancel.is_set()):
            try:
                o = self.executor.results.get(timeout=0.2)
            except queue.Empty:
                if self.cancel.is_set() and self.active <= self.retrying:
                    break  # only retries were left, and they will not happen
                self.ctx.emit(Tick(running=sorted(self.running)))
                continue
            if isinstance(o, Started):
                self._started(o)
                continue
            self.running.discard(o.task)
            if self._retry(o):
                continue
            self._finish(o)
            self._release()
            if self.cancel.is_set() and not self.active:
                break

    def _on_signal(self, signum: int) -> None:
        if self.cancel.is_set():
            raise KeyboardInterrupt  # a second Ctrl-C: stop waiting for the kernels to go
        self.cancel.set()
        self.ctx.emit(Cancelling(signal=signal.Signals(signum).name, running=sorted(self.running)))
        self.executor.cancel()
        for t in self.timers:
            t.cancel()

    def _preload(self) -> list[str]:
        """What the kernels' fork server preloads for the notebooks of this run
        (:func:`ebpm.pipeline.forkserver.preload_for`); a notebook that cannot be read here
        fails its task when submitted, as before."""
        import json

        codes: list[str] = []
        for path in dict.fromkeys(self.ctx.plans[n].task.notebook for n in self.to_run):
            try:
                if path not in self.sources:
                    self.sources[path] = _notebook_json(path, self.ctx.kernel)
                cells = json.loads(self.sources[path]).get("cells", [])
            except Exception:
                continue
            codes += [
                "".join(c["source"]) if isinstance(c["source"], list) else str(c["source"])
                for c in cells
                if c.get("cell_type") == "code"
            ]
        return preload_for(codes)

    def _status_of(self, name: str) -> str | None:
        r = self.ctx.plans[name].result
        return r.status if r.status != "pending" else None

    def _submit(self, name: str, attempt: int) -> None:
        ctx = self.ctx
        task = ctx.plans[name].task
        # the tasks it runs after that ran in this run (others, not selected, did not)
        after = [(n, self._status_of(n)) for n in task.after if n in ctx.plans]
        ready = tuple(n for n, s in after if s in history.GOOD)
        not_ok = tuple(n for n, s in after if s not in history.GOOD)
        if task.notebook not in self.sources:
            self.sources[task.notebook] = _notebook_json(task.notebook, ctx.kernel)
        payload = Payload(
            task=name,
            notebook=self.sources[task.notebook],
            parameters=dict(task.parameters),
            cwd=str(ctx.spec.root),
            env={
                **_task_env(ctx.spec, ctx.run_id, task, ctx.run_dir, ready=ready, not_ok=not_ok),
                LANG_ENV: ctx.lang,
            },
            kernel=ctx.kernel,
            timeout=task.timeout,
            attempt=attempt,
        )
        self.active.add(name)
        self.waiting.discard(name)
        self.retrying.discard(name)
        self.executor.submit(payload)

    def _release(self) -> None:
        """Submit tasks whose needs are met and whose `after` tasks finished; block those
        whose needs failed. Passes repeat while a task gets blocked: a task listed before the
        one it needs (or runs after) learns of the block in the next pass, not never."""
        if self.cancel.is_set():
            return  # the tasks still waiting are recorded as cancelled
        plans = self.ctx.plans
        blocked_one = True
        while blocked_one:
            blocked_one = False
            for name in sorted(self.waiting, key=self.to_run.index):
                needs = [n for n in getattr(plans[name].task, "needs", ()) if n in plans]
                after = [n for n in getattr(plans[name].task, "after", ()) if n in plans]
                states = [self._status_of(n) for n in needs]
                if any(s is not None and s not in history.GOOD for s in states):
                    bad = [
                        n
                        for n, s in zip(needs, states, strict=True)
                        if s not in (None, *history.GOOD)
                    ]
                    self._block(name, bad)
                    blocked_one = True
                elif (
                    all(s in history.GOOD for s in states)
                    and all(self._status_of(n) is not None for n in after)
                    and not self.cancel.is_set()
                ):
                    self._submit(name, 1)

    def _block(self, name: str, bad: list[str]) -> None:
        """Record and publish task ``name`` as blocked by the needs ``bad``, which failed."""
        ctx = self.ctx
        r = ctx.plans[name].result
        r.status = "blocked"
        r.reason = f"not run: it needs {', '.join(bad)}, which did not succeed"
        r.finished_at = utc_now()
        self.waiting.discard(name)
        publish_task(ctx.plans[name], ctx)
        ctx.emit(TaskDone(task=name, result=r))

    def _started(self, o: Started) -> None:
        self.running.add(o.task)
        if o.attempt == 1:
            self.ctx.plans[o.task].result.started_at = utc_now()
            self.ctx.emit(TaskStarted(task=o.task, attempt=o.attempt))

    def _retry(self, o: Outcome) -> bool:
        """Retry a transient failure after a backoff when the task has retries left; returns
        whether it will be retried."""
        retries = getattr(self.ctx.plans[o.task].task, "retries", 0) or 0
        if not (
            o.status == "failed"
            and o.transient
            and o.attempt <= retries
            and not self.cancel.is_set()
        ):
            return False
        delay = self.ctx.backoff * 2 ** (o.attempt - 1)
        self.ctx.emit(
            TaskRetrying(task=o.task, attempt=o.attempt + 1, delay=delay, reason=o.reason)
        )
        self.retrying.add(o.task)
        timer = threading.Timer(delay, self._submit, args=(o.task, o.attempt + 1))
        timer.daemon = True
        self.timers.append(timer)
        timer.start()
        return True

    def _finish(self, o: Outcome) -> None:
        ctx = self.ctx
        plan = ctx.plans[o.task]
        r = plan.result
        self.active.discard(o.task)
        r.attempts = o.attempt
        r.status = o.status
        r.reason = o.reason
        r.duration_s = o.duration_s
        r.finished_at = utc_now()
        r.cell_time_s = o.cell_time_s
        r.worker = o.worker
        if o.notebook:
            atomic_write_text(ctx.run_dir / f"{o.task}.ipynb", o.notebook)
            r.output_notebook = f"{o.task}.ipynb"
        plan.reads = None if o.reads is None else read_digests(o.reads, ctx.spec.root, ctx.hasher)
        if o.reads is None and o.status == "ok" and ctx.kernel == "python3":
            log.warning(
                "could not record which project files task %s read: a change to one of them "
                "will not rerun it (`ebpm run --force` does)",
                o.task,
            )
        if o.status == "cancelled":
            ctx.emit(TaskDone(task=o.task, result=r))
            return
        publish_finished(plan, ctx)
        ctx.emit(TaskDone(task=o.task, result=r))

    def _cancel_waiting(self) -> None:
        """Record the tasks that never started as cancelled."""
        for name in list(self.waiting) + list(self.active):
            r = self.ctx.plans[name].result
            if r.status == "pending":
                r.status = "cancelled"
                r.reason = "the run was cancelled before the task started"
                self.ctx.emit(TaskDone(task=name, result=r))


def _task_env(
    spec: PipelineSpec,
    run_id: str,
    task: Task,
    run_dir: Path,
    *,
    ready: tuple[str, ...] = (),
    not_ok: tuple[str, ...] = (),
) -> dict[str, str]:
    """The environment of a task's kernel. ``NEEDS_ENV`` lists the tasks of this run whose
    output it may read: its ``needs`` and the tasks it runs ``after`` that succeeded in this
    run (``ready``); ``NOT_OK_ENV`` those it runs after that did not (``not_ok``)."""
    from ebpm._env import cache_dir  # not ebpm.catalog: pandas would load before any task

    runs = run_dir.parent.parent  # <out>/runs/<pipeline>/<run-id>
    # what the task reads there is tracked otherwise (the estimates of the tasks it needs,
    # downloads by their sha256) or is ebpm's own (the site)
    not_inputs = [runs, runs.parent / "site", cache_dir()]
    return {
        **KERNEL_ENV,
        RUN_ID_ENV: run_id,
        RUN_DIR_ENV: str(run_dir),
        NEEDS_ENV: ",".join(task.needs + ready),
        NOT_OK_ENV: ",".join(not_ok),
        TASK_ENV: f"{spec.name}/{task.name}",
        PROJECT_ROOT_ENV: str(spec.root),
        READS_IGNORE_ENV: os.pathsep.join(str(p) for p in not_inputs),
    }


def _notebook_json(path: Path, kernel: str) -> str:
    import nbformat

    from ebpm.pipeline.notebooks import read_notebook

    nb = read_notebook(path)
    nb.metadata["kernelspec"] = {"name": kernel, "display_name": kernel, "language": "python"}
    return nbformat.writes(nb)


@contextlib.contextmanager
def _signals(on_signal: Callable[[int], None]) -> Iterator[None]:
    """Route Ctrl-C and SIGTERM to ``on_signal`` while the run is under way (main thread only)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    old = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM)}

    def handler(signum: int, frame: Any) -> None:
        on_signal(signum)

    for s in old:
        signal.signal(s, handler)
    try:
        yield
    finally:
        for s, h in old.items():
            signal.signal(s, h)
