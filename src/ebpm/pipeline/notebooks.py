"""Read notebooks (``.ipynb`` or jupytext ``.py``) and their tagged ``parameters`` cell.

The parameters cell is parsed with :mod:`ast`, without starting a kernel or importing papermill:
``name: type = literal  # help`` per line (``from typing import Literal`` lines are allowed, for
annotations). A parameter is *required* when its literal is ``None`` and its annotation does not
admit ``None`` (``dataset: str = None  # required``). Annotations are checked by
:mod:`ebpm.pipeline.params`.
"""

from __future__ import annotations

import ast
import functools
import hashlib
import io
import json
import re
import tokenize
from pathlib import Path
from typing import Any

from ebpm.errors import ParameterError, PipelineError
from ebpm.pipeline.params import NotebookParameter, admits_none

__all__ = ["NotebookParameter", "declared_parameters", "parameters_cell", "read_notebook"]

#: Modules the parameters cell may import names from (for annotations such as ``Literal``).
_IMPORTABLE = ("typing", "__future__")


def read_notebook(path: str | Path) -> Any:
    """Read a notebook as an nbformat ``NotebookNode``; ``.py`` files through jupytext."""
    path = Path(path)
    if not path.is_file():
        raise PipelineError(f"notebook {str(path)!r} does not exist; check the path in the spec")
    try:
        if path.suffix == ".ipynb":
            import nbformat

            return nbformat.read(path, as_version=4)
        import jupytext

        return jupytext.read(path)
    except Exception as err:
        raise PipelineError(f"cannot read notebook {str(path)!r}: {err}") from err


def _comments(source: str) -> tuple[dict[int, str], dict[int, str]]:
    """Comments by line: (after code on the line, alone on their line)."""
    inline: dict[int, str] = {}
    alone: dict[int, str] = {}
    code_lines: set[int] = set()
    skip = (tokenize.COMMENT, tokenize.NL, tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT)
    try:
        for tok in tokenize.generate_tokens(io.StringIO(source).readline):
            if tok.type == tokenize.COMMENT:
                text = tok.string.lstrip("#").strip()
                (inline if tok.start[0] in code_lines else alone)[tok.start[0]] = text
            elif tok.type not in skip:
                code_lines.update(range(tok.start[0], tok.end[0] + 1))
    except (tokenize.TokenError, IndentationError):
        pass
    return inline, alone


def parameters_cell(nb: Any, *, path: str | Path = "<notebook>") -> dict[str, NotebookParameter]:
    """The parameters declared in the notebook's cell tagged ``parameters``.

    Raises
    ------
    ParameterError
        No cell is tagged ``parameters``, or the cell is not simple assignments of literals.
    """
    cells = [
        c
        for c in nb.cells
        if c.cell_type == "code" and "parameters" in c.get("metadata", {}).get("tags", [])
    ]
    if not cells:
        raise ParameterError(
            f"{path}: no cell is tagged 'parameters'; tag the first code cell `parameters` "
            '(in a jupytext .py notebook: `# %% tags=["parameters"]`)'
        )
    source = cells[0].source
    try:
        tree = ast.parse(source)
    except SyntaxError as err:
        raise ParameterError(
            f"{path}: the parameters cell does not parse at line {err.lineno}: {err.msg}"
        ) from err
    inline, alone = _comments(source)
    params: dict[str, NotebookParameter] = {}
    for node in tree.body:
        if isinstance(node, ast.ImportFrom) and node.module in _IMPORTABLE:
            continue  # `from typing import Literal`: annotations are evaluated when the cell runs
        if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            name, annotation, value = node.target.id, ast.unparse(node.annotation), node.value
        elif (
            isinstance(node, ast.Assign)
            and len(node.targets) == 1
            and isinstance(node.targets[0], ast.Name)
        ):
            name, annotation, value = node.targets[0].id, None, node.value
        else:
            raise ParameterError(
                f"{path}: line {node.lineno} of the parameters cell is not `name: type = value`; "
                "keep the cell to plain assignments of literals"
            )
        default = None
        if value is not None:
            try:
                default = ast.literal_eval(value)
            except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError) as err:
                raise ParameterError(
                    f"{path}: parameter {name!r} must be a literal (number, string, list, ...), "
                    f"not {ast.unparse(value)!r}"
                ) from err
        params[name] = NotebookParameter(
            name=name,
            type=annotation,
            default=default,
            # the comment after the value, else a comment alone on the line above
            help=inline.get(node.lineno) or alone.get(node.lineno - 1, ""),
            required=default is None and not admits_none(annotation),
        )
    return params


_PERCENT_CELL = re.compile(r"^# %%(.*)$")


def _ipynb_parameters_source(path: Path) -> str | None:
    """The parameters cell of an ``.ipynb`` notebook, read as plain JSON.

    Reading one cell needs no schema validation: nbformat's validator builds its URI grammars on
    import (seconds on a busy machine), which made the preflight of an ``.ipynb`` pipeline ten
    times that of a ``.py`` one (issue 22). None when the file is not a notebook of the usual
    shape (no ``cells`` list, no tagged cell); the caller then reads it with nbformat, whose
    error says what is wrong.
    """
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError):
        return None
    cells = data.get("cells") if isinstance(data, dict) else None
    if not isinstance(cells, list):
        return None
    for cell in cells:
        if not isinstance(cell, dict) or cell.get("cell_type") != "code":
            continue
        tags = (cell.get("metadata") or {}).get("tags") or []
        if isinstance(tags, list) and "parameters" in tags:
            source = cell.get("source", "")
            if isinstance(source, list) and all(isinstance(x, str) for x in source):
                return "".join(source)
            return source if isinstance(source, str) else None
    return None


def _fast_parameters_source(path: Path) -> str | None:
    """The parameters cell of a jupytext percent-format ``.py`` notebook, read as text, or of
    an ``.ipynb`` read as JSON (:func:`_ipynb_parameters_source`).

    Saves importing jupytext (about 1.7 s) or nbformat's validator when a rerun only needs the
    parameters. None when the file is not in that format; the caller then reads it in full.
    """
    if path.suffix == ".ipynb":
        return _ipynb_parameters_source(path)
    if path.suffix != ".py":
        return None
    lines = path.read_text(encoding="utf-8").splitlines()
    start = None
    for i, line in enumerate(lines):
        m = _PERCENT_CELL.match(line)
        if not m:
            continue
        if start is not None:
            return "\n".join(lines[start:i]).strip("\n")
        if re.search(r"""tags\s*=\s*\[[^\]]*["']parameters["']""", m.group(1)):
            start = i + 1
    return "\n".join(lines[start:]).strip("\n") if start is not None else None


class _Cell(dict):
    """Just enough of an nbformat cell for :func:`parameters_cell`."""

    __getattr__ = dict.__getitem__


def declared_parameters(
    notebook: Path, *, shown: str | Path | None = None
) -> dict[str, NotebookParameter]:
    """The parameters a notebook declares, without jupytext when the format allows.

    ``shown`` is how error messages name the notebook (default: its path). A notebook whose
    bytes were parsed before is not parsed again (a run checks its tasks' parameters, then their
    datasets and columns, from the same cell; an ``.ipynb`` would import nbformat each time).
    """
    shown = notebook if shown is None else shown
    try:
        digest = hashlib.sha256(Path(notebook).read_bytes()).hexdigest()
    except OSError:
        return _declared(Path(notebook), str(shown))  # its own clear error
    return dict(_declared_cached(Path(notebook), str(shown), digest))


@functools.lru_cache(maxsize=256)
def _declared_cached(notebook: Path, shown: str, digest: str) -> dict[str, NotebookParameter]:
    return _declared(notebook, shown)


def _declared(notebook: Path, shown: str) -> dict[str, NotebookParameter]:
    source = _fast_parameters_source(notebook)
    if source is not None:
        cell = _Cell(cell_type="code", metadata={"tags": ["parameters"]}, source=source)
        return parameters_cell(_Cell(cells=[cell]), path=shown)
    return parameters_cell(read_notebook(notebook), path=shown)
