"""event_study: covariates, observation weights and dates in the time column."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from ebpm import event_study
from ebpm.catalog import open_catalog
from ebpm.errors import CollinearityWarning, DataError, NoPrePeriodError
from tests.conftest import ROOT

MPDTA_ROLES = {"outcome": "lemp", "unit": "countyreal", "time": "year", "cohort": "first_treat"}


@pytest.fixture(scope="module")
def mpdta() -> pd.DataFrame:
    data = open_catalog(ROOT / "catalogs").load("studies.mpdta")
    # lpop is fixed within a county; its interaction with a trend varies over time
    return data.assign(lpop_trend=data["lpop"] * (data["year"] - 2003), pop=np.exp(data["lpop"]))


def _quiet(**kwargs: object) -> object:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return event_study(**kwargs)  # type: ignore[arg-type]


def test_covariates_and_weights_match_pyfixest_on_mpdta(mpdta: pd.DataFrame) -> None:
    """Reference implementation: pyfixest's ``i()`` event study with the same covariate and
    weights, called directly (fixest's ``y ~ i(rel, ref = -1) + x | unit + year``)."""
    import pyfixest as pf

    res = _quiet(data=mpdta, **MPDTA_ROLES, covariates=["lpop_trend"], weights="pop", ref_period=-1)
    work = mpdta.assign(
        rel=np.where(mpdta["first_treat"] > 0, mpdta["year"] - mpdta["first_treat"], -1)
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = pf.feols(
            "lemp ~ i(rel, ref=-1) + lpop_trend | countyreal + year",
            data=work,
            weights="pop",
            vcov={"CRV1": "countyreal"},
        )
    ref = fit.tidy()
    table = res.tidy().dropna(subset=["event_time"])
    for k, est, se in zip(table["event_time"], table["estimate"], table["std_error"], strict=True):
        name = f"rel::{int(k)}"
        assert est == pytest.approx(ref.loc[name, "Estimate"], abs=1e-10)
        assert se == pytest.approx(ref.loc[name, "Std. Error"], abs=1e-10)
    assert res.design["covariates"] == ["lpop_trend"]
    assert res.design["weights"] == "pop"
    assert "+ lpop_trend" in res.diagnostics["formula"]


def test_sun_abraham_takes_covariates_and_weights(mpdta: pd.DataFrame) -> None:
    plain = _quiet(data=mpdta, **MPDTA_ROLES, estimator="sun_abraham")
    ones = _quiet(data=mpdta.assign(one=1.0), **MPDTA_ROLES, estimator="sun_abraham", weights="one")
    assert ones.tidy()["estimate"].to_numpy() == pytest.approx(plain.tidy()["estimate"], abs=1e-10)
    controlled = _quiet(
        data=mpdta, **MPDTA_ROLES, estimator="sun_abraham", covariates=["lpop_trend"]
    )
    assert not np.allclose(controlled.tidy()["estimate"], plain.tidy()["estimate"])


def _simulated(seed: int = 0) -> pd.DataFrame:
    """Units adopt in period 5 or 7 (a third never); the effect is 1 + 0.5 * event time from
    adoption on; a covariate correlated with adoption enters with coefficient 2."""
    rng = np.random.default_rng(seed)
    n_units, n_periods = 150, 10
    unit = np.repeat(np.arange(n_units), n_periods)
    period = np.tile(np.arange(1, n_periods + 1), n_units)
    cohort = np.array([0, 5, 7])[np.arange(n_units) % 3][unit]
    rel = np.where(cohort > 0, period - cohort, -99)
    effect = np.where(rel >= 0, 1 + 0.5 * rel, 0.0)
    x = rng.normal(0, 1, unit.size) + 0.3 * (cohort > 0) * period
    y = (
        rng.normal(0, 2, n_units)[unit]
        + 0.2 * period
        + effect
        + 2 * x
        + rng.normal(0, 0.5, unit.size)
    )
    return pd.DataFrame({"unit": unit, "period": period, "cohort": cohort, "x": x, "y": y})


def test_covariate_recovers_known_dynamic_effects() -> None:
    panel = _simulated()
    roles = {"outcome": "y", "unit": "unit", "time": "period", "cohort": "cohort"}
    res = _quiet(data=panel, **roles, covariates=["x"])
    table = res.tidy().dropna(subset=["event_time"]).set_index("event_time")
    for k in (0, 1, 2):
        assert table.loc[k, "estimate"] == pytest.approx(1 + 0.5 * k, abs=0.15)
    assert table.loc[-3, "estimate"] == pytest.approx(0, abs=0.15)
    # without the covariate the trend in x biases every post-period coefficient
    biased = _quiet(data=panel, **roles).tidy().set_index("term")
    assert abs(biased.loc["t+2", "estimate"] - 2.0) > 0.5


def test_time_invariant_covariate_is_dropped_with_a_warning(mpdta: pd.DataFrame) -> None:
    with pytest.warns(CollinearityWarning, match=r"covariate 'lpop' was dropped"):
        res = event_study(mpdta, **MPDTA_ROLES, covariates=["lpop"])
    plain = _quiet(data=mpdta, **MPDTA_ROLES)
    assert res.estimate == pytest.approx(plain.estimate, abs=1e-10)


def test_negative_weights_are_refused(mpdta: pd.DataFrame) -> None:
    with pytest.raises(DataError, match=r"weights='w' must be non-negative"):
        _quiet(data=mpdta.assign(w=mpdta["lemp"] - 5), **MPDTA_ROLES, weights="w")
    zero = mpdta.assign(w=np.where(mpdta.index == 0, 0.0, 1.0))
    with pytest.raises(DataError, match=r"weights='w' is 0 in 1 row\(s\)"):
        _quiet(data=zero, **MPDTA_ROLES, weights="w")


def test_dates_give_the_same_event_study_as_period_numbers(mpdta: pd.DataFrame) -> None:
    dated = mpdta.assign(
        date=pd.to_datetime(mpdta["year"].astype(str) + "-07-01"),
        start=pd.to_datetime(
            mpdta["first_treat"].where(mpdta["first_treat"] > 0).astype("Int64").astype(str)
            + "-01-01",
            errors="coerce",
        ),
    )
    roles = {"outcome": "lemp", "unit": "countyreal"}
    a = _quiet(data=dated, **roles, time="date", cohort="start")
    b = _quiet(data=mpdta, **MPDTA_ROLES)
    assert a.tidy()["estimate"].to_numpy() == pytest.approx(b.tidy()["estimate"], abs=1e-12)
    assert list(a.tidy()["term"]) == list(b.tidy()["term"])
    periods = dated.assign(
        quarter=dated["date"].dt.to_period("Y"), q0=dated["start"].dt.to_period("Y")
    )
    c = _quiet(data=periods, **roles, time="quarter", cohort="q0")
    assert c.estimate == pytest.approx(b.estimate, abs=1e-12)


def test_dates_with_a_numeric_cohort_are_refused_naming_the_time_column(
    mpdta: pd.DataFrame,
) -> None:
    dated = mpdta.assign(date=pd.to_datetime(mpdta["year"].astype(str) + "-01-01"))
    with pytest.raises(DataError, match=r"time='date' holds dates .* cohort='first_treat' holds"):
        event_study(dated, outcome="lemp", unit="countyreal", time="date", cohort="first_treat")


def test_a_cohort_date_before_the_panel_is_refused(mpdta: pd.DataFrame) -> None:
    dated = mpdta.assign(
        date=pd.to_datetime(mpdta["year"].astype(str) + "-01-01"),
        start=pd.Timestamp("1999-01-01"),
    )
    with pytest.raises(NoPrePeriodError, match=r"cohort='start' holds 1999-01-01.*before the"):
        event_study(dated, outcome="lemp", unit="countyreal", time="date", cohort="start")
