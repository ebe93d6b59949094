"""Event-study inputs: whole periods, the binning window, dates as periods, covariates and
weights. Kept apart from :mod:`ebpm.estimators.event_study` so that module stays one design's
steps; nothing here fits anything."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from ebpm.errors import DataError, InvalidOptionError, NoPrePeriodError
from ebpm.estimators._common import check_numeric, check_weights

__all__ = ["add_controls", "check_window", "integer_valued", "is_dates", "periods_from_dates"]


def integer_valued(values: pd.Series, *, role: str, column: str) -> pd.Series:
    finite = values.dropna()
    frac = (finite - np.round(finite)).abs()
    if (frac > 1e-9).any():
        bad = finite[frac > 1e-9].iloc[0]
        raise DataError(
            f"{role}={column!r} must hold whole periods (years, quarter numbers ...) so that event "
            f"time is a whole number of periods; it holds {bad!r}. Number the periods 1, 2, 3 ..."
        )
    return values


def check_window(window: Any) -> tuple[int, int] | None:
    if window is None:
        return None
    ok = (
        isinstance(window, Sequence)
        and not isinstance(window, str)
        and len(window) == 2
        and all(
            isinstance(v, int | np.integer) and not isinstance(v, bool | np.bool_) for v in window
        )
    )
    if not ok or not window[0] < 0 <= window[1]:
        raise InvalidOptionError(
            f"window={window!r} is malformed; give two whole numbers (lo, hi) with lo < 0 <= hi, "
            "the first and last event times to keep, e.g. window=(-4, 3)"
        )
    return int(window[0]), int(window[1])


def is_dates(series: pd.Series) -> bool:
    return isinstance(series.dtype, pd.PeriodDtype) or pd.api.types.is_datetime64_any_dtype(series)


def periods_from_dates(
    frame: pd.DataFrame, *, time: str, cohort: str
) -> tuple[pd.Series, pd.Series]:
    """Period numbers 1, 2 ... of the distinct dates in ``time``, in order, and each row's
    cohort as the number of the first period on or after its date (NaN: never treated)."""
    times, starts = frame[time], frame[cohort]
    if not is_dates(starts) and starts.notna().any():
        raise DataError(
            f"time={time!r} holds dates ({times.dtype}) but cohort={cohort!r} holds "
            f"{starts.dtype} values such as {starts.dropna().iloc[0]!r}; give cohort as the date "
            f"each unit was first treated (missing if never), or number the periods of {time!r} "
            "1, 2, 3 ... and give cohort in those numbers"
        )
    order = pd.Index(pd.unique(times)).sort_values()
    t = pd.Series(order.get_indexer(times) + 1.0, index=frame.index)
    treated = starts.notna()
    try:
        first = order.searchsorted(starts[treated].to_numpy(), side="left")
    except (TypeError, ValueError) as err:
        raise DataError(
            f"cohort={cohort!r} ({starts.dtype}) cannot be compared with the dates of "
            f"time={time!r} ({times.dtype}); give both in the same kind (and time zone)"
        ) from err
    first_date = starts[treated].min() if treated.any() else None
    if treated.any() and first_date < order[0]:
        raise NoPrePeriodError(
            f"cohort={cohort!r} holds {first_date}, before the first period {order[0]} of "
            f"{time!r}: those units were treated before the panel starts and have no "
            "pre-period. Drop them, or extend the panel back"
        )
    if treated.any() and (first >= len(order)).any():
        raise DataError(
            f"cohort={cohort!r} holds {starts[treated].max()}, after the last period "
            f"{order[-1]} of {time!r}; code units first treated after the panel ends as never "
            "treated (missing)"
        )
    g = pd.Series(np.nan, index=frame.index)
    g[treated] = first + 1.0
    return t, g


def add_controls(
    work: pd.DataFrame, frame: pd.DataFrame, *, covariates: list[str], weights: str | None
) -> None:
    """Add the covariates (``x0``, ``x1`` ...) and the weights (``w``) to the regression
    frame, checked numeric (weights positive)."""
    for i, col in enumerate(covariates):
        work[f"x{i}"] = check_numeric(frame, col, role="covariate").to_numpy()
    if weights:
        work["w"] = check_weights(frame, weights)
