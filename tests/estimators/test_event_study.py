"""Tests of ebpm's event study: reference implementations, known dynamic effects, error paths."""

from __future__ import annotations

import json
import warnings

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from ebpm.catalog import open_catalog
from ebpm.errors import (
    ColumnNotFoundError,
    DataError,
    DuplicateRowsError,
    EbpmWarning,
    EstimationError,
    FewClustersWarning,
    InvalidOptionError,
    MissingValueError,
    NonNumericError,
    NoPrePeriodError,
    NoTreatedUnitsError,
)
from ebpm.estimators.event_study import event_study, event_time_label
from ebpm.results import TIDY_COLUMNS, EstimateResult
from ebpm.trust.power import rejection_probability, slope_for_power
from tests.conftest import ROOT

CATALOG_DIR = ROOT / "catalogs"
MPDTA_ROLES = {"outcome": "lemp", "unit": "countyreal", "time": "year", "cohort": "first_treat"}
SIM_ROLES = {"outcome": "y", "unit": "unit", "time": "period", "cohort": "first"}


def simulate_staggered(
    *,
    seed: int,
    n_units: int = 160,
    n_periods: int = 10,
    cohorts: tuple[float, ...] = (4, 6, 8, 0),
    pretrend: float = 0.0,
    heterogeneous: bool = False,
) -> pd.DataFrame:
    """A balanced staggered panel with effect 0.5 * (event_time + 1) from adoption on, 0 before.

    Units are split evenly over ``cohorts`` (0 = never treated). With ``pretrend`` the treated
    units' outcome drifts by that much per period before adoption relative to the others (a
    violation of parallel trends). With ``heterogeneous`` the effect is doubled for the earliest
    cohort (effects vary across cohorts).
    """
    rng = np.random.default_rng(seed)
    unit = np.repeat(np.arange(n_units), n_periods)
    period = np.tile(np.arange(1, n_periods + 1), n_units)
    first = np.asarray(cohorts, dtype=float)[np.arange(n_units) % len(cohorts)][unit]
    treated_unit = first > 0
    e = period - first
    effect = np.where(treated_unit & (e >= 0), 0.5 * (e + 1), 0.0)
    if heterogeneous:
        effect = np.where(first == min(c for c in cohorts if c > 0), 2 * effect, effect)
    drift = np.where(treated_unit & (e < 0), pretrend * e, 0.0)
    y = (
        rng.normal(0, 1, n_units)[unit]
        + np.linspace(0, 2, n_periods)[period - 1]
        + effect
        + drift
        + rng.normal(0, 0.5, unit.size)
    )
    return pd.DataFrame({"unit": unit, "period": period, "first": first, "y": y})


def true_effect(k: int) -> float:
    return 0.5 * (k + 1) if k >= 0 else 0.0


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    import matplotlib.pyplot as plt

    plt.close("all")


@pytest.fixture(scope="module")
def mpdta() -> pd.DataFrame:
    return open_catalog(CATALOG_DIR).load("studies.mpdta")


@pytest.fixture(scope="module")
def mpdta_twfe(mpdta: pd.DataFrame) -> EstimateResult:
    return event_study(mpdta, **MPDTA_ROLES)


@pytest.fixture(scope="module")
def mpdta_sa(mpdta: pd.DataFrame) -> EstimateResult:
    return event_study(mpdta, **MPDTA_ROLES, estimator="sun_abraham")


@pytest.fixture(scope="module")
def panel() -> pd.DataFrame:
    return simulate_staggered(seed=20240611)


def _estimates(res: EstimateResult) -> pd.Series:
    t = res.tidy()
    t = t[t["term"] != "post_avg"]
    return pd.Series(t["estimate"].to_numpy(), index=t["event_time"].astype(int).to_numpy())


def _ses(res: EstimateResult) -> pd.Series:
    t = res.tidy()
    t = t[t["term"] != "post_avg"]
    return pd.Series(t["std_error"].to_numpy(), index=t["event_time"].astype(int).to_numpy())


# --- reference implementations and published numbers on mpdta -------------------------------
def test_twfe_matches_a_direct_pyfixest_call(mpdta: pd.DataFrame, mpdta_twfe: EstimateResult):
    """Reference: pyfixest's feols with i(rel_time, ref=-1), never-treated set to the reference."""
    import pyfixest as pf

    df = mpdta.copy()
    df["rel_time"] = np.where(df["first_treat"] > 0, df["year"] - df["first_treat"], -1)
    fit = pf.feols(
        "lemp ~ i(rel_time, ref=-1) | countyreal + year", data=df, vcov={"CRV1": "countyreal"}
    )
    ref = fit.tidy()
    ks = [int(str(name).split("::")[1]) for name in ref.index]
    assert ks == [-4, -3, -2, 0, 1, 2, 3]
    np.testing.assert_allclose(_estimates(mpdta_twfe)[ks], ref["Estimate"], rtol=0, atol=1e-10)
    np.testing.assert_allclose(_ses(mpdta_twfe)[ks], ref["Std. Error"], rtol=1e-9)
    tidy = mpdta_twfe.tidy().set_index("term")
    np.testing.assert_allclose(tidy.loc[[f"t{k:+d}" for k in ks], "p_value"], ref["Pr(>|t|)"])
    # the pre-trend Wald statistic equals pyfixest's wald_test on the same three coefficients
    r = np.zeros((3, 7))
    r[[0, 1, 2], [0, 1, 2]] = 1
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        wald = fit.wald_test(R=r, distribution="chi2")
    pre = mpdta_twfe.diagnostics["pretrend"]
    assert pre["chi2"] == pytest.approx(float(wald["statistic"]), rel=1e-9)
    assert pre["p_value_chi2"] == pytest.approx(float(wald["pvalue"]), rel=1e-9)
    assert pre["df"] == 3
    assert pre["df_denom"] == 499
    assert pre["statistic"] == pytest.approx(pre["chi2"] / 3)
    assert pre["p_value"] == pytest.approx(stats.f.sf(pre["statistic"], 3, 499))
    assert pre["terms"] == ["t-4", "t-3", "t-2"]
    assert pre["p_value"] > 0.1  # mpdta passes the pre-trend test (p = 0.18)


def test_twfe_post_average_is_the_mean_of_post_coefficients(mpdta_twfe: EstimateResult) -> None:
    est = _estimates(mpdta_twfe)
    assert mpdta_twfe.headline == "post_avg"
    assert mpdta_twfe.estimate == pytest.approx(est[[0, 1, 2, 3]].mean(), abs=1e-12)
    v = mpdta_twfe.diagnostics["vcov"].loc[
        ["t+0", "t+1", "t+2", "t+3"], ["t+0", "t+1", "t+2", "t+3"]
    ]
    assert mpdta_twfe.std_error == pytest.approx(np.sqrt(v.to_numpy().sum()) / 4, rel=1e-12)
    assert mpdta_twfe.estimate == pytest.approx(-0.07140, abs=5e-5)


def test_sun_abraham_matches_pyfixest_saturated_aggregate(
    mpdta: pd.DataFrame, mpdta_sa: EstimateResult
) -> None:
    """Reference: pyfixest's own saturated event study, aggregated with cohort-share weights."""
    import pyfixest as pf

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = pf.event_study(
            mpdta,
            yname="lemp",
            idname="countyreal",
            tname="year",
            gname="first_treat",
            estimator="saturated",
        )
        agg = fit.aggregate()
    ks = [int(k) for k in agg.index]
    np.testing.assert_allclose(_estimates(mpdta_sa)[ks], agg["Estimate"].astype(float), atol=1e-10)
    np.testing.assert_allclose(_ses(mpdta_sa)[ks], agg["Std. Error"].astype(float), rtol=1e-8)


def test_sun_abraham_matches_callaway_santanna_with_never_treated(mpdta_sa: EstimateResult):
    """With never-treated controls, a balanced panel and no covariates, the Sun-Abraham
    event-time effects equal Callaway & Sant'Anna's dynamic aggregation with a universal base
    period (both compare each cohort's change since period g-1 with the never-treated units',
    weighted by cohort size). Reference implementation: moderndid (port of R `did`)."""
    import moderndid

    data = open_catalog(CATALOG_DIR).load("studies.mpdta")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        att = moderndid.att_gt(
            data=data,
            yname="lemp",
            tname="year",
            idname="countyreal",
            gname="first_treat",
            est_method="reg",
            base_period="universal",
        )
        dyn = moderndid.aggte(att, type="dynamic")
    cs = pd.Series(np.asarray(dyn.att_by_event), index=np.asarray(dyn.event_times).astype(int))
    cs = cs.drop(-1)
    np.testing.assert_allclose(_estimates(mpdta_sa)[cs.index], cs, atol=1e-8)
    # The dynamic table printed by moderndid (and the R did vignette, post-period rows):
    # e = 0: -0.0199, e = 1: -0.0510, e = 2: -0.1373, e = 3: -0.1008.
    np.testing.assert_allclose(
        _estimates(mpdta_sa)[[0, 1, 2, 3]], [-0.0199, -0.0510, -0.1373, -0.1008], atol=5e-5
    )


def test_sun_abraham_cohort_effects_give_the_published_simple_att(mpdta_sa: EstimateResult):
    # R did vignette (Callaway & Sant'Anna), aggte(type = "simple"): ATT -0.0400. Its weights are
    # cohort sizes over all post-treatment (g, t) cells, and with never-treated controls the
    # post-period Sun-Abraham cohort effects are the ATT(g, t).
    cells = mpdta_sa.diagnostics["cohort_effects"]
    sizes = mpdta_sa.diagnostics["cohort_sizes"]
    post = cells[cells["event_time"] >= 0]
    w = post["cohort"].map(lambda c: sizes[int(c)]).to_numpy(float)
    assert float(np.sum(w * post["estimate"]) / w.sum()) == pytest.approx(-0.0400, abs=5e-5)
    assert sizes == {2004: 20, 2006: 40, 2007: 131, "never": 309}
    assert mpdta_sa.diagnostics["n_cohorts"] == 3


def test_sun_abraham_weights_are_cohort_shares(mpdta_sa: EstimateResult) -> None:
    w = mpdta_sa.diagnostics["weights"]
    assert w.groupby("event_time")["weight"].sum().to_numpy() == pytest.approx(1.0)
    at0 = w[w["event_time"] == 0].set_index("cohort")["weight"]
    assert at0.to_dict() == pytest.approx({2004: 20 / 191, 2006: 40 / 191, 2007: 131 / 191})
    assert mpdta_sa.title == "Event study (Sun & Abraham interaction-weighted)"


# --- known effects from simulated panels -----------------------------------------------------
@pytest.mark.parametrize("estimator", ["twfe", "sun_abraham"])
def test_recovers_known_dynamic_effect(panel: pd.DataFrame, estimator: str) -> None:
    res = event_study(panel, **SIM_ROLES, estimator=estimator)
    est, se = _estimates(res), _ses(res)
    assert list(est.index) == [k for k in range(-7, 7) if k != -1]
    truth = np.array([true_effect(k) for k in est.index])
    assert np.all(np.abs(est.to_numpy() - truth) < 3 * se.to_numpy())
    tidy = res.tidy().set_index("term")
    for k in (0, 3, 6):
        row = tidy.loc[event_time_label(k)]
        assert row["conf_low"] < true_effect(k) < row["conf_high"]
    post_truth = np.mean([true_effect(k) for k in range(0, 7)])  # event times 0..6
    low, high = res.conf_int
    assert low < post_truth < high
    assert abs(res.estimate - post_truth) < 3 * res.std_error
    assert res.diagnostics["pretrend"]["p_value"] > 0.05
    assert res.n_obs == 1600


@pytest.mark.parametrize("estimator", ["twfe", "sun_abraham"])
def test_pretrend_test_rejects_a_pre_trend(estimator: str) -> None:
    data = simulate_staggered(seed=5, pretrend=0.15)
    res = event_study(data, **SIM_ROLES, estimator=estimator)
    pre = res.diagnostics["pretrend"]
    assert pre["p_value"] < 1e-4
    assert pre["df"] == 6
    assert _estimates(res)[-7] == pytest.approx(-0.9, abs=3 * _ses(res)[-7])


def _power_inputs(res: EstimateResult) -> dict:
    vcov = res.diagnostics["vcov"]
    times = [int(term[1:]) for term in vcov.index]
    return {
        "sigma": vcov.to_numpy(),
        "times": times,
        "reference": res.diagnostics["ref_period"],
        "df": res.diagnostics["pretrend"]["df_denom"],
        "pre": [i for i, k in enumerate(times) if k < 0],
    }


@pytest.mark.parametrize("fixture", ["mpdta_twfe", "mpdta_sa"])
def test_pretrend_power_slopes_come_from_the_vcov(
    fixture: str, request: pytest.FixtureRequest
) -> None:
    res = request.getfixturevalue(fixture)
    pre = res.diagnostics["pretrend"]
    assert pre["power_test"] == "wald"
    inputs = _power_inputs(res)
    assert inputs["pre"] == [0, 1, 2]  # t-4, t-3, t-2 before the reference -1
    assert pre["power_slope_50"] == pytest.approx(slope_for_power(**inputs, power=0.5), rel=1e-12)
    assert pre["power_slope_80"] == pytest.approx(slope_for_power(**inputs, power=0.8), rel=1e-12)
    assert 0 < pre["power_slope_50"] < pre["power_slope_80"]
    # the slope is that of the reported F test: at it, F(3, 499) rejects half the time
    assert rejection_probability(**inputs, slope=pre["power_slope_50"]) == pytest.approx(0.5)
    assert json.loads(json.dumps(res.to_dict()))["diagnostics"]["pretrend"]["power_test"] == "wald"


def test_pretrend_power_with_a_pre_period_after_the_reference(panel: pd.DataFrame) -> None:
    res = event_study(panel, **SIM_ROLES, ref_period=-3, window=(-4, 3))
    pre = res.diagnostics["pretrend"]
    inputs = _power_inputs(res)
    assert [inputs["times"][i] for i in inputs["pre"]] == [-4, -2, -1]  # t-1 is tested too
    assert pre["terms"] == ["t-4", "t-2", "t-1"]
    assert pre["power_slope_80"] == pytest.approx(slope_for_power(**inputs, power=0.8), rel=1e-12)


def test_pretrend_power_is_missing_without_a_pre_period(panel: pd.DataFrame) -> None:
    res = event_study(panel, **SIM_ROLES, window=(-1, 3))
    pre = res.diagnostics["pretrend"]
    assert pre["df"] == 0
    assert np.isnan(pre["power_slope_50"])
    assert np.isnan(pre["power_slope_80"])
    assert pre["power_test"] == "wald"


@pytest.mark.parametrize(("key", "power"), [("power_slope_50", 0.5), ("power_slope_80", 0.8)])
def test_a_planted_pre_trend_is_caught_as_often_as_reported(key: str, power: float) -> None:
    """End to end: panels with a linear pre-trend of the slope reported on a clean twin are
    rejected by the estimator's own test about as often as promised (3 standard errors)."""
    clean = event_study(simulate_staggered(seed=11), **SIM_ROLES)
    slope = clean.diagnostics["pretrend"][key]
    draws = range(100, 200)
    rejected = [
        event_study(simulate_staggered(seed=s, pretrend=slope), **SIM_ROLES).diagnostics[
            "pretrend"
        ]["p_value"]
        < 0.05
        for s in draws
    ]
    share = float(np.mean(rejected))
    assert abs(share - power) < 3 * np.sqrt(power * (1 - power) / len(draws))


def test_sun_abraham_is_robust_to_heterogeneous_effects_where_twfe_is_not() -> None:
    data = simulate_staggered(seed=9, heterogeneous=True, n_units=200, cohorts=(3, 7, 0, 0))
    sa = event_study(data, **SIM_ROLES, estimator="sun_abraham")
    tw = event_study(data, **SIM_ROLES, window=(-3, 3))
    # cohort-weighted truth at event time 0: cohort 3 gets 2 * 0.5, cohort 7 gets 0.5, equal sizes
    assert abs(_estimates(sa)[0] - 0.75) < 3 * _ses(sa)[0]
    assert sa.diagnostics["pretrend"]["p_value"] > 0.05
    # binned TWFE leans on cohorts with different effects: its pre-trend test is contaminated
    assert tw.diagnostics["pretrend"]["p_value"] < 0.05


def test_no_never_treated_sun_abraham_uses_the_last_cohort() -> None:
    data = simulate_staggered(seed=3, cohorts=(4, 6, 9))
    res = event_study(data, **SIM_ROLES, estimator="sun_abraham")
    assert res.design["comparison"] == "the last-treated cohort (9), before its adoption"
    assert res.diagnostics["n_cohorts"] == 2
    est, se = _estimates(res), _ses(res)
    truth = np.array([true_effect(k) for k in est.index])
    assert np.all(np.abs(est.to_numpy() - truth) < 3 * se.to_numpy())
    assert res.n_obs == 160 * 8  # periods 9 and 10 are dropped


def test_no_never_treated_twfe_needs_binned_endpoints() -> None:
    data = simulate_staggered(seed=3, cohorts=(4, 6, 9))
    with pytest.raises(EstimationError, match=r"collinear with the unit/period fixed effects"):
        event_study(data, **SIM_ROLES)
    res = event_study(data, **SIM_ROLES, window=(-2, 2))
    assert res.design["comparison"] == "not-yet-treated units"
    assert list(_estimates(res).index) == [-2, 0, 1, 2]


# --- window -----------------------------------------------------------------------------------
def test_window_bins_the_endpoints(mpdta: pd.DataFrame) -> None:
    import pyfixest as pf

    res = event_study(mpdta, **MPDTA_ROLES, window=(-2, 2))
    df = mpdta.copy()
    df["rel_time"] = np.where(
        df["first_treat"] > 0, (df["year"] - df["first_treat"]).clip(-2, 2), -1
    )
    fit = pf.feols(
        "lemp ~ i(rel_time, ref=-1) | countyreal + year", data=df, vcov={"CRV1": "countyreal"}
    )
    np.testing.assert_allclose(_estimates(res)[[-2, 0, 1, 2]], fit.coef(), atol=1e-10)
    tidy = res.tidy()
    assert list(tidy["term"]) == ["t-2", "t+0", "t+1", "t+2", "post_avg"]
    assert list(tidy["binned"]) == [True, False, False, True, False]
    assert res.diagnostics["window"] == [-2, 2]
    assert res.n_obs == 2500  # binning drops nothing
    ax = res.plot()
    assert [t.get_text() for t in ax.get_xticklabels()] == ["<=-2", "-1", "0", "1", ">=2"]


def test_clean_data_raise_no_warnings(mpdta: pd.DataFrame) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        res = event_study(mpdta, **MPDTA_ROLES, estimator="sun_abraham")
    assert res.design["comparison"] == "never-treated units"
    assert event_study(mpdta, **MPDTA_ROLES).design["comparison"] == (
        "never-treated and not-yet-treated units"
    )


# --- invariance ---------------------------------------------------------------------------------
def test_row_order_does_not_matter(panel: pd.DataFrame) -> None:
    base = event_study(panel, **SIM_ROLES, estimator="sun_abraham")
    shuffled = event_study(
        panel.sample(frac=1, random_state=4), **SIM_ROLES, estimator="sun_abraham"
    )
    pd.testing.assert_frame_equal(base.tidy(), shuffled.tidy(), atol=1e-10)


def test_dtypes_do_not_matter(panel: pd.DataFrame) -> None:
    base = event_study(panel, **SIM_ROLES)
    other = panel.assign(
        unit="u" + panel["unit"].astype(str),
        period=panel["period"].astype("int32"),
        first=panel["first"].replace(0, np.nan),  # never treated as missing instead of 0
    )
    res = event_study(other, **SIM_ROLES)
    pd.testing.assert_frame_equal(base.tidy(), res.tidy(), atol=1e-10)
    as_text = panel.assign(period=panel["period"].astype(str))
    pd.testing.assert_frame_equal(base.tidy(), event_study(as_text, **SIM_ROLES).tidy(), atol=1e-10)


def test_data_is_not_modified(mpdta: pd.DataFrame) -> None:
    data = mpdta.assign(lemp=mpdta["lemp"].where(mpdta.index != 3))
    before = data.copy()
    attrs = json.dumps(data.attrs)
    with pytest.warns(EbpmWarning, match=r"dropped 1 of 2500 rows .*\(lemp: 1\)"):
        res = event_study(data, **MPDTA_ROLES, estimator="sun_abraham")
    assert res.n_obs == 2499
    pd.testing.assert_frame_equal(data, before)
    assert json.dumps(data.attrs) == attrs


# --- result shape -----------------------------------------------------------------------------
def test_result_shape(mpdta_twfe: EstimateResult) -> None:
    res = mpdta_twfe
    assert isinstance(res, EstimateResult)
    assert res.method == "event_study"
    tidy = res.tidy()
    assert tuple(tidy.columns[: len(TIDY_COLUMNS)]) == TIDY_COLUMNS
    assert list(tidy.columns[len(TIDY_COLUMNS) :]) == ["event_time", "binned"]
    assert list(tidy["term"]) == ["t-4", "t-3", "t-2", "t+0", "t+1", "t+2", "t+3", "post_avg"]
    assert str(tidy["event_time"].dtype) == "Int64"
    assert tidy["event_time"].iloc[:-1].tolist() == [-4, -3, -2, 0, 1, 2, 3]
    assert "t-1" not in set(tidy["term"])  # the reference period is omitted
    diag = res.diagnostics
    assert diag["ref_period"] == -1
    assert diag["window"] is None
    assert diag["n_cohorts"] == 3
    assert diag["vcov"].shape == (7, 7)
    assert list(diag["vcov"].index) == list(tidy["term"].iloc[:-1])
    np.testing.assert_allclose(np.sqrt(np.diag(diag["vcov"])), tidy["std_error"].iloc[:-1])
    assert res.design["n_clusters"] == 500
    assert res.design["n_never_treated_units"] == 309
    assert res.inference == "cluster-robust (CRV1) by countyreal, 500 clusters, t(499)"
    back = json.loads(res.to_json())
    assert back["headline"]["term"] == "post_avg"
    assert back["table"][-1]["event_time"] is None
    assert back["table"][0]["event_time"] == -4
    assert back["provenance"]["entry"] == "studies.mpdta"
    assert "Parallel trends and no anticipation" in res.summary()
    assert "<table" in res._repr_html_()


def test_plot_draws_the_event_study(mpdta_sa: EstimateResult) -> None:

    ax = mpdta_sa.plot()
    assert isinstance(ax, matplotlib.axes.Axes)
    assert any(
        line.get_linestyle() == "--" and list(line.get_xdata()) == [-0.5, -0.5]
        for line in ax.get_lines()
    )
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels == ["before treatment", "after treatment", "reference period (-1, set to 0)"]
    assert list(ax.get_xticks()) == [-4, -3, -2, -1, 0, 1, 2, 3]


def test_conf_level_changes_the_interval(mpdta: pd.DataFrame) -> None:
    res = event_study(mpdta, **MPDTA_ROLES, conf_level=0.9)
    low, high = res.conf_int
    assert high - low == pytest.approx(2 * stats.t.ppf(0.95, 499) * res.std_error, rel=1e-9)


def test_cluster_option_and_few_clusters_warning(panel: pd.DataFrame) -> None:
    data = panel.assign(group=panel["unit"] // 8)
    with pytest.warns(FewClustersWarning, match=r"only 20 clusters of 'group'"):
        res = event_study(data, **SIM_ROLES, cluster="group")
    assert res.design["n_clusters"] == 20
    assert res.estimate == pytest.approx(event_study(panel, **SIM_ROLES).estimate, abs=1e-10)


def test_sun_abraham_drops_cohorts_without_the_reference_period(mpdta: pd.DataFrame) -> None:
    with pytest.warns(EbpmWarning, match=r"cohort\(s\) \['2004'\] are never observed at ref_peri"):
        res = event_study(mpdta, **MPDTA_ROLES, estimator="sun_abraham", ref_period=-2)
    assert res.diagnostics["n_cohorts"] == 2
    assert res.diagnostics["dropped_cohorts"] == [2004]
    assert "t-1" in set(res.tidy()["term"])
    assert "t-2" not in set(res.tidy()["term"])


# --- bad input ----------------------------------------------------------------------------------
def test_missing_column_suggests_a_close_match(mpdta: pd.DataFrame) -> None:
    with pytest.raises(
        ColumnNotFoundError, match=r"cohort='first_treated' is not a column.*'first_treat'"
    ):
        event_study(mpdta, **{**MPDTA_ROLES, "cohort": "first_treated"})


def test_ref_period_must_be_an_event_time(mpdta: pd.DataFrame) -> None:
    with pytest.raises(
        InvalidOptionError,
        match=r"ref_period=-6 is not an event time in the data; available event times are "
        r"\[-4, -3, -2, -1, 0, 1, 2, 3\]",
    ):
        event_study(mpdta, **MPDTA_ROLES, ref_period=-6)


def test_ref_period_must_be_before_adoption(mpdta: pd.DataFrame) -> None:
    with pytest.raises(InvalidOptionError, match=r"ref_period=0 is a treated event time"):
        event_study(mpdta, **MPDTA_ROLES, ref_period=0)


def test_cohort_before_the_panel_raises(mpdta: pd.DataFrame) -> None:
    data = mpdta.assign(first_treat=mpdta["first_treat"].replace(2004, 2001))
    with pytest.raises(NoPrePeriodError, match=r"cohort 2001 .*lies before the first period 2003"):
        event_study(data, **MPDTA_ROLES)


def test_cohort_after_the_panel_raises(mpdta: pd.DataFrame) -> None:
    data = mpdta.assign(first_treat=mpdta["first_treat"].replace(2007, 2009))
    with pytest.raises(
        DataError, match=r"cohort 2009 .*after the last period 2007.*time range is 2003 to 2007"
    ):
        event_study(data, **MPDTA_ROLES)


def test_no_comparison_raises(mpdta: pd.DataFrame) -> None:
    data = mpdta.assign(first_treat=2005)
    with pytest.raises(DataError, match=r"every unit is treated at the same period \(2005\)"):
        event_study(data, **MPDTA_ROLES)


def test_nobody_treated_raises(mpdta: pd.DataFrame) -> None:
    with pytest.raises(NoTreatedUnitsError, match=r"cohort='first_treat' is 0 or missing for ev"):
        event_study(mpdta.assign(first_treat=0), **MPDTA_ROLES)


def test_cohort_must_be_constant_within_unit(mpdta: pd.DataFrame) -> None:
    data = mpdta.copy()
    data.loc[0, "first_treat"] = 2006
    with pytest.raises(DataError, match=r"cohort='first_treat' varies within unit 8001"):
        event_study(data, **MPDTA_ROLES)


def test_duplicate_unit_time_rows_raise(mpdta: pd.DataFrame) -> None:
    data = pd.concat([mpdta, mpdta.iloc[[5]]])
    with pytest.raises(DuplicateRowsError, match=r"2 rows share a \(countyreal, year\) pair"):
        event_study(data, **MPDTA_ROLES)


def test_non_numeric_outcome_raises(mpdta: pd.DataFrame) -> None:
    data = mpdta.assign(lemp=mpdta["lemp"].astype(str).where(mpdta.index != 2, "n/a"))
    with pytest.raises(NonNumericError, match=r"outcome='lemp' must be numeric; it holds 'n/a'"):
        event_study(data, **MPDTA_ROLES)


def test_nan_in_cluster_raises(mpdta: pd.DataFrame) -> None:
    state = pd.Series("s", index=mpdta.index, dtype=object).where(mpdta.index % 10 != 0)
    with pytest.raises(MissingValueError, match=r"cluster='state' has 250 missing value"):
        event_study(mpdta.assign(state=state), **MPDTA_ROLES, cluster="state")


@pytest.mark.parametrize(
    "window", [(3, -2), (-2,), (0, 3), (-2, -1), (-2.0, 2), "(-2, 2)", (-2, 2, 4), (True, 3)]
)
def test_malformed_window_raises(mpdta: pd.DataFrame, window: object) -> None:
    with pytest.raises(InvalidOptionError, match=r"window=.* is malformed; give two whole numbers"):
        event_study(mpdta, **MPDTA_ROLES, window=window)  # type: ignore[arg-type]


def test_ref_period_outside_window_raises(mpdta: pd.DataFrame) -> None:
    with pytest.raises(InvalidOptionError, match=r"ref_period=-3 lies outside window=\(-2, 2\)"):
        event_study(mpdta, **MPDTA_ROLES, window=(-2, 2), ref_period=-3)


def test_unknown_estimator_lists_the_choices(mpdta: pd.DataFrame) -> None:
    with pytest.raises(
        InvalidOptionError,
        match=r"estimator='sunab' is not supported.*Choose one of: 'twfe', 'sun_abraham'",
    ):
        event_study(mpdta, **MPDTA_ROLES, estimator="sunab")  # type: ignore[arg-type]


def test_fractional_periods_raise(panel: pd.DataFrame) -> None:
    with pytest.raises(DataError, match=r"time='period' must hold whole periods"):
        event_study(panel.assign(period=panel["period"] + 0.5), **SIM_ROLES)


def test_data_must_be_a_dataframe() -> None:
    with pytest.raises(DataError, match=r"event_study\(\) takes a pandas DataFrame"):
        event_study([1, 2], **MPDTA_ROLES)  # type: ignore[arg-type]
