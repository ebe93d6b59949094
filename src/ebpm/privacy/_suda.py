"""Special uniques: SUDA scores from the minimal sample uniques of each record.

A record unique on a few keys is riskier than one unique only on all of them: anyone who knows
those few values finds it. SUDA (Elliot, Manning et al.; sdcMicro's ``suda2``) finds, for each
record, its *minimal sample uniques* (MSUs): the sets of keys on which it is the only record and
no smaller set of which makes it unique. Each MSU of size ``s`` among ``M`` keys adds
``(M - s)!`` to the record's SUDA score, so small MSUs weigh most; a variable's contribution is
the share of all scores coming from MSUs that hold it.

The scores are those of sdcMicro's ``suda2`` (``original_scores = TRUE``) on its documented
examples. A missing key value matches any value, as in :func:`ebpm.privacy.frequencies`. Every
subset of the keys is examined, so the work doubles with each key: up to 12 keys are accepted.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import combinations
from typing import Any

import numpy as np
import pandas as pd

from ebpm._display import ResultDisplay
from ebpm.errors import InvalidOptionError
from ebpm.privacy._checks import check_frame, check_keys
from ebpm.privacy._freq import _codes, _frequencies

__all__ = ["MAX_SUDA_KEYS", "Suda", "suda"]

#: The most keys :func:`suda` examines (4,095 subsets).
MAX_SUDA_KEYS = 12


@dataclass(frozen=True, eq=False)
class Suda(ResultDisplay):
    """SUDA scores of the records and the variables' contributions to them.

    Attributes
    ----------
    records : pandas.DataFrame
        Per record, with the data's index: ``score`` (the SUDA score), ``msus`` (how many
        minimal sample uniques it has) and ``smallest`` (the size of its smallest, ``<NA>``
        without one).
    contributions : pandas.DataFrame
        Per key: ``contribution``, the percentage of the total score from MSUs holding it.
    keys : tuple of str
        The key variables.
    """

    records: pd.DataFrame
    contributions: pd.DataFrame
    keys: tuple[str, ...]

    @property
    def special_uniques(self) -> int:
        """Records with an MSU of one or two keys: unique on very little."""
        smallest = self.records["smallest"]
        return int((smallest.notna() & (smallest <= 2)).sum())

    def tidy(self) -> pd.DataFrame:
        """The contributions of the keys (a copy)."""
        return self.contributions.copy()

    def to_dict(self) -> dict[str, Any]:
        """The keys, the score's summary and the contributions."""
        scores = self.records["score"]
        return {
            "keys": list(self.keys),
            "records": len(self.records),
            "records_with_msu": int((self.records["msus"] > 0).sum()),
            "special_uniques": self.special_uniques,
            "max_score": float(scores.max()) if len(scores) else 0.0,
            "total_score": float(scores.sum()),
            "contributions": {
                str(r.variable): float(r.contribution) for r in self.contributions.itertuples()
            },
        }

    def summary(self) -> str:
        """A plain-text report of the scores and contributions."""
        title = "Special uniques (SUDA)"
        with_msu = int((self.records["msus"] > 0).sum())
        lines = [
            title,
            "=" * len(title),
            f"records: {len(self.records)}   keys: {', '.join(self.keys)}",
            f"records unique on some keys: {with_msu}",
            f"records unique on one or two keys: {self.special_uniques}",
            f"largest SUDA score: {self.records['score'].max():g}",
            "",
            "contribution of each key to the scores (%):",
        ]
        for r in self.contributions.itertuples():
            lines.append(f"  {r.variable}: {r.contribution:.1f}")
        return "\n".join(lines)


def suda(df: pd.DataFrame, *, keys: str | Sequence[str]) -> Suda:
    """SUDA scores: how easily each record is found from few of its keys.

    Parameters
    ----------
    df
        The microdata, one row per person. Not modified.
    keys
        The key variables (at most :data:`MAX_SUDA_KEYS`).

    Returns
    -------
    Suda
        Per record the SUDA score, the number of minimal sample uniques and the size of the
        smallest; per key its contribution to the scores.

    Raises
    ------
    ColumnNotFoundError, InvalidOptionError
        A key is not a column, or more than :data:`MAX_SUDA_KEYS` keys are given.

    References
    ----------
    Elliot, M. J., Manning, A. M. and Ford, R. W. (2002). A computational algorithm for
    handling the special uniques problem. *International Journal of Uncertainty, Fuzziness and
    Knowledge-Based Systems* 10(5), 493-509.
    """
    df = check_frame(df)
    keys = check_keys(df, keys)
    if len(keys) > MAX_SUDA_KEYS:
        raise InvalidOptionError(
            f"keys names {len(keys)} variables; SUDA examines every subset of them, so at most "
            f"{MAX_SUDA_KEYS} are accepted: keep the keys an intruder could really know"
        )
    codes = _codes(df, keys)
    n, m = codes.shape
    # who is unique on each subset of the size before (uniqueness only grows with the keys,
    # so a set is minimal when no subset one key smaller makes the record unique)
    below: dict[tuple[int, ...], np.ndarray] = {(): np.zeros(n, dtype=bool)}
    score = np.zeros(n)
    count = np.zeros(n, dtype=np.int64)
    smallest = np.full(n, m + 1, dtype=np.int64)
    credit = np.zeros(m)
    for size in range(1, m + 1):
        weight = math.factorial(m - size)
        level: dict[tuple[int, ...], np.ndarray] = {}
        for subset in combinations(range(m), size):
            fk = _frequencies(codes[:, list(subset)], None)[0] if n else np.zeros(0)
            alone = fk == 1
            level[subset] = alone
            minimal = alone.copy()
            for drop in range(size):
                minimal &= ~below[subset[:drop] + subset[drop + 1 :]]
            if not minimal.any():
                continue
            score[minimal] += weight
            count[minimal] += 1
            smallest[minimal] = np.minimum(smallest[minimal], size)
            credit[list(subset)] += weight * int(minimal.sum())
        below = level
    total = score.sum()
    contributions = pd.DataFrame(
        {
            "variable": keys,
            "contribution": 100 * credit / total if total else np.zeros(m),
        }
    )
    records = pd.DataFrame(
        {
            "score": score,
            "msus": count,
            "smallest": pd.array(np.where(smallest > m, -1, smallest), dtype="Int64"),
        },
        index=df.index,
    )
    records.loc[records["smallest"] == -1, "smallest"] = pd.NA
    return Suda(records=records, contributions=contributions, keys=tuple(keys))
