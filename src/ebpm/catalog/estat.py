"""e-Stat (政府統計の総合窓口) through its API 3.0: tables as tidy frames, metadata and search.

e-Stat publishes Japan's official statistics; its API (e-Stat API 3.0) serves
every database table by its 10-digit table id (``statsDataId``). :func:`estat` reads one table
(``getStatsData``) into a tidy frame, one row per published value, with codes and labels for each
dimension, the value as a float, the published symbol of a suppressed value in ``flag``,
e-Stat's annotation mark (注釈記号) in ``annotation``, and area and time codes decoded into levels
that do not overlap (national, prefecture, municipality, ward, aggregate), year, fiscal year,
month and quarter.
:func:`estat_meta` reads a table's classifications (``getMetaInfo``), :func:`estat_search` finds
tables (``getStatsList``), and :class:`EStatReader` serves tables to the catalog. The requests
and their errors live in :mod:`ebpm.catalog._estat_api`, the area and time codes in
:mod:`ebpm.catalog._estat_codes`, the JSON-to-frame parser in :mod:`ebpm.catalog._estat_frame`.

Environment
-----------
``EBPM_ESTAT_APP_ID``
    Your e-Stat application ID (free: register at
    https://www.e-stat.go.jp/mypage/user/preregister, then マイページ → API機能（アプリケーションID
    発行）). Needed only to download: a table already in the cache loads without it, and offline
    mode (``EBPM_OFFLINE=1``) never asks for it. The ID is sent to e-Stat but never stored in the
    cache, the provenance, logs or messages. Without it (or offline) and without a cached copy,
    the few requests of the Japanese examples (table 0000010101, 出生数 A4101 and 15歳未満人口
    A1301 for 全国) are answered from a recorded answer shipped in ``ebpm/data/estat_recorded/``,
    with a :class:`~ebpm.errors.RecordedAnswerWarning` and provenance that say so; every other
    request needs the ID.
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

from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

import pandas as pd
from intake.readers.readers import BaseReader

from ebpm.catalog._estat_api import (
    API_ENV,
    APP_ID_ENV,
    CREDIT,
    DEFAULT_API,
    LICENCE,
    TABLE_PAGE,
    _call,
    _check_filters,
    _check_id,
    _check_lang,
    _listify,
    _message,
    _raise_for_status,
    _text,
    api_base,
)
from ebpm.catalog._estat_api import FILTERS as FILTERS
from ebpm.catalog._estat_api import REGISTER_URL as REGISTER_URL
from ebpm.catalog._estat_codes import AREA_LEVELS, decode_area, decode_time
from ebpm.catalog._estat_frame import FORMAT, _attribution, _build, _source
from ebpm.catalog._estat_recorded import has_recorded, recorded
from ebpm.catalog.cache import cached_table, is_offline
from ebpm.catalog.provenance import finish, remote_origin
from ebpm.errors import CredentialError, InvalidOptionError, OfflineError, SourceStatusError

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
        "api": api_base(),
        "endpoint": "getStatsData",
        "stats_data_id": sid,
        "lang": lang,
        "filters": flt,
        "format": FORMAT,
    }
    try:
        df = cached_table(
            parts, lambda: _build(sid, lang, flt, refresh=refresh), refresh=refresh, columns=columns
        )
    except (CredentialError, OfflineError):
        # No application ID (or offline) and no cached copy: the recorded answer shipped with
        # ebpm stands in for exactly this request, with a warning and its own provenance. A
        # refresh asks e-Stat on purpose, so it keeps its error, as does any other request.
        if refresh or not has_recorded(sid, lang, flt):
            raise
        df = recorded(sid, lang, flt, columns=list(columns) if columns is not None else None)
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
        The table must be downloaded and ``EBPM_ESTAT_APP_ID`` is not set (and no recorded
        answer stands for the request).
    SourceStatusError
        e-Stat answered with an error status (bad application ID, unknown table, bad
        parameters) or no value matched the filters.
    OfflineError
        ``EBPM_OFFLINE`` is set and the table is not in the cache (nor recorded).
    RemoteError, SourceFormatError
        The download failed, or the answer is not the JSON e-Stat sends.

    Warns
    -----
    RecordedAnswerWarning
        No application ID (or offline) and no cached copy, but ebpm ships published figures for
        this exact request (see Notes): they are returned instead, and said so once.

    Notes
    -----
    Pages (100,000 values each) are followed through ``NEXT_KEY`` and cached raw; the tidy table
    is cached as Parquet, so a second call reads only the cache and needs no application ID.
    Values that e-Stat publishes as symbols keep the symbol in ``flag``; the table's
    ``DATA_INF.NOTE`` says what each symbol means, and ``DATA_INF.ANNOTATION`` what each
    ``annotation`` mark means (:class:`EStatReader` keeps them in the origin under ``notes`` and
    ``annotations``, with the dimension names under ``dimensions``). The cache key holds the API
    base URL, so a mirror or test server (``EBPM_ESTAT_API``) never shares a table with e-Stat.

    A recorded answer (``ebpm/data/estat_recorded/``, the figures of the Japanese examples,
    assembled in e-Stat's JSON from the published statistics) is used only for a request to
    e-Stat itself without an application ID or offline, with nothing cached and not
    ``refresh``; it is never cached, and its provenance says ``published figures of <date> in
    e-Stat's format, shipped with ebpm; not a live download`` in ``source``, with the file's
    sha256 and the date as ``publisher_updated``.

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
