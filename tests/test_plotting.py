"""Shared plotting set-up (ebpm.plotting): the Okabe–Ito palette, Japanese text and get_ax."""

from __future__ import annotations

import warnings

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import pytest
from matplotlib import font_manager
from matplotlib.axes import Axes

from ebpm import plotting
from ebpm.plotting import OKABE_ITO, get_ax, setup_matplotlib


@pytest.fixture(autouse=True)
def _fresh(monkeypatch: pytest.MonkeyPatch):
    """Each test sets matplotlib up from scratch and leaves its settings as they were."""
    monkeypatch.setattr(plotting, "_ready", False)
    with matplotlib.rc_context():
        yield
    plt.close("all")


def test_the_palette_is_okabe_ito() -> None:
    assert OKABE_ITO == (
        "#0072B2",
        "#D55E00",
        "#009E73",
        "#CC79A7",
        "#E69F00",
        "#56B4E9",
        "#F0E442",
        "#000000",
    )


def test_setup_sets_the_palette_the_font_and_the_frame() -> None:
    matplotlib.rcdefaults()
    setup_matplotlib()
    params = matplotlib.rcParams
    assert params["axes.prop_cycle"].by_key()["color"] == list(OKABE_ITO)
    assert params["font.family"] == ["IPAexGothic"]
    assert (params["axes.spines.top"], params["axes.spines.right"]) == (False, False)
    assert params["figure.dpi"] == 100


def test_setup_is_done_once() -> None:
    setup_matplotlib()
    matplotlib.rcParams["figure.dpi"] = 72  # a user's own choice after set-up
    setup_matplotlib()
    assert matplotlib.rcParams["figure.dpi"] == 72


def test_japanese_text_renders_with_the_bundled_font() -> None:
    setup_matplotlib()
    path = font_manager.findfont(font_manager.FontProperties(family="IPAexGothic"))
    assert "ipaexg" in path.lower()
    fig, ax = plt.subplots()
    ax.set_title("市区町村別の人口")
    with warnings.catch_warnings():
        warnings.filterwarnings("error", message=r".*[Gg]lyph.*missing")
        fig.canvas.draw()


def test_get_ax_makes_a_new_axes_of_the_size_asked() -> None:
    ax = get_ax(figsize=(3, 2))
    assert isinstance(ax, Axes)
    assert tuple(ax.figure.get_size_inches()) == (3.0, 2.0)
    assert ax.figure.get_layout_engine() is not None  # constrained layout
    assert get_ax() is not ax
    assert tuple(get_ax().figure.get_size_inches()) == (7.0, 4.0)


def test_get_ax_returns_the_given_axes_and_sets_up() -> None:
    _, mine = plt.subplots()
    assert get_ax(mine) is mine
    assert plotting._ready is True
    assert len(plt.get_fignums()) == 1  # no new figure


def test_a_notebooks_own_pyplot_gets_the_japanese_font_and_the_palette() -> None:
    """``ebpm run`` calls setup_on_import() in each kernel: a notebook that plots with plain
    ``plt`` gets IPAexGothic and the Okabe-Ito cycle; one that never plots loads no matplotlib."""
    import subprocess
    import sys

    code = (
        "import sys\n"
        "from ebpm import plotting\n"
        "plotting.setup_on_import()\n"
        "assert 'matplotlib' not in sys.modules\n"
        "import matplotlib.pyplot as plt\n"
        "import matplotlib as mpl\n"
        "print(mpl.rcParams['font.family'][0])\n"
        "print(mpl.rcParams['axes.prop_cycle'].by_key()['color'][0])\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.split()
    assert out == ["IPAexGothic", "#0072B2"]
