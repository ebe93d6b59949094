"""Lazy exports: a package names what it offers, and each name is imported on first use.

``import ebpm`` must stay cheap (``ebpm --help``, ``ebpm check`` and a rerun with nothing to do
must not pay for pandas, statsmodels or geopandas), yet ``ebpm.kpi.load(...)`` and
``ebpm.disclosure.suppress(...)`` must work after a bare ``import ebpm``. Every package that
re-exports names from its submodules does it with :func:`exports`, the one place that knows how.

This module imports nothing of ebpm.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable, Mapping
from typing import Any

__all__ = ["exports"]


def exports(
    package: str,
    names: Mapping[str, str],
    *,
    submodules: Iterable[str] = (),
    eager: Iterable[str] = (),
) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """The ``__getattr__`` and ``__dir__`` of a package whose names load on first use.

    Parameters
    ----------
    package
        The package's ``__name__``.
    names
        Each exported name and the module (absolute, or relative to ``package`` when it starts
        with a dot) that defines it.
    submodules
        Submodules reachable as attributes (``ebpm.kpi``), imported on first use.
    eager
        Names the package defines itself, listed by ``dir()`` even before they are set.

    Returns
    -------
    tuple
        ``(__getattr__, __dir__)``, to assign at the package's top level.

    Examples
    --------
    >>> __getattr__, __dir__ = exports(__name__, {"did": ".estimators"})  # doctest: +SKIP
    """
    table = {k: (package + v if v.startswith(".") else v) for k, v in names.items()}
    subs = tuple(submodules)
    listed = sorted({*table, *subs, *eager})

    def getattr_(name: str) -> Any:
        if name in table:
            module = importlib.import_module(table[name])
            value = getattr(module, name)
            # later lookups skip this function (a submodule of the same name would not)
            vars(importlib.import_module(package))[name] = value
            return value
        if name in subs:
            return importlib.import_module(f"{package}.{name}")
        raise AttributeError(f"module {package!r} has no attribute {name!r}")

    def dir_() -> list[str]:
        return sorted({*vars(importlib.import_module(package)), *listed})

    return getattr_, dir_
