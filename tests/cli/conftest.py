"""Shared by the command-line tests: ``invoke``, the project's catalogs from an unrelated folder,
and a small project (``pipelines/p.yaml`` runs ``notebooks/probe.py`` as tasks ``a`` and ``b``,
every Monday at 06:00) with the history of runs that ``test_run.py`` and ``test_schedule.py``
read.

``notebooks/probe.py`` is a copy of tests/fixtures/notebooks/probe.py, which publishes its
``value`` parameter as the headline estimate and raises with ``mode: raise``. Kernels are real,
so the history is made once per session.
"""

from __future__ import annotations

import json
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from ebpm.cli import main
from tests.conftest import FIXTURES, ROOT

PROBE = FIXTURES / "notebooks" / "probe.py"
RUN_ID = re.compile(r"\d{8}T\d{6}Z-[0-9a-f]{4}")
EBPM_EXE = Path(sys.executable).with_name("ebpm")

SPEC = """\
name: p
description: Two probes of the command line.
schedule: "0 6 * * 1"
tasks:
  - name: a
    notebook: notebooks/probe.py
    parameters: {value: 1.0, label: a}
  - name: b
    notebook: notebooks/probe.py
    parameters: {value: 2.0, label: b}
"""


def invoke(*args: str | Path) -> Result:
    return CliRunner().invoke(main, [str(a) for a in args], prog_name="ebpm")


def error_lines(result: Result) -> list[str]:
    return [line for line in result.stderr.splitlines() if line.startswith("error:")]


def make_project(root: Path, spec: str = SPEC, *, name: str = "p") -> Path:
    """A project folder with notebooks/probe.py and pipelines/<name>.yaml; returns the spec."""
    (root / "notebooks").mkdir(parents=True, exist_ok=True)
    (root / "pipelines").mkdir(exist_ok=True)
    (root / "notebooks" / "probe.py").write_bytes(PROBE.read_bytes())
    path = root / "pipelines" / f"{name}.yaml"
    path.write_text(spec, encoding="utf-8")
    return path


def manifest(out: Path, run_id: str) -> dict[str, Any]:
    (path,) = (out / "runs").glob(f"*/{run_id}/manifest.json")
    return json.loads(path.read_text(encoding="utf-8"))


def planned_id(result: Result) -> str:
    """The run id announced by the plan line ("run <id>: N task(s); ...")."""
    m = re.search(rf"^run ({RUN_ID.pattern}): \d+ task\(s\)", result.stdout, re.MULTILINE)
    assert m, result.output
    return m.group(1)


@pytest.fixture
def catalog_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """The project's catalogs, from an unrelated working directory, without debug mode."""
    monkeypatch.setenv("EBPM_CATALOG_DIR", str(ROOT / "catalogs"))
    monkeypatch.delenv("EBPM_DEBUG", raising=False)
    monkeypatch.chdir(tmp_path)


# --- session-scoped runs ----------------------------------------------------------------------
@pytest.fixture(scope="session")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The project root (resolved); its runs go elsewhere (see ``history_runs``)."""
    root = tmp_path_factory.mktemp("cli_project").resolve() / "proj"
    make_project(root)
    return root


@dataclass
class Step:
    result: Result
    run_id: str
    manifest: dict[str, Any]


@pytest.fixture(scope="session")
def history_runs(project: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Five runs into one --out folder, in order: a first run, the same again (nothing to do),
    --force, `--task a -p value 5` (a revised estimate) and a rerun of that one by id prefix.
    Six kernels in all."""
    out = tmp_path_factory.mktemp("cli_out").resolve()
    spec = project / "pipelines" / "p.yaml"
    steps: dict[str, Any] = {"out": out, "spec": spec}
    with pytest.MonkeyPatch.context() as mp:
        mp.delenv("EBPM_DEBUG", raising=False)
        # made before any test's fake crontab: make sure nothing reads the real one
        mp.setenv("EBPM_CRONTAB", "/nonexistent/ebpm-test-crontab")
        for name, extra in [
            ("first", ["-j", "2"]),
            ("second", ["-j", "2"]),
            ("forced", ["-j", "2", "--force"]),
            ("only_a", ["--task", "a", "-p", "value", "5"]),
        ]:
            result = invoke("run", spec, "--out", out, *extra)
            run_id = planned_id(result)
            steps[name] = Step(result, run_id, manifest(out, run_id))
        # a unique prefix of the id is enough to name a run
        result = invoke("rerun", steps["only_a"].run_id[:-2], "--out", out)
        run_id = planned_id(result)
        steps["rerun"] = Step(result, run_id, manifest(out, run_id))
    return steps
