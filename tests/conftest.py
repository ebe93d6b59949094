"""Shared fixtures: a real HTTP server on 127.0.0.1, a private cache, and a network guard.

No test may reach the internet. :func:`_no_internet` makes any socket connection to an address
other than loopback fail loudly, and every test gets its own empty ebpm cache.
"""

from __future__ import annotations

import ipaddress
import socket
import stat
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import pytest

#: The tests folder, the repository root and the fixtures every test module may read.
TESTS = Path(__file__).resolve().parent
ROOT = TESTS.parent
FIXTURES = TESTS / "fixtures"

_real_connect = socket.socket.connect


def template_project(root: Path) -> Path:
    """A project in ``root`` as ``ebpm new`` finds one: the repository's catalogs, the design
    templates of ``notebooks/`` and an empty ``pipelines/``; returns ``root``."""
    import shutil

    from ebpm.pipeline.scaffold import DESIGNS

    shutil.copytree(ROOT / "catalogs", root / "catalogs")
    (root / "notebooks").mkdir()
    for design in DESIGNS.values():
        shutil.copy(ROOT / "notebooks" / design.template, root / "notebooks")
    (root / "pipelines").mkdir()
    return root


def _guarded_connect(self, address):
    host = address[0] if isinstance(address, tuple) else None
    if host is not None:
        try:
            loopback = ipaddress.ip_address(host).is_loopback
        except ValueError:
            loopback = host == "localhost"
        if not loopback:
            raise ConnectionRefusedError(f"tests must not use the network (tried {address})")
    return _real_connect(self, address)


@pytest.fixture(scope="session", autouse=True)
def _no_internet(tmp_path_factory):
    """For the whole session: block non-loopback connections; use a private cache."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(socket.socket, "connect", _guarded_connect)
        mp.setenv("EBPM_CACHE_DIR", str(tmp_path_factory.mktemp("ebpm-session-cache")))
        mp.delenv("EBPM_OFFLINE", raising=False)
        mp.delenv("EBPM_ESTAT_APP_ID", raising=False)
        # reports render in the test's own process, where tests count and patch them; the
        # pool of ebpm.pipeline.render_pool has tests of its own (in fresh processes)
        mp.setenv("EBPM_PUBLISH_JOBS", "1")
        yield


@pytest.fixture(autouse=True)
def _fresh_cache(monkeypatch, tmp_path_factory):
    """Every test starts online with an empty cache and fast, short retries."""
    monkeypatch.setenv("EBPM_CACHE_DIR", str(tmp_path_factory.mktemp("ebpm-cache")))
    monkeypatch.delenv("EBPM_OFFLINE", raising=False)
    monkeypatch.delenv("EBPM_ESTAT_APP_ID", raising=False)
    monkeypatch.setenv("EBPM_HTTP_BACKOFF", "0")
    monkeypatch.setenv("EBPM_HTTP_RETRIES", "2")
    monkeypatch.setenv("EBPM_HTTP_TIMEOUT", "5")


@dataclass
class Reply:
    """One canned answer: status, body, headers; ``delay`` seconds before answering;
    ``truncate`` sends a Content-Length larger than the body and closes the connection."""

    body: bytes = b""
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    truncate: bool = False


@dataclass
class Route:
    path: str
    query: dict[str, str]
    replies: list[Reply]
    hits: int = 0


class FixtureServer:
    """An HTTP server on 127.0.0.1 answering registered paths with canned replies.

    ``add(path, body, query=...)`` answers GET ``path`` whose query contains ``query``.
    Give ``replies=[...]`` to answer in sequence (the last repeats), e.g. two 503s then data.
    Every request is recorded in ``requests`` as ``(path, query_dict)``.
    """

    def __init__(self):
        self.routes: list[Route] = []
        self.requests: list[tuple[str, dict[str, str]]] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                parts = urlsplit(self.path)
                query = dict(parse_qsl(parts.query, keep_blank_values=True))
                server.requests.append((parts.path, query))
                route = server._match(parts.path, query)
                if route is None:
                    reply = Reply(b'{"error": "no fixture for this request"}', status=404)
                else:
                    reply = route.replies[min(route.hits, len(route.replies) - 1)]
                    route.hits += 1
                if reply.delay:
                    time.sleep(reply.delay)
                self.send_response(reply.status)
                for k, v in reply.headers.items():
                    self.send_header(k, v)
                length = len(reply.body) * 2 + 100 if reply.truncate else len(reply.body)
                self.send_header("Content-Length", str(length))
                self.end_headers()
                try:
                    self.wfile.write(reply.body)
                    self.wfile.flush()
                except (BrokenPipeError, ConnectionResetError):
                    pass
                if reply.truncate:
                    self.close_connection = True

            def log_message(self, *args):  # keep test output clean
                pass

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._httpd.server_address[1]}"
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)
        self._thread.start()

    def _match(self, path: str, query: dict[str, str]) -> Route | None:
        best = None
        for route in self.routes:
            if route.path != path:
                continue
            matches = all(query.get(k) == v for k, v in route.query.items())
            if matches and (best is None or len(route.query) > len(best.query)):
                best = route
        return best

    def add(
        self,
        path: str,
        body: bytes | str = b"",
        *,
        status: int = 200,
        query: dict[str, str] | None = None,
        headers: dict[str, str] | None = None,
        replies: list[Reply] | None = None,
        content_type: str = "application/octet-stream",
    ) -> Route:
        """Answer GET ``path`` (with ``query`` a subset of the request's query)."""
        if isinstance(body, str):
            body = body.encode("utf-8")
        if replies is None:
            replies = [Reply(body, status, {"Content-Type": content_type, **(headers or {})})]
        route = Route(path, dict(query or {}), replies)
        self.routes.append(route)
        return route

    def add_file(self, path: str, file: Path, **kw) -> Route:
        """Answer GET ``path`` with the bytes of ``file``."""
        return self.add(path, Path(file).read_bytes(), **kw)

    def count(self, path: str) -> int:
        """How many requests were made for ``path``."""
        return sum(1 for p, _ in self.requests if p == path)

    def close(self):
        self._httpd.shutdown()
        self._httpd.server_close()


@pytest.fixture
def http_server():
    """A fresh :class:`FixtureServer` on 127.0.0.1 for one test."""
    server = FixtureServer()
    yield server
    server.close()


@pytest.fixture
def cache_dir(monkeypatch, tmp_path):
    """The (empty) ebpm cache folder of this test."""
    path = tmp_path / "cache"
    monkeypatch.setenv("EBPM_CACHE_DIR", str(path))
    return path


# --- a fake `crontab` command -----------------------------------------------------------------
FAKE_CRONTAB = """#!/bin/sh
here="$(dirname "$0")"
echo "$1" >> "$here/calls.log"
if [ -n "$FAKE_CRONTAB_FAIL" ]; then echo "$FAKE_CRONTAB_FAIL" >&2; exit 1; fi
case "$1" in
  -l) if [ -f "$here/crontab.txt" ]; then cat "$here/crontab.txt";
      else echo "no crontab for x" >&2; exit 1; fi ;;
  -) cat > "$here/crontab.txt" ;;
  *) echo "usage: crontab [-l | -]" >&2; exit 2 ;;
esac
"""


@dataclass
class FakeCrontab:
    """The fake crontab's storage: its text and the list of calls made to the command."""

    folder: Path

    @property
    def text(self) -> str | None:
        path = self.folder / "crontab.txt"
        return path.read_bytes().decode("utf-8") if path.exists() else None

    @text.setter
    def text(self, value: str) -> None:
        (self.folder / "crontab.txt").write_bytes(value.encode("utf-8"))

    @property
    def calls(self) -> list[str]:
        log = self.folder / "calls.log"
        return log.read_text(encoding="utf-8").split() if log.exists() else []


@pytest.fixture
def fake_crontab(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> FakeCrontab:
    """A fake `crontab` in tmp_path (EBPM_CRONTAB points at it): never the user's real one.

    Set FAKE_CRONTAB_FAIL to make every call fail with that message.
    """
    folder = tmp_path / "fake-cron"
    folder.mkdir()
    script = folder / "crontab"
    script.write_text(FAKE_CRONTAB, encoding="utf-8")
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setenv("EBPM_CRONTAB", str(script))
    monkeypatch.delenv("FAKE_CRONTAB_FAIL", raising=False)
    return FakeCrontab(folder)


# --- the demo pipeline, run once per session ---------------------------------------------------
@pytest.fixture(scope="session")
def demo_run(tmp_path_factory: pytest.TempPathFactory):
    """`pipelines/demo.yaml` run once (2 jobs) for every test that reads its site or runs:
    (RunResult, out folder, progress events)."""
    from ebpm.pipeline import run_pipeline

    repo = ROOT
    out = tmp_path_factory.mktemp("demo")
    events: list = []  # ebpm.pipeline.events
    with pytest.MonkeyPatch.context() as mp:
        # kernels inherit os.environ: point them (and us) at the project's catalogs
        mp.setenv("EBPM_CATALOG_DIR", str(repo / "catalogs"))
        result = run_pipeline(
            repo / "pipelines" / "demo.yaml", out_dir=out, progress=events.append, jobs=2
        )
    return result, out, events


@pytest.fixture(scope="session")
def japan_mergers_run(tmp_path_factory: pytest.TempPathFactory):
    """`pipelines/japan_mergers.yaml` (the flagship Japanese evaluation) run once (2 jobs):
    (RunResult, out folder)."""
    from ebpm.pipeline import run_pipeline

    repo = ROOT
    out = tmp_path_factory.mktemp("japan_mergers")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("EBPM_CATALOG_DIR", str(repo / "catalogs"))
        result = run_pipeline(repo / "pipelines" / "japan_mergers.yaml", out_dir=out, jobs=2)
    return result, out
