"""Predictors of synthetic control: which column over which periods, V given, V's loss periods.

The input side of the nested Abadie-Diamond-Hainmueller problem for
:func:`ebpm.estimators.synth.synthetic_control`: a predictor is a column averaged over the
pre-period or over periods of its own (``("cigsale", 1975)``, ``("beer", range(1984, 1989))``),
so the 2010 and 2015 specifications can be written as the papers state them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ebpm.errors import DataError
from ebpm.estimators._common import check_numeric
from ebpm.estimators._synth_input import py_value

__all__ = [
    "PredictorSpec",
    "Predictors",
    "check_v_options",
    "parse_predictors",
    "parse_v",
    "predictor_values",
    "validation_index",
]

#: One predictor: a column (averaged over the pre-period) or (column, period or periods).
PredictorSpec = str | tuple[str, Any]

_FORM = (
    "a column name (its pre-period mean) or a pair (column, periods), e.g. ('cigsale', 1975) "
    "or ('beer', range(1984, 1989))"
)


@dataclass(frozen=True)
class Predictors:
    """Parsed predictors: a label, a column and the periods (None: the pre-period) for each."""

    labels: list[str]
    columns: list[str]
    periods: list[list[Any] | None]


def _periods_text(periods: list[Any]) -> str:
    values = [py_value(p) for p in periods]
    ints = all(isinstance(p, int | float) and float(p).is_integer() for p in values)
    if len(values) > 2 and ints and np.all(np.diff([float(p) for p in values]) == 1):
        return f"{int(values[0])}-{int(values[-1])}"
    return ", ".join(str(int(p)) if ints else str(p) for p in values)


def parse_predictors(predictors: Sequence[PredictorSpec] | None, *, role: str) -> Predictors:
    """Labels, columns and periods of ``predictors``; the message shows the accepted forms."""
    labels: list[str] = []
    columns: list[str] = []
    periods: list[list[Any] | None] = []
    if isinstance(predictors, str):
        predictors = [predictors]
    for item in predictors or []:
        if isinstance(item, str):
            labels.append(item)
            columns.append(item)
            periods.append(None)
            continue
        if not (isinstance(item, tuple | list) and len(item) == 2 and isinstance(item[0], str)):
            raise DataError(f"{role} item {item!r} is not a predictor: give {_FORM}")
        col, when = item
        many = isinstance(when, list | tuple | range | np.ndarray | pd.Index | pd.Series)
        chosen = [py_value(p) for p in when] if many else [py_value(when)]
        if not chosen:
            raise DataError(f"{role} item {item!r} has no periods: give {_FORM}")
        labels.append(f"{col} {_periods_text(chosen)}")
        columns.append(col)
        periods.append(chosen)
    seen = {lab for lab in labels if labels.count(lab) > 1}
    if seen:
        raise DataError(f"{role} names {sorted(seen)} twice; give each column and window once")
    return Predictors(labels=labels, columns=columns, periods=periods)


def predictor_values(
    data: pd.DataFrame,
    spec: Predictors,
    *,
    units: list[Any],
    pre_times: pd.Index,
    all_times: pd.Index,
    unit: str,
    time: str,
    role: str,
) -> pd.DataFrame:
    """Each predictor's mean over its periods by unit (K x units, in ``units`` order).

    Missing values inside a window are skipped, as Synth's ``mean(na.rm = TRUE)`` does; a unit
    with no value at all in a window is an error naming the predictor and the units.
    """
    rows = {}
    for label, col, when in zip(spec.labels, spec.columns, spec.periods, strict=True):
        if when is None:
            periods = list(pre_times)
        else:
            absent = [p for p in when if not all_times.isin([p]).any()]
            if absent:
                raise DataError(
                    f"{role} {label!r}: period(s) {absent} are not values of {time}={time!r} "
                    f"(it runs {py_value(all_times[0])!r} to {py_value(all_times[-1])!r}); "
                    "choose periods in the data"
                )
            periods = when
        sub = data[data[time].isin(periods)]
        vals = check_numeric(sub, col, role=role)
        vals = vals.where(np.isfinite(vals))  # inf is missing, as in every estimator
        rows[label] = vals.groupby(sub[unit].to_numpy()).mean().reindex(units)
    table = pd.DataFrame(rows, index=pd.Index(units)).T
    if table.isna().to_numpy().any():
        bad = {
            lab: [py_value(u) for u in table.columns[table.loc[lab].isna()]][:5]
            for lab in table.index[table.isna().any(axis=1)]
        }
        raise DataError(
            f"{role} have no value in their periods for some units: {bad}. Fill them, drop "
            "those units, or choose periods with data"
        )
    return table


def standardise(table: pd.DataFrame) -> np.ndarray:
    """Predictors divided by their standard deviation over all units, as Synth does."""
    sd = table.std(axis=1, ddof=1).replace(0, 1.0)
    centred = table.sub(table.mean(axis=1), axis=0)
    return centred.div(sd, axis=0).to_numpy(float)


def parse_v(v: Sequence[float] | Mapping[str, float], labels: list[str]) -> np.ndarray:
    """User-given V as weights summing to one, in the order of ``labels``."""
    if isinstance(v, Mapping):
        unknown = [k for k in v if k not in labels]
        missing = [lab for lab in labels if lab not in v]
        if unknown or missing:
            raise DataError(
                f"v has keys {unknown} that are not predictors and lacks {missing}; its keys "
                f"must be the predictor labels {labels}"
            )
        values = [v[lab] for lab in labels]
    else:
        values = list(v)
        if len(values) != len(labels):
            raise DataError(
                f"v has {len(values)} weight(s) for {len(labels)} predictor(s) {labels}; give "
                "one weight per predictor, in their order"
            )
    arr = np.asarray(values, dtype=float)
    if not np.isfinite(arr).all() or (arr < 0).any() or arr.sum() <= 0:
        raise DataError(
            f"v={[py_value(x) for x in values]!r} must be non-negative finite weights with a "
            "positive sum (they are scaled to sum to one)"
        )
    return arr / arr.sum()


def validation_index(periods: Any, times: pd.Index, t0: int, *, time: str) -> list[int]:
    """Positions of the V-loss periods among the pre-period ``times[:t0]``."""
    many = isinstance(periods, list | tuple | range | np.ndarray | pd.Index | pd.Series)
    chosen = [py_value(p) for p in periods] if many else [py_value(periods)]
    pre = times[:t0]
    out, bad = [], []
    for p in chosen:
        hit = np.flatnonzero(pre.isin([p]))
        if hit.size:
            out.append(int(hit[0]))
        else:
            bad.append(p)
    if bad or not out:
        raise DataError(
            f"validation_periods {bad or chosen} are not pre-treatment values of {time}={time!r} "
            f"({py_value(pre[0])!r} to {py_value(pre[-1])!r}); V is chosen on the fit before "
            "treatment"
        )
    return sorted(set(out))


def check_v_options(
    spec: Predictors,
    training: Predictors,
    *,
    v: Any,
    validation_periods: Any,
    method: str,
) -> None:
    """The predictor options fit together: all need predictors and method='sc'."""
    given = [
        name
        for name, value in (
            ("predictors", spec.labels),
            ("v", v),
            ("training_predictors", training.labels),
            ("validation_periods", validation_periods),
        )
        if value is not None and (not isinstance(value, list) or value)
    ]
    if given and method == "sdid":
        raise DataError(
            f"{', '.join(given)} are only used by method='sc'; synthetic difference-in-"
            "differences weights match the outcome path. Drop them or use method='sc'"
        )
    if not spec.labels and len(given) > 0:
        raise DataError(
            f"{', '.join(given)} need predictors: V weighs predictors. Pass predictors=[...] "
            "as well"
        )
    if v is not None and (training.labels or validation_periods is not None):
        raise DataError(
            "v fixes the predictor weights, so training_predictors and validation_periods, "
            "which choose them, have nothing to do; drop v or drop those"
        )
    if training.labels and len(training.labels) != len(spec.labels):
        raise DataError(
            f"training_predictors has {len(training.labels)} predictor(s) for "
            f"{len(spec.labels)} predictors {spec.labels}; give one training predictor per "
            "predictor, in the same order (V found on the one weighs the other)"
        )
