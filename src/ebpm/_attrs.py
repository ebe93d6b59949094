"""Provenance on a DataFrame's ``attrs`` that pandas does not copy again and again.

pandas deep-copies ``DataFrame.attrs`` into the result of nearly every operation: taking a column,
a filter, a groupby's groups. A catalog entry's provenance record is large (the fiscal indicators'
holds every name the matching resolved: about 100 kB), so taking one column of
``japan.municipal_fiscal_indices`` cost 1.3 ms instead of 7 µs, and building a merger panel spent
a fifth of its time copying it. A :class:`Record` is a dict that cannot be changed in place, so
its copy can be the record itself: :func:`copy.deepcopy` returns it unchanged.

Change a record by building a new one: ``df.attrs["ebpm"] = record({**old, "key": value})``.
Lists inside a record are shared between the frames that hold it: never append to them.

This module imports nothing of ebpm.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, NoReturn

__all__ = ["Record", "record"]


class Record(dict[str, Any]):
    """A read-only dict: a deep copy of it is itself."""

    __slots__ = ()

    def __deepcopy__(self, memo: dict[int, Any]) -> Record:
        return self

    def __copy__(self) -> Record:
        return self

    def __reduce__(self) -> tuple[Any, tuple[dict[str, Any]]]:
        return (Record, (dict(self),))

    def _refuse(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise TypeError(
            "a provenance record cannot be changed in place (frames derived from it share it); "
            "build a new one: df.attrs['ebpm'] = ebpm._attrs.record({**df.attrs['ebpm'], key: "
            "value})"
        )

    __setitem__ = _refuse
    __delitem__ = _refuse
    __ior__ = _refuse
    setdefault = _refuse
    pop = _refuse
    popitem = _refuse
    clear = _refuse
    update = _refuse


def record(value: Mapping[str, Any]) -> Record:
    """``value`` as a :class:`Record`, and every mapping inside it too (lists are kept)."""

    def freeze(item: Any) -> Any:
        if isinstance(item, Mapping):
            return Record({key: freeze(inner) for key, inner in item.items()})
        if isinstance(item, list):
            return [freeze(inner) for inner in item]
        return item

    return Record({key: freeze(inner) for key, inner in value.items()})
