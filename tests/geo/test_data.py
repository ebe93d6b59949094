"""Geometry of Japan: prefectures (japanmap), the 1990 Tokyo area (libpysal), N03 municipalities.

The prefectures and the Tokyo data are read from the installed packages (offline); N03 zips are
built in the real layout by the helpers of ``test_ksj`` and served on 127.0.0.1.
"""

from __future__ import annotations

import hashlib
import importlib
import sys
import textwrap
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio
import pytest
from shapely.geometry import Point, Polygon, box

from ebpm import geo
from ebpm.catalog import ksj, open_catalog
from ebpm.catalog.readers import _jis_names
from ebpm.errors import (
    CatalogError,
    EbpmWarning,
    IntegrityError,
    InvalidCodeError,
    InvalidOptionError,
    RemoteError,
)
from ebpm.geo.data import MUNICIPALITY_COLUMNS
from tests.catalog.test_ksj import (
    HOKKAIDO_2019,
    KANAGAWA_2024,
    TOKYO_2024,
    URL_2019,
    URL_2024,
    URL_KANAGAWA,
    shapefile_zip,
)


# --- prefectures ----------------------------------------------------------------------------
@pytest.fixture(scope="module")
def prefs() -> gpd.GeoDataFrame:
    return geo.prefectures()


def test_prefectures_are_47_valid_polygons_in_wgs84(prefs):
    assert isinstance(prefs, gpd.GeoDataFrame)
    assert prefs.columns.tolist() == ["code", "name_ja", "name_en", "region", "geometry"]
    assert prefs["code"].tolist() == [f"{i:02d}" for i in range(1, 48)]
    assert prefs.crs.to_epsg() == 4326
    assert prefs.geometry.is_valid.all()
    assert set(prefs.geom_type) <= {"Polygon", "MultiPolygon"}
    row = prefs.set_index("code").loc["13"]
    assert (row["name_ja"], row["name_en"], row["region"]) == ("東京都", "Tokyo", "Kanto")
    assert prefs.attrs["ebpm"]["entry"] == "geo.japan_prefectures"


def test_prefectures_fall_in_the_eight_regions(prefs):
    counts = prefs["region"].value_counts().to_dict()
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
    assert prefs.set_index("name_ja").loc["沖縄県", "region"] == "Kyushu-Okinawa"


def test_rough_prefectures_are_coarser_and_still_valid(prefs):
    rough = geo.prefectures(rough=True)
    assert len(rough) == 47
    assert rough.geometry.is_valid.all()
    assert rough.crs.to_epsg() == 4326
    vertices = rough.geometry.count_coordinates().sum()
    assert vertices < prefs.geometry.count_coordinates().sum() / 3


def test_rough_must_be_a_bool():
    with pytest.raises(InvalidOptionError, match=r"rough='yes' must be True or False"):
        geo.prefectures(rough="yes")


# what the docstring says is left out: points on islands, with the prefecture they belong to
ISLANDS = {
    "Sado": (138.40, 38.05, "15"),
    "Awaji": (134.85, 34.40, "28"),
    "Shodoshima": (134.27, 34.50, "37"),
    "Oki (Dogo)": (133.32, 36.25, "32"),
    "Tsushima": (129.30, 34.40, "42"),
    "Iki": (129.70, 33.78, "42"),
    "Fukue (Goto)": (128.80, 32.70, "42"),
    "Amakusa": (130.10, 32.35, "43"),
    "Rishiri": (141.24, 45.18, "01"),
    "Okushiri": (139.48, 42.15, "01"),
    "Izu Oshima": (139.40, 34.74, "13"),
    "Hachijojima": (139.79, 33.11, "13"),
    "Chichijima": (142.19, 27.07, "13"),
    "Yakushima": (130.52, 30.34, "46"),
    "Tanegashima": (130.98, 30.60, "46"),
    "Amami Oshima": (129.50, 28.30, "46"),
    "Miyakojima": (125.30, 24.78, "47"),
    "Ishigakijima": (124.18, 24.40, "47"),
    "Kumejima": (126.78, 26.34, "47"),
}


@pytest.mark.parametrize("island", sorted(ISLANDS))
def test_outlying_islands_are_left_out(prefs, island):
    lon, lat, code = ISLANDS[island]
    assert not prefs.geometry.contains(Point(lon, lat)).any()
    # and the prefecture it belongs to is nearby, i.e. the point is not simply off the map
    own = prefs.set_index("code").geometry[code]
    assert own.distance(Point(lon, lat)) < 10  # degrees


@pytest.mark.parametrize(
    ("place", "lon", "lat", "code"),
    [
        ("Okinawa Island (Naha)", 127.68, 26.21, "47"),
        ("Sakurajima (joined to the land)", 130.66, 31.59, "46"),
        ("Imperial Palace", 139.7528, 35.6852, "13"),
        ("Sapporo", 141.35, 43.06, "01"),
    ],
)
def test_main_areas_are_covered(prefs, place, lon, lat, code):
    hits = prefs[prefs.geometry.contains(Point(lon, lat))]
    assert hits["code"].tolist() == [code], place


def test_land_area_is_short_of_the_official_figure(prefs):
    km2 = prefs.to_crs("EPSG:6933").area.sum() / 1e6  # equal-area
    assert 355_000 < km2 < 370_000  # official: about 378,000 km²
    by_code = prefs.set_index("code").to_crs("EPSG:6933").area / 1e6
    assert by_code["42"] < 0.6 * 4_131  # Nagasaki loses Tsushima, Iki, Goto
    assert by_code["47"] < 0.6 * 2_282  # Okinawa keeps only Okinawa Island


# --- Tokyo 1990 (libpysal) ------------------------------------------------------------------
@pytest.fixture(scope="module")
def tokyo() -> gpd.GeoDataFrame:
    return geo.tokyo()


def test_tokyo_has_262_valid_units_in_plane_rectangular_vi(tokyo):
    assert len(tokyo) == 262
    assert tokyo.crs.to_epsg() == 30166
    assert tokyo.crs.name == "Tokyo / Japan Plane Rectangular CS VI"
    assert tokyo.geometry.is_valid.all()
    assert tokyo.attrs["ebpm"]["details"]["repaired"] == 10  # self-intersecting rings in the file
    assert tokyo.columns.tolist() == [
        "code",
        "pref_code",
        "name_ja",
        "name_en",
        "area_id",
        "db2564",
        "eb2564",
        "smr",
        "OCC_TEC",
        "OWNH",
        "POP65",
        "UNEMP",
        "X_CENTROID",
        "Y_CENTROID",
        "geometry",
    ]
    assert tokyo["area_id"].tolist() == list(range(262))
    assert tokyo["code"].str.fullmatch(r"\d{5}").all()
    assert tokyo["code"].is_unique
    assert sorted(tokyo["pref_code"].unique()) == ["08", "10", "11", "12", "13", "14"]


def test_tokyo_crs_puts_chiyoda_on_the_imperial_palace(tokyo):
    wgs = tokyo.to_crs(4326)
    hits = wgs[wgs.geometry.contains(Point(139.7528, 35.6852))]
    assert hits["code"].tolist() == ["13101"]
    assert hits["name_en"].tolist() == ["Chiyoda-ku"]
    # 土浦市 lies by Lake Kasumigaura, about 140.2°E 36.08°N
    tsuchiura = wgs.set_index("code").geometry["08203"].representative_point()
    assert tsuchiura.distance(Point(140.20, 36.08)) < 0.1


def test_tokyo_mortality_rows_sit_on_their_own_polygons(tokyo):
    # the CSV's centroids (merged on IDnum0 = AreaID) fall in the polygon of the same row
    points = gpd.GeoSeries(gpd.points_from_xy(tokyo["X_CENTROID"], tokyo["Y_CENTROID"]))
    inside = tokyo.geometry.reset_index(drop=True).contains(points.set_crs(tokyo.crs))
    assert inside.sum() >= 261  # one concave town has its centroid 600 m outside


def test_tokyo_values_from_the_csv(tokyo):
    rows = tokyo.set_index("code")
    # IDnum0 0 (土浦市) and 159 (千代田区) of Tokyomortality.csv
    columns = ["db2564", "eb2564", "OCC_TEC", "OWNH", "POP65", "UNEMP"]
    assert rows.loc["08203", columns].tolist() == [189, 194.572, 0.126, 0.606, 0.104, 2.865]
    chiyoda = rows.loc["13101"]
    assert chiyoda["area_id"] == 159
    assert (chiyoda["db2564"], chiyoda["eb2564"], chiyoda["UNEMP"]) == (70, 64.958, 1.36)
    assert chiyoda["smr"] == pytest.approx(70 / 64.958)
    assert (tokyo["smr"] == tokyo["db2564"] / tokyo["eb2564"]).all()


def test_tokyo_names_in_kanji_where_the_unit_still_exists(tokyo):
    names = tokyo.set_index("code")["name_ja"]
    assert names["13101"] == "千代田区"
    assert names["08203"] == "土浦市"
    assert names["14101"] == "横浜市鶴見区"
    assert names["12100"] == "千葉市"
    # towns and villages that later changed status keep their 1990 suffix
    assert names["12229"] == "袖ケ浦町"  # a city from 1991
    assert names["10522"] == "明和村"
    # source typos (Ogase, Yashiyo) and cut names (Tsurugashima-mac) still match
    assert names["11327"] == "越生町"
    assert names["12221"] == "八千代市"
    assert names["11241"] == "鶴ヶ島町"
    # merged away (浦和市) or the code passed to a renamed successor (水海道市 → 常総市)
    assert pd.isna(names["11204"])
    assert pd.isna(names["08211"])
    assert names.isna().sum() == 67
    assert tokyo.attrs["ebpm"]["details"]["names_missing"] == 67


def test_tokyo_provenance_pins_every_file(tokyo):
    prov = tokyo.attrs["ebpm"]
    assert prov["entry"] == "geo.tokyo_municipalities"
    assert prov["package"] == "libpysal"
    paths = sorted(f["path"] for f in prov["files"])
    assert paths == [
        "libpysal/examples/tokyo/Tokyomortality.csv",
        "libpysal/examples/tokyo/tokyomet262.dbf",
        "libpysal/examples/tokyo/tokyomet262.prj",
        "libpysal/examples/tokyo/tokyomet262.shp",
        "libpysal/examples/tokyo/tokyomet262.shx",
    ]
    assert "BSD-3-Clause" in prov["licence"]
    assert "Nakaya" in prov["citation"]


@pytest.mark.parametrize(
    ("code", "romaji", "expected"),
    [
        ("13101", "Chiyoda-ku", "千代田区"),
        ("13101", None, None),  # a romaji column with a gap: no check possible
        ("12229", "Sodegaura-machi", "袖ケ浦町"),
        ("11241", "Tsurugashima-mac", "鶴ヶ島町"),  # cut at 16 characters
        ("13213", "Higashimurayama-", "東村山市"),
        ("12325", "Imba-mura", None),  # 印旛村, merged into 印西市 in 2010
        ("08211", "Mitsukaido-shi", None),
        ("12221", "Yashiyo-shi", "八千代市"),
    ],
)
def test_jis_names_check_the_romaji(code, romaji, expected):
    assert _jis_names([code], [romaji], width=16) == [expected]


def test_jis_names_without_romaji_take_the_table():
    assert _jis_names(["13101", "11204"], None, width=None) == ["千代田区", None]


# --- PackageShapefile through a catalog, on a package made here -----------------------------
SQUARES = gpd.GeoDataFrame(
    {"GEOCODE": ["13101", "13102"], "AREANAME": ["Chiyoda-ku", "Chuo-ku"], "AreaID": [0, 1]},
    geometry=[
        box(-5000, -5000, 0, 0),
        # a bow tie: invalid, repaired into two triangles
        Polygon([(0, 0), (1000, 1000), (1000, 0), (0, 1000)]),
    ],
    crs="EPSG:30166",
)


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def fakegeo(tmp_path, monkeypatch):
    """An importable package ``fakegeo`` holding a shapefile and an attribute CSV."""
    pkg = tmp_path / "site" / "fakegeo"
    pkg.mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    pyogrio.write_dataframe(SQUARES, pkg / "units.shp", encoding="UTF-8")
    (pkg / "units.cpg").unlink()
    (pkg / "attrs.csv").write_text("ID,value,group\n0,1.5,a\n1,2.5,a\n")
    (pkg / "bad.csv").write_text("ID,value\n0,1\n0,2\n7,3\n")
    monkeypatch.syspath_prepend(str(tmp_path / "site"))
    monkeypatch.delitem(sys.modules, "fakegeo", raising=False)  # not another test's copy
    importlib.invalidate_caches()
    pins = {f"fakegeo/{p.name}": _sha(p) for p in sorted(pkg.iterdir()) if p.is_file()}
    return pkg, pins


def _catalog(tmp_path, kwargs: str):
    folder = tmp_path / "cat"
    folder.mkdir(exist_ok=True)
    body = textwrap.indent(textwrap.dedent(kwargs).strip(), " " * 6)
    (folder / "fake.yaml").write_text(
        "version: 2\nentries:\n  units:\n    reader: ebpm.catalog.readers:PackageShapefile\n"
        f"    kwargs:\n{body}\n    metadata: {{title: test units}}\n",
        encoding="utf-8",
    )
    return open_catalog(folder)


def _pins_yaml(pins: dict[str, str], skip: str = "", wrong: str = "") -> str:
    lines = ["pins:"]
    for key, value in pins.items():
        if key.endswith(skip) and skip:
            continue
        lines.append(f"  {key}: {'f' * 64 if wrong and key.endswith(wrong) else value}")
    return "\n".join(lines)


def test_package_shapefile_reads_merges_and_repairs(fakegeo, tmp_path):
    _, pins = fakegeo
    cat = _catalog(
        tmp_path,
        f"""
        package: fakegeo
        shapefile: units.shp
        crs: EPSG:30166
        {textwrap.indent(_pins_yaml(pins), " " * 8).strip()}
        attributes: {{resource: attrs.csv, left_on: AreaID, right_on: ID}}
        jis_code: {{column: GEOCODE, romaji: AREANAME}}
        rename: {{AREANAME: name_en}}
        assign: {{double: "value * 2"}}
        keep: [code, name_ja, name_en, value, double]
        """,
    )
    gdf = cat.load("fake.units")
    assert gdf.columns.tolist() == ["code", "name_ja", "name_en", "value", "double", "geometry"]
    assert gdf["code"].tolist() == ["13101", "13102"]
    assert gdf["name_ja"].tolist() == ["千代田区", "中央区"]
    assert gdf["double"].tolist() == [3.0, 5.0]
    assert gdf.crs.to_epsg() == 30166
    assert gdf.geometry.is_valid.all()
    assert gdf.geometry.iloc[1].geom_type == "MultiPolygon"
    assert gdf.geometry.iloc[1].area == pytest.approx(500_000)  # two triangles of 250,000 m²
    prov = gdf.attrs["ebpm"]
    assert prov["details"]["repaired"] == 1
    assert len(prov["files"]) == 5  # shp, shx, dbf, prj and the CSV


def _load_with(fakegeo, tmp_path, extra: str, *, skip: str = "", wrong: str = "", crs="EPSG:30166"):
    _, pins = fakegeo
    cat = _catalog(
        tmp_path,
        f"package: fakegeo\nshapefile: units.shp\ncrs: {crs}\n"
        f"{_pins_yaml(pins, skip=skip, wrong=wrong)}\n{extra}",
    )
    return cat.load("fake.units")


def test_package_shapefile_refuses_a_changed_file(fakegeo, tmp_path):
    with pytest.raises(IntegrityError, match=r"fakegeo/units\.dbf: sha256 is [0-9a-f]{64}"):
        _load_with(fakegeo, tmp_path, "", wrong=".dbf")


def test_package_shapefile_refuses_a_pin_yaml_read_as_a_number(fakegeo, tmp_path):
    _, pins = fakegeo
    pins["fakegeo/units.shx"] = "0" * 64  # unquoted, YAML reads it as the integer 0
    with pytest.raises(CatalogError, match=r"fakegeo/units\.shx is pinned to 0, not a sha256"):
        _load_with(fakegeo, tmp_path, "")


def test_package_shapefile_refuses_an_unpinned_file(fakegeo, tmp_path):
    with pytest.raises(CatalogError, match=r"fakegeo/units\.prj is read but not pinned"):
        _load_with(fakegeo, tmp_path, "", skip=".prj")


def test_package_shapefile_checks_the_prj(fakegeo, tmp_path):
    with pytest.raises(
        CatalogError,
        match=r"units\.prj describes 'Tokyo / Japan Plane Rectangular CS VI' \(EPSG:30166\), "
        r"but the entry says crs='EPSG:30169'",
    ):
        _load_with(fakegeo, tmp_path, "", crs="EPSG:30169")


def test_package_shapefile_needs_a_known_crs_and_a_shp(fakegeo, tmp_path):
    with pytest.raises(CatalogError, match=r"crs='EPSG:nope' is not a CRS pyproj understands"):
        _load_with(fakegeo, tmp_path, "", crs="EPSG:nope")
    cat = _catalog(tmp_path, "package: fakegeo\nshapefile: units.dbf\ncrs: EPSG:30166")
    with pytest.raises(CatalogError, match=r"shapefile='units\.dbf' must be the path of the \.shp"):
        cat.load("fake.units")


@pytest.mark.parametrize(
    ("attributes", "message"),
    [
        ("{resource: attrs.csv, left_on: AreaID}", r"attributes needs resource, left_on and"),
        (
            "{resource: attrs.csv, left_on: AreaID, right_on: Id}",
            r"the attrs\.csv has no column 'Id'; it has \['ID', 'value', 'group'\]",
        ),
        (
            "{resource: attrs.csv, left_on: AREAID, right_on: ID}",
            r"the shapefile has no column 'AREAID'",
        ),
        (
            "{resource: attrs.csv, left_on: AreaID, right_on: group}",
            r"'group' in the attrs\.csv repeats \['a'\]; the merge must be one-to-one",
        ),
    ],
)
def test_package_shapefile_attribute_errors(fakegeo, tmp_path, attributes, message):
    with pytest.raises(CatalogError, match=message):
        _load_with(fakegeo, tmp_path, f"attributes: {attributes}")


def test_package_shapefile_attributes_must_cover_the_same_units(fakegeo, tmp_path):
    pkg, pins = fakegeo
    (pkg / "other.csv").write_text("ID,value\n0,1\n7,3\n")
    pins["fakegeo/other.csv"] = _sha(pkg / "other.csv")
    cat = _catalog(
        tmp_path,
        "package: fakegeo\nshapefile: units.shp\ncrs: EPSG:30166\n"
        f"{_pins_yaml(pins)}\nattributes: {{resource: other.csv, left_on: AreaID, right_on: ID}}",
    )
    with pytest.raises(
        CatalogError, match=r"2 id\(s\) are in only one of the shapefile .*\[1, 7\]"
    ):
        cat.load("fake.units")


def test_package_shapefile_jis_code_and_keep_errors(fakegeo, tmp_path):
    with pytest.raises(CatalogError, match=r"jis_code: AREANAME holds 'Chiyoda-ku', not a muni"):
        _load_with(fakegeo, tmp_path, "jis_code: {column: AREANAME}")
    with pytest.raises(CatalogError, match=r"jis_code: the data have no column 'CODE'"):
        _load_with(fakegeo, tmp_path, "jis_code: {column: CODE}")
    with pytest.raises(CatalogError, match=r"jis_code needs `column`"):
        _load_with(fakegeo, tmp_path, "jis_code: {romaji: AREANAME}")
    with pytest.raises(CatalogError, match=r"keep lists columns \['nope'\] that the data do not"):
        _load_with(fakegeo, tmp_path, "keep: [GEOCODE, nope]")


# --- municipalities (N03 on 127.0.0.1) ------------------------------------------------------
@pytest.fixture(scope="module")
def n03_zips(tmp_path_factory) -> dict[str, bytes]:
    tmp = tmp_path_factory.mktemp("n03-geo")
    return {
        URL_2024: shapefile_zip(
            TOKYO_2024,
            "N03-20240101_13_GML",
            "N03-20240101_13",
            tmp,
            encoding="UTF-8",
            keep_cpg=True,
        ),
        URL_KANAGAWA: shapefile_zip(
            KANAGAWA_2024,
            "N03-20240101_14_GML",
            "N03-20240101_14",
            tmp,
            encoding="UTF-8",
            keep_cpg=True,
        ),
        URL_2019: shapefile_zip(
            HOKKAIDO_2019,
            "N03-190101_01_GML",
            "N03-19_01_190101",
            tmp,
            encoding="CP932",
            keep_cpg=False,
        ),
    }


@pytest.fixture
def n03(http_server, monkeypatch, n03_zips):
    monkeypatch.setenv(ksj.BASE_ENV, http_server.url)
    for path, body in n03_zips.items():
        http_server.add(path, body, content_type="application/zip")
    return http_server


def test_municipalities_of_one_prefecture(n03):
    gdf = geo.municipalities("13", 2024)
    assert gdf.columns.tolist() == MUNICIPALITY_COLUMNS
    assert gdf["code"].tolist() == ["13101", "13361"]
    assert gdf["name"].tolist() == ["千代田区", "大島町"]
    assert gdf["pref_code"].tolist() == ["13", "13"]
    assert gdf.crs.to_epsg() == 6668
    assert gdf.geometry.is_valid.all()
    prov = gdf.attrs["ebpm"]
    assert prov["entry"] == "japan.municipal_boundaries"
    assert prov["params"] == {"prefecture": "13", "wards": True, "year": 2024}
    assert prov["licence"] == ksj.LICENCE
    # by name, the same (from the cache this time)
    again = geo.municipalities("東京都", year=2024)
    assert again["code"].tolist() == ["13101", "13361"]
    assert n03.count(URL_2024) == 1


def test_municipalities_of_several_prefectures_are_concatenated(n03):
    gdf = geo.municipalities(["Tokyo", 14, "13"], 2024)
    assert gdf["code"].tolist() == ["13101", "13361", "14103", "14104", "14131", "14382"]
    assert gdf.crs.to_epsg() == 6668
    prov = gdf.attrs["ebpm"]
    assert prov["title"] == "行政区域データ（N03）2024年1月1日 東京都・神奈川県"
    assert prov["params"] == {"prefecture": ["13", "14"], "wards": True, "year": 2024}
    assert len(prov["files"]) == 2
    assert sorted(prov["details"]["prefectures"]) == ["13", "14"]
    assert len(gdf.attrs["n03"]) == 2


def test_municipalities_by_year_and_designated_cities_whole(n03):
    hokkaido = geo.municipalities(1, 2019)
    assert hokkaido["code"].tolist() == ["01101", "01303"]
    assert hokkaido.attrs["ebpm"]["params"]["year"] == 2019
    cities = geo.municipalities("神奈川県", 2024, wards=False)
    assert cities["code"].tolist() == ["14100", "14130", "14382"]


def test_downloads_need_a_prefecture():
    with pytest.raises(
        InvalidOptionError,
        match=r"municipalities\(year=2024\) needs pref=: 国土数値情報 N03 is downloaded one "
        r"prefecture at a time.*pref='all' downloads all 47.*Without year= the 2021 boundaries "
        r"of all Japan are read offline",
    ):
        geo.municipalities(year=2024)
    with pytest.raises(InvalidOptionError, match=r"pref=\[\] names no prefecture"):
        geo.municipalities([])
    with pytest.raises(InvalidOptionError, match=r"pref=\[\] names no prefecture"):
        geo.municipalities([], 2024)


def test_municipalities_refuse_bad_prefectures():
    with pytest.raises(InvalidCodeError, match=r"pref='Atlantis': 'Atlantis' is not a prefect"):
        geo.municipalities("Atlantis")
    with pytest.raises(
        InvalidCodeError, match=r"pref='13101' is a municipality code.*pass its prefecture \('13'\)"
    ):
        geo.municipalities("13101")
    with pytest.raises(InvalidOptionError, match=r"wards='no' must be True"):
        geo.municipalities("13", wards="no")
    with pytest.raises(InvalidOptionError, match=r"wards='no' must be True"):
        geo.municipalities("13", 2024, wards="no")


def test_municipalities_refuse_a_year_the_entry_does_not_allow():
    with pytest.raises(CatalogError, match=r"year=2010 is not allowed; use one of \[2015"):
        geo.municipalities("13", 2010)


def test_all_prefectures_warn_before_downloading_47_zips(n03):
    # the server has no Hokkaido 2024 zip, so the first download fails after the warning
    with (
        pytest.warns(EbpmWarning, match=r"reads 47 N03 zips"),
        pytest.raises(RemoteError, match=r"N03-20240101_01_GML\.zip \(HTTP 404\)"),
    ):
        geo.municipalities("all", 2024)
