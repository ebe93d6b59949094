"""Explore a task in JupyterLab without touching the pipeline's notebook (``ebpm lab``, issue 19).

A *scratch copy* is the task's notebook as an ``.ipynb`` in ``scratch/<pipeline>/<task>.ipynb``
under the project root, with

* a first markdown cell saying, in English and Japanese, that it is a scratch copy, where it
  came from, and that edits to it change nothing in the pipeline;
* right after the ``parameters`` cell, a cell tagged ``injected-parameters`` (as papermill tags
  the one it adds) holding the task's parameters exactly as ``ebpm run`` would pass them:
  spec defaults, the task's parameters, its grid combination and ``-p`` overrides, checked and
  coerced against the notebook's parameters cell by the runner's own code;
* after it, a cell tagged ``ebpm-scratch-setup`` that moves the kernel to the project root,
  where ``ebpm run`` starts it, so relative paths (``pipelines/policies/...``) resolve alike.

Parameters whose names look like secrets (:func:`ebpm._protocol.is_secret_name`) are never
written: ``ebpm run`` refuses a non-empty one, and an empty one is left out of the cell.

Pipelines never read ``scratch/``: a spec's notebooks are the paths it names, ``ebpm check``
reads ``pipelines/``, ``catalogs/`` and ``notebooks/``, and the folder is in ``.gitignore``.
An existing scratch copy is never overwritten unless asked (``force``): it may hold work.
"""

from __future__ import annotations

import logging
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ebpm._io import atomic_write_text
from ebpm._protocol import is_secret_name
from ebpm.errors import EbpmError, ParameterError, PipelineError, did_you_mean
from ebpm.pipeline.spec import PipelineSpec, Task, load_spec
from ebpm.project import Project, shown_path

__all__ = [
    "INJECTED_TAG",
    "SCRATCH",
    "SETUP_TAG",
    "ScratchCopy",
    "ScratchExistsError",
    "find_task",
    "lab_command",
    "make_scratch_copy",
    "scratch_path",
]

log = logging.getLogger(__name__)

#: The folder, under the project root, that holds the scratch copies; pipelines never read it.
SCRATCH = "scratch"
#: The tag of the cell holding the task's parameters (papermill's name for the cell it adds).
INJECTED_TAG = "injected-parameters"
#: The tag of the cell after it that moves the kernel to the project root, as ``ebpm run`` does.
SETUP_TAG = "ebpm-scratch-setup"
#: What ``ebpm run`` runs notebooks on: the ``python3`` kernel of the interpreter running ebpm.
_KERNELSPEC = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}


class ScratchExistsError(PipelineError, FileExistsError):
    """A scratch copy is already there; it is not overwritten without ``force``."""


@dataclass(frozen=True)
class ScratchCopy:
    """A scratch copy of a task's notebook, made by :func:`make_scratch_copy`.

    Attributes
    ----------
    path : Path
        The scratch notebook (``<root>/scratch/<pipeline>/<task>.ipynb``).
    spec : PipelineSpec
        The pipeline the task belongs to.
    task : Task
        The task, with its parameters as ``ebpm run`` would pass them.
    parameters : dict
        What the ``injected-parameters`` cell sets: the task's parameters less the
        secret-looking names.
    left_out : tuple of str
        Secret-looking parameter names not written into the copy.
    """

    path: Path
    spec: PipelineSpec
    task: Task
    parameters: dict[str, Any]
    left_out: tuple[str, ...] = ()


# --- which task ------------------------------------------------------------------------------
def _specs(root: Path) -> list[Path]:
    folder = Project(root).pipelines
    return sorted(p for p in folder.glob("*.y*ml") if p.is_file()) if folder.is_dir() else []


def find_task(
    task: str, pipeline: str | Path | None = None, *, root: str | Path | None = None
) -> tuple[PipelineSpec, Task]:
    """The spec and the task that ``task`` names.

    Parameters
    ----------
    task : str
        A task's output name (``prop99-cluster``) or a spec task name (``prop99``) that expands
        to one task only.
    pipeline : str or Path, optional
        The spec, e.g. ``pipelines/demo.yaml``. Default: every spec in the project's
        ``pipelines/``; the task must be in exactly one.
    root : str or Path, optional
        Where to look for the project when ``pipeline`` is not given (default: the current
        folder or the nearest one above it with ``pipelines/``).

    Returns
    -------
    (PipelineSpec, Task)
        The task as the spec defines it (parameters not yet checked).

    Raises
    ------
    SpecError
        The spec is missing or malformed.
    ParameterError
        No spec has the task (with a close match and the tasks there), a spec task name expands
        to several tasks (they are listed), or several specs have it.
    """
    if pipeline is not None:
        specs = [load_spec(pipeline)]
    else:
        project = Project.find(root)
        paths = _specs(project.root)
        if not paths:
            raise ParameterError(
                f"no pipeline spec in {project.pipelines}; give the spec, e.g. "
                f"`ebpm lab {task} pipelines/demo.yaml`"
            )
        specs, broken = _readable(paths)
        if not specs:
            raise broken[0][1]
    found = [(s, _match(s, task)) for s in specs]
    hits = [(s, t) for s, ts in found if ts for t in ts]
    by_spec = {s.display_path: ts for s, ts in found if ts}
    if len(by_spec) > 1:
        raise ParameterError(
            f"task {task!r} is in {len(by_spec)} pipelines: {', '.join(by_spec)}; name one, e.g. "
            f"`ebpm lab {task} {next(iter(by_spec))}`"
        )
    if not hits:
        names = [t.name for s in specs for t in s.tasks]
        groups = [t.group for s in specs for t in s.tasks]
        where = specs[0].display_path if len(specs) == 1 else "the project's pipelines"
        unread = "".join(
            f" {path.name} could not be read, so its tasks were not searched ({err})."
            for path, err in (broken if pipeline is None else [])
        )
        raise ParameterError(
            f"task {task!r} is not in {where}."
            f"{did_you_mean(task, dict.fromkeys([*names, *groups]))} Tasks: "
            f"{', '.join(names)}.{unread}"
        )
    if len(hits) > 1:
        choices = ", ".join(t.name for _, t in hits)
        raise ParameterError(
            f"task {task!r} is a grid of {len(hits)} tasks: {choices}; name one, e.g. "
            f"`ebpm lab {hits[0][1].name}`"
        )
    return hits[0]


def _readable(paths: list[Path]) -> tuple[list[PipelineSpec], list[tuple[Path, EbpmError]]]:
    """The specs that load, and the errors of those that do not: a broken spec elsewhere in
    the project does not stop ``ebpm lab`` on a task of a good one."""
    specs, broken = [], []
    for path in paths:
        try:
            specs.append(load_spec(path))
        except EbpmError as err:
            broken.append((path, err))
    return specs, broken


def _match(spec: PipelineSpec, name: str) -> list[Task]:
    exact = [t for t in spec.tasks if t.name == name]
    return exact or [t for t in spec.tasks if t.group == name]


def _resolved(spec: PipelineSpec, task: Task, overrides: dict[str, Any]) -> Task:
    """The task with the parameters ``ebpm run`` would inject: the runner's own check."""
    from ebpm.pipeline.runner import _check_all

    (checked,) = _check_all(spec, overrides, {task.name})
    return checked


# --- the copy --------------------------------------------------------------------------------
def scratch_path(spec: PipelineSpec, task: Task) -> Path:
    """Where the scratch copy of ``task`` goes: ``<root>/scratch/<pipeline>/<task>.ipynb``."""
    return spec.root / SCRATCH / spec.name / f"{task.name}.ipynb"


def _banner(spec: PipelineSpec, task: Task, left_out: tuple[str, ...]) -> str:
    notebook = shown_path(task.notebook, spec.root)
    secret_en = secret_ja = ""
    if left_out:
        names = ", ".join(f"`{n}`" for n in left_out)
        secret_en = f" Secret-looking parameters are not written here ({names})."
        secret_ja = f"秘密情報らしいパラメータ（{names}）はここに書き込んでいません。"
    return (
        f"**Scratch copy: not the pipeline.** This is a copy of `{notebook}` for task "
        f"`{task.name}` of pipeline `{spec.name}` (`{spec.display_path}`), with the parameters "
        f"`ebpm run` would pass in the cell tagged `{INJECTED_TAG}`. Edits here change nothing in "
        f"the pipeline or its reports: pipelines never read `{SCRATCH}/`. To change the report, "
        f"edit `{notebook}` or the spec.{secret_en}\n\n"
        f"**作業用コピーです（パイプラインではありません）。** パイプライン `{spec.name}`"
        f"（`{spec.display_path}`）のタスク `{task.name}` のために `{notebook}` をコピーした"
        f"ノートブックで、`ebpm run` が渡すパラメータを `{INJECTED_TAG}` タグのセルに入れています。"
        f"ここでの編集はパイプラインにもレポートにも反映されません（パイプラインは `{SCRATCH}/` を"
        f"読みません）。レポートを変えるには `{notebook}` またはパイプライン定義を"
        f"編集してください。{secret_ja}"
    )


def _injected_source(parameters: dict[str, Any]) -> str:
    return "\n".join(["# Parameters", *(f"{k} = {v!r}" for k, v in parameters.items())])


def _chdir_source(root: Path) -> str:
    return (
        "# ebpm run starts the kernel in the project folder: relative paths resolve as there\n"
        "import os\n\n"
        f"os.chdir({str(root)!r})"
    )


def _scratch_notebook(spec: PipelineSpec, copy: ScratchCopy) -> Any:
    import nbformat

    from ebpm.pipeline.notebooks import read_notebook

    nb = read_notebook(copy.task.notebook)
    cells = list(nb.cells)
    at = next(
        i
        for i, c in enumerate(cells)
        if c.cell_type == "code" and "parameters" in c.get("metadata", {}).get("tags", [])
    )
    injected = nbformat.v4.new_code_cell(
        _injected_source(copy.parameters), metadata={"tags": [INJECTED_TAG]}
    )
    chdir = nbformat.v4.new_code_cell(_chdir_source(spec.root), metadata={"tags": [SETUP_TAG]})
    banner = nbformat.v4.new_markdown_cell(_banner(spec, copy.task, copy.left_out))
    nb.cells = [banner, *cells[: at + 1], injected, chdir, *cells[at + 1 :]]
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    metadata = {k: v for k, v in nb.metadata.items() if k not in ("jupytext", "papermill")}
    metadata["kernelspec"] = dict(_KERNELSPEC)
    metadata["ebpm"] = {
        "scratch_of": shown_path(copy.task.notebook, spec.root),
        "pipeline": spec.name,
        "task": copy.task.name,
    }
    nb.metadata = nbformat.from_dict(metadata)
    nbformat.validate(nb)
    return nb


def make_scratch_copy(
    task: str,
    pipeline: str | Path | None = None,
    *,
    parameters: dict[str, Any] | None = None,
    force: bool = False,
    root: str | Path | None = None,
) -> ScratchCopy:
    """Copy a task's notebook to ``scratch/`` with the parameters ``ebpm run`` would inject.

    Parameters
    ----------
    task : str
        The task: an output name (``prop99-cluster``) or a spec task name with one task.
    pipeline : str or Path, optional
        The spec; default: the one spec of the project that has the task.
    parameters : dict, optional
        Overrides, as ``ebpm run -p`` (each must be declared by the task's notebook).
    force : bool, default False
        Replace an existing scratch copy (and the work in it).
    root : str or Path, optional
        Where to look for the project when ``pipeline`` is not given.

    Returns
    -------
    ScratchCopy
        The copy's path, the task and what was injected.

    Raises
    ------
    ParameterError
        The task is unknown or ambiguous (see :func:`find_task`), or its parameters do not match
        the notebook's parameters cell, or one holds a secret: what ``ebpm run`` refuses.
    ScratchExistsError
        The scratch copy exists and ``force`` is not set.
    SpecError
        The spec is missing or malformed.
    """
    spec, found = find_task(task, pipeline, root=root)
    checked = _resolved(spec, found, dict(parameters or {}))
    path = scratch_path(spec, checked)
    if path.exists() and not force:
        raise ScratchExistsError(
            f"scratch copy {shown_path(path, spec.root)} already exists and may hold your work; "
            f"open it with `jupyter lab {shown_path(path, spec.root)}`, or replace it with "
            f"`ebpm lab {checked.name} {spec.display_path} --force`"
        )
    left_out = tuple(n for n in checked.parameters if is_secret_name(n))
    injected = {k: v for k, v in checked.parameters.items() if k not in left_out}
    copy = ScratchCopy(path=path, spec=spec, task=checked, parameters=injected, left_out=left_out)
    import nbformat

    nb = _scratch_notebook(spec, copy)
    atomic_write_text(path, nbformat.writes(nb))
    log.info("scratch copy of %s for task %s: %s", task, checked.name, path)
    return copy


def lab_command(copy: ScratchCopy, *, browser: bool = True) -> list[str]:
    """The command that opens ``copy`` in JupyterLab, served from the project root.

    The server's root is the project, so jupytext finds the project's ``[tool.jupytext]`` and
    the file browser shows the pipeline's notebooks beside the copy.
    """
    root = copy.spec.root
    cmd = [
        sys.executable,
        "-m",
        "jupyterlab",
        f"--ServerApp.root_dir={root}",
        shown_path(copy.path, root),
    ]
    if not browser:
        cmd.append("--no-browser")
    if hasattr(os, "getuid") and os.getuid() == 0:
        cmd.append("--allow-root")  # as `make lab` does: Jupyter refuses root otherwise
    return cmd
