"""Tests of its() on counts: Bernal, Cummins & Gasparrini (2017)'s Sicily example, statsmodels
called directly, recovery of a known rate ratio, and the count options' errors."""

from __future__ import annotations

import json

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

from ebpm.catalog import open_catalog
from ebpm.errors import DataError, InvalidOptionError
from ebpm.estimators.its import its
from tests.conftest import ROOT

SICILY = {"outcome": "aces", "time": "time", "intervention": 37, "offset": "stdpop"}


@pytest.fixture(scope="module")
def sicily() -> pd.DataFrame:
    """Monthly acute coronary events in Sicily 2002-2006 (studies.sicily)."""
    return open_catalog(ROOT / "catalogs").load("studies.sicily")


def rr(result, term: str = "level_change") -> tuple[float, float, float]:
    row = result.tidy().set_index("term").loc[term]
    return row["rate_ratio"], row["rr_conf_low"], row["rr_conf_high"]


# --- published and reference numbers -------------------------------------------------------
def test_seasonal_quasi_poisson_matches_bernal_2017(sicily: pd.DataFrame) -> None:
    # Bernal, Cummins & Gasparrini (2017), IJE 46(1), step 5(c) and model3 of the authors' R
    # code (github.com/gasparrini/2017_lopezbernal_IJE_codedata, Rcode.R):
    # glm(aces ~ offset(log(stdpop)) + smokban + time + harmonic(month, 2, 12),
    # family=quasipoisson); ci.exp gives RR 0.885 (95% CI 0.839 to 0.933).
    res = its(
        sicily,
        **SICILY,
        family="quasipoisson",
        seasonal=12,
        harmonics=2,
        slope_change=False,
    )
    est, low, high = rr(res)
    assert round(est, 3) == 0.885
    assert round(low, 3) == 0.839
    assert round(high, 3) == 0.933
    assert res.diagnostics["rate_ratio"]["level_change"] == pytest.approx(est)
    assert res.estimate == pytest.approx(np.log(est))  # tidy() keeps the log coefficient
    assert res.diagnostics["dispersion"] == pytest.approx(2.262, abs=5e-4)


@pytest.mark.parametrize(
    ("family", "expected"),
    # model1 (Poisson) and model2 (quasi-Poisson) of the same R code: a step change, no
    # seasonality. Both give RR 0.894; the quasi-Poisson interval is wider.
    [("poisson", (0.894, 0.865, 0.925)), ("quasipoisson", (0.894, 0.839, 0.953))],
)
def test_step_change_models_of_the_tutorial(
    sicily: pd.DataFrame, family: str, expected: tuple[float, float, float]
) -> None:
    res = its(sicily, **SICILY, family=family, slope_change=False)
    assert tuple(round(v, 3) for v in rr(res)) == expected


def direct_glm(sicily: pd.DataFrame, family: str) -> tuple[np.ndarray, np.ndarray]:
    """statsmodels called directly on the segmented design with month dummies."""
    t = sicily["time"].to_numpy(float)
    post = (t >= 37).astype(float)
    month = pd.get_dummies(sicily["month"], prefix="m", drop_first=True, dtype=float)
    x = np.column_stack([np.ones_like(t), t - 1, post, (t - 37) * post, month.to_numpy()])
    y, off = sicily["aces"].to_numpy(float), np.log(sicily["stdpop"].to_numpy(float))
    if family == "negative_binomial":
        start = sm.GLM(y, x, family=sm.families.Poisson(), offset=off).fit()
        model = sm.NegativeBinomial(y, x, offset=off, loglike_method="nb2")
        # Newton's method from the Poisson fit (and a small alpha), as its() starts it
        fit = model.fit(start_params=np.r_[start.params, 1e-6], method="newton", disp=0)
        return np.asarray(fit.params)[:-1], np.asarray(fit.bse)[:-1]
    fit = sm.GLM(y, x, family=sm.families.Poisson(), offset=off).fit(
        scale="X2" if family == "quasipoisson" else None
    )
    return np.asarray(fit.params), np.asarray(fit.bse)


@pytest.mark.parametrize("family", ["poisson", "quasipoisson", "negative_binomial"])
def test_equals_statsmodels_called_directly(sicily: pd.DataFrame, family: str) -> None:
    res = its(sicily, **SICILY, family=family, seasonal="month")
    params, bse = direct_glm(sicily, family)
    tidy = res.tidy().set_index("term")
    order = ["intercept", "pre_slope", "level_change", "slope_change"]
    np.testing.assert_allclose(tidy.loc[order, "estimate"], params[:4], rtol=1e-6)
    np.testing.assert_allclose(tidy.loc[order, "std_error"], bse[:4], rtol=1e-5)
    assert res.design["family"] == family
    if family == "negative_binomial":
        assert res.diagnostics["alpha"] > 0


def test_counterfactual_is_on_the_count_scale(sicily: pd.DataFrame) -> None:
    res = its(sicily, **SICILY, family="quasipoisson", seasonal=12, harmonics=2)
    fitted, cf = res.diagnostics["fitted"], res.diagnostics["counterfactual"]
    pd.testing.assert_series_equal(cf.loc[:36], fitted.loc[:36], check_names=False)
    tidy = res.tidy().set_index("term")["estimate"]
    ratio = fitted.loc[37] / cf.loc[37]
    assert ratio == pytest.approx(np.exp(tidy["level_change"]))
    assert fitted.loc[59] / cf.loc[59] == pytest.approx(
        np.exp(tidy["level_change"] + 22 * tidy["slope_change"])
    )
    assert res.inference.startswith("quasi-Poisson")
    assert json.loads(res.to_json())["headline"]["estimate"] == pytest.approx(res.estimate)
    assert res.plot() is not None


# --- recovery of a known effect --------------------------------------------------------------
def test_recovers_a_known_rate_ratio() -> None:
    rng = np.random.default_rng(2017)
    n, start = 96, 60
    t = np.arange(n, dtype=float)
    post = (t >= start).astype(float)
    exposure = rng.uniform(9e4, 1.1e5, n)
    log_rate = -6.0 + 0.004 * t + np.log(0.8) * post + 0.3 * np.sin(2 * np.pi * t / 12)
    df = pd.DataFrame({"t": t, "pop": exposure, "y": rng.poisson(exposure * np.exp(log_rate))})
    for family in ("poisson", "quasipoisson", "negative_binomial"):
        res = its(
            df,
            outcome="y",
            time="t",
            intervention=start,
            offset="pop",
            family=family,
            seasonal=12,
            harmonics=1,
        )
        est, low, high = rr(res)
        assert low < 0.8 < high, family
        assert abs(np.log(est) - np.log(0.8)) < 3 * res.std_error, family
        assert rr(res, "slope_change")[1] < 1 < rr(res, "slope_change")[2], family


# --- bad input -------------------------------------------------------------------------------
def test_bad_family(sicily: pd.DataFrame) -> None:
    with pytest.raises(
        InvalidOptionError,
        match=r"family='poison' is not supported\. Did you mean one of 'poisson'",
    ):
        its(sicily, **SICILY, family="poison")  # type: ignore[arg-type]


def test_offset_needs_a_count_family(sicily: pd.DataFrame) -> None:
    with pytest.raises(InvalidOptionError, match="offset='stdpop' needs a count family"):
        its(sicily, **SICILY)


def test_hac_lags_are_for_the_linear_model(sicily: pd.DataFrame) -> None:
    with pytest.raises(InvalidOptionError, match="hac_lags=2 applies to family='gaussian'"):
        its(sicily, **SICILY, family="poisson", hac_lags=2)


def test_negative_counts_and_exposures(sicily: pd.DataFrame) -> None:
    df = sicily.copy()
    df.loc[3, "aces"] = -1
    with pytest.raises(DataError, match="outcome='aces' holds a negative value"):
        its(df, **SICILY, family="poisson")
    df = sicily.copy()
    df.loc[5, "stdpop"] = 0
    with pytest.raises(DataError, match="offset='stdpop' must be a positive exposure"):
        its(df, **SICILY, family="poisson")


@pytest.mark.parametrize(
    ("options", "match"),
    [
        ({"harmonics": 2}, "harmonics=2 needs the length of the seasonal cycle"),
        ({"harmonics": 2, "seasonal": "month"}, "harmonics=2 needs the length"),
        ({"harmonics": 7, "seasonal": 12}, "harmonics=7 must be a whole number .* 1 to 6"),
        ({"harmonics": 4, "seasonal": 7}, r"harmonics=4 .* from 1 to 3 \(half the cycle of 7\)"),
        ({"harmonics": 0, "seasonal": 12}, "harmonics=0 must be a whole number"),
        ({"harmonics": 1, "seasonal": 40}, "seasonal=40 must be a whole number .* 2 and 29"),
        ({"slope_change": "no"}, "slope_change='no' must be True"),
    ],
)
def test_bad_seasonal_options(sicily: pd.DataFrame, options: dict, match: str) -> None:
    with pytest.raises(InvalidOptionError, match=match):
        its(sicily, **SICILY, family="poisson", **options)


def test_too_many_harmonics_for_the_cycle_names_the_fix(sicily: pd.DataFrame) -> None:
    # 12 months hold at most 6 sine-cosine pairs; the message gives the range and an example
    with pytest.raises(
        InvalidOptionError,
        match=r"harmonics=8 must be a whole number of sine-cosine pairs from 1 to 6 \(half the "
        r"cycle of 12\), e\.g\. harmonics=2 as Bernal et al\. \(2017\)",
    ):
        its(sicily, **SICILY, family="poisson", seasonal=12, harmonics=8)
