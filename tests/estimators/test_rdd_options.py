"""Tests of rdd's rdrobust options (issue 20): fuzzy, kink, bandwidth selectors, variance
estimators, weights, separate and bias bandwidths, rho, nnmatch, covariates and clusters.

Each option is checked on the Senate data against rdrobust itself, called directly with the
same option (rdrobust is a dependency of ebpm, so it is the reference implementation here),
with the published figure where one exists, and on simulated data with a known truth.
"""

from __future__ import annotations

import contextlib
import io
import warnings
from typing import Any

import numpy as np
import pandas as pd
import pytest

from ebpm.catalog import open_catalog
from ebpm.errors import ColumnNotFoundError, DataError, InvalidOptionError, NonNumericError
from ebpm.estimators.rdd import (
    BANDWIDTH_SELECTORS,
    VCES,
    WeakFirstStageWarning,
    rdd,
)
from ebpm.results import EstimateResult
from tests.conftest import ROOT

SENATE = {"outcome": "vote", "running": "margin"}
SIM = {"outcome": "y", "running": "x"}


@pytest.fixture(scope="module")
def senate() -> pd.DataFrame:
    data = open_catalog(ROOT / "catalogs").load("studies.senate")
    # a made-up take-up with non-compliance on both sides (the Senate data have none):
    # assignment (margin >= 0), flipped in the years divisible by 8
    assigned = data["margin"] >= 0
    return data.assign(takeup=(assigned != (data["year"] % 8 == 0)).astype(int))


def _rdrobust(senate: pd.DataFrame, **options: Any) -> Any:
    """rdrobust itself on the Senate data (it drops rows with missing values itself)."""
    from rdrobust import rdrobust

    with contextlib.redirect_stdout(io.StringIO()), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return rdrobust(senate["vote"], senate["margin"], **options)


def _ebpm(senate: pd.DataFrame, **options: Any) -> EstimateResult:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the 93 rows without an outcome: tested in test_rdd
        return rdd(senate, **SENATE, **options)


def _same(res: EstimateResult, ref: Any, *, rel: float = 0.0) -> None:
    """ebpm's result carries rdrobust's numbers: estimates, SEs, intervals, bandwidths."""
    tidy = res.tidy().set_index("term")
    approx = (lambda v: pytest.approx(v, rel=rel, abs=0)) if rel else (lambda v: v)
    assert tidy.loc["conventional", "estimate"] == approx(float(ref.coef.iloc[0, 0]))
    assert tidy.loc["conventional", "std_error"] == approx(float(ref.se.iloc[0, 0]))
    assert tidy.loc["robust bias-corrected", "estimate"] == approx(float(ref.coef.iloc[2, 0]))
    assert tidy.loc["robust bias-corrected", "std_error"] == approx(float(ref.se.iloc[2, 0]))
    assert res.conf_int == approx((float(ref.ci.iloc[2, 0]), float(ref.ci.iloc[2, 1])))
    assert res.p_value == approx(float(ref.pv.iloc[2, 0]))
    bw = res.diagnostics["bandwidth"]
    assert (bw["h_left"], bw["h_right"], bw["b_left"], bw["b_right"]) == approx(
        tuple(float(v) for v in ref.bws.to_numpy().ravel())
    )
    assert dict(res.diagnostics["n_effective"]) == {
        "left": int(ref.N_h[0]),
        "right": int(ref.N_h[1]),
    }


# --- every option against rdrobust on the Senate data --------------------------------------
@pytest.mark.parametrize("selector", BANDWIDTH_SELECTORS)
def test_every_bandwidth_selector_matches_rdrobust(senate: pd.DataFrame, selector: str) -> None:
    res = _ebpm(senate, bwselect=selector)
    _same(res, _rdrobust(senate, bwselect=selector))
    assert res.diagnostics["bandwidth"]["selector"].startswith(f"{selector} (")


def test_selectors_published_and_known_values(senate: pd.DataFrame) -> None:
    # rdrobust vote margin (Calonico, Cattaneo, Farrell & Titiunik 2017, Stata Journal 17(2),
    # and the rdrobust illustration scripts): 7.4141, h = 17.754, robust CI [4.0937, 10.9193]
    default = _ebpm(senate)
    assert round(default.estimate, 4) == 7.4141
    assert (round(default.conf_int[0], 4), round(default.conf_int[1], 4)) == (4.0937, 10.9193)
    # msetwo: one bandwidth per side; msecomb1 = min(mserd, msesum) = mserd here
    two = _ebpm(senate, bwselect="msetwo").diagnostics["bandwidth"]
    assert round(two["h_left"], 3) == 16.170
    assert round(two["h_right"], 3) == 18.126
    assert _ebpm(senate, bwselect="msecomb1").estimate == default.estimate
    # CER-optimal bandwidths are shorter than MSE-optimal ones (rate n^(-1/4) vs n^(-1/5))
    cer = _ebpm(senate, bwselect="cerrd").diagnostics["bandwidth"]
    assert cer["h_left"] < default.diagnostics["bandwidth"]["h_left"]
    assert round(cer["h_left"], 3) == 12.407


@pytest.mark.parametrize("vce", ["nn", "hc0", "hc1", "hc2", "hc3"])
def test_every_variance_estimator_matches_rdrobust(senate: pd.DataFrame, vce: str) -> None:
    res = _ebpm(senate, vce=vce)
    _same(res, _rdrobust(senate, vce=vce))
    assert res.diagnostics["vce"] == vce
    if vce == "nn":
        assert "nearest-neighbour variance (3 neighbours)" in res.inference
    else:
        assert f"plug-in residual variance ({vce.upper()})" in res.inference
        assert f"（{vce.upper()}）" in res.said("ja")["inference"]


@pytest.mark.parametrize("vce", ["cr1", "cr2", "cr3"])
def test_every_cluster_variance_matches_rdrobust(senate: pd.DataFrame, vce: str) -> None:
    res = _ebpm(senate, vce=vce, cluster="state")
    # the same clusters, numbered differently: equal up to the order of the sums
    _same(res, _rdrobust(senate, vce=vce, cluster=senate["state"]), rel=1e-10)
    assert f"cluster-robust ({vce.upper()}) by state, 50 clusters" in res.inference
    assert res.diagnostics["vce"] == vce


def test_cluster_defaults_to_cr1(senate: pd.DataFrame) -> None:
    # rdrobust(vote, margin, cluster=state): 7.394838 (se 1.533925), CR1
    res = _ebpm(senate, cluster="state")
    assert res.diagnostics["vce"] == "cr1"
    assert res.estimate == pytest.approx(7.394838, abs=1e-6)


def test_separate_and_bias_bandwidths_match_rdrobust(senate: pd.DataFrame) -> None:
    # rdrobust vote margin, h(12 15) b(18 20): the rdrobust illustration scripts' example
    res = _ebpm(senate, bandwidth=(12, 15), bias_bandwidth=(18, 20))
    _same(res, _rdrobust(senate, h=[12, 15], b=[18, 20]))
    assert res.estimate == pytest.approx(8.096300, abs=1e-6)
    bw = res.diagnostics["bandwidth"]
    assert (bw["h_left"], bw["h_right"], bw["b_left"], bw["b_right"]) == (12, 15, 18, 20)
    assert bw["selector"] == "manual"
    sens = res.diagnostics["bandwidth_sensitivity"]
    one = sens.loc[sens["multiplier"] == 1.0].iloc[0]
    assert (one["h"], one["h_right"]) == (12.0, 15.0)
    assert one["estimate"] == res.estimate


def test_backward_compatible_bandwidths_match_rdrobust(senate: pd.DataFrame) -> None:
    # rdrobust vote margin, h(16.79369) b(27.43745): the illustration scripts' "backward
    # compatibility" call (the CCT 2014 bandwidths): 7.4253 (se 1.4954)
    res = _ebpm(senate, bandwidth=16.79369, bias_bandwidth=27.43745)
    _same(res, _rdrobust(senate, h=16.79369, b=27.43745))
    assert (round(res.estimate, 4), round(res.std_error, 4)) == (7.4253, 1.4954)


def test_rho_matches_rdrobust(senate: pd.DataFrame) -> None:
    # rdrobust vote margin, covs(class) bwselect(cerrd) rho(1) (illustration scripts)
    res = _ebpm(senate, covariates=["class"], bwselect="cerrd", rho=1)
    _same(res, _rdrobust(senate, covs=senate[["class"]], bwselect="cerrd", rho=1))
    bw = res.diagnostics["bandwidth"]
    assert bw["b_left"] == bw["h_left"]
    assert bw["selector"] == "cerrd (CER-optimal, common); b = h / 1"
    manual = _ebpm(senate, bandwidth=10, rho=0.5)
    _same(manual, _rdrobust(senate, h=10, rho=0.5))
    assert manual.diagnostics["bandwidth"]["b_right"] == 20.0


def test_certwo_with_hc3_matches_rdrobust(senate: pd.DataFrame) -> None:
    # rdrobust vote margin, bwselect(certwo) vce(hc3) (illustration scripts)
    _same(
        _ebpm(senate, bwselect="certwo", vce="hc3"), _rdrobust(senate, bwselect="certwo", vce="hc3")
    )


def test_covariates_msetwo_and_clusters_match_rdrobust(senate: pd.DataFrame) -> None:
    # rdrobust vote margin, covs(class termshouse termssenate) bwselect(msetwo)
    # vce(nncluster state) (illustration scripts; nn with clusters is CR1 in rdrobust 2.x)
    covs = ["class", "termshouse", "termssenate"]
    res = _ebpm(senate, covariates=covs, bwselect="msetwo", cluster="state")
    ref = _rdrobust(senate, covs=senate[covs], bwselect="msetwo", cluster=senate["state"])
    _same(res, ref, rel=1e-10)
    assert res.design["covariates"] == covs


def test_nnmatch_matches_rdrobust(senate: pd.DataFrame) -> None:
    res = _ebpm(senate, nnmatch=5)
    _same(res, _rdrobust(senate, nnmatch=5))
    assert res.diagnostics["nnmatch"] == 5
    assert "(5 neighbours)" in res.inference


def test_weights_match_rdrobust(senate: pd.DataFrame) -> None:
    res = _ebpm(senate, weights="population")
    _same(res, _rdrobust(senate, weights=senate["population"]))
    assert res.design["weights"] == "population"
    assert "weighted by population" in res.inference
    assert "population で重み付け" in res.said("ja")["inference"]


def test_kink_matches_rdrobust(senate: pd.DataFrame) -> None:
    res = _ebpm(senate, deriv=1)
    _same(res, _rdrobust(senate, deriv=1))
    assert res.diagnostics["p"] == 2  # p = deriv + 1 by default, as in rdrobust
    assert res.diagnostics["q"] == 3
    assert res.title == "Regression kink (sharp, local polynomial)"
    assert res.estimand == "Change in the slope of vote at the cutoff (margin = 0)"
    assert "slopes of average potential outcomes" in res.assumption
    assert "傾き" in res.said("ja")["estimand"]


def test_fuzzy_matches_rdrobust(senate: pd.DataFrame) -> None:
    res = _ebpm(senate, fuzzy="takeup", vce="hc1")
    ref = _rdrobust(senate, fuzzy=senate["takeup"], vce="hc1")
    _same(res, ref)
    first = res.diagnostics["first_stage"]
    assert first["estimate"] == float(ref.tau_T.iloc[0, 0])
    assert first["std_error"] == float(ref.se_T.iloc[0, 0])
    assert (first["conf_low"], first["conf_high"]) == tuple(ref.ci_T.iloc[2].astype(float))
    tidy = res.tidy().set_index("term")
    assert tidy.loc["first stage", "estimate"] == first["estimate"]
    assert tidy.loc["first stage", "interval"] == "robust bias-corrected"
    assert res.title == "Regression discontinuity (fuzzy, local polynomial)"
    assert "compliers" in res.estimand
    assert "monotonicity" in res.assumption


def test_fuzzy_kink_with_covariates_matches_rdrobust(senate: pd.DataFrame) -> None:
    res = _ebpm(senate, fuzzy="takeup", deriv=1, covariates=["class"])
    _same(res, _rdrobust(senate, fuzzy=senate["takeup"], deriv=1, covs=senate[["class"]]))
    assert "over the change in the slope of take-up (takeup)" in res.estimand


def test_fuzzy_with_full_compliance_is_the_sharp_published_estimate(senate: pd.DataFrame) -> None:
    # take-up equal to assignment: the fuzzy ratio is the sharp jump over 1, rdrobust's
    # published 7.414 on the Senate data
    res = _ebpm(senate, fuzzy="takeup", bandwidth=17.754)
    complete = senate.assign(takeup=(senate["margin"] >= 0))  # bool take-up works too
    full = _ebpm(complete, fuzzy="takeup")
    assert round(full.estimate, 3) == 7.414
    assert full.diagnostics["first_stage"]["estimate"] == pytest.approx(1.0, abs=1e-12)
    assert res.estimate != full.estimate  # with non-compliance the ratio differs


def test_p_and_kernel_still_match_rdrobust(senate: pd.DataFrame) -> None:
    res = _ebpm(senate, p=2, kernel="epanechnikov")
    _same(res, _rdrobust(senate, p=2, kernel="epa"))


# --- simulated truths ----------------------------------------------------------------------
def _fuzzy_design(*, n: int, seed: int) -> pd.DataFrame:
    """20% always-takers (effect 5), 20% never-takers, 60% compliers (effect 2): LATE = 2,
    first stage 0.6; the sharp jump (intention to treat) is 1.2."""
    rng = np.random.default_rng(seed)
    x = rng.uniform(-1, 1, n)
    kind = rng.choice(["always", "never", "complier"], n, p=[0.2, 0.2, 0.6])
    took = np.where(kind == "always", 1, np.where(kind == "never", 0, (x >= 0).astype(int)))
    effect = np.where(kind == "always", 5.0, 2.0)
    y = 1 + x + 0.5 * x**2 + effect * took + rng.normal(0, 0.5, n)
    return pd.DataFrame({"x": x, "y": y, "took": took})


def test_fuzzy_recovers_a_known_late() -> None:
    data = _fuzzy_design(n=10_000, seed=11)
    res = rdd(data, **SIM, fuzzy="took")
    low, high = res.conf_int
    assert low < 2.0 < high
    assert abs(res.estimate - 2.0) < 3 * res.std_error
    first = res.diagnostics["first_stage"]
    assert first["conf_low"] < 0.6 < first["conf_high"]
    sharp = rdd(data, **SIM)  # the intention-to-treat jump, 0.6 * 2 = 1.2
    assert sharp.conf_int[0] < 1.2 < sharp.conf_int[1]


def test_kink_recovers_a_known_slope_change() -> None:
    rng = np.random.default_rng(12)
    x = rng.uniform(-1, 1, 10_000)
    y = 1 + 0.5 * x + 1.5 * x * (x >= 0) + rng.normal(0, 0.2, x.size)  # slope 0.5 -> 2.0
    res = rdd(pd.DataFrame({"x": x, "y": y}), **SIM, deriv=1)
    low, high = res.conf_int
    assert low < 1.5 < high
    assert abs(res.estimate - 1.5) < 3 * res.std_error
    jump = rdd(pd.DataFrame({"x": x, "y": y}), **SIM)  # a kink has no jump
    assert jump.conf_int[0] < 0 < jump.conf_int[1]


def _sharp(*, n: int = 4000, seed: int = 17) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    x = rng.uniform(-1, 1, n)
    z = rng.normal(0, 1, n)
    y = 1 + 0.8 * x + 0.5 * x**2 + 2.0 * (x >= 0) + z + rng.normal(0, 0.5, n)
    return pd.DataFrame({"x": x, "y": y, "z": z, "g": rng.integers(0, 80, n)})


@pytest.mark.parametrize("selector", BANDWIDTH_SELECTORS)
def test_every_selector_recovers_a_known_jump(selector: str) -> None:
    res = rdd(_sharp(), **SIM, bwselect=selector)
    assert res.conf_int[0] < 2.0 < res.conf_int[1]
    bw = res.diagnostics["bandwidth"]
    if selector.endswith("rd") or selector.endswith("sum") or selector.endswith("comb1"):
        assert bw["h_left"] == bw["h_right"]  # one common bandwidth


@pytest.mark.parametrize("vce", [v for v in VCES if not v.startswith("cr")])
def test_every_variance_recovers_a_known_jump(vce: str) -> None:
    res = rdd(_sharp(), **SIM, vce=vce)
    assert res.conf_int[0] < 2.0 < res.conf_int[1]


def test_plug_in_variances_order_as_their_corrections() -> None:
    """At one bandwidth HC0 <= HC1 and HC0 <= HC2 <= HC3 (leverages lie in (0, 1))."""
    data = _sharp()
    se = {v: rdd(data, **SIM, vce=v, bandwidth=0.3).std_error for v in ("hc0", "hc1", "hc2", "hc3")}
    assert se["hc0"] < se["hc1"]
    assert se["hc0"] < se["hc2"] < se["hc3"]


@pytest.mark.parametrize("vce", ["cr1", "cr2", "cr3"])
def test_cluster_variances_recover_a_known_jump(vce: str) -> None:
    res = rdd(_sharp(), **SIM, vce=vce, cluster="g")
    assert res.conf_int[0] < 2.0 < res.conf_int[1]
    assert res.design["n_clusters"] == 80


def test_separate_bandwidths_are_least_squares_on_each_side() -> None:
    data = _sharp()
    res = rdd(data, **SIM, bandwidth=(0.3, 0.5), kernel="uniform")
    x, y = data["x"].to_numpy(), data["y"].to_numpy()
    fits = []
    for mask in ((x < 0) & (x >= -0.3), (x >= 0) & (x <= 0.5)):
        design = np.column_stack([np.ones(mask.sum()), x[mask]])
        fits.append(np.linalg.lstsq(design, y[mask], rcond=None)[0][0])
    assert res.estimate == pytest.approx(fits[1] - fits[0], abs=1e-8)
    assert res.conf_int[0] < 2.0 < res.conf_int[1]


def test_bias_bandwidth_and_rho_recover_a_known_jump() -> None:
    data = _sharp()
    for options in ({"bandwidth": 0.3, "bias_bandwidth": 0.6}, {"rho": 1.0}):
        res = rdd(data, **SIM, **options)
        assert res.conf_int[0] < 2.0 < res.conf_int[1]
    bw = rdd(data, **SIM, rho=1.0).diagnostics["bandwidth"]
    assert bw["b_left"] == bw["h_left"]


def test_nnmatch_recovers_a_known_jump() -> None:
    res = rdd(_sharp(), **SIM, nnmatch=10)
    assert res.conf_int[0] < 2.0 < res.conf_int[1]


def test_covariates_recover_the_jump_more_precisely() -> None:
    data = _sharp()
    plain = rdd(data, **SIM, bandwidth=0.4)
    adjusted = rdd(data, **SIM, bandwidth=0.4, covariates=["z"])
    assert adjusted.conf_int[0] < 2.0 < adjusted.conf_int[1]
    assert adjusted.std_error < 0.8 * plain.std_error  # z explains most of the noise


def test_weights_recover_the_population_effect() -> None:
    """Group a (effect 1) is sampled 4 times as often as group b (effect 3); the population
    is half and half (effect 2). Inverse-probability weights recover 2, no weights ~1.4."""
    rng = np.random.default_rng(14)
    n = 10_000
    group_a = rng.random(n) < 0.8
    x = rng.uniform(-1, 1, n)
    y = 1 + x + np.where(group_a, 1.0, 3.0) * (x >= 0) + rng.normal(0, 0.3, n)
    data = pd.DataFrame({"x": x, "y": y, "w": np.where(group_a, 0.5 / 0.8, 0.5 / 0.2)})
    weighted = rdd(data, **SIM, weights="w")
    assert weighted.conf_int[0] < 2.0 < weighted.conf_int[1]
    unweighted = rdd(data, **SIM)
    assert unweighted.conf_int[1] < 2.0


def test_weights_as_repeated_rows_give_the_same_point_estimate() -> None:
    data = _sharp(n=600)
    w = np.random.default_rng(15).integers(1, 4, len(data))
    weighted = rdd(data.assign(w=w), **SIM, weights="w", bandwidth=0.5, kernel="uniform")
    repeated = rdd(data.loc[data.index.repeat(w)], **SIM, bandwidth=0.5, kernel="uniform")
    assert weighted.estimate == pytest.approx(repeated.estimate, abs=1e-9)


# --- errors and warnings -------------------------------------------------------------------
def test_fuzzy_must_be_zero_or_one(senate: pd.DataFrame) -> None:
    with pytest.raises(
        DataError,
        match=r"fuzzy='vote' must hold treatment take-up as 0/1 \(1: treated\); it holds "
        r"[\d.]+ \(\d+ value\(s\) not 0 or 1\)\. Recode it",
    ):
        _ebpm(senate, fuzzy="vote")


def test_fuzzy_that_does_not_jump_raises() -> None:
    data = _sharp().assign(took=1)
    with pytest.raises(
        DataError,
        match=r"fuzzy='took' does not jump at the cutoff 0: it is 1 for every unit on both "
        r"sides.*drop fuzzy for a sharp design",
    ):
        rdd(data, **SIM, fuzzy="took")


def test_weak_first_stage_warns() -> None:
    data = _sharp()
    data["took"] = np.random.default_rng(16).integers(0, 2, len(data))  # unrelated to x
    with pytest.warns(
        WeakFirstStageWarning,
        match=r"the jump in take-up fuzzy='took' at the cutoff is .* which covers zero: a weak "
        r"first stage",
    ):
        rdd(data, **SIM, fuzzy="took")


def test_fuzzy_and_weights_columns_are_checked(senate: pd.DataFrame) -> None:
    with pytest.raises(ColumnNotFoundError, match=r"fuzzy='take_up' .*Did you mean 'takeup'"):
        rdd(senate, **SENATE, fuzzy="take_up")
    with pytest.raises(ColumnNotFoundError, match=r"weights='populaton' .*'population'"):
        rdd(senate, **SENATE, weights="populaton")
    with pytest.raises(NonNumericError, match=r"fuzzy='state' must be numeric"):
        rdd(senate, **SENATE, fuzzy="state")


def test_negative_or_zero_weights_raise() -> None:
    data = _sharp()
    with pytest.raises(DataError, match=r"weights='w' has 1 negative value\(s\) \(first -1\)"):
        rdd(data.assign(w=np.where(data.index == 3, -1.0, 1.0)), **SIM, weights="w")
    with pytest.raises(DataError, match=r"weights='w' is zero for every row"):
        rdd(data.assign(w=0.0), **SIM, weights="w")


@pytest.mark.parametrize("bandwidth", [(1, 2, 3), (0.5, -1), (), [0.5, "a"], (0.5,), (0, 0.5)])
def test_bandwidth_must_be_a_number_or_a_pair(bandwidth: object) -> None:
    with pytest.raises(
        InvalidOptionError,
        match=r"bandwidth=.* must be a positive number or a \(left, right\) pair of positive "
        r"numbers, the bandwidth h in units of the running variable, e\.g\. "
        r"bandwidth=\(10, 15\)",
    ):
        rdd(_sharp(n=200), **SIM, bandwidth=bandwidth)  # type: ignore[arg-type]


def test_bias_bandwidth_must_be_a_number_or_a_pair() -> None:
    with pytest.raises(
        InvalidOptionError, match=r"bias_bandwidth=\(1, 2, 3\) must be a positive number"
    ):
        rdd(_sharp(n=200), **SIM, bandwidth=0.5, bias_bandwidth=(1, 2, 3))  # type: ignore[arg-type]


def test_bias_bandwidth_needs_a_bandwidth() -> None:
    with pytest.raises(
        InvalidOptionError, match=r"bias_bandwidth=0.6 needs a manual bandwidth too.*use rho="
    ):
        rdd(_sharp(n=200), **SIM, bias_bandwidth=0.6)


def test_rho_conflicts_with_bias_bandwidth_and_must_be_positive() -> None:
    with pytest.raises(InvalidOptionError, match=r"rho=2 sets b = h / rho, but bias_bandwidth=0.6"):
        rdd(_sharp(n=200), **SIM, bandwidth=0.3, bias_bandwidth=0.6, rho=2)
    for rho in (0, -1.0, "2", float("inf")):
        with pytest.raises(
            InvalidOptionError, match=r"rho=.* must be a positive number: the ratio h / b"
        ):
            rdd(_sharp(n=200), **SIM, rho=rho)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("selector", "expected"),
    [
        ("msetow", r"bwselect='msetow' is not supported\. Did you mean 'msetwo'\?"),
        ("IK", r"bwselect='IK' is not supported\. Choose one of: 'mserd', 'msetwo'"),
    ],
)
def test_unknown_selector_lists_the_choices(selector: str, expected: str) -> None:
    with pytest.raises(InvalidOptionError, match=expected + r".*cer\*: coverage-error-optimal"):
        rdd(_sharp(n=200), **SIM, bwselect=selector)  # type: ignore[arg-type]


def test_selector_conflicts_with_a_manual_bandwidth() -> None:
    with pytest.raises(
        InvalidOptionError,
        match=r"bwselect='msetwo' chooses a bandwidth, but bandwidth=0.3 sets one",
    ):
        rdd(_sharp(n=200), **SIM, bwselect="msetwo", bandwidth=0.3)


def test_unknown_vce_suggests_a_close_match() -> None:
    with pytest.raises(
        InvalidOptionError,
        match=r"vce='hc4' is not supported\. Did you mean .*'hc1'.*Choose one of: 'nn', 'hc0'",
    ):
        rdd(_sharp(n=200), **SIM, vce="hc4")  # type: ignore[arg-type]


def test_vce_must_fit_the_clusters() -> None:
    with pytest.raises(
        InvalidOptionError,
        match=r"vce='hc3' is not a cluster-robust variance, but cluster='g' is set\. Choose "
        r"one of: 'cr1', 'cr2', 'cr3' \(vce='cr3' is the clustered counterpart of 'hc3'\)",
    ):
        rdd(_sharp(n=200), **SIM, vce="hc3", cluster="g")
    with pytest.raises(
        InvalidOptionError, match=r"vce='cr2' is cluster-robust and needs cluster=.*vce='hc2'"
    ):
        rdd(_sharp(n=200), **SIM, vce="cr2")


def test_nnmatch_needs_the_nearest_neighbour_variance() -> None:
    with pytest.raises(InvalidOptionError, match=r"nnmatch=5 sets the neighbours .* but vce='hc1'"):
        rdd(_sharp(n=200), **SIM, vce="hc1", nnmatch=5)
    with pytest.raises(InvalidOptionError, match=r"nnmatch=0 must be a positive integer"):
        rdd(_sharp(n=200), **SIM, nnmatch=0)


@pytest.mark.parametrize("deriv", [2, -1, True, 0.5, "1"])
def test_deriv_must_be_zero_or_one(deriv: object) -> None:
    with pytest.raises(
        InvalidOptionError, match=rf"deriv={deriv!r} must be 0 .* or 1 \(the change"
    ):
        rdd(_sharp(n=200), **SIM, deriv=deriv)  # type: ignore[arg-type]


def test_kink_needs_p_above_deriv() -> None:
    with pytest.raises(
        InvalidOptionError,
        match=r"p=1 is too low for deriv=1: .*\(p >= deriv \+ 1 = 2\)\. Use p=2, the default",
    ):
        rdd(_sharp(n=200), **SIM, deriv=1, p=1)


@pytest.mark.parametrize("cutoff", ["0", float("nan"), None, True])
def test_cutoff_must_be_a_finite_number(cutoff: object) -> None:
    with pytest.raises(
        InvalidOptionError, match=r"cutoff=.* must be a number on the scale of the running"
    ):
        rdd(_sharp(n=200), **{**SIM, "cutoff": cutoff})  # type: ignore[arg-type]


def test_option_errors_are_value_errors_not_data_errors() -> None:
    # a bad keyword is the caller's option, not a fault in the data; ``except ValueError``
    # keeps catching it
    with pytest.raises(ValueError, match=r"rho=0 must be a positive number") as info:
        rdd(_sharp(n=200), **SIM, rho=0)
    assert not isinstance(info.value, DataError)


def test_new_options_leave_the_data_untouched(senate: pd.DataFrame) -> None:
    before = senate.copy()
    _ebpm(senate, fuzzy="takeup", weights="population", cluster="state", covariates=["class"])
    pd.testing.assert_frame_equal(senate, before)
