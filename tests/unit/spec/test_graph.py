"""Graph helpers reused by the engine."""

from __future__ import annotations

from itertools import pairwise

import pytest

from agentflow.spec.graph import CycleError, Graph
from agentflow.spec.models import Document


def diamond() -> Graph:
    return Graph("abcde", [("a", "b"), ("a", "c"), ("b", "d"), ("c", "d"), ("x", "e")])


def test_entry_and_sink_nodes():
    graph = diamond()
    assert graph.entry_nodes() == ["a", "e"]
    assert graph.sink_nodes() == ["d", "e"]


def test_upstream_and_downstream():
    graph = diamond()
    assert graph.upstream("d") == {"a", "b", "c"}
    assert graph.upstream("a") == frozenset()
    assert graph.downstream("a") == {"b", "c", "d"}
    assert graph.predecessors("d") == ["b", "c"]
    assert graph.successors("a") == ["b", "c"]


def test_topological_order_respects_every_edge():
    order = diamond().topological_order()
    assert order.index("a") < order.index("b") < order.index("d")
    assert order.index("c") < order.index("d")
    assert sorted(order) == list("abcde")


def test_cycles_are_found_once_per_component():
    graph = Graph("abcdef", [("a", "b"), ("b", "c"), ("c", "b"), ("c", "d"), ("e", "e")])
    assert graph.cycles() == [["b", "c"], ["e"]]
    with pytest.raises(CycleError, match="b -> c -> b"):
        graph.topological_order()
    assert graph.upstream("b") == {"a", "b", "c"}


def test_long_chains_do_not_hit_the_recursion_limit():
    ids = [f"n{i}" for i in range(5000)]
    edges = [*pairwise(ids), (ids[-1], ids[0])]
    assert len(Graph(ids, edges).cycles()[0]) == 5000
    assert Graph(ids, edges[:-1]).topological_order() == ids


def test_graph_of_a_document(document):
    graph = Graph.of(Document.model_validate(document))
    assert graph.entry_nodes() == ["start"]
    assert graph.sink_nodes() == ["reply"]
