"""Tests of ebpm.pipeline.scheduler: the order tasks run in (``needs``, ``after``), retries,
cancellation and each task's kernel environment, on an executor that runs nothing."""

from __future__ import annotations

import json
import os
import queue
import signal
from collections.abc import Callable
from pathlib import Path
from typing import Any, ClassVar

import nbformat
import pytest

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
from ebpm.catalog.cache import cache_dir
from ebpm.pipeline import scheduler
from ebpm.pipeline.execute import KERNEL_ENV, Outcome, Payload
from ebpm.pipeline.executors import Started
from ebpm.pipeline.plan import Plan
from ebpm.pipeline.records import TaskResult
from ebpm.pipeline.spec import PipelineSpec, load_spec
from tests.pipeline.conftest import context

RUN = "20260103T000000Z-0031"
SPEC = """\
name: p
tasks:
  - {name: b, notebook: notebooks/n.py, parameters: {k: 2}, needs: a}
  - {name: a, notebook: notebooks/n.py, parameters: {k: 1}}
  - {name: c, notebook: notebooks/n.py, parameters: {k: 3}, retries: 2, timeout: 30}
  - {name: d, notebook: notebooks/n.py, parameters: {k: 4}, after: c}
"""

#: What a task ends with, by attempt: (status, transient); the last one repeats.
Script = dict[str, list[tuple[str, bool]]]


class FakeExecutor:
    """Delivers a Started and then the scripted outcome of each task at once; runs nothing."""

    instances: ClassVar[list[FakeExecutor]] = []
    preloads: ClassVar[list[list[str] | None]] = []  # what each pool was told to preload

    def __init__(self, jobs: int, *, script: Script, on_submit: Callable[[Payload], None]) -> None:
        self.jobs = jobs
        self.script = script
        self.on_submit = on_submit
        self.results: queue.Queue[Any] = queue.Queue()
        self.payloads: list[Payload] = []
        self.cancelled = self.closed = False
        FakeExecutor.instances.append(self)

    def submit(self, payload: Payload) -> None:
        self.payloads.append(payload)
        self.results.put(Started(payload.task, payload.attempt))
        self.on_submit(payload)
        if self.cancelled:
            self.results.put(
                Outcome(task=payload.task, status="cancelled", attempt=payload.attempt)
            )
            return
        steps = self.script.get(payload.task, [("ok", False)])
        status, transient = steps[min(payload.attempt, len(steps)) - 1]
        reason = None if status == "ok" else f"{status} on attempt {payload.attempt}"
        self.results.put(
            Outcome(
                task=payload.task,
                status=status,
                reason=reason,
                transient=transient,
                attempt=payload.attempt,
                duration_s=1.5,
                cell_time_s=1.25,
                worker="host:1",
                notebook='{"cells": []}' if status == "ok" else None,
            )
        )

    def cancel(self) -> None:
        self.cancelled = True

    def close(self) -> None:
        self.closed = True


@pytest.fixture
def spec(tmp_path: Path) -> PipelineSpec:
    (tmp_path / "notebooks").mkdir()
    (tmp_path / "notebooks" / "n.py").write_text(
        '# %% tags=["parameters"]\nk: int = 0\n\n# %%\nprint(k)\n', encoding="utf-8"
    )
    (tmp_path / "pipelines").mkdir()
    (tmp_path / "pipelines" / "p.yaml").write_text(SPEC, encoding="utf-8")
    return load_spec(tmp_path / "pipelines" / "p.yaml")


@pytest.fixture
def published(monkeypatch: pytest.MonkeyPatch) -> dict[str, list[str]]:
    """Publishing is the publish module's business: here it only records which task went."""
    calls: dict[str, list[str]] = {"finished": [], "blocked": []}

    def finished(plan: Plan, ctx: Any, *args: Any) -> None:
        calls["finished"].append(plan.result.name)

    def task(first: Any, *args: Any, **kwargs: Any) -> None:
        calls["blocked"].append(getattr(first, "result", first).name)

    monkeypatch.setattr(scheduler, "publish_finished", finished)
    monkeypatch.setattr(scheduler, "publish_task", task)
    return calls


def _plans(spec: PipelineSpec) -> dict[str, Plan]:
    return {
        t.name: Plan(t, TaskResult(t.name, t.group, "notebooks/n.py", dict(t.parameters)), {}, None)
        for t in spec.tasks
    }


def _run(
    spec: PipelineSpec,
    monkeypatch: pytest.MonkeyPatch,
    script: Script | None = None,
    *,
    on_submit: Callable[[Payload], None] = lambda payload: None,
    **fields: Any,
) -> tuple[bool, dict[str, TaskResult], FakeExecutor]:
    FakeExecutor.instances.clear()

    def make(jobs: int, *, preload: list[str] | None = None) -> FakeExecutor:
        FakeExecutor.preloads.append(preload)
        return FakeExecutor(jobs, script=script or {}, on_submit=on_submit)

    monkeypatch.setattr(scheduler, "LocalExecutor", make)
    plans = _plans(spec)
    ctx = context(spec, plans, run_id=RUN, **fields)
    cancelled = scheduler.Scheduler(ctx).run()
    (executor,) = FakeExecutor.instances
    assert executor.closed
    return cancelled, {n: p.result for n, p in plans.items()}, executor


def _summary(results: dict[str, TaskResult]) -> dict[str, tuple[Any, ...]]:
    return {n: (r.status, r.attempts, r.reason) for n, r in results.items()}


def test_every_task_runs_once_and_its_outcome_is_recorded(spec, monkeypatch, published) -> None:
    cancelled, results, executor = _run(spec, monkeypatch, jobs=8)
    assert cancelled is False
    assert executor.jobs == 4  # no more kernels than tasks
    assert _summary(results) == {n: ("ok", 1, None) for n in "bacd"}
    # a before b, which needs it; c before d, which runs after it
    order = [p.task for p in executor.payloads]
    assert order.index("a") < order.index("b")
    assert order.index("c") < order.index("d")
    a = results["a"]
    assert (a.duration_s, a.cell_time_s, a.worker) == (1.5, 1.25, "host:1")
    assert a.output_notebook == "a.ipynb"
    assert (spec.root / "runs" / "p" / RUN / "a.ipynb").read_text(encoding="utf-8") == (
        '{"cells": []}'
    )
    assert a.started_at is not None
    assert sorted(published["finished"]) == ["a", "b", "c", "d"]
    assert published["blocked"] == []


def test_a_task_whose_need_failed_is_blocked_and_never_runs(spec, monkeypatch, published) -> None:
    _, results, executor = _run(spec, monkeypatch, {"a": [("failed", False)]})
    assert _summary(results)["a"] == ("failed", 1, "failed on attempt 1")
    assert _summary(results)["b"] == (
        "blocked",
        0,
        "not run: it needs a, which did not succeed",
    )
    assert "b" not in [p.task for p in executor.payloads]
    assert published["blocked"] == ["b"]
    assert "b" not in published["finished"]


def test_a_task_runs_after_another_however_that_one_ended(spec, monkeypatch, published) -> None:
    _, results, executor = _run(spec, monkeypatch, {"c": [("failed", False)]})
    assert results["c"].status == "failed"
    assert results["d"].status == "ok"
    env = {p.task: p.env for p in executor.payloads}
    # d may read what c made in this run only if c succeeded: here it did not
    assert (env["d"][NEEDS_ENV], env["d"][NOT_OK_ENV]) == ("", "c")
    assert (env["b"][NEEDS_ENV], env["b"][NOT_OK_ENV]) == ("a", "")


def test_a_transient_failure_is_retried_while_retries_are_left(spec, monkeypatch, published):
    script = {"c": [("failed", True), ("ok", False)], "a": [("failed", True)]}
    _, results, executor = _run(spec, monkeypatch, script)
    assert _summary(results)["c"] == ("ok", 2, None)
    assert [(p.task, p.attempt) for p in executor.payloads if p.task == "c"] == [("c", 1), ("c", 2)]
    # a has no retries: one attempt
    assert _summary(results)["a"] == ("failed", 1, "failed on attempt 1")
    assert published["finished"].count("c") == 1  # the failed first attempt is not published


def test_retries_run_out(spec, monkeypatch, published) -> None:
    _, results, executor = _run(spec, monkeypatch, {"c": [("failed", True)]})
    assert _summary(results)["c"] == ("failed", 3, "failed on attempt 3")  # 1 + 2 retries
    assert [p.attempt for p in executor.payloads if p.task == "c"] == [1, 2, 3]


def test_a_failure_that_is_not_transient_is_not_retried(spec, monkeypatch, published) -> None:
    _, results, executor = _run(spec, monkeypatch, {"c": [("failed", False)]})
    assert _summary(results)["c"] == ("failed", 1, "failed on attempt 1")
    assert [p.attempt for p in executor.payloads if p.task == "c"] == [1]


def test_ctrl_c_cancels_the_run(spec, monkeypatch, published) -> None:
    """A SIGINT while task a runs: a ends cancelled (not published), nothing else starts, and
    the tasks that never started are recorded as cancelled."""

    def interrupt(payload: Payload) -> None:
        if payload.task == "a":
            os.kill(os.getpid(), signal.SIGINT)

    before = signal.getsignal(signal.SIGINT)
    cancelled, results, executor = _run(spec, monkeypatch, on_submit=interrupt, jobs=1)
    assert cancelled is True
    assert executor.cancelled is True
    assert results["a"].status == "cancelled"
    assert "a" not in published["finished"]
    ran = [p.task for p in executor.payloads]
    for name, r in results.items():
        if name not in ran:
            assert (r.status, r.reason) == (
                "cancelled",
                "the run was cancelled before the task started",
            )
    assert "b" not in ran  # it needs a
    assert signal.getsignal(signal.SIGINT) is before  # the handler is put back


def test_each_task_gets_its_notebook_parameters_and_environment(spec, monkeypatch, published):
    _, _, executor = _run(spec, monkeypatch, kernel="python3")
    c = next(p for p in executor.payloads if p.task == "c")
    assert (c.parameters, c.cwd, c.kernel, c.timeout, c.attempt) == (
        {"k": 3},
        str(spec.root),
        "python3",
        30,
        1,
    )
    nb = nbformat.reads(c.notebook, as_version=4)
    assert nb.metadata["kernelspec"] == {
        "name": "python3",
        "display_name": "python3",
        "language": "python",
    }
    assert nb.cells[0].source == "k: int = 0"
    run_dir = spec.root / "runs" / "p" / RUN
    ignored = [spec.root / "runs", spec.root / "site", cache_dir()]
    assert c.env == {
        **KERNEL_ENV,
        RUN_ID_ENV: RUN,
        RUN_DIR_ENV: str(run_dir),
        NEEDS_ENV: "",
        NOT_OK_ENV: "",
        TASK_ENV: "p/c",
        PROJECT_ROOT_ENV: str(spec.root),
        READS_IGNORE_ENV: os.pathsep.join(str(p) for p in ignored),
        "MPLBACKEND": "module://matplotlib_inline.backend_inline",
        LANG_ENV: "en",  # the site's language, for the report helpers in the kernel
    }
    json.dumps(c.env)  # plain strings, for a worker elsewhere


def test_a_dask_address_runs_the_tasks_on_dask(spec, monkeypatch, published) -> None:
    made: list[tuple[str, int, str]] = []

    def dask(address: str, *, jobs: int, run_id: str) -> FakeExecutor:
        made.append((address, jobs, run_id))
        return FakeExecutor(jobs, script={}, on_submit=lambda payload: None)

    monkeypatch.setattr(scheduler, "DaskExecutor", dask)
    monkeypatch.setattr(
        scheduler, "LocalExecutor", lambda jobs, preload=None: pytest.fail("ran locally")
    )
    FakeExecutor.instances.clear()
    plans = _plans(spec)
    ctx = context(spec, plans, run_id=RUN, scheduler="tcp://127.0.0.1:8786", jobs=3)
    assert scheduler.Scheduler(ctx).run() is False
    assert made == [("tcp://127.0.0.1:8786", 3, RUN)]
    assert [p.result.status for p in plans.values()] == ["ok"] * 4


def test_only_tasks_that_are_not_unchanged_run(spec, monkeypatch, published) -> None:
    plans = _plans(spec)
    for name in ("a", "c"):
        plans[name].result.status = "unchanged"
    FakeExecutor.instances.clear()
    monkeypatch.setattr(
        scheduler,
        "LocalExecutor",
        lambda jobs, preload=None: FakeExecutor(jobs, script={}, on_submit=lambda payload: None),
    )
    scheduler.Scheduler(context(spec, plans, run_id=RUN)).run()
    (executor,) = FakeExecutor.instances
    assert sorted(p.task for p in executor.payloads) == ["b", "d"]
    assert executor.jobs == 2
    # b needs a, unchanged: what a made earlier is there to read
    assert next(p for p in executor.payloads if p.task == "b").env[NEEDS_ENV] == "a"
    assert next(p for p in executor.payloads if p.task == "d").env[NOT_OK_ENV] == ""


def test_the_pool_preloads_what_the_notebooks_import(spec, monkeypatch, published) -> None:
    """The fork server is told what the run's notebooks import: n.py imports nothing, so
    nothing; an ebpm report notebook, all of PRELOAD."""
    from ebpm.pipeline.forkserver import PRELOAD

    FakeExecutor.preloads.clear()
    _run(spec, monkeypatch)
    assert FakeExecutor.preloads == [[]]
    (spec.root / "notebooks" / "n.py").write_text(
        '# %% tags=["parameters"]\nk: int = 0\n\n# %%\nfrom ebpm import report\nprint(k)\n',
        encoding="utf-8",
    )
    _run(spec, monkeypatch)
    assert FakeExecutor.preloads[-1] == list(PRELOAD)
