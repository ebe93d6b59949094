"""Descriptives that every evaluation report shows before its estimate."""

from __future__ import annotations

from typing import Any

import pandas as pd

from ebpm.errors import DataError
from ebpm.estimators._common import check_columns, require_frame

__all__ = ["did_descriptives", "did_design", "group_means", "plot_group_means"]


def _groups(data: pd.DataFrame, unit: str, treated: str) -> pd.Series:
    ever = data.groupby(unit, sort=False)[treated].transform(lambda s: bool(s.astype(bool).any()))
    return ever.map({True: "treated", False: "comparison"})


def did_design(data: pd.DataFrame, *, unit: str, time: str, treated: str) -> dict[str, Any]:
    """Facts of a difference-in-differences design read off the data.

    Returns the treated units, the comparison units, the first treated period, the periods
    before and after, and whether adoption is staggered.
    """
    data = require_frame(data, func="did_design")
    check_columns(data, {"unit": unit, "time": time, "treated": treated})
    d = data[treated].astype(bool)
    treated_units = list(pd.unique(data.loc[d, unit]))
    if not treated_units:
        raise DataError(f"treated={treated!r} marks no row as treated")
    starts = data.loc[d].groupby(unit)[time].min()
    periods = sorted(pd.unique(data[time]))
    first = starts.min()
    comparison = [u for u in pd.unique(data[unit]) if u not in set(treated_units)]
    return {
        "treated_units": treated_units,
        "n_treated_units": len(treated_units),
        "comparison_units": comparison,
        "n_comparison_units": len(comparison),
        "first_treated_period": first,
        "staggered": bool(starts.nunique() > 1),
        "periods": periods,
        "n_pre_periods": sum(p < first for p in periods),
        "n_post_periods": sum(p >= first for p in periods),
        "first_period": periods[0],
        "last_period": periods[-1],
    }


def did_descriptives(
    data: pd.DataFrame, *, outcome: str, unit: str, time: str, treated: str
) -> pd.DataFrame:
    """Mean, SD and count of ``outcome`` by group (treated/comparison) and period (pre/post).

    The last column is the simple 2×2 difference-in-differences of means.
    """
    data = require_frame(data, func="did_descriptives")
    check_columns(data, {"outcome": outcome, "unit": unit, "time": time, "treated": treated})
    info = did_design(data, unit=unit, time=time, treated=treated)
    frame = pd.DataFrame(
        {
            "group": _groups(data, unit, treated).to_numpy(),
            "period": (data[time] >= info["first_treated_period"])
            .map({True: "post", False: "pre"})
            .to_numpy(),
            "y": data[outcome].to_numpy(),
        }
    )
    table = (
        frame.groupby(["group", "period"])["y"].agg(mean="mean", sd="std", n="count").reset_index()
    )
    means = table.set_index(["group", "period"])["mean"]
    table.attrs["did_of_means"] = float(
        (means["treated", "post"] - means["treated", "pre"])
        - (means["comparison", "post"] - means["comparison", "pre"])
    )
    return table


def group_means(
    data: pd.DataFrame, *, outcome: str, unit: str, time: str, treated: str
) -> pd.DataFrame:
    """Mean outcome per period for ever-treated and comparison units (wide: one column each)."""
    data = require_frame(data, func="group_means")
    check_columns(data, {"outcome": outcome, "unit": unit, "time": time, "treated": treated})
    frame = pd.DataFrame(
        {
            "time": data[time].to_numpy(),
            "group": _groups(data, unit, treated).to_numpy(),
            "y": data[outcome].to_numpy(),
        }
    )
    return frame.pivot_table(index="time", columns="group", values="y", aggfunc="mean")


def plot_group_means(
    data: pd.DataFrame,
    *,
    outcome: str,
    unit: str,
    time: str,
    treated: str,
    ax: Any = None,
    title: str | None = None,
    lang: str | None = None,
) -> Any:
    """Line plot of the mean outcome over time, treated vs comparison, with the start marked.

    Labels, title and legend are in ``lang`` (default: the report's,
    :func:`ebpm.report.language`). Returns the matplotlib Axes.
    """
    from ebpm._lang import FIGURES, current_lang, words
    from ebpm.plotting import get_ax

    w = words(FIGURES, current_lang(lang))

    means = group_means(data, outcome=outcome, unit=unit, time=time, treated=treated)
    info = did_design(data, unit=unit, time=time, treated=treated)
    ax = get_ax(ax)
    x = range(len(means.index)) if not pd.api.types.is_numeric_dtype(means.index) else means.index
    for group, style in (("treated", "-o"), ("comparison", "--s")):
        if group in means:
            label = w[f"{group}_units"].format(n=info[f"n_{group}_units"])
            ax.plot(list(x), means[group].to_numpy(), style, label=label, ms=4)
    start = info["first_treated_period"]
    xs = list(means.index)
    pos = xs.index(start) if not pd.api.types.is_numeric_dtype(means.index) else start
    prev = xs[xs.index(start) - 1] if xs.index(start) > 0 else start
    line_at = (pos - 0.5) if not pd.api.types.is_numeric_dtype(means.index) else (prev + start) / 2
    ax.axvline(line_at, color="0.5", ls=":", lw=1)
    ax.annotate(
        w["starts"],
        (line_at, 1),
        xycoords=("data", "axes fraction"),
        ha="left",
        va="top",
        fontsize=8,
        color="0.35",
        xytext=(3, -2),
        textcoords="offset points",
    )
    if not pd.api.types.is_numeric_dtype(means.index):
        ax.set_xticks(list(x), [str(i) for i in means.index])
    ax.set_xlabel(time)
    ax.set_ylabel(w["mean"].format(outcome=outcome))
    ax.set_title(title or w["groups_title"].format(outcome=outcome))
    ax.legend(frameon=False)
    return ax
