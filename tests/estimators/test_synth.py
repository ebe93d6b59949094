"""Tests of synthetic_control: published numbers, recovery, invariance, placebos, error paths."""

from __future__ import annotations

import json

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pandas as pd
import pytest

from ebpm.catalog import open_catalog
from ebpm.errors import (
    ColumnNotFoundError,
    DataError,
    DuplicateRowsError,
    InvalidOptionError,
    MissingValueError,
    NonNumericError,
    NoPrePeriodError,
    UnitNotFoundError,
)
from ebpm.estimators.synth import plot_gaps, synthetic_control
from ebpm.results import TIDY_COLUMNS, EstimateResult
from tests.conftest import ROOT

CATALOG_DIR = ROOT / "catalogs"
PROP99 = {
    "outcome": "PacksPerCapita",
    "unit": "State",
    "time": "Year",
    "treated_unit": "California",
    "treatment_time": 1989,
}
SIM = {"outcome": "y", "unit": "unit", "time": "period", "treated_unit": 0, "treatment_time": 21}


def simulate_factor_panel(*, effect: float, seed: int, n_units: int = 30) -> pd.DataFrame:
    """Interactive fixed effects: y = a_i + l_i' f_t + e; unit 0 treated from period 21 of 30.

    The treated unit's loadings are a convex combination of donors' loadings, so a synthetic
    control exists; ``x`` is a predictor equal to a noisy copy of the loadings' first entry.
    """
    rng = np.random.default_rng(seed)
    n_periods = 30
    factors = (
        np.cumsum(rng.normal(0, 1, (n_periods, 2)), axis=0) + np.linspace(0, 5, n_periods)[:, None]
    )
    loadings = rng.uniform(0.5, 1.5, (n_units, 2))
    loadings[0] = 0.5 * loadings[1] + 0.3 * loadings[2] + 0.2 * loadings[3]
    level = 10 + loadings @ factors.T + rng.normal(0, 0.3, (n_units, n_periods))
    level[0, 20:] += effect
    unit = np.repeat(np.arange(n_units), n_periods)
    period = np.tile(np.arange(1, n_periods + 1), n_units)
    x = np.repeat(loadings[:, 0], n_periods) + rng.normal(0, 0.01, unit.size)
    return pd.DataFrame({"unit": unit, "period": period, "y": level.ravel(), "x": x})


@pytest.fixture(scope="module")
def prop99() -> pd.DataFrame:
    return open_catalog(CATALOG_DIR).load("studies.prop99")


@pytest.fixture(scope="module")
def sc(prop99: pd.DataFrame) -> EstimateResult:
    return synthetic_control(prop99, **PROP99)


@pytest.fixture(scope="module")
def sim() -> pd.DataFrame:
    return simulate_factor_panel(effect=-5.0, seed=99)


# --- published numbers -----------------------------------------------------------------------
def test_prop99_sc_matches_arkhangelsky_table_1(sc: EstimateResult) -> None:
    # Arkhangelsky et al. (2021), Table 1: SC -19.6 (synthdid's sc_estimate: -19.6197).
    assert round(sc.estimate, 1) == -19.6
    assert sc.estimate == pytest.approx(-19.6197, abs=1e-3)
    weights = sc.diagnostics["weights"]
    assert weights.sum() == pytest.approx(1.0, abs=1e-9)
    assert (weights >= 0).all()
    assert list(weights.index[:3]) == ["Utah", "Montana", "Nevada"]
    assert weights["Utah"] == pytest.approx(0.396, abs=1e-3)


def test_prop99_sc_agrees_with_synthdid_package(prop99: pd.DataFrame, sc: EstimateResult) -> None:
    import synthdid

    wide = prop99.pivot(index="State", columns="Year", values="PacksPerCapita")
    donors = [s for s in wide.index if s != "California"]
    ref = synthdid.sc_estimate(wide.loc[[*donors, "California"]].to_numpy(), 38, 19)
    assert sc.estimate == pytest.approx(float(ref), abs=1e-8)
    ref_w = pd.Series(ref.weights.omega, index=donors)
    pd.testing.assert_series_equal(
        sc.diagnostics["weights"].sort_index(), ref_w.sort_index(), check_names=False, atol=1e-8
    )


def test_prop99_gap_in_2000_matches_adh(sc: EstimateResult) -> None:
    # Abadie, Diamond & Hainmueller (2010): about 26 fewer packs per capita by 2000.
    assert sc.diagnostics["gap"].loc[2000] == pytest.approx(-26, abs=3)
    assert sc.diagnostics["pre_rmspe"] == pytest.approx(1.66, abs=0.01)
    gap = sc.diagnostics["gap"]
    assert (gap - (sc.diagnostics["treated"] - sc.diagnostics["synthetic"])).abs().max() < 1e-12
    assert gap.loc[1989:].mean() == pytest.approx(sc.estimate, abs=1e-12)


def test_prop99_sdid_matches_arkhangelsky_table_1(prop99: pd.DataFrame) -> None:
    res = synthetic_control(prop99, **PROP99, method="sdid", placebos=False)
    assert round(res.estimate, 1) == -15.6
    assert res.estimate == pytest.approx(-15.6038, abs=1e-3)
    assert res.method == "synthdid"
    assert res.diagnostics["gap"].loc[1989:].mean() == pytest.approx(res.estimate, abs=1e-9)
    assert res.diagnostics["time_weights"].sum() == pytest.approx(1.0)
    assert np.isnan(res.std_error)


def test_prop99_placebo_test(sc: EstimateResult) -> None:
    d = sc.diagnostics
    placebos = d["placebos"]
    assert len(placebos) == 38
    assert list(placebos.columns) == ["State", "att", "pre_rmspe", "post_rmspe", "ratio"]
    assert "California" not in set(placebos["State"])
    assert placebos["ratio"].is_monotonic_decreasing
    # Outcome-path weights: California's RMSPE ratio ranks 3rd of 39 (Missouri, Virginia above).
    assert d["treated_rank"] == 3
    assert d["p_value"] == pytest.approx(3 / 39)
    assert sc.p_value == d["p_value"]
    assert sc.std_error == pytest.approx(np.std(placebos["att"]), rel=1e-12)
    low, high = sc.conf_int
    assert low == pytest.approx(sc.estimate - 1.959964 * sc.std_error, rel=1e-6)
    assert high == pytest.approx(sc.estimate + 1.959964 * sc.std_error, rel=1e-6)
    assert "placebo permutation over 38 donors" in sc.inference
    assert d["placebo_gaps"].shape == (31, 38)


def test_prop99_in_time_placebo_is_small(sc: EstimateResult) -> None:
    itp = sc.diagnostics["in_time_placebo"]
    assert itp["treatment_time"] == 1979
    assert abs(itp["estimate"]) < abs(sc.estimate) / 2


def test_provenance_and_serialisation(sc: EstimateResult) -> None:
    assert sc.provenance["entry"] == "studies.prop99"
    back = json.loads(sc.to_json())
    assert back["headline"]["estimate"] == pytest.approx(sc.estimate)
    assert back["diagnostics"]["weights"]["Utah"] == pytest.approx(0.396, abs=1e-3)


# --- simulated -------------------------------------------------------------------------------
def test_recovers_known_effect(sim: pd.DataFrame) -> None:
    res = synthetic_control(sim, **SIM)
    assert abs(res.estimate - (-5.0)) < 3 * res.std_error
    assert abs(res.estimate - (-5.0)) < 1.0
    low, high = res.conf_int
    assert low < -5.0 < high
    assert res.diagnostics["pre_rmspe"] < 1.0
    assert res.design["n_donors"] == 29
    assert res.design["n_pre_periods"] == 20
    assert res.n_obs == 900


def test_sdid_recovers_known_effect(sim: pd.DataFrame) -> None:
    res = synthetic_control(sim, **SIM, method="sdid", placebos=False)
    assert res.estimate == pytest.approx(-5.0, abs=1.0)


def test_null_effect_is_not_significant() -> None:
    res = synthetic_control(simulate_factor_panel(effect=0.0, seed=5), **SIM)
    low, high = res.conf_int
    assert low < 0 < high
    assert res.p_value > 0.1


def test_predictors_give_nested_v_weights(sim: pd.DataFrame) -> None:
    data = sim.assign(lag=sim.groupby("unit")["y"].transform(lambda s: s.iloc[:20].mean()))
    res = synthetic_control(data, **SIM, predictors=["x", "lag"], placebos=False)
    v = res.diagnostics["predictor_weights"]
    assert list(v.index) == ["x", "lag"]
    assert v.sum() == pytest.approx(1.0)
    assert res.diagnostics["weights"].sum() == pytest.approx(1.0, abs=1e-6)
    assert res.estimate == pytest.approx(-5.0, abs=2.0)


def test_row_order_does_not_matter(sim: pd.DataFrame) -> None:
    base = synthetic_control(sim, **SIM)
    res = synthetic_control(sim.sample(frac=1, random_state=1), **SIM)
    assert res.estimate == pytest.approx(base.estimate, abs=1e-10)
    assert res.std_error == pytest.approx(base.std_error, abs=1e-10)
    assert res.p_value == base.p_value


def test_string_unit_ids_give_the_same_estimate(sim: pd.DataFrame) -> None:
    base = synthetic_control(sim, **SIM, placebos=False)
    # Zero-padded so the donors sort in the same order as the integers.
    text = sim.assign(unit=sim["unit"].map(lambda u: f"u{u:02d}"), y=sim["y"].astype("float32"))
    res = synthetic_control(text, **{**SIM, "treated_unit": "u00"}, placebos=False)
    assert res.estimate == pytest.approx(base.estimate, abs=1e-3)
    # A treated_unit given as text for integer ids is found too.
    res2 = synthetic_control(sim, **{**SIM, "treated_unit": "0"}, placebos=False)
    assert res2.estimate == pytest.approx(base.estimate, abs=1e-12)


def test_data_is_not_modified(prop99: pd.DataFrame) -> None:
    data = prop99.copy()
    before = data.copy()
    attrs = json.dumps(data.attrs)
    synthetic_control(data, **PROP99, placebos=False)
    pd.testing.assert_frame_equal(data, before)
    assert json.dumps(data.attrs) == attrs


def test_result_shape(sc: EstimateResult) -> None:
    assert sc.method == "synthetic_control"
    assert sc.estimand == "ATT"
    tidy = sc.tidy()
    assert tuple(tidy.columns[: len(TIDY_COLUMNS)]) == TIDY_COLUMNS
    assert list(tidy["term"]) == ["ATT"]
    json.dumps(sc.to_dict())
    assert sc.assumption in sc.summary()
    assert sc.design["n_units"] == 39
    assert sc.design["n_periods"] == 31
    ax = sc.plot()
    assert isinstance(ax, matplotlib.axes.Axes)
    assert len(ax.get_lines()) >= 3  # treated, synthetic, treatment line
    ax2 = plot_gaps(sc)
    assert isinstance(ax2, matplotlib.axes.Axes)
    assert len(ax2.get_lines()) > 10


def test_plots_in_japanese(sc: EstimateResult) -> None:
    import matplotlib.pyplot as plt

    paths = sc.plot(lang="ja")
    assert paths.get_title() == f"合成コントロール法：ATT {sc.estimate:.2f}"
    assert [t.get_text() for t in paths.get_legend().get_texts()] == [
        "California",
        "合成コントロール",
    ]
    gaps = plot_gaps(sc, lang="ja")
    assert gaps.get_ylabel() == "PacksPerCapitaの差（処置 − 合成）"
    legend = [t.get_text() for t in gaps.get_legend().get_texts()]
    assert legend[0] == "California"
    assert legend[1].startswith("プラセボ（ドナー ")
    assert plot_gaps(sc, lang="en").get_ylabel() == "gap in PacksPerCapita (treated − synthetic)"
    plt.close("all")


# --- bad input -------------------------------------------------------------------------------
def test_unknown_treated_unit_suggests_a_close_match(prop99: pd.DataFrame) -> None:
    with pytest.raises(
        UnitNotFoundError, match=r"treated_unit='Califronia' is not a value .*'California'"
    ):
        synthetic_control(prop99, **{**PROP99, "treated_unit": "Califronia"})


@pytest.mark.parametrize(
    ("when", "expected"),
    [
        (1970, r"treatment_time=1970 leaves no period before treatment"),
        (1960, r"treatment_time=1960 leaves no period before treatment"),
        (2005, r"treatment_time=2005 is after the last period 2000"),
        (1971, r"treatment_time=1971 leaves one pre-treatment period"),
    ],
)
def test_bad_treatment_time(prop99: pd.DataFrame, when: int, expected: str) -> None:
    with pytest.raises(NoPrePeriodError, match=expected):
        synthetic_control(prop99, **{**PROP99, "treatment_time": when})


def test_duplicate_rows_raise(prop99: pd.DataFrame) -> None:
    data = pd.concat([prop99, prop99.iloc[[3]]])
    with pytest.raises(DuplicateRowsError, match=r"1|2 rows share a \(State, Year\) pair"):
        synthetic_control(data, **PROP99)


def test_unbalanced_panel_names_the_gaps(prop99: pd.DataFrame) -> None:
    data = prop99[~((prop99["State"] == "Utah") & (prop99["Year"] == 1975))]
    with pytest.raises(DataError, match=r"unbalanced: 1 State-Year pair.*\('Utah', 1975\)"):
        synthetic_control(data, **PROP99)


def test_non_numeric_outcome_raises(prop99: pd.DataFrame) -> None:
    data = prop99.assign(PacksPerCapita=prop99["PacksPerCapita"].astype(str))
    data.loc[0, "PacksPerCapita"] = "n/a"
    with pytest.raises(NonNumericError, match=r"outcome='PacksPerCapita' must be numeric.*'n/a'"):
        synthetic_control(data, **PROP99)


def test_missing_outcome_raises(prop99: pd.DataFrame) -> None:
    data = prop99.assign(PacksPerCapita=prop99["PacksPerCapita"].where(prop99.index != 4))
    with pytest.raises(MissingValueError, match=r"outcome='PacksPerCapita' has 1 missing"):
        synthetic_control(data, **PROP99)


def test_bad_method_lists_the_choices(prop99: pd.DataFrame) -> None:
    with pytest.raises(
        InvalidOptionError, match=r"method='synth' is not supported.*Choose one of: 'sc', 'sdid'"
    ):
        synthetic_control(prop99, **PROP99, method="synth")  # type: ignore[arg-type]


def test_missing_column_suggests_a_close_match(prop99: pd.DataFrame) -> None:
    with pytest.raises(ColumnNotFoundError, match=r"outcome='packs' .*'PacksPerCapita'"):
        synthetic_control(prop99, **{**PROP99, "outcome": "packs"})


def test_predictors_with_sdid_raise(sim: pd.DataFrame) -> None:
    with pytest.raises(DataError, match=r"predictors are only used by method='sc'"):
        synthetic_control(sim, **SIM, method="sdid", predictors=["x"])


def test_not_a_dataframe_raises() -> None:
    with pytest.raises(DataError, match=r"synthetic_control\(\) takes a pandas DataFrame"):
        synthetic_control([1, 2], **PROP99)  # type: ignore[arg-type]


def test_too_few_donors_raise(sim: pd.DataFrame) -> None:
    with pytest.raises(DataError, match=r"at least two donor units besides 0"):
        synthetic_control(sim[sim["unit"] < 2], **SIM)


@pytest.mark.parametrize("kind", ["datetime", "datetime-string", "period"])
def test_datetime_and_period_time_columns_split_pre_and_post_correctly(
    prop99: pd.DataFrame, kind: str
) -> None:
    """The treatment period is post, whatever the type of the time column."""
    roles = {k: v for k, v in PROP99.items() if k not in ("time", "treatment_time")}
    if kind == "period":
        data = prop99.assign(when=pd.PeriodIndex(prop99["Year"], freq="Y"))
        start = "1989"
    else:
        data = prop99.assign(when=pd.to_datetime(prop99["Year"].astype(str) + "-01-01"))
        start = pd.Timestamp("1989-01-01") if kind == "datetime" else "1989-01-01"
    res = synthetic_control(data, **roles, time="when", treatment_time=start, placebos=False)
    assert res.estimate == pytest.approx(-19.6197, abs=1e-4)
