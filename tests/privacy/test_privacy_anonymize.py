"""Tests of ebpm.privacy.anonymize: the standard reached on any data (property test), no direct
identifier left, the audit (steps, risk before and after, information loss) and bad input."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ebpm.errors import ColumnNotFoundError, DataError, InvalidOptionError
from ebpm.privacy import anonymize, find_identifiers, frequencies, information_loss


def _people(n: int = 200, seed: int = 7) -> pd.DataFrame:
    """Simulated records (not real people): age, sex, prefecture, income, a name column."""
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "氏名": [f"山田{i}郎" for i in range(n)],
            "age": rng.integers(15, 90, n),
            "sex": rng.choice(["f", "m"], n),
            "pref": rng.choice(
                ["東京都", "大阪府", "北海道", "沖縄県", "鳥取県"], n, p=[0.4, 0.3, 0.2, 0.07, 0.03]
            ),
            "income": rng.lognormal(15, 0.6, n),
            "illness": rng.choice(["a", "b", "c"], n),
            "w": rng.uniform(50, 150, n),
        }
    )


def test_a_plan_reaches_its_standard_with_an_audit() -> None:
    people = _people()
    result = anonymize(
        people,
        keys=["age", "sex", "pref"],
        k=3,
        weight="w",
        recode={"age": [15, 30, 45, 60, 75, 90]},
        top_code={"income": 1e7},
        identifiers="drop",
    )
    data = result.data
    assert "氏名" not in data.columns
    assert find_identifiers(data).empty
    assert (frequencies(data, keys=["age", "sex", "pref"])["fk"] >= 3).all()
    assert result.meets_standard
    assert result.violating == 0
    names = [s["step"] for s in result.steps]
    assert names == ["drop_identifiers", "recode", "top_code", "local_suppression", "anonymize"]
    assert data.attrs["privacy"][-1]["step"] == "anonymize"
    # the risk fell: violations of 3-anonymity before, none after
    before = result.before.k_anonymity.set_index("k")["violations"]
    assert before[3] > 0
    assert result.after.k_anonymity.set_index("k")["violations"][3] == 0
    assert result.after.expected_reidentifications < result.before.expected_reidentifications
    # information loss: incomes above the limit coded, keys blanked by local suppression
    loss = result.loss.set_index("column")
    coded = int((people["income"] > 1e7).sum())
    assert loss.loc["income", "changed"] == coded > 0
    assert loss.loc["income", "mean_after"] < loss.loc["income", "mean_before"]
    blanked = sum(result.steps[3]["suppressed"].values())
    assert loss.loc[["age", "sex", "pref"], "blanked"].sum() == blanked
    assert loss.loc["illness", "changed"] == loss.loc["illness", "blanked"] == 0
    # the caller's frame is untouched; the result reads and serializes
    assert "氏名" in people.columns
    assert people["age"].dtype.kind == "i"
    json.dumps(result.to_dict(), allow_nan=False, ensure_ascii=False)
    text = result.summary()
    assert "standard met: yes" in text
    assert "local suppression to 3-anonymity" in text


def test_direct_identifiers_are_refused_by_default() -> None:
    with pytest.raises(DataError, match=r"direct identifiers: '氏名' \(name, by its name\)"):
        anonymize(_people(), keys=["sex", "pref"], k=3)


def test_l_diversity_is_measured_and_stated() -> None:
    df = pd.DataFrame(
        {
            "age": ["30s"] * 4 + ["40s"] * 4,
            "sex": ["f"] * 8,
            "illness": ["a", "a", "a", "a", "a", "b", "c", "a"],
        }
    )
    result = anonymize(df, keys=["age", "sex"], k=3, l=2, sensitive="illness")
    assert result.l_reached == 1  # the 30s all have illness "a": the keys reveal it
    assert result.violating == 0
    assert not result.meets_standard
    assert "standard met: NO" in result.summary()
    ok = anonymize(df[df["age"] == "40s"], keys=["age", "sex"], k=3, l=2, sensitive="illness")
    assert ok.l_reached == 3
    assert ok.meets_standard


def test_information_loss_counts_changes_blanks_and_correlations() -> None:
    before = pd.DataFrame({"x": [1.0, 2.0, 3.0, 4.0], "y": [2.0, 4.0, 6.0, 8.0], "s": list("abcd")})
    after = before.copy()
    after.loc[0, "x"] = np.nan
    after.loc[3, "y"] = 1.0
    after.loc[1, "s"] = "z"
    table, shift = information_loss(before, after)
    table = table.set_index("column")
    assert table.loc["x", "blanked"] == 1
    assert table.loc["x", "changed"] == 0
    assert table.loc["y", "changed"] == 1
    assert table.loc["y", "mean_after"] == pytest.approx(13 / 4)
    assert table.loc["s", "changed"] == 1
    assert math.isnan(table.loc["s", "mean_before"])
    corr_after = after[["x", "y"]].corr().loc["x", "y"]
    assert shift == pytest.approx(abs(corr_after - 1.0))


VALUE = st.one_of(st.none(), st.integers(0, 3))


@st.composite
def microdata(draw: st.DrawFn) -> tuple[pd.DataFrame, int]:
    n_keys = draw(st.integers(1, 3))
    n = draw(st.integers(3, 30))
    data = {f"k{j}": draw(st.lists(VALUE, min_size=n, max_size=n)) for j in range(n_keys)}
    data["v"] = draw(st.lists(st.floats(0, 100), min_size=n, max_size=n))
    return pd.DataFrame(data).astype({"v": "float64"}), draw(st.integers(1, 3))


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(microdata())
def test_every_record_matches_k_after_anonymize(case: tuple[pd.DataFrame, int]) -> None:
    df, k = case
    keys = [c for c in df.columns if c.startswith("k")]
    result = anonymize(df, keys=keys, k=k)
    # suppressed values are wildcards: every record matches at least k records on its keys
    assert (frequencies(result.data, keys=keys)["fk"] >= k).all()
    assert result.meets_standard
    assert result.data["v"].equals(df["v"])
    again = anonymize(df, keys=keys, k=k)  # no randomness: the same data, the same release
    pd.testing.assert_frame_equal(again.data, result.data)


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"keys": ["agee"]}, ColumnNotFoundError, r"keys='agee'.*Did you mean 'age'"),
        ({"keys": ["age"], "weight": "ww"}, ColumnNotFoundError, r"weight='ww'"),
        ({"keys": ["age"], "k": 500}, DataError, r"k=500 is larger than the 200 record"),
        ({"keys": ["age"], "k": 0}, InvalidOptionError, r"k=0 must be a whole number"),
        (
            {"keys": ["age"], "recode": {"age": [20, 60]}},
            DataError,
            r"recode\['age'\]: \d+ value\(s\) fall outside the breaks 20..60",
        ),
        (
            {"keys": ["age", "illness"], "sensitive": "illness"},
            InvalidOptionError,
            r"sensitive='illness' is also a key variable",
        ),
        ({"keys": ["age"], "l": 2}, InvalidOptionError, r"l=2 needs the sensitive variable"),
        (
            {"keys": ["age"], "identifiers": "ignore"},
            InvalidOptionError,
            r"identifiers='ignore' must be 'refuse'",
        ),
    ],
)
def test_bad_input_is_named(kwargs: dict, error: type, match: str) -> None:
    people = _people().drop(columns=["氏名"])
    with pytest.raises(error, match=match):
        anonymize(people, **kwargs)


def test_a_weight_that_is_not_positive_is_named() -> None:
    people = _people().drop(columns=["氏名"])
    people.loc[3, "w"] = 0.0
    with pytest.raises(DataError, match=r"weight='w' must be positive and finite"):
        anonymize(people, keys=["age"], weight="w")


def test_perturbation_of_the_other_variables_is_seeded_and_audited() -> None:
    people = _people().drop(columns=["氏名"])
    kwargs = {
        "keys": ["sex", "pref"],
        "k": 3,
        "microaggregate": ["income"],
        "noise": {"w": 50},
        "pram": ["illness"],
        "seed": 11,
    }
    result = anonymize(people, **kwargs)
    names = [s["step"] for s in result.steps]
    assert names == [
        "local_suppression",
        "microaggregate",
        "add_noise",
        "pram",
        "anonymize",
    ]
    loss = result.loss.set_index("column")
    # MDAV keeps the mean exactly and makes groups of at least k equal incomes
    assert loss.loc["income", "mean_after"] == pytest.approx(loss.loc["income", "mean_before"])
    assert result.data["income"].value_counts().min() >= 3
    assert loss.loc["w", "changed"] == len(people)
    assert not any("seed" in step for step in result.steps)  # the seed is not released
    again = anonymize(people, **kwargs)
    pd.testing.assert_frame_equal(again.data, result.data)
    other = anonymize(people, **{**kwargs, "seed": 12})
    assert not other.data["w"].equals(result.data["w"])


def test_perturbing_a_key_or_drawing_without_a_seed_is_refused() -> None:
    people = _people().drop(columns=["氏名"])
    with pytest.raises(InvalidOptionError, match=r"pram names the key variable\(s\) \['sex'\]"):
        anonymize(people, keys=["sex", "pref"], pram=["sex"], seed=1)
    with pytest.raises(InvalidOptionError, match=r"pass seed=<an integer>"):
        anonymize(people, keys=["sex", "pref"], noise={"income": 100})


def test_information_loss_counts_float32_values_as_numbers() -> None:
    """Top coding 2 of 5 float32 earnings changes 2 values, not every value whose float64
    text differs from its float32 text (445.1704 against 445.17041015625)."""
    df = pd.DataFrame(
        {
            "age": [20, 20, 20, 20, 20],
            "earn": np.array([445.1704, 2027.999, 30000.5, 41000.25, 6083.994], dtype="float32"),
        }
    )
    result = anonymize(df, keys=["age"], k=3, top_code={"earn": 25000})
    assert result.data["earn"].dtype == "float32"  # the values not coded keep their type
    row = result.loss.set_index("column").loc["earn"]
    assert (row["changed"], row["blanked"]) == (2, 0)
    assert [s["changed"] for s in result.steps if s["step"] == "top_code"] == [2]
