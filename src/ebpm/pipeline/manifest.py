"""A run's manifest (``runs/<pipeline>/<run-id>/manifest.json``): what ran, how and on what,
and each task's outcome. It reads the run context (:mod:`ebpm.pipeline.plan`) and the task
records (:mod:`ebpm.pipeline.records`), so it sits above both."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ebpm._io import atomic_write_json
from ebpm.pipeline.plan import RunContext
from ebpm.pipeline.records import _unique_datasets, relative, utc_now

__all__ = ["manifest", "write_manifest"]


def manifest(
    ctx: RunContext, *, status: str, duration_s: float, error: str | None = None
) -> dict[str, Any]:
    """The run's manifest: what ran, how and on what, and each task's outcome (``error``: why
    the run stopped, with status "error")."""
    spec = ctx.spec
    results = [p.result for p in ctx.plans.values()]
    return {
        "manifest_version": 3,
        "pipeline": spec.name,
        "spec": relative(spec.path, spec.root),
        "root": str(spec.root),
        "description": spec.description,
        "schedule": spec.schedule,
        "run_id": ctx.run_id,
        "rerun_of": ctx.rerun_of,
        "status": status,
        **({"error": error} if error is not None else {}),
        "started_at": ctx.started_at,
        "finished_at": utc_now(),
        "duration_s": duration_s,
        "git": ctx.git,
        "versions": ctx.versions,
        "environment": ctx.environment,
        "kernel": ctx.kernel,
        "executor": {
            "kind": "dask" if ctx.scheduler else "local",
            "address": ctx.scheduler,
            "jobs": ctx.jobs,
        },
        "force": ctx.force,
        "selected_tasks": ctx.selected_tasks,
        "spec_tasks": [t.name for t in spec.tasks],  # what the site shows (ebpm.pipeline.standing)
        "parameter_overrides": ctx.overrides,
        "tasks": [r.to_dict() for r in results],
        "datasets": _unique_datasets(results),
        "revisions": [{"task": r.name, **r.revision} for r in results if r.revision],
    }


def write_manifest(
    ctx: RunContext, *, status: str, duration_s: float, error: str | None = None
) -> Path:
    """Write the run's manifest (:func:`manifest`) atomically; returns its path."""
    return atomic_write_json(
        ctx.run_dir / "manifest.json",
        manifest(ctx, status=status, duration_s=duration_s, error=error),
    )
