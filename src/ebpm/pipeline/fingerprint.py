"""Fingerprints: what a task's result depends on, so a rerun can skip what did not change.

A task's fingerprint has four parts, each a sha256:

``notebook``
    the notebook file's bytes;
``parameters``
    the resolved parameters, as canonical JSON;
``environment``
    the interpreter and every installed distribution's name and version (the locked
    environment; with another kernel than ``python3``, its name too);
``data``
    for every dataset the task loaded last time (as its provenance recorded it), the sha256 of
    those bytes *now*: the package file as installed, or the cached download.

Two more inputs are compared with what the last good run recorded:

* the definition of each catalog entry it loaded (``entry_sha256`` in the dataset's
  provenance: the entry's mapping in its catalog YAML as canonical JSON, so an edited
  ``assign:`` or ``kwargs:`` counts, another entry of the same file does not), read with the
  safe YAML loader from the catalog folder the kernel would find (:mod:`ebpm._catalog_files`);
* ``reads``: every project file the notebook opened (a module it imports, a CSV it reads by
  path), as the kernel recorded it (:mod:`ebpm._reads`), with its sha256.

Nothing here imports pandas, intake or papermill: a rerun that has nothing to do must not pay for
them. Files are hashed once per (path, size, mtime) and remembered in
``runs/.fingerprints.json``.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ebpm._catalog_files import find_catalog_dir

__all__ = [
    "Hasher",
    "data_key",
    "environment_fingerprint",
    "file_sha256",
    "parameters_fingerprint",
    "read_digests",
    "source_fingerprint",
]


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)


def parameters_fingerprint(parameters: Mapping[str, Any]) -> str:
    """sha256 of the parameters as canonical JSON (key order does not matter)."""
    return hashlib.sha256(_canonical(dict(parameters)).encode()).hexdigest()


def environment_fingerprint(kernel: str = "python3") -> str:
    """sha256 of the Python version and every installed distribution's name and version.

    Read from the ``*.dist-info`` folder names on ``sys.path`` (``name-version.dist-info``),
    which is what pip writes and takes milliseconds; parsing every distribution's metadata
    would take half a second.
    """
    found: set[str] = set()
    for entry in sys.path:
        try:
            names = os.listdir(entry or ".")
        except OSError:
            continue
        found.update(n for n in names if n.endswith((".dist-info", ".egg-info")))
    text = "\n".join([sys.version, f"kernel={kernel}", *sorted(found)])
    return hashlib.sha256(text.encode()).hexdigest()


def source_fingerprint(hasher: Hasher) -> str:
    """sha256 over ebpm's own source files: a change to an estimator reruns the tasks."""
    root = Path(__file__).resolve().parent.parent
    parts = [
        f"{p.relative_to(root)}={hasher.file(p)}"
        for p in sorted(root.rglob("*"))
        if p.suffix in (".py", ".json", ".yaml", ".css", ".js") and "__pycache__" not in p.parts
    ]
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


def file_sha256(path: Path) -> str:
    """sha256 of a file's bytes, read in 1 MiB chunks."""
    h = hashlib.sha256()
    with Path(path).open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def data_key(record: Mapping[str, Any]) -> str:
    """A dataset's identity within a task: its catalog entry and parameters."""
    return f"{record.get('entry')} {_canonical(record.get('params') or {})}"


def read_digests(reads: list[str], root: Path, hasher: Hasher) -> dict[str, str]:
    """``{path: sha256}`` of the project files a task read (paths relative to ``root``).

    Left out: the catalog files (each entry the task loaded is compared on its own, so an edit
    to another entry of the same file does not rerun it) and files gone since (a temporary file
    the notebook deleted).
    """
    catalogs = find_catalog_dir(root)
    folder = catalogs.resolve() if catalogs is not None else None
    out: dict[str, str] = {}
    for rel in reads:
        path = root / rel
        if path.suffix == ".yaml" and path.parent.resolve() == folder:
            continue
        digest = hasher.file(path)
        if digest is not None:
            out[rel] = digest
    return out


class Hasher:
    """Hashes files once per (path, size, mtime); the memo lives in ``memo_path``."""

    def __init__(self, memo_path: Path | None = None) -> None:
        self.memo_path = memo_path
        self._memo: dict[str, Any] = {}
        self._dirty = False
        if memo_path is not None and memo_path.is_file():
            try:
                self._memo = json.loads(memo_path.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                self._memo = {}

    def file(self, path: Path) -> str | None:
        """sha256 of ``path``, or None when it is missing."""
        try:
            st = path.stat()
        except OSError:
            return None
        key = str(path)
        stamp = [st.st_size, st.st_mtime_ns]
        hit = self._memo.get(key)
        if hit and hit[:2] == stamp:
            return hit[2]
        digest = file_sha256(path)
        self._memo[key] = [*stamp, digest]
        self._dirty = True
        return digest

    def save(self) -> None:
        """Write the memo (atomically) if it changed."""
        if not (self._dirty and self.memo_path is not None):
            return
        from ebpm._io import atomic_write_json

        atomic_write_json(self.memo_path, self._memo)
        self._dirty = False

    # -- datasets --------------------------------------------------------------------------
    def _package_file(self, path: str) -> str | None:
        package, _, resource = str(path).partition("/")
        if not package or not resource:
            return None
        # find_spec locates the package without importing it (importing moderndid alone costs
        # 2.8 s; a rerun with nothing to do must not pay that)
        try:
            spec = importlib.util.find_spec(package)
        except (ImportError, ValueError):
            return None
        folders = list(getattr(spec, "submodule_search_locations", None) or [])
        if not folders:
            return None
        return self.file(Path(folders[0]).joinpath(*resource.split("/")))

    @staticmethod
    def _download(url: str) -> str | None:
        """The sha256 of the cached answer to ``url`` (as provenance recorded it, redacted)."""
        from ebpm.catalog.cache import cached_sha256

        return cached_sha256(url)

    def dataset(self, record: Mapping[str, Any]) -> str | None:
        """The sha256 the dataset in ``record`` would have if it were loaded now.

        None when it cannot be told without loading it (a remote answer not in the cache, a
        package that is gone, a record without files): the task then runs again. A record of
        ``kind`` "file" is a project file read as it is (a policy's logic model): its bytes.
        """
        files = record.get("files") or []
        digests: list[str | None] = []
        if record.get("kind") == "file" and record.get("path"):
            # a project file the notebook read (a policy's logic model)
            digests = [self.file(Path(record["path"]))]
        elif record.get("package"):
            paths = [f.get("path") for f in files] or [record.get("path")]
            digests = [self._package_file(p) for p in paths if p]
        elif files and all(f.get("url") for f in files):
            digests = [self._download(f["url"]) for f in files]
        if not digests or any(d is None for d in digests):
            return None
        if len(digests) == 1:
            return digests[0]
        return hashlib.sha256("".join(d for d in digests if d).encode()).hexdigest()
