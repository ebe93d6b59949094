"""The top-level package: every public module reachable after a bare ``import ebpm``, loaded
on first use so that ``import ebpm`` stays fast."""

import pkgutil
import subprocess
import sys

import pytest

import ebpm


def _fresh(code: str) -> str:
    """Run ``code`` in a new interpreter (this one has imported most of ebpm already)."""
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False, timeout=120
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_submodules_are_attributes_after_a_bare_import() -> None:
    out = _fresh(
        "import ebpm\n"
        "print(ebpm.disclosure.suppress.__name__, ebpm.kpi.__name__, ebpm.results.__name__)"
    )
    assert out.split() == ["suppress", "ebpm.kpi", "ebpm.results"]


def test_every_public_module_is_listed() -> None:
    public = {m.name for m in pkgutil.iter_modules(ebpm.__path__) if not m.name.startswith("_")}
    assert public == set(ebpm.SUBMODULES)
    assert set(ebpm.SUBMODULES) <= set(dir(ebpm))


def test_import_ebpm_loads_no_submodule_and_no_pandas() -> None:
    out = _fresh(
        "import sys, ebpm\n"
        "print(sorted(m for m in sys.modules if m == 'pandas' or m.startswith('ebpm.')))"
    )
    assert out.strip() == "['ebpm._lazy', 'ebpm._version', 'ebpm.errors']"


def test_an_unknown_attribute_is_still_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="module 'ebpm' has no attribute 'disclosur'"):
        ebpm.disclosur  # noqa: B018 - the access is the test
