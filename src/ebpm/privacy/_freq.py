"""Sample and estimated population frequencies of the key-variable combinations (``fk``, ``Fk``).

Mirrors sdcMicro's ``freqCalc`` (R/freqCalc.r, with ``alpha = 1``), including its rule for
missing key values: a missing value stands for any category of its variable.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from ebpm.privacy._checks import check_frame, check_keys, check_weight


def frequencies(
    df: pd.DataFrame, *, keys: str | Sequence[str], weight: str | None = None
) -> pd.DataFrame:
    """How many records share each record's key combination, in the sample and the population.

    Parameters
    ----------
    df
        One row per person (or firm): the microdata. Not modified.
    keys
        The key variables (quasi-identifiers): the columns an intruder could know from another
        source, such as age, sex and municipality.
    weight
        The column of sampling weights (how many people each record stands for), or ``None``
        when the data are the whole population.

    Returns
    -------
    pandas.DataFrame
        With ``df``'s index and two columns: ``fk`` (int), the number of records in the data
        whose keys match the record's, the record included; ``Fk`` (float), the estimated
        number of such people in the population, the sum of their weights (``Fk == fk``
        without weights).

    Raises
    ------
    ColumnNotFoundError
        A key or the weight is not a column (a close match is suggested).
    InvalidOptionError
        ``keys`` is empty or names a column twice, or the weight is also a key.
    MissingValueError, NonNumericError, DataError
        A weight is missing, not a number, not positive or not finite.

    Notes
    -----
    A missing key value matches any value of its variable, as in sdcMicro's ``freqCalc``:
    a record whose keys are partly missing (after local suppression, say) counts every record
    it could be, and is counted by each of them. sdcMicro's exact rule, kept here:

    * a record with some, not all, keys missing counts every record that agrees with it on
      the keys both have: complete records, other partly missing ones, and records whose keys
      are all missing;
    * a complete record counts the partly missing records that agree with it, but not the
      records whose keys are all missing (with a single key variable it counts those too,
      since then "partly" and "all" coincide);
    * a record whose keys are all missing matches everything: ``fk`` is the number of
      records and ``Fk`` the sum of all weights.

    The default ``alpha = 1`` of ``freqCalc`` is the rule above; its down-weighting of
    missing-value matches (``alpha < 1``) is not offered.

    References
    ----------
    Templ, M., Kowarik, A. and Meindl, B. (2015). Statistical Disclosure Control for
    Micro-Data Using the R Package sdcMicro. *Journal of Statistical Software* 67(4), 1-36.
    https://doi.org/10.18637/jss.v067.i04
    """
    df = check_frame(df)
    keys = check_keys(df, keys)
    w = check_weight(df, weight, keys)
    fk, big_f = _frequencies(_codes(df, keys), w)
    return pd.DataFrame({"fk": fk.astype("int64"), "Fk": big_f}, index=df.index)


def _codes(df: pd.DataFrame, keys: Sequence[str]) -> np.ndarray:
    """The keys as integer codes, one column per key, ``-1`` where a value is missing."""
    cols = [pd.factorize(df[key], use_na_sentinel=True)[0] for key in keys]
    if not cols or len(df) == 0:
        return np.empty((len(df), len(keys)), dtype="int64")
    return np.column_stack(cols).astype("int64", copy=False)


def _frequencies(codes: np.ndarray, w: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
    """``(fk, Fk)`` per record from the key codes (``-1`` missing) and the weights."""
    n = codes.shape[0]
    weights = np.ones(n) if w is None else w
    if n == 0:
        return np.zeros(0), np.zeros(0)
    patterns, inverse = np.unique(codes, axis=0, return_inverse=True)
    inverse = inverse.reshape(-1)
    count = np.bincount(inverse).astype("float64")
    wsum = np.bincount(inverse, weights=weights)
    missing = patterns == -1
    if not missing.any():
        return count[inverse], wsum[inverse]
    fk, big_f = _matches(patterns, missing, count, wsum)
    all_missing = missing.all(axis=1)
    fk[all_missing], big_f[all_missing] = n, weights.sum()
    return fk[inverse], big_f[inverse]


def _matches(
    patterns: np.ndarray, missing: np.ndarray, count: np.ndarray, wsum: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Records and weights matching each distinct key combination, freqCalc's rules.

    Two combinations match when they agree on every key neither misses. The combinations are
    grouped by which keys they miss (a handful of groups, however many records); for two
    groups, both are reduced to the keys neither misses and matched by equal reduced rows, so
    the work grows with the number of records times the number of groups, not with the number
    of records squared.
    """
    n_keys = missing.shape[1]
    masks = missing @ (1 << np.arange(n_keys))
    groups = {int(m): np.flatnonzero(masks == m) for m in np.unique(masks)}
    full = (1 << n_keys) - 1
    fk, big_f = np.zeros(len(patterns)), np.zeros(len(patterns))
    for a, mine in groups.items():
        if a == full:
            continue  # set by the caller: it matches everything
        for b, other in groups.items():
            if a == 0 and b == 0:  # distinct complete combinations match only themselves
                fk[mine] += count[mine]
                big_f[mine] += wsum[mine]
                continue
            if a == 0 and b == full and n_keys > 1:
                continue  # freqCalc: all-missing records add to complete ones with one key only
            shared = [j for j in range(n_keys) if not (a | b) >> j & 1]
            if not shared:  # nothing to compare: every record of the other group matches
                fk[mine] += count[other].sum()
                big_f[mine] += wsum[other].sum()
                continue
            ids = _row_ids(np.concatenate([patterns[mine][:, shared], patterns[other][:, shared]]))
            size = int(ids.max()) + 1
            theirs = ids[len(mine) :]
            fk[mine] += np.bincount(theirs, weights=count[other], minlength=size)[ids[: len(mine)]]
            big_f[mine] += np.bincount(theirs, weights=wsum[other], minlength=size)[
                ids[: len(mine)]
            ]
    return fk, big_f


def _row_ids(rows: np.ndarray) -> np.ndarray:
    """An integer per row, equal for equal rows (non-negative codes): one number per row when
    the codes fit in 62 bits, hashed by pandas (a sort of rows otherwise)."""
    sizes = rows.max(axis=0).astype("float64") + 1
    if float(np.prod(sizes)) < 2.0**62:
        radix = np.concatenate([[1], np.cumprod(sizes[:-1])]).astype("int64")
        return pd.factorize(rows @ radix)[0]
    return np.unique(rows, axis=0, return_inverse=True)[1].reshape(-1)
