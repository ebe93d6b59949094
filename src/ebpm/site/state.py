"""The site's state, ``site/_ebpm/state.json``: what the index is built from.

One record per task of every pipeline published to the site; a failed task keeps the fields of
its last good report. Every write is atomic.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

from ebpm._io import atomic_write_json

__all__ = [
    "STATE_FILE",
    "load_state",
    "record_task",
    "save_state",
    "set_aside_state",
    "state_problem",
]

log = logging.getLogger(__name__)

STATE_FILE = Path("_ebpm") / "state.json"


def _read_state(site: Path) -> tuple[dict[str, Any] | None, str | None]:
    """The state (None on a new site) and why it cannot be used (None when it can)."""
    path = site / STATE_FILE
    if not path.exists():
        return None, None
    try:
        state = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as err:  # UnicodeDecodeError and JSONDecodeError are ValueErrors
        return None, f"{type(err).__name__}: {err}"
    if not isinstance(state, dict) or not isinstance(state.get("pipelines"), dict):
        return None, "it holds JSON, but not a site state (an object with a 'pipelines' mapping)"
    return state, None


def state_problem(site: Path) -> str | None:
    """Why the site's state file cannot be used (truncated, not JSON, not a state), or None.

    A missing file is no problem: it is a new site.
    """
    return _read_state(site)[1]


def set_aside_state(site: Path, problem: str) -> Path:
    """Move an unusable state file to ``state.json.corrupt`` (kept to look at) and log why."""
    path = site / STATE_FILE
    aside = path.with_name(path.name + ".corrupt")
    path.replace(aside)
    log.warning(
        "the site state %s is unusable (%s); it was moved to %s and the site starts afresh",
        path,
        problem,
        aside.name,
    )
    return aside


def load_state(site: Path) -> dict[str, Any]:
    """The site's state (empty on a new site).

    An unusable state file (:func:`state_problem`) is set aside with a warning and the state
    starts empty; ``ebpm run`` and ``ebpm publish`` then rebuild it from the runs' manifests.
    """
    state, problem = _read_state(site)
    if problem is not None:
        set_aside_state(site, problem)
    return state if state is not None else {"pipelines": {}}


def save_state(site: Path, state: dict[str, Any]) -> None:
    """Write the site's state atomically, its pipelines and pages in name order (the same
    runs give the same file, whichever order tasks finished in)."""
    ordered = dict(state)
    for key in ("pipelines", "pages"):
        if isinstance(state.get(key), dict):
            ordered[key] = dict(sorted(state[key].items()))
    atomic_write_json(site / STATE_FILE, ordered, compact=True)


def record_task(
    state: dict[str, Any], *, pipeline: str, description: str, task: str, record: dict[str, Any]
) -> dict[str, Any]:
    """Merge one task's outcome into ``state``; a failure keeps the last good report's fields."""
    p = state["pipelines"].setdefault(pipeline, {"tasks": {}})
    p["description"] = description
    previous = p["tasks"].get(task, {})
    merged = dict(record)
    if record["status"] != "ok":
        for key in ("report", "report_run_id", "report_headline"):
            merged[key] = previous.get(key)
    p["tasks"][task] = merged
    return state
