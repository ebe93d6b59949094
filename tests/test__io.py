"""Atomic writes and folder checks (ebpm._io); the basic writes are also in tests/site."""

from __future__ import annotations

import errno
import json
import os
from pathlib import Path

import pytest

from ebpm._io import (
    atomic_write_bytes,
    atomic_write_json,
    atomic_write_text,
    ensure_writable,
    os_reason,
)


def test_compact_json_has_no_spaces_and_keeps_text_readable(tmp_path: Path) -> None:
    path = atomic_write_json(
        tmp_path / "m.json", {"市": "札幌", "n": [1, 2], "p": Path("/x")}, compact=True
    )
    assert path.read_text(encoding="utf-8") == '{"市":"札幌","n":[1,2],"p":"/x"}\n'


def test_writes_accept_str_paths_and_return_a_path(tmp_path: Path) -> None:
    path = atomic_write_text(str(tmp_path / "a.txt"), "東京")
    assert path == tmp_path / "a.txt"
    assert isinstance(path, Path)
    assert path.read_bytes() == "東京".encode()


def test_a_failed_write_over_a_folder_leaves_no_temporary_file(tmp_path: Path) -> None:
    (tmp_path / "taken").mkdir()
    with pytest.raises(IsADirectoryError):
        atomic_write_bytes(tmp_path / "taken", b"x")
    assert os.listdir(tmp_path) == ["taken"]
    assert os.listdir(tmp_path / "taken") == []


def test_ensure_writable_creates_the_folder_and_leaves_it_empty(tmp_path: Path) -> None:
    folder = tmp_path / "runs" / "demo"
    assert ensure_writable(str(folder)) == folder
    assert folder.is_dir()
    assert os.listdir(folder) == []
    assert ensure_writable(folder) == folder  # again: the folder exists already


def test_ensure_writable_raises_when_a_parent_is_a_file(tmp_path: Path) -> None:
    (tmp_path / "site").write_text("not a folder", encoding="utf-8")
    with pytest.raises(NotADirectoryError, match=r"site/pages"):
        ensure_writable(tmp_path / "site" / "pages")


def test_os_reason_says_when_the_disk_is_full() -> None:
    err = OSError(errno.ENOSPC, "No space left on device")
    assert os_reason(err) == "the disk is full (No space left on device)"


def test_os_reason_is_the_system_text_or_the_message() -> None:
    assert os_reason(PermissionError(errno.EACCES, "Permission denied")) == "Permission denied"
    assert os_reason(OSError("disk on fire")) == "disk on fire"
    assert os_reason(OSError()) == "OSError"


def test_atomic_json_round_trips(tmp_path: Path) -> None:
    data = {"runs": [{"id": "2024-01-01T00-00-00", "ok": True, "n": None}]}
    path = atomic_write_json(tmp_path / "state.json", data)
    assert json.loads(path.read_text(encoding="utf-8")) == data
