"""Tests of ebpm.catalog.readers: PackageCSV, JapanPrefectures, JapanMunicipalStructure and the
package files they read, hashed and pinned."""

from __future__ import annotations

import hashlib
from importlib import metadata as importlib_metadata
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest

from ebpm.catalog import open_catalog
from ebpm.catalog.readers import (
    JapanMunicipalStructure,
    JapanPrefectures,
    PackageCSV,
    _romaji_key,
    _split_romaji,
)
from ebpm.errors import CatalogError, IntegrityError
from tests.catalog.conftest import (
    CATALOG_DIR,
    ORGAN_RESOURCE,
    package_csv_entry,
    sha256_of_package_file,
    write_catalog,
)

QUARTERS = {"Q42010": 1, "Q12011": 2, "Q22011": 3, "Q32011": 4, "Q42011": 5, "Q12012": 6}


@pytest.fixture(scope="module")
def prefectures() -> gpd.GeoDataFrame:
    return open_catalog(CATALOG_DIR).load("geo.japan_prefectures")


def test_load_japan_prefectures(prefectures: gpd.GeoDataFrame) -> None:
    assert isinstance(prefectures, gpd.GeoDataFrame)
    assert len(prefectures) == 47
    assert list(prefectures.columns) == ["code", "name_ja", "name_en", "region", "geometry"]
    assert list(prefectures["code"]) == [f"{i:02d}" for i in range(1, 48)]
    assert pd.api.types.is_string_dtype(prefectures["code"])
    assert prefectures.crs.to_epsg() == 4326
    assert prefectures.geometry.is_valid.all()
    assert not prefectures.geometry.is_empty.any()
    assert prefectures["region"].nunique() == 8


def test_japan_prefectures_names_and_regions(prefectures: gpd.GeoDataFrame) -> None:
    by_code = prefectures.set_index("code")
    assert by_code.loc["13", "name_ja"] == "東京都"
    assert by_code.loc["13", "name_en"] == "Tokyo"
    assert by_code.loc["13", "region"] == "Kanto"
    assert by_code.loc["01", "name_ja"] == "北海道"
    assert by_code.loc["47", "region"] == "Kyushu-Okinawa"
    assert prefectures.loc[prefectures["name_ja"] == "東京都", "code"].item() == "13"
    assert prefectures["region"].value_counts()["Kanto"] == 7


def test_japan_prefectures_lie_in_japan(prefectures: gpd.GeoDataFrame) -> None:
    minx, miny, maxx, maxy = prefectures.total_bounds
    assert 122 < minx < maxx < 154
    assert 20 < miny < maxy < 46
    tokyo = prefectures.set_index("code").geometry.loc["13"].representative_point()
    assert 138.9 < tokyo.x < 140.0
    assert 35.4 < tokyo.y < 35.9


def test_japan_prefectures_provenance_hashes_both_files(prefectures: gpd.GeoDataFrame) -> None:
    prov = prefectures.attrs["ebpm"]
    files = {f["path"]: f["sha256"] for f in prov["files"]}
    expected = {
        "japanmap/japan.json": sha256_of_package_file("japanmap", "japan.json"),
        "japancode/data/prefectures.json": sha256_of_package_file(
            "japancode", "data/prefectures.json"
        ),
    }
    assert files == expected
    combined = hashlib.sha256("".join(expected.values()).encode()).hexdigest()
    assert prov["sha256"] == combined


def test_package_csv_assign_and_dtypes(tmp_path: Path) -> None:
    write_catalog(
        tmp_path,
        package_csv_entry(
            package="causaldata",
            resource=ORGAN_RESOURCE,
            assign={"rate_pct": "Rate * 100"},
            dtypes={"State": "category"},
        ),
    )
    df = open_catalog(tmp_path).load("tmp.organ")
    assert df["rate_pct"].to_numpy() == pytest.approx(df["Rate"].to_numpy() * 100)
    assert isinstance(df["State"].dtype, pd.CategoricalDtype)


def test_wrong_sha256_pin_raises_integrity_error(tmp_path: Path) -> None:
    pinned = "0123456789abcdef" * 4
    actual = sha256_of_package_file("causaldata", ORGAN_RESOURCE)
    write_catalog(
        tmp_path,
        package_csv_entry(package="causaldata", resource=ORGAN_RESOURCE, sha256=pinned),
    )
    cat = open_catalog(tmp_path)
    with pytest.raises(IntegrityError, match=rf"sha256 is {actual}, but the catalog pins {pinned}"):
        cat.load("tmp.organ")
    with pytest.raises(ValueError, match="update the entry's `sha256`"):
        cat.load("tmp.organ")


def test_correct_sha256_pin_loads(tmp_path: Path) -> None:
    actual = sha256_of_package_file("causaldata", ORGAN_RESOURCE)
    write_catalog(
        tmp_path,
        package_csv_entry(package="causaldata", resource=ORGAN_RESOURCE, sha256=actual.upper()),
    )
    df = open_catalog(tmp_path).load("tmp.organ")
    assert df.attrs["ebpm"]["sha256"] == actual


def test_package_not_installed_says_pip_install(tmp_path: Path) -> None:
    write_catalog(tmp_path, package_csv_entry(package="no_such_pkg_ebpm", resource="a.csv"))
    with pytest.raises(
        CatalogError,
        match=r"package 'no_such_pkg_ebpm' is not installed.*`pip install no_such_pkg_ebpm`",
    ):
        open_catalog(tmp_path).load("tmp.organ")


def test_missing_resource_raises(tmp_path: Path) -> None:
    write_catalog(tmp_path, package_csv_entry(package="causaldata", resource="nope/nope.csv"))
    with pytest.raises(
        CatalogError, match=r"package 'causaldata' has no file 'nope/nope.csv'.*`resource`"
    ):
        open_catalog(tmp_path).load("tmp.organ")


def test_an_unquoted_numeric_pin_is_refused() -> None:
    from ebpm.catalog.readers import package_file

    with pytest.raises(CatalogError, match=r"pinned sha256 0 is not text.*Quote it"):
        package_file("causaldata", ORGAN_RESOURCE, sha256=0)


def test_recode_with_unmapped_value_names_it(tmp_path: Path) -> None:
    quarters = {"Q42010": 1, "Q12011": 2, "Q22011": 3, "Q32011": 4, "Q42011": 5}
    write_catalog(
        tmp_path,
        package_csv_entry(
            package="causaldata",
            resource=ORGAN_RESOURCE,
            recode={"Quarter": {"to": "quarter_num", "map": quarters}},
        ),
    )
    with pytest.raises(
        CatalogError, match=r"recode of column 'Quarter': values \['Q12012'\] have no mapping"
    ):
        open_catalog(tmp_path).load("tmp.organ")


def test_mpdta_reads_the_pickle_with_its_pinned_hash() -> None:
    df = open_catalog(CATALOG_DIR).load("studies.mpdta")
    assert df.shape == (2500, 6)
    assert df["countyreal"].nunique() == 500
    assert sorted(df["first_treat"].unique()) == [0, 2004, 2006, 2007]
    assert df.attrs["ebpm"]["sha256"] == sha256_of_package_file(
        "moderndid", "core/datasets/mpdta_long.pkl.gz"
    )


def test_pickle_without_a_pinned_hash_is_refused(tmp_path: Path) -> None:
    write_catalog(
        tmp_path,
        package_csv_entry(
            package="moderndid", resource="core/datasets/mpdta_long.pkl.gz", format="pickle"
        ),
    )
    with pytest.raises(CatalogError, match=r"a pickle is read only with a pinned `sha256`"):
        open_catalog(tmp_path).load("tmp.organ")


def test_nsw_reads_the_stata_file_with_its_pinned_hash() -> None:
    df = open_catalog(CATALOG_DIR).load("studies.nsw_mixtape")
    assert df.shape == (445, 11)
    assert df["treat"].value_counts().to_dict() == {0: 260, 1: 185}
    # Dehejia & Wahba (1999), Table 1: treated mean age 25.82, mean schooling 10.35
    assert df.loc[df["treat"] == 1, "age"].mean() == pytest.approx(25.82, abs=0.005)
    assert df.loc[df["treat"] == 1, "educ"].mean() == pytest.approx(10.35, abs=0.005)
    assert df.attrs["ebpm"]["sha256"] == sha256_of_package_file(
        "causaldata", "nsw_mixtape/nsw_mixtape.dta"
    )


def test_municipal_structure_matches_the_official_counts() -> None:
    df = open_catalog(CATALOG_DIR).load("geo.prefecture_municipal_structure").set_index("code")
    assert len(df) == 47
    # 総務省: 1,741 municipalities (792 cities, 743 towns, 183 villages, 23 special wards)
    totals = df[["municipalities", "cities", "towns", "villages", "special_wards"]].sum()
    assert totals.to_dict() == {
        "municipalities": 1741,
        "cities": 792,
        "towns": 743,
        "villages": 183,
        "special_wards": 23,
    }
    assert df.loc["01", ["municipalities", "cities", "towns", "villages"]].tolist() == [
        179,
        35,
        129,
        15,
    ]
    assert df.loc["20", "villages"] == 35  # 長野県
    assert df.loc["27", "wards"] == 31  # 大阪市 24 + 堺市 7
    assert df["share_villages"].between(0, 1).all()


# --- PackageCSV, read directly ---------------------------------------------------------------
def test_package_csv_renames_then_recodes_in_place_and_records_one_file() -> None:
    df = PackageCSV(
        package="causaldata",
        resource=ORGAN_RESOURCE,
        read_csv={"usecols": ["State", "Quarter", "Rate"]},
        rename={"Rate": "rate"},
        recode={"Quarter": {"map": QUARTERS}},  # no `to`: the column is replaced
    ).read()
    assert list(df.columns) == ["State", "Quarter", "rate"]
    assert df["Quarter"].tolist()[:6] == [1, 2, 3, 4, 5, 6]
    assert df.loc[0, "State"] == "Alaska"
    sha = sha256_of_package_file("causaldata", ORGAN_RESOURCE)
    version = importlib_metadata.version("causaldata")
    one = {"package": "causaldata", "version": version, "path": f"causaldata/{ORGAN_RESOURCE}"}
    assert df.attrs["ebpm"] == {
        "origin": {"kind": "package", **one, "sha256": sha, "files": [{**one, "sha256": sha}]}
    }


def test_package_csv_refuses_an_unknown_format() -> None:
    with pytest.raises(
        CatalogError, match=r"^format='parquet' is not supported; use 'csv', 'stata' or 'pickle'$"
    ):
        PackageCSV(package="causaldata", resource=ORGAN_RESOURCE, format="parquet").read()


# --- JapanPrefectures and JapanMunicipalStructure, read directly -----------------------------
def test_rough_prefectures_read_the_coarse_shapes_and_hash_both_files() -> None:
    gdf = JapanPrefectures().read(rough=True)
    assert len(gdf) == 47
    origin = gdf.attrs["ebpm"]["origin"]
    assert [f["path"] for f in origin["files"]] == [
        "japanmap/japan0.16.json",
        "japancode/data/prefectures.json",
    ]
    assert origin["path"] == "japanmap/japan0.16.json"
    digests = [
        sha256_of_package_file("japanmap", "japan0.16.json"),
        sha256_of_package_file("japancode", "data/prefectures.json"),
    ]
    assert origin["sha256"] == hashlib.sha256("".join(digests).encode()).hexdigest()


def test_a_wrong_pin_of_the_prefecture_names_is_refused() -> None:
    with pytest.raises(
        IntegrityError,
        match=r"japancode/data/prefectures\.json: sha256 is [0-9a-f]{64}, but the catalog pins "
        r"0{64}.*update the entry's `sha256`",
    ):
        JapanPrefectures().read(pins={"japancode/data/prefectures.json": "0" * 64})


def test_municipal_structure_of_tokyo_and_its_columns() -> None:
    df = JapanMunicipalStructure().read()
    assert list(df.columns) == [
        "code",
        "name_ja",
        "municipalities",
        "cities",
        "towns",
        "villages",
        "special_wards",
        "wards",
        "share_villages",
    ]
    assert df["municipalities"].dtype == "int64"
    tokyo = df.set_index("code").loc["13"]
    # 東京都: 23 special wards, 26 cities, 5 towns, 8 villages; no designated city
    counts = ["municipalities", "cities", "towns", "villages", "special_wards", "wards"]
    assert tokyo[counts].tolist() == [62, 26, 5, 8, 23, 0]
    assert tokyo["share_villages"] == pytest.approx(8 / 62)
    assert df.attrs["ebpm"]["origin"]["path"] == "japancode/data/municipalities.json"


def test_municipal_structure_checks_its_pin() -> None:
    actual = sha256_of_package_file("japancode", "data/municipalities.json")
    assert len(JapanMunicipalStructure().read(sha256=actual)) == 47
    with pytest.raises(IntegrityError, match=rf"sha256 is {actual}, but the catalog pins 1{{64}}"):
        JapanMunicipalStructure().read(sha256="1" * 64)


# --- romaji names of a shapefile ---------------------------------------------------------------
@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Sodegaura-machi", ("Sodegaura", "町")),
        ("Ichikawa-mac", ("Ichikawa", "町")),  # cut short by the .dbf field width
        ("Shinjuku-ku", ("Shinjuku", "区")),
        ("Hinohara-mura", ("Hinohara", "村")),
        ("Foo-s", ("Foo", None)),  # -shi or -son: not decided
        ("Chiyoda", ("Chiyoda", None)),
    ],
)
def test_split_romaji_reads_the_suffix(name: str, expected: tuple[str, str | None]) -> None:
    assert _split_romaji(name) == expected


def test_romaji_key_folds_macrons_and_m_before_labials() -> None:
    assert _romaji_key("Imba-mura") == "inbamura"
    assert _romaji_key("Ōme-shi") == "omeshi"
    assert _romaji_key("Sammu") == "sanmu"
