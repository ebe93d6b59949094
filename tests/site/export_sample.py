"""A small executed notebook for the export tests: a Japanese title, markdown with emphasis and
TeX, a DataFrame table, an ebpm warning on stderr, a figure, a bare repr and a data footer."""

from __future__ import annotations

import base64
import io
from typing import Any

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from ebpm._protocol import PROVENANCE_MIME
from ebpm.site.export import Document, document

TITLE = "持ち家率の地域分布 / Home ownership, 1990"
TABLE_HTML = """<div><style scoped>.dataframe th {text-align: right;}</style>
<table border="1" class="dataframe">
  <thead>
    <tr style="text-align: right;"><th></th><th>units</th><th>mean</th><th>median</th></tr>
    <tr><th>prefecture</th><th></th><th></th><th></th></tr>
  </thead>
  <tbody>
    <tr><th>13 東京都</th><td>55</td><td>0.455123456</td><td>0.415</td></tr>
    <tr><th>14 神奈川県</th><td>48</td><td>0.547</td><td>0.521</td></tr>
  </tbody>
</table></div>"""
WARNING = (
    "/tmp/ipykernel_1/2.py:3: FewClustersWarning: did(): only 4 clusters; standard errors "
    "may be too small; use vcov='wild' for few clusters\n"
)
DATASET = {
    "entry": "geo.tokyo_municipalities",
    "title": "東京大都市圏の市区町村 1990",
    "source": "libpysal (PyPI)",
    "licence": "BSD-3-Clause",
    "attribution": "出典：政府統計の総合窓口(e-Stat)",
    "package": "libpysal",
    "package_version": "4.14.1",
    "sha256": "ff1be7961aeb1fd1",
    "params": {"appId": "SECRET-ID", "cdArea": "13000"},
}


def png() -> bytes:
    """A real figure (matplotlib, Agg): a red bar chart, 300 x 200 pixels."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(3, 2), dpi=100)
    ax.bar(["a", "b"], [1, 2], color="#d62728")
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    plt.close(fig)
    return buf.getvalue()


def notebook() -> Any:
    """The executed notebook."""
    image = base64.b64encode(png()).decode("ascii")
    cells = [
        new_code_cell("x = 1", metadata={"tags": ["parameters"]}),
        new_markdown_cell(
            f"# {TITLE}\n\nThe **262 municipalities** (市区町村) in *1990*, see `tokyo`; "
            "the ratio is $y_i / x_i$.\n\n- first point\n- second **bold** point\n"
        ),
        new_markdown_cell("## Summary by region"),
        new_code_cell(
            "summary",
            outputs=[
                new_output("stream", name="stderr", text=WARNING + "tqdm noise\n"),
                new_output("display_data", data={"text/html": TABLE_HTML, "text/plain": "df"}),
            ],
        ),
        new_markdown_cell("## Map"),
        new_code_cell(
            "ax = plot()",
            outputs=[
                new_output("display_data", data={"image/png": image, "text/plain": "<Figure>"}),
                new_output(
                    "execute_result",
                    data={"text/plain": "Text(0.5, 1.0, 'title')"},
                    execution_count=3,
                ),
            ],
        ),
        new_code_cell(
            "report.footer(data)",
            outputs=[
                new_output(
                    "display_data",
                    data={
                        PROVENANCE_MIME: {"datasets": []},
                        "text/html": "<footer class='ebpm-footer'>Run footer</footer>",
                    },
                )
            ],
        ),
    ]
    return nbformat.from_dict(new_notebook(cells=cells))


def sample(lang: str = "en") -> Document:
    """The notebook as a document, with the facts of a run."""
    return document(
        notebook(),
        run_id="20261207T135518Z-705b",
        pipeline="demo",
        task="tokyo_profile-OWNH",
        git={"commit": "788c249e", "dirty": False},
        versions={"python": "3.11.7", "ebpm": "0.1.0"},
        parameters={"indicator": "OWNH", "api_key": "do-not-print"},
        datasets=[DATASET],
        lang=lang,
    )


#: A small logic model, Japanese labels included, drawn by ebpm.kpi.diagram as the KPI
#: dashboard draws it (inline SVG, class ``ebpm-logic-model``).
LOGIC_MODEL_TITLE = "Proposition 99 / 提案99号"
_NODES = [
    {"id": "tax", "kind": "input", "label": "25-cent tax on each pack (1989)"},
    {"id": "media", "kind": "activity", "label": "反喫煙メディアキャンペーン"},
    {"id": "sales", "kind": "short_term_outcome", "label": "Cigarette sales fall"},
    {"id": "health", "kind": "impact", "label": "喫煙関連死亡の減少"},
]
_LINKS = [
    {"source": "tax", "target": "media", "evidence": None},
    {"source": "media", "target": "sales", "evidence": None},
    {"source": "sales", "target": "health", "evidence": None},
]


def logic_model_svg() -> str:
    """The logic model's ``<svg>`` element."""
    from ebpm.kpi.diagram import logic_model_svg as draw

    return draw(_NODES, _LINKS, title=LOGIC_MODEL_TITLE)


def logic_model_html() -> str:
    """The diagram as the dashboard shows it: inside a scrolling ``<div>``."""
    return f'<div class="ebpm-scroll">{logic_model_svg()}</div>'


def pixels(png: bytes) -> Any:
    """A PNG as an array of grey levels (0 black, 255 white)."""
    import numpy as np
    from PIL import Image as PILImage

    return np.asarray(PILImage.open(io.BytesIO(png)).convert("L"), dtype=float)
