"""Tests of ebpm.japan: administrative codes, names, 和暦 and fiscal years."""

from __future__ import annotations

import hashlib
import json
from datetime import date, datetime, timedelta
from importlib import resources

import numpy as np
import pandas as pd
import pytest

from ebpm import japan
from ebpm.errors import (
    CatalogError,
    DataError,
    EbpmError,
    IntegrityError,
    InvalidCodeError,
    InvalidDateError,
    InvalidOptionError,
)

WEIGHTS = (6, 5, 4, 3, 2)


def _raw(resource: str) -> list[dict]:
    """The japancode rows, read here independently of ebpm.japan."""
    return json.loads(resources.files("japancode").joinpath(resource).read_bytes())


RAW_MUNICIPALITIES = _raw("data/municipalities.json")
RAW_PREFECTURES = _raw("data/prefectures.json")


def _remainder(code5: str) -> int:
    return sum(int(d) * w for d, w in zip(code5, WEIGHTS, strict=True)) % 11


@pytest.fixture
def fresh_tables():
    """Clear the in-process caches before and after a test that changes what is read."""
    caches = [
        japan.tables._read_json,
        japan.tables._prefecture_table,
        japan.tables._municipality_table,
        japan.tables._municipality_by_code,
        japan.tables._prefecture_keys,
        japan.tables._municipality_keys,
    ]
    for c in caches:
        c.cache_clear()
    yield
    for c in caches:
        c.cache_clear()


# =========================================================================================
# Errors
# =========================================================================================
def test_new_errors_are_data_errors_and_value_errors():
    for cls in (InvalidCodeError, InvalidDateError):
        assert issubclass(cls, DataError)
        assert issubclass(cls, EbpmError)
        assert issubclass(cls, ValueError)


# =========================================================================================
# Check digits
# =========================================================================================
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


@pytest.mark.parametrize(
    ("code5", "lg", "name"),
    [
        ("01100", "011002", "札幌市"),
        ("13101", "131016", "千代田区"),
        ("27100", "271004", "大阪市"),
        ("13104", "131041", "新宿区"),
    ],
)
def test_known_municipality_codes(code5, lg, name):
    assert japan.check_digit(code5) == lg[5]
    assert japan.to_lg_code(code5) == lg
    assert japan.validate_lg_code(lg) == lg
    assert japan.municipality_name(code5) == name
    assert japan.municipality_name(lg) == name
    assert japan.municipality_code(name) == code5


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


# =========================================================================================
# normalize_code
# =========================================================================================
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


# =========================================================================================
# Prefectures
# =========================================================================================
def test_prefectures_table():
    df = japan.prefectures()
    assert list(df.columns) == [
        "code",
        "lg_code",
        "name_ja",
        "name_kana",
        "name_en",
        "iso3166_2",
        "region",
    ]
    assert len(df) == 47
    assert df["code"].tolist() == [f"{i:02d}" for i in range(1, 48)]
    tokyo = df.set_index("code").loc["13"]
    assert tokyo["lg_code"] == "130001"
    assert tokyo["name_ja"] == "東京都"
    assert tokyo["name_kana"] == "とうきょうと"
    assert tokyo["name_en"] == "Tokyo"
    assert tokyo["iso3166_2"] == "JP-13"
    assert tokyo["region"] == "Kanto"
    assert df.loc[0, "lg_code"] == "010006"
    assert (df["lg_code"] == [japan.to_lg_code(c) for c in df["code"]]).all()
    counts = df["region"].value_counts().to_dict()
    assert counts == {
        "Hokkaido": 1,
        "Tohoku": 6,
        "Kanto": 7,
        "Chubu": 9,
        "Kinki": 7,
        "Chugoku": 5,
        "Shikoku": 4,
        "Kyushu-Okinawa": 8,
    }
    assert df.set_index("name_ja").loc["沖縄県", "region"] == "Kyushu-Okinawa"
    origin = df.attrs["ebpm"]["origin"]
    assert origin["sha256"] == japan.tables._PINS["data/prefectures.json"]
    assert origin["path"] == "japancode/data/prefectures.json"


@pytest.mark.parametrize(
    "name",
    [
        "東京都",
        "東京",
        "とうきょうと",
        "とうきょう",
        "トウキョウト",
        "Tokyo",
        "tokyo",
        "TOKYO",
        "Tokyo-to",
        "Tokyo to",
        "Tokyo Metropolis",
        "Tōkyō",
        "Toukyou",
        " 東京都 ",
        "JP-13",
        13,
        "13",
        "13101",
        "131016",
        "13000",
    ],
)
def test_prefecture_code_accepts_names_and_codes(name):
    assert japan.prefecture_code(name) == "13"


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("北海道", "01"),
        ("Hokkaido", "01"),
        ("Hokkaidō", "01"),
        ("京都府", "26"),
        ("Kyoto", "26"),  # must not lose a "-to" suffix it does not have
        ("Kyoto-fu", "26"),
        ("大阪", "27"),
        ("Osaka Prefecture", "27"),
        ("Oosaka", "27"),
        ("ぎふけん", "21"),
        ("Aichi-ken", "23"),
        ("沖縄県", "47"),
        (1, "01"),
    ],
)
def test_prefecture_code_other_prefectures(name, code):
    assert japan.prefecture_code(name) == code


def test_every_prefecture_round_trips_through_its_names():
    for row in japan.prefectures().itertuples():
        for name in (row.name_ja, row.name_kana, row.name_en, row.iso3166_2, row.lg_code):
            assert japan.prefecture_code(name) == row.code


@pytest.mark.parametrize(
    ("bad", "match"),
    [
        ("Tokio", r"'Tokio' is not a prefecture name.*Did you mean.*'Tokyo'"),
        ("東京府", r"'東京府' is not a prefecture name.*Did you mean.*'東京都'"),
        ("Atlantis", r"'Atlantis' is not a prefecture name \(kanji 東京都/東京, kana, romaji"),
        ("48", r"prefecture code '48' is out of range"),
        ("00000", r"national code"),
    ],
)
def test_prefecture_code_errors(bad, match):
    with pytest.raises(InvalidCodeError, match=match):
        japan.prefecture_code(bad)


def test_prefecture_name():
    assert japan.prefecture_name("13") == "東京都"
    assert japan.prefecture_name("Osaka", lang="kana") == "おおさかふ"
    assert japan.prefecture_name("北海道", lang="en") == "Hokkaido"
    assert japan.prefecture_name("27100") == "大阪府"
    with pytest.raises(
        InvalidOptionError, match=r"lang='de' is not supported\. Choose one of: 'ja'"
    ):
        japan.prefecture_name("13", lang="de")


# =========================================================================================
# Municipalities
# =========================================================================================
def test_municipalities_table_shape_and_counts():
    df = japan.municipalities()
    assert list(df.columns) == [
        "code",
        "lg_code",
        "prefecture_code",
        "prefecture_ja",
        "name_ja",
        "name_kana",
        "name_en",
        "kind",
        "parent_code",
        "lat",
        "lon",
    ]
    assert len(df) == 1916
    assert df["code"].is_unique
    assert df["code"].is_monotonic_increasing
    # the official counts of 2018-10 to 2023-12: 792 市 (20 of them designated), 743 町, 183 村,
    # 23 特別区, and 175 wards of designated cities
    assert df["kind"].value_counts().to_dict() == {
        "city": 772,
        "town": 743,
        "ward": 175,
        "village": 183,
        "special_ward": 23,
        "designated_city": 20,
    }
    assert len(japan.municipalities(wards=False)) == 1741
    assert (df["code"] == df["lg_code"].str[:5]).all()
    assert (df["prefecture_code"] == df["code"].str[:2]).all()
    assert df["lat"].between(20, 46).all()
    assert df["lon"].between(122, 154).all()


def test_municipalities_lg_codes_are_valid_and_match_the_raw_data():
    df = japan.municipalities().set_index("code")
    for row in RAW_MUNICIPALITIES:
        code = row["cid"].zfill(5)
        assert df.loc[code, "lg_code"] == row["lgcode"].zfill(6)
        assert df.loc[code, "name_ja"] == row["city"].replace(" ", "")
        assert df.loc[code, "lat"] == row["lat"]
    assert all(japan.validate_lg_code(c) == c for c in df["lg_code"])


def test_data_coverage_claims_hold():
    df = japan.municipalities()
    names = set(df["name_ja"])
    assert "那珂川市" in names  # became a city on 2018-10-01
    assert "浜松市中区" in names  # abolished on 2024-01-01
    assert "浜松市中央区" not in names  # created on 2024-01-01
    assert not df["code"].isin([f"016{n}" for n in range(95, 101)]).any()  # Northern Territories
    assert "2018-10-01" in japan.DATA_COVERAGE
    assert "2023-12-31" in japan.DATA_COVERAGE
    assert "政令市の区" in japan.DATA_COVERAGE


def test_municipalities_of_one_prefecture():
    tokyo = japan.municipalities("東京都")
    assert len(tokyo) == 62  # 23 special wards, 26 cities, 5 towns, 8 villages
    assert tokyo["kind"].value_counts().to_dict() == {
        "city": 26,
        "special_ward": 23,
        "village": 8,
        "town": 5,
    }
    assert (tokyo["prefecture_ja"] == "東京都").all()
    assert tokyo.index.tolist() == list(range(62))
    assert japan.municipalities(13).equals(tokyo)
    assert japan.municipalities("Tokyo").equals(tokyo)
    osaka = japan.municipalities("Osaka", wards=False)
    assert len(osaka) == 43  # 33 cities, 9 towns, 1 village
    assert len(japan.municipalities("大阪府")) == 43 + 24 + 7  # with Osaka's and Sakai's wards


def test_municipalities_unknown_prefecture():
    with pytest.raises(InvalidCodeError, match=r"'Tokio' is not a prefecture name"):
        japan.municipalities("Tokio")


def test_municipalities_returns_a_copy():
    df = japan.municipalities()
    df.loc[0, "name_ja"] = "changed"
    assert japan.municipalities().loc[0, "name_ja"] == "札幌市"
    pf = japan.prefectures()
    pf.loc[0, "name_ja"] = "changed"
    assert japan.prefectures().loc[0, "name_ja"] == "北海道"


def test_wards_know_their_city():
    df = japan.municipalities().set_index("code")
    assert df.loc["01101", "name_ja"] == "札幌市中央区"
    assert df.loc["01101", "parent_code"] == "01100"
    assert df.loc["27128", "parent_code"] == "27100"  # 大阪市中央区
    assert df.loc["27141", "parent_code"] == "27140"  # 堺市堺区
    wards = df[df["kind"] == "ward"]
    parents = df.loc[wards["parent_code"]]
    assert (parents["kind"] == "designated_city").all()
    assert all(w.startswith(p) for w, p in zip(wards["name_ja"], parents["name_ja"], strict=True))
    assert df.loc[df["kind"] != "ward", "parent_code"].isna().all()
    assert df.loc["13101", "kind"] == "special_ward"


@pytest.mark.parametrize(
    ("code", "name_en"),
    [
        ("01100", "Sapporo-shi"),
        ("13101", "Chiyoda-ku"),
        ("13104", "Shinjuku-ku"),
        ("27100", "Osaka-shi"),  # おおさか: oo written once
        ("01101", "Sapporo-shi Chuo-ku"),  # ちゅうおう: uu and ou written once
        ("13108", "Koto-ku"),  # こうとう
        ("15100", "Niigata-shi"),  # ii kept
        ("01400", "Kutchan-cho"),  # っち → tch
        ("01347", "Oshamanbe-cho"),  # youon しゃ
        ("15208", "Ojiya-shi"),  # ぢ → ji
        ("28586", "Shin'onsen-cho"),  # ん before a vowel
        ("07344", "Ten'ei-mura"),  # ei kept; 村 read そん
        ("20602", "Sakae-mura"),  # 村 read むら
        ("13307", "Hinohara-mura"),
        ("13361", "Oshima-machi"),  # 町 read まち
        ("34208", "Fuchu-shi"),
        ("47326", "Chatan-cho"),
    ],
)
def test_romaji_names(code, name_en):
    assert japan.municipality_name(code, lang="en") == name_en


def test_every_romaji_name_has_its_suffix():
    df = japan.municipalities()
    suffix = {"市": "shi", "区": "ku", "町": ("machi", "cho"), "村": ("mura", "son")}
    for name_ja, name_en in zip(df["name_ja"], df["name_en"], strict=True):
        assert name_en.isascii(), name_en
        assert name_en.rsplit("-", 1)[1] in suffix[name_ja[-1]], (name_ja, name_en)
        assert name_en[0].isupper()


@pytest.mark.parametrize(
    ("kana", "romaji"),
    [
        ("さっぽろ", "sapporo"),
        ("はっちょう", "hatcho"),
        ("きょうと", "kyoto"),
        ("とうきょう", "tokyo"),
        ("じゃ", "ja"),
        ("ちゃ", "cha"),
        ("ぎょ", "gyo"),
        ("しんよう", "shin'yo"),
        ("ぐんま", "gunma"),
        ("めいじ", "meiji"),
        ("カタカナ", "katakana"),
        ("らーめん", "ramen"),
        ("ふじ", "fuji"),
        ("つづき", "tsuzuki"),
    ],
)
def test_romanize(kana, romaji):
    assert japan.romaji._romanize(kana) == romaji


def test_romanize_rejects_kanji():
    with pytest.raises(ValueError, match=r"cannot romanize '東'"):
        japan.romaji._romanize("東京")


def test_municipality_name_languages():
    assert japan.municipality_name("13101") == "千代田区"
    assert japan.municipality_name("131016", lang="kana") == "ちよだく"
    assert japan.municipality_name(1100, lang="en") == "Sapporo-shi"


@pytest.mark.parametrize(
    ("code", "cls", "match"),
    [
        (
            "13000",
            InvalidCodeError,
            r"'13000' is a prefecture-level or national code.*prefecture_name",
        ),
        ("13", InvalidCodeError, r"'13' is a prefecture-level"),
        ("12131", InvalidCodeError, r"'12131' is not in the table.*merged or reorganised"),
        ("22138", InvalidCodeError, r"'22138' is not in the table"),  # 浜松市中央区, 2024
        ("131017", InvalidCodeError, r"check digit 7"),
    ],
)
def test_municipality_name_errors(code, cls, match):
    with pytest.raises(cls, match=match):
        japan.municipality_name(code)


def test_municipality_name_bad_lang():
    with pytest.raises(InvalidOptionError, match=r"lang='english' is not supported"):
        japan.municipality_name("13101", lang="english")


@pytest.mark.parametrize(
    ("name", "prefecture", "code"),
    [
        ("千代田区", None, "13101"),
        ("ちよだく", None, "13101"),
        ("チヨダク", None, "13101"),
        ("Chiyoda-ku", None, "13101"),
        ("chiyoda-ku", None, "13101"),
        ("札幌市中央区", None, "01101"),
        ("札幌市 中央区", None, "01101"),
        ("札幌市　中央区", None, "01101"),  # full-width space
        ("Sapporo-shi Chuo-ku", None, "01101"),
        ("府中市", "東京都", "13206"),
        ("府中市", "Hiroshima", "34208"),
        ("府中町", None, "34302"),
        ("北区", "東京都", "13117"),
        ("伊達市", "01", "01233"),
    ],
)
def test_municipality_code(name, prefecture, code):
    assert japan.municipality_code(name, prefecture=prefecture) == code


@pytest.mark.parametrize(
    ("name", "prefecture", "match"),
    [
        (
            "府中市",
            None,
            r"2 municipalities are named '府中市' \(13206 東京都府中市, 34208 広島県府中市\);"
            r" pass prefecture=",
        ),
        ("北区", "大阪府", r"no municipality is named '北区' in 大阪府.*Did you mean.*大阪市北区"),
        ("札幌", None, r"no municipality is named '札幌'; names include their suffix.*'札幌市'"),
        ("千代田区", "Tokio", r"'Tokio' is not a prefecture name"),
        (13101, None, r"municipality name 13101 is not a string.*normalize_code"),
    ],
)
def test_municipality_code_errors(name, prefecture, match):
    with pytest.raises(InvalidCodeError, match=match):
        japan.municipality_code(name, prefecture=prefecture)


def test_every_municipality_is_found_by_its_own_names():
    df = japan.municipalities()
    assert not df.duplicated(["prefecture_code", "name_ja"]).any()
    for row in df.itertuples():
        assert japan.municipality_code(row.name_ja, prefecture=row.prefecture_code) == row.code
        for name in (row.name_kana, row.name_en):
            if (row.prefecture_code, name) == ("01", "えさしちょう") or name == "Esashi-cho":
                continue  # 江差町 and 枝幸町 sound alike: tested below
            assert japan.municipality_code(name, prefecture=row.prefecture_code) == row.code


def test_homophones_within_a_prefecture_are_ambiguous_by_kana_and_romaji():
    for name in ("えさしちょう", "Esashi-cho"):
        with pytest.raises(InvalidCodeError, match=r"01361 北海道江差町, 01514 北海道枝幸町"):
            japan.municipality_code(name, prefecture="北海道")


# =========================================================================================
# Data integrity
# =========================================================================================
def test_pins_match_the_installed_files():
    for resource, pin in japan.tables._PINS.items():
        data = resources.files("japancode").joinpath(resource).read_bytes()
        assert hashlib.sha256(data).hexdigest() == pin


def test_changed_package_file_raises_integrity_error(monkeypatch, fresh_tables):
    monkeypatch.setitem(japan.tables._PINS, "data/municipalities.json", "0" * 64)
    with pytest.raises(IntegrityError, match=r"japancode/data/municipalities.json: sha256 is"):
        japan.municipalities()


def test_missing_package_raises_catalog_error(monkeypatch, fresh_tables):
    monkeypatch.setattr(japan.tables, "_PACKAGE", "ebpm_no_such_package")
    with pytest.raises(CatalogError, match=r"'ebpm_no_such_package' is not installed"):
        japan.prefectures()


# =========================================================================================
# Eras: 和暦 ↔ 西暦
# =========================================================================================
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


# =========================================================================================
# Fiscal year (年度)
# =========================================================================================
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
