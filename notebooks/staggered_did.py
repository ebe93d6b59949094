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
time: str = "year"  # period column (numeric)
cohort: str = "first_treat"  # first treated period of the unit; 0 or empty = never treated
# comparison units: never treated, or not yet treated
control_group: Literal["never_treated", "not_yet_treated"] = "never_treated"
# how the headline summarises ATT(g,t): one overall ATT, by event time (its headline: the average
# over event times 0 and later), by cohort, or by calendar period
aggregate: Literal["simple", "event", "group", "calendar"] = "simple"
# pre-treatment ATT(g,t) against the period before each ("varying") or before adoption
# ("universal"); the sensitivity analysis needs "universal" with aggregate "event"
base_period: Literal["varying", "universal"] = "varying"
# sensitivity to violations of parallel trends (Rambachan & Roth 2023): "relative_magnitude"
# (post-period violations up to M-bar times the largest before; the evidence grade reads it) or
# "smoothness" (the slope of the trend difference may change by M per period)
sensitivity_method: Literal["relative_magnitude", "smoothness"] = "relative_magnitude"
# the bounds tried (M-bar for relative magnitudes, M for smoothness); None: the method's defaults
sensitivity_bounds: list[float] | None = None
title: str = "Minimum-wage increases and teen employment"  # report title
# the policy evaluated, in words
policy: str = "state minimum wage raised above the federal level (adopted 2004, 2006 or 2007)"

# %%
import pandas as pd
from IPython.display import Markdown, display

from ebpm import catalog, report
from ebpm.estimators.staggered import staggered_did

lang = report.language()  # the site's language (ebpm run --lang): "en" or "ja"
data = catalog.load(dataset)
info = catalog.describe(dataset)
display(Markdown(f"# {title}\n\n{info.description}"))
roles = {"outcome": outcome, "unit": unit, "time": time, "cohort": cohort}
options = {"control_group": control_group, "base_period": base_period}
result = staggered_did(data, **roles, **options, aggregate=aggregate, seed=20240501)
# Japanese names of the comparison groups and of the tables' columns (English: as in the code)
ja = lang == "ja"
groups = {"never_treated": "未処置群", "not_yet_treated": "未処置群とまだ処置されていない単位"}
words = {
    "cohort": "コーホート",
    "units": "単位数",
    "comparison": "比較群",
    "estimate": "推定値",
    "std_error": "標準誤差",
}
groups, words = (groups, words) if ja else ({}, {})

# %%
report.say(en="## Design", ja="## 評価デザイン")
sizes = result.diagnostics["cohort_sizes"]
cohorts = ", ".join(k for k in sizes if k != "never_treated")
n_never = sizes.get("never_treated", 0)
first, last, n_periods = data[time].min(), data[time].max(), result.design["n_periods"]
statement = {
    "en": dict(
        estimand="Group-time average treatment effects ATT(g,t) on the treated, aggregated to "
        "an overall ATT (simple average over treated unit-periods) and by event time",
        treatment=f"{policy}; cohorts (first treated {time}): {cohorts}",
        comparison=f"{control_group.replace('_', '-')} units ({n_never} never treated)",
        unit=f"{unit} ({result.design['n_units']} units)",
        period=f"{first} to {last} ({n_periods} periods)",
        identification="parallel trends conditional on cohort (each cohort's untreated outcome "
        "would have moved with the comparison units') and no anticipation before the first "
        "treated period",
    ),
    "ja": dict(
        estimand="コーホート・時点別の処置群平均処置効果 ATT(g,t) と、それを集計した全体の ATT"
        "（処置後の単位・期間についての単純平均）およびイベント時点別の効果",
        treatment=f"{policy}。コーホート（{time} で表した最初の処置時点）："
        + cohorts.replace(", ", "、"),
        comparison=f"{groups.get(control_group, control_group)}（未処置 {n_never} 単位）",
        unit=f"{unit}（{result.design['n_units']} 単位）",
        period=f"{first}〜{last}（{n_periods} 期）",
        identification="コーホートごとの平行トレンドの仮定（各コーホートの処置がなかった場合の結果"
        "変数は比較群と同様に推移したはずである）と、最初の処置期間より前に予期効果がないこと",
    ),
}
report.design_statement(**statement[lang])

# %%
report.say(
    en="## Cohorts and mean outcome by cohort over time",
    ja="## コーホートと、コーホート別の結果変数の平均の推移",
)
report.say(
    en="Units per cohort (first treated period):",
    ja="コーホート（最初に処置された期間）ごとの単位数：",
)
display(
    pd.DataFrame({"cohort": [groups.get(k, k) for k in sizes], "units": list(sizes.values())})
    .rename(columns=words)
    .style.hide(axis="index")
)
never, each = {"en": ("never treated", "cohort {:g}"), "ja": ("未処置", "コーホート {:g}")}[lang]
label = data[cohort].fillna(0).map(lambda g: never if g == 0 else each.format(g))
means = data.groupby([label.rename("cohort"), time])[outcome].mean().unstack("cohort")
ax = means.rename_axis(columns=words.get("cohort", "cohort")).plot(
    marker="o",
    ylabel={"en": f"mean {outcome}", "ja": f"{outcome} の平均"}[lang],
    title={"en": f"Mean {outcome} by cohort", "ja": f"コーホート別の {outcome} の平均"}[lang],
)

# %%
report.say(
    en="## Group-time effects ATT(g,t)\n\n"
    "Pre-treatment cells (time before the cohort's first period) are placebo estimates; the "
    "bands are simultaneous (uniform) bootstrap bands.",
    ja="## コーホート・時点別の効果 ATT(g,t)\n\n"
    "処置前のセル（コーホートの最初の処置期間より前の時点）はプラセボ推定値である。"
    "帯はブートストラップによる同時（一様）信頼帯である。",
)
display(result.diagnostics["att_gt"].round(4).style.hide(axis="index"))
ax = result.plot()

# %%
report.say(en="## Event study and pre-trend test", ja="## イベントスタディと事前トレンドの検定")
if aggregate == "event":
    event = result
else:
    event = staggered_did(data, **roles, **options, aggregate="event", seed=1)
display(event.tidy().round(4).style.hide(axis="index"))
pre = result.diagnostics["pretrend"]
stat, p = f"{pre['statistic']:.3f}", f"{pre['p_value']:.3f}"
report.say(
    en=f"Wald test that every pre-treatment ATT(g,t) is zero: chi2({pre['df']}) = {stat}, p = {p}.",
    ja=f"処置前の ATT(g,t) がすべて 0 であることの Wald 検定：χ²({pre['df']}) = {stat}、p = {p}。",
)
if pre["df"] > 0 and pre["power_slope_50"] == pre["power_slope_50"]:  # not NaN
    s50, s80 = f"{pre['power_slope_50']:.3g}", f"{pre['power_slope_80']:.3g}"
    report.say(
        en=f"What this test can see (Roth 2022): a linear pre-trend of {s50} per period (in units "
        f"of {outcome}) would be detected only half the time, and one of {s80} per period 80% of "
        "the time. A gentler pre-trend could pass this test unnoticed.",
        ja=f"この検定の検出力（Roth 2022）：1 期あたり {s50}（{outcome} の単位）の線形な"
        f"事前トレンドは半分の確率でしか検出されず、1 期あたり {s80} のトレンドでも"
        "検出される確率は 80% である。"
        "これより緩やかな事前トレンドはこの検定で見逃されうる。",
    )
ax = event.plot()

# %%
report.say(
    en="## Sensitivity to violations of parallel trends",
    ja="## 平行トレンドの仮定の破れに対する感度分析",
)
n_pre = int((result.tidy()["event_time"] < -1).sum()) if aggregate == "event" else 0
s = None
if aggregate != "event" or base_period != "universal":
    report.say(
        en="Not run: the sensitivity analysis (Rambachan & Roth 2023) needs the headline by event "
        'time against a fixed base period: run with aggregate "event" and base_period '
        '"universal".',
        ja="実施しない：感度分析（Rambachan & Roth 2023）には、イベント時点別で固定の基準期間に"
        'よる推定が必要である。aggregate を "event"、base_period を "universal" にして実行する'
        "こと。",
    )
elif n_pre < 2:
    report.say(
        en="Not run: the sensitivity analysis reads how far trends moved between pre-period "
        "coefficients, so it needs at least two besides the reference period; this event study "
        f"has {n_pre}.",
        ja="実施しない：感度分析は処置前の係数の間でトレンドがどれだけ動いたかを読むため、基準期間"
        f"のほかに処置前の係数が 2 つ以上必要である。このイベントスタディでは {n_pre} 個。",
    )
else:
    bounds = {"Mbar" if sensitivity_method == "relative_magnitude" else "M": sensitivity_bounds}
    s = result.sensitivity(sensitivity_method, **bounds)
    report.sensitivity(s, outcome=outcome)

# %%
headings = {
    "simple": ("overall ATT", "全体の ATT"),
    "event": ("average effect after adoption (event times 0 and later)", "導入後の平均効果"),
    "group": ("average of the cohorts' effects", "コーホート別の効果の平均"),
    "calendar": ("average of the periods' effects", "期間別の効果の平均"),
}[aggregate]
report.say(en=f"## Estimate: {headings[0]}", ja=f"## 推定結果：{headings[1]}")
report.headline(result, label=title, sensitivity=s)

# %%
report.checks(result, sensitivity=s, heading=True)

# %%
report.say(
    en="## Robustness: not-yet-treated comparison units",
    ja="## 頑健性：まだ処置されていない単位を比較群に含める",
)
other = "not_yet_treated" if control_group == "never_treated" else "never_treated"
robust = staggered_did(
    data, **roles, control_group=other, base_period=base_period, aggregate=aggregate, seed=20240501
)
display(
    pd.DataFrame(
        [
            {"comparison": groups.get(g, g), **r.glance().iloc[0][["estimate", "std_error"]]}
            for g, r in ((control_group, result), (other, robust))
        ]
    )
    .rename(columns=words)
    .round(4)
    .style.hide(axis="index")
)

# %%
report.footer(data)
