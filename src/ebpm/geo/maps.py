"""Choropleth maps of Japanese areas: mapclassify classes, Japanese text, an Okinawa inset.

:func:`choropleth` draws a static map with matplotlib (through geopandas) and returns its Axes;
:func:`explore` is the interactive counterpart for JupyterLab (it needs ``folium``, which ebpm
does not install). Both classify values the same way, so a static and an interactive map of the
same column show the same classes.

>>> from ebpm import catalog, geo
>>> prefs = catalog.load("geo.japan_prefectures")                    # doctest: +SKIP
>>> prefs["rate"] = ...                                              # doctest: +SKIP
>>> ax = geo.choropleth(prefs, "rate", scheme="fisher_jenks", title="人口増減率")  # doctest: +SKIP
>>> ax.ebpm_classes.bins                                             # doctest: +SKIP
"""

from __future__ import annotations

import contextlib
import inspect
import logging
import math
import warnings
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd

from ebpm.errors import (
    ColumnNotFoundError,
    DataError,
    EbpmError,
    InvalidCodeError,
    InvalidOptionError,
    MissingCRSError,
    NonNumericError,
    UnmatchedRowsWarning,
    check_option,
    did_you_mean,
)
from ebpm.geo._rows import panel_filter

__all__ = [
    "DEFAULT_CMAP",
    "MISSING_COLOR",
    "MISSING_HATCH",
    "MapClasses",
    "MissingDependencyError",
    "Scheme",
    "choropleth",
    "explore",
]

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
_MISSING_EDGE = "#8c8c8c"
_EDGE = "white"

# Columns searched, in order, to find which rows are Okinawa (prefecture code 47).
_CODE_COLUMNS = (
    "code",
    "pref_code",
    "prefecture_code",
    "city_code",
    "municipality_code",
    "lg_code",
    "jis_code",
    "N03_007",
)
_NAME_COLUMNS = (
    "name_ja",
    "prefecture",
    "pref_name",
    "prefecture_name",
    "pref",
    "name",
    "name_en",
    "N03_001",
)
_LABEL_COLUMNS = ("name_ja", "name", "name_en", "code")
_OKINAWA = "47"
# Names of the columns that can tell the copies of one area apart in a panel (besides any name
# holding "year" or 年, and datetime columns), for the filter a repeated-area error suggests.
#: Family registered by matplotlib_fontja (imported by ebpm.plotting.setup_matplotlib).
_JAPANESE_FONT = "IPAexGothic"

# Inset geometry, in fractions of the main Axes.
_INSET_MAX_W = 0.45  # the inset frame is never wider than this (the Sea of Japan is wide) ...
_INSET_MAX_H = 0.30  # ... nor taller than this
_INSET_MIN = 0.15  # ... nor narrower or lower than this
_INSET_MAX_ZOOM = 2.0  # Okinawa is drawn at most twice the scale of the main map
_INSET_MARGIN = 0.02
_MAX_LISTED = 5  # missing units named in the footnote; more are counted
# A part of a unit lying beyond every other part by more than this share of the map's larger
# side is left outside the frame, when its unit has another part on the map.
_OUTLIER_GAP = 0.10
# Boundary lines: _LINE_SCALE / sqrt(units) points, within these bounds (47 prefectures: 0.29,
# 262 Tokyo-area units: 0.12, 1,900 municipalities: 0.06).
_LINE_SCALE = 2.0
_LINE_MAX = 0.3
_LINE_MIN = 0.06
# From this many units a map is drawn larger, so that small municipalities stay visible.
_MANY_UNITS = 500
_FIGSIZE = (7.0, 7.0)
_FIGSIZE_MANY = (8.5, 9.5)
# Lines between prefectures on a municipal map (not the coast, which the fills already show).
_BORDER_COLOR = "0.2"
_BORDER_WIDTH = 0.5


class MissingDependencyError(EbpmError, ImportError):
    """An optional package a feature needs (folium for :func:`explore`) is not installed."""


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


# --- validation ----------------------------------------------------------------------------


def _require_gdf(gdf: Any, func: str, assume_crs: Any) -> Any:
    """Return ``gdf`` (with ``assume_crs`` set when it had no CRS) or raise."""
    import geopandas as gpd

    if not isinstance(gdf, gpd.GeoDataFrame):
        hint = (
            "join the table to geometry first with ebpm.geo.attach(df, code=...)"
            if isinstance(gdf, pd.DataFrame)
            else "load one with ebpm.geo.prefectures() or ebpm.catalog.load(name)"
        )
        raise DataError(f"{func}() takes a GeoDataFrame, got {type(gdf).__name__}; {hint}")
    if gdf.empty:
        raise DataError(f"{func}() got an empty GeoDataFrame; check the filter that produced it")
    if gdf.crs is not None:
        return gdf
    if assume_crs is None:
        raise MissingCRSError(
            f"{func}(): the GeoDataFrame has no coordinate reference system (gdf.crs is None), "
            "so its coordinates cannot be placed. Set it with gdf.set_crs('EPSG:4326') (or the "
            "CRS the data came in), or pass assume_crs='EPSG:4326'"
        )
    from pyproj import CRS
    from pyproj.exceptions import CRSError

    try:
        crs = CRS.from_user_input(assume_crs)
    except CRSError as err:
        raise InvalidOptionError(
            f"assume_crs={assume_crs!r} is not a coordinate reference system pyproj knows; pass "
            "an EPSG code such as 'EPSG:4326' (longitude/latitude) or 'EPSG:6668' (JGD2011)"
        ) from err
    logger.info("%s(): the GeoDataFrame has no CRS; assuming %s", func, crs.to_string())
    return gdf.set_crs(crs)  # returns a copy; the caller's frame keeps crs=None


def _blank(value: Any) -> bool:
    """True for a missing or empty label (None, NaN, pd.NA, "" or only spaces)."""
    if isinstance(value, str):
        return not value.strip()
    return value is None or (pd.api.types.is_scalar(value) and bool(pd.isna(value)))


def _listed(items: Sequence[str]) -> str:
    shown = ", ".join(items[:_MAX_LISTED])
    more = len(items) - _MAX_LISTED
    return shown + (f" and {more} more" if more > 0 else "")


def _row_ids(gdf: Any, names: np.ndarray) -> list[str]:
    """``"code name"`` of each row for messages (e.g. "00000 全国"), or whichever exists."""
    code_col = next((c for c in _CODE_COLUMNS if c in gdf.columns), None)
    codes = [None] * len(gdf) if code_col is None else gdf[code_col].tolist()
    out = []
    for code, name in zip(codes, names, strict=True):
        if _blank(code) or str(code) == name:
            out.append(name)
        else:
            out.append(f"{code} {name}")
    return out


def _areas(gdf: Any, column: Any, func: str) -> tuple[Any, tuple[str, ...]]:
    """The rows that can be drawn, and the ids of those left out because they have no geometry.

    Rows with a null or empty geometry are dropped with an :class:`UnmatchedRowsWarning`; a
    frame where some area appears more than once (a panel) raises :class:`DataError`.
    """
    geoms = gdf.geometry
    absent = (geoms.isna() | geoms.is_empty).to_numpy()
    if absent.all():
        raise DataError(
            f"{func}(): none of the {len(gdf)} row(s) has a geometry, so there is nothing to "
            "draw; join the table to geometry with ebpm.geo.attach(df, code=...) and check the "
            "rows it reports as unmatched"
        )
    dropped: tuple[str, ...] = ()
    if absent.any():
        rest = gdf[absent]
        dropped = tuple(_row_ids(rest, _labels_of(rest, None)))
        warnings.warn(
            f"{func}(): {len(dropped)} row(s) have no geometry and are not drawn: "
            f"{_listed(list(dropped))}; they are left out of the classes too. Rows that "
            "ebpm.geo.attach could not match (such as the national total 00000 全国) have no "
            "geometry; drop them first with gdf[~(gdf.geometry.isna() | gdf.geometry.is_empty)]",
            UnmatchedRowsWarning,
            stacklevel=3,
        )
        gdf = gdf[~absent]
    _check_one_row_per_area(gdf, column, func)
    return gdf, dropped


def _check_one_row_per_area(gdf: Any, column: Any, func: str) -> None:
    """Raise when a code (column ``code``) or a geometry occurs in more than one row."""
    repeated = np.zeros(len(gdf), dtype=bool)
    listing = ""
    if "code" in gdf.columns:
        codes = key = gdf["code"]
        repeated = (codes.notna() & codes.duplicated(keep=False)).to_numpy()
        if repeated.any():
            items = list(dict.fromkeys(str(c) for c in codes[repeated]))
            listing = f"code {_listed(items)}"
    if not repeated.any():
        wkb = key = gdf.geometry.to_wkb()
        repeated = wkb.duplicated(keep=False).to_numpy()
        if not repeated.any():
            return
        first = ~wkb.duplicated(keep="first").to_numpy() & repeated
        items = list(_labels_of(gdf, None)[first])
        listing = f"same geometry: {_listed(items)}"
    skip = {column, gdf.geometry.name, *_CODE_COLUMNS, *_NAME_COLUMNS, *_LABEL_COLUMNS}
    example = panel_filter(gdf, key, repeated, skip)
    raise DataError(
        f"{func}(): {len(items)} area(s) appear more than once ({listing}), so their polygons "
        "would be drawn on top of each other and counted more than once in the classes. A "
        f"choropleth needs one row per area: filter first, e.g. {example}"
    )


def _check_column(gdf: Any, column: Any) -> None:
    if column not in gdf.columns or column == gdf.geometry.name:
        choices = [str(c) for c in gdf.columns if c != gdf.geometry.name]
        raise ColumnNotFoundError(
            f"column={column!r} is not a column of the GeoDataFrame."
            f"{did_you_mean(str(column), choices)} Columns are: {', '.join(choices)}."
        )


def _numeric_values(gdf: Any, column: str, func: str) -> pd.Series:
    """``gdf[column]`` as float64 (missing as NaN), or raise naming the first bad value."""
    series = gdf[column]
    if pd.api.types.is_bool_dtype(series):
        raise NonNumericError(
            f"{func}(): column={column!r} holds booleans; a choropleth maps numbers. Map a "
            f"number instead, e.g. gdf[{column!r}].astype(int) for a 0/1 share"
        )
    if pd.api.types.is_numeric_dtype(series):
        values = series.astype("float64")
    else:
        values = pd.to_numeric(series, errors="coerce")
        bad = series[values.isna() & series.notna()]
        if len(bad):
            raise NonNumericError(
                f"{func}(): column={column!r} must be numeric; it holds {bad.iloc[0]!r} (row "
                f"{bad.index[0]!r}). Map a numeric column, or convert this one with "
                f"pd.to_numeric(gdf[{column!r}], errors='coerce')"
            )
        values = values.astype("float64")
    infinite = np.isinf(values.to_numpy())
    if infinite.any():
        raise DataError(
            f"{func}(): column={column!r} holds {float(values[infinite].iloc[0])!r} (row "
            f"{values.index[infinite][0]!r}); replace infinite values with NaN (they are then "
            "drawn as missing) or with a finite value"
        )
    if values.isna().all():
        raise DataError(
            f"{func}(): every one of the {len(values)} values of column={column!r} is missing; "
            "check the join that filled it (ebpm.geo.attach reports unmatched rows)"
        )
    return values


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


def _check_classification_kwds(kwds: Mapping[str, Any] | None, scheme: str) -> dict[str, Any]:
    import mapclassify

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
    import mapclassify

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


def _font_family() -> list[str]:
    """The Japanese font first, then the families in ``rcParams`` (fallbacks for its glyphs).

    Passed explicitly to every text the map draws: a Text keeps the family that was the
    default when its Axes was created, so an Axes made before ebpm set the font (or after
    ``matplotlib.rcdefaults()``) would otherwise show Japanese as empty boxes.
    """
    import matplotlib as mpl

    from ebpm.plotting import setup_matplotlib

    setup_matplotlib()  # registers the font with matplotlib's font manager
    rc = [str(f) for f in mpl.rcParams["font.family"] if f != _JAPANESE_FONT]
    return [_JAPANESE_FONT, *rc]


def _labels_of(gdf: Any, label: Any) -> np.ndarray:
    """The name of each row: the first non-missing of ``label``, name_ja, name, name_en, code.

    Row by row, so a unit without a kanji name (67 of the Tokyo units) is named by the next
    column; a row with none of them is named by its index label.
    """
    columns = [c for c in _LABEL_COLUMNS if c in gdf.columns]
    if label is not None:
        _check_column(gdf, label)
        columns = [label, *(c for c in columns if c != label)]
    values = [gdf[c].tolist() for c in columns]
    out = np.empty(len(gdf), dtype=object)
    for i, idx in enumerate(gdf.index):
        out[i] = next((str(col[i]) for col in values if not _blank(col[i])), str(idx))
    return out


# --- Okinawa inset -------------------------------------------------------------------------
def _prefecture_of(value: Any, *, by_code: bool) -> str | None:
    from ebpm import japan

    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    try:
        if by_code:
            return japan.normalize_code(value, level="prefecture")
        return japan.prefecture_code(value)
    except (InvalidCodeError, TypeError, ValueError):
        return None


def _row_prefectures(gdf: Any) -> np.ndarray | None:
    """The 2-digit prefecture code of each row (``None`` where the value is missing), from the
    first code or name column that names prefectures.

    ``None`` when no column identifies prefectures (every non-missing value must parse).
    """
    for columns, by_code in ((_CODE_COLUMNS, True), (_NAME_COLUMNS, False)):
        for col in columns:
            if col not in gdf.columns:
                continue
            series = gdf[col]
            if not (
                pd.api.types.is_string_dtype(series)
                or pd.api.types.is_object_dtype(series)
                or pd.api.types.is_integer_dtype(series)
            ):
                continue
            present = series.dropna().unique()
            prefs = {v: _prefecture_of(v, by_code=by_code) for v in present}
            if not prefs or any(p is None for p in prefs.values()):
                continue
            return series.map(prefs).to_numpy(dtype=object)
    return None


def _okinawa_rows(prefs: np.ndarray | None) -> np.ndarray | None:
    """Boolean mask of Okinawa rows from :func:`_row_prefectures`, or ``None``."""
    return None if prefs is None else prefs == _OKINAWA


def _frame_bounds(geoms: Any) -> tuple[tuple[float, float, float, float], np.ndarray]:
    """Bounds to show ``geoms`` in, and the rows with a far outlying part left outside them.

    A part (one polygon of a MultiPolygon) is left out when it lies beyond every other part,
    on one side, by more than ``_OUTLIER_GAP`` of the map's larger side, and its unit keeps
    another part inside: every unit stays on the map. Minamitorishima (小笠原村, 154°E) goes,
    while the Ogasawara and Daito islands, units or the only land of their unit, stay.
    """
    import shapely

    parts, unit = shapely.get_parts(np.asarray(geoms.to_numpy()), return_index=True)
    bounds = shapely.bounds(parts)  # minx, miny, maxx, maxy of each part
    keep = np.ones(len(parts), dtype=bool)
    span = max(np.ptp(bounds[:, [0, 2]]), np.ptp(bounds[:, [1, 3]]))
    trimmed = True
    while trimmed and keep.sum() > 1:
        trimmed = False
        for side in range(4):  # west, south (the least minimum), east, north (the greatest)
            idx = np.flatnonzero(keep)
            if side < 2:
                j = idx[np.argmin(bounds[idx, side])]
                rest = idx[idx != j]
                gap = bounds[rest, side].min() - bounds[j, side + 2]
            else:
                j = idx[np.argmax(bounds[idx, side])]
                rest = idx[idx != j]
                gap = bounds[j, side - 2] - bounds[rest, side].max()
            if gap > _OUTLIER_GAP * span and (unit[rest] == unit[j]).any():
                keep[j] = False
                trimmed = True
    cropped = np.zeros(len(geoms), dtype=bool)
    cropped[unit[~keep]] = True
    kept = bounds[keep]
    box = (
        float(kept[:, 0].min()),
        float(kept[:, 1].min()),
        float(kept[:, 2].max()),
        float(kept[:, 3].max()),
    )
    return box, cropped


def _padded(bounds: tuple[float, float, float, float]) -> tuple[float, float, float, float]:
    """``(xmin, xmax, ymin, ymax)``: ``bounds`` (minx, miny, maxx, maxy) with a 2% margin."""
    minx, miny, maxx, maxy = bounds
    pad_x, pad_y = 0.02 * (maxx - minx), 0.02 * (maxy - miny)
    return minx - pad_x, maxx + pad_x, miny - pad_y, maxy + pad_y


@dataclass(frozen=True)
class _InsetLayout:
    main_limits: tuple[float, float, float, float]  # xmin, xmax, ymin, ymax
    bounds: tuple[float, float, float, float]  # inset frame in main-Axes fractions
    limits: tuple[float, float, float, float]  # inset data limits


def _inset_layout(
    main: tuple[float, float, float, float], okinawa: tuple[float, float, float, float]
) -> _InsetLayout:
    """Crop the main map to ``main`` (the mainland's bounds); fit ``okinawa``'s bounds in a
    frame at its upper-left corner."""
    x0, x1, y0, y1 = _padded(main)
    width, height = x1 - x0, y1 - y0
    ominx, ominy, omaxx, omaxy = okinawa
    ow = max(omaxx - ominx, 1e-9 * width) * 1.2
    oh = max(omaxy - ominy, 1e-9 * height) * 1.2
    fw, fh = ow / width, oh / height  # Okinawa's share of the main frame at the main scale
    zoom = min(_INSET_MAX_ZOOM, _INSET_MAX_W / fw, _INSET_MAX_H / fh)
    bw, bh = max(fw * zoom, _INSET_MIN), max(fh * zoom, _INSET_MIN)
    cx, cy = (ominx + omaxx) / 2, (ominy + omaxy) / 2
    half_w, half_h = bw * width / zoom / 2, bh * height / zoom / 2
    return _InsetLayout(
        main_limits=(x0, x1, y0, y1),
        bounds=(_INSET_MARGIN, 1 - _INSET_MARGIN - bh, bw, bh),
        limits=(cx - half_w, cx + half_w, cy - half_h, cy + half_h),
    )


def _inset_hits_land(geoms: Any, okinawa: np.ndarray, layout: _InsetLayout) -> bool:
    from shapely.geometry import box

    x0, x1, y0, y1 = layout.main_limits
    fx, fy, fw, fh = layout.bounds
    width, height = x1 - x0, y1 - y0
    frame = box(x0 + fx * width, y0 + fy * height, x0 + (fx + fw) * width, y0 + (fy + fh) * height)
    mainland = geoms[~okinawa]
    return bool(len(mainland.sindex.query(frame, predicate="intersects")))


def _plan_inset(
    gdf: Any, inset: Any, prefs: np.ndarray | None
) -> tuple[np.ndarray, _InsetLayout, np.ndarray] | None:
    """Okinawa's rows, the inset layout and the rows with a part cropped, or ``None``."""
    if inset is False:
        return None
    okinawa = _okinawa_rows(prefs)
    searched = ", ".join(_CODE_COLUMNS + _NAME_COLUMNS)
    if okinawa is None or not okinawa.any():
        if inset is True:
            raise DataError(
                "inset=True draws Okinawa (沖縄県, code '47') in an inset, but no row was "
                f"recognised as Okinawa; the columns searched for prefecture codes or names are: "
                f"{searched}. Add a 'code' column (e.g. '47' or '47201'), or pass inset=False"
            )
        return None
    if okinawa.all():
        if inset is True:
            raise DataError(
                "inset=True: every row is in Okinawa, so there is no mainland for the main map; "
                "pass inset=False to map Okinawa alone"
            )
        return None
    main, main_cropped = _frame_bounds(gdf.geometry[~okinawa])
    south, south_cropped = _frame_bounds(gdf.geometry[okinawa])
    layout = _inset_layout(main, south)
    if inset == "auto" and _inset_hits_land(gdf.geometry, okinawa, layout):
        logger.info(
            "choropleth(): not a national map (an Okinawa inset would cover land at the upper "
            "left); drawing Okinawa in place. Pass inset=True to force the inset"
        )
        return None
    cropped = np.zeros(len(gdf), dtype=bool)
    cropped[~okinawa] = main_cropped
    cropped[okinawa] = south_cropped
    return okinawa, layout, cropped


def _linewidth(units: int) -> float:
    """Boundary line width in points for a map of ``units`` areas: thinner as they get many."""
    return float(np.clip(_LINE_SCALE / math.sqrt(max(units, 1)), _LINE_MIN, _LINE_MAX))


def _border_plan(gdf: Any, pref_borders: Any, prefs: np.ndarray | None) -> np.ndarray | None:
    """Rows' prefecture codes when prefecture borders are to be drawn, else ``None``."""
    if pref_borders is False:
        return None
    if prefs is None:
        if pref_borders is True:
            searched = ", ".join(_CODE_COLUMNS + _NAME_COLUMNS)
            raise DataError(
                "pref_borders=True draws the borders between prefectures, but the prefecture of "
                f"the rows could not be told; the columns searched for prefecture codes or "
                f"names are: {searched}. Add a 'code' column (e.g. '13101'), or pass "
                "pref_borders=False"
            )
        return None
    distinct = len({p for p in prefs if p is not None})
    if pref_borders == "auto" and not (distinct >= 2 and len(gdf) > distinct):
        return None  # a map of prefectures, or of one prefecture's municipalities
    return prefs


def _union(shapes: np.ndarray) -> Any:
    """The union of ``shapes``: the fast coverage union for areas that tile without overlap
    (N03 boundaries), the general one when they overlap (the 1990 Tokyo shapefile does)."""
    import shapely
    from shapely.errors import GEOSException

    try:
        return shapely.coverage_union_all(shapes)
    except GEOSException:  # "CoverageUnion cannot process overlapping inputs"
        return shapely.union_all(shapes)


def _pref_border_lines(geoms: Any, prefs: np.ndarray) -> Any:
    """The lines between prefectures: each prefecture's outline less the coast."""
    import geopandas as gpd
    import shapely

    shapes = np.asarray(geoms.to_numpy())
    groups = pd.Series(prefs).groupby(pd.Series(prefs), sort=True).indices
    merged = np.array([_union(shapes[idx]) for idx in groups.values()], dtype=object)
    coast = shapely.boundary(_union(merged))
    lines = shapely.difference(shapely.boundary(merged), coast)
    return gpd.GeoSeries(lines[~shapely.is_empty(lines)], crs=geoms.crs)


# --- drawing -------------------------------------------------------------------------------
def _draw(
    target: Any, geoms: Any, colors: np.ndarray, missing: np.ndarray, linewidth: float
) -> None:
    if (~missing).any():
        geoms[~missing].plot(
            ax=target, color=list(colors[~missing]), edgecolor=_EDGE, linewidth=linewidth
        )
    if missing.any():
        geoms[missing].plot(
            ax=target,
            facecolor=MISSING_COLOR,
            edgecolor=_MISSING_EDGE,
            hatch=MISSING_HATCH,
            linewidth=linewidth,
        )


def _missing_note(names: Sequence[str], missing_label: str) -> str:
    if len(names) <= _MAX_LISTED:
        return f"{missing_label}: {', '.join(names)}"
    return f"{missing_label}: {len(names)} units"


def choropleth(
    gdf: Any,
    column: str,
    *,
    scheme: Scheme = "quantiles",
    k: int = 5,
    bins: Sequence[float] | None = None,
    classification_kwds: Mapping[str, Any] | None = None,
    cmap: Any = None,
    title: str | None = None,
    ax: Any = None,
    legend: bool = True,
    legend_kwds: Mapping[str, Any] | None = None,
    inset: bool | Literal["auto"] = "auto",
    pref_borders: bool | Literal["auto"] = "auto",
    missing_label: str = "データなし / no data",
    label: str | None = None,
    fmt: str | Callable[[float], str] | None = None,
    assume_crs: Any = None,
    seed: int | None = 0,
) -> Any:
    """Draw a classed choropleth map of ``column`` and return its Axes.

    Parameters
    ----------
    gdf : geopandas.GeoDataFrame
        One row per area, with a CRS (any CRS; it is not reprojected). A panel (an area in
        several rows, e.g. prefecture x year) is refused: filter it to one period first. Rows
        without a geometry (null or empty, e.g. a national total that
        :func:`ebpm.geo.attach` could not match) are left out with a warning.
    column : str
        The numeric column to map. Missing values are allowed: those areas are drawn light
        grey with a hatch, counted in the legend and named under the map.
    scheme : str, default "quantiles"
        How values are classed (mapclassify): ``"quantiles"``, ``"equal_interval"``,
        ``"natural_breaks"`` (k-means), ``"fisher_jenks"`` (optimal Jenks breaks),
        ``"jenks_caspall"``, ``"max_breaks"``, ``"pretty_breaks"``, ``"std_mean"``,
        ``"percentiles"`` or ``"user_defined"`` (with ``bins``).
    k : int, default 5
        Number of classes for the schemes that take one; at most the number of distinct
        values. ``std_mean``, ``percentiles`` and ``user_defined`` set their own classes and
        reject any other ``k``.
    bins : sequence of float, optional
        Class upper bounds for ``scheme="user_defined"`` (values above the last bound form
        one more class).
    classification_kwds : mapping, optional
        Further options of the mapclassify classifier: ``pct`` (percentiles), ``multiples`` and
        ``anchor`` (std_mean), ``mindiff`` (max_breaks), ``initial`` (natural_breaks),
        ``lowest`` (user_defined).
    cmap : str or matplotlib.colors.Colormap, optional
        Colour map; by default :data:`DEFAULT_CMAP` (``"viridis"``), sequential and
        colour-blind-safe. ``"cividis"`` is tuned further for red-green colour blindness.
    title : str, optional
        Axes title. The title, legend and footnote are drawn with the bundled IPAexGothic
        font, also on an ``ax`` created before ebpm set the font.
    ax : matplotlib.axes.Axes, optional
        Draw into this Axes; by default a new figure of 7 x 7 inches, or 8.5 x 9.5 for a map
        of 500 units or more (the 1,900 municipalities of Japan), with a larger legend.
    legend : bool, default True
        Draw a legend: one entry per class with its bounds and unit count, plus the missing
        entry. With an Okinawa inset it sits at the lower right (the Pacific); otherwise to
        the right of the map.
    legend_kwds : mapping, optional
        Passed to :meth:`matplotlib.axes.Axes.legend` (``title``, ``loc``, ``fontsize``, ...);
        the default title is ``column``.
    inset : {"auto", True, False}, default "auto"
        Draw Okinawa in a framed inset at the upper left and crop the main map to the mainland,
        as Japanese national maps do. ``"auto"`` does so when the frame holds Okinawa (code
        ``"47"`` or ``"47xxx"`` in a code column, or 沖縄県/Okinawa in a name column) and other
        areas, and the inset would cover only sea; ``True`` always (error without Okinawa);
        ``False`` never. Both parts use the same classes and colours.
    pref_borders : {"auto", True, False}, default "auto"
        Draw the borders between prefectures (not the coast) as dark lines over the units.
        ``"auto"`` does so for a map of municipalities in several prefectures (more rows than
        prefectures, told by the code or name columns the inset uses); ``True`` whenever the
        prefecture of every row can be told (error otherwise); ``False`` never.
    missing_label : str, default "データなし / no data"
        Legend and footnote text for areas without a value.
    label : str, optional
        Column naming the areas in the missing-value footnote. Each row takes the first
        non-missing, non-empty value of ``label`` (when given), ``name_ja``, ``name``,
        ``name_en`` and ``code``, else its index label.
    fmt : str or callable, optional
        Format of class bounds: a spec (``",.0f"``), a template (``"{:.1%}"``) or a function.
        By default the decimals follow the spread of the values, with more when two bounds
        would otherwise print alike.
    assume_crs : str or pyproj.CRS, optional
        CRS to assume when ``gdf.crs`` is None (e.g. ``"EPSG:4326"``); ignored otherwise.
    seed : int or None, default 0
        Seed for the k-means of ``scheme="natural_breaks"`` so the same data give the same map;
        numpy's global random state is restored afterwards. ``None`` leaves it unseeded.

    Returns
    -------
    matplotlib.axes.Axes
        The map's Axes. Its ``ebpm_classes`` attribute holds the :class:`MapClasses` drawn
        (bins, counts, labels, colours, names of missing areas); the Okinawa inset, when drawn,
        is ``ax.child_axes[0]``.

    Raises
    ------
    DataError
        When ``gdf`` is not a non-empty GeoDataFrame, no row has a geometry, an area appears
        in more than one row (a repeated ``code`` or geometry), every value is missing or
        infinite values occur, ``k`` exceeds the number of distinct values, or ``inset=True``
        or ``pref_borders=True`` cannot tell which rows are in which prefecture.
    MissingCRSError
        When ``gdf`` has no CRS and ``assume_crs`` is not given.
    ColumnNotFoundError
        When ``column`` (or ``label``) is not a column.
    NonNumericError
        When ``column`` does not hold numbers.
    InvalidOptionError
        When ``scheme``, ``k``, ``bins``, ``classification_kwds``, ``cmap``, ``inset``,
        ``pref_borders``, ``fmt`` or ``assume_crs`` is not valid.

    Warns
    -----
    UnmatchedRowsWarning
        When rows have no geometry; they are named ("00000 全国"), neither drawn nor
        classified, listed in ``ax.ebpm_classes.no_geometry``, and do not stop the Okinawa
        inset (which is detected over the rows that have a geometry).

    Notes
    -----
    Class ``i`` holds values in ``(bins[i-1], bins[i]]``, mapclassify's convention; the legend
    prints each class as "lower – upper (n=count)", or as its one value when a class holds a
    single value (the zeros of a share, say). The missing areas are also logged (INFO).
    The main Axes is drawn without axis lines; for a geographic CRS geopandas sets the aspect
    ratio for the latitude of the map. Boundary lines are white and thinner the more units
    there are (0.3 pt for a few dozen, 0.06 pt for 1,900; ``ax.ebpm_classes.linewidth``), so
    small municipalities keep their colour. The map frame leaves out a far outlying part of a
    unit that has other parts on the map (小笠原村's Minamitorishima, 1,200 km east of the
    other islands), listed in ``ax.ebpm_classes.cropped``; no unit is left off the map.

    Examples
    --------
    >>> prefs = ebpm.catalog.load("geo.japan_prefectures")                # doctest: +SKIP
    >>> ax = choropleth(prefs, "rate", scheme="fisher_jenks", title="出生率")  # doctest: +SKIP
    """
    from ebpm.plotting import get_ax

    gdf = _require_gdf(gdf, "choropleth", assume_crs)
    _check_column(gdf, column)
    gdf, no_geometry = _areas(gdf, column, "choropleth")
    check_option("inset", inset, ("auto", True, False))
    check_option("pref_borders", pref_borders, ("auto", True, False))
    if not isinstance(legend, bool):
        raise InvalidOptionError(f"legend={legend!r} must be True or False")
    values = _numeric_values(gdf, column, "choropleth")
    classifier = _classify(
        values,
        column=column,
        scheme=scheme,
        k=k,
        bins=bins,
        classification_kwds=classification_kwds,
        seed=seed,
        func="choropleth",
    )
    names = _labels_of(gdf, label)
    missing = values.isna().to_numpy()
    lowest = float(values.min())
    fmt_func = _formatter(fmt, np.r_[lowest, np.asarray(classifier.bins, dtype=float)])
    labels = _class_labels(classifier, lowest, fmt_func)
    class_colors = _colors(cmap, len(classifier.bins))

    row_colors = np.full(len(gdf), MISSING_COLOR, dtype=object)
    row_colors[~missing] = np.asarray(class_colors, dtype=object)[classifier.yb]
    missing_names = tuple(names[missing])

    prefs = _row_prefectures(gdf)
    plan = _plan_inset(gdf, inset, prefs)
    borders = _border_plan(gdf, pref_borders, prefs)
    many = len(gdf) >= _MANY_UNITS
    linewidth = _linewidth(len(gdf))
    ax = get_ax(ax, figsize=_FIGSIZE_MANY if many else _FIGSIZE)
    geoms = gdf.geometry
    mainland = np.ones(len(gdf), dtype=bool) if plan is None else ~plan[0]
    if borders is not None:
        lines = _pref_border_lines(geoms[mainland], borders[mainland])
    if plan is None:
        _draw(ax, geoms, row_colors, missing, linewidth)
        if borders is not None and len(lines):
            lines.plot(ax=ax, color=_BORDER_COLOR, linewidth=_BORDER_WIDTH)
        bounds, cropped = _frame_bounds(geoms)
        if cropped.any():
            x0, x1, y0, y1 = _padded(bounds)
            ax.set_xlim(x0, x1)
            ax.set_ylim(y0, y1)
    else:
        okinawa, layout, cropped = plan
        _draw(ax, geoms[~okinawa], row_colors[~okinawa], missing[~okinawa], linewidth)
        if borders is not None and len(lines):  # Okinawa borders no other prefecture
            lines.plot(ax=ax, color=_BORDER_COLOR, linewidth=_BORDER_WIDTH)
        x0, x1, y0, y1 = layout.main_limits
        ax.set_xlim(x0, x1)
        ax.set_ylim(y0, y1)
        inset_ax = ax.inset_axes(list(layout.bounds))
        _draw(inset_ax, geoms[okinawa], row_colors[okinawa], missing[okinawa], linewidth)
        ix0, ix1, iy0, iy1 = layout.limits
        inset_ax.set_xlim(ix0, ix1)
        inset_ax.set_ylim(iy0, iy1)
        # The limits were sized at the main map's scale, so its aspect fits the frame as is.
        inset_ax.set_aspect(ax.get_aspect(), adjustable="box", anchor="NW")
        inset_ax.set_xticks([])
        inset_ax.set_yticks([])
        inset_ax.set_xlabel("")  # geopandas labels the axes with the CRS's axis names
        inset_ax.set_ylabel("")
        inset_ax.set_facecolor("white")
        for spine in inset_ax.spines.values():
            spine.set_visible(True)
            spine.set_linewidth(0.8)
            spine.set_edgecolor("0.35")
    cropped_ids = tuple(np.asarray(_row_ids(gdf, names), dtype=object)[cropped])
    if cropped_ids:
        logger.info(
            "choropleth(): far outlying parts of %s are outside the map frame (the rest of "
            "each is drawn)",
            ", ".join(cropped_ids),
        )
    ax.set_axis_off()
    family = _font_family()
    if title is not None:
        ax.set_title(str(title), fontfamily=family)

    if legend:
        from matplotlib.font_manager import FontProperties
        from matplotlib.patches import Patch

        handles = [
            Patch(facecolor=c, edgecolor="none", label=lab)
            for c, lab in zip(class_colors, labels, strict=True)
        ]
        if missing.any():
            handles.append(
                Patch(
                    facecolor=MISSING_COLOR,
                    edgecolor=_MISSING_EDGE,
                    hatch=MISSING_HATCH,
                    label=f"{missing_label}  (n={int(missing.sum())})",
                )
            )
        where = (
            {"loc": "lower right"}
            if plan is not None
            else {"loc": "center left", "bbox_to_anchor": (1.0, 0.5)}
        )
        kwds = {"title": str(column), "frameon": False, **where, **dict(legend_kwds or {})}
        # Explicit fonts (see _font_family); a prop or title_fontproperties given wins.
        if "prop" not in kwds:
            size = kwds.pop("fontsize", 9 if many else 8)  # a larger map, a larger legend
            kwds["prop"] = FontProperties(family=family, size=size)
        if "title_fontproperties" not in kwds:
            size = kwds.pop("title_fontsize", 10 if many else 9)
            kwds["title_fontproperties"] = FontProperties(family=family, size=size)
        ax.legend(handles=handles, **kwds)
    if missing.any():
        ax.annotate(
            _missing_note(missing_names, missing_label),
            xy=(0, 0),
            xycoords="axes fraction",
            xytext=(0, -2),
            textcoords="offset points",
            ha="left",
            va="top",
            fontsize=8,
            fontfamily=family,
            color="0.3",
            annotation_clip=False,
        )
        logger.info(
            "choropleth(): %d of %d areas have no value in %r (drawn hatched): %s",
            int(missing.sum()),
            len(gdf),
            column,
            ", ".join(missing_names),
        )
    ax.ebpm_classes = MapClasses(
        column=str(column),
        scheme=scheme,
        bins=tuple(float(b) for b in classifier.bins),
        lowest=lowest,
        counts=tuple(int(c) for c in classifier.counts),
        labels=tuple(labels),
        colors=tuple(class_colors),
        missing=missing_names,
        inset=plan is not None,
        no_geometry=no_geometry,
        cropped=cropped_ids,
        linewidth=linewidth,
        pref_borders=borders is not None,
    )
    return ax


def explore(
    gdf: Any,
    column: str,
    *,
    scheme: Scheme = "quantiles",
    k: int = 5,
    bins: Sequence[float] | None = None,
    classification_kwds: Mapping[str, Any] | None = None,
    cmap: Any = None,
    missing_label: str = "データなし / no data",
    assume_crs: Any = None,
    seed: int | None = 0,
    **kwargs: Any,
) -> Any:
    """Interactive map of ``column`` for JupyterLab (``GeoDataFrame.explore``, needs folium).

    The values are classed exactly as :func:`choropleth` classes them (the bins are computed
    here and passed on as ``scheme="user_defined"``), so both maps show the same classes and
    colours.

    Parameters
    ----------
    gdf, column, scheme, k, bins, classification_kwds, cmap, assume_crs, seed
        As in :func:`choropleth`.
    missing_label : str, default "データなし / no data"
        Legend text for areas without a value (drawn light grey).
    **kwargs
        Passed to :meth:`geopandas.GeoDataFrame.explore` (``tooltip``, ``tiles``, ``m``,
        ``legend_kwds``, ``style_kwds``, ``missing_kwds``, ...).

    Returns
    -------
    folium.Map

    Raises
    ------
    MissingDependencyError
        When folium is not installed (``pip install folium``); an ``ImportError``.
    DataError, MissingCRSError, ColumnNotFoundError, NonNumericError, InvalidOptionError
        As in :func:`choropleth`.

    Warns
    -----
    UnmatchedRowsWarning
        As in :func:`choropleth`: rows without a geometry are left out of the map.
    """
    gdf = _require_gdf(gdf, "explore", assume_crs)
    _check_column(gdf, column)
    gdf, _ = _areas(gdf, column, "explore")
    values = _numeric_values(gdf, column, "explore")
    classifier = _classify(
        values,
        column=column,
        scheme=scheme,
        k=k,
        bins=bins,
        classification_kwds=classification_kwds,
        seed=seed,
        func="explore",
    )
    _colors(cmap, len(classifier.bins))  # validates cmap before folium is needed
    try:
        import folium  # noqa: F401  (GeoDataFrame.explore imports it)
    except ImportError as err:
        raise MissingDependencyError(
            "explore() draws an interactive map with folium, which is not installed; install "
            "it with `pip install folium` (or use ebpm.geo.choropleth for a static map)"
        ) from err
    missing_kwds = {
        "color": MISSING_COLOR,
        "label": missing_label,
        **kwargs.pop("missing_kwds", {}),
    }
    gdf = gdf.copy()  # the caller's frame is not changed; the column goes in as numbers
    gdf[column] = values
    return gdf.explore(
        column=column,
        scheme="user_defined",
        classification_kwds={"bins": [float(b) for b in classifier.bins]},
        cmap=DEFAULT_CMAP if cmap is None else cmap,
        missing_kwds=missing_kwds,
        **kwargs,
    )
