"""Who neighbours whom: spatial weights from contiguity (queen, rook), nearest neighbours or a
distance band, islands reported and optionally linked; the caller's own weights aligned with
the units; and the row-standardised copy :func:`moran` and :func:`lisa` use.

Contiguity is decided from the geometry itself (see :func:`weights`), so boundaries digitised
without shared vertices do not produce false islands.
"""

from __future__ import annotations

import logging
import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal, cast

import numpy as np
import pandas as pd

from ebpm.errors import DataError, InvalidOptionError, IslandWarning, MissingCRSError, check_option
from ebpm.geo.spatial._units import _check_int, _list, _units

if TYPE_CHECKING:  # pragma: no cover
    import geopandas as gpd
    from libpysal.weights import W

log = logging.getLogger(__name__)


WeightsKind = Literal["queen", "rook", "knn", "distance"]
#: Kinds of spatial weights :func:`weights` builds.
KINDS: tuple[str, ...] = ("queen", "rook", "knn", "distance")


#: Mean Earth radius (IUGG), metres: great-circle distances for geographic coordinates.
EARTH_RADIUS_M = 6_371_008.8


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
    kind, n_connect = _check_weights_options(
        kind, k=k, threshold=threshold, connect_islands=connect_islands
    )
    n = len(gdf)
    points = _Points(gdf, assume_crs, func=func)
    if kind in ("queen", "rook"):
        w, description = _contiguity(gdf, id_values, labels, kind=kind)
    elif kind == "knn":
        w, description = _knn(points, id_values, n=n, k=k)
    else:  # distance band
        w, description = _distance_band(points, id_values, n=n, threshold=threshold)

    islands_pos = [p for p in range(n) if w.cardinalities[id_values[p]] == 0]
    island_labels = tuple(labels[p] for p in islands_pos)
    connected: list[dict[str, Any]] = []
    if islands_pos and n_connect:
        w, connected = _link_islands(
            w, points, id_values, labels, islands_pos, n=n, n_connect=n_connect, func=func
        )
        description += f"; islands linked to their {n_connect} nearest unit(s)"
    if island_labels:
        _warn_islands(
            island_labels,
            connected,
            kind=kind,
            description=description,
            unit=points.unit,
            stacklevel=stacklevel + 1,
        )
    return _Built(
        w=w,
        description=description,
        islands=island_labels,
        connected=tuple(connected),
        n_components=int(w.n_components),
    )


def _check_weights_options(
    kind: str, *, k: int | None, threshold: float | None, connect_islands: bool | int
) -> tuple[str, int]:
    """``kind`` checked, and how many nearest units each island is linked to (0: none)."""
    kind = check_option("kind", kind, KINDS)
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
    return kind, n_connect


class _Points:
    """The units' centroids, computed on first need (it is then that a CRS is required), and
    distances between them in metres (geographic CRS) or CRS units."""

    def __init__(self, gdf: gpd.GeoDataFrame, assume_crs: Any, *, func: str) -> None:
        self.gdf, self.assume_crs, self.func = gdf, assume_crs, func
        self.points: tuple[np.ndarray, bool] | None = None
        self.unit: str | None = None

    def get(self, why: str) -> tuple[np.ndarray, bool]:
        """The centroids and whether they are on the sphere; ``why`` names the need in the
        message when the data has no CRS."""
        if self.points is None:
            self.gdf = _with_crs(self.gdf, self.assume_crs, why=why, func=self.func)
            self.points = _unit_points(self.gdf)
            if self.points[1]:
                self.unit = "metre"
            else:
                axis = self.gdf.crs.axis_info
                self.unit = axis[0].unit_name if axis else "CRS unit"
        return self.points

    def distances(self, d: np.ndarray) -> np.ndarray:
        """Great-circle distances for chords between points on the sphere, else ``d``."""
        if self.points is not None and self.points[1]:
            return cast(np.ndarray, _chord_to_arc(d))  # an array for an array
        return np.asarray(d, float)


def _contiguity(
    gdf: gpd.GeoDataFrame, id_values: Sequence[Any], labels: Sequence[str], *, kind: str
) -> tuple[W, str]:
    """Queen or rook contiguity between polygons (repaired copies of invalid ones)."""
    n = len(gdf)
    polygonal = gdf.geom_type.isin(["Polygon", "MultiPolygon"]).to_numpy()
    if not polygonal.all():
        bad = [f"{labels[int(p)]} ({gdf.geom_type.iloc[p]})" for p in np.flatnonzero(~polygonal)]
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
    return w, f"{kind} contiguity"


def _knn(points: _Points, id_values: Sequence[Any], *, n: int, k: int | None) -> tuple[W, str]:
    """Each unit's ``k`` nearest units by centroid distance."""
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
    coords, _ = points.get("kind='knn'")
    w = KNN.from_array(coords, k=k, ids=list(id_values), silence_warnings=True)
    return w, f"{k} nearest neighbours (centroid distance)"


def _distance_band(
    points: _Points, id_values: Sequence[Any], *, n: int, threshold: float | None
) -> tuple[W, str]:
    """Every unit within ``threshold`` (default: the smallest band that leaves no island)."""
    from libpysal.weights import DistanceBand
    from scipy.spatial import cKDTree

    if n < 2:
        raise DataError(f"kind='distance' needs at least 2 units, got {n}")
    coords, spherical = points.get("kind='distance'")
    if threshold is None:
        nearest, _ = cKDTree(coords).query(coords, k=2)
        band = float(nearest[:, 1].max()) * (1 + 1e-9)
        shown = float(points.distances(np.array(band)))
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
    return w, f"distance band (<= {_fmt_distance(shown, points.unit)})"


def _link_islands(
    w: W,
    points: _Points,
    id_values: Sequence[Any],
    labels: Sequence[str],
    islands_pos: Sequence[int],
    *,
    n: int,
    n_connect: int,
    func: str,
) -> tuple[W, list[dict[str, Any]]]:
    """``w`` with each island linked, both ways, to its ``n_connect`` nearest units; the links."""
    from scipy.spatial import cKDTree

    if n < 2:
        raise DataError(f"{func}(): cannot connect islands with a single unit")
    coords, _ = points.get("connect_islands=True")
    tree = cKDTree(coords)
    m = min(n_connect + 1, n)
    dist, idx = tree.query(coords[islands_pos], k=m)
    i0, j0 = _pairs_of(w)
    add_i, add_j = [], []
    connected: list[dict[str, Any]] = []
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
                    "distance": float(points.distances(np.array(d))),
                }
            )
    pairs = np.unique(
        np.column_stack([np.r_[i0, add_i], np.r_[j0, add_j]]).astype(np.int64), axis=0
    )
    return _w_from_pairs(n, pairs[:, 0], pairs[:, 1], id_values), connected


def _warn_islands(
    island_labels: Sequence[str],
    connected: Sequence[dict[str, Any]],
    *,
    kind: str,
    description: str,
    unit: str | None,
    stacklevel: int,
) -> None:
    """The :class:`IslandWarning` naming the islands, and the links when they were made."""
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
