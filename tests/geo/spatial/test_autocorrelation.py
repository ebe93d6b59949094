"""Global Moran's I and local Moran, LISA (ebpm.geo.spatial.autocorrelation): published values,
exact permutation distributions, hand-computed lattices, islands, missing values, bad input.

Reference values come from published output on data bundled with libpysal (read from the
installed package folder, never downloaded): Columbus CRIME with queen contiguity in spdep
(Bivand) and the esda documentation's SIDS (OpenGeoDa replication) and St Louis examples.
"""

from __future__ import annotations

import itertools
import json
import math
import warnings

import geopandas as gpd
import libpysal
import numpy as np
import pandas as pd
import pytest

from ebpm.errors import (
    ColumnNotFoundError,
    DataError,
    InvalidOptionError,
    IslandWarning,
    NonNumericError,
)
from ebpm.estimators._common import MissingValueWarning
from ebpm.geo.spatial import lisa, moran, weights
from ebpm.results import TIDY_COLUMNS, EstimateResult
from tests.geo.spatial.conftest import EXAMPLES, grid, with_island


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
    footer = analytical.summary().splitlines()[-1]
    assert footer.startswith("(90% intervals: I ± z × sd under randomisation (analytical)")
    assert "permutation" not in footer


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


def test_lisa_input_errors(columbus) -> None:
    with pytest.raises(InvalidOptionError, match=r"alpha=1.5 must be between 0 and 1"):
        lisa(columbus, "CRIME", alpha=1.5)
    with pytest.raises(InvalidOptionError, match=r"permutations=0 is not allowed.*>= 1"):
        lisa(columbus, "CRIME", permutations=0)
    with pytest.raises(ColumnNotFoundError, match="Did you mean 'HOVAL'"):
        lisa(columbus, "hoval")


# --- by hand on a path of four squares ---------------------------------------------------------
# Values 1, 2, 4, 8 on a 1 x 4 rook lattice: z = y - 3.75 = (-2.75, -1.75, 0.25, 4.25),
# sum z^2 = 28.75; row-standardised lags W z = (-1.75, -1.25, 1.25, 0.25); z'Wz = 8.375.
PATH_VALUES = [1.0, 2.0, 4.0, 8.0]


def test_moran_on_a_path_of_four_by_hand() -> None:
    result = moran(grid(1, 4, PATH_VALUES), "value", kind="rook", permutations=0)
    assert result.estimate == pytest.approx(8.375 / 28.75, abs=1e-12)  # 67 / 230
    assert result.diagnostics["expected_i"] == pytest.approx(-1 / 3, abs=1e-12)
    assert result.n_obs == 4
    assert result.design == {
        "outcome": "value",
        "unit": "index",
        "n_units": 4,
        "weights": "rook contiguity",
    }
    assert result.inference.startswith("analytical test under randomisation")


def test_lisa_on_a_path_of_four_by_hand() -> None:
    result = lisa(grid(1, 4, PATH_VALUES), "value", kind="rook", seed=1, permutations=99)
    table = result.table
    # I_i = (n - 1) z_i (Wz)_i / sum z^2
    expected = [3 * z * lag / 28.75 for z, lag in [(-2.75, -1.75), (-1.75, -1.25), (0.25, 1.25)]]
    expected.append(3 * 4.25 * 0.25 / 28.75)
    np.testing.assert_allclose(table["local_i"], expected, rtol=1e-12)
    assert table["quadrant"].tolist() == ["LL", "LL", "HH", "HH"]
    sd = math.sqrt(28.75 / 4)  # z and lag are standardised
    np.testing.assert_allclose(table["lag"] * sd, [-1.75, -1.25, 1.25, 0.25], rtol=1e-12)
    np.testing.assert_allclose(table["z"] * sd, [-2.75, -1.75, 0.25, 4.25], rtol=1e-12)
    # the global I is the sum of the local ones times n / (S0 (n - 1))
    assert result.diagnostics["moran_i"] == pytest.approx(67 / 230, abs=1e-12)
    assert not table["island"].any()


def test_numbers_written_as_text_and_booleans_are_read_as_numbers() -> None:
    as_text = grid(1, 4).assign(value=["1", "2", "4", "8"])
    assert moran(as_text, "value", kind="rook", permutations=0).estimate == pytest.approx(
        67 / 230, abs=1e-12
    )
    # True, True, False, False: z = (.5, .5, -.5, -.5), Wz = (.5, 0, 0, -.5), I = .5 / 1
    flags = grid(1, 4).assign(flag=[True, True, False, False])
    assert moran(flags, "flag", kind="rook", permutations=0).estimate == pytest.approx(0.5)


def test_lisa_builds_the_weights_without_the_units_it_drops() -> None:
    # the missing middle square splits the path in two: (r0c0, r0c1) and (r0c3, r0c4)
    data = grid(1, 5, [1.0, 2.0, np.nan, 4.0, 8.0])
    with pytest.warns(MissingValueWarning, match=r"dropped 1 of 5 unit\(s\).*'value': r0c2\."):
        result = lisa(data, "value", kind="rook", ids="cell", seed=1, permutations=9)
    assert result.table["unit"].tolist() == ["r0c0", "r0c1", "r0c3", "r0c4"]
    assert result.diagnostics["dropped"] == ["r0c2"]
    assert result.diagnostics["n_components"] == 2
    assert "dropped (missing value): r0c2" in result.summary()


def test_interval_width_and_significance_level_must_be_fractions() -> None:
    line = grid(1, 4, PATH_VALUES)
    with pytest.raises(InvalidOptionError, match=r"conf_level=1\.5 must be between 0 and 1"):
        moran(line, "value", conf_level=1.5)
    with pytest.raises(InvalidOptionError, match=r"alpha=True must be between 0 and 1, e\.g\."):
        lisa(line, "value", alpha=True)


def test_moran_analytical_test_needs_four_units() -> None:
    three = grid(1, 3, [1.0, 2.0, 4.0])
    with pytest.raises(
        DataError, match=r"permutations=0\) needs at least 4 units, got 3.*Use permutations"
    ):
        moran(three, "value", kind="rook", permutations=0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # esda's RuntimeWarning (n - 3 = 0) does not leak
        result = moran(three, "value", kind="rook", permutations=99, seed=1)
    assert math.isfinite(result.p_value)
    assert math.isfinite(result.std_error)
    four = moran(grid(1, 4, [1.0, 2.0, 4.0, 3.0]), "value", kind="rook", permutations=0)
    assert math.isfinite(four.p_value)
    assert math.isfinite(four.std_error)


def test_moran_states_its_weights_and_test_in_japanese(columbus) -> None:
    located = columbus.set_crs("EPSG:4326", allow_override=True)
    result = moran(located, "CRIME", kind="knn", k=5, permutations=99, seed=1)
    said = result.said("ja")
    assert said["estimand"] == "CRIME のMoranのI（空間重み：重心間距離で最も近い5単位、行基準化）"
    assert said["inference"].startswith(
        "並べ替え検定（99 回、シード 1、疑似p値）。信頼区間：I ± 1.96"
    )
    assert said["interval_label"] == "信頼区間（I ± z × 並べ替え分布の標準偏差、目安）"
    assert result.estimand.startswith("Moran's I of CRIME (weights: 5 nearest neighbours")
    analytic = moran(columbus, "CRIME", permutations=0).said("ja")
    assert analytic["inference"].startswith("ランダム化のもとでの解析的検定")
    assert analytic["estimand"] == "CRIME のMoranのI（空間重み：クイーン型隣接、行基準化）"
