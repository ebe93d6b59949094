"""Tests of ebpm.privacy against sdcMicro's own test cases, and its error messages.

The reference numbers are transcribed from sdcMicro's testthat files (R package sdcMicro,
https://github.com/sdcTools/sdcMicro, commit cf3251017482bb215f0a9abf4a930f502399fb72,
version 5.8.1, GPL-2): tests/testthat/test_freqCalc.R, test_indivRisk.R and
test_ldiversity.R. Only the small input arrays and the expected values are copied (as data,
with this citation); no sdcMicro code or data file is shipped. sdcMicro's exact-method values
are given there to 8 or 9 digits, so they are compared with an absolute tolerance of 5e-9.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from ebpm.errors import (
    ColumnNotFoundError,
    DataError,
    InvalidOptionError,
    MissingValueError,
    NonNumericError,
)
from ebpm.privacy import (
    K_LEVELS,
    LDiversity,
    RiskMeasures,
    frequencies,
    individual_risk,
    l_diversity,
    risk,
)

NA = np.nan
KEYS = ["A", "B", "C"]
#: sdcMicro's weights for its 8-record test data (test_freqCalc.R, test_indivRisk.R).
WEIGHT = [18.0, 45.5, 39.0, 17.0, 92.0, 8.0, 123.5, 51]


def _sample(a: list, b: list, c: list) -> pd.DataFrame:
    return pd.DataFrame({"A": a, "B": b, "C": c, "weight": WEIGHT})


#: ``sample_Data`` of test_freqCalc.R: no missing keys.
COMPLETE = _sample([2, 3, 2, 2, 3, 3, 1, 2], [3, 3, 3, 3, 3, 3, 4, 3], [1, 3, 1, 2, 1, 1, 1, 1])
#: The same with C missing for records 3 and 7 (test_freqCalc.R).
HOLES = _sample([2, 3, 2, 2, 3, 3, 1, 2], [3, 3, 3, 3, 3, 3, 4, 3], [1, 3, NA, 2, 1, 1, NA, 1])
#: And with A missing for record 8 too (test_indivRisk.R, "with missing").
HOLES_A = _sample([2, 3, 2, 2, 3, 3, 1, NA], [3, 3, 3, 3, 3, 3, 4, 3], [1, 3, NA, 2, 1, 1, NA, 1])


# --- frequencies: test_freqCalc.R ----------------------------------------------------------
@pytest.mark.parametrize(
    ("data", "fk", "big_f"),
    [
        (
            COMPLETE,
            [3, 1, 3, 1, 2, 2, 1, 3],
            [108.0, 45.5, 108.0, 17.0, 100.0, 100.0, 123.5, 108.0],
        ),
        (HOLES, [3, 1, 4, 2, 2, 2, 1, 3], [108.0, 45.5, 125.0, 56.0, 100.0, 100.0, 123.5, 108.0]),
        (
            # one column all missing and one record with every key missing
            _sample([2, 3, NA, 2, 3, 3, 1, 2], [3, 3, NA, 3, 3, 3, 4, 3], [NA] * 8),
            [4, 4, 8, 4, 4, 4, 2, 4],
            [125.0, 184.5, 394.0, 125.0, 184.5, 184.5, 162.5, 125.0],
        ),
    ],
    ids=["complete", "missing", "all-missing record"],
)
def test_frequencies_equal_sdcmicro_freqcalc(data, fk, big_f) -> None:
    weighted = frequencies(data, keys=KEYS, weight="weight")
    assert weighted["fk"].tolist() == fk
    assert weighted["Fk"].tolist() == pytest.approx(big_f)
    plain = frequencies(data, keys=KEYS)
    assert plain["fk"].tolist() == fk
    assert plain["Fk"].tolist() == pytest.approx(fk)  # n1, n2 of freqCalc follow from fk
    assert int((plain["fk"] == 1).sum()) == fk.count(1)


def test_frequencies_one_key_with_missing_values_equal_sdcmicro() -> None:
    data = pd.DataFrame({"A": [2, 3, NA, 2, 1, NA, 1, 2], "weight": WEIGHT})
    out = frequencies(data, keys="A", weight="weight")
    assert out["fk"].tolist() == [5, 3, 8, 5, 4, 8, 4, 5]
    assert out["Fk"].tolist() == pytest.approx(
        [133.0, 92.5, 394.0, 133.0, 262.5, 394.0, 262.5, 133.0]
    )


def test_frequencies_more_keys_than_records_equal_sdcmicro() -> None:
    columns = [[2, 3, NA], [2, 3, 3], [1, NA, 3], [3, NA, 3], [3, 2, 2], [3, NA, NA],
               [1, 2, NA], [NA, 4, 4]]  # fmt: skip
    data = pd.DataFrame(dict(zip("ABCDEFGH", columns, strict=True)))
    data["weight"] = [18.0, 45.5, 122]
    out = frequencies(data, keys=list("ABCDEFGH"), weight="weight")
    assert out["fk"].tolist() == [1, 2, 2]
    assert out["Fk"].tolist() == pytest.approx([18.0, 167.5, 167.5])


def test_complete_records_do_not_count_records_with_every_key_missing() -> None:
    """sdcMicro's freqCalc (``addAllNAtoKeys <- FALSE``): with several keys, a record whose keys
    are all missing counts everyone, a partly missing one counts it, a complete one does not."""
    data = pd.DataFrame({"a": [1, 1, NA, 1], "b": ["x", "x", None, None]})
    # records 1, 2 count each other and record 4 (a=1, b missing), not record 3
    assert frequencies(data, keys=["a", "b"])["fk"].tolist() == [3, 3, 4, 4]


def test_frequencies_keep_the_index_and_accept_text_and_categories() -> None:
    data = pd.DataFrame(
        {"sex": pd.Categorical(["f", "m", "f"]), "area": ["x", "y", "x"]}, index=[10, 7, 3]
    )
    out = frequencies(data, keys=["sex", "area"])
    assert out.index.tolist() == [10, 7, 3]
    assert out["fk"].tolist() == [2, 1, 2]
    assert out["fk"].dtype == "int64"


# --- individual risk: test_indivRisk.R -----------------------------------------------------
@pytest.mark.parametrize(
    ("data", "method", "expected"),
    [
        (COMPLETE, "approx", [0.01369863, 0.08579129, 0.01369863, 0.17707583, 0.01877883,
                              0.01877883, 0.03931625, 0.01369863]),
        (COMPLETE, "exact", [0.01355297, 0.08579129, 0.01355297, 0.17707583, 0.01877883,
                             0.01877883, 0.03931625, 0.01355297]),
        (HOLES_A, "approx", [0.013698630, 0.085791288, 0.010554090, 0.032466112, 0.009836066,
                             0.009836066, 0.039316254, 0.005973716]),
        (HOLES_A, "exact", [0.013552968, 0.085791288, 0.010504889, 0.032466112, 0.009756889,
                            0.009756889, 0.039316254, 0.005962551]),
    ],
    ids=["approx", "exact", "missing-approx", "missing-exact"],
)  # fmt: skip
def test_individual_risk_equals_sdcmicro_indivrisk(data, method, expected) -> None:
    rk = individual_risk(data, keys=KEYS, weight="weight", method=method)
    assert rk.name == "risk"
    np.testing.assert_allclose(rk.to_numpy(), expected, rtol=0, atol=5e-9)


def test_without_weights_the_risk_is_one_over_fk_as_in_sdcmicro() -> None:
    rk = individual_risk(HOLES_A, keys=KEYS)
    expected = [0.33333, 1.0, 0.25, 0.5, 0.33333, 0.33333, 1.0, 0.2]  # survey = FALSE
    np.testing.assert_allclose(rk.round(5).to_numpy(), expected)
    np.testing.assert_allclose(
        individual_risk(COMPLETE, keys=KEYS, method="exact").round(5),
        [0.33333, 1.0, 0.33333, 1.0, 0.5, 0.5, 1.0, 0.33333],
    )


def _closed_form_exact(f: int, p: float) -> float:
    """sdcMicro's closed form of the exact risk for fk > 2 (R/indivRisk.R), transcribed."""
    a = (p ** (1 - f) - 1) / (f - 1)

    def b(i: int) -> float:
        return (
            (f - 1 - i) ** 2
            / ((i + 1) * (f - 2 - i))
            * (p ** (i + 2 - f) - 1)
            / (p ** (i + 1 - f) - 1)
        )

    bb = sum((-1) ** (m + 1) * np.prod([b(m2) for m2 in range(m + 1)]) for m in range(f - 2))
    return float((p / (1 - p)) ** f * (a * (1 + bb) + (-1) ** f * np.log(p)))


@pytest.mark.parametrize(("f", "big_f"), [(3, 10.0), (4, 57.0), (6, 20.0), (9, 400.0)])
def test_exact_risk_equals_sdcmicros_closed_form_where_it_is_stable(f, big_f) -> None:
    data = pd.DataFrame({"k": [1] * f + [2], "w": [big_f / f] * f + [5.0]})
    rk = individual_risk(data, keys="k", weight="w", method="exact")
    assert rk.iloc[0] == pytest.approx(_closed_form_exact(f, f / big_f), rel=1e-7)


def test_exact_risk_stays_finite_for_large_combinations() -> None:
    data = pd.DataFrame({"k": [1] * 400, "w": [250.0] * 400})
    rk = individual_risk(data, keys="k", weight="w", method="exact")
    approx = individual_risk(data, keys="k", weight="w")
    assert np.isfinite(rk).all()
    assert rk.iloc[0] == pytest.approx(approx.iloc[0], rel=1e-2)


def test_weights_equal_to_one_give_one_over_fk() -> None:
    data = COMPLETE.assign(weight=1.0)
    np.testing.assert_allclose(individual_risk(data, keys=KEYS, weight="weight"), 1 / np.array(
        [3, 1, 3, 1, 2, 2, 1, 3]))  # fmt: skip


# --- summaries -----------------------------------------------------------------------------
def test_risk_summarises_k_anonymity_and_global_risk() -> None:
    result = risk(HOLES_A, keys=KEYS, weight="weight")
    assert isinstance(result, RiskMeasures)
    fk = [3, 1, 4, 2, 3, 3, 1, 5]  # 1/fk of test_indivRisk.R, survey = FALSE
    assert result.records["fk"].tolist() == fk
    table = result.k_anonymity
    assert table["k"].tolist() == list(K_LEVELS)
    assert table["violations"].tolist() == [2, 3, 7]
    assert table["share"].tolist() == pytest.approx([2 / 8, 3 / 8, 7 / 8])
    expected = [0.013698630, 0.085791288, 0.010554090, 0.032466112, 0.009836066, 0.009836066,
                0.039316254, 0.005973716]  # fmt: skip
    assert result.expected_reidentifications == pytest.approx(sum(expected), abs=1e-8)
    assert result.global_risk == pytest.approx(sum(expected) / 8, abs=1e-9)


def test_unweighted_global_risk_is_the_mean_of_one_over_fk() -> None:
    """As sdcMicro's measure_risk without weights: risk_ER = sum(1/fk), risk = risk_ER / n."""
    result = risk(COMPLETE, keys=KEYS)
    assert result.expected_reidentifications == pytest.approx(5.0)  # 3 * 1/3 + 3 + 2 * 1/2
    assert result.global_risk == pytest.approx(5 / 8)


def test_risk_result_shows_itself() -> None:
    result = risk(HOLES_A, keys=KEYS, weight="weight", method="exact")
    text = result.summary()
    assert "violating 2-anonymity: 2 (25.0%)" in text
    assert str(result) == text
    assert "ebpm-riskmeasures" in result._repr_html_()
    data = json.loads(result.to_json())
    assert data["k_anonymity"][0] == {"k": 2, "violations": 2, "share": 0.25}
    assert data["method"] == "exact"
    tidy = result.tidy()
    assert tidy.columns.tolist() == ["measure", "k", "value", "share"]
    assert tidy["measure"].tolist()[-2:] == ["expected_reidentifications", "global_risk"]
    with pytest.raises(AttributeError):
        result.method = "approx"  # type: ignore[misc]


# --- l-diversity: test_ldiversity.R --------------------------------------------------------
def test_l_diversity_equals_sdcmicro() -> None:
    data = pd.DataFrame({
        "sex": ["female", "female", "female", "male", "male", "female", "female"],
        "occupation": [None, None, None, "teacher", "teacher", "nurse", "nurse"],
        "ethnicity": ["other"] * 5 + ["majority"] * 2,
        "sensitive": [1, 0, 2, 1, 0, 0, 1],
    })  # fmt: skip
    result = l_diversity(data, keys=["sex", "occupation", "ethnicity"], sensitive="sensitive")
    assert isinstance(result, LDiversity)
    assert result.records["sensitive"].tolist() == [3, 3, 3, 2, 2, 2, 2]
    assert result.groups["size"].tolist() == [3, 2, 2]
    assert result.n_below == {"sensitive": 0}


def test_l_diversity_of_several_sensitive_variables_equals_sdcmicro() -> None:
    data = pd.DataFrame({"key": [1, 1, 1], "sens1": ["A", "B", "A"], "sens2": ["X", "Y", "Z"]})
    result = l_diversity(data, keys="key", sensitive=["sens1", "sens2"])
    assert result.groups[["sens1", "sens2"]].iloc[0].tolist() == [2, 3]


def test_l_diversity_counts_records_below_two_and_missing_sensitive_values() -> None:
    data = pd.DataFrame(
        {"k": [1, 1, 2, 2, 3, 3, 4], "s": ["a", "a", "a", NA, NA, NA, "b"]}, index=list("pqrstuv")
    )
    result = l_diversity(data, keys="k", sensitive="s")
    assert result.groups["s"].tolist() == [1, 2, 0, 1]  # a missing value is one more value
    assert result.records.index.tolist() == list("pqrstuv")
    assert result.n_below == {"s": 5}
    assert result.below().tolist() == [True, True, False, False, True, True, True]
    assert result.to_dict()["min_l"] == {"s": 0}
    assert "records with l < 2: 5 (71.4%)" in result.summary()
    assert result.tidy().columns.tolist() == ["k", "size", "s"]


# --- bad input -----------------------------------------------------------------------------
def test_a_key_that_is_not_a_column_names_a_close_match() -> None:
    with pytest.raises(ColumnNotFoundError, match=r"keys='Sex' is not a column.*'sex'"):
        frequencies(pd.DataFrame({"sex": [1], "age": [2]}), keys=["Sex", "age"])


def test_empty_keys_are_refused() -> None:
    with pytest.raises(InvalidOptionError, match=r"keys=\[\] names no key variable"):
        risk(COMPLETE, keys=[])
    with pytest.raises(InvalidOptionError, match=r"names \['A'\] more than once"):
        risk(COMPLETE, keys=["A", "A"])


@pytest.mark.parametrize(
    ("weight", "error", "match"),
    [
        (
            [1.0, NA, 2.0],
            MissingValueError,
            r"weight='w' is missing for 1 record\(s\) \(first: 1\)",
        ),
        ([1.0, 0.0, 2.0], DataError, r"weight='w' must be positive and finite.*first: 1 = 0\.0"),
        ([1.0, -3.0, 2.0], DataError, r"must be positive and finite.*= -3\.0"),
        ([1.0, np.inf, 2.0], DataError, r"must be positive and finite.*= inf"),
        (["1", "2", "3"], NonNumericError, r"weight=.w. holds (object|str) values, not numbers"),
    ],
    ids=["missing", "zero", "negative", "infinite", "text"],
)
def test_bad_weights_are_named(weight, error, match) -> None:
    data = pd.DataFrame({"k": [1, 1, 2], "w": weight})
    with pytest.raises(error, match=match):
        individual_risk(data, keys="k", weight="w")


def test_a_weight_that_is_not_a_column_or_is_a_key_is_refused() -> None:
    with pytest.raises(ColumnNotFoundError, match=r"weight='weigth'.*Did you mean 'weight'"):
        risk(COMPLETE, keys=KEYS, weight="weigth")
    with pytest.raises(InvalidOptionError, match=r"weight='A' is also a key variable"):
        risk(COMPLETE, keys=KEYS, weight="A")


def test_weights_below_one_person_per_record_are_refused() -> None:
    data = pd.DataFrame({"k": [1, 1], "w": [0.5, 0.5]})
    with pytest.raises(DataError, match=r"add up to 1 people for its 2 record\(s\)"):
        individual_risk(data, keys="k", weight="w")


def test_a_sensitive_variable_among_the_keys_is_refused() -> None:
    with pytest.raises(InvalidOptionError, match=r"sensitive='A' is also a key variable"):
        l_diversity(COMPLETE, keys=KEYS, sensitive="A")
    with pytest.raises(ColumnNotFoundError, match=r"sensitive='wieght'.*'weight'"):
        l_diversity(COMPLETE, keys=KEYS, sensitive="wieght")


def test_an_unknown_method_lists_the_choices() -> None:
    with pytest.raises(InvalidOptionError, match=r"method='exakt'.*'approx', 'exact'"):
        individual_risk(COMPLETE, keys=KEYS, weight="weight", method="exakt")  # type: ignore[arg-type]


def test_data_that_is_not_a_frame_is_refused() -> None:
    with pytest.raises(DataError, match="must be a pandas DataFrame of records, not list"):
        frequencies([[1, 2]], keys="a")  # type: ignore[arg-type]


def test_l_diversity_of_a_variable_called_size() -> None:
    """A household's size is a common key: the count column steps aside as group_size."""
    df = pd.DataFrame({"size": ["S", "S", "L", "L"], "illness": ["a", "b", "a", "a"]})
    result = l_diversity(df, keys="size", sensitive="illness")
    assert result.groups["size"].tolist() == ["S", "L"]
    assert result.groups["group_size"].tolist() == [2, 2]
    assert result.groups["illness"].tolist() == [2, 1]
    other = l_diversity(
        df.rename(columns={"size": "k", "illness": "size"}), keys="k", sensitive="size"
    )
    assert other.records["group_size"].tolist() == [2, 2, 2, 2]
    assert other.records["size"].tolist() == [2, 2, 1, 1]
