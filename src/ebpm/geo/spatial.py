"""Spatial weights and spatial autocorrelation: ``weights``, global Moran's I, local Moran (LISA).

>>> from ebpm import geo
>>> prefs = geo.attach(table, code="pref_code")                     # doctest: +SKIP
>>> w = geo.weights(prefs, kind="queen", connect_islands=True)      # doctest: +SKIP
>>> geo.moran(prefs, "value", seed=1).summary()                     # doctest: +SKIP
>>> geo.lisa(prefs, "value", seed=1).plot()                         # doctest: +SKIP

Weights are :class:`libpysal.weights.W` objects (esda 2.9 accepts both ``W`` and the newer
``libpysal.graph.Graph``; ``W`` is returned because it is the form every PySAL release and most
published code use, and it exposes ``islands``, ``neighbors`` and ``n_components`` directly).
Contiguity is decided from the geometry itself (see :func:`weights`), so boundaries digitised
without shared vertices do not produce false islands.

Permutation inference is computed here with a :class:`numpy.random.Generator` seeded by
``seed``: esda 2.9's global ``Moran`` draws from NumPy's global random state, and its local
``Moran_Local`` compiles a numba kernel on first use in every process (about 20 s). The
statistics themselves (I, E[I], analytical variances, local I, quadrants) come from esda.
"""

from __future__ import annotations

import logging
import math
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import TYPE_CHECKING, Any, Literal, cast, overload

import numpy as np
import pandas as pd

from ebpm._json import jsonable
from ebpm.errors import (
    ColumnNotFoundError,
    DataError,
    InvalidOptionError,
    IslandWarning,
    MissingCRSError,
    NonNumericError,
    UnmatchedRowsWarning,
    did_you_mean,
)
from ebpm.estimators._common import MissingValueWarning, check_option
from ebpm.geo._rows import panel_filter
from ebpm.results import EstimateResult, _fmt

if TYPE_CHECKING:  # pragma: no cover
    import geopandas as gpd
    from libpysal.weights import W

__all__ = ["CLUSTERS", "KINDS", "LisaResult", "WeightsKind", "lisa", "moran", "weights"]

log = logging.getLogger(__name__)

WeightsKind = Literal["queen", "rook", "knn", "distance"]
#: Kinds of spatial weights :func:`weights` builds.
KINDS: tuple[str, ...] = ("queen", "rook", "knn", "distance")
#: LISA cluster labels, in legend order.
CLUSTERS: tuple[str, ...] = ("HH", "LL", "LH", "HL", "not significant")
#: Conventional LISA colours (as in GeoDa): hot spots red, cold spots blue, outliers pale.
CLUSTER_COLOURS: Mapping[str, str] = {
    "HH": "#D7191C",
    "LL": "#2C7BB6",
    "LH": "#ABD9E9",
    "HL": "#F4A6A6",
    "not significant": "#E0E0E0",
}
#: Mean Earth radius (IUGG), metres: great-circle distances for geographic coordinates.
EARTH_RADIUS_M = 6_371_008.8
#: Columns tried, in order, to identify units when ``ids`` is not given.
_ID_COLUMNS = ("code",)
#: Columns tried, in order, to add a readable name to unit labels in messages.
_NAME_COLUMNS = ("name", "name_ja", "name_en")
#: esda's quadrant numbers (PySAL scheme) -> labels.
_QUADRANTS = {1: "HH", 2: "LH", 3: "LL", 4: "HL"}
#: Upper bound on array elements materialised at once by the permutation loops.
_CHUNK_ELEMENTS = 4_000_000


# --- validation ----------------------------------------------------------------------------
def _require_gdf(gdf: Any, *, func: str) -> gpd.GeoDataFrame:
    import geopandas as gpd

    if not isinstance(gdf, gpd.GeoDataFrame):
        raise DataError(
            f"{func}() takes a GeoDataFrame, got {type(gdf).__name__}; put a table on geometry "
            "first with ebpm.geo.attach(df, code=...) or geopandas.GeoDataFrame(df, geometry=...)"
        )
    if gdf.empty:
        raise DataError(f"{func}() got an empty GeoDataFrame; check the filter that produced it")
    return gdf


#: Column names taken for a panel's time column when a message suggests filtering to one period.
def _one_row_per_area(gdf: pd.DataFrame, key: Any, repeated: np.ndarray) -> str:
    return (
        "Copies of an area would become each other's neighbours; spatial weights and statistics "
        f"need one row per area: filter first, e.g. {panel_filter(gdf, key, repeated)}"
    )


def _fallback_labels(gdf: pd.DataFrame, ids: str | None) -> list[str]:
    """Labels for messages before the unit ids are validated (missing ids: the index)."""
    col = ids if ids is not None else ("code" if "code" in gdf.columns else None)
    if col is None:
        return _unit_labels(gdf, gdf.index.tolist(), None)
    values = [v if pd.notna(v) else i for v, i in zip(gdf[col], gdf.index, strict=True)]
    return _unit_labels(gdf, values, col)


def _drop_without_geometry(
    gdf: gpd.GeoDataFrame, ids: str | None, *, func: str, stacklevel: int
) -> tuple[gpd.GeoDataFrame, tuple[str, ...]]:
    """``gdf`` without its rows whose geometry is null or empty, and their labels.

    Such rows are typically table rows :func:`ebpm.geo.attach` could not match (a national
    total "00000 全国"): they are not areas, so they are left out with a warning naming them.
    """
    geom = gdf.geometry
    bad = (geom.isna() | geom.is_empty).to_numpy()
    if not bad.any():
        return gdf, ()
    labels = _fallback_labels(gdf, ids)
    if bad.all():
        raise DataError(
            f"{func}(): no row has a geometry ({len(gdf)} row(s), e.g. {_list(labels, limit=3)}); "
            "join the table to areas with ebpm.geo.attach(df, code=...) and check the rows it "
            "reports as unmatched"
        )
    names = tuple(labels[p] for p in np.flatnonzero(bad))
    warnings.warn(
        f"{func}(): {len(names)} row(s) have no geometry and are left out: {_list(list(names))}. "
        "They are not areas on the map (e.g. a national total row that attach() could not "
        "match); drop them first to silence this: "
        "gdf[gdf.geometry.notna() & ~gdf.geometry.is_empty]",
        UnmatchedRowsWarning,
        stacklevel=stacklevel,
    )
    return gdf.iloc[np.flatnonzero(~bad)], names


def _repeated_values(
    gdf: pd.DataFrame, values: pd.Series, col: str, *, what: str
) -> DataError | None:
    """A :class:`DataError` naming the repeated values of ``col`` (None when all differ)."""
    repeated = values.duplicated(keep=False).to_numpy() & values.notna().to_numpy()
    if not repeated.any():
        return None
    first = ~values.duplicated(keep="first").to_numpy() & repeated
    labels = _unit_labels(gdf, values.tolist(), col)
    shown = [labels[p] for p in np.flatnonzero(first)]
    return DataError(
        f"{what} repeats {len(shown)} value(s): {_list(shown, limit=5)} "
        f"({int(repeated.sum())} of {len(gdf)} rows). "
        f"{_one_row_per_area(gdf, values, repeated)}. If an area is "
        f"split over several rows, merge them first: gdf.dissolve(by={col!r}, as_index=False)"
    )


def _check_repeated_geometry(gdf: gpd.GeoDataFrame, labels: Sequence[str], *, func: str) -> None:
    """Refuse identical geometries (after normalisation): the same area in several rows."""
    import shapely

    arr = np.asarray(gdf.geometry.values)
    keys = pd.Series(shapely.to_wkb(shapely.normalize(arr)))
    dup = keys.duplicated(keep=False)
    if not dup.any():
        return
    groups = list(keys[dup].groupby(keys[dup], sort=False).indices.values())
    shown = [" = ".join(labels[p] for p in sorted(g)) for g in groups]
    noun = "geometry appears" if len(groups) == 1 else "geometries appear"
    raise DataError(
        f"{func}(): {len(groups)} {noun} more than once: {_list(shown, limit=3)}. "
        f"{_one_row_per_area(gdf, keys, dup.to_numpy())}"
    )


def _unit_ids(gdf: pd.DataFrame, ids: str | None) -> tuple[list[Any], str | None]:
    """The id of every unit (W ids) and the column they come from (None: the index)."""
    if ids is not None:
        if ids not in gdf.columns:
            raise ColumnNotFoundError(
                f"ids={ids!r} is not a column of the data.{did_you_mean(str(ids), map(str, gdf))} "
                f"Columns are: {', '.join(map(str, gdf.columns))}."
            )
        values = gdf[ids]
        if values.isna().any():
            missing = [str(i) for i in gdf.index[values.isna().to_numpy()]]
            raise DataError(
                f"ids={ids!r} must identify units uniquely; it is missing in row(s) "
                f"{_list(missing, limit=5)} (index). Pass a column with one value per unit, or "
                "leave ids=None to use the index"
            )
        error = _repeated_values(gdf, values, ids, what=f"ids={ids!r}")
        if error is not None:
            raise error
        return values.tolist(), ids
    for col in _ID_COLUMNS:
        if col not in gdf.columns:
            continue
        error = _repeated_values(gdf, gdf[col], col, what=f"the {col!r} column")
        if error is not None:
            raise error
        if gdf[col].notna().all():
            return gdf[col].tolist(), col
    if gdf.index.has_duplicates:
        raise DataError(
            "the GeoDataFrame's index has repeated labels, so units cannot be told apart; "
            "pass ids='<column with one value per unit>' or call .reset_index(drop=True)"
        )
    return gdf.index.tolist(), None


@dataclass(frozen=True)
class _Units:
    """The rows that are areas, with their ids and labels."""

    frame: Any
    id_values: list[Any]
    id_col: str | None
    labels: list[str]
    no_geometry: tuple[str, ...]


def _units(gdf: Any, ids: str | None, *, func: str, stacklevel: int) -> _Units:
    """Validate ``gdf`` as one row per area: rows without geometry are left out (warned),
    repeated ids or geometries are refused."""
    gdf = _require_gdf(gdf, func=func)
    if ids is not None and ids not in gdf.columns:
        _unit_ids(gdf, ids)  # raises ColumnNotFoundError with the close matches
    gdf, no_geometry = _drop_without_geometry(gdf, ids, func=func, stacklevel=stacklevel + 1)
    id_values, id_col = _unit_ids(gdf, ids)
    labels = _unit_labels(gdf, id_values, id_col)
    _check_repeated_geometry(gdf, labels, func=func)
    return _Units(gdf, id_values, id_col, labels, no_geometry)


def _unit_labels(gdf: pd.DataFrame, id_values: Sequence[Any], id_col: str | None) -> list[str]:
    """Readable labels for messages: the id, and a name when the data has a name column."""
    name_col = next((c for c in _NAME_COLUMNS if c in gdf.columns and c != id_col), None)
    if name_col is None:
        return [str(v) for v in id_values]
    names = gdf[name_col].tolist()
    return [
        f"{v} {n}" if pd.notna(n) and str(n) != str(v) else str(v)
        for v, n in zip(id_values, names, strict=True)
    ]


def _list(items: Sequence[str], limit: int = 10) -> str:
    shown = ", ".join(items[:limit])
    return shown + (f" and {len(items) - limit} more" if len(items) > limit else "")


def _check_int(name: str, value: Any, *, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < minimum:
        raise InvalidOptionError(
            f"{name}={value!r} is not allowed; {name} must be an integer >= {minimum}"
        )
    return int(value)


def _check_seed(seed: Any) -> int:
    """Return ``seed`` as an int, drawing (and so recording) a fresh one when it is None."""
    if seed is None:
        return int(np.random.SeedSequence().generate_state(1)[0])
    return _check_int("seed", seed, minimum=0)


# --- geometry helpers ------------------------------------------------------------------------
def _with_crs(gdf: gpd.GeoDataFrame, assume_crs: Any, *, why: str, func: str) -> gpd.GeoDataFrame:
    """``gdf`` with a CRS (``assume_crs`` when it has none), or :class:`MissingCRSError`."""
    if gdf.crs is not None:
        return gdf
    if assume_crs is not None:
        return gdf.set_crs(assume_crs)
    xmin, ymin, xmax, ymax = gdf.total_bounds
    hint = ""
    if -180 <= xmin <= xmax <= 180 and -90 <= ymin <= ymax <= 90:
        hint = (
            " Its coordinates lie within longitude/latitude ranges, so it is probably "
            "EPSG:4326 (WGS 84) or EPSG:6668 (JGD2011), but ebpm will not guess."
        )
    raise MissingCRSError(
        f"the GeoDataFrame has no coordinate reference system (CRS), which {why} needs to "
        f"measure distances.{hint} Set it with gdf.set_crs('EPSG:4326') (or the CRS your "
        "source documents), or pass assume_crs='EPSG:4326'"
        + ("" if func == "weights" else " to ebpm.geo.weights() and hand its result to w=")
    )


def _unit_points(gdf: gpd.GeoDataFrame) -> tuple[np.ndarray, bool]:
    """Centroid coordinates of every unit and whether they are on the sphere.

    Projected CRS: planar centroids in CRS units. Geographic CRS: centroids computed in a
    Lambert azimuthal equal-area projection centred on the data, then placed on a sphere of
    radius :data:`EARTH_RADIUS_M` as 3-D points, so Euclidean (chord) distances between them
    rank exactly as great-circle distances do.
    """
    import pyproj

    geom = gdf.geometry
    if not gdf.crs.is_geographic:
        c = geom.centroid
        return np.column_stack([c.x.to_numpy(), c.y.to_numpy()]), False
    lonlat = geom.to_crs("EPSG:4326")
    xmin, ymin, xmax, ymax = lonlat.total_bounds
    laea = pyproj.CRS.from_proj4(
        f"+proj=laea +lat_0={(ymin + ymax) / 2} +lon_0={(xmin + xmax) / 2} +datum=WGS84 +units=m"
    )
    c = lonlat.to_crs(laea).centroid.to_crs("EPSG:4326")
    lon, lat = np.radians(c.x.to_numpy()), np.radians(c.y.to_numpy())
    xyz = np.column_stack([np.cos(lat) * np.cos(lon), np.cos(lat) * np.sin(lon), np.sin(lat)])
    return EARTH_RADIUS_M * xyz, True


def _chord_to_arc(d: np.ndarray | float) -> np.ndarray | float:
    ratio = np.clip(np.asarray(d, dtype=float) / (2 * EARTH_RADIUS_M), 0.0, 1.0)
    return 2 * EARTH_RADIUS_M * np.arcsin(ratio)


def _fmt_distance(d: float, unit: str | None) -> str:
    if unit == "metre":
        return f"{d / 1000:.1f} km" if d >= 1000 else f"{d:.0f} m"
    return f"{d:.4g} {unit or 'CRS units'}"


def _arc_to_chord(d: float) -> float:
    return 2 * EARTH_RADIUS_M * math.sin(min(d, math.pi * EARTH_RADIUS_M) / (2 * EARTH_RADIUS_M))


def _contiguity_pairs(geoms: Any, *, rook: bool) -> tuple[np.ndarray, np.ndarray]:
    """Ordered pairs (i, j), i != j, of positions of contiguous polygons.

    Queen: the two geometries share at least one point. Rook: they share a boundary segment
    of positive length, or their interiors overlap (digitising error between neighbours).
    Deciding this with geometric predicates instead of matching vertex coordinates keeps
    neighbours whose common border was digitised separately for each polygon.
    """
    import shapely

    arr = np.asarray(geoms.values)
    i, j = geoms.sindex.query(arr, predicate="intersects")
    keep = i != j
    i, j = i[keep], j[keep]
    if rook and len(i):
        de9im = shapely.relate(arr[i], arr[j])
        ok = np.fromiter((m[0] != "F" or m[4] == "1" for m in de9im), bool, count=len(de9im))
        i, j = i[ok], j[ok]
    return i, j


def _w_from_pairs(n: int, i: np.ndarray, j: np.ndarray, id_values: Sequence[Any]) -> W:
    from libpysal.weights import W

    order = np.lexsort((j, i))
    i, j = i[order], j[order]
    bounds = np.searchsorted(i, np.arange(n + 1))
    ids = list(id_values)
    neighbors = {ids[a]: [ids[b] for b in j[bounds[a] : bounds[a + 1]]] for a in range(n)}
    return W(neighbors, id_order=ids, silence_warnings=True)


def _pairs_of(w: W) -> tuple[np.ndarray, np.ndarray]:
    sp = w.sparse.tocoo()
    return sp.row.astype(np.int64), sp.col.astype(np.int64)


# --- weights -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Built:
    """Weights with the facts a result reports about them."""

    w: Any
    description: str
    islands: tuple[str, ...] = ()
    connected: tuple[dict[str, Any], ...] = ()
    n_components: int = 1


def _build_weights(
    gdf: gpd.GeoDataFrame,
    id_values: Sequence[Any],
    labels: Sequence[str],
    *,
    kind: str,
    k: int | None,
    threshold: float | None,
    connect_islands: bool | int,
    assume_crs: Any,
    func: str,
    stacklevel: int,
) -> _Built:
    from scipy.spatial import cKDTree

    kind = check_option("kind", kind, KINDS)
    n = len(gdf)
    if k is not None and kind != "knn":
        raise InvalidOptionError(
            f"k={k!r} is only used with kind='knn' (got kind={kind!r}); drop k or use kind='knn'"
        )
    if threshold is not None and kind != "distance":
        raise InvalidOptionError(
            f"threshold={threshold!r} is only used with kind='distance' (got kind={kind!r}); "
            "drop threshold or use kind='distance'"
        )
    if isinstance(connect_islands, bool):
        n_connect = int(connect_islands)
    else:
        n_connect = _check_int("connect_islands", connect_islands, minimum=1)

    points: tuple[np.ndarray, bool] | None = None
    unit: str | None = None

    def get_points(why: str) -> tuple[np.ndarray, bool]:
        nonlocal points, unit, gdf
        if points is None:
            gdf = _with_crs(gdf, assume_crs, why=why, func=func)
            points = _unit_points(gdf)
            if points[1]:
                unit = "metre"
            else:
                axis = gdf.crs.axis_info
                unit = axis[0].unit_name if axis else "CRS unit"
        return points

    def distances(d: np.ndarray) -> np.ndarray:
        if points is not None and points[1]:
            return cast(np.ndarray, _chord_to_arc(d))  # an array for an array
        return np.asarray(d, float)

    if kind in ("queen", "rook"):
        polygonal = gdf.geom_type.isin(["Polygon", "MultiPolygon"]).to_numpy()
        if not polygonal.all():
            bad = [
                f"{labels[int(p)]} ({gdf.geom_type.iloc[p]})" for p in np.flatnonzero(~polygonal)
            ]
            raise DataError(
                f"kind={kind!r} contiguity needs polygons, but {len(bad)} unit(s) are not: "
                f"{_list(bad)}. Use kind='knn' (with k=) or kind='distance' for points"
            )
        geoms = gdf.geometry.reset_index(drop=True)
        invalid = ~geoms.is_valid.to_numpy()
        if invalid.any():
            log.info("repairing %d invalid geometries before contiguity", int(invalid.sum()))
            geoms = geoms.make_valid()
        i, j = _contiguity_pairs(geoms, rook=kind == "rook")
        w = _w_from_pairs(n, i, j, id_values)
        description = f"{kind} contiguity"
    elif kind == "knn":
        from libpysal.weights import KNN

        if k is None:
            raise InvalidOptionError(
                "kind='knn' needs k, the number of nearest neighbours; pass e.g. k=5"
            )
        k = _check_int("k", k, minimum=1)
        if k >= n:
            raise InvalidOptionError(
                f"k={k} must be smaller than the number of units ({n}); pass k <= {n - 1}"
            )
        coords, _ = get_points("kind='knn'")
        w = KNN.from_array(coords, k=k, ids=list(id_values), silence_warnings=True)
        description = f"{k} nearest neighbours (centroid distance)"
    else:  # distance band
        from libpysal.weights import DistanceBand

        if n < 2:
            raise DataError(f"kind='distance' needs at least 2 units, got {n}")
        coords, spherical = get_points("kind='distance'")
        if threshold is None:
            nearest, _ = cKDTree(coords).query(coords, k=2)
            band = float(nearest[:, 1].max()) * (1 + 1e-9)
            shown = float(distances(np.array(band)))
        else:
            if (
                isinstance(threshold, bool)
                or not isinstance(threshold, int | float)
                or not (threshold > 0 and math.isfinite(threshold))
            ):
                raise InvalidOptionError(
                    f"threshold={threshold!r} is not allowed; it must be a positive distance "
                    f"(metres for longitude/latitude data, CRS units otherwise)"
                )
            band = _arc_to_chord(float(threshold)) if spherical else float(threshold)
            shown = float(threshold)
        w = DistanceBand.from_array(
            coords, threshold=band, binary=True, ids=list(id_values), silence_warnings=True
        )
        description = f"distance band (<= {_fmt_distance(shown, unit)})"

    islands_pos = [p for p in range(n) if w.cardinalities[id_values[p]] == 0]
    island_labels = tuple(labels[p] for p in islands_pos)
    connected: list[dict[str, Any]] = []
    if islands_pos and n_connect:
        if n < 2:
            raise DataError(f"{func}(): cannot connect islands with a single unit")
        coords, _ = get_points("connect_islands=True")
        tree = cKDTree(coords)
        m = min(n_connect + 1, n)
        dist, idx = tree.query(coords[islands_pos], k=m)
        i0, j0 = _pairs_of(w)
        add_i, add_j = [], []
        for row, p in enumerate(islands_pos):
            picks = [
                (d, q)
                for d, q in zip(np.atleast_1d(dist[row]), np.atleast_1d(idx[row]), strict=True)
                if q != p
            ]
            for d, q in picks[:n_connect]:
                add_i += [p, int(q)]
                add_j += [int(q), p]
                connected.append(
                    {
                        "island": labels[p],
                        "neighbour": labels[int(q)],
                        "distance": float(distances(np.array(d))),
                    }
                )
        pairs = np.unique(
            np.column_stack([np.r_[i0, add_i], np.r_[j0, add_j]]).astype(np.int64), axis=0
        )
        w = _w_from_pairs(n, pairs[:, 0], pairs[:, 1], id_values)
        description += f"; islands linked to their {n_connect} nearest unit(s)"
    if island_labels:
        what = {"queen": "queen contiguity", "rook": "rook contiguity"}.get(kind, description)
        if connected:
            links = ", ".join(
                f"{c['island']} -> {c['neighbour']} ({_fmt_distance(c['distance'], unit)})"
                for c in connected
            )
            msg = (
                f"{len(island_labels)} unit(s) have no neighbours under {what}: "
                f"{_list(list(island_labels))}; linked to the nearest unit(s) by centroid "
                f"distance: {links}"
            )
        else:
            msg = (
                f"{len(island_labels)} unit(s) have no neighbours under {what}: "
                f"{_list(list(island_labels))}. They keep a spatial lag of 0; pass "
                "connect_islands=True to link each to its nearest unit, or use kind='knn'"
            )
        warnings.warn(msg, IslandWarning, stacklevel=stacklevel)
    return _Built(
        w=w,
        description=description,
        islands=island_labels,
        connected=tuple(connected),
        n_components=int(w.n_components),
    )


def weights(
    gdf: gpd.GeoDataFrame,
    *,
    kind: WeightsKind = "queen",
    k: int | None = None,
    threshold: float | None = None,
    connect_islands: bool | int = False,
    ids: str | None = None,
    assume_crs: Any = None,
) -> W:
    """Spatial weights between the units (rows) of a GeoDataFrame.

    Parameters
    ----------
    gdf : geopandas.GeoDataFrame
        One row per area (for a panel, filter to one period first). Rows without geometry
        (null or empty, such as rows :func:`ebpm.geo.attach` could not match) are left out
        with a warning. Not modified.
    kind : {"queen", "rook", "knn", "distance"}, default "queen"
        ``"queen"``: polygons sharing at least one boundary point are neighbours. ``"rook"``:
        polygons sharing a boundary segment of positive length. ``"knn"``: each unit's ``k``
        nearest units by centroid distance (not symmetric). ``"distance"``: every unit whose
        centroid lies within ``threshold`` (binary weights).
    k : int, optional
        Number of neighbours for ``kind="knn"`` (required there), ``1 <= k < n``.
    threshold : float, optional
        Distance band for ``kind="distance"``: metres (great circle) when the CRS is geographic,
        CRS units otherwise. Default: the smallest distance that gives every unit a neighbour.
    connect_islands : bool or int, default False
        Units without neighbours (islands) are always reported with an
        :class:`~ebpm.errors.IslandWarning`. ``True`` (or an int ``m``) also links each island,
        in both directions, to its nearest (``m`` nearest) units by centroid distance.
    ids : str, optional
        Column whose values become the weights' ids and name units in messages. Default:
        ``code`` when present and unique, otherwise the index.
    assume_crs : optional
        CRS to assume when ``gdf`` has none (anything :meth:`GeoDataFrame.set_crs` accepts).
        A CRS is only needed to measure distances (``knn``, ``distance``, connecting islands).

    Returns
    -------
    libpysal.weights.W
        Binary weights (``transform="O"``) whose ``id_order`` follows the rows of ``gdf``
        that have a geometry.
        :func:`moran` and :func:`lisa` row-standardise a copy; esda 2.9 also accepts
        ``libpysal.graph.Graph.from_W(w)``.

    Raises
    ------
    DataError
        ``gdf`` is not a non-empty GeoDataFrame or no row has a geometry; contiguity is asked
        of points; ids are missing or repeat (``code`` by default: panel data); two rows have
        the same geometry. Messages name the repeated units and the fix (one row per area).
    MissingCRSError
        Distances are needed and ``gdf`` has no CRS (set one or pass ``assume_crs``).
    InvalidOptionError
        Unknown ``kind``; ``k`` missing, out of range or given without ``kind="knn"``;
        a bad ``threshold`` or ``connect_islands``.

    Warns
    -----
    IslandWarning
        Some units have no neighbours; the message names them (and the links added when
        ``connect_islands`` is set).
    UnmatchedRowsWarning
        Some rows have no geometry and were left out; the message names them.

    Notes
    -----
    Contiguity is decided with geometric predicates (shapely ``intersects``, and the DE-9IM
    relation for rook) rather than by matching vertex coordinates, so polygons whose common
    border was digitised separately, or that overlap slightly, are still neighbours; invalid
    geometries are repaired with ``make_valid`` first (on a copy). On a clean coverage this is
    exactly queen/rook contiguity (Columbus: the same 236 queen links as ``columbus.gal``).
    Polygons separated by a gap (simplified outlines, sea straits) are not contiguous: that is
    what ``connect_islands`` is for. Connecting islands removes islands, not every
    disconnected component (``w.n_components`` tells how many remain).

    Distances for geographic data are great-circle distances between centroids computed in an
    equal-area projection centred on the data; for projected data, planar distances in CRS
    units. Japan's plane rectangular systems (EPSG:6669-6687) or UTM zones are good projected
    choices for municipal data.

    References
    ----------
    Anselin, L. (1988). *Spatial Econometrics: Methods and Models*. Kluwer.
    Rey, S. J., & Anselin, L. (2007). PySAL: A Python library of spatial analytical methods.
    *The Review of Regional Studies*, 37(1), 5-27.
    """
    units = _units(gdf, ids, func="weights", stacklevel=3)
    built = _build_weights(
        units.frame,
        units.id_values,
        units.labels,
        kind=kind,
        k=k,
        threshold=threshold,
        connect_islands=connect_islands,
        assume_crs=assume_crs,
        func="weights",
        stacklevel=3,
    )
    return built.w


# --- shared preparation for moran / lisa -------------------------------------------------------
@dataclass(frozen=True)
class _Prepared:
    frame: Any  # the GeoDataFrame rows used, in the order of y
    y: np.ndarray
    labels: list[str]
    id_col: str | None
    built: _Built
    dropped: tuple[str, ...]
    no_geometry: tuple[str, ...] = ()


def _values(gdf: pd.DataFrame, column: Any, labels: Sequence[str], *, func: str) -> pd.Series:
    if column not in gdf.columns:
        cols = [c for c in map(str, gdf.columns) if c != gdf.geometry.name]
        raise ColumnNotFoundError(
            f"column={column!r} is not a column of the data.{did_you_mean(str(column), cols)} "
            f"Columns are: {', '.join(cols)}."
        )
    series = gdf[column]
    if pd.api.types.is_bool_dtype(series) or pd.api.types.is_numeric_dtype(series):
        values = series.astype("float64")
    else:
        converted = pd.to_numeric(series, errors="coerce")
        bad = np.flatnonzero((converted.isna() & series.notna()).to_numpy())
        if len(bad):
            raise NonNumericError(
                f"column={column!r} must be numeric; it holds {series.iloc[bad[0]]!r} "
                f"(unit {labels[bad[0]]}). Convert it first, e.g. "
                "pd.to_numeric(gdf[column], errors='coerce')"
            )
        values = converted.astype("float64")
    infinite = np.flatnonzero(np.isinf(values.to_numpy()))
    if len(infinite):
        names = [labels[int(p)] for p in infinite]
        raise DataError(
            f"column={column!r} is infinite for {_list(names)}; a rate with a zero denominator? "
            "Set those values to NaN (they are then dropped with a warning) or fix them"
        )
    return values


def _prepare(
    gdf: Any,
    column: Any,
    *,
    w: Any,
    kind: str | None,
    k: int | None,
    connect_islands: bool | int,
    ids: str | None,
    func: str,
) -> _Prepared:
    units = _units(gdf, ids, func=func, stacklevel=4)
    gdf, id_values, id_col, labels = units.frame, units.id_values, units.id_col, units.labels
    values = _values(gdf, column, labels, func=func)
    missing = values.isna().to_numpy()
    if missing.all():
        raise DataError(
            f"{func}(): every value of column={column!r} is missing; check the join that "
            "produced it (ebpm.geo.attach reports unmatched rows in .attrs)"
        )
    dropped = tuple(labels[p] for p in np.flatnonzero(missing))
    if dropped:
        warnings.warn(
            f"{func}(): dropped {len(dropped)} of {len(gdf)} unit(s) with a missing "
            f"{column!r}: {_list(list(dropped))}. Neighbour relations are built without them; "
            "impute or filter them first to silence this",
            MissingValueWarning,
            stacklevel=3,
        )
    keep = ~missing
    n = int(keep.sum())
    if n < 3:
        raise DataError(
            f"{func}() needs at least 3 units with a value of {column!r}, got {n}; spatial "
            "autocorrelation is not defined for fewer"
        )
    y = values.to_numpy()[keep]
    if np.ptp(y) == 0:
        raise DataError(
            f"{func}(): column={column!r} has the same value ({y[0]:g}) in every unit, so its "
            "spatial autocorrelation is undefined"
        )
    frame = gdf.loc[keep] if missing.any() else gdf
    kept_labels = [lab for lab, ok in zip(labels, keep, strict=True) if ok]
    kept_ids = [v for v, ok in zip(id_values, keep, strict=True) if ok]
    if w is None:
        built = _build_weights(
            frame,
            kept_ids,
            kept_labels,
            kind=kind or "queen",
            k=k,
            threshold=None,
            connect_islands=connect_islands,
            assume_crs=None,
            func=func,
            stacklevel=4,
        )
    else:
        if kind is not None or k is not None or connect_islands:
            raise InvalidOptionError(
                f"{func}(): pass either w= or kind=/k=/connect_islands=, not both; build the "
                "weights with ebpm.geo.weights(gdf, kind=..., ...) and pass them as w"
            )
        built = _user_weights(
            w, gdf, id_values, labels, keep, func=func, no_geometry=len(units.no_geometry)
        )
    return _Prepared(
        frame=frame,
        y=y,
        labels=kept_labels,
        id_col=id_col,
        built=built,
        dropped=dropped,
        no_geometry=units.no_geometry,
    )


def _user_weights(
    w: Any,
    gdf: pd.DataFrame,
    id_values: Sequence[Any],
    labels: Sequence[str],
    keep: np.ndarray,
    *,
    func: str,
    no_geometry: int = 0,
) -> _Built:
    """A copy of the caller's weights, aligned with the kept rows of ``gdf``."""
    from libpysal.graph import Graph
    from libpysal.weights import W, w_subset

    if isinstance(w, Graph):
        w = w.to_W()
    if not isinstance(w, W):
        raise DataError(
            f"{func}(): w must be a libpysal.weights.W or libpysal.graph.Graph, got "
            f"{type(w).__name__}; build one with ebpm.geo.weights(gdf)"
        )
    if w.n != len(gdf):
        left_out = f" (after leaving out {no_geometry} without geometry)" if no_geometry else ""
        raise DataError(
            f"{func}(): w has {w.n} units but the data has {len(gdf)} rows{left_out}; build w "
            "from the same GeoDataFrame, e.g. ebpm.geo.weights(gdf)"
        )
    w_ids = set(w.id_order)
    if w_ids == set(id_values):
        keys = list(id_values)
    elif w_ids == set(gdf.index):
        keys = gdf.index.tolist()
    else:
        raise DataError(
            f"{func}(): the ids of w (e.g. {w.id_order[:3]}) match neither the unit ids "
            f"(e.g. {list(id_values)[:3]}) nor the index of the data; build w with "
            "ebpm.geo.weights(gdf) or pass ids= the column w was built on"
        )
    kept = [key for key, ok in zip(keys, keep, strict=True) if ok]
    if not keep.all():
        w = w_subset(w, kept, silence_warnings=True)
    neighbors = {key: list(w.neighbors[key]) for key in kept}
    wts = {key: list(w.weights[key]) for key in kept}
    copy = W(neighbors, wts, id_order=kept, silence_warnings=True)
    kept_labels = [lab for lab, ok in zip(labels, keep, strict=True) if ok]
    islands = tuple(kept_labels[p] for p, key in enumerate(kept) if not neighbors[key])
    if islands:
        warnings.warn(
            f"{len(islands)} unit(s) have no neighbours in w: {_list(list(islands))}. They keep "
            "a spatial lag of 0; rebuild w with ebpm.geo.weights(gdf, connect_islands=True)",
            IslandWarning,
            stacklevel=4,
        )
    return _Built(
        w=copy,
        description="user-supplied weights",
        islands=islands,
        n_components=int(copy.n_components),
    )


def _row_standardised(w: W) -> W:
    from libpysal.weights import W as _W

    copy = _W(dict(w.neighbors), dict(w.weights), id_order=list(w.id_order), silence_warnings=True)
    copy.transform = "r"
    return copy


# --- global Moran's I ------------------------------------------------------------------------
def _permute_global(
    z: np.ndarray, sparse: Any, s0: float, permutations: int, rng: np.random.Generator
) -> np.ndarray:
    """Moran's I of ``permutations`` random relabellings of ``z`` (row-standardised W)."""
    n = len(z)
    z2ss = float(z @ z)
    out = np.empty(permutations)
    step = max(1, _CHUNK_ELEMENTS // n)
    for start in range(0, permutations, step):
        m = min(step, permutations - start)
        zp = rng.permuted(np.broadcast_to(z, (m, n)), axis=1)
        lag = (sparse @ zp.T).T
        out[start : start + m] = (n / s0) * np.einsum("ij,ij->i", zp, lag) / z2ss
    return out


@overload
def _folded_p(larger: int, smaller: int, permutations: int) -> float: ...
@overload
def _folded_p(larger: np.ndarray, smaller: np.ndarray, permutations: int) -> np.ndarray: ...
def _folded_p(
    larger: np.ndarray | int, smaller: np.ndarray | int, permutations: int
) -> np.ndarray | float:
    """Pseudo p-value ``(min(#sim >= obs, #sim <= obs) + 1) / (permutations + 1)``, at most 1.

    As GeoDa and esda, except that ties count on both sides: a statistic every permutation
    reproduces (a unit whose value is the mean has I_i = 0 whatever its neighbours) gets p = 1,
    not the smallest possible p.
    """
    extreme = np.minimum(larger, smaller)
    return np.minimum(1.0, (extreme + 1.0) / (permutations + 1.0))


def _font() -> dict[str, Any]:
    """Text properties naming the Japanese-capable family ``ebpm.plotting`` set up.

    Passed explicitly so that labels render even on an Axes created before the font was
    registered (a Text keeps the family that was the default when it was created).
    """
    import matplotlib as mpl

    from ebpm.plotting import setup_matplotlib

    setup_matplotlib()  # registers IPAexGothic (matplotlib-fontja)
    rest = [f for f in mpl.rcParams["font.family"] if f != "IPAexGothic"]
    # named first: after mpl.rcdefaults() the rcParams family is plain sans-serif again
    return {"family": ["IPAexGothic", *rest]}


def _moran_scatter(
    result: EstimateResult, ax: Any, *, z: np.ndarray, lag: np.ndarray, column: str
) -> Any:
    from ebpm.plotting import OKABE_ITO

    slope = result.estimate
    ax.axhline(0, color="0.6", lw=0.8, ls="--")
    ax.axvline(0, color="0.6", lw=0.8, ls="--")
    ax.scatter(z, lag, s=20, color=OKABE_ITO[0], alpha=0.75, edgecolor="white", linewidth=0.4)
    xs = np.array([z.min(), z.max()])
    ax.plot(xs, slope * xs, color=OKABE_ITO[1], lw=1.6, label=f"slope = Moran's I = {slope:.3f}")
    font = _font()
    ax.set_xlabel(f"{column} (standardised)", fontproperties=font)
    ax.set_ylabel(f"spatial lag of {column}", fontproperties=font)
    ax.set_title(
        f"Moran scatterplot: I = {slope:.3f}, p = {result.p_value:.3g}", fontproperties=font
    )
    ax.legend(loc="best", frameon=False, prop=font)
    return ax


#: Printed by ``summary()`` on the line EstimateResult labels "identifying assumption".
_MORAN_ASSUMPTION = (
    "spatial randomness given the weights (I itself is descriptive and assumes nothing): the "
    "weights fix who neighbours whom, and every assignment of the observed values to the "
    "units is equally likely"
)


def moran(
    gdf: gpd.GeoDataFrame,
    column: str,
    *,
    w: Any = None,
    kind: WeightsKind | None = None,
    k: int | None = None,
    connect_islands: bool | int = False,
    ids: str | None = None,
    permutations: int = 999,
    seed: int | None = None,
    conf_level: float = 0.95,
) -> EstimateResult:
    """Global Moran's I of ``column`` with its permutation p-value.

    Parameters
    ----------
    gdf : geopandas.GeoDataFrame
        One row per area: a panel (area x year) is refused, filter it to one period first.
        Rows without geometry are left out with an ``UnmatchedRowsWarning`` naming them.
        Not modified.
    column : str
        Numeric column. Units with a missing value are dropped with a
        ``MissingValueWarning`` naming them, before the weights are built.
    w : libpysal.weights.W or libpysal.graph.Graph, optional
        Weights whose ids are the unit ids (see ``ids``) or the index of ``gdf``. A copy is
        row-standardised; ``w`` itself is not changed. Without ``w``, weights are built with
        :func:`weights` from ``kind``, ``k`` and ``connect_islands``.
    kind : {"queen", "rook", "knn", "distance"}, optional
        Weights to build when ``w`` is None (default ``"queen"``).
    k : int, optional
        Neighbours for ``kind="knn"``.
    connect_islands : bool or int, default False
        Link units without neighbours to their nearest unit(s) (see :func:`weights`).
    ids : str, optional
        Column identifying units (default ``code`` when present, otherwise the index).
    permutations : int, default 999
        Random permutations for the pseudo p-value; 0 uses the analytical randomisation test.
    seed : int, optional
        Seed of the permutations. None draws one, recorded in ``diagnostics["seed"]``, so every
        result can be reproduced.
    conf_level : float, default 0.95
        Sets ``z`` in the rough interval ``I +/- z * sd`` (see Notes); not a confidence level.

    Returns
    -------
    EstimateResult
        ``method="moran"``, one term ``moran_i``. ``p_value`` is the permutation pseudo
        p-value, ``std_error`` the standard deviation of I over the permutations and
        ``statistic`` the z-score ``(I - mean) / sd`` (with ``permutations=0``: the
        analytical randomisation moments and a two-sided normal p-value). ``plot()`` draws the
        Moran scatterplot. ``diagnostics``: ``expected_i`` (-1/(n-1)), ``variance_norm``,
        ``z_norm``, ``p_norm``, ``variance_rand``, ``z_rand``, ``p_rand`` (two-sided,
        analytical), ``permutations``, ``seed``, ``mean_sim``, ``sd_sim``, ``z_sim``, ``p_sim``,
        ``p_two_sided``, ``weights``, ``islands``, ``connected``, ``n_components``, ``dropped``
        (missing value), ``no_geometry`` (rows left out). ``inference`` says what the interval
        is; ``assumption`` states the test's null hypothesis (``summary()`` prints it on the
        line labelled "identifying assumption").

    Raises
    ------
    ColumnNotFoundError, NonNumericError, DataError, InvalidOptionError, MissingCRSError

    Notes
    -----
    ``I = (n / S0) * sum_ij w_ij z_i z_j / sum_i z_i^2`` with row-standardised weights
    (``S0 = n`` minus the number of islands). The pseudo p-value is
    ``(min(#{I* >= I}, #{I* <= I}) + 1) / (permutations + 1)``, as in GeoDa and esda: a one-sided
    p-value in the direction of the observed I (positive or negative autocorrelation), so
    under spatial randomness about ``2 * alpha`` of tests reach ``p <= alpha``;
    ``diagnostics["p_two_sided"]`` doubles it. Permutations use
    ``numpy.random.default_rng(seed)`` and never touch NumPy's global random state.

    Moran's I is descriptive and has no standard confidence interval. ``conf_low`` and
    ``conf_high`` are ``I +/- z * sd``, where sd is the spread of I under the null hypothesis
    (over the permutations, or analytically under randomisation), not the sampling error of
    I; they are reported so that the result has the shape of every ebpm estimate, and
    ``inference`` (printed by ``summary()``) says so. Use the p-value for the test.

    References
    ----------
    Moran, P. A. P. (1950). Notes on continuous stochastic phenomena. *Biometrika*, 37, 17-23.
    Cliff, A. D., & Ord, J. K. (1981). *Spatial Processes: Models and Applications*. Pion.
    Anselin, L. (1995). Local indicators of spatial association - LISA. *Geographical
    Analysis*, 27(2), 93-115.
    """
    import esda
    from scipy import stats

    permutations = _check_int("permutations", permutations, minimum=0)
    seed = _check_seed(seed)
    if not 0 < conf_level < 1:
        raise InvalidOptionError(f"conf_level={conf_level!r} must be between 0 and 1, e.g. 0.95")
    prep = _prepare(
        gdf, column, w=w, kind=kind, k=k, connect_islands=connect_islands, ids=ids, func="moran"
    )
    wr = _row_standardised(prep.built.w)
    mi = esda.Moran(prep.y, wr, transformation="r", permutations=0)
    observed = float(mi.I)
    n = len(prep.y)
    diag: dict[str, Any] = {
        "expected_i": float(mi.EI),
        "variance_norm": float(mi.VI_norm),
        "z_norm": float(mi.z_norm),
        "p_norm": float(mi.p_norm),
        "variance_rand": float(mi.VI_rand),
        "z_rand": float(mi.z_rand),
        "p_rand": float(mi.p_rand),
        "permutations": permutations,
        "seed": seed,
    }
    if permutations:
        rng = np.random.default_rng(seed)
        z = prep.y - prep.y.mean()
        sim = _permute_global(z, wr.sparse, float(wr.s0), permutations, rng)
        mean_sim, sd_sim = float(sim.mean()), float(sim.std())
        above, below = np.count_nonzero(sim >= observed), np.count_nonzero(sim <= observed)
        p_value = float(_folded_p(int(above), int(below), permutations))
        se, stat = sd_sim, (observed - mean_sim) / sd_sim if sd_sim > 0 else math.nan
        diag.update(
            mean_sim=mean_sim,
            sd_sim=sd_sim,
            z_sim=stat,
            p_sim=p_value,
            p_two_sided=min(1.0, 2 * p_value),
        )
    else:
        se, stat, p_value = float(mi.seI_rand), float(mi.z_rand), float(mi.p_rand)
    crit = float(stats.norm.ppf(0.5 + conf_level / 2))
    if permutations:
        inference = (
            f"permutation test ({permutations} permutations, seed {seed}; pseudo p-value); "
            f"interval: I ± {crit:.2f} × sd of the permutation distribution "
            "(a rough guide; use the permutation p-value)"
        )
    else:
        inference = (
            "analytical test under randomisation (two-sided normal p-value); "
            f"interval: I ± {crit:.2f} × sd under randomisation (analytical) "
            "(a rough guide; use the p-value)"
        )
    table = pd.DataFrame(
        {
            "term": ["moran_i"],
            "estimate": [observed],
            "std_error": [se],
            "statistic": [stat],
            "p_value": [p_value],
            "conf_low": [observed - crit * se],
            "conf_high": [observed + crit * se],
            "expected": [float(mi.EI)],
        }
    )
    built = prep.built
    diag.update(
        weights=built.description,
        transformation="row-standardised",
        islands=list(built.islands),
        connected=list(built.connected),
        n_components=built.n_components,
        dropped=list(prep.dropped),
        no_geometry=list(prep.no_geometry),
    )
    zs = (prep.y - prep.y.mean()) / prep.y.std()
    lag = np.asarray(wr.sparse @ zs).ravel()
    return EstimateResult(
        method="moran",
        title="Global Moran's I (spatial autocorrelation)",
        estimand=f"Moran's I of {column} (weights: {built.description}; row-standardised)",
        table=table,
        headline="moran_i",
        n_obs=n,
        inference=inference,
        conf_level=conf_level,
        design={
            "outcome": column,
            "unit": prep.id_col or "index",
            "n_units": n,
            "weights": built.description,
        },
        diagnostics=diag,
        provenance=dict(gdf.attrs.get("ebpm", {})),
        assumption=_MORAN_ASSUMPTION,
        plotter=partial(_moran_scatter, z=zs, lag=lag, column=str(column)),
        assumption_label="null hypothesis",
        interval_label="intervals: I ± z × sd of the permutation distribution, a rough guide",
    )


# --- local Moran (LISA) ------------------------------------------------------------------------
def _permute_local(
    z: np.ndarray,
    sparse: Any,
    local_i: np.ndarray,
    permutations: int,
    rng: np.random.Generator,
) -> np.ndarray:
    """Conditional-permutation pseudo p-values of local Moran's I (Anselin 1995).

    For unit i, z_i stays put and its neighbours' values are drawn without replacement from
    the other n - 1 units; as in esda, one set of draws of ``max cardinality`` positions is
    shared by all units, each using as many as it has neighbours.
    """
    n = len(z)
    csr = sparse.tocsr()
    card = np.diff(csr.indptr)
    kmax = int(card.max())
    slots = np.arange(csr.nnz) - np.repeat(csr.indptr[:-1], card)
    wpad = np.zeros((n, kmax))
    wpad[np.repeat(np.arange(n), card), slots] = csr.data
    scale = (n - 1) * z / float(z @ z)
    larger = np.zeros(n, dtype=np.int64)
    smaller = np.zeros(n, dtype=np.int64)
    rows = np.arange(n)[:, None, None]
    step = max(1, _CHUNK_ELEMENTS // max(1, n * kmax))
    for start in range(0, permutations, step):
        m = min(step, permutations - start)
        draws = np.stack([rng.choice(n - 1, size=kmax, replace=False) for _ in range(m)])
        picks = draws[None, :, :] + (draws[None, :, :] >= rows)  # skip unit i itself
        lag = np.einsum("imk,ik->im", z[picks], wpad)
        sim = scale[:, None] * lag
        larger += (sim >= local_i[:, None]).sum(axis=1)
        smaller += (sim <= local_i[:, None]).sum(axis=1)
    return _folded_p(larger, smaller, permutations)


@dataclass(frozen=True, eq=False)
class LisaResult:
    """Local Moran's I (LISA) for every unit, with cluster labels and a cluster map.

    Attributes
    ----------
    column : str
        The variable analysed.
    table : pandas.DataFrame
        One row per unit used: ``unit`` (id), ``label``, ``value``, ``z`` (standardised value),
        ``lag`` (spatial lag of ``z``), ``local_i``, ``p_sim`` (conditional-permutation pseudo
        p-value; NaN for islands), ``quadrant`` (HH, LH, LL, HL; missing for islands),
        ``cluster`` (the quadrant when ``p_sim <= alpha``, else "not significant") and
        ``island``.
    frame : geopandas.GeoDataFrame
        The rows of the input used, with the table's columns (prefixed ``lisa_``) added.
    alpha, permutations, seed :
        Significance level, number of permutations and the seed used.
    weights : str
        Description of the weights.
    diagnostics : Mapping
        ``islands``, ``connected``, ``n_components``, ``dropped`` (missing value),
        ``no_geometry`` (rows left out) and ``moran_i`` (the global I with the same weights).
    provenance : Mapping
        ``gdf.attrs["ebpm"]`` of the input.
    """

    column: str
    table: pd.DataFrame
    frame: Any = field(repr=False)
    alpha: float
    permutations: int
    seed: int
    weights: str
    diagnostics: Mapping[str, Any] = field(default_factory=dict)
    provenance: Mapping[str, Any] = field(default_factory=dict)

    def tidy(self) -> pd.DataFrame:
        """The per-unit table (a copy)."""
        return self.table.copy()

    def to_frame(self) -> gpd.GeoDataFrame:
        """The units used, with geometry and the ``lisa_*`` columns (a copy)."""
        return self.frame.copy()

    @property
    def gdf(self) -> gpd.GeoDataFrame:
        """Same as :meth:`to_frame`."""
        return self.to_frame()

    def counts(self) -> pd.Series:
        """Number of units in each cluster, in the order of :data:`CLUSTERS`."""
        return self.table["cluster"].value_counts().reindex(list(CLUSTERS), fill_value=0)

    def summary(self) -> str:
        """A plain-text report: settings, cluster counts and the significant units."""
        title = f"Local Moran's I (LISA): {self.column}"
        lines = [title, "=" * len(title)]
        lines.append(f"units: {len(self.table)}   weights: {self.weights} (row-standardised)")
        lines.append(
            f"conditional permutations: {self.permutations} (seed {self.seed})   "
            f"significance: p <= {self.alpha:g} (not adjusted for multiple testing)"
        )
        lines.append(f"global Moran's I with these weights: {_fmt(self.diagnostics['moran_i'])}")
        lines.append("")
        counts = self.counts()
        lines.append("   ".join(f"{c}: {int(counts[c])}" for c in CLUSTERS))
        for c in CLUSTERS[:4]:
            units = self.table.loc[self.table["cluster"] == c, "label"].tolist()
            if units:
                lines.append(f"{c}: {_list(units, limit=15)}")
        untested = self.table.loc[self.table["island"], "label"].tolist()
        if untested:
            lines.append(f"islands (no neighbours, not tested): {_list(untested)}")
        for link in self.diagnostics.get("connected", []):
            lines.append(f"island linked: {link['island']} -> {link['neighbour']}")
        if self.diagnostics.get("dropped"):
            lines.append(f"dropped (missing value): {_list(list(self.diagnostics['dropped']))}")
        if self.diagnostics.get("no_geometry"):
            left_out = _list(list(self.diagnostics["no_geometry"]))
            lines.append(f"left out (no geometry): {left_out}")
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.summary()

    def _repr_html_(self) -> str:
        import html

        counts = self.counts()
        cells = "".join(
            f'<td style="background:{CLUSTER_COLOURS[c]}">{html.escape(c)}: {int(counts[c])}</td>'
            for c in CLUSTERS
        )
        return (
            f'<div class="ebpm-lisa"><pre>{html.escape(self.summary())}</pre>'
            f"<table><tr>{cells}</tr></table></div>"
        )

    def plot(self, ax: Any = None, *, title: str | None = None, legend: bool = True) -> Any:
        """Cluster map: HH red, LL blue, LH light blue, HL pink, not significant grey.

        Returns the Axes (a new figure when ``ax`` is None). Japanese names in the column or
        title render with the bundled Japanese font (``ebpm.plotting``).
        """
        from matplotlib.patches import Patch

        from ebpm.plotting import get_ax

        ax = get_ax(ax, figsize=(7, 7))
        frame = self.frame
        clusters = self.table["cluster"].to_numpy()
        colours = [CLUSTER_COLOURS[c] for c in clusters]
        frame.plot(ax=ax, color=colours, edgecolor="white", linewidth=0.3)
        ax.set_axis_off()
        font = _font()
        ax.set_title(
            title or f"LISA cluster map: {self.column} (p <= {self.alpha:g})", fontproperties=font
        )
        if legend:
            counts = self.counts()
            handles = [
                Patch(
                    facecolor=CLUSTER_COLOURS[c], edgecolor="0.5", label=f"{c} ({int(counts[c])})"
                )
                for c in CLUSTERS
            ]
            ax.legend(
                handles=handles,
                loc="lower right",
                frameon=False,
                title="cluster",
                prop=font,
                title_fontproperties=font,
            )
        return ax

    def to_dict(self) -> dict[str, Any]:
        """A JSON-serialisable dictionary of everything in the result (geometry excluded)."""
        return jsonable(
            {
                "method": "lisa",
                "column": self.column,
                "alpha": self.alpha,
                "permutations": self.permutations,
                "seed": self.seed,
                "weights": self.weights,
                "counts": self.counts(),
                "table": self.table,
                "diagnostics": dict(self.diagnostics),
                "provenance": dict(self.provenance),
            }
        )


def lisa(
    gdf: gpd.GeoDataFrame,
    column: str,
    *,
    w: Any = None,
    kind: WeightsKind | None = None,
    k: int | None = None,
    connect_islands: bool | int = False,
    ids: str | None = None,
    permutations: int = 999,
    seed: int | None = None,
    alpha: float = 0.05,
) -> LisaResult:
    """Local Moran's I (LISA) of ``column``: hot spots, cold spots and spatial outliers.

    Parameters
    ----------
    gdf : geopandas.GeoDataFrame
        One row per area, as in :func:`moran` (panels are refused; rows without geometry are
        left out with a warning). Not modified.
    column : str
        Numeric column; units with a missing value are dropped with a warning naming them.
    w, kind, k, connect_islands, ids :
        Weights, as in :func:`moran` (default queen contiguity), row-standardised on a copy.
    permutations : int, default 999
        Conditional permutations per unit (at least 1).
    seed : int, optional
        Seed of the permutations; None draws one and records it in ``result.seed``.
    alpha : float, default 0.05
        A unit is in a cluster when its pseudo p-value is at most ``alpha``.

    Returns
    -------
    LisaResult
        Per-unit ``table``, ``frame`` (GeoDataFrame), ``counts()``, ``summary()``,
        ``tidy()``, ``plot()`` (cluster map) and ``to_dict()``.

    Raises
    ------
    ColumnNotFoundError, NonNumericError, DataError, InvalidOptionError, MissingCRSError

    Notes
    -----
    ``I_i = (n - 1) z_i sum_j w_ij z_j / sum_j z_j^2`` (esda's ``Moran_Local``), with
    row-standardised weights. Quadrants: HH (high value, high neighbours), LL, LH (low value
    among high neighbours), HL. The pseudo p-value holds ``z_i`` fixed and permutes the other
    values (conditional randomisation), folded as in GeoDa:
    ``(min(#{I_i* >= I_i}, #{I_i* <= I_i}) + 1) / (permutations + 1)``, one-sided in the
    direction of the observed ``I_i``: under spatial randomness about ``2 * alpha`` of the units
    reach ``p <= alpha``. Unlike esda, ties count on both sides, so a unit whose value equals
    the mean (``I_i = 0`` under every permutation) gets p = 1 instead of the smallest p. The
    permutations are
    drawn here with ``numpy.random.default_rng(seed)`` (esda's version needs a numba compile
    of about 20 s per process). With many units some will pass ``alpha`` by chance: the
    p-values are not adjusted for multiple testing (Anselin 1995 suggests Bonferroni or a
    smaller ``alpha``; ``esda.fdr`` gives a false-discovery-rate cut-off).

    References
    ----------
    Anselin, L. (1995). Local indicators of spatial association - LISA. *Geographical
    Analysis*, 27(2), 93-115.
    """
    import esda

    permutations = _check_int("permutations", permutations, minimum=1)
    seed = _check_seed(seed)
    if isinstance(alpha, bool) or not isinstance(alpha, int | float) or not 0 < alpha < 1:
        raise InvalidOptionError(f"alpha={alpha!r} must be between 0 and 1, e.g. 0.05")
    prep = _prepare(
        gdf, column, w=w, kind=kind, k=k, connect_islands=connect_islands, ids=ids, func="lisa"
    )
    wr = _row_standardised(prep.built.w)
    with np.errstate(all="ignore"):
        lm = esda.Moran_Local(prep.y, wr, transformation="r", permutations=0)
    z = np.asarray(lm.z, dtype=float)
    local_i = np.asarray(lm.Is, dtype=float)
    lag = np.asarray(wr.sparse @ z).ravel()
    island = np.asarray(wr.sparse.getnnz(axis=1) == 0)
    rng = np.random.default_rng(seed)
    p_sim = _permute_local(z, wr.sparse, local_i, permutations, rng)
    p_sim[island] = np.nan
    quadrant = np.array([_QUADRANTS[int(q)] for q in lm.q], dtype=object)
    quadrant[island] = None
    significant = ~island & (p_sim <= alpha)
    cluster = np.where(significant, quadrant, "not significant")
    unit = prep.frame[prep.id_col].tolist() if prep.id_col else prep.frame.index.tolist()
    table = pd.DataFrame(
        {
            "unit": unit,
            "label": prep.labels,
            "value": prep.y,
            "z": z,
            "lag": lag,
            "local_i": local_i,
            "p_sim": p_sim,
            "quadrant": quadrant,
            "cluster": cluster,
            "island": island,
        }
    )
    frame = prep.frame.copy()
    for col in ("local_i", "p_sim", "quadrant", "cluster"):
        frame[f"lisa_{col}"] = table[col].to_numpy()
    n = len(z)
    global_i = float(np.sum(local_i) * n / (wr.s0 * (n - 1)))  # sum of local I's, rescaled
    built = prep.built
    return LisaResult(
        column=str(column),
        table=table,
        frame=frame,
        alpha=float(alpha),
        permutations=permutations,
        seed=seed,
        weights=built.description,
        diagnostics={
            "islands": list(built.islands),
            "connected": list(built.connected),
            "n_components": built.n_components,
            "dropped": list(prep.dropped),
            "no_geometry": list(prep.no_geometry),
            "moran_i": global_i,
        },
        provenance=dict(gdf.attrs.get("ebpm", {})),
    )
