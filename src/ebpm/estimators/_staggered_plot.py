"""staggered_did's figure: the event study, or every ATT(g,t) by cohort."""

from __future__ import annotations

from typing import Any

import pandas as pd

from ebpm._lang import FIGURES, words
from ebpm.estimators._staggered_prepare import fmt
from ebpm.results import EstimateResult


def plot(result: EstimateResult, ax: Any, lang: str = "en") -> Any:
    from ebpm.plotting import OKABE_ITO

    w = words(FIGURES, lang)
    if result.diagnostics["aggregate"] == "event":
        t = result.table.dropna(subset=["event_time"])
        e = t["event_time"].to_numpy(float)
        for mask, colour, label in (
            (e < 0, OKABE_ITO[1], w["cs_pre"]),
            (e >= 0, OKABE_ITO[0], w["cs_post"]),
        ):
            s = t[mask]
            ax.errorbar(
                s["event_time"],
                s["estimate"],
                yerr=[s["estimate"] - s["conf_low"], s["conf_high"] - s["estimate"]],
                fmt="o",
                color=colour,
                ecolor=colour,
                capsize=3,
                label=label,
            )
        ax.axhline(0, color="0.3", lw=0.8)
        ax.axvline(-0.5, color="0.5", lw=0.8, ls="--")
        ax.set_xlabel(w["cs_x"])
        ax.set_xticks(e.astype(int))
        ax.set_title(w["cs_title"])
    else:
        gt = result.diagnostics["att_gt"]
        groups = sorted(gt["group"].unique())
        width = 0.6 / max(len(groups), 1)
        dated = not pd.api.types.is_numeric_dtype(gt["time"])
        times = sorted(gt["time"].unique())
        position = {v: i for i, v in enumerate(times)}  # dates: one slot per period
        for i, g in enumerate(groups):
            s = gt[gt["group"] == g]
            base = s["time"].map(position) if dated else s["time"]
            x = base.to_numpy(float) + (i - (len(groups) - 1) / 2) * width
            colour = OKABE_ITO[i % len(OKABE_ITO)]
            pre = (s["time"] < g).to_numpy()
            err = [s["att"] - s["conf_low"], s["conf_high"] - s["att"]]
            ax.errorbar(x, s["att"], yerr=err, fmt="none", ecolor=colour, capsize=2)
            ax.plot(
                x[~pre],
                s["att"][~pre],
                "o",
                color=colour,
                label=w["cs_cohort"].format(cohort=fmt(g)),
            )
            ax.plot(x[pre], s["att"][pre], "o", mfc="white", color=colour)
        ax.axhline(0, color="0.3", lw=0.8)
        if dated:
            ax.set_xticks(range(len(times)), [fmt(pd.Timestamp(v)) for v in times])
        ax.set_xlabel(w["cs_time"].format(time=result.design["time"]))
        ax.set_title(w["cs_by_cohort"])
    level = f"{result.conf_level:.0%}"
    ax.set_ylabel(w["effect_band"].format(outcome=result.design["outcome"], level=level))
    ax.legend(frameon=False, fontsize="small")
    return ax
