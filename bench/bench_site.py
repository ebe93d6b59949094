"""Publishing the report site: ``ebpm publish`` against nbconvert on the same executed notebooks.

What a user would do instead is ``jupyter nbconvert --to html --no-input`` on each executed
notebook (here nbconvert's ``HTMLExporter`` called in this process, which spares it the start of
a process per notebook). ebpm does more per report: the page with its code behind a toggle, the
Japanese glyphs the page uses cut from IPAexGothic and embedded, math as MathML, alt text, the
about block, downloads; and per site the index, the evidence registry and a history page per
task. Both run on the executed notebooks of one run of ``pipelines/demo.yaml``, alternating,
median of 5; nbconvert also with the code shown, since ebpm's pages carry it (behind a toggle).

Three publishes per repeat: a first one into a new folder, with no glyph subset kept anywhere
(the *first* figure: cold); a first one into another new folder, with the glyph subsets the
first one kept in the user's cache (``fonts`` under ``EBPM_CACHE_DIR``, here a folder of the
bench's own: what ``ebpm publish --site elsewhere`` finds after ``ebpm run`` published into
its own site); and the same publish again into the first folder with nothing changed (what
``ebpm publish`` does after a run that changed nothing, or a second ``ebpm publish``). Before
each, the process's caches are emptied (the glyph subsets cut in memory, the font read and
hashed, the highlighted code, the renderer's version), so each is timed as a new ``ebpm
publish`` process would run it; what a site keeps on disk (``_ebpm/fonts``,
``_ebpm/rendered.json``) and, for the second, the user's cache count. Timers around ebpm's
steps say where the time goes. Sizes are of the pages written.
"""

from __future__ import annotations

import gc
import shutil
import statistics
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
REPEATS = 5
SETTLE_S = 60  # at most this long waiting for the 1-minute load to fall below 1 before timing

#: The steps timed: (label, module, function). A module-level function is looked up at call
#: time, so replacing it there times every call.
STEPS = [
    ("notebook to HTML: nbconvert, outputs, MathML", "ebpm.site.render", "render_html"),
    ("highlighting the code (Pygments, once per cell source)", "ebpm.site.render", "_highlight"),
    ("sanitizing the cells (nh3)", "ebpm.site.sanitize", "sanitize_html"),
    ("Japanese glyphs: cutting (fontTools) and embedding", "ebpm.report.fonts", "font_face_css"),
    ("history pages", "ebpm.site.history", "write_history_pages"),
    ("index and evidence registry", "ebpm.site.index", "build_index"),
    (
        "downloads beside each report (notebook, JSON, CSV)",
        "ebpm.pipeline.publish",
        "_write_downloads",
    ),
    ("reading the executed notebooks (nbformat)", "ebpm.pipeline.publish", "read_executed"),
]


def _nbconvert_all(notebooks: list[Path], out: Path, *, code: bool = False) -> None:
    import nbformat
    from nbconvert import HTMLExporter

    out.mkdir(parents=True, exist_ok=True)
    exporter = HTMLExporter(exclude_input=not code)
    for path in notebooks:
        body, _ = exporter.from_notebook_node(nbformat.read(path, as_version=4))
        (out / f"{path.stem}.html").write_text(body, encoding="utf-8")


@contextmanager
def _timers() -> Iterator[dict[str, float]]:
    """Add up the time spent in each of :data:`STEPS`, exclusive: a step called within another
    (glyphs within a history page, sanitizing within the notebook's HTML) counts for itself
    only. ``ebpm.site.pages`` and ``ebpm.site`` hold their own names of two of them."""
    import importlib

    spent: dict[str, float] = defaultdict(float)
    stack: list[list[float]] = []  # [start, time spent in steps called within]
    patched: list[tuple[Any, str, Any]] = []

    def timed(label: str, fn: Callable[..., Any]) -> Callable[..., Any]:
        def wrapper(*args: Any, **kw: Any) -> Any:
            stack.append([time.perf_counter(), 0.0])
            try:
                return fn(*args, **kw)
            finally:
                start, inner = stack.pop()
                elapsed = time.perf_counter() - start
                spent[label] += elapsed - inner
                if stack:
                    stack[-1][1] += elapsed

        return wrapper

    for label, module, name in STEPS:
        mod = importlib.import_module(module)
        wrapper = timed(label, getattr(mod, name))
        owners = [mod]
        if name == "font_face_css":
            owners.append(importlib.import_module("ebpm.site.pages"))
        if name == "build_index":
            owners.append(importlib.import_module("ebpm.site"))
        for owner in owners:
            patched.append((owner, name, getattr(owner, name)))
            setattr(owner, name, wrapper)
    try:
        yield spent
    finally:
        for owner, name, original in reversed(patched):
            setattr(owner, name, original)


def _cold() -> None:
    """Empty what a new process would not have: the subsets cut in memory, the cut for the
    expected pages, the font read and hashed, the highlighted code, the renderer's version,
    nbconvert's exporter. (Modules stay imported: the demo run imported them, as nbconvert's
    side has them too.)"""
    from ebpm.pipeline import rendered
    from ebpm.report import fonts
    from ebpm.site import render

    fonts._subset_woff.cache_clear()
    fonts._read_font.cache_clear()
    fonts._EXPECTED.clear()
    fonts._BASE.update(chars=frozenset(), ttf=b"", font="")
    render._highlight.cache_clear()
    rendered.renderer_version.cache_clear()
    render._exporter.cache_clear()  # its Jinja templates compiled again


@contextmanager
def _phases() -> Iterator[dict[str, float]]:
    """When, from the start of a publish, the render workers began forking and were forked,
    and when the last report was in (``_publish_rendered`` returned)."""
    from ebpm.pipeline import render_pool, republish

    at: dict[str, float] = {"start": time.perf_counter()}
    fork, rendered = render_pool.RenderPool._fork, republish._publish_rendered

    def timed_fork(self: Any) -> Any:
        at["warm"] = at["fork"] = time.perf_counter()
        before = self._before_fork

        def timed_before() -> Any:
            try:
                return before()
            finally:
                at["fork"] = time.perf_counter()

        self._before_fork = timed_before if before is not None else None
        try:
            return fork(self)
        finally:
            at["forked"] = time.perf_counter()

    def timed_rendered(*args: Any, **kw: Any) -> Any:
        try:
            return rendered(*args, **kw)
        finally:
            at["rendered"] = time.perf_counter()

    render_pool.RenderPool._fork = timed_fork  # type: ignore[method-assign]
    republish._publish_rendered = timed_rendered
    try:
        yield at
    finally:
        render_pool.RenderPool._fork = fork  # type: ignore[method-assign]
        republish._publish_rendered = rendered


@contextmanager
def _user_cache(folder: Path) -> Iterator[None]:
    """``folder`` as the user's cache folder (``EBPM_CACHE_DIR``) while publishing."""
    import os

    before = os.environ.get("EBPM_CACHE_DIR")
    os.environ["EBPM_CACHE_DIR"] = str(folder)
    try:
        yield
    finally:
        if before is None:
            os.environ.pop("EBPM_CACHE_DIR", None)
        else:
            os.environ["EBPM_CACHE_DIR"] = before


def _publish(
    out: Path,
    run_id: str,
    site: Path,
    cache: Path,
    jobs: str | None = None,
    phases: list[dict[str, float]] | None = None,
) -> tuple[float, dict[str, float]]:
    """One publish; ``jobs`` sets ``EBPM_PUBLISH_JOBS`` (None: as a user gets it, every core).
    The step timers see only this process: with workers, the reports' steps are theirs."""
    import os

    from ebpm.pipeline.runner import publish_runs

    _cold()
    gc.collect()  # no collection of the bench's own garbage (the demo run's) in the timing
    before = os.environ.pop("EBPM_PUBLISH_JOBS", None)
    if jobs is not None:
        os.environ["EBPM_PUBLISH_JOBS"] = jobs
    try:
        with _user_cache(cache), _timers() as spent, _phases() as at:
            t = time.perf_counter()
            publish_runs(out, [run_id], site=site)
            wall = time.perf_counter() - t
        if phases is not None:
            phases.append({k: v - t for k, v in at.items() if k != "start"} | {"end": wall})
    finally:
        os.environ.pop("EBPM_PUBLISH_JOBS", None)
        if before is not None:
            os.environ["EBPM_PUBLISH_JOBS"] = before
    return wall, dict(spent)


def _pool_line(phases: list[dict[str, float]], pool: int) -> str:
    """Where the wall time of the (cold) first publish went, with its workers."""
    if pool < 2 or not phases or any("forked" not in p for p in phases):
        return "The first publish rendered every report in the publishing process."
    keys = ("warm", "fork", "forked", "rendered")
    med = {k: statistics.median(p[k] for p in phases) for k in keys}
    end = statistics.median(p["end"] for p in phases)
    return (
        f"Where the first publish's {end:.2f} s went (medians): {med['warm']:.2f} s reading "
        f"the runs, {med['fork'] - med['warm']:.2f} s before the workers forked (the pages "
        "were new, so no report was rendered first: nbconvert warmed up on a small notebook, "
        "the policies read, the glyphs of all pages cut), "
        f"{med['forked'] - med['fork']:.2f} s forking, {med['rendered'] - med['forked']:.2f} s "
        f"of the {pool} workers rendering the reports, {end - med['rendered']:.2f} s after "
        "(site state, history pages, index and registry)."
    )


def _median_steps(runs: list[dict[str, float]]) -> dict[str, float]:
    return {label: statistics.median(r.get(label, 0.0) for r in runs) for label, *_ in STEPS}


def run(work: Path) -> str:
    import os

    from ebpm.pipeline import run_pipeline

    os.environ.setdefault("EBPM_CATALOG_DIR", str(ROOT / "catalogs"))
    load_start = os.getloadavg()[0]
    out = work / "demo"
    result = run_pipeline(ROOT / "pipelines" / "demo.yaml", out_dir=out, jobs=2)
    notebooks = [result.run_dir / t.output_notebook for t in result.tasks if t.output_notebook]
    settle = time.monotonic() + SETTLE_S  # the demo run's kernels raised the load: let it fall
    while os.getloadavg()[0] > 1.0 and time.monotonic() < settle:
        time.sleep(5)
    load_before = os.getloadavg()[0]

    import threading

    from ebpm.pipeline.render_pool import workers

    first, warm, again, nbconvert, with_code, alone = [], [], [], [], [], []
    first_steps, again_steps = [], []
    pool_phases: list[dict[str, float]] = []
    pool = workers(len(result.tasks))  # as publish_runs will decide (no other thread: a fork)
    threads = threading.active_count()
    for i in range(REPEATS):
        target, cache = work / f"site-{i}", work / f"user-cache-{i}"
        shutil.rmtree(target, ignore_errors=True)
        shutil.rmtree(cache, ignore_errors=True)  # cold: no glyph subset kept anywhere
        wall, _ = _publish(out, result.run_id, target, cache, phases=pool_phases)
        first.append(wall)
        shutil.rmtree(cache, ignore_errors=True)
        wall, steps = _publish(out, result.run_id, work / f"site-one-{i}", cache, jobs="1")
        alone.append(wall)
        first_steps.append(steps)
        wall, _ = _publish(out, result.run_id, work / f"site-warm-{i}", cache)
        warm.append(wall)
        gc.collect()
        t = time.perf_counter()
        _nbconvert_all(notebooks, work / f"nbconvert-{i}")
        nbconvert.append(time.perf_counter() - t)
        gc.collect()
        t = time.perf_counter()
        _nbconvert_all(notebooks, work / f"nbconvert-code-{i}", code=True)
        with_code.append(time.perf_counter() - t)
        wall, steps = _publish(out, result.run_id, target, cache)
        again.append(wall)
        again_steps.append(steps)
    load_after = os.getloadavg()[0]

    site_dir = work / f"site-{REPEATS - 1}"
    reports = sorted((site_dir / "reports").rglob("*.html"))
    pages = sorted(site_dir.rglob("*.html"))
    plain = sorted((work / f"nbconvert-{REPEATS - 1}").glob("*.html"))
    size = statistics.mean(p.stat().st_size for p in reports) / 1024
    plain_size = statistics.mean(p.stat().st_size for p in plain) / 1024
    font_kb = []
    for p in reports:
        text = p.read_text(encoding="utf-8")
        start = text.find("@font-face")
        if start >= 0:
            font_kb.append((text.find("}", start) - start) / 1024)
    first_s, warm_s, again_s, nb_s, code_s, alone_s = (
        statistics.median(x) for x in (first, warm, again, nbconvert, with_code, alone)
    )
    steps1, steps2 = _median_steps(first_steps), _median_steps(again_steps)
    n = len(notebooks)
    for d in [
        *work.glob("nbconvert-*"),
        *work.glob("site-warm-*"),
        *work.glob("site-one-*"),
        *work.glob("user-cache-*"),
    ]:
        shutil.rmtree(d, ignore_errors=True)

    glyph = next(label for label, _, name in STEPS if name == "font_face_css")
    lines = [
        "## Publishing the site: `ebpm publish` vs nbconvert",
        "",
        f"The {n} executed notebooks of one demo run; median of {REPEATS} alternating runs, "
        "seconds. nbconvert is called in-process (`HTMLExporter(exclude_input=True)`), "
        "which is faster than `jupyter nbconvert` per file. `ebpm publish` writes "
        f"{n} reports, the index, the registry and {n} history pages ({len(pages)} pages); "
        "*first* into a new folder with no glyph subset kept anywhere (cold), *first, glyphs "
        "kept* into another new folder with the subsets the first one kept in the user's cache "
        "(`fonts` under `EBPM_CACHE_DIR`), *again* the same publish into the first folder with "
        "nothing changed (a report is rendered again only when its notebook, recorded run, "
        "language, formats, the policies citing it or ebpm's version or code changed). The "
        "process's in-memory caches (glyph subsets, the font, highlighted code) are emptied "
        "before each publish, as in a new `ebpm publish`; before each timing, ebpm's or "
        "nbconvert's, the bench's own garbage (the demo run's) is collected, so that no "
        "collection of it (0.07 s each) lands in a timing. `ebpm publish` renders the reports "
        f"in {pool} worker process(es) forked from it (`ebpm.pipeline.render_pool`; "
        f"{threads} thread(s) in this process when publishing); *first, one process* is the "
        "cold first publish with `EBPM_PUBLISH_JOBS=1`, whose steps the table below splits. "
        f"1-minute load average {load_start:.2f} before the demo run, {load_before:.2f} "
        f"before timing (after up to {SETTLE_S} s for the run's own load to fall), "
        f"{load_after:.2f} after.",
        "",
        "| step | seconds | per report | ratio to nbconvert |",
        "|---|---:|---:|---:|",
        f"| nbconvert, code hidden ({n} pages) | {nb_s:.2f} | {nb_s / n:.3f} | 1 |",
        f"| nbconvert, code shown (ebpm's pages carry it, behind a toggle) | {code_s:.2f} | "
        f"{code_s / n:.3f} | {code_s / nb_s:.2f}× |",
        f"| `ebpm publish`, first | {first_s:.2f} | {first_s / n:.3f} | "
        f"**{first_s / nb_s:.2f}×** |",
        f"| `ebpm publish`, first, one process | {alone_s:.2f} | {alone_s / n:.3f} | "
        f"{alone_s / nb_s:.2f}× |",
        f"| of which: Japanese glyphs (cutting and embedding) | {steps1[glyph]:.2f} | "
        f"{steps1[glyph] / n:.3f} | {steps1[glyph] / nb_s:.2f}× |",
        f"| `ebpm publish`, first, glyph subsets kept in the user's cache | {warm_s:.2f} | "
        f"{warm_s / n:.3f} | **{warm_s / nb_s:.2f}×** |",
        f"| `ebpm publish` again, nothing changed | {again_s:.2f} | {again_s / n:.3f} | "
        f"**{again_s / nb_s:.2f}×** |",
        f"| of which: Japanese glyphs | {steps2[glyph]:.2f} | {steps2[glyph] / n:.3f} | "
        f"{steps2[glyph] / nb_s:.2f}× |",
        "",
        f"Target ≤ 2× nbconvert: first publish {first_s / nb_s:.2f}× "
        f"**{'met' if first_s <= 2 * nb_s else 'missed'}** (with the glyph subsets kept "
        f"from an earlier site {warm_s / nb_s:.2f}× "
        f"**{'met' if warm_s <= 2 * nb_s else 'missed'}**); again "
        f"{again_s / nb_s:.2f}× **{'met' if again_s <= 2 * nb_s else 'missed'}**. Against "
        f"nbconvert with the code shown, as ebpm's pages have it, the first publish is "
        f"{first_s / code_s:.2f}×.",
        "",
        _pool_line(pool_phases, pool),
        "",
        "Where the time goes (medians; each step without the steps it calls, so the rows add "
        "up to the total):",
        "",
        "| step | first, one process (s) | share | again (s) | share |",
        "|---|---:|---:|---:|---:|",
    ]
    for label, *_ in STEPS:
        lines.append(
            f"| {label} | {steps1[label]:.2f} | {steps1[label] / alone_s:.0%} | "
            f"{steps2[label]:.2f} | {steps2[label] / again_s:.0%} |"
        )
    counted, counted2 = sum(steps1.values()), sum(steps2.values())
    lines += [
        f"| the rest: about blocks, state and lock, writing files (fsync), "
        f"the renderer's version | {alone_s - counted:.2f} | {(alone_s - counted) / alone_s:.0%} "
        f"| {again_s - counted2:.2f} | {(again_s - counted2) / again_s:.0%} |",
        "",
        f"Average report page {size:.0f} kB (nbconvert's: {plain_size:.0f} kB); "
        f"{len(font_kb)} of {len(reports)} reports embed Japanese glyphs, "
        f"{statistics.mean(font_kb) if font_kb else 0:.1f} kB of CSS on average "
        "(the whole IPAexGothic font is 6 MB).",
    ]
    return "\n".join(lines)
