"""The frame a map draws: a GeoDataFrame with a CRS, one row per area (rows without geometry
left out with a warning), a numeric column, and a readable name for each row."""

from __future__ import annotations

import logging
import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from ebpm.errors import (
    ColumnNotFoundError,
    DataError,
    InvalidOptionError,
    MissingCRSError,
    NonNumericError,
    UnmatchedRowsWarning,
    did_you_mean,
)
from ebpm.geo._rows import panel_filter

logger = logging.getLogger(__name__)


# Columns searched, in order, to find which rows are Okinawa (prefecture code 47).
_CODE_COLUMNS = (
    "code",
    "pref_code",
    "prefecture_code",
    "city_code",
    "municipality_code",
    "lg_code",
    "jis_code",
    "N03_007",
)
_NAME_COLUMNS = (
    "name_ja",
    "prefecture",
    "pref_name",
    "prefecture_name",
    "pref",
    "name",
    "name_en",
    "N03_001",
)
_LABEL_COLUMNS = ("name_ja", "name", "name_en", "code")


_MAX_LISTED = 5  # missing units named in the footnote; more are counted


def _require_gdf(gdf: Any, func: str, assume_crs: Any) -> Any:
    """Return ``gdf`` (with ``assume_crs`` set when it had no CRS) or raise."""
    import geopandas as gpd

    if not isinstance(gdf, gpd.GeoDataFrame):
        hint = (
            "join the table to geometry first with ebpm.geo.attach(df, code=...)"
            if isinstance(gdf, pd.DataFrame)
            else "load one with ebpm.geo.prefectures() or ebpm.catalog.load(name)"
        )
        raise DataError(f"{func}() takes a GeoDataFrame, got {type(gdf).__name__}; {hint}")
    if gdf.empty:
        raise DataError(f"{func}() got an empty GeoDataFrame; check the filter that produced it")
    if gdf.crs is not None:
        return gdf
    if assume_crs is None:
        raise MissingCRSError(
            f"{func}(): the GeoDataFrame has no coordinate reference system (gdf.crs is None), "
            "so its coordinates cannot be placed. Set it with gdf.set_crs('EPSG:4326') (or the "
            "CRS the data came in), or pass assume_crs='EPSG:4326'"
        )
    from pyproj import CRS
    from pyproj.exceptions import CRSError

    try:
        crs = CRS.from_user_input(assume_crs)
    except CRSError as err:
        raise InvalidOptionError(
            f"assume_crs={assume_crs!r} is not a coordinate reference system pyproj knows; pass "
            "an EPSG code such as 'EPSG:4326' (longitude/latitude) or 'EPSG:6668' (JGD2011)"
        ) from err
    logger.info("%s(): the GeoDataFrame has no CRS; assuming %s", func, crs.to_string())
    return gdf.set_crs(crs)  # returns a copy; the caller's frame keeps crs=None


def _blank(value: Any) -> bool:
    """True for a missing or empty label (None, NaN, pd.NA, "" or only spaces)."""
    if isinstance(value, str):
        return not value.strip()
    return value is None or (pd.api.types.is_scalar(value) and bool(pd.isna(value)))


def _listed(items: Sequence[str]) -> str:
    shown = ", ".join(items[:_MAX_LISTED])
    more = len(items) - _MAX_LISTED
    return shown + (f" and {more} more" if more > 0 else "")


def _row_ids(gdf: Any, names: np.ndarray) -> list[str]:
    """``"code name"`` of each row for messages (e.g. "00000 全国"), or whichever exists."""
    code_col = next((c for c in _CODE_COLUMNS if c in gdf.columns), None)
    codes = [None] * len(gdf) if code_col is None else gdf[code_col].tolist()
    out = []
    for code, name in zip(codes, names, strict=True):
        if _blank(code) or str(code) == name:
            out.append(name)
        else:
            out.append(f"{code} {name}")
    return out


def _areas(gdf: Any, column: Any, func: str) -> tuple[Any, tuple[str, ...]]:
    """The rows that can be drawn, and the ids of those left out because they have no geometry.

    Rows with a null or empty geometry are dropped with an :class:`UnmatchedRowsWarning`; a
    frame where some area appears more than once (a panel) raises :class:`DataError`.
    """
    geoms = gdf.geometry
    absent = (geoms.isna() | geoms.is_empty).to_numpy()
    if absent.all():
        raise DataError(
            f"{func}(): none of the {len(gdf)} row(s) has a geometry, so there is nothing to "
            "draw; join the table to geometry with ebpm.geo.attach(df, code=...) and check the "
            "rows it reports as unmatched"
        )
    dropped: tuple[str, ...] = ()
    if absent.any():
        rest = gdf[absent]
        dropped = tuple(_row_ids(rest, _labels_of(rest, None)))
        warnings.warn(
            f"{func}(): {len(dropped)} row(s) have no geometry and are not drawn: "
            f"{_listed(list(dropped))}; they are left out of the classes too. Rows that "
            "ebpm.geo.attach could not match (such as the national total 00000 全国) have no "
            "geometry; drop them first with gdf[~(gdf.geometry.isna() | gdf.geometry.is_empty)]",
            UnmatchedRowsWarning,
            stacklevel=3,
        )
        gdf = gdf[~absent]
    _check_one_row_per_area(gdf, column, func)
    return gdf, dropped


def _check_one_row_per_area(gdf: Any, column: Any, func: str) -> None:
    """Raise when a code (column ``code``) or a geometry occurs in more than one row."""
    repeated = np.zeros(len(gdf), dtype=bool)
    listing = ""
    if "code" in gdf.columns:
        codes = key = gdf["code"]
        repeated = (codes.notna() & codes.duplicated(keep=False)).to_numpy()
        if repeated.any():
            items = list(dict.fromkeys(str(c) for c in codes[repeated]))
            listing = f"code {_listed(items)}"
    if not repeated.any():
        wkb = key = gdf.geometry.to_wkb()
        repeated = wkb.duplicated(keep=False).to_numpy()
        if not repeated.any():
            return
        first = ~wkb.duplicated(keep="first").to_numpy() & repeated
        items = list(_labels_of(gdf, None)[first])
        listing = f"same geometry: {_listed(items)}"
    skip = {column, gdf.geometry.name, *_CODE_COLUMNS, *_NAME_COLUMNS, *_LABEL_COLUMNS}
    example = panel_filter(gdf, key, repeated, skip)
    raise DataError(
        f"{func}(): {len(items)} area(s) appear more than once ({listing}), so their polygons "
        "would be drawn on top of each other and counted more than once in the classes. A "
        f"choropleth needs one row per area: filter first, e.g. {example}"
    )


def _check_column(gdf: Any, column: Any) -> None:
    if column not in gdf.columns or column == gdf.geometry.name:
        choices = [str(c) for c in gdf.columns if c != gdf.geometry.name]
        raise ColumnNotFoundError(
            f"column={column!r} is not a column of the GeoDataFrame."
            f"{did_you_mean(str(column), choices)} Columns are: {', '.join(choices)}."
        )


def _numeric_values(gdf: Any, column: str, func: str) -> pd.Series:
    """``gdf[column]`` as float64 (missing as NaN), or raise naming the first bad value."""
    series = gdf[column]
    if pd.api.types.is_bool_dtype(series):
        raise NonNumericError(
            f"{func}(): column={column!r} holds booleans; a choropleth maps numbers. Map a "
            f"number instead, e.g. gdf[{column!r}].astype(int) for a 0/1 share"
        )
    if pd.api.types.is_numeric_dtype(series):
        values = series.astype("float64")
    else:
        values = pd.to_numeric(series, errors="coerce")
        bad = series[values.isna() & series.notna()]
        if len(bad):
            raise NonNumericError(
                f"{func}(): column={column!r} must be numeric; it holds {bad.iloc[0]!r} (row "
                f"{bad.index[0]!r}). Map a numeric column, or convert this one with "
                f"pd.to_numeric(gdf[{column!r}], errors='coerce')"
            )
        values = values.astype("float64")
    infinite = np.isinf(values.to_numpy())
    if infinite.any():
        raise DataError(
            f"{func}(): column={column!r} holds {float(values[infinite].iloc[0])!r} (row "
            f"{values.index[infinite][0]!r}); replace infinite values with NaN (they are then "
            "drawn as missing) or with a finite value"
        )
    if values.isna().all():
        raise DataError(
            f"{func}(): every one of the {len(values)} values of column={column!r} is missing; "
            "check the join that filled it (ebpm.geo.attach reports unmatched rows)"
        )
    return values


def _labels_of(gdf: Any, label: Any) -> np.ndarray:
    """The name of each row: the first non-missing of ``label``, name_ja, name, name_en, code.

    Row by row, so a unit without a kanji name (67 of the Tokyo units) is named by the next
    column; a row with none of them is named by its index label.
    """
    columns = [c for c in _LABEL_COLUMNS if c in gdf.columns]
    if label is not None:
        _check_column(gdf, label)
        columns = [label, *(c for c in columns if c != label)]
    values = [gdf[c].tolist() for c in columns]
    out = np.empty(len(gdf), dtype=object)
    for i, idx in enumerate(gdf.index):
        out[i] = next((str(col[i]) for col in values if not _blank(col[i])), str(idx))
    return out
