"""The reports of a site rendered on every core, for ``ebpm publish``.

Rendering a report (nbconvert, highlighting the code, sanitizing, cutting its Japanese glyphs)
is Python, one core's work; ``ebpm publish`` renders a pipeline's reports one after the other.
Here they are shared among worker processes forked from the publishing process. Reports render
in that process until one takes real work (a republish keeps its pages, which costs less than a
fork); that first one imports and warms what every report needs (nbconvert, its templates and
filters: 0.5 s), then the workers fork and inherit it, with the glyph cut made for all the pages
(:func:`ebpm.report.fonts.prepare`). When two reports or more are known to need rendering (their
pages are new), the workers fork at once, after the same warming-up on an empty notebook. A
worker writes its report's files and updates the site state under the site's file lock, as the
publishing process would itself. Demo site, 2 cores: see ``bench/RESULTS.md``.

A process may fork safely only while it runs no other thread, so the pool is used only then
(``ebpm publish``; not inside ``ebpm run``, whose kernels are watched by threads), on systems
with ``os.fork``, and for two reports or more. ``EBPM_PUBLISH_JOBS`` caps the workers (default:
the cores this process may use; ``1`` renders in this process).
"""

from __future__ import annotations

import concurrent.futures as cf
import multiprocessing
import os
import threading
import time
from collections.abc import Callable
from typing import Any

from ebpm._env import env_number

__all__ = ["PUBLISH_JOBS_ENV", "RenderPool", "workers"]

PUBLISH_JOBS_ENV = "EBPM_PUBLISH_JOBS"
_WORTH_A_FORK_S = 0.05  # a report that took longer was rendered, not kept: fork for the rest


def workers(reports: int) -> int:
    """How many processes render ``reports`` reports: 1 where forking is not safe or useful."""
    if reports < 2 or not hasattr(os, "fork") or threading.active_count() > 1:
        return 1
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    cap = int(env_number(PUBLISH_JOBS_ENV, 0, integer=True)) or (cores or 1)
    return max(1, min(cap, reports))


class _Later:
    """A call made when its result is asked for: the pool of one, which keeps the order of
    work and progress exactly as rendering in a loop."""

    def __init__(self, fn: Callable[..., Any], args: tuple[Any, ...]) -> None:
        self._fn, self._args = fn, args

    def result(self) -> Any:
        return self._fn(*self._args)


class RenderPool:
    """``with RenderPool(n) as pool: future = pool.submit(fn, *args)``; ``future.result()``."""

    def __init__(
        self,
        reports: int,
        *,
        before_fork: Callable[[], Any] | None = None,
        rendering: int = 0,
    ) -> None:
        """``reports`` to render or keep; ``before_fork``: work the workers should inherit,
        done once in this process; ``rendering``: how many of them are known to need rendering
        (new pages): two or more, and the workers fork at once instead of after a first
        report rendered here."""
        self.workers = workers(reports)
        self._executor: cf.ProcessPoolExecutor | None = None
        self._before_fork = before_fork
        self._eager = rendering >= 2

    def __enter__(self) -> RenderPool:
        return self

    def submit(self, fn: Callable[..., Any], *args: Any) -> Any:
        if self.workers < 2:
            return _Later(fn, args)
        if self._executor is None and self._eager:
            self._executor = self._fork()
        if self._executor is not None:
            return self._executor.submit(fn, *args)
        # Reports render here until one takes real work: the first import and warm what every
        # report needs (nbconvert, its templates, the regular expressions of its filters:
        # 0.5 s), which the workers then inherit instead of each paying for it; and reports
        # kept as they are (a republish) cost less than forking.
        done: cf.Future[Any] = cf.Future()
        start = time.perf_counter()
        try:
            done.set_result(fn(*args))
        except Exception as err:
            done.set_exception(err)
        if time.perf_counter() - start > _WORTH_A_FORK_S:
            self._executor = self._fork()
        return done

    def _fork(self) -> cf.ProcessPoolExecutor:
        import gc

        if self._before_fork is not None:
            self._before_fork()

        executor = cf.ProcessPoolExecutor(
            self.workers, mp_context=multiprocessing.get_context("fork")
        )
        gc.freeze()  # a collection in a worker would touch, so copy, every inherited object
        try:  # the workers fork now, while this process runs no other thread
            executor.submit(int).result()
        finally:
            gc.unfreeze()
        return executor

    def __exit__(self, *exc: object) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=True, cancel_futures=exc[0] is not None)
