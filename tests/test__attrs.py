"""A provenance record on ``DataFrame.attrs``: read-only, and not copied by pandas."""

from __future__ import annotations

import copy
import json
import pickle

import pandas as pd
import pytest

from ebpm._attrs import Record, record


def _frame() -> pd.DataFrame:
    df = pd.DataFrame({"a": [1, 2, 3], "b": ["x", "y", "z"]})
    df.attrs["ebpm"] = record({"entry": "demo", "details": {"names": ["x"] * 1000}})
    return df


def test_derived_frames_share_the_record_instead_of_copying_it() -> None:
    df = _frame()
    derived = [df["a"], df[df["a"] > 1], df.merge(df, on="a"), df.groupby("b").sum()]
    for part in derived:
        assert part.attrs["ebpm"] is df.attrs["ebpm"]
    assert copy.deepcopy(df.attrs["ebpm"]) is df.attrs["ebpm"]


def test_nested_mappings_are_frozen_too() -> None:
    rec = record({"origin": {"path": "a.csv"}, "files": [{"sha256": "0" * 64}]})
    assert isinstance(rec["origin"], Record)
    assert isinstance(rec["files"][0], Record)
    assert rec == {"origin": {"path": "a.csv"}, "files": [{"sha256": "0" * 64}]}


@pytest.mark.parametrize(
    "change",
    [
        lambda r: r.__setitem__("entry", "other"),
        lambda r: r.__delitem__("entry"),
        lambda r: r.update(entry="other"),
        lambda r: r.setdefault("new", 1),
        lambda r: r.pop("entry"),
        lambda r: r.popitem(),
        lambda r: r.clear(),
        lambda r: r["details"].__setitem__("names", []),
    ],
)
def test_a_record_cannot_be_changed_in_place(change: object) -> None:
    rec = _frame().attrs["ebpm"]
    with pytest.raises(TypeError, match=r"cannot be changed in place.*build a new one"):
        change(rec)  # type: ignore[operator]
    assert rec["entry"] == "demo"


def test_a_record_is_changed_by_building_a_new_one() -> None:
    df = _frame()
    old = df.attrs["ebpm"]
    df.attrs["ebpm"] = record({**old, "entry": "other"})
    assert df.attrs["ebpm"]["entry"] == "other"
    assert old["entry"] == "demo"
    plain = dict(old)
    plain["entry"] = "mutable copy"
    assert plain["entry"] == "mutable copy"


def test_a_record_survives_pickle_and_json() -> None:
    df = _frame()
    back = pickle.loads(pickle.dumps(df))
    assert back.attrs["ebpm"] == df.attrs["ebpm"]
    assert isinstance(back.attrs["ebpm"], Record)
    assert json.loads(json.dumps(df.attrs["ebpm"]))["details"]["names"][0] == "x"
