"""What a run tells its ``progress`` callback: one frozen dataclass per kind of event.

:func:`ebpm.pipeline.run_pipeline` and :func:`ebpm.pipeline.publish_site` call ``progress``
with these, in order: one :class:`Planned`, then per dataset checked again a
:class:`DataRefreshed`, then per task :class:`TaskStarted`, perhaps :class:`TaskRetrying`, and
one :class:`TaskDone` (an unchanged task only gets its :class:`TaskDone`), with :class:`Tick`
about every 0.2 s while tasks run and :class:`Cancelling` on Ctrl-C. A callback can match on the
types::

    def show(event: Event) -> None:
        match event:
            case TaskDone(task=name, result=r) if r.status == "failed":
                print(name, "failed:", r.reason)

Each event also answers ``event["event"]`` (its :attr:`kind`) and ``event["task"]`` like the
dicts of earlier releases; that reading is kept for one release.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from typing import TYPE_CHECKING, Any, ClassVar

if TYPE_CHECKING:
    from ebpm.pipeline.records import TaskResult

__all__ = [
    "Cancelling",
    "DataRefreshed",
    "Event",
    "Planned",
    "Progress",
    "Published",
    "TaskDone",
    "TaskRetrying",
    "TaskStarted",
    "Tick",
]


@dataclass(frozen=True)
class _Event:
    kind: ClassVar[str]

    def __getitem__(self, key: str) -> Any:
        """``event["event"]`` and ``event["task"]``, as the dict events of earlier releases."""
        if key == "event":
            return self.kind
        if key in {f.name for f in fields(self)}:
            return getattr(self, key)
        raise KeyError(key)

    def get(self, key: str, default: Any = None) -> Any:
        try:
            return self[key]
        except KeyError:
            return default


@dataclass(frozen=True)
class Planned(_Event):
    """What the run will do: the tasks to run, those unchanged since their last good run, and
    why each one runs (``"--force"``, ``"never ran successfully"``, ``"notebook changed"``...)."""

    kind: ClassVar[str] = "plan"
    run_id: str
    total: int
    to_run: list[str]
    unchanged: list[str]
    reasons: Mapping[str, str]
    jobs: int
    executor: str  # "local" or a Dask scheduler's address


@dataclass(frozen=True)
class DataRefreshed(_Event):
    """A remote dataset a task used last time, downloaded again (``refresh_data=True``).

    ``ok`` is False when the publisher could not be asked (``reason`` says why; the cached copy
    is used). Otherwise ``revised`` says whether the data changed, with both sha256 digests.
    """

    kind: ClassVar[str] = "refresh"
    entry: str
    ok: bool
    reason: str | None = None
    revised: bool = False
    old_sha256: str | None = None
    new_sha256: str | None = None


@dataclass(frozen=True)
class TaskStarted(_Event):
    """A task's notebook started executing in a kernel (its first attempt)."""

    kind: ClassVar[str] = "start"
    task: str
    attempt: int = 1


@dataclass(frozen=True)
class TaskRetrying(_Event):
    """A transient failure; the task runs again as ``attempt`` after ``delay`` seconds."""

    kind: ClassVar[str] = "retry"
    task: str
    attempt: int
    delay: float
    reason: str | None


@dataclass(frozen=True)
class TaskDone(_Event):
    """A task finished, well or not, or was found unchanged: its :class:`TaskResult`."""

    kind: ClassVar[str] = "done"
    task: str
    result: TaskResult


@dataclass(frozen=True)
class Tick(_Event):
    """Sent about every 0.2 s while tasks run, with the names of those running."""

    kind: ClassVar[str] = "tick"
    running: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Cancelling(_Event):
    """The run received ``signal`` and stops the ``running`` tasks."""

    kind: ClassVar[str] = "cancel"
    signal: str
    running: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Published(_Event):
    """:func:`ebpm.pipeline.publish_site` put a recorded task's report into the site."""

    kind: ClassVar[str] = "published"
    task: str
    run_id: str
    pipeline: str = ""
    page: str = ""  # the page's path in the site


Event = (
    Planned | DataRefreshed | TaskStarted | TaskRetrying | TaskDone | Tick | Cancelling | Published
)

#: Called with each event of a run.
Progress = Callable[[Event], None]
