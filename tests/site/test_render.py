"""Published report pages (ebpm.site.render): code toggle, redaction, stderr, errors, figures."""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from ebpm.site import redact_parameters
from ebpm.site.render import error_of, render_html, report_page, strip_ansi

# A 1x1 PNG.
PNG = (
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJg"
    "gg=="
)


def _nb() -> nbformat.NotebookNode:
    code = new_code_cell("secret_sauce = 42\nprint('東京都の結果')")
    code.outputs = [new_output("stream", name="stdout", text="東京都の結果\n")]
    return new_notebook(cells=[new_markdown_cell("# 政策評価 <b>title</b>"), code])


def test_code_is_in_the_page_but_hidden_until_the_toggle() -> None:
    page = report_page(_nb(), title="demo: t")
    assert "secret_sauce" in page  # the code is there, for readers who ask for it
    body = page[page.index("<body") : page.index(">", page.index("<body")) + 1]
    assert "ebpm-hide-code" in body  # ... hidden by default
    assert "body.ebpm-hide-code .jp-CodeCell .jp-Cell-inputWrapper{display:none}" in page
    assert (
        '<button id="ebpm-toggle-code" type="button" aria-pressed="false" data-show="Show code" '
        'data-hide="Hide code">Show code</button>'
    ) in page
    assert '<a href="../../index.html">← all reports</a>' in page
    assert "東京都の結果" in page
    assert '<meta charset="utf-8" />' in page


def test_notice_goes_first_and_about_last() -> None:
    page = report_page(_nb(), title="t", notice="<div id='n'>NOTICE</div>", about="<p>ABOUT</p>")
    assert page.index("NOTICE") < page.index("政策評価") < page.index("ABOUT")
    assert page.rstrip().endswith("</html>")


def test_redaction_covers_the_usual_names() -> None:
    given = {
        "appId": 1,
        "app_id": 2,
        "api_key": 3,
        "key": 4,
        "estat_key": 5,
        "token": 6,
        "password": 7,
        "client_secret": 8,
        "keyword": "人口",
        "monkey": "ok",
        "title": "x",
    }
    shown = redact_parameters(given)
    assert [k for k, v in shown.items() if v == "***"] == [
        "appId",
        "app_id",
        "api_key",
        "key",
        "estat_key",
        "token",
        "password",
        "client_secret",
    ]


def test_a_report_loads_nothing_from_the_network() -> None:
    page = report_page(_nb(), title="t")
    assert "cdnjs" not in page
    assert not re.search(r"<script[^>]*src=\"https?://", page)
    assert not re.search(r"import\(\"https?://", page)
    assert 'id="ebpm-toggle-code"' in page  # ebpm's own script stays


def test_figures_get_alt_text_from_their_heading() -> None:
    png = (
        "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5E"
        "rkJggg=="
    )
    fig = new_code_cell("plot()")
    fig.outputs = [new_output("display_data", data={"image/png": png, "text/plain": "<Figure>"})]
    nb = new_notebook(cells=[new_markdown_cell("## 失業率の地図 <i>1990</i>"), fig])
    page = report_page(nb, title="demo: t")
    assert 'alt="Figure: 失業率の地図 1990"' in page
    assert "No description has been provided" not in page


def test_report_table_refuses_what_is_not_a_table() -> None:
    import pytest

    from ebpm import report

    with pytest.raises(
        TypeError,
        match=r"^report\.table\('患者数'\) takes a DataFrame or the result of "
        r"ebpm\.disclosure\.suppress, not a list; convert it with "
        r"pandas\.DataFrame\(\.\.\.\) first$",
    ):
        report.table([[1, 2]], name="患者数", sensitive=True)


# --- render_html and the errors of a notebook -------------------------------------------------
def _executed_notebook():
    code = new_code_cell(
        'data = catalog.load("studies.prop99")\nprint("visible output")',
        execution_count=1,
        outputs=[
            new_output("stream", name="stdout", text="visible output\n"),
            new_output("stream", name="stderr", text="DeprecationWarning: noisy\n"),
            new_output(
                "stream",
                name="stderr",
                text="/x/did.py:1: FewClustersWarning: only 27 clusters of 'State'\n",
            ),
            new_output(
                "execute_result",
                data={"text/html": "<p>estimate <b>-0.0225</b></p>", "text/plain": "-0.0225"},
                execution_count=1,
            ),
            new_output("display_data", data={"image/png": PNG, "text/plain": "<Figure>"}),
        ],
    )
    return new_notebook(cells=[new_markdown_cell("# Organ donations\n\nThe design."), code])


def test_render_html_hides_code_and_stderr() -> None:
    nb = _executed_notebook()
    page = render_html(nb, title="demo: organ")
    assert "<title>demo: organ</title>" in page
    assert "Organ donations" in page
    assert "The design." in page
    assert "visible output" in page
    assert "<b>-0.0225</b>" in page
    assert "<img" in page
    assert PNG[:40] in page  # the image is embedded, the page stands alone
    assert "catalog.load(" not in page
    assert "studies.prop99" not in page
    assert "noisy" not in page
    # ebpm's own warnings are part of the evidence: a reader must see them, as a note
    assert "<strong>Note:</strong> Only 27 clusters" in page
    assert "FewClustersWarning" not in page
    assert "In&nbsp;[1]" not in page
    assert "Out[1]" not in page


def test_render_html_does_not_change_the_notebook() -> None:
    nb = _executed_notebook()
    render_html(nb, title="changed?")
    assert len(nb.cells[1].outputs) == 5
    assert "title" not in nb.metadata


def test_render_html_can_show_code() -> None:
    page = render_html(_executed_notebook(), show_code=True)
    assert "studies.prop99" in page
    assert "noisy" not in page


def test_error_of_finds_the_first_error_without_colour_codes() -> None:
    tb = ["\x1b[0;31mValueError\x1b[0m Traceback", "\x1b[1;32m----> 2\x1b[0m raise ValueError"]
    nb = new_notebook(
        cells=[
            new_markdown_cell("text"),
            new_code_cell("x = 1", execution_count=1, outputs=[]),
            new_code_cell(
                "raise ValueError('boom')",
                execution_count=2,
                outputs=[new_output("error", ename="ValueError", evalue="boom", traceback=tb)],
            ),
            new_code_cell(
                "raise KeyError('later')",
                outputs=[new_output("error", ename="KeyError", evalue="later", traceback=[])],
            ),
        ]
    )
    assert error_of(nb) == {
        "cell_index": 2,
        "execution_count": 2,
        "source": "raise ValueError('boom')",
        "ename": "ValueError",
        "evalue": "boom",
        "traceback": "ValueError Traceback\n----> 2 raise ValueError",
    }


def test_error_of_a_clean_notebook_is_none() -> None:
    assert error_of(_executed_notebook()) is None


def test_strip_ansi() -> None:
    assert strip_ansi("\x1b[0;31mred\x1b[0m and \x1b[1mbold\x1b[22m") == "red and bold"
    assert strip_ansi("plain [1] text") == "plain [1] text"


def test_a_report_keeps_its_glyph_subset_in_the_sites_font_cache(tmp_path: Path) -> None:
    cache, nb = tmp_path / "_ebpm" / "fonts", _nb()
    page = report_page(nb, title="demo: t", font_cache=cache)
    (subset,) = cache.glob("*.woff")
    assert page == report_page(nb, title="demo: t", font_cache=cache)  # the same page again
    subset.write_bytes(b"wOFF-cached")  # a second page with these glyphs does no font work
    assert "d09GRi1jYWNoZWQ=" in report_page(nb, title="demo: t", font_cache=cache)


def test_highlighted_code_skips_bleach_but_the_page_is_still_sanitized() -> None:
    from ebpm.site.render import _code_not_cleaned, _Highlighted

    calls: list[str] = []
    clean = _code_not_cleaned("clean_html", lambda html: calls.append(html) or "cleaned")
    highlight = _code_not_cleaned("highlight_code", lambda source, **kw: f"<pre>{source}</pre>")
    code = highlight("x &lt; 1", metadata={})
    assert type(code) is _Highlighted
    assert clean(code) == code  # Pygments escaped it: nothing for bleach to do
    assert clean("<p>markdown</p>") == "cleaned"  # everything else is cleaned as before
    assert calls == ["<p>markdown</p>"]
    # what reaches the code's HTML from the notebook's metadata is still sanitized with the page
    nb = _nb()
    nb.metadata["language_info"] = {"name": 'python"><script>alert(1)</script><b x="'}
    with pytest.warns(UserWarning, match="No lexer found"):
        page = report_page(nb, title="t")
    assert "<script>alert" not in page  # only as escaped text in a class name
    assert "secret_sauce" in page
