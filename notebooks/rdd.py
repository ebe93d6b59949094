# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python (ebpm)
#     language: python
#     name: ebpm
# ---

# %% tags=["parameters"]
dataset: str = "studies.senate"  # catalog entry (see `ebpm catalog list`)
outcome: str = "vote"  # outcome column
running: str = "margin"  # running variable (score) that assigns treatment at the cutoff
cutoff: float = 0.0  # units with running >= cutoff are treated
placebo: list[str] = ["demvoteshlag1", "presdemvoteshlag1"]  # covariates for the balance check
title: str = "Incumbency advantage in US Senate elections"  # report title
# the policy (treatment) evaluated, in words
policy: str = "the Democratic party narrowly winning a Senate seat (incumbency)"

# %%
import numpy as np
import pandas as pd
from IPython.display import Markdown, display

from ebpm import catalog, report
from ebpm.estimators.rdd import rdd
from ebpm.plotting import get_ax

data = catalog.load(dataset)
info = catalog.describe(dataset)
display(Markdown(f"# {title}\n\n{info.description}"))
result = rdd(data, outcome=outcome, running=running, cutoff=cutoff)
h = result.diagnostics["bandwidth"]

# %% [markdown]
# ## Design

# %%
report.design_statement(
    estimand=f"Average effect of {policy} on {outcome} for units at the cutoff "
    f"({running} = {cutoff:g}); a local effect, not an average over all units",
    treatment=f"{policy}: assigned when {running} >= {cutoff:g}",
    comparison=f"units just below the cutoff ({result.design['n_left']} below, "
    f"{result.design['n_right']} at or above)",
    unit=f"one row per observation ({result.n_obs} with outcome and running variable)",
    period=f"{running} from {data[running].min():g} to {data[running].max():g}; local "
    f"polynomial fit within h = {h['h_left']:.3g} of the cutoff",
    identification="continuity: average potential outcomes are continuous in the running "
    "variable at the cutoff, i.e. no precise manipulation of the score and nothing else "
    "changes at the cutoff",
)

# %% [markdown]
# ## Descriptives on each side of the cutoff

# %%
side = np.where(data[running] >= cutoff, "at or above cutoff", "below cutoff")
near = (data[running] - cutoff).abs() <= h["h_left"]
columns = [outcome, running, *placebo]
descriptives = pd.concat(
    {
        "all": data.groupby(side)[columns].agg(["count", "mean", "std"]),
        f"within h = {h['h_left']:.3g}": data[near]
        .groupby(side[near])[columns]
        .agg(["count", "mean", "std"]),
    }
)
display(descriptives.round(3))

# %% [markdown]
# ## Covariate balance at the cutoff
#
# Pre-determined covariates cannot be affected by the treatment, so their RD estimates (placebo
# outcomes) should be close to zero.

# %%
balance = pd.concat(
    [
        rdd(data, outcome=c, running=running, cutoff=cutoff).glance().assign(placebo_outcome=c)
        for c in placebo
    ],
    ignore_index=True,
)
display(
    balance[["placebo_outcome", "estimate", "std_error", "conf_low", "conf_high", "p_value"]]
    .round(3)
    .style.hide(axis="index")
)

# %% [markdown]
# ## Density (manipulation) test
#
# If units could sort precisely around the cutoff, the density of the running variable would
# jump there (Cattaneo, Jansson & Ma 2020).

# %%
dens = result.diagnostics["density_test"]
display(
    Markdown(
        f"Density test: T = **{dens['statistic']:.3f}**, p = **{dens['p_value']:.3f}** "
        f"(bandwidths {dens['h_left']:.3g} left, {dens['h_right']:.3g} right)."
    )
)
width = h["h_left"] / 5
lo, hi = data[running].min(), data[running].max()
edges = np.concatenate(
    [np.arange(cutoff, lo - width, -width)[::-1], np.arange(cutoff + width, hi + width, width)]
)
ax = get_ax(figsize=(7, 3.5))
ax.hist(data[running].dropna(), bins=edges, color="#56B4E9", edgecolor="white")
ax.axvline(cutoff, color="0.3", ls="--")
ax.set_xlabel(running)
ax.set_ylabel("observations")
ax.set_title("Distribution of the running variable around the cutoff")
# %% [markdown]
# ## Estimate
#
# The point estimate is the conventional local-polynomial estimate; its interval and p-value are
# robust bias-corrected (Calonico, Cattaneo & Titiunik 2014), as rdrobust reports.

# %%
report.headline(result, label=title)

# %%
ax = result.plot()

# %% [markdown]
# ## Robustness
#
# ### Bandwidth sensitivity

# %%
sens = result.diagnostics["bandwidth_sensitivity"]
display(sens.round(3).style.hide(axis="index"))
ax = get_ax(figsize=(7, 3.5))
# the robust interval is centred on the bias-corrected estimate, not on the point estimate:
# draw each on its own
ax.vlines(sens["h"], sens["conf_low"], sens["conf_high"], color="#0072B2", lw=2, label="robust CI")
ax.plot(sens["h"], sens["estimate"], "o", color="#D55E00", label="estimate")
ax.legend(frameon=False)
ax.axhline(0, color="0.4", lw=0.8, ls="--")
ax.axvline(h["h_left"], color="0.6", lw=0.8, ls=":")
ax.set_xlabel(f"bandwidth h (dotted: MSE-optimal {h['h_left']:.3g})")
ax.set_ylabel(f"estimate (robust {result.conf_level:.0%} CI)")
ax.set_title("Bandwidth sensitivity")
# %% [markdown]
# ### Polynomial order and kernel

# %%
report.etable(
    {
        "local linear, triangular": result,
        "local quadratic": rdd(data, outcome=outcome, running=running, cutoff=cutoff, p=2),
        "uniform kernel": rdd(
            data, outcome=outcome, running=running, cutoff=cutoff, kernel="uniform"
        ),
    },
    terms=["RD effect"],
)

# %%
report.footer(data)
