"""Tests of result.sensitivity(): Rambachan & Roth (2023) robust sets and breakdown values.

Reference: the HonestDiD README's Medicaid example (asheshrambachan/HonestDiD, README.md,
"Example usage - Medicaid expansions"), whose TWFE event study on the states first treated in
2014 (years before 2016, the 2015 cohort dropped, 5 pre- and 2 post-period coefficients, errors
clustered by state) gives, for the first post period (2014):

- relative magnitudes (C-LF): M̄ 0.5 [0.0240, 0.0672], 1 [0.0170, 0.0720], 1.5 [0.00824, 0.0797],
  2 [-0.000916, 0.0881]; "the breakdown value for a significant effect is M̄ = 2";
- smoothness (FLCI): M 0 [0.0259, 0.0607], .01 [0.0132, 0.0787], .02 [0.00286, 0.0907],
  .03 [-0.00714, 0.101], .04 [-0.0171, 0.111], .05 [-0.0271, 0.121]; breakdown "M ≈ 0.03"
  (between .02, whose set excludes zero, and .03, whose set includes it).

The Stata port's README (mcaceresb/stata-honestdid) prints the same to three decimals, and the
average of the two post periods under relative magnitudes: M̄ 0 [0.041, 0.075], .5 [0.033,
0.080], 1 [0.020, 0.090], 1.5 [0.006, 0.103], 2 [-0.008, 0.117].
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from ebpm.catalog import open_catalog
from ebpm.errors import DataError, InvalidOptionError
from ebpm.estimators.did import did
from ebpm.estimators.event_study import event_study
from ebpm.results import EstimateResult
from ebpm.trust.sensitivity import Sensitivity, sensitivity
from tests.conftest import ROOT

CATALOG = open_catalog(ROOT / "catalogs")

SMOOTHNESS = {  # M: (lb, ub), HonestDiD README
    0.0: (0.0259, 0.0607),
    0.01: (0.0132, 0.0787),
    0.02: (0.00286, 0.0907),
    0.03: (-0.00714, 0.101),
    0.04: (-0.0171, 0.111),
    0.05: (-0.0271, 0.121),
}
RELATIVE = {  # Mbar: (lb, ub), HonestDiD README
    0.5: (0.0240, 0.0672),
    1.0: (0.0170, 0.0720),
    1.5: (0.00824, 0.0797),
    2.0: (-0.000916, 0.0881),
}
AVERAGE = {  # Mbar: (lb, ub), stata-honestdid README, l_vec = (0.5, 0.5)
    0.0: (0.041, 0.075),
    0.5: (0.033, 0.080),
    1.0: (0.020, 0.090),
    1.5: (0.006, 0.103),
    2.0: (-0.008, 0.117),
}


def _half_last_digit(printed: np.ndarray) -> np.ndarray:
    """Half a unit in the last of three significant digits of each printed number."""
    return 0.5 * 10.0 ** (np.floor(np.log10(np.abs(printed))) - 2)


@pytest.fixture(scope="module")
def medicaid() -> EstimateResult:
    data = CATALOG.load("studies.ehec_medicaid")
    data = data[(data["year"] < 2016) & (data["yexp2"].isna() | (data["yexp2"] != 2015))].copy()
    data["cohort"] = data["yexp2"].where(data["yexp2"] == 2014, 0)
    return event_study(
        data, outcome="dins", unit="stfips", time="year", cohort="cohort", cluster="stfips"
    )


@pytest.fixture(scope="module")
def smooth(medicaid: EstimateResult) -> Sensitivity:
    return medicaid.sensitivity("smoothness", M=list(SMOOTHNESS), target=0)


@pytest.fixture(scope="module")
def relative(medicaid: EstimateResult) -> Sensitivity:
    return medicaid.sensitivity(Mbar=list(RELATIVE), target=0)


# --- the published example -------------------------------------------------------------------
def test_smoothness_matches_honestdid_readme(smooth: Sensitivity) -> None:
    table = smooth.tidy()
    assert list(table.columns) == ["M", "conf_low", "conf_high"]
    assert table["M"].tolist() == list(SMOOTHNESS)
    published = np.array(list(SMOOTHNESS.values()))
    # R prints 3 significant digits: every bound lies within half a unit of R's last digit,
    # give or take 7e-5 (the FLCI's optimum is found numerically, in R as here).
    gap = np.abs(table[["conf_low", "conf_high"]].to_numpy() - published)
    assert (gap <= _half_last_digit(published) + 7e-5).all()
    # ... and to the Stata port's three decimals, every one.
    assert (table[["conf_low", "conf_high"]].round(3).to_numpy() == published.round(3)).all()
    assert smooth.bound == "M"


def test_smoothness_breakdown_lies_where_the_readme_says(smooth: Sensitivity) -> None:
    assert smooth.breakdown is not None
    assert 0.02 < smooth.breakdown < 0.03
    low, high = smooth.breakdown_bracket  # type: ignore[misc]
    assert high - low < 0.01 / 2**7  # eight bisection steps narrowed the grid's step
    assert low < smooth.breakdown <= high
    inside = smooth.refined.set_index("M")
    assert inside.loc[high, "conf_low"] <= 0 < inside.loc[low, "conf_low"]
    assert "M = 0.0228" in smooth.said("en")


def test_relative_magnitudes_match_honestdid_readme(relative: Sensitivity) -> None:
    table = relative.tidy()
    assert list(table.columns) == ["Mbar", "conf_low", "conf_high"]
    published = np.array(list(RELATIVE.values()))
    # C-LF's critical value is simulated (R's and numpy's random streams differ) and R reads
    # the bounds off a grid of 1000 points 0.00037 apart: agreement to 4e-4, not R's 3 digits.
    assert np.abs(table[["conf_low", "conf_high"]].to_numpy() - published).max() < 4e-4


def test_relative_magnitude_breakdown_is_just_below_two(relative: Sensitivity) -> None:
    # README: "the breakdown value for a significant effect is M̄ = 2" (its grid's step is .5).
    assert relative.breakdown is not None
    assert 1.75 < relative.breakdown <= 2.0
    low, high = relative.breakdown_bracket  # type: ignore[misc]
    assert high - low == pytest.approx(0.5 / 2**4)  # four bisection steps of the grid's .5
    assert 1.5 < low < relative.breakdown == high <= 2.0
    assert len(relative.refined) == 4


def test_average_target_matches_the_stata_port(medicaid: EstimateResult) -> None:
    res = medicaid.sensitivity(Mbar=list(AVERAGE), refine=0)
    assert res.target == "average"
    # the average of the post periods is the event study's headline
    assert res.estimate == pytest.approx(medicaid.estimate, rel=1e-12)
    published = np.array(list(AVERAGE.values()))
    got = res.tidy()[["conf_low", "conf_high"]].to_numpy()
    assert np.abs(got - published).max() < 1e-3
    # the original interval is HonestDiD's: normal, from the same standard error
    half = (res.original[1] - res.original[0]) / 2
    assert half == pytest.approx(1.959964 * medicaid.std_error, rel=1e-6)


# --- shape, words, output --------------------------------------------------------------------
def test_summary_plot_and_json(smooth: Sensitivity, tmp_path) -> None:  # type: ignore[no-untyped-def]
    text = smooth.summary()
    assert "smoothness" in text
    assert "effect at event time 0" in text
    assert "breakdown value: M = 0.0228" in text
    assert "ブレークダウン値" in smooth.said("ja")
    assert smooth.label("ja") == "イベント時点 0 の効果"
    d = json.loads(smooth.to_json())
    assert d["method"] == "smoothness"
    assert d["bound"] == "M"
    assert len(d["sets"]) == 6
    assert len(d["refined"]) == 8
    import matplotlib

    matplotlib.use("Agg")
    ax = smooth.plot(lang="ja")
    assert ax.get_xlabel().startswith("M（")
    assert len(ax.get_xticks()) == 7  # the original interval, then six bounds
    ax.figure.savefig(tmp_path / "s.png")
    assert (tmp_path / "s.png").stat().st_size > 1000


def test_no_breakdown_when_the_original_includes_zero() -> None:
    sigma = np.diag([0.01, 0.01, 0.01, 0.01])
    res = sensitivity([0.0, 0.0, 0.01, 0.05], sigma, n_pre=2, method="smoothness", bounds=[0, 0.1])
    assert res.original[0] < 0 < res.original[1]
    assert res.breakdown is None
    assert res.refined.empty
    assert "already includes zero" in res.said()


def test_no_breakdown_within_the_bounds_tried() -> None:
    sigma = np.diag([1e-4, 1e-4, 1e-4])
    res = sensitivity([0.0, 0.001, 1.0], sigma, n_pre=2, method="smoothness", bounds=[0, 0.01])
    assert res.breakdown is None
    assert "no breakdown within the bounds tried (up to M = 0.01)" in res.said()


# --- simulated truth -------------------------------------------------------------------------
def test_smoothness_set_covers_the_truth_under_a_linear_pre_trend() -> None:
    """A linear violation continues after adoption: the usual interval misses the true effect
    almost always; the robust set at M = 0 (linear extrapolation allowed) covers it."""
    rng = np.random.default_rng(7)
    times = np.array([-4, -3, -2, 0, 1])
    slope, effect = 0.05, 0.1
    mean = slope * (times + 1) + np.where(times >= 0, effect, 0.0)
    sigma = 0.01**2 * (np.eye(5) + 0.3 * (1 - np.eye(5)))
    covered, usual = 0, 0
    draws = 60
    for _ in range(draws):
        b = rng.multivariate_normal(mean, sigma)
        res = sensitivity(b, sigma, n_pre=3, method="smoothness", bounds=[0.0], refine=0)
        lo, hi = res.tidy().iloc[0][["conf_low", "conf_high"]]
        covered += lo <= effect <= hi
        usual += res.original[0] <= effect <= res.original[1]
    assert covered / draws >= 0.88
    assert usual / draws <= 0.1


# --- errors ----------------------------------------------------------------------------------
def test_refuses_a_design_without_event_times(medicaid: EstimateResult) -> None:
    data = CATALOG.load("studies.organ_donations")
    res = did(data, outcome="Rate", unit="State", time="quarter_num", treated="treated")
    with pytest.raises(InvalidOptionError, match=r"sensitivity\(\) needs an event study: a did"):
        res.sensitivity()


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"method": "linear"}, InvalidOptionError, r"method='linear' is not a sensitivity method"),
        ({"M": [0.1]}, InvalidOptionError, r"M= bounds smoothness, not relative_magnitude"),
        (
            {"method": "smoothness", "Mbar": [1]},
            InvalidOptionError,
            r"Mbar= bounds relative magnitudes, not smoothness: pass M=",
        ),
        ({"Mbar": [-1]}, InvalidOptionError, r"Mbar must be finite and 0 or more; got -1"),
        ({"Mbar": []}, InvalidOptionError, r"Mbar=\[\] has no bound"),
        ({"Mbar": ["a"]}, InvalidOptionError, r"not a list of numbers"),
        ({"target": 5}, InvalidOptionError, r"target=5 is not a post-period event time.*\[0, 1\]"),
        ({"target": "first"}, InvalidOptionError, r"target='first'"),
    ],
)
def test_bad_options_name_the_fix(
    medicaid: EstimateResult, kwargs: dict, error: type, match: str
) -> None:
    with pytest.raises(error, match=match):
        medicaid.sensitivity(**kwargs)


def test_refuses_another_reference_period() -> None:
    data = CATALOG.load("studies.ehec_medicaid")
    data = data[data["year"] < 2016].copy()
    data["cohort"] = data["yexp2"].where(data["yexp2"] == 2014, 0)
    res = event_study(
        data, outcome="dins", unit="stfips", time="year", cohort="cohort", ref_period=-2
    )
    with pytest.raises(InvalidOptionError, match=r"this event study's is -2.*ref_period=-1"):
        res.sensitivity()


@pytest.mark.parametrize(
    ("betahat", "sigma", "n_pre", "match"),
    [
        ([0.1, 0.2], np.eye(2), 0, r"at least two pre-period coefficients.*\(found 0\)"),
        ([0.1, 0.2], np.eye(2), 1, r"at least two pre-period coefficients.*\(found 1\)"),
        ([0.1, 0.2], np.eye(2), 2, r"at least one post-period coefficient"),
        ([0.1, 0.2, 0.3], np.eye(2), 2, r"3 coefficients and a 2x2 covariance"),
        ([0.1, 0.2, np.nan], np.eye(3), 2, r"non-finite coefficient"),
    ],
)
def test_bad_numbers_name_the_fix(betahat: list, sigma: np.ndarray, n_pre: int, match: str) -> None:
    with pytest.raises(DataError, match=match):
        sensitivity(betahat, sigma, n_pre=n_pre)


def test_bad_weights_and_level() -> None:
    with pytest.raises(InvalidOptionError, match=r"target weights have 1 entries for 2 post"):
        sensitivity([0.0, 0.0, 0.1, 0.2], np.eye(4), n_pre=2, l_vec=[1.0])
    with pytest.raises(InvalidOptionError, match=r"conf_level=1.5 must lie between 0 and 1"):
        sensitivity([0.0, 0.0, 0.1, 0.2], np.eye(4), n_pre=2, conf_level=1.5)


def test_event_times_must_be_consecutive() -> None:
    from ebpm.trust.sensitivity import event_coefficients

    table = pd.DataFrame(
        {"term": ["a", "b", "c"], "estimate": [0.0, 0.1, 0.2], "event_time": [-4, -2, 0]}
    )
    vcov = pd.DataFrame(np.eye(3), index=list("abc"), columns=list("abc"))
    with pytest.raises(DataError, match=r"consecutive pre-period event times up to -2.*\[-4, -2\]"):
        event_coefficients(table, vcov, method_name="event_study")
    table["event_time"] = [-2, 0, 2]
    with pytest.raises(DataError, match=r"consecutive post-period event times from 0.*\[0, 2\]"):
        event_coefficients(table, vcov, method_name="event_study")


# --- staggered adoption: against moderndid's own honest_did on its event study ---------------
def test_staggered_event_study_matches_moderndid_honest_did() -> None:
    import warnings

    import moderndid as md
    from moderndid.didhonest import honest_did

    from ebpm.estimators.staggered import staggered_did

    data = CATALOG.load("studies.mpdta")
    res = staggered_did(
        data,
        outcome="lemp",
        unit="countyreal",
        time="year",
        cohort="first_treat",
        aggregate="event",
        base_period="universal",
        inference="analytic",
    )
    ours = res.sensitivity("smoothness", M=[0, 0.01, 0.02], target=0, refine=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        gt = md.att_gt(
            data=md.load_mpdta(),
            yname="lemp",
            tname="year",
            idname="countyreal",
            gname="first.treat",
            base_period="universal",
        )
        ref = honest_did(
            md.aggte(gt, type="dynamic"),
            event_time=0,
            sensitivity_type="smoothness",
            m_vec=[0, 0.01, 0.02],
        )
    expected = ref.robust_ci.select(["lb", "ub"]).to_numpy()
    got = ours.tidy()[["conf_low", "conf_high"]].to_numpy()
    assert got == pytest.approx(expected, abs=1e-9)
    assert ours.original == pytest.approx((ref.original_ci.lb, ref.original_ci.ub), abs=1e-9)


def test_staggered_with_a_varying_base_period_is_refused() -> None:
    from ebpm.estimators.staggered import staggered_did

    data = CATALOG.load("studies.mpdta")
    res = staggered_did(
        data,
        outcome="lemp",
        unit="countyreal",
        time="year",
        cohort="first_treat",
        aggregate="event",
        inference="analytic",
    )
    with pytest.raises(InvalidOptionError, match=r'needs a universal base period.*"universal"'):
        res.sensitivity("smoothness")
