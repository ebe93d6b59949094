"""Where everything goes: columns of boxes by kind, links routed around them, labels placed
(the "Layout" section of :mod:`ebpm.kpi.diagram`)."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ebpm.kpi.diagram._input import _Link, _Node
from ebpm.kpi.diagram._style import (
    _BADGE_PAD,
    _BOX_GAP,
    _BOX_PAD_X,
    _BOX_PAD_Y,
    _BOX_W,
    _CH_OFF,
    _CH_STEP,
    _DUMMY_H,
    _EDGE_PAD,
    _EDGE_TEXT_W,
    _GAP_MIN,
    _GAP_SIDE,
    _HEAD_FS,
    _HEAD_LH,
    _KIND_NAMES,
    _LABEL_FS,
    _LABEL_LH,
    _LANE_GAP,
    _MARGIN,
    _SMALL_FS,
    _SMALL_LH,
    _TITLE_FS,
    _TITLE_LH,
    _WORDS,
)
from ebpm.kpi.diagram._text import _fmt, _text_width, _wrap
from ebpm.kpi.model import KINDS


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
            if link.verdict is not None:
                graded = f" (SMS {link.grade})" if link.grade is not None else ""
                rows.append(("verdict", f"{link.verdict.symbol} {link.verdict.text}{graded}"))
            if link.status.cls not in ("plain", "good"):
                # a warning (or a failure) beside the verdict; a status "✓ ok" is left out:
                # next to an interval that includes 0 it would read as "supported"
                rows.append(("badge", f"{link.status.symbol} {link.status.text}"))
        link.rows = rows
        if not rows:  # evidence with nothing to show: no label
            continue
        widths = [
            _text_width(t, _SMALL_FS, bold=s == "bold")
            + (2 * _BADGE_PAD if s in ("badge", "verdict") else 0)
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


_Port = tuple[int, str]  # (link index, "out" at its source or "in" at its target)
_CORNER = 6.0  # radius of the corners of a link routed through a channel


@dataclass
class _Grid:
    """The columns of a layout as it is built: slots, their heights, then x positions."""

    by_id: dict[str, _Node]
    kinds: list[str]  # the kinds present, one column each
    cols: list[list[_Slot]]
    chains: dict[int, list[_Slot]]  # a forward link's slots, source to target
    centre: dict[_Slot, float] = field(default_factory=dict)
    channels: list[list[int]] = field(default_factory=list)  # upstream links left of a column
    gap_labels: list[list[_Link]] = field(default_factory=list)  # labels left of a column
    col_x: list[float] = field(default_factory=list)
    label_cx: list[float] = field(default_factory=list)  # centre of each gap's labels

    def size(self, s: _Slot) -> float:
        return self.by_id[s[1]].h if s[0] == "n" else _DUMMY_H

    def col(self, node_id: str) -> int:
        return self.by_id[node_id].col


def _layout(nodes: list[_Node], links: list[_Link], lang: str, title: str | None) -> _Layout:
    """Place every box, route every link, place every label."""
    grid = _columns(nodes, links)
    width = _horizontal(grid, links)
    title_lines, heads, head_top, boxes_top = _vertical(grid, nodes, lang, title, width)
    port = _ports(grid, nodes, links)
    paths, anchors = _forward_paths(grid, links, port)
    chan_x = _channel_x(grid)
    labels, bottom = _place_gap_labels(grid, port, chan_x, anchors, boxes_top)
    paths.update(_same_paths(grid, links, port, chan_x))
    height = _route_back(grid, links, port, chan_x, bottom, paths, anchors, labels) + _MARGIN
    by_index = {lk.index: lk for lk in links}
    width = max([width, *(x + by_index[i].w + _MARGIN / 2 for i, (x, _) in labels.items())])
    return _Layout(width, height, heads, head_top, title_lines, paths, labels, anchors)


def _columns(nodes: list[_Node], links: list[_Link]) -> _Grid:
    """One column per kind present; slots ordered and placed at their heights."""
    by_id = {n.id: n for n in nodes}
    kinds = [k for k in KINDS if any(n.kind == k for n in nodes)]
    col_of = {k: i for i, k in enumerate(kinds)}
    for n in nodes:
        n.col = col_of[n.kind]
    cols, up, down, chains = _slots(nodes, links, len(kinds))
    grid = _Grid(by_id, kinds, cols, chains)
    grid.centre = _heights(cols, up, down, grid.size)
    return grid


def _horizontal(grid: _Grid, links: list[_Link]) -> float:
    """Each column's x; the drawing's width.

    A gap left of each column holds the labels of links entering it and the vertical channels
    of upstream links.
    """
    ncol = len(grid.kinds)
    grid.channels = [[] for _ in range(ncol)]
    grid.gap_labels = [[] for _ in range(ncol)]
    for link in links:
        s_col, t_col = grid.col(link.source), grid.col(link.target)
        if link.route == "forward":
            if link.rows:
                grid.gap_labels[s_col + 1].append(link)
        else:
            grid.channels[s_col].append(link.index)
            if link.route == "back":
                grid.channels[t_col].append(link.index)
            elif link.rows:
                grid.gap_labels[s_col].append(link)
    chan_w = [(_CH_OFF + _CH_STEP * len(ch)) if ch else 0.0 for ch in grid.channels]
    label_w = [max((lk.w for lk in g), default=0.0) for g in grid.gap_labels]
    x = _MARGIN
    for c in range(ncol):
        room = label_w[c] + 2 * _GAP_SIDE if label_w[c] else 0.0
        gap = chan_w[c] + (max(_GAP_MIN, room) if c else room)
        grid.label_cx.append(x + (gap - chan_w[c]) / 2)
        x += gap
        grid.col_x.append(x)
        x += _BOX_W
    return x + _MARGIN


def _vertical(
    grid: _Grid, nodes: list[_Node], lang: str, title: str | None, width: float
) -> tuple[list[str], list[tuple[str, float, list[str]]], float, float]:
    """Title, headings, then the boxes: (title lines, headings, their top, the boxes' top)."""
    y = _MARGIN
    title_lines = _wrap(title, width - 2 * _MARGIN, _TITLE_FS, bold=True) if title else []
    y += len(title_lines) * _TITLE_LH + (8 if title_lines else 0)
    names = _KIND_NAMES[lang]
    heads = [
        (k, grid.col_x[c] + _BOX_W / 2, _wrap(names[k], _BOX_W, _HEAD_FS, bold=True))
        for c, k in enumerate(grid.kinds)
    ]
    head_top = y
    y += max(len(h[2]) for h in heads) * _HEAD_LH + 10
    centre = grid.centre
    top = min(centre[s] - grid.size(s) / 2 for col in grid.cols for s in col)
    for s in centre:
        centre[s] += y - top
    for n in nodes:
        n.x = grid.col_x[n.col]
        n.top = centre[("n", n.id)] - n.h / 2
    return title_lines, heads, head_top, y


def _ports(grid: _Grid, nodes: list[_Node], links: list[_Link]) -> dict[_Port, float]:
    """Where each link meets a box, spread along the side, ordered by where it goes."""
    centre = grid.centre
    far = 1e9
    right: dict[str, list[tuple[float, int, Any]]] = {n.id: [] for n in nodes}
    left: dict[str, list[tuple[float, int, Any]]] = {n.id: [] for n in nodes}
    for link in links:
        if link.route == "forward":
            chain = grid.chains[link.index]
            right[link.source].append((centre[chain[1]], link.index, "out"))
            left[link.target].append((centre[chain[-2]], link.index, "in"))
        elif link.route == "same":
            src, tgt = centre[("n", link.source)], centre[("n", link.target)]
            left[link.source].append((tgt, link.index, "out"))
            left[link.target].append((src, link.index, "in"))
        else:
            left[link.source].append((far + link.index, link.index, "out"))
            left[link.target].append((far + link.index, link.index, "in"))
    port: dict[_Port, float] = {}
    for side in (right, left):
        for node_id, entries in side.items():
            n = grid.by_id[node_id]
            entries.sort()
            for k, (_, idx, role) in enumerate(entries):
                port[(idx, role)] = n.top + n.h * (k + 1) / (len(entries) + 1)
    return port


def _forward_paths(
    grid: _Grid, links: list[_Link], port: dict[_Port, float]
) -> tuple[dict[int, str], dict[int, tuple[float, float]]]:
    """The path of each forward link through its slots, and the point its label names."""
    paths: dict[int, str] = {}
    anchors: dict[int, tuple[float, float]] = {}
    for link in links:
        if link.route != "forward":
            continue
        chain = grid.chains[link.index]
        pts: list[tuple[float, float, float]] = []  # x in, x out, y
        for i, s in enumerate(chain):
            c = grid.col(s[1]) if s[0] == "n" else s[2]
            if i == 0:
                yy = port[(link.index, "out")]
            elif i == len(chain) - 1:
                yy = port[(link.index, "in")]
            else:
                yy = grid.centre[s]
            pts.append((grid.col_x[c], grid.col_x[c] + _BOX_W, yy))
        d = [f"M {_fmt(pts[0][1])} {_fmt(pts[0][2])}"]
        for i, ((_, xo, y0), (xi, xo2, y1)) in enumerate(itertools.pairwise(pts), 2):
            d.append(_bezier(xo, y0, xi, y1))
            if i < len(pts):  # through a column the link crosses
                d.append(f"H {_fmt(xo2)}")
        paths[link.index] = " ".join(d)
        anchors[link.index] = ((pts[0][1] + pts[1][0]) / 2, (pts[0][2] + pts[1][2]) / 2)
    return paths, anchors


def _channel_x(grid: _Grid) -> dict[tuple[int, int], float]:
    """The x of each upstream link's channel left of a column: (link index, column) -> x."""
    chan_x: dict[tuple[int, int], float] = {}
    for c, ch in enumerate(grid.channels):
        for k, idx in enumerate(ch):
            chan_x.setdefault((idx, c), grid.col_x[c] - _CH_OFF - _CH_STEP * k)
    return chan_x


def _place_gap_labels(
    grid: _Grid,
    port: dict[_Port, float],
    chan_x: dict[tuple[int, int], float],
    anchors: dict[int, tuple[float, float]],
    boxes_top: float,
) -> tuple[dict[int, tuple[float, float]], float]:
    """The labels in the gaps, near what they name: (link index -> top-left, lowest bottom).

    Sets the anchor of each link within a column, on its channel.
    """
    labels: dict[int, tuple[float, float]] = {}
    bottom = max(grid.centre[s] + grid.size(s) / 2 for s in grid.centre)
    for c, group in enumerate(grid.gap_labels):
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
            labels[link.index] = (grid.label_cx[c] - link.w / 2, cy - link.h / 2)
            bottom = max(bottom, cy + link.h / 2)
    return labels, bottom


def _same_paths(
    grid: _Grid, links: list[_Link], port: dict[_Port, float], chan_x: dict[tuple[int, int], float]
) -> dict[int, str]:
    """A link within a column: a bracket in the gap left of it."""
    r = _CORNER
    col_x = grid.col_x
    paths: dict[int, str] = {}
    for link in links:
        if link.route != "same":
            continue
        c = grid.col(link.source)
        cx, sy, ty = chan_x[(link.index, c)], port[(link.index, "out")], port[(link.index, "in")]
        sgn = 1 if ty > sy else -1
        rr = min(r, abs(ty - sy) / 2)
        paths[link.index] = (
            f"M {_fmt(col_x[c])} {_fmt(sy)} H {_fmt(cx + rr)} "
            f"Q {_fmt(cx)} {_fmt(sy)} {_fmt(cx)} {_fmt(sy + sgn * rr)} V {_fmt(ty - sgn * rr)} "
            f"Q {_fmt(cx)} {_fmt(ty)} {_fmt(cx + rr)} {_fmt(ty)} H {_fmt(col_x[c])}"
        )
    return paths


def _route_back(
    grid: _Grid,
    links: list[_Link],
    port: dict[_Port, float],
    chan_x: dict[tuple[int, int], float],
    bottom: float,
    paths: dict[int, str],
    anchors: dict[int, tuple[float, float]],
    labels: dict[int, tuple[float, float]],
) -> float:
    """Links to an earlier column, each in a lane below everything, its label on the lane.

    Adds their paths, anchors and labels; returns the bottom of the drawing.
    """
    r = _CORNER
    col_x = grid.col_x
    back = sorted(
        (lk for lk in links if lk.route == "back"),
        key=lambda lk: (grid.col(lk.source) - grid.col(lk.target), lk.index),
    )
    lane_y = bottom + _LANE_GAP
    for link in back:
        s_col, t_col = grid.col(link.source), grid.col(link.target)
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
    return max(bottom, lane_y - (8 if back else 0))
