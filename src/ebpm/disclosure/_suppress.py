"""The function: :func:`suppress`, from its arguments to the safe table."""

from __future__ import annotations

import logging
from collections.abc import Hashable, Mapping, Sequence

import numpy as np
import pandas as pd

from ebpm.disclosure._cells import _cell_name
from ebpm.disclosure._engine import _Engine
from ebpm.disclosure._result import Suppressed, _result
from ebpm.disclosure._rules import (
    Totals,
    _check_contrib_counts,
    _check_contributions,
    _check_counts,
    _check_dominance,
    _check_k,
    _check_table,
    _check_totals,
    _primary,
)

logger = logging.getLogger(__name__)


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
    _check_totals(totals)
    values = table.to_numpy(dtype=float)
    contrib = _check_contributions(contributions, table) if contributions is not None else None
    cnt = _check_counts(counts, table, values, contrib)
    if contrib is not None:
        _check_contrib_counts(contrib, cnt, table)

    reasons = _primary(cnt, k, dom, contrib)
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
