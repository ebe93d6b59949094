"""The plot of an interrupted time series: each segment's fit and counterfactual."""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np
import pandas as pd

from ebpm._lang import FIGURES, words
from ebpm.results import EstimateResult


def _plot_x(index: pd.Index) -> Any:
    if isinstance(index.dtype, pd.PeriodDtype):
        return pd.PeriodIndex(index).to_timestamp()
    return index


#: The comparison series' legend label (the shared figure words have no such key).


_COMPARISON = {"en": "comparison (mean)", "ja": "比較系列（平均）"}


def _plot_its(result: EstimateResult, ax: Any, lang: str = "en") -> Any:
    """Observed points, the fitted segments, the dashed counterfactual and the interventions;
    with a comparison, its mean and fitted line in grey."""
    w = words(FIGURES, lang)
    diag = result.diagnostics
    observed, fitted, cf = diag["observed"], diag["fitted"], diag["counterfactual"]
    x = _plot_x(observed.index)
    breaks = list(diag.get("breaks", [diag["n_pre"]]))
    ax.scatter(x, observed.to_numpy(), s=14, color="0.35", label=w["observed"], zorder=3)
    edges = [0, *breaks, len(x)]
    for j, (a, b) in enumerate(itertools.pairwise(edges)):
        label = w["fitted"] if j == 0 else None
        ax.plot(x[a:b], fitted.to_numpy()[a:b], color="#0072B2", lw=2, label=label)
    n_pre = breaks[0]
    ax.plot(
        x[n_pre:],
        cf.to_numpy()[n_pre:],
        color="#D55E00",
        lw=2,
        ls="--",
        label=w["counterfactual"],
    )
    if "control_observed" in diag:
        c_obs, c_fit = diag["control_observed"], diag["control_fitted"]
        cx = _plot_x(c_obs.index)
        ax.scatter(cx, c_obs.to_numpy(), s=10, color="0.7", marker="s", label=_COMPARISON[lang])
        ax.plot(cx, c_fit.to_numpy(), color="0.6", lw=1.5)
    starts = result.design["intervention"]
    starts = list(starts) if isinstance(starts, list) else [starts]
    for j, (start, at) in enumerate(zip(starts, breaks, strict=True)):
        line_at = start if isinstance(start, int | float | np.number) else x[at]
        label = w["intervention"] if j == 0 else None
        ax.axvline(line_at, color="0.4", lw=1, ls=":", label=label)
    if isinstance(starts[0], int | np.integer):
        from matplotlib.ticker import MaxNLocator

        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel(str(result.design["time"]))
    ax.set_ylabel(str(result.design["outcome"]))
    ax.set_title(result.title_in(lang))
    ax.legend(frameon=False)
    return ax
