"""The structural check of a policy file: ``policy.schema.json`` walked part by part, so that
every bad key is reported with its line and a message saying what the key must hold.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
from importlib import resources
from typing import Any

from ebpm._yaml import line_of as _line
from ebpm._yaml import resolve_path as _resolve
from ebpm._yaml import show_value as _show
from ebpm.errors import close_matches, did_you_mean
from ebpm.kpi.model._hints import _hint

#: What an item of each top-level list must be.
_ITEMS = {
    "nodes": "a mapping with `id`, `kind` and `label`",
    "links": "a mapping with `from` and `to`",
    "kpis": "a mapping with `id`, `node`, `name`, `direction`, `frequency`, `source`, "
    "`baseline` and `target`",
}

#: What each key must hold, for messages ("`direction` must be one of ..."). A dotted key
#: (``source.value``) wins over the plain one (``value``).
_EXPECTED = {
    "policy": "a slug of lower-case letters, digits, '_' and '-', e.g. prop99",
    "title": "text",
    "title_ja": "text",
    "description": "text",
    "owner": "text",
    "nodes": "a non-empty list of nodes, each with `id`, `kind` and `label`",
    "links": "a list of links, each with `from` and `to`",
    "kpis": "a list of KPIs",
    "node": "the id of a node",
    "id": "a name of letters, digits, '_' and '-', e.g. sales_per_capita",
    "from": "the id of a node",
    "to": "the id of a node",
    "label": "text",
    "label_ja": "text",
    "name": "text",
    "name_ja": "text",
    "definition": "text",
    "unit": "text",
    "evidence": "a mapping with `pipeline`, `task` and optionally `expected`, e.g. "
    "{pipeline: demo, task: prop99_synthetic_control, expected: decrease}",
    "pipeline": "the `name:` of a pipeline in pipelines/*.yaml",
    "task": "the name of a task of that pipeline",
    "expected": "increase, decrease or either",
    "source": "a mapping with `dataset`, `time` and `value`",
    "dataset": "a catalog entry, namespace.entry, e.g. studies.prop99",
    "parameters": "a mapping of the catalog entry's parameter names to values",
    "filter": "a mapping of column names to a value or a non-empty list of values",
    "source.time": "the name of the column holding the periods",
    "source.value": "the name of the column holding the KPI's values",
    "baseline": "a mapping with `value` and `date`, e.g. {value: 90.1, date: 1988}",
    "target": "a mapping with `value` and `date`, e.g. {value: 40, date: 2000}",
    "value": "a number",
    "date": 'a year (1988) or a date such as "2024-03", "2024-03-31", "2024Q1" or "FY2024"',
    "note": "text",
}

#: An example line for each required key, for "add it" messages.
_EXAMPLE = {
    "title": "title: California Proposition 99 tobacco control programme",
    "nodes": "nodes: [{id: tax, kind: input, label: 25-cent tax on each pack}]",
    "id": "id: sales_per_capita",
    "kind": "kind: activity",
    "label": "label: Anti-smoking media campaign",
    "from": "from: tax",
    "to": "to: sales",
    "pipeline": "pipeline: demo",
    "task": "task: prop99_synthetic_control",
    "node": "node: sales",
    "name": "name: Cigarette sales per capita",
    "direction": "direction: lower",
    "frequency": "frequency: annual",
    "source": "source: {dataset: studies.prop99, time: Year, value: PacksPerCapita}",
    "baseline": "baseline: {value: 90.1, date: 1988}",
    "target": "target: {value: 40, date: 2000}",
    "dataset": "dataset: studies.prop99",
    "time": "time: Year",
    "source.value": "value: PacksPerCapita",
    "value": "value: 90.1",
    "date": "date: 1988",
}


@functools.cache
def _schema_text() -> str:
    return resources.files("ebpm.kpi").joinpath("policy.schema.json").read_text("utf-8")


def schema() -> dict[str, Any]:
    """The JSON Schema (draft-07) of a policy file, as shipped in ``policy.schema.json``.

    A fresh copy each call (fastjsonschema rewrites the ``$ref``s of what it compiles).
    """
    return json.loads(_schema_text())


def _deref(sub: dict[str, Any]) -> dict[str, Any]:
    """``sub`` with its ``$ref`` replaced by the definition it names (other keys kept)."""
    while "$ref" in sub:
        name = sub["$ref"].rsplit("/", 1)[-1]
        sub = {**_definitions()[name], **{k: v for k, v in sub.items() if k != "$ref"}}
    return sub


@functools.cache
def _definitions() -> dict[str, Any]:
    return schema()["definitions"]


@functools.cache
def _compiled(text: str) -> Any:
    """A validator for one part of the schema, given as JSON text (so that it can be cached)."""
    import fastjsonschema

    # a fresh copy: compiling rewrites the `$ref`s it walks in place
    return fastjsonschema.compile({**json.loads(text), "definitions": schema()["definitions"]})


def _dotted(path: tuple[Any, ...]) -> str:
    return ".".join(str(p) for p in path if not isinstance(p, int))


def _expected(rel: tuple[Any, ...]) -> str:
    keys = [p for p in rel if isinstance(p, str)]
    if len(keys) >= 2 and keys[-2] == "filter":  # the value of one column
        return "a value (text, a number, true/false or null) or a non-empty list of values"
    for i in range(len(keys), 0, -1):
        name = keys[i - 1]
        parent = keys[i - 2] if i >= 2 else None
        for key in (f"{parent}.{name}", name):
            if key in _EXPECTED:
                return _EXPECTED[key]
    return "something else"


def _at(data: Any, path: tuple[Any, ...]) -> Any:
    for part in path:
        data = data[part]
    return data


def _dates_to_text(data: Any) -> Any:
    """YAML reads an unquoted 2024-03-31 as a date; the schema wants text."""
    if isinstance(data, dict):
        return {k: _dates_to_text(v) for k, v in data.items()}
    if isinstance(data, list):
        return [_dates_to_text(v) for v in data]
    if isinstance(data, dt.datetime):
        return data.isoformat(sep=" ")
    if isinstance(data, dt.date):
        return data.isoformat()
    return data


def _schema_problems(
    err: Any,
    value: Any,
    path: tuple[Any, ...],
    rel: tuple[Any, ...],
    lines: dict[tuple[Any, ...], int],
    label: str,
) -> list[tuple[int | None, str]]:
    """fastjsonschema's error on ``value`` in words, with lines. ``path`` is where ``value`` is
    in the file, ``rel`` how messages name it (relative to the item ``label`` names)."""
    sub = _resolve(value, list(err.path[1:]))
    path, rel = (*path, *sub), (*rel, *sub)
    line = _line(lines, path)
    bad = _at(value, sub)
    shown_key = _dotted(rel)
    prefix = f"{label}: " if label else ""
    rule = err.rule
    if rule == "enum":
        choices = [str(c) for c in err.rule_definition]
        return [
            (
                line,
                f"{prefix}`{shown_key}` must be one of {', '.join(choices)}, not {_show(bad)}."
                f"{_hint(str(bad), choices)}",
            )
        ]
    if rule == "propertyNames" and isinstance(bad, dict):
        key = next((k for k in bad if not isinstance(k, str)), None)
        return [
            (
                lines.get((*path, key), line),
                f"{prefix}names in `{shown_key}` must be text, not {_show(key)}; put it in quotes",
            )
        ]
    if rule == "pattern" and rel and rel[-1] == "dataset":
        return [
            (
                line,
                f"{prefix}`{shown_key}` must be {_EXPECTED['dataset']}, not {_show(bad)}; "
                "see `ebpm catalog list`",
            )
        ]
    if rule == "type" and isinstance(bad, str) and _expected(rel) == "a number":
        return [
            (
                line,
                f"{prefix}`{shown_key}` must be a number, not the text {bad!r}; write the number "
                "without quotes or units",
            )
        ]
    return [(line, f"{prefix}`{shown_key}` must be {_expected(rel)}, not {_show(bad)}")]


class _Walker:
    """Checks a policy file against the schema part by part, so that every bad key is reported
    (fastjsonschema stops at the first error of what it validates)."""

    def __init__(self, lines: dict[tuple[Any, ...], int]):
        self.lines = lines
        self.problems: list[tuple[int | None, str]] = []
        #: (list key, index) -> the item's bad or missing keys (None: not a mapping)
        self.items: dict[tuple[str, int], set[str] | None] = {}

    def object(
        self,
        value: Any,
        sub: dict[str, Any],
        path: tuple[Any, ...],
        rel: tuple[Any, ...],
        label: str,
        expected: str = "a mapping",
    ) -> set[str] | None:
        """Check a mapping; return its bad or missing keys (None: it is not a mapping)."""
        sub = _deref(sub)
        prefix = f"{label}: " if label else ""
        shown = _dotted(rel)
        line = _line(self.lines, path)
        if not isinstance(value, dict):
            what = f"`{shown}` " if shown else ""
            self.problems.append((line, f"{prefix}{what}must be {expected}, not {_show(value)}"))
            return None
        allowed = tuple(sub["properties"])
        unknown = [k for k in value if k not in allowed]
        missing = [k for k in sub.get("required", ()) if k not in value]
        inside = f" in `{shown}`" if shown else ""
        for key in unknown:
            self.problems.append(
                (
                    self.lines.get((*path, key), line),
                    f"{prefix}unknown key {key!r}{inside}.{did_you_mean(str(key), allowed)} "
                    f"Allowed keys: {', '.join(allowed)}.",
                )
            )
        for key in missing:
            if any(close_matches(str(u), [key]) for u in unknown):
                continue  # a misspelt key explains it
            example = _EXAMPLE.get(f"{rel[-1]}.{key}" if rel else key) or _EXAMPLE.get(
                key, f"{key}: ..."
            )
            whose = f"`{shown}` has" if shown else ("it has" if label else "the file has")
            self.problems.append((line, f"{prefix}{whose} no `{key}`; add it, e.g. `{example}`"))
        bad = set(missing)
        for key, item in value.items():
            if key in allowed:
                prop = sub["properties"][key]
                if not self.value(item, prop, (*path, key), (*rel, key), label):
                    bad.add(key)
        return bad

    def value(
        self,
        value: Any,
        sub: dict[str, Any],
        path: tuple[Any, ...],
        rel: tuple[Any, ...],
        label: str,
    ) -> bool:
        """Check any value; whether it is valid."""
        import fastjsonschema

        sub = _deref(sub)
        if "properties" in sub:
            return self.object(value, sub, path, rel, label, _expected(rel)) == set()
        own = {k: v for k, v in sub.items() if k != "items"}
        try:
            _compiled(json.dumps(own, sort_keys=True))(value)
        except fastjsonschema.JsonSchemaValueException as err:
            self.problems.extend(_schema_problems(err, value, path, rel, self.lines, label))
            return False
        if "items" not in sub or not isinstance(value, list):
            return True
        ok = True
        kind = str(rel[-1])
        for i, item in enumerate(value):
            name = _item_label(kind, item, i)
            bad = self.object(
                item, sub["items"], (*path, i), (), name, _ITEMS.get(kind, "a mapping")
            )
            self.items[(kind, i)] = bad
            ok = ok and bad == set()
        return ok


def _item_label(kind: str, raw: Any, index: int) -> str:
    if kind == "links":
        if isinstance(raw, dict) and isinstance(raw.get("from"), str):
            return f"link {index + 1} ({raw['from']} → {raw.get('to', '?')})"
        return f"link {index + 1}"
    name = "node" if kind == "nodes" else "KPI"
    if isinstance(raw, dict) and isinstance(raw.get("id"), str) and raw["id"]:
        return f"{name} {raw['id']!r}"
    return f"{name} {index + 1}"
