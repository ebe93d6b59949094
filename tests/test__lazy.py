"""Lazy package exports (ebpm._lazy.exports): each name imported on first use, then kept; and
the IRI grammar nbformat never uses, deferred (defer_iri_grammar)."""

from __future__ import annotations

import importlib
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

INIT = """
from ebpm._lazy import exports

ready = 1
__getattr__, __dir__ = exports(
    __name__,
    {"area": ".shapes", "dumps": "json"},
    submodules=("extra",),
    eager=("later",),
)
"""


@pytest.fixture
def lazypkg(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """A fresh package ``lazypkg`` with a submodule defining ``area`` and another, ``extra``."""
    root = tmp_path / "lazypkg"
    root.mkdir()
    (root / "__init__.py").write_text(INIT, encoding="utf-8")
    (root / "shapes.py").write_text("def area(w, h):\n    return w * h\n", encoding="utf-8")
    (root / "extra.py").write_text("VALUE = 42\n", encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    importlib.invalidate_caches()
    yield importlib.import_module("lazypkg")
    for name in [m for m in sys.modules if m == "lazypkg" or m.startswith("lazypkg.")]:
        del sys.modules[name]


def test_nothing_is_imported_before_first_use(lazypkg) -> None:
    assert "lazypkg.shapes" not in sys.modules
    assert "lazypkg.extra" not in sys.modules
    assert "area" not in vars(lazypkg)


def test_a_relative_name_loads_its_module_and_is_kept_on_the_package(lazypkg) -> None:
    assert lazypkg.area(3, 4) == 12
    assert "lazypkg.shapes" in sys.modules
    # set on the package, so the next lookup does not go through __getattr__ again
    assert vars(lazypkg)["area"] is sys.modules["lazypkg.shapes"].area


def test_an_absolute_name_loads_from_that_module(lazypkg) -> None:
    import json

    assert lazypkg.dumps is json.dumps


def test_a_submodule_is_an_attribute_imported_on_first_use(lazypkg) -> None:
    assert lazypkg.extra.VALUE == 42
    assert lazypkg.extra is sys.modules["lazypkg.extra"]


def test_from_import_works_through_the_lazy_names(lazypkg) -> None:
    namespace: dict = {}
    exec("from lazypkg import area, extra", namespace)
    assert namespace["area"](2, 5) == 10
    assert namespace["extra"].VALUE == 42


def test_an_unknown_name_is_an_attribute_error_naming_the_package(lazypkg) -> None:
    with pytest.raises(AttributeError, match=r"^module 'lazypkg' has no attribute 'aera'$"):
        lazypkg.aera  # noqa: B018 - the access is the test
    assert not hasattr(lazypkg, "shape")


def test_dir_lists_the_exports_submodules_and_eager_names_sorted(lazypkg) -> None:
    listed = dir(lazypkg)
    assert {"area", "dumps", "extra", "later", "ready", "exports"} <= set(listed)
    assert listed == sorted(listed)
    assert "later" not in vars(lazypkg)  # listed before it is set


_IRI = """
import json, sys, time
{first}
import nbformat
stand_in = not hasattr(sys.modules.get("rfc3987_syntax"), "__file__")
from jsonschema import FormatChecker
checker = FormatChecker()
answers = [checker.conforms(v, "iri") for v in ("http://例え.jp/パス?q=1", "no scheme", "a b:c")]
print(json.dumps({{"stand_in": stand_in, "answers": answers,
                  "real_now": hasattr(sys.modules["rfc3987_syntax"], "__file__")}}))
"""


def _iri_in_a_new_process(first: str) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, "-c", _IRI.format(first=first)],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_nbformat_loads_without_the_iri_grammar_and_iri_checks_still_answer() -> None:
    pytest.importorskip("rfc3987_syntax")
    deferred = _iri_in_a_new_process("import ebpm.pipeline")
    plain = _iri_in_a_new_process("")
    assert deferred["stand_in"] is True  # importing nbformat did not build the grammar
    assert plain["stand_in"] is False
    assert deferred["answers"] == plain["answers"] == [True, False, False]
    assert deferred["real_now"] is True  # the first check handed over to the real module


def test_an_already_imported_grammar_module_is_left_alone() -> None:
    pytest.importorskip("rfc3987_syntax")
    seen = _iri_in_a_new_process(
        "import rfc3987_syntax; import ebpm._lazy as l; l.defer_iri_grammar()"
    )
    assert seen["stand_in"] is False
