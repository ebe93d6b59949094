"""ebpm.pipeline.events: the typed events a run sends to its ``progress`` callback."""

from __future__ import annotations

import dataclasses
import typing

import pytest

from ebpm.pipeline import events as ev
from ebpm.pipeline.records import TaskResult


def _result(name: str, status: str = "ok") -> TaskResult:
    return TaskResult(name=name, group=name, notebook="nb.py", parameters={}, status=status)


def test_every_event_is_frozen_and_named_by_its_kind() -> None:
    kinds = {t: t.kind for t in typing.get_args(ev.Event)}
    assert kinds == {
        ev.Planned: "plan",
        ev.DataRefreshed: "refresh",
        ev.TaskStarted: "start",
        ev.TaskRetrying: "retry",
        ev.TaskDone: "done",
        ev.Tick: "tick",
        ev.Cancelling: "cancel",
        ev.Published: "published",
    }
    start = ev.TaskStarted(task="a")
    with pytest.raises(dataclasses.FrozenInstanceError, match="task"):
        start.task = "b"  # type: ignore[misc]


def test_a_callback_can_match_on_the_types() -> None:
    seen: list[str] = []

    def show(event: ev.Event) -> None:
        match event:
            case ev.TaskDone(task=name, result=r) if r.status == "failed":
                seen.append(f"{name} failed")
            case ev.TaskStarted(task=name, attempt=n):
                seen.append(f"{name} started ({n})")
            case _:
                seen.append(event.kind)

    for e in (
        ev.Tick(running=["a"]),
        ev.TaskStarted(task="a"),
        ev.TaskDone(task="a", result=_result("a", "failed")),
        ev.TaskDone(task="b", result=_result("b")),
    ):
        show(e)
    assert seen == ["tick", "a started (1)", "a failed", "done"]


def test_the_dict_reading_of_earlier_releases_still_works() -> None:
    retry = ev.TaskRetrying(task="a", attempt=2, delay=4.0, reason="HTTP 503")
    assert retry["event"] == "retry"
    assert (retry["task"], retry["attempt"], retry["delay"]) == ("a", 2, 4.0)
    assert retry.get("signal") is None
    assert retry.get("reason") == "HTTP 503"
    with pytest.raises(KeyError, match="run_id"):
        retry["run_id"]


@pytest.mark.slow
def test_a_run_sends_a_plan_then_start_and_done_per_task(demo_run) -> None:
    result, _out, events = demo_run
    assert all(isinstance(e, typing.get_args(ev.Event)) for e in events)
    events = [e for e in events if not isinstance(e, ev.Tick)]
    plan = events[0]
    assert isinstance(plan, ev.Planned)
    assert (plan.total, plan.to_run) == (len(result.tasks), [t.name for t in result.tasks])
    for task in result.tasks:
        mine = [e for e in events[1:] if getattr(e, "task", None) == task.name]
        assert [type(e) for e in mine] == [ev.TaskStarted, ev.TaskDone]
        done = mine[1]
        assert isinstance(done, ev.TaskDone)
        assert done.result is task
