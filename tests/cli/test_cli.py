"""Tests of the ``ebpm`` command line as a whole: version, help, the error boundary (one red
line, EBPM_DEBUG), usage errors and ``ebpm run`` (click's CliRunner, and ``python -m ebpm``
once). The commands of each group have their own modules: test_catalog.py, test_run.py, ..."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

import ebpm
from ebpm.cli import main
from ebpm.errors import DatasetNotFoundError
from ebpm.pipeline.notebooks import parameters_cell, read_notebook
from tests.cli.conftest import error_lines
from tests.conftest import TESTS

HERE = TESTS
REPO = HERE.parent
PIPELINES = HERE / "fixtures" / "pipelines"
DEMO = REPO / "pipelines" / "demo.yaml"


def invoke(*args: str) -> Result:
    return CliRunner().invoke(main, list(args), prog_name="ebpm")


# --- version and help -------------------------------------------------------------------------
@pytest.mark.parametrize("flag", ["--version", "-V"])
def test_version(flag: str) -> None:
    result = invoke(flag)
    assert result.exit_code == 0
    assert result.stdout == f"ebpm, version {ebpm.__version__}\n"


@pytest.mark.parametrize("flag", ["-h", "--help"])
def test_help_lists_the_commands(flag: str) -> None:
    result = invoke(flag)
    assert result.exit_code == 0
    assert result.stdout.startswith("Usage: ebpm [OPTIONS] COMMAND [ARGS]...")
    assert "catalog" in result.stdout
    assert "run" in result.stdout
    assert "EBPM_DEBUG=1" in result.stdout


def test_subcommand_help() -> None:
    result = invoke("run", "-h")
    assert result.exit_code == 0
    assert "Usage: ebpm run [OPTIONS] [PIPELINES]..." in result.stdout
    assert "--param NAME VALUE" in result.stdout
    assert "Examples:" in result.stdout


def test_run_help_example_overrides_declared_parameters() -> None:
    help_text = invoke("run", "-h").stdout
    examples = re.findall(r"ebpm run pipelines/demo\.yaml .*-p (\w+) ", help_text)
    assert examples
    declared = parameters_cell(read_notebook(REPO / "notebooks" / "did.py"))
    for name in examples:
        assert name in declared


def test_python_m_ebpm_version() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "ebpm", "--version"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == f"ebpm, version {ebpm.__version__}\n"


# --- the error boundary -----------------------------------------------------------------------
def test_unknown_dataset_is_one_error_line_with_a_close_match(catalog_env: None) -> None:
    result = invoke("catalog", "show", "studies.prop9")
    assert result.exit_code == 1
    assert result.stdout == ""
    assert len(result.stderr.splitlines()) == 1
    (line,) = error_lines(result)
    assert line.startswith("error: dataset 'studies.prop9' not found")
    assert "Did you mean 'studies.prop99'?" in line
    assert "Traceback" not in result.output


def test_debug_mode_lets_the_error_through(
    catalog_env: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("EBPM_DEBUG", "1")
    result = invoke("catalog", "show", "studies.prop9")
    assert result.exit_code == 1
    assert isinstance(result.exception, DatasetNotFoundError)
    assert error_lines(result) == []


# --- usage errors -----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["catalog", "show"], "Missing argument 'NAME'"),
        (["catalog", "lst"], "No such command 'lst'"),
        (["run"], "give a pipeline spec, e.g. `ebpm run pipelines/demo.yaml`"),
        (["run", str(DEMO), "--bogus"], "No such option '--bogus'"),
        (["run", str(DEMO), "-p", "fail"], "Option '-p' requires 2 arguments"),
        (["run", str(DEMO), "-p", "fail", "[unclosed"], "fail='[unclosed' is not a YAML scalar"),
        (["bogus"], "No such command 'bogus'"),
    ],
)
def test_usage_errors_exit_2(catalog_env: None, args: list[str], message: str) -> None:
    result = invoke(*args)
    assert result.exit_code == 2
    assert message in result.stderr
    assert "Error: " in result.stderr
    assert not (Path.cwd() / "runs").exists()


# --- run: errors before any kernel ------------------------------------------------------------
def test_run_missing_spec(catalog_env: None, tmp_path: Path) -> None:
    result = invoke("run", str(PIPELINES / "failur.yaml"), "--out", str(tmp_path / "out"))
    assert result.exit_code == 1
    (line,) = error_lines(result)
    assert "failur.yaml' does not exist. Did you mean 'failure.yaml'?" in line
    assert not (tmp_path / "out").exists()


def test_run_malformed_spec(catalog_env: None, tmp_path: Path) -> None:
    spec = tmp_path / "bad.yaml"
    spec.write_text("name: bad\ntask:\n  - notebook: x.py\n", encoding="utf-8")
    result = invoke("run", str(spec), "--out", str(tmp_path / "out"))
    assert result.exit_code == 1
    (line,) = error_lines(result)
    assert "unknown key 'task'. Did you mean 'tasks'?" in line
    assert not (tmp_path / "out").exists()


def test_run_with_a_misspelt_parameter(catalog_env: None, tmp_path: Path) -> None:
    result = invoke("run", str(PIPELINES / "typo.yaml"), "--out", str(tmp_path / "out"))
    assert result.exit_code == 1
    assert "error: 1 task(s) of typo.yaml have bad parameters; nothing was run." in result.stderr
    assert "Did you mean 'outcome'?" in result.stderr
    assert not (tmp_path / "out" / "runs").exists()


def test_run_with_a_misspelt_override(catalog_env: None, tmp_path: Path) -> None:
    result = invoke(
        "run", str(PIPELINES / "rerun.yaml"), "--out", str(tmp_path / "out"), "-p", "fial", "true"
    )
    assert result.exit_code == 1
    assert (
        "parameter 'fial' given with -p is not declared by any notebook of rerun.yaml. Did you "
        "mean 'fail'? Parameters there: dataset, fail, outcome." in result.stderr
    )
    assert not (tmp_path / "out" / "runs").exists()


# --- run: with kernels ------------------------------------------------------------------------
@pytest.mark.slow
def test_run_with_a_failing_task_exits_1_and_prints_the_site(
    catalog_env: None, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    # `-p fail true` is read as YAML: the boolean True the notebook declares
    result = invoke("run", str(PIPELINES / "rerun.yaml"), "--out", str(out), "-p", "fail", "true")
    assert result.exit_code == 1
    index = out.resolve() / "site" / "index.html"
    assert index.is_file()
    # the working directory is tmp_path (catalog_env), so the paths are shown relative to it
    assert "report site: out/site/index.html" in result.stdout
    assert "python -m http.server -d out/site " in result.stdout
    assert "  start  organ\n" in result.stdout
    assert "  FAILED organ (" in result.stdout
    assert "ValueError: boom: fail=True" in result.stdout
    assert "0 ran ok, 0 unchanged, 1 not ok" in result.stdout
    (line,) = error_lines(result)
    assert line.startswith("error: 1 task(s) did not succeed: organ; see the failure pages in ")
    assert (out / "site" / "failures" / "rerun" / "organ.html").is_file()


@pytest.mark.slow
def test_run_demo_exits_0_and_says_how_to_open_the_site(catalog_env: None, tmp_path: Path) -> None:
    result = invoke("run", str(DEMO), "--out", str(tmp_path))
    assert result.exit_code == 0, result.output
    assert result.stderr == ""
    index = tmp_path.resolve() / "site" / "index.html"
    assert "report site: site/index.html" in result.stdout, result.stdout
    assert "python -m http.server" in result.stdout
    assert f"or browse: {index.as_uri()}" in result.stdout
    assert "ATT -0.0225 [" in result.stdout
    assert "ATT -27.349 [" in result.stdout
    assert "16 ran ok, 0 unchanged, 0 not ok" in result.stdout
    assert "FAILED" not in result.stdout
    assert index.is_file()
