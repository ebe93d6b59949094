"""The result of :func:`~ebpm.disclosure.suppress`: the safe table, its mask and the audit
of what was hidden and why."""

from __future__ import annotations

import html
import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ebpm._json import jsonable
from ebpm.disclosure._cells import _Cell, _cell_name, _fmt_number, _label
from ebpm.results import ResultDisplay

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


@dataclass(frozen=True, eq=False)
class Suppressed(ResultDisplay):
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

    def tidy(self) -> pd.DataFrame:
        """One row per cell: ``row``, ``column``, ``value`` (missing when hidden), ``hidden``,
        ``empty`` (no contributors). It holds no hidden value, so it may be published."""
        rows = []
        for i, row in enumerate(self.table.index):
            for j, column in enumerate(self.table.columns):
                hidden = bool(self.mask.iat[i, j])
                rows.append(
                    {
                        "row": row,
                        "column": column,
                        "value": pd.NA if hidden else self.table.iat[i, j],
                        "hidden": hidden,
                        "empty": bool(self.empty.iat[i, j]),
                    }
                )
        return pd.DataFrame(rows, columns=["row", "column", "value", "hidden", "empty"])

    def to_dict(self) -> dict[str, Any]:
        """What may be published, as JSON-able data: the rule, the counts and the safe table
        as printed (hidden cells ``"x"``); never the hidden values or the audit."""
        shown = self.formatted()
        return jsonable(
            {
                "name": self.name,
                "k": self.k,
                "dominance": list(self.dominance) if self.dominance else None,
                "totals": self.totals,
                "n_primary": self.n_primary,
                "n_secondary": self.n_secondary,
                "index": [str(x) for x in shown.index],
                "columns": [str(x) for x in shown.columns],
                "cells": shown.to_numpy().tolist(),
            }
        )

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
