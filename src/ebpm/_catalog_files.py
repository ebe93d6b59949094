"""Where the catalog YAML files are, and a digest of each entry as written: without intake.

Two sides need this. :mod:`ebpm.catalog` records, in a loaded frame's provenance, the sha256 of
its entry's definition (``entry_sha256``); ``ebpm run`` compares it with the entry as it is now,
so an edited ``assign:``, ``kwargs:`` or ``reader:`` reruns the tasks that loaded the entry. The
runner must do that without importing intake or pandas (a rerun with nothing to do must not pay
for them), so the folder search and the digest live here, below both. This module imports
nothing of ebpm but the YAML loader.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any

import yaml

from ebpm import _yaml
from ebpm.errors import CatalogError

__all__ = [
    "CATALOG_DIR_ENV",
    "catalog_dir",
    "definition_sha256",
    "entry_digests",
    "entry_sha256",
    "find_catalog_dir",
]

#: Environment variable naming the folder of catalog YAML files.
CATALOG_DIR_ENV = "EBPM_CATALOG_DIR"

#: The ``catalogs/`` folder of the checkout ebpm is installed from (an editable install).
_PACKAGED = Path(__file__).resolve().parents[2] / "catalogs"


def find_catalog_dir(start: Path | None = None) -> Path | None:
    """The folder of catalog YAML files, or None when there is none.

    In order: ``$EBPM_CATALOG_DIR`` (returned as given: the caller checks it is a folder); a
    ``catalogs/`` folder holding ``*.yaml`` files in ``start`` (default: the current directory)
    or one of its parents; the ``catalogs/`` folder of the checkout ebpm is installed from.
    """
    env = os.environ.get(CATALOG_DIR_ENV)
    if env:
        return Path(env).expanduser()
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        candidate = folder / "catalogs"
        if candidate.is_dir() and any(candidate.glob("*.yaml")):
            return candidate
    return _PACKAGED if _PACKAGED.is_dir() else None


def catalog_dir(start: Path | None = None) -> Path:
    """The folder of catalog YAML files.

    In order: ``$EBPM_CATALOG_DIR``; a ``catalogs/`` folder in ``start`` (default: the current
    directory) or one of its parents (a project checkout); the ``catalogs/`` folder of the
    checkout ebpm is installed from (an editable install). ``ebpm run`` finds it the same way
    (:func:`find_catalog_dir`, without intake) to tell whether an entry changed.
    """
    env = os.environ.get(CATALOG_DIR_ENV)
    found = find_catalog_dir(start)
    if env and (found is None or not found.is_dir()):
        raise CatalogError(
            f"{CATALOG_DIR_ENV}={env!r} is not a folder; point it at a folder of catalog "
            "YAML files or unset it"
        )
    if found is None:
        here = (start or Path.cwd()).resolve()
        raise CatalogError(
            f"no catalogs/ folder found from {here}; run ebpm from the project checkout or set "
            f"{CATALOG_DIR_ENV} to the folder holding the catalog YAML files"
        )
    return found


def definition_sha256(definition: Any) -> str:
    """sha256 of an entry's mapping as canonical JSON (key order and YAML layout do not count)."""
    text = json.dumps(
        definition, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str
    )
    return hashlib.sha256(text.encode()).hexdigest()


_DIGESTS: dict[str, tuple[tuple[int, int], dict[str, str]]] = {}


def entry_digests(path: Path) -> dict[str, str]:
    """``{entry: sha256 of its definition}`` for the catalog file ``path``.

    Empty when the file is missing or does not read as a catalog (loading from it fails then,
    with the reason). Remembered per (size, mtime) of the file.
    """
    try:
        st = path.stat()
    except OSError:
        return {}
    stamp = (st.st_size, st.st_mtime_ns)
    key = str(path)
    hit = _DIGESTS.get(key)
    if hit is not None and hit[0] == stamp:
        return hit[1]
    try:
        raw = _yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        raw = None
    entries = raw.get("entries") if isinstance(raw, dict) else None
    digests = (
        {str(k): definition_sha256(v) for k, v in entries.items()}
        if isinstance(entries, dict)
        else {}
    )
    _DIGESTS[key] = (stamp, digests)
    return digests


def entry_sha256(name: str, *, start: Path | None = None) -> str | None:
    """sha256 of the definition of entry ``name`` (``namespace.entry``) as it is now, in the
    catalog folder found from ``start`` (see :func:`find_catalog_dir`); None when the folder,
    its file or the entry is gone."""
    namespace, _, entry = str(name).partition(".")
    folder = find_catalog_dir(start)
    if not entry or folder is None:
        return None
    return entry_digests(folder / f"{namespace}.yaml").get(entry)
