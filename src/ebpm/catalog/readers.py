"""Intake 2 readers for the data ebpm ships with or reaches.

Each reader reads bytes once, hashes exactly those bytes (sha256), checks them against a pinned
hash when the catalog entry gives one, and attaches provenance to ``DataFrame.attrs["ebpm"]``.
Only :mod:`ebpm.catalog` (this package) imports intake.
"""

from __future__ import annotations

import hashlib
import io
import json
from importlib import metadata as importlib_metadata
from importlib import resources
from typing import Any, ClassVar

import pandas as pd
from intake.readers.readers import BaseReader

from ebpm.errors import CatalogError, IntegrityError

__all__ = ["JapanPrefectures", "PackageCSV", "package_file"]


def _distribution_of(package: str) -> str:
    """Name of the installed distribution that provides import package ``package``."""
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


def _origin(files: list[dict[str, Any]]) -> dict[str, Any]:
    """Provenance for one or more package files: one combined sha256 plus each file's."""
    clean = [{k: v for k, v in f.items() if k != "bytes"} for f in files]
    if len(clean) == 1:
        combined = clean[0]["sha256"]
    else:
        combined = hashlib.sha256("".join(f["sha256"] for f in clean).encode()).hexdigest()
    first = clean[0]
    return {
        "kind": "package",
        "package": first["package"],
        "version": first["version"],
        "path": first["path"],
        "sha256": combined,
        "files": clean,
    }


class PackageCSV(BaseReader):
    """A CSV file shipped inside an installed Python package, read into a DataFrame.

    Keyword arguments (set in the catalog entry's ``kwargs``):

    ``package``
        Import name of the package (``causaldata``).
    ``resource``
        Path of the file inside the package (``organ_donations/organ_donation.csv``).
    ``sha256``
        Optional pinned hash of the file's bytes.
    ``read_csv``
        Options for :func:`pandas.read_csv` (``sep``, ``dtype``, ...).
    ``format``
        ``"csv"`` (default), ``"stata"`` (a ``.dta`` file) or ``"pickle"`` (a pandas pickle,
        optionally gzipped, as some packages ship; allowed only with a pinned ``sha256``, since
        unpickling runs code).
    ``rename``
        ``{old: new}`` column names, applied right after reading.
    ``recode``
        ``{source_column: {"to": new_column, "map": {old: new, ...}}}``: a value map, e.g. quarter
        labels to a period number. Every value must be mapped.
    ``assign``
        ``{new_column: expression}``: :meth:`pandas.DataFrame.eval` expressions, applied in order.
    ``dtypes``
        ``{column: dtype}`` applied last.
    """

    output_instance = "pandas:DataFrame"
    imports: ClassVar[set[str]] = {"pandas"}

    def _read(
        self,
        *,
        package: str,
        resource: str,
        sha256: str | None = None,
        read_csv: dict[str, Any] | None = None,
        format: str = "csv",
        rename: dict[str, str] | None = None,
        recode: dict[str, dict[str, Any]] | None = None,
        assign: dict[str, str] | None = None,
        dtypes: dict[str, str] | None = None,
    ) -> pd.DataFrame:
        if format not in ("csv", "stata", "pickle"):
            raise CatalogError(
                f"format={format!r} is not supported; use 'csv', 'stata' or 'pickle'"
            )
        if format == "pickle" and not sha256:
            raise CatalogError(
                f"{package}/{resource}: a pickle is read only with a pinned `sha256` (unpickling "
                "runs code); add the file's sha256 to the entry"
            )
        f = package_file(package, resource, sha256=sha256)
        if format == "pickle":
            compression = "gzip" if resource.endswith(".gz") else None
            df = pd.read_pickle(io.BytesIO(f["bytes"]), compression=compression)
            if not isinstance(df, pd.DataFrame):
                raise CatalogError(f"{package}/{resource} does not hold a DataFrame")
        elif format == "stata":
            df = pd.read_stata(io.BytesIO(f["bytes"]))
        else:
            df = pd.read_csv(io.BytesIO(f["bytes"]), **(read_csv or {}))
        if rename:
            df = df.rename(columns=rename)
        for source, spec in (recode or {}).items():
            mapped = df[source].map(spec["map"])
            unmapped = sorted(set(df.loc[mapped.isna(), source].astype(str)))
            if unmapped:
                raise CatalogError(
                    f"recode of column {source!r}: values {unmapped} have no mapping; add them "
                    "to the entry's `recode` map"
                )
            df[spec.get("to", source)] = mapped.to_numpy()
        for column, expression in (assign or {}).items():
            df[column] = df.eval(expression, engine="python")
        for column, dtype in (dtypes or {}).items():
            df[column] = df[column].astype(dtype)
        df.attrs["ebpm"] = {"origin": _origin([f])}
        return df


class JapanPrefectures(BaseReader):
    """The 47 prefectures of Japan as a GeoDataFrame, from data shipped in PyPI packages.

    Polygons come from ``japanmap`` (lon/lat, set here as EPSG:4326, repaired with
    ``make_valid``); codes and names from ``japancode``. Columns: ``code`` ("01"–"47"),
    ``name_ja`` (北海道, 東京都, ...), ``name_en`` (Hokkaido, Tokyo, ...), ``region`` (8 regions),
    ``geometry``.

    The polygons are simplified and keep only each prefecture's main area: most outlying islands
    (Izu and Ogasawara, Sado, Tsushima, Amami, the Okinawa islands other than the main island,
    ...) are left out. Use them for maps and adjacency, not for areas.
    """

    output_instance = "geopandas:GeoDataFrame"
    imports: ClassVar[set[str]] = {"geopandas", "shapely"}

    REGIONS: ClassVar[
        dict[str, range]
    ] = {  # the 8 conventional regions (八地方区分), by prefecture number
        "Hokkaido": range(1, 2),
        "Tohoku": range(2, 8),
        "Kanto": range(8, 15),
        "Chubu": range(15, 24),
        "Kinki": range(24, 31),
        "Chugoku": range(31, 36),
        "Shikoku": range(36, 40),
        "Kyushu-Okinawa": range(40, 48),
    }

    def _read(self, *, rough: bool = False, pins: dict[str, str] | None = None) -> Any:
        import geopandas as gpd
        from shapely import make_valid
        from shapely.geometry import Polygon

        pins = pins or {}
        shape_file = "japan0.16.json" if rough else "japan.json"
        shapes = package_file("japanmap", shape_file, sha256=pins.get(f"japanmap/{shape_file}"))
        names = package_file(
            "japancode",
            "data/prefectures.json",
            sha256=pins.get("japancode/data/prefectures.json"),
        )
        points, outlines = json.loads(shapes["bytes"])
        prefs = json.loads(names["bytes"])
        if len(outlines) != 47 or len(prefs) != 47:
            raise CatalogError(
                f"expected 47 prefectures, found {len(outlines)} outlines and {len(prefs)} "
                "names; the japanmap/japancode data changed, pin the versions in pyproject.toml"
            )
        region_of = {i: name for name, r in self.REGIONS.items() for i in r}
        rows = []
        for k, arcs in enumerate(outlines):
            ring = [points[i][0] for _, arc in arcs for i in arc]
            info = prefs[k]
            if int(info["pid"]) != k + 1:
                raise CatalogError(f"japancode prefecture order changed at {info['pid']}")
            rows.append(
                {
                    "code": f"{k + 1:02d}",
                    "name_ja": info["pref"],
                    "name_en": info["pref_en"],
                    "region": region_of[k + 1],
                    "geometry": make_valid(Polygon(ring)),
                }
            )
        gdf = gpd.GeoDataFrame(rows, geometry="geometry", crs="EPSG:4326")
        gdf.attrs["ebpm"] = {"origin": _origin([shapes, names])}
        return gdf
