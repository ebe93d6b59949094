"""Figures of synthetic control and synthetic difference-in-differences results."""

from __future__ import annotations

from typing import Any

import pandas as pd

from ebpm._lang import FIGURES, current_lang, words
from ebpm.results import EstimateResult

__all__ = ["plot_cohorts", "plot_gaps", "plot_paths"]


# --- figures ---------------------------------------------------------------------------------
def _treatment_line(result: EstimateResult, ax: Any) -> None:
    times = result.diagnostics["gap"].index
    tt = result.design["treatment_time"]
    pos = times.get_indexer([tt])[0] if tt in set(times) else None
    x = tt if pos is None or pos >= 0 else None
    if x is not None and pd.api.types.is_numeric_dtype(times.dtype):
        ax.axvline(x, color="0.4", lw=0.8, ls="--")
        ax.annotate(
            f"{result.design['treatment_time']}",
            (x, 1),
            xycoords=("data", "axes fraction"),
            fontsize=8,
            color="0.3",
            xytext=(3, -10),
            textcoords="offset points",
        )


def _treated_label(result: EstimateResult, lang: str) -> str:
    """The treated unit's name, or "treated mean (n units)" in ``lang`` for several."""
    n = result.design.get("n_treated", 1)
    if n == 1:
        return str(result.diagnostics["treated"].name)
    return f"処置単位の平均（{n} 単位）" if lang == "ja" else f"treated mean ({n} units)"


def plot_paths(result: EstimateResult, ax: Any, lang: str = "en") -> Any:
    """Treated unit vs its synthetic control, treatment time marked."""
    w = words(FIGURES, lang)
    d = result.diagnostics
    ax.plot(
        d["treated"].index,
        d["treated"].to_numpy(),
        color="#000000",
        lw=1.8,
        label=_treated_label(result, lang),
    )
    label = w["synthetic_sc"] if result.design["method"] == "sc" else w["synthetic_sdid"]
    ax.plot(
        d["synthetic"].index,
        d["synthetic"].to_numpy(),
        color="#D55E00",
        lw=1.8,
        ls="--",
        label=label,
    )
    _treatment_line(result, ax)
    ax.set_xlabel(str(result.design["time"]))
    ax.set_ylabel(str(result.design["outcome"]))
    ax.set_title(w["sc_title"].format(title=result.title_in(lang), att=f"{result.estimate:.2f}"))
    ax.legend(frameon=False)
    return ax


def plot_gaps(
    result: EstimateResult,
    ax: Any = None,
    *,
    max_ratio_pre: float | None = 5.0,
    lang: str | None = None,
) -> Any:
    """Gap (treated minus synthetic) of the treated unit over the donors' placebo gaps in grey.

    Placebos whose pre-period RMSPE exceeds ``max_ratio_pre`` times the treated unit's are left
    out, as in Abadie et al. (2010, fig. 5-7); ``None`` keeps all. Words in ``lang`` (default:
    the report's, :func:`ebpm.report.language`). Returns the Axes.
    """
    from ebpm.plotting import get_ax

    w = words(FIGURES, current_lang(lang))
    ax = get_ax(ax)
    d = result.diagnostics
    n_shown = 0
    if "placebo_gaps" in d:
        gaps = d["placebo_gaps"]
        pre = d["placebos"].set_index(result.design["unit"])["pre_rmspe"]
        for donor in gaps.columns:
            if max_ratio_pre is not None and pre[donor] > max_ratio_pre * d["pre_rmspe"]:
                continue
            ax.plot(gaps.index, gaps[donor].to_numpy(), color="0.75", lw=0.8)
            n_shown += 1
    ax.plot(
        d["gap"].index,
        d["gap"].to_numpy(),
        color="#000000",
        lw=2,
        label=_treated_label(result, current_lang(lang)),
    )
    if n_shown:
        ax.plot([], [], color="0.75", lw=0.8, label=w["placebos"].format(n=n_shown))
    ax.axhline(0, color="0.4", lw=0.8)
    _treatment_line(result, ax)
    ax.set_xlabel(str(result.design["time"]))
    ax.set_ylabel(w["gap"].format(outcome=result.design["outcome"]))
    ax.legend(frameon=False)
    return ax


def plot_cohorts(result: EstimateResult, ax: Any, lang: str = "en") -> Any:
    """Staggered SDID: each adoption cohort's estimate, sized by its weight, and the ATT."""
    cohorts = result.diagnostics["cohorts"]
    ax.scatter(
        cohorts["adoption_time"],
        cohorts["estimate"],
        s=30 + 300 * cohorts["weight"].to_numpy(float),
        color="#0072B2",
        zorder=3,
    )
    att = result.estimate
    ax.axhline(att, color="#D55E00", lw=1.5, ls="--", label=f"ATT {att:.2f}")
    ax.axhline(0, color="0.4", lw=0.8)
    ax.set_xlabel(str(result.design["time"]))
    ax.set_ylabel(str(result.design["outcome"]))
    ax.set_title(result.title_in(lang))
    ax.legend(frameon=False)
    return ax
