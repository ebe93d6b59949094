"""The logic model as data: nodes, links, KPIs and the policy holding them (frozen dataclasses).

:func:`ebpm.kpi.load` builds them from a policy file; :mod:`ebpm.kpi.model` documents the
format.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import pandas as pd

from ebpm.errors import InvalidOptionError, did_you_mean
from ebpm.kpi.model._periods import _FREQ, period_label
from ebpm.project import shown_path

Kind = Literal[
    "input",
    "activity",
    "output",
    "short_term_outcome",
    "mid_term_outcome",
    "long_term_outcome",
    "impact",
]
Direction = Literal["higher", "lower"]

#: The kinds of node, in the order of the chain.
KINDS: tuple[str, ...] = (
    "input",
    "activity",
    "output",
    "short_term_outcome",
    "mid_term_outcome",
    "long_term_outcome",
    "impact",
)
#: The kinds' names in Japanese.
KINDS_JA: dict[str, str] = {
    "input": "インプット",
    "activity": "活動",
    "output": "アウトプット",
    "short_term_outcome": "短期アウトカム",
    "mid_term_outcome": "中期アウトカム",
    "long_term_outcome": "長期アウトカム",
    "impact": "インパクト",
}
DIRECTIONS: tuple[str, ...] = ("higher", "lower")


@dataclass(frozen=True)
class Node:
    """A box of the logic model."""

    id: str
    kind: str  # one of KINDS
    label: str
    label_ja: str | None = None
    description: str = ""
    line: int | None = field(default=None, compare=False)


@dataclass(frozen=True)
class Evidence:
    """The evaluation whose estimate is evidence for a link: a task of a pipeline, and the sign
    its estimate should have if the link holds (:func:`ebpm.kpi.verdict` judges it)."""

    pipeline: str  # the pipeline's `name:`
    task: str  # a task name or one of its output names
    expected: str = "either"  # "increase", "decrease" or "either" (one of EXPECTED)


@dataclass(frozen=True)
class Link:
    """An arrow of the logic model, ``source → target`` (``from``/``to`` in the file)."""

    source: str
    target: str
    evidence: Evidence | None = None
    description: str = ""
    line: int | None = field(default=None, compare=False)


@dataclass(frozen=True)
class Source:
    """Where a KPI's actual values come from.

    ``filter`` keeps the rows whose column equals the value (a list: is one of the values);
    ``aggregate`` combines the rows left for one period (None: there must be one).
    """

    dataset: str
    time: str
    value: str
    parameters: dict[str, Any] = field(default_factory=dict)
    filter: dict[str, Any] = field(default_factory=dict)
    aggregate: Literal["sum", "mean"] | None = None


@dataclass(frozen=True)
class Milestone:
    """A KPI's value at a period: its baseline or its target."""

    value: float
    period: pd.Period
    note: str = ""

    @property
    def label(self) -> str:
        """The period as text: ``1988``, ``FY2024``, ``2024Q1``, ``2024-03``."""
        return period_label(self.period)


@dataclass(frozen=True)
class KPI:
    """A key performance indicator on a node, with its baseline and target."""

    id: str
    node: str
    name: str
    direction: str  # "higher" or "lower" is better
    frequency: str  # one of FREQUENCIES
    source: Source
    baseline: Milestone
    target: Milestone
    name_ja: str | None = None
    definition: str = ""
    unit: str = ""
    owner: str = ""
    line: int | None = field(default=None, compare=False)
    #: line of each key under ``source`` (``"time"``, ``"filter.State"``, ...)
    source_lines: dict[str, int] = field(default_factory=dict, compare=False, repr=False)

    @property
    def freq(self) -> str:
        """The pandas frequency of the KPI's periods (``Y-DEC``, ``Y-MAR``, ``Q-DEC``, ``M``)."""
        return _FREQ[self.frequency]


def _by_id(items: tuple[Any, ...], wanted: str, missing: str, plural: str) -> Any:
    """The item whose ``id`` is ``wanted``; else an error with close matches and the ids."""
    for item in items:
        if item.id == wanted:
            return item
    ids = [item.id for item in items]
    raise InvalidOptionError(
        f"{missing} {wanted!r}.{did_you_mean(str(wanted), ids)} {plural}: "
        f"{', '.join(ids) or 'none'}."
    )


@dataclass(frozen=True)
class LogicModel:
    """A policy's logic model: nodes, links between them and KPIs on them."""

    policy: str
    title: str
    nodes: tuple[Node, ...]
    links: tuple[Link, ...] = ()
    kpis: tuple[KPI, ...] = ()
    title_ja: str | None = None
    description: str = ""
    owner: str = ""
    path: Path | None = field(default=None, compare=False)
    root: Path | None = field(default=None, compare=False)  # the project folder
    #: line of every value, by its path in the YAML: ``lines[("kpis", 0, "target")]``
    lines: dict[tuple[Any, ...], int] = field(default_factory=dict, compare=False, repr=False)

    @property
    def display_path(self) -> str:
        """The file as messages show it: relative to the project root when inside it."""
        if self.path is None:
            return f"policy {self.policy!r}"
        return shown_path(self.path, self.root) if self.root else str(self.path)

    def where(self, kpi: KPI | None = None, key: str | None = None) -> str:
        """``"pipelines/policies/prop99.yaml, line 40"``: where to fix a KPI or one of its
        ``source`` keys (``"time"``, ``"filter.State"``); falls back to the KPI's line."""
        line = None
        if kpi is not None:
            line = (kpi.source_lines.get(key) if key else None) or kpi.line
        return f"{self.display_path}, line {line}" if line else self.display_path

    def node(self, node_id: str) -> Node:
        """The node with id ``node_id``.

        Raises
        ------
        InvalidOptionError
            No node has that id; the message lists close matches.
        """
        return _by_id(self.nodes, node_id, f"policy {self.policy!r} has no node", "Nodes")

    def kpi(self, kpi_id: str) -> KPI:
        """The KPI with id ``kpi_id``.

        Raises
        ------
        InvalidOptionError
            No KPI has that id; the message lists close matches.
        """
        return _by_id(self.kpis, kpi_id, f"policy {self.policy!r} has no KPI", "KPIs")

    def nodes_by_kind(self) -> dict[str, list[Node]]:
        """The nodes grouped by kind, kinds in the order of the chain (only kinds present)."""
        out: dict[str, list[Node]] = {}
        for kind in KINDS:
            nodes = [n for n in self.nodes if n.kind == kind]
            if nodes:
                out[kind] = nodes
        return out

    def kpis_for(self, node_id: str) -> list[KPI]:
        """The KPIs measuring node ``node_id`` (an empty list for a node without KPIs).

        Raises
        ------
        InvalidOptionError
            No node has that id.
        """
        self.node(node_id)
        return [k for k in self.kpis if k.node == node_id]

    def links_with_evidence(self) -> list[Link]:
        """The links backed by an evaluation (``evidence:``), in file order."""
        return [link for link in self.links if link.evidence is not None]

    def to_dict(self) -> dict[str, Any]:
        """The model as JSON-able data: periods as labels (``"1988"``, ``"FY2024"``), links as
        ``source``/``target``, and ``path`` relative to the project root."""
        return {
            "policy": self.policy,
            "title": self.title,
            "title_ja": self.title_ja,
            "description": self.description,
            "owner": self.owner,
            "path": self.display_path if self.path is not None else None,
            "nodes": [
                {
                    "id": n.id,
                    "kind": n.kind,
                    "label": n.label,
                    "label_ja": n.label_ja,
                    "description": n.description,
                }
                for n in self.nodes
            ],
            "links": [
                {
                    "source": link.source,
                    "target": link.target,
                    "description": link.description,
                    "evidence": (
                        {
                            "pipeline": link.evidence.pipeline,
                            "task": link.evidence.task,
                            "expected": link.evidence.expected,
                        }
                        if link.evidence
                        else None
                    ),
                }
                for link in self.links
            ],
            "kpis": [_kpi_dict(k) for k in self.kpis],
        }


def _kpi_dict(k: KPI) -> dict[str, Any]:
    return {
        "id": k.id,
        "node": k.node,
        "name": k.name,
        "name_ja": k.name_ja,
        "definition": k.definition,
        "unit": k.unit,
        "direction": k.direction,
        "frequency": k.frequency,
        "owner": k.owner,
        "source": {
            "dataset": k.source.dataset,
            "parameters": dict(k.source.parameters),
            "filter": dict(k.source.filter),
            "time": k.source.time,
            "value": k.source.value,
            "aggregate": k.source.aggregate,
        },
        "baseline": _milestone_dict(k.baseline),
        "target": _milestone_dict(k.target),
    }


def _milestone_dict(m: Milestone) -> dict[str, Any]:
    return {"value": m.value, "period": m.label, "note": m.note}
