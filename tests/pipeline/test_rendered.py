"""Tests of ebpm.pipeline.rendered: what a report page was rendered from, and when it is current
(the republishing itself is tested in tests/pipeline/test_publish_republish.py)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ebpm import _version
from ebpm.pipeline import rendered


@pytest.fixture
def notebook(tmp_path: Path) -> Path:
    path = tmp_path / "a.ipynb"
    path.write_text('{"cells": []}', encoding="utf-8")
    return path


def test_every_input_changes_the_hash(notebook: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    base = {"result": {"name": "a", "parameters": {"k": 1}}, "page": {"lang": "en"}}
    first = rendered.report_inputs(base["result"], notebook=notebook, page=base["page"])
    assert first == rendered.report_inputs(
        {"parameters": {"k": 1}, "name": "a"}, notebook=notebook, page={"lang": "en"}
    )  # key order does not count
    assert first != rendered.report_inputs(base["result"], notebook=notebook, page={"lang": "ja"})
    other = {"name": "a", "parameters": {"k": 2}}
    assert first != rendered.report_inputs(other, notebook=notebook, page=base["page"])
    notebook.write_text('{"cells": [] }', encoding="utf-8")  # one byte more
    assert first != rendered.report_inputs(base["result"], notebook=notebook, page=base["page"])
    notebook.write_text('{"cells": []}', encoding="utf-8")
    monkeypatch.setattr(rendered, "renderer_version", lambda: "another renderer")
    assert first != rendered.report_inputs(base["result"], notebook=notebook, page=base["page"])
    missing = notebook.with_name("gone.ipynb")
    assert first != rendered.report_inputs(base["result"], notebook=missing, page=base["page"])


def test_the_renderer_version_follows_ebpms_version(monkeypatch: pytest.MonkeyPatch) -> None:
    version = rendered.renderer_version
    version.cache_clear()
    before = version()
    monkeypatch.setattr(_version, "__version__", "99.0.0")
    assert version() == before  # once per process
    version.cache_clear()
    try:
        assert version() != before
    finally:
        monkeypatch.undo()
        version.cache_clear()


def test_a_page_is_current_while_it_and_its_downloads_are_as_written(tmp_path: Path) -> None:
    site, rel = tmp_path / "site", "reports/p/a.html"
    assert not rendered.is_current(site, rel, "k1")  # no record yet
    (site / "reports" / "p").mkdir(parents=True)
    (site / rel).write_text("page", encoding="utf-8")
    (site / "reports" / "p" / "a.csv").write_text("x", encoding="utf-8")
    rendered.remember(site, rel, "k1")
    record = json.loads((site / rendered.RECORD).read_text(encoding="utf-8"))
    assert record[rel]["beside"] == ["a.csv"]
    assert rendered.is_current(site, rel, "k1")
    assert not rendered.is_current(site, rel, "k2")  # other inputs
    (site / rel).write_text("edited", encoding="utf-8")
    assert not rendered.is_current(site, rel, "k1")
    (site / rel).write_text("page", encoding="utf-8")
    (site / "reports" / "p" / "a.csv").unlink()
    assert not rendered.is_current(site, rel, "k1")


def test_unrecorded_pages_are_those_never_rendered(tmp_path: Path) -> None:
    site = tmp_path / "site"
    rels = ["reports/p/a.html", "reports/p/b.html", "reports/p/c.html"]
    assert rendered.unrecorded(site, rels) == 3  # a new site
    (site / "reports" / "p").mkdir(parents=True)
    (site / rels[0]).write_text("page", encoding="utf-8")
    rendered.remember(site, rels[0], "k1")
    assert rendered.unrecorded(site, rels) == 2
    (site / rendered.RECORD).write_text("{not json", encoding="utf-8")
    assert rendered.unrecorded(site, rels) == 3  # an unreadable record: all rendered again
