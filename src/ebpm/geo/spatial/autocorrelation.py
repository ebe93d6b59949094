"""Spatial autocorrelation: global Moran's I (:func:`moran`) and local Moran, LISA (:func:`lisa`).

Permutation inference is computed here with a :class:`numpy.random.Generator` seeded by
``seed``: esda 2.9's global ``Moran`` draws from NumPy's global random state, and its local
``Moran_Local`` compiles a numba kernel on first use in every process (about 20 s). The
statistics themselves (I, E[I], analytical variances, local I, quadrants) come from esda.
"""

from __future__ import annotations

import math
import re
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Any, overload

import numpy as np
import pandas as pd

from ebpm.errors import (
    ColumnNotFoundError,
    DataError,
    InvalidOptionError,
    MissingValueWarning,
    NonNumericError,
    did_you_mean,
)
from ebpm.geo.spatial._units import _check_int, _check_seed, _list, _units
from ebpm.geo.spatial.neighbours import (
    WeightsKind,
    _build_weights,
    _Built,
    _row_standardised,
    _user_weights,
)
from ebpm.geo.spatial.result import LisaResult, _moran_scatter
from ebpm.results import EstimateResult

if TYPE_CHECKING:  # pragma: no cover
    import geopandas as gpd


#: esda's quadrant numbers (PySAL scheme) -> labels.
_QUADRANTS = {1: "HH", 2: "LH", 3: "LL", 4: "HL"}
#: Upper bound on array elements materialised at once by the permutation loops.
_CHUNK_ELEMENTS = 4_000_000


# --- shared preparation for moran / lisa -------------------------------------------------------
@dataclass(frozen=True)
class _Prepared:
    frame: Any  # the GeoDataFrame rows used, in the order of y
    y: np.ndarray
    labels: list[str]
    id_col: str | None
    built: _Built
    dropped: tuple[str, ...]
    no_geometry: tuple[str, ...] = ()


def _values(gdf: pd.DataFrame, column: Any, labels: Sequence[str], *, func: str) -> pd.Series:
    if column not in gdf.columns:
        cols = [c for c in map(str, gdf.columns) if c != gdf.geometry.name]
        raise ColumnNotFoundError(
            f"column={column!r} is not a column of the data.{did_you_mean(str(column), cols)} "
            f"Columns are: {', '.join(cols)}."
        )
    series = gdf[column]
    if pd.api.types.is_bool_dtype(series) or pd.api.types.is_numeric_dtype(series):
        values = series.astype("float64")
    else:
        converted = pd.to_numeric(series, errors="coerce")
        bad = np.flatnonzero((converted.isna() & series.notna()).to_numpy())
        if len(bad):
            raise NonNumericError(
                f"column={column!r} must be numeric; it holds {series.iloc[bad[0]]!r} "
                f"(unit {labels[bad[0]]}). Convert it first, e.g. "
                "pd.to_numeric(gdf[column], errors='coerce')"
            )
        values = converted.astype("float64")
    infinite = np.flatnonzero(np.isinf(values.to_numpy()))
    if len(infinite):
        names = [labels[int(p)] for p in infinite]
        raise DataError(
            f"column={column!r} is infinite for {_list(names)}; a rate with a zero denominator? "
            "Set those values to NaN (they are then dropped with a warning) or fix them"
        )
    return values


def _prepare(
    gdf: Any,
    column: Any,
    *,
    w: Any,
    kind: str | None,
    k: int | None,
    connect_islands: bool | int,
    ids: str | None,
    func: str,
) -> _Prepared:
    units = _units(gdf, ids, func=func, stacklevel=4)
    gdf, id_values, id_col, labels = units.frame, units.id_values, units.id_col, units.labels
    values = _values(gdf, column, labels, func=func)
    missing = values.isna().to_numpy()
    if missing.all():
        raise DataError(
            f"{func}(): every value of column={column!r} is missing; check the join that "
            "produced it (ebpm.geo.attach reports unmatched rows in .attrs)"
        )
    dropped = tuple(labels[p] for p in np.flatnonzero(missing))
    if dropped:
        warnings.warn(
            f"{func}(): dropped {len(dropped)} of {len(gdf)} unit(s) with a missing "
            f"{column!r}: {_list(list(dropped))}. Neighbour relations are built without them; "
            "impute or filter them first to silence this",
            MissingValueWarning,
            stacklevel=3,
        )
    keep = ~missing
    n = int(keep.sum())
    if n < 3:
        raise DataError(
            f"{func}() needs at least 3 units with a value of {column!r}, got {n}; spatial "
            "autocorrelation is not defined for fewer"
        )
    y = values.to_numpy()[keep]
    if np.ptp(y) == 0:
        raise DataError(
            f"{func}(): column={column!r} has the same value ({y[0]:g}) in every unit, so its "
            "spatial autocorrelation is undefined"
        )
    frame = gdf.loc[keep] if missing.any() else gdf
    kept_labels = [lab for lab, ok in zip(labels, keep, strict=True) if ok]
    kept_ids = [v for v, ok in zip(id_values, keep, strict=True) if ok]
    if w is None:
        built = _build_weights(
            frame,
            kept_ids,
            kept_labels,
            kind=kind or "queen",
            k=k,
            threshold=None,
            connect_islands=connect_islands,
            assume_crs=None,
            func=func,
            stacklevel=4,
        )
    else:
        if kind is not None or k is not None or connect_islands:
            raise InvalidOptionError(
                f"{func}(): pass either w= or kind=/k=/connect_islands=, not both; build the "
                "weights with ebpm.geo.weights(gdf, kind=..., ...) and pass them as w"
            )
        built = _user_weights(
            w, gdf, id_values, labels, keep, func=func, no_geometry=len(units.no_geometry)
        )
    return _Prepared(
        frame=frame,
        y=y,
        labels=kept_labels,
        id_col=id_col,
        built=built,
        dropped=dropped,
        no_geometry=units.no_geometry,
    )


# --- global Moran's I ------------------------------------------------------------------------
def _permute_global(
    z: np.ndarray, sparse: Any, s0: float, permutations: int, rng: np.random.Generator
) -> np.ndarray:
    """Moran's I of ``permutations`` random relabellings of ``z`` (row-standardised W)."""
    n = len(z)
    z2ss = float(z @ z)
    out = np.empty(permutations)
    step = max(1, _CHUNK_ELEMENTS // n)
    for start in range(0, permutations, step):
        m = min(step, permutations - start)
        zp = rng.permuted(np.broadcast_to(z, (m, n)), axis=1)
        lag = (sparse @ zp.T).T
        out[start : start + m] = (n / s0) * np.einsum("ij,ij->i", zp, lag) / z2ss
    return out


@overload
def _folded_p(larger: int, smaller: int, permutations: int) -> float: ...
@overload
def _folded_p(larger: np.ndarray, smaller: np.ndarray, permutations: int) -> np.ndarray: ...
def _folded_p(
    larger: np.ndarray | int, smaller: np.ndarray | int, permutations: int
) -> np.ndarray | float:
    """Pseudo p-value ``(min(#sim >= obs, #sim <= obs) + 1) / (permutations + 1)``, at most 1.

    As GeoDa and esda, except that ties count on both sides: a statistic every permutation
    reproduces (a unit whose value is the mean has I_i = 0 whatever its neighbours) gets p = 1,
    not the smallest possible p.
    """
    extreme = np.minimum(larger, smaller)
    return np.minimum(1.0, (extreme + 1.0) / (permutations + 1.0))


#: Printed by ``summary()`` on the line EstimateResult labels "identifying assumption".
_MORAN_ASSUMPTION = (
    "spatial randomness given the weights (I itself is descriptive and assumes nothing): the "
    "weights fix who neighbours whom, and every assignment of the observed values to the "
    "units is equally likely"
)

_MORAN_ASSUMPTION_JA = (
    "重みのもとでの空間的ランダム性（I 自体は記述統計で、仮定を置かない）：重みが近隣関係を定め、"
    "観測値の単位への割り当てはどれも等しく起こりうる"
)
#: The weights ebpm builds, in Japanese (user-supplied and other descriptions stay as given).
_WEIGHTS_JA = {
    "queen contiguity": "クイーン型隣接",
    "rook contiguity": "ルーク型隣接",
    "user-supplied weights": "利用者が指定した重み",
}


_ISLANDS_LINKED = re.compile(r"; islands linked to their (\d+) nearest unit\(s\)")


_KNN = re.compile(r"(\d+) nearest neighbours \(centroid distance\)")
_BAND = re.compile(r"distance band \(<= (.+)\)")


def _weights_ja(description: str) -> str:
    head, sep, rest = description.partition(";")
    rest = _ISLANDS_LINKED.sub(r"、近隣のない単位は最も近い\1単位と連結", sep + rest)
    head = _KNN.sub(r"重心間距離で最も近い\1単位", head)
    head = _BAND.sub(r"距離帯（\1以内）", head)
    return _WEIGHTS_JA.get(head, head) + rest


def moran(
    gdf: gpd.GeoDataFrame,
    column: str,
    *,
    w: Any = None,
    kind: WeightsKind | None = None,
    k: int | None = None,
    connect_islands: bool | int = False,
    ids: str | None = None,
    permutations: int = 999,
    seed: int | None = None,
    conf_level: float = 0.95,
) -> EstimateResult:
    """Global Moran's I of ``column`` with its permutation p-value.

    Parameters
    ----------
    gdf : geopandas.GeoDataFrame
        One row per area: a panel (area x year) is refused, filter it to one period first.
        Rows without geometry are left out with an ``UnmatchedRowsWarning`` naming them.
        Not modified.
    column : str
        Numeric column. Units with a missing value are dropped with a
        ``MissingValueWarning`` naming them, before the weights are built.
    w : libpysal.weights.W or libpysal.graph.Graph, optional
        Weights whose ids are the unit ids (see ``ids``) or the index of ``gdf``. A copy is
        row-standardised; ``w`` itself is not changed. Without ``w``, weights are built with
        :func:`weights` from ``kind``, ``k`` and ``connect_islands``.
    kind : {"queen", "rook", "knn", "distance"}, optional
        Weights to build when ``w`` is None (default ``"queen"``).
    k : int, optional
        Neighbours for ``kind="knn"``.
    connect_islands : bool or int, default False
        Link units without neighbours to their nearest unit(s) (see :func:`weights`).
    ids : str, optional
        Column identifying units (default ``code`` when present, otherwise the index).
    permutations : int, default 999
        Random permutations for the pseudo p-value; 0 uses the analytical randomisation test
        (at least 4 units).
    seed : int, optional
        Seed of the permutations. None draws one, recorded in ``diagnostics["seed"]``, so every
        result can be reproduced.
    conf_level : float, default 0.95
        Sets ``z`` in the rough interval ``I +/- z * sd`` (see Notes); not a confidence level.

    Returns
    -------
    EstimateResult
        ``method="moran"``, one term ``moran_i``. ``p_value`` is the permutation pseudo
        p-value, ``std_error`` the standard deviation of I over the permutations and
        ``statistic`` the z-score ``(I - mean) / sd`` (with ``permutations=0``: the
        analytical randomisation moments and a two-sided normal p-value). ``plot()`` draws the
        Moran scatterplot. ``diagnostics``: ``expected_i`` (-1/(n-1)), ``variance_norm``,
        ``z_norm``, ``p_norm``, ``variance_rand``, ``z_rand``, ``p_rand`` (two-sided,
        analytical), ``permutations``, ``seed``, ``mean_sim``, ``sd_sim``, ``z_sim``, ``p_sim``,
        ``p_two_sided``, ``weights``, ``islands``, ``connected``, ``n_components``, ``dropped``
        (missing value), ``no_geometry`` (rows left out). ``inference`` says what the interval
        is; ``assumption`` states the test's null hypothesis (``summary()`` prints it on the
        line labelled "identifying assumption").

    Raises
    ------
    ColumnNotFoundError, NonNumericError, DataError, InvalidOptionError, MissingCRSError

    Notes
    -----
    ``I = (n / S0) * sum_ij w_ij z_i z_j / sum_i z_i^2`` with row-standardised weights
    (``S0 = n`` minus the number of islands). The pseudo p-value is
    ``(min(#{I* >= I}, #{I* <= I}) + 1) / (permutations + 1)``, as in GeoDa and esda: a one-sided
    p-value in the direction of the observed I (positive or negative autocorrelation), so
    under spatial randomness about ``2 * alpha`` of tests reach ``p <= alpha``;
    ``diagnostics["p_two_sided"]`` doubles it. Permutations use
    ``numpy.random.default_rng(seed)`` and never touch NumPy's global random state.

    Moran's I is descriptive and has no standard confidence interval. ``conf_low`` and
    ``conf_high`` are ``I +/- z * sd``, where sd is the spread of I under the null hypothesis
    (over the permutations, or analytically under randomisation), not the sampling error of
    I; they are reported so that the result has the shape of every ebpm estimate, and
    ``inference`` (printed by ``summary()``) says so. Use the p-value for the test.

    References
    ----------
    Moran, P. A. P. (1950). Notes on continuous stochastic phenomena. *Biometrika*, 37, 17-23.
    Cliff, A. D., & Ord, J. K. (1981). *Spatial Processes: Models and Applications*. Pion.
    Anselin, L. (1995). Local indicators of spatial association - LISA. *Geographical
    Analysis*, 27(2), 93-115.
    """
    import esda
    from scipy import stats

    permutations = _check_int("permutations", permutations, minimum=0)
    seed = _check_seed(seed)
    if not 0 < conf_level < 1:
        raise InvalidOptionError(f"conf_level={conf_level!r} must be between 0 and 1, e.g. 0.95")
    prep = _prepare(
        gdf, column, w=w, kind=kind, k=k, connect_islands=connect_islands, ids=ids, func="moran"
    )
    n = len(prep.y)
    if not permutations and n < 4:
        raise DataError(
            f"moran(): the analytical test (permutations=0) needs at least 4 units, got {n}: "
            "its variance under randomisation divides by n - 3. Use permutations (e.g. "
            "permutations=999) or more units"
        )
    wr = _row_standardised(prep.built.w)
    with np.errstate(divide="ignore", invalid="ignore"):  # esda's VI_rand is NaN for 3 units
        mi = esda.Moran(prep.y, wr, transformation="r", permutations=0)
    observed = float(mi.I)
    se, stat, p_value, diag = _moran_test(mi, prep.y, wr, permutations=permutations, seed=seed)
    crit = float(stats.norm.ppf(0.5 + conf_level / 2))
    table = pd.DataFrame(
        {
            "term": ["moran_i"],
            "estimate": [observed],
            "std_error": [se],
            "statistic": [stat],
            "p_value": [p_value],
            "conf_low": [observed - crit * se],
            "conf_high": [observed + crit * se],
            "expected": [float(mi.EI)],
        }
    )
    built = prep.built
    diag.update(
        weights=built.description,
        transformation="row-standardised",
        islands=list(built.islands),
        connected=list(built.connected),
        n_components=built.n_components,
        dropped=list(prep.dropped),
        no_geometry=list(prep.no_geometry),
    )
    zs = (prep.y - prep.y.mean()) / prep.y.std()
    lag = np.asarray(wr.sparse @ zs).ravel()
    return EstimateResult(
        method="moran",
        title="Global Moran's I (spatial autocorrelation)",
        estimand=f"Moran's I of {column} (weights: {built.description}; row-standardised)",
        table=table,
        headline="moran_i",
        n_obs=n,
        inference=_moran_inference(permutations, seed, crit),
        conf_level=conf_level,
        design={
            "outcome": column,
            "unit": prep.id_col or "index",
            "n_units": n,
            "weights": built.description,
        },
        diagnostics=diag,
        provenance=dict(gdf.attrs.get("ebpm", {})),
        assumption=_MORAN_ASSUMPTION,
        plotter=partial(_moran_scatter, z=zs, lag=lag, column=str(column)),
        assumption_label="null hypothesis",
        interval_label=_moran_interval_label(permutations),
        translations={
            "ja": {
                "estimand": f"{column} のMoranのI（空間重み：{_weights_ja(built.description)}、"
                "行基準化）",
                "inference": _moran_inference(permutations, seed, crit, lang="ja"),
                "assumption": _MORAN_ASSUMPTION_JA,
                "interval_label": _moran_interval_label(permutations, lang="ja"),
            }
        },
    )


def _moran_test(
    mi: Any, y: np.ndarray, wr: Any, *, permutations: int, seed: int
) -> tuple[float, float, float, dict[str, Any]]:
    """The spread of I under the null, its z-score and p-value: over ``permutations`` seeded
    relabellings, or analytical under randomisation when there are none; with the diagnostics
    of both tests."""
    observed = float(mi.I)
    diag: dict[str, Any] = {
        "expected_i": float(mi.EI),
        "variance_norm": float(mi.VI_norm),
        "z_norm": float(mi.z_norm),
        "p_norm": float(mi.p_norm),
        "variance_rand": float(mi.VI_rand),
        "z_rand": float(mi.z_rand),
        "p_rand": float(mi.p_rand),
        "permutations": permutations,
        "seed": seed,
    }
    if permutations:
        rng = np.random.default_rng(seed)
        z = y - y.mean()
        sim = _permute_global(z, wr.sparse, float(wr.s0), permutations, rng)
        mean_sim, sd_sim = float(sim.mean()), float(sim.std())
        above, below = np.count_nonzero(sim >= observed), np.count_nonzero(sim <= observed)
        p_value = float(_folded_p(int(above), int(below), permutations))
        se, stat = sd_sim, (observed - mean_sim) / sd_sim if sd_sim > 0 else math.nan
        diag.update(
            mean_sim=mean_sim,
            sd_sim=sd_sim,
            z_sim=stat,
            p_sim=p_value,
            p_two_sided=min(1.0, 2 * p_value),
        )
    else:
        se, stat, p_value = float(mi.seI_rand), float(mi.z_rand), float(mi.p_rand)
    return se, stat, p_value, diag


def _moran_inference(permutations: int, seed: int, crit: float, lang: str = "en") -> str:
    """What the p-value and the rough interval of a Moran result are."""
    if lang == "ja" and permutations:
        return (
            f"並べ替え検定（{permutations} 回、シード {seed}、疑似p値）。信頼区間：I ± "
            f"{crit:.2f} × 並べ替え分布の標準偏差（目安。判断には並べ替え検定のp値を用いる）"
        )
    if lang == "ja":
        return (
            "ランダム化のもとでの解析的検定（両側、正規近似のp値）。信頼区間：I ± "
            f"{crit:.2f} × ランダム化のもとでの標準偏差（解析的、目安。判断にはp値を用いる）"
        )
    if permutations:
        return (
            f"permutation test ({permutations} permutations, seed {seed}; pseudo p-value); "
            f"interval: I ± {crit:.2f} × sd of the permutation distribution "
            "(a rough guide; use the permutation p-value)"
        )
    return (
        "analytical test under randomisation (two-sided normal p-value); "
        f"interval: I ± {crit:.2f} × sd under randomisation (analytical) "
        "(a rough guide; use the p-value)"
    )


def _moran_interval_label(permutations: int, lang: str = "en") -> str:
    """The footer of ``summary()``: the spread behind the rough interval of a Moran result."""
    if lang == "ja":
        spread = "並べ替え分布の標準偏差" if permutations else "ランダム化のもとでの標準偏差"
        return f"信頼区間（I ± z × {spread}、目安）"
    if permutations:
        return "intervals: I ± z × sd of the permutation distribution, a rough guide"
    return "intervals: I ± z × sd under randomisation (analytical), a rough guide"


# --- local Moran (LISA) ------------------------------------------------------------------------
def _permute_local(
    z: np.ndarray,
    sparse: Any,
    local_i: np.ndarray,
    permutations: int,
    rng: np.random.Generator,
) -> np.ndarray:
    """Conditional-permutation pseudo p-values of local Moran's I (Anselin 1995).

    For unit i, z_i stays put and its neighbours' values are drawn without replacement from
    the other n - 1 units; as in esda, one set of draws of ``max cardinality`` positions is
    shared by all units, each using as many as it has neighbours.
    """
    n = len(z)
    csr = sparse.tocsr()
    card = np.diff(csr.indptr)
    kmax = int(card.max())
    slots = np.arange(csr.nnz) - np.repeat(csr.indptr[:-1], card)
    wpad = np.zeros((n, kmax))
    wpad[np.repeat(np.arange(n), card), slots] = csr.data
    scale = (n - 1) * z / float(z @ z)
    larger = np.zeros(n, dtype=np.int64)
    smaller = np.zeros(n, dtype=np.int64)
    rows = np.arange(n)[:, None, None]
    step = max(1, _CHUNK_ELEMENTS // max(1, n * kmax))
    for start in range(0, permutations, step):
        m = min(step, permutations - start)
        draws = np.stack([rng.choice(n - 1, size=kmax, replace=False) for _ in range(m)])
        picks = draws[None, :, :] + (draws[None, :, :] >= rows)  # skip unit i itself
        lag = np.einsum("imk,ik->im", z[picks], wpad)
        sim = scale[:, None] * lag
        larger += (sim >= local_i[:, None]).sum(axis=1)
        smaller += (sim <= local_i[:, None]).sum(axis=1)
    return _folded_p(larger, smaller, permutations)


def lisa(
    gdf: gpd.GeoDataFrame,
    column: str,
    *,
    w: Any = None,
    kind: WeightsKind | None = None,
    k: int | None = None,
    connect_islands: bool | int = False,
    ids: str | None = None,
    permutations: int = 999,
    seed: int | None = None,
    alpha: float = 0.05,
) -> LisaResult:
    """Local Moran's I (LISA) of ``column``: hot spots, cold spots and spatial outliers.

    Parameters
    ----------
    gdf : geopandas.GeoDataFrame
        One row per area, as in :func:`moran` (panels are refused; rows without geometry are
        left out with a warning). Not modified.
    column : str
        Numeric column; units with a missing value are dropped with a warning naming them.
    w, kind, k, connect_islands, ids :
        Weights, as in :func:`moran` (default queen contiguity), row-standardised on a copy.
    permutations : int, default 999
        Conditional permutations per unit (at least 1).
    seed : int, optional
        Seed of the permutations; None draws one and records it in ``result.seed``.
    alpha : float, default 0.05
        A unit is in a cluster when its pseudo p-value is at most ``alpha``.

    Returns
    -------
    LisaResult
        Per-unit ``table``, ``frame`` (GeoDataFrame), ``counts()``, ``summary()``,
        ``tidy()``, ``plot()`` (cluster map) and ``to_dict()``.

    Raises
    ------
    ColumnNotFoundError, NonNumericError, DataError, InvalidOptionError, MissingCRSError

    Notes
    -----
    ``I_i = (n - 1) z_i sum_j w_ij z_j / sum_j z_j^2`` (esda's ``Moran_Local``), with
    row-standardised weights. Quadrants: HH (high value, high neighbours), LL, LH (low value
    among high neighbours), HL. The pseudo p-value holds ``z_i`` fixed and permutes the other
    values (conditional randomisation), folded as in GeoDa:
    ``(min(#{I_i* >= I_i}, #{I_i* <= I_i}) + 1) / (permutations + 1)``, one-sided in the
    direction of the observed ``I_i``: under spatial randomness about ``2 * alpha`` of the units
    reach ``p <= alpha``. Unlike esda, ties count on both sides, so a unit whose value equals
    the mean (``I_i = 0`` under every permutation) gets p = 1 instead of the smallest p. The
    permutations are
    drawn here with ``numpy.random.default_rng(seed)`` (esda's version needs a numba compile
    of about 20 s per process). With many units some will pass ``alpha`` by chance: the
    p-values are not adjusted for multiple testing (Anselin 1995 suggests Bonferroni or a
    smaller ``alpha``; ``esda.fdr`` gives a false-discovery-rate cut-off).

    References
    ----------
    Anselin, L. (1995). Local indicators of spatial association - LISA. *Geographical
    Analysis*, 27(2), 93-115.
    """
    import esda

    permutations = _check_int("permutations", permutations, minimum=1)
    seed = _check_seed(seed)
    if isinstance(alpha, bool) or not isinstance(alpha, int | float) or not 0 < alpha < 1:
        raise InvalidOptionError(f"alpha={alpha!r} must be between 0 and 1, e.g. 0.05")
    prep = _prepare(
        gdf, column, w=w, kind=kind, k=k, connect_islands=connect_islands, ids=ids, func="lisa"
    )
    wr = _row_standardised(prep.built.w)
    with np.errstate(all="ignore"):
        lm = esda.Moran_Local(prep.y, wr, transformation="r", permutations=0)
    z = np.asarray(lm.z, dtype=float)
    local_i = np.asarray(lm.Is, dtype=float)
    lag = np.asarray(wr.sparse @ z).ravel()
    island = np.asarray(wr.sparse.getnnz(axis=1) == 0)
    rng = np.random.default_rng(seed)
    p_sim = _permute_local(z, wr.sparse, local_i, permutations, rng)
    p_sim[island] = np.nan
    quadrant = np.array([_QUADRANTS[int(q)] for q in lm.q], dtype=object)
    quadrant[island] = None
    significant = ~island & (p_sim <= alpha)
    cluster = np.where(significant, quadrant, "not significant")
    unit = prep.frame[prep.id_col].tolist() if prep.id_col else prep.frame.index.tolist()
    table = pd.DataFrame(
        {
            "unit": unit,
            "label": prep.labels,
            "value": prep.y,
            "z": z,
            "lag": lag,
            "local_i": local_i,
            "p_sim": p_sim,
            "quadrant": quadrant,
            "cluster": cluster,
            "island": island,
        }
    )
    frame = prep.frame.copy()
    for col in ("local_i", "p_sim", "quadrant", "cluster"):
        frame[f"lisa_{col}"] = table[col].to_numpy()
    n = len(z)
    global_i = float(np.sum(local_i) * n / (wr.s0 * (n - 1)))  # sum of local I's, rescaled
    built = prep.built
    return LisaResult(
        column=str(column),
        table=table,
        frame=frame,
        alpha=float(alpha),
        permutations=permutations,
        seed=seed,
        weights=built.description,
        diagnostics={
            "islands": list(built.islands),
            "connected": list(built.connected),
            "n_components": built.n_components,
            "dropped": list(prep.dropped),
            "no_geometry": list(prep.no_geometry),
            "moran_i": global_i,
        },
        provenance=dict(gdf.attrs.get("ebpm", {})),
    )
