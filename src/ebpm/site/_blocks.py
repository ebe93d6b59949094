"""The blocks of a printable report and the readers that make them from a notebook's markdown
and HTML outputs (:mod:`ebpm.site.export` puts them together; the writers are
:mod:`ebpm.site.export_pdf` and :mod:`ebpm.site.export_docx`).

Markdown is read line by line (ATX headings, paragraphs, lists, fenced code, ``$$`` blocks,
pipe tables, block quotes; bold, italic, code and links inline; TeX left as written). HTML is
read with the standard library's :class:`html.parser.HTMLParser`: DataFrame and Styler tables
become :class:`Table` (header rows joined column by column, spans laid out), ``<img>`` PNGs
:class:`Image`, ebpm's reader notes :class:`Note`; styles and scripts are dropped. An inline
SVG (the KPI dashboard's logic-model diagram; neither writer draws SVG) is rasterized offline
with resvg (``resvg-py``, a Rust renderer in the wheel) at twice its CSS size, its text set in
DejaVu Sans and IPAexGothic, and becomes an :class:`Image` with its ``<title>`` as alt text;
if it cannot be drawn, a line names it and says where to see it.
"""

from __future__ import annotations

import base64
import functools
import html
import importlib.util
import logging
import re
import struct
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from html.parser import HTMLParser
from pathlib import Path

__all__ = [
    "WORDS",
    "Block",
    "Bullets",
    "Heading",
    "Image",
    "Note",
    "Paragraph",
    "Run",
    "Table",
    "font_files",
    "html_blocks",
    "image",
    "markdown_blocks",
    "svg_png",
]

logger = logging.getLogger(__name__)

#: The words the documents add around the notebook's own (figure labels, the diagram notice).
WORDS = {
    "en": {"figure": "Figure", "diagram": "Diagram (shown in the HTML report)"},
    "ja": {"figure": "図", "diagram": "図表（HTMLレポートに掲載）"},
}


# --- the blocks -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Run:
    """A piece of text in one style."""

    text: str
    bold: bool = False
    italic: bool = False
    code: bool = False


@dataclass(frozen=True)
class Heading:
    """A heading; ``level`` 1 is the largest."""

    level: int
    text: str


@dataclass(frozen=True)
class Paragraph:
    """Text in runs; ``preformatted`` keeps its lines and spaces (printed output, TeX blocks)."""

    runs: tuple[Run, ...]
    preformatted: bool = False

    @property
    def text(self) -> str:
        return "".join(r.text for r in self.runs)


@dataclass(frozen=True)
class Bullets:
    """A list, each item a tuple of runs."""

    items: tuple[tuple[Run, ...], ...]
    ordered: bool = False


@dataclass(frozen=True)
class Table:
    """A table: one header row, body rows of the same width, and which columns hold numbers
    (printed right-aligned)."""

    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    numeric: tuple[bool, ...]


@dataclass(frozen=True)
class Image:
    """A PNG figure with its alt text, its size in pixels and the pixels per inch it is drawn
    at (matplotlib's inline figures: 100; a rasterized SVG: 96 CSS px per inch times its zoom),
    which sets its natural size on the page."""

    png: bytes
    alt: str
    width: int
    height: int
    dpi: float = 100.0


@dataclass(frozen=True)
class Note:
    """One of ebpm's warnings, as :mod:`ebpm.site.outputs` words it for readers."""

    label: str
    text: str


Block = Heading | Paragraph | Bullets | Table | Image | Note


# --- the document ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Fact:
    """One line of the about block: a label and its text, or items (one per dataset), or
    ``code`` (the parameters as JSON, printed in a monospace font)."""

    label: str
    text: str = ""
    items: tuple[str, ...] = ()
    code: bool = False


@dataclass(frozen=True)
class About:
    """The end of a report: which run made it, from which code, software, parameters and data."""

    title: str
    facts: tuple[Fact, ...]


@dataclass(frozen=True)
class Document:
    """A report ready to be written as PDF or Word."""

    title: str
    subtitle: str
    run_id: str
    lang: str
    blocks: tuple[Block, ...]
    about: About
    created: datetime | None = None


# --- markdown ---------------------------------------------------------------------------------

_INLINE = re.compile(
    r"(?P<tick>`+)(?P<code>.+?)(?P=tick)"
    r"|(?P<math>\$\$.+?\$\$|\$[^$\s](?:[^$]*?[^$\s])?\$)"
    r"|\*\*(?P<b1>.+?)\*\*|(?<!\w)__(?P<b2>.+?)__(?!\w)"
    r"|(?<![\w*])\*(?P<i1>[^*\s](?:[^*]*?[^*\s])?)\*(?![\w*])"
    r"|(?<![\w_])_(?P<i2>[^_\s](?:[^_]*?[^_\s])?)_(?![\w_])"
    r"|!\[(?P<alt>[^\]]*)\]\([^)]*\)"
    r"|\[(?P<link>[^\]]+)\]\([^)]*\)"
    r"|<(?P<tag>/?[A-Za-z][^<>]*)>"
    r"|\\(?P<esc>[\\`*_{}\[\]()#+\-.!$|<>])",
    re.S,
)


def _merge(runs: Iterable[Run]) -> tuple[Run, ...]:
    """``runs`` with neighbours of one style joined and empty ones dropped."""
    out: list[Run] = []
    for r in runs:
        if not r.text:
            continue
        if out and (out[-1].bold, out[-1].italic, out[-1].code) == (r.bold, r.italic, r.code):
            out[-1] = Run(out[-1].text + r.text, r.bold, r.italic, r.code)
        else:
            out.append(r)
    return tuple(out)


def _inline(text: str, bold: bool = False, italic: bool = False) -> list[Run]:
    """Markdown inline text as runs: ``**bold**``, ``*italic*``, ```code```, links as their
    text, math as its TeX, HTML tags dropped, entities decoded."""
    runs: list[Run] = []
    pos = 0

    def plain(s: str) -> None:
        runs.append(Run(html.unescape(s), bold, italic))

    for m in _INLINE.finditer(text):
        plain(text[pos : m.start()])
        pos = m.end()
        g = m.groupdict()
        if g["code"] is not None:
            runs.append(Run(g["code"].strip(), bold, italic, code=True))
        elif g["math"] is not None:
            runs.append(Run(g["math"], bold, italic))
        elif g["b1"] is not None or g["b2"] is not None:
            runs.extend(_inline(g["b1"] or g["b2"], True, italic))
        elif g["i1"] is not None or g["i2"] is not None:
            runs.extend(_inline(g["i1"] or g["i2"], bold, True))
        elif g["alt"] is not None:
            plain(g["alt"])
        elif g["link"] is not None:
            runs.extend(_inline(g["link"], bold, italic))
        elif g["tag"] is not None:
            if re.match(r"br\b", g["tag"], re.I):
                plain("\n")
        else:
            runs.append(Run(g["esc"], bold, italic))
    plain(text[pos:])
    return runs


def _runs(text: str) -> tuple[Run, ...]:
    return _merge(_inline(text))


_ATX = re.compile(r"^ {0,3}(#{1,6})\s+(.*?)(?:\s+#+)?\s*$")
_ITEM = re.compile(r"^(\s*)([-*+]|\d+[.)])\s+(.*)$")
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_RULE = re.compile(r"^ {0,3}([-*_])(\s*\1){2,}\s*$")
_TABLE_SEP = re.compile(r"^\s*\|?\s*:?-{2,}:?\s*(\|\s*:?-{2,}:?\s*)*\|?\s*$")


def _pipe_cells(line: str) -> list[str]:
    line = line.strip()
    line = line[1:] if line.startswith("|") else line
    line = line[:-1] if line.endswith("|") and not line.endswith("\\|") else line
    return [html.unescape(c.strip().replace("\\|", "|")) for c in re.split(r"(?<!\\)\|", line)]


class _Markdown:
    """A line-by-line reader of the markdown notebooks write: ATX headings, paragraphs, lists,
    fenced code, ``$$`` blocks, pipe tables, block quotes."""

    def __init__(self) -> None:
        self.blocks: list[Block] = []
        self.para: list[str] = []
        self.items: list[str] = []
        self.ordered = False

    def flush(self) -> None:
        if self.para:
            text = " ".join(s.strip() for s in self.para)
            runs = _runs(text)
            if runs:
                self.blocks.append(Paragraph(runs))
            self.para = []
        if self.items:
            items = tuple(r for r in (_runs(i) for i in self.items) if r)
            if items:
                self.blocks.append(Bullets(items, self.ordered))
            self.items = []

    def read(self, text: str) -> list[Block]:
        lines = text.replace("\r\n", "\n").split("\n")
        i = 0
        while i < len(lines):
            i = self.line(lines, i)
        self.flush()
        return self.blocks

    def line(self, lines: list[str], i: int) -> int:
        """Read the block starting at line ``i``; return the next line's index."""
        line = lines[i]
        fence = _FENCE.match(line)
        if fence or line.strip() == "$$":
            self.flush()
            end = fence.group(1) if fence else "$$"
            j = i + 1
            while j < len(lines) and not lines[j].strip().startswith(end):
                j += 1
            body = "\n".join(lines[i + 1 : j])
            if not fence:
                body = f"$$\n{body}\n$$"
            self.blocks.append(Paragraph((Run(body, code=True),), preformatted=True))
            return j + 1
        if "|" in line and i + 1 < len(lines) and _TABLE_SEP.match(lines[i + 1]):
            self.flush()
            j = i + 2
            while j < len(lines) and "|" in lines[j] and lines[j].strip():
                j += 1
            rows = [_pipe_cells(row) for row in lines[i + 2 : j]]
            self.blocks.append(_table_of(_pipe_cells(line), rows))
            return j
        heading = _ATX.match(line)
        item = _ITEM.match(line)
        if not line.strip() or _RULE.match(line):
            self.flush()
        elif heading:
            self.flush()
            text = "".join(r.text for r in _runs(heading.group(2)))
            self.blocks.append(Heading(len(heading.group(1)), text.strip()))
        elif item and not self.para:
            ordered = item.group(2)[0].isdigit()
            if self.items and ordered != self.ordered:
                self.flush()
            self.ordered = ordered
            self.items.append(item.group(3))
        elif self.items and line.startswith((" ", "\t")):
            self.items[-1] += " " + line.strip()
        elif self.items:
            self.flush()
            self.para.append(line)
        else:
            self.para.append(re.sub(r"^\s*>\s?", "", line))
        return i + 1


def markdown_blocks(text: str) -> list[Block]:
    """The blocks of a markdown cell or output."""
    return _Markdown().read(text)


# --- tables -----------------------------------------------------------------------------------

_NUMBER = re.compile(r"^[-+−△▲]?[\d,]*\.?\d+(?:[eE][-+]?\d+)?%?$|^(?:NaN|nan|<NA>|–|-|inf)$")


def _is_number(text: str) -> bool:
    return bool(_NUMBER.match(text.strip()))


def _table_of(header: Sequence[str], rows: Sequence[Sequence[str]]) -> Table:
    """A :class:`Table` with every row as wide as the widest, and its numeric columns."""
    width = max([len(header), *(len(r) for r in rows)])
    pad = lambda r: tuple(r) + ("",) * (width - len(r))  # noqa: E731
    body = tuple(pad(r) for r in rows)
    numeric = tuple(
        any(r[j].strip() for r in body)
        and all(_is_number(r[j]) for r in body if r[j].strip() and r[j].strip() not in "–-")
        and any(r[j].strip() not in ("–", "-", "NaN", "nan", "<NA>") for r in body)
        for j in range(width)
    )
    return Table(pad(header), body, numeric)


@dataclass
class _Cell:
    text: str
    header: bool
    colspan: int = 1
    rowspan: int = 1


def _grid(rows: list[list[_Cell]]) -> list[list[str]]:
    """Rows of cells with their spans laid out on a grid: a cell spanning columns repeats its
    text (a column group's name over each of its columns), a cell spanning rows is left empty
    below (as pandas prints a repeated index level)."""
    out: list[list[str]] = []
    pending: dict[int, int] = {}  # column: rows still covered by a rowspan from above
    for row in rows:
        line: list[str] = []
        cells = iter(row)
        col = 0
        while True:
            if pending.get(col, 0) > 0:
                pending[col] -= 1
                line.append("")
                col += 1
                continue
            cell = next(cells, None)
            if cell is None:
                break
            for k in range(max(cell.colspan, 1)):
                line.append(cell.text)
                if cell.rowspan > 1:
                    pending[col + k] = cell.rowspan - 1
            col += max(cell.colspan, 1)
        while pending.get(col, 0) > 0:
            pending[col] -= 1
            line.append("")
            col += 1
        out.append(line)
    return out


def _html_table(head: list[list[_Cell]], body: list[list[_Cell]]) -> Table | None:
    """A table from the cells of an HTML ``<table>``: the header rows (``<thead>``, or a first
    row of ``<th>``) joined column by column into one, then the body."""
    if not head and body and all(c.header for c in body[0]):
        head, body = body[:1], body[1:]
    grid = _grid(head + body)
    if not grid or not any(any(c.strip() for c in r) for r in grid):
        return None
    top, rest = grid[: len(head)], grid[len(head) :]
    width = max(len(r) for r in grid)
    header = []
    for j in range(width):
        parts: list[str] = []
        for r in top:
            text = r[j].strip() if j < len(r) else ""
            if text and text not in parts:
                parts.append(text)
        header.append(" ".join(parts))
    return _table_of(header, rest)


# --- HTML outputs -----------------------------------------------------------------------------

_BLOCK_TAGS = {
    "p", "div", "section", "article", "footer", "header", "main", "blockquote", "figure",
    "figcaption", "details", "summary", "ul", "ol", "li", "dl", "dt", "dd", "pre", "hr",
    "h1", "h2", "h3", "h4", "h5", "h6", "caption",
}  # fmt: skip
_SKIP_TAGS = {"style", "script", "head", "title", "template", "noscript"}
_SVG = re.compile(r"<svg\b.*?</svg>", re.S | re.I)


class _Html(HTMLParser):
    """HTML output (DataFrames, ebpm's result and design blocks, notes, KPI tables) as blocks."""

    def __init__(self, words: dict[str, str]) -> None:
        super().__init__(convert_charrefs=True)
        self.words = words
        self.blocks: list[Block] = []
        self.runs: list[Run] = []
        self.style = {"b": 0, "i": 0, "code": 0, "pre": 0, "skip": 0}
        self.list_stack: list[tuple[bool, list[tuple[Run, ...]]]] = []
        self.table: list[tuple[list[list[_Cell]], list[list[_Cell]], bool]] = []
        self.cell: _Cell | None = None
        self.note = False
        self.label = ""  # a <dt>, put before its <dd>

    # inline text
    def handle_data(self, data: str) -> None:
        if self.style["skip"]:
            return
        if self.cell is not None:
            self.cell.text += data
            return
        if not self.style["pre"]:
            data = re.sub(r"\s+", " ", data)
            if not self.runs or self.runs[-1].text.endswith((" ", "\n")):
                data = data.lstrip()
        if data:
            s = self.style
            self.runs.append(Run(data, s["b"] > 0, s["i"] > 0, s["code"] > 0 or s["pre"] > 0))

    def end_block(self) -> None:
        """Close the text gathered so far as a paragraph, list item or note."""
        runs = list(_merge(self.runs))
        self.runs = []
        if runs:
            runs[-1] = Run(runs[-1].text.rstrip(), runs[-1].bold, runs[-1].italic, runs[-1].code)
        runs = [r for r in runs if r.text]
        if not runs:
            return
        if self.list_stack:
            self.list_stack[-1][1].append(tuple(runs))
        elif self.note:
            label = runs[0].text.strip() if runs[0].bold else ""
            text = "".join(r.text for r in (runs[1:] if label else runs)).strip()
            self.blocks.append(Note(label, text))
        else:
            self.blocks.append(Paragraph(tuple(runs), preformatted=self.style["pre"] > 0))

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag in _SKIP_TAGS:
            self.style["skip"] += 1
        elif self.style["skip"]:
            return
        elif tag == "ebpm-svg":
            self.end_block()
            label = a.get("data-label") or ""
            text = self.words["diagram"] + (f": {label}" if label else "")
            self.blocks.append(Paragraph((Run(text, italic=True),)))
        elif tag == "table":
            self.end_block()
            self.table.append(([], [], False))
        elif self.table and tag in ("thead", "tbody", "tfoot"):
            head, body, _ = self.table[-1]
            self.table[-1] = (head, body, tag == "thead")
        elif self.table and tag == "tr":
            head, body, in_head = self.table[-1]
            (head if in_head else body).append([])
        elif self.table and tag in ("td", "th"):
            self.cell = _Cell("", tag == "th", _span(a.get("colspan")), _span(a.get("rowspan")))
            head, body, in_head = self.table[-1]
            rows = head if in_head else body
            if not rows:
                rows.append([])
            rows[-1].append(self.cell)
        elif self.cell is not None:
            if tag == "br":
                self.cell.text += " "
        elif tag in ("b", "strong", "em", "i", "code", "kbd", "samp", "pre"):
            key = {"strong": "b", "em": "i", "kbd": "code", "samp": "code"}.get(tag, tag)
            if tag == "pre":
                self.end_block()
            self.style[key] += 1
        elif tag == "br":
            self.runs.append(Run("\n"))
        elif tag == "img":
            self.image(a.get("src") or "", a.get("alt") or "", a.get("data-ebpm-dpi"))
        elif tag in ("ul", "ol"):
            self.end_block()
            self.list_stack.append((tag == "ol", []))
        elif tag in _BLOCK_TAGS:
            self.block_start(tag, a)

    def block_start(self, tag: str, a: dict[str, str | None]) -> None:
        self.end_block()
        if tag == "p" and "ebpm-note" in (a.get("class") or "").split():
            self.note = True
        elif tag == "dd" and self.label:
            self.runs.append(Run(self.label + ": ", bold=True))
            self.label = ""

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP_TAGS:
            self.style["skip"] = max(0, self.style["skip"] - 1)
        elif self.style["skip"]:
            return
        elif self.table and tag in ("td", "th"):
            if self.cell is not None:
                self.cell.text = re.sub(r"\s+", " ", self.cell.text).strip()
            self.cell = None
        elif self.table and tag == "table":
            head, body, _ = self.table.pop()
            table = _html_table(head, body)
            if table is not None:
                self.blocks.append(table)
        elif tag in ("b", "strong", "em", "i", "code", "kbd", "samp", "pre"):
            key = {"strong": "b", "em": "i", "kbd": "code", "samp": "code"}.get(tag, tag)
            self.style[key] = max(0, self.style[key] - 1)
            if tag == "pre":
                self.end_block()
        elif tag in ("ul", "ol") and self.list_stack:
            self.end_block()
            ordered, items = self.list_stack.pop()
            if items:
                self.blocks.append(Bullets(tuple(items), ordered))
        elif tag == "dt":
            self.label = "".join(r.text for r in self.runs).strip()
            self.runs = []
        elif re.fullmatch(r"h[1-6]", tag):
            text = "".join(r.text for r in self.runs).strip()
            self.runs = []
            if text:
                self.blocks.append(Heading(int(tag[1]), text))
        elif tag in _BLOCK_TAGS:
            self.end_block()
            if tag == "p":
                self.note = False

    def image(self, src: str, alt: str, dpi: str | None = None) -> None:
        m = re.match(r"data:image/png;base64,(.*)", src, re.S)
        if m:
            self.end_block()
            try:  # set by _svg_figure: the pixels per inch a rasterized SVG is drawn at
                ppi = float(dpi or 100)
            except ValueError:
                ppi = 100.0
            ppi = ppi if 10 <= ppi <= 2400 else 100.0
            self.blocks.append(image(base64.b64decode(m.group(1)), alt, dpi=ppi))


def _span(value: str | None) -> int:
    try:
        return max(1, int(value or 1))
    except ValueError:
        return 1


def _svg_title(svg: str) -> str:
    title = re.search(r"<title[^>]*>(.*?)</title>", svg, re.S | re.I)
    return html.unescape(re.sub(r"<[^>]+>", "", title.group(1))).strip() if title else ""


def _svg_marker(label: str) -> str:
    """A marker naming an inline SVG that could not be drawn: the document says where to see
    it."""
    return f'<ebpm-svg data-label="{html.escape(label, quote=True)}"></ebpm-svg>'


def _svg_figure(m: re.Match[str], alt: str) -> str:
    """An inline SVG as an ``<img>`` of its PNG (alt text: its title, else ``alt``), or as a
    marker naming it when resvg cannot draw it."""
    svg = m.group(0)
    label = _svg_title(svg)
    drawn = svg_png(svg)
    if drawn is None:
        return _svg_marker(label)
    png, dpi = drawn
    return (
        f'<img src="data:image/png;base64,{base64.b64encode(png).decode("ascii")}" '
        f'alt="{html.escape(label or alt, quote=True)}" data-ebpm-dpi="{dpi:g}">'
    )


def html_blocks(text: str, lang: str = "en") -> list[Block]:
    """The blocks of an HTML output (tables parsed into :class:`Table`, ``<img>`` PNGs and
    inline SVGs into :class:`Image`, ebpm's notes into :class:`Note`; styles and scripts
    dropped)."""
    words = WORDS.get(lang, WORDS["en"])
    parser = _Html(words)
    parser.feed(_SVG.sub(lambda m: _svg_figure(m, words["figure"]), text))
    parser.close()
    parser.end_block()
    return parser.blocks


# --- inline SVG -------------------------------------------------------------------------------

#: An SVG is drawn at twice its CSS size (192 px per inch: sharp when a 2,000 px diagram is
#: scaled to a page), smaller when its longest side would pass ``_SVG_MAX_SIDE`` px.
_SVG_ZOOM = 2.0
_SVG_MAX_SIDE = 4800
_CSS_PPI = 96.0
_SVG_OPEN = re.compile(r"<svg\b[^>]*>", re.I)
_LENGTH = re.compile(r"^\s*([\d.]+)\s*(?:px)?\s*$")


@functools.cache
def font_files() -> dict[str, Path]:
    """The documents' font files: DejaVu from matplotlib's data (Latin, code, symbols) and
    IPAexGothic from matplotlib-fontja (:mod:`ebpm.report.fonts`; Japanese)."""
    from ebpm.report.fonts import _font_path

    spec = importlib.util.find_spec("matplotlib")
    if spec is None or not spec.submodule_search_locations:  # pragma: no cover - a dependency
        raise ImportError("matplotlib is not installed; reinstall ebpm")
    ttf = Path(next(iter(spec.submodule_search_locations))) / "mpl-data" / "fonts" / "ttf"
    return {
        "": ttf / "DejaVuSans.ttf",
        "B": ttf / "DejaVuSans-Bold.ttf",
        "I": ttf / "DejaVuSans-Oblique.ttf",
        "mono": ttf / "DejaVuSansMono.ttf",
        "ja": _font_path(),
    }


def _svg_size(svg: str) -> tuple[float, float]:
    """An SVG's CSS size in px: its ``width`` and ``height``, else its ``viewBox``'s (0, 0 if
    neither is given)."""
    head = _SVG_OPEN.match(svg)
    attrs = dict(re.findall(r'([\w:-]+)\s*=\s*["\']([^"\']*)["\']', head.group(0))) if head else {}
    w, h = (_LENGTH.match(attrs.get(k, "")) for k in ("width", "height"))
    if w and h:
        return float(w.group(1)), float(h.group(1))
    box = attrs.get("viewBox", "").replace(",", " ").split()
    try:
        return (float(box[2]), float(box[3])) if len(box) == 4 else (0.0, 0.0)
    except ValueError:
        return 0.0, 0.0


def svg_png(svg: str) -> tuple[bytes, float] | None:
    """``svg`` as a PNG on white and the pixels per inch it is drawn at, or None (logged at
    debug level) when it cannot be drawn.

    Only the documents' own fonts are used (:func:`font_files`, no system fonts), so the
    picture is the same on every machine: the SVG's sans-serif family is DejaVu Sans, and a
    character DejaVu lacks (Japanese) is taken from IPAexGothic. Inline SVG in HTML may omit
    its namespace, which XML needs: it is added.
    """
    head = _SVG_OPEN.match(svg)
    if head and not re.search(r"\sxmlns\s*=", head.group(0)):
        svg = '<svg xmlns="http://www.w3.org/2000/svg"' + svg[4:]
    width, height = _svg_size(svg)
    zoom = min(_SVG_ZOOM, _SVG_MAX_SIDE / max(width, height)) if width and height else 1.0
    try:
        import resvg_py

        fonts = font_files()
        png = bytes(
            resvg_py.svg_to_bytes(
                svg_string=svg,
                zoom=zoom,
                background="white",
                skip_system_fonts=True,
                font_files=[str(fonts[k]) for k in ("", "B", "I", "ja")],
                sans_serif_family="DejaVu Sans",
            )
        )
    except (ImportError, ValueError, OSError) as err:
        logger.debug("inline SVG %r not drawn: %s", _svg_title(svg), err)
        return None
    if _png_size(png) == (0, 0):
        logger.debug("inline SVG %r not drawn: resvg returned no PNG", _svg_title(svg))
        return None
    return png, _CSS_PPI * zoom


# --- figures ---------------------------------------------------------------------------------


def _png_size(png: bytes) -> tuple[int, int]:
    """Width and height of a PNG, from its IHDR chunk (0, 0 if it is not a PNG)."""
    if png[:8] == b"\x89PNG\r\n\x1a\n" and png[12:16] == b"IHDR":
        width, height = struct.unpack(">II", png[16:24])
        return int(width), int(height)
    return 0, 0


def image(png: bytes, alt: str, dpi: float = 100.0) -> Image:
    """An :class:`Image` of ``png`` with its size read from the file."""
    width, height = _png_size(png)
    return Image(png, alt, width, height, dpi)
