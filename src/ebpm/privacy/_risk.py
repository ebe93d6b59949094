"""Individual re-identification risk (Benedetti-Franconi) and the summaries built on it.

Mirrors sdcMicro's ``indivRisk`` (R/indivRisk.R) and the data-frame side of ``measure_risk``
(R/measure_risk.R): the same formulas, the same ``fk == Fk`` rule, ``1/fk`` without weights.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd
from scipy.integrate import quad

from ebpm.errors import DataError, check_option
from ebpm.privacy._checks import check_frame, check_keys, check_weight
from ebpm.privacy._freq import _codes, _frequencies
from ebpm.results import ResultDisplay

#: How the individual risk of a sampled record is computed (see :func:`individual_risk`).
Method = Literal["approx", "exact"]

#: The k of the k-anonymity counts every risk summary reports.
K_LEVELS: tuple[int, ...] = (2, 3, 5)

#: Below this ``1 - fk/Fk`` the closed forms for fk = 1, 2 lose digits; the integral is used.
_SMALL_Q = 1e-3


def individual_risk(
    df: pd.DataFrame,
    *,
    keys: str | Sequence[str],
    weight: str | None = None,
    method: Method = "approx",
) -> pd.Series:
    """The probability that an intruder who knows a record's keys identifies its person.

    Parameters
    ----------
    df
        The microdata, one row per person. Not modified.
    keys
        The key variables (quasi-identifiers).
    weight
        The sampling weights. ``None`` means the data are the whole population: the risk is
        then ``1 / fk``, as sdcMicro's ``measure_risk`` computes it without weights.
    method
        ``"approx"`` (sdcMicro's default) or ``"exact"``; they differ only for ``fk >= 3``.

    Returns
    -------
    pandas.Series
        ``risk`` per record, with ``df``'s index, in [0, 1].

    Raises
    ------
    DataError
        The weights of a key combination add up to fewer people than it has records
        (weights below 1), which the model cannot take; and the errors of :func:`frequencies`.

    Notes
    -----
    Benedetti and Franconi's model: given the sample frequency ``fk`` of a record's key
    combination, its population frequency ``Fk`` is negative binomial with success
    probability ``pk``, estimated by ``fk / Fk``; the risk is the expected value of
    ``1 / Fk``. With ``q = 1 - pk`` (sdcMicro's formulas)::

        fk = 1:  pk / q * log(1 / pk)
        fk = 2:  pk / q - (pk / q)**2 * log(1 / pk)
        fk > 2:  pk / (fk - q)                            ("approx")

    ``"exact"`` evaluates, for every ``fk``, the expectation itself,
    ``integral_0^1 (pk t / (1 - q t))**fk / t dt``: the same number as sdcMicro's closed form
    for ``fk > 2`` (alternating sums of powers of ``pk``), which overflows and cancels for
    large ``fk``, and the same as the two formulas above for ``fk <= 2``, which are used when
    ``q`` is not tiny. A combination whose ``Fk`` equals ``fk`` has risk ``1 / fk``.

    References
    ----------
    Benedetti, R. and Franconi, L. (1998). Statistical and technological solutions for
    controlled data dissemination. *Pre-proceedings of New Techniques and Technologies for
    Statistics*, 225-232.

    Franconi, L. and Polettini, S. (2004). Individual risk estimation in mu-Argus: a review.
    *Privacy in Statistical Databases*, LNCS 3050, 262-272.
    """
    check_option("method", method, Method)
    df = check_frame(df)
    keys = check_keys(df, keys)
    w = check_weight(df, weight, keys)
    fk, big_f = _frequencies(_codes(df, keys), w)
    rk = _risk(fk, big_f, weighted=w is not None, method=method)
    return pd.Series(rk, index=df.index, name="risk")


def _risk(fk: np.ndarray, big_f: np.ndarray, *, weighted: bool, method: str) -> np.ndarray:
    """The individual risk from the frequencies (sdcMicro's ``indivRisk``, ``qual = 1``)."""
    if not weighted or len(fk) == 0:
        return 1.0 / fk
    short = big_f < fk * (1 - 1e-9)
    if short.any():
        i = int(np.flatnonzero(short)[0])
        raise DataError(
            f"the weights of a key combination add up to {big_f[i]:g} people for its "
            f"{int(fk[i])} record(s): a sampling weight must count the people a record stands "
            "for (at least 1 on average); pass expansion weights, not scaled ones."
        )
    equal = big_f <= fk * (1 + 1e-12)
    p = np.where(equal, 1.0, fk / big_f)
    q = np.where(equal, 0.0, (big_f - fk) / big_f)
    rk = np.empty(len(fk))
    with np.errstate(divide="ignore", invalid="ignore"):
        log_inv_p = -np.log1p(-q)
        ratio = p / q
        rk = np.where(fk == 1, ratio * log_inv_p, ratio - ratio**2 * log_inv_p)
        rk = np.where(fk > 2, p / (fk - q), rk)
    integral = (fk <= 2) & (q < _SMALL_Q) if method == "approx" else np.ones(len(fk), bool)
    integral &= ~equal
    if integral.any():
        rk[integral] = _expected_inverse(fk[integral], p[integral])
    rk[equal] = 1.0 / fk[equal]
    return np.clip(rk, 0.0, 1.0)


def _expected_inverse(fk: np.ndarray, p: np.ndarray) -> np.ndarray:
    """``E[1 / F]`` for ``F - f`` negative binomial(``f``, ``p``), one integral per pair."""
    pairs, inverse = np.unique(np.column_stack([fk, p]), axis=0, return_inverse=True)
    values = np.array([_integral(int(f), float(pk)) for f, pk in pairs])
    return values[inverse.reshape(-1)]


def _integral(f: int, p: float) -> float:
    q = 1.0 - p

    def integrand(t: float) -> float:
        if t <= 0.0:
            return p if f == 1 else 0.0
        return math.exp(f * (math.log(p * t) - math.log1p(-q * t))) / t

    # The mass sits within about p / f of t = 1: give quad the scales to look at.
    cuts = [1.0 - p * 10.0**j / f for j in range(-2, 8)]
    breaks = sorted({c for c in cuts if c > 0.0})
    value, _ = quad(integrand, 0.0, 1.0, points=breaks or None, limit=500, epsabs=0.0, epsrel=1e-11)
    return float(value)


@dataclass(frozen=True, eq=False)
class RiskMeasures(ResultDisplay):
    """Disclosure risk of a microdata set: k-anonymity, expected re-identifications, global risk.

    Attributes
    ----------
    records : pandas.DataFrame
        Per record, with the data's index: ``fk``, ``Fk`` (see :func:`frequencies`) and
        ``risk`` (see :func:`individual_risk`).
    keys : tuple of str
        The key variables.
    weight : str or None
        The weight column, or ``None`` (the data are the population).
    method : str
        ``"approx"`` or ``"exact"``.
    """

    records: pd.DataFrame
    keys: tuple[str, ...]
    weight: str | None
    method: str

    @property
    def n(self) -> int:
        """Number of records."""
        return len(self.records)

    @property
    def k_anonymity(self) -> pd.DataFrame:
        """Per k in :data:`K_LEVELS`: ``violations`` (records with ``fk < k``) and their
        ``share`` of all records (sdcMicro's "observations violating k-anonymity")."""
        fk = self.records["fk"].to_numpy()
        rows = [(k, int((fk < k).sum())) for k in K_LEVELS]
        table = pd.DataFrame(rows, columns=["k", "violations"])
        table["share"] = table["violations"] / self.n if self.n else np.nan
        return table

    @property
    def expected_reidentifications(self) -> float:
        """The sum of the individual risks (sdcMicro's ``global_risk_ER``)."""
        return float(self.records["risk"].sum())

    @property
    def global_risk(self) -> float:
        """The mean individual risk (sdcMicro's ``global_risk``)."""
        return self.expected_reidentifications / self.n if self.n else math.nan

    def tidy(self) -> pd.DataFrame:
        """One row per measure: ``measure``, ``k`` (k-anonymity rows only), ``value`` and
        ``share`` (of the records)."""
        rows: list[dict[str, Any]] = [
            {
                "measure": "k_anonymity_violations",
                "k": r.k,
                "value": float(r.violations),
                "share": r.share,
            }
            for r in self.k_anonymity.itertuples()
        ]
        rows.append(
            {
                "measure": "expected_reidentifications",
                "k": None,
                "value": self.expected_reidentifications,
                "share": self.global_risk,
            }
        )
        rows.append({"measure": "global_risk", "k": None, "value": self.global_risk, "share": None})
        table = pd.DataFrame(rows, columns=["measure", "k", "value", "share"])
        table["k"] = table["k"].astype("Int64")
        table["share"] = table["share"].astype("float64")
        return table

    def to_dict(self) -> dict[str, Any]:
        """The settings and the measures (not the per-record table)."""
        return {
            "keys": list(self.keys),
            "weight": self.weight,
            "method": self.method,
            "n": self.n,
            "k_anonymity": [
                {"k": int(r.k), "violations": int(r.violations), "share": float(r.share)}
                for r in self.k_anonymity.itertuples()
            ],
            "expected_reidentifications": self.expected_reidentifications,
            "global_risk": self.global_risk,
        }

    def summary(self) -> str:
        """A plain-text report of the measures."""
        title = "Disclosure risk of the microdata"
        weighting = (
            f"weights {self.weight!r}, individual risk {self.method!r}"
            if self.weight is not None
            else "no weights (the data are the population: risk = 1/fk)"
        )
        lines = [
            title,
            "=" * len(title),
            f"records: {self.n}   keys: {', '.join(self.keys)}",
            weighting,
            "",
        ]
        for r in self.k_anonymity.itertuples():
            lines.append(f"violating {r.k}-anonymity: {r.violations} ({r.share:.1%})")
        lines.append(f"expected re-identifications: {self.expected_reidentifications:.2f}")
        lines.append(f"global risk (mean individual risk): {self.global_risk:.2%}")
        return "\n".join(lines)


def risk(
    df: pd.DataFrame,
    *,
    keys: str | Sequence[str],
    weight: str | None = None,
    method: Method = "approx",
) -> RiskMeasures:
    """Measure the disclosure risk of microdata: k-anonymity and re-identification risk.

    Parameters
    ----------
    df
        The microdata, one row per person. Not modified.
    keys
        The key variables (quasi-identifiers).
    weight
        The sampling weights, or ``None`` when the data are the population.
    method
        How the individual risk is computed (see :func:`individual_risk`).

    Returns
    -------
    RiskMeasures
        Per record ``fk``, ``Fk`` and ``risk``; the records violating k-anonymity for
        k = 2, 3, 5; the expected number of re-identifications and the global risk.

    Raises
    ------
    ColumnNotFoundError, InvalidOptionError, DataError
        As :func:`frequencies` and :func:`individual_risk`.

    Notes
    -----
    As sdcMicro's ``measure_risk`` for a data frame: a record violates k-anonymity when
    ``fk < k`` (missing key values matching anything); the expected number of
    re-identifications is the sum of the individual risks and the global risk their mean.
    """
    check_option("method", method, Method)
    df = check_frame(df)
    keys = check_keys(df, keys)
    w = check_weight(df, weight, keys)
    fk, big_f = _frequencies(_codes(df, keys), w)
    rk = _risk(fk, big_f, weighted=w is not None, method=method)
    records = pd.DataFrame({"fk": fk.astype("int64"), "Fk": big_f, "risk": rk}, index=df.index)
    return RiskMeasures(records=records, keys=tuple(keys), weight=weight, method=method)
