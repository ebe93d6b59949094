"""did with awkward covariates: huge scales, copies of another covariate, time-invariant ones.

Each case is checked against pyfixest's ``feols`` on the same formula: the estimate on
``treated`` agrees, and a covariate pyfixest drops is dropped here too, with a
:class:`CollinearityWarning` naming it and saying why.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from ebpm import did
from ebpm.catalog import open_catalog
from ebpm.errors import CollinearityWarning, EstimationError
from tests.conftest import ROOT

pytestmark = pytest.mark.filterwarnings("ignore::ebpm.errors.FewClustersWarning")

CATALOG_DIR = ROOT / "catalogs"
ORGAN_ROLES = {"outcome": "Rate", "unit": "State", "time": "quarter_num", "treated": "treated"}
PROP99_ROLES = {"outcome": "PacksPerCapita", "unit": "State", "time": "Year", "treated": "treated"}


def with_covariates(data: pd.DataFrame, unit: str, seed: int = 1) -> pd.DataFrame:
    """Add ``x`` (noise), ``population`` (1e7 scale), ``x_twice`` (2 * x) and ``size`` (one
    value per unit, constant over time)."""
    rng = np.random.default_rng(seed)
    out = data.copy()
    out["x"] = rng.normal(0, 1, len(out))
    out["population"] = 1e7 * (1 + 0.1 * rng.normal(0, 1, len(out)))
    out["x_twice"] = 2 * out["x"]
    out["size"] = out.groupby(unit)["x"].transform("first")
    out["w"] = rng.uniform(0.5, 2.0, len(out))
    return out


@pytest.fixture(scope="module")
def organ() -> pd.DataFrame:
    return with_covariates(open_catalog(CATALOG_DIR).load("studies.organ_donations"), "State")


@pytest.fixture(scope="module")
def prop99() -> pd.DataFrame:
    return with_covariates(open_catalog(CATALOG_DIR).load("studies.prop99"), "State")


def pyfixest_estimate(data: pd.DataFrame, roles: dict, covariates: list[str], **kw) -> pd.Series:
    import pyfixest as pf

    rhs = " + ".join([roles["treated"], *covariates])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = pf.feols(
            f"{roles['outcome']} ~ {rhs} | {roles['unit']} + {roles['time']}",
            data=data,
            vcov={"CRV1": roles["unit"]},
            **kw,
        )
    return fit.tidy()["Estimate"]


def quiet_did(data: pd.DataFrame, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", CollinearityWarning)
        warnings.simplefilter("ignore", UserWarning)
        return did(data, **kw)


def test_population_scale_covariate_is_estimated_as_pyfixest_does(organ: pd.DataFrame) -> None:
    ref = pyfixest_estimate(organ, ORGAN_ROLES, ["population"])
    with warnings.catch_warnings():
        warnings.simplefilter("error", CollinearityWarning)  # nothing is dropped
        res = quiet_did(organ, **ORGAN_ROLES, covariates=["population"])
    got = res.tidy().set_index("term")["estimate"]
    assert got["treated"] == pytest.approx(ref["treated"], abs=1e-6, rel=1e-6)
    assert got["population"] == pytest.approx(ref["population"], rel=1e-6)


def test_covariate_twice_another_is_dropped_with_a_warning(organ: pd.DataFrame) -> None:
    ref = pyfixest_estimate(organ, ORGAN_ROLES, ["x", "x_twice"])
    assert "x_twice" not in ref.index  # pyfixest drops the later of the two
    with pytest.warns(CollinearityWarning, match=r"covariate 'x_twice' was dropped.*of 'x'"):
        res = did(organ, **ORGAN_ROLES, covariates=["x", "x_twice"])
    got = res.tidy().set_index("term")["estimate"]
    assert list(got.index) == ["treated", "x"]
    assert got["treated"] == pytest.approx(ref["treated"], abs=1e-6, rel=1e-6)
    assert res.diagnostics["dropped_covariates"] == ["x_twice"]


def test_time_invariant_covariate_is_dropped_as_absorbed_by_unit_effects(
    organ: pd.DataFrame,
) -> None:
    ref = pyfixest_estimate(organ, ORGAN_ROLES, ["x", "size"])
    with pytest.warns(
        CollinearityWarning,
        match=r"covariate 'size' was dropped: it does not change over time within State, so "
        r"the State fixed effects absorb it",
    ):
        res = did(organ, **ORGAN_ROLES, covariates=["x", "size"])
    assert res.estimate == pytest.approx(ref["treated"], abs=1e-6, rel=1e-6)
    assert "size" not in set(res.tidy()["term"])


def test_unit_invariant_covariate_is_absorbed_by_the_time_effects(organ: pd.DataFrame) -> None:
    data = organ.assign(trend=organ["quarter_num"] * 1e6)
    ref = pyfixest_estimate(data, ORGAN_ROLES, ["trend"])
    with pytest.warns(CollinearityWarning, match=r"'trend'.*the quarter_num fixed effects"):
        res = did(data, **ORGAN_ROLES, covariates=["trend"])
    assert res.estimate == pytest.approx(ref["treated"], abs=1e-6, rel=1e-6)


@pytest.mark.parametrize("covariates", [["population"], ["x", "x_twice"], ["x", "size"]])
def test_weighted_unbalanced_panel_agrees_with_pyfixest(
    prop99: pd.DataFrame, covariates: list[str]
) -> None:
    """Weights and a gap in the panel take the pyfixest route; the decisions are the same."""
    data = prop99.drop(index=[5, 40])
    ref = pyfixest_estimate(data, PROP99_ROLES, covariates, weights="w")
    res = quiet_did(data, **PROP99_ROLES, covariates=covariates, weights="w")
    assert res.estimate == pytest.approx(ref["treated"], abs=1e-6, rel=1e-6)
    assert set(res.tidy()["term"]) == set(ref.index)


def test_weighted_path_names_the_dropped_covariate(prop99: pd.DataFrame) -> None:
    with pytest.warns(CollinearityWarning, match=r"covariate 'size' was dropped.*within State"):
        did(prop99.drop(index=[5]), **PROP99_ROLES, covariates=["x", "size"], weights="w")


def test_covariate_that_copies_treated_is_dropped_not_treated(organ: pd.DataFrame) -> None:
    data = organ.assign(policy=organ["treated"] * 3.0)
    with pytest.warns(CollinearityWarning, match=r"'policy' was dropped.*treated='treated'"):
        res = did(data, **ORGAN_ROLES, covariates=["policy"])
    assert res.estimate == pytest.approx(quiet_did(organ, **ORGAN_ROLES).estimate, rel=1e-9)


def test_treated_collinear_with_the_fixed_effects_is_still_an_error(organ: pd.DataFrame) -> None:
    data = organ.assign(treated=(organ["quarter_num"] >= 4).astype(int))
    with pytest.raises(EstimationError, match=r"treated='treated' is collinear with the State"):
        quiet_did(data, **ORGAN_ROLES, covariates=["population", "size"])
