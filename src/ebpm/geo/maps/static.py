"""The static choropleth: :func:`choropleth` draws the classed map with matplotlib (through
geopandas), Okinawa in its inset, the legend and the footnote naming the areas without a
value, in the bundled Japanese font, and returns the Axes."""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Literal

import numpy as np

from ebpm.errors import InvalidOptionError, check_option
from ebpm.geo.maps._frame import (
    _MAX_LISTED,
    _areas,
    _check_column,
    _labels_of,
    _numeric_values,
    _require_gdf,
    _row_ids,
)
from ebpm.geo.maps.classes import (
    MISSING_COLOR,
    MISSING_HATCH,
    MapClasses,
    Scheme,
    _class_labels,
    _classify,
    _colors,
    _formatter,
)
from ebpm.geo.maps.layout import (
    _border_plan,
    _frame_bounds,
    _InsetLayout,
    _padded,
    _plan_inset,
    _pref_border_lines,
    _row_prefectures,
)

logger = logging.getLogger(__name__)


_MISSING_EDGE = "#8c8c8c"
_EDGE = "white"


#: Family registered by matplotlib_fontja (imported by ebpm.plotting.setup_matplotlib).
_JAPANESE_FONT = "IPAexGothic"


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


def _linewidth(units: int) -> float:
    """Boundary line width in points for a map of ``units`` areas: thinner as they get many."""
    return float(np.clip(_LINE_SCALE / math.sqrt(max(units, 1)), _LINE_MIN, _LINE_MAX))


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


#: What a map says of areas without a value, by language: the default label, the footnote
#: listing them and the footnote counting them.
_NO_VALUE = {
    "en": ("データなし / no data", "{label}: {names}", "{label}: {n} units"),
    "ja": ("データなし", "{label}：{names}", "{label}：{n} 地域"),
}


def _missing_note(names: Sequence[str], missing_label: str, lang: str = "en") -> str:
    _, listed, counted = _NO_VALUE[lang]
    if len(names) <= _MAX_LISTED:
        return listed.format(label=missing_label, names=", ".join(names))
    return counted.format(label=missing_label, n=len(names))


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
    missing_label: str | None = None,
    label: str | None = None,
    fmt: str | Callable[[float], str] | None = None,
    assume_crs: Any = None,
    seed: int | None = 0,
    lang: str | None = None,
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
    missing_label : str, optional
        Legend and footnote text for areas without a value; by default "データなし / no data"
        on an English page, "データなし" on a Japanese one.
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
    lang : {"en", "ja"}, optional
        Language of the words ebpm writes on the map (the areas without a value); by default
        the report's (:func:`ebpm.report.language`).

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
    from ebpm._lang import current_lang
    from ebpm.plotting import get_ax

    chosen = current_lang(lang)
    if missing_label is None:
        missing_label = _NO_VALUE[chosen][0]
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
    cropped = _draw_map(ax, gdf.geometry, row_colors, missing, plan, borders, linewidth)
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
        _legend(
            ax,
            class_colors,
            labels,
            missing,
            column=column,
            missing_label=missing_label,
            inset=plan is not None,
            legend_kwds=legend_kwds,
            many=many,
            family=family,
        )
    if missing.any():
        _missing_footnote(
            ax, missing_names, missing, missing_label, column=column, family=family, lang=chosen
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


def _draw_map(
    ax: Any,
    geoms: Any,
    row_colors: np.ndarray,
    missing: np.ndarray,
    plan: tuple[np.ndarray, _InsetLayout, np.ndarray] | None,
    borders: np.ndarray | None,
    linewidth: float,
) -> np.ndarray:
    """Draw the units (Okinawa in its inset when ``plan`` says so) and the prefecture borders;
    return which rows have a part left outside the frame."""
    mainland = np.ones(len(geoms), dtype=bool) if plan is None else ~plan[0]
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
        return cropped
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
    return cropped


def _legend(
    ax: Any,
    class_colors: Sequence[str],
    labels: Sequence[str],
    missing: np.ndarray,
    *,
    column: str,
    missing_label: str,
    inset: bool,
    legend_kwds: Mapping[str, Any] | None,
    many: bool,
    family: list[str],
) -> None:
    """One entry per class and one for the missing areas: at the lower right beside an Okinawa
    inset, else to the right of the map."""
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
        {"loc": "lower right"} if inset else {"loc": "center left", "bbox_to_anchor": (1.0, 0.5)}
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


def _missing_footnote(
    ax: Any,
    missing_names: Sequence[str],
    missing: np.ndarray,
    missing_label: str,
    *,
    column: str,
    family: list[str],
    lang: str = "en",
) -> None:
    """Name the areas without a value under the map (in ``lang``), and in the log."""
    ax.annotate(
        _missing_note(missing_names, missing_label, lang),
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
        len(missing),
        column,
        ", ".join(missing_names),
    )
