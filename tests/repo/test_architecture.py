"""The shape of the package: layers that only point down, and no import cycle (issue 17).

The layers, bottom to top, are those of STYLE.md. Every ``import`` of an ebpm module counts,
including those inside functions (a lazy import still ties two modules together). Imports under
``if TYPE_CHECKING:`` never run, so the layer test leaves them out; the cycle test counts them,
as a type-only cycle still means neither module can be read or moved without the other.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import ROOT

SRC = ROOT / "src"

#: Bottom to top. A module belongs to the layer of its longest listed prefix.
LAYERS: list[tuple[str, ...]] = [
    ("ebpm.errors", "ebpm._version"),
    (
        "ebpm._io",
        "ebpm._attrs",
        "ebpm._json",
        "ebpm._format",
        "ebpm._lang",
        "ebpm._yaml",
        "ebpm._protocol",
        "ebpm._progress",
        "ebpm._env",
        "ebpm._lazy",
        "ebpm._package_data",
        "ebpm._catalog_files",
        "ebpm._reads",
        "ebpm._graph",
        "ebpm._display",
        "ebpm.project",
        "ebpm.plotting",
    ),
    ("ebpm.trust",),  # how far an estimate can be trusted: reads numbers, not results
    ("ebpm.japan", "ebpm.results", "ebpm.catalog"),
    (
        "ebpm.estimators",
        "ebpm.geo",
        "ebpm.disclosure",
        "ebpm.privacy",
        "ebpm.describe",
        "ebpm.comparison",
    ),
    ("ebpm.report",),  # the kernel side: what a notebook calls
    ("ebpm.site",),  # pages, registry, rendering: imports nothing of pipeline
    ("ebpm.kpi", "ebpm.pipeline"),  # runs, and publishing a run into the site
    ("ebpm.check", "ebpm.cli", "ebpm.__main__", "ebpm"),
]

#: Old homes of modules that moved up to ``ebpm.site``: re-exports for one release (issue 17);
#: remove in the next. They import upward, so the layer test leaves them out (not the cycle test).
COMPAT_SHIMS = {
    "ebpm.report.site": "ebpm.site",
    "ebpm.report.render": "ebpm.site.render",
    "ebpm.report.runs": "ebpm.site.history",
    "ebpm.report.sanitize": "ebpm.site.sanitize",
    "ebpm.report.mathml": "ebpm.site.mathml",
}

#: STYLE's bottom modules use the errors and nothing else of ebpm; the other modules of their
#: layer may also use them.
STRICT_BOTTOM = (
    "ebpm._io",
    "ebpm._attrs",
    "ebpm._json",
    "ebpm._format",
    "ebpm._lang",
    "ebpm._yaml",
    "ebpm._protocol",
    "ebpm._lazy",
    "ebpm._graph",
    "ebpm.plotting",
    "ebpm.project",
)


def _modules() -> dict[str, Path]:
    out = {}
    for path in sorted((SRC / "ebpm").rglob("*.py")):
        parts = list(path.relative_to(SRC).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        out[".".join(parts)] = path
    return out


MODULES = _modules()


def _owner(name: str) -> str:
    """The module that ``name`` (a module, or a name inside one) lives in."""
    while name not in MODULES:
        name = name.rpartition(".")[0]
    return name


def _layer(module: str) -> int:
    hits = [
        (len(prefix), i)
        for i, layer in enumerate(LAYERS)
        for prefix in layer
        if module == prefix or module.startswith(prefix + ".")
    ]
    assert hits, f"{module} is in no layer; add it to LAYERS (and to STYLE's layers)"
    return max(hits)[1]


def _runtime_imports(
    tree: ast.AST, *, typing: bool = False
) -> Iterator[ast.Import | ast.ImportFrom]:
    for node in ast.iter_child_nodes(tree):
        if not typing and isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            for child in node.orelse:
                yield from _runtime_imports(child)
            continue
        if isinstance(node, ast.Import | ast.ImportFrom):
            yield node
        yield from _runtime_imports(node, typing=typing)


def _imports(module: str, *, typing: bool = False) -> set[str]:
    """The ebpm modules ``module`` imports (at any depth of its code; with ``typing``, those
    imported for type checkers only too)."""
    path = MODULES[module]
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found: set[str] = set()
    for node in _runtime_imports(ast.parse(path.read_text(encoding="utf-8")), typing=typing):
        if isinstance(node, ast.Import):
            found |= {_owner(a.name) for a in node.names if a.name.split(".")[0] == "ebpm"}
            continue
        if node.level:
            base = package.split(".")[: len(package.split(".")) - node.level + 1]
            full = ".".join([*base, *([node.module] if node.module else [])])
        else:
            full = node.module or ""
        if full.split(".")[0] != "ebpm":
            continue
        for alias in node.names:
            child = f"{full}.{alias.name}"
            found.add(child if child in MODULES else _owner(full))
    found.discard(module)
    return found


GRAPH = {m: _imports(m) for m in MODULES}
TYPED_GRAPH = {m: _imports(m, typing=True) for m in MODULES}


def test_the_walk_sees_the_imports() -> None:
    """Guard against a walk that finds nothing and so proves nothing."""
    assert "ebpm.errors" in GRAPH["ebpm.catalog.cache"]
    assert "ebpm.pipeline.spec" in GRAPH["ebpm.pipeline.runner"]
    assert sum(map(len, GRAPH.values())) > 200


def test_there_is_no_import_cycle() -> None:
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []

    def visit(v: str) -> None:  # Tarjan's strongly connected components
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(TYPED_GRAPH[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for module in sorted(TYPED_GRAPH):
        if module not in index:
            visit(module)
    assert cycles == [], f"modules that import each other: {cycles}"


@pytest.mark.parametrize("module", sorted(set(MODULES) - set(COMPAT_SHIMS)))
def test_imports_only_point_down(module: str) -> None:
    up = sorted(t for t in GRAPH[module] if _layer(t) > _layer(module))
    assert up == [], f"{module} (layer {_layer(module)}) imports modules of a higher layer: {up}"


@pytest.mark.parametrize("module", STRICT_BOTTOM)
def test_bottom_modules_use_nothing_of_ebpm_but_the_errors(module: str) -> None:
    assert GRAPH[module] <= {"ebpm.errors", "ebpm._version"}, GRAPH[module]


@pytest.mark.parametrize(("old", "new"), sorted(COMPAT_SHIMS.items()))
def test_a_compat_shim_only_re_exports_its_new_home(old: str, new: str) -> None:
    import importlib

    shim, home = importlib.import_module(old), importlib.import_module(new)
    assert GRAPH[old] <= {new, *(m for m in MODULES if m.startswith(new + "."))}
    assert sorted(shim.__all__) == sorted(home.__all__)
    assert all(getattr(shim, n) is getattr(home, n) for n in shim.__all__)


def test_a_kernel_importing_ebpm_report_loads_nothing_of_the_site() -> None:
    import subprocess
    import sys

    code = (
        "import sys, ebpm.report, ebpm.report.evidence, ebpm.report.fonts; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('nbconvert', 'nh3') "
        "or m.startswith('ebpm.site') or m.startswith('ebpm.pipeline')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


# --- sizes: a module one can read, functions that do one step ----------------------------------
@pytest.mark.parametrize("module", sorted(MODULES))
def test_no_module_over_800_lines_and_no_function_over_100(module: str) -> None:
    """Issue 17's limits over the whole package (the function count starts after the
    docstring, the same measure as tests/estimators/test_estimators_layout.py)."""
    from tests.estimators.test_estimators_layout import MAX_BODY, MAX_FILE, long_functions

    source = MODULES[module].read_text(encoding="utf-8")
    assert len(source.splitlines()) <= MAX_FILE, f"{module}: {len(source.splitlines())} lines"
    assert long_functions(source) == [], f"{module}: functions over {MAX_BODY} lines"
