"""Policy logic models and KPI follow-up (PDCA).

Each policy is a YAML file ``pipelines/policies/<policy>.yaml`` holding its logic model (inputs →
activities → outputs → outcomes → impact), the links between the nodes (some backed by an
evaluation of a pipeline) and the KPIs followed up on them (:mod:`ebpm.kpi.model` documents the
format). :func:`compute` follows the KPIs up against the straight path from baseline to target;
:func:`changes` says what moved since the last follow-up; :func:`verdict` says what an
evaluation's interval shows about the link it backs (supports, inconclusive, contradicts);
:func:`review_sheet` writes the outcomes and their KPIs as the 行政事業レビューシート's outcome
section (an .xlsx).

>>> from ebpm import kpi
>>> model = kpi.load("pipelines/policies/prop99.yaml")   # doctest: +SKIP
>>> report = kpi.compute(model)                          # doctest: +SKIP
>>> print(report.summary())                              # doctest: +SKIP
>>> kpi.changes(report.to_dict(), last_quarter)          # doctest: +SKIP
"""

from ebpm.kpi.compute import REPORT_VERSION, STATUSES, KPIReport, changes, compute
from ebpm.kpi.model import (
    DIRECTIONS,
    FREQUENCIES,
    KINDS,
    KINDS_JA,
    KPI,
    Evidence,
    Link,
    LogicModel,
    Milestone,
    Node,
    Source,
    load,
    load_all,
    parse_period,
    period_label,
    schema,
)
from ebpm.kpi.review_sheet import review_sheet
from ebpm.kpi.verdict import EXPECTED, VERDICTS, verdict

__all__ = [
    "DIRECTIONS",
    "EXPECTED",
    "FREQUENCIES",
    "KINDS",
    "KINDS_JA",
    "KPI",
    "REPORT_VERSION",
    "STATUSES",
    "VERDICTS",
    "Evidence",
    "KPIReport",
    "Link",
    "LogicModel",
    "Milestone",
    "Node",
    "Source",
    "changes",
    "compute",
    "load",
    "load_all",
    "parse_period",
    "period_label",
    "review_sheet",
    "schema",
    "verdict",
]
