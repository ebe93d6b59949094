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

__all__ = ["defer_iri_grammar", "exports"]


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


_GRAMMAR_MODULE = "rfc3987_syntax"


def defer_iri_grammar() -> None:
    """Let ``import nbformat`` skip building an IRI grammar that notebooks never use.

    nbformat imports jsonschema, which imports ``rfc3987_syntax`` when it is installed (Jupyter's
    ``jsonschema[format-nongpl]`` brings it) to check the ``iri`` format; that module builds its
    Lark grammars as it is imported: 1.0 s of CPU on the main thread of every ``ebpm run`` and
    ``ebpm publish``, before the first task starts. No notebook schema uses the format. A
    stand-in takes the module's place in ``sys.modules``; the first call of its
    ``is_valid_syntax`` (or any other name) imports the real module and hands over to it, so a
    check of an ``iri`` still gives the real answer. Nothing changes when the module is not
    installed or is already imported.
    """
    import importlib.util
    import sys
    import types

    if _GRAMMAR_MODULE in sys.modules or importlib.util.find_spec(_GRAMMAR_MODULE) is None:
        return
    stand_in = types.ModuleType(_GRAMMAR_MODULE, "Stand-in for rfc3987_syntax (ebpm._lazy).")

    def real() -> Any:
        if sys.modules.get(_GRAMMAR_MODULE) is stand_in:
            del sys.modules[_GRAMMAR_MODULE]
        return importlib.import_module(_GRAMMAR_MODULE)

    def is_valid_syntax(*args: Any, **kwargs: Any) -> Any:
        return real().is_valid_syntax(*args, **kwargs)

    stand_in.is_valid_syntax = is_valid_syntax  # type: ignore[attr-defined]

    def other(name: str) -> Any:
        if name.startswith("__"):  # the import system asks for __path__ and the like
            raise AttributeError(name)
        return getattr(real(), name)

    stand_in.__getattr__ = other  # type: ignore[method-assign]
    sys.modules[_GRAMMAR_MODULE] = stand_in
