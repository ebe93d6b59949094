"""Tests of ebpm.pipeline.fingerprint: the hashes an incremental rerun compares."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import pytest

import ebpm
from ebpm.pipeline.fingerprint import (
    Hasher,
    data_key,
    environment_fingerprint,
    file_sha256,
    parameters_fingerprint,
    read_digests,
    source_fingerprint,
)

ABC_SHA256 = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"  # sha256(b"abc")
SCHEMA = Path(ebpm.__file__).parent / "pipeline" / "spec.schema.json"


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def test_file_sha256_of_known_bytes(tmp_path: Path) -> None:
    (tmp_path / "abc.txt").write_bytes(b"abc")
    assert file_sha256(tmp_path / "abc.txt") == ABC_SHA256
    (tmp_path / "empty").write_bytes(b"")
    assert file_sha256(tmp_path / "empty") == _sha("")


def test_parameters_fingerprint_is_the_hash_of_canonical_json() -> None:
    assert parameters_fingerprint({"b": "x", "a": 1}) == _sha('{"a":1,"b":"x"}')
    assert parameters_fingerprint({"a": 1, "b": "x"}) == parameters_fingerprint({"b": "x", "a": 1})
    assert parameters_fingerprint({"area": "東京"}) == _sha('{"area":"東京"}')
    assert parameters_fingerprint({"a": 1}) != parameters_fingerprint({"a": 1.5})


@pytest.mark.parametrize(
    ("record", "key"),
    [
        ({"entry": "studies.prop99"}, "studies.prop99 {}"),
        (
            {"entry": "estat.table", "params": {"year": 2020, "area": "13"}},
            'estat.table {"area":"13","year":2020}',
        ),
        ({"path": "x.csv"}, "None {}"),
    ],
)
def test_data_key_is_the_entry_and_its_canonical_parameters(record: dict, key: str) -> None:
    assert data_key(record) == key


def test_environment_fingerprint_depends_on_the_kernel_only_by_name() -> None:
    python = environment_fingerprint()
    assert python == environment_fingerprint("python3")
    assert len(python) == 64
    assert environment_fingerprint("ir") != python


def test_environment_fingerprint_sees_a_new_distribution(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = environment_fingerprint()
    (tmp_path / "newpkg-1.0.dist-info").mkdir()
    monkeypatch.syspath_prepend(str(tmp_path))
    assert environment_fingerprint() != before


def test_source_fingerprint_is_stable_and_uses_the_hasher(tmp_path: Path) -> None:
    hasher = Hasher(tmp_path / "memo.json")
    first = source_fingerprint(hasher)
    assert len(first) == 64
    assert source_fingerprint(Hasher()) == first
    hasher.save()
    memo = json.loads((tmp_path / "memo.json").read_text(encoding="utf-8"))
    assert memo[str(SCHEMA)][2] == file_sha256(SCHEMA)


# --- Hasher -----------------------------------------------------------------------------------
def test_hasher_remembers_a_file_by_size_and_mtime(tmp_path: Path) -> None:
    data = tmp_path / "data.csv"
    data.write_bytes(b"abc")
    memo = tmp_path / "runs" / ".fingerprints.json"
    hasher = Hasher(memo)
    assert hasher.file(data) == ABC_SHA256
    hasher.save()
    saved = json.loads(memo.read_text(encoding="utf-8"))
    st = data.stat()
    assert saved == {str(data): [3, st.st_mtime_ns, ABC_SHA256]}
    # a memo whose stamp still matches is trusted without reading the file again
    memo.write_text(json.dumps({str(data): [3, st.st_mtime_ns, "remembered"]}), encoding="utf-8")
    assert Hasher(memo).file(data) == "remembered"
    # another mtime (same size) is a change: the file is hashed again
    os.utime(data, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000_000))
    assert Hasher(memo).file(data) == ABC_SHA256


def test_hasher_of_a_missing_file_and_a_damaged_memo(tmp_path: Path) -> None:
    memo = tmp_path / ".fingerprints.json"
    memo.write_text("{not json", encoding="utf-8")
    hasher = Hasher(memo)
    assert hasher.file(tmp_path / "gone.csv") is None
    hasher.save()  # nothing was hashed: the damaged memo is left as it is
    assert memo.read_text(encoding="utf-8") == "{not json"
    (tmp_path / "a").write_bytes(b"abc")
    hasher.file(tmp_path / "a")
    hasher.save()
    assert list(json.loads(memo.read_text(encoding="utf-8"))) == [str(tmp_path / "a")]


def test_hasher_dataset_of_a_package_file_and_a_project_file(tmp_path: Path) -> None:
    hasher = Hasher()
    package = {"package": "ebpm", "files": [{"path": "ebpm/pipeline/spec.schema.json"}]}
    assert hasher.dataset(package) == file_sha256(SCHEMA)
    # the record's own path when it lists no files
    assert hasher.dataset({"package": "ebpm", "path": "ebpm/pipeline/spec.schema.json"}) == (
        file_sha256(SCHEMA)
    )
    (tmp_path / "model.yaml").write_bytes(b"abc")
    assert hasher.dataset({"kind": "file", "path": str(tmp_path / "model.yaml")}) == ABC_SHA256


def test_hasher_dataset_of_several_files_hashes_their_digests() -> None:
    init = SCHEMA.with_name("__init__.py")
    record = {
        "package": "ebpm",
        "files": [
            {"path": "ebpm/pipeline/spec.schema.json"},
            {"path": "ebpm/pipeline/__init__.py"},
        ],
    }
    assert Hasher().dataset(record) == _sha(file_sha256(SCHEMA) + file_sha256(init))


@pytest.mark.parametrize(
    "record",
    [
        {},  # nothing to hash
        {"package": "no_such_package_here", "files": [{"path": "no_such_package_here/x.csv"}]},
        {"package": "ebpm", "files": [{"path": "ebpm/no/such/file.csv"}]},
        {"package": "ebpm", "files": [{"path": "ebpm"}]},  # no resource in the package
        {"kind": "file", "path": "/no/such/model.yaml"},
        {"files": [{"url": "http://127.0.0.1:9/never-fetched.csv"}]},  # not in the cache
        {"files": [{"path": "local.csv"}]},  # neither package nor download
    ],
)
def test_hasher_dataset_is_none_when_it_cannot_be_told(record: dict) -> None:
    assert Hasher().dataset(record) is None


def test_hasher_dataset_of_a_cached_download(http_server) -> None:
    from ebpm.catalog._cache_store import Request
    from ebpm.catalog.cache import fetch

    http_server.add("/stats.csv", b"abc", content_type="text/csv")
    url = f"{http_server.url}/stats.csv"
    fetched = fetch(Request.get(url), what="a test table")
    assert fetched.sha256 == ABC_SHA256
    assert Hasher().dataset({"entry": "t.stats", "files": [{"url": url}]}) == ABC_SHA256


# --- read_digests -----------------------------------------------------------------------------
def test_read_digests_leaves_out_catalog_files_and_files_gone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("EBPM_CATALOG_DIR", raising=False)
    (tmp_path / "catalogs").mkdir()
    (tmp_path / "catalogs" / "t.yaml").write_text("entries: {}\n", encoding="utf-8")
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "a.csv").write_bytes(b"abc")
    (tmp_path / "settings.yaml").write_bytes(b"")
    reads = ["catalogs/t.yaml", "data/a.csv", "settings.yaml", "deleted.tmp"]
    assert read_digests(reads, tmp_path, Hasher()) == {
        "data/a.csv": ABC_SHA256,
        "settings.yaml": _sha(""),
    }
