"""The one module that imports pyfixest and reads the private attributes of its fits.

pyfixest keeps a fit's coefficients, covariance, R² and observation count in private attributes
(``_beta_hat``, ``_vcov``, ``_r2``, ``_N`` ...) with no public accessor for some of them. They are
read here only, each through a small function, so when pyfixest renames one this module changes
and no estimator does (a test walks the estimators and holds it). pyfixest is imported on first
use, so ``import ebpm`` stays fast.
"""

from __future__ import annotations

import contextlib
import warnings
from collections.abc import Iterator
from typing import TYPE_CHECKING, cast

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from pyfixest.estimation import Feols

__all__ = [
    "coef_names",
    "coefficients",
    "collinear_names",
    "demean",
    "feols",
    "n_obs",
    "quiet",
    "r2",
    "r2_within",
    "tidy",
    "vcov",
]


@contextlib.contextmanager
def quiet() -> Iterator[None]:
    """Silence pyfixest's notes (singletons ...) and the deprecation notices from inside it.

    They are not the analyst's to act on; the caller's warning filters are restored on exit.
    """
    with warnings.catch_warnings():
        for category in (UserWarning, FutureWarning, DeprecationWarning):
            warnings.simplefilter("ignore", category)
        yield


def feols(
    fml: str, data: pd.DataFrame, *, vcov: str | dict[str, str], weights: str | None = None
) -> Feols:
    """``pyfixest.feols`` of one formula, quietly; its errors propagate unchanged."""
    import pyfixest as pf

    with quiet():
        return cast("Feols", pf.feols(fml, data=data, vcov=vcov, weights=weights))


def demean(
    x: np.ndarray, flist: np.ndarray, weights: np.ndarray, *, tol: float
) -> tuple[np.ndarray, bool]:
    """Columns of ``x`` with the fixed effects coded in ``flist`` removed (alternating
    projections, pyfixest's ``demean``), and whether it converged."""
    from pyfixest.estimation import demean as _demean

    return _demean(x, flist, weights, tol=tol)


def tidy(fit: Feols, *, conf_level: float) -> pd.DataFrame:
    """The fit's coefficient table in ebpm's tidy columns, the term names in the index order."""
    table = fit.tidy(alpha=1 - conf_level)
    low_col, high_col = table.columns[-2], table.columns[-1]
    return pd.DataFrame(
        {
            "term": list(table.index),
            "estimate": table["Estimate"].to_numpy(float),
            "std_error": table["Std. Error"].to_numpy(float),
            "statistic": table["t value"].to_numpy(float),
            "p_value": table["Pr(>|t|)"].to_numpy(float),
            "conf_low": table[low_col].to_numpy(float),
            "conf_high": table[high_col].to_numpy(float),
        }
    )


def coef_names(fit: Feols) -> list[str]:
    """The names of the estimated coefficients, in the order of :func:`coefficients`."""
    return [str(c) for c in fit._coefnames]


def coefficients(fit: Feols) -> np.ndarray:
    """The estimated coefficients."""
    return np.asarray(fit._beta_hat, dtype=float)


def vcov(fit: Feols) -> np.ndarray:
    """The covariance matrix of :func:`coefficients`, with the fit's small-sample correction."""
    return np.asarray(fit._vcov, dtype=float)


def n_obs(fit: Feols) -> int:
    """Observations used (after pyfixest drops singletons and missing rows)."""
    return int(fit._N)


def r2(fit: Feols) -> float:
    """R² of the full model, fixed effects included."""
    return float(fit._r2)


def r2_within(fit: Feols) -> float:
    """Within R² (after the fixed effects); NaN when pyfixest has none."""
    return float(getattr(fit, "_r2_within", np.nan))


def collinear_names(fit: Feols) -> list[str]:
    """Regressors pyfixest dropped as collinear, in its order; empty when none."""
    return list(getattr(fit, "_collin_vars", None) or [])
