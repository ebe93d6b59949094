"""Tests of ebpm.japan.codes: the forms of codes, the check digit and the conversions."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ebpm import japan
from ebpm.errors import InvalidCodeError, InvalidOptionError
from tests.japan.conftest import RAW_MUNICIPALITIES, RAW_PREFECTURES

WEIGHTS = (6, 5, 4, 3, 2)


def _remainder(code5: str) -> int:
    return sum(int(d) * w for d, w in zip(code5, WEIGHTS, strict=True)) % 11


def test_every_check_digit_in_japancode_is_recomputed():
    assert len(RAW_MUNICIPALITIES) == 1916
    for row in RAW_MUNICIPALITIES:
        lg = row["lgcode"].zfill(6)  # japancode drops the leading zero
        assert japan.check_digit(lg[:5]) == lg[5], row
        assert japan.validate_lg_code(lg) == lg
        assert japan.to_lg_code(row["cid"]) == lg  # cid is the 5-digit code, zero dropped
    for row in RAW_PREFECTURES:
        assert japan.to_lg_code(row["pid"]) == row["lgcode"]


def test_check_digit_rule_for_remainders_zero_and_one_matches_the_data():
    by_remainder: dict[int, set[str]] = {}
    for row in RAW_MUNICIPALITIES:
        lg = row["lgcode"].zfill(6)
        by_remainder.setdefault(_remainder(lg[:5]), set()).add(lg[5])
    assert by_remainder[0] == {"1"}  # 11 - 0 = 11: the last digit, 1
    assert by_remainder[1] == {"0"}  # 11 - 1 = 10: the last digit, 0
    for r in range(2, 11):
        assert by_remainder[r] == {str(11 - r)}


@pytest.mark.parametrize(("pref", "lg"), [("13", "130001"), ("01", "010006"), ("47", "470007")])
def test_known_prefecture_codes(pref, lg):
    assert japan.to_lg_code(pref) == lg
    assert japan.to_lg_code(pref + "000") == lg
    assert japan.normalize_code(lg, level="prefecture") == pref


def test_check_digit_pads_ints():
    assert japan.check_digit(1100) == "2"
    assert japan.check_digit("01100") == "2"


@pytest.mark.parametrize(
    ("bad", "match"),
    [
        ("1310", r"check_digit needs a 5-digit code, got '1310' \(4 digits\); use to_lg_code"),
        ("131016", r"got '131016' \(6 digits\)"),
        (123456, r"got 123456 \(6 digits\)"),
        ("13a01", r"'13a01' is not a string of digits"),
        (True, r"True is a boolean"),
        (-13101, r"-13101 is negative"),
        (None, r"None has type NoneType"),
    ],
)
def test_check_digit_errors(bad, match):
    with pytest.raises(InvalidCodeError, match=match):
        japan.check_digit(bad)


def test_validate_lg_code_wrong_check_digit_names_expected_digit_and_fix():
    with pytest.raises(
        InvalidCodeError,
        match=r"'131017' has check digit 7, but 13101 needs 6.*the code is '131016'",
    ):
        japan.validate_lg_code("131017")


def test_validate_lg_code_pads_ints_that_lost_their_zero():
    assert japan.validate_lg_code(11002) == "011002"
    assert japan.validate_lg_code(131016) == "131016"


@pytest.mark.parametrize(
    ("bad", "match"),
    [
        ("13101", r"'13101' has 5 digits.*to_lg_code\('13101'\).*pass '013101'"),
        ("1310166", r"'1310166' has 7 digits; it must have 6"),
        ("480001", r"starts with prefecture '48'.*'01' \(北海道\) to '47'"),
        ("130", r"'130' has 3 digits"),
    ],
)
def test_validate_lg_code_errors(bad, match):
    with pytest.raises(InvalidCodeError, match=match):
        japan.validate_lg_code(bad)


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("13101", "13101"),
        (13101, "13101"),
        ("01100", "01100"),
        ("1100", "01100"),  # leading zero lost
        (1100, "01100"),
        (1100.0, "01100"),  # read from a CSV column with gaps
        (np.int64(1100), "01100"),
        ("011002", "01100"),  # 全国地方公共団体コード
        ("131016", "13101"),
        (131016, "13101"),
        ("13", "13000"),  # prefecture code → e-Stat prefecture-level code
        (13, "13000"),
        ("1", "01000"),
        ("13000", "13000"),  # e-Stat prefecture-level code
        ("00000", "00000"),  # e-Stat national code
        ("130001", "13000"),
        ("１３１０１", "13101"),  # full width
        (" 13101 ", "13101"),
        ("JP-13", "13000"),
        ("jp13", "13000"),
    ],
)
def test_normalize_code_forms(code, expected):
    assert japan.normalize_code(code) == expected


@pytest.mark.parametrize(
    ("code", "expected"),
    [("13101", "13"), ("13", "13"), (1, "01"), ("011002", "01"), ("13000", "13"), ("JP-47", "47")],
)
def test_normalize_code_prefecture_level(code, expected):
    assert japan.normalize_code(code, level="prefecture") == expected


def test_normalize_code_municipality_level():
    assert japan.normalize_code(1100, level="municipality") == "01100"


@pytest.mark.parametrize(
    ("code", "level", "match"),
    [
        ("00000", "prefecture", r"'00000' is the national code \(全国\), which has no prefecture"),
        ("13", "municipality", r"'13' is a prefecture-level or national code.*'13101'"),
        ("00000", "municipality", r"'00000' is a prefecture-level or national code"),
        ("130", None, r"'130' \(a string of 3 digits\) is not a prefecture code"),
        (1234567, None, r"1234567 \(a number of 7 digits\)"),
        ("48", None, r"prefecture code '48' is out of range.*'47' \(沖縄県\)"),
        (0, None, r"prefecture code 0 is out of range"),
        ("48101", None, r"starts with prefecture '48'"),
        ("00101", None, r"starts with prefecture '00'"),
        ("11002", None, r"'002' is below that.*lost its leading zero, pass '011002'"),
        (11002, None, r"pass '011002'"),
        ("131017", None, r"check digit 7, but 13101 needs 6"),
        ("13-101", None, r"'13-101' is not a string of digits"),
        (13101.5, None, r"13101.5 is not a whole number.*dtype=\{'code': str\}"),
        (float("nan"), None, r"nan is not a whole number"),
        ([13101], None, r"\[13101\] has type list"),
    ],
)
def test_normalize_code_errors(code, level, match):
    with pytest.raises(InvalidCodeError, match=match):
        japan.normalize_code(code, level=level)


def test_normalize_code_rejects_unknown_level():
    with pytest.raises(InvalidOptionError, match=r"level='city' is not supported.*'prefecture'"):
        japan.normalize_code("13101", level="city")


def test_normalize_code_series_keeps_index_and_missing_values():
    s = pd.Series(["1100", 13101, None, "１３１０１"], index=list("abcd"), name="area")
    out = japan.normalize_code(s)
    assert out.name == "area"
    assert list(out.index) == list("abcd")
    assert out.tolist()[:2] == ["01100", "13101"]
    assert pd.isna(out["c"])
    assert out["d"] == "13101"
    pref = japan.normalize_code(s.dropna(), level="prefecture")
    assert pref.tolist() == ["01", "13", "13"]


def test_normalize_code_series_error_names_the_row():
    with pytest.raises(InvalidCodeError, match=r"'99999'.*\(at index 'b'\)"):
        japan.normalize_code(pd.Series(["13101", "99999"], index=["a", "b"]))


def test_to_lg_code_of_a_bad_code_raises():
    with pytest.raises(InvalidCodeError, match=r"'130' \(a string of 3 digits\)"):
        japan.to_lg_code("130")


# --- worked by hand ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("code5", "digit"),
    [
        ("00000", "1"),  # sum 0, r = 0: 11 - 0 = 11, last digit 1
        ("13000", "1"),  # 1*6 + 3*5 = 21, r = 10: 11 - 10 = 1
        ("27100", "4"),  # 2*6 + 7*5 + 1*4 = 51, r = 7: 11 - 7 = 4
        ("30000", "4"),  # 3*6 = 18, r = 7: 4
        ("40231", "1"),  # 4*6 + 2*4 + 3*3 + 1*2 = 43, r = 10: 1 (那珂川市, 402311)
    ],
)
def test_check_digit_by_hand(code5, digit):
    assert japan.check_digit(code5) == digit


def test_to_lg_code_of_every_form_of_one_code():
    for form in ("01100", "1100", 1100, 1100.0, np.int64(1100), "011002", "０１１００"):
        assert japan.to_lg_code(form) == "011002", form
    assert japan.to_lg_code("00000") == "000001"  # the national code has a check digit too
    assert japan.to_lg_code("JP-47") == "470007"


def test_validate_lg_code_accepts_numpy_ints_and_rejects_booleans():
    assert japan.validate_lg_code(np.int64(11002)) == "011002"
    with pytest.raises(InvalidCodeError, match=r"全国地方公共団体コード True is a boolean"):
        japan.validate_lg_code(True)


@pytest.mark.parametrize(
    ("code", "match"),
    [
        ("1099", r"'1099' is not a valid municipality code.*'099' is below that\. Check the code"),
        (float("inf"), r"inf is not a whole number"),
        ("JP-48", r"prefecture code '48' is out of range"),
    ],
)
def test_normalize_code_more_errors(code, match):
    with pytest.raises(InvalidCodeError, match=match):
        japan.normalize_code(code)


def test_normalize_code_four_digits_and_floats():
    assert japan.normalize_code("1000") == "01000"  # 北海道's prefecture-level code, zero lost
    assert japan.normalize_code(np.float64(13101.0)) == "13101"
    assert japan.normalize_code("1000", level="prefecture") == "01"


def test_normalize_code_series_at_municipality_level_names_the_row():
    s = pd.Series(["13101", "13"], index=["x", "y"])
    with pytest.raises(
        InvalidCodeError, match=r"'13' is a prefecture-level or national code.*\(at index 'y'\)"
    ):
        japan.normalize_code(s, level="municipality")
    assert japan.normalize_code(s.iloc[:1], level="municipality").tolist() == ["13101"]
