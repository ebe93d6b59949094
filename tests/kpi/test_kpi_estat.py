"""The Japanese example policy, こども未来戦略
(pipelines/policies/japan_children_future_strategy.yaml), followed up on e-Stat through the real
catalogs, against a local server answering in the JSON of the e-Stat API 3.0
(tests/fixtures/estat/kpi_*.json; README there)."""

from __future__ import annotations

import json
import math
import shutil
import socket

import numpy as np
import pandas as pd
import pytest
import yaml

from ebpm.errors import CredentialError, OfflineError, RemoteError
from ebpm.kpi import KINDS, LogicModel, changes, compute, load
from ebpm.kpi.diagram import logic_model_text
from tests.conftest import FIXTURES, ROOT, Reply

REPO = ROOT
POLICY = REPO / "pipelines" / "policies" / "japan_children_future_strategy.yaml"
FIX = FIXTURES / "estat"
API = "/rest/3.0/app"
DATA = f"{API}/json/getStatsData"
PREF = "0000010101"
APP_ID = "test-app-id-kpi-3f0a"
JSON = "application/json;charset=utf-8"
BIRTHS, CHILDREN = "A4101", "A1301"
#: How a data error starts: which KPI of which file needs the data.
WHICH = r"^KPI 'births' \(pipelines/policies/japan_children_future_strategy\.yaml, line \d+\): "

#: 出生数 A4101 (全国) in kpi_births_page1/2.json: 2019-2022 確定数, 2023 概数.
BIRTHS_FIRST = {2019: 865239, 2020: 840835, 2021: 811622, 2022: 770759, 2023: 727277}
#: 15歳未満人口 A1301 (全国) in kpi_children.json; 2024 is listed with "***" (no value yet).
CHILDREN_FIRST = {2021: 14785000, 2022: 14503000, 2023: 14173000}


def body(name: str) -> bytes:
    return (FIX / name).read_bytes()


@pytest.fixture(scope="module")
def model() -> LogicModel:
    """The policy file, checked against the repository's real catalogs."""
    return load(POLICY)


@pytest.fixture
def api(http_server, monkeypatch):
    """The local server as the e-Stat API, with an application ID set."""
    monkeypatch.setenv("EBPM_ESTAT_API", http_server.url + API)
    monkeypatch.setenv("EBPM_ESTAT_APP_ID", APP_ID)
    return http_server


def serve(server, *, births_later: bytes | None = None):
    """Answer both KPIs' requests; the births table comes in two pages (NEXT_KEY 4).

    With ``births_later``, the second request for the births' first page gets that answer (a
    later release of the table) instead. Returns the route of the births' first page.
    """
    replies = [Reply(body("kpi_births_page1.json"), headers={"Content-Type": JSON})]
    if births_later is not None:
        replies.append(Reply(births_later, headers={"Content-Type": JSON}))
    first = server.add(DATA, query={"statsDataId": PREF, "cdCat01": BIRTHS}, replies=replies)
    server.add(
        DATA,
        body("kpi_births_page2.json"),
        query={"statsDataId": PREF, "cdCat01": BIRTHS, "startPosition": "4"},
        content_type=JSON,
    )
    server.add(
        DATA,
        body("kpi_children.json"),
        query={"statsDataId": PREF, "cdCat01": CHILDREN},
        content_type=JSON,
    )
    return first


def path_at(year: int, base: float, target: float, y0: int = 2022, y1: int = 2030) -> float:
    """The straight target path by hand: baseline in y0 to target in y1."""
    return base + (target - base) * (year - y0) / (y1 - y0)


def as_json(report) -> dict:
    """A follow-up as kept beside a run: its to_dict() through JSON."""
    return json.loads(json.dumps(report.to_dict(), ensure_ascii=False))


# --- the policy file ---------------------------------------------------------------------------
def test_the_policy_file_is_a_japanese_logic_model(model: LogicModel) -> None:
    raw = yaml.safe_load(POLICY.read_text(encoding="utf-8"))
    assert model.policy == "japan_children_future_strategy"
    assert model.title_ja == "こども未来戦略「加速化プラン」（こども・子育て支援）"
    assert model.owner == "こども家庭庁 (Children and Families Agency)"
    assert model.display_path == "pipelines/policies/japan_children_future_strategy.yaml"
    assert [n.id for n in model.nodes] == [n["id"] for n in raw["nodes"]]
    assert all(n.label_ja for n in model.nodes)
    assert list(model.nodes_by_kind()) == list(KINDS)  # every kind of the chain, in order
    assert len(model.links) == 16
    # no evaluation of the plan exists yet
    assert model.links_with_evidence() == []
    assert [k.id for k in model.kpis] == ["births", "children_under_15"]
    assert [(k.node, k.direction, k.frequency) for k in model.kpis] == [
        ("births", "higher", "annual"),
        ("children", "higher", "annual"),
    ]
    assert {k.owner for k in model.kpis} == {"こども家庭庁 (Children and Families Agency)"}


def test_kpis_read_table_0000010101_for_japan_as_a_whole(model: LogicModel) -> None:
    births, children = model.kpis
    for kpi, code in ((births, BIRTHS), (children, CHILDREN)):
        assert kpi.source.dataset == "japan.prefecture_indicator"
        assert kpi.source.parameters == {"cdCat01": code, "cdArea": "00000"}
        assert (kpi.source.time, kpi.source.value) == ("fiscal_year", "value")
    # baselines: the published 2022 figures (人口動態統計 確定数; 人口推計 1 October 2022)
    assert (births.baseline.value, births.baseline.label) == (770759.0, "2022")
    assert (children.baseline.value, children.baseline.label) == (14503000.0, "2022")
    assert (births.target.value, births.target.label) == (800000.0, "2030")
    assert (children.target.value, children.target.label) == (12000000.0, "2030")
    # neither target is the government's: the file says so where the report shows it
    for kpi in model.kpis:
        assert kpi.target.note.startswith("Illustrative, not an official target")
    assert births.name_ja == "出生数（全国）"
    assert children.name_ja == "15歳未満人口（全国）"


def test_the_diagram_shows_every_link_as_not_evaluated(model: LogicModel) -> None:
    data = model.to_dict()
    text = logic_model_text(data["nodes"], data["links"], title=model.title_ja, lang="ja")
    assert text.startswith("# こども未来戦略「加速化プラン」（こども・子育て支援）")
    assert "## 中期アウトカム" in text
    assert "- 出生数の減少に歯止めがかかり、反転する (`births`)" in text
    assert text.count("未評価") == len(model.links) == 16


# --- the follow-up, from the local e-Stat ------------------------------------------------------
def test_follow_up_from_e_stat_by_hand(api, model: LogicModel) -> None:
    serve(api)
    report = compute(model)

    births = report.table("births").set_index("period")
    assert list(births.index) == ["2019", "2020", "2021", "2022", "2023"]
    assert births["actual"].tolist() == [float(v) for v in BIRTHS_FIRST.values()]
    assert births.loc["2021", "status"] == "before baseline"  # history, no target
    assert np.isnan(births.loc["2021", "target_path"])
    assert np.isnan(births.loc["2021", "gap"])
    # 770,759 in 2022 to 800,000 in 2030: 29,241 / 8 = 3,655.125 births a year
    assert births.loc["2022", "target_path"] == 770759.0
    assert births.loc["2022", "status"] == "on track"  # the baseline itself
    assert births.loc["2023", "target_path"] == pytest.approx(774414.125)
    assert births.loc["2023", "target_path"] == pytest.approx(path_at(2023, 770759, 800000))
    assert births.loc["2023", "gap"] == pytest.approx(727277 - 774414.125)  # -47,137.125
    assert births.loc["2023", "status"] == "off track"

    children = report.table("children_under_15").set_index("period")
    # 2024 is listed with "***" (no value yet): it is not a period with a value, nor "no data"
    assert list(children.index) == ["2021", "2022", "2023"]
    assert children["actual"].tolist() == [float(v) for v in CHILDREN_FIRST.values()]
    # 14,503,000 in 2022 to 12,000,000 in 2030: -312,875 children a year
    assert children.loc["2023", "target_path"] == pytest.approx(14190125.0)
    assert children.loc["2023", "gap"] == pytest.approx(14173000 - 14190125)  # -17,125
    assert children.loc["2023", "status"] == "off track"
    assert children.loc["2021", "status"] == "before baseline"

    summary = report.glance().set_index("kpi")
    b, c = summary.loc["births"], summary.loc["children_under_15"]
    assert (b["latest_period"], b["latest_actual"], b["status"]) == ("2023", 727277.0, "off track")
    assert (b["previous_period"], b["previous_actual"]) == ("2022", 770759.0)
    assert b["change"] == -43482.0  # the fall 人口動態統計 reported for 2023
    assert b["progress"] == pytest.approx((727277 - 770759) / (800000 - 770759) * 100)  # -148.7
    assert (c["latest_period"], c["latest_actual"]) == ("2023", 14173000.0)
    assert c["status"] == "off track"
    assert c["change"] == -330000.0
    # the target (12M, below the baseline) is a floor for "higher is better": no progress to it
    assert math.isnan(c["progress"])
    assert math.isnan(c["progress"])
    assert report.status("births") == "off track"
    assert str(report).splitlines()[1] == (
        "  births: off track at 2023: 727,277 人 (births), target path 774,414, gap -47,137.1; "
        "target 800,000 by 2030"
    )
    for kpi_id, code in (("births", BIRTHS), ("children_under_15", CHILDREN)):
        source = report.sources[kpi_id]
        assert source["dataset"] == "japan.prefecture_indicator"
        assert source["parameters"] == {"cdCat01": code, "cdArea": "00000"}
        assert len(source["sha256"]) == 64


def test_each_kpi_asks_e_stat_for_its_item_and_area(api, model: LogicModel) -> None:
    serve(api)
    compute(model)
    queries = [q for p, q in api.requests if p == DATA]
    assert [(q["cdCat01"], q.get("startPosition")) for q in queries] == [
        (BIRTHS, None),
        (BIRTHS, "4"),  # the births' second page, from NEXT_KEY
        (CHILDREN, None),
    ]
    for query in queries:
        assert query["statsDataId"] == PREF
        assert query["cdArea"] == "00000"  # 全国, with its leading zeros
        assert query["appId"] == APP_ID
        assert query["lang"] == "J"
        assert "cdTime" not in query  # every year: the follow-up needs the history too
    assert api.count(DATA) == 3


def test_a_second_follow_up_reads_the_cache_without_an_app_id(api, model, monkeypatch) -> None:
    serve(api)
    first = compute(model).tidy()
    monkeypatch.delenv("EBPM_ESTAT_APP_ID")
    again = compute(model).tidy()
    pd.testing.assert_frame_equal(first, again)
    assert api.count(DATA) == 3  # no request: the cached tables answered


# --- what a user sees without an application ID or a network ------------------------------------
def test_without_an_app_id_the_error_says_how_to_get_one(api, model, monkeypatch) -> None:
    serve(api)
    monkeypatch.delenv("EBPM_ESTAT_APP_ID")
    with pytest.raises(
        CredentialError,
        match=WHICH + r"e-Stat table 0000010101 must be downloaded from e-Stat \(it is not in the "
        r"cache\), which needs an application ID, but EBPM_ESTAT_APP_ID is not set\. Register "
        r"for free at https://www\.e-stat\.go\.jp/mypage/user/preregister, .*"
        r"API機能（アプリケーションID発行）, issue an ID and set EBPM_ESTAT_APP_ID=<your ID>",
    ):
        compute(model)
    assert api.requests == []  # nothing was sent without an ID


def test_offline_without_a_cache_says_how_to_fetch_the_table(api, model, monkeypatch) -> None:
    serve(api)
    monkeypatch.delenv("EBPM_ESTAT_APP_ID")
    monkeypatch.setenv("EBPM_OFFLINE", "1")
    with pytest.raises(
        OfflineError,
        match=WHICH
        + r"e-Stat table 0000010101 is not in the cache .* and EBPM_OFFLINE is set, so it "
        r"was not downloaded .*Fetch it once while online \(`ebpm catalog fetch "
        r"japan\.prefecture_indicator -p cdCat01 A4101 -p cdArea 00000`, or unset EBPM_OFFLINE\)",
    ):
        compute(model)
    assert api.requests == []


def test_an_unreachable_api_is_a_remote_error_naming_the_host(model, monkeypatch) -> None:
    with socket.socket() as sock:  # a local port that nothing listens on once closed
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    monkeypatch.setenv("EBPM_ESTAT_API", f"http://127.0.0.1:{port}{API}")
    monkeypatch.setenv("EBPM_ESTAT_APP_ID", APP_ID)
    with pytest.raises(
        RemoteError,
        match=WHICH
        + rf"e-Stat table 0000010101: download from 127\.0\.0\.1:{port} failed \(connection "
        r"refused\) for .*cdCat01=A4101.*; check the network or the base URL \(and its "
        r"EBPM_\*_API variable\), then retry; nothing was cached",
    ) as info:
        compute(model)
    assert APP_ID not in str(info.value)


# --- changes between two follow-ups --------------------------------------------------------------
def test_changes_after_e_stat_revised_a_year_and_added_one(api, model, cache_dir) -> None:
    first_page = serve(api, births_later=body("kpi_births_revised.json"))
    last = as_json(compute(model))
    assert api.count(DATA) == 3
    # A year later e-Stat serves the births with 2023 revised from the 概数 727,277 to the 確定数
    # 727,288 and 2024 (概数 686,061) added, in one page. compute() reads the cache while it
    # holds the table, so the next follow-up starts from an empty cache.
    shutil.rmtree(cache_dir)
    report = compute(model)
    now = as_json(report)
    assert first_page.hits == 2
    assert api.count(DATA) == 5  # births once (one page now), children again

    found = changes(now, last)
    assert [(c["kpi"], c["change"], c["period"]) for c in found] == [
        ("births", "revised", "2023"),
        ("births", "new period", "2024"),
    ]
    revised, new = found
    assert (revised["previous"], revised["current"]) == (727277.0, 727288.0)
    assert revised["message"] == "births: 2023: revised from 727,277 to 727,288"
    assert (new["previous"], new["current"]) == (None, 686061.0)
    assert new["message"] == "births: 2024: new value 686,061"
    # off track before and after: no status change; the children's answer did not change
    assert now["kpis"]["births"]["summary"]["status"] == "off track"
    assert changes(now, now) == []

    births = report.table("births").set_index("period")
    assert births.loc["2024", "target_path"] == pytest.approx(path_at(2024, 770759, 800000))
    assert births.loc["2024", "target_path"] == pytest.approx(778069.25)
    summary = report.glance().set_index("kpi").loc["births"]
    assert (summary["latest_period"], summary["latest_actual"]) == ("2024", 686061.0)
    assert summary["gap"] == pytest.approx(686061 - 778069.25)  # -92,008.25
    assert summary["change"] == 686061.0 - 727288.0  # -41,227, against the revised 2023
    assert summary["previous_actual"] == 727288.0
