"""The estimators are written in steps, with pyfixest behind one adapter (issue 17, item 8).

Each research design reads validate -> prepare -> fit -> result, one small private function a
step, so no function in ``src/ebpm/estimators`` runs past ``MAX_BODY`` lines and no module past
``MAX_FILE``. pyfixest is imported, and its private attributes (``_beta_hat``, ``_vcov``,
``_r2`` ...) are read, in ``estimators/_pyfixest.py`` only: when pyfixest renames one, one
module changes. The estimators define no classes, so an underscore attribute read anywhere else
in the package is an engine's internals.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests.conftest import ROOT

ESTIMATORS = ROOT / "src" / "ebpm" / "estimators"
#: Longest function body allowed, counted from the first statement after the docstring.
MAX_BODY = 100
#: Longest module allowed, in lines.
MAX_FILE = 800
#: The one module that may import pyfixest and read its private attributes.
ADAPTER = "_pyfixest.py"

MODULES = sorted(ESTIMATORS.glob("*.py"))


def _body_lines(node: ast.FunctionDef | ast.AsyncFunctionDef) -> int:
    """Lines from the first statement after the docstring to the end of the function."""
    body = node.body
    first = body[0]
    docstring = (
        isinstance(first, ast.Expr)
        and isinstance(first.value, ast.Constant)
        and isinstance(first.value.value, str)
    )
    if docstring and len(body) > 1:
        first = body[1]
    return (node.end_lineno or node.lineno) - first.lineno + 1


def long_functions(source: str) -> list[str]:
    """``name (n lines)`` of every function (nested ones too) whose body exceeds ``MAX_BODY``."""
    out = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            n = _body_lines(node)
            if n > MAX_BODY:
                out.append(f"{node.name} ({n} lines, line {node.lineno})")
    return out


def _private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def private_reads(source: str) -> list[str]:
    """Underscore attributes read off another object: ``x._a`` or ``getattr(x, "_a", ...)``."""
    out = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Attribute) and _private(node.attr):
            owner = node.value.id if isinstance(node.value, ast.Name) else None
            if owner not in ("self", "cls"):
                out.append(f"line {node.lineno}: .{node.attr}")
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id in ("getattr", "hasattr")
            and len(node.args) >= 2
            and isinstance(node.args[1], ast.Constant)
            and isinstance(node.args[1].value, str)
            and _private(node.args[1].value)
        ):
            out.append(f"line {node.lineno}: {node.func.id}(..., {node.args[1].value!r})")
    return out


def pyfixest_imports(source: str) -> list[str]:
    out = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            names = [node.module or ""]
        else:
            continue
        out += [f"line {node.lineno}: {n}" for n in names if n.split(".")[0] == "pyfixest"]
    return out


def test_the_walk_sees_every_design() -> None:
    names = {p.name for p in MODULES}
    assert {"did.py", "event_study.py", "staggered.py", "synth.py", "rdd.py", "its.py"} <= names
    assert {"balance.py", ADAPTER} <= names


def test_the_checks_catch_what_they_look_for() -> None:
    def function(n: int) -> str:
        return "def f():\n    '''Doc.'''\n" + "    x = 1\n" * n

    assert long_functions(function(MAX_BODY + 1)) == [f"f ({MAX_BODY + 1} lines, line 1)"]
    assert long_functions(function(MAX_BODY)) == []
    reads = "b = fit._beta_hat\nr = getattr(fit, '_r2_within', 0)\ns = self._x\nt = o.__class__\n"
    assert private_reads(reads) == [
        "line 1: ._beta_hat",
        "line 2: getattr(..., '_r2_within')",
    ]
    assert pyfixest_imports("import pyfixest as pf\nfrom pyfixest.estimation import demean\n")


@pytest.mark.parametrize("path", MODULES, ids=lambda p: p.name)
def test_no_function_runs_past_the_limit(path: Path) -> None:
    long = long_functions(path.read_text(encoding="utf-8"))
    assert long == [], (
        f"{path.name}: {long} exceed {MAX_BODY} lines; split the design into validate, prepare, "
        "fit and result steps (small private functions)"
    )


@pytest.mark.parametrize("path", MODULES, ids=lambda p: p.name)
def test_no_module_runs_past_the_limit(path: Path) -> None:
    n = len(path.read_text(encoding="utf-8").splitlines())
    assert n <= MAX_FILE, f"{path.name} has {n} lines (at most {MAX_FILE}); split it"


@pytest.mark.parametrize("path", [p for p in MODULES if p.name != ADAPTER], ids=lambda p: p.name)
def test_engine_internals_are_read_only_in_the_adapter(path: Path) -> None:
    source = path.read_text(encoding="utf-8")
    found = private_reads(source) + pyfixest_imports(source)
    assert found == [], (
        f"{path.name} imports pyfixest or reads a private attribute ({found}); add a small "
        f"function to estimators/{ADAPTER} and call that"
    )
