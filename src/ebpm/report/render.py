"""Render executed notebooks to standalone HTML reports with the code hidden."""

from __future__ import annotations

import copy
import re
from typing import Any

__all__ = ["error_of", "render_html", "strip_ansi"]

_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


def strip_ansi(text: str) -> str:
    """Remove terminal colour codes (tracebacks from kernels carry them)."""
    return _ANSI.sub("", text)


def render_html(nb: Any, *, title: str | None = None, show_code: bool = False) -> str:
    """HTML of an executed notebook: outputs and markdown, code and prompts hidden.

    Warnings printed to stderr stay in the executed notebook in the run folder; the published
    page shows the analysis, not the noise.
    """
    from nbconvert import HTMLExporter

    nb = copy.deepcopy(nb)
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs = [
                o
                for o in cell.get("outputs", [])
                if not (o.get("output_type") == "stream" and o.get("name") == "stderr")
            ]
    if title:
        nb.metadata["title"] = title
    exporter = HTMLExporter(
        exclude_input=not show_code,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
    )
    body, _ = exporter.from_notebook_node(nb)
    return body


def error_of(nb: Any) -> dict[str, Any] | None:
    """The first error in an executed notebook: cell index, source, ename, evalue, traceback."""
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        for out in cell.get("outputs", []):
            if out.get("output_type") == "error":
                return {
                    "cell_index": index,
                    "execution_count": cell.get("execution_count"),
                    "source": cell.source,
                    "ename": out.get("ename", ""),
                    "evalue": out.get("evalue", ""),
                    "traceback": strip_ansi("\n".join(out.get("traceback", []))),
                }
    return None
