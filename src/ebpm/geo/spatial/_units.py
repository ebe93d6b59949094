"""The units of a spatial statistic: one row per area, each with an id and a readable label.

Rows without geometry are left out with a warning naming them; repeated ids or geometries (a
panel, an area split over rows) are refused with the filter that fixes them.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ebpm.errors import (
    ColumnNotFoundError,
    DataError,
    InvalidOptionError,
    UnmatchedRowsWarning,
    did_you_mean,
)
from ebpm.geo._rows import panel_filter

if TYPE_CHECKING:  # pragma: no cover
    import geopandas as gpd


#: Columns tried, in order, to identify units when ``ids`` is not given.
_ID_COLUMNS = ("code",)
#: Columns tried, in order, to add a readable name to unit labels in messages.
_NAME_COLUMNS = ("name", "name_ja", "name_en")


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
