"""Run-history pages: every recorded run of a task, its estimate over time as a chart.

``site/history/<pipeline>/<task>.html`` lists each run of the task (newest first) with its
status, headline estimate and interval, the data it read (short sha256), and why it failed or
why it was skipped; above the table, a chart of the estimate and its interval run by run, so a
reader sees at a glance whether a revised table moved the number. The chart is inline SVG
(no script, no network). Pages are rebuilt from the manifests under ``runs/`` at the end of
every run and by ``ebpm publish``.
"""

from __future__ import annotations

import html
import math
from pathlib import Path
from typing import Any

from ebpm._io import atomic_write_text
from ebpm.report.evidence import data_identity

__all__ = ["estimate_chart", "history_href", "history_page", "write_history_pages"]

_OK, _FAIL, _MUTED = "#0072B2", "#D55E00", "#767676"  # Okabe-Ito blue and vermilion, grey


def history_href(pipeline: str, task: str) -> str:
    """The page's path relative to the site root."""
    return f"history/{pipeline}/{task}.html"


def _numbers(entries: list[dict[str, Any]]) -> list[tuple[int, dict[str, Any], dict[str, Any]]]:
    """(position, entry, headline) for the runs that have an estimate; an unchanged run shows
    the estimate of the run it kept."""
    by_run = {e["run_id"]: e for e in entries}
    out = []
    for i, e in enumerate(entries):
        h = e.get("headline")
        if h is None and e.get("status") == "unchanged":
            h = (by_run.get(e.get("unchanged_since")) or {}).get("headline")
        if h and h.get("estimate") is not None:
            out.append((i, e, h))
    return out


def estimate_chart(entries: list[dict[str, Any]], *, lang: str = "en") -> str:
    """An SVG chart of the headline estimate and its interval, one point per run (oldest left).

    A failed run is a vermilion cross at the bottom; an unchanged rerun a hollow point. Returns
    ``""`` when no run has an estimate.
    """
    points = _numbers(entries)
    if not points:
        return ""
    esc = html.escape
    values = [
        v
        for _, _, h in points
        for v in (h["estimate"], h.get("conf_low"), h.get("conf_high"))
        if v is not None and math.isfinite(v)
    ]
    lo, hi = min([*values, 0.0]), max([*values, 0.0])  # zero always in view: "no effect"
    pad = (hi - lo) * 0.08 or 1.0
    lo, hi = lo - pad, hi + pad
    n = len(entries)
    width, height, left, right, top, bottom = 640, 240, 64, 16, 16, 48
    plot_w, plot_h = width - left - right, height - top - bottom

    def x(i: int) -> float:
        return left + (plot_w * (i + 0.5) / n)

    def y(v: float) -> float:
        return top + plot_h * (hi - v) / (hi - lo)

    parts = [
        f'<line x1="{left}" x2="{width - right}" y1="{y(0):.1f}" y2="{y(0):.1f}" '
        f'stroke="{_MUTED}" stroke-dasharray="4 3"/>',
        f'<line x1="{left}" x2="{left}" y1="{top}" y2="{top + plot_h}" stroke="#999"/>',
    ]
    for tick in _ticks(lo, hi):
        parts.append(
            f'<text x="{left - 6}" y="{y(tick) + 4:.1f}" text-anchor="end" font-size="11">'
            f"{esc(_short(tick))}</text>"
        )
    for i, e, h in points:
        cl, ch = h.get("conf_low"), h.get("conf_high")
        if cl is not None and ch is not None:
            parts.append(
                f'<line x1="{x(i):.1f}" x2="{x(i):.1f}" y1="{y(ch):.1f}" y2="{y(cl):.1f}" '
                f'stroke="{_OK}" stroke-width="2"/>'
            )
        hollow = e.get("status") == "unchanged"
        fill = "#fff" if hollow else _OK
        level = h.get("conf_level") or 0.95
        tip = f"{e['run_id']}: {_short(h['estimate'])}"
        if cl is not None and ch is not None:
            tip += f" ({level:.0%} CI {_short(cl)} to {_short(ch)})"
        parts.append(
            f'<circle cx="{x(i):.1f}" cy="{y(h["estimate"]):.1f}" r="4.5" fill="{fill}" '
            f'stroke="{_OK}" stroke-width="2" data-run="{esc(e["run_id"])}">'
            f"<title>{esc(tip)}</title></circle>"
        )
    for i, e in enumerate(entries):
        if e.get("status") not in ("ok", "unchanged"):
            cx, cy = x(i), top + plot_h - 6
            parts.append(
                f'<path d="M{cx - 5:.1f} {cy - 5:.1f}l10 10m0 -10l-10 10" stroke="{_FAIL}" '
                f'stroke-width="2" data-run="{esc(e["run_id"])}">'
                f"<title>{esc(e['run_id'])}: {esc(str(e.get('status')))}</title></path>"
            )
        label = str(e.get("finished_at") or e["run_id"])[:10]
        if n <= 12 or i % math.ceil(n / 12) == 0:
            parts.append(
                f'<text x="{x(i):.1f}" y="{height - bottom + 16}" text-anchor="middle" '
                f'font-size="10">{esc(label)}</text>'
            )
    title = "推定値と信頼区間の推移" if lang == "ja" else "Estimate and interval, run by run"
    desc = "; ".join(f"{e['run_id']}: {_short(h['estimate'])}" for _, e, h in points)
    return (
        f'<svg class="ebpm-history-chart" role="img" viewBox="0 0 {width} {height}" '
        f'width="100%" style="max-width:{width}px" xmlns="http://www.w3.org/2000/svg">'
        f"<title>{esc(title)}</title><desc>{esc(desc)}</desc>{''.join(parts)}</svg>"
    )


def _ticks(lo: float, hi: float) -> list[float]:
    raw = (hi - lo) / 4
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    first = math.ceil(lo / step) * step
    return [first + k * step for k in range(int((hi - first) / step) + 1)]


def _short(v: float) -> str:
    av = abs(v)
    return f"{v:.4f}" if av < 1 else f"{v:.3f}" if av < 100 else f"{v:.1f}"


def history_page(
    pipeline: str,
    task: str,
    entries: list[dict[str, Any]],
    *,
    report: str | None = None,
    lang: str = "en",
    font_cache: Path | None = None,
) -> str:
    """The run-history page of one task (``entries`` oldest first, from
    :func:`ebpm.pipeline.history.task_history`). Every value is HTML-escaped here.
    ``font_cache``: the folder of the site's glyph subsets."""
    from ebpm.site.pages import page, words

    esc = html.escape
    w = words(lang)
    rows = []
    for e in reversed(entries):
        h = e.get("headline")
        status = str(e.get("status"))
        cls = "ok" if status in ("ok", "unchanged") else "failed"
        note = []
        if status == "unchanged":
            note.append(w["kept_from"].format(run=esc(str(e.get("unchanged_since")))))
        if e.get("reason"):
            note.append(esc(str(e["reason"])))
        if e.get("revision"):
            old = (e["revision"].get("old") or {}).get("estimate")
            note.append(
                f'<span class="failed">{w["revised"]}</span> '
                + w["was"].format(
                    old=esc(_short(old) if isinstance(old, int | float) else "?"),
                    run=esc(str(e["revision"].get("previous_run"))),
                )
            )
        if e.get("rerun_of"):
            note.append(w["rerun_of"].format(run=esc(str(e["rerun_of"]))))
        estimate = ci = "–"
        if h and h.get("estimate") is not None:
            estimate = esc(_short(h["estimate"]))
            if h.get("std_error") is not None:
                estimate += f' <span class="muted">({esc(_short(h["std_error"]))})</span>'
            if h.get("conf_low") is not None and h.get("conf_high") is not None:
                ci = f"[{esc(_short(h['conf_low']))}, {esc(_short(h['conf_high']))}]"
        data = "<br>".join(
            f"<code>{esc(str(d.get('entry')))}</code> "
            f'<span class="muted">{esc(data_identity(d))}</span>'
            for d in e.get("datasets") or []
        )
        rows.append(
            f"<tr><td><code>{esc(str(e['run_id']))}</code></td>"
            f"<td>{esc(str(e.get('finished_at') or ''))}</td>"
            f'<td><span class="{cls}">{esc(status)}</span></td>'
            f'<td class="num">{estimate}</td><td class="num">{ci}</td>'
            f"<td>{data or '–'}</td><td>{'<br>'.join(note) or ''}</td></tr>"
        )
    heads = "".join(
        f"<th>{w[k]}</th>"
        for k in ("run", "finished", "status", "estimate", "interval", "data", "note")
    )
    links = f'<a href="../../index.html">{w["all_reports"]}</a>'
    if report:
        links += f' · <a href="../../{esc(report)}">{w["latest_report"]}</a>'
    body = (
        f"<p>{links}</p><h1>{esc(w['history_title'].format(task=task))}</h1>"
        f'<p class="muted">{esc(w["history_intro"].format(pipeline=pipeline, n=len(entries)))}'
        "</p>"
        + estimate_chart(entries, lang=lang)
        + f'<div class="wide"><table><thead><tr>{heads}</tr></thead>'
        + f"<tbody>{''.join(rows)}</tbody></table></div>"
    )
    return page(w["history_title"].format(task=task), body, lang, font_cache=font_cache)


def write_history_pages(
    site: Path, pipeline: str, histories: dict[str, list[dict[str, Any]]], state: dict[str, Any]
) -> list[Path]:
    """Write one history page per task of ``pipeline``; returns the pages written. A page whose
    text did not change is left as it is (not written again)."""
    from ebpm.site.index import FONT_CACHE

    lang = state.get("lang", "en")
    tasks = state.get("pipelines", {}).get(pipeline, {}).get("tasks", {})
    written = []
    for task, entries in histories.items():
        if not entries:
            continue
        report = (tasks.get(task) or {}).get("report")
        page = history_page(
            pipeline, task, entries, report=report, lang=lang, font_cache=site / FONT_CACHE
        )
        path = site / history_href(pipeline, task)
        if not _same_text(path, page):
            written.append(atomic_write_text(path, page))
    return written


def _same_text(path: Path, text: str) -> bool:
    """Whether ``path`` holds ``text`` already."""
    try:
        return path.read_bytes() == text.encode("utf-8")
    except OSError:
        return False
