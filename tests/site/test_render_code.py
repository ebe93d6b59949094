"""The code of published reports (ebpm.site.render): highlighted once per source, lexer and
options in a process, and kept out of nbconvert's BeautifulSoup pass without changing a byte."""

from __future__ import annotations

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


def test_a_page_is_the_same_as_with_its_code_through_the_beautifulsoup_pass(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # what nbconvert's pass does to Pygments' HTML (one space in the class, whitespace runs
    # between elements as one line end) is done to the code kept out of it
    nb = _nb(*CODE)
    kept_out = report_page(nb, title="demo: t")
    assert render._HELD not in kept_out
    render._highlight.cache_clear()
    monkeypatch.setattr(render, "_hold", lambda code, held: code)  # the code in the pass
    assert report_page(nb, title="demo: t") == kept_out


def test_the_code_goes_back_where_it_was(monkeypatch: pytest.MonkeyPatch) -> None:
    page = report_page(_nb("first_cell = 1", "second_cell = 2", "third_cell = 3"), title="t")
    at = [page.index(f'<span class="n">{n}_cell</span>') for n in ("first", "second", "third")]
    assert at == sorted(at)
    assert page.count('<div class="highlight hl-python">') == 3


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
    assert 'class="highlight hl-python"' in python
    assert 'class="highlight hl-r"' in r
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


def test_a_marker_lost_or_repeated_fails_the_page() -> None:
    held: list[str] = []
    code = Highlight2HTML(pygments_lexer="python")("x = 1")
    marker = render._hold(code, held)
    assert marker.startswith(f'<div id="{render._HELD}0"></div>')
    assert render._put_back(f"<p>{marker}</p>", held) == f"<p>{held[0]}\n</p>"
    with pytest.raises(RuntimeError, match=r"placed the notebook's code cells 0 times in the page"):
        render._put_back("<p></p>", held)
    with pytest.raises(RuntimeError, match=r"placed the notebook's code cells 2 times in the page"):
        render._put_back(marker + marker, held)


def test_html_not_from_pygments_goes_through_the_pass() -> None:
    held: list[str] = []
    assert render._hold("<pre>x</pre>", held) == "<pre>x</pre>"
    assert held == []


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
