"""Points to areas: which prefecture or municipality each point (facility, address, event) is in.

A spatial join with the checks an analyst needs: coordinates that are missing or outside the
areas are counted and reported, never dropped, and the layers' CRS are reconciled with a named
warning.
"""

from __future__ import annotations

import logging
import warnings
from typing import Any

import numpy as np
import pandas as pd

from ebpm.errors import (
    ColumnNotFoundError,
    CRSMismatchWarning,
    DataError,
    MissingCRSError,
    NonNumericError,
    UnmatchedRowsWarning,
    did_you_mean,
)

__all__ = ["assign_points"]

log = logging.getLogger(__name__)


def assign_points(
    data: pd.DataFrame,
    areas: Any,
    *,
    lon: str = "lon",
    lat: str = "lat",
    crs: Any = "EPSG:4326",
    keep: list[str] | tuple[str, ...] = ("code",),
) -> pd.DataFrame:
    """Add to each point the attributes of the area it lies in.

    Parameters
    ----------
    data : pandas.DataFrame or geopandas.GeoDataFrame
        The points: a GeoDataFrame of points, or a table with coordinate columns ``lon``/``lat``.
    areas : geopandas.GeoDataFrame
        Polygons, e.g. :func:`ebpm.geo.prefectures` or :func:`ebpm.geo.municipalities`.
    lon, lat : str
        Coordinate columns of a plain table (ignored for a GeoDataFrame).
    crs : str
        CRS of ``lon``/``lat`` (default longitude/latitude, EPSG:4326).
    keep : sequence of str
        Columns of ``areas`` to copy to each point (default ``code``).

    Returns
    -------
    pandas.DataFrame
        ``data`` with the ``keep`` columns added, in the same row order. Points in no area
        (at sea, outside the map, missing coordinates) get missing values and are counted in an
        :class:`~ebpm.errors.UnmatchedRowsWarning` and in ``attrs["ebpm_geo"]``. A point on a
        shared border goes to the first area that contains or touches it.
    """
    import geopandas as gpd

    if not isinstance(areas, gpd.GeoDataFrame):
        raise DataError(
            f"areas must be a GeoDataFrame of polygons, not {type(areas).__name__}; use "
            "ebpm.geo.prefectures() or ebpm.geo.municipalities(...)"
        )
    if areas.crs is None:
        raise MissingCRSError(
            "areas has no CRS; set it with areas.set_crs('EPSG:4326') (longitude/latitude) or "
            "the CRS its coordinates are in"
        )
    missing = [c for c in keep if c not in areas.columns]
    if missing:
        raise ColumnNotFoundError(
            f"areas has no columns {missing}; it has {list(map(str, areas.columns))}."
            f"{did_you_mean(missing[0], areas.columns)}"
        )
    if isinstance(data, gpd.GeoDataFrame):
        if data.crs is None:
            raise MissingCRSError(
                "the points have no CRS; set it with points.set_crs('EPSG:4326') or the CRS "
                "their coordinates are in"
            )
        pts = data.geometry
    else:
        for col in (lon, lat):
            if col not in data.columns:
                raise ColumnNotFoundError(
                    f"no coordinate column {col!r}; the table has {list(map(str, data.columns))}."
                    f"{did_you_mean(col, data.columns)} Pass lon=... and lat=..."
                )
            if not pd.api.types.is_numeric_dtype(data[col]):
                raise NonNumericError(
                    f"coordinate column {col!r} is {data[col].dtype}, not numeric; convert it "
                    "with pandas.to_numeric"
                )
        pts = gpd.GeoSeries(
            gpd.points_from_xy(data[lon].to_numpy(), data[lat].to_numpy()),
            index=data.index,
            crs=crs,
        )
    if pts.crs != areas.crs:
        warnings.warn(
            f"the points are in {pts.crs.to_string()} and the areas in "
            f"{areas.crs.to_string()}; the points were reprojected to the areas' CRS",
            CRSMismatchWarning,
            stacklevel=2,
        )
        pts = pts.to_crs(areas.crs)
    positions = np.arange(len(pts))
    left = gpd.GeoDataFrame({"_row": positions}, geometry=pts.to_numpy(), crs=areas.crs)
    valid = ~(left.geometry.is_empty | left.geometry.isna())
    right = areas[[*keep, areas.geometry.name]].reset_index(drop=True)
    joined = gpd.sjoin(left[valid.to_numpy()], right, how="left", predicate="intersects")
    joined = joined[~joined["_row"].duplicated(keep="first")].set_index("_row")
    out = data.copy()
    for col in keep:
        out[col] = joined[col].reindex(positions).to_numpy()
    matched = joined["index_right"].reindex(positions).notna()
    unmatched = int((~matched).sum())
    out.attrs = dict(data.attrs)
    out.attrs["ebpm_geo"] = {"points": len(out), "unmatched": unmatched}
    if unmatched:
        warnings.warn(
            f"{unmatched} of {len(out)} points lie in no area (missing coordinates, at sea, or "
            "outside the map); they are kept with missing area columns. Check their coordinates "
            "(lon/lat swapped?) or use more detailed polygons",
            UnmatchedRowsWarning,
            stacklevel=2,
        )
    return out
