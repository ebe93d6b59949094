"""Policy logic models: one YAML file per policy, with the KPIs followed up on it.

A logic model ties a policy's inputs to its activities, outputs, outcomes and impact, and names
the KPIs that show whether it is on track (the PDCA follow-up of Japanese EBPM practice). Each
policy is a file ``pipelines/policies/<policy>.yaml``::

    policy: prop99                  # slug [a-z0-9_-]+ (default: the file's stem)
    title: California Proposition 99 tobacco control programme
    title_ja: カリフォルニア州 提案99号 たばこ対策      # optional, as are description and owner
    nodes:
      - id: tax
        kind: input                 # input, activity, output, short_term_outcome,
        label: 25-cent tax on each pack (1989)   # mid_term_outcome, long_term_outcome, impact
        label_ja: ...               # optional, as is description
    links:
      - from: tax
        to: sales
        evidence: {pipeline: demo, task: prop99_synthetic_control}   # optional
    kpis:
      - id: sales_per_capita
        node: sales
        name: Cigarette sales per capita      # name_ja, definition, unit, owner: optional
        direction: lower                      # higher | lower is better
        frequency: annual                     # annual | fiscal_year | quarterly | monthly
        source:
          dataset: studies.prop99             # a catalog entry (ebpm.catalog)
          parameters: {}                      # optional: the entry's parameters
          filter: {State: California}         # optional: column == value; a list means "isin"
          time: Year                          # the period column
          value: PacksPerCapita               # the value column
          aggregate: sum                      # optional, for several rows per period: sum | mean
        baseline: {value: 90.1, date: 1988}
        target: {value: 40, date: 2000, note: where the number comes from}

The structure is checked against ``policy.schema.json`` (JSON Schema draft-07, shipped beside
this module; :func:`schema` returns it), then what a schema cannot check: node ids named by links
and KPIs exist, ids are unique, links follow the chain and make no cycle, dates parse and the
target comes after the baseline, the dataset is a catalog entry taking those parameters, and the
evidence names a pipeline task of the project. :func:`load` reports every problem of a file in
one :class:`~ebpm.errors.SpecError`, each with its line.

Links and the chain
    A link goes from a node to a node of the same kind or of a later kind in the chain
    (input → activity → output → short/mid/long-term outcome → impact); it may skip kinds. A
    link that points back (``impact → input``) is an error: a logic model reads as a causal
    chain, and a backward arrow is nearly always ``from`` and ``to`` swapped. Describe a feedback
    loop in ``description`` instead. Links between nodes of one kind must not make a cycle.

Dates
    A date is a year (``1988``), a quarter (``"2024Q1"``), a month (``"2024-03"``), a day
    (``"2024-03-31"``) or a Japanese fiscal year (``"FY2024"`` or ``"2024年度"``, April 2024 to
    March 2025). Internally every date is a :class:`pandas.Period` at the KPI's frequency:
    annual ``Y-DEC``, fiscal_year ``Y-MAR``, quarterly ``Q-DEC``, monthly ``M``. A date finer
    than the frequency falls in the period that holds it (``"2024-03-31"`` is 2024 for an annual
    KPI, FY2023 for a fiscal-year one); a date coarser than it is refused as ambiguous (``1988``
    for a quarterly KPI: write ``"1988Q4"``). For a fiscal-year KPI a plain year is the fiscal
    year starting in April of that year, as Japanese statistics label 年度. The same forms
    are read from the data's time column, and e-Stat's 10-digit time codes too (``time:
    time_code``: ``2020000000`` a year, ``2020100000`` FY2020, ``2020000406`` 2020Q2,
    ``2020000303`` March 2020), so quarterly and monthly e-Stat tables work. Periods print as
    ``1988``, ``FY2024``, ``2024Q1`` and ``2024-03`` (:func:`period_label`).
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import logging
import math
import numbers
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd

from ebpm._graph import find_cycle as _find_cycle
from ebpm._yaml import line_of as _line
from ebpm._yaml import read_with_lines as _read_yaml
from ebpm._yaml import resolve_path as _resolve
from ebpm._yaml import show_value as _show
from ebpm.errors import (
    CatalogError,
    InvalidDateError,
    InvalidOptionError,
    Problem,
    SpecError,
    close_matches,
    did_you_mean,
)
from ebpm.project import Project, shown_path

__all__ = [
    "DIRECTIONS",
    "FREQUENCIES",
    "KINDS",
    "KINDS_JA",
    "KPI",
    "Direction",
    "Evidence",
    "Frequency",
    "Kind",
    "Link",
    "LogicModel",
    "Milestone",
    "Node",
    "Source",
    "load",
    "load_all",
    "parse_period",
    "period_label",
    "schema",
]

log = logging.getLogger(__name__)

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
Frequency = Literal["annual", "fiscal_year", "quarterly", "monthly"]

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
FREQUENCIES: tuple[str, ...] = ("annual", "fiscal_year", "quarterly", "monthly")

#: pandas frequency of each KPI frequency.
_FREQ = {"annual": "Y-DEC", "fiscal_year": "Y-MAR", "quarterly": "Q-DEC", "monthly": "M"}
_KIND_RANK = {k: i for i, k in enumerate(KINDS)}
_SLUG = re.compile(r"^[a-z0-9_-]+$")
#: What an item of each top-level list must be.
_ITEMS = {
    "nodes": "a mapping with `id`, `kind` and `label`",
    "links": "a mapping with `from` and `to`",
    "kpis": "a mapping with `id`, `node`, `name`, `direction`, `frequency`, `source`, "
    "`baseline` and `target`",
}

#: Words people write for an allowed value, and the value they mean.
_SYNONYMS = {
    "yearly": "annual",
    "year": "annual",
    "years": "annual",
    "calendar_year": "annual",
    "fiscal": "fiscal_year",
    "fy": "fiscal_year",
    "quarter": "quarterly",
    "month": "monthly",
    "up": "higher",
    "increase": "higher",
    "more": "higher",
    "down": "lower",
    "decrease": "lower",
    "less": "lower",
    "average": "mean",
    "total": "sum",
    "outcome": "short_term_outcome",
    "short_outcome": "short_term_outcome",
    "medium_term_outcome": "mid_term_outcome",
    "long_outcome": "long_term_outcome",
    "inputs": "input",
    "activities": "activity",
    "outputs": "output",
}

#: What each key must hold, for messages ("`direction` must be one of ..."). A dotted key
#: (``source.value``) wins over the plain one (``value``).
_EXPECTED = {
    "policy": "a slug of lower-case letters, digits, '_' and '-', e.g. prop99",
    "title": "text",
    "title_ja": "text",
    "description": "text",
    "owner": "text",
    "nodes": "a non-empty list of nodes, each with `id`, `kind` and `label`",
    "links": "a list of links, each with `from` and `to`",
    "kpis": "a list of KPIs",
    "node": "the id of a node",
    "id": "a name of letters, digits, '_' and '-', e.g. sales_per_capita",
    "from": "the id of a node",
    "to": "the id of a node",
    "label": "text",
    "label_ja": "text",
    "name": "text",
    "name_ja": "text",
    "definition": "text",
    "unit": "text",
    "evidence": "a mapping with `pipeline` and `task`, e.g. "
    "{pipeline: demo, task: prop99_synthetic_control}",
    "pipeline": "the `name:` of a pipeline in pipelines/*.yaml",
    "task": "the name of a task of that pipeline",
    "source": "a mapping with `dataset`, `time` and `value`",
    "dataset": "a catalog entry, namespace.entry, e.g. studies.prop99",
    "parameters": "a mapping of the catalog entry's parameter names to values",
    "filter": "a mapping of column names to a value or a non-empty list of values",
    "source.time": "the name of the column holding the periods",
    "source.value": "the name of the column holding the KPI's values",
    "baseline": "a mapping with `value` and `date`, e.g. {value: 90.1, date: 1988}",
    "target": "a mapping with `value` and `date`, e.g. {value: 40, date: 2000}",
    "value": "a number",
    "date": 'a year (1988) or a date such as "2024-03", "2024-03-31", "2024Q1" or "FY2024"',
    "note": "text",
}

#: An example line for each required key, for "add it" messages.
_EXAMPLE = {
    "title": "title: California Proposition 99 tobacco control programme",
    "nodes": "nodes: [{id: tax, kind: input, label: 25-cent tax on each pack}]",
    "id": "id: sales_per_capita",
    "kind": "kind: activity",
    "label": "label: Anti-smoking media campaign",
    "from": "from: tax",
    "to": "to: sales",
    "pipeline": "pipeline: demo",
    "task": "task: prop99_synthetic_control",
    "node": "node: sales",
    "name": "name: Cigarette sales per capita",
    "direction": "direction: lower",
    "frequency": "frequency: annual",
    "source": "source: {dataset: studies.prop99, time: Year, value: PacksPerCapita}",
    "baseline": "baseline: {value: 90.1, date: 1988}",
    "target": "target: {value: 40, date: 2000}",
    "dataset": "dataset: studies.prop99",
    "time": "time: Year",
    "source.value": "value: PacksPerCapita",
    "value": "value: 90.1",
    "date": "date: 1988",
}


# --- the model -------------------------------------------------------------------------------
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
    """The evaluation whose estimate is evidence for a link: a task of a pipeline."""

    pipeline: str  # the pipeline's `name:`
    task: str  # a task name or one of its output names


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
                        {"pipeline": link.evidence.pipeline, "task": link.evidence.task}
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


# --- periods ---------------------------------------------------------------------------------
_YEAR = re.compile(r"^(\d{4})年?$")
_FISCAL = re.compile(r"^(?:FY\s*(\d{4})|(\d{4})\s*年度)$", re.IGNORECASE)
_QUARTER = re.compile(r"^(\d{4})\s*-?\s*Q([1-4])$", re.IGNORECASE)
_MONTH = re.compile(r"^(\d{4})[-/](\d{1,2})$|^(\d{4})年(\d{1,2})月$")
_DAY = re.compile(r"^(\d{4})[-/](\d{1,2})[-/](\d{1,2})$")
_FORMS = '1988, "2024Q1", "2024-03", "2024-03-31" or "FY2024"'


def period_label(period: pd.Period) -> str:
    """A period as text: ``1988`` (annual), ``FY2024`` (Japanese fiscal year, April 2024 to
    March 2025), ``2024Q1`` (quarterly), ``2024-03`` (monthly)."""
    freq = period.freqstr
    if freq == "Y-MAR":
        return f"FY{period.start_time.year}"
    if freq.startswith("Y"):
        return str(period.year)
    if freq.startswith("Q"):
        return f"{period.year}Q{period.quarter}"
    if freq == "M":
        return f"{period.year}-{period.month:02d}"
    return str(period)


def _year(text: str) -> int:
    year = int(text)
    if not 1000 <= year <= 9999:
        raise ValueError(f"{year} is not a four-digit year")
    return year


def _estat_time(code: str) -> tuple[str, pd.Period]:
    """An e-Stat time code (``time_code`` of e-Stat tables): ``2020000000`` a year,
    ``2020100000`` a fiscal year, ``2020000303`` a month, ``2020000406`` a quarter."""
    from ebpm.catalog.estat import decode_time

    d = decode_time(code)
    kind = d["time_kind"] if isinstance(d["time_kind"], str) else None  # NA: not decoded
    if kind == "year":
        return "year", pd.Period(pd.Timestamp(int(d["year"]), 1, 1), "Y-DEC")
    if kind == "fiscal_year":
        return "fiscal_year", pd.Period(pd.Timestamp(int(d["fiscal_year"]), 4, 1), "Y-MAR")
    if kind == "month":
        return "month", pd.Period(pd.Timestamp(int(d["year"]), int(d["month"]), 1), "M")
    if kind == "quarter":
        q = int(d["quarter"])
        return "quarter", pd.Period(pd.Timestamp(int(d["year"]), 3 * q - 2, 1), "Q-DEC")
    raise ValueError(
        f"e-Stat time code {code} is not a year, fiscal year, month or quarter "
        "(YYYY000000, YYYY100000, YYYY00MMMM, YYYY00AABB); use another time column"
    )


def _span(value: Any) -> tuple[str, pd.Period]:
    """What a date value denotes: its form and the period it covers."""
    if isinstance(value, bool) or value is None:
        raise ValueError("it is not a date")
    if isinstance(value, pd.Period):
        return "period", value
    if isinstance(value, numbers.Integral):
        if len(str(value)) == 10:
            return _estat_time(str(value))
        return "year", pd.Period(pd.Timestamp(_year(str(value)), 1, 1), "Y-DEC")
    if isinstance(value, numbers.Real):
        number = float(value)  # math.isfinite converts to float too
        if math.isfinite(number) and number.is_integer():
            return "year", pd.Period(pd.Timestamp(_year(str(int(number))), 1, 1), "Y-DEC")
        raise ValueError("a number is read as a year and must be a whole number")
    if isinstance(value, dt.date | pd.Timestamp):
        return "day", pd.Period(pd.Timestamp(value), "D")
    if isinstance(value, np.datetime64):
        if np.isnat(value):
            raise ValueError("it is empty (NaT)")
        return "day", pd.Period(pd.Timestamp(value), "D")
    if not isinstance(value, str):
        raise ValueError(f"a {type(value).__name__} is not a date")
    text = value.strip()
    if len(text) == 10 and text.isdigit():
        return _estat_time(text)
    if m := _YEAR.match(text):
        return "year", pd.Period(pd.Timestamp(_year(m.group(1)), 1, 1), "Y-DEC")
    if m := _FISCAL.match(text):
        year = _year(m.group(1) or m.group(2))
        return "fiscal_year", pd.Period(pd.Timestamp(year, 4, 1), "Y-MAR")
    if m := _QUARTER.match(text):
        year, q = _year(m.group(1)), int(m.group(2))
        return "quarter", pd.Period(pd.Timestamp(year, 3 * q - 2, 1), "Q-DEC")
    if m := _MONTH.match(text):
        digits, month = (m.group(1), m.group(2)) if m.group(1) else (m.group(3), m.group(4))
        if not 1 <= int(month) <= 12:
            raise ValueError(f"month {int(month)} does not exist")
        return "month", pd.Period(pd.Timestamp(_year(digits), int(month), 1), "M")
    if m := _DAY.match(text):
        try:
            day = pd.Timestamp(_year(m.group(1)), int(m.group(2)), int(m.group(3)))
        except ValueError as err:
            raise ValueError(f"that day does not exist ({err})") from err
        return "day", pd.Period(day, "D")
    raise ValueError("it is in none of the forms ebpm reads")


def _coarse(value: Any, form: str, span: pd.Period, frequency: str) -> str:
    """Why ``value`` cannot be one period of ``frequency``, and what to write instead."""
    year = span.start_time.year
    if frequency == "annual" and form == "fiscal_year":
        return (
            f"{value!r} is a fiscal year (April {year} to March {year + 1}), which spans two "
            f"calendar years, but the KPI is annual; give a calendar year, or set "
            "`frequency: fiscal_year`"
        )
    example = {"quarterly": f"'{year}Q4'", "monthly": f"'{year}-12'"}.get(frequency, str(year))
    what = {
        "year": "a whole year",
        "fiscal_year": "a whole fiscal year",
        "quarter": "a whole quarter",
        "period": f"a period of frequency {span.freqstr}",
    }.get(form, "longer than one period")
    return (
        f"{value!r} is {what}, but the KPI is {frequency}, so it does not say which period; "
        f"give one, e.g. {example}"
    )


def parse_period(value: Any, frequency: str) -> pd.Period:
    """The period of ``frequency`` that ``value`` names.

    Parameters
    ----------
    value : int, str, date, Timestamp or Period
        A year (``1988``), ``"2024Q1"``, ``"2024-03"``, ``"2024-03-31"``, ``"FY2024"`` or
        ``"2024年度"`` (the Japanese fiscal year April 2024 – March 2025), a date or a period.
    frequency : {"annual", "fiscal_year", "quarterly", "monthly"}
        The KPI's frequency.

    Returns
    -------
    pandas.Period
        At frequency ``Y-DEC``, ``Y-MAR``, ``Q-DEC`` or ``M``. A value finer than the frequency
        gives the period that holds it; for ``fiscal_year`` a plain year is the fiscal year
        starting in April of it.

    Raises
    ------
    InvalidOptionError
        ``frequency`` is not one of the four.
    InvalidDateError
        ``value`` is not a date, or is coarser than the frequency (a year for a quarterly KPI).
    """
    if frequency not in _FREQ:
        raise InvalidOptionError(
            f"frequency {frequency!r} is not one of {', '.join(FREQUENCIES)}."
            f"{_hint(str(frequency), FREQUENCIES)}"
        )
    if isinstance(value, np.generic) and not isinstance(value, np.datetime64):
        value = value.item()  # messages show 1970, not np.int64(1970)
    try:
        form, span = _span(value)
    except ValueError as err:
        raise InvalidDateError(f"{value!r} is not a date: {err}; write {_FORMS}") from err
    freq = _FREQ[frequency]
    if form == "year" and frequency == "fiscal_year":
        return pd.Period(pd.Timestamp(span.start_time.year, 4, 1), freq)
    first = pd.Period(span.start_time, freq)
    if pd.Period(span.end_time, freq) != first:
        raise InvalidDateError(_coarse(value, form, span, frequency))
    return first


def _hint(word: str, choices: Iterable[str]) -> str:
    meant = _SYNONYMS.get(word.strip().lower().replace("-", "_").replace(" ", "_"))
    choices = tuple(choices)
    if meant in choices:
        return f" Did you mean {meant!r}?"
    return did_you_mean(word, choices)


# --- schema ----------------------------------------------------------------------------------
@functools.cache
def _schema_text() -> str:
    return resources.files("ebpm.kpi").joinpath("policy.schema.json").read_text("utf-8")


def schema() -> dict[str, Any]:
    """The JSON Schema (draft-07) of a policy file, as shipped in ``policy.schema.json``.

    A fresh copy each call (fastjsonschema rewrites the ``$ref``s of what it compiles).
    """
    return json.loads(_schema_text())


def _deref(sub: dict[str, Any]) -> dict[str, Any]:
    """``sub`` with its ``$ref`` replaced by the definition it names (other keys kept)."""
    while "$ref" in sub:
        name = sub["$ref"].rsplit("/", 1)[-1]
        sub = {**_definitions()[name], **{k: v for k, v in sub.items() if k != "$ref"}}
    return sub


@functools.cache
def _definitions() -> dict[str, Any]:
    return schema()["definitions"]


@functools.cache
def _compiled(text: str) -> Any:
    """A validator for one part of the schema, given as JSON text (so that it can be cached)."""
    import fastjsonschema

    # a fresh copy: compiling rewrites the `$ref`s it walks in place
    return fastjsonschema.compile({**json.loads(text), "definitions": schema()["definitions"]})


def _dotted(path: tuple[Any, ...]) -> str:
    return ".".join(str(p) for p in path if not isinstance(p, int))


def _expected(rel: tuple[Any, ...]) -> str:
    keys = [p for p in rel if isinstance(p, str)]
    if len(keys) >= 2 and keys[-2] == "filter":  # the value of one column
        return "a value (text, a number, true/false or null) or a non-empty list of values"
    for i in range(len(keys), 0, -1):
        name = keys[i - 1]
        parent = keys[i - 2] if i >= 2 else None
        for key in (f"{parent}.{name}", name):
            if key in _EXPECTED:
                return _EXPECTED[key]
    return "something else"


def _at(data: Any, path: tuple[Any, ...]) -> Any:
    for part in path:
        data = data[part]
    return data


def _dates_to_text(data: Any) -> Any:
    """YAML reads an unquoted 2024-03-31 as a date; the schema wants text."""
    if isinstance(data, dict):
        return {k: _dates_to_text(v) for k, v in data.items()}
    if isinstance(data, list):
        return [_dates_to_text(v) for v in data]
    if isinstance(data, dt.datetime):
        return data.isoformat(sep=" ")
    if isinstance(data, dt.date):
        return data.isoformat()
    return data


def _schema_problems(
    err: Any,
    value: Any,
    path: tuple[Any, ...],
    rel: tuple[Any, ...],
    lines: dict[tuple[Any, ...], int],
    label: str,
) -> list[tuple[int | None, str]]:
    """fastjsonschema's error on ``value`` in words, with lines. ``path`` is where ``value`` is
    in the file, ``rel`` how messages name it (relative to the item ``label`` names)."""
    sub = _resolve(value, list(err.path[1:]))
    path, rel = (*path, *sub), (*rel, *sub)
    line = _line(lines, path)
    bad = _at(value, sub)
    shown_key = _dotted(rel)
    prefix = f"{label}: " if label else ""
    rule = err.rule
    if rule == "enum":
        choices = [str(c) for c in err.rule_definition]
        return [
            (
                line,
                f"{prefix}`{shown_key}` must be one of {', '.join(choices)}, not {_show(bad)}."
                f"{_hint(str(bad), choices)}",
            )
        ]
    if rule == "propertyNames" and isinstance(bad, dict):
        key = next((k for k in bad if not isinstance(k, str)), None)
        return [
            (
                lines.get((*path, key), line),
                f"{prefix}names in `{shown_key}` must be text, not {_show(key)}; put it in quotes",
            )
        ]
    if rule == "pattern" and rel and rel[-1] == "dataset":
        return [
            (
                line,
                f"{prefix}`{shown_key}` must be {_EXPECTED['dataset']}, not {_show(bad)}; "
                "see `ebpm catalog list`",
            )
        ]
    if rule == "type" and isinstance(bad, str) and _expected(rel) == "a number":
        return [
            (
                line,
                f"{prefix}`{shown_key}` must be a number, not the text {bad!r}; write the number "
                "without quotes or units",
            )
        ]
    return [(line, f"{prefix}`{shown_key}` must be {_expected(rel)}, not {_show(bad)}")]


class _Walker:
    """Checks a policy file against the schema part by part, so that every bad key is reported
    (fastjsonschema stops at the first error of what it validates)."""

    def __init__(self, lines: dict[tuple[Any, ...], int]):
        self.lines = lines
        self.problems: list[tuple[int | None, str]] = []
        #: (list key, index) -> the item's bad or missing keys (None: not a mapping)
        self.items: dict[tuple[str, int], set[str] | None] = {}

    def object(
        self,
        value: Any,
        sub: dict[str, Any],
        path: tuple[Any, ...],
        rel: tuple[Any, ...],
        label: str,
        expected: str = "a mapping",
    ) -> set[str] | None:
        """Check a mapping; return its bad or missing keys (None: it is not a mapping)."""
        sub = _deref(sub)
        prefix = f"{label}: " if label else ""
        shown = _dotted(rel)
        line = _line(self.lines, path)
        if not isinstance(value, dict):
            what = f"`{shown}` " if shown else ""
            self.problems.append((line, f"{prefix}{what}must be {expected}, not {_show(value)}"))
            return None
        allowed = tuple(sub["properties"])
        unknown = [k for k in value if k not in allowed]
        missing = [k for k in sub.get("required", ()) if k not in value]
        inside = f" in `{shown}`" if shown else ""
        for key in unknown:
            self.problems.append(
                (
                    self.lines.get((*path, key), line),
                    f"{prefix}unknown key {key!r}{inside}.{did_you_mean(str(key), allowed)} "
                    f"Allowed keys: {', '.join(allowed)}.",
                )
            )
        for key in missing:
            if any(close_matches(str(u), [key]) for u in unknown):
                continue  # a misspelt key explains it
            example = _EXAMPLE.get(f"{rel[-1]}.{key}" if rel else key) or _EXAMPLE.get(
                key, f"{key}: ..."
            )
            whose = f"`{shown}` has" if shown else ("it has" if label else "the file has")
            self.problems.append((line, f"{prefix}{whose} no `{key}`; add it, e.g. `{example}`"))
        bad = set(missing)
        for key, item in value.items():
            if key in allowed:
                prop = sub["properties"][key]
                if not self.value(item, prop, (*path, key), (*rel, key), label):
                    bad.add(key)
        return bad

    def value(
        self,
        value: Any,
        sub: dict[str, Any],
        path: tuple[Any, ...],
        rel: tuple[Any, ...],
        label: str,
    ) -> bool:
        """Check any value; whether it is valid."""
        import fastjsonschema

        sub = _deref(sub)
        if "properties" in sub:
            return self.object(value, sub, path, rel, label, _expected(rel)) == set()
        own = {k: v for k, v in sub.items() if k != "items"}
        try:
            _compiled(json.dumps(own, sort_keys=True))(value)
        except fastjsonschema.JsonSchemaValueException as err:
            self.problems.extend(_schema_problems(err, value, path, rel, self.lines, label))
            return False
        if "items" not in sub or not isinstance(value, list):
            return True
        ok = True
        kind = str(rel[-1])
        for i, item in enumerate(value):
            name = _item_label(kind, item, i)
            bad = self.object(
                item, sub["items"], (*path, i), (), name, _ITEMS.get(kind, "a mapping")
            )
            self.items[(kind, i)] = bad
            ok = ok and bad == set()
        return ok


def _item_label(kind: str, raw: Any, index: int) -> str:
    if kind == "links":
        if isinstance(raw, dict) and isinstance(raw.get("from"), str):
            return f"link {index + 1} ({raw['from']} → {raw.get('to', '?')})"
        return f"link {index + 1}"
    name = "node" if kind == "nodes" else "KPI"
    if isinstance(raw, dict) and isinstance(raw.get("id"), str) and raw["id"]:
        return f"{name} {raw['id']!r}"
    return f"{name} {index + 1}"


# --- the project around a file ---------------------------------------------------------------
class _Project:
    """What the checks of a project's policy files share: its catalog and its pipelines."""

    def __init__(self, root: Path):
        self.root = root
        self._catalog: Any = ...
        self._pipelines: tuple[dict[str, Any], list[str]] | None = None

    def catalog(self) -> Any:
        """The project's :class:`~ebpm.catalog.Catalog`, or None when it cannot be opened."""
        if self._catalog is ...:
            from ebpm.catalog import catalog_dir, open_catalog

            try:
                self._catalog = open_catalog(catalog_dir(self.root))
            except CatalogError as err:
                log.warning("datasets of KPIs are not checked: %s", err)
                self._catalog = None
        return self._catalog

    def pipelines(self) -> tuple[dict[str, Any], list[str]]:
        """(pipeline name → spec, specs that did not load) of ``<root>/pipelines/*.yaml``."""
        if self._pipelines is None:
            from ebpm.pipeline.spec import load_spec

            specs: dict[str, Any] = {}
            broken: list[str] = []
            folder = self.root / "pipelines"
            files = sorted([*folder.glob("*.yaml"), *folder.glob("*.yml")])
            for file in files:
                try:
                    spec = load_spec(file)
                except SpecError as err:
                    broken.append(f"{file.name} ({err})")
                    continue
                specs.setdefault(spec.name, spec)
            self._pipelines = (specs, broken)
        return self._pipelines


# --- loading ---------------------------------------------------------------------------------
def load(
    path: str | Path, *, check_evidence: bool = True, root: str | Path | None = None
) -> LogicModel:
    """Read and check a policy's logic model.

    Parameters
    ----------
    path : str or Path
        The policy file, e.g. ``pipelines/policies/prop99.yaml``.
    check_evidence : bool
        Check that each link's ``evidence`` names a pipeline of ``<root>/pipelines/*.yaml`` (by
        its ``name:``) and a task of it (by task name or output name). False skips this, e.g.
        for a file outside a project.
    root : str or Path, optional
        The project folder (default: the folder above ``pipelines/``, else the file's folder).
        Its ``catalogs/`` (or the one above, or ``$EBPM_CATALOG_DIR``) is where datasets are
        looked up; no data is read.

    Returns
    -------
    LogicModel
        The model, with dates as :class:`pandas.Period` at each KPI's frequency.

    Raises
    ------
    SpecError
        The file is missing, not YAML, or has problems: an unknown or missing key, a bad
        kind/direction/frequency/date, an unknown node in a link or KPI, a duplicate id or link,
        a cycle, a link pointing back in the chain, a target not after its baseline, a dataset
        that is not a catalog entry or a parameter it does not take, evidence naming an unknown
        pipeline or task. Every problem of the file is reported at once: the message lists
        them, ``.problems`` holds them as :class:`~ebpm.pipeline.check.Problem` and ``.line``
        is the first one's line.
    """
    path = Path(path)
    project = _Project(Path(root) if root is not None else Project.of(path).root)
    return _load(path, project, check_evidence=check_evidence)


def load_all(
    directory: str | Path = "pipelines/policies",
    *,
    check_evidence: bool = True,
    root: str | Path | None = None,
) -> list[LogicModel]:
    """Read every policy file (``*.yaml``, ``*.yml``) of a folder, sorted by file name.

    Parameters
    ----------
    directory : str or Path
        The folder, usually ``pipelines/policies``.
    check_evidence, root
        As for :func:`load`; the project's pipelines and catalog are read once for all files.

    Returns
    -------
    list of LogicModel
        One per file; empty when the folder holds none.

    Raises
    ------
    SpecError
        The folder does not exist; any file has problems (the problems of every file are listed
        together); two files declare the same ``policy``.
    """
    directory = Path(directory)
    if not directory.is_dir():
        raise SpecError(
            f"policy folder {str(directory)!r} does not exist; create it and put one "
            "<policy>.yaml per policy there (e.g. pipelines/policies/prop99.yaml)",
            path=str(directory),
        )
    files = sorted([*directory.glob("*.yaml"), *directory.glob("*.yml")])
    project = _Project(Path(root) if root is not None else Project.of(directory / "x.yaml").root)
    models: list[LogicModel] = []
    problems: list[Problem] = []
    messages: list[str] = []
    for file in files:
        try:
            models.append(_load(file, project, check_evidence=check_evidence))
        except SpecError as err:
            messages.append(str(err))
            problems.extend(getattr(err, "problems", []))
    seen: dict[str, LogicModel] = {}
    for model in models:
        if model.policy in seen:
            other = seen[model.policy]
            message = (
                f"policy {model.policy!r} is declared by two files (also {other.display_path}); "
                "give each its own `policy:` slug"
            )
            line = model.lines.get(("policy",))
            problems.append(Problem(model.display_path, line, message))
            messages.append(f"{model.display_path}{f', line {line}' if line else ''}: {message}")
        seen[model.policy] = model
    if messages:
        raise SpecError(
            "\n".join(messages),
            path=str(directory),
            line=problems[0].line if problems else None,
            problems=problems,
        )
    return models


def _fail(shown: str, problems: list[tuple[int | None, str]]) -> SpecError:
    ordered = sorted(problems, key=lambda p: (p[0] is None, p[0] or 0))
    if len(ordered) == 1:
        line, message = ordered[0]
        text = f"{shown}, line {line}: {message}" if line else f"{shown}: {message}"
    else:
        text = f"{shown} has {len(ordered)} problems:\n" + "\n".join(
            f"  line {line}: {message}" if line else f"  {message}" for line, message in ordered
        )
    return SpecError(
        text,
        path=shown,
        line=ordered[0][0],
        problems=[Problem(shown, line, message) for line, message in ordered],
    )


def _load(path: Path, project: _Project, *, check_evidence: bool) -> LogicModel:
    if not path.is_file():
        nearby = sorted(p.name for p in path.parent.glob("*.yaml")) if path.parent.is_dir() else []
        raise _fail(
            str(path),
            [
                (
                    None,
                    f"policy file does not exist.{did_you_mean(path.name, nearby)}"
                    + (f" Policy files there: {', '.join(nearby)}." if nearby else ""),
                )
            ],
        )
    shown = shown_path(path, project.root)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        raise _fail(shown, [(None, f"cannot be read: {err}")]) from err
    try:
        raw, lines = _read_yaml(text, shown)
    except SpecError as err:  # bad YAML: the same error, with `.problems` like every other
        line = getattr(err, "line", None)
        message = str(err).removeprefix(f"{shown}, line {line}: " if line else f"{shown}: ")
        raise _fail(shown, [(line, message)]) from err
    if not isinstance(raw, dict):
        raise _fail(
            shown, [(None, "a policy file is a mapping with `title`, `nodes`, `links`, `kpis`")]
        )
    raw = _dates_to_text(raw)
    checker = _Checker(raw, lines, path, project, check_evidence=check_evidence)
    model = checker.run()
    if checker.problems:
        raise _fail(shown, checker.problems)
    return model


class _Checker:
    """Checks one policy file, collecting every problem, and builds the model."""

    def __init__(
        self,
        raw: dict[Any, Any],
        lines: dict[tuple[Any, ...], int],
        path: Path,
        project: _Project,
        *,
        check_evidence: bool,
    ):
        self.raw = raw
        self.lines = lines
        self.path = path
        self.project = project
        self.check_evidence = check_evidence
        self.problems: list[tuple[int | None, str]] = []
        self.bad: dict[tuple[str, int], set[str] | None] = {}
        self.nodes_listed = True

    def add(self, line: int | None, message: str) -> None:
        self.problems.append((line, message))

    # --- structure ---------------------------------------------------------------------------
    def items(self, key: str) -> list[tuple[int, Any, set[str] | None]]:
        """(index, raw item, its bad or missing keys: None when not a mapping) of a list."""
        items = self.raw.get(key)
        if not isinstance(items, list):
            return []
        return [(i, item, self.bad.get((key, i))) for i, item in enumerate(items)]

    def structure(self) -> None:
        walker = _Walker(self.lines)
        walker.object(self.raw, schema(), (), (), "")
        self.problems.extend(walker.problems)
        self.bad = walker.items
        self.nodes_listed = isinstance(self.raw.get("nodes"), list)

    # --- the whole file ----------------------------------------------------------------------
    def run(self) -> LogicModel:
        self.structure()
        policy = self.raw.get("policy")
        if policy is None:
            policy = self.path.stem
            if not _SLUG.match(policy):
                self.add(
                    None,
                    f"the file name {self.path.name!r} is not a policy slug (lower-case letters, "
                    "digits, '_' and '-'); add `policy: <slug>` or rename the file",
                )
        nodes = self.nodes()
        links = self.links(nodes)
        kpis = self.kpis(nodes)
        return LogicModel(
            policy=str(policy),
            title=str(self.raw.get("title", "")),
            title_ja=self.raw.get("title_ja"),
            description=str(self.raw.get("description", "") or "").strip(),
            owner=str(self.raw.get("owner", "") or ""),
            nodes=tuple(n for n in nodes.values() if isinstance(n, Node)),
            links=tuple(links),
            kpis=tuple(kpis),
            path=self.path.resolve(),
            root=self.project.root.resolve(),
            lines=self.lines,
        )

    # --- nodes -------------------------------------------------------------------------------
    def nodes(self) -> dict[str, Node | None]:
        """Node id → Node (None for a node with other problems: links to it are not reported
        as unknown)."""
        out: dict[str, Node | None] = {}
        first_line: dict[str, int | None] = {}
        for i, item, bad in self.items("nodes"):
            if bad is None or "id" in bad:
                continue
            node_id = item["id"]
            line = self.lines.get(("nodes", i, "id"), self.lines.get(("nodes", i)))
            if node_id in first_line:
                self.add(
                    line,
                    f"node id {node_id!r} is used twice (also on line {first_line[node_id]}); "
                    "give each node its own id",
                )
                continue
            first_line[node_id] = line
            out[node_id] = None
            if not bad:
                out[node_id] = Node(
                    id=node_id,
                    kind=item["kind"],
                    label=item["label"],
                    label_ja=item.get("label_ja"),
                    description=str(item.get("description", "")).strip(),
                    line=self.lines.get(("nodes", i)),
                )
        return out

    def known_node(self, line: int | None, what: str, node_id: str, nodes: dict) -> bool:
        """Whether ``node_id`` is a node; records a problem when it is not."""
        if node_id in nodes:
            return True
        if not self.nodes_listed:  # `nodes` itself is wrong, and reported
            return False
        ids = list(nodes)
        self.add(
            line,
            f"{what} names node {node_id!r}, which is not a node of this file."
            f"{did_you_mean(node_id, ids)} Nodes: {', '.join(ids) or 'none'}. Name one of "
            "them, or add the node to `nodes`.",
        )
        return False

    # --- links -------------------------------------------------------------------------------
    def links(self, nodes: dict[str, Node | None]) -> list[Link]:
        out: list[Link] = []
        seen: dict[tuple[str, str], int | None] = {}
        graph: dict[str, list[str]] = {}
        link_line: dict[tuple[str, str], int | None] = {}
        for i, item, bad in self.items("links"):
            if bad is None:
                continue
            at = ("links", i)
            label = _item_label("links", item, i)
            line = self.lines.get(at)
            if "evidence" in item and "evidence" not in bad and self.check_evidence:
                self.evidence(item["evidence"], at, label)
            if "from" in bad or "to" in bad:
                continue
            src, dst = item["from"], item["to"]
            known = [
                self.known_node(self.lines.get((*at, end), line), f"{label}: `{end}`", node, nodes)
                for end, node in (("from", src), ("to", dst))
            ]
            if src == dst:
                self.add(line, f"{label} points from {src!r} to itself; remove it")
                continue
            if (src, dst) in seen:
                self.add(
                    line,
                    f"{label} appears twice (also on line {seen[(src, dst)]}); remove one (put "
                    "the `evidence` on the one you keep)",
                )
                continue
            seen[(src, dst)] = line
            if not bad:
                ev = item.get("evidence")
                out.append(
                    Link(
                        source=src,
                        target=dst,
                        evidence=Evidence(ev["pipeline"], ev["task"]) if ev else None,
                        description=str(item.get("description", "")).strip(),
                        line=line,
                    )
                )
            a, b = nodes.get(src), nodes.get(dst)
            if not all(known) or a is None or b is None:
                continue
            if _KIND_RANK[a.kind] > _KIND_RANK[b.kind]:
                self.add(
                    line,
                    f"{label} points back in the chain, from {a.kind} {src!r} to {b.kind} "
                    f"{dst!r}; links go {' → '.join(KINDS)}. Swap `from` and `to` if they are "
                    "reversed; describe a feedback loop in `description` instead of a link.",
                )
                continue
            graph.setdefault(src, []).append(dst)
            link_line[(src, dst)] = line
        cycle = _find_cycle(graph)
        if cycle:
            self.add(
                link_line.get((cycle[0], cycle[1])),
                f"links go round in a circle: {' → '.join(cycle)}; a logic model is a chain from "
                "inputs to impact. Remove one of these links.",
            )
        return out

    def evidence(self, raw: dict[str, str], at: tuple[Any, ...], label: str) -> None:
        specs, broken = self.project.pipelines()
        folder = shown_path(self.project.root / "pipelines", self.project.root)
        line = self.lines.get((*at, "evidence", "pipeline"), self.lines.get((*at, "evidence")))
        pipeline, task = raw["pipeline"], raw["task"]
        spec = specs.get(pipeline)
        if spec is None:
            also = f" These specs did not load: {'; '.join(broken)}." if broken else ""
            self.add(
                line,
                f"{label}: evidence names pipeline {pipeline!r}, which is not the `name:` of a "
                f"pipeline in {folder}/.{did_you_mean(pipeline, specs)} "
                f"Pipelines: {', '.join(sorted(specs)) or 'none'}.{also}",
            )
            return
        names = [t.name for t in spec.tasks]
        task_line = self.lines.get((*at, "evidence", "task"), line)
        if task in names:
            return
        outputs = [t.name for t in spec.tasks if t.group == task]
        if outputs:  # a grid (or an `output:` name): the estimate is one task's
            self.add(
                task_line,
                f"{label}: evidence names task {task!r} of pipeline {pipeline!r}, which runs as "
                f"{len(outputs)} task(s): {', '.join(outputs)}; name the one whose estimate is "
                f"the evidence, e.g. `task: {outputs[0]}`.",
            )
            return
        self.add(
            task_line,
            f"{label}: evidence names task {task!r}, which is not a task of pipeline "
            f"{pipeline!r} ({spec.display_path}).{did_you_mean(task, names)} "
            f"Tasks: {', '.join(names)}.",
        )

    # --- KPIs --------------------------------------------------------------------------------
    def kpis(self, nodes: dict[str, Node | None]) -> list[KPI]:
        out: list[KPI] = []
        first_line: dict[str, int | None] = {}
        for i, item, bad in self.items("kpis"):
            if bad is None:
                continue
            at = ("kpis", i)
            line = self.lines.get(at)
            label = _item_label("kpis", item, i)
            if "id" not in bad:
                id_line = self.lines.get((*at, "id"), line)
                if item["id"] in first_line:
                    self.add(
                        id_line,
                        f"KPI id {item['id']!r} is used twice (also on line "
                        f"{first_line[item['id']]}); give each KPI its own id",
                    )
                    continue
                first_line[item["id"]] = id_line
            if "node" not in bad:
                where = self.lines.get((*at, "node"), line)
                self.known_node(where, f"{label}: `node`", item["node"], nodes)
            source = self.source(item["source"], at, label) if "source" not in bad else None
            milestones: dict[str, Milestone | None] = {"baseline": None, "target": None}
            if "frequency" not in bad:
                for key in milestones:
                    if key not in bad:
                        milestones[key] = self.milestone(
                            item[key], (*at, key), label, key, item["frequency"]
                        )
            base, target = milestones["baseline"], milestones["target"]
            if base is not None and target is not None and target.period <= base.period:
                self.add(
                    self.lines.get((*at, "target", "date"), line),
                    f"{label}: the target date {target.label} is not after the baseline date "
                    f"{base.label}; a target is reached after the baseline. Fix `target.date` "
                    "or `baseline.date`.",
                )
            if bad or source is None or base is None or target is None:
                continue
            out.append(
                KPI(
                    id=item["id"],
                    node=item["node"],
                    name=item["name"],
                    direction=item["direction"],
                    frequency=item["frequency"],
                    source=source,
                    baseline=base,
                    target=target,
                    name_ja=item.get("name_ja"),
                    definition=" ".join(str(item.get("definition", "")).split()),
                    unit=str(item.get("unit", "")),
                    owner=str(item.get("owner", "")),
                    line=line,
                    source_lines=self.source_lines(at),
                )
            )
        return out

    def source_lines(self, at: tuple[Any, ...]) -> dict[str, int]:
        prefix = (*at, "source")
        return {
            ".".join(str(p) for p in path[len(prefix) :]): line
            for path, line in self.lines.items()
            if path[: len(prefix)] == prefix and len(path) > len(prefix)
        }

    def milestone(
        self, raw: dict[str, Any], at: tuple[Any, ...], label: str, key: str, frequency: str
    ) -> Milestone | None:
        value = raw["value"]
        ok = True
        if not math.isfinite(value):
            self.add(
                self.lines.get((*at, "value")),
                f"{label}: `{key}.value` must be a finite number, not {value!r}",
            )
            ok = False
        try:
            period = parse_period(raw["date"], frequency)
        except InvalidDateError as err:
            self.add(self.lines.get((*at, "date")), f"{label}: `{key}.date`: {err}")
            return None
        return Milestone(float(value), period, str(raw.get("note", "")).strip()) if ok else None

    def source(self, raw: dict[str, Any], at: tuple[Any, ...], label: str) -> Source:
        source = Source(
            dataset=raw["dataset"],
            time=raw["time"],
            value=raw["value"],
            parameters=dict(raw.get("parameters") or {}),
            filter=dict(raw.get("filter") or {}),
            aggregate=raw.get("aggregate"),
        )
        catalog = self.project.catalog()
        if catalog is None:
            return source
        line = self.lines.get((*at, "source", "dataset"))
        names = catalog.names()
        if source.dataset not in names:
            folder = shown_path(Path(catalog.path), self.project.root)
            self.add(
                line,
                f"{label}: `source.dataset` {source.dataset!r} is not an entry of the catalogs "
                f"in {folder}/.{did_you_mean(source.dataset, names)} See `ebpm catalog list`, "
                "or add the entry to a catalog file.",
            )
            return source
        try:
            specs = catalog.parameters(source.dataset)
        except CatalogError as err:
            self.add(line, f"{label}: {err}")
            return source
        for name, value in source.parameters.items():
            p_line = self.lines.get((*at, "source", "parameters", name), line)
            if name not in specs:
                takes = f"it takes {', '.join(specs)}" if specs else "it takes no parameters"
                self.add(
                    p_line,
                    f"{label}: dataset {source.dataset!r} has no parameter {name!r}; {takes}."
                    f"{did_you_mean(name, specs)} See `ebpm catalog show {source.dataset}`.",
                )
                continue
            try:
                specs[name].check(value)
            except CatalogError as err:
                self.add(p_line, f"{label}: {err}")
        return source
