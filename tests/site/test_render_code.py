"""The code of published reports (ebpm.site.render): highlighted once per source, lexer and
options in a process; and the page without nbconvert's BeautifulSoup pass the same document as
with it."""

from __future__ import annotations

import re
from collections.abc import Iterator

import nbformat
import pytest
from nbconvert.filters.highlight import Highlight2HTML
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from ebpm.site import render
from ebpm.site.render import report_page


@pytest.fixture(autouse=True)
def _no_memo() -> Iterator[None]:
    """Nothing highlighted yet in this process, before and after each test."""
    render._highlight.cache_clear()
    yield
    render._highlight.cache_clear()


def _nb(*sources: str, lang: str = "python") -> nbformat.NotebookNode:
    cells = [new_markdown_cell("# 東京都の失業率")]
    for source in sources:
        cell = new_code_cell(source)
        cell.outputs = [new_output("stream", name="stdout", text="ok\n")]
        cells.append(cell)
    nb = new_notebook(cells=cells)
    nb.metadata["language_info"] = {"name": lang, "pygments_lexer": lang}
    return nb


CODE = [
    "x = 1  # 'quoted' & \"double\" <tag>\nprint(x)",
    "def f(a):\n    return a ** 2\n\n\n\nf(2)",
    "",  # nbconvert highlights an empty cell as one space
    "import numpy as np\nnp.arange(3)",
    "x = 1  # 'quoted' & \"double\" <tag>\nprint(x)",  # the same source twice in one page
]


PNG = (
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5E"
    "rkJggg=="
)


def _rich() -> nbformat.NotebookNode:
    """Code, a figure without alt text, HTML outputs with and without one, an output claiming
    nbconvert's classes, an attribute value with a ``>`` in it."""
    nb = _nb(*CODE)
    fig = new_code_cell("plot()")
    fig.outputs = [
        new_output("display_data", data={"image/png": PNG, "text/plain": "<Figure>"}),
        new_output(
            "display_data",
            data={
                "text/html": (
                    '<p title="a > b">x</p><img src="data:image/png;base64,' + PNG + '">'
                    '<img alt="地図" src="data:image/png;base64,' + PNG + '">'
                    '<div class="x jp-OutputArea-output" tabindex="-1">y</div>'
                    "<pre>&lt;img src=x&gt;</pre>"
                ),
                "text/plain": "<HTML>",
            },
        ),
    ]
    nb.cells += [new_markdown_cell("## 失業率の地図"), fig]
    return nb


def _document(page: str) -> list[tuple[str, list[tuple[str, str]]] | str]:
    """The page's ``<body>`` as a browser reads it: elements in order with their attributes
    (an alt text as present or not), and the text that is not whitespace."""
    from bs4 import BeautifulSoup, NavigableString, Tag

    body = BeautifulSoup(page, "html.parser").body
    assert body is not None
    out: list[tuple[str, list[tuple[str, str]]] | str] = []
    for node in body.descendants:
        if isinstance(node, Tag):
            attrs = {
                k: "ALT" if k == "alt" else " ".join(v) if isinstance(v, list) else v
                for k, v in node.attrs.items()
            }
            out.append((node.name, sorted(attrs.items())))
        elif isinstance(node, NavigableString) and node.strip():
            out.append(node.strip())
    return out


def test_a_page_is_the_same_document_as_after_nbconverts_beautifulsoup_pass(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from nbconvert import HTMLExporter

    nb = _rich()
    ours = report_page(nb, title="demo: t")
    render._highlight.cache_clear()
    exporter = render._exporter(True)
    monkeypatch.setattr(type(exporter), "from_notebook_node", HTMLExporter.from_notebook_node)
    theirs = report_page(nb, title="demo: t")  # nbconvert's own, with its pass
    assert "No description has been provided" in theirs
    assert ours != theirs
    assert _document(ours) == _document(theirs)
    assert ours.count('tabindex="0"') == theirs.count('tabindex="0"') > len(CODE)


def test_figures_without_alt_text_get_their_headings() -> None:
    page = report_page(_rich(), title="demo: t")
    assert page.count('alt="Figure: 失業率の地図"') == 2
    assert 'alt="地図"' in page
    assert "<pre>&lt;img src=x&gt;</pre>" in page
    assert '<div class="x jp-OutputArea-output" tabindex="0">y</div>' in page


def test_accessible_reads_tags_as_the_sanitizer_writes_them() -> None:
    page = (
        '<h2>Map <i>1990</i></h2><img title="a>b" src="x.png">'
        '<div class="jp-Cell-inputWrapper jp-mod-x">a</div><div class="other">b</div>'
        '<div data-x="&quot;" class="jp-OutputArea-output" tabindex="0">c</div>'
        '<img src="y.png" alt="">'
    )
    assert render._accessible(page, "t") == (
        '<h2>Map <i>1990</i></h2><img title="a>b" src="x.png" alt="Figure: Map 1990">'
        '<div class="jp-Cell-inputWrapper jp-mod-x" tabindex="0">a</div><div class="other">b</div>'
        '<div data-x="&quot;" class="jp-OutputArea-output" tabindex="0">c</div>'
        '<img src="y.png" alt="">'
    )
    assert render._accessible('<img src="z.png">', None) == '<img src="z.png" alt="Figure">'


def test_the_code_goes_back_where_it_was(monkeypatch: pytest.MonkeyPatch) -> None:
    page = report_page(_nb("first_cell = 1", "second_cell = 2", "third_cell = 3"), title="t")
    at = [page.index(f'<span class="n">{n}_cell</span>') for n in ("first", "second", "third")]
    assert at == sorted(at)
    assert len(re.findall(r'<div class=" ?highlight hl-python">', page)) == 3


def test_memoized_highlighting_is_the_highlighters_html() -> None:
    highlighter = Highlight2HTML(pygments_lexer="python")
    key = render._highlighter_key(highlighter)
    memo = render._Memo(highlighter, key)
    for source in CODE:
        direct = highlighter(source if source else " ", metadata={})
        assert render._highlight(memo, source if source else " ", None, None) == direct
        assert render._highlight(memo, source if source else " ", None, None) == direct
    info = render._highlight.cache_info()
    assert (info.misses, info.hits) == (4, 6)  # the repeated source is one entry


def test_a_page_is_the_same_with_its_code_highlighted_before() -> None:
    nb = _nb(*CODE)
    cold = report_page(nb, title="t")
    assert render._highlight.cache_info().hits == 1  # the repeated cell
    assert report_page(nb, title="t") == cold
    assert render._highlight.cache_info().hits == 1 + len(CODE)


def test_the_memo_tells_lexers_and_magics_apart() -> None:
    source = "x <- c(1, 2)  # comment"
    python = report_page(_nb(source, lang="python"), title="t")
    r = report_page(_nb(source, lang="r"), title="t")
    assert re.search(r'class=" ?highlight hl-python"', python)
    assert re.search(r'class=" ?highlight hl-r"', r)
    assert render._highlight.cache_info().hits == 0
    python_hl = Highlight2HTML(pygments_lexer="ipython3")
    memo = render._Memo(python_hl, render._highlighter_key(python_hl))
    plain = render._highlight(memo, "SELECT 1", None, None)
    magic = render._highlight(memo, "SELECT 1", None, "sql")
    assert magic != plain
    assert magic == python_hl("SELECT 1", metadata={"magics_language": "sql"})


def test_formatter_options_are_part_of_the_key() -> None:
    plain = Highlight2HTML(pygments_lexer="python")
    numbered = Highlight2HTML(pygments_lexer="python", extra_formatter_options={"linenos": True})
    key_plain, key_numbered = render._highlighter_key(plain), render._highlighter_key(numbered)
    assert key_plain != key_numbered
    a = render._highlight(render._Memo(plain, key_plain), "x = 1", None, None)
    b = render._highlight(render._Memo(numbered, key_numbered), "x = 1", None, None)
    assert a == plain("x = 1")
    assert b == numbered("x = 1")
    assert a != b


def test_another_highlighter_is_not_memoized() -> None:
    calls: list[str] = []

    def highlighter(source: str, **kw: object) -> str:
        calls.append(source)
        return f"<pre>{source}</pre>"

    assert render._highlighter_key(highlighter) is None
    highlight = render._code_not_cleaned("highlight_code", highlighter)
    assert highlight("a") == highlight("a") == "<pre>a</pre>"
    assert calls == ["a", "a"]


def test_a_cells_magics_language_reaches_the_memo() -> None:
    nb = _nb("x = [1]", "x = [1]", lang="ipython3")
    nb.cells[2].metadata["magics_language"] = "bash"  # as nbconvert's magics preprocessor sets
    page = report_page(nb, title="t")
    highlighter = Highlight2HTML(pygments_lexer="ipython3")
    python = highlighter("x = [1]", metadata={})
    bash = highlighter("x = [1]", metadata={"magics_language": "bash"})
    assert python != bash
    assert python.split(">", 1)[1] in page
    assert bash.split(">", 1)[1] in page


def test_warming_up_changes_no_page() -> None:
    nb = _rich()
    cold = report_page(nb, title="t")
    render._highlight.cache_clear()
    render._exporter.cache_clear()
    render.warm()
    assert render._highlight.cache_info().currsize == 1  # Pygments' lexer ran on its cell
    assert render._exporter.cache_info().currsize == 1
    assert report_page(nb, title="t") == cold
