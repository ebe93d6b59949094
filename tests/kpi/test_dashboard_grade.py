"""The evidence grade beside each link's verdict on the KPI dashboard, and the rule that only an
interval excluding 0 on the expected side reads as "supports" (never a ✓ otherwise)."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest

from ebpm import kpi
from ebpm.errors import DataError
from ebpm.kpi import dashboard
from ebpm.kpi.diagram import logic_model_svg
from tests.conftest import ROOT

PROP99 = ROOT / "pipelines" / "policies" / "prop99.yaml"
SC = ("demo", "prop99_synthetic_control")


@pytest.fixture
def model() -> kpi.LogicModel:
    return kpi.load(PROP99)


def _expecting(model: kpi.LogicModel, expected: str) -> kpi.LogicModel:
    import dataclasses

    links = tuple(
        dataclasses.replace(lk, evidence=dataclasses.replace(lk.evidence, expected=expected))
        if lk.evidence
        else lk
        for lk in model.links
    )
    return dataclasses.replace(model, links=links)


def _recorded(tmp_path: Path, low: float, high: float, **extra: Any) -> dict:
    """evidence() of the demo policy from a run that recorded a synthetic control's headline."""
    head = {
        "method": "synthetic_control",
        "label": "Proposition 99 and cigarette sales",
        "estimand": "ATT",
        "conf_level": 0.95,
        "headline": {"estimate": -19.6, "conf_low": low, "conf_high": high, "std_error": 5.0},
        "design": {},
        "diagnostics": {},
        **extra,
    }
    folder = tmp_path / "runs" / "demo" / "R1"
    folder.mkdir(parents=True)
    task = {"name": SC[1], "status": "ok", "headline": head}
    (folder / "manifest.json").write_text(
        json.dumps({"pipeline": "demo", "run_id": "R1", "tasks": [task]}), encoding="utf-8"
    )
    return dashboard.evidence(kpi.load(PROP99), out_dir=tmp_path)


def _labels(svg: str) -> list[str]:
    root = ET.fromstring(svg)
    return [
        " ".join(" ".join(e.itertext()).split())
        for e in root.iter()
        if e.get("class") == "lm-link-label"
    ]


def test_a_supported_link_shows_its_grade_beside_the_verdict(model, tmp_path) -> None:
    found = _recorded(tmp_path, -30.1, -9.2)
    ev = found[SC]
    assert ev["grade"] == 3
    assert ev["grade_reasons"][0].startswith("synthetic control:")
    assert ev["grade_reasons_ja"][0].startswith("合成コントロール法")
    policy = _expecting(model, "decrease")
    table = dashboard.evidence_table(policy, found)
    assert (
        table.count(
            "<b>✓ supports the link (the interval excludes 0)</b> "
            '<span class="grade" title="synthetic control: the treated unit before and after '
            'against a weighted comparison group of donors (SMS 3)">(SMS 3/5)</span>'
        )
        == 2
    )
    for lang, words in (("en", "✓ supports (SMS 3)"), ("ja", "✓ 効果を支持 (SMS 3)")):
        labels = [t for t in _labels(dashboard.diagram(policy, found=found, lang=lang)) if t]
        assert sum(t.endswith(words) for t in labels) == 2
    root = ET.fromstring(dashboard.diagram(policy, found=found))
    titles = [
        e.find("{http://www.w3.org/2000/svg}title").text or ""
        for e in root.iter()
        if e.get("class") == "lm-link" and e.get("data-verdict") == "supports"
    ]
    assert len(titles) == 2
    assert all("supports the link (the interval excludes 0) (SMS 3)" in t for t in titles)


@pytest.mark.parametrize("expected", ["decrease", "increase", "either"])
@pytest.mark.parametrize(("low", "high"), [(-40.4, 1.2), (0.0, 3.0), (-3.0, 0.0)])
def test_an_interval_that_includes_zero_never_reads_as_supported(
    model, tmp_path, expected, low, high
) -> None:
    """Whatever the direction expected and however good the design, an interval including 0
    is "inconclusive": no "supports", no ✓ on the link or in its row of the table."""
    found = _recorded(tmp_path, low, high)
    policy = _expecting(model, expected)
    assert set(dashboard.verdicts(policy, found).values()) == {"inconclusive"}
    table = dashboard.evidence_table(policy, found)
    assert "supports" not in table
    assert "✓" not in table  # not even the "✓ ok" of a run without warnings
    assert "(SMS 3/5)" in table  # the design's grade is still shown: it is not the verdict
    for lang in ("en", "ja"):
        labels = _labels(dashboard.diagram(policy, found=found, lang=lang))
        assert not any("✓" in t for t in labels)
        assert not any("supports" in t or "効果を支持" in t for t in labels)
        assert dashboard.evidence_table(policy, found, lang=lang).count("✓") == 0


def test_a_downgraded_design_says_why_in_the_tooltip(model, tmp_path) -> None:
    found = _recorded(
        tmp_path, -30.1, -9.2, method="event_study", diagnostics={"pretrend": {"p_value": 0.01}}
    )
    assert found[SC]["grade"] == 2
    table = dashboard.evidence_table(_expecting(model, "decrease"), found, lang="ja")
    assert "1 段階下げる：事前トレンドの検定が平行トレンドを棄却（p = 0.01）" in table
    assert "(SMS 2/5)" in table


def test_the_grade_tooltip_is_escaped_and_an_ungraded_result_shows_none(model) -> None:
    ev = {
        "estimate": -19.6,
        "low": -30.1,
        "high": -9.2,
        "conf_level": 0.95,
        "status": "ok",
        "label": "SC",
        "run_id": "R1",
        "diagnostics": [],
        "report": "r.html",
        "grade": 3,
        "grade_reasons": ['"><script>alert(1)</script>'],
    }
    table = dashboard.evidence_table(model, {SC: ev})
    assert "<script>" not in table
    assert "&quot;&gt;&lt;script&gt;" in table
    assert "SMS" not in dashboard.evidence_table(model, {SC: {**ev, "grade": None}})


@pytest.mark.parametrize("bad", [0, 6, 2.5, "3", True])
def test_the_diagram_refuses_a_grade_that_is_not_a_level(bad) -> None:
    nodes = [
        {"id": "a", "kind": "input", "label": "A"},
        {"id": "b", "kind": "output", "label": "B"},
    ]
    links = [{"source": "a", "target": "b", "evidence": {"estimate": 1.0, "grade": bad}}]
    with pytest.raises(DataError, match=r"pass a Maryland SMS level, an integer from 1 to 5"):
        logic_model_svg(nodes, links)
