"""The result of :func:`ebpm.estimators.staggered.staggered_did`: standard errors, bands, the
pre-trend test, tables, words and diagnostics, from moderndid's fit."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike
from scipy import stats

from ebpm.estimators._staggered_inference import cluster_sums, standard_errors
from ebpm.estimators._staggered_plot import plot as _plot
from ebpm.estimators._staggered_prepare import back, fmt
from ebpm.results import EstimateResult
from ebpm.trust.power import pretrend_power

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


def _pretrend(
    att: np.ndarray,
    influence: np.ndarray,
    pre: np.ndarray,
    cluster_codes: np.ndarray | None,
    *,
    steps: np.ndarray,
) -> dict[str, Any]:
    """Wald test that every pre-treatment ATT(g,t) is zero, from the influence functions, with
    its power against a linear pre-trend (Roth 2022). ``steps``: periods between each cell and
    its base period (see :func:`_steps`)."""
    from scipy import stats

    keep = pre & np.isfinite(att)
    k = int(keep.sum())
    blind = {"power_slope_50": float("nan"), "power_slope_80": float("nan"), "power_test": "wald"}
    if k == 0:
        return {"statistic": float("nan"), "df": 0, "p_value": float("nan"), **blind}
    n = influence.shape[0]
    psi = influence[:, keep]
    if cluster_codes is not None:
        psi = np.vstack([np.bincount(cluster_codes, weights=psi[:, j]) for j in range(k)]).T
    vcov = psi.T @ psi / n**2
    a = att[keep]
    try:
        statistic = float(a @ np.linalg.solve(vcov, a))
    except np.linalg.LinAlgError:
        return {"statistic": float("nan"), "df": k, "p_value": float("nan"), **blind}
    # A trend gamma per period in levels moves each cell by gamma * (its periods from its base):
    # times = steps, reference 0, every cell tested (chi-square, as the test above).
    power = pretrend_power(vcov, steps[keep], reference=0.0, test="wald", pre=list(range(k)))
    return {
        "statistic": statistic,
        "df": k,
        "p_value": float(stats.chi2.sf(statistic, k)),
        "power_slope_50": power["slope_50"],
        "power_slope_80": power["slope_80"],
        "power_test": "wald",
    }


def _steps(
    times: np.ndarray, groups: np.ndarray, *, base_period: str, anticipation: int
) -> np.ndarray:
    """Periods (ranks) from each ATT(g,t)'s base period to t, as R ``did`` picks the base:
    ``g - 1 - anticipation`` for every cell with a universal base, and for the cells from
    ``g - anticipation`` on with a varying one; ``t - 1`` for the earlier cells with a varying
    base (period-on-period placebos, which a linear trend moves by one slope each)."""
    base = groups - 1.0 - anticipation
    if base_period == "varying":
        base = np.where(times < groups - anticipation, times - 1.0, base)
    return np.asarray(times - base, float)


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


def _result(
    data: pd.DataFrame,
    mp: Any,
    agg: Any,
    *,
    key: pd.DataFrame,
    work: pd.DataFrame,
    periods: np.ndarray,
    labels: Any,
    cluster_codes: np.ndarray | None,
    options: dict[str, Any],
    uniform: bool,
    roles: dict[str, Any],
    choices: dict[str, Any],
) -> EstimateResult:
    """Standard errors, bands, pre-trend test and the result, from moderndid's fit."""
    outcome, unit, time, cohort = (roles[k] for k in ("outcome", "unit", "time", "cohort"))
    covariates, weights, cluster, panel = (
        roles[k] for k in ("covariates", "weights", "cluster", "panel")
    )
    aggregate, control_group = choices["aggregate"], choices["control_group"]
    est_method, base_period = choices["est_method"], choices["base_period"]
    anticipation = choices["anticipation"]
    inference, n_boot, seed = options["inference"], options["n_boot"], options["seed"]
    conf_level = options["conf_level"]
    gt_se, gt_crit = standard_errors(np.asarray(mp.influence_func), cluster_codes, **options)
    if not uniform:
        gt_crit = float(stats.norm.ppf(0.5 + conf_level / 2))
    time_back = back(periods, labels)
    att_gt = _att_gt(mp, time_back, gt_se, gt_crit)
    times, groups = np.asarray(mp.times, float), np.asarray(mp.groups, float)
    pretrend = _pretrend(
        np.asarray(mp.att_gt, float),
        np.asarray(mp.influence_func),
        (times < groups) & np.isfinite(gt_se),
        cluster_codes,
        steps=_steps(times, groups, base_period=base_period, anticipation=anticipation),
    )
    sizes = key.assign(g=np.where(np.isinf(key["g"]), np.nan, key["g"]))["g"]
    n_units = len(key)
    n_clusters = len(np.unique(cluster_codes)) if cluster_codes is not None else n_units
    cl_name = cluster if cluster is not None and cluster_codes is not None else unit
    if not panel and cluster_codes is None:
        cl_name = "observation"
    how: dict[str, Any] = {"inference": inference, "n_boot": n_boot, "uniform": uniform}
    diagnostics = _diagnostics(
        att_gt,
        pretrend,
        sizes,
        labels,
        gt_crit,
        seed=seed,
        uniform=uniform,
        aggregate=aggregate,
        control_group=control_group,
        est_method=est_method,
        base_period=base_period,
        anticipation=anticipation,
        inference=inference,
    )
    if aggregate == "event":
        diagnostics["vcov"] = _event_vcov(agg, cluster_codes)
    return EstimateResult(
        method="staggered_did",
        title="Staggered difference-in-differences (Callaway & Sant'Anna)",
        estimand="ATT",
        table=_table(
            agg, cluster_codes, options, aggregate=aggregate, back=time_back, uniform=uniform
        ),
        headline="ATT",
        n_obs=len(work),
        inference=_inference(aggregate, cluster=cl_name, n_clusters=n_clusters, **how),
        translations=_translations(aggregate, cluster=cl_name, n_clusters=n_clusters, **how),
        conf_level=conf_level,
        design={
            "outcome": outcome,
            "unit": unit if panel else None,
            "time": time,
            "cohort": cohort,
            "covariates": covariates,
            "weights": weights,
            "panel": panel,
            "cluster": cl_name,
            "control_group": control_group,
            "n_units": n_units,
            "n_periods": len(periods),
            "n_clusters": n_clusters,
            "n_treated_units": int(np.isfinite(key["g"]).sum()),
            "n_never_treated": int(np.isinf(key["g"]).sum()),
        },
        diagnostics=diagnostics,
        provenance=dict(data.attrs.get("ebpm", {})),
        assumption=_ASSUMPTION,
        plotter=_plot,
    )


def _event_vcov(agg: Any, cluster_codes: np.ndarray | None) -> pd.DataFrame:
    """The analytic covariance of the event-time ATTs, from their influence functions summed
    by cluster (as R's HonestDiD example reads it from an ``aggte`` event study)."""
    psi = np.nan_to_num(np.asarray(agg.influence_func, float))
    sums = cluster_sums(psi, cluster_codes)
    terms = [f"event_time={int(e)}" for e in np.asarray(agg.event_times, float)]
    return pd.DataFrame(sums.T @ sums / psi.shape[0] ** 2, index=terms, columns=terms)


def _translations(aggregate: str, **how: Any) -> dict[str, dict[str, str]]:
    return {
        "ja": {
            "estimand": "処置群の平均処置効果（ATT）",
            "inference": _inference_ja(aggregate, **how),
            "assumption": _ASSUMPTION_JA,
        }
    }


def _diagnostics(
    att_gt: pd.DataFrame,
    pretrend: dict[str, Any],
    sizes: pd.Series,
    labels: dict[float, Any],
    gt_crit: float,
    *,
    seed: int | None,
    uniform: bool,
    **options: Any,
) -> dict[str, Any]:
    """The result's diagnostics mapping (see the docstring of :func:`staggered_did`)."""
    aggregate, control_group = options["aggregate"], options["control_group"]
    est_method, base_period = options["est_method"], options["base_period"]
    anticipation, inference = options["anticipation"], options["inference"]
    return {
        "aggregate": aggregate,
        "att_gt": att_gt,
        "pretrend": pretrend,
        "control_group": control_group,
        "est_method": est_method,
        "base_period": base_period,
        "anticipation": anticipation,
        "inference": inference,
        "uniform_bands": uniform,
        "n_cohorts": int(sizes.dropna().nunique()),
        "cohort_sizes": {
            (fmt(labels.get(v, v)) if np.isfinite(v) else "never_treated"): int(n)
            for v, n in sizes.value_counts(dropna=False).sort_index(na_position="last").items()
        },
        "critical_value": float(gt_crit),
        "seed": seed,
    }


# --- steps: validate, prepare, fit, result ---------------------------------------------------


def _att_gt(mp: Any, back: dict[int, Any], se_gt: np.ndarray, crit: float) -> pd.DataFrame:
    """Every ATT(g,t) with its band, periods back in the panel's units."""
    groups = np.array([back[int(v)] for v in mp.groups])
    times = np.array([back[int(v)] for v in mp.times])
    att = np.asarray(mp.att_gt, float)
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
    agg: Any,
    cluster_codes: np.ndarray | None,
    options: dict[str, Any],
    *,
    aggregate: str,
    back: dict[int, Any],
    uniform: bool,
) -> pd.DataFrame:
    """The headline ATT (pointwise normal interval), then the aggregation's rows (uniform
    bands when ``uniform``)."""
    z = float(stats.norm.ppf(0.5 + options["conf_level"] / 2))
    psi = np.asarray(agg.influence_func_overall, float).reshape(-1, 1)
    se, _ = standard_errors(psi, cluster_codes, **options)
    table = _rows(["ATT"], [agg.overall_att], se, z, z, uniform=False)
    if aggregate == "simple":
        return table
    labels = np.asarray(agg.event_times, float)
    if aggregate == "event":
        col, terms, values = "event_time", [f"event_time={int(e)}" for e in labels], labels
    elif aggregate == "group":
        values = np.array([back[int(v)] for v in labels])
        col, terms = "group", [f"group={fmt(v)}" for v in values]
    else:
        values = np.array([back[int(v)] for v in labels])
        col, terms = "period", [f"time={fmt(v)}" for v in values]
    se_rows, crit = standard_errors(np.asarray(agg.influence_func, float), cluster_codes, **options)
    detail = _rows(terms, agg.att_by_event, se_rows, crit if uniform else z, z, uniform=True)
    detail[col] = values
    return pd.concat([table, detail], ignore_index=True)


def _inference(
    aggregate: str,
    *,
    inference: str,
    n_boot: int,
    uniform: bool,
    cluster: str,
    n_clusters: int,
) -> str:
    how = (
        f"multiplier bootstrap ({int(n_boot)} draws)"
        if inference == "bootstrap"
        else "analytic standard errors"
    )
    if aggregate == "simple":
        rest = ""
    elif uniform:
        rest = ", simultaneous (uniform) bootstrap sup-t bands for the other rows"
    else:
        rest = ", pointwise normal intervals for the other rows"
    bands = "simultaneous" if uniform else "pointwise"
    return (
        f"{how} clustered by {cluster}, {n_clusters} clusters (cluster sums of the influence "
        f"functions, as R did 2.5); pointwise normal interval for ATT{rest}; ATT(g,t) bands "
        f"in diagnostics are {bands}"
    )


def _inference_ja(
    aggregate: str,
    *,
    inference: str,
    n_boot: int,
    uniform: bool,
    cluster: str,
    n_clusters: int,
) -> str:
    how = (
        f"乗数ブートストラップ（{int(n_boot)} 回）"
        if inference == "bootstrap"
        else "解析的標準誤差"
    )
    if aggregate == "simple":
        rest = ""
    elif uniform:
        rest = "、その他の行はブートストラップ sup-t 同時（一様）信頼帯"
    else:
        rest = "、その他の行は各点の正規近似信頼区間"
    bands = "同時信頼帯" if uniform else "各点の信頼区間"
    return (
        f"{cluster} 単位でクラスター化した{how}、クラスター数 {n_clusters}。ATT は各点の正規近似"
        f"信頼区間{rest}。diagnostics の ATT(g,t) の信頼帯は{bands}"
    )


def _sort_key(col: pd.Series) -> pd.Series:
    """Sort unit ids of mixed types stably (numbers numerically, anything else as text)."""
    if col.name == "u" and not pd.api.types.is_numeric_dtype(col):
        return col.astype(str)
    return col
