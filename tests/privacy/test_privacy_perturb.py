"""Perturbative anonymization (ebpm.privacy._perturb: microaggregate, add_noise, pram).

All data here are simulated (seeded numpy generators) or written out by hand; none is real.
sdcMicro's own tests of these methods draw random data in R (``rnorm``, ``runif``) and check
only that something changed, so there are no published numbers to match: MDAV is checked
against an independent brute-force implementation and a hand-worked example, the invariant
PRAM matrix against a hand-worked 2 x 2 case, and the random methods against their stated
distributions within sampling error.
"""

from __future__ import annotations

import math
import time

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
from ebpm.privacy import add_noise, microaggregate, pram, top_code
from ebpm.privacy._perturb import _invariant

Z = 5.0  # tolerance of the sampling checks, in standard errors (two-sided p ~ 6e-7)


# --- microaggregation ------------------------------------------------------------------------
def _reference_mdav(x: np.ndarray, k: int) -> set[frozenset[int]]:
    """MDAV as Domingo-Ferrer and Mateo-Sanz (2002) state it, with full sorts at each step:
    standardize (denominator n), then groups of the k nearest to r and to s; ties go to the
    earlier row. Returns the groups as sets of row positions."""
    sd = x.std(axis=0)
    z = (x - x.mean(axis=0)) / np.where(sd == 0, 1.0, sd)
    left = np.arange(len(z))
    groups: set[frozenset[int]] = set()

    def farthest(point: np.ndarray) -> int:
        d = ((z[left] - point) ** 2).sum(axis=1)
        return int(left[d == d.max()].min())

    def group_of(start: int) -> None:
        nonlocal left
        d = ((z[left] - z[start]) ** 2).sum(axis=1)
        chosen = left[np.lexsort((left, d))[:k]]
        groups.add(frozenset(chosen.tolist()))
        left = np.setdiff1d(left, chosen)

    while len(left) >= 3 * k:
        r = farthest(z[left].mean(axis=0))
        s = farthest(z[r])
        group_of(r)
        group_of(s)
    if len(left) >= 2 * k:
        group_of(farthest(z[left].mean(axis=0)))
    groups.add(frozenset(left.tolist()))
    return groups


def _groups(out: pd.DataFrame, columns: list[str]) -> set[frozenset[int]]:
    """Groups of rows that share every aggregated value (continuous data: one per group)."""
    rows = out.reset_index(drop=True).groupby(columns, sort=False).indices
    return {frozenset(v.tolist()) for v in rows.values()}


def _simulated(n: int, seed: int) -> pd.DataFrame:
    # Simulated: skewed incomes in yen, ages and a standard normal score.
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "income": rng.lognormal(15, 0.8, n),
            "age": rng.uniform(18, 90, n),
            "score": rng.normal(size=n),
        }
    )


COLS = ["income", "age", "score"]


def test_mdav_by_hand_one_column() -> None:
    # 7 records, k=3: 2k <= 7 < 3k, so one group around the record farthest from the mean 7
    # (0, at distance 7; 13 is at 6) with its 2 nearest, and the 4 others as the last group.
    df = pd.DataFrame({"v": [0, 1, 2, 10, 11, 12, 13], "id": list("abcdefg")})
    out = microaggregate(df, columns="v", k=3)
    assert out["v"].tolist() == [1.0, 1.0, 1.0, 11.5, 11.5, 11.5, 11.5]
    assert out["v"].dtype == "float64"
    assert out["id"].tolist() == list("abcdefg")
    assert df["v"].tolist() == [0, 1, 2, 10, 11, 12, 13]  # the caller's frame is untouched
    assert out.attrs["privacy"] == [
        {
            "step": "microaggregate",
            "columns": ["v"],
            "k": 3,
            "method": "mdav",
            "groups": 2,
            "changed": 6,  # 1 equals its group's mean
        }
    ]


def test_mdav_by_hand_two_columns_with_a_tie_and_a_scaled_column() -> None:
    # Three clusters of 3 (x and y symmetric, so standardizing scales both alike). The mean is
    # (16/3, 16/3); the farthest record is (0, 0); farthest from it are (10, 11) in row 0 and
    # (11, 10) in row 3, at the same distance: either opens the same second group. The last
    # three form the remainder group.
    x = [10, 5, 0, 11, 1, 5, 10, 0, 6]
    y = [11, 6, 0, 10, 0, 5, 10, 1, 5]
    df = pd.DataFrame({"x": x, "y": y})
    out = microaggregate(df, columns=["x", "y"], k=3)
    low, mid, high = 1 / 3, 16 / 3, 31 / 3
    expected = [high, mid, low, high, low, mid, high, low, mid]
    np.testing.assert_allclose(out["x"], expected, rtol=1e-12)
    np.testing.assert_allclose(out["y"], expected, rtol=1e-12)
    # Yen instead of ten-thousands of yen: standardizing makes the groups the same.
    scaled = microaggregate(df.assign(y=df["y"] * 10_000), columns=["x", "y"], k=3)
    np.testing.assert_allclose(scaled["y"], np.array(expected) * 10_000, rtol=1e-12)


@pytest.mark.parametrize(("n", "k", "seed"), [(7, 2, 1), (23, 3, 2), (61, 4, 3), (200, 3, 4)])
def test_mdav_matches_a_brute_force_implementation(n, k, seed) -> None:
    df = _simulated(n, seed)
    out = microaggregate(df, columns=COLS, k=k)
    assert _groups(out, COLS) == _reference_mdav(df[COLS].to_numpy(), k)


def test_mdav_matches_brute_force_where_the_nearest_are_found_from_a_sample() -> None:
    # Above 4 * 1024 rows left, the k nearest are bounded by a sample before sorting.
    df = _simulated(6000, 5)
    out = microaggregate(df, columns=COLS, k=3)
    assert _groups(out, COLS) == _reference_mdav(df[COLS].to_numpy(), 3)


@pytest.mark.parametrize(("n", "k"), [(1000, 4), (999, 3), (50, 7)])
def test_groups_have_k_to_2k_minus_1_records_and_keep_the_means(n, k) -> None:
    df = _simulated(n, n)
    out = microaggregate(df, columns=COLS, k=k)
    sizes = sorted(len(g) for g in _groups(out, COLS))
    assert sizes[0] >= k
    assert sizes[-1] < 2 * k
    assert sizes[:-1] == [k] * (len(sizes) - 1)  # only one group may be larger than k
    assert out.attrs["privacy"][-1]["groups"] == len(sizes)
    for col in COLS:
        assert out[col].mean() == pytest.approx(df[col].mean(), rel=1e-12)
        assert out[col].nunique() == len(sizes)  # each group one value, distinct here


def test_the_result_does_not_depend_on_row_order() -> None:
    df = _simulated(300, 6)
    shuffled = df.sample(frac=1.0, random_state=7)
    out = microaggregate(df, columns=COLS, k=3)
    again = microaggregate(shuffled, columns=COLS, k=3).loc[df.index]
    np.testing.assert_allclose(again[COLS].to_numpy(), out[COLS].to_numpy(), rtol=1e-12)


def test_tied_records_are_grouped_deterministically() -> None:
    # Simulated whole numbers with many ties (ages and household sizes).
    rng = np.random.default_rng(8)
    df = pd.DataFrame({"age": rng.integers(20, 25, 40), "size": rng.integers(1, 4, 40)})
    first = microaggregate(df, columns=["age", "size"], k=3)
    pd.testing.assert_frame_equal(first, microaggregate(df, columns=["age", "size"], k=3))
    for col in ["age", "size"]:
        assert first[col].mean() == pytest.approx(df[col].mean(), rel=1e-12)
    assert first.groupby(["age", "size"]).size().min() >= 3


def test_ties_go_to_the_earlier_row_after_records_are_regrouped() -> None:
    # k=2. (0, 0) is farthest from the mean; (0, 1) and (1, 0) tie as its nearest: row 1 is
    # taken. (11, 11) is farthest from (0, 0); (10, 11) in row 3 and (11, 10) in row 6 tie as
    # its nearest: row 3 is taken, although row 6 was moved up in the working arrays when the
    # first group was removed. Rows 4, 5 and 6 are left, fewer than 2k: the last group.
    df = pd.DataFrame({"x": [0, 0, 11, 10, 10, 1, 11], "y": [0, 1, 11, 11, 10, 0, 10]})
    out = microaggregate(df, columns=["x", "y"], k=2)
    np.testing.assert_allclose(out["x"], [0, 0, 10.5, 10.5, 22 / 3, 22 / 3, 22 / 3], rtol=1e-12)
    np.testing.assert_allclose(out["y"], [0.5, 0.5, 11, 11, 20 / 3, 20 / 3, 20 / 3], rtol=1e-12)


def test_ties_on_whole_numbers_follow_the_brute_force_rule() -> None:
    # Whole numbers with repeated records (found by a seeded search so that the farthest record
    # from the mean is never a near tie, where rounding would decide): ties between records
    # farthest from r, and nearest to r or s, all go to the earlier row.
    x = np.array(
        [[3, 2, 3, 2, 0, 1, 1, 1, 3, 2, 1], [2, 2, 2, 3, 0, 3, 1, 1, 2, 2, 0]], dtype=float
    ).T
    out = microaggregate(pd.DataFrame(x, columns=["a", "b"]), columns=["a", "b"], k=2)
    reference = _reference_mdav(x, 2)
    assert sorted(len(g) for g in reference) == [2, 2, 2, 2, 3]
    for group in reference:
        rows = sorted(group)
        expected = np.tile(x[rows].mean(axis=0), (len(rows), 1))
        np.testing.assert_allclose(out.to_numpy()[rows], expected, rtol=1e-12)


def test_fewer_than_2k_records_form_one_group_and_steps_accumulate() -> None:
    df = pd.DataFrame({"a": [1.0, 2.0, 3.0, 4.0, 10.0], "b": pd.array([5, 5, 5, 5, 5], "Int64")})
    coded = top_code(df, {"a": 9})
    out = microaggregate(coded, columns=["a", "b"], k=3)
    assert out["a"].tolist() == [3.8] * 5
    assert out["b"].dtype == "Float64"  # nullable stays nullable
    assert out["b"].tolist() == [5.0] * 5
    assert [s["step"] for s in out.attrs["privacy"]] == ["top_code", "microaggregate"]
    assert out.attrs["privacy"][1]["changed"] == 5  # every a changes, no b does
    assert len(coded.attrs["privacy"]) == 1  # the earlier frame's steps are untouched


@pytest.mark.slow
def test_mdav_handles_100_000_records_in_seconds() -> None:
    df = _simulated(100_000, 9)
    start = time.perf_counter()
    out = microaggregate(df, columns=COLS, k=3)
    elapsed = time.perf_counter() - start
    assert elapsed < 60  # about 4 s on one core; a quadratic step per record would take hours
    assert out.attrs["privacy"][-1]["groups"] == 33_333
    assert out["income"].mean() == pytest.approx(df["income"].mean(), rel=1e-12)
    assert out.groupby(COLS).size().between(3, 5).all()


@pytest.fixture
def records() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "income": [310.0, None, 560.0, 9800.0, 25000.0, 400.0],
            "age": [30, 41, 52, 63, 74, 85],
            "job": ["clerk", "doctor", "clerk", "lawyer", None, "clerk"],
            "flag": [True, False, True, True, False, True],
            "big": [1.0, 2.0, float("inf"), 4.0, 5.0, 6.0],
        }
    )


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"columns": ["income", "age"]}, MissingValueError, r"1 value\(s\) are missing.*impute"),
        ({"columns": ["age", "job"]}, NonNumericError, "job.*convert the column to numbers"),
        ({"columns": "flag"}, NonNumericError, "'flag' needs numbers"),
        ({"columns": "big"}, DataError, r"1 value\(s\) are infinite.*row 2"),
        ({"columns": "agee"}, ColumnNotFoundError, "columns='agee'.*Did you mean 'age'"),
        ({"columns": []}, InvalidOptionError, "must name the column"),
        ({"columns": ["age", "age"]}, InvalidOptionError, "more than once"),
        ({"columns": "age", "k": 1}, InvalidOptionError, "k=1 must be a whole number of at"),
        ({"columns": "age", "k": 2.5}, InvalidOptionError, "k=2.5 must be a whole number"),
        ({"columns": "age", "k": 7}, DataError, r"6 record\(s\), fewer than k=7"),
        ({"columns": "age", "method": "rmd"}, InvalidOptionError, "Choose one of: 'mdav'"),
    ],
)
def test_microaggregate_refuses_bad_input_naming_the_fix(records, kwargs, error, match) -> None:
    with pytest.raises(error, match=match):
        microaggregate(records, **kwargs)


def test_microaggregate_needs_a_dataframe() -> None:
    with pytest.raises(DataError, match="must be a pandas DataFrame"):
        microaggregate([[1, 2]], columns="a")


# --- noise -----------------------------------------------------------------------------------
def test_noise_is_reproducible_from_the_seed_and_differs_between_seeds(records) -> None:
    one = add_noise(records, columns=["income", "age"], seed=11)
    pd.testing.assert_frame_equal(one, add_noise(records, columns=["income", "age"], seed=11))
    other = add_noise(records, columns=["income", "age"], seed=12)
    assert not np.allclose(one["age"], other["age"])
    assert records["age"].tolist() == [30, 41, 52, 63, 74, 85]  # the caller's is untouched


def test_noise_sd_is_noise_percent_of_the_sample_sd(records) -> None:
    out = add_noise(records, columns=["income", "age"], noise=50, seed=3)
    step = out.attrs["privacy"][-1]
    # R: sd(c(30, 41, 52, 63, 74, 85)) = sqrt(2117.5 / 5) = 20.5791 (denominator n - 1;
    # with n it would be 18.79)
    assert step["sd"]["age"] == pytest.approx(0.5 * 20.579115627256677, rel=1e-12)
    assert step["sd"]["income"] == pytest.approx(0.5 * np.std([310, 560, 9800, 25000, 400], ddof=1))
    assert "seed" not in step  # with the seed, the noise could be regenerated and removed
    assert step["changed"] == 11  # one income is missing
    assert pd.isna(out["income"].iloc[1])  # missing stays missing
    assert out["age"].dtype == "float64"


def test_the_noise_has_the_stated_standard_deviation_on_100_000_records() -> None:
    # Simulated: 10^5 incomes.
    n = 100_000
    x = np.random.default_rng(21).lognormal(15, 0.8, n)
    df = pd.DataFrame({"income": x})
    out = add_noise(df, columns="income", noise=150, seed=5)
    e = out["income"].to_numpy() - x
    stated = 1.5 * np.std(x, ddof=1)
    # The sample sd of n normal draws has standard error sd / sqrt(2 (n - 1)); the mean sd/sqrt(n).
    assert abs(e.std(ddof=1) - stated) < Z * stated / math.sqrt(2 * (n - 1))
    assert abs(e.mean()) < Z * stated / math.sqrt(n)
    assert out.attrs["privacy"][-1]["sd"]["income"] == pytest.approx(stated, rel=1e-12)


def test_a_constant_column_gets_no_noise_and_nullable_stays_nullable() -> None:
    df = pd.DataFrame({"c": [7.0, 7.0, 7.0], "n": pd.array([1, None, 3], dtype="Int64")})
    out = add_noise(df, columns=["c", "n"], seed=1)
    assert out["c"].tolist() == [7.0, 7.0, 7.0]
    assert out["n"].dtype == "Float64"
    assert pd.isna(out["n"].iloc[1])
    assert out.attrs["privacy"][-1]["changed"] == 2


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"columns": "job"}, NonNumericError, "add_noise 'job' needs numbers.*convert"),
        ({"columns": "big"}, DataError, r"'big' has 1 infinite value\(s\).*row 2"),
        ({"columns": "age", "noise": 0}, InvalidOptionError, "noise=0 must be a positive"),
        ({"columns": "age", "noise": "lots"}, InvalidOptionError, "must be a number"),
        ({"columns": "age", "method": "correlated"}, InvalidOptionError, "'additive'"),
        ({"columns": "age", "seed": 1.5}, InvalidOptionError, "seed=1.5 must be a non-negative"),
        ({"columns": "age", "seed": -1}, InvalidOptionError, "seed=-1 must be a non-negative"),
        ({"columns": "age", "seed": True}, InvalidOptionError, "seed=True"),
        ({"columns": "incme"}, ColumnNotFoundError, "Did you mean 'income'"),
    ],
)
def test_add_noise_refuses_bad_input_naming_the_fix(records, kwargs, error, match) -> None:
    with pytest.raises(error, match=match):
        add_noise(records, **{"seed": 1, **kwargs})


def test_add_noise_needs_two_values_to_scale_the_noise() -> None:
    df = pd.DataFrame({"x": [1.0, None, None]})
    with pytest.raises(DataError, match=r"'x' has 1 value\(s\) present.*at least 2"):
        add_noise(df, columns="x", seed=1)


# --- PRAM ------------------------------------------------------------------------------------
def test_invariant_matrix_by_hand() -> None:
    # f = (3/4, 1/4), P = [[.8, .2], [.2, .8]]: s = f P = (.65, .35),
    # Q = [[12/13, 1/13], [3/7, 4/7]], R = P Q = [[75, 16], [48, 43]] / 91.
    freq, keep = np.array([0.75, 0.25]), np.array([0.8, 0.8])
    np.testing.assert_allclose(
        _invariant(freq, keep, 1.0), np.array([[75, 16], [48, 43]]) / 91, rtol=1e-12
    )
    # alpha = 0.5 mixes it half and half with the identity.
    np.testing.assert_allclose(
        _invariant(freq, keep, 0.5), np.array([[83, 8], [24, 67]]) / 91, rtol=1e-12
    )
    assert _invariant(np.array([1.0]), np.array([0.9]), 0.5).tolist() == [[1.0]]


def _people(n: int, seed: int) -> pd.DataFrame:
    # Simulated: jobs with unequal frequencies, some missing, and prefecture codes.
    rng = np.random.default_rng(seed)
    jobs = rng.choice(["clerk", "farmer", "doctor", "lawyer"], size=n, p=[0.6, 0.25, 0.1, 0.05])
    job = pd.Series(jobs, dtype=object)
    job[rng.random(n) < 0.02] = None
    return pd.DataFrame({"job": job, "pref": rng.integers(1, 6, n), "x": rng.normal(size=n)})


def _matrix(out: pd.DataFrame, column: str) -> tuple[list[str], np.ndarray]:
    used = out.attrs["privacy"][-1]["transition"][column]
    return used["categories"], np.array(used["matrix"])


def test_pram_is_reproducible_from_the_seed() -> None:
    df = _people(1000, 1)
    one = pram(df, columns=["job", "pref"], seed=4)
    pd.testing.assert_frame_equal(one, pram(df, columns=["job", "pref"], seed=4))
    assert not one["job"].equals(pram(df, columns=["job", "pref"], seed=5)["job"])
    assert "seed" not in one.attrs["privacy"][-1]
    assert one["pref"].dtype == df["pref"].dtype  # codes stay whole numbers
    pd.testing.assert_series_equal(one["x"], df["x"])  # other columns untouched


def test_with_p_1_nothing_changes() -> None:
    df = _people(500, 2)
    out = pram(df, columns=["job", "pref"], p=1, seed=3)
    pd.testing.assert_frame_equal(out, df)
    assert out.attrs["privacy"][-1]["changed"] == 0
    _, matrix = _matrix(out, "job")
    np.testing.assert_array_equal(matrix, np.eye(4))


def test_the_matrix_is_invariant_and_reversible() -> None:
    df = _people(2000, 3)
    out = pram(df, columns="job", p=0.5, alpha=1.0, seed=8)
    categories, matrix = _matrix(out, "job")
    assert categories == ["clerk", "doctor", "farmer", "lawyer"]
    f = df["job"].value_counts(normalize=True).reindex(categories).to_numpy()
    np.testing.assert_allclose(matrix.sum(axis=1), 1.0, rtol=1e-12)
    np.testing.assert_allclose(f @ matrix, f, rtol=1e-12)
    flow = f[:, None] * matrix  # R = P Q: as many move from i to j as from j to i
    np.testing.assert_allclose(flow, flow.T, rtol=1e-12)


def _shift(before: pd.Series, after: pd.Series, categories: list, matrix: np.ndarray) -> float:
    """Largest gap between counts after PRAM and their expectation, in standard errors."""
    n = before.value_counts().reindex(categories, fill_value=0).to_numpy()
    expected = n @ matrix
    se = np.sqrt(n @ (matrix * (1 - matrix)))
    counts = after.value_counts().reindex(categories, fill_value=0).to_numpy()
    return float(np.max(np.abs(counts - expected) / se))


def test_frequencies_are_kept_within_sampling_error_on_100_000_records() -> None:
    df = _people(100_000, 4)
    out = pram(df, columns="job", p=0.6, seed=9)
    categories, matrix = _matrix(out, "job")
    before = df["job"].value_counts().reindex(categories).to_numpy()
    # Invariance: the expected counts after PRAM are the counts before.
    np.testing.assert_allclose(before @ matrix, before, rtol=1e-10)
    assert _shift(df["job"], out["job"], categories, matrix) < Z
    assert out["job"].isna().sum() == df["job"].isna().sum()  # missing stays missing
    assert out["job"][df["job"].isna()].isna().all()
    # The check has power: a matrix that is not invariant moves the counts far beyond it.
    skewed = pd.DataFrame(0.8 * np.eye(4) + 0.05, index=categories, columns=categories)
    moved = pram(df, columns="job", seed=9, transition=skewed)["job"]
    assert moved.value_counts()["lawyer"] > before[categories.index("lawyer")] + 1000


def test_the_share_changed_is_what_the_matrix_implies() -> None:
    df = _people(100_000, 5)
    out = pram(df, columns="job", p=0.7, seed=10)
    categories, matrix = _matrix(out, "job")
    n = df["job"].value_counts().reindex(categories).to_numpy()
    stay = np.diag(matrix)
    expected = n @ (1 - stay)
    se = math.sqrt(n @ (stay * (1 - stay)))
    changed = int((out["job"] != df["job"])[df["job"].notna()].sum())
    assert out.attrs["privacy"][-1]["changed"] == changed
    assert abs(changed - expected) < Z * se
    assert expected > 1000  # p=0.7, alpha=0.5 does change records


def test_a_given_matrix_is_used_and_recorded() -> None:
    df = pd.DataFrame(
        {
            "sex": pd.Categorical(["f", "m", "f", None, "m"], categories=["f", "m"]),
            "job": ["a", "b", "a", "b", None],
        }
    )
    # Columns in another order than the rows: matched by label. Every "f" becomes "x", a
    # category the column did not have.
    given = pd.DataFrame(
        [[0.0, 0.0, 1.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]],
        index=["f", "m", "x"],
        columns=["f", "m", "x"],
    )[["x", "f", "m"]]
    swap = pd.DataFrame([[0.0, 1.0], [1.0, 0.0]], index=["a", "b"], columns=["a", "b"])
    out = pram(df, columns=["sex", "job"], seed=1, transition={"sex": given, "job": swap})
    assert out["sex"].astype(object).tolist()[:3] == ["x", "m", "x"]
    assert pd.isna(out["sex"].iloc[3])
    assert out["sex"].iloc[4] == "m"
    assert list(out["sex"].cat.categories) == ["f", "m", "x"]
    assert out["job"].tolist()[:4] == ["b", "a", "b", "a"]
    assert pd.isna(out["job"].iloc[4])
    step = out.attrs["privacy"][-1]
    assert step["changed"] == 6
    assert step["transition"]["sex"] == {
        "categories": ["f", "m", "x"],
        "matrix": [[0.0, 0.0, 1.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]],
        "given": True,
    }


def _square(rows: list[list[float]], labels: list[str]) -> pd.DataFrame:
    return pd.DataFrame(rows, index=labels, columns=labels)


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"p": 0}, InvalidOptionError, "p=0 must be a probability above 0"),
        ({"p": 1.5}, InvalidOptionError, "p=1.5 must be a probability above 0 and at most 1"),
        ({"p": "high"}, InvalidOptionError, "p='high' must be a number"),
        ({"alpha": 0.0}, InvalidOptionError, "alpha=0.0 must be a probability"),
        ({"seed": "abc"}, InvalidOptionError, "seed='abc' must be a non-negative whole"),
        ({"columns": "x"}, DataError, "'x' holds continuous numbers.*recode"),
        ({"columns": "jb"}, ColumnNotFoundError, "Did you mean 'job'"),
        (
            {"transition": np.eye(2)},
            InvalidOptionError,
            "must be a DataFrame.*or a mapping",
        ),
        (
            {"transition": {"pref": _square([[1.0]], ["a"])}},
            InvalidOptionError,
            "transition names 'pref', which is not among columns",
        ),
        (
            {"transition": {"job": np.eye(4)}},
            InvalidOptionError,
            "transition for 'job' must be a pandas DataFrame",
        ),
        (
            {"transition": pd.DataFrame([[1.0]], index=["clerk"], columns=["doctor"])},
            InvalidOptionError,
            r"once as a row and once as a column.*\['clerk', 'doctor'\]",
        ),
        (
            {"transition": _square([[0.5, 0.4], [0.0, 1.0]], ["clerk", "doctor"])},
            InvalidOptionError,
            "the row of 'clerk' sums to 0.9, not 1",
        ),
        (
            {"transition": _square([[1.2, -0.2], [0.0, 1.0]], ["clerk", "doctor"])},
            InvalidOptionError,
            "has 1.2 at row 'clerk', column 'clerk'.*between 0 and 1",
        ),
        (
            {"transition": _square([[1.0, 0.0], [0.0, 1.0]], ["clerk", "doctor"])},
            InvalidOptionError,
            r"no row for the value '(farmer|lawyer)'.*add a row and a column",
        ),
    ],
)
def test_pram_refuses_bad_input_naming_the_fix(kwargs, error, match) -> None:
    df = _people(200, 6)
    with pytest.raises(error, match=match):
        pram(df, **{"columns": "job", "seed": 1, **kwargs})
