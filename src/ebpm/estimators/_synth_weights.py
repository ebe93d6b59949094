"""Donor weights of synthetic control: Frank-Wolfe on the simplex, and the nested V search.

The solvers behind :func:`ebpm.estimators.synth.synthetic_control`, apart from the design: the
Frank-Wolfe loop (compiled by numba when it is there), the regularisation-free SC weights of
synthdid's ``sc_estimate``, and the nested Abadie-Diamond-Hainmueller problem with predictors.
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["sc_weights", "search_v", "v_weights_fit"]

_FW_KERNEL: Any = None


def _fw_kernel() -> Any:
    """The Frank-Wolfe loop compiled by numba (a pyfixest dependency); None without numba."""
    global _FW_KERNEL
    if _FW_KERNEL is None:
        try:
            import numba
        except ImportError:  # pragma: no cover - numba comes with pyfixest
            _FW_KERNEL = False
            return None

        @numba.njit(cache=True)
        def kernel(gram, cross, scale, zeta, x, min_decrease, max_iter):  # pragma: no cover
            n, j = x.shape
            for b in range(n):
                eta = scale[b] * zeta[b] ** 2
                md2 = min_decrease[b] ** 2
                z2 = zeta[b] ** 2
                gx = gram[b] @ x[b]
                hg = np.empty(j)
                prev = np.inf
                for it in range(max_iter):
                    xx = 0.0
                    xgx = 0.0
                    hx = 0.0
                    i = 0
                    for k in range(j):
                        hg[k] = gx[k] - cross[b, k] + eta * x[b, k]
                        if hg[k] < hg[i]:
                            i = k
                    for k in range(j):
                        xx += x[b, k] * x[b, k]
                        xgx += x[b, k] * gx[k]
                        hx += hg[k] * x[b, k]
                    d2 = xx - 2.0 * x[b, i] + 1.0
                    den = gram[b, i, i] - 2.0 * gx[i] + xgx + eta * d2
                    if d2 > 0 and den > 0:
                        step = min(1.0, max(0.0, -(hg[i] - hx) / den))
                        for k in range(j):
                            x[b, k] *= 1.0 - step
                            gx[k] = gx[k] * (1.0 - step) + step * gram[b, k, i]
                        x[b, i] += step
                    xx = 0.0
                    xgx = 0.0
                    cx = 0.0
                    for k in range(j):
                        xx += x[b, k] * x[b, k]
                        xgx += x[b, k] * gx[k]
                        cx += cross[b, k] * x[b, k]
                    val = z2 * xx + (xgx - 2.0 * cx) / scale[b]
                    if it >= 1 and not prev - val > md2:
                        break
                    prev = val
            return x

        _FW_KERNEL = kernel
    return _FW_KERNEL or None


def _fw_batch(
    gram: np.ndarray,
    cross: np.ndarray,
    scale: np.ndarray,
    zeta: np.ndarray,
    x: np.ndarray,
    min_decrease: np.ndarray,
    max_iter: int,
) -> np.ndarray:
    """Frank-Wolfe with exact line search for ``||A x - b||^2 / scale + zeta^2 ||x||^2``.

    Solves B problems at once over the simplex (``gram`` B x J x J = A'A, ``cross`` B x J =
    A'b, ``x`` B x J starting weights), so the placebo test's fits share every numpy call. The
    gradient is analytic and the Gram form makes an iteration O(J) whatever the number of
    periods. Stopping rule and update order follow ``sc.weight.fw`` of the R package synthdid
    (stop once an iteration lowers the objective by less than ``min_decrease ** 2``).
    """
    x = np.ascontiguousarray(x, dtype=np.float64).copy()
    kernel = _fw_kernel()
    if kernel is not None:
        return kernel(
            np.ascontiguousarray(gram),
            np.ascontiguousarray(cross),
            scale,
            zeta,
            x,
            min_decrease,
            max_iter,
        )
    n = x.shape[0]
    rows = np.arange(n)
    eta = scale * zeta**2
    gx = np.einsum("bij,bj->bi", gram, x)
    active = np.ones(n, dtype=bool)
    prev = np.full(n, np.inf)
    for it in range(max_iter):
        half_grad = gx - cross + eta[:, None] * x
        i = np.argmin(half_grad, axis=1)
        xx = np.einsum("bj,bj->b", x, x)
        xgx = np.einsum("bj,bj->b", x, gx)
        xi = x[rows, i]
        d2 = xx - 2.0 * xi + 1.0
        den = gram[rows, i, i] - 2.0 * gx[rows, i] + xgx + eta * d2
        hx = np.einsum("bj,bj->b", half_grad, x)
        ok = active & (d2 > 0) & (den > 0)
        step = np.where(ok, -(half_grad[rows, i] - hx) / np.where(ok, den, 1.0), 0.0)
        step = np.clip(step, 0.0, 1.0)
        x *= (1.0 - step)[:, None]
        x[rows, i] += step
        gx = gx * (1.0 - step)[:, None] + step[:, None] * gram[rows, :, i]
        # The objective up to the constant ||b||^2 / scale: only its decrease matters.
        val = (
            zeta**2 * np.einsum("bj,bj->b", x, x)
            + (np.einsum("bj,bj->b", x, gx) - 2.0 * np.einsum("bj,bj->b", cross, x)) / scale
        )
        if it >= 1:
            active &= prev - val > min_decrease**2
            if not active.any():
                break
        prev = np.where(active, val, prev)
    return x


def _sparsify(v: np.ndarray) -> np.ndarray:
    """Zero weights no larger than a quarter of the row's largest, then renormalise (rows)."""
    v = np.where(v <= v.max(axis=1, keepdims=True) / 4.0, 0.0, v)
    return v / v.sum(axis=1, keepdims=True)


def sc_weights(y0: np.ndarray, y1: np.ndarray) -> np.ndarray:
    """Outcome-based SC weights for B problems: donors ``y0`` (B x T0 x J) reproduce ``y1``.

    The regularisation-free SC of Arkhangelsky et al. (2021): ridge ``1e-6 * sigma``, no
    intercept, 100 Frank-Wolfe steps, weights below a quarter of the largest dropped, then
    iterations until the objective stops decreasing (``sc_estimate`` in synthdid).
    """
    b, t0, j = y0.shape
    noise = np.std(np.diff(y0, axis=1), axis=(1, 2), ddof=1) if t0 > 2 else np.ones(b)
    noise = np.where(noise > 0, noise, 1.0)
    zeta = 1e-6 * noise
    min_decrease = 1e-5 * noise
    gram = np.einsum("btj,btk->bjk", y0, y0)
    cross = np.einsum("btj,bt->bj", y0, y1)
    scale = np.full(b, float(t0))
    x = np.full((b, j), 1.0 / j)
    x = _fw_batch(gram, cross, scale, zeta, x, min_decrease, 100)
    return _fw_batch(gram, cross, scale, zeta, _sparsify(x), min_decrease, 10_000)


def _simplex_lsq(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``min ||a w - b||`` over the simplex, by NNLS with a heavily weighted sum-to-one row."""
    from scipy.optimize import nnls

    big = 1e3 * max(1.0, float(np.abs(a).max()))
    w, _ = nnls(
        np.vstack([a, np.full(a.shape[1], big)]), np.append(b, big), maxiter=50 * a.shape[1]
    )
    total = w.sum()
    return w / total if total > 0 else np.full(a.shape[1], 1.0 / a.shape[1])


#: Random starts of the V search beyond Synth's two, and their seed: fixed, so a rerun gives
#: the same V (the outer loss is flat in places and kinked, so the start matters).
N_RANDOM_STARTS = 4
V_SEED = 2010
#: Nelder-Mead restarts per start at most: its simplex collapses on the kinks of the loss, and
#: a fresh simplex from where it stopped goes on (the equal start of Prop 99 needs five).
MAX_RESTARTS = 10


def _predictor_fit(x0: np.ndarray, x1: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Donor weights minimising ``(x1 - x0 w)' diag(v) (x1 - x0 w)`` over the simplex."""
    root = np.sqrt(v)
    return _simplex_lsq(x0 * root[:, None], x1 * root)


def _mspe(y0: np.ndarray, y1: np.ndarray, w: np.ndarray) -> float:
    r = y1 - y0 @ w
    return float(r @ r) / max(len(r), 1)


def _regression_start(x0: np.ndarray, x1: np.ndarray, y0: np.ndarray, y1: np.ndarray) -> np.ndarray:
    """Synth's second start: squared coefficients of the outcomes on the predictors, by row.

    Every unit's loss-period outcomes are regressed on its standardised predictors (with an
    intercept); a predictor's start weight is the sum over periods of its squared coefficient.
    """
    xs = np.column_stack([np.ones(x0.shape[1] + 1), np.column_stack([x0, x1]).T])
    zs = np.column_stack([y0, y1]).T
    beta = np.linalg.lstsq(xs, zs, rcond=None)[0][1:]
    s = np.einsum("kt,kt->k", beta, beta)
    total = s.sum()
    return s / total if np.isfinite(total) and total > 0 else np.full(len(s), 1.0 / len(s))


def search_v(
    x0: np.ndarray, x1: np.ndarray, y0: np.ndarray, y1: np.ndarray
) -> tuple[np.ndarray, float, list[tuple[str, float]]]:
    """Predictor weights V (summing to one) minimising the outcome MSPE of the weights they give.

    ``x0`` (K x J) and ``x1`` (K) are standardised predictors, ``y0`` (T x J) and ``y1`` (T)
    the outcomes the loss is taken over. Nelder-Mead on ``|theta| / sum |theta|`` (Synth's
    parametrisation, which reaches zero weights) from several starts: equal weights (Synth's
    default), the regression start (Synth's second) and ``N_RANDOM_STARTS`` Dirichlet draws
    with a fixed seed; each search restarts from where it stopped until a restart no longer
    improves (at most ``MAX_RESTARTS``), as Nelder-Mead's simplex collapses on the kinks. The
    best MSPE wins; an exact tie keeps the earlier start. Returns V, its MSPE and each start's
    name and MSPE.
    """
    from scipy.optimize import minimize

    k = x0.shape[0]

    def to_v(theta: np.ndarray) -> np.ndarray:
        a = np.abs(theta)
        total = a.sum()
        return a / total if total > 0 else np.full(k, 1.0 / k)

    def loss(theta: np.ndarray) -> float:
        return _mspe(y0, y1, _predictor_fit(x0, x1, to_v(theta)))

    if k == 1:
        one = np.ones(1)
        return one, loss(one), [("equal", loss(one))]
    rng = np.random.default_rng(V_SEED)
    starts = [
        ("equal", np.full(k, 1.0 / k)),
        ("regression", _regression_start(x0, x1, y0, y1)),
        *((f"random {i + 1}", rng.dirichlet(np.ones(k))) for i in range(N_RANDOM_STARTS)),
    ]
    options = {"maxiter": 500 * k, "xatol": 1e-7, "fatol": 1e-9}
    best_v, best, table = starts[0][1], np.inf, []
    for name, theta in starts:
        reached = np.inf
        for _ in range(MAX_RESTARTS):
            res = minimize(loss, theta, method="Nelder-Mead", options=options)
            theta, improved = res.x, reached - res.fun > 1e-10 * max(1.0, abs(res.fun))
            reached = min(reached, float(res.fun))
            if not improved:
                break
        v = to_v(theta)
        value = loss(v)
        table.append((name, value))
        if not np.isfinite(best) or value < best - 1e-12 * max(1.0, abs(best)):
            best_v, best = v, value
    return best_v, best, table


def v_weights_fit(
    x0: np.ndarray,
    x1: np.ndarray,
    y0: np.ndarray,
    y1: np.ndarray,
    *,
    v: np.ndarray | None = None,
    training: tuple[np.ndarray, np.ndarray] | None = None,
) -> dict[str, Any]:
    """Nested ADH optimisation: donor weights on predictors, weighted by V.

    ``x0`` (K x J) and ``x1`` (K) are the standardised predictors the donor weights match,
    ``y0`` (T x J) and ``y1`` (T) the outcomes V's loss is taken over. ``v`` fixes V (no
    search). ``training`` (``x0``, ``x1`` of predictors measured in a training window) makes
    the search choose V on those instead, as in Abadie, Diamond & Hainmueller (2015), before
    the final weights match ``x0``, ``x1`` with it. Returns ``weights``, ``v``, ``v_mspe`` (the
    loss V reached) and ``starts`` (each start's name and loss; empty when ``v`` is given).
    """
    starts: list[tuple[str, float]] = []
    if v is None:
        tx0, tx1 = training if training is not None else (x0, x1)
        v, v_mspe, starts = search_v(tx0, tx1, y0, y1)
    else:
        tx0, tx1 = training if training is not None else (x0, x1)
        v_mspe = _mspe(y0, y1, _predictor_fit(tx0, tx1, v))
    return {
        "weights": _predictor_fit(x0, x1, v),
        "v": v,
        "v_mspe": v_mspe,
        "starts": starts,
    }
