"""ebpm.pipeline.execute: starting kernels and running one task's notebook in one."""

from __future__ import annotations

import json
import os
import sys
import threading
from dataclasses import replace
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import nbformat
import pytest

from ebpm.pipeline import execute, run_pipeline
from tests.conftest import FIXTURES
from tests.pipeline.conftest import probe_payload

PIPELINES = FIXTURES / "pipelines"


class _DiedError(RuntimeError):
    pass


def test_a_kernel_that_dies_at_start_is_started_once_more(monkeypatch: pytest.MonkeyPatch) -> None:
    """A port taken between jupyter_client's pick and the kernel's bind kills the kernel before
    it replies; nothing of the notebook ran, so ebpm starts it again instead of failing."""
    calls: list[str] = []

    def flaky(*, kernel: str, env: dict[str, str], cwd: str, timeout: float, **_: Any) -> str:
        calls.append(kernel)
        if len(calls) == 1:
            raise _DiedError("Kernel died before replying to kernel_info")
        return "a kernel manager"

    monkeypatch.setattr(execute, "_start_kernel", flaky)
    assert execute.start_kernel(kernel="python3", env={}, cwd=".") == "a kernel manager"
    assert calls == ["python3", "python3"]


def test_a_kernel_that_keeps_dying_fails_with_its_own_error(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    calls: list[str] = []

    def dead(*, kernel: str, env: dict[str, str], cwd: str, timeout: float, **_: Any) -> str:
        calls.append(kernel)
        raise _DiedError(f"Kernel died before replying (start {len(calls)})")

    monkeypatch.setattr(execute, "_start_kernel", dead)
    with pytest.raises(_DiedError, match=r"start 2\)"):
        execute.start_kernel(kernel="python3", env={}, cwd=".")
    assert len(calls) == execute.START_ATTEMPTS == 2


def test_a_missing_kernel_is_not_started_again(monkeypatch: pytest.MonkeyPatch) -> None:
    class NoSuchKernel(Exception):  # noqa: N818 (jupyter_client's name)
        pass

    calls: list[str] = []

    def missing(*, kernel: str, env: dict[str, str], cwd: str, timeout: float, **_: Any) -> str:
        calls.append(kernel)
        raise NoSuchKernel(kernel)

    monkeypatch.setattr(execute, "_start_kernel", missing)
    with pytest.raises(NoSuchKernel, match="julia"):
        execute.start_kernel(kernel="julia", env={}, cwd=".")
    assert calls == ["julia"]


# --- why a kernel did not start ---------------------------------------------------------------
def test_kernel_start_failure_says_how_to_find_the_installed_kernels() -> None:
    class NoSuchKernel(Exception):  # noqa: N818 (jupyter_client's name)
        pass

    assert execute.kernel_start_failure("julia", NoSuchKernel("julia")) == (
        "NoSuchKernel: there is no Jupyter kernel named 'julia'; `jupyter kernelspec list` shows "
        "the installed ones (the default, python3, is the Python running ebpm)"
    )
    assert execute.kernel_start_failure("python3", OSError("Address already in use")) == (
        "the kernel 'python3' did not start: OSError: Address already in use"
    )


def test_a_task_whose_kernel_does_not_start_fails_and_may_be_retried(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    def busy(**kwargs: Any) -> Any:
        raise OSError("Address already in use")

    monkeypatch.setattr(execute, "start_kernel", busy)
    out = execute.execute_task(probe_payload("t", tmp_path, attempt=2))
    assert (out.task, out.status, out.attempt) == ("t", "failed", 2)
    assert out.reason == "the kernel 'python3' did not start: OSError: Address already in use"
    assert out.transient is True
    assert out.notebook is None


def test_a_missing_kernel_on_a_worker_is_a_failure_that_is_not_retried(tmp_path: Path) -> None:
    payload = replace(probe_payload("t", tmp_path), kernel="no-such-kernel")
    out = execute.execute_on_worker(payload)
    assert isinstance(out, dict)
    assert out["status"] == "failed"
    assert out["reason"].startswith(
        "NoSuchKernel: there is no Jupyter kernel named 'no-such-kernel';"
    )
    assert out["transient"] is False
    assert execute.Outcome(**out).reason == out["reason"]


def test_a_cancelled_run_starts_no_kernel_and_kills_the_warm_one(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    killed: list[Any] = []
    monkeypatch.setattr(execute, "start_kernel", lambda **kw: pytest.fail("a kernel started"))
    monkeypatch.setattr(execute, "kill_kernel", killed.append)
    cancel = threading.Event()
    cancel.set()
    warm = SimpleNamespace(warm_client=None)
    out = execute.execute_task(probe_payload("t", tmp_path), km=warm, cancel=cancel)
    execute.wait_for_shutdowns()
    assert (out.status, out.reason) == (
        "cancelled",
        "the run was cancelled before the task started",
    )
    assert killed == [warm]


def test_an_outcome_travels_as_a_plain_dict() -> None:
    out = execute.Outcome(task="t", status="ok", cell_time_s=0.5, reads=["data/x.csv"])
    d = out.to_dict()
    assert d["worker"] == f"{os.uname().nodename}:{os.getpid()}"
    assert (d["status"], d["reason"], d["transient"], d["attempt"]) == ("ok", None, False, 1)
    assert execute.Outcome(**json.loads(json.dumps(d))) == out


def test_the_python3_kernel_is_the_python_running_ebpm() -> None:
    spec = execute._kernel_spec_manager("python3").get_kernel_spec("python3")
    assert spec.argv[:3] == [sys.executable, "-m", "ipykernel_launcher"]
    assert spec.display_name == "Python 3 (ebpm run)"


# --- real kernels -----------------------------------------------------------------------------
@pytest.mark.slow
def test_a_task_runs_in_a_kernel_and_records_what_it_read(tmp_path: Path) -> None:
    (tmp_path / "data.txt").write_text("2.5", encoding="utf-8")
    out = execute.execute_task(probe_payload("t", tmp_path, source="data.txt"))
    assert (out.status, out.reason, out.transient) == ("ok", None, False)
    assert out.reads == ["data.txt"]
    assert out.cell_time_s > 0
    nb = nbformat.reads(out.notebook, as_version=4)
    injected = [c for c in nb.cells if "injected-parameters" in c.metadata.get("tags", [])]
    assert injected[0].source.endswith('source = "data.txt"\n')
    assert nb.cells[-1].outputs[0]["text"] == "value=2.5\n"


@pytest.mark.slow
@pytest.mark.parametrize(
    ("parameters", "reason", "transient"),
    [
        ({"mode": "raise"}, "cell In [3] raised ValueError: failed on purpose (mode=raise)", False),
        (
            {"mode": "transient"},
            "cell In [3] raised ConnectionError: the publisher did not answer",
            True,
        ),
        (
            {"mode": "crash"},
            "the kernel died (killed, or out of memory) before the notebook finished; see the "
            "last cell that ran in the executed notebook",
            True,
        ),
    ],
)
def test_why_a_task_failed_and_whether_it_may_be_retried(
    tmp_path: Path, parameters: dict[str, Any], reason: str, transient: bool
) -> None:
    out = execute.execute_task(probe_payload("t", tmp_path, **parameters))
    assert (out.status, out.reason, out.transient) == ("failed", reason, transient)
    assert out.notebook is not None  # what ran before the failure is kept


@pytest.mark.slow
def test_a_task_past_its_timeout_is_stopped(tmp_path: Path) -> None:
    out = execute.execute_task(probe_payload("t", tmp_path, timeout=1, seconds=60))
    assert out.status == "failed"
    assert out.reason == (
        "timed out after 1 s (the task's `timeout`); the kernel was stopped. Raise `timeout` in "
        "the spec if the task needs longer"
    )
    assert out.transient is False


@pytest.mark.slow
def test_python3_kernel_is_this_interpreter_even_with_a_foreign_user_kernelspec(
    tmp_path: Path, catalog_env: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A foreign `python3` kernelspec on JUPYTER_PATH (a missing Python) is not used."""
    foreign = tmp_path / "foreign" / "kernels" / "python3"
    foreign.mkdir(parents=True)
    (foreign / "kernel.json").write_text(
        json.dumps(
            {
                "argv": [
                    "/nonexistent/python",
                    "-m",
                    "ipykernel_launcher",
                    "-f",
                    "{connection_file}",
                ],
                "display_name": "elsewhere",
                "language": "python",
            }
        ),
        encoding="utf-8",
    )
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path / "foreign"))
    result = run_pipeline(PIPELINES / "rerun.yaml", out_dir=tmp_path / "out")
    assert result.ok, [t.reason for t in result.tasks]


def test_a_tuple_parameter_is_injected_as_a_tuple() -> None:
    from papermill.translators import translate_parameters

    from ebpm.pipeline.execute import _register_tuple_translator

    _register_tuple_translator()
    text = translate_parameters(
        "python", "python", {"items": (1, 2), "one": ("a",), "nested": {"k": (1.5, None)}}, "#"
    )
    assert "items = (1, 2)\n" in text
    assert "one = ('a',)\n" in text or 'one = ("a",)\n' in text
    namespace: dict = {}
    exec(text, namespace)  # the cell papermill injects
    assert namespace["items"] == (1, 2)
    assert namespace["one"] == ("a",)
    assert namespace["nested"] == {"k": (1.5, None)}
