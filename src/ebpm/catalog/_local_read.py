"""A local CSV or Excel file read into a frame: its path found, its format and encoding told
from its bytes, its sheet picked, its pin checked, its grid made a table with provenance.

:func:`ebpm.catalog.local.read_local_table` and :class:`~ebpm.catalog.local.LocalFile` read
through :func:`_read`; the public names are re-exported by :mod:`ebpm.catalog.local`.
"""

from __future__ import annotations

import csv
import hashlib
import io
import logging
import os
import re
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal, get_args

import pandas as pd

from ebpm.catalog import files
from ebpm.catalog._local_columns import _column
from ebpm.catalog._local_grid import (
    _SCAN_ROWS,
    MARKS,
    _check_header,
    _columns,
    _count_header_rows,
    _data_rows,
    _find_header,
    _Grid,
    _names,
    _norm,
)
from ebpm.errors import (
    CatalogError,
    HeaderRowError,
    IntegrityError,
    InvalidOptionError,
    LocalFileNotFoundError,
    SheetNotFoundError,
    SourceFormatError,
    UnsupportedFormatError,
    did_you_mean,
)

# the public module's logger: logging set up for ebpm.catalog.local still applies
log = logging.getLogger("ebpm.catalog.local")

LocalFormat = Literal["auto", "csv", "xlsx", "xls"]
#: Extensions read as delimited text, and as workbooks (``format="auto"``).
TEXT_EXTENSIONS: tuple[str, ...] = (".csv", ".tsv", ".txt")
WORKBOOK_EXTENSIONS: tuple[str, ...] = (".xlsx", ".xlsm", ".xls")
EXTENSIONS: tuple[str, ...] = TEXT_EXTENSIONS + WORKBOOK_EXTENSIONS
#: Suffix of the column holding the marks of a number column.
FLAG_SUFFIX = "_flag"


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
