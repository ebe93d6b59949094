"""Loading a large remote CSV through the catalog: first load, cached load, and the alternatives.

A local HTTP server on 127.0.0.1 serves a 10^6 × 12 CSV (about 90 MB; generated numbers, since
this measures the mechanics of download, parse and cache, not an analysis). Compared in one run:

- ``pd.read_csv(url)``: what a user does without ebpm, paying the download and parse every time;
- ``ebpm.catalog.load`` the first time: download, hash, parse, write Parquet;
- ``ebpm.catalog.load`` again: served from the Parquet cache (after checking the file's size and
  mtime against its record), all columns and three columns;
- a bare ``pd.read_parquet`` of the same cached file, all columns and the same three columns:
  the floor. Target: the cached load within 1.2× of it.
"""

from __future__ import annotations

import os
import statistics
import threading
import time
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import numpy as np
import pandas as pd

ROWS = 1_000_000
REPEATS = 7
COLUMNS = ["region", "year", "y"]


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def _table() -> pd.DataFrame:
    rng = np.random.default_rng(0)
    n = ROWS
    return pd.DataFrame(
        {
            "id": np.arange(n),
            "region": rng.integers(1, 48, n),
            "year": rng.integers(2000, 2025, n),
            "month": rng.integers(1, 13, n),
            "treated": rng.integers(0, 2, n),
            "y": rng.normal(size=n),
            "x1": rng.normal(size=n),
            "x2": rng.normal(size=n),
            "x3": rng.normal(size=n),
            "w": rng.uniform(size=n),
            "label": rng.choice(["北海道", "東京都", "大阪府", "沖縄県"], n),
            "flag": rng.choice(["", "X", "-"], n),
        }
    )


def _median(fn, repeats: int = REPEATS) -> float:
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def run(work: Path) -> str:
    from ebpm import catalog

    data_dir = work / "served"
    data_dir.mkdir(parents=True, exist_ok=True)
    csv = data_dir / "big.csv"
    _table().to_csv(csv, index=False)
    size_mb = csv.stat().st_size / 1e6

    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(_Quiet, directory=str(data_dir)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/big.csv"

    cats = work / "catalogs"
    cats.mkdir(exist_ok=True)
    (cats / "bench.yaml").write_text(
        "version: 2\nentries:\n  big:\n    reader: ebpm.catalog.files:RemoteTable\n"
        f"    kwargs: {{url: '{url}', format: csv}}\n"
        "    metadata: {title: bench table, licence: none, source: local}\n",
        encoding="utf-8",
    )
    old = {k: os.environ.get(k) for k in ("EBPM_CATALOG_DIR", "EBPM_CACHE_DIR", "EBPM_OFFLINE")}
    os.environ["EBPM_CATALOG_DIR"] = str(cats)
    os.environ["EBPM_CACHE_DIR"] = str(work / "cache")
    os.environ.pop("EBPM_OFFLINE", None)
    try:
        t_pandas_csv = _median(lambda: pd.read_csv(url), repeats=3)
        first = catalog.load("bench.big")  # fills the cache; then time fresh downloads
        assert len(first) == ROWS
        t_first = _median(lambda: catalog.load("bench.big", refresh=True), repeats=3)
        parquet = next((work / "cache" / "tables").rglob("*.parquet"))

        def cached_all():
            return catalog.load("bench.big")

        def cached_cols():
            return catalog.load("bench.big", columns=COLUMNS)

        def bare_all():
            return pd.read_parquet(parquet)

        def bare_cols():
            return pd.read_parquet(parquet, columns=COLUMNS)

        assert cached_cols().equals(bare_cols())
        # alternate so machine noise hits both sides alike
        pairs = {"all": ([], []), "cols": ([], [])}
        for _ in range(REPEATS):
            for key, (mine, bare) in (
                ("all", (cached_all, bare_all)),
                ("cols", (cached_cols, bare_cols)),
            ):
                t0 = time.perf_counter()
                mine()
                pairs[key][0].append(time.perf_counter() - t0)
                t0 = time.perf_counter()
                bare()
                pairs[key][1].append(time.perf_counter() - t0)
        med = {k: (statistics.median(a), statistics.median(b)) for k, (a, b) in pairs.items()}
    finally:
        server.shutdown()
        for k, v in old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v

    all_mine, all_bare = med["all"]
    col_mine, col_bare = med["cols"]
    lines = [
        "## Catalog: a large remote CSV, first and cached loads",
        "",
        f"A {ROWS:,} × 12 CSV ({size_mb:.0f} MB) served by a local HTTP server; median of "
        f"{REPEATS} alternating runs (3 for `pd.read_csv` and first loads, which use "
        "`refresh=True`).",
        "",
        "| load | seconds | ratio |",
        "|---|---:|---:|",
        f"| `pd.read_csv(url)` (no cache, every time) | {t_pandas_csv:.3f} | "
        f"{t_pandas_csv / all_mine:.1f}× the cached load |",
        f"| `ebpm.catalog.load`, first time (download, sha256, parse, write Parquet) | "
        f"{t_first:.3f} | {t_first / t_pandas_csv:.2f}× `pd.read_csv(url)` |",
        f"| `ebpm.catalog.load`, cached, all columns | {all_mine:.4f} | "
        f"**{all_mine / all_bare:.2f}×** bare `read_parquet` |",
        f"| bare `pd.read_parquet`, all columns | {all_bare:.4f} | 1 |",
        f"| `ebpm.catalog.load(columns=3)`, cached | {col_mine:.4f} | "
        f"**{col_mine / col_bare:.2f}×** bare `read_parquet(columns=3)` |",
        f"| bare `pd.read_parquet(columns=3)` | {col_bare:.4f} | 1 |",
        "",
        f"Target: cached load within 1.2× of a bare `read_parquet` of the same table. "
        f"Cached load speed-up over re-reading the CSV: {t_pandas_csv / all_mine:.0f}× "
        f"(all columns), {t_pandas_csv / col_mine:.0f}× (three columns). The first load "
        "does strictly more than `pd.read_csv(url)`: the same parse, plus hashing the bytes and "
        "writing Parquet (about a third of the extra time each); it is paid once per source. "
        "A cached load checks the Parquet file's size and modification time against its record "
        "(one `stat`; the file is hashed only when they moved), so a file changed on disk is "
        "never served and an unchanged one costs no hashing.",
    ]
    return "\n".join(lines) + "\n"
