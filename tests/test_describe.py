"""Tests of ebpm.describe: the design facts and descriptives every DiD report shows."""

from __future__ import annotations

from collections.abc import Iterator

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from matplotlib.axes import Axes

from ebpm import describe
from ebpm.catalog import open_catalog
from ebpm.errors import ColumnNotFoundError, DataError
from tests.conftest import ROOT

CATALOG_DIR = ROOT / "catalogs"
ROLES = {"unit": "State", "time": "quarter_num", "treated": "treated"}


@pytest.fixture(scope="module")
def organ() -> pd.DataFrame:
    return open_catalog(CATALOG_DIR).load("studies.organ_donations")


@pytest.fixture(autouse=True)
def _close_figures() -> Iterator[None]:
    yield
    plt.close("all")


def _staggered() -> pd.DataFrame:
    """Four units over periods 1-6: a adopts in 3, b in 5, c and d never."""
    rows = []
    for unit, start in (("a", 3), ("b", 5), ("c", None), ("d", None)):
        for t in range(1, 7):
            treated = int(start is not None and t >= start)
            rows.append({"u": unit, "t": t, "d": treated, "y": 10.0 * t + 5 * treated})
    return pd.DataFrame(rows)


def _hand_did(organ: pd.DataFrame) -> float:
    ca = organ["State"] == "California"
    post = organ["quarter_num"] >= 4
    y = organ["Rate"]
    return (y[ca & post].mean() - y[ca & ~post].mean()) - (
        y[~ca & post].mean() - y[~ca & ~post].mean()
    )


# --- did_design -------------------------------------------------------------------------------
def test_did_design_of_organ_donations(organ: pd.DataFrame) -> None:
    info = describe.did_design(organ, **ROLES)
    assert info["treated_units"] == ["California"]
    assert info["n_treated_units"] == 1
    assert info["n_comparison_units"] == 26
    assert len(info["comparison_units"]) == 26
    assert "California" not in info["comparison_units"]
    assert "Alaska" in info["comparison_units"]
    assert info["first_treated_period"] == 4
    assert info["staggered"] is False
    assert info["periods"] == [1, 2, 3, 4, 5, 6]
    assert info["n_pre_periods"] == 3
    assert info["n_post_periods"] == 3
    assert (info["first_period"], info["last_period"]) == (1, 6)


def test_did_design_of_staggered_adoption() -> None:
    info = describe.did_design(_staggered(), unit="u", time="t", treated="d")
    assert info["treated_units"] == ["a", "b"]
    assert info["comparison_units"] == ["c", "d"]
    assert info["first_treated_period"] == 3
    assert info["staggered"] is True
    assert (info["n_pre_periods"], info["n_post_periods"]) == (2, 4)


def test_did_design_accepts_a_boolean_treatment_column(organ: pd.DataFrame) -> None:
    data = organ.assign(treated=organ["treated"].astype(bool))
    assert describe.did_design(data, **ROLES) == describe.did_design(organ, **ROLES)


def test_did_design_without_treated_rows() -> None:
    data = _staggered().assign(d=0)
    with pytest.raises(DataError, match=r"treated='d' marks no row as treated"):
        describe.did_design(data, unit="u", time="t", treated="d")


def test_did_design_with_a_misspelt_column(organ: pd.DataFrame) -> None:
    with pytest.raises(
        ColumnNotFoundError,
        match=r"unit='state' is not a column of the data\. Did you mean 'State'",
    ):
        describe.did_design(organ, unit="state", time="quarter_num", treated="treated")


def test_did_design_needs_a_data_frame() -> None:
    with pytest.raises(
        DataError, match=r"did_design\(\) takes a pandas DataFrame as `data`, got dict"
    ):
        describe.did_design({"State": []}, **ROLES)
    with pytest.raises(DataError, match=r"did_design\(\) got an empty DataFrame"):
        describe.did_design(pd.DataFrame(columns=["State", "quarter_num", "treated"]), **ROLES)


# --- did_descriptives -------------------------------------------------------------------------
def test_did_of_means_equals_the_2x2_by_hand(organ: pd.DataFrame) -> None:
    table = describe.did_descriptives(organ, outcome="Rate", **ROLES)
    assert table.attrs["did_of_means"] == pytest.approx(_hand_did(organ), abs=1e-12)
    # one treated unit, common timing, balanced panel: the 2x2 equals the published TWFE ATT
    assert table.attrs["did_of_means"] == pytest.approx(-0.0225, abs=5e-5)


def test_did_descriptives_table(organ: pd.DataFrame) -> None:
    table = describe.did_descriptives(organ, outcome="Rate", **ROLES)
    assert list(table.columns) == ["group", "period", "mean", "sd", "n"]
    assert list(zip(table["group"], table["period"], strict=True)) == [
        ("comparison", "post"),
        ("comparison", "pre"),
        ("treated", "post"),
        ("treated", "pre"),
    ]
    cells = table.set_index(["group", "period"])
    assert cells.loc[("treated", "pre"), "n"] == 3
    assert cells.loc[("treated", "post"), "n"] == 3
    assert cells.loc[("comparison", "pre"), "n"] == 78
    assert cells.loc[("comparison", "post"), "n"] == 78
    ca_pre = organ.loc[(organ["State"] == "California") & (organ["quarter_num"] < 4), "Rate"]
    assert cells.loc[("treated", "pre"), "mean"] == pytest.approx(ca_pre.mean())
    assert cells.loc[("treated", "pre"), "sd"] == pytest.approx(ca_pre.std())
    other_post = organ.loc[(organ["State"] != "California") & (organ["quarter_num"] >= 4), "Rate"]
    assert cells.loc[("comparison", "post"), "mean"] == pytest.approx(other_post.mean())


def test_did_descriptives_groups_units_that_are_ever_treated() -> None:
    # unit a's pre-period rows belong to the treated group too
    table = describe.did_descriptives(_staggered(), outcome="y", unit="u", time="t", treated="d")
    cells = table.set_index(["group", "period"])
    assert cells.loc[("treated", "pre"), "n"] == 4  # a and b in periods 1-2
    assert cells.loc[("treated", "post"), "n"] == 8
    assert cells.loc[("comparison", "pre"), "n"] == 4
    # y = 10 t + 5 d: both groups' time trend cancels; the effect is diluted by b's late start
    expected = np.mean([5, 5, 5, 5, 0, 0, 5, 5])  # treated-post rows: a 3-6, b 3-6
    assert table.attrs["did_of_means"] == pytest.approx(expected)


def test_did_descriptives_is_invariant_to_row_order(organ: pd.DataFrame) -> None:
    shuffled = organ.sample(frac=1, random_state=7).reset_index(drop=True)
    a = describe.did_descriptives(organ, outcome="Rate", **ROLES)
    b = describe.did_descriptives(shuffled, outcome="Rate", **ROLES)
    pd.testing.assert_frame_equal(a, b)
    assert b.attrs["did_of_means"] == pytest.approx(a.attrs["did_of_means"], abs=1e-12)


def test_did_descriptives_does_not_change_the_data(organ: pd.DataFrame) -> None:
    before = organ.copy()
    describe.did_descriptives(organ, outcome="Rate", **ROLES)
    describe.group_means(organ, outcome="Rate", **ROLES)
    pd.testing.assert_frame_equal(organ, before)


def test_did_descriptives_with_a_misspelt_outcome(organ: pd.DataFrame) -> None:
    with pytest.raises(ColumnNotFoundError, match=r"outcome='rate' .*Did you mean 'Rate'\?"):
        describe.did_descriptives(organ, outcome="rate", **ROLES)


# --- group_means ------------------------------------------------------------------------------
def test_group_means_per_period(organ: pd.DataFrame) -> None:
    means = describe.group_means(organ, outcome="Rate", **ROLES)
    assert list(means.index) == [1, 2, 3, 4, 5, 6]
    assert sorted(means.columns) == ["comparison", "treated"]
    ca = organ[organ["State"] == "California"].set_index("quarter_num")["Rate"]
    np.testing.assert_allclose(means["treated"].to_numpy(), ca.sort_index().to_numpy())
    others = organ[organ["State"] != "California"].groupby("quarter_num")["Rate"].mean()
    np.testing.assert_allclose(means["comparison"].to_numpy(), others.to_numpy())


def test_group_means_reproduce_the_did_of_means(organ: pd.DataFrame) -> None:
    # balanced panel: the mean of the period means is the mean of the rows
    m = describe.group_means(organ, outcome="Rate", **ROLES)
    post = m.index >= 4
    did = (m.loc[post, "treated"].mean() - m.loc[~post, "treated"].mean()) - (
        m.loc[post, "comparison"].mean() - m.loc[~post, "comparison"].mean()
    )
    assert did == pytest.approx(_hand_did(organ), abs=1e-12)


# --- plot_group_means -------------------------------------------------------------------------
def test_plot_group_means_returns_axes_with_both_groups(organ: pd.DataFrame) -> None:
    ax = describe.plot_group_means(organ, outcome="Rate", **ROLES)
    assert isinstance(ax, Axes)
    lines = ax.get_lines()
    assert len(lines) == 3  # treated, comparison, start of treatment
    treated, comparison, start = lines
    means = describe.group_means(organ, outcome="Rate", **ROLES)
    np.testing.assert_allclose(treated.get_ydata(), means["treated"].to_numpy())
    np.testing.assert_allclose(comparison.get_ydata(), means["comparison"].to_numpy())
    assert list(start.get_xdata()) == [3.5, 3.5]  # between the last pre and first post period
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels == ["treated (1 units)", "comparison (26 units)"]
    assert ax.get_title() == "Rate: treated vs comparison units"
    assert ax.get_xlabel() == "quarter_num"
    assert ax.get_ylabel() == "mean Rate"


def test_plot_group_means_in_japanese(organ: pd.DataFrame, monkeypatch) -> None:
    ax = describe.plot_group_means(organ, outcome="Rate", **ROLES, lang="ja")
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels == ["処置群（1 単位）", "比較群（26 単位）"]
    assert ax.get_title() == "Rate：処置群と比較群"
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("quarter_num", "Rateの平均")
    assert [t.get_text() for t in ax.texts] == ["処置開始"]
    monkeypatch.setenv("EBPM_LANG", "ja")  # a kernel of a Japanese site: the default follows
    assert describe.plot_group_means(organ, outcome="Rate", **ROLES).get_ylabel() == "Rateの平均"


def test_plot_group_means_draws_on_the_given_axes(organ: pd.DataFrame) -> None:
    _, given = plt.subplots()
    ax = describe.plot_group_means(organ, outcome="Rate", **ROLES, ax=given, title="Organ")
    assert ax is given
    assert ax.get_title() == "Organ"


def test_plot_group_means_with_labelled_periods() -> None:
    data = _staggered()
    data["t"] = data["t"].map(lambda t: f"2020-Q{t}")
    ax = describe.plot_group_means(data, outcome="y", unit="u", time="t", treated="d")
    treated, comparison, start = ax.get_lines()
    assert list(treated.get_xdata()) == [0, 1, 2, 3, 4, 5]
    assert list(comparison.get_xdata()) == [0, 1, 2, 3, 4, 5]
    np.testing.assert_allclose(treated.get_ydata(), [10, 20, 32.5, 42.5, 55, 65])
    assert list(start.get_xdata()) == [1.5, 1.5]  # 2020-Q3 is the third period
    assert [t.get_text() for t in ax.get_xticklabels()] == [f"2020-Q{t}" for t in range(1, 7)]
