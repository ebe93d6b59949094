"""Tests of ebpm.catalog: the project catalogs, provenance, the tolerant loader and the readers."""

from __future__ import annotations

import hashlib
import json
import re
from datetime import UTC, datetime, timedelta
from importlib import metadata as importlib_metadata
from importlib import resources
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
import yaml

from ebpm import catalog
from ebpm.catalog import open_catalog
from ebpm.errors import CatalogError, DatasetNotFoundError, IntegrityError
from tests.conftest import ROOT

CATALOG_DIR = ROOT / "catalogs"
ENTRY_NAMES = [
    "geo.japan_municipalities",
    "geo.japan_prefectures",
    "geo.prefecture_municipal_structure",
    "geo.tokyo_municipalities",
    "japan.egov_resource",
    "japan.municipal_boundaries",
    "japan.municipal_changes",
    "japan.municipal_fiscal_indices",
    "japan.municipality_population",
    "japan.prefecture_fiscal_indices",
    "japan.prefecture_indicator",
    "japan.prefecture_population",
    "studies.mpdta",
    "studies.nsw_mixtape",
    "studies.organ_donations",
    "studies.prop99",
    "studies.senate",
    "world.gdp_per_capita",
    "world.oecd_unemployment",
    "world.population",
    "world.wdi",
]
ORGAN_RESOURCE = "organ_donations/organ_donation.csv"


def _sha256_of_package_file(package: str, resource: str) -> str:
    return hashlib.sha256(resources.files(package).joinpath(resource).read_bytes()).hexdigest()


def _write_catalog(folder: Path, text: str, name: str = "tmp.yaml") -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def _package_csv_entry(**kwargs: object) -> str:
    """A one-entry catalog (entry ``tmp.organ``) reading with PackageCSV and ``kwargs``."""
    entry = {"reader": "ebpm.catalog.readers:PackageCSV", "kwargs": kwargs}
    return yaml.safe_dump({"entries": {"organ": entry}}, allow_unicode=True)


@pytest.fixture
def project_catalog_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """Point EBPM_CATALOG_DIR at the project's catalogs and run from an unrelated folder."""
    monkeypatch.setenv("EBPM_CATALOG_DIR", str(CATALOG_DIR))
    monkeypatch.chdir(tmp_path)
    return CATALOG_DIR


@pytest.fixture(scope="module")
def organ() -> pd.DataFrame:
    return open_catalog(CATALOG_DIR).load("studies.organ_donations")


@pytest.fixture(scope="module")
def prop99() -> pd.DataFrame:
    return open_catalog(CATALOG_DIR).load("studies.prop99")


@pytest.fixture(scope="module")
def prefectures() -> gpd.GeoDataFrame:
    return open_catalog(CATALOG_DIR).load("geo.japan_prefectures")


# --- the project catalog -------------------------------------------------------------------
def test_open_catalog_lists_exactly_the_project_entries(project_catalog_env: Path) -> None:
    cat = open_catalog()
    assert cat.names() == ENTRY_NAMES
    assert list(cat) == ENTRY_NAMES
    assert len(cat) == len(ENTRY_NAMES)
    assert "studies.prop99" in cat
    assert "studies.prop_99" not in cat
    assert cat.path == CATALOG_DIR


def test_list_entries_without_search_has_one_row_per_entry(project_catalog_env: Path) -> None:
    table = catalog.list_entries()
    assert list(table.columns) == ["name", "title", "kind", "source", "licence"]
    assert list(table["name"]) == ENTRY_NAMES
    kinds = dict(zip(table["name"], table["kind"], strict=True))
    assert kinds == {
        "geo.japan_municipalities": "geo",
        "geo.japan_prefectures": "geo",
        "geo.prefecture_municipal_structure": "table",
        "geo.tokyo_municipalities": "geo",
        "japan.egov_resource": "table",
        "japan.municipal_boundaries": "geo",
        "japan.municipal_changes": "table",
        "japan.municipal_fiscal_indices": "panel",
        "japan.municipality_population": "panel",
        "japan.prefecture_fiscal_indices": "panel",
        "japan.prefecture_indicator": "panel",
        "japan.prefecture_population": "panel",
        "studies.mpdta": "panel",
        "studies.nsw_mixtape": "cross-section",
        "studies.organ_donations": "panel",
        "studies.prop99": "panel",
        "studies.senate": "cross-section",
        "world.gdp_per_capita": "panel",
        "world.oecd_unemployment": "panel",
        "world.population": "panel",
        "world.wdi": "panel",
    }


@pytest.mark.parametrize(
    ("search", "expected"),
    [
        ("prop 99", ["studies.prop99"]),
        (
            "japan map",
            [
                "geo.japan_municipalities",
                "geo.japan_prefectures",
                "geo.prefecture_municipal_structure",
                "geo.tokyo_municipalities",
                "japan.municipal_boundaries",
            ],
        ),
        (
            "JAPAN MAP",
            [
                "geo.japan_municipalities",
                "geo.japan_prefectures",
                "geo.prefecture_municipal_structure",
                "geo.tokyo_municipalities",
                "japan.municipal_boundaries",
            ],
        ),
        (
            "都道府県",
            [
                "geo.japan_prefectures",
                "geo.prefecture_municipal_structure",
                "japan.prefecture_fiscal_indices",
                "japan.prefecture_indicator",
                "japan.prefecture_population",
            ],
        ),
        ("world bank gdp", ["world.gdp_per_capita"]),
        ("did", ["studies.mpdta", "studies.organ_donations", "studies.prop99"]),
        ("organ kessler", ["studies.organ_donations"]),
        ("organ tobacco", []),
    ],
)
def test_list_entries_search_keeps_rows_with_every_word(
    project_catalog_env: Path, search: str, expected: list[str]
) -> None:
    table = catalog.list_entries(search=search)
    assert list(table["name"]) == expected
    assert list(table.columns) == ["name", "title", "kind", "source", "licence"]


def test_describe_reads_metadata_without_loading(project_catalog_env: Path) -> None:
    info = catalog.describe("studies.organ_donations")
    assert info.name == "studies.organ_donations"
    assert info.reader == "ebpm.catalog.readers:PackageCSV"
    assert info.kind == "panel"
    assert info.licence.startswith("MIT")
    assert "-0.0225" in info.description
    assert info.metadata["tags"] == ["did", "health", "nudge", "usa"]


def test_catalog_dir_env_var_must_be_a_folder(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    missing = tmp_path / "nowhere"
    monkeypatch.setenv("EBPM_CATALOG_DIR", str(missing))
    with pytest.raises(CatalogError, match=r"EBPM_CATALOG_DIR=.*nowhere.* is not a folder"):
        catalog.list_entries()


def test_open_catalog_on_missing_folder_raises(tmp_path: Path) -> None:
    with pytest.raises(CatalogError, match=r"catalog folder .*nowhere.* does not exist"):
        open_catalog(tmp_path / "nowhere")


# --- studies.organ_donations ---------------------------------------------------------------
def test_load_organ_donations_shape_and_columns(project_catalog_env: Path) -> None:
    df = catalog.load("studies.organ_donations")
    assert df.shape == (162, 5)
    assert {"State", "Quarter", "Rate", "quarter_num", "treated"} <= set(df.columns)
    assert df["State"].nunique() == 27
    assert sorted(df["quarter_num"].unique()) == [1, 2, 3, 4, 5, 6]
    assert df.groupby("State").size().eq(6).all()
    assert pd.api.types.is_integer_dtype(df["quarter_num"])
    assert df["Rate"].between(0, 1).all()


def test_organ_donations_quarter_recode_matches_labels(organ: pd.DataFrame) -> None:
    labels = organ.drop_duplicates("quarter_num").set_index("quarter_num")["Quarter"]
    assert labels.to_dict() == {
        1: "Q42010",
        2: "Q12011",
        3: "Q22011",
        4: "Q32011",
        5: "Q42011",
        6: "Q12012",
    }


def test_organ_donations_treated_is_california_from_quarter_4(organ: pd.DataFrame) -> None:
    assert set(organ["treated"].unique()) == {0, 1}
    treated = organ.loc[organ["treated"] == 1]
    assert len(treated) == 3
    assert set(treated["State"]) == {"California"}
    assert sorted(treated["quarter_num"]) == [4, 5, 6]
    california = organ.loc[organ["State"] == "California"].sort_values("quarter_num")
    assert list(california["treated"]) == [0, 0, 0, 1, 1, 1]


def test_organ_donations_provenance(organ: pd.DataFrame) -> None:
    prov = organ.attrs["ebpm"]
    assert prov["entry"] == "studies.organ_donations"
    assert prov["licence"] == "MIT (causaldata package); data from a published study"
    assert prov["source"].startswith("causaldata (PyPI)")
    assert prov["package"] == "causaldata"
    assert prov["package_version"] == importlib_metadata.version("causaldata")
    assert prov["path"] == f"causaldata/{ORGAN_RESOURCE}"
    assert prov["sha256"] == _sha256_of_package_file("causaldata", ORGAN_RESOURCE)
    assert prov["url"] == "https://www.nber.org/papers/w20378"
    assert prov["params"] == {}
    retrieved = datetime.fromisoformat(prov["retrieved_at"])
    assert retrieved.tzinfo is not None
    assert abs(datetime.now(UTC) - retrieved) < timedelta(hours=1)


def test_provenance_helper_returns_a_copy(organ: pd.DataFrame) -> None:
    prov = catalog.provenance(organ)
    assert prov["entry"] == "studies.organ_donations"
    prov["entry"] = "changed"
    assert organ.attrs["ebpm"]["entry"] == "studies.organ_donations"
    assert catalog.provenance(pd.DataFrame({"a": [1]})) == {}


EMBEDDED = [n for n in ENTRY_NAMES if n.split(".")[0] in ("geo", "studies")]


@pytest.mark.parametrize("name", EMBEDDED)
def test_provenance_is_plain_json(name: str) -> None:  # remote ones: tests/e2e/test_open_data.py
    df = open_catalog(CATALOG_DIR).load(name)
    prov = df.attrs["ebpm"]
    assert "origin" not in prov
    # Only plain data (no intake readers or other objects) may travel with the frame.
    round_trip = json.loads(json.dumps(prov, allow_nan=False))
    assert round_trip == prov
    assert round_trip["entry"] == name


# --- studies.prop99 ------------------------------------------------------------------------
def test_load_prop99(prop99: pd.DataFrame) -> None:
    assert prop99.shape == (1209, 4)
    assert list(prop99.columns) == ["State", "Year", "PacksPerCapita", "treated"]
    assert prop99["State"].nunique() == 39
    assert prop99["Year"].min() == 1970
    assert prop99["Year"].max() == 2000
    assert prop99["Year"].nunique() == 31
    treated = prop99.loc[prop99["treated"] == 1]
    assert set(treated["State"]) == {"California"}
    assert sorted(treated["Year"]) == list(range(1989, 2001))


def test_prop99_provenance(prop99: pd.DataFrame) -> None:
    prov = prop99.attrs["ebpm"]
    assert prov["entry"] == "studies.prop99"
    assert prov["package"] == "synthdid-py"
    assert prov["sha256"] == _sha256_of_package_file("synthdid", "data/california_prop99.csv")


# --- geo.japan_prefectures -----------------------------------------------------------------
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
        "japanmap/japan.json": _sha256_of_package_file("japanmap", "japan.json"),
        "japancode/data/prefectures.json": _sha256_of_package_file(
            "japancode", "data/prefectures.json"
        ),
    }
    assert files == expected
    combined = hashlib.sha256("".join(expected.values()).encode()).hexdigest()
    assert prov["sha256"] == combined


# --- unknown names -------------------------------------------------------------------------
def test_unknown_name_suggests_close_match(project_catalog_env: Path) -> None:
    with pytest.raises(
        DatasetNotFoundError,
        match=r"'studies.organ_donation'.*Did you mean 'studies.organ_donations'",
    ):
        catalog.load("studies.organ_donation")


def test_unknown_name_is_a_key_error_with_unquoted_message(project_catalog_env: Path) -> None:
    with pytest.raises(KeyError) as excinfo:
        catalog.load("studies.nothing_like_it")
    assert isinstance(excinfo.value, DatasetNotFoundError)
    assert isinstance(excinfo.value, CatalogError)
    assert str(excinfo.value).startswith("dataset 'studies.nothing_like_it' not found")
    assert "ebpm catalog list" in str(excinfo.value)


@pytest.mark.parametrize(
    ("name", "suggestion"),
    [("prop99", "studies.prop99"), ("organ_donations", "studies.organ_donations")],
)
def test_name_without_namespace_explains_the_form(
    project_catalog_env: Path, name: str, suggestion: str
) -> None:
    with pytest.raises(
        DatasetNotFoundError,
        match=rf"names are 'namespace.entry'.*Did you mean {re.escape(repr(suggestion))}",
    ):
        catalog.load(name)


def test_describe_unknown_name_raises(project_catalog_env: Path) -> None:
    with pytest.raises(DatasetNotFoundError, match=r"'geo.japan'.*'geo.japan_prefectures'"):
        catalog.describe("geo.japan")


# --- the tolerant loader -------------------------------------------------------------------
def test_entries_only_catalog_loads(tmp_path: Path) -> None:
    _write_catalog(tmp_path, _package_csv_entry(package="causaldata", resource=ORGAN_RESOURCE))
    cat = open_catalog(tmp_path)
    assert cat.names() == ["tmp.organ"]
    info = cat.info("tmp.organ")
    assert info.title == ""
    assert info.kind == "table"
    df = cat.load("tmp.organ")
    assert df.shape == (162, 3)
    assert list(df.columns) == ["State", "Quarter", "Rate"]
    assert df.attrs["ebpm"]["entry"] == "tmp.organ"
    assert df.attrs["ebpm"]["sha256"] == _sha256_of_package_file("causaldata", ORGAN_RESOURCE)


def test_open_catalog_accepts_a_single_file(tmp_path: Path) -> None:
    path = _write_catalog(
        tmp_path, _package_csv_entry(package="causaldata", resource=ORGAN_RESOURCE), "one.yaml"
    )
    _write_catalog(tmp_path, "entries: {}\n", "other.yaml")
    assert open_catalog(path).names() == ["one.organ"]
    assert open_catalog(tmp_path).names() == ["one.organ"]


def test_empty_catalog_file_has_no_entries(tmp_path: Path) -> None:
    _write_catalog(tmp_path, "")
    cat = open_catalog(tmp_path)
    assert cat.names() == []
    assert cat.to_frame().empty


def test_package_csv_assign_and_dtypes(tmp_path: Path) -> None:
    _write_catalog(
        tmp_path,
        _package_csv_entry(
            package="causaldata",
            resource=ORGAN_RESOURCE,
            assign={"rate_pct": "Rate * 100"},
            dtypes={"State": "category"},
        ),
    )
    df = open_catalog(tmp_path).load("tmp.organ")
    assert df["rate_pct"].to_numpy() == pytest.approx(df["Rate"].to_numpy() * 100)
    assert isinstance(df["State"].dtype, pd.CategoricalDtype)


def test_intake1_sources_raise(tmp_path: Path) -> None:
    _write_catalog(tmp_path, "sources:\n  a:\n    driver: csv\n")
    with pytest.raises(
        CatalogError, match=r"`sources:` is intake 1 syntax; rename it to `entries:`"
    ):
        open_catalog(tmp_path)


def test_invalid_yaml_names_the_line(tmp_path: Path) -> None:
    path = _write_catalog(tmp_path, "entries:\n  a: [1\n  b: 2\n")
    with pytest.raises(CatalogError, match=r"is not valid YAML at line 3") as excinfo:
        open_catalog(tmp_path)
    assert str(path) in str(excinfo.value)


def test_catalog_that_is_not_a_mapping_raises(tmp_path: Path) -> None:
    _write_catalog(tmp_path, "- a\n- b\n")
    with pytest.raises(CatalogError, match=r"must be a YAML mapping .*not a list"):
        open_catalog(tmp_path)


def test_entry_without_reader_raises(tmp_path: Path) -> None:
    _write_catalog(tmp_path, "entries:\n  a:\n    kwargs: {}\n")
    with pytest.raises(CatalogError, match=r"entry 'a' needs a `reader:`"):
        open_catalog(tmp_path)


@pytest.mark.parametrize(
    ("reader", "reason"),
    [
        ("no_such_module_ebpm.readers:Thing", "No module named 'no_such_module_ebpm'"),
        ("ebpm.catalog.readers:NoSuchReader", "has no attribute 'NoSuchReader'"),
    ],
)
def test_unimportable_reader_raises(tmp_path: Path, reader: str, reason: str) -> None:
    _write_catalog(tmp_path, f"entries:\n  a:\n    reader: {reader}\n")
    with pytest.raises(
        CatalogError,
        match=rf"reader '{re.escape(reader)}' cannot be imported \(.*{reason}\)"
        r".*`module.path:ClassName`",
    ):
        open_catalog(tmp_path)


def test_data_key_clashing_with_entry_raises(tmp_path: Path) -> None:
    _write_catalog(
        tmp_path, "data:\n  a: {}\nentries:\n  a:\n    reader: ebpm.catalog.readers:PackageCSV\n"
    )
    with pytest.raises(CatalogError, match=r"data keys \['a'\] share a name with entries"):
        open_catalog(tmp_path)


def test_version_1_raises(tmp_path: Path) -> None:
    _write_catalog(tmp_path, "version: 1\nentries: {}\n")
    with pytest.raises(CatalogError, match=r"version 1 is not supported.*`version: 2`"):
        open_catalog(tmp_path)


def test_unknown_top_level_key_raises(tmp_path: Path) -> None:
    _write_catalog(tmp_path, "entrys: {}\n")
    with pytest.raises(CatalogError, match=r"unknown top-level keys \['entrys'\]"):
        open_catalog(tmp_path)


def test_unknown_entry_key_raises(tmp_path: Path) -> None:
    _write_catalog(
        tmp_path, "entries:\n  a:\n    reader: ebpm.catalog.readers:PackageCSV\n    args: {}\n"
    )
    with pytest.raises(CatalogError, match=r"entry 'a': unknown keys \['args'\].*`kwargs:`"):
        open_catalog(tmp_path)


def test_dotted_entry_name_raises(tmp_path: Path) -> None:
    _write_catalog(tmp_path, "entries:\n  a.b:\n    reader: ebpm.catalog.readers:PackageCSV\n")
    with pytest.raises(CatalogError, match=r"entry 'a.b': entry names cannot contain '.'"):
        open_catalog(tmp_path)


# --- readers -------------------------------------------------------------------------------
def test_wrong_sha256_pin_raises_integrity_error(tmp_path: Path) -> None:
    pinned = "0123456789abcdef" * 4
    actual = _sha256_of_package_file("causaldata", ORGAN_RESOURCE)
    _write_catalog(
        tmp_path,
        _package_csv_entry(package="causaldata", resource=ORGAN_RESOURCE, sha256=pinned),
    )
    cat = open_catalog(tmp_path)
    with pytest.raises(IntegrityError, match=rf"sha256 is {actual}, but the catalog pins {pinned}"):
        cat.load("tmp.organ")
    with pytest.raises(ValueError, match="update the entry's `sha256`"):
        cat.load("tmp.organ")


def test_correct_sha256_pin_loads(tmp_path: Path) -> None:
    actual = _sha256_of_package_file("causaldata", ORGAN_RESOURCE)
    _write_catalog(
        tmp_path,
        _package_csv_entry(package="causaldata", resource=ORGAN_RESOURCE, sha256=actual.upper()),
    )
    df = open_catalog(tmp_path).load("tmp.organ")
    assert df.attrs["ebpm"]["sha256"] == actual


def test_package_not_installed_says_pip_install(tmp_path: Path) -> None:
    _write_catalog(tmp_path, _package_csv_entry(package="no_such_pkg_ebpm", resource="a.csv"))
    with pytest.raises(
        CatalogError,
        match=r"package 'no_such_pkg_ebpm' is not installed.*`pip install no_such_pkg_ebpm`",
    ):
        open_catalog(tmp_path).load("tmp.organ")


def test_missing_resource_raises(tmp_path: Path) -> None:
    _write_catalog(tmp_path, _package_csv_entry(package="causaldata", resource="nope/nope.csv"))
    with pytest.raises(
        CatalogError, match=r"package 'causaldata' has no file 'nope/nope.csv'.*`resource`"
    ):
        open_catalog(tmp_path).load("tmp.organ")


def test_recode_with_unmapped_value_names_it(tmp_path: Path) -> None:
    quarters = {"Q42010": 1, "Q12011": 2, "Q22011": 3, "Q32011": 4, "Q42011": 5}
    _write_catalog(
        tmp_path,
        _package_csv_entry(
            package="causaldata",
            resource=ORGAN_RESOURCE,
            recode={"Quarter": {"to": "quarter_num", "map": quarters}},
        ),
    )
    with pytest.raises(
        CatalogError, match=r"recode of column 'Quarter': values \['Q12012'\] have no mapping"
    ):
        open_catalog(tmp_path).load("tmp.organ")


def test_dotted_catalog_file_name_raises(tmp_path: Path) -> None:
    _write_catalog(
        tmp_path, _package_csv_entry(package="causaldata", resource=ORGAN_RESOURCE), "my.data.yaml"
    )
    with pytest.raises(CatalogError, match=r"my\.data\.yaml.*rename them with '_'"):
        open_catalog(tmp_path)


def test_load_rejects_parameters_the_entry_does_not_declare() -> None:
    cat = open_catalog(CATALOG_DIR)
    with pytest.raises(CatalogError, match=r"no parameter\(s\) \['foo'\]; it takes no parameters"):
        cat.load("studies.prop99", foo=1)
    # reader settings pinned in the catalog cannot be overridden from load()
    with pytest.raises(CatalogError, match=r"\['resource', 'sha256'\]"):
        cat.load("studies.organ_donations", resource="organ_donations/data.py", sha256=None)


def test_load_accepts_declared_parameters_with_close_match_for_typos() -> None:
    cat = open_catalog(CATALOG_DIR)
    rough = cat.load("geo.japan_prefectures", rough=True)
    fine = cat.load("geo.japan_prefectures")
    assert len(rough) == len(fine) == 47
    assert rough.attrs["ebpm"]["params"] == {"rough": True}
    assert rough.attrs["ebpm"]["sha256"] != fine.attrs["ebpm"]["sha256"]
    assert (
        rough.geometry.apply(lambda g: len(g.wkb)).sum()
        < fine.geometry.apply(lambda g: len(g.wkb)).sum()
    )
    with pytest.raises(CatalogError, match=r"Did you mean 'rough'\?"):
        cat.load("geo.japan_prefectures", ruogh=True)


def test_citation_is_one_line() -> None:
    prov = open_catalog(CATALOG_DIR).load("studies.organ_donations").attrs["ebpm"]
    assert "\n" not in prov["citation"]
    assert prov["citation"].startswith("Kessler, J. B. and Roth")


def test_mpdta_reads_the_pickle_with_its_pinned_hash() -> None:
    df = open_catalog(CATALOG_DIR).load("studies.mpdta")
    assert df.shape == (2500, 6)
    assert df["countyreal"].nunique() == 500
    assert sorted(df["first_treat"].unique()) == [0, 2004, 2006, 2007]
    assert df.attrs["ebpm"]["sha256"] == _sha256_of_package_file(
        "moderndid", "core/datasets/mpdta_long.pkl.gz"
    )


def test_pickle_without_a_pinned_hash_is_refused(tmp_path: Path) -> None:
    _write_catalog(
        tmp_path,
        _package_csv_entry(
            package="moderndid", resource="core/datasets/mpdta_long.pkl.gz", format="pickle"
        ),
    )
    with pytest.raises(CatalogError, match=r"a pickle is read only with a pinned `sha256`"):
        open_catalog(tmp_path).load("tmp.organ")


def test_senate_rdd_data() -> None:
    df = open_catalog(CATALOG_DIR).load("studies.senate")
    assert len(df) == 1390
    assert {"margin", "vote"} <= set(df.columns)
    assert (df["margin"] > 0).sum() > 0
    assert (df["margin"] < 0).sum() > 0


def test_nsw_reads_the_stata_file_with_its_pinned_hash() -> None:
    df = open_catalog(CATALOG_DIR).load("studies.nsw_mixtape")
    assert df.shape == (445, 11)
    assert df["treat"].value_counts().to_dict() == {0: 260, 1: 185}
    # Dehejia & Wahba (1999), Table 1: treated mean age 25.82, mean schooling 10.35
    assert df.loc[df["treat"] == 1, "age"].mean() == pytest.approx(25.82, abs=0.005)
    assert df.loc[df["treat"] == 1, "educ"].mean() == pytest.approx(10.35, abs=0.005)
    assert df.attrs["ebpm"]["sha256"] == _sha256_of_package_file(
        "causaldata", "nsw_mixtape/nsw_mixtape.dta"
    )


def test_bad_entry_names_file_and_line(tmp_path: Path) -> None:
    folder = tmp_path / "cats"
    folder.mkdir()
    (folder / "japan.yaml").write_text(
        "version: 2\nentries:\n  good:\n    reader: ebpm.catalog.readers:PackageCSV\n"
        "  bad:\n    reader: ebpm.catalog.readers:PackageCSV\n    kwrags: {}\n",
        encoding="utf-8",
    )
    with pytest.raises(CatalogError, match=r"japan.yaml, line 5: entry 'bad': unknown keys"):
        open_catalog(folder)


def _param_catalog(tmp_path: Path) -> Path:
    folder = tmp_path / "pcats"
    folder.mkdir()
    (folder / "geo2.yaml").write_text(
        "version: 2\nentries:\n  prefs:\n    reader: ebpm.catalog.readers:JapanPrefectures\n"
        "    metadata:\n      title: prefectures\n      parameters:\n"
        "        rough:\n          description: coarse polygons\n          default: false\n"
        "          allowed: [true, false]\n",
        encoding="utf-8",
    )
    return folder


def test_parameter_values_outside_the_allowed_set_are_refused(tmp_path: Path) -> None:
    cat = open_catalog(_param_catalog(tmp_path))
    spec = cat.parameters("geo2.prefs")["rough"]
    assert (spec.description, spec.default, spec.allowed) == (
        "coarse polygons",
        False,
        (True, False),
    )
    with pytest.raises(
        CatalogError, match=r"rough='yes' is not allowed; use one of \[True, False\]"
    ):
        cat.load("geo2.prefs", rough="yes")
    assert len(cat.load("geo2.prefs", rough=True)) == 47


def test_columns_keeps_only_the_asked_columns(tmp_path: Path) -> None:
    df = catalog.load("studies.organ_donations", columns=["State", "Rate"])
    assert list(df.columns) == ["State", "Rate"]
    assert df.attrs["ebpm"]["entry"] == "studies.organ_donations"
    prefs = open_catalog(_param_catalog(tmp_path)).load("geo2.prefs", columns=["code"])
    assert list(prefs.columns) == ["code", "geometry"]
    from ebpm.errors import ColumnNotFoundError

    with pytest.raises(ColumnNotFoundError, match=r"no columns \['rate'\].*Did you mean 'Rate'"):
        catalog.load("studies.organ_donations", columns=["rate"])


def test_a_misspelt_reader_option_is_refused_with_file_and_line(tmp_path: Path) -> None:
    folder = tmp_path / "typo"
    folder.mkdir()
    (folder / "mine.yaml").write_text(
        "version: 2\nentries:\n  t:\n    reader: ebpm.catalog.files:RemoteTable\n"
        "    kwargs: {url: 'http://127.0.0.1/x.csv', sha265: abc}\n",
        encoding="utf-8",
    )
    with pytest.raises(
        CatalogError,
        match=r"mine.yaml, line 3: entry 't': .*does not take kwargs \['sha265'\]\. "
        r"Did you mean 'sha256'\?",
    ):
        open_catalog(folder)
    (folder / "mine.yaml").write_text(
        "version: 2\nentries:\n  t:\n    reader: ebpm.catalog.readers:JapanPrefectures\n"
        "    metadata: {parameters: {ruogh: coarse}}\n",
        encoding="utf-8",
    )
    with pytest.raises(CatalogError, match=r"does not take parameters \['ruogh'\]"):
        open_catalog(folder)


def test_an_unquoted_numeric_pin_is_refused() -> None:
    from ebpm.catalog.readers import package_file

    with pytest.raises(CatalogError, match=r"pinned sha256 0 is not text.*Quote it"):
        package_file("causaldata", ORGAN_RESOURCE, sha256=0)


def test_municipal_structure_matches_the_official_counts() -> None:
    df = catalog.load("geo.prefecture_municipal_structure").set_index("code")
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
