"""The Frisch-Waugh-Lovell set-up shared by did()'s wild cluster bootstrap and placebo inference
(ebpm.estimators._did_fwl): the same numbers as did() computes through each path."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from ebpm import did
from ebpm.estimators._did_fwl import two_way
from ebpm.estimators._did_placebo import placebo_test
from ebpm.estimators._did_wild import wild_twfe
from tests.estimators.test_did import SIM_ROLES, simulate_panel


@pytest.fixture(scope="module")
def panel() -> pd.DataFrame:
    data = simulate_panel(effect=1.0, seed=8, n_units=20, staggered=True)
    return data.assign(w=np.random.default_rng(3).uniform(0.5, 2.0, len(data)))


def _arrays(data: pd.DataFrame) -> dict[str, np.ndarray]:
    return {
        "u_codes": data["unit"].to_numpy(),
        "t_codes": data["period"].to_numpy() - 1,
        "covariates": data[["x"]].to_numpy(),
        "weights": data["w"].to_numpy(),
    }


@pytest.mark.parametrize("weighted", [True, False])
def test_two_way_residualises_on_unit_and_period_dummies(panel: pd.DataFrame, weighted: bool):
    # FWL by brute force: weighted least squares on unit and period dummies and x
    a = _arrays(panel)
    w = a["weights"] if weighted else np.ones(len(panel))
    fwl = two_way(a["u_codes"], a["t_codes"], a["covariates"], w if weighted else None)
    root = np.sqrt(w)[:, None]
    design = (
        np.column_stack(
            [np.eye(20)[a["u_codes"]], np.eye(10)[a["t_codes"]][:, 1:], a["covariates"]]
        )
        * root
    )
    cols = panel[["y", "treated"]].to_numpy(float) * root
    brute = cols - design @ np.linalg.lstsq(design, cols, rcond=None)[0]
    assert fwl(panel[["y", "treated"]].to_numpy(float)) == pytest.approx(brute, abs=1e-9)
    assert fwl.residualise(cols) == pytest.approx(brute, abs=1e-9)


@pytest.mark.parametrize("weights", ["w", None])
def test_wild_twfe_is_dids_wild_bootstrap(panel: pd.DataFrame, weights: str | None) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = did(panel, **SIM_ROLES, covariates=["x"], weights=weights, vcov="wild", seed=5)
    a = _arrays(panel)
    boot = wild_twfe(
        panel["y"].to_numpy(),
        panel["treated"].to_numpy(),
        **{**a, "weights": a["weights"] if weights else None},
        clusters=a["u_codes"],
        n_clusters=20,
        reps=res.diagnostics["wild_bootstrap"]["reps"],
        seed=5,
        weights_type="rademacher",
        conf_level=0.95,
    )
    assert boot.p_value == res.p_value
    assert (boot.conf_low, boot.conf_high) == res.conf_int


def test_placebo_test_is_dids_placebo_inference(panel: pd.DataFrame) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = did(
            panel, **SIM_ROLES, covariates=["x"], weights="w", placebos=True, reps=120, seed=2
        )
    out = placebo_test(
        y=panel["y"].to_numpy(),
        d=panel["treated"].to_numpy(),
        n_t=10,
        estimate=res.estimate,
        unit_names=list(range(20)),
        reps=120,
        seed=2,
        **_arrays(panel),
    )
    assert out == res.diagnostics["placebo"]
    assert out["n_placebos"] == 120
