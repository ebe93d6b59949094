"""Parsed tables in the cache: built once, kept as Parquet beside their record, read by column.

:func:`cached_table` (re-exported by :mod:`ebpm.catalog.cache`) stores a table atomically as
Parquet (GeoParquet for maps) with its provenance, and serves it on later loads once the file
passes the record check of :mod:`ebpm.catalog._cache_store`.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from ebpm._io import atomic_write_json
from ebpm._protocol import redact_value
from ebpm.catalog._cache_store import (
    _TABLE_KEYS,
    _check,
    _read_record,
    _sha256_file,
    _UnusableError,
    _writing,
    cache_dir,
    is_offline,
)
from ebpm.errors import CatalogError, IntegrityError, OfflineError, SourceFormatError

# the public module's logger: logging set up for ebpm.catalog.cache still applies
log = logging.getLogger("ebpm.catalog.cache")


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
