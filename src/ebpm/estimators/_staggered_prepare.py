"""staggered_did's option checks and period handling: dates as periods, weights."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ebpm.errors import DataError, InvalidOptionError, NonNumericError, UnitNotFoundError
from ebpm.estimators._common import check_numeric
from ebpm.estimators._staggered_inference import Inference


def check_options(
    *,
    inference: Inference,
    uniform_bands: bool | None,
    anticipation: Any,
    unit: str | None,
    panel: bool,
    cluster: str | None,
) -> bool:
    """Check the options that depend on each other; return whether bands are uniform."""
    if not isinstance(panel, bool):
        raise InvalidOptionError(
            f"panel={panel!r} must be True (a panel) or False (cross-sections)"
        )
    if unit is None and panel:
        raise InvalidOptionError(
            "unit=None needs panel=False (repeated cross-sections); for a panel name the "
            "column identifying units, e.g. unit='county'"
        )
    if (
        isinstance(anticipation, bool)
        or not isinstance(anticipation, int | np.integer)
        or anticipation < 0
    ):
        raise InvalidOptionError(
            f"anticipation={anticipation!r} must be a whole number of periods >= 0, e.g. 1"
        )
    if uniform_bands is None:
        return inference == "bootstrap"
    if uniform_bands and inference == "analytic":
        raise InvalidOptionError(
            "uniform_bands=True needs the bootstrap's sup-t critical value; use "
            'inference="bootstrap", or uniform_bands=False for pointwise intervals'
        )
    return bool(uniform_bands)


def period_values(
    frame: pd.DataFrame, *, time: str, cohort: str
) -> tuple[pd.Series, pd.Series, dict[float, Any]]:
    """``time`` and ``cohort`` as floats, with labels for periods that are dates.

    Numbers are used as they are. Dates (or pandas Periods) become their rank among the
    distinct dates (1, 2, ...), and ``labels`` maps each rank back to its date.
    """
    col = frame[time]
    dated = isinstance(col.dtype, pd.PeriodDtype) or pd.api.types.is_datetime64_any_dtype(col)
    if not dated:
        return (
            check_numeric(frame, time, role="time"),
            check_numeric(frame, cohort, role="cohort"),
            {},
        )
    dates = np.sort(col.unique())
    rank = pd.Series(np.arange(1, len(dates) + 1, dtype=float), index=pd.Index(dates))
    first = frame[cohort]
    kind = "pandas Periods" if isinstance(col.dtype, pd.PeriodDtype) else "dates"
    if pd.api.types.is_numeric_dtype(first) and not first.fillna(0).astype(bool).any():
        g = pd.Series(0.0, index=frame.index)  # nobody treated: reported below
    elif first.dtype != col.dtype and not (
        pd.api.types.is_datetime64_any_dtype(first) and pd.api.types.is_datetime64_any_dtype(col)
    ):
        raise NonNumericError(
            f"time={time!r} holds {kind} (dtype {col.dtype}), so cohort={cohort!r} must hold "
            f"the first treated {kind[:-1]} of each unit (NaT for never treated), not dtype "
            f"{first.dtype}; e.g. convert both with .dt.year"
        )
    else:
        known = first.dropna()
        outside = sorted(set(known.unique()) - set(dates))
        if outside:
            raise UnitNotFoundError(
                f"cohort={cohort!r} holds first-treated {kind} {[str(v) for v in outside[:3]]} "
                f"that are not periods of time={time!r} (which runs {dates[0]} to "
                f"{dates[-1]}); a cohort must be an observed period, or NaT for never treated"
            )
        g = first.map(rank).astype(float).fillna(0.0)
    labels = {float(i + 1): pd.Timestamp(d) if kind == "dates" else d for i, d in enumerate(dates)}
    return col.map(rank).astype(float), g, labels


def fmt(value: Any) -> str:
    """A period for a term or key: 2004, 2.5, or 2004-07-01 for a date."""
    if isinstance(value, pd.Timestamp):
        return value.strftime("%Y-%m-%d") if value == value.normalize() else value.isoformat()
    if isinstance(value, int | float | np.number):
        return f"{value:g}"
    return str(value)


def back(periods: np.ndarray, labels: dict[float, Any]) -> dict[int, Any]:
    """moderndid's period ranks (1..T) back to the panel's periods."""
    if labels:
        return {i: labels[float(p)] for i, p in enumerate(periods.tolist(), start=1)}
    as_int = all(float(p).is_integer() for p in periods)
    return {i: (int(p) if as_int else p) for i, p in enumerate(periods.tolist(), start=1)}


def unit_weights(frame: pd.DataFrame, weights: str, *, unit: str) -> np.ndarray:
    """Sampling weights: numeric, positive, and (in a panel) constant within a unit."""
    w = check_numeric(frame, weights, role="weights")
    bad = w[~(w > 0)]
    if len(bad):
        raise DataError(
            f"weights={weights!r} must be positive; it holds {bad.iloc[0]:g} (row "
            f"{bad.index[0]!r}). Drop those rows or give them a positive weight"
        )
    varying = w.groupby(frame[unit].to_numpy()).nunique()
    if (varying > 1).any():
        bad_unit = varying.index[varying > 1][0]
        bad_unit = bad_unit.item() if isinstance(bad_unit, np.generic) else bad_unit
        raise DataError(
            f"weights={weights!r} varies within unit {bad_unit!r}; panel sampling weights "
            "must be the unit's, e.g. its first-period weight: "
            f"df[{weights!r}] = df.groupby({unit!r})[{weights!r}].transform('first')"
        )
    return w.to_numpy()
