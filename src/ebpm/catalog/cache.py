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

import contextlib
import hashlib
import json
import logging
import os
import tempfile
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import pandas as pd

from ebpm._env import env_flag, env_number
from ebpm._io import atomic_write_json, os_reason
from ebpm._protocol import is_secret_name, redact_text, redact_value
from ebpm.errors import (
    CatalogError,
    IntegrityError,
    OfflineError,
    RemoteError,
    SourceFormatError,
)

__all__ = [
    "CACHE_DIR_ENV",
    "OFFLINE_ENV",
    "Fetched",
    "Request",
    "base_url",
    "cache_dir",
    "cache_entries",
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

CACHE_DIR_ENV = "EBPM_CACHE_DIR"
OFFLINE_ENV = "EBPM_OFFLINE"
TIMEOUT_ENV = "EBPM_HTTP_TIMEOUT"
RETRIES_ENV = "EBPM_HTTP_RETRIES"
BACKOFF_ENV = "EBPM_HTTP_BACKOFF"

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


def cache_dir() -> Path:
    """The cache folder: ``$EBPM_CACHE_DIR`` or the platform's user cache folder for ebpm."""
    env = os.environ.get(CACHE_DIR_ENV)
    if env:
        return Path(env).expanduser()
    import platformdirs

    return Path(platformdirs.user_cache_dir("ebpm", appauthor=False))


@contextlib.contextmanager
def _writing() -> Iterator[None]:
    """Turn an ``OSError`` of a cache write (a folder that cannot be made, a read-only file
    system, a full disk) into a :class:`CatalogError` naming the cache folder and the fix."""
    try:
        yield
    except CatalogError:  # RemoteError is an OSError too: it already says what went wrong
        raise
    except OSError as err:
        where = f" ({err.filename})" if err.filename else ""
        space = " with free space" if "disk is full" in os_reason(err) else ""
        raise CatalogError(
            f"cannot write to the ebpm cache {cache_dir()}{where}: {os_reason(err)}; set "
            f"{CACHE_DIR_ENV} to a writable folder{space}"
        ) from err


def is_offline() -> bool:
    """Whether ``EBPM_OFFLINE`` asks for cache-only reads (``1``, ``true``, ``yes``, ``on``).

    Raises :class:`ebpm.errors.SettingError` for a value that is neither on nor off.
    """
    return env_flag(OFFLINE_ENV)


def _timeout() -> float:
    return env_number(TIMEOUT_ENV, 30.0, positive=True, error=RemoteError)


def _retries() -> int:
    return int(env_number(RETRIES_ENV, 3, integer=True, error=RemoteError))


def _backoff() -> float:
    return env_number(BACKOFF_ENV, 0.5, error=RemoteError)


def check_settings() -> None:
    """Raise on a bad ``EBPM_OFFLINE``, ``EBPM_HTTP_TIMEOUT``, ``_RETRIES`` or ``_BACKOFF``.

    ``ebpm run`` calls it before any kernel starts, so a typo fails the run once, not each task.
    """
    is_offline()
    _timeout(), _retries(), _backoff()


def base_url(env: str, default: str) -> str:
    """A source's base URL: ``$env`` when set (a mirror or a test server), else ``default``."""
    value = os.environ.get(env, "").strip() or default
    if not value.startswith(("http://", "https://", "file://")):
        raise RemoteError(
            f"{env}={value!r} is not a URL; set it to an http(s) base URL such as {default!r}, "
            "or unset it"
        )
    return value.rstrip("/")


@dataclass(frozen=True)
class Request:
    """One HTTP GET: a URL and its query parameters.

    Parameters with a secret-looking name (an e-Stat ``appId``, a ``token``, a ``signature``:
    :func:`ebpm._protocol.is_secret_name`) or named in ``secrets`` are sent but left out of the
    cache key, provenance, logs and messages: the data do not depend on who asked for them.
    """

    url: str
    params: tuple[tuple[str, str], ...] = ()
    secrets: frozenset[str] = field(default=frozenset())

    @classmethod
    def get(cls, url: str, params: Mapping[str, Any] | None = None) -> Request:
        """Build a request; ``None`` values are dropped, lists are joined with commas.

        A query string already in ``url`` is split into parameters, so a secret written there
        (``...?token=...``) is redacted like any other.
        """
        parts = urlsplit(url)
        items = []
        if parts.query:
            items.extend(parse_qsl(parts.query, keep_blank_values=True))
            url = urlunsplit(parts._replace(query=""))
        for k, v in (params or {}).items():
            if v is None:
                continue
            if isinstance(v, list | tuple):
                v = ",".join(str(x) for x in v)
            items.append((str(k), str(v)))
        return cls(url, tuple(sorted(items)))

    @property
    def public_params(self) -> dict[str, str]:
        return {k: v for k, v in self.params if not self.is_secret(k)}

    def is_secret(self, name: str) -> bool:
        """Whether the query parameter ``name`` holds a secret."""
        return name in self.secrets or is_secret_name(name)

    @property
    def redacted(self) -> str:
        """The URL with its query, secrets shown as ``***``: safe for logs and provenance."""
        shown = [(k, "***" if self.is_secret(k) else v) for k, v in self.params]
        return self.url + ("?" + urlencode(shown, safe=",:;*") if shown else "")

    @property
    def key(self) -> str:
        """sha256 of the URL and the non-secret parameters: the cache key."""
        text = json.dumps([self.url, sorted(self.public_params.items())], ensure_ascii=False)
        return hashlib.sha256(text.encode()).hexdigest()

    @property
    def host(self) -> str:
        return urlsplit(self.url).netloc or self.url


@dataclass(frozen=True)
class Fetched:
    """A downloaded (or cached) response body on disk, with what is known about it."""

    path: Path
    sha256: str
    url: str  # redacted
    retrieved_at: str
    from_cache: bool
    size: int
    headers: dict[str, str]

    def read_bytes(self) -> bytes:
        return self.path.read_bytes()

    def provenance(self) -> dict[str, Any]:
        return {
            "url": self.url,
            "sha256": self.sha256,
            "retrieved_at": self.retrieved_at,
            "size": self.size,
            "last_modified": self.headers.get("Last-Modified"),
        }


def _download_paths(req: Request) -> tuple[Path, Path]:
    folder = cache_dir() / "downloads" / req.key[:2]
    return folder / req.key, folder / f"{req.key}.json"


def _sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


# --- checking a cache entry before it is served ---------------------------------------------
#: What a download's record must hold, with the type, for the download to be served.
_DOWNLOAD_KEYS: dict[str, type] = {"url": str, "sha256": str, "size": int, "retrieved_at": str}
#: What a parsed table's record must hold.
_TABLE_KEYS: dict[str, type] = {"sha256": str, "size": int, "columns": list, "origin": dict}


class _UnusableError(Exception):
    """A cache record that cannot be read, or names a file that cannot be: why."""


@dataclass(frozen=True)
class _Checked:
    """A cache entry (a file and its JSON record) as found on load.

    ``meta`` is the record (``None`` when it cannot be read); ``damaged`` says why the record
    or its file cannot be used; ``actual`` is the file's sha256 when it is not the record's.
    """

    meta: dict[str, Any] | None = None
    damaged: str | None = None
    actual: str | None = None

    @property
    def ok(self) -> bool:
        return self.damaged is None and self.actual is None

    @property
    def changed(self) -> str:
        """``"changed on disk: ..."`` with both hashes, for a warning or an error."""
        recorded = (self.meta or {}).get("sha256")
        return f"changed on disk: its record says sha256 {recorded}, the file now has {self.actual}"


def _read_record(meta_path: Path, keys: Mapping[str, type]) -> dict[str, Any]:
    """The JSON record at ``meta_path``; raises :class:`_UnusableError` saying what is wrong."""
    try:
        text = meta_path.read_text(encoding="utf-8")
    except OSError as err:
        raise _UnusableError(f"it cannot be read: {os_reason(err)}") from err
    except ValueError as err:  # not UTF-8
        raise _UnusableError("it is not text") from err
    if not text.strip():
        raise _UnusableError("it is empty")
    try:
        meta = json.loads(text)
    except ValueError as err:  # cut short by a crash or a full disk, or overwritten
        raise _UnusableError(f"it is not JSON ({err})") from err
    if not isinstance(meta, dict):
        raise _UnusableError(f"it holds a JSON {type(meta).__name__}, not an object")
    missing = [k for k in keys if k not in meta]
    if missing:
        raise _UnusableError(f"it lacks {', '.join(map(repr, missing))}")
    wrong = [k for k, t in keys.items() if not isinstance(meta[k], t) or isinstance(meta[k], bool)]
    if wrong:
        raise _UnusableError(f"its {', '.join(map(repr, wrong))} has the wrong type")
    return meta


def _check(path: Path, meta_path: Path, keys: Mapping[str, type]) -> _Checked:
    """Check the cached ``path`` against its record before it is served.

    Cheap when nothing changed: the file's size and ``mtime_ns`` are compared with what the
    record stored when the file was written. Only when they differ (or the record predates
    ``mtime_ns``) is the file hashed; if the sha256 is still the record's, the record is
    stamped with the new size and time, so the next load is cheap again.
    """
    try:
        meta = _read_record(meta_path, keys)
    except _UnusableError as err:
        return _Checked(damaged=str(err))
    try:
        st = path.stat()
        if st.st_size == meta["size"] and meta.get("mtime_ns") == st.st_mtime_ns:
            return _Checked(meta)
        actual = _sha256_file(path)
    except OSError as err:
        return _Checked(meta, damaged=f"its file {path.name} cannot be read: {os_reason(err)}")
    if actual != meta["sha256"].lower():
        return _Checked(meta, actual=actual)
    meta = _stamped(meta_path, meta, st)
    return _Checked(meta)


def _stamped(meta_path: Path, meta: dict[str, Any], st: os.stat_result) -> dict[str, Any]:
    """``meta`` with the size and ``mtime_ns`` of a file just found to match it, written back
    atomically (a read-only cache is still served; its files are hashed on each load)."""
    meta = dict(meta, size=st.st_size, mtime_ns=st.st_mtime_ns)
    try:
        atomic_write_json(meta_path, meta)
    except OSError as err:
        log.debug("cannot stamp the cache record %s: %s", meta_path, os_reason(err))
    return meta


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


# --- parsed tables --------------------------------------------------------------------------
def _table_paths(key: str) -> tuple[Path, Path]:
    folder = cache_dir() / "tables" / key[:2]
    return folder / f"{key}.parquet", folder / f"{key}.json"


def table_key(parts: Mapping[str, Any]) -> str:
    """A stable cache key for a parsed table: sha256 of its parts as canonical JSON, secrets in
    URLs left out (a ``?token=``: the data do not depend on who asked for them). Names are the
    source's own and all count (OECD's ``key`` is a series key)."""
    parts = redact_value(parts, names=False)
    text = json.dumps(parts, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def table_cached(key: str) -> bool:
    """Whether the parsed table with cache key ``key`` is on disk."""
    data, meta = _table_paths(key)
    return data.is_file() and meta.is_file()


def table_state(parts: Mapping[str, Any]) -> dict[str, Any] | None:
    """The cache record of a parsed table (``None`` when not cached)."""
    data, meta = _table_paths(table_key(parts))
    if data.is_file() and meta.is_file():
        try:
            out = _read_record(meta, {})
        except _UnusableError:  # a load warns and rebuilds it
            return None
        out["path"] = str(data)
        out["bytes"] = data.stat().st_size
        return out
    return None


def cached_table(
    parts: Mapping[str, Any],
    build: Callable[[], pd.DataFrame],
    *,
    refresh: bool = False,
    columns: Iterable[str] | None = None,
) -> pd.DataFrame:
    """Return the table described by ``parts``, parsed once and then read from Parquet.

    ``build()`` downloads and parses; it must return a DataFrame (or GeoDataFrame) whose
    ``attrs["ebpm"]["origin"]`` holds its provenance. The table is written to
    ``tables/<key>.parquet`` (GeoParquet for a GeoDataFrame) with the provenance beside it, and
    later calls read only ``columns`` from it. Writes are atomic.

    A cached table is checked before it is served (its size and modification time against its
    record, and only when they differ its sha256). One that changed on disk, cannot be read, or
    whose record is damaged is rebuilt with a warning naming the file; offline, when ``build()``
    cannot run without downloading, the error names the file and the fix.
    """
    key = table_key(parts)
    data, meta_path = _table_paths(key)
    cols = list(columns) if columns is not None else None
    problem, changed = None, False
    if data.is_file() and meta_path.is_file() and not refresh:
        checked = _check(data, meta_path, _TABLE_KEYS)
        if checked.ok and checked.meta is not None:
            try:
                return _read_cached(data, checked.meta, cols)
            except _UnusableError as err:
                problem = str(err)
        elif checked.damaged is not None:
            problem = f"the cache record {meta_path} is damaged ({checked.damaged})"
        else:
            problem, changed = f"the cached table {data} {checked.changed}", True
        log.warning("%s; rebuilding the table", problem)
    df = _parquet_safe(_rebuild(build, problem, changed=changed))
    origin = dict(df.attrs.get("ebpm", {}).get("origin", {}))
    origin["table_key"] = key
    geo = _is_geo(df)
    with _writing():
        data.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(prefix=f".{data.name}.", suffix=".part", dir=data.parent)
        os.close(fd)
    try:
        try:
            with _writing():  # a full disk is not a problem of the table's types
                df.to_parquet(tmp_name, index=False)
        except CatalogError:
            raise
        except Exception as err:  # pyarrow's errors have no common base we can name here
            raise SourceFormatError(
                f"{origin.get('what', 'the table')} cannot be stored as Parquet ({err}); pass "
                "read options that give each column one type (e.g. read_csv={'dtype': str})"
            ) from err
        digest = _sha256_file(Path(tmp_name))
        with _writing():
            os.replace(tmp_name, data)
            st = data.stat()
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise
    with _writing():
        _write_table_record(meta_path, parts, origin, df, geo=geo, digest=digest, st=st)
    if cols is not None:
        _check_columns(cols, [str(c) for c in df.columns], origin.get("what"))
        if geo and "geometry" not in cols:
            cols = [*cols, "geometry"]
        df = df[cols]
    df.attrs["ebpm"] = {"origin": dict(origin, from_cache=False)}
    return df


def _write_table_record(
    meta_path: Path,
    parts: Mapping[str, Any],
    origin: dict[str, Any],
    df: pd.DataFrame,
    *,
    geo: bool,
    digest: str,
    st: os.stat_result,
) -> None:
    atomic_write_json(
        meta_path,
        {
            "parts": redact_value(dict(parts), names=False),
            "what": origin.get("what"),
            "geo": geo,
            "rows": len(df),
            "columns": [str(c) for c in df.columns],
            "sha256": digest,
            "size": st.st_size,
            # with size, what a load compares before trusting the file without hashing it
            "mtime_ns": st.st_mtime_ns,
            "written_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "origin": _jsonable(redact_value(origin, names=False)),
        },
    )


def _rebuild(
    build: Callable[[], pd.DataFrame], problem: str | None, *, changed: bool
) -> pd.DataFrame:
    """``build()``; offline, a cached table that could not be served and cannot be rebuilt
    without downloading fails with one error naming both what was wrong and the fix."""
    try:
        return build()
    except (OfflineError, IntegrityError) as err:
        if problem is None or not is_offline():
            raise
        cls = IntegrityError if changed or isinstance(err, IntegrityError) else OfflineError
        raise cls(f"{problem}, and the table cannot be rebuilt offline: {err}") from err


def _read_cached(data: Path, meta: dict[str, Any], cols: list[str] | None) -> pd.DataFrame:
    """The cached table at ``data`` (``meta``: its record, checked against the file); raises
    :class:`_UnusableError` when Parquet cannot read it."""
    if cols is not None:
        _check_columns(cols, [str(c) for c in meta["columns"]], meta.get("what"))
        if meta.get("geo") and "geometry" not in cols:
            cols = [*cols, "geometry"]
    try:
        if meta.get("geo"):
            import geopandas as gpd

            df = gpd.read_parquet(data, columns=cols)
        else:
            df = pd.read_parquet(data, columns=cols)
    except Exception as err:  # a damaged Parquet file: pyarrow raises several kinds
        raise _UnusableError(f"the cached table {data} cannot be read ({err})") from err
    df.attrs["ebpm"] = {"origin": dict(meta["origin"], from_cache=True)}
    return df


def _parquet_safe(df: pd.DataFrame) -> pd.DataFrame:
    """Column names as strings and mixed-type object columns as text, so Parquet can store the
    frame and a cached load returns exactly what the first load did.

    Government spreadsheets often mix numbers and symbols (``X``, ``-``) in one column; such a
    column is kept as text (with a warning) rather than guessed at.
    """
    renamed = {c: str(c) for c in df.columns if not isinstance(c, str)}
    out = df.rename(columns=renamed) if renamed else df
    mixed = [
        c
        for c in out.columns
        if c != "geometry"
        and out[c].dtype == object
        and pd.api.types.infer_dtype(out[c], skipna=True) in ("mixed", "mixed-integer")
    ]
    if mixed:
        attrs = dict(out.attrs)
        out = out.copy()
        for c in mixed:
            out[c] = out[c].map(lambda v: v if v is None or pd.isna(v) else str(v)).astype("string")
        out.attrs = attrs
        log.warning(
            "columns %s mix numbers and text (suppression symbols such as 'X' or '-'?); kept as "
            "text: convert with pandas.to_numeric(..., errors='coerce') after checking the symbols",
            mixed,
        )
    return out


def _is_geo(df: pd.DataFrame) -> bool:
    try:
        import geopandas as gpd
    except ImportError:  # pragma: no cover - geopandas is a dependency
        return False
    return isinstance(df, gpd.GeoDataFrame)


def _check_columns(asked: list[str], have: list[str], what: str | None) -> None:
    from ebpm.errors import ColumnNotFoundError, did_you_mean

    missing = [c for c in asked if c not in have]
    if missing:
        raise ColumnNotFoundError(
            f"columns {missing} are not in {what or 'the table'}; it has {have}."
            f"{did_you_mean(missing[0], have)} Ask for existing columns, or leave `columns` out."
        )


def _jsonable(obj: Any) -> Any:
    return json.loads(json.dumps(obj, default=str, ensure_ascii=False))


# --- inspection -----------------------------------------------------------------------------
def cache_entries() -> list[dict[str, Any]]:
    """Every download in the cache, with its recorded sha256 and size (records that cannot be
    read are left out: :func:`verify_cache` reports and removes them)."""
    rows = []
    for meta_path in sorted((cache_dir() / "downloads").glob("*/*.json")):
        try:
            meta = _read_record(meta_path, _DOWNLOAD_KEYS)
        except _UnusableError:
            continue
        meta["path"] = str(meta_path.with_suffix(""))
        rows.append(meta)
    return rows


def verify_cache() -> list[dict[str, Any]]:
    """Re-hash every cached download and parsed table; rows of ``what, url, status``.

    ``status`` is ok, changed, missing, stale or damaged. A changed download is removed with its
    record, and so is every parsed table built from it (stale), so the next load downloads and
    parses again. A parsed table whose Parquet file changed is removed too, and so is every
    entry whose record cannot be read (damaged: ``url`` is then the record's path).
    """
    rows = []
    dropped: set[str] = set()
    for meta_path in sorted((cache_dir() / "downloads").glob("*/*.json")):
        body = meta_path.with_suffix("")
        status, meta = _verify_one(body, meta_path, _DOWNLOAD_KEYS)
        if status != "ok":
            if meta:
                dropped.add(meta["sha256"])
            body.unlink(missing_ok=True)
            meta_path.unlink(missing_ok=True)
        rows.append(_verify_row(meta, meta_path, status, what=meta.get("what")))
    for meta_path in sorted((cache_dir() / "tables").glob("*/*.json")):
        data = meta_path.with_suffix(".parquet")
        status, meta = _verify_one(data, meta_path, _TABLE_KEYS)
        origin = meta.get("origin") or {}
        files = [f for f in origin.get("files") or [] if isinstance(f, dict)]
        if status == "ok" and {f.get("sha256") for f in files} & dropped:
            status = "stale"  # built from a download that was just removed
        if status != "ok":
            meta_path.unlink(missing_ok=True)
            data.unlink(missing_ok=True)
        what = f"{meta.get('what') or data.stem} (parsed table)"
        rows.append(_verify_row(origin, meta_path, status, what=what))
    return rows


def _verify_one(
    path: Path, meta_path: Path, keys: Mapping[str, type]
) -> tuple[str, dict[str, Any]]:
    """``(status, record)`` of one cache entry, its file hashed in full (and its record stamped
    when the file matches, so the next load need not hash it)."""
    try:
        meta = _read_record(meta_path, keys)
    except _UnusableError:
        return "damaged", {}
    try:
        st = path.stat()
        actual = _sha256_file(path)
    except OSError:
        return "missing", meta
    if actual != meta["sha256"].lower():
        return "changed", meta
    if (st.st_size, st.st_mtime_ns) != (meta["size"], meta.get("mtime_ns")):
        _stamped(meta_path, meta, st)
    return "ok", meta


def _verify_row(
    meta: Mapping[str, Any], meta_path: Path, status: str, *, what: Any
) -> dict[str, Any]:
    if status == "damaged":
        return {"what": "unreadable cache record", "url": str(meta_path), "status": status}
    return {"what": what, "url": meta.get("url"), "status": status}
