"""Tests of ``ebpm new`` (ebpm.cli.new): what it prints, and its refusals."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cli.conftest import invoke
from tests.conftest import template_project


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    template_project(tmp_path)
    monkeypatch.delenv("EBPM_CATALOG_DIR", raising=False)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_new_evaluation_prints_files_todos_and_the_next_command(project: Path) -> None:
    result = invoke(
        "new",
        "evaluation",
        "tobacco",
        "--design",
        "synth",
        "--dataset",
        "studies.prop99",
        "--policy",
        "Proposition 99",
    )
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[:3] == [
        "created notebooks/tobacco.py",
        "created pipelines/tobacco.yaml",
        "created pipelines/policies/tobacco.yaml",
    ]
    assert lines[3] == "to fill in (4, from `ebpm check`):"
    assert lines[-1] == (
        "next: fill in the TODOs above, then `ebpm check pipelines/tobacco.yaml` and "
        "`ebpm run pipelines/tobacco.yaml`"
    )


def test_new_evaluation_in_japanese_says_run_in_japanese(project: Path) -> None:
    result = invoke(
        "new",
        "evaluation",
        "fiscal",
        "--design",
        "did",
        "--dataset",
        "japan.municipal_fiscal_indices",
        "--lang",
        "ja",
    )
    assert result.exit_code == 0, result.output
    assert "guessed (check it): notebooks/fiscal.py: unit = 'code'" in result.stdout
    assert result.stdout.rstrip().endswith("`ebpm run pipelines/fiscal.yaml --lang ja`")


def test_new_evaluation_refuses_to_overwrite(project: Path) -> None:
    args = ("new", "evaluation", "a", "--design", "did", "--dataset", "studies.prop99")
    assert invoke(*args).exit_code == 0
    again = invoke(*args)
    assert again.exit_code == 1
    assert again.stderr.startswith(
        "error: notebooks/a.py, pipelines/policies/a.yaml already exist; ebpm new overwrites "
        "nothing"
    )


def test_an_unknown_design_is_a_usage_error(project: Path) -> None:
    result = invoke("new", "evaluation", "a", "--design", "diid", "--dataset", "studies.prop99")
    assert result.exit_code == 2
    assert "'diid' is not one of 'did', 'staggered', 'event_study', 'synth'" in result.stderr


def test_new_pipeline_and_policy(project: Path) -> None:
    result = invoke("new", "pipeline", "mine", "--description", "my evaluations")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        "created pipelines/mine.yaml",
        "next: `ebpm new evaluation NAME --design did --dataset NS.ENTRY --pipeline mine`",
    ]
    result = invoke("new", "policy", "allowance", "--title", "Child allowance")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[0] == "created pipelines/policies/allowance.yaml"
    assert result.stdout.rstrip().endswith(
        "next: fill in the TODOs, then `ebpm check pipelines/policies/allowance.yaml`"
    )


def test_help_lists_the_designs_and_an_example() -> None:
    result = invoke("new", "evaluation", "--help")
    assert result.exit_code == 0
    assert "[did|staggered|event_study|synth|rdd|its]" in result.output
    assert "ebpm new evaluation tobacco_tax --design synth" in result.output
    assert "ebpm new evaluation" in invoke("new", "--help").output
