"""A cache file changed on disk, or a damaged cache record, is never served (issue 16).

"Stale results": a cached download or parsed table whose bytes are no longer those its record
hashed is downloaded or rebuilt again online, with a warning, and refused offline with both
hashes. Loads stay cheap: a file is hashed only when its size or modification time moved.
"One red line": a record cut short, not JSON or missing keys is treated as not cached; online
the data is fetched again, offline the command fails with one line naming the record and the fix.

Every test goes through the catalog (``ebpm.catalog.load`` or ``ebpm catalog fetch``) against a
server on 127.0.0.1, as a user would.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

from ebpm import catalog
from ebpm.catalog import _cache_store, _cache_tables, _cache_verify, cache
from ebpm.errors import IntegrityError, OfflineError
from tests.e2e.test_red_line import _remote_catalog, invoke, one_red_line

BODY = b"x\n10\n20\n"
ALTERED = b"x\n10\n99\n"  # the same size: only the hash tells them apart
SHA = hashlib.sha256(BODY).hexdigest()
ALTERED_SHA = hashlib.sha256(ALTERED).hexdigest()
PINNED = f"""\
entries:
  stats:
    reader: ebpm.catalog.files:RemoteTable
    kwargs: {{url: '{{url}}/stats.csv', sha256: {SHA}}}
    metadata: {{title: A table, source: test, licence: CC BY 4.0}}
"""


@pytest.fixture
def stats(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, http_server, cache_dir: Path):
    """Entry ``t.stats`` (a CSV pinned by sha256) loaded once: the cache holds its download and
    its parsed table. Returns the server."""
    http_server.add("/stats.csv", BODY, content_type="text/csv")
    folder = _remote_catalog(tmp_path, http_server.url)
    (folder / "t.yaml").write_text(PINNED.replace("{url}", http_server.url), encoding="utf-8")
    monkeypatch.setenv("EBPM_CATALOG_DIR", str(folder))
    first = catalog.load("t.stats")
    assert first["x"].tolist() == [10, 20]
    assert http_server.count("/stats.csv") == 1
    return http_server


def _download(cache_dir: Path) -> Path:
    (body,) = [p for p in (cache_dir / "downloads").glob("*/*") if p.suffix != ".json"]
    return body


def _table(cache_dir: Path) -> Path:
    (data,) = (cache_dir / "tables").glob("*/*.parquet")
    return data


def _record(path: Path) -> Path:
    """The JSON record beside a cached file."""
    return path.with_suffix(".json") if path.suffix == ".parquet" else Path(f"{path}.json")


def _only_the_download(cache_dir: Path) -> None:
    """Drop the parsed tables, as when an ebpm upgrade parses again from the cached download."""
    shutil.rmtree(cache_dir / "tables")


def _alter_the_only_download(cache_dir: Path) -> Path:
    """Write other bytes of the same size into the cached download, its parsed table gone."""
    _only_the_download(cache_dir)
    body = _download(cache_dir)
    body.write_bytes(ALTERED)
    return body


def _offline(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EBPM_OFFLINE", "1")


def _warnings(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]


@pytest.fixture
def hashes(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """Every file the cache hashes in full, in order."""
    seen: list[Path] = []
    real = _cache_store._sha256_file

    def counting(path: Path) -> str:
        seen.append(Path(path))
        return real(path)

    for module in (_cache_store, _cache_tables, _cache_verify):  # every module that hashes
        monkeypatch.setattr(module, "_sha256_file", counting)
    return seen


# --- a cached download changed on disk ---------------------------------------------------------
def test_a_changed_download_is_refused_offline_with_both_hashes(
    stats, cache_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    body = _alter_the_only_download(cache_dir)
    _offline(monkeypatch)
    with pytest.raises(IntegrityError, match=rf"{SHA}.*{ALTERED_SHA}") as info:
        catalog.load("t.stats")
    message = str(info.value)
    assert str(body) in message
    assert "Unset EBPM_OFFLINE to download it again" in message
    assert "ebpm catalog verify" in message
    line = one_red_line(invoke("catalog", "fetch", "t.stats"))
    assert f"record says sha256 {SHA}, the file now has {ALTERED_SHA}" in line
    assert body.read_bytes() == ALTERED  # kept for the user to look at


def test_a_changed_download_is_downloaded_again_online_with_a_warning(
    stats, cache_dir: Path, caplog: pytest.LogCaptureFixture
) -> None:
    body = _alter_the_only_download(cache_dir)
    with caplog.at_level(logging.WARNING, logger="ebpm.catalog"):
        df = catalog.load("t.stats")
    assert df["x"].tolist() == [10, 20]
    assert catalog.provenance(df)["sha256"] == SHA
    assert stats.count("/stats.csv") == 2
    assert body.read_bytes() == BODY
    (warning,) = _warnings(caplog)
    assert str(body) in warning
    assert ALTERED_SHA in warning
    assert "downloading" in warning


def test_the_hash_of_a_changed_download_is_not_reported(stats, cache_dir: Path) -> None:
    # `ebpm run` compares this hash with the last run's to tell whether a task's data changed
    url = f"{stats.url}/stats.csv"
    assert cache.cached_sha256(url) == SHA
    _download(cache_dir).write_bytes(ALTERED)
    assert cache.cached_sha256(url) is None


# --- loads stay cheap ------------------------------------------------------------------------
def test_an_unchanged_cache_is_served_without_hashing(
    stats, cache_dir: Path, hashes: list[Path]
) -> None:
    assert catalog.load("t.stats")["x"].tolist() == [10, 20]
    assert cache.cached_sha256(f"{stats.url}/stats.csv") == SHA
    assert hashes == []
    _only_the_download(cache_dir)
    hashes.clear()
    catalog.load("t.stats")  # the download is served, then parsed and written as a new table
    assert _download(cache_dir) not in hashes
    assert stats.count("/stats.csv") == 1


@pytest.mark.parametrize("which", ["table", "download"])
def test_a_record_without_mtime_is_hashed_once_then_stamped(
    stats, cache_dir: Path, hashes: list[Path], which: str
) -> None:
    path = _table(cache_dir) if which == "table" else _download(cache_dir)
    record = _record(path)
    old = json.loads(record.read_text(encoding="utf-8"))
    del old["mtime_ns"]  # as written before files were stamped
    record.write_text(json.dumps(old), encoding="utf-8")

    def load() -> None:
        if which == "table":
            assert catalog.load("t.stats")["x"].tolist() == [10, 20]
        else:
            assert cache.cached_sha256(f"{stats.url}/stats.csv") == SHA

    load()
    assert hashes == [path]
    assert json.loads(record.read_text(encoding="utf-8"))["mtime_ns"] == path.stat().st_mtime_ns
    hashes.clear()
    load()
    assert hashes == []


def test_a_touched_but_unchanged_table_is_hashed_once_and_served(
    stats, cache_dir: Path, hashes: list[Path], caplog: pytest.LogCaptureFixture
) -> None:
    data = _table(cache_dir)
    st = data.stat()
    os.utime(data, ns=(st.st_atime_ns, st.st_mtime_ns + 10**9))
    with caplog.at_level(logging.WARNING, logger="ebpm.catalog"):
        assert catalog.load("t.stats")["x"].tolist() == [10, 20]
        assert hashes == [data]
        hashes.clear()
        assert catalog.load("t.stats").attrs["ebpm"]["from_cache"] is True
    assert hashes == []
    assert _warnings(caplog) == []


# --- a cached Parquet table changed on disk ----------------------------------------------------
def _alter_table(data: Path) -> str:
    """Write other values into the cached table, keeping its size; returns the new sha256."""
    size = data.stat().st_size
    df = pd.read_parquet(data)
    df.loc[1, "x"] = 99
    df.to_parquet(data, index=False)
    assert data.stat().st_size == size, "the altered table must keep its size for this test"
    return hashlib.sha256(data.read_bytes()).hexdigest()


def test_a_changed_table_is_rebuilt_from_the_checked_download(
    stats, cache_dir: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    data = _table(cache_dir)
    actual = _alter_table(data)
    _offline(monkeypatch)  # the download is still good: rebuilding needs no network
    with caplog.at_level(logging.WARNING, logger="ebpm.catalog"):
        df = catalog.load("t.stats")
    assert df["x"].tolist() == [10, 20]
    assert stats.count("/stats.csv") == 1
    (warning,) = _warnings(caplog)
    assert str(data) in warning
    assert f"the file now has {actual}" in warning
    assert "rebuilding" in warning


def test_a_changed_table_without_its_download_is_refused_offline(
    stats, cache_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = _table(cache_dir)
    actual = _alter_table(data)
    shutil.rmtree(cache_dir / "downloads")
    _offline(monkeypatch)
    with pytest.raises(IntegrityError, match=rf"cached table .*the file now has {actual}") as info:
        catalog.load("t.stats")
    assert str(data) in str(info.value)
    assert "cannot be rebuilt offline" in str(info.value)
    monkeypatch.delenv("EBPM_OFFLINE")
    assert catalog.load("t.stats")["x"].tolist() == [10, 20]  # online: downloaded again


# --- damaged records ---------------------------------------------------------------------------
def _cut_short(record: Path) -> None:
    text = record.read_text(encoding="utf-8")
    record.write_text(text[: len(text) // 2], encoding="utf-8")


def _not_json(record: Path) -> None:
    record.write_bytes(b"\x00\x00\x00\x00 disk garbage")


def _missing_keys(record: Path) -> None:
    meta = json.loads(record.read_text(encoding="utf-8"))
    for key in ("sha256", "origin"):
        meta.pop(key, None)
    record.write_text(json.dumps(meta), encoding="utf-8")


def _a_list(record: Path) -> None:
    record.write_text("[]", encoding="utf-8")


DAMAGE: dict[str, Callable[[Path], None]] = {
    "cut short": _cut_short,
    "not JSON": _not_json,
    "missing keys": _missing_keys,
    "a list": _a_list,
}


@pytest.fixture(
    params=[(which, damage) for which in ("download", "table") for damage in DAMAGE],
    ids=lambda p: f"{p[0]} record {p[1]}",
)
def damaged(request: pytest.FixtureRequest, stats, cache_dir: Path) -> Path:
    """The damaged record of the only cached copy of ``t.stats``: its download (the parsed table
    gone) or its parsed table (the download gone, so it cannot stand in)."""
    which, damage = request.param
    if which == "download":
        _only_the_download(cache_dir)
        record = _record(_download(cache_dir))
    else:
        shutil.rmtree(cache_dir / "downloads")
        record = _record(_table(cache_dir))
    DAMAGE[damage](record)
    return record


def test_a_damaged_record_is_downloaded_again_online(
    stats, damaged: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="ebpm.catalog"):
        df = catalog.load("t.stats")
    assert df["x"].tolist() == [10, 20]
    assert stats.count("/stats.csv") == 2
    (warning,) = _warnings(caplog)
    assert f"the cache record {damaged} is damaged" in warning
    assert json.loads(damaged.read_text(encoding="utf-8"))["sha256"]  # written anew
    assert catalog.load("t.stats").attrs["ebpm"]["from_cache"] is True


def test_a_damaged_record_is_one_red_line_offline(
    damaged: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _offline(monkeypatch)
    line = one_red_line(invoke("catalog", "fetch", "t.stats"))
    assert f"the cache record {damaged} is damaged" in line
    assert "EBPM_OFFLINE" in line
    assert "`ebpm catalog fetch t.stats`" in line
    with pytest.raises(OfflineError, match=r"the cache record .* is damaged"):
        catalog.load("t.stats")
    monkeypatch.delenv("EBPM_OFFLINE")
    result = invoke("catalog", "fetch", "t.stats")
    assert result.exit_code == 0, result.output
    assert "downloaded" in result.output


def test_a_truncated_table_is_rebuilt_online_and_one_red_line_offline(
    stats, cache_dir: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    data = _table(cache_dir)
    data.write_bytes(data.read_bytes()[:100])
    shutil.rmtree(cache_dir / "downloads")
    _offline(monkeypatch)
    line = one_red_line(invoke("catalog", "fetch", "t.stats"))
    assert f"the cached table {data} changed on disk" in line
    assert "cannot be rebuilt offline" in line
    monkeypatch.delenv("EBPM_OFFLINE")
    with caplog.at_level(logging.WARNING, logger="ebpm.catalog"):
        df = catalog.load("t.stats")
    assert df["x"].tolist() == [10, 20]
    assert stats.count("/stats.csv") == 2
    assert any(str(data) in w and "rebuilding" in w for w in _warnings(caplog))


def test_verify_reports_and_removes_a_damaged_record(stats, cache_dir: Path) -> None:
    record = _record(_download(cache_dir))
    _cut_short(record)
    result = invoke("catalog", "verify")
    line = one_red_line(result)
    assert "did not match their sha256" in line
    assert f"DAMAGED  unreadable cache record: {record} (removed from the cache)" in result.output
    assert not record.exists()
