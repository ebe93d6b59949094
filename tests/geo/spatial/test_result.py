"""What the autocorrelation statistics return (ebpm.geo.spatial.result): LisaResult's table,
counts, summary, HTML, dictionary and cluster map, and the Moran scatterplot, in Japanese too."""

from __future__ import annotations

import json
import math
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import geopandas as gpd
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import box

from ebpm import geo
from ebpm.geo.spatial import CLUSTER_COLOURS, CLUSTERS, LisaResult, lisa, moran, weights
from tests.geo.spatial.conftest import grid


def uses_japanese_font(text) -> bool:
    from matplotlib.font_manager import FontProperties, findfont

    return "ipaex" in Path(findfont(FontProperties(family=text.get_fontfamily()))).name.lower()


def test_moran_scatterplot(columbus) -> None:
    result = moran(columbus.rename(columns={"CRIME": "犯罪率"}), "犯罪率", seed=2)
    with matplotlib.rc_context({"font.family": ["DejaVu Sans"]}):
        _, ax = plt.subplots()
    assert result.plot(ax=ax) is ax
    assert len(ax.collections[0].get_offsets()) == 49
    line = ax.get_lines()[-1]
    xs, ys = line.get_data()
    assert (ys[1] - ys[0]) / (xs[1] - xs[0]) == pytest.approx(result.estimate)
    assert "I = 0.500" in ax.get_title()
    assert ax.get_xlabel() == "犯罪率 (standardised)"
    assert uses_japanese_font(ax.xaxis.label)
    assert uses_japanese_font(ax.title)
    plt.close("all")


def test_lisa_result_frame_plot_and_dict(planted) -> None:
    before = planted.copy()
    result = lisa(planted, "value", kind="rook", seed=8)
    pd.testing.assert_frame_equal(planted, before)
    assert isinstance(result, LisaResult)
    frame = result.to_frame()
    assert isinstance(frame, gpd.GeoDataFrame)
    assert len(frame) == 100
    assert {"lisa_local_i", "lisa_p_sim", "lisa_quadrant", "lisa_cluster"} <= set(frame.columns)
    assert "lisa_cluster" not in planted.columns
    payload = json.loads(json.dumps(result.to_dict()))
    assert payload["counts"]["LH"] == 1
    assert len(payload["table"]) == 100
    with matplotlib.rc_context({"font.family": ["DejaVu Sans"]}):  # an Axes made before ebpm
        _, ax = plt.subplots()
    assert result.plot(ax=ax, title="高齢化率のクラスター") is ax
    faces = ax.collections[0].get_facecolors()
    lh = int(np.flatnonzero(planted["cell"] == "r2c2")[0])
    assert matplotlib.colors.to_hex(faces[lh]) == CLUSTER_COLOURS["LH"].lower()
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels[2] == "LH (1)"
    assert labels[-1].startswith("not significant")
    title = ax.title
    assert title.get_text() == "高齢化率のクラスター"
    assert uses_japanese_font(title)
    assert uses_japanese_font(ax.get_legend().get_texts()[0])
    plt.close("all")


def test_lisa_default_title_and_lazy_geo_exports(planted) -> None:
    result = geo.lisa(planted, "value", kind="rook", seed=8, alpha=0.01)
    ax = result.plot()
    assert ax.get_title() == "LISA cluster map: value (p <= 0.01)"
    assert geo.weights is weights
    assert geo.moran is moran
    plt.close("all")


def test_lisa_map_in_japanese(planted) -> None:
    result = geo.lisa(planted, "value", kind="rook", seed=8, alpha=0.01)
    ax = result.plot(lang="ja")
    assert ax.get_title() == "LISAクラスター地図：value（p ≤ 0.01）"
    legend = ax.get_legend()
    assert legend.get_title().get_text() == "クラスター"
    names = [t.get_text().rsplit(" (", 1)[0] for t in legend.get_texts()]
    assert names == ["高-高（HH）", "低-低（LL）", "低-高（LH）", "高-低（HL）", "有意でない"]
    plt.close("all")


def test_lisa_map_text_is_japanese_on_an_axes_made_after_rcdefaults():
    import matplotlib as mpl
    import matplotlib.pyplot as plt
    from matplotlib.font_manager import findfont

    from ebpm import geo

    tokyo = geo.tokyo()
    with mpl.rc_context():
        mpl.rcdefaults()
        _, ax = plt.subplots()
        local = geo.lisa(tokyo, "UNEMP", permutations=99, seed=1)
        local.plot(ax=ax, title="失業率のクラスター")
        assert findfont(ax.title.get_fontproperties()).endswith("ipaexg.ttf")
        plt.close("all")


# --- a LisaResult built by hand -----------------------------------------------------------------
@pytest.fixture
def by_hand() -> LisaResult:
    """Three squares: 01 a significant HL outlier, 02 not significant, 03 an island."""
    frame = gpd.GeoDataFrame(
        {"code": ["01", "02", "03"]},
        geometry=[box(i, 0, i + 1, 1) for i in range(3)],
        crs="EPSG:6677",
    )
    table = pd.DataFrame(
        {
            "unit": ["01", "02", "03"],
            "label": ["01 札幌", "02 函館", "03 離島"],
            "value": [5.0, 1.0, 3.0],
            "z": [1.2, -1.2, 0.0],
            "lag": [-1.2, 1.2, 0.0],
            "local_i": [-1.5, -1.5, 0.0],
            "p_sim": [0.01, 0.2, math.nan],
            "quadrant": ["HL", "LH", None],
            "cluster": ["HL", "not significant", "not significant"],
            "island": [False, False, True],
        }
    )
    return LisaResult(
        column="率",
        table=table,
        frame=frame,
        alpha=0.05,
        permutations=99,
        seed=7,
        weights="queen contiguity",
        diagnostics={
            "islands": ["03 離島"],
            "connected": [],
            "n_components": 2,
            "dropped": ["04 空"],
            "no_geometry": [],
            "moran_i": -0.75,
        },
        provenance={"entry": "test.hand"},
    )


def test_counts_follow_the_legend_order_with_zeros(by_hand) -> None:
    assert CLUSTERS == ("HH", "LL", "LH", "HL", "not significant")
    assert by_hand.counts().to_dict() == {
        "HH": 0,
        "LL": 0,
        "LH": 0,
        "HL": 1,
        "not significant": 2,
    }


def test_summary_lists_settings_clusters_islands_and_dropped_units(by_hand) -> None:
    assert by_hand.summary().splitlines() == [
        "Local Moran's I (LISA): 率",
        "=========================",
        "units: 3   weights: queen contiguity (row-standardised)",
        "conditional permutations: 99 (seed 7)   significance: p <= 0.05 "
        "(not adjusted for multiple testing)",
        "global Moran's I with these weights: -0.7500",
        "",
        "HH: 0   LL: 0   LH: 0   HL: 1   not significant: 2",
        "HL: 01 札幌",
        "islands (no neighbours, not tested): 03 離島",
        "dropped (missing value): 04 空",
    ]


def test_html_escapes_the_summary_and_colours_each_count(by_hand) -> None:
    html = by_hand._repr_html_()
    assert "significance: p &lt;= 0.05" in html
    assert "Local Moran&#x27;s I" in html
    assert '<td style="background:#F4A6A6">HL: 1</td>' in html
    assert '<td style="background:#E0E0E0">not significant: 2</td>' in html


def test_tables_are_copies_and_the_dict_is_json(by_hand) -> None:
    table, frame = by_hand.tidy(), by_hand.to_frame()
    table.loc[0, "value"] = -1.0
    frame.loc[0, "code"] = "99"
    assert by_hand.table.loc[0, "value"] == 5.0
    assert by_hand.gdf["code"].tolist() == ["01", "02", "03"]
    payload = json.loads(json.dumps(by_hand.to_dict(), allow_nan=False))
    assert payload["method"] == "lisa"
    assert payload["counts"] == {"HH": 0, "LL": 0, "LH": 0, "HL": 1, "not significant": 2}
    assert payload["table"][2]["p_sim"] is None  # NaN for the island
    assert payload["table"][2]["quadrant"] is None
    assert payload["provenance"] == {"entry": "test.hand"}


def test_cluster_map_without_a_legend_fills_each_unit_with_its_cluster_colour(by_hand) -> None:
    ax = by_hand.plot(legend=False)
    assert ax.get_legend() is None
    assert ax.get_title() == "LISA cluster map: 率 (p <= 0.05)"
    faces = [matplotlib.colors.to_hex(c) for c in ax.collections[0].get_facecolors()]
    assert faces == [
        CLUSTER_COLOURS["HL"].lower(),
        CLUSTER_COLOURS["not significant"].lower(),
        CLUSTER_COLOURS["not significant"].lower(),
    ]
    plt.close("all")


def test_moran_scatterplot_points_are_the_standardised_values_and_their_lags() -> None:
    # 1 x 4 rook path of 1, 2, 4, 8: z = y - 3.75, sd = sqrt(28.75 / 4), W z by hand
    result = moran(grid(1, 4, [1.0, 2.0, 4.0, 8.0]), "value", kind="rook", seed=1)
    ax = result.plot()
    sd = math.sqrt(28.75 / 4)
    points = np.asarray(ax.collections[0].get_offsets()) * sd
    np.testing.assert_allclose(
        points, [[-2.75, -1.75], [-1.75, -1.25], [0.25, 1.25], [4.25, 0.25]], rtol=1e-12
    )
    assert ax.get_ylabel() == "spatial lag of value"
    assert ax.get_legend().get_texts()[0].get_text() == "slope = Moran's I = 0.291"
    plt.close("all")
