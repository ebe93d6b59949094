"""The whole cache checked at once (``ebpm catalog verify``): every download and parsed table
hashed in full, and what a changed or damaged entry takes with it.

Re-exported by :mod:`ebpm.catalog.cache`.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ebpm.catalog._cache_store import (
    _DOWNLOAD_KEYS,
    _TABLE_KEYS,
    _read_record,
    _sha256_file,
    _stamped,
    _UnusableError,
    cache_dir,
)


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
