"""Property tests of ebpm.privacy: brute-force counts, no weights, bounds, row order."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ebpm.privacy import frequencies, individual_risk, l_diversity, risk

VALUE = st.one_of(st.none(), st.integers(0, 2))


@st.composite
def microdata(draw, missing: bool = True) -> pd.DataFrame:
    n_keys = draw(st.integers(1, 3))
    n = draw(st.integers(1, 25))
    cell = VALUE if missing else st.integers(0, 2)
    data = {f"k{j}": draw(st.lists(cell, min_size=n, max_size=n)) for j in range(n_keys)}
    data["w"] = draw(st.lists(st.floats(1.0, 50.0), min_size=n, max_size=n))
    data["s"] = draw(st.lists(st.sampled_from(["a", "b", "c"]), min_size=n, max_size=n))
    return pd.DataFrame(data, dtype=object).astype({"w": "float64"})


def _keys(df: pd.DataFrame) -> list[str]:
    return [c for c in df.columns if c.startswith("k")]


def _brute_fk(df: pd.DataFrame, keys: list[str]) -> list[int]:
    """freqCalc's rule record by record: missing matches anything; with several keys a complete
    record does not count a record whose keys are all missing; an all-missing record counts n."""
    rows = [tuple(None if pd.isna(v) else v for v in r) for r in df[keys].itertuples(False)]
    out = []
    for r in rows:
        if all(v is None for v in r):
            out.append(len(rows))
            continue
        count = 0
        for s in rows:
            if all(v is None for v in s) and len(keys) > 1 and all(v is not None for v in r):
                continue
            count += all(a is None or b is None or a == b for a, b in zip(r, s, strict=True))
        out.append(count)
    return out


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(microdata())
def test_fk_equals_a_brute_force_count(df: pd.DataFrame) -> None:
    assert frequencies(df, keys=_keys(df))["fk"].tolist() == _brute_fk(df, _keys(df))


@settings(max_examples=100, deadline=None)
@given(microdata(missing=False))
def test_without_missing_keys_fk_is_the_group_size_and_fk_the_weight_sum(df) -> None:
    keys = _keys(df)
    out = frequencies(df, keys=keys, weight="w")
    grouped = df.groupby(keys, dropna=False)["w"]
    assert out["fk"].tolist() == grouped.transform("size").tolist()
    np.testing.assert_allclose(out["Fk"], grouped.transform("sum"))


@settings(max_examples=100, deadline=None)
@given(microdata())
def test_without_weights_fk_equals_fk(df: pd.DataFrame) -> None:
    out = frequencies(df, keys=_keys(df))
    assert (out["Fk"] == out["fk"]).all()


@settings(max_examples=100, deadline=None)
@given(microdata(), st.sampled_from(["approx", "exact"]))
def test_risk_lies_in_zero_one_and_never_exceeds_one_over_fk(df, method) -> None:
    keys = _keys(df)
    rk = individual_risk(df, keys=keys, weight="w", method=method)
    fk = frequencies(df, keys=keys)["fk"]
    assert ((rk >= 0) & (rk <= 1)).all()
    assert (rk <= 1 / fk + 1e-12).all()


@settings(max_examples=100, deadline=None)
@given(microdata(), st.randoms(use_true_random=False))
def test_measures_do_not_depend_on_row_order(df: pd.DataFrame, rnd) -> None:
    keys = _keys(df)
    order = list(df.index)
    rnd.shuffle(order)
    shuffled = df.loc[order]
    before = risk(df, keys=keys, weight="w", method="exact")
    after = risk(shuffled, keys=keys, weight="w", method="exact")
    pd.testing.assert_frame_equal(after.records.loc[df.index], before.records)
    ldiv = l_diversity(df, keys=keys, sensitive="s").records
    pd.testing.assert_frame_equal(
        l_diversity(shuffled, keys=keys, sensitive="s").records.loc[df.index], ldiv
    )


@settings(max_examples=50, deadline=None)
@given(microdata())
def test_the_callers_frame_is_untouched(df: pd.DataFrame) -> None:
    copy = df.copy()
    risk(df, keys=_keys(df), weight="w")
    l_diversity(df, keys=_keys(df), sensitive="s")
    pd.testing.assert_frame_equal(df, copy)


def test_many_missing_patterns_at_once_match_record_by_record() -> None:
    # 7 keys with 8% of values missing: dozens of groups of missing keys, matched group by
    # group, against freqCalc's rule record by record
    rng = np.random.default_rng(20261207)
    data = rng.integers(0, 3, (300, 7)).astype("float64")
    data[rng.random(data.shape) < 0.08] = np.nan
    df = pd.DataFrame(data, columns=[f"k{j}" for j in range(7)])
    keys = list(df.columns)
    assert df.isna().drop_duplicates().shape[0] > 20  # many missing patterns
    assert frequencies(df, keys=keys)["fk"].tolist() == _brute_fk(df, keys)
