"""A headline estimate as a report shows it, in the report's language (issue 18).

:func:`ebpm.report.result_html` displays a result with :func:`result_html`; on a Japanese site
(``ebpm run --lang ja``) the design, the table's columns, the counts, the inference and the
interval read in Japanese, and so do the estimator's own sentences (its estimand, inference
method and identifying assumption), which it writes in each language
(:meth:`ebpm.results.EstimateResult.said`).
"""

from __future__ import annotations

import html
from typing import TYPE_CHECKING, Any

from ebpm._format import fixed
from ebpm._lang import DESIGN_TITLES_JA, RESULT, check_lang, words

if TYPE_CHECKING:
    from ebpm.results import EstimateResult

__all__ = ["design_title", "result_html"]


def design_title(result: EstimateResult, lang: str = "en") -> str:
    """The research design's name: the estimator's title, in Japanese with it in brackets."""
    if check_lang(lang) == "ja" and result.method in DESIGN_TITLES_JA:
        return f"{DESIGN_TITLES_JA[result.method]}（{result.title}）"
    return result.title


def _cell(x: Any) -> str:
    if isinstance(x, float):
        return fixed(x, 4, tiny=True)
    return "" if x is None else str(x)


def result_html(result: EstimateResult, lang: str = "en") -> str:
    """The result's table and facts as HTML in ``lang`` ("en" or "ja"); the headline term
    in bold."""
    from ebpm.results import ROLE_KEYS, TIDY_COLUMNS

    w = words(RESULT, lang)
    esc = html.escape
    d = result.design
    head = "".join(f"<th>{esc(w[c])}</th>" for c in TIDY_COLUMNS)
    body = []
    for _, row in result.table.iterrows():
        cells = [f"<td>{esc(str(row['term']))}</td>"]
        cells += [f"<td>{esc(_cell(row[c]))}</td>" for c in TIDY_COLUMNS[1:]]
        strong = ' style="font-weight:bold"' if row["term"] == result.headline else ""
        body.append(f"<tr{strong}>{''.join(cells)}</tr>")
    roles = w["sep"].join(
        f"{esc(w[k])} <code>{esc(str(d[k]))}</code>" for k in ROLE_KEYS if d.get(k) is not None
    )
    said = result.said(lang)
    label = w.get(said["interval_label"], said["interval_label"])
    level = f"{result.conf_level:.0%}"
    facts = w["sep"].join(
        [
            w["n"].format(n=f"{result.n_obs:,}"),
            w["inference"].format(esc(said["inference"])),
            w["intervals"].format(level=level, label=esc(label)),
        ]
    )
    stated = "null hypothesis" if result.assumption_label == "null hypothesis" else "assumption"
    assumption = "<br>" + w[stated].format(esc(said["assumption"])) if said["assumption"] else ""
    return (
        f'<div class="ebpm-result"><p><strong>{esc(design_title(result, lang))}</strong> '
        f"({esc(said['estimand'])}{w['sep']}{roles})<br>{facts}{assumption}</p>"
        f'<table class="ebpm-tidy"><thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(body)}</tbody></table></div>"
    )
