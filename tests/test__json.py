"""ebpm._json: the one converter to plain JSON, and the one canonical text (issue 17)."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date

import numpy as np
import pandas as pd

from ebpm._json import canonical, jsonable


def test_numpy_and_pandas_values_become_plain_json() -> None:
    frame = pd.DataFrame({"code": ["01100"], "n": [np.int64(3)], "x": [np.nan]})
    value = {
        1: np.float64(1.5),
        "inf": float("inf"),
        "na": pd.NA,
        "nat": pd.NaT,
        "when": pd.Timestamp("2024-04-01"),
        "day": date(2024, 4, 1),
        "array": np.array([1, 2]),
        "tuple": (np.bool_(True), None),
        "frame": frame,
        "series": pd.Series([np.int32(7)], index=["a"]),
        "other": pd.Period("2024Q1"),
    }
    out = jsonable(value)
    assert out == {
        "1": 1.5,
        "inf": None,
        "na": None,
        "nat": None,
        "when": "2024-04-01T00:00:00",
        "day": "2024-04-01",
        "array": [1, 2],
        "tuple": [True, None],
        "frame": [{"code": "01100", "n": 3, "x": None}],
        "series": {"a": 7},
        "other": "2024Q1",
    }
    json.dumps(out, allow_nan=False)  # strict JSON: no NaN slipped through
    assert type(out["array"][0]) is int


def test_canonical_text_ignores_key_order() -> None:
    assert canonical({"b": 1, "a": [1, "日本"]}) == canonical({"a": [1, "日本"], "b": 1})
    assert canonical({"b": 1, "a": "日本"}) == '{"a":"日本","b":1}'


def test_it_imports_neither_numpy_nor_pandas() -> None:
    code = "import sys, ebpm._json; print('numpy' in sys.modules, 'pandas' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]
