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
time: str = "Year"  # period column (numbers, datetimes or periods)
intervention: int | str = 1989  # first period with the policy (a value of `time`)
series_column: str | None = "State"  # filter a panel to one series by this column (None: no filter)
series_value: str = "California"  # the value of `series_column` that is the series evaluated
seasonal: int | None = None  # periods per seasonal cycle (12 monthly, 4 quarterly), or None
hac_lags: int | None = 1  # Newey-West lags (None: floor(4 * (n / 100) ** (2 / 9)))
robust_lags: list = [0, 1, 2, 3, 4]  # Newey-West lags tried in the robustness check
placebo: int | str = 1980  # a fake intervention date before the real one (placebo test)
title: str = "Proposition 99 and cigarette sales in California"  # report title
policy: str = "Proposition 99, California's tobacco tax and control programme"  # the policy

# %%
import pandas as pd
from IPython.display import Markdown, display

from ebpm import catalog, report
from ebpm.estimators.its import its
from ebpm.plotting import get_ax

data = catalog.load(dataset)
info = catalog.describe(dataset)
series = data if series_column is None else data.loc[data[series_column] == series_value]
series = series.sort_values(time)
display(Markdown(f"# {title}\n\n{info.description}"))

# %% [markdown]
# ## Design

# %%
pre = series[series[time] < intervention]
post = series[series[time] >= intervention]
label = f"{series_column} = {series_value}" if series_column else dataset
report.design_statement(
    estimand="Immediate change in the level of the outcome at the intervention, and change in "
    "its slope (per period) after it",
    treatment=f"{policy}; first period with the policy: {intervention}",
    comparison="the same series' own pre-intervention trend"
    + (" and seasonal pattern" if seasonal else "")
    + ", projected forward (interrupted time series, no comparison group)",
    unit=f"one series: {label}",
    period=f"{series[time].iloc[0]} to {series[time].iloc[-1]} "
    f"({len(pre)} periods before, {len(post)} from the intervention on)",
    identification="the pre-intervention level and trend (and seasonality) would have "
    "continued without the policy, and nothing else changed at the same time",
)

# %% [markdown]
# ## Descriptives before and after the intervention

# %%
table = pd.DataFrame(
    {
        "periods": [len(pre), len(post)],
        "first": [pre[time].iloc[0], post[time].iloc[0]],
        "last": [pre[time].iloc[-1], post[time].iloc[-1]],
        "mean": [pre[outcome].mean(), post[outcome].mean()],
        "sd": [pre[outcome].std(), post[outcome].std()],
    },
    index=pd.Index(["before", "after"], name="segment"),
)
display(table.round(3))

# %% [markdown]
# ## The series

# %%
ax = get_ax(None)
ax.plot(series[time], series[outcome], marker="o", ms=3, color="0.35")
ax.axvline(post[time].iloc[0], color="0.4", lw=1, ls=":")
ax.set_xlabel(time)
ax.set_ylabel(outcome)
ax.set_title(f"{outcome}, {label}")

# %% [markdown]
# ## Estimate

# %%
result = its(
    series,
    outcome=outcome,
    time=time,
    intervention=intervention,
    seasonal=seasonal,
    hac_lags=hac_lags,
)
report.headline(result, label=title)

# %% [markdown]
# ## Observed, fitted and counterfactual
#
# The dashed line continues the pre-intervention segment: what the series would have done had
# the level and trend before the policy gone on.

# %%
ax = result.plot()

# %%
effect = result.diagnostics["effect_at_end"]
display(
    Markdown(
        f"By {series[time].iloc[-1]} the fitted series is **{effect:.2f}** away from the "
        "counterfactual (level change plus the slope change accumulated since the intervention)."
    )
)

# %% [markdown]
# ## Residual autocorrelation
#
# Autocorrelated residuals do not bias the coefficients but shrink classical standard errors;
# the Newey-West errors allow for it up to the chosen lag. A Durbin-Watson statistic near 2
# and large Ljung-Box p-values mean little autocorrelation is left.

# %%
ac = result.diagnostics["residual_autocorrelation"]
display(
    pd.DataFrame(
        {
            "statistic": ["Durbin-Watson"]
            + [f"Ljung-Box p-value, lag {k}" for k in ac["ljung_box_pvalue"]],
            "value": [ac["durbin_watson"], *ac["ljung_box_pvalue"].values()],
        }
    ).round(4)
)

# %% [markdown]
# ## Robustness
#
# The level change with Newey-West standard errors over a range of lags, and a placebo
# intervention placed before the real one, fitted on the pre-intervention periods only (a
# large placebo "effect" warns that the pre-trend is not a straight line).

# %%
rows = []
for lags in robust_lags:
    r = its(
        series,
        outcome=outcome,
        time=time,
        intervention=intervention,
        seasonal=seasonal,
        hac_lags=lags,
    )
    rows.append(
        {
            "check": f"hac_lags={lags}",
            **r.glance()
            .iloc[0][["estimate", "std_error", "conf_low", "conf_high", "p_value"]]
            .to_dict(),
        }
    )
placebo_result = its(
    pre, outcome=outcome, time=time, intervention=placebo, seasonal=seasonal, hac_lags=hac_lags
)
rows.append(
    {
        "check": f"placebo at {placebo} (pre-period only)",
        **placebo_result.glance()
        .iloc[0][["estimate", "std_error", "conf_low", "conf_high", "p_value"]]
        .to_dict(),
    }
)
display(pd.DataFrame(rows).set_index("check").round(4))
verdict = (
    "The placebo interval excludes zero: the pre-intervention series is not a straight line, "
    "so the projected counterfactual, and with it the estimate, leans on the linear-trend "
    "assumption; read the level change with care."
    if placebo_result.p_value < 0.05
    else "The placebo interval includes zero: no sign of a break before the real intervention."
)
display(Markdown(f"Placebo level change at {placebo}: {placebo_result.estimate:.2f}. {verdict}"))

# %%
ax = placebo_result.plot()
ax.set_title(f"Placebo intervention at {placebo}")

# %%
report.footer(data)
