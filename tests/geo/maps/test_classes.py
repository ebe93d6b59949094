"""Classes and legends of choropleth maps (ebpm.geo.maps.classes): bins equal to mapclassify's,
seeded schemes, class colours, legend bounds and counts, formats, and every bad option."""

from __future__ import annotations

import dataclasses
import json
import logging
import subprocess
import sys
import types
from typing import Any

import mapclassify
import numpy as np
import pandas as pd
import pytest
from matplotlib import colormaps
from matplotlib.colors import to_hex

from ebpm.errors import DataError, InvalidOptionError
from ebpm.geo.maps import DEFAULT_CMAP, MapClasses, choropleth
from ebpm.geo.maps.classes import (
    _auto_formatter,
    _class_labels,
    _classify,
    _colors,
    _formatter,
    _seeded,
)
from tests.geo.maps.conftest import _legend_texts

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


def test_row_order_does_not_change_the_classes(prefs):
    prefs.loc[[0, 5], "rate"] = np.nan
    a = choropleth(prefs, "rate", scheme="fisher_jenks").ebpm_classes
    b = choropleth(prefs.sample(frac=1, random_state=3), "rate", scheme="fisher_jenks")
    b = b.ebpm_classes
    assert a.bins == b.bins
    assert a.counts == b.counts
    assert sorted(a.missing) == sorted(b.missing) == ["北海道", "山形県"]


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
    ],
)
def test_bad_options(grid, options, message):
    with pytest.raises(InvalidOptionError, match=message):
        choropleth(grid, "value", **options)


# --- the pieces, one by one ----------------------------------------------------------------
def test_map_classes_counts_its_bins_and_cannot_be_changed() -> None:
    classes = MapClasses(
        column="v",
        scheme="quantiles",
        bins=(1.0, 2.0, 3.0),
        lowest=0.0,
        counts=(1, 1, 1),
        labels=("a", "b", "c"),
        colors=("#440154", "#21918c", "#fde725"),
        missing=(),
        inset=False,
    )
    assert classes.k == 3
    assert (classes.linewidth, classes.pref_borders) == (0.3, False)
    assert (classes.no_geometry, classes.cropped) == ((), ())
    with pytest.raises(dataclasses.FrozenInstanceError):
        classes.bins = ()  # type: ignore[misc]


def test_equal_intervals_by_hand_leave_missing_values_out() -> None:
    # 1..10 in three classes of width 3: (1, 4], (4, 7], (7, 10]
    values = pd.Series([*range(1, 11), np.nan], dtype=float)
    result = _classify(
        values,
        column="v",
        scheme="equal_interval",
        k=3,
        bins=None,
        classification_kwds=None,
        seed=None,
        func="choropleth",
    )
    np.testing.assert_allclose(result.bins, [4.0, 7.0, 10.0])
    assert result.counts.tolist() == [4, 3, 3]


def test_ties_that_cost_a_class_are_logged(caplog) -> None:
    values = pd.Series([1.0, 1, 1, 1, 1, 2, 3])
    with caplog.at_level(logging.WARNING, logger="ebpm.geo.maps.classes"):
        result = _classify(
            values,
            column="v",
            scheme="quantiles",
            k=3,
            bins=None,
            classification_kwds=None,
            seed=None,
            func="explore",
        )
    np.testing.assert_allclose(result.bins, [1.0, 3.0])
    assert "explore(): mapclassify: Not enough unique values in array to form 3 classes" in (
        caplog.text
    )


@pytest.mark.parametrize(
    ("numbers", "shown"),
    [
        ([0, 5, 10], ["0", "5", "10"]),  # whole numbers: no decimals
        ([10, 20.5, 30], ["10.0", "20.5", "30.0"]),  # span 20: one decimal
        ([0.0, 0.25, 0.5], ["0.000", "0.250", "0.500"]),  # span 0.5: three decimals
        ([1.0, 1.001, 2.0], ["1.000", "1.001", "2.000"]),  # more decimals to tell them apart
        ([12_000, 25_000, 30_000], ["12,000", "25,000", "30,000"]),  # thousands separators
    ],
)
def test_bounds_get_decimals_from_their_spread(numbers, shown) -> None:
    fmt = _auto_formatter(np.array(numbers, dtype=float))
    assert [fmt(v) for v in numbers] == shown


def test_class_labels_by_hand() -> None:
    fmt = "{:g}".format
    classifier = types.SimpleNamespace(bins=[5.0, 5.0, 20.0], counts=[2, 0, 3])
    assert _class_labels(classifier, 1.0, fmt) == ["1 – 5  (n=2)", "5  (n=0)", "5 – 20  (n=3)"]
    open_first = types.SimpleNamespace(bins=[0.5, 20.0], counts=[0, 3])
    assert _class_labels(open_first, 1.0, fmt) == ["<= 0.5  (n=0)", "0.5 – 20  (n=3)"]


def test_three_default_colours_are_viridis_ends_and_middle() -> None:
    assert _colors(None, 3) == ["#440154", "#21918c", "#fde725"]
    assert _colors("viridis", 3) == _colors(colormaps["viridis"], 3)


def test_a_format_function_must_return_text() -> None:
    with pytest.raises(InvalidOptionError, match=r"fmt=<function .*> returned 3, not a string"):
        _formatter(lambda v: 3, np.array([1.0]))


def test_seeded_draws_are_repeatable_and_restore_the_global_state() -> None:
    np.random.seed(5)
    before = np.random.get_state()[1].copy()
    with _seeded(1):
        first = np.random.rand()
    np.testing.assert_array_equal(np.random.get_state()[1], before)
    with _seeded(1):
        assert np.random.rand() == first
    assert first == np.random.RandomState(1).rand()  # what seed 1 draws first


_FISHER_JENKS = """
import json, sys
import numpy as np
{import_line}
compiled_on_import = list(mapclassify.classifiers._fisher_jenks_means.signatures)
y = np.random.default_rng(7).normal(size=400)
bins = mapclassify.FisherJenks(y, k=5).bins.tolist()
print(json.dumps({{"on_import": len(compiled_on_import), "bins": bins}}))
"""


def _fisher_jenks_in_a_new_process(import_line: str) -> dict[str, Any]:
    code = _FISHER_JENKS.format(import_line=import_line)
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_mapclassify_is_imported_without_compiling_fisher_jenks() -> None:
    # A map that is not Fisher-Jenks no longer pays numba's compile on import; Fisher-Jenks
    # compiles on first use and classes exactly as mapclassify imported the usual way.
    ours = _fisher_jenks_in_a_new_process(
        "from ebpm.geo.maps.classes import _mapclassify; mapclassify = _mapclassify()"
    )
    plain = _fisher_jenks_in_a_new_process("import mapclassify")
    assert ours["on_import"] == 0
    assert plain["on_import"] == 1
    assert ours["bins"] == plain["bins"]
