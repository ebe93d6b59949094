"""Downloads, the cache, checksums, retries and offline mode (against a server on 127.0.0.1)."""

from __future__ import annotations

import hashlib
import socket

import pandas as pd
import pytest

from ebpm.catalog import cache
from ebpm.catalog.cache import Request, cached_table, fetch
from ebpm.catalog.provenance import finish, remote_origin
from ebpm.errors import (
    ColumnNotFoundError,
    IntegrityError,
    OfflineError,
    RemoteError,
)
from tests.conftest import Reply

BODY = b"year,value\n2020,1\n2021,2\n"
SHA = hashlib.sha256(BODY).hexdigest()


def files_in(folder):
    return sorted(p.name for p in folder.rglob("*") if p.is_file())


def test_network_guard_blocks_the_internet():
    s = socket.socket()
    with pytest.raises(ConnectionRefusedError, match="must not use the network"):
        s.connect(("93.184.216.34", 80))
    s.close()


def test_cache_dir_follows_the_environment(cache_dir):
    assert cache.cache_dir() == cache_dir


def test_fetch_downloads_once_then_serves_the_cache(http_server, cache_dir):
    http_server.add("/data.csv", BODY, headers={"Last-Modified": "Tue, 01 Apr 2025 00:00:00 GMT"})
    req = Request.get(http_server.url + "/data.csv")
    first = fetch(req, what="a table", sha256=SHA)
    again = fetch(req, what="a table", sha256=SHA)
    assert first.read_bytes() == BODY
    assert first.sha256 == SHA
    assert not first.from_cache
    assert again.from_cache
    assert again.path == first.path
    assert again.sha256 == SHA
    assert again.headers["Last-Modified"].startswith("Tue, 01 Apr 2025")
    assert http_server.count("/data.csv") == 1
    refreshed = fetch(req, what="a table", refresh=True)
    assert not refreshed.from_cache
    assert http_server.count("/data.csv") == 2


def test_secrets_are_sent_but_never_recorded(http_server, cache_dir):
    http_server.add("/api", BODY, query={"appId": "SECRET123", "id": "7"})
    req = Request.get(http_server.url + "/api", {"appId": "SECRET123", "id": 7, "skip": None})
    got = fetch(req, what="x")
    assert http_server.requests[-1][1] == {"appId": "SECRET123", "id": "7"}
    assert "SECRET123" not in got.url
    assert "appId=***" in got.url
    assert req.key == Request.get(http_server.url + "/api", {"appId": "OTHER", "id": 7}).key
    stored = "".join(p.read_text(errors="ignore") for p in cache_dir.rglob("*.json"))
    assert "SECRET123" not in stored


def test_checksum_mismatch_is_not_cached(http_server, cache_dir):
    http_server.add("/data.csv", BODY)
    req = Request.get(http_server.url + "/data.csv")
    with pytest.raises(IntegrityError, match=f"has sha256 {SHA}, but the entry pins 0+1"):
        fetch(req, what="a table", sha256="0" * 63 + "1")
    assert files_in(cache_dir) == []


def test_truncated_download_never_poisons_the_cache(http_server, cache_dir):
    http_server.add("/big.csv", replies=[Reply(BODY, truncate=True)])
    req = Request.get(http_server.url + "/big.csv")
    with pytest.raises(RemoteError, match=r"cut short.*nothing was cached"):
        fetch(req, what="a table")
    assert files_in(cache_dir) == []


def test_server_errors_are_retried_then_succeed(http_server):
    http_server.add("/flaky", replies=[Reply(b"", 503), Reply(b"", 502), Reply(BODY)])
    got = fetch(Request.get(http_server.url + "/flaky"), what="flaky data")
    assert got.read_bytes() == BODY
    assert http_server.count("/flaky") == 3


def test_server_errors_give_up_after_the_retries(http_server):
    http_server.add("/down", status=503)
    with pytest.raises(RemoteError, match=r"HTTP 503 .*after 3 attempts.*try again later"):
        fetch(Request.get(http_server.url + "/down"), what="down data")
    assert http_server.count("/down") == 3


def test_client_errors_are_not_retried(http_server):
    http_server.add("/missing", status=404)
    with pytest.raises(RemoteError, match=r"HTTP 404.*check the dataset id or URL"):
        fetch(Request.get(http_server.url + "/missing"), what="missing data")
    assert http_server.count("/missing") == 1


def test_timeouts_are_retried_and_reported(http_server, monkeypatch):
    monkeypatch.setenv("EBPM_HTTP_TIMEOUT", "0.2")
    monkeypatch.setenv("EBPM_HTTP_RETRIES", "1")
    http_server.add("/slow", replies=[Reply(BODY, delay=1.0)])
    with pytest.raises(RemoteError, match=r"did not answer within 0.2 s \(2 attempts\)"):
        fetch(Request.get(http_server.url + "/slow"), what="slow data")
    assert http_server.count("/slow") == 2


def test_connection_refused_names_the_base_url_fix():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(RemoteError, match="check the network or the base URL"):
        fetch(Request.get(f"http://127.0.0.1:{port}/x"), what="x")


def test_offline_serves_the_cache_and_names_what_is_missing(http_server, monkeypatch):
    http_server.add("/data.csv", BODY)
    req = Request.get(http_server.url + "/data.csv")
    fetch(req, what="a table")
    monkeypatch.setenv("EBPM_OFFLINE", "1")
    assert fetch(req, what="a table").from_cache
    other = Request.get(http_server.url + "/other.csv")
    with pytest.raises(OfflineError, match=r"other table is not in the cache .*EBPM_OFFLINE"):
        fetch(other, what="other table")
    assert http_server.count("/other.csv") == 0


def test_bad_environment_values_are_named(monkeypatch, http_server):
    monkeypatch.setenv("EBPM_HTTP_TIMEOUT", "soon")
    with pytest.raises(RemoteError, match="EBPM_HTTP_TIMEOUT='soon' is not a number"):
        fetch(Request.get(http_server.url + "/x"), what="x")
    monkeypatch.setenv("EBPM_ESTAT_API", "api.e-stat.go.jp")
    with pytest.raises(RemoteError, match=r"EBPM_ESTAT_API='api\.e-stat\.go\.jp' is not a URL"):
        cache.base_url("EBPM_ESTAT_API", "https://api.e-stat.go.jp/rest/3.0/app")


def test_cached_table_parses_once_and_reads_only_asked_columns(http_server, cache_dir):
    http_server.add("/data.csv", BODY)
    calls = []

    def build():
        got = fetch(Request.get(http_server.url + "/data.csv"), what="a table")
        calls.append(1)
        df = pd.read_csv(got.path)
        df.attrs["ebpm"] = {
            "origin": remote_origin(
                [got], what="a table", source="test", licence="CC BY 4.0", attribution="Test"
            )
        }
        return df

    parts = {"source": "test", "id": 1}
    first = cached_table(parts, build)
    second = cached_table(parts, build, columns=["value"])
    assert len(calls) == 1
    assert first["value"].tolist() == [1, 2]
    assert list(second.columns) == ["value"]
    assert first.attrs["ebpm"]["origin"]["from_cache"] is False
    assert second.attrs["ebpm"]["origin"]["from_cache"] is True
    assert second.attrs["ebpm"]["origin"]["sha256"] == SHA
    state = cache.table_state(parts)
    assert state["rows"] == 2
    assert state["columns"] == ["year", "value"]
    with pytest.raises(ColumnNotFoundError, match=r"\['valu'\] are not in a table.*'value'"):
        cached_table(parts, build, columns=["valu"])
    record = finish(second, entry="test.table", metadata={"title": "T"}, params={"id": 1})
    prov = record.attrs["ebpm"]
    assert prov["entry"] == "test.table"
    assert prov["licence"] == "CC BY 4.0"
    assert prov["retrieved_at"] == first.attrs["ebpm"]["origin"]["retrieved_at"]


def test_verify_cache_finds_and_drops_changed_files(http_server, cache_dir):
    http_server.add("/data.csv", BODY)
    got = fetch(Request.get(http_server.url + "/data.csv"), what="a table")
    assert [r["status"] for r in cache.verify_cache()] == ["ok"]
    got.path.write_bytes(b"tampered")
    assert [r["status"] for r in cache.verify_cache()] == ["changed"]
    assert not got.path.exists()
    assert cache.verify_cache() == []
    assert list(cache_dir.rglob("*.json")) == []  # the changed file's record went with it


def test_secrets_stay_out_of_tracebacks_and_urllib3_logs(caplog):
    import logging
    import traceback

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    req = Request.get(f"http://127.0.0.1:{port}/getStatsData", {"appId": "SECRET123", "id": 1})
    with caplog.at_level(logging.DEBUG), pytest.raises(RemoteError) as info:
        fetch(req, what="x")
    shown = "".join(traceback.format_exception(info.value))
    assert "appId=***" in shown
    assert "SECRET123" not in shown
    assert any("Retrying" in r.getMessage() for r in caplog.records)  # urllib3 did log
    assert all("SECRET123" not in r.getMessage() for r in caplog.records)
    assert cache.redact("a?appId=S1&key=S2&x=1") == "a?appId=***&key=***&x=1"


def test_a_secret_in_the_url_itself_is_redacted(http_server, cache_dir):
    http_server.add("/file.csv", BODY, query={"token": "TOPSECRET", "v": "2"})
    req = Request.get(http_server.url + "/file.csv?token=TOPSECRET&v=2")
    got = fetch(req, what="a file")
    assert got.read_bytes() == BODY
    assert got.url == http_server.url + "/file.csv?token=***&v=2"
    stored = "".join(p.read_text(errors="ignore") for p in cache_dir.rglob("*.json"))
    assert "TOPSECRET" not in stored


def test_mixed_number_and_symbol_columns_are_kept_as_text(caplog):
    def build():
        df = pd.DataFrame({0: ["北海道", "東京都", "沖縄県"], "人口": [5_224_614, "X", "-"]})
        df.attrs["ebpm"] = {"origin": {"what": "a spreadsheet"}}
        return df

    first = cached_table({"t": "mixed"}, build)
    again = cached_table({"t": "mixed"}, build)
    assert list(first.columns) == ["0", "人口"]  # the same names first time and from the cache
    assert list(again.columns) == ["0", "人口"]
    assert again["人口"].tolist() == ["5224614", "X", "-"]
    assert str(again["人口"].dtype) == "string"
    assert "mix numbers and text" in caplog.text


def test_refresh_while_offline_says_so(http_server, monkeypatch):
    http_server.add("/data.csv", BODY)
    req = Request.get(http_server.url + "/data.csv")
    fetch(req, what="a table")
    monkeypatch.setenv("EBPM_OFFLINE", "1")
    with pytest.raises(OfflineError, match=r"refresh=True asks 127\.0\.0\.1:\d+ again"):
        fetch(req, what="a table", refresh=True)


def test_old_partial_downloads_are_swept(http_server, cache_dir):
    import os
    import time

    http_server.add("/a.csv", BODY)
    http_server.add("/b.csv", BODY)
    got = fetch(Request.get(http_server.url + "/a.csv"), what="a")
    old = got.path.parent / ".killed.part"
    fresh = got.path.parent / ".writing.part"
    old.write_bytes(b"half")
    fresh.write_bytes(b"half")
    two_days = time.time() - 2 * 86400
    os.utime(old, (two_days, two_days))
    same_folder = next(
        req
        for i in range(5000)  # some request lands in the same cache folder
        if (req := Request.get(http_server.url + f"/b.csv?n={i}")).key[:2] == got.path.parent.name
    )
    http_server.add("/b.csv", BODY)
    fetch(same_folder, what="b")
    assert not old.exists()
    assert fresh.exists()  # another process may still be writing it


def test_cache_only_is_for_this_thread_and_leaves_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import os
    import threading

    from ebpm.catalog.cache import OFFLINE_ENV, cache_only, is_offline

    monkeypatch.delenv(OFFLINE_ENV, raising=False)
    seen: list[bool] = []
    with cache_only():
        assert is_offline()
        assert OFFLINE_ENV not in os.environ  # child processes and other threads unaffected
        worker = threading.Thread(target=lambda: seen.append(is_offline()))
        worker.start()
        worker.join()
    assert seen == [False]
    assert not is_offline()
