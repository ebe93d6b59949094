"""The one YAML loader every ebpm reader uses: safe, bounded, and strict about keys.

PyYAML's ``SafeLoader`` shares an aliased node instead of copying it, so a "billion laughs"
document (nine anchors of ten aliases each) loads in microseconds, and then hangs, or eats
gigabytes, in whatever walks it as a tree: the spec's line map, a JSON dump, a hash. This loader
counts, while composing, how many nodes the aliases would add once expanded, and refuses the
document past :data:`ALIAS_NODES`. It also refuses an anchor used inside itself and a key
written twice in one mapping (YAML would keep the last one without a word: a second
``sha256:`` switches a checksum).

The errors are ``yaml.MarkedYAMLError`` subclasses with the line, so each reader turns them
into its own error (``CatalogError``, ``SpecError``) the way it already does for bad YAML. This
module imports nothing of ebpm.
"""

from __future__ import annotations

import re
import reprlib
from typing import Any

import yaml
from yaml.composer import ComposerError

from ebpm.errors import Problem, SpecError

__all__ = [
    "ALIAS_NODES",
    "AliasBudgetError",
    "DuplicateKeyError",
    "RefusedYAMLError",
    "SafeLoader",
    "compose",
    "line_of",
    "read_with_lines",
    "resolve_path",
    "safe_load",
    "show_value",
    "spec_error",
]

ALIAS_NODES = 10_000  # nodes all aliases of a document may add once expanded; real files use few
_MERGE_TAG = "tag:yaml.org,2002:merge"


class RefusedYAMLError(ComposerError):
    """Parsable YAML that ebpm refuses; ``problem`` is the whole message, ``problem_mark`` the
    place."""


class AliasBudgetError(RefusedYAMLError):
    """The aliases of a document expand past :data:`ALIAS_NODES`, or an anchor refers to
    itself."""


class DuplicateKeyError(RefusedYAMLError):
    """A mapping gives the same key twice."""


class SafeLoader(yaml.SafeLoader):
    """``yaml.SafeLoader`` that refuses alias bombs, self-referring anchors and duplicate keys."""

    def __init__(self, stream: Any) -> None:
        super().__init__(stream)
        self._alias_nodes = 0
        self._sizes: dict[int, int] = {}

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            node = self.anchors.get(event.anchor)
            if node is not None:  # an undefined alias is PyYAML's own error
                self._count(node, event)
        return super().compose_node(parent, index)

    def compose_mapping_node(self, anchor: Any) -> Any:
        node = super().compose_mapping_node(anchor)
        seen: dict[tuple[str, str], yaml.Node] = {}
        for key, _ in node.value:
            if not isinstance(key, yaml.ScalarNode) or key.tag == _MERGE_TAG:
                continue  # `<<: *base` then an own key is an override, not a repeat
            first = seen.setdefault((key.tag, key.value), key)
            if first is not key:
                raise DuplicateKeyError(
                    None,
                    None,
                    f"key {key.value!r} appears twice (also on line {first.start_mark.line + 1}); "
                    "YAML would silently keep the last one. Remove one of them.",
                    key.start_mark,
                )
        return node

    def _count(self, node: yaml.Node, event: Any) -> None:
        if node.end_mark is None:  # still being composed: the alias sits inside its own anchor
            raise AliasBudgetError(
                None,
                None,
                f"alias *{event.anchor} is used inside the anchor &{event.anchor} it refers to, "
                "which would repeat forever; write the value out instead",
                event.start_mark,
            )
        self._alias_nodes += self._size(node)
        if self._alias_nodes > ALIAS_NODES:
            raise AliasBudgetError(
                None,
                None,
                f"the aliases (*name) expand to more than {ALIAS_NODES:,} values by here "
                f"(alias *{event.anchor}), which looks like a 'billion laughs' document; "
                "write the values out or use fewer, smaller anchors",
                event.start_mark,
            )

    def _size(self, node: yaml.Node) -> int:
        """Nodes in ``node`` once every alias inside it is expanded (memoized by node)."""
        known = self._sizes.get(id(node))
        if known is not None:
            return known
        if isinstance(node, yaml.SequenceNode):
            size = 1 + sum(self._size(item) for item in node.value)
        elif isinstance(node, yaml.MappingNode):
            size = 1 + sum(self._size(k) + self._size(v) for k, v in node.value)
        else:
            size = 1
        self._sizes[id(node)] = size
        return size


def safe_load(text: str) -> Any:
    """``yaml.safe_load`` through :class:`SafeLoader`."""
    return yaml.load(text, Loader=SafeLoader)


def compose(text: str) -> yaml.Node | None:
    """``yaml.compose`` through :class:`SafeLoader`."""
    return yaml.compose(text, Loader=SafeLoader)


# --- YAML with lines (specs and policy files) ----------------------------------------------------
_SHORT = reprlib.Repr()
_SHORT.maxstring = 60
_SHORT.maxother = 60
_INT_TAG = "tag:yaml.org,2002:int"
_SURPRISING_INT = re.compile(r"^[-+]?(0[0-7_]+|[0-9][0-9_]*(:[0-5]?[0-9])+)$")


def show_value(value: Any) -> str:
    """A value as messages show it: short, and ``empty`` for nothing."""
    return "empty" if value is None else _SHORT.repr(value)


def spec_error(
    shown: str, line: int | None, message: str, cls: type[SpecError] = SpecError
) -> SpecError:
    """A :class:`~ebpm.errors.SpecError` (or ``cls``) saying ``message`` about line ``line`` of
    the file ``shown``, with that one :class:`~ebpm.errors.Problem`."""
    text = f"{shown}, line {line}: {message}" if line else f"{shown}: {message}"
    return cls(text, path=shown, line=line, problems=[Problem(shown, line, message)])


_INT_TAG = "tag:yaml.org,2002:int"
_SURPRISING_INT = re.compile(r"^[-+]?(0[0-7_]+|[0-9][0-9_]*(:[0-5]?[0-9])+)$")


class _Lines:
    """Builds Python values from YAML nodes, recording the line of every path."""

    def __init__(self, loader: yaml.SafeLoader, shown: str):
        self.loader = loader
        self.shown = shown
        self.lines: dict[tuple[Any, ...], int] = {}
        self.merged: dict[int, int] = {}  # id of a mapping node -> how many pairs were merged in

    def build(self, node: yaml.Node, path: tuple[Any, ...]) -> Any:
        self.lines.setdefault(path, node.start_mark.line + 1)
        if isinstance(node, yaml.MappingNode):
            return self._mapping(node, path)
        if isinstance(node, yaml.SequenceNode):
            return [self.build(item, (*path, i)) for i, item in enumerate(node.value)]
        line = node.start_mark.line + 1
        try:
            value = self.loader.construct_object(node, deep=True)
        except (ValueError, TypeError, yaml.YAMLError) as err:
            raise spec_error(
                self.shown, line, f"{node.value!r} cannot be read ({err}); put it in quotes"
            ) from err
        if node.tag == _INT_TAG and _SURPRISING_INT.match(str(node.value)):
            how = "base 60" if ":" in node.value else "octal, because of the leading 0"
            raise spec_error(
                self.shown,
                line,
                f"{node.value} is read by YAML as the number {value} ({how}); put it in quotes: "
                f'"{node.value}"',
            )
        return value

    def _mapping(self, node: yaml.MappingNode, path: tuple[Any, ...]) -> dict[Any, Any]:
        if id(node) not in self.merged:  # an alias visits the same node again
            own = sum(1 for k, _ in node.value if k.tag != _MERGE_TAG)
            self.loader.flatten_mapping(node)  # `<<: *anchor` merges come first, own keys win
            self.merged[id(node)] = len(node.value) - own
        merged = self.merged[id(node)]
        out: dict[Any, Any] = {}
        own_lines: dict[Any, int] = {}
        for i, (key_node, value_node) in enumerate(node.value):
            line = key_node.start_mark.line + 1
            key = self.build(key_node, (*path, "<key>"))
            try:
                hash(key)
            except TypeError as err:
                raise spec_error(
                    self.shown, line, f"a key must be a name, not {show_value(key)}"
                ) from err
            if i >= merged:
                if key in own_lines:
                    raise spec_error(
                        self.shown,
                        line,
                        f"key {key!r} appears twice (also on line {own_lines[key]}); YAML would "
                        "silently keep the last one. Remove one of them.",
                    )
                own_lines[key] = line
            self.lines[(*path, key)] = line
            out[key] = self.build(value_node, (*path, key))
        self.lines.pop((*path, "<key>"), None)
        return out


def read_with_lines(text: str, shown: str) -> tuple[Any, dict[tuple[Any, ...], int]]:
    """Read a YAML document and the line of every path in it (``("tasks", 3, "timeout")``).

    The pipeline specs and the policy files read their YAML with this, so every error they
    report names its line. ``shown`` is the file as messages show it. Raises
    :class:`~ebpm.errors.SpecError` with the line on bad YAML, a key written twice, a number
    YAML would read surprisingly (octal ``010``, base-60 ``1:30``) or an alias bomb.
    """
    loader = SafeLoader(text)  # bounds the aliases `_Lines` would rebuild one by one
    try:
        node = loader.get_single_node()
        builder = _Lines(loader, shown)
        data = None if node is None else builder.build(node, ())
    except RefusedYAMLError as err:  # well-formed, so not 'not valid YAML'
        mark = err.problem_mark
        raise spec_error(shown, mark.line + 1 if mark else None, str(err.problem)) from err
    except yaml.MarkedYAMLError as err:
        mark = err.problem_mark or err.context_mark
        context = ""
        if err.context and err.context_mark is not None:
            context = f" ({err.context}, from line {err.context_mark.line + 1})"
        raise spec_error(
            shown,
            mark.line + 1 if mark else None,
            f"not valid YAML: {str(err.problem or err).removeprefix('but ')}{context}",
        ) from err
    except yaml.YAMLError as err:
        raise spec_error(shown, None, f"not valid YAML: {err}") from err
    finally:
        loader.dispose()
    return data, builder.lines


def resolve_path(data: Any, parts: list[str]) -> tuple[Any, ...]:
    """fastjsonschema's path (``['tasks', '3', 'timeout']``) as keys and indices of ``data``."""
    out: list[Any] = []
    node = data
    for part in parts:
        if isinstance(node, list) and part.isdigit() and int(part) < len(node):
            out.append(int(part))
            node = node[int(part)]
        elif isinstance(node, dict) and part in node:
            out.append(part)
            node = node[part]
        else:
            break
    return tuple(out)


def line_of(lines: dict[tuple[Any, ...], int], path: tuple[Any, ...]) -> int | None:
    """The line of ``path``, or of its nearest parent that has one."""
    while path:
        if path in lines:
            return lines[path]
        path = path[:-1]
    return lines.get(())
