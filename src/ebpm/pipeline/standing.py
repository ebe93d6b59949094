"""What the site shows for each task: a pure function of the recorded runs (issue 18).

The index, the evidence registry and the site state are derived from the runs' manifests
alone, so the same runs give the same pages wherever and whenever they are published. For each
task of a pipeline, the runs are read oldest first:

* a run where the task succeeded makes its **good** result (estimate, report, data, the time it
  ran);
* a later run that found it unchanged **checks** that result (it stays, with "unchanged since");
* a later run where it failed or was blocked leaves the good result as the *last good* one and
  shows the failure; the next successful or unchanged run clears it;
* a cancelled or pending record says nothing about the result and changes nothing.

The tasks shown are those of the pipeline's spec as its latest run recorded it: a task removed
from the spec leaves the site.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

__all__ = ["RAN_BAD", "failure_path", "pipeline_standing", "report_path", "spec_tasks"]

#: Statuses of a task that ran (or should have) and did not give a result.
RAN_BAD = frozenset({"failed", "blocked"})


def report_path(pipeline: str, task: str) -> str:
    """Where a task's report is in the site."""
    return f"reports/{pipeline}/{task}.html"


def failure_path(pipeline: str, task: str) -> str:
    """Where a task's failure page is in the site."""
    return f"failures/{pipeline}/{task}.html"


def _finished_at(record: Mapping[str, Any], manifest: Mapping[str, Any]) -> str | None:
    """When the task finished: its own record; for manifests before ebpm recorded that, its
    start plus its duration, else the run's end."""
    if record.get("finished_at"):
        return str(record["finished_at"])
    started, took = record.get("started_at"), record.get("duration_s")
    if started and isinstance(took, int | float):
        try:
            end = datetime.fromisoformat(str(started)) + timedelta(seconds=float(took))
        except ValueError:
            pass
        else:
            return end.isoformat(timespec="seconds")
    finished = manifest.get("finished_at")
    return str(finished) if finished else None


def spec_tasks(manifests: Sequence[Mapping[str, Any]]) -> list[str]:
    """The pipeline's tasks as its latest run recorded the spec.

    Manifests before ``spec_tasks`` was recorded: the tasks of the latest complete run (no
    task selection) and of every later run.
    """
    if not manifests:
        return []
    latest = manifests[-1]
    if isinstance(latest.get("spec_tasks"), list):
        return [str(t) for t in latest["spec_tasks"]]
    complete = max((i for i, m in enumerate(manifests) if not m.get("selected_tasks")), default=0)
    names: dict[str, None] = {}
    for m in manifests[complete:]:
        for t in m.get("tasks", []):
            names[str(t.get("name"))] = None
    return list(names)


def _task_standing(
    pipeline: str, task: str, runs: Iterable[tuple[str, Mapping[str, Any], Mapping[str, Any]]]
) -> dict[str, Any] | None:
    """The record of one task; ``runs`` holds (run id, manifest, the task's record), oldest
    first. None when no run ever finished the task."""
    good: tuple[str, Mapping[str, Any], Mapping[str, Any]] | None = None
    checked: str | None = None
    bad: tuple[str, Mapping[str, Any], Mapping[str, Any]] | None = None
    made: dict[str, tuple[str, Mapping[str, Any], Mapping[str, Any]]] = {}
    for run_id, m, rec in runs:
        status = rec.get("status")
        if status == "ok":
            good = made[run_id] = (run_id, m, rec)
            checked, bad = None, None
        elif status == "unchanged":
            since = str(rec.get("unchanged_since") or run_id)
            # the run that made the estimate; a record of it gone, the unchanged copy
            good = made.get(since) or (since, m, rec)
            checked, bad = run_id, None
        elif status in RAN_BAD:
            bad = (run_id, m, rec)
    if good is None and bad is None:
        return None
    out: dict[str, Any] = {
        "status": "ok",
        "report": None,
        "report_run_id": None,
        "report_headline": None,
        "headline": None,
        "revision": None,
        "unchanged_since": None,
        "checked_run_id": None,
        "failure": None,
        "reason": None,
        "prereg": None,
    }
    if good is not None:
        g_run, g_m, g_rec = good
        out.update(
            {
                "run_id": g_run,
                "finished_at": _finished_at(g_rec, g_m),
                "duration_s": g_rec.get("duration_s"),
                "notebook": g_rec.get("notebook"),
                "parameters": g_rec.get("parameters") or {},
                "datasets": g_rec.get("datasets") or [],
                "headline": g_rec.get("headline"),
                "report": report_path(pipeline, task),
                "report_run_id": g_run,
                "report_headline": g_rec.get("headline"),
                "report_finished_at": _finished_at(g_rec, g_m),
                "revision": g_rec.get("revision") if g_rec.get("status") == "ok" else None,
                "unchanged_since": g_run if checked else None,
                "checked_run_id": checked,
                "prereg": g_rec.get("prereg"),
            }
        )
    if bad is not None:
        b_run, b_m, b_rec = bad
        out.update(
            {
                "status": b_rec.get("status"),
                "run_id": b_run,
                "finished_at": _finished_at(b_rec, b_m),
                "duration_s": b_rec.get("duration_s"),
                "notebook": b_rec.get("notebook"),
                "parameters": b_rec.get("parameters") or {},
                "datasets": b_rec.get("datasets") or [],
                "headline": None,
                "revision": None,
                "unchanged_since": None,
                "checked_run_id": None,
                "failure": failure_path(pipeline, task),
                "reason": b_rec.get("reason"),
            }
        )
    return out


def pipeline_standing(manifests: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """The site state of one pipeline from its runs' manifests (any order):
    ``{"description": ..., "tasks": {task: record}}``.

    Each record holds ``status`` (ok, failed or blocked), ``run_id`` and ``finished_at`` (the
    run that gave that status, and when the task finished in it), ``headline``, ``report``,
    ``report_run_id`` and ``report_headline`` (the last good result, also under a failure),
    ``unchanged_since`` and ``checked_run_id``, ``failure`` and ``reason``, ``parameters``,
    ``datasets``, ``notebook`` and ``revision``.
    """
    ordered = sorted(manifests, key=lambda m: str(m.get("run_id")))
    tasks: dict[str, Any] = {}
    for name in spec_tasks(ordered):
        runs = [
            (str(m.get("run_id")), m, rec)
            for m in ordered
            for rec in m.get("tasks", [])
            if rec.get("name") == name
        ]
        record = _task_standing(str(ordered[-1].get("pipeline")), name, runs)
        if record is not None:
            tasks[name] = record
    return {
        "description": str(ordered[-1].get("description") or "") if ordered else "",
        "tasks": tasks,
    }
