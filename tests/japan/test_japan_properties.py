"""Properties of codes through time that must hold for any dates and codes of the record."""

from __future__ import annotations

import warnings
from datetime import date, timedelta

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from ebpm import japan
from ebpm.japan.panel import SplitWarning

START = date(1970, 4, 1)
DAYS = (date(2024, 1, 1) - START).days

days = st.integers(min_value=0, max_value=DAYS).map(lambda n: START + timedelta(days=n))


@settings(derandomize=True, max_examples=25, deadline=None, database=None)
@given(t0=days, t1=days, wards=st.booleans(), pick=st.randoms(use_true_random=False))
def test_forward_and_back_return_to_the_start(t0, t1, wards, pick):
    """A code converted to another date, and each result converted back, includes the code:
    the record's links are walked the same way in both directions. (At one level: a ward of
    1972 goes back to the city of 1970, which comes forward to the designated city, and to its
    wards with ``wards=True``.)"""
    codes = japan.codes_in_force(t0, wards=wards)["code"].tolist()
    sample = pick.sample(codes, 15)
    there = japan.convert_codes(sample, from_date=t0, to_date=t1, wards=wards)
    for code, part in there.groupby("from_code"):
        for target in part["to_code"].dropna():
            back = japan.convert_codes(target, from_date=t1, to_date=t0, wards=wards)
            assert code in set(back["to_code"]), (code, target, t0, t1)


@settings(derandomize=True, max_examples=10, deadline=None, database=None)
@given(years=st.lists(st.integers(1975, 2020), min_size=1, max_size=3, unique=True))
def test_restating_every_municipality_keeps_each_years_total(years):
    """A count of 1 per municipality, restated on 2021 boundaries, still sums to the number of
    municipalities of each year (splits divided equally), and no restated row is incomplete."""
    frames = [
        pd.DataFrame({"code": japan.codes_in_force(f"{y}-12-31", wards=False)["code"], "t": y})
        for y in years
    ]
    panel = pd.concat(frames, ignore_index=True).assign(n=1.0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SplitWarning)
        out = japan.harmonize(panel, code="code", time="t", period="year", to="2021-01-01")
    totals = out.groupby("t")["n"].sum()
    for y in years:
        assert totals.loc[y] == len(panel[panel["t"] == y])
    assert out["complete"].all()
