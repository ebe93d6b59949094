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
dataset: str = "geo.tokyo_municipalities"  # catalog entry: a map with indicators, or a table
indicator: str = "UNEMP"  # numeric column to map and test for spatial clustering
indicator_label: str = "Unemployment rate, 1990"  # how the indicator is named in the report
level: str = "municipality"  # what one row is: "prefecture" or "municipality"
code: str | None = None  # code column to join a plain table to geometry (None: dataset is a map)
group: str | None = "pref_code"  # column for the summary by region (None: no summary)
scheme: str = "quantiles"  # map classes: quantiles, equal_interval, natural_breaks, ...
k: int = 5  # number of classes on the map
permutations: int = 999  # permutations for Moran's I and LISA p-values
seed: int = 20261126  # seed of the permutations (same seed, same p-values)
title: str = "Unemployment in the Tokyo area, 1990"  # report title

# %%
from IPython.display import Markdown, display

from ebpm import catalog, geo, japan, report

lang = report.language()  # the site's language (ebpm run --lang): "en" or "ja"
ja = lang == "ja"
# Japanese names of the tables' columns (English: as in the code)
words = {
    "units": "単位数",
    "count": "件数",
    "mean": "平均",
    "std": "標準偏差",
    "median": "中央値",
    "min": "最小",
    "max": "最大",
}
words = words if ja else {}
data = catalog.load(dataset)
info = catalog.describe(dataset)
sources = [data]
if code is None:
    gdf = data
else:  # a table of codes and values: put it on the map, listing rows that do not match
    extra = [group] if group is not None and group not in data.columns else None
    shapes = geo.prefectures() if level == "prefecture" else None  # None: N03, by prefecture
    gdf = geo.attach(data, code=code, level=level, columns=extra, geometry=shapes)
    if shapes is not None:
        sources.append(shapes)  # the map's own source and licence go in the footer too
display(Markdown(f"# {title}\n\n{info.description}"))

# %%
report.say(en="## What is mapped", ja="## 地図に示す指標")
values = gdf[indicator]
n_values = int(values.notna().sum())
level_ja = {"prefecture": "都道府県", "municipality": "市区町村"}.get(level, level)
scheme_ja = {"quantiles": "分位数", "equal_interval": "等間隔", "natural_breaks": "自然分類"}
report.say(
    en=f"**{indicator_label}** (`{indicator}`) for {len(gdf)} {level} units "
    f"({n_values} with a value). Classes: {scheme}, k = {k}. "
    "Spatial clustering is tested with Moran's I on contiguity (queen) weights, "
    "row-standardised; units without a land neighbour are linked to their nearest unit. "
    "This is a description of where values are high or low, not a causal estimate.",
    ja=f"**{indicator_label}**（`{indicator}`）、{len(gdf)} {level_ja}（うち値のあるもの "
    f"{n_values}）。階級区分：{scheme_ja.get(scheme, scheme)}、k = {k}。"
    "空間的な集積は、隣接関係（クイーン型）に基づく行基準化した空間重みによる Moran's I で"
    "検定する。陸続きの隣接単位がない単位は、最も近い単位と結ぶ。これは値の高い地域・低い地域の"
    "記述であり、因果効果の推定ではない。",
)
display(values.describe().to_frame(indicator_label).T.rename(columns=words).round(3))

# %%
report.say(en="## Map", ja="## 地図")
ax = geo.choropleth(gdf, indicator, scheme=scheme, k=k, title=indicator_label)

# %%
report.say(en="## Summary by region", ja="## 地域別の要約")
if group is not None and group in gdf.columns:
    summary = (
        gdf.groupby(group)[indicator]
        .agg(units="count", mean="mean", median="median", min="min", max="max")
        .rename(columns=words)
        .round(3)
    )
    if group in ("pref_code", "prefecture_code"):
        summary.index = [f"{c} {japan.prefecture_name(c)}" for c in summary.index]
    display(summary)

# %%
report.say(
    en="## Is the pattern spatially clustered? Global Moran's I",
    ja="## 空間的に集積しているか：大域的 Moran's I",
)
result = geo.moran(gdf, indicator, permutations=permutations, seed=seed, connect_islands=True)
label = {"en": f"Moran's I, {indicator_label}", "ja": f"Moran's I：{indicator_label}"}
report.headline(result, label=label[lang])

# %%
ax = result.plot()

# %%
report.say(
    en="## Where are the clusters? Local Moran (LISA)\n\n"
    "HH: high values surrounded by high values; LL: low among low; HL and LH: outliers. "
    "p-values are permutation p-values, not adjusted for testing every unit.",
    ja="## どこに集積しているか：局所 Moran（LISA）\n\n"
    "HH：高い値が高い値に囲まれている地域、LL：低い値が低い値に囲まれている地域、"
    "HL・LH：周囲と異なる外れ値。p 値は並べ替え検定によるもので、全単位を検定することによる"
    "多重性の調整はしていない。",
)
local = geo.lisa(gdf, indicator, permutations=permutations, seed=seed, connect_islands=True)
lisa_title = {"en": f"LISA: {indicator_label}", "ja": f"LISA クラスター：{indicator_label}"}
ax = local.plot(title=lisa_title[lang])
display(local.counts().to_frame(words.get("units", "units")))

# %%
report.footer(*sources)
