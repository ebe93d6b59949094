"""Tests of ebpm.pipeline._guess: a design's parameters from a catalog entry's columns."""

from __future__ import annotations

import pandas as pd
import pytest

from ebpm.pipeline._guess import column_roles, from_data

PROP99 = {
    "State": "US state (unit)",
    "Year": "year (time)",
    "PacksPerCapita": "cigarette sales, packs per capita (outcome)",
    "treated": "1 for California from 1989 (treatment)",
}


def test_role_tags_in_descriptions_are_trusted() -> None:
    roles = column_roles(PROP99)
    assert {r: roles[r].value for r in ("unit", "time", "outcome", "treated")} == {
        "unit": "State",
        "time": "Year",
        "outcome": "PacksPerCapita",
        "treated": "treated",
    }
    assert all(roles[r].sure for r in ("unit", "time", "outcome", "treated"))
    assert roles["cohort"].value is None


def test_running_variable_cutoff_and_covariates() -> None:
    roles = column_roles(
        {
            "margin": "Democratic margin of victory (running variable, cutoff 0)",
            "vote": "vote share in the next election (outcome)",
            "demvoteshlag1": "vote share in the previous election (covariate)",
            "population": "state population",
        }
    )
    assert roles["running"].value == "margin"
    assert roles["cutoff"].value == 0.0
    assert roles["covariates"].value == ["demvoteshlag1"]
    assert column_roles({"x": "score (running variable, cutoff at -2.5)"})["cutoff"].value == -2.5


def test_a_usual_name_is_a_guess_to_check() -> None:
    roles = column_roles(
        {"code": "municipality code", "fiscal_year": "年度", "ratio": "財政力指数"}
    )
    assert roles["unit"].value == "code"
    assert not roles["unit"].sure
    assert roles["time"].value == "fiscal_year"
    assert not roles["time"].sure
    assert "check it is the unit" in roles["unit"].note


def test_an_outcome_nobody_marked_is_left_with_the_candidates() -> None:
    roles = column_roles({"code": "code", "year": "year", "a": "index a", "b": "index b"})
    assert roles["outcome"].value is None
    assert roles["outcome"].candidates == ("code", "year", "a", "b")
    assert roles["outcome"].note == "the outcome column: one of code, year, a, b"


def test_two_columns_with_one_role_are_not_chosen_between() -> None:
    roles = column_roles({"y1": "first (outcome)", "y2": "second (outcome)"})
    assert roles["outcome"].value is None
    assert roles["outcome"].candidates == ("y1", "y2")


def test_no_covariates_no_cutoff() -> None:
    roles = column_roles({"x": "x"})
    assert roles["covariates"].value == []
    assert roles["cutoff"].value is None


def _panel() -> pd.DataFrame:
    rows = []
    for state in ("California", "Utah", "Nevada"):
        for year in range(1980, 1992):
            rows.append(
                {
                    "State": state,
                    "Year": year,
                    "treated": int(state == "California" and year >= 1989),
                }
            )
    return pd.DataFrame(rows)


def test_the_data_name_the_treated_unit_and_first_period() -> None:
    found = from_data(_panel(), column_roles(PROP99))
    assert found["treated_unit"].value == "California"
    assert found["treatment_time"].value == 1989
    assert isinstance(found["treatment_time"].value, int)  # a plain int, for a notebook literal
    # nine years before 1989 (1980-1988): the middle one
    assert found["placebo_time"].value == 1984
    assert not found["placebo_time"].sure


@pytest.mark.parametrize("second", ["Utah", None])
def test_no_single_treated_unit_gives_nothing(second: str | None) -> None:
    data = _panel()
    if second:
        data.loc[(data.State == second) & (data.Year >= 1990), "treated"] = 1
    else:
        data["treated"] = 0
    assert from_data(data, column_roles(PROP99)) == {}


def test_missing_columns_give_nothing() -> None:
    assert from_data(pd.DataFrame({"a": [1]}), column_roles(PROP99)) == {}
