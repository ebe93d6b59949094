"""An ebpm project's folders, and where a run's outputs go: worked out here and nowhere else.

A project is a folder holding::

    catalogs/            intake catalogs (each file a namespace)
    notebooks/           parameterised notebooks
    pipelines/           pipeline specs
    pipelines/policies/  policies' logic models and KPIs

and an output folder (``--out``, the project folder by default) holding::

    runs/<pipeline>/<run-id>/   each run: executed notebooks, reports, manifest.json
    runs/.fingerprints.json     file hashes remembered between runs
    site/                       the published report site

>>> from ebpm.project import Project
>>> project = Project.of("pipelines/demo.yaml")        # doctest: +SKIP
>>> project.shown(project.notebooks / "did.py")        # doctest: +SKIP
'notebooks/did.py'

This module imports nothing of ebpm.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

__all__ = ["Outputs", "Project", "shown_path"]

#: The folders of a project, by role.
FOLDERS = ("catalogs", "notebooks", "pipelines")


def shown_path(path: str | os.PathLike[str], root: str | os.PathLike[str]) -> str:
    """``path`` as a user reads it: relative to ``root`` (with ``/``) when inside it, else as
    given."""
    path = Path(path)
    try:
        return path.resolve().relative_to(Path(root).resolve()).as_posix()
    except ValueError:
        return str(path)


@dataclass(frozen=True)
class Project:
    """A project folder and the paths inside it.

    Parameters
    ----------
    root
        The project folder (resolved to an absolute path).
    """

    root: Path

    def __post_init__(self) -> None:
        object.__setattr__(self, "root", Path(self.root).resolve())

    @classmethod
    def of(cls, path: str | os.PathLike[str]) -> Project:
        """The project a file belongs to: a spec in ``pipelines/``, a policy in
        ``pipelines/policies/``, a notebook in ``notebooks/``, a catalog in ``catalogs/``.

        A file in none of those folders is taken to sit in the project folder itself.
        """
        parent = Path(path).resolve().parent
        if parent.name == "policies" and parent.parent.name == "pipelines":
            return cls(parent.parent.parent)
        if parent.name in FOLDERS:
            return cls(parent.parent)
        return cls(parent)

    @classmethod
    def find(cls, start: str | os.PathLike[str] | None = None) -> Project:
        """The project around ``start`` (default: the current folder): the nearest folder,
        going up, that has a ``pipelines/`` or ``catalogs/`` folder; else ``start`` itself."""
        here = Path(start or Path.cwd()).resolve()
        for folder in (here, *here.parents):
            if (folder / "pipelines").is_dir() or (folder / "catalogs").is_dir():
                return cls(folder)
        return cls(here)

    @property
    def catalogs(self) -> Path:
        """``catalogs/``: the intake catalogs."""
        return self.root / "catalogs"

    @property
    def notebooks(self) -> Path:
        """``notebooks/``: the parameterised notebooks."""
        return self.root / "notebooks"

    @property
    def pipelines(self) -> Path:
        """``pipelines/``: the pipeline specs."""
        return self.root / "pipelines"

    @property
    def policies(self) -> Path:
        """``pipelines/policies/``: the policies' logic models and KPIs."""
        return self.pipelines / "policies"

    def shown(self, path: str | os.PathLike[str]) -> str:
        """``path`` relative to the project folder when inside it (as messages show it)."""
        return shown_path(path, self.root)

    def outputs(self, out: str | os.PathLike[str] | None = None) -> Outputs:
        """The output folder ``out`` (default: the project folder)."""
        return Outputs(Path(out) if out is not None else self.root)


@dataclass(frozen=True)
class Outputs:
    """An output folder (``--out``): the runs and the published site.

    Parameters
    ----------
    root
        The output folder, as given (messages show it the way the user wrote it).
    """

    root: Path

    def __post_init__(self) -> None:
        object.__setattr__(self, "root", Path(self.root))

    @property
    def runs(self) -> Path:
        """``runs/``: every run of every pipeline."""
        return self.root / "runs"

    @property
    def site(self) -> Path:
        """``site/``: the published report site."""
        return self.root / "site"

    @property
    def fingerprints(self) -> Path:
        """``runs/.fingerprints.json``: file hashes remembered between runs."""
        return self.runs / ".fingerprints.json"

    def pipeline_runs(self, pipeline: str) -> Path:
        """``runs/<pipeline>/``: the runs of one pipeline."""
        return self.runs / pipeline

    def run(self, pipeline: str, run_id: str) -> Path:
        """``runs/<pipeline>/<run-id>/``: one run's executed notebooks, reports and manifest."""
        return self.runs / pipeline / run_id

    def manifest(self, pipeline: str, run_id: str) -> Path:
        """``runs/<pipeline>/<run-id>/manifest.json``: what one run did."""
        return self.run(pipeline, run_id) / "manifest.json"
