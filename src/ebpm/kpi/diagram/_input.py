"""The caller's nodes and links, checked and normalised into what the layout works on."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from numbers import Real
from typing import Any, cast

from ebpm.errors import DataError, InvalidOptionError, did_you_mean
from ebpm.kpi.diagram._style import _PLAIN, _STATUS_LOOKUP, _STYLE, _WORDS, STATUSES, VERDICT_CLASS
from ebpm.kpi.diagram._text import _clean, _estimate_text
from ebpm.kpi.model import KINDS
from ebpm.kpi.verdict import EXPECTED, Expected, verdict


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
    status: _Status  # the evaluation's own status (ok, warn, failed, ...)
    #: what the evaluation says about the link (supports, inconclusive, contradicts, ran);
    #: None when it has nothing to say (not evaluated, or a run that gave no result)
    verdict: _Status | None = None
    detail: str | None = None  # the evaluation's pipeline / task, beside its title
    #: the evaluation's evidence grade (Maryland SMS level, 1-5; ebpm.trust.grade), if known
    grade: int | None = None
    route: str = "forward"  # forward | back | same
    rows: list[tuple[str, str]] = field(default_factory=list)  # (style, text)
    w: float = 0.0
    h: float = 0.0

    @property
    def evaluated(self) -> bool:
        return self.evidence is not None and self.status.key != "not evaluated"

    @property
    def look(self) -> _Status:
        """What the line and its arrow show: the verdict, else the evaluation's status."""
        return self.verdict or self.status


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
        node = _read_node(i, raw, out, lang)
        out[node.id] = node
    read_links = [_read_link(i, raw, out, lang) for i, raw in enumerate(links)]
    return list(out.values()), read_links


def _read_node(i: int, raw: Any, seen: dict[str, _Node], lang: str) -> _Node:
    """Node ``i``, checked: an id not in ``seen``, a known kind, a list of KPIs."""
    item = _mapping(raw, f"node {i}")
    if item.get("id") in (None, ""):
        raise DataError(f"node {i} ({dict(item)!r}) has no 'id'; give every node an id.")
    node_id = _clean(item["id"])
    if node_id in seen:
        raise DataError(
            f"node id {node_id!r} is used twice (nodes {list(seen).index(node_id)}"
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
        raise DataError(f"node {node_id!r} has kpis={kpis!r}; pass a list of {{'name', 'status'}}.")
    read_kpis = [_read_kpi(j, raw_kpi, node_id, lang) for j, raw_kpi in enumerate(kpis)]
    return _Node(node_id, kind, _clean(node_id if label in (None, "") else label), read_kpis)


def _read_kpi(j: int, raw: Any, node_id: str, lang: str) -> _Kpi:
    """KPI ``j`` of node ``node_id``: a name and a known status."""
    kpi = _mapping(raw, f"KPI {j} of node {node_id!r}")
    name = _get(kpi, "name", lang)
    if name in (None, ""):
        raise DataError(f"KPI {j} of node {node_id!r} has no 'name'; give every KPI a name.")
    st = _status(kpi.get("status"), lang, f"KPI {_clean(name)!r} of node {node_id!r}")
    badge = f"{st.symbol} {st.text}"
    return _Kpi(_clean(name), st, badge, 0.0, [])


def _read_link(i: int, raw: Any, nodes: dict[str, _Node], lang: str) -> _Link:
    """Link ``i``: two different nodes of ``nodes``, and its evidence if any."""
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
        if end not in nodes:
            raise InvalidOptionError(
                f"link {i} names {key} {end!r}, which is not a node.{did_you_mean(end, nodes)}"
                f" Node ids: {', '.join(nodes)}. Add the node or fix the link."
            )
        ends.append(end)
    source, target = ends
    if source == target:
        raise DataError(
            f"link {i} goes from {source!r} to itself; a logic-model link joins "
            "two different nodes."
        )
    ev_raw = item.get("evidence")
    if ev_raw is None:
        not_evaluated = _Status("not evaluated", "none", _WORDS[lang]["not_evaluated"])
        return _Link(i, source, target, None, None, None, not_evaluated)
    return _read_evidence(i, source, target, ev_raw, lang)


def _verdict(
    numbers: dict[str, float | None], st: _Status, expected: Any, lang: str, where: str
) -> _Status | None:
    """What the evidence says about the link, in the diagram's words; None when the evaluation
    has no result to judge (not evaluated, or a failed, pending or blocked run without numbers).
    """
    if expected is None:
        expected = "either"
    if not isinstance(expected, str) or expected not in EXPECTED:
        raise InvalidOptionError(
            f"the evidence of {where} has expected={expected!r}, which is not a direction."
            f"{did_you_mean(str(expected), EXPECTED)} Use one of: {', '.join(EXPECTED)} (or "
            "None, the same as 'either')."
        )
    ran = any(v is not None for v in numbers.values()) or st.cls in ("good", "warn")
    if st.key == "not evaluated" or not ran:
        return None
    key = verdict(numbers, expected=cast(Expected, expected))
    return _Status(key, VERDICT_CLASS[key], _WORDS[lang][key])


def _grade(value: Any, where: str) -> int | None:
    """An evidence grade: a Maryland SMS level 1-5, or None."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 5:
        raise DataError(
            f"the grade of the evidence of {where} is {value!r}; pass a Maryland SMS level, an "
            "integer from 1 to 5 (ebpm.trust.grade), or None."
        )
    return value


def _read_evidence(i: int, source: str, target: str, raw: Any, lang: str) -> _Link:
    """Link ``i`` with its evidence: a label, numbers (floats or None), a status and what the
    numbers say about the link (its verdict)."""
    where = f"link {i} ({source!r} → {target!r})"
    ev = _mapping(raw, f"the evidence of {where}")
    numbers = {k: _real(ev.get(k), f"the {k} of {where}") for k in ("estimate", "low", "high")}
    st = (
        _Status(None, "plain", "")
        if ev.get("status") is None
        else _status(ev["status"], lang, f"the evidence of {where}")
    )
    task = " / ".join(_clean(ev[k]) for k in ("pipeline", "task") if ev.get(k) not in (None, ""))
    label = _get(ev, "label", lang)
    detail = None
    if label in (None, ""):  # a model's {pipeline, task}: the task is all there is to show
        label = task if ev.get("task") not in (None, "") else None
    elif task and _clean(label) != task:
        detail = task
    return _Link(
        i,
        source,
        target,
        None if label in (None, "") else _clean(label),
        _estimate_text(numbers),
        numbers,
        st,
        _verdict(numbers, st, ev.get("expected"), lang, where),
        detail,
        _grade(ev.get("grade"), where),
    )
