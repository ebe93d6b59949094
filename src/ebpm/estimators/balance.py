"""Covariate balance: standardized mean differences and variance ratios by treatment group."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from ebpm.errors import DataError, NoTreatedUnitsError
from ebpm.estimators._common import check_columns, check_numeric, drop_missing, require_frame

__all__ = ["BALANCE_COLUMNS", "IMBALANCE_THRESHOLD", "balance"]

#: Columns of the table :func:`balance` returns, in this order.
BALANCE_COLUMNS = ("mean_treated", "mean_control", "std_diff", "var_ratio", "imbalanced")

#: |standardized difference| above this flags a covariate as imbalanced (Austin 2009).
IMBALANCE_THRESHOLD = 0.1


def _is_binary(x: np.ndarray) -> bool:
    return bool(np.isin(x, (0.0, 1.0)).all())


def _wmean(x: np.ndarray, w: np.ndarray) -> float:
    return float(np.sum(w * x) / np.sum(w))


def _wvar(x: np.ndarray, w: np.ndarray) -> float:
    """Weighted variance with the reliability-weights correction (ddof=1 when all w are 1)."""
    v1, v2 = np.sum(w), np.sum(w**2)
    denom = v1 - v2 / v1
    if denom <= 0:
        return float("nan")
    return float(np.sum(w * (x - _wmean(x, w)) ** 2) / denom)


def _group_var(x: np.ndarray, w: np.ndarray, binary: bool) -> float:
    if binary:
        p = _wmean(x, w)
        return p * (1 - p)
    return _wvar(x, w)


def balance(
    data: pd.DataFrame,
    *,
    treated: str,
    covariates: Sequence[str],
    weights: str | None = None,
) -> pd.DataFrame:
    """Covariate balance between treated and control units: a descriptive table.

    Parameters
    ----------
    data : pandas.DataFrame
        One row per unit. Not modified.
    treated : str
        0/1 (or boolean) column: 1 for treated units.
    covariates : sequence of str
        Numeric (or boolean) columns to compare.
    weights : str, optional
        Column of non-negative weights (e.g. inverse-probability or matching weights). Means
        and variances in the table are then weighted; the standardized difference keeps the
        *unweighted* pooled standard deviation in its denominator, so that weighting changes
        only the numerator and before/after tables are comparable (Stuart 2010; the default of
        R's cobalt).

    Returns
    -------
    pandas.DataFrame
        Indexed by covariate (index name ``"covariate"``), with columns ``mean_treated``,
        ``mean_control``, ``std_diff``, ``var_ratio`` and ``imbalanced``:

        - ``std_diff`` = (mean_treated - mean_control) / sqrt((s²_treated + s²_control) / 2),
          the standardized mean difference with pooled SD (Austin 2009). For a 0/1
          covariate the group variances are p(1 - p); otherwise sample variances (ddof=1);
        - ``var_ratio`` = s²_treated / s²_control (ideal 1; Rubin 2001 suggests 0.5 to 2);
        - ``imbalanced`` = |std_diff| > 0.1.

        A plain frame: no ``attrs``. The numbers of treated and control rows are not columns;
        count them with ``data[treated].value_counts()``.

    Raises
    ------
    ColumnNotFoundError
        A column named in a role is missing (the message suggests a close match).
    DataError
        ``treated`` is not 0/1, ``covariates`` is empty, or ``weights`` are negative or sum to
        zero in a group.
    NoTreatedUnitsError
        Every row is treated, or none is.
    NonNumericError
        A covariate is not numeric.

    Notes
    -----
    Balance describes the data; it estimates nothing. Good balance on observed covariates is
    necessary for, but no evidence of, balance on unobserved ones. Unlike a t-test, the
    standardized difference does not grow with the sample size.

    References
    ----------
    Austin, P. C. (2009). Balance diagnostics for comparing the distribution of baseline
    covariates between treatment groups in propensity-score matched samples. Statistics in
    Medicine 28(25), 3083-3107.
    Stuart, E. A. (2010). Matching methods for causal inference: a review and a look forward.
    Statistical Science 25(1), 1-21.
    """
    data = require_frame(data, func="balance")
    if isinstance(covariates, str):
        covariates = [covariates]
    covariates = list(covariates or [])
    if not covariates:
        raise DataError("balance() needs at least one covariate, e.g. covariates=['age', 'educ']")
    check_columns(data, {"treated": treated, "covariates": covariates, "weights": weights})
    used = [treated, *covariates] + ([weights] if weights else [])
    frame = drop_missing(data, used, func="balance")

    d = _treatment(frame, treated)
    w = _weights(frame, weights, d)
    rows = {
        col: _row(check_numeric(frame, col, role="covariate").to_numpy(), d, w)
        for col in covariates
    }
    table = pd.DataFrame.from_dict(rows, orient="index", columns=list(BALANCE_COLUMNS))
    table.index.name = "covariate"
    table["imbalanced"] = table["imbalanced"].astype(bool)
    table.attrs = {}
    return table


# --- steps: validate, prepare, compute -------------------------------------------------------
def _treatment(frame: pd.DataFrame, treated: str) -> np.ndarray:
    """The treated rows as a boolean mask, once the column is 0/1 and both groups exist."""
    values = set(pd.unique(frame[treated]))
    if not (values <= {0, 1} or values <= {True, False}):
        shown = sorted(map(str, values))[:6]
        raise DataError(
            f"treated={treated!r} must be 0/1 (or True/False) marking treated units; it holds "
            f"{shown}. Build it, e.g. df['treated'] = (df['group'] == 'program').astype(int)"
        )
    d = frame[treated].astype("float64").to_numpy() == 1
    if d.all() or not d.any():
        state = "every" if d.all() else "no"
        raise NoTreatedUnitsError(
            f"treated={treated!r} marks {state} row as treated; a balance table needs both "
            "treated and control units"
        )
    return d


def _weights(frame: pd.DataFrame, weights: str | None, d: np.ndarray) -> np.ndarray:
    """The weights (ones without a column), non-negative and summing above zero in each group."""
    if not weights:
        return np.ones(len(frame))
    w = check_numeric(frame, weights, role="weights").to_numpy()
    if (w < 0).any():
        raise DataError(f"weights={weights!r} must be non-negative; found {w.min()!r}")
    for name, side in (("treated", d), ("control", ~d)):
        if w[side].sum() <= 0:
            raise DataError(f"weights={weights!r} sum to zero in the {name} group")
    return w


def _row(x: np.ndarray, d: np.ndarray, w: np.ndarray) -> dict[str, object]:
    """One covariate's weighted means, standardized difference and variance ratio."""
    binary = _is_binary(x)
    xt, xc, wt, wc = x[d], x[~d], w[d], w[~d]
    one_t, one_c = np.ones(len(xt)), np.ones(len(xc))
    pooled = np.sqrt((_group_var(xt, one_t, binary) + _group_var(xc, one_c, binary)) / 2)
    mt, mc = _wmean(xt, wt), _wmean(xc, wc)
    diff = mt - mc
    std_diff = diff / pooled if pooled > 0 else (0.0 if diff == 0 else np.inf * np.sign(diff))
    vt, vc = _group_var(xt, wt, binary), _group_var(xc, wc, binary)
    var_ratio = vt / vc if vc > 0 else (1.0 if vt == 0 else np.inf)
    return {
        "mean_treated": mt,
        "mean_control": mc,
        "std_diff": float(std_diff),
        "var_ratio": float(var_ratio),
        "imbalanced": bool(abs(std_diff) > IMBALANCE_THRESHOLD),
    }
