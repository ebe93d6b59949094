"""Tests of ebpm.japan.history.names: a municipality's code from its name as it was on a date
(real change record; expected codes checked by hand against it)."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from ebpm import japan
from ebpm.errors import InvalidCodeError, InvalidDateError


@pytest.mark.parametrize(
    ("name", "pref", "on", "code"),
    [
        ("平泉町", "岩手県", "2010-01-01", "03402"),
        ("平泉", "岩手", "2010-01-01", "03402"),  # without the suffix
        ("ひらいずみちょう", None, "2010-01-01", "03402"),  # kana
        ("ヒライズミチョウ", None, "2010-01-01", "03402"),  # katakana
        ("龍ケ崎市", None, "2000-01-01", "08208"),  # old kanji; the record writes 竜ケ崎市
        ("竜ヶ崎市", None, "2000-01-01", "08208"),  # small ヶ
        ("檮原町", None, "2000-01-01", "39405"),  # 檮/梼
        ("浦和市", "埼玉県", "2000-01-01", "11204"),  # before さいたま市 (2001-05-01)
        ("さいたま市", None, "2002-01-01", "11244"),
        ("さいたま市", None, "2004-01-01", "11100"),  # designated 2003-04-01
        ("札幌市 中央区", None, "2000-01-01", "01101"),  # a ward with its city, a space
        ("那珂川町", "福岡県", "2018-09-30", "40305"),
        ("那珂川市", "福岡県", "2018-10-01", "40231"),
        ("千代田区", None, None, "13101"),  # no date: today's names
        ("桧原村", "東京都", "2006-03-31", "13307"),  # the record writes 檜原村
        ("南木曾町", "長野県", "2006-03-31", "20423"),  # the record writes 南木曽町
        ("後志支庁泊村", None, "2006-03-31", "01403"),  # group and name tell two 泊村 apart
    ],
)
def test_municipality_code_reads_names_as_they_were(name, pref, on, code):
    assert japan.municipality_code(name, pref=pref, date=on) == code


def test_municipality_code_errors_name_the_candidates_or_the_dates():
    with pytest.raises(
        InvalidCodeError, match=r"2 municipalities were named '府中市'.*13206.*34208"
    ):
        japan.municipality_code("府中市", date="2000-01-01")
    with pytest.raises(InvalidCodeError, match=r"泊村.*01403.*01696.*write the county"):
        japan.municipality_code("泊村", pref="北海道", date="2006-03-31")
    with pytest.raises(InvalidCodeError, match=r"'浦和市' on 2002-01-01.*until 2001-04-30"):
        japan.municipality_code("浦和市", date="2002-01-01")
    with pytest.raises(InvalidCodeError, match=r"'那珂川市'.*Did you mean '那珂川町'"):
        japan.municipality_code("那珂川市", pref="福岡県", date="2018-09-30")
    with pytest.raises(InvalidCodeError, match=r"'平泉村'.*Did you mean '平泉町'"):
        japan.municipality_code("平泉村", pref="岩手県", date="2010-01-01")
    with pytest.raises(
        InvalidCodeError, match=r"'中区' in 静岡県 is the name of a ward.*浜松市中区"
    ):
        japan.municipality_code("中区", pref="静岡", date="2020-01-01")
    with pytest.raises(InvalidCodeError, match="is not a name"):
        japan.municipality_code("  ", date="2010-01-01")
    with pytest.raises(InvalidDateError, match="before the record"):
        japan.municipality_code("平泉町", date="1960-01-01")


@pytest.mark.parametrize(
    ("name", "pref", "on", "code"),
    [
        ("ひらいずみ", None, "2010-01-01", "03402"),  # kana without its suffix (ちょう)
        ("西磐井郡平泉町", None, "2010-01-01", "03402"),  # with its county
        ("札幌市\u3000中央区", None, "2010-01-01", "01101"),  # full-width space
        ("札幌市・中央区", None, "2010-01-01", "01101"),  # a middle dot
        ("野澤温泉村", None, "2010-01-01", "20563"),  # 澤 for 沢
        ("釜石市", 3, "2010-01-01", "03211"),  # the prefecture as a number
        ("浜松市中央区", None, "latest", "22138"),  # created on the last day of the record
        ("中央区", "東京都", "2010-01-01", "13102"),  # a special ward stands alone
    ],
)
def test_more_ways_to_write_a_name(name, pref, on, code):
    assert japan.municipality_code(name, pref=pref, date=on) == code


def test_dates_of_any_type_and_the_day_of_a_change():
    # 2001-05-01 新設合併: 浦和市 大宮市 与野市 → さいたま市 (11244)
    assert japan.municipality_code("浦和市", date=pd.Timestamp("2001-04-30")) == "11204"
    assert japan.municipality_code("さいたま市", date=date(2001, 5, 1)) == "11244"
    with pytest.raises(InvalidDateError, match=r"date=2030-01-01 is after the record"):
        japan.municipality_code("平泉町", date="2030-01-01")


def test_the_old_keyword_prefecture_still_works_and_pref_wins():
    assert japan.municipality_code("府中市", prefecture="広島県", date="2000-01-01") == "34208"
    assert (
        japan.municipality_code("府中市", pref="東京都", prefecture="広島県", date="2000-01-01")
        == "13206"
    )


@pytest.mark.parametrize(
    ("name", "pref", "match"),
    [
        (None, None, r"municipality name None is not a name; pass one like '平泉町'"),
        (3402, None, r"municipality name 3402 is not a name.*convert_codes for codes"),
        # romaji is read for today's names only (without date=)
        ("Hiraizumi-cho", None, r"no municipality was named 'Hiraizumi-cho' on 2010-01-01"),
        ("釜石市", "秋田県", r"no municipality was named '釜石市' in 秋田県 on 2010-01-01"),
        ("中央区", "北海道", r"'中央区' in 北海道 is the name of a ward.*e\.g\. '札幌市中央区'"),
        ("釜石市", "Akitaa", r"'Akitaa' is not a prefecture name.*'Akita'"),
    ],
)
def test_names_that_are_not_found_say_why(name, pref, match):
    with pytest.raises(InvalidCodeError, match=match):
        japan.municipality_code(name, pref=pref, date="2010-01-01")
