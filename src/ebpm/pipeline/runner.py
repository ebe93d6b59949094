"""Run a pipeline: check parameters, execute notebooks with papermill, publish the site.

This is the only module of ebpm that imports papermill (lazily, so ``ebpm --help`` stays fast).
"""

from __future__ import annotations

import contextlib
import logging
import os
import secrets
import subprocess
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ebpm._io import atomic_write_json, atomic_write_text
from ebpm.errors import ParameterError, did_you_mean
from ebpm.pipeline.notebooks import NotebookParameter, parameters_cell, read_notebook
from ebpm.pipeline.spec import PipelineSpec, Task, load_spec
from ebpm.report import PROVENANCE_MIME, RESULT_MIME, RUN_ID_ENV, TASK_ENV, package_versions

__all__ = ["RunResult", "TaskResult", "check_parameters", "new_run_id", "run_pipeline"]

log = logging.getLogger(__name__)

Progress = Callable[[dict[str, Any]], None]

#: Kernels run side by side: one BLAS thread each (see PRODUCT.md, performance facts).
_KERNEL_ENV = {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}


@dataclass
class TaskResult:
    """What happened to one task of a run."""

    name: str
    group: str
    notebook: str
    parameters: dict[str, Any]
    status: str = "pending"  # ok | failed
    reason: str | None = None
    started_at: str | None = None
    duration_s: float | None = None
    output_notebook: str | None = None
    report: str | None = None  # site-relative path of the published report (ok only)
    failure_page: str | None = None
    headline: dict[str, Any] | None = None
    datasets: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form, as written to ``manifest.json``."""
        return dict(self.__dict__)


@dataclass
class RunResult:
    """The outcome of :func:`run_pipeline`."""

    pipeline: str
    run_id: str
    run_dir: Path
    site_dir: Path
    tasks: list[TaskResult]
    duration_s: float

    @property
    def ok(self) -> bool:
        """True when every task succeeded."""
        return all(t.status == "ok" for t in self.tasks)

    @property
    def failed(self) -> list[TaskResult]:
        """The tasks that failed."""
        return [t for t in self.tasks if t.status != "ok"]

    @property
    def index(self) -> Path:
        """The site's index page."""
        return self.site_dir / "index.html"

    @property
    def manifest(self) -> Path:
        """The run's manifest."""
        return self.run_dir / "manifest.json"


def new_run_id() -> str:
    """A sortable, unique run id: UTC time plus 4 random hex digits."""
    return datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ") + "-" + secrets.token_hex(2)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _git(root: Path) -> dict[str, Any]:
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


# --- parameters ------------------------------------------------------------------------------
def check_parameters(
    task: Task, declared: dict[str, NotebookParameter], *, spec_path: Path | str
) -> dict[str, Any]:
    """Check a task's parameters against the notebook's parameters cell.

    Returns the parameters to inject. Raises :class:`ParameterError` listing every unknown,
    missing or mistyped parameter with a close match and the fix.
    """
    problems = []
    nb = task.notebook.name
    for name, value in task.parameters.items():
        if name not in declared:
            problems.append(
                f"parameter {name!r} is not in {nb}'s parameters cell."
                f"{did_you_mean(name, declared)} Fix the name in {spec_path}, or declare it in "
                "the notebook's parameters cell."
            )
        elif not declared[name].accepts(value):
            problems.append(
                f"parameter {name!r} = {value!r} is a {type(value).__name__}, but {nb} declares "
                f"`{name}: {declared[name].type}`; fix the value in {spec_path}"
            )
    for name, p in declared.items():
        if p.required and name not in task.parameters:
            problems.append(
                f"parameter {name!r} is required by {nb} ({p.help or 'no description'}) but "
                f"not given; add `{name}: ...` to the task's parameters in {spec_path}"
            )
    if problems:
        raise ParameterError(f"task {task.name!r}: " + "; ".join(problems))
    return dict(task.parameters)


def _check_all(spec: PipelineSpec, overrides: dict[str, Any]) -> list[Task]:
    cells: dict[Path, dict[str, NotebookParameter]] = {}
    tasks = []
    errors = []
    for task in spec.tasks:
        if overrides:
            task = Task(
                name=task.name,
                group=task.group,
                notebook=task.notebook,
                parameters={**task.parameters, **overrides},
                timeout=task.timeout,
                description=task.description,
            )
        if task.notebook not in cells:
            cells[task.notebook] = parameters_cell(read_notebook(task.notebook), path=task.notebook)
        try:
            check_parameters(task, cells[task.notebook], spec_path=spec.path.name)
        except ParameterError as err:
            errors.append(str(err))
        tasks.append(task)
    if errors:
        raise ParameterError(
            f"{len(errors)} task(s) of {spec.path.name} have bad parameters; nothing was run.\n  "
            + "\n  ".join(errors)
        )
    return tasks


# --- execution -------------------------------------------------------------------------------
@contextlib.contextmanager
def _kernel_env(values: dict[str, str]) -> Iterator[None]:
    """Set environment variables that the kernel (a child process) inherits."""
    old = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for k, v in old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def _outputs(nb: Any, mime: str) -> list[Any]:
    found = []
    for cell in nb.cells:
        for out in cell.get("outputs", []) if cell.cell_type == "code" else []:
            data = out.get("data", {})
            if mime in data:
                found.append(data[mime])
    return found


def _dataset_records(nb: Any) -> list[dict[str, Any]]:
    keep = (
        "entry",
        "title",
        "source",
        "licence",
        "package",
        "package_version",
        "url",
        "path",
        "sha256",
        "retrieved_at",
        "params",
    )
    # The footer lists the datasets; headline results carry their data's provenance too, so a
    # notebook without a footer still records what it estimated on.
    found = [d for p in _outputs(nb, PROVENANCE_MIME) for d in p.get("datasets", [])]
    found += [p["provenance"] for p in _outputs(nb, RESULT_MIME) if p.get("provenance")]
    seen, out = set(), []
    for d in found:
        key = (d.get("entry"), d.get("sha256"))
        if key not in seen:
            seen.add(key)
            out.append({k: d.get(k) for k in keep})
    return out


def _execute(task: Task, spec: PipelineSpec, run_id: str, run_dir: Path, kernel: str) -> TaskResult:
    import nbformat
    import papermill
    from papermill.exceptions import PapermillExecutionError

    result = TaskResult(
        name=task.name,
        group=task.group,
        notebook=_rel(task.notebook, spec.root),
        parameters=dict(task.parameters),
        started_at=_now(),
    )
    source_nb = read_notebook(task.notebook)
    source_nb.metadata["kernelspec"] = {
        "name": kernel,
        "display_name": kernel,
        "language": "python",
    }
    input_path = run_dir / f"{task.name}.input.ipynb"
    output_path = run_dir / f"{task.name}.ipynb"
    nbformat.write(source_nb, input_path)
    t0 = time.perf_counter()
    env = {
        **_KERNEL_ENV,
        RUN_ID_ENV: run_id,
        TASK_ENV: f"{spec.name}/{task.name}",
        "EBPM_PROJECT_ROOT": str(spec.root),
        "MPLBACKEND": "module://matplotlib_inline.backend_inline",
    }
    if kernel == "python3":
        # "python3" means this interpreter: a user-level python3 kernelspec pointing at another
        # Python (what `ipykernel install --user` writes) must not take the run elsewhere.
        jupyter_path = _own_python3_kernelspec(run_dir)
        env["JUPYTER_PATH"] = os.pathsep.join(
            p for p in (str(jupyter_path), os.environ.get("JUPYTER_PATH", "")) if p
        )
    try:
        with _kernel_env(env):
            papermill.execute_notebook(
                str(input_path),
                str(output_path),
                parameters=task.parameters,
                kernel_name=kernel,
                progress_bar=False,
                log_output=False,
                cwd=str(spec.root),
                execution_timeout=task.timeout,
                request_save_on_cell_execute=False,
                shutdown_kernel="immediate",
                # ipykernel warns on every start that loopback TCP is unencrypted; the run's
                # output should show the analyst's tasks, not that.
                extra_arguments=["--IPKernelApp.log_level=ERROR"] if kernel == "python3" else [],
            )
        result.status = "ok"
    except PapermillExecutionError as err:
        result.status = "failed"
        result.reason = f"cell In [{err.exec_count}] raised {err.ename}: {err.evalue}"
    except Exception as err:  # a dead kernel, a timeout: the task fails, the run goes on
        result.status = "failed"
        result.reason = f"{type(err).__name__}: {err}".strip()
    result.duration_s = round(time.perf_counter() - t0, 3)
    if output_path.is_file():
        result.output_notebook = output_path.name
    return result


def _own_python3_kernelspec(run_dir: Path) -> Path:
    """A Jupyter data folder whose ``python3`` kernel is the interpreter running ebpm."""
    import json
    import sys

    folder = run_dir / ".jupyter"
    spec = folder / "kernels" / "python3" / "kernel.json"
    if not spec.is_file():
        spec.parent.mkdir(parents=True, exist_ok=True)
        spec.write_text(
            json.dumps(
                {
                    "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
                    "display_name": "Python 3 (ebpm run)",
                    "language": "python",
                }
            ),
            encoding="utf-8",
        )
    return folder


def _rel(path: Path, root: Path) -> str:
    try:
        return str(path.resolve().relative_to(root.resolve()))
    except ValueError:
        return str(path)


def _publish(
    result: TaskResult,
    spec: PipelineSpec,
    run_id: str,
    run_dir: Path,
    site: Path,
    previous: dict[str, Any],
) -> dict[str, Any]:
    """Render and publish; a rendering error fails the task, never the run."""
    try:
        return _publish_unguarded(result, spec, run_id, run_dir, site, previous)
    except Exception as err:
        if result.status == "ok":
            result.status = "failed"
            result.reason = f"the report could not be rendered: {type(err).__name__}: {err}"
            log.exception("rendering %s failed", result.name)
            return _publish_unguarded(result, spec, run_id, run_dir, site, previous)
        raise


def _publish_unguarded(
    result: TaskResult,
    spec: PipelineSpec,
    run_id: str,
    run_dir: Path,
    site: Path,
    previous: dict[str, Any],
) -> dict[str, Any]:
    """Render the task's report or failure page and return its state record.

    ``previous`` is the task's record in the site state before this run (empty if none).
    """
    import nbformat

    from ebpm.report import site as site_mod
    from ebpm.report.render import error_of, render_html

    nb = None
    if result.output_notebook:
        nb = nbformat.read(run_dir / result.output_notebook, as_version=4)
        heads = _outputs(nb, RESULT_MIME)
        result.headline = heads[0] if heads else None
        result.datasets = _dataset_records(nb)
    if result.status == "ok" and nb is not None:
        page = render_html(nb, title=f"{spec.name}: {result.name}")
        atomic_write_text(run_dir / f"{result.name}.html", page)
        rel = f"reports/{spec.name}/{result.name}.html"
        atomic_write_text(site / rel, page)
        result.report = rel
        stale = site / "failures" / spec.name / f"{result.name}.html"
        stale.unlink(missing_ok=True)
        return {
            "status": "ok",
            "run_id": run_id,
            "finished_at": _now(),
            "duration_s": result.duration_s,
            "notebook": result.notebook,
            "parameters": result.parameters,
            "headline": result.headline,
            "datasets": result.datasets,
            "report": rel,
            "report_run_id": run_id,
            "report_headline": result.headline,
            "failure": None,
        }
    result.status = "failed"
    rel = f"failures/{spec.name}/{result.name}.html"
    page = site_mod.failure_page(
        pipeline=spec.name,
        task=result.name,
        run_id=run_id,
        notebook=result.notebook,
        parameters=result.parameters,
        error=error_of(nb) if nb is not None else None,
        reason=result.reason or "the notebook did not finish",
        last_good=previous.get("report"),
        executed_notebook=_rel(run_dir / result.output_notebook, site.parent)
        if result.output_notebook
        else None,
    )
    atomic_write_text(site / rel, page)
    result.failure_page = rel
    return {
        "status": "failed",
        "run_id": run_id,
        "finished_at": _now(),
        "duration_s": result.duration_s,
        "notebook": result.notebook,
        "parameters": result.parameters,
        "headline": None,
        "datasets": result.datasets,
        "failure": rel,
        "reason": result.reason,
    }


def run_pipeline(
    spec_path: str | Path,
    *,
    out_dir: str | Path = ".",
    parameters: dict[str, Any] | None = None,
    kernel: str = "python3",
    progress: Progress | None = None,
) -> RunResult:
    """Run every task of a pipeline spec and (re)build the report site.

    Parameters
    ----------
    spec_path : path
        A pipeline spec, e.g. ``pipelines/demo.yaml``.
    out_dir : path, default "."
        Where ``runs/<pipeline>/<run-id>/`` and ``site/`` are written.
    parameters : dict, optional
        Values that override every task's parameters.
    kernel : str, default "python3"
        Jupyter kernel; ``python3`` is the interpreter running ebpm.
    progress : callable, optional
        Called with an event dict when a task starts and ends.

    Returns
    -------
    RunResult
        Per-task status, timings and headline estimates. A failed task does not stop the
        others; check :attr:`RunResult.ok`.

    Raises
    ------
    SpecError
        The spec is malformed.
    ParameterError
        A task's parameters do not match its notebook's parameters cell (nothing is run).
    """
    t_start = time.perf_counter()
    spec = load_spec(spec_path)
    tasks = _check_all(spec, dict(parameters or {}))
    out = Path(out_dir).resolve()
    run_id = new_run_id()
    run_dir = out / "runs" / spec.name / run_id
    run_dir.mkdir(parents=True, exist_ok=False)
    site = out / "site"
    site.mkdir(parents=True, exist_ok=True)
    started = _now()
    emit = progress or (lambda event: None)
    results: list[TaskResult] = []

    from ebpm.report import site as site_mod

    for i, task in enumerate(tasks, start=1):
        emit({"event": "start", "task": task.name, "index": i, "total": len(tasks)})
        log.info("running %s (%d/%d)", task.name, i, len(tasks))
        result = _execute(task, spec, run_id, run_dir, kernel)
        # read the state fresh for each task (another pipeline may publish to the same site),
        # once: the publisher gets the task's previous record from it
        state = site_mod.load_state(site)
        previous = state["pipelines"].get(spec.name, {}).get("tasks", {}).get(task.name, {})
        record = _publish(result, spec, run_id, run_dir, site, previous)
        site_mod.record_task(
            state, pipeline=spec.name, description=spec.description, task=task.name, record=record
        )
        site_mod.save_state(site, state)
        site_mod.build_index(site, state)
        results.append(result)
        emit(
            {"event": "done", "task": task.name, "index": i, "total": len(tasks), "result": result}
        )

    duration = round(time.perf_counter() - t_start, 3)
    manifest = {
        "manifest_version": 1,
        "pipeline": spec.name,
        "spec": _rel(spec.path, spec.root),
        "description": spec.description,
        "run_id": run_id,
        "status": "ok" if all(r.status == "ok" for r in results) else "failed",
        "started_at": started,
        "finished_at": _now(),
        "duration_s": duration,
        "git": _git(spec.root),
        "versions": package_versions(),
        "kernel": kernel,
        "parameter_overrides": dict(parameters or {}),
        "tasks": [r.to_dict() for r in results],
        "datasets": _unique_datasets(results),
    }
    atomic_write_json(run_dir / "manifest.json", manifest)
    return RunResult(
        pipeline=spec.name,
        run_id=run_id,
        run_dir=run_dir,
        site_dir=site,
        tasks=results,
        duration_s=duration,
    )


def _unique_datasets(results: list[TaskResult]) -> list[dict[str, Any]]:
    seen, out = set(), []
    for r in results:
        for d in r.datasets:
            key = (d.get("entry"), d.get("sha256"))
            if key not in seen:
                seen.add(key)
                users = [
                    x.name
                    for x in results
                    if any((e.get("entry"), e.get("sha256")) == key for e in x.datasets)
                ]
                out.append({**d, "tasks": users})
    return out
