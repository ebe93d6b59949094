"""The fast least-favourable critical value (ebpm.trust._lf_cv) gives moderndid's numbers.

ebpm swaps two of moderndid's internals (``compute_least_favorable_cv`` and
``_solve_max_program``) for vertex enumerations of the same linear programs while it computes
relative-magnitudes sets. These tests hold the swap to moderndid's own functions, on random
inputs of the shapes the relative-magnitudes test produces (degenerate ones too), on the calls
of HonestDiD's Medicaid example, and end to end: if a moderndid upgrade changes what these
functions compute or where they are looked up, the numbers part here.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from moderndid.didhonest import arp_nuisance, create_sensitivity_results_rm
from moderndid.didhonest.delta.rm import rm as rm_module

from ebpm.catalog import open_catalog
from ebpm.estimators.event_study import event_study
from ebpm.trust import _lf_cv
from ebpm.trust.sensitivity import event_coefficients, sensitivity
from tests.conftest import ROOT

REFERENCE = arp_nuisance.compute_least_favorable_cv
REFERENCE_MAX = arp_nuisance._solve_max_program


@pytest.fixture(scope="module")
def medicaid() -> tuple[np.ndarray, np.ndarray, int]:
    """HonestDiD README's Medicaid event study: 5 pre- and 2 post-period coefficients."""
    data = open_catalog(ROOT / "catalogs").load("studies.ehec_medicaid")
    data = data[(data["year"] < 2016) & (data["yexp2"].isna() | (data["yexp2"] != 2015))].copy()
    data["cohort"] = data["yexp2"].where(data["yexp2"] == 2014, 0)
    result = event_study(
        data, outcome="dins", unit="stfips", time="year", cohort="cohort", cluster="stfips"
    )
    b, sigma, n_pre, _ = event_coefficients(
        result.table, result.diagnostics.get("vcov"), method_name="event_study"
    )
    return b, (sigma + sigma.T) / 2, n_pre


def _problem(seed: int, rows: int, cols: int) -> tuple[np.ndarray, np.ndarray]:
    """Moments in ± pairs, as relative magnitudes bounds |δ_t - δ_t-1| from both sides (so
    the programs are bounded), with a random covariance."""
    rng = np.random.default_rng(seed)
    half = rng.normal(size=(rows // 2, cols))
    root = rng.normal(size=(rows, rows))
    return np.vstack([half, -half]), root @ root.T / rows


def _degenerate() -> dict[str, tuple[np.ndarray, np.ndarray]]:
    x, sigma = _problem(11, 6, 2)
    zero_row = x.copy()
    zero_row[1] = 0.0  # as in the Medicaid example's moments
    repeated = x.copy()
    repeated[4] = repeated[2]  # two moments with the same loading: tied vertices
    collinear = np.column_stack([x[:, 0], 2 * x[:, 0]])  # X not of full column rank
    low_rank = sigma[:, :3] @ sigma[:3, :3] @ sigma[:, :3].T / 10 + 1e-3 * np.eye(6)
    return {
        "zero_row": (zero_row, sigma),
        "repeated_row": (repeated, sigma),
        "collinear_columns": (collinear, sigma),
        "nearly_singular_sigma": (x, low_rank),
        "one_column_as_vector": (x[:, 0], sigma),
    }


@pytest.mark.parametrize(("rows", "cols", "seed"), [(4, 1, 1), (6, 2, 2), (8, 3, 3), (10, 4, 4)])
def test_critical_value_equals_moderndid_on_random_problems(
    rows: int, cols: int, seed: int
) -> None:
    # 2T moments and T - 1 nuisance directions for T post periods, as relative magnitudes has.
    x, sigma = _problem(seed, rows, cols)
    for kappa in (0.005, 0.05):
        expected = REFERENCE(x, sigma, hybrid_kappa=kappa, sims=300, seed=seed)
        got = _lf_cv.least_favorable_cv(x, sigma, hybrid_kappa=kappa, sims=300, seed=seed)
        assert got == pytest.approx(expected, abs=1e-10, rel=0)


@pytest.mark.parametrize("case", sorted(_degenerate()))
def test_critical_value_equals_moderndid_on_degenerate_problems(case: str) -> None:
    x, sigma = _degenerate()[case]
    rows = np.array([0, 1, 2, 3, 5])
    for subset in (None, rows):
        expected = REFERENCE(x, sigma, hybrid_kappa=0.005, sims=300, rows_for_arp=subset, seed=7)
        got = _lf_cv.least_favorable_cv(
            x, sigma, hybrid_kappa=0.005, sims=300, rows_for_arp=subset, seed=7
        )
        assert got == pytest.approx(expected, abs=1e-10, rel=0)


def test_unbounded_programs_fail_as_in_moderndid() -> None:
    # sd in the span of X: γ'sd = 1 and γ'X = 0 cannot both hold, every program is unbounded,
    # moderndid drops every draw and raises; the fast path hands the case to moderndid.
    _, sigma = _problem(3, 4, 1)
    x = np.sqrt(np.diag(sigma))[:, None] * 3.0
    assert _lf_cv.dual_vertices(np.sqrt(np.diag(sigma)), x) is not None
    assert len(_lf_cv.dual_vertices(np.sqrt(np.diag(sigma)), x)) == 0  # type: ignore[arg-type]
    with pytest.raises(RuntimeError, match="Failed to compute any valid eta"):
        REFERENCE(x, sigma, sims=20)
    with pytest.raises(RuntimeError, match="Failed to compute any valid eta"):
        _lf_cv.least_favorable_cv(x, sigma, sims=20)


def test_too_many_supports_use_moderndid(monkeypatch: pytest.MonkeyPatch) -> None:
    x, sigma = _problem(2, 6, 2)
    monkeypatch.setattr(_lf_cv, "MAX_SUPPORTS", 5)
    assert _lf_cv.dual_vertices(np.sqrt(np.diag(sigma)), x) is None
    got = _lf_cv.least_favorable_cv(x, sigma, sims=50, seed=1)
    assert got == REFERENCE(x, sigma, sims=50, seed=1)


def test_max_program_equals_moderndid() -> None:
    rng = np.random.default_rng(0)
    cases = [_problem(seed, rows, cols) for seed, rows, cols in [(1, 4, 1), (2, 6, 2)]]
    cases += [(x.reshape(len(x), -1), s) for x, s in _degenerate().values()]
    for x, sigma in cases:
        w_t = np.column_stack([np.sqrt(np.diag(sigma)), x])
        vertices = _lf_cv.dual_vertices(w_t[:, 0], w_t[:, 1:])
        assert vertices is not None
        assert len(vertices)
        gamma = vertices[0]
        y = rng.normal(size=len(x))
        s_t = y - sigma @ gamma * (gamma @ y) / (gamma @ sigma @ gamma)
        for c in (-100.0, -1.3, 0.0, 0.7, 4.0, 100.0):
            want = REFERENCE_MAX(s_t, gamma, sigma, w_t, c)
            got = _lf_cv.solve_max_program(s_t, gamma, sigma, w_t, c)
            assert got.success == want.success
            assert got.objective_value == pytest.approx(want.objective_value, abs=1e-10, rel=0)
            assert got.x @ s_t == pytest.approx(want.x @ s_t, abs=1e-10, rel=0)


def _recording(calls: list[tuple[Any, ...]]) -> Any:
    def record(*args: Any, **kwargs: Any) -> float:
        calls.append((args, kwargs))
        return _lf_cv.least_favorable_cv(*args, **kwargs)

    return record


def test_medicaid_calls_and_sets_equal_moderndid(
    medicaid: tuple[np.ndarray, np.ndarray, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    b, sigma, n_pre = medicaid
    calls: list[tuple[Any, ...]] = []
    monkeypatch.setitem(_lf_cv._REPLACEMENTS, _lf_cv._NAME, _recording(calls))
    ours = sensitivity(b, sigma, n_pre=n_pre, bounds=[1.0], l_vec=[1.0, 0.0], refine=0)
    assert len(calls) == 8  # one per (pre-period, sign) polyhedron of the union
    for args, kwargs in calls[:2]:  # the same critical values, call by call
        assert _lf_cv.least_favorable_cv(*args, **kwargs) == pytest.approx(
            REFERENCE(*args, **kwargs), abs=1e-10, rel=0
        )
    # ... and the same sets as moderndid left alone.
    assert arp_nuisance.compute_least_favorable_cv is REFERENCE
    direct = create_sensitivity_results_rm(
        betahat=b,
        sigma=sigma,
        num_pre_periods=n_pre,
        num_post_periods=len(b) - n_pre,
        l_vec=np.array([1.0, 0.0]),
        m_bar_vec=[1.0],
        method="C-LF",
    )
    row = ours.tidy().iloc[0]
    assert row["conf_low"] == pytest.approx(float(direct["lb"][0]), abs=1e-10, rel=0)
    assert row["conf_high"] == pytest.approx(float(direct["ub"][0]), abs=1e-10, rel=0)


def test_patch_is_scoped_and_restored() -> None:
    with _lf_cv.patched():
        assert arp_nuisance.compute_least_favorable_cv is _lf_cv.least_favorable_cv
        assert rm_module.compute_least_favorable_cv is _lf_cv.least_favorable_cv
        assert arp_nuisance._solve_max_program is _lf_cv.solve_max_program
    assert arp_nuisance.compute_least_favorable_cv is REFERENCE
    assert rm_module.compute_least_favorable_cv is REFERENCE
    assert arp_nuisance._solve_max_program is REFERENCE_MAX
    with pytest.raises(ZeroDivisionError), _lf_cv.patched():
        _ = 1 / 0
    assert arp_nuisance.compute_least_favorable_cv is REFERENCE
    assert arp_nuisance._solve_max_program is REFERENCE_MAX
