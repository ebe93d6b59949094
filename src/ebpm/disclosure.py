"""Statistical disclosure control for published tables (秘匿処理).

A table published on the report site must not reveal a small group: a cell that counts one or
two people, or a sum that one firm dominates, tells a reader about those people or that firm.
:func:`suppress` hides such cells (primary suppression) and then hides as few other cells as it
can so that no hidden cell can be worked out from the totals a reader has (secondary, or
complementary, suppression). It checks the result by linear programming: every hidden cell's
value must stay uncertain within a protection interval of positive width.

The audit of a :class:`Suppressed` table holds the hidden values; it is for the analyst, never
for publication. Publish :attr:`Suppressed.table` or :meth:`Suppressed.to_html`.
"""

from __future__ import annotations

import html
import logging
import math
import numbers
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal, cast

import numpy as np
import pandas as pd

from ebpm.errors import (
    DataError,
    EstimationError,
    InvalidOptionError,
    MissingValueError,
    NonNumericError,
    did_you_mean,
)

__all__ = ["AUDIT_COLUMNS", "TOTALS", "Suppressed", "suppress"]

logger = logging.getLogger(__name__)

Totals = Literal["auto", "rows", "columns", "none"]
#: The valid values of ``totals``.
TOTALS: tuple[str, ...] = ("auto", "rows", "columns", "none")
#: The columns of :attr:`Suppressed.audit`, in order.
AUDIT_COLUMNS: tuple[str, ...] = (
    "row",
    "column",
    "value",
    "count",
    "kind",
    "reason",
    "lower",
    "upper",
)

_Cell = tuple[int, int]


# --- the result ----------------------------------------------------------------------------
@dataclass(frozen=True, eq=False)
class Suppressed:
    """A table made safe to publish, with the record of what was hidden and why.

    Attributes
    ----------
    table : pandas.DataFrame
        The safe table: same index, columns and values as the input, with every hidden cell set
        to ``pd.NA`` in a nullable dtype (``Int64`` for integer columns, ``Float64`` otherwise),
        so it stays numeric. :meth:`formatted` and :meth:`to_html` print hidden cells as ``"x"``
        and cells with no contributors as ``"-"``, the convention of Japanese official
        statistics.
    mask : pandas.DataFrame
        ``True`` where a cell is hidden.
    audit : pandas.DataFrame
        One row per hidden cell, in table order, with the columns of :data:`AUDIT_COLUMNS`:
        ``row``, ``column`` (labels), ``value`` and ``count`` (the hidden value and its
        contributors), ``kind`` (``"primary"`` or ``"secondary"``), ``reason``, and ``lower``,
        ``upper``: the protection interval, the range of values a reader can deduce for the
        cell from the published cells and totals. It holds the hidden values: never publish it.
    k : int
        The threshold: cells with ``0 < count < k`` were hidden.
    dominance : tuple of (int, float) or None
        The ``(n, p)`` dominance rule applied, if any.
    totals : str
        Which margins were treated as published (see :func:`suppress`).
    name : str or None
        A title, used as the caption of :meth:`to_html` and in :meth:`summary`.
    empty : pandas.DataFrame
        ``True`` where a cell has no contributors (a true zero, printed ``"-"``).
    """

    table: pd.DataFrame
    mask: pd.DataFrame
    audit: pd.DataFrame
    k: int
    dominance: tuple[int, float] | None
    totals: str
    name: str | None
    empty: pd.DataFrame

    @property
    def n_primary(self) -> int:
        """Number of cells hidden because they are sensitive themselves."""
        return int((self.audit["kind"] == "primary").sum())

    @property
    def n_secondary(self) -> int:
        """Number of cells hidden only to protect sensitive ones."""
        return int((self.audit["kind"] == "secondary").sum())

    def summary(self) -> str:
        """One paragraph: how many cells were hidden, and why."""
        title = f"{self.name}: " if self.name else ""
        n_cells = self.mask.size
        hidden = int(self.mask.to_numpy().sum())
        rules = f"fewer than k = {self.k} contributors"
        if self.dominance is not None:
            n, p = self.dominance
            rules += f", or whose largest {n} contributor(s) make up more than {p:.0%} of it"
        if hidden == 0:
            text = (
                f"{title}none of the {n_cells} cells needed hiding (no cell has {rules}); "
                "the table is published as it is."
            )
        else:
            n_dom = int(self.audit["reason"].str.contains("dominance", regex=False).sum())
            n_small = int(self.audit["reason"].str.startswith("count").sum())
            why = [f"{n_small} with {rules.split(', or')[0]}"]
            if self.dominance is not None:
                why.append(f"{n_dom} by the ({self.dominance[0]}, {self.dominance[1]:.0%}) rule")
            text = (
                f"{title}{hidden} of {n_cells} cells are hidden: {self.n_primary} primary "
                f"({'; '.join(why)}) and {self.n_secondary} secondary."
            )
            if self.totals != "none":
                lines = {"auto": "row and column", "rows": "row", "columns": "column"}
                width = (self.audit["upper"] - self.audit["lower"]).min()
                narrowest = (
                    "none is bounded"
                    if math.isinf(width)
                    else f"the narrowest is {_fmt_number(width)} wide"
                )
                text += (
                    f" No hidden cell can be worked out from the {lines[self.totals]} totals: "
                    f"each hidden value is only known to lie in a protection interval "
                    f"({narrowest})."
                )
        n_empty = int(self.empty.to_numpy().sum())
        if n_empty:
            text += f" {n_empty} cell(s) with no contributors are published as true zeros (-)."
        return text

    def __str__(self) -> str:
        return self.summary()

    def formatted(
        self, *, suppressed: str = "x", zero: str = "-", digits: int | None = None
    ) -> pd.DataFrame:
        """The safe table as text: hidden cells as ``suppressed``, empty cells as ``zero``.

        Parameters
        ----------
        suppressed : str, default "x"
            Printed for a hidden cell (the Japanese official convention).
        zero : str, default "-"
            Printed for a cell with no contributors (a true zero).
        digits : int, optional
            Decimals for non-integer values; by default they are printed in full.

        Returns
        -------
        pandas.DataFrame
            Strings, same index and columns; numbers have thousands separators.
        """
        out = pd.DataFrame("", index=self.table.index, columns=self.table.columns, dtype=object)
        mask = self.mask.to_numpy()
        empty = self.empty.to_numpy()
        for i in range(out.shape[0]):
            for j in range(out.shape[1]):
                if mask[i, j]:
                    text = suppressed
                elif empty[i, j]:
                    text = zero
                else:
                    text = _fmt_number(self.table.iat[i, j], digits=digits)
                out.iat[i, j] = text
        return out

    def to_html(self, *, note: str | None = None, digits: int | None = None) -> str:
        """The safe table as an HTML fragment, hidden cells as ``x``, with a note under it.

        Labels, caption and note are HTML-escaped.

        Parameters
        ----------
        note : str, optional
            Replaces the default note (which explains ``x`` and ``-``).
        digits : int, optional
            Decimals for non-integer values (see :meth:`formatted`).
        """
        esc = html.escape
        text = self.formatted(digits=digits)
        index, columns = self.table.index, self.table.columns
        corner = esc(_label(index.name)) if index.name is not None else ""
        head = f"<th>{corner}</th>" + "".join(f"<th>{esc(_label(c))}</th>" for c in columns)
        heads = [f"<tr>{head}</tr>"]
        if columns.name is not None:
            heads.insert(
                0,
                f'<tr><th></th><th colspan="{len(columns)}">{esc(_label(columns.name))}</th></tr>',
            )
        body = []
        for i, row in enumerate(index):
            cells = "".join(f"<td>{esc(str(v))}</td>" for v in text.iloc[i])
            body.append(f"<tr><th>{esc(_label(row))}</th>{cells}</tr>")
        caption = f"<caption>{esc(self.name)}</caption>" if self.name else ""
        note = self._note() if note is None else note
        return (
            '<div class="ebpm-disclosure">'
            f'<table class="ebpm-suppressed">{caption}<thead>{"".join(heads)}</thead>'
            f"<tbody>{''.join(body)}</tbody></table>"
            f'<p class="ebpm-note">{esc(note)}</p></div>'
        )

    def _repr_html_(self) -> str:
        return self.to_html()

    def _note(self) -> str:
        parts = []
        if self.mask.to_numpy().any():
            rule = f"fewer than {self.k} contributors"
            if self.dominance is not None:
                n, p = self.dominance
                rule += f" or dominated by {n} contributor(s) (more than {p:.0%} of the cell)"
            why = f"x: hidden to protect small groups ({rule})"
            if self.n_secondary:
                why += ", or so that a hidden cell cannot be worked out from the totals"
            parts.append(why + ".")
        if self.empty.to_numpy().any():
            parts.append("-: no contributors.")
        if not parts:
            parts.append(f"No cell has fewer than {self.k} contributors; nothing is hidden.")
        return "Note: " + " ".join(parts)


# --- the function --------------------------------------------------------------------------
def suppress(
    table: pd.DataFrame,
    *,
    counts: pd.DataFrame | np.ndarray | None = None,
    k: int = 3,
    dominance: tuple[int, float] | None = None,
    contributions: Mapping[tuple[Hashable, Hashable], Sequence[float]] | None = None,
    totals: Totals = "auto",
    name: str | None = None,
) -> Suppressed:
    """Hide the cells of a table that would disclose small groups, and enough others.

    Parameters
    ----------
    table : pandas.DataFrame
        Cell values, rows × columns: a crosstab of counts, or of sums with ``counts`` giving
        each cell's number of contributors. Labels may be anything hashable (Japanese too),
        but must be unique. Not modified.
    counts : pandas.DataFrame or numpy.ndarray, optional
        Contributors per cell, the same shape as ``table`` (a frame with the same labels is
        aligned to ``table``'s order). By default ``table`` itself must hold counts
        (non-negative whole numbers), or they are taken from ``contributions``.
    k : int, default 3
        Threshold rule: a cell with ``0 < count < k`` is hidden. A count of 0 is not
        sensitive: it is about nobody, so true zeros are published (as ``"-"``).
    dominance : tuple of (int, float), optional
        The ``(n, p)`` dominance rule, e.g. ``(1, 0.85)``: a cell is hidden when its largest
        ``n`` contributors make up more than ``p`` of the cell total (a cell with ``n`` or fewer
        contributors is therefore always dominated, unless ``p = 1``). Needs ``contributions``.
    contributions : mapping, optional
        ``{(row, column): [value of each contributor, ...]}`` for every cell with contributors:
        the cell total is their sum. Required by ``dominance``; when ``counts`` is not given,
        each cell's count is the length of its list (a cell without an entry has none).
    totals : {"auto", "rows", "columns", "none"}, default "auto"
        Which margins a reader has. ``"auto"``: the row and the column sums (a reader can add
        up the published cells and compare with totals published elsewhere), so no hidden cell
        may be recoverable from any combination of row and column totals. ``"rows"`` or
        ``"columns"``: only those sums. ``"none"``: no margins (a table of means or rates,
        which do not add up); only primary suppression is done.
    name : str, optional
        A title for the summary and the HTML caption.

    Returns
    -------
    Suppressed
        The safe table, the mask, and the audit with a protection interval per hidden cell.

    Raises
    ------
    DataError
        ``table`` is not a non-empty DataFrame, has duplicate labels, or holds non-numbers or
        missing values (:class:`NonNumericError`, :class:`MissingValueError`); ``counts`` has
        another shape or other labels, or is negative or not whole; ``table`` is used as counts
        but is not; ``contributions`` names an unknown cell or disagrees with ``counts``; or no
        suppression can protect a sensitive cell (see Notes).
    InvalidOptionError
        ``k < 1``, a malformed ``dominance`` (``n < 1`` or ``p`` outside (0, 1]), ``dominance``
        without ``contributions``, or an unknown ``totals``.

    Notes
    -----
    Primary cells are those with ``0 < count < k`` or dominated by the ``(n, p)`` rule.
    Secondary cells are then added in two stages, repeated until stable, and pruned:

    1. Every row and column (those whose totals are published) that holds a hidden cell must
       hold at least two. A lone hidden cell gets a partner in its line, the choice that
       costs least once the partner's own row or column is completed too. The cost of hiding
       a cell is its absolute value (the information lost), ties broken by table order; a cell
       with no contributors is used only when nothing else will do, since a reader may know
       that a structural zero is zero.
    2. "Two per line" is necessary but not sufficient (a hidden cell that links two separate
       groups of hidden cells is still determined). For each hidden cell the feasible interval
       is computed by linear programming (:func:`scipy.optimize.linprog`) subject to the
       published totals, and to non-negativity when no cell of the table is negative. A
       sensitive cell whose interval has zero width gets the cheapest further cells that widen
       it. A secondary cell whose own interval has zero width protects nothing (publishing its
       value leaves every other interval as it was) and is published again.
    3. Secondary cells that share their row and their column with at least two other hidden
       cells are tried, most costly first: one is published again when every sensitive cell
       stays protected without it.

    This is a heuristic: the pattern is safe, but not always the cheapest possible (finding
    that is an integer programme).

    Every hidden cell of the result has a protection interval of positive width. For counts,
    whose intervals have whole-number ends, that is a width of at least 1.

    When even hiding every cell of the table leaves a sensitive cell determined by the totals
    (a 1×1 table; a single row under ``totals="auto"``, where each column total is a cell; a
    small cell alone in both its row and its column of an otherwise empty table), no safe
    suppression exists and :class:`DataError` is raised: a table of nothing but ``x`` next to
    published margins would still disclose the cell. Merge categories before publishing.

    Only the totals of whole rows and columns are modelled; hierarchical subtotals (a table
    with MultiIndex levels whose subtotals are also published) are not.

    References
    ----------
    Hundepool, A. et al. (2012). *Statistical Disclosure Control*. Wiley, chapters 4 and 5
    (sensitivity rules, secondary suppression and protection intervals for tables).
    """
    table = _check_table(table)
    k = _check_k(k)
    dom = _check_dominance(dominance, contributions)
    if totals not in TOTALS:
        raise InvalidOptionError(
            f"totals={totals!r} is not one of {', '.join(map(repr, TOTALS))}."
            f"{did_you_mean(str(totals), TOTALS)}"
        )
    values = table.to_numpy(dtype=float)
    contrib = _check_contributions(contributions, table) if contributions is not None else None
    cnt = _check_counts(counts, table, values, contrib)
    if contrib is not None:
        _check_contrib_counts(contrib, cnt, table)

    m, n = values.shape
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
    primary = set(reasons)

    engine = _Engine(values, cnt, totals=totals)
    hidden, intervals = engine.protect(primary, describe=lambda c: _cell_name(table, c))
    logger.info(
        "suppress(%s): %d primary and %d secondary cells hidden",
        name or "table",
        len(primary),
        len(hidden) - len(primary),
    )
    return _result(table, values, cnt, hidden, primary, reasons, intervals, k, dom, totals, name)


# --- validation ----------------------------------------------------------------------------
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


# --- secondary suppression -----------------------------------------------------------------
class _Engine:
    """Choose secondary cells and compute protection intervals for one table."""

    def __init__(self, values: np.ndarray, counts: np.ndarray, *, totals: str) -> None:
        self.values = values
        self.m, self.n = values.shape
        self.use_rows = totals in ("auto", "rows")
        self.use_cols = totals in ("auto", "columns")
        self.nonneg = bool((values >= 0).all())
        scale = float(np.abs(values).max()) if values.size else 0.0
        self.tol = 1e-7 * max(1.0, scale)
        big = float(np.abs(values).sum()) + 1.0
        self.cost = np.where(counts == 0, big + np.abs(values), np.abs(values))
        self.cells = sorted(
            ((i, j) for i in range(self.m) for j in range(self.n)),
            key=lambda c: (self.cost[c], c),
        )

    # -- lines ----------------------------------------------------------------------------
    def _closure(self, hidden: set[_Cell], *, lookahead: bool = True) -> set[_Cell] | None:
        """Add cells until no published line holds exactly one hidden cell (None: impossible)."""
        grid = np.zeros((self.m, self.n), dtype=bool)
        for c in hidden:
            grid[c] = True
        added = self._close_grid(grid, lookahead=lookahead)
        return None if added is None else set(hidden) | set(added)

    def _close_grid(self, grid: np.ndarray, *, lookahead: bool) -> list[_Cell] | None:
        """Complete ``grid`` in place; return the cells added (None: a line cannot be closed).

        With ``lookahead``, each candidate partner of a lone cell is scored by the cost of the
        whole completion it leads to; without, a partner that leaves no new lone cell in its
        other line is preferred, then the cheapest.
        """
        added: list[_Cell] = []
        while True:
            lone, is_row = None, True
            if self.use_rows:
                rows = np.flatnonzero(grid.sum(axis=1) == 1)
                if rows.size:
                    lone = [(int(rows[0]), j) for j in range(self.n)]
            if lone is None and self.use_cols:
                cols = np.flatnonzero(grid.sum(axis=0) == 1)
                if cols.size:
                    lone, is_row = [(i, int(cols[0])) for i in range(self.m)], False
            across = self.use_cols if is_row else self.use_rows
            if lone is None:
                return added
            best: tuple[float, float, _Cell] | None = None
            for c in lone:
                if grid[c]:
                    continue
                if lookahead:
                    trial = grid.copy()
                    trial[c] = True
                    more = self._close_grid(trial, lookahead=False)
                    if more is None:
                        continue
                    first = float(self.cost[c]) + sum(float(self.cost[x]) for x in more)
                else:  # a partner whose other line is empty makes a new lone cell there
                    other = grid[:, c[1]] if is_row else grid[c[0], :]
                    first = float(across and not other.any())
                key = (first, float(self.cost[c]), c)
                if best is None or key < best:
                    best = key
            if best is None:
                return None
            grid[best[2]] = True
            added.append(best[2])

    # -- linear programming ---------------------------------------------------------------
    def _components(self, hidden: set[_Cell]) -> list[list[_Cell]]:
        """Hidden cells linked through shared published rows or columns."""
        parent = {c: c for c in hidden}

        def find(c: _Cell) -> _Cell:
            while parent[c] != c:
                parent[c] = parent[parent[c]]
                c = parent[c]
            return c

        first: dict[tuple[str, int], _Cell] = {}
        for c in sorted(hidden):
            keys = ([("r", c[0])] if self.use_rows else []) + (
                [("c", c[1])] if self.use_cols else []
            )
            for key in keys:
                if key in first:
                    parent[find(c)] = find(first[key])
                else:
                    first[key] = c
        groups: dict[_Cell, list[_Cell]] = {}
        for c in sorted(hidden):
            groups.setdefault(find(c), []).append(c)
        return list(groups.values())

    def intervals(
        self, hidden: set[_Cell], targets: Iterable[_Cell]
    ) -> dict[_Cell, tuple[float, float]]:
        """Min and max of each target cell given the published cells and totals."""
        from scipy.optimize import linprog

        wanted = set(targets)
        out: dict[_Cell, tuple[float, float]] = {}
        low = 0.0 if self.nonneg else None
        for group in self._components(hidden):
            todo = [c for c in group if c in wanted]
            if not todo:
                continue
            pos = {c: x for x, c in enumerate(group)}
            rows_eq: list[np.ndarray] = []
            b_eq: list[float] = []
            keys = ([lambda c: ("r", c[0])] if self.use_rows else []) + (
                [lambda c: ("c", c[1])] if self.use_cols else []
            )
            for key in keys:
                lines: dict[tuple[str, int], list[_Cell]] = {}
                for c in group:
                    lines.setdefault(key(c), []).append(c)
                for members in lines.values():
                    row = np.zeros(len(group))
                    row[[pos[c] for c in members]] = 1.0
                    rows_eq.append(row)
                    b_eq.append(float(sum(self.values[c] for c in members)))
            for c in todo:
                if not rows_eq:
                    out[c] = (low if low is not None else -math.inf, math.inf)
                    continue
                ends = []
                for sign in (1.0, -1.0):
                    obj = np.zeros(len(group))
                    obj[pos[c]] = sign
                    res = linprog(
                        obj,
                        A_eq=np.array(rows_eq),
                        b_eq=np.array(b_eq),
                        bounds=(low, None),
                        method="highs",
                    )
                    if res.status == 3:  # unbounded
                        ends.append(-math.inf if sign > 0 else math.inf)
                    elif res.status == 0:
                        ends.append(sign * float(res.fun))
                    else:  # pragma: no cover - the true values are always feasible
                        raise EstimationError(
                            f"the protection interval of a hidden cell could not be computed "
                            f"(linprog: {res.message}); please report this table"
                        )
                out[c] = (ends[0], ends[1])
        return out

    def _open(self, interval: tuple[float, float]) -> bool:
        return interval[1] - interval[0] > self.tol

    # -- the search -----------------------------------------------------------------------
    def protect(
        self, primary: set[_Cell], *, describe: Any
    ) -> tuple[set[_Cell], dict[_Cell, tuple[float, float]]]:
        """The hidden cells (``primary`` plus secondary cells) and their intervals."""
        hidden = set(primary)
        if not hidden or not (self.use_rows or self.use_cols):
            return hidden, self.intervals(hidden, hidden)
        while True:
            closed = self._closure(hidden)
            if closed is None:
                self._impossible(primary, describe)
                closed = set(self.cells)  # pragma: no cover - defensive
            hidden = closed
            iv = self.intervals(hidden, primary)
            stuck = [c for c in sorted(primary) if not self._open(iv[c])]
            if not stuck:
                break
            hidden = self._widen(hidden, stuck[0], primary, describe)
        hidden, iv = self._prune(hidden, primary, iv)
        # A secondary cell with a zero-width interval protects nothing: publish it again. The
        # other cells' intervals stay as they are, since a reader could deduce its value anyway.
        iv.update(self.intervals(hidden, hidden - primary))
        hidden = {c for c in hidden if c in primary or self._open(iv[c])}
        return hidden, {c: iv[c] for c in hidden}

    def _prune(
        self,
        hidden: set[_Cell],
        primary: set[_Cell],
        iv: dict[_Cell, tuple[float, float]],
    ) -> tuple[set[_Cell], dict[_Cell, tuple[float, float]]]:
        """Publish again, most costly first, each secondary cell that is not needed.

        Only a cell with at least two other hidden cells in each of its published lines can go
        (otherwise a lone cell is left), and only if every primary cell stays protected.
        """
        for d in sorted(hidden - primary, key=lambda c: (-self.cost[c], c)):
            rows = sum(c[0] == d[0] for c in hidden)
            cols = sum(c[1] == d[1] for c in hidden)
            if (self.use_rows and rows < 3) or (self.use_cols and cols < 3):
                continue
            smaller = hidden - {d}
            trial = self.intervals(smaller, primary)
            if all(self._open(trial[c]) for c in primary):
                hidden, iv = smaller, trial
        return hidden, iv

    def _widen(
        self, hidden: set[_Cell], cell: _Cell, primary: set[_Cell], describe: Any
    ) -> set[_Cell]:
        """Hide the cheapest further cells that give ``cell`` an interval of positive width."""
        best: tuple[float, set[_Cell]] | None = None
        for d in self.cells:
            if d in hidden:
                continue
            if best is not None and self.cost[d] >= best[0]:
                break
            trial = self._closure(hidden | {d})
            if trial is None or not self._open(self.intervals(trial, [cell])[cell]):
                continue
            total = sum(float(self.cost[x]) for x in trial - hidden)
            if best is None or total < best[0]:
                best = (total, trial)
        if best is not None:
            return best[1]
        everything = set(self.cells)
        if not self._open(self.intervals(everything, [cell])[cell]):
            self._impossible(primary, describe)
        # No single cell will do: add cells in order of cost until one does, then drop those
        # that turn out not to be needed.
        logger.debug("no single cell widens %s; adding cells in order of cost", describe(cell))
        trial = set(hidden)
        for d in self.cells:
            if d in trial:
                continue
            trial = self._closure(trial | {d}) or (trial | {d})
            if self._open(self.intervals(trial, [cell])[cell]):
                break
        before = self.intervals(trial, primary)
        safe = [c for c in primary if self._open(before[c])]
        for d in sorted(trial - hidden, key=lambda c: (-self.cost[c], c)):
            smaller = trial - {d}
            iv = self.intervals(smaller, safe)
            if all(self._open(iv[c]) for c in safe):
                trial = smaller
        return trial

    def _impossible(self, primary: set[_Cell], describe: Any) -> None:
        everything = set(self.cells)
        iv = self.intervals(everything, primary)
        for c in sorted(primary):
            if not self._open(iv[c]):
                lines = {
                    (True, True): "row and column",
                    (True, False): "row",
                    (False, True): "column",
                }[self.use_rows, self.use_cols]
                raise DataError(
                    f"no suppression can protect cell {describe(c)}: even with every cell "
                    f"hidden, the {lines} totals give its value exactly. Merge its row or column "
                    "with a neighbour (e.g. combine small age groups or areas) before "
                    "publishing, or withhold the table; if its totals are not published "
                    "anywhere, pass totals='none' (or the margin that is)"
                )


# --- assembling the result -----------------------------------------------------------------
def _result(
    table: pd.DataFrame,
    values: np.ndarray,
    cnt: np.ndarray,
    hidden: set[_Cell],
    primary: set[_Cell],
    reasons: dict[_Cell, list[str]],
    intervals: dict[_Cell, tuple[float, float]],
    k: int,
    dom: tuple[int, float] | None,
    totals: str,
    name: str | None,
) -> Suppressed:
    m, n = values.shape
    mask_arr = np.zeros((m, n), dtype=bool)
    for c in hidden:
        mask_arr[c] = True
    mask = pd.DataFrame(mask_arr, index=table.index, columns=table.columns)
    safe = pd.DataFrame(index=table.index)
    for j in range(n):
        s = table.iloc[:, j]
        dtype = "Int64" if pd.api.types.is_integer_dtype(s.dtype) else "Float64"
        safe[j] = s.astype(dtype).mask(mask_arr[:, j], pd.NA)
    safe.columns = table.columns
    integral = bool((values == np.round(values)).all())

    def end(x: float) -> float:
        return float(round(x)) if integral and math.isfinite(x) else float(x)

    records = []
    for c in sorted(hidden):
        i, j = c
        if c in primary:
            kind, reason = "primary", "; ".join(reasons[c])
        else:
            kind, reason = "secondary", _secondary_reason(table, c, hidden, primary, cnt)
        lo, hi = intervals[c]
        records.append(
            (table.index[i], table.columns[j], values[i, j], int(cnt[i, j]), kind, reason,
             end(lo), end(hi))
        )  # fmt: skip
    audit = pd.DataFrame.from_records(records, columns=list(AUDIT_COLUMNS))
    audit = audit.astype({"value": float, "count": "int64", "lower": float, "upper": float})
    empty = pd.DataFrame(cnt == 0, index=table.index, columns=table.columns)
    return Suppressed(
        table=safe,
        mask=mask,
        audit=audit,
        k=k,
        dominance=dom,
        totals=totals,
        name=name,
        empty=empty,
    )


def _secondary_reason(
    table: pd.DataFrame, c: _Cell, hidden: set[_Cell], primary: set[_Cell], cnt: np.ndarray
) -> str:
    i, j = c
    in_row = sorted(p for p in primary if p[0] == i)
    in_col = sorted(p for p in primary if p[1] == j)
    if in_row:
        reason = f"secondary: protects {_cell_name(table, in_row[0])} in its row"
    elif in_col:
        reason = f"secondary: protects {_cell_name(table, in_col[0])} in its column"
    else:
        # the nearest primary cell linked to this one through hidden cells
        reached, frontier = {c}, [c]
        target = None
        while frontier and target is None:
            nxt = []
            for x in frontier:
                for y in sorted(hidden):
                    if y not in reached and (y[0] == x[0] or y[1] == x[1]):
                        if y in primary:
                            target = y
                            break
                        reached.add(y)
                        nxt.append(y)
                if target is not None:
                    break
            frontier = nxt
        reason = (
            f"secondary: completes the pattern that protects {_cell_name(table, target)}"
            if target is not None
            else "secondary: keeps the other hidden cells unrecoverable from the totals"
        )
    if cnt[i, j] == 0:
        reason += " (an empty cell, hidden because no cell with contributors would do)"
    return reason


# --- formatting ----------------------------------------------------------------------------
def _label(x: Any) -> str:
    if isinstance(x, tuple):
        return " / ".join(map(str, x))
    return str(x)


def _cell_name(table: pd.DataFrame, c: _Cell) -> str:
    return f"({_label(table.index[c[0]])}, {_label(table.columns[c[1]])})"


def _fmt_number(x: Any, *, digits: int | None = None) -> str:
    if x is pd.NA or x is None:
        return ""
    x = float(x)
    if math.isinf(x):
        return "∞" if x > 0 else "-∞"
    if x == round(x) and abs(x) < 2**53:
        return f"{round(x):,}"
    if digits is not None:
        return f"{x:,.{digits}f}"
    return f"{x:,}"
