"""``ebpm new evaluation`` for every design, on a dataset of its kind: the notebook it writes
passes ``ebpm check`` and runs, and gives the design's published number on that dataset."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ebpm.pipeline import run_pipeline
from ebpm.pipeline.check import check_paths
from ebpm.pipeline.scaffold import new_evaluation
from tests.conftest import template_project

pytestmark = pytest.mark.slow

#: design -> (dataset, headline estimate, tolerance): the numbers the demo's README cites.
CASES = {
    "did": ("studies.organ_donations", -0.0225, 5e-5),  # The Effect, ch. 18
    "staggered": ("studies.mpdta", -0.0400, 5e-5),  # R did vignette, simple ATT
    "event_study": ("studies.mpdta", -0.0714, 5e-5),  # the demo's TWFE event study
    "synth": ("studies.prop99", -19.6, 0.05),  # Arkhangelsky et al. (2021), Table 1, SC
    "rdd": ("studies.senate", 7.414, 5e-4),  # rdrobust's default estimate
    "its": ("studies.prop99", -20.06, 5e-3),  # Linden (2015), level change
}


@pytest.fixture(scope="module")
def scaffolded(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, dict]]:
    root = template_project(tmp_path_factory.mktemp("new"))
    for design, (dataset, _, _) in CASES.items():
        new_evaluation(
            f"my_{design}",
            design=design,
            dataset=dataset,
            pipeline="mine",
            policy=f"the policy of {dataset}",
            root=root,
        )
    spec = root / "pipelines" / "mine.yaml"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("EBPM_CATALOG_DIR", str(root / "catalogs"))
        problems = check_paths([spec], root=root)
        result = run_pipeline(spec, out_dir=root, jobs=2)
    assert [str(p) for p in problems if p.level == "error"] == []
    assert result.ok, [(t.name, t.status, t.error) for t in result.tasks if t.status != "ok"]
    registry = json.loads((root / "site" / "evidence.json").read_text(encoding="utf-8"))
    return root, {r["task"]: r for r in registry["evaluations"]}


@pytest.mark.parametrize("design", list(CASES))
def test_each_design_runs_and_gives_the_published_number(scaffolded, design: str) -> None:
    _, registry = scaffolded
    dataset, expected, tolerance = CASES[design]
    record = registry[f"my_{design}"]
    assert record["status"] == "ok"
    assert record["datasets"] == [dataset]
    assert record["estimate"] == pytest.approx(expected, abs=tolerance)
    assert record["policy"] == f"the policy of {dataset}"
