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
time: str = "year"  # period column (whole numbers: years, quarter numbers)
cohort: str = "first_treat"  # first treated period of each unit; 0 or empty = never treated
ref_period: int = -1  # event time normalised to zero (-1 = the period before adoption)
estimator: str = "twfe"  # main estimator: twfe or sun_abraham (the other is the robustness check)
title: str = "Minimum-wage increases and teen employment"  # report title
# the policy evaluated, in words
policy: str = "State minimum wage raised above the federal level (2004, 2006 or 2007)"

# %%
import matplotlib.pyplot as plt
from IPython.display import Markdown, display

from ebpm import catalog, report
from ebpm.estimators.event_study import event_study

data = catalog.load(dataset)
info = catalog.describe(dataset)
roles = {"outcome": outcome, "unit": unit, "time": time, "cohort": cohort}
result = event_study(data, **roles, ref_period=ref_period, estimator=estimator)
display(Markdown(f"# {title}\n\n{info.description}"))

# %% [markdown]
# ## Design

# %%
d = result.design
sizes = result.diagnostics["cohort_sizes"]
cohorts = ", ".join(f"{c} ({n} units)" for c, n in sizes.items() if c != "never")
report.design_statement(
    estimand="Dynamic average treatment effect on the treated by event time (periods since "
    "adoption), relative to event time "
    f"{ref_period}; headline: the average over event times 0 and later",
    treatment=f"{policy}; adoption cohorts: {cohorts}",
    comparison=f"{d['comparison']} ({d['n_never_treated_units']} never-treated units)",
    unit=f"{unit} ({d['n_units']} units)",
    period=f"{data[time].min()} to {data[time].max()} ({d['n_periods']} periods); event times "
    f"{min(d['event_times'])} to {max(d['event_times'])}",
    identification="parallel trends (absent the policy every cohort's outcome would have "
    "moved like the comparison units') and no anticipation (no effect before adoption)",
)

# %% [markdown]
# ## Cohort sizes and mean outcome by cohort and period

# %%
by_cohort = data.assign(_cohort=data[cohort].fillna(0).replace(0, "never"))
display(by_cohort.groupby("_cohort")[unit].nunique().rename("units").rename_axis(cohort).to_frame())
display(
    by_cohort.pivot_table(index="_cohort", columns=time, values=outcome, aggfunc="mean")
    .rename_axis(index=cohort)
    .round(3)
)

# %% [markdown]
# ## Event-study estimate

# %%
ax = result.plot()

# %%
table = result.tidy()
display(table.round(4).style.hide(axis="index"))

# %% [markdown]
# ## Headline: average effect after adoption

# %%
report.headline(result, label=title)

# %% [markdown]
# ## Pre-trend test

# %%
pre = result.diagnostics["pretrend"]
if pre["df"] == 0:
    words = "There is no pre-period coefficient to test (no event time before the reference)."
else:
    verdict = (
        "rejects parallel pre-trends at the 5% level: read the post-period estimates with care"
        if pre["p_value"] < 0.05
        else "does not reject that all pre-period coefficients are zero; this is consistent with "
        "parallel trends, though a test with low power cannot confirm them (Roth 2022)"
    )
    words = (
        f"Joint Wald test of the {pre['df']} pre-period coefficients ({', '.join(pre['terms'])}) "
        f"against zero, with the clustered covariance: F = {pre['statistic']:.2f} on "
        f"{pre['distribution']}, p = {pre['p_value']:.3f}. The test {verdict}."
    )
display(Markdown(words))

# %% [markdown]
# ## Robustness: two-way fixed effects vs Sun & Abraham
#
# With staggered adoption and effects that differ across cohorts, TWFE event-time coefficients
# mix in other cohorts' effects; Sun & Abraham's interaction-weighted estimator does not.

# %%
other = event_study(
    data,
    **roles,
    ref_period=ref_period,
    estimator="sun_abraham" if estimator == "twfe" else "twfe",
)
fig, axes = plt.subplots(1, 2, figsize=(11, 4), sharey=True, layout="constrained")
for res, axis in zip((result, other), axes, strict=True):
    res.plot(ax=axis)

# %%
side = result.tidy()[["term", "estimate", "std_error"]].merge(
    other.tidy()[["term", "estimate", "std_error"]],
    on="term",
    how="outer",
    sort=False,
    suffixes=("", "_other"),
)
names = {"": estimator, "_other": other.design["estimator"]}
side.columns = ["term"] + [f"{names[s]} {c}" for s in names for c in ("estimate", "se")]
display(side.round(4).style.hide(axis="index"))

# %%
report.footer(data)
