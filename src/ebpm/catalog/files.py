"""Tables in downloaded files: decoding CSV and Excel bytes, and reading a table at a URL.

Japanese public data comes as CSV in UTF-8 (often with a byte-order mark from Excel) or in
Shift_JIS, and as Excel workbooks, XLSX or legacy ``.xls``. :func:`read_table_bytes` turns such
bytes into a DataFrame: it finds the encoding when asked to (:func:`detect_encoding`: UTF-8
first, then CP932, the Windows superset of Shift_JIS that also holds ①, ㈱ and the NEC/IBM
extensions government files use), strips a byte-order mark, reads ``.xls`` workbooks with
python-calamine, and refuses bytes that are not a table (an HTML error page, a PDF) with a
message saying what they are.

:func:`load_remote_table` and the intake reader :class:`RemoteTable` download a file once
(:func:`~ebpm.catalog.cache.fetch`, optionally pinned by sha256), parse it, and keep the parsed
table as Parquet (:func:`~ebpm.catalog.cache.cached_table`), so later loads read Parquet only.
"""

from __future__ import annotations

import codecs
import io
import logging
import re
import zipfile
from collections.abc import Mapping
from typing import Any, ClassVar, Literal, get_args
from urllib.parse import urlsplit

import pandas as pd
from intake.readers.readers import BaseReader

from ebpm.catalog.cache import Request, cached_table, fetch
from ebpm.catalog.provenance import remote_origin
from ebpm.errors import (
    InvalidOptionError,
    SheetNotFoundError,
    SourceFormatError,
    did_you_mean,
)

__all__ = [
    "FORMATS",
    "RemoteTable",
    "TableFormat",
    "detect_encoding",
    "load_remote_table",
    "read_table_bytes",
]

log = logging.getLogger(__name__)

TableFormat = Literal["auto", "csv", "xlsx", "xls"]
#: The values ``format=`` accepts.
FORMATS: tuple[str, ...] = get_args(TableFormat)
#: Encodings tried, in order, when ``encoding`` is ``None`` or ``"auto"``.
AUTO_ENCODINGS: tuple[str, ...] = ("utf-8-sig", "cp932", "euc_jp")
#: Version of the parser; part of every cache key, so a parser change re-parses.
PARSER_VERSION = 1

_CHUNK = 1 << 24  # bytes decoded at a time when checking an encoding
_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
# Python knows these spellings of Shift_JIS's superset under other names, or not at all.
_ENCODING_ALIASES = {"windows-31j": "cp932", "windows_31j": "cp932", "x-sjis": "cp932"}


# --- encodings ------------------------------------------------------------------------------
def _normalize_encoding(encoding: str) -> str:
    """The codec used for ``encoding``: Shift_JIS reads as CP932, UTF-8 drops a BOM."""
    raw = str(encoding).strip()
    name = _ENCODING_ALIASES.get(raw.lower(), raw)
    try:
        canonical = codecs.lookup(name).name
    except LookupError:
        raise InvalidOptionError(
            f"encoding={encoding!r} is not an encoding Python knows; use 'auto' (UTF-8, then "
            "Shift_JIS), or a name such as 'utf-8', 'cp932', 'shift_jis' or 'euc_jp'"
        ) from None
    if canonical == "shift_jis":
        return "cp932"  # a superset: files labelled Shift_JIS routinely hold CP932 characters
    if canonical == "utf-8":
        return "utf-8-sig"  # reads plain UTF-8 too, and drops a byte-order mark
    return canonical


def _first_bad_byte(data: bytes, encoding: str) -> int | None:
    """Offset of the first byte that cannot be decoded in ``encoding`` (``None``: none).

    Used to word an error, so it decodes in one go and stops at the first bad byte.
    """
    try:
        data.decode(encoding)
    except UnicodeDecodeError as err:
        return err.start
    return None


def _bad_offset(data: bytes, encoding: str) -> int:
    """:func:`_first_bad_byte` of ``data`` that :func:`_decodes` found not to decode."""
    bad = _first_bad_byte(data, encoding)
    if bad is None:  # the chunked and the one-go decoder disagree: a bug here, not bad data
        raise RuntimeError(f"{encoding} decodes these bytes in one go but not in chunks")
    return bad


def _is_utf8(data: bytes) -> bool:
    """Whether ``data`` is valid UTF-8, checked by Arrow's vectorised validator (no copy)."""
    if data.isascii():
        return True
    try:
        import numpy as np
        import pyarrow as pa
    except ImportError:  # pragma: no cover - pyarrow is a dependency (Parquet)
        return _first_bad_byte(data, "utf-8-sig") is None
    offsets = pa.py_buffer(np.array([0, len(data)], dtype=np.int64).tobytes())
    text = pa.LargeStringArray.from_buffers(1, offsets, pa.py_buffer(data))
    try:
        text.validate(full=True)
    except pa.ArrowInvalid:
        return False
    return True


def _decodes(data: bytes, encoding: str) -> bool:
    """Whether all of ``data`` decodes in ``encoding``, in chunks to keep memory flat."""
    if encoding in ("utf-8", "utf-8-sig"):
        return _is_utf8(data)
    decoder = codecs.getincrementaldecoder(encoding)("strict")
    view = memoryview(data)
    try:
        for start in range(0, len(data), _CHUNK):
            decoder.decode(view[start : start + _CHUNK], final=False)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


_NOT_CSV_HINT = "if it is not a CSV file, check the URL or pass format='xlsx'"


# Python's CP932 decodes bytes that never occur in Japanese text: 0x80 and 0xA0 as C1 controls
# (U+0080, U+00A0 is not C1 but 0xA0 maps to U+F8F0), 0xFD-0xFF likewise. EUC-JP text decodes as
# CP932 too, as half-width katakana (コード reads ･ｳ｡ｼ･ﾉ). Both are caught here.
_C1 = re.compile(r"[\x80-\x9f\uf8f0-\uf8f3]")
_HALFWIDTH_KANA = re.compile(r"[\uff61-\uff9f]")
_OTHER_NON_ASCII = re.compile(r"[^\x00-\x7f\uff61-\uff9f]")


def _cp932_doubt(data: bytes, euc_ok: bool) -> str | None:
    """Why bytes that decode as CP932 are not CP932 text, or None when they look like it.

    Control characters rule CP932 out. Mostly half-width katakana does only when the bytes are
    also valid EUC-JP: old systems do write Shift_JIS files in half-width kana (ｻｯﾎﾟﾛ).
    """
    text = data.decode("cp932")
    c1 = _C1.search(text)
    if c1:
        return f"character U+{ord(c1.group()):04X} (not text) at character {c1.start()}"
    kana, other = len(_HALFWIDTH_KANA.findall(text)), len(_OTHER_NON_ASCII.findall(text))
    if euc_ok and kana and kana >= 2 * other:
        return f"{kana} half-width katakana against {other} other Japanese characters"
    return None


def _detect_encoding(data: bytes, what: str, not_csv: str = _NOT_CSV_HINT) -> str:
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return "utf-16"  # Excel's "Unicode text" export, always with a byte-order mark
    if _decodes(data, "utf-8-sig"):
        log.debug("%s decodes as utf-8", what)
        return "utf-8-sig"
    if _decodes(data, "cp932"):
        euc_ok = _decodes(data, "euc_jp") and _C1.search(data.decode("euc_jp")) is None
        doubt = _cp932_doubt(data, euc_ok)
        if doubt is None:
            log.debug("%s decodes as cp932", what)
            return "cp932"
        if euc_ok:
            log.debug("%s reads as EUC-JP (as CP932 it has %s)", what, doubt)
            return "euc_jp"
        raise SourceFormatError(
            f"{what} decodes as CP932 (Shift_JIS) only as gibberish: {doubt}; it is not UTF-8, "
            "Shift_JIS or EUC-JP text. If it is text in another encoding, pass it, e.g. "
            f"encoding='utf-16'; {not_csv}."
        )
    if _decodes(data, "euc_jp"):
        log.debug("%s decodes as euc_jp", what)
        return "euc_jp"
    failures = []
    for encoding in AUTO_ENCODINGS:
        bad = _bad_offset(data, encoding)
        failures.append(f"{encoding} (invalid byte {data[bad : bad + 1]!r} at offset {bad})")
    raise SourceFormatError(
        f"{what} is not text in any encoding tried: {', '.join(failures)}. If it is text in "
        f"another encoding, pass it, e.g. encoding='euc_jp'; {not_csv}."
    )


def detect_encoding(
    data: bytes,
    encoding: str | None = None,
    *,
    what: str = "the file",
    not_csv: str = _NOT_CSV_HINT,
) -> str:
    """The codec that decodes all of ``data``: found, or ``encoding`` checked.

    ``None`` or ``"auto"`` tries UTF-8 (``"utf-8-sig"``: a byte-order mark is dropped), then
    CP932 (refused when it holds control characters, or reads as mostly half-width katakana
    while the bytes are also EUC-JP, as EUC-JP text does), then EUC-JP, and recognises UTF-16
    by its byte-order mark. A name is checked strictly (``"shift_jis"`` reads as CP932, its
    superset; ``"utf-8"`` as ``"utf-8-sig"``). ``not_csv`` ends the message
    of bytes that decode in no encoding tried: what to do if the file is not text at all.

    Raises
    ------
    SourceFormatError
        ``data`` does not decode (in any encoding tried); the message names the first bad byte.
    InvalidOptionError
        ``encoding`` is not an encoding Python knows.
    """
    if encoding is None or str(encoding).strip().lower() == "auto":
        return _detect_encoding(data, what, not_csv)
    codec = _normalize_encoding(encoding)
    if not _decodes(data, codec):
        bad = _bad_offset(data, codec)
        raise SourceFormatError(
            f"{what} is not valid {encoding} text: byte {data[bad : bad + 1]!r} at offset "
            f"{bad} cannot be decoded. Pass the right encoding, or encoding='auto' to try "
            f"{' and '.join(AUTO_ENCODINGS)}."
        )
    return codec


# --- what the bytes are ---------------------------------------------------------------------
def _sniff(data: bytes) -> str:
    """``"zip"``, ``"ole2"``, ``"html"``, ``"pdf"``, ``"empty"`` or ``"text"``."""
    if not data[:65536].strip() and not data.strip():  # full scan only if the start is blank
        return "empty"
    if data[:4] == b"PK\x03\x04":
        return "zip"
    if data[:8] == _OLE2:
        return "ole2"
    head = data[:1024].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if head.startswith(b"%pdf"):
        return "pdf"
    if head.startswith((b"<!doctype html", b"<html", b"<?xml")) or b"<html" in head[:512]:
        return "html"
    return "text"


_KIND_TEXT = {
    "zip": "a zip archive",
    "ole2": "a legacy Excel .xls workbook (or another OLE2 file)",
    "html": "an HTML/XML page (often an error or landing page, not the file itself)",
    "pdf": "a PDF document",
    "empty": "empty",
}


def _not_a_table(what: str, kind: str, fix: str) -> SourceFormatError:
    return SourceFormatError(f"{what} is {_KIND_TEXT[kind]}, not a CSV or Excel table; {fix}")


def _zip_is_xlsx(data: bytes) -> tuple[bool, list[str] | None]:
    """Whether a zip archive is an XLSX workbook, and its member names (``None``: damaged)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            names = zf.namelist()
    except zipfile.BadZipFile:
        return False, None
    return "xl/workbook.xml" in names, names


def _resolve_format(format: str, data: bytes, what: str) -> str:
    """``csv``, ``xlsx`` or ``xls`` for ``data``; checks an explicit format against the bytes."""
    if format not in FORMATS:
        raise InvalidOptionError(
            f"format={format!r} is not supported; use one of {list(FORMATS)}."
            f"{did_you_mean(str(format), FORMATS)}"
        )
    kind = _sniff(data)
    if kind == "empty":
        raise _not_a_table(what, kind, "the download has no content; check the URL")
    if kind in ("html", "pdf"):
        raise _not_a_table(what, kind, "check that the URL points at the data file itself")
    if kind == "ole2":
        if format in ("csv", "xlsx"):
            raise SourceFormatError(
                f"{what} is {_KIND_TEXT[kind]}, not {'CSV text' if format == 'csv' else 'XLSX'}; "
                "pass format='xls' or format='auto'"
            )
        return "xls"
    if kind == "zip":
        is_xlsx, names = _zip_is_xlsx(data)
        if format == "xls":
            raise SourceFormatError(
                f"{what} is a zip archive, not a legacy .xls workbook; "
                + ("it is an XLSX workbook: pass format='xlsx'" if is_xlsx else "unpack it first")
            )
        if format == "csv":
            raise SourceFormatError(
                f"{what} is a zip archive, not CSV text; "
                + ("it is an XLSX workbook: pass format='xlsx'" if is_xlsx else "unpack it first")
            )
        if names is None:
            raise SourceFormatError(
                f"{what} starts like a zip archive (XLSX) but is damaged or cut short; "
                "download it again with refresh=True"
            )
        if not is_xlsx:
            shown = names[:10] + (["..."] if len(names) > 10 else [])
            raise SourceFormatError(
                f"{what} is a zip archive but not an XLSX workbook (no xl/workbook.xml; it holds "
                f"{shown}); ebpm does not unpack zipped files, so download and unpack it first"
            )
        return "xlsx"
    if format in ("xlsx", "xls"):
        raise SourceFormatError(
            f"{what} is text, not an {'XLSX' if format == 'xlsx' else '.xls'} workbook; "
            "pass format='csv' or format='auto'"
        )
    return "csv"


# --- parsing --------------------------------------------------------------------------------
def read_table_bytes(
    data: bytes,
    *,
    format: TableFormat = "csv",
    encoding: str | None = None,
    read_csv: Mapping[str, Any] | None = None,
    sheet: str | int | None = None,
    what: str = "the file",
) -> pd.DataFrame:
    """Parse the bytes of a CSV, XLSX or legacy XLS file into a DataFrame.

    Parameters
    ----------
    data : bytes
        The file's content.
    format : {"csv", "xlsx", "xls", "auto"}
        ``"auto"`` recognises an XLSX workbook (a zip archive holding ``xl/workbook.xml``) and a
        legacy ``.xls`` workbook (an OLE2 file, read with python-calamine), and reads anything
        else that decodes as text as CSV. An explicit format is checked against the bytes.
    encoding : str, optional
        CSV only. ``None`` or ``"auto"`` tries UTF-8 (a byte-order mark is dropped), then
        CP932; a UTF-16 file is recognised by its byte-order mark. A name reads strictly in that
        encoding; ``"shift_jis"`` reads as CP932, its superset, and ``"utf-8"`` drops a BOM.
    read_csv : mapping, optional
        Options for :func:`pandas.read_csv` (``sep``, ``skiprows``, ``dtype``, ...), or for
        :func:`pandas.read_excel` when the file is a workbook (``skiprows``, ``header``,
        ``usecols``).
    sheet : str or int, optional
        Workbooks only: the sheet name or 0-based position (default: the first sheet).
    what : str
        The file's name for messages (``"e-Gov resource 'x' (https://...)"``).

    Returns
    -------
    pandas.DataFrame

    Raises
    ------
    SourceFormatError
        The bytes are not a table (HTML page, PDF, empty, an OLE2 file that is not a workbook),
        not text in the encoding asked for (or in any encoding tried), or do not parse.
    SheetNotFoundError
        The workbook has no sheet ``sheet`` (an :class:`InvalidOptionError`).
    InvalidOptionError
        ``format``, ``encoding``, ``sheet`` or a ``read_csv`` option is not valid.
    """
    fmt = _resolve_format(format, data, what)
    opts = dict(read_csv or {})
    if fmt in ("xlsx", "xls"):
        return _read_workbook(data, fmt=fmt, sheet=sheet, opts=opts, what=what)
    if sheet is not None:
        raise InvalidOptionError(
            f"sheet={sheet!r} applies to XLSX workbooks, but {what} is a CSV file; leave "
            "`sheet` out"
        )
    return _read_csv(data, encoding=encoding, opts=opts, what=what)


def _read_csv(data: bytes, *, encoding: str | None, opts: dict[str, Any], what: str):
    in_opts = opts.pop("encoding", None)
    if in_opts is not None:
        if encoding not in (None, "auto") and _normalize_encoding(in_opts) != _normalize_encoding(
            encoding
        ):
            raise InvalidOptionError(
                f"encoding={encoding!r} and read_csv={{'encoding': {in_opts!r}}} disagree; give "
                "the encoding once, as `encoding`"
            )
        encoding = in_opts
    codec = detect_encoding(data, encoding, what=what)
    # pandas drops a UTF-8 byte-order mark itself, and reads "utf-8" faster than "utf-8-sig"
    codec = "utf-8" if codec == "utf-8-sig" else codec
    try:
        return pd.read_csv(io.BytesIO(data), encoding=codec, **opts)
    except pd.errors.EmptyDataError as err:
        raise SourceFormatError(f"{what} has no columns to read ({err})") from err
    except pd.errors.ParserError as err:
        raise SourceFormatError(
            f"{what} does not parse as CSV ({' '.join(str(err).split())}); pass read_csv "
            "options that fit it, e.g. sep=';', skiprows=N to skip title lines, or header=None"
        ) from err
    except TypeError as err:
        raise InvalidOptionError(
            f"read_csv options {sorted(opts)} are not all options of pandas.read_csv ({err}); "
            "fix the entry's `read_csv`"
        ) from err


def _sheet_names(data: bytes, fmt: str = "xlsx") -> list[str]:
    if fmt == "xls":
        from python_calamine import CalamineWorkbook

        return list(CalamineWorkbook.from_filelike(io.BytesIO(data)).sheet_names)
    import openpyxl

    wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True)
    try:
        return list(wb.sheetnames)
    finally:
        wb.close()


def _read_workbook(
    data: bytes, *, fmt: str, sheet: str | int | None, opts: dict[str, Any], what: str
) -> pd.DataFrame:
    """An XLSX workbook through openpyxl (as before), a legacy ``.xls`` one through calamine."""
    from python_calamine import CalamineError

    kind = "XLSX" if fmt == "xlsx" else "legacy .xls"
    if sheet is not None and (isinstance(sheet, bool) or not isinstance(sheet, str | int)):
        raise InvalidOptionError(
            f"sheet={sheet!r} is not a sheet name or position; give one sheet, e.g. sheet=0 "
            "or sheet='Sheet1'"
        )
    if "sheet_name" in opts:
        raise InvalidOptionError("give the sheet as `sheet`, not as read_csv={'sheet_name': ...}")
    target = 0 if sheet is None else sheet
    engine = "openpyxl" if fmt == "xlsx" else "calamine"
    try:
        return pd.read_excel(io.BytesIO(data), sheet_name=target, engine=engine, **opts)
    except (ValueError, IndexError, CalamineError) as err:
        try:
            sheets = _sheet_names(data, fmt)
        except Exception:  # the workbook itself is broken: report the reader's error below
            sheets = None
        if sheets is not None and (
            (isinstance(target, str) and target not in sheets)
            or (isinstance(target, int) and not -len(sheets) <= target < len(sheets))
        ):
            raise SheetNotFoundError(
                f"{what} has no sheet {target!r}; its sheets are {sheets}."
                f"{did_you_mean(str(target), sheets)} Pass sheet= one of them (a name, or a "
                "0-based position)."
            ) from err
        if fmt == "xls":
            raise SourceFormatError(
                f"{what} is {_KIND_TEXT['ole2']} that cannot be read ({err}); if it is "
                "password-protected or not a workbook, open it in Excel and save it as .xlsx"
            ) from err
        raise SourceFormatError(f"{what} could not be read as an XLSX workbook ({err})") from err
    except TypeError as err:
        raise InvalidOptionError(
            f"read_csv options {sorted(opts)} are not all options of pandas.read_excel ({err}); "
            "fix the entry's `read_csv`"
        ) from err
    except (zipfile.BadZipFile, KeyError, OSError) as err:
        raise SourceFormatError(f"{what} is not a readable {kind} workbook ({err})") from err


# --- remote tables --------------------------------------------------------------------------
def _file_name(url: str) -> str:
    path = urlsplit(url).path.rstrip("/")
    return path.rsplit("/", 1)[-1] or url


def load_remote_table(
    url: str,
    *,
    what: str | None = None,
    sha256: str | None = None,
    format: TableFormat = "auto",
    encoding: str | None = "auto",
    read_csv: Mapping[str, Any] | None = None,
    sheet: str | int | None = None,
    refresh: bool = False,
    columns: list[str] | None = None,
    source: str | None = None,
    licence: str | None = None,
    attribution: str | None = None,
    title: str | None = None,
    page_url: str | None = None,
    publisher_updated: str | None = None,
    extra: Mapping[str, Any] | None = None,
) -> pd.DataFrame:
    """Download the CSV, XLSX or XLS file at ``url`` once and return it as a DataFrame.

    The first call downloads (:func:`~ebpm.catalog.cache.fetch`, checked against ``sha256``),
    parses (:func:`read_table_bytes`) and stores the table as Parquet; later calls read the
    Parquet file, only ``columns`` when given, without touching the network. ``refresh=True``
    downloads and parses again.

    The frame's ``attrs["ebpm"]["origin"]`` records the download (URL, sha256, retrieval time)
    and ``source``, ``licence``, ``attribution``, ``title``, ``page_url`` (the human-facing
    page; default: ``url``) and ``publisher_updated`` (default: the file's Last-Modified
    header).
    """
    if format not in FORMATS:
        raise InvalidOptionError(
            f"format={format!r} is not supported; use one of {list(FORMATS)}."
            f"{did_you_mean(str(format), FORMATS)}"
        )
    if encoding is not None and str(encoding).strip().lower() != "auto":
        _normalize_encoding(encoding)  # refuse an unknown encoding before downloading
    label = what or f"table {_file_name(url)!r}"
    pin = sha256.lower() if sha256 else None
    parts = {
        "kind": "remote_table",
        "format": PARSER_VERSION,
        "url": url,
        "sha256": pin,
        "file_format": format,
        "encoding": encoding,
        "read_csv": dict(read_csv or {}),
        "sheet": sheet,
    }

    def build() -> pd.DataFrame:
        fetched = fetch(Request.get(url), what=label, sha256=pin, refresh=refresh)
        df = read_table_bytes(
            fetched.read_bytes(),
            format=format,
            encoding=encoding,
            read_csv=read_csv,
            sheet=sheet,
            what=f"{label} ({fetched.url})",
        )
        df.attrs["ebpm"] = {
            "origin": remote_origin(
                [fetched],
                what=label,
                source=source,
                licence=licence,
                attribution=attribution,
                url=page_url,
                title=title,
                publisher_updated=publisher_updated or fetched.headers.get("Last-Modified"),
                extra=extra,
            )
        }
        return df

    df = cached_table(parts, build, refresh=refresh, columns=columns)
    origin = df.attrs["ebpm"]["origin"]
    # Descriptive fields may change without the data changing: the caller's values win.
    for key, value in (
        ("source", source),
        ("licence", licence),
        ("attribution", attribution),
        ("title", title),
        ("url", page_url),
        ("publisher_updated", publisher_updated),
    ):
        if value is not None:
            origin[key] = value
    return df


class RemoteTable(BaseReader):
    """A CSV, XLSX or legacy XLS file at a URL, downloaded once, cached as Parquet.

    Keyword arguments (the catalog entry's ``kwargs``):

    ``url``
        Where the file is.
    ``sha256``
        Optional pinned hash of the file; a download that differs is refused and not cached.
    ``format``
        ``"auto"`` (default: XLSX and XLS are recognised from the bytes, anything else textual
        is CSV), ``"csv"``, ``"xlsx"`` or ``"xls"``.
    ``encoding``
        CSV text encoding, ``"auto"`` (default: UTF-8, then CP932/Shift_JIS) or a name.
    ``read_csv``
        Options for :func:`pandas.read_csv` (or :func:`pandas.read_excel` for a workbook).
    ``sheet``
        Workbook sheet name or 0-based position (default: the first).
    ``licence``, ``attribution``, ``source``, ``title``
        Provenance for the frame (the entry's ``metadata`` takes precedence when it has them).

    Loads take ``refresh`` (download again) and ``columns`` (read only these from the cache).
    """

    output_instance = "pandas:DataFrame"
    imports: ClassVar[set[str]] = {"pandas"}

    def _read(
        self,
        *,
        url: str,
        sha256: str | None = None,
        format: TableFormat = "auto",
        encoding: str | None = "auto",
        read_csv: dict[str, Any] | None = None,
        sheet: str | int | None = None,
        licence: str | None = None,
        attribution: str | None = None,
        source: str | None = None,
        title: str | None = None,
        refresh: bool = False,
        columns: list[str] | None = None,
    ) -> pd.DataFrame:
        return load_remote_table(
            url,
            what=title,
            sha256=sha256,
            format=format,
            encoding=encoding,
            read_csv=read_csv,
            sheet=sheet,
            refresh=refresh,
            columns=columns,
            source=source,
            licence=licence,
            attribution=attribution,
            title=title,
        )
