"""Tests of the site's pages (ebpm.site.pages): the frame, its words, the about block, failures."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from ebpm import site
from ebpm.errors import InvalidOptionError
from ebpm.report import fonts
from ebpm.site import about_block
from ebpm.site.pages import WORDS, page, words

ERROR = {
    "cell_index": 3,
    "execution_count": 2,
    "source": 'if fail:\n    raise ValueError(f"boom: {x}")',
    "ename": "ValueError",
    "evalue": "boom: <x>",
    "traceback": "Traceback (most recent call last)\nValueError: boom: <x>",
}


# --- the frame and its words ------------------------------------------------------------------
def test_words_in_each_language() -> None:
    assert words("en")["title"] == "Policy evaluations"
    assert words("ja")["title"] == "政策評価の一覧"
    assert set(WORDS["en"]) == set(WORDS["ja"])  # every word has its translation


def test_words_refuse_a_language_the_site_does_not_speak() -> None:
    with pytest.raises(
        InvalidOptionError, match=r"^lang='fr' is not supported\. Choose one of: 'en', 'ja'\.$"
    ):
        words("fr")


def test_page_escapes_the_title_and_keeps_the_body() -> None:
    text = page("a <b> & c", "<p>body</p>", "en")
    assert text.startswith('<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">')
    assert "<title>a &lt;b&gt; &amp; c</title>" in text
    assert text.endswith("<body><p>body</p></body></html>\n")
    assert "@font-face" not in text  # nothing Japanese: no font embedded


def test_page_embeds_japanese_glyphs_through_the_font_cache(tmp_path: Path) -> None:
    first = page("東京", "<p>都</p>", "ja", font_cache=tmp_path)
    assert '<html lang="ja">' in first
    assert "@font-face" in first
    assert len(list(tmp_path.glob("*.woff"))) == 1
    assert page("都", "<p>東京</p>", "ja", font_cache=tmp_path).count("@font-face") == 1
    assert len(list(tmp_path.glob("*.woff"))) == 1  # the same characters: the cached subset


def test_every_site_page_uses_the_stack_with_the_embedded_font_last(tmp_path: Path) -> None:
    text = site.failure_page(
        pipeline="p",
        task="t",
        run_id="r1",
        notebook="nb.py",
        parameters={},
        error=None,
        reason="失敗",
        last_good=None,
        executed_notebook=None,
    )
    assert '"ebpm-ja",sans-serif' in text
    assert "@font-face" in text
    stack = fonts.FONT_STACK.split(",")
    assert stack.index('"ebpm-ja"') == len(stack) - 2  # readers' own Japanese fonts first


# --- the about block ----------------------------------------------------------------------------
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
                "publisher_updated": "2025-06-20",
            }
        ],
        downloads={},
        lang="ja",
    )
    assert (
        "出典：e-Stat; 利用条件：政府標準利用規約 2.0; 条件：<code>cdCat01=A4101</code>"
        in html_text
    )
    assert "2025-06-20 更新" in html_text  # the data's vintage in the page's language
    assert "source:" not in html_text
    assert "updated" not in html_text


def test_about_block_with_nothing_recorded() -> None:
    html_text = about_block(
        run_id="R",
        pipeline="p",
        task="t",
        git=None,
        versions={},
        parameters={},
        datasets=[],
        downloads={},
    )
    assert html_text == (
        '<footer class="ebpm-about"><h2>About this report</h2><dl>'
        "<dt>Run</dt><dd><code>R</code> of pipeline <code>p</code>, task <code>t</code></dd>"
        "<dt>Code</dt><dd>git commit <code>unknown</code></dd>"
        "<dt>Software</dt><dd></dd>"
        "<dt>Parameters</dt><dd><pre>{}</pre></dd>"
        "<dt>Data</dt><dd><ul><li>none recorded</li></ul></dd>"
        "<dt>Downloads</dt><dd>–</dd></dl></footer>"
    )


# --- failure pages ----------------------------------------------------------------------------
def test_failure_page_shows_cell_error_parameters_and_last_good_report() -> None:
    text = site.failure_page(
        pipeline="demo",
        task="organ",
        run_id="r2",
        notebook="notebooks/did.py",
        parameters={"fail": True, "title": "東京"},
        error=ERROR,
        reason="cell In [3] raised ValueError: boom: <x>",
        last_good="reports/demo/organ.html",
        executed_notebook="runs/demo/r2/organ.ipynb",
    )
    assert "<title>organ failed</title>" in text
    assert '<a href="../../index.html">← all reports</a>' in text
    assert "<h1>organ failed</h1>" in text
    assert (
        "Pipeline <code>demo</code>, run <code>r2</code>, notebook <code>notebooks/did.py" in text
    )
    assert "<strong>cell In [3] raised ValueError: boom: &lt;x&gt;</strong>" in text
    assert (
        "Failing cell (In [2], cell 4 of the notebook):</p>"
        "<pre>if fail:\n    raise ValueError(f&quot;boom: {x}&quot;)" in text
    )
    assert "<code>ValueError: boom: &lt;x&gt;</code>" in text
    assert "<summary>Traceback</summary><pre>Traceback (most recent call last)" in text
    assert '"fail": true' in text.replace("&quot;", '"')
    assert "東京" in text  # parameters are not \u-escaped
    assert "<code>runs/demo/r2/organ.ipynb</code>" in text
    assert '<a href="../../reports/demo/organ.html">reports/demo/organ.html</a>' in text
    assert "no earlier good report" not in text
    assert "<x>" not in text


def test_failure_page_without_error_details_or_earlier_report() -> None:
    text = site.failure_page(
        pipeline="demo",
        task="organ",
        run_id="r1",
        notebook="notebooks/did.py",
        parameters={},
        error=None,
        reason="NoSuchKernel: No such kernel named nope",
        last_good=None,
        executed_notebook=None,
    )
    assert "<strong>NoSuchKernel: No such kernel named nope</strong>" in text
    assert "Failing cell" not in text
    assert "Traceback" not in text
    assert "executed notebook" not in text
    assert "This task has no earlier good report." in text


def test_failure_page_in_japanese() -> None:
    text = site.failure_page(
        pipeline="demo",
        task="its",
        run_id="r9",
        notebook="notebooks/its.py",
        parameters={"token": "s3cret", "x": 1},
        error={
            "cell_index": 2,
            "execution_count": 5,
            "source": "1/0",
            "ename": "ZeroDivisionError",
            "evalue": "division by zero",
            "traceback": "Traceback ...",
        },
        reason="the notebook raised an error",
        last_good="reports/demo/its.html",
        executed_notebook="runs/demo/r9/its.ipynb",
        lang="ja",
    )
    assert '<html lang="ja">' in text
    assert "its の実行に失敗しました" in text
    assert "失敗したセル（In [5]、ノートブックの 3 番目のセル）:" in text
    assert "トレースバック" in text
    assert "直近の正常なレポートは引き続き公開されています" in text
    assert "s3cret" not in text
    assert 'href="../../history/demo/its.html"' in text


def test_failure_page_hides_secrets_escapes_names_and_marks_an_unrun_cell() -> None:
    text = site.failure_page(
        pipeline="p<1>",
        task='t"2',
        run_id="r1",
        notebook="nb.py",
        parameters={"api_key": "K-123", "password": "hunter2", "n": 3},
        error={**ERROR, "execution_count": None, "cell_index": 0},
        reason="boom",
        last_good=None,
        executed_notebook=None,
    )
    assert "K-123" not in text
    assert "hunter2" not in text
    params = re.search(r"<p>Parameters:</p><pre>(.*?)</pre>", text, re.S)
    assert params is not None
    assert params.group(1) == (
        "{\n  &quot;api_key&quot;: &quot;***&quot;,\n  &quot;password&quot;: &quot;***&quot;,"
        "\n  &quot;n&quot;: 3\n}"
    )
    assert 'href="../../history/p&lt;1&gt;/t&quot;2.html"' in text
    assert "Failing cell (In [?], cell 1 of the notebook):" in text
    assert "<1>" not in text
