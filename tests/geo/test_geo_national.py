"""Municipal boundaries of all Japan, 2021, offline: the TopoJSON files shipped in ebpm/data, the
catalog entry that pins them, geo.municipalities() without a year, and national choropleths."""

from __future__ import annotations

import hashlib
import importlib
import json
import socket
import sys
import textwrap
from importlib import resources

import matplotlib

matplotlib.use("Agg")

import geopandas as gpd
import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.colors import to_hex
from shapely.geometry import Point

from ebpm import catalog, geo
from ebpm.catalog import open_catalog
from ebpm.catalog.boundaries import DETAILS
from ebpm.errors import (
    CatalogError,
    IntegrityError,
    InvalidCodeError,
    InvalidOptionError,
    SourceFormatError,
)
from ebpm.geo.data import MUNICIPALITY_COLUMNS
from ebpm.geo.maps import MISSING_COLOR, MISSING_HATCH
from ebpm.geo.maps.static import _linewidth

FOLDER = "data/japan/boundaries"
WARDS_FILE = f"{FOLDER}/N03-21_210101.topojson"
CITIES_FILE = f"{FOLDER}/N03-21_210101_designated_city.topojson"
COARSE_FILE = f"{FOLDER}/N03-21_210101_s0001.topojson"
CREDIT = "国土数値情報（行政区域データ）（国土交通省）を加工して作成"
#: Lost by the 0.1% simplification (eight dropped, 太地町 collapsed to a line), so taken from
#: the 1% file.
LOST_WHEN_COARSE = [
    "13362",
    "13402",
    "30422",
    "31384",
    "38356",
    "44322",
    "47354",
    "47355",
    "47356",
]


def _features(resource: str) -> list[dict]:
    """The features of a shipped TopoJSON file, read with json (not through ebpm)."""
    data = json.loads(resources.files("ebpm").joinpath(resource).read_bytes())
    (layer,) = data["objects"].values()
    return layer["geometries"]


def _coded(resource: str) -> list[str]:
    return sorted(
        f["properties"]["N03_007"] for f in _features(resource) if f["properties"]["N03_007"]
    )


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


@pytest.fixture(scope="module")
def japan_wards() -> gpd.GeoDataFrame:
    return geo.municipalities()


@pytest.fixture(scope="module")
def japan_cities() -> gpd.GeoDataFrame:
    return geo.municipalities(wards=False)


# --- the frame ------------------------------------------------------------------------------
def test_all_japan_with_wards_is_one_row_per_code_of_the_file(japan_wards):
    features = _features(WARDS_FILE)
    assert len(features) == 1906
    unassigned = [f["properties"]["N03_004"] for f in features if not f["properties"]["N03_007"]]
    assert unassigned == ["所属未定地"] * 4  # land of no municipality: dropped, as N03's reader
    assert len(japan_wards) == 1902
    assert japan_wards["code"].tolist() == _coded(WARDS_FILE)
    assert japan_wards.columns.tolist() == MUNICIPALITY_COLUMNS
    details = japan_wards.attrs["ebpm"]["details"]
    assert (details["features"], details["dropped_rows"]) == (1906, 4)
    assert details["dropped_names"] == ["所属未定地"]


def test_without_wards_is_the_designated_city_file(japan_wards, japan_cities):
    assert len(japan_cities) == 1747
    assert japan_cities["code"].tolist() == _coded(CITIES_FILE)
    # the 175 wards of the 20 designated cities become their 20 cities
    wards = japan_wards[japan_wards["name"].str.fullmatch(r".+市.+区")]
    assert len(wards) == 175
    cities = set(japan_cities["code"]) - set(japan_wards["code"])
    assert len(cities) == 20
    assert len(japan_cities) == len(japan_wards) - 175 + 20


def test_codes_are_unique_five_digits_in_order(japan_wards, japan_cities):
    for gdf in (japan_wards, japan_cities):
        codes = gdf["code"]
        assert codes.is_unique
        assert codes.str.fullmatch(r"\d{5}").all()
        assert codes.is_monotonic_increasing
        assert (gdf["pref_code"] == codes.str[:2]).all()
        assert gdf["pref_code"].nunique() == 47


@pytest.mark.parametrize(
    ("code", "name", "pref_name"),
    [
        ("01101", "札幌市中央区", "北海道"),
        ("13101", "千代田区", "東京都"),
        ("13421", "小笠原村", "東京都"),
        ("14382", "箱根町", "神奈川県"),
        ("47201", "那覇市", "沖縄県"),
        ("01695", "色丹村", "北海道"),  # the Northern Territories are in N03
    ],
)
def test_known_municipalities_with_wards(japan_wards, code, name, pref_name):
    row = japan_wards.set_index("code").loc[code]
    assert (row["name"], row["pref_name"]) == (name, pref_name)


def test_designated_cities_whole_without_wards(japan_wards, japan_cities):
    cities = japan_cities.set_index("code")
    assert cities.loc["01100", "name"] == "札幌市"
    assert cities.loc["14100", "name"] == "横浜市"
    assert "01101" not in cities.index
    assert "01100" not in set(japan_wards["code"])
    # other municipalities are the same rows either way
    assert cities.loc["13101", "name"] == "千代田区"


def test_wards_columns_follow_the_n03_reader(japan_wards):
    chuo = japan_wards.set_index("code").loc["01101"]
    assert (chuo["subpref"], chuo["county_or_city"], chuo["muni_name"]) == (
        "石狩振興局",
        "札幌市",
        "中央区",
    )
    assert japan_wards["ward"].isna().all()  # N03 has a ward field of its own from 2024


def test_geometry_is_valid_polygons_in_jgd2011(japan_wards, japan_cities):
    for gdf in (japan_wards, japan_cities):
        assert gdf.crs.to_epsg() == 6668
        assert gdf.geometry.is_valid.all()
        assert not gdf.geometry.is_empty.any()
        assert set(gdf.geom_type) == {"Polygon", "MultiPolygon"}
    assert japan_wards.attrs["ebpm"]["details"]["repaired"] == 2  # 長崎市 and 豊見城市
    # islands stay with their municipality, as MultiPolygons
    shapes = japan_wards.set_index("code").geometry
    assert shapes["13421"].geom_type == "MultiPolygon"  # 小笠原村
    assert shapes["15224"].geom_type in ("Polygon", "MultiPolygon")  # 佐渡市


@pytest.mark.parametrize(
    ("place", "lon", "lat", "code"),
    [
        ("Imperial Palace", 139.7528, 35.6852, "13101"),
        ("Naha, Kokusai-dori", 127.6860, 26.2150, "47201"),
        ("Chichijima", 142.19, 27.07, "13421"),
        ("Sado, Ryotsu", 138.43, 38.08, "15224"),
    ],
)
def test_places_fall_in_their_municipality(japan_wards, place, lon, lat, code):
    hits = japan_wards[japan_wards.geometry.contains(Point(lon, lat))]
    assert hits["code"].tolist() == [code], place


# --- provenance -----------------------------------------------------------------------------
def test_provenance_carries_the_credit_licence_and_pinned_files(japan_wards):
    prov = japan_wards.attrs["ebpm"]
    assert prov["entry"] == "geo.japan_municipalities"
    assert prov["attribution"] == CREDIT
    assert prov["licence"].startswith("国土数値情報ダウンロードサイトコンテンツ利用規約")
    assert "CC BY 4.0" in prov["licence"]
    assert "smartnews-smri/japan-topography" in prov["source"]
    assert "b403e71" in prov["source"]
    assert prov["package"] == "ebpm"
    assert prov["params"] == {"wards": True, "detail": "fine"}
    (read,) = prov["files"]
    assert read["path"] == f"ebpm/{WARDS_FILE}"
    data = resources.files("ebpm").joinpath(WARDS_FILE).read_bytes()
    assert read["sha256"] == prov["sha256"] == hashlib.sha256(data).hexdigest()
    assert prov["details"]["reference_date"] == "2021-01-01"


def test_a_prefecture_is_a_slice_of_the_national_frame(japan_wards):
    tokyo = geo.municipalities("東京都")
    national = japan_wards[japan_wards["pref_code"] == "13"].reset_index(drop=True)
    assert tokyo["code"].tolist() == national["code"].tolist()
    assert len(tokyo) == 62  # 23 special wards, 26 cities, 5 towns, 8 villages
    assert tokyo.geometry.geom_equals(national.geometry).all()
    prov = tokyo.attrs["ebpm"]
    assert prov["params"] == {"prefecture": "13", "wards": True, "detail": "fine"}
    assert "東京都" in prov["title"]
    assert "全国" not in prov["title"]
    assert prov["attribution"] == CREDIT
    # the national frame's provenance is untouched by the slice
    assert japan_wards.attrs["ebpm"]["params"] == {"wards": True, "detail": "fine"}


def test_several_prefectures_or_all(japan_wards):
    two = geo.municipalities([47, "Tokyo", "13"], wards=False)
    assert sorted(two["pref_code"].unique()) == ["13", "47"]
    assert two["code"].is_monotonic_increasing
    assert two.attrs["ebpm"]["params"]["prefecture"] == ["47", "13"]
    assert "沖縄県・東京都" in two.attrs["ebpm"]["title"]
    assert len(geo.municipalities("all")) == len(japan_wards)


def test_offline_prefecture_errors():
    with pytest.raises(InvalidCodeError, match=r"pref='Atlantis': 'Atlantis' is not a prefect"):
        geo.municipalities("Atlantis")
    with pytest.raises(
        InvalidCodeError,
        match=r"pref='13101' is a municipality code; pref= takes prefectures, so pass its "
        r"prefecture \('13'\) and select rows by `code`",
    ):
        geo.municipalities("13101")
    with pytest.raises(InvalidOptionError, match=r"pref=\[\] names no prefecture"):
        geo.municipalities([])


# --- detail ---------------------------------------------------------------------------------
def test_coarse_has_the_same_rows_with_fewer_vertices(japan_wards):
    coarse = geo.municipalities(detail="coarse")
    assert coarse["code"].tolist() == japan_wards["code"].tolist()
    cols = [c for c in MUNICIPALITY_COLUMNS if c != "geometry"]
    assert coarse[cols].equals(japan_wards[cols])
    assert coarse.geometry.is_valid.all()
    assert coarse.crs.to_epsg() == 6668
    fine_vertices = japan_wards.geometry.count_coordinates().sum()
    assert coarse.geometry.count_coordinates().sum() < fine_vertices / 2.5
    details = coarse.attrs["ebpm"]["details"]
    assert details["filled_from_fine"] == LOST_WHEN_COARSE
    assert details["collapsed"] == ["30422"]  # 太地町: a line after the simplification
    paths = [f["path"] for f in coarse.attrs["ebpm"]["files"]]
    assert paths == [f"ebpm/{COARSE_FILE}", f"ebpm/{WARDS_FILE}"]
    assert coarse.attrs["ebpm"]["params"] == {"wards": True, "detail": "coarse"}


def test_coarse_without_wards_dissolves_the_wards(japan_cities):
    coarse = geo.municipalities(wards=False, detail="coarse")
    cols = [c for c in MUNICIPALITY_COLUMNS if c not in ("geometry", "muni_name")]
    assert coarse[cols].equals(japan_cities[cols])
    assert coarse.geometry.is_valid.all()
    merged = coarse.attrs["ebpm"]["details"]["merged_wards"]
    assert len(merged) == 20
    assert merged["01100"] == [f"011{i:02d}" for i in range(1, 11)]
    sapporo = coarse.set_index("code").geometry["01100"]
    assert sapporo.contains(Point(141.35, 43.06))


@pytest.mark.parametrize(
    ("detail", "message"),
    [
        ("medium", r"detail='medium' is not an option\. Choose one of: 'fine', 'coarse'"),
        ("corse", r"detail='corse' is not an option\. Did you mean 'coarse'\?"),
        (1, r"detail=1 is not an option"),
    ],
)
def test_detail_is_checked(detail, message):
    with pytest.raises(InvalidOptionError, match=message):
        geo.municipalities(detail=detail)


def test_detail_is_for_the_offline_boundaries_only():
    assert DETAILS == ("fine", "coarse")
    with pytest.raises(
        InvalidOptionError,
        match=r"detail='coarse' is for the 2021 boundaries shipped with ebpm \(year=None\); "
        r"the N03 downloads \(year=2024\) come at full detail",
    ):
        geo.municipalities("13", 2024, detail="coarse")


def test_catalog_load_checks_the_parameters():
    with pytest.raises(CatalogError, match=r"detail='medium' is not allowed; use one of"):
        catalog.load("geo.japan_municipalities", detail="medium")
    with pytest.raises(CatalogError, match=r"has no parameter\(s\) \['prefecture'\]"):
        catalog.load("geo.japan_municipalities", prefecture="13")


# --- offline --------------------------------------------------------------------------------
def test_no_network_is_used(monkeypatch):
    """Every connection fails, loopback included, and offline mode is on: still loads."""

    def refuse(self, address):
        raise ConnectionRefusedError(f"no connection allowed (tried {address})")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setenv("EBPM_OFFLINE", "1")
    monkeypatch.setenv("EBPM_KSJ_BASE", "http://192.0.2.1/nowhere")
    gdf = geo.municipalities(wards=False, detail="coarse")
    assert len(gdf) == 1747
    assert gdf.attrs["ebpm"]["request"] is None


# --- the reader, through a catalog written here ---------------------------------------------
@pytest.fixture
def entry(tmp_path):
    """Write a catalog with one JapanMunicipalBoundaries entry; returns a loader."""

    def write(kwargs: str):
        folder = tmp_path / "cat"
        folder.mkdir(exist_ok=True)
        body = textwrap.indent(textwrap.dedent(kwargs).strip(), " " * 6)
        (folder / "fake.yaml").write_text(
            "version: 2\nentries:\n  munis:\n"
            "    reader: ebpm.catalog.boundaries:JapanMunicipalBoundaries\n"
            f"    kwargs:\n{body}\n    metadata:\n      title: test boundaries\n"
            "      parameters: {wards: w, detail: d}\n",
            encoding="utf-8",
        )
        return open_catalog(folder)

    return write


def _sha(resource: str, package: str = "ebpm") -> str:
    return hashlib.sha256(resources.files(package).joinpath(resource).read_bytes()).hexdigest()


def _kwargs(package="ebpm", files=None, pins=None, crs="EPSG:6668") -> str:
    files = files or {"wards": WARDS_FILE, "cities": CITIES_FILE, "coarse": COARSE_FILE}
    if pins is None:
        pins = {f"{package}/{p}": _sha(p, package) for p in files.values()}
    lines = [f"package: {package}", "files:"]
    lines += [f"  {k}: {v}" for k, v in files.items()]
    lines += ["pins:"] + [
        f"  {k}: {v!r}" if v is not None else f"  {k}: null" for k, v in pins.items()
    ]
    lines.append(f"crs: {crs}")
    return "\n".join(lines)


def test_a_changed_file_fails_its_pin(entry):
    pins = {f"ebpm/{p}": _sha(p) for p in (WARDS_FILE, CITIES_FILE, COARSE_FILE)}
    pins[f"ebpm/{WARDS_FILE}"] = "f" * 64
    cat = entry(_kwargs(pins=pins))
    with pytest.raises(
        IntegrityError,
        match=r"ebpm/data/japan/boundaries/N03-21_210101\.topojson: sha256 is [0-9a-f]{64}, "
        r"but the catalog pins f{64}",
    ):
        cat.load("fake.munis")
    # the other files still load: each is checked when it is read
    assert len(cat.load("fake.munis", wards=False)) == 1747


def test_the_real_entry_pins_the_shipped_files(entry):
    gdf = entry(_kwargs()).load("fake.munis")
    assert len(gdf) == 1902
    assert gdf.columns[0] == "muni_code"  # the reader's columns; geo.municipalities renames


def test_every_file_read_must_be_pinned(entry):
    pins = {f"ebpm/{WARDS_FILE}": None}
    with pytest.raises(CatalogError, match=r"N03-21_210101\.topojson is read but pinned to None"):
        entry(_kwargs(pins=pins)).load("fake.munis")


def test_reader_option_errors(entry):
    files = {"wards": WARDS_FILE, "cities": CITIES_FILE}
    with pytest.raises(
        CatalogError, match=r"files must name exactly \['cities', 'coarse', 'wards'\]"
    ):
        entry(_kwargs(files=files, pins={})).load("fake.munis")
    with pytest.raises(CatalogError, match=r"crs='EPSG:nope' is not a CRS pyproj understands"):
        entry(_kwargs(crs="EPSG:nope")).load("fake.munis")
    cat = entry(_kwargs())
    with pytest.raises(InvalidOptionError, match=r"wards='no' must be True"):
        cat.reader("fake.munis").read(wards="no")
    with pytest.raises(InvalidOptionError, match=r"detail='fine ' is not an option"):
        cat.reader("fake.munis").read(detail="fine ")


@pytest.fixture
def fakebounds(tmp_path, monkeypatch):
    """An importable package ``fakebounds`` holding small files that are not N03 TopoJSON."""
    pkg = tmp_path / "site" / "fakebounds"
    pkg.mkdir(parents=True)
    (pkg / "__init__.py").write_text("")

    def topo(properties: list[dict]) -> str:
        arcs = [[[0, 0], [1, 0], [0, 1], [-1, 0], [0, -1]]]
        geoms = [{"type": "Polygon", "arcs": [[0]], "properties": p} for p in properties]
        return json.dumps(
            {
                "type": "Topology",
                "arcs": arcs,
                "objects": {"layer": {"type": "GeometryCollection", "geometries": geoms}},
            }
        )

    (pkg / "garbage.topojson").write_text("this is not json")
    (pkg / "other.topojson").write_text(topo([{"name": "x"}]))
    one = {"N03_001": "東京都", "N03_002": None, "N03_003": None, "N03_004": "千代田区"}
    (pkg / "twice.topojson").write_text(
        topo([{**one, "N03_007": "13101"}, {**one, "N03_007": "13101"}])
    )
    (pkg / "good.topojson").write_text(topo([{**one, "N03_007": "13101"}]))
    monkeypatch.syspath_prepend(str(tmp_path / "site"))
    monkeypatch.delitem(sys.modules, "fakebounds", raising=False)
    importlib.invalidate_caches()
    return pkg


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("garbage", r"fakebounds/garbage\.topojson cannot be read as TopoJSON"),
        (
            "other",
            r"fakebounds/other\.topojson has no column\(s\) \['N03_001', 'N03_004', 'N03_007'\]"
            r".*it is not an N03 boundary file",
        ),
        ("twice", r"codes \['13101'\] appear in more than one feature"),
    ],
)
def test_files_that_are_not_n03_topojson(entry, fakebounds, name, message):
    files = {"wards": f"{name}.topojson", "cities": "good.topojson", "coarse": "good.topojson"}
    cat = entry(_kwargs(package="fakebounds", files=files))
    with pytest.raises(SourceFormatError, match=message):
        cat.load("fake.munis")
    small = cat.load("fake.munis", wards=False)
    assert small["muni_code"].tolist() == ["13101"]
    assert small.crs.to_epsg() == 6668


# --- national choropleth --------------------------------------------------------------------
@pytest.fixture(scope="module")
def national_map(japan_wards):
    gdf = japan_wards.copy()
    rng = np.random.default_rng(3)
    gdf["rate"] = rng.normal(30, 5, len(gdf)).round(1)
    gdf.loc[gdf["code"].isin(["13101", "47201"]), "rate"] = np.nan
    ax = geo.choropleth(gdf, "rate", title="全国の市区町村")
    ax.figure.canvas.draw()
    yield gdf, ax
    plt.close(ax.figure)


def _vertices(ax):
    return np.vstack([p.vertices for c in ax.collections for p in c.get_paths()])


def test_national_choropleth_draws_okinawa_in_the_inset(national_map):
    gdf, ax = national_map
    classes = ax.ebpm_classes
    assert classes.inset
    assert len(ax.child_axes) == 1
    inset = ax.child_axes[0]
    okinawa = gdf["code"].str.startswith("47")
    assert sum(len(c.get_paths()) for c in inset.collections) == okinawa.sum() == 41
    assert _vertices(inset)[:, 1].max() < 28.0  # no Amami (Kagoshima) in the inset
    # the inset frame holds the Daito islands (131.3°E) and Yonaguni (123.0°E)
    x0, x1 = inset.get_xlim()
    assert x0 < 123.0
    assert x1 > 131.3


def test_national_choropleth_is_legible(national_map):
    _, ax = national_map
    classes = ax.ebpm_classes
    # thin boundary lines for 1,902 units, thinner than for the 47 prefectures
    assert classes.linewidth == _linewidth(1902) < 0.1 < _linewidth(47)
    fills = [c for c in ax.collections if len(c.get_paths()) > 100]
    assert all(np.allclose(c.get_linewidths(), classes.linewidth) for c in fills)
    # a figure sized for a national map, a legend with a readable font
    assert tuple(ax.figure.get_size_inches()) == (8.5, 9.5)
    legend = ax.get_legend()
    assert all(t.get_fontsize() >= 9 for t in legend.get_texts())
    # prefecture borders drawn over the units
    assert classes.pref_borders
    # Minamitorishima (154°E) is left outside the frame; the rest of 小笠原村 is on the map
    assert classes.cropped == ("13421 小笠原村",)
    assert ax.get_xlim()[1] < 150.0
    assert ax.get_ylim()[0] < 25.0  # Iwo Jima and the Ogasawara islands are in place


def test_national_choropleth_draws_missing_areas_distinctly(national_map):
    _, ax = national_map
    assert sorted(ax.ebpm_classes.missing) == ["千代田区", "那覇市"]
    hatched = [c for axes in (ax, ax.child_axes[0]) for c in axes.collections if c.get_hatch()]
    assert [c.get_hatch() for c in hatched] == [MISSING_HATCH, MISSING_HATCH]
    assert all(to_hex(c.get_facecolors()[0]) == MISSING_COLOR for c in hatched)
    assert sum(len(c.get_paths()) for c in hatched) == 2
    assert "(n=2)" in [t.get_text() for t in ax.get_legend().get_texts()][-1]
