"""Options of :func:`ebpm.estimators.rdd.rdd`: their literals, their checks and their words.

The one place that names rdrobust's bandwidth selectors and variance estimators, checks a
combination of options before any data are touched, and says in words (English and Japanese)
what the chosen ones mean. No ebpm estimator imports; rdrobust is not imported here.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Literal, get_args

import numpy as np

from ebpm.errors import InvalidOptionError, check_option

__all__ = [
    "BANDWIDTH_SELECTORS",
    "CLUSTER_VCES",
    "KERNELS",
    "VCES",
    "BandwidthSelector",
    "Kernel",
    "RddOptions",
    "Vce",
    "check_options",
    "selector_words",
    "variance_words",
]

Kernel = Literal["triangular", "epanechnikov", "uniform"]
KERNELS: tuple[Kernel, ...] = get_args(Kernel)

#: rdrobust's bandwidth selectors (Calonico, Cattaneo & Farrell 2020; CCFT 2019).
BandwidthSelector = Literal[
    "mserd",
    "msetwo",
    "msesum",
    "msecomb1",
    "msecomb2",
    "cerrd",
    "certwo",
    "cersum",
    "cercomb1",
    "cercomb2",
]
BANDWIDTH_SELECTORS: tuple[BandwidthSelector, ...] = get_args(BandwidthSelector)

#: Variance estimators: nearest neighbours, plug-in residuals (HC0-HC3), cluster-robust.
Vce = Literal["nn", "hc0", "hc1", "hc2", "hc3", "cr1", "cr2", "cr3"]
VCES: tuple[Vce, ...] = get_args(Vce)
CLUSTER_VCES: tuple[Vce, ...] = ("cr1", "cr2", "cr3")
#: The clustered counterpart of each heteroskedasticity-robust estimator (rdrobust's own map).
_CLUSTERED = {"nn": "cr1", "hc0": "cr1", "hc1": "cr1", "hc2": "cr2", "hc3": "cr3"}
_UNCLUSTERED = {"cr1": "hc1", "cr2": "hc2", "cr3": "hc3"}

#: What each selector chooses, in words: (English, Japanese).
_SELECTORS: dict[str, tuple[str, str]] = {
    "mserd": ("MSE-optimal, common", "MSE 最適、両側共通"),
    "msetwo": ("MSE-optimal, one per side", "MSE 最適、左右別"),
    "msesum": ("MSE-optimal for the sum of the two fits, common", "和の MSE 最適、両側共通"),
    "msecomb1": ("min(mserd, msesum), common", "min(mserd, msesum)、両側共通"),
    "msecomb2": (
        "median(msetwo, mserd, msesum), per side",
        "中央値(msetwo, mserd, msesum)、左右別",
    ),
    "cerrd": ("CER-optimal, common", "被覆誤差率最適、両側共通"),
    "certwo": ("CER-optimal, one per side", "被覆誤差率最適、左右別"),
    "cersum": ("CER-optimal for the sum of the two fits, common", "和の被覆誤差率最適、両側共通"),
    "cercomb1": ("min(cerrd, cersum), common", "min(cerrd, cersum)、両側共通"),
    "cercomb2": (
        "median(certwo, cerrd, cersum), per side",
        "中央値(certwo, cerrd, cersum)、左右別",
    ),
}

_KERNEL_CODES = {"triangular": "tri", "epanechnikov": "epa", "uniform": "uni"}


@dataclass(frozen=True)
class RddOptions:
    """The checked options of one :func:`rdd` call."""

    kernel: Kernel
    p: int
    deriv: int
    h: tuple[float, float] | None  # manual bandwidth (left, right); None: selected
    b: tuple[float, float] | None  # manual bias bandwidth (left, right)
    rho: float | None  # b = h / rho
    bwselect: BandwidthSelector
    vce: Vce
    nnmatch: int
    cutoff: float
    conf_level: float

    def engine(self) -> dict[str, Any]:
        """rdrobust's options shared by the main fit and every refit of the sensitivity table."""
        return {
            "c": self.cutoff,
            "p": self.p,
            "deriv": self.deriv,
            "kernel": _KERNEL_CODES[self.kernel],
            "vce": self.vce,
            "nnmatch": self.nnmatch,
            "level": self.conf_level * 100,
        }

    def bandwidths(self) -> dict[str, Any]:
        """rdrobust's options that choose the main fit's bandwidths."""
        out: dict[str, Any] = {}
        if self.h is None:
            out["bwselect"] = self.bwselect
        else:
            out["h"] = list(self.h)
            if self.b is not None:
                out["b"] = list(self.b)
        if self.rho is not None:
            out["rho"] = self.rho
        return out


def _is_number(value: Any) -> bool:
    return not isinstance(value, bool) and isinstance(value, int | float | np.integer | np.floating)


def _pair(name: str, value: Any, *, what: str, none: str) -> tuple[float, float] | None:
    """``value`` as a (left, right) pair of positive numbers, or None."""
    if value is None:
        return None
    pair = isinstance(value, tuple | list)
    items = list(value) if pair else [value]
    if (len(items) == 2 or not pair) and all(
        _is_number(v) and math.isfinite(float(v)) and v > 0 for v in items
    ):
        return float(items[0]), float(items[-1])
    raise InvalidOptionError(
        f"{name}={value!r} must be a positive number or a (left, right) pair of positive "
        f"numbers, {what} in units of the running variable, e.g. {name}=(10, 15); or {none}"
    )


def _check_p(p: Any, deriv: int) -> int:
    if p is None:
        return deriv + 1
    if isinstance(p, bool) or not isinstance(p, int | np.integer) or p < 1:
        raise InvalidOptionError(
            f"p={p!r} must be a positive integer, the order of the local polynomial "
            "(1: local linear, the default; 2: local quadratic)"
        )
    if p < deriv + 1:
        raise InvalidOptionError(
            f"p={p!r} is too low for deriv={deriv}: the local polynomial must be at least one "
            f"order above the derivative it estimates (p >= deriv + 1 = {deriv + 1}). Use "
            f"p={deriv + 1}, the default for deriv={deriv}"
        )
    return int(p)


def _check_vce(vce: Any, *, cluster: str | None) -> Vce:
    if vce is None:
        return "cr1" if cluster is not None else "nn"
    checked = check_option("vce", vce, VCES)
    if cluster is not None and checked not in CLUSTER_VCES:
        raise InvalidOptionError(
            f"vce={vce!r} is not a cluster-robust variance, but cluster={cluster!r} is set. "
            f"Choose one of: {', '.join(map(repr, CLUSTER_VCES))} (vce={_CLUSTERED[checked]!r} "
            f"is the clustered counterpart of {vce!r}), or drop cluster"
        )
    if cluster is None and checked in CLUSTER_VCES:
        raise InvalidOptionError(
            f"vce={vce!r} is cluster-robust and needs cluster= (the column of cluster ids); "
            f"without clusters use vce={_UNCLUSTERED[checked]!r}"
        )
    return checked


def check_options(
    *,
    kernel: Any,
    p: Any,
    deriv: Any,
    bandwidth: Any,
    bias_bandwidth: Any,
    rho: Any,
    bwselect: Any,
    vce: Any,
    nnmatch: Any,
    cluster: str | None,
    conf_level: Any,
    cutoff: Any,
) -> RddOptions:
    """Check every option of :func:`rdd` alone and in combination; raise naming the fix."""
    kernel = check_option("kernel", kernel, KERNELS)
    if isinstance(deriv, bool) or deriv not in (0, 1):
        raise InvalidOptionError(
            f"deriv={deriv!r} must be 0 (the jump in the outcome: regression discontinuity) "
            "or 1 (the change in its slope: regression kink)"
        )
    deriv = int(deriv)
    p = _check_p(p, deriv)
    bwselect = check_option(
        "bwselect",
        bwselect,
        BANDWIDTH_SELECTORS,
        why="mse*: MSE-optimal (point estimation); cer*: coverage-error-optimal (inference).",
    )
    h = _pair("bandwidth", bandwidth, what="the bandwidth h", none="None for rdrobust's selector")
    b = _pair(
        "bias_bandwidth",
        bias_bandwidth,
        what="the bias-correction bandwidth b",
        none="None for b = h (manual h) or the selector's b",
    )
    if h is not None and bwselect != "mserd":
        raise InvalidOptionError(
            f"bwselect={bwselect!r} chooses a bandwidth, but bandwidth={bandwidth!r} sets one; "
            "drop one of them"
        )
    if b is not None and h is None:
        raise InvalidOptionError(
            f"bias_bandwidth={bias_bandwidth!r} needs a manual bandwidth too: rdrobust's "
            "selector chooses b with h. Set bandwidth=, or use rho= to set b = h / rho"
        )
    if rho is not None:
        if not _is_number(rho) or not math.isfinite(float(rho)) or rho <= 0:
            raise InvalidOptionError(
                f"rho={rho!r} must be a positive number: the ratio h / b of the main to the "
                "bias-correction bandwidth (rho=1: b = h)"
            )
        if b is not None:
            raise InvalidOptionError(
                f"rho={rho!r} sets b = h / rho, but bias_bandwidth={bias_bandwidth!r} sets b "
                "too; drop one of them"
            )
        rho = float(rho)
    checked_vce = _check_vce(vce, cluster=cluster)
    if nnmatch is None:
        nnmatch = 3
    elif isinstance(nnmatch, bool) or not isinstance(nnmatch, int | np.integer) or nnmatch < 1:
        raise InvalidOptionError(
            f"nnmatch={nnmatch!r} must be a positive integer: the number of nearest neighbours "
            "of the variance estimator (vce='nn'; default 3)"
        )
    elif checked_vce != "nn":
        raise InvalidOptionError(
            f"nnmatch={nnmatch!r} sets the neighbours of the nearest-neighbour variance, but "
            f"vce={checked_vce!r} uses none; drop nnmatch or use vce='nn'"
        )
    if not _is_number(conf_level) or not 0 < conf_level < 1:
        raise InvalidOptionError(f"conf_level={conf_level!r} must be between 0 and 1, e.g. 0.95")
    if not _is_number(cutoff) or not math.isfinite(float(cutoff)):
        raise InvalidOptionError(
            f"cutoff={cutoff!r} must be a number on the scale of the running variable"
        )
    return RddOptions(
        kernel=kernel,
        p=p,
        deriv=deriv,
        h=h,
        b=b,
        rho=rho,
        bwselect=bwselect,
        vce=checked_vce,
        nnmatch=int(nnmatch),
        cutoff=float(cutoff),
        conf_level=float(conf_level),
    )


def selector_words(opts: RddOptions, lang: str = "en") -> str:
    """How the bandwidths were chosen: ``"mserd (MSE-optimal, common)"``, ``"manual"``."""
    ja = lang == "ja"
    if opts.h is not None:
        text = "手動" if ja else "manual"
    else:
        en_words, ja_words = _SELECTORS[opts.bwselect]
        text = f"{opts.bwselect} ({ja_words if ja else en_words})"
    if opts.rho is not None:
        text += f"; b = h / {opts.rho:g}"
    return text


def variance_words(
    opts: RddOptions, *, cluster: str | None, n_clusters: int | None, lang: str = "en"
) -> str:
    """The variance estimator in words, e.g. ``"cluster-robust (CR1) by state, 50 clusters"``."""
    vce = opts.vce
    if lang == "ja":
        if vce in CLUSTER_VCES:
            return f"{cluster} 単位のクラスター頑健分散（{vce.upper()}）、クラスター数 {n_clusters}"
        if vce == "nn":
            return f"不均一分散に頑健な最近傍分散（近傍数 {opts.nnmatch}）"
        return f"不均一分散に頑健な残差プラグイン分散（{vce.upper()}）"
    if vce in CLUSTER_VCES:
        return f"cluster-robust ({vce.upper()}) by {cluster}, {n_clusters} clusters"
    if vce == "nn":
        return f"heteroskedasticity-robust nearest-neighbour variance ({opts.nnmatch} neighbours)"
    return f"heteroskedasticity-robust plug-in residual variance ({vce.upper()})"
