"""Periods of a KPI: dates in the forms a policy file and its data use, read as one
:class:`pandas.Period` at the KPI's frequency (the "Dates" section of :mod:`ebpm.kpi.model`).
"""

from __future__ import annotations

import datetime as dt
import math
import numbers
import re
from typing import Any, Literal

import numpy as np
import pandas as pd

from ebpm.errors import InvalidDateError, InvalidOptionError
from ebpm.kpi.model._hints import _hint

Frequency = Literal["annual", "fiscal_year", "quarterly", "monthly"]

FREQUENCIES: tuple[str, ...] = ("annual", "fiscal_year", "quarterly", "monthly")

#: pandas frequency of each KPI frequency.
_FREQ = {"annual": "Y-DEC", "fiscal_year": "Y-MAR", "quarterly": "Q-DEC", "monthly": "M"}

_YEAR = re.compile(r"^(\d{4})年?$")
_FISCAL = re.compile(r"^(?:FY\s*(\d{4})|(\d{4})\s*年度)$", re.IGNORECASE)
_QUARTER = re.compile(r"^(\d{4})\s*-?\s*Q([1-4])$", re.IGNORECASE)
_MONTH = re.compile(r"^(\d{4})[-/](\d{1,2})$|^(\d{4})年(\d{1,2})月$")
_DAY = re.compile(r"^(\d{4})[-/](\d{1,2})[-/](\d{1,2})$")
_FORMS = '1988, "2024Q1", "2024-03", "2024-03-31" or "FY2024"'


def period_label(period: pd.Period, lang: str = "en") -> str:
    """A period as text: ``1988`` (annual), ``FY2024`` (Japanese fiscal year, April 2024 to
    March 2025), ``2024Q1`` (quarterly), ``2024-03`` (monthly). With ``lang="ja"``, as a
    Japanese page shows it (:func:`period_text`): a fiscal year reads ``2024年度（令和6年度）``.
    """
    freq = period.freqstr
    if freq == "Y-MAR":
        return period_text(f"FY{period.start_time.year}", lang)
    if freq.startswith("Y"):
        return str(period.year)
    if freq.startswith("Q"):
        return f"{period.year}Q{period.quarter}"
    if freq == "M":
        return f"{period.year}-{period.month:02d}"
    return str(period)


_FY_LABEL = re.compile(r"FY(\d{4})")


def period_text(label: str, lang: str = "en") -> str:
    """A period's label (:func:`period_label`'s, as reports and records keep it) as a page in
    ``lang`` shows it: on a Japanese page the fiscal year ``FY2024`` reads
    ``2024年度（令和6年度）``, the era year of April 2024 to March 2025 as Japanese statistics
    name it (``FY2019`` is 令和元年度); any other label is shown as given."""
    from ebpm._lang import check_lang

    m = _FY_LABEL.fullmatch(str(label))
    if check_lang(lang) != "ja" or m is None:
        return str(label)
    from ebpm.japan.wareki import to_wareki

    year = int(m.group(1))
    return f"{year}年度（{to_wareki(year)}度）"


def _year(text: str) -> int:
    year = int(text)
    if not 1000 <= year <= 9999:
        raise ValueError(f"{year} is not a four-digit year")
    return year


def _estat_time(code: str) -> tuple[str, pd.Period]:
    """An e-Stat time code (``time_code`` of e-Stat tables): ``2020000000`` a year,
    ``2020100000`` a fiscal year, ``2020000303`` a month, ``2020000406`` a quarter."""
    from ebpm.catalog.estat import decode_time

    d = decode_time(code)
    kind = d["time_kind"] if isinstance(d["time_kind"], str) else None  # NA: not decoded
    if kind == "year":
        return "year", pd.Period(pd.Timestamp(int(d["year"]), 1, 1), "Y-DEC")
    if kind == "fiscal_year":
        return "fiscal_year", pd.Period(pd.Timestamp(int(d["fiscal_year"]), 4, 1), "Y-MAR")
    if kind == "month":
        return "month", pd.Period(pd.Timestamp(int(d["year"]), int(d["month"]), 1), "M")
    if kind == "quarter":
        q = int(d["quarter"])
        return "quarter", pd.Period(pd.Timestamp(int(d["year"]), 3 * q - 2, 1), "Q-DEC")
    raise ValueError(
        f"e-Stat time code {code} is not a year, fiscal year, month or quarter "
        "(YYYY000000, YYYY100000, YYYY00MMMM, YYYY00AABB); use another time column"
    )


def _span(value: Any) -> tuple[str, pd.Period]:
    """What a date value denotes: its form and the period it covers."""
    if isinstance(value, bool) or value is None:
        raise ValueError("it is not a date")
    if isinstance(value, pd.Period):
        return "period", value
    if isinstance(value, numbers.Integral):
        if len(str(value)) == 10:
            return _estat_time(str(value))
        return "year", pd.Period(pd.Timestamp(_year(str(value)), 1, 1), "Y-DEC")
    if isinstance(value, numbers.Real):
        number = float(value)  # math.isfinite converts to float too
        if math.isfinite(number) and number.is_integer():
            return "year", pd.Period(pd.Timestamp(_year(str(int(number))), 1, 1), "Y-DEC")
        raise ValueError("a number is read as a year and must be a whole number")
    if isinstance(value, dt.date | pd.Timestamp):
        return "day", pd.Period(pd.Timestamp(value), "D")
    if isinstance(value, np.datetime64):
        if np.isnat(value):
            raise ValueError("it is empty (NaT)")
        return "day", pd.Period(pd.Timestamp(value), "D")
    if not isinstance(value, str):
        raise ValueError(f"a {type(value).__name__} is not a date")
    text = value.strip()
    if len(text) == 10 and text.isdigit():
        return _estat_time(text)
    if m := _YEAR.match(text):
        return "year", pd.Period(pd.Timestamp(_year(m.group(1)), 1, 1), "Y-DEC")
    if m := _FISCAL.match(text):
        year = _year(m.group(1) or m.group(2))
        return "fiscal_year", pd.Period(pd.Timestamp(year, 4, 1), "Y-MAR")
    if m := _QUARTER.match(text):
        year, q = _year(m.group(1)), int(m.group(2))
        return "quarter", pd.Period(pd.Timestamp(year, 3 * q - 2, 1), "Q-DEC")
    if m := _MONTH.match(text):
        digits, month = (m.group(1), m.group(2)) if m.group(1) else (m.group(3), m.group(4))
        if not 1 <= int(month) <= 12:
            raise ValueError(f"month {int(month)} does not exist")
        return "month", pd.Period(pd.Timestamp(_year(digits), int(month), 1), "M")
    if m := _DAY.match(text):
        try:
            day = pd.Timestamp(_year(m.group(1)), int(m.group(2)), int(m.group(3)))
        except ValueError as err:
            raise ValueError(f"that day does not exist ({err})") from err
        return "day", pd.Period(day, "D")
    raise ValueError("it is in none of the forms ebpm reads")


def _coarse(value: Any, form: str, span: pd.Period, frequency: str) -> str:
    """Why ``value`` cannot be one period of ``frequency``, and what to write instead."""
    year = span.start_time.year
    if frequency == "annual" and form == "fiscal_year":
        return (
            f"{value!r} is a fiscal year (April {year} to March {year + 1}), which spans two "
            f"calendar years, but the KPI is annual; give a calendar year, or set "
            "`frequency: fiscal_year`"
        )
    example = {"quarterly": f"'{year}Q4'", "monthly": f"'{year}-12'"}.get(frequency, str(year))
    what = {
        "year": "a whole year",
        "fiscal_year": "a whole fiscal year",
        "quarter": "a whole quarter",
        "period": f"a period of frequency {span.freqstr}",
    }.get(form, "longer than one period")
    return (
        f"{value!r} is {what}, but the KPI is {frequency}, so it does not say which period; "
        f"give one, e.g. {example}"
    )


def parse_period(value: Any, frequency: str) -> pd.Period:
    """The period of ``frequency`` that ``value`` names.

    Parameters
    ----------
    value : int, str, date, Timestamp or Period
        A year (``1988``), ``"2024Q1"``, ``"2024-03"``, ``"2024-03-31"``, ``"FY2024"`` or
        ``"2024年度"`` (the Japanese fiscal year April 2024 – March 2025), a date or a period.
    frequency : {"annual", "fiscal_year", "quarterly", "monthly"}
        The KPI's frequency.

    Returns
    -------
    pandas.Period
        At frequency ``Y-DEC``, ``Y-MAR``, ``Q-DEC`` or ``M``. A value finer than the frequency
        gives the period that holds it; for ``fiscal_year`` a plain year is the fiscal year
        starting in April of it.

    Raises
    ------
    InvalidOptionError
        ``frequency`` is not one of the four.
    InvalidDateError
        ``value`` is not a date, or is coarser than the frequency (a year for a quarterly KPI).
    """
    if frequency not in _FREQ:
        raise InvalidOptionError(
            f"frequency {frequency!r} is not one of {', '.join(FREQUENCIES)}."
            f"{_hint(str(frequency), FREQUENCIES)}"
        )
    if isinstance(value, np.generic) and not isinstance(value, np.datetime64):
        value = value.item()  # messages show 1970, not np.int64(1970)
    try:
        form, span = _span(value)
    except ValueError as err:
        raise InvalidDateError(f"{value!r} is not a date: {err}; write {_FORMS}") from err
    freq = _FREQ[frequency]
    if form == "year" and frequency == "fiscal_year":
        return pd.Period(pd.Timestamp(span.start_time.year, 4, 1), freq)
    first = pd.Period(span.start_time, freq)
    if pd.Period(span.end_time, freq) != first:
        raise InvalidDateError(_coarse(value, form, span, frequency))
    return first
