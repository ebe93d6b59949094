"""Tests of ebpm.compare and ebpm.report.etable: specifications side by side."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import ebpm
from ebpm.catalog import open_catalog
from ebpm.errors import DataError, InvalidOptionError
from ebpm.report import etable
from ebpm.report.tables import Table
from tests.conftest import ROOT

CATALOG = ROOT / "catalogs"
ROLES = {"outcome": "Rate", "unit": "State", "time": "quarter_num", "treated": "treated"}


@pytest.fixture(scope="module")
def fits() -> dict[str, ebpm.EstimateResult]:
    data = open_catalog(CATALOG).load("studies.organ_donations")
    rng = np.random.default_rng(0)
    data = data.assign(x=rng.normal(size=len(data)))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ebpm.FewClustersWarning)
        return {
            "CRV1": ebpm.did(data, **ROLES),
            "HC1": ebpm.did(data, **ROLES, vcov="hetero"),
            "with x": ebpm.did(data, **ROLES, covariates=["x"]),
        }


def test_compare_puts_each_result_in_a_column(fits) -> None:
    table = ebpm.compare(fits)
    assert list(table.columns) == ["CRV1", "HC1", "with x"]
    assert table.loc[("treated", "estimate"), "CRV1"] == pytest.approx(-0.022459, abs=1e-6)
    assert table.loc[("treated", "std_error"), "CRV1"] == pytest.approx(0.006131, abs=1e-6)
    assert table.loc[("treated", "std_error"), "HC1"] == pytest.approx(
        fits["HC1"].std_error, rel=1e-12
    )
    # the covariate row exists only for the model that has it
    assert pd.isna(table.loc[("x", "estimate"), "CRV1"])
    assert table.loc[("x", "estimate"), "with x"] == pytest.approx(
        float(fits["with x"].tidy().set_index("term").at["x", "estimate"])
    )
    assert table.loc[("fit", "observations"), "HC1"] == 162
    assert table.loc[("fit", "inference"), "HC1"] == "heteroskedasticity-robust (HC1)"
    assert table.loc[("fit", "R²"), "CRV1"] == pytest.approx(fits["CRV1"].diagnostics["r2"])


def test_compare_default_names_and_term_selection(fits) -> None:
    table = ebpm.compare(list(fits.values()), terms=["treated"])
    assert list(table.columns) == ["(1)", "(2)", "(3)"]
    assert "x" not in table.index.get_level_values(0)
    named = ebpm.compare(list(fits.values())[:2], names=["a", "b"])
    assert list(named.columns) == ["a", "b"]


def test_compare_errors(fits) -> None:
    with pytest.raises(DataError, match=r"names has 1 labels for 2 results"):
        ebpm.compare(list(fits.values())[:2], names=["a"])
    with pytest.raises(DataError, match=r"'\(2\)' is a DataFrame"):
        ebpm.compare([fits["CRV1"], pd.DataFrame()])
    with pytest.raises(DataError, match=r"at least one result"):
        ebpm.compare([])
    with pytest.raises(DataError, match=r"names must be unique"):
        ebpm.compare(list(fits.values())[:2], names=["a", "a"])


def test_etable_markdown(fits) -> None:
    text = etable(fits, format="markdown")
    lines = text.splitlines()
    assert lines[0] == "|  | CRV1 | HC1 | with x |"
    assert "| treated | -0.0225 | -0.0225 |" in text
    assert "|  | (0.0061) |" in text
    assert "| observations | 162 | 162 | 162 |" in text
    assert "| confidence level | 95% | 95% | 95% |" in text
    assert text._repr_markdown_() == str(text)
    assert text._repr_html_() is None


def test_etable_html_escapes_and_displays(fits) -> None:
    text = etable(fits, format="html", caption="Organ donation <DiD>")
    assert isinstance(text, Table)
    assert text.startswith('<table class="ebpm-etable"><caption>Organ donation &lt;DiD&gt;')
    assert "<td>-0.0225</td>" in text
    assert text._repr_html_() == str(text)


def test_etable_latex_escapes(fits) -> None:
    text = etable(fits, format="latex", caption="50% & more")
    assert r"\caption{50\% \& more}" in text
    assert r"\begin{tabular}{lccc}" in text
    assert r"R$^2$ & 0.979" in text
    assert r"confidence level & 95\% & 95\% & 95\% \\" in text


def test_etable_single_result_and_bad_format(fits) -> None:
    assert "| treated | -0.0225 |" in etable(fits["CRV1"], format="markdown")
    with pytest.raises(InvalidOptionError, match=r"format='md'.*Choose one of: 'html'"):
        etable(fits, format="md")
