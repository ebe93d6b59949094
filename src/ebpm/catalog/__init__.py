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

from ebpm.catalog.provenance import finish
from ebpm.errors import CatalogError, DatasetNotFoundError, close_matches, did_you_mean

__all__ = [
    "Catalog",
    "catalog_dir",
    "describe",
    "list_entries",
    "load",
    "open_catalog",
    "provenance",
]

log = logging.getLogger(__name__)

#: Environment variable naming the folder of catalog YAML files.
CATALOG_DIR_ENV = "EBPM_CATALOG_DIR"


def catalog_dir() -> Path:
    """The folder of catalog YAML files.

    In order: ``$EBPM_CATALOG_DIR``; a ``catalogs/`` folder in the current directory or one of
    its parents (a project checkout); the ``catalogs/`` folder of the checkout ebpm is installed
    from (an editable install).
    """
    env = os.environ.get(CATALOG_DIR_ENV)
    if env:
        path = Path(env).expanduser()
        if not path.is_dir():
            raise CatalogError(
                f"{CATALOG_DIR_ENV}={env!r} is not a folder; point it at a folder of catalog "
                "YAML files or unset it"
            )
        return path
    here = Path.cwd().resolve()
    for folder in (here, *here.parents):
        candidate = folder / "catalogs"
        if candidate.is_dir() and any(candidate.glob("*.yaml")):
            return candidate
    candidate = Path(__file__).resolve().parents[3] / "catalogs"
    if candidate.is_dir():
        return candidate
    raise CatalogError(
        f"no catalogs/ folder found from {here}; run ebpm from the project checkout or set "
        f"{CATALOG_DIR_ENV} to the folder holding the catalog YAML files"
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

    def load(self, name: str, **params: Any) -> pd.DataFrame:
        """Read an entry into a DataFrame (or GeoDataFrame) with provenance in ``attrs``."""
        info = self.info(name)
        allowed = list(info.metadata.get("parameters", {}))
        unknown = sorted(set(params) - set(allowed))
        if unknown:
            hint = "".join(did_you_mean(u, allowed) for u in unknown)
            takes = f"it takes {allowed}" if allowed else "it takes no parameters"
            raise CatalogError(
                f"dataset {name!r} has no parameter(s) {unknown}; {takes}.{hint} "
                f"See `ebpm catalog show {name}`."
            )
        reader = self.reader(name)
        log.info("loading %s", name)
        df = reader.read(**params)
        return finish(df, entry=name, metadata=info.metadata, params=params)

    def to_frame(self, search: str | None = None) -> pd.DataFrame:
        """One row per entry: ``name, title, kind, source, licence``; ``search`` filters rows."""
        rows = []
        for name in self.names():
            i = self.info(name)
            text = " ".join(
                [name, i.title, i.description, i.source, " ".join(i.metadata.get("tags", []))]
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


def load(name: str, **params: Any) -> pd.DataFrame:
    """Load dataset ``name`` (``namespace.entry``) from the project catalog.

    Parameters
    ----------
    name : str
        Entry name, e.g. ``"studies.organ_donations"``; see :func:`list_entries`.
    **params
        Options passed to the entry's reader.

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
    """
    return open_catalog().load(name, **params)


def list_entries(search: str | None = None) -> pd.DataFrame:
    """Every catalog entry as a table; ``search`` keeps rows containing all its words."""
    return open_catalog().to_frame(search)


def describe(name: str) -> EntryInfo:
    """What the catalog says about entry ``name``, without reading data."""
    return open_catalog().info(name)


def provenance(df: pd.DataFrame) -> dict[str, Any]:
    """The provenance ebpm attached to ``df`` (empty when it did not come from the catalog)."""
    return dict(getattr(df, "attrs", {}).get("ebpm", {}))
