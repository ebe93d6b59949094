"""ebpm.kpi.review_sheet: the 行政事業レビューシート's outcome section, written for the
repository's real policies and read back with openpyxl."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import openpyxl
import pandas as pd
import pytest

from ebpm import kpi
from ebpm.catalog import open_catalog
from ebpm.errors import InvalidOptionError
from ebpm.kpi.review_sheet import review_sheet
from tests.conftest import ROOT
from tests.kpi.conftest import _policy
from tests.kpi.test_kpi_estat import api, serve  # noqa: F401 - api is a fixture

POLICIES = ROOT / "pipelines" / "policies"
#: The fixed columns of the table, before and after the years' actual values.
HEAD_JA = ["区分", "成果目標", "成果指標", "単位", "基準値", "基準年度"]
TAIL_JA = [
    "目標値",
    "目標年度",
    "成果指標の定義",
    "根拠として用いた統計・データ名（出典）",
    "目標値の設定根拠",
    "成果目標の設定理由（ロジックモデル）",
    "備考",
]


class Sheet:
    """A written sheet read back: its header block, its table heading and body rows."""

    def __init__(self, path: Path):
        self.wb = openpyxl.load_workbook(path)
        self.ws = self.wb.active
        ws = self.ws
        self.head_row = next(r for r in range(1, 30) if ws.cell(r, 1).value in ("区分", "Term"))
        self.columns = [ws.cell(self.head_row, c).value for c in range(1, ws.max_column + 1)]
        self.years = [ws.cell(self.head_row + 1, c).value for c in range(1, ws.max_column + 1)]
        self.first = self.head_row + 2
        self.block = {ws.cell(r, 1).value: ws.cell(r, 2).value for r in range(3, self.head_row - 1)}

    def col(self, name: str) -> int:
        return self.columns.index(name) + 1

    def year_col(self, heading: str) -> int:
        return self.years.index(heading) + 1

    def rows(self) -> list[dict[str, Any]]:
        """The body, as {column heading or year heading: value}."""
        out = []
        for r in range(self.first, self.ws.max_row + 1):
            row = {}
            for c in range(1, self.ws.max_column + 1):
                key = self.years[c - 1] or self.columns[c - 1]
                row[key] = self.ws.cell(r, c).value
            out.append(row)
        return out

    def cell(self, row: int, column: int) -> Any:
        return self.ws.cell(self.first + row, column)


# --- the real policies ---------------------------------------------------------------------------
def test_the_mergers_policy_as_the_review_sheet_in_japanese(tmp_path) -> None:
    """japan_mergers.yaml: FY2005-FY2021 fiscal ratios shipped with ebpm (no network)."""
    written = review_sheet(POLICIES / "japan_mergers.yaml", path=tmp_path / "m.xlsx")
    assert written == tmp_path / "m.xlsx"
    sheet = Sheet(written)
    ws = sheet.ws
    assert ws.title == "アウトカム"
    assert ws["A1"].value == "成果目標及び成果実績（アウトカム）"
    assert ws["A2"].value == "行政事業レビューシートへの転記用（ebpm 0.1.0 で作成）"
    assert sheet.block["政策名"] == "市町村合併による行財政の効率化（平成の大合併）"
    assert sheet.block["所管"] == "総務省 自治行政局 市町村課"
    assert sheet.block["ロジックモデル"] == (
        "pipelines/policies/japan_mergers.yaml (policy: japan_mergers)"
    )
    assert sheet.block["データの時点"].splitlines() == [
        "経常収支比率（全市町村平均）：令和3年度（2021年度）まで"
        "（japan.municipal_fiscal_indices、ebpm 0.1.0 に同梱）",
        "実質公債費比率（全市町村平均）：令和3年度（2021年度）まで"
        "（japan.municipal_fiscal_indices、ebpm 0.1.0 に同梱）",
    ]
    assert sheet.block["作成日時"].endswith(" JST")
    # the heading: fixed columns merged over two rows, 実績値 over one column per fiscal year
    years = [f"{era}年度\n（{y}）" for era, y in _eras(2005, 2021)]
    assert sheet.columns == [*HEAD_JA, "実績値", *[None] * 16, *TAIL_JA]
    assert sheet.years[6:23] == years
    assert years[0] == "平成17年度\n（2005）"
    assert years[-1] == "令和3年度\n（2021）"
    merged = {str(m) for m in ws.merged_cells.ranges}
    head = sheet.head_row
    assert f"A{head}:A{head + 1}" in merged
    assert f"G{head}:W{head}" in merged  # 実績値 over FY2005-FY2021

    rows = sheet.rows()
    assert [(r["区分"], r["成果目標"], r["成果指標"]) for r in rows] == [
        ("短期アウトカム", "職員・議員の削減、重複施設の統廃合", None),
        (
            "中期アウトカム",
            "経常収支比率の改善（財政の弾力性の向上）",
            "経常収支比率（全市町村平均）",
        ),
        ("中期アウトカム", "公債費負担の適正化", "実質公債費比率（全市町村平均）"),
        ("長期アウトカム", "人口減少下での行政サービスの維持", None),
    ]
    assert rows[0]["備考"] == "この成果目標には成果指標（KPI）が設定されていません。"
    assert rows[0]["基準値"] is None
    current, debt = rows[1], rows[2]
    assert (current["単位"], current["基準値"], current["基準年度"]) == (
        "%",
        89.5,
        "平成17年度（2005年度）",
    )
    assert (current["目標値"], current["目標年度"]) == (85, "令和3年度（2021年度）")
    assert (debt["基準値"], debt["目標値"]) == (15, 10)
    # the actual values are the means of the shipped data, to full precision
    data = open_catalog(ROOT / "catalogs").load("japan.municipal_fiscal_indices")
    for row, column in ((current, "current_balance_ratio"), (debt, "real_debt_service_ratio")):
        for fy, heading in ((2005, years[0]), (2021, years[-1])):
            by_hand = data.loc[data["fiscal_year"] == fy, column].mean()
            assert row[heading] == pytest.approx(by_hand, rel=1e-12)
    assert current[years[-1]] == pytest.approx(85.19327972429637)
    report = kpi.compute(kpi.load(POLICIES / "japan_mergers.yaml"))
    table = report.table("current_balance_ratio").set_index("period")
    assert [current[h] for h in years] == pytest.approx(list(table["actual"]))
    # the reasoning comes from the policy file's own text
    assert current["目標値の設定根拠"].startswith("Illustrative, not an official target")
    assert current["成果指標の定義"].startswith("Recurrent spending financed by recurrent")
    source = current["根拠として用いた統計・データ名（出典）"].splitlines()
    assert source[0] == (
        "全市町村の主要財政指標 / Main fiscal indicators of every municipality, FY2005-FY2021 "
        "(japan.municipal_fiscal_indices)"
    )
    assert source[1] == "出典：出典：総務省『地方公共団体の主要財政指標一覧』"
    assert source[-1].startswith("基準値：the mean over the 1,821 municipalities")
    assert current["備考"].splitlines() == [
        "低いほど良い",
        "実績値は年度（4月〜翌年3月）の値です。",
    ]


def _eras(first: int, last: int) -> list[tuple[str, int]]:
    """(era year, year) by hand: 平成 to FY2018, 令和 from FY2019 (元年)."""
    out = []
    for y in range(first, last + 1):
        if y <= 2018:
            out.append((f"平成{y - 1988}", y))
        else:
            out.append((f"令和{'元' if y == 2019 else y - 2018}", y))
    return out


def test_the_sheet_is_formatted_for_reading_and_pasting(tmp_path) -> None:
    sheet = Sheet(review_sheet(POLICIES / "japan_mergers.yaml", path=tmp_path / "m.xlsx"))
    ws = sheet.ws
    head = ws.cell(sheet.head_row, 1)
    assert head.font.b
    assert head.alignment.wrap_text
    assert head.border.left.style == "thin"
    assert head.fill.fgColor.rgb.endswith("DDE4EE")
    value = sheet.cell(1, sheet.year_col("令和3年度\n（2021）"))
    assert value.number_format == "#,##0.0"  # shown as 85.2; the cell keeps every digit
    assert value.alignment.horizontal == "right"
    assert value.border.bottom.style == "thin"
    text = sheet.cell(1, sheet.col("成果指標の定義"))
    assert text.alignment.wrap_text
    assert text.alignment.vertical == "top"
    assert ws.column_dimensions["B"].width == 30
    assert ws.column_dimensions[text.column_letter].width == 42
    assert ws.row_dimensions[sheet.first + 1].height > 15  # the long texts' lines
    # the body has no merged cells, so its rows paste cleanly
    assert all(m.min_row < sheet.first for m in ws.merged_cells.ranges)
    assert ws.freeze_panes == f"D{sheet.first}"
    assert ws.print_title_rows == f"${sheet.head_row}:${sheet.head_row + 1}"
    assert ws.page_setup.orientation == "landscape"


def test_the_prop99_policy_by_calendar_year_in_both_languages(tmp_path, california) -> None:
    """prop99.yaml: calendar years; the panel's values as the catalog reads them."""
    ja = Sheet(review_sheet(POLICIES / "prop99.yaml", path=tmp_path / "ja.xlsx"))
    assert ja.columns[:7] == [*HEAD_JA[:5], "基準年", "実績値"]
    assert ja.columns[-7:-5] == ["目標値", "目標年"]
    assert ja.years[6] == "昭和63年\n（1988）"
    assert ja.years[7] == "平成元年\n（1989）"
    assert ja.years[18] == "平成12年\n（2000）"
    rows = ja.rows()
    assert [(r["区分"], r["成果指標"]) for r in rows] == [
        ("短期アウトカム", "1人あたりたばこ販売量"),
        ("中期アウトカム", None),
        ("長期アウトカム", None),
    ]
    sales = rows[0]
    assert (sales["単位"], sales["基準値"], sales["基準年"]) == (
        "packs per person",
        90.1,
        "昭和63年（1988年）",
    )
    assert (sales["目標値"], sales["目標年"]) == (40, "平成12年（2000年）")
    for year in (1988, 1989, 2000):
        assert sales[ja.years[6 + year - 1988]] == california[year]  # every digit of the data
    assert sales["昭和63年\n（1988）"] == pytest.approx(90.1)
    assert sales["平成12年\n（2000）"] == pytest.approx(41.6)
    assert ja.cell(0, 7).number_format == "#,##0.0"
    assert "（studies.prop99、synthdid-py 0.1.0 に同梱）" in ja.block["データの時点"]
    assert ja.block["データの時点"].startswith("1人あたりたばこ販売量：平成12年（2000年）まで")

    en = Sheet(review_sheet(POLICIES / "prop99.yaml", path=tmp_path / "en.xlsx", lang="en"))
    assert en.ws["A1"].value == "Outcome targets and results (outcomes)"
    assert en.columns[:7] == [
        "Term",
        "Outcome",
        "Indicator",
        "Unit",
        "Baseline",
        "Baseline year",
        "Actual values",
    ]
    assert en.years[6:19] == [str(y) for y in range(1988, 2001)]
    sales = en.rows()[0]
    assert (sales["Term"], sales["Indicator"]) == (
        "Short-term outcome",
        "Cigarette sales per capita",
    )
    assert (sales["Baseline year"], sales["Target year"]) == ("1988", "2000")
    assert (sales["1988"], sales["2000"]) == (california[1988], california[2000])
    assert sales["Remarks"] == "lower is better"
    assert en.block["Policy"] == "California Proposition 99 tobacco control programme"


def test_the_e_stat_policy_from_a_local_server(api, tmp_path) -> None:  # noqa: F811
    """japan_children_future_strategy.yaml against the local e-Stat of test_kpi_estat: births
    and children under 15 by calendar year; 2024 and 2025 have no value yet."""
    serve(api)
    path = POLICIES / "japan_children_future_strategy.yaml"
    sheet = Sheet(review_sheet(path, path=tmp_path / "c.xlsx"))
    assert sheet.block["政策名"] == "こども未来戦略「加速化プラン」（こども・子育て支援）"
    assert sheet.years[6:8] == ["令和4年\n（2022）", "令和5年\n（2023）"]  # baseline to latest
    rows = sheet.rows()
    assert [(r["区分"], r["成果目標"], r["成果指標"]) for r in rows] == [
        ("短期アウトカム", "若い世代が希望どおり結婚し、こどもを生み育てられる", None),
        ("中期アウトカム", "出生数の減少に歯止めがかかり、反転する", "出生数（全国）"),
        ("長期アウトカム", "こどもの数の減少が緩やかになる", "15歳未満人口（全国）"),
    ]
    births, children = rows[1], rows[2]
    assert (births["単位"], births["基準値"], births["基準年"]) == (
        "人 (births)",
        770759,
        "令和4年（2022年）",
    )
    assert (births["目標値"], births["目標年"]) == (800000, "令和12年（2030年）")
    assert (births["令和4年\n（2022）"], births["令和5年\n（2023）"]) == (770759, 727277)
    assert (children["単位"], children["基準値"]) == ("人 (persons)", 14503000)
    assert children["令和5年\n（2023）"] == 14173000
    assert sheet.cell(1, sheet.year_col("令和5年\n（2023）")).number_format == "#,##0"
    assert "japan.prefecture_indicator" in sheet.block["データの時点"]
    assert (
        sheet.block["データの時点"]
        .splitlines()[0]
        .startswith("出生数（全国）：令和5年（2023年）まで（japan.prefecture_indicator、")
    )

    # asked for 2021-2025: 2021 is history before the baseline (shown: it is data), 2024 and
    # 2025 have no value: empty cells, each with a note, never a number made up
    wide = Sheet(review_sheet(path, path=tmp_path / "w.xlsx", years=range(2021, 2026)))
    heads = ["令和3年\n（2021）", "令和4年\n（2022）", "令和5年\n（2023）"]
    heads += ["令和6年\n（2024）", "令和7年\n（2025）"]
    assert wide.years[6:11] == heads
    births, children = wide.rows()[1:]
    assert [births[h] for h in heads] == [811622, 770759, 727277, None, None]
    assert [children[h] for h in heads] == [14785000, 14503000, 14173000, None, None]
    for row in (1, 2):
        for heading in heads[3:]:
            cell = wide.cell(row, wide.year_col(heading))
            assert cell.value is None
            assert cell.comment.text == (
                "空欄：データにこの年の値がありません（japan.prefecture_indicator）。"
            )
        assert wide.cell(row, wide.year_col(heads[2])).comment is None


# --- the cases the real policies do not have ---------------------------------------------------
OUTCOMES = """\
title: Outcomes
title_ja: アウトカムの例
nodes:
  - {{id: act, kind: activity, label: Activity}}
  - {{id: short, kind: short_term_outcome, label: Short, label_ja: 短期の成果,
     description: Why the short-term outcome follows.}}
  - {{id: mid, kind: mid_term_outcome, label: Mid}}
links:
  - {{from: act, to: short, description: The activity reaches people.}}
  - {{from: short, to: mid}}
kpis:
  - id: k
    node: {node}
    name: A KPI
    name_ja: 指標
    unit: 件
    direction: higher
    frequency: {frequency}
    source: {{dataset: studies.prop99, time: t, value: v}}
    baseline: {{value: {b}, date: {bdate}}}
    target: {{value: {t}, date: {tdate}, note: a reason}}
"""


def _outcomes(tmp_path: Path, **kw: Any) -> kpi.LogicModel:
    values = {
        "node": "short",
        "frequency": "fiscal_year",
        "b": 10,
        "bdate": "FY2020",
        "t": 20,
        "tdate": "FY2025",
    }
    values.update(kw)
    return kpi.load(_policy(tmp_path, OUTCOMES.format(**values)), check_evidence=False)


def test_a_kpi_without_data_yet_leaves_its_cells_empty_with_a_note(tmp_path) -> None:
    model = _outcomes(tmp_path)
    frame = pd.DataFrame({"t": ["FY2021", "FY2022"], "v": [np.nan, np.nan]})
    sheet = Sheet(review_sheet(model, path=tmp_path / "s.xlsx", data={"k": frame}))
    rows = sheet.rows()
    assert [r["区分"] for r in rows] == ["短期アウトカム", "中期アウトカム"]
    (row, _) = rows
    assert sheet.years[6:7] == ["令和2年度\n（2020）"]  # only the baseline year: no data since
    assert row["令和2年度\n（2020）"] is None
    assert row["備考"].splitlines() == [
        "高いほど良い",
        "実績値は年度（4月〜翌年3月）の値です。",
        "実績値のデータがまだありません。",
    ]
    assert (
        sheet.cell(0, 7).comment.text
        == "空欄：データにこの年度の値がありません（呼び出し側が渡したデータ）。"
    )
    assert sheet.block["データの時点"] == "指標：実績値なし（呼び出し側が渡したデータ）"
    # the reasoning of the outcome: its description and the links' into it
    assert row["成果目標の設定理由（ロジックモデル）"].splitlines() == [
        "Why the short-term outcome follows.",
        "つながり Activity → 短期の成果：The activity reaches people.",
    ]
    assert row["目標値の設定根拠"] == "a reason"


def test_data_passed_by_the_caller_and_a_gap_in_it(tmp_path) -> None:
    model = _outcomes(tmp_path)
    # float32 values (41.6 is held as 41.599998...) are written as the numbers they stand for
    frame = pd.DataFrame({"t": ["FY2020", "FY2022"], "v": np.array([10.0, 41.6], "float32")})
    sheet = Sheet(review_sheet(model, path=tmp_path / "s.xlsx", data={"k": frame}, lang="en"))
    (row, _) = sheet.rows()
    assert [row[f"FY{y}"] for y in (2020, 2021, 2022)] == [10, None, 41.6]
    gap = sheet.cell(0, sheet.year_col("FY2021"))
    assert gap.comment.text == (
        "Empty: the data has no value for this fiscal year (data passed by the caller)."
    )
    assert sheet.cell(0, sheet.year_col("FY2022")).number_format == "#,##0.0"
    assert row["Statistics or data used (source)"] == "data passed by the caller"
    assert sheet.block["Data vintage"] == "A KPI: up to FY2022 (data passed by the caller)"
    assert sheet.columns[5] == "Baseline fiscal year"


def test_a_quarterly_kpi_gives_its_latest_value_in_its_remarks(tmp_path) -> None:
    model = _outcomes(
        tmp_path, node="mid", frequency="quarterly", bdate='"2024Q1"', tdate='"2026Q4"'
    )
    frame = pd.DataFrame({"t": ["2024Q1", "2024Q2"], "v": [10.0, 11.0]})
    sheet = Sheet(review_sheet(model, path=tmp_path / "s.xlsx", data={"k": frame}, years=[2024]))
    short, mid = sheet.rows()
    assert short["備考"] == "この成果目標には成果指標（KPI）が設定されていません。"
    assert (mid["基準年"], mid["目標年"]) == ("2024Q1", "2026Q4")
    note = "四半期の指標のため、年ごとの実績値は記入していません。最新値：2024Q2 11。"
    assert mid["令和6年\n（2024）"] is None
    assert sheet.cell(1, sheet.year_col("令和6年\n（2024）")).comment.text == note
    assert note in mid["備考"]


def test_a_report_given_is_used_as_it_is(tmp_path) -> None:
    model = _outcomes(tmp_path)
    report = kpi.compute(model, data={"k": pd.DataFrame({"t": ["FY2020"], "v": [10.0]})})
    sheet = Sheet(review_sheet(model, path=tmp_path / "sub" / "s.xlsx", report=report))
    assert sheet.rows()[0]["令和2年度\n（2020）"] == 10


# --- errors --------------------------------------------------------------------------------------
def test_errors_name_the_bad_value_and_the_fix(tmp_path) -> None:
    model = _outcomes(tmp_path)
    data = {"k": pd.DataFrame({"t": ["FY2020"], "v": [10.0]})}
    with pytest.raises(
        InvalidOptionError,
        match=r"^path='s\.xls' does not end in \.xlsx; the sheet is an Excel workbook \(Office "
        r"Open XML\): write it to 's\.xlsx'\.$",
    ):
        review_sheet(model, path="s.xls", data=data)
    with pytest.raises(InvalidOptionError, match=r"^path=None is not a file name; pass where"):
        review_sheet(model, path=None, data=data)  # type: ignore[arg-type]
    with pytest.raises(
        InvalidOptionError, match=r"^years holds '2020', which is not a four-digit year; pass"
    ):
        review_sheet(model, path=tmp_path / "s.xlsx", data=data, years=["2020"])  # type: ignore[list-item]
    with pytest.raises(InvalidOptionError, match=r"^years holds True, which is not a four-digit"):
        review_sheet(model, path=tmp_path / "s.xlsx", data=data, years=[True])
    with pytest.raises(InvalidOptionError, match=r"^years=2020 is not a list of years; pass"):
        review_sheet(model, path=tmp_path / "s.xlsx", data=data, years=2020)  # type: ignore[arg-type]
    with pytest.raises(InvalidOptionError, match=r"^years is empty; pass the years to show"):
        review_sheet(model, path=tmp_path / "s.xlsx", data=data, years=[])
    with pytest.raises(
        InvalidOptionError, match=r"^lang='jp' is not supported\. Choose one of: 'en', 'ja'\.$"
    ):
        review_sheet(model, path=tmp_path / "s.xlsx", data=data, lang="jp")  # type: ignore[arg-type]
    with pytest.raises(InvalidOptionError, match=r"^policy=42 is neither a LogicModel nor a"):
        review_sheet(42, path=tmp_path / "s.xlsx")  # type: ignore[arg-type]
    report = kpi.compute(model, data=data)
    with pytest.raises(InvalidOptionError, match=r"^pass report= or data=, not both"):
        review_sheet(model, path=tmp_path / "s.xlsx", data=data, report=report)
    other = kpi.load(POLICIES / "prop99.yaml")
    with pytest.raises(
        InvalidOptionError,
        match=r"^report= is the follow-up of 'p', not of policy 'prop99'; pass "
        r"ebpm\.kpi\.compute\(model\) of the same policy",
    ):
        review_sheet(other, path=tmp_path / "s.xlsx", report=report)
    assert not (tmp_path / "s.xlsx").exists()  # nothing half written


def test_review_sheet_is_part_of_the_kpi_api() -> None:
    assert kpi.review_sheet is review_sheet
    assert "review_sheet" in kpi.__all__
