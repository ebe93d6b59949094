"""Shared data of the map tests: the prefectures with a made-up indicator, a grid of six squares,
towns in a row, and the legend's texts; every figure is closed after each test."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import geopandas as gpd
import matplotlib.pyplot as plt
import numpy as np
import pytest
from shapely.geometry import box

from ebpm import catalog


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


@pytest.fixture(scope="module")
def _prefs_once():
    return catalog.load("geo.japan_prefectures")


@pytest.fixture
def prefs(_prefs_once):
    """The 47 prefectures with a made-up indicator (seeded) and a copy per test."""
    gdf = _prefs_once.copy()
    gdf["rate"] = np.random.default_rng(7).normal(50, 15, len(gdf)).round(2)
    return gdf


@pytest.fixture
def grid():
    """Six unit squares in a projected CRS with known values and names."""
    geoms = [box(i, j, i + 1, j + 1) for j in range(2) for i in range(3)]
    return gpd.GeoDataFrame(
        {
            "name": ["北町", "南町", "東村", "西村", "中央区", "港区"],
            "value": [1.5, 2.5, 10.0, 12.0, 30.0, 31.0],
        },
        geometry=geoms,
        crs="EPSG:6677",
    )


def _legend_texts(ax):
    return [t.get_text() for t in ax.get_legend().get_texts()]


def _towns(prefix: str = "13", n: int = 4):
    """``n`` unit squares in a row, municipal codes of prefecture ``prefix`` (lon/lat)."""
    return gpd.GeoDataFrame(
        {"code": [f"{prefix}{101 + i:03d}" for i in range(n)], "value": np.arange(n, dtype=float)},
        geometry=[box(139 + i, 35, 140 + i, 36) for i in range(n)],
        crs="EPSG:6668",
    )
