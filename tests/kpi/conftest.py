"""Shared data of the KPI tests: the Proposition 99 panel and policy, and a one-KPI policy file
written from a template (``_small``) for the cases the example does not cover."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from ebpm.catalog import open_catalog
from ebpm.kpi import LogicModel, load
from tests.conftest import ROOT

REPO = ROOT
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
