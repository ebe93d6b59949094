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

lang = report.language()  # the site's language (ebpm run --lang): "en" or "ja"
ja = lang == "ja"
# Japanese names of the tables' columns (English: as in the code)
words = {
    "estimate": "推定値",
    "std_error": "標準誤差",
    "conf_low": "下限",
    "conf_high": "上限",
    "p_value": "p値",
    "statistic": "統計量",
    "value": "値",
    "check": "確認",
}
words = words if ja else {}
data = catalog.load(dataset)
info = catalog.describe(dataset)
series = data if series_column is None else data.loc[data[series_column] == series_value]
series = series.sort_values(time)
display(Markdown(f"# {title}\n\n{info.description}"))

# %%
report.say(en="## Design", ja="## 評価デザイン")
pre = series[series[time] < intervention]
post = series[series[time] >= intervention]
label = f"{series_column} = {series_value}" if series_column else dataset
first, last = series[time].iloc[0], series[time].iloc[-1]
statement = {
    "en": dict(
        estimand="Immediate change in the level of the outcome at the intervention, and change "
        "in its slope (per period) after it",
        treatment=f"{policy}; first period with the policy: {intervention}",
        comparison="the same series' own pre-intervention trend"
        + (" and seasonal pattern" if seasonal else "")
        + ", projected forward (interrupted time series, no comparison group)",
        unit=f"one series: {label}",
        period=f"{first} to {last} ({len(pre)} periods before, {len(post)} from the "
        "intervention on)",
        identification="the pre-intervention level and trend (and seasonality) would have "
        "continued without the policy, and nothing else changed at the same time",
    ),
    "ja": dict(
        estimand="介入時点での結果変数の水準の即時的な変化と、介入後の傾き（1期あたり）の変化",
        treatment=f"{policy}。政策が適用された最初の期間：{intervention}",
        comparison="同じ系列の介入前のトレンド"
        + ("と季節パターン" if seasonal else "")
        + "を介入後に延長したもの（分断時系列分析のため比較群はない）",
        unit=f"単一の系列：{label}",
        period=f"{first}〜{last}（介入前 {len(pre)} 期、介入以降 {len(post)} 期）",
        identification="政策がなければ介入前の水準とトレンド（および季節性）がそのまま続いたはずで"
        "あり、同じ時期にほかの変化がなかったこと",
    ),
}
report.design_statement(**statement[lang])

# %%
report.say(en="## Descriptives before and after the intervention", ja="## 介入前後の記述統計")
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
if ja:
    table = table.set_axis(["期間数", "最初", "最後", "平均", "標準偏差"], axis="columns")
    table.index = pd.Index(["介入前", "介入後"], name="区分")
display(table.round(3))

# %%
report.say(en="## The series", ja="## 系列の推移")
ax = get_ax(None)
ax.plot(series[time], series[outcome], marker="o", ms=3, color="0.35")
ax.axvline(post[time].iloc[0], color="0.4", lw=1, ls=":")
ax.set_xlabel(time)
ax.set_ylabel(outcome)
ax.set_title(f"{outcome}（{label}）" if ja else f"{outcome}, {label}")

# %%
report.say(en="## Estimate", ja="## 推定結果")
result = its(
    series,
    outcome=outcome,
    time=time,
    intervention=intervention,
    seasonal=seasonal,
    hac_lags=hac_lags,
)
report.headline(result, label=title)

# %%
report.say(
    en="## Observed, fitted and counterfactual\n\n"
    "The dashed line continues the pre-intervention segment: what the series would have done "
    "had the level and trend before the policy gone on.",
    ja="## 実績値・当てはめ値・反実仮想\n\n"
    "破線は介入前の区間を延長したもので、政策前の水準とトレンドが続いていた場合に系列が"
    "たどったはずの推移（反実仮想）を表す。",
)
ax = result.plot()

# %%
effect = f"**{result.diagnostics['effect_at_end']:.2f}**"
report.say(
    en=f"By {last} the fitted series is {effect} away from the counterfactual (level change "
    "plus the slope change accumulated since the intervention).",
    ja=f"{last} 時点で、当てはめ値と反実仮想との差は {effect} である（水準の変化と、介入以降に"
    "累積した傾きの変化の合計）。",
)

# %%
report.say(
    en="## Residual autocorrelation\n\n"
    "Autocorrelated residuals do not bias the coefficients but shrink classical standard "
    "errors; the Newey-West errors allow for it up to the chosen lag. A Durbin-Watson statistic "
    "near 2 and large Ljung-Box p-values mean little autocorrelation is left.",
    ja="## 残差の自己相関\n\n"
    "残差の自己相関は係数を偏らせないが、通常の標準誤差を過小にする。Newey-West 標準誤差は"
    "指定したラグまでの自己相関を考慮する。Durbin-Watson 統計量が 2 に近く、Ljung-Box 検定の"
    "p 値が大きければ、残る自己相関は小さい。",
)
ac = result.diagnostics["residual_autocorrelation"]
dw, lb = {
    "en": ("Durbin-Watson", "Ljung-Box p-value, lag {}"),
    "ja": ("Durbin-Watson 統計量", "Ljung-Box 検定の p 値（ラグ {}）"),
}[lang]
display(
    pd.DataFrame(
        {
            "statistic": [dw] + [lb.format(k) for k in ac["ljung_box_pvalue"]],
            "value": [ac["durbin_watson"], *ac["ljung_box_pvalue"].values()],
        }
    )
    .rename(columns=words)
    .round(4)
)

# %%
report.checks(result, heading=True)

# %%
report.say(
    en="## Robustness\n\n"
    "The level change with Newey-West standard errors over a range of lags, and a placebo "
    "intervention placed before the real one, fitted on the pre-intervention periods only (a "
    'large placebo "effect" warns that the pre-trend is not a straight line).',
    ja="## 頑健性\n\n"
    "Newey-West 標準誤差のラグを変えた水準の変化と、実際の介入より前に置いたプラセボ介入"
    "（介入前の期間のみで推定）。プラセボの「効果」が大きければ、介入前のトレンドが直線でない"
    "ことを示す。",
)
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
placebo_check = {
    "en": f"placebo at {placebo} (pre-period only)",
    "ja": f"プラセボ介入 {placebo}（介入前の期間のみ）",
}
rows.append(
    {
        "check": placebo_check[lang],
        **placebo_result.glance()
        .iloc[0][["estimate", "std_error", "conf_low", "conf_high", "p_value"]]
        .to_dict(),
    }
)
display(
    pd.DataFrame(rows)
    .set_index("check")
    .rename(columns=words)
    .rename_axis(words.get("check", "check"))
    .round(4)
)
if placebo_result.p_value < 0.05:
    verdict = dict(
        en="The placebo interval excludes zero: the pre-intervention series is not a straight "
        "line, so the projected counterfactual, and with it the estimate, leans on the "
        "linear-trend assumption; read the level change with care.",
        ja="プラセボの信頼区間は 0 を含まない。介入前の系列は直線ではなく、延長した反実仮想と"
        "それに基づく推定値は線形トレンドの仮定に依存しているので、水準の変化は慎重に読む必要がある。",
    )
else:
    verdict = dict(
        en="The placebo interval includes zero: no sign of a break before the real intervention.",
        ja="プラセボの信頼区間は 0 を含む。実際の介入より前に構造変化の兆候はない。",
    )
placebo_effect = f"{placebo_result.estimate:.2f}"
report.say(
    en=f"Placebo level change at {placebo}: {placebo_effect}. {verdict['en']}",
    ja=f"{placebo} のプラセボ介入による水準の変化：{placebo_effect}。{verdict['ja']}",
)

# %%
ax = placebo_result.plot()
ax.set_title(f"プラセボ介入（{placebo}）" if ja else f"Placebo intervention at {placebo}")

# %%
report.footer(data)
