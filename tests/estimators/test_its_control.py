"""Tests of its() with several interruptions and with a comparison series (controlled ITS):
Linden's multiple-group numbers on the Prop 99 panel, recovery of known changes, errors."""

from __future__ import annotations

import re

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pandas as pd
import pytest

from ebpm.catalog import open_catalog
from ebpm.errors import DataError, InvalidOptionError, NoPrePeriodError, UnitNotFoundError
from ebpm.estimators.its import its
from tests.conftest import ROOT

ROLES = {"outcome": "PacksPerCapita", "time": "Year", "intervention": 1989}
PANEL = {**ROLES, "unit": "State", "treated_unit": "California"}


@pytest.fixture(scope="module")
def prop99() -> pd.DataFrame:
    return open_catalog(ROOT / "catalogs").load("studies.prop99")


# --- controlled ITS: Linden's multiple-group analysis ---------------------------------------
def test_prop99_against_all_other_states_matches_linden(prop99: pd.DataFrame) -> None:
    # Linden's first multiple-group example of `itsa` (California vs the 38 other states,
    # trperiod(1989) lag(1)), as the help file of his `power itsa` (SSC S459461, 2025)
    # restates it: _z_x1989 = -2.806417 (P = 0.631); the treated step is -20.0581, the
    # controls' step -17.25168, their intercept 135.4995, pre-trend -0.5477701 and
    # post-trend -1.051279; the treated intercept 132.2258 and post-trend -3.274126.
    res = its(prop99, **PANEL, hac_lags=1)
    est = res.tidy().set_index("term")
    assert est.loc["level_change", "estimate"] == pytest.approx(-2.806417, abs=5e-7)
    assert round(est.loc["level_change", "p_value"], 3) == 0.631
    assert est.loc["control_level_change", "estimate"] == pytest.approx(-17.25168, abs=5e-6)
    assert est.loc["intercept", "estimate"] == pytest.approx(135.4995, abs=5e-5)
    assert est.loc["pre_slope", "estimate"] == pytest.approx(-0.5477701, abs=5e-8)
    post_trend = est.loc["pre_slope", "estimate"] + est.loc["control_slope_change", "estimate"]
    assert post_trend == pytest.approx(-1.051279, abs=5e-7)
    intercept = est.loc["intercept", "estimate"] + est.loc["level_difference", "estimate"]
    assert intercept == pytest.approx(132.2258, abs=5e-5)
    treated_post = (
        est.loc["pre_slope", "estimate"]
        + est.loc["pre_slope_difference", "estimate"]
        + res.diagnostics["treated_slope_change"]
    )
    assert treated_post == pytest.approx(-3.274126, abs=5e-7)
    # the treated series' own step is the single-group number, Linden (2015) -20.058
    assert res.diagnostics["treated_level_change"] == pytest.approx(-20.0581, abs=5e-5)
    assert res.n_obs == 39 * 31
    assert res.design["n_units"] == 39
    assert "within each series" in res.inference
    assert "t(1201)" in res.inference


def test_stacking_equals_the_mean_of_the_comparison(prop99: pd.DataFrame) -> None:
    stacked = its(prop99, **PANEL, hac_lags=1)
    mean = (
        prop99.loc[prop99["State"] != "California"]
        .groupby("Year", as_index=False)
        .mean(numeric_only=True)
    )
    two = pd.concat([prop99.loc[prop99["State"] == "California"], mean.assign(State="rest")])
    averaged = its(two, **PANEL, hac_lags=1)
    np.testing.assert_allclose(
        stacked.tidy()["estimate"], averaged.tidy()["estimate"], rtol=1e-9, atol=1e-9
    )
    pd.testing.assert_series_equal(
        stacked.diagnostics["control_observed"],
        averaged.diagnostics["control_observed"],
        check_exact=False,
    )


def test_named_controls_and_counterfactual(prop99: pd.DataFrame) -> None:
    res = its(prop99, **PANEL, control=["Nevada", "Utah"], hac_lags=1)
    assert res.design["control"] == ["Nevada", "Utah"]
    fitted, cf = res.diagnostics["fitted"], res.diagnostics["counterfactual"]
    est = res.tidy().set_index("term")["estimate"]
    gap = fitted - cf
    assert gap.loc[1988] == pytest.approx(0.0)
    assert gap.loc[1989] == pytest.approx(est["level_change"])
    assert gap.loc[2000] == pytest.approx(est["level_change"] + 11 * est["slope_change"])
    ax = res.plot()
    assert ax.get_legend() is not None


def test_recovers_a_difference_in_changes() -> None:
    rng = np.random.default_rng(99)
    years = np.arange(1980, 2020)
    rows = []
    for name, level, slope in [("treated", -6.0, -0.5), ("a", -2.0, 0.1), ("b", -2.0, 0.1)]:
        post = years >= 2005
        y = 50 + 0.3 * (years - 1980) + (level * post + slope * (years - 2005) * post)
        rows.append(pd.DataFrame({"g": name, "year": years, "y": y + rng.normal(0, 1, 40)}))
    df = pd.concat(rows).sample(frac=1, random_state=1)
    res = its(df, outcome="y", time="year", intervention=2005, unit="g", treated_unit="treated")
    tidy = res.tidy().set_index("term")
    for term, truth in (("level_change", -4.0), ("slope_change", -0.6)):
        assert tidy.loc[term, "conf_low"] < truth < tidy.loc[term, "conf_high"], term
    assert tidy.loc["control_level_change", "conf_low"] < -2.0


# --- several interruptions ------------------------------------------------------------------
def test_recovers_two_interruptions() -> None:
    rng = np.random.default_rng(7)
    t = np.arange(120, dtype=float)
    p1, p2 = (t >= 40).astype(float), (t >= 80).astype(float)
    y = 10 + 0.1 * t - 3 * p1 + 0.2 * (t - 40) * p1 + 5 * p2 - 0.4 * (t - 80) * p2
    df = pd.DataFrame({"t": t, "y": y + rng.normal(0, 1, 120)})
    res = its(df, outcome="y", time="t", intervention=[40, 80])
    tidy = res.tidy().set_index("term")
    assert list(tidy.index[:4]) == [
        "level_change_1",
        "slope_change_1",
        "level_change_2",
        "slope_change_2",
    ]
    assert res.headline == "level_change_1"
    truth = {
        "level_change_1": -3,
        "slope_change_1": 0.2,
        "level_change_2": 5,
        "slope_change_2": -0.4,
    }
    for term, value in truth.items():
        assert tidy.loc[term, "conf_low"] < value < tidy.loc[term, "conf_high"], term
    assert res.diagnostics["breaks"] == [40, 80]
    assert res.design["intervention"] == [40, 80]
    ax = res.plot()
    assert len(ax.get_lines()) == 3 + 1 + 2  # three segments, counterfactual, two lines


def test_one_interruption_in_a_list_equals_the_scalar(prop99: pd.DataFrame) -> None:
    ca = prop99.loc[prop99["State"] == "California"]
    a = its(ca, **{**ROLES, "intervention": [1989]}, hac_lags=1)
    b = its(ca, **ROLES, hac_lags=1)
    pd.testing.assert_frame_equal(a.tidy(), b.tidy())


def test_dated_interruptions() -> None:
    rng = np.random.default_rng(3)
    dates = pd.date_range("2015-01-01", periods=72, freq="MS")
    df = pd.DataFrame({"date": dates, "y": rng.normal(0, 1, 72) + 2.0 * (dates >= "2019-01-01")})
    res = its(df, outcome="y", time="date", intervention=["2017-01-01", "2019-01-01"])
    row = res.tidy().set_index("term").loc["level_change_2"]
    assert row["conf_low"] < 2.0 < row["conf_high"]


# --- bad input -------------------------------------------------------------------------------
def test_interruptions_must_increase(prop99: pd.DataFrame) -> None:
    ca = prop99.loc[prop99["State"] == "California"]
    with pytest.raises(DataError, match=r"intervention=\[1989, 1980\] must be increasing"):
        its(ca, **{**ROLES, "intervention": [1989, 1980]})


def test_short_segment_between_interruptions(prop99: pd.DataFrame) -> None:
    ca = prop99.loc[prop99["State"] == "California"]
    with pytest.raises(NoPrePeriodError, match="segments of 19, 2, 10 periods"):
        its(ca, **{**ROLES, "intervention": [1989, 1991]})


def test_unknown_treated_unit(prop99: pd.DataFrame) -> None:
    with pytest.raises(UnitNotFoundError, match=r"treated_unit='Californa'.*'California'"):
        its(prop99, **{**PANEL, "treated_unit": "Californa"})
    with pytest.raises(UnitNotFoundError, match="control='Nevda'"):
        its(prop99, **PANEL, control="Nevda")


@pytest.mark.parametrize(
    ("options", "match"),
    [
        ({"unit": "State"}, "unit='State' needs treated_unit="),
        ({"treated_unit": "California"}, "treated_unit= needs unit="),
        ({**PANEL, "control": ["California"]}, "includes the treated unit 'California'"),
    ],
)
def test_bad_unit_options(prop99: pd.DataFrame, options: dict, match: str) -> None:
    with pytest.raises(InvalidOptionError, match=match):
        its(prop99, **{**ROLES, **options})


def test_no_comparison_unit_besides_the_treated_one(prop99: pd.DataFrame) -> None:
    ca = prop99.loc[prop99["State"] == "California"]
    with pytest.raises(
        InvalidOptionError,
        match=r"unit='State' has no unit besides treated_unit='California' to compare with "
        r"\(the data hold only that series\); add comparison units to the data, or drop unit= "
        r"and treated_unit= for a single-series ITS",
    ):
        its(ca, **PANEL)


@pytest.mark.parametrize("control", [[], ()])
def test_empty_control_names_no_unit(prop99: pd.DataFrame, control: object) -> None:
    with pytest.raises(
        InvalidOptionError,
        match=re.escape(f"control={control!r} names no unit")
        + r"; name the comparison units, e\.g\. control=\['Alabama', 'Arkansas'\], or leave "
        r"control=None to compare treated_unit='California' with every other unit",
    ):
        its(prop99, **PANEL, control=control)


def test_panel_without_unit_says_how(prop99: pd.DataFrame) -> None:
    with pytest.raises(Exception, match="name the series with unit= and treated_unit="):
        its(prop99, **ROLES)
