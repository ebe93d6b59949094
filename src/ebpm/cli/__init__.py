"""The ``ebpm`` command line: a thin layer over the library.

Library errors print one red line and exit 1; usage errors exit 2. Set ``EBPM_DEBUG=1`` to see
the full traceback of a library error instead.

One module per command group: :mod:`._base` (the group, the error boundary, shared options),
:mod:`.catalog` (catalog, estat), :mod:`.japan`, :mod:`.kpi` (review-sheet), :mod:`.run`
(run, check, runs, rerun, publish), :mod:`.export`, :mod:`.schedule`, :mod:`.lab`, :mod:`.new`,
:mod:`.plan` (analysis plans); :mod:`._display` draws a run's progress.
"""

from __future__ import annotations

from ebpm.cli import (  # noqa: F401 - they add commands
    catalog,
    export,
    japan,
    kpi,
    lab,
    new,
    plan,
    run,
    schedule,
)
from ebpm.cli._base import boundary, main
from ebpm.cli._display import _RunDisplay

__all__ = ["_RunDisplay", "boundary", "main"]
