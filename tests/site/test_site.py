"""Tests of the report site as a whole (ebpm.site): its files, and atomic writes (ebpm._io)."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest

from ebpm import _io, site
from ebpm._io import atomic_write_bytes, atomic_write_json, atomic_write_text
from tests.site.conftest import ORGAN, ok_record, record


# --- the package's API ------------------------------------------------------------------------
def test_the_package_exports_the_functions_of_its_modules() -> None:
    from ebpm._protocol import redact_parameters
    from ebpm.site import index, pages, state

    assert site.build_index is index.build_index
    assert site.failure_page is pages.failure_page
    assert site.about_block is pages.about_block
    assert site.WORDS is pages.WORDS
    assert site.record_task is state.record_task
    assert site.load_state is state.load_state
    assert site.redact_parameters is redact_parameters
    assert Path("_ebpm") / "state.json" == site.STATE_FILE
    assert sorted(site.__all__) == site.__all__
    assert all(hasattr(site, name) for name in site.__all__)


# --- the site's files -------------------------------------------------------------------------
def test_site_writes_leave_no_temp_files(tmp_path: Path) -> None:
    state = record({"pipelines": {}}, "organ", ok_record("r1", ORGAN, "reports/demo/organ.html"))
    for _ in range(3):
        site.save_state(tmp_path, state)
        site.build_index(tmp_path, state)
    assert sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*")) == [
        "_ebpm",
        "_ebpm/state.json",
        "evidence.csv",
        "evidence.json",
        "index.html",
    ]


# --- atomic writes ----------------------------------------------------------------------------
def test_atomic_write_text_creates_parents_and_replaces(tmp_path: Path) -> None:
    path = tmp_path / "a" / "b" / "page.html"
    assert atomic_write_text(path, "first") == path
    atomic_write_text(path, "second 東京")
    assert path.read_bytes() == "second 東京".encode()
    assert stat.S_IMODE(path.stat().st_mode) == 0o644
    assert os.listdir(path.parent) == ["page.html"]


def test_atomic_write_json_is_indented_utf8_with_a_newline(tmp_path: Path) -> None:
    path = atomic_write_json(tmp_path / "m.json", {"name": "東京", "path": Path("/x"), "n": 1})
    text = path.read_text(encoding="utf-8")
    assert text == '{\n  "name": "東京",\n  "path": "/x",\n  "n": 1\n}\n'
    assert json.loads(text) == {"name": "東京", "path": "/x", "n": 1}


def test_failed_write_keeps_the_old_file_and_no_temp_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "index.html"
    atomic_write_bytes(path, b"old")

    def broken_replace(src: str, dst: str) -> None:
        raise OSError("disk on fire")

    monkeypatch.setattr(_io.os, "replace", broken_replace)
    with pytest.raises(OSError, match="disk on fire"):
        atomic_write_bytes(path, b"new")
    assert path.read_bytes() == b"old"
    assert os.listdir(tmp_path) == ["index.html"]


def test_interrupted_write_keeps_the_old_file_and_no_temp_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "state.json"
    atomic_write_text(path, "{}")

    def interrupted(fd: int) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(_io.os, "fsync", interrupted)
    with pytest.raises(KeyboardInterrupt):
        atomic_write_text(path, '{"half": ')
    assert path.read_text(encoding="utf-8") == "{}"
    assert os.listdir(tmp_path) == ["state.json"]
