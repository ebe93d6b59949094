"""Argument checks shared by the risk measures: key variables, weights, sensitive variables.

Every message names the bad value and the fix, in the house form of
``ebpm.estimators._common.check_columns`` (kept apart: ``ebpm.privacy`` sits beside
``ebpm.estimators``, not above it).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from ebpm.errors import (
    ColumnNotFoundError,
    DataError,
    InvalidOptionError,
    MissingValueError,
    NonNumericError,
    did_you_mean,
)


def _column(df: pd.DataFrame, role: str, col: object) -> None:
    if col not in df.columns:
        names = ", ".join(map(str, df.columns))
        raise ColumnNotFoundError(
            f"{role}={col!r} is not a column of the data."
            f"{did_you_mean(str(col), map(str, df.columns))} Columns are: {names}."
        )


def check_frame(df: object) -> pd.DataFrame:
    """The data must be a DataFrame with unique column names."""
    if not isinstance(df, pd.DataFrame):
        raise DataError(
            f"the data must be a pandas DataFrame of records, not {type(df).__name__}; "
            "pass one row per person (or firm)."
        )
    if not df.columns.is_unique:
        dup = sorted({str(c) for c in df.columns[df.columns.duplicated()]})
        raise DataError(f"the data has duplicate column names {dup}; rename them first.")
    return df


def check_keys(df: pd.DataFrame, keys: object) -> list[str]:
    """``keys`` as a non-empty list of distinct columns of ``df``."""
    if isinstance(keys, str):
        keys = [keys]
    if not isinstance(keys, Sequence) or isinstance(keys, bytes):
        raise InvalidOptionError(
            f"keys={keys!r} must be a column name or a list of column names: the key "
            "variables (quasi-identifiers) an intruder could know, e.g. keys=['age', 'sex']."
        )
    keys = list(keys)
    if not keys:
        raise InvalidOptionError(
            "keys=[] names no key variable: pass the quasi-identifiers an intruder could "
            "know (e.g. keys=['age', 'sex', 'region']); without keys every record is safe "
            "and the measures say nothing."
        )
    dup = sorted({str(k) for k in keys if keys.count(k) > 1})
    if dup:
        raise InvalidOptionError(f"keys names {dup} more than once; list each key once.")
    for key in keys:
        _column(df, "keys", key)
    return keys


def check_weight(df: pd.DataFrame, weight: object, keys: Sequence[str]) -> np.ndarray | None:
    """The sampling weights as floats (each > 0 and finite), or ``None`` without weights."""
    if weight is None:
        return None
    _column(df, "weight", weight)
    if weight in keys:
        raise InvalidOptionError(
            f"weight={weight!r} is also a key variable; a sampling weight is not a "
            "quasi-identifier: drop it from keys."
        )
    col = df[weight]
    if not (pd.api.types.is_numeric_dtype(col) and not pd.api.types.is_bool_dtype(col)):
        raise NonNumericError(
            f"weight={weight!r} holds {col.dtype} values, not numbers; pass the column of "
            "sampling weights (how many people each record stands for)."
        )
    values = col.to_numpy(dtype="float64", na_value=np.nan)
    missing = np.isnan(values)
    if missing.any():
        raise MissingValueError(
            f"weight={weight!r} is missing for {int(missing.sum())} record(s) (first: "
            f"{_first(df.index, missing)}); every record needs its sampling weight: fill "
            "them in or drop those records."
        )
    bad = ~np.isfinite(values) | (values <= 0)
    if bad.any():
        raise DataError(
            f"weight={weight!r} must be positive and finite; {int(bad.sum())} record(s) are "
            f"not (first: {_first(df.index, bad)} = {float(values[bad][0])!r}). A sampling weight "
            "is the number of people a record stands for: fix or drop those records."
        )
    return values


def check_sensitive(df: pd.DataFrame, sensitive: object, keys: Sequence[str]) -> list[str]:
    """``sensitive`` as a non-empty list of columns of ``df``, none of them a key."""
    if isinstance(sensitive, str):
        sensitive = [sensitive]
    if not isinstance(sensitive, Sequence) or not sensitive:
        raise InvalidOptionError(
            f"sensitive={sensitive!r} must name the sensitive variable(s) whose values "
            "must not be learnt from the keys, e.g. sensitive='income_band'."
        )
    sensitive = list(sensitive)
    for col in sensitive:
        _column(df, "sensitive", col)
        if col in keys:
            raise InvalidOptionError(
                f"sensitive={col!r} is also a key variable; l-diversity measures what the "
                "keys reveal about a variable that is not among them: drop it from keys or "
                "choose another sensitive variable."
            )
    return sensitive


def _first(index: pd.Index, mask: np.ndarray) -> object:
    return index[np.flatnonzero(mask)[0]]
