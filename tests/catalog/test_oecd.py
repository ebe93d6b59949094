"""OECD SDMX REST reader, against a server on 127.0.0.1 answering SDMX-CSV in the OECD Data
Explorer's real layout (tests/fixtures/oecd/)."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
import pytest

from ebpm.catalog import open_catalog
from ebpm.catalog.oecd import explorer_url, oecd, parse_dataflow
from ebpm.errors import (
    InvalidOptionError,
    OfflineError,
    RemoteError,
    SourceFormatError,
    SourceStatusError,
)
from tests.conftest import FIXTURES

FIX = FIXTURES / "oecd"
QNA = "OECD.SDD.NAD,DSD_NAMAIN1@DF_QNA,1.1"
QNA_KEY = "Q.Y.JPN+USA.S1..B1GQ._Z._Z._Z.USD_PPP.LR.LA.T0102"
QNA_PATH = f"/data/{QNA}/{QNA_KEY}"
LFS = "OECD.SDD.TPS,DSD_LFS@DF_IALFS_UNE_M,1.0"
LFS_KEY = "JPN+KOR.UNE_LF_M.PT_LF_SUB._Z.Y._T.Y_GE15._Z.M"
LFS_PATH = f"/data/{LFS}/{LFS_KEY}"
QNA_PAGE = (
    "https://data-explorer.oecd.org/vis?lc=en&df%5Bds%5D=dsDisseminateFinalDMZ"
    "&df%5Bid%5D=DSD_NAMAIN1%40DF_QNA&df%5Bag%5D=OECD.SDD.NAD&df%5Bvs%5D=1.1"
)
HEAD = "STRUCTURE,STRUCTURE_ID,ACTION,REF_AREA,FREQ,MEASURE,TIME_PERIOD,OBS_VALUE,OBS_STATUS\r\n"


@pytest.fixture
def api(http_server, monkeypatch):
    monkeypatch.setenv("EBPM_OECD_API", http_server.url)
    return http_server


@pytest.fixture
def no_api(monkeypatch):
    """A base URL nobody answers: input errors must be raised before any request."""
    monkeypatch.setenv("EBPM_OECD_API", "http://127.0.0.1:9")


def downloads(cache_dir: Path) -> list[Path]:
    return [p for p in (cache_dir / "downloads").rglob("*") if p.is_file()]


def csv_rows(*rows: str) -> str:
    return HEAD + "".join(f"DATAFLOW,OECD.X:DSD_T@DF_T(1.0),I,{r}\r\n" for r in rows)


def test_labelled_quarterly_csv_becomes_a_tidy_frame(api, cache_dir):
    api.add_file(QNA_PATH, FIX / "qna_gdp_labels.csv", content_type="text/csv")
    df = oecd(QNA, QNA_KEY, start="2023-Q1", end="2023-Q4")
    sent = api.requests[0]
    assert sent == (
        QNA_PATH,
        {
            "startPeriod": "2023-Q1",
            "endPeriod": "2023-Q4",
            "dimensionAtObservation": "AllDimensions",
            "format": "csvfilewithlabels",
        },
    )
    dims = [
        "freq", "adjustment", "ref_area", "sector", "counterpart_sector", "transaction",
        "instr_asset", "activity", "expenditure", "unit_measure", "price_base",
        "transformation", "table_identifier",
    ]  # fmt: skip
    attrs = ["ref_year_price", "conf_status", "decimals", "obs_status", "unit_mult", "currency"]
    expected = [c for d in dims for c in (d, f"{d}_label")]
    expected += ["time_period", "year", "period", "value"]
    expected += [c for a in attrs for c in (a, f"{a}_label")]
    assert list(df.columns) == expected
    assert len(df) == 8
    # sorted by dimensions then time, whatever order the API used
    assert df["ref_area"].tolist() == ["JPN"] * 4 + ["USA"] * 4
    assert df["time_period"].tolist() == ["2023-Q1", "2023-Q2", "2023-Q3", "2023-Q4"] * 2
    assert df["year"].dtype == "int64"
    assert set(df["year"]) == {2023}
    assert str(df["period"].dtype) == "period[Q-DEC]"
    assert df["period"].iloc[1] == pd.Period("2023Q2", freq="Q")
    assert df["value"].tolist() == [
        5587104.2, 5636540.5, 5585217.9, 5585943.1,
        22112316.4, 22225343.9, 22490692.1, 22679255.5,
    ]  # fmt: skip
    usa_q4 = df.iloc[7]
    assert usa_q4["ref_area_label"] == "United States"
    assert (usa_q4["obs_status"], usa_q4["obs_status_label"]) == ("E", "Estimated value")
    assert usa_q4["unit_measure_label"] == "US dollars, PPP converted"
    assert (usa_q4["unit_mult"], usa_q4["unit_mult_label"]) == ("6", "Millions")
    assert df["transaction_label"].unique().tolist() == ["Gross domestic product"]
    assert df["ref_year_price_label"].isna().all()  # empty label cells are missing, not ""


def test_provenance_names_the_dataflow_licence_and_citation(api, cache_dir):
    api.add_file(
        QNA_PATH,
        FIX / "qna_gdp_labels.csv",
        headers={"Last-Modified": "Fri, 28 Feb 2025 11:00:00 GMT"},
    )
    df = oecd(QNA, QNA_KEY, start="2023-Q1", end="2023-Q4")
    rec = df.attrs["ebpm"]
    today = datetime.now(UTC).date().isoformat()
    assert rec["source"] == "OECD Data Explorer (SDMX)"
    assert rec["title"] == "Quarterly GDP and components - expenditure approach"
    assert rec["url"] == QNA_PAGE
    assert rec["licence"].startswith("OECD Terms and Conditions: reuse for any purpose")
    assert rec["attribution"] == (
        f"OECD ({today[:4]}), Quarterly GDP and components - expenditure approach, {QNA_PAGE} "
        f"(accessed on {today})"
    )
    assert rec["request"].endswith("format=csvfilewithlabels&startPeriod=2023-Q1")
    assert rec["params"] == {"dataflow": QNA, "key": QNA_KEY, "start": "2023-Q1", "end": "2023-Q4"}
    assert rec["publisher_updated"] == "Fri, 28 Feb 2025 11:00:00 GMT"  # the server's date
    assert rec["from_cache"] is False


def test_second_load_reads_the_cache(api, cache_dir):
    api.add_file(QNA_PATH, FIX / "qna_gdp_labels.csv")
    first = oecd(QNA, QNA_KEY, start="2023-Q1", end="2023-Q4")
    again = oecd(QNA, QNA_KEY, start="2023-Q1", end="2023-Q4")
    assert len(api.requests) == 1
    assert again.attrs["ebpm"]["from_cache"] is True
    pd.testing.assert_frame_equal(first, again)
    only = oecd(QNA, QNA_KEY, start="2023-Q1", end="2023-Q4", columns=["ref_area", "value"])
    assert list(only.columns) == ["ref_area", "value"]
    assert len(api.requests) == 1


def test_offline_hit_and_miss(api, cache_dir, monkeypatch):
    api.add_file(QNA_PATH, FIX / "qna_gdp_labels.csv")
    oecd(QNA, QNA_KEY, start="2023-Q1", end="2023-Q4")
    monkeypatch.setenv("EBPM_OFFLINE", "1")
    assert len(oecd(QNA, QNA_KEY, start="2023-Q1", end="2023-Q4")) == 8
    with pytest.raises(OfflineError, match=r"OECD dataflow .*DF_QNA,1\.1 \(key .*2022-Q1 to"):
        oecd(QNA, QNA_KEY, start="2022-Q1", end="2023-Q4")
    assert len(api.requests) == 1


def test_monthly_csv_without_labels(api, cache_dir):
    api.add_file(LFS_PATH, FIX / "lfs_unemployment_monthly.csv", query={"format": "csvfile"})
    df = oecd(LFS, LFS_KEY, start="2024-01", end=2024, labels=False)
    assert api.requests[0][1]["format"] == "csvfile"
    assert api.requests[0][1]["endPeriod"] == "2024"
    assert not [c for c in df.columns if c.endswith("_label")]
    assert list(df.columns[:9]) == [
        "ref_area", "measure", "unit_measure", "transformation", "adjustment", "sex", "age",
        "activity", "freq",
    ]  # fmt: skip
    assert str(df["period"].dtype) == "period[M]"
    jpn = df[df["ref_area"] == "JPN"]
    assert jpn["value"].tolist() == [2.4, 2.6, 2.6]
    kor_march = df.query("ref_area == 'KOR' and time_period == '2024-03'").iloc[0]
    assert pd.isna(kor_march["value"])
    assert kor_march["obs_status"] == "M"
    assert df.attrs["ebpm"]["title"] == "DSD_LFS@DF_IALFS_UNE_M"  # no STRUCTURE_NAME without labels
    assert df.attrs["ebpm"]["params"]["labels"] is False


def test_annual_periods(api, cache_dir):
    api.add(
        "/data/OECD.X,DSD_T@DF_T,1.0/all",
        csv_rows("JPN,A,GDP,2022,4.2,A", "JPN,A,GDP,2021,4.9,A"),
    )
    df = oecd("OECD.X,DSD_T@DF_T,1.0")
    assert str(df["period"].dtype) == "period[Y-DEC]"
    assert df["year"].tolist() == [2021, 2022]
    assert df["value"].tolist() == [4.9, 4.2]


def test_mixed_frequencies_give_first_days(api, cache_dir, caplog):
    api.add(
        "/data/OECD.X,DSD_T@DF_T,1.0/all",
        csv_rows(
            "JPN,A,GDP,2022,4.2,A",
            "JPN,Q,GDP,2022-Q3,1.1,A",
            "JPN,S,GDP,2022-S2,2.0,A",
            "JPN,W,GDP,2022-W01,0.1,A",
        ),
    )
    with caplog.at_level(logging.WARNING, logger="ebpm.catalog.oecd"):
        df = oecd("OECD.X,DSD_T@DF_T,1.0")
    assert "periods of frequency Q+S+W+Y, not one of annual" in caplog.text
    got = dict(zip(df["time_period"], df["period"], strict=True))
    assert got == {
        "2022": pd.Timestamp("2022-01-01"),
        "2022-Q3": pd.Timestamp("2022-07-01"),
        "2022-S2": pd.Timestamp("2022-07-01"),
        "2022-W01": pd.Timestamp("2022-01-03"),  # Monday of ISO week 1
    }


def test_no_records_found_is_a_clear_error(api, cache_dir):
    key = "Q.Y.KOR.S1..B1GQ._Z._Z._Z.USD_PPP.LR.LA.T0102"
    api.add(f"/data/{QNA}/{key}", "NoRecordsFound", status=404, content_type="text/plain")
    with pytest.raises(
        SourceStatusError,
        match=r"found no data \(HTTP 404\)\. Either dataflow 'OECD\.SDD\.NAD,DSD_NAMAIN1@DF_QNA,"
        r"1\.1' does not exist .* or no observation matches key 'Q\.Y\.KOR\.S1\.\..*try key='all'",
    ) as info:
        oecd(QNA, key, start=2030)
    assert isinstance(info.value.__cause__, RemoteError)
    assert downloads(cache_dir) == []


@pytest.mark.parametrize(
    ("status", "message"),
    [
        (422, r"rejected the query \(HTTP 422\)\. Key 'Q\.Y' must have one part per dimension"),
        (400, r"rejected the query \(HTTP 400\)"),
        (413, r"too large \(HTTP 413\); narrow the key"),
        (429, r"rate limit was reached \(HTTP 429.*Wait, then retry"),
    ],
)
def test_http_errors_say_what_to_do(api, cache_dir, status, message):
    api.add(f"/data/{QNA}/Q.Y", "error", status=status)
    with pytest.raises(SourceStatusError, match=message):
        oecd(QNA, "Q.Y")
    assert len(api.requests) == 1  # 4xx is never retried


def test_server_errors_stay_remote_errors(api, cache_dir):
    api.add(f"/data/{QNA}/all", "oops", status=503)
    with pytest.raises(RemoteError, match="HTTP 503") as info:
        oecd(QNA)
    assert not isinstance(info.value, SourceStatusError)


def test_header_only_answer_means_no_observations(api, cache_dir):
    api.add(f"/data/{QNA}/all", HEAD)
    with pytest.raises(SourceStatusError, match="answered with no observations; try key='all'"):
        oecd(QNA)
    assert downloads(cache_dir) == []


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("<html><body>Maintenance</body></html>", r"not an SDMX-CSV time series"),
        ("", r"not an SDMX-CSV table"),
        (HEAD.replace("TIME_PERIOD,", ""), r"not an SDMX-CSV time series"),
        (csv_rows("JPN,A,LAW,2022,Yes,A"), r"OBS_VALUE 'Yes' is not a number"),
        (csv_rows("JPN,A,GDP,FY2022,1,A"), r"TIME_PERIOD 'FY2022' is not a period"),
    ],
)
def test_unreadable_answers_are_format_errors(api, cache_dir, body, message):
    api.add(f"/data/{QNA}/all", body)
    with pytest.raises(SourceFormatError, match=message):
        oecd(QNA)
    assert downloads(cache_dir) == []


def test_structure_id_form_and_missing_version(api, cache_dir):
    api.add_file(f"/data/OECD.SDD.NAD,DSD_NAMAIN1@DF_QNA/{QNA_KEY}", FIX / "qna_gdp_labels.csv")
    df = oecd("OECD.SDD.NAD,DSD_NAMAIN1@DF_QNA", QNA_KEY)
    assert df.attrs["ebpm"]["url"] == QNA_PAGE  # the version the OECD served, from STRUCTURE_ID
    assert df.attrs["ebpm"]["details"]["dataflow"] == QNA
    assert df.attrs["ebpm"]["details"]["key"] == QNA_KEY
    api.add_file(QNA_PATH, FIX / "qna_gdp_labels.csv")
    again = oecd("OECD.SDD.NAD:DSD_NAMAIN1@DF_QNA(1.1)", QNA_KEY)
    assert api.requests[-1][0] == QNA_PATH
    assert len(again) == 8


@pytest.mark.parametrize(
    ("dataflow", "message"),
    [
        ("DSD_NAMAIN1@DF_QNA", r"'DSD_NAMAIN1@DF_QNA' lacks its agency .*e\.g\. 'OECD\.SDD\.NAD,"),
        ("OECD.SDD.NAD DSD_NAMAIN1@DF_QNA", r"is not a complete OECD dataflow id; write it as"),
        ("OECD.SDD.NAD,DSD_NAMAIN1@DF_QNA,1.1,x", r"is not a complete OECD dataflow id"),
        ("OECD.SDD.NAD,,1.1", r"is not a complete"),
        ("", r"dataflow '' is not an OECD dataflow id"),
        (None, r"dataflow None is not an OECD dataflow id.*Developer API"),
    ],
)
def test_bad_dataflow_ids_are_explained(no_api, dataflow, message):
    with pytest.raises(InvalidOptionError, match=message):
        oecd(dataflow)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"key": "JPN/../x"}, r"key 'JPN/\.\./x' is not an SDMX key"),
        ({"start": "2023Q1"}, r"start='2023Q1' is not a period"),
        ({"end": 2023.5}, r"end=2023\.5 is not a period"),
        ({"start": "2024-Q1", "end": "2023-Q4"}, r"start '2024-Q1' is after end '2023-Q4'; swap"),
        ({"start": 2024, "end": "2023-12"}, r"start '2024' is after end '2023-12'"),
        ({"labels": "yes"}, r"labels='yes' must be True or False"),
    ],
)
def test_bad_keys_and_periods_are_named(no_api, kwargs, message):
    with pytest.raises(InvalidOptionError, match=message):
        oecd(QNA, **kwargs)


def test_parse_dataflow_forms():
    assert parse_dataflow(QNA) == ("OECD.SDD.NAD", "DSD_NAMAIN1@DF_QNA", "1.1")
    assert parse_dataflow("OECD.SDD.NAD,DSD_NAMAIN1@DF_QNA,") == (
        "OECD.SDD.NAD",
        "DSD_NAMAIN1@DF_QNA",
        None,
    )
    assert parse_dataflow(" OECD.SDD.NAD:DSD_NAMAIN1@DF_QNA(1.1) ")[2] == "1.1"


def test_explorer_url_with_a_selection():
    url = explorer_url("OECD.SDD.TPS", "DSD_LFS@DF_IALFS_UNE_M", "1.0", "JPN.UNE_LF_M")
    assert url == (
        "https://data-explorer.oecd.org/vis?lc=en&df%5Bds%5D=dsDisseminateFinalDMZ"
        "&df%5Bid%5D=DSD_LFS%40DF_IALFS_UNE_M&df%5Bag%5D=OECD.SDD.TPS&df%5Bvs%5D=1.0"
        "&dq=JPN.UNE_LF_M"
    )


def test_start_and_end_of_the_same_year_are_fine(api, cache_dir):
    api.add(f"/data/{QNA}/all", csv_rows("JPN,Q,GDP,2023-Q1,1.0,A"))
    assert len(oecd(QNA, start=2023, end="2023-Q1")) == 1


def test_reader_through_a_catalog_folder(api, cache_dir, tmp_path):
    folder = tmp_path / "cat"
    folder.mkdir()
    (folder / "oecd.yaml").write_text(
        "version: 2\n"
        "entries:\n"
        "  gdp_q:\n"
        "    reader: ebpm.catalog.oecd:OECDData\n"
        f"    kwargs: {{dataflow: '{QNA}', key: '{QNA_KEY}'}}\n"
        "    metadata:\n"
        "      title: Real GDP, quarterly (OECD QNA)\n"
        "      parameters: {start: first period, end: last period, columns: columns,\n"
        "                   refresh: download again}\n",
        encoding="utf-8",
    )
    api.add_file(QNA_PATH, FIX / "qna_gdp_labels.csv")
    cat = open_catalog(folder)
    df = cat.load("oecd.gdp_q", start="2023-Q1", end="2023-Q4")
    assert api.requests[0][1]["startPeriod"] == "2023-Q1"
    assert df.query("ref_area == 'JPN' and time_period == '2023-Q2'")["value"].item() == 5636540.5
    rec = df.attrs["ebpm"]
    assert rec["entry"] == "oecd.gdp_q"
    assert rec["title"] == "Quarterly GDP and components - expenditure approach"  # as served
    assert rec["details"]["entry_title"] == "Real GDP, quarterly (OECD QNA)"
    assert rec["source"] == "OECD Data Explorer (SDMX)"
    assert rec["url"] == QNA_PAGE
    again = cat.load("oecd.gdp_q", start="2023-Q1", end="2023-Q4", columns=["period", "value"])
    assert list(again.columns) == ["period", "value"]
    assert len(api.requests) == 1
    cat.load("oecd.gdp_q", start="2023-Q1", end="2023-Q4", refresh=True)
    assert len(api.requests) == 2
