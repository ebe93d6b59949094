"""environment.yml (conda-forge) must list the same dependencies as pyproject.toml."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
import yaml

from tests.conftest import ROOT


def _norm(req: str) -> tuple[str, str]:
    """('name', 'specifier') with the name normalised as PEP 503 does."""
    m = re.match(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*(.*)$", req)
    assert m, f"cannot parse requirement {req!r}"
    return re.sub(r"[-_.]+", "-", m.group(1)).lower(), m.group(2).replace(" ", "")


def _pyproject() -> dict[str, str]:
    data = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    project = data["project"]
    reqs = list(project["dependencies"])
    for extra in project["optional-dependencies"].values():
        reqs += extra
    return dict(_norm(r) for r in reqs)


#: conda-forge names that differ from the PyPI name
CONDA_NAMES = {"python-fastjsonschema": "fastjsonschema"}


def _environment(path: Path) -> dict[str, str]:
    env = yaml.safe_load(path.read_text(encoding="utf-8"))
    out: dict[str, str] = {}
    for dep in env["dependencies"]:
        items = dep["pip"] if isinstance(dep, dict) else [dep]
        for item in items:
            if item.startswith("-e") or item.split(">")[0].split("=")[0] in ("python", "pip"):
                continue
            name, spec = _norm(item)
            out[CONDA_NAMES.get(name, name)] = spec
    return out


def test_environment_matches_pyproject():
    assert _environment(ROOT / "environment.yml") == _pyproject()


def test_the_check_catches_drift(tmp_path):
    text = (ROOT / "environment.yml").read_text(encoding="utf-8")
    drifted = tmp_path / "environment.yml"
    drifted.write_text(text.replace("  - pyfixest>=0.30\n", ""), encoding="utf-8")
    with pytest.raises(AssertionError):
        assert _environment(drifted) == _pyproject()
