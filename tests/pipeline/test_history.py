"""Tests of ebpm.pipeline.history: reading run manifests back, and comparing estimates."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from ebpm.errors import RunNotFoundError
from ebpm.pipeline import history
from ebpm.pipeline.spec import Tolerance
from tests.pipeline.conftest import headline, record, write_run

R1, R2, R3 = "20260101T000000Z-0011", "20260102T000000Z-0021", "20260103T000000Z-0031"


@pytest.fixture
def out(tmp_path: Path) -> Path:
    """Three runs of pipeline p (a good one, a partial one, a failed one) and one of q."""
    write_run(tmp_path, "p", R2, [record("a", "failed")], selected_tasks=["a"])
    write_run(tmp_path, "p", R1, [record("a"), record("b"), record("c", "blocked")])
    write_run(tmp_path, "p", R3, [record("a", "unchanged", unchanged_since=R1), record("b")])
    write_run(tmp_path, "q", "20251231T000000Z-0001", [record("x")], parameter_overrides={"k": 1})
    return tmp_path


# --- list_runs and find_run -------------------------------------------------------------------
def test_list_runs_of_one_pipeline_oldest_first(out: Path) -> None:
    runs = history.list_runs(out, pipeline="p")
    assert [r.run_id for r in runs] == [R1, R2, R3]
    first, partial, _ = runs
    assert first.pipeline == "p"
    assert first.status == "failed"
    assert first.counts == {"ok": 2, "blocked": 1}
    assert first.duration_s == 60.0
    assert first.path == out / "runs" / "p" / R1 / "manifest.json"
    assert first.folder == out / "runs" / "p" / R1
    assert first.complete is True
    assert partial.complete is False  # --task a


def test_list_runs_of_every_pipeline_skips_what_it_cannot_read(
    out: Path, caplog: pytest.LogCaptureFixture
) -> None:
    (out / "runs" / "p" / "20260104T000000Z-0041").mkdir()  # a run killed before its manifest
    broken = out / "runs" / "p" / "20260105T000000Z-0051" / "manifest.json"
    broken.parent.mkdir()
    broken.write_text('{"tasks": [', encoding="utf-8")
    with caplog.at_level(logging.WARNING, logger="ebpm.pipeline.history"):
        runs = history.list_runs(out)
    assert [(r.pipeline, r.run_id) for r in runs] == [
        ("p", R1),
        ("p", R2),
        ("p", R3),
        ("q", "20251231T000000Z-0001"),
    ]
    assert runs[-1].complete is False  # -p k=1
    assert "skipping unreadable manifest" in caplog.text
    assert history.list_runs(out / "nowhere") == []


def test_find_run_by_id_or_unique_prefix(out: Path) -> None:
    m = history.find_run(out, R3)
    assert m["run_id"] == R3
    assert m["_path"] == str(out / "runs" / "p" / R3 / "manifest.json")
    assert history.find_run(out, "20260102")["run_id"] == R2


def test_an_exact_id_wins_over_a_longer_one_it_prefixes(tmp_path: Path) -> None:
    write_run(tmp_path, "p", "20260101T000000Z-001", [record("a")])
    write_run(tmp_path, "p", "20260101T000000Z-0012", [record("a")])
    assert history.find_run(tmp_path, "20260101T000000Z-001")["run_id"] == "20260101T000000Z-001"


def test_find_run_of_an_ambiguous_prefix(out: Path) -> None:
    with pytest.raises(
        RunNotFoundError,
        match=rf"^run id '202601' matches 3 runs \({R1}, {R2}, {R3}\); give more of the id$",
    ):
        history.find_run(out, "202601")


def test_find_run_of_an_unknown_id_suggests_and_lists_recent_runs(out: Path) -> None:
    with pytest.raises(RunNotFoundError) as info:
        history.find_run(out, "20260103T000000Z-0032")
    message = str(info.value)
    assert message.startswith(f"no run '20260103T000000Z-0032' under {out / 'runs'}.")
    assert f" Did you mean one of '{R3}', '{R2}', '{R1}'? " in message  # closest first
    # the last five listed, pipeline by pipeline
    assert message.endswith(
        f" Recent runs: {R1}, {R2}, {R3}, 20251231T000000Z-0001 (`ebpm runs list`)."
    )


def test_find_run_where_nothing_ran(tmp_path: Path) -> None:
    with pytest.raises(
        RunNotFoundError,
        match=r"^no run 'abc' under .*runs\. No runs are recorded there yet; is --out right\?$",
    ):
        history.find_run(tmp_path, "abc")


# --- last good records ------------------------------------------------------------------------
def test_last_good_records_skip_failures_and_keep_the_newest_good_one(out: Path) -> None:
    found = history.last_good_records(out, "p", ["a", "b", "c", "zz"])
    assert set(found) == {"a", "b"}
    assert found["a"][0] == R3
    assert found["a"][1]["status"] == "unchanged"
    assert found["b"][0] == R3
    assert history.last_good_records(out, "p", []) == {}


def test_made_by_follows_an_unchanged_record_to_the_run_that_made_it(out: Path) -> None:
    assert history.made_by(out, "p", "a") == R1  # R3 kept R1's estimate
    assert history.made_by(out, "p", "b") == R3
    assert history.made_by(out, "p", "c") is None  # never ran well
    assert history.made_by(out, "elsewhere", "a") is None


# --- outputs and task history -----------------------------------------------------------------
def test_outputs_of_reads_code_cell_outputs_of_a_mimetype() -> None:
    mime = "application/vnd.ebpm.result+json"
    nb = {
        "cells": [
            {"cell_type": "markdown", "source": "x", "outputs": [{"data": {mime: "not code"}}]},
            {"cell_type": "code", "outputs": [{"output_type": "stream", "text": "hi"}]},
            {"cell_type": "code", "outputs": [{"data": {mime: {"n": 1}, "text/plain": "1"}}]},
            {"cell_type": "code", "outputs": [{"data": {mime: {"n": 2}}}]},
        ]
    }
    assert history.outputs_of(nb, mime) == [{"n": 1}, {"n": 2}]
    assert history.outputs_of(nb, "image/png") == []
    assert history.outputs_of({}, mime) == []


def test_task_history_lists_every_recorded_outcome(tmp_path: Path) -> None:
    data = {"entry": "studies.prop99", "sha256": "0123456789abcdef0123"}
    write_run(
        tmp_path,
        "p",
        R1,
        [
            record("a", headline=headline(1.5, conf_level=0.9), datasets=[data]),
            record("b", "pending"),
        ],
    )
    write_run(
        tmp_path,
        "p",
        R2,
        [record("a", "failed", reason="boom")],
        rerun_of=R1,
    )
    write_run(tmp_path, "p", R3, [record("a", headline=headline(float("nan")))])
    h = history.task_history(tmp_path, "p")
    assert list(h) == ["a"]  # b never finished
    first, failed, nan = h["a"]
    assert first == {
        "run_id": R1,
        "finished_at": "2026-01-01T00:01:00+00:00",
        "status": "ok",
        "reason": None,
        "unchanged_since": None,
        "rerun_of": None,
        "headline": {
            "estimate": 1.5,
            "std_error": 0.1,
            "conf_low": 1.3,
            "conf_high": 1.7,
            "conf_level": 0.9,
            "estimand": "ATT",
        },
        "revision": None,
        "datasets": [
            {
                "entry": "studies.prop99",
                "sha256": "0123456789abcdef0123",
                "package": None,
                "package_version": None,
                "kind": None,
            }
        ],
    }
    assert (failed["status"], failed["reason"], failed["headline"], failed["rerun_of"]) == (
        "failed",
        "boom",
        None,
        R1,
    )
    assert nan["headline"]["estimate"] is None  # NaN is no number to plot
    assert nan["headline"]["conf_level"] == 0.95  # the default


# --- changed inputs and revisions -------------------------------------------------------------
def _task(**fields) -> dict:
    base = {
        "notebook": "notebooks/n.py",
        "parameters": {"year": 2020, "area": "13"},
        "fingerprint": {"notebook": "n1", "environment": "e1", "reads": {"lib.py": "r1"}},
        "datasets": [{"entry": "t.x", "sha256": "s1", "entry_sha256": "d1"}],
    }
    return {**base, **fields}


def test_changed_inputs_of_identical_records_is_empty() -> None:
    assert history.changed_inputs(_task(), _task()) == []


def test_changed_inputs_names_each_input_that_differs() -> None:
    new = _task(
        parameters={"year": 2021, "extra": True},
        fingerprint={
            "notebook": "n2",
            "environment": "e2",
            "reads": {"lib.py": "r2", "new.py": "z"},
        },
        datasets=[
            {"entry": "t.x", "sha256": "s2", "entry_sha256": "d2", "publisher_updated": "2026-02"},
            {"entry": "t.y", "sha256": "y1"},
        ],
    )
    assert history.changed_inputs(_task(), new) == [
        {"input": "notebook", "what": "notebooks/n.py"},
        {"input": "parameter", "what": "area", "old": "13", "new": None},
        {"input": "parameter", "what": "extra", "old": None, "new": True},
        {"input": "parameter", "what": "year", "old": 2020, "new": 2021},
        {"input": "environment", "what": "installed packages or Python"},
        {
            "input": "data",
            "what": "t.x",
            "old_sha256": "s1",
            "new_sha256": "s2",
            "old_publisher_updated": None,
            "new_publisher_updated": "2026-02",
            "old_retrieved_at": None,
            "new_retrieved_at": None,
        },
        {"input": "catalog entry", "what": "t.x"},
        {"input": "data", "what": "t.y", "new_sha256": "y1"},
        {"input": "project file", "what": "lib.py"},
    ]


def test_a_dataset_with_other_parameters_is_another_dataset() -> None:
    new = _task(datasets=[{"entry": "t.x", "params": {"year": 2021}, "sha256": "s1"}])
    assert history.changed_inputs(_task(), new) == [
        {"input": "data", "what": "t.x", "new_sha256": "s1"}
    ]


def test_revision_within_the_tolerance_is_none() -> None:
    old, new = {"headline": headline(10.0)}, {"headline": headline(10.4)}
    assert history.revision(old, new, previous_run=R1, tolerance=Tolerance.parse("5%")) is None
    assert history.revision({}, new, previous_run=R1, tolerance=Tolerance()) is None
    nan = {"headline": headline(float("nan"))}
    assert history.revision(nan, nan, previous_run=R1, tolerance=Tolerance()) is None


def test_revision_beyond_the_tolerance_says_what_moved_and_why() -> None:
    old = _task(headline=headline(10.0))
    new = _task(headline=headline(12.0), parameters={"year": 2021, "area": "13"})
    rev = history.revision(old, new, previous_run=R1, tolerance=Tolerance.parse("5%"))
    assert rev == {
        "previous_run": R1,
        "old": {
            "estimate": 10.0,
            "std_error": 0.1,
            "conf_low": 9.8,
            "conf_high": 10.2,
            "p_value": None,
        },
        "new": {
            "estimate": 12.0,
            "std_error": 0.1,
            "conf_low": 11.8,
            "conf_high": 12.2,
            "p_value": None,
        },
        "difference": 2.0,
        "relative_difference": 0.2,
        "tolerance": "5%",
        "changed_inputs": [{"input": "parameter", "what": "year", "old": 2020, "new": 2021}],
    }


def test_an_estimate_that_goes_missing_is_a_revision_whatever_the_tolerance() -> None:
    old, new = {"headline": headline(10.0)}, {"headline": headline(float("nan"))}
    rev = history.revision(old, new, previous_run=R1, tolerance=Tolerance(absolute=1e9))
    assert rev is not None
    assert rev["difference"] is None
    assert rev["relative_difference"] is None
    back = history.revision(new, old, previous_run=R1, tolerance=Tolerance(absolute=1e9))
    assert back is not None
    assert back["new"]["estimate"] == 10.0
