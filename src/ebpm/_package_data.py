"""Data files shipped inside installed packages, read with their sha256 and provenance.

The Japanese code tables and change record (:mod:`ebpm.japan`) and the catalog's package
readers (:mod:`ebpm.catalog.readers`) read package files the same way: bytes once, hashed, checked
against a pinned hash. This module is that one way, below both; it imports neither intake nor
pandas, so :mod:`ebpm.japan` never loads the catalog.
"""

from __future__ import annotations

import functools
import hashlib
from importlib import metadata as importlib_metadata
from importlib import resources
from typing import Any

from ebpm.errors import CatalogError, IntegrityError

__all__ = ["package_file"]


@functools.cache
def _distribution_of(package: str) -> str:
    """Name of the installed distribution that provides import package ``package``.

    Most packages ebpm reads data from are distributed under their import name (ebpm,
    libpysal, japanmap), found directly; only for the others are all installed distributions
    scanned, which takes some 0.4 s (most of a first offline load).
    """
    try:
        return str(importlib_metadata.distribution(package).metadata["Name"])
    except importlib_metadata.PackageNotFoundError:
        dists = importlib_metadata.packages_distributions().get(package, [])
        return dists[0] if dists else package


def package_file(package: str, resource: str, *, sha256: str | None = None) -> dict[str, Any]:
    """Read a data file shipped inside an installed package.

    Returns a dict with the ``bytes`` and the file's provenance (package, distribution, version,
    path, sha256). Raises :class:`CatalogError` when the package or the file is missing and
    :class:`IntegrityError` when ``sha256`` is given and does not match.
    """
    try:
        root = resources.files(package)
    except ModuleNotFoundError as err:
        dist = _distribution_of(package)
        raise CatalogError(
            f"package {package!r} is not installed, so its bundled data cannot be read; "
            f"install it with `pip install {dist}` (or rerun `make demo`, which installs it)"
        ) from err
    target = root.joinpath(*resource.split("/"))
    if not target.is_file():
        raise CatalogError(
            f"package {package!r} has no file {resource!r}; the installed version may be "
            "different from the one the catalog was written for; check the entry's `resource`"
        )
    if sha256 is not None and not isinstance(sha256, str):
        raise CatalogError(
            f"{package}/{resource}: the pinned sha256 {sha256!r} is not text; YAML reads an "
            "unquoted hash of digits as a number. Quote it in the catalog entry."
        )
    data = target.read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    if sha256 and digest != sha256.lower():
        raise IntegrityError(
            f"{package}/{resource}: sha256 is {digest}, but the catalog pins {sha256}; the "
            "file changed (a new package version?). Check the data, then update the entry's "
            "`sha256`."
        )
    dist = _distribution_of(package)
    try:
        version = importlib_metadata.version(dist)
    except importlib_metadata.PackageNotFoundError:
        version = None
    return {
        "bytes": data,
        "package": dist,
        "version": version,
        "path": f"{package}/{resource}",
        "sha256": digest,
    }
