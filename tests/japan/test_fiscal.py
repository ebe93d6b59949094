"""Tests of ebpm.japan.fiscal: the Japanese fiscal year (年度, April to March)."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import numpy as np
import pandas as pd
import pytest

from ebpm import japan
from ebpm.errors import InvalidDateError, InvalidOptionError


@pytest.mark.parametrize(
    ("value", "fy"),
    [
        (date(2024, 3, 31), 2023),
        (date(2024, 4, 1), 2024),
        (date(2024, 1, 1), 2023),
        (date(2023, 12, 31), 2023),
        (datetime(2024, 3, 31, 23, 59), 2023),
        (pd.Timestamp("2024-04-01"), 2024),
        (pd.Timestamp("2024-04-01 09:00", tz="Asia/Tokyo"), 2024),
        (np.datetime64("2024-03-31"), 2023),
        ("2024-03-31", 2023),
        ("2024-04-01", 2024),
    ],
)
def test_fiscal_year_boundaries(value, fy):
    assert japan.fiscal_year(value) == fy


def test_fiscal_year_other_start_month():
    assert japan.fiscal_year(date(2024, 3, 31), start_month=1) == 2024
    assert japan.fiscal_year(date(2024, 9, 30), start_month=10) == 2023
    assert japan.fiscal_year(date(2024, 10, 1), start_month=10) == 2024


def test_fiscal_year_series():
    s = pd.Series(
        pd.to_datetime(["2024-03-31", "2024-04-01", None, "2025-03-31"]),
        index=[5, 6, 7, 8],
        name="date",
    )
    out = japan.fiscal_year(s)
    assert str(out.dtype) == "Int64"
    assert out.name == "date"
    assert out.index.tolist() == [5, 6, 7, 8]
    assert out.tolist()[:2] == [2023, 2024]
    assert pd.isna(out.loc[7])
    assert out.loc[8] == 2024
    strings = japan.fiscal_year(pd.Series(["2024-03-31", "2024-04-01"]))
    assert strings.tolist() == [2023, 2024]
    objects = japan.fiscal_year(pd.Series([date(2024, 3, 31), date(2024, 4, 1)]))
    assert objects.tolist() == [2023, 2024]
    tz = japan.fiscal_year(pd.Series(pd.date_range("2024-03-31", periods=2, tz="Asia/Tokyo")))
    assert tz.tolist() == [2023, 2024]


def test_fiscal_year_datetime_index():
    idx = pd.DatetimeIndex(["2024-03-31", "2024-04-01", None], name="d")
    out = japan.fiscal_year(idx)
    assert isinstance(out, pd.Index)
    assert str(out.dtype) == "Int64"
    assert out.name == "d"
    assert out[:2].tolist() == [2023, 2024]
    assert pd.isna(out[2])


def test_fiscal_year_matches_its_range_every_day():
    day = date(2019, 3, 1)
    while day < date(2021, 5, 1):
        fy = japan.fiscal_year(day)
        first, last = japan.fiscal_year_range(fy)
        assert first <= day <= last
        day += timedelta(days=1)


@pytest.mark.parametrize(
    ("value", "cls", "match", "kwargs"),
    [
        (2023, InvalidDateError, r"fiscal_year needs a date .*got 2023 \(int\)", {}),
        ("2024/04/01", InvalidDateError, r"fiscal_year cannot read '2024/04/01' as a date", {}),
        (pd.NaT, InvalidDateError, r"missing date \(NaT\)", {}),
        (
            pd.Series([2023, 2024], name="fy"),
            InvalidDateError,
            r"Series 'fy' holds numbers \(int64\); convert it with pd.to_datetime",
            {},
        ),
        (
            pd.Series(["2024-04-01", "not a date"], name="d"),
            InvalidDateError,
            r"fiscal_year cannot read Series 'd' as dates",
            {},
        ),
        (
            date(2024, 4, 1),
            InvalidOptionError,
            r"start_month=13 must be a month number",
            {"start_month": 13},
        ),
        (date(2024, 4, 1), InvalidOptionError, r"start_month=0 must be", {"start_month": 0}),
        (date(2024, 4, 1), InvalidOptionError, r"start_month='4' must be", {"start_month": "4"}),
    ],
)
def test_fiscal_year_errors(value, cls, match, kwargs):
    with pytest.raises(cls, match=match):
        japan.fiscal_year(value, **kwargs)


def test_fiscal_year_range():
    assert japan.fiscal_year_range(2023) == (date(2023, 4, 1), date(2024, 3, 31))
    assert japan.fiscal_year_range(2023, start_month=1) == (date(2023, 1, 1), date(2023, 12, 31))
    assert japan.fiscal_year_range(2023, start_month=10) == (date(2023, 10, 1), date(2024, 9, 30))
    assert japan.fiscal_year_range(np.int64(2023))[0] == date(2023, 4, 1)
    # a leap year's February ends the range of the fiscal year that starts in March
    assert japan.fiscal_year_range(2023, start_month=3)[1] == date(2024, 2, 29)


@pytest.mark.parametrize("bad", [2023.0, "2023", True, 0, 9999])
def test_fiscal_year_range_errors(bad):
    with pytest.raises(InvalidDateError, match=r"must be a year as an int, like 2023"):
        japan.fiscal_year_range(bad)


def test_fiscal_year_label():
    assert japan.fiscal_year_label(2023) == "2023年度"
    assert japan.fiscal_year_label(2023, style="en") == "FY2023"
    assert japan.fiscal_year_label(2023, style="wareki") == "令和5年度"
    assert japan.fiscal_year_label(2019, style="wareki") == "令和元年度"
    assert japan.fiscal_year_label(1988, style="wareki") == "昭和63年度"
    assert japan.to_seireki(japan.fiscal_year_label(2023, style="wareki")) == 2023
    labels = japan.fiscal_year_label(pd.Series([2023, None], dtype="Int64"), style="en")
    assert labels.iloc[0] == "FY2023"
    assert pd.isna(labels.iloc[1])


def test_fiscal_year_label_errors():
    with pytest.raises(
        InvalidOptionError, match=r"style='jp' is not supported\..* Choose one of: 'ja'"
    ):
        japan.fiscal_year_label(2023, style="jp")
    with pytest.raises(InvalidDateError, match=r"fiscal year '2023' must be a year as an int"):
        japan.fiscal_year_label("2023")
    with pytest.raises(InvalidDateError, match=r"year 1867 is before 明治"):
        japan.fiscal_year_label(1867, style="wareki")
    with pytest.raises(InvalidDateError, match=r"fiscal year 2023.5 must be.*\(at index 0\)"):
        japan.fiscal_year_label(pd.Series([2023.5]))


def test_fiscal_year_and_label_chain_on_a_series():
    s = pd.Series(pd.to_datetime(["2019-03-31", "2019-04-01", "2020-03-31"]))
    labels = japan.fiscal_year_label(japan.fiscal_year(s), style="wareki")
    assert labels.tolist() == ["平成30年度", "令和元年度", "令和元年度"]


# --- start months, missing values and the ends of the range -----------------------------------
@pytest.mark.parametrize("bad", [13, 0, True, "4"])
def test_fiscal_year_range_checks_the_start_month(bad):
    with pytest.raises(InvalidOptionError, match=rf"start_month={bad!r} must be a month number"):
        japan.fiscal_year_range(2023, start_month=bad)


def test_fiscal_year_range_at_the_ends_of_the_calendar():
    assert japan.fiscal_year_range(1) == (date(1, 4, 1), date(2, 3, 31))
    assert japan.fiscal_year_range(9998) == (date(9998, 4, 1), date(9999, 3, 31))


def test_fiscal_year_of_other_start_months_on_a_series_and_an_index():
    idx = pd.DatetimeIndex(["2024-09-30", "2024-10-01"])
    assert japan.fiscal_year(idx, start_month=10).tolist() == [2023, 2024]
    calendar = japan.fiscal_year(pd.Series(["2024-01-01", "2024-12-31"]), start_month=1)
    assert calendar.tolist() == [2024, 2024]


def test_fiscal_year_of_a_series_of_missing_values_is_missing():
    out = japan.fiscal_year(pd.Series([np.nan, np.nan], name="d"))
    assert str(out.dtype) == "Int64"
    assert out.isna().all()
    assert out.name == "d"
    with pytest.raises(InvalidDateError, match=r"fiscal_year needs a date .*got None \(NoneType\)"):
        japan.fiscal_year(None)


def test_fiscal_year_label_numpy_ints_series_and_era_starts():
    assert japan.fiscal_year_label(np.int64(2023), style="en") == "FY2023"
    labels = japan.fiscal_year_label(pd.Series([2018, 2019], index=["a", "b"], name="fy"))
    assert labels.to_dict() == {"a": "2018年度", "b": "2019年度"}
    assert labels.name == "fy"
    assert japan.fiscal_year_label(1868, style="wareki") == "明治元年度"
    assert japan.fiscal_year_label(1989, style="wareki") == "平成元年度"
    with pytest.raises(InvalidDateError, match=r"fiscal year True must be a year as an int"):
        japan.fiscal_year_label(True)
