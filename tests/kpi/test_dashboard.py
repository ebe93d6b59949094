"""The KPI dashboard's pieces: evidence from runs, the diagram with it, the last follow-up."""

from __future__ import annotations

import hashlib
import json
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest

from ebpm import kpi
from ebpm._protocol import KPI_MIME, NEEDS_ENV, RESULT_MIME, RUN_DIR_ENV, TASK_ENV
from ebpm.errors import InvalidOptionError
from ebpm.kpi import dashboard
from tests.conftest import ROOT

REPO = ROOT
PROP99 = REPO / "pipelines" / "policies" / "prop99.yaml"
SC = ("demo", "prop99_synthetic_control")


@pytest.fixture
def model() -> kpi.LogicModel:
    return kpi.load(PROP99)


def _headline(estimate: float, low: float, high: float, **extra: Any) -> dict[str, Any]:
    return {
        "label": "Prop 99 (synthetic control)",
        "estimand": "ATT",
        "conf_level": 0.95,
        "headline": {"estimate": estimate, "conf_low": low, "conf_high": high, "std_error": 5.0},
        **extra,
    }


def _notebook(path: Path, mime: str, payload: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    cell = {
        "cell_type": "code",
        "source": "",
        "metadata": {},
        "execution_count": 1,
        "outputs": [{"output_type": "display_data", "metadata": {}, "data": {mime: payload}}],
    }
    path.write_text(json.dumps({"cells": [cell], "nbformat": 4}), encoding="utf-8")


def _manifest(out: Path, run_id: str, tasks: list[dict[str, Any]]) -> Path:
    folder = out / "runs" / "demo" / run_id
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "manifest.json").write_text(
        json.dumps({"pipeline": "demo", "run_id": run_id, "tasks": tasks}), encoding="utf-8"
    )
    return folder


# --- evidence ---------------------------------------------------------------------------------
def test_evidence_from_this_run_when_the_evaluation_ran_before(
    model, tmp_path, monkeypatch
) -> None:
    run_dir = tmp_path / "runs" / "demo" / "R2"
    _notebook(run_dir / "prop99_synthetic_control.ipynb", RESULT_MIME, _headline(-19.6, -30, -9))
    # an older good run says something else: this run's own estimate wins
    _manifest(
        tmp_path,
        "R1",
        [{"name": "prop99_synthetic_control", "status": "ok", "headline": _headline(-5, -6, -4)}],
    )
    monkeypatch.setenv(RUN_DIR_ENV, str(run_dir))
    monkeypatch.setenv(NEEDS_ENV, "prop99_synthetic_control")
    found = dashboard.evidence(model)
    assert list(found) == [SC]  # both links into `sales` name the same evaluation
    ev = found[SC]
    assert (ev["estimate"], ev["low"], ev["high"]) == (-19.6, -30, -9)
    assert ev["run_id"] == "R2"
    assert ev["status"] == "ok"
    assert ev["report"] == "../demo/prop99_synthetic_control.html"


def test_a_notebook_of_this_run_counts_only_for_a_task_this_one_needs(
    model, tmp_path, monkeypatch
) -> None:
    """Without `needs`, the evaluation may have failed (or not finished) in this run: the
    dashboard shows the last good estimate, not whatever notebook is in the run folder."""
    run_dir = tmp_path / "runs" / "demo" / "R2"
    _notebook(run_dir / "prop99_synthetic_control.ipynb", RESULT_MIME, _headline(-99, -100, -98))
    ok = {"name": "prop99_synthetic_control", "status": "ok", "headline": _headline(-19, -29, -9)}
    _manifest(tmp_path, "R1", [ok])
    monkeypatch.setenv(RUN_DIR_ENV, str(run_dir))
    monkeypatch.setenv(NEEDS_ENV, "")
    ev = dashboard.evidence(model)[SC]
    assert (ev["estimate"], ev["run_id"]) == (-19, "R1")


def test_an_unchanged_rerun_points_to_the_run_that_made_the_estimate(model, tmp_path) -> None:
    ok = {"name": "prop99_synthetic_control", "status": "ok", "headline": _headline(-19, -29, -9)}
    kept = {**ok, "status": "unchanged", "unchanged_since": "R1"}
    _manifest(tmp_path, "R1", [ok])
    _manifest(tmp_path, "R2", [kept])
    assert dashboard.evidence(model, out_dir=tmp_path)[SC]["run_id"] == "R1"


def test_evidence_from_the_last_good_run_otherwise(model, tmp_path, monkeypatch) -> None:
    monkeypatch.delenv(RUN_DIR_ENV, raising=False)
    ok = {"name": "prop99_synthetic_control", "status": "ok", "headline": _headline(-19, -29, -9)}
    failed = {"name": "prop99_synthetic_control", "status": "failed", "headline": None}
    _manifest(tmp_path, "R1", [ok])
    _manifest(tmp_path, "R2", [failed])  # the newest run failed: the last good estimate stays
    ev = dashboard.evidence(model, out_dir=tmp_path)[SC]
    assert ev["run_id"] == "R1"
    assert ev["estimate"] == -19


def test_an_evaluation_that_failed_in_this_run_is_shown_as_its_last_good_estimate(
    model, tmp_path, monkeypatch
) -> None:
    """The dashboard runs `after` the evaluation, which failed in this run (R2): its estimate
    from R1 is shown, marked as such; a task that never succeeded stays "not evaluated"."""
    from ebpm._protocol import NOT_OK_ENV

    ok = {"name": "prop99_synthetic_control", "status": "ok", "headline": _headline(-19, -29, -9)}
    _manifest(tmp_path, "R1", [ok])
    run_dir = tmp_path / "runs" / "demo" / "R2"
    run_dir.mkdir(parents=True)
    monkeypatch.setenv(RUN_DIR_ENV, str(run_dir))
    monkeypatch.setenv(NEEDS_ENV, "")
    monkeypatch.setenv(NOT_OK_ENV, "prop99_synthetic_control")
    ev = dashboard.evidence(model, out_dir=tmp_path)[SC]
    assert (ev["run_id"], ev["estimate"], ev["failed_now"]) == ("R1", -19, "R2")
    assert ev["status"] == "warn"
    assert ev["diagnostics"][0] == (
        "warn: it did not succeed in this run (R2); this is its last good estimate, from run R1"
    )
    table = dashboard.evidence_table(model, {SC: ev})
    assert "did not succeed in this run (R2)" in table
    assert "! warn" in table
    ja = dashboard.evidence_table(model, {SC: ev}, lang="ja")  # a Japanese page says it so
    assert "注意：この実行（R2）では成功しませんでした。実行 R1 の直近の正常な推定値です" in ja
    assert "did not succeed" not in ja

    monkeypatch.setenv(RUN_DIR_ENV, str(tmp_path / "runs" / "other" / "R9"))  # another pipeline's
    assert "failed_now" not in dashboard.evidence(model, out_dir=tmp_path)[SC]
    empty = tmp_path / "never"
    monkeypatch.setenv(RUN_DIR_ENV, str(run_dir))
    assert dashboard.evidence(model, out_dir=empty)[SC] is None


def test_a_warning_diagnostic_marks_the_evidence(model, tmp_path) -> None:
    head = _headline(-1.0, -2.0, 0.5, diagnostics={"pretrend": {"p_value": 0.01}})
    _manifest(tmp_path, "R1", [{"name": SC[1], "status": "ok", "headline": head}])
    ev = dashboard.evidence(model, out_dir=tmp_path)[SC]
    assert ev["status"] == "warn"
    assert any("pre-trends" in d for d in ev["diagnostics"])


def test_never_run_means_not_evaluated(model, tmp_path, monkeypatch) -> None:
    monkeypatch.delenv(RUN_DIR_ENV, raising=False)
    assert dashboard.evidence(model, out_dir=tmp_path) == {SC: None}
    svg = dashboard.diagram(model, found={SC: None})
    assert "−19" not in svg
    assert svg.count('data-evaluated="no"') == len(model.links)


# --- the diagram ----------------------------------------------------------------------------
def test_the_diagram_shows_each_node_link_and_the_estimate(model) -> None:
    found = {SC: {"estimate": -19.62, "low": -40.43, "high": 1.19, "status": "ok"}}
    report = kpi.compute(model)
    svg = dashboard.diagram(model, report, found)
    root = ET.fromstring(svg)
    nodes = {e.get("data-node") for e in root.iter() if e.get("data-node")}
    assert nodes == {n.id for n in model.nodes}
    pairs = {
        (e.get("data-source"), e.get("data-target")) for e in root.iter() if e.get("data-source")
    }
    assert pairs == {(lk.source, lk.target) for lk in model.links}
    text = "".join(root.itertext())
    assert "−19.6 [−40.4, 1.19]" in text or "−19.6 [−40.4, 1.2]" in text
    assert "prop99_synthetic_control" in text
    evaluated = [e for e in root.iter() if e.get("data-evaluated") == "yes"]
    assert {(e.get("data-source"), e.get("data-target")) for e in evaluated} == {
        (lk.source, lk.target) for lk in model.links_with_evidence()
    }
    assert report.status("sales_per_capita") in ("on track", "off track")
    assert report.status("sales_per_capita").split()[0] in text.lower()


def test_scrollable_keeps_the_natural_size(model) -> None:
    svg = dashboard.diagram(model, found={SC: None})
    box = dashboard.scrollable(svg)
    assert box.startswith('<div class="ebpm-scroll" style="overflow-x:auto">')
    assert 'style="max-width:none"' in box
    assert "max-width:100%" not in box


def _found(**changed: Any) -> dict[str, Any]:
    """An entry of :func:`dashboard.evidence`'s answer: the synthetic control's estimate."""
    return {
        "estimate": -19.62,
        "low": -40.43,
        "high": 1.19,
        "conf_level": 0.95,
        "status": "ok",
        "label": "SC",
        "run_id": "R1",
        "diagnostics": [],
        "report": "r.html",
        **changed,
    }


def test_evidence_table_escapes_and_links_the_report(model) -> None:
    ev = _found(
        conf_level=0.9,
        label="<b>SC</b>",
        diagnostics=["info: placebo p = 0.077"],
        report="../demo/prop99_synthetic_control.html",
    )
    table = dashboard.evidence_table(model, {SC: ev})
    assert table.count("<tr>") == 1 + len(model.links_with_evidence())
    assert "&lt;b&gt;SC&lt;/b&gt;" in table
    assert "<b>SC</b>" not in table
    assert "−19.62" in table
    assert "90% CI [−40.43, 1.19]" in table
    assert 'href="../demo/prop99_synthetic_control.html"' in table
    assert "not evaluated" in dashboard.evidence_table(model, {SC: None})


# --- the policy file as an input of the task ----------------------------------------------------
def test_the_policy_file_is_recorded_with_its_sha256(model, tmp_path) -> None:
    from ebpm.pipeline.fingerprint import Hasher

    prov = dashboard.provenance(model)
    assert prov["kind"] == "file"
    assert prov["entry"] == "pipelines/policies/prop99.yaml"
    assert prov["sha256"] == hashlib.sha256(PROP99.read_bytes()).hexdigest()
    copy = tmp_path / "policy.yaml"
    copy.write_bytes(PROP99.read_bytes())
    record = {**prov, "path": str(copy)}
    hasher = Hasher(tmp_path / "memo.json")
    assert hasher.dataset(record) == prov["sha256"]  # unchanged: the task may be skipped
    copy.write_text(copy.read_text(encoding="utf-8") + "\n# edited\n", encoding="utf-8")
    assert hasher.dataset(record) != prov["sha256"]  # edited: the dashboard runs again
    copy.unlink()
    assert hasher.dataset(record) is None


def test_sources_are_the_policy_file_the_evidence_and_each_dataset_once(model) -> None:
    report = kpi.compute(model)
    found = {SC: {"run_id": "R7"}, ("demo", "other"): None}
    records = [s.attrs["ebpm"] for s in dashboard.sources(model, report, found)]
    assert [r["entry"] for r in records] == [
        "pipelines/policies/prop99.yaml",
        "evidence demo/other",
        "evidence demo/prop99_synthetic_control",
        "studies.prop99",
    ]
    sc = records[2]
    assert (sc["kind"], sc["pipeline"], sc["task"], sc["run_id"]) == (
        "evidence",
        "demo",
        "prop99_synthetic_control",
        "R7",
    )
    assert records[1]["run_id"] is None
    assert records[1]["title"] == "not evaluated yet"


def test_the_heading_escapes_what_the_policy_file_says(model) -> None:
    from dataclasses import replace

    evil = replace(
        model, title="<script>x()</script> *tax*", description="A & B <img src=x>", owner="<b>"
    )
    html_text = dashboard.heading(evil)
    assert html_text == (
        "<h1>&lt;script&gt;x()&lt;/script&gt; *tax*</h1><p>KPI follow-up and evidence. "
        "A &amp; B &lt;img src=x&gt; Owner: &lt;b&gt;.</p>"
    )
    assert dashboard.heading(model, lang="ja").startswith("<h1>カリフォルニア州")


def test_no_kpis_no_plot(model) -> None:
    from dataclasses import replace

    empty = replace(model, kpis=())
    assert dashboard.plot_kpis(empty, kpi.compute(empty)) is None


# --- the last follow-up -----------------------------------------------------------------------
def test_the_previous_followup_is_what_this_task_showed_last_time(tmp_path, monkeypatch) -> None:
    shown = {"version": 1, "kpis": {"k": {"periods": {"2000": 41.6}}}}
    r1 = _manifest(
        tmp_path,
        "R1",
        [{"name": "prop99_kpi", "status": "ok", "output_notebook": "prop99_kpi.ipynb"}],
    )
    _notebook(r1 / "prop99_kpi.ipynb", KPI_MIME, shown)
    # R2 skipped the dashboard as unchanged: the follow-up it kept is R1's
    _manifest(
        tmp_path, "R2", [{"name": "prop99_kpi", "status": "unchanged", "unchanged_since": "R1"}]
    )
    monkeypatch.setenv(TASK_ENV, "demo/prop99_kpi")
    monkeypatch.setenv(RUN_DIR_ENV, str(tmp_path / "runs" / "demo" / "R3"))
    assert dashboard.previous_followup() == shown


def test_no_previous_followup_outside_a_run_or_the_first_time(tmp_path, monkeypatch) -> None:
    monkeypatch.delenv(TASK_ENV, raising=False)
    monkeypatch.delenv(RUN_DIR_ENV, raising=False)
    assert dashboard.previous_followup() is None
    monkeypatch.setenv(TASK_ENV, "demo/prop99_kpi")
    monkeypatch.setenv(RUN_DIR_ENV, str(tmp_path / "runs" / "demo" / "R1"))
    assert dashboard.previous_followup() is None


def test_changes_since_in_words(model) -> None:
    report = kpi.compute(model)
    assert dashboard.changes_since(report, None) == (
        "This is the first follow-up recorded for this dashboard."
    )
    same = report.to_dict()
    assert dashboard.changes_since(report, same) == "Nothing changed since the last follow-up."
    earlier = json.loads(json.dumps(same))
    earlier["kpis"]["sales_per_capita"]["periods"].pop()  # last time, 2000 was not out yet
    text = dashboard.changes_since(report, earlier)
    assert text.startswith("- ")
    assert "2000" in text


def test_a_small_revision_is_shown_with_the_digits_that_tell_it(model) -> None:
    now = kpi.compute(model).to_dict()
    before = json.loads(json.dumps(now))
    now["kpis"]["sales_per_capita"]["periods"][-1]["actual"] = 150000.4
    before["kpis"]["sales_per_capita"]["periods"][-1]["actual"] = 150000.2
    (change,) = kpi.changes(now, before)
    # at 6 digits both read 150,000: the message shows the digits that differ
    assert change["message"] == "sales_per_capita: 2000: revised from 150,000.2 to 150,000.4"


def test_sections_in_english_and_japanese() -> None:
    assert dashboard.section("evidence").startswith(
        "<h2>Evidence for each link</h2><p>Each evaluation&#x27;s interval is read against the "
        "direction the policy expects"
    )
    assert dashboard.section("evidence", lang="ja").startswith(
        "<h2>つながりごとの根拠</h2><p>各評価の信頼区間を、政策が想定する効果の向き"
    )
    assert "「判断できない」" in dashboard.section("evidence", lang="ja")
    assert dashboard.section("logic_model").startswith(
        "<h2>Logic model and its evidence</h2><p>Each arrow is a link"
    )
    assert set(dashboard.WORDS["en"]) == set(dashboard.WORDS["ja"])
    assert dashboard.changes_since(None, None, lang="ja") == (
        "このダッシュボードで記録された最初のフォローアップです。"
    )


# --- the page in Japanese ------------------------------------------------------------------------
def _cells(table: str) -> list[list[str]]:
    """The text of each body row's cells (tags dropped, spaces collapsed)."""
    import re

    def text(cell: str) -> str:
        return " ".join(re.sub(r"<[^>]+>", " ", cell).split())

    body = table.split("<tbody>", 1)[1]
    return [
        [text(cell) for cell in re.findall(r"<td[^>]*>(.*?)</td>", row)]
        for row in re.findall(r"<tr>(.*?)</tr>", body)
    ]


def test_kpi_table_by_hand_in_english_and_japanese(model) -> None:
    """California 2000: 41.6 packs against a path that reaches the 40-pack target in 2000;
    1999 was 47.2; progress (41.6 − 90.1) / (40 − 90.1) = 96.8%."""
    report = kpi.compute(model)
    (row,) = _cells(dashboard.kpi_table(report))
    assert row == [  # every value with its unit; the path and the gap to the data's decimals
        "Cigarette sales per capita lower is better; baseline 90.1 packs per person (1988)",
        "2000",
        "41.6 packs per person",
        "40.0 packs per person",
        "+1.6 packs per person",
        "✗ off track",
        "40 packs per person by 2000",
        "97%",
        "−5.6 packs per person since 1999",
    ]
    ja = dashboard.kpi_table(report, lang="ja")
    assert "<th>最新期間</th><th>実績</th><th>目標経路</th>" in ja
    (row,) = _cells(ja)
    assert row == [  # every value with its unit; the path and the gap to the data's decimals
        "1人あたりたばこ販売量 低いほど良い、基準値 90.1 packs per person（1988）",
        "2000",
        "41.6 packs per person",
        "40.0 packs per person",
        "+1.6 packs per person",
        "✗ 遅れ",
        "2000までに40 packs per person",
        "97%",
        "前期（1999）比 −5.6 packs per person",
    ]


def test_kpi_table_of_a_fiscal_year_kpi_in_japanese(model) -> None:
    """Fiscal years read as Japanese statistics name them, the era year beside the year."""
    import dataclasses

    import pandas as pd

    k = model.kpis[0]
    fiscal = dataclasses.replace(
        k,
        frequency="fiscal_year",
        baseline=dataclasses.replace(k.baseline, period=pd.Period("1988-04-01", "Y-MAR")),
        target=dataclasses.replace(k.target, period=pd.Period("2000-04-01", "Y-MAR")),
    )
    report = kpi.compute(dataclasses.replace(model, kpis=(fiscal,)))
    (row,) = _cells(dashboard.kpi_table(report, lang="ja"))
    assert row[0].endswith("基準値 90.1 packs per person（1988年度（昭和63年度））")
    assert row[1] == "2000年度（平成12年度）"
    assert row[6] == "2000年度（平成12年度）までに40 packs per person"
    assert row[8] == "前期（1999年度（平成11年度））比 −5.6 packs per person"
    (row,) = _cells(dashboard.kpi_table(report))  # English pages keep FY2000
    assert row[1:3] == ["FY2000", "41.6 packs per person"]
    assert row[6:] == ["40 packs per person by FY2000", "97%", "−5.6 packs per person since FY1999"]


def test_period_text_names_the_era_of_a_fiscal_year() -> None:
    import pandas as pd

    from ebpm.kpi.model._periods import period_label, period_text

    assert period_text("FY2024", "ja") == "2024年度（令和6年度）"
    assert period_text("FY2019", "ja") == "2019年度（令和元年度）"  # April 2019: 令和元年度
    assert period_text("FY2024", "en") == "FY2024"
    assert period_text("2024Q1", "ja") == "2024Q1"  # other periods as given
    assert period_label(pd.Period("2024-04-01", "Y-MAR"), "ja") == "2024年度（令和6年度）"
    assert period_label(pd.Period("2024-04-01", "Y-MAR")) == "FY2024"


def test_kpi_table_before_the_baseline_says_no_data(model) -> None:
    """Data up to 1987 only: the latest value is shown, but there is no target path, gap or
    progress to speak of yet."""
    from ebpm import catalog

    panel = catalog.load("studies.prop99")
    report = kpi.compute(model, data={"sales_per_capita": panel[panel["Year"] < 1988]})
    (row,) = _cells(dashboard.kpi_table(report))
    assert row[1:] == [
        "1987",
        "97.5 packs per person",
        "–",
        "–",
        "– no data",
        "40 packs per person by 2000",
        "–",
        "−2.2 packs per person since 1986",
    ]


def test_kpi_table_escapes_and_says_when_there_are_no_kpis(model) -> None:
    import dataclasses

    kpi_ = dataclasses.replace(model.kpis[0], name="<script>x</script>")
    hostile = dataclasses.replace(model, kpis=(kpi_,))
    table = dashboard.kpi_table(kpi.compute(hostile))
    assert "&lt;script&gt;x&lt;/script&gt;" in table
    assert "<script>" not in table
    empty = dataclasses.replace(model, kpis=())
    assert dashboard.kpi_table(kpi.compute(empty), lang="ja") == (
        "<p>このロジックモデルにはKPIがありません。</p>"
    )


def test_changes_since_in_japanese_names_the_kpi_and_its_status(model) -> None:
    report = kpi.compute(model)
    earlier = json.loads(json.dumps(report.to_dict()))
    kpi_ = earlier["kpis"]["sales_per_capita"]
    kpi_["periods"].pop()  # 2000 was not out yet
    kpi_["periods"][-1]["actual"] = 47.0  # 1999 has since been revised to 47.2
    kpi_["summary"]["status"] = "on track"
    kpi_["target"]["value"] = 45.0
    assert dashboard.changes_since(report, earlier, lang="ja").splitlines() == [
        "- 1人あたりたばこ販売量：目標を2000の45から2000の40に変更",
        "- 1人あたりたばこ販売量：1999：47 から 47.2 に改定",
        "- 1人あたりたばこ販売量：2000：新しい値 41.6",
        "- 1人あたりたばこ販売量：状況が「順調」から「遅れ」に変化（最新期間 2000）",
    ]
    # the same changes in English, as kpi.changes words them
    assert dashboard.changes_since(report, earlier).splitlines()[-1] == (
        "- sales_per_capita: status changed from on track to off track (latest period 2000)"
    )


def test_an_unknown_language_is_refused_not_shown_in_english(model) -> None:
    """A notebook parameter `lang: jp` stops at the heading, the first thing the dashboard
    shows, rather than publishing an English page."""
    report = kpi.compute(model)
    now = report.to_dict()
    unknown = r"^lang='fr' is not supported\. Choose one of: 'en', 'ja'\.$"
    with pytest.raises(InvalidOptionError, match=unknown):
        kpi.changes(now, now, lang="fr")
    with pytest.raises(InvalidOptionError, match=unknown):
        dashboard.heading(model, lang="fr")
    with pytest.raises(InvalidOptionError, match=unknown):
        dashboard.kpi_table(report, lang="fr")
    with pytest.raises(InvalidOptionError, match=unknown):
        dashboard.changes_since(report, now, lang="fr")


def test_the_diagnostics_of_an_evaluation_read_in_japanese(model, tmp_path, monkeypatch) -> None:
    head = _headline(-19, -29, -9, method="event_study", diagnostics={"pretrend": {"p_value": 0.4}})
    _manifest(tmp_path, "R1", [{"name": SC[1], "status": "ok", "headline": head}])
    monkeypatch.delenv(RUN_DIR_ENV, raising=False)
    ev = dashboard.evidence(model, out_dir=tmp_path)[SC]
    assert ev["diagnostics"] == [
        "pass: pre-trends: p = 0.4 (no evidence against parallel pre-trends)"
    ]
    ja = dashboard.evidence_table(model, {SC: ev}, lang="ja")
    assert "適合：事前トレンドの検定：p = 0.4（平行トレンドに反する証拠なし）" in ja
    assert "pass: pre-trends" in dashboard.evidence_table(model, {SC: ev})


def test_evidence_table_in_japanese(model) -> None:
    ev = _found(status="warn", diagnostics=["pre-period fit"])
    table = dashboard.evidence_table(model, {SC: ev}, lang="ja")
    assert (
        "<th>つながり</th><th>評価</th><th>推定値</th><th>信頼区間</th><th>判定</th><th>診断</th>"
    ) in table
    assert "95%信頼区間 [−40.43, 1.19]" in table
    assert "? 判断できない（信頼区間が0を含む）" in table
    assert "想定：減少" in table  # the policy file expects fewer packs sold
    assert "! 注意: pre-period fit" in table
    assert "demo / prop99_synthetic_control; 実行 R1" in table
    assert "未評価（成功した実行の記録がありません）" in dashboard.evidence_table(
        model, {SC: None}, lang="ja"
    )


def test_plot_kpis_titles_and_legend_in_the_page_language(model) -> None:
    import matplotlib.pyplot as plt

    report = kpi.compute(model)
    for lang, title, legend in (
        ("en", "Cigarette sales per capita (lower is better)", ["target path", "actual"]),
        ("ja", "1人あたりたばこ販売量 (低いほど良い)", ["目標経路", "実績"]),
    ):
        fig = dashboard.plot_kpis(model, report, lang=lang)
        (ax,) = fig.axes
        assert ax.get_title(loc="left") == title
        texts = [t.get_text() for t in ax.get_legend().get_texts()]
        assert texts[:2] == legend
        assert texts[-1] == (
            "target 40 packs per person" if lang == "en" else "目標 40 packs per person"
        )
        plt.close(fig)


def test_plot_kpis_draws_the_path_on_to_a_target_the_data_has_not_reached(model) -> None:
    """A target in 2005 (after the panel's last year): the dashed path stops at 2000 and a
    dotted line goes on to the target; values and ticks read with thousands separators."""
    import dataclasses

    import matplotlib.pyplot as plt
    import pandas as pd

    (sales,) = model.kpis
    later = dataclasses.replace(
        sales,
        baseline=dataclasses.replace(sales.baseline, value=90100.0),
        target=kpi.Milestone(value=40000.0, period=pd.Period("2005", "Y")),
    )
    panel = kpi.compute(model).table("sales_per_capita")  # only to know the years
    model_later = dataclasses.replace(model, kpis=(later,))
    fig = dashboard.plot_kpis(model_later, kpi.compute(model_later))
    (ax,) = fig.axes
    dotted = [line for line in ax.get_lines() if line.get_linestyle() == ":"]
    (rest,) = dotted
    xs, ys = rest.get_data()
    assert pd.Timestamp(xs[-1]) == pd.Timestamp("2005-01-01")
    assert ys[-1] == 40000.0
    assert pd.Timestamp(xs[0]) == panel["period_start"].iloc[-1]  # where the data stops
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert "baseline 90,100 packs per person" in labels
    assert "target 40,000 packs per person" in labels
    fig.canvas.draw()
    ticks = [t.get_text() for t in ax.get_yticklabels() if t.get_text()]
    assert any("," in t for t in ticks), ticks
    plt.close(fig)


# --- what the evidence says about each link ---------------------------------------------------
def _expecting(model: kpi.LogicModel, expected: str) -> kpi.LogicModel:
    """The demo policy with every link's evidence expecting ``expected``."""
    import dataclasses

    links = tuple(
        dataclasses.replace(lk, evidence=dataclasses.replace(lk.evidence, expected=expected))
        if lk.evidence
        else lk
        for lk in model.links
    )
    return dataclasses.replace(model, links=links)


#: (interval, the links' expected direction, verdict, its words in English and in Japanese)
CASES = [
    ((-30.0, -9.0), "decrease", "supports", "✓ supports", "✓ 効果を支持"),
    ((-30.0, -9.0), "either", "supports", "✓ supports", "✓ 効果を支持"),
    ((-40.43, 1.19), "decrease", "inconclusive", "? inconclusive", "? 判断できない"),
    ((-40.43, 1.19), "either", "inconclusive", "? inconclusive", "? 判断できない"),
    ((9.0, 30.0), "decrease", "contradicts", "✗ contradicts", "✗ 想定と逆"),
    ((None, None), "decrease", "ran", "– ran, no interval", "– 推定値のみ"),
]
LONG = {
    "supports": (
        "supports the link (the interval excludes 0)",
        "効果を支持（信頼区間が0を含まない）",
    ),
    "inconclusive": ("inconclusive (the interval includes 0)", "判断できない（信頼区間が0を含む）"),
    "contradicts": (
        "contradicts the expected direction (the interval excludes 0 on the other side)",
        "想定と逆（信頼区間が想定と逆の側で0を含まない）",
    ),
    "ran": (
        "ran, without an interval to judge the link by",
        "実行済み（信頼区間がなく、判断できない）",
    ),
}


@pytest.mark.parametrize(("interval", "expected", "said", "en", "ja"), CASES)
def test_each_link_of_the_demo_policy_says_what_its_interval_shows(
    model, interval, expected, said, en, ja
) -> None:
    """On prop99.yaml, both links into `sales` name the synthetic control: each gets the
    verdict of its interval against the direction it expects, in the diagram and the table,
    in English and Japanese; "✓ ok" is nowhere."""
    policy = _expecting(model, expected)
    low, high = interval
    found = {SC: _found(low=low, high=high, label="Proposition 99 and cigarette sales")}
    links = [(lk.source, lk.target) for lk in model.links_with_evidence()]
    assert dashboard.verdicts(policy, found) == dict.fromkeys(links, said)
    for lang, short, long in (("en", en, LONG[said][0]), ("ja", ja, LONG[said][1])):
        root = ET.fromstring(dashboard.diagram(policy, found=found, lang=lang))
        groups = [e for e in root.iter() if e.get("class") == "lm-link"]
        assert {
            (g.get("data-source"), g.get("data-target")): g.get("data-verdict") for g in groups
        } == {
            (lk.source, lk.target): (said if lk.evidence else "not evaluated") for lk in model.links
        }
        labels = [
            " ".join(" ".join(e.itertext()).split())
            for e in root.iter()
            if e.get("class") == "lm-link-label" and e.get("data-verdict") == said
        ]
        assert len(labels) == 2
        assert all(label.endswith(short) for label in labels)
        assert all("ok" not in label.split() and "正常" not in label for label in labels)
        table = dashboard.evidence_table(policy, found, lang=lang)
        assert table.count(f'<td data-verdict="{said}"><b>{short[:2]}{long}</b>') == 2


def test_not_evaluated_links_of_the_demo_policy_in_both_languages(model) -> None:
    links = [(lk.source, lk.target) for lk in model.links_with_evidence()]
    assert dashboard.verdicts(model, {SC: None}) == dict.fromkeys(links, "not evaluated")
    for lang, words in (("en", "– not evaluated"), ("ja", "– 未評価")):
        root = ET.fromstring(dashboard.diagram(model, found={SC: None}, lang=lang))
        verdicts = {e.get("data-verdict") for e in root.iter() if e.get("class") == "lm-link"}
        assert verdicts == {"not evaluated"}
        assert words in dashboard.evidence_table(model, {SC: None}, lang=lang)
        assert dashboard.verdict_word("not evaluated", lang=lang) == words


def test_a_warning_still_shows_beside_the_verdict(model) -> None:
    ev = _found(status="warn", diagnostics=["warn: few clusters"])
    for lang, verdict_words, warn in (
        ("en", "? inconclusive", "! warn"),
        ("ja", "? 判断できない", "! 注意"),
    ):
        root = ET.fromstring(dashboard.diagram(model, found={SC: ev}, lang=lang))
        (label, _) = [
            e
            for e in root.iter()
            if e.get("class") == "lm-link-label" and e.get("data-verdict") == "inconclusive"
        ]
        badges = [" ".join(b.itertext()) for b in label.iter() if b.get("class") == "lm-badge"]
        assert badges == [verdict_words, warn]
        assert f"{warn}: warn: few clusters" in dashboard.evidence_table(model, {SC: ev}, lang=lang)


def test_the_verdict_comes_from_the_recorded_run_of_the_demo_policy(model, tmp_path) -> None:
    """From the headline a run recorded (its conf_low and conf_high), through evidence()."""
    head = _headline(-19.62, -40.43, 1.19, label="Proposition 99 and cigarette sales")
    _manifest(tmp_path, "R1", [{"name": SC[1], "status": "ok", "headline": head}])
    found = dashboard.evidence(model, out_dir=tmp_path)
    assert set(dashboard.verdicts(model, found).values()) == {"inconclusive"}
    assert set(dashboard.verdicts(_expecting(model, "increase"), found).values()) == {
        "inconclusive"
    }
    sharper = _headline(-19.62, -30.0, -9.0)
    _manifest(tmp_path, "R2", [{"name": SC[1], "status": "ok", "headline": sharper}])
    found = dashboard.evidence(model, out_dir=tmp_path)
    assert set(dashboard.verdicts(_expecting(model, "decrease"), found).values()) == {"supports"}
    assert set(dashboard.verdicts(_expecting(model, "increase"), found).values()) == {"contradicts"}


def test_the_evaluation_is_named_by_its_title_with_its_task_as_a_detail(model) -> None:
    ev = _found(label="Proposition 99 and cigarette sales", report="../demo/sc.html")
    root = ET.fromstring(dashboard.diagram(model, found={SC: ev}))
    labels = [
        " ".join(" ".join(e.itertext()).split())
        for e in root.iter()
        if e.get("class") == "lm-link-label" and e.get("data-verdict") == "inconclusive"
    ]
    assert len(labels) == 2
    assert all(t.startswith("Proposition 99 and cigarette sales") for t in labels)
    assert all("prop99_synthetic_control" not in t for t in labels)
    titles = [
        e.find("{http://www.w3.org/2000/svg}title").text
        for e in root.iter()
        if e.get("class") == "lm-link" and e.get("data-verdict") == "inconclusive"
    ]
    assert all(
        "Proposition 99 and cigarette sales (demo / prop99_synthetic_control)" in t for t in titles
    )
    table = dashboard.evidence_table(model, {SC: ev})
    assert (
        '<a href="../demo/sc.html">Proposition 99 and cigarette sales</a><br>'
        "<small>demo / prop99_synthetic_control; run R1</small>"
    ) in table


def test_an_unknown_verdict_word_is_refused() -> None:
    with pytest.raises(
        InvalidOptionError, match=r"^verdict='support' is not supported\. Did you mean 'supports'"
    ):
        dashboard.verdict_word("support")


def test_what_changed_names_fiscal_years_by_era_in_japanese(model) -> None:
    import dataclasses

    import pandas as pd

    from ebpm import catalog

    k = model.kpis[0]
    fiscal = dataclasses.replace(
        k,
        frequency="fiscal_year",
        baseline=dataclasses.replace(k.baseline, period=pd.Period("1988-04-01", "Y-MAR")),
        target=dataclasses.replace(k.target, period=pd.Period("2000-04-01", "Y-MAR")),
    )
    fm = dataclasses.replace(model, kpis=(fiscal,))
    panel = catalog.load("studies.prop99")
    before = kpi.compute(fm, data={"sales_per_capita": panel[panel["Year"] < 2000]}).to_dict()
    now = kpi.compute(fm)
    ja = dashboard.changes_since(now, before, lang="ja")
    assert "2000年度（平成12年度）" in ja
    assert "FY" not in ja
    assert "FY2000" in dashboard.changes_since(now, before)
