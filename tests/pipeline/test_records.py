"""Tests of ebpm.pipeline.records: task and run results, run ids, git state and what an executed
notebook left behind."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from ebpm._protocol import PROVENANCE_MIME, RESULT_MIME
from ebpm.errors import PipelineError
from ebpm.pipeline.records import (
    RunResult,
    TaskResult,
    check_out,
    git_state,
    new_run_id,
    relative,
    take_outputs,
    utc_now,
)

RUN_ID = re.compile(r"^\d{8}T\d{6}Z-[0-9a-f]{4}$")


def _result(name: str, status: str, **kw) -> TaskResult:
    return TaskResult(name=name, group=name, notebook="n.py", parameters={}, status=status, **kw)


def _display(data: dict) -> dict:
    return new_output("display_data", data=data)


# --- run ids and times ------------------------------------------------------------------------
def test_new_run_ids_sort_by_time_and_differ() -> None:
    ids = {new_run_id() for _ in range(20)}
    assert all(RUN_ID.match(i) for i in ids)
    assert len(ids) > 1


def test_utc_now_is_iso_to_the_second_in_utc() -> None:
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00", utc_now())


# --- TaskResult and RunResult -----------------------------------------------------------------
def test_task_result_to_dict_has_every_field_with_defaults() -> None:
    d = TaskResult(name="a", group="g", notebook="nb.py", parameters={"x": 1}).to_dict()
    assert d["name"] == "a"
    assert d["status"] == "pending"
    assert d["attempts"] == 0
    assert d["datasets"] == []
    assert d["fingerprint"] == {}
    assert d["revision"] is None
    assert set(d) == set(TaskResult.__dataclass_fields__)


def test_run_result_sorts_its_tasks_by_outcome(tmp_path: Path) -> None:
    tasks = [
        _result("ok", "ok"),
        _result("same", "unchanged", unchanged_since="R0"),
        _result("bad", "failed"),
        _result("blocked", "blocked"),
        _result("moved", "ok", revision={"difference": 1.0}),
    ]
    result = RunResult("p", "R1", tmp_path / "runs" / "p" / "R1", tmp_path / "site", tasks, 1.5)
    assert result.ok is False
    assert [t.name for t in result.failed] == ["bad", "blocked"]
    assert [t.name for t in result.skipped] == ["same"]
    assert [t.name for t in result.revisions] == ["moved"]
    assert result.index == tmp_path / "site" / "index.html"
    assert result.manifest == tmp_path / "runs" / "p" / "R1" / "manifest.json"
    good = RunResult("p", "R1", tmp_path, tmp_path, tasks[:2], 0.1)
    assert good.ok is True
    assert good.failed == []


# --- paths ------------------------------------------------------------------------------------
def test_relative_inside_and_outside_the_root(tmp_path: Path) -> None:
    root = tmp_path / "project"
    assert relative(root / "notebooks" / "a.py", root) == "notebooks/a.py"
    outside = tmp_path / "elsewhere" / "b.py"
    assert relative(outside, root) == str(outside)


def test_check_out_creates_the_folders(tmp_path: Path) -> None:
    out = tmp_path / "out"
    check_out(out, out / "runs" / "p", out / "site")
    assert (out / "runs" / "p").is_dir()
    assert (out / "site").is_dir()
    assert list((out / "site").iterdir()) == []  # the write check leaves nothing behind


def test_check_out_names_an_unwritable_folder_and_the_fix(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.write_text("a file where the output folder should be", encoding="utf-8")
    with pytest.raises(
        PipelineError,
        match=rf"^cannot write to {re.escape(str(out / 'site'))} \(under --out "
        rf"{re.escape(str(out))}\): .*; choose a writable --out",
    ):
        check_out(out, out / "site")
    with pytest.raises(PipelineError, match=rf"^cannot write to {re.escape(str(out))}: "):
        check_out(out, out)


# --- git --------------------------------------------------------------------------------------
def test_git_state_outside_a_repository_is_unknown(tmp_path: Path) -> None:
    assert git_state(tmp_path) == {"commit": None, "dirty": None}


def test_git_state_names_the_commit_and_whether_tracked_files_changed(tmp_path: Path) -> None:
    def git(*args: str) -> str:
        return subprocess.run(
            ["git", "-C", str(tmp_path), *args], check=True, capture_output=True, text=True
        ).stdout.strip()

    git("init", "-q")
    (tmp_path / "a.txt").write_text("one\n", encoding="utf-8")
    git("add", "a.txt")
    git("-c", "user.name=t", "-c", "user.email=t@example.org", "commit", "-q", "-m", "one")
    head = git("rev-parse", "HEAD")
    (tmp_path / "untracked.txt").write_text("not counted\n", encoding="utf-8")
    assert git_state(tmp_path) == {"commit": head, "dirty": False}
    (tmp_path / "a.txt").write_text("two\n", encoding="utf-8")
    assert git_state(tmp_path) == {"commit": head, "dirty": True}


# --- what an executed notebook left behind ----------------------------------------------------
def test_take_outputs_reads_the_headline_and_each_dataset_once() -> None:
    organ = {"entry": "studies.organ_donations", "sha256": "af5d", "title": "Organ", "extra": 1}
    prop99 = {"entry": "studies.prop99", "sha256": "b1c2", "licence": "MIT"}
    headline = {"headline": {"estimate": -0.0225}, "label": "organ", "provenance": prop99}
    nb = new_notebook(
        cells=[
            new_markdown_cell("# a report"),
            new_code_cell(
                "report.headline(result)",
                outputs=[_display({RESULT_MIME: headline, "text/plain": "ATT -0.0225"})],
            ),
            new_code_cell(
                "report.footer(data)",
                outputs=[_display({PROVENANCE_MIME: {"datasets": [organ, prop99]}})],
            ),
        ]
    )
    result = _result("t", "ok")
    take_outputs(result, nb)
    assert result.headline == headline
    assert [d["entry"] for d in result.datasets] == ["studies.organ_donations", "studies.prop99"]
    first = result.datasets[0]
    assert first["sha256"] == "af5d"
    assert first["title"] == "Organ"
    assert "extra" not in first  # only the recorded keys
    assert first["licence"] is None


def test_take_outputs_of_a_notebook_that_published_nothing() -> None:
    result = _result("t", "ok", headline={"stale": True}, datasets=[{"entry": "x"}])
    take_outputs(result, new_notebook(cells=[new_code_cell("x = 1")]))
    assert result.headline is None
    assert result.datasets == []
