"""Tests of ebpm.pipeline.publish republishing a site: a report whose inputs did not change is kept
as it is; a change of language, of ebpm's version or code, of the executed notebook's bytes, of
the run's recorded metadata shown on the page, or of the page or its downloads on disk renders it
again (:mod:`ebpm.pipeline.rendered`)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook, new_output

import ebpm.site.render
from ebpm import _version
from ebpm._protocol import RESULT_MIME
from ebpm.pipeline import rendered
from ebpm.pipeline.republish import publish_runs
from tests.pipeline.conftest import headline, record, write_run

R1 = "20260101T000000Z-0011"


def _executed(text: str) -> Any:
    result = {**headline(1.5), "label": "the effect"}
    out = new_output("display_data", data={RESULT_MIME: result, "text/plain": text})
    return new_notebook(cells=[new_code_cell("report.headline(result)", outputs=[out])])


def _record(out: Path, **manifest: Any) -> Path:
    """One recorded run of pipeline p with a good task a; returns its run folder."""
    task = record("a", parameters={"k": 1}, output_notebook="a.ipynb", headline=headline(1.5))
    fields = {"root": str(out), "versions": {"ebpm": "0.1.0", "python": "3.11"}, **manifest}
    path = write_run(out, "p", R1, [task], **fields)
    if not (path.parent / "a.ipynb").exists():
        nbformat.write(_executed("ATT 1.5"), path.parent / "a.ipynb")
    return path.parent


@pytest.fixture
def renders(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """The titles of the report pages rendered, in order."""
    seen: list[str] = []
    original = ebpm.site.render.report_page

    def counting(nb: Any, **kw: Any) -> str:
        seen.append(kw["title"])
        return original(nb, **kw)

    monkeypatch.setattr(ebpm.site.render, "report_page", counting)
    version = rendered.renderer_version
    version.cache_clear()
    yield seen
    version.cache_clear()  # another test may have changed ebpm's version


@pytest.fixture
def published(tmp_path: Path, renders: list[str]) -> Path:
    """A site published once from one recorded run (the report rendered once)."""
    _record(tmp_path)
    publish_runs(tmp_path)
    assert renders == ["p: a"]
    return tmp_path / "site"


def test_an_unchanged_report_is_kept_as_it_is(
    tmp_path: Path, published: Path, renders: list[str]
) -> None:
    page = published / "reports" / "p" / "a.html"
    before = (page.read_bytes(), page.stat().st_mtime_ns)
    publish_runs(tmp_path)
    assert renders == ["p: a"]  # not rendered again
    assert (page.read_bytes(), page.stat().st_mtime_ns) == before
    state = json.loads((published / "_ebpm" / "state.json").read_text(encoding="utf-8"))
    assert state["pipelines"]["p"]["tasks"]["a"]["report"] == "reports/p/a.html"
    assert state["pages"]["reports/p/a.html"]["run_id"] == R1
    written = json.loads((published / "_ebpm" / "rendered.json").read_text(encoding="utf-8"))
    assert written["reports/p/a.html"]["beside"] == ["a.ipynb", "a.result.json"]


def test_another_language_renders_it_again(
    tmp_path: Path, published: Path, renders: list[str]
) -> None:
    publish_runs(tmp_path, lang="ja")
    assert renders == ["p: a", "p: a"]
    assert '<html lang="ja">' in (published / "reports/p/a.html").read_text(encoding="utf-8")
    publish_runs(tmp_path, lang="ja")
    assert len(renders) == 2


def test_another_ebpm_version_or_code_renders_it_again(
    tmp_path: Path, published: Path, renders: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_version, "__version__", "99.0.0")
    rendered.renderer_version.cache_clear()
    publish_runs(tmp_path)
    assert len(renders) == 2
    monkeypatch.setattr(rendered, "renderer_version", lambda: "edited renderer")
    publish_runs(tmp_path)
    assert len(renders) == 3


def test_other_notebook_bytes_render_it_again(
    tmp_path: Path, published: Path, renders: list[str]
) -> None:
    nbformat.write(_executed("ATT 2.5"), tmp_path / "runs" / "p" / R1 / "a.ipynb")
    publish_runs(tmp_path)
    assert len(renders) == 2
    assert "ATT 2.5" in (published / "reports/p/a.html").read_text(encoding="utf-8")


@pytest.mark.parametrize(
    "manifest",
    [
        {"versions": {"ebpm": "0.1.0", "python": "3.12"}},  # the software shown in "about"
        {"git": {"commit": "abc123", "dirty": False}},  # the code shown in "about"
    ],
)
def test_other_run_metadata_renders_it_again(
    tmp_path: Path, published: Path, renders: list[str], manifest: dict[str, Any]
) -> None:
    _record(tmp_path, **manifest)
    publish_runs(tmp_path)
    assert len(renders) == 2
    page = (published / "reports/p/a.html").read_text(encoding="utf-8")
    assert ("3.12" in page) or ("abc123" in page)


def test_another_recorded_result_renders_it_again(
    tmp_path: Path, published: Path, renders: list[str]
) -> None:
    path = tmp_path / "runs" / "p" / R1 / "manifest.json"
    manifest = json.loads(path.read_text(encoding="utf-8"))
    manifest["tasks"][0]["parameters"] = {"k": 2}  # shown under "parameters"
    path.write_text(json.dumps(manifest), encoding="utf-8")
    publish_runs(tmp_path)
    assert len(renders) == 2
    assert "&quot;k&quot;: 2" in (published / "reports/p/a.html").read_text(encoding="utf-8")


def test_a_page_or_download_changed_on_disk_is_rendered_again(
    tmp_path: Path, published: Path, renders: list[str]
) -> None:
    page = published / "reports" / "p" / "a.html"
    good = page.read_bytes()
    page.write_text("edited by hand", encoding="utf-8")
    publish_runs(tmp_path)
    assert len(renders) == 2
    assert b"ATT 1.5" in page.read_bytes()
    (page.parent / "a.result.json").unlink()
    publish_runs(tmp_path)
    assert len(renders) == 3
    assert (page.parent / "a.result.json").is_file()
    page.unlink()
    publish_runs(tmp_path)
    assert len(renders) == 4
    assert page.read_bytes()[:200] == good[:200]


def test_a_lost_record_renders_it_again(
    tmp_path: Path, published: Path, renders: list[str]
) -> None:
    (published / "_ebpm" / "rendered.json").write_text("{not json", encoding="utf-8")
    publish_runs(tmp_path)
    assert len(renders) == 2
    publish_runs(tmp_path)
    assert len(renders) == 2
