"""国土数値情報 N03 boundaries from zips built in the real N03 layout, served on 127.0.0.1.

The zips are generated here (not committed): a 2024 Tokyo release (UTF-8 attribute table with a
.cpg, a GeoJSON twin, metadata XML, all inside an ``N03-20240101_13_GML/`` folder) and a 2019
Hokkaido release in the older naming, its attribute table in Shift_JIS with no .cpg. Polygons are
small hand-made rectangles: 千代田区 in one part, 大島町 in two (islands), and one 所属未定地
record without a code. A 2024 Kanagawa release holds two wards of 横浜市, one of 川崎市 and the
town 箱根町, to dissolve designated cities (wards=False).
"""

from __future__ import annotations

import hashlib
import inspect
import io
import zipfile
from pathlib import Path

import geopandas as gpd
import pyogrio
import pytest
from shapely.geometry import MultiPolygon, box

from ebpm import japan
from ebpm.catalog import ksj, open_catalog
from ebpm.errors import (
    IntegrityError,
    InvalidCodeError,
    InvalidOptionError,
    RemoteError,
    SourceFormatError,
)

CHIYODA = box(139.74, 35.67, 139.78, 35.70)
OSHIMA_MAIN = box(139.35, 34.68, 139.45, 34.78)
OSHIMA_ISLET = box(139.28, 34.50, 139.30, 34.52)
UNASSIGNED = box(139.80, 35.60, 139.81, 35.61)
SAPPORO_CHUO = box(141.30, 43.03, 141.36, 43.07)
TOBETSU = box(141.45, 43.20, 141.60, 43.35)

TOKYO_2024 = gpd.GeoDataFrame(
    {
        "N03_001": ["東京都", "東京都", "東京都", "東京都"],
        "N03_002": [None, "大島支庁", "大島支庁", None],
        "N03_003": [None, None, None, None],
        "N03_004": ["千代田区", "大島町", "大島町", "所属未定地"],
        "N03_005": [None, None, None, None],
        "N03_007": ["13101", "13361", "13361", None],
    },
    geometry=[CHIYODA, OSHIMA_MAIN, OSHIMA_ISLET, UNASSIGNED],
    crs="EPSG:6668",
)
HOKKAIDO_2019 = gpd.GeoDataFrame(
    {
        "N03_001": ["北海道", "北海道"],
        "N03_002": ["石狩振興局", "石狩振興局"],
        "N03_003": ["札幌市", "石狩郡"],
        "N03_004": ["中央区", "当別町"],
        "N03_007": ["01101", "01303"],
    },
    geometry=[SAPPORO_CHUO, TOBETSU],
    crs="EPSG:6668",
)
YOKOHAMA_NISHI = box(139.60, 35.45, 139.63, 35.47)
YOKOHAMA_NAKA = box(139.64, 35.42, 139.67, 35.45)  # apart from 西区: the union has two parts
KAWASAKI_KAWASAKI = box(139.70, 35.50, 139.75, 35.54)
HAKONE = box(139.00, 35.20, 139.10, 35.27)
# The 2024 layout: a ward's city in N03_003 and N03_004, the ward in N03_005. 川崎市's row leaves
# N03_003 empty, so the city's name must also be found in N03_004.
KANAGAWA_2024 = gpd.GeoDataFrame(
    {
        "N03_001": ["神奈川県"] * 4,
        "N03_002": [None] * 4,
        "N03_003": ["横浜市", "横浜市", None, "足柄下郡"],
        "N03_004": ["横浜市", "横浜市", "川崎市", "箱根町"],
        "N03_005": ["中区", "西区", "川崎区", None],
        "N03_007": ["14104", "14103", "14131", "14382"],
    },
    geometry=[YOKOHAMA_NAKA, YOKOHAMA_NISHI, KAWASAKI_KAWASAKI, HAKONE],
    crs="EPSG:6668",
)
URL_2024 = "/N03-2024/N03-20240101_13_GML.zip"
URL_KANAGAWA = "/N03-2024/N03-20240101_14_GML.zip"
URL_2019 = "/N03-2019/N03-190101_01_GML.zip"


def shapefile_zip(
    frame: gpd.GeoDataFrame,
    folder: str,
    stem: str,
    tmp: Path,
    *,
    encoding: str,
    keep_cpg: bool,
    geojson: bool = False,
) -> bytes:
    """A zip laid out like an N03 download: ``folder/stem.shp`` and friends."""
    work = tmp / stem
    work.mkdir()
    pyogrio.write_dataframe(frame, work / f"{stem}.shp", encoding=encoding)
    if not keep_cpg:
        (work / f"{stem}.cpg").unlink()
    if geojson:
        pyogrio.write_dataframe(frame, work / f"{stem}.geojson", driver="GeoJSON")
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(f"{folder}/", "")
        for path in sorted(work.iterdir()):
            zf.write(path, f"{folder}/{path.name}")
        zf.writestr(f"{folder}/KS-META-{stem}.xml", "<?xml version='1.0'?><metadata/>")
    return buf.getvalue()


@pytest.fixture(scope="module")
def zips(tmp_path_factory) -> dict[str, bytes]:
    tmp = tmp_path_factory.mktemp("n03")
    out = {
        "2024": shapefile_zip(
            TOKYO_2024,
            "N03-20240101_13_GML",
            "N03-20240101_13",
            tmp,
            encoding="UTF-8",
            keep_cpg=True,
            geojson=True,
        ),
        "kanagawa": shapefile_zip(
            KANAGAWA_2024,
            "N03-20240101_14_GML",
            "N03-20240101_14",
            tmp,
            encoding="UTF-8",
            keep_cpg=True,
        ),
        "2019": shapefile_zip(
            HOKKAIDO_2019,
            "N03-190101_01_GML",
            "N03-19_01_190101",
            tmp,
            encoding="CP932",
            keep_cpg=False,
        ),
    }
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("N03-20240101_13_GML/KS-META-N03-20240101_13.xml", "<metadata/>")
        zf.writestr("N03-20240101_13_GML/N03-20240101_prefecture.shp", b"\0" * 100)
    out["no_member"] = buf.getvalue()
    return out


@pytest.fixture
def n03(http_server, monkeypatch, zips):
    monkeypatch.setenv("EBPM_KSJ_BASE", http_server.url)
    http_server.add(URL_2024, zips["2024"], content_type="application/zip")
    http_server.add(URL_2019, zips["2019"], content_type="application/zip")
    http_server.add(URL_KANAGAWA, zips["kanagawa"], content_type="application/zip")
    return http_server


# --- names, codes and URLs ------------------------------------------------------------------
@pytest.mark.parametrize(
    "value",
    [
        13,
        "13",
        " 13 ",
        "１３",
        "JP-13",
        "東京都",
        "東京",
        "とうきょうと",
        "トウキョウ",
        "Tokyo",
        "tokyo",
        "Tokyo-to",
        "Tōkyō",
    ],
)
def test_prefecture_by_code_or_name(value):
    assert ksj._prefecture(value) == ("13", "東京都")


def test_prefecture_names_in_kana_and_romaji_reach_the_download(n03):
    assert ksj.n03_url("かながわけん", 2024).endswith("/N03-2024/N03-20240101_14_GML.zip")
    assert ksj.n03_url("Osaka Prefecture", 2024).endswith("/N03-20240101_27_GML.zip")
    gdf = ksj.ksj_boundaries("Kanagawa-ken", year=2024)
    assert gdf["pref_code"].unique().tolist() == ["14"]
    assert gdf.attrs["ebpm"]["params"]["prefecture"] == "14"


def test_prefecture_errors_suggest_a_match():
    with pytest.raises(
        InvalidCodeError,
        match=r"prefecture='Tokio': 'Tokio' is not a prefecture name .* "
        r"Did you mean one of 'Tokyo', 'Hokkaido'\?",
    ):
        ksj._prefecture("Tokio")
    with pytest.raises(
        InvalidCodeError,
        match=r"prefecture=48: prefecture code 48 is out of range; prefecture codes "
        r"run from '01' \(北海道\) to '47' \(沖縄県\)",
    ):
        ksj._prefecture(48)
    with pytest.raises(
        InvalidCodeError,
        match=r"prefecture=True is not a prefecture; give its code \(13 or '13'\)",
    ):
        ksj._prefecture(True)
    with pytest.raises(
        InvalidCodeError,
        match=r"prefecture='14104' is a municipality code, not a prefecture code \(its "
        r"prefecture is '14'\): N03 is published per prefecture",
    ):
        ksj._prefecture("14104")


def test_download_urls_follow_the_release_naming(monkeypatch):
    monkeypatch.delenv("EBPM_KSJ_BASE", raising=False)
    base = "https://nlftp.mlit.go.jp/ksj/gml/data/N03"
    assert ksj.n03_url(13, 2024) == f"{base}/N03-2024/N03-20240101_13_GML.zip"
    assert ksj.n03_url("北海道", 2020) == f"{base}/N03-2020/N03-20200101_01_GML.zip"
    assert ksj.n03_url("01", 2019) == f"{base}/N03-2019/N03-190101_01_GML.zip"
    assert ksj.n03_url(47, 2015) == f"{base}/N03-2015/N03-150101_47_GML.zip"
    with pytest.raises(InvalidOptionError, match=r"year=2010: ebpm reads N03 releases from 2015"):
        ksj.n03_url(13, 2010)
    assert ksj.n03_url(13, "2024") == f"{base}/N03-2024/N03-20240101_13_GML.zip"
    with pytest.raises(InvalidOptionError, match=r"year='R6' must be a whole number"):
        ksj.n03_url(13, "R6")


@pytest.mark.parametrize(
    ("county_or_city", "muni_name", "ward", "expected"),
    [
        (None, "千代田区", None, "千代田区"),  # a special ward of Tokyo
        ("札幌市", "中央区", None, "札幌市中央区"),  # a designated city's ward, before 2024
        ("横浜市", "横浜市", "中区", "横浜市中区"),  # the same from 2024 (N03_005)
        ("足柄下郡", "箱根町", None, "箱根町"),  # counties are left out
        (None, "釧路市", None, "釧路市"),
    ],
)
def test_display_names(county_or_city, muni_name, ward, expected):
    assert ksj.display_name(county_or_city, muni_name, ward) == expected


def test_member_pattern_matches_both_namings_only():
    pattern = ksj._member_pattern("13")
    assert pattern.match("N03-20240101_13.shp")
    assert pattern.match("N03-19_13_190101.geojson")
    assert pattern.match("N03-15_13_150101.SHP")
    assert not pattern.match("N03-20240101_prefecture.shp")
    assert not pattern.match("N03-20240101_14.shp")
    assert not pattern.match("N03-20240101.shp")


# --- loading --------------------------------------------------------------------------------
def test_zip_is_dissolved_to_one_row_per_code(n03, zips):
    gdf = ksj.ksj_boundaries("東京都", year=2024)
    assert isinstance(gdf, gpd.GeoDataFrame)
    assert gdf.columns.tolist() == ksj.COLUMNS
    assert gdf["muni_code"].tolist() == ["13101", "13361"]
    assert gdf["pref_code"].tolist() == ["13", "13"]
    assert gdf["name"].tolist() == ["千代田区", "大島町"]
    assert gdf["pref_name"].tolist() == ["東京都", "東京都"]
    assert gdf["subpref"].isna().tolist() == [True, False]
    assert gdf["subpref"].iloc[1] == "大島支庁"
    assert gdf["ward"].isna().all()
    assert gdf.crs.to_epsg() == 6668
    assert gdf.geometry.geom_type.tolist() == ["Polygon", "MultiPolygon"]
    assert gdf.geometry.iloc[0].equals(CHIYODA)
    assert gdf.geometry.iloc[1].equals(MultiPolygon([OSHIMA_MAIN, OSHIMA_ISLET]))
    prov = gdf.attrs["ebpm"]
    assert prov["licence"] == ksj.LICENCE
    assert prov["attribution"] == (
        "出典：国土交通省国土数値情報ダウンロードサイト（行政区域データ）"
        "https://nlftp.mlit.go.jp/ksj/ を加工して作成"
    )
    assert prov["sha256"] == hashlib.sha256(zips["2024"]).hexdigest()
    assert prov["request"] == n03.url + URL_2024
    assert prov["params"] == {"prefecture": "13", "year": 2024, "wards": True}
    assert prov["title"] == "行政区域データ（N03）2024年1月1日 東京都"
    assert prov["from_cache"] is False


def test_dropped_records_are_counted_in_the_cache_record(n03):
    from ebpm.catalog.cache import table_state

    gdf = ksj.ksj_boundaries(13, year=2024)
    assert gdf.attrs["n03"] == {
        "prefecture_code": "13",
        "year": 2024,
        "reference_date": "2024-01-01",
        "member": "N03-20240101_13_GML/N03-20240101_13.shp",
        "records": 4,
        "dropped_rows": 1,
        "dropped_names": ["所属未定地"],
        "crs": "EPSG:6668",
        "wards": True,
        "merged_wards": {},
        "guessed_parents": {},
    }
    state = table_state(
        {
            "kind": "ksj_n03",
            "format": ksj.PARSER_VERSION,
            "url": n03.url + URL_2024,
            "sha256": None,
            "wards": True,
        }
    )
    origin = state["origin"]
    assert origin["records"] == 4
    assert origin["dropped_rows"] == 1
    assert origin["dropped_names"] == ["所属未定地"]
    assert origin["member"] == "N03-20240101_13_GML/N03-20240101_13.shp"
    assert origin["crs"] == "EPSG:6668"
    assert state["rows"] == 2


def test_second_load_reads_geoparquet_without_download_or_unzip(n03, monkeypatch):
    first = ksj.ksj_boundaries(13, year=2024)

    def no_unzip(*args, **kwargs):
        raise AssertionError("the zip was read again")

    monkeypatch.setattr(ksj, "_read_layer", no_unzip)
    again = ksj.ksj_boundaries("13", year=2024, columns=["name"])
    assert again.columns.tolist() == ["name", "geometry"]
    assert again["name"].tolist() == ["千代田区", "大島町"]
    assert again.geometry.iloc[1].equals(first.geometry.iloc[1])
    assert again.crs.to_epsg() == 6668
    assert again.attrs["ebpm"]["from_cache"] is True
    assert n03.count(URL_2024) == 1


def test_older_release_with_shift_jis_attributes(n03):
    gdf = ksj.ksj_boundaries("北海道", year=2019)
    assert gdf["muni_code"].tolist() == ["01101", "01303"]
    assert gdf["pref_code"].tolist() == ["01", "01"]
    assert gdf["name"].tolist() == ["札幌市中央区", "当別町"]
    assert gdf["county_or_city"].tolist() == ["札幌市", "石狩郡"]
    assert gdf["muni_name"].tolist() == ["中央区", "当別町"]
    assert gdf["subpref"].tolist() == ["石狩振興局", "石狩振興局"]
    assert gdf["ward"].isna().all()
    assert gdf.crs.to_epsg() == 6668
    assert gdf.geometry.iloc[1].equals(TOBETSU)
    assert gdf.attrs["ebpm"]["licence"] == ksj.LICENCE
    assert gdf.attrs["n03"]["member"] == "N03-190101_01_GML/N03-19_01_190101.shp"
    assert gdf.attrs["n03"]["dropped_rows"] == 0


def test_releases_before_2019_point_at_their_own_conditions(n03, zips):
    n03.add("/N03-2018/N03-180101_01_GML.zip", zips["2019"])
    gdf = ksj.ksj_boundaries(1, year=2018)
    assert gdf["muni_code"].tolist() == ["01101", "01303"]
    assert gdf.attrs["ebpm"]["licence"] == ksj.LICENCE_OLDER
    assert "releases before 2019 may carry older conditions" in ksj.LICENCE_OLDER


def test_a_release_with_only_geojson(http_server, monkeypatch, tmp_path):
    monkeypatch.setenv("EBPM_KSJ_BASE", http_server.url)
    path = tmp_path / "N03-20250101_13.geojson"
    pyogrio.write_dataframe(TOKYO_2024, path, driver="GeoJSON")
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.write(path, f"N03-20250101_13_GML/{path.name}")
    http_server.add("/N03-2025/N03-20250101_13_GML.zip", buf.getvalue())
    gdf = ksj.ksj_boundaries("Tokyo", year=2025)
    assert gdf["muni_code"].tolist() == ["13101", "13361"]
    assert gdf["name"].tolist() == ["千代田区", "大島町"]
    assert gdf.crs.to_epsg() == 6668
    assert gdf.attrs["n03"]["member"] == "N03-20250101_13_GML/N03-20250101_13.geojson"


def test_zip_without_the_boundary_layer_names_members_and_pattern(http_server, monkeypatch, zips):
    monkeypatch.setenv("EBPM_KSJ_BASE", http_server.url)
    http_server.add(URL_2024, zips["no_member"])
    with pytest.raises(
        SourceFormatError,
        match=r"国土数値情報 N03 2024 東京都 zip \(http://127\.0\.0\.1:\d+/N03-2024/"
        r"N03-20240101_13_GML\.zip\) holds no N03 boundary layer: expected a member named like "
        r".*N03-20240101_13\.shp\), found \['N03-20240101_13_GML/KS-META-N03-20240101_13\.xml', "
        r"'N03-20240101_13_GML/N03-20240101_prefecture\.shp'\]",
    ):
        ksj.ksj_boundaries(13, year=2024)


def test_a_download_that_is_not_a_zip(http_server, monkeypatch):
    monkeypatch.setenv("EBPM_KSJ_BASE", http_server.url)
    http_server.add(URL_2024, b"<html>maintenance</html>", content_type="text/html")
    with pytest.raises(SourceFormatError, match=r"is not a zip archive .* refresh=True"):
        ksj.ksj_boundaries(13, year=2024)


def test_sha256_mismatch_leaves_nothing_in_the_cache(n03, cache_dir):
    with pytest.raises(IntegrityError, match=r"has sha256 [0-9a-f]{64}, but the entry pins 0{64}"):
        ksj.ksj_boundaries(13, year=2024, sha256="0" * 64)
    assert [p for p in cache_dir.rglob("*") if p.is_file()] == []


def test_pinned_sha256_that_matches(n03, zips):
    sha = hashlib.sha256(zips["2024"]).hexdigest()
    gdf = ksj.ksj_boundaries(13, year=2024, sha256=sha.upper())
    assert gdf.attrs["ebpm"]["sha256"] == sha


def test_missing_release_says_which_file(n03):
    with pytest.raises(
        RemoteError,
        match=r"there is no file at .*/N03-2031/N03-20310101_13_GML"
        r"\.zip \(HTTP 404\)",
    ):
        ksj.ksj_boundaries(13, year=2031)


def test_reader_through_a_catalog(n03, tmp_path):
    cat = tmp_path / "cat"
    cat.mkdir()
    (cat / "maps.yaml").write_text(
        "version: 2\nentries:\n  tokyo:\n    reader: ebpm.catalog.ksj:KsjBoundaries\n"
        "    kwargs: {prefecture: 東京都, year: 2024}\n"
        "    metadata: {title: 東京都の市区町村境界, kind: map}\n",
        encoding="utf-8",
    )
    catalog = open_catalog(cat)
    gdf = catalog.load("maps.tokyo", columns=["muni_code", "name"])
    assert isinstance(gdf, gpd.GeoDataFrame)
    assert gdf.columns.tolist() == ["muni_code", "name", "geometry"]
    assert gdf["muni_code"].tolist() == ["13101", "13361"]
    prov = gdf.attrs["ebpm"]
    assert prov["entry"] == "maps.tokyo"
    # a remote origin's own title wins over the entry's (provenance.finish)
    assert prov["title"] == "行政区域データ（N03）2024年1月1日 東京都"
    assert prov["licence"] == ksj.LICENCE
    assert prov["source"] == ksj.SOURCE
    again = catalog.load("maps.tokyo")
    assert again["name"].tolist() == ["千代田区", "大島町"]
    assert again.attrs["ebpm"]["from_cache"] is True
    assert n03.count(URL_2024) == 1


# --- designated cities as wards or whole ----------------------------------------------------
def test_kanagawa_by_ward(n03):
    gdf = ksj.ksj_boundaries(14, year=2024)
    assert gdf.columns.tolist() == ksj.COLUMNS
    assert gdf["muni_code"].tolist() == ["14103", "14104", "14131", "14382"]
    assert gdf["pref_code"].tolist() == ["14"] * 4
    assert gdf["name"].tolist() == ["横浜市西区", "横浜市中区", "川崎市川崎区", "箱根町"]
    assert gdf["ward"].iloc[:3].tolist() == ["西区", "中区", "川崎区"]
    assert gdf["ward"].isna().tolist() == [False, False, False, True]


def test_wards_false_dissolves_designated_cities(n03):
    gdf = ksj.ksj_boundaries("神奈川県", year=2024, wards=False)
    assert gdf.columns.tolist() == ksj.COLUMNS
    assert gdf["muni_code"].tolist() == ["14100", "14130", "14382"]
    assert gdf["pref_code"].tolist() == ["14", "14", "14"]
    assert gdf["name"].tolist() == ["横浜市", "川崎市", "箱根町"]
    assert gdf["county_or_city"].tolist() == ["横浜市", "川崎市", "足柄下郡"]
    assert gdf["muni_name"].tolist() == ["横浜市", "川崎市", "箱根町"]
    assert gdf["ward"].isna().all()
    assert gdf["pref_name"].tolist() == ["神奈川県"] * 3
    assert gdf.crs.to_epsg() == 6668
    yokohama = gdf.geometry.iloc[0]
    assert yokohama.geom_type == "MultiPolygon"
    assert yokohama.equals(MultiPolygon([YOKOHAMA_NISHI, YOKOHAMA_NAKA]))
    assert yokohama.area == pytest.approx(YOKOHAMA_NISHI.area + YOKOHAMA_NAKA.area, rel=1e-12)
    assert gdf.geometry.iloc[1].equals(KAWASAKI_KAWASAKI)
    assert gdf.geometry.iloc[2].equals(HAKONE)
    assert gdf.attrs["n03"]["wards"] is False
    assert gdf.attrs["n03"]["merged_wards"] == {"14100": ["14103", "14104"], "14130": ["14131"]}
    assert gdf.attrs["n03"]["guessed_parents"] == {}
    assert gdf.attrs["n03"]["records"] == 4
    prov = gdf.attrs["ebpm"]
    assert prov["params"] == {"prefecture": "14", "year": 2024, "wards": False}
    assert prov["licence"] == ksj.LICENCE


def test_wards_false_keeps_tokyos_special_wards(n03):
    gdf = ksj.ksj_boundaries(13, year=2024, wards=False)
    assert gdf["muni_code"].tolist() == ["13101", "13361"]
    assert gdf["name"].tolist() == ["千代田区", "大島町"]
    assert gdf.geometry.iloc[0].equals(CHIYODA)
    assert gdf.attrs["n03"]["merged_wards"] == {}


def test_wards_false_before_2024_names_the_city_from_n03_003(n03):
    gdf = ksj.ksj_boundaries("北海道", year=2019, wards=False)
    assert gdf["muni_code"].tolist() == ["01100", "01303"]
    assert gdf["name"].tolist() == ["札幌市", "当別町"]
    assert gdf["subpref"].tolist() == ["石狩振興局", "石狩振興局"]
    assert gdf.geometry.iloc[0].equals(SAPPORO_CHUO)


def test_wards_true_and_false_are_cached_apart_from_one_download(n03, monkeypatch):
    from ebpm.catalog.cache import table_state

    by_ward = ksj.ksj_boundaries(14, year=2024)

    def no_unzip(*args, **kwargs):
        raise AssertionError("the zip was read again")

    monkeypatch.setattr(ksj, "_read_layer", no_unzip)
    whole = ksj.ksj_boundaries(14, year=2024, wards=False)  # built from the cached ward table
    assert len(by_ward) == 4
    assert len(whole) == 3
    assert whole.attrs["ebpm"]["from_cache"] is False
    again = ksj.ksj_boundaries(14, year=2024, wards=True, columns=["muni_code"])
    assert again["muni_code"].tolist() == ["14103", "14104", "14131", "14382"]
    assert again.attrs["ebpm"]["from_cache"] is True
    again = ksj.ksj_boundaries(14, year=2024, wards=False, columns=["muni_code"])
    assert again["muni_code"].tolist() == ["14100", "14130", "14382"]
    assert again.attrs["ebpm"]["from_cache"] is True
    assert n03.count(URL_KANAGAWA) == 1
    parts = {
        "kind": "ksj_n03",
        "format": ksj.PARSER_VERSION,
        "url": n03.url + URL_KANAGAWA,
        "sha256": None,
    }
    assert table_state({**parts, "wards": True})["rows"] == 4
    whole_state = table_state({**parts, "wards": False})
    assert whole_state["rows"] == 3
    assert whole_state["what"] == "国土数値情報 N03 2024 神奈川県 (designated cities whole)"
    merged = whole_state["origin"]["merged_wards"]
    assert merged == {"14100": ["14103", "14104"], "14130": ["14131"]}


def test_wards_false_first_downloads_once(n03):
    whole = ksj.ksj_boundaries(14, year=2024, wards=False)
    by_ward = ksj.ksj_boundaries(14, year=2024, wards=True)
    assert whole["muni_code"].tolist() == ["14100", "14130", "14382"]
    assert by_ward["muni_code"].tolist() == ["14103", "14104", "14131", "14382"]
    assert by_ward.attrs["ebpm"]["from_cache"] is True
    assert n03.count(URL_KANAGAWA) == 1


def test_wards_must_be_a_bool(n03):
    with pytest.raises(InvalidOptionError, match=r"wards='no' must be True .* or False"):
        ksj.ksj_boundaries(14, year=2024, wards="no")
    assert n03.count(URL_KANAGAWA) == 0


def test_ward_parents_from_the_japan_table_and_by_code_range():
    table = japan.municipalities()
    assert set(table.loc[table["code"].isin(["22138", "22139", "22140"]), "code"]) == set()
    parents, guessed = ksj.ward_parents(
        [
            "14101",  # 横浜市鶴見区
            "14137",  # 川崎市麻生区
            "27128",  # 大阪市中央区
            "22131",  # 浜松市中区 (to 2023), in the table
            "22138",  # 浜松市中央区 (2024), not in the table
            "22140",  # 浜松市天竜区 (2024)
            "22101",  # 静岡市葵区
            "13101",  # 千代田区: a special ward, a municipality
            "14201",  # 横須賀市: a city, even though 14150 相模原市 is below it
            "14382",  # 箱根町
            "08101",  # unknown, but 茨城県 has no designated city
            "14100",  # 横浜市 itself
        ],
        table,
    )
    assert parents == {
        "14101": "14100",
        "14137": "14130",
        "27128": "27100",
        "22131": "22130",
        "22138": "22130",
        "22140": "22130",
        "22101": "22100",
    }
    assert guessed == {"22138": "22130", "22140": "22130"}


def test_wards_false_assigns_2024_hamamatsu_wards_by_code_range(http_server, monkeypatch, tmp_path):
    monkeypatch.setenv("EBPM_KSJ_BASE", http_server.url)
    chuo, hamana = box(137.70, 34.68, 137.78, 34.75), box(137.75, 34.80, 137.80, 34.85)
    aoi, numazu = box(138.35, 34.97, 138.40, 35.00), box(138.85, 35.08, 138.90, 35.12)
    frame = gpd.GeoDataFrame(
        {
            "N03_001": ["静岡県"] * 4,
            "N03_002": [None] * 4,
            "N03_003": ["浜松市", "浜松市", "静岡市", None],
            "N03_004": ["浜松市", "浜松市", "静岡市", "沼津市"],
            "N03_005": ["中央区", "浜名区", "葵区", None],
            "N03_007": ["22138", "22139", "22101", "22203"],
        },
        geometry=[chuo, hamana, aoi, numazu],
        crs="EPSG:6668",
    )
    body = shapefile_zip(
        frame, "N03-20240101_22_GML", "N03-20240101_22", tmp_path, encoding="UTF-8", keep_cpg=True
    )
    http_server.add("/N03-2024/N03-20240101_22_GML.zip", body)
    gdf = ksj.ksj_boundaries("しずおかけん", year=2024, wards=False)
    assert gdf["muni_code"].tolist() == ["22100", "22130", "22203"]
    assert gdf["name"].tolist() == ["静岡市", "浜松市", "沼津市"]
    assert gdf.geometry.iloc[1].area == pytest.approx(chuo.area + hamana.area, rel=1e-12)
    assert gdf.attrs["n03"]["guessed_parents"] == {"22138": "22130", "22139": "22130"}
    assert gdf.attrs["n03"]["merged_wards"] == {
        "22100": ["22101"],
        "22130": ["22138", "22139"],
    }


def test_non_404_http_errors_pass_through(http_server, monkeypatch):
    monkeypatch.setenv("EBPM_KSJ_BASE", http_server.url)
    http_server.add(URL_2024, b"forbidden", status=403)
    with pytest.raises(RemoteError, match=r"HTTP 403") as info:
        ksj.ksj_boundaries(13, year=2024)
    assert info.value.status == 403
    assert "there is no file" not in str(info.value)


def test_reader_takes_wards_and_refuses_unknown_keywords(n03, tmp_path):
    params = inspect.signature(ksj.KsjBoundaries._read).parameters
    assert all(p.kind is not inspect.Parameter.VAR_KEYWORD for p in params.values())
    cat = tmp_path / "cat"
    cat.mkdir()
    (cat / "maps.yaml").write_text(
        "version: 2\nentries:\n  kanagawa_cities:\n    reader: ebpm.catalog.ksj:KsjBoundaries\n"
        "    kwargs: {prefecture: 神奈川県, year: 2024, wards: false}\n"
        "    metadata: {title: 神奈川県の市町村境界, kind: map}\n",
        encoding="utf-8",
    )
    gdf = open_catalog(cat).load("maps.kanagawa_cities", columns=["muni_code", "name"])
    assert gdf["muni_code"].tolist() == ["14100", "14130", "14382"]
    assert gdf["name"].tolist() == ["横浜市", "川崎市", "箱根町"]
    assert gdf.attrs["n03"]["merged_wards"] == {"14100": ["14103", "14104"], "14130": ["14131"]}
    reader = ksj.KsjBoundaries(prefecture="14", year=2024, ward=False)
    with pytest.raises(TypeError, match=r"unexpected keyword argument 'ward'"):
        reader.read()
