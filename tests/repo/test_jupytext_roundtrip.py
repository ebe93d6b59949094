"""Opening a notebook in JupyterLab and saving it leaves the file byte for byte (issue 19).

JupyterLab serves the ``.py`` notebooks through jupytext's contents manager (the
``jupyterlab_jupytext`` server extension derives it from the server's own,
``AsyncLargeFileManager``), and autosave writes back whatever it read, even for a notebook only
opened. Without ``[tool.jupytext]`` in ``pyproject.toml`` that save adds ``format_version`` and
``jupytext_version`` to the header, and the published pipeline's notebook shows as modified.

Each test works on a copy of the project's ``pyproject.toml`` and one notebook at its own path
below it, so a failure never rewrites the repository's notebooks.
"""

from __future__ import annotations

import asyncio
import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ROOT

NOTEBOOKS = sorted(
    [*(ROOT / "notebooks").glob("*.py"), *(ROOT / "tests" / "fixtures" / "notebooks").glob("*.py")]
)


def _files(root: Path) -> set[str]:
    return {p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file()}


async def _open_and_save(root: Path, path: str) -> None:
    """What JupyterLab does with a notebook it opens: read it, checkpoint it, save it back."""
    from jupyter_server.services.contents.largefilemanager import AsyncLargeFileManager
    from jupytext import build_async_jupytext_contents_manager_class

    manager = build_async_jupytext_contents_manager_class(AsyncLargeFileManager)(root_dir=str(root))
    model: dict[str, Any] = await manager.get(path, content=True, type="notebook")
    await manager.create_checkpoint(path)
    # the browser sends the notebook back as JSON
    content = json.loads(json.dumps(model["content"]))
    await manager.save({"type": "notebook", "format": "json", "content": content}, path)


def test_the_project_configures_jupytext_in_pyproject() -> None:
    from jupytext.config import find_jupytext_configuration_file

    for folder in ("notebooks", "tests/fixtures/notebooks", "scratch"):
        found = find_jupytext_configuration_file(ROOT / folder)
        assert found == str(ROOT / "pyproject.toml"), folder


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_opening_and_saving_a_notebook_leaves_it_byte_identical(
    notebook: Path, tmp_path: Path
) -> None:
    rel = notebook.relative_to(ROOT).as_posix()
    shutil.copy2(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    (tmp_path / rel).parent.mkdir(parents=True)
    shutil.copy2(notebook, tmp_path / rel)
    before = _files(tmp_path)

    asyncio.run(_open_and_save(tmp_path, rel))

    assert (tmp_path / rel).read_bytes() == notebook.read_bytes()
    # no paired .ipynb beside it; Lab's checkpoint goes to the ignored .ipynb_checkpoints/
    new = {f for f in _files(tmp_path) - before if ".ipynb_checkpoints" not in f}
    assert new == set()
