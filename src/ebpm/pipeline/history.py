"""Run history: the manifests under ``runs/<pipeline>/<run-id>/manifest.json``.

Every run of a pipeline leaves a manifest: its tasks with their status, parameters, headline
estimate, the datasets they loaded (with sha256) and their fingerprints. This module reads them
back: list runs, find one by id (or a unique prefix), find each task's last good record (what an
incremental rerun compares against), and compare two headline estimates (revision alerts).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ebpm._format import finite
from ebpm.errors import RunNotFoundError, did_you_mean
from ebpm.project import Outputs

__all__ = [
    "GOOD",
    "RunInfo",
    "changed_inputs",
    "find_run",
    "last_good_records",
    "list_runs",
    "made_by",
    "outputs_of",
    "revision",
    "task_history",
]

log = logging.getLogger(__name__)

#: Task statuses whose report is current: ran fine, or skipped because nothing changed.
GOOD = ("ok", "unchanged")


@dataclass(frozen=True)
class RunInfo:
    """One recorded run (the head of its manifest)."""

    pipeline: str
    run_id: str
    status: str
    started_at: str | None
    finished_at: str | None
    duration_s: float | None
    counts: dict[str, int]
    path: Path  # the manifest
    complete: bool = True  # every task, the spec's own parameters (no --task, no -p)

    @property
    def folder(self) -> Path:
        """The run's folder (executed notebooks, rendered pages, manifest)."""
        return self.path.parent


def _read(path: Path) -> dict[str, Any] | None:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as err:
        log.warning("skipping unreadable manifest %s: %s", path, err)
        return None


def _manifests(runs: Path, pipeline: str | None) -> Iterator[Path]:
    folders = [runs / pipeline] if pipeline else sorted(p for p in runs.glob("*") if p.is_dir())
    for folder in folders:
        # run ids start with the UTC time, so names sort chronologically
        yield from sorted(folder.glob("*/manifest.json"), key=lambda p: p.parent.name)


def list_runs(out_dir: str | Path = ".", *, pipeline: str | None = None) -> list[RunInfo]:
    """Every recorded run, oldest first (of one pipeline, or of all)."""
    runs = Outputs(Path(out_dir)).runs
    out = []
    for path in _manifests(runs, pipeline):
        m = _read(path)
        if m is None:
            continue
        counts: dict[str, int] = {}
        for t in m.get("tasks", []):
            counts[t.get("status", "?")] = counts.get(t.get("status", "?"), 0) + 1
        out.append(
            RunInfo(
                pipeline=m.get("pipeline", path.parent.parent.name),
                run_id=m.get("run_id", path.parent.name),
                status=m.get("status", "?"),
                started_at=m.get("started_at"),
                finished_at=m.get("finished_at"),
                duration_s=m.get("duration_s"),
                counts=counts,
                path=path,
                complete=not m.get("selected_tasks") and not m.get("parameter_overrides"),
            )
        )
    return out


def manifests(out_dir: str | Path, pipeline: str) -> list[dict[str, Any]]:
    """The readable manifests of every recorded run of ``pipeline``, oldest first, each with
    ``"_path"`` set."""
    found = []
    for path in _manifests(Outputs(Path(out_dir)).runs, pipeline):
        m = _read(path)
        if m is not None:
            m.setdefault("run_id", path.parent.name)
            m.setdefault("pipeline", pipeline)
            m["_path"] = str(path)
            found.append(m)
    return sorted(found, key=lambda m: str(m["run_id"]))


def find_run(out_dir: str | Path, run_id: str) -> dict[str, Any]:
    """The manifest of run ``run_id`` (a unique prefix is enough), with ``"_path"`` set.

    Raises
    ------
    RunNotFoundError
        No run, or several runs, match ``run_id``.
    """
    runs = list_runs(out_dir)
    hits = [r for r in runs if r.run_id == run_id] or [
        r for r in runs if r.run_id.startswith(run_id)
    ]
    if len(hits) != 1:
        ids = [r.run_id for r in runs]
        if hits:
            raise RunNotFoundError(
                f"run id {run_id!r} matches {len(hits)} runs "
                f"({', '.join(r.run_id for r in hits[:5])}); give more of the id"
            )
        where = Outputs(Path(out_dir)).runs
        raise RunNotFoundError(
            f"no run {run_id!r} under {where}.{did_you_mean(run_id, ids)}"
            + (
                f" Recent runs: {', '.join(ids[-5:])} (`ebpm runs list`)."
                if ids
                else " No runs are recorded there yet; is --out right?"
            )
        )
    manifest = _read(hits[0].path)
    if manifest is None:
        raise RunNotFoundError(f"the manifest of run {run_id!r} ({hits[0].path}) is unreadable")
    manifest["_path"] = str(hits[0].path)
    return manifest


def last_good_records(
    out_dir: str | Path, pipeline: str, tasks: list[str]
) -> dict[str, tuple[str, dict[str, Any]]]:
    """For each task, the newest record whose status is ok or unchanged, with its run id."""
    wanted = set(tasks)
    found: dict[str, tuple[str, dict[str, Any]]] = {}
    runs = Outputs(Path(out_dir)).runs
    for path in reversed(list(_manifests(runs, pipeline))):
        if not wanted - set(found):
            break
        m = _read(path)
        if m is None:
            continue
        for t in m.get("tasks", []):
            name = t.get("name")
            if name in wanted and name not in found and t.get("status") in GOOD:
                found[name] = (m.get("run_id", path.parent.name), t)
    return found


def made_by(out_dir: str | Path, pipeline: str, task: str) -> str | None:
    """The run that made the current good estimate of ``pipeline``/``task`` (a run that kept
    it unchanged points back to it), or None when the task never ran well."""
    good = last_good_records(out_dir, pipeline, [task]).get(task)
    if good is None:
        return None
    run_id, record = good
    return record.get("unchanged_since") or run_id


def outputs_of(nb: Any, mime: str) -> list[Any]:
    """The outputs of type ``mime`` in a notebook (an nbformat node or its plain JSON)."""
    found = []
    for cell in nb.get("cells", []):
        for out in cell.get("outputs", []) if cell.get("cell_type") == "code" else []:
            data = out.get("data") or {}
            if mime in data:
                found.append(data[mime])
    return found


def task_history(out_dir: str | Path, pipeline: str) -> dict[str, list[dict[str, Any]]]:
    """Every recorded run of each task of ``pipeline``, oldest first.

    Each entry: ``run_id``, ``finished_at``, ``status`` (ok, unchanged, failed, ...),
    ``reason``, ``unchanged_since``, ``rerun_of``, the ``headline`` numbers (estimate,
    std_error, conf_low, conf_high, conf_level, estimand) when the run made them, ``revision``
    and the datasets' entries with a short sha256. Built from the manifests, so a site rebuilt
    by ``ebpm publish`` has the whole history too.
    """
    out: dict[str, list[dict[str, Any]]] = {}
    for path in _manifests(Outputs(Path(out_dir)).runs, pipeline):
        m = _read(path)
        if m is None:
            continue
        for t in m.get("tasks", []):
            if t.get("status") in ("pending", None):
                continue
            h = t.get("headline") or {}
            numbers = h.get("headline") or {}
            out.setdefault(str(t.get("name")), []).append(
                {
                    "run_id": m.get("run_id", path.parent.name),
                    "finished_at": m.get("finished_at"),
                    "status": t.get("status"),
                    "reason": t.get("reason"),
                    "unchanged_since": t.get("unchanged_since"),
                    "rerun_of": m.get("rerun_of"),
                    "headline": {
                        **{
                            k: _num(numbers.get(k))
                            for k in ("estimate", "std_error", "conf_low", "conf_high")
                        },
                        "conf_level": _num(h.get("conf_level")) or 0.95,
                        "estimand": h.get("estimand"),
                    }
                    if numbers
                    else None,
                    "revision": t.get("revision"),
                    "datasets": [
                        {
                            k: d.get(k)
                            for k in ("entry", "sha256", "package", "package_version", "kind")
                        }
                        for d in t.get("datasets") or []
                    ],
                }
            )
    return out


_num = finite


def changed_inputs(old: dict[str, Any], new: dict[str, Any]) -> list[dict[str, Any]]:
    """What differs between two task records: notebook, parameters, environment, each dataset,
    the definition of each catalog entry and each project file the notebook read."""
    out: list[dict[str, Any]] = []
    fo, fn = old.get("fingerprint") or {}, new.get("fingerprint") or {}
    if fo.get("notebook") != fn.get("notebook"):
        out.append({"input": "notebook", "what": new.get("notebook")})
    po, pn = old.get("parameters") or {}, new.get("parameters") or {}
    for key in sorted(set(po) | set(pn)):
        if po.get(key) != pn.get(key):
            out.append({"input": "parameter", "what": key, "old": po.get(key), "new": pn.get(key)})
    if fo.get("environment") != fn.get("environment"):
        out.append({"input": "environment", "what": "installed packages or Python"})
    old_data = {_dkey(d): d for d in old.get("datasets") or []}
    for d in new.get("datasets") or []:
        before = old_data.get(_dkey(d))
        if before is None:
            out.append({"input": "data", "what": d.get("entry"), "new_sha256": d.get("sha256")})
        elif before.get("sha256") != d.get("sha256"):
            out.append(
                {
                    "input": "data",
                    "what": d.get("entry"),
                    "old_sha256": before.get("sha256"),
                    "new_sha256": d.get("sha256"),
                    "old_publisher_updated": before.get("publisher_updated"),
                    "new_publisher_updated": d.get("publisher_updated"),
                    "old_retrieved_at": before.get("retrieved_at"),
                    "new_retrieved_at": d.get("retrieved_at"),
                }
            )
        defined = (before or {}).get("entry_sha256")
        if defined and d.get("entry_sha256") and defined != d["entry_sha256"]:
            out.append({"input": "catalog entry", "what": d.get("entry")})
    reads_old, reads_new = fo.get("reads") or {}, fn.get("reads") or {}
    for path in sorted(set(reads_old) & set(reads_new)):
        if reads_old[path] != reads_new[path]:
            out.append({"input": "project file", "what": path})
    return out


def _dkey(d: dict[str, Any]) -> str:
    from ebpm.pipeline.fingerprint import data_key

    return data_key(d)


def revision(
    old: dict[str, Any], new: dict[str, Any], *, previous_run: str, tolerance: Any
) -> dict[str, Any] | None:
    """A revision alert when the headline estimate moved beyond ``tolerance``, else None.

    ``old`` and ``new`` are task records (``headline`` as the notebook published it);
    ``tolerance`` has ``exceeded(old, new) -> bool``.
    """
    ho = ((old.get("headline") or {}).get("headline")) or {}
    hn = ((new.get("headline") or {}).get("headline")) or {}
    eo, en = _num(ho.get("estimate")), _num(hn.get("estimate"))
    if not ho or not hn or (eo is None and en is None):
        return None
    # an estimate that went missing (NaN), or came back, is a revision whatever the tolerance
    if eo is not None and en is not None and not tolerance.exceeded(eo, en):
        return None
    keep = ("estimate", "std_error", "conf_low", "conf_high", "p_value")
    return {
        "previous_run": previous_run,
        "old": {k: ho.get(k) for k in keep},
        "new": {k: hn.get(k) for k in keep},
        "difference": None if eo is None or en is None else en - eo,
        "relative_difference": (en - eo) / abs(eo) if eo and en is not None else None,
        "tolerance": str(tolerance),
        "changed_inputs": changed_inputs(old, new),
    }
