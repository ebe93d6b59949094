"""A tolerant loader for hand-written intake 2 catalog files.

intake 2.0.9 reads only what it wrote itself: every section (``aliases``, ``data``,
``user_parameters``, ``metadata``) must be present, every entry needs ``kwargs``, ``metadata``,
``user_parameters`` and ``output_instance``, ``list(cat)`` sees aliases only, and a ``data`` key
that shares a name with an entry silently shadows it. This module fills in the sections, checks
what intake does not, and hands intake a complete dict.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import intake
import yaml
from intake.readers.utils import import_name

from ebpm import _yaml
from ebpm.errors import CatalogError

__all__ = ["normalize", "read_catalog_file"]

_SECTIONS = ("aliases", "data", "user_parameters", "metadata", "entries")
_ENTRY_KEYS = {"reader", "kwargs", "metadata", "user_parameters", "output_instance"}


def _entry_lines(text: str) -> dict[str, int]:
    """Line number (1-based) of each key under ``entries:`` in catalog YAML ``text``."""
    try:
        root = _yaml.compose(text)
    except yaml.YAMLError:
        return {}
    if not isinstance(root, yaml.MappingNode):
        return {}
    for key, value in root.value:
        if key.value == "entries" and isinstance(value, yaml.MappingNode):
            return {k.value: k.start_mark.line + 1 for k, _ in value.value}
    return {}


def normalize(
    raw: Any, *, source: str = "<catalog>", lines: dict[str, int] | None = None
) -> dict[str, Any]:
    """Return a complete intake 2 catalog dict built from a possibly partial one.

    ``lines`` maps entry names to their line in the file, for messages.
    """
    lines = lines or {}
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise CatalogError(
            f"{source}: a catalog must be a YAML mapping with an `entries:` section, "
            f"not a {type(raw).__name__}"
        )
    version = raw.get("version", 2)
    if version != 2:
        raise CatalogError(
            f"{source}: version {version!r} is not supported; ebpm reads intake 2 catalogs "
            "(`version: 2`). Intake 1 `sources:` catalogs must be rewritten as `entries:`."
        )
    unknown = set(raw) - {*_SECTIONS, "version"}
    if "sources" in unknown:
        raise CatalogError(
            f"{source}: `sources:` is intake 1 syntax; rename it to `entries:` and give each "
            "entry a `reader:` (see catalogs/studies.yaml)"
        )
    if unknown:
        raise CatalogError(
            f"{source}: unknown top-level keys {sorted(unknown)}; allowed: {list(_SECTIONS)}"
        )
    out: dict[str, Any] = {"version": 2}
    for section in _SECTIONS:
        value = raw.get(section) or {}
        if not isinstance(value, dict):
            raise CatalogError(f"{source}: section `{section}` must be a mapping")
        out[section] = dict(value)
    clash = sorted(set(out["data"]) & set(out["entries"]))
    if clash:
        raise CatalogError(
            f"{source}: data keys {clash} share a name with entries; intake would shadow the "
            "entry. Rename the data key."
        )
    entries = {}
    for name, entry in out["entries"].items():
        line = lines.get(str(name))
        where = f"{source}, line {line}: entry {name!r}" if line else f"{source}: entry {name!r}"
        if "." in str(name):
            raise CatalogError(
                f"{where}: entry names cannot contain '.', the file name is the namespace"
            )
        if not isinstance(entry, dict) or "reader" not in entry:
            raise CatalogError(f"{where} needs a `reader:` (e.g. ebpm.catalog.readers:PackageCSV)")
        extra = set(entry) - _ENTRY_KEYS
        if extra:
            raise CatalogError(
                f"{where}: unknown keys {sorted(extra)}; put reader options under `kwargs:` "
                "and descriptions under `metadata:`"
            )
        try:
            reader_cls = import_name(entry["reader"])
        except (ImportError, AttributeError, ValueError) as err:
            raise CatalogError(
                f"{where}: reader {entry['reader']!r} cannot be imported ({err}); write it as "
                "`module.path:ClassName`"
            ) from err
        _check_kwargs(where, reader_cls, entry)
        entries[name] = {
            "reader": entry["reader"],
            "kwargs": dict(entry.get("kwargs") or {}),
            "metadata": dict(entry.get("metadata") or {}),
            "user_parameters": dict(entry.get("user_parameters") or {}),
            "output_instance": entry.get("output_instance") or reader_cls.output_instance,
        }
    out["entries"] = entries
    return out


def _check_kwargs(where: str, reader_cls: Any, entry: dict[str, Any]) -> None:
    """Refuse entry kwargs and declared parameters the reader does not take (a typo such as
    ``sha265:`` would otherwise switch a checksum off without a word)."""
    import inspect

    from ebpm.errors import did_you_mean

    try:
        sig = inspect.signature(reader_cls._read)
    except (TypeError, ValueError):  # pragma: no cover - readers are plain functions
        return
    if any(p.kind is p.VAR_KEYWORD for p in sig.parameters.values()):
        return  # the reader checks its own options (e-Stat filters)
    accepted = [n for n, p in sig.parameters.items() if n != "self" and p.kind is p.KEYWORD_ONLY]
    declared = list((entry.get("metadata") or {}).get("parameters") or {})
    for label, names in (("kwargs", list(entry.get("kwargs") or {})), ("parameters", declared)):
        unknown = [n for n in names if n not in accepted]
        if unknown:
            raise CatalogError(
                f"{where}: {entry['reader']} does not take {label} {unknown}."
                f"{did_you_mean(str(unknown[0]), accepted)} It takes {sorted(accepted)}."
            )


def read_catalog_file(path: Path) -> Any:
    """Parse one catalog YAML file into an intake ``Catalog``."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as err:
        raise CatalogError(f"cannot read catalog {str(path)!r}: {err}") from err
    try:
        raw = _yaml.safe_load(text)
    except _yaml.RefusedYAMLError as err:
        line = err.problem_mark.line + 1 if err.problem_mark else "?"
        raise CatalogError(f"catalog {str(path)!r}, line {line}: {err.problem}") from err
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise CatalogError(
            f"catalog {str(path)!r} is not valid YAML{where}: {getattr(err, 'problem', err)}"
        ) from err
    data = normalize(raw, source=str(path), lines=_entry_lines(text))
    cat = intake.readers.entry.Catalog.from_dict(data)
    cat.user_parameters["CATALOG_PATH"] = str(path)
    cat.user_parameters["CATALOG_DIR"] = str(path.parent)
    return cat
