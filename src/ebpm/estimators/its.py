"""Interrupted time series: segmented regression with Newey-West (HAC) standard errors, models
of counts with an offset, several interruptions and a comparison series (controlled ITS)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from ebpm.errors import (
    DataError,
)
from ebpm.estimators._common import (
    check_columns,
    check_numeric,
    check_option,
    drop_missing,
    require_frame,
)
from ebpm.estimators._its_fit import COUNT_FAMILIES, Family, Fit, fit_counts, fit_gaussian
from ebpm.estimators._its_plot import _plot_its
from ebpm.estimators._its_prepare import (
    MIN_SEGMENT,
    _check_counts,
    _check_family_options,
    _check_flag,
    _check_hac_lags,
    _check_time,
    _design_matrix,
    _policy_names,
    _segments,
    _select_series,
    _Series,
    default_hac_lags,
)
from ebpm.results import EstimateResult, tidy_table

__all__ = ["MIN_SEGMENT", "Family", "default_hac_lags", "its"]

#: Fewest periods allowed on each side of the intervention (a line needs two, a check three).

ASSUMPTION = (
    "Without the policy, the pre-intervention level and trend (and seasonal pattern) of the "
    "outcome would have continued unchanged after the intervention, and nothing else changed "
    "at the same time."
)

ASSUMPTION_JA = (
    "政策がなければ、介入前の結果変数の水準とトレンド（および季節パターン）は介入後も変わらず続き、"
    "同じ時期にほかの変化もなかった。"
)

ASSUMPTION_CONTROL = (
    "Without the policy, the treated series' level and trend would have changed at the "
    "intervention as the comparison series' did (the pre-intervention difference between the "
    "two continuing), and nothing else affected one series and not the other at that time."
)

ASSUMPTION_CONTROL_JA = (
    "政策がなければ、処置系列の水準とトレンドは介入時点で比較系列と同じように変化し（介入前の"
    "両者の差はそのまま続き）、同じ時期に一方の系列だけに影響するほかの変化もなかった。"
)


def its(
    data: pd.DataFrame,
    *,
    outcome: str,
    time: str,
    intervention: Any,
    seasonal: int | str | None = None,
    harmonics: int | None = None,
    covariates: Sequence[str] | None = None,
    hac_lags: int | None = None,
    conf_level: float = 0.95,
    family: Family = "gaussian",
    offset: str | None = None,
    unit: str | None = None,
    treated_unit: Any = None,
    control: Any = None,
    slope_change: bool = True,
) -> EstimateResult:
    """Interrupted time series by segmented regression, of one series or against a comparison.

    Fits, on one series (one row per period),
    ``outcome ~ 1 + t + post + t_since (+ seasonal terms) (+ covariates)`` where ``t`` is time,
    ``post`` is 1 from the intervention on and ``t_since = (t - intervention) * post``. The
    coefficient on ``post`` is the immediate level change at the intervention (the headline),
    the one on ``t_since`` the change in slope. With ``family="gaussian"`` (the default) the
    fit is OLS with Newey-West (HAC, Bartlett kernel) standard errors, the small-sample factor
    n/(n-k) and t(n-k) intervals, as Stata's ``newey`` and Linden's ``itsa`` compute them.

    Counts (``family="poisson"``, ``"quasipoisson"``, ``"negative_binomial"``) are modelled on
    the log scale with ``log(offset)`` as an offset, as Bernal, Cummins & Gasparrini (2017) do:
    coefficients are log rate ratios, the tidy table adds ``rate_ratio``, ``rr_conf_low`` and
    ``rr_conf_high`` (their exponentials), and intervals are normal.

    Several interventions (``intervention=[t1, t2, ...]``) give a level and a slope change at
    each: ``level_change_1``, ``slope_change_1``, ``level_change_2``, ... (each slope change
    adds to the slope of the segment before it).

    A comparison series (``unit``, ``treated_unit``, ``control``) turns the design into a
    controlled ITS (Linden 2015's multiple-group ``itsa``): the treated and comparison series
    are stacked, with ``z`` = 1 for the treated, and
    ``outcome ~ 1 + t + z + z*t + post + t_since + z*post + z*t_since``. ``level_change`` and
    ``slope_change`` are then the treated series' changes minus the comparison's (a
    difference-in-differences of the changes); the comparison's own changes are
    ``control_level_change`` and ``control_slope_change``, the pre-period differences
    ``level_difference`` and ``pre_slope_difference``. Newey-West lags run within each series.

    Parameters
    ----------
    data : pandas.DataFrame
        One series, one row per period; or, with ``unit``, a panel of series. Not modified;
        rows may come in any order.
    outcome : str
        Column with the outcome (counts for the count families).
    time : str
        Column with the period: numbers (years, month counts; slopes are then per unit of
        time), or datetimes / pandas Periods (ordered; slopes are then per observation, so the
        series should be regularly spaced).
    intervention : scalar or sequence of scalars
        The first period with the policy, a value of ``time`` (for datetimes anything
        :class:`pandas.Timestamp` accepts, e.g. ``"2011-07-01"``). Rows at or after it are post.
        A list of increasing values gives several interruptions.
    seasonal : int or str, optional
        Seasonal terms. An int is the number of periods in a cycle (12 for monthly data, 4
        for quarterly): the season of each row is its position in the time order modulo that
        number, counted from the first period. A str names a column holding the season (e.g.
        ``"month"``). Dummies, the first season the reference, unless ``harmonics`` is given.
    harmonics : int, optional
        Instead of dummies, this many sine-cosine pairs of the cycle of ``seasonal`` periods
        (which must then be an int), as ``tsModel::harmonic`` in Bernal et al. (2017).
    covariates : sequence of str, optional
        Time-varying controls added linearly.
    hac_lags : int, optional
        Newey-West maximum lag (``family="gaussian"`` only). Default
        ``floor(4 * (n / 100) ** (2 / 9))`` of the treated series' n periods (Newey & West
        1994's rule of thumb; 3 for 31 to 99 periods). 0 gives heteroskedasticity-robust
        errors.
    conf_level : float, default 0.95
        Confidence level of the intervals.
    family : {"gaussian", "poisson", "quasipoisson", "negative_binomial"}, default "gaussian"
        The outcome model. ``"poisson"``: a Poisson GLM with model-based standard errors.
        ``"quasipoisson"``: the same coefficients, standard errors scaled by the square root
        of the Pearson dispersion (R's ``quasipoisson``, Stata's ``glm, scale(x2)``: the
        tutorial's choice for overdispersed counts). ``"negative_binomial"``: NB2 with the
        dispersion estimated by maximum likelihood.
    offset : str, optional
        Column of exposures (e.g. population) for the count families; its log enters with
        coefficient 1, so the coefficients are changes in the rate ``outcome / offset``.
    unit : str, optional
        Column identifying the series of a panel; needs ``treated_unit``.
    treated_unit : scalar, optional
        The value of ``unit`` whose series is evaluated.
    slope_change : bool, default True
        Fit a change in slope at each intervention. False fits level changes only (the
        step-change impact model of Bernal et al. 2017's main example).
    control : scalar or sequence, optional
        The value(s) of ``unit`` used as the comparison. Default: every other unit. Their
        rows are stacked, which gives the same coefficients as their per-period mean when
        every comparison series covers the same periods (Linden's ``itsa``).

    Returns
    -------
    EstimateResult
        Terms ``level_change`` (headline), ``slope_change``, ``pre_slope``, ``intercept``
        (suffixed ``_1``, ``_2``, ... with several interventions; the headline is then
        ``level_change_1``), then the controlled design's extra terms, seasonal terms and
        covariates. ``diagnostics``:

        - ``counterfactual``: Series by time, the treated series' fitted values with the
          policy terms set to 0 (for counts, expected counts);
        - ``fitted``, ``observed``: Series by time for the treated series;
        - ``residual_autocorrelation``: ``{"durbin_watson": float, "ljung_box_pvalue":
          {lag: p}}`` of the treated series' residuals (Pearson residuals for counts) for a
          few lags (1, 2, 4, and the seasonal period when it fits);
        - ``hac_lags`` (None for counts), ``n_pre``, ``n_post``, ``r2`` (gaussian only);
        - ``effect_at_end``: fitted minus counterfactual at the last period;
        - counts: ``rate_ratio`` ({term: exp(estimate)}), ``dispersion`` (Pearson X2 / df, for
          the Poisson families) or ``alpha`` (negative binomial);
        - controlled: ``control_observed`` and ``control_fitted`` (the comparison's mean by
          time), ``control_units``, ``treated_level_change`` and ``treated_slope_change``
          (the treated series' own changes, sums of coefficients).

    Raises
    ------
    ColumnNotFoundError
        A column named in a role is missing (the message suggests a close match).
    NonNumericError
        The outcome, offset or a covariate is not numeric.
    DuplicateRowsError
        Two rows share a time point (of one unit).
    NoPrePeriodError
        An intervention is outside the time range, or leaves fewer than 3 periods in a
        segment.
    InvalidOptionError
        ``seasonal``, ``harmonics``, ``hac_lags``, ``family``, ``offset`` or the unit options
        are not a valid choice or combination.
    UnitNotFoundError
        ``treated_unit`` or a ``control`` unit is not in the data.
    DataError
        The time column is neither numeric nor datetime/period, ``intervention`` is of
        another kind than it or not increasing, ``conf_level`` is not in (0, 1), counts are
        negative or an exposure is not positive.
    EstimationError
        The regressors are collinear (e.g. a covariate that is a linear trend).

    Notes
    -----
    The identifying assumption is that the pre-intervention level and trend (and seasonality)
    would have continued without the policy, and that nothing else that moves the outcome
    changed at the intervention; with a comparison series, that the changes the comparison
    shows at the intervention are those the treated series would have shown without it.
    Autocorrelated errors do not bias the OLS coefficients but make classical standard errors
    too small, hence HAC; check the residual autocorrelation. HAC intervals still under-cover
    in short series with strong autocorrelation (about 83% for a nominal 95% with 100 periods
    and AR(1) coefficient 0.4 in ebpm's tests); treat borderline p-values with care, or model
    the autocorrelation. Quasi-Poisson errors allow for overdispersion but not for
    autocorrelation.

    References
    ----------
    Bernal, J. L., Cummins, S. and Gasparrini, A. (2017). Interrupted time series regression
    for the evaluation of public health interventions: a tutorial. International Journal of
    Epidemiology 46(1), 348-355.
    Linden, A. (2015). Conducting interrupted time-series analysis for single- and
    multiple-group comparisons. The Stata Journal 15(2), 480-500.
    Newey, W. K. and West, K. D. (1987). A simple, positive semi-definite, heteroskedasticity
    and autocorrelation consistent covariance matrix. Econometrica 55(3), 703-708.
    Wagner, A. K., Soumerai, S. B., Zhang, F. and Ross-Degnan, D. (2002). Segmented regression
    analysis of interrupted time series studies in medication use research. Journal of
    Clinical Pharmacy and Therapeutics 27(4), 299-309.
    """
    data = require_frame(data, func="its")
    covariates = list(covariates or [])
    if not 0 < conf_level < 1:
        raise DataError(f"conf_level={conf_level!r} must be between 0 and 1, e.g. 0.95")
    family = check_option(
        "family",
        family,
        Family,
        why="Use a count family for counts, with offset= naming the exposure.",
    )
    counts = family in COUNT_FAMILIES
    _check_family_options(family, offset=offset, hac_lags=hac_lags)
    check_columns(
        data,
        {
            "outcome": outcome,
            "time": time,
            "covariates": covariates,
            "seasonal": seasonal if isinstance(seasonal, str) else None,
            "offset": offset,
            "unit": unit,
        },
    )
    original = data
    data, treated_unit, controls = _select_series(
        data, unit=unit, treated_unit=treated_unit, control=control
    )
    used = [outcome, time, *covariates]
    if isinstance(seasonal, str):
        used.append(seasonal)
    if offset is not None:
        used.append(offset)
    if unit is not None:
        used.append(unit)
    frame = drop_missing(data, used, func="its", label=[time] if unit is None else [unit, time])
    kind = _check_time(frame, time, unit=unit)
    y_all = check_numeric(frame, outcome, role="outcome")
    covs = {c: check_numeric(frame, c, role="covariate") for c in covariates}
    exposure = None if offset is None else check_numeric(frame, offset, role="offset")
    if counts:
        _check_counts(y_all, outcome=outcome, exposure=exposure, offset=offset)
    z = np.ones(len(frame)) if unit is None else (frame[unit] == treated_unit).to_numpy(float)
    series = _segments(frame, y_all, z, time=time, intervention=intervention, kind=kind, unit=unit)
    design_x, seasonal_label, policy_terms = _design_matrix(
        frame,
        covs,
        series,
        seasonal=seasonal,
        harmonics=harmonics,
        controlled=unit is not None,
        slopes=_check_flag(slope_change),
    )
    n = series.n
    groups = None if unit is None else frame[unit].to_numpy()[series.order]
    if counts:
        log_offset = (
            np.zeros(len(series.y))
            if exposure is None
            else np.log(exposure.to_numpy(float)[series.order])
        )
        fit = fit_counts(series.y, design_x, family=family, log_offset=log_offset)
        hac_used = None
    else:
        log_offset = np.zeros(len(series.y))
        hac_used = _check_hac_lags(hac_lags, n)
        fit = fit_gaussian(series.y, design_x, hac_lags=hac_used, groups=groups)
    return _result(
        original,
        fit=fit,
        design_x=design_x,
        series=series,
        policy_terms=policy_terms,
        log_offset=log_offset,
        groups=groups,
        spec={
            "outcome": outcome,
            "time": time,
            "intervention": intervention,
            "kind": kind,
            "seasonal": seasonal,
            "seasonal_label": seasonal_label,
            "covariates": covariates,
            "family": family,
            "offset": offset,
            "unit": unit,
            "treated_unit": treated_unit,
            "controls": controls,
            "hac_lags": hac_used,
            "conf_level": conf_level,
            "slope_change": slope_change,
        },
    )


def _result(
    data: pd.DataFrame,
    *,
    fit: Fit,
    design_x: pd.DataFrame,
    series: _Series,
    policy_terms: list[str],
    log_offset: np.ndarray,
    groups: np.ndarray | None,
    spec: dict[str, Any],
) -> EstimateResult:
    """The one result object from a fit: table, counterfactual, diagnostics, words."""
    family, conf_level = spec["family"], spec["conf_level"]
    counts = family in COUNT_FAMILIES
    controlled = spec["unit"] is not None
    n = series.n
    table = _table(fit, design_x, conf_level=conf_level, counts=counts, k=len(series.starts))
    headline = str(table["term"].iloc[0])
    treated = series.z == 1
    index = pd.Index(series.times[treated].to_numpy(), name=spec["time"])
    params = pd.Series(fit.params, index=design_x.columns)
    cf_x = design_x.copy()
    cf_x[policy_terms] = 0.0
    cf_linear = cf_x.to_numpy(float) @ fit.params
    link = np.exp if counts else (lambda v: v)
    fitted_all = link(fit.linear + log_offset)
    cf_all = link(cf_linear + log_offset)
    fitted = pd.Series(fitted_all[treated], index=index, name="fitted")
    counterfactual = pd.Series(cf_all[treated], index=index, name="counterfactual")
    inference, inference_ja = _inference_words(family, fit, spec["hac_lags"], controlled)
    diagnostics: dict[str, Any] = {
        "counterfactual": counterfactual,
        "fitted": fitted,
        "residual_autocorrelation": _autocorrelation(
            fit.resid[treated], n=n, seasonal=spec["seasonal"]
        ),
        "hac_lags": spec["hac_lags"],
        "n_pre": series.n_pre,
        "n_post": series.n_post,
        "effect_at_end": float(fitted.iloc[-1] - counterfactual.iloc[-1]),
        "observed": pd.Series(series.y[treated], index=index, name=spec["outcome"]),
        "breaks": series.breaks,
        "formula": _formula(spec, k=len(series.starts)),
        **fit.extra,
    }
    if counts:
        diagnostics["rate_ratio"] = dict(
            zip(table["term"], np.exp(table["estimate"].to_numpy(float)), strict=True)
        )
    if controlled:
        diagnostics.update(_control_diagnostics(series, params, fitted_all, spec))
    design = {
        "outcome": spec["outcome"],
        "time": spec["time"],
        "intervention": _intervention_value(spec["intervention"], series, spec["kind"]),
        "seasonal": spec["seasonal_label"],
        "covariates": spec["covariates"],
        "family": family,
        "offset": spec["offset"],
        "slopes": series.time_unit,
        "n_periods": n,
        "n_pre": series.n_pre,
        "n_post": series.n_post,
        "first_period": series.times[treated].iloc[0],
        "last_period": series.times[treated].iloc[-1],
    }
    if controlled:
        design.update(
            unit=spec["unit"],
            treated_unit=spec["treated_unit"],
            control=list(spec["controls"]),
            n_units=1 + len(spec["controls"]),
        )
    what = "log rate ratio of the level change" if counts else "level change"
    what_ja = "水準の変化の対数率比" if counts else "水準の変化"
    if controlled:
        estimand = (
            f"Difference between the treated and comparison series in the {what} at the "
            "intervention (and in the change in slope)"
        )
        estimand_ja = f"介入時点での{what_ja}（および傾きの変化）の処置系列と比較系列の差"
    else:
        estimand = f"{what[0].upper()}{what[1:]} at the intervention (and change in slope)"
        estimand_ja = f"介入時点での{what_ja}（および傾きの変化）"
    return EstimateResult(
        method="its",
        title="Interrupted time series (segmented regression)"
        if not controlled
        else "Controlled interrupted time series (segmented regression)",
        estimand=estimand,
        table=table,
        headline=headline,
        n_obs=len(series.y),
        inference=inference,
        translations={
            "ja": {
                "estimand": estimand_ja,
                "inference": inference_ja,
                "assumption": ASSUMPTION_CONTROL_JA if controlled else ASSUMPTION_JA,
            }
        },
        conf_level=conf_level,
        design=design,
        diagnostics=diagnostics,
        provenance=dict(data.attrs.get("ebpm", {})),
        assumption=ASSUMPTION_CONTROL if controlled else ASSUMPTION,
        plotter=_plot_its,
    )


# --- steps: validate, prepare, fit, result ---------------------------------------------------
def _table(
    fit: Fit, design_x: pd.DataFrame, *, conf_level: float, counts: bool, k: int
) -> pd.DataFrame:
    """The coefficients, level and slope changes first, then the trend, the intercept and the
    rest in design order; for counts the rate ratios beside."""
    table = tidy_table(
        list(design_x.columns), fit.params, fit.bse, df=fit.df, conf_level=conf_level
    )
    if counts:
        table["rate_ratio"] = np.exp(table["estimate"])
        table["rr_conf_low"] = np.exp(table["conf_low"])
        table["rr_conf_high"] = np.exp(table["conf_high"])
    front = [term for pair in _policy_names(k) for term in pair] + ["pre_slope", "intercept"]
    front = [term for term in front if term in set(design_x.columns)]
    rest = [t for t in table["term"] if t not in front]
    return table.set_index("term").loc[front + rest].reset_index()


def _inference_words(
    family: str, fit: Fit, hac_lags: int | None, controlled: bool
) -> tuple[str, str]:
    """How the standard errors were computed, in English and Japanese."""
    if family == "gaussian":
        within = ", within each series" if controlled else ""
        within_ja = "、系列ごと" if controlled else ""
        df = int(fit.df or 0)
        return (
            f"Newey-West HAC (Bartlett kernel, {hac_lags} lag{'s' if hac_lags != 1 else ''}"
            f"{within}, small-sample n/(n-k)), t({df})",
            f"Newey-West HAC 標準誤差（Bartlett カーネル、ラグ {hac_lags}{within_ja}、"
            f"小標本補正 n/(n-k)）、t({df})",
        )
    if family == "quasipoisson":
        phi = fit.extra["dispersion"]
        return (
            f"quasi-Poisson: Poisson standard errors times sqrt of the Pearson dispersion "
            f"({phi:.3f}), normal intervals",
            f"準ポアソン：ポアソン標準誤差に Pearson 分散比（{phi:.3f}）の平方根を掛けたもの、"
            "正規近似の信頼区間",
        )
    if family == "poisson":
        return (
            "Poisson model-based standard errors, normal intervals",
            "ポアソンモデルに基づく標準誤差、正規近似の信頼区間",
        )
    alpha = fit.extra["alpha"]
    return (
        f"negative binomial (NB2, alpha {alpha:.4f}) maximum-likelihood standard errors, "
        "normal intervals",
        f"負の二項（NB2、alpha {alpha:.4f}）最尤法の標準誤差、正規近似の信頼区間",
    )


def _formula(spec: dict[str, Any], *, k: int) -> str:
    """The model in words, e.g. ``y ~ 1 + t + post + t_since + x``."""
    lhs = spec["outcome"]
    if spec["family"] in COUNT_FAMILIES:
        lhs = f"log E[{lhs}]"
        if spec["offset"]:
            lhs += f" - log({spec['offset']})"
    suffixes = [""] if k == 1 else [str(i) for i in range(1, k + 1)]
    slope = " + t_since{}" if spec["slope_change"] else ""
    segments = " + ".join(f"post{j}" + slope.format(j) for j in suffixes)
    text = f"{lhs} ~ 1 + t + {segments}"
    if spec["unit"] is not None:
        text += f" + z + z:t + z:({segments})"
    if spec["seasonal_label"]:
        text += f" + season({spec['seasonal_label']})"
    return text + "".join(f" + {c}" for c in spec["covariates"])


def _intervention_value(intervention: Any, series: _Series, kind: str) -> Any:
    """The intervention(s) for the design mapping: as given for numbers, else as compared."""
    several = isinstance(intervention, list | tuple | np.ndarray | pd.Index)
    if kind == "numeric":
        return list(intervention) if several else intervention
    return list(series.starts) if several else series.starts[0]


def _control_diagnostics(
    series: _Series, params: pd.Series, fitted_all: np.ndarray, spec: dict[str, Any]
) -> dict[str, Any]:
    """The comparison's mean observed and fitted series, and the treated series' own
    changes (the comparison's change plus the difference)."""
    rows = series.z == 0
    frame = pd.DataFrame(
        {"time": series.times[rows].to_numpy(), "y": series.y[rows], "fit": fitted_all[rows]}
    )
    means = frame.groupby("time", sort=True).mean()
    means.index.name = spec["time"]
    out: dict[str, Any] = {
        "control_observed": means["y"].rename(spec["outcome"]),
        "control_fitted": means["fit"].rename("fitted"),
        "control_units": list(spec["controls"]),
    }
    for level, slope in _policy_names(len(series.starts)):
        out[f"treated_{level}"] = float(params[level] + params[f"control_{level}"])
        if slope in params.index:
            out[f"treated_{slope}"] = float(params[slope] + params[f"control_{slope}"])
    return out


def _autocorrelation(resid: np.ndarray, *, n: int, seasonal: int | str | None) -> dict[str, Any]:
    """Durbin-Watson and Ljung-Box p-values at lags 1, 2, 4 and the seasonal period."""
    from statsmodels.stats.diagnostic import acorr_ljungbox
    from statsmodels.stats.stattools import durbin_watson

    lags = [lag for lag in (1, 2, 4) if lag < n // 2]
    if isinstance(seasonal, int) and seasonal not in lags and seasonal < n // 2:
        lags.append(int(seasonal))
    lb = acorr_ljungbox(resid, lags=lags)
    return {
        "durbin_watson": float(durbin_watson(resid)),
        "ljung_box_pvalue": {
            int(lag): float(p) for lag, p in zip(lags, lb["lb_pvalue"], strict=True)
        },
    }
