"""Global recoding, top and bottom coding (ebpm.privacy.recode, top_code, bottom_code)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ebpm.errors import ColumnNotFoundError, DataError, InvalidOptionError, NonNumericError
from ebpm.privacy import bottom_code, recode, risk, top_code


@pytest.fixture
def people() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "age": [0, 15, 16, 65, 66, 120, None],
            "job": ["doctor", "lawyer", "clerk", None, "clerk", "doctor", "farmer"],
            "income": [0, 120, 310, 560, 9800, 25000, 400],
        }
    )


def test_breaks_cut_as_r_cut_with_include_lowest(people) -> None:
    # R: cut(c(0, 15, 16, 65, 66, 120, NA), c(0, 15, 65, 120), include.lowest = TRUE)
    out = recode(people, {"age": [0, 15, 65, 120]})
    assert out["age"].astype("string").tolist()[:6] == [
        "[0, 15]",
        "[0, 15]",
        "(15, 65]",
        "(15, 65]",
        "(65, 120]",
        "(65, 120]",
    ]
    assert pd.isna(out["age"].iloc[6])  # missing stays missing
    assert list(out["age"].cat.categories) == ["[0, 15]", "(15, 65]", "(65, 120]"]
    assert out["age"].cat.ordered
    assert people["age"].iloc[1] == 15  # the caller's frame is untouched


def test_labels_name_the_classes(people) -> None:
    out = recode(people, {"age": [0, 15, 65, 120]}, labels={"age": ["0-15", "16-65", "66+"]})
    assert out["age"].astype("string").tolist()[:6] == [
        "0-15",
        "0-15",
        "16-65",
        "16-65",
        "66+",
        "66+",
    ]


def test_a_map_merges_categories_and_keeps_the_others(people) -> None:
    out = recode(people, {"job": {"doctor": "professional", "lawyer": "professional"}})
    assert out["job"].tolist()[:3] == ["professional", "professional", "clerk"]
    assert pd.isna(out["job"].iloc[3])
    assert out["job"].iloc[6] == "farmer"


def test_the_steps_are_recorded_for_the_audit(people) -> None:
    out = recode(people, {"age": [0, 15, 65, 120], "job": {"doctor": "professional"}})
    out = top_code(out, {"income": 10000}, replacement={"income": 17400})
    assert [(s["step"], s["column"], s["changed"]) for s in out.attrs["privacy"]] == [
        ("recode", "age", 6),
        ("recode", "job", 2),
        ("top_code", "income", 1),
    ]
    assert out.attrs["privacy"][2]["replacement"] == 17400.0


def test_recoding_lowers_the_risk(people) -> None:
    keys = ["age", "job"]
    before = risk(people, keys=keys)
    after = risk(recode(people, {"age": [0, 15, 65, 120]}), keys=keys)
    assert after.expected_reidentifications < before.expected_reidentifications


def test_top_and_bottom_coding(people) -> None:
    top = top_code(people, {"income": 9000})
    assert top["income"].tolist() == [0, 120, 310, 560, 9000, 9000, 400]
    assert top["income"].dtype == people["income"].dtype  # integers stay integers
    bottom = bottom_code(people, {"income": 100}, replacement={"income": 50})
    assert bottom["income"].tolist() == [50, 120, 310, 560, 9800, 25000, 400]


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (lambda df: recode(df, {"agee": [0, 1]}), ColumnNotFoundError, "recode='agee'.*Did you"),
        (lambda df: recode(df, {"age": [0, 65, 15]}), InvalidOptionError, "strictly increasing"),
        (lambda df: recode(df, {"age": [5]}), InvalidOptionError, "at least two"),
        (lambda df: recode(df, {"age": [0, 100]}), DataError, r"1 value\(s\) fall outside.*120"),
        (lambda df: recode(df, {"job": [0, 1]}), NonNumericError, "merge categories with a map"),
        (lambda df: recode(df, {"job": {"docter": "x"}}), InvalidOptionError, "Did you mean"),
        (lambda df: recode(df, {}), InvalidOptionError, "non-empty mapping"),
        (lambda df: recode(df, {"age": 15}), InvalidOptionError, "list of breaks or a map"),
        (
            lambda df: recode(df, {"age": [0, 65, 120]}, labels={"age": ["young"]}),
            InvalidOptionError,
            "1 label.*2 classes",
        ),
        (
            lambda df: recode(df, {"age": [0, 120]}, labels={"job": ["x"]}),
            InvalidOptionError,
            "no rule",
        ),
        (lambda df: top_code(df, {"job": 3}), NonNumericError, "convert the column to numbers"),
        (lambda df: top_code(df, {"income": float("inf")}), InvalidOptionError, "finite"),
        (lambda df: top_code(df, {"income": "lots"}), InvalidOptionError, "must be a number"),
        (
            lambda df: bottom_code(df, {"income": 1}, replacement={"age": 0}),
            InvalidOptionError,
            "has no limit",
        ),
    ],
)
def test_bad_input_is_named_with_the_fix(people, call, error, match) -> None:
    with pytest.raises(error, match=match):
        call(people)


@settings(max_examples=60, deadline=None)
@given(
    values=st.lists(st.one_of(st.none(), st.floats(0, 100)), min_size=1, max_size=30),
    inner=st.lists(st.floats(0.5, 99.5), max_size=4, unique=True),
)
def test_every_value_lands_in_the_class_that_holds_it(values, inner) -> None:
    edges = [0.0, *sorted(inner), 100.0]
    df = pd.DataFrame({"x": pd.array(values, dtype="Float64")})
    out = recode(df, {"x": edges})
    codes = out["x"].cat.codes.to_numpy()
    for value, code in zip(values, codes, strict=True):
        if value is None:
            assert code == -1
            continue
        low, high = edges[code], edges[code + 1]
        assert low <= value if code == 0 else low < value
        assert value <= high
    assert np.all(codes < len(edges) - 1)


def test_float32_values_on_a_break_fall_in_the_class_below() -> None:
    """float32's 0.1 is 0.10000000149 as a float64: it is compared with float32's 0.1, so it
    falls in [0, 0.1] as the analyst wrote, not in (0.1, 1]."""
    df = pd.DataFrame({"x": np.array([0.1, 0.05, 0.3], dtype="float32")})
    assert recode(df, {"x": [0, 0.1, 1]})["x"].tolist() == ["[0, 0.1]", "[0, 0.1]", "(0.1, 1]"]
    coded = top_code(df, {"x": 0.1})
    assert coded.attrs["privacy"][-1]["changed"] == 1  # 0.3 only
    assert coded["x"].dtype == "float32"
    assert int((coded["x"] != df["x"]).sum()) == 1


def test_interval_labels_are_the_breaks_exactly() -> None:
    df = pd.DataFrame({"income": [1234567, 1234568, 2000000]})
    assert recode(df, {"income": [0, 1234567, 2500000]})["income"].tolist() == [
        "[0, 1234567]",
        "(1234567, 2500000]",
        "(1234567, 2500000]",
    ]
    near = pd.DataFrame({"x": [1000000.5, 1000001.5]})  # labels that %g would merge
    assert recode(near, {"x": [1000000, 1000001, 1000002]})["x"].tolist() == [
        "[1000000, 1000001]",
        "(1000001, 1000002]",
    ]


def test_a_map_counts_the_values_it_changes_as_values() -> None:
    ints = recode(pd.DataFrame({"a": [1, 2, 5]}), {"a": {5: 4.5}})
    assert ints.attrs["privacy"][-1]["changed"] == 1  # 1 and 2 are still 1.0 and 2.0
    jobs = pd.DataFrame({"j": ["a", "a", "b", "b", "b", "c"]})
    blanked = recode(jobs, {"j": {"a": None, "c": np.nan, "b": "b"}})
    assert blanked.attrs["privacy"][-1]["changed"] == 3  # made missing counts as changed
