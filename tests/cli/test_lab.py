"""Tests of ``ebpm lab`` (issue 19): a scratch copy of a task's notebook, opened in JupyterLab.

On the small project of tests/cli/conftest.py (tasks ``a`` and ``b`` of ``pipelines/p.yaml``
run ``notebooks/probe.py``). JupyterLab itself is never started here: the test that would start
it records the command instead (tests/e2e/test_lab_browser.py starts a real one).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import nbformat
import pytest

from ebpm.cli import lab as lab_cli
from tests.cli.conftest import error_lines, invoke, make_project


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "proj"
    make_project(root)
    monkeypatch.chdir(root)
    monkeypatch.delenv("EBPM_DEBUG", raising=False)
    return root


@pytest.mark.parametrize("flag", ["-h", "--help"])
def test_help_says_what_lab_does(flag: str) -> None:
    result = invoke("lab", flag)
    assert result.exit_code == 0
    assert result.stdout.startswith("Usage: ebpm lab [OPTIONS] TASK [PIPELINE]")
    for words in ("scratch/<pipeline>/<task>.ipynb", "injected-parameters", "--print-only"):
        assert words in result.stdout


def test_print_only_makes_the_copy_and_prints_its_path(project: Path) -> None:
    result = invoke("lab", "b", "--print-only", "-p", "value", "4")
    assert result.exit_code == 0, result.output
    path = project / "scratch" / "p" / "b.ipynb"
    assert result.stdout == f"{path}\n"
    nb = nbformat.read(path, as_version=4)
    (injected,) = [c for c in nb.cells if "injected-parameters" in c.metadata.get("tags", [])]
    assert "value = 4.0" in injected.source.splitlines()
    assert "label = 'b'" in injected.source.splitlines()


def test_the_spec_can_be_named(project: Path, tmp_path: Path, monkeypatch: Any) -> None:
    monkeypatch.chdir(tmp_path)
    result = invoke("lab", "a", project / "pipelines" / "p.yaml", "--print-only")
    assert result.exit_code == 0, result.output
    assert Path(result.stdout.strip()) == project / "scratch" / "p" / "a.ipynb"


def test_an_existing_copy_is_refused_in_one_red_line(project: Path) -> None:
    assert invoke("lab", "a", "--print-only").exit_code == 0
    result = invoke("lab", "a", "--print-only")
    assert result.exit_code == 1
    assert error_lines(result) == [
        "error: scratch copy scratch/p/a.ipynb already exists and may hold your work; open it "
        "with `jupyter lab scratch/p/a.ipynb`, or replace it with "
        "`ebpm lab a pipelines/p.yaml --force`"
    ]
    assert invoke("lab", "a", "--print-only", "--force").exit_code == 0


def test_an_unknown_task_names_a_close_match(project: Path) -> None:
    result = invoke("lab", "aa", "--print-only")
    assert result.exit_code == 1
    assert error_lines(result) == [
        "error: task 'aa' is not in pipelines/p.yaml. Did you mean 'a'? Tasks: a, b."
    ]
    assert not (project / "scratch").exists()


def test_without_print_only_it_starts_jupyterlab_on_the_copy(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[list[str]] = []
    monkeypatch.setattr(lab_cli.subprocess, "call", lambda cmd: calls.append(cmd) or 0)
    result = invoke("lab", "a", "--no-browser")
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith(f"scratch copy of a (pipelines/p.yaml): {project}/scratch/")
    (cmd,) = calls
    assert cmd[1:3] == ["-m", "jupyterlab"]
    assert "scratch/p/a.ipynb" in cmd
    assert "--no-browser" in cmd
