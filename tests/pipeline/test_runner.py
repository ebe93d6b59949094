"""Tests of ebpm.pipeline.runner: parameter checks, the demo end to end, and failed tasks.

Kernel runs cost seconds each, so the runs are module-scoped fixtures that several tests read:
the demo (2 kernels), a pipeline with one failing task (2) and a rerun that fails after a good
run (2).
"""

from __future__ import annotations

import csv
import html
import io
import json
import re
import shutil
from pathlib import Path
from typing import Any

import nbformat
import pandas
import pytest

import ebpm
from ebpm.errors import ParameterError, SpecError
from ebpm.pipeline import RunResult, run_pipeline
from ebpm.pipeline.notebooks import NotebookParameter, parameters_cell, read_notebook
from ebpm.pipeline.runner import check_parameters
from ebpm.pipeline.spec import Task, load_spec
from tests.conftest import TESTS

HERE = TESTS
REPO = HERE.parent
FIXTURES = HERE / "fixtures"
PIPELINES = FIXTURES / "pipelines"
TINY = FIXTURES / "notebooks" / "tiny_did.py"
DEMO = REPO / "pipelines" / "demo.yaml"
ORGAN_SHA256 = "af5dff31de5bdf096124e025c8a361f4acc729d6b51e805552c2fae429f73c21"
RUN_ID = re.compile(r"^\d{8}T\d{6}Z-[0-9a-f]{4}$")


@pytest.fixture
def tiny_params() -> dict[str, NotebookParameter]:
    return parameters_cell(read_notebook(TINY), path=TINY)


def _task(**parameters: Any) -> Task:
    return Task(name="organ", group="organ", notebook=TINY, parameters=parameters)


def _temp_files(folder: Path) -> list[Path]:
    return [p for p in folder.rglob("*") if p.name.endswith(".tmp")]


def _failing_cell_source() -> str:
    nb = read_notebook(TINY)
    (cell,) = [c for c in nb.cells if c.cell_type == "code" and "raise ValueError(" in c.source]
    return cell.source


# --- check_parameters -------------------------------------------------------------------------
def test_check_parameters_returns_the_parameters_to_inject(tiny_params) -> None:
    task = _task(dataset="studies.prop99", fail=True)
    out = check_parameters(task, tiny_params, spec_path="p.yaml")
    assert out == {"dataset": "studies.prop99", "fail": True}
    out["fail"] = False
    assert task.parameters["fail"] is True


def test_unknown_parameter_suggests_the_declared_name(tiny_params) -> None:
    with pytest.raises(
        ParameterError,
        match=r"^task 'organ': parameter 'outcom' is not in tiny_did\.py's parameters cell\. "
        r"Did you mean 'outcome'\? Fix the name in p\.yaml, or declare it in tiny_did\.py's "
        r"parameters cell\.$",
    ):
        check_parameters(_task(outcom="Rate"), tiny_params, spec_path="p.yaml")


def test_unknown_parameter_with_nothing_close(tiny_params) -> None:
    with pytest.raises(
        ParameterError,
        match=r"parameter 'zzz' is not in tiny_did\.py's "
        r"parameters cell\. Fix the name",
    ):
        check_parameters(_task(zzz=1), tiny_params, spec_path="p.yaml")


def test_missing_required_parameter_names_its_help(tmp_path: Path) -> None:
    declared = {
        "dataset": NotebookParameter("dataset", "str", None, "catalog entry", True),
        "year": NotebookParameter("year", "int", None, "", True),
        "title": NotebookParameter("title", "str", "x", "", False),
    }
    task = Task(name="t", group="t", notebook=tmp_path / "report.py", parameters={"year": 2020})
    with pytest.raises(
        ParameterError,
        match=r"^task 't': parameter 'dataset' is required by report\.py \(catalog entry\) but "
        r"not given; add `dataset: \.\.\.` to the task's parameters in spec\.yaml\.$",
    ):
        check_parameters(task, declared, spec_path="spec.yaml")
    task = Task(name="t", group="t", notebook=tmp_path / "report.py", parameters={})
    with pytest.raises(
        ParameterError, match=r"'year' is required by report\.py \(no description\)"
    ):
        check_parameters(task, declared, spec_path="spec.yaml")


@pytest.mark.parametrize(
    ("value", "shown"),
    [("yes", r"= 'yes' is a str"), (1, r"= 1 is an int"), (None, r"is None \(empty\)")],
)
def test_wrong_type_names_the_declaration(tiny_params, value: Any, shown: str) -> None:
    with pytest.raises(
        ParameterError,
        match=rf"parameter 'fail' {shown}, but tiny_did\.py declares `fail: bool`; fix the "
        r"value in p\.yaml",
    ):
        check_parameters(_task(fail=value), tiny_params, spec_path="p.yaml")


def test_every_problem_of_a_task_is_listed(tiny_params) -> None:
    with pytest.raises(ParameterError, match=r"'outcom' is not in .*\. parameter 'fail' = 'no'"):
        check_parameters(_task(outcom="Rate", fail="no"), tiny_params, spec_path="p.yaml")


# --- checks before any kernel starts ----------------------------------------------------------
def test_typo_in_spec_stops_the_run_before_any_kernel(tmp_path: Path) -> None:
    with pytest.raises(
        ParameterError,
        match=r"^1 task\(s\) of typo\.yaml have bad parameters; nothing was run\.\n  task 'organ': "
        r"parameter 'outcom' .*Did you mean 'outcome'\?",
    ):
        run_pipeline(PIPELINES / "typo.yaml", out_dir=tmp_path)
    assert not (tmp_path / "runs").exists()
    assert not (tmp_path / "site").exists()


def test_every_bad_task_is_reported_at_once(tmp_path: Path) -> None:
    spec = tmp_path / "two.yaml"
    spec.write_text(
        f"tasks:\n"
        f"  - {{name: a, notebook: {TINY}, parameters: {{outcom: Rate}}}}\n"
        f"  - {{name: b, notebook: {TINY}, parameters: {{fail: maybe}}}}\n"
        f"  - {{name: c, notebook: {TINY}, parameters: {{fail: true}}}}\n",
        encoding="utf-8",
    )
    with pytest.raises(ParameterError, match=r"^2 task\(s\) of two\.yaml") as info:
        run_pipeline(spec, out_dir=tmp_path / "out")
    message = str(info.value)
    assert "task 'a': parameter 'outcom'" in message
    assert "task 'b': parameter 'fail' = 'maybe' is a str" in message
    assert "task 'c'" not in message
    assert not (tmp_path / "out").exists()


def test_overrides_are_checked_too(tmp_path: Path) -> None:
    with pytest.raises(ParameterError, match=r"parameter 'fial' .*Did you mean 'fail'\?"):
        run_pipeline(PIPELINES / "rerun.yaml", out_dir=tmp_path, parameters={"fial": True})
    with pytest.raises(ParameterError, match=r"parameter 'fail' = 'true' is a str"):
        run_pipeline(PIPELINES / "rerun.yaml", out_dir=tmp_path, parameters={"fail": "true"})
    assert list(tmp_path.iterdir()) == []


def test_notebook_without_parameters_cell_stops_the_run(tmp_path: Path) -> None:
    (tmp_path / "plain.py").write_text("# %%\nx = 1\n", encoding="utf-8")
    (tmp_path / "spec.yaml").write_text("tasks:\n  - notebook: plain.py\n", encoding="utf-8")
    with pytest.raises(ParameterError, match=r"plain\.py: no cell is tagged 'parameters'"):
        run_pipeline(tmp_path / "spec.yaml", out_dir=tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_bad_spec_stops_the_run(tmp_path: Path) -> None:
    with pytest.raises(SpecError, match=r"typos\.yaml' does not exist\. Did you mean 'typo\.yaml'"):
        run_pipeline(PIPELINES / "typos.yaml", out_dir=tmp_path)
    assert list(tmp_path.iterdir()) == []


# --- a task that cannot even start ------------------------------------------------------------
def test_missing_kernel_fails_the_task_not_the_run(tmp_path: Path, catalog_env: None) -> None:
    result = run_pipeline(PIPELINES / "rerun.yaml", out_dir=tmp_path, kernel="no-such-kernel")
    assert result.ok is False
    (task,) = result.failed
    assert task.status == "failed"
    assert task.reason == (
        "NoSuchKernel: there is no Jupyter kernel named 'no-such-kernel'; `jupyter kernelspec "
        "list` shows the installed ones (the default, python3, is the Python running ebpm)"
    )
    assert task.report is None
    page = (tmp_path / "site" / "failures" / "rerun" / "organ.html").read_text(encoding="utf-8")
    assert "there is no Jupyter kernel named &#x27;no-such-kernel&#x27;" in page
    assert "This task has no earlier good report." in page
    manifest = json.loads(result.manifest.read_text(encoding="utf-8"))
    assert manifest["status"] == "failed"
    assert manifest["kernel"] == "no-such-kernel"
    assert manifest["tasks"][0]["failure_page"] == "failures/rerun/organ.html"


# --- the demo, end to end ---------------------------------------------------------------------
@pytest.fixture(scope="module")
def demo(demo_run):
    """The demo, run once per session (conftest.demo_run)."""
    return demo_run


def _demo_tasks() -> dict[str, str]:
    """Task name -> dataset of every task of the demo spec."""
    return {
        t.name: t.parameters["dataset"] for t in load_spec(DEMO).tasks if "dataset" in t.parameters
    }


def _by_dataset(result: RunResult, dataset: str) -> list[Any]:
    return [t for t in result.tasks if t.parameters.get("dataset") == dataset]


@pytest.mark.slow
def test_demo_runs_every_task(demo) -> None:
    result, out, _ = demo
    assert isinstance(result, RunResult)
    assert result.ok, [t.reason for t in result.tasks]
    assert result.failed == []
    assert [t.name for t in result.tasks] == [t.name for t in load_spec(DEMO).tasks]
    assert [t.name for t in result.tasks if t.name not in _demo_tasks()] == ["prop99_kpi"]
    assert set(_demo_tasks().values()) == {
        "studies.organ_donations",
        "studies.prop99",
        "studies.mpdta",
        "studies.senate",
        "geo.tokyo_municipalities",
        "geo.prefecture_municipal_structure",
        "studies.nsw_mixtape",
    }
    assert RUN_ID.match(result.run_id)
    assert result.run_dir == out.resolve() / "runs" / "demo" / result.run_id
    assert result.site_dir == out.resolve() / "site"
    assert result.index == out.resolve() / "site" / "index.html"
    assert result.duration_s > 0


@pytest.mark.slow
def test_demo_regional_profiles_report_morans_i(demo) -> None:
    from ebpm import geo

    result, _, _ = demo
    tokyo = {t.name: t for t in _by_dataset(result, "geo.tokyo_municipalities")}
    assert sorted(tokyo) == [
        "tokyo_profile-OWNH",
        "tokyo_profile-POP65",
        "tokyo_profile-UNEMP",
        "tokyo_profile-smr",
    ]
    head = tokyo["tokyo_profile-UNEMP"].headline["headline"]
    direct = geo.moran(geo.tokyo(), "UNEMP", permutations=99, seed=1, connect_islands=True)
    assert head["estimate"] == pytest.approx(direct.estimate, abs=1e-12)  # I needs no seed
    assert head["estimate"] > 0.3  # unemployment clusters in the Tokyo area
    (prefs,) = _by_dataset(result, "geo.prefecture_municipal_structure")
    assert prefs.status == "ok"


@pytest.mark.slow
def test_demo_headlines_match_the_published_estimates(demo) -> None:
    result, _, _ = demo
    (organ,) = _by_dataset(result, "studies.organ_donations")
    head = organ.headline["headline"]
    assert head["estimate"] == pytest.approx(-0.0225, abs=5e-5)
    assert head["conf_low"] < head["estimate"] < head["conf_high"] < 0
    assert organ.headline["label"] == "Active-choice framing and organ donor registration"
    prop99 = [t for t in _by_dataset(result, "studies.prop99") if t.group == "prop99"]
    assert prop99
    for task in prop99:
        assert task.headline["headline"]["estimate"] == pytest.approx(-27.349, abs=5e-3)
    # one report per design, each at its published number
    by_group = {t.group: t.headline["headline"] for t in result.tasks if t.headline}
    assert by_group["mpdta_staggered"]["estimate"] == pytest.approx(-0.0400, abs=5e-5)
    assert by_group["prop99_synthetic_control"]["estimate"] == pytest.approx(-19.6, abs=0.05)
    assert by_group["prop99_its"]["estimate"] == pytest.approx(-20.058, abs=5e-3)
    assert by_group["senate_rdd"]["estimate"] == pytest.approx(7.414, abs=5e-4)
    assert by_group["senate_rdd"]["std_error"] == pytest.approx(1.459, abs=5e-4)


@pytest.mark.slow
def test_demo_index_lists_every_estimate(demo) -> None:
    result, out, _ = demo
    index = (out / "site" / "index.html").read_text(encoding="utf-8")
    assert "-0.0225" in index
    assert "-27.3" in index

    # the estimate cells, not just the pipeline description that quotes the published numbers
    def cells(text: str) -> int:
        return len(re.findall(r'<td class="num" data-key="[^"]*">' + re.escape(text), index))

    assert cells("ATT -0.0225 ") == 1
    did_prop99 = [t for t in _by_dataset(result, "studies.prop99") if t.group == "prop99"]
    assert cells("ATT -27.349 ") == len(did_prop99)
    assert cells("ATT -0.0400 ") == 1  # staggered DiD
    assert cells("ATT -19.620 ") == 1  # synthetic control
    assert "7.414 " in index  # regression discontinuity
    for name in _demo_tasks():
        assert f'<a href="reports/demo/{name}.html">{name}</a>' in index
    assert index.count('<span class="ok">ok</span>') == len(result.tasks)
    # red marks only for diagnostics that warn (the event study's sensitivity breakdown is
    # below 1), never for a task's status
    assert set(re.findall(r'<span class="failed">([^<]*)</span>', index)) <= {"warn"}
    assert f"<code>{result.run_id}</code>" in index
    assert f"sha256 {ORGAN_SHA256[:12]}" in index


@pytest.mark.slow
def test_demo_manifest_records_the_run(demo) -> None:
    result, out, _ = demo
    path = out / "runs" / "demo" / result.run_id / "manifest.json"
    assert path == result.manifest
    manifest = json.loads(path.read_text(encoding="utf-8"))
    assert manifest["run_id"] == result.run_id
    assert manifest["pipeline"] == "demo"
    assert manifest["spec"] == "pipelines/demo.yaml"
    assert manifest["status"] == "ok"
    assert "git" in manifest
    assert set(manifest["git"]) == {"commit", "dirty"}
    assert manifest["versions"]["ebpm"] == ebpm.__version__
    assert manifest["versions"]["pandas"] == pandas.__version__
    assert manifest["duration_s"] == result.duration_s
    # tasks ran side by side: the run is at least as long as its longest task
    assert manifest["duration_s"] >= max(t["duration_s"] for t in manifest["tasks"])
    assert manifest["executor"] == {"kind": "local", "address": None, "jobs": 2}
    assert manifest["manifest_version"] == 3
    assert manifest["spec_tasks"] == [t["name"] for t in manifest["tasks"]]
    assert manifest["parameter_overrides"] == {}
    spec = load_spec(DEMO)
    assert [t["parameters"] for t in manifest["tasks"]] == [t.parameters for t in spec.tasks]
    assert [t["status"] for t in manifest["tasks"]] == ["ok"] * len(spec.tasks)
    assert [t["report"] for t in manifest["tasks"]] == [
        f"reports/demo/{t.name}.html" for t in spec.tasks
    ]
    datasets = {d["entry"]: d for d in manifest["datasets"]}
    assert set(datasets) == {
        "studies.organ_donations",
        "studies.prop99",
        "studies.mpdta",
        "studies.senate",
        "geo.tokyo_municipalities",
        "geo.prefecture_municipal_structure",
        "geo.japan_prefectures",  # the national map's own polygons, cited in its footer
        "studies.nsw_mixtape",  # the records released anonymized
        "pipelines/policies/prop99.yaml",  # the KPI dashboard's logic model, as a file input
        "evidence demo/prop99_synthetic_control",  # the estimate the dashboard shows
    }
    organ = datasets["studies.organ_donations"]
    assert organ["sha256"] == ORGAN_SHA256
    assert organ["package"] == "causaldata"
    assert organ["tasks"] == [t.name for t in _by_dataset(result, "studies.organ_donations")]


@pytest.mark.slow
def test_demo_manifest_lists_every_task_that_used_a_dataset(demo) -> None:
    result, _, _ = demo
    manifest = json.loads(result.manifest.read_text(encoding="utf-8"))
    prop99 = [t.name for t in _by_dataset(result, "studies.prop99")]
    assert len(prop99) > 1, "the demo no longer runs prop99 twice; this test needs two tasks"
    (record,) = [d for d in manifest["datasets"] if d["entry"] == "studies.prop99"]
    # the evaluations given it as `dataset`, and the KPI dashboard, which reads its sales KPI
    assert record["tasks"] == [t.name for t in result.tasks if t.name in {*prop99, "prop99_kpi"}]
    assert "prop99_kpi" in record["tasks"]


@pytest.mark.slow
@pytest.mark.parametrize("dataset", ["studies.organ_donations", "studies.prop99"])
def test_demo_reports_show_results_and_hide_code(demo, dataset: str) -> None:
    result, out, _ = demo
    estimate = {"studies.organ_donations": "-0.0225", "studies.prop99": "-27.3"}[dataset]
    folder = out / "site" / "reports" / "demo"
    for task in _by_dataset(result, dataset):
        page = (folder / f"{task.name}.html").read_text(encoding="utf-8")
        assert estimate in page
        assert "<img" in page
        assert f"<title>demo: {task.name}</title>" in page
        assert f"Run <code>{result.run_id}</code>" in page  # the footer saw the run id
        # the code is in the page, but only in code cells' input areas, hidden until the
        # reader presses "Show code"
        assert re.search(r'<body class="[^"]*\bebpm-hide-code\b', page)
        assert 'id="ebpm-toggle-code"' in page
        cells = re.split(r'<div (?:id="[^"]*" )?class="jp-Cell ', page)[1:]
        found = 0
        for code in ("catalog.load(", "report.headline(", "import ebpm", "describe."):
            holders = [c for c in cells if code in html.unescape(re.sub(r"<[^>]+>", "", c))]
            found += bool(holders)
            for cell in holders:
                assert cell.startswith("jp-CodeCell")
                inputs = cell.split('class="jp-Cell-outputWrapper"')[0]
                assert code in html.unescape(re.sub(r"<[^>]+>", "", inputs))
        assert found >= 2
        assert page == (result.run_dir / f"{task.name}.html").read_text(encoding="utf-8")
        # downloads beside the report: the executed notebook, the result, its table
        assert f'<a href="{task.name}.ipynb" download>' in page
        nb = nbformat.read(folder / f"{task.name}.ipynb", as_version=4)
        assert nb.metadata.papermill["parameters"] == task.parameters
        saved = json.loads((folder / f"{task.name}.result.json").read_text(encoding="utf-8"))
        assert saved == task.headline
        text = (folder / f"{task.name}.csv").read_text(encoding="utf-8-sig")
        rows = list(csv.DictReader(io.StringIO(text)))
        assert len(rows) == len(task.headline["table"])
        assert list(rows[0]) == list(task.headline["table"][0])
        assert float(rows[0]["estimate"]) == task.headline["table"][0]["estimate"]


@pytest.mark.slow
def test_demo_run_dir_keeps_the_executed_notebooks(demo) -> None:
    result, _, _ = demo
    for task in result.tasks:
        assert task.output_notebook == f"{task.name}.ipynb"
        nb = nbformat.read(result.run_dir / task.output_notebook, as_version=4)
        code = [c for c in nb.cells if c.cell_type == "code"]
        assert all(c.execution_count is not None for c in code)
        injected = [c for c in code if "injected-parameters" in c.metadata.get("tags", [])]
        assert len(injected) == 1
        name, value = next(iter(task.parameters.items()))
        assert f'{name} = "{value}"' in injected[0].source
        assert task.status == "ok"
        assert task.attempts == 1
        # the notebook's own cell time is recorded beside the task's wall time
        assert 0 < task.cell_time_s <= task.duration_s


@pytest.mark.slow
def test_demo_progress_events_and_clean_writes(demo) -> None:
    result, out, events = demo
    n = len(result.tasks)
    events = [e for e in events if e["event"] != "tick"]
    plan = events[0]
    assert plan["event"] == "plan"
    assert plan["total"] == n
    assert plan["to_run"] == [t.name for t in result.tasks]
    assert plan["unchanged"] == []
    assert set(plan["reasons"].values()) == {"never ran successfully"}
    for task in result.tasks:
        mine = [e for e in events[1:] if e["task"] == task.name]
        assert [e["event"] for e in mine] == ["start", "done"]
        assert mine[1]["result"] is task
    assert _temp_files(out) == []
    state = json.loads((out / "site" / "_ebpm" / "state.json").read_text(encoding="utf-8"))
    tasks = state["pipelines"]["demo"]["tasks"]
    assert set(tasks) == {t.name for t in result.tasks}
    assert {t["report_run_id"] for t in tasks.values()} == {result.run_id}


# --- a pipeline with a failing task -----------------------------------------------------------
@pytest.fixture(scope="module")
def failure(tmp_path_factory: pytest.TempPathFactory, catalog_env: None):
    out = tmp_path_factory.mktemp("failure")
    return run_pipeline(PIPELINES / "failure.yaml", out_dir=out), out


@pytest.mark.slow
def test_a_failing_task_does_not_stop_the_others(failure) -> None:
    result, out = failure
    assert result.ok is False
    assert [(t.name, t.status) for t in result.tasks] == [("good", "ok"), ("bad", "failed")]
    assert [t.name for t in result.failed] == ["bad"]
    good, bad = result.tasks
    assert good.headline["headline"]["estimate"] == pytest.approx(-0.0225, abs=5e-5)
    assert (out / "site" / "reports" / "failure" / "good.html").is_file()
    assert not (out / "site" / "reports" / "failure" / "bad.html").exists()
    assert re.fullmatch(r"cell In \[\d+\] raised ValueError: boom: fail=True", bad.reason)
    assert bad.report is None
    assert bad.headline is None
    assert bad.failure_page == "failures/failure/bad.html"
    manifest = json.loads(result.manifest.read_text(encoding="utf-8"))
    assert manifest["status"] == "failed"
    assert [t["status"] for t in manifest["tasks"]] == ["ok", "failed"]


@pytest.mark.slow
def test_failure_page_shows_the_failing_cell_and_error(failure) -> None:
    result, out = failure
    page = (out / "site" / "failures" / "failure" / "bad.html").read_text(encoding="utf-8")
    assert html.escape(_failing_cell_source()) in page
    assert "ValueError" in page
    assert "boom" in page
    assert "<code>ValueError: boom: fail=True</code>" in page
    assert "Traceback" in page
    assert "\x1b[" not in page  # colour codes stripped from the traceback
    assert f"<code>runs/failure/{result.run_id}/bad.ipynb</code>" in page
    assert "This task has no earlier good report." in page
    assert f"run <code>{result.run_id}</code>" in page


@pytest.mark.slow
def test_failed_task_keeps_its_executed_notebook(failure) -> None:
    result, _ = failure
    nb = nbformat.read(result.run_dir / "bad.ipynb", as_version=4)
    errors = [
        o for c in nb.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"
    ]
    assert [(e.ename, e.evalue) for e in errors] == [("ValueError", "boom: fail=True")]


@pytest.mark.slow
def test_index_shows_the_failure(failure) -> None:
    _, out = failure
    index = (out / "site" / "index.html").read_text(encoding="utf-8")
    assert '<span class="failed">failed</span> <a href="failures/failure/bad.html">why</a>' in index
    assert '<a href="reports/failure/good.html">good</a>' in index
    assert "last good report:" not in index
    assert _temp_files(out) == []


# --- a good run, then a failed rerun ----------------------------------------------------------
@pytest.fixture(scope="module")
def rerun(tmp_path_factory: pytest.TempPathFactory, catalog_env: None) -> dict[str, Any]:
    """Run rerun.yaml in a copy of the fixture project, writing into that project."""
    project = tmp_path_factory.mktemp("project")
    shutil.copytree(FIXTURES / "notebooks", project / "notebooks")
    shutil.copytree(PIPELINES, project / "pipelines")
    spec = project / "pipelines" / "rerun.yaml"
    report = project / "site" / "reports" / "rerun" / "organ.html"
    first = run_pipeline(spec, out_dir=project)
    report_bytes = report.read_bytes() if report.is_file() else None
    second = run_pipeline(spec, out_dir=project, parameters={"fail": True})
    return {
        "project": project,
        "report": report,
        "first": first,
        "report_bytes": report_bytes,
        "second": second,
    }


@pytest.mark.slow
def test_failed_rerun_leaves_the_last_good_report_untouched(rerun) -> None:
    assert rerun["first"].ok
    assert rerun["second"].ok is False
    assert rerun["report_bytes"] is not None
    assert rerun["report"].read_bytes() == rerun["report_bytes"]
    assert rerun["second"].tasks[0].report is None
    assert rerun["second"].tasks[0].parameters["fail"] is True


@pytest.mark.slow
def test_index_links_the_last_good_report_after_a_failed_rerun(rerun) -> None:
    first, second = rerun["first"], rerun["second"]
    index = (rerun["project"] / "site" / "index.html").read_text(encoding="utf-8")
    assert '<span class="failed">failed</span> <a href="failures/rerun/organ.html">why</a>' in index
    assert (
        '<span class="muted">last good report: <a href="reports/rerun/organ.html">'
        f"run {first.run_id}</a></span>"
    ) in index
    # the last good estimate stays listed
    assert re.search(r'<td class="num" data-key="[^"]*">ATT -0\.0225 ', index)
    assert f"<code>{second.run_id}</code>" in index
    state = json.loads(
        (rerun["project"] / "site" / "_ebpm" / "state.json").read_text(encoding="utf-8")
    )
    organ = state["pipelines"]["rerun"]["tasks"]["organ"]
    assert organ["status"] == "failed"
    assert organ["run_id"] == second.run_id
    assert organ["report_run_id"] == first.run_id
    assert organ["report"] == "reports/rerun/organ.html"


@pytest.mark.slow
def test_failure_page_links_the_last_good_report(rerun) -> None:
    page = (rerun["project"] / "site" / "failures" / "rerun" / "organ.html").read_text(
        encoding="utf-8"
    )
    assert '<a href="../../reports/rerun/organ.html">reports/rerun/organ.html</a>' in page
    assert "boom: fail=True" in page
    assert "This task has no earlier good report." not in page


@pytest.mark.slow
def test_rerun_keeps_both_run_folders_and_records_the_override(rerun) -> None:
    first, second = rerun["first"], rerun["second"]
    runs = rerun["project"] / "runs" / "rerun"
    folders = sorted(p.name for p in runs.iterdir() if p.is_dir())
    assert folders == sorted([first.run_id, second.run_id])
    assert (first.run_dir / "organ.ipynb").is_file()
    assert (first.run_dir / "organ.html").read_bytes() == rerun["report_bytes"]
    manifest = json.loads(second.manifest.read_text(encoding="utf-8"))
    assert manifest["parameter_overrides"] == {"fail": True}
    assert manifest["tasks"][0]["parameters"] == {
        "dataset": "studies.organ_donations",
        "fail": True,
    }


@pytest.mark.slow
def test_failure_page_names_the_executed_notebook_relative_to_the_project(rerun) -> None:
    second = rerun["second"]
    page = (rerun["project"] / "site" / "failures" / "rerun" / "organ.html").read_text(
        encoding="utf-8"
    )
    assert f"<code>runs/rerun/{second.run_id}/organ.ipynb</code>" in page


# --- a report that cannot be rendered -------------------------------------------------------
@pytest.mark.slow
def test_rendering_error_fails_the_task_not_the_run(
    tmp_path: Path, catalog_env: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    import ebpm.site.render

    def broken(*args: Any, **kwargs: Any) -> str:
        raise RuntimeError("template exploded")

    monkeypatch.setattr(ebpm.site.render, "render_html", broken)
    result = run_pipeline(PIPELINES / "rerun.yaml", out_dir=tmp_path)
    (task,) = result.tasks
    assert task.status == "failed"
    assert task.reason == "the report could not be rendered: RuntimeError: template exploded"
    assert not (tmp_path / "site" / "reports" / "rerun" / "organ.html").exists()
    page = (tmp_path / "site" / "failures" / "rerun" / "organ.html").read_text(encoding="utf-8")
    assert "template exploded" in page
    manifest = json.loads(result.manifest.read_text(encoding="utf-8"))
    assert manifest["status"] == "failed"
    # the estimate was computed; the manifest still records the data it used
    assert manifest["datasets"][0]["sha256"] == ORGAN_SHA256


@pytest.mark.slow
def test_every_demo_report_hides_code_and_has_a_figure_and_footer(demo) -> None:
    result, out, _ = demo
    for task in result.tasks:
        page = (out / "site" / "reports" / "demo" / f"{task.name}.html").read_text(encoding="utf-8")
        assert "<img" in page, task.name
        assert f"Run <code>{result.run_id}</code>" in page, task.name
        assert "catalog.load(" not in page, task.name
        assert "import ebpm" not in page, task.name
        # every evaluation publishes its estimate; the KPI dashboard and the anonymized data
        # release (a release, not an evaluation) have none of their own
        no_estimate = {"prop99_kpi", "nsw_anonymized"}
        assert (task.headline is not None) == (task.name not in no_estimate), task.name
        assert task.datasets, task.name


@pytest.mark.slow
def test_demo_kpi_dashboard_shows_the_logic_model_its_evidence_and_targets(demo) -> None:
    from ebpm import kpi

    result, out, _ = demo
    folder = out / "site" / "reports" / "demo"
    page = (folder / "prop99_kpi.html").read_text(encoding="utf-8")
    model = kpi.load(REPO / "pipelines" / "policies" / "prop99.yaml")
    for node in model.nodes:
        assert f'data-node="{node.id}"' in page
    sc = {t.name: t for t in result.tasks}["prop99_synthetic_control"].headline["headline"]
    shown = f"{sc['estimate']:.1f}".replace("-", "−")
    assert shown == "−19.6"
    assert page.count('data-evaluated="yes"') == len(model.links_with_evidence())
    assert shown in page  # the evidence is this run's synthetic control estimate
    assert "KPIs against their targets" in page
    assert "This is the first follow-up recorded for this dashboard." in page
    assert "off track" in page  # sales in 2000 (41.6) sit above the illustrative path (40)
    # the evaluation's report links back to the policy it informs; the others do not
    evaluation = (folder / "prop99_synthetic_control.html").read_text(encoding="utf-8")
    assert (
        '<span class="ebpm-informs">Evidence for the policy: <a href="prop99_kpi.html">'
        "California Proposition 99 tobacco control programme</a></span>"
    ) in evaluation
    organ = (folder / "organ_donations.html").read_text(encoding="utf-8")
    assert 'class="ebpm-informs"' not in organ


def test_a_misspelt_dataset_stops_the_run_before_any_kernel(tmp_path, monkeypatch) -> None:
    """As ``ebpm check`` says it, with the close match; no run folder is left behind."""
    from ebpm.errors import ParameterError
    from tests.e2e.test_pipeline_runs import _project

    (tmp_path / "catalogs").mkdir()
    (tmp_path / "catalogs" / "t.yaml").write_text(
        "entries:\n  stats:\n    reader: ebpm.catalog.files:RemoteTable\n"
        "    kwargs: {url: 'http://127.0.0.1:9/x.csv'}\n",
        encoding="utf-8",
    )
    monkeypatch.setenv("EBPM_CATALOG_DIR", str(tmp_path / "catalogs"))
    spec = _project(tmp_path, [{"name": "a", "parameters": {"dataset": "t.stat"}}])
    with pytest.raises(
        ParameterError,
        match=r"`dataset` = 't\.stat' is not an entry of the catalogs .*Did you mean 't\.stats'\?"
        r"(.|\n)*nothing was run",
    ):
        run_pipeline(spec, out_dir=tmp_path, jobs=1, lang="ja")
    assert [p.name for p in (tmp_path / "runs" / "p").iterdir() if p.is_dir()] == []
    # nor is the site's language changed by a run that did not run
    from ebpm.site import load_state

    assert load_state(tmp_path / "site").get("lang", "en") == "en"
