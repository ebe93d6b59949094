"""The project's open-data catalogs and the CLI around them, end to end against 127.0.0.1.

The entries of catalogs/japan.yaml and catalogs/world.yaml are loaded by name exactly as an
analyst would, with the sources' base URLs pointed at a local server answering in each
source's real format (the fixtures of the per-source tests).
"""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from ebpm import catalog
from ebpm.catalog.estat import CREDIT, LICENCE
from ebpm.cli import main
from ebpm.errors import CatalogError, OfflineError
from tests.conftest import TESTS

HERE = TESTS
REPO = HERE.parent
FIX = HERE / "fixtures"
DATA = "/rest/3.0/app/json/getStatsData"
LIST = "/rest/3.0/app/json/getStatsList"
JSON = "application/json;charset=utf-8"
REMOTE = ("japan.yaml", "world.yaml")


@pytest.fixture
def project(monkeypatch, http_server):
    """The project's catalogs, every source pointed at the local server."""
    monkeypatch.setenv("EBPM_CATALOG_DIR", str(REPO / "catalogs"))
    monkeypatch.setenv("EBPM_ESTAT_API", http_server.url + "/rest/3.0/app")
    monkeypatch.setenv("EBPM_ESTAT_APP_ID", "app-id-for-tests")
    monkeypatch.setenv("EBPM_WORLDBANK_API", http_server.url + "/wb")
    monkeypatch.setenv("EBPM_OECD_API", http_server.url + "/oecd")
    monkeypatch.delenv("EBPM_DEBUG", raising=False)
    estat = FIX / "estat"
    http_server.add_file(DATA, estat / "pref_page1.json", query={"statsDataId": "0000010101"})
    http_server.add_file(
        DATA, estat / "pref_page2.json", query={"statsDataId": "0000010101", "startPosition": "4"}
    )
    http_server.add_file(LIST, estat / "search.json", content_type=JSON)
    wb = FIX / "worldbank"
    path = "/wb/country/JPN;KOR;USA/indicator/NY.GDP.PCAP.CD"
    http_server.add_file(path, wb / "gdp_pcap_page1.json", query={"page": "1"})
    http_server.add_file(path, wb / "gdp_pcap_page2.json", query={"page": "2"})
    return http_server


def invoke(*args: str):
    return CliRunner().invoke(main, list(args), prog_name="ebpm")


def remote_entries() -> list[str]:
    cat = catalog.open_catalog(REPO / "catalogs")
    names = [n for n in cat.names() if f"{n.split('.')[0]}.yaml" in REMOTE]
    return [n for n in names if n not in SHIPPED]


#: Entries of the open-data catalogs whose files ship inside ebpm (offline, no parameters).
SHIPPED = {
    "japan.municipal_changes",
    "japan.municipal_fiscal_indices",
    "japan.prefecture_fiscal_indices",
}


def test_the_open_data_catalogs_download_all_but_the_files_ebpm_ships():
    cat = catalog.open_catalog(REPO / "catalogs")
    names = [n for n in cat.names() if f"{n.split('.')[0]}.yaml" in REMOTE]
    assert {n for n in names if not cat.info(n).remote} == SHIPPED
    for name in SHIPPED:
        info = cat.info(name)
        assert info.metadata["attribution"].startswith("出典：")
        for key in ("title", "description", "source", "licence"):
            assert info.metadata.get(key), f"{name} has no {key}"


@pytest.mark.parametrize("name", remote_entries())
def test_every_remote_entry_says_what_it_is_and_under_which_terms(name):
    cat = catalog.open_catalog(REPO / "catalogs")
    info = cat.info(name)
    assert info.remote
    for key in ("title", "description", "source", "licence", "url"):
        assert info.metadata.get(key), f"{name} has no {key}"
    assert cat.parameters(name), f"{name} declares no parameters"


def test_prefecture_population_loads_by_name_with_provenance(project):
    df = catalog.load("japan.prefecture_population")
    tokyo = df[df["area_code"] == "13000"].set_index("fiscal_year")["value"]
    assert tokyo.to_dict() == {2020: 14047594.0, 2015: 13515271.0}
    assert set(df["pref_code"].dropna()) == {"01", "13"}
    prov = df.attrs["ebpm"]
    assert prov["entry"] == "japan.prefecture_population"
    assert prov["licence"] == LICENCE  # what e-Stat's answer says, not the entry's paraphrase
    assert prov["title"] == "都道府県データ 基礎データ Ａ\u3000人口・世帯"
    assert prov["details"]["entry_title"].startswith("総人口（都道府県別）")
    assert prov["url"] == "https://www.e-stat.go.jp/dbview?sid=0000010101"
    assert prov["attribution"].endswith(CREDIT)
    assert prov["publisher_updated"]
    assert "app-id-for-tests" not in str(prov)
    assert "appId=***" in str(prov["request"])
    assert project.count(DATA) == 2


def test_a_second_load_is_served_from_the_cache_even_offline(project, monkeypatch):
    first = catalog.load("japan.prefecture_population")
    monkeypatch.delenv("EBPM_ESTAT_APP_ID")
    monkeypatch.setenv("EBPM_OFFLINE", "1")
    again = catalog.load("japan.prefecture_population", columns=["area_code", "value"])
    assert list(again.columns) == ["area_code", "value"]
    assert again["value"].tolist() == first["value"].tolist()
    assert again.attrs["ebpm"]["from_cache"] is True
    assert project.count(DATA) == 2
    with pytest.raises(
        OfflineError,
        match=r"`ebpm catalog fetch japan.prefecture_population -p cdArea 13000`",
    ):
        catalog.load("japan.prefecture_population", cdArea="13000")


def test_unknown_parameter_is_named_with_a_close_match(project):
    with pytest.raises(CatalogError, match=r"no parameter\(s\) \['cdAre'\].*Did you mean 'cdArea'"):
        catalog.load("japan.prefecture_population", cdAre="13000")


def test_direct_calls_stay_functions_after_the_modules_are_imported(project):
    first = catalog.worldbank("NY.GDP.PCAP.CD", countries=["JPN", "KOR", "USA"])
    catalog.list_entries()
    again = catalog.worldbank("NY.GDP.PCAP.CD", countries=["JPN", "KOR", "USA"])
    assert again["value"].equals(first["value"])
    assert callable(catalog.estat)
    assert callable(catalog.oecd)
    assert catalog.estat("0000010101", cdCat01="A1101")["value"].notna().all()


def test_world_bank_entry_with_parameters(project):
    df = catalog.load("world.gdp_per_capita", countries=["JPN", "KOR", "USA"])
    assert len(df) == 15
    assert sorted(df["country_code"].unique()) == ["JPN", "KOR", "USA"]
    prov = df.attrs["ebpm"]
    assert prov["licence"] == "CC BY 4.0"
    assert prov["params"] == {"countries": ["JPN", "KOR", "USA"]}


# --- CLI --------------------------------------------------------------------------------------
def test_cli_fetch_show_and_offline(project):
    first = invoke("catalog", "fetch", "japan.prefecture_population")
    assert first.exit_code == 0, first.output
    assert "japan.prefecture_population: 6 rows" in first.stdout
    assert "downloaded" in first.stdout
    assert "このサービスは、政府統計総合窓口(e-Stat)のAPI機能を使用" in first.stdout
    again = invoke("--offline", "catalog", "fetch", "japan.prefecture_population")
    assert again.exit_code == 0, again.output
    assert "from the cache" in again.stdout
    show = invoke("catalog", "show", "japan.prefecture_population")
    assert show.exit_code == 0, show.output
    (cache_line,) = [line for line in show.stdout.splitlines() if line.startswith("cache:")]
    assert cache_line.startswith("cache:    cached (defaults): 6 rows, retrieved 20")
    assert "cdArea          area codes, 5 digits" in show.stdout
    missing = invoke(
        "--offline", "catalog", "fetch", "japan.prefecture_population", "-p", "cdArea", "13000"
    )
    assert missing.exit_code == 1
    assert "error: e-Stat table 0000010101 is not in the cache" in missing.stderr


def test_cli_verify_finds_a_changed_cache_file(project, cache_dir):
    assert invoke("catalog", "fetch", "japan.prefecture_population").exit_code == 0
    ok = invoke("catalog", "verify")
    assert ok.exit_code == 0, ok.output
    assert "japan.prefecture_population: 1 cached parameter set(s)" in ok.stdout
    assert "ok       studies.prop99: sha256 " in ok.stdout
    assert "3 of 3 cached files (downloads and parsed tables) match" in ok.stdout
    page = next(p for p in (cache_dir / "downloads").rglob("*") if p.is_file() and not p.suffix)
    page.write_bytes(b"tampered")
    bad = invoke("catalog", "verify")
    assert bad.exit_code == 1
    assert "CHANGED" in bad.stdout
    assert "STALE" in bad.stdout  # the parsed table built from it goes too
    assert "1 of 3 cached files" in bad.stdout
    assert "did not match their sha256" in bad.stderr
    before = project.count(DATA)
    assert "japan.prefecture_population: not cached" in invoke("catalog", "verify").stdout
    assert project.count(DATA) == before
    again = catalog.load("japan.prefecture_population")
    assert again.attrs["ebpm"]["from_cache"] is False
    assert project.count(DATA) == before + 1  # the tampered page is downloaded again


def test_a_damaged_cached_table_is_rebuilt_from_the_downloads(project, cache_dir):
    catalog.load("japan.prefecture_population")
    (table,) = (cache_dir / "tables").rglob("*.parquet")
    table.write_bytes(b"PAR1 damaged")
    again = catalog.load("japan.prefecture_population")
    assert len(again) == 6
    assert project.count(DATA) == 2  # rebuilt from the cached pages, no new download


def test_cli_search_lists_catalog_entries(project):
    result = invoke("catalog", "search", "人口")
    assert result.exit_code == 0, result.output
    names = [line.split()[0] for line in result.stdout.splitlines() if line.startswith("japan")]
    assert names == [
        "japan.municipality_population",
        "japan.prefecture_indicator",
        "japan.prefecture_population",
    ]


def test_cli_estat_search(project):
    result = invoke("estat", "search", "人口")
    assert result.exit_code == 0, result.output
    first = result.stdout.splitlines()[0]
    assert first.startswith("0003448237  人口推計 各年10月1日現在人口 令和２年国勢調査基準")
    assert first.endswith("(総務省, updated 2025-04-14)")


def test_cli_estat_search_without_app_id_says_how_to_get_one(project, monkeypatch):
    monkeypatch.delenv("EBPM_ESTAT_APP_ID")
    result = invoke("estat", "search", "人口")
    assert result.exit_code == 1
    assert "EBPM_ESTAT_APP_ID is not set" in result.stderr
    assert "Traceback" not in result.output


# --- boundaries and portal entries ------------------------------------------------------------
def test_municipal_boundaries_entry_joins_on_muni_code(project, monkeypatch, tmp_path):
    from tests.catalog.test_ksj import TOKYO_2024, URL_2024, shapefile_zip

    zipped = shapefile_zip(
        TOKYO_2024,
        "N03-20240101_13_GML",
        "N03-20240101_13",
        tmp_path,
        encoding="UTF-8",
        keep_cpg=True,
    )
    monkeypatch.setenv("EBPM_KSJ_BASE", project.url + "/ksj")
    project.add("/ksj" + URL_2024, zipped, content_type="application/zip")
    gdf = catalog.load("japan.municipal_boundaries", prefecture="東京都", year=2024)
    assert gdf["muni_code"].tolist() == ["13101", "13361"]
    assert gdf.crs.to_epsg() == 6668
    assert gdf.attrs["ebpm"]["attribution"].startswith("出典：国土交通省国土数値情報")
    with pytest.raises(CatalogError, match=r"year=2030 is not allowed; use one of \[2015"):
        catalog.load("japan.municipal_boundaries", year=2030)


def test_egov_resource_entry_reads_a_shift_jis_csv(project, monkeypatch):
    from tests.catalog.test_egov import HOLIDAYS, fixture_json

    monkeypatch.setenv("EBPM_EGOV_CKAN_API", project.url + "/data/api/action")
    project.add(
        "/data/api/action/package_show",
        fixture_json("package_show_holidays.json", project.url),
        query={"id": "cao_20190522_0002"},
        content_type=JSON,
    )
    project.add("/chosei/shukujitsu/syukujitsu.csv", HOLIDAYS, content_type="text/csv")
    df = catalog.load("japan.egov_resource", package="cao_20190522_0002")
    assert df.columns[0] == "国民の祝日・休日月日"
    prov = df.attrs["ebpm"]
    assert prov["entry"] == "japan.egov_resource"
    assert "内閣府" in prov["attribution"]
    # the generic entry's text does not replace what the dataset itself says
    assert prov["licence"] == "CC BY 4.0"
    assert "国民の祝日" in prov["title"]
    assert prov["url"] != "https://data.e-gov.go.jp/"


def test_cli_parameters_keep_leading_zeros(project):
    result = invoke("catalog", "fetch", "japan.prefecture_population", "-p", "cdArea", "01000")
    assert result.exit_code == 0, result.output
    query = next(q for p, q in project.requests if p == DATA)
    assert query["cdArea"] == "01000"  # not YAML's octal 512
