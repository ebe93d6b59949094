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
dataset: str = "studies.prop99"  # catalog entry (see `ebpm catalog list`)
outcome: str = "PacksPerCapita"  # outcome column
unit: str = "State"  # unit column (state, prefecture, municipality)
time: str = "Year"  # period column
treated_unit: str = "California"  # the one treated unit
treatment_time: int = 1989  # first treated period
method: str = "sc"  # sc (synthetic control) or sdid (synthetic difference-in-differences)
title: str = "Proposition 99 and cigarette sales in California"  # report title
# the policy evaluated, in words
policy: str = "California's Proposition 99 tobacco tax and control programme (1989)"

# %%
from IPython.display import Markdown, display

from ebpm import catalog, report
from ebpm.estimators.synth import plot_gaps, synthetic_control

data = catalog.load(dataset)
info = catalog.describe(dataset)
display(Markdown(f"# {title}\n\n{info.description}"))

# %%
roles = dict(
    outcome=outcome,
    unit=unit,
    time=time,
    treated_unit=treated_unit,
    treatment_time=treatment_time,
)
result = synthetic_control(data, **roles, method=method)
d = result.diagnostics
des = result.design

# %% [markdown]
# ## Design

# %%
report.design_statement(
    estimand="Average treatment effect on the treated unit over the post-treatment periods "
    "(ATT: mean gap between the treated unit and its synthetic control)",
    treatment=f"{policy}; treated unit: {des['treated_unit']}; first treated period: "
    f"{treatment_time}",
    comparison=f"a weighted combination of {des['n_donors']} untreated donor units",
    unit=f"{unit} ({des['n_units']} units)",
    period=f"{des['first_period']} to {des['last_period']} ({des['n_pre_periods']} periods "
    f"before, {des['n_post_periods']} after)",
    identification=result.assumption,
)

# %% [markdown]
# ## Pre-period fit and donor weights

# %%
display(
    Markdown(
        f"Pre-treatment RMSPE: **{d['pre_rmspe']:.3f}**; post-treatment RMSPE: "
        f"**{d['post_rmspe']:.3f}**."
    )
)
weights = d["weights"][d["weights"] > 0.001].rename("weight").to_frame()
display(weights.round(3))

# %% [markdown]
# ## Estimate

# %%
report.headline(result, label=title)

# %% [markdown]
# ## Treated unit and its synthetic control

# %%
ax = result.plot()

# %% [markdown]
# ## Gap, with the donors' placebo gaps (grey)

# %%
ax = plot_gaps(result)

# %% [markdown]
# ## Placebo test: post/pre RMSPE ratios

# %%
display(
    Markdown(
        f"{des['treated_unit']}'s post/pre RMSPE ratio is {d['ratio']:.2f}, rank "
        f"**{d['treated_rank']} of {des['n_donors'] + 1}**: permutation p-value "
        f"**{d['p_value']:.3f}** (Abadie, Diamond & Hainmueller 2010)."
    )
)
display(d["placebos"].head(10).round(3).style.hide(axis="index"))

# %% [markdown]
# ## In-time placebo
# The same estimator with a fake treatment date halfway through the pre-period, using only
# pre-treatment data: a large "effect" here would cast doubt on the design.

# %%
itp = d["in_time_placebo"]
display(
    Markdown(
        f"Fake treatment in {itp['treatment_time']}: estimate **{itp['estimate']:.2f}** "
        f"(pre-period RMSPE {itp['pre_rmspe']:.2f}), against {result.estimate:.2f} for the "
        "real date."
    )
)

# %% [markdown]
# ## Robustness: the other estimator

# %%
other = "sdid" if method == "sc" else "sc"
robust = synthetic_control(data, **roles, method=other)
display(
    Markdown(
        f"**{robust.title}**: ATT {robust.estimate:.2f} (placebo SE {robust.std_error:.2f}, "
        f"p = {robust.p_value:.3f}), against {result.estimate:.2f} from {result.title}."
    )
)
ax = robust.plot()

# %%
report.footer(data)
