"""Tests of ebpm.catalog: the project catalogs, their entries and the tolerant loader."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest

from ebpm import catalog
from ebpm.catalog import open_catalog
from ebpm.errors import CatalogError, DatasetNotFoundError
from tests.catalog.conftest import (
    CATALOG_DIR,
    ENTRY_NAMES,
    ORGAN_RESOURCE,
    package_csv_entry,
    sha256_of_package_file,
    write_catalog,
)


@pytest.fixture
def project_catalog_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """Point EBPM_CATALOG_DIR at the project's catalogs and run from an unrelated folder."""
    monkeypatch.setenv("EBPM_CATALOG_DIR", str(CATALOG_DIR))
    monkeypatch.chdir(tmp_path)
    return CATALOG_DIR


@pytest.fixture(scope="module")
def prop99() -> pd.DataFrame:
    return open_catalog(CATALOG_DIR).load("studies.prop99")


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
        "studies.castle": "panel",
        "studies.ehec_medicaid": "panel",
        "studies.germany": "panel",
        "studies.mpdta": "panel",
        "studies.nsw_mixtape": "cross-section",
        "studies.organ_donations": "panel",
        "studies.prop99": "panel",
        "studies.senate": "cross-section",
        "studies.sicily": "time-series",
        "studies.smoking_adh2010": "panel",
        "world.gdp_per_capita": "panel",
        "world.oecd_unemployment": "panel",
        "world.population": "panel",
        "world.wdi": "panel",
    }


@pytest.mark.parametrize(
    ("search", "expected"),
    [
        ("prop 99", ["studies.prop99", "studies.smoking_adh2010"]),
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
        (
            "did",
            [
                "studies.castle",
                "studies.ehec_medicaid",
                "studies.mpdta",
                "studies.organ_donations",
                "studies.prop99",
            ],
        ),
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


def test_provenance_helper_returns_a_copy(organ: pd.DataFrame) -> None:
    prov = catalog.provenance(organ)
    assert prov["entry"] == "studies.organ_donations"
    prov["entry"] = "changed"
    assert organ.attrs["ebpm"]["entry"] == "studies.organ_donations"
    assert catalog.provenance(pd.DataFrame({"a": [1]})) == {}


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
    assert prov["sha256"] == sha256_of_package_file("synthdid", "data/california_prop99.csv")


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
    write_catalog(tmp_path, package_csv_entry(package="causaldata", resource=ORGAN_RESOURCE))
    cat = open_catalog(tmp_path)
    assert cat.names() == ["tmp.organ"]
    info = cat.info("tmp.organ")
    assert info.title == ""
    assert info.kind == "table"
    df = cat.load("tmp.organ")
    assert df.shape == (162, 3)
    assert list(df.columns) == ["State", "Quarter", "Rate"]
    assert df.attrs["ebpm"]["entry"] == "tmp.organ"
    assert df.attrs["ebpm"]["sha256"] == sha256_of_package_file("causaldata", ORGAN_RESOURCE)


def test_open_catalog_accepts_a_single_file(tmp_path: Path) -> None:
    path = write_catalog(
        tmp_path, package_csv_entry(package="causaldata", resource=ORGAN_RESOURCE), "one.yaml"
    )
    write_catalog(tmp_path, "entries: {}\n", "other.yaml")
    assert open_catalog(path).names() == ["one.organ"]
    assert open_catalog(tmp_path).names() == ["one.organ"]


def test_empty_catalog_file_has_no_entries(tmp_path: Path) -> None:
    write_catalog(tmp_path, "")
    cat = open_catalog(tmp_path)
    assert cat.names() == []
    assert cat.to_frame().empty


def test_intake1_sources_raise(tmp_path: Path) -> None:
    write_catalog(tmp_path, "sources:\n  a:\n    driver: csv\n")
    with pytest.raises(
        CatalogError, match=r"`sources:` is intake 1 syntax; rename it to `entries:`"
    ):
        open_catalog(tmp_path)


def test_invalid_yaml_names_the_line(tmp_path: Path) -> None:
    path = write_catalog(tmp_path, "entries:\n  a: [1\n  b: 2\n")
    with pytest.raises(CatalogError, match=r"is not valid YAML at line 3") as excinfo:
        open_catalog(tmp_path)
    assert str(path) in str(excinfo.value)


def test_catalog_that_is_not_a_mapping_raises(tmp_path: Path) -> None:
    write_catalog(tmp_path, "- a\n- b\n")
    with pytest.raises(CatalogError, match=r"must be a YAML mapping .*not a list"):
        open_catalog(tmp_path)


def test_entry_without_reader_raises(tmp_path: Path) -> None:
    write_catalog(tmp_path, "entries:\n  a:\n    kwargs: {}\n")
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
    write_catalog(tmp_path, f"entries:\n  a:\n    reader: {reader}\n")
    with pytest.raises(
        CatalogError,
        match=rf"reader '{re.escape(reader)}' cannot be imported \(.*{reason}\)"
        r".*`module.path:ClassName`",
    ):
        open_catalog(tmp_path)


def test_data_key_clashing_with_entry_raises(tmp_path: Path) -> None:
    write_catalog(
        tmp_path, "data:\n  a: {}\nentries:\n  a:\n    reader: ebpm.catalog.readers:PackageCSV\n"
    )
    with pytest.raises(CatalogError, match=r"data keys \['a'\] share a name with entries"):
        open_catalog(tmp_path)


def test_version_1_raises(tmp_path: Path) -> None:
    write_catalog(tmp_path, "version: 1\nentries: {}\n")
    with pytest.raises(CatalogError, match=r"version 1 is not supported.*`version: 2`"):
        open_catalog(tmp_path)


def test_unknown_top_level_key_raises(tmp_path: Path) -> None:
    write_catalog(tmp_path, "entrys: {}\n")
    with pytest.raises(CatalogError, match=r"unknown top-level keys \['entrys'\]"):
        open_catalog(tmp_path)


def test_unknown_entry_key_raises(tmp_path: Path) -> None:
    write_catalog(
        tmp_path, "entries:\n  a:\n    reader: ebpm.catalog.readers:PackageCSV\n    args: {}\n"
    )
    with pytest.raises(CatalogError, match=r"entry 'a': unknown keys \['args'\].*`kwargs:`"):
        open_catalog(tmp_path)


def test_dotted_entry_name_raises(tmp_path: Path) -> None:
    write_catalog(tmp_path, "entries:\n  a.b:\n    reader: ebpm.catalog.readers:PackageCSV\n")
    with pytest.raises(CatalogError, match=r"entry 'a.b': entry names cannot contain '.'"):
        open_catalog(tmp_path)


# --- parameters and loading options ------------------------------------------------------
def test_dotted_catalog_file_name_raises(tmp_path: Path) -> None:
    write_catalog(
        tmp_path, package_csv_entry(package="causaldata", resource=ORGAN_RESOURCE), "my.data.yaml"
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


def test_senate_rdd_data() -> None:
    df = open_catalog(CATALOG_DIR).load("studies.senate")
    assert len(df) == 1390
    assert {"margin", "vote"} <= set(df.columns)
    assert (df["margin"] > 0).sum() > 0
    assert (df["margin"] < 0).sum() > 0


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
