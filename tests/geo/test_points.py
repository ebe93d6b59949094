"""Points to areas (spatial join) with unmatched points reported, never dropped."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import box

from ebpm.errors import (
    ColumnNotFoundError,
    CRSMismatchWarning,
    MissingCRSError,
    NonNumericError,
    UnmatchedRowsWarning,
)
from ebpm.geo import assign_points


@pytest.fixture
def grid() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"code": ["A", "B"], "name": ["西", "東"]},
        geometry=[box(0, 0, 1, 1), box(1, 0, 2, 1)],
        crs="EPSG:4326",
    )


def test_points_get_the_area_they_are_in(grid):
    pts = pd.DataFrame({"id": [1, 2, 3], "lon": [0.5, 1.5, 0.2], "lat": [0.5, 0.5, 0.9]})
    out = assign_points(pts, grid, keep=["code", "name"])
    assert out["code"].tolist() == ["A", "B", "A"]
    assert out["name"].tolist() == ["西", "東", "西"]
    assert out["id"].tolist() == [1, 2, 3]  # order and rows kept
    assert "code" not in pts.columns  # input untouched


def test_points_outside_or_missing_are_kept_and_counted(grid):
    pts = pd.DataFrame({"lon": [0.5, 5.0, np.nan, 1.0], "lat": [0.5, 5.0, 0.5, 0.5]})
    with pytest.warns(UnmatchedRowsWarning, match=r"2 of 4 points lie in no area"):
        out = assign_points(pts, grid)
    assert out["code"].tolist()[0] == "A"
    assert out["code"].isna().tolist() == [False, True, True, False]
    assert out["code"].iloc[3] in ("A", "B")  # on the shared border: one of the two
    assert out.attrs["ebpm_geo"] == {"points": 4, "unmatched": 2}


def test_real_prefectures_tokyo_and_osaka_stations():
    from ebpm import catalog

    prefs = catalog.load("geo.japan_prefectures")
    stations = pd.DataFrame(
        {
            "station": ["東京駅", "大阪駅", "札幌駅", "博多駅"],
            "lon": [139.7671, 135.4959, 141.3508, 130.4207],
            "lat": [35.6812, 34.7025, 43.0687, 33.5897],
        }
    )
    out = assign_points(stations, prefs, keep=["code", "name_ja"])
    assert out["name_ja"].tolist() == ["東京都", "大阪府", "北海道", "福岡県"]


def test_crs_mismatch_is_reprojected_with_a_warning(grid):
    pts = gpd.GeoDataFrame(geometry=gpd.points_from_xy([0.5], [0.5]), crs="EPSG:4326").to_crs(
        "EPSG:3857"
    )
    with pytest.warns(CRSMismatchWarning, match=r"reprojected to the areas' CRS"):
        out = assign_points(pts, grid)
    assert out["code"].tolist() == ["A"]


def test_bad_input_is_named(grid):
    pts = pd.DataFrame({"x": [0.5], "lat": [0.5]})
    with pytest.raises(ColumnNotFoundError, match=r"no coordinate column 'lon'.*Pass lon="):
        assign_points(pts, grid)
    with pytest.raises(NonNumericError, match=r"coordinate column 'lon' is \w+, not numeric"):
        assign_points(pd.DataFrame({"lon": ["a"], "lat": [0.5]}), grid)
    with pytest.raises(MissingCRSError, match=r"areas has no CRS"):
        assign_points(
            pd.DataFrame({"lon": [0.5], "lat": [0.5]}), grid.set_crs(None, allow_override=True)
        )
    with pytest.raises(ColumnNotFoundError, match=r"areas has no columns \['cod'\].*'code'"):
        assign_points(pd.DataFrame({"lon": [0.5], "lat": [0.5]}), grid, keep=["cod"])
