"""Tests of ebpm.privacy.suda against sdcMicro's documented suda2 examples (tests/testthat/
test_suda2.R, commit cf3251017482bb215f0a9abf4a930f502399fb72, version 5.8.1, GPL-2: the small
data frames and expected scores are copied as data), brute-force minimal sample uniques on
random data, and bad input."""

from __future__ import annotations

import math
from itertools import combinations

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ebpm.errors import ColumnNotFoundError, InvalidOptionError
from ebpm.privacy import suda


def test_sdcmicro_book_example() -> None:
    tab = pd.DataFrame(
        {
            "age": ["20s"] * 7 + ["60s"],
            "gender": ["male"] * 4 + ["female"] * 3 + ["male"],
            "income": ["50k+", "50k+"] + ["50k-"] * 6,
            "education": ["highschool"] * 4
            + ["university", "highschool", "middleschool", "university"],
        }
    )
    result = suda(tab, keys=list(tab.columns))
    assert result.records["score"].tolist()[4:] == [4, 2, 6, 8]  # su$score[5:8]
    assert result.records["score"].tolist()[:4] == [0, 0, 0, 0]
    assert result.records["smallest"].tolist()[4:] == [2, 2, 1, 1]


def test_sdcmicro_guideline_example() -> None:
    data = pd.DataFrame(
        {
            "Residence": ["Urban"] * 4 + ["Rural"] + ["Urban"] * 5,
            "Gender": [
                "Female",
                "Female",
                "Female",
                "Male",
                "Female",
                "Male",
                "Female",
                "Male",
                "Female",
                "Female",
            ],
            "Education": [
                "Secondary incomplete",
                "Secondary incomplete",
                "Primary incomplete",
                "Secondary complete",
                "Secondary complete",
                "Secondary complete",
                "Primary complete",
                "Post-secondary",
                "Secondary incomplete",
                "Secondary incomplete",
            ],
            "Labor": [
                "Employed",
                "Employed",
                "Non-LF",
                "Employed",
                "Unemployed",
                "Employed",
                "Non-LF",
                "Unemployed",
                "Non-LF",
                "Non-LF",
            ],
        }
    )
    result = suda(data, keys=list(data.columns))
    assert result.records["score"].tolist() == [0, 0, 6, 0, 12, 0, 6, 10, 0, 0]
    assert result.records["msus"].tolist()[4] == 4  # Rural; and three pairs
    assert result.special_uniques == 4
    assert "records unique on one or two keys: 4" in result.summary()


@pytest.mark.parametrize(
    ("order", "expected"),
    [
        (["a", "b", "c"], [50, 37.5, 37.5]),
        (["a", "c", "b"], [50, 37.5, 37.5]),
        (["c", "a", "b"], [37.5, 50, 37.5]),
        (["c", "b", "a"], [37.5, 37.5, 50]),
    ],
)
def test_sdcmicro_contributions(order: list[str], expected: list[float]) -> None:
    data = pd.DataFrame({"a": [2, 1, 1], "b": [0, 3, 0], "c": [0, 6, 0]})[order]
    result = suda(data, keys=order)
    assert result.contributions["contribution"].tolist() == expected
    assert result.tidy()["variable"].tolist() == order


def _brute(rows: list[tuple[int, ...]]) -> list[float]:
    """Every subset of keys, every record: unique there and on no smaller subset."""
    m = len(rows[0])
    scores = []
    for r in rows:
        msus: list[tuple[int, ...]] = []
        for size in range(1, m + 1):
            for s in combinations(range(m), size):
                same = sum(all(o[j] == r[j] for j in s) for o in rows)
                if same == 1 and not any(set(t) <= set(s) for t in msus):
                    msus.append(s)
        scores.append(sum(math.factorial(m - len(s)) for s in msus))
    return scores


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.integers(1, 4).flatmap(
        lambda m: st.lists(st.tuples(*[st.integers(0, 2)] * m), min_size=1, max_size=20)
    )
)
def test_scores_equal_a_brute_force_count(rows: list[tuple[int, ...]]) -> None:
    data = pd.DataFrame(rows, columns=[f"k{j}" for j in range(len(rows[0]))])
    result = suda(data, keys=list(data.columns))
    assert result.records["score"].tolist() == _brute(rows)


def test_bad_input_is_named() -> None:
    data = pd.DataFrame({f"k{j}": [1, 2] for j in range(13)})
    with pytest.raises(InvalidOptionError, match=r"keys names 13 variables.*at most 12"):
        suda(data, keys=list(data.columns))
    with pytest.raises(ColumnNotFoundError, match=r"keys='k99'"):
        suda(data, keys=["k99"])
