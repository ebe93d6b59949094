"""Tests of ebpm rdd: published numbers, recovery of a known jump, invariance, error paths."""

from __future__ import annotations

import json
import subprocess
import sys
import warnings

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pandas as pd
import pytest
from matplotlib.axes import Axes

from ebpm.catalog import open_catalog
from ebpm.errors import (
    ColumnNotFoundError,
    DataError,
    EbpmWarning,
    EmptySideError,
    EstimationError,
    InvalidOptionError,
    MissingValueError,
    NonNumericError,
)
from ebpm.estimators._common import MissingValueWarning
from ebpm.estimators.rdd import BANDWIDTH_MULTIPLIERS, rdd
from ebpm.results import TIDY_COLUMNS, EstimateResult
from tests.conftest import ROOT

CATALOG_DIR = ROOT / "catalogs"
SENATE = {"outcome": "vote", "running": "margin"}
SIM = {"outcome": "y", "running": "x"}


def simulate_rd(*, effect: float, seed: int, n: int = 2000, cutoff: float = 0.0) -> pd.DataFrame:
    """A sharp RD: smooth quadratic in the score, a jump of ``effect`` at ``cutoff``."""
    rng = np.random.default_rng(seed)
    score = rng.uniform(-1, 1, n)
    y = 1 + 0.8 * score + 0.5 * score**2 + effect * (score >= 0) + rng.normal(0, 0.5, n)
    return pd.DataFrame(
        {"x": score + cutoff, "y": y, "g": rng.integers(0, 100, n), "w": rng.normal(0, 1, n)}
    )


@pytest.fixture(scope="module")
def senate() -> pd.DataFrame:
    return open_catalog(CATALOG_DIR).load("studies.senate")


@pytest.fixture(scope="module")
def senate_result(senate: pd.DataFrame) -> EstimateResult:
    with pytest.warns(MissingValueWarning, match=r"dropped 93 of 1390 rows .*\(vote: 93\)"):
        return rdd(senate, **SENATE)


@pytest.fixture(scope="module")
def sim() -> pd.DataFrame:
    return simulate_rd(effect=2.0, seed=20240601)


@pytest.fixture(scope="module")
def sim_result(sim: pd.DataFrame) -> EstimateResult:
    return rdd(sim, **SIM)


# --- published and reference numbers -------------------------------------------------------
def test_senate_matches_rdrobust_published_default(senate_result: EstimateResult) -> None:
    # rdrobust (Calonico, Cattaneo, Farrell & Titiunik) on the Senate data, all defaults:
    # conventional 7.414 (se 1.459), h = 17.754, robust 95% CI [4.094, 10.919].
    res = senate_result
    assert round(res.estimate, 3) == 7.414
    assert round(res.std_error, 3) == 1.459
    bw = res.diagnostics["bandwidth"]
    assert round(bw["h_left"], 3) == round(bw["h_right"], 3) == 17.754
    assert round(bw["b_left"], 3) == 28.028
    low, high = res.conf_int
    assert (round(low, 3), round(high, 3)) == (4.094, 10.919)
    assert res.p_value == pytest.approx(1.625e-5, rel=1e-3)
    assert res.n_obs == 1297
    assert dict(res.diagnostics["n_effective"]) == {"left": 360, "right": 323}
    assert res.design["n_left"] == 595
    assert res.design["n_right"] == 702


def test_senate_table_separates_conventional_and_robust(senate_result: EstimateResult) -> None:
    tidy = senate_result.tidy().set_index("term")
    assert list(tidy.index) == ["RD effect", "conventional", "robust bias-corrected"]
    robust, conventional = "robust bias-corrected", "conventional"
    assert list(tidy["interval"]) == [robust, conventional, robust]
    conv, rob = tidy.loc["conventional"], tidy.loc["robust bias-corrected"]
    assert (round(conv["conf_low"], 3), round(conv["conf_high"], 3)) == (4.555, 10.273)
    assert round(rob["estimate"], 3) == 7.507
    assert round(rob["std_error"], 3) == 1.741
    head = tidy.loc["RD effect"]
    assert head["estimate"] == conv["estimate"]
    assert head["std_error"] == conv["std_error"]
    assert (head["conf_low"], head["conf_high"]) == (rob["conf_low"], rob["conf_high"])
    assert head["p_value"] == rob["p_value"]
    assert "robust bias-corrected" in senate_result.inference
    assert "conventional estimate and SE" in senate_result.inference


def test_senate_density_test_matches_rddensity(senate_result: EstimateResult) -> None:
    # Cattaneo, Jansson & Ma (2020) on the Senate margin: T = -0.875, p = 0.381.
    dens = senate_result.diagnostics["density_test"]
    assert round(dens["statistic"], 3) == -0.875
    assert round(dens["p_value"], 3) == 0.381
    assert (dens["n_left"], dens["n_right"]) == (408, 460)


def test_bandwidth_sensitivity_table(senate_result: EstimateResult) -> None:
    sens = senate_result.diagnostics["bandwidth_sensitivity"]
    assert list(sens["multiplier"]) == list(BANDWIDTH_MULTIPLIERS)
    h = senate_result.diagnostics["bandwidth"]["h_left"]
    assert sens["h"].to_numpy() == pytest.approx(np.array(BANDWIDTH_MULTIPLIERS) * h)
    main = sens.loc[sens["multiplier"] == 1.0].iloc[0]
    assert main["estimate"] == pytest.approx(senate_result.estimate, abs=1e-9)
    assert main["conf_low"] == pytest.approx(senate_result.conf_int[0], abs=1e-6)
    assert main["n_left"] == 360
    assert sens["n_left"].is_monotonic_increasing
    assert sens["estimate"].between(6.5, 8.5).all()
    assert (sens["note"] == "").all()


def test_manual_bandwidth_matches_rdrobust(senate: pd.DataFrame) -> None:
    # rdrobust(vote, margin, h=10): conventional 7.984687 (b = h).
    with pytest.warns(MissingValueWarning):
        res = rdd(senate, **SENATE, bandwidth=10)
    assert res.estimate == pytest.approx(7.984687, abs=1e-6)
    bw = res.diagnostics["bandwidth"]
    assert (bw["h_left"], bw["b_left"], bw["selector"]) == (10.0, 10.0, "manual")


def test_cluster_matches_rdrobust(senate: pd.DataFrame) -> None:
    # rdrobust(vote, margin, cluster=state): 7.394838 (se 1.533925), 50 clusters, CR1.
    with pytest.warns(MissingValueWarning):
        res = rdd(senate, **SENATE, cluster="state")
    assert res.estimate == pytest.approx(7.394838, abs=1e-6)
    assert res.std_error == pytest.approx(1.533925, abs=1e-6)
    assert res.design["n_clusters"] == 50
    assert "cluster-robust (CR1) by state, 50 clusters" in res.inference
    assert res.glance().loc[0, "n_clusters"] == 50


def test_covariates_match_rdrobust(senate: pd.DataFrame) -> None:
    # rdrobust(vote, margin, covs=demvoteshlag1): 7.055396 on 578 + 678 observations.
    with pytest.warns(MissingValueWarning, match=r"demvoteshlag1: 41"):
        res = rdd(senate, **SENATE, covariates=["demvoteshlag1"])
    assert res.estimate == pytest.approx(7.055396, abs=1e-5)
    assert (res.design["n_left"], res.design["n_right"]) == (578, 678)
    assert res.design["covariates"] == ["demvoteshlag1"]


def test_uniform_kernel_equals_least_squares_within_the_bandwidth(sim: pd.DataFrame) -> None:
    h = 0.4
    res = rdd(sim, **SIM, bandwidth=h, kernel="uniform")
    x, y = sim["x"].to_numpy(), sim["y"].to_numpy()
    fits = []
    for mask in ((x < 0) & (x >= -h), (x >= 0) & (x <= h)):
        design = np.column_stack([np.ones(mask.sum()), x[mask]])
        fits.append(np.linalg.lstsq(design, y[mask], rcond=None)[0][0])
    assert res.estimate == pytest.approx(fits[1] - fits[0], abs=1e-8)
    assert res.diagnostics["kernel"] == "uniform"


def test_provenance_carries_the_catalog_entry(senate_result: EstimateResult) -> None:
    assert senate_result.provenance["entry"] == "studies.senate"
    assert senate_result.provenance["package"] == "rdrobust"


# --- simulated data ------------------------------------------------------------------------
def test_recovers_a_known_jump(sim_result: EstimateResult) -> None:
    res = sim_result
    assert abs(res.estimate - 2.0) < 3 * res.std_error
    low, high = res.conf_int
    assert low < 2.0 < high
    assert 0 < res.std_error < 0.2
    assert res.p_value < 1e-6
    assert res.n_obs == 2000
    assert res.diagnostics["density_test"]["p_value"] > 0.01  # uniform score: no manipulation


def test_null_effect_interval_covers_zero() -> None:
    res = rdd(simulate_rd(effect=0.0, seed=3), **SIM)
    low, high = res.conf_int
    assert low < 0 < high
    assert res.p_value > 0.05


def test_quadratic_fit_recovers_the_jump(sim: pd.DataFrame) -> None:
    res = rdd(sim, **SIM, p=2, kernel="epanechnikov")
    assert abs(res.estimate - 2.0) < 3 * res.std_error
    assert res.diagnostics["p"] == 2
    assert res.diagnostics["q"] == 3
    assert len(res.diagnostics["fit"]["left"]) == 3


def test_cutoff_away_from_zero(sim_result: EstimateResult) -> None:
    shifted = simulate_rd(effect=2.0, seed=20240601, cutoff=50.0)
    res = rdd(shifted, **SIM, cutoff=50)
    assert res.estimate == pytest.approx(sim_result.estimate, abs=1e-6)
    assert res.design["cutoff"] == 50.0
    assert "x = 50" in res.estimand


def test_row_order_does_not_matter(sim: pd.DataFrame, sim_result: EstimateResult) -> None:
    res = rdd(sim.sample(frac=1, random_state=4), **SIM)
    assert res.estimate == pytest.approx(sim_result.estimate, abs=1e-10)
    assert res.std_error == pytest.approx(sim_result.std_error, abs=1e-10)
    assert res.conf_int == pytest.approx(sim_result.conf_int, abs=1e-10)


def test_dtypes_do_not_matter(sim: pd.DataFrame, sim_result: EstimateResult) -> None:
    as_text = sim.assign(x=sim["x"].map(repr).astype(object), y=sim["y"].astype("Float64"))
    res = rdd(as_text, **SIM)
    assert res.estimate == pytest.approx(sim_result.estimate, abs=1e-10)


def test_cluster_ids_as_strings_give_the_same_answer(sim: pd.DataFrame) -> None:
    base = rdd(sim, **SIM, cluster="g")
    res = rdd(sim.assign(g="county-" + sim["g"].astype(str)), **SIM, cluster="g")
    assert res.estimate == pytest.approx(base.estimate, abs=1e-10)
    assert res.std_error == pytest.approx(base.std_error, abs=1e-10)
    assert res.design["n_clusters"] == 100


def test_data_is_not_modified(senate: pd.DataFrame) -> None:
    data = senate.copy()
    data.attrs = json.loads(json.dumps(senate.attrs, default=str))
    before = data.copy()
    with pytest.warns(MissingValueWarning):
        rdd(data, **SENATE, covariates=["demvoteshlag1"], cluster="state")
    pd.testing.assert_frame_equal(data, before)


def test_engines_print_nothing_and_mass_points_are_recorded(capsys: pytest.CaptureFixture) -> None:
    rng = np.random.default_rng(8)
    x = rng.integers(-30, 31, 1500).astype(float)  # a discrete score: mass points
    data = pd.DataFrame({"x": x, "y": 0.1 * x + 1.0 * (x >= 0) + rng.normal(0, 1, x.size)})
    res = rdd(data, **SIM)
    assert capsys.readouterr().out == ""
    assert res.diagnostics["mass_points"] is True


def test_tiny_samples_warn_that_the_bandwidth_is_the_whole_range() -> None:
    data = simulate_rd(effect=2.0, seed=1, n=16)
    with pytest.warns(EbpmWarning, match=r"only 16 observations, too few for rdrobust"):
        res = rdd(data, **SIM)
    assert np.isfinite(res.estimate)


def test_importing_the_module_does_not_import_the_gpl_engines() -> None:
    code = (
        "import sys, ebpm.estimators.rdd; "
        "print(any(m in sys.modules for m in ('rdrobust', 'rddensity')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_warning_filters_survive_the_engines(sim: pd.DataFrame) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error", FutureWarning)
        before = list(warnings.filters)
        rdd(sim, **SIM)
        assert list(warnings.filters) == before


def test_unestimable_sensitivity_bandwidths_are_marked_not_dropped() -> None:
    data = simulate_rd(effect=2.0, seed=1, n=200)
    sens = rdd(data, **SIM, bandwidth=0.04).diagnostics["bandwidth_sensitivity"]
    half = sens.iloc[0]
    assert half["multiplier"] == 0.5
    assert np.isnan(half["estimate"])
    assert half["note"].startswith("not estimable: Not enough distinct running-variable values")
    assert (half["n_left"], half["n_right"]) == (1, 4)
    assert sens["estimate"].iloc[1:].notna().all()


def test_too_narrow_a_bandwidth_raises_estimation_error() -> None:
    data = simulate_rd(effect=2.0, seed=1, n=200)
    with pytest.raises(
        EstimationError,
        match=r"rdrobust could not estimate the jump in 'y' at x=0: Not enough distinct .*"
        r"set a wider bandwidth",
    ):
        rdd(data, **SIM, bandwidth=0.02)


# --- result shape --------------------------------------------------------------------------
def test_result_shape(senate_result: EstimateResult) -> None:
    res = senate_result
    assert res.method == "rdd"
    assert res.headline == "RD effect"
    assert tuple(res.tidy().columns[: len(TIDY_COLUMNS)]) == TIDY_COLUMNS
    back = json.loads(res.to_json())
    assert back["headline"]["estimate"] == pytest.approx(7.414131, abs=1e-6)
    assert len(back["diagnostics"]["bandwidth_sensitivity"]) == 5
    assert "Continuity at the cutoff" in res.summary()
    assert "Continuity at the cutoff" in res._repr_html_()
    assert res.design["running"] == "margin"
    assert res.diagnostics["kernel"] == "triangular"
    assert res.diagnostics["p"] == 1


def test_plot_draws_bins_fits_and_the_cutoff(senate_result: EstimateResult) -> None:
    import matplotlib.pyplot as plt

    ax = senate_result.plot()
    assert isinstance(ax, Axes)
    assert len(ax.collections) >= 2  # binned means on each side (and the bandwidth band)
    fit_lines = [ln for ln in ax.get_lines() if len(ln.get_xdata()) == 100]
    assert len(fit_lines) == 2
    left = fit_lines[0]
    assert left.get_ydata()[0] == pytest.approx(45.173, abs=1e-3)  # left limit at the cutoff
    assert any(list(ln.get_xdata()) == [0.0, 0.0] for ln in ax.get_lines())  # cutoff line
    bins = senate_result.diagnostics["bins"]
    assert bins["n"].sum() == senate_result.n_obs
    plt.close("all")


# --- error paths ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("roles", "expected"),
    [
        (
            {"outcome": "votes"},
            r"outcome='votes' is not a column of the data. Did you mean (one of )?'vote'",
        ),
        ({"running": "Margin"}, r"running='Margin' .*Did you mean (one of )?'margin'"),
        ({"covariates": ["demvoteshlag"]}, r"covariates='demvoteshlag' .*'demvoteshlag1'"),
        (
            {"cluster": "states"},
            r"cluster='states' is not a column.*Did you mean (one of )?'state'",
        ),
    ],
)
def test_missing_columns_suggest_a_close_match(
    senate: pd.DataFrame, roles: dict, expected: str
) -> None:
    with pytest.raises(ColumnNotFoundError, match=expected):
        rdd(senate, **{**SENATE, **roles})


def test_non_numeric_outcome_raises(senate: pd.DataFrame) -> None:
    with pytest.raises(NonNumericError, match=r"outcome='state' must be numeric; it holds 'Conn"):
        rdd(senate, outcome="state", running="margin")


def test_non_numeric_running_raises(senate: pd.DataFrame) -> None:
    with pytest.raises(NonNumericError, match=r"running='state' must be numeric"):
        rdd(senate, outcome="vote", running="state")


@pytest.mark.parametrize(
    ("cutoff", "side"), [(150, "at or above"), (-150, "below"), (100.5, "at or above")]
)
def test_no_observations_on_one_side_raises(senate: pd.DataFrame, cutoff: float, side: str) -> None:
    with (
        pytest.warns(MissingValueWarning),
        pytest.raises(
            EmptySideError,
            match=rf"no observations {side} the cutoff {cutoff:g}: running='margin' ranges "
            r"from -100 to 100; choose a cutoff inside that range",
        ),
    ):
        rdd(senate, **SENATE, cutoff=cutoff)


def test_too_few_distinct_values_on_one_side_raises(sim: pd.DataFrame) -> None:
    data = sim.copy()
    data.loc[data["x"] >= 0, "x"] = np.where(data.loc[data["x"] >= 0, "x"] > 0.5, 0.9, 0.1)
    with pytest.raises(
        EmptySideError, match=r"only 2 distinct value\(s\) of running='x' at or above the cutoff 0"
    ):
        rdd(data, **SIM)


def test_nan_in_cluster_raises(sim: pd.DataFrame) -> None:
    data = sim.assign(g=sim["g"].where(sim.index % 10 != 0))
    with pytest.raises(MissingValueError, match=r"cluster='g' has 200 missing value"):
        rdd(data, **SIM, cluster="g")


def test_unknown_kernel_lists_the_choices(sim: pd.DataFrame) -> None:
    with pytest.raises(
        InvalidOptionError,
        match=r"kernel='triangle' is not supported. Did you mean 'triangular'\? "
        r"Choose one of: 'triangular', 'epanechnikov', 'uniform'",
    ):
        rdd(sim, **SIM, kernel="triangle")  # type: ignore[arg-type]


@pytest.mark.parametrize("p", [0, -1, 1.5, True, "1"])
def test_p_must_be_a_positive_integer(sim: pd.DataFrame, p: object) -> None:
    with pytest.raises(InvalidOptionError, match=rf"p={p!r} must be a positive integer"):
        rdd(sim, **SIM, p=p)  # type: ignore[arg-type]


@pytest.mark.parametrize("bandwidth", [0, -2.5, float("nan"), "wide"])
def test_bandwidth_must_be_positive(sim: pd.DataFrame, bandwidth: object) -> None:
    with pytest.raises(InvalidOptionError, match=r"bandwidth=.* must be a positive number"):
        rdd(sim, **SIM, bandwidth=bandwidth)  # type: ignore[arg-type]


@pytest.mark.parametrize("level", [95, 0, 1.0])
def test_conf_level_must_be_a_fraction(sim: pd.DataFrame, level: float) -> None:
    with pytest.raises(InvalidOptionError, match=rf"conf_level={level!r} must be between 0 and 1"):
        rdd(sim, **SIM, conf_level=level)


def test_data_must_be_a_dataframe() -> None:
    with pytest.raises(DataError, match=r"rdd\(\) takes a pandas DataFrame as `data`, got list"):
        rdd([1, 2], **SIM)  # type: ignore[arg-type]


def test_missing_rows_are_dropped_with_a_warning(sim: pd.DataFrame) -> None:
    data = sim.copy()
    data.loc[[0, 5], "y"] = np.nan
    data.loc[[9], "x"] = np.nan
    with pytest.warns(MissingValueWarning, match=r"dropped 3 of 2000 rows .*\(y: 2, x: 1\)"):
        res = rdd(data, **SIM)
    assert res.n_obs == 1997
    complete = rdd(data.dropna(subset=["x", "y"]), **SIM)
    assert res.estimate == pytest.approx(complete.estimate, abs=1e-12)


def test_conf_level_changes_the_interval(sim: pd.DataFrame, sim_result: EstimateResult) -> None:
    res = rdd(sim, **SIM, conf_level=0.90)
    assert res.conf_level == 0.90
    low, high = res.conf_int
    low95, high95 = sim_result.conf_int
    assert high - low == pytest.approx((high95 - low95) * 1.644854 / 1.959964, rel=1e-6)


def test_repeated_index_labels_do_not_duplicate_rows(senate: pd.DataFrame) -> None:
    """After pd.concat of two files the index repeats; rows are taken by position."""
    repeated = pd.concat([senate.iloc[:700], senate.iloc[700:]]).set_axis(
        list(range(700)) + list(range(len(senate) - 700))
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MissingValueWarning)
        res = rdd(repeated, **SENATE)
        clustered = rdd(repeated, **SENATE, cluster="state")
    assert res.n_obs == 1297
    assert res.estimate == pytest.approx(7.414131, abs=1e-6)
    assert clustered.estimate == pytest.approx(7.394838, abs=1e-6)
