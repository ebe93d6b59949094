"""What a run records: each task's outcome (:class:`TaskResult`), the run's
(:class:`RunResult`), the run's manifest, and what an executed notebook left behind (its
headline estimate and the datasets it loaded).

A run writes ``runs/<pipeline>/<run-id>/manifest.json`` once (:func:`write_manifest`): at its
end, or with status "error" when it stops on an error. The write is atomic, so a manifest is
never half-written; a run killed before it leaves a folder without one, which
:mod:`ebpm.pipeline.history` does not list.
"""

from __future__ import annotations

import secrets
import subprocess
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ebpm._io import ensure_writable, os_reason
from ebpm._protocol import PROVENANCE_MIME, RESULT_MIME
from ebpm.errors import PipelineError
from ebpm.pipeline import history

__all__ = [
    "RunResult",
    "TaskResult",
    "check_out",
    "git_state",
    "new_run_id",
    "read_executed",
    "relative",
    "take_outputs",
    "utc_now",
    "versions",
]


@dataclass
class TaskResult:
    """What happened to one task of a run."""

    name: str
    group: str
    notebook: str
    parameters: dict[str, Any]
    status: str = "pending"  # ok | unchanged | failed | cancelled | blocked
    reason: str | None = None
    attempts: int = 0
    started_at: str | None = None
    finished_at: str | None = None
    duration_s: float | None = None
    cell_time_s: float | None = None
    output_notebook: str | None = None
    report: str | None = None  # site-relative path of the published report
    failure_page: str | None = None
    headline: dict[str, Any] | None = None
    datasets: list[dict[str, Any]] = field(default_factory=list)
    fingerprint: dict[str, Any] = field(default_factory=dict)
    unchanged_since: str | None = None  # run id whose report is still current
    revision: dict[str, Any] | None = None
    worker: str | None = None
    #: how the task stands against the pipeline's analysis plan (:mod:`ebpm.pipeline.prereg`);
    #: None when the pipeline has no plan
    prereg: dict[str, Any] | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form, as written to ``manifest.json``."""
        return dict(self.__dict__)


@dataclass
class RunResult:
    """The outcome of :func:`~ebpm.pipeline.runner.run_pipeline`."""

    pipeline: str
    run_id: str
    run_dir: Path
    site_dir: Path
    tasks: list[TaskResult]
    duration_s: float
    cancelled: bool = False

    @property
    def ok(self) -> bool:
        """True when every task succeeded or was unchanged."""
        return all(t.status in history.GOOD for t in self.tasks)

    @property
    def failed(self) -> list[TaskResult]:
        """The tasks that did not succeed (failed, cancelled or blocked)."""
        return [t for t in self.tasks if t.status not in history.GOOD]

    @property
    def skipped(self) -> list[TaskResult]:
        """The tasks skipped because nothing they depend on changed."""
        return [t for t in self.tasks if t.status == "unchanged"]

    @property
    def revisions(self) -> list[TaskResult]:
        """The tasks whose headline estimate moved beyond its tolerance."""
        return [t for t in self.tasks if t.revision]

    @property
    def index(self) -> Path:
        """The site's index page."""
        return self.site_dir / "index.html"

    @property
    def manifest(self) -> Path:
        """The run's manifest."""
        return self.run_dir / "manifest.json"


def new_run_id() -> str:
    """A sortable, unique run id: UTC time, then milliseconds and one random hex digit (so two
    runs in the same second still sort in order)."""
    now = datetime.now(UTC)
    return f"{now:%Y%m%dT%H%M%SZ}-{now.microsecond // 1000:03d}{secrets.token_hex(1)[0]}"


def utc_now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def git_state(root: Path) -> dict[str, Any]:
    def git(*args: str) -> str | None:
        try:
            out = subprocess.run(
                ["git", "-C", str(root), *args],
                capture_output=True,
                text=True,
                timeout=10,
                check=True,
            )
        except (OSError, subprocess.SubprocessError):
            return None
        return out.stdout.strip()

    commit = git("rev-parse", "HEAD")
    dirty = git("status", "--porcelain", "--untracked-files=no")
    return {"commit": commit, "dirty": bool(dirty) if dirty is not None else None}


def relative(path: Path, root: Path) -> str:
    try:
        return str(path.resolve().relative_to(root.resolve()))
    except ValueError:
        return str(path)


def versions() -> dict[str, str | None]:
    from ebpm.report import package_versions  # light: no pandas until a notebook needs it

    return package_versions()


def check_out(out: Path, *folders: Path) -> None:
    """Create ``folders`` under the output folder ``out`` and check they can be written, so an
    unwritable, read-only or full ``--out`` fails at once with its path, not mid-run."""
    for folder in folders:
        try:
            ensure_writable(folder)
        except OSError as err:
            under = folder != out and folder.is_relative_to(out)
            where = f"{folder} (under --out {out})" if under else str(folder)
            raise PipelineError(
                f"cannot write to {where}: {os_reason(err)}; choose a writable --out "
                "(a folder you can write, on a disk with free space)"
            ) from err


# --- what a notebook left behind -------------------------------------------------------------
_DATASET_KEYS = (
    "entry",
    "kind",
    "pipeline",  # kind "evidence": the estimate of this pipeline's task, made by run `run_id`
    "task",
    "run_id",
    "title",
    "source",
    "licence",
    "package",
    "package_version",
    "url",
    "path",
    "sha256",
    "files",
    "retrieved_at",
    "publisher_updated",
    "attribution",
    "params",
    "entry_sha256",  # the catalog entry's definition, as its YAML said when it was loaded
)


def _dataset_records(nb: Any) -> list[dict[str, Any]]:
    # The footer lists the datasets; headline results carry their data's provenance too, so a
    # notebook without a footer still records what it estimated on.
    found = [d for p in history.outputs_of(nb, PROVENANCE_MIME) for d in p.get("datasets", [])]
    found += [p["provenance"] for p in history.outputs_of(nb, RESULT_MIME) if p.get("provenance")]
    seen, out = set(), []
    for d in found:
        key = (d.get("entry"), d.get("sha256"))
        if key not in seen:
            seen.add(key)
            out.append({k: d.get(k) for k in _DATASET_KEYS})
    return out


def read_executed(path: Path) -> Any:
    import nbformat

    return nbformat.read(path, as_version=4)


def take_outputs(result: TaskResult, nb: Any) -> None:
    """The headline estimate and the datasets a notebook published."""
    heads = history.outputs_of(nb, RESULT_MIME)
    result.headline = heads[0] if heads else None
    result.datasets = _dataset_records(nb)


def _unique_datasets(results: list[TaskResult]) -> list[dict[str, Any]]:
    seen: dict[tuple[Any, Any], dict[str, Any]] = {}
    for r in results:
        for d in r.datasets:
            key = (d.get("entry"), d.get("sha256"))
            if key not in seen:
                seen[key] = {**d, "tasks": []}
            seen[key]["tasks"].append(r.name)
    return list(seen.values())
