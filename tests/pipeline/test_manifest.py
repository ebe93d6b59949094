"""Tests of ebpm.pipeline.manifest: what a run's manifest.json records."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

import ebpm
from ebpm.pipeline.manifest import manifest, write_manifest
from ebpm.pipeline.plan import Plan
from ebpm.pipeline.records import TaskResult
from ebpm.pipeline.spec import PipelineSpec, load_spec
from tests.pipeline.conftest import context

RUN = "20260103T000000Z-0031"
PROP99 = {"entry": "studies.prop99", "sha256": "b1c2", "title": "Proposition 99"}
ORGAN = {"entry": "studies.organ_donations", "sha256": "af5d"}


@pytest.fixture
def spec(tmp_path: Path) -> PipelineSpec:
    (tmp_path / "notebooks").mkdir()
    (tmp_path / "notebooks" / "n.py").write_text(
        '# %% tags=["parameters"]\nk: int = 0\n', encoding="utf-8"
    )
    (tmp_path / "pipelines").mkdir()
    (tmp_path / "pipelines" / "p.yaml").write_text(
        "name: p\ndescription: Two evaluations.\nschedule: '0 6 * * 1'\ntasks:\n"
        "  - {name: a, notebook: notebooks/n.py, parameters: {k: 1}}\n"
        "  - {name: b, notebook: notebooks/n.py, parameters: {k: 2}}\n",
        encoding="utf-8",
    )
    return load_spec(tmp_path / "pipelines" / "p.yaml")


def _plans(spec: PipelineSpec) -> dict[str, Plan]:
    a, b = spec.tasks
    ra = TaskResult("a", "a", "notebooks/n.py", {"k": 1}, status="ok", datasets=[PROP99, ORGAN])
    ra.revision = {"previous_run": "R0", "difference": 1.0}
    rb = TaskResult("b", "b", "notebooks/n.py", {"k": 2}, status="failed", reason="boom")
    rb.datasets = [PROP99]
    return {"a": Plan(a, ra, {}, None), "b": Plan(b, rb, {}, None)}


def test_the_manifest_records_the_run_its_tasks_and_their_data(spec: PipelineSpec) -> None:
    ctx = context(
        spec,
        _plans(spec),
        run_id=RUN,
        jobs=3,
        force=True,
        selected_tasks=["a", "b"],
        overrides={"k": 5},
        rerun_of="20260101T000000Z-0011",
        git={"commit": "abc123", "dirty": False},
    )
    m = manifest(ctx, status="failed", duration_s=12.5)
    assert m["manifest_version"] >= 2
    assert {k: m[k] for k in ("pipeline", "spec", "root", "description")} == {
        "pipeline": "p",
        "spec": "pipelines/p.yaml",
        "root": str(spec.root),
        "description": "Two evaluations.",
    }
    assert m["schedule"] == "0 6 * * 1"
    assert (m["run_id"], m["rerun_of"], m["status"], m["duration_s"]) == (
        RUN,
        "20260101T000000Z-0011",
        "failed",
        12.5,
    )
    assert "error" not in m
    assert m["started_at"] == "2026-01-03T00:00:00+00:00"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00", m["finished_at"])
    assert m["git"] == {"commit": "abc123", "dirty": False}
    assert m["versions"]["ebpm"] == ebpm.__version__
    assert (m["environment"], m["kernel"]) == ("environment-1", "python3")
    assert m["executor"] == {"kind": "local", "address": None, "jobs": 3}
    assert (m["force"], m["selected_tasks"], m["parameter_overrides"]) == (
        True,
        ["a", "b"],
        {"k": 5},
    )
    assert [t["name"] for t in m["tasks"]] == ["a", "b"]
    assert m["tasks"][1]["reason"] == "boom"
    # each dataset once, with every task that used it
    assert m["datasets"] == [{**PROP99, "tasks": ["a", "b"]}, {**ORGAN, "tasks": ["a"]}]
    assert m["revisions"] == [{"task": "a", "previous_run": "R0", "difference": 1.0}]
    json.dumps(m)  # JSON-ready as it is


def test_a_run_that_stopped_on_an_error_says_why(spec: PipelineSpec) -> None:
    ctx = context(spec, _plans(spec), run_id=RUN, scheduler="tcp://127.0.0.1:8786")
    m = manifest(ctx, status="error", duration_s=0.5, error="PipelineError: no scheduler")
    assert m["status"] == "error"
    assert m["error"] == "PipelineError: no scheduler"
    assert m["executor"] == {"kind": "dask", "address": "tcp://127.0.0.1:8786", "jobs": 2}


def test_write_manifest_writes_it_into_the_run_folder(spec: PipelineSpec) -> None:
    ctx = context(spec, _plans(spec), run_id=RUN)
    path = write_manifest(ctx, status="failed", duration_s=1.0)
    assert path == spec.root / "runs" / "p" / RUN / "manifest.json"
    written = json.loads(path.read_text(encoding="utf-8"))
    expected = manifest(ctx, status="failed", duration_s=1.0)
    assert {k: v for k, v in written.items() if k != "finished_at"} == {
        k: v for k, v in expected.items() if k != "finished_at"
    }
    assert [p.name for p in path.parent.iterdir()] == ["manifest.json"]  # no temporary left


def test_a_spec_outside_its_root_is_recorded_by_its_full_path(
    spec: PipelineSpec, tmp_path: Path
) -> None:
    elsewhere = tmp_path.parent / f"{tmp_path.name}-elsewhere.yaml"
    moved = PipelineSpec(name="p", path=elsewhere, root=spec.root, tasks=spec.tasks)
    m = manifest(context(moved, _plans(spec), run_id=RUN), status="ok", duration_s=0.0)
    assert m["spec"] == str(elsewhere)
    assert m["description"] == ""
    assert m["schedule"] is None
