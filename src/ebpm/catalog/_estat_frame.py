"""An e-Stat table (``getStatsData``) as a tidy frame: its pages followed, its JSON values,
classes, units, symbols and annotation marks turned into one row per value, with provenance.

:func:`ebpm.catalog.estat.estat` caches what :func:`_build` returns.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from ebpm._progress import counter
from ebpm.catalog._estat_api import (
    CREDIT,
    LICENCE,
    TABLE_PAGE,
    _call,
    _listify,
    _message,
    _raise_for_status,
    _text,
)
from ebpm.catalog._estat_codes import _AREA_COLUMNS, decode_area, decode_time
from ebpm.catalog.cache import Fetched
from ebpm.catalog.provenance import remote_origin
from ebpm.errors import SourceFormatError, SourceStatusError

# the public module's logger: logging set up for ebpm.catalog.estat still applies
log = logging.getLogger("ebpm.catalog.estat")

#: Version of the table parser; part of the cache key, so a change re-parses cached pages.
#: 2: area levels ward/aggregate and ``city_code``; the ``annotation`` column.
FORMAT = 2

_NUMBER_RE = r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?"
_THOUSANDS_RE = r"[+-]?\d{1,3}(?:,\d{3})+(?:\.\d+)?"


def _fetch_pages(
    sid: str, lang: str, filters: dict[str, str], *, refresh: bool
) -> tuple[list[Fetched], list[dict[str, Any]]]:
    fetched: list[Fetched] = []
    pages: list[dict[str, Any]] = []
    start: int | None = None
    bar: Any = None  # a progress bar once the first page says there are more
    try:
        while True:
            nxt = _fetch_page(sid, lang, filters, start, refresh, fetched, pages)
            info = pages[-1].get("RESULT_INF") or {}
            if bar is None and nxt is not None:
                bar = counter(
                    total=_int(info.get("TOTAL_NUMBER")), desc=f"e-Stat {sid}", unit="values"
                )
            if bar is not None:
                bar.update(_values_in(info))
            if nxt is None:
                return fetched, pages
            start = nxt
    finally:
        if bar is not None:
            bar.close()


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _values_in(info: dict[str, Any]) -> int:
    """How many values a page holds (``TO_NUMBER - FROM_NUMBER + 1``), 0 when not said."""
    first, last = _int(info.get("FROM_NUMBER")), _int(info.get("TO_NUMBER"))
    return last - first + 1 if first is not None and last is not None else 0


def _fetch_page(
    sid: str,
    lang: str,
    filters: dict[str, str],
    start: int | None,
    refresh: bool,
    fetched: list[Fetched],
    pages: list[dict[str, Any]],
) -> int | None:
    """Fetch the page from ``start`` into ``fetched`` and ``pages``; the next page's start, or
    None after the last page."""
    params = {
        "statsDataId": sid,
        "lang": lang,
        **filters,
        "annotationGetFlg": "Y",
        "startPosition": start,
    }
    what = f"e-Stat table {sid}" + (f" (values from {start})" if start else "")
    got, body, status = _call(
        "getStatsData", params, root="GET_STATS_DATA", what=what, refresh=refresh
    )
    _raise_for_status(
        status,
        body,
        what=what,
        hint=f"Check the table id {sid!r} (find ids with estat_search(...)) and the filters "
        f"{filters} (valid codes: estat_meta({sid!r})).",
    )
    data = body.get("STATISTICAL_DATA") or {}
    if status == 1 or not _listify((data.get("DATA_INF") or {}).get("VALUE")):
        shown = ", ".join(f"{k}={v!r}" for k, v in filters.items()) or "no filters"
        raise SourceStatusError(
            f"e-Stat table {sid} has no values for {shown} (STATUS {status}: "
            f"{_message(body) or 'no VALUE'}). Check the codes against "
            f"estat_meta({sid!r}) (area codes have 5 digits, e.g. '13000'; time codes 10, "
            "e.g. '2020100000') or drop a filter. An empty table is not returned, because "
            "an analysis of it would fail silently."
        )
    fetched.append(got)
    pages.append(data)
    info = data.get("RESULT_INF") or {}
    log.info(
        "%s: values %s-%s of %s%s",
        what,
        info.get("FROM_NUMBER", "?"),
        info.get("TO_NUMBER", "?"),
        info.get("TOTAL_NUMBER", "?"),
        " (cached)" if got.from_cache else "",
    )
    nxt = info.get("NEXT_KEY")
    if nxt in (None, ""):
        return None
    try:
        nxt = int(nxt)
    except (TypeError, ValueError):
        raise SourceFormatError(f"{what}: NEXT_KEY {nxt!r} is not a number") from None
    if nxt <= (start or 1):
        raise SourceFormatError(
            f"{what}: NEXT_KEY {nxt} does not move past startPosition {start or 1}; the "
            "answer is malformed, so paging stopped instead of looping"
        )
    return nxt


def _classes(pages: list[dict[str, Any]]) -> tuple[dict[str, str], dict[str, dict[str, dict]]]:
    """Dimension names and their classes (code -> attributes), merged over all pages."""
    names: dict[str, str] = {}
    classes: dict[str, dict[str, dict]] = {}
    for data in pages:
        for obj in _listify((data.get("CLASS_INF") or {}).get("CLASS_OBJ")):
            dim = str(obj.get("@id", "")).strip()
            if not dim:
                continue
            names.setdefault(dim, str(obj.get("@name", "")).strip())
            table = classes.setdefault(dim, {})
            for cls in _listify(obj.get("CLASS")):
                table.setdefault(str(cls.get("@code", "")), cls)
    return names, classes


def _tidy(pages: list[dict[str, Any]], *, what: str) -> tuple[pd.DataFrame, dict[str, str]]:
    names, classes = _classes(pages)
    records = [v for p in pages for v in _listify((p.get("DATA_INF") or {}).get("VALUE"))]
    if not all(isinstance(v, dict) for v in records):
        raise SourceFormatError(f"{what}: DATA_INF.VALUE holds something other than objects")
    raw = pd.DataFrame.from_records(records)
    dims = list(names)
    dims += [c[1:] for c in raw.columns if c.startswith("@") and c[1:] not in dims]
    dims = [d for d in dims if d not in ("unit", "annotation") and f"@{d}" in raw.columns]
    if not dims:
        raise SourceFormatError(f"{what}: the values carry no dimension codes (@tab, @area …)")

    out = pd.DataFrame(index=raw.index)
    for dim in dims:
        codes = raw[f"@{dim}"].astype("string").str.strip()
        labels = {c: str(a.get("@name", "")).strip() for c, a in classes.get(dim, {}).items()}
        out[f"{dim}_code"] = codes
        out[dim] = codes.map(labels).astype("string")

    text = raw["$"] if "$" in raw.columns else pd.Series(pd.NA, index=raw.index)
    text = text.map(lambda v: pd.NA if v is None or v is pd.NA else str(v)).astype("string")
    clean = text.str.strip()
    clean = clean.mask(clean.str.fullmatch(_THOUSANDS_RE).fillna(False), clean.str.replace(",", ""))
    numeric = clean.str.fullmatch(_NUMBER_RE).fillna(False).astype(bool)
    out["value"] = pd.to_numeric(clean.where(numeric), errors="coerce").astype("float64")
    out["unit"] = _units(raw, dims, classes)
    flag = clean.where(~numeric)
    out["flag"] = flag.mask((flag == "").fillna(False)).astype("string")
    mark = raw["@annotation"] if "@annotation" in raw.columns else pd.Series(pd.NA, index=raw.index)
    mark = mark.astype("string").str.strip()
    out["annotation"] = mark.mask((mark == "").fillna(False))
    notes = _notes(pages)
    unexpected = sorted(set(out["flag"].dropna()) - set(notes))
    if unexpected:
        log.warning(
            "%s: non-numeric values %s are not among the table's NOTE symbols %s; they are kept "
            "in `flag` with value NaN",
            what,
            unexpected[:10],
            sorted(notes),
        )

    if "area" in dims:
        area = _decoded(out["area_code"], decode_area)
        for col in _AREA_COLUMNS:
            out[col] = area[col].astype("string")
    if "time" in dims:
        time = _decoded(out["time_code"], decode_time)
        out["time_kind"] = time["time_kind"].astype("string")
        for col in ("year", "fiscal_year", "month", "quarter"):
            out[col] = time[col].astype("Int64")
    return out.reset_index(drop=True), {d: names.get(d, "") for d in dims}


def _units(raw: pd.DataFrame, dims: list[str], classes: dict[str, dict[str, dict]]) -> pd.Series:
    """``@unit`` of each value, else the unit of one of its classes (tab, cat01 …)."""
    unit = raw["@unit"] if "@unit" in raw.columns else pd.Series(pd.NA, index=raw.index)
    unit = unit.astype("string").str.strip()
    unit = unit.mask((unit == "").fillna(False))
    for dim in dims:
        by_code = {c: str(a.get("@unit", "")).strip() for c, a in classes.get(dim, {}).items()}
        by_code = {c: u for c, u in by_code.items() if u}
        if by_code:
            unit = unit.fillna(raw[f"@{dim}"].astype("string").map(by_code).astype("string"))
    return unit.astype("string")


def _notes(pages: list[dict[str, Any]]) -> dict[str, str]:
    """The special symbols the table uses, with their meaning (``DATA_INF.NOTE``)."""
    out: dict[str, str] = {}
    for data in pages:
        for note in _listify((data.get("DATA_INF") or {}).get("NOTE")):
            if isinstance(note, dict) and note.get("@char") is not None:
                out.setdefault(str(note["@char"]).strip(), _text(note))
    return out


def _annotations(pages: list[dict[str, Any]]) -> dict[str, str]:
    """The annotation marks the values carry, with their meaning (``DATA_INF.ANNOTATION``)."""
    out: dict[str, str] = {}
    for data in pages:
        for item in _listify((data.get("DATA_INF") or {}).get("ANNOTATION")):
            if isinstance(item, dict) and item.get("@annotation") is not None:
                out.setdefault(str(item["@annotation"]).strip(), _text(item))
    return out


def _decoded(codes: pd.Series, decode: Callable[[str], dict[str, Any]]) -> pd.DataFrame:
    """``decode`` applied once per distinct code, spread over the rows by position."""
    position, distinct = pd.factorize(codes.fillna("").to_numpy(dtype=object))
    rows = [decode(c) for c in distinct]
    names = list(rows[0]) if rows else []
    columns = {}
    for name in names:
        values = np.empty(len(rows), dtype=object)
        values[:] = [r[name] for r in rows]
        columns[name] = values[position]
    return pd.DataFrame(columns, index=codes.index)


def _table_info(data: Mapping[str, Any]) -> dict[str, str]:
    info = data.get("TABLE_INF") or {}
    if isinstance(info, list):
        info = info[0] if info else {}
    return {
        "stat_name": _text(info.get("STAT_NAME")),
        "gov_org": _text(info.get("GOV_ORG")),
        "statistics_name": _text(info.get("STATISTICS_NAME")),
        "title": _text(info.get("TITLE")),
        "updated_date": _text(info.get("UPDATED_DATE")),
    }


def _source(info: Mapping[str, str]) -> str:
    parts = [info.get("gov_org", ""), info.get("stat_name", "")]
    return " ".join(["e-Stat (政府統計の総合窓口),", *(p for p in parts if p)]).rstrip(",")


def _attribution(title: str) -> str:
    shown = f"（{title}）" if title else ""
    return f"出典：政府統計の総合窓口(e-Stat){shown} {CREDIT}"


def _build(sid: str, lang: str, filters: dict[str, str], *, refresh: bool) -> pd.DataFrame:
    what = f"e-Stat table {sid}"
    fetched, pages = _fetch_pages(sid, lang, filters, refresh=refresh)
    df, dimensions = _tidy(pages, what=what)
    info = _table_info(pages[0])
    title = " ".join(t for t in (info["statistics_name"], info["title"]) if t)
    df.attrs["ebpm"] = {
        "origin": remote_origin(
            fetched,
            what=what,
            source=_source(info),
            licence=LICENCE,
            attribution=_attribution(title),
            url=TABLE_PAGE.format(sid=sid),
            title=title or None,
            publisher_updated=info["updated_date"] or None,
            extra={
                "stats_data_id": sid,
                "dimensions": dimensions,
                "notes": _notes(pages),
                "annotations": _annotations(pages),
                "credit": CREDIT,
            },
        )
    }
    log.info("%s: %d values in %d page(s)", what, len(df), len(pages))
    return df
