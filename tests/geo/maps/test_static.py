"""The static choropleth (ebpm.geo.maps.static): fills, legend options, missing values, line
widths, Japanese font, rows without geometry, repeated areas, every bad input, and the
folium-backed explore() checked without folium."""

from __future__ import annotations

import io
import logging
import sys
import types
import warnings

import matplotlib
import matplotlib as mpl

matplotlib.use("Agg")

import geopandas as gpd
import mapclassify
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from matplotlib.colors import to_hex
from matplotlib.font_manager import findfont
from shapely.geometry import Polygon

from ebpm import geo
from ebpm.errors import (
    ColumnNotFoundError,
    DataError,
    InvalidOptionError,
    MissingCRSError,
    NonNumericError,
    UnmatchedRowsWarning,
)
from ebpm.geo.maps import (
    DEFAULT_CMAP,
    MISSING_COLOR,
    MISSING_HATCH,
    MissingDependencyError,
    choropleth,
    explore,
)
from tests.geo.maps.conftest import _legend_texts, _towns


# --- fills -------------------------------------------------------------------------------
def test_units_are_filled_with_their_class_colour(grid):
    ax = choropleth(grid, "value", scheme="user_defined", bins=[5, 20])
    classes = ax.ebpm_classes
    (collection,) = ax.collections
    fills = [to_hex(c) for c in collection.get_facecolors()]
    assert fills == [classes.colors[i] for i in (0, 0, 1, 1, 2, 2)]


# --- legend --------------------------------------------------------------------------------
def test_legend_can_be_turned_off_or_moved(grid):
    assert choropleth(grid, "value", k=2, legend=False).get_legend() is None
    ax = choropleth(grid, "value", k=2, legend_kwds={"title": "人口", "loc": "upper right"})
    assert ax.get_legend().get_title().get_text() == "人口"


# --- missing values ------------------------------------------------------------------------
def test_missing_units_are_hatched_counted_and_named(prefs, caplog):
    prefs.loc[prefs["code"].isin(["13", "27"]), "rate"] = np.nan
    with caplog.at_level(logging.INFO, logger="ebpm.geo.maps"):
        ax = choropleth(prefs, "rate")
    hatched = [c for c in ax.collections if c.get_hatch() == MISSING_HATCH]
    assert len(hatched) == 1
    assert len(hatched[0].get_paths()) == 2
    assert to_hex(hatched[0].get_facecolors()[0]) == MISSING_COLOR
    unhatched = [c for c in ax.collections if not c.get_hatch()]
    assert sum(len(c.get_paths()) for c in unhatched) == 44  # 47 less Okinawa (inset), 2 missing
    legend = ax.get_legend()
    assert legend.get_texts()[-1].get_text() == "データなし / no data  (n=2)"
    assert legend.legend_handles[-1].get_hatch() == MISSING_HATCH
    assert ax.ebpm_classes.missing == ("東京都", "大阪府")
    notes = [t.get_text() for t in ax.texts]
    assert notes == ["データなし / no data: 東京都, 大阪府"]
    assert "東京都, 大阪府" in caplog.text
    assert sum(ax.ebpm_classes.counts) == 45


def test_many_missing_units_are_counted_in_the_footnote(prefs):
    prefs.loc[:6, "rate"] = np.nan
    ax = choropleth(prefs, "rate", missing_label="欠測", label="name_en")
    assert [t.get_text() for t in ax.texts] == ["欠測: 7 units"]
    assert ax.ebpm_classes.missing == tuple(prefs["name_en"][:7])
    assert _legend_texts(ax)[-1] == "欠測  (n=7)"


def test_a_japanese_map_says_no_data_in_japanese(prefs, monkeypatch):
    prefs.loc[:6, "rate"] = np.nan
    ax = choropleth(prefs, "rate", lang="ja")
    assert [t.get_text() for t in ax.texts] == ["データなし：7 地域"]
    assert _legend_texts(ax)[-1] == "データなし  (n=7)"
    monkeypatch.setenv("EBPM_LANG", "ja")  # a kernel of a Japanese site: the default follows
    assert [t.get_text() for t in choropleth(prefs, "rate").texts] == ["データなし：7 地域"]


def test_missing_units_are_named_by_index_without_a_name_column(grid):
    frame = grid.drop(columns="name").set_index(pd.Index(list("abcdef")))
    frame.loc["c", "value"] = np.nan
    ax = choropleth(frame, "value", k=2)
    assert ax.ebpm_classes.missing == ("c",)


def test_units_without_a_kanji_name_are_named_from_the_next_column():
    """pandas 3 keeps NaN through astype(str); 67 of the Tokyo units have no name_ja."""
    tokyo = geo.tokyo()
    assert tokyo.loc[tokyo["code"] == "11204", "name_ja"].isna().all()
    tokyo.loc[tokyo["code"] == "11204", "UNEMP"] = np.nan
    tokyo.loc[tokyo["code"] == "13101", "UNEMP"] = np.nan  # has a kanji name
    ax = choropleth(tokyo, "UNEMP")
    assert ax.ebpm_classes.missing == ("Urawa-shi", "千代田区")
    assert [t.get_text() for t in ax.texts] == ["データなし / no data: Urawa-shi, 千代田区"]


def test_labels_fall_back_row_by_row_to_the_code_then_the_index(grid):
    frame = grid.assign(
        name=[None, "", np.nan, "西村", "中央区", "港区"],
        code=["01", "02", None, "04", "05", "06"],
        value=[np.nan, np.nan, np.nan, 12.0, 30.0, 31.0],
    ).set_index(pd.Index(list("abcdef")))
    ax = choropleth(frame, "value", k=2)
    assert ax.ebpm_classes.missing == ("01", "02", "c")
    # an explicit label column comes first, then the same fallbacks
    frame["alias"] = ["甲", np.nan, "丙", "丁", "戊", "己"]
    assert choropleth(frame, "value", k=2, label="alias").ebpm_classes.missing == ("甲", "02", "丙")


def test_no_missing_means_no_missing_entry(grid):
    ax = choropleth(grid, "value", k=3)
    assert len(_legend_texts(ax)) == 3
    assert not ax.texts
    assert not [c for c in ax.collections if c.get_hatch()]


# --- lines --------------------------------------------------------------------------------
def test_boundary_lines_thin_out_with_many_units(prefs):
    few = choropleth(prefs, "rate", inset=False).ebpm_classes.linewidth
    assert few == pytest.approx(2.0 / np.sqrt(47))
    towns = _towns(n=400)
    towns["value"] = np.arange(400.0)
    ax = choropleth(towns, "value")
    assert ax.ebpm_classes.linewidth == pytest.approx(0.1)
    (collection,) = ax.collections
    assert np.allclose(collection.get_linewidths(), 0.1)
    assert tuple(ax.figure.get_size_inches()) == (7, 7)  # 500 units and more get a larger one


# --- Japanese text -------------------------------------------------------------------------
def _render(fig):
    """Save ``fig`` as PNG and return the warnings and log messages emitted meanwhile."""
    handler_records: list[logging.LogRecord] = []

    class _Keep(logging.Handler):
        def emit(self, record):
            handler_records.append(record)

    keep = _Keep(level=logging.DEBUG)
    root = logging.getLogger()
    root.addHandler(keep)
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            buf = io.BytesIO()
            fig.savefig(buf, format="png")
    finally:
        root.removeHandler(keep)
    assert buf.getvalue()[:8] == b"\x89PNG\r\n\x1a\n"
    return [str(w.message) for w in caught] + [r.getMessage() for r in handler_records]


def test_japanese_text_renders_with_a_japanese_font(prefs):
    prefs.loc[prefs["code"] == "13", "rate"] = np.nan
    prefs = prefs.rename(columns={"rate": "人口増減率"})
    ax = choropleth(prefs, "人口増減率", title="都道府県別 人口増減率（架空）")
    messages = _render(ax.figure)
    assert not [m for m in messages if "Glyph" in m or "missing from font" in m]
    texts = [ax.title, ax.get_legend().get_title(), *ax.get_legend().get_texts(), *ax.texts]
    assert any("東京都" in t.get_text() for t in texts)
    for text in texts:
        path = findfont(text.get_fontproperties(), fallback_to_default=False)
        assert path.endswith("ipaexg.ttf"), (text.get_text(), path)


def test_the_glyph_check_detects_a_missing_glyph(grid):
    """The check above can fail: a character IPAexGothic lacks (≤) is reported."""
    ax = choropleth(grid, "value", k=2, title="≤")
    assert [m for m in _render(ax.figure) if "Glyph" in m]


def test_japanese_text_renders_on_an_axes_made_before_the_font_was_set(prefs):
    """An Axes made under matplotlib's defaults (DejaVu Sans) still gets the Japanese font."""
    prefs.loc[prefs["code"] == "13", "rate"] = np.nan
    with mpl.rc_context():
        mpl.rcdefaults()
        fig, (left, right) = plt.subplots(1, 2)  # the usual way to put two maps side by side
        title_size = left.title.get_fontsize()
        ax = choropleth(
            prefs, "rate", ax=right, title="人口増減率", legend_kwds={"title": "増減率 (%)"}
        )
        messages = _render(fig)
    assert not [m for m in messages if "Glyph" in m or "missing from font" in m], messages
    legend = ax.get_legend()
    texts = [ax.title, legend.get_title(), *legend.get_texts(), *ax.texts]
    assert [ax.title.get_text(), legend.get_title().get_text()] == ["人口増減率", "増減率 (%)"]
    assert "東京都" in ax.texts[0].get_text()
    for text in texts:
        path = findfont(text.get_fontproperties(), fallback_to_default=False)
        assert path.endswith("ipaexg.ttf"), (text.get_text(), path)
    # only the family changes: the sizes stay those of the house style and of matplotlib
    assert ax.title.get_fontsize() == title_size
    assert legend.get_texts()[0].get_fontsize() == 8
    assert legend.get_title().get_fontsize() == 9
    assert ax.texts[0].get_fontsize() == 8


def test_legend_font_size_options_still_apply(grid):
    ax = choropleth(grid, "value", k=2, legend_kwds={"fontsize": 11, "title_fontsize": 13})
    legend = ax.get_legend()
    assert legend.get_texts()[0].get_fontsize() == 11
    assert legend.get_title().get_fontsize() == 13
    assert findfont(legend.get_title().get_fontproperties()).endswith("ipaexg.ttf")


# --- rows without geometry, repeated areas --------------------------------------------------
def _with_national_row(prefs, geometry=None):
    """The 47 prefectures and e-Stat's national total (全国), which has no polygon."""
    national = gpd.GeoDataFrame(
        {"code": ["00000"], "name_ja": ["全国"], "name_en": ["Japan"], "rate": [500.0]},
        geometry=[geometry],
        crs=prefs.crs,
    )
    return pd.concat([national, prefs], ignore_index=True)


@pytest.mark.parametrize("geometry", [None, Polygon()], ids=["null", "empty"])
def test_rows_without_geometry_are_left_out_of_the_classes_and_named(prefs, geometry):
    frame = _with_national_row(prefs, geometry)
    with pytest.warns(
        UnmatchedRowsWarning,
        match=r"^choropleth\(\): 1 row\(s\) have no geometry and are not drawn: 00000 全国; ",
    ):
        ax = choropleth(frame, "rate", scheme="quantiles", k=5)
    classes = ax.ebpm_classes
    expected = mapclassify.Quantiles(prefs["rate"].to_numpy(), k=5)
    np.testing.assert_allclose(classes.bins, expected.bins)  # the national 500 is not a class
    assert sum(classes.counts) == 47
    assert classes.lowest == prefs["rate"].min()
    assert classes.missing == ()
    assert classes.no_geometry == ("00000 全国",)
    assert not ax.texts  # nothing is listed as "no data"
    assert classes.inset  # Okinawa is still found among the rows that have a polygon
    assert len(ax.child_axes) == 1
    drawn = sum(len(c.get_paths()) for a in (ax, *ax.child_axes) for c in a.collections)
    assert drawn == 47
    assert len(frame) == 48  # the caller's frame keeps its row


def test_rows_without_geometry_and_without_a_value_are_not_listed_as_missing(prefs):
    frame = _with_national_row(prefs)
    frame.loc[0, "rate"] = np.nan
    frame.loc[frame["code"] == "13", "rate"] = np.nan
    with pytest.warns(UnmatchedRowsWarning, match="00000 全国"):
        ax = choropleth(frame, "rate")
    assert ax.ebpm_classes.missing == ("東京都",)


def test_explore_leaves_rows_without_geometry_out_too(prefs, monkeypatch):
    monkeypatch.setitem(sys.modules, "folium", types.ModuleType("folium"))
    seen = {}
    monkeypatch.setattr(gpd.GeoDataFrame, "explore", lambda self, **kw: seen.update(frame=self))
    with pytest.warns(UnmatchedRowsWarning, match=r"^explore\(\): 1 row\(s\).*00000 全国"):
        explore(_with_national_row(prefs), "rate")
    assert len(seen["frame"]) == 47


def test_no_row_with_a_geometry_raises(prefs):
    frame = _with_national_row(prefs).iloc[:1]
    with pytest.raises(DataError, match=r"none of the 1 row\(s\) has a geometry.*attach"):
        choropleth(frame, "rate")


def test_a_panel_of_years_raises_naming_the_repeated_codes(prefs):
    panel = pd.concat([prefs.assign(year=2015), prefs.assign(year=2020)], ignore_index=True)
    message = (
        r"47 area\(s\) appear more than once \(code 01, 02, 03, 04, 05 and 42 more\).*"
        r"one row per area: filter first, e.g. gdf\[gdf\['year'\] == 2020\]"
    )
    with pytest.raises(DataError, match=message):
        choropleth(panel, "rate")
    with pytest.raises(DataError, match="one row per area"):
        explore(panel, "rate")
    one_year = choropleth(panel[panel["year"] == 2020], "rate")
    assert sum(one_year.ebpm_classes.counts) == 47


def test_repeated_geometries_raise_without_a_code_column(grid):
    twice = pd.concat([grid.assign(period="a"), grid.iloc[:2].assign(period="b")])
    message = (
        r"2 area\(s\) appear more than once \(same geometry: 北町, 南町\).*"
        r"one row per area: filter first, e.g. gdf\[gdf\['period'\] == 'b'\]$"
    )
    with pytest.raises(DataError, match=message):
        choropleth(twice, "value", k=2)


def test_repeated_codes_raise_even_with_distinct_geometries(grid):
    coded = grid.assign(
        code=["13101", "13101", "13102", "13103", "13104", "13105"], pop=[1, 2, 3, 4, 5, 6]
    )
    # no column tells the copies apart (names and the mapped values differ anyway): a generic
    # example of the filter
    message = r"\(code 13101\).*one row per area: filter first, e.g. gdf\[gdf\['year'\] == 2020\]$"
    with pytest.raises(DataError, match=message):
        choropleth(coded, "value", k=2)


# --- axes, CRS, caller's data ----------------------------------------------------------------
def test_draws_into_a_given_axes_and_leaves_the_frame_alone(grid):
    before = grid.copy()
    _fig, (left, right) = plt.subplots(1, 2)
    ax = choropleth(grid, "value", k=2, ax=right, title="右")
    assert ax is right
    assert right.collections
    assert not left.collections
    assert right.get_title() == "右"
    pd.testing.assert_frame_equal(grid, before)


def test_numeric_strings_are_mapped(grid):
    as_text = grid.assign(value=grid["value"].astype(str))
    assert choropleth(as_text, "value", k=3).ebpm_classes.bins == (
        choropleth(grid, "value", k=3).ebpm_classes.bins
    )


def test_missing_crs_raises_unless_assumed(grid):
    bare = grid.set_crs(None, allow_override=True)
    with pytest.raises(MissingCRSError, match=r"no coordinate reference system.*assume_crs="):
        choropleth(bare, "value", k=2)
    ax = choropleth(bare, "value", k=2, assume_crs="EPSG:6677")
    assert ax.ebpm_classes.k == 2
    assert bare.crs is None
    with pytest.raises(InvalidOptionError, match=r"assume_crs='EPSG:99999999' is not"):
        choropleth(bare, "value", k=2, assume_crs="EPSG:99999999")


# --- bad input -----------------------------------------------------------------------------
def test_not_a_geodataframe(grid):
    with pytest.raises(DataError, match=r"takes a GeoDataFrame, got DataFrame.*attach"):
        choropleth(pd.DataFrame(grid.drop(columns="geometry")), "value")
    with pytest.raises(DataError, match="takes a GeoDataFrame, got list"):
        choropleth([1, 2], "value")
    with pytest.raises(DataError, match="empty GeoDataFrame"):
        choropleth(grid.iloc[:0], "value")


def test_column_not_found(grid):
    with pytest.raises(ColumnNotFoundError, match=r"column='valeu'.*Did you mean 'value'"):
        choropleth(grid, "valeu")
    with pytest.raises(ColumnNotFoundError, match="column='geometry'"):
        choropleth(grid, "geometry")
    with pytest.raises(ColumnNotFoundError, match="column='nom'"):
        choropleth(grid, "value", k=2, label="nom")


def test_non_numeric_column(prefs, grid):
    with pytest.raises(NonNumericError, match=r"column='name_en' must be numeric.*'Hokkaido'"):
        choropleth(prefs, "name_en")
    with pytest.raises(NonNumericError, match="holds booleans"):
        choropleth(grid.assign(flag=[True, False] * 3), "flag")


def test_all_missing_and_infinite_values(grid):
    with pytest.raises(DataError, match=r"every one of the 6 values of column='value' is missing"):
        choropleth(grid.assign(value=np.nan), "value")
    with pytest.raises(DataError, match=r"holds inf .*replace infinite values"):
        choropleth(grid.assign(value=[1, 2, np.inf, 4, 5, 6]), "value", k=2)


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"inset": "yes"}, r"inset='yes' is not supported.*'auto', True, False"),
        ({"inset": 1}, r"inset=1 is not supported"),
        ({"pref_borders": "yes"}, r"pref_borders='yes' is not supported.*'auto', True, False"),
        ({"legend": "no"}, r"legend='no' must be True or False"),
    ],
)
def test_bad_options(grid, options, message):
    with pytest.raises(InvalidOptionError, match=message):
        choropleth(grid, "value", **options)


# --- explore -------------------------------------------------------------------------------
def test_explore_without_folium_says_how_to_install_it(grid, monkeypatch):
    monkeypatch.setitem(sys.modules, "folium", None)  # import folium now fails
    with pytest.raises(MissingDependencyError, match=r"pip install folium") as info:
        explore(grid, "value", k=3)
    assert isinstance(info.value, ImportError)


def test_explore_validates_like_choropleth(grid, monkeypatch):
    monkeypatch.setitem(sys.modules, "folium", None)
    with pytest.raises(InvalidOptionError, match="Did you mean 'fisher_jenks'"):
        explore(grid, "value", scheme="fisher_jenk")
    with pytest.raises(DataError, match=r"k=9 .* 6 distinct"):
        explore(grid, "value", k=9)
    with pytest.raises(MissingCRSError, match="assume_crs"):
        explore(grid.set_crs(None, allow_override=True), "value")


def test_explore_passes_the_choropleth_classes_to_geopandas(grid, monkeypatch):
    monkeypatch.setitem(sys.modules, "folium", types.ModuleType("folium"))
    seen = {}

    def fake_explore(self, **kwargs):
        seen.update(kwargs, frame=self)
        return "map"

    monkeypatch.setattr(gpd.GeoDataFrame, "explore", fake_explore)
    frame = grid.assign(value=grid["value"].astype(str))
    frame.loc[0, "value"] = None
    result = explore(frame, "value", scheme="fisher_jenks", k=3, tooltip=["name"])
    assert result == "map"
    expected = choropleth(frame, "value", scheme="fisher_jenks", k=3).ebpm_classes.bins
    assert seen["scheme"] == "user_defined"
    assert tuple(seen["classification_kwds"]["bins"]) == expected
    assert seen["cmap"] == DEFAULT_CMAP
    assert seen["missing_kwds"] == {"color": MISSING_COLOR, "label": "データなし / no data"}
    assert seen["tooltip"] == ["name"]
    assert pd.api.types.is_float_dtype(seen["frame"]["value"])
    assert frame["value"].dtype == object or pd.api.types.is_string_dtype(frame["value"])
