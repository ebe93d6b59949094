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
dataset: str = "studies.organ_donations"  # catalog entry (see `ebpm catalog list`)
outcome: str = "Rate"  # outcome column
unit: str = "State"  # unit column (state, prefecture, municipality)
time: str = "quarter_num"  # period column
treated: str = "treated"  # 0/1 column: unit treated in that period
cluster: str | None = None  # cluster standard errors by this column (default: unit)
vcov: str = "cluster"  # standard errors: cluster, hetero or iid
title: str = "Active-choice framing and organ donor registration"  # report title
# the policy evaluated, in words
policy: str = "California's active-choice question on driver's licence forms (Q3 2011)"

# %%
from IPython.display import Markdown, display

import ebpm
from ebpm import catalog, describe, report

data = catalog.load(dataset)
info = catalog.describe(dataset)
design = describe.did_design(data, unit=unit, time=time, treated=treated)
display(Markdown(f"# {title}\n\n{info.description}"))

# %% [markdown]
# ## Design
#
# Two-way fixed effects: for unit $i$ in period $t$,
#
# $$Y_{it} = \alpha_i + \lambda_t + \tau D_{it} + \varepsilon_{it},$$
#
# where $D_{it} = 1$ once the policy applies to unit $i$; $\tau$ is the effect on the treated.

# %%
treated_units = ", ".join(map(str, design["treated_units"][:5]))
report.design_statement(
    estimand="Average treatment effect on the treated (ATT)",
    treatment=f"{policy}; treated units: {treated_units}; first treated period: "
    f"{design['first_treated_period']}",
    comparison=f"{design['n_comparison_units']} never-treated units",
    unit=f"{unit} ({design['n_treated_units'] + design['n_comparison_units']} units)",
    period=f"{design['first_period']} to {design['last_period']} "
    f"({design['n_pre_periods']} periods before, {design['n_post_periods']} after)",
    identification="parallel trends: without the policy, treated and comparison units' "
    "outcomes would have moved in parallel",
)

# %% [markdown]
# ## Descriptives by group and period

# %%
table = describe.did_descriptives(data, outcome=outcome, unit=unit, time=time, treated=treated)
display(table.round(4).style.hide(axis="index"))
display(Markdown(f"Difference-in-differences of means: **{table.attrs['did_of_means']:.4f}**"))

# %% [markdown]
# ## Group means over time

# %%
ax = describe.plot_group_means(data, outcome=outcome, unit=unit, time=time, treated=treated)

# %% [markdown]
# ## Estimate

# %%
result = ebpm.did(
    data, outcome=outcome, unit=unit, time=time, treated=treated, cluster=cluster, vcov=vcov
)
report.headline(result, label=title)

# %%
ax = result.plot()

# %%
report.footer(data)
