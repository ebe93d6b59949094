"""The site's index: every evaluation with its status, headline estimate, evidence grade and
diagnostics, data and run, filterable and sortable; built with the evidence registry from the
site state.
"""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any

from ebpm._format import finite, fixed
from ebpm._io import atomic_write_text
from ebpm._lang import when
from ebpm.report.evidence import data_identity, data_vintage, diagnostics, estimate_missing
from ebpm.site.pages import page, words
from ebpm.site.registry import write_registry
from ebpm.site.state import load_state
from ebpm.trust.grade import grade, grade_short

__all__ = ["build_index"]

#: Subsets of the Japanese font already cut for the index, by their characters.
FONT_CACHE = Path("_ebpm") / "fonts"


def _fmt(x: Any) -> str:
    """A headline estimate on the index: 4 decimals below 1, 3 below 100, else 1."""
    value = finite(x)
    if value is None:  # None, NaN, "nan"
        return "–"
    ax = abs(value)
    return fixed(value, 4 if ax < 1 else 3 if ax < 100 else 1)


#: The index's columns share 1,280 px without sideways scrolling: long cells wrap.
_COLUMNS = (
    '<colgroup><col style="width:21%"><col style="width:12%"><col style="width:17%">'
    '<col style="width:22%"><col style="width:16%"><col style="width:12%"></colgroup>'
)


def _identity(d: dict[str, Any], lang: str) -> tuple[str, str]:
    """A dataset's bytes and vintage, each said once (a package's version is both)."""
    ident, vintage = data_identity(d), data_vintage(d, lang)
    return (ident, "" if vintage == ident else vintage)


def _estimate_cell(h: dict[str, Any] | None, w: dict[str, str]) -> str:
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
        w["ci"]
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


#: What the grade is called on the index, by language (the scale is named in its tooltip).
_GRADE_WORD = {"en": "Evidence grade", "ja": "エビデンスの強さ"}


def _grade_html(h: dict[str, Any] | None, lang: str) -> str:
    """The evaluation's evidence grade (:func:`ebpm.trust.grade.grade`), "SMS 3/5", its level
    in words as a tooltip and, unfolded, why that level: escaped; "" when not graded."""
    g = grade(h, lang)
    if g is None:
        return ""
    esc = html.escape
    word = _GRADE_WORD["ja" if lang == "ja" else "en"] + ("：" if lang == "ja" else ": ")
    reasons = "".join(f"<li>{esc(r)}</li>" for r in g["reasons"])
    return (
        f'<details class="grade" data-grade="{int(g["level"])}">'
        f'<summary title="{esc(g["label"])}">{esc(word)}<b>{esc(grade_short(g))}</b></summary>'
        f'<span class="muted">{esc(g["label"])}</span><ul>{reasons}</ul></details>'
    )


#: How an evaluation stands against its pipeline's analysis plan, on the index (the report
#: page lists each deviation: :func:`ebpm.site.pages.plan_block`).
_PLAN_NOTE = {
    "en": ("follows its analysis plan", "departs from its analysis plan in {n} way(s)"),
    "ja": ("分析計画どおり", "分析計画から {n} 点の逸脱"),
}


def _plan_note(prereg: Any, lang: str) -> str:
    """A line under the status: whether the run follows the locked plan; nothing without one."""
    if not isinstance(prereg, dict):
        return ""
    follows, departs = _PLAN_NOTE["ja" if lang == "ja" else "en"]
    n = len(prereg.get("deviations") or [])
    if n == 0:
        return f'<br><span class="muted" data-prereg="follows">{html.escape(follows)}</span>'
    text = html.escape(departs.format(n=n))
    return f'<br><span class="warn" data-prereg="departs">{text}</span>'


def _diagnostics_cell(h: dict[str, Any] | None, w: dict[str, str], lang: str) -> str:
    checks = diagnostics(h, lang)
    graded = _grade_html(h, lang)
    if not checks:
        return f'<td data-key="none">{graded or "–"}</td>'
    marks = {"pass": "ok", "warn": "failed", "info": "muted"}
    items = "<br>".join(
        f'<span class="{marks[c["status"]]}">{html.escape(w["diag_" + c["status"]])}</span> '
        f"{html.escape(c['text'])}"
        for c in checks
    )
    worst = "warn" if any(c["status"] == "warn" for c in checks) else checks[0]["status"]
    return f'<td data-key="{worst}">{graded}{items}</td>'


def _task_row(
    site: Path, pname: str, tname: str, t: dict[str, Any], w: dict[str, str], lang: str
) -> str:
    """One evaluation's row of the index: report, status, estimate, diagnostics, data, run."""
    esc = html.escape
    ok = t["status"] == "ok"
    h = t.get("headline") if ok else None
    if ok:
        link = f'<a href="{esc(t["report"])}">{esc(tname)}</a>'
        status = f'<span class="ok">{w["status_ok"]}</span>'
        if estimate_missing(h):
            status = f'<span class="warn">{w["no_estimate"]}</span>'
        if t.get("unchanged_since"):
            note = w["unchanged"].format(
                since=esc(str(t["unchanged_since"])),
                checked=esc(str(t.get("checked_run_id"))),
            )
            status += f'<br><span class="muted">{note}</span>'
        status += _plan_note(t.get("prereg"), lang)
        rev = t.get("revision")
        if rev:
            was = w["was"].format(
                old=_fmt((rev.get("old") or {}).get("estimate")),
                run=esc(str(rev.get("previous_run", "?"))),
            )
            status += (
                f'<br><span class="failed">{w["revised"]}</span> <span class="muted">{was}</span>'
            )
    else:
        link = esc(tname)
        word = esc(w.get(f"status_{t['status']}", str(t["status"])))
        status = (
            f'<span class="failed">{word}</span> <a href="{esc(t["failure"])}">{w["why"]}</a>'
            if t.get("failure")
            else f'<span class="failed">{word}</span>'
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
    stale_note = f'<br><span class="muted">{w["from_last_good"]}</span>' if (not ok and h) else ""
    data = "<br>".join(
        f"<code>{esc(str(d.get('entry')))}</code> "
        f'<span class="muted">{esc("; ".join(x for x in _identity(d, lang) if x))}</span>'
        for d in t.get("datasets", [])
    )
    estimate_key = ((h or {}).get("headline") or {}).get("estimate")
    label = esc((h or {}).get("label", "") or "")
    design = (h or {}).get("title")
    if design:  # the research design, e.g. "Synthetic control"
        label += f'<br><span class="design">{esc(str(design))}</span>'
    key = "" if estimate_key is None else f' data-key="{esc(str(estimate_key))}"'
    return (
        f'<tr class="evaluation"><td>{link}<br><span class="muted">{label}</span></td>'
        f"<td>{status}</td>"
        f'<td class="num"{key}>{_estimate_cell(h, w)}{stale_note}</td>'
        f"{_diagnostics_cell(h, w, lang)}<td>{data or '–'}</td>"
        f"<td><code>{esc(str(t.get('run_id')))}</code><br>"
        f'<span class="muted">{esc(when(t.get("finished_at"), lang))}</span></td></tr>'
    )


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
        rows = [
            _task_row(site, pname, tname, p["tasks"][tname], w, lang)
            for tname in sorted(p["tasks"])
        ]
        sections.append(
            f'<h2>{esc(pname)}</h2><p class="muted">{esc(p.get("description", ""))}</p>'
            '<div class="wide"><table class="ebpm-index">'
            + _COLUMNS
            + "<thead><tr>"
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
    atomic_write_text(path, page(w["title"], body, lang, font_cache=site / FONT_CACHE))
    return path
