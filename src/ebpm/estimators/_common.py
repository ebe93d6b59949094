"""Input checks shared by every estimator: column roles, option literals, missing values."""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Sequence
from typing import Any, TypeVar

import pandas as pd

from ebpm.errors import (
    ColumnNotFoundError,
    DataError,
    EbpmWarning,
    InvalidOptionError,
    did_you_mean,
)

__all__ = [
    "MissingValueWarning",
    "check_columns",
    "check_complete",
    "check_numeric",
    "check_option",
    "check_unique_panel",
    "drop_missing",
    "require_frame",
]


class MissingValueWarning(EbpmWarning):
    """Rows with missing values in the columns an estimator uses were dropped."""


def require_frame(data: Any, *, func: str) -> pd.DataFrame:
    """Raise :class:`DataError` unless ``data`` is a non-empty DataFrame."""
    if not isinstance(data, pd.DataFrame):
        raise DataError(
            f"{func}() takes a pandas DataFrame as `data`, got {type(data).__name__}; load one "
            "with ebpm.catalog.load(name) or pandas.read_csv(path)"
        )
    if data.empty:
        raise DataError(f"{func}() got an empty DataFrame; check the filter that produced it")
    return data


def check_columns(data: pd.DataFrame, roles: dict[str, Any]) -> None:
    """Check every column named in ``roles`` (role -> column or list of columns) exists."""
    for role, cols in roles.items():
        if cols is None:
            continue
        for col in [cols] if isinstance(cols, str) else list(cols):
            if col not in data.columns:
                raise ColumnNotFoundError(
                    f"{role}={col!r} is not a column of the data."
                    f"{did_you_mean(str(col), map(str, data.columns))} "
                    f"Columns are: {', '.join(map(str, data.columns))}."
                )


_Option = TypeVar("_Option", bound=str)


def check_option(name: str, value: Any, allowed: Sequence[_Option]) -> _Option:
    """Return ``value`` if it is one of ``allowed``; raise :class:`InvalidOptionError` if not."""
    if value not in allowed:
        raise InvalidOptionError(
            f"{name}={value!r} is not supported.{did_you_mean(str(value), allowed)} "
            f"Choose one of: {', '.join(map(repr, allowed))}."
        )
    return value


def drop_missing(data: pd.DataFrame, columns: Iterable[str], *, func: str) -> pd.DataFrame:
    """Drop rows with a missing value in ``columns``, warning with the count per column."""
    columns = list(dict.fromkeys(columns))
    na = data[columns].isna()
    if not na.to_numpy().any():
        return data
    counts = {c: int(n) for c, n in na.sum().items() if n}
    keep = ~na.any(axis=1)
    warnings.warn(
        f"{func}(): dropped {int((~keep).sum())} of {len(data)} rows with missing values "
        f"({', '.join(f'{c}: {n}' for c, n in counts.items())}); impute or filter them first "
        "to silence this",
        MissingValueWarning,
        stacklevel=3,
    )
    if not keep.any():
        raise DataError(f"{func}(): every row has a missing value in {list(counts)}")
    return data.loc[keep]


def check_numeric(data: pd.DataFrame, column: str, *, role: str) -> pd.Series:
    """Return ``data[column]`` as float64, or raise :class:`NonNumericError` naming a bad value."""
    from ebpm.errors import NonNumericError

    series = data[column]
    if pd.api.types.is_bool_dtype(series) or pd.api.types.is_numeric_dtype(series):
        return series.astype("float64")
    converted = pd.to_numeric(series, errors="coerce")
    bad = series[converted.isna() & series.notna()]
    if len(bad):
        raise NonNumericError(
            f"{role}={column!r} must be numeric; it holds {bad.iloc[0]!r} (row {bad.index[0]!r}). "
            "Convert it first, e.g. pd.to_numeric(df[col], errors='coerce')"
        )
    return converted.astype("float64")


def check_complete(data: pd.DataFrame, column: str, *, role: str) -> None:
    """Raise :class:`MissingValueError` if ``column`` has missing values."""
    from ebpm.errors import MissingValueError

    n = int(data[column].isna().sum())
    if n:
        raise MissingValueError(
            f"{role}={column!r} has {n} missing value(s) (first at row "
            f"{data.index[data[column].isna()][0]!r}); fill them or drop those rows first"
        )


def check_unique_panel(data: pd.DataFrame, *, unit: str, time: str) -> None:
    """Raise :class:`DuplicateRowsError` if a unit has two rows in the same period."""

    dup = data.duplicated([unit, time], keep=False)
    if dup.any():
        raise duplicate_rows_error(data, dup.to_numpy(), unit=unit, time=time)


def duplicate_rows_error(data: pd.DataFrame, dup: Any, *, unit: str, time: str) -> Exception:
    """The :class:`DuplicateRowsError` for the rows flagged in the boolean mask ``dup``."""
    from ebpm.errors import DuplicateRowsError

    first = data.loc[dup, [unit, time]].iloc[0]
    u, t = (getattr(v, "item", lambda v=v: v)() for v in (first[unit], first[time]))
    return DuplicateRowsError(
        f"{int(dup.sum())} rows share a ({unit}, {time}) pair, e.g. {unit}={u!r}, "
        f"{time}={t!r}; a panel needs one row per unit and period. Aggregate or "
        "drop the duplicates (df.drop_duplicates([unit, time]))"
    )
