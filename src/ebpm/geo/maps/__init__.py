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

Modules: :mod:`~ebpm.geo.maps.static` (``choropleth``), :mod:`~ebpm.geo.maps.interactive`
(``explore``), :mod:`~ebpm.geo.maps.classes` (classes, legend text, colours, ``MapClasses``),
:mod:`~ebpm.geo.maps.layout` (Okinawa inset, frame, prefecture borders) and
:mod:`~ebpm.geo.maps._frame` (the rows drawn, checked).
"""

from __future__ import annotations

from ebpm.geo.maps.classes import DEFAULT_CMAP, MISSING_COLOR, MISSING_HATCH, MapClasses, Scheme
from ebpm.geo.maps.interactive import MissingDependencyError, explore
from ebpm.geo.maps.static import choropleth

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
