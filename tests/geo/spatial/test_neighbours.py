"""Spatial weights (ebpm.geo.spatial.neighbours): contiguity, nearest neighbours, distance bands,
islands, the caller's own weights, and every bad input.

Reference values: libpysal's ``columbus.gal`` (queen contiguity as published) and hand-counted
neighbours on small lattices (tests/geo/spatial/conftest.py).
"""

from __future__ import annotations

import warnings

import geopandas as gpd
import libpysal
import pandas as pd
import pytest
from shapely.geometry import Point, box

from ebpm.errors import (
    ColumnNotFoundError,
    DataError,
    InvalidOptionError,
    IslandWarning,
    MissingCRSError,
    UnmatchedRowsWarning,
)
from ebpm.geo.spatial import KINDS, moran, weights
from tests.geo.spatial.conftest import EXAMPLES, grid, with_island


def test_queen_and_rook_on_a_grid_count_corner_and_edge_neighbours() -> None:
    g = grid(3, 3)
    queen = weights(g)
    rook = weights(g, kind="rook")
    assert queen.cardinalities[4] == 8
    assert rook.cardinalities[4] == 4
    assert queen.cardinalities[0] == 3
    assert rook.cardinalities[0] == 2
    assert sorted(rook.neighbors[1]) == [0, 2, 4]
    assert queen.transform == "O"
    assert queen.id_order == list(range(9))
    assert (queen.sparse != queen.sparse.T).nnz == 0  # symmetric


def test_queen_matches_the_published_columbus_gal_file(columbus) -> None:
    gal = libpysal.io.open(str(EXAMPLES / "columbus" / "columbus.gal")).read()
    ours = weights(columbus)
    assert ours.nonzero == gal.nonzero == 236
    for pos, key in enumerate(gal.id_order):  # GAL ids are 1..49 in file order
        assert sorted(ours.neighbors[pos]) == sorted(int(j) - 1 for j in gal.neighbors[key])


def test_tokyo_boundaries_digitised_without_shared_vertices_are_still_neighbours(tokyo) -> None:
    from libpysal.weights import Queen

    vertex = Queen.from_dataframe(tokyo, use_index=True, silence_warnings=True)
    assert len(vertex.islands) == 10  # false islands: borders touch but share no vertex
    with warnings.catch_warnings():
        warnings.simplefilter("error", IslandWarning)
        ours = weights(tokyo)
    assert ours.islands == []
    assert ours.n_components == 1
    assert ours.id_order[:2] == ["08203", "08204"]  # ids from the `code` column
    for key in ours.id_order:  # every vertex-based link is kept
        assert set(vertex.neighbors[tokyo.index[tokyo["code"] == key][0]]) <= {
            tokyo.index[tokyo["code"] == j][0] for j in ours.neighbors[key]
        }


def test_islands_warn_by_code_and_name() -> None:
    g = with_island()
    with pytest.warns(IslandWarning, match=r"1 unit\(s\) have no neighbours under queen.*99 離島"):
        w = weights(g)
    assert w.islands == ["99"]
    assert w.neighbors["01"] == ["02", "04", "05"]


def test_connect_islands_links_each_island_to_its_nearest_unit_both_ways() -> None:
    g = with_island()
    with pytest.warns(IslandWarning, match=r"99 離島 -> 03 区3 \(6\.0 km\)"):
        w = weights(g, connect_islands=True)
    assert w.islands == []
    assert w.neighbors["99"] == ["03"]
    assert "99" in w.neighbors["03"]
    with pytest.warns(IslandWarning, match="99 離島 -> 06 区6"):
        w2 = weights(g, connect_islands=2)
    assert sorted(w2.neighbors["99"]) == ["03", "06"]
    assert (w2.sparse != w2.sparse.T).nnz == 0


def test_prefecture_map_islands_are_hokkaido_and_okinawa(prefectures) -> None:
    with pytest.warns(IslandWarning, match="01 北海道, 47 沖縄県"):
        w = weights(prefectures)
    assert w.islands == ["01", "47"]
    with pytest.warns(IslandWarning, match=r"01 北海道 -> 02 青森県 \(3\d\d\.\d km\)"):
        w = weights(prefectures, connect_islands=True)
    assert w.islands == []
    assert w.neighbors["01"] == ["02"]
    assert w.neighbors["47"] == ["46"]
    # a projected CRS gives the same links
    with pytest.warns(IslandWarning):
        wp = weights(prefectures.to_crs("EPSG:6677"), connect_islands=True)
    assert wp.neighbors["47"] == ["46"]


def test_knn_gives_k_neighbours_and_uses_great_circle_distance(prefectures) -> None:
    w = weights(prefectures, kind="knn", k=4)
    assert set(w.cardinalities.values()) == {4}
    assert sorted(map(str, w.neighbors["13"])) == ["11", "12", "14", "19"]  # 東京都
    kanto = prefectures[prefectures["code"].isin(["08", "09", "10", "11", "12", "13", "14"])]
    geo_w = weights(kanto, kind="knn", k=1)
    planar_w = weights(kanto.to_crs("EPSG:6677"), kind="knn", k=1)
    assert geo_w.neighbors == planar_w.neighbors


def test_distances_on_longitude_latitude_are_great_circle_metres() -> None:
    # one degree of longitude on the equator: 2 * pi * 6371008.8 / 360 = 111195 m
    pts = gpd.GeoDataFrame({"code": ["a", "b"]}, geometry=[Point(0, 0), Point(1, 0)], crs=4326)
    assert weights(pts, kind="distance", threshold=111_300).neighbors["a"] == ["b"]
    with pytest.warns(IslandWarning, match=r"distance band \(<= 111\.1 km\): a, b"):
        weights(pts, kind="distance", threshold=111_100)


def test_knn_needs_k_below_n() -> None:
    g = grid(2, 2)
    with pytest.raises(InvalidOptionError, match="kind='knn' needs k"):
        weights(g, kind="knn")
    with pytest.raises(
        InvalidOptionError, match=r"k=4 must be smaller than the number of units \(4\)"
    ):
        weights(g, kind="knn", k=4)
    with pytest.raises(InvalidOptionError, match=r"k=0 is not allowed; k must be an integer >= 1"):
        weights(g, kind="knn", k=0)
    with pytest.raises(InvalidOptionError, match="k=2 is only used with kind='knn'"):
        weights(g, k=2)


def test_distance_band_default_gives_everyone_a_neighbour() -> None:
    g = with_island()
    w = weights(g, kind="distance")
    assert w.islands == []
    assert w.min_neighbors >= 1
    with pytest.warns(IslandWarning, match="99 離島"):  # 6 km away
        w2 = weights(g, kind="distance", threshold=1000.0)  # centroids 1 km apart: rook-like
    assert sorted(w2.neighbors["05"]) == ["02", "04", "06", "08"]
    with pytest.raises(InvalidOptionError, match="threshold=-1 is not allowed"):
        weights(g, kind="distance", threshold=-1)
    with pytest.raises(InvalidOptionError, match="threshold=5 is only used with kind='distance'"):
        weights(g, threshold=5)


def test_missing_crs_is_an_error_only_when_distances_are_needed() -> None:
    g = with_island(crs=None)
    with pytest.warns(IslandWarning):
        assert weights(g).n == 10  # contiguity needs no CRS
    with pytest.raises(MissingCRSError, match=r"no coordinate reference system.*assume_crs"):
        weights(g, kind="knn", k=2)
    with pytest.raises(MissingCRSError, match="connect_islands=True needs"):
        weights(g, connect_islands=True)
    with pytest.raises(MissingCRSError, match=r"assume_crs='EPSG:4326' to ebpm.geo.weights\(\)"):
        moran(g, "value", kind="knn", k=2)
    w = weights(g, kind="knn", k=2, assume_crs="EPSG:6677")
    assert g.crs is None
    assert w.n == 10


def test_missing_crs_on_longitude_latitude_data_hints_at_epsg_4326(prefectures) -> None:
    bare = prefectures.set_crs(None, allow_override=True)
    with pytest.raises(MissingCRSError, match=r"probably EPSG:4326 .* but ebpm will not guess"):
        weights(bare, kind="knn", k=3)


def test_weights_input_errors() -> None:
    g = grid(2, 2)
    with pytest.raises(InvalidOptionError, match=r"kind='quen'.*Did you mean 'queen'.*'distance'"):
        weights(g, kind="quen")
    with pytest.raises(DataError, match="takes a GeoDataFrame, got DataFrame"):
        weights(pd.DataFrame(g.drop(columns="geometry")))
    points = gpd.GeoDataFrame(
        {"a": [1, 2, 3]}, geometry=[Point(0, 0), Point(1, 0), Point(0, 1)], crs="EPSG:6677"
    )
    with pytest.raises(DataError, match=r"contiguity needs polygons.*0 \(Point\).*kind='knn'"):
        weights(points)
    assert weights(points, kind="knn", k=1).neighbors[0] in ([1], [2])
    dup = g.assign(code=["01", "01", "02", "03"])
    with pytest.raises(DataError, match=r"ids='code' repeats 1 value\(s\): 01 \(2 of 4 rows\)"):
        weights(dup, ids="code")
    with pytest.raises(DataError, match=r"ids='code' must identify units uniquely.*row\(s\) 3"):
        weights(g.assign(code=["01", "02", "03", None]), ids="code")
    with pytest.raises(
        ColumnNotFoundError, match=r"ids='cel' is not a column.*Did you mean 'cell'"
    ):
        weights(g, ids="cel")
    holes = g.copy()
    holes.loc[2, "geometry"] = None
    with pytest.warns(UnmatchedRowsWarning, match=r"1 row\(s\) have no geometry.*: r1c0"):
        assert weights(holes, ids="cell").id_order == ["r0c0", "r0c1", "r1c1"]
    with pytest.raises(InvalidOptionError, match="connect_islands=0 is not allowed"):
        weights(g, connect_islands=0)


def test_user_weights_are_aligned_by_id_not_by_position(columbus) -> None:
    w = weights(columbus)
    shuffled = columbus.sample(frac=1.0, random_state=4)
    assert moran(shuffled, "CRIME", w=w, seed=1).estimate == pytest.approx(0.500188557, abs=5e-10)


# --- what nothing above pins down ----------------------------------------------------------------
def test_knn_is_not_symmetric_on_points_along_a_line() -> None:
    # a at 0 m, b at 1 m, c at 3 m: a and b are each other's nearest, c's nearest is b
    pts = gpd.GeoDataFrame(
        {"code": ["a", "b", "c"]},
        geometry=[Point(0, 0), Point(1, 0), Point(3, 0)],
        crs="EPSG:6677",
    )
    w = weights(pts, kind="knn", k=1)
    assert {key: list(map(str, v)) for key, v in w.neighbors.items()} == {
        "a": ["b"],
        "b": ["a"],
        "c": ["b"],
    }
    assert w.transform == "O"
    assert KINDS == ("queen", "rook", "knn", "distance")


def test_rook_needs_a_shared_edge_or_an_overlap_and_queen_a_shared_point() -> None:
    # a and b overlap by 0.1 (digitising error); c touches b at the corner (2, 1) only
    units = gpd.GeoDataFrame(
        {"code": ["a", "b", "c"]},
        geometry=[box(0, 0, 1, 1), box(0.9, 0, 2, 1), box(2, 1, 3, 2)],
        crs="EPSG:6677",
    )
    with pytest.warns(IslandWarning, match=r"1 unit\(s\) have no neighbours under rook.*: c\."):
        rook = weights(units, kind="rook")
    assert rook.neighbors == {"a": ["b"], "b": ["a"], "c": []}
    assert weights(units).neighbors == {"a": ["b"], "b": ["a", "c"], "c": ["b"]}


def test_a_distance_band_in_a_projected_crs_is_in_its_own_units() -> None:
    # EPSG:2263 (New York, US feet): centroids at 500, 1500 and 5500 ft; a 1500 ft band
    units = grid(1, 3, crs="EPSG:2263")
    units.loc[2, "geometry"] = box(5000, 0, 6000, 1000)
    with pytest.warns(IslandWarning, match=r"distance band \(<= 1500 US survey foot\): 2\."):
        w = weights(units, kind="distance", threshold=1500)
    assert w.neighbors == {0: [1], 1: [0], 2: []}


def test_a_single_unit_has_no_distance_band_and_no_island_to_link() -> None:
    one = grid(1, 1)
    with pytest.raises(DataError, match=r"kind='distance' needs at least 2 units, got 1"):
        weights(one, kind="distance")
    with pytest.raises(DataError, match=r"weights\(\): cannot connect islands with a single unit"):
        weights(one, connect_islands=True)
    with pytest.raises(InvalidOptionError, match=r"threshold=True is not allowed; it must be a"):
        weights(grid(2, 2), kind="distance", threshold=True)


def test_a_libpysal_graph_is_taken_as_the_weights_it_holds() -> None:
    from libpysal.graph import Graph

    # 1 x 4 rook path, values 1, 2, 4, 8: z = (-2.75, -1.75, 0.25, 4.25), sum z^2 = 28.75,
    # z'Wz = 8.375 with row-standardised weights, so I = 8.375 / 28.75 = 67 / 230
    line = grid(1, 4, [1.0, 2.0, 4.0, 8.0])
    w = weights(line, kind="rook")
    as_w = moran(line, "value", w=w, permutations=0)
    as_graph = moran(line, "value", w=Graph.from_W(w), permutations=0)
    assert as_w.estimate == pytest.approx(67 / 230, abs=1e-12)
    assert as_graph.estimate == pytest.approx(67 / 230, abs=1e-12)
    assert as_graph.diagnostics["weights"] == "user-supplied weights"
    assert w.transform == "O"  # the caller's weights are not row-standardised in place


def test_islands_in_the_callers_weights_are_named_and_keep_a_zero_lag() -> None:
    from libpysal.weights import W

    # only units 0 and 1 are linked: S0 = 2, z'Wz = 2 * (-2.75) * (-1.75) = 9.625,
    # I = (4 / 2) * 9.625 / 28.75 = 77 / 115
    line = grid(1, 4, [1.0, 2.0, 4.0, 8.0])
    w = W({0: [1], 1: [0], 2: [], 3: []}, silence_warnings=True)
    with pytest.warns(
        IslandWarning,
        match=r"2 unit\(s\) have no neighbours in w: 2, 3\. .*connect_islands=True",
    ):
        result = moran(line, "value", w=w, permutations=0)
    assert result.estimate == pytest.approx(77 / 115, abs=1e-12)
    assert result.diagnostics["islands"] == ["2", "3"]
