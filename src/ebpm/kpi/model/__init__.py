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
        evidence:                   # optional: the evaluation behind the link
          pipeline: demo
          task: prop99_synthetic_control
          expected: decrease        # optional: increase | decrease | either (the default)
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

Evidence
    ``evidence`` names the pipeline task whose headline estimate tests the link, and
    ``expected`` the sign that estimate should have if the link holds (``increase``: above 0,
    ``decrease``: below 0; ``either``, the default: any effect that is not 0). The dashboard
    words what the estimate says with :func:`ebpm.kpi.verdict`: its interval supports the link
    (it excludes 0 on the expected side), is inconclusive (it includes 0) or contradicts it
    (it excludes 0 on the other side). Write ``expected`` whenever the policy expects a
    direction: without it an effect the wrong way reads as support.

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

from ebpm.kpi.model._periods import FREQUENCIES, Frequency, parse_period, period_label
from ebpm.kpi.model._policy_file import load, load_all
from ebpm.kpi.model._schema import schema
from ebpm.kpi.model._types import (
    DIRECTIONS,
    KINDS,
    KINDS_JA,
    KPI,
    Direction,
    Evidence,
    Kind,
    Link,
    LogicModel,
    Milestone,
    Node,
    Source,
)

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
