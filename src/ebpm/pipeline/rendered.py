"""Which report pages of a site are current: what each was rendered from, so that ``ebpm publish``
renders again only the reports whose inputs changed.

A report page is a function of its task's recorded result (parameters, data, headline, revision,
analysis plan...), the bytes of its executed notebook, the run's recorded code and software, the
site's language and export formats, the policies that cite it, and the renderer
(:func:`renderer_version`: ebpm's version and code, nbconvert's, nh3's...).
:func:`report_inputs` hashes all of these; ``site/_ebpm/rendered.json`` keeps, per page, that
hash, the page's own sha256 and the files written beside it. A page is kept when its hash is
unchanged and the page and its downloads are on disk as they were written
(:func:`is_current`); anything else renders it again.
"""

from __future__ import annotations

import functools
import hashlib
import json
from pathlib import Path
from typing import Any

from ebpm import _version
from ebpm._io import atomic_write_json

__all__ = ["RECORD", "is_current", "remember", "renderer_version", "report_inputs"]

#: What each report page of the site was rendered from (site-relative).
RECORD = Path("_ebpm") / "rendered.json"

#: The files a report may have beside it (its downloads and exports), by task name.
_BESIDE = (".ipynb", ".result.json", ".csv", ".pdf", ".docx")


#: What renders a report page besides ebpm: these packages.
_RENDERERS = ("nbconvert", "nh3", "fonttools", "pygments", "mistune", "matplotlib-fontja")


@functools.cache
def renderer_version() -> str:
    """A short hash of what renders report pages: ebpm's version and the source of its modules
    (an edited renderer in a development install counts, not only a release), and the versions
    of nbconvert, nh3, fontTools, Pygments, mistune and the font's package. Once per process."""
    from importlib import metadata

    digest = hashlib.sha256(f"ebpm {_version.__version__}\n".encode())
    for name in _RENDERERS:
        try:
            digest.update(f"{name} {metadata.version(name)}\n".encode())
        except metadata.PackageNotFoundError:
            digest.update(f"{name} -\n".encode())
    root = Path(__file__).resolve().parent.parent  # the ebpm package
    for path in sorted(root.rglob("*.py")):
        digest.update(path.relative_to(root).as_posix().encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:32]


def report_inputs(
    result: dict[str, Any],
    *,
    notebook: Path,
    page: dict[str, Any],
) -> str:
    """A sha256 of everything a report page is made from.

    Parameters
    ----------
    result
        The task's recorded result (``TaskResult.to_dict()``), as read before rendering.
    notebook
        The executed notebook (its bytes count, not its modification time).
    page
        The rest: run id, git state, software versions, language, formats, the policies the
        report informs, its title...

    Returns
    -------
    str
        Hex digest; a missing notebook gives a digest no page was rendered from.
    """
    digest = hashlib.sha256()
    digest.update(renderer_version().encode())
    blob = {"result": result, "page": page}
    digest.update(json.dumps(blob, sort_keys=True, default=str, ensure_ascii=False).encode())
    try:
        digest.update(hashlib.sha256(notebook.read_bytes()).digest())
    except OSError:
        digest.update(b"missing notebook")
    return digest.hexdigest()


def _read(site: Path) -> dict[str, Any]:
    try:
        data = json.loads((site / RECORD).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}  # none yet, or unreadable: every page is rendered again
    return data if isinstance(data, dict) else {}


def _sha256(path: Path) -> str | None:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None


def is_current(site: Path, rel: str, inputs: str) -> bool:
    """Whether the report page ``rel`` was rendered from ``inputs`` and it and the files beside
    it are still as they were written."""
    entry = _read(site).get(rel)
    if not isinstance(entry, dict) or entry.get("inputs") != inputs:
        return False
    page = site / rel
    if entry.get("sha256") != _sha256(page):
        return False
    return all((page.parent / name).is_file() for name in entry.get("beside") or [])


def unrecorded(site: Path, rels: list[str]) -> int:
    """How many of the report pages ``rels`` have no record of being rendered (new pages, or a
    new site): these are certainly rendered, not kept."""
    known = _read(site)
    return sum(1 for rel in rels if not isinstance(known.get(rel), dict))


def remember(site: Path, rel: str, inputs: str) -> None:
    """Record that the report page ``rel`` was just rendered from ``inputs`` (the caller holds
    the site's lock)."""
    remember_all(site, [(rel, inputs)])


def remember_all(site: Path, pages: list[tuple[str, str]]) -> None:
    """:func:`remember` for several pages ``(rel, inputs)``, in one write."""
    if not pages:
        return
    record = _read(site)
    for rel, inputs in pages:
        page = site / rel
        stem = Path(rel).stem
        beside = [stem + ext for ext in _BESIDE if (page.parent / (stem + ext)).is_file()]
        record[rel] = {"inputs": inputs, "sha256": _sha256(page), "beside": beside}
    atomic_write_json(site / RECORD, dict(sorted(record.items())), compact=True)
