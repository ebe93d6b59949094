"""Tests of the site index (ebpm.site.index): rows, estimates, failures, notes, escaping."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from ebpm import site
from ebpm.site.index import _FILTER_JS
from tests.site.conftest import (
    ORGAN,
    PROP99,
    failed_record,
    headline,
    ok_record,
    record,
)


def _rows(text: str) -> list[str]:
    return re.findall(r'<tr class="evaluation">.*?</tr>', text)


def test_empty_index_says_how_to_start(tmp_path: Path) -> None:
    path = site.build_index(tmp_path)
    assert path == tmp_path / "index.html"
    text = path.read_text(encoding="utf-8")
    assert text.startswith("<!DOCTYPE html>")
    assert "No reports yet. Run <code>ebpm run PIPELINE</code>." in text


def test_index_lists_ok_reports_with_their_estimates(tmp_path: Path) -> None:
    state = record({"pipelines": {}}, "organ", ok_record("r1", ORGAN, "reports/demo/organ.html"))
    state = record(state, "prop99", ok_record("r1", PROP99, "reports/demo/prop99.html"))
    text = site.build_index(tmp_path, state).read_text(encoding="utf-8")
    assert "<h2>demo</h2>" in text
    assert '<p class="muted">The demo.</p>' in text
    assert '<a href="reports/demo/organ.html">organ</a>' in text
    assert (
        '<td class="num" data-key="-0.022459">ATT -0.0225 <span class="muted">(0.0061)<br>95% CI '
        "[-0.0351, -0.0099]</span></td>"
    ) in text
    assert (
        '<td class="num" data-key="-27.349">ATT -27.349 <span class="muted">(2.802)<br>95% CI '
        "[-33.022, -21.676]"
    ) in text
    assert text.count('<span class="ok">ok</span>') == 2
    assert '<span class="muted">Organ donations</span>' in text

    assert (
        '<code>studies.organ_donations</code> <span class="muted">sha256 af5dff31de5b; '
        "causaldata 0.1.5</span>"  # the data vintage: the package version it shipped in
    ) in text
    assert text.index("organ.html") < text.index("prop99.html")  # tasks sorted
    assert "<code>r1</code>" in text
    assert "2026-01-02 03:04 UTC" in text  # when the task ran, in UTC on English pages


def test_index_names_each_evaluation_s_design(tmp_path: Path) -> None:
    result = {**ORGAN, "title": "Difference-in-differences <two-way FE>"}
    state = record({"pipelines": {}}, "organ", ok_record("r1", result, "reports/demo/organ.html"))
    text = site.build_index(tmp_path, state).read_text(encoding="utf-8")
    assert (
        '<span class="muted">Organ donations<br><span class="design">'
        "Difference-in-differences &lt;two-way FE&gt;</span></span>"
    ) in text


def test_index_reads_the_saved_state_by_default(tmp_path: Path) -> None:
    state = record({"pipelines": {}}, "organ", ok_record("r7", ORGAN, "reports/demo/organ.html"))
    site.save_state(tmp_path, state)
    text = site.build_index(tmp_path).read_text(encoding="utf-8")
    assert '<a href="reports/demo/organ.html">organ</a>' in text
    assert "<code>r7</code>" in text


def test_index_shows_a_failure_and_the_last_good_report(tmp_path: Path) -> None:
    state = record({"pipelines": {}}, "organ", ok_record("r1", ORGAN, "reports/demo/organ.html"))
    state = record(state, "organ", failed_record("r2", "failures/demo/organ.html"))
    text = site.build_index(tmp_path, state).read_text(encoding="utf-8")
    assert '<span class="failed">failed</span> <a href="failures/demo/organ.html">why</a>' in text
    assert (
        '<br><span class="muted">last good report: <a href="reports/demo/organ.html">run r1</a>'
        "</span>"
    ) in text
    assert '<td class="num" data-key="-0.022459">ATT -0.0225 ' in text  # the last good estimate
    assert "(from the last good report)" in text  # ... labelled as such
    assert "<td>organ<br>" in text  # the name itself is not a link to a report of this run
    assert "<code>r2</code>" in text


def test_index_shows_a_failure_without_any_report(tmp_path: Path) -> None:
    state = record({"pipelines": {}}, "organ", failed_record("r1", "failures/demo/organ.html"))
    state = record(state, "bare", failed_record("r1", None))
    text = site.build_index(tmp_path, state).read_text(encoding="utf-8")
    assert '<a href="failures/demo/organ.html">why</a>' in text
    assert '<td><span class="failed">failed</span></td>' in text  # no failure page: no link
    assert "last good report:" not in text
    assert "(from the last good report)" not in text
    assert '<td class="num">–</td>' in text


def test_index_escapes_names_and_descriptions(tmp_path: Path) -> None:
    state = site.record_task(
        {"pipelines": {}},
        pipeline="p<1>",
        description="a & b <script>",
        task='t"<x>',
        record=ok_record("r1", {**ORGAN, "label": "<b>label</b>"}, 'reports/p/t".html'),
    )
    text = site.build_index(tmp_path, state).read_text(encoding="utf-8")
    assert text.count("<script>") == 1  # ebpm's own filter and sort script, nothing else
    assert f"<script>{_FILTER_JS}</script>" in text
    assert "a &amp; b &lt;script&gt;" in text
    assert "<h2>p&lt;1&gt;</h2>" in text
    assert 'href="reports/p/t&quot;.html"' in text
    assert "&lt;b&gt;label&lt;/b&gt;" in text


def test_index_formats_large_numbers_and_missing_values(tmp_path: Path) -> None:
    big = headline(1234.56, 150.0, float("nan"), float("inf"), "big")
    big["conf_level"] = 0.9
    state = record({"pipelines": {}}, "big", ok_record("r1", big, "reports/demo/big.html"))
    text = site.build_index(tmp_path, state).read_text(encoding="utf-8")
    assert 'ATT 1234.6 <span class="muted">(150.0)<br>90% CI [–, –]</span>' in text


def test_index_names_an_interval_that_is_not_a_confidence_interval(tmp_path: Path) -> None:
    """Moran's I: the result says its interval is a band under the null; the index does not
    call it a CI (results without the field, recorded before it existed, are CIs)."""
    band = "intervals: I ± z × sd of the permutation distribution, a rough guide"
    moran = {**headline(0.412, 0.05, 0.1, 0.2, "Tokyo"), "interval_label": band}
    state = record({"pipelines": {}}, "moran", ok_record("r1", moran, "reports/demo/moran.html"))
    state = record(state, "organ", ok_record("r1", ORGAN, "reports/demo/organ.html"))
    text = site.build_index(tmp_path, state).read_text(encoding="utf-8")
    assert f'<br>95% <abbr title="{band}">interval</abbr> [0.1000, 0.2000]' in text
    assert text.count(" CI [") == 1  # organ donations' interval is a confidence interval


def test_a_missing_estimate_is_a_warning_not_ok(tmp_path: Path) -> None:
    nan = float("nan")
    blank = headline(nan, nan, nan, nan, "blank")
    state = record({"pipelines": {}}, "blank", ok_record("r1", blank, "reports/demo/blank.html"))
    (row,) = _rows(site.build_index(tmp_path, state).read_text(encoding="utf-8"))
    assert (
        '<td><span class="warn">warning: estimate missing (NaN); read the report</span></td>'
    ) in row
    assert '<span class="ok">ok</span>' not in row
    assert 'ATT – <span class="muted">(–)<br>95% CI [–, –]</span>' in row
    assert '<td data-key="none">–</td>' in row  # no diagnostics recorded


def test_an_unchanged_and_revised_task_says_so(tmp_path: Path) -> None:
    rec = ok_record("r5", ORGAN, "reports/demo/organ.html")
    rec["unchanged_since"] = "r3"
    rec["checked_run_id"] = "r5"
    rec["revision"] = {"old": {"estimate": -0.02}, "previous_run": "r2"}
    state = record({"pipelines": {}}, "organ", rec)
    (row,) = _rows(site.build_index(tmp_path, state).read_text(encoding="utf-8"))
    assert (
        '<td><span class="ok">ok</span><br><span class="muted">unchanged since run r3; '
        'checked by run r5</span><br><span class="failed">revised</span> '
        '<span class="muted">was -0.0200 in run r2</span></td>'
    ) in row


def test_a_long_estimand_goes_below_the_estimate(tmp_path: Path) -> None:
    long = {**ORGAN, "estimand": "Average treatment effect <on the treated>"}
    state = record({"pipelines": {}}, "organ", ok_record("r1", long, "reports/demo/organ.html"))
    (row,) = _rows(site.build_index(tmp_path, state).read_text(encoding="utf-8"))
    assert (
        '<td class="num" data-key="-0.022459">-0.0225 <span class="muted">(0.0061)<br>95% CI '
        '[-0.0351, -0.0099]</span><br><span class="muted estimand">'
        "Average treatment effect &lt;on the treated&gt;</span></td>"
    ) in row


def test_the_history_link_appears_only_when_the_page_exists(tmp_path: Path) -> None:
    state = record({"pipelines": {}}, "organ", ok_record("r1", ORGAN, "reports/demo/organ.html"))
    assert "history/demo/organ.html" not in site.build_index(tmp_path, state).read_text("utf-8")
    page = tmp_path / "history" / "demo" / "organ.html"
    page.parent.mkdir(parents=True)
    page.write_text("<p>history</p>", encoding="utf-8")
    text = site.build_index(tmp_path, state).read_text(encoding="utf-8")
    assert (
        '<a href="reports/demo/organ.html">organ</a> · '
        '<a class="muted" href="history/demo/organ.html">history</a>'
    ) in text


def test_pipelines_are_sorted_by_name(tmp_path: Path) -> None:
    state = record({"pipelines": {}}, "t", ok_record("r1", ORGAN, "reports/zeta/t.html"), "zeta")
    state = record(state, "t", ok_record("r1", ORGAN, "reports/alpha/t.html"), "alpha")
    text = site.build_index(tmp_path, state).read_text(encoding="utf-8")
    assert re.findall(r"<h2>(\w+)</h2>", text) == ["alpha", "zeta"]


def test_a_japanese_index_embeds_its_glyphs_from_the_font_cache(tmp_path: Path) -> None:
    state = record({"pipelines": {}}, "organ", ok_record("r1", ORGAN, "reports/demo/organ.html"))
    state["lang"] = "ja"
    text = site.build_index(tmp_path, state).read_text(encoding="utf-8")
    assert '<html lang="ja">' in text
    assert "<title>政策評価の一覧</title>" in text
    assert "<th data-sort>主な推定値（標準誤差）</th>" in text
    assert "@font-face" in text
    assert len(list((tmp_path / "_ebpm" / "fonts").glob("*.woff"))) == 1


def test_a_japanese_index_says_status_interval_diagnostics_and_dates_in_japanese(
    tmp_path: Path,
) -> None:
    state = {
        "lang": "ja",
        "pipelines": {
            "p": {
                "description": "",
                "tasks": {
                    "did": {
                        "status": "ok",
                        "report": "reports/p/did.html",
                        "run_id": "r1",
                        "finished_at": "2026-01-02T20:04:05+00:00",
                        "datasets": [
                            {
                                "entry": "estat.x",
                                "sha256": "ab" * 32,
                                "retrieved_at": "2026-01-01T00:00:00Z",
                            }
                        ],
                        "headline": {
                            "headline": {
                                "estimate": -0.02,
                                "std_error": 0.006,
                                "conf_low": -0.035,
                                "conf_high": -0.01,
                            },
                            "estimand": "ATT",
                            "diagnostics": {"pretrend": {"p_value": 0.4}},
                        },
                    },
                    "gone": {"status": "blocked", "run_id": "r2", "reason": "needs did"},
                },
            }
        },
    }
    text = site.build_index(tmp_path, state).read_text(encoding="utf-8")
    assert '<span class="ok">正常</span>' in text
    assert '<span class="failed">未実行（依存先の失敗）</span>' in text
    assert "95% 信頼区間" in text
    assert "適合</span> 事前トレンドの検定：p = 0.4（平行トレンドに反する証拠なし）" in text
    assert "2026年1月3日 05:04（日本時間）" in text  # 20:04 UTC is the next morning in Japan
    assert "2026年1月1日 09:00（日本時間） 取得" in text


def _graded() -> dict[str, Any]:
    """A headline of an event study whose pre-trend test failed (SMS 3, one level down)."""
    return {**ORGAN, "method": "event_study", "diagnostics": {"pretrend": {"p_value": 0.01}}}


def test_each_evaluation_shows_its_evidence_grade_and_why(tmp_path: Path) -> None:
    state = record({"pipelines": {}}, "es", ok_record("r1", _graded(), "reports/demo/es.html"))
    state = record(state, "organ", ok_record("r1", ORGAN, "reports/demo/organ.html"))
    text = site.build_index(tmp_path, state).read_text(encoding="utf-8")
    (es,) = [r for r in _rows(text) if "es.html" in r]
    assert (
        '<details class="grade" data-grade="2"><summary title="Maryland Scientific Methods '
        'Scale level 2: cross-section or before-and-after comparison, with controls">'
        "Evidence grade: <b>SMS 2/5</b></summary>"
    ) in es
    assert (
        "<ul><li>event study: the treated before and after against a comparison group, period "
        "by period (SMS 3)</li><li>one level down: the pre-trend test rejects parallel trends "
        "(p = 0.01)</li></ul></details>"
    ) in es
    (organ,) = [r for r in _rows(text) if "organ.html" in r]
    assert "grade" not in organ  # a headline that names no design is not graded
    assert '<td data-key="none">–</td>' in organ


def test_the_grade_in_japanese(tmp_path: Path) -> None:
    state = record({"pipelines": {}}, "es", ok_record("r1", _graded(), "reports/demo/es.html"))
    state["lang"] = "ja"
    text = site.build_index(tmp_path, state).read_text(encoding="utf-8")
    assert "エビデンスの強さ：<b>SMS 2/5</b>" in text
    assert (
        'title="メリーランド科学的手法尺度 レベル2：統制変数のある横断比較または前後比較"' in text
    )
    assert "<li>1 段階下げる：事前トレンドの検定が平行トレンドを棄却（p = 0.01）</li>" in text


def test_the_grade_cell_is_escaped_and_holds_no_secret(tmp_path: Path) -> None:
    """The grade reads the headline's method, design and diagnostics: whatever they hold
    (markup, a key passed as a parameter) reaches the page escaped or not at all."""
    head = {
        **_graded(),
        "label": "<img src=x onerror=alert(1)>",
        "design": {"unit": "<script>alert(1)</script>", "control": ['"><script>x</script>']},
        "method": "its",
    }
    head["diagnostics"] = {
        "pretrend": {"p_value": 0.01},
        "api_key": "SECRET-KEY-123",
        "sensitivity": {"method": "<b>rm</b>", "original": [-2, -1], "breakdown": 0.5},
    }
    rec = ok_record("r1", head, "reports/demo/its.html")
    rec["parameters"] = {"appId": "SECRET-KEY-123", "api_key": "SECRET-KEY-123"}
    state = record({"pipelines": {}}, "its", rec)
    text = site.build_index(tmp_path, state).read_text(encoding="utf-8")
    (row,) = _rows(text)
    grade_cell = re.search(r'<details class="grade".*?</details>', row)
    assert grade_cell is not None
    assert "SMS 2/5" in grade_cell.group(0)  # a controlled ITS (3), one level down
    assert "SECRET-KEY-123" not in text
    for raw in ("<script>", "<img", "<b>rm</b>"):
        assert raw not in row
    assert text.count("<script>") == 1  # ebpm's own filter and sort script


def test_the_index_says_whether_a_run_follows_its_analysis_plan(tmp_path: Path) -> None:
    follows = {**ok_record("r1", ORGAN, "reports/demo/a.html"), "prereg": {"deviations": []}}
    departs = {
        **ok_record("r1", ORGAN, "reports/demo/b.html"),
        "prereg": {"deviations": [{"kind": "parameter"}, {"kind": "cell"}]},
    }
    state = record(record({"pipelines": {}}, "a", follows), "b", departs)
    state = record(state, "c", ok_record("r1", ORGAN, "reports/demo/c.html"))  # no plan
    rows = _rows(site.build_index(tmp_path, state).read_text(encoding="utf-8"))
    assert '<span class="muted" data-prereg="follows">follows its analysis plan</span>' in rows[0]
    assert (
        '<span class="warn" data-prereg="departs">departs from its analysis plan in 2 way(s)'
        in rows[1]
    )
    assert "data-prereg" not in rows[2]  # a pipeline without a plan: nothing about plans
    ja = site.build_index(tmp_path, {**state, "lang": "ja"}).read_text(encoding="utf-8")
    assert "分析計画から 2 点の逸脱" in ja
