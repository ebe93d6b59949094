"""Tests of ebpm.results.EstimateResult, the one result object every estimator returns."""

from __future__ import annotations

import dataclasses
import json

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from matplotlib.axes import Axes

from ebpm.results import TIDY_COLUMNS, EstimateResult


def _table() -> pd.DataFrame:
    """Two terms, columns deliberately out of order, an extra column and a NaN."""
    return pd.DataFrame(
        {
            "event_time": [0, 1],
            "conf_high": [-0.1, np.nan],
            "term": ["treated", "income"],
            "estimate": [-0.5, 0.25],
            "std_error": [0.2, np.nan],
            "statistic": [-2.5, np.nan],
            "p_value": [0.0123, 1.5e-7],
            "conf_low": [-0.9, np.nan],
        },
        index=[10, 20],
    )


def _make(**overrides: object) -> EstimateResult:
    kwargs: dict[str, object] = {
        "method": "did",
        "title": "Difference-in-differences",
        "estimand": "ATT",
        "table": _table(),
        "headline": "treated",
        "n_obs": 120,
        "inference": "cluster-robust (CRV1) by State",
        "design": {
            "outcome": "Rate",
            "unit": "State",
            "time": "quarter",
            "treated": "treated",
            "n_units": 20,
            "n_periods": 6,
        },
        "diagnostics": {"r2": 0.9, "pretrend_p": np.float64(0.4), "bad": float("nan")},
        "provenance": {"entry": "studies.organ_donations"},
    }
    kwargs.update(overrides)
    return EstimateResult(**kwargs)  # type: ignore[arg-type]


@pytest.fixture
def result() -> EstimateResult:
    return _make()


@pytest.fixture
def _close_figures():
    yield
    plt.close("all")


def test_tidy_has_the_shared_columns_first(result: EstimateResult) -> None:
    tidy = result.tidy()
    assert list(tidy.columns) == [*TIDY_COLUMNS, "event_time"]
    assert TIDY_COLUMNS == (
        "term",
        "estimate",
        "std_error",
        "statistic",
        "p_value",
        "conf_low",
        "conf_high",
    )
    assert list(tidy["term"]) == ["treated", "income"]
    assert list(tidy.index) == [0, 1]
    assert tidy.loc[1, "estimate"] == 0.25


def test_tidy_returns_a_copy(result: EstimateResult) -> None:
    tidy = result.tidy()
    tidy.loc[0, "estimate"] = 99.0
    tidy["extra"] = 1
    assert result.estimate == -0.5
    assert "extra" not in result.tidy().columns


def test_result_does_not_share_the_callers_table() -> None:
    table = _table()
    res = _make(table=table)
    table.loc[10, "estimate"] = 99.0
    assert res.estimate == -0.5


def test_result_is_frozen(result: EstimateResult) -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.headline = "income"  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.n_obs = 1  # type: ignore[misc]
    assert result.headline == "treated"
    assert result.n_obs == 120


def test_mappings_are_read_only(result: EstimateResult) -> None:
    with pytest.raises(TypeError):
        result.diagnostics["r2"] = 0.1  # type: ignore[index]
    with pytest.raises(TypeError):
        result.design["outcome"] = "other"  # type: ignore[index]
    with pytest.raises(TypeError):
        result.provenance["entry"] = "other"  # type: ignore[index]
    assert result.diagnostics["r2"] == 0.9


def test_mappings_do_not_share_the_callers_dict() -> None:
    diagnostics = {"r2": 0.9}
    res = _make(diagnostics=diagnostics)
    diagnostics["r2"] = 0.1
    diagnostics["new"] = 1
    assert dict(res.diagnostics) == {"r2": 0.9}


def test_headline_properties(result: EstimateResult) -> None:
    assert result.estimate == -0.5
    assert result.std_error == 0.2
    assert result.conf_int == (-0.9, -0.1)
    assert result.p_value == 0.0123
    assert isinstance(result.estimate, float)


def test_headline_can_be_any_term() -> None:
    res = _make(headline="income")
    assert res.estimate == 0.25
    assert np.isnan(res.std_error)


def test_glance_is_one_row(result: EstimateResult) -> None:
    glance = result.glance()
    assert len(glance) == 1
    row = glance.iloc[0]
    assert row["method"] == "did"
    assert row["estimand"] == "ATT"
    assert row["term"] == "treated"
    assert row["estimate"] == -0.5
    assert row["std_error"] == 0.2
    assert (row["conf_low"], row["conf_high"]) == (-0.9, -0.1)
    assert row["conf_level"] == 0.95
    assert row["n_obs"] == 120
    assert row["n_units"] == 20
    assert row["n_periods"] == 6
    assert "n_clusters" not in glance.columns


def test_summary_shows_title_roles_and_formatted_estimates(result: EstimateResult) -> None:
    text = result.summary()
    lines = text.splitlines()
    assert lines[0] == "Difference-in-differences"
    assert lines[1] == "=" * len("Difference-in-differences")
    assert "outcome: Rate" in text
    assert "observations: 120   units: 20   periods: 6" in text
    assert "inference: cluster-robust (CRV1) by State" in text
    assert "-0.5000" in text
    assert "0.2000" in text
    assert "1.5e-07" in text  # tiny p-values keep significant digits instead of 0.0000
    assert "nan" not in text.lower()  # missing values print blank
    assert "(95% confidence intervals; headline term: treated)" in text
    assert str(result) == text


def test_repr_html_has_a_table(result: EstimateResult) -> None:
    page = result._repr_html_()
    assert "<table" in page
    assert page.count("<tr") == 3  # header and two terms
    assert '<tr style="font-weight:bold"><td>treated</td>' in page
    assert "<td>-0.5000</td>" in page
    assert "n = 120" in page


def test_repr_html_escapes_text() -> None:
    res = _make(title="A & B <script>")
    page = res._repr_html_()
    assert "A &amp; B &lt;script&gt;" in page
    assert "<script>" not in page


def test_to_dict_round_trips_through_json(result: EstimateResult) -> None:
    data = result.to_dict()
    text = json.dumps(data, allow_nan=False)
    back = json.loads(text)
    assert back == data
    assert back["headline"] == {
        "term": "treated",
        "estimate": -0.5,
        "std_error": 0.2,
        "conf_low": -0.9,
        "conf_high": -0.1,
        "p_value": 0.0123,
    }
    assert back["table"][1]["std_error"] is None
    assert back["table"][1]["conf_high"] is None
    assert back["table"][0]["event_time"] == 0
    assert back["diagnostics"] == {"r2": 0.9, "pretrend_p": 0.4, "bad": None}
    assert back["provenance"] == {"entry": "studies.organ_donations"}
    assert back["design"]["n_units"] == 20
    assert back["n_obs"] == 120
    assert back["interval_label"] == "confidence intervals"


def test_to_json_matches_to_dict(result: EstimateResult) -> None:
    assert json.loads(result.to_json()) == result.to_dict()


@pytest.mark.usefixtures("_close_figures")
def test_plot_returns_axes(result: EstimateResult) -> None:
    ax = result.plot()
    assert isinstance(ax, Axes)
    assert ax.get_title() == "Difference-in-differences"
    assert [t.get_text() for t in ax.get_yticklabels()] == ["income", "treated"]
    assert ax.get_xlabel() == "estimate (95% CI)"


@pytest.mark.usefixtures("_close_figures")
def test_plot_draws_on_a_given_axes(result: EstimateResult) -> None:
    fig, ax = plt.subplots()
    returned = result.plot(ax=ax)
    assert returned is ax
    assert len(fig.axes) == 1
    assert ax.get_title() == "Difference-in-differences"


def test_missing_tidy_column_raises() -> None:
    with pytest.raises(ValueError, match=r"result table lacks columns \['std_error'\]"):
        _make(table=_table().drop(columns="std_error"))


def test_unknown_headline_raises() -> None:
    with pytest.raises(
        ValueError, match=r"headline term 'treat' is not in the table terms \['treated', 'income'\]"
    ):
        _make(headline="treat")


def test_results_compare_by_identity_and_hash() -> None:
    a, b = _make(), _make()
    assert a == a
    assert a != b  # two fits are different objects, even with equal tables
    assert len({a, b}) == 2


def test_tidy_table_uses_t_or_normal_inference() -> None:
    from scipy import stats

    from ebpm.results import tidy_table

    t = tidy_table(["a", "b"], [2.0, -1.0], [1.0, 0.5], df=10, conf_level=0.9)
    crit = stats.t.ppf(0.95, 10)
    assert list(t.columns) == list(TIDY_COLUMNS)
    assert t["statistic"].tolist() == [2.0, -2.0]
    assert t.loc[0, "p_value"] == pytest.approx(2 * stats.t.sf(2.0, 10))
    assert t.loc[1, "conf_low"] == pytest.approx(-1.0 - crit * 0.5)
    z = tidy_table(["a"], [2.0], [1.0])
    assert z.loc[0, "p_value"] == pytest.approx(2 * stats.norm.sf(2.0))
    assert z.loc[0, "conf_high"] == pytest.approx(2.0 + stats.norm.ppf(0.975))
