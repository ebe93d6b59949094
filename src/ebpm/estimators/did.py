"""Difference-in-differences by two-way fixed effects (pyfixest)."""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal, get_args

import numpy as np
import pandas as pd

from ebpm.errors import (
    CollinearityWarning,
    DataError,
    EstimationError,
    FewClustersWarning,
    InvalidOptionError,
    NoTreatedUnitsError,
)
from ebpm.estimators import _pyfixest
from ebpm.estimators._common import (
    check_columns,
    check_complete,
    check_numeric,
    check_option,
    check_weights,
    drop_missing,
    duplicate_rows_error,
    require_frame,
)
from ebpm.estimators._did_wild import wild_twfe
from ebpm.estimators.bacon import check_adoption
from ebpm.results import EstimateResult, tidy_table

if TYPE_CHECKING:
    from ebpm.estimators._pyfixest import Feols

__all__ = ["VcovKind", "did"]

VcovKind = Literal["iid", "hetero", "cluster", "wild"]
VCOV_KINDS: tuple[VcovKind, ...] = get_args(VcovKind)
#: Below this many clusters, CRV1 inference over-rejects (Cameron, Gelbach & Miller 2008).
FEW_CLUSTERS = 30
#: A regressor is dropped when less than this share of its sum of squares is left once the fixed
#: effects and the regressors before it are removed. fixest and pyfixest test the same pivot on
#: the raw scale (1e-6 absolute), where a covariate's units decide the outcome; here shares do.
COLLINEAR_TOL = 1e-10


def _codes(series: pd.Series) -> tuple[np.ndarray, int, Any]:
    """Integer codes 0..n-1 of a column's values, n, and the value of each code; small integer
    ids take a fast path whose codes follow the values' order."""
    values = series.to_numpy()
    if values.dtype.kind in "iu" and len(values):
        lo, hi = int(values.min()), int(values.max())
        if hi - lo < 4 * len(values) + 1024:
            present = np.zeros(hi - lo + 1, dtype=bool)
            shifted = values.astype(np.int64, copy=False)  # read, never written
            shifted = shifted - lo if lo else shifted
            present[shifted] = True
            if present.all():  # ids are already 0..n-1 up to a shift
                return shifted, len(present), np.arange(lo, hi + 1)
            rank = np.cumsum(present) - 1
            return rank[shifted], int(present.sum()), np.flatnonzero(present) + lo
    codes, uniques = pd.factorize(series)
    return codes, len(uniques), uniques


def _binary(series: pd.Series, role: str) -> np.ndarray:
    values = series.to_numpy()
    if values.dtype.kind in "biuf":
        as_float = values.astype("float64")
        if ((as_float == 0) | (as_float == 1)).all():
            return as_float
    values = set(pd.unique(series.dropna()))
    if values <= {0, 1} or values <= {True, False}:
        return series.astype("float64").to_numpy()
    shown = sorted(map(str, values))[:6]
    raise DataError(
        f"{role}={series.name!r} must be 0/1 (or True/False) marking treated unit-periods; it "
        f"holds {shown}. Build it, e.g. df['treated'] = (df.state == 'X') & (df.year >= 2011)"
    )


def _balanced_demeaner(
    cell: np.ndarray, n_u: int, n_t: int, *, in_order: bool
) -> Callable[[np.ndarray], np.ndarray]:
    """Exact two-way demeaning of columns of a balanced panel whose rows sit at ``cell``
    (``in_order``: the rows are sorted by unit, then time, so row i sits at cell i)."""
    n = len(cell)

    def demeaned(v: np.ndarray) -> np.ndarray:
        # rows are units, columns periods: the row order of the data does not matter for OLS
        if in_order:
            out = v - v.mean()  # a new array, about the mean: a population in millions stays exact
        else:
            out = np.empty(n)
            out[cell] = v
            out -= out.mean()
        # In place on one array (each new array of a large panel costs its page faults). In a
        # balanced grid the period means of the unit-demeaned values are the period means less
        # the grand mean, so this is v - unit mean - period mean + grand mean. einsum sums the
        # short rows several times faster than grid.mean(axis=1).
        grid = out.reshape(n_u, n_t)
        grid -= np.einsum("ij->i", grid)[:, None] / n_t
        grid -= np.einsum("ij->j", grid) / n_u
        return out  # in unit-then-time order, whatever the order of the rows

    return demeaned


def _collinear(xd: np.ndarray, spread: np.ndarray) -> list[tuple[int, list[int]]]:
    """Regressors to drop, in order, each with the earlier kept regressors it is a combination of.

    ``xd`` holds the regressors after the fixed effects are removed (weighted by the square root
    of the weights), ``spread`` each one's root sum of squares about its mean before. Going left
    to right, as fixest and pyfixest do, a regressor is dropped when the share of its spread that
    neither the fixed effects nor the regressors kept before it explain is below
    ``COLLINEAR_TOL``; an empty partner list means the fixed effects alone absorb it. Working in
    shares makes the test blind to units: a population of 1e7 and a rate of 1e-3 are judged alike.
    """
    k = xd.shape[1]
    safe = np.where(spread > 0, spread, 1.0)
    gram = (xd.T @ xd) / np.outer(safe, safe)
    kept: list[int] = []
    dropped: list[tuple[int, list[int]]] = []
    for j in range(k):
        if spread[j] == 0 or gram[j, j] < COLLINEAR_TOL:
            dropped.append((j, []))
            continue
        if kept:
            coef = np.linalg.solve(gram[np.ix_(kept, kept)], gram[kept, j])
            left = gram[j, j] - gram[kept, j] @ coef
            if left < COLLINEAR_TOL * gram[j, j]:
                weight = np.abs(coef) * np.sqrt(np.diag(gram)[kept])
                partners = [kept[i] for i in np.flatnonzero(weight > 1e-6 * np.sqrt(gram[j, j]))]
                dropped.append((j, partners))
                continue
        kept.append(j)
    return dropped


def _absorbed_by(x: np.ndarray, spread: float, codes: np.ndarray, n: int) -> bool:
    """Whether ``x`` is constant within each group of ``codes`` (up to ``COLLINEAR_TOL``)."""
    means = np.bincount(codes, weights=x, minlength=n) / np.bincount(codes, minlength=n)
    left = x - means[codes]
    return spread == 0 or float(left @ left) < COLLINEAR_TOL * spread**2


def _twfe_balanced(
    y: np.ndarray,
    yd: np.ndarray,
    xd: np.ndarray,
    cols: list[str],
    n_u: int,
    n_t: int,
    *,
    vcov: str,
    conf_level: float,
) -> tuple[pd.DataFrame, float, float]:
    """OLS with unit and time fixed effects on a balanced panel, from exactly demeaned columns.

    ``xd`` must be free of collinear columns (:func:`_collinear`). The rows of ``yd`` and ``xd``
    are in unit-then-time order. Small-sample corrections follow pyfixest's defaults (R
    fixest's): iid and HC1 count every fixed effect; CRV1 by unit counts the regressors and the
    time effects (the unit effects are nested in the clusters) and uses G/(G-1) with t(G-1).
    """
    n = len(y)
    # Solve on columns scaled to unit length, so a covariate in the millions (population) does
    # not make the normal equations look singular; the scaling is undone exactly after.
    # (X'X scaled to a unit diagonal is the cross-product of the scaled columns.)
    xtx = xd.T @ xd
    root = np.sqrt(np.diag(xtx))
    scale = np.outer(root, root)
    inv = np.linalg.inv(xtx / scale) / scale
    beta = inv @ (xd.T @ yd)
    k = len(cols)
    if k == 1:  # OpenBLAS multiplies a one-column matrix by a vector several times slower
        e = xd[:, 0] * -beta[0]
        e += yd
    else:
        e = yd - xd @ beta
    if vcov == "cluster":
        # per unit (grid rows); einsum sums the short rows faster than .sum(axis=1)
        scores = np.einsum("ijk,ij->ik", xd.reshape(n_u, n_t, k), e.reshape(n_u, n_t))
        meat = scores.T @ scores
        df_k = k + n_t  # the unit effects are nested in the clusters; the time effects count
        adj = (n_u / (n_u - 1)) * (n - 1) / (n - df_k)
        df_t = n_u - 1
    elif vcov == "hetero":
        xe = xd * e[:, None]
        meat = xe.T @ xe
        df_k = k + n_u + n_t - 1
        adj = n / (n - df_k)
        df_t = n - df_k
    else:  # iid
        df_k = k + n_u + n_t - 1
        meat = xtx * (e @ e) / (n - df_k)
        adj = 1.0
        df_t = n - df_k
    cov = inv @ meat @ inv * adj
    table = tidy_table(cols, beta, np.sqrt(np.diag(cov)), df=df_t, conf_level=conf_level)
    centred = y - y.mean()
    sst = float(centred @ centred)
    ssr = float(e @ e)
    return table, 1 - ssr / sst, 1 - ssr / float(yd @ yd)


def did(
    data: pd.DataFrame,
    *,
    outcome: str,
    unit: str,
    time: str,
    treated: str,
    covariates: Sequence[str] | None = None,
    weights: str | None = None,
    cluster: str | None = None,
    vcov: VcovKind | None = None,
    conf_level: float = 0.95,
    reps: int = 9999,
    seed: int | None = None,
    placebos: bool = False,
) -> EstimateResult:
    """Difference-in-differences with unit and time fixed effects.

    Fits ``outcome ~ treated + covariates | unit + time`` by least squares with pyfixest and
    reports the coefficient on ``treated`` as the ATT.

    Parameters
    ----------
    data : pandas.DataFrame
        A panel, one row per unit and period. Not modified.
    outcome : str
        Column with the outcome.
    unit : str
        Column identifying units (states, prefectures, municipalities...).
    time : str
        Column identifying periods.
    treated : str
        0/1 (or boolean) column: 1 where the unit is treated in that period.
    covariates : sequence of str, optional
        Time-varying controls added linearly.
    weights : str, optional
        Column of analytic (regression) weights.
    cluster : str, optional
        Column to cluster standard errors by; defaults to ``unit``.
    vcov : {"cluster", "hetero", "iid", "wild"}, optional
        Standard errors: cluster-robust (CRV1, the default), heteroskedasticity-robust (HC1),
        classical, or the wild cluster bootstrap ("wild": restricted WCR-11 of MacKinnon &
        Webb, as Stata's boottest and R's fwildclusterboot; Rademacher weights, every sign
        pattern when there are no more than ``reps``, Webb's six-point weights with 12 or fewer
        clusters). With "wild" the p-value is the bootstrap p-value of ``treated = 0`` and the
        interval is found by test inversion, as those tools report it: the values ``r`` of the
        effect that the bootstrap test of ``treated = r`` does not reject at ``1 - conf_level``.
        It need not be symmetric about the estimate, and it is unbounded (``inf``) when no value
        is rejected, as with one treated cluster. The standard error shown is CRV1's.
    conf_level : float, default 0.95
        Confidence level of the intervals.
    reps : int, default 9999
        Bootstrap replications for ``vcov="wild"``.
    seed : int, optional
        Seed of the wild bootstrap and of the placebo draws, for reproducible p-values.
    placebos : bool, default False
        Placebo (permutation) inference across control units: the treated units' treatment
        paths are given to control units instead (every choice of controls, or ``reps`` random
        ones when there are more), the model is fitted on the control units alone, and
        ``diagnostics["placebo"]`` holds the placebo estimates and the permutation p-value
        ``(1 + #{|placebo| >= |estimate|}) / (1 + placebos)`` (Conley & Taber 2011). With few
        treated units it is a check that does not lean on many clusters.

    Returns
    -------
    EstimateResult
        Headline term ``treated`` (the ATT); covariates follow. ``diagnostics`` holds
        ``r2``, ``r2_within``, ``n_treated_obs``, ``dropped_covariates`` and ``adoption``
        (``staggered``, ``adoption_times``, ``switches_off``: when treatment starts, and where
        it stops).

    Raises
    ------
    ColumnNotFoundError
        A column named in a role is missing (the message suggests a close match).
    DataError
        ``treated`` is not 0/1, or nothing is treated, or everything is.
    InvalidOptionError
        ``vcov`` is not one of the choices.
    MissingValueError
        The cluster column has missing values.
    DuplicateRowsError
        Two rows share a unit and period.
    EstimationError
        ``treated`` is collinear with the fixed effects (e.g. every unit treated at once).

    Warns
    -----
    FewClustersWarning
        ``vcov="cluster"`` with fewer than 30 clusters: use ``vcov="wild"``.
    CollinearityWarning
        A covariate was dropped, as pyfixest drops it: the fixed effects absorb it (it is
        time-invariant, say) or it is a combination of ``treated`` and covariates before it.
        The test is on shares of each column's variation, so its units (a population in the
        millions) do not matter.
    StaggeredAdoptionWarning
        Treatment starts in several periods or switches off: see ``bacon_decomposition``.

    Notes
    -----
    The identifying assumption is parallel trends: without treatment, treated and comparison
    units' outcomes would have moved in parallel. With treatment adopted at different times and
    effects that change over time, the TWFE coefficient is a weighted average that can have
    negative weights (Goodman-Bacon 2021); use a staggered-adoption estimator there.

    References
    ----------
    Huntington-Klein, N. (2021). *The Effect*, ch. 18, Difference-in-Differences.
    Kessler, J. B. and Roth, A. E. (2014). NBER Working Paper 20378.
    """
    data = require_frame(data, func="did")
    covariates = list(covariates or [])
    cluster = cluster or unit
    roles = {
        "outcome": outcome,
        "unit": unit,
        "time": time,
        "treated": treated,
        "covariates": covariates,
        "weights": weights,
        "cluster": cluster,
    }
    vcov = _validate(data, roles, vcov=vcov, conf_level=conf_level, reps=reps)
    used = [outcome, unit, time, treated, *covariates, cluster]
    if weights:
        used.append(weights)
    frame = drop_missing(data, used, func="did", label=[unit, time])
    panel = _prepare(frame, roles)
    adoption = check_adoption(
        frame,
        panel.d,
        unit=unit,
        time=time,
        treated=treated,
        units=(panel.u_codes, panel.u_labels),
        periods=panel.periods,
    )
    balanced = len(panel.d) == panel.n_u * panel.n_t
    fast = balanced and not weights and vcov != "wild" and cluster == unit
    fit = _fit(panel, vcov=vcov, fast=fast, weighted=bool(weights), conf_level=conf_level)
    table = fit.raw.assign(term=[panel.labels[t] for t in fit.raw["term"]])
    kept = [panel.labels[t] for t in fit.raw["term"] if t != "d"]
    if vcov == "cluster" and panel.n_clusters < FEW_CLUSTERS:
        warnings.warn(
            f"only {panel.n_clusters} clusters of {cluster!r}: cluster-robust (CRV1) tests "
            f"over-reject with fewer than {FEW_CLUSTERS} clusters; use vcov='wild' (wild "
            "cluster bootstrap)",
            FewClustersWarning,
            stacklevel=2,
        )
    extra: dict[str, object] = {}
    kept_safe = [t for t in fit.raw["term"] if t != "d"]
    if vcov == "wild":
        extra = _wild(panel, kept_safe, table, conf_level=conf_level, reps=reps, seed=seed)
    if placebos:
        extra["placebo"] = _placebos(panel, kept_safe, table, reps=reps, seed=seed)
    return EstimateResult(
        method="did",
        title="Difference-in-differences (two-way fixed effects)",
        estimand="ATT",
        table=table,
        headline=treated,
        n_obs=fit.n_obs,
        inference=_inference(
            vcov, cluster=cluster, n_clusters=panel.n_clusters, reps=reps, seed=seed
        ),
        translations={
            "ja": {
                "estimand": "処置群の平均処置効果（ATT）",
                "inference": _inference(
                    vcov,
                    cluster=cluster,
                    n_clusters=panel.n_clusters,
                    reps=reps,
                    seed=seed,
                    lang="ja",
                ),
                "assumption": "平行トレンド：政策がなければ、処置群と比較群の結果変数は平行に"
                "推移していた（また、政策は開始前には効果を持たなかった）。",
            }
        },
        conf_level=conf_level,
        design=_design(roles, panel, vcov=vcov),
        diagnostics={
            "r2": fit.r2,
            "r2_within": fit.r2_within,
            "n_treated_obs": panel.n_treated,
            "formula": f"{outcome} ~ {' + '.join([treated, *kept])} | {unit} + {time}",
            "dropped_covariates": [c for c in covariates if c not in kept],
            "adoption": adoption,
            **extra,
        },
        provenance=dict(data.attrs.get("ebpm", {})),
        assumption=(
            "Parallel trends: without the policy, treated and comparison units' outcomes "
            "would have moved in parallel (and the policy had no effect before it started)."
        ),
    )


# --- steps: validate, prepare, fit, result ---------------------------------------------------
@dataclass(frozen=True)
class _Panel:
    """The panel as arrays for the fit, with the integer codes of its units and periods."""

    y: np.ndarray
    d: np.ndarray
    w: np.ndarray | None
    xs: dict[str, np.ndarray]  # covariates by safe name: x0, x1 ...
    labels: dict[str, str]  # safe name -> the caller's column ("d" -> treated)
    unit: str
    time: str
    u_codes: np.ndarray
    n_u: int
    u_labels: Any  # the unit of each code
    t_codes: np.ndarray
    n_t: int
    periods: tuple[np.ndarray, Any] | None  # (codes, labels) when the codes are in time order
    cl_codes: np.ndarray
    n_clusters: int
    cell: np.ndarray  # row -> unit code * n_t + period code
    cells_sorted: bool  # cell increases row by row (so no unit-period repeats)
    n_treated: int


@dataclass(frozen=True)
class _Fit:
    """The coefficient table by safe term names ("d", "x0" ...) and the fit's statistics."""

    raw: pd.DataFrame
    n_obs: int
    r2: float
    r2_within: float
    model: Feols | None  # the pyfixest fit; None on the balanced shortcut


def _validate(
    data: pd.DataFrame,
    roles: dict[str, Any],
    *,
    vcov: VcovKind | None,
    conf_level: float,
    reps: int,
) -> VcovKind:
    """Check the options and the columns named in ``roles``; return the variance choice."""
    checked = check_option("vcov", "cluster" if vcov is None else vcov, VCOV_KINDS)
    if not 0 < conf_level < 1:
        raise DataError(f"conf_level={conf_level!r} must be between 0 and 1, e.g. 0.95")
    check_columns(data, roles)
    if not isinstance(reps, int) or isinstance(reps, bool) or reps < 99:
        raise InvalidOptionError(f"reps={reps!r} must be an integer of at least 99, e.g. 9999")
    check_complete(data, roles["cluster"], role="cluster")
    return checked


def _prepare(frame: pd.DataFrame, roles: dict[str, Any]) -> _Panel:
    """The arrays of the fit, after the checks on the values: numbers, 0/1, weights, both
    treated and untreated rows, one row per unit and period."""
    unit, time, treated, cluster = roles["unit"], roles["time"], roles["treated"], roles["cluster"]
    covariates = roles["covariates"]
    y = check_numeric(frame, roles["outcome"], role="outcome").to_numpy()
    d = _binary(frame[treated], "treated")
    u_codes, n_u, u_labels = _codes(frame[unit])
    t_codes, n_t, t_labels = _codes(frame[time])
    # check_adoption needs period codes in time order: numbers whose codes follow their values
    t_ordered = frame[time].dtype.kind in "iuf" and bool(np.all(np.diff(t_labels) > 0))
    cl_codes, n_clusters, _ = (u_codes, n_u, None) if cluster == unit else _codes(frame[cluster])
    xnames = [f"x{i}" for i in range(len(covariates))]
    xs = {
        name: check_numeric(frame, col, role="covariate").to_numpy()
        for name, col in zip(xnames, covariates, strict=True)
    }
    w = _weights(frame, roles["weights"])
    n_treated = int(d.sum())
    if n_treated == 0 or n_treated == len(d):
        state = "no" if n_treated == 0 else "every"
        raise NoTreatedUnitsError(
            f"treated={treated!r} marks {state} row as treated; a difference-in-differences "
            "needs both treated and untreated unit-periods"
        )
    cell = np.multiply(u_codes, n_t, dtype=np.int64)
    cell += t_codes
    # rows sorted by unit, then time, as panels usually are, cannot repeat a cell: no count
    cells_sorted = bool((cell[1:] > cell[:-1]).all())
    if not cells_sorted:
        counts = np.bincount(cell, minlength=n_u * n_t)
        if counts.max() > 1:
            raise duplicate_rows_error(frame, counts[cell] > 1, unit=unit, time=time)
    return _Panel(
        y=y,
        d=d,
        w=w,
        xs=xs,
        labels={"d": treated, **dict(zip(xnames, covariates, strict=True))},
        unit=unit,
        time=time,
        u_codes=u_codes,
        n_u=n_u,
        u_labels=u_labels,
        t_codes=t_codes,
        n_t=n_t,
        periods=(t_codes, t_labels) if t_ordered else None,
        cl_codes=cl_codes,
        n_clusters=n_clusters,
        cell=cell,
        cells_sorted=cells_sorted,
        n_treated=n_treated,
    )


def _weights(frame: pd.DataFrame, weights: str | None) -> np.ndarray | None:
    """The weights column as an array (None without one), checked positive."""
    return check_weights(frame, weights) if weights else None


def _collinear_error(panel: _Panel) -> EstimationError:
    return EstimationError(
        f"treated={panel.labels['d']!r} is collinear with the {panel.unit}/{panel.time} fixed "
        "effects (for example every unit is treated in the same periods), so no effect is "
        "identified; add never-treated comparison units"
    )


def _fit(panel: _Panel, *, vcov: VcovKind, fast: bool, weighted: bool, conf_level: float) -> _Fit:
    """Remove the fixed effects, drop collinear covariates, then solve: exactly on a balanced
    panel (``fast``), else by pyfixest."""
    regressors = {"d": panel.d, **panel.xs}
    yd, xd, spread_w = _demeaned(panel, regressors, fast=fast)
    xs = panel.xs
    if xd is not None:
        gone = _drop_collinear(panel, regressors, xd, spread_w)
        xs = {name: v for name, v in xs.items() if name not in gone}
        if gone:  # a column selection copies every row
            xd = xd[:, [j for j, name in enumerate(regressors) if name not in gone]]
    if fast and xd is not None:  # xd is always set on the fast path
        raw, r2, r2_within = _twfe_balanced(
            panel.y, yd, xd, ["d", *xs], panel.n_u, panel.n_t, vcov=vcov, conf_level=conf_level
        )
        return _Fit(raw, len(panel.d), r2, r2_within, None)
    return _fit_pyfixest(panel, xs, vcov=vcov, weighted=weighted, conf_level=conf_level)


def _demeaned(
    panel: _Panel, regressors: dict[str, np.ndarray], *, fast: bool
) -> tuple[np.ndarray, np.ndarray | None, np.ndarray | None]:
    """The demeaned outcome (fast path only), the demeaned regressors (None when pyfixest
    fits without covariates) and the weights their spread is measured with (None: equal)."""
    if fast:
        # Exact two-way demeaning of a balanced panel: the same numbers as pyfixest (the
        # tests check), several times faster on large panels (bench/RESULTS.md).
        demeaned = _balanced_demeaner(panel.cell, panel.n_u, panel.n_t, in_order=panel.cells_sorted)
        cols = [demeaned(v) for v in regressors.values()]
        xd = cols[0][:, None] if len(cols) == 1 else np.column_stack(cols)
        return demeaned(panel.y), xd, None
    if not panel.xs:
        return np.empty(0), None, None
    spread_w = np.ones(len(panel.d)) if panel.w is None else panel.w
    centred = np.column_stack([v - np.average(v, weights=spread_w) for v in regressors.values()])
    xd, _ = _pyfixest.demean(
        centred,
        np.column_stack([panel.u_codes, panel.t_codes]).astype(np.uint64),
        spread_w.astype(float),
        tol=1e-12,
    )
    return np.empty(0), xd * np.sqrt(spread_w)[:, None], spread_w


def _drop_collinear(
    panel: _Panel,
    regressors: dict[str, np.ndarray],
    xd: np.ndarray,
    spread_w: np.ndarray | None,
) -> set[str]:
    """The safe names of the covariates to drop, each announced by a CollinearityWarning."""
    values = list(regressors.values())
    if spread_w is None:
        spread = np.array([np.sqrt(np.sum((v - v.mean()) ** 2)) for v in values])
    else:
        spread = np.array(
            [np.sqrt(np.sum(spread_w * (v - np.average(v, weights=spread_w)) ** 2)) for v in values]
        )
    drop = _collinear(xd, spread)
    if drop and drop[0][0] == 0:
        raise _collinear_error(panel)
    names_in = list(regressors)
    for j, partners in drop:
        why = _why_dropped(panel, names_in, partners, values[j], spread[j])
        warnings.warn(
            f"covariate {panel.labels[names_in[j]]!r} was dropped: {why}. It has no coefficient "
            f"of its own (pyfixest and fixest drop it too); remove it from covariates",
            CollinearityWarning,
            stacklevel=4,  # did() -> _fit() -> here: point at the caller of did()
        )
    return {names_in[j] for j, _ in drop}


def _why_dropped(
    panel: _Panel, names_in: list[str], partners: list[int], value: np.ndarray, spread: float
) -> str:
    """Why a covariate goes: a combination of earlier regressors, or absorbed by the effects."""
    unit, time = panel.unit, panel.time
    if partners:
        return (
            "it is a linear combination of "
            + ", ".join(
                f"treated={panel.labels['d']!r}" if p == 0 else repr(panel.labels[names_in[p]])
                for p in partners
            )
            + " given the fixed effects"
        )
    if _absorbed_by(value, spread, panel.u_codes, panel.n_u):
        return f"it does not change over time within {unit}, so the {unit} fixed effects absorb it"
    if _absorbed_by(value, spread, panel.t_codes, panel.n_t):
        return (
            f"it is the same for every {unit} in each {time}, so the {time} fixed effects absorb it"
        )
    return f"it is a sum of a {unit} term and a {time} term, so the fixed effects absorb it"


def _fit_pyfixest(
    panel: _Panel,
    xs: dict[str, np.ndarray],
    *,
    vcov: VcovKind,
    weighted: bool,
    conf_level: float,
) -> _Fit:
    """``y ~ d + covariates | unit + time`` by pyfixest, on safe column names."""
    # safe column names, so formulas never trip over spaces or kanji
    work = pd.DataFrame(
        {
            "y": panel.y,
            "d": panel.d,
            "fe_unit": panel.u_codes,
            "fe_time": panel.t_codes,
            "cl": panel.cl_codes,
            **xs,
        }
    )
    if panel.w is not None:
        work["w"] = panel.w
    fml = f"y ~ {' + '.join(['d', *xs])} | fe_unit + fe_time"
    vcov_arg: str | dict[str, str] = {"CRV1": "cl"} if vcov in ("cluster", "wild") else vcov
    try:
        model = _pyfixest.feols(fml, work, vcov=vcov_arg, weights="w" if weighted else None)
    except ValueError as err:
        if "collinear" not in str(err).lower():
            raise
        raise _collinear_error(panel) from err
    raw = _pyfixest.tidy(model, conf_level=conf_level)
    if "d" not in set(raw["term"]):
        raise _collinear_error(panel)
    for name in _pyfixest.collinear_names(model):
        # what the share test kept but pyfixest's absolute test (on the raw scale) still
        # drops, e.g. a covariate measured in tiny units
        warnings.warn(
            f"covariate {panel.labels[name]!r} was dropped by pyfixest as collinear with the "
            "other regressors and the fixed effects; rescale it (its values are tiny) or remove it",
            CollinearityWarning,
            stacklevel=4,  # did() -> _fit() -> here: point at the caller of did()
        )
    return _Fit(raw, _pyfixest.n_obs(model), _pyfixest.r2(model), _pyfixest.r2_within(model), model)


def _placebos(
    panel: _Panel,
    kept: list[str],
    table: pd.DataFrame,
    *,
    reps: int,
    seed: int | None,
) -> dict[str, Any]:
    """Placebo inference across control units (:mod:`._did_placebo`)."""
    from ebpm.estimators._did_placebo import placebo_test

    unit_names = pd.Index(panel.u_labels).tolist()
    covs = [panel.xs[name] for name in kept]
    return placebo_test(
        y=panel.y,
        d=panel.d,
        u_codes=panel.u_codes,
        t_codes=panel.t_codes,
        n_t=panel.n_t,
        covariates=np.column_stack(covs) if covs else np.empty((len(panel.y), 0)),
        weights=panel.w,
        estimate=float(table.loc[table["term"] == panel.labels["d"], "estimate"].iloc[0]),
        unit_names=unit_names,
        reps=reps,
        seed=seed,
    )


def _wild(
    panel: _Panel,
    kept: list[str],
    table: pd.DataFrame,
    *,
    conf_level: float,
    reps: int,
    seed: int | None,
) -> dict[str, object]:
    """Wild cluster bootstrap: set the treated row's bootstrap p-value and test-inversion
    interval in ``table`` (in place) and return its diagnostics."""
    n = len(panel.y)
    covs = np.column_stack([panel.xs[name] for name in kept]) if kept else np.empty((n, 0))
    clusters, n_clusters, _ = _codes(pd.Series(panel.cl_codes))
    weights_type: Literal["webb", "rademacher"] = "webb" if n_clusters <= 12 else "rademacher"
    boot = wild_twfe(  # weights are positive (check_weights)
        panel.y,
        panel.d,
        u_codes=panel.u_codes,
        t_codes=panel.t_codes,
        covariates=covs,
        weights=panel.w,
        clusters=clusters,
        n_clusters=n_clusters,
        reps=reps,
        seed=seed,
        weights_type=weights_type,
        conf_level=conf_level,
    )
    row = table.index[table["term"] == panel.labels["d"]][0]
    table.loc[row, ["p_value", "conf_low", "conf_high"]] = [
        boot.p_value,
        boot.conf_low,
        boot.conf_high,
    ]
    n_treated_clusters = int(np.count_nonzero(np.bincount(panel.cl_codes[panel.d > 0])))
    if n_treated_clusters < 5:
        warnings.warn(
            f"only {n_treated_clusters} treated cluster(s): the wild cluster bootstrap is "
            "unreliable with so few treated clusters (MacKinnon & Webb 2017); read its "
            "p-value with care and consider randomization inference or synthetic control",
            FewClustersWarning,
            stacklevel=3,  # did() -> here: point at the caller of did()
        )
    return {
        "wild_bootstrap": {
            "reps": boot.reps,
            "seed": seed,
            "weights": weights_type,
            "type": "WCR-11 (null imposed)",
            "interval": "test inversion: the null values the bootstrap test does not reject",
            "full_enumeration": boot.full_enumeration,
            "n_treated_clusters": n_treated_clusters,
        }
    }


def _inference(
    vcov: VcovKind, *, cluster: str, n_clusters: int, reps: int, seed: int | None, lang: str = "en"
) -> str:
    if lang == "ja":
        return {
            "cluster": (
                f"{cluster} 単位のクラスター頑健標準誤差（CRV1）、クラスター数 {n_clusters}、"
                f"t({n_clusters - 1})"
            ),
            "hetero": "不均一分散に頑健な標準誤差（HC1）",
            "iid": "古典的な標準誤差（iid）",
            "wild": (
                f"{cluster} 単位のワイルド・クラスター・ブートストラップ（WCR、{reps} 回、"
                f"シード {seed}）、クラスター数 {n_clusters}、検定の反転による信頼区間"
            ),
        }[vcov]
    return {
        "cluster": (
            f"cluster-robust (CRV1) by {cluster}, {n_clusters} clusters, t({n_clusters - 1})"
        ),
        "hetero": "heteroskedasticity-robust (HC1)",
        "iid": "classical (iid)",
        "wild": (
            f"wild cluster bootstrap by {cluster} (WCR, {reps} reps, seed {seed}), "
            f"{n_clusters} clusters; interval by test inversion"
        ),
    }[vcov]


def _design(roles: dict[str, Any], panel: _Panel, *, vcov: VcovKind) -> dict[str, Any]:
    clustered = vcov in ("cluster", "wild")
    design = {
        **roles,
        "cluster": roles["cluster"] if clustered else None,
        "n_units": panel.n_u,
        "n_periods": panel.n_t,
        "n_treated_units": int(np.count_nonzero(np.bincount(panel.u_codes[panel.d > 0]))),
    }
    if clustered:
        design["n_clusters"] = panel.n_clusters
    return design
