"""Analysts' own files as catalog entries: CSV and Excel files on disk, read as people write them.

A spreadsheet kept by hand is rarely a clean table: a title above the header, the header over
two rows with a merged group title (``財政指標`` over ``財政力指数`` and ``経常収支比率``), numbers
written ``1,234``, suppressed cells written ``x``, ``-`` or ``…`` (秘匿), notes below the table.
:func:`read_local_table` reads such a file into a plain table:

* CSV/TSV text in UTF-8 (with or without a byte-order mark) or CP932/Shift_JIS, found as
  :func:`ebpm.catalog.files.detect_encoding` finds it; XLSX and legacy XLS workbooks through
  python-calamine, which also reports merged cells.
* The header row is found (the first row that names at least half of the table's columns), or
  taken from ``header_row``, numbered as Excel numbers rows (from 1). A header over several rows
  (``header_rows``) gives one name per column, the parts joined by ``_``
  (``財政指標_財政力指数``); a merged header cell names every column it spans.
* A column whose cells are numbers, ``1,234``-style numbers, marks and blanks becomes a number
  column (``int64`` when complete and whole, else ``float64``), the marks missing, and each mark
  kept as written in a ``<column>_flag`` column right after it. Text columns stay text, and so
  do codes: numbers written with a leading zero (``01100``), columns named ``…コード``/``code``.
* Rows below the table that fill one cell only, after a blank row or starting ``(注)``/``※``
  (notes), are left out and kept in the provenance.

:class:`LocalFile` is the intake reader of catalog entries (``path`` relative to the catalog
folder, then to the project root), and :func:`add_entry` writes such an entry for
``ebpm catalog add``. Every frame carries provenance in ``attrs["ebpm"]``: the path, the sha256
of the bytes read, their size and modification time, the encoding or sheet, the header rows.
"""

from __future__ import annotations

import csv
import functools
import hashlib
import io
import json
import logging
import math
import os
import re
import unicodedata
import warnings
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, ClassVar, Literal, get_args

import pandas as pd
from intake.readers.readers import BaseReader

from ebpm import _yaml
from ebpm.catalog import files
from ebpm.catalog.provenance import finish
from ebpm.errors import (
    CatalogError,
    EntryExistsError,
    HeaderRowError,
    IntegrityError,
    InvalidOptionError,
    LocalFileNotFoundError,
    MixedColumnWarning,
    SheetNotFoundError,
    SourceFormatError,
    UnsupportedFormatError,
    did_you_mean,
)

__all__ = [
    "EXTENSIONS",
    "FLAG_SUFFIX",
    "MARKS",
    "AddedEntry",
    "LocalFile",
    "LocalFormat",
    "add_entry",
    "read_local_table",
    "resolve_path",
]

log = logging.getLogger(__name__)

LocalFormat = Literal["auto", "csv", "xlsx", "xls"]
#: Extensions read as delimited text, and as workbooks (``format="auto"``).
TEXT_EXTENSIONS: tuple[str, ...] = (".csv", ".tsv", ".txt")
WORKBOOK_EXTENSIONS: tuple[str, ...] = (".xlsx", ".xlsm", ".xls")
EXTENSIONS: tuple[str, ...] = TEXT_EXTENSIONS + WORKBOOK_EXTENSIONS
#: Cell texts read as missing, with the text kept in ``<column>_flag``. Compared after NFKC
#: (full-width ``ｘ``, ``－``, ``＊＊＊`` become ``x``, ``-``, ``***``; ``…`` becomes ``...``)
#: and stripping: 秘匿 (suppressed), none, 不詳 (unknown), and the NA texts of spreadsheets.
MARKS: frozenset[str] = frozenset(
    {
        "x", "X", "χ", "*", "**", "***", "-", "--", "---", "‐", "‑", "–", "—", "―", "−", "ー",
        "..", "...", "…", "秘匿", "不詳", "NA", "N/A", "#N/A", "n/a", "na", "nan", "NaN", "null",
    }
)  # fmt: skip
#: Suffix of the column holding the marks of a number column.
FLAG_SUFFIX = "_flag"

_SCAN_ROWS = 50  # rows searched for a header
_MAX_HEADER_ROWS = 4
_NUMBER = re.compile(r"(?:\d{1,3}(?:,\d{3})+(?:\.\d*)?|\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")
_SIGNED_NUMBER = rf"^-?(?:{_NUMBER.pattern})$"  # after NFKC, △/▲ → -, a + dropped (Arrow's RE2)
_PARENTHESISED = re.compile(r"\(\s*-?[\d,]*\.?\d+\s*\)")
_CODE_NAME = re.compile(r"コード|番号|(?:^|[^a-z])(?:code|id)(?:$|[^a-z])", re.IGNORECASE)
_NOTE_START = re.compile(r"^[(（]?\s*(?:注|※|\*|資料|出典|出所|備考)")
_CJK = r"\u3000-\u30ff\u3400-\u9fff\uf900-\ufaff\uff00-\uffef"
_SPACE_BETWEEN_CJK = re.compile(rf"(?<=[{_CJK}])\s+(?=[{_CJK}])")


# --- cells ------------------------------------------------------------------------------------
def _empty(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    return isinstance(value, float) and math.isnan(value)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _parse_number(text: str) -> float | None:
    """``"1,234"``, ``"△12.5"`` (Japanese accounting minus), ``"-3"`` → a float; else ``None``.

    ``text`` is already NFKC-normalised and stripped.
    """
    sign = 1.0
    if text[:1] in "△▲−":  # accounting minus; U+2212, the minus sign NFKC leaves alone
        sign, text = -1.0, text[1:].lstrip()
    elif text[:1] in "+-":
        sign, text = (-1.0 if text[0] == "-" else 1.0), text[1:]
    if not _NUMBER.fullmatch(text):
        return None
    return sign * float(text.replace(",", ""))


def _clean_name(value: Any) -> str:
    """A header cell as a column name: NFKC, line breaks and spaces between Japanese removed."""
    if _empty(value):
        return ""
    if _is_number(value):
        return _number_text(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    text = unicodedata.normalize("NFKC", str(value))
    text = _SPACE_BETWEEN_CJK.sub("", text)
    return " ".join(text.split())


def _number_text(value: float) -> str:
    return str(int(value)) if float(value).is_integer() and abs(value) < 2**53 else repr(value)


def _shown(value: Any) -> str:
    """A cell as written, for messages."""
    if _is_number(value):
        return _number_text(value)
    return " ".join(str(value).split())


def _letters(col: int) -> str:
    """0-based column index → Excel's letters (0 → A, 27 → AB)."""
    out = ""
    col += 1
    while col:
        col, rem = divmod(col - 1, 26)
        out = chr(65 + rem) + out
    return out


# --- the grid of a sheet or CSV file ----------------------------------------------------------
@dataclass
class _Grid:
    """The cells of one sheet (or CSV file), rows and columns as the file numbers them."""

    cells: list[list[Any]]  # None where empty
    merged: list[tuple[int, int, int, int]] = field(default_factory=list)  # r0, c0, r1, c1
    where: str = "the file"

    def __post_init__(self) -> None:
        width = max((len(r) for r in self.cells), default=0)
        pad = [None] * width
        self.cells = [[None if _empty(v) else v for v in r] + pad[len(r) :] for r in self.cells]
        self.width = width
        self.filled = [list(r) for r in self.cells]
        for r0, c0, r1, c1 in self.merged:
            value = self.cells[r0][c0] if r0 < len(self.cells) and c0 < width else None
            for r in range(r0, min(r1 + 1, len(self.cells))):
                for c in range(c0, min(c1 + 1, width)):
                    if self.filled[r][c] is None:
                        self.filled[r][c] = value

    def filled_count(self, r: int) -> int:
        return sum(v is not None for v in self.cells[r])

    def name_count(self, r: int) -> int:
        """Cells of row ``r`` that could be column names: text, or a year such as 2020."""
        return sum(_is_name(v) for v in self.cells[r])

    def names_only(self, r: int) -> bool:
        return all(v is None or _is_name(v) for v in self.cells[r])

    def row_text(self, r: int, limit: int = 6) -> list[str]:
        shown = [_shown(v) for v in self.cells[r] if v is not None]
        return shown[:limit] + (["…"] if len(shown) > limit else [])

    @functools.cached_property
    def data_width(self) -> int:
        """The usual number of filled cells in a row: the table's width, titles and notes aside."""
        counts = Counter(n for r in range(len(self.cells)) if (n := self.filled_count(r)) >= 2)
        if not counts:
            return 1 if any(self.filled_count(r) for r in range(len(self.cells))) else 0
        top = max(counts.values())
        return max(n for n, k in counts.items() if k == top)

    def h_merged(self, r: int) -> bool:
        """Whether row ``r`` has a cell merged across columns."""
        return any(r0 <= r <= r1 and c1 > c0 for r0, c0, r1, c1 in self.merged)

    def merged_in(self, r0: int, r1: int) -> bool:
        return any(a <= r1 and b >= r0 for a, _, b, _ in self.merged)


def _norm(text: str) -> str:
    return unicodedata.normalize("NFKC", text).strip()


def _is_name(value: Any) -> bool:
    """Text that is neither a number nor a mark, or a whole number that reads as a year."""
    if _is_number(value):
        return float(value).is_integer() and 1900 <= value <= 2100
    if isinstance(value, str):
        text = _norm(value)
        if text in MARKS:
            return False
        x = _parse_number(text)
        return x is None or (x.is_integer() and 1900 <= x <= 2100 and "," not in text)
    return False


def _is_numeric(value: Any) -> bool:
    return _is_number(value) or (isinstance(value, str) and _parse_number(_norm(value)) is not None)


def _looks_like_header(grid: _Grid, r: int, width: int) -> bool:
    need = max(2, math.ceil(width / 2)) if width >= 2 else 1
    n = grid.filled_count(r)
    return n >= need and grid.name_count(r) >= max(1, math.ceil(n / 2))


def _complement(grid: _Grid, upper: range, r: int) -> bool:
    """Whether row ``r`` is filled where rows ``upper`` are blank and blank where they are
    filled: the lower half of a two-row header whose group titles are written once."""
    above = [any(grid.cells[u][c] is not None for u in upper) for c in range(grid.width)]
    has = [v is not None for v in grid.cells[r]]
    pairs = list(zip(has, above, strict=True))
    return any(x and not a for x, a in pairs) and any(a and not x for x, a in pairs)


def _find_header(grid: _Grid) -> int | None:
    """0-based index of the first row that looks like a header, or ``None``.

    A row of names that the next filled row outdoes with more names (``出典, 総務省`` above the
    real header) is passed over, unless the two rows make one header together.
    """
    width = grid.data_width
    last = min(len(grid.cells), _SCAN_ROWS)
    for r in range(last):
        if not _looks_like_header(grid, r, width):
            continue
        nxt = next((q for q in range(r + 1, len(grid.cells)) if grid.filled_count(q)), None)
        if (
            nxt is not None
            and grid.names_only(nxt)
            and grid.filled_count(nxt) > grid.filled_count(r)
            and not grid.merged_in(r, r)
            and not _complement(grid, range(r, nxt), nxt)
        ):
            continue
        return r
    return None


def _count_header_rows(grid: _Grid, h: int) -> int:
    """How many rows the header starting at row ``h`` spans.

    A cell of row ``h`` merged down (``地域`` over two rows) gives the depth. Otherwise a row of
    names continues the header when the row above has a cell merged across columns (a group
    title), or, without merged cells, when the rows complement each other: the upper blank
    where the lower is filled and the other way round (a group title written once).
    """
    down = [r1 for r0, _, r1, _ in grid.merged if r0 == h and r1 > h]
    if down:
        return min(max(down) - h + 1, _MAX_HEADER_ROWS)
    k = 1
    while k < _MAX_HEADER_ROWS and h + k < len(grid.cells):
        r = h + k
        if not grid.filled_count(r) or not grid.names_only(r):
            break
        if grid.h_merged(r - 1):
            k += 1
            continue
        if grid.merged_in(h, r):
            break
        if _complement(grid, range(h, r), r):
            k += 1
            continue
        break
    return k


def _columns(grid: _Grid, h: int) -> list[int]:
    """The columns of the table whose header starts at row ``h``: those with any cell."""
    rows = range(h, len(grid.cells))
    return [c for c in range(grid.width) if any(grid.filled[r][c] is not None for r in rows)]


def _names(grid: _Grid, h: int, k: int, cols: list[int]) -> list[str]:
    """One name per column from header rows ``h .. h+k-1``, the parts joined by ``_``."""
    rows = [list(grid.filled[r]) for r in range(h, min(h + k, len(grid.cells)))]
    if k > 1 and not grid.merged_in(h, h + k - 1):
        # no merged cells: a group title is written once, over its first column (as pandas
        # reads a MultiIndex header), so it carries to the right along the upper rows
        for row in rows[:-1]:
            last = None
            for c in cols:
                if row[c] is None:
                    row[c] = last
                else:
                    last = row[c]
    names = []
    for c in cols:
        parts: list[str] = []
        for row in rows:
            part = _clean_name(row[c])
            if part and (not parts or parts[-1] != part):
                parts.append(part)
        names.append("_".join(parts) or f"column_{_letters(c)}")
    seen: Counter[str] = Counter()
    out = []
    for name in names:
        out.append(name if not seen[name] else f"{name}.{seen[name]}")
        seen[name] += 1
    return out


def _header_hint(grid: _Grid, h: int | None) -> str:
    found = _find_header(grid)
    if found is not None and found != h:
        return f"the header looks like row {found + 1}: pass header_row={found + 1}"
    return "pass header_row=N, the row of the column names as Excel numbers it (from 1)"


def _check_header(grid: _Grid, h: int, k: int, cols: list[int]) -> None:
    """Refuse header rows that are blank, hold numbers only, or look like a title."""
    where = grid.where
    if h >= len(grid.cells):
        raise HeaderRowError(
            f"header_row={h + 1} is past the end of {where} ({len(grid.cells)} rows); "
            f"{_header_hint(grid, None)}"
        )
    rows = range(h, min(h + k, len(grid.cells)))
    filled = [v for r in rows for v in grid.cells[r] if v is not None]
    label = f"row {h + 1}" if k == 1 else f"rows {h + 1}-{h + k}"
    if not filled:
        raise HeaderRowError(f"{label} of {where} is blank; {_header_hint(grid, h)}")
    found = _find_header(grid)
    numbers = [v for v in filled if _is_numeric(v) and not _is_name(v)]
    if len(numbers) == len(filled) or (numbers and found is not None and found < h):
        raise HeaderRowError(
            f"{label} of {where} holds numbers ({', '.join(grid.row_text(h))}): it looks like "
            f"data, not column names; {_header_hint(grid, h)}"
        )
    if len(cols) < 3:
        return
    top = [c for c, v in enumerate(grid.cells[h]) if v is not None]
    if len(top) == 1:  # one cell, in the first column or merged across the table: a title
        c = top[0]
        across = any(
            r0 <= h <= r1 and c0 <= c <= c1 and c1 - c0 + 2 >= len(cols)
            for r0, c0, r1, c1 in grid.merged
        )
        if c == cols[0] or across:
            raise HeaderRowError(
                f"row {h + 1} of {where} holds one cell ({_shown(grid.cells[h][c])!r}) "
                f"for a table of {len(cols)} columns: it looks like a title, not the header; "
                f"{_header_hint(grid, h)}"
            )
    named = sum(any(grid.filled[r][c] is not None for r in rows) for c in cols)
    if named < len(cols) / 2:
        raise HeaderRowError(
            f"{label} of {where} names only {named} of the table's {len(cols)} columns; "
            f"{_header_hint(grid, h)}"
        )


def _data_rows(
    grid: _Grid, first: int, cols: list[int], drop_notes: bool
) -> tuple[list[int], list[str]]:
    """Rows of the table from ``first`` on (blank rows left out), and the notes below it."""
    rows = [
        r for r in range(first, len(grid.cells)) if any(grid.filled[r][c] is not None for c in cols)
    ]
    if not drop_notes or len(cols) < 2:
        return rows, []
    tail = len(rows)
    while tail > 0:
        values = [v for v in grid.cells[rows[tail - 1]] if v is not None]
        if len(values) != 1 or not isinstance(values[0], str):
            break
        tail -= 1
    if tail == len(rows) or tail == 0:
        return rows, []
    first_note = rows[tail]
    after_blank = first_note - 1 > rows[tail - 1]  # a blank row between table and notes
    note_text = next(str(v) for v in grid.cells[first_note] if v is not None)
    if not (after_blank or _NOTE_START.match(_norm(note_text))):
        return rows, []
    notes = [next(str(v).strip() for v in grid.cells[r] if v is not None) for r in rows[tail:]]
    return rows[:tail], notes


# --- columns ----------------------------------------------------------------------------------
@dataclass
class _Column:
    values: pd.Series
    flags: pd.Series | None
    marks: dict[str, int]


def _column(name: str, cells: list[Any], marks: frozenset[str], where: str) -> _Column:
    """Type one column: numbers (marks → NaN, kept as flags), dates, or text.

    Text cells are classified with Arrow's vectorised string functions (NFKC, the number
    pattern, the marks), so a CSV of a few hundred thousand rows reads in seconds.
    """
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    raw = pa.array([v if isinstance(v, str) else None for v in cells], type=pa.string())
    typed = np.array([float(v) if _is_number(v) else np.nan for v in cells], dtype="float64")
    is_date = np.array([isinstance(v, date) for v in cells], dtype=bool)  # datetime too
    n_other = sum(
        v is not None and not isinstance(v, str | date) and not _is_number(v) for v in cells
    )  # booleans, times of day: text
    norm = pc.utf8_trim_whitespace(pc.utf8_normalize(raw, form="NFKC"))
    is_mark = pc.fill_null(pc.is_in(norm, value_set=pa.array(sorted(marks))), False)
    # △▲ (accounting minus) and the minus sign U+2212, which NFKC leaves alone, are "-"
    signed = pc.replace_substring_regex(norm, pattern=r"^[△▲−]\s*", replacement="-")
    signed = pc.replace_substring_regex(signed, pattern=r"^\+", replacement="")
    is_num = pc.fill_null(pc.match_substring_regex(signed, _SIGNED_NUMBER), False)
    is_code = pc.fill_null(pc.match_substring_regex(signed, r"^-?0\d"), False)
    parsed = pc.cast(pc.replace_substring(pc.if_else(is_num, signed, None), ",", ""), pa.float64())
    mark = is_mark.to_numpy(zero_copy_only=False)
    num = is_num.to_numpy(zero_copy_only=False)
    text = raw.is_valid().to_numpy(zero_copy_only=False) & ~mark & ~num
    n_num = int(num.sum()) + int(np.isfinite(typed).sum())
    n_text = int(text.sum()) + n_other
    n_date = int(is_date.sum())
    code = bool(_CODE_NAME.search(name)) or bool(pc.any(pc.and_(is_num, is_code)).as_py())
    if n_text and n_num >= 4 * n_text and not code:
        shown = sorted({str(cells[i]).strip() for i in np.flatnonzero(text)})[:5]
        if all(_PARENTHESISED.fullmatch(unicodedata.normalize("NFKC", v)) for v in shown):
            # a number in brackets is a negative in accounting, and in ministry tables often a
            # value on another basis (MIC's 23 special wards, FY2008): the analyst decides
            fix = (
                "numbers in brackets mean a negative in accounting and often a value on another "
                "basis in ministry tables (see the file's notes); decide which, then convert the "
                f"column, e.g. pd.to_numeric(df[{name!r}].astype(str).str.strip('()'))"
            )
        else:
            fix = (
                "if these cells mark suppressed or missing values, pass them as marks (e.g. "
                f"marks: {json.dumps(shown[:2], ensure_ascii=False)})"
            )
        warnings.warn(
            f"{where}: column {name!r} holds numbers and {n_text} cell(s) of text {shown}, "
            f"so it was kept as text; {fix}",
            MixedColumnWarning,
            stacklevel=5,  # read_local_table's caller
        )
    if (
        n_other
        and n_other == sum(v is not None for v in cells)
        and all(isinstance(v, bool) for v in cells if v is not None)
    ):  # TRUE/FALSE cells of a workbook
        return _Column(pd.Series(cells, dtype="boolean"), None, {})
    if n_text or code or (n_date and n_num):
        return _Column(_text_series(cells), None, {})
    flags = pc.if_else(is_mark, pc.utf8_trim_whitespace(raw), None).to_pylist()
    if n_date:
        values = pd.to_datetime(pd.Series([v if isinstance(v, date) else None for v in cells]))
    else:
        numbers = np.where(num, parsed.to_numpy(zero_copy_only=False), typed)
        values = pd.Series(numbers, dtype="float64")
        whole = np.isfinite(numbers).all() and (np.abs(numbers) < 2**53).all()
        if len(numbers) and whole and (numbers == np.floor(numbers)).all():
            values = values.astype("int64")  # complete whole numbers: counts, populations
    counts = Counter(f for f in flags if f is not None)
    flag = pd.Series(flags, dtype="string") if counts else None
    return _Column(values, flag, dict(counts))


def _text_series(cells: list[Any]) -> pd.Series:
    out: list[str | None] = []
    for v in cells:
        if v is None:
            out.append(None)
        elif _is_number(v):
            out.append(_number_text(v))
        elif isinstance(v, datetime | date):
            out.append(v.isoformat())
        else:
            out.append(str(v).strip())
    return pd.Series(out, dtype=object).infer_objects()


# --- reading ----------------------------------------------------------------------------------
def _csv_grid(
    data: bytes, *, encoding: str | None, sep: str | None, suffix: str, what: str
) -> tuple[_Grid, str]:
    codec = files.detect_encoding(
        data,
        encoding,
        what=what,
        not_csv="if it is a workbook saved under a text name, rename it .xlsx or .xls",
    )
    found = "utf-8" if codec == "utf-8-sig" and not data.startswith(b"\xef\xbb\xbf") else codec
    text = data.decode(codec)
    if text.startswith("\ufeff"):
        text = text[1:]
    if sep is None:
        lines = [ln for ln in text.splitlines()[:_SCAN_ROWS] if ln.strip()]
        tabs = sum("\t" in ln for ln in lines)
        commas = sum("," in ln for ln in lines)
        sep = "\t" if suffix == ".tsv" or tabs > commas else ","
    try:
        rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=sep))
    except csv.Error as err:
        raise SourceFormatError(
            f"{what} does not parse as delimited text ({err}); check the file, or pass sep="
        ) from err
    return _Grid(rows, where=what), found


def _pick_sheet(names: list[str], sheet: str | int | None, what: str) -> str:
    if sheet is None:
        return names[0]
    if isinstance(sheet, bool) or not isinstance(sheet, str | int):
        raise InvalidOptionError(
            f"sheet={sheet!r} is not a sheet name or position; give one sheet, e.g. sheet=0 "
            "or sheet='Sheet1'"
        )
    if isinstance(sheet, str) and sheet not in names:
        same = [n for n in names if _norm(n) == _norm(sheet)]  # a stray trailing space
        if len(same) == 1:
            return same[0]
        if re.fullmatch(r"-?\d+", sheet.strip()):
            sheet = int(sheet)
    if isinstance(sheet, int):
        if -len(names) <= sheet < len(names):
            return names[sheet]
    elif sheet in names:
        return sheet
    raise SheetNotFoundError(
        f"{what} has no sheet {sheet!r}; its sheets are {names}."
        f"{did_you_mean(str(sheet), names)} Pass sheet= one of them (a name, or a 0-based "
        "position)."
    )


def _workbook_grid(
    data: bytes, *, sheet: str | int | None, what: str
) -> tuple[_Grid, str, list[str]]:
    from python_calamine import CalamineError, CalamineWorkbook

    try:
        wb = CalamineWorkbook.from_filelike(io.BytesIO(data))
        names = list(wb.sheet_names)
    except CalamineError as err:
        raise SourceFormatError(
            f"{what} cannot be read as a workbook ({err}); if it is password-protected, save an "
            "unprotected copy; if it is damaged, open it in Excel and save it again as .xlsx"
        ) from err
    if not names:
        raise SourceFormatError(f"{what} is a workbook without sheets")
    name = _pick_sheet(names, sheet, what)
    ws = wb.get_sheet_by_name(name)
    # pandas' calamine engine gives the same cells, but not the merged ranges, so the sheet is
    # read once here for both
    rows = ws.to_python(skip_empty_area=False)
    merged = [(r0, c0, r1, c1) for (r0, c0), (r1, c1) in (ws.merged_cell_ranges or [])]
    return _Grid(rows, merged, where=f"sheet {name!r} of {what}"), name, names


def _kind(data: bytes, suffix: str, format: str, what: str) -> str:
    """``csv``, ``xlsx`` or ``xls``, from the bytes, checked against ``format`` and the name."""
    if format not in get_args(LocalFormat):
        raise InvalidOptionError(
            f"format={format!r} is not supported; use one of {list(get_args(LocalFormat))}."
            f"{did_you_mean(str(format), get_args(LocalFormat))}"
        )
    if format == "auto" and suffix not in EXTENSIONS:
        raise UnsupportedFormatError(
            f"{what}: files ending in {suffix or '(no extension)'!r} are not read; ebpm reads "
            f"CSV/TSV text ({', '.join(TEXT_EXTENSIONS)}) and Excel workbooks "
            f"({', '.join(WORKBOOK_EXTENSIONS)}). Save it as .xlsx or .csv, or pass format='csv' "
            "if it is delimited text"
        )
    sniffed = files._sniff(data)
    if sniffed == "empty":
        raise SourceFormatError(f"{what} is empty; check that it is the file you meant")
    if sniffed in ("html", "pdf"):
        kind = "an HTML page" if sniffed == "html" else "a PDF document"
        raise UnsupportedFormatError(
            f"{what} is {kind}, not a CSV or Excel table; open it in Excel (an HTML table) and "
            "save it as .xlsx, or export the table from the PDF"
        )
    if sniffed == "zip":
        is_xlsx, _ = files._zip_is_xlsx(data)
        if not is_xlsx:
            raise UnsupportedFormatError(
                f"{what} is a zip archive but not an XLSX workbook; unpack it and add the table "
                "inside"
            )
        found = "xlsx"
    elif sniffed == "ole2":
        found = "xls"
    else:
        found = "csv"
    if format == "csv" and found != "csv":
        raise SourceFormatError(
            f"{what} is an Excel workbook ({found}), not delimited text; pass format='auto'"
        )
    if found != "csv" and suffix in TEXT_EXTENSIONS:  # the bytes say what it is
        log.info("%s is an Excel workbook (%s) despite its name; read as one", what, found)
    wanted = format if format != "auto" else ("csv" if suffix in TEXT_EXTENSIONS else None)
    if found == "csv" and wanted != "csv":
        raise SourceFormatError(
            f"{what} holds text, not an Excel workbook; if it is CSV or TSV text, rename it "
            ".csv or .tsv, or pass format='csv'"
        )
    return found


def _check_pin(sha256: Any, digest: str, path: Path) -> None:
    if sha256 is None:
        return
    if not isinstance(sha256, str) or not re.fullmatch(r"[0-9a-fA-F]{64}", sha256):
        raise CatalogError(
            f"{path}: the pinned sha256 {sha256!r} is not a sha256 (64 hex characters); quote "
            "it in the catalog entry, or YAML may read a hash of digits as a number"
        )
    if digest != sha256.lower():
        raise IntegrityError(
            f"{path} changed: its sha256 is {digest}, but the entry pins {sha256.lower()}. "
            "Check the file; if the change is meant, update the entry's `sha256` (or run "
            "`ebpm catalog add` for it again with --force)."
        )


def _mtime(path: Path) -> str:
    return datetime.fromtimestamp(path.stat().st_mtime, UTC).isoformat(timespec="seconds")


def _read(
    path: Path,
    *,
    sheet: str | int | None = None,
    header_row: int | None = None,
    header_rows: int | None = None,
    encoding: str | None = None,
    sep: str | None = None,
    format: str = "auto",
    marks: Sequence[str] | None = None,
    drop_notes: bool = True,
    sha256: str | None = None,
    expect_columns: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Read the file at resolved ``path``; the frame's ``attrs["ebpm"]["origin"]`` is set."""
    for label, value, what_it_is in (
        ("header_row", header_row, "a row number; rows are numbered as Excel numbers them, from 1"),
        ("header_rows", header_rows, "a number of rows, 1 or more"),
    ):
        if value is not None and (
            isinstance(value, bool) or not isinstance(value, int) or value < 1
        ):
            raise InvalidOptionError(f"{label}={value!r} is not {what_it_is}")
    try:
        data = path.read_bytes()
    except OSError as err:
        raise CatalogError(
            f"cannot read {path}: {err.strerror or err}; check its permissions"
        ) from err
    digest = hashlib.sha256(data).hexdigest()
    _check_pin(sha256, digest, path)
    what = path.name
    kind = _kind(data, path.suffix.lower(), format, what)
    origin: dict[str, Any] = {"kind": "local", "what": what, "path": str(path), "sha256": digest}
    if kind == "csv":
        if sheet is not None:
            raise InvalidOptionError(
                f"sheet={sheet!r} applies to workbooks, but {what} is text; leave `sheet` out"
            )
        grid, found = _csv_grid(
            data, encoding=encoding, sep=sep, suffix=path.suffix.lower(), what=what
        )
        origin.update(format="csv", encoding=found)
    else:
        if encoding not in (None, "auto"):
            raise InvalidOptionError(
                f"encoding={encoding!r} applies to CSV text, but {what} is a workbook; leave "
                "`encoding` out"
            )
        grid, name, names = _workbook_grid(data, sheet=sheet, what=what)
        origin.update(format=kind, sheet=name, sheets=names)
    df, info = _table(
        grid,
        header_row=header_row,
        header_rows=header_rows,
        marks=MARKS | frozenset(_norm(str(m)) for m in (marks or ())),
        drop_notes=drop_notes,
        expect=list(expect_columns or ()),
    )
    stamp = {"size": path.stat().st_size, "modified": _mtime(path)}
    origin.update(info)
    origin.update(stamp, files=[{"path": str(path), "sha256": digest, **stamp}])
    df.attrs["ebpm"] = {"origin": origin}
    return df


def _table(
    grid: _Grid,
    *,
    header_row: int | None,
    header_rows: int | None,
    marks: frozenset[str],
    drop_notes: bool,
    expect: list[str],
) -> tuple[pd.DataFrame, dict[str, Any]]:
    if not grid.cells or not grid.width:
        raise SourceFormatError(f"{grid.where} has no cells to read")
    if header_row is None:
        h = _find_header(grid)
        if h is None:
            raise HeaderRowError(
                f"no row in the first {_SCAN_ROWS} of {grid.where} looks like a header (a row "
                "naming at least half of the columns); pass header_row=N, the row of the column "
                "names as Excel numbers it (from 1)"
            )
    else:
        h = header_row - 1
    k = header_rows if header_rows is not None else (
        _count_header_rows(grid, h) if h < len(grid.cells) else 1
    )  # fmt: skip
    cols = _columns(grid, h) if h < len(grid.cells) else []
    _check_header(grid, h, k, cols)
    names = _names(grid, h, k, cols)
    _check_expected(grid, h, k, names, expect)
    rows, notes = _data_rows(grid, h + k, cols, drop_notes)
    where = grid.where
    data: dict[str, pd.Series] = {}
    flagged: dict[str, dict[str, int]] = {}
    for c, name in zip(cols, names, strict=True):
        col = _column(name, [grid.filled[r][c] for r in rows], marks, where)
        data[name] = col.values
        flag_name = name + FLAG_SUFFIX
        if col.flags is not None:
            data[flag_name] = col.flags
        elif flag_name in expect and flag_name not in names:  # declared: kept, empty
            data[flag_name] = pd.Series([None] * len(rows), dtype="string")
        if col.marks:
            flagged[name] = col.marks
    df = pd.DataFrame(data, index=pd.RangeIndex(len(rows)))
    info = {
        "header_row": h + 1,
        "header_rows": k,
        "first_data_row": rows[0] + 1 if rows else None,
        "notes": notes,
        "flags": flagged,
    }
    return df, info


def _check_expected(grid: _Grid, h: int, k: int, names: list[str], expect: list[str]) -> None:
    """Refuse a header that lacks the columns the entry declares; say where they are."""
    wanted = [
        c for c in expect if not (c.endswith(FLAG_SUFFIX) and c[: -len(FLAG_SUFFIX)] in expect)
    ]
    missing = [c for c in wanted if c not in names]
    if not missing:
        return
    label = f"row {h + 1} does" if k == 1 else f"rows {h + 1}-{h + k} do"
    best: tuple[int, int] | None = None
    for r in range(min(len(grid.cells), _SCAN_ROWS)):
        if not grid.filled_count(r):
            continue
        for depth in dict.fromkeys((k, 1, 2)):
            if (r, depth) == (h, k):
                continue
            there = set(_names(grid, r, depth, _columns(grid, r)))
            if all(c in there for c in wanted):
                best = (r, depth)
                break
        if best:
            break
    if best is not None:
        r, depth = best
        extra = f", header_rows={depth}" if depth != k else ""
        hint = f"they are in row {r + 1}: pass header_row={r + 1}{extra}"
    else:
        hint = (
            "no other row holds them either: if the file's layout changed, check it, then update "
            "the entry's metadata.columns (or run `ebpm catalog add` again with --force)"
        )
    close = did_you_mean(missing[0], names)
    raise HeaderRowError(
        f"{grid.where}: the entry declares columns {missing[:5]}{'…' if len(missing) > 5 else ''} "
        f"that {label} not hold (they name {names[:8]}{'…' if len(names) > 8 else ''}).{close} "
        f"{hint[0].upper() + hint[1:]}."
    )


# --- paths ------------------------------------------------------------------------------------
def resolve_path(
    path: str | os.PathLike[str], *, catalog_dir: str | os.PathLike[str] | None = None
) -> Path:
    """The file ``path`` names: absolute as given, else in ``catalog_dir`` then its parent (the
    project root), or in the current directory when there is no catalog folder.

    Raises
    ------
    LocalFileNotFoundError
        Nothing is there, or it is a folder; the message names the paths tried and close names.
    """
    given = Path(os.path.expanduser(os.fspath(path)))
    if given.is_absolute():
        tried = [given]
    elif catalog_dir is not None:
        base = Path(catalog_dir)
        tried = [base / given, base.parent / given]
    else:
        tried = [Path.cwd() / given]
    for candidate in tried:
        if candidate.is_dir():
            raise LocalFileNotFoundError(
                f"{candidate.resolve()} is a folder, not a file; point `path` at the CSV or Excel "
                "file in it"
            )
        if candidate.is_file():
            return candidate.resolve()
    first = tried[0].resolve()
    near = ""
    if first.parent.is_dir():
        near = did_you_mean(first.name, [p.name for p in first.parent.iterdir() if p.is_file()])
    if catalog_dir is not None and not given.is_absolute():
        where = (
            f"{first} (relative to the catalog folder) nor at {tried[1].resolve()} (relative to "
            "the project root)"
        )
        fix = "fix the entry's `path` (relative to the catalog folder, or absolute)"
    else:
        where = str(first)
        fix = "check the name and the folder"
    raise LocalFileNotFoundError(f"no file at {where}.{near} {fix[0].upper() + fix[1:]}.")


# --- public -----------------------------------------------------------------------------------
def read_local_table(
    path: str | os.PathLike[str],
    *,
    sheet: str | int | None = None,
    header_row: int | None = None,
    header_rows: int | None = None,
    encoding: str | None = None,
    sep: str | None = None,
    format: LocalFormat = "auto",
    marks: Sequence[str] | None = None,
    drop_notes: bool = True,
    sha256: str | None = None,
    expect_columns: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Read a CSV or Excel file of your own into a DataFrame, with provenance.

    Parameters
    ----------
    path : str or path-like
        The file (relative to the current directory, or absolute). ``.csv``, ``.tsv``, ``.txt``
        are read as delimited text; ``.xlsx``, ``.xlsm``, ``.xls`` as workbooks.
    sheet : str or int, optional
        Workbooks: the sheet name or 0-based position (default: the first sheet).
    header_row : int, optional
        The row of the column names, numbered as Excel numbers rows (from 1). Default: the first
        row that names at least half of the table's columns (title rows above are skipped).
    header_rows : int, optional
        How many rows the header spans (a group title over sub-titles: 2). Default: found from
        merged cells, or from rows that complement each other. The parts are joined by ``_``.
    encoding : str, optional
        Text files: ``None``/``"auto"`` tries UTF-8 (with or without a byte-order mark), then
        CP932 (Shift_JIS); or a name such as ``"cp932"``.
    sep : str, optional
        Text files: the delimiter (default: tab for ``.tsv`` or when most lines hold tabs, else
        a comma).
    format : {"auto", "csv", "xlsx", "xls"}
        ``"auto"`` goes by the extension and checks the bytes; ``"csv"`` reads text with any
        extension.
    marks : list of str, optional
        More cell texts to read as missing and flag, besides :data:`MARKS`.
    drop_notes : bool
        Leave out the notes below the table (rows filling one cell, after a blank row or starting
        ``注``/``※``/``資料``); they are kept in ``attrs["ebpm"]["details"]["notes"]``.
    sha256 : str, optional
        The file's pinned sha256; a file that differs is refused.
    expect_columns : list of str, optional
        Columns the table must have (a catalog entry's ``metadata.columns``). When the header
        lacks them, the message says which row holds them.

    Returns
    -------
    pandas.DataFrame
        One column per column of the table; number columns are ``int64``/``float64``; a number
        column that had marks (秘匿 ``x``, ``-``, ``…``) is followed by ``<column>_flag``
        (string) holding each mark as written. ``attrs["ebpm"]`` holds the path, sha256,
        retrieved-at, and under ``details``: format, encoding or sheet, header_row, header_rows,
        size, modified (UTC), notes and ``flags`` ({column: {mark: count}}).

    Raises
    ------
    LocalFileNotFoundError
        No file at ``path``, or it is a folder.
    UnsupportedFormatError
        An extension or content ebpm does not read (PDF, HTML, a zip archive).
    SourceFormatError
        Text that does not decode (the message names the byte), a damaged workbook.
    SheetNotFoundError
        No such sheet; the message lists the sheets.
    HeaderRowError
        The header row given is blank, holds numbers or a title, or lacks ``expect_columns``.
    IntegrityError
        The file's sha256 differs from ``sha256``.

    Warns
    -----
    MixedColumnWarning
        A column of numbers holds a few texts that are not marks; it is kept as text.
    """
    resolved = resolve_path(path)
    df = _read(
        resolved,
        sheet=sheet,
        header_row=header_row,
        header_rows=header_rows,
        encoding=encoding,
        sep=sep,
        format=format,
        marks=marks,
        drop_notes=drop_notes,
        sha256=sha256,
        expect_columns=expect_columns,
    )
    return finish(df)


class LocalFile(BaseReader):
    """A CSV or Excel file on disk (see :func:`read_local_table`): a catalog entry for your own
    data.

    Keyword arguments (the catalog entry's ``kwargs``): ``path`` (relative to the catalog
    folder, then to the project root, or absolute; intake's ``{CATALOG_DIR}`` works too),
    ``sha256``, ``sheet``, ``header_row``, ``header_rows``, ``encoding``, ``sep``, ``format``,
    ``marks``, ``drop_notes``. ``catalog_dir`` is set by the catalog. The columns listed in the
    entry's ``metadata.columns`` must be in the table (a ``<column>_flag`` listed there is kept,
    empty, when the file has no marks in that column).
    """

    output_instance = "pandas:DataFrame"
    imports: ClassVar[set[str]] = {"pandas", "python_calamine"}

    def _read(
        self,
        *,
        path: str,
        sha256: str | None = None,
        sheet: str | int | None = None,
        header_row: int | None = None,
        header_rows: int | None = None,
        encoding: str | None = None,
        sep: str | None = None,
        format: LocalFormat = "auto",
        marks: list[str] | None = None,
        drop_notes: bool = True,
        catalog_dir: str | None = None,
    ) -> pd.DataFrame:
        if catalog_dir is None:
            from ebpm._catalog_files import catalog_dir as find_catalog_dir

            catalog_dir = str(find_catalog_dir())
        declared = (self.metadata or {}).get("columns") or {}
        expect = [str(c) for c in declared] if isinstance(declared, Mapping | list) else []
        return _read(
            resolve_path(path, catalog_dir=catalog_dir),
            sheet=sheet,
            header_row=header_row,
            header_rows=header_rows,
            encoding=encoding,
            sep=sep,
            format=format,
            marks=marks,
            drop_notes=drop_notes,
            sha256=sha256,
            expect_columns=expect,
        )


# --- writing an entry: `ebpm catalog add` -----------------------------------------------------
#: The catalog file ``ebpm catalog add`` creates when its namespace has none.
_NEW_CATALOG = """\
# Files of this project on disk, added with `ebpm catalog add PATH`. Paths are relative to this
# folder (or to the project root). Read through ebpm's tolerant loader: only `entries` is needed.
version: 2
metadata:
  title: Local files
entries:
"""
_NAME = re.compile(r"[^\W\d]\w*")


@dataclass(frozen=True)
class AddedEntry:
    """What :func:`add_entry` wrote."""

    name: str  #: ``namespace.entry``
    catalog_file: Path  #: the catalog YAML file written
    created: bool  #: the catalog file is new
    replaced: bool  #: an entry of that name was replaced (``force``)
    text: str  #: the YAML of the entry, as written
    frame: pd.DataFrame  #: the table as read
    warnings: tuple[str, ...]  #: warnings issued while reading (mixed columns)


def _catalog_folder() -> Path:
    """Where ``catalog add`` writes: ``$EBPM_CATALOG_DIR``, else ``catalogs/`` here or above."""
    from ebpm._catalog_files import CATALOG_DIR_ENV, catalog_dir

    if os.environ.get(CATALOG_DIR_ENV):
        return catalog_dir()
    here = Path.cwd().resolve()
    for folder in (here, *here.parents):
        if (folder / "catalogs").is_dir():
            return folder / "catalogs"
    raise CatalogError(
        f"no catalogs/ folder in {here} or above it; create one in your project (mkdir "
        f"catalogs) or set {CATALOG_DIR_ENV} to the folder of your catalog files"
    )


def _entry_name(name: str | None, file: Path) -> tuple[str, str]:
    if name is not None:
        ns, _, entry = name.partition(".")
        if not (_NAME.fullmatch(ns) and _NAME.fullmatch(entry)):
            raise InvalidOptionError(
                f"name {name!r} is not NAMESPACE.ENTRY: two identifiers joined by one dot, e.g. "
                "local.kosodate (the namespace is the catalog file, catalogs/local.yaml)"
            )
        return ns, entry
    stem = file.stem
    if stem.isidentifier():
        return "local", stem
    ascii_name = re.sub(r"[^0-9a-z]+", "_", unicodedata.normalize("NFKC", stem).lower())
    ascii_name = ascii_name.strip("_") or "data"
    return "local", ("data_" + ascii_name if ascii_name[0].isdigit() else ascii_name)


def _scalar(value: Any, *, key: bool = False, quote: bool = False) -> str:
    """``value`` as a YAML scalar (or key): plain where YAML reads it back the same, else in
    double quotes (JSON's escapes are YAML's)."""
    import yaml

    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    text = str(value)
    if not quote and text == text.strip() and "\n" not in text:
        probe = f"{text}: 1" if key else f"k: {text}"
        try:
            back = _yaml.safe_load(probe)
        except yaml.YAMLError:
            back = None
        if back == ({text: 1} if key else {"k": text}):
            return text
    return json.dumps(text, ensure_ascii=False)


def _entry_block(
    entry: str,
    *,
    indent: int,
    kwargs: dict[str, Any],
    df: pd.DataFrame,
    info: dict[str, Any],
    full: str,
) -> str:
    """The YAML of one entry, its key at ``indent`` spaces."""
    pad = " " * indent
    comments = {  # a line above the key, so the values stay in view
        "path": "relative to this file's folder (or to the project root), or absolute",
        "sha256": "of the file as added: a changed file is refused until this is updated",
        "header_row": "the row of the column names, as Excel numbers rows (from 1)",
    }
    lines = [
        f"{pad}{_scalar(entry, key=True)}:",
        f"{pad}  # Added by `ebpm catalog add` on {date.today().isoformat()}: {len(df):,} rows, "
        f"{df.shape[1]} columns.",
        f"{pad}  # Fill in the TODOs, then: ebpm catalog show {full}",
        f"{pad}  reader: ebpm.catalog.local:LocalFile",
        f"{pad}  kwargs:",
    ]
    for key, value in kwargs.items():
        if key in comments:
            lines.append(f"{pad}    # {comments[key]}")
        lines.append(f"{pad}    {key}: {_scalar(value, quote=key == 'sha256')}")
    if info.get("notes"):
        lines.append(
            f"{pad}    # {len(info['notes'])} row(s) of notes below the table are left out (kept "
            "in the provenance);"
        )
        lines.append(f"{pad}    # drop_notes: false keeps them as rows")
    lines += [
        f"{pad}  metadata:",
        f"{pad}    title: {_scalar('TODO: what the table is (' + str(info['what']) + ')')}",
        f"{pad}    description: {_scalar('TODO: what a row is, the period, how it was made')}",
        f"{pad}    source: {_scalar('TODO: who made or published the file')}",
        f"{pad}    licence: {_scalar('TODO: the terms it may be used under')}",
        f"{pad}    kind: table",
        f"{pad}    columns:",
    ]
    flags = info.get("flags") or {}
    for column in df.columns:
        dtype = str(df[column].dtype)
        base = str(column)[: -len(FLAG_SUFFIX)] if str(column).endswith(FLAG_SUFFIX) else None
        if base is not None and base in flags:
            shown = ", ".join(repr(m) for m in flags[base])
            text = f"{dtype}; marks of {base} as written ({shown}), where {base} is missing"
        else:
            text = f"{dtype}; TODO: what it holds, unit"
        lines.append(f"{pad}      {_scalar(column, key=True)}: {_scalar(text)}")
    return "\n".join(lines) + "\n"


def _lines_up_to_content(lines: list[str], end: int) -> int:
    """Index just after the last line before ``end`` that is neither blank nor a comment."""
    while end > 0 and (not lines[end - 1].strip() or lines[end - 1].lstrip().startswith("#")):
        end -= 1
    return end


def _with_entry(text: str, entry: str, block: Any, *, force: bool, where: str) -> tuple[str, bool]:
    """``text`` with the entry ``block(indent)`` added under ``entries:`` (or replacing the entry
    of that name when ``force``); comments and the rest of the file stay as they are."""
    import yaml

    try:
        root = _yaml.compose(text)
    except yaml.YAMLError as err:
        raise CatalogError(
            f"{where} is not valid YAML ({err}); fix it before adding to it"
        ) from err
    lines = text.splitlines(keepends=True)
    if lines and not lines[-1].endswith("\n"):
        lines[-1] += "\n"
    if root is None:  # empty, or comments only
        return "".join(lines) + "version: 2\nentries:\n" + block(2), False
    if not isinstance(root, yaml.MappingNode):
        raise CatalogError(
            f"{where} is not a YAML mapping with an `entries:` section; fix it first"
        )
    node = next((v for k, v in root.value if k.value == "entries"), None)
    if node is None:
        return "".join(lines) + "entries:\n" + block(2), False
    key_line = next(k.start_mark.line for k, v in root.value if k.value == "entries")
    if isinstance(node, yaml.ScalarNode) and node.value in ("", "~", "null"):
        key_text = lines[key_line].rstrip("\n")
        comment = re.search(r"\s#.*$", key_text)
        lines[key_line] = (
            key_text[: key_text.index(":") + 1] + (comment[0] if comment else "") + "\n"
        )
        return "".join([*lines[: key_line + 1], block(2), *lines[key_line + 1 :]]), False
    if not isinstance(node, yaml.MappingNode):
        raise CatalogError(f"{where}: `entries` is not a mapping; fix it first")
    if node.flow_style:
        if node.value:
            raise CatalogError(
                f"{where}: the entries are written in flow style ({{...}}); write them as a block "
                "(one entry per line) to add one"
            )
        head = text[: node.start_mark.index] + text[node.end_mark.index :]  # `{}` taken out
        return _with_entry(head, entry, block, force=force, where=where)
    indent = node.value[0][0].start_mark.column
    keys = [k for k, _ in node.value]
    names = [k.value for k in keys]
    if entry in names:
        i = names.index(entry)
        line = keys[i].start_mark.line + 1
        if not force:
            raise EntryExistsError(
                f"{where} already has an entry {entry!r} (line {line}); pass --force to replace "
                "it, or --name NAMESPACE.OTHER to add the file under another name"
            )
        start = keys[i].start_mark.line
        end = keys[i + 1].start_mark.line if i + 1 < len(keys) else node.end_mark.line
        if i + 1 >= len(keys) and node.end_mark.column:  # the mapping ends inside the last line
            end += 1
        end = max(_lines_up_to_content(lines, end), start + 1)
        return "".join([*lines[:start], block(indent), *lines[end:]]), True
    end = node.end_mark.line + (1 if node.end_mark.column else 0)
    end = _lines_up_to_content(lines, min(end, len(lines)))
    return "".join([*lines[:end], "\n", block(indent), *lines[end:]]), False


def add_entry(
    path: str | os.PathLike[str],
    *,
    name: str | None = None,
    sheet: str | int | None = None,
    header_row: int | None = None,
    header_rows: int | None = None,
    force: bool = False,
    folder: str | os.PathLike[str] | None = None,
) -> AddedEntry:
    """Read a file once and write a catalog entry for it, for the analyst to complete.

    Parameters
    ----------
    path : str or path-like
        The CSV or Excel file (relative to the current directory, or absolute).
    name : str, optional
        ``NAMESPACE.ENTRY``; default ``local.<file stem>`` (the stem kept when it is an
        identifier, else made snake_case ASCII). The entry goes to ``<folder>/<NAMESPACE>.yaml``,
        created when missing; an existing file keeps its text and comments.
    sheet, header_row, header_rows
        As for :func:`read_local_table`; what is found is written into the entry.
    force : bool
        Replace an entry of the same name.
    folder : str or path-like, optional
        The catalog folder (default: ``$EBPM_CATALOG_DIR``, else ``catalogs/`` in the current
        directory or above).

    Returns
    -------
    AddedEntry

    Raises
    ------
    EntryExistsError
        The entry exists and ``force`` is not set.
    LocalFileNotFoundError, SourceFormatError, SheetNotFoundError, HeaderRowError
        The file cannot be read as given (see :func:`read_local_table`).
    """
    import yaml

    from ebpm._io import atomic_write_text
    from ebpm.catalog._loader import normalize

    file = resolve_path(path)
    target_dir = Path(folder) if folder is not None else _catalog_folder()
    ns, entry = _entry_name(name, file)
    full = f"{ns}.{entry}"
    target = target_dir / f"{ns}.yaml"
    created = not target.is_file()
    old = _NEW_CATALOG if created else target.read_text(encoding="utf-8")
    where = str(target)
    _with_entry(old, entry, lambda indent: "", force=force, where=where)  # refuse early
    if not created:
        try:
            normalize(_yaml.safe_load(old), source=where)
        except yaml.YAMLError as err:
            raise CatalogError(f"{where} is not valid YAML ({err}); fix it first") from err
        except CatalogError as err:
            raise CatalogError(f"{err}; fix the catalog file before adding to it") from err
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", MixedColumnWarning)
        df = _read(file, sheet=sheet, header_row=header_row, header_rows=header_rows)
    origin = df.attrs["ebpm"]["origin"]
    project = target_dir.resolve().parent
    if file.is_relative_to(project):  # in the project: a path that moves with it
        rel = Path(os.path.relpath(file, target_dir.resolve())).as_posix()
    else:
        rel = file.as_posix()
    kwargs: dict[str, Any] = {"path": rel, "sha256": origin["sha256"]}
    if origin["format"] == "csv":
        kwargs["encoding"] = origin["encoding"]
    else:
        kwargs["sheet"] = origin["sheet"]
    kwargs["header_row"] = origin["header_row"]
    kwargs["header_rows"] = origin["header_rows"]

    blocks: list[str] = []

    def block(indent: int) -> str:
        blocks.append(
            _entry_block(entry, indent=indent, kwargs=kwargs, df=df, info=origin, full=full)
        )
        return blocks[-1]

    text, replaced = _with_entry(old, entry, block, force=force, where=where)
    try:
        raw = _yaml.safe_load(text)
        normalize(raw, source=where)
        written = raw["entries"][entry]
    except (yaml.YAMLError, CatalogError, KeyError, TypeError) as err:  # pragma: no cover
        raise CatalogError(
            f"the entry for {file.name} did not come out as valid catalog YAML ({err}); "
            f"{where} is unchanged. Please report this with the file's column names."
        ) from err
    if written.get("kwargs") != kwargs or list(written["metadata"]["columns"]) != list(
        map(str, df.columns)
    ):  # pragma: no cover - a quoting bug would show here, before anything is written
        raise CatalogError(
            f"the entry for {file.name} did not read back as written; {where} is unchanged"
        )
    atomic_write_text(target, text)
    log.info("wrote %s to %s", full, target)
    return AddedEntry(
        name=full,
        catalog_file=target,
        created=created,
        replaced=replaced,
        text=blocks[-1],
        frame=finish(df, entry=full),
        warnings=tuple(str(w.message) for w in caught),
    )
