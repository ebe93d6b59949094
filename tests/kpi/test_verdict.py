"""ebpm.kpi.verdict: what an evaluation's interval says about the link it backs."""

from __future__ import annotations

import math

import pytest

from ebpm import kpi
from ebpm.errors import DataError, InvalidOptionError
from ebpm.kpi.verdict import EXPECTED, VERDICTS, verdict


def _result(low: float | None, high: float | None, estimate: float | None = -1.0) -> dict:
    return {"estimate": estimate, "low": low, "high": high}


@pytest.mark.parametrize(
    ("low", "high", "expected", "said"),
    [
        (-30.1, -9.2, "decrease", "supports"),
        (-30.1, -9.2, "either", "supports"),
        (-30.1, -9.2, "increase", "contradicts"),
        (9.2, 30.1, "increase", "supports"),
        (9.2, 30.1, "either", "supports"),
        (9.2, 30.1, "decrease", "contradicts"),
        (-40.4, 1.2, "decrease", "inconclusive"),
        (-40.4, 1.2, "increase", "inconclusive"),
        (-40.4, 1.2, "either", "inconclusive"),
        (0.0, 3.0, "increase", "inconclusive"),  # an end at exactly 0 includes it
        (-3.0, 0.0, "decrease", "inconclusive"),
        (0.0, 0.0, "either", "inconclusive"),
        (-9.2, -30.1, "decrease", "supports"),  # ends given the wrong way round
    ],
)
def test_the_interval_read_against_the_expected_direction(low, high, expected, said) -> None:
    assert verdict(_result(low, high), expected=expected) == said


def test_no_result_is_not_evaluated_and_no_interval_is_ran() -> None:
    assert verdict(None) == "not evaluated"
    assert verdict(None, expected="decrease") == "not evaluated"
    assert verdict(_result(None, None)) == "ran"
    assert verdict(_result(-3.0, None)) == "ran"  # half an interval judges nothing
    assert verdict(_result(math.nan, 2.0)) == "ran"
    assert verdict(_result(-math.inf, -1.0)) == "ran"
    assert verdict({}) == "ran"
    assert verdict({"estimate": None}, expected="increase") == "ran"


def test_a_headline_s_own_names_work_too() -> None:
    headline = {"estimate": -19.6, "conf_low": -30.1, "conf_high": -9.2}
    assert verdict(headline, expected="decrease") == "supports"
    assert verdict(headline, expected="increase") == "contradicts"


def test_the_states_and_directions_are_exported() -> None:
    assert VERDICTS == ("not evaluated", "ran", "supports", "inconclusive", "contradicts")
    assert EXPECTED == ("increase", "decrease", "either")
    assert kpi.verdict is verdict
    assert (kpi.VERDICTS, kpi.EXPECTED) == (VERDICTS, EXPECTED)


def test_an_unknown_direction_names_it_a_close_match_and_the_choices() -> None:
    with pytest.raises(
        InvalidOptionError,
        match=r"^expected='decreasing' is not supported\. Did you mean 'decrease'\? Choose one "
        r"of: 'increase', 'decrease', 'either'\. increase: the estimate should be above 0",
    ):
        verdict(_result(-2.0, -1.0), expected="decreasing")  # type: ignore[arg-type]
    with pytest.raises(InvalidOptionError, match=r"^expected=None is not supported"):
        verdict(None, expected=None)  # type: ignore[arg-type]


def test_an_end_that_is_not_a_number_is_a_data_error() -> None:
    with pytest.raises(
        DataError, match=r"^the low of the evaluation is '-3', not a number; pass a float"
    ):
        verdict({"low": "-3", "high": 1.0})
    with pytest.raises(DataError, match=r"^the conf_high of the evaluation is True, not a number"):
        verdict({"conf_low": 1.0, "conf_high": True})
