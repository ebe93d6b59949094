"""Tests of ebpm.trust.checks: what each diagnostic says, and when it warns (issue 21)."""

from __future__ import annotations

from typing import Any

import pytest

from ebpm.trust.checks import CHECK_KEYS, checks


def _record(method: str, diagnostics: dict[str, Any], **more: Any) -> dict[str, Any]:
    return {"method": method, "diagnostics": diagnostics, **more}


def _event_record(estimate: float, slope80: float) -> dict[str, Any]:
    table = [
        {"term": "t-3", "event_time": -3, "binned": False},
        {"term": "t-2", "event_time": -2, "binned": False},
        {"term": "t+0", "event_time": 0, "binned": False},
        {"term": "t+1", "event_time": 1, "binned": False},
        {"term": "t+5", "event_time": 5, "binned": True},  # a bin is not a period
        {"term": "post_avg", "event_time": None},
    ]
    pre = {"p_value": 0.4, "power_slope_50": slope80 / 2, "power_slope_80": slope80}
    return _record(
        "event_study",
        {"pretrend": pre},
        headline={"estimate": estimate},
        table=table,
        design={},
    )


def _one(rows: list[dict[str, Any]], name: str) -> dict[str, Any]:
    (row,) = [r for r in rows if r["check"] == name]
    assert tuple(row) == CHECK_KEYS
    return row


def test_pre_trend_power_warns_when_a_likely_missed_trend_explains_the_estimate() -> None:
    # post periods 0 and 1 lie 1 and 2 periods after the reference -1: on average 1.5, so a
    # trend of 0.04 per period adds 0.06 to the post-period average, against an estimate 0.05
    row = _one(checks(_event_record(0.05, 0.04)), "pre-trend power")
    assert row["status"] == "warn"
    assert row["value"] == pytest.approx(0.04)
    assert "0.04 per period would be detected 80% of the time (0.02: half the time)" in row["text"]
    assert "such a trend is 0.06, as large as the estimate 0.05" in row["text"]


def test_pre_trend_power_passes_when_such_a_trend_is_small_beside_the_estimate() -> None:
    row = _one(checks(_event_record(0.5, 0.04)), "pre-trend power")
    assert row["status"] == "pass"
    assert "such a trend is 0.06, against the estimate 0.5" in row["text"]
    ja = _one(checks(_event_record(0.5, 0.04), "ja"), "pre-trend power")
    assert "80% の確率で検出する" in ja["text"]


def test_pre_trend_power_counts_the_horizon_from_the_event_studys_reference() -> None:
    # with ref_period -2 (kept in the diagnostics) post periods 0 and 1 lie 2 and 3 periods
    # after it: on average 2.5, so 0.04 per period adds 0.1, twice the estimate 0.05
    record = _event_record(0.05, 0.04)
    record["diagnostics"]["ref_period"] = -2
    row = _one(checks(record), "pre-trend power")
    assert "such a trend is 0.1, as large as the estimate 0.05" in row["text"]


def test_pre_trend_power_is_information_without_post_periods() -> None:
    record = _record(
        "staggered_did",
        {"pretrend": {"p_value": 0.3, "power_slope_50": 0.01, "power_slope_80": 0.02}},
    )
    row = _one(checks(record), "pre-trend power")
    assert row["status"] == "info"
    assert "as large as" not in row["text"]


def test_pre_trend_power_is_left_out_when_not_computed() -> None:
    record = _record("event_study", {"pretrend": {"p_value": 0.3, "power_slope_50": None}})
    assert [r["check"] for r in checks(record)] == ["pre-trends"]


@pytest.mark.parametrize(
    ("adoption", "says"),
    [
        (
            {"staggered": True, "adoption_times": [2005, 2006, 2007], "switches_off": []},
            "treatment starts at 3 different times: a two-way fixed-effects DiD",
        ),
        (
            {"staggered": True, "adoption_times": [1, 2], "switches_off": list("abcdefg")},
            "starts at 2 different times and switches off in a, b, c, d, e …",
        ),
        (
            {"staggered": False, "adoption_times": [3], "switches_off": ["Ohio"]},
            "treatment switches off in Ohio",
        ),
    ],
)
def test_staggered_adoption_warns_and_points_to_the_fix(adoption: dict, says: str) -> None:
    row = _one(checks(_record("did", {"adoption": adoption})), "staggered adoption")
    assert row["status"] == "warn"
    assert says in row["text"]
    assert "staggered_did" in row["text"]
    assert "bacon_decomposition" in row["text"]


def test_adoption_at_one_time_is_no_check() -> None:
    adoption = {"staggered": False, "adoption_times": [3], "switches_off": []}
    assert checks(_record("did", {"adoption": adoption})) == []


def _sens(method: str, breakdown: float | None, original: tuple = (0.01, 0.05)) -> dict:
    bound = "Mbar" if method == "relative_magnitude" else "M"
    sets = [{bound: 0.5, "conf_low": 0.0, "conf_high": 0.1}, {bound: 2.0, "conf_low": 0.0}]
    return {
        "method": method,
        "bound": bound,
        "breakdown": breakdown,
        "original": list(original),
        "sets": sets,
    }


@pytest.mark.parametrize(
    ("sens", "status", "says"),
    [
        (_sens("relative_magnitude", 0.7), "warn", "exceed 0.7 times the largest pre-period one"),
        (_sens("relative_magnitude", 1.9), "pass", "exceed 1.9 times"),
        (_sens("smoothness", 0.023), "info", "changes by more than 0.023 per period"),
        (_sens("relative_magnitude", None), "pass", "significant at every bound tried, up to 2"),
        (
            _sens("smoothness", None, (-0.01, 0.05)),
            "info",
            "the usual interval already includes zero",
        ),
    ],
)
def test_sensitivity_reads_the_breakdown(sens: dict, status: str, says: str) -> None:
    row = _one(checks(_record("event_study", {"sensitivity": sens})), "sensitivity")
    assert row["status"] == status
    assert says in row["text"]


def test_relative_magnitude_below_one_is_explained_in_japanese() -> None:
    (row,) = checks(_record("event_study", {"sensitivity": _sens("relative_magnitude", 0.7)}), "ja")
    assert "処置前と同程度の乖離で効果が説明できてしまう" in row["text"]


@pytest.mark.parametrize("record", [None, {}, {"method": "did", "diagnostics": ["x"]}])
def test_nothing_to_read_gives_no_check(record: Any) -> None:
    assert checks(record) == []
