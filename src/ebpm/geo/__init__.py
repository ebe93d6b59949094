"""Geography of Japan: prefectures and municipalities, code joins, choropleth maps, spatial
statistics.

>>> from ebpm import geo
>>> prefs = geo.prefectures()                                   # doctest: +SKIP
>>> gdf = geo.attach(table, code="pref_code")                   # doctest: +SKIP
>>> geo.choropleth(gdf, "value", title="人口増減率")              # doctest: +SKIP
>>> geo.moran(gdf, "value").summary()                           # doctest: +SKIP

Submodules: :mod:`~ebpm.geo.data` (geometry), :mod:`~ebpm.geo.join` (``attach``),
:mod:`~ebpm.geo.maps` (``choropleth``, ``explore``), :mod:`~ebpm.geo.spatial` (``weights``,
``moran``, ``lisa``). Heavy engines (libpysal, esda, mapclassify) load on first use.
"""

from __future__ import annotations

from ebpm._lazy import exports

__all__ = [
    "assign_points",
    "attach",
    "choropleth",
    "explore",
    "lisa",
    "moran",
    "municipalities",
    "prefectures",
    "tokyo",
    "weights",
]

_WHERE = {
    "prefectures": "data",
    "municipalities": "data",
    "tokyo": "data",
    "attach": "join",
    "assign_points": "points",
    "choropleth": "maps",
    "explore": "maps",
    "weights": "spatial",
    "moran": "spatial",
    "lisa": "spatial",
}


# Functions are named differently from the submodules, so a lazily resolved name is never
# replaced by a submodule of the same name.
__getattr__, __dir__ = exports(__name__, {k: f".{v}" for k, v in _WHERE.items()})
