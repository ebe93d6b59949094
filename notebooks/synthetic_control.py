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

dataset: str = "studies.prop99"  # catalog entry (see `ebpm catalog list`)
outcome: str = "PacksPerCapita"  # outcome column
unit: str = "State"  # unit column (state, prefecture, municipality)
time: str = "Year"  # period column
treated_unit: str = "California"  # the one treated unit
treatment_time: int = 1989  # first treated period
# synthetic control, or synthetic difference-in-differences
method: Literal["sc", "sdid"] = "sc"
title: str = "Proposition 99 and cigarette sales in California"  # report title
# the policy evaluated, in words
policy: str = "California's Proposition 99 tobacco tax and control programme (1989)"

# %%
from IPython.display import Markdown, display

from ebpm import catalog, report
from ebpm.estimators.synth import plot_gaps, synthetic_control
from ebpm.report.result_html import design_title

lang = report.language()  # the site's language (ebpm run --lang): "en" or "ja"
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

# %%
report.say(en="## Design", ja="## 評価デザイン")
n_pre, n_post = des["n_pre_periods"], des["n_post_periods"]
statement = {
    "en": dict(
        estimand="Average treatment effect on the treated unit over the post-treatment periods "
        "(ATT: mean gap between the treated unit and its synthetic control)",
        treatment=f"{policy}; treated unit: {des['treated_unit']}; first treated period: "
        f"{treatment_time}",
        comparison=f"a weighted combination of {des['n_donors']} untreated donor units",
        unit=f"{unit} ({des['n_units']} units)",
        period=f"{des['first_period']} to {des['last_period']} ({n_pre} periods "
        f"before, {n_post} after)",
        identification=result.assumption,
    ),
    "ja": dict(
        estimand="処置後の期間における処置単位の平均処置効果（ATT：処置単位とその合成コントロール"
        "との差の平均）",
        treatment=f"{policy}。処置単位：{des['treated_unit']}。最初の処置期間：{treatment_time}",
        comparison=f"処置を受けていない {des['n_donors']} のドナー単位の加重平均",
        unit=f"{unit}（{des['n_units']} 単位）",
        period=f"{des['first_period']}〜{des['last_period']}（処置前 {n_pre} 期、処置後 "
        f"{n_post} 期）",
        identification={
            "sc": "政策がなければ、処置単位の結果変数は、処置前の推移を再現するドナー単位の"
            "加重平均に沿って推移したはずである（どのドナーも政策や固有のショックの影響を受けて"
            "いない）",
            "sdid": "政策がなければ、処置単位の結果変数は、単位ウェイトを付けたドナーの平均と"
            "（時点ウェイトを付けた処置前期間について）平行に推移したはずである（どのドナーも"
            "政策の影響を受けていない）",
        }[method],
    ),
}
report.design_statement(**statement[lang])

# %%
report.say(en="## Pre-period fit and donor weights", ja="## 処置前の当てはまりとドナーのウェイト")
pre, post = f"**{d['pre_rmspe']:.3f}**", f"**{d['post_rmspe']:.3f}**"
report.say(
    en=f"Pre-treatment RMSPE: {pre}; post-treatment RMSPE: {post}.",
    ja=f"処置前の RMSPE（予測誤差の二乗平均平方根）：{pre}、処置後の RMSPE：{post}。",
)
weight = {"en": "weight", "ja": "ウェイト"}[lang]
weights = d["weights"][d["weights"] > 0.001].rename(weight).to_frame()
display(weights.round(3))

# %%
report.say(en="## Estimate", ja="## 推定結果")
report.headline(result, label=title)

# %%
report.say(en="## Treated unit and its synthetic control", ja="## 処置単位とその合成コントロール")
ax = result.plot()

# %%
report.say(
    en="## Gap, with the donors' placebo gaps (grey)",
    ja="## 処置単位と合成コントロールの差（灰色はドナーのプラセボの差）",
)
ax = plot_gaps(result)

# %%
report.say(
    en="## Placebo test: post/pre RMSPE ratios", ja="## プラセボ検定：処置後/処置前の RMSPE 比"
)
ratio, n = f"{d['ratio']:.2f}", des["n_donors"] + 1
p_value = f"**{d['p_value']:.3f}**"
report.say(
    en=f"{des['treated_unit']}'s post/pre RMSPE ratio is {ratio}, rank "
    f"**{d['treated_rank']} of {n}**: permutation p-value {p_value} "
    "(Abadie, Diamond & Hainmueller 2010).",
    ja=f"{des['treated_unit']} の処置後/処置前の RMSPE 比は {ratio} で、{n} 単位中 "
    f"**{d['treated_rank']} 位**。並べ替え検定の p 値は {p_value}"
    "（Abadie, Diamond & Hainmueller 2010）。",
)
display(d["placebos"].head(10).round(3).style.hide(axis="index"))

# %%
itp = d["in_time_placebo"]
fake, rmspe = f"**{itp['estimate']:.2f}**", f"{itp['pre_rmspe']:.2f}"
report.say(
    en="## In-time placebo\n"
    "The same estimator with a fake treatment date halfway through the pre-period, using only "
    'pre-treatment data: a large "effect" here would cast doubt on the design.',
    ja="## 時点プラセボ\n\n"
    "処置前の期間の中ほどに偽の処置時点を置き、処置前のデータだけで同じ推定を行う。"
    "ここで大きな「効果」が出れば、デザインに疑問が生じる。",
)
report.say(
    en=f"Fake treatment in {itp['treatment_time']}: estimate {fake} "
    f"(pre-period RMSPE {rmspe}), against {result.estimate:.2f} for the real date.",
    ja=f"偽の処置時点 {itp['treatment_time']}：推定値 {fake}（処置前の RMSPE {rmspe}）。"
    f"実際の処置時点では {result.estimate:.2f}。",
)

# %%
report.checks(result, heading=True)

# %%
report.say(en="## Robustness: the other estimator", ja="## 頑健性：もう一つの推定量")
other = "sdid" if method == "sc" else "sc"
robust = synthetic_control(data, **roles, method=other)
estimate, se, p = f"{robust.estimate:.2f}", f"{robust.std_error:.2f}", f"{robust.p_value:.3f}"
report.say(
    en=f"**{robust.title}**: ATT {estimate} (placebo SE {se}, p = {p}), against "
    f"{result.estimate:.2f} from {result.title}.",
    ja=f"**{design_title(robust, 'ja')}**：ATT {estimate}（プラセボ標準誤差 {se}、p = {p}）。"
    f"{design_title(result, 'ja')}では {result.estimate:.2f}。",
)
ax = robust.plot()

# %%
report.footer(data)
