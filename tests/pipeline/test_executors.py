"""Tests of ebpm.pipeline.executors: where tasks run (a local pool of warm kernels, or Dask), and
the contract both keep."""

from __future__ import annotations

import os
import queue
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import nbformat
import pytest

from ebpm.errors import PipelineError, SettingError
from ebpm.pipeline import executors
from ebpm.pipeline.execute import Outcome, Payload
from ebpm.pipeline.executors import DaskExecutor, LocalExecutor, Started, dask_timeout
from tests.pipeline.conftest import probe_payload

#: How long a test waits for the executor's next event before it counts as hung.
PATIENCE = 180.0


def _drain(executor: Any, done: Callable[[dict[str, Outcome]], bool], seen: dict[str, Any]) -> None:
    """Read the executor's results into ``seen`` (``started``, ``outcomes``) until ``done``."""
    deadline = time.monotonic() + PATIENCE
    while not done(seen["outcomes"]):
        if time.monotonic() > deadline:
            pytest.fail(f"the executor hung; it delivered {seen}")
        try:
            item = executor.results.get(timeout=0.5)
        except queue.Empty:
            continue
        if isinstance(item, Started):
            seen["started"].append((item.task, item.attempt))
        else:
            assert item.task not in seen["outcomes"], f"{item.task} finished twice"
            seen["outcomes"][item.task] = item


def _alive(pid: int) -> bool:
    """Whether process ``pid`` still runs."""
    try:
        os.kill(pid, 0)
    except OSError:
        return False
    return True


def _seen() -> dict[str, Any]:
    return {"started": [], "outcomes": {}}


# --- settings ---------------------------------------------------------------------------------
def test_dask_timeout_defaults_to_ten_seconds(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("EBPM_DASK_TIMEOUT", raising=False)
    assert dask_timeout() == 10.0
    monkeypatch.setenv("EBPM_DASK_TIMEOUT", "2.5")
    assert dask_timeout() == 2.5


@pytest.mark.parametrize("value", ["0", "soon"])
def test_a_bad_dask_timeout_names_the_variable_and_the_fix(
    monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    monkeypatch.setenv("EBPM_DASK_TIMEOUT", value)
    with pytest.raises(
        SettingError, match=rf"^EBPM_DASK_TIMEOUT='{value}' .*; set it to a number such as 10"
    ):
        dask_timeout()


def test_an_unreachable_dask_scheduler_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EBPM_DASK_TIMEOUT", "1")
    with pytest.raises(
        PipelineError,
        match=r"^cannot reach the Dask scheduler at 'tcp://127\.0\.0\.1:9': .*\. Check the "
        r"address \(tcp://HOST:PORT, as `dask scheduler` prints it\), or use `--dask local`$",
    ):
        DaskExecutor("tcp://127.0.0.1:9", jobs=1, run_id="r")


# --- the local executor, without kernels ------------------------------------------------------
@pytest.fixture
def fake_kernels(monkeypatch: pytest.MonkeyPatch) -> dict[str, list[Any]]:
    """Kernels that start at once (or fail to, for a task named ``no-kernel``) and tasks that
    end as their name says: ``ok``, ``bug`` (ebpm itself raises)."""
    calls: dict[str, list[Any]] = {"started": [], "killed": [], "executed": []}

    def start(*, kernel: str, env: dict[str, str], cwd: str, timeout: float = 60, **_: Any) -> Any:
        if env.get("TASK") == "no-kernel":
            raise OSError("Address already in use")
        km = f"kernel of {env.get('TASK')}"
        calls["started"].append(km)
        return km

    def execute(payload: Payload, *, km: Any = None, cancel: Any = None) -> Outcome:
        calls["executed"].append((payload.task, km))
        if payload.task == "bug":
            raise KeyError("a bug of ebpm's")
        return Outcome(task=payload.task, status="ok", attempt=payload.attempt)

    monkeypatch.setattr(executors, "start_kernel", start)
    monkeypatch.setattr(executors, "execute_task", execute)
    monkeypatch.setattr(executors, "kill_kernel", calls["killed"].append)
    return calls


def _payload(task: str, attempt: int = 1) -> Payload:
    return Payload(
        task=task, notebook="{}", parameters={}, cwd=".", env={"TASK": task}, attempt=attempt
    )


def test_the_local_executor_runs_each_task_on_its_own_warm_kernel(fake_kernels) -> None:
    ex = LocalExecutor(2)
    assert (ex.jobs, ex.launchers) == (2, 3)
    seen = _seen()
    try:
        for name in ("a", "b", "c"):
            ex.submit(_payload(name, attempt=2))
        _drain(ex, lambda o: len(o) == 3, seen)
    finally:
        ex.close()
    assert sorted(seen["started"]) == [("a", 2), ("b", 2), ("c", 2)]
    assert {t: (o.status, o.attempt) for t, o in seen["outcomes"].items()} == {
        "a": ("ok", 2),
        "b": ("ok", 2),
        "c": ("ok", 2),
    }
    assert sorted(fake_kernels["executed"]) == [(n, f"kernel of {n}") for n in "abc"]
    assert fake_kernels["killed"] == []


def test_at_least_one_job(fake_kernels) -> None:
    ex = LocalExecutor(0)
    try:
        assert (ex.jobs, ex.launchers) == (1, 2)
    finally:
        ex.close()


def test_a_kernel_that_does_not_start_fails_its_task_only(fake_kernels) -> None:
    ex = LocalExecutor(1)
    seen = _seen()
    try:
        ex.submit(_payload("no-kernel", attempt=3))
        ex.submit(_payload("fine"))
        _drain(ex, lambda o: len(o) == 2, seen)
    finally:
        ex.close()
    failed = seen["outcomes"]["no-kernel"]
    assert (failed.status, failed.transient, failed.attempt) == ("failed", True, 3)
    assert failed.reason == "the kernel 'python3' did not start: OSError: Address already in use"
    assert seen["outcomes"]["fine"].status == "ok"
    assert seen["started"] == [("fine", 1)]  # the task without a kernel never started


def test_a_bug_of_ebpm_fails_the_task_instead_of_hanging_the_run(fake_kernels) -> None:
    ex = LocalExecutor(1)
    seen = _seen()
    try:
        ex.submit(_payload("bug"))
        _drain(ex, lambda o: len(o) == 1, seen)
    finally:
        ex.close()
    out = seen["outcomes"]["bug"]
    assert out.status == "failed"
    assert out.reason == 'ebpm could not run the task: KeyError: "a bug of ebpm\'s"'
    assert seen["started"] == [("bug", 1)]


def test_after_a_cancel_no_task_starts(fake_kernels) -> None:
    ex = LocalExecutor(1)
    seen = _seen()
    try:
        ex.cancel()
        ex.submit(_payload("late", attempt=2))
        _drain(ex, lambda o: len(o) == 1, seen)
    finally:
        ex.close()
    out = seen["outcomes"]["late"]
    assert (out.status, out.attempt) == ("cancelled", 2)
    assert out.reason == "the run was cancelled before the task started"
    assert seen["started"] == []
    assert fake_kernels["executed"] == []


# --- the contract both executors keep, with real kernels --------------------------------------
@pytest.fixture
def make_executor(request: pytest.FixtureRequest) -> Iterator[Callable[[], Any]]:
    """Builds the executor named by the test's parameter: local, or Dask on a LocalCluster of
    two worker processes (``ebpm run --dask local``)."""
    made: list[Any] = []

    def make() -> Any:
        if request.param == "local":
            made.append(LocalExecutor(2))
        else:
            made.append(DaskExecutor("local", jobs=2, run_id="contract"))
        return made[-1]

    yield make
    for executor in made:
        executor.close()


def _sleeper_kernel(marker: Path) -> int:
    """The pid of the kernel running the sleeper (it wrote it into ``marker``)."""
    return int(marker.read_text(encoding="utf-8"))


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore:Couldn't detect a suitable IP address")
@pytest.mark.parametrize("make_executor", ["local", "dask"], indirect=True)
def test_both_executors_deliver_the_same_outcomes(make_executor, tmp_path: Path) -> None:
    """A task that succeeds, one that raises and one cancelled while it runs end the same way,
    whichever executor ran them."""
    (tmp_path / "data.txt").write_text("2.5", encoding="utf-8")
    marker = tmp_path / "sleeper-runs"
    ex = make_executor()
    seen = _seen()
    ex.submit(probe_payload("sleeper", tmp_path, marker=str(marker), seconds=120))
    ex.submit(probe_payload("good", tmp_path, source="data.txt"))
    ex.submit(probe_payload("bad", tmp_path, attempt=2, mode="raise"))
    _drain(ex, lambda o: {"good", "bad"} <= set(o) and marker.exists(), seen)
    ex.cancel()
    _drain(ex, lambda o: len(o) == 3, seen)

    good, bad, sleeper = (seen["outcomes"][n] for n in ("good", "bad", "sleeper"))
    assert sorted(seen["started"]) == [("bad", 2), ("good", 1), ("sleeper", 1)]
    assert (good.status, good.reason, good.transient, good.attempt) == ("ok", None, False, 1)
    assert good.reads == ["data.txt"]  # recorded on the worker, sent back with the outcome
    assert good.cell_time_s > 0
    executed = nbformat.reads(good.notebook, as_version=4)
    assert executed.cells[-1].outputs[0]["text"] == "value=2.5\n"
    assert (bad.status, bad.transient, bad.attempt) == ("failed", False, 2)
    assert bad.reason == "cell In [3] raised ValueError: failed on purpose (mode=raise)"
    assert bad.notebook is not None
    assert sleeper.status == "cancelled"
    assert sleeper.reason.startswith("the run was cancelled")
    assert sleeper.transient is False


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore:Couldn't detect a suitable IP address")
@pytest.mark.parametrize("make_executor", ["local", "dask"], indirect=True)
def test_a_cancel_stops_the_running_kernel(make_executor, tmp_path: Path) -> None:
    """On Dask too: the watchdog on the worker sees the run's cancel event and kills the
    kernel (it used to look the event up without a client, fail, and let it run on)."""
    marker = tmp_path / "sleeper-runs"
    ex = make_executor()
    seen = _seen()
    ex.submit(probe_payload("sleeper", tmp_path, marker=str(marker), seconds=120))
    _drain(ex, lambda o: marker.exists() and marker.read_text(encoding="utf-8") != "", seen)
    ex.cancel()
    _drain(ex, lambda o: len(o) == 1, seen)
    out = seen["outcomes"]["sleeper"]
    assert out.status == "cancelled"
    assert out.reason.startswith("the run was cancelled")
    if isinstance(ex, LocalExecutor):
        assert out.notebook is not None  # what ran before the cancel is kept
    kernel = _sleeper_kernel(marker)
    # it would sleep two minutes: gone long before that means the cancel killed it
    deadline = time.monotonic() + 40
    while _alive(kernel) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not _alive(kernel)
