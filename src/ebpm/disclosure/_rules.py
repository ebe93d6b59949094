"""The checks of :func:`~ebpm.disclosure.suppress`'s arguments, and the sensitivity rules
(threshold and dominance) that make a cell primary."""

from __future__ import annotations

import math
import numbers
from collections.abc import Mapping, Sequence
from typing import Any, Literal, cast

import numpy as np
import pandas as pd

from ebpm.disclosure._cells import _Cell, _cell_name
from ebpm.errors import (
    DataError,
    InvalidOptionError,
    MissingValueError,
    NonNumericError,
    did_you_mean,
)

Totals = Literal["auto", "rows", "columns", "none"]
#: The valid values of ``totals``.
TOTALS: tuple[str, ...] = ("auto", "rows", "columns", "none")


def _check_table(table: Any) -> pd.DataFrame:
    if not isinstance(table, pd.DataFrame):
        raise DataError(
            f"suppress() takes a pandas DataFrame as `table`, got {type(table).__name__}; build "
            "one with pandas.crosstab(rows, columns) or DataFrame.pivot_table(...)"
        )
    if table.empty:
        raise DataError("suppress() got an empty table; check the filter that produced it")
    for axis, labels in (("row", table.index), ("column", table.columns)):
        if labels.has_duplicates:
            dup = labels[labels.duplicated()][0]
            raise DataError(
                f"the {axis} label {dup!r} appears more than once in the table; cells must be "
                f"named by unique labels, so aggregate the duplicate {axis}s first"
            )
    for col in table.columns:
        dtype = table[col].dtype
        if pd.api.types.is_bool_dtype(dtype) or not pd.api.types.is_numeric_dtype(dtype):
            raise NonNumericError(
                f"column {col!r} of the table holds {dtype} values; suppress() needs a number "
                "in every cell (convert with pandas.to_numeric)"
            )
    na = table.isna().to_numpy()
    if na.any():
        i, j = (int(x[0]) for x in np.nonzero(na))
        raise MissingValueError(
            f"the table has a missing value at {_cell_name(table, (i, j))}; fill it (0 for a "
            "cell with no contributors) or drop its row before suppressing"
        )
    values = table.to_numpy(dtype=float)
    if not np.isfinite(values).all():
        i, j = (int(x[0]) for x in np.nonzero(~np.isfinite(values)))
        raise DataError(f"the table has an infinite value at {_cell_name(table, (i, j))}")
    return table.copy()


def _check_totals(totals: Any) -> None:
    if totals not in TOTALS:
        raise InvalidOptionError(
            f"totals={totals!r} is not one of {', '.join(map(repr, TOTALS))}."
            f"{did_you_mean(str(totals), TOTALS)}"
        )


def _is_int(x: Any) -> bool:
    return isinstance(x, numbers.Integral) and not isinstance(x, bool)


def _check_k(k: Any) -> int:
    if not _is_int(k) or k < 1:
        raise InvalidOptionError(
            f"k must be a whole number >= 1 (cells with 0 < count < k are hidden); got {k!r}. "
            "k = 3 is the usual threshold"
        )
    return int(k)


def _check_dominance(dominance: Any, contributions: Any) -> tuple[int, float] | None:
    if dominance is None:
        return None
    if (
        isinstance(dominance, str | bytes)
        or not isinstance(dominance, Sequence)
        or (len(dominance) != 2)
    ):
        raise InvalidOptionError(
            f"dominance must be a pair (n, p), e.g. (1, 0.85); got {dominance!r}"
        )
    n, p = dominance
    if not _is_int(n) or n < 1:
        raise InvalidOptionError(
            f"dominance n must be a whole number >= 1 (the largest n contributors); got {n!r}"
        )
    # typeshed's numbers.Real has no __gt__/__ge__, so 0 < p does not type-check on it; every
    # Real compares with ints, as a float does
    share = cast(float, p)
    if isinstance(p, bool) or not isinstance(p, numbers.Real) or not 0 < share <= 1:
        percent = isinstance(p, numbers.Real) and 10 <= share <= 100  # 85 meant as 85 %
        hint = f" Did you mean {p / 100:g}?" if percent else ""
        raise InvalidOptionError(
            f"dominance p must be a share in (0, 1], e.g. 0.85; got {p!r}.{hint}"
        )
    if contributions is None:
        raise InvalidOptionError(
            f"dominance={dominance!r} needs the value of each contributor: pass "
            "contributions={(row, column): [value, ...], ...}"
        )
    return int(n), float(p)


def _check_contributions(contributions: Any, table: pd.DataFrame) -> dict[_Cell, tuple[float, ...]]:
    if not isinstance(contributions, Mapping):
        raise DataError(
            "contributions must be a mapping {(row, column): [value, ...]}, got "
            f"{type(contributions).__name__}"
        )
    rows = {lab: i for i, lab in enumerate(table.index)}
    cols = {lab: j for j, lab in enumerate(table.columns)}
    out: dict[_Cell, tuple[float, ...]] = {}
    for key, seq in contributions.items():
        if not isinstance(key, tuple) or len(key) != 2:
            raise DataError(f"contributions keys must be (row, column) pairs; got {key!r}")
        r, c = key
        for label, pos, axis in ((r, rows, "row"), (c, cols, "column")):
            if label not in pos:
                raise DataError(
                    f"contributions names the {axis} {label!r}, which is not in the table."
                    f"{did_you_mean(str(label), map(str, pos))}"
                )
        try:
            vals = tuple(float(v) for v in seq)
        except (TypeError, ValueError) as err:
            raise DataError(
                f"contributions[{key!r}] must be a sequence of numbers; got {seq!r}"
            ) from err
        if any(not math.isfinite(v) or v < 0 for v in vals):
            raise DataError(
                f"contributions[{key!r}] holds a negative or missing value; the dominance rule "
                "needs non-negative contributions (use absolute values for losses)"
            )
        out[rows[r], cols[c]] = vals
    return out


def _check_counts(
    counts: Any,
    table: pd.DataFrame,
    values: np.ndarray,
    contrib: dict[_Cell, tuple[float, ...]] | None,
) -> np.ndarray:
    if counts is None and contrib is not None:
        arr = np.zeros(values.shape, dtype=np.int64)
        for cell, vals in contrib.items():
            arr[cell] = len(vals)
        what = "counts"
    elif counts is None:
        bad = values != np.round(values)
        if bad.any():
            i, j = (int(x[0]) for x in np.nonzero(bad))
            raise DataError(
                f"the table holds non-integer values ({values[i, j]:g} at "
                f"{_cell_name(table, (i, j))}), so it is not a table of counts: pass counts= "
                "(a frame of the same shape with the number of contributors in each cell)"
            )
        arr = values
        what = "the table, used as counts,"
    else:
        arr = _counts_array(counts, table)
        what = "counts"
    neg = arr < 0
    if neg.any():
        i, j = (int(x[0]) for x in np.nonzero(neg))
        fix = " (if it holds amounts, pass counts=)" if counts is None else ""
        raise DataError(
            f"{what} must not be negative: {arr[i, j]:g} at {_cell_name(table, (i, j))}{fix}"
        )
    frac = arr != np.round(arr)
    if frac.any():
        i, j = (int(x[0]) for x in np.nonzero(frac))
        raise DataError(
            f"counts must be whole numbers of contributors; got {arr[i, j]:g} at "
            f"{_cell_name(table, (i, j))}"
        )
    arr = arr.astype(np.int64)
    bad = (arr == 0) & (values != 0)
    if bad.any():
        i, j = (int(x[0]) for x in np.nonzero(bad))
        raise DataError(
            f"cell {_cell_name(table, (i, j))} has value {values[i, j]:g} but 0 contributors; "
            "counts and table disagree"
        )
    return arr


def _counts_array(counts: Any, table: pd.DataFrame) -> np.ndarray:
    if isinstance(counts, pd.DataFrame):
        if counts.shape != table.shape:
            raise DataError(
                f"counts has shape {counts.shape} but the table has shape {table.shape}; "
                "counts must give the contributors of every cell of the table"
            )
        same = counts.index.equals(table.index) and counts.columns.equals(table.columns)
        if not same:
            for axis, theirs, ours in (
                ("row", counts.index, table.index),
                ("column", counts.columns, table.columns),
            ):
                extra = [x for x in theirs if x not in set(ours)]
                if extra:
                    raise DataError(
                        f"counts has the {axis} {extra[0]!r}, which is not in the table."
                        f"{did_you_mean(str(extra[0]), map(str, ours))} counts must have the "
                        "table's labels"
                    )
            counts = counts.reindex(index=table.index, columns=table.columns)
        for col in counts.columns:
            dtype = counts[col].dtype
            if pd.api.types.is_bool_dtype(dtype) or not pd.api.types.is_numeric_dtype(dtype):
                raise NonNumericError(f"counts column {col!r} holds {dtype} values, not numbers")
        if counts.isna().to_numpy().any():
            raise MissingValueError("counts has missing values; give a count for every cell")
        return counts.to_numpy(dtype=float)
    try:
        arr = np.asarray(counts, dtype=float)
    except (TypeError, ValueError) as err:
        raise NonNumericError(
            f"counts must be a DataFrame or array of numbers; got {type(counts).__name__}"
        ) from err
    if arr.shape != table.shape:
        raise DataError(
            f"counts has shape {arr.shape} but the table has shape {table.shape}; counts must "
            "give the contributors of every cell of the table"
        )
    if np.isnan(arr).any():
        raise MissingValueError("counts has missing values; give a count for every cell")
    return arr


def _check_contrib_counts(
    contrib: dict[_Cell, tuple[float, ...]], cnt: np.ndarray, table: pd.DataFrame
) -> None:
    for i in range(cnt.shape[0]):
        for j in range(cnt.shape[1]):
            got = len(contrib.get((i, j), ()))
            if got != cnt[i, j]:
                raise DataError(
                    f"contributions lists {got} value(s) for {_cell_name(table, (i, j))} but "
                    f"counts says {cnt[i, j]}; give every contributor's value for each cell"
                )


def _top_share(vals: Sequence[float], n: int) -> float | None:
    total = float(sum(vals))
    if total <= 0:
        return None
    return float(sum(sorted(vals, reverse=True)[:n])) / total


def _primary(
    cnt: np.ndarray,
    k: int,
    dom: tuple[int, float] | None,
    contrib: dict[_Cell, tuple[float, ...]] | None,
) -> dict[_Cell, list[str]]:
    """The sensitive cells, each with why: fewer than ``k`` contributors, or dominated."""
    m, n = cnt.shape
    reasons: dict[_Cell, list[str]] = {}
    for i in range(m):
        for j in range(n):
            c = int(cnt[i, j])
            if 0 < c < k:
                reasons.setdefault((i, j), []).append(f"count {c} < k = {k}")
            if dom is not None and contrib is not None and c > 0:
                share = _top_share(contrib.get((i, j), ()), dom[0])
                if share is not None and share > dom[1]:
                    reasons.setdefault((i, j), []).append(
                        f"dominance: largest {dom[0]} contributor(s) = {share:.0%} > {dom[1]:.0%}"
                    )
    return reasons
