"""ebpm's languages and the words of every page it writes, by area, in English and Japanese.

One language type (:data:`Lang`), one check (:func:`check_lang`), and the word tables of each
area of output side by side, so a term reads the same everywhere: "interval" is 信頼区間 on the
site, the dashboard and the diagram alike (a test compares the tables). A page takes its area's
table with :func:`words`; values are ``str.format`` templates.

This module imports nothing of ebpm but its errors.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta, timezone
from typing import Any, Literal, cast, get_args

from ebpm.errors import check_option

__all__ = [
    "AREAS",
    "CHANGES",
    "DASHBOARD",
    "DESIGN",
    "DESIGN_TITLES_JA",
    "DIAGNOSTICS",
    "DIAGRAM",
    "FIGURES",
    "FOOTER",
    "LANGS",
    "RESULT",
    "SITE",
    "Lang",
    "Words",
    "check_lang",
    "current_lang",
    "when",
    "words",
]

#: The languages of ebpm's pages.
Lang = Literal["en", "ja"]
LANGS: tuple[Lang, ...] = get_args(Lang)

#: An area's words: language → key → text (a ``str.format`` template).
Words = dict[str, dict[str, str]]


def check_lang(lang: Any, *, name: str = "lang") -> Lang:
    """``lang`` if ebpm's pages speak it, else an :class:`~ebpm.errors.InvalidOptionError`
    naming it and the choices."""
    return cast(Lang, check_option(name, lang, Lang))


def words(area: Words, lang: Any) -> dict[str, str]:
    """The words of one area (:data:`SITE`, :data:`FOOTER`, ...) in ``lang``."""
    return area[check_lang(lang)]


_LANG_ENV = "EBPM_LANG"  # carries the site's language to a kernel: ebpm._protocol.LANG_ENV


def current_lang(lang: Any = None) -> Lang:
    """``lang`` if given (checked), else the site's, which ``ebpm run`` passes to each kernel
    as ``EBPM_LANG`` (English when unset or unknown): the default of every ``lang=None``."""
    if lang is not None:
        return check_lang(lang)
    env = os.environ.get(_LANG_ENV, "en")
    return env if env in LANGS else "en"


#: The design statement's labels (:func:`ebpm.report.design_statement`).
DESIGN: Words = {
    "en": {
        "estimand": "Estimand",
        "treatment": "Treatment and timing",
        "comparison": "Comparison group",
        "unit": "Unit of analysis",
        "period": "Period",
        "identification": "Identifying assumption",
    },
    "ja": {
        "estimand": "推定対象",
        "treatment": "処置と時期",
        "comparison": "比較群",
        "unit": "分析単位",
        "period": "期間",
        "identification": "識別の仮定",
    },
}

#: The report site: index, report pages, history and failure pages (``ebpm run --lang``).
SITE: Words = {
    "en": {
        "title": "Policy evaluations",
        "intro": "Built by ebpm. Each report states its design, data vintage and run; a failed "
        "rerun never replaces the last good report.",
        "report": "Report",
        "status": "Status",
        "no_estimate": "warning: estimate missing (NaN); read the report",
        "estimate": "Headline estimate (SE)",
        "diagnostics": "Diagnostics",
        "data": "Data",
        "run": "Run",
        "filter": "Filter",
        "placeholder": "words in any column, e.g. prop99 warn",
        "showing": "showing",
        "sort": "click a column heading to sort.",
        "machine": "Machine-readable:",
        "empty": "No reports yet. Run <code>ebpm run PIPELINE</code>.",
        "why": "why",
        "last_good": "last good report:",
        "from_last_good": "(from the last good report)",
        "unchanged": "unchanged since run {since}; checked by run {checked}",
        "revised": "revised",
        "was": "was {old} in run {run}",
        "run_word": "run",
        "all_reports": "← all reports",
        "show_code": "Show code",
        "hide_code": "Hide code",
        "informs": "Evidence for the policy:",
        "about": "About this report",
        "a_run": "Run",
        "of_pipeline": "{run} of pipeline {pipeline}, task {task}",
        "code": "Code",
        "commit": "git commit {commit}{dirty}",
        "dirty": " (with uncommitted changes)",
        "software": "Software",
        "parameters": "Parameters",
        "downloads": "Downloads",
        "none_recorded": "none recorded",
        "d_source": "source: {}",
        "d_licence": "licence: {}",
        "d_query": "query: {}",
        "history": "history",
        "history_title": "{task}: run history",
        "history_intro": "Every recorded run of this task of pipeline {pipeline} ({n} runs), "
        "newest first. The chart shows the headline estimate and its interval run by run "
        "(hollow: an unchanged rerun; a cross: a failed run).",
        "finished": "Finished",
        "interval": "Interval",
        "note": "Note",
        "kept_from": "unchanged; the report of run {run} stays",
        "rerun_of": "a rerun of {run}",
        "latest_report": "latest report",
        "failed_title": "{task} failed",
        "failed_where": "Pipeline {pipeline}, run {run}, notebook {notebook}.",
        "failing_cell": "Failing cell (In [{count}], cell {cell} of the notebook):",
        "error": "Error:",
        "traceback": "Traceback",
        "kept_at": "The executed notebook, outputs up to the failure, is kept at {path}.",
        "last_good_still": "The last good report is still published:",
        "no_last_good": "This task has no earlier good report.",
        "status_ok": "ok",
        "status_failed": "failed",
        "status_blocked": "blocked",
        "ci": "CI",
        "diag_pass": "pass",
        "diag_warn": "warn",
        "diag_info": "info",
        "dl_notebook": "executed notebook (.ipynb)",
        "dl_result": "result (JSON)",
        "dl_table": "estimates table (CSV)",
        "dl_microdata": "released microdata: {name} (CSV)",
    },
    "ja": {
        "title": "政策評価の一覧",
        "intro": "ebpm で作成。各レポートに評価デザイン、データの時点、実行記録を記載しています。"
        "再実行に失敗しても、直近の正常なレポートは差し替えられません。",
        "report": "レポート",
        "status": "状態",
        "no_estimate": "警告: 推定値がありません（NaN）。レポートを確認してください",
        "estimate": "主な推定値（標準誤差）",
        "diagnostics": "診断",
        "data": "データ",
        "run": "実行",
        "filter": "絞り込み",
        "placeholder": "どの列の語でも可（例: prop99 注意）",
        "showing": "表示",
        "sort": "列見出しをクリックすると並べ替えます。",
        "machine": "機械判読用:",
        "empty": "レポートはまだありません。<code>ebpm run PIPELINE</code> を実行してください。",
        "why": "理由",
        "last_good": "直近の正常なレポート:",
        "from_last_good": "（直近の正常なレポートの値）",
        "unchanged": "実行 {since} 以降変更なし（確認: 実行 {checked}）",
        "revised": "改訂",
        "was": "前回 {old}（実行 {run}）",
        "run_word": "実行",
        "all_reports": "← 一覧へ",
        "show_code": "コードを表示",
        "hide_code": "コードを隠す",
        "informs": "この評価を根拠とする政策:",
        "about": "このレポートについて",
        "a_run": "実行",
        "of_pipeline": "パイプライン {pipeline} のタスク {task}、実行 {run}",
        "code": "コード",
        "commit": "git コミット {commit}{dirty}",
        "dirty": "（未コミットの変更あり）",
        "software": "ソフトウェア",
        "parameters": "パラメータ",
        "downloads": "ダウンロード",
        "none_recorded": "記録なし",
        "d_source": "出典：{}",
        "d_licence": "利用条件：{}",
        "d_query": "条件：{}",
        "history": "履歴",
        "history_title": "{task}: 実行履歴",
        "history_intro": "パイプライン {pipeline} のこのタスクのすべての実行記録"
        "（{n} 件、新しい順）。"
        "グラフは実行ごとの主な推定値と信頼区間です（白抜き: 変更なしの再実行、×: 失敗した実行）。",
        "finished": "終了日時",
        "interval": "信頼区間",
        "note": "備考",
        "kept_from": "変更なし（実行 {run} のレポートを継続）",
        "rerun_of": "実行 {run} の再実行",
        "latest_report": "最新のレポート",
        "failed_title": "{task} の実行に失敗しました",
        "failed_where": "パイプライン {pipeline}、実行 {run}、ノートブック {notebook}。",
        "failing_cell": "失敗したセル（In [{count}]、ノートブックの {cell} 番目のセル）:",
        "error": "エラー:",
        "traceback": "トレースバック",
        "kept_at": "失敗までの出力を含む実行済みノートブックは {path} に保存されています。",
        "last_good_still": "直近の正常なレポートは引き続き公開されています:",
        "no_last_good": "このタスクには以前の正常なレポートがありません。",
        "status_ok": "正常",
        "status_failed": "失敗",
        "status_blocked": "未実行（依存先の失敗）",
        "ci": "信頼区間",
        "diag_pass": "適合",
        "diag_warn": "注意",
        "diag_info": "参考",
        "dl_notebook": "実行済みノートブック（.ipynb）",
        "dl_result": "推定結果（JSON）",
        "dl_table": "推定値の表（CSV）",
        "dl_microdata": "提供する個票：{name}（CSV）",
    },
}

#: The footer every report shows: run, data provenance, software.
FOOTER: Words = {
    "en": {
        "source": "Source:",
        "licence": "Licence:",
        "query": "Query:",
        "from": "From {}",
        "read": "read {}",
        "updated": "updated by the publisher {}",
        "stop": ".",
        "sep": ", ",
        "space": " ",
        "colon": ": ",
        "run": "Run <code>{run}</code>, generated {now}.",
        "data": "Data:",
        "none": "none recorded",
        "software": "Software: {}.",
    },
    "ja": {
        "source": "出典：",
        "licence": "利用条件：",
        "query": "条件：",
        "from": "取得元 {}",
        "read": "取得 {}",
        "updated": "公表者の更新 {}",
        "stop": "。",
        "sep": "、",
        "space": "",
        "colon": "：",
        "run": "実行 <code>{run}</code>、作成 {now}。",
        "data": "データ：",
        "none": "記録なし",
        "software": "ソフトウェア：{}。",
    },
}

#: The logic-model diagram and its text description.
DIAGRAM: Words = {
    "en": {
        "logic_model": "Logic model",
        "not_evaluated": "not evaluated",
        "no_data": "no data",
        "summary": "{title}: {nodes} nodes in {columns} columns ({chain}).",
        "nodes": "Nodes.",
        "links": "Links",
        "link": "Link",
        "no_links": "No links.",
        "kpi": "KPI",
        "estimate": "estimate {value}",
        "interval": "interval {low} to {high}",
        "status": "status {status}",
        "node_in": "{label} ({kind})",
        "arrow": " → ",
        "sep": ", ",
        "colon": ": ",
        "stop": ".",
        "quote": "{}",
        "supports": "supports",
        "inconclusive": "inconclusive",
        "contradicts": "contradicts",
        "ran": "ran, no interval",
        "supports_long": "supports the link (the interval excludes 0)",
        "inconclusive_long": "inconclusive (the interval includes 0)",
        "contradicts_long": "contradicts the expected direction (the interval excludes 0 on the "
        "other side)",
        "ran_long": "ran, without an interval to judge the link by",
        "expected_increase": "expected: an increase",
        "expected_decrease": "expected: a decrease",
        "expected_either": "expected: an effect either way",
        "detail": "{label} ({detail})",
    },
    "ja": {
        "logic_model": "ロジックモデル",
        "not_evaluated": "未評価",
        "no_data": "データなし",
        "summary": "{title}：ノード{nodes}件、{columns}列（{chain}）。",
        "nodes": "ノード。",
        "links": "リンク",
        "link": "リンク",
        "no_links": "リンクなし。",
        "kpi": "KPI",
        "estimate": "推定値 {value}",
        "interval": "信頼区間 {low}〜{high}",
        "status": "状態 {status}",
        "node_in": "{label}（{kind}）",
        "arrow": " → ",
        "sep": "、",
        "colon": "：",
        "stop": "。",
        "quote": "「{}」",
        "supports": "効果を支持",
        "inconclusive": "判断できない",
        "contradicts": "想定と逆",
        "ran": "推定値のみ",
        "supports_long": "効果を支持（信頼区間が0を含まない）",
        "inconclusive_long": "判断できない（信頼区間が0を含む）",
        "contradicts_long": "想定と逆（信頼区間が想定と逆の側で0を含まない）",
        "ran_long": "実行済み（信頼区間がなく、判断できない）",
        "expected_increase": "想定：増加",
        "expected_decrease": "想定：減少",
        "expected_either": "想定：増減を問わない",
        "detail": "{label}（{detail}）",
    },
}

#: The KPI dashboard's section headings and fixed sentences.
DASHBOARD: Words = {
    "en": {
        "logic_model": "Logic model and its evidence",
        "logic_model_text": "Each arrow is a link of the policy's logic: solid when an evaluation "
        "backs it (its latest estimate and interval), dashed when it has not been evaluated. "
        "Under each box, the KPIs followed up on it and their status against the target path.",
        "evidence": "Evidence for each link",
        "kpis": "KPIs against their targets",
        "changes": "Since the last follow-up",
        "first": "This is the first follow-up recorded for this dashboard.",
        "nothing": "Nothing changed since the last follow-up.",
        "no_evidence": "No link of this logic model names an evaluation yet.",
        "not_evaluated": "not evaluated yet (no good run recorded)",
        "col_link": "link",
        "col_evaluation": "evaluation",
        "col_estimate": "estimate",
        "col_interval": "interval",
        "col_diagnostics": "diagnostics",
        "run": "run",
        "ci": "{level} CI",
        "col_kpi": "KPI",
        "col_latest": "latest period",
        "col_actual": "actual",
        "col_path": "target path",
        "col_gap": "gap",
        "col_status": "status",
        "col_target": "target",
        "col_progress": "progress",
        "col_change": "change",
        "target_by": "{value} by {period}",
        "lower": "lower is better",
        "higher": "higher is better",
        "since": "{value} since {period}",
        "semi": "; ",
        "baseline_at": "baseline {value} ({period})",
        "no_kpis": "This logic model has no KPIs.",
        "legend_path": "target path",
        "legend_actual": "actual",
        "legend_on": "on track",
        "legend_off": "off track",
        "legend_baseline": "baseline {value}",
        "legend_target": "target {value}",
        "evidence_text": "Each evaluation's interval is read against the direction the policy "
        "expects (the link's expected): it supports the link when it excludes 0 on the "
        "expected side, is inconclusive when it includes 0, and contradicts the link when it "
        "excludes 0 on the other side. A link without an expected direction is supported by an "
        "effect either way. Diagnostic warnings are shown beside the verdict.",
        "col_verdict": "verdict",
        "sheet_tab": "Outcomes",
        "sheet_title": "Outcome targets and results (outcomes)",
        "sheet_subtitle": "For the outcome section of the Administrative Project Review Sheet "
        "(行政事業レビューシート), made by ebpm {version}",
        "sheet_policy": "Policy",
        "sheet_owner": "Responsible",
        "sheet_file": "Logic model",
        "sheet_vintage": "Data vintage",
        "sheet_made": "Made",
        "sheet_how": "Actual values are those ebpm.kpi.compute derived from the data, to full "
        "precision. An empty cell means the data has no value for that {unit}; its note and the "
        "remarks say why. Nothing is estimated or filled in.",
        "sheet_fy": "fiscal year",
        "sheet_year": "year",
        "sheet_term": "Term",
        "sheet_outcome": "Outcome",
        "sheet_indicator": "Indicator",
        "sheet_unit": "Unit",
        "sheet_baseline": "Baseline",
        "sheet_baseline_year": "Baseline {unit}",
        "sheet_actuals": "Actual values",
        "sheet_target": "Target",
        "sheet_target_year": "Target {unit}",
        "sheet_definition": "Definition of the indicator",
        "sheet_source": "Statistics or data used (source)",
        "sheet_reason": "Why this target",
        "sheet_logic": "Why this outcome (logic model)",
        "sheet_remarks": "Remarks",
        "sheet_no_kpi": "No indicator (KPI) measures this outcome yet.",
        "sheet_no_data": "The data has no actual value yet.",
        "sheet_cell_empty": "Empty: the data has no value for this {unit} ({dataset}).",
        "sheet_calendar": "Actual values are for calendar years (January to December).",
        "sheet_fiscal": "Actual values are for fiscal years (April to March).",
        "sheet_subannual": "A {frequency} indicator: no value per {unit} is filled in. Latest: "
        "{value} in {period}.",
        "sheet_quarterly": "quarterly",
        "sheet_monthly": "monthly",
        "sheet_baseline_note": "Baseline: {note}",
        "sheet_given": "data passed by the caller",
        "sheet_retrieved": "retrieved {date}",
        "sheet_updated": "updated by the publisher {date}",
        "sheet_package": "shipped with {package} {version}",
        "sheet_latest": "{kpi}: up to {period}",
        "sheet_none_yet": "{kpi}: no actual value yet",
        "sheet_source_of": "Source: {source}",
        "sheet_from": "From the link {link}: {text}",
    },
    "ja": {
        "logic_model": "ロジックモデルと根拠",
        "logic_model_text": "矢印は政策の論理のつながりです。実線は評価による根拠がある"
        "つながり（直近の推定値と信頼区間）、破線は未評価のつながりです。各ボックスの下に、"
        "そこで追跡するKPIと目標経路に対する状況を示します。",
        "evidence": "つながりごとの根拠",
        "kpis": "KPIと目標",
        "changes": "前回のフォローアップからの変化",
        "first": "このダッシュボードで記録された最初のフォローアップです。",
        "nothing": "前回のフォローアップから変化はありません。",
        "no_evidence": "このロジックモデルには、評価を示したつながりがまだありません。",
        "not_evaluated": "未評価（成功した実行の記録がありません）",
        "col_link": "つながり",
        "col_evaluation": "評価",
        "col_estimate": "推定値",
        "col_interval": "信頼区間",
        "col_diagnostics": "診断",
        "run": "実行",
        "ci": "{level}信頼区間",
        "col_kpi": "KPI",
        "col_latest": "最新期間",
        "col_actual": "実績",
        "col_path": "目標経路",
        "col_gap": "差",
        "col_status": "状況",
        "col_target": "目標",
        "col_progress": "進捗",
        "col_change": "前期比",
        "target_by": "{period}までに{value}",
        "lower": "低いほど良い",
        "higher": "高いほど良い",
        "since": "前期（{period}）比 {value}",
        "semi": "、",
        "baseline_at": "基準値 {value}（{period}）",
        "no_kpis": "このロジックモデルにはKPIがありません。",
        "legend_path": "目標経路",
        "legend_actual": "実績",
        "legend_on": "順調",
        "legend_off": "遅れ",
        "legend_baseline": "基準値 {value}",
        "legend_target": "目標 {value}",
        "evidence_text": "各評価の信頼区間を、政策が想定する効果の向き（つながりの expected）と"
        "照らして判定します。想定した側で0を含まなければ「効果を支持」、0を含めば「判断できない」、"
        "逆の側で0を含まなければ「想定と逆」です。向きを定めていないつながりでは、どちらの向きの"
        "効果も支持とみなします。診断の警告は判定と並べて示します。",
        "col_verdict": "判定",
        "sheet_tab": "アウトカム",
        "sheet_title": "成果目標及び成果実績（アウトカム）",
        "sheet_subtitle": "行政事業レビューシートへの転記用（ebpm {version} で作成）",
        "sheet_policy": "政策名",
        "sheet_owner": "所管",
        "sheet_file": "ロジックモデル",
        "sheet_vintage": "データの時点",
        "sheet_made": "作成日時",
        "sheet_how": "実績値は ebpm.kpi.compute がデータから算出した値です（丸めていません）。"
        "空欄はその{unit}の値がデータにないことを示し、理由をセルのメモと備考に記しています。"
        "推計や補完はしていません。",
        "sheet_fy": "年度",
        "sheet_year": "年",
        "sheet_term": "区分",
        "sheet_outcome": "成果目標",
        "sheet_indicator": "成果指標",
        "sheet_unit": "単位",
        "sheet_baseline": "基準値",
        "sheet_baseline_year": "基準{unit}",
        "sheet_actuals": "実績値",
        "sheet_target": "目標値",
        "sheet_target_year": "目標{unit}",
        "sheet_definition": "成果指標の定義",
        "sheet_source": "根拠として用いた統計・データ名（出典）",
        "sheet_reason": "目標値の設定根拠",
        "sheet_logic": "成果目標の設定理由（ロジックモデル）",
        "sheet_remarks": "備考",
        "sheet_no_kpi": "この成果目標には成果指標（KPI）が設定されていません。",
        "sheet_no_data": "実績値のデータがまだありません。",
        "sheet_cell_empty": "空欄：データにこの{unit}の値がありません（{dataset}）。",
        "sheet_calendar": "実績値は暦年（1〜12月）の値です。",
        "sheet_fiscal": "実績値は年度（4月〜翌年3月）の値です。",
        "sheet_subannual": "{frequency}の指標のため、{unit}ごとの実績値は記入していません。"
        "最新値：{period} {value}。",
        "sheet_quarterly": "四半期",
        "sheet_monthly": "月次",
        "sheet_baseline_note": "基準値：{note}",
        "sheet_given": "呼び出し側が渡したデータ",
        "sheet_retrieved": "取得 {date}",
        "sheet_updated": "公表者の更新 {date}",
        "sheet_package": "{package} {version} に同梱",
        "sheet_latest": "{kpi}：{period}まで",
        "sheet_none_yet": "{kpi}：実績値なし",
        "sheet_source_of": "出典：{source}",
        "sheet_from": "つながり {link}：{text}",
    },
}

#: The sentences of :func:`ebpm.kpi.changes` (what moved since the last follow-up).
CHANGES: Words = {
    "en": {
        "kpi": "{kpi}: {message}",
        "new kpi": "new KPI ({n} periods with values)",
        "removed kpi": "KPI removed",
        "baseline": "baseline",
        "target": "target",
        "at": "{value} in {period}",
        "target changed": "{what} changed from {old} to {new}",
        "new period": "{period}: new value {value}",
        "removed period": "{period}: the value {value} is gone",
        "revised": "{period}: revised from {old} to {new}",
        "status": "status changed from {old} to {new}",
        "latest": " (latest period {period})",
    },
    "ja": {
        "kpi": "{kpi}：{message}",
        "new kpi": "新しいKPI（値のある期間 {n}）",
        "removed kpi": "KPIが削除されました",
        "baseline": "基準値",
        "target": "目標",
        "at": "{period}の{value}",
        "target changed": "{what}を{old}から{new}に変更",
        "new period": "{period}：新しい値 {value}",
        "removed period": "{period}：値 {value} がなくなりました",
        "revised": "{period}：{old} から {new} に改定",
        "status": "状況が「{old}」から「{new}」に変化",
        "latest": "（最新期間 {period}）",
    },
}

#: The words of ebpm's figures (``result.plot()``, :mod:`ebpm.describe`, spatial plots).
FIGURES: Words = {
    "en": {
        "estimate_ci": "estimate ({level} CI)",
        "effect_ci": "effect on {outcome} ({level} CI)",
        "effect_band": "effect on {outcome} ({level} band)",
        "rdd_title": "{title}\njump at {running} = {cutoff}: {estimate} (robust {level} CI {low} "
        "to {high})",
        "rdd_x": "{running} (cutoff {cutoff}; shaded: bandwidth h)",
        "rdd_y": "{outcome} (bin means)",
        "es_before": "before treatment",
        "es_after": "after treatment",
        "es_reference": "reference period ({ref}, set to 0)",
        "es_x": "event time (periods since treatment)",
        "cs_pre": "pre-treatment",
        "cs_post": "post-treatment",
        "cs_x": "periods since first treated (event time)",
        "cs_title": "Event study (Callaway & Sant'Anna)",
        "cs_cohort": "cohort {cohort}",
        "cs_time": "{time} (hollow: before the cohort's first period)",
        "cs_by_cohort": "ATT(g,t) by cohort",
        "observed": "observed",
        "fitted": "fitted",
        "counterfactual": "counterfactual (no policy)",
        "intervention": "intervention",
        "sc_title": "{title}: ATT {att}",
        "synthetic_sc": "synthetic control",
        "synthetic_sdid": "synthetic (SDID)",
        "placebos": "placebos ({n} donors)",
        "gap": "gap in {outcome} (treated − synthetic)",
        "moran_slope": "slope = Moran's I = {i}",
        "moran_x": "{column} (standardised)",
        "moran_y": "spatial lag of {column}",
        "moran_title": "Moran scatterplot: I = {i}, p = {p}",
        "lisa_title": "LISA cluster map: {column} (p <= {alpha})",
        "cluster": "cluster",
        "HH": "HH",
        "LL": "LL",
        "LH": "LH",
        "HL": "HL",
        "not significant": "not significant",
        "treated_units": "treated ({n} units)",
        "comparison_units": "comparison ({n} units)",
        "starts": "treatment starts",
        "mean": "mean {outcome}",
        "groups_title": "{outcome}: treated vs comparison units",
    },
    "ja": {
        "estimate_ci": "推定値（{level}信頼区間）",
        "effect_ci": "{outcome}への効果（{level}信頼区間）",
        "effect_band": "{outcome}への効果（{level}同時信頼帯）",
        "rdd_title": "{title}\n{running} = {cutoff} での跳び：{estimate}（頑健な{level}信頼区間 "
        "{low}〜{high}）",
        "rdd_x": "{running}（閾値 {cutoff}、網掛け：バンド幅 h）",
        "rdd_y": "{outcome}（ビンごとの平均）",
        "es_before": "処置前",
        "es_after": "処置後",
        "es_reference": "基準期間（{ref}、0に固定）",
        "es_x": "イベント時点（処置からの期間）",
        "cs_pre": "処置前",
        "cs_post": "処置後",
        "cs_x": "最初の処置からの期間（イベント時点）",
        "cs_title": "イベントスタディ（Callaway & Sant'Anna）",
        "cs_cohort": "導入時期 {cohort}",
        "cs_time": "{time}（白抜き：導入時期より前）",
        "cs_by_cohort": "導入時期別の ATT(g,t)",
        "observed": "観測値",
        "fitted": "当てはめ値",
        "counterfactual": "反実仮想（政策なし）",
        "intervention": "介入",
        "sc_title": "{title}：ATT {att}",
        "synthetic_sc": "合成コントロール",
        "synthetic_sdid": "合成（SDID）",
        "placebos": "プラセボ（ドナー {n} 単位）",
        "gap": "{outcome}の差（処置 − 合成）",
        "moran_slope": "傾き = MoranのI = {i}",
        "moran_x": "{column}（標準化）",
        "moran_y": "{column}の空間ラグ",
        "moran_title": "Moran散布図：I = {i}、p = {p}",
        "lisa_title": "LISAクラスター地図：{column}（p ≤ {alpha}）",
        "cluster": "クラスター",
        "HH": "高-高（HH）",
        "LL": "低-低（LL）",
        "LH": "低-高（LH）",
        "HL": "高-低（HL）",
        "not significant": "有意でない",
        "treated_units": "処置群（{n} 単位）",
        "comparison_units": "比較群（{n} 単位）",
        "starts": "処置開始",
        "mean": "{outcome}の平均",
        "groups_title": "{outcome}：処置群と比較群",
    },
}

#: Every area, by name (the tests walk them).
AREAS: dict[str, Words] = {
    "site": SITE,
    "footer": FOOTER,
    "design": DESIGN,
    "diagram": DIAGRAM,
    "dashboard": DASHBOARD,
    "changes": CHANGES,
    "figures": FIGURES,
}

#: A headline estimate as a report shows it (:mod:`ebpm.report.result_html`).
RESULT: Words = {
    "en": {
        "term": "term",
        "estimate": "estimate",
        "std_error": "std_error",
        "statistic": "statistic",
        "p_value": "p_value",
        "conf_low": "conf_low",
        "conf_high": "conf_high",
        "n": "n = {n}",
        "inference": "inference: {}",
        "intervals": "{level} {label}",
        "assumption": "Identifying assumption: {}",
        "null hypothesis": "Null hypothesis: {}",
        "sep": "; ",
        "outcome": "outcome",
        "unit": "unit",
        "time": "time",
        "treated": "treated",
        "cohort": "cohort",
        "running": "running",
        "cutoff": "cutoff",
        "intervention": "intervention",
        "confidence intervals": "confidence intervals",
    },
    "ja": {
        "term": "項目",
        "estimate": "推定値",
        "std_error": "標準誤差",
        "statistic": "検定統計量",
        "p_value": "p値",
        "conf_low": "下限",
        "conf_high": "上限",
        "n": "観測数 {n}",
        "inference": "推論：{}",
        "intervals": "{level}{label}",
        "assumption": "識別の仮定：{}",
        "null hypothesis": "帰無仮説：{}",
        "sep": "、",
        "outcome": "結果変数",
        "unit": "単位",
        "time": "時点",
        "treated": "処置",
        "cohort": "導入時期",
        "running": "割当変数",
        "cutoff": "閾値",
        "intervention": "介入時点",
        "confidence intervals": "信頼区間",
    },
}

AREAS["result"] = RESULT

#: The diagnostics a result carries and how current its data are, as pages say them
#: (:func:`ebpm.report.evidence.diagnostics`, :func:`ebpm.report.evidence.data_vintage`).
DIAGNOSTICS: Words = {
    "en": {
        "test": "{name}: p = {p} ({says})",
        "pre-trends": "pre-trends",
        "density test": "density test",
        "parallel": "no evidence against parallel pre-trends",
        "not_parallel": "pre-period effects differ from zero",
        "no_sorting": "no sign of sorting at the cutoff",
        "sorting": "the running variable bunches at the cutoff",
        "placebo": "placebo p = {p} (share of units whose post/pre RMSPE ratio is at least the "
        "treated unit's)",
        "in_time": "in-time placebo at {at}: {estimate}",
        "ljung_box": "Ljung-Box p = {p}: {says}",
        "autocorrelated": "residuals are autocorrelated; the HAC errors allow for it",
        "independent": "no autocorrelation detected",
        "permutation": "permutation p = {p} ({n} permutations)",
        "made_by": "run {run}",
        "not_evaluated": "not evaluated yet",
        "updated": "updated {date}",
        "retrieved": "retrieved {when}",
    },
    "ja": {
        "test": "{name}：p = {p}（{says}）",
        "pre-trends": "事前トレンドの検定",
        "density test": "密度検定",
        "parallel": "平行トレンドに反する証拠なし",
        "not_parallel": "処置前の効果が0と異なる",
        "no_sorting": "閾値での操作の兆候なし",
        "sorting": "割当変数が閾値に集中",
        "placebo": "プラセボ p = {p}（処置後/処置前のRMSPE比が処置群以上の単位の割合）",
        "in_time": "時点プラセボ（{at}）：{estimate}",
        "ljung_box": "Ljung-Box検定 p = {p}：{says}",
        "autocorrelated": "残差に自己相関あり（HAC標準誤差で考慮）",
        "independent": "自己相関は検出されず",
        "permutation": "並べ替え検定 p = {p}（{n} 回）",
        "made_by": "実行 {run}",
        "not_evaluated": "未評価",
        "updated": "{date} 更新",
        "retrieved": "{when} 取得",
    },
}
AREAS["diagnostics"] = DIAGNOSTICS

#: Research designs by their estimator's ``method`` in Japanese (English: the estimators' own).
DESIGN_TITLES_JA = {
    "did": "差の差分法（二方向固定効果）",
    "staggered_did": "段階的導入の差の差分法（Callaway & Sant'Anna）",
    "event_study": "イベントスタディ",
    "synthetic_control": "合成コントロール法",
    "synthdid": "合成差の差分法",
    "rdd": "回帰不連続デザイン",
    "its": "分断時系列分析",
    "moran": "大域的MoranのI（空間的自己相関）",
}

#: Japan Standard Time, in which Japanese pages give dates.
_JST = timezone(timedelta(hours=9), "JST")


def when(iso: Any, lang: Any) -> str:
    """A recorded time (ISO 8601) as a page in ``lang`` shows it: English pages in UTC
    (``2026-12-07 13:50 UTC``), Japanese pages in Japan time (``2026年12月7日 22:50（日本時間）``).
    Anything that is not a time is shown as given."""
    lang = check_lang(lang)
    try:
        moment = datetime.fromisoformat(str(iso))
    except ValueError:
        return "" if iso is None else str(iso)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    if lang == "ja":
        t = moment.astimezone(_JST)
        return f"{t.year}年{t.month}月{t.day}日 {t:%H:%M}（日本時間）"
    return f"{moment.astimezone(UTC):%Y-%m-%d %H:%M} UTC"
