"""Tests of the pipeline commands of the ``ebpm`` command line (issue 6, scheduled reruns).

``ebpm run`` (with ``--due``), ``ebpm runs list|show``, ``ebpm rerun`` and ``ebpm check`` on the
small project of tests/cli/conftest.py (``ebpm schedule`` is in test_schedule.py).

Kernels are real, so the runs are module- or session-scoped fixtures that several tests read. No
test touches the real crontab: the autouse ``fake_crontab`` fixture points ``EBPM_CRONTAB`` at a
shell script that keeps the "crontab" in a file under ``tmp_path``.
"""

from __future__ import annotations

import os
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ebpm._version import __version__
from ebpm.pipeline import history
from ebpm.pipeline.runner import declared_parameters
from tests.cli.conftest import (
    EBPM_EXE,
    PROBE,
    SPEC,
    invoke,
    make_project,
    manifest,
    planned_id,
)
from tests.conftest import FakeCrontab, Reply


def run_ids(out: Path, pipeline: str = "p") -> list[str]:
    return [r.run_id for r in history.list_runs(out, pipeline=pipeline)]


def task_names(m: dict[str, Any]) -> list[str]:
    return [t["name"] for t in m["tasks"]]


# --- a fake crontab ---------------------------------------------------------------------------
@pytest.fixture(autouse=True)
def _fake_crontab(fake_crontab: FakeCrontab, monkeypatch: pytest.MonkeyPatch) -> FakeCrontab:
    """Every test here uses the fake `crontab` (conftest), never the user's real one."""
    monkeypatch.delenv("EBPM_DEBUG", raising=False)
    return fake_crontab


@pytest.fixture(autouse=True, scope="module")
def _no_stray_crontab_env() -> Iterator[None]:
    """Module fixtures run before the function-scoped fake: make sure none reads a crontab."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("EBPM_CRONTAB", "/nonexistent/ebpm-test-crontab")
        yield


# --- module-scoped runs (history_runs is in tests/cli/conftest.py) ----------------------------
@pytest.fixture(scope="module")
def failed_run(project: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Task b with `-p mode raise` (one kernel), into its own --out folder."""
    out = tmp_path_factory.mktemp("cli_failed").resolve()
    with pytest.MonkeyPatch.context() as mp:
        mp.delenv("EBPM_DEBUG", raising=False)
        result = invoke(
            "run", project / "pipelines" / "p.yaml", "--out", out, "-t", "b", "-p", "mode", "raise"
        )
    return {"out": out, "result": result, "run_id": planned_id(result)}


# --- ebpm run ---------------------------------------------------------------------------------
@pytest.mark.slow
def test_first_run_runs_every_task(history_runs: dict[str, Any]) -> None:
    step = history_runs["first"]
    r = step.result
    assert r.exit_code == 0, r.output
    assert r.stderr == ""
    assert f"run {step.run_id}: 2 task(s); 2 to run 2 at a time\n" in r.stdout
    assert re.search(r"^  ok     a \(\d+\.\d s\)  mean 1\.000 \[0\.8000, 1\.200\]$", r.stdout, re.M)
    assert re.search(r"^  ok     b \(\d+\.\d s\)  mean 2\.000 \[1\.800, 2\.200\]$", r.stdout, re.M)
    assert f"run {step.run_id}: 2 ran ok, 0 unchanged, 0 not ok, " in r.stdout
    assert "REVISED" not in r.stdout
    m = step.manifest
    assert m["status"] == "ok"
    assert m["schedule"] == "0 6 * * 1"
    assert m["rerun_of"] is None
    assert m["executor"]["jobs"] == 2
    assert {t["name"]: t["status"] for t in m["tasks"]} == {"a": "ok", "b": "ok"}
    assert {t["name"]: t["headline"]["headline"]["estimate"] for t in m["tasks"]} == {
        "a": 1.0,
        "b": 2.0,
    }
    out = history_runs["out"]
    assert f"manifest:    {out / 'runs' / 'p' / step.run_id / 'manifest.json'}" in r.stdout
    assert f"or browse: {(out / 'site' / 'index.html').as_uri()}" in r.stdout
    assert (out / "site" / "reports" / "p" / "a.html").is_file()


@pytest.mark.slow
def test_an_identical_run_says_the_tasks_are_unchanged(history_runs: dict[str, Any]) -> None:
    step = history_runs["second"]
    r = step.result
    assert r.exit_code == 0, r.output
    # ebpm's own source is part of the environment fingerprint: an edit to src/ebpm between the
    # two runs (someone else working in the tree) reruns the tasks, rightly
    envs = [history_runs[n].manifest["environment"] for n in ("first", "second")]
    assert envs[0] == envs[1], "src/ebpm changed between the runs; run the tests again"
    assert (
        f"run {step.run_id}: 2 task(s); 0 to run 2 at a time, 2 unchanged (--force reruns them)"
        in r.stdout
    )
    assert "  unchanged: a, b\n" in r.stdout
    assert f"run {step.run_id}: 0 ran ok, 2 unchanged, 0 not ok, " in r.stdout
    assert "start" not in r.stdout
    assert " ok     " not in r.stdout
    first = history_runs["first"].run_id
    assert [(t["status"], t["unchanged_since"]) for t in step.manifest["tasks"]] == [
        ("unchanged", first),
        ("unchanged", first),
    ]
    assert step.manifest["status"] == "ok"


@pytest.mark.slow
def test_force_reruns_unchanged_tasks(history_runs: dict[str, Any]) -> None:
    step = history_runs["forced"]
    r = step.result
    assert r.exit_code == 0, r.output
    assert "unchanged:" not in r.stdout
    assert re.search(r"^  ok     a \(", r.stdout, re.M)
    assert re.search(r"^  ok     b \(", r.stdout, re.M)
    assert f"run {step.run_id}: 2 ran ok, 0 unchanged, 0 not ok, " in r.stdout
    assert step.manifest["force"] is True
    assert [t["status"] for t in step.manifest["tasks"]] == ["ok", "ok"]
    # same estimates as before: no revision alert
    assert "REVISED" not in r.stdout
    assert step.manifest["revisions"] == []


@pytest.mark.slow
def test_task_and_param_run_only_a_and_report_the_revision(history_runs: dict[str, Any]) -> None:
    step = history_runs["only_a"]
    r = step.result
    assert r.exit_code == 0, r.output
    forced = history_runs["forced"].run_id
    assert f"run {step.run_id}: 1 task(s); 1 to run " in r.stdout
    assert f"REVISED: was 1.000 in run {forced}, now 5.000" in r.stdout
    assert re.search(
        r"^  ok     a \(\d+\.\d s\)  mean 5\.000 \[4\.800, 5\.200\]  REVISED", r.stdout, re.M
    )
    assert re.search(r"^  start  a$", r.stdout, re.M)
    assert not re.search(r"^  \S+ +b\b", r.stdout, re.M)
    assert f"run {step.run_id}: 1 ran ok, 0 unchanged, 0 not ok, " in r.stdout
    assert "revised estimates: a (old and new values are in the manifest" in r.stdout
    m = step.manifest
    assert task_names(m) == ["a"]
    assert m["parameter_overrides"] == {"value": 5}
    (a,) = m["tasks"]
    assert a["parameters"] == {"value": 5.0, "label": "a"}
    assert a["revision"]["previous_run"] == forced
    assert a["revision"]["old"]["estimate"] == 1.0
    assert a["revision"]["new"]["estimate"] == 5.0
    assert [c["what"] for c in a["revision"]["changed_inputs"]] == ["value"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--task", "aa"], "error: task 'aa' is not in p.yaml. Did you mean 'a'? Its tasks: a, b."),
        (["--task", "zz"], "error: task 'zz' is not in p.yaml. Its tasks: a, b."),
        (
            ["-p", "vlue", "1"],
            "error: parameter 'vlue' given with -p is not declared by any notebook of p.yaml. "
            # every parameter probe.py declares, sorted
            "Did you mean 'value'? Parameters there: "
            + ", ".join(sorted(declared_parameters(PROBE)))
            + ".",
        ),
    ],
)
def test_unknown_task_or_parameter_exits_1_before_any_kernel(
    project: Path, tmp_path: Path, args: list[str], message: str
) -> None:
    out = tmp_path / "out"
    result = invoke("run", project / "pipelines" / "p.yaml", "--out", out, *args)
    assert result.exit_code == 1
    assert result.stderr == message + "\n"
    assert not (out / "runs").exists()


@pytest.mark.slow
def test_a_failing_task_exits_1_and_says_it_did_not_succeed(failed_run: dict[str, Any]) -> None:
    r = failed_run["result"]
    run_id = failed_run["run_id"]
    assert r.exit_code == 1
    assert re.search(
        r"^  FAILED b \(\d+\.\d s\): cell In \[\d+\] raised ValueError: probe failed on purpose "
        r"\(mode=raise\)$",
        r.stdout,
        re.M,
    )
    assert f"run {run_id}: 0 ran ok, 0 unchanged, 1 not ok, " in r.stdout
    site = failed_run["out"] / "site"
    assert r.stderr == (
        f"error: 1 task(s) did not succeed: b; see the failure pages in {site / 'failures'} "
        "(the last good reports are kept)\n"
    )
    m = manifest(failed_run["out"], run_id)
    assert m["status"] == "failed"
    assert [(t["name"], t["status"]) for t in m["tasks"]] == [("b", "failed")]
    assert m["tasks"][0]["parameters"] == {"value": 2.0, "label": "b", "mode": "raise"}


def test_run_without_a_spec_or_due_is_a_usage_error(tmp_path: Path) -> None:
    result = invoke("run", "--out", tmp_path / "out")
    assert result.exit_code == 2
    assert "Usage: ebpm run [OPTIONS] [PIPELINES]..." in result.stderr
    assert (
        "Error: give a pipeline spec, e.g. `ebpm run pipelines/demo.yaml` (or `--due` to run "
        "every pipeline whose schedule fired)"
    ) in result.stderr
    assert result.stdout == ""
    assert not (tmp_path / "out").exists()


# --- ebpm runs --------------------------------------------------------------------------------
@pytest.mark.slow
def test_runs_list_shows_every_run_oldest_first(history_runs: dict[str, Any]) -> None:
    result = invoke("runs", "list", "--out", history_runs["out"])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    expected = [
        (history_runs["first"].run_id, "ok", "2 ok"),
        (history_runs["second"].run_id, "ok", "2 unchanged"),
        (history_runs["forced"].run_id, "ok", "2 ok"),
        (history_runs["only_a"].run_id, "ok", "1 ok"),
        (history_runs["rerun"].run_id, "ok", "1 ok"),
    ]
    assert len(lines) == len(expected)
    for line, (run_id, status, counts) in zip(lines, expected, strict=True):
        fields = line.split()
        assert fields[:3] == [run_id, "p", status]
        assert line.endswith(f" s  {counts}")
    # --limit keeps the newest
    result = invoke("runs", "list", "p", "-n", "2", "--out", history_runs["out"])
    assert [line.split()[0] for line in result.stdout.splitlines()] == [
        history_runs["only_a"].run_id,
        history_runs["rerun"].run_id,
    ]


@pytest.mark.slow
def test_runs_list_shows_a_failed_run(failed_run: dict[str, Any]) -> None:
    result = invoke("runs", "list", "--out", failed_run["out"])
    assert result.exit_code == 0, result.output
    (line,) = result.stdout.splitlines()
    assert line.split()[:3] == [failed_run["run_id"], "p", "failed"]
    assert line.endswith(" s  1 failed")


def test_runs_list_without_runs(tmp_path: Path) -> None:
    result = invoke("runs", "list", "--out", tmp_path)
    assert result.exit_code == 0
    assert result.stdout == f"no runs recorded under {tmp_path / 'runs'}\n"


@pytest.mark.slow
def test_runs_show_by_unique_prefix(history_runs: dict[str, Any]) -> None:
    step = history_runs["only_a"]
    out = history_runs["out"]
    result = invoke("runs", "show", step.run_id[:-2], "--out", out)
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == f"run {step.run_id} of p (pipelines/p.yaml): ok"
    assert lines[1].endswith("executor local")
    assert "  ok        a estimate 5.000 [4.800, 5.200]" in lines
    forced = history_runs["forced"].run_id
    assert f"            revised: 1.000 in run {forced} → 5.000; changed: value" in lines
    assert lines[-1] == f"  manifest: {out / 'runs' / 'p' / step.run_id / 'manifest.json'}"


@pytest.mark.slow
def test_runs_show_unchanged_tasks_and_reruns(history_runs: dict[str, Any]) -> None:
    out = history_runs["out"]
    first = history_runs["first"].run_id
    result = invoke("runs", "show", history_runs["second"].run_id, "--out", out)
    assert result.exit_code == 0, result.output
    assert f"  unchanged a estimate 1.000 [0.8000, 1.200] (unchanged since {first})" in (
        result.stdout.splitlines()
    )
    rerun = history_runs["rerun"]
    result = invoke("runs", "show", rerun.run_id, "--out", out)
    assert result.exit_code == 0, result.output
    assert f"  a rerun of {rerun.manifest['rerun_of']}" in result.stdout.splitlines()


@pytest.mark.slow
def test_runs_show_ambiguous_or_unknown_id_exits_1(history_runs: dict[str, Any]) -> None:
    out = history_runs["out"]
    ids = run_ids(out)
    result = invoke("runs", "show", "20", "--out", out)
    assert result.exit_code == 1
    assert result.stderr == (
        f"error: run id '20' matches 5 runs ({', '.join(ids)}); give more of the id\n"
    )
    result = invoke("runs", "show", "nope", "--out", out)
    assert result.exit_code == 1
    assert result.stderr == (
        f"error: no run 'nope' under {out / 'runs'}. Recent runs: {', '.join(ids)} "
        "(`ebpm runs list`).\n"
    )
    near = ids[0][:-1] + "x"  # a typo in the last character
    result = invoke("runs", "show", near, "--out", out)
    assert result.exit_code == 1
    (line,) = result.stderr.splitlines()
    assert line.startswith(f"error: no run '{near}' under {out / 'runs'}. Did you mean ")
    assert repr(ids[0]) in line.split("Recent runs:")[0]


def test_runs_show_with_no_runs_says_to_check_out(tmp_path: Path) -> None:
    result = invoke("runs", "show", "2026", "--out", tmp_path)
    assert result.exit_code == 1
    assert result.stderr == (
        f"error: no run '2026' under {tmp_path / 'runs'}. No runs are recorded there yet; "
        "is --out right?\n"
    )


# --- ebpm rerun -------------------------------------------------------------------------------
@pytest.mark.slow
def test_rerun_repeats_the_run_with_its_parameters(history_runs: dict[str, Any]) -> None:
    step = history_runs["rerun"]
    original = history_runs["only_a"]
    r = step.result
    assert r.exit_code == 0, r.output
    # the spec the run recorded, as an absolute path
    assert r.stdout.startswith(f"ebpm {__version__}: running {history_runs['spec']}\n")
    # forced: the task is not "unchanged" although nothing changed since the original
    assert "unchanged:" not in r.stdout
    assert f"run {step.run_id}: 1 ran ok, 0 unchanged, 0 not ok, " in r.stdout
    m = step.manifest
    assert m["force"] is True
    assert original.run_id.startswith(m["rerun_of"])
    assert task_names(m) == task_names(original.manifest) == ["a"]
    assert [t["parameters"] for t in m["tasks"]] == [
        t["parameters"] for t in original.manifest["tasks"]
    ]
    assert m["parameter_overrides"] == original.manifest["parameter_overrides"] == {"value": 5}
    assert m["tasks"][0]["headline"]["headline"]["estimate"] == 5.0
    assert m["tasks"][0]["revision"] is None


@pytest.mark.slow
def test_rerun_by_prefix_records_the_full_run_id(history_runs: dict[str, Any]) -> None:
    assert history_runs["rerun"].manifest["rerun_of"] == history_runs["only_a"].run_id


def test_rerun_of_an_unknown_run_exits_1(tmp_path: Path) -> None:
    result = invoke("rerun", "20990101", "--out", tmp_path)
    assert result.exit_code == 1
    assert result.stderr.startswith("error: no run '20990101' under ")
    assert not (tmp_path / "site").exists()


@pytest.mark.slow
def test_rerun_on_changed_data_needs_allow_changed_data(tmp_path: Path, http_server: Any) -> None:
    from ebpm.catalog.cache import cached_sha256
    from ebpm.catalog.files import load_remote_table

    route = http_server.add("/table.csv", b"x\n1\n2\n3\n", content_type="text/csv")
    url = http_server.url + "/table.csv"
    spec = make_project(
        tmp_path / "proj",
        f"name: d\ntasks:\n  - name: t\n    notebook: notebooks/probe.py\n"
        f"    parameters: {{url: '{url}'}}\n",
        name="d",
    )
    out = tmp_path / "out"
    first = invoke("run", spec, "--out", out, "-j", "1")
    assert first.exit_code == 0, first.output
    first_id = planned_id(first)
    (d_old,) = manifest(out, first_id)["datasets"]
    assert d_old["entry"] == "probe.table"
    # the publisher revises the table and a refresh brings it into the cache
    route.replies.append(Reply(b"x\n1\n2\n6\n", 200, {"Content-Type": "text/csv"}))
    assert cached_sha256(url) == d_old["sha256"]
    load_remote_table(url, what="probe table", refresh=True)
    new_sha = cached_sha256(url)
    assert new_sha is not None
    assert new_sha != d_old["sha256"]

    refused = invoke("rerun", first_id, "--out", out)
    assert refused.exit_code == 1
    assert refused.stderr == (
        f"error: run {first_id} cannot be repeated on the same data: probe.table: sha256 "
        f"{d_old['sha256'][:12]} then, {new_sha[:12]} now. The old bytes are not kept (a "
        "refreshed download or a new package version). Rerun on today's data with "
        "--allow-changed-data.\n"
    )
    assert run_ids(out, "d") == [first_id]

    allowed = invoke("rerun", first_id, "--out", out, "--allow-changed-data")
    assert allowed.exit_code == 0, allowed.output
    rerun_id = planned_id(allowed)
    assert f"REVISED: was 2.000 in run {first_id}, now 3.000" in allowed.stdout
    m = manifest(out, rerun_id)
    assert m["rerun_of"] == first_id
    assert m["tasks"][0]["parameters"] == {"url": url}
    assert [d["sha256"] for d in m["datasets"]] == [new_sha]


# --- ebpm check -------------------------------------------------------------------------------
def test_check_a_good_project(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(project)
    result = invoke("check")
    assert result.exit_code == 0, result.output
    assert result.stdout == "ok: no problems found\n"
    result = invoke("check", "pipelines/p.yaml")
    assert result.exit_code == 0, result.output
    assert result.stdout == "ok: no problems found\n"


def test_check_a_spec_with_a_typo_names_file_and_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    typo = SPEC.replace(
        "    parameters: {value: 2.0, label: b}",
        "    timout: 3\n    parameters: {value: 2.0, label: b}",
    )
    assert typo.splitlines()[9] == "    timout: 3"  # line 10
    make_project(tmp_path, typo)
    monkeypatch.chdir(tmp_path)
    result = invoke("check")
    assert result.exit_code == 1
    assert result.stdout.startswith(
        "error: pipelines/p.yaml, line 10: task 'b': unknown key 'timout'. "
        "Did you mean 'timeout'? Allowed keys: "
    )
    assert len(result.stdout.splitlines()) == 1
    assert result.stderr == "error: 1 error(s) found; nothing was run\n"
    # `run` refuses the same spec before any kernel starts
    result = invoke("run", "pipelines/p.yaml", "--out", tmp_path / "out")
    assert result.exit_code == 1
    assert "unknown key 'timout'. Did you mean 'timeout'?" in result.stderr
    assert not (tmp_path / "out" / "runs").exists()


def test_check_a_parameter_typo_in_a_task(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    make_project(tmp_path, SPEC.replace("{value: 2.0, label: b}", "{vlaue: 2.0, label: b}"))
    monkeypatch.chdir(tmp_path)
    result = invoke("check")
    assert result.exit_code == 1
    (line,) = result.stdout.splitlines()
    assert line.startswith("error: pipelines/p.yaml, line 10: task 'b': parameter 'vlaue'")
    assert re.search(r"Did you mean (one of )?'value'", line)


# --- ebpm run --due ---------------------------------------------------------------------------
@pytest.fixture
def due_project(tmp_path: Path) -> Path:
    """A project with the scheduled pipeline p and an unscheduled one, never run."""
    root = (tmp_path / "due").resolve()
    make_project(root)
    make_project(
        root, SPEC.replace('schedule: "0 6 * * 1"\n', "").replace("name: p", "name: q"), name="q"
    )
    return root


@pytest.mark.slow
def test_run_due_runs_what_never_ran_then_nothing(
    due_project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # what cron does: `ebpm run --due` from the project folder, as a real process
    proc = subprocess.run(
        [str(EBPM_EXE), "run", "--due", "-j", "2"],
        cwd=due_project,
        env=dict(os.environ),
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    lines = proc.stdout.splitlines()
    # the specs of pipelines/ are read in sorted order, all before any run
    assert lines[:3] == [
        "p: due (never run successfully)",
        "q: no schedule in pipelines/q.yaml; skipped",
        f"ebpm {__version__}: running pipelines/p.yaml",
    ]
    assert "2 ran ok, 0 unchanged, 0 not ok" in proc.stdout
    assert "running pipelines/q.yaml" not in proc.stdout
    (first,) = history.list_runs(due_project, pipeline="p")
    assert first.status == "ok"
    assert first.counts == {"ok": 2}
    assert history.list_runs(due_project, pipeline="q") == []

    # immediately after, nothing is due; the folder form works too
    monkeypatch.chdir(due_project)
    result = invoke("run", "--due", "pipelines/")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert len(lines) == 2
    assert lines[0].startswith("p: not due: last success ")
    assert "next at " in lines[0]
    assert lines[1] == "q: no schedule in pipelines/q.yaml; skipped"
    assert "running" not in result.stdout
    assert [r.run_id for r in history.list_runs(due_project, pipeline="p")] == [first.run_id]


def test_run_due_with_a_spec_that_has_no_schedule(
    due_project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(due_project)
    result = invoke("run", "--due", "pipelines/q.yaml")
    assert result.exit_code == 0, result.output
    assert result.stdout == "q: no schedule in pipelines/q.yaml; skipped\n"
    assert not (due_project / "runs").exists()


# --- help -------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("args", "needles"),
    [
        (
            ["run"],
            [
                "Usage: ebpm run [OPTIONS] [PIPELINES]...",
                "--out",
                "--param NAME VALUE",
                "--jobs",
                "--force",
                "--task NAME",
                "--due",
                "--dask",
                "ebpm run --due",
            ],
        ),
        (["runs"], ["Usage: ebpm runs [OPTIONS] COMMAND [ARGS]...", "list", "show"]),
        (["runs", "show"], ["RUN_ID", "prefix", "--out"]),
        (
            ["rerun"],
            ["Usage: ebpm rerun [OPTIONS] RUN_ID", "--allow-changed-data", "--out", "--jobs"],
        ),
        (["check"], ["Usage: ebpm check [OPTIONS] [PATHS]...", "file and line", "ebpm check"]),
    ],
)
def test_help(args: list[str], needles: list[str]) -> None:
    result = invoke(*args, "--help")
    assert result.exit_code == 0, result.output
    for needle in needles:
        assert needle in result.stdout, needle


def test_main_help_lists_the_pipeline_commands() -> None:
    result = invoke("--help")
    assert result.exit_code == 0
    commands = result.stdout.split("Commands:")[1]
    for name in ("check", "rerun", "run", "runs", "schedule"):
        assert re.search(rf"^  {name}\s", commands, re.M), name


# --- a missing (NaN) headline estimate --------------------------------------------------------
NAN_SPEC = SPEC.replace("{value: 1.0, label: a}", "{value: .nan, label: a}")


@pytest.fixture(scope="module")
def nan_runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Task a publishes a NaN estimate, b a number; run twice into one --out (three kernels)."""
    root = tmp_path_factory.mktemp("cli_nan").resolve()
    spec = make_project(root / "proj", NAN_SPEC)
    out = root / "out"
    with pytest.MonkeyPatch.context() as mp:
        mp.delenv("EBPM_DEBUG", raising=False)
        first = invoke("run", spec, "--out", out, "-j", "1")
        second = invoke("run", spec, "--out", out, "-j", "1")
    return {"out": out, "first": first, "second": second, "run_id": planned_id(first)}


@pytest.mark.slow
def test_a_nan_estimate_is_a_warning_and_every_task_still_runs(nan_runs: dict[str, Any]) -> None:
    first = nan_runs["first"]
    assert first.exit_code == 0, first.output
    assert re.search(r"WARN +a \([\d.]+ s\): estimate missing: .*NaN", first.stdout)
    assert re.search(r"ok +b \([\d.]+ s\)", first.stdout)
    assert "estimate missing: a" in first.stdout
    m = manifest(nan_runs["out"], nan_runs["run_id"])
    assert sorted(t["name"] for t in m["tasks"] if t["status"] == "ok") == ["a", "b"]


@pytest.mark.slow
def test_runs_show_and_the_site_show_a_nan_estimate_as_missing(nan_runs: dict[str, Any]) -> None:
    shown = invoke("runs", "show", nan_runs["run_id"], "--out", nan_runs["out"])
    assert shown.exit_code == 0, shown.output
    assert re.search(r"^  warning +a: estimate missing", shown.stdout, re.MULTILINE)
    index = (nan_runs["out"] / "site" / "index.html").read_text(encoding="utf-8")
    assert '<span class="warn">warning: estimate missing (NaN)' in index


@pytest.mark.slow
def test_a_rerun_reruns_a_task_whose_estimate_was_missing(nan_runs: dict[str, Any]) -> None:
    second = nan_runs["second"]
    assert second.exit_code == 0, second.output
    assert "1 to run 1 at a time, 1 unchanged" in second.stdout
    assert re.search(r"^  unchanged: b$", second.stdout, re.MULTILINE)
    assert re.search(r"WARN +a .*estimate missing", second.stdout)
