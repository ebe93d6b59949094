"""Input checks shared by every estimator: column roles, option literals, missing values."""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from ebpm.errors import (
    ColumnNotFoundError,
    DataError,
    MissingValueWarning,
    UnitNotFoundError,
    check_option,
    did_you_mean,
)

__all__ = [
    "MissingValueWarning",
    "check_columns",
    "check_complete",
    "check_numeric",
    "check_option",
    "check_unique_panel",
    "check_weights",
    "drop_missing",
    "find_unit",
    "infinite",
    "missing_rows",
    "require_frame",
]


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


def infinite(series: pd.Series) -> np.ndarray:
    """Boolean mask of the ``inf``/``-inf`` values of ``series`` (strings never count)."""
    if series.dtype.kind in "biu" or pd.api.types.is_bool_dtype(series):
        return np.zeros(len(series), dtype=bool)  # integers and booleans are never infinite
    if pd.api.types.is_numeric_dtype(series):
        return np.isinf(series.to_numpy(dtype="float64", na_value=np.nan))
    if series.dtype == object:
        values = series.to_numpy()
        return np.asarray((values == np.inf) | (values == -np.inf), dtype=bool)
    return np.zeros(len(series), dtype=bool)


def _has_gaps(series: pd.Series) -> bool:
    """Whether ``series`` holds a missing or infinite value, in one pass for NumPy numbers."""
    dtype = series.dtype
    if isinstance(dtype, np.dtype) and dtype.kind in "biu":
        return False  # NumPy integers and booleans hold neither
    if isinstance(dtype, np.dtype) and dtype.kind == "f":
        return not bool(np.isfinite(series.to_numpy()).all())
    return bool(series.isna().any() or infinite(series).any())


def _value_text(value: Any) -> str:
    value = value.item() if isinstance(value, np.generic) else value
    return repr(value) if isinstance(value, str) else str(value)


def _rows_text(data: pd.DataFrame, bad: np.ndarray, label: Sequence[str]) -> str:
    """Name the rows flagged in ``bad``: by their ``label`` columns, else by index label."""
    where = np.flatnonzero(bad)
    shown = where[:_ROWS_SHOWN]
    if label:
        parts = [", ".join(f"{c}={_value_text(data[c].iloc[i])}" for c in label) for i in shown]
        text = "; ".join(parts)
    else:
        text = "row " if len(where) == 1 else "rows "
        text += ", ".join(_value_text(data.index[i]) for i in shown)
    if len(where) > len(shown):
        text += f" and {len(where) - len(shown)} more"
    return text


_ROWS_SHOWN = 5  # rows named in a missing-value message before "and N more"


def missing_rows(data: pd.DataFrame, columns: Iterable[str]) -> np.ndarray:
    """Positional mask of rows with a missing or infinite value in ``columns``."""
    columns = list(dict.fromkeys(columns))
    bad = data[columns].isna().to_numpy().any(axis=1)
    for col in columns:
        bad |= infinite(data[col])
    return bad


def drop_missing(
    data: pd.DataFrame, columns: Iterable[str], *, func: str, label: Sequence[str] = ()
) -> pd.DataFrame:
    """Drop rows with a missing or infinite value in ``columns``, warning which and where.

    Infinite values (``inf``, ``-inf``) are treated as missing: no estimator can use them,
    and left in they turn an estimate into NaN or a wrong number without a word. The warning
    counts the dropped values per column and names the rows, by the ``label`` columns (e.g.
    unit and period) when given, else by index label.
    """
    columns = list(dict.fromkeys(columns))
    if not any(_has_gaps(data[c]) for c in columns):
        return data  # the common case, with no mask or frame built
    na = data[columns].isna()
    inf = pd.DataFrame({c: infinite(data[c]) for c in columns}, index=data.index)
    bad = na.to_numpy() | inf.to_numpy()
    counts = []
    for j, col in enumerate(columns):
        n_na, n_inf = int(na.iloc[:, j].sum()), int(inf.iloc[:, j].sum())
        if n_inf:
            counts.append(
                f"{col}: {n_na} missing, {n_inf} infinite" if n_na else f"{col}: {n_inf} infinite"
            )
        elif n_na:
            counts.append(f"{col}: {n_na}")
    drop = bad.any(axis=1)
    what = "missing or infinite values" if inf.to_numpy().any() else "missing values"
    warnings.warn(
        f"{func}(): dropped {int(drop.sum())} of {len(data)} rows with {what} "
        f"({', '.join(counts)}) at {_rows_text(data, drop, label)}; impute or filter them "
        "first to silence this",
        MissingValueWarning,
        stacklevel=3,
    )
    if drop.all():
        bad_cols = [c for j, c in enumerate(columns) if bad[:, j].any()]
        raise DataError(f"{func}(): every row has a missing value in {bad_cols}")
    return data.loc[~drop]


def check_numeric(data: pd.DataFrame, column: str, *, role: str) -> pd.Series:
    """Return ``data[column]`` as float64, or raise :class:`NonNumericError` naming a bad value."""
    from ebpm.errors import NonNumericError

    series = data[column]
    if pd.api.types.is_bool_dtype(series) or pd.api.types.is_numeric_dtype(series):
        return series.astype("float64")
    if isinstance(series.dtype, pd.PeriodDtype) or pd.api.types.is_datetime64_any_dtype(series):
        # pd.to_numeric would silently turn dates into (micro- or nano-)seconds since 1970
        raise NonNumericError(
            f"{role}={column!r} holds dates (dtype {series.dtype}), and ebpm counts periods in "
            f"whole numbers. Convert it first, e.g. df[{column!r}] = df[{column!r}].dt.year for "
            "yearly periods, or .dt.year * 12 + .dt.month for months"
        )
    if pd.api.types.is_timedelta64_dtype(series):
        raise NonNumericError(
            f"{role}={column!r} holds durations (dtype {series.dtype}), not numbers. Convert it "
            f"first, e.g. df[{column!r}].dt.days"
        )
    converted = pd.to_numeric(series, errors="coerce")
    bad = series[converted.isna() & series.notna()]
    if len(bad):
        raise NonNumericError(
            f"{role}={column!r} must be numeric; it holds {bad.iloc[0]!r} (row {bad.index[0]!r}). "
            "Convert it first, e.g. pd.to_numeric(df[col], errors='coerce')"
        )
    return converted.astype("float64")


def check_complete(data: pd.DataFrame, column: str, *, role: str) -> None:
    """Raise :class:`MissingValueError` if ``column`` has missing or infinite values."""
    from ebpm.errors import MissingValueError

    if not _has_gaps(data[column]):
        return
    bad = data[column].isna().to_numpy() | infinite(data[column])
    n = int(bad.sum())
    if n:
        what = "missing or infinite" if infinite(data[column]).any() else "missing"
        raise MissingValueError(
            f"{role}={column!r} has {n} {what} value(s) (first at row "
            f"{data.index[bad][0]!r}); fill them or drop those rows first"
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


def find_unit(units: Iterable[Any], value: Any, *, role: str, unit: str) -> Any:
    """``value`` as it is spelled in the unit column (or matched by its text: ``6`` for
    ``"6"``), else a :class:`UnitNotFoundError` with a close match and the units."""
    units = list(units)
    if value in set(units):
        return value
    as_text = {str(u): u for u in units}
    if str(value) in as_text:
        return as_text[str(value)]
    raise UnitNotFoundError(
        f"{role}={value!r} is not a value of unit={unit!r}."
        f"{did_you_mean(str(value), as_text)} Units are: "
        f"{', '.join(list(as_text)[:10])}{' ...' if len(as_text) > 10 else ''}."
    )


def check_weights(data: pd.DataFrame, column: str) -> np.ndarray:
    """Observation weights from ``column``: numbers, none negative and none zero (pyfixest fits
    only positive weights; a row of weight 0 carries nothing and is better dropped)."""
    w = check_numeric(data, column, role="weights").to_numpy()
    if (w < 0).any():
        raise DataError(
            f"weights={column!r} must be non-negative; its smallest value is {float(w.min()):g}"
        )
    zero = int((w == 0).sum())
    if zero:
        raise DataError(
            f"weights={column!r} is 0 in {zero} row(s); a row of weight 0 carries nothing: drop "
            f"those rows first (data[data[{column!r}] > 0])"
        )
    return w
