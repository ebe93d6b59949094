"""Rules shared by every function of ebpm.geo.spatial: one row per area. Panels (repeated codes
or geometries) are refused by name, rows without geometry are left out with a warning, the same
in weights(), moran() and lisa() (through the private module ``_units`` they all use)."""

from __future__ import annotations

import warnings

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import Polygon

from ebpm.errors import DataError, IslandWarning, UnmatchedRowsWarning
from ebpm.geo.spatial import lisa, moran, weights


@pytest.fixture(scope="module")
def panel(prefectures) -> gpd.GeoDataFrame:
    """Prefectures x two years, the shape of an e-Stat table joined with attach()."""
    rng = np.random.default_rng(2024)
    years = [prefectures.assign(year=y, value=rng.normal(size=47)) for y in (2015, 2020)]
    return pd.concat(years, ignore_index=True)


def test_panel_data_with_repeated_codes_is_refused_by_name(panel) -> None:
    # Before: the index was used silently, each polygon became its own copy's neighbour and
    # moran() reported a strong, spurious autocorrelation.
    fix = r"one row per area: filter first, e\.g\. gdf\[gdf\['year'\] == 2020\]"
    repeated = (
        r"the 'code' column repeats 47 value\(s\): "
        r"01 北海道, 02 青森県, 03 岩手県, 04 宮城県, 05 秋田県 and 42 more \(94 of 94 rows\)"
    )
    for func in (
        lambda g: weights(g),
        lambda g: moran(g, "value", seed=1),
        lambda g: lisa(g, "value", seed=1, permutations=9),
    ):
        with pytest.raises(DataError, match=repeated + r".*" + fix):
            func(panel)
    with pytest.raises(DataError, match=r"ids='code' repeats 47 value\(s\): 01 北海道.*" + fix):
        moran(panel, "value", ids="code")
    one_year = panel[panel["year"] == 2020]
    with pytest.warns(IslandWarning):
        filtered = moran(one_year, "value", seed=1)
    with pytest.warns(IslandWarning):
        direct = moran(one_year.reset_index(drop=True), "value", seed=1)
    assert filtered.n_obs == 47
    assert filtered.estimate == pytest.approx(direct.estimate, rel=1e-12)


def test_repeated_geometries_are_refused_even_with_unique_ids(panel) -> None:
    fix = r"one row per area: filter first, e\.g\. gdf\[gdf\['year'\] == 2020\]"
    rows = panel.assign(row=[f"r{i}" for i in range(len(panel))])
    with pytest.raises(
        DataError,
        match=r"47 geometr(y|ies) appear more than once.*r0 北海道 = r47 北海道.*" + fix,
    ):
        moran(rows, "value", ids="row", seed=1)
    with pytest.raises(DataError, match=r"appear more than once: 0 北海道 = 47 北海道"):
        weights(panel.drop(columns="code"))
    with pytest.raises(DataError, match="appear more than once"):
        weights(panel.drop(columns="code"), kind="knn", k=3)
    # the advice names the panel's own time column when it has one
    fiscal = panel.rename(columns={"year": "fiscal_year"}).drop(columns="code")
    with pytest.raises(DataError, match=r"gdf\[gdf\['fiscal_year'\] == 2020\]"):
        lisa(fiscal, "value", seed=1)


def national_row(prefectures, geometry) -> gpd.GeoDataFrame:
    """The prefectures plus e-Stat's national total row, kept by attach() without geometry."""
    values = np.arange(47, dtype=float) ** 1.2
    prefs = prefectures.assign(value=values)
    total = gpd.GeoDataFrame(
        {"code": ["00000"], "name_ja": ["全国"], "value": [values.sum()]},
        geometry=[geometry],
        crs=prefectures.crs,
    )
    return pd.concat([total, prefs], ignore_index=True)


@pytest.mark.parametrize("geometry", [None, Polygon()], ids=["null", "empty"])
def test_rows_without_geometry_are_left_out_with_a_warning(prefectures, geometry) -> None:
    data = national_row(prefectures, geometry)
    message = r"1 row\(s\) have no geometry and are left out: 00000 全国"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", IslandWarning)
        reference = moran(data.iloc[1:], "value", seed=3, connect_islands=True)
        with pytest.warns(UnmatchedRowsWarning, match=message):
            result = moran(data, "value", seed=3, connect_islands=True)
        assert result.n_obs == 47
        assert result.estimate == pytest.approx(reference.estimate, rel=1e-12)
        assert result.p_value == reference.p_value
        assert result.diagnostics["no_geometry"] == ["00000 全国"]
        with pytest.warns(UnmatchedRowsWarning, match=message):
            local = lisa(data, "value", seed=3, permutations=99, connect_islands=True)
        assert len(local.table) == 47
        assert "00000" not in set(local.table["unit"])
        assert "left out (no geometry): 00000 全国" in local.summary()
        with pytest.warns(UnmatchedRowsWarning, match=message):
            w = weights(data, connect_islands=True)
        assert w.n == 47
        assert "00000" not in w.id_order
        with pytest.warns(UnmatchedRowsWarning, match=message):  # the same w fits the same data
            again = moran(data, "value", w=w, seed=3)
        assert again.estimate == pytest.approx(reference.estimate, rel=1e-12)


def test_a_table_with_no_geometry_at_all_is_an_error(prefectures) -> None:
    data = national_row(prefectures, None).iloc[:1]
    with pytest.raises(DataError, match=r"no row has a geometry.*ebpm\.geo\.attach"):
        moran(data, "value")
