"""Read notebooks (``.ipynb`` or jupytext ``.py``) and their tagged ``parameters`` cell.

The parameters cell is parsed with :mod:`ast`, without starting a kernel or importing papermill:
``name: type = literal  # help`` per line. A parameter is *required* when its literal is ``None``
and its annotation does not admit ``None`` (``dataset: str = None  # required``).
"""

from __future__ import annotations

import ast
import io
import tokenize
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ebpm.errors import ParameterError, PipelineError

__all__ = ["NotebookParameter", "parameters_cell", "read_notebook"]

_TYPES: dict[str, tuple[type, ...]] = {
    "int": (int,),
    "float": (float, int),
    "str": (str,),
    "bool": (bool,),
    "list": (list, tuple),
    "dict": (dict,),
}


@dataclass(frozen=True)
class NotebookParameter:
    """One parameter of a notebook's parameters cell."""

    name: str
    type: str | None  # the annotation as written, e.g. "str", "list[str]", "str | None"
    default: Any
    help: str
    required: bool

    def accepts(self, value: Any) -> bool:
        """Whether ``value`` fits the annotation (unknown annotations accept anything)."""
        if self.type is None:
            return True
        annotation = self.type.strip()
        if annotation.startswith("Optional[") and annotation.endswith("]"):
            annotation = annotation[len("Optional[") : -1] + " | None"
        options = [t.strip() for t in annotation.split("|")]
        for option in options:
            base = option.split("[", 1)[0]
            if base in ("None", "NoneType") and value is None:
                return True
            if base == "Any":
                return True
            if base in _TYPES:
                if isinstance(value, bool) and base in ("int", "float"):
                    continue
                if isinstance(value, _TYPES[base]):
                    return True
            elif base not in ("None", "NoneType"):
                return True  # a type we do not check
        return False


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


def _comments(source: str) -> dict[int, str]:
    out: dict[int, str] = {}
    try:
        for tok in tokenize.generate_tokens(io.StringIO(source).readline):
            if tok.type == tokenize.COMMENT:
                out[tok.start[0]] = tok.string.lstrip("#").strip()
    except (tokenize.TokenError, IndentationError):
        pass
    return out


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
    comments = _comments(source)
    params: dict[str, NotebookParameter] = {}
    for node in tree.body:
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
        try:
            default = ast.literal_eval(value) if value is not None else None
        except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError) as err:
            raise ParameterError(
                f"{path}: parameter {name!r} must be a literal (number, string, list, ...), "
                f"not {ast.unparse(value)!r}"
            ) from err
        admits_none = annotation is None or "None" in annotation or "Optional" in annotation
        params[name] = NotebookParameter(
            name=name,
            type=annotation,
            default=default,
            help=comments.get(node.lineno, ""),
            required=default is None and not admits_none,
        )
    return params
