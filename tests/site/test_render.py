"""Published report pages: code hidden behind a toggle, the about block, redaction, escaping."""

from __future__ import annotations

import re

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from ebpm.site import about_block, redact_parameters
from ebpm.site.render import report_page


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
    assert '<meta charset="utf-8"/>' in page


def test_notice_goes_first_and_about_last() -> None:
    page = report_page(_nb(), title="t", notice="<div id='n'>NOTICE</div>", about="<p>ABOUT</p>")
    assert page.index("NOTICE") < page.index("政策評価") < page.index("ABOUT")
    assert page.rstrip().endswith("</html>")


def test_about_block_escapes_everything_and_hides_secrets() -> None:
    html_text = about_block(
        run_id="R1",
        pipeline="p",
        task="<t>",
        git={"commit": "abc123", "dirty": True},
        versions={"ebpm": "0.1.0", "pandas": None},
        parameters={"title": "<script>alert(1)</script>", "appId": "SECRET-ID", "api_key": "K"},
        datasets=[
            {
                "entry": "estat.x",
                "title": "人口推計",
                "source": "総務省統計局",
                "licence": "政府標準利用規約 2.0 (CC BY 4.0)",
                "attribution": "出典：政府統計の総合窓口(e-Stat)",
                "publisher_updated": "2026-10-31",
                "sha256": "f" * 64,
                "params": {"cdArea": "<13000>", "appId": "SECRET-ID"},
            }
        ],
        downloads={"executed notebook (.ipynb)": "t.ipynb", "result (JSON)": "t.result.json"},
    )
    assert "<script>" not in html_text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html_text
    assert "SECRET-ID" not in html_text
    assert "&quot;appId&quot;: &quot;***&quot;" in html_text
    assert "task <code>&lt;t&gt;</code>" in html_text
    assert "git commit <code>abc123</code> (with uncommitted changes)" in html_text
    assert "ebpm 0.1.0" in html_text
    assert "pandas" not in html_text  # not installed: not listed
    assert "licence: 政府標準利用規約 2.0 (CC BY 4.0)" in html_text
    # the query a dataset was read with, without the appId passed along with it
    assert "query: <code>cdArea=&lt;13000&gt;, appId=***</code>" in html_text
    assert "出典：政府統計の総合窓口(e-Stat)" in html_text
    assert "updated 2026-10-31" in html_text
    assert '<a href="t.ipynb" download>executed notebook (.ipynb)</a>' in html_text


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


def test_about_block_in_japanese_names_the_source_licence_and_query() -> None:
    html_text = about_block(
        run_id="R1",
        pipeline="p",
        task="t",
        git=None,
        versions={},
        parameters={},
        datasets=[
            {
                "entry": "japan.prefecture_indicator",
                "source": "e-Stat",
                "licence": "政府標準利用規約 2.0",
                "params": {"cdCat01": "A4101"},
            }
        ],
        downloads={},
        lang="ja",
    )
    assert (
        "出典：e-Stat; 利用条件：政府標準利用規約 2.0; 条件：<code>cdCat01=A4101</code>"
        in html_text
    )
    assert "source:" not in html_text
