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
import logging
from pathlib import Path
from typing import Any

from ebpm._format import finite, fixed
from ebpm._io import atomic_write_json, atomic_write_text
from ebpm._lang import SITE
from ebpm._lang import words as area_words
from ebpm._protocol import redact_parameters
from ebpm.report.evidence import data_vintage, diagnostics, estimate_missing, write_registry
from ebpm.report.fonts import FONT_STACK, MONO_STACK, font_face_css

__all__ = [
    "about_block",
    "build_index",
    "failure_page",
    "load_state",
    "record_task",
    "redact_parameters",
    "save_state",
    "set_aside_state",
    "state_problem",
    "words",
]

log = logging.getLogger(__name__)

STATE_FILE = Path("_ebpm") / "state.json"
#: Subsets of the Japanese font already cut for the index, by their characters.
FONT_CACHE = Path("_ebpm") / "fonts"

_CSS = (
    "body{font-family:"
    + FONT_STACK
    + """;
margin:2rem auto;max-width:72rem;padding:0 1rem;color:#1b1b1b;line-height:1.45}
h1{font-size:1.6rem;margin-bottom:.2rem} h2{font-size:1.2rem;margin-top:2rem}
.muted{color:#5a5a5a;font-size:.9rem}
table{border-collapse:collapse;width:100%;font-size:.92rem}
th,td{text-align:left;padding:.45rem .6rem;border-bottom:1px solid #ddd;vertical-align:top}
th{background:#f4f4f4} td.num{font-variant-numeric:tabular-nums;white-space:nowrap}
.estimand{font-size:.8rem} .design{font-style:italic}
.ok{color:#00703c;font-weight:600} .failed{color:#b00020;font-weight:600}
.warn{color:#8a4b00;font-weight:600}
code{font-size:.85em} pre{background:#f7f7f7;padding:.8rem;overflow:auto;font-size:.82rem}
.error{border-left:4px solid #b00020;padding-left:1rem}
input,button,select,textarea{font:inherit} .wide{overflow-x:auto}
"""
    + f"pre,code,kbd,samp{{font-family:{MONO_STACK}}}"
)


#: The site's words in English and Japanese (``ebpm run --lang ja``, ``ebpm publish --lang``).
WORDS = SITE


def words(lang: str) -> dict[str, str]:
    """The site's words in ``lang`` ("en" or "ja")."""
    return area_words(SITE, lang)


def _page(title: str, body: str, lang: str = "en", *, font_cache: Path | None = None) -> str:
    """A whole page; the Japanese glyphs it uses are embedded (:mod:`ebpm.report.fonts`)."""
    title = html.escape(title)
    fonts = font_face_css(title + body, cache_dir=font_cache)
    return (
        f'<!DOCTYPE html>\n<html lang="{lang}"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{title}</title><style>{fonts}{_CSS}</style></head>"
        f"<body>{body}</body></html>\n"
    )


def _read_state(site: Path) -> tuple[dict[str, Any] | None, str | None]:
    """The state (None on a new site) and why it cannot be used (None when it can)."""
    path = site / STATE_FILE
    if not path.exists():
        return None, None
    try:
        state = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as err:  # UnicodeDecodeError and JSONDecodeError are ValueErrors
        return None, f"{type(err).__name__}: {err}"
    if not isinstance(state, dict) or not isinstance(state.get("pipelines"), dict):
        return None, "it holds JSON, but not a site state (an object with a 'pipelines' mapping)"
    return state, None


def state_problem(site: Path) -> str | None:
    """Why the site's state file cannot be used (truncated, not JSON, not a state), or None.

    A missing file is no problem: it is a new site.
    """
    return _read_state(site)[1]


def set_aside_state(site: Path, problem: str) -> Path:
    """Move an unusable state file to ``state.json.corrupt`` (kept to look at) and log why."""
    path = site / STATE_FILE
    aside = path.with_name(path.name + ".corrupt")
    path.replace(aside)
    log.warning(
        "the site state %s is unusable (%s); it was moved to %s and the site starts afresh",
        path,
        problem,
        aside.name,
    )
    return aside


def load_state(site: Path) -> dict[str, Any]:
    """The site's state (empty on a new site).

    An unusable state file (:func:`state_problem`) is set aside with a warning and the state
    starts empty; ``ebpm run`` and ``ebpm publish`` then rebuild it from the runs' manifests.
    """
    state, problem = _read_state(site)
    if problem is not None:
        set_aside_state(site, problem)
    return state if state is not None else {"pipelines": {}}


def save_state(site: Path, state: dict[str, Any]) -> None:
    """Write the site's state atomically."""
    atomic_write_json(site / STATE_FILE, state, compact=True)


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
    """A headline estimate on the index: 4 decimals below 1, 3 below 100, else 1."""
    value = finite(x)
    if value is None:  # None, NaN, "nan"
        return "–"
    ax = abs(value)
    return fixed(value, 4 if ax < 1 else 3 if ax < 100 else 1)


def _estimate_cell(h: dict[str, Any] | None) -> str:
    if not h:
        return "–"
    hd = h["headline"]
    level = h.get("conf_level", 0.95)
    estimand = str(h.get("estimand", ""))
    short = estimand if len(estimand) <= 12 else ""
    note = "" if short else f'<br><span class="muted estimand">{html.escape(estimand)}</span>'
    # what the interval is, as the result says (Moran's I: a band under the null, not a CI)
    kind = h.get("interval_label") or "confidence intervals"
    label = (
        "CI"
        if kind == "confidence intervals"
        else f'<abbr title="{html.escape(str(kind))}">interval</abbr>'
    )
    return (
        f"{html.escape(short)} {_fmt(hd['estimate'])} "
        f'<span class="muted">({_fmt(hd["std_error"])})<br>{level:.0%} {label} '
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
      // a column of numbers sorts by them; rows without one (no estimate) always go last
      var numeric=list.some(function(r){
        return !isNaN(parseFloat(r.cells[col].getAttribute('data-key')));
      });
      list.sort(function(a,b){
        var x=a.cells[col].getAttribute('data-key')||a.cells[col].textContent;
        var y=b.cells[col].getAttribute('data-key')||b.cells[col].textContent;
        var nx=parseFloat(x), ny=parseFloat(y);
        if(numeric&&(isNaN(nx)||isNaN(ny))){return isNaN(nx)-isNaN(ny);}
        var c=numeric?nx-ny:x.localeCompare(y,'ja');
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


def build_index(site: Path, state: dict[str, Any] | None = None) -> Path:
    """(Re)build ``site/index.html`` and the evidence registry (``evidence.json``,
    ``evidence.csv``) from the state; returns the index's path."""
    state = state if state is not None else load_state(site)
    write_registry(site, state)
    lang = state.get("lang", "en")
    w = words(lang)
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
                if estimate_missing(h):
                    status = f'<span class="warn">{w["no_estimate"]}</span>'
                if t.get("unchanged_since"):
                    note = w["unchanged"].format(
                        since=esc(str(t["unchanged_since"])),
                        checked=esc(str(t.get("checked_run_id"))),
                    )
                    status += f'<br><span class="muted">{note}</span>'
                rev = t.get("revision")
                if rev:
                    was = w["was"].format(
                        old=_fmt((rev.get("old") or {}).get("estimate")),
                        run=esc(str(rev.get("previous_run", "?"))),
                    )
                    status += (
                        f'<br><span class="failed">{w["revised"]}</span> '
                        f'<span class="muted">{was}</span>'
                    )
            else:
                link = esc(tname)
                status = (
                    f'<span class="failed">{esc(t["status"])}</span> '
                    f'<a href="{esc(t["failure"])}">{w["why"]}</a>'
                    if t.get("failure")
                    else f'<span class="failed">{esc(t["status"])}</span>'
                )
                if t.get("report"):
                    status += (
                        f'<br><span class="muted">{w["last_good"]} <a href="{esc(t["report"])}">'
                        f"{w['run_word']} {esc(str(t.get('report_run_id')))}</a></span>"
                    )
                    h = t.get("report_headline")
            history = f"history/{pname}/{tname}.html"
            if (site / history).is_file():
                link += f' · <a class="muted" href="{esc(history)}">{w["history"]}</a>'
            stale_note = (
                f'<br><span class="muted">{w["from_last_good"]}</span>' if (not ok and h) else ""
            )
            data = "<br>".join(
                f"<code>{esc(str(d.get('entry')))}</code> "
                f'<span class="muted">sha256 {esc(str(d.get("sha256", ""))[:12])}; '
                f"{esc(data_vintage(d))}</span>"
                for d in t.get("datasets", [])
            )
            estimate_key = ((h or {}).get("headline") or {}).get("estimate")
            label = esc((h or {}).get("label", "") or "")
            design = (h or {}).get("title")
            if design:  # the research design, e.g. "Synthetic control"
                label += f'<br><span class="design">{esc(str(design))}</span>'
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
            '<div class="wide"><table><thead><tr>'
            + "".join(
                f"<th data-sort>{w[k]}</th>"
                for k in ("report", "status", "estimate", "diagnostics", "data", "run")
            )
            + "</tr></thead><tbody>"
            + "".join(rows)
            + "</tbody></table></div>"
        )
    tools = (
        f'<p><label for="filter">{w["filter"]}</label> <input id="filter" type="search" '
        f'placeholder="{esc(w["placeholder"])}" size="40"> '
        f'<span class="muted">{w["showing"]} <span id="shown"></span>; {w["sort"]} '
        f'{w["machine"]} <a href="evidence.json">evidence.json</a>, '
        '<a href="evidence.csv">evidence.csv</a>.</span></p>'
        if sections
        else ""
    )
    body = (
        f"<h1>{w['title']}</h1>"
        f'<p class="muted">{w["intro"]}</p>'
        + tools
        + ("".join(sections) or f"<p>{w['empty']}</p>")
        + (f"<script>{_FILTER_JS}</script>" if sections else "")
    )
    path = site / "index.html"
    atomic_write_text(path, _page(w["title"], body, lang, font_cache=site / FONT_CACHE))
    return path


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
    lang: str = "en",
) -> str:
    """The end of a published report: run, software, parameters, data sources with their
    licence and attribution, and downloads. Every value is HTML-escaped here."""
    esc = html.escape
    w = words(lang)
    commit = (git or {}).get("commit")
    dirty = w["dirty"] if (git or {}).get("dirty") else ""
    software = ", ".join(f"{esc(k)} {esc(str(v))}" for k, v in versions.items() if v)
    params = esc(json.dumps(redact_parameters(parameters), indent=1, ensure_ascii=False))
    data = []
    for d in datasets:
        bits = [f"<code>{esc(str(d.get('entry')))}</code>"]
        if d.get("title"):
            bits.append(esc(str(d["title"])))
        if d.get("source"):
            bits.append(w["d_source"].format(esc(str(d["source"]))))
        if d.get("licence"):
            bits.append(w["d_licence"].format(esc(str(d["licence"]))))
        query = redact_parameters(d.get("params") or {})
        if query:  # tells apart two reads of one entry
            shown = ", ".join(f"{k}={v}" for k, v in query.items())
            bits.append(w["d_query"].format(f"<code>{esc(shown)}</code>"))
        if d.get("attribution"):
            bits.append(esc(str(d["attribution"])))
        bits.append(esc(data_vintage(d)))
        if d.get("sha256"):
            bits.append(f"sha256 <code>{esc(str(d['sha256']))}</code>")
        data.append("<li>" + "; ".join(bits) + "</li>")
    links = " · ".join(
        f'<a href="{esc(href)}" download>{esc(label)}</a>' for label, href in downloads.items()
    )
    which = w["of_pipeline"].format(
        run=f"<code>{esc(run_id)}</code>",
        pipeline=f"<code>{esc(pipeline)}</code>",
        task=f"<code>{esc(task)}</code>",
    )
    code = w["commit"].format(commit=f"<code>{esc(str(commit or 'unknown'))}</code>", dirty=dirty)
    none = f"<li>{w['none_recorded']}</li>"
    return (
        f'<footer class="ebpm-about"><h2>{w["about"]}</h2><dl>'
        f"<dt>{w['a_run']}</dt><dd>{which}</dd>"
        f"<dt>{w['code']}</dt><dd>{code}</dd>"
        f"<dt>{w['software']}</dt><dd>{software}</dd>"
        f"<dt>{w['parameters']}</dt><dd><pre>{params}</pre></dd>"
        f"<dt>{w['data']}</dt><dd><ul>{''.join(data) or none}</ul></dd>"
        f"<dt>{w['downloads']}</dt><dd>{links or '–'}</dd></dl></footer>"
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
    lang: str = "en",
) -> str:
    """HTML explaining why a task failed: the failing cell, the error and the traceback, in the
    site's language (the error itself is the kernel's, as raised)."""
    esc = html.escape
    w = words(lang)
    code = lambda text: f"<code>{esc(str(text))}</code>"  # noqa: E731
    parts = [
        f'<p><a href="../../index.html">{w["all_reports"]}</a> · '
        f'<a href="../../history/{esc(pipeline)}/{esc(task)}.html">{w["history"]}</a></p>'
        f"<h1>{esc(w['failed_title'].format(task=task))}</h1>",
        "<p>"
        + w["failed_where"].format(
            pipeline=code(pipeline), run=code(run_id), notebook=code(notebook)
        )
        + "</p>",
        f'<div class="error"><p><strong>{esc(reason)}</strong></p>',
    ]
    if error:
        where = w["failing_cell"].format(
            count=error.get("execution_count") or "?", cell=error["cell_index"] + 1
        )
        parts.append(
            f"<p>{where}</p><pre>{esc(error['source'])}</pre>"
            f"<p>{w['error']} <code>{esc(error['ename'])}: {esc(error['evalue'])}</code></p>"
            f"<details open><summary>{w['traceback']}</summary>"
            f"<pre>{esc(error['traceback'])}</pre></details>"
        )
    parts.append("</div>")
    parts.append(
        f"<p>{w['parameters']}:</p><pre>"
        + esc(json.dumps(redact_parameters(parameters), indent=2, ensure_ascii=False, default=str))
        + "</pre>"
    )
    if executed_notebook:
        parts.append(f"<p>{w['kept_at'].format(path=code(executed_notebook))}</p>")
    if last_good:
        parts.append(
            f'<p>{w["last_good_still"]} <a href="../../{esc(last_good)}">{esc(last_good)}</a>.</p>'
        )
    else:
        parts.append(f"<p>{w['no_last_good']}</p>")
    return _page(w["failed_title"].format(task=task), "".join(parts), lang)
