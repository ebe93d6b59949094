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
dataset: str = "japan.municipal_fiscal_indices"  # the ministry's fiscal indicators, FY2005-2021
outcome: str = "current_balance_ratio"  # indicator column evaluated
outcome_label: str = "経常収支比率（%）"  # how the indicator is named in the report
boundaries: str = "2021-01-01"  # the panel is restated on the municipalities of this date
since: str = "1999-04-01"  # mergers after this date count (start of the Heisei mergers)
first_cohort: int = 2006  # first fiscal year of the mergers evaluated
last_cohort: int = 2010  # last fiscal year of the mergers evaluated
ratio_rule: str = "mean"  # how predecessors' ratios are combined: mean or core
alternative_rule: str = "core"  # the second reasonable choice, shown as a robustness check
seed: int = 20061001  # seed of the multiplier bootstrap
title: str = "市町村合併は市町村財政を変えたか：経常収支比率"  # report title
policy: str = "平成の大合併（2006〜2010年度の市町村合併）"  # the policy evaluated, in words

# %%
import pandas as pd
from IPython.display import Markdown, display

from ebpm import catalog, geo, japan, report
from ebpm.estimators.staggered import staggered_did

fiscal = catalog.load(dataset)
record = catalog.load("japan.municipal_changes")  # the change record (for its credit line)
label = {"mean": "前身団体の単純平均", "core": "存続・名称継承団体の値（なければ単純平均）"}
display(
    Markdown(
        f"# {title}\n\n"
        f"平成の大合併のうち **{first_cohort}〜{last_cohort}年度** の合併が、合併した市町村の"
        f"**{outcome_label}** を変えたかを、合併しなかった市町村と比べて推定する"
        "（Callaway–Sant'Anna の staggered DiD）。"
        "データは総務省「地方公共団体の主要財政指標一覧」（2005〜2021年度決算）。"
        "結果は符号にかかわらずそのまま報告する。"
    )
)

# %% [markdown]
# ## パネルの作り方：合併前の値を合併後の境域に組み替える
#
# 合併前の年度には合併後の市町村は存在しない。各年度の市町村コードを、その年度末（翌年3月31日）
# に有効だったコードとして読み、廃置分合の記録（1970年以降）で合併後の境域に対応づけ、
# 前身団体の値を一つにまとめる（`ebpm.japan.harmonize`）。比率は合計できないので、主たる推定では
# 前身団体の値をまとめる方法を下のとおりとし、もう一つの方法で推定がどれだけ動くかを後で示す。

# %%
design = {"to": boundaries, "since": since, "first": first_cohort, "last": last_cohort}
used = japan.merger_panel(fiscal, outcome=outcome, how=ratio_rule, **design)
info = used.attrs["ebpm"]["harmonize"]
units = used.attrs["ebpm"]["cohorts"]  # municipalities by status, left-out ones included
status_ja = {
    "treated": f"{first_cohort}〜{last_cohort}年度に初めて合併（処置群）",
    "never_merged": f"{since[:4]}年4月以降合併なし（比較群）",
    "merged_before": f"{first_cohort}年度より前に合併（パネル開始時点で処置済み、除外）",
    "merged_after": f"{last_cohort}年度より後にも合併（除外）",
}
counts = pd.Series({status_ja[k]: n for k, n in units.items()}, name="市町村数")
display(
    Markdown(
        f"- 組み替え先の境域：{boundaries} 時点の市町村（政令指定都市は市全体、特別区は各区）\n"
        f"- 前身団体の比率のまとめ方：**{label[ratio_rule]}**\n"
        f"- 組み替えで前身団体をまとめた行：{len(info['merged']):,} 行；"
        f"前身団体の一部が欠けた行：{len(info['incomplete']):,} 行\n"
        f"- 推定に使う市町村：{used['code'].nunique():,}（処置群 {units.get('treated', 0)}、"
        f"比較群 {units.get('never_merged', 0)}；北方領土の6村は財政データがない）"
    )
)
display(counts.rename_axis("区分").to_frame())
first_merged = used.drop_duplicates("code").query("cohort > 0")["cohort"]
treated_sizes = first_merged.value_counts().sort_index()
missing_years = [y for y in range(first_cohort, last_cohort + 1) if y not in treated_sizes]
display(
    Markdown(
        f"処置群は **{int(treated_sizes.sum())}団体**（"
        + "、".join(f"{g}年度 {n}" for g, n in treated_sizes.items())
        + "）と少なく、推定の精度は限られる。"
        + (
            "、".join(f"{y}年度" for y in missing_years) + "に初めて合併した市町村はない。"
            if missing_years
            else ""
        )
    )
)

# %% [markdown]
# ## 研究デザイン

# %%
sizes = used.drop_duplicates("code")["cohort"].value_counts().sort_index()
report.design_statement(
    estimand="合併した市町村における合併の平均処置効果 ATT（コーホート×年度の ATT(g,t) を"
    "処置後の市町村・年度について単純平均）、および合併からの経過年数別の効果",
    treatment=f"{first_cohort}〜{last_cohort}年度の新設・編入合併；コーホート＝最初の合併の年度（"
    + "、".join(f"{g}年度 {n}団体" for g, n in sizes.items() if g)
    + "）",
    comparison=f"{since[:4]}年4月以降一度も合併していない市町村（{sizes.get(0, 0)}団体）",
    unit=f"市町村（{boundaries} の境域に組み替え）",
    period=f"{used['fiscal_year'].min()}〜{used['fiscal_year'].max()}年度（決算）",
    identification="合併しなかった場合、合併市町村の指標は比較群と平行に推移したこと（平行トレンド）"
    "と、合併の前年度までに合併の効果が現れないこと（予期なし）。合併は自発的で、財政状況が合併の"
    "判断に影響した可能性があるため、合併前の推移（事前トレンド）を検定する",
    lang="ja",
)

# %% [markdown]
# ## 合併した市町村の地図
#
# 1999年4月1日以降の合併で一つになった前身市町村の数（2021年の境域）。濃い色ほど多くの市町村が
# 合併した。推定の処置群は、このうち2006〜2010年度に初めて合併した市町村である。

# %%
shapes = geo.municipalities(wards=False)
cohorts = japan.merger_cohorts(**design)  # every municipality of the map, left-out ones too
merged_map = shapes.merge(
    cohorts[["code", "n_predecessors"]], on="code", how="left", validate="one_to_one"
)
ax = geo.choropleth(
    merged_map,
    "n_predecessors",
    scheme="user_defined",
    bins=[1, 2, 4, 7, 11, 20],
    title="合併で一つになった市町村の数（1999年4月以降、2021年の市町村）",
    legend_kwds={"title": "前身市町村の数"},
    missing_label="データなし",
)

# %%
treated_list = cohorts[cohorts["status"] == "treated"].merge(
    japan.codes_in_force(boundaries, wards=False)[["code", "pref_name"]], on="code"
)
display(
    treated_list[["code", "pref_name", "name", "cohort", "n_predecessors"]]
    .rename(
        columns={
            "code": "コード",
            "pref_name": "都道府県",
            "name": "市町村",
            "cohort": "最初の合併の年度",
            "n_predecessors": "前身市町村の数",
        }
    )
    .style.hide(axis="index")
)

# %% [markdown]
# ## 処置群と比較群の推移

# %%
group = used["cohort"].map(lambda g: "比較群（合併なし）" if g == 0 else f"{g}年度に合併")
means = used.groupby([group.rename("群"), "fiscal_year"])[outcome].mean().unstack("群")
ax = means.plot(marker="o", ylabel=outcome_label, xlabel="年度", title=f"{outcome_label}の平均")

# %% [markdown]
# ## 推定：合併の平均処置効果

# %%
roles = {"outcome": outcome, "unit": "code", "time": "fiscal_year", "cohort": "cohort"}
result = staggered_did(used, **roles, control_group="never_treated", seed=seed)
report.headline(result, label=f"合併の効果：{outcome_label}", lang="ja")
est = result.glance().iloc[0]
direction = "上昇" if est["estimate"] > 0 else "低下"
display(
    Markdown(
        f"合併した市町村の{outcome_label}は、合併しなかった場合と比べて平均 "
        f"**{est['estimate']:+.2f}** ポイント{direction}したと推定される（95%信頼区間 "
        f"{est['conf_low']:.2f}〜{est['conf_high']:.2f}）。"
        "標準誤差は市町村単位の乗数ブートストラップ。"
    )
)

# %% [markdown]
# ## イベントスタディ（合併からの経過年数別）と事前トレンドの検定

# %%
event = staggered_did(used, **roles, control_group="never_treated", aggregate="event", seed=seed)
display(event.tidy().style.format(precision=3).hide(axis="index"))
pre = result.diagnostics["pretrend"]
display(
    Markdown(
        f"合併前の ATT(g,t) がすべて 0 であることの Wald 検定：χ²({pre['df']}) = "
        f"{pre['statistic']:.2f}、p = {pre['p_value']:.3f}。"
    )
)
ax = event.plot()
_ = ax.set(
    xlabel="合併からの年数（0 = 合併の年度）",
    ylabel=f"{outcome_label}への効果",
    title="イベントスタディ：合併からの経過年数別の効果",
)

# %% [markdown]
# ## 頑健性：比率のまとめ方と比較群
#
# 前身団体の比率をまとめる方法を変えると、合併前の値が変わり、推定も変わりうる。もう一つの合理的な
# 方法（下表）と、比較群に「まだ合併していない市町村」を加えた推定を並べる。

# %%
alt = japan.merger_panel(fiscal, outcome=outcome, how=alternative_rule, **design)
robust_rule = staggered_did(alt, **roles, control_group="never_treated", seed=seed)
robust_nyt = staggered_did(used, **roles, control_group="not_yet_treated", seed=seed)
rows = [
    ("主たる推定", label[ratio_rule], "合併なし", result),
    ("まとめ方を変更", label[alternative_rule], "合併なし", robust_rule),
    ("比較群を変更", label[ratio_rule], "合併なし＋まだ合併していない", robust_nyt),
]
table = pd.DataFrame(
    [
        {
            "推定": name,
            "前身団体の比率のまとめ方": rule,
            "比較群": comp,
            "ATT": r.glance().iloc[0]["estimate"],
            "標準誤差": r.glance().iloc[0]["std_error"],
            "95%信頼区間 下限": r.glance().iloc[0]["conf_low"],
            "95%信頼区間 上限": r.glance().iloc[0]["conf_high"],
        }
        for name, rule, comp, r in rows
    ]
)
display(table.style.format(precision=4).hide(axis="index"))
moved = robust_rule.glance().iloc[0]["estimate"] - est["estimate"]
display(
    Markdown(
        f"まとめ方を「{label[alternative_rule]}」に変えると、推定は **{moved:+.2f}** ポイント動く。"
    )
)

# %% [markdown]
# ## 解釈上の注意
#
# - 合併は自発的な選択であり、財政状況の悪い市町村ほど合併を選んだ可能性がある。事前トレンドの検定と
#   イベントスタディで合併前の差を確認したが、観察されない要因による偏りは否定できない。
# - 2006〜2009年度の合併はいずれも合併新法（2005〜2010年）の下での合併で、
#   旧合併特例法の合併特例債はなく、普通交付税の合併算定替（旧法より短い期間）などが
#   適用された。指標の変化にはこうした財政措置の効果も含まれ、合併そのものの効果と
#   分けられない。
# - 年度末（3月）に合併した市町村（2009年度の多く）では、合併の年度（経過年数0）の
#   決算の大半が合併前の期間にあたる。効果は経過年数1以降で読むのがよい。
# - 合併前の値は前身団体の比率を組み替えたもので、決算を合算して計算し直した値では
#   ない。合併後の比率は歳入の大きい団体ほど重く反映するので、前身団体の単純平均との
#   差がそれだけで合併前後の水準差を生みうる。まとめ方を変えた推定との差は、この影響の
#   大きさの目安である。

# %%
report.footer(fiscal, record, shapes, lang="ja")
