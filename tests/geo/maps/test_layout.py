"""The layout of a map of Japan (ebpm.geo.maps.layout): the prefecture of each row, Okinawa in
an upper-left inset, the frame that leaves a far outlying part out, and prefecture borders."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from matplotlib.colors import to_hex
from shapely.affinity import translate
from shapely.geometry import LineString, MultiPolygon, box

from ebpm.errors import DataError
from ebpm.geo.maps import choropleth
from ebpm.geo.maps.layout import (
    _border_plan,
    _frame_bounds,
    _inset_layout,
    _padded,
    _pref_border_lines,
    _row_prefectures,
)
from tests.geo.maps.conftest import _towns

OKINAWA_MAX_LAT = 27.5  # the bundled Okinawa polygons lie at 26.07-26.87 N, Kyushu above 30.9 N


def _vertices(ax):
    """All polygon vertices drawn in an Axes (data coordinates)."""
    verts = [p.vertices for c in ax.collections for p in c.get_paths()]
    return np.vstack(verts) if verts else np.empty((0, 2))


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


def test_prefecture_borders_where_a_corner_meets_the_middle_of_an_edge():
    # 14102 runs along the top of the three others: the corner (141, 36) of 13102 and 14101 lies
    # in the middle of its lower edge, which the coverage union leaves between 14101 and 14102
    boxes = [(139, 35, 140, 36), (140, 35, 141, 36), (141, 35, 142, 36), (139, 36, 142, 37)]
    towns = gpd.GeoDataFrame(
        {"code": ["13101", "13102", "14101", "14102"], "value": [1.0, 2.0, 3.0, 4.0]},
        geometry=[box(*b) for b in boxes],
        crs="EPSG:6668",
    )
    ax = choropleth(towns, "value", k=2)
    assert ax.ebpm_classes.pref_borders
    drawn = shapely.line_merge(
        shapely.union_all([LineString(p.vertices) for p in ax.collections[1].get_paths()])
    )
    assert drawn.equals(LineString([(139, 36), (141, 36), (141, 35)]))  # only 13 | 14


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


# --- the pieces, one by one ----------------------------------------------------------------
@pytest.mark.parametrize(
    "frame",
    [
        pd.DataFrame({"code": ["13101", "47201"]}),  # municipal codes
        pd.DataFrame({"code": [13101, 47201]}),  # codes read as integers
        pd.DataFrame({"pref_code": ["13", "47"]}),
        pd.DataFrame({"name_ja": ["東京都", "沖縄県"]}),
        pd.DataFrame({"name": ["Tokyo", "Okinawa"]}),
        pd.DataFrame({"code": ["13101", "x"], "name": ["東京都", "沖縄県"]}),  # code unreadable
    ],
)
def test_the_prefecture_of_each_row_from_its_code_or_name(frame) -> None:
    assert _row_prefectures(frame).tolist() == ["13", "47"]


def test_a_row_without_a_code_is_in_no_prefecture() -> None:
    towns = _towns(n=3)
    towns["code"] = ["13101", "13102", None]
    assert _row_prefectures(towns).tolist() == ["13", "13", None]
    assert not choropleth(towns, "value", k=2).ebpm_classes.pref_borders  # one prefecture


def test_no_prefecture_without_a_column_that_names_them() -> None:
    assert _row_prefectures(pd.DataFrame({"value": [1.0, 2.0]})) is None
    assert _row_prefectures(pd.DataFrame({"code": [1.5, 2.5]})) is None  # not a code dtype
    assert _row_prefectures(pd.DataFrame({"name": ["Springfield", "沖縄県"]})) is None


def test_frame_bounds_leave_out_a_far_part_but_never_a_whole_unit() -> None:
    # the middle unit owns a speck 27 units east of the rest (gap 27 > 10% of a 30.1 span)
    speck = gpd.GeoSeries(
        [box(0, 0, 1, 1), MultiPolygon([box(1, 0, 2, 1), box(30, 0, 30.1, 0.1)]), box(2, 0, 3, 1)]
    )
    bounds, cropped = _frame_bounds(speck)
    assert bounds == (0.0, 0.0, 3.0, 1.0)
    assert cropped.tolist() == [False, True, False]
    alone = gpd.GeoSeries([box(0, 0, 1, 1), box(30, 0, 31, 1)])  # far, but its only land
    bounds, cropped = _frame_bounds(alone)
    assert bounds == (0.0, 0.0, 31.0, 1.0)
    assert not cropped.any()


def test_padded_adds_two_percent_on_each_side() -> None:
    assert _padded((0.0, 0.0, 100.0, 50.0)) == pytest.approx((-2.0, 102.0, -1.0, 51.0))


def test_inset_layout_by_hand() -> None:
    # main map 0-100 square, padded to -2..102 (104 wide). Okinawa 10 x 10, framed 20% wider:
    # 12 / 104 of the main frame, drawn at the largest zoom, 2: 24 / 104 wide, at the upper left
    layout = _inset_layout((0.0, 0.0, 100.0, 100.0), (0.0, 0.0, 10.0, 10.0))
    assert layout.main_limits == pytest.approx((-2.0, 102.0, -2.0, 102.0))
    side = 24 / 104
    assert layout.bounds == pytest.approx((0.02, 1 - 0.02 - side, side, side))
    assert layout.limits == pytest.approx((-1.0, 11.0, -1.0, 11.0))  # 12 wide, centred on 5


def test_a_wide_okinawa_is_shrunk_to_the_widest_inset() -> None:
    # 50 x 10: 60 / 104 of the frame at the main scale; the inset is at most 0.45 wide, so the
    # zoom is 0.45 * 104 / 60 = 0.78 and the height (12 / 104 * 0.78 = 0.09) rises to 0.15
    layout = _inset_layout((0.0, 0.0, 100.0, 100.0), (0.0, 0.0, 50.0, 10.0))
    assert layout.bounds == pytest.approx((0.02, 0.83, 0.45, 0.15))
    assert layout.limits == pytest.approx((-5.0, 55.0, -5.0, 15.0))


def test_border_plan_draws_borders_only_between_several_prefectures() -> None:
    four = pd.DataFrame(index=range(4))
    two_prefs = np.array(["13", "13", "14", "14"], dtype=object)
    assert _border_plan(four, "auto", two_prefs).tolist() == ["13", "13", "14", "14"]
    assert _border_plan(four, False, two_prefs) is None
    # a map of prefectures (one row each) or of one prefecture: no borders unless asked
    assert _border_plan(four.iloc[:2], "auto", np.array(["13", "14"], dtype=object)) is None
    one_pref = np.array(["13"] * 4, dtype=object)
    assert _border_plan(four, "auto", one_pref) is None
    assert _border_plan(four, True, one_pref).tolist() == ["13"] * 4
    assert _border_plan(four, "auto", None) is None


def test_prefecture_border_lines_leave_out_the_coast() -> None:
    # 13 below y = 1, 14 above, two unit squares each: the only border is y = 1, x from 0 to 2
    squares = gpd.GeoSeries(
        [box(0, 0, 1, 1), box(1, 0, 2, 1), box(0, 1, 1, 2), box(1, 1, 2, 2)], crs="EPSG:6677"
    )
    lines = _pref_border_lines(squares, np.array(["13", "13", "14", "14"], dtype=object))
    assert len(lines) == 2  # the border as seen from each side
    assert lines.crs == squares.crs
    for line in lines:
        assert line.length == pytest.approx(2.0)
        assert line.bounds == (0.0, 1.0, 2.0, 1.0)
