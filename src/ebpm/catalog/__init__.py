"""Find and load datasets by name, with provenance attached.

The catalogs are intake 2 YAML files in the project's ``catalogs/`` folder. Each file is a
namespace: entry ``organ_donations`` of ``catalogs/studies.yaml`` is ``studies.organ_donations``.

>>> from ebpm import catalog
>>> catalog.list_entries(search="prop 99")          # doctest: +SKIP
>>> df = catalog.load("studies.organ_donations")   # doctest: +SKIP
>>> df.attrs["ebpm"]["sha256"]                      # doctest: +SKIP

This package is the only place in ebpm that imports intake.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from ebpm._catalog_files import CATALOG_DIR_ENV, catalog_dir, entry_digests

# Imported before ``browse`` and ``show`` are defined below, so that those names are the
# functions: importing the submodule later would bind ``catalog.browse`` to the module.
from ebpm.catalog.browse import Browse, Show, browse_view, show_view
from ebpm.catalog.provenance import finish
from ebpm.errors import (
    CatalogError,
    DatasetNotFoundError,
    OfflineError,
    close_matches,
    did_you_mean,
)

__all__ = [
    "CATALOG_DIR_ENV",
    "Catalog",
    "ParameterSpec",
    "browse",
    "catalog_dir",
    "describe",
    "egov_package",
    "egov_resource",
    "egov_resources",
    "egov_search",
    "estat",
    "estat_meta",
    "estat_search",
    "ksj_boundaries",
    "list_entries",
    "load",
    "oecd",
    "open_catalog",
    "provenance",
    "read_local_table",
    "show",
    "worldbank",
]

log = logging.getLogger(__name__)


#: Reader modules that read files on this machine (shipped in packages, or the analyst's own):
#: their entries have no download and no cache state. Every other reader downloads.
OFFLINE_READERS: tuple[str, ...] = (
    "ebpm.catalog.readers:",
    "ebpm.catalog.local:",
    "ebpm.catalog.mic:",
    "ebpm.catalog.boundaries:",
)


@dataclass(frozen=True)
class EntryInfo:
    """What the catalog says about one entry, without reading the data."""

    name: str
    title: str
    description: str
    source: str
    licence: str
    kind: str
    reader: str
    metadata: dict[str, Any]
    kwargs: dict[str, Any]

    @property
    def remote(self) -> bool:
        """Whether the entry downloads its data (and so has a cache state)."""
        return not self.reader.startswith(OFFLINE_READERS)

    @property
    def local(self) -> bool:
        """Whether the entry is a file on disk (:class:`ebpm.catalog.local.LocalFile`)."""
        return self.reader.startswith("ebpm.catalog.local:")


@dataclass(frozen=True)
class ParameterSpec:
    """A parameter a catalog entry accepts: ``metadata.parameters.<name>``.

    Written either as a description string, or as a mapping with ``description``, ``default``
    and ``allowed`` (the values accepted).
    """

    entry: str
    name: str
    description: str = ""
    default: Any = None
    allowed: tuple[Any, ...] | None = None

    @classmethod
    def parse(cls, entry: str, name: str, raw: Any) -> ParameterSpec:
        if isinstance(raw, dict):
            unknown = set(raw) - {"description", "default", "allowed"}
            if unknown:
                raise CatalogError(
                    f"dataset {entry!r}, parameter {name!r}: unknown keys {sorted(unknown)}; "
                    "use description, default and allowed"
                )
            allowed = raw.get("allowed")
            return cls(
                entry,
                name,
                " ".join(str(raw.get("description", "")).split()),
                raw.get("default"),
                tuple(allowed) if allowed is not None else None,
            )
        return cls(entry, name, " ".join(str(raw or "").split()))

    def check(self, value: Any) -> None:
        """Refuse a value outside :attr:`allowed` (each item of a list is checked)."""
        if self.allowed is None:
            return
        values = value if isinstance(value, list | tuple) else [value]
        shown = [str(a) for a in self.allowed]
        for v in values:
            if v not in self.allowed and str(v) not in shown:
                raise CatalogError(
                    f"dataset {self.entry!r}: {self.name}={v!r} is not allowed; use one of "
                    f"{list(self.allowed)}.{did_you_mean(str(v), shown)}"
                )


def _shell(value: Any) -> str:
    import shlex

    if isinstance(value, list | tuple):
        value = "[" + ", ".join(map(str, value)) + "]"
    return shlex.quote(str(value))


def _accepts(reader: Any, keyword: str) -> bool:
    """Whether an intake reader's ``_read`` takes ``keyword`` (remote readers take refresh)."""
    import inspect

    try:
        sig = inspect.signature(type(reader)._read)
    except (TypeError, ValueError):  # pragma: no cover - every ebpm reader has a signature
        return False
    return keyword in sig.parameters


def _select(df: pd.DataFrame, columns: list[str], name: str) -> pd.DataFrame:
    missing = [c for c in columns if c not in df.columns]
    if missing:
        from ebpm.errors import ColumnNotFoundError

        have = [str(c) for c in df.columns]
        raise ColumnNotFoundError(
            f"dataset {name!r} has no columns {missing}; it has {have}."
            f"{did_you_mean(missing[0], have)}"
        )
    if "geometry" in df.columns and "geometry" not in columns:
        columns = [*columns, "geometry"]
    out = df[columns]
    out.attrs = dict(df.attrs)
    return out


def _records_dir() -> Path:
    from ebpm.catalog.cache import cache_dir

    return cache_dir() / "entries"


def _record_load(name: str, params: dict[str, Any], df: pd.DataFrame) -> None:
    """Remember that ``name`` with ``params`` is cached, for ``ebpm catalog show``."""
    import hashlib
    import json

    from ebpm._io import atomic_write_json

    prov = df.attrs.get("ebpm", {})
    key = hashlib.sha256(
        json.dumps([name, params], sort_keys=True, default=str).encode()
    ).hexdigest()[:16]
    record = {
        "entry": name,
        "params": params,
        "sha256": prov.get("sha256"),
        "retrieved_at": prov.get("retrieved_at"),
        "publisher_updated": prov.get("publisher_updated"),
        "rows": len(df),
        "request": prov.get("request"),
        "table_key": (prov.get("details") or {}).get("table_key"),
    }
    path = _records_dir() / name / f"{key}.json"
    if prov.get("from_cache") and path.is_file():
        return  # nothing new: keep cached loads cheap
    try:
        atomic_write_json(path, record)
    except OSError as err:  # a read-only cache must not break a load
        log.warning("could not record the cache state of %s: %s", name, err)


def _load_records(name: str) -> list[dict[str, Any]]:
    import json

    from ebpm.catalog.cache import table_cached

    folder = _records_dir() / name
    out = []
    for path in sorted(folder.glob("*.json")):
        try:
            record = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        key = record.get("table_key")
        if key and not table_cached(key):  # removed by `verify` or by hand: not cached any more
            path.unlink(missing_ok=True)
            continue
        out.append(record)
    return out


class Catalog:
    """All catalog files of a folder, merged into one namespace.

    Use :func:`open_catalog` rather than building one directly.
    """

    def __init__(self, path: Path, parts: dict[str, Any]):
        self.path = path
        self._parts = parts  # namespace -> intake Catalog

    def _split(self, name: str) -> tuple[str, str]:
        if not isinstance(name, str) or "." not in name:
            raise DatasetNotFoundError(
                f"dataset {name!r} not found: names are 'namespace.entry' (for example "
                f"'studies.prop99').{self._suggest(str(name))} "
                "See `ebpm catalog list`."
            )
        ns, entry = name.split(".", 1)
        if ns not in self._parts or entry not in self._parts[ns].entries:
            raise DatasetNotFoundError(
                f"dataset {name!r} not found in {self.path}.{self._suggest(name)} "
                "See `ebpm catalog list` for every dataset."
            )
        return ns, entry

    def _suggest(self, name: str) -> str:
        """' Did you mean ...?' comparing entry parts, so shared namespaces do not count."""
        names = self.names()
        by_entry: dict[str, list[str]] = {}
        for full in names:
            by_entry.setdefault(full.split(".", 1)[1].lower(), []).append(full)
        part = name.split(".", 1)[-1]
        hits = [full for e in close_matches(part, by_entry) for full in by_entry[e.lower()]]
        if name in names or not hits:
            return did_you_mean(name, names)
        if len(hits) == 1:
            return f" Did you mean {hits[0]!r}?"
        return " Did you mean one of " + ", ".join(repr(h) for h in hits[:3]) + "?"

    def names(self) -> list[str]:
        """Every entry name, ``namespace.entry``, sorted."""
        return sorted(f"{ns}.{e}" for ns, cat in self._parts.items() for e in cat.entries)

    def __iter__(self):
        return iter(self.names())

    def __contains__(self, name: object) -> bool:
        return name in self.names()

    def __len__(self) -> int:
        return len(self.names())

    def info(self, name: str) -> EntryInfo:
        """Metadata of one entry (nothing is read)."""
        ns, entry = self._split(name)
        desc = self._parts[ns].entries[entry]
        md = dict(desc.metadata or {})
        return EntryInfo(
            name=name,
            title=str(md.get("title", "")),
            description=str(md.get("description", "")).strip(),
            source=str(md.get("source", "")),
            licence=str(md.get("licence", "")),
            kind=str(md.get("kind", "table")),
            reader=desc.reader,
            metadata=md,
            kwargs=dict(desc.kwargs or {}),
        )

    def reader(self, name: str) -> Any:
        """The intake reader of an entry (for intake users; most code wants :meth:`load`)."""
        ns, entry = self._split(name)
        try:
            return self._parts[ns][entry]
        except (ImportError, AttributeError) as err:
            desc = self._parts[ns].entries[entry]
            raise CatalogError(
                f"dataset {name!r}: reader {desc.reader!r} cannot be imported ({err}); "
                "fix the entry's `reader` or install the package that provides it"
            ) from err

    def parameters(self, name: str) -> dict[str, ParameterSpec]:
        """The parameters :meth:`load` accepts for ``name`` (from ``metadata.parameters``)."""
        info = self.info(name)
        raw = info.metadata.get("parameters") or {}
        if not isinstance(raw, dict):
            raise CatalogError(
                f"dataset {name!r}: metadata.parameters must be a mapping of name to description"
            )
        return {str(k): ParameterSpec.parse(name, str(k), v) for k, v in raw.items()}

    def load(
        self,
        name: str,
        *,
        columns: list[str] | None = None,
        refresh: bool = False,
        **params: Any,
    ) -> pd.DataFrame:
        """Read an entry into a DataFrame (or GeoDataFrame) with provenance in ``attrs``.

        ``columns`` reads only those columns (from the Parquet cache for remote sources);
        ``refresh`` downloads a remote source again. Other keywords are the entry's declared
        parameters; values outside a parameter's ``allowed`` set are refused.
        """
        specs = self.parameters(name)
        unknown = sorted(set(params) - set(specs))
        if unknown:
            allowed = list(specs)
            hint = "".join(did_you_mean(u, allowed) for u in unknown)
            takes = f"it takes {allowed}" if allowed else "it takes no parameters"
            raise CatalogError(
                f"dataset {name!r} has no parameter(s) {unknown}; {takes}.{hint} "
                f"See `ebpm catalog show {name}`."
            )
        for key, value in params.items():
            specs[key].check(value)
        info = self.info(name)
        reader = self.reader(name)
        log.info("loading %s", name)
        remote = _accepts(reader, "refresh")
        extra: dict[str, Any] = {}
        if remote:
            extra["refresh"] = refresh
        if columns is not None and _accepts(reader, "columns"):
            extra["columns"] = list(columns)
        if _accepts(reader, "catalog_dir"):  # local files: paths relative to the catalog file
            ns = name.split(".", 1)[0]
            extra["catalog_dir"] = self._parts[ns].user_parameters.get("CATALOG_DIR")
        try:
            df = reader.read(**params, **extra)
        except OfflineError as err:
            cmd = " ".join(
                ["ebpm catalog fetch", name, *(f"-p {k} {_shell(v)}" for k, v in params.items())]
            )
            raise OfflineError(str(err).replace("`ebpm catalog fetch NAME`", f"`{cmd}`")) from err
        if columns is not None and "columns" not in extra:
            df = _select(df, list(columns), name)
        finish(
            df,
            entry=name,
            metadata=info.metadata,
            params=params,
            entry_sha256=self._definition_sha256(name),
        )
        if remote:
            _record_load(name, params, df)
        return df

    def _definition_sha256(self, name: str) -> str | None:
        """sha256 of the entry's mapping as written in its catalog file (``ebpm run`` reruns
        the tasks that loaded it when that changes)."""
        ns, entry = self._split(name)
        path = self._parts[ns].user_parameters.get("CATALOG_PATH")
        return entry_digests(Path(path)).get(entry) if path else None

    def cache_state(self, name: str) -> list[dict[str, Any]]:
        """What the cache holds for entry ``name``: one record per parameter set loaded."""
        self.info(name)
        return _load_records(name)

    def to_frame(self, search: str | None = None) -> pd.DataFrame:
        """One row per entry: ``name, title, kind, source, licence``; ``search`` filters rows."""
        rows = []
        for name in self.names():
            i = self.info(name)
            text = " ".join(
                [
                    name,
                    i.title,
                    i.description,
                    i.source,
                    " ".join(map(str, i.metadata.get("tags", []))),
                ]
            ).lower()
            if search and not all(word in text for word in search.lower().split()):
                continue
            rows.append(
                {
                    "name": name,
                    "title": i.title,
                    "kind": i.kind,
                    "source": i.source,
                    "licence": i.licence,
                }
            )
        return pd.DataFrame(rows, columns=["name", "title", "kind", "source", "licence"])


_cache: dict[tuple[str, tuple], Catalog] = {}


def open_catalog(path: str | os.PathLike[str] | None = None) -> Catalog:
    """Open every ``*.yaml`` catalog in ``path`` (default: :func:`catalog_dir`).

    Files are read through a tolerant loader that fills in the sections intake 2 insists on, so
    hand-written catalogs need only ``entries``. A malformed file raises :class:`CatalogError`
    naming the file and what to fix.
    """
    from ebpm.catalog._loader import read_catalog_file

    folder = Path(path) if path is not None else catalog_dir()
    if folder.is_file():
        files = [folder]
        folder = folder.parent
    else:
        if not folder.is_dir():
            raise CatalogError(f"catalog folder {str(folder)!r} does not exist")
        files = sorted(folder.glob("*.yaml"))
    stamp = tuple((str(f), f.stat().st_mtime_ns) for f in files)
    key = (str(folder.resolve()), stamp)
    if key not in _cache:
        dotted = [f.name for f in files if "." in f.stem]
        if dotted:
            raise CatalogError(
                f"catalog files {dotted} have a '.' in their name; the file name is the "
                "namespace of its entries (namespace.entry), so rename them with '_' instead"
            )
        parts = {f.stem: read_catalog_file(f) for f in files}
        _cache.clear()
        _cache[key] = Catalog(folder, parts)
    return _cache[key]


def load(
    name: str, *, columns: list[str] | None = None, refresh: bool = False, **params: Any
) -> pd.DataFrame:
    """Load dataset ``name`` (``namespace.entry``) from the project catalog.

    Parameters
    ----------
    name : str
        Entry name, e.g. ``"studies.organ_donations"``; see :func:`list_entries`.
    columns : list of str, optional
        Read only these columns (remote sources read them straight from the Parquet cache).
    refresh : bool
        Download a remote source again instead of using the cache.
    **params
        The entry's parameters (``ebpm catalog show NAME`` lists them).

    Returns
    -------
    pandas.DataFrame or geopandas.GeoDataFrame
        The data; ``.attrs["ebpm"]`` holds provenance: entry name, title, source, licence,
        package and version (or URL), sha256 of the bytes read, parameters, retrieved-at.

    Raises
    ------
    DatasetNotFoundError
        No entry is called ``name``; the message lists close matches.
    IntegrityError
        The bytes read do not match the entry's pinned sha256.
    OfflineError
        ``EBPM_OFFLINE=1`` and a remote source is not in the cache.
    RemoteError
        A remote source cannot be reached or answers with an error.
    """
    return open_catalog().load(name, columns=columns, refresh=refresh, **params)


def list_entries(search: str | None = None) -> pd.DataFrame:
    """Every catalog entry as a table; ``search`` keeps rows containing all its words."""
    return open_catalog().to_frame(search)


def describe(name: str) -> EntryInfo:
    """What the catalog says about entry ``name``, without reading data."""
    return open_catalog().info(name)


def browse(search: str | None = None, *, lang: str | None = None) -> Browse:
    """The catalog as a table to filter in a notebook (:mod:`ebpm.catalog.browse`).

    Parameters
    ----------
    search : str, optional
        Keep the entries containing every word, as :func:`list_entries` does.
    lang : {"en", "ja"}, optional
        The headings' language (default: the site's, ``EBPM_LANG``).

    Returns
    -------
    Browse
        Name, title, source, licence and whether the data are here (packaged, local, cached
        or not downloaded); HTML with a filter box in JupyterLab, text elsewhere, and
        ``.to_frame()``.
    """
    return browse_view(open_catalog(), list_entries(search), search, lang)


def show(name: str, *, rows: int = 5, lang: str | None = None) -> Show:
    """Entry ``name`` in full, with its first ``rows`` rows when its data are on this machine
    (packaged, local or cached); otherwise how to get them. Nothing is downloaded.

    Raises
    ------
    DatasetNotFoundError
        No entry is called ``name``; the message names a close match.
    InvalidOptionError
        ``rows`` is not a whole number of 0 or more, or ``lang`` is not ``"en"`` or ``"ja"``.
    """
    return show_view(open_catalog(), name, rows=rows, lang=lang)


def provenance(df: pd.DataFrame) -> dict[str, Any]:
    """The provenance ebpm attached to ``df`` (empty when it did not come from the catalog)."""
    return dict(getattr(df, "attrs", {}).get("ebpm", {}))


# Direct calls to the remote sources. Bound here, after everything above is defined, so that
# ``catalog.estat`` is always the function: a lazily resolved name would be replaced by the
# submodule ``ebpm.catalog.estat`` as soon as that module is imported.
from ebpm.catalog.egov import (  # noqa: E402
    egov_package,
    egov_resource,
    egov_resources,
    egov_search,
)
from ebpm.catalog.estat import estat, estat_meta, estat_search  # noqa: E402
from ebpm.catalog.ksj import ksj_boundaries  # noqa: E402
from ebpm.catalog.local import read_local_table  # noqa: E402
from ebpm.catalog.oecd import oecd  # noqa: E402
from ebpm.catalog.worldbank import worldbank  # noqa: E402
