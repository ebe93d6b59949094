"""The site's pages around the reports: the page frame, its words, a report's "about" block and
a failed task's page.

Every page embeds the Japanese glyphs it uses (:mod:`ebpm.report.fonts`) and works offline.
"""

from __future__ import annotations

import html
import json
from pathlib import Path
from typing import Any

from ebpm._lang import SITE
from ebpm._lang import words as area_words
from ebpm._protocol import redact_parameters
from ebpm.report.evidence import data_vintage
from ebpm.report.fonts import FONT_STACK, MONO_STACK, font_face_css
from ebpm.site.outputs import reader_traceback

__all__ = ["WORDS", "about_block", "failure_page", "page", "words"]

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
table.ebpm-index{table-layout:fixed} table.ebpm-index td{overflow-wrap:anywhere}
table.ebpm-index td.num{white-space:normal}
@media print{
 @page{size:A4;margin:14mm}
 body{margin:0;max-width:none;font-size:10pt} .wide{overflow:visible}
 #filter,label[for=filter]{display:none} a{color:inherit;text-decoration:none}
 tr,img,svg,pre{break-inside:avoid} h1,h2,h3{break-after:avoid}
 thead{display:table-header-group}
}
"""
    + f"pre,code,kbd,samp{{font-family:{MONO_STACK}}}"
)


#: The site's words in English and Japanese (``ebpm run --lang ja``, ``ebpm publish --lang``).
WORDS = SITE


def words(lang: str) -> dict[str, str]:
    """The site's words in ``lang`` ("en" or "ja")."""
    return area_words(SITE, lang)


def page(title: str, body: str, lang: str = "en", *, font_cache: Path | None = None) -> str:
    """A whole page; the Japanese glyphs it uses are embedded (:mod:`ebpm.report.fonts`)."""
    title = html.escape(title)
    fonts = font_face_css(title + body, cache_dir=font_cache)
    return (
        f'<!DOCTYPE html>\n<html lang="{lang}"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{title}</title><style>{fonts}{_CSS}</style></head>"
        f"<body>{body}</body></html>\n"
    )


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
        bits.append(esc(data_vintage(d, lang)))
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
        f'<div class="error"><p><strong>{esc(reader_traceback(reason))}</strong></p>',
    ]
    if error:
        where = w["failing_cell"].format(
            count=error.get("execution_count") or "?", cell=error["cell_index"] + 1
        )
        parts.append(
            f"<p>{where}</p><pre>{esc(error['source'])}</pre>"
            f"<p>{w['error']} <code>{esc(error['ename'])}: "
            f"{esc(reader_traceback(str(error['evalue'])))}</code></p>"
            f"<details open><summary>{w['traceback']}</summary>"
            f"<pre>{esc(reader_traceback(error['traceback']))}</pre></details>"
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
    return page(w["failed_title"].format(task=task), "".join(parts), lang)
