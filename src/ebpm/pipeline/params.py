"""Typed notebook parameters: check a value against its annotation, and a task against its notebook.

A notebook's parameters cell declares ``name: type = literal  # help``. The annotation is read
with :mod:`ast` (never evaluated), so any annotation is allowed; the ones checked are ``int``,
``float``, ``str``, ``bool``, ``list``, ``list[T]``, ``tuple``, ``tuple[...]``, ``dict``,
``dict[K, V]``, ``None``, ``T | None``, ``Optional[T]``, ``Union[...]``, ``Literal[...]`` and
``Any``. Names ebpm does not know (``pd.DataFrame``, ``Path``) accept anything.

Values are coerced only without loss, in the directions YAML makes necessary:

- an ``int`` becomes a ``float`` when the float is exactly that number (``2`` → ``2.0``);
- an ``int`` becomes a ``str`` (area codes such as ``13101`` are numbers to YAML);
- a ``list`` becomes a ``tuple`` (YAML has no tuples), and a ``tuple`` a ``list``;
- containers are coerced element by element.

A ``bool`` is never an ``int``, ``float`` or ``str``, nothing becomes a ``bool``, and a
``float`` never becomes an ``int``. In a union, a value that fits an option as it is keeps its
type (``int | str`` leaves ``2`` an ``int``); otherwise the first option it can be coerced to wins.
"""

from __future__ import annotations

import ast
import functools
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from ebpm._protocol import is_secret_name, secret_places
from ebpm.errors import ParameterError, did_you_mean

__all__ = [
    "NotebookParameter",
    "ParameterProblem",
    "ParameterTypeProblem",
    "admits_none",
    "check_parameters",
    "coerce",
    "parameter_problems",
]


@dataclass(frozen=True)
class NotebookParameter:
    """One parameter of a notebook's parameters cell."""

    name: str
    type: str | None  # the annotation as written, e.g. "str", "list[str]", "str | None"
    default: Any
    help: str
    required: bool

    def accepts(self, value: Any) -> bool:
        """Whether ``value`` fits the annotation, allowing lossless coercion (``2`` for a
        ``float``, ``13101`` for a ``str``; see :func:`ebpm.pipeline.params.coerce`).

        Annotations ebpm does not check (``pd.DataFrame``) accept anything.
        """
        try:
            coerce(value, self.type)
        except ParameterTypeProblem:
            return False
        return True


class ParameterTypeProblem(Exception):  # noqa: N818 - internal, turned into ParameterError text
    """A value does not fit an annotation (internal: :func:`check_parameters` reports it).

    ``str(problem)`` says what is wrong in words, e.g. ``"element 2 ('x') is a str, not an
    int"``; ``top`` is True when the value itself (not an element of it) has the wrong type.
    """

    def __init__(self, message: str, *, top: bool = False, choices: tuple[Any, ...] = ()):
        super().__init__(message)
        self.top = top
        self.choices = choices


# --- parsed annotations ----------------------------------------------------------------------
# A parsed annotation is a small tuple tree:
#   ("any",)  ("none",)  ("scalar", "int")  ("list", T | None)  ("tuple", (T, ...) | None, ellipsis)
#   ("dict", K | None, V | None)  ("union", (T, ...))  ("literal", (values...))
_Type = tuple[Any, ...]
_ANY: _Type = ("any",)
_NONE: _Type = ("none",)
_SCALARS = ("int", "float", "str", "bool")
_ALIASES = {
    "List": "list",
    "Sequence": "list",
    "Tuple": "tuple",
    "Dict": "dict",
    "Mapping": "dict",
    "NoneType": "None",
}


def _name_of(node: ast.expr) -> str | None:
    """``int`` for ``int``, ``Optional`` for ``typing.Optional`` / ``t.Optional``."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
        if node.value.id in ("typing", "t", "typing_extensions", "collections", "abc"):
            return node.attr
        return f"{node.value.id}.{node.attr}"
    return None


def _elements(node: ast.expr) -> list[ast.expr]:
    return list(node.elts) if isinstance(node, ast.Tuple) else [node]


def _union(options: list[_Type]) -> _Type:
    flat: list[_Type] = []
    for option in options:
        for o in option[1] if option[0] == "union" else (option,):
            if o not in flat:
                flat.append(o)
    if _ANY in flat:
        return _ANY
    return flat[0] if len(flat) == 1 else ("union", tuple(flat))


def _from_ast(node: ast.expr) -> _Type:
    if isinstance(node, ast.Constant):
        if node.value is None:
            return _NONE
        if isinstance(node.value, str):  # a string annotation: "int"
            return _parse(node.value)
        return _ANY
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
        return _union([_from_ast(node.left), _from_ast(node.right)])
    if isinstance(node, ast.Subscript):
        base = _name_of(node.value)
        base = _ALIASES.get(base or "", base)
        args = _elements(node.slice)
        if base == "Optional":
            return _union([_from_ast(args[0]), _NONE])
        if base == "Union":
            return _union([_from_ast(a) for a in args])
        if base == "Literal":
            try:
                values = tuple(ast.literal_eval(a) for a in args)
            except ValueError:
                return _ANY
            return ("literal", values)
        if base == "list":
            return ("list", _from_ast(args[0]))
        if base == "tuple":
            if len(args) == 2 and isinstance(args[1], ast.Constant) and args[1].value is ...:
                return ("tuple", (_from_ast(args[0]),), True)
            if len(args) == 1 and isinstance(args[0], ast.Tuple) and not args[0].elts:
                return ("tuple", (), False)  # tuple[()]
            return ("tuple", tuple(_from_ast(a) for a in args), False)
        if base == "dict" and len(args) == 2:
            return ("dict", _from_ast(args[0]), _from_ast(args[1]))
        return _ANY  # set[int], np.ndarray[...]: not checked
    name = _name_of(node)
    name = _ALIASES.get(name or "", name)
    if name in _SCALARS:
        return ("scalar", name)
    if name == "None":
        return _NONE
    if name == "list":
        return ("list", None)
    if name == "tuple":
        return ("tuple", None, True)
    if name == "dict":
        return ("dict", None, None)
    return _ANY  # Any, object, pd.DataFrame, Path, ...: accept anything


@functools.lru_cache(maxsize=256)
def _parse(annotation: str) -> _Type:
    try:
        tree = ast.parse(annotation.strip(), mode="eval")
    except SyntaxError:
        return _ANY
    return _from_ast(tree.body)


# --- coercion --------------------------------------------------------------------------------
def _kind(value: Any) -> str:
    if value is None:
        return "None"
    name = type(value).__name__
    return f"an {name}" if name[0] in "aeiou" else f"a {name}"


def _show(t: _Type) -> str:
    """An annotation in words, for messages about elements."""
    tag = t[0]
    if tag == "any":
        return "anything"
    if tag == "none":
        return "None"
    if tag == "scalar":
        return {"int": "an int", "float": "a float", "str": "a str", "bool": "a bool"}[t[1]]
    if tag == "literal":
        return "one of " + ", ".join(repr(v) for v in t[1])
    if tag == "union":
        return " or ".join(_show(o) for o in t[1])
    return f"a {tag}"


def _scalar(value: Any, name: str, strict: bool) -> Any:
    if isinstance(value, bool):
        if name == "bool":
            return value
    elif name == "int":
        if isinstance(value, int):
            return value
    elif name == "float":
        if isinstance(value, float):
            return value
        if isinstance(value, int) and not strict:
            as_float = float(value) if abs(value) < 2**1024 else None
            if as_float is not None and int(as_float) == value:
                return as_float
            raise ParameterTypeProblem(
                f"{value!r} cannot be a float without losing digits", top=True
            )
    elif name == "str":
        if isinstance(value, str):
            return value
        if isinstance(value, int) and not strict:
            return str(value)
    raise ParameterTypeProblem(f"{_kind(value)}, not {_show(('scalar', name))}", top=True)


def _coerce(value: Any, t: _Type, strict: bool) -> Any:
    tag = t[0]
    if tag == "any":
        return value
    if tag == "none":
        if value is None:
            return None
        raise ParameterTypeProblem(f"{_kind(value)}, not None", top=True)
    if tag == "scalar":
        return _scalar(value, t[1], strict)
    if tag == "literal":
        for choice in t[1]:
            if type(value) is type(choice) and value == choice:
                return value
        if not strict and type(value) is int and str(value) in t[1]:  # Literal["13101"]
            return str(value)
        raise ParameterTypeProblem(
            f"{value!r} is not one of {', '.join(repr(c) for c in t[1])}",
            top=True,
            choices=t[1],
        )
    if tag == "union":
        for option in t[1]:  # a value that fits as it is keeps its type ...
            try:
                return _coerce(value, option, True)
            except ParameterTypeProblem:
                pass
        if not strict:  # ... else the first option it converts to
            for option in t[1]:
                try:
                    return _coerce(value, option, False)
                except ParameterTypeProblem:
                    pass
        choices = tuple(c for o in t[1] if o[0] == "literal" for c in o[1])
        if choices and _NONE in t[1]:
            choices = (*choices, None)
        raise ParameterTypeProblem(f"{_kind(value)}, not {_show(t)}", top=True, choices=choices)
    if tag == "list":
        if not isinstance(value, list | tuple) or (strict and not isinstance(value, list)):
            raise ParameterTypeProblem(f"{_kind(value)}, not a list", top=True)
        return [_element(v, t[1], i, strict) for i, v in enumerate(value)]
    if tag == "tuple":
        if not isinstance(value, list | tuple) or (strict and not isinstance(value, tuple)):
            raise ParameterTypeProblem(f"{_kind(value)}, not a tuple", top=True)
        items, variadic = t[1], t[2]
        if items is None:
            return tuple(value)
        if variadic:
            return tuple(_element(v, items[0], i, strict) for i, v in enumerate(value))
        if len(value) != len(items):
            raise ParameterTypeProblem(
                f"it has {len(value)} element(s), the tuple needs {len(items)}", top=False
            )
        return tuple(
            _element(v, e, i, strict) for i, (v, e) in enumerate(zip(value, items, strict=True))
        )
    if tag == "dict":
        if not isinstance(value, dict):
            raise ParameterTypeProblem(f"{_kind(value)}, not a dict", top=True)
        key_t, value_t = t[1], t[2]
        if key_t is None:
            return dict(value)
        out = {}
        for k, v in value.items():
            try:
                ck = _coerce(k, key_t, strict)
            except ParameterTypeProblem as err:
                raise ParameterTypeProblem(f"key {k!r} is {err}") from err
            try:
                out[ck] = _coerce(v, value_t, strict)
            except ParameterTypeProblem as err:
                raise ParameterTypeProblem(f"value of key {k!r} ({v!r}) is {err}") from err
        return out
    raise AssertionError(f"unknown annotation tag {tag!r}")  # pragma: no cover


def _element(value: Any, t: _Type | None, index: int, strict: bool) -> Any:
    if t is None:
        return value
    try:
        return _coerce(value, t, strict)
    except ParameterTypeProblem as err:
        raise ParameterTypeProblem(f"element {index} ({value!r}) is {err}") from err


def coerce(value: Any, annotation: str | None) -> Any:
    """Return ``value`` converted, without loss, to fit ``annotation``.

    Parameters
    ----------
    value : object
        A parameter value as read from YAML or the command line.
    annotation : str or None
        The annotation as written in the parameters cell (``"list[str]"``, ``"int | None"``);
        ``None`` (no annotation) accepts anything.

    Returns
    -------
    object
        ``value`` itself, or a converted copy (``2`` → ``2.0`` for ``float``, ``13101`` →
        ``"13101"`` for ``str``, a list → a tuple for ``tuple[...]``).

    Raises
    ------
    ParameterTypeProblem
        The value does not fit; ``str(err)`` says how (e.g. ``"a str, not an int"``).
    """
    if annotation is None:
        return value
    return _coerce(value, _parse(annotation), False)


def admits_none(annotation: str | None) -> bool:
    """Whether ``None`` fits ``annotation`` (no annotation, ``Any``, ``T | None``, ...).

    An annotation ebpm does not check (``pd.DataFrame``) does *not* count as admitting ``None``:
    ``df: pd.DataFrame = None`` is a required parameter.
    """
    if annotation is None:
        return True
    tree = _parse(annotation)
    if tree == _ANY:
        head = annotation.strip().split("[", 1)[0].split(".")[-1]
        return head in ("Any", "object")
    options = tree[1] if tree[0] == "union" else (tree,)
    return any(o in (_NONE, _ANY) for o in options)


# --- checking a task -------------------------------------------------------------------------
@dataclass(frozen=True)
class ParameterProblem:
    """One problem with one parameter of a task."""

    parameter: str
    kind: Literal["unknown", "missing", "type", "secret"]
    message: str  # a full sentence that names the parameter, the notebook and the fix


def parameter_problems(
    given: Mapping[str, Any],
    declared: Mapping[str, NotebookParameter],
    *,
    where: str,
    notebook: str,
    param_where: Mapping[str, str] | None = None,
) -> tuple[dict[str, Any], list[ParameterProblem]]:
    """Check parameters against a parameters cell; return the coerced values and every problem.

    Parameters
    ----------
    given : mapping
        The task's parameters (name → value).
    declared : mapping
        The notebook's parameters cell, from :func:`ebpm.pipeline.notebooks.parameters_cell`.
    where : str
        Where the values were given, for the fix: ``"pipelines/demo.yaml, line 14"`` or
        ``"the command line (-p vcov ...)"``.
    notebook : str
        The notebook's name as the messages show it (``"did.py"``).
    param_where : mapping, optional
        A more precise ``where`` per parameter name (the line of each value).

    Returns
    -------
    (dict, list of ParameterProblem)
        The parameters to inject (coerced; problems leave their value as given) and the problems.
    """
    param_where = param_where or {}
    out: dict[str, Any] = {}
    problems: list[ParameterProblem] = []
    for raw_name, value in given.items():
        name = str(raw_name)
        at = param_where.get(name, where)
        out[name] = value
        if name not in declared:
            problems.append(
                ParameterProblem(
                    name,
                    "unknown",
                    f"parameter {name!r} is not in {notebook}'s parameters cell."
                    f"{did_you_mean(name, declared)} Fix the name in {at}, or declare it in "
                    f"{notebook}'s parameters cell.",
                )
            )
            continue
        if is_secret_name(name) and value is not None and value != "":
            problems.append(
                _secret_problem(name, f"parameter {name!r} looks like a secret", at, notebook)
            )
            continue
        places = secret_places(value, name)
        if places:
            problems.append(
                _secret_problem(
                    name,
                    f"parameter {name!r} holds a secret at {', '.join(places)}",
                    at,
                    notebook,
                )
            )
            continue
        annotation = declared[name].type
        try:
            out[name] = coerce(value, annotation)
        except ParameterTypeProblem as err:
            problems.append(
                ParameterProblem(
                    name, "type", _type_message(name, value, annotation, err, at, notebook)
                )
            )
    for name, p in declared.items():
        if p.required and name not in given:
            problems.append(
                ParameterProblem(
                    name,
                    "missing",
                    f"parameter {name!r} is required by {notebook} "
                    f"({p.help or 'no description'}) but not given; add `{name}: ...` to the "
                    f"task's parameters in {where}.",
                )
            )
    return out, problems


def _secret_problem(name: str, what: str, at: str, notebook: str) -> ParameterProblem:
    """A secret in a parameter, at the top or deep inside: refused, never shown (only where)."""
    return ParameterProblem(
        name,
        "secret",
        f"{what}; parameters are written into the executed notebook, the run manifest and the "
        f"report. Remove it from {at} and read it from the environment in {notebook} instead "
        "(for e-Stat, ebpm reads EBPM_ESTAT_APP_ID itself).",
    )


def _type_message(
    name: str, value: Any, annotation: str | None, err: ParameterTypeProblem, at: str, nb: str
) -> str:
    declaration = f"`{name}: {annotation}`"
    if err.choices and isinstance(value, str):
        hint = did_you_mean(value, [c for c in err.choices if isinstance(c, str)])
        allowed = ", ".join(repr(c) for c in err.choices)
        return (
            f"parameter {name!r} = {value!r} is not one of {allowed} ({nb} declares {declaration})."
            f"{hint} Fix the value in {at}."
        )
    if err.top and value is None:
        return (
            f"parameter {name!r} is None (empty), but {nb} declares {declaration}; fix the "
            f"value in {at}."
        )
    if err.top:
        return (
            f"parameter {name!r} = {value!r} is {_kind(value)}, but {nb} declares {declaration}; "
            f"fix the value in {at}."
        )
    return (
        f"parameter {name!r} = {value!r}: {err}; {nb} declares {declaration}. Fix the value "
        f"in {at}."
    )


def check_parameters(
    task_name: str,
    given: Mapping[str, Any],
    declared: Mapping[str, NotebookParameter],
    *,
    where: str,
    notebook: str,
    param_where: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """Check a task's parameters against its notebook's parameters cell; return them coerced.

    Parameters
    ----------
    task_name : str
        The task, as messages name it.
    given : mapping
        The task's parameters.
    declared : mapping
        The notebook's parameters cell (:func:`ebpm.pipeline.notebooks.parameters_cell`).
    where : str
        Where the parameters were given (``"pipelines/demo.yaml, line 14"``,
        ``"the command line (-p vcov ...)"``); messages tell the user to fix them there.
    notebook : str
        The notebook's name as messages show it (``"did.py"``).
    param_where : mapping, optional
        A more precise ``where`` per parameter (see :attr:`ebpm.pipeline.spec.Task.param_lines`).

    Returns
    -------
    dict
        The parameters to inject, coerced losslessly to their annotations (``13101`` → ``"13101"``
        for a ``str``, ``2`` → ``2.0`` for a ``float``).

    Raises
    ------
    ParameterError
        One error listing every unknown, missing or mistyped parameter of the task, each with a
        close match or the declaration, and where to fix it.
    """
    out, problems = parameter_problems(
        given, declared, where=where, notebook=notebook, param_where=param_where
    )
    if problems:
        raise ParameterError(f"task {task_name!r}: " + " ".join(p.message for p in problems))
    return out
