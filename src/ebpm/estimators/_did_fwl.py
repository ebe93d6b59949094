"""The Frisch-Waugh-Lovell set-up of :func:`ebpm.estimators.did.did`'s resampling inference.

The wild cluster bootstrap (:mod:`._did_wild`) and placebo inference (:mod:`._did_placebo`) both
work on the two-way fixed-effects regression after partialling out the unit and period fixed
effects and the covariates: columns are multiplied by the square root of the weights, demeaned
by unit and period (pyfixest's alternating projections) and residualised on the likewise
transformed covariates. This module is the one place that does it, so the two stay in step.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from ebpm.estimators import _pyfixest

__all__ = ["TwoWay", "residualiser", "two_way"]

#: Convergence tolerance of the demeaning (tighter than pyfixest's default 1e-8: the bootstrap
#: and the placebos compare residualised columns across many draws).
TOL = 1e-12

Residualiser = Callable[[np.ndarray, np.ndarray | None, np.ndarray], Callable[..., np.ndarray]]


def residualiser(
    fe: np.ndarray, w: np.ndarray | None, covs: np.ndarray
) -> Callable[[np.ndarray], np.ndarray]:
    """``M1`` in the sqrt-weight-transformed space: residuals of columns on the fixed effects
    coded in ``fe`` and the columns of ``covs`` (weighted least squares with ``w``)."""
    n = len(fe)
    weights = np.ones(n) if w is None else w.astype(float)
    root = np.sqrt(weights)[:, None]

    def demean(q: np.ndarray) -> np.ndarray:
        out, _ = _pyfixest.demean(np.ascontiguousarray(q, dtype=float), fe, weights, tol=TOL)
        return np.asarray(out)

    cov_t = demean(covs) * root if covs.shape[1] else None

    def residualise(z: np.ndarray) -> np.ndarray:
        out = demean(z / root) * root
        if cov_t is not None:
            out -= cov_t @ np.linalg.lstsq(cov_t, out, rcond=None)[0]
        return out

    return residualise


@dataclass(frozen=True)
class TwoWay:
    """The partialling-out of one panel's unit and period effects and covariates.

    ``residualise`` is ``M1`` on columns already in the sqrt-weight-transformed space (what the
    wild bootstrap needs for its projections); calling the object transforms raw columns first.
    """

    residualise: Callable[[np.ndarray], np.ndarray]
    root: np.ndarray  # sqrt of each row's weight (ones without weights), n x 1

    def __call__(self, columns: np.ndarray) -> np.ndarray:
        """``M1 (sqrt(w) * columns)`` of raw n x m columns."""
        return self.residualise(columns * self.root)


def two_way(
    u_codes: np.ndarray,
    t_codes: np.ndarray,
    covariates: np.ndarray,
    weights: np.ndarray | None,
    *,
    make: Residualiser = residualiser,
) -> TwoWay:
    """Partial out unit and period fixed effects (codes ``u_codes``, ``t_codes``) and the n x p
    ``covariates`` (p may be 0), weighted by ``weights`` (None: equal; else positive)."""
    fe = np.column_stack([u_codes, t_codes]).astype(np.uint64)
    root = np.ones(len(fe)) if weights is None else np.sqrt(weights)
    return TwoWay(make(fe, weights, covariates), root[:, None])
