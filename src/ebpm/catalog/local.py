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

The reading lives in :mod:`ebpm.catalog._local_read` (path, format, encoding, sheet),
:mod:`ebpm.catalog._local_grid` (cells, header, notes) and :mod:`ebpm.catalog._local_columns`
(number columns and marks); writing an entry in :mod:`ebpm.catalog._local_entry`.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from typing import ClassVar

import pandas as pd
from intake.readers.readers import BaseReader

from ebpm.catalog._local_entry import AddedEntry, add_entry
from ebpm.catalog._local_grid import MARKS
from ebpm.catalog._local_read import (
    EXTENSIONS,
    FLAG_SUFFIX,
    LocalFormat,
    _read,
    resolve_path,
)
from ebpm.catalog._local_read import TEXT_EXTENSIONS as TEXT_EXTENSIONS
from ebpm.catalog._local_read import WORKBOOK_EXTENSIONS as WORKBOOK_EXTENSIONS
from ebpm.catalog.provenance import finish

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
