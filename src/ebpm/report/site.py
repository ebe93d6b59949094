"""Moved to :mod:`ebpm.site` (issue 17): this path re-exports it for one release; import from
:mod:`ebpm.site` instead."""

from ebpm.site import (
    STATE_FILE,
    WORDS,
    about_block,
    build_index,
    failure_page,
    load_state,
    record_task,
    redact_parameters,
    save_state,
    set_aside_state,
    state_problem,
    words,
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
