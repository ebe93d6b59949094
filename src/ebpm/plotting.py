"""Shared plotting set-up: a colour-blind-safe palette and Japanese text that renders.

matplotlib is imported lazily so that importing :mod:`ebpm` stays cheap.
"""

from __future__ import annotations

import sys
from typing import Any

__all__ = ["OKABE_ITO", "get_ax", "setup_matplotlib", "setup_on_import"]

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


class _SetupAfterPyplot:
    """A meta-path finder: when ``matplotlib.pyplot`` is first imported, let it load as usual,
    then :func:`setup_matplotlib` (so a notebook's own ``plt.plot`` gets the Japanese font and
    the palette, and a notebook that never plots pays nothing)."""

    def find_spec(self, name: str, path: Any = None, target: Any = None) -> Any:
        if name != "matplotlib.pyplot":
            return None
        import importlib.machinery

        sys.meta_path.remove(self)  # find the real module, once
        spec = importlib.machinery.PathFinder.find_spec(name, path)
        if spec is None or spec.loader is None:
            return spec
        loader = spec.loader
        original = loader.exec_module

        def exec_module(module: Any) -> None:
            original(module)
            setup_matplotlib()

        loader.exec_module = exec_module  # type: ignore[method-assign]
        return spec


def setup_on_import() -> None:
    """Run :func:`setup_matplotlib` as soon as the notebook imports ``matplotlib.pyplot``
    (``ebpm run`` calls this in every Python kernel before the notebook's first cell)."""
    if "matplotlib.pyplot" in sys.modules:
        setup_matplotlib()
    elif not any(isinstance(f, _SetupAfterPyplot) for f in sys.meta_path):
        sys.meta_path.insert(0, _SetupAfterPyplot())


def get_ax(ax: Any = None, *, figsize: tuple[float, float] = (7, 4)) -> Any:
    """Return ``ax``, or a new Axes on a new figure when ``ax`` is None."""
    setup_matplotlib()
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt

    _, ax = plt.subplots(figsize=figsize, layout="constrained")
    return ax
