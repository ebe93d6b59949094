"""Shared records for the site tests: headlines and task records as a run puts them in the state."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ebpm import site


def headline(estimate: float, se: float, low: float, high: float, label: str) -> dict[str, Any]:
    """A task's headline result, as the state keeps it."""
    return {
        "estimand": "ATT",
        "conf_level": 0.95,
        "label": label,
        "headline": {
            "term": "treated",
            "estimate": estimate,
            "std_error": se,
            "conf_low": low,
            "conf_high": high,
        },
    }


ORGAN = headline(-0.022459, 0.006131, -0.035062, -0.009856, "Organ donations")
PROP99 = headline(-27.349, 2.802, -33.022, -21.676, "Prop 99")


def ok_record(run_id: str, result: dict[str, Any], report: str) -> dict[str, Any]:
    """The state record of a task that succeeded."""
    return {
        "status": "ok",
        "run_id": run_id,
        "finished_at": "2026-01-02T03:04:05+00:00",
        "duration_s": 3.2,
        "notebook": "notebooks/did.py",
        "parameters": {"dataset": "studies.organ_donations"},
        "headline": result,
        "datasets": [
            {
                "entry": "studies.organ_donations",
                "sha256": "af5dff31de5bdf09" * 4,
                "package": "causaldata",
                "package_version": "0.1.5",
            }
        ],
        "report": report,
        "report_run_id": run_id,
        "report_headline": result,
        "failure": None,
    }


def failed_record(run_id: str, failure: str | None) -> dict[str, Any]:
    """The state record of a task that failed (``failure``: its failure page, if any)."""
    return {
        "status": "failed",
        "run_id": run_id,
        "finished_at": "2026-01-03T00:00:00+00:00",
        "duration_s": 1.0,
        "notebook": "notebooks/did.py",
        "parameters": {"fail": True},
        "headline": None,
        "datasets": [],
        "failure": failure,
        "reason": "cell In [3] raised ValueError: boom",
    }


def record(
    state: dict[str, Any], task: str, rec: dict[str, Any], pipeline: str = "demo"
) -> dict[str, Any]:
    """``state`` with ``rec`` merged in as task ``task`` of ``pipeline`` ("The demo.")."""
    return site.record_task(
        state, pipeline=pipeline, description="The demo.", task=task, record=rec
    )


def no_temp_files(folder: Path) -> bool:
    """Whether ``folder`` holds no leftover ``*.tmp`` file of an atomic write."""
    return not [p for p in folder.rglob("*") if p.name.endswith(".tmp")]
