"""The interactive map: :func:`explore` for JupyterLab (``GeoDataFrame.explore``, which needs
folium, an optional dependency), with the classes of :func:`choropleth`."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ebpm.errors import MissingDependencyError
from ebpm.geo.maps._frame import _areas, _check_column, _numeric_values, _require_gdf
from ebpm.geo.maps.classes import DEFAULT_CMAP, MISSING_COLOR, Scheme, _classify, _colors


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
