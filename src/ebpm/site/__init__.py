"""The static report site: an index of evaluations, one page per report, failure pages, the
run-history pages and the evidence registry.

Layout of ``site/``::

    index.html                         every report: status, headline estimate, data, run
    evidence.json, evidence.csv        the same, one row per evaluation, for machines
    reports/<pipeline>/<task>.html     the last good report of each task
    failures/<pipeline>/<task>.html    why the latest run of a task failed
    history/<pipeline>/<task>.html     every recorded run of a task, its estimate over time
    _ebpm/state.json                   what the index is built from

A failed task never replaces its last good report: the index shows the failure and links both.
Every file is written atomically.

The modules: :mod:`~ebpm.site.state` (the state file), :mod:`~ebpm.site.index` (the index),
:mod:`~ebpm.site.registry` (``evidence.json``/``.csv``), :mod:`~ebpm.site.pages` (the page frame,
a report's "about" block, failure pages), :mod:`~ebpm.site.history` (run-history pages),
:mod:`~ebpm.site.render` (an executed notebook to a report page, through nbconvert, with
:mod:`~ebpm.site.mathml` and :mod:`~ebpm.site.sanitize`).

This is the site side of reports: kernels never import it (they use :mod:`ebpm.report`), and it
imports nothing of :mod:`ebpm.pipeline`, which publishes a run into it.
"""

from ebpm._protocol import redact_parameters
from ebpm.site.index import build_index
from ebpm.site.pages import WORDS, about_block, failure_page, words
from ebpm.site.state import (
    STATE_FILE,
    load_state,
    record_task,
    save_state,
    set_aside_state,
    state_problem,
)

__all__ = [
    "STATE_FILE",
    "WORDS",
    "about_block",
    "build_index",
    "failure_page",
    "load_state",
    "record_task",
    "redact_parameters",
    "save_state",
    "set_aside_state",
    "state_problem",
    "words",
]
