"""The tests mirror ``src/ebpm`` (issue 17, "Habits"): every module has its own test module.

``src/ebpm/pipeline/spec.py`` is tested in ``tests/pipeline/test_spec.py``, or in files named
``test_spec_<topic>.py`` beside it. A package whose ``__init__`` defines functions or classes of
its own is tested in ``tests/<package>/test_<package>.py``; the top-level package in
``tests/test_ebpm.py``. A private module inside a package (``catalog/_cache_store.py``) is
tested through the public module that uses it; the private modules at the top
(``ebpm/_yaml.py``), which every layer uses, have their own. ``tests/e2e/`` (whole projects:
kernels, the command line, a browser) and ``tests/repo/`` (the repository's rules) are apart.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests.conftest import ROOT, TESTS
from tests.repo.test_architecture import COMPAT_SHIMS

PACKAGE = ROOT / "src" / "ebpm"
APART = {"e2e", "repo", "fixtures", "__pycache__"}

#: Modules without a test module of their own, and where they are tested instead.
TESTED_ELSEWHERE = {
    "ebpm/__main__.py": "tests/cli/test_cli.py runs `python -m ebpm`",
    "ebpm/_version.py": "one assignment; tests/test_ebpm.py reads ebpm.__version__",
}


def _module_files() -> list[Path]:
    return sorted(p for p in PACKAGE.rglob("*.py") if "data" not in p.relative_to(PACKAGE).parts)


def _defines_something(init: Path) -> bool:
    tree = ast.parse(init.read_text(encoding="utf-8"))
    kinds = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
    return any(isinstance(node, kinds) for node in tree.body)


def _needs_tests() -> dict[str, tuple[Path, str]]:
    """``{src path: (test folder, test name)}`` for every module that needs a test module."""
    shims = {name.replace(".", "/") + ".py" for name in COMPAT_SHIMS}
    needs: dict[str, tuple[Path, str]] = {}
    for path in _module_files():
        rel = path.relative_to(PACKAGE.parent).as_posix()
        inner = path.parent.relative_to(PACKAGE)
        if rel in TESTED_ELSEWHERE or rel in shims:
            continue
        if path.name == "__init__.py":
            if inner == Path("."):
                needs[rel] = (TESTS, "ebpm")
            elif _defines_something(path):
                needs[rel] = (TESTS / inner, inner.name)
        elif not path.stem.startswith("_") or inner == Path("."):
            needs[rel] = (TESTS / inner, path.stem)
    return needs


NEEDS = _needs_tests()


def _test_files(folder: Path, name: str) -> list[Path]:
    return [folder / f"test_{name}.py", *sorted(folder.glob(f"test_{name}_*.py"))]


@pytest.mark.parametrize("module", sorted(NEEDS))
def test_every_module_has_its_own_test_module(module: str) -> None:
    folder, name = NEEDS[module]
    found = [p for p in _test_files(folder, name) if p.is_file()]
    where = (folder / f"test_{name}.py").relative_to(ROOT)
    assert found, f"{module} has no test module: write {where}"


def _mirrored_test_files() -> list[Path]:
    files = []
    for path in sorted(TESTS.rglob("test_*.py")):
        if APART & set(path.relative_to(TESTS).parts[:-1]):
            continue
        files.append(path)
    return files


@pytest.mark.parametrize(
    "test_file", [p.relative_to(TESTS).as_posix() for p in _mirrored_test_files()]
)
def test_every_test_module_names_a_module_it_mirrors(test_file: str) -> None:
    path = TESTS / test_file
    folder = path.parent.relative_to(TESTS)
    source = PACKAGE / folder
    names = {p.stem for p in source.glob("*.py") if p.stem != "__init__"}
    names.add(source.name if folder != Path(".") else "ebpm")
    stem = path.stem.removeprefix("test_")
    assert source.is_dir(), f"{test_file}: there is no package src/ebpm/{folder}"
    assert any(stem == n or stem.startswith(n + "_") for n in names), (
        f"{test_file} names no module of src/ebpm/{folder} (test_<module>[_<topic>].py)"
    )


def test_the_apart_folders_hold_tests() -> None:
    for folder in ("e2e", "repo"):
        assert list((TESTS / folder).glob("test_*.py")), folder
