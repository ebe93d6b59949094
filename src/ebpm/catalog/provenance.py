"""Provenance records: where a frame's data came from, in ``DataFrame.attrs["ebpm"]``.

Readers put an *origin* in ``attrs["ebpm"]["origin"]`` (what they read: package file or remote
request, sha256, retrieval time, publisher's update date, licence). :func:`finish` turns that
into the record every loaded frame carries, merged with what the catalog entry says.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

import pandas as pd

from ebpm._attrs import record as frozen
from ebpm._protocol import redact_value

__all__ = ["PROVENANCE_KEYS", "finish", "remote_origin"]

#: Keys of ``attrs["ebpm"]`` on every frame ebpm loads.
PROVENANCE_KEYS = (
    "entry",
    "title",
    "source",
    "licence",
    "attribution",
    "citation",
    "url",
    "request",
    "package",
    "package_version",
    "path",
    "sha256",
    "files",
    "params",
    "retrieved_at",
    "publisher_updated",
    "from_cache",
    "details",
    "entry_sha256",
)


_ORIGIN_KEYS = {
    "kind",
    "what",
    "source",
    "licence",
    "attribution",
    "title",
    "url",
    "request",
    "sha256",
    "files",
    "retrieved_at",
    "publisher_updated",
    "from_cache",
    "package",
    "version",
    "path",
}


def _one_line(text: Any) -> str:
    """Collapse ASCII whitespace only: a full-width space (U+3000) in a Japanese title stays."""
    return re.sub(r"[ \t\r\n]+", " ", str(text or "")).strip()


def combined_sha256(digests: Sequence[str]) -> str:
    """One sha256 for several files: the file's own when there is one, else a hash of hashes."""
    if len(digests) == 1:
        return digests[0]
    return hashlib.sha256("".join(digests).encode()).hexdigest()


def remote_origin(
    fetched: Sequence[Any],
    *,
    what: str,
    source: str | None,
    licence: str | None,
    attribution: str | None,
    url: str | None = None,
    title: str | None = None,
    publisher_updated: str | None = None,
    extra: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The origin of a frame built from one or more downloads (:class:`~.cache.Fetched`).

    ``url`` is the human-facing page of the dataset (defaults to the first request); the exact
    requests, with secrets redacted, are kept under ``request`` and ``files``.
    """
    files = [f.provenance() for f in fetched]
    digests = [f["sha256"] for f in files]
    out = {
        "kind": "remote",
        "what": what,
        "source": source,
        "licence": licence,
        "attribution": attribution,
        "title": title,
        "url": url or (files[0]["url"] if files else None),
        "request": files[0]["url"] if len(files) == 1 else [f["url"] for f in files],
        "sha256": combined_sha256(digests) if digests else None,
        "files": files,
        "retrieved_at": min((f["retrieved_at"] for f in files), default=None),
        "publisher_updated": publisher_updated,
        "from_cache": bool(fetched) and all(f.from_cache for f in fetched),
    }
    out.update(extra or {})
    return out


def finish(
    df: pd.DataFrame,
    *,
    entry: str | None = None,
    metadata: Mapping[str, Any] | None = None,
    params: Mapping[str, Any] | None = None,
    entry_sha256: str | None = None,
) -> pd.DataFrame:
    """Replace ``attrs["ebpm"]`` (an origin) with the full provenance record; returns ``df``.

    ``metadata`` is the catalog entry's metadata (title, source, licence, attribution,
    citation, url); ``entry_sha256`` the digest of the entry's definition as written in its
    catalog file (``ebpm run`` reruns a task when its entry's definition changed). For remote
    data the origin's values (what the publisher served) win and the entry's fill gaps; for
    package files the entry's win.
    """
    origin = dict(df.attrs.get("ebpm", {}).get("origin", {}))
    md = dict(metadata or {})
    # a recorded answer of a remote source (ebpm.catalog._estat_recorded) speaks as the source
    remote = origin.get("kind") in ("remote", "recorded")

    def pick(key: str) -> Any:
        # A remote source knows what was actually served (the dataset's own title, licence and
        # page, e.g. for a generic "any e-Gov resource" entry); the entry's text is the fallback.
        # For files shipped in packages the entry is the authority.
        first, second = (origin.get(key), md.get(key)) if remote else (md.get(key), origin.get(key))
        return first if first not in (None, "") else second

    record = {
        "entry": entry,
        "title": pick("title") or origin.get("what"),
        "source": pick("source"),
        "licence": pick("licence"),
        "attribution": _one_line(pick("attribution")) or None,
        "citation": _one_line(md.get("citation", "")),
        "url": pick("url"),
        "request": origin.get("request"),
        "package": origin.get("package"),
        "package_version": origin.get("version"),
        "path": origin.get("path"),
        "sha256": origin.get("sha256"),
        "files": origin.get("files", []),
        "params": dict(params or {}),
        "retrieved_at": origin.get("retrieved_at")
        or datetime.now(UTC).isoformat(timespec="seconds"),
        "publisher_updated": origin.get("publisher_updated"),
        "from_cache": origin.get("from_cache"),
        "details": {k: v for k, v in origin.items() if k not in _ORIGIN_KEYS},
        "entry_sha256": entry_sha256,
    }
    if entry and md.get("title") and md.get("title") != record["title"]:
        record["details"]["entry_title"] = md["title"]
    # The record is shown in reports and kept in run manifests: no secret of a request in it (a
    # URL's `?token=`). Names are a source's own (OECD's `key` is a series key, not a secret).
    df.attrs["ebpm"] = frozen(redact_value(record, names=False))
    return df
