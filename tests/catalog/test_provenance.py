"""Tests of ebpm.catalog.provenance: the origin readers record and the provenance record
:func:`finish` makes of it with the catalog entry's metadata."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from importlib import metadata as importlib_metadata
from typing import Any

import pandas as pd
import pytest

from ebpm.catalog import open_catalog
from ebpm.catalog.cache import Request, fetch
from ebpm.catalog.provenance import PROVENANCE_KEYS, combined_sha256, finish, remote_origin
from tests.catalog.conftest import (
    CATALOG_DIR,
    ENTRY_NAMES,
    ORGAN_RESOURCE,
    sha256_of_package_file,
)


def test_organ_donations_provenance(organ: pd.DataFrame) -> None:
    prov = organ.attrs["ebpm"]
    assert prov["entry"] == "studies.organ_donations"
    assert prov["licence"] == "MIT (causaldata package); data from a published study"
    assert prov["source"].startswith("causaldata (PyPI)")
    assert prov["package"] == "causaldata"
    assert prov["package_version"] == importlib_metadata.version("causaldata")
    assert prov["path"] == f"causaldata/{ORGAN_RESOURCE}"
    assert prov["sha256"] == sha256_of_package_file("causaldata", ORGAN_RESOURCE)
    assert prov["url"] == "https://www.nber.org/papers/w20378"
    assert prov["params"] == {}
    retrieved = datetime.fromisoformat(prov["retrieved_at"])
    assert retrieved.tzinfo is not None
    assert abs(datetime.now(UTC) - retrieved) < timedelta(hours=1)


EMBEDDED = [n for n in ENTRY_NAMES if n.split(".")[0] in ("geo", "studies")]


@pytest.mark.parametrize("name", EMBEDDED)
def test_provenance_is_plain_json(name: str) -> None:  # remote ones: tests/e2e/test_open_data.py
    df = open_catalog(CATALOG_DIR).load(name)
    prov = df.attrs["ebpm"]
    assert "origin" not in prov
    # Only plain data (no intake readers or other objects) may travel with the frame.
    round_trip = json.loads(json.dumps(prov, allow_nan=False))
    assert round_trip == prov
    assert round_trip["entry"] == name


def test_citation_is_one_line() -> None:
    prov = open_catalog(CATALOG_DIR).load("studies.organ_donations").attrs["ebpm"]
    assert "\n" not in prov["citation"]
    assert prov["citation"].startswith("Kessler, J. B. and Roth")


# --- combined_sha256 and remote_origin ------------------------------------------------------
def test_combined_sha256_is_the_files_own_or_a_hash_of_hashes() -> None:
    a, b = "a" * 64, "b" * 64
    assert combined_sha256([a]) == a
    assert combined_sha256([a, b]) == hashlib.sha256((a + b).encode()).hexdigest()
    assert combined_sha256([a, b]) != combined_sha256([b, a])  # the order of the files counts


@dataclass
class _Fetched:
    """What remote_origin reads of a download (:class:`ebpm.catalog.cache.Fetched`)."""

    url: str
    sha256: str
    retrieved_at: str
    from_cache: bool

    def provenance(self) -> dict[str, Any]:
        return {"url": self.url, "sha256": self.sha256, "retrieved_at": self.retrieved_at}


def test_remote_origin_of_several_downloads() -> None:
    first = _Fetched("https://x.example/a.csv", "a" * 64, "2025-03-02T00:00:00+00:00", True)
    second = _Fetched("https://x.example/b.csv", "b" * 64, "2025-03-01T00:00:00+00:00", False)
    origin = remote_origin(
        [first, second],
        what="two files",
        source="src",
        licence="CC BY 4.0",
        attribution="出典：テスト",
        extra={"table_id": "T1"},
    )
    assert origin["kind"] == "remote"
    assert origin["url"] == "https://x.example/a.csv"  # no page given: the first request
    assert origin["request"] == ["https://x.example/a.csv", "https://x.example/b.csv"]
    assert origin["sha256"] == combined_sha256(["a" * 64, "b" * 64])
    assert origin["retrieved_at"] == "2025-03-01T00:00:00+00:00"  # the earliest
    assert origin["from_cache"] is False  # not every file came from the cache
    assert origin["table_id"] == "T1"
    assert [f["url"] for f in origin["files"]] == origin["request"]


def test_remote_origin_of_one_cached_download_and_of_none() -> None:
    one = _Fetched("https://x.example/a.csv", "a" * 64, "2025-03-02T00:00:00+00:00", True)
    origin = remote_origin(
        [one], what="a", source=None, licence=None, attribution=None, url="https://x.example/"
    )
    assert origin["url"] == "https://x.example/"
    assert origin["request"] == "https://x.example/a.csv"  # one request: a string, not a list
    assert origin["sha256"] == "a" * 64
    assert origin["from_cache"] is True
    empty = remote_origin([], what="nothing", source=None, licence=None, attribution=None)
    assert (empty["url"], empty["sha256"], empty["retrieved_at"], empty["from_cache"]) == (
        None,
        None,
        None,
        False,
    )


def test_remote_origin_of_a_real_download_keeps_no_secret(http_server, cache_dir) -> None:
    http_server.add("/a.csv", b"a\n1\n")
    req = Request.get(http_server.url + "/a.csv", {"appId": "SECRET123"})
    first = remote_origin(
        [fetch(req, what="a")], what="a", source=None, licence=None, attribution=None
    )
    again = remote_origin(
        [fetch(req, what="a")], what="a", source=None, licence=None, attribution=None
    )
    assert first["request"] == http_server.url + "/a.csv?appId=***"
    assert first["sha256"] == hashlib.sha256(b"a\n1\n").hexdigest()
    assert (first["from_cache"], again["from_cache"]) == (False, True)
    assert "SECRET123" not in json.dumps(first)


# --- finish ---------------------------------------------------------------------------------
def _frame(origin: dict[str, Any]) -> pd.DataFrame:
    df = pd.DataFrame({"x": [1]})
    df.attrs["ebpm"] = {"origin": origin}
    return df


ENTRY_METADATA = {
    "title": "Entry title",
    "source": "entry source",
    "licence": "entry licence",
    "url": "https://entry.example/",
}


def test_finish_of_a_remote_origin_prefers_what_was_served() -> None:
    origin = {
        "kind": "remote",
        "what": "e-Gov resource",
        "title": "Served title",
        "licence": "CC BY 4.0",
        "source": "",  # empty: the entry's fills it
        "url": "https://served.example/",
        "request": "https://served.example/file.csv",
        "sha256": "c" * 64,
        "retrieved_at": "2025-01-01T00:00:00+00:00",
        "from_cache": False,
        "resource_id": "r1",
    }
    df = finish(_frame(origin), entry="japan.x", metadata=ENTRY_METADATA, params={"id": 7})
    prov = df.attrs["ebpm"]
    assert tuple(prov) == PROVENANCE_KEYS
    assert (prov["title"], prov["licence"], prov["url"]) == (
        "Served title",
        "CC BY 4.0",
        "https://served.example/",
    )
    assert prov["source"] == "entry source"
    assert prov["details"] == {"resource_id": "r1", "entry_title": "Entry title"}
    assert prov["params"] == {"id": 7}
    assert prov["retrieved_at"] == "2025-01-01T00:00:00+00:00"


def test_finish_of_a_package_origin_prefers_the_entry() -> None:
    origin = {
        "kind": "package",
        "title": "package's own title",
        "licence": "package licence",
        "package": "causaldata",
        "version": "0.1.5",
        "path": "causaldata/x.csv",
        "sha256": "d" * 64,
    }
    prov = finish(_frame(origin), entry="studies.x", metadata=ENTRY_METADATA).attrs["ebpm"]
    assert (prov["title"], prov["licence"], prov["source"]) == (
        "Entry title",
        "entry licence",
        "entry source",
    )
    assert (prov["package"], prov["package_version"], prov["path"]) == (
        "causaldata",
        "0.1.5",
        "causaldata/x.csv",
    )
    assert prov["details"] == {}  # the titles agree: no entry_title
    assert prov["files"] == []
    assert datetime.fromisoformat(prov["retrieved_at"]).tzinfo == UTC  # read now


def test_finish_writes_credit_and_citation_on_one_line() -> None:
    metadata = {
        "attribution": "出典：\u3000総務省\n  統計局 ",
        "citation": "Kessler, J. B.\n  and Roth",
    }
    prov = finish(_frame({"kind": "package"}), metadata=metadata).attrs["ebpm"]
    assert prov["attribution"] == "出典：\u3000総務省 統計局"  # the full-width space stays
    assert prov["citation"] == "Kessler, J. B. and Roth"
    bare = finish(_frame({"kind": "package", "what": "a file"})).attrs["ebpm"]
    assert (bare["attribution"], bare["citation"], bare["title"]) == (None, "", "a file")


def test_finish_redacts_secret_query_values_but_keeps_parameter_names() -> None:
    origin = {"kind": "remote", "request": "https://api.example/data?token=TOPSECRET&v=2"}
    prov = finish(_frame(origin), params={"key": "Q.JPN.UNR"}).attrs["ebpm"]
    assert prov["request"] == "https://api.example/data?token=***&v=2"
    assert prov["params"] == {"key": "Q.JPN.UNR"}  # OECD's `key` is a series key
