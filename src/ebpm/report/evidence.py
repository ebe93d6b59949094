"""The evidence registry: one row per evaluation, the machine-readable form of the site index.

Every publish writes ``site/evidence.json`` and ``site/evidence.csv`` from the site state: for
each evaluation its question, design, data and vintage, headline estimate with its interval, the
status of its diagnostics (pre-trends, placebo, density test, residual autocorrelation,
permutation test) and the run that produced it.

:func:`diagnostics` reads the diagnostics a result carries and says, per check, what was tested,
the p-value or statistic and a status: ``pass`` (no evidence against the design's assumption at
the 5% level), ``warn`` (evidence against it: read the report before the estimate) or ``info``.
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

__all__ = ["COLUMNS", "diagnostics", "evidence_rows", "write_registry"]

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
    "datasets",
    "data_vintage",
    "status",
    "run_id",
    "run_date",
    "report",
    "unchanged_since",
    "revised_from",
)

ALPHA = 0.05


_num = finite


def estimate_missing(headline: Mapping[str, Any] | None) -> bool:
    """Whether a published result (``headline`` as a task records it) has no usable estimate.

    A notebook that publishes no result at all (a KPI dashboard) has nothing missing; one that
    publishes a result whose headline estimate is NaN, infinite or absent does: the run shows it
    as a warning, never as "ok" with a blank.
    """
    if not headline:
        return False
    numbers = headline.get("headline")
    return not isinstance(numbers, Mapping) or _num(numbers.get("estimate")) is None


def _check(name: str, p: Any, passes: str, fails: str) -> dict[str, Any] | None:
    p = _num(p)
    if p is None:
        return None
    ok = p >= ALPHA
    return {
        "check": name,
        "p_value": p,
        "status": "pass" if ok else "warn",
        "text": f"{name}: p = {p:.3g} ({passes if ok else fails})",
    }


def diagnostics(headline: Mapping[str, Any] | None) -> list[dict[str, Any]]:
    """The checks a published result carries, each with its status and a one-line text."""
    if not headline:
        return []
    d = headline.get("diagnostics") or {}
    method = headline.get("method")
    out: list[dict[str, Any] | None] = []
    if isinstance(d.get("pretrend"), Mapping):
        out.append(
            _check(
                "pre-trends",
                d["pretrend"].get("p_value"),
                "no evidence against parallel pre-trends",
                "pre-period effects differ from zero",
            )
        )
    if isinstance(d.get("density_test"), Mapping):
        out.append(
            _check(
                "density test",
                d["density_test"].get("p_value"),
                "no sign of sorting at the cutoff",
                "the running variable bunches at the cutoff",
            )
        )
    if method == "synthetic_control" and _num(d.get("p_value")) is not None:
        p = float(d["p_value"])
        out.append(
            {
                "check": "placebo (in-space permutation)",
                "p_value": p,
                "status": "info",
                "text": f"placebo p = {p:.3g} (share of units whose post/pre RMSPE ratio is at "
                "least the treated unit's)",
            }
        )
    in_time = d.get("in_time_placebo")
    if isinstance(in_time, Mapping) and _num(in_time.get("estimate")) is not None:
        out.append(
            {
                "check": "in-time placebo",
                "p_value": None,
                "status": "info",
                "text": f"in-time placebo at {in_time.get('treatment_time')}: "
                f"{float(in_time['estimate']):.3g}",
            }
        )
    auto = d.get("residual_autocorrelation")
    if isinstance(auto, Mapping) and isinstance(auto.get("ljung_box_pvalue"), Mapping):
        found = [_num(v) for v in auto["ljung_box_pvalue"].values()]
        pvals = [p for p in found if p is not None]
        if pvals:
            p = min(pvals)
            out.append(
                {
                    "check": "residual autocorrelation",
                    "p_value": p,
                    "status": "info",
                    "text": f"Ljung-Box p = {p:.3g}: "
                    + (
                        "residuals are autocorrelated; the HAC errors allow for it"
                        if p < ALPHA
                        else "no autocorrelation detected"
                    ),
                }
            )
    if method == "moran" and _num(d.get("p_sim")) is not None:
        p = float(d["p_sim"])
        out.append(
            {
                "check": "permutation test",
                "p_value": p,
                "status": "info",
                "text": f"permutation p = {p:.3g} ({d.get('permutations', '?')} permutations)",
            }
        )
    return [c for c in out if c is not None]


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
                    "estimate": _num(hd.get("estimate")),
                    "std_error": _num(hd.get("std_error")),
                    "conf_low": _num(hd.get("conf_low")),
                    "conf_high": _num(hd.get("conf_high")),
                    "conf_level": _num(h.get("conf_level")),
                    "inference": h.get("inference"),
                    "diagnostics_status": worst,
                    "diagnostics": checks,
                    "datasets": [d.get("entry") for d in datasets],
                    "data_vintage": _vintage(datasets),
                    "status": t.get("status"),
                    "run_id": t.get("report_run_id") if ok else t.get("run_id"),
                    "run_date": t.get("finished_at"),
                    "report": t.get("report"),
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


def data_vintage(d: dict[str, Any]) -> str:
    """How current a dataset is: the publisher's update date, else the package version that
    shipped it, else when it was retrieved (an estimate shown as evidence: the run that made
    it)."""
    if d.get("kind") == "evidence":
        return f"run {d['run_id']}" if d.get("run_id") else "not evaluated yet"
    if d.get("publisher_updated"):
        return f"updated {d['publisher_updated']}"
    if d.get("package_version"):
        return f"{d.get('package')} {d['package_version']}"
    return f"retrieved {d.get('retrieved_at', '?')}"
