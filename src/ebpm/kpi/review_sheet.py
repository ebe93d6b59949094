"""行政事業レビューシート: a logic model's outcomes and their KPIs as an .xlsx laid out like the
review sheet's outcome section (成果目標及び成果実績（アウトカム）), to paste from.

Japanese ministries report every project once a year in the Administrative Project Review Sheet
(行政事業レビューシート). Its outcome section lists the short-, mid- and long-term outcomes
(短期・中期・長期アウトカム), each with its indicator (成果指標), unit (単位), baseline (基準値)
and its year, the actual values by fiscal year (実績値, headed 令和5年度 ...), the target
(目標値) and its year, and the reasoning: the statistics used (出典) and why the target is
what it is (目標値の設定根拠). :func:`review_sheet` writes that table from a policy file:

* one row per KPI of each outcome node (an outcome without a KPI gets a row saying so), the
  outcomes in the order of the chain and of the file;
* actual values as :func:`ebpm.kpi.compute` gives them, to full precision (a number format
  rounds them for display); a year the data has no value for stays empty, with a cell note
  saying why; nothing is estimated or filled in;
* the reasoning from the file's own text: the KPI's ``definition``, the dataset's title and
  source with the baseline's ``note``, the target's ``note``, and the outcome's
  ``description`` with the descriptions of the links into it;
* a header block naming the policy, its owner, its file and the data vintage of each KPI.

This is the only module of ebpm that writes a spreadsheet (openpyxl, imported when a sheet is
written).
"""

from __future__ import annotations

import io
import logging
import math
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from numbers import Integral
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ebpm._format import significant
from ebpm._io import atomic_write_bytes
from ebpm._lang import DASHBOARD, Lang, check_lang
from ebpm._version import __version__
from ebpm.errors import InvalidOptionError
from ebpm.kpi.compute import KPIReport, compute
from ebpm.kpi.diagram._style import _KIND_NAMES
from ebpm.kpi.model import KPI, LogicModel, Node, load, period_label

__all__ = ["OUTCOME_KINDS", "review_sheet"]

log = logging.getLogger(__name__)

#: The kinds of node the review sheet's outcome section lists, in its order.
OUTCOME_KINDS: tuple[str, ...] = ("short_term_outcome", "mid_term_outcome", "long_term_outcome")

_JST = timezone(timedelta(hours=9), "JST")
_YEARLY = ("annual", "fiscal_year")

# Column widths (Excel's units: about one Latin digit; a Japanese character takes two).
_W_TERM, _W_OUTCOME, _W_NAME, _W_UNIT, _W_NUM, _W_YEAR, _W_TEXT = 14, 30, 26, 12, 13, 16, 42
_HEAD_FILL = "DDE4EE"
_LABEL_FILL = "EEF1F5"
_LINE_PT = 15.0  # the height of one line of 11-point text, in points


@dataclass
class _Row:
    """One row of the table: an outcome and one of its KPIs (or None)."""

    node: Node
    kpi: KPI | None
    values: dict[int, float] = field(default_factory=dict)  # year -> actual value
    remarks: list[str] = field(default_factory=list)
    empty_note: str = ""  # the note of an empty year cell
    decimals: int = 0


# --- checks ------------------------------------------------------------------------------------
def _check_path(path: Any) -> Path:
    if not isinstance(path, (str, os.PathLike)):
        raise InvalidOptionError(
            f"path={path!r} is not a file name; pass where to write the sheet, e.g. "
            "path='review_sheet.xlsx'."
        )
    out = Path(path)
    if out.suffix.lower() != ".xlsx":
        raise InvalidOptionError(
            f"path={str(path)!r} does not end in .xlsx; the sheet is an Excel workbook "
            f"(Office Open XML): write it to {out.with_suffix('.xlsx').name!r}."
        )
    return out


def _check_years(years: Any) -> list[int] | None:
    if years is None:
        return None
    if isinstance(years, (str, bytes, Mapping)) or not isinstance(years, Iterable):
        raise InvalidOptionError(
            f"years={years!r} is not a list of years; pass whole years, e.g. "
            "years=range(2019, 2024)."
        )
    out = []
    for y in years:
        if (
            isinstance(y, (bool, np.bool_))
            or not isinstance(y, Integral)
            or not 1000 <= int(y) <= 9999
        ):
            raise InvalidOptionError(
                f"years holds {y!r}, which is not a four-digit year; pass whole years, e.g. "
                "years=range(2019, 2024)."
            )
        out.append(int(y))
    if not out:
        raise InvalidOptionError(
            "years is empty; pass the years to show, e.g. years=range(2019, 2024), or None for "
            "the baseline to the latest value."
        )
    return sorted(set(out))


def _model_and_report(
    policy: Any, report: KPIReport | None, data: Mapping[str, pd.DataFrame] | None
) -> tuple[LogicModel, KPIReport]:
    if isinstance(policy, LogicModel):
        model = policy
    elif isinstance(policy, (str, os.PathLike)):
        model = load(Path(policy))
    else:
        raise InvalidOptionError(
            f"policy={policy!r} is neither a LogicModel nor a policy file; pass "
            "ebpm.kpi.load(...)'s model or a path such as 'pipelines/policies/prop99.yaml'."
        )
    if report is None:
        return model, compute(model, data=data)
    if data is not None:
        raise InvalidOptionError(
            "pass report= or data=, not both: data= is only read to compute the report."
        )
    if not isinstance(report, KPIReport) or report.model.policy != model.policy:
        got = report.model.policy if isinstance(report, KPIReport) else type(report).__name__
        raise InvalidOptionError(
            f"report= is the follow-up of {got!r}, not of policy {model.policy!r}; pass "
            "ebpm.kpi.compute(model) of the same policy, or leave report= out."
        )
    return model, report


# --- values --------------------------------------------------------------------------------------
def _clean(value: float) -> float:
    """``value`` without float32 noise: data stored as float32 (41.6 read as 41.599998...)
    gives back the number it was written as; any other float is kept as it is."""
    v = float(value)
    f32 = np.float32(v)
    return float(str(f32)) if np.isfinite(f32) and float(f32) == v else v


def _decimals_of(value: float) -> int:
    text = repr(float(value))
    if "e" in text or "E" in text:
        return 6
    return 0 if text.endswith(".0") else len(text.split(".")[1])


def _decimals(kpi: KPI, values: Iterable[float]) -> int:
    """Decimals to show: as many as the baseline and target are written with, at least one
    when an actual value is not whole (three below 1)."""
    values = list(values)
    d = max(_decimals_of(kpi.baseline.value), _decimals_of(kpi.target.value))
    if any(not float(v).is_integer() for v in values):
        biggest = max(abs(v) for v in [*values, kpi.baseline.value, kpi.target.value])
        d = max(d, 1 if biggest >= 1 else 3)
    return min(d, 6)


def _number_format(decimals: int) -> str:
    return "#,##0" + ("." + "0" * decimals if decimals else "")


def _year_of(period: pd.Period) -> int:
    """The year a yearly period is listed under: the calendar year, or the fiscal year
    (FY2024 is April 2024 to March 2025: 2024)."""
    return int(period.start_time.year)


def _rows(model: LogicModel, report: KPIReport, words: dict[str, str], unit: str) -> list[_Row]:
    rows = []
    for kind in OUTCOME_KINDS:
        for node in (n for n in model.nodes if n.kind == kind):
            kpis = model.kpis_for(node.id)
            if not kpis:
                rows.append(_Row(node, None, remarks=[words["sheet_no_kpi"]]))
            rows.extend(_kpi_row(node, k, report, words, unit) for k in kpis)
    return rows


def _kpi_row(node: Node, kpi: KPI, report: KPIReport, words: dict[str, str], unit: str) -> _Row:
    table = report.tables[kpi.id]
    valued = table[table["actual"].notna()]
    row = _Row(node, kpi)
    row.remarks.append(words[kpi.direction])
    dataset = kpi.source.dataset if report.sources[kpi.id].get("dataset") else words["sheet_given"]
    if kpi.frequency in _YEARLY:
        for period_start, actual in zip(valued["period_start"], valued["actual"], strict=True):
            period = pd.Period(period_start, freq=kpi.freq)
            row.values[_year_of(period)] = _clean(actual)
        if unit == "fy" and kpi.frequency == "annual":
            row.remarks.append(words["sheet_calendar"])
        elif kpi.frequency == "fiscal_year":
            row.remarks.append(words["sheet_fiscal"])
        row.empty_note = words["sheet_cell_empty"].format(
            unit=words[f"sheet_{unit}"], dataset=dataset
        )
    elif len(valued):
        last = valued.iloc[-1]
        row.empty_note = words["sheet_subannual"].format(
            frequency=words[f"sheet_{kpi.frequency}"],
            unit=words[f"sheet_{unit}"],
            period=last["period"],
            value=significant(_clean(last["actual"])),
        )
        row.remarks.append(row.empty_note)
    if valued.empty:
        row.remarks.append(words["sheet_no_data"])
    row.decimals = _decimals(kpi, [_clean(v) for v in valued["actual"]])
    return row


def _default_years(rows: list[_Row]) -> list[int]:
    """From the earliest baseline to the latest year with a value, of the yearly KPIs."""
    yearly = [r for r in rows if r.kpi is not None and r.kpi.frequency in _YEARLY]
    if not yearly:
        return []
    start = min(_year_of(r.kpi.baseline.period) for r in yearly if r.kpi is not None)
    ends = [max(r.values) for r in yearly if r.values]
    end = max([*ends, *(_year_of(r.kpi.baseline.period) for r in yearly if r.kpi is not None)])
    return list(range(start, max(start, end) + 1))


# --- words -------------------------------------------------------------------------------------
def _era(year: int, unit: str) -> str | None:
    """令和5年度 / 令和5年 (None before 明治)."""
    from ebpm.errors import InvalidDateError
    from ebpm.japan.wareki import to_wareki

    try:
        return to_wareki(year) + ("度" if unit == "fy" else "")
    except InvalidDateError:
        return None


def _year_head(year: int, unit: str, lang: str) -> str:
    """A year column's heading: ``令和5年度\\n（2023）`` in Japanese, ``FY2023`` or ``2023``."""
    if lang == "en":
        return f"FY{year}" if unit == "fy" else str(year)
    era = _era(year, unit)
    western = f"{year}年度" if unit == "fy" else f"{year}年"
    return f"{era}\n（{year}）" if era else western


def _period_text(kpi: KPI, period: pd.Period, lang: str) -> str:
    """A baseline's or target's period: ``令和4年度（2022年度）``, ``FY2022``, ``2024Q1``."""
    if lang == "en" or kpi.frequency not in _YEARLY:
        return period_label(period)
    unit = "fy" if kpi.frequency == "fiscal_year" else "year"
    year = _year_of(period)
    western = f"{year}年度" if unit == "fy" else f"{year}年"
    era = _era(year, unit)
    return f"{era}（{western}）" if era else western


def _jst(stamp: Any) -> str:
    """An ISO time as a date and time in Japan (``2025-01-31 09:00 JST``); text as given."""
    try:
        when = datetime.fromisoformat(str(stamp))
    except ValueError:
        return str(stamp)
    if when.tzinfo is None:
        return str(stamp)
    return when.astimezone(_JST).strftime("%Y-%m-%d %H:%M JST")


def _name(kpi: KPI, lang: str) -> str:
    return (kpi.name_ja or kpi.name) if lang == "ja" else kpi.name


def _label(node: Node, lang: str) -> str:
    return (node.label_ja or node.label) if lang == "ja" else node.label


def _latest(kpi: KPI, report: KPIReport, lang: str) -> str:
    """The KPI's latest period with a value, as the sheet writes periods."""
    table = report.tables[kpi.id]
    valued = table[table["actual"].notna()]
    period = pd.Period(valued["period_start"].iloc[-1], freq=kpi.freq)
    return _period_text(kpi, period, lang)


def _vintage(rows: list[_Row], report: KPIReport, words: dict[str, str], lang: str) -> str:
    """Per KPI: up to which period the data goes, from which dataset, and how current it is."""
    lines = []
    for row in rows:
        if row.kpi is None:
            continue
        kpi = row.kpi
        latest = report.summaries[kpi.id]["latest_period"]
        head = (
            words["sheet_latest"].format(kpi=_name(kpi, lang), period=_latest(kpi, report, lang))
            if latest
            else words["sheet_none_yet"].format(kpi=_name(kpi, lang))
        )
        source = report.sources[kpi.id]
        prov = source.get("provenance") or {}
        bits = [kpi.source.dataset if source.get("dataset") else words["sheet_given"]]
        if prov.get("publisher_updated"):
            bits.append(words["sheet_updated"].format(date=prov["publisher_updated"]))
        if prov.get("package") and prov.get("package_version"):
            bits.append(
                words["sheet_package"].format(
                    package=prov["package"], version=prov["package_version"]
                )
            )
        elif prov.get("retrieved_at"):
            bits.append(words["sheet_retrieved"].format(date=_jst(prov["retrieved_at"])))
        lines.append(
            f"{head}（{'、'.join(bits)}）" if lang == "ja" else f"{head} ({'; '.join(bits)})"
        )
    return "\n".join(lines) or "–"


def _source_text(row: _Row, report: KPIReport, words: dict[str, str]) -> str:
    kpi = row.kpi
    if kpi is None:
        return ""
    prov = report.sources[kpi.id].get("provenance") or {}
    lines = []
    if report.sources[kpi.id].get("dataset"):
        title = prov.get("title")
        lines.append(f"{title} ({kpi.source.dataset})" if title else kpi.source.dataset)
    else:
        lines.append(words["sheet_given"])
    credit = prov.get("attribution") or prov.get("source")
    if credit:
        lines.append(words["sheet_source_of"].format(source=credit))
    if prov.get("url"):
        lines.append(str(prov["url"]))
    if kpi.baseline.note:
        lines.append(words["sheet_baseline_note"].format(note=" ".join(kpi.baseline.note.split())))
    return "\n".join(lines)


def _logic_text(model: LogicModel, node: Node, words: dict[str, str], lang: str) -> str:
    """Why the outcome is there: its description and those of the links into it."""
    lines = [" ".join(node.description.split())] if node.description else []
    for link in model.links:
        if link.target == node.id and link.description:
            arrow = f"{_label(model.node(link.source), lang)} → {_label(node, lang)}"
            lines.append(
                words["sheet_from"].format(link=arrow, text=" ".join(link.description.split()))
            )
    return "\n".join(lines)


# --- the workbook --------------------------------------------------------------------------------
def _lines(text: str, width: float) -> int:
    """About how many lines ``text`` wraps to in a cell ``width`` units wide (a Japanese
    character counts two units)."""
    import unicodedata

    count = 0
    for paragraph in str(text).split("\n"):
        units = sum(2 if unicodedata.east_asian_width(c) in ("W", "F") else 1 for c in paragraph)
        count += max(1, math.ceil(units / max(width - 1, 1)))
    return count


@dataclass
class _Sheet:
    """The worksheet being written, its columns and styles."""

    ws: Any
    columns: list[tuple[str, float]]  # (key, width)
    years: list[int]
    styles: dict[str, Any]

    @property
    def last(self) -> int:
        return len(self.columns)

    def col(self, key: str) -> int:
        return [k for k, _ in self.columns].index(key) + 1


def _styles() -> dict[str, Any]:
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side

    thin = Side(style="thin", color="808080")
    return {
        "border": Border(left=thin, right=thin, top=thin, bottom=thin),
        "wrap": Alignment(wrap_text=True, vertical="top"),
        "head": Alignment(wrap_text=True, vertical="center", horizontal="center"),
        "num": Alignment(vertical="top", horizontal="right"),
        "bold": Font(bold=True),
        "title": Font(bold=True, size=14),
        "muted": Font(color="595959"),
        "head_fill": PatternFill("solid", fgColor=_HEAD_FILL),
        "label_fill": PatternFill("solid", fgColor=_LABEL_FILL),
    }


def _columns(years: list[int]) -> list[tuple[str, float]]:
    return [
        ("term", _W_TERM),
        ("outcome", _W_OUTCOME),
        ("indicator", _W_NAME),
        ("unit", _W_UNIT),
        ("baseline", _W_NUM),
        ("baseline_year", _W_YEAR),
        *((f"y{y}", _W_NUM) for y in years),
        ("target", _W_NUM),
        ("target_year", _W_YEAR),
        ("definition", _W_TEXT),
        ("source", _W_TEXT),
        ("reason", _W_TEXT),
        ("logic", _W_TEXT),
        ("remarks", _W_TEXT - 6),
    ]


def _block(sheet: _Sheet, top: int, rows: list[tuple[str, str]]) -> int:
    """The header block: a label in column A, its text across the other columns. Returns the
    next free row."""
    ws, st = sheet.ws, sheet.styles
    width = sum(w for _, w in sheet.columns[1:])
    for i, (label, text) in enumerate(rows):
        r = top + i
        head = ws.cell(row=r, column=1, value=label)
        head.font, head.fill, head.alignment = st["bold"], st["label_fill"], st["wrap"]
        cell = ws.cell(row=r, column=2, value=text)
        cell.alignment = st["wrap"]
        ws.merge_cells(start_row=r, start_column=2, end_row=r, end_column=sheet.last)
        for c in range(1, sheet.last + 1):
            ws.cell(row=r, column=c).border = st["border"]
        ws.row_dimensions[r].height = _LINE_PT * _lines(text, width)
    return top + len(rows)


def _header(sheet: _Sheet, top: int, words: dict[str, str], unit: str, lang: str) -> int:
    """The table's two heading rows: every column's name (merged over both rows), and 実績値
    over the year columns with each year under it. Returns the first row of the body."""
    ws, st = sheet.ws, sheet.styles
    u = words[f"sheet_{unit}"]
    names = {
        "baseline_year": words["sheet_baseline_year"].format(unit=u),
        "target_year": words["sheet_target_year"].format(unit=u),
    }
    for c, (key, _) in enumerate(sheet.columns, start=1):
        if key.startswith("y"):
            ws.cell(row=top + 1, column=c, value=_year_head(int(key[1:]), unit, lang))
            continue
        ws.cell(row=top, column=c, value=names.get(key) or words[f"sheet_{key}"])
        ws.merge_cells(start_row=top, start_column=c, end_row=top + 1, end_column=c)
    if sheet.years:
        first = sheet.col(f"y{sheet.years[0]}")
        ws.cell(row=top, column=first, value=words["sheet_actuals"])
        ws.merge_cells(
            start_row=top, start_column=first, end_row=top, end_column=first + len(sheet.years) - 1
        )
    for r in (top, top + 1):
        for c in range(1, sheet.last + 1):
            cell = ws.cell(row=r, column=c)
            cell.font, cell.fill = st["bold"], st["head_fill"]
            cell.alignment, cell.border = st["head"], st["border"]
    ws.row_dimensions[top].height = _LINE_PT * 2
    ws.row_dimensions[top + 1].height = _LINE_PT * 2
    return top + 2


def _body_row(sheet: _Sheet, r: int, row: _Row, texts: dict[str, str]) -> None:
    """One outcome row: texts wrapped, numbers right-aligned with the row's decimals, and an
    empty year cell with a note saying why it is empty."""
    from openpyxl.comments import Comment

    ws, st = sheet.ws, sheet.styles
    fmt = _number_format(row.decimals)
    kpi = row.kpi
    numbers: dict[str, float | None] = {}
    if kpi is not None:
        numbers["baseline"] = kpi.baseline.value
        numbers["target"] = kpi.target.value
        numbers.update({f"y{y}": row.values.get(y) for y in sheet.years})
    height = 1
    for c, (key, width) in enumerate(sheet.columns, start=1):
        cell = ws.cell(row=r, column=c)
        cell.border = st["border"]
        if key in numbers:
            value = numbers[key]
            cell.alignment = st["num"]
            if value is None:
                if row.empty_note:
                    cell.comment = Comment(row.empty_note, "ebpm", width=260, height=80)
            else:
                cell.value, cell.number_format = value, fmt
            continue
        text = texts.get(key, "")
        cell.value = text or None
        cell.alignment = st["wrap"]
        height = max(height, _lines(text, width))
    ws.row_dimensions[r].height = _LINE_PT * height


def _texts(
    row: _Row, model: LogicModel, report: KPIReport, words: dict[str, str], lang: str
) -> dict[str, str]:
    """The text cells of a row."""
    terms = _KIND_NAMES[lang]
    out = {
        "term": terms[row.node.kind] if lang == "ja" else terms[row.node.kind].rstrip("s"),
        "outcome": _label(row.node, lang),
        "logic": _logic_text(model, row.node, words, lang),
        "remarks": "\n".join(row.remarks),
    }
    kpi = row.kpi
    if kpi is not None:
        out.update(
            indicator=_name(kpi, lang),
            unit=kpi.unit,
            baseline_year=_period_text(kpi, kpi.baseline.period, lang),
            target_year=_period_text(kpi, kpi.target.period, lang),
            definition=" ".join(kpi.definition.split()),
            source=_source_text(row, report, words),
            reason=" ".join(kpi.target.note.split()),
        )
    return out


def _write(
    model: LogicModel, report: KPIReport, rows: list[_Row], years: list[int], unit: str, lang: str
) -> bytes:
    """The workbook as bytes: header block, table heading, one row per outcome and KPI."""
    from openpyxl import Workbook
    from openpyxl.utils import get_column_letter

    words = DASHBOARD[lang]
    wb = Workbook()
    ws = wb.active
    ws.title = words["sheet_tab"]
    sheet = _Sheet(ws, _columns(years), years, _styles())
    for c, (_, width) in enumerate(sheet.columns, start=1):
        ws.column_dimensions[get_column_letter(c)].width = width
    ws.cell(row=1, column=1, value=words["sheet_title"]).font = sheet.styles["title"]
    ws.cell(
        row=2, column=1, value=words["sheet_subtitle"].format(version=__version__)
    ).font = sheet.styles["muted"]
    title = (model.title_ja or model.title) if lang == "ja" else model.title
    path = model.display_path if model.path is not None else model.policy
    made = datetime.now(UTC).astimezone(_JST).strftime("%Y-%m-%d %H:%M JST")
    top = _block(
        sheet,
        4,
        [
            (words["sheet_policy"], title),
            (words["sheet_owner"], model.owner or "–"),
            (words["sheet_file"], f"{path} (policy: {model.policy})"),
            (words["sheet_vintage"], _vintage(rows, report, words, lang)),
            (words["sheet_made"], made),
        ],
    )
    how = ws.cell(row=top, column=1, value=words["sheet_how"].format(unit=words[f"sheet_{unit}"]))
    how.alignment, how.font = sheet.styles["wrap"], sheet.styles["muted"]
    ws.merge_cells(start_row=top, start_column=1, end_row=top, end_column=sheet.last)
    ws.row_dimensions[top].height = _LINE_PT * _lines(how.value, sum(w for _, w in sheet.columns))
    head = top + 2
    first = _header(sheet, head, words, unit, lang)
    for i, row in enumerate(rows):
        _body_row(sheet, first + i, row, _texts(row, model, report, words, lang))
    ws.freeze_panes = ws.cell(row=first, column=sheet.col("unit"))
    ws.print_title_rows = f"{head}:{head + 1}"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def review_sheet(
    policy: LogicModel | str | os.PathLike[str],
    *,
    path: str | os.PathLike[str],
    lang: Lang = "ja",
    report: KPIReport | None = None,
    data: Mapping[str, pd.DataFrame] | None = None,
    years: Iterable[int] | None = None,
) -> Path:
    """Write a policy's outcomes and their KPIs as the review sheet's outcome section (.xlsx).

    Parameters
    ----------
    policy : LogicModel or path
        The policy: :func:`ebpm.kpi.load`'s model, or its file
        (``pipelines/policies/<policy>.yaml``).
    path : path
        The ``.xlsx`` file to write (its folder is created; an existing file is replaced
        whole, never left half written).
    lang : {"ja", "en"}
        Language of the headings and remarks; the policy's own texts are shown as written
        (``title_ja``, ``label_ja`` and ``name_ja`` in Japanese when set).
    report : KPIReport, optional
        The follow-up to take the actual values from (default: ``compute(model, data=data)``,
        which reads each KPI's dataset from the catalog).
    data : mapping of KPI id to DataFrame, optional
        As for :func:`ebpm.kpi.compute`; only without ``report``.
    years : iterable of int, optional
        The years (fiscal years when a KPI is by fiscal year) to give a column of actual
        values. Default: from the earliest baseline to the latest year with a value.

    Returns
    -------
    pathlib.Path
        The file written.

    Raises
    ------
    InvalidOptionError
        ``path`` does not end in ``.xlsx``, ``years`` holds something that is not a year,
        ``lang`` is not a language of ebpm, ``report`` is another policy's, or both
        ``report`` and ``data`` are given.
    SpecError
        The policy file has problems (:func:`ebpm.kpi.load`).
    CatalogError, DataError
        A KPI's data cannot be read or does not fit its ``source`` (:func:`ebpm.kpi.compute`):
        the sheet is not written without its actual values.

    Notes
    -----
    One row per KPI on a short-, mid- or long-term outcome node (an outcome without a KPI
    gets a row saying so; KPIs of other nodes are not part of this section). The columns
    follow the review sheet: 区分, 成果目標, 成果指標, 単位, 基準値 and 基準年度, 実績値 by
    year (headed 令和5年度 with the Western year), 目標値 and 目標年度, then the reasoning:
    the indicator's definition, the data used (the dataset's title, source and the baseline's
    ``note``), why the target (the target's ``note``), why the outcome (the node's and its
    incoming links' ``description``) and remarks. The columns are fiscal years (年度) when a
    KPI of the sheet is by fiscal year, else calendar years (年); a calendar-year KPI in a
    fiscal-year sheet says so in its remarks, and a quarterly or monthly KPI leaves the year
    cells empty and gives its latest value in its remarks. Cells are not merged in the body,
    so rows paste cleanly.

    Examples
    --------
    >>> from ebpm import kpi
    >>> kpi.review_sheet("pipelines/policies/japan_mergers.yaml",
    ...                  path="review_sheet.xlsx")               # doctest: +SKIP
    """
    lang = check_lang(lang)
    target = _check_path(path)
    wanted = _check_years(years)
    model, report = _model_and_report(policy, report, data)
    words = DASHBOARD[lang]
    outcomes = {n.id for n in model.nodes if n.kind in OUTCOME_KINDS}
    fiscal = any(k.frequency == "fiscal_year" for k in model.kpis if k.node in outcomes)
    unit = "fy" if fiscal else "year"
    rows = _rows(model, report, words, unit)
    shown = wanted if wanted is not None else _default_years(rows)
    written = atomic_write_bytes(target, _write(model, report, rows, shown, unit, lang))
    log.info(
        "wrote the review sheet of policy %r to %s: %d rows, %s",
        model.policy,
        written,
        len(rows),
        f"{shown[0]}-{shown[-1]}" if shown else "no year columns",
    )
    return written
