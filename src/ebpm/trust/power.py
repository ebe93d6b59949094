"""The power of a pre-trend test (Roth 2022): how steep a linear pre-trend it would catch.

"No significant pre-trend" means little if the test could not have seen a trend that matters.
Following Roth (2022) and his R package ``pretrends``, this module finds the slope ``gamma`` of
a linear violation of parallel trends, ``delta_t = gamma * (t - reference)`` over the
pre-period coefficients, that a pre-trend test rejects with a given probability:

* ``test="wald"``: the joint Wald test ebpm's estimators report (``diagnostics["pretrend"]``),
  as chi-square(q) or, with ``df``, as F(q, df). Under the trend the statistic is noncentral
  with noncentrality ``gamma**2 * r' Sigma^+ r`` (``r = t - reference``), so the power is in
  closed form and only the noncentrality is solved for.
* ``test="any_t"``: the test of ``pretrends``: reject when any pre-period ``|t|`` exceeds
  ``z_{1 - alpha/2}``. Its power is one minus a multivariate normal box probability
  (:meth:`scipy.stats.multivariate_normal.cdf`), solved for ``gamma`` by root finding.

Everything here works on numbers (a covariance matrix and event times), never on an estimator
or a result, so estimators and :mod:`ebpm.results` can both call it.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Sequence
from typing import Any, Literal, get_args

import numpy as np

from ebpm.errors import DataError, InvalidOptionError, NoPrePeriodError, check_option

__all__ = ["PretrendTest", "pretrend_power", "rejection_probability", "slope_for_power"]

PretrendTest = Literal["wald", "any_t"]
#: The powers :func:`pretrend_power` reports, as its keys ``slope_50`` and ``slope_80``.
POWERS = (0.5, 0.8)
#: Absolute error asked of scipy's multivariate normal probability (Genz's quasi-Monte Carlo);
#: R ``pretrends`` leaves mvtnorm at its default of 1e-3.
_MVN_ABSEPS = 1e-6
#: Fixed seed of that quasi-Monte Carlo, so the power is one deterministic function of the slope.
_MVN_SEED = 20220301
#: Relative tolerance of the symmetry and positive semi-definiteness checks of ``sigma``.
_TOL = 1e-8


def slope_for_power(
    sigma: Any,
    times: Any,
    *,
    reference: float,
    power: float = 0.5,
    test: PretrendTest = "wald",
    alpha: float = 0.05,
    df: float | None = None,
    pre: Sequence[int] | None = None,
) -> float:
    """The slope of a linear pre-trend that a pre-trend test detects with probability ``power``.

    Parameters
    ----------
    sigma : array_like, shape (k, k)
        Covariance of the event-study coefficients (pre- and post-period, as
        ``diagnostics["vcov"]``).
    times : array_like, shape (k,)
        Event time of each coefficient (the reference period itself is omitted).
    reference : float
        The omitted reference period, where the trend is normalised to zero (usually -1).
    power : float, default 0.5
        Probability of rejecting, strictly between the test's size and 1.
    test : {"wald", "any_t"}, default "wald"
        ``"wald"``: joint Wald test of the pre-period coefficients (chi-square, or F with
        ``df``), as ebpm's ``diagnostics["pretrend"]``. ``"any_t"``: reject if any
        pre-period ``|t|`` exceeds ``z_{1-alpha/2}``, as R ``pretrends``.
    alpha : float, default 0.05
        Size of the test.
    df : float, optional
        Denominator degrees of freedom of the Wald F test (clusters - 1 in
        :func:`ebpm.event_study`); None for chi-square. Ignored by ``"any_t"``.
    pre : sequence of int, optional
        Positions of the pre-period coefficients in ``times``; default every coefficient with
        a time before ``reference`` (as ``pretrends``' ``prePeriodIndices``).

    Returns
    -------
    float
        The slope ``gamma >= 0`` per unit of ``times``: the trend
        ``gamma * (t - reference)`` is detected with probability ``power``.

    Raises
    ------
    InvalidOptionError
        ``power``, ``alpha`` or ``df`` out of range, ``test`` unknown, or ``power`` no more
        than the probability of rejecting with no trend at all.
    DataError
        ``sigma`` not a finite, symmetric, positive semi-definite square matrix; ``times`` not
        as long as ``sigma``; a pre-period variance of zero (``"any_t"``); a covariance that
        leaves the test blind to a linear trend.
    NoPrePeriodError
        No coefficient before ``reference`` (or ``pre`` empty).

    Notes
    -----
    The coefficients are taken as normal with covariance ``sigma`` (Roth 2022). For the Wald
    test the statistic under the trend is noncentral chi-square(q, lambda) (F(q, df, lambda)
    with ``df``), ``q`` the rank of the pre-period covariance and
    ``lambda = gamma**2 * r' Sigma^+ r``; the F form treats the estimated covariance as
    scaled by an independent chi-square(df) / df, the usual small-sample reading of F.

    References
    ----------
    Roth, J. (2022). Pretest with caution: event-study estimates after testing for parallel
    trends. *American Economic Review: Insights* 4(3), 305-322.
    """
    p = _check_probability("power", power)
    problem = _Problem.build(
        sigma, times, reference=reference, test=test, alpha=alpha, df=df, pre=pre
    )
    return problem.slope(p)


def rejection_probability(
    sigma: Any,
    times: Any,
    *,
    reference: float,
    slope: float,
    test: PretrendTest = "wald",
    alpha: float = 0.05,
    df: float | None = None,
    pre: Sequence[int] | None = None,
) -> float:
    """The probability that a pre-trend test rejects under the trend ``slope * (t - reference)``.

    Parameters are those of :func:`slope_for_power`, with ``slope`` (any real number) in place
    of ``power``. With ``slope=0`` this is the test's size: ``alpha`` for the Wald test, more
    for ``"any_t"`` with more than one pre-period coefficient.

    Raises
    ------
    InvalidOptionError, DataError, NoPrePeriodError
        As :func:`slope_for_power`; ``slope`` not a finite number.
    """
    if _real(slope) is None:
        raise InvalidOptionError(f"slope={slope!r} must be a finite number, e.g. 0.05")
    problem = _Problem.build(
        sigma, times, reference=reference, test=test, alpha=alpha, df=df, pre=pre
    )
    return problem.power(float(slope))


def pretrend_power(
    sigma: Any,
    times: Any,
    *,
    reference: float,
    test: PretrendTest = "wald",
    alpha: float = 0.05,
    df: float | None = None,
    pre: Sequence[int] | None = None,
) -> dict[str, Any]:
    """The slopes a pre-trend test detects half the time and 80% of the time, as a JSON-able
    record for an estimator's ``diagnostics["pretrend"]``.

    Parameters are those of :func:`slope_for_power`.

    Returns
    -------
    dict
        ``slope_50``, ``slope_80`` (floats, per unit of ``times``), ``test``, ``alpha``, ``df``
        (None for chi-square) and ``reference``.

    Raises
    ------
    InvalidOptionError, DataError, NoPrePeriodError
        As :func:`slope_for_power`.
    """
    problem = _Problem.build(
        sigma, times, reference=reference, test=test, alpha=alpha, df=df, pre=pre
    )
    slopes = {f"slope_{round(100 * p)}": problem.slope(p) for p in POWERS}
    return {
        **slopes,
        "test": problem.test,
        "alpha": problem.alpha,
        "df": problem.df,
        "reference": float(reference),
    }


# --- the problem: checked inputs and the two tests -------------------------------------------
class _Problem:
    """A checked pre-period covariance, the trend's direction ``r`` and the test."""

    def __init__(
        self, sigma: np.ndarray, r: np.ndarray, test: PretrendTest, alpha: float, df: float | None
    ) -> None:
        self.sigma, self.r, self.test, self.alpha, self.df = sigma, r, test, alpha, df
        if test == "wald":
            from scipy import stats

            self.q = int(np.linalg.matrix_rank(sigma))  # as the Wald test itself counts
            self.c = float(r @ np.linalg.pinv(sigma) @ r)
            if not self.c > 0:
                raise DataError(
                    "the pre-period covariance leaves the Wald test blind to a linear trend "
                    f"(r' Sigma^+ r = {self.c:g}); check that sigma is the coefficients' "
                    "covariance"
                )
            dist = stats.chi2(self.q) if df is None else stats.f(self.q, df)
            self.crit = float(dist.isf(alpha))
        else:
            sd = np.sqrt(np.diag(sigma))
            if not (sd > 0).all():
                raise DataError(
                    f"a pre-period coefficient has variance {float(sd.min()) ** 2:g}: its t "
                    "statistic is undefined, so the any-|t| test cannot be run; drop it with "
                    "pre="
                )
            self.sd = sd

    @classmethod
    def build(
        cls, sigma: Any, times: Any, *, reference: Any, test: Any, alpha: Any, df: Any, pre: Any
    ) -> _Problem:
        test = check_option("test", test, get_args(PretrendTest))
        a = _check_probability("alpha", alpha)
        if df is not None and not (_real(df) is not None and float(df) > 0):
            raise InvalidOptionError(
                f"df={df!r} must be a positive number of denominator degrees of freedom "
                "(clusters - 1), or None for a chi-square test"
            )
        if _real(reference) is None:
            raise InvalidOptionError(f"reference={reference!r} must be a finite number, e.g. -1")
        s = _check_sigma(sigma)
        t = _check_times(times, len(s))
        idx = _pre_indices(t, float(reference), pre)
        r = t[idx] - float(reference)
        return cls(s[np.ix_(idx, idx)], r, test, a, None if df is None else float(df))

    def power(self, slope: float) -> float:
        """Probability of rejecting under the trend ``slope * r``."""
        if self.test == "wald":
            return self._wald(slope**2 * self.c)
        return self._any_t(slope)

    def slope(self, power: float) -> float:
        """The slope >= 0 at which the test rejects with probability ``power``."""
        from scipy import optimize

        size = self.power(0.0)
        if not power > size:
            raise InvalidOptionError(
                f"power={power!r} is not above {size:.4g}, the probability that the {self.test} "
                "test rejects with no pre-trend at all; ask for a higher power, e.g. 0.8"
            )
        if self.test == "wald":  # solve for the noncentrality, in closed-form distributions
            hi = 1.0
            while self._wald(hi) < power:
                hi *= 2
            lam = optimize.brentq(lambda x: self._wald(x) - power, 0.0, hi, xtol=1e-12 * hi)
            return math.sqrt(lam / self.c)
        hi = 8 * float(self.sd.max() / np.abs(self.r).max())  # pretrends' bracket, rescaled
        while self._any_t(hi) < power:
            hi *= 2
        root = optimize.brentq(lambda g: self._any_t(g) - power, 0.0, hi, xtol=1e-10 * hi)
        return float(root)

    def _wald(self, lam: float) -> float:
        from scipy import stats

        if lam <= 0:  # scipy's noncentral F is wrong at exactly zero noncentrality
            return self.alpha
        if self.df is None:
            return float(stats.ncx2.sf(self.crit, self.q, lam))
        return float(stats.ncf.sf(self.crit, self.q, self.df, lam))

    def _any_t(self, slope: float) -> float:
        from scipy import stats

        z = float(stats.norm.isf(self.alpha / 2))
        mean = slope * self.r
        upper, lower = z * self.sd - mean, -z * self.sd - mean
        if len(mean) == 1:
            inside = stats.norm.cdf(upper[0] / self.sd[0]) - stats.norm.cdf(lower[0] / self.sd[0])
            return float(1 - inside)
        mvn = stats.multivariate_normal(  # a new seed per call: one smooth function of slope
            cov=self.sigma,
            allow_singular=True,
            seed=_MVN_SEED,
            abseps=_MVN_ABSEPS,
            releps=0,
        )
        return float(min(1.0, max(0.0, 1 - mvn.cdf(upper, lower_limit=lower))))


# --- checks ----------------------------------------------------------------------------------
def _real(x: Any) -> float | None:
    if isinstance(x, bool) or not isinstance(x, numbers.Real) or not math.isfinite(float(x)):
        return None
    return float(x)


def _check_probability(name: str, value: Any) -> float:
    x = _real(value)
    if x is None or not 0 < x < 1:
        example = "0.8" if name == "power" else "0.05"
        raise InvalidOptionError(
            f"{name}={value!r} must be a probability strictly between 0 and 1, e.g. {example}"
        )
    return x


def _check_sigma(sigma: Any) -> np.ndarray:
    try:
        s = np.asarray(sigma, dtype=float)
    except (TypeError, ValueError) as err:
        raise DataError(f"sigma must be a square matrix of numbers: {err}") from err
    if s.ndim != 2 or s.shape[0] != s.shape[1] or s.shape[0] == 0:
        raise DataError(
            f"sigma has shape {s.shape}; it must be a square (k, k) covariance matrix of the "
            "k coefficients"
        )
    if not np.isfinite(s).all():
        raise DataError("sigma has missing or infinite entries; pass the coefficients' covariance")
    scale = float(np.abs(s).max()) or 1.0
    if not np.allclose(s, s.T, rtol=0, atol=_TOL * scale):
        raise DataError(
            "sigma is not symmetric (largest gap "
            f"{float(np.abs(s - s.T).max()):g}); pass a covariance matrix"
        )
    s = (s + s.T) / 2
    low = float(np.linalg.eigvalsh(s).min())
    if low < -_TOL * scale * len(s):
        raise DataError(
            f"sigma is not positive semi-definite (smallest eigenvalue {low:g}); pass a "
            "covariance matrix"
        )
    return s


def _check_times(times: Any, k: int) -> np.ndarray:
    try:
        t = np.asarray(times, dtype=float)
    except (TypeError, ValueError) as err:
        raise DataError(f"times must be numbers, one per coefficient: {err}") from err
    if t.ndim != 1 or len(t) != k:
        raise DataError(
            f"times has {t.size} values but sigma is {k} x {k}; pass one event time per "
            "coefficient, in sigma's order"
        )
    if not np.isfinite(t).all():
        raise DataError("times has missing or infinite values; pass one event time each")
    return t


def _pre_indices(t: np.ndarray, reference: float, pre: Any) -> np.ndarray:
    if pre is None:
        idx = np.flatnonzero(t < reference)
        if len(idx) == 0:
            raise NoPrePeriodError(
                f"no coefficient has a time before reference={reference:g} (times: "
                f"{', '.join(f'{x:g}' for x in t)}); a pre-trend test needs one. Pass "
                "the pre-period positions as pre="
            )
        return idx
    idx = np.asarray(pre)
    if idx.ndim != 1 or len(idx) == 0:
        raise NoPrePeriodError(f"pre={pre!r} names no coefficient; pass their positions")
    if not np.issubdtype(idx.dtype, np.integer) or idx.min() < 0 or idx.max() >= len(t):
        raise DataError(
            f"pre={pre!r} must hold positions 0 to {len(t) - 1} of the coefficients in times"
        )
    return idx
