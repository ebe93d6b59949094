"""Shared helpers of the pipeline tests: hand-written run manifests, the way a run leaves them."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any


def record(name: str, status: str = "ok", **fields: Any) -> dict[str, Any]:
    """A task record as a manifest holds it (what ``TaskResult.to_dict`` writes)."""
    return {
        "name": name,
        "group": name,
        "notebook": "notebooks/n.py",
        "parameters": {},
        "status": status,
        "reason": None,
        "headline": None,
        "datasets": [],
        "fingerprint": {},
        "unchanged_since": None,
        "revision": None,
        **fields,
    }


def write_run(
    out: Path, pipeline: str, run_id: str, tasks: list[dict[str, Any]], **fields: Any
) -> Path:
    """Write ``<out>/runs/<pipeline>/<run_id>/manifest.json``; returns its path."""
    path = out / "runs" / pipeline / run_id / "manifest.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    manifest = {
        "manifest_version": 2,
        "pipeline": pipeline,
        "run_id": run_id,
        "status": "ok" if all(t["status"] in ("ok", "unchanged") for t in tasks) else "failed",
        "started_at": "2026-01-01T00:00:00+00:00",
        "finished_at": "2026-01-01T00:01:00+00:00",
        "duration_s": 60.0,
        "tasks": tasks,
        **fields,
    }
    path.write_text(json.dumps(manifest), encoding="utf-8")
    return path


def headline(estimate: float | None, **more: Any) -> dict[str, Any]:
    """A published result (``application/vnd.ebpm.result+json``) around ``estimate``."""
    numbers = {"estimate": estimate, "std_error": 0.1, "conf_low": None, "conf_high": None}
    if estimate is not None:
        numbers.update(conf_low=estimate - 0.2, conf_high=estimate + 0.2)
    return {"headline": {**numbers, "p_value": None}, "estimand": "ATT", **more}


def context(spec: Any, plans: dict[str, Any], *, run_id: str, **fields: Any) -> Any:
    """A :class:`~ebpm.pipeline.plan.RunContext` of ``spec`` writing under its project root."""
    from ebpm.pipeline.fingerprint import Hasher
    from ebpm.pipeline.plan import RunContext

    base: dict[str, Any] = {
        "spec": spec,
        "plans": plans,
        "run_id": run_id,
        "run_dir": spec.root / "runs" / spec.name / run_id,
        "site": spec.root / "site",
        "kernel": "python3",
        "jobs": 2,
        "scheduler": None,
        "backoff": 0.0,
        "emit": lambda event: None,
        "git": {"commit": None, "dirty": None},
        "hasher": Hasher(),
        "environment": "environment-1",
        "started_at": "2026-01-03T00:00:00+00:00",
    }
    return RunContext(**{**base, **fields})
