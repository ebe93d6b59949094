"""Values shared by the code and calendar modules of :mod:`ebpm.japan`: what counts as missing,
a function applied to each value of a Series (errors name the row), and a scalar as a date."""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import date, datetime
from typing import Any

import numpy as np
import pandas as pd

from ebpm.errors import InvalidCodeError, InvalidDateError


def _is_missing(value: Any) -> bool:
    if value is None or value is pd.NaT or value is pd.NA:
        return True
    return isinstance(value, float) and math.isnan(value)


def _map_series(series: pd.Series, func: Callable[[Any], Any], dtype: str) -> pd.Series:
    """Apply ``func`` to each non-missing value; errors name the row that failed."""
    out = []
    for label, value in series.items():
        if _is_missing(value):
            out.append(pd.NA)
            continue
        try:
            out.append(func(value))
        except (InvalidCodeError, InvalidDateError) as err:
            raise type(err)(f"{err} (at index {label!r})") from err
    return pd.Series(out, index=series.index, name=series.name, dtype=dtype)


def _as_date(value: Any, *, func: str) -> date:
    """A scalar date-like value as a ``datetime.date`` (errors say what ``func`` accepts)."""
    if isinstance(value, pd.Timestamp | datetime):
        if value is pd.NaT:
            raise InvalidDateError(f"{func} got a missing date (NaT); drop or fill it first")
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, np.datetime64):
        if np.isnat(value):
            raise InvalidDateError(f"{func} got a missing date (NaT); drop or fill it first")
        return pd.Timestamp(value).date()
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip()[:10])
        except ValueError as err:
            raise InvalidDateError(
                f"{func} cannot read {value!r} as a date; use ISO form '2024-04-01', a "
                "datetime.date or a pandas.Timestamp"
            ) from err
    raise InvalidDateError(
        f"{func} needs a date (datetime.date, pandas.Timestamp or '2024-04-01'), got {value!r} "
        f"({type(value).__name__})"
    )
