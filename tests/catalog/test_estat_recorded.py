"""The recorded e-Stat answers shipped with ebpm (``ebpm/data/estat_recorded/``): used only for
the exact requests they answer, only without an application ID (or offline) and a cached copy,
never silently; with an ID the API is asked as usual (here the local server stands in for it)."""

from __future__ import annotations

import hashlib
import json
import re
import warnings
from importlib import resources

import pytest

from ebpm.catalog import _estat_api, _estat_recorded, open_catalog
from ebpm.catalog.estat import estat
from ebpm.errors import CredentialError, IntegrityError, OfflineError, RecordedAnswerWarning
from tests.catalog.conftest import CATALOG_DIR
from tests.conftest import FIXTURES

FOLDER = resources.files("ebpm") / "data" / "estat_recorded"
PREF = "0000010101"
BIRTHS = {"cdCat01": "A4101", "cdArea": "00000"}
CHILDREN = {"cdCat01": "A1301", "cdArea": "00000"}
DATA = "/rest/3.0/app/json/getStatsData"
JSON = "application/json;charset=utf-8"
APP_ID = "test-app-id-rec-51b2"
#: The warning's words: the date, that it is not a live download, and how to get the figures.
SAYS = (
    r"Published figures of 2025-06-04 used for table 0000010101 \(cdArea=00000, "
    r"cdCat01=A4101\), not a live download .*; set EBPM_ESTAT_APP_ID \(sign up at "
    r"https://www\.e-stat\.go\.jp/mypage/user/preregister\) to get the current figures\."
)


@pytest.fixture
def no_app_id(monkeypatch, cache_dir):
    """A new user: no application ID, no mirror, an empty cache, no warning given yet."""
    monkeypatch.delenv("EBPM_ESTAT_APP_ID", raising=False)
    monkeypatch.delenv("EBPM_ESTAT_API", raising=False)
    monkeypatch.delenv("EBPM_OFFLINE", raising=False)
    monkeypatch.delenv("EBPM_LANG", raising=False)
    monkeypatch.setattr(_estat_recorded, "_warned", set())
    return cache_dir


@pytest.fixture
def estat_here(http_server, no_app_id, monkeypatch):
    """The local server as e-Stat itself (its default address), answering the KPI requests
    with the test fixtures, which differ from the recorded answer (2023: the 概数 727,277)."""
    monkeypatch.setattr(_estat_api, "DEFAULT_API", http_server.url + "/rest/3.0/app")
    fix = FIXTURES / "estat"
    http_server.add(
        DATA,
        (fix / "kpi_births_page1.json").read_bytes(),
        query={"statsDataId": PREF, "cdCat01": "A4101"},
        content_type=JSON,
    )
    http_server.add(
        DATA,
        (fix / "kpi_births_page2.json").read_bytes(),
        query={"statsDataId": PREF, "cdCat01": "A4101", "startPosition": "4"},
        content_type=JSON,
    )
    return http_server


def _file_values(name: str) -> dict[int, float]:
    data = json.loads((FOLDER / name).read_bytes())["GET_STATS_DATA"]["STATISTICAL_DATA"]
    return {int(v["@time"][:4]): float(v["$"]) for v in data["DATA_INF"]["VALUE"]}


def _births(df) -> dict[int, float]:
    return dict(zip(df["fiscal_year"].astype(int), df["value"], strict=True))


# --- used without an application ID, with a warning and provenance -----------------------------
def test_without_an_app_id_the_recorded_answer_is_read_and_said(no_app_id):
    with pytest.warns(RecordedAnswerWarning, match=SAYS):
        df = estat(PREF, **BIRTHS)
    assert _births(df) == _file_values("0000010101_A4101_00000.json")
    assert _births(df)[2022] == 770759  # 令和4年 確定数, the policy's baseline
    assert df.loc[df["fiscal_year"] == 2024, "annotation"].tolist() == ["p"]  # the one 概数
    assert list(no_app_id.rglob("*.parquet")) == []  # never cached as if downloaded


def test_the_provenance_names_the_recorded_answer_its_date_and_sha256(no_app_id):
    with pytest.warns(RecordedAnswerWarning):
        df = estat(PREF, **CHILDREN)
    prov = df.attrs["ebpm"]
    digest = hashlib.sha256((FOLDER / "0000010101_A1301_00000.json").read_bytes()).hexdigest()
    assert prov["source"].startswith(
        "published figures of 2025-06-04 in e-Stat's format, shipped with ebpm; not a live "
        "download (ebpm/data/estat_recorded/0000010101_A1301_00000.json): "
        "e-Stat (政府統計の総合窓口)"
    )
    assert prov["sha256"] == digest == prov["files"][0]["sha256"]
    assert prov["publisher_updated"] == "2025-06-04"
    assert prov["from_cache"] is False
    assert prov["details"]["recorded"]["date"] == "2025-06-04"
    assert "not downloaded" in prov["details"]["recorded"]["how"]
    assert prov["attribution"].startswith("出典：政府統計の総合窓口(e-Stat)")
    assert "appId" not in prov["request"]
    assert df["value"].tolist() == [13830000.0, 14173000.0, 14503000.0]


def test_the_warning_is_given_once_per_request(no_app_id):
    with pytest.warns(RecordedAnswerWarning):
        estat(PREF, **BIRTHS)
    with warnings.catch_warnings():
        warnings.simplefilter("error", RecordedAnswerWarning)
        again = estat(PREF, **BIRTHS)
    assert again.attrs["ebpm"]["source"].startswith("published figures of 2025-06-04")


def test_in_japanese_when_the_site_is(no_app_id, monkeypatch):
    monkeypatch.setenv("EBPM_LANG", "ja")
    with pytest.warns(RecordedAnswerWarning) as caught:
        estat(PREF, **BIRTHS)
    japanese, english = str(caught[0].message).split("\n")
    assert japanese.startswith("統計表 0000010101（cdArea=00000, cdCat01=A4101）には、ebpm 同梱の")
    assert "e-Stat からの最新の取得ではありません" in japanese
    assert "https://www.e-stat.go.jp/mypage/user/preregister" in japanese
    assert re.fullmatch(SAYS, english)


def test_offline_without_a_cache_reads_the_recorded_answer(no_app_id, monkeypatch):
    monkeypatch.setenv("EBPM_OFFLINE", "1")
    with pytest.warns(RecordedAnswerWarning):
        df = estat(PREF, columns=["fiscal_year", "value"], **BIRTHS)
    assert list(df.columns) == ["fiscal_year", "value"]
    assert _births(df)[2023] == 727288


def test_through_the_catalog_entry_of_the_japanese_kpis(no_app_id):
    with pytest.warns(RecordedAnswerWarning):
        df = open_catalog(CATALOG_DIR).load("japan.prefecture_indicator", **BIRTHS)
    prov = df.attrs["ebpm"]
    assert prov["entry"] == "japan.prefecture_indicator"
    assert prov["source"].startswith(
        "published figures of 2025-06-04 in e-Stat's format, shipped with ebpm; not a live download"
    )
    assert len(df) == 25  # 2000-2024


# --- everything else keeps today's behaviour ---------------------------------------------------
@pytest.mark.parametrize(
    "filters",
    [
        {"cdCat01": "A1101", "cdArea": "00000"},  # another indicator
        {"cdCat01": "A4101"},  # every area: not the recorded request
        {"cdCat01": "A4101", "cdArea": "00000", "cdTime": "2022100000"},  # one more filter
    ],
)
def test_a_request_without_a_recorded_answer_keeps_its_error(no_app_id, filters):
    with pytest.raises(CredentialError, match=r"EBPM_ESTAT_APP_ID is not set\. Register"):
        estat(PREF, **filters)


def test_offline_a_request_without_a_recorded_answer_keeps_its_error(no_app_id, monkeypatch):
    monkeypatch.setenv("EBPM_OFFLINE", "1")
    with pytest.raises(OfflineError, match=r"e-Stat table 0000010101 is not in the cache"):
        estat(PREF, cdCat01="A1101", cdArea="00000")


def test_english_labels_are_not_recorded(no_app_id):
    with pytest.raises(CredentialError):
        estat(PREF, lang="E", **BIRTHS)


def test_refresh_asks_e_stat_on_purpose_and_keeps_its_error(no_app_id):
    with pytest.raises(CredentialError, match=r"refresh=True asks e-Stat again"):
        estat(PREF, refresh=True, **BIRTHS)


def test_a_mirror_or_test_server_is_not_answered_for(no_app_id, http_server, monkeypatch):
    monkeypatch.setenv("EBPM_ESTAT_API", http_server.url + "/rest/3.0/app")
    with pytest.raises(CredentialError, match=r"must be downloaded from e-Stat"):
        estat(PREF, **BIRTHS)
    assert http_server.requests == []


def test_with_an_app_id_e_stat_is_asked_not_the_recording(estat_here, monkeypatch):
    monkeypatch.setenv("EBPM_ESTAT_APP_ID", APP_ID)
    with warnings.catch_warnings():
        warnings.simplefilter("error", RecordedAnswerWarning)
        df = estat(PREF, **BIRTHS)
    assert _births(df) == {2019: 865239, 2020: 840835, 2021: 811622, 2022: 770759, 2023: 727277}
    assert estat_here.count(DATA) == 2
    assert not df.attrs["ebpm"]["source"].startswith("recorded")


def test_a_cached_copy_wins_over_the_recording_without_an_app_id(estat_here, monkeypatch):
    monkeypatch.setenv("EBPM_ESTAT_APP_ID", APP_ID)
    estat(PREF, **BIRTHS)
    monkeypatch.delenv("EBPM_ESTAT_APP_ID")
    with warnings.catch_warnings():
        warnings.simplefilter("error", RecordedAnswerWarning)
        df = estat(PREF, **BIRTHS)
    assert _births(df)[2023] == 727277  # the cached download, not the recorded 727,288
    assert estat_here.count(DATA) == 2


# --- the shipped files ---------------------------------------------------------------------------
def _listed_in_readme() -> dict[str, str]:
    text = (FOLDER / "README.md").read_text(encoding="utf-8")
    return dict(re.findall(r"^\| `([\w.]+\.json)` \|.*\| `([0-9a-f]{64})` \|$", text, re.M))


def test_every_shipped_file_is_listed_with_its_sha256_and_pinned():
    files = {p.name for p in FOLDER.iterdir() if p.name.endswith(".json")}
    listed = _listed_in_readme()
    assert set(listed) == files == {name for name, _ in _estat_recorded.RECORDED.values()}
    for name, digest in listed.items():
        assert hashlib.sha256((FOLDER / name).read_bytes()).hexdigest() == digest
    assert dict(_estat_recorded.RECORDED.values()) == listed


def test_each_file_answers_the_request_it_is_filed_under():
    for (sid, lang, filters), (name, _) in _estat_recorded.RECORDED.items():
        answer = json.loads((FOLDER / name).read_bytes())["GET_STATS_DATA"]
        assert answer["RESULT"]["STATUS"] == 0
        param = answer["PARAMETER"]
        assert (param["STATS_DATA_ID"], param["LANG"]) == (sid, lang)
        cond = {k.split("_")[1].title(): v for k, v in param["NARROWING_COND"].items()}
        assert {f"cd{k}": v for k, v in cond.items()} == dict(filters)


def test_a_file_that_changed_is_refused(no_app_id, monkeypatch):
    key = next(iter(_estat_recorded.RECORDED))
    name, _ = _estat_recorded.RECORDED[key]
    monkeypatch.setitem(_estat_recorded.RECORDED, key, (name, "0" * 64))
    with pytest.raises(IntegrityError, match=r"sha256 is [0-9a-f]{64}, but the catalog pins 0{64}"):
        estat(PREF, **dict(key[2]))


def test_the_readme_says_it_was_assembled_not_downloaded_with_credit_and_licence():
    text = (FOLDER / "README.md").read_text(encoding="utf-8")
    assert "**These files were not downloaded from e-Stat.**" in text
    assert "出典：政府統計の総合窓口(e-Stat)" in text
    assert "政府標準利用規約（第2.0版）" in text
    assert "概数" in text
