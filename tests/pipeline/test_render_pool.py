"""Reports rendered on every core (ebpm.pipeline.render_pool): the same site as one process
renders, in forked workers, only where forking is safe."""

from __future__ import annotations

import filecmp
import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook, new_output

from ebpm._protocol import RESULT_MIME
from ebpm.errors import SettingError
from ebpm.pipeline import render_pool
from ebpm.pipeline.render_pool import PUBLISH_JOBS_ENV, RenderPool, workers
from tests.pipeline.conftest import headline, record, write_run

RUN = "20260101T000000Z-0011"


@pytest.fixture
def one_thread(monkeypatch: pytest.MonkeyPatch) -> None:
    """As in `ebpm publish`: no other thread (pytest's process may have some)."""
    monkeypatch.setattr(render_pool.threading, "active_count", lambda: 1)
    monkeypatch.delenv(PUBLISH_JOBS_ENV, raising=False)


def test_the_workers_are_the_cores_capped_by_the_reports(one_thread, monkeypatch) -> None:
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    assert workers(1) == 1
    assert workers(50) == max(1, cores or 1)
    monkeypatch.setenv(PUBLISH_JOBS_ENV, "3")
    assert workers(2) == 2
    assert workers(10) == 3
    monkeypatch.setenv(PUBLISH_JOBS_ENV, "1")
    assert workers(10) == 1


def test_a_process_with_other_threads_renders_in_itself(monkeypatch) -> None:
    monkeypatch.setenv(PUBLISH_JOBS_ENV, "4")
    monkeypatch.setattr(render_pool.threading, "active_count", lambda: 2)
    assert workers(10) == 1
    assert threading.active_count() >= 1


def test_a_bad_setting_is_named(one_thread, monkeypatch) -> None:
    monkeypatch.setenv(PUBLISH_JOBS_ENV, "two")
    with pytest.raises(SettingError, match="EBPM_PUBLISH_JOBS"):
        workers(10)


def test_one_worker_calls_in_order_when_asked(monkeypatch) -> None:
    monkeypatch.setenv(PUBLISH_JOBS_ENV, "1")
    calls: list[int] = []
    with RenderPool(3) as pool:
        later = [pool.submit(calls.append, i) for i in range(3)]
        assert calls == []  # nothing runs before its result is asked for
        later[1].result()
        later[0].result()
    assert calls == [1, 0]


_FORKED = """
import json, os, time
from ebpm.pipeline.render_pool import RenderPool
with RenderPool(6) as pool:
    quick = [pool.submit(os.getpid).result() for _ in range(2)]  # kept pages: no fork
    forked_before = pool._executor is not None
    slow = pool.submit(time.sleep, 0.1)  # a rendered report: the rest go to workers
    futures = [pool.submit(os.getpid) for _ in range(4)]
    pids = [f.result() for f in futures]
    failing = pool.submit(int, "not a number")
    try:
        failing.result()
        error = None
    except ValueError as err:
        error = str(err)
print(json.dumps({"workers": pool.workers, "quick": quick, "forked_before": forked_before,
                  "pids": pids, "me": os.getpid(), "error": error}))
"""


def test_reports_render_in_forked_workers_once_one_took_real_work() -> None:
    env = {**os.environ, PUBLISH_JOBS_ENV: "2"}
    done = subprocess.run(
        [sys.executable, "-c", _FORKED], capture_output=True, text=True, env=env, check=True
    )
    seen = json.loads(done.stdout.strip().splitlines()[-1])
    assert seen["workers"] == 2
    assert seen["quick"] == [seen["me"], seen["me"]]  # cheaper here than a fork
    assert seen["forked_before"] is False
    assert seen["me"] not in seen["pids"]
    assert "not a number" in seen["error"]


_EAGER = """
import json, os
from ebpm.pipeline.render_pool import RenderPool
warmed = []
with RenderPool(3, before_fork=lambda: warmed.append(os.getpid()), rendering=2) as pool:
    pids = [pool.submit(os.getpid).result() for _ in range(3)]
print(json.dumps({"pids": pids, "me": os.getpid(), "warmed": warmed}))
"""


def test_reports_known_to_need_rendering_fork_the_workers_at_once() -> None:
    env = {**os.environ, PUBLISH_JOBS_ENV: "2"}
    done = subprocess.run(
        [sys.executable, "-c", _EAGER], capture_output=True, text=True, env=env, check=True
    )
    seen = json.loads(done.stdout.strip().splitlines()[-1])
    assert seen["me"] not in seen["pids"]  # not even the first one here
    assert seen["warmed"] == [seen["me"]]  # the warming-up, once, before the fork


def _recorded(out: Path, tasks: int) -> None:
    records = []
    for i in range(tasks):
        name = f"t{i}"
        records.append(record(name, output_notebook=f"{name}.ipynb", headline=headline(1.0 + i)))
    path = write_run(out, "p", RUN, records, root=str(out), versions={"ebpm": "0.1.0"})
    for i in range(tasks):
        result = {**headline(1.0 + i), "label": f"効果 {i}"}
        output = new_output("display_data", data={RESULT_MIME: result, "text/plain": f"ATT {i}"})
        nb = new_notebook(cells=[new_code_cell("report.headline(result)", outputs=[output])])
        nbformat.write(nb, path.parent / f"t{i}.ipynb")


def _publish(out: Path, site: Path, jobs: str) -> None:
    code = (
        "import sys; from ebpm.pipeline.republish import publish_runs; "
        "publish_runs(sys.argv[1], site=sys.argv[2])"
    )
    env = {**os.environ, PUBLISH_JOBS_ENV: jobs}
    subprocess.run([sys.executable, "-c", code, str(out), str(site)], env=env, check=True)


def test_the_pool_publishes_the_very_site_one_process_does(tmp_path: Path) -> None:
    _recorded(tmp_path, 4)
    _publish(tmp_path, tmp_path / "alone", "1")
    _publish(tmp_path, tmp_path / "pool", "2")
    alone = sorted(p.relative_to(tmp_path / "alone") for p in (tmp_path / "alone").rglob("*"))
    pool = sorted(p.relative_to(tmp_path / "pool") for p in (tmp_path / "pool").rglob("*"))
    assert alone == pool
    pages = [p for p in alone if p.suffix == ".html"]
    assert len([p for p in pages if p.parts[0] == "reports"]) == 4
    _, differ, errors = filecmp.cmpfiles(
        tmp_path / "alone", tmp_path / "pool", [str(p) for p in pages], shallow=False
    )
    assert errors == []
    assert differ == []
