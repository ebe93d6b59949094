"""World Bank Indicators API v2 reader, against a server on 127.0.0.1 with answers in the API's
real JSON shape (tests/fixtures/worldbank/)."""

from __future__ import annotations

import importlib
import json
import math
from pathlib import Path

import pandas as pd
import pytest

from ebpm.catalog import open_catalog
from ebpm.catalog.worldbank import COLUMNS, MissingCountryWarning, worldbank
from ebpm.errors import (
    ColumnNotFoundError,
    InvalidOptionError,
    OfflineError,
    RemoteError,
    SourceFormatError,
    SourceStatusError,
)
from tests.conftest import FIXTURES

# the package binds `catalog.worldbank` to the function; the module is in sys.modules
wb_module = importlib.import_module("ebpm.catalog.worldbank")

FIX = FIXTURES / "worldbank"
GDP = "NY.GDP.PCAP.CD"
POP = "SP.POP.TOTL"
GDP_PATH = f"/country/JPN;KOR;USA/indicator/{GDP}"


@pytest.fixture
def api(http_server, monkeypatch):
    """The fixture server as the World Bank API, asking 8 rows per page so paging is exercised."""
    monkeypatch.setenv("EBPM_WORLDBANK_API", http_server.url)
    monkeypatch.setattr(wb_module, "PER_PAGE", 8)
    return http_server


@pytest.fixture
def no_api(monkeypatch):
    """A base URL nobody answers: input errors must be raised before any request."""
    monkeypatch.setenv("EBPM_WORLDBANK_API", "http://127.0.0.1:9")


def add_gdp(server, path=GDP_PATH):
    server.add_file(path, FIX / "gdp_pcap_page1.json", query={"page": "1"})
    server.add_file(path, FIX / "gdp_pcap_page2.json", query={"page": "2"})


def downloads(cache_dir: Path) -> list[Path]:
    return [p for p in (cache_dir / "downloads").rglob("*") if p.is_file()]


def test_two_pages_are_joined_into_one_tidy_frame(api, cache_dir):
    add_gdp(api)
    df = worldbank(GDP, countries=["JPN", "KOR", "USA"], years=(2020, 2024))
    assert tuple(df.columns) == COLUMNS
    assert len(df) == 15  # the header's `total`
    sent = [q for p, q in api.requests if p == GDP_PATH]
    assert [q["page"] for q in sent] == ["1", "2"]
    assert all(
        q["date"] == "2020:2024" and q["format"] == "json" and q["per_page"] == "8" for q in sent
    )
    assert df["year"].dtype == "int64"
    assert df["value"].dtype == "float64"
    jpn = df[df["country_code"] == "JPN"].set_index("year")["value"]
    assert jpn.index.tolist() == [2020, 2021, 2022, 2023, 2024]
    assert jpn[2022] == 34017.2718339787
    assert jpn[2020] == 39986.9283026541
    usa_2023 = df.query("country_code == 'USA' and year == 2023")["value"].item()
    assert usa_2023 == 81695.1870717048
    kor = df[df["country_code"] == "KOR"].iloc[0]
    assert kor["country"] == "Korea, Rep."
    assert kor["indicator"] == GDP
    assert kor["indicator_name"] == "GDP per capita (current US$)"
    assert kor["decimal"] == 1
    assert pd.isna(kor["obs_status"])
    assert df["obs_status"].dtype == "string"


def test_null_values_become_nan(api, cache_dir):
    add_gdp(api)
    df = worldbank(GDP, countries=["JPN", "KOR", "USA"], years=(2020, 2024))
    missing = df[df["value"].isna()]
    assert sorted(missing["country_code"]) == ["JPN", "KOR", "USA"]
    assert set(missing["year"]) == {2024}
    assert df["value"].notna().sum() == 12


def test_provenance_records_publisher_date_licence_and_attribution(api, cache_dir):
    add_gdp(api)
    df = worldbank(GDP, countries="JPN;KOR;USA", years=range(2020, 2025))
    rec = df.attrs["ebpm"]
    assert rec["publisher_updated"] == "2024-06-28"
    assert rec["licence"] == "CC BY 4.0"
    assert rec["source"] == "World Bank, World Development Indicators"
    assert rec["url"] == "https://data.worldbank.org/indicator/NY.GDP.PCAP.CD"
    assert rec["attribution"] == (
        "The World Bank: GDP per capita (current US$) (NY.GDP.PCAP.CD), "
        "World Development Indicators, CC BY 4.0"
    )
    assert rec["title"] == "GDP per capita (current US$)"
    assert len(rec["files"]) == 2
    assert rec["files"][1]["url"].endswith("page=2&per_page=8")
    assert rec["params"] == {"indicator": GDP, "countries": "JPN;KOR;USA", "years": [2020, 2024]}
    assert rec["from_cache"] is False
    assert len(rec["sha256"]) == 64


def test_second_load_reads_the_cache_without_a_request(api, cache_dir):
    add_gdp(api)
    first = worldbank(GDP, countries=["JPN", "KOR", "USA"], years=(2020, 2024))
    n = len(api.requests)
    again = worldbank(GDP, countries=["jpn", "kor", "usa"], years=(2020, 2024))
    assert len(api.requests) == n == 2
    assert again.attrs["ebpm"]["from_cache"] is True
    assert again.attrs["ebpm"]["publisher_updated"] == "2024-06-28"
    pd.testing.assert_frame_equal(first, again)
    worldbank(GDP, countries=["JPN", "KOR", "USA"], years=(2020, 2024), refresh=True)
    assert len(api.requests) == 4


def test_offline_hit_and_miss(api, cache_dir, monkeypatch):
    add_gdp(api)
    online = worldbank(GDP, countries=["JPN", "KOR", "USA"], years=(2020, 2024))
    monkeypatch.setenv("EBPM_OFFLINE", "1")
    offline = worldbank(GDP, countries=["JPN", "KOR", "USA"], years=(2020, 2024))
    pd.testing.assert_frame_equal(online, offline)
    with pytest.raises(OfflineError, match=r"NY\.GDP\.PCAP\.CD \(JPN;KOR;USA, 2000-2024\).*"):
        worldbank(GDP, countries=["JPN", "KOR", "USA"], years=(2000, 2024))
    assert len(api.requests) == 2


def test_columns_are_read_from_the_cache(api, cache_dir):
    add_gdp(api)
    df = worldbank(GDP, countries=["JPN", "KOR", "USA"], years=(2020, 2024), columns=["year"])
    assert list(df.columns) == ["year"]
    assert len(df) == 15
    with pytest.raises(ColumnNotFoundError, match=r"\['valu'\].*Did you mean 'value'"):
        worldbank(GDP, countries=["JPN", "KOR", "USA"], years=(2020, 2024), columns=["valu"])


def test_several_indicators_make_one_long_frame_and_aggregates_keep_their_id(api, cache_dir):
    add_gdp(api, f"/country/all/indicator/{GDP}")
    api.add_file(f"/country/all/indicator/{POP}", FIX / "pop_total.json")
    df = worldbank([GDP, POP], years=(2020, 2024))
    assert len(df) == 15 + 6
    assert df["indicator"].value_counts().to_dict() == {GDP: 15, POP: 6}
    world = df.query("indicator == @POP and country_code == 'WLD'").set_index("year")["value"]
    assert world.to_dict() == {2021: 7876931987.0, 2022: 7951150369.0}
    assert (
        df.query("indicator == @POP and country_code == 'JPN' and year == 2022")["value"].item()
        == 125124989.0
    )
    rec = df.attrs["ebpm"]
    assert rec["url"] == "https://data.worldbank.org/indicator"
    assert rec["attribution"] == (
        "The World Bank: GDP per capita (current US$) (NY.GDP.PCAP.CD), World Development "
        "Indicators, CC BY 4.0; The World Bank: Population, total (SP.POP.TOTL), World "
        "Development Indicators, CC BY 4.0"
    )
    assert len(rec["files"]) == 3
    assert rec["details"]["indicators"] == [GDP, POP]


def test_unknown_indicator_names_it_and_the_fix(api, cache_dir):
    api.add_file("/country/JPN/indicator/NY.GDP.PCAP.XX", FIX / "error_indicator_not_found.json")
    with pytest.raises(
        SourceStatusError,
        match=r"The indicator was not found.*indicator 'NY\.GDP\.PCAP\.XX' does not exist or was "
        r"archived; find the current id at https://data\.worldbank\.org/indicator",
    ):
        worldbank("NY.GDP.PCAP.XX", countries="JPN")
    assert downloads(cache_dir) == []  # an error answer is not kept


def test_unknown_country_names_the_codes(api, cache_dir):
    api.add_file(f"/country/JPN;XKX/indicator/{POP}", FIX / "error_invalid_value.json")
    with pytest.raises(
        SourceStatusError,
        match=r"Invalid value: The provided parameter value is not valid \(id 120\)\. "
        r"check the country codes \['JPN', 'XKX'\]",
    ):
        worldbank(POP, countries=["JPN", "XKX"])
    assert downloads(cache_dir) == []


def test_http_400_names_what_to_check(api, cache_dir):
    api.add(f"/country/all/indicator/{POP}", "<error/>", status=400)
    with pytest.raises(
        SourceStatusError,
        match=r"rejected the request \(HTTP 400\); check the indicator id 'SP\.POP\.TOTL'",
    ) as info:
        worldbank(POP)
    assert isinstance(info.value.__cause__, RemoteError)


def test_codes_without_rows_warn(api, cache_dir):
    api.add_file(f"/country/JPN;USA;XYZ/indicator/{POP}", FIX / "pop_total.json")
    with pytest.warns(MissingCountryWarning, match=r"\['XYZ'\] returned no rows"):
        df = worldbank(POP, countries=["JPN", "USA", "XYZ"])
    assert len(df) == 6


def test_no_data_answer_is_an_error_that_says_what_to_widen(api, cache_dir):
    api.add_file(f"/country/JPN/indicator/{POP}", FIX / "no_data.json", query={"date": "1900:1910"})
    with pytest.raises(
        SourceStatusError,
        match=r"SP\.POP\.TOTL \(JPN, 1900-1910\).*no observ.*"
        r"Widen `years`",
    ):
        worldbank(POP, countries="JPN", years=(1900, 1910))
    assert downloads(cache_dir) == []


def test_html_instead_of_json_is_a_format_error(api, cache_dir):
    api.add(f"/country/JPN/indicator/{POP}", "<html><body>Service unavailable</body></html>")
    with pytest.raises(SourceFormatError, match=r"is not JSON \(it starts '<html><body>"):
        worldbank(POP, countries="JPN")


def test_fewer_rows_than_announced_is_caught(api, cache_dir):
    page2 = json.loads((FIX / "gdp_pcap_page2.json").read_text())
    page2[1] = page2[1][:2]
    api.add_file(GDP_PATH, FIX / "gdp_pcap_page1.json", query={"page": "1"})
    api.add(GDP_PATH, json.dumps(page2), query={"page": "2"})
    with pytest.raises(
        SourceFormatError, match="announced 15 observations over 2 pages but held 10"
    ):
        worldbank(GDP, countries=["JPN", "KOR", "USA"])


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"countries": "JAPAN"}, r"country 'JAPAN' is not a World Bank country code"),
        ({"countries": ["JPN", 392]}, r"country 392 is not"),
        ({"countries": []}, r"no country given"),
        ({"years": (2020, 2010)}, r"start 2020 is after end 2010; swap them: years=\(2010, 2020\)"),
        ({"years": (2020,)}, r"must be \(start, end\)"),
        ({"years": "20x0"}, r"year '20x0' is not a year"),
        ({"years": range(2020, 2010)}, r"is empty or has a step"),
        ({"years": True}, r"year True is not a year"),
    ],
)
def test_bad_inputs_are_named(no_api, kwargs, message):
    with pytest.raises(InvalidOptionError, match=message):
        worldbank(POP, **kwargs)


@pytest.mark.parametrize("indicator", ["GDP per capita", "", [], "NY.GDP/../x"])
def test_bad_indicator_ids_are_named(no_api, indicator):
    with pytest.raises(InvalidOptionError, match=r"is not a World Bank indicator id|no indicator"):
        worldbank(indicator)


@pytest.mark.parametrize(
    ("years", "sent"),
    [(2020, "2020:2020"), ("2019:2022", "2019:2022"), ([2019, 2022], "2019:2022")],
)
def test_year_forms_become_the_date_parameter(api, cache_dir, years, sent):
    api.add_file(f"/country/JP;US/indicator/{POP}", FIX / "pop_total.json")
    worldbank(POP, countries="jp, us", years=years)
    assert api.requests[0][1]["date"] == sent


def test_reader_through_a_catalog_folder(api, cache_dir, tmp_path):
    folder = tmp_path / "cat"
    folder.mkdir()
    (folder / "intl.yaml").write_text(
        "version: 2\n"
        "entries:\n"
        "  population:\n"
        "    reader: ebpm.catalog.worldbank:WorldBankIndicator\n"
        "    kwargs: {indicator: SP.POP.TOTL}\n"
        "    metadata:\n"
        "      title: Population, total\n"
        "      parameters: {countries: country codes, years: '(start, end)', columns: columns,\n"
        "                   refresh: download again}\n",
        encoding="utf-8",
    )
    api.add_file(f"/country/JPN;USA/indicator/{POP}", FIX / "pop_total.json")
    cat = open_catalog(folder)
    df = cat.load("intl.population", countries=["JPN", "USA"], years=[2021, 2022])
    assert api.requests[0][1]["date"] == "2021:2022"
    assert df.query("country_code == 'USA' and year == 2021")["value"].item() == 332031554.0
    rec = df.attrs["ebpm"]
    assert rec["entry"] == "intl.population"
    assert rec["title"] == "Population, total"
    assert rec["licence"] == "CC BY 4.0"
    assert rec["publisher_updated"] == "2024-06-28"
    assert rec["params"] == {"countries": ["JPN", "USA"], "years": [2021, 2022]}
    again = cat.load(
        "intl.population", countries=["JPN", "USA"], years=[2021, 2022], columns=["value"]
    )
    assert list(again.columns) == ["value"]
    assert again.attrs["ebpm"]["from_cache"] is True
    assert len(api.requests) == 1
    assert math.isclose(again["value"].sum(), df["value"].sum())
