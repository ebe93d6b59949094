"""The power of a pre-trend test (Roth 2022): published numbers, simulation, and every error."""

from __future__ import annotations

import hashlib
import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from scipy import stats

from ebpm.errors import DataError, InvalidOptionError, NoPrePeriodError
from ebpm.trust.power import pretrend_power, rejection_probability, slope_for_power

FIXTURE = Path(__file__).parent.parent / "fixtures" / "pretrends" / "he_wang_2017.json"
FIXTURE_SHA256 = "8f744265bf04f793cac7e3647faeffc25fac0fe9f1def64cd121682afbba761c"
#: R pretrends README: slope_for_power(sigma, targetPower = 0.5, tVec, referencePeriod = -1).
R_SLOPE_50 = 0.05205871
#: R pretrends README: the power of that slope's trend, pretrends(...)$df_power.
R_POWER_AT_SLOPE_50 = 0.4999776
#: Stata pretrends README: pretrends power 0.5 on the same estimates, r(slope).
STATA_SLOPE_50 = 0.0520258592463583
#: R's uniroot default tolerance, .Machine$double.eps^0.25: how far R's root may be from the
#: exact one; and mvtnorm::pmvnorm's default absolute error of the power.
R_UNIROOT_TOL = np.finfo(float).eps ** 0.25
R_PMVNORM_ABSEPS = 1e-3
N_DRAWS = 4000


@pytest.fixture(scope="module")
def he_wang() -> dict[str, Any]:
    raw = FIXTURE.read_bytes()
    assert hashlib.sha256(raw).hexdigest() == FIXTURE_SHA256  # the shipped values, unedited
    record = json.loads(raw)
    return {"sigma": np.array(record["sigma"]), "times": record["tVec"], "reference": -1}


# --- published numbers -----------------------------------------------------------------------
def test_any_t_slope_matches_the_r_pretrends_readme(he_wang: dict[str, Any]) -> None:
    got = slope_for_power(**he_wang, power=0.5, test="any_t")
    # R's printed 0.05205871 is settled only to its solver's tolerance (see the fixture README)
    assert abs(got - R_SLOPE_50) < R_UNIROOT_TOL
    assert round(got, 4) == round(R_SLOPE_50, 4) == 0.0521
    assert abs(got - STATA_SLOPE_50) < R_UNIROOT_TOL


def test_any_t_power_at_the_published_slope(he_wang: dict[str, Any]) -> None:
    got = rejection_probability(**he_wang, slope=R_SLOPE_50, test="any_t")
    assert abs(got - R_POWER_AT_SLOPE_50) < R_PMVNORM_ABSEPS


def test_the_published_slope_reads_the_pre_periods_only(he_wang: dict[str, Any]) -> None:
    pre = [0, 1, 2]
    sub = {"sigma": he_wang["sigma"][np.ix_(pre, pre)], "times": [-4, -3, -2], "reference": -1}
    assert slope_for_power(**sub, test="any_t") == pytest.approx(
        slope_for_power(**he_wang, test="any_t"), rel=1e-12
    )


# --- simulation: the reported slope is detected as often as promised -------------------------
def _covariance(seed: int, k: int) -> np.ndarray:
    a = np.random.default_rng(seed).normal(size=(k, k))
    return 0.01 * (a @ a.T + k * np.eye(k)) / k


def _reject_share(
    sigma: np.ndarray,
    r: np.ndarray,
    slope: float,
    *,
    seed: int,
    test: str,
    df: float | None = None,
) -> float:
    rng = np.random.default_rng(seed)
    draws = rng.multivariate_normal(slope * r, sigma, size=N_DRAWS)
    q = len(r)
    if test == "any_t":
        z = stats.norm.isf(0.025)
        return float((np.abs(draws / np.sqrt(np.diag(sigma))) > z).any(axis=1).mean())
    chi2 = np.einsum("ij,jk,ik->i", draws, np.linalg.inv(sigma), draws)
    if df is None:
        return float((chi2 > stats.chi2.isf(0.05, q)).mean())
    scale = rng.chisquare(df, size=N_DRAWS) / df  # the estimated covariance's own noise
    return float((chi2 / q / scale > stats.f.isf(0.05, q, df)).mean())


@pytest.mark.parametrize("power", [0.5, 0.8])
@pytest.mark.parametrize(
    ("seed", "k", "test", "df"),
    [(1, 3, "wald", None), (2, 5, "wald", 20), (3, 1, "wald", None), (4, 4, "any_t", None)],
)
def test_a_planted_trend_is_detected_as_often_as_reported(
    power: float, seed: int, k: int, test: str, df: float | None
) -> None:
    sigma = _covariance(seed, k)
    full = np.zeros((k + 1, k + 1))
    full[:k, :k] = sigma
    full[k, k] = 0.02
    times = np.r_[np.arange(-k - 1, -1), 0]  # k pre-periods, the reference -1 left out, t = 0
    slope = slope_for_power(full, times, reference=-1, power=power, test=test, df=df)  # type: ignore[arg-type]
    share = _reject_share(sigma, times[:k] + 1.0, slope, seed=100 + seed, test=test, df=df)
    se = math.sqrt(power * (1 - power) / N_DRAWS)
    assert abs(share - power) < 3 * se


def test_he_wang_wald_slopes_are_detected_as_often_as_reported(he_wang: dict[str, Any]) -> None:
    record = pretrend_power(**he_wang)
    r = np.array([-3.0, -2.0, -1.0])
    pre = he_wang["sigma"][:3, :3]
    for key, power in (("slope_50", 0.5), ("slope_80", 0.8)):
        share = _reject_share(pre, r, record[key], seed=7, test="wald")
        assert abs(share - power) < 3 * math.sqrt(power * (1 - power) / N_DRAWS)


# --- shape and closed forms ------------------------------------------------------------------
def test_pretrend_power_is_a_json_record(he_wang: dict[str, Any]) -> None:
    record = pretrend_power(**he_wang, df=30)
    assert set(record) == {"slope_50", "slope_80", "test", "alpha", "df", "reference"}
    assert json.loads(json.dumps(record)) == record
    assert 0 < record["slope_50"] < record["slope_80"]
    assert record["test"] == "wald"
    assert record["df"] == 30.0
    assert record["slope_50"] == slope_for_power(**he_wang, power=0.5, df=30)


def test_one_pre_period_has_the_normal_closed_form() -> None:
    # one coefficient at t = -2, reference -1: chi2(1) power is |N(-gamma/sd, 1)| > z
    sd = 0.1
    slope = slope_for_power([[sd**2]], [-2], reference=-1, power=0.8)
    z = stats.norm.isf(0.025)
    got = stats.norm.sf(z - slope / sd) + stats.norm.cdf(-z - slope / sd)
    assert got == pytest.approx(0.8, abs=1e-9)
    assert slope_for_power([[sd**2]], [-2], reference=-1, power=0.8, test="any_t") == (
        pytest.approx(slope, rel=1e-8)
    )


def test_power_rises_with_the_slope_and_is_the_size_at_zero(he_wang: dict[str, Any]) -> None:
    assert rejection_probability(**he_wang, slope=0.0) == pytest.approx(0.05)
    powers = [rejection_probability(**he_wang, slope=s, df=30) for s in (0.0, 0.03, 0.06, 0.1)]
    assert powers == sorted(powers)
    assert rejection_probability(**he_wang, slope=-0.06) == rejection_probability(
        **he_wang, slope=0.06
    )


def test_f_needs_a_steeper_trend_than_chi2(he_wang: dict[str, Any]) -> None:
    chi2 = slope_for_power(**he_wang)
    assert slope_for_power(**he_wang, df=10) > slope_for_power(**he_wang, df=100) > chi2
    assert slope_for_power(**he_wang, df=1e8) == pytest.approx(chi2, rel=1e-5)


def test_singular_covariance_tests_its_rank() -> None:
    # two identical pre-period coefficients: the Wald test (pinv, rank 1) is a one-df test
    sigma = np.full((2, 2), 0.01)
    times = [-2, -2]
    assert slope_for_power(sigma, times, reference=-1) == pytest.approx(
        slope_for_power([[0.01]], [-2], reference=-1), rel=1e-9
    )


# --- errors ----------------------------------------------------------------------------------
@pytest.mark.parametrize("power", [0.0, 1.0, 1.5, -0.2, math.nan, "0.8", True])
def test_power_outside_zero_one(power: Any, he_wang: dict[str, Any]) -> None:
    with pytest.raises(InvalidOptionError, match=r"power=.* strictly between 0 and 1, e\.g\. 0\.8"):
        slope_for_power(**he_wang, power=power)


def test_power_at_or_below_the_size(he_wang: dict[str, Any]) -> None:
    with pytest.raises(InvalidOptionError, match=r"power=0\.04 is not above 0\.05.*higher power"):
        slope_for_power(**he_wang, power=0.04)
    with pytest.raises(InvalidOptionError, match=r"power=0\.1 is not above 0\.12.*any_t"):
        slope_for_power(**he_wang, power=0.1, test="any_t")


def test_unknown_test(he_wang: dict[str, Any]) -> None:
    with pytest.raises(InvalidOptionError, match=r"test='wlad'.*Did you mean 'wald'.*'any_t'"):
        slope_for_power(**he_wang, test="wlad")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("option", "match"),
    [
        ({"alpha": 1.2}, r"alpha=1\.2 must be a probability .* e\.g\. 0\.05"),
        ({"df": 0}, r"df=0 must be a positive number .* or None for a chi-square"),
        ({"df": "30"}, r"df='30' must be a positive number"),
        ({"reference": math.inf}, r"reference=inf must be a finite number"),
    ],
)
def test_bad_options(option: dict[str, Any], match: str, he_wang: dict[str, Any]) -> None:
    with pytest.raises(InvalidOptionError, match=match):
        slope_for_power(**{**he_wang, **option})


def test_bad_slope(he_wang: dict[str, Any]) -> None:
    with pytest.raises(InvalidOptionError, match=r"slope=nan must be a finite number"):
        rejection_probability(**he_wang, slope=math.nan)


@pytest.mark.parametrize(
    ("sigma", "match"),
    [
        (np.ones((2, 3)), r"sigma has shape \(2, 3\); it must be a square"),
        (np.ones(3), r"sigma has shape \(3,\)"),
        ([[1.0, "a"], [0.0, 1.0]], r"sigma must be a square matrix of numbers"),
        ([[1.0, math.nan], [math.nan, 1.0]], r"sigma has missing or infinite entries"),
        ([[1.0, 0.5], [0.1, 1.0]], r"sigma is not symmetric \(largest gap 0\.4\)"),
        ([[1.0, 2.0], [2.0, 1.0]], r"not positive semi-definite \(smallest eigenvalue -1\)"),
    ],
)
def test_bad_sigma(sigma: Any, match: str) -> None:
    with pytest.raises(DataError, match=match):
        slope_for_power(sigma, [-3, -2], reference=-1)


def test_times_length_mismatch(he_wang: dict[str, Any]) -> None:
    with pytest.raises(DataError, match=r"times has 3 values but sigma is 7 x 7; pass one event"):
        slope_for_power(he_wang["sigma"], [-4, -3, -2], reference=-1)
    with pytest.raises(DataError, match=r"times has missing or infinite values"):
        slope_for_power([[1.0]], [math.nan], reference=-1)


def test_no_pre_period(he_wang: dict[str, Any]) -> None:
    with pytest.raises(NoPrePeriodError, match=r"no coefficient has a time before reference=-5"):
        slope_for_power(**{**he_wang, "reference": -5})
    with pytest.raises(NoPrePeriodError, match=r"pre=\[\] names no coefficient"):
        slope_for_power(**he_wang, pre=[])
    with pytest.raises(DataError, match=r"pre=\[9\] must hold positions 0 to 6"):
        slope_for_power(**he_wang, pre=[9])


def test_zero_variance_and_blind_covariance() -> None:
    sigma = np.diag([0.0, 0.01])
    with pytest.raises(DataError, match=r"variance 0: its t statistic is undefined.*pre="):
        slope_for_power(sigma, [-3, -2], reference=-1, test="any_t")
    with pytest.raises(DataError, match=r"blind to a linear trend"):
        slope_for_power(np.zeros((1, 1)), [-2], reference=-1)
