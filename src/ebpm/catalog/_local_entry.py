"""Writing a catalog entry for a local file (``ebpm catalog add``): the file read once, the YAML
of its entry added to the namespace's catalog file, comments and the rest of the file kept.

:func:`add_entry` and :class:`AddedEntry` are re-exported by :mod:`ebpm.catalog.local`.
"""

from __future__ import annotations

import json
import logging
import os
import re
import unicodedata
import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd

from ebpm import _yaml
from ebpm.catalog._local_read import FLAG_SUFFIX, _read, resolve_path
from ebpm.catalog.provenance import finish
from ebpm.errors import CatalogError, EntryExistsError, InvalidOptionError, MixedColumnWarning

# the public module's logger: logging set up for ebpm.catalog.local still applies
log = logging.getLogger("ebpm.catalog.local")

#: The catalog file ``ebpm catalog add`` creates when its namespace has none.
_NEW_CATALOG = """\
# Files of this project on disk, added with `ebpm catalog add PATH`. Paths are relative to this
# folder (or to the project root). Read through ebpm's tolerant loader: only `entries` is needed.
version: 2
metadata:
  title: Local files
entries:
"""
_NAME = re.compile(r"[^\W\d]\w*")


@dataclass(frozen=True)
class AddedEntry:
    """What :func:`add_entry` wrote."""

    name: str  #: ``namespace.entry``
    catalog_file: Path  #: the catalog YAML file written
    created: bool  #: the catalog file is new
    replaced: bool  #: an entry of that name was replaced (``force``)
    text: str  #: the YAML of the entry, as written
    frame: pd.DataFrame  #: the table as read
    warnings: tuple[str, ...]  #: warnings issued while reading (mixed columns)


def _catalog_folder() -> Path:
    """Where ``catalog add`` writes: ``$EBPM_CATALOG_DIR``, else ``catalogs/`` here or above."""
    from ebpm._catalog_files import CATALOG_DIR_ENV, catalog_dir

    if os.environ.get(CATALOG_DIR_ENV):
        return catalog_dir()
    here = Path.cwd().resolve()
    for folder in (here, *here.parents):
        if (folder / "catalogs").is_dir():
            return folder / "catalogs"
    raise CatalogError(
        f"no catalogs/ folder in {here} or above it; create one in your project (mkdir "
        f"catalogs) or set {CATALOG_DIR_ENV} to the folder of your catalog files"
    )


def _entry_name(name: str | None, file: Path) -> tuple[str, str]:
    if name is not None:
        ns, _, entry = name.partition(".")
        if not (_NAME.fullmatch(ns) and _NAME.fullmatch(entry)):
            raise InvalidOptionError(
                f"name {name!r} is not NAMESPACE.ENTRY: two identifiers joined by one dot, e.g. "
                "local.kosodate (the namespace is the catalog file, catalogs/local.yaml)"
            )
        return ns, entry
    stem = file.stem
    if stem.isidentifier():
        return "local", stem
    ascii_name = re.sub(r"[^0-9a-z]+", "_", unicodedata.normalize("NFKC", stem).lower())
    ascii_name = ascii_name.strip("_") or "data"
    return "local", ("data_" + ascii_name if ascii_name[0].isdigit() else ascii_name)


def _scalar(value: Any, *, key: bool = False, quote: bool = False) -> str:
    """``value`` as a YAML scalar (or key): plain where YAML reads it back the same, else in
    double quotes (JSON's escapes are YAML's)."""
    import yaml

    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    text = str(value)
    if not quote and text == text.strip() and "\n" not in text:
        probe = f"{text}: 1" if key else f"k: {text}"
        try:
            back = _yaml.safe_load(probe)
        except yaml.YAMLError:
            back = None
        if back == ({text: 1} if key else {"k": text}):
            return text
    return json.dumps(text, ensure_ascii=False)


def _entry_block(
    entry: str,
    *,
    indent: int,
    kwargs: dict[str, Any],
    df: pd.DataFrame,
    info: dict[str, Any],
    full: str,
) -> str:
    """The YAML of one entry, its key at ``indent`` spaces."""
    pad = " " * indent
    comments = {  # a line above the key, so the values stay in view
        "path": "relative to this file's folder (or to the project root), or absolute",
        "sha256": "of the file as added: a changed file is refused until this is updated",
        "header_row": "the row of the column names, as Excel numbers rows (from 1)",
    }
    lines = [
        f"{pad}{_scalar(entry, key=True)}:",
        f"{pad}  # Added by `ebpm catalog add` on {date.today().isoformat()}: {len(df):,} rows, "
        f"{df.shape[1]} columns.",
        f"{pad}  # Fill in the TODOs, then: ebpm catalog show {full}",
        f"{pad}  reader: ebpm.catalog.local:LocalFile",
        f"{pad}  kwargs:",
    ]
    for key, value in kwargs.items():
        if key in comments:
            lines.append(f"{pad}    # {comments[key]}")
        lines.append(f"{pad}    {key}: {_scalar(value, quote=key == 'sha256')}")
    if info.get("notes"):
        lines.append(
            f"{pad}    # {len(info['notes'])} row(s) of notes below the table are left out (kept "
            "in the provenance);"
        )
        lines.append(f"{pad}    # drop_notes: false keeps them as rows")
    lines += [
        f"{pad}  metadata:",
        f"{pad}    title: {_scalar('TODO: what the table is (' + str(info['what']) + ')')}",
        f"{pad}    description: {_scalar('TODO: what a row is, the period, how it was made')}",
        f"{pad}    source: {_scalar('TODO: who made or published the file')}",
        f"{pad}    licence: {_scalar('TODO: the terms it may be used under')}",
        f"{pad}    kind: table",
        f"{pad}    columns:",
    ]
    flags = info.get("flags") or {}
    for column in df.columns:
        dtype = str(df[column].dtype)
        base = str(column)[: -len(FLAG_SUFFIX)] if str(column).endswith(FLAG_SUFFIX) else None
        if base is not None and base in flags:
            shown = ", ".join(repr(m) for m in flags[base])
            text = f"{dtype}; marks of {base} as written ({shown}), where {base} is missing"
        else:
            text = f"{dtype}; TODO: what it holds, unit"
        lines.append(f"{pad}      {_scalar(column, key=True)}: {_scalar(text)}")
    return "\n".join(lines) + "\n"


def _lines_up_to_content(lines: list[str], end: int) -> int:
    """Index just after the last line before ``end`` that is neither blank nor a comment."""
    while end > 0 and (not lines[end - 1].strip() or lines[end - 1].lstrip().startswith("#")):
        end -= 1
    return end


def _with_entry(text: str, entry: str, block: Any, *, force: bool, where: str) -> tuple[str, bool]:
    """``text`` with the entry ``block(indent)`` added under ``entries:`` (or replacing the entry
    of that name when ``force``); comments and the rest of the file stay as they are."""
    import yaml

    try:
        root = _yaml.compose(text)
    except yaml.YAMLError as err:
        raise CatalogError(
            f"{where} is not valid YAML ({err}); fix it before adding to it"
        ) from err
    lines = text.splitlines(keepends=True)
    if lines and not lines[-1].endswith("\n"):
        lines[-1] += "\n"
    if root is None:  # empty, or comments only
        return "".join(lines) + "version: 2\nentries:\n" + block(2), False
    if not isinstance(root, yaml.MappingNode):
        raise CatalogError(
            f"{where} is not a YAML mapping with an `entries:` section; fix it first"
        )
    node = next((v for k, v in root.value if k.value == "entries"), None)
    if node is None:
        return "".join(lines) + "entries:\n" + block(2), False
    key_line = next(k.start_mark.line for k, v in root.value if k.value == "entries")
    if isinstance(node, yaml.ScalarNode) and node.value in ("", "~", "null"):
        key_text = lines[key_line].rstrip("\n")
        comment = re.search(r"\s#.*$", key_text)
        lines[key_line] = (
            key_text[: key_text.index(":") + 1] + (comment[0] if comment else "") + "\n"
        )
        return "".join([*lines[: key_line + 1], block(2), *lines[key_line + 1 :]]), False
    if not isinstance(node, yaml.MappingNode):
        raise CatalogError(f"{where}: `entries` is not a mapping; fix it first")
    if node.flow_style:
        if node.value:
            raise CatalogError(
                f"{where}: the entries are written in flow style ({{...}}); write them as a block "
                "(one entry per line) to add one"
            )
        head = text[: node.start_mark.index] + text[node.end_mark.index :]  # `{}` taken out
        return _with_entry(head, entry, block, force=force, where=where)
    indent = node.value[0][0].start_mark.column
    keys = [k for k, _ in node.value]
    names = [k.value for k in keys]
    if entry in names:
        i = names.index(entry)
        line = keys[i].start_mark.line + 1
        if not force:
            raise EntryExistsError(
                f"{where} already has an entry {entry!r} (line {line}); pass --force to replace "
                "it, or --name NAMESPACE.OTHER to add the file under another name"
            )
        start = keys[i].start_mark.line
        end = keys[i + 1].start_mark.line if i + 1 < len(keys) else node.end_mark.line
        if i + 1 >= len(keys) and node.end_mark.column:  # the mapping ends inside the last line
            end += 1
        end = max(_lines_up_to_content(lines, end), start + 1)
        return "".join([*lines[:start], block(indent), *lines[end:]]), True
    end = node.end_mark.line + (1 if node.end_mark.column else 0)
    end = _lines_up_to_content(lines, min(end, len(lines)))
    return "".join([*lines[:end], "\n", block(indent), *lines[end:]]), False


def _refuse_early(old: str, entry: str, *, created: bool, force: bool, where: str) -> None:
    """Before the file is read: refuse an entry that exists (without ``force``) and a catalog
    file ``old`` that is not valid YAML or not a catalog."""
    import yaml

    from ebpm.catalog._loader import normalize

    _with_entry(old, entry, lambda indent: "", force=force, where=where)  # refuse early
    if not created:
        try:
            normalize(_yaml.safe_load(old), source=where)
        except yaml.YAMLError as err:
            raise CatalogError(f"{where} is not valid YAML ({err}); fix it first") from err
        except CatalogError as err:
            raise CatalogError(f"{err}; fix the catalog file before adding to it") from err


def _entry_kwargs(file: Path, target_dir: Path, origin: Mapping[str, Any]) -> dict[str, Any]:
    """The entry's ``kwargs``: the file's path (relative to ``target_dir`` when the file is in
    the project), its sha256, and the encoding or sheet and header rows the read found."""
    project = target_dir.resolve().parent
    if file.is_relative_to(project):  # in the project: a path that moves with it
        rel = Path(os.path.relpath(file, target_dir.resolve())).as_posix()
    else:
        rel = file.as_posix()
    kwargs: dict[str, Any] = {"path": rel, "sha256": origin["sha256"]}
    if origin["format"] == "csv":
        kwargs["encoding"] = origin["encoding"]
    else:
        kwargs["sheet"] = origin["sheet"]
    kwargs["header_row"] = origin["header_row"]
    kwargs["header_rows"] = origin["header_rows"]
    return kwargs


def _check_reads_back(
    text: str,
    entry: str,
    kwargs: Mapping[str, Any],
    df: pd.DataFrame,
    *,
    file: Path,
    where: str,
) -> None:
    """Refuse to write ``text`` unless its entry reads back as valid catalog YAML, as written."""
    import yaml

    from ebpm.catalog._loader import normalize

    try:
        raw = _yaml.safe_load(text)
        normalize(raw, source=where)
        written = raw["entries"][entry]
    except (yaml.YAMLError, CatalogError, KeyError, TypeError) as err:  # pragma: no cover
        raise CatalogError(
            f"the entry for {file.name} did not come out as valid catalog YAML ({err}); "
            f"{where} is unchanged. Please report this with the file's column names."
        ) from err
    if written.get("kwargs") != kwargs or list(written["metadata"]["columns"]) != list(
        map(str, df.columns)
    ):  # pragma: no cover - a quoting bug would show here, before anything is written
        raise CatalogError(
            f"the entry for {file.name} did not read back as written; {where} is unchanged"
        )


def add_entry(
    path: str | os.PathLike[str],
    *,
    name: str | None = None,
    sheet: str | int | None = None,
    header_row: int | None = None,
    header_rows: int | None = None,
    force: bool = False,
    folder: str | os.PathLike[str] | None = None,
) -> AddedEntry:
    """Read a file once and write a catalog entry for it, for the analyst to complete.

    Parameters
    ----------
    path : str or path-like
        The CSV or Excel file (relative to the current directory, or absolute).
    name : str, optional
        ``NAMESPACE.ENTRY``; default ``local.<file stem>`` (the stem kept when it is an
        identifier, else made snake_case ASCII). The entry goes to ``<folder>/<NAMESPACE>.yaml``,
        created when missing; an existing file keeps its text and comments.
    sheet, header_row, header_rows
        As for :func:`read_local_table`; what is found is written into the entry.
    force : bool
        Replace an entry of the same name.
    folder : str or path-like, optional
        The catalog folder (default: ``$EBPM_CATALOG_DIR``, else ``catalogs/`` in the current
        directory or above).

    Returns
    -------
    AddedEntry

    Raises
    ------
    EntryExistsError
        The entry exists and ``force`` is not set.
    LocalFileNotFoundError, SourceFormatError, SheetNotFoundError, HeaderRowError
        The file cannot be read as given (see :func:`read_local_table`).
    """
    from ebpm._io import atomic_write_text

    file = resolve_path(path)
    target_dir = Path(folder) if folder is not None else _catalog_folder()
    ns, entry = _entry_name(name, file)
    full = f"{ns}.{entry}"
    target = target_dir / f"{ns}.yaml"
    created = not target.is_file()
    old = _NEW_CATALOG if created else target.read_text(encoding="utf-8")
    where = str(target)
    _refuse_early(old, entry, created=created, force=force, where=where)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", MixedColumnWarning)
        df = _read(file, sheet=sheet, header_row=header_row, header_rows=header_rows)
    origin = df.attrs["ebpm"]["origin"]
    kwargs = _entry_kwargs(file, target_dir, origin)

    blocks: list[str] = []

    def block(indent: int) -> str:
        blocks.append(
            _entry_block(entry, indent=indent, kwargs=kwargs, df=df, info=origin, full=full)
        )
        return blocks[-1]

    text, replaced = _with_entry(old, entry, block, force=force, where=where)
    _check_reads_back(text, entry, kwargs, df, file=file, where=where)
    atomic_write_text(target, text)
    log.info("wrote %s to %s", full, target)
    return AddedEntry(
        name=full,
        catalog_file=target,
        created=created,
        replaced=replaced,
        text=blocks[-1],
        frame=finish(df, entry=full),
        warnings=tuple(str(w.message) for w in caught),
    )
