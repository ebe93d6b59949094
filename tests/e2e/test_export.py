"""``ebpm export`` and ``ebpm publish --formats`` on the demo's real reports (issue 18): the
Japanese regional profile as PDF and Word, the KPI dashboard with its logic-model diagram
drawn as a picture, every report beside the site's pages."""

from __future__ import annotations

import io
import time

import docx
import numpy as np
import pypdfium2
import pytest
from pypdf import PdfReader

from ebpm.pipeline.export import export_report
from ebpm.pipeline.republish import publish_runs

pytestmark = pytest.mark.slow

TASK = "demo/tokyo_profile-OWNH"
KPI = "demo/prop99_kpi"


@pytest.fixture(scope="module")
def exported(demo_run, tmp_path_factory):
    _, out, _ = demo_run
    folder = tmp_path_factory.mktemp("export")
    pdf = export_report(TASK, to="pdf", out_dir=out, output=folder / "owned.pdf")
    word = export_report(TASK, to="docx", out_dir=out, output=folder / "owned.docx")
    return pdf, word


def test_the_pdf_has_the_japanese_report_its_table_and_fonts(exported):
    pdf, _ = exported
    data = pdf.read_bytes()
    reader = PdfReader(io.BytesIO(data))
    text = "\n".join(p.extract_text() for p in reader.pages)
    flat = text.replace("\n", " ")
    assert "持ち家率の地域分布 / Home ownership in the Tokyo area, 1990" in flat
    assert "13 東京都" in text
    assert "0.455" in text
    assert "Global Moran's I" in flat
    assert "About this report" in flat
    assert b"/FontFile2" in data
    page = np.asarray(pypdfium2.PdfDocument(data)[0].render(scale=1).to_pil(), dtype=float)
    assert page.std() > 20  # text and the map
    assert 2 <= len(reader.pages) <= 8


def test_the_word_file_has_headings_a_table_and_the_maps(exported):
    _, word = exported
    doc = docx.Document(str(word))
    styled = {(p.style.name, p.text) for p in doc.paragraphs}
    assert ("Title", "持ち家率の地域分布 / Home ownership in the Tokyo area, 1990") in styled
    assert ("Heading 1", "Summary by region") in styled
    rows = [[c.text for c in r.cells] for t in doc.tables for r in t.rows]
    assert ["", "units", "mean", "median", "min", "max"] in rows
    assert any(r[0] == "13 東京都" and r[1] == "55" for r in rows)
    assert len(doc.inline_shapes) == 3  # the map, Moran's scatter, the LISA map
    assert doc.inline_shapes[0]._inline.docPr.get("descr") == "Figure: Map"


@pytest.fixture(scope="module")
def kpi_exported(demo_run, tmp_path_factory):
    _, out, _ = demo_run
    folder = tmp_path_factory.mktemp("kpi")
    start = time.perf_counter()
    pdf = export_report(KPI, to="pdf", out_dir=out, output=folder / "kpi.pdf")
    seconds = time.perf_counter() - start
    print(f"prop99_kpi.pdf: {pdf.stat().st_size / 1e3:.0f} kB in {seconds:.2f} s")
    word = export_report(KPI, to="docx", out_dir=out, output=folder / "kpi.docx")
    return pdf, word


def test_the_kpi_dashboards_logic_model_is_a_picture_on_a_landscape_page(kpi_exported):
    pdf, _ = kpi_exported
    data = pdf.read_bytes()
    reader = PdfReader(io.BytesIO(data))
    text = "\n".join(p.extract_text() for p in reader.pages)
    assert "HTML report" not in text  # no marker: the diagram is drawn
    wide = [i for i, p in enumerate(reader.pages) if p.mediabox.width > p.mediabox.height]
    assert len(wide) == 1, wide  # the diagram's page, then back to portrait
    page = reader.pages[wide[0]]
    (picture,) = page.images
    assert picture.image.width >= 2_000  # drawn at twice its size: sharp on the page
    assert picture.image.width > 3 * picture.image.height
    rendered = pypdfium2.PdfDocument(data)[wide[0]].render(scale=1).to_pil().convert("L")
    top = np.asarray(rendered, dtype=float)[: rendered.height // 2]
    assert top.std() > 8  # the diagram's boxes, lines and words, not an empty frame
    assert (top < 230).sum() > 5_000
    assert reader.pages[-1].mediabox.width < reader.pages[-1].mediabox.height


def test_the_kpi_dashboards_logic_model_is_a_picture_in_word(kpi_exported):
    _, word = kpi_exported
    doc = docx.Document(str(word))
    alts = [s._inline.docPr.get("descr") for s in doc.inline_shapes]
    assert "California Proposition 99 tobacco control programme" in alts, alts
    text = "\n".join(p.text for p in doc.paragraphs)
    assert "HTML report" not in text


def test_publish_formats_puts_them_beside_every_report(demo_run, tmp_path):
    _, out, _ = demo_run
    site = tmp_path / "site"
    publish_runs(out, site=site, formats=["pdf", "docx"])
    folder = site / "reports" / "demo"
    reports = sorted(folder.glob("*.html"))
    assert reports
    for page in reports:
        html = page.read_text(encoding="utf-8")
        for suffix in (".pdf", ".docx"):
            name = page.stem + suffix
            assert (folder / name).stat().st_size > 5_000, name
            assert f'href="{name}" download' in html, page.name
