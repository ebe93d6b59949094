"""The logic model in words: the sentences of the SVG's <desc> and link titles, and the
Markdown outline of :func:`logic_model_text`."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from ebpm._format import decimals_for
from ebpm._lang import Lang, check_lang
from ebpm.kpi.diagram._input import _Link, _Node, _read
from ebpm.kpi.diagram._style import _KIND_NAMES, _WORDS
from ebpm.kpi.diagram._text import _clean, _number
from ebpm.kpi.model import KINDS


def _describe(nodes: list[_Node], links: list[_Link], lang: str, title: str) -> list[str]:
    """Sentences saying what the diagram shows: columns, nodes with KPIs, every link."""
    w = _WORDS[lang]
    names = _KIND_NAMES[lang]
    by_id = {n.id: n for n in nodes}
    kinds = [k for k in KINDS if any(n.kind == k for n in nodes)]
    q = w["quote"].format
    out = [
        w["summary"].format(
            title=title,
            nodes=len(nodes),
            columns=len(kinds),
            chain=w["arrow"].join(names[k] for k in kinds),
        )
    ]
    for k in kinds:
        items = []
        for n in (n for n in nodes if n.kind == k):
            kp = "".join(
                f" [{w['kpi']} {q(kpi.name)}{w['colon']}{kpi.status.text}]" for kpi in n.kpis
            )
            items.append(q(n.label) + kp)
        out.append(f"{names[k]}{w['colon']}{w['sep'].join(items)}{w['stop']}")
    if not links:
        out.append(w["no_links"])
    out.extend(_link_sentence(link, by_id, lang) for link in links)
    return out


def _link_sentence(link: _Link, by_id: dict[str, _Node], lang: str) -> str:
    """One link in words: ``Link 2: A (Activities) → B (Outputs): Synthetic control, ...``."""
    w = _WORDS[lang]
    names = _KIND_NAMES[lang]
    q = w["quote"].format
    a, b = by_id[link.source], by_id[link.target]
    head = (
        w["node_in"].format(label=q(a.label), kind=names[a.kind])
        + w["arrow"]
        + w["node_in"].format(label=q(b.label), kind=names[b.kind])
    )
    parts = []
    if link.label:
        parts.append(_titled(link, lang))
    if not link.evaluated:
        parts.append(w["not_evaluated"])
    else:
        ev = link.evidence or {}
        estimate, low, high = ev.get("estimate"), ev.get("low"), ev.get("high")
        d = decimals_for(estimate, low, high)
        if estimate is not None:
            parts.append(w["estimate"].format(value=_number(estimate, d)))
        if low is not None or high is not None:
            lo = "–" if low is None else _number(low, d)
            hi = "–" if high is None else _number(high, d)
            parts.append(w["interval"].format(low=lo, high=hi))
        if link.verdict is not None and link.verdict.key:
            parts.append(w[f"{link.verdict.key}_long"] + _graded(link))
        if link.status.cls not in ("plain", "good"):
            parts.append(w["status"].format(status=link.status.text))
    tail = f"{w['colon']}{w['sep'].join(parts)}" if parts else ""
    return f"{w['link']} {link.index + 1}{w['colon']}{head}{tail}{w['stop']}"


def _graded(link: _Link) -> str:
    """The link's evidence grade after its verdict, " (SMS 3)"; "" when not known."""
    return f" (SMS {link.grade})" if link.grade is not None else ""


def _titled(link: _Link, lang: str) -> str:
    """The evaluation's title, with its pipeline / task after it when both are known."""
    label = link.label or ""
    if not link.detail:
        return label
    return _WORDS[lang]["detail"].format(label=label, detail=link.detail)


def _md(text: str) -> str:
    """Escape Markdown's active characters, so a label is shown as written."""
    return re.sub(r"([\\`*_\[\]<>&|#])", r"\\\1", _clean(text).replace("\n", " "))


def logic_model_text(
    nodes: Sequence[Mapping[str, Any]],
    links: Sequence[Mapping[str, Any]],
    *,
    title: str | None = None,
    lang: Lang = "en",
) -> str:
    """Describe a logic model as a Markdown outline (readable as plain text too).

    Parameters
    ----------
    nodes, links : sequence of mapping
        As for :func:`logic_model_svg`.
    title : str, optional
        The heading (default "Logic model").
    lang : {"en", "ja"}
        Language of the headings and statuses.

    Returns
    -------
    str
        A heading, one section per column with its nodes and their KPIs, then every link with
        its evidence. Caller text is Markdown-escaped.

    Raises
    ------
    InvalidOptionError, DataError
        As for :func:`logic_model_svg`.
    """
    lang = check_lang(lang)
    node_list, link_list = _read(nodes, links, lang)
    w = _WORDS[lang]
    names = _KIND_NAMES[lang]
    by_id = {n.id: n for n in node_list}
    doc_title = _clean(title) if title not in (None, "") else w["logic_model"]
    out = [f"# {_md(doc_title)}", ""]
    for k in KINDS:
        members = [n for n in node_list if n.kind == k]
        if not members:
            continue
        out += [f"## {names[k]}", ""]
        for n in members:
            out.append(f"- {_md(n.label)} (`{n.id.replace('`', '')}`)")
            out += [
                f"  - {w['kpi']}: {kpi.status.symbol} {_md(kpi.name)}{w['colon']}{kpi.status.text}"
                for kpi in n.kpis
            ]
        out.append("")
    out += [f"## {w['links']}", ""]
    if not link_list:
        out.append(w["no_links"])
    for link in link_list:
        head = f"{_md(by_id[link.source].label)} → {_md(by_id[link.target].label)}"
        if not link.evaluated:
            tail = f"– {w['not_evaluated']}"
            if link.label:
                tail = f"{_md(link.label)} ({tail})"
        else:
            bits = [_md(_titled(link, lang))] if link.label else []
            if link.numbers:
                bits.append(link.numbers)
            if link.verdict is not None and link.verdict.key:
                bits.append(f"{link.verdict.symbol} {w[link.verdict.key + '_long']}{_graded(link)}")
            if link.status.cls not in ("plain", "good"):
                bits.append(f"{link.status.symbol} {link.status.text}")
            tail = w["sep"].join(bits) if bits else "–"
        out.append(f"- {head}{w['colon']}{tail}")
    return "\n".join(out).rstrip() + "\n"
