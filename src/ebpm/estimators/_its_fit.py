"""Fitting engines of :func:`ebpm.estimators.its.its`: OLS with (panel) Newey-West errors, and
Poisson, quasi-Poisson and negative binomial models of counts with an offset.

Each engine takes the design in its final row order and returns the same small record
(coefficients, standard errors, the degrees of freedom of the intervals, the linear predictor
and residuals), so the estimator builds one table and one set of diagnostics whatever the
family. Only this module imports statsmodels for the fit.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd

from ebpm.errors import EstimationError

__all__ = ["COUNT_FAMILIES", "Family", "Fit", "fit_counts", "fit_gaussian", "newey_west_panel"]

#: The outcome models of ``its(family=...)``: a linear model of the outcome, or a log-linear
#: model of counts (Poisson; Poisson with the Pearson dispersion, "quasi-Poisson"; negative
#: binomial NB2).
Family = Literal["gaussian", "poisson", "quasipoisson", "negative_binomial"]

#: The families that model counts on the log scale (their coefficients are log rate ratios).
COUNT_FAMILIES = ("poisson", "quasipoisson", "negative_binomial")


@dataclass(frozen=True)
class Fit:
    """What an engine returns, in the order of the design's columns."""

    params: np.ndarray
    bse: np.ndarray
    df: float | None  # degrees of freedom of t intervals; None for normal intervals
    linear: np.ndarray  # the linear predictor X @ params (without the offset)
    resid: np.ndarray  # residuals (raw for OLS, Pearson for counts)
    extra: dict[str, Any] = field(default_factory=dict)


def newey_west_panel(x: np.ndarray, resid: np.ndarray, groups: np.ndarray, lags: int) -> np.ndarray:
    """Newey-West covariance of OLS coefficients with lags taken within each group.

    Bartlett weights ``1 - l / (lags + 1)``, cross-products only between rows of the same
    group (rows of a group in time order), times ``n / (n - k)``: what Stata's ``newey`` gives
    on ``tsset`` panel data and so what Linden's ``itsa`` reports for several groups. With one
    group it is the single-series Newey-West matrix.
    """
    n, k = x.shape
    xtx_inv = np.linalg.inv(x.T @ x)
    xu = x * resid[:, None]
    omega = xu.T @ xu
    for g in pd.unique(groups):
        block = xu[groups == g]
        for lag in range(1, min(lags, len(block) - 1) + 1):
            gamma = block[lag:].T @ block[:-lag]
            omega += (1 - lag / (lags + 1)) * (gamma + gamma.T)
    return np.asarray(xtx_inv @ omega @ xtx_inv * n / (n - k))


def fit_gaussian(
    y: np.ndarray, design_x: pd.DataFrame, *, hac_lags: int, groups: np.ndarray | None
) -> Fit:
    """OLS with Newey-West errors and t(n - k) intervals; panel Newey-West when ``groups``
    holds more than one series."""
    import statsmodels.api as sm

    if groups is None or len(pd.unique(groups)) == 1:
        fit = sm.OLS(y, design_x).fit(
            cov_type="HAC",
            cov_kwds={"maxlags": hac_lags, "use_correction": True},
            use_t=True,
        )
        return Fit(
            params=fit.params.to_numpy(float),
            bse=fit.bse.to_numpy(float),
            df=float(fit.df_resid),
            linear=fit.fittedvalues.to_numpy(float),
            resid=fit.resid.to_numpy(float),
            extra={"r2": float(fit.rsquared)},
        )
    fit = sm.OLS(y, design_x).fit()
    x = design_x.to_numpy(float)
    vcov = newey_west_panel(x, fit.resid.to_numpy(float), groups, hac_lags)
    return Fit(
        params=fit.params.to_numpy(float),
        bse=np.sqrt(np.diag(vcov)),
        df=float(fit.df_resid),
        linear=fit.fittedvalues.to_numpy(float),
        resid=fit.resid.to_numpy(float),
        extra={"r2": float(fit.rsquared)},
    )


def fit_counts(
    y: np.ndarray, design_x: pd.DataFrame, *, family: str, log_offset: np.ndarray
) -> Fit:
    """A log-linear model of counts with ``log_offset``, normal intervals.

    ``poisson``: model-based standard errors. ``quasipoisson``: the same coefficients, the
    standard errors times the square root of the Pearson dispersion ``X2 / (n - k)`` (R's
    ``family=quasipoisson``, Stata's ``glm ..., scale(x2)``). ``negative_binomial``: NB2 by
    maximum likelihood, the dispersion ``alpha`` estimated with the coefficients (R's
    ``MASS::glm.nb``), model-based standard errors.
    """
    import statsmodels.api as sm

    x = design_x.to_numpy(float)
    try:
        if family == "negative_binomial":
            # Newton's method from the Poisson fit and a moment estimate of alpha: statsmodels'
            # default start diverges on long series of large counts.
            start = sm.GLM(y, x, family=sm.families.Poisson(), offset=log_offset).fit()
            mu0 = np.asarray(start.mu, float)
            alpha0 = max(float(np.mean(((y - mu0) ** 2 - mu0) / mu0**2)), 1e-6)
            model = sm.NegativeBinomial(y, x, offset=log_offset, loglike_method="nb2")
            fit = model.fit(
                start_params=np.r_[np.asarray(start.params, float), alpha0],
                method="newton",
                maxiter=200,
                disp=0,
            )
            if not fit.mle_retvals.get("converged", True) or not np.isfinite(fit.params).all():
                raise EstimationError(
                    "the negative binomial model did not converge; check the counts for "
                    "outliers, or use family='quasipoisson'"
                )
            k = x.shape[1]
            params = np.asarray(fit.params, float)[:k]
            bse = np.asarray(fit.bse, float)[:k]
            alpha = float(np.asarray(fit.params, float)[k])
            linear = x @ params
            mu = np.exp(linear + log_offset)
            resid = (y - mu) / np.sqrt(mu + alpha * mu**2)
            return Fit(params, bse, None, linear, resid, {"alpha": alpha})
        glm = sm.GLM(y, x, family=sm.families.Poisson(), offset=log_offset)
        fit = glm.fit(scale="X2" if family == "quasipoisson" else None)
    except (np.linalg.LinAlgError, ValueError) as err:
        raise EstimationError(
            f"the {family} model could not be fitted ({err}); check the outcome holds counts "
            "and the offset positive exposures"
        ) from err
    params = np.asarray(fit.params, float)
    mu = np.asarray(fit.mu, float)
    pearson = (y - mu) / np.sqrt(mu)
    dispersion = float(np.sum(pearson**2) / fit.df_resid)
    return Fit(
        params=params,
        bse=np.asarray(fit.bse, float),
        df=None,
        linear=x @ params,
        resid=pearson,
        extra={"dispersion": dispersion},
    )
