"""Donor weights of synthetic control: Frank-Wolfe on the simplex, and the nested V search.

The solvers behind :func:`ebpm.estimators.synth.synthetic_control`, apart from the design: the
Frank-Wolfe loop (compiled by numba when it is there), the regularisation-free SC weights of
synthdid's ``sc_estimate``, and the nested Abadie-Diamond-Hainmueller problem with predictors.
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["sc_weights", "v_weights_fit"]

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


def v_weights_fit(
    x0: np.ndarray, x1: np.ndarray, y0: np.ndarray, y1: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Nested ADH optimisation: predictor weights V minimise the pre-period outcome MSPE.

    ``x0`` (K x J) and ``x1`` (K) are standardised predictors, ``y0`` (T0 x J) and ``y1`` (T0)
    the pre-period outcomes. For a diagonal V on the simplex (softmax parameters) the donor
    weights solve ``min (x1 - x0 w)' V (x1 - x0 w)`` exactly; Nelder-Mead searches V.
    """
    from scipy.optimize import minimize

    k = x0.shape[0]

    def inner(theta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        v = np.exp(theta - theta.max())
        v /= v.sum()
        root = np.sqrt(v)
        return _simplex_lsq(x0 * root[:, None], x1 * root), v

    def loss(theta: np.ndarray) -> float:
        r = y1 - y0 @ inner(theta)[0]
        return float(r @ r)

    starts = [np.zeros(k)]
    best = min(
        (minimize(loss, s0, method="Nelder-Mead", options={"maxiter": 300 * k}) for s0 in starts),
        key=lambda r: r.fun,
    )
    return inner(best.x)
