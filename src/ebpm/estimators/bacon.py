"""Goodman-Bacon (2021) decomposition of a two-way fixed-effects DiD on staggered adoption.

With treatment switched on at different times, the TWFE coefficient of ``outcome ~ treated |
unit + time`` is a weighted average of every simple 2x2 difference-in-differences between two
adoption cohorts (or a cohort and the never-treated) over the periods where one of them changes
treatment and the other does not. Some of those comparisons use units already treated as the
controls ("Later vs Earlier Treated"): when effects change over time, they are biased, and their
share of the weight says how far the TWFE estimate leans on them.

Own code, not ``moderndid.dev.didbacon``: in moderndid 0.2 that module is an empty placeholder.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

import numpy as np
import pandas as pd

from ebpm._display import ResultDisplay
from ebpm._format import fixed
from ebpm._json import jsonable
from ebpm.errors import DataError, EstimationError, NoTreatedUnitsError, StaggeredAdoptionWarning
from ebpm.estimators._common import (
    check_columns,
    check_complete,
    check_numeric,
    duplicate_rows_error,
    require_frame,
)

__all__ = [
    "COMPARISONS",
    "FORBIDDEN",
    "BaconDecomposition",
    "bacon_decomposition",
    "check_adoption",
]

#: The kinds of 2x2 comparison, in the order tables show them; the words are R bacondecomp's.
COMPARISONS = (
    "Earlier vs Later Treated",  # the later cohort, not yet treated, is the control
    "Later vs Earlier Treated",  # the earlier cohort, already treated, is the control
    "Later vs Always Treated",  # units treated from the first period are the control
    "Treated vs Untreated",  # the never-treated are the control
)
#: Comparisons whose controls are already treated: biased when effects change over time.
FORBIDDEN = ("Later vs Earlier Treated", "Later vs Always Treated")
#: The control label of the never-treated units in :meth:`BaconDecomposition.tidy`.
NEVER = "never"
#: How far the weighted 2x2 estimates may sum from the TWFE coefficient (times its scale).
TOLERANCE = 1e-8
_SHOWN = 5  # units named in a message before "and N more"
#: Colour (Okabe-Ito) and marker of each type in :meth:`BaconDecomposition.plot`.
_STYLES = {
    "Earlier vs Later Treated": ("#0072B2", "o"),
    "Later vs Earlier Treated": ("#D55E00", "^"),
    "Later vs Always Treated": ("#CC79A7", "v"),
    "Treated vs Untreated": ("#009E73", "s"),
}


@dataclass(frozen=True, eq=False)
class BaconDecomposition(ResultDisplay):
    """The 2x2 comparisons a TWFE DiD coefficient averages, with their weights.

    Parameters
    ----------
    table : pandas.DataFrame
        One row per 2x2 comparison: ``type`` (one of :data:`COMPARISONS`), ``treated`` (the
        adoption period of the cohort whose switch is used), ``control`` (the control cohort's
        adoption period, or ``"never"``), ``estimate`` (the 2x2 DiD) and ``weight`` (summing
        to 1).
    twfe_estimate : float
        The coefficient of ``outcome ~ treated | unit + time``: ``sum(weight * estimate)``.
    design : Mapping
        Column roles and counts (units, periods, cohorts, never- and always-treated units).
    provenance : Mapping
        ``data.attrs["ebpm"]`` when the data came from the catalog.
    """

    table: pd.DataFrame
    twfe_estimate: float
    design: Mapping[str, Any] = field(default_factory=dict)
    provenance: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "table", self.table.reset_index(drop=True).copy())
        object.__setattr__(self, "design", MappingProxyType(dict(self.design)))
        object.__setattr__(self, "provenance", MappingProxyType(dict(self.provenance)))

    @property
    def forbidden_weight(self) -> float:
        """Share of the weight on comparisons whose controls are already treated."""
        return float(self.table.loc[self.table["type"].isin(FORBIDDEN), "weight"].sum())

    def tidy(self) -> pd.DataFrame:
        """One row per 2x2 comparison: type, treated, control, estimate, weight."""
        return self.table.copy()

    def by_type(self) -> pd.DataFrame:
        """Per kind of comparison: how many, their total weight and weighted mean estimate."""
        rows = []
        for kind in COMPARISONS:
            part = self.table[self.table["type"] == kind]
            if len(part):
                weight = float(part["weight"].sum())
                mean = float((part["weight"] * part["estimate"]).sum() / weight) if weight else 0.0
                rows.append((kind, len(part), weight, mean))
        return pd.DataFrame(rows, columns=["type", "comparisons", "weight", "estimate"])

    def summary(self) -> str:
        """The design, the weight and mean estimate by type, and the forbidden share."""
        d = self.design
        title = "Goodman-Bacon decomposition of the TWFE DiD"
        table = self.by_type()
        for col in ("weight", "estimate"):
            table[col] = table[col].map(lambda x: fixed(x, 5))
        return "\n".join(
            [
                title,
                "=" * len(title),
                "   ".join(f"{k}: {d[k]}" for k in ("outcome", "unit", "time", "treated")),
                f"units: {d['n_units']}   periods: {d['n_periods']}   adoption cohorts: "
                f"{d['n_cohorts']}   never treated: {d['n_never_treated']}   always treated: "
                f"{d['n_always_treated']}",
                f"TWFE estimate: {fixed(self.twfe_estimate, 5)} = sum of weight x estimate "
                f"over {len(self.table)} 2x2 comparisons",
                "",
                table.to_string(index=False),
                "",
                f"weight on already-treated controls (Later vs Earlier/Always Treated): "
                f"{self.forbidden_weight:.1%}",
            ]
        )

    def plot(self, ax: Any = None, *, lang: str | None = None) -> Any:
        """Each 2x2 estimate against its weight, by type, with the TWFE estimate; the Axes.
        Labels in ``lang`` ("en" or "ja"; default the site's, ``EBPM_LANG``)."""
        from ebpm._lang import current_lang
        from ebpm.plotting import get_ax

        w = _PLOT_WORDS[current_lang(lang)]
        ax = get_ax(ax, figsize=(6, 4))
        for kind in COMPARISONS:
            part = self.table[self.table["type"] == kind]
            if len(part):
                colour, marker = _STYLES[kind]
                ax.scatter(
                    part["weight"],
                    part["estimate"],
                    color=colour,
                    marker=marker,
                    label=w.get(kind, kind),
                )
        label = w["twfe"].format(value=fixed(self.twfe_estimate, 4))
        ax.axhline(self.twfe_estimate, color="0.3", lw=0.8, ls="--", label=label)
        ax.set_xlabel(w["weight"])
        ax.set_ylabel(w["estimate"].format(outcome=self.design.get("outcome", "outcome")))
        ax.set_title(w["title"])
        ax.legend(fontsize="small")
        return ax

    def to_dict(self) -> dict[str, Any]:
        """The decomposition as JSON-able data."""
        return jsonable(
            {
                "method": "bacon_decomposition",
                "twfe_estimate": self.twfe_estimate,
                "forbidden_weight": self.forbidden_weight,
                "by_type": self.by_type(),
                "comparisons": self.table.assign(control=self.table["control"].map(str)),
                "design": dict(self.design),
                "provenance": dict(self.provenance),
            }
        )


#: The plot's words; comparison types keep bacondecomp's English names as keys.
_PLOT_WORDS = {
    "en": {
        "twfe": "TWFE estimate {value}",
        "weight": "weight",
        "estimate": "2x2 DiD estimate ({outcome})",
        "title": "Goodman-Bacon decomposition",
    },
    "ja": {
        "twfe": "二方向固定効果の推定値 {value}",
        "weight": "ウェイト",
        "estimate": "2×2 の差の差分推定値（{outcome}）",
        "title": "Goodman-Bacon 分解",
        "Earlier vs Later Treated": "先に導入 vs 後に導入（比較群）",
        "Later vs Earlier Treated": "後に導入 vs 先に導入（処置済みが比較群）",
        "Later vs Always Treated": "後に導入 vs 常に処置（処置済みが比較群）",
        "Treated vs Untreated": "処置 vs 未処置",
    },
}


def bacon_decomposition(
    data: pd.DataFrame, *, outcome: str, unit: str, time: str, treated: str
) -> BaconDecomposition:
    """Goodman-Bacon decomposition of the two-way fixed-effects DiD coefficient.

    Splits the coefficient on ``treated`` in ``outcome ~ treated | unit + time`` into the 2x2
    difference-in-differences between each pair of adoption cohorts (and each cohort and the
    never-treated units) and the weights the regression gives them.

    Parameters
    ----------
    data : pandas.DataFrame
        A balanced panel, one row per unit and period. Not modified.
    outcome : str
        Column with the outcome.
    unit : str
        Column identifying units.
    time : str
        Column identifying periods (sortable: years, dates, period numbers).
    treated : str
        0/1 (or boolean) column, 1 from a unit's adoption period on and never 0 again.

    Returns
    -------
    BaconDecomposition
        ``tidy()`` has one row per comparison; ``twfe_estimate`` is the TWFE coefficient, equal
        to ``sum(weight * estimate)``; ``forbidden_weight`` the weight on already-treated
        controls; ``summary()`` the weight and mean estimate by type.

    Raises
    ------
    ColumnNotFoundError
        A column named in a role is missing.
    MissingValueError
        A role column has missing values (the panel must be complete).
    DataError
        ``treated`` is not 0/1 or switches off again; the panel is not balanced.
    DuplicateRowsError
        Two rows share a unit and period.
    NoTreatedUnitsError
        Nothing is treated.
    EstimationError
        No comparison identifies the coefficient (every unit adopts in the same period and
        none stays untreated).

    Notes
    -----
    Each 2x2 is a plain DiD of cohort means: a cohort against the never-treated over all
    periods; an earlier cohort against a later one before the later adopts; a later cohort
    against an earlier (or always-treated) one after the earlier adopts. Its weight is
    proportional to the squared size of the pair (units times periods) and the variance of
    treatment within it (Goodman-Bacon 2021, Theorem 1). The decomposition is exact: the
    weighted 2x2s sum to the TWFE coefficient, and the code checks that they do. Under parallel
    trends and effects that stay constant over time, every 2x2 identifies the effect; when
    effects grow, the comparisons with already-treated controls subtract part of them.

    References
    ----------
    Goodman-Bacon, A. (2021). Difference-in-differences with variation in treatment timing.
    *Journal of Econometrics* 225(2), 254-277.
    Flack, E. and Jee, E. (2020). bacondecomp: Goodman-Bacon Decomposition. R package.
    """
    data = require_frame(data, func="bacon_decomposition")
    roles = {"outcome": outcome, "unit": unit, "time": time, "treated": treated}
    check_columns(data, roles)
    for role, column in roles.items():
        check_complete(data, column, role=role)
    y, d, first, units, periods = _grid(data, roles)
    rows = _comparisons(y, first)
    table = pd.DataFrame(rows, columns=["type", "treated", "control", "estimate", "weight"])
    if table.empty or not table["weight"].sum() > 0:
        raise EstimationError(
            f"treated={treated!r} switches on for every {unit} in the same period and no "
            f"{unit} stays untreated, so it is collinear with the {unit}/{time} fixed effects "
            "and there is nothing to decompose; add never-treated units"
        )
    table["weight"] /= table["weight"].sum()
    twfe = _twfe(y, d)
    _check_sum(table, twfe, y)
    order = {kind: i for i, kind in enumerate(COMPARISONS)}
    table = table.sort_values(
        ["type", "treated", "control"], key=lambda s: s.map(order) if s.name == "type" else s
    )
    table["treated"] = periods[table["treated"].to_numpy()]
    table["control"] = [NEVER if c == len(periods) else periods[c] for c in table["control"]]
    ever = first < len(periods)
    design = {
        **roles,
        "n_units": len(units),
        "n_periods": len(periods),
        "n_cohorts": len(np.unique(first[ever])),
        "n_never_treated": int((~ever).sum()),
        "n_always_treated": int((first == 0).sum()),
    }
    return BaconDecomposition(table, twfe, design, dict(data.attrs.get("ebpm", {})))


def _grid(
    data: pd.DataFrame, roles: dict[str, str]
) -> tuple[np.ndarray, np.ndarray, np.ndarray, pd.Index, pd.Index]:
    """Outcome and treatment as unit x period arrays (periods sorted), each unit's adoption
    period index (``n_periods`` when never treated), and the unit and period labels."""
    unit, time, treated = roles["unit"], roles["time"], roles["treated"]
    y_flat = check_numeric(data, roles["outcome"], role="outcome").to_numpy()
    d_flat = _binary(data[treated], treated)
    u_codes, units = pd.factorize(data[unit])
    t_codes, periods = _periods(data[time])
    n_u, n_t = len(units), len(periods)
    cell = u_codes.astype(np.int64) * n_t + t_codes
    counts = np.bincount(cell, minlength=n_u * n_t)
    if counts.max() > 1:
        raise duplicate_rows_error(data, counts[cell] > 1, unit=unit, time=time)
    if counts.min() == 0:
        raise _unbalanced_error(counts.reshape(n_u, n_t), units, periods, unit=unit)
    y: np.ndarray = np.empty((n_u, n_t))
    d: np.ndarray = np.empty((n_u, n_t))
    y.flat[cell], d.flat[cell] = y_flat, d_flat  # rows are units, columns sorted periods
    if not d.any():
        raise NoTreatedUnitsError(
            f"treated={treated!r} is 0 in every row; a decomposition needs treated units"
        )
    first = np.where(d.any(axis=1), d.argmax(axis=1), n_t)
    off = (d != (np.arange(n_t)[None, :] >= first[:, None])).any(axis=1)
    if off.any():
        raise DataError(
            f"treated={treated!r} switches off again in {int(off.sum())} {unit}(s): "
            f"{_named(units[off])}; the decomposition needs treatment that stays on once it "
            f"starts. Recode it, e.g. df[{treated!r}] = df.sort_values({time!r})"
            f".groupby({unit!r})[{treated!r}].cummax(), or use did() for on-off treatment"
        )
    return y, d, first, units, periods


def _periods(series: pd.Series) -> tuple[np.ndarray, pd.Index]:
    """Period codes in time order and the periods' labels; periods written as text ("1" ...
    "10") are ordered as numbers when they all are numbers."""
    key = series
    if series.dtype == object or pd.api.types.is_string_dtype(series):
        numbers = pd.to_numeric(series, errors="coerce")
        key = numbers if numbers.notna().all() else series
    codes, _ = pd.factorize(key, sort=True)
    labels = pd.Series(series.to_numpy()).groupby(codes).first()
    return codes, pd.Index(labels.to_numpy())


def _binary(series: pd.Series, column: str) -> np.ndarray:
    """The 0/1 (or boolean) treatment column as floats."""
    values = pd.to_numeric(series, errors="coerce") if series.dtype == object else series
    as_float = np.asarray(values, dtype="float64") if values.dtype.kind in "biuf" else None
    if as_float is None or not np.isin(as_float, (0.0, 1.0)).all():
        shown = sorted(map(str, pd.unique(series)))[:6]
        raise DataError(
            f"treated={column!r} must be 0/1 (or True/False) marking treated unit-periods; it "
            f"holds {shown}. Build it, e.g. df['treated'] = df.year >= df.adoption_year"
        )
    return as_float


def _named(labels: Any) -> str:
    shown = ", ".join(repr(getattr(u, "item", lambda u=u: u)()) for u in list(labels)[:_SHOWN])
    return shown + (f" and {len(labels) - _SHOWN} more" if len(labels) > _SHOWN else "")


def _unbalanced_error(
    counts: np.ndarray, units: pd.Index, periods: pd.Index, *, unit: str
) -> DataError:
    lacking = np.flatnonzero((counts == 0).any(axis=1))
    first = lacking[0]
    gaps = [getattr(p, "item", lambda p=p: p)() for p in periods[counts[first] == 0][:_SHOWN]]
    return DataError(
        f"the panel is not balanced: {len(lacking)} {unit}(s) lack periods, e.g. "
        f"{unit}={_named(units[[first]])} has no row for {gaps} ({_named(units[lacking])}); "
        "the decomposition needs every unit in every period. Keep the units observed "
        "throughout, e.g. df[df.groupby(unit)[time].transform('size') == df[time].nunique()]"
    )


def _comparisons(y: np.ndarray, first: np.ndarray) -> list[tuple]:
    """Every 2x2 as (type, treated cohort, control cohort, estimate, unscaled weight); cohorts
    are adoption period indices, ``n_periods`` for the never-treated."""
    n_t = y.shape[1]
    cohorts = np.unique(first)
    size = {g: int((first == g).sum()) for g in cohorts}
    means = {g: y[first == g].mean(axis=0) for g in cohorts}
    rows = []

    def pair(kind: str, k: int, c: int, lo: int, hi: int) -> None:
        # cohort k switches on at k inside the window [lo, hi); cohort c does not change there
        pre, post = slice(lo, k), slice(k, hi)
        gap = means[k] - means[c]
        estimate = gap[post].mean() - gap[pre].mean()
        share = size[k] / (size[k] + size[c])
        treated_share = (hi - k) / (hi - lo)
        weight = ((size[k] + size[c]) * (hi - lo)) ** 2 * share * (1 - share)
        rows.append((kind, k, c, float(estimate), weight * treated_share * (1 - treated_share)))

    for k in cohorts[(cohorts > 0) & (cohorts < n_t)]:
        if n_t in size:
            pair("Treated vs Untreated", k, n_t, 0, n_t)
        for c in cohorts[cohorts < k]:
            pair("Later vs Always Treated" if c == 0 else "Later vs Earlier Treated", k, c, c, n_t)
        for c in cohorts[(cohorts > k) & (cohorts < n_t)]:
            pair("Earlier vs Later Treated", k, c, 0, c)
    return rows


def _twfe(y: np.ndarray, d: np.ndarray) -> float:
    """The coefficient of ``y ~ d | unit + time`` on a balanced unit x period grid."""

    def demeaned(a: np.ndarray) -> np.ndarray:
        return a - a.mean(axis=1, keepdims=True) - a.mean(axis=0, keepdims=True) + a.mean()

    dd = demeaned(d)
    return float((demeaned(y) * dd).sum() / (dd * dd).sum())


def _check_sum(table: pd.DataFrame, twfe: float, y: np.ndarray) -> None:
    """Raise if the weighted 2x2s do not add up to the TWFE coefficient (a bug, not the data)."""
    total = float((table["weight"] * table["estimate"]).sum())
    scale = max(1.0, abs(twfe), float(np.std(y)))
    if abs(total - twfe) > TOLERANCE * scale:
        raise EstimationError(
            f"the weighted 2x2 estimates sum to {total!r}, not the TWFE coefficient {twfe!r}; "
            "this is a bug in ebpm's decomposition, please report it with the data"
        )


def check_adoption(
    frame: pd.DataFrame,
    d: np.ndarray,
    *,
    unit: str,
    time: str,
    treated: str,
    units: tuple[np.ndarray, Any] | None = None,
    periods: tuple[np.ndarray, Any] | None = None,
) -> dict[str, Any]:
    """When treatment starts, from the observed rows, warning when a TWFE DiD is at risk.

    Returns ``staggered`` (units adopt in different periods), ``adoption_times`` (the distinct
    first treated periods; the common one when not staggered) and ``switches_off`` (units
    treated, then untreated again, in the order they first appear); ``d`` is the 0/1 treatment
    of ``frame``'s rows. ``units`` and ``periods``, when the caller has them, are the integer
    codes of ``frame``'s rows and the label of each code (period codes in time order), so the
    frame is not factorized again. Issues a :class:`StaggeredAdoptionWarning` naming what it
    found when adoption is staggered or treatment switches off.
    """
    u_codes, unit_labels = pd.factorize(frame[unit]) if units is None else units
    t_codes, period_labels = _periods(frame[time]) if periods is None else periods
    n_units, n_periods = len(unit_labels), len(period_labels)
    on = d > 0
    first = np.full(n_units, n_periods)
    np.minimum.at(first, u_codes[on], t_codes[on])
    first_of_row = first[u_codes]  # the row's unit's first treated period (n_periods: never)
    # a unit adopted after its last untreated period before its first treated one; with a
    # gap in a unit's rows that is a range, and adoption is staggered only when no one period
    # fits every unit's range (the rows of a treated unit before its first treated one are
    # all untreated)
    before = np.max(
        t_codes, where=(t_codes < first_of_row) & (first_of_row < n_periods), initial=-1
    )
    ever = first < n_periods
    staggered = bool(ever.any() and before >= first[ever].min())
    starts = np.unique(first[ever]) if staggered else first[ever].min(initial=n_periods)
    times = [getattr(v, "item", lambda v=v: v)() for v in period_labels[np.atleast_1d(starts)]]
    # units untreated in a period after their first treated one
    off_codes = _first_seen(u_codes, np.unique(u_codes[~on & (t_codes > first_of_row)]))
    off = [getattr(u, "item", lambda u=u: u)() for u in unit_labels[off_codes]]
    found = {"staggered": staggered, "adoption_times": times, "switches_off": off}
    what = []
    if found["staggered"]:
        shown = ", ".join(map(str, times[:_SHOWN])) + (", ..." if len(times) > _SHOWN else "")
        what.append(f"switches on at {len(times)} different times ({shown})")
    if off:
        what.append(f"switches off again in {len(off)} {unit}(s): {_named(off)}")
    if what:
        warnings.warn(
            f"treated={treated!r} {' and '.join(what)}. The TWFE coefficient then averages 2x2 "
            "comparisons, some with already-treated units as controls, which are biased when "
            "effects change over time (Goodman-Bacon 2021): see their weights with "
            "ebpm.estimators.bacon_decomposition() and estimate by cohort with "
            "ebpm.staggered_did() (both need treatment that stays on once it starts)",
            StaggeredAdoptionWarning,
            stacklevel=3,  # did() -> here: point at the caller of did()
        )
    return found


def _first_seen(codes: np.ndarray, wanted: np.ndarray) -> np.ndarray:
    """``wanted`` codes ordered by the first row of ``codes`` that holds each."""
    if len(wanted) < 2:
        return wanted
    rows = np.flatnonzero(np.isin(codes, wanted))
    found, first = np.unique(codes[rows], return_index=True)
    return found[np.argsort(first)]
