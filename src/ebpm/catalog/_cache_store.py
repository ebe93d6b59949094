"""The cache folder, its keys and its records: where ebpm keeps what it downloads and parses.

:func:`cache_dir` and ``EBPM_OFFLINE``; :class:`Request`, whose :attr:`~Request.key` names a
download, and :class:`Fetched`; the JSON record beside each cached file, and the check a file
passes before it is served (its size and ``mtime_ns`` against its record, its sha256 only when
they differ). :mod:`ebpm.catalog.cache` re-exports the public names and tells the whole story.
"""

from __future__ import annotations

import contextlib
import contextvars
import hashlib
import json
import logging
import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from ebpm import _env
from ebpm._env import CACHE_DIR_ENV, cache_dir, env_flag
from ebpm._io import atomic_write_json, os_reason
from ebpm._protocol import is_secret_name
from ebpm.errors import CatalogError

# the public module's logger: logging set up for ebpm.catalog.cache still applies
log = logging.getLogger("ebpm.catalog.cache")

OFFLINE_ENV = _env.OFFLINE_ENV


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


#: Set inside :func:`cache_only`: cache-only reads for this thread or task, without touching
#: the process's environment (which other threads and child processes share).
_CACHE_ONLY: contextvars.ContextVar[bool] = contextvars.ContextVar("ebpm_cache_only", default=False)


def is_offline() -> bool:
    """Whether reads are cache-only: inside :func:`cache_only`, or when ``EBPM_OFFLINE`` says so
    (``1``, ``true``, ``yes``, ``on``).

    Raises :class:`ebpm.errors.SettingError` for a value that is neither on nor off.
    """
    return _CACHE_ONLY.get() or env_flag(OFFLINE_ENV)


@contextlib.contextmanager
def cache_only() -> Iterator[None]:
    """Cache-only reads inside the block, as with ``EBPM_OFFLINE=1`` but for this thread only:
    a preview or a scaffold's look at the data never downloads."""
    token = _CACHE_ONLY.set(True)
    try:
        yield
    finally:
        _CACHE_ONLY.reset(token)


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
