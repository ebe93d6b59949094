"""ebpm.pipeline.standing: what the site shows for each task, from the recorded runs alone."""

from __future__ import annotations

import random
from typing import Any

from ebpm.pipeline.standing import pipeline_standing, spec_tasks

HEAD = {"headline": {"estimate": 3.0, "conf_low": 2.8, "conf_high": 3.2}, "estimand": "ATT"}


def _task(name: str, status: str, **kw: Any) -> dict[str, Any]:
    return {
        "name": name,
        "status": status,
        "parameters": {"value": 3.0},
        "datasets": [],
        "started_at": "2026-12-01T10:00:00+00:00",
        "duration_s": 4.0,
        **kw,
    }


def _run(run_id: str, *tasks: dict[str, Any], spec: list[str] | None = None, **kw: Any):
    m: dict[str, Any] = {
        "pipeline": "p",
        "run_id": run_id,
        "description": "a pipeline",
        "finished_at": f"{run_id}-end",
        "tasks": list(tasks),
        **kw,
    }
    if spec is not None:
        m["spec_tasks"] = spec
    return m


SPEC = ["a", "c"]
FIRST = _run(
    "r1",
    _task("a", "ok", headline=HEAD, finished_at="2026-12-01T10:00:04+00:00"),
    _task("c", "ok", headline=HEAD, finished_at="2026-12-01T10:00:05+00:00"),
    spec=SPEC,
)
C_FAILS = _run(
    "r2",
    _task("c", "failed", reason="ConnectionError: no answer", finished_at="2026-12-02T09:00:00Z"),
    spec=SPEC,
    selected_tasks=["c"],
)


def test_a_failure_keeps_the_last_good_result_beside_it() -> None:
    c = pipeline_standing([FIRST, C_FAILS])["tasks"]["c"]
    assert c["status"] == "failed"
    assert (c["run_id"], c["finished_at"]) == ("r2", "2026-12-02T09:00:00Z")
    assert c["reason"] == "ConnectionError: no answer"
    assert c["failure"] == "failures/p/c.html"
    assert c["headline"] is None  # the failed run made no estimate
    assert (c["report"], c["report_run_id"], c["report_headline"]) == (
        "reports/p/c.html",
        "r1",
        HEAD,
    )


def test_a_partial_rerun_leaves_the_other_tasks_as_they_were() -> None:
    a = pipeline_standing([FIRST, C_FAILS])["tasks"]["a"]
    assert (a["status"], a["run_id"], a["headline"]) == ("ok", "r1", HEAD)
    assert a["finished_at"] == "2026-12-01T10:00:04+00:00"  # when it ran, not when published


def test_an_unchanged_record_after_a_failure_shows_the_good_result_it_checked() -> None:
    """Runs before ebpm reran failed tasks could skip one; the site then said "ok" with no
    estimate and named the failed run."""
    again = _run("r3", _task("c", "unchanged", unchanged_since="r1", headline=HEAD), spec=SPEC)
    c = pipeline_standing([FIRST, C_FAILS, again])["tasks"]["c"]
    assert (c["status"], c["run_id"], c["headline"]) == ("ok", "r1", HEAD)
    assert (c["unchanged_since"], c["checked_run_id"]) == ("r1", "r3")
    assert c["finished_at"] == "2026-12-01T10:00:05+00:00"
    assert c["failure"] is None


def test_a_success_after_a_failure_clears_it() -> None:
    fixed = _run("r3", _task("c", "ok", headline={"headline": {"estimate": 4.0}}), spec=SPEC)
    c = pipeline_standing([FIRST, C_FAILS, fixed])["tasks"]["c"]
    assert (c["status"], c["run_id"], c["report_run_id"]) == ("ok", "r3", "r3")
    assert c["headline"] == {"headline": {"estimate": 4.0}}
    assert c["failure"] is None
    assert c["reason"] is None


def test_a_cancelled_run_changes_nothing() -> None:
    cancelled = _run("r3", _task("a", "cancelled"), _task("c", "pending"), spec=SPEC)
    assert pipeline_standing([FIRST, cancelled]) == pipeline_standing([FIRST])


def test_a_task_never_good_shows_its_failure_without_a_report() -> None:
    b = pipeline_standing([_run("r1", _task("b", "blocked", reason="needs a"))])["tasks"]["b"]
    assert (b["status"], b["report"], b["report_run_id"]) == ("blocked", None, None)
    assert b["reason"] == "needs a"


def test_a_task_removed_from_the_spec_leaves_the_site() -> None:
    later = _run("r3", _task("a", "unchanged", unchanged_since="r1"), spec=["a"])
    assert list(pipeline_standing([FIRST, C_FAILS, later])["tasks"]) == ["a"]


def test_without_recorded_spec_tasks_the_latest_complete_run_and_later_ones_count() -> None:
    old = [
        {"run_id": "r1", "tasks": [{"name": "a"}, {"name": "gone"}]},
        {"run_id": "r2", "tasks": [{"name": "a"}, {"name": "b"}]},
        {"run_id": "r3", "selected_tasks": ["c"], "tasks": [{"name": "c"}]},
    ]
    assert spec_tasks(old) == ["a", "b", "c"]


def test_when_a_record_lacks_its_end_time_it_is_start_plus_duration() -> None:
    old = _run("r1", _task("a", "ok", headline=HEAD), spec=["a"])
    assert pipeline_standing([old])["tasks"]["a"]["finished_at"] == "2026-12-01T10:00:04+00:00"


def test_the_order_the_manifests_come_in_does_not_matter() -> None:
    runs = [
        FIRST,
        C_FAILS,
        _run("r3", _task("a", "unchanged", unchanged_since="r1"), spec=SPEC),
        _run("r4", _task("c", "ok", headline=HEAD), spec=SPEC),
    ]
    expected = pipeline_standing(runs)
    shuffled = runs[:]
    random.Random(7).shuffle(shuffled)
    assert pipeline_standing(shuffled) == expected
    assert expected["tasks"]["a"]["checked_run_id"] == "r3"
    assert expected["description"] == "a pipeline"


def test_an_unchanged_copy_stands_in_for_a_run_whose_record_is_gone() -> None:
    only = _run("r9", _task("a", "unchanged", unchanged_since="r1", headline=HEAD), spec=["a"])
    a = pipeline_standing([only])["tasks"]["a"]
    assert (a["status"], a["run_id"], a["report_run_id"], a["headline"]) == (
        "ok",
        "r1",
        "r1",
        HEAD,
    )
