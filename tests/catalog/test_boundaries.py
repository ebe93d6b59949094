"""Tests of ebpm.catalog.boundaries: the JapanMunicipalBoundaries reader on small TopoJSON files
made here (the files shipped with ebpm are tested in tests/geo/test_geo_national.py)."""

from __future__ import annotations

import hashlib
import importlib
import json
import sys
from pathlib import Path
from typing import Any

import pytest

from ebpm.catalog.boundaries import DETAILS, JapanMunicipalBoundaries, check_detail
from ebpm.catalog.ksj import COLUMNS
from ebpm.errors import CatalogError, InvalidOptionError

PACKAGE = "ebpm_test_borders"
FILES = {"wards": "wards.topojson", "cities": "cities.topojson", "coarse": "coarse.topojson"}


def _square(x: float, y: float, side: float = 1.0) -> list[list[float]]:
    return [[x, y], [x + side, y], [x + side, y + side], [x, y + side], [x, y]]


#: A ring crossing itself: two triangles of area 1 meeting at (1, 1).
BOWTIE = [[0, 0], [2, 2], [2, 0], [0, 2], [0, 0]]
#: A ring the simplification collapsed: no area left.
SLIVER = [[5, 5], [6, 6], [5, 5], [5, 5]]


def _props(code: str | None, pref: str, county: str | None, muni: str | None) -> dict[str, Any]:
    return {"N03_001": pref, "N03_002": None, "N03_003": county, "N03_004": muni, "N03_007": code}


HAKONE = _props("14382", "神奈川県", "足柄下郡", "箱根町")
TSURUMI = _props("14101", "神奈川県", "横浜市", "鶴見区")
KANAGAWA = _props("14102", "神奈川県", "横浜市", "神奈川区")
CHIYODA = _props("13101", "東京都", None, "千代田区")
UNASSIGNED = _props(None, "東京都", None, "所属未定地")
YOKOHAMA = _props("14100", "神奈川県", "横浜市", None)


def _topojson(features: list[tuple[dict[str, Any], list[list[float]]]]) -> str:
    """A TopoJSON topology of one polygon per feature, each ring its own arc (no transform)."""
    geometries = [
        {"type": "Polygon", "arcs": [[i]], "properties": props}
        for i, (props, _) in enumerate(features)
    ]
    return json.dumps(
        {
            "type": "Topology",
            "arcs": [ring for _, ring in features],
            "objects": {"n03": {"type": "GeometryCollection", "geometries": geometries}},
        },
        ensure_ascii=False,
    )


@pytest.fixture
def borders(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """An importable package holding the three files, in file order (not code order):

    ``wards``: 箱根町, two wards of 横浜市 side by side, 千代田区 as a self-crossing ring and one
    piece of land without a code. ``cities``: the same with 横浜市 whole. ``coarse``: the wards
    only, 千代田区 collapsed to a sliver and 箱根町 lost.
    """
    pkg = tmp_path / "site" / PACKAGE
    pkg.mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    texts = {
        "wards": _topojson(
            [
                (HAKONE, _square(10, 0)),
                (TSURUMI, _square(0, 10)),
                (KANAGAWA, _square(1, 10)),
                (CHIYODA, BOWTIE),
                (UNASSIGNED, _square(20, 20)),
            ]
        ),
        "cities": _topojson(
            [
                (HAKONE, _square(10, 0)),
                (YOKOHAMA, [[0, 10], [2, 10], [2, 11], [0, 11], [0, 10]]),
                (CHIYODA, _square(0, 0, 2)),
            ]
        ),
        "coarse": _topojson(
            [(TSURUMI, _square(0, 10)), (KANAGAWA, _square(1, 10)), (CHIYODA, SLIVER)]
        ),
    }
    for key, text in texts.items():
        (pkg / FILES[key]).write_text(text, encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path / "site"))
    monkeypatch.delitem(sys.modules, PACKAGE, raising=False)
    importlib.invalidate_caches()
    sha = {key: hashlib.sha256(text.encode("utf-8")).hexdigest() for key, text in texts.items()}
    pins = {f"{PACKAGE}/{FILES[key]}": digest for key, digest in sha.items()}
    return {"sha": sha, "pins": pins}


def _reader(borders: dict[str, Any], **kwargs: Any) -> JapanMunicipalBoundaries:
    options = {"package": PACKAGE, "files": FILES, "pins": borders["pins"], "crs": "EPSG:6668"}
    return JapanMunicipalBoundaries(**{**options, **kwargs})


# --- check_detail ---------------------------------------------------------------------------
def test_check_detail_returns_the_options() -> None:
    assert DETAILS == ("fine", "coarse")
    assert [check_detail(d) for d in DETAILS] == ["fine", "coarse"]


@pytest.mark.parametrize(
    ("detail", "message"),
    [
        ("Fine", r"^detail='Fine' is not an option\. Did you mean 'fine'\? Choose one of: "),
        ("medium", r"^detail='medium' is not an option\. Choose one of: 'fine', 'coarse' \("),
        (None, r"^detail=None is not an option\."),
    ],
)
def test_check_detail_refuses_other_values(detail: Any, message: str) -> None:
    with pytest.raises(InvalidOptionError, match=message):
        check_detail(detail)


# --- the reader -----------------------------------------------------------------------------
def test_one_row_per_code_in_code_order_without_the_land_of_no_code(borders) -> None:
    gdf = _reader(borders).read()
    assert list(gdf.columns) == COLUMNS
    assert gdf["muni_code"].tolist() == ["13101", "14101", "14102", "14382"]
    assert gdf["pref_code"].tolist() == ["13", "14", "14", "14"]
    assert gdf["name"].tolist() == ["千代田区", "横浜市鶴見区", "横浜市神奈川区", "箱根町"]
    assert gdf["ward"].isna().all()
    assert gdf.crs.to_epsg() == 6668
    origin = gdf.attrs["ebpm"]["origin"]
    assert origin["path"] == f"{PACKAGE}/wards.topojson"
    assert origin["sha256"] == borders["sha"]["wards"]
    assert {k: origin[k] for k in ("features", "dropped_rows", "dropped_names", "collapsed")} == {
        "features": 5,
        "dropped_rows": 1,
        "dropped_names": ["所属未定地"],
        "collapsed": [],
    }
    assert (origin["year"], origin["reference_date"], origin["detail"], origin["wards"]) == (
        2021,
        "2021-01-01",
        "fine",
        True,
    )


def test_a_self_crossing_ring_is_repaired_into_its_two_triangles(borders) -> None:
    gdf = _reader(borders).read()
    chiyoda = gdf.set_index("muni_code").geometry["13101"]
    assert chiyoda.is_valid
    assert chiyoda.geom_type == "MultiPolygon"
    assert len(chiyoda.geoms) == 2
    assert chiyoda.area == pytest.approx(2.0)
    assert gdf.attrs["ebpm"]["origin"]["repaired"] == 1


def test_without_wards_the_file_with_cities_whole_is_read(borders) -> None:
    gdf = _reader(borders).read(wards=False)
    assert gdf["muni_code"].tolist() == ["13101", "14100", "14382"]
    assert gdf.set_index("muni_code").loc["14100", "name"] == "横浜市"
    origin = gdf.attrs["ebpm"]["origin"]
    assert origin["path"] == f"{PACKAGE}/cities.topojson"
    assert (origin["features"], origin["dropped_rows"], origin["repaired"]) == (3, 0, 0)


def test_coarse_takes_what_the_simplification_lost_from_the_fine_file(borders) -> None:
    coarse = _reader(borders).read(detail="coarse")
    fine = _reader(borders).read()
    assert coarse["muni_code"].tolist() == fine["muni_code"].tolist()
    origin = coarse.attrs["ebpm"]["origin"]
    assert origin["collapsed"] == ["13101"]  # the sliver leaves nothing polygonal
    assert origin["filled_from_fine"] == ["13101", "14382"]
    assert [f["path"] for f in origin["files"]] == [
        f"{PACKAGE}/coarse.topojson",
        f"{PACKAGE}/wards.topojson",
    ]
    both = borders["sha"]["coarse"] + borders["sha"]["wards"]
    assert origin["sha256"] == hashlib.sha256(both.encode()).hexdigest()
    filled = coarse.set_index("muni_code").geometry
    assert filled["14382"].equals(fine.set_index("muni_code").geometry["14382"])


def test_coarse_without_wards_dissolves_the_wards_into_their_city(borders) -> None:
    gdf = _reader(borders).read(detail="coarse", wards=False)
    assert gdf["muni_code"].tolist() == ["13101", "14100", "14382"]
    yokohama = gdf.set_index("muni_code").loc["14100"]
    assert (yokohama["name"], yokohama["county_or_city"], yokohama["muni_name"]) == (
        "横浜市",
        "横浜市",
        None,
    )
    assert yokohama["geometry"].geom_type == "Polygon"  # the two squares share a side
    assert yokohama["geometry"].area == pytest.approx(2.0)
    assert gdf.attrs["ebpm"]["origin"]["merged_wards"] == {"14100": ["14101", "14102"]}


def test_the_crs_is_written_as_its_epsg_code(borders) -> None:
    gdf = _reader(borders, crs="epsg:6668").read(wards=False)
    assert gdf.attrs["ebpm"]["origin"]["crs"] == "EPSG:6668"
    assert gdf.crs.to_epsg() == 6668


def test_reader_settings_that_are_refused(borders) -> None:
    with pytest.raises(InvalidOptionError, match=r"^wards='yes' must be True .* or False"):
        _reader(borders).read(wards="yes")
    with pytest.raises(
        CatalogError,
        match=r"^files must name exactly \['cities', 'coarse', 'wards'\] \(paths inside "
        rf"'{PACKAGE}'\); got \['wards'\]$",
    ):
        _reader(borders, files={"wards": "wards.topojson"}).read()
    short = {**borders["pins"], f"{PACKAGE}/cities.topojson": "abc"}
    with pytest.raises(
        CatalogError,
        match=rf"^{PACKAGE}/cities\.topojson is read but pinned to 'abc', not a sha256 "
        r"\(64 hex characters\); add its sha256 to the entry's `pins`, quoted$",
    ):
        _reader(borders, pins=short).read(wards=False)
    assert len(_reader(borders, pins=short).read()) == 4  # only the files read are checked
