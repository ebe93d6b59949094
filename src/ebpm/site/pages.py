"""The site's pages around the reports: the page frame, its words, a report's "about" block and
a failed task's page.

Every page embeds the Japanese glyphs it uses (:mod:`ebpm.report.fonts`) and works offline.
"""

from __future__ import annotations

import html
import json
from pathlib import Path
from typing import Any

from ebpm._lang import SITE, Words, when
from ebpm._lang import words as area_words
from ebpm._protocol import redact_parameters, redact_text, redact_value
from ebpm.report.evidence import data_vintage
from ebpm.report.fonts import FONT_STACK, MONO_STACK, font_face_css
from ebpm.site.outputs import reader_traceback

__all__ = [
    "PLAN",
    "WORDS",
    "about_block",
    "deviation_text",
    "failure_page",
    "page",
    "plan_block",
    "plan_summary",
    "words",
]

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
    font_cache: Path | None = None,
) -> str:
    """HTML explaining why a task failed: the failing cell, the error and the traceback, in the
    site's language (the error itself is the kernel's, as raised). ``font_cache``: the folder
    of the site's glyph subsets."""
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
    return page(w["failed_title"].format(task=task), "".join(parts), lang, font_cache=font_cache)


# --- analysis plans --------------------------------------------------------------------------
#: An analysis plan's words (pre-registration, ``ebpm plan``): whether a run follows the locked
#: plan and each deviation, on a report page and in ``ebpm plan diff``. ``{now}`` is "in this
#: run" on a page, "now" in ``ebpm plan diff``. Kept here, not in :mod:`ebpm._lang` (at its
#: size limit); a test holds both languages to the same keys and placeholders.
PLAN: Words = {
    "en": {
        "title": "Analysis plan",
        "follows": "This run follows the locked analysis plan ({plan}, locked {when} by {by}).",
        "deviates": "This run departs from the locked analysis plan ({plan}, locked {when} by "
        "{by}) in {n} way(s):",
        "in_run": "in this run",
        "now": "now",
        "parameter": "parameter {name} was {planned} in the plan, is {actual} {now}",
        "parameter_added": "parameter {name} is {actual} {now} but is not in the plan",
        "parameter_removed": "parameter {name} was {planned} in the plan but is not set {now}",
        "outcome": "outcome changed: {planned} in the plan, {actual} {now}",
        "design": "design changed: {planned} in the plan, {actual} {now} ({notebook})",
        "cell": "cell {cell} {change}: {line}",
        "edited": "changed",
        "added": "added",
        "removed": "removed",
        "notebook": "notebook {notebook} changed outside its cells",
        "data_sha256": "dataset {entry} was sha256 {planned} when the plan was locked, is "
        "{actual} {now}",
        "data_version": "dataset {entry} came from {package} {planned} when the plan was locked, "
        "from {package} {actual} {now}",
        "data_definition": "the catalog entry of dataset {entry} was edited since the plan was "
        "locked",
        "data_added": "dataset {entry} is used {now} but is not in the plan",
        "data_removed": "dataset {entry} is in the plan but is not used {now}",
        "not_in_plan": "task {task} was added after the plan was locked (it is not in the plan)",
        "locked_after_run": "the plan was locked {at}, after this task first ran ({ran})",
        "relocked": "the plan was relocked {at} by {by}, after this task first ran, because: "
        "{reason}",
        "history": "Locks of the plan",
        "first_lock": "locked {at} by {by}",
        "relock": "relocked {at} by {by}: {reason}",
        "no_reason": "(no reason given)",
    },
    "ja": {
        "title": "分析計画（事前登録）",
        "follows": "この実行は事前に固定した分析計画（{plan}、{when} に {by} が固定）に"
        "従っています。",
        "deviates": "この実行は事前に固定した分析計画（{plan}、{when} に {by} が固定）から"
        "次の {n} 点で逸脱しています：",
        "in_run": "この実行では",
        "now": "現在は",
        "parameter": "パラメータ {name} は計画では {planned}、{now} {actual}",
        "parameter_added": "パラメータ {name} は{now} {actual} ですが、計画にはありません",
        "parameter_removed": "パラメータ {name} は計画では {planned} でしたが、{now}"
        "指定されていません",
        "outcome": "結果変数が変更されました：計画では {planned}、{now} {actual}",
        "design": "デザインが変更されました：計画では {planned}、{now} {actual}（{notebook}）",
        "cell": "セル {cell} を{change}：{line}",
        "edited": "変更",
        "added": "追加",
        "removed": "削除",
        "notebook": "ノートブック {notebook} がセル以外の部分で変更されました",
        "data_sha256": "データセット {entry} は計画の固定時に sha256 {planned}、{now} {actual}",
        "data_version": "データセット {entry} は計画の固定時に {package} {planned}、"
        "{now} {package} {actual}",
        "data_definition": "データセット {entry} のカタログ定義が計画の固定後に編集されました",
        "data_added": "データセット {entry} は{now}使われていますが、計画にはありません",
        "data_removed": "データセット {entry} は計画にありますが、{now}使われていません",
        "not_in_plan": "タスク {task} は計画の固定後に追加されました（計画にありません）",
        "locked_after_run": "計画はこのタスクの初回実行（{ran}）の後、{at} に固定されました",
        "relocked": "計画はこのタスクの初回実行後、{at} に {by} が再固定しました。理由：{reason}",
        "history": "計画の固定履歴",
        "first_lock": "{at} に {by} が固定",
        "relock": "{at} に {by} が再固定：{reason}",
        "no_reason": "（理由の記載なし）",
    },
}
_SHOWN_VALUE = 60  # characters of a parameter's value in a deviation


def _value(value: Any) -> str:
    """A planned or actual value as a deviation shows it: text as it is, anything else as JSON,
    secrets redacted at any depth, long values shortened."""
    value = redact_value(value)
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= _SHOWN_VALUE else text[: _SHOWN_VALUE - 1] + "…"


def _backticks(text: str) -> str:
    return f"`{text}`"


def _as_is(text: str) -> str:
    return text


def deviation_text(
    d: dict[str, Any],
    lang: str = "en",
    *,
    code: Any = _backticks,
    text: Any = _as_is,
    now: str = "in_run",
) -> str:
    """One deviation from an analysis plan (:mod:`ebpm.pipeline.prereg`) in words:
    ``parameter `vcov` was `cluster` in the plan, is `wild` in this run``. ``code`` marks
    names and values (backticks; a page passes ``<code>`` with escaping); ``now`` is
    ``"in_run"`` (a report) or ``"now"`` (``ebpm plan diff``); ``text`` treats the other free
    text (who, why, when: a page passes ``html.escape``). Secrets never show."""
    w = area_words(PLAN, lang)
    kind = str(d.get("kind"))
    sha = lambda v: code(str(v)[:12] + "…") if v else code("?")  # noqa: E731
    fields: dict[str, Any] = {
        "now": w[now],
        "name": code(redact_text(str(d.get("name")))),
        "planned": code(_value(d.get("planned"))),
        "actual": code(_value(d.get("actual"))),
        "notebook": code(str(d.get("notebook"))),
        "entry": code(str(d.get("entry"))),
        "package": code(str(d.get("package"))),
        "task": code(str(d.get("task"))),
        "cell": text(str(d.get("cell"))),
        "change": text(w.get(str(d.get("change")), str(d.get("change")))),
        "line": code(str(d.get("line"))),
        "at": text(when(d.get("at"), lang)),
        "ran": text(when(d.get("ran"), lang)),
        "by": text(redact_text(str(d.get("by")))),
        "reason": text(redact_text(str(d.get("reason") or w["no_reason"]))),
    }
    if kind == "data_sha256":
        fields.update(planned=sha(d.get("planned")), actual=sha(d.get("actual")))
    if kind not in w:  # a kind a later ebpm recorded: say what it is
        return code(kind)
    return w[kind].format(**fields)


def plan_summary(
    prereg: dict[str, Any], lang: str = "en", *, code: Any = _backticks, text: Any = _as_is
) -> str:
    """ "This run follows the locked analysis plan (...)" or "... departs from it in N way(s):"."""
    w = area_words(PLAN, lang)
    n = len(prereg.get("deviations") or [])
    return w["deviates" if n else "follows"].format(
        plan=code(str(prereg.get("plan"))),
        when=text(when(prereg.get("locked_at"), lang)),
        by=text(redact_text(str(prereg.get("locked_by")))),
        n=n,
    )


def plan_block(prereg: dict[str, Any], lang: str = "en") -> str:
    """A report's analysis-plan note (top of the page): whether its run follows the locked plan,
    each deviation in words, and the plan's locks with their reasons. Sanitized
    (:func:`ebpm.site.sanitize.sanitize_html`) after escaping every value."""
    from ebpm.site.sanitize import sanitize_html

    esc = html.escape
    w = area_words(PLAN, lang)
    code = lambda text: f"<code>{esc(str(text))}</code>"  # noqa: E731
    deviations = prereg.get("deviations") or []
    items = "".join(f"<li>{deviation_text(d, lang, code=code, text=esc)}</li>" for d in deviations)
    locks = []
    for i, lock in enumerate(prereg.get("history") or []):
        key = "first_lock" if i == 0 else "relock"
        locks.append(
            "<li>"
            + esc(
                w[key].format(
                    at=when(lock.get("at"), lang),
                    by=redact_text(str(lock.get("by"))),
                    reason=redact_text(str(lock.get("reason") or w["no_reason"])),
                )
            )
            + "</li>"
        )
    state = "warn" if deviations else "ok"
    body = (
        f'<section class="ebpm-prereg" role="note" style="border:2px solid #5a5a5a;'
        f'padding:0.6em 1em;margin:1em 0"><strong>{esc(w["title"])}.</strong> '
        f'<span class="{state}">{plan_summary(prereg, lang, code=code, text=esc)}</span>'
        + (f"<ul>{items}</ul>" if items else "")
        + (
            f"<details><summary>{esc(w['history'])}</summary><ul>{''.join(locks)}</ul></details>"
            if len(locks) > 1
            else ""
        )
        + "</section>"
    )
    return sanitize_html(body)
