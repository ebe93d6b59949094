"""Input checks shared by synthetic control and synthetic DiD: the panel, the treated unit,
the pre-period and the outcome as a units x periods matrix."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ebpm.errors import DataError, NoPrePeriodError
from ebpm.estimators._common import (
    check_columns,
    check_complete,
    check_numeric,
    check_unique_panel,
)

__all__ = ["pre_mask", "py_value", "validate_panel", "wide_outcome"]


# --- input handling --------------------------------------------------------------------------
def py_value(value: Any) -> Any:
    """A numpy scalar as the plain Python value (for messages and JSON)."""
    return value.item() if isinstance(value, np.generic) else value


def pre_mask(times: pd.Index, treatment_time: Any, time: str) -> np.ndarray:
    first, last = py_value(times[0]), py_value(times[-1])
    second = py_value(times[1]) if len(times) > 1 else first
    values = times
    tt = treatment_time
    try:
        if isinstance(values.dtype, pd.DatetimeTZDtype) or pd.api.types.is_datetime64_dtype(
            values.dtype
        ):
            tt = pd.Timestamp(treatment_time)
            tz = getattr(values, "tz", None)
            if tz is not None and tt.tzinfo is None:
                tt = tt.tz_localize(tz)
        elif isinstance(values.dtype, pd.PeriodDtype):
            tt = pd.Period(treatment_time, freq=values.dtype.freq)
        elif not pd.api.types.is_numeric_dtype(values.dtype):
            tt = str(treatment_time)
            values = values.astype(str)
        pre = np.asarray(values < tt, dtype=bool)
    except (TypeError, ValueError) as err:
        raise DataError(
            f"treatment_time={treatment_time!r} cannot be compared with {time}={time!r} values "
            f"such as {first!r}; pass it in the same type"
        ) from err
    if not pre.any():
        raise NoPrePeriodError(
            f"treatment_time={treatment_time!r} leaves no period before treatment: {time} starts "
            f"at {first!r}. Synthetic control fits weights on pre-treatment periods; choose a "
            f"treatment_time after {first!r}"
        )
    if pre.all():
        raise NoPrePeriodError(
            f"treatment_time={treatment_time!r} is after the last period {last!r} of "
            f"{time}: there is no post-treatment period to estimate an effect on. Choose a "
            f"treatment_time between {second!r} and "
            f"{last!r}"
        )
    if pre.sum() < 2:
        raise NoPrePeriodError(
            f"treatment_time={treatment_time!r} leaves one pre-treatment period ({first!r}); "
            "synthetic control needs at least two to fit donor weights"
        )
    return pre


def wide_outcome(
    frame: pd.DataFrame, *, outcome: str, unit: str, time: str, values: pd.Series
) -> pd.DataFrame:
    wide = (
        pd.DataFrame({"u": frame[unit].to_numpy(), "t": frame[time].to_numpy(), "y": values})
        .pivot(index="u", columns="t", values="y")
        .sort_index(axis=0)
        .sort_index(axis=1)
    )
    missing = wide.isna()
    if missing.to_numpy().any():
        pairs = missing.stack()
        pairs = pairs[pairs].index.tolist()
        shown = ", ".join(f"({py_value(u)!r}, {py_value(t)!r})" for u, t in pairs[:5])
        raise DataError(
            f"the panel is unbalanced: {len(pairs)} {unit}-{time} pair(s) have no row, e.g. "
            f"{shown}{' ...' if len(pairs) > 5 else ''}. Synthetic control needs every unit in "
            "every period: fill the gaps or drop those units or periods"
        )
    return wide


def validate_panel(
    data: pd.DataFrame, *, outcome: str, unit: str, time: str, predictors: list[str]
) -> pd.Series:
    """Check the columns and the panel's keys; return the outcome as numbers."""
    check_columns(data, {"outcome": outcome, "unit": unit, "time": time, "predictors": predictors})
    for col, role in ((unit, "unit"), (time, "time")):
        check_complete(data, col, role=role)
    y_values = check_numeric(data, outcome, role="outcome")
    check_complete(data.assign(**{outcome: y_values}), outcome, role="outcome")
    check_unique_panel(data, unit=unit, time=time)
    return y_values
