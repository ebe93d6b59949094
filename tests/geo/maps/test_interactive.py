"""geo.explore with the real folium: an interactive map with the same classes as choropleth."""

from __future__ import annotations

import folium

from ebpm import geo


def test_explore_makes_a_folium_map_with_the_choropleth_classes():
    prefs = geo.prefectures()
    prefs["v"] = [float(i) for i in range(47)]
    prefs.loc[prefs["code"] == "13", "v"] = float("nan")
    m = geo.explore(prefs, "v", scheme="quantiles", k=4)
    assert isinstance(m, folium.Map)
    html = m.get_root().render()
    assert "データなし / no data" in html  # missing values are drawn and labelled
    assert "沖縄県" in html or "\\u6c96\\u7e04\\u770c" in html  # names in the tooltips
    import matplotlib.pyplot as plt

    ax = geo.choropleth(prefs, "v", scheme="quantiles", k=4)
    bins = ax.ebpm_classes.bins
    plt.close("all")
    # the legend of the interactive map has the same class bounds as the static one
    import re

    (ticks,) = re.findall(r"tickValues\(\[([^\]]*)\]\)", html)
    shown = [float(t) for t in ticks.split(",")]
    assert shown[1:] == [float(b) for b in bins]
