"""What of an executed notebook reaches a reader of its report (issue 18, "Clean pages").

The executed notebook in the run folder keeps everything; the published page shows:

* ebpm's own warnings (rows dropped, few clusters, ...) as a note worded for readers, without
  the kernel's temporary file path or the advice meant for the analyst; other libraries'
  warnings and stderr noise are left out;
* no bare object reprs (``Text(0.5, 1.0, '...')``, ``<Axes: ...>``, ``[<matplotlib.lines...>]``)
  that a cell's last line returns;
* numbers in tables rounded for display (the CSV and JSON downloads keep full precision);
* the parameters cell as Python with its text readable (``"村の割合"``, not ``"\\u6751..."``);
* tracebacks on failure pages without the server's paths.
"""

from __future__ import annotations

import html
import re
from typing import Any

from ebpm import errors
from ebpm._format import MINUS, significant

__all__ = [
    "DIGITS",
    "reader_outputs",
    "reader_source",
    "reader_traceback",
    "reader_warning",
]

#: Significant digits of a number shown in a published table.
DIGITS = 4

#: ``path:line: Category: message`` as :func:`warnings.showwarning` prints it.
_WARNING_LINE = re.compile(r"^\S.*?:\d+: (?P<category>[A-Za-z_]\w*): (?P<message>.*)$")
#: A function name ebpm puts before its messages ("rdd(): ").
_CALLER = re.compile(r"^[a-z_][\w.]*\(\): ")
#: Advice to the analyst at the end of a message ("; impute or filter them first ...").
_ADVICE = re.compile(
    r";\s+(?:impute|filter|use|pass|set|give|drop|add|choose|check|run|install|rename|call|"
    r"see|cast|convert|remove|keep|make|fix|read|ask|balance|aggregate)\b.*$",
    re.I | re.S,
)
_LABEL = {"en": "Note:", "ja": "注記:"}

#: What a cell's last line returns when it is a plot call: not for readers.
_OBJECT_REPR = re.compile(
    r"^\s*(?:"
    r"\[?\s*<[\w.]+(?:\s[^<>]*)?\bat 0x[0-9a-f]+>(?:,\s*<[\w.]+(?:\s[^<>]*)?\bat 0x[0-9a-f]+>)*"
    r"\s*\]?"
    r"|Text\(.*\)"
    r"|<(?:Axes|Figure|Axes3D|AxesSubplot|GeoAxes)\b[^<]*>"
    r"|<Figure size [^>]*>"
    r")\s*$",
    re.S,
)


def _is_ebpm_warning(category: str) -> bool:
    cls = getattr(errors, category, None)
    return isinstance(cls, type) and issubclass(cls, errors.EbpmWarning)


def reader_warning(message: str) -> str:
    """An ebpm warning as a reader reads it: without the function name in front and the
    advice to the analyst at the end."""
    text = _CALLER.sub("", message.strip())
    text = _ADVICE.sub("", text).rstrip(" ;:")
    return text[:1].upper() + text[1:] + ("" if text.endswith((".", "。")) else ".")


def _stderr_notes(text: str) -> list[str]:
    notes = []
    for line in text.splitlines():
        m = _WARNING_LINE.match(line)
        if m and _is_ebpm_warning(m.group("category")):
            note = reader_warning(m.group("message"))
            if note not in notes:
                notes.append(note)
    return notes


def _note_output(notes: list[str], lang: str) -> dict[str, Any]:
    label = _LABEL.get(lang, _LABEL["en"])
    items = "".join(
        f'<p class="ebpm-note" role="note"><strong>{label}</strong> {html.escape(n)}</p>'
        for n in notes
    )
    return {"output_type": "display_data", "metadata": {}, "data": {"text/html": items}}


_NUMBER_CELL = re.compile(r"(<td[^>]*>)\s*(-?\d+\.\d+(?:e[-+]?\d+)?)\s*(</td>)", re.I)


def _round_cell(m: re.Match[str]) -> str:
    raw = m.group(2)
    decimals = len(raw.split(".", 1)[1].split("e")[0].split("E")[0])
    if decimals <= DIGITS and "e" not in raw.lower():
        return m.group(0)
    shown = significant(float(raw), DIGITS, thousands=False).replace(MINUS, "-")
    return f"{m.group(1)}{shown}{m.group(3)}"


def _rounded_tables(text: str) -> str:
    """Numbers with more than :data:`DIGITS` decimals in the cells of an HTML table, shown to
    :data:`DIGITS` significant digits."""
    return _NUMBER_CELL.sub(_round_cell, text)


def reader_outputs(outputs: list[Any], lang: str = "en") -> list[Any]:
    """A code cell's outputs as published: see the module's docstring."""
    shown: list[Any] = []
    for out in outputs:
        kind = out.get("output_type")
        if kind == "stream" and out.get("name") == "stderr":
            notes = _stderr_notes(str(out.get("text", "")))
            if notes:
                shown.append(_note_output(notes, lang))
            continue
        data = out.get("data") or {}
        bare = kind == "execute_result" and set(data) <= {"text/plain"}
        if bare and _OBJECT_REPR.match(str(data.get("text/plain", ""))):
            continue
        if isinstance(data.get("text/html"), str):
            data["text/html"] = _rounded_tables(data["text/html"])
        shown.append(out)
    return shown


_UNICODE_ESCAPES = re.compile(r"(?<!\\)(?:\\u[0-9a-fA-F]{4})+")


def _unescape(m: re.Match[str]) -> str:
    units = [int(m.group(0)[i + 2 : i + 6], 16) for i in range(0, len(m.group(0)), 6)]
    raw = b"".join(u.to_bytes(2, "big") for u in units)
    try:
        return raw.decode("utf-16-be")
    except UnicodeDecodeError:  # a lone surrogate: leave it as written
        return m.group(0)


def reader_source(source: str) -> str:
    """A parameters cell as readers see it under *Show code*: ``\\uXXXX`` escapes in its string
    literals shown as the characters they stand for."""
    return _UNICODE_ESCAPES.sub(_unescape, source)


_ABSOLUTE_PATH = re.compile(r"(?P<path>(?:/[^/\s\"':,()]+)+/?)")
_KERNEL_CELL = re.compile(r"/tmp/ipykernel_\d+/\d+\.py")


#: Where an installed package's files are, then the standard library's.
_LIBRARY_FILE = (
    re.compile(r"/(?:site|dist)-packages/(?P<file>.+)$"),
    re.compile(r"/lib/python3\.\d+/(?P<file>.+)$"),
)


def _shorten(m: re.Match[str]) -> str:
    path = m.group("path")
    for pattern in _LIBRARY_FILE:
        lib = pattern.search(path)
        if lib:
            return lib.group("file")
    return path.rstrip("/").rsplit("/", 1)[-1] or path


def reader_traceback(traceback: str) -> str:
    """A traceback without the server's paths: a library's file named from its package
    (``pandas/core/frame.py``), the notebook's own cells as ``cell``, any other path by its
    file name. The executed notebook in the run folder keeps the full traceback."""
    text = _KERNEL_CELL.sub("cell", traceback)
    return _ABSOLUTE_PATH.sub(_shorten, text)
