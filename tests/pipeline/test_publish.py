"""Tests of ebpm.pipeline.publish: a finished task's report or failure page in the site, its
revision alert and downloads, the site's language, and the site rebuilt from recorded runs."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook, new_output

from ebpm._protocol import RESULT_MIME
from ebpm.errors import InvalidOptionError, PipelineError
from ebpm.pipeline.plan import Plan
from ebpm.pipeline.publish import (
    publish_finished,
    publish_history,
    set_site_language,
)
from ebpm.pipeline.records import TaskResult
from ebpm.pipeline.republish import publish_runs, repair_site_state
from ebpm.pipeline.spec import PipelineSpec, load_spec
from ebpm.site import load_state
from tests.pipeline.conftest import context, headline, record, write_run

R1, R2 = "20260101T000000Z-0011", "20260102T000000Z-0021"
TABLE = [{"term": "ATT", "estimate": 1.5, "std_error": 0.1}, {"term": "pre", "estimate": 0.2}]


@pytest.fixture
def spec(tmp_path: Path) -> PipelineSpec:
    (tmp_path / "notebooks").mkdir()
    (tmp_path / "notebooks" / "n.py").write_text(
        '# %% tags=["parameters"]\nk: int = 0\n\n# %%\nprint(k)\n', encoding="utf-8"
    )
    (tmp_path / "pipelines").mkdir()
    (tmp_path / "pipelines" / "p.yaml").write_text(
        "name: p\ndescription: A test pipeline.\ntasks:\n"
        "  - {name: a, notebook: notebooks/n.py, parameters: {k: 1}, tolerance: 0.5}\n",
        encoding="utf-8",
    )
    return load_spec(tmp_path / "pipelines" / "p.yaml")


def _executed(estimate: float) -> Any:
    """An executed notebook that published ``estimate`` with an estimates table."""
    result = {**headline(estimate), "label": "the effect", "table": TABLE}
    out = new_output("display_data", data={RESULT_MIME: result, "text/plain": f"ATT {estimate}"})
    return new_notebook(cells=[new_code_cell("report.headline(result)", outputs=[out])])


def _finish(
    spec: PipelineSpec,
    run_id: str,
    *,
    status: str = "ok",
    estimate: float | None = 1.5,
    reason: str | None = None,
    previous: tuple[str, dict[str, Any]] | None = None,
) -> TaskResult:
    """Finish task a of run ``run_id`` as the scheduler does, and publish it."""
    (task,) = spec.tasks
    result = TaskResult("a", "a", "notebooks/n.py", {"k": 1}, status=status, reason=reason)
    ctx = context(spec, {"a": Plan(task, result, {"notebook": "n1"}, previous)}, run_id=run_id)
    ctx.run_dir.mkdir(parents=True, exist_ok=True)
    if estimate is not None:
        nbformat.write(_executed(estimate), ctx.run_dir / "a.ipynb")
        result.output_notebook = "a.ipynb"
    publish_finished(ctx.plans["a"], ctx)
    return result


def test_a_good_task_gets_its_report_and_downloads(spec: PipelineSpec) -> None:
    result = _finish(spec, R1)
    site = spec.root / "site"
    assert (result.status, result.report, result.failure_page) == ("ok", "reports/p/a.html", None)
    assert result.headline["headline"]["estimate"] == 1.5
    assert result.fingerprint == {"notebook": "n1", "data": {}}
    page = (site / "reports" / "p" / "a.html").read_text(encoding="utf-8")
    assert "<title>p: a</title>" in page
    assert "ATT 1.5" in page
    assert page == (spec.root / "runs" / "p" / R1 / "a.html").read_text(encoding="utf-8")
    folder = site / "reports" / "p"
    executed = spec.root / "runs" / "p" / R1 / "a.ipynb"
    assert (folder / "a.ipynb").read_bytes() == executed.read_bytes()
    saved = json.loads((folder / "a.result.json").read_text(encoding="utf-8"))
    assert saved == result.headline
    text = (folder / "a.csv").read_text(encoding="utf-8")
    assert text.startswith("\ufeff")  # Excel opens it as UTF-8
    assert list(csv.DictReader(io.StringIO(text.lstrip("\ufeff")))) == [
        {"term": "ATT", "estimate": "1.5", "std_error": "0.1"},
        {"term": "pre", "estimate": "0.2", "std_error": ""},
    ]
    for name in ("a.ipynb", "a.result.json", "a.csv"):
        assert f'href="{name}"' in page
    assert (site / "index.html").is_file()


def test_a_failed_task_gets_a_failure_page_and_no_report(spec: PipelineSpec) -> None:
    result = _finish(spec, R1, status="failed", estimate=None, reason="cell In [3] raised X: y")
    site = spec.root / "site"
    assert result.failure_page == "failures/p/a.html"
    assert result.report is None
    assert not (site / "reports" / "p" / "a.html").exists()
    page = (site / "failures" / "p" / "a.html").read_text(encoding="utf-8")
    assert "cell In [3] raised X: y" in page
    assert f"<code>{R1}</code>" in page
    assert "This task has no earlier good report." in page
    assert (site / "index.html").is_file()


def test_a_good_run_after_a_failure_removes_the_failure_page(spec: PipelineSpec) -> None:
    _finish(spec, R1, status="failed", estimate=None, reason="boom")
    assert (spec.root / "site" / "failures" / "p" / "a.html").is_file()
    _finish(spec, R2)
    assert not (spec.root / "site" / "failures" / "p" / "a.html").exists()
    assert (spec.root / "site" / "reports" / "p" / "a.html").is_file()


def test_a_finished_task_without_its_notebook_fails(spec: PipelineSpec) -> None:
    result = _finish(spec, R1, estimate=None)
    assert result.status == "failed"
    assert result.reason == "the executed notebook is missing"
    assert (spec.root / "site" / "failures" / "p" / "a.html").is_file()


def test_an_estimate_beyond_the_tolerance_gets_a_revision_alert(spec: PipelineSpec) -> None:
    last = {"headline": headline(1.0), "parameters": {"k": 0}, "fingerprint": {"notebook": "n0"}}
    result = _finish(spec, R2, estimate=2.0, previous=(R1, record("a", **last)))
    assert result.revision is not None
    assert (result.revision["previous_run"], result.revision["difference"]) == (R1, 1.0)
    assert result.revision["tolerance"] == "0.5"
    page = (spec.root / "site" / "reports" / "p" / "a.html").read_text(encoding="utf-8")
    assert (
        f"<strong>Revised estimate.</strong> Run {R1}: 1 [0.8, 1.2]; this run: 2 [1.8, 2.2] "
        "(change 1, beyond the tolerance 0.5).<br>What changed: notebook: notebooks/n.py; "
        "parameter <code>k</code>: 0 → 1.</div>"
    ) in page


def test_an_estimate_within_the_tolerance_is_no_revision(spec: PipelineSpec) -> None:
    # the previous estimate was kept unchanged since R1: the alert would name R1
    previous = (R2, record("a", "unchanged", unchanged_since=R1, headline=headline(1.0)))
    result = _finish(spec, "20260103T000000Z-0031", estimate=1.4, previous=previous)
    assert result.revision is None
    page = (spec.root / "site" / "reports" / "p" / "a.html").read_text(encoding="utf-8")
    assert "Revised estimate." not in page


def test_a_report_that_cannot_be_rendered_fails_the_task_not_the_run(
    spec: PipelineSpec, monkeypatch: pytest.MonkeyPatch
) -> None:
    import ebpm.site.render

    def broken(*args: Any, **kwargs: Any) -> str:
        raise RuntimeError("template exploded")

    monkeypatch.setattr(ebpm.site.render, "report_page", broken)
    result = _finish(spec, R1)
    assert result.status == "failed"
    assert result.reason == "the report could not be rendered: RuntimeError: template exploded"
    assert not (spec.root / "site" / "reports" / "p" / "a.html").exists()
    page = (spec.root / "site" / "failures" / "p" / "a.html").read_text(encoding="utf-8")
    assert "template exploded" in page


# --- the site's language ----------------------------------------------------------------------
def test_the_site_language_is_kept_in_its_state(tmp_path: Path) -> None:
    site = tmp_path / "site"
    set_site_language(site, "ja")
    assert load_state(site)["lang"] == "ja"
    set_site_language(site, "en")
    assert load_state(site)["lang"] == "en"


def test_pages_are_written_in_the_site_language(spec: PipelineSpec) -> None:
    set_site_language(spec.root / "site", "ja")
    _finish(spec, R1, status="failed", estimate=None, reason="boom")
    page = (spec.root / "site" / "failures" / "p" / "a.html").read_text(encoding="utf-8")
    assert '<html lang="ja">' in page


def test_an_unknown_site_language_is_refused(tmp_path: Path) -> None:
    with pytest.raises(InvalidOptionError, match=r"lang='fr'"):
        set_site_language(tmp_path / "site", "fr")
    assert not (tmp_path / "site").exists()


# --- the site from recorded runs --------------------------------------------------------------
def test_publishing_without_runs_says_to_run_first(tmp_path: Path) -> None:
    with pytest.raises(
        PipelineError,
        match=r"^no recorded runs under .*runs; run a pipeline first \(`ebpm run SPEC`\)$",
    ):
        publish_runs(tmp_path)


def test_the_site_is_rebuilt_from_the_recorded_runs(spec: PipelineSpec, tmp_path: Path) -> None:
    _finish(spec, R1)
    _finish(spec, R2, status="failed", estimate=None, reason="the second run broke")
    tasks = [record("a", parameters={"k": 1}, output_notebook="a.ipynb", headline=headline(1.5))]
    common = {"root": str(spec.root), "spec": "pipelines/p.yaml", "description": "A test."}
    write_run(spec.root, "p", R1, tasks, **common)
    write_run(spec.root, "p", R2, [record("a", "failed", reason="the second run broke")], **common)
    elsewhere = tmp_path / "elsewhere"
    index = publish_runs(spec.root, [R1, R2[:12]], site=elsewhere)
    assert index == elsewhere / "index.html"
    assert (elsewhere / "reports" / "p" / "a.html").is_file()  # the last good report stays
    failure = (elsewhere / "failures" / "p" / "a.html").read_text(encoding="utf-8")
    assert "the second run broke" in failure
    assert (elsewhere / "history" / "p" / "a.html").is_file()
    assert load_state(elsewhere)["pipelines"]["p"]["tasks"]["a"]["status"] == "failed"


def test_publish_history_writes_each_tasks_history_page(tmp_path: Path) -> None:
    write_run(tmp_path, "p", R1, [record("a", headline=headline(1.0)), record("b", "failed")])
    write_run(tmp_path, "p", R2, [record("a", headline=headline(1.2))])
    site = tmp_path / "site"
    publish_history(tmp_path, "p", site)
    page = (site / "history" / "p" / "a.html").read_text(encoding="utf-8")
    assert R1 in page
    assert R2 in page
    assert (site / "history" / "p" / "b.html").is_file()


def test_an_unusable_site_state_is_rebuilt_from_the_runs(spec: PipelineSpec) -> None:
    _finish(spec, R1)
    common = {"root": str(spec.root), "spec": "pipelines/p.yaml"}
    tasks = [record("a", parameters={"k": 1}, output_notebook="a.ipynb", headline=headline(1.5))]
    write_run(spec.root, "p", R1, tasks, **common)
    site = spec.root / "site"
    (site / "_ebpm" / "state.json").write_text('{"pipelines": {', encoding="utf-8")
    repair_site_state(spec.root, site)
    assert (site / "_ebpm" / "state.json.corrupt").read_text(encoding="utf-8") == (
        '{"pipelines": {'
    )
    state = load_state(site)
    assert state["pipelines"]["p"]["tasks"]["a"]["status"] == "ok"
    # a usable state is left as it is
    before = (site / "_ebpm" / "state.json").read_bytes()
    repair_site_state(spec.root, site)
    assert (site / "_ebpm" / "state.json").read_bytes() == before


def test_a_release_no_longer_made_is_taken_off_the_site(tmp_path: Path) -> None:
    """The report's new run releases no microdata: the file an earlier run published goes;
    another task's file, even one whose name starts alike, stays."""
    from ebpm.pipeline.publish import _write_releases

    folder = tmp_path / "reports" / "p"
    folder.mkdir(parents=True)
    for name in ("t.microdata.csv", "t.microdata-2.csv", "t.microdata.microdata.csv"):
        (folder / name).write_text("age\n1\n", encoding="utf-8")
    assert _write_releases("t", new_notebook(cells=[new_code_cell("1")]), folder) == {}
    assert sorted(p.name for p in folder.iterdir()) == ["t.microdata.microdata.csv"]
