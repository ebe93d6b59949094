"""attach(): tables joined to prefecture and municipality geometry by code or name.

Property tests check that every way of writing a prefecture (int, padded or not, 5- and 6-digit
codes, kanji with or without 都道府県, kana, romaji in any case and with a suffix) reaches the
same polygon, and that row order never changes the result.
"""

from __future__ import annotations

import re
import warnings

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from shapely.geometry import box

from ebpm import geo, japan
from ebpm.errors import (
    ColumnNotFoundError,
    DataError,
    InvalidCodeError,
    InvalidOptionError,
    MissingCRSError,
    UnmatchedRowsWarning,
)

PREFS = japan.prefectures()
SETTINGS = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@pytest.fixture(scope="module")
def prefs() -> gpd.GeoDataFrame:
    return geo.prefectures()


@pytest.fixture(scope="module")
def tokyo() -> gpd.GeoDataFrame:
    return geo.tokyo()


def _quiet(*args, **kwargs):
    """attach() with warnings turned into errors: the call must match every row."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", UnmatchedRowsWarning)
        return geo.attach(*args, **kwargs)


# --- every spelling of a prefecture ---------------------------------------------------------
_SUFFIX_ROMAJI = {"都": "to", "道": "do", "府": "fu", "県": "ken"}


def _katakana(hiragana: str) -> str:
    return "".join(chr(ord(c) + 0x60) if "ぁ" <= c <= "ゖ" else c for c in hiragana)


def _spellings(number: int) -> list[object]:
    row = PREFS.iloc[number - 1]
    kanji, kana, romaji = row["name_ja"], row["name_kana"], row["name_en"]
    short = kanji if kanji == "北海道" else kanji[:-1]
    suffix = _SUFFIX_ROMAJI[kanji[-1]]
    return [
        number,
        np.int64(number),
        float(number),
        str(number),
        f"{number:02d}",
        f"{number:02d}000",
        int(f"{number}000"),  # a 5-digit code read as a number: 1000 for 01000
        str(int(f"{number}000")),
        japan.to_lg_code(f"{number:02d}"),  # 6 digits with the check digit
        f"JP-{number:02d}",
        f"{number:02d}".translate(str.maketrans("0123456789", "０１２３４５６７８９")),
        kanji,
        short,
        f" {kanji} ",
        kana,
        _katakana(kana),
        romaji,
        romaji.upper(),
        romaji.lower(),
        f"{romaji}-{suffix}",
        f"{romaji.upper()} {suffix.upper()}",
    ]


def _is_code(value: object) -> bool:
    return not isinstance(value, str) or any(ch.isdigit() for ch in value)


@SETTINGS
@given(number=st.integers(1, 47), pick=st.integers(0, 20))
def test_every_spelling_of_a_prefecture_joins_to_its_polygon(prefs, number, pick):
    value = _spellings(number)[pick]
    by = "code" if _is_code(value) else "name"
    df = pd.DataFrame({"pref": [value], "x": [1.0]})
    out = _quiet(df, **{by: "pref"}, columns=["code"], geometry=prefs)
    assert out["code"].tolist() == [f"{number:02d}"]
    assert out.geometry.iloc[0].equals(prefs.geometry.iloc[number - 1])


@pytest.mark.parametrize("number", range(1, 48))
def test_all_spellings_of_each_prefecture_agree(prefs, number):
    values = _spellings(number)
    names = [v for v in values if not _is_code(v)]
    codes = [v for v in values if _is_code(v)]
    by_code = _quiet(pd.DataFrame({"c": codes}), code="c", columns=["code"], geometry=prefs)
    by_name = _quiet(pd.DataFrame({"n": names}), name="n", columns=["code"], geometry=prefs)
    assert set(by_code["code"]) == set(by_name["code"]) == {f"{number:02d}"}


@SETTINGS
@given(
    rows=st.lists(st.tuples(st.integers(1, 47), st.integers(0, 20)), min_size=1, max_size=30),
    data=st.data(),
)
def test_row_order_does_not_change_the_join(prefs, rows, data):
    values = [_spellings(n)[k] for n, k in rows]
    names = [None if _is_code(v) else v for v in values]  # codes become missing names
    index = [f"r{i}" for i in range(len(rows))]
    df = pd.DataFrame({"n": names, "i": range(len(rows))}, index=index)
    order = data.draw(st.permutations(index))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UnmatchedRowsWarning)  # the missing names
        whole = geo.attach(df, name="n", columns=["code"], geometry=prefs)
        shuffled = geo.attach(df.loc[order], name="n", columns=["code"], geometry=prefs)
    assert shuffled.index.tolist() == order
    pd.testing.assert_frame_equal(
        pd.DataFrame(shuffled.drop(columns="geometry")),
        pd.DataFrame(whole.drop(columns="geometry")).loc[order],
    )
    matched = df.loc[order, "n"].notna().tolist()
    assert shuffled.geometry.notna().tolist() == matched
    assert shuffled.geometry[matched].geom_equals(whole.geometry.loc[order][matched]).all()
    assert shuffled.attrs["ebpm_geo"]["unmatched_rows"] == len(rows) - sum(matched)


# --- the result -----------------------------------------------------------------------------
def test_result_keeps_rows_index_columns_and_provenance(prefs):
    df = pd.DataFrame(
        {"pref": ["13", "01", "47"], "rate": [1.5, 2.5, 3.5]}, index=["tokyo", "hokkaido", "oki"]
    )
    df.attrs["ebpm"] = {"entry": "japan.population", "sha256": "abc"}
    before = df.copy(deep=True)
    out = _quiet(df, code="pref", columns=["name_ja", "region"])
    assert isinstance(out, gpd.GeoDataFrame)
    assert out.index.tolist() == ["tokyo", "hokkaido", "oki"]
    assert out.columns.tolist() == ["pref", "rate", "name_ja", "region", "geometry"]
    assert out["name_ja"].tolist() == ["東京都", "北海道", "沖縄県"]
    assert out["region"].tolist() == ["Kanto", "Hokkaido", "Kyushu-Okinawa"]
    assert out.crs == prefs.crs
    assert out.attrs["ebpm"] == {"entry": "japan.population", "sha256": "abc"}
    geo_attrs = out.attrs["ebpm_geo"]
    assert geo_attrs["matched"] == 3
    assert geo_attrs["unmatched"] == []
    assert geo_attrs["level"] == "prefecture"
    assert geo_attrs["geometry"]["entry"] == "geo.japan_prefectures"
    # the input is untouched
    pd.testing.assert_frame_equal(df, before)
    assert df.attrs == {"ebpm": {"entry": "japan.population", "sha256": "abc"}}
    assert "ebpm_geo" not in df.attrs


def test_unmatched_rows_are_kept_warned_and_listed():
    df = pd.DataFrame({"pref": ["東京", "Tokio", None, "Narnia", "Tokio", "大阪府"], "v": range(6)})
    with pytest.warns(
        UnmatchedRowsWarning,
        match=r"^4 of 6 rows matched no prefecture by 'pref' and are kept with an empty geometry;"
        r" 3 distinct value\(s\): 'Tokio': no prefecture is named 'Tokio'\. Did you mean .*"
        r"'Tokyo'.*None: missing value; 'Narnia': no prefecture is named 'Narnia'",
    ):
        out = geo.attach(df, name="pref")
    assert len(out) == 6
    assert out.geometry.isna().tolist() == [False, True, True, True, True, False]
    info = out.attrs["ebpm_geo"]
    assert info["unmatched"] == ["Tokio", None, "Narnia"]
    assert info["unmatched_rows"] == 4
    assert info["matched"] == 2
    assert info["reasons"]["None"] == "missing value"


def test_inner_drops_unmatched_rows_but_still_reports_them():
    df = pd.DataFrame({"c": [13, 99, 1]})
    with pytest.warns(UnmatchedRowsWarning, match=r"1 of 3 rows .* are dropped \(how='inner'\)"):
        out = geo.attach(df, code="c", how="inner")
    assert out.index.tolist() == [0, 2]
    assert out.attrs["ebpm_geo"]["unmatched"] == [99]


def test_the_warning_lists_ten_values_and_counts_the_rest():
    df = pd.DataFrame({"c": [f"9{i}" for i in range(10)] + ["48", "49", "13"]})
    with pytest.warns(
        UnmatchedRowsWarning, match=r"12 distinct value\(s\): '90': .*; and 2 more\."
    ):
        out = geo.attach(df, code="c")
    assert len(out.attrs["ebpm_geo"]["unmatched"]) == 12


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("13101", r"'13101' is a municipality code \(13101\), not a prefecture; use level="),
        ("00000", r"'00000' is the national total \(全国\), not a prefecture: drop it"),
        ("東京都", r"'東京都' is not a code but looks like a name; join names with name="),
        ("131017", r"check digit 7, but 13101 needs 6"),
    ],
)
def test_codes_that_are_not_prefectures_say_why(value, reason):
    with pytest.warns(UnmatchedRowsWarning, match=reason):
        geo.attach(pd.DataFrame({"c": [value]}), code="c")


def test_numbers_in_a_name_column_follow_the_code_rules():
    out = _quiet(pd.DataFrame({"n": [13, "01"]}), name="n", columns=["code"])
    assert out["code"].tolist() == ["13", "01"]
    with pytest.warns(UnmatchedRowsWarning, match=r"'13101' is a municipality code"):
        geo.attach(pd.DataFrame({"n": ["13101"]}), name="n")


def test_an_empty_table_gives_an_empty_frame():
    out = _quiet(pd.DataFrame({"c": pd.Series([], dtype="str")}), code="c")
    assert len(out) == 0
    assert out.attrs["ebpm_geo"]["matched"] == 0


# --- municipalities -------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("13101", "13101"),
        (13101, "13101"),
        ("131016", "13101"),  # with its check digit
        (8203, "08203"),  # lost its leading zero
        ("8203", "08203"),
        (8203.0, "08203"),
        ("０８２０３", "08203"),
    ],
)
def test_municipality_codes(tokyo, value, code):
    out = _quiet(pd.DataFrame({"c": [value]}), code="c", level="municipality", geometry=tokyo)
    assert out.geometry.iloc[0].equals(tokyo.set_index("code").geometry[code])


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("千代田区", "13101"),
        ("ちよだく", "13101"),
        ("チヨダク", "13101"),
        ("Chiyoda-ku", "13101"),
        ("CHIYODA KU", "13101"),
        ("東京都千代田区", "13101"),
        ("横浜市鶴見区", "14101"),
        ("鶴見区", "14101"),  # a ward by its own name: 大阪市鶴見区 is not in this geometry
        ("Tsurumi-ku", "14101"),
        ("府中市", "13206"),  # also 広島県府中市, not in this geometry
        ("西多摩郡瑞穂町", "13303"),
        ("龍ヶ崎市", "08208"),  # ヶ and ケ are the same
        ("Urawa-shi", "11204"),  # a 1990 name known only to the geometry
        ("袖ケ浦町", "12229"),
    ],
)
def test_municipality_names(tokyo, value, code):
    out = _quiet(
        pd.DataFrame({"m": [value]}),
        name="m",
        level="municipality",
        geometry=tokyo,
        columns=["code"],
    )
    assert out["code"].tolist() == [code]


def test_ambiguous_and_unknown_municipality_names():
    two_fuchus = gpd.GeoDataFrame(
        {"code": ["13206", "34208"]}, geometry=[box(0, 0, 1, 1), box(2, 2, 3, 3)], crs=4326
    )
    df = pd.DataFrame({"m": ["府中市", "広島県府中市", "千代田川"]})
    with pytest.warns(
        UnmatchedRowsWarning,
        match=r"'府中市' names 2 municipalities \(13206 東京都府中市, 34208 広島県府中市\); "
        r"write the one meant in full with its prefecture \(e\.g\. '広島県府中市'\) or join by "
        r"code=; '千代田川': no municipality is named '千代田川'",
    ):
        out = geo.attach(df, name="m", level="municipality", geometry=two_fuchus, columns=["code"])
    assert out["code"].tolist()[1] == "34208"
    assert out.attrs["ebpm_geo"]["unmatched"] == ["府中市", "千代田川"]


def test_municipality_codes_outside_the_geometry_or_at_the_wrong_level(tokyo):
    df = pd.DataFrame({"c": ["27124", "13000", "13", "99999"]})
    with pytest.warns(
        UnmatchedRowsWarning,
        match=r"'27124': 27124 大阪府大阪市鶴見区 is in 大阪府 \(27\), which the geometry does not "
        r"cover \(it has prefectures 08, 10, 11, 12, 13, 14\); add it, e\.g\. "
        r"geo\.municipalities\(\['08', '10', '11', '12', '13', '14', '27'\]\)",
    ):
        out = geo.attach(df, code="c", level="municipality", geometry=tokyo)
    reasons = out.attrs["ebpm_geo"]["reasons"]
    assert reasons["13000"] == (
        "'13000' is the total of a prefecture (13000 東京都), not a municipality: drop the "
        "prefecture rows (e.g. df[df['c'] != '13000']), or use level='prefecture' for a table "
        "of prefectures"
    )
    assert "prefecture codes run from '01'" in reasons["99999"]


# --- municipal geometry from N03 by default (127.0.0.1) -------------------------------------
@pytest.fixture
def n03(http_server, monkeypatch, tmp_path_factory):
    from ebpm.catalog import ksj
    from tests.catalog.test_ksj import (
        KANAGAWA_2024,
        TOKYO_2024,
        URL_2024,
        URL_KANAGAWA,
        shapefile_zip,
    )

    tmp = tmp_path_factory.mktemp("n03-join")
    monkeypatch.setenv(ksj.BASE_ENV, http_server.url)
    for url, frame, pref in ((URL_2024, TOKYO_2024, "13"), (URL_KANAGAWA, KANAGAWA_2024, "14")):
        body = shapefile_zip(
            frame,
            f"N03-20240101_{pref}_GML",
            f"N03-20240101_{pref}",
            tmp,
            encoding="UTF-8",
            keep_cpg=True,
        )
        http_server.add(url, body, content_type="application/zip")
    return http_server


def test_municipal_default_geometry_is_n03_of_the_prefectures_present(n03):
    from tests.catalog.test_ksj import URL_2024, URL_KANAGAWA

    df = pd.DataFrame({"c": [13101, "13361", "14104"], "v": [1, 2, 3]})
    out = _quiet(df, code="c", level="municipality", columns=["name"])
    assert out["name"].tolist() == ["千代田区", "大島町", "横浜市中区"]
    assert out.crs.to_epsg() == 6668
    assert out.attrs["ebpm_geo"]["geometry"]["entry"] == "japan.municipal_boundaries"
    assert n03.count(URL_2024) == 1
    assert n03.count(URL_KANAGAWA) == 1


def test_designated_cities_whole_when_the_table_has_no_wards(n03):
    df = pd.DataFrame({"city": ["横浜市", "川崎市", "箱根町"]})
    out = _quiet(df, name="city", level="municipality", columns=["code"])
    assert out["code"].tolist() == ["14100", "14130", "14382"]


def test_nothing_matched_and_no_geometry_downloads_nothing(http_server):
    with pytest.warns(UnmatchedRowsWarning, match=r"1 of 1 rows matched no municipality"):
        out = geo.attach(pd.DataFrame({"m": ["Atlantis"]}), name="m", level="municipality")
    assert out.geometry.isna().all()
    assert out.crs.to_epsg() == 6668
    assert http_server.requests == []


# --- errors ---------------------------------------------------------------------------------
def test_code_or_name_exactly_one():
    df = pd.DataFrame({"c": ["13"], "n": ["東京"]})
    with pytest.raises(InvalidOptionError, match=r"got both of code= and name=; give exactly one"):
        geo.attach(df, code="c", name="n")
    with pytest.raises(InvalidOptionError, match=r"got neither of code= and name="):
        geo.attach(df)


def test_missing_column_suggests_a_close_one():
    df = pd.DataFrame({"pref_code": ["13"]})
    with pytest.raises(
        ColumnNotFoundError,
        match=r"column 'prefcode' is not in the table; it has \['pref_code'\]\. Did you mean "
        r"'pref_code'\?",
    ):
        geo.attach(df, code="prefcode")


@pytest.mark.parametrize(
    ("option", "value", "message"),
    [
        (
            "level",
            "city",
            r"level='city' is not supported\..* Choose one of: 'prefecture', 'municipality'",
        ),
        ("level", "Prefecture", r"level='Prefecture' .*Did you mean 'prefecture'\?"),
        ("how", "outer", r"how='outer' is not supported\..* Choose one of: 'left', 'inner'"),
    ],
)
def test_options_are_checked(option, value, message):
    with pytest.raises(InvalidOptionError, match=message):
        geo.attach(pd.DataFrame({"c": ["13"]}), code="c", **{option: value})


def test_the_table_must_be_a_frame_without_geometry(prefs):
    with pytest.raises(DataError, match=r"takes a pandas DataFrame .*, not list"):
        geo.attach([13], code="c")
    with pytest.raises(DataError, match=r"already has a 'geometry' column; drop or rename it"):
        geo.attach(prefs, code="code")


def test_geometry_must_be_a_geodataframe_with_crs_and_codes():
    df = pd.DataFrame({"c": ["13101"]})
    with pytest.raises(DataError, match=r"geometry= must be a GeoDataFrame .*not DataFrame"):
        geo.attach(df, code="c", level="municipality", geometry=pd.DataFrame({"code": ["13101"]}))
    bare = gpd.GeoDataFrame({"code": ["13101"]}, geometry=[box(0, 0, 1, 1)])
    with pytest.raises(MissingCRSError, match=r"geometry= has no CRS.*set_crs\('EPSG:6668'\)"):
        geo.attach(df, code="c", level="municipality", geometry=bare)
    nameless = gpd.GeoDataFrame({"id": ["13101"]}, geometry=[box(0, 0, 1, 1)], crs=4326)
    with pytest.raises(
        ColumnNotFoundError, match=r"geometry has no code column \(code or muni_code or pref_code"
    ):
        geo.attach(df, code="c", level="municipality", geometry=nameless)


def test_geometry_with_repeated_or_bad_codes(tokyo):
    df = pd.DataFrame({"c": ["13"]})
    with pytest.raises(
        InvalidCodeError,
        match=r"geometry column 'code' holds '08203', which is not a prefecture code: .*use "
        r"level='municipality'",
    ):
        geo.attach(df, code="c", geometry=tokyo)  # municipalities at the prefecture level
    twice = gpd.GeoDataFrame(
        {"code": ["13", "13000", "14"]}, geometry=[box(0, 0, 1, 1)] * 3, crs=4326
    )
    with pytest.raises(
        DataError, match=r"geometry has several rows for prefecture code\(s\) \['13'\]"
    ):
        geo.attach(df, code="c", geometry=twice)
    broken = gpd.GeoDataFrame({"code": ["13x"]}, geometry=[box(0, 0, 1, 1)], crs=4326)
    with pytest.raises(InvalidCodeError, match=r"geometry column 'code' holds '13x'"):
        geo.attach(df, code="c", geometry=broken)


def test_columns_must_exist_in_the_geometry_and_not_in_the_table():
    df = pd.DataFrame({"c": ["13"], "region": ["?"]})
    with pytest.raises(
        ColumnNotFoundError, match=r"columns=\['regoin'\] are not in the geometry.*'region'\?"
    ):
        geo.attach(df, code="c", columns=["regoin"])
    with pytest.raises(DataError, match=r"columns=\['region'\] are already in the table"):
        geo.attach(df, code="c", columns=["region"])


def test_columns_brought_along_are_missing_where_unmatched(tokyo):
    df = pd.DataFrame({"c": ["13101", "99999"]})
    with pytest.warns(UnmatchedRowsWarning, match=r"1 of 2 rows"):
        out = geo.attach(
            df, code="c", level="municipality", geometry=tokyo, columns=["area_id", "name_ja"]
        )
    assert out["area_id"].iloc[0] == 159
    assert out["name_ja"].iloc[0] == "千代田区"
    assert out[["area_id", "name_ja"]].iloc[1].isna().all()
    whole = _quiet(df.iloc[:1], code="c", level="municipality", geometry=tokyo, columns=["area_id"])
    assert whole["area_id"].dtype == tokyo["area_id"].dtype  # nothing missing: dtype kept


# --- names without a suffix, or with an English one -----------------------------------------
@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("八王子", "13201"),
        ("Hachioji", "13201"),
        ("HACHIOJI", "13201"),
        ("はちおうじ", "13201"),
        ("東京都八王子", "13201"),  # the prefecture, then a name without its suffix
        ("Chiyoda City", "13101"),  # how the special wards name themselves in English
        ("Hachioji City", "13201"),
        ("HACHIOJI-CITY", "13201"),
        ("Tsurumi Ward", "14101"),  # 大阪市鶴見区 (27124) is not in this geometry
        ("Yokohama City Tsurumi Ward", "14101"),
        ("Chiyoda-ku", "13101"),
        ("新宿", "13104"),
        ("Shinjuku", "13104"),
        ("Oizumi Town", "10524"),  # Oizumi-machi
        ("Meiwa Village", "10522"),  # Meiwa-mura
        ("府中", "13206"),  # 広島県府中市 and 府中町 are not in this geometry
        ("Urawa", "11204"),  # a 1990 name known only to the geometry (Urawa-shi)
    ],
)
def test_municipality_names_without_a_suffix_or_with_an_english_one(tokyo, value, code):
    out = _quiet(
        pd.DataFrame({"m": [value]}),
        name="m",
        level="municipality",
        geometry=tokyo,
        columns=["code"],
    )
    assert out["code"].tolist() == [code]
    assert out.geometry.iloc[0].equals(tokyo.set_index("code").geometry[code])


def test_a_full_name_wins_over_the_same_name_with_a_suffix_added():
    # 千代田 + 町 would be 群馬県千代田町, but a geometry naming its unit 千代田 gets that unit
    own = gpd.GeoDataFrame(
        {"code": ["13101", "10523"], "name_ja": ["千代田", "千代田町"]},
        geometry=[box(0, 0, 1, 1), box(2, 2, 3, 3)],
        crs=4326,
    )
    out = _quiet(
        pd.DataFrame({"m": ["千代田", "千代田町"]}),
        name="m",
        level="municipality",
        geometry=own,
        columns=["code"],
    )
    assert out["code"].tolist() == ["13101", "10523"]


def test_short_names_shared_by_several_units_of_the_geometry_are_ambiguous(tokyo):
    hiroshima = gpd.GeoDataFrame(
        {"code": ["34208", "34302", "13101"]},
        geometry=[box(0, 0, 1, 1), box(2, 2, 3, 3), box(4, 4, 5, 5)],
        crs=4326,
    )
    df = pd.DataFrame({"m": ["府中", "Tsurumi Ward", "府中町", "広島県府中"]})
    with pytest.warns(
        UnmatchedRowsWarning,
        match=r"'府中' names 2 municipalities \(34208 広島県府中市, 34302 広島県府中町\); write "
        r"the one meant in full .*'Tsurumi Ward' names 2 municipalities "
        r"\(14101 神奈川県横浜市鶴見区, 27124 大阪府大阪市鶴見区\)",
    ):
        out = geo.attach(df, name="m", level="municipality", geometry=hiroshima, columns=["code"])
    # 府中 is narrowed from three (東京都府中市 too) to the geometry's two; 府中町 is exact
    assert out["code"].isna().tolist() == [True, True, False, True]
    assert out["code"].iloc[2] == "34302"
    assert out.attrs["ebpm_geo"]["unmatched"] == ["府中", "Tsurumi Ward", "広島県府中"]
    # the Tokyo geometry has 群馬県千代田町 as well as 千代田区: CHIYODA names both
    with pytest.warns(
        UnmatchedRowsWarning,
        match=r"'CHIYODA' names 2 municipalities \(10523 群馬県千代田町, 13101 東京都千代田区\)",
    ):
        geo.attach(pd.DataFrame({"m": ["CHIYODA"]}), name="m", level="municipality", geometry=tokyo)


# --- e-Stat's combined labels ---------------------------------------------------------------
@pytest.mark.parametrize("by", ["code", "name"])
@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("13000_東京都", "13"),
        ("01 北海道", "01"),
        ("０１＿北海道", "01"),  # full-width, as pasted from a PDF
        ("47:沖縄県", "47"),
        ("27000-大阪府", "27"),
    ],
)
def test_estat_labels_join_prefectures_by_code_and_by_name(prefs, by, value, code):
    out = _quiet(pd.DataFrame({"area": [value]}), **{by: "area"}, columns=["code"], geometry=prefs)
    assert out["code"].tolist() == [code]


@pytest.mark.parametrize("by", ["code", "name"])
@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("13101_千代田区", "13101"),
        ("14101 横浜市鶴見区", "14101"),
        ("14101_鶴見区", "14101"),  # e-Stat writes a ward without its city, too
        ("08203_土浦市", "08203"),
        ("11204_浦和市", "11204"),  # a name no table knows does not block its code
    ],
)
def test_estat_labels_join_municipalities_by_code_and_by_name(tokyo, by, value, code):
    out = _quiet(
        pd.DataFrame({"area": [value]}),
        **{by: "area"},
        level="municipality",
        geometry=tokyo,
        columns=["code"],
    )
    assert out["code"].tolist() == [code]


def test_a_label_whose_code_and_name_disagree_is_unmatched(prefs, tokyo):
    with pytest.warns(
        UnmatchedRowsWarning,
        match=r"'13_大阪府': its code 13 is 13 東京都 but its name '大阪府' is 27 大阪府; correct "
        r"the table, or join by one part alone \(e\.g\. df\['area'\]\.str\.split\('_'\)"
        r"\.str\[0\] as code=\)",
    ):
        geo.attach(pd.DataFrame({"area": ["13_大阪府"]}), code="area", geometry=prefs)
    with pytest.warns(
        UnmatchedRowsWarning,
        match=r"'13101_新宿区': its code 13101 is 13101 東京都千代田区 but its name '新宿区' is "
        r"13104 東京都新宿区",
    ):
        geo.attach(
            pd.DataFrame({"area": ["13101_新宿区"]}),
            name="area",
            level="municipality",
            geometry=tokyo,
        )


def test_labels_at_the_wrong_level_give_the_code_reason(prefs):
    with pytest.warns(
        UnmatchedRowsWarning,
        match=r"'13101_千代田区' is a municipality code \(13101\), not a prefecture; use "
        r"level='municipality'",
    ):
        geo.attach(pd.DataFrame({"area": ["13101_千代田区"]}), name="area", geometry=prefs)


# --- reasons that say the fix ---------------------------------------------------------------
@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("00000", "'00000' is the national total (全国), not a prefecture: drop it "
         "(e.g. df[df['c'] != '00000'])"),
        (0, "0 is the national total (全国), not a prefecture: drop it (e.g. df[df['c'] != 0])"),
        ("00000_全国", "'00000_全国' is the national total (全国), not a prefecture: drop it "
         "(e.g. df[df['c'] != '00000_全国'])"),
    ],
)  # fmt: skip
def test_the_national_total_row_is_named_and_dropped(prefs, value, reason):
    with pytest.warns(UnmatchedRowsWarning):
        out = geo.attach(pd.DataFrame({"c": [value, "13"]}), code="c", geometry=prefs)
    assert out.attrs["ebpm_geo"]["reasons"] == {str(value): reason}
    assert out.geometry.notna().tolist() == [False, True]


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("00000", r"^'00000' is the national total \(全国\), not a municipality: drop it \(e\.g\. "
         r"df\[df\['c'\] != '00000'\]\)$"),
        ("13000", r"^'13000' is the total of a prefecture \(13000 東京都\), not a municipality: "
         r"drop the prefecture rows \(e\.g\. df\[df\['c'\] != '13000'\]\), or use "
         r"level='prefecture'"),
        ("13100", r"^'13100' is 東京都特別区部, the 23 special wards together, not one "
         r"municipality: drop it \(e\.g\. df\[df\['c'\] != '13100'\]\); the wards' own rows "
         r"\(13101-13123\) join one by one$"),
        ("13100_特別区部", r"^'13100_特別区部' is 東京都特別区部, the 23 special wards"),
        ("14100", r"^'14100' is 神奈川県横浜市, a designated city, and the geometry has its wards "
         r"\(14101-14116\); load boundaries with wards=False \(e\.g\. "
         r"geo\.municipalities\('14', wards=False\)\), or drop the city's total row when the "
         r"table also has its wards \(e\.g\. df\[df\['c'\] != '14100'\]\)$"),
        ("12101", r"^'12101' is 千葉県千葉市中央区, a ward, and the geometry has its city whole "
         r"\(12100\); load boundaries with wards=True \(e\.g\. geo\.municipalities\('12'\)\)"),
        ("13361", r"^13361 東京都大島町 is not in the geometry \(262 municipality codes, "
         r"08203-14424\), which may cover part of the prefecture only or another year"),
        ("13999", r"^13999 is not in the geometry \(262 .*\) and is no municipality code of "
         r"ebpm\.japan \(2018-2023\); check the code$"),
    ],
)  # fmt: skip
def test_municipal_reasons_name_the_row_and_the_fix(tokyo, value, reason):
    with pytest.warns(UnmatchedRowsWarning):
        out = geo.attach(
            pd.DataFrame({"c": [value]}), code="c", level="municipality", geometry=tokyo
        )
    assert re.search(reason, out.attrs["ebpm_geo"]["reasons"][value])


def test_a_designated_city_total_beside_its_wards_says_drop_it(n03):
    df = pd.DataFrame({"c": ["14100", "14104", "14103"], "v": [3, 1, 2]})
    with pytest.warns(
        UnmatchedRowsWarning,
        match=r"'14100' is 神奈川県横浜市, a designated city, and the geometry has its wards "
        r"\(14103-14104\); load boundaries with wards=False",
    ):
        out = geo.attach(df, code="c", level="municipality", columns=["name"])
    assert out["name"].tolist()[1:] == ["横浜市中区", "横浜市西区"]


def test_the_geometry_provenance_is_kept_whole(prefs):
    out = _quiet(pd.DataFrame({"c": ["13"]}), code="c", geometry=prefs)
    kept = out.attrs["ebpm_geo"]["geometry"]
    assert kept == prefs.attrs["ebpm"]
    assert kept["url"] == "https://pypi.org/project/japanmap/"
    kept["files"].append("x")  # a copy: the geometry's own record is untouched
    assert "x" not in prefs.attrs["ebpm"]["files"]


# --- never raises, never drops a row --------------------------------------------------------
_AWKWARD = [
    "13000_東京都", "00000", "00000_全国", "13100", "14100", "13101_新宿区", "八王子",
    "Chiyoda City", "Tsurumi Ward", "府中", "CHIYODA", "東京", "JP-13", "１３１０１", " ",
    "", "_", "13_", "0", "-1", "1e5", "nan", "None", "市", "区町村", "city city city city",
]  # fmt: skip
_CELLS = st.one_of(
    st.none(),
    st.just(float("nan")),
    st.integers(-(10**8), 10**8),
    st.integers(),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=12),
    st.from_regex(r"[0-9０-９]{1,7}", fullmatch=True),
    st.from_regex(r"[0-9]{2,6}[ _:-][^ ]{0,6}", fullmatch=True),
    st.sampled_from(_AWKWARD),
)


def _cell(value: object) -> object:
    return None if value is None or (isinstance(value, float) and np.isnan(value)) else value


@settings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    values=st.lists(_CELLS, min_size=1, max_size=12),
    level=st.sampled_from(["prefecture", "municipality"]),
    by=st.sampled_from(["code", "name"]),
    how=st.sampled_from(["left", "inner"]),
    data=st.data(),
)
def test_any_cell_either_matches_or_is_listed_and_no_row_is_lost(
    prefs, tokyo, values, level, by, how, data
):
    index = data.draw(st.lists(st.integers(-3, 3), min_size=len(values), max_size=len(values)))
    df = pd.DataFrame({"v": pd.Series(values, index=index, dtype=object)})
    if data.draw(st.booleans()):  # let pandas pick the dtype (int64, float64, str) when it can
        df = df.infer_objects()
    values = df["v"].tolist()
    shapes = prefs if level == "prefecture" else tokyo
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        out = geo.attach(df, **{by: "v"}, level=level, geometry=shapes, how=how, columns=["code"])
    info = out.attrs["ebpm_geo"]
    listed = [_cell(v) in info["unmatched"] for v in values]
    assert info["unmatched_rows"] == sum(listed)
    assert info["matched"] == len(values) - sum(listed)
    assert all(isinstance(info["reasons"][str(v)], str) for v in info["unmatched"])
    named = [w for w in caught if issubclass(w.category, UnmatchedRowsWarning)]
    assert len(named) == (1 if any(listed) else 0)
    kept = [i for i, unmatched in zip(index, listed, strict=True) if how == "left" or not unmatched]
    assert out.index.tolist() == kept
    if how == "left":
        assert len(out) == len(df)
        assert out.index.equals(df.index)
        pd.testing.assert_series_equal(pd.Series(out["v"]), df["v"])
        assert out.geometry.isna().tolist() == listed
    else:
        assert out.geometry.notna().all()
    by_code = shapes.set_index("code").geometry
    for shape, code in zip(out.geometry, out["code"], strict=True):
        assert (shape is None) == (not isinstance(code, str))
        if shape is not None:
            assert shape.equals(by_code[code])
