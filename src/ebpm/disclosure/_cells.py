"""Cells as the package names them: positions, labels in messages, numbers in tables."""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from ebpm._format import fixed

#: A cell's position in the table: (row, column), counted from 0.
_Cell = tuple[int, int]


def _label(x: Any) -> str:
    if isinstance(x, tuple):
        return " / ".join(map(str, x))
    return str(x)


def _cell_name(table: pd.DataFrame, c: _Cell) -> str:
    return f"({_label(table.index[c[0]])}, {_label(table.columns[c[1]])})"


def _fmt_number(x: Any, *, digits: int | None = None) -> str:
    """A cell or an interval's end: whole numbers with separators, infinities as ∞, others
    with ``digits`` decimals (by default in full)."""
    if x is pd.NA or x is None:
        return ""
    x = float(x)
    if math.isinf(x):
        return "∞" if x > 0 else "-∞"
    if x == round(x) and abs(x) < 2**53:
        return f"{round(x):,}"
    if digits is not None:
        return fixed(x, digits, thousands=True)
    return f"{x:,}"
