"""Synthetic difference-in-differences beyond one treated unit, by the synthdid package.

Several treated units adopting together (the block design of Arkhangelsky et al. 2021),
staggered adoption (each adoption cohort its own block against the never-treated units, the
cohort estimates averaged with weights proportional to treated unit-periods, as Stata's
``sdid`` and synthdid-py's ``staggered_synthdid_estimate`` do), time-varying covariates
(synthdid's residualisation: the outcome net of ``X beta``, with ``beta`` fitted jointly with the
weights) and the bootstrap, jackknife and placebo standard errors (Algorithms 2-4 of the paper).
synthdid is imported here and in ``synth._fit_sdid`` only.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Literal, get_args

import numpy as np
import pandas as pd

from ebpm.errors import DataError, EstimationError, InvalidOptionError, NoTreatedUnitsError
from ebpm.estimators._common import check_complete, check_numeric
from ebpm.estimators._synth_input import py_value

__all__ = [
    "SYNTH_SES",
    "SdidPanel",
    "SynthSE",
    "adoption_from_column",
    "covariate_array",
    "fit_sdid_panel",
    "sdid_panel",
]

SynthSE = Literal["placebo", "bootstrap", "jackknife"]
SYNTH_SES: tuple[SynthSE, ...] = get_args(SynthSE)

_SE_WORDS = {
    "placebo": "placebo (Algorithm 4 of Arkhangelsky et al. 2021: never-treated units relabelled "
    "as treated, {replications} draws, seed {seed})",
    "bootstrap": "bootstrap over units (Algorithm 2 of Arkhangelsky et al. 2021: units resampled "
    "with replacement and the weights refitted, {replications} draws, seed {seed})",
    "jackknife": "jackknife over units with the fitted weights held fixed (Algorithm 3 of "
    "Arkhangelsky et al. 2021)",
}
_SE_WORDS_JA = {
    "placebo": "プラセボ（Arkhangelsky et al. 2021 のアルゴリズム4：未処置単位を"
    "処置単位に置き換え、{replications} 回、シード {seed}）",
    "bootstrap": "単位のブートストラップ（Arkhangelsky et al. 2021 のアルゴリズム2："
    "単位を復元抽出しウェイトを再推定、{replications} 回、シード {seed}）",
    "jackknife": "推定ウェイトを固定した単位のジャックナイフ"
    "（Arkhangelsky et al. 2021 のアルゴリズム3）",
}


@dataclass(frozen=True)
class SdidPanel:
    """Outcomes (units x periods), never-treated units first, then by adoption period."""

    y: np.ndarray
    x: np.ndarray | None  # units x periods x covariates
    units: list[Any]
    times: pd.Index
    adoption: np.ndarray  # index of each unit's first treated period; -1 if never treated
    covariates: list[str]

    @property
    def n0(self) -> int:
        return int((self.adoption < 0).sum())

    @property
    def n_treated(self) -> int:
        return int((self.adoption >= 0).sum())

    @property
    def cohorts(self) -> np.ndarray:
        return np.unique(self.adoption[self.adoption >= 0])


# --- prepare ---------------------------------------------------------------------------------
def adoption_from_column(
    data: pd.DataFrame, *, treated: str, unit: str, time: str, units: pd.Index, times: pd.Index
) -> np.ndarray:
    """Each unit's first treated period (index into ``times``; -1 never) from a 0/1 column."""
    check_complete(data, treated, role="treated")
    values = check_numeric(data, treated, role="treated")
    bad = values[~values.isin([0.0, 1.0])]
    if len(bad):
        raise DataError(
            f"treated={treated!r} must be 0/1 (or True/False) marking treated unit-periods; it "
            f"holds {py_value(bad.iloc[0])!r} (row {py_value(bad.index[0])!r}). Build it, e.g. "
            "df['treated'] = (df.state.isin(['CA', 'NY'])) & (df.year >= 2011)"
        )
    w = (
        pd.DataFrame({"u": data[unit].to_numpy(), "t": data[time].to_numpy(), "w": values})
        .pivot(index="u", columns="t", values="w")
        .reindex(index=units, columns=times)
        .to_numpy(float)
    )
    first = np.where(w.any(axis=1), np.argmax(w > 0, axis=1), -1)
    for i, start in enumerate(first):
        if start >= 0 and not (w[i, start:] == 1).all():
            off = py_value(times[start + int(np.argmin(w[i, start:]))])
            raise DataError(
                f"treated={treated!r} switches off for {unit}={py_value(units[i])!r} in "
                f"{time}={off!r} "
                "after switching on; synthetic DiD needs absorbing treatment (once treated, "
                "always treated). Drop the unit or end its panel when treatment stops"
            )
        if start == 0:
            raise DataError(
                f"{unit}={py_value(units[i])!r} is treated from the first period "
                f"{py_value(times[0])!r}, so it has "
                "no pre-treatment period to fit weights on; drop it or start the panel earlier"
            )
    if (first < 0).all():
        raise NoTreatedUnitsError(
            f"treated={treated!r} is 0 everywhere: no unit is treated. Mark treated "
            "unit-periods with 1"
        )
    if (first < 0).sum() < 2:
        raise DataError(
            f"synthetic DiD needs at least two never-treated units as donors; treated={treated!r} "
            f"leaves {int((first < 0).sum())}. Keep more untreated units in the data"
        )
    return first


def covariate_array(
    data: pd.DataFrame,
    covariates: list[str],
    *,
    unit: str,
    time: str,
    units: pd.Index,
    times: pd.Index,
) -> np.ndarray | None:
    """Covariates as units x periods x covariates, in the order of ``units`` and ``times``."""
    if not covariates:
        return None
    blocks = []
    for col in covariates:
        values = check_numeric(data, col, role="covariates")
        check_complete(data.assign(**{col: values}), col, role="covariates")
        wide = pd.DataFrame({"u": data[unit].to_numpy(), "t": data[time].to_numpy(), "x": values})
        blocks.append(wide.pivot(index="u", columns="t", values="x").reindex(units, columns=times))
    return np.stack([b.to_numpy(float) for b in blocks], axis=2)


def sdid_panel(
    y: np.ndarray,
    *,
    units: pd.Index,
    times: pd.Index,
    adoption: np.ndarray,
    x: np.ndarray | None,
    covariates: list[str],
) -> SdidPanel:
    """Never-treated units first, then the treated ones by adoption period (stable)."""
    order = np.lexsort((np.arange(len(units)), adoption))
    return SdidPanel(
        y=np.ascontiguousarray(y[order]),
        x=None if x is None else np.ascontiguousarray(x[order]),
        units=[units[i] for i in order],
        times=times,
        adoption=adoption[order],
        covariates=covariates,
    )


def check_se(panel: SdidPanel, se: SynthSE, *, placebos: bool) -> None:
    """Bootstrap and jackknife need several treated units; the placebo more donors than
    treated units."""
    if not placebos:
        return
    n1, n0 = panel.n_treated, panel.n0
    if se in ("bootstrap", "jackknife") and n1 < 2:
        raise InvalidOptionError(
            f"se={se!r} needs at least two treated units, and the data have one "
            f"({py_value(panel.units[-1])!r}): resampling units cannot vary a treated group of one "
            "(Arkhangelsky et al. 2021, section 5). Use se='placebo' for one treated unit, or "
            "mark several treated units with treated= a 0/1 column"
        )
    if se == "placebo" and n0 <= n1:
        raise InvalidOptionError(
            f"se='placebo' relabels never-treated units as treated and needs more of them "
            f"({n0}) than treated units ({n1}). Use se='bootstrap' or se='jackknife'"
        )


# --- fit -------------------------------------------------------------------------------------
def fit_sdid_panel(
    panel: SdidPanel, *, se: SynthSE, replications: int, seed: int | None, placebos: bool
) -> dict[str, Any]:
    """ATT, standard error (NaN without ``placebos``), inference text and diagnostics."""
    check_se(panel, se, placebos=placebos)
    if len(panel.cohorts) == 1:
        out = _fit_block(panel, se=se, replications=replications, seed=seed, placebos=placebos)
    else:
        out = _fit_staggered(panel, se=se, replications=replications, seed=seed, placebos=placebos)
    if placebos and not math.isfinite(out["se"]):
        raise _not_finite(panel, se, out["se"])
    fmt = {"replications": replications, "seed": seed}
    out["inference"] = (
        f"{_SE_WORDS[se].format(**fmt)}; normal interval"
        if placebos
        else "none (placebos=False): no standard error or p-value"
    )
    out["inference_ja"] = (
        f"{_SE_WORDS_JA[se].format(**fmt)}、正規近似の信頼区間"
        if placebos
        else "なし（placebos=False）：標準誤差・p値なし"
    )
    return out


#: Why each standard error can come out NaN or infinite.
_NOT_FINITE_WHY = {
    "jackknife": "the jackknife is undefined when one donor carries all the unit weight or "
    "leaving a unit out leaves no donor to compare with",
    "bootstrap": "a resample of units gave no estimate",
    "placebo": "a placebo draw gave no estimate",
}


def _not_finite(panel: SdidPanel, se: SynthSE, value: float) -> EstimationError:
    """The error for a standard error that came out NaN or infinite, naming the methods the
    data allow instead (``check_se``'s rules) or, failing those, ``placebos=False``."""
    n1, n0 = panel.n_treated, panel.n0
    allowed = [
        m
        for m in ("placebo", "bootstrap", "jackknife")
        if m != se and ((m == "placebo" and n0 > n1) or (m != "placebo" and n1 >= 2))
    ]
    instead = " or ".join(f"se={m!r}" for m in allowed)
    fix = f"use {instead}, add donors" if allowed else "add donors"
    return EstimationError(
        f"the {se} standard error is {value} ({_NOT_FINITE_WHY[se]}; {n0} donors, {n1} "
        f"treated unit(s)); {fix}, or pass placebos=False to report the estimate without a "
        "standard error"
    )


def _block_se(est: Any, se: SynthSE, replications: int, seed: int | None) -> float:
    import synthdid

    if se == "bootstrap":
        return float(synthdid.bootstrap_se(est, replications, random_state=seed))
    if se == "jackknife":
        return float(synthdid.jackknife_se(est))
    return float(synthdid.placebo_se(est, replications, random_state=seed))


def _paths(panel: SdidPanel, est: Any, rows: np.ndarray, t0: int) -> dict[str, Any]:
    """Treated mean, its synthetic SDID path and the gap (outcomes net of ``X beta``)."""
    import synthdid

    weights = est.weights
    y = panel.y[rows][:, : est.setup.Y.shape[1]]
    if panel.x is not None:
        y = y - synthdid.contract3(panel.x[rows][:, : y.shape[1]], weights.beta)
    n0 = est.setup.N0
    treated = y[n0:].mean(axis=0)
    raw = np.asarray(weights.omega, float) @ y[:n0]
    synthetic = raw + float(np.asarray(weights.lambda_, float) @ (treated[:t0] - raw[:t0]))
    return {"treated": treated, "synthetic": synthetic, "gap": treated - synthetic}


def _fit_block(
    panel: SdidPanel, *, se: SynthSE, replications: int, seed: int | None, placebos: bool
) -> dict[str, Any]:
    """All treated units adopt in the same period: one synthdid block."""
    import synthdid

    t0, n0 = int(panel.cohorts[0]), panel.n0
    est = synthdid.synthdid_estimate(panel.y, n0, t0, X=panel.x)
    weights = est.weights  # type: ignore[attr-defined]  # set in __new__, named in __slots__
    times = panel.times
    paths = _paths(panel, est, np.arange(len(panel.units)), t0)
    n1 = panel.n_treated
    name = str(panel.units[-1]) if n1 == 1 else f"treated mean ({n1} units)"
    gap = paths["gap"]
    diagnostics: dict[str, Any] = {
        "weights": _unit_weights(panel.units[:n0], weights.omega),
        "time_weights": pd.Series(np.asarray(weights.lambda_, float), index=times[:t0]).rename(
            "time_weight"
        ),
        "gap": pd.Series(gap, index=times, name="gap"),
        "synthetic": pd.Series(paths["synthetic"], index=times, name="synthetic"),
        "treated": pd.Series(paths["treated"], index=times, name=name),
        "pre_rmspe": float(np.sqrt(np.mean(gap[:t0] ** 2))),
        "post_rmspe": float(np.sqrt(np.mean(gap[t0:] ** 2))),
        "treated_units": panel.units[n0:],
        "cohorts": _cohort_table([(times[t0], n1, n0, t0, len(times) - t0, float(est), 1.0)]),
    }
    if panel.covariates:
        diagnostics["covariate_coefficients"] = pd.Series(
            np.asarray(weights.beta, float), index=panel.covariates, name="coefficient"
        )
    value = _block_se(est, se, replications, seed) if placebos else math.nan
    return {"att": float(est), "se": value, "diagnostics": diagnostics, "staggered": False}


def _fit_staggered(
    panel: SdidPanel, *, se: SynthSE, replications: int, seed: int | None, placebos: bool
) -> dict[str, Any]:
    """Cohort-by-cohort blocks against the never-treated units, averaged by treated
    unit-periods (synthdid-py's ``staggered_synthdid_estimate``)."""
    import synthdid
    from synthdid.staggered import StaggeredPanel

    st_panel = StaggeredPanel(
        Y=panel.y,
        adoption=panel.adoption,
        units=np.asarray(panel.units, dtype=object),
        time=panel.times.to_numpy(),
        X=panel.x,
    )
    est = synthdid.staggered_synthdid_estimate(st_panel)
    by = est.by_cohort
    rows = [
        (r.adoption_time, r.n_treated, r.n_control, r.n_pre, r.n_post, r.tau, r.weight)
        for r in by.itertuples()
    ]
    fits: list[Any] = [est.estimates[key] for key in by["adoption_time"]]
    labels = [py_value(r[0]) for r in rows]
    n0 = panel.n0
    diagnostics: dict[str, Any] = {
        "cohorts": _cohort_table(rows),
        "weights": pd.DataFrame(
            {lab: np.asarray(f.weights.omega, float) for lab, f in zip(labels, fits, strict=True)},
            index=pd.Index(panel.units[:n0]),
        ),
        "time_weights": pd.DataFrame(
            {
                lab: pd.Series(
                    np.asarray(f.weights.lambda_, float), index=panel.times[: f.setup.T0]
                )
                for lab, f in zip(labels, fits, strict=True)
            }
        ).reindex(panel.times[: int(panel.cohorts.max())]),
        "treated_units": panel.units[n0:],
    }
    if panel.covariates:
        diagnostics["covariate_coefficients"] = pd.DataFrame(
            [np.asarray(f.weights.beta, float) for f in fits],
            index=pd.Index(labels, name="cohort"),
            columns=panel.covariates,
        )
    value = math.nan
    if placebos:
        value = (
            jackknife_staggered(panel, est)
            if se == "jackknife"
            else float(est.se(method=se, replications=replications, random_state=seed))
        )
    return {"att": float(est.att), "se": value, "diagnostics": diagnostics, "staggered": True}


def jackknife_staggered(panel: SdidPanel, est: Any) -> float:
    """Leave-one-unit-out jackknife of the staggered ATT, every cohort's weights (and covariate
    coefficients) held fixed: Algorithm 3 of Arkhangelsky et al. applied to the aggregate.

    synthdid-py's own staggered jackknife leaves ``X beta`` out of the outcome, so with
    covariates it is not the jackknife of this estimate; this one nets it out (and equals it
    without covariates).
    """
    import synthdid

    never = np.flatnonzero(panel.adoption < 0)
    blocks: list[tuple[Any, ...]] = []
    for cohort, fit in zip(panel.cohorts, est.estimates.values(), strict=True):
        rows = np.concatenate([never, np.flatnonzero(panel.adoption == cohort)])
        y = panel.y[rows][:, : fit.setup.Y.shape[1]]
        if panel.x is not None:
            y = y - synthdid.contract3(panel.x[rows][:, : y.shape[1]], fit.weights.beta)
        omega, lam = (np.asarray(v, float) for v in (fit.weights.omega, fit.weights.lambda_))
        blocks.append((rows, y, omega, lam))
    taus = np.array([_leave_out(blocks, len(never), i) for i in range(len(panel.units))])
    taus = taus[np.isfinite(taus)]
    m = taus.size
    return float(np.sqrt((m - 1) ** 2 / m * np.var(taus, ddof=1))) if m > 1 else math.nan


def _leave_out(blocks: list[tuple[Any, ...]], n0: int, i: int) -> float:
    """The aggregate ATT without unit ``i`` (row index), weights fixed and renormalised."""
    num = den = 0.0
    for rows, y, omega, lam in blocks:
        keep = rows != i
        kc, kt = keep[:n0], keep[n0:]
        if not kc.any() or not kt.any():
            continue
        total = omega[kc].sum()
        w = omega[kc] / total if total != 0 else np.full(int(kc.sum()), 1 / kc.sum())
        gap = y[n0:][kt].mean(axis=0) - w @ y[:n0][kc]
        t0 = lam.size
        weight = kt.sum() * (y.shape[1] - t0)
        num += weight * (gap[t0:].mean() - lam @ gap[:t0])
        den += weight
    return num / den if den else math.nan


def _unit_weights(units: list[Any], omega: Any) -> pd.Series:
    return (
        pd.Series(np.asarray(omega, float), index=pd.Index(units), name="weight")
        .sort_values(ascending=False, kind="stable")
        .round(12)
    )


def _cohort_table(rows: list[tuple[Any, ...]]) -> pd.DataFrame:
    table = pd.DataFrame(
        rows,
        columns=[
            "adoption_time",
            "n_treated",
            "n_control",
            "n_pre",
            "n_post",
            "estimate",
            "weight",
        ],
    )
    table["adoption_time"] = [py_value(v) for v in table["adoption_time"]]
    return table
