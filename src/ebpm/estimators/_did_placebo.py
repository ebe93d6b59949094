"""Placebo (permutation) inference for :func:`ebpm.estimators.did.did`, across control units.

The treated units' treatment paths are given to control units instead, one placebo per choice of
controls, and the two-way fixed-effects coefficient is estimated on the control units alone
(Abadie, Diamond & Hainmueller 2010's in-space placebos; Conley & Taber 2011 for the
difference-in-differences). The permutation p-value is the share of placebo estimates at least
as large in absolute value as the actual one, counting the actual one:
``(1 + #{|b_p| >= |b|}) / (1 + P)``.

Each placebo's coefficient is ``r_d'r_y / r_d'r_d`` with ``r_y`` and ``r_d`` the outcome and the
placebo treatment residualised on the unit and period fixed effects (and the covariates, with
the weights), by the Frisch-Waugh-Lovell theorem: the same number as refitting the model, for a
few demeaning passes over all placebos at once.
"""

from __future__ import annotations

import itertools
import math
from typing import Any

import numpy as np

from ebpm.estimators._did_fwl import Residualiser, residualiser, two_way

__all__ = ["placebo_test"]

_CHUNK = 512  # placebo columns residualised at once


def _choices(n_controls: int, k: int, reps: int, seed: int | None) -> tuple[np.ndarray, bool]:
    """The controls given the treated paths: every ordered choice when there are at most
    ``reps`` (exhaustive), else ``reps`` random ones; and whether it was exhaustive."""
    total = math.perm(n_controls, k)
    if total <= reps:
        return np.array(list(itertools.permutations(range(n_controls), k)), dtype=np.int64), True
    rng = np.random.default_rng(seed)
    picks = np.array([rng.choice(n_controls, size=k, replace=False) for _ in range(reps)])
    return picks.astype(np.int64), False


def placebo_test(
    *,
    y: np.ndarray,
    d: np.ndarray,
    u_codes: np.ndarray,
    t_codes: np.ndarray,
    n_t: int,
    covariates: np.ndarray,
    weights: np.ndarray | None,
    estimate: float,
    unit_names: list[Any],
    reps: int,
    seed: int | None,
    residualiser: Residualiser = residualiser,
) -> dict[str, Any]:
    """The placebo estimates and the permutation p-value of ``estimate``.

    Parameters
    ----------
    y, d, u_codes, t_codes, covariates, weights
        The fitted panel's rows: outcome, 0/1 treatment, unit and period codes, covariate
        columns (n x p, possibly p = 0) and weights (None: equal).
    n_t : int
        Number of periods.
    estimate : float
        The actual estimate.
    unit_names : list
        Each unit code's name, for the placebo table.
    reps : int
        Most placebos drawn at random when there are more choices of controls than this.
    seed : int, optional
        Seed of those draws.
    residualiser : callable, optional
        ``residualiser(fe, w, covs)`` returning ``M1``, the residualiser on the fixed effects
        ``fe`` and the covariates; :func:`._did_fwl.residualiser`, the wild bootstrap's, unless
        given.

    Returns
    -------
    dict
        ``p_value``, ``n_placebos``, ``exhaustive``, ``estimates`` (one per placebo) and
        ``units`` (the controls each placebo treated), or ``p_value`` None with ``reason`` when
        there are fewer control units than treated ones.
    """
    ever = np.zeros(u_codes.max() + 1, dtype=bool)
    ever[u_codes[d == 1]] = True
    treated_units = np.flatnonzero(ever)
    controls = np.flatnonzero(~ever & (np.bincount(u_codes, minlength=len(ever)) > 0))
    k = len(treated_units)
    if len(controls) < k or len(controls) < 2:
        return {
            "p_value": None,
            "n_placebos": 0,
            "reason": f"{len(controls)} control units for {k} treated: too few for placebos",
        }
    # each treated unit's path over the periods (0 where it has no row)
    paths = np.zeros((k, n_t))
    for i, unit in enumerate(treated_units):
        rows = u_codes == unit
        paths[i, t_codes[rows]] = d[rows]
    keep = np.isin(u_codes, controls)
    position = np.full(len(ever), -1)
    position[controls] = np.arange(len(controls))
    pos, t = position[u_codes[keep]], t_codes[keep]
    w = None if weights is None else weights[keep]
    fwl = two_way(u_codes[keep], t_codes[keep], covariates[keep], w, make=residualiser)
    r_y = fwl(y[keep].reshape(-1, 1))[:, 0]
    picks, exhaustive = _choices(len(controls), k, reps, seed)
    estimates = np.empty(len(picks))
    for start in range(0, len(picks), _CHUNK):
        chunk = picks[start : start + _CHUNK]
        # slot[j, c]: which treated path control c takes in placebo j (-1: none)
        slot = np.full((len(chunk), len(controls)), -1)
        np.put_along_axis(slot, chunk, np.arange(k)[None, :], axis=1)
        given = slot[:, pos].T  # rows x placebos
        fake = np.where(given >= 0, paths[np.maximum(given, 0), t[:, None]], 0.0)
        r_d = fwl(fake)
        denom = np.einsum("ij,ij->j", r_d, r_d)
        with np.errstate(invalid="ignore", divide="ignore"):
            estimates[start : start + len(chunk)] = (r_d.T @ r_y) / denom
        estimates[start : start + len(chunk)][denom <= 1e-12 * len(pos)] = np.nan
    valid = estimates[np.isfinite(estimates)]
    larger = int((np.abs(valid) >= abs(estimate) - 1e-12 * max(1.0, abs(estimate))).sum())
    return {
        "p_value": (1 + larger) / (1 + len(valid)),
        "n_placebos": len(valid),
        "exhaustive": exhaustive,
        "estimates": estimates.tolist(),
        "units": [[unit_names[controls[c]] for c in chosen] for chosen in picks.tolist()],
    }
