"""The layout of a map of Japan: which rows are in which prefecture, Okinawa in an inset at the
upper left (when the map is national), the frame that leaves a far outlying island part out,
and the borders between prefectures drawn over a municipal map."""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ebpm.errors import DataError, InvalidCodeError
from ebpm.geo.maps._frame import _CODE_COLUMNS, _NAME_COLUMNS

logger = logging.getLogger(__name__)


_OKINAWA = "47"


# Inset geometry, in fractions of the main Axes.
_INSET_MAX_W = 0.45  # the inset frame is never wider than this (the Sea of Japan is wide) ...
_INSET_MAX_H = 0.30  # ... nor taller than this
_INSET_MIN = 0.15  # ... nor narrower or lower than this
_INSET_MAX_ZOOM = 2.0  # Okinawa is drawn at most twice the scale of the main map
_INSET_MARGIN = 0.02


# A part of a unit lying beyond every other part by more than this share of the map's larger
# side is left outside the frame, when its unit has another part on the map.
_OUTLIER_GAP = 0.10


# --- Okinawa inset -------------------------------------------------------------------------
def _prefecture_of(value: Any, *, by_code: bool) -> str | None:
    from ebpm import japan

    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    try:
        if by_code:
            return japan.normalize_code(value, level="prefecture")
        return japan.prefecture_code(value)
    except (InvalidCodeError, TypeError, ValueError):
        return None


def _row_prefectures(gdf: Any) -> np.ndarray | None:
    """The 2-digit prefecture code of each row (``None`` where the value is missing), from the
    first code or name column that names prefectures.

    ``None`` when no column identifies prefectures (every non-missing value must parse).
    """
    for columns, by_code in ((_CODE_COLUMNS, True), (_NAME_COLUMNS, False)):
        for col in columns:
            if col not in gdf.columns:
                continue
            series = gdf[col]
            if not (
                pd.api.types.is_string_dtype(series)
                or pd.api.types.is_object_dtype(series)
                or pd.api.types.is_integer_dtype(series)
            ):
                continue
            present = series.dropna().unique()
            prefs = {v: _prefecture_of(v, by_code=by_code) for v in present}
            if not prefs or any(p is None for p in prefs.values()):
                continue
            out = series.map(prefs).to_numpy(dtype=object)
            out[pd.isna(out)] = None  # map leaves NaN where the value is missing
            return out
    return None


def _okinawa_rows(prefs: np.ndarray | None) -> np.ndarray | None:
    """Boolean mask of Okinawa rows from :func:`_row_prefectures`, or ``None``."""
    return None if prefs is None else prefs == _OKINAWA


def _frame_bounds(geoms: Any) -> tuple[tuple[float, float, float, float], np.ndarray]:
    """Bounds to show ``geoms`` in, and the rows with a far outlying part left outside them.

    A part (one polygon of a MultiPolygon) is left out when it lies beyond every other part,
    on one side, by more than ``_OUTLIER_GAP`` of the map's larger side, and its unit keeps
    another part inside: every unit stays on the map. Minamitorishima (小笠原村, 154°E) goes,
    while the Ogasawara and Daito islands, units or the only land of their unit, stay.
    """
    import shapely

    parts, unit = shapely.get_parts(np.asarray(geoms.to_numpy()), return_index=True)
    bounds = shapely.bounds(parts)  # minx, miny, maxx, maxy of each part
    keep = np.ones(len(parts), dtype=bool)
    span = max(np.ptp(bounds[:, [0, 2]]), np.ptp(bounds[:, [1, 3]]))
    trimmed = True
    while trimmed and keep.sum() > 1:
        trimmed = False
        for side in range(4):  # west, south (the least minimum), east, north (the greatest)
            idx = np.flatnonzero(keep)
            if side < 2:
                j = idx[np.argmin(bounds[idx, side])]
                rest = idx[idx != j]
                gap = bounds[rest, side].min() - bounds[j, side + 2]
            else:
                j = idx[np.argmax(bounds[idx, side])]
                rest = idx[idx != j]
                gap = bounds[j, side - 2] - bounds[rest, side].max()
            if gap > _OUTLIER_GAP * span and (unit[rest] == unit[j]).any():
                keep[j] = False
                trimmed = True
    cropped = np.zeros(len(geoms), dtype=bool)
    cropped[unit[~keep]] = True
    kept = bounds[keep]
    box = (
        float(kept[:, 0].min()),
        float(kept[:, 1].min()),
        float(kept[:, 2].max()),
        float(kept[:, 3].max()),
    )
    return box, cropped


def _padded(bounds: tuple[float, float, float, float]) -> tuple[float, float, float, float]:
    """``(xmin, xmax, ymin, ymax)``: ``bounds`` (minx, miny, maxx, maxy) with a 2% margin."""
    minx, miny, maxx, maxy = bounds
    pad_x, pad_y = 0.02 * (maxx - minx), 0.02 * (maxy - miny)
    return minx - pad_x, maxx + pad_x, miny - pad_y, maxy + pad_y


@dataclass(frozen=True)
class _InsetLayout:
    main_limits: tuple[float, float, float, float]  # xmin, xmax, ymin, ymax
    bounds: tuple[float, float, float, float]  # inset frame in main-Axes fractions
    limits: tuple[float, float, float, float]  # inset data limits


def _inset_layout(
    main: tuple[float, float, float, float], okinawa: tuple[float, float, float, float]
) -> _InsetLayout:
    """Crop the main map to ``main`` (the mainland's bounds); fit ``okinawa``'s bounds in a
    frame at its upper-left corner."""
    x0, x1, y0, y1 = _padded(main)
    width, height = x1 - x0, y1 - y0
    ominx, ominy, omaxx, omaxy = okinawa
    ow = max(omaxx - ominx, 1e-9 * width) * 1.2
    oh = max(omaxy - ominy, 1e-9 * height) * 1.2
    fw, fh = ow / width, oh / height  # Okinawa's share of the main frame at the main scale
    zoom = min(_INSET_MAX_ZOOM, _INSET_MAX_W / fw, _INSET_MAX_H / fh)
    bw, bh = max(fw * zoom, _INSET_MIN), max(fh * zoom, _INSET_MIN)
    cx, cy = (ominx + omaxx) / 2, (ominy + omaxy) / 2
    half_w, half_h = bw * width / zoom / 2, bh * height / zoom / 2
    return _InsetLayout(
        main_limits=(x0, x1, y0, y1),
        bounds=(_INSET_MARGIN, 1 - _INSET_MARGIN - bh, bw, bh),
        limits=(cx - half_w, cx + half_w, cy - half_h, cy + half_h),
    )


def _inset_hits_land(geoms: Any, okinawa: np.ndarray, layout: _InsetLayout) -> bool:
    from shapely.geometry import box

    x0, x1, y0, y1 = layout.main_limits
    fx, fy, fw, fh = layout.bounds
    width, height = x1 - x0, y1 - y0
    frame = box(x0 + fx * width, y0 + fy * height, x0 + (fx + fw) * width, y0 + (fy + fh) * height)
    mainland = geoms[~okinawa]
    return bool(len(mainland.sindex.query(frame, predicate="intersects")))


def _plan_inset(
    gdf: Any, inset: Any, prefs: np.ndarray | None
) -> tuple[np.ndarray, _InsetLayout, np.ndarray] | None:
    """Okinawa's rows, the inset layout and the rows with a part cropped, or ``None``."""
    if inset is False:
        return None
    okinawa = _okinawa_rows(prefs)
    searched = ", ".join(_CODE_COLUMNS + _NAME_COLUMNS)
    if okinawa is None or not okinawa.any():
        if inset is True:
            raise DataError(
                "inset=True draws Okinawa (沖縄県, code '47') in an inset, but no row was "
                f"recognised as Okinawa; the columns searched for prefecture codes or names are: "
                f"{searched}. Add a 'code' column (e.g. '47' or '47201'), or pass inset=False"
            )
        return None
    if okinawa.all():
        if inset is True:
            raise DataError(
                "inset=True: every row is in Okinawa, so there is no mainland for the main map; "
                "pass inset=False to map Okinawa alone"
            )
        return None
    main, main_cropped = _frame_bounds(gdf.geometry[~okinawa])
    south, south_cropped = _frame_bounds(gdf.geometry[okinawa])
    layout = _inset_layout(main, south)
    if inset == "auto" and _inset_hits_land(gdf.geometry, okinawa, layout):
        logger.info(
            "choropleth(): not a national map (an Okinawa inset would cover land at the upper "
            "left); drawing Okinawa in place. Pass inset=True to force the inset"
        )
        return None
    cropped = np.zeros(len(gdf), dtype=bool)
    cropped[~okinawa] = main_cropped
    cropped[okinawa] = south_cropped
    return okinawa, layout, cropped


def _border_plan(gdf: Any, pref_borders: Any, prefs: np.ndarray | None) -> np.ndarray | None:
    """Rows' prefecture codes when prefecture borders are to be drawn, else ``None``."""
    if pref_borders is False:
        return None
    if prefs is None:
        if pref_borders is True:
            searched = ", ".join(_CODE_COLUMNS + _NAME_COLUMNS)
            raise DataError(
                "pref_borders=True draws the borders between prefectures, but the prefecture of "
                f"the rows could not be told; the columns searched for prefecture codes or "
                f"names are: {searched}. Add a 'code' column (e.g. '13101'), or pass "
                "pref_borders=False"
            )
        return None
    distinct = len({p for p in prefs if p is not None})
    if pref_borders == "auto" and not (distinct >= 2 and len(gdf) > distinct):
        return None  # a map of prefectures, or of one prefecture's municipalities
    return prefs


def _union(shapes: np.ndarray) -> Any:
    """The union of ``shapes``: the fast coverage union for areas that tile without overlap
    and meet vertex to vertex (N03 boundaries), the general one otherwise.

    The general one serves areas that overlap (the 1990 Tokyo shapefile does) and areas where a
    corner of one lies in the middle of its neighbour's edge (a T-junction, as in the coarse N03
    boundaries): the coverage union keeps such an edge, silently, in an invalid result.
    """
    import shapely
    from shapely.errors import GEOSException

    try:
        merged = shapely.coverage_union_all(shapes)
    except GEOSException:  # "CoverageUnion cannot process overlapping inputs"
        return shapely.union_all(shapes)
    return merged if shapely.is_valid(merged) else shapely.union_all(shapes)


def _pref_border_lines(geoms: Any, prefs: np.ndarray) -> Any:
    """The lines between prefectures: each prefecture's outline less the coast."""
    import geopandas as gpd
    import shapely

    shapes = np.asarray(geoms.to_numpy())
    groups = pd.Series(prefs).groupby(pd.Series(prefs), sort=True).indices
    merged = np.array([_union(shapes[idx]) for idx in groups.values()], dtype=object)
    coast = shapely.boundary(_union(merged))
    lines = shapely.difference(shapely.boundary(merged), coast)
    return gpd.GeoSeries(lines[~shapely.is_empty(lines)], crs=geoms.crs)
