"""A spec task's grid and output names: each combination of a grid is a task, named by the
task's ``output`` template (``"{task}-{dataset}"``), checked to be a safe, unique file name."""

from __future__ import annotations

import itertools
import re
import string
import unicodedata
from pathlib import PureWindowsPath
from typing import Any

from ebpm._yaml import spec_error as _error
from ebpm.errors import did_you_mean

__all__ = ["slug"]


def slug(text: str) -> str:
    """A file-name-safe version of ``text``: letters, digits (any script), ``.``, ``_``, ``-``.

    The text is NFC-normalised first, and combining marks are kept, so a decomposed ``é`` or
    ``が`` (as macOS file names have them) gives the same name as the composed one.
    """
    text = unicodedata.normalize("NFC", str(text))
    kept = (c if c in "._-" or unicodedata.category(c)[0] in "LNM" else "\0" for c in text)
    out = re.sub("\0+", "-", "".join(kept)).strip("-.")
    return out or "task"


def _expand_grid(
    grid: Any, at: tuple[Any, ...], lines: dict[tuple[Any, ...], int]
) -> list[tuple[dict[str, Any], dict[str, int]]]:
    """Parameter combinations of a (validated) grid, each with the line of each value."""
    if grid is None:
        return [({}, {})]
    if isinstance(grid, dict):
        keys = list(grid)
        out = []
        for combo in itertools.product(*(list(enumerate(grid[k])) for k in keys)):
            values = {k: v for k, (_, v) in zip(keys, combo, strict=True)}
            where = {
                k: lines.get((*at, k, j), lines.get((*at, k), 0))
                for k, (j, _) in zip(keys, combo, strict=True)
            }
            out.append((values, where))
        return out
    return [(dict(g), {k: lines.get((*at, j, k), 0) for k in g}) for j, g in enumerate(grid)]


def _template_fields(template: str) -> list[tuple[str, str, str | None]]:
    """(field name, format spec, conversion) of every field of ``template``."""
    fields = []
    for _, name, spec, conversion in string.Formatter().parse(template):
        if name is not None:
            fields.append((name, spec or "", conversion))
    return fields


def _format_field(value: Any, spec: str, conversion: str | None) -> str:
    if conversion == "r":
        value = repr(value)
    elif conversion == "a":
        value = ascii(value)
    elif conversion == "s":
        value = str(value)
    return format(value, spec)


def _escape_reason(text: str) -> tuple[str, Any] | None:
    """Why ``text`` cannot be a file name inside the run directory, and a test for the part of
    the name that causes it (None: it can be)."""
    if not text.strip():
        return "it is empty", lambda piece: not piece.strip()
    for char in ("/", "\\"):
        if char in text:
            return f"it contains {char!r}", lambda piece, c=char: c in piece
    if text == ".." or PureWindowsPath(text).drive:
        return (
            "it points outside the folder",
            lambda piece: piece in (".", "..") or bool(PureWindowsPath(piece).drive),
        )
    bad = next((c for c in text if unicodedata.category(c) == "Cc"), None)
    if bad is not None:
        return f"it contains the control character {bad!r}", lambda piece, c=bad: c in piece
    return None


def _output_name(
    template: str, values: dict[str, Any], group: str, shown: str, line: int | None, prefix: str
) -> str:
    try:
        fields = _template_fields(template)
    except ValueError as err:
        raise _error(
            shown,
            line,
            f"{prefix}output template {template!r} uses braces wrongly ({err}); write fields as "
            "{name}, and {{ }} for a literal brace",
        ) from err
    available = {**values, "task": group}
    for name, _, _ in fields:
        if not name.isidentifier():
            raise _error(
                shown,
                line,
                f"{prefix}output template {template!r} uses {name!r}; fields must be parameter "
                f"names (no positions, '.' or '[...]'); parameters are {sorted(values)}",
            )
        if name not in available:
            raise _error(
                shown,
                line,
                f"{prefix}output template {template!r} uses {name!r}, which is not a parameter; "
                f"parameters are {sorted(values)}.{did_you_mean(name, available)}",
            )
    try:
        text = template.format(**available)
        pieces = {name: _format_field(available[name], s, c) for name, s, c in fields}
    except (ValueError, TypeError) as err:
        raise _error(
            shown, line, f"{prefix}output template {template!r} cannot be formatted: {err}"
        ) from err
    escape = _escape_reason(text)
    if escape is not None:
        reason, caused = escape
        culprit = next((n for n, piece in pieces.items() if n != "task" and caused(piece)), None)
        source = (
            f"parameter `{culprit}` = {available[culprit]!r} makes it so"
            if culprit
            else "the template itself makes it so"
        )
        raise _error(
            shown,
            line,
            f"{prefix}output name {text!r} (from template {template!r}) escapes the run "
            f"directory: {reason}; {source}. Name reports from parameters whose values are "
            'plain names, e.g. output: "{task}-{vcov}", or change the value.',
        )
    return slug(text)
