"""Distinct l-diversity of sensitive variables within the key-variable combinations.

Mirrors the distinct l-diversity of sdcMicro's ``ldiversity`` (R/measure_risk.R and
src/Measure_Risk.h): records are grouped by identical keys, a missing key value being a
category of its own (unlike :func:`~ebpm.privacy.frequencies`), and a missing sensitive
value counts as one more value when the group has others.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ebpm.privacy._checks import check_frame, check_keys, check_sensitive
from ebpm.privacy._freq import _codes
from ebpm.results import ResultDisplay

#: A combination whose sensitive variable takes fewer distinct values than this reveals it.
L_THRESHOLD = 2


@dataclass(frozen=True, eq=False)
class LDiversity(ResultDisplay):
    """How many distinct values of each sensitive variable each key combination holds.

    Attributes
    ----------
    records : pandas.DataFrame
        Per record, with the data's index: ``size`` (records with the same keys; called
        ``group_size`` when a key or sensitive variable is itself called ``size``) and, per
        sensitive variable, its distinct l-diversity in the record's combination.
    groups : pandas.DataFrame
        One row per key combination, in order of first appearance: the keys, ``size`` (or
        ``group_size``, as above) and the l-diversity of each sensitive variable.
    keys : tuple of str
        The key variables.
    sensitive : tuple of str
        The sensitive variables.
    """

    records: pd.DataFrame
    groups: pd.DataFrame
    keys: tuple[str, ...]
    sensitive: tuple[str, ...]

    def below(self, l: int = L_THRESHOLD) -> pd.Series:  # noqa: E741 (the measure's name)
        """``True`` for the records whose combination has fewer than ``l`` distinct values of
        some sensitive variable."""
        return (self.records[list(self.sensitive)] < l).any(axis=1).rename("below")

    @property
    def n_below(self) -> dict[str, int]:
        """Per sensitive variable: the records whose combination has l < 2."""
        return {s: int((self.records[s] < L_THRESHOLD).sum()) for s in self.sensitive}

    def tidy(self) -> pd.DataFrame:
        """The per-combination table (a copy)."""
        return self.groups.copy()

    def to_dict(self) -> dict[str, Any]:
        """The settings, the smallest l and the records with l < 2, per sensitive variable."""
        return {
            "keys": list(self.keys),
            "sensitive": list(self.sensitive),
            "n": len(self.records),
            "combinations": len(self.groups),
            "min_l": {s: _int_or_none(self.groups[s].min()) for s in self.sensitive},
            "records_below_2": self.n_below,
        }

    def summary(self) -> str:
        """A plain-text report: per sensitive variable, the smallest l and who is exposed."""
        title = "Distinct l-diversity"
        lines = [
            title,
            "=" * len(title),
            f"records: {len(self.records)}   combinations of {', '.join(self.keys)}: "
            f"{len(self.groups)}",
        ]
        for s in self.sensitive:
            below = self.n_below[s]
            share = below / len(self.records) if len(self.records) else 0.0
            lines.append(
                f"{s}: smallest l = {_int_or_none(self.groups[s].min())}; "
                f"records with l < {L_THRESHOLD}: {below} ({share:.1%})"
            )
        return "\n".join(lines)


def _int_or_none(value: Any) -> int | None:
    return None if pd.isna(value) else int(value)


def l_diversity(
    df: pd.DataFrame, *, keys: str | Sequence[str], sensitive: str | Sequence[str]
) -> LDiversity:
    """Distinct l-diversity: how many values of a sensitive variable share each record's keys.

    A combination of keys that holds only one value of the sensitive variable (l = 1) tells
    anyone who knows a person's keys that value, however many records share them.

    Parameters
    ----------
    df
        The microdata, one row per person. Not modified.
    keys
        The key variables (quasi-identifiers).
    sensitive
        The sensitive variable(s): what must not be learnt from the keys. Not a key.

    Returns
    -------
    LDiversity
        Per record and per combination the l of each sensitive variable;
        :attr:`LDiversity.n_below` counts the records with l < 2.

    Raises
    ------
    ColumnNotFoundError
        A key or sensitive variable is not a column (a close match is suggested).
    InvalidOptionError
        ``keys`` is empty, or a sensitive variable is also a key.

    Notes
    -----
    As sdcMicro's ``ldiversity`` (its ``Distinct_Ldiversity`` column): records are grouped by
    equal keys, a missing key value forming a group of its own; l is the number of distinct
    non-missing sensitive values in the group, plus one when some are missing and some are
    not (a group whose values are all missing has l = 0).

    References
    ----------
    Machanavajjhala, A., Kifer, D., Gehrke, J. and Venkitasubramaniam, M. (2007).
    l-Diversity: Privacy Beyond k-Anonymity. *ACM Transactions on Knowledge Discovery from
    Data* 1(1), 3.
    """
    df = check_frame(df)
    keys = check_keys(df, keys)
    sens = check_sensitive(df, sensitive, keys)
    codes = _codes(df, keys)
    if len(df):
        _, first, group = np.unique(codes, axis=0, return_index=True, return_inverse=True)
    else:
        first, group = np.zeros(0, "int64"), np.zeros(0, "int64")
    group = group.reshape(-1)
    order = np.argsort(first, kind="stable")  # combinations in order of first appearance
    rank = np.empty_like(order)
    rank[order] = np.arange(len(order))
    group = rank[group]
    groups = df[keys].iloc[first[order]].reset_index(drop=True)
    size = "group_size" if "size" in keys or "size" in sens else "size"  # a household's size
    groups[size] = np.bincount(group, minlength=len(order))
    records = pd.DataFrame({size: groups[size].to_numpy()[group]}, index=df.index)
    for s in sens:
        l_values = _distinct(group, pd.factorize(df[s], use_na_sentinel=True)[0], len(order))
        groups[s] = l_values
        records[s] = l_values[group]
    return LDiversity(records=records, groups=groups, keys=tuple(keys), sensitive=tuple(sens))


def _distinct(group: np.ndarray, values: np.ndarray, n_groups: int) -> np.ndarray:
    """Per group: distinct non-missing values (``>= 0``), plus one if some are missing (-1)."""
    present = values >= 0
    pairs = np.unique(np.column_stack([group[present], values[present]]), axis=0)
    count = np.bincount(pairs[:, 0], minlength=n_groups) if len(pairs) else np.zeros(n_groups)
    has_missing = np.bincount(group[~present], minlength=n_groups) > 0
    return (count + (has_missing & (count > 0))).astype("int64")
