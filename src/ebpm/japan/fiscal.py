"""The Japanese fiscal year (年度, April to March): :func:`fiscal_year`,
:func:`fiscal_year_range` and :func:`fiscal_year_label`."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any, Literal

import numpy as np
import pandas as pd

from ebpm.errors import InvalidDateError, InvalidOptionError, check_option
from ebpm.japan._values import _as_date, _map_series
from ebpm.japan.wareki import to_wareki

FiscalLabelStyle = Literal["ja", "en", "wareki"]


def _check_start_month(start_month: Any) -> None:
    if (
        isinstance(start_month, bool)
        or not isinstance(start_month, int)
        or not (1 <= start_month <= 12)
    ):
        raise InvalidOptionError(
            f"start_month={start_month!r} must be a month number from 1 to 12 (4 for the "
            "Japanese 年度)"
        )


def fiscal_year(dates: Any, *, start_month: int = 4) -> Any:
    """Return the fiscal year (年度) of dates: the calendar year in which the fiscal year starts.

    Parameters
    ----------
    dates : date, datetime, pandas.Timestamp, str, pandas.Series or pandas.DatetimeIndex
        Date(s); strings in ISO form. A Series of strings or dates is parsed with
        :func:`pandas.to_datetime`.
    start_month : int
        First month of the fiscal year: 4 (default) for the Japanese 年度, April to March.

    Returns
    -------
    int, pandas.Series or pandas.Index
        2024-03-31 → 2023, 2024-04-01 → 2024. A Series gives an ``Int64`` Series with the same
        index (missing dates stay missing); a DatetimeIndex gives an ``Int64`` Index.

    Raises
    ------
    InvalidDateError
        When a value is not a date (a bare year is rejected: it is ambiguous).
    InvalidOptionError
        When ``start_month`` is not 1 to 12.

    Notes
    -----
    A fiscal year is named after the year in which it starts (2023年度 runs from 2023-04-01 to
    2024-03-31), the Japanese convention; the US federal government names its fiscal years after
    the year in which they end.
    """
    _check_start_month(start_month)
    if isinstance(dates, pd.DatetimeIndex):
        years = dates.year - (dates.month < start_month).astype(int)
        return pd.Index(years, dtype="Int64", name=dates.name).where(~dates.isna(), pd.NA)
    if isinstance(dates, pd.Series):
        if pd.api.types.is_datetime64_any_dtype(dates):
            parsed = dates
        elif pd.api.types.is_numeric_dtype(dates) and not dates.isna().all():
            raise InvalidDateError(
                f"fiscal_year needs dates, but Series {dates.name!r} holds numbers "
                f"({dates.dtype}); convert it with pd.to_datetime first"
            )
        else:
            try:
                parsed = pd.to_datetime(dates)
            except (ValueError, TypeError) as err:
                raise InvalidDateError(
                    f"fiscal_year cannot read Series {dates.name!r} as dates ({err}); convert it "
                    "with pd.to_datetime(..., format=...) first"
                ) from err
        years = parsed.dt.year - (parsed.dt.month < start_month).astype("Int64")
        return years.astype("Int64").rename(dates.name)
    d = _as_date(dates, func="fiscal_year")
    return d.year if d.month >= start_month else d.year - 1


def _check_fiscal_year(fy: Any) -> int:
    if isinstance(fy, bool) or not isinstance(fy, int | np.integer) or not 1 <= fy <= 9998:
        raise InvalidDateError(
            f"fiscal year {fy!r} must be a year as an int, like 2023 (for 2023年度)"
        )
    return int(fy)


def fiscal_year_range(fy: int, *, start_month: int = 4) -> tuple[date, date]:
    """Return the first and last day of a fiscal year.

    Parameters
    ----------
    fy : int
        The fiscal year, named after the year it starts in (2023 for 2023年度).
    start_month : int
        First month of the fiscal year (4, the default, for the Japanese 年度).

    Returns
    -------
    tuple of datetime.date
        ``(date(fy, 4, 1), date(fy + 1, 3, 31))`` for the default ``start_month``.

    Raises
    ------
    InvalidDateError
        When ``fy`` is not an int year.
    InvalidOptionError
        When ``start_month`` is not 1 to 12.
    """
    _check_start_month(start_month)
    fy = _check_fiscal_year(fy)
    first = date(fy, start_month, 1)
    next_first = date(fy + 1, start_month, 1) if start_month > 1 else date(fy + 1, 1, 1)
    return first, next_first - timedelta(days=1)


def fiscal_year_label(fy: Any, *, style: FiscalLabelStyle = "ja") -> Any:
    """Return the label of a fiscal year: ``"2023年度"``, ``"FY2023"`` or ``"令和5年度"``.

    Parameters
    ----------
    fy : int or pandas.Series
        The fiscal year (2023 for April 2023 to March 2024), or a Series of them.
    style : {"ja", "en", "wareki"}
        ``"2023年度"``, ``"FY2023"``, or the era form ``"令和5年度"``.

    Returns
    -------
    str or pandas.Series

    Raises
    ------
    InvalidDateError
        When ``fy`` is not an int year (or, for ``"wareki"``, is before 明治).
    InvalidOptionError
        When ``style`` is not one of the values above.

    Notes
    -----
    The era of a fiscal year in the ``"wareki"`` style is that of the calendar year ``fy`` (see
    :func:`to_wareki`): FY2019 is 令和元年度, as later statistics write it, although budget
    documents of early 2019 called it 平成31年度.
    """
    check_option("style", style, FiscalLabelStyle)
    if isinstance(fy, pd.Series):
        return _map_series(fy, lambda v: fiscal_year_label(v, style=style), "str")
    fy = _check_fiscal_year(fy)
    if style == "ja":
        return f"{fy}年度"
    if style == "en":
        return f"FY{fy}"
    return to_wareki(fy) + "度"
