"""What the autocorrelation statistics return besides the shared
:class:`~ebpm.results.EstimateResult`: :class:`LisaResult` (per-unit table, cluster map), the
Moran scatterplot drawn by ``moran(...).plot()``, and the cluster labels and colours."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ebpm._json import jsonable
from ebpm._lang import FIGURES, current_lang, words
from ebpm.geo.spatial._units import _list
from ebpm.results import EstimateResult, ResultDisplay, _fmt

if TYPE_CHECKING:  # pragma: no cover
    import geopandas as gpd


#: LISA cluster labels, in legend order.
CLUSTERS: tuple[str, ...] = ("HH", "LL", "LH", "HL", "not significant")
#: Conventional LISA colours (as in GeoDa): hot spots red, cold spots blue, outliers pale.
CLUSTER_COLOURS: Mapping[str, str] = {
    "HH": "#D7191C",
    "LL": "#2C7BB6",
    "LH": "#ABD9E9",
    "HL": "#F4A6A6",
    "not significant": "#E0E0E0",
}


def _font() -> dict[str, Any]:
    """Text properties naming the Japanese-capable family ``ebpm.plotting`` set up.

    Passed explicitly so that labels render even on an Axes created before the font was
    registered (a Text keeps the family that was the default when it was created).
    """
    import matplotlib as mpl

    from ebpm.plotting import setup_matplotlib

    setup_matplotlib()  # registers IPAexGothic (matplotlib-fontja)
    rest = [f for f in mpl.rcParams["font.family"] if f != "IPAexGothic"]
    # named first: after mpl.rcdefaults() the rcParams family is plain sans-serif again
    return {"family": ["IPAexGothic", *rest]}


def _moran_scatter(
    result: EstimateResult,
    ax: Any,
    lang: str = "en",
    *,
    z: np.ndarray,
    lag: np.ndarray,
    column: str,
) -> Any:
    from ebpm.plotting import OKABE_ITO

    w = words(FIGURES, lang)
    slope = result.estimate
    ax.axhline(0, color="0.6", lw=0.8, ls="--")
    ax.axvline(0, color="0.6", lw=0.8, ls="--")
    ax.scatter(z, lag, s=20, color=OKABE_ITO[0], alpha=0.75, edgecolor="white", linewidth=0.4)
    xs = np.array([z.min(), z.max()])
    ax.plot(
        xs, slope * xs, color=OKABE_ITO[1], lw=1.6, label=w["moran_slope"].format(i=f"{slope:.3f}")
    )
    font = _font()
    ax.set_xlabel(w["moran_x"].format(column=column), fontproperties=font)
    ax.set_ylabel(w["moran_y"].format(column=column), fontproperties=font)
    title = w["moran_title"].format(i=f"{slope:.3f}", p=f"{result.p_value:.3g}")
    ax.set_title(title, fontproperties=font)
    ax.legend(loc="best", frameon=False, prop=font)
    return ax


@dataclass(frozen=True, eq=False)
class LisaResult(ResultDisplay):
    """Local Moran's I (LISA) for every unit, with cluster labels and a cluster map.

    Attributes
    ----------
    column : str
        The variable analysed.
    table : pandas.DataFrame
        One row per unit used: ``unit`` (id), ``label``, ``value``, ``z`` (standardised value),
        ``lag`` (spatial lag of ``z``), ``local_i``, ``p_sim`` (conditional-permutation pseudo
        p-value; NaN for islands), ``quadrant`` (HH, LH, LL, HL; missing for islands),
        ``cluster`` (the quadrant when ``p_sim <= alpha``, else "not significant") and
        ``island``.
    frame : geopandas.GeoDataFrame
        The rows of the input used, with the table's columns (prefixed ``lisa_``) added.
    alpha, permutations, seed :
        Significance level, number of permutations and the seed used.
    weights : str
        Description of the weights.
    diagnostics : Mapping
        ``islands``, ``connected``, ``n_components``, ``dropped`` (missing value),
        ``no_geometry`` (rows left out) and ``moran_i`` (the global I with the same weights).
    provenance : Mapping
        ``gdf.attrs["ebpm"]`` of the input.
    """

    column: str
    table: pd.DataFrame
    frame: Any = field(repr=False)
    alpha: float
    permutations: int
    seed: int
    weights: str
    diagnostics: Mapping[str, Any] = field(default_factory=dict)
    provenance: Mapping[str, Any] = field(default_factory=dict)

    def tidy(self) -> pd.DataFrame:
        """The per-unit table (a copy)."""
        return self.table.copy()

    def to_frame(self) -> gpd.GeoDataFrame:
        """The units used, with geometry and the ``lisa_*`` columns (a copy)."""
        return self.frame.copy()

    @property
    def gdf(self) -> gpd.GeoDataFrame:
        """Same as :meth:`to_frame`."""
        return self.to_frame()

    def counts(self) -> pd.Series:
        """Number of units in each cluster, in the order of :data:`CLUSTERS`."""
        return self.table["cluster"].value_counts().reindex(list(CLUSTERS), fill_value=0)

    def summary(self) -> str:
        """A plain-text report: settings, cluster counts and the significant units."""
        title = f"Local Moran's I (LISA): {self.column}"
        lines = [title, "=" * len(title)]
        lines.append(f"units: {len(self.table)}   weights: {self.weights} (row-standardised)")
        lines.append(
            f"conditional permutations: {self.permutations} (seed {self.seed})   "
            f"significance: p <= {self.alpha:g} (not adjusted for multiple testing)"
        )
        lines.append(f"global Moran's I with these weights: {_fmt(self.diagnostics['moran_i'])}")
        lines.append("")
        counts = self.counts()
        lines.append("   ".join(f"{c}: {int(counts[c])}" for c in CLUSTERS))
        for c in CLUSTERS[:4]:
            units = self.table.loc[self.table["cluster"] == c, "label"].tolist()
            if units:
                lines.append(f"{c}: {_list(units, limit=15)}")
        untested = self.table.loc[self.table["island"], "label"].tolist()
        if untested:
            lines.append(f"islands (no neighbours, not tested): {_list(untested)}")
        for link in self.diagnostics.get("connected", []):
            lines.append(f"island linked: {link['island']} -> {link['neighbour']}")
        if self.diagnostics.get("dropped"):
            lines.append(f"dropped (missing value): {_list(list(self.diagnostics['dropped']))}")
        if self.diagnostics.get("no_geometry"):
            left_out = _list(list(self.diagnostics["no_geometry"]))
            lines.append(f"left out (no geometry): {left_out}")
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        import html

        counts = self.counts()
        cells = "".join(
            f'<td style="background:{CLUSTER_COLOURS[c]}">{html.escape(c)}: {int(counts[c])}</td>'
            for c in CLUSTERS
        )
        return (
            f'<div class="ebpm-lisa"><pre>{html.escape(self.summary())}</pre>'
            f"<table><tr>{cells}</tr></table></div>"
        )

    def plot(
        self,
        ax: Any = None,
        *,
        title: str | None = None,
        legend: bool = True,
        lang: str | None = None,
    ) -> Any:
        """Cluster map: HH red, LL blue, LH light blue, HL pink, not significant grey.

        Returns the Axes (a new figure when ``ax`` is None). Japanese names in the column or
        title render with the bundled Japanese font (``ebpm.plotting``); the title and legend
        are in ``lang`` (default: the report's, :func:`ebpm.report.language`).
        """
        w = words(FIGURES, current_lang(lang))
        from matplotlib.patches import Patch

        from ebpm.plotting import get_ax

        ax = get_ax(ax, figsize=(7, 7))
        frame = self.frame
        clusters = self.table["cluster"].to_numpy()
        colours = [CLUSTER_COLOURS[c] for c in clusters]
        frame.plot(ax=ax, color=colours, edgecolor="white", linewidth=0.3)
        ax.set_axis_off()
        font = _font()
        ax.set_title(
            title or w["lisa_title"].format(column=self.column, alpha=f"{self.alpha:g}"),
            fontproperties=font,
        )
        if legend:
            counts = self.counts()
            handles = [
                Patch(
                    facecolor=CLUSTER_COLOURS[c],
                    edgecolor="0.5",
                    label=f"{w[c]} ({int(counts[c])})",
                )
                for c in CLUSTERS
            ]
            ax.legend(
                handles=handles,
                loc="lower right",
                frameon=False,
                title=w["cluster"],
                prop=font,
                title_fontproperties=font,
            )
        return ax

    def to_dict(self) -> dict[str, Any]:
        """A JSON-serialisable dictionary of everything in the result (geometry excluded)."""
        return jsonable(
            {
                "method": "lisa",
                "column": self.column,
                "alpha": self.alpha,
                "permutations": self.permutations,
                "seed": self.seed,
                "weights": self.weights,
                "counts": self.counts(),
                "table": self.table,
                "diagnostics": dict(self.diagnostics),
                "provenance": dict(self.provenance),
            }
        )
