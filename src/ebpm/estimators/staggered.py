"""Staggered difference-in-differences (Callaway & Sant'Anna 2021), through moderndid."""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any, Literal, get_args

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from ebpm._lang import FIGURES, words
from ebpm.errors import (
    BalancedPanelWarning,
    DataError,
    EstimationError,
    NoPrePeriodError,
    NoTreatedUnitsError,
    UnitNotFoundError,
)
from ebpm.estimators._common import (
    check_columns,
    check_complete,
    check_numeric,
    check_option,
    check_unique_panel,
    drop_missing,
    require_frame,
)
from ebpm.results import EstimateResult

__all__ = ["BalancedPanelWarning", "ControlGroup", "StaggeredAggregate", "staggered_did"]


ControlGroup = Literal["never_treated", "not_yet_treated"]
StaggeredAggregate = Literal["simple", "event", "group", "calendar"]
CONTROL_GROUPS: tuple[ControlGroup, ...] = get_args(ControlGroup)
AGGREGATES: tuple[StaggeredAggregate, ...] = get_args(StaggeredAggregate)
_MD_CONTROL = {"never_treated": "nevertreated", "not_yet_treated": "notyettreated"}
_MD_AGGREGATE = {"simple": "simple", "event": "dynamic", "group": "group", "calendar": "calendar"}
_ASSUMPTION = (
    "Parallel trends conditional on cohort and no anticipation: without the policy, each "
    "cohort's average outcome would have moved in parallel with the comparison units' "
    "(never-treated or not-yet-treated), and no unit reacted before its first treated period."
)

_ASSUMPTION_JA = (
    "導入時期を条件とする平行トレンドと予期なし：政策がなければ、各導入時期の群の平均的な結果変数は"
    "比較群（一度も処置されない単位、またはまだ処置されていない単位）と平行に推移し、どの単位も"
    "最初の処置期間より前には反応しなかった。"
)


def _cohort_codes(
    frame: pd.DataFrame, unit: str, time: str, cohort: str, periods: np.ndarray
) -> pd.Series:
    """Cohort per row as a float (0 = never treated), after the cohort checks."""
    g = check_numeric(frame, cohort, role="cohort")
    g = g.where(np.isfinite(g), 0.0)  # 0, missing or inf = never treated
    varying = g.groupby(frame[unit].to_numpy()).nunique()
    varying = varying[varying > 1]
    if len(varying):
        bad = varying.index[0]
        values = sorted(g[(frame[unit] == bad).to_numpy()].unique().tolist())
        values = [int(v) if float(v).is_integer() else v for v in values]
        bad = bad.item() if isinstance(bad, np.generic) else bad
        raise DataError(
            f"cohort={cohort!r} varies within unit {bad!r} ({values}); the cohort is the unit's "
            f"first treated period and must be the same in every row of the unit "
            f"({len(varying)} unit(s) affected). Set it per unit, e.g. "
            f"df[{cohort!r}] = df.groupby({unit!r})[{cohort!r}].transform('min')"
        )
    treated = sorted(set(g[g != 0].unique().tolist()))
    outside = [c for c in treated if c not in set(periods.tolist())]
    if outside:
        shown = [int(c) if float(c).is_integer() else c for c in outside]
        raise UnitNotFoundError(
            f"cohort={cohort!r} holds first-treated periods {shown} that are not periods of "
            f"time={time!r} (which runs {periods.min():g} to {periods.max():g}); a cohort must be "
            "an observed period, or 0/NaN for never treated. Recode units treated after the "
            "panel ends as 0"
        )
    first = periods.min()
    if first in treated:
        n = int(frame.loc[(g == first).to_numpy(), unit].nunique())
        raise NoPrePeriodError(
            f"{n} unit(s) have cohort {first:g}, the first period of the panel, so they have no "
            "untreated period to compare with; drop them first, e.g. "
            f"df[df[{cohort!r}] != {first:g}]"
        )
    return g


def _pretrend(
    att: np.ndarray,
    influence: np.ndarray,
    pre: np.ndarray,
    cluster_codes: np.ndarray | None,
) -> dict[str, Any]:
    """Wald test that every pre-treatment ATT(g,t) is zero, from the influence functions."""
    from scipy import stats

    keep = pre & np.isfinite(att)
    k = int(keep.sum())
    if k == 0:
        return {"statistic": float("nan"), "df": 0, "p_value": float("nan")}
    n = influence.shape[0]
    psi = influence[:, keep]
    if cluster_codes is not None:
        psi = np.vstack([np.bincount(cluster_codes, weights=psi[:, j]) for j in range(k)]).T
    vcov = psi.T @ psi / n**2
    a = att[keep]
    try:
        statistic = float(a @ np.linalg.solve(vcov, a))
    except np.linalg.LinAlgError:
        return {"statistic": float("nan"), "df": k, "p_value": float("nan")}
    return {"statistic": statistic, "df": k, "p_value": float(stats.chi2.sf(statistic, k))}


def _rows(
    terms: list[str],
    est: ArrayLike,
    se: ArrayLike,
    crit: np.ndarray | float,
    z: float,
    uniform: bool,
) -> pd.DataFrame:
    from scipy import stats

    estimate = np.asarray(est, float)
    std_error = np.asarray(se, float)
    half = (np.asarray(crit, float) if uniform else z) * std_error
    stat = np.divide(estimate, std_error, out=np.full_like(estimate, np.nan), where=std_error > 0)
    return pd.DataFrame(
        {
            "term": terms,
            "estimate": estimate,
            "std_error": std_error,
            "statistic": stat,
            "p_value": 2 * stats.norm.sf(np.abs(stat)),
            "conf_low": estimate - half,
            "conf_high": estimate + half,
        }
    )


def _plot(result: EstimateResult, ax: Any, lang: str = "en") -> Any:
    from ebpm.plotting import OKABE_ITO

    w = words(FIGURES, lang)
    if result.diagnostics["aggregate"] == "event":
        t = result.table.dropna(subset=["event_time"])
        e = t["event_time"].to_numpy(float)
        for mask, colour, label in (
            (e < 0, OKABE_ITO[1], w["cs_pre"]),
            (e >= 0, OKABE_ITO[0], w["cs_post"]),
        ):
            s = t[mask]
            ax.errorbar(
                s["event_time"],
                s["estimate"],
                yerr=[s["estimate"] - s["conf_low"], s["conf_high"] - s["estimate"]],
                fmt="o",
                color=colour,
                ecolor=colour,
                capsize=3,
                label=label,
            )
        ax.axhline(0, color="0.3", lw=0.8)
        ax.axvline(-0.5, color="0.5", lw=0.8, ls="--")
        ax.set_xlabel(w["cs_x"])
        ax.set_xticks(e.astype(int))
        ax.set_title(w["cs_title"])
    else:
        gt = result.diagnostics["att_gt"]
        groups = sorted(gt["group"].unique())
        width = 0.6 / max(len(groups), 1)
        for i, g in enumerate(groups):
            s = gt[gt["group"] == g]
            x = s["time"].to_numpy(float) + (i - (len(groups) - 1) / 2) * width
            colour = OKABE_ITO[i % len(OKABE_ITO)]
            pre = (s["time"] < g).to_numpy()
            err = [s["att"] - s["conf_low"], s["conf_high"] - s["att"]]
            ax.errorbar(x, s["att"], yerr=err, fmt="none", ecolor=colour, capsize=2)
            ax.plot(
                x[~pre],
                s["att"][~pre],
                "o",
                color=colour,
                label=w["cs_cohort"].format(cohort=f"{g:g}"),
            )
            ax.plot(x[pre], s["att"][pre], "o", mfc="white", color=colour)
        ax.axhline(0, color="0.3", lw=0.8)
        ax.set_xlabel(w["cs_time"].format(time=result.design["time"]))
        ax.set_title(w["cs_by_cohort"])
    level = f"{result.conf_level:.0%}"
    ax.set_ylabel(w["effect_band"].format(outcome=result.design["outcome"], level=level))
    ax.legend(frameon=False, fontsize="small")
    return ax


def staggered_did(
    data: pd.DataFrame,
    *,
    outcome: str,
    unit: str,
    time: str,
    cohort: str,
    control_group: ControlGroup = "never_treated",
    aggregate: StaggeredAggregate = "simple",
    covariates: Sequence[str] | None = None,
    cluster: str | None = None,
    seed: int | None = None,
    conf_level: float = 0.95,
    n_boot: int = 1000,
) -> EstimateResult:
    """Difference-in-differences with staggered adoption (Callaway & Sant'Anna 2021).

    Estimates every group-time average treatment effect ATT(g,t) (cohort ``g`` = units first
    treated in period ``g``, at period ``t``) by a doubly-robust 2x2 comparison with the
    never-treated or not-yet-treated units, then aggregates them. The engine is ``moderndid``,
    a port of the R ``did`` package; on ``mpdta`` it reproduces the R vignette to 4 decimals.

    Parameters
    ----------
    data : pandas.DataFrame
        A panel, one row per unit and period. Not modified.
    outcome : str
        Column with the (numeric) outcome.
    unit : str
        Column identifying units.
    time : str
        Numeric column of periods (years, quarters as integers ...).
    cohort : str
        Column with the unit's first treated period (a value of ``time``); 0, NaN or inf marks
        units never treated within the panel. Must be constant within a unit.
    control_group : {"never_treated", "not_yet_treated"}, default "never_treated"
        Comparison units: never treated only, or also units not yet treated by period ``t``.
    aggregate : {"simple", "event", "group", "calendar"}, default "simple"
        How ATT(g,t) are summarised in the table: one overall ATT; by event time ``t - g``
        (counted in periods of the panel, as R ``did`` does: with unevenly spaced periods it is
        the number of observed periods since adoption, not calendar distance); by cohort; or
        by calendar period. The headline term ``"ATT"`` is always the overall
        summary of that aggregation (for ``"event"``, the average over event times >= 0).
    covariates : sequence of str, optional
        Pre-treatment covariates for conditional parallel trends (doubly-robust adjustment,
        values taken from each unit's base period).
    cluster : str, optional
        A unit-invariant column to cluster the bootstrap by; defaults to ``unit``.
    seed : int, optional
        Seed of the multiplier bootstrap, for reproducible standard errors.
    conf_level : float, default 0.95
        Confidence level of the intervals and bands.
    n_boot : int, default 1000
        Bootstrap draws.

    Returns
    -------
    EstimateResult
        Headline term ``"ATT"``. With ``aggregate="event"`` further rows ``"event_time=e"`` (extra
        column ``event_time``); with ``"group"`` rows ``"group=g"`` (column ``group``); with
        ``"calendar"`` rows ``"time=t"`` (column ``period``). ``diagnostics`` holds:

        - ``att_gt``: DataFrame of every ATT(g,t): group, time, att, std_error, conf_low,
          conf_high (simultaneous band), event_time;
        - ``pretrend``: Wald test that every pre-treatment ATT(g,t) is zero (``statistic``,
          ``df``, ``p_value``), from the influence functions (clustered when ``cluster`` is);
        - ``control_group``, ``aggregate``, ``n_cohorts``, ``cohort_sizes`` (units per cohort,
          ``"never_treated"`` for the rest), ``critical_value`` (of the ATT(g,t) band).

    Raises
    ------
    ColumnNotFoundError
        A column named in a role is missing (the message suggests a close match).
    NonNumericError
        ``outcome``, ``time`` or ``cohort`` is not numeric.
    MissingValueError
        ``unit``, ``time`` or ``cluster`` has missing values.
    DuplicateRowsError
        A unit has two rows in the same period.
    DataError
        The cohort varies within a unit, or ``cluster`` varies within a unit.
    UnitNotFoundError
        A cohort value is neither a period of ``time`` nor 0/NaN.
    NoPrePeriodError
        A cohort is treated in the first period (no untreated period to compare with).
    NoTreatedUnitsError
        No unit is ever treated, or ``control_group="never_treated"`` without never-treated units.
    InvalidOptionError
        ``control_group`` or ``aggregate`` is not one of the choices.

    Notes
    -----
    Identification rests on parallel trends conditional on cohort and on no anticipation: had
    they not been treated, units first treated in ``g`` would have followed the same average
    path as the comparison units. Each ATT(g,t) uses the varying base period of R ``did``
    (``g - 1`` for post-treatment cells, ``t - 1`` for pre-treatment cells), so pre-treatment
    estimates are placebo period-on-period changes. Standard errors come from the multiplier
    bootstrap of the influence functions, clustered by unit (or ``cluster``); rows other than the
    headline carry simultaneous (uniform) bands from the bootstrap sup-t critical value, the
    headline a pointwise normal interval, as in R ``did``. Unbalanced panels are balanced by
    dropping units with missing periods, as in R ``did``.

    References
    ----------
    Callaway, B. and Sant'Anna, P. H. C. (2021). Difference-in-differences with multiple time
    periods. *Journal of Econometrics* 225(2), 200-230.
    Sant'Anna, P. H. C. and Zhao, J. (2020). Doubly robust difference-in-differences estimators.
    *Journal of Econometrics* 219(1), 101-122.
    """
    data = require_frame(data, func="staggered_did")
    covariates = list(covariates or [])
    control_group = check_option("control_group", control_group, CONTROL_GROUPS)
    aggregate = check_option("aggregate", aggregate, AGGREGATES)
    _validate(
        data,
        {
            "outcome": outcome,
            "unit": unit,
            "time": time,
            "cohort": cohort,
            "covariates": covariates,
            "cluster": cluster,
        },
        conf_level=conf_level,
        n_boot=n_boot,
    )
    frame = drop_missing(data, [outcome, *covariates], func="staggered_did", label=[unit, time])
    y = check_numeric(frame, outcome, role="outcome")
    t = check_numeric(frame, time, role="time")
    check_unique_panel(frame, unit=unit, time=time)
    periods = np.sort(t.unique())
    frame, y, t = _balance(frame, y, t, unit=unit, time=time, periods=periods)
    g = _cohort_codes(frame, unit, time, cohort, periods)
    _check_comparison(g, cohort=cohort, control_group=control_group)
    key, work = _work_frame(frame, y, t, g, periods, unit=unit, covariates=covariates)
    cluster_codes = _cluster_codes(frame, work, unit=unit, cluster=cluster)
    mp, agg = _estimate(
        work,
        n_covariates=len(covariates),
        clustered=cluster_codes is not None,
        control_group=control_group,
        aggregate=aggregate,
        conf_level=conf_level,
        n_boot=n_boot,
        seed=seed,
    )
    as_int = all(float(p).is_integer() for p in periods)
    back = {i: (int(p) if as_int else p) for i, p in enumerate(periods.tolist(), start=1)}
    att_gt = _att_gt(mp, back)
    pretrend = _pretrend(
        np.asarray(mp.att_gt, float),
        np.asarray(mp.influence_func),
        mp.times < mp.groups,
        cluster_codes,
    )
    sizes = key.assign(g=np.where(np.isinf(key["g"]), np.nan, key["g"]))["g"]
    n_units = len(key)
    n_clusters = len(np.unique(cluster_codes)) if cluster_codes is not None else n_units
    cl_name = cluster if cluster is not None and cluster_codes is not None else unit
    return EstimateResult(
        method="staggered_did",
        title="Staggered difference-in-differences (Callaway & Sant'Anna)",
        estimand="ATT",
        table=_table(agg, aggregate=aggregate, back=back, conf_level=conf_level),
        headline="ATT",
        n_obs=len(work),
        inference=_inference(aggregate, n_boot=n_boot, cluster=cl_name, n_clusters=n_clusters),
        translations={
            "ja": {
                "estimand": "処置群の平均処置効果（ATT）",
                "inference": _inference_ja(
                    aggregate, n_boot=n_boot, cluster=cl_name, n_clusters=n_clusters
                ),
                "assumption": _ASSUMPTION_JA,
            }
        },
        conf_level=conf_level,
        design={
            "outcome": outcome,
            "unit": unit,
            "time": time,
            "cohort": cohort,
            "covariates": covariates,
            "cluster": cl_name,
            "control_group": control_group,
            "n_units": n_units,
            "n_periods": len(periods),
            "n_clusters": n_clusters,
            "n_treated_units": int(np.isfinite(key["g"]).sum()),
            "n_never_treated": int(np.isinf(key["g"]).sum()),
        },
        diagnostics={
            "aggregate": aggregate,
            "att_gt": att_gt,
            "pretrend": pretrend,
            "control_group": control_group,
            "n_cohorts": int(sizes.dropna().nunique()),
            "cohort_sizes": {
                (f"{v:g}" if np.isfinite(v) else "never_treated"): int(n)
                for v, n in sizes.value_counts(dropna=False).sort_index(na_position="last").items()
            },
            "critical_value": float(mp.critical_value),
            "seed": seed,
        },
        provenance=dict(data.attrs.get("ebpm", {})),
        assumption=_ASSUMPTION,
        plotter=_plot,
    )


# --- steps: validate, prepare, fit, result ---------------------------------------------------
def _validate(data: pd.DataFrame, roles: dict[str, Any], *, conf_level: float, n_boot: int) -> None:
    """Check the numeric options, the columns named in ``roles`` and the complete ones."""
    if not 0 < conf_level < 1:
        raise DataError(f"conf_level={conf_level!r} must be between 0 and 1, e.g. 0.95")
    if not isinstance(n_boot, int) or isinstance(n_boot, bool) or n_boot < 99:
        raise DataError(f"n_boot={n_boot!r} is too few bootstrap draws; use 999 or more")
    check_columns(data, roles)
    for role in ("unit", "time", "cluster"):
        if roles[role] is not None:
            check_complete(data, roles[role], role=role)


def _balance(
    frame: pd.DataFrame, y: pd.Series, t: pd.Series, *, unit: str, time: str, periods: np.ndarray
) -> tuple[pd.DataFrame, pd.Series, pd.Series]:
    """Balance the panel as R did does: units missing a period are dropped, with a warning."""
    counts = frame.groupby(unit, sort=False)[time].transform("size").to_numpy()
    if not (counts < len(periods)).any():
        return frame, y, t
    keep = counts == len(periods)
    n_drop = frame.loc[~keep, unit].nunique()
    warnings.warn(
        f"staggered_did(): dropped {n_drop} unit(s) not observed in all {len(periods)} "
        "periods, to balance the panel (as R did does)",
        BalancedPanelWarning,
        stacklevel=3,  # staggered_did() -> here: point at the caller
    )
    if not keep.any():
        raise DataError(f"no unit of {unit!r} is observed in every period of {time!r}")
    return frame.loc[keep], y[keep], t[keep]


def _check_comparison(g: pd.Series, *, cohort: str, control_group: ControlGroup) -> None:
    """Raise unless some unit is treated and the comparison group exists."""
    never = g == 0
    if not (~never).any():
        raise NoTreatedUnitsError(
            f"cohort={cohort!r} marks no unit as ever treated (every value is 0 or NaN); a "
            "staggered design needs units with a first treated period"
        )
    if control_group == "never_treated" and not never.any():
        raise NoTreatedUnitsError(
            f"cohort={cohort!r} has no never-treated units (0 or NaN), so "
            'control_group="never_treated" has no comparison group; use '
            'control_group="not_yet_treated"'
        )


def _work_frame(
    frame: pd.DataFrame,
    y: pd.Series,
    t: pd.Series,
    g: pd.Series,
    periods: np.ndarray,
    *,
    unit: str,
    covariates: list[str],
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The units' cohorts (``key``: never treated as inf, in code order) and moderndid's frame:
    integer unit ids, periods and cohorts as ranks 1..T (cohort 0: never), covariates x0 ..."""
    never = g == 0
    # Unit codes ordered by (cohort, never-treated last, unit), so moderndid's influence-function
    # rows line up with them whichever of these orders it sorts by.
    g_sort = np.where(never, np.inf, g)
    key = pd.DataFrame({"g": g_sort, "u": frame[unit].to_numpy()}).drop_duplicates("u")
    key = key.sort_values(["g", "u"], kind="mergesort", key=_sort_key)
    code_of = pd.Series(np.arange(len(key)), index=key["u"].to_numpy())
    ids = code_of.reindex(frame[unit].to_numpy()).to_numpy()
    rank = {p: i + 1 for i, p in enumerate(periods.tolist())}
    work = pd.DataFrame(
        {
            "y": y.to_numpy(),
            "id": ids.astype("int64"),
            "t": t.map(rank).to_numpy("int64"),
            "g": np.where(never, 0, g.map(lambda v: rank.get(v, 0))).astype("int64"),
        }
    )
    for i, col in enumerate(covariates):
        work[f"x{i}"] = check_numeric(frame, col, role="covariate").to_numpy()
    return key, work


def _cluster_codes(
    frame: pd.DataFrame, work: pd.DataFrame, *, unit: str, cluster: str | None
) -> np.ndarray | None:
    """Each unit's cluster code in unit-code order (None: clustered by unit); adds ``cl`` to
    ``work``. A cluster must hold whole units."""
    if cluster is None or cluster == unit:
        return None
    cl = frame[cluster].groupby(frame[unit].to_numpy()).nunique()
    if (cl > 1).any():
        bad = cl.index[cl > 1][0]
        bad = bad.item() if isinstance(bad, np.generic) else bad
        raise DataError(
            f"cluster={cluster!r} varies within unit {bad!r}; clusters must contain whole "
            "units (e.g. the state of a county)"
        )
    work["cl"] = pd.factorize(frame[cluster])[0]
    return work.drop_duplicates("id").set_index("id")["cl"].sort_index().to_numpy("int64")


def _estimate(
    work: pd.DataFrame,
    *,
    n_covariates: int,
    clustered: bool,
    control_group: ControlGroup,
    aggregate: StaggeredAggregate,
    conf_level: float,
    n_boot: int,
    seed: int | None,
) -> tuple[Any, Any]:
    """ATT(g,t) by moderndid (doubly robust, varying base period, multiplier bootstrap) and
    their aggregation."""
    import moderndid

    xnames = [f"x{i}" for i in range(n_covariates)]
    with warnings.catch_warnings():
        # moderndid's notes on how it computed bands and why it skips its own pre-test when
        # clustering are not the analyst's to act on (ebpm reports its own pre-test).
        warnings.simplefilter("ignore", UserWarning)
        try:
            mp = moderndid.att_gt(
                data=work,
                yname="y",
                tname="t",
                idname="id",
                gname="g",
                xformla=("~ " + " + ".join(xnames)) if xnames else None,
                alp=1 - conf_level,
                cband=True,
                boot=True,
                biters=int(n_boot),
                clustervars=["cl"] if clustered else None,
                est_method="dr",
                control_group=_MD_CONTROL[control_group],
                base_period="varying",
                random_state=seed,
            )
            agg = moderndid.aggte(mp, type=_MD_AGGREGATE[aggregate], random_state=seed, na_rm=True)
        except (ValueError, np.linalg.LinAlgError) as err:
            raise EstimationError(
                f"moderndid could not estimate the group-time effects: {err}"
            ) from err
    return mp, agg


def _att_gt(mp: Any, back: dict[int, Any]) -> pd.DataFrame:
    """Every ATT(g,t) with its simultaneous band, periods back in the panel's units."""
    groups = np.array([back[int(v)] for v in mp.groups])
    times = np.array([back[int(v)] for v in mp.times])
    att = np.asarray(mp.att_gt, float)
    se_gt = np.asarray(mp.se_gt, float)
    crit = float(mp.critical_value)
    return pd.DataFrame(
        {
            "group": groups,
            "time": times,
            "att": att,
            "std_error": se_gt,
            "conf_low": att - crit * se_gt,
            "conf_high": att + crit * se_gt,
            "event_time": np.asarray(mp.times) - np.asarray(mp.groups),
        }
    )


def _table(
    agg: Any, *, aggregate: StaggeredAggregate, back: dict[int, Any], conf_level: float
) -> pd.DataFrame:
    """The headline ATT (pointwise normal interval), then the aggregation's rows (uniform
    bands)."""
    from scipy import stats

    z = float(stats.norm.ppf(0.5 + conf_level / 2))
    table = _rows(["ATT"], [agg.overall_att], [agg.overall_se], z, z, uniform=False)
    if aggregate == "simple":
        return table
    labels = np.asarray(agg.event_times, float)
    if aggregate == "event":
        col, terms, values = "event_time", [f"event_time={int(e)}" for e in labels], labels
    elif aggregate == "group":
        values = np.array([back[int(v)] for v in labels])
        col, terms = "group", [f"group={v:g}" for v in values]
    else:
        values = np.array([back[int(v)] for v in labels])
        col, terms = "period", [f"time={v:g}" for v in values]
    crit_rows = agg.critical_values if agg.critical_values is not None else z
    detail = _rows(terms, agg.att_by_event, agg.se_by_event, crit_rows, z, uniform=True)
    detail[col] = values
    return pd.concat([table, detail], ignore_index=True)


def _inference(aggregate: StaggeredAggregate, *, n_boot: int, cluster: str, n_clusters: int) -> str:
    uniform = "simultaneous (uniform) bootstrap sup-t bands" if aggregate != "simple" else ""
    return (
        f"multiplier bootstrap ({int(n_boot)} draws) clustered by {cluster}, {n_clusters} "
        f"clusters; pointwise normal interval for ATT"
        + (f", {uniform} for the other rows" if uniform else "")
        + "; ATT(g,t) bands in diagnostics are simultaneous"
    )


def _inference_ja(
    aggregate: StaggeredAggregate, *, n_boot: int, cluster: str, n_clusters: int
) -> str:
    uniform = (
        "、その他の行はブートストラップ sup-t 同時（一様）信頼帯" if aggregate != "simple" else ""
    )
    return (
        f"{cluster} 単位でクラスター化した乗数ブートストラップ（{int(n_boot)} 回）、クラスター数 "
        f"{n_clusters}。ATT は各点の正規近似信頼区間{uniform}。diagnostics の ATT(g,t) の"
        "信頼帯は同時信頼帯"
    )


def _sort_key(col: pd.Series) -> pd.Series:
    """Sort unit ids of mixed types stably (numbers numerically, anything else as text)."""
    if col.name == "u" and not pd.api.types.is_numeric_dtype(col):
        return col.astype(str)
    return col
