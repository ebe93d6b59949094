"""A policy logic model drawn as a standalone, accessible SVG, and as a text outline.

A logic model ties a policy's inputs to its activities, outputs, outcomes and impact. This module
draws one for a static report page (no JavaScript, no network, no fonts to fetch) from plain
data, so it does not depend on how the model was loaded::

    nodes = [
        {"id": "tax", "kind": "input", "label": "25-cent tax on each pack (1989)"},
        {"id": "sales", "kind": "short_term_outcome", "label": "Cigarette sales fall",
         "kpis": [{"name": "Packs per capita", "status": "on track"}]},
    ]
    links = [
        {"source": "tax", "target": "sales",
         "evidence": {"label": "Synthetic control", "estimate": -19.6, "low": -30.1,
                      "high": -9.2, "status": "ok"}},
    ]
    svg = logic_model_svg(nodes, links, title="Proposition 99", lang="en")

Layout
------
One column per kind present, in the order of :data:`KINDS` (left to right), headed by the kind's
name. Links that skip columns pass through a reserved slot in every column they cross (the
"dummy node" of layered graph drawing), so no line runs through a box. Within a column, nodes are
ordered by alternating barycentre sweeps, keeping the order with the fewest crossings, then
placed close to the mean height of their neighbours (isotonic regression keeps the order and the
gaps). A link from a later column to an earlier one leaves its source on the left, runs in a lane
below all boxes and enters its target from the left; a link within a column is a bracket in the
gap left of that column. Everything is deterministic: the same input gives the same bytes.

Text width is estimated, not measured (the reader's font is unknown): East Asian wide and
fullwidth characters count as two units (1 em), other characters by class, calibrated on DejaVu
Sans, a wide Latin font, so labels rarely overflow. Labels wrap at spaces and between East Asian
characters, with the basic Japanese line-breaking rules (no line starts with 。 or 」, none ends
with 「).

Colour follows the Okabe–Ito palette (safe for the common colour-vision deficiencies) and never
carries meaning alone: every status is also written out and marked ✓ (ok, on track), ! (warn),
✗ (failed, off track) or – (not evaluated, no data).
"""

from __future__ import annotations

import hashlib
import html
import itertools
import math
import re
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from numbers import Real
from typing import Any

from ebpm._format import decimals_for, fixed
from ebpm._lang import DIAGRAM, Lang, check_lang
from ebpm.errors import DataError, InvalidOptionError, did_you_mean
from ebpm.kpi.model import KINDS, KINDS_JA
from ebpm.report.fonts import FONT_STACK

__all__ = ["KINDS", "STATUSES", "logic_model_svg", "logic_model_text"]


#: The kind names in English; in Japanese they are :data:`ebpm.kpi.model.KINDS_JA`.
_KIND_NAMES: dict[str, dict[str, str]] = {
    "en": {
        "input": "Inputs",
        "activity": "Activities",
        "output": "Outputs",
        "short_term_outcome": "Short-term outcomes",
        "mid_term_outcome": "Mid-term outcomes",
        "long_term_outcome": "Long-term outcomes",
        "impact": "Impact",
    },
    "ja": KINDS_JA,
}

_WORDS = DIAGRAM

#: Known statuses (of a KPI or of a link's evaluation), each with its class and Japanese name.
#: Classes: ``good`` (✓, green), ``warn`` (!, orange), ``bad`` (✗, vermillion), ``none`` (–, grey).
STATUSES: dict[str, tuple[str, str]] = {
    "ok": ("good", "正常"),
    "pass": ("good", "合格"),
    "unchanged": ("good", "変更なし"),
    "on track": ("good", "順調"),
    "warn": ("warn", "注意"),
    "warning": ("warn", "注意"),
    "failed": ("bad", "失敗"),
    "fail": ("bad", "失敗"),
    "error": ("bad", "エラー"),
    "off track": ("bad", "遅れ"),
    "not evaluated": ("none", "未評価"),
    "no data": ("none", "データなし"),
    "pending": ("none", "未実行"),
    "cancelled": ("none", "中止"),
    "blocked": ("none", "保留"),
    "info": ("none", "情報"),
    "before baseline": ("none", "基準時点前"),
}
_STATUS_LOOKUP: dict[str, str] = {
    **{k: k for k in STATUSES},
    **{v[1]: k for k, v in STATUSES.items()},
}

# Okabe–Ito colours (line, tint behind text) and the symbol of each status class.
_STYLE: dict[str, tuple[str, str, str]] = {
    "good": ("#009E73", "#DDF2EB", "✓"),
    "warn": ("#E69F00", "#FCEFD4", "!"),
    "bad": ("#D55E00", "#F9E2D2", "✗"),
    "none": ("#8C8C8C", "#EDEDED", "–"),
}
_PLAIN = "#4D4D4D"  # a link with evidence but no status
_INK = "#1B1B1B"
_MUTED = "#595959"  # 7:1 on white

#: The pages' font stack (:data:`ebpm.report.fonts.FONT_STACK`): readers' Japanese fonts first,
#: then the glyphs embedded in the page.
FONT_FAMILY = FONT_STACK.replace('"', "'")

# Geometry, in px.
_MARGIN = 16.0
_BOX_W = 172.0
_BOX_PAD_X = 10.0
_BOX_PAD_Y = 8.0
_BOX_GAP = 18.0  # between boxes in a column
_DUMMY_H = 10.0  # the slot a long link takes in a column it crosses
_LABEL_FS = 13.0
_LABEL_LH = 17.0
_HEAD_FS = 13.0
_HEAD_LH = 17.0
_TITLE_FS = 16.0
_TITLE_LH = 21.0
_SMALL_FS = 11.0
_SMALL_LH = 15.0
_BADGE_H = 16.0
_BADGE_PAD = 4.0
_EDGE_TEXT_W = 136.0  # widest line of a link's label
_EDGE_PAD = 5.0
_GAP_MIN = 56.0
_GAP_SIDE = 12.0  # between a link label and the columns around it
_CH_OFF = 9.0  # first channel of an upstream link, left of a column
_CH_STEP = 7.0
_LANE_GAP = 14.0
_ARROW = 8.0
_BOLD = 1.12  # bold text is this much wider

_NO_START = frozenset(
    "、。，．,.)）]］｝〕〉》」』】〙〗〟’”｠»ゝゞーァィゥェォッャュョヮヵヶぁぃぅぇぉっゃゅょゎゕゖ"
    "々〻‐゠–〜～？！?!‼⁇⁈⁉・:;：；／…‥%％"
)
_NO_END = frozenset("([（［｛〔〈《「『【〘〖〝‘“｟«")
_INVALID_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


# --- text ------------------------------------------------------------------------------------
def _clean(value: Any) -> str:
    """Caller text as one string: XML-illegal characters replaced, line ends unified."""
    text = _INVALID_XML.sub("\ufffd", str(value))
    return text.replace("\r\n", "\n").replace("\r", "\n").replace("\t", " ")


def _esc(text: str) -> str:
    return html.escape(_clean(text), quote=True)


def _is_wide(ch: str) -> bool:
    return unicodedata.east_asian_width(ch) in ("W", "F")


def _char_em(ch: str) -> float:
    """Estimated advance of one character, in em (a wide character is two units of 0.5 em)."""
    if unicodedata.combining(ch) or unicodedata.category(ch) in ("Mn", "Me", "Cf"):
        return 0.0
    if _is_wide(ch):
        return 1.0
    if ch == " ":
        em = 0.33
    elif ch in "iljtfrI.,:;!|'`()[]":
        em = 0.38
    elif ch in "mwMW@%&—":
        em = 0.95
    elif ch in "−+=<>~±×÷✓✗":
        em = 0.86
    elif ch.isupper():
        em = 0.7
    elif ch.isdigit():
        em = 0.65
    else:
        em = 0.59
    return em * 1.06  # 6% to spare in DejaVu Sans, a wide fallback font


def _em(text: str) -> float:
    return sum(_char_em(c) for c in text)


def _text_width(text: str, size: float, *, bold: bool = False) -> float:
    return _em(text) * size * (_BOLD if bold else 1.0)


def _tokens(paragraph: str) -> list[str]:
    """Split at spaces (kept as " ") and around every East Asian wide character."""
    out: list[str] = []
    word = ""
    for ch in paragraph:
        if ch.isspace():
            if word:
                out.append(word)
                word = ""
            if out and out[-1] != " ":
                out.append(" ")
        elif _char_em(ch) == 0.0 and not word and out and out[-1] != " ":
            out[-1] += ch  # a combining mark stays with its base
        elif _is_wide(ch):
            if word:
                out.append(word)
                word = ""
            out.append(ch)
        elif ch in "-/_" and len(word) > 1:  # break after a hyphen, slash or underscore
            out.append(word + ch)
            word = ""
        else:
            word += ch
    if word:
        out.append(word)
    while out and out[-1] == " ":
        out.pop()
    return out


def _wrap(text: str, width: float, size: float, *, bold: bool = False, first: float | None = None):
    """Wrap ``text`` into lines no wider than ``width`` px (``first`` px for the first line).

    Breaks at spaces, after hyphens, slashes and underscores (task names) and between East
    Asian characters; a word wider than a line
    is cut. A closing mark (、。」…) hangs at the end of a line rather than start the next one,
    an opening mark (「（…) moves to the next line with what follows it, and a lone East Asian
    character does not make a last line of its own.
    """
    scale = size * (_BOLD if bold else 1.0)
    done: list[list[str]] = []  # lines as tokens (" " between words)

    def limit() -> float:
        return (first if first is not None and not done else width) / scale

    def em(line: list[str]) -> float:
        return _em("".join(line))

    line: list[str] = []

    def place(tok: str) -> None:
        nonlocal line
        if em(line) + _em(tok) <= limit():
            line.append(tok)
            return
        for ch in tok:  # cut a word wider than the line
            if "".join(line).strip() and em(line) + _char_em(ch) > limit():
                done.append(line)
                line = []
            line.append(ch)

    for paragraph in _clean(text).split("\n"):
        start = len(done)
        line = []
        for tok in _tokens(paragraph):
            if tok == " ":
                if line:
                    line.append(" ")
                continue
            fits = em(line) + _em(tok) <= limit()
            opening = all(t[-1] in _NO_END for t in line if t != " ")  # blank, or only 「
            if fits or opening:
                place(tok)
                continue
            while line and line[-1] == " ":
                line.pop()
            if tok[0] in _NO_START and _em(tok) <= 1.0:
                line.append(tok)  # hangs past the edge, into the padding
                continue
            carry: list[str] = []
            if len(line) > 1 and line[-1][-1] in _NO_END:
                carry = [line.pop()]
            done.append(line)
            line = carry
            place(tok)
        done.append(line)
        last = [t for t in done[-1] if t != " "]
        if len(done) - start > 1 and len(last) == 1 and _is_wide(last[0][0]):
            prev = done[-2]  # a widow: bring a character (two if needed) down with it
            moved: list[str] = []
            while len(prev) > 2 and _is_wide(prev[-1][0]) and (not moved or moved[0] in _NO_START):
                moved.insert(0, prev.pop())
            if moved and moved[0] not in _NO_START:
                done[-1] = moved + done[-1]
            else:
                prev.extend(moved)
    return ["".join(line).rstrip() for line in done]


def _number(x: float, decimals: int) -> str:
    return fixed(x, decimals, thousands=True, minus=True)


def _estimate_text(ev: Mapping[str, Any]) -> str | None:
    """``−19.6 [−30.1, −9.2]`` (None when there is neither estimate nor interval)."""
    est, low, high = ev.get("estimate"), ev.get("low"), ev.get("high")
    if est is None and low is None and high is None:
        return None
    d = decimals_for(est, low, high)
    head = "–" if est is None else _number(est, d)
    if low is None and high is None:
        return head
    lo = "–" if low is None else _number(low, d)
    hi = "–" if high is None else _number(high, d)
    return f"{head} [{lo}, {hi}]"


def _fmt(v: float) -> str:
    text = f"{v:.1f}"
    text = text.rstrip("0").rstrip(".") if "." in text else text
    return "0" if text in ("-0", "") else text


# --- input -----------------------------------------------------------------------------------
@dataclass
class _Status:
    key: str | None  # canonical English status, None when none was given
    cls: str  # good | warn | bad | none | plain
    text: str  # as shown, in the diagram's language

    @property
    def colour(self) -> str:
        return _PLAIN if self.cls == "plain" else _STYLE[self.cls][0]

    @property
    def tint(self) -> str:
        return "#FFFFFF" if self.cls == "plain" else _STYLE[self.cls][1]

    @property
    def symbol(self) -> str:
        return "" if self.cls == "plain" else _STYLE[self.cls][2]


@dataclass
class _Kpi:
    name: str
    status: _Status
    badge: str  # "✓ on track"
    badge_w: float
    lines: list[str]  # the name, wrapped after the badge


@dataclass
class _Node:
    id: str
    kind: str
    label: str
    kpis: list[_Kpi]
    col: int = 0
    lines: list[str] = field(default_factory=list)
    h: float = 0.0
    x: float = 0.0
    top: float = 0.0


@dataclass
class _Link:
    index: int
    source: str
    target: str
    label: str | None  # the evaluation's label
    numbers: str | None  # "−19.6 [−30.1, −9.2]"
    evidence: dict[str, float | None] | None
    status: _Status
    route: str = "forward"  # forward | back | same
    rows: list[tuple[str, str]] = field(default_factory=list)  # (style, text)
    w: float = 0.0
    h: float = 0.0

    @property
    def evaluated(self) -> bool:
        return self.evidence is not None and self.status.key != "not evaluated"


def _status(value: Any, lang: str, where: str) -> _Status:
    words = _WORDS[lang]
    if value is None:
        return _Status(None, "none", words["no_data"])
    text = " ".join(_clean(value).replace("_", " ").replace("-", " ").split())
    key = _STATUS_LOOKUP.get(text) or _STATUS_LOOKUP.get(text.lower())
    if key is None:
        raise InvalidOptionError(
            f"{where} has status {value!r}, which is not a known status."
            f"{did_you_mean(text, STATUSES)} Use one of: {', '.join(STATUSES)} (or None)."
        )
    cls, ja = STATUSES[key]
    return _Status(key, cls, ja if lang == "ja" else key)


def _get(item: Mapping[str, Any], key: str, lang: str) -> Any:
    """``item[key]``, or ``item[key + "_ja"]`` when drawing in Japanese and it is set."""
    if lang == "ja" and item.get(f"{key}_ja") not in (None, ""):
        return item[f"{key}_ja"]
    return item.get(key)


_EXAMPLES = {
    "node": "{'id': 'tax', 'kind': 'input', 'label': 'Tobacco tax'}",
    "KPI": "{'name': 'Packs per capita', 'status': 'on track'}",
    "link": "{'source': 'tax', 'target': 'sales', 'evidence': None}",
    "the": "{'label': 'Synthetic control', 'estimate': -19.6, 'low': -30.1, 'high': -9.2, "
    "'status': 'ok'}",
}


def _mapping(item: Any, what: str) -> Mapping[str, Any]:
    if not isinstance(item, Mapping):
        example = _EXAMPLES[what.split()[0]]
        raise DataError(f"{what} is {item!r}, not a mapping; pass a dict such as {example}.")
    return item


def _real(value: Any, what: str) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, Real):
        raise DataError(f"{what} is {value!r}, not a number; pass a float (or None when missing).")
    v = float(value)
    return v if math.isfinite(v) else None


def _read(
    nodes: Sequence[Mapping[str, Any]], links: Sequence[Mapping[str, Any]], lang: str
) -> tuple[list[_Node], list[_Link]]:
    """Check and normalise the caller's nodes and links."""
    if isinstance(nodes, (str, bytes, Mapping)) or not isinstance(nodes, Sequence):
        raise DataError(f"nodes is {type(nodes).__name__}; pass a list of node mappings.")
    if isinstance(links, (str, bytes, Mapping)) or not isinstance(links, Sequence):
        raise DataError(f"links is {type(links).__name__}; pass a list of link mappings.")
    if not nodes:
        raise DataError("nodes is empty: a logic model needs at least one node to draw.")
    out: dict[str, _Node] = {}
    for i, raw in enumerate(nodes):
        item = _mapping(raw, f"node {i}")
        if item.get("id") in (None, ""):
            raise DataError(f"node {i} ({dict(item)!r}) has no 'id'; give every node an id.")
        node_id = _clean(item["id"])
        if node_id in out:
            raise DataError(
                f"node id {node_id!r} is used twice (nodes {list(out).index(node_id)}"
                f" and {i}); node ids must be unique."
            )
        kind = item.get("kind")
        if kind not in KINDS:
            raise InvalidOptionError(
                f"node {node_id!r} has kind {kind!r}, which is not a logic-model kind."
                f"{did_you_mean(str(kind), KINDS)} Use one of: {', '.join(KINDS)}."
            )
        label = _get(item, "label", lang)
        kpis = item.get("kpis") or []
        if isinstance(kpis, (str, bytes, Mapping)) or not isinstance(kpis, Sequence):
            raise DataError(
                f"node {node_id!r} has kpis={kpis!r}; pass a list of {{'name', 'status'}}."
            )
        read_kpis = []
        for j, raw_kpi in enumerate(kpis):
            kpi = _mapping(raw_kpi, f"KPI {j} of node {node_id!r}")
            name = _get(kpi, "name", lang)
            if name in (None, ""):
                raise DataError(
                    f"KPI {j} of node {node_id!r} has no 'name'; give every KPI a name."
                )
            st = _status(kpi.get("status"), lang, f"KPI {_clean(name)!r} of node {node_id!r}")
            badge = f"{st.symbol} {st.text}"
            read_kpis.append(_Kpi(_clean(name), st, badge, 0.0, []))
        out[node_id] = _Node(
            node_id, kind, _clean(node_id if label in (None, "") else label), read_kpis
        )
    read_links = []
    for i, raw in enumerate(links):
        item = _mapping(raw, f"link {i}")
        ends = []
        for key, alias in (("source", "from"), ("target", "to")):
            end = item.get(key, item.get(alias))
            if end is None:
                raise DataError(
                    f"link {i} ({dict(item)!r}) has no {key!r}; give every link a "
                    "source and a target node id."
                )
            end = _clean(end)
            if end not in out:
                raise InvalidOptionError(
                    f"link {i} names {key} {end!r}, which is not a node.{did_you_mean(end, out)}"
                    f" Node ids: {', '.join(out)}. Add the node or fix the link."
                )
            ends.append(end)
        source, target = ends
        if source == target:
            raise DataError(
                f"link {i} goes from {source!r} to itself; a logic-model link joins "
                "two different nodes."
            )
        ev_raw = item.get("evidence")
        where = f"link {i} ({source!r} → {target!r})"
        if ev_raw is None:
            read_links.append(
                _Link(
                    i,
                    source,
                    target,
                    None,
                    None,
                    None,
                    _Status("not evaluated", "none", _WORDS[lang]["not_evaluated"]),
                )
            )
            continue
        ev = _mapping(ev_raw, f"the evidence of {where}")
        numbers = {k: _real(ev.get(k), f"the {k} of {where}") for k in ("estimate", "low", "high")}
        st = (
            _Status(None, "plain", "")
            if ev.get("status") is None
            else _status(ev["status"], lang, f"the evidence of {where}")
        )
        label = _get(ev, "label", lang)
        if label in (None, "") and ev.get("task") not in (None, ""):  # a model's {pipeline, task}
            label = " / ".join(_clean(ev[k]) for k in ("pipeline", "task") if ev.get(k))
        read_links.append(
            _Link(
                i,
                source,
                target,
                None if label in (None, "") else _clean(label),
                _estimate_text(numbers),
                numbers,
                st,
            )
        )
    return list(out.values()), read_links


# --- layout ----------------------------------------------------------------------------------
def _pack(desired: list[float], sizes: list[float], gap: float, low: float | None = None):
    """Centres as close as possible (least squares) to ``desired``, in order, ``gap`` apart.

    Pool-adjacent-violators on the centres minus their cumulative offsets; ``low`` is the
    smallest top edge allowed.
    """
    n = len(desired)
    if not n:
        return []
    offsets = [0.0]
    for i in range(1, n):
        offsets.append(offsets[-1] + (sizes[i - 1] + sizes[i]) / 2 + gap)
    blocks: list[list[float]] = []  # [sum, count]
    for d, o in zip(desired, offsets, strict=True):
        blocks.append([d - o, 1.0])
        while len(blocks) > 1 and blocks[-2][0] / blocks[-2][1] > blocks[-1][0] / blocks[-1][1]:
            s, c = blocks.pop()
            blocks[-1][0] += s
            blocks[-1][1] += c
    q: list[float] = []
    for s, c in blocks:
        q.extend([s / c] * int(c))
    centres = [qi + o for qi, o in zip(q, offsets, strict=True)]
    if low is not None and centres[0] - sizes[0] / 2 < low:
        shift = low - (centres[0] - sizes[0] / 2)
        centres = [c + shift for c in centres]
    return centres


def _crossings(cols: list[list[Any]], down: dict[Any, list[Any]]) -> int:
    pos = {s: i for col in cols for i, s in enumerate(col)}
    total = 0
    for col in cols[:-1]:
        pairs = [(pos[a], pos[b]) for a in col for b in down[a]]
        for i, (a1, b1) in enumerate(pairs):
            for a2, b2 in pairs[i + 1 :]:
                total += (a1 - a2) * (b1 - b2) < 0
    return total


def _order(cols: list[list[Any]], up: dict[Any, list[Any]], down: dict[Any, list[Any]]):
    """Barycentre sweeps (down, then up, ...); the order with the fewest crossings wins."""
    best, best_x = [list(c) for c in cols], _crossings(cols, down)
    cur = [list(c) for c in cols]
    for sweep in range(8):
        pos = {s: i for col in cur for i, s in enumerate(col)}
        rng = range(1, len(cur)) if sweep % 2 == 0 else range(len(cur) - 2, -1, -1)
        nbrs = up if sweep % 2 == 0 else down
        for c in rng:
            keys = {}
            for i, s in enumerate(cur[c]):
                ns = nbrs[s]
                keys[s] = (sum(pos[n] for n in ns) / len(ns) if ns else float(i), i)
            cur[c].sort(key=keys.__getitem__)
            pos.update({s: i for i, s in enumerate(cur[c])})
        x = _crossings(cur, down)
        if x < best_x:
            best, best_x = [list(c) for c in cur], x
    return best


@dataclass
class _Layout:
    width: float
    height: float
    heads: list[tuple[str, float, list[str]]]  # kind, x centre, lines
    head_top: float
    title: list[str]
    paths: dict[int, str]  # link index -> path d
    labels: dict[int, tuple[float, float]]  # link index -> label box (x, y) top-left
    anchors: dict[int, tuple[float, float]]  # link index -> point of its line the label names


def _measure(nodes: list[_Node], links: list[_Link], lang: str) -> None:
    """Wrap every text and size every box and link label."""
    inner = _BOX_W - 2 * _BOX_PAD_X
    for n in nodes:
        n.lines = _wrap(n.label, inner, _LABEL_FS)
        h = 2 * _BOX_PAD_Y + len(n.lines) * _LABEL_LH
        for k in n.kpis:
            k.badge_w = _text_width(k.badge, _SMALL_FS) + 2 * _BADGE_PAD
            k.lines = _wrap(k.name, inner, _SMALL_FS, first=inner - k.badge_w - 4)
            h += len(k.lines) * _SMALL_LH + 3
        n.h = h + (6 if n.kpis else 0)
    words = _WORDS[lang]
    for link in links:
        rows: list[tuple[str, str]] = []
        if link.label:
            rows += [("bold", s) for s in _wrap(link.label, _EDGE_TEXT_W, _SMALL_FS, bold=True)]
        if not link.evaluated:
            rows.append(("badge", f"– {words['not_evaluated']}"))
        else:
            if link.numbers and _text_width(link.numbers, _SMALL_FS) > _EDGE_TEXT_W:
                head, _, interval = link.numbers.partition(" [")  # the interval on its own line
                rows += [("number", head), ("number", f"[{interval}")]
            elif link.numbers:
                rows.append(("number", link.numbers))
            if link.status.cls != "plain":
                rows.append(("badge", f"{link.status.symbol} {link.status.text}"))
        link.rows = rows
        if not rows:  # evidence with nothing to show: no label
            continue
        widths = [
            _text_width(t, _SMALL_FS, bold=s == "bold") + (2 * _BADGE_PAD if s == "badge" else 0)
            for s, t in rows
        ]
        link.w = max(widths) + 2 * _EDGE_PAD
        link.h = len(rows) * _SMALL_LH + 2 * _EDGE_PAD


def _bezier(x1: float, y1: float, x2: float, y2: float) -> str:
    dx = (x2 - x1) / 2
    return f"C {_fmt(x1 + dx)} {_fmt(y1)} {_fmt(x2 - dx)} {_fmt(y2)} {_fmt(x2)} {_fmt(y2)}"


_Slot = tuple[Any, ...]  # ("n", node id) or ("d", link index, column) where a link crosses one


def _slots(
    nodes: list[_Node], links: list[_Link], ncol: int
) -> tuple[
    list[list[_Slot]], dict[_Slot, list[_Slot]], dict[_Slot, list[_Slot]], dict[int, list[_Slot]]
]:
    """Columns of slots, ordered, with each slot's neighbours up and down the chain.

    Sets each link's route; a forward link's chain of slots goes from its source to its target
    through one slot in every column it crosses.
    """
    by_id = {n.id: n for n in nodes}
    cols: list[list[_Slot]] = [[("n", n.id) for n in nodes if n.col == c] for c in range(ncol)]
    up: dict[_Slot, list[_Slot]] = {s: [] for col in cols for s in col}
    down: dict[_Slot, list[_Slot]] = {s: [] for col in cols for s in col}
    chains: dict[int, list[_Slot]] = {}
    for link in links:
        s, t = by_id[link.source].col, by_id[link.target].col
        link.route = "back" if t < s else "same" if t == s else "forward"
        if link.route != "forward":
            continue
        chain: list[_Slot] = [("n", link.source)]
        for c in range(s + 1, t):
            d = ("d", link.index, c)
            cols[c].append(d)
            up[d], down[d] = [], []
            chain.append(d)
        chain.append(("n", link.target))
        for a, b in itertools.pairwise(chain):
            down[a].append(b)
            up[b].append(a)
        chains[link.index] = chain
    return _order(cols, up, down), up, down, chains


def _heights(
    cols: list[list[_Slot]],
    up: dict[_Slot, list[_Slot]],
    down: dict[_Slot, list[_Slot]],
    size: Callable[[_Slot], float],
) -> dict[_Slot, float]:
    """Centre of each slot: stacked, then pulled towards the mean height of its neighbours."""
    centre: dict[_Slot, float] = {}
    tallest = max(sum(size(s) + _BOX_GAP for s in col) for col in cols)
    for col in cols:  # each stack centred on the tallest one
        y = (tallest - sum(size(s) + _BOX_GAP for s in col)) / 2
        for s in col:
            centre[s] = y + size(s) / 2
            y += size(s) + _BOX_GAP
    for sweep in range(6):
        for c in range(len(cols)) if sweep % 2 == 0 else range(len(cols) - 1, -1, -1):
            want = []
            for s in cols[c]:
                ns = up[s] + down[s]
                want.append(sum(centre[n] for n in ns) / len(ns) if ns else centre[s])
            placed = _pack(want, [size(s) for s in cols[c]], _BOX_GAP)
            centre.update(zip(cols[c], placed, strict=True))
    return centre


def _layout(nodes: list[_Node], links: list[_Link], lang: str, title: str | None) -> _Layout:
    """Place every box, route every link, place every label."""
    by_id = {n.id: n for n in nodes}
    kinds = [k for k in KINDS if any(n.kind == k for n in nodes)]
    col_of = {k: i for i, k in enumerate(kinds)}
    for n in nodes:
        n.col = col_of[n.kind]
    ncol = len(kinds)
    cols, up, down, chains = _slots(nodes, links, ncol)

    def size(s: _Slot) -> float:
        return by_id[s[1]].h if s[0] == "n" else _DUMMY_H

    centre = _heights(cols, up, down, size)

    # Horizontal: a gap left of each column holds the labels of links entering it and the
    # vertical channels of upstream links.
    channels: list[list[int]] = [[] for _ in range(ncol)]
    gap_labels: list[list[_Link]] = [[] for _ in range(ncol)]
    for link in links:
        s_col, t_col = by_id[link.source].col, by_id[link.target].col
        if link.route == "forward":
            if link.rows:
                gap_labels[s_col + 1].append(link)
        else:
            channels[s_col].append(link.index)
            if link.route == "back":
                channels[t_col].append(link.index)
            elif link.rows:
                gap_labels[s_col].append(link)
    chan_w = [(_CH_OFF + _CH_STEP * len(ch)) if ch else 0.0 for ch in channels]
    label_w = [max((lk.w for lk in g), default=0.0) for g in gap_labels]
    col_x: list[float] = []
    label_cx: list[float] = []
    x = _MARGIN
    for c in range(ncol):
        room = label_w[c] + 2 * _GAP_SIDE if label_w[c] else 0.0
        gap = chan_w[c] + (max(_GAP_MIN, room) if c else room)
        label_cx.append(x + (gap - chan_w[c]) / 2)
        x += gap
        col_x.append(x)
        x += _BOX_W
    width = x + _MARGIN

    # Vertical: title, headings, then the boxes.
    y = _MARGIN
    title_lines = _wrap(title, width - 2 * _MARGIN, _TITLE_FS, bold=True) if title else []
    y += len(title_lines) * _TITLE_LH + (8 if title_lines else 0)
    names = _KIND_NAMES[lang]
    heads = [
        (k, col_x[c] + _BOX_W / 2, _wrap(names[k], _BOX_W, _HEAD_FS, bold=True))
        for c, k in enumerate(kinds)
    ]
    head_top = y
    y += max(len(h[2]) for h in heads) * _HEAD_LH + 10
    top = min(centre[s] - size(s) / 2 for col in cols for s in col)
    for s in centre:
        centre[s] += y - top
    for n in nodes:
        n.x = col_x[n.col]
        n.top = centre[("n", n.id)] - n.h / 2
    boxes_top = y

    # Ports: where each link meets a box, spread along the side, ordered by where it goes.
    far = 1e9
    right: dict[str, list[tuple[float, int, Any]]] = {n.id: [] for n in nodes}
    left: dict[str, list[tuple[float, int, Any]]] = {n.id: [] for n in nodes}
    for link in links:
        if link.route == "forward":
            chain = chains[link.index]
            right[link.source].append((centre[chain[1]], link.index, "out"))
            left[link.target].append((centre[chain[-2]], link.index, "in"))
        elif link.route == "same":
            src, tgt = centre[("n", link.source)], centre[("n", link.target)]
            left[link.source].append((tgt, link.index, "out"))
            left[link.target].append((src, link.index, "in"))
        else:
            left[link.source].append((far + link.index, link.index, "out"))
            left[link.target].append((far + link.index, link.index, "in"))
    port: dict[tuple[int, str], float] = {}
    for side in (right, left):
        for node_id, entries in side.items():
            n = by_id[node_id]
            entries.sort()
            for k, (_, idx, role) in enumerate(entries):
                port[(idx, role)] = n.top + n.h * (k + 1) / (len(entries) + 1)

    paths: dict[int, str] = {}
    anchors: dict[int, tuple[float, float]] = {}
    for link in links:
        if link.route != "forward":
            continue
        chain = chains[link.index]
        pts: list[tuple[float, float, float]] = []  # x in, x out, y
        for i, s in enumerate(chain):
            c = by_id[s[1]].col if s[0] == "n" else s[2]
            if i == 0:
                yy = port[(link.index, "out")]
            elif i == len(chain) - 1:
                yy = port[(link.index, "in")]
            else:
                yy = centre[s]
            pts.append((col_x[c], col_x[c] + _BOX_W, yy))
        d = [f"M {_fmt(pts[0][1])} {_fmt(pts[0][2])}"]
        for i, ((_, xo, y0), (xi, xo2, y1)) in enumerate(itertools.pairwise(pts), 2):
            d.append(_bezier(xo, y0, xi, y1))
            if i < len(pts):  # through a column the link crosses
                d.append(f"H {_fmt(xo2)}")
        paths[link.index] = " ".join(d)
        anchors[link.index] = ((pts[0][1] + pts[1][0]) / 2, (pts[0][2] + pts[1][2]) / 2)

    # Channels of upstream links, then the lanes below everything.
    chan_x: dict[tuple[int, int], float] = {}
    for c, ch in enumerate(channels):
        for k, idx in enumerate(ch):
            chan_x.setdefault((idx, c), col_x[c] - _CH_OFF - _CH_STEP * k)
    labels: dict[int, tuple[float, float]] = {}
    by_index = {lk.index: lk for lk in links}
    bottom = max(centre[s] + size(s) / 2 for s in centre)
    for c, group in enumerate(gap_labels):
        want = []
        for link in group:
            if link.route == "same":
                a = port[(link.index, "out")]
                b = port[(link.index, "in")]
                anchors[link.index] = (chan_x[(link.index, c)], (a + b) / 2)
            want.append(anchors[link.index][1])
        order = sorted(range(len(group)), key=lambda i: (want[i], group[i].index))
        placed = _pack([want[i] for i in order], [group[i].h for i in order], 6.0, boxes_top)
        for i, cy in zip(order, placed, strict=True):
            link = group[i]
            labels[link.index] = (label_cx[c] - link.w / 2, cy - link.h / 2)
            bottom = max(bottom, cy + link.h / 2)
    r = 6.0
    for link in links:
        if link.route != "same":
            continue
        c = by_id[link.source].col
        cx, sy, ty = chan_x[(link.index, c)], port[(link.index, "out")], port[(link.index, "in")]
        sgn = 1 if ty > sy else -1
        rr = min(r, abs(ty - sy) / 2)
        paths[link.index] = (
            f"M {_fmt(col_x[c])} {_fmt(sy)} H {_fmt(cx + rr)} "
            f"Q {_fmt(cx)} {_fmt(sy)} {_fmt(cx)} {_fmt(sy + sgn * rr)} V {_fmt(ty - sgn * rr)} "
            f"Q {_fmt(cx)} {_fmt(ty)} {_fmt(cx + rr)} {_fmt(ty)} H {_fmt(col_x[c])}"
        )
    back = sorted(
        (lk for lk in links if lk.route == "back"),
        key=lambda lk: (by_id[lk.source].col - by_id[lk.target].col, lk.index),
    )
    lane_y = bottom + _LANE_GAP
    for link in back:
        s_col, t_col = by_id[link.source].col, by_id[link.target].col
        cs, ct = chan_x[(link.index, s_col)], chan_x[(link.index, t_col)]
        sy, ty = port[(link.index, "out")], port[(link.index, "in")]
        ly = lane_y + link.h / 2
        paths[link.index] = (
            f"M {_fmt(col_x[s_col])} {_fmt(sy)} H {_fmt(cs + r)} "
            f"Q {_fmt(cs)} {_fmt(sy)} {_fmt(cs)} {_fmt(sy + r)} V {_fmt(ly - r)} "
            f"Q {_fmt(cs)} {_fmt(ly)} {_fmt(cs - r)} {_fmt(ly)} H {_fmt(ct + r)} "
            f"Q {_fmt(ct)} {_fmt(ly)} {_fmt(ct)} {_fmt(ly - r)} V {_fmt(ty + r)} "
            f"Q {_fmt(ct)} {_fmt(ty)} {_fmt(ct + r)} {_fmt(ty)} H {_fmt(col_x[t_col])}"
        )
        mid = (cs + ct) / 2
        anchors[link.index] = (mid, ly)
        if link.rows:  # on its lane, kept inside the drawing
            labels[link.index] = (max(_MARGIN / 2, mid - link.w / 2), lane_y)
        lane_y += max(link.h, 2 * r) + 8
    height = max(bottom, lane_y - (8 if back else 0)) + _MARGIN
    width = max([width, *(x + by_index[i].w + _MARGIN / 2 for i, (x, _) in labels.items())])
    return _Layout(width, height, heads, head_top, title_lines, paths, labels, anchors)


# --- drawing ---------------------------------------------------------------------------------
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
    cls = link.status.cls
    return link.status.colour, cls, ' stroke-width="2"'


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
        if style == "badge":
            st = link.status if link.evaluated else _Status("not evaluated", "none", "")
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
        parts.append(link.label)
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
        if link.status.cls != "plain":
            parts.append(w["status"].format(status=link.status.text))
    tail = f"{w['colon']}{w['sep'].join(parts)}" if parts else ""
    return f"{w['link']} {link.index + 1}{w['colon']}{head}{tail}{w['stop']}"


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
        ``{"label", "estimate", "low", "high", "status"}`` where the numbers are floats or None
        and ``label`` names the evaluation (``label_ja`` as for nodes; without a label,
        ``"pipeline / task"`` when those keys are given, as in ``LogicModel.to_dict()``).
        Evidence with status "not evaluated" is drawn as not evaluated.
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
        (``data-status``, ``data-evaluated`` and ``data-link-index`` too; the link's label is a
        ``<g class="lm-link-label">`` with the same ``data-link-index``).

    Raises
    ------
    InvalidOptionError
        A node's kind, a link's node id, a status or ``lang`` is not one of the valid values.
    DataError
        A node or link is malformed: no id, a duplicate id, a link from a node to itself, a
        non-numeric estimate.

    Notes
    -----
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
    out.append('<g class="lm-links" fill="none">')
    for link in link_list:
        colour, marker, extra = _link_style(link)
        out.append(
            f'<g class="lm-link" data-source="{_esc(link.source)}" '
            f'data-target="{_esc(link.target)}" data-link-index="{link.index}" '
            f'data-status="{_esc(link.status.key or "")}" '
            f'data-evaluated="{"yes" if link.evaluated else "no"}" data-route="{link.route}">'
            f"<title>{_esc(_link_sentence(link, by_id, lang))}</title>"
            f'<path d="{lay.paths[link.index]}" stroke="{colour}"{extra} '
            f'marker-end="url(#{uid}-arrow-{marker})"/></g>'
        )
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
            f'<g class="lm-link-label" data-link-index="{link.index}">'
            + _label_svg(link, x, y, lay.anchors[link.index])
            + "</g>"
        )
    out.append("</g></svg>")
    return "".join(out)


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
            bits = [_md(link.label)] if link.label else []
            if link.numbers:
                bits.append(link.numbers)
            if link.status.cls != "plain":
                bits.append(f"{link.status.symbol} {link.status.text}")
            tail = w["sep"].join(bits) if bits else "–"
        out.append(f"- {head}{w['colon']}{tail}")
    return "\n".join(out).rstrip() + "\n"
