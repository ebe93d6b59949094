"""Tests of ebpm.pipeline.plan: which tasks of a run run and why, ``ebpm rerun`` plans and the
runs that rebuild a site."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from ebpm._catalog_files import definition_sha256
from ebpm.errors import PipelineError, RunNotFoundError
from ebpm.pipeline.fingerprint import Hasher, file_sha256, parameters_fingerprint
from ebpm.pipeline.plan import RerunPlan, covering_runs, plan_tasks, rerun_plan
from ebpm.pipeline.spec import PipelineSpec, load_spec
from tests.pipeline.conftest import context, headline, record, write_run

R1, R2, R3 = "20260101T000000Z-0011", "20260102T000000Z-0021", "20260103T000000Z-0031"
ENV = "environment-1"
NOTEBOOK = '# %% tags=["parameters"]\nk: int = 0  # a number\n\n# %%\nprint(k)\n'
SPEC = """\
name: p
tasks:
  - {name: a, notebook: notebooks/n.py, parameters: {k: 1}}
  - {name: b, notebook: notebooks/n.py, parameters: {k: 2}, needs: a}
  - {name: c, notebook: notebooks/n.py, parameters: {k: 3}}
  - {name: d, notebook: notebooks/n.py, parameters: {k: 4}, after: c}
"""
ENTRY = {"reader": "ebpm.catalog.files:CSVTable", "kwargs": {"path": "data/x.csv"}}


@pytest.fixture
def spec(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> PipelineSpec:
    """A project of four tasks of one notebook (b needs a, d runs after c), with a catalog."""
    monkeypatch.delenv("EBPM_CATALOG_DIR", raising=False)
    (tmp_path / "notebooks").mkdir()
    (tmp_path / "notebooks" / "n.py").write_text(NOTEBOOK, encoding="utf-8")
    (tmp_path / "pipelines").mkdir()
    (tmp_path / "pipelines" / "p.yaml").write_text(SPEC, encoding="utf-8")
    (tmp_path / "catalogs").mkdir()
    (tmp_path / "catalogs" / "t.yaml").write_text(
        "entries:\n  x:\n    reader: ebpm.catalog.files:CSVTable\n    kwargs: {path: data/x.csv}\n",
        encoding="utf-8",
    )
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "x.csv").write_text("x\n1\n", encoding="utf-8")
    (tmp_path / "lib.py").write_text("HELPER = 1\n", encoding="utf-8")
    return load_spec(tmp_path / "pipelines" / "p.yaml")


def _good(spec: PipelineSpec, name: str, **fields: Any) -> dict[str, Any]:
    """A good record of task ``name`` whose inputs are as they are now; its report exists."""
    task = next(t for t in spec.tasks if t.name == name)
    report = f"reports/p/{name}.html"
    (spec.root / "site" / report).parent.mkdir(parents=True, exist_ok=True)
    (spec.root / "site" / report).write_text("<html></html>", encoding="utf-8")
    fingerprint = {
        "notebook": file_sha256(task.notebook),
        "parameters": parameters_fingerprint(task.parameters),
        "environment": ENV,
        "data": {"kept": "from the last run"},
    }
    return record(
        name,
        parameters=dict(task.parameters),
        report=report,
        headline=headline(float(task.parameters["k"])),
        fingerprint={**fingerprint, **fields.pop("fingerprint", {})},
        **fields,
    )


def _plan(
    spec: PipelineSpec,
    *,
    force: bool = False,
    selected: list[str] | None = None,
    previous_runs: list[dict[str, Any]] | None = None,
    lang: str = "en",
):
    tasks = [t for t in spec.tasks if selected is None or t.name in selected]
    return plan_tasks(
        spec,
        tasks,
        out=spec.root,
        site=spec.root / "site",
        hasher=Hasher(),
        environment=ENV,
        force=force,
        refresh_data=False,
        emit=lambda event: None,
        previous_runs=previous_runs,
        lang=lang,
    )


# --- plan_tasks -------------------------------------------------------------------------------
def test_tasks_that_never_ran_all_run(spec: PipelineSpec) -> None:
    plans, reasons = _plan(spec)
    assert reasons == dict.fromkeys("abcd", "never ran successfully")
    a = plans["a"]
    assert a.previous is None
    assert a.result.status == "pending"
    assert a.result.notebook == "notebooks/n.py"
    assert a.result.parameters == {"k": 1}
    assert a.fingerprint == {
        "notebook": file_sha256(spec.root / "notebooks" / "n.py"),
        "parameters": parameters_fingerprint({"k": 1}),
        "environment": ENV,
        "lang": "en",  # the site's language: the report helpers in the kernel write in it
    }
    assert context(spec, plans, run_id=R3).to_run == ["a", "b", "c", "d"]


def test_a_task_whose_inputs_did_not_change_keeps_its_report(spec: PipelineSpec) -> None:
    data = {"entry": "t.x", "kind": "file", "path": str(spec.root / "data" / "x.csv")}
    data.update(
        sha256=file_sha256(spec.root / "data" / "x.csv"), entry_sha256=definition_sha256(ENTRY)
    )
    reads = {"lib.py": file_sha256(spec.root / "lib.py")}
    write_run(spec.root, "p", R1, [_good(spec, n) for n in "abcd"])
    write_run(
        spec.root,
        "p",
        R2,
        [
            _good(spec, "a", datasets=[data], fingerprint={"reads": reads}),
            _good(spec, "c", status="unchanged", unchanged_since=R1),
        ],
    )
    plans, reasons = _plan(spec)
    assert reasons == dict.fromkeys("abcd", "unchanged")
    a = plans["a"].result
    assert (a.status, a.unchanged_since, a.report) == ("unchanged", R2, "reports/p/a.html")
    assert a.headline == headline(1.0)
    assert a.datasets == [data]
    # this run's fingerprint, with the data and reads the kept report was made from
    assert a.fingerprint == {
        **plans["a"].fingerprint,
        "data": {"kept": "from the last run"},
        "reads": reads,
    }
    assert plans["c"].result.unchanged_since == R1  # R2 had kept R1's report
    assert plans["b"].previous[0] == R1
    assert context(spec, plans, run_id=R3).to_run == []


def test_a_task_whose_last_run_failed_runs_again(spec: PipelineSpec) -> None:
    """Nothing changed since its last good run, but a later run failed (a passing outage):
    it runs again, and the plan names the failed run; no --force needed."""
    write_run(spec.root, "p", R1, [_good(spec, n) for n in "abcd"])
    write_run(spec.root, "p", R2, [record("c", status="failed", reason="HTTP 503")])
    runs = [
        {"run_id": R1, "tasks": [{"name": n, "status": "ok"} for n in "abcd"]},
        {"run_id": R2, "tasks": [{"name": "c", "status": "failed"}]},
    ]
    plans, reasons = _plan(spec, previous_runs=runs)
    assert reasons["c"] == f"it failed in run {R2}"
    assert plans["c"].result.status == "pending"
    assert reasons["a"] == "unchanged"
    assert reasons["d"] == "c, which it runs after, runs again"


def test_a_task_runs_again_when_the_site_language_changed(spec: PipelineSpec) -> None:
    write_run(spec.root, "p", R1, [_good(spec, n) for n in "abcd"])  # made before: English
    _, reasons = _plan(spec, lang="ja")
    assert set(reasons.values()) == {"the site's language changed"}
    _, same = _plan(spec, lang="en")
    assert set(same.values()) == {"unchanged"}


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ("notebook", "notebook changed"),
        ("parameters", "parameters changed"),
        ("environment", "environment changed"),
        ("report", "its report is missing from the site"),
        ("nan", "its last headline estimate was missing (NaN)"),
        ("data", "data t.x changed"),
        ("entry", "catalog entry t.x changed"),
        ("read", "project file lib.py changed"),
        ("read gone", "project file lib.py is gone"),
    ],
)
def test_why_a_task_runs_again(spec: PipelineSpec, change: str, reason: str) -> None:
    root = spec.root
    data = {"entry": "t.x", "kind": "file", "path": str(root / "data" / "x.csv")}
    data.update(sha256=file_sha256(root / "data" / "x.csv"), entry_sha256=definition_sha256(ENTRY))
    good = _good(
        spec, "c", datasets=[data], fingerprint={"reads": {"lib.py": file_sha256(root / "lib.py")}}
    )
    write_run(root, "p", R1, [good])
    if change == "notebook":
        (root / "notebooks" / "n.py").write_text(NOTEBOOK + "# an edit\n", encoding="utf-8")
    elif change == "parameters":
        spec = replace(
            spec,
            tasks=tuple(
                replace(t, parameters={"k": 30}) if t.name == "c" else t for t in spec.tasks
            ),
        )
    elif change == "environment":
        good["fingerprint"]["environment"] = "another"
        write_run(root, "p", R1, [good])
    elif change == "report":
        (root / "site" / "reports" / "p" / "c.html").unlink()
    elif change == "nan":
        write_run(root, "p", R1, [{**good, "headline": headline(float("nan"))}])
    elif change == "data":
        (root / "data" / "x.csv").write_text("x\n2\n", encoding="utf-8")
    elif change == "entry":
        catalog = root / "catalogs" / "t.yaml"
        catalog.write_text(catalog.read_text(encoding="utf-8").replace("x.csv", "y.csv"))
    elif change == "read":
        (root / "lib.py").write_text("HELPER = 2\n", encoding="utf-8")
    else:
        (root / "lib.py").unlink()
    plans, reasons = _plan(spec, selected=["c"])
    assert reasons == {"c": reason}
    assert plans["c"].result.status == "pending"


def test_force_runs_every_task(spec: PipelineSpec) -> None:
    write_run(spec.root, "p", R1, [_good(spec, n) for n in "abcd"])
    plans, reasons = _plan(spec, force=True)
    assert reasons == dict.fromkeys("abcd", "--force")
    assert [p.result.status for p in plans.values()] == ["pending"] * 4
    assert plans["a"].previous[0] == R1  # still compared with, for revision alerts


def test_a_task_runs_again_when_one_it_needs_or_runs_after_does(spec: PipelineSpec) -> None:
    write_run(spec.root, "p", R1, [_good(spec, n) for n in "bd"])
    plans, reasons = _plan(spec)
    assert reasons == {
        "a": "never ran successfully",
        "b": "a, which it needs, runs again",
        "c": "never ran successfully",
        "d": "c, which it runs after, runs again",
    }
    b = plans["b"].result
    assert (b.status, b.unchanged_since, b.report, b.headline, b.fingerprint) == (
        "pending",
        None,
        None,
        None,
        {},
    )


def test_a_task_that_showed_another_tasks_estimate_runs_when_that_estimate_changes(
    spec: PipelineSpec,
) -> None:
    evidence = {"kind": "evidence", "pipeline": "q", "task": "x", "run_id": R1}
    write_run(spec.root, "q", R1, [record("x")])
    write_run(spec.root, "p", R1, [_good(spec, "c", datasets=[evidence])])
    assert _plan(spec, selected=["c"])[1] == {"c": "unchanged"}
    write_run(spec.root, "q", R2, [record("x")])  # a new estimate of q/x
    assert _plan(spec, selected=["c"])[1] == {"c": "the estimate of q/x changed"}


# --- rerun_plan -------------------------------------------------------------------------------
def test_rerun_plan_repeats_the_runs_tasks_parameters_and_overrides(spec: PipelineSpec) -> None:
    tasks = [record("a", parameters={"k": 10}), record("c", "failed", parameters={"k": 3})]
    write_run(
        spec.root,
        "p",
        R1,
        tasks,
        root=str(spec.root),
        spec="pipelines/p.yaml",
        parameter_overrides={"k": 10},
        datasets=[],
    )
    assert rerun_plan(spec.root, R1[:12]) == RerunPlan(
        run_id=R1,
        spec=spec.root / "pipelines" / "p.yaml",
        tasks=["a", "c"],
        task_parameters={"a": {"k": 10}, "c": {"k": 3}},
        overrides={"k": 10},
    )


def test_rerun_plan_refuses_a_run_whose_data_changed(spec: PipelineSpec) -> None:
    data = {"entry": "t.x", "kind": "file", "path": str(spec.root / "data" / "x.csv")}
    data["sha256"] = "0" * 64
    write_run(
        spec.root,
        "p",
        R1,
        [record("a")],
        root=str(spec.root),
        spec="pipelines/p.yaml",
        datasets=[data],
    )
    now = file_sha256(spec.root / "data" / "x.csv")
    with pytest.raises(
        PipelineError,
        match=rf"^run {R1} cannot be repeated on the same data: t\.x: sha256 000000000000 then, "
        rf"{now[:12]} now\. The old bytes are not kept .* Rerun on today's data with "
        r"--allow-changed-data\.$",
    ):
        rerun_plan(spec.root, R1)
    assert rerun_plan(spec.root, R1, allow_changed_data=True).tasks == ["a"]


def test_rerun_plan_of_a_spec_that_is_gone(spec: PipelineSpec) -> None:
    write_run(spec.root, "p", R1, [record("a")], root=str(spec.root), spec="pipelines/old.yaml")
    with pytest.raises(
        PipelineError,
        match=rf"^run {R1} used the spec .*pipelines/old\.yaml, which no longer exists; restore "
        r"it \(git checkout\) to rerun$",
    ):
        rerun_plan(spec.root, R1)
    with pytest.raises(RunNotFoundError, match=r"^no run 'nope'"):
        rerun_plan(spec.root, "nope")


# --- covering_runs ----------------------------------------------------------------------------
def test_covering_runs_hold_every_tasks_latest_and_latest_good_record(tmp_path: Path) -> None:
    write_run(tmp_path, "p", R1, [record("a"), record("b")])
    write_run(tmp_path, "p", R2, [record("a", "failed"), record("b")])
    write_run(tmp_path, "p", R3, [record("b"), record("c", "cancelled")])
    write_run(tmp_path, "q", "20251231T000000Z-0001", [record("x")])
    # R3: b's latest; R2: a's latest (failed); R1: a's last good report; q's only run.
    # Oldest first within each pipeline (the order publishing needs), pipeline by pipeline.
    assert covering_runs(tmp_path) == [R1, R2, R3, "20251231T000000Z-0001"]
    write_run(tmp_path, "p", "20260104T000000Z-0041", [record("a"), record("b")])
    assert covering_runs(tmp_path) == ["20260104T000000Z-0041", "20251231T000000Z-0001"]
    assert covering_runs(tmp_path / "empty") == []


def test_run_context_to_run_leaves_out_unchanged_tasks(spec: PipelineSpec) -> None:
    plans, _ = _plan(spec)
    plans["b"].result.status = "unchanged"
    plans["c"].result.status = "failed"
    assert context(spec, plans, run_id=R3).to_run == ["a", "c", "d"]


def test_a_changed_notebook_says_which_cells_changed(spec: PipelineSpec) -> None:
    import nbformat
    from nbformat.v4 import new_code_cell, new_notebook

    root = spec.root
    good = _good(spec, "c")
    write_run(root, "p", R1, [good])
    executed = new_notebook(
        cells=[
            new_code_cell("k: int = 0  # a number", metadata={"tags": ["parameters"]}),
            new_code_cell("# Parameters\nk = 3\n", metadata={"tags": ["injected-parameters"]}),
            new_code_cell("print(k)"),
        ]
    )
    (root / "runs" / "p" / R1 / "c.ipynb").write_text(nbformat.writes(executed), "utf-8")
    # a later run kept c's report: the cells are compared with the run that made it
    write_run(root, "p", R2, [{**good, "status": "unchanged", "unchanged_since": R1}])
    (root / "notebooks" / "n.py").write_text(
        NOTEBOOK.replace("print(k)", "print(k * 2)") + "\n# %%\nscratch = 1\n", encoding="utf-8"
    )
    _, reasons = _plan(spec, selected=["c"])
    assert reasons == {
        "c": f"notebook changed since run {R1}: cell 2 edited (`print(k * 2)`), cell 3 added "
        "(`scratch = 1`)"
    }
