"""Downloads, the user cache, checksums and offline mode for remote catalog sources.

Every remote read goes through :func:`fetch`: one HTTP GET with retries, streamed to a temporary
file in the cache, hashed, checked against a pinned sha256 when there is one, then renamed into
place. A failed, truncated or mismatching download never reaches the cache. Parsed tables are
kept beside the raw bytes as Parquet (GeoParquet for maps) by :func:`cached_table`, so a second
load reads Parquet, only the columns asked for.

A cached file is checked before it is served: its size and modification time (``mtime_ns``)
against what its record stored when it was written, and only when they differ its sha256. A file
whose hash is no longer its record's, or whose record is damaged (cut short, not JSON, missing
keys), is never served: online it is downloaded or rebuilt again with a warning naming the file,
offline the load fails with an error naming it and the fix. ``ebpm catalog verify`` hashes every
file in full.

This module downloads. The cache folder, its keys and records live in
:mod:`ebpm.catalog._cache_store`, parsed tables in :mod:`ebpm.catalog._cache_tables` and the full
check in :mod:`ebpm.catalog._cache_verify`; their public names are importable from here.

Environment
-----------
``EBPM_CACHE_DIR``
    The cache folder (default: the platform's user cache folder, e.g. ``~/.cache/ebpm``).
``EBPM_OFFLINE``
    ``1`` serves only from the cache; anything missing raises :class:`~ebpm.errors.OfflineError`
    naming what is missing and how to fetch it.
``EBPM_HTTP_TIMEOUT``, ``EBPM_HTTP_RETRIES``, ``EBPM_HTTP_BACKOFF``
    Seconds to wait for an answer (30), retries after a timeout or a 5xx answer (3), and the
    backoff factor in seconds (0.5: waits 0.5, 1, 2, ... between attempts).
"""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ebpm import _env
from ebpm._io import atomic_write_json
from ebpm._protocol import redact_text
from ebpm.catalog._cache_store import (
    _DOWNLOAD_KEYS,
    CACHE_DIR_ENV,
    OFFLINE_ENV,
    Fetched,
    Request,
    _check,
    _Checked,
    _download_paths,
    _writing,
    cache_dir,
    cache_only,
    is_offline,
)
from ebpm.catalog._cache_tables import cached_table, table_state
from ebpm.catalog._cache_tables import table_cached as table_cached
from ebpm.catalog._cache_tables import table_key as table_key
from ebpm.catalog._cache_verify import cache_entries, verify_cache
from ebpm.errors import IntegrityError, OfflineError, RemoteError

__all__ = [
    "CACHE_DIR_ENV",
    "OFFLINE_ENV",
    "Fetched",
    "Request",
    "base_url",
    "cache_dir",
    "cache_entries",
    "cache_only",
    "cached_sha256",
    "cached_table",
    "check_settings",
    "fetch",
    "forget",
    "is_cached",
    "is_offline",
    "table_state",
    "verify_cache",
]

log = logging.getLogger(__name__)

# the settings themselves live in ebpm._env (ebpm run checks them without loading the catalog)
TIMEOUT_ENV, RETRIES_ENV, BACKOFF_ENV = _env.TIMEOUT_ENV, _env.RETRIES_ENV, _env.BACKOFF_ENV

_USER_AGENT = "ebpm (https://github.com/ebpm; open-data client)"


def redact(text: str) -> str:
    """``text`` with the values of secret query parameters (``appId=...``) replaced by ``***``."""
    return redact_text(text)


class _RedactSecrets(logging.Filter):
    """Keeps secrets out of urllib3's own log lines ("Retrying ... /getStatsData?appId=...")."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        clean = redact(message)
        if clean != message:
            record.msg, record.args = clean, ()
        return True


for _name in ("urllib3.connectionpool", "urllib3.util.retry", "requests"):
    logging.getLogger(_name).addFilter(_RedactSecrets())


_timeout, _retries, _backoff = _env.http_timeout, _env.http_retries, _env.http_backoff
check_settings = _env.check_settings


def base_url(env: str, default: str) -> str:
    """A source's base URL: ``$env`` when set (a mirror or a test server), else ``default``."""
    value = os.environ.get(env, "").strip() or default
    if not value.startswith(("http://", "https://", "file://")):
        raise RemoteError(
            f"{env}={value!r} is not a URL; set it to an http(s) base URL such as {default!r}, "
            "or unset it"
        )
    return value.rstrip("/")


def _session():
    import requests
    from requests.adapters import HTTPAdapter
    from urllib3.util import Retry

    retries = _retries()
    retry = Retry(
        total=retries,
        connect=retries,
        read=retries,
        status=retries,
        other=0,
        backoff_factor=_backoff(),
        status_forcelist=(500, 502, 503, 504),
        allowed_methods=frozenset({"GET"}),
        raise_on_status=False,
        # a maintenance page's Retry-After can be hours; our backoff stays short and bounded
        respect_retry_after_header=False,
    )
    session = requests.Session()
    adapter = HTTPAdapter(max_retries=retry)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    session.headers["User-Agent"] = _USER_AGENT
    return session, retries


def _http_error(status: int, message: str, *, body: bytes = b"") -> RemoteError:
    """A :class:`RemoteError` carrying the HTTP ``status`` and the start of the answer's body
    (``err.status``, ``err.body``): APIs explain their errors there (CKAN's ``error.message``)."""
    err = RemoteError(message)
    err.status = status
    err.body = body
    return err


def _error_body(resp: Any, limit: int = 64 * 1024) -> bytes:
    try:
        return resp.raw.read(limit, decode_content=True) or b""
    except Exception:  # a broken error body must not hide the HTTP status
        return b""


def _http_hint(status: int) -> str:
    if status in (401, 403):
        return "the server refused the request: check the key or credentials it needs"
    if status == 404:
        return "nothing is at that address: check the dataset id or URL in the entry"
    if status == 429:
        return "too many requests: wait a while and try again"
    if 400 <= status < 500:
        return "the request was rejected: check the parameters"
    return "the server failed: try again later, or work from the cache with EBPM_OFFLINE=1"


def _cached_download(req: Request) -> _Checked | None:
    """The cached answer to ``req`` as checked on load, or None when it is not cached."""
    body, meta = _download_paths(req)
    if not (body.is_file() and meta.is_file()):
        return None
    return _check(body, meta, _DOWNLOAD_KEYS)


def is_cached(req: Request) -> bool:
    """Whether the answer to ``req`` is in the cache and may be served (nothing is downloaded;
    a file that changed on disk or has a damaged record does not count)."""
    checked = _cached_download(req)
    return checked is not None and checked.ok


def cached_sha256(url: str) -> str | None:
    """The sha256 of the cached answer to ``url`` (a redacted URL from provenance works: secrets
    are not part of the cache key), or None when it is not cached. Nothing is downloaded.

    A cached file that changed on disk since it was downloaded, or whose record is damaged,
    gives None too: a load would not serve it, so its old hash says nothing about the data.
    """
    checked = _cached_download(Request.get(url))
    if checked is None or not checked.ok or checked.meta is None:
        return None
    return str(checked.meta["sha256"])


def forget(item: Request | Fetched) -> None:
    """Drop one cached answer (e.g. an API error served with HTTP 200) so the next call asks
    again."""
    if isinstance(item, Request):
        body, meta = _download_paths(item)
    else:
        body, meta = item.path, item.path.with_name(f"{item.path.name}.json")
    meta.unlink(missing_ok=True)
    body.unlink(missing_ok=True)


def fetch(
    req: Request,
    *,
    what: str,
    sha256: str | None = None,
    refresh: bool = False,
) -> Fetched:
    """Return the body of ``req``, from the cache when it is there, else downloaded.

    Parameters
    ----------
    req : Request
        What to GET.
    what : str
        What the user asked for, for messages (``"e-Stat table 0000010101"``).
    sha256 : str, optional
        Pinned hash of the body. A download that does not match raises
        :class:`~ebpm.errors.IntegrityError` naming both hashes and is not cached.
    refresh : bool
        Download again even when cached (the cached copy stays until the new one is complete).

    Raises
    ------
    OfflineError
        ``EBPM_OFFLINE`` is set and the body is not cached.
    RemoteError
        Timeouts, connection failures and HTTP errors, after retries for timeouts and 5xx (none
        for 4xx).
    IntegrityError
        The body does not match ``sha256``.
    """
    body, meta_path = _download_paths(req)
    pinned = sha256.lower() if sha256 else None
    checked = None if refresh else _cached_download(req)
    if checked is not None and checked.ok and checked.meta is not None:
        meta = checked.meta
        if pinned is None or meta["sha256"].lower() == pinned:
            log.debug("cache hit for %s", req.redacted)
            headers = meta.get("headers")
            return Fetched(
                path=body,
                sha256=meta["sha256"],
                url=meta["url"],
                retrieved_at=meta["retrieved_at"],
                from_cache=True,
                size=meta["size"],
                headers=dict(headers) if isinstance(headers, dict) else {},
            )
    elif checked is not None:
        _unusable_download(checked, req, what=what, body=body, meta_path=meta_path)
    if is_offline() and refresh and body.is_file():
        raise OfflineError(
            f"{what}: refresh=True asks {req.host} again, but {OFFLINE_ENV} is set; unset it to "
            "refresh, or load without refresh to use the cached copy"
        )
    if is_offline():
        raise OfflineError(
            f"{what} is not in the cache ({cache_dir()}) and {OFFLINE_ENV} is set, so it was "
            f"not downloaded from {req.redacted}. Fetch it once while online (`ebpm catalog "
            f"fetch NAME`, or unset {OFFLINE_ENV}), or copy a cache folder here."
        )
    return _download(req, what=what, pinned=pinned, body=body, meta_path=meta_path)


def _unusable_download(
    checked: _Checked, req: Request, *, what: str, body: Path, meta_path: Path
) -> None:
    """A cached download that must not be served: offline an error naming the file and the fix;
    online a warning, and the caller downloads it again (overwriting both files atomically)."""
    if is_offline():
        if checked.damaged is not None:
            raise OfflineError(
                f"{what}: the cache record {meta_path} is damaged ({checked.damaged}), so the "
                f"cached copy of {req.redacted} cannot be checked and is not served, and "
                f"{OFFLINE_ENV} is set. Unset {OFFLINE_ENV} to download it again (`ebpm catalog "
                f"fetch NAME`), or delete {meta_path} and {body}."
            )
        raise IntegrityError(
            f"{what}: the cached file {body} {checked.changed}, so it is not served and "
            f"{OFFLINE_ENV} is set. Unset {OFFLINE_ENV} to download it again, or delete the file "
            "(`ebpm catalog verify` removes every changed cache file)."
        )
    if checked.damaged is not None:
        log.warning(
            "%s: the cache record %s is damaged (%s); downloading %s again",
            what,
            meta_path,
            checked.damaged,
            req.redacted,
        )
    else:
        log.warning(
            "%s: the cached file %s %s; downloading %s again",
            what,
            body,
            checked.changed,
            req.redacted,
        )


def _download(req: Request, *, what: str, pinned: str | None, body: Path, meta_path: Path):
    import requests.exceptions as rex

    timeout = _timeout()
    session, retries = _session()
    log.info("downloading %s from %s", what, req.redacted)
    with _writing():
        body.parent.mkdir(parents=True, exist_ok=True)
        _sweep_parts(body.parent)
        fd, tmp_name = tempfile.mkstemp(prefix=f".{body.name}.", suffix=".part", dir=body.parent)
    tmp = Path(tmp_name)
    try:
        h = hashlib.sha256()
        size = 0
        try:
            with session.get(
                req.url, params=list(req.params), timeout=timeout, stream=True
            ) as resp:
                if resp.status_code >= 400:
                    tries = f" after {retries + 1} attempts" if resp.status_code >= 500 else ""
                    raise _http_error(
                        resp.status_code,
                        f"{what}: {req.host} answered HTTP {resp.status_code} "
                        f"{resp.reason or ''}{tries} for {req.redacted}; "
                        f"{_http_hint(resp.status_code)}",
                        body=_error_body(resp),
                    )
                headers = {
                    k: v
                    for k, v in resp.headers.items()
                    if k in ("Content-Type", "Last-Modified", "ETag", "Content-Length")
                }
                with os.fdopen(fd, "wb") as fh:
                    fd = -1
                    for chunk in resp.iter_content(1 << 20):
                        h.update(chunk)
                        size += len(chunk)
                        with _writing():
                            fh.write(chunk)
                    with _writing():
                        fh.flush()
                        os.fsync(fh.fileno())
        except rex.RetryError:
            raise RemoteError(
                f"{what}: {req.host} kept failing ({retries + 1} attempts) for {req.redacted}; "
                f"try again later, or work from the cache with {OFFLINE_ENV}=1"
            ) from None  # the chained error would show the URL with its secrets
        except (rex.Timeout, rex.ConnectionError, rex.ChunkedEncodingError) as err:
            if _is_timeout(err):
                raise RemoteError(
                    f"{what}: {req.host} did not answer within {timeout:g} s "
                    f"({retries + 1} attempts) for {req.redacted}; try again later, raise "
                    f"{TIMEOUT_ENV}, or work from the cache with {OFFLINE_ENV}=1"
                ) from None
            reason = _short_reason(err)
            raise RemoteError(
                f"{what}: download from {req.host} failed ({reason}) for {req.redacted}; "
                "check the network or the base URL (and its EBPM_*_API variable), then retry; "
                "nothing was cached"
            ) from None
        digest = h.hexdigest()
        if pinned and digest != pinned:
            raise IntegrityError(
                f"{what}: the download from {req.redacted} has sha256 {digest}, but the entry "
                f"pins {pinned}; the publisher changed the file or the download is corrupt. It "
                "was not cached. Check the data, then update the entry's `sha256`."
            )
        with _writing():
            os.replace(tmp, body)
            st = body.stat()
    except BaseException:
        if fd != -1:
            os.close(fd)
        tmp.unlink(missing_ok=True)
        raise
    now = datetime.now(UTC).isoformat(timespec="seconds")
    with _writing():
        atomic_write_json(
            meta_path,
            {
                "url": req.redacted,
                "what": what,
                "sha256": digest,
                "size": size,
                # with size, what a load compares before trusting the file without hashing it
                "mtime_ns": st.st_mtime_ns,
                "retrieved_at": now,
                "headers": headers,
            },
        )
    return Fetched(
        path=body,
        sha256=digest,
        url=req.redacted,
        retrieved_at=now,
        from_cache=False,
        size=size,
        headers=headers,
    )


def _sweep_parts(folder: Path, max_age_s: float = 86400.0) -> None:
    """Remove partial downloads left by killed processes (older than a day, so never one that
    another process is still writing)."""
    import time

    now = time.time()
    for part in folder.glob(".*.part"):
        try:
            if now - part.stat().st_mtime > max_age_s:
                part.unlink()
        except OSError:
            pass


def _is_timeout(err: BaseException) -> bool:
    import requests.exceptions as rex
    from urllib3.exceptions import NewConnectionError
    from urllib3.exceptions import TimeoutError as Urllib3Timeout

    reason = getattr(err.args[0], "reason", None) if err.args else None
    if isinstance(reason, NewConnectionError):  # a subclass of ConnectTimeoutError in urllib3 2
        return False
    return isinstance(err, rex.Timeout) or isinstance(reason, Urllib3Timeout)


def _short_reason(err: BaseException) -> str:
    text = redact(str(err))
    if "IncompleteRead" in text or "Connection broken" in text:
        return "the body was cut short"
    for marker in ("Connection refused", "Name or service not known", "No route to host"):
        if marker in text:
            return marker.lower()
    return text.split(":")[-1].strip(" )'\"") or type(err).__name__
