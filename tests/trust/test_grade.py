"""ebpm.trust.grade: the evidence grade of an evaluation's design on the Maryland SMS."""

from __future__ import annotations

import json
import warnings
from typing import Any

import pytest

from ebpm.catalog import open_catalog
from ebpm.estimators.did import did
from ebpm.trust.grade import GRADE_KEYS, SCALE, grade, grade_short
from tests.conftest import ROOT

#: The diagnostics that make each check warn (as the estimators and checks.py record them).
PRETREND_FAILS = {"pretrend": {"p_value": 0.012}}
LOW_POWER = {"pretrend": {"p_value": 0.5, "power_slope_50": 0.6, "power_slope_80": 1.0}}
SENSITIVITY_WEAK = {
    "sensitivity": {"method": "relative_magnitude", "original": [-2.5, -0.5], "breakdown": 0.5}
}
STAGGERED = {"adoption": {"staggered": True, "adoption_times": [3, 5], "switches_off": []}}
SORTING = {"density_test": {"p_value": 0.003}}
#: Level 3 in Japanese.
JP3 = "メリーランド科学的手法尺度 レベル3：比較群のある前後比較（差の差分法など）"


def _record(method: str, diagnostics: dict[str, Any] | None = None, **extra: Any) -> dict:
    """A result's JSON record: estimate -1.5 [-2.5, -0.5], post periods 0, 1 and 2 (a linear
    pre-trend of slope 1 carried to them is 2 on average, as large as the estimate)."""
    return {
        "method": method,
        "title": method,
        "headline": {"estimate": -1.5, "std_error": 0.5, "conf_low": -2.5, "conf_high": -0.5},
        "design": extra.pop("design", {}),
        "table": [{"event_time": e} for e in (-3, -2, 0, 1, 2)],
        "diagnostics": diagnostics or {},
        **extra,
    }


@pytest.fixture(scope="module")
def organ_did() -> dict[str, Any]:
    """The TWFE DiD of organ donations (California's active-choice policy), as to_dict()."""
    data = open_catalog(ROOT / "catalogs").load("studies.organ_donations")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # few clusters: not what is tested here
        result = did(data, outcome="Rate", unit="State", time="quarter_num", treated="treated")
    return json.loads(json.dumps(result.to_dict()))


def test_a_real_difference_in_differences_is_level_3(organ_did) -> None:
    g = grade(organ_did)
    assert g is not None
    assert tuple(g) == GRADE_KEYS
    assert (g["scale"], g["level"], g["base"]) == (SCALE, 3, 3)
    assert g["reasons"] == [
        "difference-in-differences: the treated before and after against a comparison group (SMS 3)"
    ]
    assert g["label"] == (
        "Maryland Scientific Methods Scale level 3: before and after against a comparison group "
        "(e.g. difference-in-differences)"
    )
    assert g["jp_level"] is None
    assert g["jp_label"] == JP3
    assert grade_short(g) == "SMS 3/5"


@pytest.mark.parametrize(
    ("method", "design", "level", "says"),
    [
        ("did", {}, 3, "difference-in-differences"),
        ("event_study", {}, 3, "event study"),
        ("staggered_did", {}, 3, "difference-in-differences with staggered adoption"),
        ("synthetic_control", {}, 3, "synthetic control"),
        ("synthdid", {}, 3, "synthetic difference-in-differences"),
        ("rdd", {"fuzzy": None}, 4, "regression discontinuity: assignment by a cutoff"),
        ("rdd", {"fuzzy": "takeup"}, 4, "fuzzy regression discontinuity"),
        ("its", {"n_pre": 10}, 2, "interrupted time series without a comparison"),
        ("its", {"unit": "region", "control": ["B", "C"]}, 3, "controlled interrupted"),
    ],
)
def test_each_design_s_base_level(method, design, level, says) -> None:
    g = grade(_record(method, design=design))
    assert g is not None
    assert g["level"] == g["base"] == level
    assert len(g["reasons"]) == 1
    assert g["reasons"][0].startswith(says)
    assert g["reasons"][0].endswith(f"(SMS {level})")


@pytest.mark.parametrize("method", ["moran", "describe", "balance", "a_new_method", None])
def test_designs_that_estimate_no_policy_effect_have_no_grade(method) -> None:
    assert grade(_record(method)) is None
    assert grade_short(None) == "–"


def test_no_record_has_no_grade() -> None:
    assert grade(None) is None
    assert grade({}) is None


def test_a_record_without_diagnostics_keeps_its_base_level() -> None:
    record = _record("event_study")
    del record["diagnostics"]
    g = grade(record)
    assert g is not None
    assert (g["level"], len(g["reasons"])) == (3, 1)


@pytest.mark.parametrize(
    ("method", "diagnostics", "reason"),
    [
        (
            "event_study",
            PRETREND_FAILS,
            "one level down: the pre-trend test rejects parallel trends (p = 0.012)",
        ),
        ("event_study", LOW_POWER, "one level down: the pre-trend test is too weak"),
        (
            "event_study",
            SENSITIVITY_WEAK,
            "one level down: sensitivity breakdown M̄ = 0.5 is below 1",
        ),
        ("did", STAGGERED, "one level down: staggered adoption"),
        (
            "rdd",
            SORTING,
            "one level down: the density test finds sorting at the cutoff (p = 0.003)",
        ),
    ],
)
def test_each_downgrade_alone_lowers_one_level_with_its_reason(method, diagnostics, reason) -> None:
    g = grade(_record(method, diagnostics))
    assert g is not None
    assert g["level"] == g["base"] - 1
    assert len(g["reasons"]) == 2
    assert g["reasons"][1].startswith(reason)
    assert f"level {g['level']}:" in g["label"]


def test_passing_checks_lower_nothing() -> None:
    passing = {
        "pretrend": {"p_value": 0.4, "power_slope_50": 0.01, "power_slope_80": 0.02},
        "sensitivity": {"method": "relative_magnitude", "original": [-2.5, -0.5], "breakdown": 2},
    }
    g = grade(_record("event_study", passing))
    assert g is not None
    assert g["level"] == 3
    assert grade(_record("rdd", {"density_test": {"p_value": 0.4}}))["level"] == 4  # type: ignore[index]


def test_downgrades_add_up() -> None:
    both = {**LOW_POWER, **SENSITIVITY_WEAK}
    g = grade(_record("event_study", both))
    assert g is not None
    assert (g["base"], g["level"], len(g["reasons"])) == (3, 1, 3)


def test_the_grade_stops_at_level_1() -> None:
    worst = {**PRETREND_FAILS, **SENSITIVITY_WEAK, **STAGGERED}
    worst["pretrend"] = {**PRETREND_FAILS["pretrend"], **LOW_POWER["pretrend"], "p_value": 0.01}
    g = grade(_record("did", worst))
    assert g is not None
    assert (g["base"], g["level"]) == (3, 1)
    assert len(g["reasons"]) == 1 + 4 + 1
    assert g["reasons"][-1] == "the scale stops at level 1"
    its = grade(_record("its", {**PRETREND_FAILS, **LOW_POWER, **SENSITIVITY_WEAK}))
    assert its is not None
    assert (its["base"], its["level"]) == (2, 1)


def test_an_interval_that_includes_zero_or_a_missing_estimate_is_no_downgrade() -> None:
    wide = _record("did")
    wide["headline"] = {"estimate": -0.5, "std_error": 1.0, "conf_low": -2.5, "conf_high": 1.5}
    missing = _record("did")
    missing["headline"] = {"estimate": None, "conf_low": None, "conf_high": None}
    for record in (wide, missing):
        g = grade(record)
        assert g is not None
        assert g["level"] == 3


def test_words_in_japanese() -> None:
    g = grade(_record("rdd", SORTING), "ja")
    assert g is not None
    assert g["label"] == g["jp_label"]
    assert g["label"] == JP3
    assert g["reasons"] == [
        "回帰不連続デザイン：閾値による割当てが閾値の近くではランダムとみなせる（SMS 4）",
        "1 段階下げる：密度検定が閾値での操作（ソーティング）を示す（p = 0.003）",
    ]
    assert grade(_record("its"), "ja")["reasons"][0].startswith("比較系列のない")  # type: ignore[index]
    floor = grade(_record("its", {**PRETREND_FAILS, **SENSITIVITY_WEAK}), "ja")
    assert floor is not None
    assert floor["reasons"][-1] == "尺度の最低はレベル 1"
    en = grade(_record("rdd", SORTING), "en")
    assert en is not None
    assert en["jp_label"] == g["jp_label"]  # the Japanese label whatever the language
