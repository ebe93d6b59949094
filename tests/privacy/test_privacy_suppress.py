"""Tests of ebpm.privacy.local_suppression: sdcMicro's own test cases, k-anonymity reached on
any data (property test), the importance order, the audit step and the errors.

The reference totals are those of sdcMicro's tests/testthat/test_localSuppression.R (commit
cf3251017482bb215f0a9abf4a930f502399fb72, version 5.8.1, GPL-2): its data are drawn with R's
``set.seed(3); runif(...)``, which :func:`_r_runif` draws again (R's Mersenne-Twister seeding,
``unif_rand``); checked against R's documented ``set.seed(42); runif(3)``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ebpm.errors import ColumnNotFoundError, DataError, InvalidOptionError
from ebpm.privacy import frequencies, local_suppression, recode


def _r_runif(seed: int, n: int) -> np.ndarray:
    """R's ``set.seed(seed); runif(n)``: the seed scrambled 50 times by the LCG 69069, 625
    more words of it seed the Mersenne Twister (the first is its position), and each uniform
    is one 32-bit word times 2^-32."""
    s = seed & 0xFFFFFFFF
    for _ in range(50):
        s = (69069 * s + 1) & 0xFFFFFFFF
    words = []
    for _ in range(625):
        s = (69069 * s + 1) & 0xFFFFFFFF
        words.append(s)
    mt = np.random.MT19937()
    mt.state = {
        "bit_generator": "MT19937",
        "state": {"key": np.array(words[1:], dtype=np.uint32), "pos": 624},
    }
    return mt.random_raw(n) * 2.3283064365386963e-10


def test_r_runif_is_rs() -> None:
    # R 4.x: set.seed(42); runif(3) -> 0.9148060 0.9370754 0.2861395
    assert _r_runif(42, 3) == pytest.approx([0.9148060, 0.9370754, 0.2861395], abs=5e-8)
    # sdcMicro's test_suda2.R states sample_Data's third column, drawn the same way
    assert _sample_data()["Var3"].tolist() == pytest.approx(
        [
            23.5919862471055,
            2.51765935891308,
            13.7691743019968,
            10.2448109227698,
            24.4516157396138,
            79.3235935377888,
            60.3734250029083,
            91.1046233826783,
            56.4820308389608,
            75.8147721474525,
        ],
        abs=1e-12,
    )


def _sample_data() -> pd.DataFrame:
    """test_localSuppression.R's ``sample_Data``: three uniform columns on 1..100 (R fills the
    10 x 3 array column by column), then rounded uniforms on 1..3, 1..2 and 1..4 as keys."""
    u = _r_runif(3, 60)
    v = 1 + 99 * u[:30]
    return pd.DataFrame(
        {
            "Var1": v[:10],
            "Var2": v[10:20],
            "Var3": v[20:30],
            "Var4": np.round(1 + 2 * u[30:40]).astype(int),
            "Var5": np.round(1 + 1 * u[40:50]).astype(int),
            "Var6": np.round(1 + 3 * u[50:60]).astype(int),
        }
    )


def test_sdcmicro_two_keys_default_importance() -> None:
    # localSuppression(sample_Data, keyVars = paste0("Var", 4:5), k = 2): 2 suppressions
    out = local_suppression(_sample_data(), keys=["Var4", "Var5"], k=2)
    step = out.attrs["privacy"][-1]
    assert step["changed"] == 2
    assert step["suppressed"] == {"Var4": 2, "Var5": 0}  # Var4 has more categories
    assert step["importance"] == ["Var5", "Var4"]


def test_sdcmicro_three_keys_with_importance() -> None:
    # localSuppression(sample_Data, keyVars = paste0("Var", 3:5), k = 2,
    #                  importance = c(3, 2, 1)): 10 suppressions
    data = _sample_data()
    out = local_suppression(
        data, keys=["Var3", "Var4", "Var5"], k=2, importance=["Var5", "Var4", "Var3"]
    )
    step = out.attrs["privacy"][-1]
    assert step["changed"] == 10
    assert step["suppressed"] == {"Var3": 7, "Var4": 2, "Var5": 1}
    assert (frequencies(out, keys=["Var3", "Var4", "Var5"])["fk"] >= 2).all()
    # the other columns and the caller's frame are untouched
    pd.testing.assert_frame_equal(out[["Var1", "Var2", "Var6"]], data[["Var1", "Var2", "Var6"]])
    assert data[["Var3", "Var4", "Var5"]].notna().all().all()


def test_the_least_important_key_is_blanked() -> None:
    # a unique record (3, "m") next to ("3", "f") x3 and (4, "m") x3: either key would do
    df = pd.DataFrame({"age": [3, 3, 3, 3, 4, 4, 4], "sex": ["m", "f", "f", "f", "m", "m", "m"]})
    by_age = local_suppression(df, keys=["age", "sex"], k=3, importance=["sex", "age"])
    assert by_age["age"].isna().tolist() == [True] + [False] * 6
    assert by_age["sex"].notna().all()
    by_sex = local_suppression(df, keys=["age", "sex"], k=3, importance=["age", "sex"])
    assert by_sex["sex"].isna().tolist() == [True] + [False] * 6
    assert by_sex.attrs["privacy"][-1]["changed"] == 1  # one blank is enough


def test_data_already_k_anonymous_are_left_alone() -> None:
    df = pd.DataFrame({"a": [1, 1, 2, 2], "b": ["x", "x", "y", "y"], "v": [1.0, 2.0, 3.0, 4.0]})
    out = local_suppression(df, keys=["a", "b"], k=2)
    pd.testing.assert_frame_equal(out, df, check_dtype=True)
    assert out.attrs["privacy"][-1]["changed"] == 0


def test_blanked_values_keep_their_column_types() -> None:
    df = pd.DataFrame(
        {
            "age": pd.Series([20, 20, 30, 40], dtype="int64"),
            "sex": pd.Categorical(["m", "m", "f", "m"]),
            "pref": ["東京都", "東京都", "大阪府", "東京都"],
        }
    )
    out = local_suppression(df, keys=["age", "sex", "pref"], k=2)
    assert str(out["age"].dtype) == "Int64"
    assert isinstance(out["sex"].dtype, pd.CategoricalDtype)
    assert (frequencies(out, keys=["age", "sex", "pref"])["fk"] >= 2).all()
    assert out.isna().sum().sum() == out.attrs["privacy"][-1]["changed"] > 0


def test_steps_before_are_kept() -> None:
    df = pd.DataFrame({"age": [1, 5, 9, 30, 33, 70], "sex": list("mmffmf")})
    out = local_suppression(recode(df, {"age": [0, 15, 65, 120]}), keys=["age", "sex"], k=2)
    assert [s["step"] for s in out.attrs["privacy"]] == ["recode", "local_suppression"]
    assert out.attrs["privacy"][-1]["records"] <= out.attrs["privacy"][-1]["changed"]


VALUE = st.one_of(st.none(), st.integers(0, 3))


@st.composite
def microdata(draw: st.DrawFn) -> tuple[pd.DataFrame, int]:
    n_keys = draw(st.integers(1, 4))
    n = draw(st.integers(1, 30))
    data = {f"k{j}": draw(st.lists(VALUE, min_size=n, max_size=n)) for j in range(n_keys)}
    data["v"] = list(range(n))
    return pd.DataFrame(data, dtype=object), draw(st.integers(1, min(n, 5)))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(microdata())
def test_every_record_reaches_k_and_only_keys_are_blanked(case: tuple[pd.DataFrame, int]) -> None:
    df, k = case
    keys = [c for c in df.columns if c.startswith("k")]
    out = local_suppression(df, keys=keys, k=k)
    assert (frequencies(out, keys=keys)["fk"] >= k).all()  # missing values as wildcards
    assert out["v"].tolist() == df["v"].tolist()
    before, after = df[keys].isna().to_numpy(), out[keys].isna().to_numpy()
    assert not (before & ~after).any()  # nothing missing comes back
    kept = ~after
    assert (df[keys].to_numpy()[kept] == out[keys].to_numpy()[kept]).all()  # nothing else changes
    assert out.attrs["privacy"][-1]["changed"] == int((after & ~before).sum())
    # seeded by nothing: the same data give the same blanks
    pd.testing.assert_frame_equal(local_suppression(df, keys=keys, k=k), out)


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"keys": ["agee"], "k": 2}, ColumnNotFoundError, r"keys='agee'.*Did you mean 'age'"),
        (
            {"keys": ["age"], "k": 0},
            InvalidOptionError,
            r"k=0 must be a whole number of at least 1",
        ),
        ({"keys": ["age"], "k": 2.5}, InvalidOptionError, r"k=2.5 must be a whole number"),
        ({"keys": ["age"], "k": 9}, DataError, r"k=9 is larger than the 4 record\(s\).*Lower k"),
        (
            {"keys": ["age", "sex"], "importance": ["age"]},
            InvalidOptionError,
            r"must list each key exactly once; missing: \['sex'\]",
        ),
        (
            {"keys": ["age", "sex"], "importance": ["age", "sex", "job"]},
            InvalidOptionError,
            r"not keys: \['job'\]",
        ),
        (
            {"keys": ["age", "sex"], "importance": ["age", "age"]},
            InvalidOptionError,
            r"repeated: \['age'\]",
        ),
        ({"keys": ["age"], "importance": "age"}, InvalidOptionError, r"must list the keys from"),
    ],
)
def test_bad_input_is_named(kwargs: dict, error: type, match: str) -> None:
    df = pd.DataFrame({"age": [1, 2, 3, 4], "sex": list("mfmf")})
    with pytest.raises(error, match=match):
        local_suppression(df, **kwargs)


def test_importance_names_the_keys_themselves_not_their_text() -> None:
    df = pd.DataFrame({1: [1, 1, 2, 2], 2: list("abab")})
    with pytest.raises(InvalidOptionError, match=r"missing: \[1, 2\]; not keys: \['1', '2'\]"):
        local_suppression(df, keys=[1, 2], k=2, importance=["1", "2"])


def test_unsigned_keys_above_two_to_the_63_are_blanked() -> None:
    big = np.array([2**63 + 5, 2**63 + 5, 2**63 + 7], dtype="uint64")
    df = pd.DataFrame({"id_band": big, "sex": ["m", "m", "m"]})
    out = local_suppression(df, keys=["id_band", "sex"], k=2)
    assert str(out["id_band"].dtype) == "UInt64"
    assert out["id_band"].tolist()[:2] == [2**63 + 5, 2**63 + 5]
    assert out["id_band"].isna().tolist() == [False, False, True]
