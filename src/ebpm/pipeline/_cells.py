"""Which cells of a pipeline notebook changed since its last run: what ``ebpm run`` says when a
task runs again because its notebook changed (a scratch cell left in by mistake shows here
before it reaches a published page).

The notebook is compared with the executed copy of its last good run (``runs/<pipeline>/<run>/
<task>.ipynb``), whose cells are the notebook's as they were then, plus the parameters
papermill injected (left out here).
"""

from __future__ import annotations

import difflib
import json
import re
from pathlib import Path

from ebpm._protocol import is_secret_name, redact_text

__all__ = ["cell_changes", "describe_changes", "notebook_changes"]

_SHOWN = 3  # cells named in a message; the rest are counted


def _sources(cells: list[dict]) -> list[str]:
    out = []
    for cell in cells:
        tags = (cell.get("metadata") or {}).get("tags") or []
        if "injected-parameters" in tags:
            continue
        source = cell.get("source", "")
        source = "".join(source) if isinstance(source, list) else str(source)
        out.append(f"{cell.get('cell_type', 'code')}\n{source.strip()}")
    return out


def cell_changes(before: list[str], after: list[str]) -> list[tuple[str, int, str]]:
    """The cells that differ: (``"edited"`` | ``"added"`` | ``"removed"``, 1-based position
    in ``after`` (in ``before`` for a removed cell), its first line).

    ``before`` and ``after`` are the cells' sources, each prefixed by its type and a newline.
    """
    found: list[tuple[str, int, str]] = []
    matcher = difflib.SequenceMatcher(a=before, b=after, autojunk=False)
    for op, a0, a1, b0, b1 in matcher.get_opcodes():
        if op == "equal":
            continue
        paired = min(a1 - a0, b1 - b0) if op == "replace" else 0
        for k in range(paired):
            found.append(("edited", b0 + k + 1, _first_line(after[b0 + k])))
        for j in range(b0 + paired, b1):
            found.append(("added", j + 1, _first_line(after[j])))
        for i in range(a0 + paired, a1):
            found.append(("removed", i + 1, _first_line(before[i])))
    return found


def _first_line(source: str) -> str:
    """The cell's first line, shortened; a line naming a secret (``token = ...``) is not
    repeated, since the reason is printed by the run and logged by scheduled runs."""
    kind, _, text = source.partition("\n")
    line = next((s.strip() for s in text.splitlines() if s.strip()), f"(empty {kind} cell)")
    if any(is_secret_name(word) for word in re.findall(r"[A-Za-z_]\w*", line)):
        return "a line naming a secret, not shown"
    line = redact_text(line)
    return line if len(line) <= 50 else line[:49] + "…"


def describe_changes(changes: list[tuple[str, int, str]]) -> str:
    """``"cell 4 edited (`model = ...`), cell 9 added (`print(x)`)"``, naming at most three
    cells and counting the rest; "" when nothing changed."""
    shown = [f"cell {n} {what} (`{line}`)" for what, n, line in changes[:_SHOWN]]
    more = len(changes) - _SHOWN
    if more > 0:
        shown.append(f"and {more} more")
    return ", ".join(shown)


def notebook_changes(notebook: Path, executed: Path) -> str:
    """What changed in ``notebook`` since it ran as ``executed``, in words; "" when it cannot
    tell (the executed copy is gone or unreadable) or only the text around cells changed."""
    from ebpm.errors import EbpmError
    from ebpm.pipeline.notebooks import read_notebook

    try:
        ran = json.loads(executed.read_text(encoding="utf-8"))
        now = read_notebook(notebook)
    except (OSError, ValueError, EbpmError):  # a copy ebpm cannot read tells nothing more
        return ""
    before = _sources(ran.get("cells") or [])
    after = _sources([dict(c) for c in now.cells])
    return describe_changes(cell_changes(before, after))
