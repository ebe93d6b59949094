"""Wild cluster bootstrap (WCR) of one coefficient: its p-value and its interval by test inversion.

The restricted wild cluster bootstrap (WCR-11 of MacKinnon & Webb; ``boottest`` in Stata,
``fwildclusterboot`` in R) tests ``H0: beta = r`` by imposing ``r`` on the bootstrap samples.
The confidence interval is the set of ``r`` the test does not reject: ``{r : p(r) > alpha}``,
found by bisection on each side of the estimate, as ``boottest`` does. It is not symmetric about
the estimate, and it is what users of those tools expect to see.

Everything is computed after partialling out the other regressors (fixed effects and
covariates, Frisch-Waugh-Lovell), so the bootstrap works on per-cluster scalars. For one draw
``v`` of cluster weights, with ``x`` the residualised regressor, ``u(r) = y~ - r x`` the
restricted residuals and ``D = x'x``,

- the bootstrap numerator is ``a(r)'v / D`` with ``a_g(r) = x_g'u_g(r)``;
- the bootstrap cluster scores are ``K(r) v`` with ``K(r) = diag(a) - H(r) - c a'/D``, where
  ``c_g = x_g'x_g`` and ``H[g, h] = x_g'(P1 (u 1_h))_g`` carries the projection on the other
  regressors of cluster ``h``'s residuals into cluster ``g``.

``a`` and ``K`` are linear in ``r``, so the squared score norm of every draw is a quadratic in
``r`` whose three coefficients are computed once; each ``p(r)`` then costs O(draws). The small
sample factor multiplies the observed and the bootstrap t statistics alike and cancels in the
p-value.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Literal

import numpy as np

from ebpm.estimators._did_fwl import two_way

__all__ = ["WildResult", "wild_cluster_bootstrap", "wild_twfe"]

WeightsType = Literal["rademacher", "webb"]
#: Bisection stops when the bracket is narrower than this share of the standard error.
TOL = 1e-7
#: Draws processed at once (bounds memory at clusters x CHUNK floats).
CHUNK = 2000
_WEBB = np.array([-np.sqrt(1.5), -1.0, -np.sqrt(0.5), np.sqrt(0.5), 1.0, np.sqrt(1.5)])


@dataclass(frozen=True)
class WildResult:
    """The bootstrap p-value of ``H0: beta = 0``, the test-inversion interval and the draws."""

    p_value: float
    conf_low: float
    conf_high: float
    t_stat: float  # observed t of H0: beta = 0 (CRV1 with G/(G-1))
    reps: int  # draws used (all 2^G sign patterns when they number no more than asked)
    full_enumeration: bool


def _draws(n_clusters: int, reps: int, weights_type: WeightsType, seed: int | None) -> np.ndarray:
    """Cluster weights, clusters x draws: Rademacher (every sign pattern when 2^G <= reps) or
    Webb's six-point distribution."""
    rng = np.random.default_rng(seed)
    if weights_type == "rademacher":
        if 2**n_clusters <= reps:
            codes = np.arange(2**n_clusters)[None, :] >> np.arange(n_clusters)[:, None]
            return np.where(codes & 1, 1.0, -1.0)
        return rng.choice(np.array([-1.0, 1.0]), size=(n_clusters, reps))
    return rng.choice(_WEBB, size=(n_clusters, reps))


def _chunks(v: np.ndarray) -> Iterator[np.ndarray]:
    for start in range(0, v.shape[1], CHUNK):
        yield v[:, start : start + CHUNK]


def wild_cluster_bootstrap(
    y: np.ndarray,
    x: np.ndarray,
    clusters: np.ndarray,
    n_clusters: int,
    residualise: Callable[[np.ndarray], np.ndarray],
    *,
    reps: int,
    seed: int | None,
    weights_type: WeightsType,
    conf_level: float,
) -> WildResult:
    """WCR-11 bootstrap of the coefficient on ``x`` in ``y ~ x + others``.

    Parameters
    ----------
    y, x : numpy.ndarray
        Outcome and regressor of interest, both already residualised on the other regressors
        (``M1 y`` and ``M1 x``; with weights, in the sqrt-weight-transformed space).
    clusters : numpy.ndarray
        Cluster code, 0..n_clusters-1, of each row.
    residualise : callable
        ``M1``: takes an n x m matrix, returns its residuals on the other regressors.
    reps, seed, weights_type, conf_level
        Draws, seed of the draws, their distribution and the interval's level.
    """
    n_g = n_clusters
    dd = float(x @ x)
    c = np.bincount(clusters, weights=x * x, minlength=n_g)
    a_y = np.bincount(clusters, weights=x * y, minlength=n_g)
    a_x = c  # a(r) = a_y - r * a_x
    # H(r) = H_y - r H_x, H[g, h] = x_g'(P1 (z 1_h))_g, P1 = I - M1
    h_y = _spill(y, x, clusters, n_g, residualise)
    h_x = _spill(x, x, clusters, n_g, residualise)
    k0 = np.diag(a_y) - h_y - np.outer(c, a_y) / dd
    k1 = np.diag(a_x) - h_x - np.outer(c, a_x) / dd
    beta = float(a_y.sum()) / dd
    resid = y - beta * x
    score = np.bincount(clusters, weights=x * resid, minlength=n_g)
    se = float(np.sqrt(n_g / (n_g - 1) * (score @ score))) / dd
    v = _draws(n_g, reps, weights_type, seed)
    # per draw: numerator n0 - r n1 and squared score norm q00 - 2 r q01 + r^2 q11
    parts = [_moments(k0, k1, a_y, a_x, block) for block in _chunks(v)]
    n0, n1, q00, q01, q11 = (np.concatenate([p[i] for p in parts]) for i in range(5))
    scale = np.sqrt(n_g / (n_g - 1))  # the same factor as the observed t: it cancels

    def p_value(r: float) -> float:
        t_obs = abs(beta - r) / se
        num = (n0 - r * n1) / dd
        den = scale * np.sqrt(np.maximum(q00 - 2 * r * q01 + r * r * q11, 0.0)) / dd
        with np.errstate(divide="ignore", invalid="ignore"):
            t_boot = np.abs(num / den)
        return float(np.mean(t_boot > t_obs))

    alpha = 1 - conf_level
    low = _invert(p_value, beta, -se, alpha, se)
    high = _invert(p_value, beta, se, alpha, se)
    return WildResult(
        p_value=p_value(0.0),
        conf_low=low,
        conf_high=high,
        t_stat=beta / se,
        reps=v.shape[1],
        full_enumeration=weights_type == "rademacher" and 2**n_g <= reps,
    )


def wild_twfe(
    y: np.ndarray,
    d: np.ndarray,
    *,
    u_codes: np.ndarray,
    t_codes: np.ndarray,
    covariates: np.ndarray,
    weights: np.ndarray | None,
    clusters: np.ndarray,
    n_clusters: int,
    reps: int,
    seed: int | None,
    weights_type: WeightsType,
    conf_level: float,
) -> WildResult:
    """WCR-11 bootstrap of the coefficient on ``d`` in the two-way fixed-effects regression
    of ``y`` on ``d``, unit and period effects and ``covariates`` (n x p, p may be 0), weighted
    by ``weights`` (None: equal): the Frisch-Waugh-Lovell set-up of :mod:`._did_fwl` (the one
    placebo inference uses), then :func:`wild_cluster_bootstrap`."""
    fwl = two_way(u_codes, t_codes, covariates, weights)
    yx = fwl(np.column_stack([y, d]))
    return wild_cluster_bootstrap(
        yx[:, 0],
        yx[:, 1],
        clusters,
        n_clusters,
        fwl.residualise,
        reps=reps,
        seed=seed,
        weights_type=weights_type,
        conf_level=conf_level,
    )


def _spill(
    z: np.ndarray, x: np.ndarray, clusters: np.ndarray, n_g: int, residualise: Callable
) -> np.ndarray:
    """``H[g, h] = x_g'(P1 (z 1_h))_g``: how the projection on the other regressors carries
    cluster ``h``'s part of ``z`` into cluster ``g``, weighted by ``x``."""
    out = np.empty((n_g, n_g))
    for start in range(0, n_g, 256):
        hs = np.arange(start, min(start + 256, n_g))
        cols = np.where(clusters[:, None] == hs[None, :], z[:, None], 0.0)
        proj = cols - residualise(cols)
        for j, h in enumerate(hs):
            out[:, h] = np.bincount(clusters, weights=x * proj[:, j], minlength=n_g)
    return out


def _moments(
    k0: np.ndarray, k1: np.ndarray, a0: np.ndarray, a1: np.ndarray, v: np.ndarray
) -> tuple[np.ndarray, ...]:
    s0, s1 = k0 @ v, k1 @ v
    return (
        a0 @ v,
        a1 @ v,
        np.einsum("gb,gb->b", s0, s0),
        np.einsum("gb,gb->b", s0, s1),
        np.einsum("gb,gb->b", s1, s1),
    )


def _invert(
    p_value: Callable[[float], float], beta: float, step: float, alpha: float, se: float
) -> float:
    """The null value where ``p(r)`` falls to ``alpha``, on the side of ``beta`` given by the
    sign of ``step``: widen until rejected, then bisect."""
    inside, outside = beta, beta + 2 * step
    tries = 0
    while p_value(outside) > alpha:
        inside, outside = outside, beta + (outside - beta) * 2
        tries += 1
        if tries > 60:
            return float(np.sign(step) * np.inf)
    while abs(outside - inside) > TOL * se:
        mid = 0.5 * (inside + outside)
        if p_value(mid) > alpha:
            inside = mid
        else:
            outside = mid
    return 0.5 * (inside + outside)
