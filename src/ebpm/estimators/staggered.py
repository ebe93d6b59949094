"""Staggered difference-in-differences (Callaway & Sant'Anna 2021), through moderndid."""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any, Literal, get_args

import numpy as np
import pandas as pd

from ebpm.errors import (
    BalancedPanelWarning,
    DataError,
    EstimationError,
    InvalidOptionError,
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
from ebpm.estimators._staggered_inference import INFERENCES, Inference
from ebpm.estimators._staggered_prepare import (
    check_options,
    period_values,
    unit_weights,
)
from ebpm.estimators._staggered_result import _result, _sort_key
from ebpm.results import EstimateResult

__all__ = [
    "BalancedPanelWarning",
    "BasePeriod",
    "ControlGroup",
    "EstMethod",
    "Inference",
    "StaggeredAggregate",
    "staggered_did",
]


ControlGroup = Literal["never_treated", "not_yet_treated"]
StaggeredAggregate = Literal["simple", "event", "group", "calendar"]
CONTROL_GROUPS: tuple[ControlGroup, ...] = get_args(ControlGroup)
AGGREGATES: tuple[StaggeredAggregate, ...] = get_args(StaggeredAggregate)
EstMethod = Literal["dr", "ipw", "reg"]
BasePeriod = Literal["varying", "universal"]
EST_METHODS: tuple[EstMethod, ...] = get_args(EstMethod)
BASE_PERIODS: tuple[BasePeriod, ...] = get_args(BasePeriod)
_MD_CONTROL = {"never_treated": "nevertreated", "not_yet_treated": "notyettreated"}
_MD_AGGREGATE = {"simple": "simple", "event": "dynamic", "group": "group", "calendar": "calendar"}


def _cohort_codes(
    frame: pd.DataFrame,
    unit: str,
    time: str,
    cohort: str,
    periods: np.ndarray,
    values: pd.Series,
) -> pd.Series:
    """Cohort per row as a float (0 = never treated), after the cohort checks."""
    g = values.where(np.isfinite(values), 0.0)  # 0, missing or inf = never treated
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


def staggered_did(
    data: pd.DataFrame,
    *,
    outcome: str,
    unit: str | None,
    time: str,
    cohort: str,
    control_group: ControlGroup = "never_treated",
    aggregate: StaggeredAggregate = "simple",
    covariates: Sequence[str] | None = None,
    est_method: EstMethod = "dr",
    base_period: BasePeriod = "varying",
    anticipation: int = 0,
    weights: str | None = None,
    panel: bool = True,
    allow_unbalanced_panel: bool = False,
    inference: Inference = "bootstrap",
    uniform_bands: bool | None = None,
    cluster: str | None = None,
    seed: int | None = None,
    conf_level: float = 0.95,
    n_boot: int = 1000,
) -> EstimateResult:
    """Difference-in-differences with staggered adoption (Callaway & Sant'Anna 2021).

    Estimates every group-time average treatment effect ATT(g,t) (cohort ``g`` = units first
    treated in period ``g``, at period ``t``) by a 2x2 comparison with the never-treated or
    not-yet-treated units, then aggregates them. The estimates come from ``moderndid``, a port
    of the R ``did`` package; the standard errors and bands are formed as R ``did`` 2.5 forms
    them (see Notes). On ``mpdta`` both reproduce R ``did`` to 1e-8 or better.

    Parameters
    ----------
    data : pandas.DataFrame
        A panel, one row per unit and period (or, with ``panel=False``, repeated
        cross-sections, one row per observation). Not modified.
    outcome : str
        Column with the (numeric) outcome.
    unit : str or None
        Column identifying units. May be None only with ``panel=False``.
    time : str
        Column of periods: numbers (years, quarters as integers ...) or dates; with dates each
        distinct date is one period, and ``cohort`` must hold dates too (NaT: never treated).
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
        Pre-treatment covariates for conditional parallel trends (values taken from each unit's
        base period).
    est_method : {"dr", "ipw", "reg"}, default "dr"
        The 2x2 estimator: doubly robust (Sant'Anna & Zhao 2020), inverse probability
        weighting, or outcome regression (R ``did``'s ``est_method``).
    base_period : {"varying", "universal"}, default "varying"
        Pre-treatment ATT(g,t) against the period before ``t`` ("varying") or every ATT(g,t)
        against the period before ``g - anticipation`` ("universal"; that cell is reported as
        0 with no standard error), as R ``did``'s ``base_period``.
    anticipation : int, default 0
        Periods before ``g`` in which units may already react; the base period moves back by
        as many periods.
    weights : str, optional
        Column of sampling weights (positive; constant within a unit for panels).
    panel : bool, default True
        False for repeated cross-sections: each row is its own observation, and ``unit`` is
        not needed.
    allow_unbalanced_panel : bool, default False
        Keep the units missing a period instead of dropping them (R did's
        ``allow_unbalanced_panel=TRUE``): an unbalanced panel is then estimated as repeated
        cross-sections, each row an observation, with the influence functions summed by unit
        (or by ``cluster``) for the standard errors. A balanced panel is estimated as a panel
        either way.
    inference : {"bootstrap", "analytic"}, default "bootstrap"
        Standard errors from the multiplier bootstrap of the influence functions, or analytic
        ones from the same influence functions (R ``did``'s ``bstrap=FALSE``). Both are
        clustered by ``cluster`` when given.
    uniform_bands : bool, optional
        Simultaneous (sup-t) bands for the aggregated rows and the ATT(g,t); they need the
        bootstrap. Default: True with the bootstrap, False (pointwise) with analytic errors.
    cluster : str, optional
        A unit-invariant column to cluster the standard errors by (unit clustering is always
        implied, as in R ``did``); defaults to ``unit``.
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
          conf_high (simultaneous band when ``uniform_bands``), event_time;
        - ``pretrend``: Wald test that every pre-treatment ATT(g,t) is zero (``statistic``,
          ``df``, ``p_value``), from the influence functions (clustered when ``cluster`` is),
          and its power (Roth 2022): ``power_slope_50``, ``power_slope_80``, the slopes
          (outcome units per period) of a linear pre-trend that this chi-square test detects
          half the time and 80% of the time, ``power_test`` ``"wald"``. A trend moves each
          pre-treatment ATT(g,t) by the slope times the periods from its base period: one
          period with ``base_period="varying"``, ``t - (g - 1 - anticipation)`` with
          ``"universal"``. NaN when the test cannot be run (no pre-treatment cell, or a singular
          covariance);
        - ``control_group``, ``aggregate``, ``est_method``, ``base_period``, ``anticipation``,
          ``inference``, ``uniform_bands``, ``n_cohorts``, ``cohort_sizes`` (units per cohort,
          ``"never_treated"`` for the rest), ``critical_value`` (of the ATT(g,t) band).

    Raises
    ------
    ColumnNotFoundError
        A column named in a role is missing (the message suggests a close match).
    NonNumericError
        ``outcome``, ``cohort`` or ``weights`` is not numeric, or ``time`` is neither numbers
        nor dates (or ``cohort`` is not of the same kind as ``time``).
    MissingValueError
        ``unit``, ``time``, ``weights`` or ``cluster`` has missing values.
    DuplicateRowsError
        A unit has two rows in the same period.
    DataError
        The cohort, weight or cluster varies within a unit; a weight is not positive; no unit
        is observed in every period.
    UnitNotFoundError
        A cohort value is neither a period of ``time`` nor 0/NaN.
    NoPrePeriodError
        A cohort is treated in the first period (no untreated period to compare with).
    NoTreatedUnitsError
        No unit is ever treated, or ``control_group="never_treated"`` without never-treated units.
    InvalidOptionError
        ``control_group``, ``aggregate``, ``est_method``, ``base_period`` or ``inference`` is
        not one of the choices; ``anticipation`` is not a whole number >= 0; ``panel`` or
        ``allow_unbalanced_panel`` is not True or False; ``unit`` is None for a panel;
        uniform bands asked of analytic standard errors; ``conf_level`` is not between 0 and
        1; ``n_boot`` is not a whole number of at least 99.
    EstimationError
        moderndid could not estimate the group-time effects (e.g. a singular design).

    Notes
    -----
    Identification rests on parallel trends conditional on cohort (and covariates) and on no
    anticipation beyond ``anticipation`` periods: had they not been treated, units first
    treated in ``g`` would have followed the same average path as the comparison units. With
    ``base_period="varying"`` each ATT(g,t) uses ``g - 1`` as the base for post-treatment
    cells and ``t - 1`` for pre-treatment cells, so pre-treatment estimates are placebo
    period-on-period changes.

    Inference follows R ``did`` 2.5 (Callaway & Sant'Anna 2021, Remark 10): the influence
    functions are summed within clusters (units by default), the analytic standard error is
    ``sqrt(sum of squared cluster sums) / n``, and the multiplier bootstrap draws one Mammen
    weight per cluster and scales its interquartile range to a standard error. moderndid 0.2
    averages instead of summing within clusters, which with counties clustered by state gave
    standard errors 0.99-2.66 times R's; ebpm does not use its bootstrap. The headline carries
    a pointwise normal interval; the other rows, with ``uniform_bands``, simultaneous bands
    from the bootstrap sup-t critical value, as in R ``did``. Unbalanced panels are balanced by
    dropping units with missing periods, as R ``did`` does by default.

    References
    ----------
    Callaway, B. and Sant'Anna, P. H. C. (2021). Difference-in-differences with multiple time
    periods. *Journal of Econometrics* 225(2), 200-230.
    Sant'Anna, P. H. C. and Zhao, J. (2020). Doubly robust difference-in-differences estimators.
    *Journal of Econometrics* 219(1), 101-122.
    """
    data = require_frame(data, func="staggered_did")
    covariates = list(covariates or [])
    control_group, aggregate, est_method, base_period, inference, uniform = _options(
        control_group, aggregate, est_method, base_period, inference, uniform_bands,
        anticipation=anticipation, unit=unit, panel=panel, cluster=cluster,
    )  # fmt: skip
    _validate(
        data,
        {
            "outcome": outcome,
            "unit": unit,
            "time": time,
            "cohort": cohort,
            "covariates": covariates,
            "weights": weights,
            "cluster": cluster,
        },
        conf_level=conf_level,
        n_boot=n_boot,
    )
    label = [c for c in (unit, time) if c is not None]
    extra = [weights] if weights is not None else []
    frame = drop_missing(data, [outcome, *covariates, *extra], func="staggered_did", label=label)
    panel, frame, rc_cluster = _cross_sections(
        frame, unit=unit, time=time, panel=panel, cluster=cluster, keep=allow_unbalanced_panel
    )
    if unit is None or not panel:
        # repeated cross-sections: every row is its own observation
        unit = "__ebpm_row__"
        frame = frame.assign(**{unit: np.arange(len(frame))})
    y = check_numeric(frame, outcome, role="outcome")
    t, cohort_values, labels = period_values(frame, time=time, cohort=cohort)
    if panel:
        check_unique_panel(frame, unit=unit, time=time)
    periods = np.sort(t.unique())
    if panel:
        frame, y, t = _balance(frame, y, t, unit=unit, time=time, periods=periods)
        cohort_values = cohort_values.loc[frame.index]
    g = _cohort_codes(frame, unit, time, cohort, periods, cohort_values)
    _check_comparison(g, cohort=cohort, control_group=control_group)
    key, work = _work_frame(frame, y, t, g, periods, unit=unit, covariates=covariates)
    if weights is not None:
        # named as moderndid names its weights, so that its aggregation weights cohorts by them
        work["weights"] = unit_weights(frame, weights, unit=unit)
    cluster_codes = (
        _cluster_codes(frame, work, unit=unit, cluster=cluster)
        if panel
        else _row_cluster_codes(frame, work, rc_cluster)
    )
    mp, agg = _estimate(
        work,
        n_covariates=len(covariates),
        control_group=control_group,
        aggregate=aggregate,
        est_method=est_method,
        base_period=base_period,
        anticipation=anticipation,
        weighted=weights is not None,
        panel=panel,
    )
    options: dict[str, Any] = dict(inference=inference, n_boot=n_boot, seed=seed, conf_level=conf_level)  # fmt: skip  # noqa: E501
    return _result(
        data,
        mp,
        agg,
        key=key,
        work=work,
        periods=periods,
        labels=labels,
        cluster_codes=cluster_codes,
        options=options,
        uniform=uniform,
        roles={
            "outcome": outcome,
            "unit": unit,
            "time": time,
            "cohort": cohort,
            "covariates": covariates,
            "weights": weights,
            "cluster": cluster if panel else rc_cluster,
            "panel": panel,
        },
        choices={
            "aggregate": aggregate,
            "control_group": control_group,
            "est_method": est_method,
            "base_period": base_period,
            "anticipation": anticipation,
        },
    )


def _options(
    control_group: ControlGroup,
    aggregate: StaggeredAggregate,
    est_method: EstMethod,
    base_period: BasePeriod,
    inference: Inference,
    uniform_bands: Any,
    **given: Any,
) -> tuple[ControlGroup, StaggeredAggregate, EstMethod, BasePeriod, Inference, bool]:
    """The checked choices, and whether bands are uniform."""
    checked: Inference = check_option("inference", inference, INFERENCES)
    uniform = check_options(inference=checked, uniform_bands=uniform_bands, **given)
    return (
        check_option("control_group", control_group, CONTROL_GROUPS),
        check_option("aggregate", aggregate, AGGREGATES),
        check_option("est_method", est_method, EST_METHODS),
        check_option("base_period", base_period, BASE_PERIODS),
        checked,
        uniform,
    )


def _validate(data: pd.DataFrame, roles: dict[str, Any], *, conf_level: float, n_boot: int) -> None:
    """Check the numeric options, the columns named in ``roles`` and the complete ones."""
    if not 0 < conf_level < 1:
        raise InvalidOptionError(f"conf_level={conf_level!r} must be between 0 and 1, e.g. 0.95")
    if not isinstance(n_boot, int) or isinstance(n_boot, bool) or n_boot < 99:
        raise InvalidOptionError(f"n_boot={n_boot!r} is too few bootstrap draws; use 999 or more")
    check_columns(data, roles)
    for role in ("unit", "time", "weights", "cluster"):
        if roles[role] is not None:
            check_complete(data, roles[role], role=role)


def _cross_sections(
    frame: pd.DataFrame,
    *,
    unit: str | None,
    time: str,
    panel: bool,
    cluster: str | None,
    keep: Any,
) -> tuple[bool, pd.DataFrame, str | None]:
    """Whether the data are estimated as a panel, the frame, and the column the cross-sections'
    influence functions are summed by (None: each row on its own).

    ``keep`` (``allow_unbalanced_panel``) turns an unbalanced panel into repeated
    cross-sections summed by unit, as R did does; rows are put in unit and period order so the
    bootstrap's draws do not depend on the order they came in.
    """
    if not isinstance(keep, bool):
        raise InvalidOptionError(f"allow_unbalanced_panel={keep!r} must be True or False")
    if not (panel and keep and unit is not None):
        return panel, frame, (cluster if not panel else None)
    check_unique_panel(frame, unit=unit, time=time)
    per_unit = frame.groupby(unit, sort=False)[time].transform("size")
    if (per_unit == frame[time].nunique()).all():
        return True, frame, None  # balanced: a panel, as R did estimates it
    return False, frame.sort_values([unit, time], kind="mergesort"), cluster or unit


def _row_cluster_codes(
    frame: pd.DataFrame, work: pd.DataFrame, cluster: str | None
) -> np.ndarray | None:
    """The cluster code of each row of moderndid's cross-section influence functions, which
    come sorted by period, cohort (never treated last) and row id."""
    if cluster is None:
        return None
    order = np.lexsort(
        (work["id"].to_numpy(), np.where(work["g"] == 0, np.inf, work["g"]), work["t"].to_numpy())
    )
    return pd.factorize(frame[cluster].to_numpy()[order])[0].astype("int64")


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
    """Each unit's cluster code in unit-code order (None: clustered by unit). A cluster must
    hold whole units."""
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
    per_unit = pd.Series(frame[cluster].to_numpy(), index=work["id"].to_numpy())
    per_unit = per_unit[~per_unit.index.duplicated()].sort_index()
    # numbered in unit-code order, so the bootstrap draws do not depend on the row order
    return pd.factorize(per_unit)[0].astype("int64")


def _estimate(
    work: pd.DataFrame,
    *,
    n_covariates: int,
    control_group: ControlGroup,
    aggregate: StaggeredAggregate,
    est_method: EstMethod,
    base_period: BasePeriod,
    anticipation: int,
    weighted: bool,
    panel: bool,
) -> tuple[Any, Any]:
    """ATT(g,t), their influence functions and their aggregation, by moderndid (no bootstrap:
    the standard errors are formed from the influence functions afterwards)."""
    import moderndid

    xnames = [f"x{i}" for i in range(n_covariates)]
    with warnings.catch_warnings():
        # moderndid's notes (anticipation, its own pre-test) are not the analyst's to act on:
        # ebpm reports its own pre-test and inference.
        warnings.simplefilter("ignore", UserWarning)
        try:
            mp = moderndid.att_gt(
                data=work,
                yname="y",
                tname="t",
                idname="id",
                gname="g",
                xformla=("~ " + " + ".join(xnames)) if xnames else None,
                weightsname="weights" if weighted else None,
                cband=False,
                boot=False,
                est_method=est_method,
                panel=panel,
                control_group=_MD_CONTROL[control_group],
                anticipation=int(anticipation),
                base_period=base_period,
            )
            agg = moderndid.aggte(mp, type=_MD_AGGREGATE[aggregate], na_rm=True)
        except (ValueError, np.linalg.LinAlgError) as err:
            raise EstimationError(
                f"moderndid could not estimate the group-time effects: {err}"
            ) from err
    return mp, agg
