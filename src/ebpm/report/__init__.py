"""What a report notebook calls to mark its headline estimate and its provenance footer.

Inside a notebook, :func:`headline` shows a result and tags it (mimetype
``application/vnd.ebpm.result+json``) so that ``ebpm run`` can list the estimate in the site
index; :func:`footer` shows the run id, the data provenance and the package versions and tags the
datasets (``application/vnd.ebpm.provenance+json``) for the run manifest. Both work the same in
JupyterLab, where no run is under way.

Rendering and the site live in :mod:`ebpm.site`, which a kernel never imports.
"""

from __future__ import annotations

import html
import os
import platform
from collections.abc import Iterable
from datetime import UTC, datetime
from importlib import metadata
from typing import TYPE_CHECKING, Any

from ebpm._lang import DESIGN, FOOTER, check_lang, current_lang, when
from ebpm._lang import words as area_words
from ebpm._protocol import (
    PROVENANCE_MIME,
    RESULT_MIME,
    RUN_ID_ENV,
    TABLE_MIME,
    TASK_ENV,
    redact_parameters,
)
from ebpm.report.release import microdata

if TYPE_CHECKING:
    from ebpm.results import EstimateResult

__all__ = [
    "PROVENANCE_MIME",
    "RESULT_MIME",
    "RUN_ID_ENV",
    "TABLE_MIME",
    "TASK_ENV",
    "checks",
    "design_statement",
    "etable",
    "footer",
    "headline",
    "language",
    "microdata",
    "package_versions",
    "say",
    "sensitivity",
    "table",
]


KEY_PACKAGES = (
    "ebpm",
    "pandas",
    "numpy",
    "pyfixest",
    "statsmodels",
    "geopandas",
    "intake",
    "papermill",
    "matplotlib",
)


def etable(*args: Any, **kwargs: Any) -> Any:
    """Render results side by side; see :func:`ebpm.report.tables.etable`."""
    from ebpm.report.tables import etable as _etable

    return _etable(*args, **kwargs)


def package_versions(names: Iterable[str] = KEY_PACKAGES) -> dict[str, str | None]:
    """Installed versions of ``names`` (None when not installed), plus Python's."""
    out: dict[str, str | None] = {"python": platform.python_version()}
    for name in names:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = None
    return out


def _display(bundle: dict[str, Any]) -> None:
    from IPython.display import display

    display(bundle, raw=True)


def language() -> str:
    """The language ebpm's report helpers write in: the site's, which ``ebpm run`` passes to
    the kernel (``ebpm run --lang ja`` or ``ebpm publish --lang ja`` earlier), else English.

    A notebook can follow it too: ``lang = lang or report.language()``.
    """
    return current_lang()


def say(*, en: str, ja: str, lang: str | None = None) -> None:
    """Show Markdown text in the report's language: ``en`` or ``ja`` (default
    :func:`language`, the site's). A notebook's own prose follows the site this way::

        report.say(en="## Design", ja="## 評価デザイン")

    Math (``$...$``) is drawn as on any Markdown cell.
    """
    from ebpm._lang import check_lang

    chosen = check_lang(lang if lang is not None else language())
    text = ja if chosen == "ja" else en
    _display({"text/markdown": text, "text/plain": text})


def headline(
    result: EstimateResult,
    *,
    label: str | None = None,
    lang: str | None = None,
    sensitivity: Any = None,
) -> None:
    """Show ``result`` and mark it as this report's headline estimate.

    ``lang`` ("en" or "ja"; default :func:`language`) is the language of the table's
    columns, the design's name and the facts under it. ``sensitivity`` (what
    ``result.sensitivity(...)`` returned) goes with the headline, so that the site's
    diagnostics and the evaluation's evidence grade read its breakdown value.
    """
    from ebpm.report.result_html import result_html
    from ebpm.results import EstimateResult

    if not isinstance(result, EstimateResult):
        raise TypeError(f"headline() takes an EstimateResult, got {type(result).__name__}")
    lang = check_lang(lang if lang is not None else language())
    payload = _record(result, sensitivity, "headline")
    payload["label"] = label or result.title
    _display(
        {
            "text/html": result_html(result, lang),
            "text/plain": result.summary(),
            RESULT_MIME: payload,
        }
    )


#: The mark and colour (Okabe-Ito) shown before a check of each status.
CHECK_MARKS = {"pass": ("✓", "#009E73"), "warn": ("!", "#D55E00"), "info": ("·", "#555555")}
#: What :func:`checks` says when no diagnostic applies to a result's design.
NO_CHECKS = {
    "en": "No diagnostic applies to this design.",
    "ja": "この評価デザインに当てはまる診断はない。",
}
#: The section heading and legend above a report's checks (``checks(..., heading=True)``).
CHECKS_HEADING = {
    "en": "## Diagnostics\n\nThe checks this design allows, as the site's index shows them "
    "(✓ no evidence against the design, ! read before the estimate, · for information):",
    "ja": "## 診断\n\nこの評価デザインで行える確認（サイトの一覧と同じ表示。✓ デザインに反する"
    "証拠なし、! 推定値より先に読むべき点、· 参考情報）：",
}


def _record(result: EstimateResult, sensitivity: Any, caller: str) -> dict[str, Any]:
    """``result``'s JSON record, with ``sensitivity`` (what ``result.sensitivity(...)``
    returned, or None) among its diagnostics, as the site and the checks read it."""
    record = result.to_dict()
    if sensitivity is None:
        return record
    from ebpm.trust.sensitivity import Sensitivity

    if not isinstance(sensitivity, Sensitivity):
        raise TypeError(
            f"{caller}(sensitivity=...) takes what result.sensitivity() returned, got "
            f"{type(sensitivity).__name__}"
        )
    record["diagnostics"] = {**record["diagnostics"], "sensitivity": sensitivity.to_dict()}
    return record


def sensitivity(s: Any, *, outcome: str | None = None, lang: str | None = None) -> None:
    """Show a sensitivity analysis (what ``result.sensitivity(...)`` returned) for a reader:
    what its robust sets and breakdown value mean, its plot, and its result in words, in
    ``lang`` ("en" or "ja"; default :func:`language`). ``outcome`` names the outcome's units."""
    from ebpm.trust.sensitivity import Sensitivity

    if not isinstance(s, Sensitivity):
        raise TypeError(
            f"sensitivity() takes what result.sensitivity() returned, got {type(s).__name__}"
        )
    lang = check_lang(lang if lang is not None else language())
    text = s.explain(lang, outcome=outcome)
    _display({"text/markdown": text, "text/plain": text})
    import matplotlib.pyplot as plt
    from IPython.display import display

    ax = s.plot(lang=lang)
    display(ax.figure)
    plt.close(ax.figure)
    said = s.conclusion(lang)
    _display({"text/markdown": said, "text/plain": said})


def checks(
    result: EstimateResult,
    *,
    lang: str | None = None,
    sensitivity: Any = None,
    heading: bool = False,
) -> None:
    """Show ``result``'s checks (:meth:`~ebpm.results.EstimateResult.checks`) as short lines,
    each with its status mark: ✓ pass, ! warn (read before the estimate), · info.

    The words are those the site's diagnostics show, in ``lang`` ("en" or "ja"; default
    :func:`language`). ``sensitivity`` (what ``result.sensitivity(...)`` returned, as given to
    :func:`headline`) adds its breakdown value, as the site shows it. A design with no
    diagnostic gets one sentence saying so. ``heading``: first show the section's heading and
    what the marks mean, in the same language (every design notebook does).
    """
    from ebpm.results import EstimateResult
    from ebpm.trust.checks import checks as checks_of

    if not isinstance(result, EstimateResult):
        raise TypeError(f"checks() takes an EstimateResult, got {type(result).__name__}")
    lang = check_lang(lang if lang is not None else language())
    rows = checks_of(_record(result, sensitivity, "checks"), lang)
    if heading:
        say(en=CHECKS_HEADING["en"], ja=CHECKS_HEADING["ja"], lang=lang)
    esc = html.escape
    if not rows:
        text = NO_CHECKS[lang]
        _display({"text/html": f'<p class="ebpm-checks">{esc(text)}</p>', "text/plain": text})
        return
    items, lines = [], []
    for row in rows:
        status = str(row["status"])
        mark, colour = CHECK_MARKS.get(status, ("·", "#555555"))
        items.append(
            f'<li class="ebpm-check ebpm-check-{esc(status)}">'
            f'<span title="{esc(status)}" style="color:{colour};font-weight:bold;'
            f'display:inline-block;width:1.2em">{esc(mark)}</span>{esc(str(row["text"]))}</li>'
        )
        lines.append(f"{mark} {row['text']}")
    body = "".join(items)
    _display(
        {
            "text/html": f'<ul class="ebpm-checks" style="list-style:none;padding-left:0">'
            f"{body}</ul>",
            "text/plain": "\n".join(lines),
        }
    )


def design_statement(
    *,
    estimand: str,
    treatment: str,
    comparison: str,
    unit: str,
    period: str,
    identification: str,
    lang: str | None = None,
) -> None:
    """Show the design of the evaluation as a short definition list.

    ``lang`` ("en" or "ja"; default :func:`language`) is the language of the labels (推定対象,
    比較群, ...); the values are shown as given.
    """
    labels = area_words(DESIGN, lang if lang is not None else language())
    values = {
        "estimand": estimand,
        "treatment": treatment,
        "comparison": comparison,
        "unit": unit,
        "period": period,
        "identification": identification,
    }
    rows = [(labels[key], value) for key, value in values.items()]
    body = "".join(f"<dt>{html.escape(k)}</dt><dd>{html.escape(v)}</dd>" for k, v in rows)
    text = "\n".join(f"{k}: {v}" for k, v in rows)
    _display({"text/html": f'<dl class="ebpm-design">{body}</dl>', "text/plain": text})


def footer(*datasets: Any, lang: str | None = None) -> None:
    """Show the run id, data provenance and package versions; record the datasets used.

    Parameters
    ----------
    *datasets
        What the report read: frames from :func:`ebpm.catalog.load` (or anything with
        ``attrs["ebpm"]``, a provenance record). Each is listed with only what its record
        has: title, source, licence, the query it was read with, where from, sha256, when,
        and the publisher's required credit.
    lang : {"en", "ja"}, optional
        Language of the footer's labels and dates (default :func:`language`; Japanese dates
        are in Japan time).
    """
    lang = lang if lang is not None else language()
    run_id = os.environ.get(RUN_ID_ENV, "interactive (not run by ebpm run)")
    now = datetime.now(UTC).isoformat(timespec="seconds")
    provs = [dict(getattr(d, "attrs", {}).get("ebpm", {})) for d in datasets]
    provs = [p for p in provs if p]
    versions = package_versions()
    words = area_words(FOOTER, lang)
    stop = words["stop"]
    esc = html.escape
    items = []
    for p in provs:
        origin = (
            f"{p.get('package')} {p.get('package_version')}" if p.get("package") else p.get("url")
        )
        # only what the record has: a project file has no licence, an estimate no sha256
        parts = [f"{esc(str(p['title']))}{stop}" if p.get("title") else ""]
        parts += [
            f"{words[key]}{words['space']}{esc(str(p[key]))}{stop}"
            for key in ("source", "licence")
            if p.get(key)
        ]
        # the query tells apart two reads of one entry (births and children from one table)
        query = redact_parameters(p.get("params") or {})
        if query:
            shown = words["sep"].join(f"{k}={v}" for k, v in query.items())
            parts.append(f"{words['query']}{words['space']}<code>{esc(shown)}</code>{stop}")
        read = []
        if origin:
            read.append(words["from"].format(esc(str(origin))))
        if p.get("sha256"):
            read.append(f"sha256 <code>{esc(str(p['sha256'])[:16])}…</code>")
        if p.get("retrieved_at"):
            read.append(words["read"].format(esc(when(p["retrieved_at"], lang))))
        if p.get("publisher_updated"):
            read.append(words["updated"].format(esc(str(p["publisher_updated"]))))
        if read:
            parts.append(words["sep"].join(read) + stop)
        credit = (
            f"<br><span class='ebpm-credit'>{esc(str(p['attribution']))}</span>"
            if p.get("attribution")
            else ""
        )
        items.append(
            f"<li><code>{esc(str(p.get('entry') or p.get('title')))}</code>{words['colon']}"
            f"{words['space'].join(x for x in parts if x)}{credit}</li>"
        )
    vers = ", ".join(f"{k} {v}" for k, v in versions.items() if v)
    html_text = (
        '<footer class="ebpm-footer"><hr>'
        f"<p>{words['run'].format(run=esc(run_id), now=esc(when(now, lang)))}</p>"
        f"<p>{words['data']}</p><ul>{''.join(items) or '<li>' + words['none'] + '</li>'}</ul>"
        f"<p>{words['software'].format(esc(vers))}</p></footer>"
    )
    text = f"Run {run_id}, generated {now}\n" + "\n".join(
        f"data: {p.get('entry')} sha256={p.get('sha256')}"
        + (f"\n  {p['attribution']}" if p.get("attribution") else "")
        for p in provs
    )
    from ebpm._json import jsonable

    _display(
        {
            "text/html": html_text,
            "text/plain": text,
            PROVENANCE_MIME: jsonable({"run_id": run_id, "datasets": provs, "versions": versions}),
        }
    )


def table(data: Any, *, name: str, sensitive: bool = False, caption: str | None = None) -> None:
    """Show a table in a report, marked so the publisher knows whether it may go online.

    Parameters
    ----------
    data : DataFrame or ebpm.disclosure.Suppressed
        The table. A :class:`~ebpm.disclosure.Suppressed` table (the result of
        :func:`ebpm.disclosure.suppress`) is shown with its suppressed cells as "x" and counts
        as checked.
    name : str
        What the table is called; the publisher's messages name it.
    sensitive : bool, default False
        The table counts people or firms: publishing it needs disclosure control. ``ebpm run``
        refuses to publish a report with a sensitive table that did not pass
        :func:`ebpm.disclosure.suppress` (the task fails; the last good report stays).
    caption : str, optional
        A line shown above the table.
    """
    import pandas as pd

    from ebpm.disclosure import Suppressed

    esc = html.escape
    if not isinstance(data, Suppressed | pd.DataFrame):
        raise TypeError(
            f"report.table({name!r}) takes a DataFrame or the result of "
            f"ebpm.disclosure.suppress, not a {type(data).__name__}; convert it with "
            "pandas.DataFrame(...) first"
        )
    if isinstance(data, Suppressed):
        body = data.to_html()
        marker = {
            "name": name,
            "sensitive": True,
            "suppressed": True,
            "summary": data.summary(),
        }
        text = str(data)
    else:
        body = data.to_html(escape=True, border=0, classes="ebpm-table")
        marker = {"name": name, "sensitive": bool(sensitive), "suppressed": False}
        text = data.to_string()
    head = f"<p><strong>{esc(caption)}</strong></p>" if caption else ""
    _display({"text/html": head + body, "text/plain": text, TABLE_MIME: marker})
