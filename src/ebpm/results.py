"""The one result object every ebpm estimator returns."""

from __future__ import annotations

import html
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

import numpy as np
import pandas as pd

from ebpm._display import ResultDisplay
from ebpm._format import fixed
from ebpm._json import jsonable
from ebpm.errors import InvalidOptionError

__all__ = ["TIDY_COLUMNS", "EstimateResult", "ResultDisplay", "tidy_table"]

#: Column roles shown in summaries, in this order, when a design has them.
ROLE_KEYS = ("outcome", "unit", "time", "treated", "cohort", "running", "cutoff", "intervention")

#: Columns of :meth:`EstimateResult.tidy`, the same for every estimator, in this order.
TIDY_COLUMNS = ("term", "estimate", "std_error", "statistic", "p_value", "conf_low", "conf_high")


def tidy_table(
    terms: Any,
    estimate: Any,
    std_error: Any,
    *,
    df: float | None = None,
    conf_level: float = 0.95,
) -> pd.DataFrame:
    """A tidy table from estimates and standard errors, with t(df) (or normal) inference.

    ``statistic = estimate / std_error``; two-sided p-values and symmetric intervals from
    Student's t with ``df`` degrees of freedom, or the standard normal when ``df`` is None.
    """
    from scipy import stats

    est = np.asarray(estimate, dtype=float)
    se = np.asarray(std_error, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        stat = est / se
    dist = stats.norm if df is None else stats.t(df)
    crit = dist.ppf(0.5 + conf_level / 2)
    return pd.DataFrame(
        {
            "term": list(terms),
            "estimate": est,
            "std_error": se,
            "statistic": stat,
            "p_value": 2 * dist.sf(np.abs(stat)),
            "conf_low": est - crit * se,
            "conf_high": est + crit * se,
        }
    )


def _freeze(mapping: Mapping[str, Any] | None) -> Mapping[str, Any]:
    return MappingProxyType(dict(mapping or {}))


def _fmt(x: Any, digits: int = 4) -> str:
    if isinstance(x, float | np.floating):
        return fixed(x, digits, tiny=True)
    return "" if x is None else str(x)


@dataclass(frozen=True, eq=False)
class EstimateResult(ResultDisplay):
    """An estimate with its inference, the same shape for every research design.

    Instances are immutable: a change of inference returns a new result.

    Parameters
    ----------
    method : str
        Short machine name of the estimator (``"did"``, ...).
    title : str
        Human name of the design, shown in summaries and reports.
    estimand : str
        What is estimated, e.g. ``"ATT"``.
    table : pandas.DataFrame
        One row per term with the columns in :data:`TIDY_COLUMNS` (extra columns allowed after).
    headline : str
        The term reported as *the* estimate (``.estimate`` and ``.std_error`` read it).
    n_obs : int
        Observations used.
    inference : str
        How standard errors were computed, in words.
    conf_level : float
        Confidence level of ``conf_low``/``conf_high``.
    design : Mapping
        Column roles and design facts (outcome, unit, time, treated, numbers of units, ...).
    diagnostics : Mapping
        Design-specific extras, documented by each estimator.
    provenance : Mapping
        Provenance of the data (``data.attrs["ebpm"]`` when it came from the catalog).
    assumption : str
        The identifying assumption in one sentence; :meth:`summary` states it.
    assumption_label : str
        How :meth:`summary` introduces ``assumption`` ("identifying assumption"; a descriptive
        statistic such as Moran's I states its test's "null hypothesis" instead).
    interval_label : str
        What the intervals are, for :meth:`summary` ("confidence intervals").
    plotter : callable, optional
        ``plotter(result, ax, lang) -> Axes``: the design's standard figure (event-study plot,
        treated vs synthetic path, binned RD scatter ...) with its words in ``lang``. Without
        one, :meth:`plot` draws each term's estimate with its interval.
    translations : Mapping
        ``estimand``, ``inference``, ``assumption`` (and ``interval_label``) in other
        languages, language → field → text, as the estimator wrote them: what a page in that
        language shows (:meth:`said`). Not data: :meth:`to_dict` leaves them out.
    """

    method: str
    title: str
    estimand: str
    table: pd.DataFrame
    headline: str
    n_obs: int
    inference: str
    conf_level: float = 0.95
    design: Mapping[str, Any] = field(default_factory=dict)
    diagnostics: Mapping[str, Any] = field(default_factory=dict)
    provenance: Mapping[str, Any] = field(default_factory=dict)
    assumption: str = ""
    plotter: Callable[[EstimateResult, Any, str], Any] | None = field(default=None, repr=False)
    assumption_label: str = "identifying assumption"
    interval_label: str = "confidence intervals"
    translations: Mapping[str, Mapping[str, str]] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        missing = [c for c in TIDY_COLUMNS if c not in self.table.columns]
        if missing:
            raise ValueError(f"result table lacks columns {missing}; it needs {list(TIDY_COLUMNS)}")
        if self.headline not in set(self.table["term"]):
            raise ValueError(
                f"headline term {self.headline!r} is not in the table terms "
                f"{list(self.table['term'])}"
            )
        table = self.table.reset_index(drop=True).copy()
        table = table[list(TIDY_COLUMNS) + [c for c in table.columns if c not in TIDY_COLUMNS]]
        object.__setattr__(self, "table", table)
        object.__setattr__(self, "design", _freeze(self.design))
        object.__setattr__(self, "diagnostics", _freeze(self.diagnostics))
        object.__setattr__(self, "provenance", _freeze(self.provenance))
        object.__setattr__(
            self, "translations", _freeze({k: _freeze(v) for k, v in self.translations.items()})
        )

    # --- headline --------------------------------------------------------------------------
    def _row(self) -> pd.Series:
        return self.table.loc[self.table["term"] == self.headline].iloc[0]

    @property
    def estimate(self) -> float:
        """Point estimate of the headline term."""
        return float(self._row()["estimate"])

    @property
    def std_error(self) -> float:
        """Standard error of the headline term."""
        return float(self._row()["std_error"])

    @property
    def conf_int(self) -> tuple[float, float]:
        """Confidence interval of the headline term."""
        row = self._row()
        return float(row["conf_low"]), float(row["conf_high"])

    @property
    def p_value(self) -> float:
        """p-value of the headline term."""
        return float(self._row()["p_value"])

    # --- words -----------------------------------------------------------------------------
    def said(self, lang: str = "en") -> dict[str, str]:
        """``estimand``, ``inference``, ``assumption`` and ``interval_label`` in ``lang``
        (``"en"`` or ``"ja"``): the estimator's own words in that language, else in English."""
        from ebpm._lang import check_lang

        own = self.translations.get(check_lang(lang), {})
        fields = ("estimand", "inference", "assumption", "interval_label")
        return {f: own.get(f, getattr(self, f)) for f in fields}

    def title_in(self, lang: str = "en") -> str:
        """The design's name in ``lang``: :attr:`title`, in Japanese by :attr:`method`."""
        from ebpm._lang import DESIGN_TITLES_JA, check_lang

        return (
            DESIGN_TITLES_JA.get(self.method, self.title)
            if check_lang(lang) == "ja"
            else self.title
        )

    # --- trust -----------------------------------------------------------------------------
    def checks(self, lang: str = "en") -> pd.DataFrame:
        """The diagnostics that apply to this design, in words: one row per check with the
        columns ``check`` (English name), ``status`` (pass, warn or info), ``value``,
        ``p_value`` and ``text`` (in ``lang``, "en" or "ja"); the same shape for every design
        (:func:`ebpm.trust.checks.checks` says which checks each design has)."""
        from ebpm._lang import check_lang
        from ebpm.trust.checks import CHECK_KEYS, checks

        rows = checks(self.to_dict(), check_lang(lang))
        return pd.DataFrame(rows, columns=list(CHECK_KEYS))

    def sensitivity(
        self,
        method: str = "relative_magnitude",
        *,
        Mbar: Sequence[float] | None = None,  # noqa: N803 - the papers' and HonestDiD's name
        M: Sequence[float] | None = None,  # noqa: N803
        target: str | int = "average",
        refine: int | None = None,
    ) -> Any:
        """How far the post-period effect survives violations of parallel trends (Rambachan &
        Roth 2023), for an event study (``event_study``, or ``staggered_did`` with
        ``aggregate="event"`` and ``base_period="universal"``).

        Parameters
        ----------
        method : {"relative_magnitude", "smoothness"}
            Bound post-period violations by ``Mbar`` times the largest pre-period one, or bound
            the change in the slope of the trend difference by ``M`` per period.
        Mbar, M : sequence of float, optional
            The bounds to try (give the one of ``method``); defaults: M̄ 0.5, 1, 1.5, 2; M six
            values from 0 to the largest pre-period standard error.
        target : "average" or int
            The average post-period effect (the headline of :func:`event_study`) or one event
            time's effect.
        refine : int, optional
            Bisection steps that narrow the breakdown value (see
            :func:`ebpm.trust.sensitivity.sensitivity`).

        Returns
        -------
        ebpm.trust.sensitivity.Sensitivity
            ``tidy()`` has one row per bound (``Mbar`` or ``M``, ``conf_low``, ``conf_high``);
            ``breakdown`` is the bound at which the robust set first includes zero.
        """
        from ebpm.trust.sensitivity import (
            BOUND,
            METHODS,
            event_coefficients,
            sensitivity,
            target_weights,
        )

        if method not in METHODS:
            raise InvalidOptionError(
                f"method={method!r} is not a sensitivity method; use one of {', '.join(METHODS)}"
            )
        wrong = "M" if method == "relative_magnitude" else "Mbar"
        if (M if wrong == "M" else Mbar) is not None:
            raise InvalidOptionError(
                f"{wrong}= bounds {'smoothness' if wrong == 'M' else 'relative magnitudes'}, not "
                f"{method}: pass {BOUND[method]}=[...] or method="
                f"{'smoothness' if wrong == 'M' else 'relative_magnitude'!r}"
            )
        if self.diagnostics.get("base_period", self.design.get("base_period")) == "varying":
            raise InvalidOptionError(
                "sensitivity() needs a universal base period: estimate staggered_did(..., "
                'aggregate="event", base_period="universal") (HonestDiD\'s requirement too)'
            )
        b, sigma, n_pre, post = event_coefficients(
            self.table,
            self.diagnostics.get("vcov"),
            method_name=self.method,
            ref_period=self.diagnostics.get("ref_period", self.design.get("ref_period", -1)),
        )
        weights, key, label = target_weights(target, post)
        return sensitivity(
            b,
            sigma,
            n_pre=n_pre,
            method=method,  # type: ignore[arg-type]
            bounds=Mbar if method == "relative_magnitude" else M,
            target=key,
            l_vec=weights,
            target_label=label,
            post_times=post,
            conf_level=self.conf_level,
            refine=refine,
        )

    # --- tables ----------------------------------------------------------------------------
    def tidy(self) -> pd.DataFrame:
        """One row per term: term, estimate, std_error, statistic, p_value, conf_low, conf_high."""
        return self.table.copy()

    def glance(self) -> pd.DataFrame:
        """One row describing the fit: method, estimand, headline estimate, n, inference."""
        low, high = self.conf_int
        row = {
            "method": self.method,
            "estimand": self.estimand,
            "term": self.headline,
            "estimate": self.estimate,
            "std_error": self.std_error,
            "conf_low": low,
            "conf_high": high,
            "p_value": self.p_value,
            "conf_level": self.conf_level,
            "n_obs": self.n_obs,
            "inference": self.inference,
        }
        for key in ("n_units", "n_periods", "n_clusters"):
            if key in self.design:
                row[key] = self.design[key]
        return pd.DataFrame([row])

    def summary(self) -> str:
        """A plain-text report of the design, the estimates and the inference."""
        d = self.design
        lines = [self.title, "=" * len(self.title)]
        roles = [f"{k}: {d[k]}" for k in ROLE_KEYS if d.get(k) is not None]
        if roles:
            lines.append("   ".join(roles))
        counts = [f"{k.removeprefix('n_')}: {d[k]}" for k in ("n_units", "n_periods") if k in d]
        lines.append("   ".join([f"observations: {self.n_obs}", *counts]))
        lines.append(f"estimand: {self.estimand}   inference: {self.inference}")
        if self.assumption:
            lines.append(f"{self.assumption_label}: {self.assumption}")
        lines.append("")
        table = self.table[list(TIDY_COLUMNS)].copy()
        for col in TIDY_COLUMNS[1:]:
            table[col] = table[col].map(_fmt)
        lines.append(table.to_string(index=False))
        pct = f"{self.conf_level:.0%}"
        lines.append(f"({pct} {self.interval_label}; headline term: {self.headline})")
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        d = self.design
        esc = html.escape
        head = "".join(f"<th>{esc(c)}</th>" for c in TIDY_COLUMNS)
        body = []
        for _, row in self.table.iterrows():
            cells = [f"<td>{esc(str(row['term']))}</td>"]
            cells += [f"<td>{esc(_fmt(row[c]))}</td>" for c in TIDY_COLUMNS[1:]]
            strong = ' style="font-weight:bold"' if row["term"] == self.headline else ""
            body.append(f"<tr{strong}>{''.join(cells)}</tr>")
        roles = ", ".join(
            f"{k} <code>{esc(str(d[k]))}</code>" for k in ROLE_KEYS if d.get(k) is not None
        )
        return (
            f'<div class="ebpm-result"><p><strong>{esc(self.title)}</strong> '
            f"({esc(self.estimand)}; {roles})<br>"
            f"n = {self.n_obs}; inference: {esc(self.inference)}; "
            f"{self.conf_level:.0%} intervals"
            + (f"<br>Identifying assumption: {esc(self.assumption)}" if self.assumption else "")
            + "</p>"
            f'<table class="ebpm-tidy"><thead><tr>{head}</tr></thead>'
            f"<tbody>{''.join(body)}</tbody></table></div>"
        )

    # --- figure ----------------------------------------------------------------------------
    def plot(self, ax: Any = None, *, lang: str | None = None) -> Any:
        """The design's standard figure (default: each term's estimate and interval); the Axes.

        Its words are in ``lang`` (default: the report's, :func:`ebpm.report.language`)."""
        from ebpm._lang import FIGURES, current_lang
        from ebpm.plotting import get_ax

        chosen = current_lang(lang)
        if self.plotter is not None:
            return self.plotter(self, get_ax(ax), chosen)
        ax = get_ax(ax, figsize=(6, 0.6 + 0.5 * len(self.table)))
        t = self.table.iloc[::-1]
        y = np.arange(len(t))
        ax.errorbar(
            t["estimate"],
            y,
            xerr=[t["estimate"] - t["conf_low"], t["conf_high"] - t["estimate"]],
            fmt="o",
            color="#0072B2",
            ecolor="#0072B2",
            capsize=4,
        )
        ax.axvline(0, color="0.4", lw=0.8, ls="--")
        ax.set_yticks(y, t["term"].astype(str))
        ax.set_xlabel(FIGURES[chosen]["estimate_ci"].format(level=f"{self.conf_level:.0%}"))
        ax.set_title(self.title_in(chosen))
        ax.set_ylim(-0.7, len(t) - 0.3)
        return ax

    # --- serialisation ---------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """A JSON-serialisable dictionary of everything in the result."""
        low, high = self.conf_int
        return jsonable(
            {
                "method": self.method,
                "title": self.title,
                "estimand": self.estimand,
                "headline": {
                    "term": self.headline,
                    "estimate": self.estimate,
                    "std_error": self.std_error,
                    "conf_low": low,
                    "conf_high": high,
                    "p_value": self.p_value,
                },
                "n_obs": self.n_obs,
                "inference": self.inference,
                "assumption": self.assumption,
                "conf_level": self.conf_level,
                "interval_label": self.interval_label,
                "design": dict(self.design),
                "table": self.table,
                "diagnostics": dict(self.diagnostics),
                "provenance": dict(self.provenance),
            }
        )
