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

# %% [markdown]
# ## What is mapped

# %%
values = gdf[indicator]
display(
    Markdown(
        f"**{indicator_label}** (`{indicator}`) for {len(gdf)} {level} units "
        f"({int(values.notna().sum())} with a value). Classes: {scheme}, k = {k}. "
        "Spatial clustering is tested with Moran's I on contiguity (queen) weights, "
        "row-standardised; units without a land neighbour are linked to their nearest unit. "
        "This is a description of where values are high or low, not a causal estimate."
    )
)
display(values.describe().to_frame(indicator_label).T.round(3))

# %% [markdown]
# ## Map

# %%
ax = geo.choropleth(gdf, indicator, scheme=scheme, k=k, title=indicator_label)

# %% [markdown]
# ## Summary by region

# %%
if group is not None and group in gdf.columns:
    summary = (
        gdf.groupby(group)[indicator]
        .agg(units="count", mean="mean", median="median", min="min", max="max")
        .round(3)
    )
    if group in ("pref_code", "prefecture_code"):
        summary.index = [f"{c} {japan.prefecture_name(c)}" for c in summary.index]
    display(summary)

# %% [markdown]
# ## Is the pattern spatially clustered? Global Moran's I

# %%
result = geo.moran(gdf, indicator, permutations=permutations, seed=seed, connect_islands=True)
report.headline(result, label=f"Moran's I, {indicator_label}")

# %%
ax = result.plot()

# %% [markdown]
# ## Where are the clusters? Local Moran (LISA)
#
# HH: high values surrounded by high values; LL: low among low; HL and LH: outliers. p-values
# are permutation p-values, not adjusted for testing every unit.

# %%
local = geo.lisa(gdf, indicator, permutations=permutations, seed=seed, connect_islands=True)
ax = local.plot(title=f"LISA: {indicator_label}")
display(local.counts().to_frame("units"))

# %%
report.footer(*sources)
