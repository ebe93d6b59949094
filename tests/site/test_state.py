"""Tests of the site state file (ebpm.site.state): load, save, set aside, merge a task."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from ebpm import site
from ebpm.site.state import STATE_FILE, set_aside_state, state_problem
from tests.site.conftest import (
    ORGAN,
    PROP99,
    failed_record,
    headline,
    no_temp_files,
    ok_record,
    record,
)


def _write_state(site_dir: Path, raw: bytes) -> Path:
    path = site_dir / STATE_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(raw)
    return path


def test_new_site_has_empty_state(tmp_path: Path) -> None:
    assert site.load_state(tmp_path / "site") == {"pipelines": {}}


def test_state_roundtrips_through_its_file(tmp_path: Path) -> None:
    state = record({"pipelines": {}}, "organ", ok_record("r1", ORGAN, "reports/demo/organ.html"))
    site.save_state(tmp_path, state)
    assert (tmp_path / "_ebpm" / "state.json").is_file()
    assert site.load_state(tmp_path) == state
    assert no_temp_files(tmp_path)


def test_ok_record_is_stored_as_given() -> None:
    rec = ok_record("r1", ORGAN, "reports/demo/organ.html")
    state = record({"pipelines": {}}, "organ", rec)
    assert state["pipelines"]["demo"] == {"tasks": {"organ": rec}, "description": "The demo."}


def test_failure_keeps_the_last_good_report() -> None:
    state = record({"pipelines": {}}, "organ", ok_record("r1", ORGAN, "reports/demo/organ.html"))
    state = record(state, "organ", failed_record("r2", "failures/demo/organ.html"))
    merged = state["pipelines"]["demo"]["tasks"]["organ"]
    assert merged["status"] == "failed"
    assert merged["run_id"] == "r2"
    assert merged["failure"] == "failures/demo/organ.html"
    assert merged["headline"] is None
    assert merged["report"] == "reports/demo/organ.html"
    assert merged["report_run_id"] == "r1"
    assert merged["report_headline"] == ORGAN


def test_two_failures_in_a_row_still_keep_the_last_good_report() -> None:
    state = record({"pipelines": {}}, "organ", ok_record("r1", ORGAN, "reports/demo/organ.html"))
    state = record(state, "organ", failed_record("r2", "failures/demo/organ.html"))
    state = record(state, "organ", failed_record("r3", "failures/demo/organ.html"))
    merged = state["pipelines"]["demo"]["tasks"]["organ"]
    assert (merged["run_id"], merged["report_run_id"]) == ("r3", "r1")
    assert merged["report_headline"] == ORGAN


def test_failure_without_an_earlier_report_has_none() -> None:
    state = record({"pipelines": {}}, "organ", failed_record("r1", "failures/demo/organ.html"))
    merged = state["pipelines"]["demo"]["tasks"]["organ"]
    assert merged["report"] is None
    assert merged["report_run_id"] is None
    assert merged["report_headline"] is None


def test_success_after_a_failure_replaces_everything() -> None:
    state = record({"pipelines": {}}, "organ", ok_record("r1", ORGAN, "reports/demo/organ.html"))
    state = record(state, "organ", failed_record("r2", "failures/demo/organ.html"))
    newer = headline(-0.03, 0.01, -0.05, -0.01, "Organ donations")
    state = record(state, "organ", ok_record("r3", newer, "reports/demo/organ.html"))
    merged = state["pipelines"]["demo"]["tasks"]["organ"]
    assert merged["status"] == "ok"
    assert merged["report_run_id"] == "r3"
    assert merged["report_headline"] == newer
    assert merged["failure"] is None


def test_record_task_keeps_other_tasks_and_pipelines() -> None:
    state = record({"pipelines": {}}, "organ", ok_record("r1", ORGAN, "reports/demo/organ.html"))
    state = record(state, "prop99", ok_record("r1", PROP99, "reports/demo/prop99.html"))
    state = record(state, "x", failed_record("r9", None), pipeline="other")
    assert set(state["pipelines"]) == {"demo", "other"}
    assert set(state["pipelines"]["demo"]["tasks"]) == {"organ", "prop99"}


def test_record_task_leaves_the_given_record_alone_and_updates_the_description() -> None:
    state = record({"pipelines": {}}, "organ", ok_record("r1", ORGAN, "reports/demo/organ.html"))
    failed = failed_record("r2", None)
    site.record_task(state, pipeline="demo", description="Renamed.", task="organ", record=failed)
    assert "report" not in failed  # the merge works on a copy
    assert state["pipelines"]["demo"]["description"] == "Renamed."
    assert state["pipelines"]["demo"]["tasks"]["organ"]["report_run_id"] == "r1"


def test_save_state_writes_compact_utf8_json(tmp_path: Path) -> None:
    site.save_state(tmp_path, {"pipelines": {"東京": {"tasks": {}}}})
    text = (tmp_path / "_ebpm" / "state.json").read_text(encoding="utf-8")
    assert text == '{"pipelines":{"東京":{"tasks":{}}}}\n'


def test_a_missing_or_good_state_file_is_no_problem(tmp_path: Path) -> None:
    assert state_problem(tmp_path) is None  # a new site
    site.save_state(tmp_path, {"pipelines": {}})
    assert state_problem(tmp_path) is None


@pytest.mark.parametrize(
    ("raw", "problem"),
    [
        (
            b'{"pipelines": {',
            "JSONDecodeError: Expecting property name enclosed in double quotes: "
            "line 1 column 16 (char 15)",
        ),
        (b"", "JSONDecodeError: Expecting value: line 1 column 1 (char 0)"),
        (
            b"\xff\xfe{}",
            "UnicodeDecodeError: 'utf-8' codec can't decode byte 0xff in position 0: "
            "invalid start byte",
        ),
        (b"[1, 2]", "it holds JSON, but not a site state (an object with a 'pipelines' mapping)"),
        (
            b'{"pipelines": []}',
            "it holds JSON, but not a site state (an object with a 'pipelines' mapping)",
        ),
    ],
)
def test_state_problem_says_what_is_wrong(tmp_path: Path, raw: bytes, problem: str) -> None:
    _write_state(tmp_path, raw)
    assert state_problem(tmp_path) == problem


def test_set_aside_state_moves_the_file_next_to_it(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = _write_state(tmp_path, b"{trunc")
    with caplog.at_level(logging.WARNING, logger="ebpm.site.state"):
        aside = set_aside_state(tmp_path, "truncated")
    assert aside == tmp_path / "_ebpm" / "state.json.corrupt"
    assert aside.read_bytes() == b"{trunc"
    assert not path.exists()
    assert "(truncated)" in caplog.text
    assert "state.json.corrupt" in caplog.text


def test_load_state_sets_an_unusable_file_aside_and_starts_empty(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    _write_state(tmp_path, b'{"pipelines": []}')
    with caplog.at_level(logging.WARNING, logger="ebpm.site.state"):
        assert site.load_state(tmp_path) == {"pipelines": {}}
    assert (tmp_path / "_ebpm" / "state.json.corrupt").read_bytes() == b'{"pipelines": []}'
    assert not (tmp_path / STATE_FILE).exists()
    assert "not a site state" in caplog.text
    assert site.load_state(tmp_path) == {"pipelines": {}}  # a new site from then on
