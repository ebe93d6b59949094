"""The Japanese KPI pipeline (pipelines/japan_kpi.yaml) end to end: e-Stat answered by a local
server, the dashboard in Japanese, then a second quarter's follow-up after e-Stat revised a
year and published a new one."""

from __future__ import annotations

import json

import pytest

from tests.conftest import ROOT
from tests.kpi.test_kpi_estat import APP_ID, body, serve

pytestmark = pytest.mark.slow

REPO = ROOT
SPEC = REPO / "pipelines" / "japan_kpi.yaml"


@pytest.fixture
def estat(http_server, monkeypatch):
    """The local server as the e-Stat API (kernels inherit the environment)."""
    monkeypatch.setenv("EBPM_ESTAT_API", http_server.url + "/rest/3.0/app")
    monkeypatch.setenv("EBPM_ESTAT_APP_ID", APP_ID)
    monkeypatch.setenv("EBPM_CATALOG_DIR", str(REPO / "catalogs"))
    return http_server


def test_two_quarterly_followups_of_the_japanese_policy(estat, tmp_path) -> None:
    from ebpm.pipeline import run_pipeline
    from ebpm.pipeline.schedule import describe
    from ebpm.pipeline.spec import load_spec

    spec = load_spec(SPEC)
    assert "January, April, July, and October" in describe(spec.schedule)
    serve(estat, births_later=body("kpi_births_revised.json"))
    first = run_pipeline(SPEC, out_dir=tmp_path, jobs=1)
    (task,) = first.tasks
    assert task.status == "ok", task.reason
    page = (tmp_path / "site" / task.report).read_text(encoding="utf-8")
    assert '<html lang="en">' in page  # the site's language; the dashboard's own is Japanese
    assert "こども未来戦略「加速化プラン」（こども・子育て支援）" in page
    assert page.count('data-evaluated="no"') == 16  # no link is evaluated yet
    assert "未評価" in page
    assert "このダッシュボードで記録された最初のフォローアップです。" in page  # lang: ja
    assert "<h2>ロジックモデルと根拠</h2>" in page
    assert "<th>最新期間</th><th>実績</th><th>目標経路</th>" in page  # the KPI table too
    assert "KPIs against their targets" not in page
    assert "@font-face" in page  # the Japanese glyphs travel with the page
    entries = {d["entry"] for d in task.datasets}
    assert entries == {
        "pipelines/policies/japan_children_future_strategy.yaml",
        "japan.prefecture_indicator",
    }
    manifest = json.loads(first.manifest.read_text(encoding="utf-8"))
    assert APP_ID not in json.dumps(manifest)
    assert APP_ID not in page

    # the next quarter: nothing changed here, but e-Stat revised 2023 and added 2024
    second = run_pipeline(SPEC, out_dir=tmp_path, jobs=1, refresh_data=True)
    (task,) = second.tasks
    assert task.status == "ok", task.reason
    page = (tmp_path / "site" / task.report).read_text(encoding="utf-8")
    assert "出生数（全国）：2023：727,277 から 727,288 に改定" in page
    assert "出生数（全国）：2024：新しい値 686,061" in page
    # the run history shows both follow-ups
    history = (tmp_path / "site" / "history" / "japan_kpi" / f"{task.name}.html").read_text(
        encoding="utf-8"
    )
    assert first.run_id in history
    assert second.run_id in history


def test_a_new_user_sees_the_dashboard_on_the_recorded_answer(tmp_path, monkeypatch) -> None:
    """`make demo` without an application ID, a cache or the network: the recorded e-Stat
    answer shipped with ebpm, said so on the page and in the data section."""
    from ebpm.pipeline import run_pipeline

    for name in ("EBPM_ESTAT_APP_ID", "EBPM_ESTAT_API", "EBPM_OFFLINE", "EBPM_LANG"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("EBPM_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("EBPM_CATALOG_DIR", str(REPO / "catalogs"))
    result = run_pipeline(SPEC, out_dir=tmp_path, jobs=1)
    (task,) = result.tasks
    assert task.status == "ok", task.reason
    page = (tmp_path / "site" / task.report).read_text(encoding="utf-8")
    # the KPI table: the latest year and the change from the year before, from the recording
    assert '<td>2024</td><td class="num">686,061 人 (births)</td>' in page
    assert '<td>2024</td><td class="num">13,830,000 人 (persons)</td>' in page
    assert "前期（2023）比 −41,227 人 (births)" in page
    # the warning, as a note for the reader, once per request
    assert page.count("Published figures of 2025-06-04 used for table 0000010101") == 2
    # the data section: the recorded answer, its date and the sha256 of its file
    assert (
        "published figures of 2025-06-04 in e-Stat's format, shipped with ebpm; not a live download"
        in page
    )
    assert "12907e415964ca29e75cb23aba00ceb690ba8104383ccf72b24668b8e08bed03" in page
    assert "1d8714ffe3a1acb8ee47790d4f37962b38048e2f86877839fd1bfa6756edffb1" in page
    assert "updated 2025-06-04" in page
    assert "出典：政府統計の総合窓口(e-Stat)" in page
    assert list((tmp_path / "cache").rglob("*.parquet")) == []  # nothing posed as a download
