"""Tests of ebpm.catalog.egov: the e-Gov data portal (search, records, resources), against
127.0.0.1. Decoding the downloaded tables is tested in test_files.py."""

from __future__ import annotations

import hashlib
import json

import pandas as pd
import pytest

from ebpm.catalog import egov, open_catalog
from ebpm.errors import (
    CatalogError,
    InvalidOptionError,
    OfflineError,
    RemoteError,
    SourceFormatError,
    SourceStatusError,
)
from tests.catalog.conftest import HOLIDAYS, POP_XLSX
from tests.conftest import FIXTURES as _FIXTURES
from tests.conftest import Reply

FIXTURES = _FIXTURES / "egov"
API = "/data/api/action"

POP_CSV = "\ufeffcode,都道府県,人口\n01000,北海道,5092000\n13000,東京都,14178000\n".encode()


def fixture_json(name: str, server_url: str) -> bytes:
    text = (FIXTURES / name).read_text(encoding="utf-8").replace("{SERVER}", server_url)
    return text.encode("utf-8")


@pytest.fixture
def portal(http_server, monkeypatch):
    """The test server playing e-Gov: two datasets, a search, the organisation list, files."""
    monkeypatch.setenv("EBPM_EGOV_CKAN_API", http_server.url + API)
    url = http_server.url
    js = "application/json;charset=utf-8"
    http_server.add(
        f"{API}/package_show",
        fixture_json("package_show_holidays.json", url),
        query={"id": "cao_20190522_0002"},
        content_type=js,
    )
    http_server.add(
        f"{API}/package_show",
        fixture_json("package_show_population.json", url),
        query={"id": "soumu_20230801_0001"},
        content_type=js,
    )
    http_server.add(
        f"{API}/package_show",
        fixture_json("error_not_found.json", url),
        query={"id": "no_such_dataset"},
        status=404,
        content_type=js,
    )
    http_server.add(
        f"{API}/package_search", fixture_json("package_search.json", url), content_type=js
    )
    http_server.add(
        f"{API}/organization_list", fixture_json("organization_list.json", url), content_type=js
    )
    http_server.add("/chosei/shukujitsu/syukujitsu.csv", HOLIDAYS, content_type="text/csv")
    http_server.add("/files/pop.csv", POP_CSV, content_type="text/csv")
    http_server.add("/files/pop.xlsx", POP_XLSX)
    http_server.add("/files/notes.pdf", b"%PDF-1.7\n...", content_type="application/pdf")
    return http_server


# --- e-Gov: search and records --------------------------------------------------------------
def test_base_url_defaults_to_the_portal_and_is_overridable(monkeypatch):
    monkeypatch.delenv("EBPM_EGOV_CKAN_API", raising=False)
    assert egov._api() == "https://data.e-gov.go.jp/data/api/action"
    assert egov._dataset_page("x") == "https://data.e-gov.go.jp/data/dataset/x"
    monkeypatch.setenv("EBPM_EGOV_CKAN_API", "https://mirror.example/data/api/3/action/")
    assert egov._dataset_page("x") == "https://mirror.example/data/dataset/x"
    monkeypatch.setenv("EBPM_EGOV_CKAN_API", "data.e-gov.go.jp")
    with pytest.raises(RemoteError, match=r"EBPM_EGOV_CKAN_API='data\.e-gov\.go\.jp' is not a URL"):
        egov.egov_search("祝日")


def test_search_returns_one_row_per_dataset(portal):
    df = egov.egov_search("祝日", rows=5, organization="内閣府", res_format="CSV")
    _, query = next(r for r in portal.requests if r[0].endswith("package_search"))
    assert query == {"q": "祝日", "rows": "5", "fq": 'organization:org_0100 AND res_format:"CSV"'}
    assert df.columns.tolist() == egov.SEARCH_COLUMNS
    assert df["name"].tolist() == ["cao_20190522_0002", "cao_20200115_0001"]
    assert df["title"].tolist() == ["「国民の祝日」について", "祝日の変遷"]
    assert df["organization"].tolist() == ["内閣府", "内閣府"]
    assert df["license"].iloc[0] == "CC BY 4.0"
    assert pd.isna(df["license"].iloc[1])  # neither the dataset nor its resources state one
    assert df["num_resources"].tolist() == [1, 2]
    assert df["formats"].tolist() == ["CSV", "HTML, PDF"]
    assert df["url"].tolist() == [
        f"{portal.url}/data/dataset/cao_20190522_0002",
        f"{portal.url}/data/dataset/cao_20200115_0001",
    ]
    assert df.attrs["egov"]["count"] == 57


def test_searches_are_fresh_online_and_cached_offline(portal, monkeypatch):
    egov.egov_search("祝日", tags=["祝日", "暦"])
    egov.egov_search("祝日", tags=["祝日", "暦"])
    assert portal.count(f"{API}/package_search") == 2
    _, query = portal.requests[-1]
    assert query["fq"] == 'tags:"祝日" AND tags:"暦"'
    monkeypatch.setenv("EBPM_OFFLINE", "1")
    df = egov.egov_search("祝日", tags=["祝日", "暦"])
    assert len(df) == 2
    assert portal.count(f"{API}/package_search") == 2
    with pytest.raises(OfflineError, match=r"e-Gov search '人口' is not in the cache"):
        egov.egov_search("人口")


def test_unknown_organisation_suggests_a_title(portal):
    with pytest.raises(
        CatalogError,
        match=r"organization='総務' is not an e-Gov organisation\. "
        r"Did you mean '総務省'\?",
    ):
        egov.egov_search("人口", organization="総務")
    with pytest.raises(InvalidOptionError, match=r"rows=0 must be a whole number from 1 to 1000"):
        egov.egov_search("人口", rows=0)


def test_package_record_and_resources(portal):
    record = egov.egov_package("cao_20190522_0002")
    assert record["title"] == "「国民の祝日」について"
    assert record["organization"] == "内閣府"
    assert record["license_title"] is None
    assert record["licence"] == "CC BY 4.0"
    assert record["notes"] == "「国民の祝日に関する法律」に定める国民の祝日の一覧です。"
    assert record["url"] == f"{portal.url}/data/dataset/cao_20190522_0002"
    assert [r["name"] for r in record["resources"]] == ["国民の祝日（csv形式）"]
    res = egov.egov_resources("soumu_20230801_0001")
    assert res.columns.tolist() == ["id", "name", "format", "url", "size", "last_modified"]
    assert res["name"].tolist() == ["都道府県別人口.csv", "都道府県別人口.xlsx", "利用上の注意"]
    assert res["format"].tolist() == ["CSV", "XLSX", "PDF"]
    assert res["size"].tolist() == [120, 5000, 80000]
    assert res["last_modified"].tolist() == ["2025-08-01"] * 3
    assert res["url"].iloc[2] == f"{portal.url}/files/notes.pdf"


# --- e-Gov: loading a resource --------------------------------------------------------------
def test_resource_download_with_provenance_then_cached(portal):
    df = egov.egov_resource("cao_20190522_0002")
    assert df.columns.tolist() == ["国民の祝日・休日月日", "国民の祝日・休日名称"]
    assert df["国民の祝日・休日月日"].tolist() == ["1955/1/1", "1955/1/15", "2025/11/24"]
    assert df["国民の祝日・休日名称"].tolist() == ["元日", "成人の日", "休日"]
    prov = df.attrs["ebpm"]
    assert prov["licence"] == "CC BY 4.0"
    assert prov["attribution"] == "出典：内閣府「「国民の祝日」について」(e-Govデータポータル)"
    assert prov["source"] == "内閣府 (e-Govデータポータル)"
    assert prov["title"] == "「国民の祝日」について"
    assert prov["publisher_updated"] == "2025-02-01"
    assert prov["url"] == (
        f"{portal.url}/data/dataset/cao_20190522_0002/resource/d9ad35a5-6c9c-4127-bdbe-aa138fdffe42"
    )
    assert prov["request"] == f"{portal.url}/chosei/shukujitsu/syukujitsu.csv"
    assert prov["sha256"] == hashlib.sha256(HOLIDAYS).hexdigest()
    assert prov["params"] == {"package": "cao_20190522_0002"}
    assert prov["from_cache"] is False
    assert df.attrs["egov"] == {
        "dataset": "cao_20190522_0002",
        "resource_id": "d9ad35a5-6c9c-4127-bdbe-aa138fdffe42",
        "metadata_request": f"{portal.url}{API}/package_show?id=cao_20190522_0002",
    }
    again = egov.egov_resource("cao_20190522_0002", columns=["国民の祝日・休日名称"])
    assert again["国民の祝日・休日名称"].tolist() == ["元日", "成人の日", "休日"]
    assert again.attrs["ebpm"]["from_cache"] is True
    assert again.attrs["ebpm"]["licence"] == "CC BY 4.0"
    assert portal.count("/chosei/shukujitsu/syukujitsu.csv") == 1
    assert portal.count(f"{API}/package_show") == 1


def test_several_tables_need_a_choice(portal):
    with pytest.raises(
        CatalogError,
        match=r"'soumu_20230801_0001' has 2 table resources; choose one with resource= .*"
        r"\[0\] '都道府県別人口\.csv' \(CSV, id a1000000-0000-4000-8000-000000000001\); "
        r"\[1\] '都道府県別人口\.xlsx' \(XLSX",
    ):
        egov.egov_resource("soumu_20230801_0001")


def test_resources_by_name_id_and_position(portal):
    by_name = egov.egov_resource(
        "soumu_20230801_0001", "都道府県別人口.csv", read_csv={"dtype": {"code": str}}
    )
    assert by_name.to_dict("list") == {
        "code": ["01000", "13000"],
        "都道府県": ["北海道", "東京都"],
        "人口": [5092000, 14178000],
    }
    assert by_name.attrs["ebpm"]["licence"] == "政府標準利用規約（第2.0版）"
    assert by_name.attrs["ebpm"]["attribution"] == (
        "出典：総務省「住民基本台帳に基づく人口（都道府県別）」(e-Govデータポータル)"
    )
    by_position = egov.egov_resource("soumu_20230801_0001", 1, sheet="人口")
    assert by_position["人口"].tolist() == [5092000, 14178000]
    by_id = egov.egov_resource("soumu_20230801_0001", "a1000000-0000-4000-8000-000000000002")
    assert by_id.to_dict("list") == {"注": ["住民基本台帳による"]}


def test_unknown_or_non_table_resources(portal):
    with pytest.raises(
        CatalogError,
        match=r"has no resource '都道府県別人口\.xls'\. Did you mean "
        r"one of '都道府県別人口\.xlsx', '都道府県別人口\.csv'\?",
    ):
        egov.egov_resource("soumu_20230801_0001", "都道府県別人口.xls")
    with pytest.raises(
        SourceFormatError, match=r"resource '利用上の注意' .* is PDF, not CSV or XLSX"
    ):
        egov.egov_resource("soumu_20230801_0001", 2)
    with pytest.raises(CatalogError, match=r"has 3 resources, so there is no resource 7"):
        egov.egov_resource("soumu_20230801_0001", 7)


def test_a_dataset_without_tables_lists_its_resources():
    pkg = {
        "name": "cao_20200115_0001",
        "resources": [{"id": "r1", "name": "変遷（PDF）", "format": "PDF", "url": "https://x/a"}],
    }
    with pytest.raises(
        SourceFormatError, match=r"has no CSV or XLSX resource .*\[0\] '変遷（PDF）'"
    ):
        egov._pick_resource(pkg, None)


def test_licence_falls_back_from_resource_to_dataset_to_unstated():
    pkg = {"name": "p", "license_title": "クリエイティブ・コモンズ 表示 4.0", "resources": []}
    assert egov._resource_licence({"license_id": "CC BY 4.0"}, pkg) == "CC BY 4.0"
    assert egov._resource_licence({"license_id": ""}, pkg) == "クリエイティブ・コモンズ 表示 4.0"
    bare = {"name": "p", "organization": {"title": "内閣府"}, "license_id": "notspecified"}
    assert egov._resource_licence({"license_id": None}, bare).startswith(
        "unstated: the e-Gov catalog gives no licence for this resource; check the terms of 内閣府"
    )


# --- e-Gov: errors --------------------------------------------------------------------------
def test_unknown_dataset_404_has_a_clear_message(portal):
    with pytest.raises(
        SourceStatusError,
        match=r"e-Gov has no dataset 'no_such_dataset' "
        r"\(package_show answered HTTP 404 Not Found\).*egov_search",
    ):
        egov.egov_resource("no_such_dataset")


def test_success_false_answer_is_reported_and_not_kept(http_server, monkeypatch):
    monkeypatch.setenv("EBPM_EGOV_CKAN_API", http_server.url + API)
    failure = fixture_json("error_not_found.json", http_server.url)
    good = fixture_json("package_show_holidays.json", http_server.url)
    http_server.add(f"{API}/package_show", replies=[Reply(failure), Reply(good)])
    http_server.add("/chosei/shukujitsu/syukujitsu.csv", HOLIDAYS)
    with pytest.raises(
        SourceStatusError,
        match=r"e-Gov answered success=false to package_show "
        r"\(Not Found Error: Not found\)",
    ):
        egov.egov_resource("cao_20190522_0002")
    df = egov.egov_resource("cao_20190522_0002")  # the cached failure is asked again
    assert df["国民の祝日・休日名称"].tolist() == ["元日", "成人の日", "休日"]
    assert http_server.count(f"{API}/package_show") == 2


def test_validation_errors_and_non_json_answers(http_server, monkeypatch):
    monkeypatch.setenv("EBPM_EGOV_CKAN_API", http_server.url + API)
    http_server.add(f"{API}/package_search", fixture_json("error_validation.json", ""), status=409)
    with pytest.raises(
        SourceStatusError,
        match=r"package_search request \(HTTP 409: Validation Error; rows: \['Must be less",
    ):
        egov.egov_search("人口", rows=1000)
    http_server.add(
        f"{API}/package_show", b"<!DOCTYPE html><p>maintenance</p>", content_type="text/html"
    )
    with pytest.raises(
        SourceFormatError,
        match=r"package_show answer .* is not JSON \(it starts "
        r"'<!DOCTYPE html><p>maintenance</p>'\)",
    ):
        egov.egov_package("cao_20190522_0002")


def test_offline_resource_loads_come_from_the_cache(portal, monkeypatch):
    egov.egov_resource("cao_20190522_0002")
    monkeypatch.setenv("EBPM_OFFLINE", "1")
    df = egov.egov_resource("cao_20190522_0002")
    assert df["国民の祝日・休日名称"].tolist() == ["元日", "成人の日", "休日"]
    with pytest.raises(OfflineError, match=r"e-Gov dataset 'soumu_20230801_0001' is not in"):
        egov.egov_resource("soumu_20230801_0001", 0)


def test_egov_reader_through_a_catalog(portal, tmp_path):
    cat = tmp_path / "cat"
    cat.mkdir()
    (cat / "japan.yaml").write_text(
        "version: 2\nentries:\n  holidays:\n    reader: ebpm.catalog.egov:EGovResource\n"
        "    kwargs: {package: cao_20190522_0002}\n"
        "    metadata: {title: 国民の祝日}\n"
        "  population:\n    reader: ebpm.catalog.egov:EGovResource\n"
        "    kwargs: {package: soumu_20230801_0001, read_csv: {dtype: {code: str}}}\n"
        "    metadata:\n      title: 都道府県別人口\n"
        "      parameters: {resource: resource name or position}\n",
        encoding="utf-8",
    )
    catalog = open_catalog(cat)
    df = catalog.load("japan.holidays", columns=["国民の祝日・休日名称"])
    assert df["国民の祝日・休日名称"].tolist() == ["元日", "成人の日", "休日"]
    prov = df.attrs["ebpm"]
    assert prov["entry"] == "japan.holidays"
    assert prov["title"] == "「国民の祝日」について"  # what the portal serves wins
    assert prov["details"]["entry_title"] == "国民の祝日"
    assert prov["licence"] == "CC BY 4.0"
    assert prov["attribution"] == "出典：内閣府「「国民の祝日」について」(e-Govデータポータル)"
    pop = catalog.load("japan.population", resource="都道府県別人口.csv")
    assert pop["code"].tolist() == ["01000", "13000"]
    assert json.loads(json.dumps(pop.attrs["ebpm"]["params"])) == {"resource": "都道府県別人口.csv"}
