"""Tests of ebpm's covariate balance table on the Lalonde NSW data (causaldata nsw_mixtape)."""

from __future__ import annotations

import io
from importlib import resources

import numpy as np
import pandas as pd
import pytest

from ebpm.errors import ColumnNotFoundError, DataError, NonNumericError, NoTreatedUnitsError
from ebpm.estimators.balance import BALANCE_COLUMNS, balance

COVARIATES = ["age", "educ", "black", "hisp", "marr", "nodegree", "re74", "re75"]


@pytest.fixture(scope="module")
def nsw() -> pd.DataFrame:
    """The Dehejia-Wahba subsample of the NSW experiment (185 treated, 260 controls)."""
    raw = resources.files("causaldata").joinpath("nsw_mixtape", "nsw_mixtape.dta").read_bytes()
    return pd.read_stata(io.BytesIO(raw))


@pytest.fixture(scope="module")
def table(nsw: pd.DataFrame) -> pd.DataFrame:
    return balance(nsw, treated="treat", covariates=COVARIATES)


def smd_by_hand(x_t: np.ndarray, x_c: np.ndarray, *, binary: bool) -> float:
    """Austin (2009): difference in means over the pooled SD, p(1-p) for a 0/1 covariate."""
    if binary:
        p_t, p_c = x_t.mean(), x_c.mean()
        return (p_t - p_c) / np.sqrt((p_t * (1 - p_t) + p_c * (1 - p_c)) / 2)
    return (x_t.mean() - x_c.mean()) / np.sqrt((x_t.var(ddof=1) + x_c.var(ddof=1)) / 2)


def test_means_match_dehejia_wahba_table_1(table: pd.DataFrame) -> None:
    # Dehejia & Wahba (1999, JASA), Table 1, NSW RE74 subsample: treated / control means.
    published = {
        "age": (25.81, 25.05),
        "educ": (10.35, 10.09),
        "black": (0.84, 0.83),
        "hisp": (0.06, 0.11),
        "nodegree": (0.71, 0.83),
        "marr": (0.19, 0.15),
        "re74": (2096, 2107),
        "re75": (1532, 1267),
    }
    for cov, (mean_t, mean_c) in published.items():
        tol = 0.5 if cov.startswith("re") else 0.01  # as printed (2 decimals)
        assert table.loc[cov, "mean_treated"] == pytest.approx(mean_t, abs=tol), cov
        assert table.loc[cov, "mean_control"] == pytest.approx(mean_c, abs=tol), cov


def test_std_diff_matches_hand_computation(nsw: pd.DataFrame, table: pd.DataFrame) -> None:
    d = nsw["treat"] == 1
    for cov in COVARIATES:
        x = nsw[cov].to_numpy(float)
        binary = cov in {"black", "hisp", "marr", "nodegree"}
        expected = smd_by_hand(x[d], x[~d], binary=binary)
        assert table.loc[cov, "std_diff"] == pytest.approx(expected, rel=1e-6), cov
    # spot values, computed once by hand from the means and SDs
    assert table.loc["nodegree", "std_diff"] == pytest.approx(-0.3047, abs=1e-4)
    assert table.loc["age", "std_diff"] == pytest.approx(0.1073, abs=1e-4)
    assert table.loc["re74", "std_diff"] == pytest.approx(-0.0022, abs=1e-4)


def test_var_ratio_and_flag(nsw: pd.DataFrame, table: pd.DataFrame) -> None:
    d = nsw["treat"] == 1
    educ = nsw["educ"].to_numpy(float)
    assert table.loc["educ", "var_ratio"] == pytest.approx(
        educ[d].var(ddof=1) / educ[~d].var(ddof=1), rel=1e-9
    )
    assert list(table.index[table["imbalanced"]]) == ["age", "educ", "hisp", "nodegree"]
    assert table["imbalanced"].dtype == bool


def test_table_shape(table: pd.DataFrame) -> None:
    assert tuple(table.columns) == BALANCE_COLUMNS
    assert list(table.index) == COVARIATES
    assert table.index.name == "covariate"
    assert table.attrs == {}


def test_weights(nsw: pd.DataFrame, table: pd.DataFrame) -> None:
    unit = balance(nsw.assign(w=1.0), treated="treat", covariates=COVARIATES, weights="w")
    pd.testing.assert_frame_equal(unit, table)
    # weight 2 on the first 50 controls = those rows twice in the weighted means
    w = np.ones(len(nsw))
    w[np.flatnonzero(nsw["treat"] == 0)[:50]] = 2.0
    weighted = balance(nsw.assign(w=w), treated="treat", covariates=["re75"], weights="w")
    doubled = pd.concat([nsw, nsw.loc[nsw["treat"] == 0].iloc[:50]])
    assert weighted.loc["re75", "mean_control"] == pytest.approx(
        doubled.loc[doubled["treat"] == 0, "re75"].mean(), rel=1e-6
    )
    # the denominator stays the unweighted pooled SD
    pooled = (table.loc["re75", "mean_treated"] - table.loc["re75", "mean_control"]) / table.loc[
        "re75", "std_diff"
    ]
    expected = (weighted.loc["re75", "mean_treated"] - weighted.loc["re75", "mean_control"]) / (
        pooled
    )
    assert weighted.loc["re75", "std_diff"] == pytest.approx(expected, rel=1e-9)


def test_invariance_to_order_and_dtype(nsw: pd.DataFrame, table: pd.DataFrame) -> None:
    df = nsw.sample(frac=1, random_state=3).assign(treat=lambda f: f["treat"] == 1)
    df["age"] = df["age"].astype(float)
    pd.testing.assert_frame_equal(balance(df, treated="treat", covariates=COVARIATES), table)


def test_caller_frame_is_not_modified(nsw: pd.DataFrame) -> None:
    before = nsw.copy()
    balance(nsw, treated="treat", covariates=["age"])
    pd.testing.assert_frame_equal(nsw, before)


def test_treated_not_binary(nsw: pd.DataFrame) -> None:
    with pytest.raises(DataError, match=r"treated='age' must be 0/1"):
        balance(nsw, treated="age", covariates=["educ"])


def test_all_treated(nsw: pd.DataFrame) -> None:
    with pytest.raises(NoTreatedUnitsError, match="marks every row as treated"):
        balance(nsw.assign(treat=1), treated="treat", covariates=["educ"])


def test_covariate_non_numeric(nsw: pd.DataFrame) -> None:
    with pytest.raises(NonNumericError, match=r"covariate='data_id' must be numeric"):
        balance(nsw, treated="treat", covariates=["age", "data_id"])


def test_missing_column(nsw: pd.DataFrame) -> None:
    with pytest.raises(ColumnNotFoundError, match="Did you mean 'educ'"):
        balance(nsw, treated="treat", covariates=["edu"])
    with pytest.raises(ColumnNotFoundError, match="treated='treated'"):
        balance(nsw, treated="treated", covariates=["educ"])


def test_no_covariates_and_bad_weights(nsw: pd.DataFrame) -> None:
    with pytest.raises(DataError, match="at least one covariate"):
        balance(nsw, treated="treat", covariates=[])
    with pytest.raises(DataError, match="weights='w' must be non-negative"):
        balance(nsw.assign(w=-1.0), treated="treat", covariates=["age"], weights="w")
