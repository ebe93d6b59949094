"""Anonymization to a stated standard: one plan, its audit, the risk before and after, the loss.

:func:`anonymize` runs the steps the Personal Information Protection Commission's guidelines
for 匿名加工情報 and sdcMicro's practice put in this order: direct identifiers out (refused or
dropped), key variables generalized (:func:`~ebpm.privacy.recode`), extreme values coded
(:func:`~ebpm.privacy.top_code`, :func:`~ebpm.privacy.bottom_code`), and the records still
rarer than k blanked (:func:`~ebpm.privacy.local_suppression`). It returns an
:class:`Anonymized` result: the data, every step with what it changed, the disclosure risk
before and after (:func:`~ebpm.privacy.risk`), l-diversity of a sensitive variable when one is
named, and the information lost (values changed and blanked per column; means, standard
deviations and correlations of the numeric variables before and after).

:func:`ebpm.report.microdata` shows it in a report and marks the release, so that ``ebpm run``
publishes it only when it was anonymized here and meets its k.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd

from ebpm._display import ResultDisplay
from ebpm.errors import DataError, InvalidOptionError
from ebpm.privacy._checks import check_frame, check_keys, check_sensitive, check_weight
from ebpm.privacy._identifiers import check_no_identifiers, drop_identifiers
from ebpm.privacy._ldiv import l_diversity
from ebpm.privacy._recode import bottom_code, recode, top_code
from ebpm.privacy._risk import RiskMeasures, risk
from ebpm.privacy._suppress import local_suppression

__all__ = ["ANONYMIZE_STEP", "Anonymized", "anonymize"]

#: The name of the last step :func:`anonymize` writes into ``attrs["privacy"]``; the release
#: gate (:func:`ebpm.report.microdata`) looks for it.
ANONYMIZE_STEP = "anonymize"


@dataclass(frozen=True, eq=False)
class Anonymized(ResultDisplay):
    """Microdata anonymized to a stated standard, with the audit of how.

    Attributes
    ----------
    data : pandas.DataFrame
        The anonymized records; ``attrs["privacy"]`` holds the steps.
    keys : tuple of str
        The key variables.
    k : int
        The k of k-anonymity asked for.
    l : int or None
        The l of l-diversity asked for, or ``None``.
    sensitive : tuple of str
        The sensitive variables whose l-diversity is measured.
    steps : tuple of dict
        Each step: its name, settings and how many values it changed.
    before, after : RiskMeasures
        The disclosure risk of the original and of the anonymized records.
    l_reached : int or None
        The smallest l-diversity of the sensitive variables over the key combinations after
        anonymization (``None`` without a sensitive variable).
    loss : pandas.DataFrame
        Per column: values changed, values blanked (made missing), and for numeric columns the
        mean and standard deviation before and after.
    correlation_shift : float
        The largest absolute change of a correlation between two numeric columns (``nan`` with
        fewer than two).
    """

    data: pd.DataFrame
    keys: tuple[str, ...]
    k: int
    l: int | None  # noqa: E741 (the measure's name)
    sensitive: tuple[str, ...]
    steps: tuple[dict[str, Any], ...]
    before: RiskMeasures
    after: RiskMeasures
    l_reached: int | None
    loss: pd.DataFrame
    correlation_shift: float

    @property
    def violating(self) -> int:
        """Records still matching fewer than ``k`` records (0 after :func:`anonymize`)."""
        return int((self.after.records["fk"] < self.k).sum())

    @property
    def meets_standard(self) -> bool:
        """Whether every record matches at least ``k`` records and, when ``l`` was asked for,
        every key combination holds at least ``l`` values of each sensitive variable."""
        l_ok = self.l is None or (self.l_reached is not None and self.l_reached >= self.l)
        return self.violating == 0 and l_ok

    def tidy(self) -> pd.DataFrame:
        """The risk measures before and after, one row per measure."""
        before, after = self.before.tidy(), self.after.tidy()
        table = before[["measure", "k"]].copy()
        table["before"] = before["value"].to_numpy()
        table["after"] = after["value"].to_numpy()
        table["share_before"] = before["share"].to_numpy()
        table["share_after"] = after["share"].to_numpy()
        return table

    def to_dict(self) -> dict[str, Any]:
        """The standard, the steps, the risk before and after and the information loss."""
        return {
            "keys": list(self.keys),
            "k": self.k,
            "l": self.l,
            "sensitive": list(self.sensitive),
            "meets_standard": self.meets_standard,
            "violating": self.violating,
            "l_reached": self.l_reached,
            "records": len(self.data),
            "steps": [dict(step) for step in self.steps],
            "risk_before": self.before.to_dict(),
            "risk_after": self.after.to_dict(),
            "loss": _records(self.loss),
            "correlation_shift": None
            if math.isnan(self.correlation_shift)
            else self.correlation_shift,
        }

    def summary(self) -> str:
        """A plain-text audit: the standard, the steps, the risk and the loss."""
        title = "Anonymization of the microdata"
        standard = f"{self.k}-anonymity on {', '.join(self.keys)}"
        if self.l is not None:
            standard += f", {self.l}-diversity of {', '.join(self.sensitive)}"
        lines = [
            title,
            "=" * len(title),
            f"records: {len(self.data)}   standard: {standard}",
            f"standard met: {'yes' if self.meets_standard else 'NO'}",
            "",
            "steps:",
        ]
        for step in self.steps:
            lines.append(f"  - {_describe(step)}")
        kb, ka = self.before.k_anonymity, self.after.k_anonymity
        lines.append("")
        lines.append("risk                          before      after")
        for (_, b), (_, a) in zip(kb.iterrows(), ka.iterrows(), strict=True):
            lines.append(
                f"violating {int(b['k'])}-anonymity        "
                f"{int(b['violations']):>8}   {int(a['violations']):>8}"
            )
        lines.append(
            f"expected re-identifications  {self.before.expected_reidentifications:>8.2f}   "
            f"{self.after.expected_reidentifications:>8.2f}"
        )
        if self.l_reached is not None:
            lines.append(f"smallest l-diversity after: {self.l_reached}")
        lines.append("")
        lines.append("information lost:")
        for row in self.loss.itertuples():
            text = f"  {row.column}: {row.changed} changed, {row.blanked} blanked"
            if not pd.isna(row.mean_before):
                text += (
                    f"; mean {row.mean_before:.4g} -> {row.mean_after:.4g}, "
                    f"sd {row.sd_before:.4g} -> {row.sd_after:.4g}"
                )
            lines.append(text)
        if not math.isnan(self.correlation_shift):
            lines.append(f"  largest change of a correlation: {self.correlation_shift:.3f}")
        return "\n".join(lines)

    def plot(self, ax: Any = None) -> Any:
        """Records violating k-anonymity (k = 2, 3, 5) before and after, as bars."""
        import matplotlib.pyplot as plt

        if ax is None:
            _, ax = plt.subplots(figsize=(5, 3))
        kb, ka = self.before.k_anonymity, self.after.k_anonymity
        x = np.arange(len(kb))
        ax.bar(x - 0.2, kb["violations"], width=0.4, label="before", color="#b35806")
        ax.bar(x + 0.2, ka["violations"], width=0.4, label="after", color="#542788")
        ax.set_xticks(x, [f"k = {int(k)}" for k in kb["k"]])
        ax.set_ylabel("records violating k-anonymity")
        ax.legend(frameon=False)
        return ax


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    out = []
    for row in frame.to_dict(orient="records"):
        out.append(
            {k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in row.items()}
        )
    return out


def _describe(step: Mapping[str, Any]) -> str:
    name = step.get("step")
    if name == "local_suppression":
        blanked = {k: v for k, v in step.get("suppressed", {}).items() if v}
        return (
            f"local suppression to {step.get('k')}-anonymity: {step.get('changed')} value(s) "
            f"blanked {blanked}"
        )
    if name == "drop_identifiers":
        return f"direct identifiers dropped: {step.get('columns')}"
    if name == ANONYMIZE_STEP:
        return (
            f"standard checked: {step.get('k')}-anonymity, {step.get('violating')} record(s) "
            "violating"
        )
    detail = {k: v for k, v in step.items() if k != "step"}
    return f"{name}: {detail}"


def anonymize(
    df: pd.DataFrame,
    *,
    keys: str | Sequence[str],
    k: int = 3,
    l: int | None = None,  # noqa: E741 (the measure's name)
    sensitive: str | Sequence[str] | None = None,
    weight: str | None = None,
    recode: Mapping[str, Any] | None = None,
    labels: Mapping[str, Sequence[Any]] | None = None,
    top_code: Mapping[str, Any] | None = None,
    bottom_code: Mapping[str, Any] | None = None,
    importance: Sequence[str] | None = None,
    identifiers: Literal["refuse", "drop"] = "refuse",
    keep: Sequence[str] | str | None = None,
    microaggregate: Sequence[str] | None = None,
    noise: Mapping[str, float] | None = None,
    pram: Sequence[str] | None = None,
    seed: int | None = None,
) -> Anonymized:
    """Anonymize microdata to k-anonymity (and l-diversity), with the audit of every step.

    Parameters
    ----------
    df
        The microdata, one row per person (or firm). Not modified.
    keys
        The key variables (quasi-identifiers) an intruder could know.
    k
        Each record must match at least ``k`` records on its keys (3 is the usual floor).
    l, sensitive
        Each key combination must hold at least ``l`` distinct values of each ``sensitive``
        variable (distinct l-diversity); ``l`` needs ``sensitive``. Measured and stated;
        local suppression does not raise it.
    weight
        The sampling weights, for the re-identification risk (``None``: the data are the
        population).
    recode, labels
        Generalize keys first: :func:`ebpm.privacy.recode`'s rules and labels.
    top_code, bottom_code
        Column → limit: values beyond it are replaced by it (:func:`ebpm.privacy.top_code`).
    importance
        The keys from the most important (blanked last) to the least important, for local
        suppression.
    identifiers
        ``"refuse"`` (default): data still holding a direct identifier (names, addresses,
        phone numbers, e-mails, 個人番号) are refused, naming the column; ``"drop"``: such
        columns are dropped, and the step says which.
    keep
        Columns flagged as identifiers wrongly (kept; the analyst answers for them).
    microaggregate
        Numeric columns (not keys) replaced by the means of groups of at least ``k`` similar
        records (:func:`ebpm.privacy.microaggregate`, MDAV).
    noise
        Column → noise in percent of its standard deviation (:func:`ebpm.privacy.add_noise`;
        sdcMicro's default is 150). Not keys.
    pram
        Categorical columns (not keys) post-randomized (:func:`ebpm.privacy.pram`).
    seed
        Seeds ``noise`` and ``pram`` (required with either; not recorded in the audit).

    Returns
    -------
    Anonymized
        The data, the steps, the risk before and after and the information lost.

    Raises
    ------
    DataError
        The data hold a direct identifier (``identifiers="refuse"``), ``k`` is larger than the
        data, or a recode leaves values outside every interval.
    ColumnNotFoundError, InvalidOptionError
        A key, weight, sensitive or coded column is not a column; a sensitive variable is a key;
        ``l`` without ``sensitive``; a bad ``k``, ``l`` or ``identifiers``.
    """
    df = check_frame(df)
    keys = check_keys(df, keys)
    check_weight(df, weight, keys)
    _whole("k", k, 1)
    if l is not None:
        _whole("l", l, 1)
        if sensitive is None:
            raise InvalidOptionError(
                f"l={l} needs the sensitive variable(s) whose values each key combination "
                "must vary in: pass sensitive='...' as well, or drop l"
            )
    sens = check_sensitive(df, sensitive, keys) if sensitive is not None else []
    if k > len(df):
        raise DataError(
            f"k={k} is larger than the {len(df)} record(s) of the data: no anonymization can "
            f"make each record match {k}. Lower k, or release a larger data set"
        )
    if identifiers not in ("refuse", "drop"):
        raise InvalidOptionError(
            f"identifiers={identifiers!r} must be 'refuse' (data with a direct identifier are "
            "refused) or 'drop' (such columns are dropped)"
        )
    before = risk(df, keys=keys, weight=weight)
    out = df
    if identifiers == "drop":
        out = drop_identifiers(out, keep=keep)
        gone = [c for c in (*keys, *sens, *([weight] if weight else [])) if c not in out.columns]
        if gone:
            raise InvalidOptionError(
                f"{gone} look like direct identifiers and would be dropped, but are named as "
                f"keys, weight or sensitive; pass keep={gone!r} if they are not identifiers"
            )
    else:
        check_no_identifiers(out, keep=keep)
    if recode:
        out = _apply_recode(out, recode, labels)
    if top_code:
        out = _apply_top(out, top_code)
    if bottom_code:
        out = _apply_bottom(out, bottom_code)
    out = local_suppression(out, keys=keys, k=k, importance=importance)
    out = _perturb(out, keys, k, microaggregate, noise, pram, seed)
    after = risk(out, keys=keys, weight=weight)
    l_reached = None
    if sens:
        groups = l_diversity(out, keys=keys, sensitive=sens).groups
        l_reached = int(groups[sens].min().min()) if len(groups) else None
    violating = int((after.records["fk"] < k).sum())
    steps = [dict(step) for step in out.attrs.get("privacy", [])]
    steps.append(
        {
            "step": ANONYMIZE_STEP,
            "keys": list(keys),
            "k": int(k),
            "l": None if l is None else int(l),
            "sensitive": list(sens),
            "violating": violating,
            "l_reached": l_reached,
            "keep": _keep_list(keep),
        }
    )
    out = out.copy()
    out.attrs = {**out.attrs, "privacy": steps}
    loss, shift = information_loss(df, out)
    return Anonymized(
        data=out,
        keys=tuple(keys),
        k=int(k),
        l=None if l is None else int(l),
        sensitive=tuple(sens),
        steps=tuple(steps),
        before=before,
        after=after,
        l_reached=l_reached,
        loss=loss,
        correlation_shift=shift,
    )


def _perturb(
    df: pd.DataFrame,
    keys: list[str],
    k: int,
    aggregate: Sequence[str] | None,
    noise: Mapping[str, float] | None,
    randomize: Sequence[str] | None,
    seed: int | None,
) -> pd.DataFrame:
    """The perturbative steps, on columns that are not keys (a perturbed key would undo the
    k-anonymity just reached)."""
    from ebpm.privacy import _perturb as perturb

    named = {
        "microaggregate": list(aggregate or []),
        "noise": list(noise or {}),
        "pram": list(randomize or []),
    }
    for option, columns in named.items():
        on_keys = [c for c in columns if c in keys]
        if on_keys:
            raise InvalidOptionError(
                f"{option} names the key variable(s) {on_keys}: perturbing a key would undo the "
                "k-anonymity reached on it. Generalize keys with recode= instead, and perturb "
                "the other variables"
            )
    if (noise or randomize) and seed is None:
        raise InvalidOptionError(
            "noise= and pram= draw random numbers: pass seed=<an integer> so that the release "
            "can be made again (the seed is not written into the audit)"
        )
    out = df
    if aggregate:
        out = perturb.microaggregate(out, columns=list(aggregate), k=k)
    for i, (column, level) in enumerate((noise or {}).items()):
        out = perturb.add_noise(out, columns=[column], noise=level, seed=int(seed or 0) + i)
    if randomize:
        out = perturb.pram(out, columns=list(randomize), seed=int(seed or 0) + 7919)
    return out


def _keep_list(keep: Sequence[str] | str | None) -> list[str]:
    """The columns the analyst kept although they look like identifiers, for the release gate."""
    if keep is None:
        return []
    return [str(keep)] if isinstance(keep, str) else [str(c) for c in keep]


def _apply_recode(df: pd.DataFrame, rules: Any, labels: Any) -> pd.DataFrame:
    return recode(df, rules, labels=labels)


def _apply_top(df: pd.DataFrame, limits: Any) -> pd.DataFrame:
    return top_code(df, limits)


def _apply_bottom(df: pd.DataFrame, limits: Any) -> pd.DataFrame:
    return bottom_code(df, limits)


def _whole(name: str, value: object, low: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < low:
        raise InvalidOptionError(f"{name}={value!r} must be a whole number of at least {low}")


def information_loss(before: pd.DataFrame, after: pd.DataFrame) -> tuple[pd.DataFrame, float]:
    """Per column of ``before`` still in ``after``: values changed (a value replaced by
    another), values blanked (made missing), and for numeric columns the mean and standard
    deviation before and after; and the largest absolute change of a correlation between two
    numeric columns (``nan`` with fewer than two)."""
    rows = []
    numeric = []
    for column in before.columns:
        if column not in after.columns:
            continue
        old, new = before[column], after[column]
        was, now = old.notna().to_numpy(), new.notna().to_numpy()
        blanked = int((was & ~now).sum())
        both = was & now
        is_num = _is_number(old) and _is_number(new)
        o = old.astype("float64") if is_num else None
        n = new.astype("float64") if is_num else None
        if o is not None and n is not None:  # as numbers: 445.1704 (float32) is 445.1704...
            numeric.append(column)
            changed = int((o[both].to_numpy() != n[both].to_numpy()).sum())
        else:
            changed = int(
                (old[both].astype(str).to_numpy() != new[both].astype(str).to_numpy()).sum()
            )
        row: dict[str, Any] = {"column": str(column), "changed": changed, "blanked": blanked}
        row.update(
            mean_before=float(o.mean()) if o is not None else math.nan,
            mean_after=float(n.mean()) if n is not None else math.nan,
            sd_before=float(o.std()) if o is not None else math.nan,
            sd_after=float(n.std()) if n is not None else math.nan,
        )
        rows.append(row)
    columns = ["column", "changed", "blanked", "mean_before", "mean_after", "sd_before", "sd_after"]
    table = pd.DataFrame(rows, columns=columns)
    shift = math.nan
    if len(numeric) >= 2:
        c0 = before[numeric].astype("float64").corr().to_numpy()
        c1 = after[numeric].astype("float64").corr().to_numpy()
        diff = np.abs(c1 - c0)
        if np.isfinite(diff).any():
            shift = float(np.nanmax(diff))
    return table, shift


def _is_number(values: pd.Series) -> bool:
    return bool(pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values))
