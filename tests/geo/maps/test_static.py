"""Choropleth maps: mapclassify classes, legend text, missing values, Okinawa inset, Japanese font,
every bad input, and the folium-backed explore()."""

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
from matplotlib import colormaps
from matplotlib.colors import to_hex
from matplotlib.font_manager import findfont
from shapely.affinity import translate
from shapely.geometry import Polygon, box

from ebpm import catalog, geo
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
    MapClasses,
    MissingDependencyError,
    choropleth,
    explore,
)

OKINAWA_MAX_LAT = 27.5  # the bundled Okinawa polygons lie at 26.07-26.87 N, Kyushu above 30.9 N


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


@pytest.fixture(scope="module")
def _prefs_once():
    return catalog.load("geo.japan_prefectures")


@pytest.fixture
def prefs(_prefs_once):
    """The 47 prefectures with a made-up indicator (seeded) and a copy per test."""
    gdf = _prefs_once.copy()
    gdf["rate"] = np.random.default_rng(7).normal(50, 15, len(gdf)).round(2)
    return gdf


@pytest.fixture
def grid():
    """Six unit squares in a projected CRS with known values and names."""
    geoms = [box(i, j, i + 1, j + 1) for j in range(2) for i in range(3)]
    return gpd.GeoDataFrame(
        {
            "name": ["北町", "南町", "東村", "西村", "中央区", "港区"],
            "value": [1.5, 2.5, 10.0, 12.0, 30.0, 31.0],
        },
        geometry=geoms,
        crs="EPSG:6677",
    )


def _legend_texts(ax):
    return [t.get_text() for t in ax.get_legend().get_texts()]


def _vertices(ax):
    """All polygon vertices drawn in an Axes (data coordinates)."""
    verts = [p.vertices for c in ax.collections for p in c.get_paths()]
    return np.vstack(verts) if verts else np.empty((0, 2))


# --- classes -------------------------------------------------------------------------------
SCHEMES = [
    ("quantiles", {"k": 5}, lambda y: mapclassify.Quantiles(y, k=5)),
    ("equal_interval", {"k": 4}, lambda y: mapclassify.EqualInterval(y, k=4)),
    ("fisher_jenks", {"k": 5}, lambda y: mapclassify.FisherJenks(y, k=5)),
    ("jenks_caspall", {"k": 4}, lambda y: mapclassify.JenksCaspall(y, k=4)),
    ("max_breaks", {"k": 6}, lambda y: mapclassify.MaximumBreaks(y, k=6)),
    ("pretty_breaks", {"k": 5}, lambda y: mapclassify.PrettyBreaks(y, k=5)),
    ("std_mean", {}, lambda y: mapclassify.StdMean(y)),
    (
        "std_mean",
        {"classification_kwds": {"multiples": [-1, 1]}},
        lambda y: mapclassify.StdMean(y, multiples=[-1, 1]),
    ),
    ("percentiles", {}, lambda y: mapclassify.Percentiles(y)),
    (
        "percentiles",
        {"classification_kwds": {"pct": [25, 50, 75, 100]}},
        lambda y: mapclassify.Percentiles(y, pct=[25, 50, 75, 100]),
    ),
    ("user_defined", {"bins": [30, 50, 70]}, lambda y: mapclassify.UserDefined(y, [30, 50, 70])),
]


@pytest.mark.parametrize(("scheme", "options", "reference"), SCHEMES)
def test_bins_equal_mapclassify(prefs, scheme, options, reference):
    prefs.loc[[3, 20], "rate"] = np.nan  # missing values are classified out, not as zeros
    ax = choropleth(prefs, "rate", scheme=scheme, inset=False, **options)
    expected = reference(prefs["rate"].dropna().to_numpy())
    classes = ax.ebpm_classes
    assert isinstance(classes, MapClasses)
    np.testing.assert_allclose(classes.bins, expected.bins)
    assert classes.counts == tuple(int(c) for c in expected.counts)
    assert sum(classes.counts) == 45
    assert classes.k == len(expected.bins)
    assert classes.lowest == prefs["rate"].min()
    assert sum(len(c.get_paths()) for c in ax.collections) == len(prefs)  # every unit drawn


def test_natural_breaks_is_seeded_and_leaves_global_state_alone(prefs):
    np.random.seed(123)
    before = np.random.get_state()[1].copy()
    first = choropleth(prefs, "rate", scheme="natural_breaks", k=5).ebpm_classes
    after = np.random.get_state()[1]
    np.testing.assert_array_equal(before, after)
    again = choropleth(prefs, "rate", scheme="natural_breaks", k=5).ebpm_classes
    assert first.bins == again.bins
    np.random.seed(0)
    reference = mapclassify.NaturalBreaks(prefs["rate"].to_numpy(), k=5)
    np.testing.assert_allclose(first.bins, reference.bins)


def test_class_colours_are_the_default_colour_blind_safe_map_or_the_given_one(prefs):
    classes = choropleth(prefs, "rate", k=4).ebpm_classes
    viridis = colormaps[DEFAULT_CMAP].resampled(4)
    assert DEFAULT_CMAP == "viridis"
    assert classes.colors == tuple(to_hex(viridis(i)) for i in range(4))
    cividis = choropleth(prefs, "rate", k=4, cmap="cividis").ebpm_classes.colors
    assert cividis == tuple(to_hex(colormaps["cividis"].resampled(4)(i)) for i in range(4))
    assert choropleth(prefs, "rate", k=4, cmap=colormaps["magma"]).ebpm_classes.colors[0] == (
        to_hex(colormaps["magma"](0.0))
    )


def test_units_are_filled_with_their_class_colour(grid):
    ax = choropleth(grid, "value", scheme="user_defined", bins=[5, 20])
    classes = ax.ebpm_classes
    (collection,) = ax.collections
    fills = [to_hex(c) for c in collection.get_facecolors()]
    assert fills == [classes.colors[i] for i in (0, 0, 1, 1, 2, 2)]


def test_row_order_does_not_change_the_classes(prefs):
    prefs.loc[[0, 5], "rate"] = np.nan
    a = choropleth(prefs, "rate", scheme="fisher_jenks").ebpm_classes
    b = choropleth(prefs.sample(frac=1, random_state=3), "rate", scheme="fisher_jenks")
    b = b.ebpm_classes
    assert a.bins == b.bins
    assert a.counts == b.counts
    assert sorted(a.missing) == sorted(b.missing) == ["北海道", "山形県"]


# --- legend --------------------------------------------------------------------------------
def test_legend_shows_bounds_and_counts(grid):
    ax = choropleth(grid, "value", scheme="user_defined", bins=[5, 20])
    expected = ["1.5 – 5.0  (n=2)", "5.0 – 20.0  (n=2)", "20.0 – 31.0  (n=2)"]
    assert _legend_texts(ax) == expected
    assert ax.ebpm_classes.labels == tuple(expected)
    assert ax.get_legend().get_title().get_text() == "value"


def test_legend_bounds_follow_quantile_bins(prefs):
    ax = choropleth(prefs, "rate", scheme="quantiles", k=4)
    q = mapclassify.Quantiles(prefs["rate"].to_numpy(), k=4)
    texts = _legend_texts(ax)
    assert texts[0].startswith(f"{prefs['rate'].min():.1f} – {q.bins[0]:.1f}")
    for i in range(1, 4):
        assert texts[i].startswith(f"{q.bins[i - 1]:.1f} – {q.bins[i]:.1f}")
        assert texts[i].endswith(f"(n={q.counts[i]})")


@pytest.mark.parametrize(
    ("fmt", "first"),
    [
        (",.2f", "1.50 – 5.00  (n=2)"),
        ("{:.0f}", "2 – 5  (n=2)"),
        (lambda v: f"{v:g}%", "1.5% – 5%  (n=2)"),
    ],
)
def test_fmt_formats_the_bounds(grid, fmt, first):
    ax = choropleth(grid, "value", scheme="user_defined", bins=[5, 20], fmt=fmt)
    assert _legend_texts(ax)[0] == first


def test_default_format_suits_the_numbers(grid):
    big = grid.assign(value=[120_000, 250_000, 1_000_000, 1_200_000, 3_000_000, 3_100_000])
    texts = _legend_texts(choropleth(big, "value", scheme="user_defined", bins=[500_000, 2e6]))
    assert texts[0] == "120,000 – 500,000  (n=2)"
    small = grid.assign(value=[0.0011, 0.0012, 0.02, 0.021, 0.05, 0.051])
    texts = _legend_texts(choropleth(small, "value", scheme="user_defined", bins=[0.01, 0.03]))
    assert texts[0] == "0.0011 – 0.0100  (n=2)"
    # bounds that would print alike at the default precision get more decimals
    close = grid.assign(value=[1.0, 1.01, 1.02, 20.0, 40.0, 50.0])
    texts = _legend_texts(choropleth(close, "value", scheme="user_defined", bins=[1.01, 1.02]))
    assert texts[:2] == ["1.00 – 1.01  (n=2)", "1.01 – 1.02  (n=1)"]


def test_an_empty_open_first_class_is_labelled_as_such(grid):
    ax = choropleth(grid, "value", scheme="user_defined", bins=[1, 5, 20])
    assert _legend_texts(ax)[0] == "<= 1.0  (n=0)"


def test_a_class_of_one_value_is_labelled_with_that_value(grid):
    """Quantiles on a share with many zeros: the first class holds 0 only, not "0.000 – 0.000"."""
    shares = grid.assign(value=[0.0, 0.0, 0.0, 0.011, 0.022, 0.033])
    ax = choropleth(shares, "value", scheme="user_defined", bins=[0.0, 0.02, 0.04], fmt=".3f")
    assert _legend_texts(ax) == ["0.000  (n=3)", "0.000 – 0.020  (n=1)", "0.020 – 0.040  (n=2)"]
    assert ax.ebpm_classes.labels[0] == "0.000  (n=3)"


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


# --- Okinawa inset -------------------------------------------------------------------------
def test_national_map_draws_okinawa_in_an_upper_left_inset(prefs):
    ax = choropleth(prefs, "rate")
    assert ax.ebpm_classes.inset
    assert len(ax.child_axes) == 1
    inset = ax.child_axes[0]
    ax.figure.canvas.draw()
    # Okinawa only in the inset, the mainland only in the main map
    assert _vertices(ax)[:, 1].min() > OKINAWA_MAX_LAT
    inset_vertices = _vertices(inset)
    assert inset_vertices[:, 1].max() < OKINAWA_MAX_LAT
    assert sum(len(c.get_paths()) for c in inset.collections) == 1
    # the main map is cropped to the mainland
    assert ax.get_ylim()[0] > 30.0
    # the frame sits at the upper left of the map and is visible
    frame = inset.get_position()
    main = ax.get_position()
    assert frame.x0 - main.x0 < 0.05 * main.width
    assert main.y1 - frame.y1 < 0.05 * main.height
    assert frame.width < 0.35 * main.width
    assert all(s.get_visible() for s in inset.spines.values())
    assert not inset.get_xlabel()
    # same classes and colours in both parts
    okinawa = prefs.index[prefs["code"] == "47"][0]
    cls = np.searchsorted(ax.ebpm_classes.bins, prefs.loc[okinawa, "rate"])
    assert to_hex(inset.collections[0].get_facecolors()[0]) == ax.ebpm_classes.colors[cls]


def test_inset_false_draws_okinawa_in_place(prefs):
    ax = choropleth(prefs, "rate", inset=False)
    assert not ax.child_axes
    assert not ax.ebpm_classes.inset
    assert _vertices(ax)[:, 1].min() < OKINAWA_MAX_LAT


def test_inset_found_by_name_when_there_is_no_code(prefs):
    ax = choropleth(prefs.drop(columns="code"), "rate")
    assert len(ax.child_axes) == 1
    ax = choropleth(prefs.drop(columns=["code", "name_ja"]), "rate")  # romaji names
    assert len(ax.child_axes) == 1


def test_inset_from_municipality_codes(prefs):
    munis = prefs.assign(code=[f"{c}201" for c in prefs["code"]])
    assert len(choropleth(munis, "rate").child_axes) == 1


def test_no_inset_without_okinawa_or_for_a_regional_frame(prefs, grid):
    assert not choropleth(prefs[prefs["code"] != "47"], "rate").child_axes
    assert not choropleth(grid, "value", k=3).child_axes
    assert not choropleth(_three(prefs[prefs["code"] == "47"]), "rate", k=3).child_axes
    # Kyushu and Okinawa: the upper-left corner is land (Fukuoka, Saga), so no inset by default
    kyushu = prefs[prefs["region"] == "Kyushu-Okinawa"]
    assert not choropleth(kyushu, "rate", k=3).child_axes
    forced = choropleth(kyushu, "rate", k=3, inset=True)
    assert len(forced.child_axes) == 1
    assert _vertices(forced)[:, 1].min() > OKINAWA_MAX_LAT


def _three(okinawa):
    """Three areas in Okinawa: its polygon shifted east, with municipal codes."""
    frame = pd.concat([okinawa] * 3, ignore_index=True)
    frame["geometry"] = [translate(g, xoff=0.5 * i) for i, g in enumerate(frame.geometry)]
    return frame.assign(code=["47201", "47205", "47207"], rate=[1.0, 2.0, 3.0])


def test_inset_true_needs_okinawa_and_a_mainland(prefs, grid):
    with pytest.raises(DataError, match=r"inset=True .* no row was recognised as Okinawa"):
        choropleth(grid, "value", k=2, inset=True)
    okinawa = _three(prefs[prefs["code"] == "47"])
    with pytest.raises(DataError, match=r"every row is in Okinawa.*inset=False"):
        choropleth(okinawa, "rate", k=2, inset=True)


# --- frame, lines and borders --------------------------------------------------------------
def _towns(prefix: str = "13", n: int = 4):
    """``n`` unit squares in a row, municipal codes of prefecture ``prefix`` (lon/lat)."""
    return gpd.GeoDataFrame(
        {"code": [f"{prefix}{101 + i:03d}" for i in range(n)], "value": np.arange(n, dtype=float)},
        geometry=[box(139 + i, 35, 140 + i, 36) for i in range(n)],
        crs="EPSG:6668",
    )


def test_a_far_part_of_a_unit_with_other_parts_is_left_outside_the_frame():
    towns = _towns()
    # the last town also owns a speck 30 degrees east, like Minamitorishima
    far = box(173, 35, 173.01, 35.01)
    towns.loc[3, "geometry"] = towns.geometry[3].union(far)
    ax = choropleth(towns, "value", k=2)
    assert ax.ebpm_classes.cropped == ("13104",)
    assert ax.get_xlim()[1] < 144
    assert ax.get_xlim()[0] < 139


def test_a_far_unit_of_its_own_stays_on_the_map():
    towns = _towns()
    towns.loc[3, "geometry"] = box(173, 35, 174, 36)  # the whole unit is far away
    ax = choropleth(towns, "value", k=2)
    assert ax.ebpm_classes.cropped == ()
    assert ax.get_xlim()[1] > 174


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


def test_prefecture_borders_on_a_municipal_map_of_several_prefectures():
    towns = pd.concat([_towns("13", 2), _towns("14", 2)], ignore_index=True)
    towns["geometry"] = [box(139 + i, 35, 140 + i, 36) for i in range(4)]
    towns["value"] = [1.0, 2.0, 3.0, 4.0]
    ax = choropleth(towns, "value", k=2)
    assert ax.ebpm_classes.pref_borders
    fills, lines = ax.collections
    assert len(fills.get_paths()) == 4
    assert to_hex(lines.get_edgecolor()[0]) == to_hex("0.2")
    segments = np.vstack([p.vertices for p in lines.get_paths()])
    np.testing.assert_allclose(segments[:, 0], 141.0)  # only the line between 13 and 14, no coast
    assert not choropleth(towns, "value", k=2, pref_borders=False).ebpm_classes.pref_borders


def test_no_prefecture_borders_on_a_prefecture_map_or_one_prefecture(prefs):
    assert not choropleth(prefs, "rate").ebpm_classes.pref_borders
    assert not choropleth(_towns(), "value", k=2).ebpm_classes.pref_borders
    assert choropleth(_towns(), "value", k=2, pref_borders=True).ebpm_classes.pref_borders


def test_prefecture_borders_need_the_prefecture_of_each_row(grid):
    assert not choropleth(grid, "value", k=2).ebpm_classes.pref_borders
    with pytest.raises(
        DataError, match=r"pref_borders=True .* prefecture of the rows could not be told"
    ):
        choropleth(grid, "value", k=2, pref_borders=True)


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


def test_k_larger_than_the_distinct_values(grid):
    few = grid.assign(value=[1.0, 1.0, 2.0, 2.0, 3.0, np.nan])
    with pytest.raises(DataError, match=r"k=4 classes .* 3 distinct .* in 5 unit.*k=3 or fewer"):
        choropleth(few, "value", k=4)
    with pytest.raises(DataError, match=r"k=7 .* 6 distinct"):
        choropleth(grid, "value", k=7, scheme="fisher_jenks")
    with pytest.raises(DataError, match="one value needs no classes"):
        choropleth(grid.assign(value=2.0), "value", k=2)


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"scheme": "quantile"}, r"scheme='quantile' is not supported. Did you mean 'quantiles'"),
        ({"scheme": "jenks"}, r"scheme='jenks'.*Choose one of: 'quantiles'"),
        ({"k": 1}, r"k=1 gives no contrast"),
        ({"k": "5"}, r"k='5' must be a whole number"),
        ({"k": 2.5}, r"k=2.5 must be a whole number"),
        ({"scheme": "percentiles", "k": 7}, r"k=7 does not apply to scheme='percentiles'.*pct="),
        ({"scheme": "user_defined"}, r"scheme='user_defined' needs bins="),
        ({"bins": [1, 2]}, r"bins=\[1, 2\] is only used by scheme='user_defined'"),
        ({"scheme": "user_defined", "bins": [5, 2]}, r"strictly increasing"),
        ({"scheme": "user_defined", "bins": ["a"]}, r"bins=\['a'\] must be a list of numbers"),
        (
            {"scheme": "percentiles", "classification_kwds": {"pcts": [50, 100]}},
            r"'pcts' is not an option of scheme='percentiles'.*Did you mean 'pct'",
        ),
        ({"cmap": "virdis"}, r"cmap='virdis' is not a matplotlib colour map. Did you mean"),
        ({"cmap": 3}, r"cmap=3 must be a colour-map name"),
        ({"fmt": "{:d}"}, r"fmt='\{:d\}' cannot format the number"),
        ({"fmt": 2}, r"fmt=2 must be a format spec"),
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
