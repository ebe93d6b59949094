"""Synthetic control (Abadie, Diamond & Hainmueller) and synthetic difference-in-differences."""

from __future__ import annotations

import functools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal, get_args

import numpy as np
import pandas as pd

from ebpm._progress import progress
from ebpm.errors import (
    DataError,
    EstimationError,
    InvalidOptionError,
)
from ebpm.estimators._common import (
    check_columns,
    check_option,
    find_unit,
    require_frame,
)
from ebpm.estimators._synth_input import (
    pre_mask,
    py_value,
    validate_panel,
    wide_outcome,
)
from ebpm.estimators._synth_plot import plot_cohorts, plot_gaps, plot_paths
from ebpm.estimators._synth_predictors import (
    Predictors,
    PredictorSpec,
    check_v_options,
    parse_predictors,
    parse_v,
    predictor_values,
    standardise,
    validation_index,
)
from ebpm.estimators._synth_sdid import (
    SYNTH_SES,
    SynthSE,
    adoption_from_column,
    covariate_array,
    fit_sdid_panel,
    sdid_panel,
)
from ebpm.estimators._synth_weights import sc_weights, v_weights_fit
from ebpm.results import EstimateResult, tidy_table

__all__ = ["SynthMethod", "SynthSE", "plot_gaps", "synthetic_control"]

SynthMethod = Literal["sc", "sdid"]
SYNTH_METHODS: tuple[SynthMethod, ...] = get_args(SynthMethod)

_SC_ASSUMPTION = (
    "Without the policy, the treated unit's outcome would have followed the weighted average "
    "of donor units that reproduces its pre-treatment path (no donor affected by the policy "
    "or by a shock of its own)."
)
_SDID_ASSUMPTION = (
    "Without the policy, the treated unit's outcome would have moved in parallel with the "
    "unit-weighted donor average, over time-weighted pre-periods (no donor affected by the "
    "policy)."
)

_SC_ASSUMPTION_JA = (
    "政策がなければ、処置単位の結果変数は、処置前の推移を再現するドナー単位の加重平均に沿って"
    "推移していた（政策の影響もそれ自身のショックも受けたドナーはない）。"
)
_SDID_ASSUMPTION_JA = (
    "政策がなければ、処置単位の結果変数は、単位ウェイト付きのドナー平均と、時点ウェイト付きの"
    "処置前期間にわたって平行に推移していた（政策の影響を受けたドナーはない）。"
)


# --- fits ------------------------------------------------------------------------------------
def _fit_sc(
    y: np.ndarray,
    t0: int,
    x: np.ndarray | None = None,
    *,
    k: int = 0,
    v: np.ndarray | None = None,
    loss: Sequence[int] | None = None,
) -> list[dict[str, Any]]:
    """SC on a batch ``y`` (B x units x periods), the treated unit in the last row of each.

    ``x`` (B x K' x units), when given, holds standardised predictors: the first ``k`` rows
    are matched by the weights, the rest (training predictors) choose V. ``v`` fixes V;
    ``loss`` lists the pre-periods V's outcome MSPE is taken over (default: all before ``t0``).
    """
    y0, y1 = y[:, :-1, :], y[:, -1, :]
    fits: list[dict[str, Any]] = [{"v": None}] * y.shape[0]
    if x is None:
        w = sc_weights(np.transpose(y0[:, :, :t0], (0, 2, 1)), y1[:, :t0])
    else:
        idx = [i for i in (loss or []) if i < t0] or list(range(t0))
        fits = [  # one nested V search per panel: the placebos' are the slow part
            v_weights_fit(
                x[b, :k, :-1],
                x[b, :k, -1],
                y0[b][:, idx].T,
                y1[b, idx],
                v=v,
                training=(x[b, k:, :-1], x[b, k:, -1]) if x.shape[1] > k else None,
            )
            for b in progress(range(y.shape[0]), desc="synthetic control fits")
        ]
        w = np.array([f["weights"] for f in fits])
    synthetic = np.einsum("bj,bjt->bt", w, y0)
    gap = y1 - synthetic
    return [
        {
            "weights": w[b],
            "synthetic": synthetic[b],
            "gap": gap[b],
            "att": float(gap[b, t0:].mean()),
            **{key: fits[b][key] for key in ("v", "v_mspe", "starts") if key in fits[b]},
        }
        for b in range(y.shape[0])
    ]


def _fit_sdid(y: np.ndarray, t0: int, x: np.ndarray | None = None) -> list[dict[str, Any]]:
    """SDID by the synthdid package on each panel of the batch ``y`` (B x units x periods).

    ``x`` keeps the signature of ``_fit_sc`` (the placebo loops call either); SDID uses no
    predictors, and the options refuse predictors with ``method="sdid"``."""
    import synthdid

    out = []
    for yb in progress(y, total=len(y), desc="synthdid fits"):
        est = synthdid.synthdid_estimate(yb, yb.shape[0] - 1, t0)
        # synthdid sets .weights in SynthDIDEstimate.__new__ and names it only in __slots__, so
        # its type hints do not show the attribute
        weights = est.weights  # type: ignore[attr-defined]
        w = np.asarray(weights.omega, dtype=float)
        lam = np.asarray(weights.lambda_, dtype=float)
        raw = w @ yb[:-1]
        # SDID's synthetic path: the weighted donors shifted by the time-weighted pre-period gap,
        # so the post-period mean gap is the estimate.
        synthetic = raw + float(lam @ (yb[-1, :t0] - raw[:t0]))
        out.append(
            {
                "weights": w,
                "synthetic": synthetic,
                "gap": yb[-1] - synthetic,
                "att": float(est),
                "time_weights": lam,
                "v": None,
            }
        )
    return out


def _rmspe(gap: np.ndarray) -> float:
    return float(np.sqrt(np.mean(gap**2))) if gap.size else math.nan


# --- public ----------------------------------------------------------------------------------
def synthetic_control(
    data: pd.DataFrame,
    *,
    outcome: str,
    unit: str,
    time: str,
    treated_unit: Any = None,
    treatment_time: Any = None,
    treated: str | None = None,
    covariates: Sequence[str] | None = None,
    predictors: Sequence[PredictorSpec] | None = None,
    v: Sequence[float] | Mapping[str, float] | None = None,
    training_predictors: Sequence[PredictorSpec] | None = None,
    validation_periods: Any = None,
    method: SynthMethod = "sc",
    se: SynthSE = "placebo",
    replications: int = 200,
    seed: int | None = None,
    placebos: bool = True,
    conf_level: float = 0.95,
) -> EstimateResult:
    """Synthetic control for one treated unit (or synthetic difference-in-differences).

    ``method="sc"``: donor weights, non-negative and summing to one, make the weighted donors
    reproduce the treated unit's pre-treatment outcome path (Abadie, Diamond & Hainmueller
    2010); the weights are solved by Frank-Wolfe with an analytic gradient in milliseconds.
    With ``predictors``, the weights instead match pre-period means of those columns, weighted
    by V, and V is chosen to minimise the pre-period outcome MSPE (the nested ADH problem).
    ``method="sdid"``: synthetic difference-in-differences (Arkhangelsky et al. 2021) by the
    ``synthdid`` package: unit and time weights and a level shift. With ``treated`` (a 0/1
    column) SDID takes several treated units adopting together, or staggered adoption: each
    adoption cohort is its own block against the never-treated units and the cohort estimates
    are averaged with weights proportional to treated unit-periods (Arkhangelsky et al. 2021,
    appendix; Stata ``sdid``).

    Parameters
    ----------
    data : pandas.DataFrame
        A balanced panel, one row per unit and period. Not modified.
    outcome : str
        Column with the outcome.
    unit : str
        Column identifying units; every other unit is a donor.
    time : str
        Column identifying periods (sortable).
    treated_unit : object
        The value of ``unit`` that was treated (one treated unit; give ``treatment_time`` too).
    treatment_time : object
        First treated period; periods before it are the pre-period.
    treated : str, optional
        ``method="sdid"`` only, instead of ``treated_unit``/``treatment_time``: a 0/1 column
        marking treated unit-periods, absorbing (once 1, 1 after). Units never 1 are donors;
        units switching on in different periods make a staggered design.
    covariates : sequence of str, optional
        ``method="sdid"`` only: time-varying covariates; the outcome is taken net of
        ``X beta``, ``beta`` fitted jointly with the weights (synthdid's covariate
        adjustment). Without ``treated``, the placebo standard error is synthdid's random one.
    predictors : sequence of str or (str, periods), optional
        Predictors matched with V-weights (``"sc"`` only): a column name (its pre-period
        mean) or a pair (column, period or periods), its mean over those periods, e.g.
        ``[("beer", range(1984, 1989)), ("cigsale", 1975)]``. Periods may lie after
        ``treatment_time`` only if the policy cannot have moved them. V is searched from
        several starts (equal weights, Synth's regression start, four seeded random ones) for
        the lowest outcome MSPE over the pre-period. Default: match the outcome path.
    v : sequence of float or mapping of str to float, optional
        Predictor weights given by hand (one per predictor, or by predictor label as in
        ``diagnostics["predictor_weights"]``), scaled to sum to one; no search.
    training_predictors : sequence of str or (str, periods), optional
        Abadie, Diamond & Hainmueller's (2015) training window: V is chosen on these
        predictors (one per predictor, same order, measured earlier) and then weighs
        ``predictors`` for the donor weights.
    validation_periods : period or sequence of periods, optional
        Pre-treatment periods whose outcome MSPE V minimises (ADH 2015's validation window);
        default the whole pre-period.
    method : {"sc", "sdid"}, default "sc"
        Synthetic control or synthetic difference-in-differences.
    se : {"placebo", "bootstrap", "jackknife"}, default "placebo"
        ``method="sdid"``: the standard error (Algorithms 2-4 of Arkhangelsky et al. 2021).
        ``"bootstrap"`` resamples units and refits; ``"jackknife"`` leaves one unit out with
        the weights fixed; both need at least two treated units. ``"placebo"`` relabels
        donors as treated. With one treated unit and no covariates, the placebo runs over
        every donor in turn (below); otherwise it draws ``replications`` times.
    replications : int, default 200
        Bootstrap or placebo draws (``se="bootstrap"``, or the drawn placebo).
    seed : int, optional
        Seed of those draws: the same seed gives synthdid's own standard error.
    placebos : bool, default True
        Run the in-space placebo test (every donor in turn as the treated unit, the real
        treated unit dropped from its donor pool) and the in-time placebo. Without it there is
        no standard error or p-value.
    conf_level : float, default 0.95
        Confidence level of the interval.

    Returns
    -------
    EstimateResult
        Headline term ``ATT``: the average post-period gap between the treated unit and its
        synthetic control. ``diagnostics`` holds:

        - ``weights``: donor weights (Series by unit, largest first);
        - ``gap``, ``synthetic``, ``treated``: Series by period;
        - ``pre_rmspe``, ``post_rmspe``: root mean squared gap before and after treatment;
        - ``placebos``: DataFrame, one row per donor (``att``, ``pre_rmspe``, ``post_rmspe``,
          ``ratio``), and ``treated_rank``, the rank of the treated unit's post/pre RMSPE
          ratio among all units (1 = largest);
        - ``placebo_gaps``: DataFrame of placebo gaps (periods x donors);
        - ``p_value``: the rank p-value of the RMSPE ratio (Abadie et al. 2010);
        - ``in_time_placebo``: the estimate with a fake treatment date halfway through the
          pre-period (dict: ``treatment_time``, ``estimate``, ``pre_rmspe``, ``post_rmspe``);
        - ``pre_mspe``: mean squared pre-period gap;
        - ``time_weights`` (sdid only);
        - with ``treated``, ``covariates`` or ``se`` other than the placebo: ``cohorts``
          (adoption period, treated and control units, pre and post periods, estimate and
          weight of each cohort), ``treated_units`` and ``covariate_coefficients`` (beta);
          staggered designs give ``weights`` and ``time_weights`` as DataFrames, one column a
          cohort, and no paths; in-space placebos and the in-time placebo are not run;
        - with ``predictors``: ``predictor_weights`` (V, by predictor label), ``v_mspe`` (the
          loss V reached, over ``validation_periods`` with training predictors when given),
          ``v_starts`` (each start of the V search and its loss) and ``predictor_balance``
          (treated, synthetic and donor-mean value of each predictor, ADH 2010 Table 1).

    Raises
    ------
    ColumnNotFoundError
        A column named in a role is missing (the message suggests a close match).
    UnitNotFoundError
        ``treated_unit`` is not in the data (the message suggests a close match).
    NoPrePeriodError
        ``treatment_time`` leaves fewer than two pre-periods, or no post-period.
    DuplicateRowsError
        A unit has two rows for the same period.
    DataError
        The panel is unbalanced (the message names missing unit-periods), or fewer than two
        donors; a predictor option is malformed, lacks ``predictors``, names periods not in
        the data or has no value for a unit.
    NonNumericError
        The outcome or a predictor is not numeric.
    MissingValueError
        The outcome, unit or time has missing values.
    InvalidOptionError
        ``method`` or ``se`` is not one of the choices; an SDID option with ``"sc"``;
        ``treated`` together with ``treated_unit``; ``se="bootstrap"``/``"jackknife"`` with
        one treated unit; ``se="placebo"`` with no more donors than treated units.
    NoTreatedUnitsError
        ``treated`` is 0 everywhere.

    Notes
    -----
    The identifying assumption is that, absent the policy, the treated unit would have followed
    its synthetic control: a convex combination of untreated donors that reproduces its
    pre-treatment path. This needs a good pre-period fit, donors untouched by the policy, and
    the treated unit inside the convex hull of the donors.

    Inference is by permutation. The p-value is the rank of the treated unit's post/pre RMSPE
    ratio among all units' ratios (Abadie et al. 2010). The standard error is the standard
    deviation of the donors' placebo ATTs (Algorithm 4 of Arkhangelsky et al. 2021, enumerated
    over every donor), and the interval is the estimate plus or minus a normal quantile times it.

    The ``"sc"`` weights are the regularisation-free SC of Arkhangelsky et al. (2021), the
    ``sc_estimate`` of their synthdid package, and reproduce its Table 1 number for
    Proposition 99 (-19.6); the exact simplex least-squares minimiser gives -19.5 there.

    References
    ----------
    Abadie, A., Diamond, A. and Hainmueller, J. (2010). Synthetic control methods for
    comparative case studies. JASA 105(490), 493-505.
    Abadie, A., Diamond, A. and Hainmueller, J. (2015). Comparative politics and the synthetic
    control method. American Journal of Political Science 59(2), 495-510.
    Arkhangelsky, D., Athey, S., Hirshberg, D. A., Imbens, G. W. and Wager, S. (2021).
    Synthetic difference-in-differences. American Economic Review 111(12), 4088-4118.
    """
    data = require_frame(data, func="synthetic_control")
    method = check_option("method", method, SYNTH_METHODS)
    se = check_option("se", se, SYNTH_SES)
    if not 0 < conf_level < 1:
        raise DataError(f"conf_level={conf_level!r} must be between 0 and 1, e.g. 0.95")
    covariates = _check_sdid_options(
        method, treated, treated_unit, treatment_time, covariates, se, replications
    )
    spec = parse_predictors(predictors, role="predictors")
    training = parse_predictors(training_predictors, role="training_predictors")
    check_v_options(spec, training, v=v, validation_periods=validation_periods, method=method)
    roles = {"outcome": outcome, "unit": unit, "time": time}
    if method == "sdid" and (treated is not None or covariates or se != "placebo"):
        return _sdid(
            data,
            roles,
            treated=treated,
            treated_unit=treated_unit,
            treatment_time=treatment_time,
            covariates=covariates,
            options={"se": se, "replications": replications, "seed": seed, "placebos": placebos},
            conf_level=conf_level,
        )
    y_values = validate_panel(
        data, **roles, predictors=list(dict.fromkeys(spec.columns + training.columns))
    )
    panel = _prepare(
        data, y_values, **roles, treated_unit=treated_unit, treatment_time=treatment_time
    )
    x, raw = _predictor_matrix(data, spec, training, panel, unit=unit, time=time)
    loss = (
        None
        if validation_periods is None
        else validation_index(validation_periods, panel.times, panel.t0, time=time)
    )
    fixed_v = None if v is None else parse_v(v, spec.labels)
    fit: Any = _fit_sdid
    if method == "sc":
        fit = functools.partial(_fit_sc, k=len(spec.labels), v=fixed_v, loss=loss)
    main = fit(panel.y[None], panel.t0, None if x is None else x[None])[0]
    diagnostics = _diagnostics(main, panel, unit=unit, method=method, labels=spec.labels, raw=raw)
    std_error = p_value = math.nan
    inference = "none (placebos=False): no standard error or p-value"
    inference_ja = "なし（placebos=False）：標準誤差・p値なし"
    if placebos:
        std_error, p_value, inference, extra = _placebos(panel, main, fit, x, unit=unit)
        n_donors, rank = len(extra["placebos"]), extra["treated_rank"]
        inference_ja = (
            f"ドナー {n_donors} 単位でのプラセボ並べ替え：p値は処置後/処置前 RMSPE 比の順位"
            f"（{n_donors + 1} 単位中 {rank} 位）、標準誤差はドナーのプラセボ ATT の標準偏差、"
            "正規近似の信頼区間"
        )
        diagnostics.update(extra)
    att = main["att"]
    if not math.isfinite(att):
        raise EstimationError(  # pragma: no cover - defensive
            "the synthetic control estimate is not finite; check the outcome for extreme values"
        )
    design = {
        **roles,
        "treated_unit": panel.treated,
        "treatment_time": treatment_time,
        "predictors": spec.labels,
        "training_predictors": training.labels,
        "validation_periods": None if loss is None else [py_value(panel.times[i]) for i in loss],
        "v_given": v is not None,
        "method": method,
        "n_units": len(panel.units),
        "n_donors": len(panel.donors),
        "n_periods": len(panel.times),
        "n_pre_periods": panel.t0,
        "n_post_periods": len(panel.times) - panel.t0,
        "first_period": py_value(panel.times[0]),
        "last_period": py_value(panel.times[-1]),
    }
    return _result(
        data,
        _table(att, std_error, p_value, conf_level=conf_level),
        method=method,
        n_obs=int(panel.y.size),
        inference=(inference, inference_ja),
        conf_level=conf_level,
        design=design,
        diagnostics=diagnostics,
        plotter=plot_paths,
    )


def _check_sdid_options(
    method: SynthMethod,
    treated: str | None,
    treated_unit: Any,
    treatment_time: Any,
    covariates: Sequence[str] | None,
    se: SynthSE,
    replications: int,
) -> list[str]:
    """The treated roles given one way, and SDID's options only with ``method="sdid"``."""
    covariates = [covariates] if isinstance(covariates, str) else list(covariates or [])
    if treated is not None and (treated_unit is not None or treatment_time is not None):
        raise InvalidOptionError(
            f"give either treated={treated!r} (a 0/1 column) or treated_unit and "
            "treatment_time (one treated unit), not both"
        )
    if treated is None and (treated_unit is None or treatment_time is None):
        raise InvalidOptionError(
            "synthetic_control() needs treated_unit and treatment_time (one treated unit), or, "
            "with method='sdid', treated= a 0/1 column marking treated unit-periods"
        )
    given = {
        "treated": treated is not None,
        "covariates": bool(covariates),
        "se": se != "placebo",
    }
    if method == "sc" and any(given.values()):
        names = ", ".join(k for k, v in given.items() if v)
        raise InvalidOptionError(
            f"{names} apply to synthetic difference-in-differences only; pass method='sdid' "
            "(method='sc' takes one treated_unit and the placebo test)"
        )
    if isinstance(replications, bool) or not isinstance(replications, int) or replications < 2:
        raise InvalidOptionError(
            f"replications={replications!r} must be a whole number of draws, at least 2, e.g. 200"
        )
    return covariates


def _sdid(
    data: pd.DataFrame,
    roles: dict[str, str],
    *,
    treated: str | None,
    treated_unit: Any,
    treatment_time: Any,
    covariates: list[str],
    options: dict[str, Any],
    conf_level: float,
) -> EstimateResult:
    """SDID with several treated units, staggered adoption, covariates or resampled errors."""
    unit, time = roles["unit"], roles["time"]
    check_columns(data, {"treated": treated, "covariates": covariates})
    y_values = validate_panel(data, **roles, predictors=[])
    wide = wide_outcome(data, **roles, values=y_values.to_numpy())
    units, times = wide.index, wide.columns
    if treated is None:
        found = find_unit(units, treated_unit, role="treated_unit", unit=unit)
        adoption = np.where(units == found, int(pre_mask(times, treatment_time, time).sum()), -1)
    else:
        adoption = adoption_from_column(
            data, treated=treated, unit=unit, time=time, units=units, times=times
        )
    x = covariate_array(data, covariates, unit=unit, time=time, units=units, times=times)
    panel = sdid_panel(
        wide.to_numpy(float), units=units, times=times, adoption=adoption, x=x,
        covariates=covariates,
    )  # fmt: skip
    fit = fit_sdid_panel(panel, **options)
    cohorts = fit["diagnostics"]["cohorts"]
    n1 = panel.n_treated
    design = {
        **roles,
        "treated": treated,
        "treated_unit": py_value(panel.units[-1]) if n1 == 1 else None,
        "treatment_time": None if fit["staggered"] else cohorts["adoption_time"].iloc[0],
        "covariates": covariates,
        "method": "sdid",
        "se": options["se"],
        "replications": options["replications"],
        "seed": options["seed"],
        "staggered": fit["staggered"],
        "adoption_times": list(cohorts["adoption_time"]),
        "n_units": len(units),
        "n_treated": n1,
        "n_donors": panel.n0,
        "n_periods": len(times),
        "first_period": py_value(times[0]),
        "last_period": py_value(times[-1]),
    }
    return _result(
        data,
        tidy_table(["ATT"], [fit["att"]], [fit["se"]], conf_level=conf_level),
        method="sdid",
        n_obs=int(panel.y.size),
        inference=(fit["inference"], fit["inference_ja"]),
        conf_level=conf_level,
        design=design,
        diagnostics=fit["diagnostics"],
        plotter=plot_cohorts if fit["staggered"] else plot_paths,
    )


def _result(
    data: pd.DataFrame,
    table: pd.DataFrame,
    *,
    method: SynthMethod,
    n_obs: int,
    inference: tuple[str, str],
    conf_level: float,
    design: dict[str, Any],
    diagnostics: dict[str, Any],
    plotter: Any,
) -> EstimateResult:
    return EstimateResult(
        method="synthetic_control" if method == "sc" else "synthdid",
        title=(
            "Synthetic control"
            if method == "sc"
            else "Synthetic difference-in-differences (Arkhangelsky et al. 2021)"
        ),
        estimand="ATT",
        table=table,
        headline="ATT",
        n_obs=n_obs,
        inference=inference[0],
        conf_level=conf_level,
        design=design,
        diagnostics=diagnostics,
        provenance=dict(data.attrs.get("ebpm", {})),
        assumption=_SC_ASSUMPTION if method == "sc" else _SDID_ASSUMPTION,
        translations={
            "ja": {
                "estimand": "処置単位の平均処置効果（ATT）",
                "inference": inference[1],
                "assumption": _SC_ASSUMPTION_JA if method == "sc" else _SDID_ASSUMPTION_JA,
            }
        },
        plotter=plotter,
    )


# --- steps: validate, prepare, fit, result ---------------------------------------------------
@dataclass(frozen=True)
class _Panel:
    """The outcome as a units x periods matrix, donors first and the treated unit last."""

    y: np.ndarray
    units: pd.Index
    donors: list[Any]
    treated: Any
    times: pd.Index
    pre: np.ndarray  # periods before treatment
    t0: int  # how many


def _prepare(
    data: pd.DataFrame,
    y_values: pd.Series,
    *,
    outcome: str,
    unit: str,
    time: str,
    treated_unit: Any,
    treatment_time: Any,
) -> _Panel:
    """The balanced outcome matrix, the treated unit found, the pre-period and the donors."""
    wide = wide_outcome(data, outcome=outcome, unit=unit, time=time, values=y_values.to_numpy())
    units, times = wide.index, wide.columns
    treated = find_unit(units, treated_unit, role="treated_unit", unit=unit)
    pre = pre_mask(times, treatment_time, time)
    t0 = int(pre.sum())
    if not pre[:t0].all():
        raise DataError(f"{time}={time!r} must sort with the pre-period first")  # pragma: no cover
    donors = [u for u in units if u != treated]
    if len(donors) < 2:
        raise DataError(
            f"synthetic control needs at least two donor units besides {treated!r}; the data "
            f"have {len(donors)}"
        )
    y = wide.loc[[*donors, treated]].to_numpy(float)
    return _Panel(y=y, units=units, donors=donors, treated=treated, times=times, pre=pre, t0=t0)


def _predictor_matrix(
    data: pd.DataFrame,
    spec: Predictors,
    training: Predictors,
    panel: _Panel,
    *,
    unit: str,
    time: str,
) -> tuple[np.ndarray | None, pd.DataFrame | None]:
    """Standardised predictors, K x units (donors first), training rows stacked below; and
    the raw predictor values (K x units) for the balance table."""
    if not spec.labels:
        return None, None
    units = [*panel.donors, panel.treated]
    where = {
        "units": units,
        "pre_times": panel.times[panel.pre],
        "all_times": panel.times,
        "unit": unit,
        "time": time,
    }
    raw = predictor_values(data, spec, role="predictors", **where)
    blocks = [standardise(raw)]
    if training.labels:
        blocks.append(
            standardise(predictor_values(data, training, role="training_predictors", **where))
        )
    return np.vstack(blocks), raw


def _diagnostics(
    main: dict[str, Any],
    panel: _Panel,
    *,
    unit: str,
    method: SynthMethod,
    labels: list[str],
    raw: pd.DataFrame | None,
) -> dict[str, Any]:
    """The main fit's weights, paths and fit before and after treatment."""
    gap, times, t0 = main["gap"], panel.times, panel.t0
    diagnostics: dict[str, Any] = {
        "weights": pd.Series(
            main["weights"], index=pd.Index(panel.donors, name=unit), name="weight"
        )
        .sort_values(ascending=False, kind="stable")
        .round(12),
        "gap": pd.Series(gap, index=times, name="gap"),
        "synthetic": pd.Series(main["synthetic"], index=times, name="synthetic"),
        "treated": pd.Series(panel.y[-1], index=times, name=str(panel.treated)),
        "pre_rmspe": _rmspe(gap[:t0]),
        "post_rmspe": _rmspe(gap[t0:]),
        "pre_mspe": float(np.mean(gap[:t0] ** 2)),
    }
    if method == "sdid":
        diagnostics["time_weights"] = pd.Series(
            main["time_weights"], index=times[:t0], name="time_weight"
        )
    if main["v"] is not None and raw is not None:
        diagnostics["predictor_weights"] = pd.Series(main["v"], index=labels, name="v")
        diagnostics["v_mspe"] = main["v_mspe"]
        diagnostics["v_starts"] = pd.DataFrame(main["starts"], columns=["start", "mspe"])
        values = raw.to_numpy(float)
        diagnostics["predictor_balance"] = pd.DataFrame(
            {
                "treated": values[:, -1],
                "synthetic": values[:, :-1] @ main["weights"],
                "donor_mean": values[:, :-1].mean(axis=1),
            },
            index=pd.Index(labels, name="predictor"),
        )
    return diagnostics


def _placebos(
    panel: _Panel, main: dict[str, Any], fit: Any, x: np.ndarray | None, *, unit: str
) -> tuple[float, float, str, dict[str, Any]]:
    """In-space placebos (each donor treated in turn, the treated unit out of its pool) and
    the in-time placebo: standard error, rank p-value, the inference line and diagnostics."""
    y, t0, donors = panel.y, panel.t0, panel.donors
    pre_rmspe, post_rmspe = _rmspe(main["gap"][:t0]), _rmspe(main["gap"][t0:])
    ratio = post_rmspe / pre_rmspe if pre_rmspe > 0 else math.inf
    rows_out, gaps = [], {}
    n_d = len(donors)
    orders = np.array([[i for i in range(n_d) if i != k] + [k] for k in range(n_d)])
    fits = fit(y[orders], t0, None if x is None else x[:, orders].transpose(1, 0, 2))
    for donor, pk in zip(donors, fits, strict=True):
        g = pk["gap"]
        pr, po = _rmspe(g[:t0]), _rmspe(g[t0:])
        rows_out.append(
            {
                unit: donor,
                "att": pk["att"],
                "pre_rmspe": pr,
                "post_rmspe": po,
                "ratio": po / pr if pr > 0 else math.inf,
            }
        )
        gaps[donor] = g
    table_p = pd.DataFrame(rows_out).sort_values("ratio", ascending=False, kind="stable")
    table_p = table_p.reset_index(drop=True)
    rank = 1 + int((table_p["ratio"] > ratio).sum())
    p_value = rank / (len(donors) + 1)
    se = float(np.std(table_p["att"].to_numpy(float), ddof=0))
    inference = (
        f"placebo permutation over {len(donors)} donors: p-value = rank of the post/pre RMSPE "
        f"ratio ({rank} of {len(donors) + 1}); std. error = SD of the donors' placebo ATTs; "
        "normal interval"
    )
    return (
        se,
        p_value,
        inference,
        {
            "placebos": table_p,
            "placebo_gaps": pd.DataFrame(gaps, index=panel.times),
            "treated_rank": rank,
            "ratio": ratio,
            "p_value": p_value,
            "in_time_placebo": _in_time_placebo(y, t0, panel.times, fit, x),
        },
    )


def _table(att: float, se: float, p_value: float, *, conf_level: float) -> pd.DataFrame:
    """The one ATT row, with a normal interval from the placebo standard error."""
    from scipy import stats

    z = stats.norm.ppf(0.5 + conf_level / 2)
    return pd.DataFrame(
        {
            "term": ["ATT"],
            "estimate": [att],
            "std_error": [se],
            "statistic": [att / se if se and math.isfinite(se) else math.nan],
            "p_value": [p_value],
            "conf_low": [att - z * se],
            "conf_high": [att + z * se],
        }
    )


def _in_time_placebo(
    y: np.ndarray, t0: int, times: pd.Index, fit: Any, x: np.ndarray | None
) -> dict[str, Any]:
    fake = t0 // 2
    if fake < 2:
        return {"treatment_time": None, "estimate": math.nan, "pre_rmspe": math.nan}
    out = fit(y[None, :, :t0], fake, None if x is None else x[None])[0]
    g = out["gap"]
    return {
        "treatment_time": py_value(times[fake]),
        "estimate": out["att"],
        "pre_rmspe": _rmspe(g[:fake]),
        "post_rmspe": _rmspe(g[fake:]),
    }
