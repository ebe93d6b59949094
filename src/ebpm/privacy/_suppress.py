"""Local suppression: k-anonymity reached by blanking as few key values as it can.

A record whose combination of key values is shared by fewer than ``k`` records (``fk < k``)
can be singled out. Local suppression blanks (makes missing) single key values of those
records; a missing value then matches any value of its variable, so the record merges with its
neighbours. This is sdcMicro's ``localSuppression`` (``kAnon``), step for step:

1. The records that violate k-anonymity are taken in order of their re-identification risk,
   the rarest first (``fk`` ascending; ties in the data's order).
2. For each, its nearest records are found: those that differ from it on the fewest keys (a key
   missing in either record does not count as a difference).
3. One value is blanked: of the key the user ranks least important, the first (from the least
   important up) on which one of those nearest records differs. One blank per violating
   record per round; then the frequencies are counted again, until every record has
   ``fk >= k``.

Without an importance order, keys with more categories are taken as less important (blanked
first), as sdcMicro does: a key with many categories splits the records most.

The values are the same as sdcMicro's on its own test examples (tests/privacy). The work
grows with the number of violating records times the number of distinct key combinations.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from ebpm.errors import DataError, InvalidOptionError
from ebpm.privacy._checks import check_frame, check_keys
from ebpm.privacy._freq import _codes, _frequencies

__all__ = ["local_suppression"]


def local_suppression(
    df: pd.DataFrame,
    *,
    keys: str | Sequence[str],
    k: int = 3,
    importance: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Blank key values until every record shares its keys with at least ``k - 1`` others.

    Parameters
    ----------
    df
        The microdata, one row per person (or firm). Not modified.
    keys
        The key variables (quasi-identifiers).
    k
        The k of k-anonymity: each record must match at least ``k`` records (itself
        included), a missing key value matching any value.
    importance
        The keys from the most important (blanked last) to the least important (blanked
        first). Default: keys with fewer categories first, as sdcMicro orders them.

    Returns
    -------
    pandas.DataFrame
        A copy with the blanked key values missing (integer keys become pandas' nullable
        ``Int64``), and in ``attrs["privacy"]`` the step with the number of values blanked per
        key and the records touched.

    Raises
    ------
    ColumnNotFoundError
        A key is not a column.
    InvalidOptionError
        ``k`` is not a whole number of at least 1, or ``importance`` does not list each key
        exactly once.
    DataError
        ``k`` is larger than the number of records: no blanking can reach it.

    Notes
    -----
    sdcMicro first sets aside the records of combinations shared by more than ``k`` records
    beyond the first ``k``; that only saves work (a violating record can match none of them
    without matching ``k`` records), so it is not repeated here.

    References
    ----------
    Templ, M., Kowarik, A. and Meindl, B. (2015). Statistical Disclosure Control for
    Micro-Data Using the R Package sdcMicro. *Journal of Statistical Software* 67(4), 1-36.
    https://doi.org/10.18637/jss.v067.i04
    """
    df = check_frame(df)
    keys = check_keys(df, keys)
    if isinstance(k, bool) or not isinstance(k, int | np.integer) or k < 1:
        raise InvalidOptionError(
            f"k={k!r} must be a whole number of at least 1: the number of records each record "
            "must share its keys with (itself included), e.g. k=3"
        )
    if k > len(df):
        raise DataError(
            f"k={k} is larger than the {len(df)} record(s) of the data: no blanking can make "
            f"each record match {k}. Lower k, or anonymize a larger data set"
        )
    order = _importance(df, keys, importance)
    codes = _codes(df, keys)
    blanked = _suppress(codes, int(k), [keys.index(key) for key in reversed(order)])
    out = df.copy()
    counts: dict[str, int] = {}
    for j, key in enumerate(keys):
        mask = blanked[:, j]
        counts[key] = int(mask.sum())
        if mask.any():
            out[key] = _blank(out[key], mask)
    steps = [dict(step) for step in df.attrs.get("privacy", [])]
    steps.append(
        {
            "step": "local_suppression",
            "keys": list(keys),
            "k": int(k),
            "importance": list(order),
            "suppressed": counts,
            "records": int(blanked.any(axis=1).sum()),
            "changed": int(blanked.sum()),
        }
    )
    out.attrs = {**df.attrs, "privacy": steps}
    return out


def _importance(df: pd.DataFrame, keys: list[str], importance: object) -> list[str]:
    """The keys from the most to the least important."""
    if importance is None:
        # sdcMicro: fewer categories, more important; ties in the keys' order (a stable sort)
        sizes = [df[key].nunique(dropna=True) for key in keys]
        return [keys[i] for i in np.argsort(sizes, kind="stable")]
    if isinstance(importance, str) or not isinstance(importance, Sequence):
        raise InvalidOptionError(
            f"importance={importance!r} must list the keys from the most important (blanked "
            f"last) to the least important, e.g. importance={list(reversed(keys))!r}"
        )
    given = list(importance)
    try:  # the keys themselves, not their text: key 1 is not importance "1"
        same = len(set(given)) == len(given) == len(keys) and set(given) == set(keys)
    except TypeError:  # an unhashable entry, such as a list
        same = False
    if not same:
        missing = [key for key in keys if key not in given]
        extra = [x for x in given if x not in keys]
        raise InvalidOptionError(
            f"importance={given!r} must list each key exactly once; "
            + (f"missing: {missing}; " if missing else "")
            + (f"not keys: {extra}; " if extra else "")
            + (
                f"repeated: {sorted({str(x) for x in given if given.count(x) > 1})}; "
                if len({str(x) for x in given}) != len(given)
                else ""
            )
            + f"the keys are {keys}"
        )
    return given


def _suppress(codes: np.ndarray, k: int, least_first: list[int]) -> np.ndarray:
    """Blank codes (set them to ``-1``) in place until every record has ``fk >= k``; which were
    blanked, as a boolean array of the codes' shape."""
    start = codes == -1
    while True:
        fk, _ = _frequencies(codes, None)
        problem = np.flatnonzero(fk < k)
        if problem.size == 0:
            return (codes == -1) & ~start
        problem = problem[np.argsort(fk[problem], kind="stable")]
        # within a round the other records do not change: their distinct key combinations
        # stand for them; the violating records follow, changed as they are blanked. Kept
        # key by key (each a contiguous array), as small integers.
        others = np.ones(len(codes), dtype=bool)
        others[problem] = False
        static = np.unique(codes[others], axis=0)
        small = np.int16 if codes.max(initial=0) < 2**15 else np.int32
        candidates = np.asfortranarray(np.concatenate([static, codes[problem]]), dtype=small)
        present = candidates != -1
        for at, i in enumerate(problem, start=len(static)):
            column = _column_to_blank(candidates, present, at, least_first)
            codes[i, column] = candidates[at, column] = -1
            present[at, column] = False


def _column_to_blank(
    candidates: np.ndarray, present: np.ndarray, at: int, least_first: list[int]
) -> int:
    """The key to blank in record ``at`` of ``candidates``: the least important one on which
    one of its nearest other records (fewest keys differing where both have a value) differs
    from it."""
    row = candidates[at]
    mine = [j for j in range(row.size) if row[j] != -1]
    differs = {j: (candidates[:, j] != row[j]) & present[:, j] for j in mine}
    distance = np.zeros(len(candidates), dtype=np.int8)
    for d in differs.values():
        distance += d
    positive = distance[distance > 0]
    if positive.size == 0:  # no other record differs anywhere: the least important present key
        return next(j for j in least_first if j in differs)
    nearest = distance == min(int(positive.min()), row.size)
    return next(j for j in least_first if j in differs and differs[j][nearest].any())


def _blank(values: pd.Series, mask: np.ndarray) -> pd.Series:
    """``values`` with the positions in ``mask`` missing; integers become nullable."""
    if pd.api.types.is_unsigned_integer_dtype(values) and not isinstance(
        values.dtype, pd.ArrowDtype
    ):
        values = values.astype("UInt64")  # above 2**63 a uint64 does not fit Int64
    elif pd.api.types.is_integer_dtype(values) and not isinstance(values.dtype, pd.ArrowDtype):
        values = values.astype("Int64")
    elif pd.api.types.is_bool_dtype(values):
        values = values.astype("boolean")
    missing: Any = pd.NA if isinstance(values.dtype, pd.api.extensions.ExtensionDtype) else np.nan
    if isinstance(values.dtype, pd.CategoricalDtype):
        missing = np.nan
    return values.mask(mask, missing)
