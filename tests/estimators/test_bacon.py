"""Tests of ebpm.estimators.bacon_decomposition: published numbers, known 2x2s, invariance,
error paths."""

from __future__ import annotations

import dataclasses
import json
import warnings

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from ebpm.catalog import open_catalog
from ebpm.errors import (
    ColumnNotFoundError,
    DataError,
    DuplicateRowsError,
    EstimationError,
    MissingValueError,
    NoTreatedUnitsError,
    StaggeredAdoptionWarning,
)
from ebpm.estimators import BaconDecomposition, bacon_decomposition, did
from ebpm.results import ResultDisplay
from tests.conftest import ROOT

CASTLE_ROLES = {"outcome": "l_homicide", "unit": "sid", "time": "year", "treated": "post"}
ROLES = {"outcome": "y", "unit": "unit", "time": "period", "treated": "d"}
TIDY = ["type", "treated", "control", "estimate", "weight"]


@pytest.fixture(scope="module")
def castle() -> pd.DataFrame:
    return open_catalog(ROOT / "catalogs").load("studies.castle")


@pytest.fixture(scope="module")
def castle_bacondecomp(castle: pd.DataFrame) -> pd.DataFrame:
    """The castle panel coded as R bacondecomp's ``castle`` codes it.

    bacondecomp's ``post`` (its data/castle.rda) is 1 in every year a state's law is in force,
    for part of the year too (``cdl > 0``); causaldata's ``post`` starts in the first full
    year, one year later in each of the 21 adopting states. Moving causaldata's ``post`` one
    year earlier within each state gives bacondecomp's column in all 550 rows (checked once
    against castle.rda itself, which also gives the decomposition below to every digit).
    """
    data = castle.sort_values(["sid", "year"])
    return data.assign(post=data.groupby("sid")["post"].shift(-1).fillna(data["post"]))


def cohort_panel(
    adopt: dict[int, int], *, n_periods: int, effect, noise: float = 0.0, seed: int = 0
) -> pd.DataFrame:
    """A balanced panel: unit -> adoption period (0 = never, 1 = from the start), additive
    unit and period effects, and ``effect(t - g)`` added from adoption on (``t - g`` = 0 in
    the adoption period)."""
    rng = np.random.default_rng(seed)
    units = np.array(sorted(adopt))
    unit = np.repeat(units, n_periods)
    period = np.tile(np.arange(1, n_periods + 1), len(units))
    g = np.array([adopt[u] for u in unit])
    d = ((g > 0) & (period >= g)).astype(int)
    since = np.where(d == 1, period - g, 0)
    y = (
        rng.normal(0, 2, len(units)).repeat(n_periods)
        + np.sin(period)
        + np.where(d == 1, effect(since), 0.0)
        + rng.normal(0, noise, len(unit))
    )
    return pd.DataFrame({"unit": unit, "period": period, "d": d, "y": y})


def three_cohorts(effect, **kw) -> pd.DataFrame:
    """Units 0-9 adopt in period 4, 10-19 in period 8, 20-29 never, over 12 periods."""
    adopt = {u: 4 if u < 10 else 8 if u < 20 else 0 for u in range(30)}
    return cohort_panel(adopt, n_periods=12, effect=effect, **kw)


def twfe(data: pd.DataFrame, roles: dict[str, str]) -> float:
    import pyfixest as pf

    o, u, t, d = (roles[k] for k in ("outcome", "unit", "time", "treated"))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # pyfixest's pandas deprecation notices
        return float(pf.feols(f"{o} ~ {d} | {u} + {t}", data=data).coef()[d])


# --- published and reference numbers -------------------------------------------------------
def test_castle_matches_bacondecomp(castle_bacondecomp: pd.DataFrame) -> None:
    # R bacondecomp (Flack & Jee), bacon(l_homicide ~ post, data = castle, id_var = "state",
    # time_var = "year"); its printed summary (bacon_summary, rounded to 5 digits), shown in
    # the package's vignette output and quoted widely:
    #   Earlier vs Later Treated 0.05976 -0.00554
    #   Later vs Earlier Treated 0.03190  0.07032
    #   Treated vs Untreated     0.90834  0.08796
    # github.com/evanjflack/bacondecomp tests/testthat/test_summary.R holds the same to 3
    # digits ("the same as the stata output"); its index.ipynb (commit 5a15251) prints the
    # weights 0.05976325, 0.03189818, 0.90833857 and "Two-way FE estimate =
    # 0.0818116169306475".
    res = bacon_decomposition(castle_bacondecomp, **CASTLE_ROLES)
    table = res.by_type().set_index("type")
    published = {
        "Earlier vs Later Treated": (0.05976325, -0.00554),
        "Later vs Earlier Treated": (0.03189818, 0.07032),
        "Treated vs Untreated": (0.90833857, 0.08796),
    }
    assert list(table.index) == list(published)
    for kind, (weight, estimate) in published.items():
        assert table.loc[kind, "weight"] == pytest.approx(weight, abs=5e-9)
        assert table.loc[kind, "estimate"] == pytest.approx(estimate, abs=5e-6)
    assert res.twfe_estimate == pytest.approx(0.0818116169306475, abs=1e-13)
    assert res.forbidden_weight == pytest.approx(0.03189818, abs=5e-9)
    assert table["comparisons"].tolist() == [10, 10, 5]
    # the vignette: "one estimate has almost 60 percent of the weight: states treated in 2006
    # vs states that are never treated"
    top = res.tidy().sort_values("weight").iloc[-1]
    assert (top["treated"], top["control"]) == (2006, "never")
    assert 0.55 < top["weight"] < 0.60


def test_castle_twfe_is_pyfixests_coefficient_and_the_weighted_sum(castle: pd.DataFrame) -> None:
    # causaldata's own coding of post, as did() and the wild-bootstrap tests use it
    res = bacon_decomposition(castle, **CASTLE_ROLES)
    assert res.twfe_estimate == pytest.approx(twfe(castle, CASTLE_ROLES), abs=1e-12)
    table = res.tidy()
    assert (table["weight"] * table["estimate"]).sum() == pytest.approx(
        res.twfe_estimate, abs=1e-12
    )
    assert table["weight"].sum() == pytest.approx(1.0, abs=1e-12)
    assert (table["weight"] > 0).all()
    with pytest.warns(StaggeredAdoptionWarning):
        fit = did(castle, **CASTLE_ROLES)
    assert fit.estimate == pytest.approx(res.twfe_estimate, abs=1e-12)


def test_goodman_bacon_figure_2_weights() -> None:
    # Goodman-Bacon (2021), Figure 2 (as bacondecomp's tests/testthat/test_bacon_weights.R
    # sets it up): 100 periods, one unit each never treated, treated from 34 and from 85. The
    # paper gives s_kU = .365, s_lU = .222, s_kl^k = .278, s_kl^l = .135.
    data = cohort_panel({1: 34, 2: 85, 3: 0}, n_periods=100, effect=lambda s: 0 * s, noise=1.0)
    res = bacon_decomposition(data, **ROLES)
    weights = res.tidy().set_index(["treated", "control"])["weight"].round(3)
    assert weights[(34, "never")] == 0.365
    assert weights[(85, "never")] == 0.222
    assert weights[(34, 85)] == 0.278
    assert weights[(85, 34)] == 0.135


# --- recovery of known 2x2s ------------------------------------------------------------------
def test_a_constant_effect_is_every_two_by_two() -> None:
    data = three_cohorts(lambda s: 2.5 + 0 * s)
    res = bacon_decomposition(data, **ROLES)
    assert res.tidy()["estimate"].to_numpy() == pytest.approx(2.5, abs=1e-10)
    assert res.twfe_estimate == pytest.approx(2.5, abs=1e-10)
    assert res.tidy()["type"].tolist() == [
        "Earlier vs Later Treated",
        "Later vs Earlier Treated",
        "Treated vs Untreated",
        "Treated vs Untreated",
    ]


def test_growing_effects_bias_the_comparisons_with_already_treated_controls() -> None:
    # effect 1 + 0.5 * (periods since adoption): every 2x2 with a clean control recovers its
    # cohort's average effect over the window; the later cohort against the earlier one, whose
    # effect keeps growing, subtracts that growth (Goodman-Bacon 2021, eq. 15)
    def effect(s):
        return 1.0 + 0.5 * s

    res = bacon_decomposition(three_cohorts(effect), **ROLES)
    got = res.tidy().set_index(["treated", "control"])["estimate"]
    assert got[(4, "never")] == pytest.approx(np.mean(effect(np.arange(9))), abs=1e-10)
    assert got[(8, "never")] == pytest.approx(np.mean(effect(np.arange(5))), abs=1e-10)
    assert got[(4, 8)] == pytest.approx(np.mean(effect(np.arange(4))), abs=1e-10)
    late_true = np.mean(effect(np.arange(5)))  # cohort 8 in periods 8-12
    growth = np.mean(effect(np.arange(4, 9))) - np.mean(effect(np.arange(4)))  # cohort 4's
    assert got[(8, 4)] == pytest.approx(late_true - growth, abs=1e-10)
    assert got[(8, 4)] < 0 < late_true  # biased enough to change sign
    assert res.forbidden_weight > 0
    assert res.twfe_estimate == pytest.approx(twfe(three_cohorts(effect), ROLES), abs=1e-10)


def test_always_treated_units_are_controls_of_their_own_type() -> None:
    adopt = {u: [1, 5, 9, 0][u % 4] for u in range(24)}
    data = cohort_panel(adopt, n_periods=12, effect=lambda s: 1.0 + 0.2 * s, noise=0.5, seed=4)
    res = bacon_decomposition(data, **ROLES)
    table = res.tidy()
    always = table[table["type"] == "Later vs Always Treated"]
    assert sorted(always["treated"]) == [5, 9]
    assert set(always["control"]) == {1}
    assert 1 not in set(table["treated"])  # treated throughout: never a treated cohort
    forbidden = table["type"].isin(["Later vs Earlier Treated", "Later vs Always Treated"])
    assert res.forbidden_weight == pytest.approx(table.loc[forbidden, "weight"].sum())
    assert res.twfe_estimate == pytest.approx(twfe(data, ROLES), abs=1e-10)
    assert res.design["n_always_treated"] == 6
    assert res.design["n_never_treated"] == 6


def test_no_never_treated_units_leave_only_timing_comparisons() -> None:
    adopt = {u: [3, 6, 8][u % 3] for u in range(15)}
    data = cohort_panel(adopt, n_periods=10, effect=lambda s: 0.7 + 0 * s, noise=0.3, seed=8)
    res = bacon_decomposition(data, **ROLES)
    assert "Treated vs Untreated" not in set(res.tidy()["type"])
    assert res.twfe_estimate == pytest.approx(twfe(data, ROLES), abs=1e-10)


# --- invariance -------------------------------------------------------------------------------
def test_row_order_does_not_matter() -> None:
    data = three_cohorts(lambda s: 1.0 + 0.1 * s, noise=1.0, seed=2)
    base = bacon_decomposition(data, **ROLES)
    shuffled = bacon_decomposition(data.sample(frac=1.0, random_state=5), **ROLES)
    pd.testing.assert_frame_equal(base.tidy(), shuffled.tidy(), check_exact=False, atol=1e-12)
    assert shuffled.twfe_estimate == pytest.approx(base.twfe_estimate, abs=1e-12)


def test_labels_and_dtypes_do_not_matter() -> None:
    data = three_cohorts(lambda s: 1.0 + 0.1 * s, noise=1.0, seed=2)
    base = bacon_decomposition(data, **ROLES)
    relabelled = data.assign(
        unit="u" + data["unit"].astype(str), period=data["period"].astype(str), d=data["d"] == 1
    )
    res = bacon_decomposition(relabelled, **ROLES)
    assert res.tidy()["estimate"].to_numpy() == pytest.approx(base.tidy()["estimate"], abs=1e-12)
    assert res.tidy()["treated"].tolist() == [
        "4",
        "8",
        "4",
        "8",
    ]  # text periods, ordered as numbers
    dated = data.assign(period=pd.to_datetime((data["period"] + 2000).astype(str), format="%Y"))
    assert bacon_decomposition(dated, **ROLES).twfe_estimate == pytest.approx(base.twfe_estimate)


def test_data_is_not_modified(castle: pd.DataFrame) -> None:
    before = castle.copy()
    bacon_decomposition(castle, **CASTLE_ROLES)
    pd.testing.assert_frame_equal(castle, before)


# --- the result object -------------------------------------------------------------------------
def test_the_result_shows_itself_like_every_result(castle: pd.DataFrame) -> None:
    res = bacon_decomposition(castle, **CASTLE_ROLES)
    assert isinstance(res, BaconDecomposition)
    assert isinstance(res, ResultDisplay)
    assert list(res.tidy().columns) == TIDY
    text = res.summary()
    assert str(res) == text
    assert "Later vs Earlier Treated" in text
    assert "TWFE estimate: 0.06940" in text
    assert "weight on already-treated controls" in text
    assert res._repr_html_().startswith("<")
    data = res.to_dict()
    json.dumps(data, allow_nan=False)
    assert data["twfe_estimate"] == pytest.approx(res.twfe_estimate)
    assert data["comparisons"][-1]["control"] == "never"
    assert json.loads(res.to_json())["forbidden_weight"] == pytest.approx(res.forbidden_weight)
    assert res.design["n_cohorts"] == 5
    with pytest.raises(dataclasses.FrozenInstanceError):
        res.twfe_estimate = 0.0  # type: ignore[misc]


def test_plot_returns_the_axes_and_uses_the_given_one(castle: pd.DataFrame) -> None:
    res = bacon_decomposition(castle, **CASTLE_ROLES)
    _, ax = plt.subplots()
    assert res.plot(ax=ax) is ax
    assert len(ax.collections) == 3  # one scatter per type present
    assert res.plot() is not ax
    plt.close("all")


def test_options_are_keyword_only(castle: pd.DataFrame) -> None:
    with pytest.raises(TypeError):
        bacon_decomposition(castle, "l_homicide", "sid", "year", "post")  # type: ignore[misc]


# --- error paths -------------------------------------------------------------------------------
@pytest.fixture
def small() -> pd.DataFrame:
    return three_cohorts(lambda s: 1.0 + 0 * s, noise=1.0, seed=1)


def test_unbalanced_panel_is_refused(small: pd.DataFrame) -> None:
    with pytest.raises(
        DataError, match=r"not balanced: 1 unit\(s\) lack periods, e.g. unit=3 has no row for \[5\]"
    ):
        bacon_decomposition(small.drop(index=3 * 12 + 4), **ROLES)


def test_treatment_that_switches_off_is_refused(small: pd.DataFrame) -> None:
    on_off = small.assign(d=small["d"].where(small["period"] != 10, 0))
    with pytest.raises(
        DataError, match=r"switches off again in 20 unit\(s\): 0, 1, 2, 3, 4 and 15 more.*cummax"
    ):
        bacon_decomposition(on_off, **ROLES)


def test_treated_must_be_binary(small: pd.DataFrame) -> None:
    with pytest.raises(DataError, match=r"treated='d' must be 0/1.*holds \['0', '1', '2'\]"):
        bacon_decomposition(small.assign(d=small["d"] * (1 + (small["unit"] == 0))), **ROLES)
    with pytest.raises(DataError, match=r"treated='d' must be 0/1.*'no', 'yes'"):
        bacon_decomposition(small.assign(d=small["d"].map({0: "no", 1: "yes"})), **ROLES)


def test_duplicate_rows_are_refused(small: pd.DataFrame) -> None:
    with pytest.raises(DuplicateRowsError, match=r"share a \(unit, period\) pair"):
        bacon_decomposition(pd.concat([small, small.iloc[[5]]]), **ROLES)


def test_missing_values_are_refused(small: pd.DataFrame) -> None:
    with pytest.raises(MissingValueError, match=r"outcome='y' has 1 missing value"):
        bacon_decomposition(small.assign(y=small["y"].where(small.index != 7)), **ROLES)


def test_missing_column_suggests_a_close_match(small: pd.DataFrame) -> None:
    with pytest.raises(ColumnNotFoundError, match=r"unit='units' is not a column.*'unit'"):
        bacon_decomposition(small, **{**ROLES, "unit": "units"})


def test_nothing_treated_is_refused(small: pd.DataFrame) -> None:
    with pytest.raises(NoTreatedUnitsError, match=r"treated='d' is 0 in every row"):
        bacon_decomposition(small.assign(d=0), **ROLES)


def test_everyone_adopting_at_once_is_refused() -> None:
    data = cohort_panel({u: 5 for u in range(6)}, n_periods=8, effect=lambda s: 1 + 0 * s)
    with pytest.raises(EstimationError, match=r"every unit in the same period.*add never-treated"):
        bacon_decomposition(data, **ROLES)


def test_data_must_be_a_dataframe() -> None:
    with pytest.raises(DataError, match=r"takes a pandas DataFrame"):
        bacon_decomposition([1, 2, 3], **ROLES)  # type: ignore[arg-type]


def test_the_plot_speaks_japanese(castle: pd.DataFrame) -> None:
    import matplotlib

    matplotlib.use("Agg")
    res = bacon_decomposition(castle, outcome="l_homicide", unit="sid", time="year", treated="post")
    ax = res.plot(lang="ja")
    assert ax.get_title() == "Goodman-Bacon 分解"
    assert ax.get_xlabel() == "ウェイト"
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert "処置 vs 未処置" in labels
    assert any(t.startswith("二方向固定効果の推定値") for t in labels)
    assert res.plot(lang="en").get_title() == "Goodman-Bacon decomposition"
