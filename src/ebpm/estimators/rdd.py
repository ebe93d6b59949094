"""Sharp regression discontinuity by local polynomials (rdrobust, rddensity).

rdrobust and rddensity are GPL-3.0 packages; they are imported lazily inside :func:`rdd`, so
importing ebpm neither loads them nor pays their start-up cost (numba, scipy.stats, pyplot).
"""

from __future__ import annotations

import contextlib
import io
import logging
import math
import warnings
from collections.abc import Callable, Sequence
from typing import Any, Literal, get_args

import numpy as np
import pandas as pd

from ebpm._lang import FIGURES, words
from ebpm._progress import progress
from ebpm.errors import (
    DataError,
    EbpmWarning,
    EmptySideError,
    EstimationError,
    FewClustersWarning,
)
from ebpm.estimators._common import (
    check_columns,
    check_complete,
    check_numeric,
    check_option,
    drop_missing,
    missing_rows,
    require_frame,
)
from ebpm.results import EstimateResult

__all__ = ["BANDWIDTH_MULTIPLIERS", "KERNELS", "Kernel", "rdd"]

logger = logging.getLogger(__name__)

Kernel = Literal["triangular", "epanechnikov", "uniform"]
KERNELS: tuple[Kernel, ...] = get_args(Kernel)
#: Bandwidths of the sensitivity table, as multiples of the main bandwidth.
BANDWIDTH_MULTIPLIERS: tuple[float, ...] = (0.5, 0.75, 1.0, 1.5, 2.0)
#: Evenly spaced bins per side of the cutoff in the binned scatter (fewer with little data).
MAX_BINS = 20

HEADLINE = "RD effect"
CONVENTIONAL = "conventional"
ROBUST = "robust bias-corrected"


def _quiet(func: Any, *args: Any, stacklevel: int = 3, **kwargs: Any) -> Any:
    """Call an rdrobust/rddensity function with its stdout captured and its warnings renamed.

    rdrobust prints notes ("Mass points detected in the running variable.") and warns with
    plain UserWarnings; the library never prints, so notes go to the log and the warning about
    few clusters within the bandwidth becomes a :class:`FewClustersWarning`. ``stacklevel``
    is the warnings' (3: the caller of this function's caller).
    """
    out = io.StringIO()
    with warnings.catch_warnings(record=True) as caught, contextlib.redirect_stdout(out):
        warnings.simplefilter("always")
        result = func(*args, **kwargs)
    for line in out.getvalue().splitlines():
        if line.strip():
            logger.info("%s: %s", func.__name__, line.strip())
    for w in caught:
        text = str(w.message)
        if "clusters within the bandwidth" in text:
            warnings.warn(
                f"{text} Use a larger bandwidth or fewer, larger clusters.",
                FewClustersWarning,
                stacklevel=stacklevel,
            )
        elif issubclass(w.category, FutureWarning | DeprecationWarning | ResourceWarning):
            # pandas/numpy notices from inside the engines, and garbage collection noticing
            # an unclosed file or event loop of someone else's, are not the analyst's
            continue
        else:
            warnings.warn(f"{func.__name__}: {text}", EbpmWarning, stacklevel=stacklevel)
    return result, out.getvalue()


def _bins(x: np.ndarray, y: np.ndarray, cutoff: float) -> pd.DataFrame:
    """Evenly spaced bins on each side of the cutoff: mean running value, mean outcome, count."""
    rows = []
    for side, mask in (("left", x < cutoff), ("right", x >= cutoff)):
        xs, ys = x[mask], y[mask]
        k = int(min(MAX_BINS, max(1, round(math.sqrt(xs.size)))))
        lo, hi = (xs.min(), cutoff) if side == "left" else (cutoff, xs.max())
        if hi <= lo:
            hi = lo + 1.0
        edges = np.linspace(lo, hi, k + 1)
        idx = np.clip(np.searchsorted(edges, xs, side="right") - 1, 0, k - 1)
        n = np.bincount(idx, minlength=k)
        sx = np.bincount(idx, xs, minlength=k)
        sy = np.bincount(idx, ys, minlength=k)
        keep = n > 0
        rows.append(
            pd.DataFrame(
                {
                    "side": side,
                    "bin_low": edges[:-1][keep],
                    "bin_high": edges[1:][keep],
                    "x": sx[keep] / n[keep],
                    "y": sy[keep] / n[keep],
                    "n": n[keep],
                }
            )
        )
    return pd.concat(rows, ignore_index=True)


def _plot_rdd(result: EstimateResult, ax: Any, lang: str = "en") -> Any:
    """Binned means of the outcome by the running variable, local fits within h, the cutoff."""
    w = words(FIGURES, lang)
    d, diag = result.design, result.diagnostics
    c = float(d["cutoff"])
    bins = diag["bins"]
    fit = diag["fit"]
    h = diag["bandwidth"]
    colours = {"left": "#0072B2", "right": "#D55E00"}
    for side, sign in (("left", -1), ("right", 1)):
        b = bins[bins["side"] == side]
        ax.scatter(b["x"], b["y"], s=18, color=colours[side], alpha=0.8, zorder=3)
        width = h[f"h_{side}"]
        grid = np.linspace(c, c + sign * width, 100)
        coef = np.asarray(fit[side], dtype=float)
        yhat = np.polynomial.polynomial.polyval(grid - c, coef)
        ax.plot(grid, yhat, color=colours[side], lw=2, zorder=4)
    ax.axvline(c, color="0.3", lw=1, ls="--", zorder=2)
    ax.axvspan(c - h["h_left"], c + h["h_right"], color="0.9", zorder=0, lw=0)
    low, high = result.conf_int
    title = w["rdd_title"].format(
        title=result.title_in(lang),
        running=d["running"],
        cutoff=f"{c:g}",
        estimate=f"{result.estimate:.3g}",
        level=f"{result.conf_level:.0%}",
        low=f"{low:.3g}",
        high=f"{high:.3g}",
    )
    ax.set_title(title, fontsize=10)
    ax.set_xlabel(w["rdd_x"].format(running=d["running"], cutoff=f"{c:g}"))
    ax.set_ylabel(w["rdd_y"].format(outcome=d["outcome"]))
    return ax


def _check_bandwidth(bandwidth: Any) -> float | None:
    if bandwidth is None:
        return None
    if (
        isinstance(bandwidth, bool)
        or not isinstance(bandwidth, int | float | np.integer | np.floating)
        or not math.isfinite(float(bandwidth))
        or bandwidth <= 0
    ):
        raise DataError(
            f"bandwidth={bandwidth!r} must be a positive number in units of the running "
            "variable, or None for rdrobust's MSE-optimal bandwidth"
        )
    return float(bandwidth)


def _range_text(x: np.ndarray) -> str:
    return f"{float(np.min(x)):g} to {float(np.max(x)):g}"


def rdd(
    data: pd.DataFrame,
    *,
    outcome: str,
    running: str,
    cutoff: float = 0.0,
    covariates: Sequence[str] | None = None,
    bandwidth: float | None = None,
    kernel: Kernel = "triangular",
    p: int = 1,
    cluster: str | None = None,
    conf_level: float = 0.95,
) -> EstimateResult:
    """Sharp regression discontinuity: the jump in the outcome at the cutoff.

    Fits local polynomials of order ``p`` on each side of the cutoff with rdrobust (Calonico,
    Cattaneo & Titiunik) and reports, as rdrobust does, the conventional point estimate with
    the robust bias-corrected confidence interval and p-value. Units with
    ``running >= cutoff`` are treated.

    Parameters
    ----------
    data : pandas.DataFrame
        One row per unit (a cross-section). Not modified.
    outcome : str
        Column with the outcome.
    running : str
        Column with the running variable (score) that assigns treatment at ``cutoff``.
    cutoff : float, default 0.0
        Treatment starts at ``running >= cutoff``.
    covariates : sequence of str, optional
        Pre-determined covariates added linearly for efficiency (rdrobust's ``covs``); they
        should not change the estimate much if the design is valid.
    bandwidth : float, optional
        Bandwidth ``h`` on both sides, in units of the running variable. None (default) uses
        rdrobust's MSE-optimal common bandwidth (``bwselect="mserd"``) and its bias bandwidth
        ``b``; with a bandwidth given, ``b = h`` (rdrobust's rule for a manual bandwidth).
    kernel : {"triangular", "epanechnikov", "uniform"}, default "triangular"
        Kernel weighting observations by their distance to the cutoff.
    p : int, default 1
        Order of the local polynomial (1: local linear). The bias correction uses ``p + 1``.
    cluster : str, optional
        Column to cluster standard errors by (rdrobust's CR1). Without it, rdrobust's
        heteroskedasticity-robust nearest-neighbour variance (3 neighbours).
    conf_level : float, default 0.95
        Confidence level of the intervals.

    Returns
    -------
    EstimateResult
        Terms: ``"RD effect"`` (headline: conventional estimate and standard error, robust
        bias-corrected z statistic, p-value and interval), ``"conventional"`` (conventional
        estimate, standard error, test and interval) and ``"robust bias-corrected"``
        (bias-corrected estimate with the robust standard error, test and interval). The
        extra column ``interval`` says which interval each row carries. ``diagnostics``:

        - ``bandwidth``: ``{"h_left", "h_right", "b_left", "b_right", "selector"}``
        - ``n_effective``: ``{"left", "right"}`` observations within ``h``
        - ``density_test``: rddensity's manipulation test of the running variable at the
          cutoff (Cattaneo, Jansson & Ma 2020): ``{"statistic", "p_value", "h_left",
          "h_right", "n_left", "n_right", "method"}``, on every row with a running value
        - ``bandwidth_sensitivity``: DataFrame with one row per multiple of ``h`` in
          :data:`BANDWIDTH_MULTIPLIERS` (``b`` scaled alike): multiplier, h, estimate,
          std_error, p_value, conf_low, conf_high (robust), n_left, n_right, note
        - ``kernel``, ``p``, ``q``, ``vce``, ``mass_points`` (rdrobust reported mass points in
          the running variable)
        - ``bins`` (binned means for the figure) and ``fit`` (local polynomial coefficients in
          powers of ``running - cutoff``, per side; without covariate adjustment terms)

    Raises
    ------
    ColumnNotFoundError
        A column named in a role is missing (the message suggests a close match).
    NonNumericError
        The outcome, running variable or a covariate is not numeric.
    EmptySideError
        No observations (or too few distinct running values to fit) on one side of the cutoff.
    MissingValueError
        The cluster column has missing values.
    InvalidOptionError
        ``kernel`` is not one of the choices.
    DataError
        ``p`` is not a positive integer, ``bandwidth`` is not positive, ``conf_level`` is not
        between 0 and 1.
    EstimationError
        rdrobust cannot estimate with valid-looking input.

    Warns
    -----
    MissingValueWarning
        Rows with a missing or infinite outcome, running variable or covariate were dropped.
    FewClustersWarning
        Few clusters within the bandwidth on a side (rdrobust's check).

    Notes
    -----
    The identifying assumption is continuity: the average potential outcomes are continuous
    in the running variable at the cutoff, so units just below are a valid comparison for
    units just above. It fails when units can precisely manipulate their score around the
    cutoff (check the density test) or when other things change at the same cutoff (check
    pre-determined covariates as placebo outcomes). The estimand is local: the effect for
    units at the cutoff.

    References
    ----------
    Calonico, S., Cattaneo, M. D. and Titiunik, R. (2014). Robust nonparametric confidence
    intervals for regression-discontinuity designs. *Econometrica* 82(6), 2295-2326.
    Cattaneo, M. D., Jansson, M. and Ma, X. (2020). Simple local polynomial density estimators.
    *Journal of the American Statistical Association* 115(531), 1449-1455.
    Cattaneo, M. D., Frandsen, B. and Titiunik, R. (2015). Randomization inference in the
    regression discontinuity design: an application to party advantages in the U.S. Senate.
    *Journal of Causal Inference* 3(1), 1-24.
    """
    data = require_frame(data, func="rdd")
    covariates = [covariates] if isinstance(covariates, str) else list(covariates or [])
    kernel, p, h_manual, cutoff = _validate(
        kernel=kernel, p=p, bandwidth=bandwidth, conf_level=conf_level, cutoff=cutoff
    )
    check_columns(
        data,
        {"outcome": outcome, "running": running, "covariates": covariates, "cluster": cluster},
    )
    y_all = check_numeric(data, outcome, role="outcome")
    x_all = check_numeric(data, running, role="running")
    cov_all = {c: check_numeric(data, c, role=f"covariates={c!r}: covariate") for c in covariates}
    if cluster is not None:
        check_complete(data, cluster, role="cluster")

    drop_missing(data, [outcome, running, *covariates], func="rdd")  # warns with counts
    # rows by position, never by index label: a repeated label (after pd.concat) must not
    # duplicate or mispair rows
    keep = ~missing_rows(data, [outcome, running, *covariates])
    y, x, common = _prepare(
        data,
        y_all,
        x_all,
        cov_all,
        keep,
        covariates=covariates,
        cluster=cluster,
        options={"c": cutoff, "p": p, "kernel": kernel, "level": conf_level * 100},
    )
    _check_sides(x, cutoff=cutoff, p=p, running=running)
    rdrobust, rddensity = _engines()
    fit = _fitter(rdrobust, y, x, common, outcome=outcome, running=running)
    if h_manual is None:
        main, printed = fit(bwselect="mserd")
    else:
        main, printed = fit(h=h_manual)
    if "Not enough observations to perform bandwidth" in printed:
        warnings.warn(
            f"rdd(): only {len(x)} observations, too few for rdrobust's bandwidth selector; it "
            f"used the whole range of {running!r} as the bandwidth. Read the estimate as a "
            "global polynomial fit",
            EbpmWarning,
            stacklevel=2,
        )
    bandwidths = _bandwidths(main, manual=h_manual is not None)
    sensitivity = _sensitivity(fit, x, cutoff=cutoff, bandwidths=bandwidths)
    density_test = _density_test(rddensity, x_all, cutoff=cutoff)
    n_clusters = int(main.n_clust) if cluster is not None else None
    design: dict[str, Any] = {
        "outcome": outcome,
        "running": running,
        "cutoff": cutoff,
        "covariates": covariates,
        "cluster": cluster,
        "n_left": int((x < cutoff).sum()),
        "n_right": int((x >= cutoff).sum()),
    }
    if n_clusters is not None:
        design["n_clusters"] = n_clusters
    return EstimateResult(
        method="rdd",
        title="Regression discontinuity (sharp, local polynomial)",
        estimand=f"Average effect at the cutoff ({running} = {cutoff:g})",
        table=_table(main),
        headline=HEADLINE,
        n_obs=len(x),
        inference=_inference(cluster, n_clusters=n_clusters, conf_level=conf_level),
        translations={"ja": _words_ja(design, conf_level=conf_level)},
        conf_level=conf_level,
        design=design,
        diagnostics={
            "bandwidth": bandwidths,
            "n_effective": {"left": int(main.N_h[0]), "right": int(main.N_h[1])},
            "density_test": density_test,
            "bandwidth_sensitivity": sensitivity,
            "kernel": kernel,
            "p": p,
            "q": int(main.q),
            "vce": str(main.vce),
            "mass_points": "Mass points detected" in printed,
            "bins": _bins(x, y, cutoff),
            "fit": {
                "left": np.asarray(main.beta_p_l, float).ravel()[: p + 1].tolist(),
                "right": np.asarray(main.beta_p_r, float).ravel()[: p + 1].tolist(),
            },
        },
        provenance=dict(data.attrs.get("ebpm", {})),
        assumption=(
            "Continuity at the cutoff: average potential outcomes change smoothly in the "
            "running variable at the cutoff (no precise manipulation of the score, nothing "
            "else changes there), so units just below are a valid comparison for units just "
            "above."
        ),
        plotter=_plot_rdd,
    )


# --- steps: validate, prepare, fit, result ---------------------------------------------------
def _validate(
    *, kernel: Any, p: Any, bandwidth: Any, conf_level: float, cutoff: Any
) -> tuple[Kernel, int, float | None, float]:
    """The checked kernel, polynomial order, manual bandwidth (None: selected) and cutoff."""
    checked = check_option("kernel", kernel, KERNELS)
    if isinstance(p, bool) or not isinstance(p, int | np.integer) or p < 1:
        raise DataError(
            f"p={p!r} must be a positive integer, the order of the local polynomial "
            "(1: local linear, the default; 2: local quadratic)"
        )
    h_manual = _check_bandwidth(bandwidth)
    if not 0 < conf_level < 1:
        raise DataError(f"conf_level={conf_level!r} must be between 0 and 1, e.g. 0.95")
    if isinstance(cutoff, bool) or not isinstance(cutoff, int | float | np.integer | np.floating):
        raise DataError(f"cutoff={cutoff!r} must be a number on the scale of the running variable")
    return checked, int(p), h_manual, float(cutoff)


def _prepare(
    data: pd.DataFrame,
    y_all: pd.Series,
    x_all: pd.Series,
    cov_all: dict[str, pd.Series],
    keep: np.ndarray,
    *,
    covariates: list[str],
    cluster: str | None,
    options: dict[str, Any],
) -> tuple[np.ndarray, np.ndarray, dict[str, Any]]:
    """Outcome and running variable of the rows kept, and rdrobust's options for every fit:
    ``options`` (c, p, kernel, level) with the engine's kernel name, covariates and clusters."""
    work = pd.DataFrame(
        {
            "y": y_all.to_numpy()[keep],
            "x": x_all.to_numpy()[keep],
            **{f"z{i}": v.to_numpy()[keep] for i, v in enumerate(cov_all.values())},
        }
    )
    x = work["x"].to_numpy(float)
    y = work["y"].to_numpy(float)
    zs = [f"z{i}" for i in range(len(covariates))]
    common: dict[str, Any] = {
        "c": options["c"],
        "p": options["p"],
        "kernel": {"triangular": "tri", "epanechnikov": "epa", "uniform": "uni"}[options["kernel"]],
        "covs": work[zs].to_numpy(float) if zs else None,
        "cluster": pd.factorize(data[cluster].to_numpy()[keep])[0] if cluster is not None else None,
        "level": options["level"],
    }
    return y, x, common


def _check_sides(x: np.ndarray, *, cutoff: float, p: int, running: str) -> None:
    """Raise :class:`EmptySideError` unless each side has enough distinct running values."""
    below, above = x < cutoff, x >= cutoff
    for side, mask in (("below", below), ("at or above", above)):
        if not mask.any():
            raise EmptySideError(
                f"no observations {side} the cutoff {cutoff:g}: running={running!r} ranges from "
                f"{_range_text(x)}; choose a cutoff inside that range"
            )
    need = p + 2  # rdrobust fits order q = p + 1 on each side
    for side, mask in (("below", below), ("at or above", above)):
        distinct = np.unique(x[mask]).size
        if distinct < need:
            raise EmptySideError(
                f"only {distinct} distinct value(s) of running={running!r} {side} the cutoff "
                f"{cutoff:g} (range {_range_text(x)}); a local polynomial of order p={p} needs "
                f"at least {need} on each side. Move the cutoff or lower p"
            )


def _engines() -> tuple[Any, Any]:
    """rdrobust and rddensity, imported on first use."""
    with warnings.catch_warnings():
        # GPL-3.0 engines, imported lazily (numba, scipy.stats, pyplot). rddensity silences
        # FutureWarning process-wide on import; catch_warnings restores the caller's filters.
        from rddensity import rddensity
        from rdrobust import rdrobust
    return rdrobust, rddensity


def _fitter(
    rdrobust: Any,
    y: np.ndarray,
    x: np.ndarray,
    common: dict[str, Any],
    *,
    outcome: str,
    running: str,
) -> Callable[..., tuple[Any, str]]:
    """``fit(**extra)``: rdrobust on the data with ``common`` and ``extra`` options, quietly,
    its failures raised as :class:`EstimationError`; returns the fit and what it printed."""
    cutoff = common["c"]

    def fit(**extra: Any) -> tuple[Any, str]:
        try:
            return _quiet(rdrobust, y, x, **common, **extra)
        except Exception as err:  # rdrobust raises bare Exception and ValueError
            raise EstimationError(
                f"rdrobust could not estimate the jump in {outcome!r} at {running}={cutoff:g}: "
                f"{str(err).rstrip('.')}. Check that both sides have enough distinct values "
                f"of {running!r} near the cutoff, or set a wider bandwidth"
            ) from err

    return fit


def _table(main: Any) -> pd.DataFrame:
    """The headline (conventional estimate, robust inference), then both rows in full."""
    coef = main.coef.iloc[:, 0].to_numpy(float)
    se = main.se.iloc[:, 0].to_numpy(float)
    z = main.z.iloc[:, 0].to_numpy(float)
    pv = main.pv.iloc[:, 0].to_numpy(float)
    ci = main.ci.to_numpy(float)
    return pd.DataFrame(
        {
            "term": [HEADLINE, CONVENTIONAL, ROBUST],
            "estimate": [coef[0], coef[0], coef[2]],
            "std_error": [se[0], se[0], se[2]],
            "statistic": [z[2], z[0], z[2]],
            "p_value": [pv[2], pv[0], pv[2]],
            "conf_low": [ci[2, 0], ci[0, 0], ci[2, 0]],
            "conf_high": [ci[2, 1], ci[0, 1], ci[2, 1]],
            "interval": [ROBUST, CONVENTIONAL, ROBUST],
        }
    )


def _bandwidths(main: Any, *, manual: bool) -> dict[str, Any]:
    bws = main.bws
    return {
        "h_left": float(bws.loc["h", "left"]),
        "h_right": float(bws.loc["h", "right"]),
        "b_left": float(bws.loc["b", "left"]),
        "b_right": float(bws.loc["b", "right"]),
        "selector": "manual" if manual else "mserd (MSE-optimal, common)",
    }


def _sensitivity(
    fit: Callable[..., tuple[Any, str]],
    x: np.ndarray,
    *,
    cutoff: float,
    bandwidths: dict[str, Any],
) -> pd.DataFrame:
    """The same fit at multiples of h (b scaled alike, so 1.0 is the main fit exactly)."""
    h_l, h_r = bandwidths["h_left"], bandwidths["h_right"]
    b_l, b_r = bandwidths["b_left"], bandwidths["b_right"]
    rows = []
    for m in progress(BANDWIDTH_MULTIPLIERS, desc="bandwidth sensitivity"):
        row: dict[str, Any] = {"multiplier": m, "h": m * h_l}
        try:
            r, _ = fit(h=[m * h_l, m * h_r], b=[m * b_l, m * b_r])
        except EstimationError as err:
            row.update(
                estimate=np.nan,
                std_error=np.nan,
                p_value=np.nan,
                conf_low=np.nan,
                conf_high=np.nan,
                n_left=int(((x < cutoff) & (x >= cutoff - m * h_l)).sum()),
                n_right=int(((x >= cutoff) & (x <= cutoff + m * h_r)).sum()),
                note=f"not estimable: {err.__cause__ or err}",
            )
        else:
            row.update(
                estimate=float(r.coef.iloc[0, 0]),
                std_error=float(r.se.iloc[0, 0]),
                p_value=float(r.pv.iloc[2, 0]),
                conf_low=float(r.ci.iloc[2, 0]),
                conf_high=float(r.ci.iloc[2, 1]),
                n_left=int(r.N_h[0]),
                n_right=int(r.N_h[1]),
                note="",
            )
        rows.append(row)
    return pd.DataFrame(rows)


def _density_test(rddensity: Any, x_all: pd.Series, *, cutoff: float) -> dict[str, Any]:
    """Manipulation test on every row with a running value (the outcome is not needed)."""
    x_density = x_all[np.isfinite(x_all.to_numpy())].to_numpy(float)
    try:
        # rdd() -> here -> _quiet(): its warnings point at the caller of rdd()
        dens, _ = _quiet(rddensity, x_density, c=cutoff, bino_flag=False, stacklevel=4)
        return {
            "statistic": float(dens.test["t_jk"]),
            "p_value": float(dens.test["p_jk"]),
            "h_left": float(dens.h["left"]),
            "h_right": float(dens.h["right"]),
            "n_left": int(dens.n["eff_left"]),
            "n_right": int(dens.n["eff_right"]),
            "method": "rddensity (Cattaneo, Jansson & Ma 2020), local quadratic, jackknife SE, "
            "robust bias-corrected",
        }
    except Exception as err:  # report the failure in the diagnostics, never hide it silently
        logger.warning("rddensity failed: %s", err)
        warnings.warn(
            f"rdd(): the density (manipulation) test could not be computed: {err}",
            EbpmWarning,
            stacklevel=3,  # rdd() -> here: point at the caller of rdd()
        )
        return {"statistic": np.nan, "p_value": np.nan, "error": str(err)}


_ASSUMPTION_JA = (
    "閾値での連続性：潜在的結果の平均は閾値において割当変数に対して滑らかに変化する（得点の精密な"
    "操作がなく、閾値でほかに何も変わらない）ため、閾値のすぐ下の単位はすぐ上の単位の妥当な"
    "比較対象となる。"
)


def _words_ja(design: dict[str, Any], *, conf_level: float) -> dict[str, str]:
    """The estimand, inference and assumption in Japanese, from the design's facts."""
    cluster = design["cluster"]
    variance = (
        f"{cluster} 単位のクラスター頑健分散（CR1）、クラスター数 {design['n_clusters']}"
        if cluster is not None
        else "不均一分散に頑健な最近傍分散"
    )
    return {
        "estimand": f"閾値での平均効果（{design['running']} = {design['cutoff']:g}）",
        "inference": f"推定値と標準誤差は通常の方法、z 値・p値・{conf_level:.0%}信頼区間は"
        f"頑健バイアス補正（CCT 2014）、{variance}",
        "assumption": _ASSUMPTION_JA,
    }


def _inference(cluster: str | None, *, n_clusters: int | None, conf_level: float) -> str:
    if cluster is not None:
        return (
            f"conventional estimate and SE; robust bias-corrected z, p-value and "
            f"{conf_level:.0%} interval (CCT 2014), cluster-robust (CR1) by {cluster}, "
            f"{n_clusters} clusters"
        )
    return (
        f"conventional estimate and SE; robust bias-corrected z, p-value and "
        f"{conf_level:.0%} interval (CCT 2014), heteroskedasticity-robust "
        "nearest-neighbour variance"
    )
