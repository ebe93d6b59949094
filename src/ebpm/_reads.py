"""Which project files a task's notebook reads, recorded from inside its kernel.

``ebpm run`` starts each ``python3`` kernel with one line of startup code, :func:`install`,
which adds an audit hook (PEP 578) that sees every ``open`` of the kernel: ``open()`` and
``Path.read_text`` (``pd.read_csv("data/x.csv")`` opens the file this way), ``os.open`` and the
import system's ``io.open_code``. A file counts as read when it is a regular file under the
project root (``$EBPM_PROJECT_ROOT``) opened for reading, and not in a hidden folder, a virtual
environment or ``site-packages``, ebpm's own package (its source is in the environment
fingerprint already) or a folder the runner names in ``$EBPM_READS_IGNORE`` (the run's
``runs/`` and ``site/``, the download cache). A module imported from ``__pycache__`` stands for
its source: with a fresh ``.pyc`` the ``.py`` itself is never opened.

Each file is appended once to ``$EBPM_READS_FILE`` as it is opened, so a kernel killed mid-task
still leaves what it read: ``+`` first (the hook is in place), then ``r<TAB>path`` for a file
read and ``w<TAB>path`` for one opened for writing (what a task writes is its output, not an
input), paths relative to the root with ``/``; ``!<TAB>error`` when a path could not be
recorded. :func:`parse` turns that into the list the runner fingerprints.

Not seen: files read by C code that does not go through Python's ``open`` (pyarrow's Parquet
reader, sqlite3, GDAL), files outside the project folder, and anything a non-Python kernel does.

The hook runs on every ``open`` of the kernel, so it is kept cheap: an event that is not
``open``, or a path outside the project, costs a comparison or two, and each path is examined
once. This module imports nothing of ebpm but the names of the environment variables.
"""

from __future__ import annotations

import os
import sys
import threading
from importlib.util import source_from_cache
from typing import Any

from ebpm._protocol import PROJECT_ROOT_ENV, READS_FILE_ENV, READS_IGNORE_ENV

__all__ = ["install", "parse"]

#: ``os.open`` flags that open a file for writing.
_WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_APPEND | os.O_CREAT | os.O_TRUNC
#: Folders that hold installed packages, wherever they are.
_PACKAGE_FOLDERS = frozenset({"site-packages", "dist-packages", "__pypackages__"})

_installed = False


def _folder(path: str) -> str:
    return os.path.normpath(path).rstrip(os.sep) + os.sep


def install() -> None:
    """Start recording the project files this process opens into ``$EBPM_READS_FILE``.

    Does nothing when that variable is unset, or when called a second time.
    """
    global _installed
    target = os.environ.get(READS_FILE_ENV)
    if not target or _installed:
        return
    root = os.environ.get(PROJECT_ROOT_ENV) or os.getcwd()
    ignore = [p for p in os.environ.get(READS_IGNORE_ENV, "").split(os.pathsep) if p]
    ignore += [sys.prefix, sys.exec_prefix, sys.base_prefix]
    ignore.append(os.path.dirname(os.path.abspath(__file__)))  # ebpm itself
    log = open(target, "a", encoding="utf-8", errors="surrogateescape", buffering=1)  # noqa: SIM115
    log.write("+\n")
    sys.addaudithook(_Recorder(root, ignore, log))
    _installed = True


class _Recorder:
    """The audit hook: notes each project file opened, once, in the log."""

    def __init__(self, root: str, ignore: list[str], log: Any) -> None:
        roots = {_folder(root), _folder(os.path.realpath(root))}
        self.roots = tuple(sorted(roots, key=len, reverse=True))
        self.ignore = tuple(
            {_folder(p) for p in ignore} | {_folder(os.path.realpath(p)) for p in ignore}
        )
        self.log = log
        self.seen: set[str] = set()  # "r" or "w" + the path as opened: examined already
        self.lines: set[str] = set()  # written to the log
        self.lock = threading.Lock()

    def __call__(self, event: str, args: tuple[Any, ...]) -> None:
        if event != "open":
            return
        path = args[0]
        if type(path) is not str:
            if path is None or isinstance(path, int):  # a file descriptor
                return
            try:
                path = os.fsdecode(os.fspath(path))
            except TypeError:
                return
        if not os.path.isabs(path):
            path = os.path.join(os.getcwd(), path)
        if not path.startswith(self.roots):
            return
        mode, flags = args[1], args[2]
        if isinstance(mode, str):
            writing = "w" in mode or "a" in mode or "x" in mode or "+" in mode
        else:
            writing = bool(flags & _WRITE_FLAGS)
        key = ("w" if writing else "r") + path
        if key in self.seen:
            return
        with self.lock:
            self.seen.add(key)
            # an audit hook that raises makes the notebook's own open() fail: a path that
            # cannot be recorded is noted instead, and the runner treats the task's reads as
            # unknown
            try:
                self._note(path, writing)
            except Exception as err:
                self._write(f"!\t{type(err).__name__}: {err}\n")

    def _relative(self, path: str) -> list[str] | None:
        """The path's parts below the project root; None when it is not a candidate."""
        path = os.path.normpath(path)
        if path.startswith(self.ignore):
            return None
        rel = next((path[len(r) :] for r in self.roots if path.startswith(r)), None)
        if not rel:
            return None
        parts = rel.split(os.sep)
        if any(p.startswith(".") for p in parts[:-1]) or not _PACKAGE_FOLDERS.isdisjoint(parts):
            return None
        return parts

    def _note(self, path: str, writing: bool) -> None:
        parts = self._relative(path)
        if parts is None:
            return
        if "__pycache__" in parts:
            if writing or not parts[-1].endswith(".pyc"):
                return  # the import system caching a compiled module
            try:
                path = source_from_cache(os.path.normpath(path))
            except ValueError:
                return
            parts = self._relative(path)
            if parts is None:
                return
        if not writing and not os.path.isfile(path):
            return
        self._write(f"{'w' if writing else 'r'}\t{'/'.join(parts)}\n")

    def _write(self, line: str) -> None:
        if line not in self.lines:
            self.lines.add(line)
            self.log.write(line)


def parse(text: str) -> list[str] | None:
    """The project files a task read, from its log (see the module's docstring), in the order
    first read; files it also wrote are left out. None when the hook was not in place or a path
    could not be recorded: what the task read is then unknown."""
    lines = text.splitlines()
    if not lines or lines[0] != "+":
        return None
    read: dict[str, None] = {}
    written: set[str] = set()
    for line in lines[1:]:
        kind, _, path = line.partition("\t")
        if kind == "!":
            return None
        if kind == "r" and path:
            read[path] = None
        elif kind == "w" and path:
            written.add(path)
    return [p for p in read if p not in written]
