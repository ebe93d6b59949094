"""Shared data of the spatial tests: libpysal's bundled examples (read from the installed
package folder, never downloaded), the prefectures, and small lattices built by hand."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import geopandas as gpd
import libpysal
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import box

EXAMPLES = Path(libpysal.__file__).parent / "examples"


@pytest.fixture(scope="module")
def columbus() -> gpd.GeoDataFrame:
    gdf = gpd.read_file(EXAMPLES / "columbus" / "columbus.shp")
    gdf.attrs["ebpm"] = {"entry": "test.columbus", "source": "libpysal examples"}
    return gdf


@pytest.fixture(scope="module")
def tokyo() -> gpd.GeoDataFrame:
    gdf = gpd.read_file(EXAMPLES / "tokyo" / "tokyomet262.shp")
    stats = pd.read_csv(EXAMPLES / "tokyo" / "Tokyomortality.csv")
    merged = gdf.merge(stats, left_on="AreaID", right_on="IDnum0", validate="1:1")
    return merged.rename(columns={"GEOCODE": "code", "AREANAME": "name"})


@pytest.fixture(scope="module")
def prefectures() -> gpd.GeoDataFrame:
    from ebpm import catalog

    return catalog.load("geo.japan_prefectures")


def grid(nrows: int, ncols: int, values=None, *, crs: str | None = "EPSG:6677", size=1000.0):
    """A nrows x ncols lattice of squares (row-major), optionally with a ``value`` column."""
    cells = [
        box(c * size, -r * size, (c + 1) * size, -(r - 1) * size)
        for r in range(nrows)
        for c in range(ncols)
    ]
    gdf = gpd.GeoDataFrame(
        {"cell": [f"r{r}c{c}" for r in range(nrows) for c in range(ncols)]}, geometry=cells, crs=crs
    )
    if values is not None:
        gdf["value"] = np.asarray(values, dtype=float).ravel()
    return gdf


def with_island(crs: str | None = "EPSG:6677") -> gpd.GeoDataFrame:
    """A 3 x 3 block of 1 km squares plus one square 5 km east of its top row: 離島 is an island."""
    gdf = grid(3, 3, crs=crs)
    gdf["code"] = [f"{i:02d}" for i in range(1, 10)]
    gdf["name"] = [f"区{i}" for i in range(1, 10)]
    far = gpd.GeoDataFrame(
        {"cell": ["far"], "code": ["99"], "name": ["離島"]},
        geometry=[box(8000, 0, 9000, 1000)],
        crs=crs,
    )
    out = pd.concat([gdf, far], ignore_index=True)
    out["value"] = np.arange(len(out), dtype=float) ** 1.5
    return out


@pytest.fixture(scope="module")
def planted() -> gpd.GeoDataFrame:
    """10 x 10 lattice: high 5 x 5 block top-left with one low cell, low block bottom-right with
    one high cell, and a faint checkerboard elsewhere."""
    values = np.where(np.indices((10, 10)).sum(axis=0) % 2 == 0, 0.1, -0.1)
    values[:5, :5] = 10.0
    values[5:, 5:] = -10.0
    values[2, 2] = -10.0  # low among high: LH
    values[7, 7] = 10.0  # high among low: HL
    return grid(10, 10, values)
