"""Tests of ebpm.report.evidence: whether a published estimate is missing, the status of its
diagnostics and how current its data are (the diagnostics of each design are also checked in
tests/site/test_registry.py)."""

from __future__ import annotations

from typing import Any

import pytest

from ebpm.report.evidence import ALPHA, data_vintage, diagnostics, estimate_missing


# --- estimate_missing -----------------------------------------------------------------------
@pytest.mark.parametrize(
    ("headline", "missing"),
    [
        (None, False),  # no result published at all (a KPI dashboard)
        ({}, False),
        ({"headline": {"estimate": -0.0225}}, False),
        ({"headline": {"estimate": 0}}, False),
        ({"headline": {"estimate": float("nan")}}, True),
        ({"headline": {"estimate": float("-inf")}}, True),
        ({"headline": {"estimate": None}}, True),
        ({"headline": {"estimate": "-0.02"}}, True),  # text is not an estimate
        ({"headline": {}}, True),
        ({"headline": None}, True),
        ({"method": "did"}, True),
    ],
)
def test_estimate_missing(headline: dict[str, Any] | None, missing: bool) -> None:
    assert estimate_missing(headline) is missing


# --- diagnostics ----------------------------------------------------------------------------
def _head(method: str, diag: dict[str, Any] | None) -> dict[str, Any]:
    return {"method": method, "headline": {"estimate": 1.0}, "diagnostics": diag}


def test_a_p_value_of_exactly_alpha_passes() -> None:
    assert ALPHA == 0.05
    (at,) = diagnostics(_head("rdd", {"density_test": {"p_value": 0.05}}))
    assert (at["status"], at["p_value"]) == ("pass", 0.05)
    assert at["text"] == "density test: p = 0.05 (no sign of sorting at the cutoff)"
    (below,) = diagnostics(_head("rdd", {"density_test": {"p_value": 0.0499}}))
    assert below["status"] == "warn"
    assert below["text"] == "density test: p = 0.0499 (the running variable bunches at the cutoff)"


def test_checks_come_in_a_fixed_order() -> None:
    diag = {
        "density_test": {"p_value": 0.5},
        "pretrend": {"p_value": 0.2},
        "p_value": 0.1,
        "in_time_placebo": {"estimate": 0.5, "treatment_time": 1980},
    }
    got = [c["check"] for c in diagnostics(_head("synthetic_control", diag))]
    assert got == [
        "pre-trends",
        "density test",
        "placebo (in-space permutation)",
        "in-time placebo",
    ]


def test_the_smallest_finite_ljung_box_p_value_counts() -> None:
    lags = {"1": float("nan"), "4": 0.31, "8": 0.12}
    (check,) = diagnostics(_head("its", {"residual_autocorrelation": {"ljung_box_pvalue": lags}}))
    assert check == {
        "check": "residual autocorrelation",
        "value": None,
        "p_value": 0.12,
        "status": "info",
        "text": "Ljung-Box p = 0.12: no autocorrelation detected",
    }
    none = {"residual_autocorrelation": {"ljung_box_pvalue": {"1": None, "4": float("nan")}}}
    assert diagnostics(_head("its", none)) == []


@pytest.mark.parametrize(
    ("method", "diag"),
    [
        ("did", {"p_value": 0.01}),  # a placebo p-value only for synthetic control
        ("did", {"p_sim": 0.01}),  # a permutation p-value only for Moran's I
        ("did", {"pretrend": 0.01}),  # not a mapping: nothing to read
        ("synthetic_control", {"in_time_placebo": {"treatment_time": 1980}}),  # no estimate
        ("event_study", {"pretrend": {"p_value": "0.01"}}),  # text, not a number
        ("did", None),
    ],
)
def test_what_is_not_a_check_is_left_out(method: str, diag: dict[str, Any] | None) -> None:
    assert diagnostics(_head(method, diag)) == []


def test_moran_without_a_permutation_count() -> None:
    (check,) = diagnostics(_head("moran", {"p_sim": 0.002}))
    assert check["text"] == "permutation p = 0.002 (? permutations)"
    assert (check["status"], check["p_value"]) == ("info", 0.002)


# --- data_vintage ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("dataset", "text"),
    [
        ({"kind": "evidence", "run_id": "20250101T000000Z-ab12"}, "run 20250101T000000Z-ab12"),
        ({"kind": "evidence", "publisher_updated": "2025-06-20"}, "not evaluated yet"),
        (
            {"publisher_updated": "2025-06-20", "package": "causaldata", "package_version": "0.1"},
            "updated 2025-06-20",
        ),
        ({"package": "causaldata", "package_version": "0.1.5"}, "causaldata 0.1.5"),
        ({"retrieved_at": "2026-11-26T00:00:00+00:00"}, "retrieved 2026-11-26 00:00 UTC"),
        ({}, "retrieved ?"),
    ],
)
def test_data_vintage(dataset: dict[str, Any], text: str) -> None:
    assert data_vintage(dataset) == text
