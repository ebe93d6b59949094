"""Tests of ebpm.japan.wareki: the eras from 明治 to 令和, 和暦 ↔ 西暦."""

from __future__ import annotations

import dataclasses
from datetime import date, datetime, timedelta

import numpy as np
import pandas as pd
import pytest

from ebpm import japan
from ebpm.errors import InvalidDateError, InvalidOptionError


def test_eras_table():
    assert [e.name_ja for e in japan.ERAS] == ["明治", "大正", "昭和", "平成", "令和"]
    assert [e.name_en for e in japan.ERAS] == ["Meiji", "Taisho", "Showa", "Heisei", "Reiwa"]
    assert [e.abbr for e in japan.ERAS] == ["M", "T", "S", "H", "R"]
    assert [e.last_year for e in japan.ERAS] == [45, 15, 64, 31, None]
    for before, after in zip(japan.ERAS, japan.ERAS[1:], strict=False):
        assert before.end == after.start - timedelta(days=1)


@pytest.mark.parametrize(
    ("text", "year"),
    [
        ("令和5年", 2023),
        ("令和元年", 2019),
        ("令和５年", 2023),
        ("令和五年", 2023),
        ("令和 5 年", 2023),
        ("令和5", 2023),
        ("令和5年度", 2023),
        ("R5", 2023),
        ("r5", 2023),
        ("R05", 2023),
        ("R.5", 2023),
        ("Ｒ５", 2023),
        ("H31", 2019),
        ("H1", 1989),
        ("H元", 1989),
        ("平成元年", 1989),
        ("平成三十一年", 2019),
        ("平成十年", 1998),
        ("平成二十年", 2008),
        ("平成二〇年", 2008),
        ("昭和六十四年", 1989),
        ("S64", 1989),
        ("昭和元年", 1926),
        ("大正15年", 1926),
        ("T1", 1912),
        ("明治元年", 1868),
        ("M45", 1912),
        ("Reiwa 5", 2023),
        ("reiwa5", 2023),
        ("Heisei 31", 2019),
        ("Heisei-31", 2019),
        ("Shōwa 64", 1989),
        ("Showa 1", 1926),
        ("Taishō 15", 1926),
        ("Taisho 1", 1912),
        ("Meiji 45", 1912),
        ("Reiwa gannen", 2019),
        ("㋿5", 2023),
        ("㍻31", 2019),
    ],
)
def test_to_seireki_forms(text, year):
    assert japan.to_seireki(text) == year


@pytest.mark.parametrize(
    ("era", "year", "expected"),
    [
        ("平成", 30, 2018),
        ("Heisei", 30, 2018),
        ("H", 30, 2018),
        ("h", "30", 2018),
        ("令和", "元", 2019),
        ("令和", "元年", 2019),
        ("令和", np.int64(5), 2023),
        ("昭和", "六十四", 1989),
        ("Shouwa", 2, 1927),
    ],
)
def test_to_seireki_era_and_year(era, year, expected):
    assert japan.to_seireki(era, year) == expected


@pytest.mark.parametrize(
    ("args", "match"),
    [
        (
            ("平成32年",),
            r"'平成32年': 平成 \(Heisei\) ended in its year 31 \(2019-04-30\).*"
            r"write 令和2年 or pass 2020",
        ),
        (("H32",), r"ended in its year 31"),
        (("昭和65年",), r"昭和 \(Showa\) ended in its year 64.*write 平成2年 or pass 1990"),
        (("大正16年",), r"ended in its year 15"),
        (("明治46年",), r"ended in its year 45"),
        (("令和0年",), r"era years start at 1 \(元年\); 令和0年 does not exist"),
        (("平成", 0), r"era years start at 1"),
        (("平成", 32), r"ended in its year 31"),
        (("foo",), r"cannot read 'foo' as a Japanese-era year; write it like '令和5年'"),
        (("令和",), r"cannot read '令和' as a Japanese-era year"),
        (("2023",), r"cannot read '2023' as a Japanese-era year"),
        (("令和5年4月1日",), r"cannot read '令和5年4月1日'"),
        (("X5",), r"cannot read 'X5'"),
        ((2023,), r"reads era years written as text like '令和5年' or 'R5', got 2023 \(int\)"),
        (("慶応", 3), r"'慶応' is not an era name; use one of 明治/Meiji/M"),
        (("令和", 5.5), r"year 5.5 must be an int or a string"),
        (("令和", True), r"year True must be an int"),
        (("令和", "五x"), r"cannot read the year number '五x' in '五x'"),
        (("令和", "十十"), r"cannot read the year number '十十'"),
    ],
)
def test_to_seireki_errors(args, match):
    with pytest.raises(InvalidDateError, match=match):
        japan.to_seireki(*args)


def test_to_seireki_series():
    s = pd.Series(["R5", None, "平成31年", np.nan], index=[10, 11, 12, 13], name="year_ja")
    out = japan.to_seireki(s)
    assert str(out.dtype) == "Int64"
    assert out.name == "year_ja"
    assert out.loc[10] == 2023
    assert out.loc[12] == 2019
    assert out.isna().tolist() == [False, True, False, True]


def test_to_seireki_series_errors():
    with pytest.raises(InvalidDateError, match=r"'平成32年'.*\(at index 1\)"):
        japan.to_seireki(pd.Series(["R5", "平成32年"]))
    with pytest.raises(InvalidDateError, match=r"takes `year` only with a single era name"):
        japan.to_seireki(pd.Series(["平成"]), 5)


# era start dates: the day before is the previous era's last year, the day itself its 元年
BOUNDARIES = [
    (date(1912, 7, 30), "明治45年", "大正元年"),
    (date(1926, 12, 25), "大正15年", "昭和元年"),
    (date(1989, 1, 8), "昭和64年", "平成元年"),
    (date(2019, 5, 1), "平成31年", "令和元年"),
]


@pytest.mark.parametrize(("start", "before", "on"), BOUNDARIES)
def test_to_wareki_on_both_sides_of_each_era_start(start, before, on):
    assert japan.to_wareki(start - timedelta(days=1)) == before
    assert japan.to_wareki(start) == on
    assert japan.to_wareki(pd.Timestamp(start)) == on
    assert japan.to_wareki(datetime(start.year, start.month, start.day, 0, 0)) == on
    assert japan.to_wareki(start.isoformat()) == on
    assert japan.to_wareki(np.datetime64(start.isoformat())) == on


def test_to_wareki_meiji_start():
    assert japan.to_wareki(date(1868, 1, 25)) == "明治元年"
    assert japan.to_wareki(1868) == "明治元年"
    with pytest.raises(InvalidDateError, match=r"'1868-01-24' is before 明治 .*1868-01-25"):
        japan.to_wareki("1868-01-24")
    with pytest.raises(InvalidDateError, match=r"year 1867 is before 明治"):
        japan.to_wareki(1867)


@pytest.mark.parametrize(
    ("year", "kanji", "romaji", "short"),
    [
        (2019, "令和元年", "Reiwa 1", "R1"),  # an int year takes the era in force on 31 December
        (2023, "令和5年", "Reiwa 5", "R5"),
        (1989, "平成元年", "Heisei 1", "H1"),
        (2018, "平成30年", "Heisei 30", "H30"),
        (1926, "昭和元年", "Showa 1", "S1"),
        (1925, "大正14年", "Taisho 14", "T14"),
        (1912, "大正元年", "Taisho 1", "T1"),
        (1911, "明治44年", "Meiji 44", "M44"),
    ],
)
def test_to_wareki_int_years_and_styles(year, kanji, romaji, short):
    assert japan.to_wareki(year) == kanji
    assert japan.to_wareki(np.int64(year)) == kanji
    assert japan.to_wareki(year, style="romaji") == romaji
    assert japan.to_wareki(year, style="short") == short


def test_to_wareki_gannen_off():
    assert japan.to_wareki(2019, gannen=False) == "令和1年"
    assert japan.to_wareki(date(2019, 4, 30), gannen=False) == "平成31年"


@pytest.mark.parametrize(
    ("value", "cls", "match", "kwargs"),
    [
        (
            2019,
            InvalidOptionError,
            r"style='long' is not supported\. Choose one of: 'kanji'",
            {"style": "long"},
        ),
        ("2019/05/01", InvalidDateError, r"cannot read '2019/05/01' as a date; use ISO form", {}),
        (pd.NaT, InvalidDateError, r"got a missing date \(NaT\)", {}),
        (np.datetime64("NaT"), InvalidDateError, r"got a missing date \(NaT\)", {}),
        (2019.5, InvalidDateError, r"needs a date .* got 2019.5 \(float\)", {}),
        (True, InvalidDateError, r"got True \(bool\)", {}),
    ],
)
def test_to_wareki_errors(value, cls, match, kwargs):
    with pytest.raises(cls, match=match):
        japan.to_wareki(value, **kwargs)


def test_to_wareki_series_and_index():
    dates = pd.to_datetime(["2019-04-30", "2019-05-01", None])
    s = pd.Series(dates, index=["a", "b", "c"], name="when")
    out = japan.to_wareki(s)
    assert out.name == "when"
    assert out.loc["a"] == "平成31年"
    assert out.loc["b"] == "令和元年"
    assert pd.isna(out.loc["c"])
    assert japan.to_wareki(dates, style="short").tolist()[:2] == ["H31", "R1"]
    years = pd.Series([1989, 2019, 2024])
    assert japan.to_wareki(years).tolist() == ["平成元年", "令和元年", "令和6年"]
    gaps = japan.to_wareki(pd.Series([2019.0, np.nan]))  # a float column of years with a gap
    assert gaps.iloc[0] == "令和元年"
    assert pd.isna(gaps.iloc[1])
    with pytest.raises(InvalidDateError, match=r"year 1800 is before 明治.*\(at index 1\)"):
        japan.to_wareki(pd.Series([2000, 1800]))


def test_round_trip_every_year():
    for y in range(1868, 2101):
        for style in ("kanji", "romaji", "short"):
            assert japan.to_seireki(japan.to_wareki(y, style=style)) == y


def test_round_trip_every_era_year():
    """to_wareki(to_seireki(x)) == x, except the last year of an era, which an int year
    writes with the next era (the one in force on 31 December)."""
    for i, era in enumerate(japan.ERAS):
        last = era.last_year or 20
        for n in range(1, last + 1):
            text = f"{era.name_ja}{'元' if n == 1 else n}年"
            back = japan.to_wareki(japan.to_seireki(text))
            if n == era.last_year:
                assert back == f"{japan.ERAS[i + 1].name_ja}元年"
            else:
                assert back == text
            assert japan.to_wareki(japan.to_seireki(f"{era.abbr}{n}"), style="short") == (
                f"{japan.ERAS[i + 1].abbr}1" if n == era.last_year else f"{era.abbr}{n}"
            )


def test_round_trip_dates_inside_each_era():
    for era in japan.ERAS:
        d = era.start
        text = japan.to_wareki(d)
        assert japan.to_seireki(text) == d.year


# --- the Era objects and a few more forms ---------------------------------------------------
def test_era_years_and_the_open_current_era():
    heisei, reiwa = japan.ERAS[3], japan.ERAS[4]
    assert heisei.to_seireki(1) == 1989
    assert heisei.to_seireki(30) == 2018
    assert heisei.to_seireki(32) == 2020  # no range check here: to_seireki() does that
    assert (reiwa.end, reiwa.last_year) == (None, None)
    assert reiwa.start == date(2019, 5, 1)
    with pytest.raises(dataclasses.FrozenInstanceError):
        reiwa.name_en = "Other"  # type: ignore[misc]


def test_to_seireki_more_spellings_of_the_year():
    assert japan.to_seireki("令和", "５") == 2023  # full-width digit
    assert japan.to_seireki("R.", 5) == 2023
    assert japan.to_seireki("平成", "三十年") == 2018
    assert japan.to_seireki(" 令和 5 年度 ") == 2023
    with pytest.raises(InvalidDateError, match=r"cannot read '' as a Japanese-era year"):
        japan.to_seireki("")


def test_to_wareki_takes_a_timestamp_with_its_time_zone_as_given():
    assert japan.to_wareki(pd.Timestamp("2019-05-01 00:30", tz="Asia/Tokyo")) == "令和元年"
    assert japan.to_wareki(pd.Timestamp("2019-04-30 23:30", tz="Asia/Tokyo")) == "平成31年"


def test_to_wareki_whole_floats_and_an_index_of_years():
    assert japan.to_wareki(2019.0) == "令和元年"
    assert japan.to_wareki(np.float64(1989.0), style="short") == "H1"
    out = japan.to_wareki(pd.Index([1989, 2019]), style="romaji")
    assert out.tolist() == ["Heisei 1", "Reiwa 1"]
    strings = japan.to_wareki(pd.Series(["2019-05-01", None]))
    assert strings.iloc[0] == "令和元年"
    assert pd.isna(strings.iloc[1])


def test_gannen_changes_only_the_kanji_style():
    assert japan.to_wareki(1989, style="romaji", gannen=False) == "Heisei 1"
    assert japan.to_wareki(date(1989, 1, 8), style="short", gannen=False) == "H1"
    assert japan.to_wareki(date(1989, 1, 8), gannen=False) == "平成1年"
