"""Tests of ebpm.did: published numbers, recovery of a known effect, invariance, error paths."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import ebpm
from ebpm import did
from ebpm.catalog import open_catalog
from ebpm.errors import (
    ColumnNotFoundError,
    DataError,
    DuplicateRowsError,
    EstimationError,
    FewClustersWarning,
    InvalidOptionError,
    MissingValueError,
    NonNumericError,
    StaggeredAdoptionWarning,
)
from ebpm.estimators import MissingValueWarning
from ebpm.results import TIDY_COLUMNS, EstimateResult
from tests.conftest import ROOT

CATALOG_DIR = ROOT / "catalogs"
ORGAN_ROLES = {"outcome": "Rate", "unit": "State", "time": "quarter_num", "treated": "treated"}
SIM_ROLES = {"outcome": "y", "unit": "unit", "time": "period", "treated": "treated"}


def simulate_panel(
    *,
    effect: float,
    seed: int,
    n_units: int = 60,
    n_periods: int = 10,
    first_treated: int = 6,
    staggered: bool = False,
) -> pd.DataFrame:
    """A balanced panel with unit and period effects; half the units treated from ``first_treated``.

    With ``staggered`` the treated half adopts at ``first_treated`` or ``first_treated + 2``, and
    the noise of treated units is larger (heteroskedastic), so robust and classical SEs differ.
    A covariate ``x`` enters the outcome with coefficient 0.8.
    """
    rng = np.random.default_rng(seed)
    unit = np.repeat(np.arange(n_units), n_periods)
    period = np.tile(np.arange(1, n_periods + 1), n_units)
    unit_effect = rng.normal(0, 2, n_units)[unit]
    period_effect = np.linspace(0, 3, n_periods)[period - 1]
    treated_unit = unit < n_units // 2
    start = np.where(staggered & (unit % 2 == 1), first_treated + 2, first_treated)
    treated = (treated_unit & (period >= start)).astype("int64")
    sd = np.where(staggered & treated_unit, 2.0, 1.0)
    x = rng.normal(0, 1, unit.size)
    y = unit_effect + period_effect + effect * treated + 0.8 * x + rng.normal(0, 1, unit.size) * sd
    return pd.DataFrame({"unit": unit, "period": period, "treated": treated, "x": x, "y": y})


def twfe_by_hand(df: pd.DataFrame, *, weights: np.ndarray | None = None) -> float:
    """The treated coefficient of y ~ treated + x + unit dummies + period dummies, by lstsq."""
    design = np.column_stack(
        [
            df["treated"].to_numpy(float),
            df["x"].to_numpy(float),
            pd.get_dummies(df["unit"], dtype=float).to_numpy(),
            pd.get_dummies(df["period"], drop_first=True, dtype=float).to_numpy(),
        ]
    )
    y = df["y"].to_numpy(float)
    if weights is not None:
        root = np.sqrt(weights)
        design, y = design * root[:, None], y * root
    return float(np.linalg.lstsq(design, y, rcond=None)[0][0])


@pytest.fixture(scope="module")
def organ() -> pd.DataFrame:
    return open_catalog(CATALOG_DIR).load("studies.organ_donations")


@pytest.fixture(scope="module")
def organ_result(organ: pd.DataFrame) -> EstimateResult:
    return did(organ, **ORGAN_ROLES)


@pytest.fixture(scope="module")
def panel() -> pd.DataFrame:
    return simulate_panel(effect=2.5, seed=20240501)


# --- published and reference numbers -------------------------------------------------------
def test_organ_donations_matches_published_twfe(organ_result: EstimateResult) -> None:
    # The Effect (Huntington-Klein 2021), ch. 18: TWFE ATT -0.0225; state-clustered SE 0.0061
    # (R fixest, CRV1 with small-sample correction).
    assert organ_result.estimate == pytest.approx(-0.0225, abs=5e-5)
    assert organ_result.std_error == pytest.approx(0.0061, abs=1e-4)
    assert organ_result.n_obs == 162
    assert organ_result.design["n_clusters"] == 27
    assert organ_result.design["n_units"] == 27
    assert organ_result.design["n_periods"] == 6
    assert organ_result.design["n_treated_units"] == 1
    assert organ_result.diagnostics["n_treated_obs"] == 3


def test_organ_donations_interval_uses_t_with_clusters_minus_one(
    organ_result: EstimateResult,
) -> None:
    low, high = organ_result.conf_int
    half = stats.t.ppf(0.975, 26) * organ_result.std_error
    assert low == pytest.approx(organ_result.estimate - half, rel=1e-9)
    assert high == pytest.approx(organ_result.estimate + half, rel=1e-9)
    assert organ_result.inference == "cluster-robust (CRV1) by State, 27 clusters, t(26)"


def test_conf_level_changes_the_interval(organ: pd.DataFrame) -> None:
    res = did(organ, **ORGAN_ROLES, conf_level=0.90)
    low, high = res.conf_int
    assert res.conf_level == 0.90
    assert high - low == pytest.approx(2 * stats.t.ppf(0.95, 26) * res.std_error, rel=1e-9)


def test_result_shape_and_headline(organ_result: EstimateResult) -> None:
    assert isinstance(organ_result, EstimateResult)
    assert organ_result.method == "did"
    assert organ_result.estimand == "ATT"
    assert organ_result.headline == "treated"
    tidy = organ_result.tidy()
    assert tuple(tidy.columns[: len(TIDY_COLUMNS)]) == TIDY_COLUMNS
    assert list(tidy["term"]) == ["treated"]
    assert organ_result.diagnostics["formula"] == "Rate ~ treated | State + quarter_num"
    assert 0 < organ_result.diagnostics["r2_within"] < organ_result.diagnostics["r2"] <= 1


def test_result_provenance_carries_the_catalog_entry(organ_result: EstimateResult) -> None:
    assert organ_result.provenance["entry"] == "studies.organ_donations"
    assert organ_result.provenance["package"] == "causaldata"
    back = json.loads(organ_result.to_json())
    assert back["provenance"]["entry"] == "studies.organ_donations"
    assert back["headline"]["estimate"] == pytest.approx(-0.0225, abs=5e-5)


def test_provenance_is_empty_for_plain_data(panel: pd.DataFrame) -> None:
    assert dict(did(panel, **SIM_ROLES).provenance) == {}


def test_prop99_matches_arkhangelsky_table_1() -> None:
    # Arkhangelsky et al. (2021, AER), Table 1: DID estimate -27.3 for Proposition 99.
    prop99 = open_catalog(CATALOG_DIR).load("studies.prop99")
    res = did(prop99, outcome="PacksPerCapita", unit="State", time="Year", treated="treated")
    assert res.estimate == pytest.approx(-27.35, abs=0.01)
    assert res.n_obs == 1209
    assert res.design["n_units"] == 39
    assert res.design["n_periods"] == 31
    assert res.provenance["entry"] == "studies.prop99"


def test_is_exported_at_top_level() -> None:
    assert ebpm.did is did


# --- simulated panels ----------------------------------------------------------------------
def test_recovers_known_effect(panel: pd.DataFrame) -> None:
    res = did(panel, **SIM_ROLES)
    assert abs(res.estimate - 2.5) < 3 * res.std_error
    low, high = res.conf_int
    assert low < 2.5 < high
    assert 0 < res.std_error < 0.5
    assert res.n_obs == 600
    assert res.design["n_treated_units"] == 30
    assert res.diagnostics["n_treated_obs"] == 30 * 5


def test_null_effect_interval_covers_zero() -> None:
    res = did(simulate_panel(effect=0.0, seed=7), **SIM_ROLES)
    low, high = res.conf_int
    assert low < 0 < high
    assert res.p_value > 0.05


def test_estimate_matches_dummy_variable_regression(panel: pd.DataFrame) -> None:
    res = did(panel, **SIM_ROLES, covariates=["x"])
    assert res.estimate == pytest.approx(twfe_by_hand(panel), abs=1e-8)


def test_row_order_does_not_matter(panel: pd.DataFrame) -> None:
    base = did(panel, **SIM_ROLES)
    shuffled = did(panel.sample(frac=1, random_state=3), **SIM_ROLES)
    assert shuffled.estimate == pytest.approx(base.estimate, abs=1e-10)
    assert shuffled.std_error == pytest.approx(base.std_error, abs=1e-10)


def test_string_unit_ids_give_the_same_estimate(panel: pd.DataFrame) -> None:
    base = did(panel, **SIM_ROLES)
    as_text = panel.assign(unit="u" + panel["unit"].astype(str), period=panel["period"].astype(str))
    res = did(as_text, **SIM_ROLES)
    assert res.estimate == pytest.approx(base.estimate, abs=1e-10)
    assert res.std_error == pytest.approx(base.std_error, abs=1e-10)


def test_boolean_treated_gives_the_same_estimate(panel: pd.DataFrame) -> None:
    base = did(panel, **SIM_ROLES)
    res = did(panel.assign(treated=panel["treated"].astype(bool)), **SIM_ROLES)
    assert res.estimate == pytest.approx(base.estimate, abs=1e-10)


def test_column_names_with_spaces_and_kanji(panel: pd.DataFrame) -> None:
    base = did(panel, **SIM_ROLES)
    renamed = panel.rename(
        columns={"y": "log rate", "unit": "都道府県", "period": "年度", "treated": "導入後"}
    )
    res = did(renamed, outcome="log rate", unit="都道府県", time="年度", treated="導入後")
    assert res.estimate == pytest.approx(base.estimate, abs=1e-10)
    assert res.headline == "導入後"
    assert list(res.tidy()["term"]) == ["導入後"]


def test_vcov_kinds_change_only_the_standard_error() -> None:
    data = simulate_panel(effect=1.0, seed=11, staggered=True)
    with pytest.warns(StaggeredAdoptionWarning, match=r"switches on at 2 different times \(6, 8\)"):
        fits = {kind: did(data, **SIM_ROLES, vcov=kind) for kind in ("cluster", "hetero", "iid")}
    estimates = [f.estimate for f in fits.values()]
    assert estimates == pytest.approx([estimates[0]] * 3, abs=1e-12)
    ses = {kind: f.std_error for kind, f in fits.items()}
    assert ses["hetero"] != pytest.approx(ses["iid"], rel=1e-3)
    assert ses["cluster"] != pytest.approx(ses["hetero"], rel=1e-3)
    assert fits["iid"].inference == "classical (iid)"
    assert fits["hetero"].inference == "heteroskedasticity-robust (HC1)"
    assert "n_clusters" not in fits["hetero"].design
    assert fits["hetero"].design["cluster"] is None


def test_vcov_iid_and_hetero_differ_on_organ_donations(organ: pd.DataFrame) -> None:
    iid = did(organ, **ORGAN_ROLES, vcov="iid")
    hetero = did(organ, **ORGAN_ROLES, vcov="hetero")
    assert iid.estimate == pytest.approx(hetero.estimate, abs=1e-12)
    assert iid.std_error != pytest.approx(hetero.std_error, rel=1e-3)


def test_cluster_option_chooses_the_clusters(panel: pd.DataFrame) -> None:
    data = panel.assign(group=panel["unit"] // 6)
    res = did(data, **SIM_ROLES, cluster="group")
    assert res.design["n_clusters"] == 10
    assert res.design["cluster"] == "group"
    assert res.estimate == pytest.approx(did(panel, **SIM_ROLES).estimate, abs=1e-10)


def test_data_is_not_modified(organ: pd.DataFrame) -> None:
    data = organ.assign(Rate=organ["Rate"].where(organ.index != 5))
    before = data.copy()
    attrs = json.dumps(data.attrs)
    with pytest.warns(MissingValueWarning):
        did(data, **ORGAN_ROLES, vcov="hetero", covariates=["quarter_num"])
    pd.testing.assert_frame_equal(data, before)
    assert json.dumps(data.attrs) == attrs


def test_covariates_add_terms_after_the_headline(panel: pd.DataFrame) -> None:
    res = did(panel, **SIM_ROLES, covariates=["x"])
    tidy = res.tidy()
    assert list(tidy["term"]) == ["treated", "x"]
    assert res.headline == "treated"
    assert res.estimate == tidy.loc[0, "estimate"]
    assert tidy.loc[1, "estimate"] == pytest.approx(0.8, abs=0.15)
    assert res.design["covariates"] == ["x"]
    assert res.diagnostics["formula"] == "y ~ treated + x | unit + period"


def test_weights_give_weighted_least_squares(panel: pd.DataFrame) -> None:
    w = np.random.default_rng(5).uniform(0.2, 3.0, len(panel))
    data = panel.assign(w=w)
    res = did(data, **SIM_ROLES, covariates=["x"], weights="w")
    unweighted = did(data, **SIM_ROLES, covariates=["x"])
    assert res.estimate == pytest.approx(twfe_by_hand(data, weights=w), abs=1e-8)
    assert res.estimate != pytest.approx(unweighted.estimate, abs=1e-6)
    assert res.design["weights"] == "w"
    assert res.n_obs == 600


def test_staggered_adoption_with_no_never_treated_is_estimated() -> None:
    # Everyone is treated eventually, but at different times: the effect is identified.
    data = simulate_panel(effect=0.0, seed=2, n_units=40, first_treated=4)
    data["treated"] = (data["period"] >= 4 + data["unit"] % 3).astype(int)
    data["y"] += 1.5 * data["treated"]
    assert data.groupby("unit")["treated"].max().eq(1).all()
    with pytest.warns(StaggeredAdoptionWarning, match=r"3 different times \(4, 5, 6\)"):
        res = did(data, **SIM_ROLES)
    assert abs(res.estimate - 1.5) < 3 * res.std_error


# --- error paths ---------------------------------------------------------------------------
def test_missing_column_suggests_a_close_match(organ: pd.DataFrame) -> None:
    roles = {**ORGAN_ROLES, "outcome": "rate"}
    with pytest.raises(
        ColumnNotFoundError,
        match=r"outcome='rate' is not a column of the data. Did you mean (one of )?'Rate'",
    ):
        did(organ, **roles)


@pytest.mark.parametrize(
    ("roles", "expected"),
    [
        ({"unit": "state"}, r"unit='state' .*Did you mean (one of )?'State'"),
        ({"time": "quarter"}, r"time='quarter' .*Did you mean 'Quarter'\?"),
        ({"covariates": ["Rates"]}, r"covariates='Rates' .*Did you mean (one of )?'Rate'"),
        ({"weights": "pop"}, r"weights='pop' is not a column.*Columns are: State, Quarter"),
        ({"cluster": "region"}, r"cluster='region' is not a column"),
    ],
)
def test_every_role_is_checked(organ: pd.DataFrame, roles: dict, expected: str) -> None:
    with pytest.raises(ColumnNotFoundError, match=expected):
        did(organ, **{**ORGAN_ROLES, **roles})


def test_missing_column_is_a_key_error(organ: pd.DataFrame) -> None:
    with pytest.raises(KeyError, match=r"outcome='rate'.*Did you mean (one of )?'Rate'"):
        did(organ, **{**ORGAN_ROLES, "outcome": "rate"})


def test_treated_must_be_binary(organ: pd.DataFrame) -> None:
    with pytest.raises(DataError, match=r"treated='quarter_num' must be 0/1 .*holds \['1', '2'"):
        did(organ, **{**ORGAN_ROLES, "treated": "quarter_num"})


def test_nothing_treated_raises(organ: pd.DataFrame) -> None:
    data = organ.assign(treated=0)
    with pytest.raises(DataError, match=r"treated='treated' marks no row as treated"):
        did(data, **ORGAN_ROLES)


def test_everything_treated_raises(organ: pd.DataFrame) -> None:
    data = organ.assign(treated=1)
    with pytest.raises(DataError, match=r"marks every row as treated.*both treated and untreated"):
        did(data, **ORGAN_ROLES)


def test_unknown_vcov_lists_the_choices(organ: pd.DataFrame) -> None:
    with pytest.raises(
        InvalidOptionError,
        match=r"vcov='clustered' is not supported. Did you mean 'cluster'\? "
        r"Choose one of: 'iid', 'hetero', 'cluster'",
    ):
        did(organ, **ORGAN_ROLES, vcov="clustered")  # type: ignore[arg-type]


@pytest.mark.parametrize("bad", [{"Rate": [1.0]}, [1, 2], None])
def test_data_must_be_a_dataframe(bad: object) -> None:
    with pytest.raises(DataError, match=r"did\(\) takes a pandas DataFrame as `data`, got"):
        did(bad, **ORGAN_ROLES)  # type: ignore[arg-type]


def test_empty_dataframe_raises(organ: pd.DataFrame) -> None:
    with pytest.raises(DataError, match=r"did\(\) got an empty DataFrame"):
        did(organ.iloc[0:0], **ORGAN_ROLES)


@pytest.mark.parametrize("level", [95, 0, 1.0])
def test_conf_level_must_be_a_fraction(organ: pd.DataFrame, level: float) -> None:
    with pytest.raises(DataError, match=rf"conf_level={level!r} must be between 0 and 1"):
        did(organ, **ORGAN_ROLES, conf_level=level)


def test_non_numeric_outcome_raises(organ: pd.DataFrame) -> None:
    with pytest.raises(
        NonNumericError, match=r"outcome='Quarter' must be numeric; it holds 'Q42010'"
    ):
        did(organ, **{**ORGAN_ROLES, "outcome": "Quarter"})


def test_non_numeric_covariate_raises(organ: pd.DataFrame) -> None:
    with pytest.raises(DataError, match=r"covariate='Quarter' must be numeric"):
        did(organ, **ORGAN_ROLES, covariates=["Quarter"])


def test_negative_weights_raise(panel: pd.DataFrame) -> None:
    data = panel.assign(w=np.where(panel.index == 3, -1.0, 1.0))
    with pytest.raises(
        DataError, match=r"weights='w' must be non-negative; its smallest value is -1"
    ):
        did(data, **SIM_ROLES, weights="w")


def test_text_or_zero_weights_raise(panel: pd.DataFrame) -> None:
    text = panel.assign(w=np.where(panel.index == 3, "heavy", "1"))
    with pytest.raises(NonNumericError, match=r"weights='w' must be numeric; it holds 'heavy'"):
        did(text, **SIM_ROLES, weights="w")
    with pytest.raises(DataError, match=rf"weights='w' is 0 in {len(panel)} row\(s\); a row"):
        did(panel.assign(w=0.0), **SIM_ROLES, weights="w")
    # one zero is refused too, naming the fix (pyfixest itself fails on it with a misleading
    # "must have only non-negative values")
    one = panel.assign(w=np.where(panel.index == 3, 0.0, 1.0))
    with pytest.raises(
        DataError,
        match=r"weights='w' is 0 in 1 row\(s\).*drop those rows first \(data\[data\['w'\] > 0\]\)",
    ):
        did(one, **SIM_ROLES, weights="w")


def test_missing_outcome_rows_are_dropped_with_a_warning(organ: pd.DataFrame) -> None:
    data = organ.copy()
    data.loc[[0, 7], "Rate"] = np.nan
    with pytest.warns(MissingValueWarning, match=r"dropped 2 of 162 rows .*\(Rate: 2\)"):
        res = did(data, **ORGAN_ROLES)
    assert res.n_obs == 160
    complete = did(data.dropna(subset=["Rate"]), **ORGAN_ROLES)
    assert res.estimate == pytest.approx(complete.estimate, abs=1e-12)
    assert res.estimate != pytest.approx(did(organ, **ORGAN_ROLES).estimate, abs=1e-9)


def test_all_rows_missing_raises(organ: pd.DataFrame) -> None:
    data = organ.assign(Rate=np.nan)
    with (
        pytest.warns(MissingValueWarning, match="dropped 162 of 162 rows"),
        pytest.raises(DataError, match=r"every row has a missing value in \['Rate'\]"),
    ):
        did(data, **ORGAN_ROLES)


def _everyone_treated_at_once(seed: int = 0) -> pd.DataFrame:
    data = simulate_panel(effect=1.0, seed=seed, n_units=20, n_periods=6, first_treated=4)
    data["treated"] = (data["period"] >= 4).astype(int)
    return data


def test_treated_collinear_with_fixed_effects_raises() -> None:
    with pytest.raises(
        EstimationError, match=r"treated='treated' is collinear with the unit/period"
    ):
        did(_everyone_treated_at_once(), **SIM_ROLES)


def test_treated_collinear_with_fixed_effects_and_a_covariate_raises() -> None:
    with pytest.raises(
        EstimationError,
        match=r"treated='treated' is collinear with the unit/period fixed effects.*never-treated",
    ):
        did(_everyone_treated_at_once(), **SIM_ROLES, covariates=["x"])


# --- inference with few clusters ----------------------------------------------------------------
def test_few_clusters_warn_with_cluster_robust_inference(organ: pd.DataFrame) -> None:
    with pytest.warns(FewClustersWarning, match=r"only 27 clusters of 'State'.*vcov='wild'"):
        did(organ, **ORGAN_ROLES)


def test_many_clusters_do_not_warn() -> None:
    import warnings

    panel = simulate_panel(effect=1.0, seed=3, n_units=60)
    with warnings.catch_warnings():
        warnings.simplefilter("error", FewClustersWarning)
        did(panel, **SIM_ROLES)


def test_wild_bootstrap_matches_pyfixest_directly(organ: pd.DataFrame) -> None:
    """Reference implementation: pyfixest's wildboottest on the same model and seed."""
    import pyfixest as pf

    with pytest.warns(FewClustersWarning, match=r"only 1 treated cluster"):
        res = did(organ, **ORGAN_ROLES, vcov="wild", reps=999, seed=7)
    work = pd.DataFrame(
        {
            "y": organ["Rate"],
            "d": organ["treated"].astype(float),
            "u": pd.factorize(organ["State"])[0],
            "t": pd.factorize(organ["quarter_num"])[0],
        }
    )
    work["cl"] = work["u"]
    fit = pf.feols("y ~ d | u + t", data=work, vcov={"CRV1": "cl"})
    ref = fit.wildboottest(reps=999, param="d", seed=7)
    assert res.p_value == pytest.approx(float(ref["Pr(>|t|)"]), abs=1e-12)
    assert res.estimate == pytest.approx(-0.022459, abs=1e-6)
    # one treated state: the bootstrap cannot reject, unlike CRV1's p = 0.001
    assert res.p_value > 0.2
    low, high = res.conf_int
    assert low < 0 < high
    assert res.diagnostics["wild_bootstrap"]["n_treated_clusters"] == 1
    assert res.diagnostics["wild_bootstrap"]["weights"] == "rademacher"
    assert "wild cluster bootstrap" in res.inference


def test_wild_bootstrap_is_reproducible_with_a_seed() -> None:
    panel = simulate_panel(effect=2.5, seed=11, n_units=16)
    a = did(panel, **SIM_ROLES, vcov="wild", reps=999, seed=1)
    b = did(panel, **SIM_ROLES, vcov="wild", reps=999, seed=1)
    assert a.p_value == b.p_value
    assert a.conf_int == b.conf_int
    assert a.diagnostics["wild_bootstrap"]["weights"] == "rademacher"


def test_wild_bootstrap_covers_a_known_effect_with_few_clusters() -> None:
    panel = simulate_panel(effect=2.5, seed=5, n_units=10)
    res = did(panel, **SIM_ROLES, vcov="wild", reps=999, seed=2)
    low, high = res.conf_int
    assert low < 2.5 < high
    assert res.p_value < 0.05
    assert res.diagnostics["wild_bootstrap"]["weights"] == "webb"  # 10 clusters


def test_reps_must_be_a_reasonable_integer(organ: pd.DataFrame) -> None:
    with pytest.raises(InvalidOptionError, match=r"reps=10 must be an integer of at least 99"):
        did(organ, **ORGAN_ROLES, vcov="wild", reps=10)


def test_nan_in_cluster_raises(organ: pd.DataFrame) -> None:
    region = pd.Series("west", index=organ.index, dtype=object)
    region[organ.index % 7 == 0] = None
    data = organ.assign(region=region)
    with pytest.raises(MissingValueError, match=r"cluster='region' has 24 missing value"):
        did(data, **ORGAN_ROLES, cluster="region")


def test_duplicate_unit_time_rows_raise(organ: pd.DataFrame) -> None:
    data = pd.concat([organ, organ.iloc[[5]]])
    with pytest.raises(DuplicateRowsError, match=r"2 rows share a \(State, quarter_num\) pair"):
        did(data, **ORGAN_ROLES)


# --- the balanced-panel fast path agrees with pyfixest ------------------------------------------
@pytest.mark.parametrize("vcov", ["cluster", "hetero", "iid"])
@pytest.mark.parametrize(("n_units", "n_periods", "with_x"), [(40, 8, False), (25, 5, True)])
def test_fast_path_matches_pyfixest(vcov: str, n_units: int, n_periods: int, with_x: bool) -> None:
    """Balanced panels take ebpm's own demeaning; pyfixest is the reference implementation."""
    import warnings

    import pyfixest as pf

    panel = simulate_panel(
        effect=1.3, seed=n_units, n_units=n_units, n_periods=n_periods, first_treated=4
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = did(panel, **SIM_ROLES, covariates=["x"] if with_x else None, vcov=vcov)
        ref = pf.feols(
            "y ~ treated" + (" + x" if with_x else "") + " | unit + period",
            data=panel.assign(cl=panel["unit"] + 0),
            vcov={"CRV1": "cl"} if vcov == "cluster" else vcov,
        ).tidy()
    got = res.tidy().set_index("term")
    for term in ref.index:
        assert got.at[term, "estimate"] == pytest.approx(ref.at[term, "Estimate"], rel=1e-9)
        assert got.at[term, "std_error"] == pytest.approx(ref.at[term, "Std. Error"], rel=1e-9)
        assert got.at[term, "p_value"] == pytest.approx(ref.at[term, "Pr(>|t|)"], rel=1e-6)
        assert got.at[term, "conf_low"] == pytest.approx(ref.at[term, "2.5%"], rel=1e-9)


def test_unbalanced_panel_takes_pyfixest_and_agrees_with_the_balanced_estimate() -> None:
    panel = simulate_panel(effect=1.3, seed=9, n_units=30, n_periods=6, first_treated=4)
    dropped = panel.drop(index=[3, 50])
    res = did(dropped, **SIM_ROLES, vcov="hetero")
    assert res.n_obs == len(panel) - 2
    assert res.estimate == pytest.approx(twfe_by_hand(dropped.assign(x=0.0)), rel=1e-8)


@pytest.mark.parametrize("relabel", [lambda u: u * 7 + 1000, lambda u: -u, lambda u: u + 10**12])
def test_sparse_negative_or_huge_integer_ids_give_the_same_fit(relabel) -> None:
    panel = simulate_panel(effect=1.3, seed=4, n_units=30, n_periods=6, first_treated=4)
    base = did(panel, **SIM_ROLES, vcov="hetero")
    moved = did(panel.assign(unit=relabel(panel["unit"])), **SIM_ROLES, vcov="hetero")
    assert moved.estimate == pytest.approx(base.estimate, rel=1e-12)
    assert moved.std_error == pytest.approx(base.std_error, rel=1e-12)
    assert moved.design["n_units"] == 30
