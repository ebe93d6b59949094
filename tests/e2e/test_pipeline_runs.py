"""Tests of scheduled-rerun behaviour of ebpm.pipeline.runner with real kernels.

Parallel tasks, incremental reruns (what counts as a change), revision alerts, retries of
transient failures, timeouts, a kernel killed mid-run, `needs`, the pipeline lock, cancellation
with SIGINT, and the Dask LocalCluster path. The notebook is tests/fixtures/notebooks/probe.py,
which succeeds, raises, dies or sleeps on demand and publishes `value` (or the mean of column x of
a CSV at `url`) as its headline estimate.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from ebpm._protocol import NEEDS_ENV, NOT_OK_ENV
from ebpm.errors import LockedError
from ebpm.pipeline import history
from ebpm.pipeline.events import DataRefreshed, Event, Planned
from ebpm.pipeline.lock import PipelineLock
from ebpm.pipeline.runner import run_pipeline
from tests.conftest import FIXTURES, Reply

PROBE = FIXTURES / "notebooks" / "probe.py"

pytestmark = pytest.mark.slow


def _project(root: Path, tasks: list[dict[str, Any]], *, name: str = "p", extra: str = "") -> Path:
    """A project folder with notebooks/probe.py and pipelines/<name>.yaml."""
    (root / "notebooks").mkdir(parents=True, exist_ok=True)
    (root / "pipelines").mkdir(exist_ok=True)
    nb = root / "notebooks" / "probe.py"
    if not nb.exists():
        nb.write_text(PROBE.read_text(encoding="utf-8"), encoding="utf-8")
    lines = [f"name: {name}", extra, "tasks:"]
    for t in tasks:
        t = {"notebook": "notebooks/probe.py", **t}
        lines.append("  - " + json.dumps(t))
    spec = root / "pipelines" / f"{name}.yaml"
    spec.write_text("\n".join(x for x in lines if x) + "\n", encoding="utf-8")
    return spec


def _manifest(result: Any) -> dict[str, Any]:
    return json.loads(result.manifest.read_text(encoding="utf-8"))


def _by_name(result: Any) -> dict[str, Any]:
    return {t.name: t for t in result.tasks}


# --- parallel execution, incremental reruns, revisions ----------------------------------------
@pytest.fixture(scope="module")
def reruns(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """One project run five ways: first, again, with a changed parameter, after a notebook
    edit, and with --force."""
    root = tmp_path_factory.mktemp("reruns")
    spec = _project(
        root,
        [
            {"name": "a", "parameters": {"value": 1.0, "seconds": 1.5}},
            {"name": "b", "parameters": {"value": 2.0, "seconds": 1.5}},
            {"name": "c", "parameters": {"value": 3.0}, "tolerance": "50%"},
        ],
    )
    events: list[Event] = []
    first = run_pipeline(spec, out_dir=root, jobs=2, progress=events.append)
    report_a = (root / "site" / first.tasks[0].report).stat().st_mtime_ns
    second = run_pipeline(spec, out_dir=root, jobs=2)
    report_a_after = (root / "site" / first.tasks[0].report).stat().st_mtime_ns
    index_after_second = (root / "site" / "index.html").read_text(encoding="utf-8")
    third = run_pipeline(spec, out_dir=root, jobs=2, parameters={"value": 1.2}, tasks=["a", "c"])
    nb = root / "notebooks" / "probe.py"
    nb.write_text(nb.read_text(encoding="utf-8") + "\n# an edit\n", encoding="utf-8")
    fourth = run_pipeline(spec, out_dir=root, jobs=2, tasks=["b"])
    fifth = run_pipeline(spec, out_dir=root, jobs=2, force=True, tasks=["b"])
    return {
        "root": root,
        "events": events,
        "runs": [first, second, third, fourth, fifth],
        "report_mtimes": (report_a, report_a_after),
        "index_after_second": index_after_second,
    }


def test_tasks_run_side_by_side(reruns) -> None:
    events = [e for e in reruns["events"] if e.kind in ("start", "done")]
    # a and b sleep 1.5 s each: with 2 jobs they run side by side (never more than 2 at once)
    running, most = set(), 0
    for e in events:
        (running.add if e.kind == "start" else running.discard)(e.task)
        most = max(most, len(running))
    assert most == 2
    first = reruns["runs"][0]
    assert [t.status for t in first.tasks] == ["ok", "ok", "ok"]
    assert [t.headline["headline"]["estimate"] for t in first.tasks] == [1.0, 2.0, 3.0]
    assert _manifest(first)["executor"]["jobs"] == 2


def test_a_second_run_skips_what_did_not_change(reruns) -> None:
    first, second = reruns["runs"][:2]
    assert [t.status for t in second.tasks] == ["unchanged"] * 3
    assert [t.unchanged_since for t in second.tasks] == [first.run_id] * 3
    assert second.ok is True
    assert [t.attempts for t in second.tasks] == [0, 0, 0]  # no kernel started
    # the report was not rewritten, and the index says since when it is current
    before, after = reruns["report_mtimes"]
    assert before == after
    assert f"unchanged since run {first.run_id}" in reruns["index_after_second"]
    m = _manifest(second)
    assert [t["headline"]["headline"]["estimate"] for t in m["tasks"]] == [1.0, 2.0, 3.0]
    assert m["status"] == "ok"


def test_a_changed_parameter_reruns_only_its_task_and_flags_the_revision(reruns) -> None:
    first, _, third = reruns["runs"][:3]
    tasks = _by_name(third)
    assert set(tasks) == {"a", "c"}  # --task a --task c
    a, c = tasks["a"], tasks["c"]
    assert a.status == "ok"
    assert a.parameters["value"] == 1.2
    # a moved from 1.0 to 1.2, beyond the default tolerance (numerical noise only)
    assert a.revision["previous_run"] == first.run_id
    assert a.revision["old"]["estimate"] == 1.0
    assert a.revision["new"]["estimate"] == 1.2
    assert a.revision["difference"] == pytest.approx(0.2)
    assert {"input": "parameter", "what": "value", "old": 1.0, "new": 1.2} in a.revision[
        "changed_inputs"
    ]
    # c moved from 3.0 to 1.2 too: 60%, beyond the 50% its spec allows
    assert c.revision is not None
    assert c.revision["tolerance"] == "50%"
    page = (reruns["root"] / "site" / a.report).read_text(encoding="utf-8")
    assert "Revised estimate." in page
    assert f"Run {first.run_id}: 1 [0.8, 1.2]; this run: 1.2 [1, 1.4]" in page
    assert [r["task"] for r in _manifest(third)["revisions"]] == ["a", "c"]


def test_a_notebook_edit_reruns_and_force_reruns(reruns) -> None:
    fourth, fifth = reruns["runs"][3:]
    (b,) = fourth.tasks
    assert b.status == "ok"
    assert b.revision is None  # same estimate: no alert
    (b5,) = fifth.tasks
    assert b5.status == "ok"
    assert _manifest(fifth)["force"] is True


def test_history_lists_the_runs(reruns) -> None:
    runs = history.list_runs(reruns["root"], pipeline="p")
    assert [r.run_id for r in runs] == [r.run_id for r in reruns["runs"]]
    assert runs[1].counts == {"unchanged": 3}
    found = history.find_run(reruns["root"], reruns["runs"][2].run_id[:-2])
    assert found["run_id"] == reruns["runs"][2].run_id


# --- data revisions ---------------------------------------------------------------------------
def test_a_revised_download_reruns_and_says_which_data_changed(tmp_path, http_server) -> None:
    from ebpm.catalog.files import load_remote_table

    route = http_server.add("/table.csv", b"x\n1\n2\n3\n", content_type="text/csv")
    url = http_server.url + "/table.csv"
    spec = _project(tmp_path, [{"name": "t", "parameters": {"url": url}}])
    first = run_pipeline(spec, out_dir=tmp_path, jobs=1)
    (t1,) = first.tasks
    assert t1.status == "ok", t1.reason
    assert t1.headline["headline"]["estimate"] == 2.0
    (d1,) = t1.datasets
    assert d1["entry"] == "probe.table"
    second = run_pipeline(spec, out_dir=tmp_path, jobs=1)
    assert second.tasks[0].status == "unchanged"
    # the publisher revises the table; a refresh (what a scheduled fetch does) brings it in
    route.replies.append(Reply(b"x\n1\n2\n6\n", 200, {"Content-Type": "text/csv"}))
    load_remote_table(url, what="probe table", refresh=True)
    third = run_pipeline(spec, out_dir=tmp_path, jobs=1)
    (t3,) = third.tasks
    assert t3.status == "ok"
    assert t3.headline["headline"]["estimate"] == 3.0
    rev = t3.revision
    assert rev["old"]["estimate"] == 2.0
    assert rev["new"]["estimate"] == 3.0
    (change,) = [c for c in rev["changed_inputs"] if c["input"] == "data"]
    assert change["what"] == "probe.table"
    assert change["old_sha256"] == d1["sha256"]
    assert change["new_sha256"] == t3.datasets[0]["sha256"] != d1["sha256"]
    page = (tmp_path / "site" / t3.report).read_text(encoding="utf-8")
    assert "data <code>probe.table</code>" in page


def test_a_download_gone_from_the_cache_reruns_the_task(tmp_path, http_server) -> None:
    from ebpm.catalog import cache

    http_server.add("/t.csv", b"x\n5\n", content_type="text/csv")
    url = http_server.url + "/t.csv"
    spec = _project(tmp_path, [{"name": "t", "parameters": {"url": url}}])
    first = run_pipeline(spec, out_dir=tmp_path, jobs=1)
    assert first.tasks[0].status == "ok"
    cache.forget(cache.Request.get(url))
    second = run_pipeline(spec, out_dir=tmp_path, jobs=1)
    assert second.tasks[0].status == "ok"  # ran again: its data could not be vouched for
    assert second.tasks[0].revision is None


# --- failures: raise, kernel killed, timeout, retries, needs ----------------------------------
@pytest.fixture(scope="module")
def failures(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    root = tmp_path_factory.mktemp("failures")
    marker = root / "flaky-marker"
    spec = _project(
        root,
        [
            {"name": "good", "parameters": {"value": 7.0}},
            {"name": "raises", "parameters": {"mode": "raise"}, "retries": 2},
            {"name": "killed", "parameters": {"mode": "crash"}},
            {"name": "slow", "parameters": {"seconds": 60}, "timeout": 2},
            {"name": "flaky", "parameters": {"mode": "flaky", "marker": str(marker)}, "retries": 2},
            {"name": "after_good", "parameters": {"value": 8.0}, "needs": "good"},
            # listed before the task it needs, which is blocked: blocked too, not waiting forever
            {"name": "before_blocked", "needs": "after_raises"},
            {"name": "after_raises", "parameters": {"value": 9.0}, "needs": ["raises"]},
            {
                "name": "after_all",
                "parameters": {"value": 10.0, "label_env": NEEDS_ENV},
                "after": ["raises", "good"],
            },
            {
                "name": "after_all_told",
                "parameters": {"value": 11.0, "label_env": NOT_OK_ENV},
                "after": ["raises", "good"],
            },
        ],
    )
    events: list[Event] = []
    t0 = time.monotonic()
    result = run_pipeline(spec, out_dir=root, jobs=2, retry_backoff=0.2, progress=events.append)
    return {"root": root, "result": result, "events": events, "wall": time.monotonic() - t0}


def test_a_raising_notebook_fails_without_retries(failures) -> None:
    t = _by_name(failures["result"])["raises"]
    assert t.status == "failed"
    assert t.reason == "cell In [3] raised ValueError: probe failed on purpose (mode=raise)"
    assert t.attempts == 1  # a ValueError is not transient: retrying would not help
    page = (failures["root"] / "site" / t.failure_page).read_text(encoding="utf-8")
    assert "probe failed on purpose" in page


def test_a_killed_kernel_fails_its_task_with_the_reason(failures) -> None:
    t = _by_name(failures["result"])["killed"]
    assert t.status == "failed"
    assert t.reason.startswith("the kernel died (killed, or out of memory)")
    assert t.output_notebook == "killed.ipynb"  # what ran before it died is kept


def test_a_task_over_its_timeout_is_stopped(failures) -> None:
    t = _by_name(failures["result"])["slow"]
    assert t.status == "failed"
    assert t.reason.startswith("timed out after 2 s (the task's `timeout`)")
    assert t.duration_s < 30  # stopped, not waited for (the notebook sleeps 60 s)


def test_a_task_past_its_timeout_stops_the_processes_its_notebook_started(tmp_path) -> None:
    """The whole process group goes: a helper program the notebook started must not keep
    running at full CPU after its task timed out."""
    pidfile = tmp_path / "child.pid"
    (tmp_path / "notebooks").mkdir()
    (tmp_path / "notebooks" / "spawn.py").write_text(
        "# %% tags=['parameters']\n"
        "pidfile: str = ''\n"
        "# %%\n"
        "import subprocess, sys, time\n"
        "child = subprocess.Popen([sys.executable, '-c', 'while True: pass'])\n"
        "open(pidfile, 'w').write(str(child.pid))\n"
        "time.sleep(120)\n",
        encoding="utf-8",
    )
    spec = _project(
        tmp_path,
        [
            {
                "name": "spawns",
                "notebook": "notebooks/spawn.py",
                "parameters": {"pidfile": str(pidfile)},
                "timeout": 4,
            }
        ],
    )
    result = run_pipeline(spec, out_dir=tmp_path)
    (task,) = result.tasks
    assert task.status == "failed"
    assert task.reason.startswith("timed out after 4 s")
    pid = int(pidfile.read_text(encoding="utf-8"))
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and _alive(pid):
        time.sleep(0.1)
    assert not _alive(pid), f"the notebook's child process {pid} is still running"


def _alive(pid: int) -> bool:
    """Whether ``pid`` runs (a zombie, dead but not yet reaped, counts as gone)."""
    try:
        with open(f"/proc/{pid}/stat", encoding="utf-8") as fh:
            return fh.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def test_a_transient_failure_is_retried(failures) -> None:
    t = _by_name(failures["result"])["flaky"]
    assert t.status == "ok"
    assert t.attempts == 2
    retries = [e for e in failures["events"] if e.kind == "retry"]
    assert [(e.task, e.attempt) for e in retries] == [("flaky", 2)]
    assert "ConnectionError" in retries[0]["reason"]


def test_needs_order_and_block(failures) -> None:
    tasks = _by_name(failures["result"])
    assert tasks["after_good"].status == "ok"
    blocked = tasks["after_raises"]
    assert blocked.status == "blocked"
    assert blocked.reason == "not run: it needs raises, which did not succeed"
    events = [(e.kind, e.task) for e in failures["events"] if e.kind in ("start", "done")]
    assert events.index(("done", "good")) < events.index(("start", "after_good"))
    assert ("start", "after_raises") not in events


def test_after_runs_once_its_tasks_finished_well_or_not(failures) -> None:
    tasks = _by_name(failures["result"])
    t = tasks["after_all"]
    assert t.status == "ok"  # `raises` failed: with `after` that only delays it
    # it may read this run's output of `good` only: `raises` did not succeed
    assert t.headline["label"] == "good"
    # and it is told which of them did not succeed
    assert tasks["after_all_told"].headline["label"] == "raises"
    events = [(e.kind, e.task) for e in failures["events"] if e.kind in ("start", "done")]
    assert events.index(("done", "raises")) < events.index(("start", "after_all"))
    assert events.index(("done", "good")) < events.index(("start", "after_all"))


def test_a_task_listed_before_a_blocked_need_is_blocked_too(failures) -> None:
    t = _by_name(failures["result"])["before_blocked"]
    assert t.status == "blocked"
    assert t.reason == "not run: it needs after_raises, which did not succeed"


def test_a_task_selected_without_the_one_it_runs_after(tmp_path) -> None:
    """`ebpm run --task b`, where b runs after a: a is not part of this run, so b neither
    waits for it nor reads it from this run (nor is told it failed)."""
    spec = _project(
        tmp_path,
        [
            {"name": "a", "parameters": {"mode": "raise"}},
            {"name": "b", "parameters": {"label_env": NEEDS_ENV}, "after": "a"},
            {"name": "c", "parameters": {"label_env": NOT_OK_ENV}, "after": "a"},
        ],
    )
    result = run_pipeline(spec, out_dir=tmp_path, jobs=1, tasks=["b", "c"])
    tasks = _by_name(result)
    assert set(tasks) == {"b", "c"}
    assert (tasks["b"].status, tasks["b"].headline["label"]) == ("ok", "")
    assert (tasks["c"].status, tasks["c"].headline["label"]) == ("ok", "")


def test_a_chain_listed_backwards_is_blocked_not_left_waiting(tmp_path) -> None:
    """`a` needs `b` needs `c`, listed in that order; `c` fails last of all. `b` is blocked, and
    so is `a`, though it was looked at before `b` was: the run ends."""
    import threading

    spec = _project(
        tmp_path,
        [
            {"name": "a", "needs": "b"},
            {"name": "b", "needs": "c"},
            {"name": "c", "parameters": {"mode": "raise"}},
        ],
    )
    box: dict[str, Any] = {}
    worker = threading.Thread(
        target=lambda: box.update(result=run_pipeline(spec, out_dir=tmp_path, jobs=1)),
        daemon=True,
    )
    worker.start()
    worker.join(180)
    assert not worker.is_alive(), "the run kept waiting for a task that can never start"
    statuses = {t.name: (t.status, t.reason) for t in box["result"].tasks}
    assert statuses["a"] == ("blocked", "not run: it needs b, which did not succeed")
    assert statuses["b"] == ("blocked", "not run: it needs c, which did not succeed")


def test_siblings_of_failures_succeed_and_the_run_says_failed(failures) -> None:
    result = failures["result"]
    assert _by_name(result)["good"].status == "ok"
    assert result.ok is False
    assert {t.name for t in result.failed} == {
        "raises",
        "killed",
        "slow",
        "after_raises",
        "before_blocked",
    }
    m = _manifest(result)
    assert m["status"] == "failed"
    assert [t["status"] for t in m["tasks"]] == [
        "ok",
        "failed",
        "failed",
        "failed",
        "ok",
        "ok",
        "blocked",
        "blocked",
        "ok",
        "ok",
    ]


# --- the lock ---------------------------------------------------------------------------------
def test_a_second_run_of_the_same_pipeline_is_refused(tmp_path) -> None:
    spec = _project(tmp_path, [{"name": "a"}])
    holder = PipelineLock(tmp_path / "runs" / "p", pipeline="p", run_id="20260101T000000Z-abcd")
    with (
        holder,
        pytest.raises(
            LockedError,
            match=r"^pipeline 'p' is already running: run 20260101T000000Z-abcd by .+@.+ "
            rf"\(pid {os.getpid()}\), running since .+; the lock is .+ and is released as soon",
        ),
    ):
        run_pipeline(spec, out_dir=tmp_path)
    assert not any(p.is_dir() for p in (tmp_path / "runs" / "p").iterdir())  # nothing started
    assert not (tmp_path / "runs" / "p" / "lock.json").exists()  # the holder cleaned up


def test_the_lock_is_released_when_its_process_dies(tmp_path) -> None:
    folder = tmp_path / "runs" / "p"
    code = (
        "import sys, time; from pathlib import Path; from ebpm.pipeline.lock import PipelineLock;"
        f"held = PipelineLock(Path({str(folder)!r}), pipeline='p', run_id='x').acquire();"
        "print('held', flush=True); time.sleep(60)"
    )
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline().strip() == "held"
        with pytest.raises(LockedError, match=rf"\(pid {proc.pid}\)"):
            PipelineLock(folder, pipeline="p", run_id="y").acquire()
    finally:
        proc.kill()
        proc.wait()
    lock = PipelineLock(folder, pipeline="p", run_id="y").acquire()  # free again, no cleanup
    lock.release()


# --- cancellation -----------------------------------------------------------------------------
@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_a_signal_cancels_running_tasks_and_publishes_nothing_half_written(
    tmp_path, signum: int
) -> None:
    spec = _project(
        tmp_path,
        [
            {"name": "quick", "parameters": {"value": 1.0}},
            {"name": "long", "parameters": {"seconds": 120}},
            {"name": "later", "parameters": {"seconds": 120}, "needs": "long"},
        ],
    )
    ebpm = Path(sys.executable).with_name("ebpm")
    proc = subprocess.Popen(
        [str(ebpm), "run", str(spec), "--out", str(tmp_path), "-j", "2"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    seen = []
    for line in proc.stdout:
        seen.append(line)
        if "ok     quick" in line:
            break
    time.sleep(1.0)  # long is running
    proc.send_signal(signum)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, (seen, out, err)
    assert "the run was cancelled" in err
    assert f"{signal.Signals(signum).name}: cancelling; stopping 1 running task(s)" in out
    (manifest,) = (tmp_path / "runs" / "p").glob("*/manifest.json")
    m = json.loads(manifest.read_text(encoding="utf-8"))
    assert m["status"] == "cancelled"
    status = {t["name"]: (t["status"], t["reason"]) for t in m["tasks"]}
    assert status["quick"] == ("ok", None)
    assert status["long"] == ("cancelled", "the run was cancelled (Ctrl-C or SIGTERM)")
    assert status["later"][0] == "cancelled"
    site = tmp_path / "site"
    assert (site / "reports" / "p" / "quick.html").is_file()
    assert not (site / "reports" / "p" / "long.html").exists()
    assert not (site / "failures" / "p" / "long.html").exists()
    assert [p for p in tmp_path.rglob("*.tmp")] == []


# --- Dask -------------------------------------------------------------------------------------
def test_dask_local_cluster_gives_the_same_results_and_site(tmp_path) -> None:
    tasks = [
        {"name": "a", "parameters": {"value": 1.5}},
        {"name": "b", "parameters": {"mode": "raise"}},
        {"name": "c", "parameters": {"value": 2.5}, "needs": "a"},
    ]
    local = run_pipeline(_project(tmp_path / "local", tasks), out_dir=tmp_path / "local", jobs=2)
    dask = run_pipeline(
        _project(tmp_path / "dask", tasks), out_dir=tmp_path / "dask", jobs=2, scheduler="local"
    )

    def summary(result: Any) -> list[tuple[Any, ...]]:
        return [
            (
                t.name,
                t.status,
                t.reason,
                (t.headline or {}).get("headline", {}).get("estimate"),
                t.report,
                t.failure_page,
            )
            for t in result.tasks
        ]

    assert summary(dask) == summary(local)
    m = _manifest(dask)
    assert m["executor"] == {"kind": "dask", "address": "local", "jobs": 2}
    for rel in ("reports/p/a.html", "reports/p/c.html", "failures/p/b.html"):
        assert (tmp_path / "dask" / "site" / rel).is_file()
    assert (dask.run_dir / "a.ipynb").is_file()


def test_a_running_dask_scheduler_by_address(tmp_path) -> None:
    from distributed import LocalCluster

    spec = _project(
        tmp_path,
        [{"name": "a", "parameters": {"value": 4.0}}, {"name": "b", "parameters": {"value": 5.0}}],
    )
    with LocalCluster(n_workers=2, threads_per_worker=1, dashboard_address=None) as cluster:
        result = run_pipeline(spec, out_dir=tmp_path, jobs=2, scheduler=cluster.scheduler_address)
        worker_pids = {w.pid for w in cluster.workers.values() if hasattr(w, "pid")}
    assert [t.status for t in result.tasks] == ["ok", "ok"]
    assert [t.headline["headline"]["estimate"] for t in result.tasks] == [4.0, 5.0]
    # the notebooks ran in the cluster's worker processes, not in this one
    ran_in = {int(t.worker.rsplit(":", 1)[1]) for t in result.tasks}
    assert os.getpid() not in ran_in
    if worker_pids:
        assert ran_in <= worker_pids
    assert _manifest(result)["executor"]["address"] == cluster.scheduler_address


def test_a_dask_scheduler_that_dies_mid_run_fails_the_tasks_with_pages(tmp_path) -> None:
    """Losing the scheduler is a failure of the run, not a cancellation: every task that did
    not finish gets a failure page saying what happened and what to do."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    address = f"tcp://127.0.0.1:{port}"
    bindir = Path(sys.executable).parent
    quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
    scheduler = subprocess.Popen(
        [
            bindir / "dask",
            "scheduler",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--no-dashboard",
        ],
        **quiet,
    )
    worker = subprocess.Popen(
        [
            bindir / "dask",
            "worker",
            address,
            "--nthreads",
            "1",
            "--nworkers",
            "2",
            "--no-dashboard",
            "--death-timeout",
            "5",
        ],
        **quiet,
    )
    try:
        spec = _project(
            tmp_path,
            [
                {"name": "a", "parameters": {"seconds": 60}},
                {"name": "b", "parameters": {"seconds": 60}},
                {"name": "c", "parameters": {"seconds": 60}, "needs": "a"},
                # submitted after the client gave up on the scheduler
                {"name": "d", "parameters": {"value": 4.0}, "after": ["b"]},
            ],
        )
        events: list[Event] = []

        def kill_scheduler_once_started(event: Event) -> None:
            events.append(event)
            started = [e for e in events if e.kind == "start"]
            if len(started) == 2 and scheduler.poll() is None:
                time.sleep(3)  # the notebooks are running on the workers
                scheduler.kill()

        t0 = time.monotonic()
        result = run_pipeline(
            spec, out_dir=tmp_path, jobs=2, scheduler=address, progress=kill_scheduler_once_started
        )
        wall = time.monotonic() - t0
    finally:
        scheduler.kill()
        worker.kill()
        scheduler.wait()
        worker.wait()
    tasks = _by_name(result)
    assert wall < 55  # told, not waited out
    assert not result.cancelled
    for name in ("a", "b", "d"):
        t = tasks[name]
        assert t.status == "failed", (name, t.status, t.reason)
        assert t.reason.startswith(f"the Dask scheduler at {address} went away"), t.reason
        page = tmp_path / "site" / t.failure_page
        assert "went away" in page.read_text(encoding="utf-8")
    assert tasks["c"].status == "blocked"
    assert _manifest(result)["status"] == "failed"


def test_an_unreachable_scheduler_is_a_clear_error(tmp_path, monkeypatch) -> None:
    from ebpm.errors import PipelineError

    monkeypatch.setenv("EBPM_DASK_TIMEOUT", "1")
    spec = _project(tmp_path, [{"name": "a"}])
    with pytest.raises(
        PipelineError, match=r"cannot reach the Dask scheduler at 'tcp://127\.0\.0\.1:9'"
    ):
        run_pipeline(spec, out_dir=tmp_path, scheduler="tcp://127.0.0.1:9")
    (manifest,) = (tmp_path / "runs" / "p").glob("*/manifest.json")
    m = json.loads(manifest.read_text(encoding="utf-8"))
    assert m["status"] == "error"
    assert m["error"].startswith("PipelineError: cannot reach the Dask scheduler")


def test_refresh_data_picks_up_a_publishers_revision(tmp_path, http_server) -> None:
    route = http_server.add("/stats.csv", b"x\n10\n20\n", content_type="text/csv")
    (tmp_path / "catalogs").mkdir()
    (tmp_path / "catalogs" / "t.yaml").write_text(
        "entries:\n"
        "  stats:\n"
        "    reader: ebpm.catalog.files:RemoteTable\n"
        f"    kwargs: {{url: '{http_server.url}/stats.csv'}}\n"
        "    metadata: {title: A table the publisher revises, source: test, licence: CC BY 4.0}\n",
        encoding="utf-8",
    )
    spec = _project(tmp_path, [{"name": "t", "parameters": {"dataset": "t.stats"}}])
    first = run_pipeline(spec, out_dir=tmp_path, jobs=1)
    assert first.tasks[0].status == "ok", first.tasks[0].reason
    assert first.tasks[0].headline["headline"]["estimate"] == 15.0
    # nothing revised: the refresh asks the publisher again and the task stays unchanged
    events: list[Event] = []
    second = run_pipeline(spec, out_dir=tmp_path, jobs=1, refresh_data=True, progress=events.append)
    assert second.tasks[0].status == "unchanged"
    (refresh,) = [e for e in events if isinstance(e, DataRefreshed)]
    assert refresh.entry == "t.stats"
    assert refresh.ok is True
    assert refresh.revised is False
    assert http_server.count("/stats.csv") == 2
    # the publisher revises the table
    route.replies.append(Reply(b"x\n10\n40\n", 200, {"Content-Type": "text/csv"}))
    without = run_pipeline(spec, out_dir=tmp_path, jobs=1)
    assert without.tasks[0].status == "unchanged"  # no refresh: the cache still holds the old
    events.clear()
    third = run_pipeline(spec, out_dir=tmp_path, jobs=1, refresh_data=True, progress=events.append)
    (refresh,) = [e for e in events if isinstance(e, DataRefreshed)]
    assert refresh.revised is True
    (t,) = third.tasks
    assert t.status == "ok"
    assert t.headline["headline"]["estimate"] == 25.0
    assert t.revision["old"]["estimate"] == 15.0
    (change,) = t.revision["changed_inputs"]
    assert change["input"] == "data"
    assert change["what"] == "t.stats"
    assert change["old_sha256"] == refresh.old_sha256
    assert change["new_sha256"] == refresh.new_sha256


def test_refresh_data_when_the_publisher_is_down_keeps_the_cache(tmp_path, http_server) -> None:
    route = http_server.add("/s.csv", b"x\n1\n", content_type="text/csv")
    (tmp_path / "catalogs").mkdir()
    (tmp_path / "catalogs" / "t.yaml").write_text(
        "entries:\n  s:\n    reader: ebpm.catalog.files:RemoteTable\n"
        f"    kwargs: {{url: '{http_server.url}/s.csv'}}\n",
        encoding="utf-8",
    )
    spec = _project(tmp_path, [{"name": "t", "parameters": {"dataset": "t.s"}}])
    assert run_pipeline(spec, out_dir=tmp_path, jobs=1).tasks[0].status == "ok"
    route.replies.append(Reply(b"down for maintenance", 503))
    events: list[Event] = []
    again = run_pipeline(spec, out_dir=tmp_path, jobs=1, refresh_data=True, progress=events.append)
    (refresh,) = [e for e in events if isinstance(e, DataRefreshed)]
    assert refresh.ok is False
    assert "503" in refresh.reason
    assert again.tasks[0].status == "unchanged"


# --- security: secrets and markup from parameters ---------------------------------------------
def test_no_secret_and_no_raw_markup_reaches_the_site_or_the_runs(tmp_path, monkeypatch) -> None:
    secret = "SUPERSECRET-4f9a2c"
    monkeypatch.setenv("EBPM_ESTAT_APP_ID", secret)
    monkeypatch.setenv("MY_SERVICE_TOKEN", secret)
    evil = "<script>alert('x')</script>"
    spec = _project(
        tmp_path,
        [
            {"name": "ok", "parameters": {"label": evil, "value": 2.0}},
            {"name": "bad", "parameters": {"label": evil, "mode": "raise"}},
        ],
        extra=f"description: {json.dumps(evil)}",
    )
    result = run_pipeline(spec, out_dir=tmp_path, jobs=2)
    assert [t.status for t in result.tasks] == ["ok", "failed"]
    pages = [p for p in (tmp_path / "site").rglob("*.html")]
    assert len(pages) == 5  # index, report, failure page, two history pages
    for path in [p for p in tmp_path.rglob("*") if p.is_file() and "fake-cron" not in p.parts]:
        data = path.read_bytes()
        assert secret.encode() not in data, path
    for page in pages:
        text = page.read_text(encoding="utf-8")
        assert evil not in text, page
        assert "<script>alert" not in text, page


# --- publishing from recorded runs ------------------------------------------------------------
def test_publish_rebuilds_a_deleted_site_from_the_runs(tmp_path) -> None:
    import shutil

    from ebpm.pipeline.runner import publish_runs

    spec = _project(
        tmp_path,
        [
            {"name": "good", "parameters": {"value": 3.0}},
            {"name": "bad", "parameters": {"mode": "raise"}},
        ],
    )
    first = run_pipeline(spec, out_dir=tmp_path, jobs=2)
    second = run_pipeline(spec, out_dir=tmp_path, jobs=2)  # good: unchanged; bad: fails again
    assert [t.status for t in second.tasks] == ["unchanged", "failed"]
    before = json.loads((tmp_path / "site" / "evidence.json").read_text(encoding="utf-8"))
    shutil.rmtree(tmp_path / "site")
    index = publish_runs(tmp_path)
    assert index == tmp_path.resolve() / "site" / "index.html"
    site = tmp_path / "site"
    report = (site / "reports" / "p" / "good.html").read_text(encoding="utf-8")
    # the unchanged task is published from the run that made its report
    assert f"<code>{first.run_id}</code> of pipeline <code>p</code>" in report
    assert (site / "reports" / "p" / "good.result.json").is_file()
    failure = (site / "failures" / "p" / "bad.html").read_text(encoding="utf-8")
    assert "probe failed on purpose" in failure
    after = json.loads((site / "evidence.json").read_text(encoding="utf-8"))
    keep = ("task", "estimate", "status", "report", "diagnostics_status")
    assert [{k: r[k] for k in keep} for r in after["evaluations"]] == [
        {k: r[k] for k in keep} for r in before["evaluations"]
    ]


def test_publish_one_run_by_id_into_another_folder(tmp_path) -> None:
    from ebpm.pipeline.runner import publish_runs

    spec = _project(tmp_path, [{"name": "good", "parameters": {"value": 1.0}}])
    first = run_pipeline(spec, out_dir=tmp_path, jobs=1)
    run_pipeline(spec, out_dir=tmp_path, jobs=1, parameters={"value": 2.0})
    index = publish_runs(tmp_path, [first.run_id[:-1]], site=tmp_path / "www")
    rows = json.loads((tmp_path / "www" / "evidence.json").read_text(encoding="utf-8"))
    assert [r["estimate"] for r in rows["evaluations"]] == [1.0]
    assert index.read_text(encoding="utf-8").count('<tr class="evaluation">') == 1


def test_publish_without_runs_says_what_to_do(tmp_path) -> None:
    from ebpm.errors import PipelineError
    from ebpm.pipeline.runner import publish_runs

    with pytest.raises(PipelineError, match=r"^no recorded runs under .*; run a pipeline first"):
        publish_runs(tmp_path)


def test_publish_command(tmp_path) -> None:
    from click.testing import CliRunner

    from ebpm.cli import main

    spec = _project(tmp_path, [{"name": "good", "parameters": {"value": 1.0}}])
    run_pipeline(spec, out_dir=tmp_path, jobs=1)
    result = CliRunner().invoke(
        main, ["publish", "--out", str(tmp_path), "--site", str(tmp_path / "www")]
    )
    assert result.exit_code == 0, result.output
    index = (tmp_path / "www" / "index.html").resolve()
    assert f"or browse: {index.as_uri()}" in result.output
    assert (tmp_path / "www" / "reports" / "p" / "good.html").is_file()
    missing = CliRunner().invoke(main, ["publish", "nosuchrun", "--out", str(tmp_path)])
    assert missing.exit_code == 1
    assert "no run 'nosuchrun' under" in missing.output


def test_the_site_in_japanese(tmp_path) -> None:
    from ebpm.errors import InvalidOptionError
    from ebpm.pipeline.runner import publish_runs

    spec = _project(tmp_path, [{"name": "good", "parameters": {"value": 1.0}}])
    run_pipeline(spec, out_dir=tmp_path, jobs=1, lang="ja")
    index = (tmp_path / "site" / "index.html").read_text(encoding="utf-8")
    assert '<html lang="ja">' in index
    assert "<h1>政策評価の一覧</h1>" in index
    assert "<th data-sort>主な推定値（標準誤差）</th>" in index
    report = (tmp_path / "site" / "reports" / "p" / "good.html").read_text(encoding="utf-8")
    assert '<html lang="ja">' in report
    assert ">コードを表示</button>" in report
    assert "<h2>このレポートについて</h2>" in report
    # later runs keep the language; publish can switch it
    run_pipeline(spec, out_dir=tmp_path, jobs=1, force=True)
    assert "政策評価の一覧" in (tmp_path / "site" / "index.html").read_text(encoding="utf-8")
    publish_runs(tmp_path, lang="en")
    index = (tmp_path / "site" / "index.html").read_text(encoding="utf-8")
    assert "<h1>Policy evaluations</h1>" in index
    with pytest.raises(
        InvalidOptionError, match=r"lang='jp' is not supported\..* Choose one of: 'en', 'ja'"
    ):
        run_pipeline(spec, out_dir=tmp_path, lang="jp")


# --- disclosure control -----------------------------------------------------------------------
def test_a_sensitive_table_is_published_only_after_disclosure_control(tmp_path) -> None:
    spec = _project(
        tmp_path,
        [
            {"name": "raw", "parameters": {"table": "raw"}},
            {"name": "safe", "parameters": {"table": "safe"}},
        ],
    )
    result = run_pipeline(spec, out_dir=tmp_path, jobs=2)
    raw, safe = result.tasks
    assert raw.status == "failed"
    assert raw.reason.startswith(
        "table(s) '患者数' are marked sensitive and did not pass disclosure control; nothing "
        "was published."
    )
    site = tmp_path / "site"
    assert not (site / "reports" / "p" / "raw.html").exists()
    assert not (site / "reports" / "p" / "raw.ipynb").exists()  # no download either
    assert "did not pass disclosure control" in (site / "failures" / "p" / "raw.html").read_text(
        encoding="utf-8"
    )
    assert safe.status == "ok"
    page = (site / "reports" / "p" / "safe.html").read_text(encoding="utf-8")
    assert "札幌市" in page
    # the small cells (2 and 1 people) are hidden, and the page does not show their values
    text = re.sub(r"<[^>]+>", " ", page)
    assert re.search(r"函館市\s+x\s", text)
    assert re.search(r"旭川市\s+30\s+x\s", text) or re.search(r"旭川市\s+x\s", text)


RELEASE = """# %% tags=["parameters"]
anonymized: bool = False

# %%
import pandas as pd  # noqa: E402

from ebpm import privacy, report  # noqa: E402

# simulated records: one person alone in their age and sex
people = pd.DataFrame({"age": [20, 20, 20, 40, 40, 40, 30], "sex": list("mmmfffm")})
data = privacy.anonymize(people, keys=["age", "sex"], k=3) if anonymized else people
report.microdata(data, name="調査票", keys=["age", "sex"], k=3)
"""


def test_a_microdata_release_is_published_only_after_anonymize(tmp_path) -> None:
    (tmp_path / "notebooks").mkdir()
    (tmp_path / "notebooks" / "release.py").write_text(RELEASE, encoding="utf-8")
    spec = _project(
        tmp_path,
        [
            {"name": "raw", "notebook": "notebooks/release.py", "parameters": {}},
            {
                "name": "safe",
                "notebook": "notebooks/release.py",
                "parameters": {"anonymized": True},
            },
        ],
    )
    result = run_pipeline(spec, out_dir=tmp_path, jobs=1)
    raw, safe = result.tasks
    assert raw.status == "failed"
    assert raw.reason.startswith(
        "microdata release '調査票' was not processed by ebpm.privacy.anonymize to "
        "3-anonymity on its keys (age, sex); nothing was published."
    )
    site = tmp_path / "site"
    assert not (site / "reports" / "p" / "raw.html").exists()
    assert not (site / "reports" / "p" / "raw.ipynb").exists()
    assert "was not processed by ebpm.privacy.anonymize" in (
        site / "failures" / "p" / "raw.html"
    ).read_text(encoding="utf-8")
    assert safe.status == "ok"
    page = (site / "reports" / "p" / "safe.html").read_text(encoding="utf-8")
    assert "Microdata release: 調査票" in page
    assert re.search(r"records matching fewer than 3 records</th>\s*<td>0 \(0\.0%\)", page)
    # the released records beside the report: the file the gate checked, its SHA-256 on the page
    csv = site / "reports" / "p" / "safe.microdata.csv"
    digest = hashlib.sha256(csv.read_bytes()).hexdigest()
    assert f"<td>{digest}</td>" in page
    assert 'href="safe.microdata.csv"' in page
    assert "released microdata: 調査票 (CSV)" in page
    released = pd.read_csv(csv, encoding="utf-8-sig")
    assert len(released) == 7
    assert int(released[["age", "sex"]].isna().sum().sum()) == 1  # the one record alone
    assert not (site / "reports" / "p" / "raw.microdata.csv").exists()


def test_rerun_of_a_run_whose_spec_is_gone_says_how_to_restore_it(tmp_path) -> None:
    from ebpm.errors import PipelineError
    from ebpm.pipeline.runner import rerun_plan

    spec = _project(tmp_path, [{"name": "good", "parameters": {"value": 1.0}}])
    first = run_pipeline(spec, out_dir=tmp_path, jobs=1)
    plan = rerun_plan(tmp_path, first.run_id[:-1])
    assert plan.run_id == first.run_id
    assert plan.tasks == ["good"]
    assert plan.task_parameters == {"good": {"value": 1.0}}
    spec.unlink()
    with pytest.raises(
        PipelineError,
        match=rf"^run {first.run_id} used the spec .*p\.yaml, which no longer exists; restore it "
        r"\(git checkout\) to rerun$",
    ):
        rerun_plan(tmp_path, first.run_id)


def test_a_task_reruns_when_a_task_it_needs_reruns(tmp_path) -> None:
    """b reads what a makes (a KPI dashboard reads an evaluation's estimate): when a runs
    again, b does too, even though nothing of b's own changed; c, unrelated, stays."""
    tasks = [
        {"name": "a", "parameters": {"value": 1.0}},
        {"name": "b", "parameters": {"value": 2.0}, "needs": ["a"]},
        {"name": "c", "parameters": {"value": 3.0}},
    ]
    spec = _project(tmp_path, tasks)
    assert run_pipeline(spec, out_dir=tmp_path, jobs=1).ok
    tasks[0]["parameters"]["value"] = 1.5
    spec = _project(tmp_path, tasks)
    events: list[Event] = []
    again = run_pipeline(spec, out_dir=tmp_path, jobs=1, progress=events.append)
    assert {t.name: t.status for t in again.tasks} == {"a": "ok", "b": "ok", "c": "unchanged"}
    (plan,) = [e for e in events if isinstance(e, Planned)]
    assert plan.reasons["a"] == "parameters changed"
    assert plan.reasons["b"] == "a, which it needs, runs again"
    assert _by_name(again)["b"].unchanged_since is None


def test_a_dashboard_reruns_when_the_estimate_it_showed_is_no_longer_the_latest(tmp_path) -> None:
    """The evaluation ran on its own (`ebpm run -t`) after the dashboard showed its estimate:
    the next run must not skip the dashboard as unchanged."""
    from types import SimpleNamespace

    from ebpm.pipeline.fingerprint import Hasher
    from ebpm.pipeline.plan import _unchanged

    def manifest(run_id: str, tasks: list[dict[str, Any]]) -> None:
        folder = tmp_path / "runs" / "demo" / run_id
        folder.mkdir(parents=True)
        (folder / "manifest.json").write_text(
            json.dumps({"pipeline": "demo", "run_id": run_id, "tasks": tasks}), encoding="utf-8"
        )

    (tmp_path / "site" / "reports").mkdir(parents=True)
    (tmp_path / "site" / "reports" / "kpi.html").write_text("report", encoding="utf-8")
    fingerprint = {"notebook": "n", "parameters": "p", "environment": "e"}
    evidence = {"entry": "evidence demo/sc", "kind": "evidence", "pipeline": "demo", "task": "sc"}
    record = {
        "fingerprint": fingerprint,
        "report": "reports/kpi.html",
        "datasets": [{**evidence, "run_id": "R1"}],
    }
    plan = SimpleNamespace(previous=("R1", record), fingerprint=fingerprint)
    hasher = Hasher(tmp_path / "memo.json")
    manifest("R1", [{"name": "sc", "status": "ok"}])
    manifest("R2", [{"name": "sc", "status": "unchanged", "unchanged_since": "R1"}])
    assert _unchanged(plan, hasher, tmp_path / "site", tmp_path) == (True, "unchanged")
    manifest("R3", [{"name": "sc", "status": "ok"}])  # a new estimate, made by run R3
    assert _unchanged(plan, hasher, tmp_path / "site", tmp_path) == (
        False,
        "the estimate of demo/sc changed",
    )
