"""Several specifications side by side: estimates, N, inference and diagnostics."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from numbers import Real
from typing import Any

import pandas as pd

from ebpm.errors import DataError
from ebpm.results import EstimateResult

__all__ = ["compare"]

#: Scalar diagnostics shown when any result has them, with their row labels.
DIAGNOSTIC_ROWS = {
    "r2": "R²",
    "r2_within": "R² within",
    "pre_rmspe": "pre-period RMSPE",
    "p_value": "placebo p-value",
    "n_treated_obs": "treated observations",
}


def _named(results: Any, names: Sequence[str] | None) -> dict[str, EstimateResult]:
    if isinstance(results, EstimateResult):
        results = [results]
    if isinstance(results, Mapping):
        items = [(str(k), v) for k, v in results.items()]
    else:
        results = list(results)
        labels = (
            list(names) if names is not None else [f"({i})" for i in range(1, len(results) + 1)]
        )
        if len(labels) != len(results):
            raise DataError(f"names has {len(labels)} labels for {len(results)} results")
        items = list(zip(labels, results, strict=True))
    if not items:
        raise DataError("compare() needs at least one result")
    for label, r in items:
        if not isinstance(r, EstimateResult):
            raise DataError(
                f"compare() takes EstimateResult objects; {label!r} is a {type(r).__name__}"
            )
    if len({label for label, _ in items}) != len(items):
        raise DataError("result names must be unique; pass names=[...] or a dict")
    return dict(items)


def compare(
    results: Sequence[EstimateResult] | Mapping[str, EstimateResult] | EstimateResult,
    *,
    names: Sequence[str] | None = None,
    terms: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Put results side by side, one column per result.

    Parameters
    ----------
    results : EstimateResult, or a sequence or mapping of them
        The specifications; a mapping's keys become column names.
    names : sequence of str, optional
        Column names for a sequence of results (default ``(1)``, ``(2)``, ...).
    terms : sequence of str, optional
        Terms to show, in order (default: every term, in order of first appearance).

    Returns
    -------
    pandas.DataFrame
        Rows indexed by ``(section, label)``: for each term its ``estimate``, ``std_error``,
        ``conf_low``, ``conf_high`` (section = the term); then section ``"fit"``: estimand,
        method, observations, inference, confidence level and the scalar diagnostics any result
        has (R², pre-period RMSPE, placebo p-value, ...). Cells hold numbers or text; a blank is
        NaN. :func:`ebpm.report.etable` formats it for reports.
    """
    named = _named(results, names)
    if terms is None:
        terms = list(dict.fromkeys(t for r in named.values() for t in r.table["term"]))
    rows: dict[tuple[str, str], dict[str, Any]] = {}
    for term in terms:
        for stat in ("estimate", "std_error", "conf_low", "conf_high"):
            rows[(term, stat)] = {}
    fit_labels = ["estimand", "method", "observations", "inference", "confidence level"]
    for label in fit_labels:
        rows[("fit", label)] = {}
    diag_keys = [
        k
        for k in DIAGNOSTIC_ROWS
        if any(isinstance(r.diagnostics.get(k), Real) for r in named.values())
    ]
    for key in diag_keys:
        rows[("fit", DIAGNOSTIC_ROWS[key])] = {}
    for col, r in named.items():
        table = r.table.set_index("term")
        for term in terms:
            if term in table.index:
                for stat in ("estimate", "std_error", "conf_low", "conf_high"):
                    rows[(term, stat)][col] = float(table.at[term, stat])
        rows[("fit", "estimand")][col] = r.estimand
        rows[("fit", "method")][col] = r.title
        rows[("fit", "observations")][col] = r.n_obs
        rows[("fit", "inference")][col] = r.inference
        rows[("fit", "confidence level")][col] = r.conf_level
        for key in diag_keys:
            value = r.diagnostics.get(key)
            if isinstance(value, Real) and not (isinstance(value, float) and math.isnan(value)):
                rows[("fit", DIAGNOSTIC_ROWS[key])][col] = value
    frame = pd.DataFrame.from_dict(rows, orient="index", columns=list(named)).astype(object)
    frame.index = pd.MultiIndex.from_tuples(frame.index, names=["section", "label"])
    return frame
