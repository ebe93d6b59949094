"""ebpm.site.export (and its readers in ebpm.site._blocks): an executed notebook as a document
of blocks, as the HTML report shows it."""

from __future__ import annotations

import logging
import re

import pandas as pd
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_output

from ebpm.errors import DisclosureError, InvalidOptionError
from ebpm.site.export import (
    FORMATS,
    Bullets,
    Heading,
    Image,
    Note,
    Paragraph,
    Run,
    Table,
    html_blocks,
    markdown_blocks,
    notebook_blocks,
    render_document,
    svg_png,
    write_document,
)
from tests.site.export_sample import (
    LOGIC_MODEL_TITLE,
    TITLE,
    logic_model_html,
    logic_model_svg,
    notebook,
    pixels,
    sample,
)


def _kinds(blocks):
    return [type(b).__name__ for b in blocks]


def test_markdown_headings_paragraphs_lists_and_inline_styles():
    blocks = markdown_blocks(
        "# Title\n\nSome **bold** and *italic* and `code` and a [link](http://x) "
        "with $\\beta_1 * 2$.\n\n1. one\n2. two\n\n### Small"
    )
    assert _kinds(blocks) == ["Heading", "Paragraph", "Bullets", "Heading"]
    assert blocks[0] == Heading(1, "Title")
    runs = blocks[1].runs
    assert Run("bold", bold=True) in runs
    assert Run("italic", italic=True) in runs
    assert Run("code", code=True) in runs
    assert "a link with $\\beta_1 * 2$." in blocks[1].text  # TeX left as written
    assert blocks[2] == Bullets(((Run("one"),), (Run("two"),)), ordered=True)
    assert blocks[3] == Heading(3, "Small")


def test_markdown_snake_case_is_not_italic_and_fences_keep_their_lines():
    blocks = markdown_blocks("the column first_treat_year\n\n```python\na = 1\n  b = 2\n```")
    assert blocks[0] == Paragraph((Run("the column first_treat_year"),))
    assert blocks[1].preformatted
    assert blocks[1].text == "a = 1\n  b = 2"


def test_markdown_pipe_table():
    (table,) = markdown_blocks("| 都道府県 | 人口 |\n|---|--:|\n| 東京都 | 14,047,594 |\n")
    assert table == Table(("都道府県", "人口"), (("東京都", "14,047,594"),), (False, True))


def test_a_dataframe_table_with_an_index_name_and_a_multiindex():
    frame = pd.DataFrame(
        {"estimate": [0.5, -1.25], "label": ["a", "b"]},
        index=pd.MultiIndex.from_tuples([("g1", 2004), ("g1", 2005)], names=["group", "year"]),
    )
    (table,) = html_blocks(frame.to_html())
    assert table.header == ("group", "year", "estimate", "label")
    assert table.rows == (("g1", "2004", "0.50", "a"), ("", "2005", "-1.25", "b"))
    assert table.numeric == (False, True, True, False)


def test_html_notes_images_and_what_is_dropped():
    blocks = html_blocks(
        '<style>p{color:red}</style><p class="ebpm-note" role="note"><strong>Note:</strong> '
        "Only 4 clusters.</p><h2>Map</h2><img src='data:image/png;base64,iVBORw0KGgo=' alt='m'>"
        "<script>alert(1)</script><dl><dt>Estimand</dt><dd>ATT</dd></dl>"
        "<svg><title>Logic model</title><text>&nbsp;x</text></svg>"  # not XML: not drawn
    )
    assert blocks[0] == Note("Note:", "Only 4 clusters.")
    assert blocks[1] == Heading(2, "Map")
    assert isinstance(blocks[2], Image)
    assert blocks[2].alt == "m"
    assert blocks[3] == Paragraph((Run("Estimand: ", bold=True), Run("ATT")))
    assert "Logic model" in blocks[4].text
    assert "HTML report" in blocks[4].text
    assert "alert" not in str(blocks)
    assert "color" not in str(blocks)


def _svg_size(svg: str) -> tuple[float, float]:
    m = re.search(r'<svg[^>]* width="([\d.]+)" height="([\d.]+)"', svg)
    assert m, svg[:300]
    return float(m.group(1)), float(m.group(2))


def test_an_inline_svg_diagram_is_drawn_as_a_picture_with_its_title_as_alt_text():
    svg = logic_model_svg()
    blocks = html_blocks(f"<h2>Logic model</h2>{logic_model_html()}<p>after</p>")
    assert _kinds(blocks) == ["Heading", "Image", "Paragraph"]
    image = blocks[1]
    assert image.alt == LOGIC_MODEL_TITLE
    width, height = _svg_size(svg)
    assert width > 2 * height  # a wide diagram
    assert image.width / image.height == pytest.approx(width / height, rel=0.01)
    assert image.width == pytest.approx(2 * width, abs=1)  # twice its size: sharp when scaled
    assert image.dpi == 192  # 96 CSS px per inch, times two
    grey = pixels(image.png)
    assert grey.shape == (image.height, image.width)
    assert grey.std() > 10  # boxes, lines and words, not a blank picture
    assert grey.min() < 80  # black text on white
    assert "HTML report" not in str(blocks)


def test_an_inline_svg_is_drawn_in_notebook_order_and_keeps_its_alt_text():
    nb = notebook()
    nb.cells.append(new_markdown_cell("## Logic model"))
    output = new_output("display_data", data={"text/html": logic_model_html()})
    nb.cells.append(new_code_cell("svg", outputs=[output]))
    blocks = notebook_blocks(nb)
    assert _kinds(blocks)[-2:] == ["Heading", "Image"]
    assert blocks[-1].alt == LOGIC_MODEL_TITLE  # its own title, not "Figure: Logic model"


def _text_svg(text: str) -> str:
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" width="240" height="60">'
        f'<text x="10" y="42" font-size="32" font-family="sans-serif">{text}</text></svg>'
    )


def test_japanese_text_in_an_svg_is_drawn_in_ipaexgothic():
    blank = pixels(svg_png(_text_svg(""))[0])
    assert blank.min() == 255  # white background, nothing drawn
    drawn = [pixels(svg_png(_text_svg(text))[0]) for text in ("日本語", "語本日")]
    for grey in drawn:
        assert grey.shape == (120, 480)
        ink = grey[10:100, 10:220] < 128  # where the words are, at twice the size
        assert ink.sum() > 500
    # real glyphs, not three identical "missing glyph" boxes in either order
    assert (abs(drawn[0] - drawn[1]) > 64).sum() > 300


def test_an_svg_that_cannot_be_drawn_is_named_and_the_reason_logged(caplog):
    caplog.set_level(logging.DEBUG, logger="ebpm.site._blocks")
    svg = "<svg><title>Broken</title><text>&nbsp;x</text></svg>"
    assert svg_png(svg) is None
    assert "'Broken' not drawn" in caplog.text
    (block,) = html_blocks(svg)
    assert isinstance(block, Paragraph)
    assert block.text == "Diagram (shown in the HTML report): Broken"


def test_a_huge_svg_is_drawn_smaller_not_past_the_cap():
    svg = (
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 6000 300">'
        '<rect x="10" y="10" width="5980" height="280" fill="#0072B2"/></svg>'
    )
    _, dpi = svg_png(svg)
    (image,) = html_blocks(svg)
    assert max(image.width, image.height) <= 4800
    assert image.width / image.height == pytest.approx(20, rel=0.01)
    assert dpi == pytest.approx(96 * 4800 / 6000)


def test_the_notebook_reads_as_the_report_shows_it():
    blocks = notebook_blocks(notebook())
    kinds = _kinds(blocks)
    assert kinds == [
        "Heading", "Paragraph", "Bullets", "Heading", "Note", "Table", "Heading", "Image",
    ]  # fmt: skip
    note = blocks[4]
    # ebpm's warning worded for readers: no path, no function name, no advice
    assert note.text == "Only 4 clusters; standard errors may be too small."
    table = blocks[5]
    assert table.header == ("prefecture", "units", "mean", "median")
    assert table.rows[0] == ("13 東京都", "55", "0.4551", "0.415")  # rounded for display
    image = blocks[7]
    assert image.alt == "Figure: Map"
    assert (image.width, image.height) == (300, 200)
    text = str(blocks)
    assert "tqdm" not in text
    assert "Text(0.5" not in text
    assert "Run footer" not in text


def test_document_title_about_and_redaction():
    doc = sample()
    assert doc.title == TITLE
    assert not any(isinstance(b, Heading) and b.text == TITLE for b in doc.blocks)
    facts = {f.label: f for f in doc.about.facts}
    assert doc.about.title == "About this report"
    assert "20261207T135518Z-705b of pipeline demo" in facts["Run"].text
    assert "788c249e" in facts["Code"].text
    assert "***" in facts["Parameters"].text
    assert "do-not-print" not in facts["Parameters"].text
    (line,) = facts["Data"].items
    assert "licence: BSD-3-Clause" in line
    assert "出典：政府統計の総合窓口(e-Stat)" in line
    assert "SECRET-ID" not in line
    assert "cdArea=13000" in line


def test_japanese_words():
    doc = sample("ja")
    assert doc.about.title == "このレポートについて"
    assert any(isinstance(b, Image) and b.alt == "図: Map" for b in doc.blocks)


def test_a_sensitive_table_that_was_not_suppressed_is_refused():
    from nbformat.v4 import new_code_cell, new_output

    from ebpm._protocol import TABLE_MIME

    nb = notebook()
    marker = {"name": "counts", "sensitive": True, "suppressed": False}
    nb.cells.append(
        new_code_cell("t", outputs=[new_output("display_data", data={TABLE_MIME: marker})])
    )
    with pytest.raises(DisclosureError, match=r"'counts'.*disclosure control"):
        sample_of(nb)


def sample_of(nb):
    from ebpm.site.export import document

    return document(nb, run_id="r", pipeline="p", task="t")


def test_an_unknown_format_is_refused_with_the_choices(tmp_path):
    assert FORMATS == ("pdf", "docx")
    with pytest.raises(InvalidOptionError, match=r"to='odt'.*Choose one of: 'pdf', 'docx'"):
        render_document(sample(), "odt")
    with pytest.raises(InvalidOptionError, match=r"Did you mean 'pdf'"):
        write_document(sample(), tmp_path / "x.pdf", "pdff")
    assert not (tmp_path / "x.pdf").exists()


@pytest.mark.parametrize("to", FORMATS)
def test_write_document(tmp_path, to):
    path = write_document(sample(), tmp_path / f"report.{to}", to)
    assert path.stat().st_size > 10_000
    magic = b"%PDF" if to == "pdf" else b"PK"
    assert path.read_bytes().startswith(magic)
