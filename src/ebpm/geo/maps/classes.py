"""Classes and legends: values classed with mapclassify (the same way by :func:`choropleth` and
:func:`explore`), the bounds formatted for the legend, the class colours, and
:class:`MapClasses`, the record of what a map drew."""

from __future__ import annotations

import contextlib
import functools
import inspect
import logging
import math
import warnings
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from types import ModuleType
from typing import Any, Literal

import numpy as np
import pandas as pd

from ebpm.errors import DataError, InvalidOptionError, check_option, did_you_mean

logger = logging.getLogger(__name__)


#: Classification schemes, as ebpm names them; each is one mapclassify classifier.
Scheme = Literal[
    "quantiles",
    "equal_interval",
    "natural_breaks",
    "fisher_jenks",
    "jenks_caspall",
    "max_breaks",
    "pretty_breaks",
    "std_mean",
    "percentiles",
    "user_defined",
]

_CLASSIFIER = {
    "quantiles": "Quantiles",
    "equal_interval": "EqualInterval",
    "natural_breaks": "NaturalBreaks",
    "fisher_jenks": "FisherJenks",
    "jenks_caspall": "JenksCaspall",
    "max_breaks": "MaximumBreaks",
    "pretty_breaks": "PrettyBreaks",
    "std_mean": "StdMean",
    "percentiles": "Percentiles",
    "user_defined": "UserDefined",
}
#: Schemes whose number of classes is ``k``; the others take their classes from their own
#: options (``pct``, ``multiples``, ``bins``).
_USES_K = frozenset(
    {
        "quantiles",
        "equal_interval",
        "natural_breaks",
        "fisher_jenks",
        "jenks_caspall",
        "max_breaks",
        "pretty_breaks",
    }
)

#: Default colour map: viridis is perceptually uniform, prints legibly in greyscale and stays


#: ordered for the common colour-vision deficiencies (deuteranopia, protanopia, tritanopia).
DEFAULT_CMAP = "viridis"
#: Fill and hatch of units without a value; grey sits outside viridis, so it never reads as a class.
MISSING_COLOR = "#d9d9d9"
MISSING_HATCH = "///"


@dataclass(frozen=True)
class MapClasses:
    """The classification a choropleth drew, attached to its Axes as ``ax.ebpm_classes``.

    Attributes
    ----------
    column : str
        The mapped column.
    scheme : str
        The classification scheme.
    bins : tuple of float
        Upper bound of each class, as mapclassify reports them (class ``i`` holds values in
        ``(bins[i-1], bins[i]]``; the first class also holds its lower bound).
    lowest : float
        The smallest mapped value.
    counts : tuple of int
        Units in each class.
    labels : tuple of str
        Legend text of each class (bounds and count).
    colors : tuple of str
        Fill colour of each class (hex).
    missing : tuple of str
        Names (or index labels) of the units without a value; they are drawn hatched.
    inset : bool
        Whether Okinawa was drawn in an inset (the inset Axes is ``ax.child_axes[0]``).
    no_geometry : tuple of str
        Code and name of the rows left out because they have no geometry (a null or empty
        one, e.g. e-Stat's national total "00000 全国" after :func:`ebpm.geo.attach`); they are
        neither drawn nor classified.
    cropped : tuple of str
        Code and name of the units with a far outlying part left outside the map frame; the
        rest of each is on the map (小笠原村's Minamitorishima, 1,200 km east of Chichijima,
        would otherwise widen a national map by a quarter).
    linewidth : float
        Width of the boundary lines, in points; it falls with the number of units drawn.
    pref_borders : bool
        Whether the borders between prefectures were drawn over the units.
    """

    column: str
    scheme: str
    bins: tuple[float, ...]
    lowest: float
    counts: tuple[int, ...]
    labels: tuple[str, ...]
    colors: tuple[str, ...]
    missing: tuple[str, ...]
    inset: bool
    no_geometry: tuple[str, ...] = ()
    cropped: tuple[str, ...] = ()
    linewidth: float = 0.3
    pref_borders: bool = False

    @property
    def k(self) -> int:
        """Number of classes."""
        return len(self.bins)


def _check_k(k: Any, scheme: str) -> None:
    if isinstance(k, bool) or not isinstance(k, int | np.integer):
        raise InvalidOptionError(f"k={k!r} must be a whole number of classes, e.g. k=5")
    if scheme in _USES_K and k < 2:
        raise InvalidOptionError(f"k={k!r} gives no contrast; a choropleth needs k >= 2 classes")
    if scheme not in _USES_K and k != 5:
        own = {"std_mean": "multiples=", "percentiles": "pct=", "user_defined": "bins="}[scheme]
        raise InvalidOptionError(
            f"k={k!r} does not apply to scheme={scheme!r}, whose classes come from {own}; drop "
            f"k, or pick a scheme that takes k: {', '.join(sorted(_USES_K))}"
        )


def _check_bins(bins: Any, scheme: str) -> list[float] | None:
    if scheme != "user_defined":
        if bins is not None:
            raise InvalidOptionError(
                f"bins={bins!r} is only used by scheme='user_defined'; pass "
                f"scheme='user_defined' with bins, or drop bins to use scheme={scheme!r}"
            )
        return None
    if bins is None:
        raise InvalidOptionError(
            "scheme='user_defined' needs bins=, the upper bound of each class, e.g. "
            "bins=[10, 20, 50] (values above the last bound form one more class)"
        )
    try:
        arr = np.asarray(bins, dtype="float64").ravel()
    except (TypeError, ValueError) as err:
        raise InvalidOptionError(
            f"bins={bins!r} must be a list of numbers (class upper bounds), e.g. [10, 20, 50]"
        ) from err
    if arr.size == 0 or not np.isfinite(arr).all() or (np.diff(arr) <= 0).any():
        raise InvalidOptionError(
            f"bins={bins!r} must be a non-empty list of finite, strictly increasing class upper "
            "bounds, e.g. [10, 20, 50]"
        )
    return arr.tolist()


@functools.cache
def _mapclassify() -> ModuleType:
    """mapclassify, imported without compiling its Fisher-Jenks kernel on import.

    mapclassify declares that kernel with an explicit numba signature, so numba compiles it as
    the module is imported: 1.5 s of the 2.2 s a map notebook spent on ``import mapclassify``,
    paid by every map, Fisher-Jenks or not. Imported here with the signature dropped, numba
    compiles the kernel on its first call instead (the same code, typed from its arguments), so
    only ``scheme="fisher_jenks"`` pays for it.
    """
    import sys

    if "mapclassify" in sys.modules:
        return sys.modules["mapclassify"]
    try:
        import numba
    except ImportError:  # mapclassify then runs the kernel as plain Python
        import mapclassify

        return mapclassify
    eager = numba.njit

    def lazy(*args: Any, **kwargs: Any) -> Any:
        if args and isinstance(args[0], str):  # njit("f8[:](f8[:], u2)"): a signature
            args = args[1:]
        return eager(*args, **kwargs)

    numba.njit = lazy
    try:
        import mapclassify
    finally:
        numba.njit = eager
    return mapclassify


def _check_classification_kwds(kwds: Mapping[str, Any] | None, scheme: str) -> dict[str, Any]:
    mapclassify = _mapclassify()

    kwds = dict(kwds or {})
    params = inspect.signature(getattr(mapclassify, _CLASSIFIER[scheme])).parameters
    allowed = [p for p in params if p not in ("y", "k", "bins")]
    for key in kwds:
        if key not in allowed:
            opts = ", ".join(allowed) if allowed else "none"
            raise InvalidOptionError(
                f"classification_kwds key {key!r} is not an option of scheme={scheme!r} "
                f"(mapclassify.{_CLASSIFIER[scheme]}).{did_you_mean(key, allowed)} "
                f"Its options are: {opts} (k and bins are arguments of their own)"
            )
    return kwds


@contextlib.contextmanager
def _seeded(seed: int | None) -> Iterator[None]:
    """Seed numpy's global generator (used by mapclassify's k-means) and restore it after."""
    if seed is None:
        yield
        return
    state = np.random.get_state()
    np.random.seed(seed)
    try:
        yield
    finally:
        np.random.set_state(state)


def _classify(
    values: pd.Series,
    *,
    column: str,
    scheme: Any,
    k: Any,
    bins: Any,
    classification_kwds: Mapping[str, Any] | None,
    seed: int | None,
    func: str,
) -> Any:
    """Validate the classification options and run mapclassify on the non-missing values."""
    mapclassify = _mapclassify()

    check_option("scheme", scheme, Scheme)
    _check_k(k, scheme)
    user_bins = _check_bins(bins, scheme)
    kwds = _check_classification_kwds(classification_kwds, scheme)
    y = values.dropna().to_numpy()
    if scheme in _USES_K:
        distinct = int(np.unique(y).size)
        if k > distinct:
            raise DataError(
                f"{func}(): k={k} classes need at least {k} distinct values, but column="
                f"{column!r} has {distinct} distinct non-missing value(s) in {y.size} unit(s); "
                f"pass k={distinct} or fewer"
                + ("" if distinct >= 2 else " (a map of one value needs no classes)")
            )
        kwds["k"] = int(k)
    if user_bins is not None:
        kwds["bins"] = user_bins
    cls = getattr(mapclassify, _CLASSIFIER[scheme])
    with warnings.catch_warnings(record=True) as caught, _seeded(seed):
        warnings.simplefilter("always")
        result = cls(y, **kwds)
    for w in caught:  # e.g. ties reduced the number of quantile classes: keep it visible
        logger.warning("%s(): mapclassify: %s", func, w.message)
    return result


# --- formatting ----------------------------------------------------------------------------
def _formatter(fmt: Any, numbers: np.ndarray) -> Callable[[float], str]:
    """A function formatting one bound: from ``fmt`` or chosen from the data."""
    if fmt is None:
        return _auto_formatter(numbers)
    if callable(fmt):
        func = fmt
    elif isinstance(fmt, str):
        func = fmt.format if "{" in fmt else (lambda v: format(v, fmt))
    else:
        raise InvalidOptionError(
            f"fmt={fmt!r} must be a format spec like ',.1f', a template like '{{:.1%}}' or a "
            "function of one number returning a string"
        )
    try:
        text = func(float(numbers[0]))
    except (ValueError, TypeError, KeyError, IndexError) as err:
        raise InvalidOptionError(
            f"fmt={fmt!r} cannot format the number {float(numbers[0])!r} ({err}); use a format "
            "spec like ',.1f', a template like '{:.1%}' or a function returning a string"
        ) from err
    if not isinstance(text, str):
        raise InvalidOptionError(f"fmt={fmt!r} returned {text!r}, not a string")
    return func


def _auto_formatter(numbers: np.ndarray) -> Callable[[float], str]:
    """Fixed decimals from the spread of the bounds; more if two bounds would print alike."""
    finite = numbers[np.isfinite(numbers)]
    span = float(np.ptp(finite)) if finite.size else 0.0
    scale = span if span > 0 else float(np.max(np.abs(finite))) if finite.size else 1.0
    if np.allclose(finite, np.round(finite)):
        decimals = 0
    elif scale > 0:
        decimals = min(6, max(0, 2 - math.floor(math.log10(scale))))
    else:
        decimals = 2
    comma = "," if finite.size and float(np.max(np.abs(finite))) >= 10_000 else ""
    while decimals < 8:
        spec = f"{comma}.{decimals}f"
        if len({format(v, spec) for v in finite}) == len(np.unique(finite)):
            break
        decimals += 1
    spec = f"{comma}.{decimals}f"
    return lambda v: format(v, spec)


def _class_labels(classifier: Any, lowest: float, fmt: Callable[[float], str]) -> list[str]:
    bins = [float(b) for b in classifier.bins]
    counts = [int(c) for c in classifier.counts]
    labels = []
    for i, (upper, count) in enumerate(zip(bins, counts, strict=True)):
        lower = bins[i - 1] if i else lowest
        if lower > upper:  # an empty open-ended first class (std_mean, user_defined)
            bounds = f"<= {fmt(upper)}"
        elif lower == upper:  # a class of one value, e.g. the zeros of a share
            bounds = fmt(upper)
        else:
            bounds = f"{fmt(lower)} – {fmt(upper)}"
        labels.append(f"{bounds}  (n={count})")
    return labels


def _colors(cmap: Any, n: int) -> list[str]:
    import matplotlib as mpl
    from matplotlib.colors import Colormap, to_hex

    if cmap is None:
        cmap = DEFAULT_CMAP
    if isinstance(cmap, str):
        if cmap not in mpl.colormaps:
            raise InvalidOptionError(
                f"cmap={cmap!r} is not a matplotlib colour map."
                f"{did_you_mean(cmap, list(mpl.colormaps))} Sequential, colour-blind-safe "
                "choices: 'viridis' (default), 'cividis', 'magma', 'YlGnBu'"
            )
        cmap = mpl.colormaps[cmap]
    elif not isinstance(cmap, Colormap):
        raise InvalidOptionError(
            f"cmap={cmap!r} must be a colour-map name such as 'cividis' or a "
            "matplotlib.colors.Colormap"
        )
    return [to_hex(c, keep_alpha=False) for c in cmap.resampled(max(n, 1))(range(n))]
