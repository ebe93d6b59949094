"""The static report site: an index of evaluations, one page per report, failure pages.

Layout of ``site/``::

    index.html                         every report: status, headline estimate, data, run
    reports/<pipeline>/<task>.html     the last good report of each task
    failures/<pipeline>/<task>.html    why the latest run of a task failed
    _ebpm/state.json                   what the index is built from

A failed task never replaces its last good report: the index shows the failure and links both.
Every file is written atomically.
"""

from __future__ import annotations

import html
import json
import math
from pathlib import Path
from typing import Any

from ebpm._io import atomic_write_json, atomic_write_text

__all__ = ["build_index", "failure_page", "load_state", "record_task", "save_state"]

STATE_FILE = Path("_ebpm") / "state.json"

_CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI","Hiragino Sans","Noto Sans JP",sans-serif;
margin:2rem auto;max-width:72rem;padding:0 1rem;color:#1b1b1b;line-height:1.45}
h1{font-size:1.6rem;margin-bottom:.2rem} h2{font-size:1.2rem;margin-top:2rem}
.muted{color:#5a5a5a;font-size:.9rem}
table{border-collapse:collapse;width:100%;font-size:.92rem}
th,td{text-align:left;padding:.45rem .6rem;border-bottom:1px solid #ddd;vertical-align:top}
th{background:#f4f4f4} td.num{font-variant-numeric:tabular-nums;white-space:nowrap}
.estimand{font-size:.8rem} .ok{color:#00703c;font-weight:600} .failed{color:#b00020;font-weight:600}
code{font-size:.85em} pre{background:#f7f7f7;padding:.8rem;overflow:auto;font-size:.82rem}
.error{border-left:4px solid #b00020;padding-left:1rem}
"""


def _page(title: str, body: str) -> str:
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{html.escape(title)}</title><style>{_CSS}</style></head>"
        f"<body>{body}</body></html>\n"
    )


def load_state(site: Path) -> dict[str, Any]:
    """The site's state (empty on a new site)."""
    path = site / STATE_FILE
    if not path.is_file():
        return {"pipelines": {}}
    return json.loads(path.read_text(encoding="utf-8"))


def save_state(site: Path, state: dict[str, Any]) -> None:
    """Write the site's state atomically."""
    atomic_write_json(site / STATE_FILE, state)


def record_task(
    state: dict[str, Any], *, pipeline: str, description: str, task: str, record: dict[str, Any]
) -> dict[str, Any]:
    """Merge one task's outcome into ``state``; a failure keeps the last good report's fields."""
    p = state["pipelines"].setdefault(pipeline, {"tasks": {}})
    p["description"] = description
    previous = p["tasks"].get(task, {})
    merged = dict(record)
    if record["status"] != "ok":
        for key in ("report", "report_run_id", "report_headline"):
            merged[key] = previous.get(key)
    p["tasks"][task] = merged
    return state


def _fmt(x: Any) -> str:
    if x is None or (isinstance(x, float) and not math.isfinite(x)):
        return "–"
    ax = abs(x)
    digits = 4 if ax < 1 else 3 if ax < 100 else 1
    return f"{x:.{digits}f}"


def _estimate_cell(h: dict[str, Any] | None) -> str:
    if not h:
        return "–"
    hd = h["headline"]
    level = h.get("conf_level", 0.95)
    estimand = str(h.get("estimand", ""))
    short = estimand if len(estimand) <= 12 else ""
    note = "" if short else f'<br><span class="muted estimand">{html.escape(estimand)}</span>'
    return (
        f"{html.escape(short)} {_fmt(hd['estimate'])} "
        f'<span class="muted">({_fmt(hd["std_error"])})<br>{level:.0%} CI '
        f"[{_fmt(hd['conf_low'])}, {_fmt(hd['conf_high'])}]</span>{note}"
    ).strip()


def build_index(site: Path, state: dict[str, Any] | None = None) -> Path:
    """(Re)build ``site/index.html`` from the state; returns its path."""
    state = state if state is not None else load_state(site)
    esc = html.escape
    sections = []
    for pname in sorted(state["pipelines"]):
        p = state["pipelines"][pname]
        rows = []
        for tname in sorted(p["tasks"]):
            t = p["tasks"][tname]
            ok = t["status"] == "ok"
            h = t.get("headline") if ok else None
            if ok:
                link = f'<a href="{esc(t["report"])}">{esc(tname)}</a>'
                status = '<span class="ok">ok</span>'
                if t.get("unchanged_since"):
                    status += (
                        f'<br><span class="muted">unchanged since run '
                        f"{esc(str(t['unchanged_since']))}; checked by run "
                        f"{esc(str(t.get('checked_run_id')))}</span>"
                    )
                rev = t.get("revision")
                if rev:
                    status += (
                        '<br><span class="failed">revised</span> <span class="muted">was '
                        f"{_fmt(rev['old'].get('estimate'))} in run "
                        f"{esc(str(rev['previous_run']))}</span>"
                    )
            else:
                link = esc(tname)
                status = (
                    f'<span class="failed">{esc(t["status"])}</span> '
                    f'<a href="{esc(t["failure"])}">why</a>'
                    if t.get("failure")
                    else f'<span class="failed">{esc(t["status"])}</span>'
                )
                if t.get("report"):
                    status += (
                        f'<br><span class="muted">last good report: <a href="{esc(t["report"])}">'
                        f"run {esc(str(t.get('report_run_id')))}</a></span>"
                    )
                    h = t.get("report_headline")
            stale_note = (
                '<br><span class="muted">(from the last good report)</span>'
                if (not ok and h)
                else ""
            )
            data = "<br>".join(
                f"<code>{esc(str(d.get('entry')))}</code> "
                f'<span class="muted">sha256 {esc(str(d.get("sha256", ""))[:12])}</span>'
                for d in t.get("datasets", [])
            )
            label = esc((h or {}).get("label", "") or "")
            rows.append(
                f'<tr><td>{link}<br><span class="muted">{label}</span></td><td>{status}</td>'
                f'<td class="num">{_estimate_cell(h)}{stale_note}</td><td>{data or "–"}</td>'
                f"<td><code>{esc(str(t.get('run_id')))}</code><br>"
                f'<span class="muted">{esc(str(t.get("finished_at", "")))}</span></td></tr>'
            )
        sections.append(
            f'<h2>{esc(pname)}</h2><p class="muted">{esc(p.get("description", ""))}</p>'
            "<table><thead><tr><th>Report</th><th>Status</th><th>Headline estimate (SE)</th>"
            "<th>Data</th><th>Run</th></tr></thead><tbody>" + "".join(rows) + "</tbody></table>"
        )
    body = (
        "<h1>Policy evaluations</h1>"
        '<p class="muted">Built by ebpm. Each report states its design, data vintage and run; '
        "a failed rerun never replaces the last good report.</p>"
        + ("".join(sections) or "<p>No reports yet. Run <code>ebpm run PIPELINE</code>.</p>")
    )
    path = site / "index.html"
    atomic_write_text(path, _page("Policy evaluations", body))
    return path


def failure_page(
    *,
    pipeline: str,
    task: str,
    run_id: str,
    notebook: str,
    parameters: dict[str, Any],
    error: dict[str, Any] | None,
    reason: str,
    last_good: str | None,
    executed_notebook: str | None,
) -> str:
    """HTML explaining why a task failed: the failing cell, the error and the traceback."""
    esc = html.escape
    parts = [
        f'<p><a href="../../index.html">← all reports</a></p><h1>{esc(task)} failed</h1>',
        f"<p>Pipeline <code>{esc(pipeline)}</code>, run <code>{esc(run_id)}</code>, notebook "
        f"<code>{esc(notebook)}</code>.</p>",
        f'<div class="error"><p><strong>{esc(reason)}</strong></p>',
    ]
    if error:
        parts.append(
            f"<p>Failing cell (In [{error.get('execution_count') or '?'}], cell "
            f"{error['cell_index'] + 1} of the notebook):</p><pre>{esc(error['source'])}</pre>"
            f"<p>Error: <code>{esc(error['ename'])}: {esc(error['evalue'])}</code></p>"
            f"<details open><summary>Traceback</summary><pre>{esc(error['traceback'])}</pre>"
            "</details>"
        )
    parts.append("</div>")
    parts.append(
        "<p>Parameters:</p><pre>"
        + esc(json.dumps(parameters, indent=2, ensure_ascii=False, default=str))
        + "</pre>"
    )
    if executed_notebook:
        parts.append(
            f"<p>The executed notebook, outputs up to the failure, is kept at "
            f"<code>{esc(executed_notebook)}</code>.</p>"
        )
    if last_good:
        parts.append(
            f'<p>The last good report is still published: <a href="../../{esc(last_good)}">'
            f"{esc(last_good)}</a>.</p>"
        )
    else:
        parts.append("<p>This task has no earlier good report.</p>")
    return _page(f"{task} failed", "".join(parts))
