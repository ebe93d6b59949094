"""Progress bars for long loops: tqdm's bar where someone watches, nothing where nobody does.

In JupyterLab a loop wrapped in :func:`progress` shows tqdm's notebook bar (a text bar when
ipywidgets is not installed), in a terminal a text bar on stderr. In a kernel that ``ebpm run``
started (``EBPM_RUN_ID`` is set) it writes nothing at all, so a published page never holds a
half-drawn bar; nor does it where stderr is not a terminal (logs, CI), or when tqdm's own switch
``TQDM_DISABLE`` is set. The loop's values are passed through unchanged either way.

This module imports nothing of ebpm but the run's protocol.
"""

from __future__ import annotations

import os
import sys
import warnings
from collections.abc import Iterable, Iterator
from typing import Any, TypeVar

from ebpm._protocol import RUN_ID_ENV

__all__ = ["counter", "progress", "shows_progress"]

T = TypeVar("T")

#: Seconds a loop runs before its bar appears: quick loops never draw one.
DELAY = 1.0


def _in_kernel() -> bool:
    """Whether this is a Jupyter kernel (JupyterLab, VS Code, Colab), not a terminal IPython."""
    return "ipykernel.zmqshell" in sys.modules


def shows_progress() -> bool:
    """Whether :func:`progress` draws a bar here: not in ``ebpm run``'s kernels, not with
    ``TQDM_DISABLE`` set, and only in a Jupyter kernel or with stderr on a terminal."""
    if os.environ.get(RUN_ID_ENV):
        return False
    if os.environ.get("TQDM_DISABLE", "").strip().lower() in {"1", "true", "yes"}:
        return False
    if _in_kernel():
        return True
    isatty = getattr(sys.stderr, "isatty", None)
    return bool(isatty and isatty())


def progress(
    iterable: Iterable[T],
    *,
    total: int | None = None,
    desc: str | None = None,
    delay: float = DELAY,
) -> Iterable[T]:
    """``iterable`` with a progress bar where someone is watching (see the module docstring).

    Parameters
    ----------
    iterable : iterable
        What the loop goes over; its values come out unchanged and in order.
    total : int, optional
        How many values there are (default: ``len(iterable)`` when it has one).
    desc : str, optional
        The bar's label, e.g. ``"placebos"``.
    delay : float
        Seconds before the bar appears, so that quick loops draw nothing.

    Returns
    -------
    iterable
        A ``tqdm`` bar over ``iterable``, or ``iterable`` itself where no bar is shown.
    """
    if not shows_progress():
        return iterable
    with warnings.catch_warnings():
        # without ipywidgets tqdm.auto warns once and falls back to its text bar: fine here
        warnings.simplefilter("ignore")
        from tqdm.auto import tqdm
    options: dict[str, Any] = {"total": total, "desc": desc, "delay": delay, "leave": False}
    bar: Iterator[T] = tqdm(iterable, **options)
    return bar


class _Silent:
    """A counter that counts nothing: what :func:`counter` gives where no bar is shown."""

    def update(self, n: int = 1) -> None:
        """Nothing."""

    def close(self) -> None:
        """Nothing."""


def counter(
    *,
    total: int | None = None,
    desc: str | None = None,
    unit: str = "it",
    delay: float | None = None,
) -> Any:
    """A bar advanced by hand (``bar.update(n)``, then ``bar.close()``), for work that is not a
    loop over a known sequence: the pages of a download, counted in values or bytes.

    Shown where :func:`progress` would be, after ``delay`` seconds (default :data:`DELAY`);
    elsewhere an object whose ``update`` and ``close`` do nothing.
    """
    if not shows_progress():
        return _Silent()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from tqdm.auto import tqdm
    wait = DELAY if delay is None else delay
    return tqdm(total=total, desc=desc, unit=unit, delay=wait, leave=False)
