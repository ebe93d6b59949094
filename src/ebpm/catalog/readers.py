"""Intake 2 readers for the data ebpm ships with or reaches.

Each reader reads bytes once, hashes exactly those bytes (sha256), checks them against a pinned
hash when the catalog entry gives one, and attaches provenance to ``DataFrame.attrs["ebpm"]``.
Only :mod:`ebpm.catalog` (this package) imports intake.
"""

from __future__ import annotations

import hashlib
import io
import json
from importlib import resources
from typing import Any, ClassVar

import pandas as pd
from intake.readers.readers import BaseReader

from ebpm._package_data import package_file
from ebpm.errors import CatalogError
from ebpm.japan import REGIONS

__all__ = ["JapanPrefectures", "PackageCSV", "package_file"]


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

    #: the 8 conventional regions (八地方区分), by prefecture number
    REGIONS: ClassVar[dict[str, range]] = REGIONS

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


# --- shapefiles shipped in packages ----------------------------------------------------------
__all__ += ["PackageShapefile"]

#: Municipality suffixes in romaji (as 1990s English names write them) and their kanji.
_ROMAJI_SUFFIX_KANJI = {
    "shi": "市",
    "ku": "区",
    "machi": "町",
    "cho": "町",
    "mura": "村",
    "son": "村",
}


def _valid_polygonal(geom: Any) -> Any:
    """``geom`` repaired with ``make_valid`` when invalid, keeping only its polygonal parts."""
    import shapely
    from shapely.geometry import MultiPolygon

    if geom is None or geom.is_empty or geom.is_valid:
        return geom
    fixed = shapely.make_valid(geom)
    if fixed.geom_type in ("Polygon", "MultiPolygon"):
        return fixed
    parts = [
        q
        for p in shapely.get_parts(fixed)
        if p.geom_type in ("Polygon", "MultiPolygon")
        for q in (p.geoms if p.geom_type == "MultiPolygon" else [p])
    ]
    return MultiPolygon(parts) if len(parts) > 1 else (parts[0] if parts else None)


def _romaji_key(text: str) -> str:
    """Letters of a romaji name, lowercase, ``m`` before b/p/m written ``n`` (Imba = Inba)."""
    import re
    import unicodedata

    folded = "".join(
        c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c)
    ).lower()
    return re.sub(r"m(?=[bpm])", "n", re.sub(r"[^a-z]", "", folded))


def _split_romaji(name: str) -> tuple[str, str | None]:
    """``"Sodegaura-machi"`` → ``("Sodegaura", "町")``; the suffix may be cut short (``-mac``)."""
    stem, sep, suffix = name.strip().rpartition("-")
    if not sep or not stem:
        return name.strip(), None
    suffix = suffix.lower()
    kanji = {k for r, k in _ROMAJI_SUFFIX_KANJI.items() if suffix and r.startswith(suffix)}
    return stem, (kanji.pop() if len(kanji) == 1 else None)


def _jis_names(codes: list[str], romaji: list[Any] | None, *, width: int | None) -> list[Any]:
    """Kanji names of municipality ``codes`` from :mod:`ebpm.japan`, or ``None``.

    ``ebpm.japan`` lists the municipalities of 2018-2023; a code of a municipality merged away
    since has no name there. With ``romaji`` (the source's own names), a name is given only when
    the source's romaji stem matches the table's (a renamed successor keeping the code, such as
    水海道市 → 常総市 on 08211, stays ``None``), and the suffix follows the source (a town that
    later became a city keeps 町). ``width`` is the source's field width: a name that fills it
    is cut short and compared as a prefix.
    """
    import difflib

    from ebpm import japan
    from ebpm.errors import InvalidCodeError

    out: list[Any] = []
    for i, code in enumerate(codes):
        try:
            name_ja = japan.municipality_name(code)
            name_en = japan.municipality_name(code, lang="en").split(" ")[-1]
        except InvalidCodeError:
            out.append(None)
            continue
        given = romaji[i] if romaji is not None else None
        if not isinstance(given, str) or not given.strip():
            out.append(name_ja if romaji is None else None)
            continue
        stem, kanji = _split_romaji(given)
        table_stem = name_en.rpartition("-")[0] or name_en
        if width is not None and len(given) >= width:  # cut short by the field width
            same = _romaji_key(name_en).startswith(_romaji_key(given)) or (
                _romaji_key(stem) == _romaji_key(table_stem)
            )
        else:  # tolerate a one-letter typo in the source (Ogase for Ogose, Yashiyo for Yachiyo)
            ratio = difflib.SequenceMatcher(None, _romaji_key(stem), _romaji_key(table_stem))
            same = ratio.ratio() >= 0.8
        if not same:
            out.append(None)
        elif kanji and name_ja[-1] in "市区町村" and name_ja[-1] != kanji:
            out.append(name_ja[:-1] + kanji)
        else:
            out.append(name_ja)
    return out


class PackageShapefile(BaseReader):
    """A shapefile shipped inside an installed package, read into a GeoDataFrame.

    The ``.shp``, ``.shx`` and ``.dbf`` parts are read (and ``.prj``/``.cpg`` when present),
    each through :func:`package_file`, so each is hashed and, with ``pins``, checked.

    Keyword arguments (set in the catalog entry's ``kwargs``):

    ``package``
        Import name of the package (``libpysal``).
    ``shapefile``
        Path of the ``.shp`` inside the package (``examples/tokyo/tokyomet262.shp``).
    ``crs``
        The CRS the data are in (``"EPSG:30166"``). When the shapefile has a ``.prj``, it must
        describe the same EPSG code (else :class:`CatalogError`); the frame gets this CRS.
    ``pins``
        ``{"<package>/<path>": sha256}``. When given, every file read must be pinned.
    ``encoding``
        Encoding of the ``.dbf`` text fields (default: the ``.cpg``, else GDAL's guess).
    ``attributes``
        A CSV in the same package merged one-to-one onto the shapes: ``{resource, left_on,
        right_on, read_csv}`` (``left_on`` a shapefile column, ``right_on`` the CSV's). Every
        shape must find exactly one row and every row one shape.
    ``jis_code``
        ``{column, romaji, width}``: a column of JIS X 0402 municipality codes. Adds ``code``
        (5-digit text), ``pref_code`` and ``name_ja`` (from :mod:`ebpm.japan`; missing when the
        code is not in its 2018-2023 table, or when the ``romaji`` column's name does not match
        the table's, i.e. the code passed to a renamed successor). ``width``: the ``.dbf`` field
        width of ``romaji``, so names filling it are compared as cut short.
    ``rename``, ``assign``, ``dtypes``
        As for :class:`PackageCSV`, applied in that order after ``jis_code``.
    ``keep``
        The final columns, in order (``geometry`` is always kept, last).

    Invalid geometries are repaired with :func:`shapely.make_valid`, keeping their polygonal
    parts; the number repaired is recorded in the provenance details (``repaired``).
    """

    output_instance = "geopandas:GeoDataFrame"
    imports: ClassVar[set[str]] = {"geopandas", "shapely", "pyogrio"}

    def _read(
        self,
        *,
        package: str,
        shapefile: str,
        crs: str,
        pins: dict[str, str] | None = None,
        encoding: str | None = None,
        attributes: dict[str, Any] | None = None,
        jis_code: dict[str, Any] | None = None,
        rename: dict[str, str] | None = None,
        assign: dict[str, str] | None = None,
        dtypes: dict[str, str] | None = None,
        keep: list[str] | None = None,
    ) -> Any:
        import tempfile
        from pathlib import Path

        import geopandas as gpd
        from pyproj import CRS

        if not shapefile.lower().endswith(".shp"):
            raise CatalogError(
                f"shapefile={shapefile!r} must be the path of the .shp file inside {package!r}"
            )
        try:
            target = CRS.from_user_input(crs)
        except Exception as err:  # pyproj raises its own CRSError
            raise CatalogError(
                f"crs={crs!r} is not a CRS pyproj understands; write it like 'EPSG:30166'"
            ) from err

        for key, pin in (pins or {}).items():
            if not (isinstance(pin, str) and len(pin) == 64):
                raise CatalogError(
                    f"pins: {key} is pinned to {pin!r}, not a sha256 (64 hex characters); "
                    "quote it in the YAML, or YAML may read a digest of digits as a number"
                )

        def read(resource: str, *, optional: bool = False) -> dict[str, Any] | None:
            key = f"{package}/{resource}"
            if optional and not resources.files(package).joinpath(*resource.split("/")).is_file():
                return None
            if pins is not None and key not in pins:
                raise CatalogError(
                    f"{key} is read but not pinned; add its sha256 to the entry's `pins` "
                    f"(pinned: {sorted(pins)})"
                )
            return package_file(package, resource, sha256=(pins or {}).get(key))

        stem = shapefile[:-4]
        files = [read(stem + ext) for ext in (".shp", ".shx", ".dbf")]
        prj = read(stem + ".prj", optional=True)
        cpg = read(stem + ".cpg", optional=True)
        if prj is not None:
            declared = CRS.from_wkt(prj["bytes"].decode("latin-1"))
            if declared.to_epsg() != target.to_epsg():
                raise CatalogError(
                    f"{prj['path']} describes {declared.name!r} (EPSG:{declared.to_epsg()}), but "
                    f"the entry says crs={crs!r}; fix the entry's `crs`"
                )
        with tempfile.TemporaryDirectory(prefix="ebpm-shp-") as tmp:
            for f in [*files, prj, cpg]:
                if f is not None:
                    (Path(tmp) / ("layer" + Path(f["path"]).suffix)).write_bytes(f["bytes"])
            options = {"encoding": encoding} if encoding else {}
            gdf = gpd.read_file(Path(tmp) / "layer.shp", engine="pyogrio", **options)
        gdf = gdf.set_crs(target, allow_override=True)
        broken = ~gdf.geometry.is_valid
        if broken.any():
            gdf.loc[broken, gdf.geometry.name] = gdf.geometry[broken].map(_valid_polygonal)
        read_files = [f for f in [*files, prj, cpg] if f is not None]
        if attributes:
            gdf, csv = self._merge(gdf, attributes, read, package)
            read_files.append(csv)
        if jis_code:
            gdf = self._jis(gdf, jis_code)
        if rename:
            gdf = gdf.rename(columns=rename)
        for column, expression in (assign or {}).items():
            gdf[column] = gdf.eval(expression, engine="python")
        for column, dtype in (dtypes or {}).items():
            gdf[column] = gdf[column].astype(dtype)
        if keep:
            missing = [c for c in keep if c not in gdf.columns]
            if missing:
                raise CatalogError(
                    f"keep lists columns {missing} that the data do not have; it has "
                    f"{[c for c in gdf.columns if c != 'geometry']}"
                )
            gdf = gdf[[*[c for c in keep if c != "geometry"], "geometry"]]
        gdf = gpd.GeoDataFrame(gdf, geometry="geometry", crs=target)
        origin = _origin(read_files)
        origin["repaired"] = int(broken.sum())
        if "name_ja" in gdf.columns and jis_code:
            origin["names_missing"] = int(gdf["name_ja"].isna().sum())
        gdf.attrs["ebpm"] = {"origin": origin}
        return gdf

    @staticmethod
    def _merge(gdf: Any, spec: dict[str, Any], read: Any, package: str) -> tuple[Any, Any]:
        unknown = set(spec) - {"resource", "left_on", "right_on", "read_csv"}
        if unknown or not {"resource", "left_on", "right_on"} <= set(spec):
            raise CatalogError(
                f"attributes needs resource, left_on and right_on (and optionally read_csv); "
                f"got {sorted(spec)}"
            )
        f = read(spec["resource"])
        table = pd.read_csv(io.BytesIO(f["bytes"]), **(spec.get("read_csv") or {}))
        left, right = spec["left_on"], spec["right_on"]
        for column, frame, what in ((left, gdf, "shapefile"), (right, table, spec["resource"])):
            if column not in frame.columns:
                have = [str(c) for c in frame.columns if c != "geometry"]
                raise CatalogError(
                    f"attributes: the {what} has no column {column!r}; it has {have}"
                )
            dups = frame[column][frame[column].duplicated()].tolist()
            if dups:
                raise CatalogError(
                    f"attributes: {column!r} in the {what} repeats {dups[:5]}; the merge must be "
                    "one-to-one, so pick an id column"
                )
        lonely = sorted(set(gdf[left]) ^ set(table[right]), key=str)
        if lonely:
            raise CatalogError(
                f"attributes: {len(lonely)} id(s) are in only one of the shapefile ({left}) and "
                f"{spec['resource']} ({right}): {lonely[:5]}; the two files do not describe the "
                f"same units (package {package})"
            )
        merged = gdf.merge(table, left_on=left, right_on=right, how="left", sort=False)
        if left != right:
            merged = merged.drop(columns=[right])
        cols = [c for c in merged.columns if c != "geometry"] + ["geometry"]
        return merged[cols], f

    @staticmethod
    def _jis(gdf: Any, spec: dict[str, Any]) -> Any:
        from ebpm import japan
        from ebpm.errors import InvalidCodeError

        unknown = set(spec) - {"column", "romaji", "width"}
        if unknown or "column" not in spec:
            raise CatalogError(
                f"jis_code needs `column` (and optionally romaji, width); got {sorted(spec)}"
            )
        for column in (spec["column"], spec.get("romaji")):
            if column is not None and column not in gdf.columns:
                raise CatalogError(f"jis_code: the data have no column {column!r}")
        codes = []
        for value in gdf[spec["column"]]:
            try:
                codes.append(japan.normalize_code(value, level="municipality"))
            except InvalidCodeError as err:
                raise CatalogError(
                    f"jis_code: {spec['column']} holds {value!r}, not a municipality code ({err})"
                ) from err
        romaji = gdf[spec["romaji"]].tolist() if spec.get("romaji") else None
        names = _jis_names(codes, romaji, width=spec.get("width"))
        out = gdf.copy()
        out["code"] = pd.Series(codes, index=gdf.index, dtype="str")
        out["pref_code"] = out["code"].str[:2]
        out["name_ja"] = pd.Series(names, index=gdf.index, dtype="str")
        return out


class JapanMunicipalStructure(BaseReader):
    """Municipalities per prefecture (市区町村数), counted from the municipality table of the
    ``japancode`` package (in force 2018-10-01 to 2023-12-31; see :data:`ebpm.japan.DATA_COVERAGE`).

    One row per prefecture: ``code`` ("01"–"47"), ``name_ja``, ``municipalities`` (cities,
    towns, villages and Tokyo's special wards), ``cities`` (市, designated cities included),
    ``towns`` (町), ``villages`` (村), ``special_wards`` (特別区), ``wards`` (政令市の区),
    ``share_villages`` (villages / municipalities). Real administrative data that work offline,
    for national prefecture maps when e-Stat is out of reach.
    """

    output_instance = "pandas:DataFrame"
    imports: ClassVar[set[str]] = {"pandas"}

    def _read(self, *, sha256: str | None = None) -> pd.DataFrame:
        f = package_file("japancode", "data/municipalities.json", sha256=sha256)
        rows = json.loads(f["bytes"])
        prefs = package_file("japancode", "data/prefectures.json")
        names = {int(p["pid"]): p["pref"] for p in json.loads(prefs["bytes"])}
        table = pd.DataFrame(rows)
        table["pref"] = table["pid"].astype(int)
        suffix = table["city"].str[-1]
        is_ward = table["city"].str.contains("市.+区$", regex=True)
        counts = pd.DataFrame(
            {
                "cities": (suffix.eq("市") & ~is_ward).groupby(table["pref"]).sum(),
                "towns": suffix.eq("町").groupby(table["pref"]).sum(),
                "villages": suffix.eq("村").groupby(table["pref"]).sum(),
                "special_wards": (suffix.eq("区") & ~is_ward).groupby(table["pref"]).sum(),
                "wards": is_ward.groupby(table["pref"]).sum(),
            }
        ).reindex(range(1, 48), fill_value=0)
        counts["municipalities"] = counts[["cities", "towns", "villages", "special_wards"]].sum(
            axis=1
        )
        counts["share_villages"] = counts["villages"] / counts["municipalities"]
        counts.insert(0, "name_ja", [names[i] for i in counts.index])
        counts.insert(0, "code", [f"{i:02d}" for i in counts.index])
        out = counts.reset_index(drop=True)
        cols = ["code", "name_ja", "municipalities", "cities", "towns", "villages"]
        out = out[[*cols, "special_wards", "wards", "share_villages"]]
        for c in ("municipalities", "cities", "towns", "villages", "special_wards", "wards"):
            out[c] = out[c].astype("int64")
        out.attrs["ebpm"] = {"origin": _origin([f])}
        return out
