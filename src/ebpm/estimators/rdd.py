"""Regression discontinuity and kink designs, sharp or fuzzy, by local polynomials.

Wraps rdrobust (estimates, every bandwidth selector and variance estimator) and rddensity (the
manipulation test). Both are GPL-3.0 packages; they are imported lazily inside :func:`rdd`, so
importing ebpm neither loads them nor pays their start-up cost (numba, scipy.stats, pyplot).
"""

from __future__ import annotations

import contextlib
import io
import logging
import math
import warnings
from collections.abc import Callable, Sequence
from typing import Any

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
    drop_missing,
    missing_rows,
    require_frame,
)
from ebpm.estimators._rdd_options import (
    BANDWIDTH_SELECTORS,
    KERNELS,
    VCES,
    BandwidthSelector,
    Kernel,
    RddOptions,
    Vce,
    check_options,
    selector_words,
)
from ebpm.estimators._rdd_words import design_words
from ebpm.results import EstimateResult

__all__ = [
    "BANDWIDTH_MULTIPLIERS",
    "BANDWIDTH_SELECTORS",
    "KERNELS",
    "VCES",
    "BandwidthSelector",
    "Kernel",
    "Vce",
    "WeakFirstStageWarning",
    "rdd",
]

logger = logging.getLogger(__name__)

#: Bandwidths of the sensitivity table, as multiples of the main bandwidth.
BANDWIDTH_MULTIPLIERS: tuple[float, ...] = (0.5, 0.75, 1.0, 1.5, 2.0)
#: Evenly spaced bins per side of the cutoff in the binned scatter (fewer with little data).
MAX_BINS = 20

HEADLINE = "RD effect"
CONVENTIONAL = "conventional"
ROBUST = "robust bias-corrected"
FIRST_STAGE = "first stage"


class WeakFirstStageWarning(EbpmWarning):
    """A fuzzy design's jump in take-up at the cutoff is not distinguishable from zero."""


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
        elif (
            issubclass(w.category, RuntimeWarning)
            and "encountered in divide" in text
            and w.filename.replace("\\", "/").endswith("rdrobust/funs.py")
        ):
            # rdrobust's CR2 weights take np.where(sigma2 < tiny, 0, .../sigma2): numpy
            # evaluates the discarded 0/0 branch too and warns; the result is finite
            continue
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


def _range_text(x: np.ndarray) -> str:
    return f"{float(np.min(x)):g} to {float(np.max(x)):g}"


def rdd(
    data: pd.DataFrame,
    *,
    outcome: str,
    running: str,
    cutoff: float = 0.0,
    fuzzy: str | None = None,
    deriv: int = 0,
    covariates: Sequence[str] | None = None,
    bandwidth: float | tuple[float, float] | None = None,
    bias_bandwidth: float | tuple[float, float] | None = None,
    rho: float | None = None,
    bwselect: BandwidthSelector = "mserd",
    kernel: Kernel = "triangular",
    p: int | None = None,
    vce: Vce | None = None,
    nnmatch: int | None = None,
    weights: str | None = None,
    cluster: str | None = None,
    conf_level: float = 0.95,
) -> EstimateResult:
    """Regression discontinuity or kink, sharp or fuzzy, by local polynomials (rdrobust).

    Fits local polynomials of order ``p`` on each side of the cutoff with rdrobust (Calonico,
    Cattaneo & Titiunik) and reports, as rdrobust does, the conventional point estimate with
    the robust bias-corrected confidence interval and p-value. Units with
    ``running >= cutoff`` are assigned to treatment. Every option maps one-to-one onto
    rdrobust's (named in brackets), so a published rdrobust call can be reproduced.

    Parameters
    ----------
    data : pandas.DataFrame
        One row per unit (a cross-section). Not modified.
    outcome : str
        Column with the outcome.
    running : str
        Column with the running variable (score) that assigns treatment at ``cutoff``.
    cutoff : float, default 0.0
        Treatment is assigned at ``running >= cutoff`` [``c``].
    fuzzy : str, optional
        Column with the treatment actually taken up (0/1) when assignment at the cutoff is
        not compliance: a fuzzy design [``fuzzy``]. The estimate is then the jump in the
        outcome divided by the jump in take-up, the local average treatment effect (LATE) for
        compliers at the cutoff. None (default): a sharp design.
    deriv : {0, 1}, default 0
        0: the jump in the outcome at the cutoff (discontinuity). 1: the change in its slope
        (regression kink; with ``fuzzy``, the slope change of the outcome over that of
        take-up) [``deriv``].
    covariates : sequence of str, optional
        Pre-determined covariates added linearly for efficiency [``covs``]; they should not
        change the estimate much if the design is valid.
    bandwidth : float or (float, float), optional
        Bandwidth ``h`` in units of the running variable: one number for both sides or a
        ``(left, right)`` pair [``h``]. None (default): chosen by ``bwselect``.
    bias_bandwidth : float or (float, float), optional
        Bandwidth ``b`` of the bias correction, one number or ``(left, right)``; only with
        ``bandwidth`` [``b``]. None: ``b = h`` with a manual bandwidth, else the selector's.
    rho : float, optional
        Sets ``b = h / rho`` (with a manual or a selected ``h``) [``rho``].
    bwselect : str, default "mserd"
        rdrobust's bandwidth selector, one of ``"mserd"``, ``"msetwo"``, ``"msesum"``,
        ``"msecomb1"``, ``"msecomb2"`` (mean squared error optimal: for the point estimate) or
        ``"cerrd"``, ``"certwo"``, ``"cersum"``, ``"cercomb1"``, ``"cercomb2"`` (coverage
        error rate optimal: for the interval); ``*two`` choose one bandwidth per side
        [``bwselect``]. Not with ``bandwidth``.
    kernel : {"triangular", "epanechnikov", "uniform"}, default "triangular"
        Kernel weighting observations by their distance to the cutoff [``kernel``].
    p : int, optional
        Order of the local polynomial, at least ``deriv + 1``; default ``deriv + 1`` (local
        linear for a discontinuity, local quadratic for a kink). The bias correction uses
        ``p + 1`` [``p``].
    vce : {"nn", "hc0", "hc1", "hc2", "hc3", "cr1", "cr2", "cr3"}, optional
        Variance estimator [``vce``]: nearest-neighbour (``"nn"``, the default without
        clusters), plug-in residuals HC0-HC3, or with ``cluster`` cluster-robust CR1 (the
        default), CR2 (Bell-McCaffrey) or CR3.
    nnmatch : int, optional
        Neighbours of the nearest-neighbour variance (``vce="nn"`` only; default 3)
        [``nnmatch``].
    weights : str, optional
        Column of non-negative weights, multiplying the kernel weights [``weights``].
    cluster : str, optional
        Column to cluster standard errors by [``cluster``]; needs a ``cr*`` ``vce``.
    conf_level : float, default 0.95
        Confidence level of the intervals [``level``, in percent].

    Returns
    -------
    EstimateResult
        Terms: ``"RD effect"`` (headline: conventional estimate and standard error, robust
        bias-corrected z statistic, p-value and interval), ``"conventional"`` (conventional
        estimate, standard error, test and interval) and ``"robust bias-corrected"``
        (bias-corrected estimate with the robust standard error, test and interval); with
        ``fuzzy`` also ``"first stage"`` (the jump in take-up, reported like the headline).
        The extra column ``interval`` says which interval each row carries. ``diagnostics``:

        - ``bandwidth``: ``{"h_left", "h_right", "b_left", "b_right", "selector"}``
        - ``n_effective``: ``{"left", "right"}`` observations within ``h``
        - ``density_test``: rddensity's manipulation test of the running variable at the
          cutoff (Cattaneo, Jansson & Ma 2020): ``{"statistic", "p_value", "h_left",
          "h_right", "n_left", "n_right", "method"}``, on every row with a running value
        - ``bandwidth_sensitivity``: DataFrame with one row per multiple of ``h`` in
          :data:`BANDWIDTH_MULTIPLIERS` (``b`` scaled alike): multiplier, h (left), h_right,
          estimate, std_error, p_value, conf_low, conf_high (robust), n_left, n_right, note
        - ``first_stage`` (fuzzy only): ``{"estimate", "std_error", "p_value", "conf_low",
          "conf_high"}``, conventional estimate and SE, robust test and interval
        - ``kernel``, ``p``, ``q``, ``deriv``, ``vce``, ``nnmatch``, ``mass_points``
          (rdrobust reported mass points in the running variable)
        - ``bins`` (binned means of the outcome for the figure) and ``fit`` (the outcome's
          local polynomial coefficients in powers of ``running - cutoff``, per side; without
          covariate adjustment terms)

    Raises
    ------
    ColumnNotFoundError
        A column named in a role is missing (the message suggests a close match).
    NonNumericError
        The outcome, running variable, take-up, a covariate or the weights are not numeric.
    EmptySideError
        No observations (or too few distinct running values to fit) on one side of the cutoff.
    MissingValueError
        The cluster column has missing values.
    InvalidOptionError
        ``kernel``, ``bwselect`` or ``vce`` is not one of the choices, or ``vce`` does not fit
        ``cluster`` (a ``cr*`` estimator needs clusters, clusters need one); ``p`` is not an
        integer of at least ``deriv + 1``; ``deriv`` is not 0 or 1;
        ``bandwidth``/``bias_bandwidth`` is not a positive number or ``(left, right)`` pair;
        ``rho`` or ``nnmatch`` is invalid; options conflict (``bandwidth`` with a
        ``bwselect``, ``bias_bandwidth`` without ``bandwidth`` or with ``rho``, ``nnmatch``
        without ``vce="nn"``); ``conf_level`` is not between 0 and 1; ``cutoff`` is not a
        finite number.
    DataError
        ``data`` is not a DataFrame; the take-up column is not 0/1 or does not change at the
        cutoff; weights are negative or all zero.
    EstimationError
        rdrobust cannot estimate with valid-looking input.

    Warns
    -----
    MissingValueWarning
        Rows with a missing or infinite outcome, running variable, take-up, covariate or
        weight were dropped.
    FewClustersWarning
        Few clusters within the bandwidth on a side (rdrobust's check).
    WeakFirstStageWarning
        Fuzzy design: the robust interval of the jump in take-up covers zero.

    Notes
    -----
    The identifying assumption is continuity: the average potential outcomes are continuous
    in the running variable at the cutoff, so units just below are a valid comparison for
    units just above. It fails when units can precisely manipulate their score around the
    cutoff (check the density test) or when other things change at the same cutoff (check
    pre-determined covariates as placebo outcomes). The estimand is local: the effect for
    units at the cutoff. A fuzzy design adds monotonicity (no one takes the treatment up
    because they are below the cutoff) and exclusion (assignment affects the outcome only
    through take-up): the ratio is then the effect for compliers at the cutoff. A kink
    design needs the derivatives of the potential outcomes to be continuous at the cutoff;
    its estimate is the change in slope, to be divided by the known change in the slope of
    the policy (a sharp kink) to give an effect per unit of the policy.

    References
    ----------
    Calonico, S., Cattaneo, M. D. and Titiunik, R. (2014). Robust nonparametric confidence
    intervals for regression-discontinuity designs. *Econometrica* 82(6), 2295-2326.
    Calonico, S., Cattaneo, M. D., Farrell, M. H. and Titiunik, R. (2017). rdrobust: Software
    for regression-discontinuity designs. *The Stata Journal* 17(2), 372-404.
    Card, D., Lee, D. S., Pei, Z. and Weber, A. (2015). Inference on causal effects in a
    generalized regression kink design. *Econometrica* 83(6), 2453-2483.
    Cattaneo, M. D., Jansson, M. and Ma, X. (2020). Simple local polynomial density estimators.
    *Journal of the American Statistical Association* 115(531), 1449-1455.
    Cattaneo, M. D., Frandsen, B. and Titiunik, R. (2015). Randomization inference in the
    regression discontinuity design: an application to party advantages in the U.S. Senate.
    *Journal of Causal Inference* 3(1), 1-24.
    """
    data = require_frame(data, func="rdd")
    covariates = [covariates] if isinstance(covariates, str) else list(covariates or [])
    opts = check_options(
        kernel=kernel,
        p=p,
        deriv=deriv,
        bandwidth=bandwidth,
        bias_bandwidth=bias_bandwidth,
        rho=rho,
        bwselect=bwselect,
        vce=vce,
        nnmatch=nnmatch,
        cluster=cluster,
        conf_level=conf_level,
        cutoff=cutoff,
    )
    y, x, x_all, common = _prepare(
        data,
        outcome=outcome,
        running=running,
        fuzzy=fuzzy,
        covariates=covariates,
        weights=weights,
        cluster=cluster,
        opts=opts,
    )
    _check_sides(x, cutoff=opts.cutoff, p=opts.p, running=running)
    rdrobust, rddensity = _engines()
    fit = _fitter(rdrobust, y, x, common, outcome=outcome, running=running)
    main, printed = fit(**opts.bandwidths())
    if "Not enough observations to perform bandwidth" in printed:
        warnings.warn(
            f"rdd(): only {len(x)} observations, too few for rdrobust's bandwidth selector; it "
            f"used the whole range of {running!r} as the bandwidth. Read the estimate as a "
            "global polynomial fit",
            EbpmWarning,
            stacklevel=2,
        )
    bandwidths = _bandwidths(main, opts)
    sensitivity = _sensitivity(fit, x, cutoff=opts.cutoff, bandwidths=bandwidths)
    density_test = _density_test(rddensity, x_all, cutoff=opts.cutoff)
    n_clusters = int(main.n_clust) if cluster is not None else None
    design: dict[str, Any] = {
        "outcome": outcome,
        "running": running,
        "cutoff": opts.cutoff,
        "fuzzy": fuzzy,
        "deriv": opts.deriv,
        "covariates": covariates,
        "weights": weights,
        "cluster": cluster,
        "n_left": int((x < opts.cutoff).sum()),
        "n_right": int((x >= opts.cutoff).sum()),
    }
    if n_clusters is not None:
        design["n_clusters"] = n_clusters
    diagnostics: dict[str, Any] = {
        "bandwidth": bandwidths,
        "n_effective": {"left": int(main.N_h[0]), "right": int(main.N_h[1])},
        "density_test": density_test,
        "bandwidth_sensitivity": sensitivity,
        "kernel": opts.kernel,
        "p": opts.p,
        "q": int(main.q),
        "deriv": opts.deriv,
        "vce": opts.vce,
        "nnmatch": opts.nnmatch if opts.vce == "nn" else None,
        "mass_points": "Mass points detected" in printed,
        "bins": _bins(x, y, opts.cutoff),
        "fit": {
            "left": _outcome_coefficients(main.beta_p_l, opts.p),
            "right": _outcome_coefficients(main.beta_p_r, opts.p),
        },
    }
    table = _table(main)
    if fuzzy is not None:
        first = _first_stage(main)
        diagnostics["first_stage"] = first
        table = pd.concat([table, pd.DataFrame([{"term": FIRST_STAGE, **first}])])
        table = table.assign(interval=table["interval"].fillna(ROBUST)).reset_index(drop=True)
        _warn_weak_first_stage(first, fuzzy=fuzzy, conf_level=opts.conf_level)
    words = design_words(design, opts, n_clusters=n_clusters)
    return EstimateResult(
        method="rdd",
        title=words["en"]["title"],
        estimand=words["en"]["estimand"],
        table=table,
        headline=HEADLINE,
        n_obs=len(x),
        inference=words["en"]["inference"],
        translations={"ja": {k: v for k, v in words["ja"].items() if k != "title"}},
        conf_level=opts.conf_level,
        design=design,
        diagnostics=diagnostics,
        provenance=dict(data.attrs.get("ebpm", {})),
        assumption=words["en"]["assumption"],
        plotter=_plot_rdd,
    )


# --- steps: validate, prepare, fit, result ------------------------------------------------
def _prepare(
    data: pd.DataFrame,
    *,
    outcome: str,
    running: str,
    fuzzy: str | None,
    covariates: list[str],
    weights: str | None,
    cluster: str | None,
    opts: RddOptions,
) -> tuple[np.ndarray, np.ndarray, pd.Series, dict[str, Any]]:
    """Check the columns; the outcome and running variable of the complete rows, the running
    variable of every row (for the density test) and rdrobust's options for every fit."""
    roles = {"fuzzy": fuzzy, "covariates": covariates, "weights": weights, "cluster": cluster}
    check_columns(data, {"outcome": outcome, "running": running, **roles})
    y_all = check_numeric(data, outcome, role="outcome")
    x_all = check_numeric(data, running, role="running")
    extra = {c: check_numeric(data, c, role=f"covariates={c!r}: covariate") for c in covariates}
    if fuzzy is not None:
        extra[fuzzy] = check_numeric(data, fuzzy, role="fuzzy")
    if weights is not None:
        extra[weights] = check_numeric(data, weights, role="weights")
    if cluster is not None:
        check_complete(data, cluster, role="cluster")
    used = list(dict.fromkeys([outcome, running, *extra]))
    drop_missing(data, used, func="rdd")  # warns with counts
    # rows by position, never by index label: a repeated label (after pd.concat) must not
    # duplicate or mispair rows
    keep = ~missing_rows(data, used)
    y = y_all.to_numpy()[keep]
    x = x_all.to_numpy()[keep]
    common = opts.engine()
    common["covs"] = (
        np.column_stack([extra[c].to_numpy()[keep] for c in covariates]) if covariates else None
    )
    common["cluster"] = (
        pd.factorize(data[cluster].to_numpy()[keep])[0] if cluster is not None else None
    )
    if fuzzy is not None:
        common["fuzzy"] = _check_take_up(extra[fuzzy].to_numpy()[keep], x, fuzzy=fuzzy, opts=opts)
    if weights is not None:
        common["weights"] = _check_weights(extra[weights].to_numpy()[keep], weights=weights)
    return y, x, x_all, common


def _check_take_up(t: np.ndarray, x: np.ndarray, *, fuzzy: str, opts: RddOptions) -> np.ndarray:
    """The take-up column as 0/1 floats; raise unless it is 0/1 and changes at the cutoff."""
    bad = t[(t != 0) & (t != 1)]
    if bad.size:
        raise DataError(
            f"fuzzy={fuzzy!r} must hold treatment take-up as 0/1 (1: treated); it holds "
            f"{bad[0]:g} ({bad.size} value(s) not 0 or 1). Recode it, e.g. "
            f"(df[{fuzzy!r}] > 0).astype(int)"
        )
    below, above = t[x < opts.cutoff], t[x >= opts.cutoff]
    if below.size and above.size:
        lo, hi = np.unique(below), np.unique(above)
        if lo.size == 1 and hi.size == 1 and lo[0] == hi[0]:
            raise DataError(
                f"fuzzy={fuzzy!r} does not jump at the cutoff {opts.cutoff:g}: it is "
                f"{lo[0]:g} for every unit on both sides, so take-up does not depend on "
                "assignment and the fuzzy effect is not identified. Check the column, or drop "
                "fuzzy for a sharp design"
            )
    return t.astype(float)


def _check_weights(w: np.ndarray, *, weights: str) -> np.ndarray:
    negative = int((w < 0).sum())
    if negative:
        raise DataError(
            f"weights={weights!r} has {negative} negative value(s) (first {w[w < 0][0]:g}); "
            "weights must be non-negative. Fix or drop those rows"
        )
    if not (w > 0).any():
        raise DataError(f"weights={weights!r} is zero for every row; nothing would be fitted")
    return w


def _outcome_coefficients(beta: Any, p: int) -> list[float]:
    """The outcome's polynomial coefficients (column 0; take-up and covariates come after)."""
    arr = np.asarray(beta, float)
    arr = arr.reshape(p + 1, -1) if arr.ndim < 2 else arr
    return arr[: p + 1, 0].tolist()


def _first_stage(main: Any) -> dict[str, float]:
    """The jump in take-up: conventional estimate and SE, robust test and interval."""
    return {
        "estimate": float(main.tau_T.iloc[0, 0]),
        "std_error": float(main.se_T.iloc[0, 0]),
        "statistic": float(main.z_T.iloc[2, 0]),
        "p_value": float(main.pv_T.iloc[2, 0]),
        "conf_low": float(main.ci_T.iloc[2, 0]),
        "conf_high": float(main.ci_T.iloc[2, 1]),
    }


def _warn_weak_first_stage(first: dict[str, float], *, fuzzy: str, conf_level: float) -> None:
    if first["conf_low"] <= 0 <= first["conf_high"]:
        warnings.warn(
            f"rdd(): the jump in take-up fuzzy={fuzzy!r} at the cutoff is "
            f"{first['estimate']:.3g} with a robust {conf_level:.0%} interval of "
            f"[{first['conf_low']:.3g}, {first['conf_high']:.3g}], which covers zero: a weak "
            "first stage, so the fuzzy estimate and its interval are unreliable. Check that "
            "assignment at the cutoff changes take-up",
            WeakFirstStageWarning,
            stacklevel=3,
        )


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


def _bandwidths(main: Any, opts: RddOptions) -> dict[str, Any]:
    bws = main.bws
    return {
        "h_left": float(bws.loc["h", "left"]),
        "h_right": float(bws.loc["h", "right"]),
        "b_left": float(bws.loc["b", "left"]),
        "b_right": float(bws.loc["b", "right"]),
        "selector": selector_words(opts),
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
        row: dict[str, Any] = {"multiplier": m, "h": m * h_l, "h_right": m * h_r}
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
