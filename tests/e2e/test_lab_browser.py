"""``ebpm lab`` in a real JupyterLab (issue 19): open the scratch copy, run all, the result shows.

A copy of the project (catalogs, notebooks, pipelines, pyproject.toml) in a temporary folder;
``ebpm lab organ_donations pipelines/demo.yaml --print-only`` makes the scratch copy there, and
JupyterLab serves that folder on 127.0.0.1 with a random token, its Jupyter settings kept in
the test's folder. Headless Chromium opens the copy, runs every cell through Lab's own
``notebook:run-all-cells`` command, and waits for the kernel: every code cell ran, none has an
error output, and ebpm's result table with the published ATT (-0.0225) is rendered. Then the
pipeline's own ``notebooks/did.py``, opened as a notebook and saved by Lab, keeps its bytes.

Needs `chromium` and `chromium-driver`, as tests/e2e/test_browser.py (whose browser and skip
logic this module reuses).
"""

from __future__ import annotations

import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ROOT
from tests.e2e.test_browser import _need_browser, browser

__all__ = ["browser"]  # the module-scoped Chromium fixture of test_browser.py, used here too

pytestmark = pytest.mark.slow

EBPM_EXE = Path(sys.executable).with_name("ebpm")
SCRATCH = "scratch/demo/organ_donations.ipynb"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("lab").resolve() / "proj"
    root.mkdir()
    for folder in ("catalogs", "notebooks", "pipelines"):
        shutil.copytree(ROOT / folder, root / folder)
    shutil.copy2(ROOT / "pyproject.toml", root / "pyproject.toml")
    return root


@pytest.fixture(scope="module")
def scratch(project: Path) -> Path:
    done = subprocess.run(
        [EBPM_EXE, "lab", "organ_donations", "pipelines/demo.yaml", "--print-only"],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    path = Path(done.stdout.strip())
    assert path == project / SCRATCH
    return path


@pytest.fixture(scope="module")
def lab(project: Path, scratch: Path) -> Iterator[str]:
    """JupyterLab serving ``project`` on 127.0.0.1; yields the URL that opens the copy."""
    _need_browser()
    jupyter = project.parent / "jupyter"
    token, port = secrets.token_hex(16), _free_port()
    env = {
        **os.environ,
        "JUPYTER_CONFIG_DIR": str(jupyter / "config"),
        "JUPYTER_DATA_DIR": str(jupyter / "data"),
        "JUPYTER_RUNTIME_DIR": str(jupyter / "runtime"),
        "JUPYTER_PLATFORM_DIRS": "1",
        "IPYTHONDIR": str(jupyter / "ipython"),
    }
    cmd = [
        sys.executable,
        "-m",
        "jupyterlab",
        "--no-browser",
        f"--ServerApp.token={token}",
        f"--port={port}",
        "--ServerApp.port_retries=0",
        "--ServerApp.ip=127.0.0.1",
        f"--ServerApp.root_dir={project}",
        "--LabApp.expose_app_in_browser=True",
        "--LabApp.news_url=",
        "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
        f"--LabApp.workspaces_dir={jupyter / 'workspaces'}",
        "--allow-root",
    ]
    log = (project.parent / "lab.log").open("w", encoding="utf-8")
    server = subprocess.Popen(
        cmd, cwd=project, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{base}/api/status?token={token}", timeout=5):
                    break
            except (urllib.error.URLError, ConnectionError) as err:
                if server.poll() is not None or time.monotonic() > deadline:
                    text = (project.parent / "lab.log").read_text(encoding="utf-8")
                    raise AssertionError(f"JupyterLab did not start: {err}\n{text}") from err
                time.sleep(0.5)
        yield f"{base}/lab/tree/{SCRATCH}?token={token}"
    finally:
        os.killpg(server.pid, signal.SIGTERM)  # the server and the kernels it started
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait(timeout=10)
        log.close()


_STATE = """
const app = window.jupyterapp;
const panel = app && app.shell.currentWidget;
if (!panel || !panel.content || !panel.content.model || !panel.sessionContext) return null;
const kernel = panel.sessionContext.session && panel.sessionContext.session.kernel;
const cells = [];
for (let i = 0; i < panel.content.model.cells.length; i++) {
  const cell = panel.content.model.cells.get(i);
  if (cell.type !== 'code') continue;
  cells.push({count: cell.executionCount,
              errors: cell.outputs.toJSON().filter(o => o.output_type === 'error')
                                          .map(o => o.ename + ': ' + o.evalue)});
}
return {path: panel.context.path, kernel: kernel ? kernel.status : null, cells: cells};
"""


def _wait(browser: Any, ready: Any, timeout: float, what: str) -> Any:
    deadline = time.monotonic() + timeout
    state = None
    while time.monotonic() < deadline:
        state = browser.execute_script(_STATE)
        if state and ready(state):
            return state
        time.sleep(0.5)
    raise AssertionError(f"{what} within {timeout:.0f} s; last state: {state}")


def test_jupyterlab_runs_the_scratch_copy_and_shows_the_result(
    browser: Any, lab: str, tmp_path: Path
) -> None:
    browser.get(lab)
    _wait(browser, lambda s: s["kernel"] == "idle", 60, "the notebook did not open on a kernel")
    browser.execute_script("window.jupyterapp.commands.execute('notebook:run-all-cells')")
    state = _wait(
        browser,
        lambda s: s["kernel"] == "idle" and all(c["count"] for c in s["cells"]),
        120,
        "the cells did not all run",
    )
    assert state["path"] == SCRATCH
    assert [e for c in state["cells"] for e in c["errors"]] == []
    shown = browser.execute_script(
        "return Array.from(document.querySelectorAll('.jp-OutputArea-output'))"
        ".map(o => o.innerText).join('\\n')"
    )
    tables = browser.execute_script(
        "return document.querySelectorAll('.jp-OutputArea-output table').length"
    )
    browser.save_screenshot(str(tmp_path / "lab.png"))
    assert tables >= 1
    assert "ATT" in shown
    assert "-0.022" in shown  # Kessler & Roth's published ATT, -0.0225


def test_opening_and_saving_a_pipeline_notebook_in_lab_leaves_its_bytes(
    browser: Any, lab: str, project: Path
) -> None:
    notebook = project / "notebooks" / "did.py"
    before = notebook.read_bytes()
    files = sorted(p.name for p in notebook.parent.iterdir())
    browser.get(lab)
    _wait(browser, lambda s: s["path"] == SCRATCH, 60, "Lab did not open")
    browser.execute_script(
        "window.jupyterapp.commands.execute('docmanager:open', "
        "{path: 'notebooks/did.py', factory: 'Jupytext Notebook'})"
    )
    _wait(browser, lambda s: s["path"] == "notebooks/did.py", 60, "did.py did not open")
    mtime = notebook.stat().st_mtime_ns
    browser.execute_script("window.jupyterapp.commands.execute('docmanager:save')")
    deadline = time.monotonic() + 30
    while notebook.stat().st_mtime_ns == mtime and time.monotonic() < deadline:
        time.sleep(0.2)
    assert notebook.stat().st_mtime_ns != mtime  # Lab wrote it ...
    assert notebook.read_bytes() == before  # ... byte for byte as committed
    # no paired .ipynb; Lab's checkpoint is in the ignored .ipynb_checkpoints/
    now = sorted(p.name for p in notebook.parent.iterdir() if p.name != ".ipynb_checkpoints")
    assert now == files
