"""Tests of synthetic_control's predictors: V search, user-given V, training/validation split."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from ebpm.catalog import open_catalog
from ebpm.errors import ColumnNotFoundError, DataError
from ebpm.estimators.synth import synthetic_control
from ebpm.results import EstimateResult
from tests.conftest import ROOT

CATALOG = open_catalog(ROOT / "catalogs")
W80 = range(1980, 1989)
#: Abadie, Diamond & Hainmueller (2010), sec. 3.2 and Table 1: predictors of cigarette sales.
ADH2010 = [
    ("lnincome", W80),
    ("age15to24", W80),
    ("retprice", W80),
    ("beer", range(1984, 1989)),
    ("cigsale", 1975),
    ("cigsale", 1980),
    ("cigsale", 1988),
]
PROP99 = {
    "outcome": "cigsale",
    "unit": "state",
    "time": "year",
    "treated_unit": "California",
    "treatment_time": 1989,
}
TRAIN, VALID = range(1971, 1981), range(1981, 1991)
#: Abadie, Diamond & Hainmueller (2015), Table 1 notes and the replication in pysyncon's
#: examples/germany.ipynb: V chosen on 1971-1980 predictors by the fit over 1981-1990, the
#: weights then matched on the same predictors a decade later.
ADH2015_TRAINING = [
    ("gdp", TRAIN),
    ("trade", TRAIN),
    ("infrate", TRAIN),
    ("industry", TRAIN),
    ("schooling", [1970, 1975]),
    ("invest70", 1980),
]
ADH2015 = [
    ("gdp", VALID),
    ("trade", VALID),
    ("infrate", VALID),
    ("industry", VALID),
    ("schooling", [1980, 1985]),
    ("invest80", 1980),
]
# Reunification took effect in October 1990 and ADH's validation window ends in 1990, so the
# 1990 row is pre-treatment here: the first treated year is 1991.
GERMANY = {
    "outcome": "gdp",
    "unit": "country",
    "time": "year",
    "treated_unit": "West Germany",
    "treatment_time": 1991,
}


@pytest.fixture(scope="module")
def smoking() -> pd.DataFrame:
    return CATALOG.load("studies.smoking_adh2010")


@pytest.fixture(scope="module")
def germany() -> pd.DataFrame:
    return CATALOG.load("studies.germany")


@pytest.fixture(scope="module")
def adh2010(smoking: pd.DataFrame) -> EstimateResult:
    return synthetic_control(smoking, **PROP99, predictors=ADH2010, placebos=False)


@pytest.fixture(scope="module")
def adh2015(germany: pd.DataFrame) -> EstimateResult:
    return synthetic_control(
        germany,
        **GERMANY,
        predictors=ADH2015,
        training_predictors=ADH2015_TRAINING,
        validation_periods=VALID,
        placebos=False,
    )


# --- published numbers -----------------------------------------------------------------------
def test_prop99_weights_match_adh_2010_table_2(adh2010: EstimateResult) -> None:
    # ADH (2010), Table 2: Utah .334, Nevada .234, Montana .199, Colorado .164, Connecticut
    # .069, every other state 0. The V search reaches a pre-period MSPE of 3.077, below the
    # 3.089 of the published weights (3.0895 for a V that gives them exactly); the loss is flat
    # there, so the weights agree to within .004, not to the third digit.
    w = adh2010.diagnostics["weights"]
    published = {
        "Utah": 0.334,
        "Nevada": 0.234,
        "Montana": 0.199,
        "Colorado": 0.164,
        "Connecticut": 0.069,
    }
    assert list(w.index[:5]) == list(published)
    assert np.allclose(w[list(published)].to_numpy(), list(published.values()), atol=0.005)
    assert w.iloc[5:].max() < 1e-3
    assert adh2010.diagnostics["pre_mspe"] == pytest.approx(3.0767, abs=1e-3)


def test_a_given_v_reaches_adh_2010_weights_at_a_worse_fit(smoking: pd.DataFrame) -> None:
    # Why the search's weights differ from Table 2 in the third digit: a V found by fitting the
    # published weights themselves (mostly retail price and 1975 sales) gives them within .0006,
    # but its pre-period MSPE is above the one the search reaches.
    v = [2.316e-07, 0.0002183, 0.2568, 1.333e-05, 0.7429, 2.343e-05, 2.232e-05]
    res = synthetic_control(smoking, **PROP99, predictors=ADH2010, v=v, placebos=False)
    w = res.diagnostics["weights"]
    published = [0.334, 0.234, 0.199, 0.164, 0.069]
    assert list(w.index[:5]) == ["Utah", "Nevada", "Montana", "Colorado", "Connecticut"]
    assert np.abs(w.iloc[:5].to_numpy() - published).max() < 6e-4
    assert res.diagnostics["pre_mspe"] == pytest.approx(3.0796, abs=1e-3)
    assert res.diagnostics["pre_mspe"] > 3.0767 + 1e-3


def test_prop99_balance_matches_adh_2010_table_1(adh2010: EstimateResult) -> None:
    # ADH (2010), Table 1, "Synthetic California": 9.86, 17.40 (%), 89.41, 24.20, 91.62,
    # 120.43, 126.99.
    synthetic = adh2010.diagnostics["predictor_balance"]["synthetic"].to_numpy()
    published = [9.86, 0.1740, 89.41, 24.20, 126.99, 120.43, 91.62]
    assert np.allclose(synthetic, published, rtol=0.004)


def test_prop99_v_search_beats_every_single_start(adh2010: EstimateResult) -> None:
    d = adh2010.diagnostics
    starts = d["v_starts"]
    assert list(starts["start"][:2]) == ["equal", "regression"]
    assert len(starts) == 6
    assert d["v_mspe"] == pytest.approx(starts["mspe"].min())
    assert d["v_mspe"] == pytest.approx(d["pre_mspe"])  # V's loss is the whole pre-period
    v = d["predictor_weights"]
    assert list(v.index) == [
        "lnincome 1980-1988",
        "age15to24 1980-1988",
        "retprice 1980-1988",
        "beer 1984-1988",
        "cigsale 1975",
        "cigsale 1980",
        "cigsale 1988",
    ]
    assert v.sum() == pytest.approx(1.0)
    assert (v >= 0).all()


def test_germany_weights_match_adh_2015_table_1(adh2015: EstimateResult) -> None:
    # ADH (2015), Table 1: Austria .42, USA .22, Japan .16, Switzerland .11, Netherlands .09
    # (issue 20 quotes .10; pysyncon's germany example gets .098 from its single equal start).
    w = adh2015.diagnostics["weights"]
    assert w.round(2).head(5).to_dict() == {
        "Austria": 0.42,
        "USA": 0.22,
        "Japan": 0.16,
        "Switzerland": 0.11,
        "Netherlands": 0.09,
    }
    assert w.iloc[5:].max() < 1e-3
    assert adh2015.design["validation_periods"] == list(VALID)
    assert adh2015.design["training_predictors"][0] == "gdp 1971-1980"


def test_user_given_v_reproduces_adh_2015(germany: pd.DataFrame, adh2015: EstimateResult) -> None:
    # The V of the training run, given by hand, gives ADH (2015)'s weights without a search.
    v = adh2015.diagnostics["predictor_weights"]
    res = synthetic_control(germany, **GERMANY, predictors=ADH2015, v=v.to_dict(), placebos=False)
    assert res.diagnostics["v_starts"].empty
    assert res.design["v_given"] is True
    pd.testing.assert_series_equal(res.diagnostics["predictor_weights"], v)
    pd.testing.assert_series_equal(res.diagnostics["weights"], adh2015.diagnostics["weights"])
    as_list = synthetic_control(
        germany, **GERMANY, predictors=ADH2015, v=list(10 * v), placebos=False
    )
    assert np.allclose(as_list.diagnostics["weights"], res.diagnostics["weights"])


def test_serialises_to_json(adh2015: EstimateResult) -> None:
    json.dumps(adh2015.to_dict())


# --- simulated truth -------------------------------------------------------------------------
def simulate_predictor_panel(seed: int) -> tuple[pd.DataFrame, dict[int, float]]:
    """Units 1-3 make unit 0 (0.5, 0.3, 0.2) in outcome and ``z``; 4 others do not.

    Few donors and ``z`` drawn anew for every unit and period make the weights identified: no
    other convex combination matches ``z`` in six or more periods.
    """
    rng = np.random.default_rng(seed)
    n_units, n_periods = 8, 20
    truth = {1: 0.5, 2: 0.3, 3: 0.2}
    loadings = rng.uniform(0, 2, (n_units, 3))
    loadings[0] = sum(w * loadings[j] for j, w in truth.items())
    factors = rng.normal(0, 1, (n_periods, 3)).cumsum(axis=0)
    y = 10 + loadings @ factors.T
    y[0, 15:] += 3.0
    z = rng.normal(0, 1, (n_units, n_periods))
    z[0] = sum(w * z[j] for j, w in truth.items())
    frame = pd.DataFrame(
        {
            "unit": np.repeat(np.arange(n_units), n_periods),
            "period": np.tile(np.arange(1, n_periods + 1), n_units),
            "y": y.ravel(),
            "z": z.ravel(),
        }
    )
    return frame, truth


SIMULATED = {"outcome": "y", "unit": "unit", "time": "period", "treated_unit": 0}


@pytest.mark.parametrize("seed", [1, 2])
def test_recovers_known_weights_and_effect(seed: int) -> None:
    data, truth = simulate_predictor_panel(seed)
    predictors = [("z", p) for p in range(1, 8)] + [("y", range(10, 15)), ("z", [9, 11])]
    res = synthetic_control(
        data, **SIMULATED, treatment_time=16, predictors=predictors, placebos=False
    )
    w = res.diagnostics["weights"]
    assert w[list(truth)].to_numpy() == pytest.approx(list(truth.values()), abs=0.01)
    assert res.estimate == pytest.approx(3.0, abs=0.1)
    assert res.diagnostics["pre_mspe"] < 1e-3


def test_training_split_recovers_known_weights() -> None:
    data, truth = simulate_predictor_panel(3)
    res = synthetic_control(
        data,
        **SIMULATED,
        treatment_time=16,
        predictors=[("z", p) for p in range(10, 16)] + [("y", range(10, 16))],
        training_predictors=[("z", p) for p in range(1, 7)] + [("y", range(1, 6))],
        validation_periods=range(6, 16),
        placebos=False,
    )
    w = res.diagnostics["weights"]
    assert w[list(truth)].to_numpy() == pytest.approx(list(truth.values()), abs=0.01)


def test_v_search_with_placebos_runs_on_a_small_panel() -> None:
    data, _ = simulate_predictor_panel(4)
    data = data[data["unit"] < 5]
    res = synthetic_control(
        data, **SIMULATED, treatment_time=16, predictors=[("z", p) for p in range(1, 8)]
    )
    assert len(res.diagnostics["placebos"]) == 4
    assert res.diagnostics["weights"][[1, 2, 3]].sum() > 0.9
    assert np.isfinite(res.std_error)


# --- error paths -----------------------------------------------------------------------------
@pytest.fixture(scope="module")
def small() -> pd.DataFrame:
    return simulate_predictor_panel(5)[0]


BASE = {**SIMULATED, "treatment_time": 16, "placebos": False}


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"v": [1.0]}, r"v need predictors: V weighs predictors\. Pass predictors"),
        (
            {"predictors": ["z"], "v": [1.0], "validation_periods": [3]},
            r"v fixes the predictor weights.*drop v or drop those",
        ),
        (
            {"predictors": ["z", ("y", 3)], "v": [1.0]},
            r"v has 1 weight\(s\) for 2 predictor\(s\) \['z', 'y 3'\]",
        ),
        ({"predictors": ["z"], "v": {"x": 1.0}}, r"v has keys \['x'\] that are not predictors"),
        ({"predictors": ["z", ("y", 3)], "v": [1.0, -1.0]}, r"v=\[1\.0, -1\.0\] must be non-neg"),
        (
            {"predictors": ["z"], "training_predictors": ["z", "y"]},
            r"training_predictors has 2 predictor\(s\) for 1 predictors",
        ),
        ({"predictors": [("z", 1, 2)]}, r"predictors item \('z', 1, 2\) is not a predictor"),
        ({"predictors": [("z", [])]}, r"predictors item \('z', \[\]\) has no periods"),
        ({"predictors": ["z", ("z", None)]}, r"predictors item \('z', None\)|not values"),
        ({"predictors": [("z", 3), ("z", 3)]}, r"predictors names \['z 3'\] twice"),
        ({"predictors": [("z", 99)]}, r"predictors 'z 99': period\(s\) \[99\] are not values"),
        (
            {"predictors": ["z"], "validation_periods": range(14, 18)},
            r"validation_periods \[16, 17\] are not pre-treatment values of period='period'",
        ),
        (
            {"predictors": ["z"], "method": "sdid"},
            r"predictors are only used by method='sc'",
        ),
    ],
)
def test_bad_predictor_options_name_the_fix(small: pd.DataFrame, kwargs: dict, match: str) -> None:
    with pytest.raises(DataError, match=match):
        synthetic_control(small, **{**BASE, **kwargs})


def test_unknown_predictor_column_suggests_a_close_match(small: pd.DataFrame) -> None:
    with pytest.raises(ColumnNotFoundError, match=r"predictors='zz'.*Did you mean 'z'"):
        synthetic_control(small, **BASE, predictors=[("zz", 3)])


def test_predictor_without_values_names_the_units(small: pd.DataFrame) -> None:
    data = small.assign(z=small["z"].where(~((small["unit"] == 2) & (small["period"] == 3))))
    with pytest.raises(DataError, match=r"have no value in their periods.*'z 3': \[2\]"):
        synthetic_control(data, **BASE, predictors=[("z", 3)])
