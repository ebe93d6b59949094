"""ebpm.pipeline.export: which run's notebook a report is exported from, and the errors that
name the bad value and the fix."""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pytest
from pypdf import PdfReader

from ebpm.errors import InvalidOptionError, PipelineError, RunNotFoundError
from ebpm.pipeline.export import LABELS, check_formats, export_report, find_report, write_formats
from tests.site.export_sample import DATASET, TITLE, notebook

GOOD, FAILED = "20261201T000000Z-aaaa", "20261202T000000Z-bbbb"


def _record(name: str, status: str, **extra) -> dict:
    return {
        "name": name,
        "status": status,
        "parameters": {"indicator": "OWNH", "token": "t0ps3cret"},
        "datasets": [DATASET],
        "finished_at": "2026-12-01T00:05:00+00:00",
        **extra,
    }


def _run(out: Path, run_id: str, tasks: list[dict], notebooks: list[str]) -> None:
    folder = out / "runs" / "demo" / run_id
    folder.mkdir(parents=True)
    manifest = {
        "pipeline": "demo",
        "run_id": run_id,
        "spec_tasks": ["tokyo", "broken", "later"],
        "git": {"commit": "abc1234", "dirty": False},
        "versions": {"ebpm": "0.1.0"},
        "tasks": tasks,
    }
    (folder / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    for name in notebooks:
        nbformat.write(notebook(), folder / f"{name}.ipynb")


@pytest.fixture
def out(tmp_path: Path) -> Path:
    """Two runs of `demo`: `tokyo` succeeded in the first and was unchanged in the second;
    `broken` never succeeded; `later` is in the spec but never ran."""
    _run(tmp_path, GOOD, [_record("tokyo", "ok"), _record("broken", "failed")], ["tokyo"])
    unchanged = _record("tokyo", "unchanged", unchanged_since=GOOD)
    failed = _record("broken", "failed", reason="ZeroDivisionError: division by zero")
    _run(tmp_path, FAILED, [unchanged, failed], [])
    return tmp_path


@pytest.mark.parametrize(
    "report", ["demo/tokyo", "tokyo", "site/reports/demo/tokyo.html", "demo/tokyo.pdf"]
)
def test_the_last_good_run_of_a_report(out, report):
    src = find_report(report, out_dir=out)
    assert (src.pipeline, src.task, src.run_id) == ("demo", "tokyo", GOOD)
    assert src.notebook == out / "runs" / "demo" / GOOD / "tokyo.ipynb"


def test_a_run_that_found_it_unchanged_exports_the_run_that_made_it(out):
    assert find_report("tokyo", out_dir=out, run_id=FAILED[:12]).run_id == GOOD


def test_export_report_pdf(out, tmp_path):
    path = export_report("demo/tokyo", to="pdf", out_dir=out, output=tmp_path / "r.pdf")
    text = "".join(p.extract_text() for p in PdfReader(path).pages)
    assert TITLE in text.replace("\n", " ")
    assert "abc1234" in text
    assert "t0ps3cret" not in text


def test_export_report_default_file_name_and_language(out, monkeypatch):
    import docx

    monkeypatch.chdir(out)
    path = export_report("demo/tokyo", to="docx", out_dir=out, lang="ja")
    assert path == Path("tokyo.docx")
    text = "\n".join(p.text for p in docx.Document(str(out / path)).paragraphs)
    assert "このレポートについて" in text


@pytest.mark.parametrize(
    ("report", "run_id", "error", "match"),
    [
        ("demo/tokio", None, RunNotFoundError, r"no task 'tokio'\. Did you mean 'tokyo'\?"),
        ("dmeo/tokyo", None, RunNotFoundError, r"pipeline 'dmeo'.*Did you mean 'demo'\?"),
        ("toky", None, RunNotFoundError, r"task 'toky'.*Did you mean 'tokyo'.*PIPELINE/TASK"),
        ("demo/broken", None, PipelineError, r"demo/broken never succeeded.*ZeroDivision.*"),
        ("demo/later", None, PipelineError, r"demo/later has not run yet"),
        ("demo/broken", GOOD, PipelineError, r"did not succeed in run .*leave out the run id"),
        ("demo/tokyo", "1999", RunNotFoundError, r"no run '1999'"),
    ],
)
def test_bad_reports_name_the_value_and_the_fix(out, report, run_id, error, match):
    with pytest.raises(error, match=match):
        find_report(report, out_dir=out, run_id=run_id)


def test_a_gone_notebook_says_so(out):
    (out / "runs" / "demo" / GOOD / "tokyo.ipynb").unlink()
    with pytest.raises(PipelineError, match=r"executed notebook .* is gone.*--task tokyo"):
        export_report("demo/tokyo", to="pdf", out_dir=out)


def test_an_unknown_format(out):
    with pytest.raises(InvalidOptionError, match=r"to='word' is not supported.*'pdf', 'docx'"):
        export_report("demo/tokyo", to="word", out_dir=out)
    with pytest.raises(InvalidOptionError, match=r"--formats='html'"):
        check_formats(["pdf", "html"], name="--formats")
    assert check_formats(["pdf", "docx", "pdf"]) == ["pdf", "docx"]


def test_write_formats_names_the_downloads(tmp_path):
    links = write_formats(
        notebook(),
        ["pdf", "docx"],
        tmp_path,
        pipeline="demo",
        task="tokyo",
        run_id=GOOD,
        record=_record("tokyo", "ok"),
        git=None,
        versions=None,
        lang="ja",
    )
    assert links == {LABELS["ja"]["pdf"]: "tokyo.pdf", LABELS["ja"]["docx"]: "tokyo.docx"}
    assert (tmp_path / "tokyo.pdf").is_file()
    assert (tmp_path / "tokyo.docx").is_file()
    assert write_formats(notebook(), [], tmp_path, pipeline="d", task="t", run_id="r",
                         record={}, git=None, versions=None) == {}  # fmt: skip
