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
from ebpm._protocol import SECRET_NAME

__all__ = [
    "about_block",
    "build_index",
    "failure_page",
    "load_state",
    "record_task",
    "redact_parameters",
    "save_state",
]

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


_FILTER_JS = """
(function(){
  var box=document.getElementById('filter');
  var rows=Array.prototype.slice.call(document.querySelectorAll('tr.evaluation'));
  function apply(){
    var words=box.value.toLowerCase().split(/\\s+/).filter(Boolean);
    var shown=0;
    rows.forEach(function(r){
      var t=r.textContent.toLowerCase();
      var ok=words.every(function(w){return t.indexOf(w)>=0;});
      r.hidden=!ok; if(ok){shown++;}
    });
    document.getElementById('shown').textContent=shown+' / '+rows.length;
  }
  box.addEventListener('input',apply); apply();
  document.querySelectorAll('th[data-sort]').forEach(function(th){
    th.tabIndex=0; th.setAttribute('role','button');
    function sort(){
      var table=th.closest('table'), body=table.tBodies[0], col=th.cellIndex;
      var asc=th.getAttribute('aria-sort')!=='ascending';
      table.querySelectorAll('th').forEach(function(h){h.removeAttribute('aria-sort');});
      th.setAttribute('aria-sort',asc?'ascending':'descending');
      var list=Array.prototype.slice.call(body.rows);
      list.sort(function(a,b){
        var x=a.cells[col].getAttribute('data-key')||a.cells[col].textContent;
        var y=b.cells[col].getAttribute('data-key')||b.cells[col].textContent;
        var nx=parseFloat(x), ny=parseFloat(y);
        var c=(!isNaN(nx)&&!isNaN(ny))?nx-ny:x.localeCompare(y,'ja');
        return asc?c:-c;
      });
      list.forEach(function(r){body.appendChild(r);});
    }
    th.addEventListener('click',sort);
    th.addEventListener('keydown',function(e){if(e.key==='Enter'){sort();}});
  });
})();
"""


def _diagnostics_cell(h: dict[str, Any] | None) -> str:
    from ebpm.report.evidence import diagnostics

    checks = diagnostics(h)
    if not checks:
        return '<td data-key="none">–</td>'
    marks = {"pass": "ok", "warn": "failed", "info": "muted"}
    items = "<br>".join(
        f'<span class="{marks[c["status"]]}">{html.escape(c["status"])}</span> '
        f"{html.escape(c['text'])}"
        for c in checks
    )
    worst = "warn" if any(c["status"] == "warn" for c in checks) else checks[0]["status"]
    return f'<td data-key="{worst}">{items}</td>'


def _vintage(d: dict[str, Any]) -> str:
    if d.get("publisher_updated"):
        return f"updated {d['publisher_updated']}"
    if d.get("package_version"):
        return f"{d.get('package')} {d['package_version']}"
    return f"retrieved {d.get('retrieved_at', '?')}"


def build_index(site: Path, state: dict[str, Any] | None = None) -> Path:
    """(Re)build ``site/index.html`` and the evidence registry (``evidence.json``,
    ``evidence.csv``) from the state; returns the index's path."""
    from ebpm.report.evidence import write_registry

    state = state if state is not None else load_state(site)
    write_registry(site, state)
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
                        f"{_fmt((rev.get('old') or {}).get('estimate'))} in run "
                        f"{esc(str(rev.get('previous_run', '?')))}</span>"
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
                f'<span class="muted">sha256 {esc(str(d.get("sha256", ""))[:12])}; '
                f"{esc(_vintage(d))}</span>"
                for d in t.get("datasets", [])
            )
            estimate_key = ((h or {}).get("headline") or {}).get("estimate")
            label = esc((h or {}).get("label", "") or "")
            key = "" if estimate_key is None else f' data-key="{esc(str(estimate_key))}"'
            rows.append(
                f'<tr class="evaluation"><td>{link}<br><span class="muted">{label}</span></td>'
                f"<td>{status}</td>"
                f'<td class="num"{key}>{_estimate_cell(h)}{stale_note}</td>'
                f"{_diagnostics_cell(h)}<td>{data or '–'}</td>"
                f"<td><code>{esc(str(t.get('run_id')))}</code><br>"
                f'<span class="muted">{esc(str(t.get("finished_at", "")))}</span></td></tr>'
            )
        sections.append(
            f'<h2>{esc(pname)}</h2><p class="muted">{esc(p.get("description", ""))}</p>'
            "<table><thead><tr><th data-sort>Report</th><th data-sort>Status</th>"
            "<th data-sort>Headline estimate (SE)</th><th data-sort>Diagnostics</th>"
            "<th data-sort>Data</th><th data-sort>Run</th></tr></thead><tbody>"
            + "".join(rows)
            + "</tbody></table>"
        )
    tools = (
        '<p><label for="filter">Filter</label> <input id="filter" type="search" '
        'placeholder="words in any column, e.g. prop99 warn" size="40"> '
        '<span class="muted">showing <span id="shown"></span>; click a column heading to sort. '
        'Machine-readable: <a href="evidence.json">evidence.json</a>, '
        '<a href="evidence.csv">evidence.csv</a>.</span></p>'
        if sections
        else ""
    )
    body = (
        "<h1>Policy evaluations</h1>"
        '<p class="muted">Built by ebpm. Each report states its design, data vintage and run; '
        "a failed rerun never replaces the last good report.</p>"
        + tools
        + ("".join(sections) or "<p>No reports yet. Run <code>ebpm run PIPELINE</code>.</p>")
        + (f"<script>{_FILTER_JS}</script>" if sections else "")
    )
    path = site / "index.html"
    atomic_write_text(path, _page("Policy evaluations", body))
    return path


def redact_parameters(parameters: dict[str, Any]) -> dict[str, Any]:
    """``parameters`` with the values of secret-looking names replaced by ``***``."""
    return {k: ("***" if SECRET_NAME.search(str(k)) else v) for k, v in parameters.items()}


def about_block(
    *,
    run_id: str,
    pipeline: str,
    task: str,
    git: dict[str, Any] | None,
    versions: dict[str, str | None],
    parameters: dict[str, Any],
    datasets: list[dict[str, Any]],
    downloads: dict[str, str],
) -> str:
    """The end of a published report: run, software, parameters, data sources with their
    licence and attribution, and downloads. Every value is HTML-escaped here."""
    esc = html.escape
    commit = (git or {}).get("commit")
    dirty = " (with uncommitted changes)" if (git or {}).get("dirty") else ""
    software = ", ".join(f"{esc(k)} {esc(str(v))}" for k, v in versions.items() if v)
    params = esc(json.dumps(redact_parameters(parameters), indent=1, ensure_ascii=False))
    data = []
    for d in datasets:
        bits = [f"<code>{esc(str(d.get('entry')))}</code>"]
        if d.get("title"):
            bits.append(esc(str(d["title"])))
        if d.get("source"):
            bits.append(f"source: {esc(str(d['source']))}")
        if d.get("licence"):
            bits.append(f"licence: {esc(str(d['licence']))}")
        if d.get("attribution"):
            bits.append(esc(str(d["attribution"])))
        bits.append(esc(_vintage(d)))
        if d.get("sha256"):
            bits.append(f"sha256 <code>{esc(str(d['sha256']))}</code>")
        data.append("<li>" + "; ".join(bits) + "</li>")
    links = " · ".join(
        f'<a href="{esc(href)}" download>{esc(label)}</a>' for label, href in downloads.items()
    )
    return (
        '<footer class="ebpm-about"><h2>About this report</h2><dl>'
        f"<dt>Run</dt><dd><code>{esc(run_id)}</code> of pipeline <code>{esc(pipeline)}</code>, "
        f"task <code>{esc(task)}</code></dd>"
        f"<dt>Code</dt><dd>git commit <code>{esc(str(commit or 'unknown'))}</code>{dirty}</dd>"
        f"<dt>Software</dt><dd>{software}</dd>"
        f"<dt>Parameters</dt><dd><pre>{params}</pre></dd>"
        f"<dt>Data</dt><dd><ul>{''.join(data) or '<li>none recorded</li>'}</ul></dd>"
        f"<dt>Downloads</dt><dd>{links or '–'}</dd></dl></footer>"
    )


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
        + esc(json.dumps(redact_parameters(parameters), indent=2, ensure_ascii=False, default=str))
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
