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

from typing import Any

import yaml
from yaml.composer import ComposerError

__all__ = [
    "ALIAS_NODES",
    "AliasBudgetError",
    "DuplicateKeyError",
    "RefusedYAMLError",
    "SafeLoader",
    "compose",
    "safe_load",
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
