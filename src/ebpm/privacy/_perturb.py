"""Perturbative anonymization of record-level microdata: microaggregation, noise and PRAM.

Recoding and local suppression coarsen or blank values but leave every released value
true. The perturbative methods change values so that a record no longer matches its person
exactly, while keeping the statistics an analyst needs:

- :func:`microaggregate` replaces numbers by the mean of a group of at least ``k`` similar
  records (MDAV, sdcMicro's ``microaggregation(method = "mdav")``): every record then shares its
  values with ``k - 1`` others, and the column means are kept.
- :func:`add_noise` adds normal noise with a standard deviation in percent of each column's
  (sdcMicro's ``addNoise(method = "additive")``): the means are kept in expectation.
- :func:`pram` re-draws categories from an invariant transition matrix (sdcMicro's ``pram``):
  the category frequencies are kept in expectation.

Each returns a new frame (the caller's is untouched) whose ``attrs["privacy"]`` lists the
steps applied so far, in the form of :func:`ebpm.privacy.recode`. The random methods need a
``seed`` so that a release can be rebuilt; the seed is not written into ``attrs``: whoever
holds it and the released data could regenerate the noise and subtract it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Literal

import numpy as np
import pandas as pd

from ebpm.errors import (
    DataError,
    InvalidOptionError,
    MissingValueError,
    check_option,
)
from ebpm.privacy._checks import _column, _first, check_frame
from ebpm.privacy._recode import _number, _numeric, _steps

__all__ = ["MicroaggregationMethod", "NoiseMethod", "add_noise", "microaggregate", "pram"]

MicroaggregationMethod = Literal["mdav"]  # sdcMicro's microaggregation(method = "mdav")
NoiseMethod = Literal["additive"]  # sdcMicro's addNoise(method = "additive")

_SAMPLE = 1024  # candidates drawn to bound the k nearest cheaply (see _nearest)
_ROW_SUM_TOLERANCE = 1e-9  # how far a row of a given transition matrix may sum from 1


# --- shared checks ---------------------------------------------------------------------------
def _columns(df: pd.DataFrame, what: str, columns: object) -> list[str]:
    if isinstance(columns, str):
        columns = [columns]
    if not isinstance(columns, Sequence) or isinstance(columns, bytes) or not columns:
        raise InvalidOptionError(
            f"{what}: columns={columns!r} must name the column(s) to perturb, "
            "e.g. columns=['income', 'expenditure']"
        )
    names = list(columns)
    dup = sorted({str(c) for c in names if names.count(c) > 1})
    if dup:
        raise InvalidOptionError(f"{what}: columns names {dup} more than once; list each once")
    for name in names:
        _column(df, "columns", name)
    return names


def _generator(what: str, seed: object) -> np.random.Generator:
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 0:
        raise InvalidOptionError(
            f"{what}: seed={seed!r} must be a non-negative whole number, e.g. seed=20240401; "
            "the same seed gives the same release, so keep it with the (unreleased) originals"
        )
    return np.random.default_rng(int(seed))


def _probability(name: str, value: object, meaning: str) -> float:
    number = _number(name, value)
    if not 0 < number <= 1:
        raise InvalidOptionError(
            f"{name}={value!r} must be a probability above 0 and at most 1: {meaning}"
        )
    return number


def _floats(original: pd.Series, values: np.ndarray) -> pd.Series:
    """``values`` as a column like ``original``: nullable ``Float64`` if it was nullable."""
    nullable = isinstance(original.dtype, pd.api.extensions.ExtensionDtype)
    return pd.Series(values, index=original.index, name=original.name).astype(
        "Float64" if nullable else "float64"
    )


# --- microaggregation ------------------------------------------------------------------------
def _group_size(k: object) -> int:
    if isinstance(k, bool) or not isinstance(k, int | np.integer) or k < 2:
        raise InvalidOptionError(
            f"microaggregate: k={k!r} must be a whole number of at least 2: the smallest "
            "number of records that share their values (sdcMicro's aggr, 3 by default)"
        )
    return int(k)


def _complete(df: pd.DataFrame, columns: list[str]) -> np.ndarray:
    """The columns as a float matrix, refusing missing and infinite values."""
    x = np.column_stack([_numeric(df, c, "microaggregate").to_numpy() for c in columns])
    missing = np.isnan(x)
    if missing.any():
        per = {c: int(n) for c, n in zip(columns, missing.sum(axis=0), strict=True) if n}
        raise MissingValueError(
            f"microaggregate: {int(missing.sum())} value(s) are missing ({per}; first in row "
            f"{_first(df.index, missing.any(axis=1))!r}); MDAV groups complete records: impute "
            "the missing values or drop those records first"
        )
    infinite = ~np.isfinite(x)
    if infinite.any():
        raise DataError(
            f"microaggregate: {int(infinite.sum())} value(s) are infinite (first in row "
            f"{_first(df.index, infinite.any(axis=1))!r}); replace them with numbers or drop "
            "those records first"
        )
    return x


def _farthest(d: np.ndarray, ids: np.ndarray) -> int:
    """Position of the largest distance; on a tie, the one of the earliest row."""
    top = np.flatnonzero(d == d.max())
    return int(top[np.argmin(ids[top])])


def _nearest(d: np.ndarray, ids: np.ndarray, k: int) -> np.ndarray:
    """Positions of the ``k`` smallest distances; ties go to the earliest rows.

    A partial sort of every distance would cost most of the time. The ``k``-th smallest of an
    evenly spread sample bounds the ``k``-th smallest of all from above, so only the few
    distances within that bound are sorted.
    """
    if d.size > 4 * _SAMPLE:
        bound = np.partition(d[:: d.size // _SAMPLE], k - 1)[k - 1]
        candidates = np.flatnonzero(d <= bound)
    else:
        candidates = np.arange(d.size)
    order = np.lexsort((ids[candidates], d[candidates]))
    return candidates[order[:k]]


def _mdav(z: np.ndarray, k: int) -> np.ndarray:
    """The group (0, 1, ...) of each row of ``z`` under MDAV with groups of ``k``.

    The rows not yet grouped are kept at the front of ``cols`` (``ids`` says which row each
    is): a grouped row is overwritten by one from the end, so removing a group costs O(k), and
    the distances, written into buffers allocated once, cover only the rows left.
    """
    n, m = z.shape
    cols = [np.ascontiguousarray(z[:, j]) for j in range(m)]
    ids = np.arange(n)
    groups = np.empty(n, dtype=np.intp)
    total = z.sum(axis=0)
    buffers = np.empty((2, n))
    left, group = n, 0

    def distances(point: np.ndarray) -> np.ndarray:
        d, term = buffers[0, :left], buffers[1, :left]
        np.subtract(cols[0][:left], point[0], out=d)
        np.square(d, out=d)
        for j in range(1, m):
            np.subtract(cols[j][:left], point[j], out=term)
            np.square(term, out=term)
            d += term
        return d

    def row(position: int) -> np.ndarray:
        return np.array([c[position] for c in cols])

    def take(d: np.ndarray) -> None:
        # The record a group starts from is at distance 0 and, among the records tied with
        # it, the earliest (it was chosen so): it is always among its k nearest.
        nonlocal left, group, total
        members = _nearest(d, ids[:left], k)
        groups[ids[members]] = group
        total = total - np.array([c[members].sum() for c in cols])
        group += 1
        keep = left - k
        holes = members[members < keep]
        stays = np.ones(k, dtype=bool)  # which of the last k rows are not in the group
        stays[members[members >= keep] - keep] = False
        movers = np.flatnonzero(stays) + keep
        for c in cols:
            c[holes] = c[movers]
        ids[holes] = ids[movers]
        left = keep

    while left >= 2 * k:
        two = left >= 3 * k
        r = _farthest(distances(total / left), ids[:left])
        d = distances(row(r))
        s_row = row(_farthest(d, ids[:left])) if two else None
        take(d)
        if s_row is not None:
            take(distances(s_row))
    groups[ids[:left]] = group
    return groups


def microaggregate(
    df: pd.DataFrame,
    *,
    columns: str | Sequence[str],
    k: int = 3,
    method: MicroaggregationMethod = "mdav",
) -> pd.DataFrame:
    """Replace numbers by the means of groups of at least ``k`` similar records (MDAV).

    Parameters
    ----------
    df : pandas.DataFrame
        The records, one row per person (or firm).
    columns : str or sequence of str
        The numeric columns aggregated together (income, expenditure, savings, ...). Records are
        grouped on all of them at once, so a group shares every one of its values.
    k : int, default 3
        The smallest group (sdcMicro's ``aggr``). Groups have ``k`` records, except one of
        between ``k`` and ``2k - 1``.
    method : {"mdav"}
        Maximum distance to average vector; the only method so far.

    Returns
    -------
    pandas.DataFrame
        A copy whose columns hold their group's means (as floats) and whose
        ``attrs["privacy"]`` ends with ``{"step": "microaggregate", "columns", "k", "method",
        "groups", "changed"}``.

    Raises
    ------
    ColumnNotFoundError, InvalidOptionError, NonNumericError, MissingValueError, DataError
        A column that is not in the data; ``k`` below 2 or a method other than ``"mdav"``; a
        column of text; missing values (impute or drop them first); infinite values; fewer
        records than ``k``.

    Notes
    -----
    Each column is standardized (by its mean and its standard deviation with denominator
    ``n``, as sdcMicro weights distances by the inverse population variance; a constant column
    counts for nothing), and Euclidean distances are taken between standardized records. Then
    MDAV (Domingo-Ferrer and Mateo-Sanz 2002): while at least ``3k`` records are left, take the
    record ``r`` farthest from the mean of those left and ``s`` farthest from ``r``; ``r`` with
    its ``k - 1`` nearest records forms a group, then ``s`` with its ``k - 1`` nearest of those
    left. With ``2k`` to ``3k - 1`` left, ``r`` and its ``k - 1`` nearest form a group and the
    rest another; with fewer than ``2k``, they form one group. Each value is replaced by its
    group's mean of the original values, so every column's mean is kept.

    Ties are broken by row order (the earlier row is taken). sdcMicro computes distances in
    single precision and breaks nearest-record ties the other way, so on data with tied
    distances (whole numbers, repeated records) its groups can differ, with the same sizes.
    The work grows as ``n**2 / k``: 0.3 s for 10^4 records of 3 columns and 4 s for
    10^5 (one core, ``k=3``). With one column sdcMicro switches to ``mafast`` (groups of
    consecutive sorted values); here MDAV is used with one column too.

    References
    ----------
    Domingo-Ferrer, J. and Mateo-Sanz, J. M. (2002). Practical data-oriented microaggregation
    for statistical disclosure control. *IEEE Transactions on Knowledge and Data Engineering*
    14(1), 189-201.

    Templ, M., Kowarik, A. and Meindl, B. (2015). Statistical disclosure control for
    micro-data using the R package sdcMicro. *Journal of Statistical Software* 67(4), 1-36.
    """
    df = check_frame(df)
    names = _columns(df, "microaggregate", columns)
    k = _group_size(k)
    check_option("method", method, MicroaggregationMethod)
    x = _complete(df, names)
    n = len(df)
    if n < k:
        raise DataError(
            f"microaggregate: the data has {n} record(s), fewer than k={k}; no group of {k} "
            "can be formed: lower k or aggregate more records"
        )
    centre = x.mean(axis=0)
    spread = x.std(axis=0)
    spread[spread == 0] = 1.0
    groups = _mdav((x - centre) / spread, k)
    sizes = np.bincount(groups)
    means = np.column_stack(
        [np.bincount(groups, weights=x[:, j]) / sizes for j in range(len(names))]
    )
    new = means[groups]
    out = df.copy()
    for j, name in enumerate(names):
        out[name] = _floats(df[name], new[:, j])
    steps = _steps(df)
    steps.append(
        {
            "step": "microaggregate",
            "columns": names,
            "k": k,
            "method": method,
            "groups": int(sizes.size),
            "changed": int((new != x).sum()),
        }
    )
    out.attrs = {**df.attrs, "privacy": steps}
    return out


# --- noise -----------------------------------------------------------------------------------
def add_noise(
    df: pd.DataFrame,
    *,
    columns: str | Sequence[str],
    noise: float = 150,
    method: NoiseMethod = "additive",
    seed: int,
) -> pd.DataFrame:
    """Add normal noise to numbers, with a standard deviation in percent of each column's.

    Parameters
    ----------
    df : pandas.DataFrame
        The records, one row per person (or firm).
    columns : str or sequence of str
        The numeric columns; each gets its own noise.
    noise : float, default 150
        The noise's standard deviation in percent of the column's (sdcMicro's default, 150).
    method : {"additive"}
        Independent normal noise per column; the only method so far.
    seed : int
        Seeds the noise: the same seed on the same data gives the same result. It is not
        recorded in ``attrs``: with it, the noise could be regenerated and subtracted.

    Returns
    -------
    pandas.DataFrame
        A copy with the noisy columns (as floats; missing values stay missing) and
        ``attrs["privacy"]`` ending with ``{"step": "add_noise", "columns", "method", "noise",
        "sd", "changed"}``, ``sd`` giving each column's noise standard deviation.

    Raises
    ------
    ColumnNotFoundError, InvalidOptionError, NonNumericError, DataError
        A column that is not in the data; ``noise`` not a positive number, a method other than
        ``"additive"``, a seed that is not a whole number; a column of text; a column with
        fewer than two values or with infinite values.

    Notes
    -----
    As sdcMicro's ``addNoise(method = "additive")``: column ``x`` becomes
    ``x + e`` with ``e ~ N(0, (noise / 100 * sd(x))**2)``, where ``sd(x)`` is the sample standard
    deviation (denominator ``n - 1``) of the values present. A noise is drawn for every row, in
    the order of ``columns``, from numpy's default generator seeded with ``seed``, so results
    match sdcMicro in distribution, not draw by draw. The means are kept in expectation; the
    variances grow by the factor ``1 + (noise / 100)**2``, which an analyst can correct for.

    References
    ----------
    Brand, R. (2002). Microdata protection through noise addition. In *Inference Control in
    Statistical Databases*, Lecture Notes in Computer Science 2316, 97-116.
    """
    df = check_frame(df)
    names = _columns(df, "add_noise", columns)
    amount = _number("noise", noise)
    if amount <= 0:
        raise InvalidOptionError(
            f"noise={noise!r} must be a positive number: the noise's standard deviation in "
            "percent of each column's (sdcMicro's default is 150)"
        )
    check_option("method", method, NoiseMethod)
    rng = _generator("add_noise", seed)
    values = {name: _numeric(df, name, "add_noise").to_numpy() for name in names}
    for name, x in values.items():
        present = ~np.isnan(x)
        if np.isinf(x).any():
            raise DataError(
                f"add_noise: column {name!r} has {int(np.isinf(x).sum())} infinite value(s) "
                f"(first in row {_first(df.index, np.isinf(x))!r}); replace or drop them first"
            )
        if present.sum() < 2:
            raise DataError(
                f"add_noise: column {name!r} has {int(present.sum())} value(s) present; its "
                "standard deviation, which scales the noise, needs at least 2: drop the column "
                "from columns"
            )
    out = df.copy()
    sds: dict[str, float] = {}
    changed = 0
    for name, x in values.items():
        sd = amount / 100 * float(np.std(x[~np.isnan(x)], ddof=1))
        new = x + rng.normal(0.0, sd, size=x.size)
        sds[name] = sd
        changed += int((new != x).sum() - np.isnan(x).sum())
        out[name] = _floats(df[name], new)
    steps = _steps(df)
    steps.append(
        {
            "step": "add_noise",
            "columns": names,
            "method": method,
            "noise": amount,
            "sd": sds,
            "changed": changed,
        }
    )
    out.attrs = {**df.attrs, "privacy": steps}
    return out


# --- PRAM ------------------------------------------------------------------------------------
def _categories(df: pd.DataFrame, name: str) -> tuple[np.ndarray, pd.Index]:
    """The positions of the values present and the categories present, in order."""
    column = df[name]
    present = np.flatnonzero(column.notna().to_numpy())
    values = column.iloc[present]
    if isinstance(column.dtype, pd.CategoricalDtype):
        used = np.unique(values.cat.codes.to_numpy())
        return present, pd.Index(column.cat.categories[used])
    if pd.api.types.is_float_dtype(column.dtype):
        numbers = values.to_numpy(dtype="float64")
        whole = np.isfinite(numbers) & (numbers == np.round(numbers))
        if not whole.all():
            raise DataError(
                f"pram perturbs categories, but column {name!r} holds continuous numbers "
                f"(e.g. {numbers[~whole][0]!r}); group them into classes with recode first, "
                "or use add_noise or microaggregate for numbers"
            )
    unique = pd.Index(pd.unique(values))
    try:
        return present, unique.sort_values()
    except TypeError:  # mixed types: keep the order of appearance
        return present, unique


def _invariant(freq: np.ndarray, keep: np.ndarray, alpha: float) -> np.ndarray:
    """sdcMicro's invariant PRAM matrix from frequencies and the diagonal of the basic one.

    ``P`` keeps category ``i`` with probability ``keep[i]`` and spreads the rest evenly;
    ``Q[k, j] = P[j, k] freq[j] / (freq @ P)[k]`` is its reverse (Bayes), and ``R = P Q``
    leaves ``freq`` unchanged: ``freq @ R = freq``. The result mixes ``R`` with the identity.
    """
    size = freq.size
    if size == 1:
        return np.ones((1, 1))
    basic = np.repeat(((1 - keep) / (size - 1))[:, None], size, axis=1)
    np.fill_diagonal(basic, keep)
    reverse = (basic * freq[:, None]).T / (freq @ basic)[:, None]
    return alpha * (basic @ reverse) + (1 - alpha) * np.eye(size)


def _given(matrix: object, name: str, values: pd.Series) -> tuple[pd.Index, np.ndarray]:
    """Check a transition matrix given for column ``name``; its labels and probabilities."""
    what = f"transition for {name!r}"
    if not isinstance(matrix, pd.DataFrame):
        raise InvalidOptionError(
            f"{what} must be a pandas DataFrame with the categories as index (from) and "
            f"columns (to), each row summing to 1, not {type(matrix).__name__}"
        )
    rows, cols = matrix.index, matrix.columns
    if not rows.is_unique or not cols.is_unique or set(rows) != set(cols):
        extra = sorted(map(str, set(rows) ^ set(cols)))
        raise InvalidOptionError(
            f"{what} must have each category once as a row and once as a column; the rows "
            f"{list(map(str, rows))} and columns {list(map(str, cols))} differ"
            f"{f' in {extra}' if extra else ''}: give the same categories to both"
        )
    try:
        probs = matrix.loc[rows, rows].to_numpy(dtype="float64")
    except (TypeError, ValueError) as err:
        raise InvalidOptionError(f"{what} must hold probabilities (numbers): {err}") from err
    bad = ~np.isfinite(probs) | (probs < 0) | (probs > 1)
    if bad.any():
        i, j = np.argwhere(bad)[0]
        raise InvalidOptionError(
            f"{what} has {float(probs[i, j])!r} at row {rows[i]!r}, column {rows[j]!r}; "
            "every entry is a probability between 0 and 1"
        )
    sums = probs.sum(axis=1)
    off = np.abs(sums - 1) > _ROW_SUM_TOLERANCE
    if off.any():
        i = int(np.flatnonzero(off)[0])
        raise InvalidOptionError(
            f"{what}: the row of {rows[i]!r} sums to {sums[i]:.6g}, not 1; a row gives the "
            f"probabilities of what {rows[i]!r} becomes, so it must sum to 1"
        )
    unknown = pd.Index(pd.unique(values))
    unknown = unknown[rows.get_indexer(unknown) < 0]
    if len(unknown):
        count = int(values.isin(unknown).sum())
        raise InvalidOptionError(
            f"{what} has no row for the value {unknown[0]!r} of {name!r} ({count} record(s) "
            f"hold a value without a row); its rows are {list(rows)[:20]}: add a row and a "
            "column for every value of the column"
        )
    return pd.Index(rows), probs


def _draw(codes: np.ndarray, matrix: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Each code replaced by a draw from its row of ``matrix``."""
    cumulative = np.cumsum(matrix, axis=1)
    cumulative[:, -1] = 1.0  # rounding must not leave a draw past the last category
    u = rng.random(codes.size)
    new = np.empty_like(codes)
    order = np.argsort(codes, kind="stable")
    ends = np.cumsum(np.bincount(codes, minlength=matrix.shape[0]))
    start = 0
    for i, end in enumerate(ends):
        rows = order[start:end]
        new[rows] = np.searchsorted(cumulative[i], u[rows], side="right")
        start = end
    return np.minimum(new, matrix.shape[0] - 1)


def _transitions(transition: object, names: list[str]) -> dict[str, object]:
    if transition is None:
        return {}
    if isinstance(transition, pd.DataFrame):
        return dict.fromkeys(names, transition)
    if not isinstance(transition, Mapping):
        raise InvalidOptionError(
            f"transition={type(transition).__name__} must be a DataFrame (for every column) or "
            "a mapping of column to DataFrame, each with the categories as index and columns"
        )
    for name in transition:
        if name not in names:
            raise InvalidOptionError(
                f"transition names {name!r}, which is not among columns={names}; "
                "add it to columns or drop its matrix"
            )
    return dict(transition)


def _assign(column: pd.Series, rows: np.ndarray, labels: pd.Index) -> pd.Series:
    new = column.copy()
    if isinstance(column.dtype, pd.CategoricalDtype):
        missing = labels.difference(column.cat.categories)
        if len(missing):
            new = new.cat.add_categories(missing)
    new.iloc[rows] = labels.to_numpy()
    return new


def pram(
    df: pd.DataFrame,
    *,
    columns: str | Sequence[str],
    p: float = 0.8,
    alpha: float = 0.5,
    seed: int,
    transition: pd.DataFrame | Mapping[str, pd.DataFrame] | None = None,
) -> pd.DataFrame:
    """Post-randomize categories (PRAM), keeping their frequencies in expectation.

    Parameters
    ----------
    df : pandas.DataFrame
        The records, one row per person (or firm).
    columns : str or sequence of str
        The categorical columns (text, categoricals, whole-number codes); each is randomized on
        its own.
    p : float, default 0.8
        The smallest probability that the basic matrix keeps a category (sdcMicro's ``pd``):
        each category keeps its value with a probability drawn between ``p`` and 1. With
        ``p=1`` nothing changes.
    alpha : float, default 0.5
        The weight of the invariant matrix against the identity (sdcMicro's ``alpha``): lower
        values change fewer records.
    seed : int
        Seeds the matrix and the draws: the same seed on the same data gives the same result.
        It is not recorded in ``attrs``.
    transition : pandas.DataFrame or mapping of column to DataFrame, optional
        Your own transition matrix instead of the invariant one: categories as index (from) and
        columns (to), each row summing to 1. One DataFrame serves every column; a mapping gives
        a matrix per column, the others getting the invariant one (from ``p`` and ``alpha``).

    Returns
    -------
    pandas.DataFrame
        A copy with the columns randomized (missing values stay missing) and
        ``attrs["privacy"]`` ending with ``{"step": "pram", "columns", "p", "alpha",
        "transition", "changed"}``; ``transition`` gives, per column, the ``categories`` (as
        text), the ``matrix`` used (row: from, column: to) and whether it was ``given``.
        Publish the matrix with the data: analysts need it to correct their estimates.

    Raises
    ------
    ColumnNotFoundError, InvalidOptionError, DataError
        A column that is not in the data; ``p`` or ``alpha`` not in (0, 1], a seed that is not
        a whole number; a matrix that is not square over the same categories, has entries
        outside [0, 1], a row not summing to 1 or no row for a value of the column; a column
        of continuous numbers.

    Notes
    -----
    As sdcMicro's ``pram``, from the frequencies ``f`` of the categories present (missing
    values left out): the basic matrix ``P`` keeps category ``i`` with probability
    ``d_i ~ U(p, 1)`` and moves it to each other category with ``(1 - d_i) / (L - 1)``; with
    its reverse ``Q[k, j] = P[j, k] f_j / sum_i f_i P[i, k]``, the matrix ``R = P Q`` is
    invariant (``f R = f``), and the one used is ``alpha R + (1 - alpha) I``. Each record of
    category ``i`` is then drawn from row ``i``, so the expected frequencies after PRAM are
    ``f``, and the expected share changed is ``sum_i f_i (1 - R_ii)``. Draws come from
    numpy's default generator, so results match sdcMicro in distribution, not draw by draw.
    sdcMicro's strata (a matrix per stratum) are not supported.

    References
    ----------
    Gouweleeuw, J. M., Kooiman, P., Willenborg, L. C. R. J. and de Wolf, P.-P. (1998). Post
    randomisation for statistical disclosure control: theory and implementation. *Journal of
    Official Statistics* 14(4), 463-478.
    """
    df = check_frame(df)
    names = _columns(df, "pram", columns)
    keep = _probability("p", p, "the smallest chance that a category is kept, e.g. p=0.8")
    weight = _probability("alpha", alpha, "the weight of the invariant matrix, e.g. alpha=0.5")
    rng = _generator("pram", seed)
    given = _transitions(transition, names)
    checked: dict[str, tuple[np.ndarray, pd.Index, np.ndarray | None]] = {}
    for name in names:
        present, categories = _categories(df, name)
        if name in given:
            categories, matrix = _given(given[name], name, df[name].iloc[present])
        else:
            matrix = None
        checked[name] = (present, categories, matrix)
    out = df.copy()
    record: dict[str, Any] = {}
    changed = 0
    for name, (present, categories, matrix) in checked.items():
        codes = categories.get_indexer(df[name].iloc[present])
        if matrix is None and not codes.size:  # nothing present: nothing to randomize
            matrix = np.zeros((0, 0))
        elif matrix is None:
            freq = np.bincount(codes, minlength=len(categories)) / max(codes.size, 1)
            matrix = _invariant(freq, rng.uniform(keep, 1.0, size=len(categories)), weight)
        new = _draw(codes, matrix, rng) if codes.size else codes
        changed += int((new != codes).sum())
        out[name] = _assign(df[name], present, categories[new])
        record[name] = {
            "categories": [str(c) for c in categories],
            "matrix": matrix.tolist(),
            "given": name in given,
        }
    steps = _steps(df)
    steps.append(
        {
            "step": "pram",
            "columns": names,
            "p": keep,
            "alpha": weight,
            "transition": record,
            "changed": changed,
        }
    )
    out.attrs = {**df.attrs, "privacy": steps}
    return out
