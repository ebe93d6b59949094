"""e-Stat API 3.0 requests: arguments checked, one JSON answer fetched, its status turned into
errors.

The table id, ``lang`` and the narrowing filters are checked before anything is asked; the
application ID is sent only when the answer must be downloaded; every answer's
``RESULT.STATUS`` is read (e-Stat answers HTTP 200 even for errors) and an error status becomes
an error naming the fix. :mod:`ebpm.catalog.estat` re-exports the public names.
"""

from __future__ import annotations

import json
import logging
import os
import re
from collections.abc import Mapping
from typing import Any

from ebpm.catalog import cache
from ebpm.catalog.cache import Fetched, Request, base_url, fetch, is_offline
from ebpm.errors import (
    CredentialError,
    InvalidOptionError,
    RemoteError,
    SourceFormatError,
    SourceStatusError,
    did_you_mean,
)

# the public module's logger: logging set up for ebpm.catalog.estat still applies
log = logging.getLogger("ebpm.catalog.estat")

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

_LANGS = ("J", "E")
_ID_RE = re.compile(r"\d{10}")


def _filter_names() -> tuple[str, ...]:
    names = []
    for dim in ["Tab", "Time", "Area", *(f"Cat{i:02d}" for i in range(1, 16))]:
        names += [f"lv{dim}", f"cd{dim}", f"cd{dim}From", f"cd{dim}To"]
    return tuple(names)


#: The narrowing conditions ``getStatsData`` accepts (e-Stat API 3.0, 3.4).
FILTERS = _filter_names()


def api_base() -> str:
    """The API base URL asked: ``EBPM_ESTAT_API`` when set (a mirror or test server), else
    :data:`DEFAULT_API`."""
    return base_url(API_ENV, DEFAULT_API)


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
    url = f"{api_base()}/json/{endpoint}"
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
