"""ebpm.site.export_pdf: A4 PDF with the Japanese font embedded, tables and figures."""

from __future__ import annotations

import io

import numpy as np
import pypdfium2
import pytest
from pypdf import PdfReader

from ebpm.site.export import (
    Bullets,
    Document,
    Heading,
    Note,
    Paragraph,
    Run,
    Table,
    html_blocks,
)
from ebpm.site.export_pdf import pdf_bytes
from tests.site.export_sample import TITLE, logic_model_html, sample


@pytest.fixture(scope="module")
def pdf() -> bytes:
    return pdf_bytes(sample())


def _text(data: bytes) -> str:
    return "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages)


def test_title_japanese_text_table_and_about(pdf):
    text = _text(pdf)
    assert TITLE in text.replace("\n", " ")
    assert "13 東京都" in text
    assert "0.4551" in text
    assert "14 神奈川県" in text
    assert "Only 4 clusters; standard errors may be too small." in text.replace("\n", " ")
    assert "About this report" in text
    assert "出典：政府統計の総合窓口(e-Stat)" in text
    assert "do-not-print" not in text
    assert "SECRET-ID" not in text


def test_a4_pages_numbered_with_a_running_header(pdf):
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) >= 2  # the about block starts a page
    box = reader.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (595, 842)  # A4 in points
    last = reader.pages[-1].extract_text()
    assert f"{len(reader.pages)} / {len(reader.pages)}" in last
    assert "20261207T135518Z-705b" in last  # the header, from page 2 on
    assert reader.metadata.title == TITLE


def test_fonts_are_embedded(pdf):
    assert pdf.count(b"/FontFile2") >= 2  # TrueType programs in the file: DejaVu, IPAexGothic
    reader = PdfReader(io.BytesIO(pdf))
    names = set()
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            names.add(str(font.get_object()["/BaseFont"]))
    assert any("IPAexGothic" in n for n in names), names


def test_page_one_renders_with_the_figure(pdf):
    document = pypdfium2.PdfDocument(pdf)
    pixels = np.asarray(document[0].render(scale=1).to_pil().convert("RGB"), dtype=float)
    assert pixels.std() > 10  # not a blank page
    red = (pixels[..., 0] > 180) & (pixels[..., 1] < 80) & (pixels[..., 2] < 80)
    assert red.sum() > 200  # the red bars of the figure


def test_long_and_wide_content_stays_on_the_page():
    rows = tuple((f"市区町村{i}", *(f"{i * j}.5" for j in range(11))) for i in range(80))
    table = Table(("name", *(f"column {j}" for j in range(11))), rows, (False,) + (True,) * 11)
    blocks = (
        Heading(2, "長い表"),
        Paragraph((Run("とても長い日本語の文章です。" * 40),)),
        Bullets(((Run("x" * 300),),)),
        Note("Note:", "a note"),
        table,
    )
    doc = Document("t", "s", "r", "ja", blocks, sample().about)
    data = pdf_bytes(doc)
    reader = PdfReader(io.BytesIO(data))
    assert len(reader.pages) >= 3
    text = _text(data)
    assert "市区町村79" in text
    assert "column 10" in text


def test_a_wide_diagram_gets_a_landscape_page_with_its_heading():
    diagram = html_blocks(logic_model_html())
    blocks = (
        Paragraph((Run("before"),)),
        Heading(2, "Logic model"),
        *diagram,
        Paragraph((Run("after the diagram"),)),
    )
    data = pdf_bytes(Document("t", "s", "r", "en", blocks, sample().about))
    reader = PdfReader(io.BytesIO(data))
    wide = [p.mediabox.width > p.mediabox.height for p in reader.pages]
    assert wide == [False, True, False, False]  # then the text and the about block, portrait
    page = reader.pages[1]
    assert "Logic model" in page.extract_text()  # the heading went with its figure
    (picture,) = page.images
    assert (picture.image.width, picture.image.height) == (diagram[0].width, diagram[0].height)
    assert "after the diagram" in reader.pages[2].extract_text()
    grey = np.asarray(pypdfium2.PdfDocument(data)[1].render(scale=1).to_pil().convert("L"))
    assert grey[100:300].std() > 10  # the diagram is on the page, below the heading


def test_a_small_figure_stays_on_a_portrait_page(pdf):
    reader = PdfReader(io.BytesIO(pdf))
    assert all(p.mediabox.width < p.mediabox.height for p in reader.pages)
