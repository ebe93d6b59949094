"""Tests of staggered_did: the R did vignette on mpdta, recovery, invariance, error paths."""

from __future__ import annotations

import json

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pandas as pd
import pytest

from ebpm.catalog import open_catalog
from ebpm.errors import (
    ColumnNotFoundError,
    DataError,
    DuplicateRowsError,
    InvalidOptionError,
    MissingValueError,
    NonNumericError,
    NoPrePeriodError,
    NoTreatedUnitsError,
    UnitNotFoundError,
)
from ebpm.estimators.staggered import staggered_did
from ebpm.results import TIDY_COLUMNS, EstimateResult
from tests.conftest import ROOT

CATALOG_DIR = ROOT / "catalogs"
MPDTA = {"outcome": "lemp", "unit": "countyreal", "time": "year", "cohort": "first_treat"}
SIM = {"outcome": "y", "unit": "unit", "time": "period", "cohort": "first"}
FAST = {"n_boot": 199, "seed": 5}

# R did vignette "Getting started" (and moderndid's port): ATT(g,t) on mpdta, never-treated.
R_ATT_GT = [
    (2004, 2004, -0.0105), (2004, 2005, -0.0704), (2004, 2006, -0.1373), (2004, 2007, -0.1008),
    (2006, 2004, 0.0065), (2006, 2005, -0.0028), (2006, 2006, -0.0046), (2006, 2007, -0.0412),
    (2007, 2004, 0.0305), (2007, 2005, -0.0027), (2007, 2006, -0.0311), (2007, 2007, -0.0261),
]  # fmt: skip
# R did vignette: aggte(type = "dynamic"), event times -3..3, and its overall -0.0772.
R_EVENT = {-3: 0.0305, -2: -0.0006, -1: -0.0245, 0: -0.0199, 1: -0.0510, 2: -0.1373, 3: -0.1008}


def simulate(*, seed: int, n_units: int = 300, n_periods: int = 8) -> tuple[pd.DataFrame, float]:
    """Staggered panel: cohorts 4, 6 and never; effect grows with exposure and differs by cohort.

    Returns the panel and the true simple ATT (the mean effect over treated unit-periods).
    """
    rng = np.random.default_rng(seed)
    unit = np.repeat(np.arange(n_units), n_periods)
    period = np.tile(np.arange(1, n_periods + 1), n_units)
    first = rng.choice([0, 4, 6], n_units, p=[0.4, 0.3, 0.3])[unit]
    exposed = (first > 0) & (period >= first)
    effect = np.where(exposed, np.where(first == 4, 1.0, 2.0) + 0.5 * (period - first), 0.0)
    y = rng.normal(0, 1, n_units)[unit] + 0.4 * period + effect + rng.normal(0, 1, unit.size)
    data = pd.DataFrame({"unit": unit, "period": period, "first": first, "y": y})
    return data, float(effect[exposed].mean())


@pytest.fixture(scope="module")
def mpdta() -> pd.DataFrame:
    return open_catalog(CATALOG_DIR).load("studies.mpdta")


@pytest.fixture(scope="module")
def simple(mpdta: pd.DataFrame) -> EstimateResult:
    return staggered_did(mpdta, **MPDTA, seed=20240501)


@pytest.fixture(scope="module")
def event(mpdta: pd.DataFrame) -> EstimateResult:
    return staggered_did(mpdta, **MPDTA, aggregate="event", seed=1)


def test_the_event_study_plot_in_japanese(event: EstimateResult) -> None:
    import matplotlib.pyplot as plt

    ax = event.plot(lang="ja")
    assert ax.get_title() == "イベントスタディ（Callaway & Sant'Anna）"
    assert ax.get_xlabel() == "最初の処置からの期間（イベント時点）"
    assert ax.get_ylabel() == "lempへの効果（95%同時信頼帯）"
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["処置前", "処置後"]
    assert "二方向" not in event.said("ja")["inference"]
    assert event.said("ja")["inference"].startswith("countyreal 単位でクラスター化した乗数")
    plt.close("all")


@pytest.fixture(scope="module")
def sim() -> tuple[pd.DataFrame, float]:
    return simulate(seed=11)


# --- published numbers ---------------------------------------------------------------------
def test_every_group_time_att_matches_the_r_vignette(simple: EstimateResult) -> None:
    gt = simple.diagnostics["att_gt"]
    assert list(gt.columns[:6]) == ["group", "time", "att", "std_error", "conf_low", "conf_high"]
    got = [(int(r.group), int(r.time), round(r.att, 4)) for r in gt.itertuples()]
    assert got == R_ATT_GT


def test_simple_att_matches_the_r_vignette(simple: EstimateResult) -> None:
    assert round(simple.estimate, 4) == -0.0400
    assert abs(simple.std_error - 0.012) < 0.002
    assert list(simple.tidy()["term"]) == ["ATT"]
    assert simple.n_obs == 2500
    assert simple.design["n_units"] == 500


def test_pretrend_wald_matches_r(simple: EstimateResult) -> None:
    # R did summary(att_gt): "P-value for pre-test of parallel trends assumption: 0.16812".
    pre = simple.diagnostics["pretrend"]
    assert pre["df"] == 5
    assert pre["statistic"] == pytest.approx(7.7912, abs=1e-4)
    assert pre["p_value"] == pytest.approx(0.16812, abs=1e-5)


def test_pretrend_power_slopes(simple: EstimateResult) -> None:
    pre = simple.diagnostics["pretrend"]
    assert pre["power_test"] == "wald"
    assert 0 < pre["power_slope_50"] < pre["power_slope_80"]
    assert json.loads(json.dumps(simple.to_dict()))["diagnostics"]["pretrend"]["power_test"] == (
        "wald"
    )


def test_pretrend_power_does_not_depend_on_the_base_period(mpdta: pd.DataFrame) -> None:
    """Universal-base cells are invertible sums of the varying-base ones: the Wald test and a
    linear trend's noncentrality are the same, so must be the slopes (this checks the periods
    from each cell's base, one for a varying base, t - (g - 1) for a universal one)."""
    varying = staggered_did(mpdta, **MPDTA, inference="analytic").diagnostics["pretrend"]
    universal = staggered_did(
        mpdta, **MPDTA, inference="analytic", base_period="universal"
    ).diagnostics["pretrend"]
    assert universal["statistic"] == pytest.approx(varying["statistic"], rel=1e-9)
    for key in ("power_slope_50", "power_slope_80"):
        assert universal[key] == pytest.approx(varying[key], rel=1e-9)


def test_pretrend_power_is_slope_for_power_on_the_influence_covariance() -> None:
    from ebpm.estimators._staggered_result import _pretrend, _steps
    from ebpm.trust.power import slope_for_power

    rng = np.random.default_rng(3)
    influence = rng.normal(size=(400, 4))
    times, groups = np.array([1.0, 2.0, 3.0, 4.0]), np.array([4.0, 4.0, 4.0, 4.0])
    steps = _steps(times, groups, base_period="universal", anticipation=0)
    np.testing.assert_array_equal(steps, [-2.0, -1.0, 0.0, 1.0])
    varying = _steps(times, groups, base_period="varying", anticipation=1)
    np.testing.assert_array_equal(varying, [1.0, 1.0, 1.0, 2.0])  # t = 3, 4 from g - 1 - 1 = 2
    pre = times < groups
    got = _pretrend(rng.normal(size=4), influence, pre, None, steps=varying)
    vcov = influence[:, :3].T @ influence[:, :3] / 400**2
    want = slope_for_power(vcov, [1.0, 1.0, 1.0], reference=0, power=0.8, pre=[0, 1, 2])
    assert got["power_slope_80"] == pytest.approx(want, rel=1e-12)
    assert np.isnan(
        _pretrend(np.zeros(4), influence, ~pre & pre, None, steps=varying)["power_slope_50"]
    )


def test_event_study_matches_the_r_vignette(event: EstimateResult) -> None:
    t = event.tidy()
    rows = t.dropna(subset=["event_time"])
    assert {
        int(e): round(v, 4) for e, v in zip(rows.event_time, rows.estimate, strict=True)
    } == R_EVENT
    assert round(event.estimate, 4) == -0.0772
    assert abs(event.std_error - 0.020) < 0.003
    # simultaneous band: wider than the pointwise 1.96 * se
    half = (rows["conf_high"] - rows["estimate"]) / rows["std_error"]
    assert (half > 2.0).all()


def test_group_and_calendar_match_the_r_vignette(mpdta: pd.DataFrame) -> None:
    group = staggered_did(mpdta, **MPDTA, aggregate="group", **FAST)
    assert round(group.estimate, 4) == -0.0310
    byg = group.tidy().set_index("term")["estimate"].round(4).to_dict()
    assert byg == {"ATT": -0.0310, "group=2004": -0.0797, "group=2006": -0.0229,
                   "group=2007": -0.0261}  # fmt: skip
    cal = staggered_did(mpdta, **MPDTA, aggregate="calendar", **FAST)
    assert round(cal.estimate, 4) == -0.0417
    assert list(cal.tidy()["period"].dropna().astype(int)) == [2004, 2005, 2006, 2007]


def test_not_yet_treated_controls(mpdta: pd.DataFrame) -> None:
    res = staggered_did(mpdta, **MPDTA, control_group="not_yet_treated", **FAST)
    assert round(res.estimate, 4) == -0.0398
    assert res.diagnostics["control_group"] == "not_yet_treated"


def test_seed_makes_the_bootstrap_reproducible(mpdta: pd.DataFrame) -> None:
    a = staggered_did(mpdta, **MPDTA, **FAST)
    b = staggered_did(mpdta, **MPDTA, **FAST)
    assert a.std_error == b.std_error


def test_cluster_changes_the_standard_errors(mpdta: pd.DataFrame, simple: EstimateResult) -> None:
    data = mpdta.assign(state=mpdta["countyreal"] // 1000)
    res = staggered_did(data, **MPDTA, cluster="state", **FAST)
    assert res.estimate == pytest.approx(simple.estimate, abs=1e-12)
    assert res.design["n_clusters"] == 29
    assert "clustered by state, 29 clusters" in res.inference
    assert res.std_error > simple.std_error
    assert res.diagnostics["pretrend"]["p_value"] > 0.05


def test_diagnostics(simple: EstimateResult) -> None:
    d = simple.diagnostics
    assert d["cohort_sizes"] == {"2004": 20, "2006": 40, "2007": 131, "never_treated": 309}
    assert d["n_cohorts"] == 3
    assert d["control_group"] == "never_treated"
    assert simple.provenance["entry"] == "studies.mpdta"


# --- simulated -----------------------------------------------------------------------------
def test_recovers_the_simple_att(sim: tuple[pd.DataFrame, float]) -> None:
    data, truth = sim
    res = staggered_did(data, **SIM, seed=3)
    assert abs(res.estimate - truth) < 3 * res.std_error
    low, high = res.conf_int
    assert low < truth < high
    assert 0 < res.std_error < 0.2


def test_row_order_does_not_matter(sim: tuple[pd.DataFrame, float]) -> None:
    data, _ = sim
    base = staggered_did(data, **SIM, **FAST)
    res = staggered_did(data.sample(frac=1, random_state=4), **SIM, **FAST)
    pd.testing.assert_frame_equal(res.tidy(), base.tidy())
    pd.testing.assert_frame_equal(res.diagnostics["att_gt"], base.diagnostics["att_gt"])


def test_string_ids_and_nan_cohorts_give_the_same_estimates(
    sim: tuple[pd.DataFrame, float],
) -> None:
    data, _ = sim
    base = staggered_did(data, **SIM, **FAST)
    recoded = data.assign(
        unit="u" + data["unit"].astype(str),
        first=data["first"].replace(0, np.nan),
        period=data["period"].astype("int32"),
    )
    res = staggered_did(recoded, **SIM, **FAST)
    assert res.estimate == pytest.approx(base.estimate, abs=1e-10)
    np.testing.assert_allclose(res.diagnostics["att_gt"]["att"], base.diagnostics["att_gt"]["att"])
    # the bootstrap draws attach to units in id order, so SEs agree up to simulation noise
    assert res.std_error == pytest.approx(base.std_error, rel=0.15)


def test_callers_frame_is_not_modified(mpdta: pd.DataFrame) -> None:
    before = mpdta.copy()
    staggered_did(mpdta, **MPDTA, **FAST)
    pd.testing.assert_frame_equal(mpdta, before)


# --- result shape --------------------------------------------------------------------------
def test_result_shape(simple: EstimateResult, event: EstimateResult) -> None:
    import matplotlib.pyplot as plt

    for res in (simple, event):
        assert tuple(res.tidy().columns[:7]) == TIDY_COLUMNS
        back = json.loads(json.dumps(res.to_dict()))
        assert back["headline"]["term"] == "ATT"
        assert "Parallel trends conditional on cohort" in res.summary()
        assert res.plot() is not None
    ax = event.plot()
    assert ax.get_title().startswith("Event study")
    assert len(ax.get_legend().get_texts()) == 2
    plt.close("all")


# --- bad input -----------------------------------------------------------------------------
def test_missing_column_suggests_a_match(mpdta: pd.DataFrame) -> None:
    with pytest.raises(ColumnNotFoundError, match=r"cohort='first_treated'.*'first_treat'"):
        staggered_did(mpdta, **{**MPDTA, "cohort": "first_treated"})


def test_bad_options(mpdta: pd.DataFrame) -> None:
    with pytest.raises(InvalidOptionError, match=r"aggregate='dynamic'.*'event'"):
        staggered_did(mpdta, **MPDTA, aggregate="dynamic")  # type: ignore[arg-type]
    with pytest.raises(InvalidOptionError, match=r"control_group='nevertreated'"):
        staggered_did(mpdta, **MPDTA, control_group="nevertreated")  # type: ignore[arg-type]


def test_cohort_outside_the_time_range(mpdta: pd.DataFrame) -> None:
    data = mpdta.assign(first_treat=mpdta["first_treat"].replace(2007, 2010))
    with pytest.raises(UnitNotFoundError, match=r"first-treated periods \[2010\].*2003 to 2007"):
        staggered_did(data, **MPDTA)


def test_cohort_in_the_first_period(mpdta: pd.DataFrame) -> None:
    data = mpdta.assign(first_treat=mpdta["first_treat"].replace(2004, 2003))
    with pytest.raises(NoPrePeriodError, match=r"20 unit\(s\) have cohort 2003"):
        staggered_did(data, **MPDTA)


def test_no_never_treated_units(mpdta: pd.DataFrame) -> None:
    data = mpdta[mpdta["first_treat"] > 0]
    with pytest.raises(NoTreatedUnitsError, match=r'use control_group="not_yet_treated"'):
        staggered_did(data, **MPDTA)


def test_nobody_treated(mpdta: pd.DataFrame) -> None:
    with pytest.raises(NoTreatedUnitsError, match=r"marks no unit as ever treated"):
        staggered_did(mpdta.assign(first_treat=0), **MPDTA)


def test_duplicate_rows(mpdta: pd.DataFrame) -> None:
    data = pd.concat([mpdta, mpdta.iloc[[0]]])
    with pytest.raises(DuplicateRowsError, match=r"2 rows share a \(countyreal, year\) pair.*8001"):
        staggered_did(data, **MPDTA)


def test_cohort_varying_within_a_unit(mpdta: pd.DataFrame) -> None:
    data = mpdta.copy()
    data.loc[0, "first_treat"] = 2006
    with pytest.raises(DataError, match=r"varies within unit 8001 \(\[2006, 2007\]\)"):
        staggered_did(data, **MPDTA)


def test_non_numeric_outcome(mpdta: pd.DataFrame) -> None:
    data = mpdta.assign(lemp=mpdta["lemp"].astype(str))
    data.loc[3, "lemp"] = "n/a"
    with pytest.raises(NonNumericError, match=r"outcome='lemp' must be numeric; it holds 'n/a'"):
        staggered_did(data, **MPDTA)


def test_missing_cluster(mpdta: pd.DataFrame) -> None:
    data = mpdta.assign(state=(mpdta["countyreal"] // 1000).astype(float))
    data.loc[5, "state"] = np.nan
    with pytest.raises(MissingValueError, match=r"cluster='state' has 1 missing value"):
        staggered_did(data, **MPDTA, cluster="state")


def test_cluster_varying_within_unit(mpdta: pd.DataFrame) -> None:
    with pytest.raises(
        DataError, match=r"cluster='year' varies within unit 8001; clusters must contain whole"
    ):
        staggered_did(mpdta, **MPDTA, cluster="year")


def test_unbalanced_panel_is_balanced_with_a_warning(mpdta: pd.DataFrame) -> None:
    from ebpm.estimators._common import MissingValueWarning
    from ebpm.estimators.staggered import BalancedPanelWarning

    data = mpdta.copy()
    data.loc[3, "lemp"] = np.nan
    with (
        pytest.warns(MissingValueWarning, match=r"dropped 1 of 2500 rows"),
        pytest.warns(BalancedPanelWarning, match=r"dropped 1 unit\(s\) not observed in all 5"),
    ):
        res = staggered_did(data, **MPDTA, **FAST)
    assert res.design["n_units"] == 499
    assert res.n_obs == 2495


@pytest.mark.parametrize("n_boot", ["1000", 10, 99.5, True])
def test_n_boot_must_be_an_integer_of_at_least_99(mpdta, n_boot) -> None:
    with pytest.raises(InvalidOptionError, match=r"n_boot=.* is too few bootstrap draws; use 999"):
        staggered_did(mpdta, **MPDTA, n_boot=n_boot)
