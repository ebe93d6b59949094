"""The grid of a sheet or CSV file: its cells, the header found in it, the notes below the table.

A spreadsheet kept by hand has titles above the header, a header over several rows with merged
group titles, and notes below the table; this module finds the header rows, names the columns
and tells the notes from the data. :mod:`ebpm.catalog.local` describes the whole reading.
"""

from __future__ import annotations

import functools
import math
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from ebpm.errors import HeaderRowError

#: Cell texts read as missing, with the text kept in ``<column>_flag``. Compared after NFKC
#: (full-width ``ｘ``, ``－``, ``＊＊＊`` become ``x``, ``-``, ``***``; ``…`` becomes ``...``)
#: and stripping: 秘匿 (suppressed), none, 不詳 (unknown), and the NA texts of spreadsheets.
MARKS: frozenset[str] = frozenset(
    {
        "x", "X", "χ", "*", "**", "***", "-", "--", "---", "‐", "‑", "–", "—", "―", "−", "ー",
        "..", "...", "…", "秘匿", "不詳", "NA", "N/A", "#N/A", "n/a", "na", "nan", "NaN", "null",
    }
)  # fmt: skip

_SCAN_ROWS = 50  # rows searched for a header
_MAX_HEADER_ROWS = 4
_NUMBER = re.compile(r"(?:\d{1,3}(?:,\d{3})+(?:\.\d*)?|\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")
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
