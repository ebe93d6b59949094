"""A :class:`~ebpm.site.export.Document` as an A4 PDF, with fpdf2 (pure Python).

Fonts are embedded, cut down to the glyphs the document uses: DejaVu Sans and DejaVu Sans Mono
(shipped in matplotlib) for Latin text, code and symbols, and IPAexGothic (shipped in
matplotlib-fontja, :mod:`ebpm.report.fonts`) for every character they lack, so Japanese prints
on any machine and reader. IPAexGothic has no bold face: bold is drawn by stroking the glyphs'
outlines, the same in both scripts. Embedding a font in a document that renders it is an
"Embedded Font" under the IPA Font License: no further obligation.

Each page has the report's title and run id on top (from the second page on) and its number
at the bottom; tables have a shaded header row repeated after a page break and wrap their
cells; figures are scaled to the text width (and down to a page), and a figure much wider than
tall and than the text (the logic-model diagram) gets a landscape page; a level-1 heading, a
level-2 heading near the foot of a page and the about block start a new page.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from fpdf import FPDF, FontFace
from fpdf.enums import TableCellFillMode, TextEmphasis, TextMode, WrapMode, XPos, YPos
from fpdf.util import Padding

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
    font_files,
)

__all__ = ["pdf_bytes"]

#: Colours (the site's: grey rules, orange notes). Text is black: fpdf2 2.8 garbles a wrapped
#: line that starts in the fallback font when the text colour is not black, so grey text is
#: only used on single lines (``cell``: the running header, the footer, the subtitle).
_INK = (0, 0, 0)
_MUTED = (90, 90, 90)
_RULE = (200, 200, 200)
_HEAD_FILL = (232, 236, 240)
_ZEBRA = (248, 248, 248)
_NOTE_FILL = (255, 247, 236)
_NOTE_BAR = (179, 88, 6)
_CODE_FILL = (245, 245, 245)
#: Body text size (pt) and line height (mm); headings by level.
_SIZE = 10.0
_LINE = 5.2
_HEADING_SIZE = {1: 16.0, 2: 13.5, 3: 11.5}
#: A figure this many times wider than tall that a portrait page would shrink to less than
#: ``1 / _LANDSCAPE_SHRINK`` of its own size (the logic-model diagram: about 6:1, 500 mm wide)
#: gets a landscape page with the heading above it; a matplotlib figure of 7.5 in stays.
_LANDSCAPE_RATIO = 1.6
_LANDSCAPE_SHRINK = 1.5
#: First code point drawn in IPAexGothic, where lines may break between any two characters.
_CJK = 0x2E80
_MARGIN = 18.0


def _wrap(text: str) -> WrapMode:
    """Text that is mostly Japanese breaks between any two characters; other text between
    words (a Japanese phrase in it is broken between characters when it does not fit)."""
    letters = [c for c in text if not c.isspace()]
    cjk = sum(ord(c) >= _CJK for c in letters)
    return WrapMode.CHAR if letters and cjk >= 0.3 * len(letters) else WrapMode.WORD


class _Pdf(FPDF):
    """A4 pages with the report's title and run id on top and the page number at the foot."""

    def __init__(self, doc: Document) -> None:
        super().__init__(orientation="portrait", unit="mm", format="A4")
        self.doc = doc
        self.landscape = False  # on a landscape page a wide figure asked for
        fonts = font_files()  # DejaVu from matplotlib's data, IPAexGothic from matplotlib-fontja
        self.add_font("ebpm", "", fonts[""])
        self.add_font("ebpm", "I", fonts["I"])
        self.add_font("ebpm-mono", "", fonts["mono"])
        self.add_font("ebpm-ja", "", fonts["ja"])
        self.set_fallback_fonts(["ebpm-ja"], exact_match=False)
        self.set_margins(_MARGIN, _MARGIN, _MARGIN)
        self.set_auto_page_break(True, margin=_MARGIN)
        self.alias_nb_pages()

    def header(self) -> None:
        if self.page_no() == 1:
            return
        with self.local_context(font_family="ebpm", font_size_pt=7.5, text_color=_MUTED):
            self.set_y(9)
            width = self.epw * 0.68
            title = _fit(self, self.doc.title, width)
            self.cell(width, 4, title, align="L")
            self.cell(self.epw - width, 4, self.doc.run_id, align="R")
            self.set_draw_color(*_RULE)
            self.line(self.l_margin, 14, self.w - self.r_margin, 14)
        self.set_y(_MARGIN)

    def footer(self) -> None:
        with self.local_context(font_family="ebpm", font_size_pt=8, text_color=_MUTED):
            self.set_y(-12)
            self.cell(0, 4, f"{self.page_no()} / {{nb}}", align="C")


def _fit(pdf: FPDF, text: str, width: float) -> str:
    """``text`` cut with an ellipsis to ``width`` mm in the current font."""
    if pdf.get_string_width(text) <= width:
        return text
    while text and pdf.get_string_width(text + "…") > width:
        text = text[:-1]
    return text + "…"


@contextmanager
def _style(pdf: FPDF, run: Run, size: float) -> Iterator[None]:
    """The font of a run: monospace for code, oblique for italic, stroked for bold. (fpdf2's
    ``local_context`` loses text that ``write`` wraps when it changes the font size, so the
    font is set and restored here.)"""
    family, style, points = pdf.font_family, pdf.font_style, pdf.font_size_pt
    pdf.set_font(
        "ebpm-mono" if run.code else "ebpm",
        "I" if run.italic and not run.code else "",
        size * (0.92 if run.code else 1),
    )
    try:
        if run.bold:
            with pdf.local_context(text_mode=TextMode.FILL_STROKE, line_width=0.018 * size):
                yield
        else:
            yield
    finally:
        pdf.set_font(family, style, points)


def _runs(pdf: FPDF, runs: Sequence[Run], size: float = _SIZE, line: float = _LINE) -> None:
    """Write runs as flowing text from the current position, wrapping at the margins."""
    mode = _wrap("".join(r.text for r in runs))
    for run in runs:
        with _style(pdf, run, size):
            if run.bold:
                pdf.set_draw_color(*_INK)
            pdf.write(line, run.text, wrapmode=mode)


def _heading(pdf: _Pdf, block: Heading, first: bool) -> None:
    size = _HEADING_SIZE.get(block.level, _SIZE + 0.5)
    top = pdf.get_y() <= _MARGIN + 1
    if not top and (block.level == 1 or pdf.will_page_break(45 if block.level == 2 else 25)):
        pdf.add_page()
    elif not first and not top:
        pdf.ln(3 if block.level > 2 else 5)
    _runs(pdf, [Run(block.text, bold=True)], size, size * 0.5)
    pdf.ln(size * 0.5)
    if block.level <= 2:
        pdf.set_draw_color(*_RULE)
        pdf.line(pdf.l_margin, pdf.get_y() + 0.5, pdf.w - pdf.r_margin, pdf.get_y() + 0.5)
        pdf.ln(2.5)
    else:
        pdf.ln(1)


def _paragraph(pdf: _Pdf, block: Paragraph) -> None:
    if block.preformatted:
        with pdf.local_context(font_family="ebpm-mono", font_size_pt=8, fill_color=_CODE_FILL):
            pdf.multi_cell(
                0,
                3.8,
                block.text,
                fill=True,
                wrapmode=WrapMode.CHAR,
                align="L",
                padding=Padding(1.5, 2, 1.5, 2),
                new_x=XPos.LMARGIN,
                new_y=YPos.NEXT,
            )
    else:
        _runs(pdf, block.runs)
        pdf.ln(_LINE)
    pdf.ln(1.8)


def _bullets(pdf: _Pdf, block: Bullets) -> None:
    indent = 6.0
    left = pdf.l_margin
    for n, item in enumerate(block.items, 1):
        pdf.set_x(left)
        mark = f"{n}." if block.ordered else "•"
        with pdf.local_context(font_family="ebpm", font_size_pt=_SIZE):
            pdf.cell(indent, _LINE, mark)
        pdf.set_left_margin(left + indent)
        try:
            _runs(pdf, item)
        finally:
            pdf.set_left_margin(left)
        pdf.ln(_LINE + 0.6)
    pdf.ln(1.2)


def _ems(text: str) -> float:
    """The width of ``text`` in ems, roughly: a Japanese character is one, others about half."""
    return sum(1.0 if ord(c) >= _CJK else 0.62 for c in text)


def _widths(table: Table, size: float, width: float) -> list[float]:
    """Column widths (mm): each column gets its longest word or number unbroken (a Japanese
    character counts alone), then a share of what is left as its longest cell asks."""
    em = size * 0.3528  # mm per em at ``size`` pt
    pad = 3.0
    need, want = [], []
    for j in range(len(table.header)):
        cells = [table.header[j], *(r[j] for r in table.rows)]
        words = [w for c in cells for w in re.split(r"\s+|(?<=[\u2e80-\U0010ffff])", c) if w]
        need.append(max([_ems(w) for w in words] or [1.0]) * em + pad)
        want.append(min(max(_ems(c) for c in cells) * em + pad, 70.0))
    if sum(need) >= width:
        return [n * width / sum(need) for n in need]
    extra = [max(w - n, 0.0) for n, w in zip(need, want, strict=True)]
    room = width - sum(need)
    share = min(1.0, room / sum(extra)) if sum(extra) else 0.0
    widths = [n + e * share for n, e in zip(need, extra, strict=True)]
    if sum(widths) < width:  # a narrow table keeps its natural widths, left-aligned
        return widths
    return [w * width / sum(widths) for w in widths]


def _table(pdf: _Pdf, table: Table) -> None:
    columns = len(table.header)
    size = 8.5 if columns <= 6 else 7.5 if columns <= 9 else 6.5
    text = " ".join([*table.header, *(c for r in table.rows for c in r)])
    align = tuple("RIGHT" if n else "LEFT" for n in table.numeric)
    heading = FontFace(emphasis=TextEmphasis.NONE, fill_color=_HEAD_FILL)
    widths = _widths(table, size, pdf.epw)
    with (
        pdf.local_context(font_family="ebpm", font_size_pt=size),
        pdf.table(
            col_widths=widths,
            width=min(sum(widths), pdf.epw),
            align="LEFT",
            text_align=align,
            headings_style=heading,
            cell_fill_color=_ZEBRA,
            cell_fill_mode=TableCellFillMode.EVEN_ROWS,
            line_height=size * 0.5,
            padding=(0.8, 1.2),
            wrapmode=_wrap(text),
            borders_layout="HORIZONTAL_LINES",
            v_align="TOP",
        ) as grid,
    ):
        pdf.set_draw_color(*_RULE)
        for row in (table.header, *table.rows):
            cells = grid.row()
            for cell in row:
                cells.cell(cell)
    pdf.ln(3)


def _landscape(pdf: _Pdf, block: Block) -> bool:
    """Whether ``block`` is a figure to draw on a landscape page."""
    if not isinstance(block, Image) or not block.width or not block.height:
        return False
    natural = block.width * 25.4 / block.dpi  # mm
    portrait = min(pdf.w, pdf.h) - pdf.l_margin - pdf.r_margin
    return block.width >= _LANDSCAPE_RATIO * block.height and natural > _LANDSCAPE_SHRINK * portrait


def _orient(pdf: _Pdf, block: Block, after: Block | None) -> None:
    """A landscape page for a wide figure (and the heading just above it), and a portrait one
    for what follows it."""
    wide = _landscape(pdf, block) or (
        isinstance(block, Heading) and after is not None and _landscape(pdf, after)
    )
    if wide and not pdf.landscape:
        pdf.add_page(orientation="L")
    elif pdf.landscape and not wide:
        pdf.add_page(orientation="P")
    pdf.landscape = wide


def _image(pdf: _Pdf, block: Image) -> None:
    width = pdf.epw
    if block.width:
        width = min(pdf.epw, block.width * 25.4 / block.dpi)
    height = width * block.height / block.width if block.width else width * 0.6
    room = pdf.eph - 4
    if height > room:  # taller than a page: as large as a page allows
        width, height = width * room / height, room
    if pdf.will_page_break(height):
        pdf.add_page(orientation="L" if pdf.landscape else "P")
    x = pdf.l_margin + (pdf.epw - width) / 2
    pdf.image(io.BytesIO(block.png), x=x, w=width, h=height, alt_text=block.alt)
    pdf.ln(3)


def _note(pdf: _Pdf, block: Note) -> None:
    y0, page = pdf.get_y(), pdf.page_no()
    with pdf.local_context(font_family="ebpm", font_size_pt=_SIZE - 0.5, fill_color=_NOTE_FILL):
        text = f"{block.label} {block.text}".strip()
        pdf.multi_cell(
            0,
            _LINE,
            text,
            fill=True,
            align="L",
            wrapmode=_wrap(text),
            padding=Padding(1.5, 2.5, 1.5, 4),
            new_x=XPos.LMARGIN,
            new_y=YPos.NEXT,
        )
    if pdf.page_no() == page:
        with pdf.local_context(draw_color=_NOTE_BAR, line_width=1.2):
            pdf.line(pdf.l_margin + 0.6, y0, pdf.l_margin + 0.6, pdf.get_y())
    pdf.ln(2)


def _about(pdf: _Pdf, about: About) -> None:
    pdf.add_page(orientation="P")
    _heading(pdf, Heading(2, about.title), first=True)
    for fact in about.facts:
        _runs(pdf, [Run(fact.label, bold=True)])
        pdf.ln(_LINE + 0.5)
        if fact.code:
            _paragraph(pdf, Paragraph((Run(fact.text, code=True),), preformatted=True))
            continue
        if fact.text:
            _runs(pdf, [Run(fact.text)])
            pdf.ln(_LINE)
        if fact.items:
            _bullets(pdf, Bullets(tuple((Run(i),) for i in fact.items)))
        pdf.ln(2)


def _title(pdf: _Pdf, doc: Document) -> None:
    _runs(pdf, [Run(doc.title, bold=True)], 19, 9)
    pdf.ln(11)
    with pdf.local_context(font_family="ebpm", font_size_pt=9, text_color=_MUTED):
        pdf.cell(0, 4.5, _fit(pdf, doc.subtitle, pdf.epw), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(2)
    pdf.set_draw_color(*_INK)
    pdf.line(pdf.l_margin, pdf.get_y(), pdf.w - pdf.r_margin, pdf.get_y())
    pdf.ln(5)


def _block(pdf: _Pdf, block: Block, first: bool, after: Block | None = None) -> None:
    _orient(pdf, block, after)
    if isinstance(block, Heading):
        _heading(pdf, block, first)
    elif isinstance(block, Paragraph):
        _paragraph(pdf, block)
    elif isinstance(block, Bullets):
        _bullets(pdf, block)
    elif isinstance(block, Table):
        _table(pdf, block)
    elif isinstance(block, Image):
        _image(pdf, block)
    elif isinstance(block, Note):
        _note(pdf, block)


def pdf_bytes(doc: Document) -> bytes:
    """``doc`` as an A4 PDF (fonts embedded and subset)."""
    from ebpm._version import __version__

    pdf = _Pdf(doc)
    pdf.set_title(doc.title)
    pdf.set_author("ebpm")
    pdf.set_creator(f"ebpm {__version__}")
    pdf.set_subject(doc.subtitle)
    pdf.set_lang("ja-JP" if doc.lang == "ja" else "en")
    if doc.created is not None:
        pdf.set_creation_date(doc.created)
    pdf.add_page()
    _title(pdf, doc)
    for i, block in enumerate(doc.blocks):
        _block(pdf, block, first=i == 0, after=(doc.blocks[i + 1 : i + 2] or (None,))[0])
    _about(pdf, doc.about)
    return bytes(pdf.output())
