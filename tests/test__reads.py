"""The project files a kernel reads (ebpm._reads): the audit hook's log and how it is parsed.

The hook cannot be removed once added, so :func:`install` runs in a child interpreter.
"""

from __future__ import annotations

import os
import py_compile
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from ebpm import _reads
from ebpm._protocol import PROJECT_ROOT_ENV, READS_FILE_ENV, READS_IGNORE_ENV
from ebpm._reads import parse

SCRIPT = textwrap.dedent(
    """
    import os, sys
    from pathlib import Path
    from ebpm import _reads

    _reads.install()
    _reads.install()  # a second call does nothing
    open("data/a.csv").read()
    open("data/a.csv").read()  # noted once
    Path("data/b.txt").read_text()
    os.close(os.open("data/d.bin", os.O_RDONLY))
    open("out/result.csv", "w").write("x")
    open("data/both.csv").read()
    open("data/both.csv", "a").write("y")
    open(".hidden/secret.csv").read()
    open("venv/lib/site-packages/pkg/x.py").read()
    open("ignored/c.csv").read()
    open(sys.argv[1]).read()  # outside the project
    try:
        open("missing.csv")
    except FileNotFoundError:
        pass
    import mod  # from a fresh __pycache__/mod.*.pyc: stands for mod.py
    assert mod.VALUE == 1, "mod.py was read, not its .pyc"
    """
)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    for rel in [
        "data/a.csv",
        "data/b.txt",
        "data/d.bin",
        "data/both.csv",
        ".hidden/secret.csv",
        "venv/lib/site-packages/pkg/x.py",
        "ignored/c.csv",
    ]:
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text("1\n", encoding="utf-8")
    (root / "out").mkdir()
    source = root / "mod.py"
    source.write_text("VALUE = 1\n", encoding="utf-8")
    py_compile.compile(
        str(source), doraise=True, invalidation_mode=py_compile.PycInvalidationMode.TIMESTAMP
    )
    # same size and time: the .pyc stays fresh, and only it says VALUE = 1
    stamp = source.stat()
    source.write_text("VALUE = 2\n", encoding="utf-8")
    os.utime(source, ns=(stamp.st_atime_ns, stamp.st_mtime_ns))
    (tmp_path / "outside.csv").write_text("2\n", encoding="utf-8")
    return root


def _run(project: Path, log: Path) -> None:
    env = {
        **os.environ,
        PROJECT_ROOT_ENV: str(project),
        READS_FILE_ENV: str(log),
        READS_IGNORE_ENV: str(project / "ignored"),
    }
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(project.parent / "outside.csv")],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr


def test_the_kernel_logs_project_files_read_and_written(project: Path, tmp_path: Path) -> None:
    log = tmp_path / "reads.log"
    _run(project, log)
    assert log.read_text(encoding="utf-8").splitlines() == [
        "+",
        "r\tdata/a.csv",
        "r\tdata/b.txt",
        "r\tdata/d.bin",
        "w\tout/result.csv",
        "r\tdata/both.csv",
        "w\tdata/both.csv",
        "r\tmod.py",
    ]


def test_parse_gives_the_files_read_and_not_written(project: Path, tmp_path: Path) -> None:
    log = tmp_path / "reads.log"
    _run(project, log)
    assert parse(log.read_text(encoding="utf-8")) == [
        "data/a.csv",
        "data/b.txt",
        "data/d.bin",
        "mod.py",
    ]


def test_install_without_a_log_file_does_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(READS_FILE_ENV, raising=False)
    monkeypatch.setattr(_reads, "_installed", False)
    _reads.install()
    assert _reads._installed is False


def test_parse_keeps_the_order_of_first_read_once_each() -> None:
    text = "+\nr\tb.csv\nr\ta.csv\nr\tb.csv\nw\tout.csv\nr\tc/d.csv\n"
    assert parse(text) == ["b.csv", "a.csv", "c/d.csv"]


def test_parse_leaves_out_files_also_written_whatever_the_order() -> None:
    assert parse("+\nw\tcache.json\nr\tcache.json\nr\tin.csv\n") == ["in.csv"]
    assert parse("+\n") == []


@pytest.mark.parametrize(
    "text",
    ["", "r\tdata/a.csv\n", "+\nr\tdata/a.csv\n!\tUnicodeEncodeError: surrogates\n"],
    ids=["empty", "no-hook", "unrecorded-path"],
)
def test_parse_says_unknown_when_the_log_cannot_be_trusted(text: str) -> None:
    assert parse(text) is None


def test_parse_ignores_lines_without_a_path() -> None:
    assert parse("+\nr\t\nr\nw\t\nr\tok.csv\n") == ["ok.csv"]
