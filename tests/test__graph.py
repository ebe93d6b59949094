"""Cycle search in a graph of needs (ebpm._graph.find_cycle): pipeline tasks, logic models."""

from __future__ import annotations

from ebpm._graph import find_cycle


def test_a_graph_without_cycle_has_none() -> None:
    diamond = {"report": ["did", "synth"], "did": ["load"], "synth": ["load"], "load": []}
    assert find_cycle(diamond) is None
    assert find_cycle({}) is None


def test_a_node_needing_itself_is_a_cycle_of_one() -> None:
    assert find_cycle({"a": ["a"]}) == ["a", "a"]


def test_the_cycle_is_listed_from_its_first_node_and_closed() -> None:
    assert find_cycle({"a": ["b"], "b": ["c"], "c": ["a"]}) == ["a", "b", "c", "a"]


def test_the_path_leading_into_a_cycle_is_not_part_of_it() -> None:
    graph = {"report": ["x"], "x": ["y"], "y": ["z"], "z": ["x"]}
    assert find_cycle(graph) == ["x", "y", "z", "x"]


def test_needs_that_are_not_nodes_end_the_path() -> None:
    assert find_cycle({"a": ["missing"], "b": ["a", "missing"]}) is None


def test_a_cycle_reached_only_from_a_later_node_is_found() -> None:
    graph = {"a": [], "b": ["a"], "c": ["d"], "d": ["c"]}
    assert find_cycle(graph) == ["c", "d", "c"]


def test_the_first_cycle_in_the_graphs_order_is_returned() -> None:
    graph = {"p": ["q"], "q": ["p"], "r": ["s"], "s": ["r"]}
    assert find_cycle(graph) == ["p", "q", "p"]
    assert find_cycle(dict(reversed(graph.items()))) == ["s", "r", "s"]


def test_a_long_chain_does_not_hit_the_recursion_limit() -> None:
    n = 1200
    chain = {f"t{i}": [f"t{i + 1}"] for i in range(n)} | {f"t{n}": []}
    assert find_cycle(chain) is None
    chain[f"t{n}"] = ["t0"]
    assert find_cycle(chain) == [*(f"t{i}" for i in range(n + 1)), "t0"]
