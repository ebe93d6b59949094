"""A :class:`~ebpm.site.export.Document` as a Word file (.docx), with python-docx.

What an analyst pastes into a ministry's document or edits before sending it: Word's own
styles (Title, Heading 1-3 from the notebook's top sections down, List Bullet, Table Grid), so
the navigation pane, a table of contents and the house template all work on it; tables with a
shaded header row that repeats on each page, numbers right-aligned; figures scaled to the text
width with their alt text; the title and run id in the page header and the page number in the
footer; A4.

Japanese text is set in Yu Gothic (游ゴシック, on Windows and macOS with Office) through
``w:eastAsia`` on every style, with the document's East Asian language set to Japanese, so a
Word or LibreOffice without Yu Gothic substitutes its own Japanese font rather than boxes.
"""

from __future__ import annotations

import io
from typing import Any

import docx
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Emu, Mm, Pt, RGBColor

from ebpm.site._blocks import (
    About,
    Block,
    Bullets,
    Document,
    Heading,
    Image,
    Note,
    Paragraph,
    Run,
    Table,
)

__all__ = ["EAST_ASIAN_FONT", "docx_bytes"]

#: The font of Japanese text (``w:eastAsia``): Word's own Japanese sans-serif since 2013.
EAST_ASIAN_FONT = "Yu Gothic"
#: Code and printed output.
_MONO = "Consolas"
_HEAD_FILL = "E8ECF0"
_NOTE_FILL = "FFF7EC"
_NOTE_BAR = "B35806"
_CODE_FILL = "F5F5F5"


def _east_asian(doc: Any, lang: str) -> None:
    """Japanese text in :data:`EAST_ASIAN_FONT` in every style (a theme font would win over
    it, so those references go), and Japanese as the East Asian language."""
    root = doc.styles.element
    defaults = root.find(qn("w:docDefaults"))
    for fonts in root.iter(qn("w:rFonts")):
        fonts.attrib.pop(qn("w:eastAsiaTheme"), None)
        fonts.set(qn("w:eastAsia"), EAST_ASIAN_FONT)
    rpr = defaults.find(qn("w:rPrDefault")).find(qn("w:rPr")) if defaults is not None else None
    if rpr is not None:
        language = rpr.find(qn("w:lang"))
        if language is None:
            language = OxmlElement("w:lang")
            rpr.append(language)
        language.set(qn("w:eastAsia"), "ja-JP")
        language.set(qn("w:val"), "ja-JP" if lang == "ja" else "en-GB")


def _shade(element: Any, fill: str) -> None:
    """A background colour on a paragraph's or a cell's properties."""
    shd = OxmlElement("w:shd")
    shd.set(qn("w:val"), "clear")
    shd.set(qn("w:color"), "auto")
    shd.set(qn("w:fill"), fill)
    element.append(shd)


def _field(paragraph: Any, instruction: str) -> None:
    """A field Word computes (``PAGE``, ``NUMPAGES``)."""
    field = OxmlElement("w:fldSimple")
    field.set(qn("w:instr"), instruction)
    run = OxmlElement("w:r")
    text = OxmlElement("w:t")
    text.text = "1"
    run.append(text)
    field.append(run)
    paragraph._p.append(field)


def _page(doc: Any, document: Document) -> None:
    """A4 portrait, 20 mm margins; the title and run id on top, the page number below."""
    section = doc.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Mm(210), Mm(297)
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, side, Mm(20))
    top = section.header.paragraphs[0]
    run = top.add_run(f"{document.title} · {document.run_id}")
    run.font.size = Pt(8)
    run.font.color.rgb = RGBColor(0x5A, 0x5A, 0x5A)
    foot = section.footer.paragraphs[0]
    foot.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _field(foot, "PAGE")
    foot.add_run(" / ")
    _field(foot, "NUMPAGES")


def _runs(paragraph: Any, runs: tuple[Run, ...] | list[Run], size: float | None = None) -> None:
    for r in runs:
        run = paragraph.add_run(r.text)
        run.bold = r.bold or None
        run.italic = r.italic or None
        if r.code:
            run.font.name = _MONO
        if size:
            run.font.size = Pt(size)


def _paragraph(doc: Any, block: Paragraph) -> None:
    if not block.preformatted:
        _runs(doc.add_paragraph(), block.runs)
        return
    p = doc.add_paragraph()
    _shade(p._p.get_or_add_pPr(), _CODE_FILL)
    run = p.add_run(block.text)
    run.font.name = _MONO
    run.font.size = Pt(8.5)


def _bullets(doc: Any, block: Bullets) -> None:
    style = "List Number" if block.ordered else "List Bullet"
    for item in block.items:
        _runs(doc.add_paragraph(style=style), item)


def _table(doc: Any, block: Table) -> None:
    columns = len(block.header)
    size = 9.0 if columns <= 6 else 8.0 if columns <= 9 else 7.0
    table = doc.add_table(rows=1 + len(block.rows), cols=columns)
    table.style = doc.styles["Table Grid"]
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    for i, values in enumerate((block.header, *block.rows)):
        row = table.rows[i]
        if i == 0:  # the header row repeats at the top of each page the table runs onto
            header = OxmlElement("w:tblHeader")
            header.set(qn("w:val"), "true")
            row._tr.get_or_add_trPr().append(header)
        for j, (cell, text) in enumerate(zip(row.cells, values, strict=True)):
            p = cell.paragraphs[0]
            if block.numeric[j]:
                p.alignment = WD_ALIGN_PARAGRAPH.RIGHT
            _runs(p, [Run(text, bold=i == 0)], size)
            if i == 0:
                _shade(cell._tc.get_or_add_tcPr(), _HEAD_FILL)
    doc.add_paragraph()


def _image(doc: Any, block: Image) -> None:
    section = doc.sections[0]
    room = section.page_width - section.left_margin - section.right_margin
    width = Emu(min(room, int(block.width * 914400 / block.dpi))) if block.width else Emu(room)
    p = doc.add_paragraph()
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    shape = p.add_run().add_picture(io.BytesIO(block.png), width=width)
    shape._inline.docPr.set("descr", block.alt)  # the alt text Word and screen readers show
    shape._inline.docPr.set("title", block.alt)


def _note(doc: Any, block: Note) -> None:
    p = doc.add_paragraph()
    ppr = p._p.get_or_add_pPr()
    border = OxmlElement("w:pBdr")
    left = OxmlElement("w:left")
    for key, value in (("val", "single"), ("sz", "24"), ("space", "6"), ("color", _NOTE_BAR)):
        left.set(qn(f"w:{key}"), value)
    border.append(left)
    ppr.append(border)
    _shade(ppr, _NOTE_FILL)
    runs = [Run(block.label + " ", bold=True)] if block.label else []
    _runs(p, [*runs, Run(block.text)])


def _about(doc: Any, about: About) -> None:
    heading = doc.add_heading(about.title, level=1)
    heading.paragraph_format.page_break_before = True
    for fact in about.facts:
        label = doc.add_paragraph()
        label.paragraph_format.space_after = Pt(0)
        label.paragraph_format.keep_with_next = True
        _runs(label, [Run(fact.label, bold=True)])
        if fact.code:
            _paragraph(doc, Paragraph((Run(fact.text, code=True),), preformatted=True))
        elif fact.text:
            _runs(doc.add_paragraph(), [Run(fact.text)])
        if fact.items:
            _bullets(doc, Bullets(tuple((Run(i),) for i in fact.items)))


def _block(doc: Any, block: Block, shift: int = 0) -> None:
    if isinstance(block, Heading):
        doc.add_heading(block.text, level=min(max(block.level - shift, 1), 3))
    elif isinstance(block, Paragraph):
        _paragraph(doc, block)
    elif isinstance(block, Bullets):
        _bullets(doc, block)
    elif isinstance(block, Table):
        _table(doc, block)
    elif isinstance(block, Image):
        _image(doc, block)
    elif isinstance(block, Note):
        _note(doc, block)


def docx_bytes(document: Document) -> bytes:
    """``document`` as a Word file."""
    from ebpm._version import __version__

    doc = docx.Document()
    _east_asian(doc, document.lang)
    _page(doc, document)
    props = doc.core_properties
    props.title = document.title
    props.subject = document.subtitle
    props.author = "ebpm"
    props.last_modified_by = "ebpm"
    props.comments = f"ebpm {__version__}"
    props.language = "ja-JP" if document.lang == "ja" else "en"
    props.revision = 1
    if document.created is not None:
        props.created = props.modified = document.created
    doc.add_heading(document.title, level=0)
    sub = doc.add_paragraph(style="Subtitle")
    sub.add_run(document.subtitle)
    # the notebook's top sections (## under its # title) are Word's Heading 1
    levels = [b.level for b in document.blocks if isinstance(b, Heading)]
    shift = min(levels, default=1) - 1
    for block in document.blocks:
        _block(doc, block, shift)
    _about(doc, document.about)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()
