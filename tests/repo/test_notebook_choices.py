"""The shipped notebooks offer exactly the choices their estimators take (issue 19): a
parameter with choices is a ``Literal`` whose values are the estimator's, so ``ebpm check``
and the run's preflight refuse ``vcov: wlid`` with a close match before a kernel starts."""

from __future__ import annotations

import ast
from typing import get_args

import pytest
from click.testing import CliRunner

from ebpm.cli import main
from ebpm.estimators.did import VcovKind
from ebpm.estimators.event_study import EventStudyEstimator
from ebpm.estimators.staggered import BasePeriod, ControlGroup, StaggeredAggregate
from ebpm.estimators.synth import SynthMethod
from ebpm.pipeline.notebooks import declared_parameters
from ebpm.trust.sensitivity import SensitivityMethod
from tests.conftest import ROOT

CHOICES = [
    ("did.py", "vcov", VcovKind),
    ("event_study.py", "estimator", EventStudyEstimator),
    ("event_study.py", "sensitivity_method", SensitivityMethod),
    ("staggered_did.py", "control_group", ControlGroup),
    ("staggered_did.py", "aggregate", StaggeredAggregate),
    ("staggered_did.py", "base_period", BasePeriod),
    ("staggered_did.py", "sensitivity_method", SensitivityMethod),
    ("synthetic_control.py", "method", SynthMethod),
]


@pytest.mark.parametrize(("notebook", "name", "literal"), CHOICES)
def test_a_notebooks_choices_are_its_estimators(notebook: str, name: str, literal: object) -> None:
    param = declared_parameters(ROOT / "notebooks" / notebook)[name]
    annotation = ast.parse(str(param.type), mode="eval").body
    assert isinstance(annotation, ast.Subscript)
    assert ast.unparse(annotation.value) == "Literal"
    offered = {
        ast.literal_eval(e) for e in ast.walk(annotation.slice) if isinstance(e, ast.Constant)
    }
    assert offered == set(get_args(literal))
    assert param.default in offered


def test_a_misspelt_choice_is_refused_before_any_kernel_starts(tmp_path, monkeypatch) -> None:
    (tmp_path / "pipelines").mkdir()
    (tmp_path / "pipelines" / "p.yaml").write_text(
        "name: p\ntasks:\n"
        f"  - {{name: organ, notebook: {ROOT / 'notebooks' / 'did.py'}, "
        "parameters: {vcov: wlid}}\n",
        encoding="utf-8",
    )
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["check", "pipelines/p.yaml"])
    assert result.exit_code == 1
    assert (
        "parameter 'vcov' = 'wlid' is not one of 'cluster', 'hetero', 'iid', 'wild'"
        in result.output
    )
    assert "Did you mean 'wild'?" in result.output
