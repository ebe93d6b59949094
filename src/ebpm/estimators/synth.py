"""Synthetic control (Abadie, Diamond & Hainmueller) and synthetic difference-in-differences."""

from __future__ import annotations

import functools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal, get_args

import numpy as np
import pandas as pd

from ebpm._lang import FIGURES, current_lang, words
from ebpm._progress import progress
from ebpm.errors import (
    DataError,
    EstimationError,
    NoPrePeriodError,
    UnitNotFoundError,
    did_you_mean,
)
from ebpm.estimators._common import (
    check_columns,
    check_complete,
    check_numeric,
    check_option,
    check_unique_panel,
    require_frame,
)
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
from ebpm.estimators._synth_weights import sc_weights, v_weights_fit
from ebpm.results import EstimateResult

__all__ = ["SynthMethod", "plot_gaps", "synthetic_control"]

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
    """SDID by the synthdid package on each panel of the batch ``y`` (B x units x periods)."""
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


# --- input handling --------------------------------------------------------------------------
def _find_unit(units: pd.Index, treated_unit: Any, unit: str) -> Any:
    if treated_unit in set(units):
        return treated_unit
    as_text = {str(u): u for u in units}
    if str(treated_unit) in as_text:
        return as_text[str(treated_unit)]
    raise UnitNotFoundError(
        f"treated_unit={treated_unit!r} is not a value of {unit}={unit!r}."
        f"{did_you_mean(str(treated_unit), as_text)} Units are: "
        f"{', '.join(list(as_text)[:10])}{' ...' if len(as_text) > 10 else ''}."
    )


def _py(value: Any) -> Any:
    """A numpy scalar as the plain Python value (for messages and JSON)."""
    return value.item() if isinstance(value, np.generic) else value


def _pre_mask(times: pd.Index, treatment_time: Any, time: str) -> np.ndarray:
    first, last = _py(times[0]), _py(times[-1])
    second = _py(times[1]) if len(times) > 1 else first
    values = times
    tt = treatment_time
    try:
        if isinstance(values.dtype, pd.DatetimeTZDtype) or pd.api.types.is_datetime64_dtype(
            values.dtype
        ):
            tt = pd.Timestamp(treatment_time)
            tz = getattr(values, "tz", None)
            if tz is not None and tt.tzinfo is None:
                tt = tt.tz_localize(tz)
        elif isinstance(values.dtype, pd.PeriodDtype):
            tt = pd.Period(treatment_time, freq=values.dtype.freq)
        elif not pd.api.types.is_numeric_dtype(values.dtype):
            tt = str(treatment_time)
            values = values.astype(str)
        pre = np.asarray(values < tt, dtype=bool)
    except (TypeError, ValueError) as err:
        raise DataError(
            f"treatment_time={treatment_time!r} cannot be compared with {time}={time!r} values "
            f"such as {first!r}; pass it in the same type"
        ) from err
    if not pre.any():
        raise NoPrePeriodError(
            f"treatment_time={treatment_time!r} leaves no period before treatment: {time} starts "
            f"at {first!r}. Synthetic control fits weights on pre-treatment periods; choose a "
            f"treatment_time after {first!r}"
        )
    if pre.all():
        raise NoPrePeriodError(
            f"treatment_time={treatment_time!r} is after the last period {last!r} of "
            f"{time}: there is no post-treatment period to estimate an effect on. Choose a "
            f"treatment_time between {second!r} and "
            f"{last!r}"
        )
    if pre.sum() < 2:
        raise NoPrePeriodError(
            f"treatment_time={treatment_time!r} leaves one pre-treatment period ({first!r}); "
            "synthetic control needs at least two to fit donor weights"
        )
    return pre


def _wide(
    frame: pd.DataFrame, *, outcome: str, unit: str, time: str, values: pd.Series
) -> pd.DataFrame:
    wide = (
        pd.DataFrame({"u": frame[unit].to_numpy(), "t": frame[time].to_numpy(), "y": values})
        .pivot(index="u", columns="t", values="y")
        .sort_index(axis=0)
        .sort_index(axis=1)
    )
    missing = wide.isna()
    if missing.to_numpy().any():
        pairs = missing.stack()
        pairs = pairs[pairs].index.tolist()
        shown = ", ".join(f"({_py(u)!r}, {_py(t)!r})" for u, t in pairs[:5])
        raise DataError(
            f"the panel is unbalanced: {len(pairs)} {unit}-{time} pair(s) have no row, e.g. "
            f"{shown}{' ...' if len(pairs) > 5 else ''}. Synthetic control needs every unit in "
            "every period: fill the gaps or drop those units or periods"
        )
    return wide


# --- public ----------------------------------------------------------------------------------
def synthetic_control(
    data: pd.DataFrame,
    *,
    outcome: str,
    unit: str,
    time: str,
    treated_unit: Any,
    treatment_time: Any,
    predictors: Sequence[PredictorSpec] | None = None,
    v: Sequence[float] | Mapping[str, float] | None = None,
    training_predictors: Sequence[PredictorSpec] | None = None,
    validation_periods: Any = None,
    method: SynthMethod = "sc",
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
    ``synthdid`` package: unit and time weights and a level shift.

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
        The value of ``unit`` that was treated.
    treatment_time : object
        First treated period; periods before it are the pre-period.
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
        ``method`` is not one of the choices.

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
    if not 0 < conf_level < 1:
        raise DataError(f"conf_level={conf_level!r} must be between 0 and 1, e.g. 0.95")
    spec = parse_predictors(predictors, role="predictors")
    training = parse_predictors(training_predictors, role="training_predictors")
    check_v_options(spec, training, v=v, validation_periods=validation_periods, method=method)
    y_values = _validate(
        data,
        outcome=outcome,
        unit=unit,
        time=time,
        predictors=list(dict.fromkeys(spec.columns + training.columns)),
    )
    panel = _prepare(
        data,
        y_values,
        outcome=outcome,
        unit=unit,
        time=time,
        treated_unit=treated_unit,
        treatment_time=treatment_time,
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
    se = p_value = math.nan
    inference = "none (placebos=False): no standard error or p-value"
    inference_ja = "なし（placebos=False）：標準誤差・p値なし"
    if placebos:
        se, p_value, inference, extra = _placebos(panel, main, fit, x, unit=unit)
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
    return EstimateResult(
        method="synthetic_control" if method == "sc" else "synthdid",
        title=(
            "Synthetic control"
            if method == "sc"
            else "Synthetic difference-in-differences (Arkhangelsky et al. 2021)"
        ),
        estimand="ATT",
        table=_table(att, se, p_value, conf_level=conf_level),
        headline="ATT",
        n_obs=int(panel.y.size),
        inference=inference,
        conf_level=conf_level,
        design={
            "outcome": outcome,
            "unit": unit,
            "time": time,
            "treated_unit": panel.treated,
            "treatment_time": treatment_time,
            "predictors": spec.labels,
            "training_predictors": training.labels,
            "validation_periods": None if loss is None else [_py(panel.times[i]) for i in loss],
            "v_given": v is not None,
            "method": method,
            "n_units": len(panel.units),
            "n_donors": len(panel.donors),
            "n_periods": len(panel.times),
            "n_pre_periods": panel.t0,
            "n_post_periods": len(panel.times) - panel.t0,
            "first_period": _py(panel.times[0]),
            "last_period": _py(panel.times[-1]),
        },
        diagnostics=diagnostics,
        provenance=dict(data.attrs.get("ebpm", {})),
        assumption=_SC_ASSUMPTION if method == "sc" else _SDID_ASSUMPTION,
        translations={
            "ja": {
                "estimand": "処置単位の平均処置効果（ATT）",
                "inference": inference_ja,
                "assumption": _SC_ASSUMPTION_JA if method == "sc" else _SDID_ASSUMPTION_JA,
            }
        },
        plotter=_plot_paths,
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


def _validate(
    data: pd.DataFrame, *, outcome: str, unit: str, time: str, predictors: list[str]
) -> pd.Series:
    """Check the columns and the panel's keys; return the outcome as numbers."""
    check_columns(data, {"outcome": outcome, "unit": unit, "time": time, "predictors": predictors})
    for col, role in ((unit, "unit"), (time, "time")):
        check_complete(data, col, role=role)
    y_values = check_numeric(data, outcome, role="outcome")
    check_complete(data.assign(**{outcome: y_values}), outcome, role="outcome")
    check_unique_panel(data, unit=unit, time=time)
    return y_values


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
    wide = _wide(data, outcome=outcome, unit=unit, time=time, values=y_values.to_numpy())
    units, times = wide.index, wide.columns
    treated = _find_unit(units, treated_unit, unit)
    pre = _pre_mask(times, treatment_time, time)
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
        "treatment_time": _py(times[fake]),
        "estimate": out["att"],
        "pre_rmspe": _rmspe(g[:fake]),
        "post_rmspe": _rmspe(g[fake:]),
    }


# --- figures ---------------------------------------------------------------------------------
def _treatment_line(result: EstimateResult, ax: Any) -> None:
    times = result.diagnostics["gap"].index
    tt = result.design["treatment_time"]
    pos = times.get_indexer([tt])[0] if tt in set(times) else None
    x = tt if pos is None or pos >= 0 else None
    if x is not None and pd.api.types.is_numeric_dtype(times.dtype):
        ax.axvline(x, color="0.4", lw=0.8, ls="--")
        ax.annotate(
            f"{result.design['treatment_time']}",
            (x, 1),
            xycoords=("data", "axes fraction"),
            fontsize=8,
            color="0.3",
            xytext=(3, -10),
            textcoords="offset points",
        )


def _plot_paths(result: EstimateResult, ax: Any, lang: str = "en") -> Any:
    """Treated unit vs its synthetic control, treatment time marked."""
    w = words(FIGURES, lang)
    d = result.diagnostics
    ax.plot(
        d["treated"].index,
        d["treated"].to_numpy(),
        color="#000000",
        lw=1.8,
        label=str(result.design["treated_unit"]),
    )
    label = w["synthetic_sc"] if result.design["method"] == "sc" else w["synthetic_sdid"]
    ax.plot(
        d["synthetic"].index,
        d["synthetic"].to_numpy(),
        color="#D55E00",
        lw=1.8,
        ls="--",
        label=label,
    )
    _treatment_line(result, ax)
    ax.set_xlabel(str(result.design["time"]))
    ax.set_ylabel(str(result.design["outcome"]))
    ax.set_title(w["sc_title"].format(title=result.title_in(lang), att=f"{result.estimate:.2f}"))
    ax.legend(frameon=False)
    return ax


def plot_gaps(
    result: EstimateResult,
    ax: Any = None,
    *,
    max_ratio_pre: float | None = 5.0,
    lang: str | None = None,
) -> Any:
    """Gap (treated minus synthetic) of the treated unit over the donors' placebo gaps in grey.

    Placebos whose pre-period RMSPE exceeds ``max_ratio_pre`` times the treated unit's are left
    out, as in Abadie et al. (2010, fig. 5-7); ``None`` keeps all. Words in ``lang`` (default:
    the report's, :func:`ebpm.report.language`). Returns the Axes.
    """
    from ebpm.plotting import get_ax

    w = words(FIGURES, current_lang(lang))
    ax = get_ax(ax)
    d = result.diagnostics
    n_shown = 0
    if "placebo_gaps" in d:
        gaps = d["placebo_gaps"]
        pre = d["placebos"].set_index(result.design["unit"])["pre_rmspe"]
        for donor in gaps.columns:
            if max_ratio_pre is not None and pre[donor] > max_ratio_pre * d["pre_rmspe"]:
                continue
            ax.plot(gaps.index, gaps[donor].to_numpy(), color="0.75", lw=0.8)
            n_shown += 1
    ax.plot(
        d["gap"].index,
        d["gap"].to_numpy(),
        color="#000000",
        lw=2,
        label=f"{result.design['treated_unit']}",
    )
    if n_shown:
        ax.plot([], [], color="0.75", lw=0.8, label=w["placebos"].format(n=n_shown))
    ax.axhline(0, color="0.4", lw=0.8)
    _treatment_line(result, ax)
    ax.set_xlabel(str(result.design["time"]))
    ax.set_ylabel(w["gap"].format(outcome=result.design["outcome"]))
    ax.legend(frameon=False)
    return ax
