"""No script reaches a published page: what a notebook shows is sanitized (ebpm.site.sanitize),
while figures, tables, inline SVG, MathML and the page's own code toggle keep working."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from ebpm.pipeline.runner import run_pipeline
from ebpm.site.render import report_page
from ebpm.site.sanitize import sanitize_html

#: What must never reach a published page.
SCRIPT = ("<script>alert", "onerror=", "onload=", "onclick=", "javascript:")

#: A notebook whose every way of showing something carries script: a parameter shown through
#: display(Markdown(...)) (as notebooks/did.py shows `title`), a catalog entry's description,
#: the analyst's own markdown, a pandas Styler table and inline SVG. It also shows what must
#: survive: a figure, a table, math and a headline estimate.
NOTEBOOK = """\
# %% tags=["parameters"]
title: str = "A report"  # the report's heading
dataset: str = "t.evil"  # a catalog entry, for its description

# %% [markdown]
# ## Method <img src=x onerror=alert(1)>
#
# See [the protocol](javascript:alert(1)) and $\\hat{\\tau} = \\frac{1}{N}\\sum_i Y_i$.

# %%
import matplotlib.pyplot as plt
import pandas as pd
from IPython.display import HTML, Markdown, display

from ebpm import catalog

info = catalog.describe(dataset)
display(Markdown(f"# {title}\\n\\n{info.description}"))

# %%
frame = pd.DataFrame({"region": ["<script>alert(3)</script>", "北海道"], "rate": [1.5, 2.5]})
display(frame.style.highlight_max(subset=["rate"], color="#ffe08a"))
on = "on"  # the shown code must not hold the very words the test looks for in the page
display(HTML(
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10" width="40" height="40" '
    f'{on}load="alert(4)" class="drawn"><circle cx="5" cy="5" r="4" fill="#0072B2"/></svg>'
))

# %%
fig, ax = plt.subplots(figsize=(2, 2))
ax.plot([1, 2, 3], [1, 4, 9])
display(fig)
plt.close(fig)
display(
    {
        "text/plain": "estimate: 1.0",
        "application/vnd.ebpm.result+json": {
            "headline": {"estimate": 1.0, "std_error": 0.1, "conf_low": 0.8, "conf_high": 1.2},
            "estimand": "mean",
            "label": "probe",
        },
    },
    raw=True,
)
"""

CATALOG = """\
entries:
  evil:
    reader: ebpm.catalog.files:RemoteTable
    kwargs: {url: 'http://127.0.0.1:9/never-read.csv'}
    metadata:
      title: An entry with script in its description
      description: >-
        Counts by region. <script>alert(2)</script><a href='javascript:alert(5)'>more</a>
"""


def _project(root: Path) -> Path:
    (root / "notebooks").mkdir(parents=True)
    (root / "pipelines").mkdir()
    (root / "catalogs").mkdir()
    (root / "notebooks" / "report.py").write_text(NOTEBOOK, encoding="utf-8")
    (root / "catalogs" / "t.yaml").write_text(CATALOG, encoding="utf-8")
    title = "<script>alert('title')</script>Rates"
    task = {"name": "r", "notebook": "notebooks/report.py", "parameters": {"title": title}}
    spec = root / "pipelines" / "p.yaml"
    spec.write_text("name: p\ntasks:\n  - " + json.dumps(task) + "\n", encoding="utf-8")
    return spec


@pytest.fixture(scope="module")
def published(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    root = tmp_path_factory.mktemp("sanitize")
    spec = _project(root)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("EBPM_CATALOG_DIR", str(root / "catalogs"))
        result = run_pipeline(spec, out_dir=root, jobs=1)
    (task,) = result.tasks
    assert task.status == "ok", task.reason
    page = (root / "site" / "reports" / "p" / "r.html").read_text(encoding="utf-8")
    return {"root": root, "page": page}


@pytest.mark.slow
def test_no_script_from_a_notebook_reaches_the_published_pages(published) -> None:
    root = published["root"]
    pages = sorted((root / "site").rglob("*.html"))
    assert pages
    for path in [*pages, *sorted((root / "runs").rglob("*.html"))]:
        text = path.read_text(encoding="utf-8")
        for bad in SCRIPT:
            assert bad not in text, (path, bad)
    page = published["page"]
    # every one was in what the notebook showed: the test shows what it claims
    (executed,) = (root / "runs" / "p").glob("*/r.ipynb")
    outputs = json.dumps(
        [c.get("outputs") for c in json.loads(executed.read_text("utf-8"))["cells"]],
        ensure_ascii=False,
    )
    for bad in ("<script>alert(2)", "<script>alert(3)", 'onload=\\"alert(4)'):
        assert bad in outputs, bad
    assert "Counts by region." in page  # the description's text stays
    assert "Rates" in page  # ... and the title's


@pytest.mark.slow
def test_figures_tables_math_svg_and_the_toggle_survive(published) -> None:
    page = published["page"]
    assert re.search(r'<img [^>]*src="data:image/png;base64,', page)  # the figure
    assert page.count("<table") >= 1
    assert "北海道" in page  # a cell of the Styler table
    assert "background-color: #ffe08a" in page  # ... with its style block
    assert "<math" in page
    assert "<mfrac>" in page
    (svg,) = re.findall(r"<svg [^>]*>", page)
    assert 'viewBox="0 0 10 10"' in svg
    assert 'class="drawn"' in svg
    assert '<circle cx="5" cy="5" r="4" fill="#0072B2">' in page
    assert '<button id="ebpm-toggle-code"' in page
    assert "document.getElementById('ebpm-toggle-code')" in page  # ebpm's own script stays
    assert '<a href="../../index.html">' in page


# --- the sanitizer on its own -----------------------------------------------------------------
@pytest.mark.parametrize(
    ("given", "kept", "gone"),
    [
        ('<a href=" JaVa\tscript:alert(1)">x</a>', "<a", "script"),
        ('<a href="vbscript:msgbox(1)">x</a>', "<a", "vbscript"),
        ('<a href="data:text/html,<b>x</b>">x</a>', "<a", "data:"),
        ('<img src="data:text/html;base64,PHNjcmlwdD4=">', "<img", "data:"),
        ('<b onmouseover="alert(1)">b</b>', "<b>b</b>", "onmouseover"),
        ('<iframe srcdoc="<script>alert(1)</script>"></iframe>x', "x", "iframe"),
        ('<math><mi href="javascript:alert(1)">y</mi></math>', "<mi>y</mi>", "href"),
        ('<svg><a href="javascript:alert(1)"><text>t</text></a></svg>', "<text>t</text>", "href"),
        ('<svg><path d="M0 0" fill="url(http://x/y)"/></svg>', "<path", "url("),
        ('<svg><path d="M0 0" marker-end="url(#m)"/></svg>', 'marker-end="url(#m)"', "http"),
        ('<p style="background:url(http://x/y)">p</p>', "<p>p</p>", "url("),
        ('<div id="ebpm-toggle-code">d</div>', "<div>d</div>", "ebpm-toggle-code"),
        ("<form action='https://x'><input autofocus onfocus=alert(1)></form>", "", "input"),
    ],
)
def test_the_allow_list(given: str, kept: str, gone: str) -> None:
    out = sanitize_html(given)
    assert kept in out
    assert gone not in out


def test_style_blocks_stay_only_when_they_fetch_nothing() -> None:
    kept = "<style>#T_1_row0_col0 { background-color: yellow; }</style>"
    assert sanitize_html(kept) == kept
    for css in (
        "@import 'https://x/y.css';",
        "td { background: url(https://x/y.png) }",
        "td { width: expression(alert(1)) }",
        "td { background: u\\72l(https://x/y.png) }",
    ):
        assert "<style" not in sanitize_html(f"<style>{css}</style><p>p</p>"), css


def test_data_urls_are_kept_only_as_images() -> None:
    png = '<img src="data:image/png;base64,iVBORw0KGgo=" alt="Figure">'
    svg = '<img src="data:image/svg+xml;base64,PHN2Zz4=" alt="Figure">'
    assert sanitize_html(png) == png
    assert sanitize_html(svg) == svg


#: A figure's base64, long enough to be held out of the parser, with CSS's words in it.
_B64 = "QUJD" * 20 + "ZXhwcmVzc2lvbmphdmFzY3JpcHR1cmw" + "expressionjavascripturl+/" * 3 + "=="

HELD_OUT = [
    f'<p>x</p><img src="data:image/png;base64,{_B64}" alt="Figure">',
    f'<img alt="a" src="data:image/jpeg;base64,{_B64}"><img src="data:image/gif;base64,{_B64}">',
    f'<img onerror="alert(1)" src="data:image/png;base64,{_B64}">',  # the handler goes
    f'<a href="data:image/png;base64,{_B64}">x</a>',  # not an <img src>: dropped as before
    f'<img src="data:image/svg+xml;base64,{_B64}">',  # not held; kept as before
    f'<style>p{{color:red}} <img src="data:image/png;base64,{_B64}"></style><p>after</p>',
    f"<p style='x <img src=\"data:image/png;base64,{_B64}\">'>s</p>",
    f'<img title=\'<img src="data:image/png;base64,{_B64}">\' src="x.png">',
    f'<img src="data:image/png;base64,{_B64}" data-x="ebpm0i0x">',  # a look-alike marker
    f'<script><img src="data:image/png;base64,{_B64}"></script>',
    f'<svg><image href="data:image/png;base64,{_B64}"/></svg>',
    f'<img src="data:image/png;base64,{_B64}',  # cut short
]


@pytest.mark.parametrize("fragment", HELD_OUT)
def test_figures_held_out_of_the_parser_change_nothing(fragment: str) -> None:
    from ebpm.site import sanitize

    assert sanitize.sanitize_html(fragment) == sanitize._clean(fragment)
    assert sanitize._HOLD_TOKEN not in sanitize.sanitize_html(fragment)


def test_a_page_of_figures_is_sanitized_as_without_holding_them() -> None:
    from ebpm.site import sanitize

    figures = "".join(
        f'<h2>図{i}</h2><img src="data:image/png;base64,{_B64 * (i + 1)}" alt="図{i}">'
        for i in range(12)
    )
    page = figures + '<p onclick="x()">t</p><script>alert(1)</script>'
    assert sanitize.sanitize_html(page) == sanitize._clean(page)
    assert sanitize.sanitize_html(page).count(_B64) == sum(range(1, 13))


def test_a_page_without_a_body_is_not_published(monkeypatch: pytest.MonkeyPatch) -> None:
    from ebpm.site import render

    class NoBody:
        def from_notebook_node(self, nb: Any) -> tuple[str, dict[str, Any]]:
            return "<html><head></head><main><script>alert(1)</script></main></html>", {}

    monkeypatch.setattr(render, "_exporter", lambda show_code: NoBody())
    nb = new_notebook(cells=[new_markdown_cell("# t")])
    with pytest.raises(
        RuntimeError,
        match=r"^nbconvert \S+ wrote a page without a <body> tag, so the notebook's content "
        r"cannot be told from the page around it and sanitized before it is published; "
        r"nothing was published\. Install an nbconvert",
    ):
        report_page(nb, title="t")


def test_an_output_that_closes_the_page_early_is_sanitized_too() -> None:
    # nbconvert re-serializes its page (BeautifulSoup): what follows a </main></body> in an
    # output lands after nbconvert's </main>, and must be sanitized there as well
    cell = new_code_cell("x")
    cell.outputs = [
        new_output(
            "display_data",
            data={"text/html": "<b>x</b></main></body></html><script>alert(1)</script>"},
        ),
        new_output("display_data", data={"application/javascript": "alert(2)"}),
    ]
    page = report_page(new_notebook(cells=[cell]), title="t")
    assert "alert(1)" not in page
    assert "alert(2)" not in page
    assert page.count("</body>") == 1
    assert page.index("<b>x</b>") < page.index("document.getElementById('ebpm-toggle-code')")


def test_a_widget_state_brings_no_script() -> None:
    nb = new_notebook(cells=[new_markdown_cell("# t")])
    nb.metadata["widgets"] = {
        "application/vnd.jupyter.widget-state+json": {"state": {}, "version_major": 2}
    }
    page = report_page(nb, title="t")
    assert "widget-state" not in page
    assert "html-manager" not in page  # nbconvert's loader of widgets from a CDN
