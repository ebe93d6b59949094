"""Checks and the design matrix of :func:`ebpm.estimators.its.its`: the series chosen, the
intervention dates, the segments, seasonal terms and the count options."""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ebpm.errors import (
    DataError,
    DuplicateRowsError,
    EstimationError,
    InvalidOptionError,
    NoPrePeriodError,
)
from ebpm.estimators._common import (
    check_unique_panel,
    find_unit,
)
from ebpm.estimators._its_fit import COUNT_FAMILIES

#: Fewest periods each segment (before, between and after interventions) must have.
MIN_SEGMENT = 3


def default_hac_lags(n: int) -> int:
    """Newey-West lag rule of thumb ``floor(4 * (n / 100) ** (2 / 9))`` (Newey & West 1994)."""
    return math.floor(4 * (n / 100) ** (2 / 9))


def _time_kind(series: pd.Series) -> str:
    if isinstance(series.dtype, pd.PeriodDtype):
        return "period"
    if pd.api.types.is_datetime64_any_dtype(series):
        return "datetime"
    if pd.api.types.is_bool_dtype(series):
        return "other"
    if pd.api.types.is_numeric_dtype(series):
        return "numeric"
    return "other"


def _coerce_intervention(value: Any, kind: str, series: pd.Series, time: str) -> Any:
    """The intervention as a value comparable with the time column."""
    try:
        if kind == "numeric":
            if isinstance(value, bool) or not isinstance(value, int | float | np.number):
                raise TypeError
            return float(value)
        if kind == "datetime":
            stamp = pd.Timestamp(value)
            tz = getattr(series.dtype, "tz", None)
            if tz is not None and stamp.tzinfo is None:
                stamp = stamp.tz_localize(tz)
            return stamp
        return pd.Period(value, freq=series.dtype.freq)
    except (TypeError, ValueError) as err:
        example = {"numeric": "1989", "datetime": "'2011-07-01'", "period": "'2011Q3'"}[kind]
        raise DataError(
            f"intervention={value!r} cannot be compared with time={time!r} ({series.dtype}); "
            f"give a value of the same kind, e.g. intervention={example}"
        ) from err


def _seasonal_dummies(
    seasonal: int | str | None,
    frame: pd.DataFrame,
    n: int,
    *,
    position: np.ndarray | None = None,
    harmonics: int | None = None,
) -> tuple[pd.DataFrame, str | None]:
    """Dummies for the seasons (first season the reference), or ``harmonics`` sine-cosine
    pairs of the cycle, and a description. ``n`` is the number of periods of the series;
    ``position`` the period number of each row of ``frame`` (its rank in time)."""
    if position is None:
        position = np.arange(len(frame))
    if harmonics is not None:
        return _fourier_terms(seasonal, position, n, harmonics)
    if seasonal is None:
        return pd.DataFrame(index=range(n)), None
    if isinstance(seasonal, bool) or not isinstance(seasonal, int | str | np.integer):
        raise InvalidOptionError(
            f"seasonal={seasonal!r} is not supported. Give the number of periods in a "
            "seasonal cycle (e.g. seasonal=12 for monthly data, 4 for quarterly), the name of "
            "a column holding the season (e.g. seasonal='month'), or None."
        )
    if isinstance(seasonal, str):
        season = frame[seasonal].astype(str).to_numpy()
        label = f"column {seasonal!r}"
        names = {s: f"{seasonal}={s}" for s in pd.unique(season)}
    else:
        seasonal = _cycle_length(int(seasonal), n)
        season = (np.asarray(position).astype(int) % seasonal).astype(str)
        label = f"cycle of {seasonal} periods"
        names = {s: f"season_{int(s) + 1}" for s in pd.unique(season)}
    levels = list(pd.unique(season))
    if len(levels) < 2:
        raise InvalidOptionError(
            f"seasonal={seasonal!r} has a single season ({levels[0]!r}); it adds nothing. "
            "Drop it or name a column with at least two seasons."
        )
    dummies = pd.DataFrame(
        {names[lvl]: (season == lvl).astype(float) for lvl in levels[1:]},
        index=range(len(frame)),
    )
    return dummies, label


def _cycle_length(period: int, n: int) -> int:
    """``seasonal`` as a number of periods per cycle: at least 2, at most half the series."""
    if period < 2 or period > n // 2:
        raise InvalidOptionError(
            f"seasonal={period} must be a whole number of periods per cycle between 2 "
            f"and {n // 2} (half the {n} periods), e.g. 12 for monthly or 4 for quarterly "
            "data; or None for no seasonal terms."
        )
    return period


def _fourier_terms(
    seasonal: int | str | None, position: np.ndarray, n: int, harmonics: Any
) -> tuple[pd.DataFrame, str]:
    """``harmonics`` pairs ``sin(2 pi j p / period)``, ``cos(2 pi j p / period)`` of the
    period number ``p`` (Bernal et al. 2017's ``harmonic(month, 2, 12)``)."""
    if isinstance(seasonal, bool) or not isinstance(seasonal, int | np.integer):
        raise InvalidOptionError(
            f"harmonics={harmonics!r} needs the length of the seasonal cycle as a number, "
            f"e.g. seasonal=12 for monthly data; got seasonal={seasonal!r}. Give seasonal=12 "
            "(or 4 for quarters), or drop harmonics to use seasonal dummies."
        )
    period = _cycle_length(int(seasonal), n)
    top = period // 2
    if (
        isinstance(harmonics, bool)
        or not isinstance(harmonics, int | np.integer)
        or not 1 <= harmonics <= top
    ):
        raise InvalidOptionError(
            f"harmonics={harmonics!r} must be a whole number of sine-cosine pairs from 1 to "
            f"{top} (half the cycle of {period}), e.g. harmonics=2 as Bernal et al. (2017)"
        )
    angle = 2 * np.pi * np.asarray(position, float) / period
    terms: dict[str, np.ndarray] = {}
    for j in range(1, int(harmonics) + 1):
        if 2 * j < period:  # at j = period / 2 the sine is 0 at every period: left out
            terms[f"sin_{j}"] = np.sin(j * angle)
        terms[f"cos_{j}"] = np.cos(j * angle)
    label = f"{int(harmonics)} harmonic{'s' if harmonics != 1 else ''} of {period} periods"
    return pd.DataFrame(terms, index=range(len(position))), label


@dataclass(frozen=True)
class _Series:
    """The stacked series in row order (treated first, each series in time order), split at
    the interventions, with the time terms."""

    order: np.ndarray  # positions of the frame's rows in this order
    times: pd.Series
    y: np.ndarray
    z: np.ndarray  # 1 for the treated series' rows
    n: int  # periods of the treated series
    starts: list[Any]  # the interventions, comparable with ``times``
    post: list[np.ndarray]  # per intervention: 1 from it on
    t_since: list[np.ndarray]  # per intervention: time since it, 0 before
    n_pre: int
    n_post: int
    breaks: list[int]  # positions in the treated series where a segment starts
    t: np.ndarray  # the trend term
    position: np.ndarray  # the period number (rank of the time among all periods)
    time_unit: str  # what a slope is per


def _check_family_options(family: str, *, offset: str | None, hac_lags: Any) -> None:
    """An offset only with counts; Newey-West lags only with the linear model."""
    if family in COUNT_FAMILIES and hac_lags is not None:
        raise InvalidOptionError(
            f"hac_lags={hac_lags!r} applies to family='gaussian' (Newey-West errors); with "
            f"family={family!r} drop it, and use family='quasipoisson' to allow for "
            "overdispersion (Bernal et al. 2017)"
        )
    if family not in COUNT_FAMILIES and offset is not None:
        raise InvalidOptionError(
            f"offset={offset!r} needs a count family: family='poisson', 'quasipoisson' or "
            "'negative_binomial' (a linear model has no offset; model a rate as the outcome "
            "instead)"
        )


def _select_series(
    data: pd.DataFrame, *, unit: str | None, treated_unit: Any, control: Any
) -> tuple[pd.DataFrame, Any, list[Any]]:
    """The rows of the treated series and its comparison units, the treated unit as the data
    spell it, and the comparison units."""
    if unit is None:
        if treated_unit is not None or control is not None:
            given = "treated_unit" if treated_unit is not None else "control"
            raise InvalidOptionError(
                f"{given}= needs unit=, the column that tells the series apart, e.g. "
                "its(df, unit='State', treated_unit='California', ...)"
            )
        return data, None, []
    if treated_unit is None:
        raise InvalidOptionError(
            f"unit={unit!r} needs treated_unit=, the value of {unit!r} whose series is "
            "evaluated (the other units are the comparison unless control= names some)"
        )
    units = list(pd.unique(data[unit].dropna()))
    treated = find_unit(units, treated_unit, role="treated_unit", unit=unit)
    if control is None:
        controls = [u for u in units if u != treated]
    else:
        asked = (
            [control]
            if isinstance(control, str) or not isinstance(control, Sequence | pd.Index)
            else list(control)
        )
        controls = list(
            dict.fromkeys(find_unit(units, c, role="control", unit=unit) for c in asked)
        )
    if treated in controls:
        raise InvalidOptionError(
            f"control={control!r} includes the treated unit {treated!r}; a series cannot be "
            "its own comparison. Name the other units, or leave control=None for all of them"
        )
    if not controls and control is not None:
        others = [u.item() if isinstance(u, np.generic) else u for u in units if u != treated]
        raise InvalidOptionError(
            f"control={control!r} names no unit; name the comparison units, e.g. "
            f"control={others[:2]!r}, or leave "
            f"control=None to compare treated_unit={treated!r} with every other unit"
        )
    if not controls:
        raise InvalidOptionError(
            f"unit={unit!r} has no unit besides treated_unit={treated!r} to compare with "
            "(the data hold only that series); add comparison units to the data, or drop "
            "unit= and treated_unit= for a single-series ITS"
        )
    keep = data[unit].isin([treated, *controls]).to_numpy()
    return data.loc[keep], treated, controls


def _check_time(frame: pd.DataFrame, time: str, *, unit: str | None = None) -> str:
    """The kind of the time column (numeric, datetime, period), once it has one row a period
    (of each unit)."""
    kind = _time_kind(frame[time])
    if kind == "other":
        raise DataError(
            f"time={time!r} must hold numbers, datetimes or pandas Periods; it has dtype "
            f"{frame[time].dtype} (e.g. {frame[time].iloc[0]!r}). Convert it, e.g. "
            f"df[{time!r}] = pd.to_datetime(df[{time!r}]) or pd.PeriodIndex(..., freq='M')"
        )
    if unit is not None:
        check_unique_panel(frame, unit=unit, time=time)
        return kind
    dup = frame[time].duplicated(keep=False)
    if dup.any():
        raise DuplicateRowsError(
            f"{int(dup.sum())} rows share a {time!r} value, e.g. {time}="
            f"{frame.loc[dup, time].iloc[0]}; an interrupted time series needs one row per "
            "period. Filter to one unit or aggregate first (df.groupby(time).mean()), or "
            "name the series with unit= and treated_unit="
        )
    return kind


def _check_counts(
    y: pd.Series, *, outcome: str, exposure: pd.Series | None, offset: str | None
) -> None:
    """Counts are not negative; exposures are positive (their log is the offset)."""
    negative = y < 0
    if negative.any():
        raise DataError(
            f"outcome={outcome!r} holds a negative value ({y[negative].iloc[0]:g}, row "
            f"{y.index[negative][0]!r}), but a count family needs counts of 0 or more; use "
            "family='gaussian' for other outcomes"
        )
    if exposure is not None:
        bad = exposure <= 0
        if bad.any():
            raise DataError(
                f"offset={offset!r} must be a positive exposure (its log is the offset); it "
                f"holds {exposure[bad].iloc[0]:g} (row {exposure.index[bad][0]!r}). Drop those "
                "rows or fix the exposure"
            )


def _starts(intervention: Any, kind: str, times: pd.Series, time: str) -> list[Any]:
    """The interventions as a list of increasing values comparable with the time column."""
    several = isinstance(intervention, list | tuple | np.ndarray | pd.Index)
    values = list(intervention) if several else [intervention]
    if not values:
        raise DataError(
            "intervention=[] names no period; give the first period with the policy, e.g. "
            "intervention=1989, or a list of such periods"
        )
    starts = [_coerce_intervention(v, kind, times, time) for v in values]
    if any(b <= a for a, b in itertools.pairwise(starts)):
        raise DataError(
            f"intervention={values!r} must be increasing, one value per interruption in "
            f"time order, e.g. intervention={sorted(set(values), key=str)!r}"
        )
    return starts


def _segments(
    frame: pd.DataFrame,
    y_all: pd.Series,
    z_all: np.ndarray,
    *,
    time: str,
    intervention: Any,
    kind: str,
    unit: str | None = None,
) -> _Series:
    """Stack the series (treated first, each in time order), split them at the interventions
    (enough periods in each segment of the treated series) and build the time terms."""
    codes, uniques = pd.factorize(frame[time], sort=True)
    series_key = (
        pd.factorize(frame[unit].astype(str), sort=True)[0]
        if unit is not None
        else np.zeros(len(frame), dtype=int)
    )
    order = np.lexsort((codes, series_key, -z_all))
    times = frame[time].iloc[order].reset_index(drop=True)
    y = y_all.iloc[order].to_numpy(float)
    z = z_all[order]
    position = codes[order].astype(float)
    periods = pd.Index(uniques)
    treated_times = times[z == 1].reset_index(drop=True)
    n = len(treated_times)
    starts = _starts(intervention, kind, treated_times, time)
    counts = [int((treated_times < starts[0]).sum())]
    for a, b in zip(starts, [*starts[1:], None], strict=True):
        after = treated_times >= a
        counts.append(
            int((after & (treated_times < b)).sum()) if b is not None else int(after.sum())
        )
    if min(counts) < MIN_SEGMENT:
        shown = intervention
        if len(starts) == 1:
            detail = f"leaves {counts[0]} period(s) before and {counts[1]} at or after it"
        else:
            detail = f"splits the series into segments of {', '.join(map(str, counts))} periods"
        raise NoPrePeriodError(
            f"intervention={shown!r} {detail}, but each segment needs at least {MIN_SEGMENT}; "
            f"the data cover {time} {treated_times.iloc[0]} to {treated_times.iloc[-1]} "
            f"({n} periods). Choose interventions inside that range with at least 3 periods "
            "in each segment"
        )
    post, t_since = [], []
    if kind == "numeric":
        tv = times.to_numpy(float)
        t = tv - float(times.min())
        for s in starts:
            p = tv >= s
            post.append(p)
            t_since.append(np.where(p, tv - s, 0.0))
        time_unit = f"per unit of {time}"
    else:
        t = position
        for s in starts:
            p = (times >= s).to_numpy()
            first = float(np.argmax(np.asarray(periods >= s)))
            post.append(p)
            t_since.append(np.where(p, position - first, 0.0))
        time_unit = "per period"
    breaks = list(np.cumsum(counts[:-1]).astype(int))
    return _Series(
        order=order,
        times=times,
        y=y,
        z=z,
        n=n,
        starts=starts,
        post=post,
        t_since=t_since,
        n_pre=counts[0],
        n_post=n - counts[0],
        breaks=[int(b) for b in breaks],
        t=np.asarray(t, float),
        position=position,
        time_unit=time_unit,
    )


def _check_flag(value: Any) -> bool:
    """``slope_change`` as a bool, or an error naming the two choices."""
    if not isinstance(value, bool | np.bool_):
        raise InvalidOptionError(
            f"slope_change={value!r} must be True (a level and a slope change at each "
            "intervention) or False (level changes only)"
        )
    return bool(value)


def _policy_names(k: int) -> list[tuple[str, str]]:
    """(level, slope) term names of each intervention: unsuffixed for one, _1, _2 ... else."""
    if k == 1:
        return [("level_change", "slope_change")]
    return [(f"level_change_{j}", f"slope_change_{j}") for j in range(1, k + 1)]


def _design_matrix(
    frame: pd.DataFrame,
    covs: dict[str, pd.Series],
    series: _Series,
    *,
    seasonal: int | str | None,
    harmonics: int | None = None,
    controlled: bool = False,
    slopes: bool = True,
) -> tuple[pd.DataFrame, str | None, list[str]]:
    """The regressors in row order (segments, seasons, covariates), checked estimable, the
    description of the seasons and the policy terms (those the counterfactual sets to 0)."""
    n, order = series.n, series.order
    sorted_frame = frame.iloc[order].reset_index(drop=True)
    dummies, seasonal_label = _seasonal_dummies(
        seasonal, sorted_frame, n, position=series.position, harmonics=harmonics
    )
    columns: dict[str, Any] = {"intercept": 1.0, "pre_slope": series.t}
    policy: list[str] = []
    names = _policy_names(len(series.starts))
    if controlled:
        z = series.z
        columns["level_difference"] = z
        columns["pre_slope_difference"] = z * series.t
        for (level, slope), p, since in zip(names, series.post, series.t_since, strict=True):
            columns[level] = z * p
            columns[f"control_{level}"] = p.astype(float)
            policy.append(level)
            if slopes:
                columns[slope] = z * since
                columns[f"control_{slope}"] = since
                policy.append(slope)
    else:
        for (level, slope), p, since in zip(names, series.post, series.t_since, strict=True):
            columns[level] = p.astype(float)
            policy.append(level)
            if slopes:
                columns[slope] = since
                policy.append(slope)
    design_x = pd.DataFrame(columns, index=range(len(series.y))).astype(float)
    design_x = pd.concat([design_x, dummies], axis=1)
    for c, values in covs.items():
        design_x[c] = values.iloc[order].to_numpy(float)
    k = design_x.shape[1]
    n_rows = len(series.y)
    if n_rows - k < 1:
        raise NoPrePeriodError(
            f"{n_rows} periods cannot fit {k} coefficients (segments, seasons, covariates); "
            "use fewer seasonal terms, covariates or interventions, or a longer series"
        )
    if np.linalg.matrix_rank(design_x.to_numpy()) < k:
        raise EstimationError(
            "the segmented-regression terms are collinear (a covariate or season duplicates "
            "the trend, the level change or another term); drop the redundant column(s): "
            f"{', '.join(c for c in design_x.columns if c in {*dummies.columns, *covs}) or 'none'}"
        )
    return design_x, seasonal_label, policy


def _check_hac_lags(hac_lags: Any, n: int) -> int:
    """The Newey-West lag: the rule of thumb by default, else a whole number below ``n``."""
    if hac_lags is None:
        hac_lags = default_hac_lags(n)
    if (
        isinstance(hac_lags, bool)
        or not isinstance(hac_lags, int | np.integer)
        or not (0 <= hac_lags < n)
    ):
        raise InvalidOptionError(
            f"hac_lags={hac_lags!r} must be a whole number from 0 to {n - 1} (the series has "
            f"{n} periods); the default is {default_hac_lags(n)}"
        )
    return int(hac_lags)
