"""ebpm's languages and the words of every page it writes, by area, in English and Japanese.

One language type (:data:`Lang`), one check (:func:`check_lang`), and the word tables of each
area of output side by side, so a term reads the same everywhere: "interval" is 信頼区間 on the
site, the dashboard and the diagram alike (a test compares the tables). A page takes its area's
table with :func:`words`; values are ``str.format`` templates.

This module imports nothing of ebpm but its errors.
"""

from __future__ import annotations

from typing import Any, Literal, cast, get_args

from ebpm.errors import check_option

__all__ = [
    "AREAS",
    "CHANGES",
    "DASHBOARD",
    "DESIGN",
    "DIAGRAM",
    "FOOTER",
    "LANGS",
    "SITE",
    "Lang",
    "Words",
    "check_lang",
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
        "placeholder": "どの列の語でも可（例: prop99 warn）",
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

#: Every area, by name (the tests walk them).
AREAS: dict[str, Words] = {
    "site": SITE,
    "footer": FOOTER,
    "design": DESIGN,
    "diagram": DIAGRAM,
    "dashboard": DASHBOARD,
    "changes": CHANGES,
}
