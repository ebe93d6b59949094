"""Standard errors and bands of staggered DiD from influence functions, as R did 2.5 forms them.

moderndid (0.2) clusters its multiplier bootstrap on cluster *means* of the influence function
and has no analytic clustered variance. R did (>= 2.5, following Callaway & Sant'Anna 2021,
Remark 10) uses cluster *sums* for both, so with clusters of unequal size (counties in states)
the two disagree by whatever the size imbalance makes them. ebpm therefore takes only the
estimates and influence functions from moderndid and forms the inference here.

With ``psi`` the n x k influence functions (one row per unit, or per observation for repeated
cross-sections) and ``S`` their cluster sums (each unit its own cluster by default):

- analytic: ``se = sqrt(colSums(S**2)) / n`` (R did's ``bstrap = FALSE``);
- bootstrap: Mammen multipliers, one per cluster, ``b = sqrt(G) * mean_c(v_c * S_c)``; the
  standard error is the interquartile range of ``b`` over ``qnorm(.75) - qnorm(.25)``, times
  ``sqrt(G) / n``, and the uniform band's critical value is the ``1 - alpha`` quantile of
  ``max_j |b_j / sigma_j|`` (R did's ``mboot``).

R did draws a fresh set of multipliers at each call of ``mboot`` (for ATT(g,t), then for each
aggregate), continuing R's random stream. Here every call is seeded with the same ``seed``, so
the three calls of one fit (ATT(g,t), the overall aggregate, the aggregation's rows) would draw
the same matrix three times: it is drawn once and reused (:func:`_multipliers`), which leaves
every number as it was. Without an int seed (None, a Generator) each call draws afresh, as
before.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Literal, get_args

import numpy as np
from scipy import stats

Inference = Literal["bootstrap", "analytic"]
INFERENCES: tuple[Inference, ...] = get_args(Inference)
_TINY = np.sqrt(np.finfo(float).eps) * 10  # R did: a standard error this small is NA
_P_MAMMEN = 0.5 * (1 + np.sqrt(5)) / np.sqrt(5)  # P(v = (1 - sqrt 5) / 2)
_IQR_NORMAL = float(stats.norm.ppf(0.75) - stats.norm.ppf(0.25))


def cluster_sums(psi: np.ndarray, codes: np.ndarray | None) -> np.ndarray:
    """Influence functions summed within clusters (``codes`` 0..G-1 per row; None: per row)."""
    psi = np.atleast_2d(psi.T).T  # a vector becomes one column
    if codes is None:
        return psi
    return np.vstack([np.bincount(codes, weights=psi[:, j]) for j in range(psi.shape[1])]).T


def standard_errors(
    psi: np.ndarray,
    codes: np.ndarray | None,
    *,
    inference: Inference,
    n_boot: int,
    seed: int | None,
    conf_level: float,
) -> tuple[np.ndarray, float]:
    """Standard error of each column of ``psi`` and the critical value of a uniform band.

    The critical value is the normal quantile for ``inference="analytic"`` (R did draws
    uniform bands only by bootstrap).
    """
    psi = np.nan_to_num(np.atleast_2d(np.asarray(psi, float).T).T)
    n = psi.shape[0]
    sums = cluster_sums(psi, codes)
    z = float(stats.norm.ppf(0.5 + conf_level / 2))
    if inference == "analytic":
        se = np.sqrt((sums**2).sum(axis=0)) / n
        return np.where(se > _TINY, se, np.nan), z
    n_clusters = sums.shape[0]
    # an int seed gives the same matrix at every call: draw it once (a Generator moves on)
    if isinstance(seed, int | np.integer) and not isinstance(seed, bool):
        v = _multipliers(int(seed), n_boot, n_clusters)
    else:
        v = _draw(n_boot, n_clusters, seed)
    boot = np.sqrt(n_clusters) * (v @ sums) / n_clusters
    live = (boot**2).sum(axis=0) > _TINY
    se = np.full(psi.shape[1], np.nan)
    if not live.any():
        return se, float("nan")
    b = boot[:, live]
    q75 = np.quantile(b, 0.75, axis=0, method="inverted_cdf")
    q25 = np.quantile(b, 0.25, axis=0, method="inverted_cdf")
    sigma = (q75 - q25) / _IQR_NORMAL
    se[live] = sigma * np.sqrt(n_clusters) / n
    with np.errstate(divide="ignore", invalid="ignore"):
        sup = np.max(np.abs(b / sigma), axis=1)
    sup = sup[np.isfinite(sup)]
    crit = float(np.quantile(sup, conf_level, method="inverted_cdf")) if len(sup) else z
    return np.where(se > _TINY, se, np.nan), crit


def _draw(n_boot: int, n_clusters: int, seed: int | None = None) -> np.ndarray:
    """Mammen multipliers, draws x clusters: the same draws as moderndid's unclustered
    bootstrap for the same seed."""
    rng = np.random.default_rng(seed)
    draws = rng.binomial(1, _P_MAMMEN, size=(n_boot, n_clusters))
    return np.where(draws == 1, 0.5 * (1 - np.sqrt(5)), 0.5 * (1 + np.sqrt(5)))


@lru_cache(maxsize=1)  # one fit's draws: its three calls share them, then the next fit's
def _multipliers(seed: int, n_boot: int, n_clusters: int) -> np.ndarray:
    """:func:`_draw` for a seed, drawn once per (seed, draws, clusters); read-only, as shared."""
    v = _draw(n_boot, n_clusters, seed)
    v.setflags(write=False)
    return v
