"""Tests of ebpm.kpi: logic-model files (schema and semantic errors, with lines) and periods.
The follow-up itself (compute, the report, changes) is tested in test_compute.py."""

from __future__ import annotations

import json
import re
from pathlib import Path

import fastjsonschema
import numpy as np
import pandas as pd
import pytest
import yaml

from ebpm.errors import InvalidDateError, InvalidOptionError, SpecError
from ebpm.kpi import (
    KINDS,
    LogicModel,
    compute,
    load,
    load_all,
    parse_period,
    period_label,
    schema,
)
from ebpm.pipeline.check import Problem
from tests.conftest import FIXTURES as _FIXTURES
from tests.kpi.conftest import PROP99, REPO, SMALL, _policy, _small

FIXTURES = _FIXTURES / "kpi"


# --- loading the example -----------------------------------------------------------------------
def test_prop99_example_loads_with_its_evidence(prop99: LogicModel) -> None:
    raw = yaml.safe_load(PROP99.read_text(encoding="utf-8"))
    assert prop99.policy == "prop99"
    assert prop99.title == raw["title"]
    assert prop99.title_ja == "カリフォルニア州 提案99号 たばこ対策"
    assert [n.id for n in prop99.nodes] == [n["id"] for n in raw["nodes"]]
    assert prop99.root == REPO.resolve()
    assert prop99.display_path == "pipelines/policies/prop99.yaml"
    # every kind of the chain is present, in chain order
    assert list(prop99.nodes_by_kind()) == list(KINDS)
    assert [n.id for n in prop99.nodes_by_kind()["input"]] == ["tax", "funds"]
    evidence = prop99.links_with_evidence()
    assert [(link.source, link.target) for link in evidence] == [
        ("price", "sales"),
        ("reach", "sales"),
    ]
    assert {(e.evidence.pipeline, e.evidence.task) for e in evidence} == {
        ("demo", "prop99_synthetic_control")
    }
    (kpi,) = prop99.kpis
    assert prop99.kpis_for("sales") == [kpi]
    assert prop99.kpis_for("tax") == []
    assert kpi.baseline.value == 90.1
    assert kpi.baseline.period == pd.Period("1988", "Y-DEC")
    assert kpi.target.period == pd.Period("2000", "Y-DEC")
    assert kpi.source.filter == {"State": "California"}
    assert kpi.source.aggregate is None
    assert kpi.line == prop99.lines[("kpis", 0)]


def test_prop99_baseline_is_the_1988_value_of_the_panel(prop99, california) -> None:
    assert prop99.kpis[0].baseline.value == pytest.approx(california[1988], abs=0.01)


def test_model_to_dict_is_json(prop99: LogicModel) -> None:
    data = prop99.to_dict()
    assert json.loads(json.dumps(data, allow_nan=False)) == data
    assert data["path"] == "pipelines/policies/prop99.yaml"
    assert data["kpis"][0]["baseline"] == {
        "value": 90.1,
        "period": "1988",
        "note": prop99.kpis[0].baseline.note,
    }
    assert {"source": "price", "target": "sales"}.items() <= data["links"][5].items()
    assert data["links"][5]["evidence"] == {
        "pipeline": "demo",
        "task": "prop99_synthetic_control",
        "expected": "decrease",  # the file says sales should fall
    }
    assert data["links"][0]["evidence"] is None


def test_evidence_may_say_which_way_the_estimate_should_go(tmp_path: Path) -> None:
    text = """\
title: t
nodes:
  - {id: a, kind: activity, label: A}
  - {id: b, kind: output, label: B}
  - {id: c, kind: short_term_outcome, label: C}
links:
  - {from: a, to: b, evidence: {pipeline: demo, task: t, expected: decrease}}
  - {from: b, to: c, evidence: {pipeline: demo, task: t}}
"""
    model = load(_policy(tmp_path, text), check_evidence=False)
    assert [link.evidence.expected for link in model.links] == ["decrease", "either"]
    assert model.to_dict()["links"][0]["evidence"]["expected"] == "decrease"
    assert schema()["definitions"]["evidence"]["properties"]["expected"]["enum"] == [
        "increase",
        "decrease",
        "either",
    ]
    bad = text.replace("expected: decrease", "expected: down")
    with pytest.raises(
        SpecError,
        match=r"p\.yaml, line 7: link 1 \(a → b\): `evidence\.expected` must be one of "
        r"increase, decrease, either, not 'down'\.",
    ):
        load(_policy(tmp_path, bad), check_evidence=False)
    with pytest.raises(SpecError, match=r"not 'Decrease'\. Did you mean 'decrease'\?"):
        load(_policy(tmp_path, text.replace("decrease", "Decrease")), check_evidence=False)


def test_unknown_node_or_kpi_id(prop99: LogicModel) -> None:
    with pytest.raises(InvalidOptionError, match=r"no node 'sale'\. Did you mean 'sales'\?"):
        prop99.kpis_for("sale")
    with pytest.raises(InvalidOptionError, match=r"no KPI 'sales'\..*'sales_per_capita'"):
        prop99.kpi("sales")


def test_good_fixture_and_lines() -> None:
    model = load(FIXTURES / "good.yaml", root=REPO)
    assert model.policy == "good"
    assert [k.id for k in model.kpis] == ["sales_per_capita"]
    assert model.kpis[0].source_lines["time"] == 36
    assert model.where(model.kpis[0], "filter.State").endswith("good.yaml, line 35")
    assert model.links[1].line == 21


def test_load_all_reads_the_policy_folder() -> None:
    models = load_all(REPO / "pipelines" / "policies")
    assert [m.policy for m in models] == sorted(
        p.stem for p in (REPO / "pipelines" / "policies").glob("*.yaml")
    )
    assert "prop99" in [m.policy for m in models]


def test_load_all_reports_every_bad_file_and_duplicate_slugs(tmp_path: Path) -> None:
    good = (FIXTURES / "good.yaml").read_text(encoding="utf-8")
    _policy(tmp_path, good, "a.yaml")
    _policy(tmp_path, good, "b.yaml")  # same `policy: good`
    _policy(tmp_path, good.replace("direction: lower", "direction: down"), "c.yaml")
    with pytest.raises(SpecError) as info:
        load_all(tmp_path, check_evidence=False)
    message = str(info.value)
    assert re.search(r"c\.yaml, line 31: .*not 'down'\. Did you mean 'lower'\?", message)
    assert re.search(r"b\.yaml, line 3: policy 'good' is declared by two files \(also a", message)
    assert len(info.value.problems) == 2


def test_load_all_of_an_empty_or_missing_folder(tmp_path: Path) -> None:
    assert load_all(tmp_path) == []
    with pytest.raises(SpecError, match=r"policy folder .*nope.* does not exist; create it"):
        load_all(tmp_path / "nope")


def test_policy_defaults_to_the_file_name(tmp_path: Path) -> None:
    text = SMALL.format(
        direction="lower",
        frequency="annual",
        time="Year",
        value="PacksPerCapita",
        extra="",
        b=1,
        bdate=1988,
        t=0,
        tdate=2000,
    )
    assert load(_policy(tmp_path, text, "my-policy.yaml"), check_evidence=False).policy == (
        "my-policy"
    )
    with pytest.raises(SpecError, match=r"file name 'My Policy\.yaml' is not a policy slug"):
        load(_policy(tmp_path, text, "My Policy.yaml"), check_evidence=False)


def test_unquoted_yaml_dates_are_read(tmp_path: Path) -> None:
    model = _small(tmp_path, bdate="1988-06-30", tdate="2000-12-31")
    assert model.kpis[0].baseline.period == pd.Period("1988", "Y-DEC")
    assert model.kpis[0].target.label == "2000"


# --- every error, from a fixture file ----------------------------------------------------------
BAD = [
    ("unknown_node_link", 23, r"`from` names node 'salse', .*Did you mean 'sales'\?"),
    ("unknown_node_kpi", 27, r"KPI 'sales_per_capita': `node` names node 'sale'.*'sales'\?"),
    ("duplicate_node", 14, r"node id 'campaign' is used twice \(also on line 8\)"),
    ("duplicate_kpi", 39, r"KPI id 'sales_per_capita' is used twice \(also on line 26\)"),
    ("cycle", 28, r"links go round in a circle: campaign → schools → campaign;"),
    ("backward", 25, r"link 4 \(health → tax\) points back in the chain, from impact 'health' "),
    ("unknown_dataset", 33, r"'studies\.prop98' is not an entry .*'studies\.prop99'"),
    ("target_before_baseline", 38, r"target date 1980 is not after the baseline date 1988"),
    ("direction", 30, r"`direction` must be one of higher, lower, not 'lowr'\. .*'lower'\?"),
    ("kind", 12, r"`kind` must be one of input, .*not 'outcome'\. .*'short_term_outcome'\?"),
    ("frequency", 31, r"`frequency` must be one of .*not 'yearly'\. Did you mean 'annual'\?"),
    ("unknown_pipeline", 22, r"pipeline 'dmeo', which is not .*Did you mean 'demo'\?"),
    ("unknown_task", 22, r"task 'prop99_synth', which is not a task of pipeline 'demo'"),
    (
        "grid_task",
        23,
        r"task 'prop99' of pipeline 'demo', which runs as 2 task\(s\): prop99-cluster, "
        r"prop99-hetero; name the one whose estimate is the evidence, e\.g\. `task: prop99-c",
    ),
    ("unknown_key", 10, r"node 'campaign': unknown key 'lable'\. Did you mean .*'label'"),
    ("date", 37, r"`baseline\.date`: '1988-13' is not a date: month 13 does not exist"),
    ("coarse_date", 37, r"1988 is a whole year, but the KPI is quarterly.*e\.g\. '1988Q4'"),
    ("missing_key", 26, r"KPI 'sales_per_capita': it has no `source`; add it, e\.g\. `source: "),
    ("self_link", 18, r"link 1 \(tax → tax\) points from 'tax' to itself; remove it"),
    ("duplicate_link", 25, r"link 4 \(sales → health\) appears twice \(also on line 23\)"),
    ("parameter", 34, r"dataset 'studies\.prop99' has no parameter 'year'; it takes no param"),
    ("value", 38, r"`target\.value` must be a number, not the text '40 packs'"),
    ("not_a_list", 4, r"`nodes` must be a non-empty list of nodes, .*not \{'tax'"),
]


@pytest.mark.parametrize(("name", "line", "match"), BAD, ids=[b[0] for b in BAD])
def test_bad_fixture(name: str, line: int, match: str) -> None:
    path = FIXTURES / f"bad_{name}.yaml"
    with pytest.raises(SpecError, match=match) as info:
        load(path, root=REPO)
    assert info.value.line == line
    assert str(info.value).startswith(f"{path.relative_to(REPO).as_posix()}, line {line}: ")
    assert info.value.problems == [Problem(path.relative_to(REPO).as_posix(), line, ANY)]


class _Any:
    def __eq__(self, other: object) -> bool:
        return isinstance(other, str) and bool(other)


ANY = _Any()


def test_every_fixture_is_tested() -> None:
    names = {p.stem.removeprefix("bad_") for p in FIXTURES.glob("bad_*.yaml")}
    assert names == {b[0] for b in BAD} | {"several"}


def test_all_problems_of_a_file_at_once() -> None:
    with pytest.raises(SpecError, match=r"bad_several\.yaml has 4 problems:\n  line 23: ") as info:
        load(FIXTURES / "bad_several.yaml", root=REPO)
    assert [p.line for p in info.value.problems] == [23, 30, 33, 38]
    message = str(info.value)
    for part in ("'salse'", "'lowr'", "'studies.prop98'", "target date 1980"):
        assert part in message
    assert info.value.line == 23


def test_evidence_is_checked_only_when_asked() -> None:
    path = FIXTURES / "bad_unknown_pipeline.yaml"
    model = load(path, check_evidence=False)
    assert model.links[1].evidence.pipeline == "dmeo"
    # the fixtures folder is no project: no pipelines at all
    with pytest.raises(SpecError, match=r"pipeline 'demo', which is .*Pipelines: none\."):
        load(FIXTURES / "good.yaml")


def test_datasets_are_not_checked_without_a_catalog(tmp_path, monkeypatch, caplog) -> None:
    monkeypatch.setenv("EBPM_CATALOG_DIR", str(tmp_path / "no-catalogs"))
    with caplog.at_level("WARNING", logger="ebpm.kpi.model"):
        model = load(FIXTURES / "bad_unknown_dataset.yaml", check_evidence=False)
    assert model.kpis[0].source.dataset == "studies.prop98"
    assert "datasets of KPIs are not checked: EBPM_CATALOG_DIR=" in caplog.text
    assert "no-catalogs' is not a folder; point it at a folder of catalog YAML" in caplog.text


def test_missing_file_and_bad_yaml(tmp_path: Path) -> None:
    with pytest.raises(SpecError, match=r"does not exist\. Did you mean 'prop99\.yaml'\?"):
        load(REPO / "pipelines" / "policies" / "prop98.yaml")
    with pytest.raises(SpecError, match=r"p\.yaml, line 3: not valid YAML") as info:
        load(_policy(tmp_path, "title: x\nnodes: [\n"), check_evidence=False)
    assert info.value.line == 3
    assert info.value.problems[0].message.startswith("not valid YAML: expected the node content")
    with pytest.raises(SpecError, match=r"a policy file is a mapping with `title`, `nodes`"):
        load(_policy(tmp_path, "- just a list\n"), check_evidence=False)
    with pytest.raises(SpecError, match=r"line 2: key 'title' appears twice \(also on line 1\)"):
        load(_policy(tmp_path, "title: a\ntitle: b\nnodes: []\n"), check_evidence=False)


def test_top_level_problems(tmp_path: Path) -> None:
    with pytest.raises(SpecError) as info:
        load(_policy(tmp_path, "titel: x\nnodes: []\n"), check_evidence=False)
    message = str(info.value)
    assert "line 1: unknown key 'titel'. Did you mean one of 'title', 'title_ja'?" in message
    assert "line 2: `nodes` must be a non-empty list of nodes" in message
    assert "the file has no `title`" not in message  # the misspelt key explains it
    with pytest.raises(SpecError, match=r"the file has no `nodes`; add it, e\.g\. `nodes: \["):
        load(_policy(tmp_path, "title: x\n"), check_evidence=False)
    with pytest.raises(SpecError, match=r"`policy` must be a slug .*not 'Prop 99'"):
        load(_policy(tmp_path, "policy: Prop 99\ntitle: x\nnodes: [{id: a, kind: x}]\n"))


def test_malformed_items_are_each_reported(tmp_path: Path) -> None:
    text = """\
title: t
nodes:
  - 1
  - {id: a, kind: input, label: A}
  - {id: "bad id", kind: input, label: B}
links:
  - x
  - {from: a}
  - {from: a, to: a2, evidence: {pipeline: demo}}
kpis:
  - id: k
    node: a
    name: K
    direction: lower
    frequency: annual
    source: {dataset: studies.prop99, time: Year, value: V, filter: {S: {a: 1}}, aggregate: median}
    baseline: {value: 1, date: 2020}
    target: {value: 0, date: 2024}
  - []
"""
    with pytest.raises(SpecError, match=r"p\.yaml has 9 problems:\n") as info:
        load(_policy(tmp_path, text))
    assert [str(p).removeprefix("p.yaml, ") for p in info.value.problems] == [
        "line 3: node 1: must be a mapping with `id`, `kind` and `label`, not 1",
        "line 5: node 'bad id': `id` must be a name of letters, digits, '_' and '-', e.g. "
        "sales_per_capita, not 'bad id'",
        "line 7: link 1: must be a mapping with `from` and `to`, not 'x'",
        "line 8: link 2 (a → ?): it has no `to`; add it, e.g. `to: sales`",
        "line 9: link 3 (a → a2): `evidence` has no `task`; add it, e.g. "
        "`task: prop99_synthetic_control`",
        "line 9: link 3 (a → a2): `to` names node 'a2', which is not a node of this file. "
        "Did you mean 'a'? Nodes: a. Name one of them, or add the node to `nodes`.",
        "line 16: KPI 'k': `source.filter.S` must be a value (text, a number, true/false or "
        "null) or a non-empty list of values, not {'a': 1}",
        "line 16: KPI 'k': `source.aggregate` must be one of sum, mean, not 'median'. Did you "
        "mean 'mean'?",
        "line 19: KPI 2: must be a mapping with `id`, `node`, `name`, `direction`, `frequency`, "
        "`source`, `baseline` and `target`, not []",
    ]


def test_non_finite_and_dataset_pattern(tmp_path: Path) -> None:
    with pytest.raises(SpecError, match=r"`baseline\.value` must be a finite number, not nan"):
        _small(tmp_path, b=".nan")
    text = (FIXTURES / "good.yaml").read_text(encoding="utf-8").replace("studies.prop99", "x")
    with pytest.raises(SpecError, match=r"`source\.dataset` must be a catalog entry, namespace"):
        load(_policy(tmp_path, text), check_evidence=False)


def test_backward_links_are_errors_but_skips_and_same_kind_links_are_not(tmp_path: Path) -> None:
    text = """\
title: t
nodes:
  - {id: a, kind: input, label: A}
  - {id: b, kind: activity, label: B}
  - {id: c, kind: activity, label: C}
  - {id: d, kind: impact, label: D}
links:
  - {from: a, to: d}   # skips kinds
  - {from: b, to: c}   # same kind
  - {from: c, to: d}
"""
    model = load(_policy(tmp_path, text), check_evidence=False)
    assert [(link.source, link.target) for link in model.links] == [
        ("a", "d"),
        ("b", "c"),
        ("c", "d"),
    ]
    assert model.kpis == ()
    assert {k: [n.id for n in v] for k, v in model.nodes_by_kind().items()} == {
        "input": ["a"],
        "activity": ["b", "c"],
        "impact": ["d"],
    }
    report = compute(model)  # a model without KPIs gives an empty report
    assert report.tidy().empty
    assert list(report.tidy().columns)[:2] == ["kpi", "period"]
    assert report.glance().empty
    assert report.to_dict()["kpis"] == {}


def test_the_schema_file() -> None:
    s = schema()
    assert s["$schema"].startswith("http://json-schema.org/draft-07")
    assert s["definitions"]["node"]["properties"]["kind"]["enum"] == list(KINDS)
    # the schema as a whole (what an editor's YAML language server uses) accepts the example
    raw = yaml.safe_load(PROP99.read_text(encoding="utf-8"))
    fastjsonschema.compile(s)(raw)
    with pytest.raises(fastjsonschema.JsonSchemaValueException):
        fastjsonschema.compile(s)({**raw, "kpis": [{**raw["kpis"][0], "direction": "up"}]})


# --- periods -----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("value", "frequency", "expected", "label"),
    [
        (1988, "annual", pd.Period("1988", "Y-DEC"), "1988"),
        ("1988", "annual", pd.Period("1988", "Y-DEC"), "1988"),
        (1988.0, "annual", pd.Period("1988", "Y-DEC"), "1988"),
        (np.int64(1988), "annual", pd.Period("1988", "Y-DEC"), "1988"),
        ("2024-03-31", "annual", pd.Period("2024", "Y-DEC"), "2024"),
        ("2024Q1", "annual", pd.Period("2024", "Y-DEC"), "2024"),
        ("FY2024", "fiscal_year", pd.Period("2025", "Y-MAR"), "FY2024"),
        ("2024年度", "fiscal_year", pd.Period("2025", "Y-MAR"), "FY2024"),
        (2024, "fiscal_year", pd.Period("2025", "Y-MAR"), "FY2024"),  # 年度 label
        ("2024-03-31", "fiscal_year", pd.Period("2024", "Y-MAR"), "FY2023"),
        ("2024-04-01", "fiscal_year", pd.Period("2025", "Y-MAR"), "FY2024"),
        ("2024Q1", "fiscal_year", pd.Period("2024", "Y-MAR"), "FY2023"),
        ("2024Q1", "quarterly", pd.Period("2024Q1", "Q-DEC"), "2024Q1"),
        ("2024-q3", "quarterly", pd.Period("2024Q3", "Q-DEC"), "2024Q3"),
        ("2024-05", "quarterly", pd.Period("2024Q2", "Q-DEC"), "2024Q2"),
        ("2024-03", "monthly", pd.Period("2024-03", "M"), "2024-03"),
        ("2024年3月", "monthly", pd.Period("2024-03", "M"), "2024-03"),
        ("2024/3/9", "monthly", pd.Period("2024-03", "M"), "2024-03"),
        (pd.Timestamp("2024-03-09"), "monthly", pd.Period("2024-03", "M"), "2024-03"),
        (np.datetime64("2024-03-09"), "monthly", pd.Period("2024-03", "M"), "2024-03"),
        (pd.Period("2024-03", "M"), "quarterly", pd.Period("2024Q1", "Q-DEC"), "2024Q1"),
        # e-Stat time codes (the `time_code` column of e-Stat tables)
        ("2020000000", "annual", pd.Period("2020", "Y-DEC"), "2020"),
        (2020000000, "annual", pd.Period("2020", "Y-DEC"), "2020"),
        ("2020100000", "fiscal_year", pd.Period("2021", "Y-MAR"), "FY2020"),
        ("2020000406", "quarterly", pd.Period("2020Q2", "Q-DEC"), "2020Q2"),
        ("2020001212", "monthly", pd.Period("2020-12", "M"), "2020-12"),
        ("2020000303", "quarterly", pd.Period("2020Q1", "Q-DEC"), "2020Q1"),
    ],
)
def test_parse_period(value, frequency, expected, label) -> None:
    period = parse_period(value, frequency)
    assert period == expected
    assert period_label(period) == label


@pytest.mark.parametrize(
    ("value", "frequency", "match"),
    [
        (
            "soon",
            "annual",
            r"'soon' is not a date: it is in none of the forms ebpm reads; write 1988",
        ),
        ("2024-02-30", "annual", r"that day does not exist"),
        (88, "annual", r"88 is not a four-digit year"),
        (1988.5, "annual", r"must be a whole number"),
        (True, "annual", r"True is not a date"),
        (1988, "quarterly", r"1988 is a whole year, but the KPI is quarterly.*'1988Q4'"),
        ("2024Q1", "monthly", r"'2024Q1' is a whole quarter, but the KPI is monthly.*'2024-12'"),
        ("FY2024", "annual", r"April 2024 to March 2025\), which spans two calendar years"),
        ("FY2024", "quarterly", r"'FY2024' is a whole fiscal year, but the KPI is quarterly"),
        (
            "2020009999",
            "annual",
            r"e-Stat time code 2020009999 is not a year, fiscal year, month or quarter",
        ),
        ("2020000406", "monthly", r"'2020000406' is a whole quarter, but the KPI is monthly"),
    ],
)
def test_parse_period_errors(value, frequency, match) -> None:
    with pytest.raises(InvalidDateError, match=match):
        parse_period(value, frequency)


def test_parse_period_bad_frequency() -> None:
    with pytest.raises(InvalidOptionError, match=r"frequency 'yearly' is not one of .*'annual'"):
        parse_period(1988, "yearly")
