"""Fast, exact replacements for the small linear programs of moderndid's C-LF test.

Why this module exists
----------------------
The relative-magnitudes sets of :mod:`ebpm.trust.sensitivity` come from
``moderndid.didhonest`` (the Python port of R HonestDiD), whose hybrid "C-LF" test solves
thousands of tiny linear programs with ``scipy.optimize.linprog``, where scipy's per-call
overhead, not HiGHS, takes the time (about 10 s per M̄ on HonestDiD's Medicaid example):

- ``compute_least_favorable_cv``: the ``1 - kappa`` quantile, over ``sims`` normal draws ξ, of
  η(ξ) = min over (η, τ) of η subject to ξ - X τ ≤ σ η; one program per draw (~75% of the
  time).
- ``_solve_max_program``: max f'γ over the same constraint set, once per bisection step of the
  truncation bounds (most of the rest).

By LP duality η(ξ) is the largest γ'ξ over the vertices γ of the polytope
P = {γ ≥ 0, γ'σ = 1, γ'X = 0}, which depends on neither ξ nor f. :func:`dual_vertices`
enumerates P's vertices once (every support of size rank([σ X]) whose equality system has a
nonnegative solution); then η for all draws is one matrix product and a row maximum, and each
bisection step a product with the vertex matrix. The draws are moderndid's own (the same
generator, seed and call), so the quantile is the same number, to rounding.

Cases the enumeration does not handle exactly as a simplex would go to moderndid's own
function unchanged: more than :data:`MAX_SUPPORTS` supports, a moment without positive
variance, an empty P (the programs are unbounded; moderndid drops every draw, then raises),
and, in ``_solve_max_program``, two different vertices tied for the maximum (moderndid's
shortcut step reads the maximiser, and which one a simplex returns is the solver's choice).

:func:`patched` swaps the functions in for the duration of one ebpm call, under a lock, and
restores moderndid's in ``finally``. It replaces the names wherever a ``moderndid.didhonest``
module holds them (``arp_nuisance`` looks them up in its globals; ``delta.rm.rm`` and its
siblings import ``compute_least_favorable_cv`` by name). This reaches into moderndid's
internals, which is why ``pyproject.toml`` pins ``moderndid<0.3`` and
``tests/trust/test__lf_cv.py`` checks that the patched and unpatched computations give the same
numbers: a moderndid upgrade that changes them fails loudly there.
"""

from __future__ import annotations

import functools
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from itertools import combinations, islice
from math import comb
from typing import Any

import numpy as np

__all__ = [
    "MAX_SUPPORTS",
    "dual_vertices",
    "least_favorable_cv",
    "patched",
    "solve_max_program",
]

#: Above this many candidate supports the vertex enumeration is not attempted.
MAX_SUPPORTS = 200_000
#: Supports solved per batch (bounds the memory of the batched SVD).
_CHUNK = 20_000
#: The name replaced in moderndid's modules.
_NAME = "compute_least_favorable_cv"
_LOCK = threading.Lock()


@functools.cache
def _references() -> dict[str, Callable[..., Any]]:
    """moderndid's own functions, read once, before anything is patched (:func:`patched`
    calls this before it swaps)."""
    from moderndid.didhonest import arp_nuisance

    return {name: arp_nuisance.__dict__[name] for name in (_NAME, "_solve_max_program")}


def _solve_supports(m: np.ndarray, rank: int, supports: np.ndarray) -> np.ndarray:
    """Nonnegative solutions γ_S of M_S'γ_S = e1 for each support S (rows of ``supports``),
    scattered into full-length rows; supports whose system is rank-deficient, inconsistent or
    whose solution has a negative entry are left out."""
    blocks = np.transpose(m[supports], (0, 2, 1))  # (n, k + 1, rank)
    target = np.zeros(m.shape[1])
    target[0] = 1.0
    singular = np.linalg.svd(blocks, compute_uv=False)
    tol = singular[:, :1] * max(blocks.shape[1:]) * np.finfo(float).eps
    full = (singular > tol).sum(axis=1) == rank
    blocks, supports = blocks[full], supports[full]
    if not len(blocks):
        return np.zeros((0, m.shape[0]))
    gamma = np.linalg.pinv(blocks) @ target  # (n, rank)
    residual = np.abs(np.einsum("nij,nj->ni", blocks, gamma) - target).max(axis=1)
    scale = np.abs(gamma).max(axis=1)
    ok = (residual <= 1e-9) & (gamma >= -1e-9 * scale[:, None]).all(axis=1)
    out = np.zeros((int(ok.sum()), m.shape[0]))
    np.put_along_axis(out, supports[ok], gamma[ok], axis=1)
    return out


def dual_vertices(sd: np.ndarray, x: np.ndarray) -> np.ndarray | None:
    """The vertices of {γ ≥ 0, γ'sd = 1, γ'x = 0}, one per row; None when there would be more
    than :data:`MAX_SUPPORTS` supports to try.

    With ``sd > 0`` the set is bounded, so the linear program's optimum lies at one of them.
    """
    m = np.column_stack([sd, x])
    rank = int(np.linalg.matrix_rank(m))
    n_rows = m.shape[0]
    if rank == 0 or comb(n_rows, rank) > MAX_SUPPORTS:
        return None
    found = []
    pending = combinations(range(n_rows), rank)
    while True:
        chunk = np.array(list(islice(pending, _CHUNK)), dtype=np.intp).reshape(-1, rank)
        if not len(chunk):
            break
        found.append(_solve_supports(m, rank, chunk))
    vertices = np.concatenate(found)
    if not len(vertices):
        return vertices
    # A degenerate vertex is found once per support containing it: keep one copy.
    scale = np.abs(vertices).max()
    _, first = np.unique(np.round(vertices / scale, 11), axis=0, return_index=True)
    return vertices[np.sort(first)]


def least_favorable_cv(
    x_t: np.ndarray | None = None,
    sigma: np.ndarray | None = None,
    hybrid_kappa: float = 0.05,
    sims: int = 1000,
    rows_for_arp: np.ndarray | None = None,
    seed: int | None = 0,
) -> float:
    """``moderndid.didhonest.arp_nuisance.compute_least_favorable_cv``, same signature and
    same result, with the per-draw linear programs replaced by a maximum over the dual
    polytope's vertices (enumerated once)."""
    reference = _references()[_NAME]
    args = dict(
        x_t=x_t,
        sigma=sigma,
        hybrid_kappa=hybrid_kappa,
        sims=sims,
        rows_for_arp=rows_for_arp,
        seed=seed,
    )
    if x_t is None or sigma is None:  # no nuisance parameter: moderndid's is already vectorised
        return reference(**args)
    x = np.asarray(x_t, float)
    cov = np.asarray(sigma, float)
    if rows_for_arp is not None:
        x = x[rows_for_arp]
        cov = cov[np.ix_(rows_for_arp, rows_for_arp)]
    if x.ndim == 1:
        x = x.reshape(-1, 1)
    sd = np.sqrt(np.diag(cov))
    if not (np.isfinite(sd).all() and (sd > 0).all() and np.isfinite(x).all()):
        return reference(**args)
    vertices = dual_vertices(sd, x)
    if vertices is None or not len(vertices):
        return reference(**args)
    rng = np.random.default_rng(seed)
    draws = rng.multivariate_normal(mean=np.zeros(cov.shape[0]), cov=cov, size=sims)
    eta = np.full(len(draws), -np.inf)
    for start in range(0, len(vertices), 4096):
        eta = np.maximum(eta, (draws @ vertices[start : start + 4096].T).max(axis=1))
    return float(np.quantile(eta, 1 - hybrid_kappa))


class _MaxResult:
    """The fields of scipy's ``OptimizeResult`` that moderndid reads from ``_solve_max_program``."""

    def __init__(self, x: np.ndarray, value: float) -> None:
        self.success = True
        self.status = 0
        self.x = x
        self.fun = -value
        self.objective_value = value


#: Vertices by constraint matrix: one polytope serves every bisection step of a test.
_VERTICES: dict[tuple[tuple[int, ...], bytes], np.ndarray | None] = {}


def _vertices_of(w_t: np.ndarray) -> np.ndarray | None:
    key = (w_t.shape, w_t.tobytes())
    if key not in _VERTICES:
        if len(_VERTICES) > 256:
            _VERTICES.clear()
        sd = w_t[:, 0]
        usable = np.isfinite(w_t).all() and (sd > 0).all()
        _VERTICES[key] = dual_vertices(sd, w_t[:, 1:]) if usable else None
    return _VERTICES[key]


def solve_max_program(
    s_t: np.ndarray, gamma_tilde: np.ndarray, sigma: np.ndarray, w_t: np.ndarray, c: float
) -> Any:
    """``moderndid.didhonest.arp_nuisance._solve_max_program`` (max f'x over x ≥ 0, W'x = e1,
    f = s + c Σγ/γ'Σγ), as the best vertex of the same polytope. moderndid's bisection reads
    the optimum and, in its shortcut step, the maximiser: when two different vertices tie for
    the maximum, which one a simplex returns is the solver's choice, so that case (and any the
    enumeration cannot handle) goes to moderndid's linear program."""
    sigma_gamma = float(gamma_tilde.T @ sigma @ gamma_tilde)
    vertices = _vertices_of(np.asarray(w_t, float)) if sigma_gamma > 0 else None
    if vertices is None or not len(vertices):
        return _references()["_solve_max_program"](s_t, gamma_tilde, sigma, w_t, c)
    f = s_t + (sigma @ gamma_tilde) * c / sigma_gamma
    values = vertices @ f
    best = int(np.argmax(values))
    near = np.flatnonzero(values >= values[best] - 1e-9 * max(1.0, abs(values[best])))
    if len(near) > 1:
        b = (sigma @ gamma_tilde) / sigma_gamma
        shortcut = np.column_stack([vertices[near] @ s_t, vertices[near] @ b])
        if np.ptp(shortcut, axis=0).max() > 1e-12 * max(1.0, np.abs(shortcut).max()):
            return _references()["_solve_max_program"](s_t, gamma_tilde, sigma, w_t, c)
    return _MaxResult(vertices[best].copy(), float(values[best]))


#: moderndid's functions replaced within :func:`patched`, and their replacements.
_REPLACEMENTS: dict[str, Callable[..., Any]] = {
    _NAME: least_favorable_cv,
    "_solve_max_program": solve_max_program,
}


def _holders() -> list[tuple[Any, str]]:
    """(module, name) for every loaded ``moderndid.didhonest`` module holding one of the
    replaced functions by name (the defining module, and any that imported the name)."""
    import moderndid.didhonest  # noqa: F401 - loads the modules that import the names

    references = _references()
    return [
        (module, name)
        for mod_name, module in list(sys.modules.items())
        if mod_name.startswith("moderndid.didhonest")
        for name, reference in references.items()
        if getattr(module, "__dict__", {}).get(name) is reference
    ]


@contextmanager
def patched() -> Iterator[None]:
    """Within the block, moderndid's C-LF uses :func:`least_favorable_cv` and
    :func:`solve_max_program`; moderndid's own functions are restored on exit. One block at a
    time (a lock)."""
    with _LOCK:
        holders = _holders()
        try:
            for module, name in holders:
                setattr(module, name, _REPLACEMENTS[name])
            yield
        finally:
            references = _references()
            for module, name in holders:
                setattr(module, name, references[name])
            _VERTICES.clear()
