"""The evidence registry: one row per evaluation, the machine-readable form of the site index.

Every publish writes ``site/evidence.json`` and ``site/evidence.csv`` from the site state: for
each evaluation its question, design, data and vintage, headline estimate with its interval, the
status of its diagnostics (pre-trends, placebo, density test, residual autocorrelation,
permutation test; read by :func:`ebpm.report.evidence.diagnostics`), the evidence grade of its
design (``grade``: its level on ``grade_scale``, the Maryland Scientific Methods Scale, with
``grade_reasons``; :func:`ebpm.trust.grade.grade`; empty for a design that is not graded), the
run that gave its
status and the run that made the estimate shown (after a failure, the last good one). The site
state it reads is derived from the recorded runs (:mod:`ebpm.pipeline.standing`), so the same
runs give the same registry wherever and whenever they are published.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ebpm._format import finite
from ebpm._io import atomic_write_text
from ebpm.report.evidence import data_vintage, diagnostics
from ebpm.trust.grade import grade

__all__ = ["COLUMNS", "evidence_rows", "write_registry"]

#: The registry's columns, in order (evidence.csv's header).
COLUMNS = (
    "pipeline",
    "task",
    "question",
    "policy",
    "design",
    "estimand",
    "estimate",
    "std_error",
    "conf_low",
    "conf_high",
    "conf_level",
    "inference",
    "diagnostics_status",
    "diagnostics",
    "grade",
    "grade_scale",
    "grade_reasons",
    "datasets",
    "data_vintage",
    "status",
    "run_id",
    "run_date",
    "report",
    "estimate_run_id",
    "unchanged_since",
    "revised_from",
)


def _vintage(datasets: list[Mapping[str, Any]]) -> str:
    return "; ".join(f"{d.get('entry')}: {data_vintage(dict(d))}" for d in datasets)


def evidence_rows(state: Mapping[str, Any]) -> list[dict[str, Any]]:
    """One row per evaluation in the site state (COLUMNS, in order)."""
    rows = []
    for pname in sorted(state.get("pipelines", {})):
        for tname, t in sorted(state["pipelines"][pname].get("tasks", {}).items()):
            ok = t.get("status") == "ok"
            h = (t.get("headline") if ok else t.get("report_headline")) or {}
            hd = h.get("headline") or {}
            params = t.get("parameters") or {}
            checks = diagnostics(h)
            worst = (
                "warn"
                if any(c["status"] == "warn" for c in checks)
                else "pass"
                if any(c["status"] == "pass" for c in checks)
                else ("info" if checks else "none")
            )
            graded = grade(h) or {}
            datasets = t.get("datasets") or []
            rev = t.get("revision") or {}
            rows.append(
                {
                    "pipeline": pname,
                    "task": tname,
                    "question": h.get("label") or params.get("title") or tname,
                    "policy": params.get("policy"),
                    "design": h.get("title"),
                    "estimand": h.get("estimand"),
                    "estimate": finite(hd.get("estimate")),
                    "std_error": finite(hd.get("std_error")),
                    "conf_low": finite(hd.get("conf_low")),
                    "conf_high": finite(hd.get("conf_high")),
                    "conf_level": finite(h.get("conf_level")),
                    "inference": h.get("inference"),
                    "diagnostics_status": worst,
                    "diagnostics": checks,
                    "grade": graded.get("level"),
                    "grade_scale": graded.get("scale"),
                    "grade_reasons": graded.get("reasons", []),
                    "datasets": [d.get("entry") for d in datasets],
                    "data_vintage": _vintage(datasets),
                    "status": t.get("status"),
                    # the run that gave this status, and when the task finished in it
                    "run_id": t.get("run_id"),
                    "run_date": t.get("finished_at"),
                    "report": t.get("report"),
                    # the run that made the estimate shown (under a failure: the last good one)
                    "estimate_run_id": t.get("report_run_id") if hd else None,
                    "unchanged_since": t.get("unchanged_since"),
                    "revised_from": (rev.get("old") or {}).get("estimate"),
                }
            )
    return rows


def _csv(rows: list[dict[str, Any]]) -> str:
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=COLUMNS, lineterminator="\n")
    w.writeheader()
    for r in rows:
        flat = dict(r)
        flat["diagnostics"] = "; ".join(c["text"] for c in r["diagnostics"])
        flat["datasets"] = "; ".join(str(d) for d in r["datasets"])
        flat["grade_reasons"] = "; ".join(r["grade_reasons"])
        w.writerow({k: "" if v is None else v for k, v in flat.items()})
    return buf.getvalue()


def write_registry(site: Path, state: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Write ``evidence.json`` and ``evidence.csv`` (UTF-8 with BOM, so Excel reads Japanese)
    into ``site``; returns the rows."""
    rows = evidence_rows(state)
    atomic_write_text(
        Path(site) / "evidence.json",
        json.dumps({"columns": list(COLUMNS), "evaluations": rows}, ensure_ascii=False, indent=1)
        + "\n",
    )
    atomic_write_text(Path(site) / "evidence.csv", "\ufeff" + _csv(rows))
    return rows
