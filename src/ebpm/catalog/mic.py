"""総務省「地方公共団体の主要財政指標一覧」: the ministry's fiscal indicators as one tidy panel.

The Ministry of Internal Affairs and Communications (総務省) publishes, for every fiscal year, one
spreadsheet of the main fiscal indicators of all municipalities (全市町村) and one of all
prefectures (都道府県). ebpm ships the files for FY2005 (H17) to FY2021 (R3) unchanged, in
``ebpm/data/japan/mic_fiscal_indices/city/`` and ``.../prefecture/`` (see ``SOURCES.md`` there),
and :class:`MicFiscalIndices` reads the 17 files of one level into one panel, one row per
municipality (or prefecture) and fiscal year:

``code`` (5 digits, JIS X 0402, no check digit), ``lg_code`` (the 6-digit 全国地方公共団体コード),
``name`` and ``prefecture`` as the file spells them, ``pref_code``, ``fiscal_year`` (western, the
year the fiscal year starts in), then one float column per indicator (:data:`INDICATORS`), missing
where a year does not publish it.

What the files hold (checked file by file)
------------------------------------------
* One sheet per workbook; its name varies (``全市町村の主要財政指標``, ``Sheet1`` in H18,
  a trailing space from H25). Row 1 is a title (``全市町村の主要財政指標``; from H30 with
  the year: ``（平成30年度決算）``, ``（令和元年度）``, and that year must be the file's),
  row 2 the header, data from row 3. The header is found by its ``都道府県名`` cell, not by
  position.
* ``.xls`` (BIFF8) to H27, ``.xlsx`` from H28. The file name is the fiscal year in 和暦.
* Municipal files: ``都道府県名, 団体名`` and the indicators; **from H23 (FY2011)** also
  ``団体コード`` in front, six digits as text with the check digit (all valid). H17-H22 have
  no code: the names are matched to the codes in force at the end of that fiscal year (31 March
  of the next year), see below. Prefecture files never have a code: the name gives it.
* Columns by year (municipal and prefectural alike, except where noted):

  - H17-H18: 経常収支比率, 実質公債費比率, 起債制限比率, 財政力指数, ラスパイレス指数;
  - H19: the same, but the municipal file has no ラスパイレス指数;
  - H20-R3: 財政力指数, 経常収支比率, 実質公債費比率, 将来負担比率, ラスパイレス指数
    (起債制限比率 is no longer published; 将来負担比率 starts with the 健全化法, FY2008);
  - H24-H25 add ``ラスパイレス指数\\n参考値※``: the index had the national pay cut of
    2012-2014 (給与改定・臨時特例法) not been made. The headline index of those two years is
    inflated by that cut (107 instead of 99 for the prefectures); the reference value is kept
    as ``laspeyres_index_reference``.

  Header text is compared after NFKC, with spaces, line breaks and a trailing ``※`` removed;
  an unknown header raises :class:`~ebpm.errors.SourceFormatError`.
* Rows: the municipalities in force at the end of the fiscal year, before or after mergers
  (1,844 in FY2005, 1,741 from FY2014: 1,718 municipalities and Tokyo's 23 special wards; a
  designated city is one row, without its wards); 47 prefectures. Below them one average row
  (``全国市町村 | 平均``, from H23 ``全国市町村平均``; ``都道府県平均``), dropped, and in
  H17-H19 and H24-H25 notes ((注) ..., ※...) in the first column only, also dropped. Any
  other row whose prefecture is not one of the 47 raises
  :class:`~ebpm.errors.SourceFormatError`.
* Cells that are not plain numbers, each kind read deliberately and recorded (see below):

  - ``-`` (H21-H27, H29-R3) and the full-width ``－`` (H19, H20, H28, two cells of H29): not
    computed, read as missing. 将来負担比率 ``-`` means no net future burden (the ratio is
    not computed when it would not be positive), several hundred municipalities a year.
    実質公債費比率 ``-`` marks municipalities merged away just after the year (H19's six, as
    its note says; 富士見村, 吉井町 in H20; 一色町, 吉良町, 幡豆町, 東出雲町 in H22; 岩舟町
    in H25). ラスパイレス指数 ``-`` marks municipalities merged, created or made cities
    during the year (twelve in H20, five in H21) and ten hit by the 2011 earthquake and
    nuclear accident (H23).
  - numbers stored as text: H17's ラスパイレス指数 (``'98.6'``; 1,840 municipal and all 47
    prefectural cells), read as numbers.
  - numbers in parentheses: H20's 財政力指数 and 経常収支比率 of the 23 special wards
    (``'(0.80)'``, ``'(69.1)'``), the wards' values on the 特別区財政調整交付金 basis, which
    other years print without parentheses (千代田区 0.8 in H19 and H21); read as numbers.
  - binary floating-point noise (``8.799999999999999`` for 8.8; 450 cells of H21, one each in
    R1 and R2) is rounded away at 10 decimals; no published value has more than 5.
  - ``…`` (not applicable, in other MIC tables) would be read as missing, though no file has
    one; a blank cell likewise. Any other text raises
    :class:`~ebpm.errors.SourceFormatError`.

* ラスパイレス指数 is as of 1 April after the fiscal year (the notes of H17 and H18), but the
  H19 prefecture file says "平成19年４月１日現在": its values repeat H18's, as published.

Matching names to codes
-----------------------
The municipal files of H17-H22 name each municipality by 都道府県名 and 団体名 only. Each
distinct (prefecture, name, fiscal year) is looked up once with
:func:`ebpm.japan.municipality_code` on 31 March after the fiscal year. Where it finds no
single code, the name is compared with the names then in force
(:func:`ebpm.japan.codes_in_force`) after NFKC, with ヶ/ケ alike and the six villages of the
Northern Territories (北方領土, 01695-01700: codes without finances) left out; a single hit is
taken and listed in ``resolved`` (see below). One name needs this: 北海道 泊村, which
``municipality_code`` finds twice (01403, and 01696 in 国後郡) and the files write without its
county. The files' 桧原村 (H17-H18, H21-H25; the record writes 檜原村) and 南木曾町 (H17-H18;
南木曽町) are found by ``municipality_code`` itself.

Where the file has a code (H23 on), its check digit is validated, and the code must be in force
on 31 March after the fiscal year, in the row's prefecture, under the row's name (compared the
same way, or the name must find that code).

A row whose name finds no code, or whose code does not fit its name, is kept with ``code`` and
``lg_code`` missing, listed with the reason in ``unmatched`` and counted in an
:class:`UnmatchedNamesWarning`. With the shipped files there is none: every fiscal year's codes
are exactly the municipalities (and special wards) in force at its end.

Provenance
----------
Besides the files and their sha256, the provenance (``attrs["ebpm"]["details"]`` after
:func:`ebpm.catalog.load`, ``attrs["ebpm"]["origin"]`` from the reader itself) holds:

``marks``
    One record per fiscal year, column and kind of cell that was not a plain number (``dash``,
    ``ellipsis``, ``blank``, ``numeric_text``, ``parenthesised``): what it was read as
    (``missing`` or ``number``), the mark texts, the count and the rows (their ``code``, or
    ``"prefecture name"`` for an unmatched row).
``unmatched``
    ``fiscal_year, prefecture, name, reason`` of each row without a code.
``resolved``
    The names :func:`ebpm.japan.municipality_code` did not resolve and the fallback did, with
    the code, the official name and what ``municipality_code`` said.

The credit line the ministry asks for is :data:`CREDIT`. The parsed panel is kept for the life
of the process, keyed by the sha256 of the 17 files: every load reads and hashes the files (and
checks the pins), but they are parsed and matched once.
"""

from __future__ import annotations

import copy
import functools
import io
import logging
import re
import unicodedata
import warnings
from collections import defaultdict
from datetime import date
from typing import Any, ClassVar, Literal

import pandas as pd
from intake.readers.readers import BaseReader

from ebpm import japan
from ebpm.catalog.readers import _origin, package_file
from ebpm.errors import (
    CatalogError,
    InvalidCodeError,
    InvalidOptionError,
    SourceFormatError,
    UnmatchedNamesWarning,
    check_option,
    did_you_mean,
)

__all__ = [
    "COLUMNS",
    "CREDIT",
    "FISCAL_YEARS",
    "INDICATORS",
    "Level",
    "MicFiscalIndices",
    "UnmatchedNamesWarning",
    "resource",
]

logger = logging.getLogger(__name__)

Level = Literal["city", "prefecture"]

CREDIT = "出典：総務省『地方公共団体の主要財政指標一覧』"
"""The credit line the ministry asks for."""

INDICATORS: dict[str, str] = {
    "fiscal_capacity_index": "財政力指数",
    "current_balance_ratio": "経常収支比率",
    "real_debt_service_ratio": "実質公債費比率",
    "future_burden_ratio": "将来負担比率",
    "laspeyres_index": "ラスパイレス指数",
    "bond_restriction_ratio": "起債制限比率",
    "laspeyres_index_reference": "ラスパイレス指数参考値",
}
"""Indicator columns of the panel and the ministry's label of each, in column order."""

COLUMNS: tuple[str, ...] = (
    "code",
    "lg_code",
    "name",
    "prefecture",
    "pref_code",
    "fiscal_year",
    *INDICATORS,
)
"""Every column of the panel, in order."""

FISCAL_YEARS: dict[str, int] = {
    **{f"H{n}": 1988 + n for n in range(17, 31)},
    **{f"R{n}": 2018 + n for n in range(1, 4)},
}
"""File stem (fiscal year in 和暦) → fiscal year. There is no H31: FY2019 is 令和元年度 (R1)."""

_PACKAGE = "ebpm"
_FOLDER = "data/japan/mic_fiscal_indices"
_LAST_XLS = 2015  # .xls up to H27 (FY2015), .xlsx from H28

# Header cells (normalised by _header) → panel column.
_HEADERS = {
    "団体コード": "lg_code",
    "都道府県名": "prefecture",
    "団体名": "name",
    **{label: column for column, label in INDICATORS.items()},
}
# Rows below the data: the average row's first cell, normalised (spaces removed).
_AVERAGE_ROWS = ("全国市町村平均", "都道府県平均")
# Texts read as missing (after NFKC and strip): the dashes the ministry uses, and the ellipsis.
_MISSING_MARKS = {
    "-": "dash",  # '-' and NFKC('－')
    "‐": "dash",
    "‒": "dash",
    "–": "dash",
    "—": "dash",
    "―": "dash",
    "−": "dash",
    "...": "ellipsis",  # NFKC('…')
}
_PARENTHESISED = re.compile(r"^\((-?\d+(?:\.\d+)?)\)$")
_TITLE_YEAR = re.compile(r"(平成|令和)(元|\d+)年度")
_DECIMALS = 10  # rounding that removes binary noise; no published value has more than 5


def resource(level: Level, stem: str) -> str:
    """Path inside the ``ebpm`` package of one file: ``resource("city", "H17")``.

    Parameters
    ----------
    level : {"city", "prefecture"}
        全市町村 or 都道府県.
    stem : str
        The fiscal year in 和暦 as the file is named (``"H17"`` ... ``"H30"``, ``"R1"`` ...
        ``"R3"``).

    Returns
    -------
    str
        ``"data/japan/mic_fiscal_indices/city/H17.xls"``.

    Raises
    ------
    InvalidOptionError
        For an unknown level or a year that has no file.
    """
    check_option(
        "level",
        level,
        Level,
        why="'city' reads 全市町村 (every municipality and Tokyo's special wards), "
        "'prefecture' reads 都道府県.",
    )
    if stem not in FISCAL_YEARS:
        raise InvalidOptionError(
            f"no file for fiscal year {stem!r}; the files are {list(FISCAL_YEARS)} (FY2019 is "
            "R1: 平成31年度 does not exist)" + did_you_mean(stem, FISCAL_YEARS)
        )
    ext = ".xls" if FISCAL_YEARS[stem] <= _LAST_XLS else ".xlsx"
    return f"{_FOLDER}/{level}/{stem}{ext}"


def _header(cell: Any) -> str:
    """A header cell compared by meaning: NFKC, no whitespace or line breaks, no trailing ※."""
    if _blank(cell):
        return ""
    text = re.sub(r"\s+", "", unicodedata.normalize("NFKC", str(cell)))
    return text.rstrip("※*")


def _blank(cell: Any) -> bool:
    if cell is None:
        return True
    if isinstance(cell, float) and cell != cell:  # NaN
        return True
    return isinstance(cell, str) and not cell.strip()


def _text(cell: Any) -> str:
    return "" if _blank(cell) else str(cell).strip()


def _number(cell: Any) -> tuple[float | None, str | None]:
    """The value of an indicator cell and, when it was not a plain number, its kind.

    Returns ``(value, None)`` for a number, ``(value, "numeric_text")`` or ``(value,
    "parenthesised")`` for a number written as text, ``(None, kind)`` for a missing mark
    (``dash``, ``ellipsis``, ``blank``) and ``(None, "unknown")`` for anything else.
    """
    if _blank(cell):
        return None, "blank"
    if isinstance(cell, bool):
        return None, "unknown"
    if isinstance(cell, int | float):
        return round(float(cell), _DECIMALS), None
    text = unicodedata.normalize("NFKC", str(cell)).strip()
    if text in _MISSING_MARKS:
        return None, _MISSING_MARKS[text]
    match = _PARENTHESISED.match(text.replace(" ", ""))
    if match:
        return round(float(match[1]), _DECIMALS), "parenthesised"
    try:
        return round(float(text), _DECIMALS), "numeric_text"
    except ValueError:
        return None, "unknown"


@functools.cache
def _pref_codes() -> dict[str, str]:
    """Prefecture name as the files write it (北海道, 東京都, ...) → 2-digit code."""
    table = japan.prefectures()
    return dict(zip(table["name_ja"], table["code"], strict=True))


def _fiscal_year_end(fiscal_year: int) -> date:
    return date(fiscal_year + 1, 3, 31)


def _parse_file(level: Level, stem: str, data: bytes) -> tuple[pd.DataFrame, list[dict]]:
    """One workbook → raw rows (``lg_code`` as published or missing) and its odd cells.

    The odd cells are ``{"row": i, "column": c, "kind": k, "text": t}``, ``i`` the position in
    the returned frame.
    """
    fiscal_year = FISCAL_YEARS[stem]
    where = f"{_PACKAGE}/{resource(level, stem)}"
    sheets = pd.read_excel(
        io.BytesIO(data), engine="calamine", header=None, dtype=object, sheet_name=None
    )
    if len(sheets) != 1:
        raise SourceFormatError(
            f"{where}: expected one sheet, found {list(sheets)}; the file changed, check it"
        )
    grid = next(iter(sheets.values()))
    cells = grid.to_numpy().tolist()
    header_at = next(
        (i for i, row in enumerate(cells[:10]) if "都道府県名" in {_header(c) for c in row}), None
    )
    if header_at is None:
        raise SourceFormatError(
            f"{where}: no header row with 都道府県名 in the first 10 rows; the file changed"
        )
    title = " ".join(_text(c) for row in cells[:header_at] for c in row if not _blank(c))
    match = _TITLE_YEAR.search(unicodedata.normalize("NFKC", title))
    if match and japan.to_seireki(match[1], match[2]) != fiscal_year:
        raise SourceFormatError(
            f"{where}: the title {title!r} names another fiscal year than the file name "
            f"({stem} = FY{fiscal_year}); the file is misnamed"
        )
    columns: dict[int, str] = {}
    for j, cell in enumerate(cells[header_at]):
        label = _header(cell)
        if not label:
            continue
        if label not in _HEADERS:
            raise SourceFormatError(
                f"{where}: unknown column {label!r} in the header; known columns are "
                f"{list(_HEADERS)}.{did_you_mean(label, _HEADERS)} Add it to the reader."
            )
        if _HEADERS[label] in columns.values():
            raise SourceFormatError(f"{where}: column {label!r} appears twice in the header")
        columns[j] = _HEADERS[label]
    needed = {"prefecture", "name"} if level == "city" else {"prefecture"}
    if level == "prefecture" and {"name", "lg_code"} & set(columns.values()):
        raise SourceFormatError(f"{where}: a prefecture file with 団体名/団体コード columns")
    if not needed <= set(columns.values()):
        raise SourceFormatError(
            f"{where}: the header lacks {sorted(needed - set(columns.values()))}; the file changed"
        )
    indicator_at = {j: c for j, c in columns.items() if c in INDICATORS}
    pref_at = next(j for j, c in columns.items() if c == "prefecture")
    known_prefs = _pref_codes()
    records: list[dict[str, Any]] = []
    odd: list[dict[str, Any]] = []
    in_notes = False
    for i in range(header_at + 1, len(cells)):
        row = cells[i]
        excel_row = i + 1
        if all(_blank(c) for c in row):
            continue
        first = _header(row[0])
        rest_blank = all(_blank(c) for c in row[1:])
        if "".join(_header(c) for c in row[:2] if isinstance(c, str)) in _AVERAGE_ROWS:
            continue
        if rest_blank and (in_notes or first.startswith(("(注)", "注", "※"))):
            in_notes = True  # notes run to the end of the sheet
            continue
        prefecture = _text(row[pref_at])
        if in_notes or prefecture not in known_prefs:
            raise SourceFormatError(
                f"{where}, row {excel_row}: {[c for c in row if not _blank(c)]} is neither a "
                f"{'municipality' if level == 'city' else 'prefecture'}, the average row nor "
                "a note; the file changed, check it"
            )
        record: dict[str, Any] = {"fiscal_year": fiscal_year, "prefecture": prefecture}
        for j, column in columns.items():
            if column in ("lg_code", "name"):
                record[column] = _text(row[j]) or None
        if level == "city" and not record.get("name"):
            raise SourceFormatError(f"{where}, row {excel_row}: a municipality without a name")
        for j, column in indicator_at.items():
            value, kind = _number(row[j])
            if kind == "unknown":
                raise SourceFormatError(
                    f"{where}, row {excel_row}, column {INDICATORS[column]}: {row[j]!r} is "
                    "neither a number nor a known mark (-, －, …); look at the file and teach "
                    "the reader what it means"
                )
            if kind is not None:
                odd.append({"row": len(records), "column": column, "kind": kind, "text": row[j]})
            record[column] = value
        records.append(record)
    frame = pd.DataFrame.from_records(records)
    for column in INDICATORS:
        if column not in frame:
            frame[column] = None
        frame[column] = pd.to_numeric(frame[column], errors="raise").astype("float64")
    logger.debug("%s: %d rows, %d odd cells", where, len(frame), len(odd))
    return frame, odd


# The six villages of the Northern Territories (北方領土: 色丹村, 泊村, 留夜別村, 留別村, 紗那村,
# 蘂取村) still have codes but no finances; 01696 泊村 (国後郡) shares its name with 01403 泊村.
_NORTHERN_TERRITORIES = frozenset(f"0{n}" for n in range(1695, 1701))


def _light(name: str) -> str:
    """A name as compared across the files' spellings: NFKC, no spaces, ヶ and ケ alike."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", name)).replace("ヶ", "ケ")


class _Matcher:
    """Codes for the municipal rows, looked up once per (prefecture, name, fiscal year).

    Names go to :func:`ebpm.japan.municipality_code` on 31 March after the fiscal year. When it
    finds no single code, the row's name is compared with the names in force then
    (:func:`ebpm.japan.codes_in_force`, Northern Territories left out) after :func:`_light`;
    a single hit is taken and recorded in :attr:`resolved`, with what ``municipality_code``
    said. A name that is exactly the official name of one municipality of the prefecture in
    force then is that municipality's code without asking ``municipality_code`` (the same
    answer, found in a dictionary: most of the ministry's rows are such names, and asking for
    each of them took most of the spreadsheets' build time).
    """

    def __init__(self) -> None:
        self.resolved: list[dict[str, Any]] = []
        self._names: dict[tuple[str, str, int], tuple[str | None, str | None]] = {}
        self._in_force: dict[int, dict[str, tuple[str, str]]] = {}
        self._official: dict[int, dict[tuple[str, str], str | None]] = {}

    def official(self, fiscal_year: int) -> dict[tuple[str, str], str | None]:
        """(prefecture code, official name) → the one code in force with it at the fiscal
        year end (None when two share it, the Northern Territories' counted: then
        ``municipality_code`` decides, and a resolution is recorded as before)."""
        self._read(fiscal_year)
        return self._official[fiscal_year]

    def _read(self, fiscal_year: int) -> None:
        """Both tables of a fiscal year, from one :func:`ebpm.japan.codes_in_force`."""
        if fiscal_year in self._in_force:
            return
        found = japan.codes_in_force(_fiscal_year_end(fiscal_year), wards=False)
        in_force: dict[str, tuple[str, str]] = {}
        official: dict[tuple[str, str], str | None] = {}
        for code, pref_code, name in zip(
            found["code"], found["pref_code"], found["name"], strict=True
        ):
            key = (pref_code, name)
            official[key] = None if key in official or code in _NORTHERN_TERRITORIES else code
            if code not in _NORTHERN_TERRITORIES:
                in_force[code] = key
        self._in_force[fiscal_year], self._official[fiscal_year] = in_force, official

    def in_force(self, fiscal_year: int) -> dict[str, tuple[str, str]]:
        """Code → (prefecture code, name) at the fiscal year end; no wards or 北方領土."""
        self._read(fiscal_year)
        return self._in_force[fiscal_year]

    def by_name(self, pref: str, name: str, fiscal_year: int) -> tuple[str | None, str | None]:
        """``(code, None)`` or ``(None, why not)``."""
        key = (pref, name, fiscal_year)
        if key in self._names:
            return self._names[key]
        exact = self.official(fiscal_year).get((_pref_codes()[pref], name))
        if exact is not None:
            self._names[key] = (exact, None)
            return self._names[key]
        end = _fiscal_year_end(fiscal_year)
        try:
            found: tuple[str | None, str | None] = (
                japan.municipality_code(name, pref=pref, date=end),
                None,
            )
        except InvalidCodeError as err:
            pref_code, light = _pref_codes()[pref], _light(name)
            same = [
                code
                for code, (in_pref, official) in self.in_force(fiscal_year).items()
                if in_pref == pref_code and _light(official) == light
            ]
            if len(same) == 1:
                found = (same[0], None)
                self.resolved.append(
                    {
                        "fiscal_year": fiscal_year,
                        "prefecture": pref,
                        "name": name,
                        "code": same[0],
                        "official_name": self.in_force(fiscal_year)[same[0]][1],
                        "municipality_code_said": str(err),
                    }
                )
            else:
                found = (None, str(err))
        self._names[key] = found
        return found

    def by_code(
        self, pref: str, name: str, fiscal_year: int, lg: str
    ) -> tuple[str | None, str | None]:
        """The published 団体コード checked: its check digit, and its name at the year end."""
        end = _fiscal_year_end(fiscal_year).isoformat()
        try:
            code = japan.validate_lg_code(lg)[:5]
        except InvalidCodeError as err:
            return None, f"団体コード {lg}: {err}"
        if code not in self.in_force(fiscal_year):
            return None, f"団体コード {lg} was not in force on {end}"
        official = self.in_force(fiscal_year)[code][1]
        if code[:2] != _pref_codes()[pref]:
            return None, f"団体コード {lg} is {official} of another prefecture"
        if _light(official) != _light(name) and self.by_name(pref, name, fiscal_year)[0] != code:
            return None, f"団体コード {lg} was {official} on {end}, not {name}"
        return code, None


def _match_city(frame: pd.DataFrame) -> tuple[list[Any], list[dict[str, Any]], list[dict]]:
    """5-digit codes of a municipal panel's rows (``None`` where none), the misses, the fixes.

    A row with a published 団体コード keeps it when its check digit is right, it is in force at
    the fiscal year end in the row's prefecture, and its name then is the row's (or the row's
    name finds that code). A row without one is matched by name (:class:`_Matcher`).
    """
    matcher = _Matcher()
    codes: list[Any] = []
    unmatched: list[dict[str, Any]] = []
    for fiscal_year, pref, name, lg in frame[
        ["fiscal_year", "prefecture", "name", "lg_code"]
    ].itertuples(index=False, name=None):
        fiscal_year = int(fiscal_year)
        if isinstance(lg, str) and lg:
            code, reason = matcher.by_code(pref, name, fiscal_year, lg)
        else:
            code, reason = matcher.by_name(pref, name, fiscal_year)
        codes.append(code)
        if code is None:
            unmatched.append(
                {"fiscal_year": fiscal_year, "prefecture": pref, "name": name, "reason": reason}
            )
    return codes, unmatched, matcher.resolved


def _build(level: Level, files: list[tuple[str, bytes]]) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Parse and match the files of one level: the panel and its ``marks`` and ``unmatched``."""
    frames, odd_cells = [], []
    offset = 0
    for stem, data in files:
        frame, odd = _parse_file(level, stem, data)
        frames.append(frame)
        odd_cells += [{**o, "row": o["row"] + offset} for o in odd]
        offset += len(frame)
    raw = pd.concat(frames, ignore_index=True)
    if level == "city":
        codes, unmatched, resolved = _match_city(raw)
        names = raw["name"]
    else:
        codes = [_pref_codes()[p] + "000" for p in raw["prefecture"]]
        unmatched, resolved = [], []
        names = raw["prefecture"]
    out = pd.DataFrame(
        {
            "code": pd.array(codes, dtype="str"),
            "lg_code": pd.array(
                [japan.to_lg_code(c) if isinstance(c, str) else None for c in codes], dtype="str"
            ),
            "name": names.astype("str"),
            "prefecture": raw["prefecture"].astype("str"),
            "pref_code": raw["prefecture"].map(_pref_codes()).astype("str"),
            "fiscal_year": raw["fiscal_year"].astype("int64"),
            **{column: raw[column] for column in INDICATORS},
        }
    )
    twice = out["code"].notna() & out.duplicated(["code", "fiscal_year"], keep=False)
    for i in out.index[twice]:
        others = out.index[
            twice
            & (out["code"] == out.at[i, "code"])
            & (out["fiscal_year"] == out.at[i, "fiscal_year"])
        ]
        unmatched.append(
            {
                "fiscal_year": int(out.at[i, "fiscal_year"]),
                "prefecture": out.at[i, "prefecture"],
                "name": out.at[i, "name"],
                "reason": f"code {out.at[i, 'code']} is also matched by "
                + ", ".join(out.loc[j, "name"] for j in others if j != i),
            }
        )
    out.loc[twice, ["code", "lg_code"]] = None
    unmatched.sort(key=lambda u: (u["fiscal_year"], u["prefecture"], u["name"]))
    details = {
        "marks": _marks(out, odd_cells),
        "unmatched": unmatched,
        "resolved": resolved,
        # every indicator is a ratio or an index: ebpm.japan.harmonize refuses to sum them
        "ratios": [c for c in INDICATORS if c in out.columns],
    }
    return out, details


_READ_AS = {
    "dash": "missing",
    "ellipsis": "missing",
    "blank": "missing",
    "numeric_text": "number",
    "parenthesised": "number",
}


def _marks(panel: pd.DataFrame, odd_cells: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The odd cells grouped by fiscal year, column and kind, rows named by code."""
    years = panel["fiscal_year"].to_numpy()
    labels = [
        code if isinstance(code, str) else f"{pref} {name}"
        for code, pref, name in zip(panel["code"], panel["prefecture"], panel["name"], strict=True)
    ]
    groups: dict[tuple[int, str, str], dict[str, Any]] = {}
    for cell in odd_cells:
        key = (int(years[cell["row"]]), cell["column"], cell["kind"])
        group = groups.setdefault(
            key,
            {
                "fiscal_year": key[0],
                "column": key[1],
                "label": INDICATORS[key[1]],
                "kind": key[2],
                "read_as": _READ_AS[key[2]],
                "texts": [],
                "count": 0,
                "rows": [],
            },
        )
        text = "" if _blank(cell["text"]) else str(cell["text"])
        if key[2] in ("dash", "ellipsis", "blank") and text not in group["texts"]:
            group["texts"].append(text)
        group["count"] += 1
        group["rows"].append(labels[cell["row"]])
    return [groups[k] for k in sorted(groups)]


_PARSED: dict[tuple[str, tuple[str, ...]], tuple[pd.DataFrame, dict[str, Any]]] = {}


@functools.cache
def _builder() -> str:
    """What the panel is built by, as a digest: this module's and ``ebpm.japan``'s source (the
    name matching reads the record of municipal changes through it) and the record's shipped
    files. A change to any of them builds the panel again rather than serve an old build."""
    import hashlib
    from pathlib import Path

    from ebpm._version import __version__
    from ebpm.japan.history import record

    digest = hashlib.sha256(f"{__version__}\n{sorted(record._PINS.items())}\n".encode())
    here = Path(__file__)
    sources = [here, *sorted((here.parent.parent / "japan").rglob("*.py"))]
    for path in sources:
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def _parsed(level: Level, files: list[tuple[str, dict[str, Any]]]) -> tuple[pd.DataFrame, dict]:
    """The panel of ``files`` and its details, built once per machine: kept in the cache as
    Parquet (:func:`ebpm.catalog.cache.cached_table`), so each report notebook of a run, each
    in its own kernel, reads it instead of parsing the 17 spreadsheets and matching 30,000
    names again (2.7 s a kernel)."""
    from ebpm.catalog.cache import cached_table

    parts = {
        "source": "mic_fiscal_indices",
        "level": level,
        "files": {stem: f["sha256"] for stem, f in files},
        "builder": _builder(),
    }

    def build() -> pd.DataFrame:
        panel, details = _build(level, [(stem, f["bytes"]) for stem, f in files])
        what = f"the ministry's fiscal indicators ({level})"
        panel.attrs["ebpm"] = {"origin": {"what": what, "details": details}}
        return panel

    df = cached_table(parts, build)
    details = df.attrs["ebpm"]["origin"]["details"]
    df.attrs = {}
    return df, details


class MicFiscalIndices(BaseReader):
    """総務省「地方公共団体の主要財政指標一覧」, FY2005-FY2021, as one panel.

    See :mod:`ebpm.catalog.mic` for the columns, what the files hold and how names are matched
    to codes.

    Keyword arguments (set in the catalog entry's ``kwargs``):

    ``level``
        ``"city"`` (全市町村: municipalities and Tokyo's special wards) or ``"prefecture"``.
    ``pins``
        ``{"ebpm/data/japan/mic_fiscal_indices/<level>/<file>": sha256}``. When given, every
        file read must be pinned; a changed file raises :class:`~ebpm.errors.IntegrityError`.
    """

    output_instance = "pandas:DataFrame"
    imports: ClassVar[set[str]] = {"pandas", "python_calamine"}

    def _read(self, *, level: Level, pins: dict[str, str] | None = None) -> pd.DataFrame:
        check_option(
            "level",
            level,
            Level,
            why="'city' reads 全市町村 (every municipality and Tokyo's special wards), "
            "'prefecture' reads 都道府県.",
        )
        for key, pin in (pins or {}).items():
            if not (isinstance(pin, str) and len(pin) == 64):
                raise CatalogError(
                    f"pins: {key} is pinned to {pin!r}, not a sha256 (64 hex characters); "
                    "quote it in the YAML, or YAML may read a digest of digits as a number"
                )
        files = []
        for stem in FISCAL_YEARS:
            path = resource(level, stem)
            key = f"{_PACKAGE}/{path}"
            if pins is not None and key not in pins:
                raise CatalogError(
                    f"{key} is read but not pinned; add its sha256 to the entry's `pins` "
                    f"(pinned: {len(pins)} files)"
                )
            files.append((stem, package_file(_PACKAGE, path, sha256=(pins or {}).get(key))))
        cache_key = (level, tuple(f["sha256"] for _, f in files))
        if cache_key not in _PARSED:
            _PARSED[cache_key] = _parsed(level, files)
        panel, details = _PARSED[cache_key]
        df = panel.copy(deep=True)
        details = copy.deepcopy(details)
        if details["unmatched"]:
            count = len(details["unmatched"])
            by_year: dict[int, int] = defaultdict(int)
            for u in details["unmatched"]:
                by_year[u["fiscal_year"]] += 1
            warnings.warn(
                f"{count} {'row' if count == 1 else 'rows'} of the ministry's table matched no "
                f"municipality code (by fiscal year: {dict(sorted(by_year.items()))}); "
                f"{'it is' if count == 1 else 'they are'} kept with code missing and listed "
                "with the reason in attrs['ebpm']['details']['unmatched']",
                UnmatchedNamesWarning,
                stacklevel=3,  # the caller of the reader's read()
            )
        origin = _origin([f for _, f in files])
        origin.update(
            {
                "licence": "CC BY 4.0",
                "attribution": CREDIT,
                "level": level,
                "fiscal_years": [min(FISCAL_YEARS.values()), max(FISCAL_YEARS.values())],
                **details,
            }
        )
        df.attrs["ebpm"] = {"origin": origin}
        return df
