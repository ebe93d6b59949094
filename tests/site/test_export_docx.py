"""ebpm.site.export_docx: a Word file with real headings, tables, pictures and Japanese fonts."""

from __future__ import annotations

import io

import docx
import pytest
from docx.oxml.ns import qn

from ebpm.site.export import Document, Heading, html_blocks
from ebpm.site.export_docx import EAST_ASIAN_FONT, docx_bytes
from tests.site.export_sample import LOGIC_MODEL_TITLE, TITLE, logic_model_html, pixels, sample


@pytest.fixture(scope="module")
def word():
    return docx.Document(io.BytesIO(docx_bytes(sample())))


def test_headings_are_word_headings(word):
    styled = [(p.style.name, p.text) for p in word.paragraphs if p.style.name != "Normal"]
    assert ("Title", TITLE) in styled
    assert ("Heading 1", "Summary by region") in styled  # the notebook's top sections
    assert ("Heading 1", "About this report") in styled
    assert ("List Bullet", "second bold point") in styled
    body = next(p for p in word.paragraphs if "262 municipalities" in p.text)
    assert any(r.bold and r.text == "262 municipalities" for r in body.runs)


def test_a_table_with_a_repeating_shaded_header(word):
    table = word.tables[0]
    assert [c.text for c in table.rows[0].cells] == ["prefecture", "units", "mean", "median"]
    assert [c.text for c in table.rows[1].cells] == ["13 東京都", "55", "0.4551", "0.415"]
    assert table.rows[0]._tr.trPr.find(qn("w:tblHeader")) is not None
    assert table.rows[1].cells[1].paragraphs[0].alignment == 2  # numbers right-aligned


def test_the_figure_is_an_inline_picture_with_alt_text(word):
    (shape,) = word.inline_shapes
    assert shape._inline.docPr.get("descr") == "Figure: Map"
    assert shape.width <= word.sections[0].page_width - 2 * word.sections[0].left_margin


def test_japanese_font_page_and_header(word):
    fonts = [f.get(qn("w:eastAsia")) for f in word.styles.element.iter(qn("w:rFonts"))]
    assert fonts
    assert set(fonts) == {EAST_ASIAN_FONT}
    section = word.sections[0]
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)
    assert "20261207T135518Z-705b" in section.header.paragraphs[0].text
    assert word.core_properties.title == TITLE


def test_the_note_and_no_secrets(word):
    text = "\n".join(p.text for p in word.paragraphs)
    assert "Note: Only 4 clusters; standard errors may be too small." in text
    assert "do-not-print" not in text
    assert "SECRET-ID" not in text
    assert "出典：政府統計の総合窓口(e-Stat)" in text


def test_an_inline_svg_diagram_is_an_inline_picture_with_its_title_as_alt_text():
    blocks = (Heading(2, "Logic model"), *html_blocks(logic_model_html()))
    word = docx.Document(
        io.BytesIO(docx_bytes(Document("t", "s", "r", "en", blocks, sample().about)))
    )
    (shape,) = word.inline_shapes
    assert shape._inline.docPr.get("descr") == LOGIC_MODEL_TITLE
    section = word.sections[0]
    assert shape.width == section.page_width - section.left_margin - section.right_margin
    assert shape.width / shape.height == pytest.approx(blocks[1].width / blocks[1].height, rel=0.01)
    blip = shape._inline.graphic.graphicData.pic.blipFill.blip.embed
    png = word.part.related_parts[blip].blob
    assert png == blocks[1].png
    assert pixels(png).std() > 10
    assert "HTML report" not in "\n".join(p.text for p in word.paragraphs)
