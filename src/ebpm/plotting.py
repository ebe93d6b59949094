"""Shared plotting set-up: a colour-blind-safe palette and Japanese text that renders.

matplotlib is imported lazily so that importing :mod:`ebpm` stays cheap.
"""

from __future__ import annotations

from typing import Any

__all__ = ["OKABE_ITO", "get_ax", "setup_matplotlib"]

#: Okabe–Ito colour-blind-safe palette (Okabe & Ito 2008).
OKABE_ITO = (
    "#0072B2",
    "#D55E00",
    "#009E73",
    "#CC79A7",
    "#E69F00",
    "#56B4E9",
    "#F0E442",
    "#000000",
)

_ready = False


def setup_matplotlib() -> None:
    """Register the bundled Japanese font (IPAexGothic via matplotlib-fontja) and the palette.

    Safe to call many times. Titles and labels in Japanese then render instead of empty boxes.
    """
    global _ready
    if _ready:
        return
    import matplotlib as mpl
    import matplotlib_fontja  # registers IPAexGothic and makes it the default sans-serif
    from matplotlib.rcsetup import cycler  # mpl.cycler itself; only this module declares it

    matplotlib_fontja.japanize()
    mpl.rcParams["axes.prop_cycle"] = cycler(color=list(OKABE_ITO))
    mpl.rcParams["axes.spines.top"] = False
    mpl.rcParams["axes.spines.right"] = False
    mpl.rcParams["figure.dpi"] = 100
    _ready = True


def get_ax(ax: Any = None, *, figsize: tuple[float, float] = (7, 4)) -> Any:
    """Return ``ax``, or a new Axes on a new figure when ``ax`` is None."""
    setup_matplotlib()
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt

    _, ax = plt.subplots(figsize=figsize, layout="constrained")
    return ax
