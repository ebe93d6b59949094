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

lang = report.language()  # the site's language (ebpm run --lang): "en" or "ja"
ja = lang == "ja"
# Japanese names of the tables' columns (English: as in the code)
words = {
    "count": "件数",
    "mean": "平均",
    "std": "標準偏差",
    "placebo_outcome": "プラセボ結果変数",
    "estimate": "推定値",
    "std_error": "標準誤差",
    "conf_low": "下限",
    "conf_high": "上限",
    "p_value": "p値",
}
words = words if ja else {}
data = catalog.load(dataset)
info = catalog.describe(dataset)
display(Markdown(f"# {title}\n\n{info.description}"))
result = rdd(data, outcome=outcome, running=running, cutoff=cutoff)
h = result.diagnostics["bandwidth"]

# %%
report.say(en="## Design", ja="## 評価デザイン")
n_left, n_right = result.design["n_left"], result.design["n_right"]
lo, hi = data[running].min(), data[running].max()
statement = {
    "en": dict(
        estimand=f"Average effect of {policy} on {outcome} for units at the cutoff "
        f"({running} = {cutoff:g}); a local effect, not an average over all units",
        treatment=f"{policy}: assigned when {running} >= {cutoff:g}",
        comparison=f"units just below the cutoff ({n_left} below, {n_right} at or above)",
        unit=f"one row per observation ({result.n_obs} with outcome and running variable)",
        period=f"{running} from {lo:g} to {hi:g}; local "
        f"polynomial fit within h = {h['h_left']:.3g} of the cutoff",
        identification="continuity: average potential outcomes are continuous in the running "
        "variable at the cutoff, i.e. no precise manipulation of the score and nothing else "
        "changes at the cutoff",
    ),
    "ja": dict(
        estimand=f"閾値（{running} = {cutoff:g}）にある単位について、{policy} が {outcome} に"
        "与える平均的な効果。全単位の平均ではなく、閾値での局所的な効果",
        treatment=f"{policy}。{running} >= {cutoff:g} のとき処置",
        comparison=f"閾値のすぐ下の単位（閾値未満 {n_left}、閾値以上 {n_right}）",
        unit=f"観測（1 行 1 観測。結果変数と割当変数のある {result.n_obs} 件）",
        period=f"{running} は {lo:g}〜{hi:g}。閾値から h = {h['h_left']:.3g} 以内で局所多項式回帰",
        identification="連続性の仮定：潜在的結果の平均が閾値において割当変数について連続である"
        "こと。すなわち、割当変数の精密な操作がなく、閾値でほかに変わるものがないこと",
    ),
}
report.design_statement(**statement[lang])

# %%
report.say(en="## Descriptives on each side of the cutoff", ja="## 閾値の両側の記述統計")
sides = ("閾値以上", "閾値未満") if ja else ("at or above cutoff", "below cutoff")
side = np.where(data[running] >= cutoff, *sides)
near = (data[running] - cutoff).abs() <= h["h_left"]
columns = [outcome, running, *placebo]
within = f"h = {h['h_left']:.3g} 以内" if ja else f"within h = {h['h_left']:.3g}"
descriptives = pd.concat(
    {
        "全体" if ja else "all": data.groupby(side)[columns].agg(["count", "mean", "std"]),
        within: data[near].groupby(side[near])[columns].agg(["count", "mean", "std"]),
    }
)
display(descriptives.rename(columns=words).round(3))

# %%
report.say(
    en="## Covariate balance at the cutoff\n\n"
    "Pre-determined covariates cannot be affected by the treatment, so their RD estimates "
    "(placebo outcomes) should be close to zero.",
    ja="## 閾値での共変量のバランス\n\n"
    "処置より前に決まっている共変量は処置の影響を受けないので、それらを結果変数とした RD 推定値"
    "（プラセボ結果変数）は 0 に近いはずである。",
)
balance = pd.concat(
    [
        rdd(data, outcome=c, running=running, cutoff=cutoff).glance().assign(placebo_outcome=c)
        for c in placebo
    ],
    ignore_index=True,
)
display(
    balance[["placebo_outcome", "estimate", "std_error", "conf_low", "conf_high", "p_value"]]
    .rename(columns=words)
    .round(3)
    .style.hide(axis="index")
)

# %%
report.say(
    en="## Density (manipulation) test\n\n"
    "If units could sort precisely around the cutoff, the density of the running variable "
    "would jump there (Cattaneo, Jansson & Ma 2020).",
    ja="## 密度検定（操作の検定）\n\n"
    "単位が閾値の前後に精密に振り分けられるなら、割当変数の密度は閾値で不連続に跳ぶ"
    "（Cattaneo, Jansson & Ma 2020）。",
)
dens = result.diagnostics["density_test"]
t, p = f"**{dens['statistic']:.3f}**", f"**{dens['p_value']:.3f}**"
left, right = f"{dens['h_left']:.3g}", f"{dens['h_right']:.3g}"
report.say(
    en=f"Density test: T = {t}, p = {p} (bandwidths {left} left, {right} right).",
    ja=f"密度検定：T = {t}、p = {p}（バンド幅：左 {left}、右 {right}）。",
)
width = h["h_left"] / 5
edges = np.concatenate(
    [np.arange(cutoff, lo - width, -width)[::-1], np.arange(cutoff + width, hi + width, width)]
)
ax = get_ax(figsize=(7, 3.5))
ax.hist(data[running].dropna(), bins=edges, color="#56B4E9", edgecolor="white")
ax.axvline(cutoff, color="0.3", ls="--")
ax.set_xlabel(running)
ax.set_ylabel({"en": "observations", "ja": "観測数"}[lang])
ax.set_title(
    {
        "en": "Distribution of the running variable around the cutoff",
        "ja": "閾値付近の割当変数の分布",
    }[lang]
)

# %%
report.say(
    en="## Estimate\n\n"
    "The point estimate is the conventional local-polynomial estimate; its interval and "
    "p-value are robust bias-corrected (Calonico, Cattaneo & Titiunik 2014), as rdrobust "
    "reports.",
    ja="## 推定結果\n\n"
    "点推定値は通常の局所多項式推定値で、信頼区間と p 値は rdrobust と同じくロバストな"
    "バイアス補正を行ったもの（Calonico, Cattaneo & Titiunik 2014）である。",
)
report.headline(result, label=title)

# %%
ax = result.plot()

# %%
report.checks(result, heading=True)

# %%
report.say(
    en="## Robustness\n\n### Bandwidth sensitivity", ja="## 頑健性\n\n### バンド幅への感応度"
)
sens = result.diagnostics["bandwidth_sensitivity"]
display(sens.round(3).style.hide(axis="index"))
ax = get_ax(figsize=(7, 3.5))
# the robust interval is centred on the bias-corrected estimate, not on the point estimate:
# draw each on its own
optimal, level = f"{h['h_left']:.3g}", f"{result.conf_level:.0%}"
labels = {
    "en": dict(
        ci="robust CI",
        estimate="estimate",
        x=f"bandwidth h (dotted: MSE-optimal {optimal})",
        y=f"estimate (robust {level} CI)",
        title="Bandwidth sensitivity",
    ),
    "ja": dict(
        ci="ロバスト信頼区間",
        estimate="推定値",
        x=f"バンド幅 h（点線：MSE 最適 {optimal}）",
        y=f"推定値（ロバスト {level} 信頼区間）",
        title="バンド幅への感応度",
    ),
}[lang]
ax.vlines(sens["h"], sens["conf_low"], sens["conf_high"], color="#0072B2", lw=2, label=labels["ci"])
ax.plot(sens["h"], sens["estimate"], "o", color="#D55E00", label=labels["estimate"])
ax.legend(frameon=False)
ax.axhline(0, color="0.4", lw=0.8, ls="--")
ax.axvline(h["h_left"], color="0.6", lw=0.8, ls=":")
ax.set_xlabel(labels["x"])
ax.set_ylabel(labels["y"])
ax.set_title(labels["title"])

# %%
report.say(en="### Polynomial order and kernel", ja="### 多項式の次数とカーネル")
linear, quadratic, uniform = {
    "en": ("local linear, triangular", "local quadratic", "uniform kernel"),
    "ja": ("局所線形・三角カーネル", "局所二次", "一様カーネル"),
}[lang]
report.etable(
    {
        linear: result,
        quadratic: rdd(data, outcome=outcome, running=running, cutoff=cutoff, p=2),
        uniform: rdd(data, outcome=outcome, running=running, cutoff=cutoff, kernel="uniform"),
    },
    terms=["RD effect"],
)

# %%
report.footer(data)
