"""e-Stat (政府統計の総合窓口) through its API 3.0: tables as tidy frames, metadata and search.

e-Stat publishes Japan's official statistics; its API (https://www.e-stat.go.jp/api/) serves
every database table by its 10-digit table id (``statsDataId``). :func:`estat` reads one table
(``getStatsData``) into a tidy frame, one row per published value, with codes and labels for each
dimension, the value as a float, the published symbol of a suppressed value in ``flag``,
e-Stat's annotation mark (注釈記号) in ``annotation``, and area and time codes decoded into levels
that do not overlap (national, prefecture, municipality, ward, aggregate), year, fiscal year,
month and quarter.
:func:`estat_meta` reads a table's classifications (``getMetaInfo``), :func:`estat_search` finds
tables (``getStatsList``), and :class:`EStatReader` serves tables to the catalog.

Environment
-----------
``EBPM_ESTAT_APP_ID``
    Your e-Stat application ID (free: register at
    https://www.e-stat.go.jp/mypage/user/preregister, then マイページ → API機能（アプリケーションID
    発行）). Needed only to download: a table already in the cache loads without it, and offline
    mode (``EBPM_OFFLINE=1``) never asks for it. The ID is sent to e-Stat but never stored in the
    cache, the provenance, logs or messages.
``EBPM_ESTAT_API``
    The API base URL (default ``https://api.e-stat.go.jp/rest/3.0/app``), for a mirror or a test
    server.

Notes
-----
Facts of the API used here (e-Stat API 仕様 3.0版): every answer carries ``RESULT.STATUS``, with
HTTP 200 even for errors (0 = OK, 1 = OK but nothing matched, 2 = OK with a notice, 100 and up
= error, 100 = the application ID was refused). A table comes in pages of at most 100,000 values;
``STATISTICAL_DATA.RESULT_INF.NEXT_KEY`` is the ``startPosition`` of the next page. The JSON is the
XML turned into objects (attributes as ``@name``, text as ``$``), so any repeated element
(``VALUE``, ``CLASS_OBJ``, ``CLASS``, ``NOTE``, ``TABLE_INF``) is a single object when it occurs
once. Time codes have 10 digits: ``YYYY000000`` a calendar year, ``YYYY100000`` a fiscal year
(年度), ``YYYY00MMMM`` a month (``2020000101`` = January 2020), ``YYYY00AABB`` a quarter from month
AA to BB (``2020000406`` = April–June 2020). Area codes are 5-digit local-government codes without
the check digit (``00000`` Japan, ``13000`` Tokyo, ``13101`` Chiyoda-ku); the wards of a
designated city (``14101`` 横浜市鶴見区) are listed beside the city (``14100``), and some tables
add totals that are not local governments (``13100`` 特別区部, ``00001`` 全国市部), which is
why :func:`decode_area` gives them levels of their own. With ``annotationGetFlg=Y`` a ``VALUE``
may carry an ``@annotation`` mark (e.g. a preliminary or revised figure), explained by the
``DATA_INF.ANNOTATION`` elements (``{"@annotation": mark, "$": meaning}``).
"""

from __future__ import annotations

import functools
import json
import logging
import os
import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any, ClassVar

import numpy as np
import pandas as pd
from intake.readers.readers import BaseReader

from ebpm.catalog import cache
from ebpm.catalog.cache import Fetched, Request, base_url, cached_table, fetch, is_offline
from ebpm.catalog.provenance import finish, remote_origin
from ebpm.errors import (
    CredentialError,
    InvalidOptionError,
    RemoteError,
    SourceFormatError,
    SourceStatusError,
    did_you_mean,
)
from ebpm.japan import municipalities

__all__ = [
    "API_ENV",
    "APP_ID_ENV",
    "AREA_LEVELS",
    "CREDIT",
    "DEFAULT_API",
    "LICENCE",
    "EStatReader",
    "decode_area",
    "decode_time",
    "estat",
    "estat_meta",
    "estat_search",
]

log = logging.getLogger(__name__)

API_ENV = "EBPM_ESTAT_API"
APP_ID_ENV = "EBPM_ESTAT_APP_ID"
DEFAULT_API = "https://api.e-stat.go.jp/rest/3.0/app"
REGISTER_URL = "https://www.e-stat.go.jp/mypage/user/preregister"
TABLE_PAGE = "https://www.e-stat.go.jp/dbview?sid={sid}"

#: e-Stat's content terms (government standard terms of use, version 2.0).
LICENCE = "政府標準利用規約 2.0 (CC BY 4.0 compatible)"
#: The credit line e-Stat asks every service built on its API to show.
CREDIT = (
    "このサービスは、政府統計総合窓口(e-Stat)のAPI機能を使用していますが、"
    "サービスの内容は国によって保証されたものではありません。"
)

#: Version of the table parser; part of the cache key, so a change re-parses cached pages.
#: 2: area levels ward/aggregate and ``city_code``; the ``annotation`` column.
FORMAT = 2

_LANGS = ("J", "E")
_ID_RE = re.compile(r"\d{10}")
_NUMBER_RE = r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?"
_THOUSANDS_RE = r"[+-]?\d{1,3}(?:,\d{3})+(?:\.\d+)?"
_QUARTERS = {("01", "03"): 1, ("04", "06"): 2, ("07", "09"): 3, ("10", "12"): 4}


def _filter_names() -> tuple[str, ...]:
    names = []
    for dim in ["Tab", "Time", "Area", *(f"Cat{i:02d}" for i in range(1, 16))]:
        names += [f"lv{dim}", f"cd{dim}", f"cd{dim}From", f"cd{dim}To"]
    return tuple(names)


#: The narrowing conditions ``getStatsData`` accepts (e-Stat API 3.0, 3.4).
FILTERS = _filter_names()


# --- arguments -------------------------------------------------------------------------------
def _check_id(stats_data_id: Any) -> str:
    if isinstance(stats_data_id, int) and not isinstance(stats_data_id, bool):
        raise InvalidOptionError(
            f"stats_data_id={stats_data_id!r} is a number, which loses the leading zeros of an "
            f"e-Stat table id; pass it as a string, e.g. {str(stats_data_id).zfill(10)!r}"
        )
    if not isinstance(stats_data_id, str) or not _ID_RE.fullmatch(stats_data_id.strip()):
        raise InvalidOptionError(
            f"stats_data_id={stats_data_id!r} is not an e-Stat table id; ids have 10 digits, "
            "e.g. '0000010101' (the 統計表ID on the table's e-Stat page, or the `id` column of "
            "estat_search(...))"
        )
    return stats_data_id.strip()


def _check_lang(lang: Any) -> str:
    if lang not in _LANGS:
        raise InvalidOptionError(
            f"lang={lang!r} is not supported; use 'J' (Japanese labels) or 'E' (English)"
        )
    return lang


def _filter_value(name: str, value: Any) -> str:
    items = list(value) if isinstance(value, list | tuple) else [value]
    if not items:
        raise InvalidOptionError(f"e-Stat filter {name}=[] is empty; give at least one code")
    out = []
    for item in items:
        if isinstance(item, bool) or not isinstance(item, str | int):
            raise InvalidOptionError(
                f"e-Stat filter {name}={value!r}: codes must be strings (or lists of strings), "
                f"e.g. {name}='13000' or {name}=['01000', '13000']"
            )
        text = str(item).strip()
        if isinstance(item, int) and name.startswith("cdArea") and 0 <= item < 100000:
            text = f"{item:05d}"  # 1000 from a YAML/CLI value is area 01000 (Hokkaido)
        if not text:
            raise InvalidOptionError(f"e-Stat filter {name}={value!r} holds an empty code")
        out.append(text)
    return ",".join(out)


def _suggest(name: str) -> str:
    """' Did you mean ...?' for a filter name; ``cdCat1`` means ``cdCat01``."""
    padded = re.sub(r"(?i)(cat)(\d)(?!\d)", r"\g<1>0\2", name)
    return did_you_mean(padded, FILTERS)


def _check_filters(filters: Mapping[str, Any]) -> dict[str, str]:
    out = {}
    for name in sorted(filters):
        if name not in FILTERS:
            raise InvalidOptionError(
                f"{name!r} is not an e-Stat filter.{_suggest(name)} Filters are "
                "cdTab, cdTime, cdArea, cdCat01 … cdCat15 (codes, comma-separated or a list), "
                "lvTab, lvTime, lvArea, lvCat01 … lvCat15 (hierarchy levels such as '2' or "
                "'1-3') and cd…From / cd…To (code ranges, e.g. cdTimeFrom)."
            )
        value = filters[name]
        if value is not None:
            out[name] = _filter_value(name, value)
    return out


# --- requests --------------------------------------------------------------------------------
_REFRESH_WHY = "refresh=True asks e-Stat again"


def _app_id(req: Request, *, refresh: bool, what: str, why: str = _REFRESH_WHY) -> str | None:
    """The appId to send, or None when the answer can come from the cache without one.

    ``why`` says, in the error without an appId, why a ``refresh`` asks e-Stat.
    """
    app_id = os.environ.get(APP_ID_ENV, "").strip()
    if app_id:
        return app_id
    if is_offline():
        return None  # fetch serves the cache or raises OfflineError
    # The spine has no public "is it cached?"; the appId is not part of the cache key, so the
    # request without it finds the same cached body.
    if not refresh and cache.is_cached(req):
        return None
    if not refresh:
        why = "it is not in the cache"
    raise CredentialError(
        f"{what} must be downloaded from e-Stat ({why}), which needs an application ID, but "
        f"{APP_ID_ENV} is not set. Register for free at {REGISTER_URL}, log in, open "
        "マイページ → API機能（アプリケーションID発行）, issue an ID and set "
        f"{APP_ID_ENV}=<your ID>. (Or copy a cache folder that holds it and set EBPM_OFFLINE=1.)"
    )


def _bad_app_id(what: str, detail: str) -> SourceStatusError:
    return SourceStatusError(
        f"e-Stat refused the application ID for {what} ({detail}). Check {APP_ID_ENV}: it must "
        "be the ID shown under e-Stat マイページ → API機能（アプリケーションID発行）; if you have "
        f"none, register at {REGISTER_URL} and issue one."
    )


def _call(
    endpoint: str,
    params: Mapping[str, Any],
    *,
    root: str,
    what: str,
    refresh: bool = False,
    why: str = _REFRESH_WHY,
) -> tuple[Fetched, dict[str, Any], int]:
    """GET one JSON answer (cached); returns it with its ``RESULT.STATUS``.

    A cached answer that is not data (an error status, or STATUS 1) is asked again once.
    """
    url = f"{base_url(API_ENV, DEFAULT_API)}/json/{endpoint}"
    probe = Request.get(url, params)
    app_id = _app_id(probe, refresh=refresh, what=what, why=why)
    req = Request.get(url, {"appId": app_id, **params})
    try:
        got = fetch(req, what=what, refresh=refresh)
    except RemoteError as err:
        # e-Stat's firewall may turn STATUS 100 (bad appId) into HTTP 403, without a usable body.
        if getattr(err, "status", None) == 403:
            raise _bad_app_id(what, "HTTP 403") from err
        raise
    body = _parse(got, root=root, what=what)
    status = _status(body, what=what)
    if status not in (0, 2) and got.from_cache and not refresh and not is_offline():
        log.info("cached e-Stat answer for %s has STATUS %s; asking again", what, status)
        kind = "an e-Stat error" if status >= 100 else "an empty e-Stat answer"
        detail = f"STATUS {status}: {_message(body)}" if _message(body) else f"STATUS {status}"
        again = f"the cached answer was {kind} ({detail}), so it must be asked again"
        return _call(endpoint, params, root=root, what=what, refresh=True, why=again)
    if status == 2:
        log.warning("e-Stat answered %s with a notice (STATUS 2): %s", what, _message(body))
    return got, body, status


def _parse(got: Fetched, *, root: str, what: str) -> dict[str, Any]:
    raw = got.read_bytes()
    try:
        data = json.loads(raw.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        start = raw[:80].decode("utf-8", "replace")
        raise SourceFormatError(
            f"{what}: the answer from {got.url} is not JSON (it starts {start!r}); check "
            f"{API_ENV} points at the e-Stat API (default {DEFAULT_API})"
        ) from err
    if not isinstance(data, dict) or not isinstance(data.get(root), dict):
        keys = list(data) if isinstance(data, dict) else type(data).__name__
        raise SourceFormatError(
            f"{what}: the answer from {got.url} has no {root} object (it has {keys}); the "
            f"e-Stat API changed or {API_ENV} points at another service"
        )
    return data[root]


def _message(body: Mapping[str, Any]) -> str:
    return str((body.get("RESULT") or {}).get("ERROR_MSG") or "").strip()


def _status(body: Mapping[str, Any], *, what: str) -> int:
    raw: Any = (body.get("RESULT") or {}).get("STATUS")  # any JSON value; int() checks it
    try:
        return int(raw)
    except (TypeError, ValueError):
        raise SourceFormatError(
            f"{what}: the e-Stat answer has no numeric RESULT.STATUS (got {raw!r})"
        ) from None


def _raise_for_status(status: int, body: Mapping[str, Any], *, what: str, hint: str) -> None:
    """Raise for error statuses (100 and up); 0-2 pass."""
    if status < 100:
        return
    msg = _message(body)
    if status == 100:
        raise _bad_app_id(what, f"STATUS 100: {msg}")
    raise SourceStatusError(f"e-Stat answered STATUS {status} for {what}: {msg}. {hint}")


def _listify(obj: Any) -> list[Any]:
    """A repeated JSON element: a list, a single object, or absent."""
    if obj is None or obj == "":
        return []
    return list(obj) if isinstance(obj, list) else [obj]


def _text(obj: Any) -> str:
    """The text of an element that is either plain or ``{"@code": ..., "$": text}``."""
    if obj is None:
        return ""
    if isinstance(obj, dict):
        return str(obj.get("$", "")).strip()
    return str(obj).strip()


# --- codes -----------------------------------------------------------------------------------
#: The area levels of :func:`decode_area`; rows of one level, except ``aggregate``, never overlap.
AREA_LEVELS = ("national", "prefecture", "municipality", "ward", "aggregate")
_AREA_COLUMNS = ("area_level", "pref_code", "muni_code", "city_code")
_AREA_RE = re.compile(r"\d{2}(?:\d{3})?")
_TOKYO_WARDS_TOTAL = "13100"  # 特別区部: the 23 special wards together


@functools.cache
def _area_index() -> tuple[dict[str, str | None], dict[str, tuple[str, ...]]]:
    """Known 5-digit codes → parent city (wards) or None; each prefecture's designated cities.

    From :func:`ebpm.japan.municipalities` (municipalities in force 2018-10 to 2023-12 and the
    wards of the designated cities).
    """
    table = municipalities()
    parent: dict[str, str | None] = {}
    cities: dict[str, list[str]] = {}
    for code, kind, city in zip(table["code"], table["kind"], table["parent_code"], strict=True):
        parent[code] = city if kind == "ward" else None
        if kind == "designated_city":
            cities.setdefault(code[:2], []).append(code)
    return parent, {pref: tuple(sorted(codes)) for pref, codes in cities.items()}


def _ward_city(code: str) -> str | None:
    """The designated city of a ward code (None for any other municipality)."""
    parent, cities = _area_index()
    if code in parent:
        return parent[code]
    # Not in the 2018–2023 table (a new ward such as 浜松市中央区 22138, or an old code): a code
    # 101–199 of a prefecture with a designated city is a ward of the nearest city code below it.
    if 101 <= int(code[2:]) <= 199:
        below = [c for c in cities.get(code[:2], ()) if c < code]
        if below:
            return below[-1]
    return None


def decode_area(code: str) -> dict[str, Any]:
    """Decode an e-Stat area code into ``area_level``, ``pref_code``, ``muni_code``, ``city_code``.

    Within ``national``, ``prefecture``, ``municipality`` or ``ward`` no area holds another, so
    summing the rows of one of these levels counts no one twice (``aggregate`` rows are totals of
    other rows and may overlap each other; keep them out of sums):

    ``national``
        ``00000`` Japan.
    ``prefecture``
        ``PP000`` (or ``PP``) with PP in 01–47; ``pref_code`` is PP.
    ``municipality``
        Every other local government of a prefecture, counted once: ordinary cities, towns and
        villages, each designated city as a whole (``14100`` 横浜市) and Tokyo's special wards
        (``13101``–``13123``); ``muni_code`` is the code.
    ``ward``
        A ward of a designated city (政令市の区, ``14101`` 横浜市鶴見区), which is part of a
        ``municipality`` row; ``muni_code`` is the ward's code and ``city_code`` its city's.
    ``aggregate``
        A total that is not a local government: ``13100`` 特別区部 (``pref_code`` 13), a
        prefecture's ``PP001``–``PP099`` (市部, 郡部 …; ``pref_code`` PP) and Japan's
        ``00001``–``00999`` (全国市部, 全国郡部 …; no ``pref_code``).

    ``city_code`` is NA except for wards, ``muni_code`` NA except for municipalities and wards.
    Anything else (regional blocks, mesh codes, prefecture codes above 47) gives NA throughout.

    Notes
    -----
    Wards and designated cities are known from :func:`ebpm.japan.municipalities` (2018–2023).
    A code outside that table is a ward when it lies in 101–199 of a prefecture with a designated
    city whose code is lower (its ``city_code`` the nearest such city); otherwise a municipality
    (e.g. one merged away before 2018).
    """
    out: dict[str, Any] = dict.fromkeys(_AREA_COLUMNS, pd.NA)
    code = str(code).strip()
    if not _AREA_RE.fullmatch(code):
        return out
    pref = code[:2]
    if code == "00000":
        return {**out, "area_level": "national"}
    if pref == "00" and len(code) == 5:
        return {**out, "area_level": "aggregate"}
    if not 1 <= int(pref) <= 47:
        return out
    if len(code) == 2 or code.endswith("000"):
        return {**out, "area_level": "prefecture", "pref_code": pref}
    if code == _TOKYO_WARDS_TOTAL or int(code[2:]) < 100:
        return {**out, "area_level": "aggregate", "pref_code": pref}
    city = _ward_city(code)
    if city is not None:
        ward = {"area_level": "ward", "pref_code": pref, "muni_code": code, "city_code": city}
        return ward
    return {**out, "area_level": "municipality", "pref_code": pref, "muni_code": code}


def decode_time(code: str) -> dict[str, Any]:
    """Decode a 10-digit e-Stat time code into ``time_kind`` and its year, month or quarter.

    ``YYYY000000`` → year; ``YYYY100000`` → fiscal_year (年度, April to March);
    ``YYYY00MMMM`` → month; ``YYYY00AABB`` with AA–BB one of 01–03, 04–06, 07–09, 10–12 →
    quarter. Other codes keep NA in every field (no guess).
    """
    out: dict[str, Any] = {
        "time_kind": pd.NA,
        "year": pd.NA,
        "fiscal_year": pd.NA,
        "month": pd.NA,
        "quarter": pd.NA,
    }
    code = str(code).strip()
    if not re.fullmatch(r"\d{10}", code):
        return out
    year, kind, a, b = int(code[:4]), code[4:6], code[6:8], code[8:]
    if kind == "10" and a == b == "00":
        return {**out, "time_kind": "fiscal_year", "fiscal_year": year}
    if kind != "00":
        return out
    if a == b == "00":
        return {**out, "time_kind": "year", "year": year}
    if a == b and 1 <= int(a) <= 12:
        return {**out, "time_kind": "month", "year": year, "month": int(a)}
    if (a, b) in _QUARTERS:
        return {**out, "time_kind": "quarter", "year": year, "quarter": _QUARTERS[a, b]}
    return out


# --- getStatsData ----------------------------------------------------------------------------
def _fetch_pages(
    sid: str, lang: str, filters: dict[str, str], *, refresh: bool
) -> tuple[list[Fetched], list[dict[str, Any]]]:
    fetched, pages = [], []
    start: int | None = None
    while True:
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
            return fetched, pages
        try:
            nxt = int(nxt)
        except (TypeError, ValueError):
            raise SourceFormatError(f"{what}: NEXT_KEY {nxt!r} is not a number") from None
        if nxt <= (start or 1):
            raise SourceFormatError(
                f"{what}: NEXT_KEY {nxt} does not move past startPosition {start or 1}; the "
                "answer is malformed, so paging stopped instead of looping"
            )
        start = nxt


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


def _load(
    stats_data_id: Any,
    *,
    lang: str,
    refresh: bool,
    columns: Sequence[str] | None,
    filters: Mapping[str, Any],
) -> tuple[pd.DataFrame, dict[str, Any]]:
    sid = _check_id(stats_data_id)
    lang = _check_lang(lang)
    flt = _check_filters(filters)
    parts = {
        "source": "e-stat",
        "api": base_url(API_ENV, DEFAULT_API),
        "endpoint": "getStatsData",
        "stats_data_id": sid,
        "lang": lang,
        "filters": flt,
        "format": FORMAT,
    }
    df = cached_table(
        parts, lambda: _build(sid, lang, flt, refresh=refresh), refresh=refresh, columns=columns
    )
    return df, {"stats_data_id": sid, "lang": lang, **flt}


def estat(
    stats_data_id: str,
    *,
    lang: str = "J",
    refresh: bool = False,
    columns: Sequence[str] | None = None,
    **filters: Any,
) -> pd.DataFrame:
    """Read an e-Stat table (``getStatsData``) as a tidy frame, one row per published value.

    Parameters
    ----------
    stats_data_id : str
        The 10-digit table id (統計表ID), e.g. ``"0000010101"`` (社会・人口統計体系 都道府県データ
        基礎データ Ａ 人口・世帯). Find ids with :func:`estat_search`.
    lang : {"J", "E"}
        Labels in Japanese (default) or English.
    refresh : bool
        Download again instead of using the cache.
    columns : list of str, optional
        Read only these columns.
    **filters
        e-Stat narrowing conditions: ``cdTab``, ``cdTime``, ``cdArea``, ``cdCat01`` …
        ``cdCat15`` (a code, comma-separated codes or a list), ``lvTab``, ``lvTime``, ``lvArea``,
        ``lvCat01`` … (hierarchy levels: ``"2"``, ``"1-3"``), and ranges ``cdTimeFrom``,
        ``cdTimeTo``, ``cdAreaFrom`` … e.g. ``cdCat01="A1101", cdArea=["01000", "13000"]``.

    Returns
    -------
    pandas.DataFrame
        For each dimension of the table (``tab``, ``cat01`` …, ``area``, ``time``) the columns
        ``<dim>_code`` and ``<dim>`` (label); ``value`` (float, NaN where suppressed), ``unit``,
        ``flag`` (the published symbol of a value that is not a number — ``-``, ``X``,
        ``***``, ``…`` — else NA) and ``annotation`` (e-Stat's 注釈記号 of the value, e.g. a mark
        for a preliminary or revised figure, else NA). With an area dimension: ``area_level``
        (national, prefecture, municipality, ward, aggregate — see :func:`decode_area`; keep one
        level before summing), ``pref_code`` (2 digits), ``muni_code`` (5 digits, municipalities
        and wards) and ``city_code`` (a ward's designated city); with a time dimension:
        ``time_kind`` (year, fiscal_year, month, quarter) and ``year``, ``fiscal_year``,
        ``month``, ``quarter`` (NA where they do not apply or the code is not understood).
        ``attrs["ebpm"]`` holds the provenance: source, title, licence, attribution with the
        e-Stat API credit line, the table's e-Stat page, the requests (without the appId),
        sha256 and the publisher's update date.

    Raises
    ------
    InvalidOptionError
        A malformed table id, ``lang``, or an unknown filter (the message lists close names).
    CredentialError
        The table must be downloaded and ``EBPM_ESTAT_APP_ID`` is not set.
    SourceStatusError
        e-Stat answered with an error status (bad application ID, unknown table, bad
        parameters) or no value matched the filters.
    OfflineError
        ``EBPM_OFFLINE`` is set and the table is not in the cache.
    RemoteError, SourceFormatError
        The download failed, or the answer is not the JSON e-Stat sends.

    Notes
    -----
    Pages (100,000 values each) are followed through ``NEXT_KEY`` and cached raw; the tidy table
    is cached as Parquet, so a second call reads only the cache and needs no application ID.
    Values that e-Stat publishes as symbols keep the symbol in ``flag``; the table's
    ``DATA_INF.NOTE`` says what each symbol means, and ``DATA_INF.ANNOTATION`` what each
    ``annotation`` mark means (:class:`EStatReader` keeps them in the origin under ``notes`` and
    ``annotations``, with the dimension names under ``dimensions``). The cache key holds the API
    base URL, so a mirror or test server (``EBPM_ESTAT_API``) never shares a table with e-Stat.

    References
    ----------
    政府統計の総合窓口(e-Stat) API 仕様 3.0版, https://www.e-stat.go.jp/api/api-info/e-stat-manual3-0
    """
    df, params = _load(stats_data_id, lang=lang, refresh=refresh, columns=columns, filters=filters)
    return finish(df, params=params)


# --- getMetaInfo -----------------------------------------------------------------------------
def estat_meta(stats_data_id: str, *, lang: str = "J", refresh: bool = False) -> dict[str, Any]:
    """The classifications of an e-Stat table (``getMetaInfo``): which codes each filter takes.

    Parameters
    ----------
    stats_data_id : str
        The 10-digit table id.
    lang : {"J", "E"}
        Labels in Japanese or English.
    refresh : bool
        Ask e-Stat again instead of using the cached answer.

    Returns
    -------
    dict of str to pandas.DataFrame
        ``"table"``: one row describing the table (id, stat_name, gov_org, statistics_name,
        title, cycle, survey_date, open_date, updated_date — an empty string when e-Stat gives
        none — overall_total_number); then one
        frame per dimension (``"tab"``, ``"cat01"``, ``"area"``, ``"time"`` …) with columns
        ``code, name, level, unit, parent_code`` and ``attrs["dimension"]`` its name
        (地域, 調査年 …). Every frame carries the provenance in ``attrs["ebpm"]``.

    Raises
    ------
    InvalidOptionError, CredentialError, SourceStatusError, OfflineError, SourceFormatError
        As for :func:`estat`.
    """
    sid = _check_id(stats_data_id)
    lang = _check_lang(lang)
    what = f"e-Stat metadata of table {sid}"
    got, body, status = _call(
        "getMetaInfo",
        {"statsDataId": sid, "lang": lang},
        root="GET_META_INFO",
        what=what,
        refresh=refresh,
    )
    hint = f"Check the table id {sid!r}; find ids with estat_search(...)."
    _raise_for_status(status, body, what=what, hint=hint)
    meta = body.get("METADATA_INF") or {}
    if status == 1 or not meta:
        raise SourceStatusError(
            f"e-Stat has no metadata for table {sid} (STATUS {status}: {_message(body)}). {hint}"
        )
    info = meta.get("TABLE_INF") or {}
    table = _list_row(info)
    title = " ".join(t for t in (table["statistics_name"], table["title"]) if t)
    origin = remote_origin(
        [got],
        what=what,
        source=_source(table),
        licence=LICENCE,
        attribution=_attribution(title),
        url=TABLE_PAGE.format(sid=sid),
        title=title or None,
        publisher_updated=table["updated_date"] or None,
        extra={"credit": CREDIT},
    )
    params = {"stats_data_id": sid, "lang": lang}
    frames: dict[str, Any] = {
        "table": pd.DataFrame([table], columns=list(_LIST_COLUMNS)).astype(_LIST_COLUMNS)
    }
    dimension_names = {}
    for obj in _listify((meta.get("CLASS_INF") or {}).get("CLASS_OBJ")):
        dim = str(obj.get("@id", "")).strip()
        rows = [
            {
                "code": str(c.get("@code", "")).strip(),
                "name": str(c.get("@name", "")).strip(),
                "level": str(c.get("@level", "")).strip() or None,
                "unit": str(c.get("@unit", "")).strip() or None,
                "parent_code": str(c.get("@parentCode", "")).strip() or None,
            }
            for c in _listify(obj.get("CLASS"))
        ]
        frame = pd.DataFrame(rows, columns=["code", "name", "level", "unit", "parent_code"])
        frames[dim] = frame.astype("string")
        dimension_names[dim] = str(obj.get("@name", "")).strip()
    for key, frame in frames.items():
        frame.attrs["ebpm"] = {"origin": dict(origin)}
        finish(frame, params=params)
        if key != "table":
            frame.attrs["dimension"] = dimension_names[key]
    return frames


# --- getStatsList ----------------------------------------------------------------------------
_LIST_COLUMNS = {
    "id": "string",
    "stat_name": "string",
    "gov_org": "string",
    "statistics_name": "string",
    "title": "string",
    "cycle": "string",
    "survey_date": "string",
    "open_date": "string",
    "updated_date": "string",
    "small_area": "Int64",
    "overall_total_number": "Int64",
}


def _list_row(info: Mapping[str, Any]) -> dict[str, Any]:
    def number(key: str) -> int | None:
        text = _text(info.get(key))
        return int(text) if text.isdigit() else None

    survey = _text(info.get("SURVEY_DATE"))
    return {
        "id": str(info.get("@id", "")).strip(),
        "stat_name": _text(info.get("STAT_NAME")),
        "gov_org": _text(info.get("GOV_ORG")),
        "statistics_name": _text(info.get("STATISTICS_NAME")),
        "title": _text(info.get("TITLE")),
        "cycle": _text(info.get("CYCLE")),
        "survey_date": None if survey in ("", "0") else survey,
        "open_date": _text(info.get("OPEN_DATE")) or None,
        "updated_date": _text(info.get("UPDATED_DATE")),  # "" when e-Stat gives none
        "small_area": number("SMALL_AREA"),
        "overall_total_number": number("OVERALL_TOTAL_NUMBER"),
    }


def estat_search(
    words: str | Sequence[str],
    *,
    limit: int = 20,
    stats_code: str | None = None,
    survey_years: str | int | None = None,
    open_years: str | int | None = None,
    lang: str = "J",
) -> pd.DataFrame:
    """Find e-Stat tables (``getStatsList``) whose titles or metadata contain ``words``.

    Parameters
    ----------
    words : str or list of str
        Search words (``"人口推計 都道府県"``: all words; e-Stat also takes ``AND``, ``OR`` and
        ``NOT`` between words).
    limit : int
        At most this many tables (default 20).
    stats_code : str, optional
        Only tables of one survey (8-digit 政府統計コード, e.g. ``"00200524"`` 人口推計) or
        one ministry (5 digits, e.g. ``"00200"`` 総務省).
    survey_years, open_years : str or int, optional
        Survey or release period: ``yyyy``, ``yyyymm`` or ``yyyymm-yyyymm``.
    lang : {"J", "E"}
        Japanese or English metadata.

    Returns
    -------
    pandas.DataFrame
        Columns ``id`` (the statsDataId for :func:`estat`), ``stat_name``, ``gov_org``,
        ``statistics_name``, ``title``, ``cycle``, ``survey_date``, ``open_date``,
        ``updated_date`` (an empty string, not NA, when e-Stat gives no update date),
        ``small_area``, ``overall_total_number``; empty when nothing matches.

    Raises
    ------
    InvalidOptionError
        Empty ``words``, a bad ``limit`` or ``lang``.
    CredentialError
        Online without ``EBPM_ESTAT_APP_ID`` (a search always asks e-Stat when online).
    OfflineError
        Offline, and this exact search was never made before (offline, the last answer to the
        same search is served from the cache).
    SourceStatusError
        e-Stat answered with an error status.
    """
    if isinstance(words, str):
        text = words.strip()
    elif isinstance(words, Sequence) and all(isinstance(w, str) for w in words):
        text = " ".join(w.strip() for w in words if w.strip())
    else:
        text = ""
    if not text:
        raise InvalidOptionError(
            f"words={words!r}: give one or more search words, "
            "e.g. estat_search('人口推計 都道府県')"
        )
    if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
        raise InvalidOptionError(f"limit={limit!r} must be a positive whole number, e.g. 20")
    lang = _check_lang(lang)
    params = {
        "searchWord": text,
        "limit": limit,
        "statsCode": stats_code,
        "surveyYears": survey_years,
        "openYears": open_years,
        "lang": lang,
    }
    what = f"e-Stat search {text!r}"
    got, body, status = _call(
        "getStatsList",
        params,
        root="GET_STATS_LIST",
        what=what,
        refresh=not is_offline(),
        why="a search always asks e-Stat when online",
    )
    _raise_for_status(
        status,
        body,
        what=what,
        hint="Check stats_code (5 or 8 digits) and the year formats (yyyy, yyyymm, yyyymm-yyyymm).",
    )
    tables = _listify((body.get("DATALIST_INF") or {}).get("TABLE_INF"))
    rows = [_list_row(t) for t in tables if isinstance(t, dict)]
    df = pd.DataFrame(rows, columns=list(_LIST_COLUMNS)).astype(_LIST_COLUMNS)
    df.attrs["ebpm"] = {
        "origin": remote_origin(
            [got],
            what=what,
            source="e-Stat (政府統計の総合窓口)",
            licence=LICENCE,
            attribution=_attribution(""),
            url="https://www.e-stat.go.jp/",
            title=f"e-Stat tables matching {text!r}",
            extra={"credit": CREDIT},
        )
    }
    shown = {k: v for k, v in params.items() if v is not None}
    return finish(df, params=shown)


# --- intake reader ---------------------------------------------------------------------------
class EStatReader(BaseReader):
    """An e-Stat table as a tidy DataFrame, for catalog entries.

    Entry ``kwargs``: ``stats_data_id`` (10 digits), optional ``lang`` and any e-Stat filters
    (``cdCat01: A1101``); users may add filters declared in ``metadata.parameters``. Every other
    keyword is a filter and is checked: an unknown name raises ``InvalidOptionError`` naming
    the close filter names. See :func:`estat` for the columns.
    """

    output_instance = "pandas:DataFrame"
    imports: ClassVar[set[str]] = {"pandas"}

    def _read(
        self,
        *,
        stats_data_id: str,
        lang: str = "J",
        refresh: bool = False,
        columns: list[str] | None = None,
        **filters: Any,
    ) -> pd.DataFrame:
        df, _ = _load(stats_data_id, lang=lang, refresh=refresh, columns=columns, filters=filters)
        return df
