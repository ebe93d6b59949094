"""Spatial weights, global Moran's I and LISA (ebpm.geo.spatial).

Reference values come from published output on data bundled with libpysal (read from the
installed package folder, never downloaded): Columbus CRIME with queen contiguity in spdep
(Bivand) and the esda documentation's SIDS (OpenGeoDa replication) and St Louis examples.
"""

from __future__ import annotations

import itertools
import json
import math
import warnings
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import geopandas as gpd
import libpysal
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import Point, Polygon, box

from ebpm import geo
from ebpm.errors import (
    ColumnNotFoundError,
    DataError,
    InvalidOptionError,
    IslandWarning,
    MissingCRSError,
    NonNumericError,
    UnmatchedRowsWarning,
)
from ebpm.estimators._common import MissingValueWarning
from ebpm.geo.spatial import CLUSTER_COLOURS, LisaResult, lisa, moran, weights
from ebpm.results import TIDY_COLUMNS, EstimateResult

EXAMPLES = Path(libpysal.__file__).parent / "examples"


# --- data --------------------------------------------------------------------------------------
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


# --- weights -----------------------------------------------------------------------------------
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


# --- global Moran's I --------------------------------------------------------------------------
def test_moran_reproduces_the_published_columbus_crime_value(columbus) -> None:
    # spdep: moran.test(CRIME, nb2listw(poly2nb(columbus))) -> I = 0.500188557,
    # E[I] = -0.020833333, variance 0.008689289 (randomisation), standard deviate 5.5894.
    result = moran(columbus, "CRIME", seed=20240601)
    assert result.estimate == pytest.approx(0.500188557, abs=5e-10)
    d = result.diagnostics
    assert d["expected_i"] == pytest.approx(-0.020833333, abs=5e-10)
    assert d["variance_rand"] == pytest.approx(0.008689289, abs=5e-10)
    assert d["z_rand"] == pytest.approx(5.5894, abs=5e-5)
    assert result.p_value == pytest.approx(1 / 1000)  # no permutation reaches I
    assert d["p_two_sided"] == pytest.approx(2 / 1000)
    assert d["weights"] == "queen contiguity"


def test_moran_reproduces_published_esda_examples_with_their_gal_weights() -> None:
    # esda docs: SIDR74 on sids2.gal "replicating OpenGeoda": I = 0.248,
    # p_norm = 0.0001158330781489969; HR8893 on stl.gal: I = 0.24365582621771659,
    # E[I] = -0.012987012987012988, p_norm = 0.00027147862770937614.
    sids = gpd.read_file(EXAMPLES / "sids2" / "sids2.shp")
    gal = libpysal.io.open(str(EXAMPLES / "sids2" / "sids2.gal")).read()
    r = moran(sids, "SIDR74", w=gal, ids="FIPS", permutations=0)
    assert round(r.estimate, 3) == 0.248
    assert r.diagnostics["p_norm"] == pytest.approx(0.0001158330781489969, rel=1e-9)
    stl = gpd.read_file(EXAMPLES / "stl" / "stl_hom.shp")
    stl["poly"] = stl["POLY_ID_OG"].astype(str)
    gal = libpysal.io.open(str(EXAMPLES / "stl" / "stl.gal")).read()
    r = moran(stl, "HR8893", w=gal, ids="poly", permutations=0)
    assert r.estimate == pytest.approx(0.24365582621771659, abs=1e-12)
    assert r.diagnostics["expected_i"] == pytest.approx(-0.012987012987012988, abs=1e-15)
    assert r.diagnostics["p_norm"] == pytest.approx(0.00027147862770937614, rel=1e-9)
    assert gal.transform == "O"  # the caller's weights were not row-standardised in place


def test_moran_agrees_with_esda_called_directly(columbus) -> None:
    import esda
    from libpysal.weights import Queen

    w = Queen.from_dataframe(columbus, use_index=True, silence_warnings=True)
    ours = moran(columbus, "HOVAL", seed=1, permutations=4999)
    state = np.random.get_state()
    np.random.seed(7)
    ref = esda.Moran(columbus["HOVAL"].to_numpy(), w, permutations=4999)
    np.random.set_state(state)
    assert ours.estimate == pytest.approx(ref.I, rel=1e-12)
    d = ours.diagnostics
    for key, attr in [
        ("expected_i", "EI"),
        ("variance_norm", "VI_norm"),
        ("p_norm", "p_norm"),
        ("variance_rand", "VI_rand"),
        ("z_rand", "z_rand"),
        ("p_rand", "p_rand"),
    ]:
        assert d[key] == pytest.approx(getattr(ref, attr), rel=1e-10), key
    # permutation inference: same null distribution, up to Monte Carlo error
    assert ours.p_value == pytest.approx(ref.p_sim, abs=0.012)
    assert ours.std_error == pytest.approx(ref.seI_sim, rel=0.05)
    assert d["mean_sim"] == pytest.approx(ref.EI_sim, abs=0.006)


def test_permutation_p_value_matches_the_exact_permutation_distribution() -> None:
    values = [1.0, 5.0, 2.0, 8.0, 3.0, 9.0]  # 2 x 3 lattice, rook neighbours
    g = grid(2, 3, values)
    adj = np.zeros((6, 6))
    for a, b in [(0, 1), (1, 2), (3, 4), (4, 5), (0, 3), (1, 4), (2, 5)]:
        adj[a, b] = adj[b, a] = 1
    wr = adj / adj.sum(axis=1, keepdims=True)

    def moran_i(y):
        z = np.asarray(y) - np.mean(y)
        return float(z @ wr @ z / (z @ z))  # n / S0 = 1 with row-standardised weights

    observed = moran_i(values)
    perms = np.array([moran_i(p) for p in itertools.permutations(values)])
    exact = min(np.mean(perms >= observed - 1e-12), np.mean(perms <= observed + 1e-12))
    result = moran(g, "value", kind="rook", permutations=19999, seed=5)
    assert result.estimate == pytest.approx(observed, abs=1e-12)
    assert result.p_value == pytest.approx(exact, abs=0.01)


def test_two_blocks_give_the_known_moran_i_and_a_checkerboard_gives_minus_one() -> None:
    # 10 x 10 rook lattice, left half 1 and right half 0: I = (80 + 2 * (8 * 1/2 + 2 * 1/3)) / 100
    halves = np.tile(np.r_[np.ones(5), np.zeros(5)], (10, 1))
    result = moran(grid(10, 10, halves), "value", kind="rook", seed=3)
    assert result.estimate == pytest.approx((80 + 2 * (8 * 0.5 + 2 / 3)) / 100, abs=1e-12)
    assert result.p_value == pytest.approx(0.001)
    board = np.indices((6, 6)).sum(axis=0) % 2
    result = moran(grid(6, 6, board), "value", kind="rook", seed=3)
    assert result.estimate == pytest.approx(-1.0, abs=1e-12)
    assert result.p_value == pytest.approx(0.001)
    assert result.tidy()["statistic"].item() < -5


def test_spatially_random_values_are_rarely_significant() -> None:
    g = grid(10, 10)
    w = weights(g, kind="rook")
    rejections, estimates = 0, []
    for i in range(40):
        data = g.assign(value=np.random.default_rng(i).normal(size=100))
        r = moran(data, "value", w=w, permutations=199, seed=i)
        rejections += r.p_value <= 0.05
        estimates.append(r.estimate)
    # the folded pseudo p-value is one-sided in the observed direction: P(p <= .05) = .10
    assert rejections <= 9  # expected 4 of 40; P(Binomial(40, 0.1) >= 10) < 0.02
    assert np.mean(estimates) == pytest.approx(-1 / 99, abs=0.03)


def test_seeded_permutations_are_reproducible_and_leave_numpy_global_state_alone(columbus):
    state = np.random.get_state()
    a = moran(columbus, "HOVAL", seed=11)
    b = moran(columbus, "HOVAL", seed=11)
    c = moran(columbus, "HOVAL", seed=12)
    after = np.random.get_state()
    assert all(np.array_equal(x, y) for x, y in zip(state[1:3], after[1:3], strict=True))
    pd.testing.assert_frame_equal(a.tidy(), b.tidy())
    assert a.std_error != c.std_error
    drawn = moran(columbus, "HOVAL")
    again = moran(columbus, "HOVAL", seed=drawn.diagnostics["seed"])
    assert isinstance(drawn.diagnostics["seed"], int)
    assert drawn.std_error == again.std_error
    assert drawn.p_value == again.p_value


def test_moran_on_tokyo_agrees_with_esda_on_the_same_weights(tokyo) -> None:
    import esda

    result = moran(tokyo, "POP65", seed=1)
    w = weights(tokyo)
    w.transform = "r"
    ref = esda.Moran(tokyo["POP65"].to_numpy(), w, permutations=0)
    assert result.estimate == pytest.approx(ref.I, rel=1e-12)
    assert result.estimate > 0.3
    assert result.p_value == pytest.approx(0.001)
    assert result.n_obs == 262
    assert result.design["unit"] == "code"


def test_moran_result_has_the_shared_shape_and_serialises(columbus, monkeypatch) -> None:
    before = columbus.copy()
    result = moran(columbus, "CRIME", seed=2)
    pd.testing.assert_frame_equal(columbus, before)
    assert isinstance(result, EstimateResult)
    assert result.method == "moran"
    assert tuple(result.tidy().columns[:7]) == TIDY_COLUMNS
    low, high = result.conf_int
    assert low < result.estimate < high
    assert result.std_error > 0
    assert "Moran's I of CRIME" in result.summary()
    assert "<table" in result._repr_html_()
    payload = json.loads(json.dumps(result.to_dict()))
    assert payload["provenance"]["entry"] == "test.columbus"
    assert payload["diagnostics"]["permutations"] == 999
    assert payload["diagnostics"]["seed"] == 2
    shown = []
    import ebpm.report

    monkeypatch.setattr(ebpm.report, "_display", shown.append)
    ebpm.report.headline(result, label="Crime clusters")
    assert shown[0][ebpm.report.RESULT_MIME]["label"] == "Crime clusters"
    assert "Moran's I of CRIME" in shown[0]["text/plain"]


def uses_japanese_font(text) -> bool:
    from matplotlib.font_manager import FontProperties, findfont

    return "ipaex" in Path(findfont(FontProperties(family=text.get_fontfamily()))).name.lower()


def test_moran_scatterplot(columbus) -> None:
    result = moran(columbus.rename(columns={"CRIME": "犯罪率"}), "犯罪率", seed=2)
    with matplotlib.rc_context({"font.family": ["DejaVu Sans"]}):
        _, ax = plt.subplots()
    assert result.plot(ax=ax) is ax
    assert len(ax.collections[0].get_offsets()) == 49
    line = ax.get_lines()[-1]
    xs, ys = line.get_data()
    assert (ys[1] - ys[0]) / (xs[1] - xs[0]) == pytest.approx(result.estimate)
    assert "I = 0.500" in ax.get_title()
    assert ax.get_xlabel() == "犯罪率 (standardised)"
    assert uses_japanese_font(ax.xaxis.label)
    assert uses_japanese_font(ax.title)
    plt.close("all")


def test_analytical_inference_with_zero_permutations(columbus) -> None:
    result = moran(columbus, "CRIME", permutations=0)
    assert result.p_value == pytest.approx(result.diagnostics["p_rand"])
    assert result.std_error == pytest.approx(math.sqrt(result.diagnostics["variance_rand"]))
    assert "analytical" in result.inference


def test_islands_keep_a_zero_lag_or_are_connected_in_moran() -> None:
    g = with_island()
    with pytest.warns(IslandWarning, match="99 離島"):
        kept = moran(g, "value", seed=1)
    assert kept.diagnostics["islands"] == ["99 離島"]
    assert kept.diagnostics["connected"] == []
    with pytest.warns(IslandWarning, match="->"):
        linked = moran(g, "value", seed=1, connect_islands=True)
    assert linked.diagnostics["connected"][0]["neighbour"] == "03 区3"
    assert linked.diagnostics["connected"][0]["distance"] == pytest.approx(6000.0)
    assert "islands linked" in linked.design["weights"]


def test_missing_values_are_dropped_with_a_warning_naming_the_units(columbus) -> None:
    data = columbus.copy()
    data.loc[[3, 7], "CRIME"] = np.nan
    with pytest.warns(
        MissingValueWarning, match=r"dropped 2 of 49 unit\(s\) with a missing 'CRIME': 3, 7"
    ):
        result = moran(data, "CRIME", seed=1)
    assert result.n_obs == 47
    assert result.diagnostics["dropped"] == ["3", "7"]
    gal = libpysal.io.open(str(EXAMPLES / "columbus" / "columbus.gal")).read()
    data["poly"] = [str(i) for i in range(1, 50)]
    with pytest.warns(MissingValueWarning):
        subset = moran(data, "CRIME", w=gal, ids="poly", seed=1)
    assert subset.estimate == pytest.approx(result.estimate, rel=1e-12)


def test_user_weights_are_aligned_by_id_not_by_position(columbus) -> None:
    w = weights(columbus)
    shuffled = columbus.sample(frac=1.0, random_state=4)
    assert moran(shuffled, "CRIME", w=w, seed=1).estimate == pytest.approx(0.500188557, abs=5e-10)


def test_moran_input_errors(columbus) -> None:
    with pytest.raises(
        ColumnNotFoundError, match=r"column='CRIM' is not a column.*Did you mean 'CRIME'"
    ):
        moran(columbus, "CRIM")
    text = columbus.assign(CRIME=columbus["CRIME"].astype(str))
    text.loc[5, "CRIME"] = "n/a"
    with pytest.raises(
        NonNumericError, match=r"column='CRIME' must be numeric; it holds 'n/a' \(unit 5\)"
    ):
        moran(text, "CRIME")
    with pytest.raises(DataError, match="every value of column='CRIME' is missing"):
        moran(columbus.assign(CRIME=np.nan), "CRIME")
    with pytest.raises(DataError, match="at least 3 units"):
        moran(grid(1, 2, [1.0, 2.0]), "value")
    with pytest.raises(DataError, match=r"has the same value \(4\) in every unit"):
        moran(columbus.assign(CRIME=4.0), "CRIME")
    with pytest.raises(DataError, match=r"infinite for 0"):
        moran(columbus.assign(CRIME=np.r_[np.inf, columbus["CRIME"].to_numpy()[1:]]), "CRIME")
    with pytest.raises(InvalidOptionError, match=r"kind='nearest' is not supported.*Choose one of"):
        moran(columbus, "CRIME", kind="nearest")
    with pytest.raises(InvalidOptionError, match="permutations=-1 is not allowed"):
        moran(columbus, "CRIME", permutations=-1)
    with pytest.raises(InvalidOptionError, match="seed='a' is not allowed"):
        moran(columbus, "CRIME", seed="a")
    w = weights(columbus)
    with pytest.raises(InvalidOptionError, match="pass either w= or kind="):
        moran(columbus, "CRIME", w=w, kind="rook")
    with pytest.raises(DataError, match="w has 49 units but the data has 48 rows"):
        moran(columbus.iloc[1:], "CRIME", w=w)
    with pytest.raises(DataError, match=r"the ids of w .* match neither"):
        moran(columbus.set_index(columbus.index + 100), "CRIME", w=w)
    with pytest.raises(DataError, match=r"w must be a libpysal.weights.W"):
        moran(columbus, "CRIME", w=np.eye(49))
    with pytest.raises(DataError, match="takes a GeoDataFrame"):
        moran(pd.DataFrame({"CRIME": [1.0, 2.0, 3.0]}), "CRIME")


# --- LISA --------------------------------------------------------------------------------------
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


def test_lisa_finds_the_planted_clusters_and_outliers(planted) -> None:
    result = lisa(planted, "value", kind="rook", ids="cell", seed=8)
    cluster = result.table.set_index("unit")["cluster"]
    assert cluster["r2c2"] == "LH"
    assert cluster["r7c7"] == "HL"
    assert {cluster[c] for c in ("r1c1", "r1c3", "r3c1", "r3c3")} == {"HH"}
    assert {cluster[c] for c in ("r6c6", "r8c8", "r6c8")} == {"LL"}
    assert {cluster[c] for c in ("r0c9", "r9c0")} == {"not significant"}
    assert result.table.set_index("unit").loc["r7c7", "quadrant"] == "HL"
    assert "LH: r2c2" in result.summary()
    assert "HL: r7c7" in result.summary()
    counts = result.counts()
    assert list(counts.index) == ["HH", "LL", "LH", "HL", "not significant"]
    assert counts.sum() == 100


def test_lisa_local_statistics_agree_with_esda(columbus) -> None:
    import esda

    result = lisa(columbus, "CRIME", seed=1)
    w = weights(columbus)
    w.transform = "r"
    ref = esda.Moran_Local(columbus["CRIME"].to_numpy(), w, permutations=0)
    assert np.allclose(result.table["local_i"], ref.Is, rtol=1e-12)
    quad = result.table["quadrant"].map({"HH": 1, "LH": 2, "LL": 3, "HL": 4}).to_numpy()
    assert np.array_equal(quad, ref.q)
    assert result.diagnostics["moran_i"] == pytest.approx(0.500188557, abs=5e-10)


def test_lisa_p_values_match_exact_conditional_permutation() -> None:
    values = np.array([1.0, 2.0, 3.0, 4.0, 10.0])  # five squares in a row: a path graph
    g = grid(1, 5, values)
    result = lisa(g, "value", kind="rook", permutations=9999, seed=2)
    z = (values - values.mean()) / values.std()
    nbrs = {0: [1], 1: [0, 2], 2: [1, 3], 3: [2, 4], 4: [3]}
    for i, own in nbrs.items():
        observed = 4 * z[i] * z[own].mean() / (z @ z)
        others = [j for j in range(5) if j != i]
        draws = [
            4 * z[i] * z[list(d)].mean() / (z @ z) for d in itertools.permutations(others, len(own))
        ]
        draws = np.array(draws)
        tail = min(np.mean(draws >= observed - 1e-12), np.mean(draws <= observed + 1e-12))
        assert result.table["p_sim"][i] == pytest.approx(tail, abs=0.015), i
    # unit 3 holds the mean (4): I_3 = 0 under every permutation, so there is no evidence
    assert result.table["p_sim"][3] == 1.0
    assert result.table["cluster"][3] == "not significant"


def test_lisa_is_reproducible_and_marks_islands_untested() -> None:
    g = with_island()
    with pytest.warns(IslandWarning):
        a = lisa(g, "value", seed=4, permutations=199)
    with pytest.warns(IslandWarning):
        b = lisa(g, "value", seed=4, permutations=199)
    pd.testing.assert_frame_equal(a.tidy(), b.tidy())
    island = a.table.set_index("unit").loc["99"]
    assert island["island"]
    assert math.isnan(island["p_sim"])
    assert pd.isna(island["quadrant"])
    assert island["cluster"] == "not significant"
    assert "islands (no neighbours, not tested): 99 離島" in a.summary()
    with pytest.warns(IslandWarning):
        linked = lisa(g, "value", seed=4, permutations=199, connect_islands=True)
    assert not linked.table["island"].any()
    assert "not tested" not in linked.summary()
    assert "island linked: 99 離島 -> 03 区3" in linked.summary()


def test_lisa_result_frame_plot_and_dict(planted) -> None:
    before = planted.copy()
    result = lisa(planted, "value", kind="rook", seed=8)
    pd.testing.assert_frame_equal(planted, before)
    assert isinstance(result, LisaResult)
    frame = result.to_frame()
    assert isinstance(frame, gpd.GeoDataFrame)
    assert len(frame) == 100
    assert {"lisa_local_i", "lisa_p_sim", "lisa_quadrant", "lisa_cluster"} <= set(frame.columns)
    assert "lisa_cluster" not in planted.columns
    payload = json.loads(json.dumps(result.to_dict()))
    assert payload["counts"]["LH"] == 1
    assert len(payload["table"]) == 100
    with matplotlib.rc_context({"font.family": ["DejaVu Sans"]}):  # an Axes made before ebpm
        _, ax = plt.subplots()
    assert result.plot(ax=ax, title="高齢化率のクラスター") is ax
    faces = ax.collections[0].get_facecolors()
    lh = int(np.flatnonzero(planted["cell"] == "r2c2")[0])
    assert matplotlib.colors.to_hex(faces[lh]) == CLUSTER_COLOURS["LH"].lower()
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels[2] == "LH (1)"
    assert labels[-1].startswith("not significant")
    title = ax.title
    assert title.get_text() == "高齢化率のクラスター"
    assert uses_japanese_font(title)
    assert uses_japanese_font(ax.get_legend().get_texts()[0])
    plt.close("all")


def test_lisa_default_title_and_lazy_geo_exports(planted) -> None:
    result = geo.lisa(planted, "value", kind="rook", seed=8, alpha=0.01)
    ax = result.plot()
    assert ax.get_title() == "LISA cluster map: value (p <= 0.01)"
    assert geo.weights is weights
    assert geo.moran is moran
    plt.close("all")


def test_lisa_input_errors(columbus) -> None:
    with pytest.raises(InvalidOptionError, match=r"alpha=1.5 must be between 0 and 1"):
        lisa(columbus, "CRIME", alpha=1.5)
    with pytest.raises(InvalidOptionError, match=r"permutations=0 is not allowed.*>= 1"):
        lisa(columbus, "CRIME", permutations=0)
    with pytest.raises(ColumnNotFoundError, match="Did you mean 'HOVAL'"):
        lisa(columbus, "hoval")


# --- one row per area: panels and rows without geometry -----------------------------------------
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


# --- honest wording of Moran's I -----------------------------------------------------------------
def test_moran_summary_says_what_the_interval_and_the_test_are(columbus) -> None:
    result = moran(columbus, "CRIME", seed=2)
    text = result.summary()
    sd = result.diagnostics["sd_sim"]
    assert result.std_error == pytest.approx(sd)
    low, high = result.conf_int
    assert result.estimate - low == pytest.approx(1.959964 * sd, rel=1e-6)
    assert high - result.estimate == pytest.approx(1.959964 * sd, rel=1e-6)
    assert (
        "interval: I ± 1.96 × sd of the permutation distribution "
        "(a rough guide; use the permutation p-value)" in text
    )
    assert "null hypothesis: spatial randomness given the weights" in text
    assert "identifying assumption" not in text
    # the published payload says so too (the site index does not call it a CI)
    assert result.to_dict()["interval_label"] == result.interval_label
    assert "permutation distribution" in result.interval_label
    assert "confidence intervals" not in text
    assert "descriptive" in result.assumption
    assert "queen contiguity" in result.estimand
    analytical = moran(columbus, "CRIME", permutations=0, conf_level=0.9)
    assert "interval: I ± 1.64 × sd under randomisation (analytical)" in analytical.inference
    assert "rough guide" in analytical.inference


def test_lisa_map_text_is_japanese_on_an_axes_made_after_rcdefaults():
    import matplotlib as mpl
    import matplotlib.pyplot as plt
    from matplotlib.font_manager import findfont

    from ebpm import geo

    tokyo = geo.tokyo()
    with mpl.rc_context():
        mpl.rcdefaults()
        _, ax = plt.subplots()
        local = geo.lisa(tokyo, "UNEMP", permutations=99, seed=1)
        local.plot(ax=ax, title="失業率のクラスター")
        assert findfont(ax.title.get_fontproperties()).endswith("ipaexg.ttf")
        plt.close("all")
