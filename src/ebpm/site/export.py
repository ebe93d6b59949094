"""A report as a document to print or edit: PDF and Word (issue 18, "Layout, print, PDF and Word").

An executed notebook is read into one :class:`Document`, a list of blocks (headings, paragraphs
with bold, italic and code runs, lists, tables, figures, notes) and the report's "about" facts;
:mod:`ebpm.site.export_pdf` writes it as A4 PDF with fpdf2 and :mod:`ebpm.site.export_docx` as
Word with python-docx. Both are pure Python: nothing needs LaTeX, a browser or a system
library (an inline SVG, the KPI dashboard's logic model, is rasterized by resvg, a Rust
renderer inside its wheel).

The document is built from the notebook, not from the HTML report, so each writer gets real
headings, tables and pictures rather than a page to take apart. What a reader sees is what the
HTML report shows (:func:`ebpm.site.outputs.reader_outputs`): code hidden, ebpm's warnings as
notes worded for readers, other libraries' stderr and bare object reprs left out, numbers in
tables rounded for display, the TeX in markdown left as it is written. The notebook's own data
footer is left out: the about block at the end lists the same datasets with their licence and
credit line, as the HTML report's does.
"""

from __future__ import annotations

import base64
import copy
import json
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import Any, Literal, get_args

from ebpm._protocol import PROVENANCE_MIME, redact_parameters
from ebpm.errors import check_option
from ebpm.site._blocks import (
    WORDS,
    About,
    Block,
    Bullets,
    Document,
    Fact,
    Heading,
    Image,
    Note,
    Paragraph,
    Run,
    Table,
    html_blocks,
    image,
    markdown_blocks,
    svg_png,
)

__all__ = [
    "FORMATS",
    "About",
    "Bullets",
    "Document",
    "Fact",
    "Format",
    "Heading",
    "Image",
    "Note",
    "Paragraph",
    "Run",
    "Table",
    "about_facts",
    "document",
    "html_blocks",
    "markdown_blocks",
    "notebook_blocks",
    "render_document",
    "svg_png",
    "write_document",
]

#: What ``ebpm export --to`` writes.
Format = Literal["pdf", "docx"]
FORMATS: tuple[str, ...] = get_args(Format)


# --- the notebook -----------------------------------------------------------------------------


def _text(value: Any) -> str:
    return "".join(value) if isinstance(value, list) else str(value)


def _output_blocks(out: Any, lang: str) -> list[Block]:
    """The blocks of one of a code cell's outputs, in the order nbconvert prefers its forms."""
    kind = out.get("output_type")
    if kind == "stream":
        text = _text(out.get("text", "")).rstrip("\n")
        return [Paragraph((Run(text, code=True),), preformatted=True)] if text.strip() else []
    data = out.get("data") or {}
    if PROVENANCE_MIME in data:  # the notebook's data footer: the about block says it all
        return []
    if "image/png" in data:
        return [image(base64.b64decode(_text(data["image/png"])), "")]
    if "text/html" in data:
        return html_blocks(_text(data["text/html"]), lang)
    if "text/markdown" in data:
        return markdown_blocks(_text(data["text/markdown"]))
    if "image/svg+xml" in data:
        return html_blocks(_text(data["image/svg+xml"]), lang)
    for mime in ("text/latex", "text/plain"):
        if mime in data:
            text = _text(data[mime]).rstrip("\n")
            return [Paragraph((Run(text, code=True),), preformatted=True)] if text else []
    return []


def notebook_blocks(nb: Any, lang: str = "en") -> list[Block]:
    """An executed notebook's markdown and outputs as blocks (code hidden; outputs as
    :func:`ebpm.site.outputs.reader_outputs` publishes them); each figure's alt text names the
    heading above it."""
    from ebpm.site.outputs import reader_outputs

    blocks: list[Block] = []
    for cell in nb.get("cells", []):
        if cell.get("cell_type") == "markdown":
            blocks.extend(markdown_blocks(_text(cell.get("source", ""))))
        elif cell.get("cell_type") == "code":
            outputs = reader_outputs(copy.deepcopy(list(cell.get("outputs", []))), lang)
            for out in outputs:
                blocks.extend(_output_blocks(out, lang))
    figure = WORDS.get(lang, WORDS["en"])["figure"]
    heading = ""
    named: list[Block] = []
    for b in blocks:
        if isinstance(b, Heading):
            heading = b.text
        elif isinstance(b, Image) and not b.alt:
            b = replace(b, alt=f"{figure}: {heading}" if heading else figure)
        named.append(b)
    return named


def about_facts(
    *,
    run_id: str,
    pipeline: str,
    task: str,
    git: dict[str, Any] | None,
    versions: dict[str, Any],
    parameters: dict[str, Any],
    datasets: list[dict[str, Any]],
    lang: str = "en",
) -> About:
    """The about block of the HTML report (:func:`ebpm.site.pages.about_block`) as facts:
    run, code, software, parameters (secrets redacted) and each dataset with its licence and
    credit line."""
    from ebpm.report.evidence import data_vintage
    from ebpm.site.pages import words

    w = words(lang)
    commit = str((git or {}).get("commit") or "unknown")
    dirty = w["dirty"] if (git or {}).get("dirty") else ""
    software = ", ".join(f"{k} {v}" for k, v in versions.items() if v)
    params = json.dumps(redact_parameters(parameters), indent=1, ensure_ascii=False, default=str)
    data = []
    for d in datasets:
        bits = [str(d.get("entry"))]
        if d.get("title"):
            bits.append(str(d["title"]))
        if d.get("source"):
            bits.append(w["d_source"].format(d["source"]))
        if d.get("licence"):
            bits.append(w["d_licence"].format(d["licence"]))
        query = redact_parameters(d.get("params") or {})
        if query:
            bits.append(w["d_query"].format(", ".join(f"{k}={v}" for k, v in query.items())))
        if d.get("attribution"):
            bits.append(str(d["attribution"]))
        bits.append(data_vintage(d, lang))
        if d.get("sha256"):
            bits.append(f"sha256 {d['sha256']}")
        data.append("; ".join(bits))
    facts = (
        Fact(w["a_run"], w["of_pipeline"].format(run=run_id, pipeline=pipeline, task=task)),
        Fact(w["code"], w["commit"].format(commit=commit, dirty=dirty)),
        Fact(w["software"], software or "–"),
        Fact(w["parameters"], params, code=True),
        Fact(w["data"], "" if data else w["none_recorded"], items=tuple(data)),
    )
    return About(w["about"], facts)


def document(
    nb: Any,
    *,
    run_id: str,
    pipeline: str,
    task: str,
    git: dict[str, Any] | None = None,
    versions: dict[str, Any] | None = None,
    parameters: dict[str, Any] | None = None,
    datasets: list[dict[str, Any]] | None = None,
    lang: str = "en",
    created: datetime | None = None,
) -> Document:
    """An executed notebook of a run as a :class:`Document`.

    Parameters
    ----------
    nb
        The executed notebook (an nbformat node or its JSON as a dict).
    run_id, pipeline, task, git, versions, parameters, datasets
        What the run's manifest records of the task: they make the about block.
    lang : {"en", "ja"}
        The language of ebpm's words (notes, the about block).
    created
        The date written into the file's metadata (the run's end, so an export of the same
        run is the same document).

    Returns
    -------
    Document
        Titled by the notebook's first level-1 heading (else ``pipeline: task``).

    Raises
    ------
    DisclosureError
        The notebook shows a sensitive table that did not pass disclosure control, as for the
        HTML report.
    """
    from ebpm._lang import check_lang
    from ebpm.site.render import check_disclosure

    lang = check_lang(lang)
    check_disclosure(_node(nb))
    blocks = notebook_blocks(nb, lang)
    title = f"{pipeline}: {task}"
    first = next((b for b in blocks if isinstance(b, Heading)), None)
    if first is not None and first.level == 1:  # the notebook's title is the document's
        blocks.remove(first)
        title = first.text
    about = about_facts(
        run_id=run_id,
        pipeline=pipeline,
        task=task,
        git=git,
        versions=versions or {},
        parameters=parameters or {},
        datasets=datasets or [],
        lang=lang,
    )
    return Document(
        title=title,
        subtitle=f"{pipeline} / {task} · {run_id}",
        run_id=run_id,
        lang=lang,
        blocks=tuple(blocks),
        about=about,
        created=created,
    )


def _node(nb: Any) -> Any:
    """``nb`` as an nbformat node (check_disclosure reads attributes)."""
    if hasattr(nb, "cells"):
        return nb
    import nbformat

    return nbformat.from_dict(nb)


def render_document(doc: Document, to: str) -> bytes:
    """``doc`` as the bytes of a PDF or Word file.

    Raises
    ------
    InvalidOptionError
        ``to`` is not one of :data:`FORMATS`.
    """
    check_option("to", to, Format, why="pdf: A4 for print; docx: Word, to edit.")
    if to == "pdf":
        from ebpm.site.export_pdf import pdf_bytes

        return pdf_bytes(doc)
    from ebpm.site.export_docx import docx_bytes

    return docx_bytes(doc)


def write_document(doc: Document, path: str | Path, to: str) -> Path:
    """Write ``doc`` to ``path`` as ``to`` ("pdf" or "docx"), atomically."""
    from ebpm._io import atomic_write_bytes

    data = render_document(doc, to)
    return atomic_write_bytes(path, data)
