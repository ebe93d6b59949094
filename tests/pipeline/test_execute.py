"""ebpm.pipeline.execute: starting kernels and running one task's notebook in one."""

from __future__ import annotations

import pytest

from ebpm.pipeline import execute


class _DiedError(RuntimeError):
    pass


def test_a_kernel_that_dies_at_start_is_started_once_more(monkeypatch: pytest.MonkeyPatch) -> None:
    """A port taken between jupyter_client's pick and the kernel's bind kills the kernel before
    it replies; nothing of the notebook ran, so ebpm starts it again instead of failing."""
    calls: list[str] = []

    def flaky(*, kernel: str, env: dict[str, str], cwd: str, timeout: float) -> str:
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

    def dead(*, kernel: str, env: dict[str, str], cwd: str, timeout: float) -> str:
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

    def missing(*, kernel: str, env: dict[str, str], cwd: str, timeout: float) -> str:
        calls.append(kernel)
        raise NoSuchKernel(kernel)

    monkeypatch.setattr(execute, "_start_kernel", missing)
    with pytest.raises(NoSuchKernel, match="julia"):
        execute.start_kernel(kernel="julia", env={}, cwd=".")
    assert calls == ["julia"]
