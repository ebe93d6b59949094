"""国土数値情報 N03 boundaries from zips built in the real N03 layout, served on 127.0.0.1.

The zips are generated here (not committed): a 2024 Tokyo release (UTF-8 attribute table with a
.cpg, a GeoJSON twin, metadata XML, all inside an ``N03-20240101_13_GML/`` folder) and a 2019
Hokkaido release in the older naming, its attribute table in Shift_JIS with no .cpg. Polygons are
small hand-made rectangles: 千代田区 in one part, 大島町 in two (islands), and one 所属未定地
record without a code.
"""

from __future__ import annotations

import hashlib
import io
import zipfile
from pathlib import Path

import geopandas as gpd
import pyogrio
import pytest
from shapely.geometry import MultiPolygon, box

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
URL_2024 = "/N03-2024/N03-20240101_13_GML.zip"
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
    return http_server


# --- names, codes and URLs ------------------------------------------------------------------
@pytest.mark.parametrize("value", [13, "13", "東京都", "東京", "Tokyo", "tokyo", " 13 "])
def test_prefecture_by_code_or_name(value):
    assert ksj._prefecture(value) == ("13", "東京都")


def test_prefecture_errors_suggest_a_match():
    with pytest.raises(
        InvalidCodeError,
        match=r"prefecture='Tokio' is not a prefecture\. "
        r"Did you mean '東京都'\?",
    ):
        ksj._prefecture("Tokio")
    with pytest.raises(
        InvalidCodeError,
        match=r"prefecture=48 is not a prefecture code; codes "
        r"run from 01 \(北海道\) to 47 \(沖縄県\)",
    ):
        ksj._prefecture(48)
    with pytest.raises(InvalidCodeError, match=r"prefecture=True is not a prefecture"):
        ksj._prefecture(True)


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
    assert prov["params"] == {"prefecture": "13", "year": 2024}
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
    }
    state = table_state(
        {"kind": "ksj_n03", "format": ksj.PARSER_VERSION, "url": n03.url + URL_2024, "sha256": None}
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
    assert prov["title"] == "東京都の市区町村境界"
    assert prov["licence"] == ksj.LICENCE
    assert prov["source"] == ksj.SOURCE
    again = catalog.load("maps.tokyo")
    assert again["name"].tolist() == ["千代田区", "大島町"]
    assert again.attrs["ebpm"]["from_cache"] is True
    assert n03.count(URL_2024) == 1
