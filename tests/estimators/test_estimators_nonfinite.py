"""Infinite values are missing values in every estimator (issue 16, "Wrong numbers").

An ``inf`` in an outcome, running variable, covariate or weight cannot enter an estimate: each
estimator drops the row with the same :class:`MissingValueWarning` as for a missing value,
naming the rows, and returns what it returns on the data without those rows. Where a missing
value is an error (a synthetic-control outcome, a panel's time column), so is an infinite one.
"""

from __future__ import annotations

import io
import re
import warnings
from collections.abc import Callable
from importlib import resources
from typing import Any

import numpy as np
import pandas as pd
import pytest

import ebpm
from ebpm.catalog import open_catalog
from ebpm.errors import MissingValueError
from ebpm.estimators import MissingValueWarning
from tests.conftest import ROOT

CATALOG = open_catalog(ROOT / "catalogs")


def _organ() -> tuple[pd.DataFrame, dict[str, Any], list[str]]:
    roles = {"outcome": "Rate", "unit": "State", "time": "quarter_num", "treated": "treated"}
    return CATALOG.load("studies.organ_donations"), roles, ["State", "quarter_num"]


def _organ_weighted() -> tuple[pd.DataFrame, dict[str, Any], list[str]]:
    data, roles, label = _organ()
    data = data.assign(w=1.0 + np.arange(len(data)) % 3)
    return data, {**roles, "weights": "w"}, label


def _mpdta(seed: bool) -> tuple[pd.DataFrame, dict[str, Any], list[str]]:
    roles = {"outcome": "lemp", "unit": "countyreal", "time": "year", "cohort": "first_treat"}
    if seed:
        roles.update(n_boot=199, seed=5)
    return CATALOG.load("studies.mpdta"), roles, ["countyreal", "year"]


def _california() -> tuple[pd.DataFrame, dict[str, Any], list[str]]:
    data = CATALOG.load("studies.prop99")
    data = data[data["State"] == "California"]
    return data, {"outcome": "PacksPerCapita", "time": "Year", "intervention": 1989}, ["Year"]


def _senate() -> tuple[pd.DataFrame, dict[str, Any], list[str]]:
    roles = {"outcome": "vote", "running": "margin", "covariates": ["demvoteshlag1"]}
    data = CATALOG.load("studies.senate").dropna(subset=["vote", "margin", "demvoteshlag1"])
    return data, roles, []


def _nsw() -> tuple[pd.DataFrame, dict[str, Any], list[str]]:
    raw = resources.files("causaldata").joinpath("nsw_mixtape", "nsw_mixtape.dta").read_bytes()
    data = pd.read_stata(io.BytesIO(raw)).assign(w=1.0)
    roles = {"treated": "treat", "covariates": ["age", "re74", "re75"], "weights": "w"}
    return data, roles, []


#: (estimator, data maker, the numeric column given an inf and a -inf)
CASES: dict[str, tuple[Callable[..., Any], Callable[[], tuple], str]] = {
    "did-outcome": (ebpm.did, _organ, "Rate"),
    "did-weights": (ebpm.did, _organ_weighted, "w"),
    "event_study-outcome": (ebpm.event_study, lambda: _mpdta(False), "lemp"),
    "staggered_did-outcome": (ebpm.staggered_did, lambda: _mpdta(True), "lemp"),
    "its-outcome": (ebpm.its, _california, "PacksPerCapita"),
    "rdd-running": (ebpm.rdd, _senate, "margin"),
    "rdd-covariate": (ebpm.rdd, _senate, "demvoteshlag1"),
    "balance-covariate": (ebpm.balance, _nsw, "re74"),
    "balance-weights": (ebpm.balance, _nsw, "w"),
}


def _quiet(func: Callable[..., Any], data: pd.DataFrame, kwargs: dict[str, Any]) -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return func(data, **kwargs)


def _where(data: pd.DataFrame, rows: list[Any], label: list[str]) -> str:
    if not label:
        return "rows " + ", ".join(map(str, rows))
    parts = []
    for row in rows:
        values = (data.loc[row, c] for c in label)
        parts.append(
            ", ".join(
                f"{c}={v.item() if hasattr(v, 'item') else v!r}"
                for c, v in zip(label, values, strict=True)
            )
        )
    return "; ".join(parts)


@pytest.mark.parametrize("case", sorted(CASES))
def test_infinite_values_are_dropped_like_missing_ones(case: str) -> None:
    func, make, column = CASES[case]
    data, kwargs, label = make()
    rows = [data.index[3], data.index[10]]
    poisoned = data.copy()
    poisoned.loc[rows[0], column] = np.inf
    poisoned.loc[rows[1], column] = -np.inf
    counts = re.escape(f"({column}: 2 infinite)")
    where = re.escape(_where(data, rows, label))
    with pytest.warns(
        MissingValueWarning,
        match=rf"dropped 2 of {len(data)} rows with missing or infinite values {counts} at {where}",
    ):
        result = func(poisoned, **kwargs)
    expected = _quiet(func, data.drop(index=rows), kwargs)
    if isinstance(expected, pd.DataFrame):
        pd.testing.assert_frame_equal(result, expected, rtol=1e-12)
    else:
        assert result.estimate == pytest.approx(expected.estimate, rel=1e-12)
        assert result.std_error == pytest.approx(expected.std_error, rel=1e-9)
        assert result.n_obs == expected.n_obs


def test_synthetic_control_refuses_an_infinite_outcome_like_a_missing_one() -> None:
    # Prop 99 with one inf gave an ATT of -41.7 instead of -19.6; a missing outcome is an error.
    prop99 = CATALOG.load("studies.prop99")
    data = prop99.assign(PacksPerCapita=prop99["PacksPerCapita"].where(prop99.index != 4, np.inf))
    with pytest.raises(
        MissingValueError,
        match=r"outcome='PacksPerCapita' has 1 missing or infinite value\(s\) \(first at row 4\)",
    ):
        ebpm.synthetic_control(
            data,
            outcome="PacksPerCapita",
            unit="State",
            time="Year",
            treated_unit="California",
            treatment_time=1989,
        )


@pytest.mark.parametrize("func", [ebpm.staggered_did, ebpm.event_study])
def test_an_infinite_period_is_refused_like_a_missing_one(func: Callable[..., Any]) -> None:
    data, kwargs, _ = _mpdta(func is ebpm.staggered_did)
    data = data.astype({"year": "float64"})
    data.loc[data.index[7], "year"] = np.inf
    with pytest.raises(
        MissingValueError, match=r"time='year' has 1 missing or infinite value\(s\)"
    ):
        func(data, **kwargs)


@pytest.mark.parametrize("func", [ebpm.staggered_did, ebpm.event_study])
def test_an_infinite_cohort_means_never_treated_like_a_missing_one(
    func: Callable[..., Any],
) -> None:
    # 0 or missing marks a never-treated unit; inf (fixest's sunab convention) does too.
    data, kwargs, _ = _mpdta(func is ebpm.staggered_did)
    data = data.astype({"first_treat": "float64"})
    inf = data.assign(first_treat=data["first_treat"].replace(0.0, np.inf))
    result, expected = _quiet(func, inf, kwargs), _quiet(func, data, kwargs)
    assert result.estimate == pytest.approx(expected.estimate, rel=1e-12)
    assert result.design["n_units"] == expected.design["n_units"]
