"""Small graph helpers: the needs of pipeline tasks and the links of logic models.

This module imports nothing of ebpm.
"""

from __future__ import annotations

__all__ = ["find_cycle"]


def find_cycle(graph: dict[str, list[str]]) -> list[str] | None:
    """A cycle of ``graph`` (node → nodes it needs) as [a, b, ..., a], or None."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    for root in graph:
        if root in state:
            continue
        # depth first without recursion, so long chains do not hit the recursion limit
        state[root] = 1
        stack = [root]
        todo = [iter(graph.get(root, []))]  # the needs left to visit, per node of the path
        while todo:
            nxt = next(todo[-1], None)
            if nxt is None:
                todo.pop()
                state[stack.pop()] = 2
            elif state.get(nxt) == 1:
                return [*stack[stack.index(nxt) :], nxt]
            elif nxt not in state:
                state[nxt] = 1
                stack.append(nxt)
                todo.append(iter(graph.get(nxt, [])))
    return None
