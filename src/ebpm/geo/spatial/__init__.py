"""Spatial weights and spatial autocorrelation: ``weights``, global Moran's I, local Moran (LISA).

>>> from ebpm import geo
>>> prefs = geo.attach(table, code="pref_code")                     # doctest: +SKIP
>>> w = geo.weights(prefs, kind="queen", connect_islands=True)      # doctest: +SKIP
>>> geo.moran(prefs, "value", seed=1).summary()                     # doctest: +SKIP
>>> geo.lisa(prefs, "value", seed=1).plot()                         # doctest: +SKIP

Weights are :class:`libpysal.weights.W` objects (esda 2.9 accepts both ``W`` and the newer
``libpysal.graph.Graph``; ``W`` is returned because it is the form every PySAL release and most
published code use, and it exposes ``islands``, ``neighbors`` and ``n_components`` directly).
Contiguity is decided from the geometry itself (see :func:`weights`), so boundaries digitised
without shared vertices do not produce false islands.

Permutation inference is computed here with a :class:`numpy.random.Generator` seeded by
``seed``: esda 2.9's global ``Moran`` draws from NumPy's global random state, and its local
``Moran_Local`` compiles a numba kernel on first use in every process (about 20 s). The
statistics themselves (I, E[I], analytical variances, local I, quadrants) come from esda.

Modules: :mod:`~ebpm.geo.spatial.neighbours` (weights), :mod:`~ebpm.geo.spatial.autocorrelation`
(``moran``, ``lisa``), :mod:`~ebpm.geo.spatial.result` (``LisaResult``, the Moran scatterplot)
and :mod:`~ebpm.geo.spatial._units` (one row per area, ids and labels).
"""

from __future__ import annotations

from ebpm.geo.spatial.autocorrelation import lisa, moran
from ebpm.geo.spatial.neighbours import EARTH_RADIUS_M as EARTH_RADIUS_M
from ebpm.geo.spatial.neighbours import KINDS, WeightsKind, weights
from ebpm.geo.spatial.result import CLUSTER_COLOURS as CLUSTER_COLOURS
from ebpm.geo.spatial.result import CLUSTERS, LisaResult

__all__ = ["CLUSTERS", "KINDS", "LisaResult", "WeightsKind", "lisa", "moran", "weights"]
