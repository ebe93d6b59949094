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
dataset: str = "studies.mpdta"  # catalog entry (see `ebpm catalog list`)
outcome: str = "lemp"  # outcome column
unit: str = "countyreal"  # unit column (county, prefecture, municipality)
time: str = "year"  # period column (numeric)
cohort: str = "first_treat"  # first treated period of the unit; 0 or empty = never treated
control_group: str = "never_treated"  # comparison units: never_treated or not_yet_treated
title: str = "Minimum-wage increases and teen employment"  # report title
# the policy evaluated, in words
policy: str = "state minimum wage raised above the federal level (adopted 2004, 2006 or 2007)"

# %%
import pandas as pd
from IPython.display import Markdown, display

from ebpm import catalog, report
from ebpm.estimators.staggered import staggered_did

data = catalog.load(dataset)
info = catalog.describe(dataset)
display(Markdown(f"# {title}\n\n{info.description}"))
roles = {"outcome": outcome, "unit": unit, "time": time, "cohort": cohort}
result = staggered_did(data, **roles, control_group=control_group, seed=20240501)

# %% [markdown]
# ## Design

# %%
sizes = result.diagnostics["cohort_sizes"]
cohorts = ", ".join(k for k in sizes if k != "never_treated")
report.design_statement(
    estimand="Group-time average treatment effects ATT(g,t) on the treated, aggregated to an "
    "overall ATT (simple average over treated unit-periods) and by event time",
    treatment=f"{policy}; cohorts (first treated {time}): {cohorts}",
    comparison=f"{control_group.replace('_', '-')} units "
    f"({sizes.get('never_treated', 0)} never treated)",
    unit=f"{unit} ({result.design['n_units']} units)",
    period=f"{data[time].min()} to {data[time].max()} ({result.design['n_periods']} periods)",
    identification="parallel trends conditional on cohort (each cohort's untreated outcome "
    "would have moved with the comparison units') and no anticipation before the first "
    "treated period",
)

# %% [markdown]
# ## Cohorts and mean outcome by cohort over time

# %%
display(Markdown("Units per cohort (first treated period):"))
display(
    pd.DataFrame({"cohort": list(sizes), "units": list(sizes.values())}).style.hide(axis="index")
)
label = data[cohort].fillna(0).map(lambda g: "never treated" if g == 0 else f"cohort {g:g}")
means = data.groupby([label.rename("cohort"), time])[outcome].mean().unstack("cohort")
ax = means.plot(marker="o", ylabel=f"mean {outcome}", title=f"Mean {outcome} by cohort")

# %% [markdown]
# ## Group-time effects ATT(g,t)
#
# Pre-treatment cells (time before the cohort's first period) are placebo estimates; the bands
# are simultaneous (uniform) bootstrap bands.

# %%
display(result.diagnostics["att_gt"].round(4).style.hide(axis="index"))
ax = result.plot()

# %% [markdown]
# ## Estimate: overall ATT

# %%
report.headline(result, label=title)

# %% [markdown]
# ## Event study and pre-trend test

# %%
event = staggered_did(data, **roles, control_group=control_group, aggregate="event", seed=1)
display(event.tidy().round(4).style.hide(axis="index"))
pre = result.diagnostics["pretrend"]
display(
    Markdown(
        f"Wald test that every pre-treatment ATT(g,t) is zero: chi2({pre['df']}) = "
        f"{pre['statistic']:.3f}, p = {pre['p_value']:.3f}."
    )
)
ax = event.plot()

# %% [markdown]
# ## Robustness: not-yet-treated comparison units

# %%
other = "not_yet_treated" if control_group == "never_treated" else "never_treated"
robust = staggered_did(data, **roles, control_group=other, seed=20240501)
display(
    pd.DataFrame(
        [
            {"comparison": control_group, **result.glance().iloc[0][["estimate", "std_error"]]},
            {"comparison": other, **robust.glance().iloc[0][["estimate", "std_error"]]},
        ]
    )
    .round(4)
    .style.hide(axis="index")
)

# %%
report.footer(data)
