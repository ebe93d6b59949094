"""Sample and estimated population frequencies of the key-variable combinations (``fk``, ``Fk``).

Mirrors sdcMicro's ``freqCalc`` (R/freqCalc.r, with ``alpha = 1``), including its rule for
missing key values: a missing value stands for any category of its variable.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from ebpm.privacy._checks import check_frame, check_keys, check_weight

#: Largest number of booleans compared at once when matching records with missing keys.
_CHUNK_CELLS = 20_000_000


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
    n, n_keys = codes.shape
    weights = np.ones(n) if w is None else w
    if n == 0:
        return np.zeros(0), np.zeros(0)
    patterns, inverse = np.unique(codes, axis=0, return_inverse=True)
    inverse = inverse.reshape(-1)
    count = np.bincount(inverse).astype("float64")
    wsum = np.bincount(inverse, weights=weights)
    missing = patterns == -1
    partly = missing.any(axis=1)
    if not partly.any():
        return count[inverse], wsum[inverse]
    fk: np.ndarray = count.copy()
    big_f: np.ndarray = wsum.copy()
    complete = np.flatnonzero(~partly)
    # Records whose keys are all missing add to complete records only with one key (freqCalc).
    gives = ~missing.all(axis=1) | (n_keys == 1)
    add_f, add_w = np.zeros(len(complete)), np.zeros(len(complete))
    holes = np.flatnonzero(partly)
    step = max(1, _CHUNK_CELLS // max(1, len(patterns) * n_keys))
    for start in range(0, len(holes), step):
        rows = holes[start : start + step]
        mine = patterns[rows][:, None, :]
        other = patterns[None, :, :]
        match = ((other == mine) | (other == -1) | (mine == -1)).all(axis=2)
        fk[rows] = match @ count
        big_f[rows] = match @ wsum
        giving = gives[rows]
        to_complete = match[giving][:, complete].astype("float64")
        add_f += count[rows][giving] @ to_complete
        add_w += wsum[rows][giving] @ to_complete
    fk[complete] += add_f
    big_f[complete] += add_w
    all_missing = missing.all(axis=1)
    fk[all_missing], big_f[all_missing] = n, weights.sum()
    return fk[inverse], big_f[inverse]
