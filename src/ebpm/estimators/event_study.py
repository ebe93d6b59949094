"""Event study: dynamic difference-in-differences with one coefficient per event time."""

from __future__ import annotations

import logging
import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal, get_args

import numpy as np
import pandas as pd

from ebpm._lang import FIGURES, words
from ebpm.errors import (
    CollinearityWarning,
    DataError,
    EbpmWarning,
    EstimationError,
    FewClustersWarning,
    InvalidOptionError,
    NoPrePeriodError,
    NoTreatedUnitsError,
)
from ebpm.estimators import _pyfixest
from ebpm.estimators._common import (
    check_columns,
    check_complete,
    check_numeric,
    check_option,
    check_unique_panel,
    drop_missing,
    require_frame,
)
from ebpm.estimators._did_event_inputs import (
    add_controls,
    check_window,
    integer_valued,
    is_dates,
    periods_from_dates,
)
from ebpm.results import EstimateResult, tidy_table
from ebpm.trust.power import pretrend_power

__all__ = ["EventStudyEstimator", "event_study", "event_time_label"]

log = logging.getLogger(__name__)

EventStudyEstimator = Literal["twfe", "sun_abraham"]
ESTIMATORS: tuple[EventStudyEstimator, ...] = get_args(EventStudyEstimator)
#: Below this many clusters, CRV1 inference over-rejects (Cameron, Gelbach & Miller 2008).
FEW_CLUSTERS = 30
PRE_COLOUR = "#0072B2"  # Okabe–Ito blue
POST_COLOUR = "#D55E00"  # Okabe–Ito vermillion
HEADLINE = "post_avg"


def event_time_label(k: int) -> str:
    """The tidy term of event time ``k``: ``"t-3"``, ``"t+0"``, ``"t+2"``."""
    return f"t{k:+d}"


def _wald(
    est: np.ndarray, cov: np.ndarray, idx: list[int], df_denom: int, terms: list[str]
) -> dict[str, Any]:
    """Joint Wald test that est[idx] are all zero, as F(q, df_denom) and chi-square."""
    from scipy import stats

    q = len(idx)
    if q == 0:
        return {
            "statistic": math.nan,
            "df": 0,
            "df_denom": df_denom,
            "chi2": math.nan,
            "p_value": math.nan,
            "p_value_chi2": math.nan,
            "distribution": "none: no pre-period coefficient to test",
            "terms": [],
        }
    b = est[idx]
    v = cov[np.ix_(idx, idx)]
    chi2 = float(b @ np.linalg.pinv(v) @ b)
    q = int(np.linalg.matrix_rank(v))  # a singular covariance tests fewer restrictions
    f = chi2 / q
    return {
        "statistic": f,
        "df": q,
        "df_denom": df_denom,
        "chi2": chi2,
        "p_value": float(stats.f.sf(f, q, df_denom)),
        "p_value_chi2": float(stats.chi2.sf(chi2, q)),
        "distribution": f"F({q}, {df_denom})",
        "terms": [terms[i] for i in idx],
    }


def _power(
    cov: np.ndarray, event_times: list[int], pre: list[int], *, ref_period: int, dof: int
) -> dict[str, Any]:
    """The slopes of a linear pre-trend that the Wald test above detects with 50% and 80%
    power (Roth 2022), in outcome units per period; NaN with no pre-period coefficient."""
    if not pre:
        return {"power_slope_50": math.nan, "power_slope_80": math.nan, "power_test": "wald"}
    power = pretrend_power(cov, event_times, reference=ref_period, test="wald", df=dof, pre=pre)
    return {
        "power_slope_50": power["slope_50"],
        "power_slope_80": power["slope_80"],
        "power_test": "wald",
    }


def _plot_event_study(result: EstimateResult, ax: Any, lang: str = "en") -> Any:
    """Coefficients with intervals against event time; reference at 0; pre and post coloured."""
    w = words(FIGURES, lang)
    table = result.table[result.table["term"] != HEADLINE]
    k = table["event_time"].astype(float).to_numpy()
    est = table["estimate"].to_numpy(float)
    low = table["conf_low"].to_numpy(float)
    high = table["conf_high"].to_numpy(float)
    ax.axhline(0, color="0.3", lw=0.8)
    ax.axvline(-0.5, color="0.4", lw=1, ls="--")
    for mask, colour, label in (
        (k < 0, PRE_COLOUR, w["es_before"]),
        (k >= 0, POST_COLOUR, w["es_after"]),
    ):
        if mask.any():
            ax.errorbar(
                k[mask],
                est[mask],
                yerr=[est[mask] - low[mask], high[mask] - est[mask]],
                fmt="o",
                color=colour,
                ecolor=colour,
                capsize=3,
                label=label,
            )
    ref = result.diagnostics["ref_period"]
    reference = w["es_reference"].format(ref=f"{ref:+d}")
    ax.plot([ref], [0.0], "o", mfc="white", mec="0.2", label=reference)
    ticks = sorted({*k.astype(int).tolist(), int(ref)})
    binned = dict(zip(table["event_time"].astype(int), table["binned"], strict=True))
    labels = [(f"<={t}" if t < 0 else f">={t}") if binned.get(t, False) else str(t) for t in ticks]
    ax.set_xticks(ticks, labels)
    ax.set_xlabel(w["es_x"])
    level = f"{result.conf_level:.0%}"
    ax.set_ylabel(w["effect_ci"].format(outcome=result.design["outcome"], level=level))
    ax.set_title(result.title_in(lang))
    handles, names = ax.get_legend_handles_labels()
    order = sorted(range(len(names)), key=lambda i: names[i] == reference)
    ax.legend(
        [handles[i] for i in order], [names[i] for i in order], frameon=False, fontsize="small"
    )
    return ax


def event_study(
    data: pd.DataFrame,
    *,
    outcome: str,
    unit: str,
    time: str,
    cohort: str,
    ref_period: int = -1,
    window: tuple[int, int] | None = None,
    estimator: EventStudyEstimator = "twfe",
    covariates: Sequence[str] | None = None,
    weights: str | None = None,
    cluster: str | None = None,
    conf_level: float = 0.95,
) -> EstimateResult:
    """Event study: the effect of a policy by periods since adoption (dynamic DiD).

    Event time is ``time - cohort``: 0 is the first treated period, -1 the period before.
    One coefficient is estimated per event time, relative to ``ref_period``, with unit and
    period fixed effects, by pyfixest.

    Parameters
    ----------
    data : pandas.DataFrame
        A panel, one row per unit and period. Not modified.
    outcome : str
        Column with the outcome.
    unit : str
        Column identifying units.
    time : str
        Column with the period: a whole number (year, quarter number ...), or dates
        (datetimes or pandas Periods). With dates, the periods are the distinct dates of the
        panel in order, so event time counts observed periods (keep the dates regularly spaced:
        monthly, quarterly, yearly).
    cohort : str
        Column with the unit's first treated period, in the units of ``time``; 0, missing
        or inf means never treated (in the panel). Must be constant within a unit. With dates
        in ``time``, give dates here too (missing = never treated): a unit's cohort is the first
        period on or after its date.
    ref_period : int, default -1
        Event time whose coefficient is normalised to zero (the comparison period); negative.
    window : (int, int), optional
        ``(lo, hi)``, lo < 0 <= hi: event times before ``lo`` are **binned** into ``lo`` and
        those after ``hi`` into ``hi`` (the endpoint coefficients then average the distant
        periods; no observation is dropped). Without a window every event time gets its own
        coefficient.
    estimator : {"twfe", "sun_abraham"}, default "twfe"
        ``"twfe"``: ``outcome ~ i(event_time, ref=ref_period) | unit + time`` with never-treated
        units' event time set to the reference. ``"sun_abraham"``: the interaction-weighted
        estimator of Sun & Abraham (2021): one coefficient per cohort and event time, then
        averaged over cohorts with weights equal to each cohort's share of the observations at
        that event time (the weights of pyfixest's ``compute_period_weights``). Its comparison
        group is the
        never-treated units, or, when there are none, the last-treated cohort (periods from its
        adoption on are dropped). A cohort never observed at ``ref_period`` is dropped with an
        ``EbpmWarning``.
    covariates : sequence of str, optional
        Time-varying controls added linearly to the regression (as in fixest's
        ``y ~ sunab(...) + x | unit + time``); one absorbed by the fixed effects is dropped
        with a ``CollinearityWarning``.
    weights : str, optional
        Column of observation (analytic) weights for the regression, as fixest's ``weights``.
        Sun & Abraham's cohort shares stay counts of observations.
    cluster : str, optional
        Column to cluster standard errors by (CRV1); defaults to ``unit``.
    conf_level : float, default 0.95
        Confidence level of the intervals (t with clusters - 1 degrees of freedom).

    Returns
    -------
    EstimateResult
        ``tidy()`` has one row per event time, term ``"t-3"``, ``"t+0"`` ..., with an extra
        integer column ``event_time`` (nullable: empty on the ``post_avg`` row); the reference
        period is **omitted** from the table (the figure draws it at 0). The headline term
        ``"post_avg"`` is the equally weighted average of the event-time coefficients with
        event time >= 0, its standard error from their covariance. ``diagnostics``:

        - ``pretrend``: joint Wald test that every pre-period coefficient is zero, from the
          clustered covariance: ``statistic`` (F = chi2 / df), ``df``, ``df_denom`` (clusters
          - 1), ``p_value`` (F), ``chi2``, ``p_value_chi2``, ``terms``; and its power
          (Roth 2022): ``power_slope_50`` and ``power_slope_80``, the slopes (outcome units per
          period) of a linear pre-trend ``slope * (t - ref_period)`` that this F test detects
          half the time and 80% of the time (NaN with no pre-period), ``power_test`` ``"wald"``
          (see :func:`ebpm.trust.power.slope_for_power`);
        - ``ref_period``, ``window`` (``[lo, hi]`` or None), ``estimator``;
        - ``n_cohorts`` (treated cohorts used) and ``cohort_sizes`` (units per cohort, never
          treated as ``"never"``);
        - ``vcov``: covariance of the event-time coefficients, a DataFrame indexed by term;
        - ``weights`` and ``cohort_effects`` (sun_abraham only, else None): the cohort weight
          of each event time, and the cohort-by-event-time coefficients with their SEs.

    Raises
    ------
    ColumnNotFoundError
        A column named in a role is missing (the message suggests a close match).
    InvalidOptionError
        ``estimator`` unknown, ``window`` malformed, ``ref_period`` not negative, outside the
        window, or not an event time in the data (the message lists those available).
    NonNumericError
        ``outcome``, ``time``, ``cohort``, a covariate or ``weights`` is not numeric (dates
        in ``time`` are accepted, with dates in ``cohort``).
    MissingValueError
        The cluster, unit or time column has missing values.
    DuplicateRowsError
        Two rows share a unit and period.
    NoTreatedUnitsError
        No unit has a cohort (nobody is ever treated).
    NoPrePeriodError
        A cohort starts before the first period of the panel.
    DataError
        A cohort lies after the last period, varies within a unit, or every unit is treated at
        the same time with no never-treated units (no comparison); ``time`` holds dates but
        ``cohort`` does not; ``weights`` are negative or all zero.
    EstimationError
        An event-time coefficient is collinear with the fixed effects (with no never-treated
        units, bin the endpoints with ``window``).

    Warns
    -----
    FewClustersWarning
        Fewer than 30 clusters.
    MissingValueWarning
        Rows with a missing or infinite outcome were dropped (named in the warning).
    EbpmWarning
        ``"sun_abraham"``: a cohort is never observed at ``ref_period`` and is left out.

    Notes
    -----
    Identification rests on parallel trends (absent the policy, every cohort's outcome would
    have moved like the comparison units') and on no anticipation (no effect before adoption).
    The pre-period coefficients and their joint test are a check of both, with limited power
    (Roth 2022). With staggered adoption and effects that vary across cohorts, TWFE event-time
    coefficients mix effects of other periods and cohorts (Sun & Abraham 2021); the
    ``"sun_abraham"`` estimator is robust to that. With never-treated controls, a balanced
    panel and ``ref_period=-1`` its event-time effects equal Callaway & Sant'Anna's dynamic
    aggregation with a universal base period and never-treated comparisons.

    References
    ----------
    Sun, L. and Abraham, S. (2021). Estimating dynamic treatment effects in event studies with
    heterogeneous treatment effects. *Journal of Econometrics* 225(2), 175-199.
    Callaway, B. and Sant'Anna, P. H. C. (2021). Difference-in-differences with multiple time
    periods. *Journal of Econometrics* 225(2), 200-230.
    Roth, J. (2022). Pretest with caution: event-study estimates after testing for parallel
    trends. *AER: Insights* 4(3), 305-322.
    """
    data = require_frame(data, func="event_study")
    estimator, ref_period, win = _validate(
        estimator, conf_level=conf_level, ref_period=ref_period, window=window
    )
    cluster = cluster or unit
    covariates = list(covariates or [])
    roles = {
        "outcome": outcome,
        "unit": unit,
        "time": time,
        "cohort": cohort,
        "cluster": cluster,
        "covariates": covariates,
        "weights": weights,
    }
    frame, g, cohorts, work, available = _inputs(data, roles, win=win, ref_period=ref_period)
    spec = _cells(
        work,
        cohorts,
        never=bool(g.isna().any()),
        estimator=estimator,
        ref_period=ref_period,
        available=available,
        window=window,
    )
    beta, vcov, n_obs = _regress(spec, unit=unit, time=time, covariates=covariates)
    rmat, weights_table, cohort_effects = _aggregate(spec, beta, vcov, estimator=estimator)
    est = rmat @ beta
    cov = rmat @ vcov @ rmat.T
    terms = [event_time_label(k) for k in spec.event_times]
    n_clusters = int(spec.work["cl"].nunique())
    dof = n_clusters - 1
    table = _table(spec, est, cov, win=win, dof=dof, conf_level=conf_level)
    if n_clusters < FEW_CLUSTERS:
        warnings.warn(
            f"only {n_clusters} clusters of {cluster!r}: cluster-robust (CRV1) tests over-reject "
            f"with fewer than {FEW_CLUSTERS} clusters; read the intervals and the pre-trend test "
            "with care",
            FewClustersWarning,
            stacklevel=2,
        )
    cohort_sizes, n_never = _cohort_sizes(frame, g, unit=unit)
    pre = [i for i, k in enumerate(spec.event_times) if k < 0]
    pretrend = _wald(est, cov, pre, dof, terms)
    pretrend.update(_power(cov, spec.event_times, pre, ref_period=ref_period, dof=dof))
    log.debug("event_study %s: %d event times, pretrend %s", estimator, len(terms), pretrend)
    return EstimateResult(
        method="event_study",
        title=_TITLES[estimator],
        estimand="dynamic ATT by event time (headline: average over event times >= 0)",
        table=table,
        headline=HEADLINE,
        n_obs=n_obs,
        inference=f"cluster-robust (CRV1) by {cluster}, {n_clusters} clusters, t({dof})",
        translations={
            "ja": {
                "estimand": "イベント時点別の動学的ATT（主な推定値：イベント時点0以降の平均）",
                "inference": f"{cluster} 単位のクラスター頑健標準誤差（CRV1）、クラスター数 "
                f"{n_clusters}、t({dof})",
                "assumption": "平行トレンドと予期なし：政策がなければ、各導入時期の群の結果変数は"
                "比較群と平行に推移し、導入前には何も変化しなかった。",
            }
        },
        conf_level=float(conf_level),
        design={
            **roles,
            "estimator": estimator,
            **_counts(spec, n_clusters=n_clusters, n_never=n_never),
        },
        diagnostics={
            "pretrend": pretrend,
            "ref_period": ref_period,
            "window": list(win) if win is not None else None,
            "estimator": estimator,
            "n_cohorts": len(spec.cohorts),
            "cohort_sizes": cohort_sizes,
            "dropped_cohorts": spec.dropped,
            "vcov": pd.DataFrame(cov, index=terms, columns=terms),
            "weights": weights_table,
            "cohort_effects": cohort_effects,
            "formula": _formula(
                estimator,
                outcome,
                unit=unit,
                time=time,
                ref_period=ref_period,
                covariates=covariates,
            ),
        },
        provenance=dict(data.attrs.get("ebpm", {})),
        assumption=(
            "Parallel trends and no anticipation: without the policy every cohort's outcome "
            "would have moved in parallel with the comparison units', and nothing changed "
            "before adoption."
        ),
        plotter=_plot_event_study,
    )


# --- steps: validate, prepare, fit, result ---------------------------------------------------
_TITLES = {
    "twfe": "Event study (two-way fixed effects)",
    "sun_abraham": "Event study (Sun & Abraham interaction-weighted)",
}


@dataclass(frozen=True)
class _Cells:
    """The regression: its frame with a 0/1 column per cell, and what the cells are."""

    work: pd.DataFrame
    cells: list[tuple[Any, int]]  # (cohort, event time); cohort None: pooled over cohorts
    names: list[str]  # the cells' columns in ``work``: d0, d1 ...
    event_times: list[int]
    cohorts: list[float]  # the treated cohorts used
    dropped: list[float]  # cohorts left out for want of the reference period (Sun & Abraham)
    comparison: str


def _validate(
    estimator: Any, *, conf_level: Any, ref_period: Any, window: Any
) -> tuple[EventStudyEstimator, int, tuple[int, int] | None]:
    """The checked estimator, reference period and window."""
    checked = check_option("estimator", estimator, ESTIMATORS)
    if not isinstance(conf_level, float | int) or not 0 < conf_level < 1:
        raise DataError(f"conf_level={conf_level!r} must be between 0 and 1, e.g. 0.95")
    if not isinstance(ref_period, int | np.integer) or isinstance(ref_period, bool):
        raise InvalidOptionError(
            f"ref_period={ref_period!r} must be a whole number of periods, e.g. -1"
        )
    ref_period = int(ref_period)
    if ref_period >= 0:
        raise InvalidOptionError(
            f"ref_period={ref_period} is a treated event time; the reference must come before "
            "adoption (a negative event time, usually -1)"
        )
    win = check_window(window)
    if win is not None and not win[0] <= ref_period <= win[1]:
        raise InvalidOptionError(
            f"ref_period={ref_period} lies outside window={window!r}; widen the window or "
            "choose a reference period inside it"
        )
    return checked, ref_period, win


def _inputs(
    data: pd.DataFrame, roles: dict[str, Any], *, win: tuple[int, int] | None, ref_period: int
) -> tuple[pd.DataFrame, pd.Series, list[float], pd.DataFrame, list[int]]:
    """Check the columns and build the regression frame: the rows used, each row's cohort, the
    treated cohorts, the frame and the event times present."""
    outcome, unit, time, cohort = roles["outcome"], roles["unit"], roles["time"], roles["cohort"]
    cluster, covariates, weights = roles["cluster"], roles["covariates"], roles["weights"]
    check_columns(data, roles)
    check_complete(data, unit, role="unit")
    check_complete(data, time, role="time")
    check_complete(data, cluster, role="cluster")
    check_unique_panel(data, unit=unit, time=time)
    extra = [*covariates, *([weights] if weights else [])]
    frame = drop_missing(data, [outcome, *extra], func="event_study", label=[unit, time])
    y, t, g = _prepare(frame, outcome=outcome, unit=unit, time=time, cohort=cohort)
    cohorts = _check_cohorts(g, t, time=time, cohort=cohort)
    work, available = _work_frame(frame, y, t, g, unit=unit, cluster=cluster, win=win)
    add_controls(work, frame, covariates=covariates, weights=weights)
    if ref_period not in available:
        raise InvalidOptionError(
            f"ref_period={ref_period} is not an event time in the data; available event times "
            f"are {available}. Choose one of them (usually -1, the period before adoption)"
        )
    return frame, g, cohorts, work, available


def _prepare(
    frame: pd.DataFrame, *, outcome: str, unit: str, time: str, cohort: str
) -> tuple[pd.Series, pd.Series, pd.Series]:
    """Outcome, period and cohort as numbers (cohort NaN: never treated), checked whole."""
    y = check_numeric(frame, outcome, role="outcome")
    if is_dates(frame[time]):
        t, g = periods_from_dates(frame, time=time, cohort=cohort)
    else:
        t = integer_valued(check_numeric(frame, time, role="time"), role="time", column=time)
        g = check_numeric(frame, cohort, role="cohort")
        g = integer_valued(g, role="cohort", column=cohort)
    g = g.where((g != 0) & np.isfinite(g))  # 0, missing or inf = never treated
    varying = g.fillna(-np.inf).groupby(frame[unit], sort=False).nunique()
    if (varying > 1).any():
        bad = varying.index[varying > 1][0]
        bad = bad.item() if isinstance(bad, np.generic) else bad
        raise DataError(
            f"cohort={cohort!r} varies within unit {bad!r}; it must be the unit's first treated "
            "period, the same in every row of the unit (0 or missing if never treated)"
        )
    return y, t, g


def _check_cohorts(g: pd.Series, t: pd.Series, *, time: str, cohort: str) -> list[float]:
    """The treated cohorts, sorted, once each lies in the panel and a comparison exists."""
    t_min, t_max = t.min(), t.max()
    cohorts = sorted(pd.unique(g.dropna()).tolist())
    if not cohorts:
        raise NoTreatedUnitsError(
            f"cohort={cohort!r} is 0 or missing for every unit, so nobody is treated; it must hold "
            "each treated unit's first treated period"
        )
    early = [c for c in cohorts if c < t_min]
    if early:
        raise NoPrePeriodError(
            f"cohort {early[0]:g} in cohort={cohort!r} lies before the first period {t_min:g} of "
            f"{time!r}: those units were treated before the panel starts and have no pre-period. "
            "Drop them, or extend the panel back"
        )
    late = [c for c in cohorts if c > t_max]
    if late:
        raise DataError(
            f"cohort {late[0]:g} in cohort={cohort!r} lies after the last period {t_max:g} of "
            f"{time!r} (the time range is {t_min:g} to {t_max:g}); code units first treated "
            "after the panel ends as never treated (cohort 0)"
        )
    if not g.isna().any() and len(cohorts) == 1:
        raise DataError(
            f"every unit is treated at the same period ({cohorts[0]:g}) and none is never "
            "treated: with no never-treated and no not-yet-treated comparison, period effects "
            "and the policy cannot be told apart. Add never-treated units"
        )
    return cohorts


def _work_frame(
    frame: pd.DataFrame,
    y: pd.Series,
    t: pd.Series,
    g: pd.Series,
    *,
    unit: str,
    cluster: str,
    win: tuple[int, int] | None,
) -> tuple[pd.DataFrame, list[int]]:
    """The regression frame on safe names, with event time ``rel`` (binned into the window;
    NaN for never-treated units), and the event times present."""
    work = pd.DataFrame(
        {
            "y": y.to_numpy(),
            "fe_unit": pd.factorize(frame[unit])[0],
            "fe_time": pd.factorize(t)[0],
            "cl": pd.factorize(frame[cluster])[0],
            "g": g.to_numpy(),
            "t": t.to_numpy(),
        }
    )
    rel = (work["t"] - work["g"]).round()
    if win is not None:
        rel = rel.clip(lower=win[0], upper=win[1])
    work["rel"] = rel  # NaN for never-treated units
    return work, sorted(int(k) for k in pd.unique(rel.dropna()))


def _cells(
    work: pd.DataFrame,
    cohorts: list[float],
    *,
    never: bool,
    estimator: EventStudyEstimator,
    ref_period: int,
    available: list[int],
    window: Any,
) -> _Cells:
    """The cells to estimate, one 0/1 column each: an event time pooled over cohorts (TWFE),
    or a cohort at an event time (Sun & Abraham)."""
    dropped: list[float] = []
    cells: list[tuple[Any, int]]
    if estimator == "twfe":
        comparison = "never-treated and not-yet-treated units" if never else "not-yet-treated units"
        cells = [(None, k) for k in available if k != ref_period]
    else:
        work, cohorts, comparison, dropped = _sun_abraham_sample(
            work, cohorts, never=never, ref_period=ref_period, available=available
        )
        present = work.dropna(subset=["g"]).groupby(["g", "rel"]).size()
        cells = [(gg, int(k)) for gg, k in present.index if int(k) != ref_period]
    # dummies, one per (cohort, event time) cell (cohort None: pooled over cohorts for TWFE)
    names = []
    for i, (gg, k) in enumerate(cells):
        name = f"d{i}"
        hit = work["rel"] == k
        if gg is not None:
            hit &= work["g"] == gg
        work[name] = hit.astype("float64")
        names.append(name)
    event_times = sorted({k for _, k in cells})
    if not event_times:
        raise DataError(
            f"only the reference period {ref_period} is left after window={window!r}; widen it"
        )
    return _Cells(work, cells, names, event_times, cohorts, dropped, comparison)


def _sun_abraham_sample(
    work: pd.DataFrame,
    cohorts: list[float],
    *,
    never: bool,
    ref_period: int,
    available: list[int],
) -> tuple[pd.DataFrame, list[float], str, list[float]]:
    """Sun & Abraham's sample: the rows, the cohorts, the comparison and the cohorts dropped.

    Without never-treated units the last-treated cohort is the comparison (its treated periods
    go); a cohort never observed at the reference period is dropped, with a warning.
    """
    if not never:
        last = cohorts[-1]
        work = work.loc[work["t"] < last].copy()
        work.loc[work["g"] == last, ["g", "rel"]] = np.nan
        cohorts = cohorts[:-1]
        comparison = f"the last-treated cohort ({last:g}), before its adoption"
    else:
        comparison = "never-treated units"
    has_ref = work.loc[work["rel"] == ref_period, "g"].unique()
    dropped = [c for c in cohorts if c not in set(has_ref)]
    if dropped:
        warnings.warn(
            f"cohort(s) {[f'{c:g}' for c in dropped]} are never observed at "
            f"ref_period={ref_period}, so their effects cannot be normalised; dropped from "
            "the Sun-Abraham estimate. Choose a reference period every cohort has",
            EbpmWarning,
            stacklevel=4,  # event_study() -> _cells() -> here: point at the caller
        )
        work = work.loc[~work["g"].isin(dropped)].copy()
        cohorts = [c for c in cohorts if c not in dropped]
    if not cohorts:
        raise DataError(
            f"no treated cohort is observed at ref_period={ref_period}; available event "
            f"times are {available}"
        )
    return work, cohorts, comparison, dropped


def _regress(
    spec: _Cells, *, unit: str, time: str, covariates: list[str]
) -> tuple[np.ndarray, np.ndarray, int]:
    """``y ~ cells + covariates | unit + time`` by pyfixest (weighted by ``w`` when the
    frame has it), CRV1 by cluster: the cells' coefficients in the order of ``spec.names``,
    their covariance and the observations used."""
    controls = [f"x{i}" for i in range(len(covariates))]
    fml = f"y ~ {' + '.join([*spec.names, *controls])} | fe_unit + fe_time"
    weighted = "w" in spec.work.columns
    try:
        fit = _pyfixest.feols(
            fml, spec.work, vcov={"CRV1": "cl"}, weights="w" if weighted else None
        )
    except Exception as err:  # pyfixest raises plain errors for degenerate designs
        raise EstimationError(
            f"the event-study regression failed ({err}); with no never-treated units, bin the "
            "endpoints with window=(lo, hi)"
        ) from err
    coefnames = _pyfixest.coef_names(fit)
    lost = [n for n in spec.names if n not in coefnames]
    if lost:
        which = sorted({spec.cells[spec.names.index(n)][1] for n in lost})
        raise EstimationError(
            f"event-time coefficient(s) {[event_time_label(k) for k in which]} are collinear with "
            f"the {unit}/{time} fixed effects (with no never-treated units event time is a linear "
            "function of unit and period); bin the endpoints with window=(lo, hi) or add "
            "never-treated units"
        )
    for name, col in zip(controls, covariates, strict=True):
        if name not in coefnames:
            warnings.warn(
                f"covariate {col!r} was dropped: it is collinear with the {unit}/{time} fixed "
                "effects and the event-time indicators (time-invariant, say); remove it",
                CollinearityWarning,
                stacklevel=3,  # event_study() -> here: point at the caller
            )
    order = [coefnames.index(n) for n in spec.names]
    beta = _pyfixest.coefficients(fit)[order]
    vcov = _pyfixest.vcov(fit)[np.ix_(order, order)]
    return beta, vcov, _pyfixest.n_obs(fit)


def _aggregate(
    spec: _Cells, beta: np.ndarray, vcov: np.ndarray, *, estimator: EventStudyEstimator
) -> tuple[np.ndarray, pd.DataFrame | None, pd.DataFrame | None]:
    """R, mapping the cell coefficients to event-time ones (identity for TWFE; cohort-share
    weights for Sun & Abraham), the weights as a table and the cohort effects (both None for
    TWFE)."""
    cells, event_times = spec.cells, spec.event_times
    if estimator == "twfe":
        return np.eye(len(cells)), None, None
    counts = spec.work.dropna(subset=["g"]).groupby(["g", "rel"]).size()
    rmat = np.zeros((len(event_times), len(cells)))
    rows = []
    for j, k in enumerate(event_times):
        idx = [i for i, (_, kk) in enumerate(cells) if kk == k]
        n = np.array([counts[(cells[i][0], k)] for i in idx], dtype=float)
        rmat[j, idx] = n / n.sum()
        rows += [
            {"event_time": k, "cohort": cells[i][0], "weight": float(w)}
            for i, w in zip(idx, n / n.sum(), strict=True)
        ]
    cohort_effects = pd.DataFrame(
        {
            "cohort": [c for c, _ in cells],
            "event_time": [k for _, k in cells],
            "estimate": beta,
            "std_error": np.sqrt(np.diag(vcov)),
        }
    )
    return rmat, pd.DataFrame(rows), cohort_effects


def _table(
    spec: _Cells,
    est: np.ndarray,
    cov: np.ndarray,
    *,
    win: tuple[int, int] | None,
    dof: int,
    conf_level: float,
) -> pd.DataFrame:
    """One row per event time, then the post-period average; ``binned`` marks the window's
    endpoints where they pool more distant event times."""
    event_times = spec.event_times
    terms = [event_time_label(k) for k in event_times]
    post = [i for i, k in enumerate(event_times) if k >= 0]
    avg = np.zeros(len(event_times))
    avg[post] = 1 / len(post)
    all_est = np.append(est, avg @ est)
    all_se = np.sqrt(np.append(np.diag(cov), avg @ cov @ avg))
    lo_edge, hi_edge = win if win is not None else (None, None)
    work = spec.work
    lo_bin = lo_edge is not None and (work["t"] - work["g"] < lo_edge).any()
    hi_bin = hi_edge is not None and (work["t"] - work["g"] > hi_edge).any()
    return tidy_table([*terms, HEADLINE], all_est, all_se, df=dof, conf_level=conf_level).assign(
        event_time=pd.array([*event_times, None], dtype="Int64"),
        binned=[
            *(
                (bool(lo_bin and k == lo_edge) or bool(hi_bin and k == hi_edge))
                for k in event_times
            ),
            False,
        ],
    )


def _formula(
    estimator: EventStudyEstimator,
    outcome: str,
    *,
    unit: str,
    time: str,
    ref_period: int,
    covariates: list[str],
) -> str:
    controls = "".join(f" + {c}" for c in covariates)
    if estimator == "twfe":
        return f"{outcome} ~ i(event_time, ref={ref_period}){controls} | {unit} + {time}"
    return (
        f"{outcome} ~ i(event_time, cohort, ref={ref_period}){controls} | {unit} + {time}, "
        "aggregated with cohort-share weights"
    )


def _counts(spec: _Cells, *, n_clusters: int, n_never: int) -> dict[str, Any]:
    """The design's comparison and counts of units, periods and clusters."""
    work = spec.work
    return {
        "comparison": spec.comparison,
        "n_units": len(set(work["fe_unit"])),
        "n_periods": int(work["fe_time"].nunique()),
        "n_clusters": n_clusters,
        "n_treated_units": int(work.dropna(subset=["g"])["fe_unit"].nunique()),
        "n_never_treated_units": n_never,
        "event_times": spec.event_times,
    }


def _cohort_sizes(frame: pd.DataFrame, g: pd.Series, *, unit: str) -> tuple[dict[Any, int], int]:
    """Units per cohort (``"never"`` for the never treated), and the never-treated count."""
    unit_cohort = pd.Series(g.to_numpy(), index=frame.index).groupby(frame[unit].to_numpy()).first()
    sizes = unit_cohort.value_counts(dropna=False).sort_index()
    cohort_sizes = {
        ("never" if pd.isna(c) else (int(c) if float(c).is_integer() else float(c))): int(n)
        for c, n in sizes.items()
    }
    return cohort_sizes, int(unit_cohort.isna().sum())
