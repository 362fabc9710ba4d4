"""The node graph of a document or subflow body, for validation and the engine.

Built from node ids and ``(source, target)`` pairs; edges whose ends are not
nodes of the graph are ignored here (validation reports them). Every result
is in document order, so messages and schedules are deterministic.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable

from agentflow.spec.errors import SpecError
from agentflow.spec.models import Document, SubflowBody


class CycleError(SpecError):
    """The graph has a cycle, so it has no topological order."""

    def __init__(self, cycle: list[str]) -> None:
        super().__init__("the graph has a cycle: " + " -> ".join([*cycle, cycle[0]]))
        self.cycle = cycle


class Graph:
    """Adjacency of node ids. Immutable once built."""

    def __init__(self, node_ids: Iterable[str], edges: Iterable[tuple[str, str]]) -> None:
        self.node_ids: list[str] = list(dict.fromkeys(node_ids))
        known = set(self.node_ids)
        self._successors: dict[str, list[str]] = {node_id: [] for node_id in self.node_ids}
        self._predecessors: dict[str, list[str]] = {node_id: [] for node_id in self.node_ids}
        for source, target in edges:
            known_ends = source in known and target in known
            if known_ends and target not in self._successors[source]:
                self._successors[source].append(target)
                self._predecessors[target].append(source)
        # Validation asks for the upstream set of every node; the graph never changes.
        self._reachable_cache: dict[tuple[str, bool], frozenset[str]] = {}

    @classmethod
    def of(cls, document: Document | SubflowBody) -> Graph:
        return cls(
            (node.id for node in document.nodes),
            ((edge.source, edge.target) for edge in document.edges),
        )

    def successors(self, node_id: str) -> list[str]:
        return list(self._successors.get(node_id, ()))

    def predecessors(self, node_id: str) -> list[str]:
        return list(self._predecessors.get(node_id, ()))

    def entry_nodes(self) -> list[str]:
        """Nodes without incoming edges: where execution starts."""
        return [node_id for node_id in self.node_ids if not self._predecessors[node_id]]

    def sink_nodes(self) -> list[str]:
        """Nodes without outgoing edges: their outputs form a default ``output``."""
        return [node_id for node_id in self.node_ids if not self._successors[node_id]]

    def upstream(self, node_id: str) -> frozenset[str]:
        """Every node with a path to ``node_id`` (itself only if it lies on a cycle)."""
        return self._reachable(node_id, forward=False)

    def downstream(self, node_id: str) -> frozenset[str]:
        """Every node reachable from ``node_id`` (itself only if it lies on a cycle)."""
        return self._reachable(node_id, forward=True)

    def _reachable(self, node_id: str, *, forward: bool) -> frozenset[str]:
        cached = self._reachable_cache.get((node_id, forward))
        if cached is not None:
            return cached
        links = self._successors if forward else self._predecessors
        seen: set[str] = set()
        queue = deque(links.get(node_id, ()))
        while queue:
            current = queue.popleft()
            if current not in seen:
                seen.add(current)
                queue.extend(links[current])
        result = self._reachable_cache[(node_id, forward)] = frozenset(seen)
        return result

    def topological_order(self) -> list[str]:
        """Nodes so that every edge goes forward; raises CycleError on a cycle."""
        remaining = {node_id: len(self._predecessors[node_id]) for node_id in self.node_ids}
        ready = deque(node_id for node_id, count in remaining.items() if count == 0)
        order: list[str] = []
        while ready:
            current = ready.popleft()
            order.append(current)
            for successor in self._successors[current]:
                remaining[successor] -= 1
                if remaining[successor] == 0:
                    ready.append(successor)
        if len(order) < len(self.node_ids):
            raise CycleError(self.cycles()[0])
        return order

    def cycles(self) -> list[list[str]]:
        """One representative cycle per strongly connected component that has one."""
        return [
            self._cycle_within(component)
            for component in self._strongly_connected_components()
            if len(component) > 1 or component[0] in self._successors[component[0]]
        ]

    def _cycle_within(self, component: list[str]) -> list[str]:
        """A simple cycle through the component's first node (in document order)."""
        members = set(component)
        start = component[0]
        parents: dict[str, str] = {}
        queue = deque([start])
        while queue:
            current = queue.popleft()
            for successor in self._successors[current]:
                if successor == start:
                    path = [current]
                    while path[-1] != start:
                        path.append(parents[path[-1]])
                    return path[::-1]
                if successor in members and successor not in parents:
                    parents[successor] = current
                    queue.append(successor)
        return [start]  # unreachable for a real component

    def _strongly_connected_components(self) -> list[list[str]]:
        """Tarjan's algorithm, iterative (deep graphs must not hit the recursion limit)."""
        position = {node_id: i for i, node_id in enumerate(self.node_ids)}
        index: dict[str, int] = {}
        lowlink: dict[str, int] = {}
        on_stack: set[str] = set()
        stack: list[str] = []
        components: list[list[str]] = []
        for root in self.node_ids:
            if root in index:
                continue
            work = [(root, 0)]
            while work:
                node_id, child = work.pop()
                if child == 0:
                    index[node_id] = lowlink[node_id] = len(index)
                    stack.append(node_id)
                    on_stack.add(node_id)
                successors = self._successors[node_id]
                if child < len(successors):
                    work.append((node_id, child + 1))
                    successor = successors[child]
                    if successor not in index:
                        work.append((successor, 0))
                    elif successor in on_stack:
                        lowlink[node_id] = min(lowlink[node_id], index[successor])
                    continue
                if lowlink[node_id] == index[node_id]:
                    component = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == node_id:
                            break
                    components.append(sorted(component, key=position.__getitem__))
                if work:
                    parent = work[-1][0]
                    lowlink[parent] = min(lowlink[parent], lowlink[node_id])
        components.sort(key=lambda component: position[component[0]])
        return components
