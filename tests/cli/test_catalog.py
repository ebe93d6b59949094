"""Tests of ``ebpm catalog list|search|show|fetch|verify`` and ``ebpm estat search`` (click's
CliRunner; remote data from a server on 127.0.0.1). ``ebpm catalog add`` is tested with the
local files it reads, in tests/catalog/test_local.py."""

from __future__ import annotations

import hashlib
import logging
import re
from pathlib import Path

import pytest

from ebpm.catalog import open_catalog
from tests.catalog.conftest import ORGAN_RESOURCE, sha256_of_package_file
from tests.cli.conftest import error_lines, invoke
from tests.conftest import FIXTURES, ROOT

REPO = ROOT
POP = "code,都道府県,人口\n01000,北海道,5092000\n13000,東京都,14178000\n".encode()
POP_SHA = hashlib.sha256(POP).hexdigest()
ORGAN_SHA = sha256_of_package_file("causaldata", ORGAN_RESOURCE)


@pytest.fixture
def remote_catalog(http_server, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cache_dir):
    """A catalog ``tmp`` of two entries: ``pop``, a CSV on the test server (pinned), and
    ``organ``, a CSV embedded in causaldata (pinned); the server is returned."""
    http_server.add("/pop.csv", POP, headers={"Last-Modified": "Mon, 03 Feb 2025 00:00:00 GMT"})
    folder = tmp_path / "cats"
    folder.mkdir()
    (folder / "tmp.yaml").write_text(
        "version: 2\nentries:\n"
        "  pop:\n    reader: ebpm.catalog.files:RemoteTable\n"
        f"    kwargs: {{url: '{http_server.url}/pop.csv', sha256: '{POP_SHA}'}}\n"
        "    metadata: {title: 都道府県別人口, source: 総務省, licence: CC BY 4.0, "
        "attribution: 出典：総務省}\n"
        "  organ:\n    reader: ebpm.catalog.readers:PackageCSV\n"
        f"    kwargs: {{package: causaldata, resource: {ORGAN_RESOURCE}, sha256: '{ORGAN_SHA}'}}\n"
        "    metadata: {title: organ}\n",
        encoding="utf-8",
    )
    monkeypatch.setenv("EBPM_CATALOG_DIR", str(folder))
    monkeypatch.delenv("EBPM_DEBUG", raising=False)
    return http_server


# --- catalog list and show ------------------------------------------------------------------
def test_catalog_list_shows_every_entry(catalog_env: None) -> None:
    result = invoke("catalog", "list")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    # one line per catalog entry, in the library's order (test_catalog.py pins the entries)
    catalog = open_catalog(REPO / "catalogs")
    assert [line.split()[0] for line in lines] == catalog.names()
    assert [line.split()[1] for line in lines] == [catalog.info(n).kind for n in catalog.names()]
    (prop99,) = [line for line in lines if line.startswith("studies.prop99 ")]
    assert prop99.endswith(
        "Cigarette sales per capita by US state, 1970-2000, and California's Proposition 99"
    )
    assert len(lines) >= 6
    assert result.stderr == ""


@pytest.mark.parametrize(
    ("search", "names"),
    [
        ("prop 99", ["studies.prop99", "studies.smoking_adh2010"]),
        ("organ", ["studies.organ_donations"]),
        (
            "usa did",
            ["studies.castle", "studies.mpdta", "studies.organ_donations", "studies.prop99"],
        ),
        ("都道府県 map", ["geo.japan_prefectures", "geo.prefecture_municipal_structure"]),
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
    ],
)
def test_catalog_list_search(catalog_env: None, search: str, names: list[str]) -> None:
    result = invoke("catalog", "list", "--search", search)
    assert result.exit_code == 0, result.output
    assert [line.split()[0] for line in result.stdout.splitlines()] == names


def test_catalog_list_search_without_matches(catalog_env: None) -> None:
    result = invoke("catalog", "list", "-s", "zzz qqq")
    assert result.exit_code == 0
    assert result.stdout == "no dataset matches 'zzz qqq'; try fewer words\n"


def test_catalog_show(catalog_env: None) -> None:
    result = invoke("catalog", "show", "studies.prop99")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == "studies.prop99"
    assert lines[1].startswith("Cigarette sales per capita by US state")
    assert "source:   synthdid-py (PyPI)" in result.stdout
    assert "licence:  BSD-3-Clause" in result.stdout
    assert "reader:   ebpm.catalog.readers:PackageCSV" in result.stdout
    assert "columns:" in lines
    assert "  PacksPerCapita  cigarette sales, packs per capita (outcome)" in lines
    assert lines[-1] == 'load it:  ebpm.catalog.load("studies.prop99")'


def test_missing_catalog_dir_is_an_error_line(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("EBPM_CATALOG_DIR", str(tmp_path / "nowhere"))
    monkeypatch.delenv("EBPM_DEBUG", raising=False)
    result = invoke("catalog", "list")
    assert result.exit_code == 1
    (line,) = error_lines(result)
    assert "EBPM_CATALOG_DIR=" in line
    assert "is not a folder" in line


# --- catalog search -------------------------------------------------------------------------
def test_catalog_search_shows_source_and_licence_under_each_title(catalog_env: None) -> None:
    result = invoke("catalog", "search", "world", "bank", "gdp")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        "world.gdp_per_capita  GDP per capita (current US$), World Development Indicators",
        "                      World Bank, World Development Indicators (API v2) · CC BY 4.0",
    ]


def test_catalog_search_without_matches(catalog_env: None) -> None:
    result = invoke("catalog", "search", "zzz")
    assert result.exit_code == 0
    assert result.stdout == "no dataset matches 'zzz'; try fewer words, or `ebpm catalog list`\n"


# --- catalog show: the cache ----------------------------------------------------------------
def test_catalog_show_of_an_embedded_dataset(catalog_env: None) -> None:
    result = invoke("catalog", "show", "studies.organ_donations")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    # the citation is written on one line, as the entry's folded text
    (citation,) = [line for line in lines if line.startswith("citation: ")]
    assert citation.startswith("citation: Kessler, J. B. and Roth, A. E. (2014). Don't take")
    assert "cache:    embedded in causaldata: always available offline" in lines


def test_catalog_show_of_a_remote_dataset_lists_its_parameters(
    catalog_env: None, cache_dir
) -> None:
    result = invoke("catalog", "show", "world.gdp_per_capita")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    start = lines.index("parameters:")
    assert lines[start + 1 : start + 3] == [
        '  countries       ISO3 codes (JPN, KOR, ...) or "all"',
        "  years           a year, or [first, last]",
    ]
    assert (
        f"cache:    not cached in {cache_dir}: `ebpm catalog fetch world.gdp_per_capita` "
        "downloads it"
    ) in lines


# --- catalog fetch --------------------------------------------------------------------------
def test_catalog_fetch_downloads_once_then_show_describes_the_cache(
    remote_catalog, cache_dir
) -> None:
    first = invoke("catalog", "fetch", "tmp.pop")
    assert first.exit_code == 0, first.output
    lines = first.stdout.splitlines()
    assert re.fullmatch(r"tmp\.pop: 2 rows × 3 columns, downloaded in \d+\.\d s", lines[0])
    assert lines[1] == f"  sha256:    {POP_SHA}"
    assert lines[3:] == [
        "  updated:   Mon, 03 Feb 2025 00:00:00 GMT",
        "  licence:   CC BY 4.0",
        "  credit:    出典：総務省",
    ]
    assert f"  downloading table 'pop.csv' from {remote_catalog.url}/pop.csv" in first.stderr
    again = invoke("catalog", "fetch", "tmp.pop")
    assert re.fullmatch(
        r"tmp\.pop: 2 rows × 3 columns, from the cache in \d+\.\d s", again.stdout.splitlines()[0]
    )
    assert remote_catalog.count("/pop.csv") == 1

    show = invoke("catalog", "show", "tmp.pop")
    assert show.exit_code == 0, show.output
    retrieved = lines[2].removeprefix("  retrieved: ")
    assert (
        f"cache:    cached (defaults): 2 rows, retrieved {retrieved}, publisher updated "
        f"Mon, 03 Feb 2025 00:00:00 GMT, sha256 {POP_SHA[:12]}…"
    ) in show.stdout.splitlines()
    assert f"          in {cache_dir}" in show.stdout.splitlines()


def test_catalog_fetch_shows_the_catalog_log_only_while_it_runs(
    remote_catalog, capsys: pytest.CaptureFixture[str]
) -> None:
    logger = logging.getLogger("ebpm.catalog")
    before = (list(logger.handlers), logger.level)
    downloading = f"  downloading table 'pop.csv' from {remote_catalog.url}/pop.csv"
    for _ in range(2):  # two commands in one process: each message once, in its own command
        result = invoke("catalog", "fetch", "tmp.pop", "--refresh")
        assert result.exit_code == 0, result.output
        assert result.stderr.splitlines().count(downloading) == 1
        assert (list(logger.handlers), logger.level) == before
    assert remote_catalog.count("/pop.csv") == 2
    logging.getLogger("ebpm.catalog.cache").info("after the command")
    assert "after the command" not in capsys.readouterr().err


def test_catalog_fetch_refuses_a_parameter_the_entry_does_not_take(remote_catalog) -> None:
    result = invoke("catalog", "fetch", "tmp.pop", "-p", "year", "2020")
    assert result.exit_code == 1
    (line,) = error_lines(result)
    assert "no parameter(s) ['year']" in line
    assert remote_catalog.count("/pop.csv") == 0


# --- catalog verify -------------------------------------------------------------------------
def test_catalog_verify_checks_embedded_data_and_every_cached_file(remote_catalog, cache_dir):
    assert invoke("catalog", "fetch", "tmp.pop").exit_code == 0
    result = invoke("catalog", "verify")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        f"ok       tmp.organ: sha256 {ORGAN_SHA[:16]}…",
        "remote   tmp.pop: 1 cached parameter set(s)",
        f"cache {cache_dir}: 2 of 2 cached files (downloads and parsed tables) match their sha256",
    ]
    (download,) = [p for p in cache_dir.rglob("downloads/*/*") if p.suffix != ".json"]
    download.write_bytes(b"tampered")
    changed = invoke("catalog", "verify", "tmp.pop")
    assert changed.exit_code == 1
    lines = changed.stdout.splitlines()
    url = f"{remote_catalog.url}/pop.csv"
    assert f"CHANGED  table 'pop.csv': {url} (removed from the cache)" in lines
    assert f"STALE  table 'pop.csv' (parsed table): {url} (removed from the cache)" in lines
    assert error_lines(changed) == ["error: 2 dataset(s) or download(s) did not match their sha256"]
    assert not download.exists()


def test_catalog_verify_reports_an_embedded_file_that_changed(
    remote_catalog, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    folder = tmp_path / "cats"
    text = (folder / "tmp.yaml").read_text(encoding="utf-8").replace(ORGAN_SHA, "0" * 64)
    (folder / "tmp.yaml").write_text(text, encoding="utf-8")
    result = invoke("catalog", "verify", "tmp.organ")
    assert result.exit_code == 1
    assert result.stdout.startswith(
        f"CHANGED  tmp.organ: causaldata/{ORGAN_RESOURCE}: sha256 is {ORGAN_SHA}, but the "
        f"catalog pins {'0' * 64}"
    )
    assert error_lines(result) == ["error: 1 dataset(s) or download(s) did not match their sha256"]


# --- estat search ---------------------------------------------------------------------------
LIST = "/rest/3.0/app/json/getStatsList"


@pytest.fixture
def estat_api(http_server, monkeypatch: pytest.MonkeyPatch):
    """The test server as the e-Stat API, with an application ID set."""
    monkeypatch.setenv("EBPM_ESTAT_API", http_server.url + "/rest/3.0/app")
    monkeypatch.setenv("EBPM_ESTAT_APP_ID", "test-app-id")
    monkeypatch.delenv("EBPM_DEBUG", raising=False)
    return http_server


def test_estat_search_lists_id_survey_title_and_update(estat_api) -> None:
    estat_api.add(LIST, (FIXTURES / "estat" / "search.json").read_bytes())
    result = invoke("estat", "search", "人口推計", "都道府県", "-n", "2")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        "0003448237  人口推計 各年10月1日現在人口 令和２年国勢調査基準 統計表 / "
        "都道府県，年齢（5歳階級），男女別人口－総人口，日本人人口  (総務省, updated 2025-04-14)",
        "0000150041  人口推計 平成5年10月1日現在推計人口 / 人口及び人口増加（２９），"
        "男女別（３）人口数－総人口，日本人人口，外国人人口，全国  (総務省, updated 2007-10-03)",
    ]
    query = estat_api.requests[-1][1]
    assert (query["searchWord"], query["limit"]) == ("人口推計 都道府県", "2")
    assert "test-app-id" not in result.output


def test_estat_search_without_matches(estat_api) -> None:
    estat_api.add(LIST, (FIXTURES / "estat" / "search_none.json").read_bytes())
    result = invoke("estat", "search", "県民所得")
    assert result.exit_code == 0, result.output
    assert result.stdout == "no e-Stat table matches '県民所得'\n"
    assert estat_api.requests[-1][1]["limit"] == "20"  # the default --limit
