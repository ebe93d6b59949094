"""The e-Stat API 3.0 client, against a local server answering in e-Stat's JSON format."""

from __future__ import annotations

import importlib
import json
import logging
import math
import shutil

import pandas as pd
import pytest

from ebpm.catalog import _estat_frame, open_catalog
from ebpm.catalog.estat import (
    CREDIT,
    LICENCE,
    EStatReader,
    decode_area,
    decode_time,
    estat,
    estat_meta,
    estat_search,
)
from ebpm.catalog.provenance import PROVENANCE_KEYS
from ebpm.errors import (
    CredentialError,
    InvalidOptionError,
    OfflineError,
    SourceFormatError,
    SourceStatusError,
)
from tests.conftest import FIXTURES, Reply

# the package binds `catalog.estat` to the function; the module is in sys.modules
estat_module = importlib.import_module("ebpm.catalog.estat")

FIX = FIXTURES / "estat"
DATA = "/rest/3.0/app/json/getStatsData"
META = "/rest/3.0/app/json/getMetaInfo"
LIST = "/rest/3.0/app/json/getStatsList"
APP_ID = "test-app-id-7c41d9e2"
PREF = "0000010101"
MUNI = "0000020201"
JSON = "application/json;charset=utf-8"

PREF_ROWS = [  # (area_code, time_code, value) in the order e-Stat sends them
    ("00000", "2020100000", 126146099.0),
    ("00000", "2015100000", 127094745.0),
    ("01000", "2020100000", 5224614.0),
    ("01000", "2015100000", 5381733.0),
    ("13000", "2020100000", 14047594.0),
    ("13000", "2015100000", 13515271.0),
]


def body(name: str) -> bytes:
    return (FIX / name).read_bytes()


@pytest.fixture
def api(http_server, monkeypatch):
    """The local server as the e-Stat API, with an application ID set."""
    monkeypatch.setenv("EBPM_ESTAT_API", http_server.url + "/rest/3.0/app")
    monkeypatch.setenv("EBPM_ESTAT_APP_ID", APP_ID)
    return http_server


def serve_pref(server) -> None:
    server.add(DATA, body("pref_page1.json"), query={"statsDataId": PREF}, content_type=JSON)
    server.add(
        DATA,
        body("pref_page2.json"),
        query={"statsDataId": PREF, "startPosition": "4"},
        content_type=JSON,
    )


def serve_muni(server) -> None:
    server.add(DATA, body("muni_single.json"), query={"statsDataId": MUNI}, content_type=JSON)


# --- pages, shapes, values -------------------------------------------------------------------
def test_two_pages_are_joined_in_order(api):
    serve_pref(api)
    df = estat(PREF, cdCat01="A1101")
    assert list(zip(df["area_code"], df["time_code"], df["value"], strict=True)) == PREF_ROWS
    first, second = [q for p, q in api.requests if p == DATA]
    assert "startPosition" not in first
    assert second["startPosition"] == "4"
    for query in (first, second):
        assert query["statsDataId"] == PREF
        assert query["cdCat01"] == "A1101"
        assert query["lang"] == "J"
        assert query["appId"] == APP_ID


def test_tidy_columns_labels_and_units(api):
    serve_pref(api)
    df = estat(PREF, cdCat01="A1101")
    assert list(df.columns) == [
        "tab_code",
        "tab",
        "cat01_code",
        "cat01",
        "area_code",
        "area",
        "time_code",
        "time",
        "value",
        "unit",
        "flag",
        "annotation",
        "area_level",
        "pref_code",
        "muni_code",
        "city_code",
        "time_kind",
        "year",
        "fiscal_year",
        "month",
        "quarter",
    ]
    assert df["tab"].tolist() == ["観測値"] * 6  # tab's CLASS is a single object
    assert df["cat01"].tolist() == ["A1101_総人口"] * 6
    assert df["area"].tolist() == ["全国", "全国", "北海道", "北海道", "東京都", "東京都"]
    assert df["time"].tolist() == ["2020年度", "2015年度"] * 3
    assert df["unit"].tolist() == ["人"] * 6
    assert df["flag"].isna().all()
    assert df["annotation"].isna().all()
    assert df["value"].dtype == "float64"
    assert df["fiscal_year"].tolist() == [2020, 2015] * 3
    assert df["year"].isna().all()
    assert df["time_kind"].tolist() == ["fiscal_year"] * 6


def test_single_object_value_and_classes(api):
    serve_muni(api)
    df = estat(MUNI, cdCat01="A1101", cdArea="13101", cdTime="2020100000")
    assert len(df) == 1
    row = df.iloc[0]
    assert row["value"] == 66680.0
    assert row["area"] == "東京都 千代田区"
    assert row["cat01"] == "A1101_総人口"
    assert row["unit"] == "人"
    assert (row["area_level"], row["pref_code"], row["muni_code"]) == (
        "municipality",
        "13",
        "13101",
    )
    assert pd.isna(row["city_code"])
    assert (row["time_kind"], row["fiscal_year"]) == ("fiscal_year", 2020)
    assert pd.isna(row["year"])


def test_single_object_class_obj_and_codes_without_classes(api):
    data = json.loads(body("muni_single.json"))
    stat = data["GET_STATS_DATA"]["STATISTICAL_DATA"]
    stat["CLASS_INF"]["CLASS_OBJ"] = stat["CLASS_INF"]["CLASS_OBJ"][2]  # only `area`, as an object
    api.add(DATA, json.dumps(data, ensure_ascii=False), query={"statsDataId": MUNI})
    df = estat(MUNI)
    assert df["area"].tolist() == ["東京都 千代田区"]
    # Dimensions that the values carry but CLASS_INF does not describe keep their codes.
    assert df["tab_code"].tolist() == ["00001"]
    assert df["tab"].isna().all()
    assert df["time_code"].tolist() == ["2020100000"]
    assert df["fiscal_year"].tolist() == [2020]
    assert df["unit"].tolist() == ["人"]


def test_suppression_symbols_are_nan_with_their_flag(api, caplog):
    api.add(DATA, body("suppressed.json"), query={"statsDataId": "0003000002"})
    with caplog.at_level(logging.WARNING, logger="ebpm.catalog.estat"):
        df = estat("0003000002")
    values = df["value"].tolist()
    assert values[0] == 1234.0  # "1,234"
    assert values[9] == 0.0
    assert values[10] == -12.5
    assert all(math.isnan(v) for v in values[1:9])
    assert df["flag"].tolist()[1:9] == ["-", "X", "***", "…", "x", "－", "...", "*"]
    assert df["flag"][[0, 9, 10]].isna().all()
    assert df["unit"].tolist() == ["事業所"] * 11  # from the tab's CLASS, the values have none
    assert "not among the table's NOTE symbols" in caplog.text
    assert "['*', '...', 'x', '－'] are not among" in caplog.text


def test_area_and_time_codes_are_decoded(api):
    api.add(DATA, body("codes.json"), query={"statsDataId": "0003000001"})
    df = estat("0003000001")
    got = df[
        [
            "area_code",
            "area_level",
            "pref_code",
            "muni_code",
            "city_code",
            "time_code",
            "time_kind",
            "year",
            "fiscal_year",
            "month",
            "quarter",
        ]
    ]
    na = pd.NA
    y2020 = ("2020000000", "year", 2020, na, na, na)
    expected = [
        ("00000", "national", na, na, na, "2020000000", "year", 2020, na, na, na),
        ("13000", "prefecture", "13", na, na, "2020100000", "fiscal_year", na, 2020, na, na),
        ("13101", "municipality", "13", "13101", na, "2020000101", "month", 2020, na, 1, na),
        ("01100", "municipality", "01", "01100", na, "2020001212", "month", 2020, na, 12, na),
        ("53394520", na, na, na, na, "2020000406", "quarter", 2020, na, na, 2),
        ("00000", "national", na, na, na, "2020001012", "quarter", 2020, na, na, 4),
        ("13000", "prefecture", "13", na, na, "2020010000", na, na, na, na, na),
        ("01101", "ward", "01", "01101", "01100", *y2020),
        ("13100", "aggregate", "13", na, na, *y2020),
        ("00001", "aggregate", na, na, na, *y2020),
        ("22130", "municipality", "22", "22130", na, *y2020),
        ("22138", "ward", "22", "22138", "22130", *y2020),  # 浜松市中央区 (2024), not in the table
    ]
    rows = [tuple(None if pd.isna(x) else x for x in r) for r in got.itertuples(index=False)]
    assert rows == [tuple(None if x is na else x for x in r) for r in expected]
    assert df["value"].tolist() == [float(1000 * i) for i in range(1, 13)]
    assert df["unit"].tolist() == ["千人"] * 12
    assert df["city_code"].dtype == "string"


def test_annotation_marks_are_kept_with_their_meaning(api):
    api.add(DATA, body("codes.json"), query={"statsDataId": "0003000001"})
    df = EStatReader(stats_data_id="0003000001").read()
    assert df.columns.get_loc("annotation") == df.columns.get_loc("flag") + 1
    marked = df.loc[df["annotation"].notna(), ["area_code", "value", "annotation"]]
    assert marked.values.tolist() == [["13100", 9000.0, "p"], ["22130", 11000.0, "r"]]
    assert df["annotation"].isna().sum() == 10
    assert df["annotation"].dtype == "string"
    assert df.attrs["ebpm"]["origin"]["annotations"] == {"p": "速報値", "r": "訂正値"}
    query = next(q for p, q in api.requests if p == DATA)
    assert query["annotationGetFlg"] == "Y"


def test_area_levels_do_not_double_count(api):
    api.add(DATA, body("codes.json"), query={"statsDataId": "0003000001"})
    df = estat("0003000001")
    # 札幌市 (01100) and its ward 01101, 浜松市 (22130) and its ward 22138, 特別区部 (13100) and
    # 千代田区 (13101): only the cities and 千代田区 are municipalities.
    munis = df.loc[df["area_level"] == "municipality", "area_code"].tolist()
    assert sorted(munis) == ["01100", "13101", "22130"]
    wards = df[df["area_level"] == "ward"]
    assert set(wards["city_code"]) <= set(munis)


def test_area_codes_are_decoded_once_per_distinct_code(api, monkeypatch):
    data = json.loads(body("muni_single.json"))
    stat = data["GET_STATS_DATA"]["STATISTICAL_DATA"]
    one = stat["DATA_INF"]["VALUE"]
    stat["DATA_INF"]["VALUE"] = [
        {**one, "@area": area, "$": str(i)}
        for i in range(3000)
        for area in [("13101", "14101", "14100", "00000")[i % 4]]
    ]
    api.add(DATA, json.dumps(data, ensure_ascii=False), query={"statsDataId": MUNI})
    seen = []

    def counting(code):
        seen.append(code)
        return decode_area(code)

    monkeypatch.setattr(_estat_frame, "decode_area", counting)  # where the frame is built
    df = estat(MUNI)
    assert sorted(seen) == ["00000", "13101", "14100", "14101"]
    assert df["area_level"].value_counts().to_dict() == {
        "municipality": 1500,
        "ward": 750,
        "national": 750,
    }
    assert df.loc[df["area_code"] == "14101", "city_code"].unique().tolist() == ["14100"]


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("2021000000", ("year", 2021, None, None, None)),
        ("1995100000", ("fiscal_year", None, 1995, None, None)),
        ("2008001111", ("month", 2008, None, 11, None)),
        ("1994000103", ("quarter", 1994, None, None, 1)),
        ("1994000709", ("quarter", 1994, None, None, 3)),
        ("1994010000", (None, None, None, None, None)),
        ("2020001301", (None, None, None, None, None)),
        ("2020101212", (None, None, None, None, None)),
        ("2020", (None, None, None, None, None)),
        ("", (None, None, None, None, None)),
    ],
)
def test_decode_time(code, expected):
    got = decode_time(code)
    keys = ("time_kind", "year", "fiscal_year", "month", "quarter")
    assert tuple(None if pd.isna(got[k]) else got[k] for k in keys) == expected


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("00000", ("national", None, None, None)),
        ("47000", ("prefecture", "47", None, None)),
        ("01", ("prefecture", "01", None, None)),
        ("14100", ("municipality", "14", "14100", None)),  # 横浜市 as a whole
        ("14101", ("ward", "14", "14101", "14100")),  # 横浜市鶴見区
        ("14131", ("ward", "14", "14131", "14130")),  # 川崎市川崎区
        ("14130", ("municipality", "14", "14130", None)),  # 川崎市
        ("43101", ("ward", "43", "43101", "43100")),  # 熊本市中央区
        ("22138", ("ward", "22", "22138", "22130")),  # 浜松市中央区 (2024), by the code rule
        ("14199", ("ward", "14", "14199", "14150")),  # unknown: nearest designated city below
        ("13101", ("municipality", "13", "13101", None)),  # 千代田区, a special ward
        ("13123", ("municipality", "13", "13123", None)),  # 江戸川区
        ("13124", ("municipality", "13", "13124", None)),  # Tokyo has no designated city
        ("13100", ("aggregate", "13", None, None)),  # 特別区部
        ("13001", ("aggregate", "13", None, None)),  # a prefecture's 市部
        ("00001", ("aggregate", None, None, None)),  # 全国市部
        ("00100", ("aggregate", None, None, None)),
        ("00200", ("aggregate", None, None, None)),
        ("01202", ("municipality", "01", "01202", None)),  # 函館市
        ("01400", ("municipality", "01", "01400", None)),  # 倶知安町, ends in 00
        ("48000", (None, None, None, None)),
        ("00", (None, None, None, None)),
        ("A1000", (None, None, None, None)),
        ("53394520", (None, None, None, None)),
    ],
)
def test_decode_area(code, expected):
    got = decode_area(code)
    assert list(got) == ["area_level", "pref_code", "muni_code", "city_code"]
    assert tuple(None if pd.isna(v) else v for v in got.values()) == expected
    assert got["area_level"] is pd.NA or got["area_level"] in estat_module.AREA_LEVELS


def test_filter_lists_are_joined_with_commas(api):
    serve_pref(api)
    estat(PREF, cdCat01="A1101", cdArea=["01000", "13000"], cdTimeFrom=2015100000)
    query = next(q for p, q in api.requests if p == DATA)
    assert query["cdArea"] == "01000,13000"
    assert query["cdTimeFrom"] == "2015100000"


def test_integer_area_codes_keep_their_leading_zero(api):
    serve_pref(api)
    estat(PREF, cdCat01="A1101", cdArea=[1000, 13000, 0])  # as YAML or `-p cdArea 1000` gives
    query = next(q for p, q in api.requests if p == DATA)
    assert query["cdArea"] == "01000,13000,00000"


def test_columns_reads_only_those(api):
    serve_pref(api)
    df = estat(PREF, cdCat01="A1101", columns=["area_code", "value"])
    assert list(df.columns) == ["area_code", "value"]
    again = estat(PREF, cdCat01="A1101", columns=["area", "year"])
    assert list(again.columns) == ["area", "year"]
    assert again["area"].tolist()[-1] == "東京都"
    assert api.count(DATA) == 2


# --- statuses and errors ---------------------------------------------------------------------
def test_status_100_names_the_variable_and_how_to_get_an_id(api):
    api.add(DATA, body("status100.json"), query={"statsDataId": PREF})
    with pytest.raises(SourceStatusError, match=r"refused the application ID") as info:
        estat(PREF, cdCat01="A1101")
    msg = str(info.value)
    assert "STATUS 100: 認証に失敗しました。アプリケーションIDを確認して下さい。" in msg
    assert "Check EBPM_ESTAT_APP_ID" in msg
    assert "https://www.e-stat.go.jp/mypage/user/preregister" in msg
    assert APP_ID not in msg


def test_http_403_is_read_as_a_refused_application_id(api):
    api.add(DATA, b"<html>Forbidden</html>", status=403, query={"statsDataId": PREF})
    with pytest.raises(SourceStatusError, match=r"refused the application ID .*HTTP 403.*"):
        estat(PREF)


def test_no_data_raises_naming_the_filters(api):
    api.add(DATA, body("status1.json"), query={"statsDataId": PREF})
    with pytest.raises(
        SourceStatusError,
        match=r"table 0000010101 has no values for cdCat01='A9999' \(STATUS 1: 正常に終了し"
        r"ましたが、該当データはありませんでした。\).*estat_meta\('0000010101'\)",
    ):
        estat(PREF, cdCat01="A9999")


def test_other_error_status_passes_the_message_and_a_hint(api):
    answer = {
        "GET_STATS_DATA": {
            "RESULT": {"STATUS": 104, "ERROR_MSG": "該当する統計データが存在しません。"},
            "PARAMETER": {"LANG": "J", "STATS_DATA_ID": "0000099999"},
        }
    }
    api.add(DATA, json.dumps(answer, ensure_ascii=False), query={"statsDataId": "0000099999"})
    with pytest.raises(
        SourceStatusError,
        match=r"STATUS 104 for e-Stat table 0000099999: 該当する統計データが存在しません。\. "
        r"Check the table id '0000099999' \(find ids with estat_search",
    ):
        estat("0000099999")


def test_status_2_is_a_logged_notice(api, caplog):
    data = json.loads(body("muni_single.json"))
    data["GET_STATS_DATA"]["RESULT"] = {
        "STATUS": 2,
        "ERROR_MSG": "一部のパラメータを無視しました。",
    }
    api.add(DATA, json.dumps(data, ensure_ascii=False), query={"statsDataId": MUNI})
    with caplog.at_level(logging.WARNING, logger="ebpm.catalog.estat"):
        df = estat(MUNI)
    assert df["value"].tolist() == [66680.0]
    assert "(STATUS 2): 一部のパラメータを無視しました。" in caplog.text


def test_cached_error_answer_is_asked_again(api):
    api.add(
        DATA,
        query={"statsDataId": MUNI},
        replies=[Reply(body("status100.json")), Reply(body("muni_single.json"))],
    )
    with pytest.raises(SourceStatusError, match="STATUS 100"):
        estat(MUNI)
    assert estat(MUNI)["value"].tolist() == [66680.0]
    assert api.count(DATA) == 2


def test_cached_error_answer_without_app_id_says_it_must_be_asked_again(api, monkeypatch):
    api.add(DATA, body("status100.json"), query={"statsDataId": MUNI})
    with pytest.raises(SourceStatusError, match="STATUS 100"):
        estat(MUNI)
    monkeypatch.delenv("EBPM_ESTAT_APP_ID")
    with pytest.raises(
        CredentialError,
        match=r"e-Stat table 0000020201 must be downloaded from e-Stat \(the cached answer was an "
        r"e-Stat error \(STATUS 100: 認証に失敗しました。.*\), so it must be asked again\), which "
        r"needs an application ID, but EBPM_ESTAT_APP_ID is not set",
    ) as info:
        estat(MUNI)
    assert "refresh" not in str(info.value)
    assert api.count(DATA) == 1


def test_cached_empty_answer_without_app_id_says_it_must_be_asked_again(api, monkeypatch):
    api.add(DATA, body("status1.json"), query={"statsDataId": PREF})
    with pytest.raises(SourceStatusError, match="has no values"):
        estat(PREF, cdCat01="A9999")
    monkeypatch.delenv("EBPM_ESTAT_APP_ID")
    with pytest.raises(
        CredentialError,
        match=r"\(the cached answer was an empty e-Stat answer \(STATUS 1: 正常に終了しましたが、"
        r"該当データはありませんでした。\), so it must be asked again\)",
    ):
        estat(PREF, cdCat01="A9999")


def test_refresh_without_app_id_names_the_refresh(api, monkeypatch):
    serve_pref(api)
    estat(PREF, cdCat01="A1101")
    monkeypatch.delenv("EBPM_ESTAT_APP_ID")
    with pytest.raises(
        CredentialError,
        match=r"must be downloaded from e-Stat \(refresh=True asks e-Stat again\), which needs",
    ):
        estat(PREF, cdCat01="A1101", refresh=True)
    assert api.count(DATA) == 2


def test_missing_app_id_says_how_to_register(api, monkeypatch):
    monkeypatch.delenv("EBPM_ESTAT_APP_ID")
    serve_pref(api)
    with pytest.raises(
        CredentialError,
        match=r"e-Stat table 0000010101 must be downloaded from e-Stat \(it is not in the "
        r"cache\), which needs an application ID, but EBPM_ESTAT_APP_ID is not set\. "
        r"Register for free at https://www\.e-stat\.go\.jp/mypage/user/preregister.*"
        r"API機能（アプリケーションID発行）.*set EBPM_ESTAT_APP_ID=<your ID>",
    ):
        estat(PREF, cdCat01="A1101")
    assert api.requests == []


def test_unknown_filter_suggests_the_right_name(api):
    with pytest.raises(InvalidOptionError, match=r"'cdarea' is not an e-Stat filter\. Did you "):
        estat(PREF, cdarea="13000")
    with pytest.raises(InvalidOptionError, match=r"Did you mean 'cdCat01'\?.*cdCat15"):
        estat(PREF, cdCat1="A1101")
    assert api.requests == []


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"stats_data_id": 10101}, r"loses the leading zeros.*'0000010101'"),
        ({"stats_data_id": "10101"}, r"'10101' is not an e-Stat table id; ids have 10 digits"),
        ({"stats_data_id": PREF, "lang": "ja"}, r"lang='ja' is not supported; use 'J'"),
        ({"stats_data_id": PREF, "cdArea": []}, r"cdArea=\[\] is empty"),
        ({"stats_data_id": PREF, "cdArea": 13.0}, r"codes must be strings"),
    ],
)
def test_bad_arguments_are_named(api, kwargs, message):
    with pytest.raises(InvalidOptionError, match=message):
        estat(**kwargs)


def test_non_json_answer_is_a_format_error(api):
    api.add(DATA, b"<html>maintenance</html>", query={"statsDataId": PREF})
    with pytest.raises(
        SourceFormatError, match=r"is not JSON \(it starts '<html>maint.*EBPM_ESTAT"
    ):
        estat(PREF)


def test_a_paged_download_shows_its_progress_where_someone_watches(api, monkeypatch):
    import io

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    serve_pref(api)
    err = Terminal()
    monkeypatch.setattr("sys.stderr", err)
    monkeypatch.delenv("EBPM_RUN_ID", raising=False)
    monkeypatch.delenv("TQDM_DISABLE", raising=False)
    monkeypatch.setattr("ebpm._progress.DELAY", 0.0)
    estat(PREF, cdCat01="A1101")
    shown = err.getvalue()
    assert f"e-Stat {PREF}" in shown
    assert "/6 [" in shown  # counted in values, of TOTAL_NUMBER


def test_a_paged_download_in_a_pipeline_run_draws_nothing(api, monkeypatch, capsys):
    serve_pref(api)
    monkeypatch.setenv("EBPM_RUN_ID", "20260101T000000Z-0001")
    estat(PREF, cdCat01="A1101")
    assert capsys.readouterr() == ("", "")


def test_next_key_that_does_not_advance_stops_paging(api):
    data = json.loads(body("pref_page1.json"))
    data["GET_STATS_DATA"]["STATISTICAL_DATA"]["RESULT_INF"]["NEXT_KEY"] = 1
    api.add(DATA, json.dumps(data, ensure_ascii=False), query={"statsDataId": PREF})
    with pytest.raises(SourceFormatError, match=r"NEXT_KEY 1 does not move past startPosition 1"):
        estat(PREF)


# --- cache, offline, credentials -------------------------------------------------------------
def test_second_load_reads_the_cache_without_a_request_or_app_id(api, monkeypatch):
    serve_pref(api)
    first = estat(PREF, cdCat01="A1101")
    assert api.count(DATA) == 2
    assert first.attrs["ebpm"]["from_cache"] is False
    monkeypatch.delenv("EBPM_ESTAT_APP_ID")
    second = estat(PREF, cdCat01="A1101")
    assert api.count(DATA) == 2
    assert second.attrs["ebpm"]["from_cache"] is True
    pd.testing.assert_frame_equal(first, second)


def test_api_base_url_is_part_of_the_table_cache_key(api, monkeypatch):
    serve_pref(api)
    real = estat(PREF, cdCat01="A1101")
    mirror = json.loads(body("muni_single.json"))
    api.add(
        "/mirror/json/getStatsData",
        json.dumps(mirror, ensure_ascii=False),
        query={"statsDataId": PREF},
    )
    monkeypatch.setenv("EBPM_ESTAT_API", api.url + "/mirror")
    other = estat(PREF, cdCat01="A1101")
    assert other["value"].tolist() == [66680.0]  # the mirror's answer, not the cached table
    assert api.count("/mirror/json/getStatsData") == 1
    monkeypatch.setenv("EBPM_ESTAT_API", api.url + "/rest/3.0/app")
    again = estat(PREF, cdCat01="A1101")
    pd.testing.assert_frame_equal(real, again, check_like=False)
    assert api.count(DATA) == 2


def test_refresh_downloads_again(api):
    serve_pref(api)
    estat(PREF, cdCat01="A1101")
    estat(PREF, cdCat01="A1101", refresh=True)
    assert api.count(DATA) == 4


def test_offline_hit_needs_no_app_id(api, monkeypatch):
    serve_pref(api)
    estat(PREF, cdCat01="A1101")
    monkeypatch.delenv("EBPM_ESTAT_APP_ID")
    monkeypatch.setenv("EBPM_OFFLINE", "1")
    df = estat(PREF, cdCat01="A1101")
    assert df["value"].tolist() == [v for _, _, v in PREF_ROWS]
    assert api.count(DATA) == 2


def test_offline_miss_is_an_offline_error_not_a_credential_error(api, monkeypatch):
    monkeypatch.delenv("EBPM_ESTAT_APP_ID")
    monkeypatch.setenv("EBPM_OFFLINE", "1")
    with pytest.raises(OfflineError, match=r"e-Stat table 0000010101 is not in the cache"):
        estat(PREF, cdCat01="A1101")
    assert api.requests == []


def test_cached_pages_rebuild_the_table_without_app_id(api, monkeypatch, cache_dir):
    serve_pref(api)
    estat(PREF, cdCat01="A1101")
    shutil.rmtree(cache_dir / "tables")  # e.g. a new parser version
    monkeypatch.delenv("EBPM_ESTAT_APP_ID")
    df = estat(PREF, cdCat01="A1101")
    assert df["value"].tolist() == [v for _, _, v in PREF_ROWS]
    assert api.count(DATA) == 2


# --- provenance ------------------------------------------------------------------------------
def test_provenance_names_source_title_licence_and_credit(api, cache_dir):
    serve_pref(api)
    df = estat(PREF, cdCat01="A1101")
    prov = df.attrs["ebpm"]
    assert set(prov) == set(PROVENANCE_KEYS)
    assert prov["source"] == "e-Stat (政府統計の総合窓口), 総務省 社会・人口統計体系"
    assert prov["title"] == "都道府県データ 基礎データ Ａ　人口・世帯"
    assert prov["url"] == "https://www.e-stat.go.jp/dbview?sid=0000010101"
    assert prov["publisher_updated"] == "2025-06-30"
    assert prov["licence"] == LICENCE == "政府標準利用規約 2.0 (CC BY 4.0 compatible)"
    # finish() collapses whitespace in attributions, the full-width space of the title included.
    assert prov["attribution"] == (
        "出典：政府統計の総合窓口(e-Stat)（都道府県データ 基礎データ Ａ\u3000人口・世帯） " + CREDIT
    )
    assert CREDIT == (
        "このサービスは、政府統計総合窓口(e-Stat)のAPI機能を使用していますが、"
        "サービスの内容は国によって保証されたものではありません。"
    )
    assert prov["params"] == {"stats_data_id": PREF, "lang": "J", "cdCat01": "A1101"}
    assert len(prov["files"]) == 2
    assert [f["sha256"] for f in prov["files"]] != [None, None]
    assert all("appId=%2A%2A%2A" in u or "appId=***" in u for u in prov["request"])
    assert "startPosition=4" in prov["request"][1]
    # The application ID is nowhere: not in attrs, not in any cache file.
    assert APP_ID not in json.dumps(prov, ensure_ascii=False, default=str)
    files = [p for p in cache_dir.rglob("*") if p.is_file()]
    assert any(p.suffix == ".parquet" for p in files)
    assert not [p for p in files if APP_ID.encode() in p.read_bytes()]


def test_reader_keeps_the_origin_with_dimensions_and_notes(api):
    serve_pref(api)
    df = EStatReader(stats_data_id=PREF, cdCat01="A1101").read()
    origin = df.attrs["ebpm"]["origin"]
    assert origin["dimensions"] == {
        "tab": "観測値",
        "cat01": "Ａ　人口・世帯",
        "area": "地域",
        "time": "調査年",
    }
    assert origin["notes"] == {"***": "該当数値なし"}
    assert origin["credit"] == CREDIT
    assert origin["what"] == "e-Stat table 0000010101"
    assert set(origin) > {"sha256", "files", "retrieved_at", "licence", "attribution"}


# --- getMetaInfo -----------------------------------------------------------------------------
def test_estat_meta_lists_each_dimension(api):
    api.add(META, body("meta.json"), query={"statsDataId": PREF})
    meta = estat_meta(PREF)
    assert list(meta) == ["table", "tab", "cat01", "area", "time"]
    table = meta["table"].iloc[0]
    assert (table["id"], table["statistics_name"], table["title"]) == (
        PREF,
        "都道府県データ 基礎データ",
        "Ａ　人口・世帯",
    )
    assert table["overall_total_number"] == 546720
    area = meta["area"]
    assert list(area.columns) == ["code", "name", "level", "unit", "parent_code"]
    assert area["code"].tolist() == ["00000", "01000", "13000"]
    assert area["name"].tolist() == ["全国", "北海道", "東京都"]
    assert area["parent_code"].tolist()[1:] == ["00000", "00000"]
    assert pd.isna(area["parent_code"].iloc[0])
    assert meta["tab"]["code"].tolist() == ["00001"]  # a single-object CLASS
    assert meta["cat01"]["unit"].tolist() == ["人", "人"]
    assert meta["area"].attrs["dimension"] == "地域"
    assert meta["time"].attrs["ebpm"]["licence"] == LICENCE
    assert meta["time"].attrs["ebpm"]["params"] == {"stats_data_id": PREF, "lang": "J"}
    estat_meta(PREF)
    assert api.count(META) == 1  # cached


# --- getStatsList ----------------------------------------------------------------------------
def test_estat_search_lists_tables(api):
    api.add(LIST, body("search.json"))
    df = estat_search("人口推計 都道府県", limit=2, stats_code="00200524")
    assert list(df.columns) == [
        "id",
        "stat_name",
        "gov_org",
        "statistics_name",
        "title",
        "cycle",
        "survey_date",
        "open_date",
        "updated_date",
        "small_area",
        "overall_total_number",
    ]
    assert df["id"].tolist() == ["0003448237", "0000150041"]
    assert df["stat_name"].tolist() == ["人口推計", "人口推計"]
    assert df["title"].iloc[0] == "都道府県，年齢（5歳階級），男女別人口－総人口，日本人人口"
    assert df["survey_date"].tolist() == ["202010-202410", "199310"]
    assert df["overall_total_number"].tolist() == [45120, 87]
    query = api.requests[0][1]
    assert (query["searchWord"], query["limit"], query["statsCode"]) == (
        "人口推計 都道府県",
        "2",
        "00200524",
    )
    assert df.attrs["ebpm"]["params"]["searchWord"] == "人口推計 都道府県"


def test_estat_search_asks_every_time_online_and_serves_the_cache_offline(api, monkeypatch):
    api.add(LIST, body("search.json"))
    estat_search("人口推計 都道府県", limit=2)
    estat_search("人口推計 都道府県", limit=2)
    assert api.count(LIST) == 2
    monkeypatch.setenv("EBPM_OFFLINE", "1")
    monkeypatch.delenv("EBPM_ESTAT_APP_ID")
    assert estat_search("人口推計 都道府県", limit=2)["id"].tolist() == ["0003448237", "0000150041"]
    assert api.count(LIST) == 2
    with pytest.raises(OfflineError, match=r"e-Stat search '国勢調査' is not in the cache"):
        estat_search("国勢調査")


def test_estat_search_without_an_update_date_gives_an_empty_string(api):
    data = json.loads(body("search.json"))
    del data["GET_STATS_LIST"]["DATALIST_INF"]["TABLE_INF"][1]["UPDATED_DATE"]
    api.add(LIST, json.dumps(data, ensure_ascii=False))
    df = estat_search("人口推計 都道府県", limit=2)
    assert df["updated_date"].tolist() == ["2025-04-14", ""]
    assert df["updated_date"].notna().all()
    assert f"updated {df['updated_date'].iloc[1]}".strip() == "updated"


def test_estat_search_without_hits_is_empty(api):
    api.add(LIST, body("search_none.json"))
    df = estat_search(["県民所得", "最新"])
    assert df.empty
    assert len(df.columns) == 11
    assert api.requests[0][1]["searchWord"] == "県民所得 最新"


def test_estat_search_needs_an_app_id_online(api, monkeypatch):
    monkeypatch.delenv("EBPM_ESTAT_APP_ID")
    with pytest.raises(
        CredentialError,
        match=r"\(a search always asks e-Stat when online\), which needs an application ID, but "
        r"EBPM_ESTAT_APP_ID is not set",
    ):
        estat_search("人口")
    with pytest.raises(InvalidOptionError, match="give one or more search words"):
        estat_search("  ")
    with pytest.raises(InvalidOptionError, match="limit=0 must be a positive whole number"):
        estat_search("人口", limit=0)


# --- catalog ---------------------------------------------------------------------------------
def test_reader_rejects_an_unknown_keyword(api):
    with pytest.raises(InvalidOptionError, match=r"'cdAreaa' is not an e-Stat filter\. Did you "):
        EStatReader(stats_data_id=PREF, cdAreaa="13000").read()
    with pytest.raises(InvalidOptionError, match=r"'colums' is not an e-Stat filter"):
        EStatReader(stats_data_id=PREF, colums=["value"]).read()
    assert api.requests == []


def test_reader_through_a_catalog(api, tmp_path):
    serve_pref(api)
    folder = tmp_path / "cat"
    folder.mkdir()
    (folder / "japan.yaml").write_text(
        """\
version: 2
entries:
  pop:
    reader: ebpm.catalog.estat:EStatReader
    kwargs: {stats_data_id: "0000010101", cdCat01: A1101}
    metadata:
      title: 総人口（都道府県）
      parameters: {cdArea: "area code(s), e.g. 13000"}
""",
        encoding="utf-8",
    )
    cat = open_catalog(folder)
    df = cat.load("japan.pop", cdArea=["01000", "13000"])
    query = next(q for p, q in api.requests if p == DATA)
    assert (query["cdCat01"], query["cdArea"]) == ("A1101", "01000,13000")
    assert df["value"].tolist() == [v for _, _, v in PREF_ROWS]
    prov = df.attrs["ebpm"]
    assert prov["entry"] == "japan.pop"
    # A remote entry reports the table e-Stat served; the entry's own title is kept beside it.
    assert prov["title"] == "都道府県データ 基礎データ Ａ\u3000人口・世帯"
    assert prov["details"]["entry_title"] == "総人口（都道府県）"
    assert prov["licence"] == LICENCE
    assert prov["source"] == "e-Stat (政府統計の総合窓口), 総務省 社会・人口統計体系"
    again = cat.load("japan.pop", cdArea=["01000", "13000"], columns=["area", "value"])
    assert list(again.columns) == ["area", "value"]
    assert api.count(DATA) == 2


def test_module_exports(api):
    assert {"estat", "estat_meta", "estat_search", "EStatReader"} <= set(estat_module.__all__)
