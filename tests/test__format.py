"""ebpm._format: digits, signs and missing values decided in one place (issue 17)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from ebpm._format import MINUS, decimals_for, finite, fixed, significant


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (1, 1.0),
        (np.float32(0.5), 0.5),
        (None, None),
        (math.nan, None),
        (-math.inf, None),
        (pd.NA, None),
        ("1.5", None),
        (True, None),
    ],
)
def test_finite_is_a_number_or_none(value: object, expected: float | None) -> None:
    assert finite(value) == expected


def test_fixed() -> None:
    assert fixed(-0.02251, 4) == "-0.0225"
    assert fixed(1234.56, 1, thousands=True) == "1,234.6"
    assert fixed(-19.62, 1, minus=True) == f"{MINUS}19.6"
    assert fixed(-0.04, 1, minus=True) == "0.0"  # never a minus zero
    assert fixed(1.5, 2, sign=True) == "+1.50"
    assert fixed(3.2e-07, 4, tiny=True) == "3.2e-07"
    assert fixed(math.nan, 2, missing="–") == "–"


def test_significant_never_uses_exponents_for_large_values() -> None:
    assert significant(727277) == "727,277"
    assert significant(14173000.4) == "14,173,000"
    assert significant(-47137.14) == "-47,137.1"
    assert significant(1.5, sign=True, minus=True) == "+1.5"
    assert significant(-2.25, 2, minus=True) == f"{MINUS}2.2"
    assert significant(None) == "–"


@pytest.mark.parametrize(
    ("args", "decimals"),
    [
        ((-19.6, -30.1, -9.2), 1),
        ((1500.0,), 0),
        ((0.0123,), 3),
        ((0.5, 0.49, 0.51), 3),
        ((None, None, None), 1),
        ((0.0, 0.0, 1e-9), 6),
    ],
)
def test_decimals_for_an_estimate_and_its_interval(args: tuple, decimals: int) -> None:
    assert decimals_for(*args) == decimals
