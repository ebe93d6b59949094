"""The logic model as a standalone, accessible SVG: boxes, links, their labels and a <desc>."""

from __future__ import annotations

import hashlib
import math
from collections.abc import Mapping, Sequence
from numbers import Real
from typing import Any

from ebpm._lang import Lang, check_lang
from ebpm.errors import InvalidOptionError
from ebpm.kpi.diagram._describe import _describe, _link_sentence
from ebpm.kpi.diagram._input import _Link, _Node, _read, _Status
from ebpm.kpi.diagram._layout import _Layout, _layout, _measure
from ebpm.kpi.diagram._style import (
    _ARROW,
    _BADGE_H,
    _BADGE_PAD,
    _BOX_PAD_X,
    _BOX_PAD_Y,
    _BOX_W,
    _EDGE_PAD,
    _HEAD_FS,
    _HEAD_LH,
    _INK,
    _KIND_NAMES,
    _LABEL_FS,
    _LABEL_LH,
    _MARGIN,
    _PLAIN,
    _SMALL_FS,
    _SMALL_LH,
    _STYLE,
    _TITLE_FS,
    _TITLE_LH,
    _WORDS,
    FONT_FAMILY,
)
from ebpm.kpi.diagram._text import _clean, _esc, _fmt, _text_width


def _text(x: float, top: float, lines: list[str], size: float, lh: float, **attrs: str) -> str:
    """A <text> of ``lines`` from ``top`` down, one <tspan> per line."""
    extra = "".join(f' {k.rstrip("_").replace("_", "-")}="{v}"' for k, v in attrs.items())
    spans = "".join(
        f'<tspan x="{_fmt(x)}" y="{_fmt(top + i * lh + lh / 2 + size * 0.35)}">{_esc(s)}</tspan>'
        for i, s in enumerate(lines)
    )
    return f'<text font-size="{_fmt(size)}"{extra}>{spans}</text>'


def _badge(x: float, top: float, text: str, st: _Status, width: float) -> str:
    """A status badge: symbol and word on a tint of the status colour, framed in it."""
    return (
        f'<g class="lm-badge" data-status="{_esc(st.key or "")}">'
        f'<rect x="{_fmt(x)}" y="{_fmt(top)}" width="{_fmt(width)}" height="{_fmt(_BADGE_H)}" '
        f'rx="3" fill="{st.tint}" stroke="{st.colour}"/>'
        + _text(
            x + _BADGE_PAD,
            top - (_SMALL_LH - _BADGE_H) / 2,
            [text],
            _SMALL_FS,
            _SMALL_LH,
            fill=_INK,
        )
        + "</g>"
    )


def _node_svg(n: _Node, kind_name: str) -> str:
    out = [
        f'<g class="lm-node" data-node="{_esc(n.id)}" data-kind="{n.kind}">',
        f"<title>{_esc(kind_name)}: {_esc(n.label)}</title>",
        f'<rect x="{_fmt(n.x)}" y="{_fmt(n.top)}" width="{_fmt(_BOX_W)}" height="{_fmt(n.h)}" '
        f'rx="8" fill="#FFFFFF" stroke="#5F5F5F" stroke-width="1.2"/>',
        _text(n.x + _BOX_PAD_X, n.top + _BOX_PAD_Y, n.lines, _LABEL_FS, _LABEL_LH, fill=_INK),
    ]
    y = n.top + _BOX_PAD_Y + len(n.lines) * _LABEL_LH + 3
    if n.kpis:
        out.append(
            f'<line x1="{_fmt(n.x + _BOX_PAD_X)}" x2="{_fmt(n.x + _BOX_W - _BOX_PAD_X)}" '
            f'y1="{_fmt(y)}" y2="{_fmt(y)}" stroke="#D0D0D0"/>'
        )
        y += 4
    for k in n.kpis:
        x0 = n.x + _BOX_PAD_X
        out.append(
            f'<g class="lm-kpi" data-status="{_esc(k.status.key or "")}">'
            + _badge(x0, y + (_SMALL_LH - _BADGE_H) / 2, k.badge, k.status, k.badge_w)
            + _text(x0 + k.badge_w + 4, y, k.lines[:1], _SMALL_FS, _SMALL_LH, fill=_INK)
            + (
                _text(x0, y + _SMALL_LH, k.lines[1:], _SMALL_FS, _SMALL_LH, fill=_INK)
                if len(k.lines) > 1
                else ""
            )
            + "</g>"
        )
        y += len(k.lines) * _SMALL_LH + 3
    out.append("</g>")
    return "".join(out)


def _link_style(link: _Link) -> tuple[str, str, str]:
    """(stroke colour, marker class, extra attributes) of a link's line."""
    if not link.evaluated:
        return _STYLE["none"][0], "none", ' stroke-dasharray="6 4" stroke-width="1.5"'
    return link.look.colour, link.look.cls, ' stroke-width="2"'


def _label_svg(link: _Link, x: float, y: float, anchor: tuple[float, float]) -> str:
    colour, _, _ = _link_style(link)
    out = []
    ax, ay = anchor
    inside = x <= ax <= x + link.w and y <= ay <= y + link.h
    if not inside:  # a leader from the label to its line
        lx = min(max(ax, x), x + link.w)
        ly = min(max(ay, y), y + link.h)
        out.append(
            f'<line x1="{_fmt(lx)}" y1="{_fmt(ly)}" x2="{_fmt(ax)}" y2="{_fmt(ay)}" '
            f'stroke="{colour}" stroke-width="1" stroke-dasharray="1 2"/>'
            f'<circle cx="{_fmt(ax)}" cy="{_fmt(ay)}" r="2.5" fill="{colour}"/>'
        )
    border = f' stroke="{colour}"' if link.evaluated else ""
    out.append(
        f'<rect x="{_fmt(x)}" y="{_fmt(y)}" width="{_fmt(link.w)}" height="{_fmt(link.h)}" rx="4" '
        f'fill="#FFFFFF" fill-opacity="0.94"{border}/>'
    )
    row_y = y + _EDGE_PAD
    for style, text in link.rows:
        tx = x + _EDGE_PAD
        if style in ("badge", "verdict"):
            if not link.evaluated:
                st = _Status("not evaluated", "none", "")
            else:
                st = link.verdict if style == "verdict" and link.verdict else link.status
            w = _text_width(text, _SMALL_FS) + 2 * _BADGE_PAD
            out.append(_badge(tx, row_y + (_SMALL_LH - _BADGE_H) / 2, text, st, w))
        elif style == "bold":
            out.append(
                _text(tx, row_y, [text], _SMALL_FS, _SMALL_LH, fill=_INK, font_weight="bold")
            )
        else:
            out.append(
                _text(
                    tx,
                    row_y,
                    [text],
                    _SMALL_FS,
                    _SMALL_LH,
                    fill=_INK,
                    font_variant_numeric="tabular-nums",
                )
            )
        row_y += _SMALL_LH
    return "".join(out)


def _uid(*parts: Any) -> str:
    """An id prefix that differs between diagrams, so two on one page do not clash."""
    digest = hashlib.sha1(repr(parts).encode(), usedforsecurity=False)
    return "lm-" + digest.hexdigest()[:10]


def logic_model_svg(
    nodes: Sequence[Mapping[str, Any]],
    links: Sequence[Mapping[str, Any]],
    *,
    title: str | None = None,
    lang: Lang = "en",
    width: float | None = None,
) -> str:
    """Draw a policy logic model as a standalone, accessible SVG.

    Parameters
    ----------
    nodes : sequence of mapping
        One mapping per node: ``id`` (unique), ``kind`` (one of :data:`KINDS`), ``label``
        (defaults to the id; ``label_ja`` is used instead when ``lang="ja"`` and it is set) and
        optionally ``kpis``, a list of ``{"name", "status"}`` (``name_ja`` likewise) drawn as
        badges under the label.
    links : sequence of mapping
        One mapping per link: ``source`` and ``target`` node ids (``from`` and ``to`` also
        work) and ``evidence``: None (drawn dashed and grey, "not evaluated") or a mapping
        ``{"label", "estimate", "low", "high", "status", "expected"}`` where the numbers are
        floats or None, ``label`` is the evaluation's title (``label_ja`` as for nodes; with
        ``pipeline`` and ``task`` too, ``"pipeline / task"`` is given after it in the link's
        description; without a label, it is the label, as in ``LogicModel.to_dict()``),
        ``status`` the evaluation's own (ok, warn, failed, ...) and ``expected`` the sign the
        estimate should have if the link holds ("increase", "decrease" or "either", the
        default). Evidence with status "not evaluated" is drawn as not evaluated.
    title : str, optional
        Drawn above the diagram and used as the SVG's ``<title>`` (default "Logic model").
    lang : {"en", "ja"}
        Language of the column headings, statuses and the description.
    width : float, optional
        Width attribute in px; the height follows the aspect ratio. By default the natural
        size, shrinking to fit narrow containers (``max-width: 100%``).

    Returns
    -------
    str
        An ``<svg>`` element (no XML declaration), for a file or inline in HTML. It has
        ``role="img"``, a ``<title>`` and a ``<desc>`` describing every node and link in words.
        Each node is a ``<g data-node="id">`` and each link a ``<g data-source data-target>``
        (``data-status``, ``data-verdict``, ``data-evaluated`` and ``data-link-index`` too; the
        link's label is a ``<g class="lm-link-label">`` with the same ``data-link-index`` and
        ``data-verdict``).

    Raises
    ------
    InvalidOptionError
        A node's kind, a link's node id, a status or ``lang`` is not one of the valid values.
    DataError
        A node or link is malformed: no id, a duplicate id, a link from a node to itself, a
        non-numeric estimate.

    Notes
    -----
    A link with evidence is drawn by its verdict (:func:`ebpm.kpi.verdict`), which reads the
    interval against ``expected``: ✓ supports (the interval excludes 0 on the expected side),
    ? inconclusive (it includes 0), ✗ contradicts (it excludes 0 on the other side), – ran (a
    result without an interval). The evaluation's status is shown beside the verdict when it
    is not a good one (! warn, ✗ failed): a diagnostic warning is never hidden, and "✓ ok"
    never stands where a reader would take it for "supported".

    Statuses (case-insensitive; ``_`` and ``-`` count as spaces; the Japanese names in
    :data:`STATUSES` are accepted too) are drawn with their Okabe–Ito colour *and* a symbol and
    a word: ✓ ok, pass, unchanged, on track; ! warn; ✗ failed, error, off track; – not
    evaluated, no data, pending, cancelled, blocked, info. A KPI with status None shows "no
    data". An estimate and its interval share one number of decimals: one from 1 to 1000,
    none above, two significant digits below 1, and more when needed to show two significant
    digits of the interval's width; negative numbers get a true minus sign:
    ``−19.6 [−30.1, −9.2]``.
    """
    lang = check_lang(lang)
    if width is not None and (
        isinstance(width, bool) or not isinstance(width, Real) or not 0 < width < math.inf
    ):
        raise InvalidOptionError(
            f"width={width!r} is not a positive number of pixels; pass e.g. width=800, or None "
            "for the natural size."
        )
    shown_title = _clean(title) if title not in (None, "") else None
    node_list, link_list = _read(nodes, links, lang)
    _measure(node_list, link_list, lang)
    lay = _layout(node_list, link_list, lang, shown_title)
    uid = _uid(node_list, link_list, lang, shown_title)
    names = _KIND_NAMES[lang]
    by_id = {n.id: n for n in node_list}
    doc_title = shown_title or _WORDS[lang]["logic_model"]
    desc = ("" if lang == "ja" else " ").join(_describe(node_list, link_list, lang, doc_title))
    out = _head(lay, width, uid, lang, doc_title, desc)
    out.append('<g class="lm-links" fill="none">')
    out.extend(_link_svg(link, lay, uid, by_id, lang) for link in link_list)
    out.append("</g>")
    out.append('<g class="lm-nodes">')
    out.extend(_node_svg(n, names[n.kind]) for n in node_list)
    out.append("</g>")
    out.append('<g class="lm-link-labels">')
    for link in link_list:
        x, y = lay.labels.get(link.index, (None, None))
        if x is None or y is None:
            continue
        out.append(
            f'<g class="lm-link-label" data-link-index="{link.index}" '
            f'data-verdict="{_esc(_verdict_key(link))}">'
            + _label_svg(link, x, y, lay.anchors[link.index])
            + "</g>"
        )
    out.append("</g></svg>")
    return "".join(out)


def _head(
    lay: _Layout, width: float | None, uid: str, lang: str, doc_title: str, desc: str
) -> list[str]:
    """The <svg> element's opening, its title, description, arrow heads, background, the
    diagram's title and the column headings."""
    w, h = lay.width, lay.height
    size = (
        f'width="{_fmt(w)}" height="{_fmt(h)}" style="max-width:100%;height:auto"'
        if width is None
        else f'width="{_fmt(float(width))}" height="{_fmt(h * float(width) / w)}"'
    )
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {_fmt(w)} {_fmt(h)}" {size} '
        f'role="img" aria-labelledby="{uid}-title {uid}-desc" class="ebpm-logic-model" '
        f'lang="{lang}" font-family="{_esc(FONT_FAMILY)}">',
        f'<title id="{uid}-title">{_esc(doc_title)}</title>',
        f'<desc id="{uid}-desc">{_esc(desc)}</desc>',
        "<defs>",
    ]
    for cls, colour in (*((c, s[0]) for c, s in _STYLE.items()), ("plain", _PLAIN)):
        out.append(
            f'<marker id="{uid}-arrow-{cls}" viewBox="0 0 10 10" refX="10" refY="5" '
            f'markerWidth="{_fmt(_ARROW)}" markerHeight="{_fmt(_ARROW)}" '
            f'markerUnits="userSpaceOnUse" orient="auto">'
            f'<path d="M 0 0 L 10 5 L 0 10 z" fill="{colour}"/></marker>'
        )
    out.append("</defs>")
    out.append(f'<rect width="{_fmt(w)}" height="{_fmt(h)}" fill="#FFFFFF"/>')
    if lay.title:
        out.append(
            _text(
                _MARGIN,
                _MARGIN,
                lay.title,
                _TITLE_FS,
                _TITLE_LH,
                fill=_INK,
                font_weight="bold",
                class_="lm-title",
            )
        )
    for kind, cx, lines in lay.heads:
        out.append(
            f'<g class="lm-heading" data-kind="{kind}">'
            + _text(
                cx,
                lay.head_top,
                lines,
                _HEAD_FS,
                _HEAD_LH,
                fill=_INK,
                font_weight="bold",
                text_anchor="middle",
            )
            + "</g>"
        )
    return out


def _verdict_key(link: _Link) -> str:
    """The link's verdict as data: one of :data:`ebpm.kpi.verdict.VERDICTS`, or "" when its
    evaluation gave nothing to judge."""
    if not link.evaluated:
        return "not evaluated"
    return link.verdict.key or "" if link.verdict else ""


def _link_svg(link: _Link, lay: _Layout, uid: str, by_id: dict[str, _Node], lang: str) -> str:
    """A link's line with its arrow head, and its sentence as the line's <title>."""
    colour, marker, extra = _link_style(link)
    return (
        f'<g class="lm-link" data-source="{_esc(link.source)}" '
        f'data-target="{_esc(link.target)}" data-link-index="{link.index}" '
        f'data-status="{_esc(link.status.key or "")}" '
        f'data-verdict="{_esc(_verdict_key(link))}" '
        f'data-evaluated="{"yes" if link.evaluated else "no"}" data-route="{link.route}">'
        f"<title>{_esc(_link_sentence(link, by_id, lang))}</title>"
        f'<path d="{lay.paths[link.index]}" stroke="{colour}"{extra} '
        f'marker-end="url(#{uid}-arrow-{marker})"/></g>'
    )
