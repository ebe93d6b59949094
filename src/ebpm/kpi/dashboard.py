"""The KPI dashboard: a policy's logic model with the evidence for each link, its KPIs against
their targets, and what changed since the last follow-up.

Used by ``notebooks/kpi_dashboard.py``. Evidence is the headline estimate of the evaluation task
a link names: from this run when ``ebpm run`` ran that task well before the dashboard (list it
under the dashboard task's ``after``, or ``needs``), else from the last good run recorded under
``runs/``. The last follow-up is what this same task showed in its last good run.
"""

from __future__ import annotations

import hashlib
import html
import json
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, cast

from ebpm._format import fixed, significant
from ebpm._lang import DASHBOARD, DIAGRAM, SITE
from ebpm._protocol import KPI_MIME, NEEDS_ENV, NOT_OK_ENV, RESULT_MIME, RUN_DIR_ENV, TASK_ENV
from ebpm.errors import check_option
from ebpm.kpi.model import LogicModel
from ebpm.kpi.model._periods import period_text
from ebpm.kpi.verdict import Expected, Verdict, verdict

__all__ = [
    "changes_since",
    "diagram",
    "evidence",
    "evidence_table",
    "heading",
    "kpi_table",
    "outline",
    "plot_kpis",
    "previous_followup",
    "provenance",
    "scrollable",
    "section",
    "show_followup",
    "sources",
    "verdict_word",
    "verdicts",
]


def provenance(model: LogicModel) -> dict[str, Any]:
    """The policy file as a data source of the report: path and sha256, so ``ebpm run``
    reruns the dashboard when the file changes, and the report's footer names it."""
    if model.path is None:
        return {}
    path = Path(model.path).resolve()
    return {
        "entry": model.display_path,
        "kind": "file",
        "title": f"logic model: {model.title}",
        "source": "policy logic model (this project)",
        "path": str(path),
        "sha256": hashlib.sha256(path.read_bytes()).hexdigest(),
        "retrieved_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }


class _Source:
    """Something :func:`ebpm.report.footer` accepts: an object with ``attrs["ebpm"]``."""

    def __init__(self, record: dict[str, Any]):
        self.attrs = {"ebpm": record}


def sources(
    model: LogicModel, report: Any = None, found: dict[tuple[str, str], Any] | None = None
) -> list[Any]:
    """The policy file, the datasets ``report`` read and the estimates shown as evidence
    (``found``, from :func:`evidence`), for :func:`ebpm.report.footer`
    (``report.footer(*sources(model, kpis, found))``). ``ebpm run`` records them all, so the
    dashboard runs again when the file, the data or an estimate it shows changes."""
    out = [_Source(provenance(model))] if model.path is not None else []
    for (pipeline, task), hit in sorted((found or {}).items()):
        made = hit["run_id"] if hit else None
        out.append(
            _Source(
                {
                    "entry": f"evidence {pipeline}/{task}",
                    "kind": "evidence",
                    "pipeline": pipeline,
                    "task": task,
                    "run_id": made,
                    "title": f"estimate of {task}, run {made}" if made else "not evaluated yet",
                    "source": f"ebpm run of pipeline {pipeline}",
                }
            )
        )
    seen = set()
    for s in report.sources.values() if report is not None else []:
        prov = s.get("provenance") or {}
        key = (prov.get("entry"), prov.get("sha256"))
        if prov and key not in seen:
            seen.add(key)
            out.append(_Source(prov))
    return out


# --- evidence ---------------------------------------------------------------------------------
def _out_dir(out_dir: str | Path | None, model: LogicModel) -> Path:
    run_dir = os.environ.get(RUN_DIR_ENV)
    if out_dir is not None:
        return Path(out_dir)
    if run_dir:
        return Path(run_dir).parents[2]  # <out>/runs/<pipeline>/<run-id>
    return Path(model.root) if model.root else Path.cwd()


def _results_in(notebook: Path, mime: str) -> list[Any]:
    """The outputs of type ``mime`` in an executed notebook (read as plain JSON)."""
    from ebpm.pipeline.history import outputs_of

    try:
        return outputs_of(json.loads(notebook.read_text(encoding="utf-8")), mime)
    except (OSError, ValueError):
        return []


def _summarise(headline: dict[str, Any], *, pipeline: str, task: str, run_id: str) -> dict:
    from ebpm.report.evidence import diagnostics
    from ebpm.trust.grade import grade

    numbers = headline.get("headline") or {}
    checks = diagnostics(headline)
    graded, graded_ja = grade(headline) or {}, grade(headline, "ja") or {}
    status = "warn" if any(c["status"] == "warn" for c in checks) else "ok"
    site_ja = SITE["ja"]
    return {
        "pipeline": pipeline,
        "task": task,
        "run_id": run_id,
        "label": headline.get("label") or headline.get("estimand") or task,
        "estimand": headline.get("estimand"),
        "estimate": numbers.get("estimate"),
        "low": numbers.get("conf_low"),
        "high": numbers.get("conf_high"),
        "conf_level": headline.get("conf_level", 0.95),
        "status": status,
        "diagnostics": [f"{c['status']}: {c['text']}" for c in checks],
        "diagnostics_ja": [  # what a Japanese page shows
            f"{site_ja['diag_' + c['status']]}：{c['text']}" for c in diagnostics(headline, "ja")
        ],
        "report": f"../{pipeline}/{task}.html",
        # the evidence grade of the design (Maryland SMS level; None: not graded) and why
        "grade": graded.get("level"),
        "grade_reasons": graded.get("reasons", []),
        "grade_reasons_ja": graded_ja.get("reasons", []),
    }


def evidence(model: LogicModel, *, out_dir: str | Path | None = None) -> dict[tuple[str, str], Any]:
    """The latest estimate behind each link that names an evaluation.

    Parameters
    ----------
    model : LogicModel
        The policy.
    out_dir : path, optional
        The folder holding ``runs/`` (default: the run's own when run by ``ebpm run``, else the
        project root).

    Returns
    -------
    dict
        ``{(pipeline, task): summary or None}``; a summary has ``label``, ``estimate``, ``low``,
        ``high``, ``conf_level``, ``status`` ("ok", or "warn" when a diagnostic warns),
        ``diagnostics``, ``run_id`` and the ``report``'s path from a sibling report page. None:
        not evaluated yet (never run, or never successfully). When the dashboard runs
        ``after`` the task and the task did not succeed in this run, its last good estimate is
        shown with status "warn", ``failed_now`` (this run's id) and a diagnostic saying so.
    """
    from ebpm.pipeline.history import last_good_records

    out = _out_dir(out_dir, model)
    run_dir = Path(os.environ[RUN_DIR_ENV]) if os.environ.get(RUN_DIR_ENV) else None
    needs = set(filter(None, os.environ.get(NEEDS_ENV, "").split(",")))
    not_ok = set(filter(None, os.environ.get(NOT_OK_ENV, "").split(",")))
    this_pipeline = run_dir.parent.name if run_dir is not None else None
    found: dict[tuple[str, str], Any] = {}
    for link in model.links_with_evidence():
        ev = link.evidence
        if ev is None:  # links_with_evidence() keeps only links with evidence
            continue
        key = (ev.pipeline, ev.task)
        if key in found:
            continue
        found[key] = None
        if run_dir is not None and this_pipeline == ev.pipeline and ev.task in needs:
            # a task this one needs (or runs after) finished well earlier in this very run
            heads = _results_in(run_dir / f"{ev.task}.ipynb", RESULT_MIME)
            if heads:
                found[key] = _summarise(
                    heads[0], pipeline=ev.pipeline, task=ev.task, run_id=run_dir.name
                )
                continue
        good = last_good_records(out, ev.pipeline, [ev.task]).get(ev.task)
        if good and good[1].get("headline"):
            run_id = good[1].get("unchanged_since") or good[0]  # the run that made it
            found[key] = _summarise(
                good[1]["headline"], pipeline=ev.pipeline, task=ev.task, run_id=run_id
            )
        hit = found[key]
        if (
            hit is not None
            and run_dir is not None
            and this_pipeline == ev.pipeline
            and ev.task in not_ok
        ):
            # it ran in this run and did not succeed: the estimate shown is an older one
            hit["failed_now"] = run_dir.name
            hit["status"] = "warn"
            hit["diagnostics"] = [
                f"warn: it did not succeed in this run ({hit['failed_now']}); this is its last "
                f"good estimate, from run {hit['run_id']}",
                *hit["diagnostics"],
            ]
            hit["diagnostics_ja"] = [
                f"注意：この実行（{hit['failed_now']}）では成功しませんでした。実行 "
                f"{hit['run_id']} の直近の正常な推定値です",
                *hit["diagnostics_ja"],
            ]
    return found


# --- the diagram ------------------------------------------------------------------------------
def diagram(
    model: LogicModel,
    report: Any = None,
    found: dict[tuple[str, str], Any] | None = None,
    *,
    lang: str = "en",
) -> str:
    """The logic model as inline SVG: each link marked by its evidence (the evaluation's title,
    estimate, interval and what they say about the link, or "not evaluated"), each node's KPIs
    with their status.

    A link's verdict (:func:`verdicts`) reads the interval against the link's
    ``evidence.expected``: supports, inconclusive, contradicts, or ran (no interval); a
    warning of the evaluation is shown beside it.

    Parameters
    ----------
    model : LogicModel
    report : KPIReport, optional
        KPI statuses to show under their nodes (default: none shown).
    found : dict, optional
        :func:`evidence`'s answer (default: looked up now).
    lang : {"en", "ja"}
    """
    from ebpm.kpi.diagram import check_lang, logic_model_svg

    found = evidence(model) if found is None else found
    nodes = []
    for n in model.nodes:
        kpis = [
            {
                "name": k.name,
                "name_ja": k.name_ja,
                "status": report.status(k.id) if report is not None else "no data",
            }
            for k in model.kpis_for(n.id)
        ]
        nodes.append(
            {"id": n.id, "kind": n.kind, "label": n.label, "label_ja": n.label_ja, "kpis": kpis}
        )
    links = []
    for link in model.links:
        ev = None
        if link.evidence is not None:
            hit = found.get((link.evidence.pipeline, link.evidence.task))
            ev = (
                {
                    # the evaluation's title (its headline's label); pipeline / task go in the
                    # link's description
                    "label": hit.get("label") or link.evidence.task,
                    "pipeline": link.evidence.pipeline,
                    "task": link.evidence.task,
                    "estimate": hit["estimate"],
                    "low": hit["low"],
                    "high": hit["high"],
                    "status": hit["status"],
                    "expected": link.evidence.expected,
                    "grade": hit.get("grade"),
                }
                if hit
                else {"label": link.evidence.task, "status": "not evaluated"}
            )
        links.append({"source": link.source, "target": link.target, "evidence": ev})
    title = (model.title_ja or model.title) if lang == "ja" else model.title
    return logic_model_svg(nodes, links, title=title, lang=check_lang(lang))


#: The dashboard's section headings and fixed sentences, in English and Japanese.
WORDS = DASHBOARD


def _words(lang: str) -> dict[str, str]:
    """The dashboard's words in ``lang``; any other language is an error naming it."""
    from ebpm.kpi.diagram import check_lang

    return WORDS[check_lang(lang)]


def section(key: str, *, lang: str = "en") -> str:
    """A section heading of the dashboard (with its explanation, if it has one), as HTML."""
    words = _words(lang)
    text = words.get(f"{key}_text")
    return f"<h2>{html.escape(words[key])}</h2>" + (f"<p>{html.escape(text)}</p>" if text else "")


def heading(model: LogicModel, *, title: str = "", lang: str = "en") -> str:
    """The dashboard's title and what it is about, as HTML; every text from the policy file
    is escaped (it is published)."""
    esc = html.escape
    _words(lang)
    name = title or ((model.title_ja or model.title) if lang == "ja" else model.title)
    what = "KPIのフォローアップと根拠。" if lang == "ja" else "KPI follow-up and evidence."
    owner = f" {'所管' if lang == 'ja' else 'Owner'}: {model.owner}." if model.owner else ""
    return f"<h1>{esc(name)}</h1><p>{esc(what)} {esc(model.description.strip())}{esc(owner)}</p>"


def scrollable(svg: str) -> str:
    """``svg`` at its natural size in a box that scrolls sideways: a logic model of seven
    columns is about 2,000 px wide, and shrunk to a page's width its text would be too small."""
    return (
        '<div class="ebpm-scroll" style="overflow-x:auto">'
        + svg.replace('style="max-width:100%;height:auto"', 'style="max-width:none"', 1)
        + "</div>"
    )


def outline(model: LogicModel, *, lang: str = "en") -> str:
    """The logic model as a markdown outline (for screen readers and text output)."""
    from ebpm.kpi.diagram import check_lang, logic_model_text

    nodes = [
        {"id": n.id, "kind": n.kind, "label": n.label, "label_ja": n.label_ja} for n in model.nodes
    ]
    links = [{"source": lk.source, "target": lk.target} for lk in model.links]
    return logic_model_text(nodes, links, lang=check_lang(lang))


def verdicts(
    model: LogicModel, found: dict[tuple[str, str], Any] | None = None
) -> dict[tuple[str, str], str]:
    """What each link's evaluation says about it (:func:`ebpm.kpi.verdict`).

    Parameters
    ----------
    model : LogicModel
    found : dict, optional
        :func:`evidence`'s answer (default: looked up now).

    Returns
    -------
    dict
        ``{(source, target): verdict}`` for every link that names an evaluation, in file
        order: "not evaluated", "ran" (no interval), "supports", "inconclusive" or
        "contradicts", the interval read against the link's ``evidence.expected``. A warning
        of the evaluation does not change it: :func:`evidence_table` and :func:`diagram` show
        both.
    """
    found = evidence(model) if found is None else found
    out: dict[tuple[str, str], str] = {}
    for link in model.links_with_evidence():
        if link.evidence is None:  # links_with_evidence() keeps only links with evidence
            continue
        hit = found.get((link.evidence.pipeline, link.evidence.task))
        out[(link.source, link.target)] = verdict(hit, expected=_expected(link))
    return out


def _expected(link: Any) -> Expected:
    """A link's expected direction (checked against the schema when the file was read)."""
    return cast(Expected, link.evidence.expected if link.evidence else "either")


def verdict_word(value: str, *, lang: str = "en", long: bool = False) -> str:
    """A verdict as the page's language words it, marked like the diagram (✓ supports,
    ? inconclusive, ✗ contradicts, – ran or not evaluated); ``long`` adds what the interval
    shows (``"? inconclusive (the interval includes 0)"``)."""
    from ebpm.kpi.diagram import VERDICT_CLASS, check_lang
    from ebpm.kpi.diagram._style import _STYLE

    words = DIAGRAM[check_lang(lang)]
    check_option("verdict", value, Verdict)
    mark = _STYLE[VERDICT_CLASS[value]][2]
    key = "not_evaluated" if value == "not evaluated" else f"{value}_long" if long else value
    return f"{mark} {words[key]}"


def evidence_table(
    model: LogicModel, found: dict[tuple[str, str], Any], *, lang: str = "en"
) -> str:
    """HTML table of the links backed by an evaluation: the evaluation's title (its report
    linked, pipeline / task and run under it), estimate, interval, what they say about the link
    (its verdict, against the expected direction) and diagnostics, headed in ``lang``. Every
    value is escaped."""
    esc = html.escape
    words = _words(lang)
    said = DIAGRAM[lang]
    rows = []

    def label(node_id: str) -> str:
        node = model.node(node_id)
        return (node.label_ja or node.label) if lang == "ja" else node.label

    for link in model.links_with_evidence():
        if link.evidence is None:  # links_with_evidence() keeps only links with evidence
            continue
        ev = found.get((link.evidence.pipeline, link.evidence.task))
        where = f"{link.evidence.pipeline} / {link.evidence.task}"
        arrow = f"{esc(label(link.source))} → {esc(label(link.target))}"
        if ev is None:
            rows.append(
                f"<tr><td>{arrow}</td><td>{esc(where)}</td>"
                f"<td colspan=4>– {esc(words['not_evaluated'])}</td></tr>"
            )
            continue
        level = words["ci"].format(level=f"{float(ev.get('conf_level') or 0.95):.0%}")
        # the evaluation's own status, without the ✓ of "ok": beside an interval that
        # includes 0 a tick would read as "supported"; only the verdict says that
        status = esc(_status_word(str(ev["status"]), lang).removeprefix("✓ "))
        checks = ev.get("diagnostics_ja", ev["diagnostics"]) if lang == "ja" else ev["diagnostics"]
        said_now = verdict(ev, expected=_expected(link))
        expected = said[f"expected_{link.evidence.expected}"]
        rows.append(
            f"<tr><td>{arrow}</td>"
            f'<td><a href="{esc(ev["report"])}">{esc(str(ev["label"]))}</a><br>'
            f"<small>{esc(where)}; {words['run']} {esc(str(ev['run_id']))}</small></td>"
            f"<td class=num>{_num(ev['estimate'])}</td>"
            f"<td class=num>{esc(level)} [{_num(ev['low'])}, {_num(ev['high'])}]</td>"
            f'<td data-verdict="{esc(said_now)}">'
            f"<b>{esc(verdict_word(said_now, lang=lang, long=True))}</b>{_grade_note(ev, lang)}<br>"
            f"<small>{esc(expected)}</small></td>"
            f"<td>{status}: {esc(words['semi'].join(checks) or '–')}</td></tr>"
        )
    if not rows:
        return f"<p>{esc(words['no_evidence'])}</p>"
    head = "".join(
        f"<th>{esc(words[f'col_{c}'])}</th>"
        for c in ("link", "evaluation", "estimate", "interval", "verdict", "diagnostics")
    )
    return _table(head, rows)


def _grade_note(ev: dict[str, Any], lang: str) -> str:
    """The evaluation's evidence grade beside its verdict, " (SMS 3/5)", why that level as a
    tooltip; "" when not graded. Escaped."""
    level = ev.get("grade")
    if not isinstance(level, int) or isinstance(level, bool):
        return ""
    reasons = ev.get("grade_reasons_ja" if lang == "ja" else "grade_reasons") or []
    tip = "; ".join(str(r) for r in reasons)
    return f' <span class="grade" title="{html.escape(tip)}">(SMS {level}/5)</span>'


def _status_word(status: str, lang: str) -> str:
    """A status as the page's language names it, marked ✓ / ! / ✗ / – (the diagram's words
    and marks, so colour is never the only cue)."""
    from ebpm.kpi.diagram import STATUSES

    kind, ja = STATUSES.get(status, ("none", status))
    mark = {"good": "✓", "warn": "!", "bad": "✗"}.get(kind, "–")
    return f"{mark} {ja if lang == 'ja' else status}"


def kpi_table(report: Any, *, lang: str = "en") -> str:
    """Where each KPI stands, as an HTML table headed in ``lang``: its latest period and value
    against the target path, the gap, the status, the target, the progress from the baseline
    to the target and the change since the period before. Every text is escaped."""
    from ebpm.kpi.compute import _missing

    esc = html.escape
    words = _words(lang)
    model = report.model
    if not model.kpis:
        return f"<p>{esc(words['no_kpis'])}</p>"
    rows = []
    for k in model.kpis:
        s = report.summaries[k.id]
        name = (k.name_ja or k.name) if lang == "ja" else k.name
        unit = f" {k.unit}" if k.unit else ""
        v = _shown_values(k, s, lang)
        better = words["lower" if k.direction == "lower" else "higher"]
        baseline = words["baseline_at"].format(
            value=v["baseline"], period=period_text(k.baseline.label, lang)
        )
        target = words["target_by"].format(
            value=v["target"], period=period_text(k.target.label, lang)
        )
        progress = "–" if _missing(s["progress"]) else f"{float(s['progress']):.0f}%"
        change = (
            "–"
            if _missing(s["change"])
            else words["since"].format(
                value=v["change"], period=period_text(s["previous_period"], lang)
            )
        )
        latest = period_text(s["latest_period"], lang) if s["latest_period"] else "–"
        cells = [  # (text, a number read from the right)
            (latest, False),
            (f"{_fmt(s['latest_actual'])}{unit}" if s["latest_period"] else "–", True),
            (v["target_path"], True),
            (v["gap"], True),
            (_status_word(str(s["status"]), lang), False),
            (target, False),
            (progress, True),
            (change, True),
        ]
        rows.append(
            f"<tr><td><b>{esc(name)}</b><br><small>{esc(better + words['semi'] + baseline)}"
            "</small></td>"
            + "".join(f"<td{' class=num' * num}>{esc(text)}</td>" for text, num in cells)
            + "</tr>"
        )
    head = "".join(
        f"<th>{esc(words[f'col_{c}'])}</th>"
        for c in (
            "kpi",
            "latest",
            "actual",
            "path",
            "gap",
            "status",
            "target",
            "progress",
            "change",
        )
    )
    return _table(head, rows)


def _shown_values(k: Any, s: dict[str, Any], lang: str) -> dict[str, str]:
    """A KPI's baseline, target, target path, gap and change as the table shows them: each
    carries the KPI's unit, and the path and the gap (computed, so with any number of
    decimals) are rounded to the decimals of the KPI's own values (41.6: one)."""
    decimals = max(_decimals(v) for v in (k.baseline.value, k.target.value, s["latest_actual"]))

    def with_unit(text: str) -> str:
        return f"{text} {k.unit}" if k.unit and text != "–" else text

    def rounded(value: Any, sign: bool = False) -> str:
        return fixed(value, decimals, thousands=True, sign=sign, minus=True, missing="–")

    return {
        "baseline": with_unit(_fmt(k.baseline.value)),
        "target": with_unit(_fmt(k.target.value)),
        "target_path": with_unit(rounded(s["target_path"])),
        "gap": with_unit(rounded(s["gap"], sign=True)),
        "change": with_unit(_fmt(s["change"], sign=True)),
    }


def _decimals(value: Any) -> int:
    """The decimals a value is written with (``41.6``: 1; ``727277``: 0)."""
    text = significant(value, thousands=False)
    return len(text.split(".", 1)[1]) if "." in text and "e" not in text else 0


def _table(head: str, rows: list[str]) -> str:
    """An ebpm table: text columns read from the left, ``num`` cells from the right."""
    body = "".join(rows)
    return f"<table class=ebpm-table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _fmt(value: Any, *, sign: bool = False) -> str:
    """A KPI value as the follow-up words it (727,277; +1.5), with a true minus sign."""
    return significant(value, sign=sign, minus=True)


def _num(x: Any) -> str:
    return significant(x, 4, thousands=False, minus=True)


def changes_since(report: Any, previous: dict[str, Any] | None, *, lang: str = "en") -> str:
    """What changed since the last follow-up, as markdown (each change as ``kpi.changes``
    words it)."""
    from ebpm.kpi.compute import changes

    words = _words(lang)
    if previous is None:
        return words["first"]
    moved = changes(report.to_dict(), previous, lang=lang)
    if not moved:
        return words["nothing"]
    return "\n".join(f"- {c['message']}" for c in moved)


# --- KPI trends -------------------------------------------------------------------------------
def plot_kpis(model: LogicModel, report: Any, *, lang: str = "en") -> Any:
    """One panel per KPI: actual values against the straight target path, baseline and target
    marked, each period's status as the marker (filled: on track; hollow: off track); titles
    and legends in ``lang``.

    Returns
    -------
    matplotlib.figure.Figure or None
        None when the policy has no KPIs.
    """
    import matplotlib.pyplot as plt
    from matplotlib.ticker import FuncFormatter

    from ebpm.plotting import OKABE_ITO, setup_matplotlib

    setup_matplotlib()
    words = _words(lang)
    kpis = list(model.kpis)
    if not kpis:
        return None
    fig, axes = plt.subplots(
        len(kpis), 1, figsize=(7.5, 3.2 * max(len(kpis), 1)), layout="constrained", squeeze=False
    )
    for ax, kpi in zip(axes[:, 0], kpis, strict=True):
        unit = f" {kpi.unit}" if kpi.unit else ""
        table = report.table(kpi.id)
        x = table["period_start"]
        ax.plot(x, table["target_path"], "--", color=OKABE_ITO[1], label=words["legend_path"])
        path = table.dropna(subset=["target_path"])
        target_at = kpi.target.period.start_time
        if len(path) and path["period_start"].iloc[-1] < target_at:
            # the rest of the path, up to the target the data has not reached yet
            ax.plot(
                [path["period_start"].iloc[-1], target_at],
                [path["target_path"].iloc[-1], kpi.target.value],
                ":",
                color=OKABE_ITO[1],
            )
        ax.plot(x, table["actual"], "-", color=OKABE_ITO[0], label=words["legend_actual"])
        on = table["status"] == "on track"
        off = table["status"] == "off track"
        ax.scatter(
            x[on], table["actual"][on], color=OKABE_ITO[0], zorder=3, label=words["legend_on"]
        )
        ax.scatter(
            x[off],
            table["actual"][off],
            facecolor="white",
            edgecolor=OKABE_ITO[1],
            linewidth=1.5,
            zorder=3,
            label=words["legend_off"],
        )
        for milestone, marker, name in (
            (kpi.baseline, "s", "legend_baseline"),
            (kpi.target, "*", "legend_target"),
        ):
            ax.scatter(
                [milestone.period.start_time],
                [milestone.value],
                marker=marker,
                s=90,
                color=OKABE_ITO[7],
                zorder=4,
                label=words[name].format(value=_fmt(milestone.value) + unit),
            )
        better = words["lower" if kpi.direction == "lower" else "higher"]
        name = (kpi.name_ja or kpi.name) if lang == "ja" else kpi.name
        ax.set_title(f"{name} ({better})", loc="left", fontsize=11)
        ax.set_ylabel(kpi.unit or "")
        ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _pos: _fmt(v)))  # 14,500,000
        ax.legend(fontsize=8, ncols=3, loc="best", frameon=False)
    return fig


# --- the follow-up record -----------------------------------------------------------------------
def show_followup(report: Any, *, lang: str = "en") -> None:
    """Display where each KPI stands (:func:`kpi_table`, in ``lang``) and record the report
    (as JSON) for the next follow-up's comparison."""
    from IPython.display import display

    display(
        {
            "text/html": kpi_table(report, lang=lang),
            "text/plain": str(report),
            KPI_MIME: report.to_dict(),
        },
        raw=True,
    )


def previous_followup(*, out_dir: str | Path | None = None) -> dict[str, Any] | None:
    """What this dashboard task showed in its last good run (``KPIReport.to_dict()``), or None
    (the first follow-up, or not run by ``ebpm run``)."""
    from ebpm.pipeline.history import last_good_records

    task_env, run_dir = os.environ.get(TASK_ENV), os.environ.get(RUN_DIR_ENV)
    if not task_env or "/" not in task_env or not (run_dir or out_dir):
        return None
    pipeline, task = task_env.split("/", 1)
    if out_dir is not None:
        out = Path(out_dir)
    elif run_dir:
        out = Path(run_dir).parents[2]
    else:  # not reached: one of them is set (checked above)
        return None
    good = last_good_records(out, pipeline, [task]).get(task)
    if not good:
        return None
    run_id, record = good
    kept = record.get("unchanged_since") or run_id
    notebook = out / "runs" / pipeline / kept / (record.get("output_notebook") or f"{task}.ipynb")
    found = _results_in(notebook, KPI_MIME)
    return found[0] if found else None
