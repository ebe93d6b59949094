"""Contract: every estimator returns the same result shape (STYLE.md, "One result object")."""

from __future__ import annotations

import html
import json
import re
import warnings
from collections.abc import Callable

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import pandas as pd
import pytest

import ebpm
from ebpm.catalog import open_catalog
from ebpm.report.result_html import result_html
from ebpm.results import TIDY_COLUMNS, EstimateResult
from tests.conftest import ROOT

CATALOG = open_catalog(ROOT / "catalogs")


def _organ():
    return CATALOG.load("studies.organ_donations"), {
        "outcome": "Rate",
        "unit": "State",
        "time": "quarter_num",
        "treated": "treated",
    }


def _mpdta():
    return CATALOG.load("studies.mpdta"), {
        "outcome": "lemp",
        "unit": "countyreal",
        "time": "year",
        "cohort": "first_treat",
        "seed": 1,
    }


def _staggered_options():
    data, kw = _mpdta()
    data = data.assign(
        state=data["countyreal"] // 1000,
        wt=1.0 + data["countyreal"] % 3,
        year=pd.to_datetime(data["year"].astype(str) + "-01-01"),
        first_treat=pd.to_datetime(
            data["first_treat"].where(data["first_treat"] > 0).astype("Int64").astype(str)
            + "-01-01",
            errors="coerce",
        ),
    )
    return data, {
        **kw,
        "aggregate": "event",
        "covariates": ["lpop"],
        "est_method": "reg",
        "base_period": "universal",
        "weights": "wt",
        "inference": "analytic",
        "cluster": "state",
    }


def _without(made: tuple, key: str) -> tuple:
    data, kwargs = made
    return data, {k: v for k, v in kwargs.items() if k != key}


def _prop99():
    return CATALOG.load("studies.prop99"), {
        "outcome": "PacksPerCapita",
        "unit": "State",
        "time": "Year",
        "treated_unit": "California",
        "treatment_time": 1989,
    }


def _germany_sdid(**options):
    """West Germany from 1991 with placebo adoptions (Austria and Switzerland, in 1991 or,
    when staggered, 1995); inflation as a covariate (complete 1961-1999)."""
    data = CATALOG.load("studies.germany")
    data = data[data["year"].between(1961, 1999)]
    later = 1995 if options.pop("staggered") else 1991
    first = data["country"].map({"West Germany": 1991, "Austria": later, "Switzerland": later})
    data = data.assign(d=(first.fillna(9999) <= data["year"]).astype(int))
    roles = {"outcome": "gdp", "unit": "country", "time": "year", "treated": "d"}
    return data, {**roles, "method": "sdid", **options}


def _senate():
    return CATALOG.load("studies.senate"), {"outcome": "vote", "running": "margin"}


def _senate_take_up():
    """The Senate data with a made-up take-up: assignment, flipped in years divisible by 8."""
    data = CATALOG.load("studies.senate")
    return data.assign(takeup=((data["margin"] >= 0) != (data["year"] % 8 == 0)).astype(int))


def _california():
    data = CATALOG.load("studies.prop99")
    data = data[data["State"] == "California"]
    return data, {"outcome": "PacksPerCapita", "time": "Year", "intervention": 1989}


def _did_options():
    """issue 20: the castle data with the wild bootstrap's test-inversion interval."""
    roles = {"outcome": "l_homicide", "unit": "sid", "time": "year", "treated": "post"}
    return CATALOG.load("studies.castle"), {
        **roles,
        "vcov": "wild",
        "reps": 999,
        "seed": 1,
        "placebos": True,  # and placebo inference across the control states
    }


def _event_study_options():
    """issue 20: mpdta with dates as periods, a time-varying covariate and weights."""
    data = CATALOG.load("studies.mpdta")
    data = data.assign(
        date=pd.to_datetime(data["year"].astype(str) + "-01-01"),
        start=pd.to_datetime(data["first_treat"].astype(str) + "-01-01", errors="coerce").where(
            data["first_treat"] > 0
        ),
        lpop_trend=data["lpop"] * (data["year"] - 2003),
        pop=data["lpop"].rpow(10),
    )
    return data, {
        "outcome": "lemp",
        "unit": "countyreal",
        "time": "date",
        "cohort": "start",
        "covariates": ["lpop_trend"],
        "weights": "pop",
    }


#: name -> (estimator, data and keyword arguments); new designs are added here.
ESTIMATORS: dict[str, tuple[Callable[..., EstimateResult], Callable[[], tuple]]] = {
    "did": (ebpm.did, _organ),
    "event_study": (ebpm.event_study, lambda: _without(_mpdta(), "seed")),
    "event_study_options": (ebpm.event_study, _event_study_options),
    "did_options": (ebpm.did, _did_options),
    "staggered_did": (ebpm.staggered_did, _mpdta),
    # issue 20: R did's options with analytic errors clustered by state, and dates as periods
    "staggered_did_options": (ebpm.staggered_did, lambda: _staggered_options()),
    "synthetic_control": (ebpm.synthetic_control, _prop99),
    "synthetic_control_v": (
        ebpm.synthetic_control,
        lambda: (
            CATALOG.load("studies.germany"),
            {
                "outcome": "gdp",
                "unit": "country",
                "time": "year",
                "treated_unit": "West Germany",
                "treatment_time": 1991,
                "predictors": [("gdp", range(1981, 1991)), ("trade", range(1981, 1991))],
                "training_predictors": [("gdp", range(1971, 1981)), ("trade", range(1971, 1981))],
                "validation_periods": range(1981, 1991),
            },
        ),
    ),
    # issue 20: SDID with several treated units, staggered adoption, covariates, resampled SEs
    "synthdid_bootstrap": (
        ebpm.synthetic_control,
        lambda: _germany_sdid(staggered=False, se="bootstrap", replications=10, seed=1),
    ),
    "synthdid_staggered": (
        ebpm.synthetic_control,
        lambda: _germany_sdid(staggered=True, covariates=["infrate"], se="jackknife"),
    ),
    "its": (ebpm.its, _california),
    "its_counts": (
        ebpm.its,
        lambda: (
            CATALOG.load("studies.sicily"),
            {
                "outcome": "aces",
                "time": "time",
                "intervention": [25, 37],
                "family": "quasipoisson",
                "offset": "stdpop",
                "seasonal": 12,
                "harmonics": 2,
            },
        ),
    ),
    "its_controlled": (
        ebpm.its,
        lambda: (
            CATALOG.load("studies.prop99"),
            {
                "outcome": "PacksPerCapita",
                "time": "Year",
                "intervention": 1989,
                "unit": "State",
                "treated_unit": "California",
            },
        ),
    ),
    "rdd": (
        ebpm.rdd,
        lambda: (CATALOG.load("studies.senate"), {"outcome": "vote", "running": "margin"}),
    ),
    # issue 20: a fuzzy design with a selector, a plug-in variance, weights and covariates;
    # a kink with separate bandwidths, a bias bandwidth and CR2 clusters
    "rdd_fuzzy": (
        ebpm.rdd,
        lambda: (
            _senate_take_up(),
            {
                "outcome": "vote",
                "running": "margin",
                "fuzzy": "takeup",
                "bwselect": "certwo",
                "vce": "hc3",
                "weights": "population",
                "covariates": ["class"],
            },
        ),
    ),
    "rdd_kink": (
        ebpm.rdd,
        lambda: (
            CATALOG.load("studies.senate"),
            {
                "outcome": "vote",
                "running": "margin",
                "deriv": 1,
                "bandwidth": (25.0, 30.0),
                "bias_bandwidth": (40.0, 45.0),
                "vce": "cr2",
                "cluster": "state",
            },
        ),
    ),
    "moran": (
        ebpm.geo.moran,
        lambda: (
            CATALOG.load("geo.tokyo_municipalities"),
            {"column": "UNEMP", "permutations": 99, "seed": 1},
        ),
    ),
}
#: Designs whose second argument is positional by their issue's API: ``moran(gdf, column)``.
POSITIONAL_SECOND = {"moran"}


@pytest.fixture(scope="module", params=sorted(ESTIMATORS))
def fitted(request) -> tuple[str, EstimateResult, pd.DataFrame, dict]:
    func, make = ESTIMATORS[request.param]
    data, kwargs = make()
    before = data.copy()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = func(data, **kwargs)
    pd.testing.assert_frame_equal(data, before)  # the caller's frame is never modified
    return request.param, result, data, kwargs


def test_returns_the_one_result_object(fitted) -> None:
    _, result, _, _ = fitted
    assert isinstance(result, EstimateResult)


def test_tidy_has_the_shared_columns_first(fitted) -> None:
    _, result, _, _ = fitted
    tidy = result.tidy()
    assert tuple(tidy.columns[: len(TIDY_COLUMNS)]) == TIDY_COLUMNS
    assert result.headline in set(tidy["term"])
    assert tidy["estimate"].notna().all()


def test_headline_interval_contains_the_estimate(fitted) -> None:
    _, result, _, _ = fitted
    low, high = result.conf_int
    assert low <= result.estimate <= high
    assert result.std_error > 0
    assert 0 <= result.p_value <= 1


def test_glance_summary_and_html(fitted) -> None:
    _, result, _, _ = fitted
    assert len(result.glance()) == 1
    text = result.summary()
    assert result.title in text
    assert result.estimand in text
    assert f"{result.assumption_label}: " in text
    assert result.interval_label in text
    assert len(result.assumption) > 20
    assert "<table" in result._repr_html_()


def test_to_dict_is_json(fitted) -> None:
    _, result, _, _ = fitted
    payload = json.loads(json.dumps(result.to_dict()))
    assert payload["method"] == result.method
    assert payload["headline"]["estimate"] == pytest.approx(result.estimate)
    assert payload["provenance"]["entry"].startswith(("studies.", "geo."))


def test_plot_returns_axes_and_uses_the_given_one(fitted) -> None:
    _, result, _, _ = fitted
    _, ax = plt.subplots()
    assert result.plot(ax=ax) is ax
    assert result.plot() is not None
    plt.close("all")


def test_results_are_frozen(fitted) -> None:
    _, result, _, _ = fitted
    with pytest.raises(AttributeError):
        result.method = "other"  # type: ignore[misc]


def test_keyword_only_options(fitted) -> None:
    name, _, data, kwargs = fitted
    func, _ = ESTIMATORS[name]
    values = list(kwargs.values())
    n = 2 if name in POSITIONAL_SECOND else 1  # how many arguments may be positional
    with pytest.raises(TypeError):
        func(data, *values[:n])  # one more positional argument than allowed


# --- a Japanese page (issue 18) -----------------------------------------------------------------
_JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")
#: English words ebpm's figures write; none may be left on a Japanese figure.
_ENGLISH = re.compile(
    r"\b(treatment|treated|effect|estimate|cohort|synthetic|observed|fitted|intervention|"
    r"spatial|slope|standardised|cutoff|bandwidth|jump|placebos|period)\b"
)


def test_the_estimators_sentences_read_in_japanese(fitted) -> None:
    _, result, _, _ = fitted
    ja, en = result.said("ja"), result.said("en")
    assert en == {
        "estimand": result.estimand,
        "inference": result.inference,
        "assumption": result.assumption,
        "interval_label": result.interval_label,
    }
    for field in ("estimand", "inference", "assumption"):
        assert _JAPANESE.search(ja[field]), (field, ja[field])
        assert not re.search(r"(?<!信頼)区間", ja[field]), ja[field]  # an interval is 信頼区間
    assert "translations" not in result.to_dict()  # words, not data
    page = result_html(result, "ja")
    assert html.escape(ja["assumption"]) in page
    assert html.escape(result.assumption) not in page


def _texts(ax) -> list[str]:
    legend = ax.get_legend()
    names = [t.get_text() for t in legend.get_texts()] if legend else []
    return [ax.get_title(), ax.get_xlabel(), ax.get_ylabel(), *names]


def test_the_figure_speaks_the_pages_language(fitted, monkeypatch) -> None:
    _, result, _, _ = fitted
    ja = _texts(result.plot(lang="ja"))
    en = _texts(result.plot(lang="en"))
    plt.close("all")
    assert any(_JAPANESE.search(t) for t in ja), ja
    assert not [t for t in ja if _ENGLISH.search(t)], ja
    assert en != ja
    monkeypatch.setenv("EBPM_LANG", "ja")  # what `ebpm run --lang ja` gives each kernel
    assert _texts(result.plot()) == ja
    plt.close("all")


#: The checks each design's results carry (issue 21): one method, the same shape for all.
EXPECTED_CHECKS = {
    "did": set(),
    "did_options": {"staggered adoption"},  # castle: laws passed in different years
    "event_study": {"pre-trends", "pre-trend power"},
    "event_study_options": {"pre-trends", "pre-trend power"},
    "staggered_did": {"pre-trends", "pre-trend power"},
    "staggered_did_options": {"pre-trends", "pre-trend power"},
    "synthetic_control": {"placebo (in-space permutation)"},
    "rdd": {"density test"},
    "its": {"residual autocorrelation"},
    "moran": {"permutation test"},
}


def test_checks_have_one_shape_for_every_design(fitted) -> None:
    from ebpm.trust.checks import CHECK_KEYS

    name, result, _, _ = fitted
    for lang in ("en", "ja"):
        table = result.checks(lang)
        assert isinstance(table, pd.DataFrame)
        assert list(table.columns) == list(CHECK_KEYS)
        assert set(table["status"]) <= {"pass", "warn", "info"}
        assert table["text"].map(lambda t: isinstance(t, str) and t != "").all()
        assert table["check"].is_unique
    english = result.checks()
    assert list(english["check"]) == list(result.checks("ja")["check"])  # names stay English
    if name in EXPECTED_CHECKS:
        assert set(english["check"]) >= EXPECTED_CHECKS[name]
