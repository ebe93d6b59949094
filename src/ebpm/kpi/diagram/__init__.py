"""A policy logic model drawn as a standalone, accessible SVG, and as a text outline.

A logic model ties a policy's inputs to its activities, outputs, outcomes and impact. This module
draws one for a static report page (no JavaScript, no network, no fonts to fetch) from plain
data, so it does not depend on how the model was loaded::

    nodes = [
        {"id": "tax", "kind": "input", "label": "25-cent tax on each pack (1989)"},
        {"id": "sales", "kind": "short_term_outcome", "label": "Cigarette sales fall",
         "kpis": [{"name": "Packs per capita", "status": "on track"}]},
    ]
    links = [
        {"source": "tax", "target": "sales",
         "evidence": {"label": "Synthetic control", "estimate": -19.6, "low": -30.1,
                      "high": -9.2, "status": "ok", "expected": "decrease"}},
    ]
    svg = logic_model_svg(nodes, links, title="Proposition 99", lang="en")

Layout
------
One column per kind present, in the order of :data:`KINDS` (left to right), headed by the kind's
name. Links that skip columns pass through a reserved slot in every column they cross (the
"dummy node" of layered graph drawing), so no line runs through a box. Within a column, nodes are
ordered by alternating barycentre sweeps, keeping the order with the fewest crossings, then
placed close to the mean height of their neighbours (isotonic regression keeps the order and the
gaps). A link from a later column to an earlier one leaves its source on the left, runs in a lane
below all boxes and enters its target from the left; a link within a column is a bracket in the
gap left of that column. Everything is deterministic: the same input gives the same bytes.

Text width is estimated, not measured (the reader's font is unknown): East Asian wide and
fullwidth characters count as two units (1 em), other characters by class, calibrated on DejaVu
Sans, a wide Latin font, so labels rarely overflow. Labels wrap at spaces and between East Asian
characters, with the basic Japanese line-breaking rules (no line starts with 。 or 」, none ends
with 「).

Colour follows the Okabe–Ito palette (safe for the common colour-vision deficiencies) and never
carries meaning alone: every status is also written out and marked ✓ (on track), ! (warn),
✗ (failed, off track) or – (not evaluated, no data). A link with evidence shows its verdict
(:func:`ebpm.kpi.verdict`): ✓ supports, ? inconclusive, ✗ contradicts or – ran (no interval),
with a warning of the evaluation beside it.
"""

# Besides the public names: check_lang and FONT_FAMILY, which callers took from here, and the
# tests' handles on text measuring and the box geometry (_em, _wrap, _BOX_W, ...).
from ebpm._lang import check_lang as check_lang
from ebpm.kpi.diagram._describe import logic_model_text
from ebpm.kpi.diagram._style import _BOX_PAD_X as _BOX_PAD_X
from ebpm.kpi.diagram._style import _BOX_W as _BOX_W
from ebpm.kpi.diagram._style import _LABEL_FS as _LABEL_FS
from ebpm.kpi.diagram._style import FONT_FAMILY as FONT_FAMILY
from ebpm.kpi.diagram._style import STATUSES, VERDICT_CLASS
from ebpm.kpi.diagram._svg import logic_model_svg
from ebpm.kpi.diagram._text import _em as _em
from ebpm.kpi.diagram._text import _estimate_text as _estimate_text
from ebpm.kpi.diagram._text import _text_width as _text_width
from ebpm.kpi.diagram._text import _wrap as _wrap
from ebpm.kpi.model import KINDS

__all__ = ["KINDS", "STATUSES", "VERDICT_CLASS", "logic_model_svg", "logic_model_text"]
