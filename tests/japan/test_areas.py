"""Tests of ebpm.japan.areas: today's prefectures and municipalities, names ↔ codes."""

from __future__ import annotations

import pytest

from ebpm import japan
from ebpm.errors import InvalidCodeError, InvalidOptionError
from tests.japan.conftest import RAW_MUNICIPALITIES


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


# --- more names and codes ---------------------------------------------------------------------
def test_prefecture_name_in_every_language_from_an_iso_code():
    got = [japan.prefecture_name("JP-47", lang=lang) for lang in ("ja", "kana", "en")]
    assert got == ["沖縄県", "おきなわけん", "Okinawa"]


@pytest.mark.parametrize(
    ("name", "code"),
    [("１３", "13"), ("jp13", "13"), ("OSAKA-FU", "27"), ("オオサカ", "27"), ("Okinawa-ken", "47")],
)
def test_prefecture_code_full_width_case_and_katakana(name, code):
    assert japan.prefecture_code(name) == code


@pytest.mark.parametrize(
    ("bad", "match"),
    [
        (True, r"code True is a boolean, not a code"),
        ("", r"'' is not a prefecture name \(kanji 東京都/東京"),
    ],
)
def test_prefecture_code_rejects_booleans_and_empty_text(bad, match):
    with pytest.raises(InvalidCodeError, match=match):
        japan.prefecture_code(bad)


def test_municipality_name_of_a_ward_in_kana_and_romaji():
    assert japan.municipality_name("27128") == "大阪市中央区"
    assert japan.municipality_name("27128", lang="kana") == "おおさかしちゅうおうく"
    assert japan.municipality_name("27128", lang="en") == "Osaka-shi Chuo-ku"


def test_municipality_name_rejects_the_national_code():
    with pytest.raises(InvalidCodeError, match=r"'00000' is a prefecture-level or national code"):
        japan.municipality_name("00000")


def test_municipalities_without_wards_keep_the_designated_cities_and_the_origin():
    osaka = japan.municipalities("大阪府", wards=False)
    assert osaka["kind"].value_counts().to_dict() == {
        "city": 31,
        "town": 9,
        "designated_city": 2,  # 大阪市 and 堺市, as one unit each
        "village": 1,
    }
    assert set(osaka.loc[osaka["kind"] == "designated_city", "code"]) == {"27100", "27140"}
    origin = osaka.attrs["ebpm"]["origin"]
    assert origin["path"] == "japancode/data/municipalities.json"
    assert origin["sha256"] == japan.tables._PINS["data/municipalities.json"]
    osaka.attrs["ebpm"]["note"] = "changed"
    assert "note" not in japan.municipalities("大阪府").attrs["ebpm"]


def test_municipality_code_today_reads_full_width_romaji_and_plain_ward_names():
    assert japan.municipality_code("ＣＨＩＹＯＤＡ-ＫＵ") == "13101"
    # a designated city's ward is written with its city, so 中央区 alone is Tokyo's special ward
    assert japan.municipality_code("中央区") == "13102"
    with pytest.raises(InvalidCodeError, match=r"municipality name None is not a string"):
        japan.municipality_code(None)
