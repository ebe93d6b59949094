"""Synthetic DiD with several treated units, staggered adoption, covariates and resampled
standard errors (issue 20): agreement with synthdid-py on real data, published numbers,
recovery of known effects, and the error paths."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pandas as pd
import pytest
import synthdid

from ebpm.errors import (
    ColumnNotFoundError,
    DataError,
    EstimationError,
    InvalidOptionError,
    NonNumericError,
    NoTreatedUnitsError,
)
from ebpm.estimators import _synth_sdid
from ebpm.estimators.synth import synthetic_control
from ebpm.results import TIDY_COLUMNS

CPS = {"outcome": "log_wage", "unit": "state", "time": "year", "method": "sdid"}
SIM = {"outcome": "y", "unit": "unit", "time": "period", "treated": "d", "method": "sdid"}
#: Placebo laws on real CPS wages: the minimum-wage states "adopt" in 2010, six abortion-ban
#: states in 2014 (no effect expected; the point is agreement with synthdid-py).
COHORTS = {"CA", "CT", "DE", "MA", "OR", "RI", "VT", "WA"}, {"CO", "HI", "IL", "MD", "ME", "MN"}


@pytest.fixture(scope="module")
def cps() -> pd.DataFrame:
    data = synthdid.load_cps()
    first = data["state"].map(dict.fromkeys(COHORTS[0], 2010) | dict.fromkeys(COHORTS[1], 2014))
    return data.assign(
        d=data["min_wage"].astype(int),
        d2=(first.fillna(9999) <= data["year"]).astype(int),
    )


def _block(data: pd.DataFrame, outcome: str, unit: str, treated: str, x: list[str] | None = None):
    """synthdid-py called directly: controls first, the block of treated units last."""
    wide = data.pivot(index=unit, columns="year", values=outcome)
    ever = data.groupby(unit)[treated].max().astype(bool)
    order = [*wide.index[~ever.loc[wide.index].to_numpy()], *wide.index[ever.loc[wide.index]]]
    t0 = int((data.groupby("year")[treated].max() == 0).sum())
    covs = None
    if x:
        wides = [data.pivot(index=unit, columns="year", values=c).loc[order] for c in x]
        covs = np.stack([w.to_numpy(float) for w in wides], axis=2)
    return synthdid.synthdid_estimate(
        wide.loc[order].to_numpy(float), int((~ever).sum()), t0, X=covs
    ), order


def simulate(
    *,
    effects: dict[int, float],
    n_per_cohort: int = 5,
    seed: int = 0,
    confound: float = 0.0,
    beta: float = 3.0,
) -> pd.DataFrame:
    """y = a_i + l_i' f_t + beta x_it + effect (treated) + noise, 40 units by 30 periods.

    ``effects`` maps each cohort's first treated period to its effect. ``x`` is noise, plus
    ``confound`` for treated units once treated: a confounder the covariate adjustment removes.
    """
    rng = np.random.default_rng(seed)
    n_units, n_periods = 40, 30
    factors = np.cumsum(rng.normal(0, 0.5, (n_periods, 2)), axis=0)
    loadings = rng.uniform(0.5, 1.5, (n_units, 2))
    first = np.full(n_units, 10_000)
    for k, start in enumerate(effects):
        first[k * n_per_cohort : (k + 1) * n_per_cohort] = start
    period = np.arange(1, n_periods + 1)
    d = (period[None, :] >= first[:, None]).astype(int)
    x = rng.normal(0, 2, (n_units, n_periods)) + confound * d
    tau = np.array([effects.get(int(f), 0.0) for f in first])[:, None] * d
    y = 5 + loadings @ factors.T + beta * x + tau + rng.normal(0, 0.2, (n_units, n_periods))
    return pd.DataFrame(
        {
            "unit": np.repeat(np.arange(n_units), n_periods),
            "period": np.tile(period, n_units),
            "y": y.ravel(),
            "x": x.ravel(),
            "d": d.ravel(),
        }
    )


# --- real data against synthdid-py and the published numbers ----------------------------------
def test_prop99_by_treated_column_matches_table_1() -> None:
    # Arkhangelsky et al. (2021), Table 1: SDID -15.6 for Proposition 99.
    prop99 = synthdid.load_california_prop99()
    res = synthetic_control(
        prop99, outcome="PacksPerCapita", unit="State", time="Year", treated="treated",
        method="sdid", replications=30, seed=7,
    )  # fmt: skip
    assert res.estimate == pytest.approx(-15.6038, abs=1e-3)
    assert res.design["treated_unit"] == "California"
    assert res.design["treatment_time"] == 1989
    est = synthdid.synthdid_estimate(*_prop99_matrix(prop99))
    assert res.std_error == pytest.approx(synthdid.placebo_se(est, 30, random_state=7), rel=1e-12)
    assert "placebo (Algorithm 4" in res.inference


def _prop99_matrix(prop99: pd.DataFrame) -> tuple[np.ndarray, int, int]:
    panel = synthdid.panel_matrices(prop99)
    return panel.Y, panel.N0, panel.T0


@pytest.mark.parametrize("se", ["bootstrap", "jackknife", "placebo"])
def test_cps_several_treated_units_match_synthdid(cps: pd.DataFrame, se: str) -> None:
    res = synthetic_control(cps, **CPS, treated="d", se=se, replications=15, seed=3)
    est, order = _block(cps, "log_wage", "state", "d")
    assert res.estimate == pytest.approx(float(est), abs=1e-12)
    ref = {
        "bootstrap": lambda: synthdid.bootstrap_se(est, 15, random_state=3),
        "jackknife": lambda: synthdid.jackknife_se(est),
        "placebo": lambda: synthdid.placebo_se(est, 15, random_state=3),
    }[se]()
    assert res.std_error == pytest.approx(ref, rel=1e-12)
    d = res.diagnostics
    assert d["treated_units"] == order[-8:]
    assert d["cohorts"]["n_treated"].tolist() == [8]
    assert d["gap"].iloc[-1] == pytest.approx(res.estimate, abs=1e-12)  # one post period
    assert d["weights"].sum() == pytest.approx(1.0)
    assert res.design["n_treated"] == 8
    assert res.design["staggered"] is False
    assert list(res.tidy().columns[: len(TIDY_COLUMNS)]) == list(TIDY_COLUMNS)


def test_cps_covariates_match_synthdid(cps: pd.DataFrame) -> None:
    x = ["hours", "urate"]
    res = synthetic_control(cps, **CPS, treated="d", covariates=x, se="jackknife")
    est, _ = _block(cps, "log_wage", "state", "d", x)
    assert res.estimate == pytest.approx(float(est), abs=1e-12)
    assert res.estimate == pytest.approx(0.038866, abs=1e-6)
    beta = res.diagnostics["covariate_coefficients"]
    np.testing.assert_allclose(beta.to_numpy(), est.weights.beta, atol=1e-12)
    assert res.std_error == pytest.approx(synthdid.jackknife_se(est), rel=1e-12)


def test_penn_democracy_block_matches_synthdid() -> None:
    penn = synthdid.load_penn().assign(d=lambda f: f["dem"].astype(int))
    res = synthetic_control(
        penn, outcome="log_gdp", unit="country", time="year", treated="d", method="sdid",
        se="jackknife",
    )  # fmt: skip
    est, _ = _block(penn, "log_gdp", "country", "d")
    assert res.estimate == pytest.approx(float(est), abs=1e-12)
    assert res.std_error == pytest.approx(synthdid.jackknife_se(est), rel=1e-12)
    assert res.design["n_treated"] == 29


@pytest.mark.parametrize("se", ["bootstrap", "jackknife", "placebo"])
def test_cps_staggered_matches_synthdid(cps: pd.DataFrame, se: str) -> None:
    res = synthetic_control(cps, **CPS, treated="d2", se=se, replications=8, seed=5)
    ref = synthdid.staggered_synthdid_estimate(
        cps, unit="state", time="year", outcome="log_wage", treatment="d2"
    )
    assert res.estimate == pytest.approx(ref.att, abs=1e-12)
    assert res.std_error == pytest.approx(ref.se(se, 8, random_state=5), rel=1e-12)
    cohorts = res.diagnostics["cohorts"]
    assert cohorts["adoption_time"].tolist() == [2010, 2014]
    np.testing.assert_allclose(cohorts["estimate"], ref.by_cohort["tau"], atol=1e-12)
    np.testing.assert_allclose(cohorts["weight"], [8 * 9 / (8 * 9 + 6 * 5), 6 * 5 / 102])
    assert res.design["staggered"] is True
    assert res.design["treatment_time"] is None
    assert list(res.diagnostics["weights"].columns) == [2010, 2014]


def test_staggered_covariates_match_synthdid(cps: pd.DataFrame) -> None:
    x = ["hours", "urate"]
    res = synthetic_control(cps, **CPS, treated="d2", covariates=x, se="bootstrap",
                            replications=4, seed=2)  # fmt: skip
    ref = synthdid.staggered_synthdid_estimate(
        cps, unit="state", time="year", outcome="log_wage", treatment="d2", covariates=x
    )
    assert res.estimate == pytest.approx(ref.att, abs=1e-12)
    assert res.std_error == pytest.approx(ref.se("bootstrap", 4, random_state=2), rel=1e-12)
    assert res.diagnostics["covariate_coefficients"].shape == (2, 2)


def test_staggered_jackknife_nets_out_the_covariates(cps: pd.DataFrame) -> None:
    # With covariates, synthdid-py's staggered jackknife drops X beta from the outcome; ours
    # keeps it, so the two differ; with beta = 0 (no covariates) they agree (test above).
    x = ["hours", "urate"]
    res = synthetic_control(cps, **CPS, treated="d2", covariates=x, se="jackknife")
    ref = synthdid.staggered_synthdid_estimate(
        cps, unit="state", time="year", outcome="log_wage", treatment="d2", covariates=x
    )
    assert res.std_error > 0
    assert res.std_error != pytest.approx(ref.se("jackknife"), rel=1e-3)


# --- simulated truth --------------------------------------------------------------------------
def test_several_treated_units_recover_a_known_effect() -> None:
    data = simulate(effects={21: -3.0}, n_per_cohort=6, seed=1)
    res = synthetic_control(data, **SIM, covariates=["x"], se="bootstrap", replications=20,
                            seed=1)  # fmt: skip
    assert res.estimate == pytest.approx(-3.0, abs=0.3)
    low, high = res.conf_int
    assert low < -3.0 < high
    assert res.diagnostics["covariate_coefficients"]["x"] == pytest.approx(3.0, abs=0.1)


def test_staggered_recovers_known_cohort_effects() -> None:
    data = simulate(effects={16: 2.0, 23: 5.0}, seed=2, beta=0.0)
    res = synthetic_control(data, **SIM, se="jackknife")
    cohorts = res.diagnostics["cohorts"].set_index("adoption_time")
    assert cohorts.loc[16, "estimate"] == pytest.approx(2.0, abs=0.4)
    assert cohorts.loc[23, "estimate"] == pytest.approx(5.0, abs=0.4)
    truth = (5 * 15 * 2.0 + 5 * 8 * 5.0) / (5 * 15 + 5 * 8)
    assert res.estimate == pytest.approx(truth, abs=0.3)
    shuffled = data.sample(frac=1.0, random_state=0).astype({"unit": str})
    again = synthetic_control(shuffled, **SIM, placebos=False)
    assert again.estimate == pytest.approx(res.estimate, abs=1e-10)


def test_covariates_remove_a_known_confounder() -> None:
    # x jumps by 2 for treated units once treated and moves y by 3 x: +6 unless adjusted.
    data = simulate(effects={21: 1.0}, n_per_cohort=6, seed=3, confound=2.0)
    naive = synthetic_control(data, **SIM, placebos=False)
    adjusted = synthetic_control(data, **SIM, covariates=["x"], placebos=False)
    assert naive.estimate > 4.0  # most of the +6 left in
    assert adjusted.estimate == pytest.approx(1.0, abs=0.3)


# --- results ----------------------------------------------------------------------------------
def test_plots_for_block_and_staggered(cps: pd.DataFrame) -> None:
    import matplotlib.pyplot as plt

    for treated in ("d", "d2"):
        res = synthetic_control(cps, **CPS, treated=treated, se="jackknife")
        fig, ax = plt.subplots()
        assert res.plot(ax=ax) is ax
        assert ax.get_legend_handles_labels()[1]
        plt.close(fig)
    assert "ジャックナイフ" in res.said("ja")["inference"]


# --- errors -----------------------------------------------------------------------------------
@pytest.mark.parametrize("se", ["bootstrap", "jackknife"])
def test_resampling_with_one_treated_unit_raises(se: str) -> None:
    prop99 = synthdid.load_california_prop99()
    roles = {"outcome": "PacksPerCapita", "unit": "State", "time": "Year", "method": "sdid"}
    with pytest.raises(InvalidOptionError, match=rf"se='{se}' needs at least two treated .*"
                       r"'California'.*Use se='placebo'"):  # fmt: skip
        synthetic_control(prop99, **roles, treated_unit="California", treatment_time=1989, se=se)
    with pytest.raises(InvalidOptionError, match=rf"se='{se}' needs at least two treated"):
        synthetic_control(prop99, **roles, treated="treated", se=se)


def test_placebo_with_more_treated_than_donors_raises(cps: pd.DataFrame) -> None:
    with pytest.raises(InvalidOptionError, match=r"se='placebo' .*more of them \(25\) than "
                       r"treated units \(25\)\. Use se='bootstrap'"):  # fmt: skip
        synthetic_control(cps.assign(d=cps["open_carry"].astype(int)), **CPS, treated="d")


@pytest.mark.parametrize(
    ("se", "instead"),
    [
        ("jackknife", r"use se='placebo' or se='bootstrap', add donors"),
        ("bootstrap", r"use se='placebo' or se='jackknife', add donors"),
        ("placebo", r"use se='bootstrap' or se='jackknife', add donors"),
    ],
)
def test_non_finite_standard_error_raises(monkeypatch, se: str, instead: str) -> None:
    # synthdid-py returns NaN, not an error, e.g. for the jackknife when one donor carries all
    # the weight; a result must not carry it as if it were a standard error
    monkeypatch.setattr(_synth_sdid, "_block_se", lambda *args: float("nan"))
    with pytest.raises(
        EstimationError,
        match=rf"the {se} standard error is nan \(.*; 35 donors, 5 treated unit\(s\)\); "
        + instead
        + r", or pass placebos=False to report the estimate without a standard error",
    ):
        synthetic_control(simulate(effects={21: 1.0}), **SIM, se=se, replications=5, seed=1)


def test_non_finite_standard_error_with_one_treated_unit(monkeypatch) -> None:
    # one treated unit: no other method applies, so the fix is more donors or no placebos
    monkeypatch.setattr(_synth_sdid, "_block_se", lambda *args: float("inf"))
    with pytest.raises(
        EstimationError,
        match=r"the placebo standard error is inf \(a placebo draw gave no estimate; 39 donors, "
        r"1 treated unit\(s\)\); add donors, or pass placebos=False",
    ):
        synthetic_control(simulate(effects={21: 1.0}, n_per_cohort=1), **SIM, replications=5)


def test_non_finite_staggered_jackknife_raises(monkeypatch) -> None:
    monkeypatch.setattr(_synth_sdid, "jackknife_staggered", lambda *args: float("nan"))
    data = simulate(effects={15: 1.0, 21: 2.0})
    with pytest.raises(
        EstimationError,
        match=r"the jackknife standard error is nan \(the jackknife is undefined when one donor "
        r"carries all the unit weight.*30 donors, 10 treated unit\(s\)\)",
    ):
        synthetic_control(data, **SIM, se="jackknife")


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        ({"treated": "d"}, r"treated apply to synthetic difference-in-differences only; pass "
         r"method='sdid'"),
        ({"treated_unit": 0, "treatment_time": 21, "covariates": ["x"]}, r"covariates apply"),
        ({"treated_unit": 0, "treatment_time": 21, "se": "jackknife"}, r"^se apply"),
    ],
)  # fmt: skip
def test_sdid_options_with_sc_raise(extra: dict, expected: str) -> None:
    data = simulate(effects={21: 1.0})
    roles = {"outcome": "y", "unit": "unit", "time": "period"}
    with pytest.raises(InvalidOptionError, match=expected):
        synthetic_control(data, **roles, **extra)


@pytest.mark.parametrize(
    ("extra", "error", "expected"),
    [
        ({"se": "boot"}, InvalidOptionError, r"se='boot' is not supported.*'bootstrap'"),
        ({"treated_unit": 0}, InvalidOptionError, r"give either treated='d' .* not both"),
        ({"treated": None}, InvalidOptionError, r"needs treated_unit and treatment_time"),
        ({"replications": 1}, InvalidOptionError, r"replications=1 must be .* at least 2"),
        ({"covariates": ["xx"]}, ColumnNotFoundError, r"covariates.*'xx'.*'x'"),
        ({"treated": "dd"}, ColumnNotFoundError, r"treated='dd'"),
    ],
)
def test_bad_sdid_options_raise(extra: dict, error: type, expected: str) -> None:
    data = simulate(effects={21: 1.0})
    with pytest.raises(error, match=expected):
        synthetic_control(data, **{**SIM, **extra})


def test_bad_treated_columns_raise() -> None:
    data = simulate(effects={21: 1.0})
    cases = [
        (data.assign(d=data["d"] * 2), DataError, r"must be 0/1 .*holds 2\.0 \(row 20\)"),
        (
            data.assign(d=np.where((data["unit"] == 0) & (data["period"] == 25), 0, data["d"])),
            DataError,
            r"treated='d' switches off for unit=0 in period=25 .*absorbing",
        ),
        (
            data.assign(d=np.where(data["unit"] == 1, 1, data["d"])),
            DataError,
            r"unit=1 is treated from the first period 1",
        ),
        (data.assign(d=0), NoTreatedUnitsError, r"treated='d' is 0 everywhere"),
        (
            data.assign(d=np.where(data["unit"] > 0, 1, 0) * (data["period"] > 5)),
            DataError,
            r"at least two never-treated units .* leaves 1",
        ),
        (data.assign(x="a"), NonNumericError, r"covariates='x' must be numeric"),
    ]
    for frame, error, expected in cases:
        with pytest.raises(error, match=expected):
            synthetic_control(frame, **SIM, covariates=["x"], placebos=False)
