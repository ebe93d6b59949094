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
policy_file: str = "pipelines/policies/prop99.yaml"  # the policy's logic model (ebpm.kpi)
lang: str = ""  # "" follows the site's language (ebpm run --lang), or "en" / "ja"
title: str = ""  # report title (default: the policy's title)

# %%
from IPython.display import HTML, Markdown, display

from ebpm import kpi, report
from ebpm.kpi import dashboard

lang = lang or report.language()
model = kpi.load(policy_file)
kpis = kpi.compute(model)
found = dashboard.evidence(model)
display(HTML(dashboard.heading(model, title=title, lang=lang)))

# %%
display(HTML(dashboard.section("logic_model", lang=lang)))
svg = dashboard.diagram(model, kpis, found, lang=lang)
display(HTML(dashboard.scrollable(svg)))

# %%
display(HTML(dashboard.section("evidence", lang=lang)))
display(HTML(dashboard.evidence_table(model, found, lang=lang)))

# %%
display(HTML(dashboard.section("kpis", lang=lang)))
dashboard.show_followup(kpis, lang=lang)
fig = dashboard.plot_kpis(model, kpis, lang=lang)

# %%
display(HTML(dashboard.section("changes", lang=lang)))
display(Markdown(dashboard.changes_since(kpis, dashboard.previous_followup(), lang=lang)))

# %%
report.footer(*dashboard.sources(model, kpis, found), lang=lang)
