"""Recorded e-Stat answers shipped with ebpm: the Japanese examples without an application ID.

A new user has no e-Stat application ID and no cache, so the Japanese KPI example could not
show anything. For a few exact requests, ``ebpm/data/estat_recorded/`` holds the answer in the
JSON of the e-Stat API 3.0 (its ``README.md`` says where every figure comes from). When a
request to e-Stat itself (not a mirror or test server) would need the ID and none is set, or
``EBPM_OFFLINE`` is set and the table is not cached, :func:`recorded` serves that answer
instead, never silently: a :class:`~ebpm.errors.RecordedAnswerWarning` says so in plain words
(also in Japanese when ``EBPM_LANG=ja``), and the frame's provenance names the recorded answer,
its date and sha256. Any other request keeps its error. With an application ID set, e-Stat is
asked as usual.
"""

from __future__ import annotations

import json
import logging
import warnings
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode

import pandas as pd

from ebpm._lang import current_lang
from ebpm._package_data import package_file
from ebpm._version import __version__
from ebpm.catalog import _estat_api
from ebpm.catalog._cache_tables import _check_columns
from ebpm.catalog._estat_api import APP_ID_ENV, CREDIT, LICENCE, REGISTER_URL, TABLE_PAGE
from ebpm.catalog._estat_frame import _annotations, _attribution, _notes, _source, _table_info
from ebpm.catalog._estat_frame import _tidy as _tidy_pages
from ebpm.errors import RecordedAnswerWarning, SourceFormatError

log = logging.getLogger("ebpm.catalog.estat")

_PACKAGE = "ebpm"
_FOLDER = "data/estat_recorded"
#: The day of the newest figure in the recorded answers (the 2024 births, 概数, published by
#: the Ministry of Health, Labour and Welfare on 2025-06-04); see the README beside the files.
RECORDED_ON = "2025-06-04"

#: ``(statsDataId, lang, narrowing filters)`` -> (file in ebpm/data/estat_recorded/, sha256).
#: The filters are exactly the request's (as :func:`ebpm.catalog._estat_api._check_filters`
#: gives them); the hashes are those listed in the folder's README.md.
RECORDED: dict[tuple[str, str, tuple[tuple[str, str], ...]], tuple[str, str]] = {
    ("0000010101", "J", (("cdArea", "00000"), ("cdCat01", "A4101"))): (
        "0000010101_A4101_00000.json",
        "12907e415964ca29e75cb23aba00ceb690ba8104383ccf72b24668b8e08bed03",
    ),
    ("0000010101", "J", (("cdArea", "00000"), ("cdCat01", "A1301"))): (
        "0000010101_A1301_00000.json",
        "1d8714ffe3a1acb8ee47790d4f37962b38048e2f86877839fd1bfa6756edffb1",
    ),
}

_warned: set[str] = set()


def _key(sid: str, lang: str, filters: Mapping[str, str]) -> tuple[Any, ...]:
    return (sid, lang, tuple(sorted(filters.items())))


def has_recorded(sid: str, lang: str, filters: Mapping[str, str]) -> bool:
    """Whether a recorded answer stands for this exact request to e-Stat itself."""
    on_estat = _estat_api.api_base() == _estat_api.DEFAULT_API
    return on_estat and _key(sid, lang, filters) in RECORDED


def message(sid: str, filters: Mapping[str, str], lang: str) -> str:
    """The warning: which table, that it is a recorded answer and how to get the current one
    (English; with ``lang="ja"`` Japanese first, then English)."""
    shown = ", ".join(f"{k}={v}" for k, v in sorted(filters.items()))
    what = f"table {sid}" + (f" ({shown})" if shown else "")
    english = (
        f"Published figures of {RECORDED_ON} used for {what}, not a live download (shipped "
        "with ebpm, assembled in e-Stat's format from the figures published by then); set "
        f"{APP_ID_ENV} (sign up at {REGISTER_URL}) to get the current figures."
    )
    if lang != "ja":
        return english
    where = f"統計表 {sid}" + (f"（{shown}）" if shown else "")
    japanese = (
        f"{where}には、ebpm 同梱の {RECORDED_ON} 時点の公表値（e-Stat の形式で作成）を"
        "使っています。e-Stat からの最新の取得ではありません。最新の数値を"
        f"得るには {APP_ID_ENV} を設定してください（利用登録：{REGISTER_URL}）。"
    )
    return f"{japanese}\n{english}"


def recorded(
    sid: str, lang: str, filters: Mapping[str, str], *, columns: list[str] | None = None
) -> pd.DataFrame:
    """The recorded answer to this request as a tidy frame, as :func:`~.estat.estat` builds it,
    with its provenance; warns once per request (a :class:`RecordedAnswerWarning`)."""
    resource, pin = RECORDED[_key(sid, lang, filters)]
    shipped = package_file(_PACKAGE, f"{_FOLDER}/{resource}", sha256=pin)
    what = f"e-Stat table {sid}"
    try:
        page = json.loads(shipped["bytes"].decode("utf-8"))["GET_STATS_DATA"]["STATISTICAL_DATA"]
    except (UnicodeDecodeError, json.JSONDecodeError, KeyError, TypeError) as err:
        raise SourceFormatError(
            f"{shipped['path']}: the recorded answer is not e-Stat's getStatsData JSON ({err}); "
            "reinstall ebpm"
        ) from err
    pages = [page]
    df, dimensions = _tidy_pages(pages, what=what)
    info = _table_info(page)
    title = " ".join(t for t in (info["statistics_name"], info["title"]) if t)
    params = {"statsDataId": sid, "lang": lang, **filters, "annotationGetFlg": "Y"}
    request = f"{_estat_api.DEFAULT_API}/json/getStatsData?{urlencode(params)}"
    stamp = f"{RECORDED_ON}T00:00:00+09:00"
    note = (
        f"published figures of {RECORDED_ON} in e-Stat's format, shipped with ebpm; not a live "
        "download"
    )
    df.attrs["ebpm"] = {
        "origin": {
            "kind": "recorded",
            "what": what,
            "source": f"{note} ({shipped['path']}): {_source(info)}",
            "licence": LICENCE,
            "attribution": _attribution(title),
            "title": title or None,
            "url": TABLE_PAGE.format(sid=sid),
            "request": request,
            "sha256": shipped["sha256"],
            # the request e-Stat would answer, so a rerun asks again once an ID or cache is
            # there (no package: a task on a recorded answer is not "unchanged" forever)
            "files": [{"url": request, "sha256": shipped["sha256"], "retrieved_at": stamp}],
            "retrieved_at": stamp,
            "publisher_updated": RECORDED_ON,
            "from_cache": False,
            "path": shipped["path"],
            "stats_data_id": sid,
            "dimensions": dimensions,
            "notes": _notes(pages),
            "annotations": _annotations(pages),
            "credit": CREDIT,
            "recorded": {
                "date": RECORDED_ON,
                "path": shipped["path"],
                "sha256": shipped["sha256"],
                "ebpm_version": __version__,
                "how": "assembled in e-Stat's JSON format from published figures, not downloaded",
            },
        }
    }
    key = repr(_key(sid, lang, filters))
    if key not in _warned:
        _warned.add(key)
        text = message(sid, filters, current_lang())
        log.info("%s", text)
        warnings.warn(text, RecordedAnswerWarning, stacklevel=2)
    if columns is not None:
        _check_columns(list(columns), [str(c) for c in df.columns], what)
        attrs = df.attrs
        df = df[list(columns)].copy()
        df.attrs = attrs
    return df
