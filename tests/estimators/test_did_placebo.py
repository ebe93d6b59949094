"""did(placebos=True): placebo (permutation) inference across control units
(ebpm.estimators._did_placebo)."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import ebpm
from ebpm.catalog import open_catalog
from tests.conftest import ROOT

CATALOG = open_catalog(ROOT / "catalogs")


def _quiet_did(data: pd.DataFrame, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return ebpm.did(data, **kw)


def _brute_force(data, placebo_units, treated_paths, roles, **kw) -> list[float]:
    """Each placebo refitted by ebpm.did on the control units with the fake treatment."""
    unit, time = roles["unit"], roles["time"]
    out = []
    for chosen in placebo_units:
        fake = np.zeros(len(data))
        for path, c in zip(treated_paths, chosen, strict=True):
            rows = (data[unit] == c).to_numpy()
            fake[rows] = data.loc[rows, time].map(path).fillna(0).to_numpy()
        out.append(
            _quiet_did(data.assign(fake=fake), **{**roles, "treated": "fake"}, **kw).estimate
        )
    return out


def test_organ_donations_every_control_state_is_a_placebo() -> None:
    data = CATALOG.load("studies.organ_donations")
    roles = {"outcome": "Rate", "unit": "State", "time": "quarter_num", "treated": "treated"}
    result = _quiet_did(data, **roles, placebos=True)
    placebo = result.diagnostics["placebo"]
    assert placebo["exhaustive"] is True
    assert placebo["n_placebos"] == 26  # California's 26 comparison states
    controls = data[data.State != "California"]
    path = data[data.State == "California"].set_index("quarter_num")["treated"]
    refit = _brute_force(controls, placebo["units"], [path], roles)
    np.testing.assert_allclose(placebo["estimates"], refit, rtol=0, atol=1e-12)
    larger = sum(abs(b) >= abs(result.estimate) for b in refit)
    assert placebo["p_value"] == pytest.approx((1 + larger) / 27)
    assert placebo["p_value"] == pytest.approx(5 / 27)  # 4 states move at least as much


def test_weights_and_covariates_as_the_model_has_them() -> None:
    rng = np.random.default_rng(7)
    units, periods = [f"u{i}" for i in range(12)], range(8)
    rows = [(u, t) for u in units for t in periods]
    data = pd.DataFrame(rows, columns=["unit", "t"])
    data["x"] = rng.normal(size=len(data))
    data["w"] = rng.uniform(0.5, 2.0, size=len(data))
    data["d"] = ((data.unit.isin(["u0", "u1"])) & (data.t >= 5)).astype(int)
    data["y"] = 0.5 * data.x + 1.0 * data.d + rng.normal(size=len(data))
    roles = {"outcome": "y", "unit": "unit", "time": "t", "treated": "d"}
    kw = {"covariates": ["x"], "weights": "w"}
    result = _quiet_did(data, **roles, **kw, placebos=True, reps=500, seed=3)
    placebo = result.diagnostics["placebo"]
    assert placebo["exhaustive"] is True  # 10 * 9 ordered pairs of controls <= 500
    assert placebo["n_placebos"] == 90
    controls = data[~data.unit.isin(["u0", "u1"])]
    paths = [data[data.unit == u].set_index("t")["d"] for u in ("u0", "u1")]
    refit = _brute_force(controls, placebo["units"][:12], paths, roles, **kw)
    np.testing.assert_allclose(placebo["estimates"][:12], refit, rtol=0, atol=1e-10)


def test_many_choices_are_drawn_at_random_reproducibly() -> None:
    data = CATALOG.load("studies.prop99")
    roles = {"outcome": "PacksPerCapita", "unit": "State", "time": "Year", "treated": "treated"}
    # two treated states: 38 * 37 ordered pairs of the other 37 (> 200 draws)
    two = data.assign(
        treated=data.treated | ((data.State == "Utah") & (data.Year >= 1989)).astype(int)
    )
    first = _quiet_did(two, **roles, placebos=True, reps=200, seed=11).diagnostics["placebo"]
    again = _quiet_did(two, **roles, placebos=True, reps=200, seed=11).diagnostics["placebo"]
    assert first["exhaustive"] is False
    assert first["n_placebos"] == 200
    assert first["estimates"] == again["estimates"]
    assert all(len(u) == 2 and "California" not in u and "Utah" not in u for u in first["units"])


def test_a_large_effect_is_the_most_extreme_and_no_effect_is_not() -> None:
    rng = np.random.default_rng(2024)
    p_null = []
    for sim in range(30):
        rows = [(u, t) for u in range(16) for t in range(10)]
        data = pd.DataFrame(rows, columns=["unit", "t"])
        data["d"] = ((data.unit == 0) & (data.t >= 6)).astype(int)
        noise = rng.normal(size=len(data)) + rng.normal(size=16)[data.unit]
        data["y"] = noise + data.t * 0.1
        roles = {"outcome": "y", "unit": "unit", "time": "t", "treated": "d"}
        p_null.append(_quiet_did(data, **roles, placebos=True).diagnostics["placebo"]["p_value"])
        if sim == 0:
            big = _quiet_did(data.assign(y=data.y + 10 * data.d), **roles, placebos=True)
            assert big.diagnostics["placebo"]["p_value"] == pytest.approx(1 / 16)
    # under no effect the permutation p-value is uniform on {1/16, ..., 1}: mean about 0.53
    assert 0.35 < np.mean(p_null) < 0.7
    assert np.mean(np.array(p_null) <= 0.1) < 0.3


def test_too_few_controls_say_so() -> None:
    rows = [(u, t) for u in range(3) for t in range(4)]
    data = pd.DataFrame(rows, columns=["unit", "t"])
    data["d"] = ((data.unit < 2) & (data.t >= 2)).astype(int)
    data["y"] = np.arange(len(data), dtype=float) ** 1.5
    result = _quiet_did(
        data, outcome="y", unit="unit", time="t", treated="d", vcov="hetero", placebos=True
    )
    placebo = result.diagnostics["placebo"]
    assert placebo["p_value"] is None
    assert placebo["reason"] == "1 control units for 2 treated: too few for placebos"
