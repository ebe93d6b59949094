"""Publishing the report site: ``ebpm publish`` against nbconvert on the same executed notebooks.

What a user would do instead is ``jupyter nbconvert --to html --no-input`` on each executed
notebook (here nbconvert's ``HTMLExporter`` called in this process, which spares it the start of
a process per notebook). ebpm does more per report: the page with its code behind a toggle, the
Japanese glyphs the page uses cut from IPAexGothic and embedded, math as MathML, alt text, the
about block, downloads; and per site the index, the evidence registry and a history page per
task. Both run on the executed notebooks of one run of ``pipelines/demo.yaml``, alternating,
median of 3. Sizes are of the pages written.
"""

from __future__ import annotations

import shutil
import statistics
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REPEATS = 3


def _nbconvert_all(notebooks: list[Path], out: Path) -> None:
    import nbformat
    from nbconvert import HTMLExporter

    out.mkdir(parents=True, exist_ok=True)
    exporter = HTMLExporter(exclude_input=True)
    for path in notebooks:
        body, _ = exporter.from_notebook_node(nbformat.read(path, as_version=4))
        (out / f"{path.stem}.html").write_text(body, encoding="utf-8")


def _timed_fonts() -> tuple[list[float], object]:
    """Wrap ebpm.report.fonts.font_face_css to add up the time spent in it."""
    from ebpm.report import fonts

    spent: list[float] = []
    original = fonts.font_face_css

    def timed(text: str, **kw: object) -> str:
        t = time.perf_counter()
        try:
            return original(text, **kw)  # type: ignore[arg-type]
        finally:
            spent.append(time.perf_counter() - t)

    return spent, timed


def run(work: Path) -> str:
    import os

    from ebpm.pipeline import run_pipeline
    from ebpm.pipeline.runner import publish_runs
    from ebpm.report import fonts
    from ebpm.site import pages as site  # the index, history and failure pages call it here

    os.environ.setdefault("EBPM_CATALOG_DIR", str(ROOT / "catalogs"))
    out = work / "demo"
    result = run_pipeline(ROOT / "pipelines" / "demo.yaml", out_dir=out, jobs=2)
    notebooks = [result.run_dir / t.output_notebook for t in result.tasks if t.output_notebook]

    ebpm_times, nbconvert_times, font_times = [], [], []
    for i in range(REPEATS):
        target = work / f"site-{i}"
        spent, timed = _timed_fonts()
        original = fonts.font_face_css
        site.font_face_css = timed  # the index, history and failure pages
        fonts.font_face_css = timed  # report pages import it from here when rendering
        fonts._subset_woff.cache_clear()  # every repeat cuts its subsets anew
        try:
            t = time.perf_counter()
            publish_runs(out, [result.run_id], site=target)
            ebpm_times.append(time.perf_counter() - t)
        finally:
            site.font_face_css = fonts.font_face_css = original
        font_times.append(sum(spent))
        t = time.perf_counter()
        _nbconvert_all(notebooks, work / f"nbconvert-{i}")
        nbconvert_times.append(time.perf_counter() - t)

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
    ebpm_s, nb_s, font_s = (statistics.median(x) for x in (ebpm_times, nbconvert_times, font_times))
    n = len(notebooks)
    for d in work.glob("nbconvert-*"):
        shutil.rmtree(d, ignore_errors=True)
    return "\n".join(
        [
            "## Publishing the site: `ebpm publish` vs nbconvert",
            "",
            f"The {n} executed notebooks of one demo run; median of {REPEATS} alternating runs, "
            "seconds. nbconvert is called in-process (`HTMLExporter(exclude_input=True)`), "
            "which is faster than `jupyter nbconvert` per file.",
            "",
            "| step | seconds | per report | ratio |",
            "|---|---:|---:|---:|",
            f"| nbconvert, code hidden ({n} pages) | {nb_s:.2f} | {nb_s / n:.3f} | 1 |",
            f"| `ebpm publish`: {n} reports, index, registry, {n} history pages "
            f"({len(pages)} pages) | {ebpm_s:.2f} | {ebpm_s / n:.3f} | {ebpm_s / nb_s:.2f}× |",
            f"| of which: cutting and embedding the Japanese glyphs | {font_s:.2f} | "
            f"{font_s / n:.3f} | {font_s / nb_s:.2f}× |",
            "",
            f"Average report page {size:.0f} kB (nbconvert's: {plain_size:.0f} kB); "
            f"{len(font_kb)} of {len(reports)} reports embed Japanese glyphs, "
            f"{statistics.mean(font_kb) if font_kb else 0:.1f} kB of CSS on average "
            "(the whole IPAexGothic font is 6 MB).",
        ]
    )
