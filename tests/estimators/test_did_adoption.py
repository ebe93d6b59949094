"""did() tells when treatment timing varies or treatment switches off (issue 21)."""

from __future__ import annotations

import json
import warnings

import pandas as pd
import pytest

from ebpm import did
from ebpm.catalog import open_catalog
from ebpm.errors import StaggeredAdoptionWarning
from tests.conftest import ROOT
from tests.estimators.test_did import ORGAN_ROLES, SIM_ROLES, simulate_panel

CASTLE_ROLES = {"outcome": "l_homicide", "unit": "sid", "time": "year", "treated": "post"}


@pytest.fixture(scope="module")
def castle() -> pd.DataFrame:
    return open_catalog(ROOT / "catalogs").load("studies.castle")


@pytest.fixture(scope="module")
def organ() -> pd.DataFrame:
    return open_catalog(ROOT / "catalogs").load("studies.organ_donations")


def test_staggered_castle_laws_warn_and_point_to_the_decomposition(castle: pd.DataFrame) -> None:
    with pytest.warns(
        StaggeredAdoptionWarning,
        match=r"treated='post' switches on at 5 different times \(2006, 2007, 2008, 2009, "
        r"2010\)\..*bacon_decomposition\(\).*staggered_did\(\)",
    ):
        res = did(castle, **CASTLE_ROLES, vcov="hetero")
    assert res.diagnostics["adoption"] == {
        "staggered": True,
        "adoption_times": [2006, 2007, 2008, 2009, 2010],
        "switches_off": [],
    }
    assert json.loads(res.to_json())["diagnostics"]["adoption"]["staggered"] is True


def test_one_adoption_date_does_not_warn(organ: pd.DataFrame) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error", StaggeredAdoptionWarning)
        res = did(organ, **ORGAN_ROLES, vcov="hetero")
    assert res.diagnostics["adoption"] == {
        "staggered": False,
        "adoption_times": [4],
        "switches_off": [],
    }


def test_treatment_that_switches_off_is_named(organ: pd.DataFrame) -> None:
    on_off = organ.assign(treated=organ["treated"].where(organ["quarter_num"] != 5, 0))
    with pytest.warns(
        StaggeredAdoptionWarning,
        match=r"switches off again in 1 State\(s\): 'California'\. The TWFE",
    ):
        res = did(on_off, **ORGAN_ROLES, vcov="hetero")
    assert res.diagnostics["adoption"]["switches_off"] == ["California"]
    assert res.diagnostics["adoption"]["staggered"] is False


def test_many_switching_units_are_counted_and_a_few_named() -> None:
    data = simulate_panel(effect=1.0, seed=3, n_units=40, first_treated=4)
    data["treated"] = data["treated"].where(data["period"] != 8, 0)  # every treated unit
    with pytest.warns(
        StaggeredAdoptionWarning, match=r"in 20 unit\(s\): 0, 1, 2, 3, 4 and 15 more\."
    ):
        res = did(data, **SIM_ROLES, vcov="hetero")
    assert res.diagnostics["adoption"]["switches_off"] == list(range(20))


def test_staggered_and_switching_off_are_both_said() -> None:
    data = simulate_panel(effect=1.0, seed=3, n_units=40, first_treated=4, staggered=True)
    data.loc[(data["unit"] == 0) & (data["period"] == 10), "treated"] = 0
    with pytest.warns(
        StaggeredAdoptionWarning, match=r"2 different times \(4, 6\) and switches off again in 1"
    ):
        did(data, **SIM_ROLES, vcov="hetero")


def test_a_gap_before_the_first_treated_row_is_not_staggered() -> None:
    # unit 0 is treated from period 4 like every treated unit, but its row for period 4 is
    # missing: its first treated row is period 5, yet one adoption date fits every unit
    data = simulate_panel(effect=1.3, seed=9, n_units=30, n_periods=6, first_treated=4)
    with warnings.catch_warnings():
        warnings.simplefilter("error", StaggeredAdoptionWarning)
        res = did(data.drop(index=[3]), **SIM_ROLES, vcov="hetero")
    assert res.diagnostics["adoption"]["adoption_times"] == [4]


def test_periods_written_as_text_are_ordered_as_numbers() -> None:
    data = simulate_panel(effect=1.0, seed=5, n_units=20, n_periods=12, first_treated=9)
    with warnings.catch_warnings():
        warnings.simplefilter("error", StaggeredAdoptionWarning)
        res = did(data.assign(period=data["period"].astype(str)), **SIM_ROLES, vcov="hetero")
    assert res.diagnostics["adoption"]["adoption_times"] == ["9"]
