"""Municipal boundaries of all Japan shipped inside ebpm (offline): 国土数値情報 N03, 2021-01-01.

The files under ``ebpm/data/japan/boundaries/`` are MLIT's administrative boundaries (N03) as of
1 January 2021, simplified and converted to TopoJSON by smartnews-smri/japan-topography (commit
b403e71); ``ebpm/data/japan/SOURCES.md`` describes them. Three files:

``N03-21_210101.topojson``
    1,906 features: every municipality, each ward of a designated city (政令市の区) and four
    pieces of unassigned land (所属未定地, no code); boundaries kept at 1% of the vertices.
``N03-21_210101_designated_city.topojson``
    The same with each designated city's wards merged into the city (1,751 features).
``N03-21_210101_s0001.topojson``
    0.1% of the vertices, for national overview maps (1,897 features). The simplification
    dropped eight small municipalities (利島村, 青ヶ島村, 日吉津村, 上島町, 姫島村, 座間味村,
    粟国村, 渡名喜村) and collapsed a ninth (太地町) to a sliver with no area.

:class:`JapanMunicipalBoundaries` reads one of them (GDAL's TopoJSON driver decodes the arcs,
islands included as MultiPolygons), drops the land without a code, repairs the few
self-intersecting rings, and returns one row per 5-digit code in code order with the columns of
the N03 reader (:mod:`ebpm.catalog.ksj`), in JGD2011 longitude/latitude (EPSG:6668). The files
declare no CRS (TopoJSON has no field for it); N03 has been JGD2011 since 2016 and the
processing kept the coordinates, which the catalog entry states with ``crs``.
"""

from __future__ import annotations

import io
import logging
from typing import Any, ClassVar, Literal, get_args

import pandas as pd
from intake.readers.readers import BaseReader

from ebpm.catalog.ksj import COLUMNS, _clean, _codes, _polygonal, display_name, ward_parents
from ebpm.catalog.readers import _origin, package_file
from ebpm.errors import CatalogError, InvalidOptionError, SourceFormatError, did_you_mean

__all__ = ["DETAILS", "Detail", "JapanMunicipalBoundaries"]

log = logging.getLogger(__name__)

#: How finely the boundaries are drawn: ``"fine"`` keeps 1% of N03's vertices (municipal and
#: regional maps), ``"coarse"`` 0.1% (national overview maps, about 3 times fewer vertices).
Detail = Literal["fine", "coarse"]
DETAILS: tuple[Detail, ...] = get_args(Detail)
#: The file each option reads: ``(detail, wards)`` → key of the entry's ``files``. There is no
#: coarse file without wards: its wards are dissolved into their cities here.
_FILE_KEY = {
    ("fine", True): "wards",
    ("fine", False): "cities",
    ("coarse", True): "coarse",
    ("coarse", False): "coarse",
}
_ATTRS = {
    "N03_001": "pref_name",
    "N03_002": "subpref",
    "N03_003": "county_or_city",
    "N03_004": "muni_name",
}


def check_detail(detail: Any) -> Detail:
    """``detail`` when it is one of :data:`DETAILS`, else :class:`InvalidOptionError`."""
    if not isinstance(detail, str) or detail not in DETAILS:
        raise InvalidOptionError(
            f"detail={detail!r} is not an option.{did_you_mean(str(detail), DETAILS)} Choose "
            f"one of: {', '.join(map(repr, DETAILS))} ('fine' keeps 1% of the N03 vertices, "
            "for municipal and regional maps; 'coarse' 0.1%, for national overview maps)"
        )
    return detail


def _decode(data: bytes, path: str) -> Any:
    """The features of a TopoJSON file (GDAL's driver); ``path`` names it in messages."""
    import pyogrio

    try:
        raw = pyogrio.read_dataframe(io.BytesIO(data))
    except Exception as err:  # pyogrio raises DataSourceError and friends
        raise SourceFormatError(f"{path} cannot be read as TopoJSON ({err})") from err
    missing = [c for c in ("N03_001", "N03_004", "N03_007") if c not in raw.columns]
    if missing:
        have = [c for c in raw.columns if c != "geometry"]
        raise SourceFormatError(
            f"{path} has no column(s) {missing} (it has {have}); it is not an N03 boundary file"
        )
    return raw


def _frame(raw: Any, crs: str) -> tuple[Any, dict[str, Any]]:
    """One row per code in code order, the N03 reader's columns; details of what was dropped."""
    import geopandas as gpd

    out = pd.DataFrame({"muni_code": _codes(raw["N03_007"])})
    out["pref_code"] = out["muni_code"].str[:2]
    for src, dst in _ATTRS.items():
        out[dst] = _clean(raw[src]) if src in raw.columns else None
    out["ward"] = None  # N03 has the ward as a field of its own (N03_005) only from 2024
    out["name"] = [
        display_name(c, m) for c, m in zip(out["county_or_city"], out["muni_name"], strict=True)
    ]
    keep = out["muni_code"].notna().to_numpy()
    dropped = out.loc[~keep, "muni_name"].fillna("(no name)")
    geoms = raw.geometry.to_numpy()
    broken = ~raw.geometry.is_valid.to_numpy()
    geoms[broken] = [_polygonal(g) for g in geoms[broken]]
    gdf = gpd.GeoDataFrame(out, geometry=list(geoms), crs=crs)[keep]
    # a ring the simplification collapsed can leave nothing polygonal after the repair
    empty = (gdf.geometry.isna() | gdf.geometry.is_empty).to_numpy()
    collapsed = gdf.loc[empty, "muni_code"].tolist()
    gdf = gdf[~empty]
    repeated = gdf["muni_code"][gdf["muni_code"].duplicated()].tolist()
    if repeated:  # these files hold one feature per code; dissolving would hide a changed file
        raise SourceFormatError(
            f"codes {repeated[:5]} appear in more than one feature; the boundary file is not the "
            "one the catalog entry was written for"
        )
    gdf = gdf.sort_values("muni_code", ignore_index=True)
    details = {
        "features": len(raw),
        "dropped_rows": int((~keep).sum()),
        "dropped_names": sorted(set(dropped)),
        "repaired": int(broken[keep].sum()),
        "collapsed": collapsed,
    }
    return gdf, details


def _dissolve_wards(gdf: Any) -> tuple[Any, dict[str, list[str]]]:
    """The wards of each designated city dissolved into one row with the city's code and name."""
    import geopandas as gpd
    import shapely

    from ebpm import japan

    parents, _ = ward_parents(gdf["muni_code"], japan.municipalities())
    is_ward = gdf["muni_code"].isin(list(parents)).to_numpy()
    wards = gdf[is_ward]
    rows = []
    merged: dict[str, list[str]] = {}
    for city, group in wards.groupby(wards["muni_code"].map(parents), sort=True):
        merged[str(city)] = sorted(group["muni_code"])
        name = str(group["county_or_city"].dropna().iloc[0])  # N03_003 of a ward: its city
        rows.append(
            {
                "muni_code": city,
                "pref_code": str(city)[:2],
                "name": name,
                "pref_name": group["pref_name"].iloc[0],
                "subpref": next(iter(group["subpref"].dropna()), None),
                "county_or_city": name,
                "muni_name": None,  # as in the file with designated cities whole
                "ward": None,
                "geometry": _polygonal(shapely.union_all(group.geometry.to_numpy())),
            }
        )
    cities = gpd.GeoDataFrame(rows, columns=COLUMNS, geometry="geometry", crs=gdf.crs)
    out = pd.concat([gdf.loc[~is_ward, COLUMNS], cities], ignore_index=True)
    return out.sort_values("muni_code", ignore_index=True), merged


class JapanMunicipalBoundaries(BaseReader):
    """Municipal boundaries of all Japan as of 2021-01-01, from TopoJSON shipped in a package.

    Keyword arguments (set in the catalog entry's ``kwargs``):

    ``package``
        Import name of the package holding the files (``ebpm``).
    ``files``
        ``{"wards": path, "cities": path, "coarse": path}``: the file with designated cities
        as their wards, the one with each designated city whole, and the coarser one (with
        wards), as paths inside ``package``.
    ``pins``
        ``{"<package>/<path>": sha256}`` for every file in ``files`` (required).
    ``crs``
        The CRS of the coordinates (``"EPSG:6668"``); TopoJSON files declare none.

    Loads take ``wards`` (default ``True``: designated cities as their wards; ``False``: one
    row per designated city) and ``detail`` (``"fine"``, default, or ``"coarse"``). Columns as
    :func:`ebpm.catalog.ksj_boundaries`: ``muni_code, pref_code, name, pref_name, subpref,
    county_or_city, muni_name, ward, geometry``.

    With ``detail="coarse"`` the municipalities the 0.1% simplification lost are taken from the
    1% file (listed in the provenance details as ``filled_from_fine``), so every option gives the
    same codes; without wards, the coarse wards are dissolved into their cities, whose codes come
    from :func:`ebpm.japan.municipalities` (``merged_wards`` in the details).
    """

    output_instance = "geopandas:GeoDataFrame"
    imports: ClassVar[set[str]] = {"geopandas", "shapely", "pyogrio"}

    def _read(
        self,
        *,
        package: str,
        files: dict[str, str],
        pins: dict[str, str],
        crs: str,
        wards: bool = True,
        detail: str = "fine",
    ) -> Any:
        from pyproj import CRS

        if not isinstance(wards, bool):
            raise InvalidOptionError(
                f"wards={wards!r} must be True (designated cities as their wards) or False (one "
                "row per designated city)"
            )
        detail = check_detail(detail)
        need = sorted(set(_FILE_KEY.values()))
        if not isinstance(files, dict) or sorted(files) != need:
            raise CatalogError(
                f"files must name exactly {need} (paths inside {package!r}); got "
                f"{sorted(files) if isinstance(files, dict) else files!r}"
            )
        try:
            target = CRS.from_user_input(crs)
        except Exception as err:  # pyproj raises its own CRSError
            raise CatalogError(
                f"crs={crs!r} is not a CRS pyproj understands; write it like 'EPSG:6668'"
            ) from err
        crs_text = f"EPSG:{target.to_epsg()}" if target.to_epsg() else target.to_string()

        def read(key: str) -> dict[str, Any]:
            path = f"{package}/{files[key]}"
            pin = pins.get(path)
            if not (isinstance(pin, str) and len(pin) == 64):
                raise CatalogError(
                    f"{path} is read but pinned to {pin!r}, not a sha256 (64 hex characters); "
                    "add its sha256 to the entry's `pins`, quoted"
                )
            return package_file(package, files[key], sha256=pin)

        first = read(_FILE_KEY[(detail, wards)])
        gdf, details = _frame(_decode(first["bytes"], first["path"]), crs_text)
        read_files = [first]
        if detail == "coarse":
            fine = read("wards")
            read_files.append(fine)
            full, _ = _frame(_decode(fine["bytes"], fine["path"]), crs_text)
            lost = full[~full["muni_code"].isin(gdf["muni_code"])]
            details["filled_from_fine"] = lost["muni_code"].tolist()
            gdf = pd.concat([gdf, lost], ignore_index=True).sort_values(
                "muni_code", ignore_index=True
            )
            if not wards:
                gdf, merged = _dissolve_wards(gdf)
                details["merged_wards"] = merged
        gdf = gdf[COLUMNS].reset_index(drop=True)
        origin = _origin(read_files)
        origin.update(
            year=2021,
            reference_date="2021-01-01",
            detail=detail,
            wards=wards,
            crs=crs_text,
            **details,
        )
        gdf.attrs["ebpm"] = {"origin": origin}
        log.info(
            "%s: %d features -> %d municipalities (%s, wards=%s)",
            first["path"],
            details["features"],
            len(gdf),
            detail,
            wards,
        )
        return gdf
