"""Tests of ebpm.kpi: logic-model files (schema and semantic errors, with lines), periods, KPI
follow-up on the real Proposition 99 panel checked by hand, and changes between follow-ups."""

from __future__ import annotations

import json
import re
from pathlib import Path

import fastjsonschema
import numpy as np
import pandas as pd
import pytest
import yaml

from ebpm.catalog import open_catalog
from ebpm.errors import (
    ColumnNotFoundError,
    DataError,
    DuplicateRowsError,
    InvalidDateError,
    InvalidOptionError,
    MissingValueError,
    NonNumericError,
    SpecError,
)
from ebpm.kpi import (
    KINDS,
    STATUSES,
    KPIReport,
    LogicModel,
    changes,
    compute,
    load,
    load_all,
    parse_period,
    period_label,
    schema,
)
from ebpm.pipeline.check import Problem
from tests.conftest import FIXTURES as _FIXTURES
from tests.conftest import ROOT

REPO = ROOT
FIXTURES = _FIXTURES / "kpi"
PROP99 = REPO / "pipelines" / "policies" / "prop99.yaml"


@pytest.fixture(scope="module")
def panel() -> pd.DataFrame:
    """The embedded Proposition 99 panel, as the catalog gives it."""
    return open_catalog(REPO / "catalogs").load("studies.prop99")


@pytest.fixture(scope="module")
def california(panel: pd.DataFrame) -> pd.Series:
    """California's packs per capita by year, straight from the panel."""
    ca = panel[panel["State"] == "California"]
    return ca.set_index("Year")["PacksPerCapita"].astype(float)


@pytest.fixture(scope="module")
def prop99() -> LogicModel:
    return load(PROP99)


def _policy(tmp_path: Path, text: str, name: str = "p.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


SMALL = """\
title: A test policy
nodes:
  - {{id: act, kind: activity, label: Activity}}
  - {{id: out, kind: output, label: Output}}
links:
  - {{from: act, to: out}}
kpis:
  - id: k
    node: out
    name: A KPI
    direction: {direction}
    frequency: {frequency}
    source: {{dataset: studies.prop99, time: {time}, value: {value}{extra}}}
    baseline: {{value: {b}, date: {bdate}}}
    target: {{value: {t}, date: {tdate}}}
"""


def _small(tmp_path: Path, **kw) -> LogicModel:
    values = {
        "direction": "lower",
        "frequency": "annual",
        "time": "Year",
        "value": "PacksPerCapita",
        "extra": ", filter: {State: California}",
        "b": 90.1,
        "bdate": 1988,
        "t": 40,
        "tdate": 2000,
    }
    values.update(kw)
    return load(_policy(tmp_path, SMALL.format(**values)), check_evidence=False)


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
    }
    assert data["links"][0]["evidence"] is None


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


# --- compute on the real panel -----------------------------------------------------------------
def test_compute_prop99_by_hand(prop99: LogicModel, california: pd.Series) -> None:
    report = compute(prop99)
    tidy = report.tidy()
    assert list(tidy.columns) == [
        "kpi",
        "period",
        "actual",
        "target_path",
        "gap",
        "status",
        "period_start",
    ]
    row = tidy.set_index("period")
    # the actuals are California's values, 1970-2000
    assert list(row.index) == [str(y) for y in range(1970, 2001)]
    np.testing.assert_allclose(row["actual"].to_numpy(), california.loc[1970:2000].to_numpy())
    # target path: 90.1 in 1988 to 40 in 2000, 50.1 / 12 packs a year
    assert row.loc["1988", "target_path"] == 90.1
    assert row.loc["1994", "target_path"] == pytest.approx(90.1 - 50.1 * 6 / 12)  # 65.05
    assert row.loc["1997", "target_path"] == pytest.approx(90.1 - 50.1 * 9 / 12)  # 52.525
    assert row.loc["2000", "target_path"] == 40
    assert row.loc["1994", "gap"] == pytest.approx(california[1994] - 65.05)
    # before the baseline: history without a target
    assert np.isnan(row.loc["1987", "target_path"])
    assert np.isnan(row.loc["1987", "gap"])
    assert row.loc["1987", "status"] == "before baseline"
    # lower is better: 58.6 <= 65.05 on track; 53.8 > 52.525 off track
    assert california[1994] == pytest.approx(58.6, abs=1e-4)
    assert row.loc["1994", "status"] == "on track"
    assert california[1997] == pytest.approx(53.8, abs=1e-4)
    assert row.loc["1997", "status"] == "off track"
    assert row.loc["1996", "status"] == "on track"  # 54.5 <= 56.7
    assert row.loc["2000", "status"] == "off track"  # 41.6 > 40
    assert set(tidy["status"]) <= set(STATUSES)
    assert row.loc["1994", "period_start"] == pd.Timestamp("1994-01-01")

    summary = report.glance().iloc[0]
    assert summary["kpi"] == "sales_per_capita"
    assert summary["latest_period"] == "2000"
    assert summary["latest_actual"] == pytest.approx(california[2000])
    assert summary["target_path"] == 40
    assert summary["status"] == "off track"
    assert summary["previous_period"] == "1999"
    assert summary["change"] == pytest.approx(california[2000] - california[1999])  # -5.6
    progress = (california[2000] - 90.1) / (40 - 90.1) * 100
    assert summary["progress"] == pytest.approx(progress)  # 96.8 %
    assert report.status("sales_per_capita") == "off track"
    assert report.sources["sales_per_capita"]["dataset"] == "studies.prop99"
    assert len(report.sources["sales_per_capita"]["sha256"]) == 64


def test_compute_with_data_matches_the_catalog(prop99, panel) -> None:
    given = panel.copy()
    before = given.copy()
    shuffled = given.sample(frac=1, random_state=3)
    a = compute(prop99).tidy()
    b = compute(prop99, data={"sales_per_capita": shuffled}).tidy()
    pd.testing.assert_frame_equal(a, b)
    pd.testing.assert_frame_equal(given, before)  # the caller's frame is untouched
    assert compute(prop99, data={"sales_per_capita": given}).sources["sales_per_capita"] == {
        "dataset": None,
        "given": True,
    }


def test_missing_periods_are_no_data_and_the_target_holds_after_its_date(prop99, panel) -> None:
    ca = panel[(panel["State"] == "California") & ~panel["Year"].isin([1995, 1996])]
    later = pd.DataFrame(
        {"State": "California", "Year": [2001, 2002], "PacksPerCapita": [39.0, np.nan]}
    )
    report = compute(prop99, data={"sales_per_capita": pd.concat([ca, later])})
    row = report.tidy().set_index("period")
    assert row.loc["1995", "status"] == "no data"
    assert np.isnan(row.loc["1995", "actual"])
    assert row.loc["1995", "target_path"] == pytest.approx(90.1 - 50.1 * 7 / 12)
    assert row.loc["2001", "target_path"] == 40  # after the target date
    assert row.loc["2001", "status"] == "on track"  # 39 <= 40
    assert "2002" not in row.index  # no value, and after the latest value
    summary = report.glance().iloc[0]
    assert summary["latest_period"] == "2001"
    assert summary["change"] == pytest.approx(39.0 - row.loc["2000", "actual"])
    assert summary["progress"] == pytest.approx((39 - 90.1) / (40 - 90.1) * 100)


def test_higher_is_better(tmp_path: Path, panel: pd.DataFrame) -> None:
    model = _small(tmp_path, direction="higher", b=90.1, t=100)
    row = compute(model, data={"k": panel}).tidy().set_index("period")
    assert row.loc["1994", "target_path"] == pytest.approx(90.1 + 9.9 * 6 / 12)
    assert row.loc["1994", "status"] == "off track"  # sales fell; the target wanted more
    assert row.loc["1988", "status"] == "on track"  # 90.099998 is 90.1 up to float32 rounding


def test_no_data_since_the_baseline(tmp_path: Path, panel: pd.DataFrame) -> None:
    model = _small(tmp_path, bdate=2001, tdate=2005)
    report = compute(model, data={"k": panel})
    assert set(report.tidy()["status"]) == {"before baseline"}
    summary = report.glance().iloc[0]
    assert summary["status"] == "no data"
    assert summary["latest_period"] == "2000"
    assert np.isnan(summary["progress"])


def test_quarterly_kpi_from_monthly_rows_summed(tmp_path: Path) -> None:
    model = _small(
        tmp_path,
        direction="higher",
        frequency="quarterly",
        time="month",
        value="visits",
        extra=", aggregate: sum",
        b=100,
        bdate="2023Q4",
        t=200,
        tdate="2024Q4",
    )
    months = pd.date_range("2023-10-01", "2024-06-01", freq="MS")
    data = pd.DataFrame({"month": months.strftime("%Y-%m"), "visits": [30.0, 30, 40] + [50] * 6})
    row = compute(model, data={"k": data}).tidy().set_index("period")
    assert list(row.index) == ["2023Q4", "2024Q1", "2024Q2"]
    assert row["actual"].tolist() == [100, 150, 150]
    assert row.loc["2024Q1", "target_path"] == 125
    assert row.loc["2024Q2", "target_path"] == 150
    assert row["status"].tolist() == ["on track", "on track", "on track"]


def test_fiscal_year_kpi_from_dates_averaged(tmp_path: Path) -> None:
    model = _small(
        tmp_path,
        direction="higher",
        frequency="fiscal_year",
        time="day",
        value="rate",
        extra=", aggregate: mean",
        b=10,
        bdate="FY2020",
        t=30,
        tdate="2024年度",
    )
    data = pd.DataFrame(
        {
            "day": pd.to_datetime(["2021-03-31", "2020-04-01", "2021-04-01", "2023-01-15"]),
            "rate": [10.0, 12.0, 15.0, 19.0],
        }
    )
    row = compute(model, data={"k": data}).tidy().set_index("period")
    assert list(row.index) == ["FY2020", "FY2021", "FY2022"]
    assert row["actual"].tolist() == [11, 15, 19]
    assert row["target_path"].tolist() == [10, 15, 20]
    assert row["status"].tolist() == ["on track", "on track", "off track"]


def test_filter_with_a_list_and_the_mean(tmp_path: Path, panel: pd.DataFrame) -> None:
    model = _small(tmp_path, extra=", filter: {State: [California, Utah]}, aggregate: mean")
    row = compute(model, data={"k": panel}).tidy().set_index("period")
    pair = panel[panel["State"].isin(["California", "Utah"])]
    expected = pair.groupby("Year")["PacksPerCapita"].mean()
    assert row.loc["1994", "actual"] == pytest.approx(expected[1994])


# --- compute errors ----------------------------------------------------------------------------
def test_missing_columns_are_named(tmp_path: Path, panel: pd.DataFrame) -> None:
    model = _small(tmp_path, time="Yr", extra=", filter: {Stat: California}")
    with pytest.raises(ColumnNotFoundError) as info:
        compute(model, data={"k": panel})
    message = str(info.value)
    assert re.search(r"p\.yaml, line \d+: KPI 'k': the filter column 'Stat' is not in", message)
    assert "the time column 'Yr' is not in the data given for KPI 'k'. Did you mean 'Year'?" in (
        message
    )
    assert "Its columns are ['State', 'Year', 'PacksPerCapita', 'treated']" in message
    assert "Fix `source.filter`, `source.time` in the policy file." in message
    with pytest.raises(ColumnNotFoundError, match=r"the value column 'Packs' .*'PacksPerCapita'"):
        compute(_small(tmp_path, value="Packs"), data={"k": panel})


def test_filter_that_leaves_no_rows(tmp_path: Path, panel: pd.DataFrame) -> None:
    model = _small(tmp_path, extra=", filter: {State: Californa}")
    match = r"filter State == 'Californa' leaves no rows .*Did you mean 'California'\?"
    with pytest.raises(DataError, match=match):
        compute(model, data={"k": panel})
    model = _small(tmp_path, extra=', filter: {State: California, Year: "1988"}')
    match = (
        r"Year == '1988' leaves no rows .*\(with the filters before it\).*'1988' is a str; "
        "write it as the column does"
    )
    with pytest.raises(DataError, match=match):
        compute(model, data={"k": panel})
    with pytest.raises(DataError, match=r"the data given for KPI 'k' has no rows"):
        compute(model, data={"k": panel.iloc[:0]})


def test_value_column_must_be_numeric(tmp_path: Path, panel: pd.DataFrame) -> None:
    model = _small(tmp_path, value="State")
    match = r"value column 'State' .* is not numeric \(dtype .*, e\.g\. 'California'\)"
    with pytest.raises(NonNumericError, match=match):
        compute(model, data={"k": panel})
    objects = panel.assign(PacksPerCapita=panel["PacksPerCapita"].astype(object))
    report = compute(_small(tmp_path), data={"k": objects})  # numbers held as objects are fine
    assert report.status("k") == "off track"


def test_several_rows_per_period_need_a_filter_or_aggregate(tmp_path, panel) -> None:
    model = _small(tmp_path, extra="")
    match = (
        r"39 rows of the data given for KPI 'k' fall in period 1970 and 30 other periods; add a "
        r"`source\.filter` \(columns that tell them apart: State\), or set `source\.aggregate"
    )
    with pytest.raises(DuplicateRowsError, match=match):
        compute(model, data={"k": panel})


def test_bad_time_values(tmp_path: Path, panel: pd.DataFrame) -> None:
    model = _small(tmp_path)
    holes = panel.astype({"Year": "Float64"})
    holes.loc[holes.index[-1], "Year"] = None
    with pytest.raises(MissingValueError, match=r"time column 'Year' .* is empty in 1 of the 31"):
        compute(model, data={"k": holes})
    text = panel.astype({"Year": str})
    text.loc[text.index[-1], "Year"] = "2000-ish"
    with pytest.raises(InvalidDateError, match=r"holds '2000-ish', which is not one annual period"):
        compute(model, data={"k": text})
    quarterly = _small(tmp_path, frequency="quarterly", bdate="1988Q4", tdate="2000Q4")
    with pytest.raises(InvalidDateError, match=r"1970 is a whole year, but the KPI is quarterly"):
        compute(quarterly, data={"k": panel})


def test_bad_data_argument(prop99: LogicModel, panel: pd.DataFrame) -> None:
    match = r"data has 'sales', which is not a KPI .*Did you mean 'sales_per_capita'\?"
    with pytest.raises(InvalidOptionError, match=match):
        compute(prop99, data={"sales": panel})
    with pytest.raises(DataError, match=r"data\['sales_per_capita'\] is a dict, not a pandas"):
        compute(prop99, data={"sales_per_capita": {"Year": [1988]}})


# --- the report --------------------------------------------------------------------------------
def test_report_views(prop99: LogicModel, panel: pd.DataFrame) -> None:
    report = compute(prop99, data={"sales_per_capita": panel})
    assert isinstance(report, KPIReport)
    table = report.table("sales_per_capita")
    table.loc[0, "actual"] = -1  # a copy
    assert report.tidy().loc[0, "actual"] == pytest.approx(123.0)
    with pytest.raises(InvalidOptionError, match=r"no KPI 'nope'"):
        report.status("nope")
    text = str(report)
    assert "sales_per_capita: off track at 2000: 41.6 packs per person" in text
    assert "target path 40, gap +1.6; target 40 by 2000" in text
    assert "<table" in report._repr_html_()


def test_report_to_dict_is_json(prop99: LogicModel, panel: pd.DataFrame) -> None:
    data = compute(prop99, data={"sales_per_capita": panel}).to_dict()
    assert json.loads(json.dumps(data, allow_nan=False)) == data
    kpi = data["kpis"]["sales_per_capita"]
    assert data["policy"] == "prop99"
    assert kpi["baseline"] == {"period": "1988", "value": 90.1}
    assert kpi["summary"]["status"] == "off track"
    assert kpi["periods"][0] == {
        "period": "1970",
        "actual": 123.0,
        "target_path": None,
        "gap": None,
        "status": "before baseline",
    }
    assert len(kpi["periods"]) == 31


# --- changes -----------------------------------------------------------------------------------
def _report(prop99: LogicModel, frame: pd.DataFrame) -> dict:
    return json.loads(json.dumps(compute(prop99, data={"sales_per_capita": frame}).to_dict()))


def test_changes_between_follow_ups(prop99: LogicModel, panel: pd.DataFrame) -> None:
    ca = panel[panel["State"] == "California"]
    last = _report(prop99, ca[ca["Year"] <= 1996])  # on track in 1996
    now_frame = ca.copy()
    now_frame.loc[now_frame["Year"] == 1994, "PacksPerCapita"] = 60.0  # revised
    now = _report(prop99, now_frame)
    found = changes(now, last)
    kinds = [(c["change"], c["period"]) for c in found]
    assert kinds == [
        ("revised", "1994"),
        ("new period", "1997"),
        ("new period", "1998"),
        ("new period", "1999"),
        ("new period", "2000"),
        ("status", "2000"),
    ]
    revised = found[0]
    assert revised["previous"] == pytest.approx(58.6, abs=1e-4)
    assert revised["current"] == 60.0
    assert revised["message"] == "sales_per_capita: 1994: revised from 58.6 to 60"
    assert found[-1]["previous"] == "on track"
    assert found[-1]["current"] == "off track"
    assert found[-1]["message"] == (
        "sales_per_capita: status changed from on track to off track (latest period 2000)"
    )
    assert changes(now, now) == []


def test_changes_of_removed_periods_targets_and_kpis(prop99, panel) -> None:
    ca = panel[panel["State"] == "California"]
    last = _report(prop99, ca)
    now = _report(prop99, ca[ca["Year"] != 1990])
    now["kpis"]["sales_per_capita"]["target"] = {"period": "2000", "value": 45.0}
    found = changes(now, last)
    assert [(c["change"], c["period"]) for c in found] == [
        ("target", None),
        ("removed period", "1990"),
    ]
    assert found[0]["message"] == "sales_per_capita: target changed from 40 in 2000 to 45 in 2000"
    assert found[1]["previous"] == pytest.approx(77.8, abs=1e-4)

    renamed = json.loads(json.dumps(last))
    renamed["kpis"]["packs"] = renamed["kpis"].pop("sales_per_capita")
    found = changes(renamed, last)
    assert found[0]["change"] == "new kpi"
    assert found[-1]["change"] == "removed kpi"
    assert found[-1]["kpi"] == "sales_per_capita"


def test_first_follow_up(prop99: LogicModel, panel: pd.DataFrame) -> None:
    now = _report(prop99, panel)
    found = changes(now, None)
    assert found[0]["change"] == "new kpi"
    assert found[0]["message"] == "sales_per_capita: new KPI (31 periods with values)"
    assert [c["change"] for c in found[1:]] == ["new period"] * 31


def test_changes_refuses_other_input(prop99: LogicModel, panel: pd.DataFrame) -> None:
    now = _report(prop99, panel)
    with pytest.raises(DataError, match=r"`previous` is not a KPIReport\.to_dict\(\) result"):
        changes(now, {"policy": "prop99"})
    with pytest.raises(DataError, match=r"different policies \('other' before, 'prop99' now\)"):
        changes(now, {**now, "policy": "other"})
    with pytest.raises(DataError, match=r"`current` has report layout version 99"):
        changes({**now, "version": 99}, now)


def test_a_quarterly_kpi_read_from_e_stat_time_codes(tmp_path: Path) -> None:
    """e-Stat tables carry their period as a 10-digit `time_code`; a quarterly KPI reads it."""
    model = _small(
        tmp_path,
        frequency="quarterly",
        time="time_code",
        value="value",
        extra="",
        direction="higher",
        b=100,
        bdate='"2020Q1"',
        t=110,
        tdate='"2020Q4"',
    )
    frame = pd.DataFrame(
        {
            "time_code": ["2020000103", "2020000406", "2020000709", "2020001012"],
            "value": [100.0, 102.0, 108.0, 109.0],
        }
    )
    table = compute(model, data={"k": frame}).table("k").set_index("period")
    assert list(table.index) == ["2020Q1", "2020Q2", "2020Q3", "2020Q4"]
    # the path climbs 10/3 a quarter: 103.33 in Q2 (102 is below it), 106.67 in Q3 (108 above)
    assert table.loc["2020Q2", "target_path"] == pytest.approx(100 + 10 / 3)
    assert list(table["status"]) == ["on track", "off track", "on track", "off track"]
