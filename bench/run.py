"""Run every bench/bench_*.py and write bench/RESULTS.md.

Each benchmark module has ``run(work: Path) -> str`` returning a Markdown section. Competitors
are timed side by side in the same process and the same run, so ratios compare like with like.

    make bench            # or: .venv/bin/python bench/run.py [NAME ...]
"""

from __future__ import annotations

import importlib.util
import os
import platform
import shutil
import subprocess
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = ""
    try:
        kb = int(Path("/proc/meminfo").read_text().split()[1])
        mem = f", {kb / 1024**2:.0f} GiB RAM"
    except (OSError, ValueError, IndexError):
        pass
    try:
        commit = subprocess.run(
            ["git", "-C", str(HERE), "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        commit = "unknown"
    return (
        f"{cpu}, {os.cpu_count()} cores{mem}; {platform.system()} {platform.release()}; "
        f"Python {platform.python_version()}; ebpm commit {commit}"
    )


MARK = "<!-- bench:{} -->"


def _previous_sections() -> dict[str, str]:
    """Sections of the current RESULTS.md by bench name (kept when that bench is not rerun)."""
    path = HERE / "RESULTS.md"
    if not path.is_file():
        return {}
    text = path.read_text(encoding="utf-8")
    out = {}
    for chunk in text.split("<!-- bench:")[1:]:
        name, _, body = chunk.partition(" -->")
        out[name] = body.strip("\n") + "\n"
    return out


def main(argv: list[str]) -> int:
    wanted = set(argv)
    sections = _previous_sections()
    for path in sorted(HERE.glob("bench_*.py")):
        name = path.stem.removeprefix("bench_")
        if wanted and name not in wanted:
            continue
        spec = importlib.util.spec_from_file_location(path.stem, path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        print(f"bench: {name} …", flush=True)
        work = Path(tempfile.mkdtemp(prefix=f"ebpm-bench-{name}-"))
        try:
            started = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
            body = module.run(work)
            sections[name] = f"{body.rstrip()}\n\n_Measured {started}._\n"
        finally:
            shutil.rmtree(work, ignore_errors=True)
    now = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    text = "\n".join(
        [
            "# Benchmark results",
            "",
            f"Written by `make bench` on {now} (a section not rerun keeps its own date).",
            f"Machine: {machine()}.",
            "",
            *(MARK.format(name) + "\n" + body for name, body in sorted(sections.items())),
        ]
    )
    (HERE / "RESULTS.md").write_text(text, encoding="utf-8")
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
