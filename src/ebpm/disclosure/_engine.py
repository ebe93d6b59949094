"""Secondary suppression: the cells hidden besides the sensitive ones, and the protection
interval of each, by linear programming."""

from __future__ import annotations

import logging
import math
from collections.abc import Iterable
from typing import Any

import numpy as np

from ebpm.disclosure._cells import _Cell
from ebpm.errors import DataError, EstimationError

logger = logging.getLogger(__name__)


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
