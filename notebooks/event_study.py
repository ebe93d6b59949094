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
from typing import Literal

dataset: str = "studies.mpdta"  # catalog entry (see `ebpm catalog list`)
outcome: str = "lemp"  # outcome column
unit: str = "countyreal"  # unit column (county, prefecture, municipality)
time: str = "year"  # period column (whole numbers: years, quarter numbers)
cohort: str = "first_treat"  # first treated period of each unit; 0 or empty = never treated
ref_period: int = -1  # event time normalised to zero (-1 = the period before adoption)
# main estimator: two-way fixed effects or Sun & Abraham (the other is the robustness check)
estimator: Literal["twfe", "sun_abraham"] = "twfe"
title: str = "Minimum-wage increases and teen employment"  # report title
# the policy evaluated, in words
policy: str = "State minimum wage raised above the federal level (2004, 2006 or 2007)"
# sensitivity to violations of parallel trends (Rambachan & Roth 2023): "relative_magnitude"
# (post-period violations up to M-bar times the largest before; the evidence grade reads it) or
# "smoothness" (the slope of the trend difference may change by M per period)
sensitivity_method: Literal["relative_magnitude", "smoothness"] = "relative_magnitude"
# the bounds tried (M-bar for relative magnitudes, M for smoothness); None: the method's defaults
sensitivity_bounds: list[float] | None = None

# %%
import matplotlib.pyplot as plt
from IPython.display import Markdown, display

from ebpm import catalog, report
from ebpm.estimators.event_study import event_study

lang = report.language()  # the site's language (ebpm run --lang): "en" or "ja"
data = catalog.load(dataset)
info = catalog.describe(dataset)
roles = {"outcome": outcome, "unit": unit, "time": time, "cohort": cohort}
result = event_study(data, **roles, ref_period=ref_period, estimator=estimator)
display(Markdown(f"# {title}\n\n{info.description}"))

# %%
report.say(en="## Design", ja="## 評価デザイン")
d = result.design
sizes = result.diagnostics["cohort_sizes"]
first, last = data[time].min(), data[time].max()
e0, e1 = min(d["event_times"]), max(d["event_times"])
statement = {
    "en": dict(
        estimand="Dynamic average treatment effect on the treated by event time (periods since "
        "adoption), relative to event time "
        f"{ref_period}; headline: the average over event times 0 and later",
        treatment=f"{policy}; adoption cohorts: "
        + ", ".join(f"{c} ({n} units)" for c, n in sizes.items() if c != "never"),
        comparison=f"{d['comparison']} ({d['n_never_treated_units']} never-treated units)",
        unit=f"{unit} ({d['n_units']} units)",
        period=f"{first} to {last} ({d['n_periods']} periods); event times {e0} to {e1}",
        identification="parallel trends (absent the policy every cohort's outcome would have "
        "moved like the comparison units') and no anticipation (no effect before adoption)",
    ),
    "ja": dict(
        estimand="イベント時点（導入からの経過期間）別の処置群平均処置効果（イベント時点 "
        f"{ref_period} を基準）。主な推定値はイベント時点 0 以降の平均",
        treatment=f"{policy}。導入コーホート："
        + "、".join(f"{c}（{n} 単位）" for c, n in sizes.items() if c != "never"),
        comparison={
            "never-treated units": "未処置群",
            "not-yet-treated units": "まだ導入していない単位",
            "never-treated and not-yet-treated units": "未処置群と、まだ導入していない単位",
        }.get(d["comparison"], d["comparison"])
        + f"（未処置 {d['n_never_treated_units']} 単位）",
        unit=f"{unit}（{d['n_units']} 単位）",
        period=f"{first}〜{last}（{d['n_periods']} 期）。イベント時点 {e0}〜{e1}",
        identification="平行トレンドの仮定（政策がなければ、どのコーホートの結果変数も比較群と"
        "同様に推移したはずである）と、予期効果がないこと（導入前には効果が現れない）",
    ),
}
report.design_statement(**statement[lang])

# %%
report.say(
    en="## Cohort sizes and mean outcome by cohort and period",
    ja="## コーホートの規模と、コーホート・期間別の結果変数の平均",
)
never, units = {"en": ("never", "units"), "ja": ("未処置", "単位数")}[lang]
by_cohort = data.assign(_cohort=data[cohort].fillna(0).replace(0, never))
display(by_cohort.groupby("_cohort")[unit].nunique().rename(units).rename_axis(cohort).to_frame())
display(
    by_cohort.pivot_table(index="_cohort", columns=time, values=outcome, aggfunc="mean")
    .rename_axis(index=cohort)
    .round(3)
)

# %%
report.say(en="## Event-study estimate", ja="## イベントスタディの推定結果")
ax = result.plot()

# %%
table = result.tidy()
display(table.round(4).style.hide(axis="index"))

# %%
report.say(en="## Pre-trend test", ja="## 事前トレンドの検定")
pre = result.diagnostics["pretrend"]
if pre["df"] == 0:
    report.say(
        en="There is no pre-period coefficient to test (no event time before the reference).",
        ja="検定できる処置前の係数がない（基準より前のイベント時点がない）。",
    )
else:
    if pre["p_value"] < 0.05:
        verdict = dict(
            en="rejects parallel pre-trends at the 5% level: read the post-period estimates "
            "with care",
            ja="有意水準 5% で処置前の平行トレンドが棄却される。処置後の推定値は"
            "慎重に読む必要がある",
        )
    else:
        verdict = dict(
            en="does not reject that all pre-period coefficients are zero; this is consistent "
            "with parallel trends, though a test with low power cannot confirm them (Roth 2022)",
            ja="処置前の係数がすべて 0 であることは棄却されない。平行トレンドと矛盾しないが、"
            "検出力の低い検定では平行トレンドを確かめることはできない（Roth 2022）",
        )
    stat, p = f"{pre['statistic']:.2f}", f"{pre['p_value']:.3f}"
    report.say(
        en=f"Joint Wald test of the {pre['df']} pre-period coefficients "
        f"({', '.join(pre['terms'])}) against zero, with the clustered covariance: F = {stat} on "
        f"{pre['distribution']}, p = {p}. The test {verdict['en']}.",
        ja=f"処置前の {pre['df']} 個の係数（{', '.join(pre['terms'])}）がすべて 0 であることの"
        f"同時 Wald 検定（クラスター頑健な共分散）：F = {stat}（{pre['distribution']}）、"
        f"p = {p}。検定の結果、{verdict['ja']}。",
    )
    s50, s80 = f"{pre['power_slope_50']:.3g}", f"{pre['power_slope_80']:.3g}"
    report.say(
        en=f"What this test can see (Roth 2022): a linear pre-trend of {s50} per period (in units "
        f"of {outcome}, growing with the distance from event time {ref_period}) would be "
        f"detected only half the time, and one of {s80} per period 80% of the time. A gentler "
        "pre-trend could pass this test unnoticed.",
        ja=f"この検定の検出力（Roth 2022）：1 期あたり {s50}（{outcome} の単位。イベント時点 "
        f"{ref_period} から離れるほど大きくなる）の線形な事前トレンドは半分の確率でしか検出されず、"
        f"1 期あたり {s80} のトレンドでも検出される確率は 80% である。"
        "これより緩やかな事前トレンドはこの検定で見逃されうる。",
    )

# %%
report.say(
    en="## Sensitivity to violations of parallel trends",
    ja="## 平行トレンドの仮定の破れに対する感度分析",
)
if pre["df"] < 2 or ref_period != -1:
    s = None
    report.say(
        en="Not run: the sensitivity analysis (Rambachan & Roth 2023) reads how far trends moved "
        "between pre-period coefficients, so it needs at least two of them besides the reference "
        f"period, and event time -1 as the reference; this event study has {pre['df']}, with "
        f"reference {ref_period}.",
        ja="実施しない：感度分析（Rambachan & Roth 2023）は処置前の係数の間でトレンドがどれだけ"
        "動いたかを読むため、基準期間のほかに処置前の係数が 2 つ以上あり、基準がイベント時点 -1 "
        f"である必要がある。このイベントスタディでは {pre['df']} 個、基準は {ref_period}。",
    )
else:
    bounds = {"Mbar" if sensitivity_method == "relative_magnitude" else "M": sensitivity_bounds}
    s = result.sensitivity(sensitivity_method, **bounds)
    report.sensitivity(s, outcome=outcome)

# %%
report.say(en="## Headline: average effect after adoption", ja="## 主な推定値：導入後の平均効果")
report.headline(result, label=title, sensitivity=s)

# %%
report.checks(result, sensitivity=s, heading=True)

# %%
report.say(
    en="## Robustness: two-way fixed effects vs Sun & Abraham\n\n"
    "With staggered adoption and effects that differ across cohorts, TWFE event-time "
    "coefficients mix in other cohorts' effects; Sun & Abraham's interaction-weighted "
    "estimator does not.",
    ja="## 頑健性：二方向固定効果（TWFE）と Sun & Abraham の比較\n\n"
    "導入時期が段階的で効果がコーホートごとに異なる場合、TWFE のイベント時点別の係数には"
    "ほかのコーホートの効果が混入する。Sun & Abraham の交互作用加重推定量ではこの問題は生じない。",
)
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
stats = {"en": ("estimate", "se"), "ja": ("推定値", "標準誤差")}[lang]
side.columns = ["term"] + [f"{names[s]} {c}" for s in names for c in stats]
display(side.round(4).style.hide(axis="index"))

# %%
report.footer(data)
