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

dataset: str = "studies.organ_donations"  # catalog entry (see `ebpm catalog list`)
outcome: str = "Rate"  # outcome column
unit: str = "State"  # unit column (state, prefecture, municipality)
time: str = "quarter_num"  # period column
treated: str = "treated"  # 0/1 column: unit treated in that period
cluster: str | None = None  # cluster standard errors by this column (default: unit)
# standard errors: cluster-robust, heteroskedasticity-robust, iid, or the wild cluster bootstrap
vcov: Literal["cluster", "hetero", "iid", "wild"] = "cluster"
title: str = "Active-choice framing and organ donor registration"  # report title
# the policy evaluated, in words
policy: str = "California's active-choice question on driver's licence forms (Q3 2011)"

# %%
from IPython.display import Markdown, display

import ebpm
from ebpm import catalog, describe, report

lang = report.language()  # the site's language (ebpm run --lang): "en" or "ja"
data = catalog.load(dataset)
info = catalog.describe(dataset)
design = describe.did_design(data, unit=unit, time=time, treated=treated)
display(Markdown(f"# {title}\n\n{info.description}"))

# %%
model = r"$$Y_{it} = \alpha_i + \lambda_t + \tau D_{it} + \varepsilon_{it},$$"
report.say(
    en="## Design\n\nTwo-way fixed effects: for unit $i$ in period $t$,\n\n"
    f"{model}\n\n"
    r"where $D_{it} = 1$ once the policy applies to unit $i$; $\tau$ is the effect on the treated.",
    ja="## 評価デザイン\n\n二方向固定効果モデル：単位 $i$、期間 $t$ について\n\n"
    f"{model}\n\n"
    r"$D_{it}$ は単位 $i$ に政策が適用されて以降 1 となる変数で、$\tau$ が処置群への効果である。",
)

# %%
treated_units = ", ".join(map(str, design["treated_units"][:5]))
n_units = design["n_treated_units"] + design["n_comparison_units"]
n_pre, n_post = design["n_pre_periods"], design["n_post_periods"]
statement = {
    "en": dict(
        estimand="Average treatment effect on the treated (ATT)",
        treatment=f"{policy}; treated units: {treated_units}; first treated period: "
        f"{design['first_treated_period']}",
        comparison=f"{design['n_comparison_units']} never-treated units",
        unit=f"{unit} ({n_units} units)",
        period=f"{design['first_period']} to {design['last_period']} "
        f"({n_pre} periods before, {n_post} after)",
        identification="parallel trends: without the policy, treated and comparison units' "
        "outcomes would have moved in parallel",
    ),
    "ja": dict(
        estimand="処置群平均処置効果（ATT）",
        treatment=f"{policy}。処置群：{treated_units}。最初の処置期間："
        f"{design['first_treated_period']}",
        comparison=f"未処置群（{design['n_comparison_units']} 単位）",
        unit=f"{unit}（{n_units} 単位）",
        period=f"{design['first_period']}〜{design['last_period']}"
        f"（処置前 {n_pre} 期、処置後 {n_post} 期）",
        identification="平行トレンドの仮定：政策がなければ、処置群と比較群の結果変数は"
        "平行に推移したはずである",
    ),
}
report.design_statement(**statement[lang])

# %%
report.say(en="## Descriptives by group and period", ja="## 群別・期間別の記述統計")
table = describe.did_descriptives(data, outcome=outcome, unit=unit, time=time, treated=treated)
did_of_means = f"**{table.attrs['did_of_means']:.4f}**"
if lang == "ja":  # the table's words in Japanese: its columns and groups
    words = {"group": "群", "period": "期間", "mean": "平均", "sd": "標準偏差", "n": "観測数"}
    words |= {"treated": "処置群", "comparison": "比較群", "pre": "処置前", "post": "処置後"}
    table = table.rename(columns=words).replace(words)
display(table.round(4).style.hide(axis="index"))
report.say(
    en=f"Difference-in-differences of means: {did_of_means}",
    ja=f"平均値の差の差：{did_of_means}",
)

# %%
report.say(en="## Group means over time", ja="## 群別平均の推移")
ax = describe.plot_group_means(data, outcome=outcome, unit=unit, time=time, treated=treated)

# %%
report.say(en="## Estimate", ja="## 推定結果")
result = ebpm.did(
    data, outcome=outcome, unit=unit, time=time, treated=treated, cluster=cluster, vcov=vcov
)
report.headline(result, label=title)

# %%
ax = result.plot()

# %%
report.checks(result, heading=True)

# %%
adoption = result.diagnostics.get("adoption", {})
if adoption.get("staggered") or adoption.get("switches_off"):
    report.say(
        en="## Goodman-Bacon decomposition\n\nWith treatment starting at different times, the "
        "two-way fixed-effects estimate is a weighted average of simple 2x2 comparisons, some "
        "of which use already-treated units as controls: those are biased when effects change "
        "over time (Goodman-Bacon 2021).",
        ja="## Goodman-Bacon 分解\n\n処置の開始時期が単位によって異なると、二方向固定効果の"
        "推定値は単純な 2×2 の比較の加重平均となり、その一部はすでに処置された単位を比較群に"
        "使う。効果が時間とともに変わる場合、それらの比較は偏る（Goodman-Bacon 2021）。",
    )
if adoption.get("switches_off"):
    off = ", ".join(map(str, adoption["switches_off"][:5]))
    report.say(
        en=f"The decomposition needs a treatment that stays on once it starts; here it switches "
        f"off in {off}, so it cannot be computed. Estimate by cohort with staggered_did instead.",
        ja=f"この分解は、一度始まった処置が続くことを前提とする。ここでは {off} で処置が終わるため"
        "計算できない。staggered_did でコーホート別に推定すること。",
    )
elif adoption.get("staggered"):
    bacon = ebpm.bacon_decomposition(data, outcome=outcome, unit=unit, time=time, treated=treated)
    share = f"**{bacon.forbidden_weight:.1%}**"
    report.say(
        en=f"{share} of the weight falls on comparisons with already-treated controls (Later vs "
        "Earlier or Always Treated). The larger this share, and the more those comparisons' "
        "estimates differ from the others, the less the two-way fixed-effects estimate can be "
        "read as an average effect; staggered_did avoids these comparisons.",
        ja=f"ウェイトの {share} が、すでに処置された単位を比較群とする比較（Later vs Earlier "
        "または Always Treated）にかかっている。この割合が大きいほど、またそれらの比較の推定値が"
        "ほかと異なるほど、二方向固定効果の推定値を平均的な効果として読むことはできない。"
        "staggered_did はこれらの比較を使わない。",
    )
    kinds = bacon.by_type()
    if lang == "ja":  # the table's words in Japanese: its columns and comparisons
        words = {"type": "比較の種類", "comparisons": "比較の数", "weight": "ウェイト"}
        words |= {"estimate": "推定値"}
        kinds = kinds.rename(columns=words)
    display(kinds.round(4).style.hide(axis="index"))
    ax = bacon.plot(lang=lang)

# %%
report.footer(data)
