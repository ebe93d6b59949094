"""Global recoding and top and bottom coding: the non-perturbative methods of anonymization.

The Personal Information Protection Commission's guidelines for 匿名加工情報 ask to generalize
unusual values and top-code extreme ones; sdcMicro does it with ``globalRecode`` and
``topBotCoding``. Here the same, with sdcMicro's conventions:

- :func:`recode` with breaks cuts a numeric key into intervals as R's
  ``cut(x, breaks, include.lowest = TRUE)`` does: ``[b0, b1]``, ``(b1, b2]``, ... A value outside
  every interval is refused (sdcMicro would make it missing, which reads as a wildcard to the
  risk measures and hides the problem). With a map it merges categories; values the map does
  not name stay as they are.
- :func:`top_code` replaces the values above a limit by the limit (or a replacement, such as
  the mean of the values above it); :func:`bottom_code` those below.

Each returns a new frame (the caller's is untouched) whose ``attrs["privacy"]`` lists the steps
applied so far and how many values each changed: the start of the audit a release needs.
Missing values stay missing.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from ebpm.errors import DataError, InvalidOptionError, NonNumericError, did_you_mean
from ebpm.privacy._checks import _column, check_frame

__all__ = ["bottom_code", "recode", "top_code"]


def _steps(df: pd.DataFrame) -> list[dict[str, Any]]:
    return [dict(step) for step in df.attrs.get("privacy", [])]


def _number(text: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float | np.integer | np.floating):
        raise InvalidOptionError(f"{text}={value!r} must be a number")
    if not math.isfinite(float(value)):
        raise InvalidOptionError(f"{text}={value!r} must be a finite number")
    return float(value)


def _numeric(df: pd.DataFrame, column: str, what: str) -> pd.Series:
    values = df[column]
    if pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
        return values.astype("float64")
    example = f" (e.g. {values.dropna().iloc[0]!r})" if values.notna().any() else ""
    fix = (
        "; merge categories with a map instead, e.g. {'a': 'ab', 'b': 'ab'}"
        if what == "recode"
        else "; convert the column to numbers first"
    )
    raise NonNumericError(
        f"{what} {column!r} needs numbers, but the column holds {values.dtype} values{example}{fix}"
    )


def _label(x: float) -> str:
    """A break as text, exact: 1234567 stays 1234567 (not 1.23457e+06)."""
    text = f"{x:.15g}"
    return text if float(text) == x else repr(x)


def _narrow(series: pd.Series) -> np.dtype | None:
    """The float dtype narrower than float64 of ``series`` (float32: its 0.1 is not float64's),
    else None."""
    dtype = getattr(series.dtype, "numpy_dtype", series.dtype)
    if isinstance(dtype, np.dtype) and dtype.kind == "f" and dtype.itemsize < 8:
        return dtype
    return None


def _as_column(x: float, series: pd.Series) -> float:
    """``x`` as ``series`` holds numbers, for comparing with its values: a limit of 0.1 on a
    float32 column is float32's 0.1, which its own 0.1 equals."""
    narrow = _narrow(series)
    return float(narrow.type(x)) if narrow is not None else x


def _cut(df: pd.DataFrame, column: str, breaks: Sequence[Any], labels: Any) -> pd.Series:
    edges = [_number(f"recode[{column!r}] break", b) for b in breaks]
    if len(edges) < 2 or any(b >= a for a, b in zip(edges[1:], edges, strict=False)):
        raise InvalidOptionError(
            f"recode[{column!r}]={list(breaks)!r} must be at least two strictly increasing "
            "breaks, e.g. [0, 15, 65, 120] for the classes 0-15, 16-65 and 66-120"
        )
    values = _numeric(df, column, "recode")
    at = [_as_column(e, df[column]) for e in edges]  # where the column's values are compared
    outside = values.notna() & ((values < at[0]) | (values > at[-1]))
    if outside.any():
        low, high = values[outside].min(), values[outside].max()
        raise DataError(
            f"recode[{column!r}]: {int(outside.sum())} value(s) fall outside the breaks "
            f"{_label(edges[0])}..{_label(edges[-1])} (from {_label(low)} to {_label(high)}); "
            f"widen the first or last break to cover them (e.g. "
            f"[{_label(min(edges[0], values.min()))}, ..., {_label(max(edges[-1], values.max()))}]"
            "), or top- or bottom-code the column first"
        )
    n = len(edges) - 1
    if labels is None:
        names = [
            ("[" if i == 0 else "(") + f"{_label(edges[i])}, {_label(edges[i + 1])}]"
            for i in range(n)
        ]
    else:
        names = [str(x) for x in labels]
        if len(names) != n or len(set(names)) != n:
            raise InvalidOptionError(
                f"labels[{column!r}] gives {len(names)} label(s) for {n} classes "
                f"{list(breaks)!r}; give {n} distinct labels, one per interval"
            )
    codes = np.searchsorted(np.asarray(at[1:-1]), values.to_numpy(), side="left")
    cats = pd.Categorical.from_codes(
        np.where(values.isna(), -1, codes), categories=names, ordered=True
    )
    return pd.Series(cats, index=df.index, name=column)


def _merge(df: pd.DataFrame, column: str, mapping: Mapping[Any, Any]) -> pd.Series:
    present = set(df[column].dropna().unique().tolist())
    unknown = [k for k in mapping if k not in present]
    if unknown:
        choices = [str(v) for v in present]
        raise InvalidOptionError(
            f"recode[{column!r}] maps {unknown[0]!r}, which is not a value of {column!r}."
            f"{did_you_mean(str(unknown[0]), choices)} Its values are: "
            f"{', '.join(sorted(choices)[:20])}{' ...' if len(choices) > 20 else ''}"
        )
    return df[column].map(lambda v: mapping.get(v, v) if not pd.isna(v) else v)


def _changed(before: pd.Series, after: pd.Series) -> int:
    """Values of ``before`` that ``after`` replaced or made missing, compared as values (a
    category, a number: 1 and 1.0 are the same value), not as their text."""
    was = before.notna().to_numpy()
    now = after.notna().to_numpy()
    old = before.astype(object).to_numpy()
    new = after.astype(object).to_numpy()
    differs = np.fromiter(
        (bool(o != n) for o, n in zip(old[was & now], new[was & now], strict=True)),
        dtype=bool,
        count=int((was & now).sum()),
    )
    return int(differs.sum() + (was & ~now).sum())


def _options(main: tuple[str, Any, str], extra: tuple[str, Any, str]) -> dict[str, Any]:
    """Check the column → rule mapping ``main`` and that ``extra`` names only its columns;
    return ``extra`` as a dict. Each is ``(name, value, words for the message)``."""
    name, rules, what = main
    if not isinstance(rules, Mapping) or not rules:
        raise InvalidOptionError(
            f"{name}={rules!r} must be a non-empty mapping of column to {what}"
        )
    extra_name, given, why = extra
    given = dict(given or {})
    for column in given:
        if column not in rules:
            raise InvalidOptionError(f"{extra_name} names {column!r}, which has {why}")
    return given


def recode(
    df: pd.DataFrame,
    rules: Mapping[str, Sequence[Any] | Mapping[Any, Any]],
    *,
    labels: Mapping[str, Sequence[Any]] | None = None,
) -> pd.DataFrame:
    """Generalize key variables: numbers into intervals, categories into broader ones.

    Parameters
    ----------
    df : pandas.DataFrame
        The records.
    rules : mapping
        Column → breaks (a list of increasing numbers: ``{"age": [0, 15, 65, 120]}`` gives the
        classes ``[0, 15]``, ``(15, 65]``, ``(65, 120]``) or column → map of categories
        (``{"job": {"doctor": "professional", "lawyer": "professional"}}``).
    labels : mapping, optional
        Column → one label per interval (``{"age": ["0-15", "16-65", "66+"]}``).

    Returns
    -------
    pandas.DataFrame
        A copy with the columns recoded (intervals as an ordered categorical) and the step in
        ``attrs["privacy"]``.

    Raises
    ------
    ColumnNotFoundError, InvalidOptionError, NonNumericError, DataError
        A column that is not in the data; breaks not increasing; labels that do not match the
        classes; a map naming a value the column does not hold; breaks on a text column; values
        outside the breaks.
    """
    df = check_frame(df)
    labels = _options(
        (
            "rules",
            rules,
            "breaks or categories, e.g. {'age': [0, 15, 65, 120]} or "
            "{'job': {'doctor': 'professional'}}",
        ),
        ("labels", labels, "no rule in rules; label only the columns recoded with breaks"),
    )
    out = df.copy()
    steps = _steps(df)
    for column, rule in rules.items():
        _column(df, "recode", column)
        if isinstance(rule, Mapping):
            if column in labels:
                raise InvalidOptionError(
                    f"labels[{column!r}] is for breaks; a map of categories names its labels itself"
                )
            new = _merge(df, column, rule)
        elif isinstance(rule, Sequence) and not isinstance(rule, str | bytes):
            new = _cut(df, column, rule, labels.get(column))
        else:
            raise InvalidOptionError(
                f"recode[{column!r}]={rule!r} must be a list of breaks or a map of categories"
            )
        changed = _changed(df[column], new)
        out[column] = new
        steps.append({"step": "recode", "column": column, "rule": _plain(rule), "changed": changed})
    out.attrs = {**df.attrs, "privacy": steps}
    return out


def _plain(rule: Any) -> Any:
    if isinstance(rule, Mapping):
        return {str(k): str(v) for k, v in rule.items()}
    return [float(x) for x in rule]


def _code(
    df: pd.DataFrame,
    limits: Mapping[str, Any],
    replacement: Mapping[str, Any] | None,
    kind: str,
) -> pd.DataFrame:
    df = check_frame(df)
    replacement = _options(
        ("limits", limits, "limit, e.g. {'income': 20000000}"),
        ("replacement", replacement, "no limit; give its limit too"),
    )
    out = df.copy()
    steps = _steps(df)
    for column, limit in limits.items():
        _column(df, f"{kind}_code", column)
        at = _number(f"{kind}_code[{column!r}]", limit)
        new = _number(f"replacement[{column!r}]", replacement.get(column, at))
        values = _numeric(df, column, f"{kind}_code")
        limit = _as_column(at, df[column])
        beyond = (values > limit) if kind == "top" else (values < limit)
        beyond = beyond.fillna(False)
        # only the coded values change: the others keep their type (float32 stays float32)
        if pd.api.types.is_integer_dtype(df[column]) and not float(new).is_integer():
            out[column] = df[column].astype("float64").mask(beyond, new)
        else:
            out[column] = df[column].mask(beyond, new)
        steps.append(
            {
                "step": f"{kind}_code",
                "column": column,
                "limit": at,
                "replacement": new,
                "changed": int(beyond.sum()),
            }
        )
    out.attrs = {**df.attrs, "privacy": steps}
    return out


def top_code(
    df: pd.DataFrame,
    limits: Mapping[str, Any],
    *,
    replacement: Mapping[str, Any] | None = None,
) -> pd.DataFrame:
    """Replace the values above a limit: ``top_code(df, {"income": 2e7})``.

    Parameters
    ----------
    df : pandas.DataFrame
        The records.
    limits : mapping
        Column → the largest value released.
    replacement : mapping, optional
        Column → the value that replaces those above the limit (default: the limit; sdcMicro's
        ``topBotCoding`` takes any value, such as the mean of the values coded).

    Returns
    -------
    pandas.DataFrame
        A copy with the values coded and the step in ``attrs["privacy"]``.
    """
    return _code(df, limits, replacement, "top")


def bottom_code(
    df: pd.DataFrame,
    limits: Mapping[str, Any],
    *,
    replacement: Mapping[str, Any] | None = None,
) -> pd.DataFrame:
    """Replace the values below a limit: ``bottom_code(df, {"age": 15})``; as :func:`top_code`."""
    return _code(df, limits, replacement, "bottom")
