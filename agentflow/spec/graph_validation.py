"""Validation of one graph: a document's nodes, edges and output, or a subflow body's.

Works on the raw (parsed JSON/YAML) data, not on models, so that one broken
node does not hide the problems of the others: each node and edge is parsed
on its own and every check runs on whatever could be parsed. Subflow bodies
are validated by the same code, recursively, with their own scope names and
with the enclosing graphs' node ids known only to explain why a reference to
them is invalid (bodies are isolated: they see ``input``, ``item``, ``index``,
never the parent's nodes).

Where problems point: see :mod:`agentflow.spec.problems`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from agentflow.spec.expressions import (
    SCOPE_NAMES,
    check_expression,
    check_template,
    referenced_nodes,
)
from agentflow.spec.graph import Graph
from agentflow.spec.models import (
    ERROR_HANDLE,
    MAX_EDGES,
    MAX_NODES,
    Edge,
    Node,
)
from agentflow.spec.node_types import (
    TRIGGER_TYPE,
    NodeCatalog,
    NodeConfig,
    NodeConfigError,
    NodeType,
    string_leaves,
)
from agentflow.spec.problems import Problem, validation_messages

MAX_BODY_DEPTH = 8
_BODY_KEYS = frozenset({"nodes", "edges", "output"})


@dataclass(frozen=True, slots=True)
class Location:
    """Turns node ids, edge labels and field paths of one graph into Problems."""

    owner: str | None = None
    """Path of the node owning this body (``"fan"``, ``"fan/inner"``); None at top level."""
    body_field: str = ""
    """The owner's config field holding the body, e.g. ``"subflow"``."""

    def node_path(self, node_id: str) -> str:
        return f"{self.owner}/{node_id}" if self.owner else node_id

    def node(self, node_id: str, message: str) -> Problem:
        return Problem.at_node(self.node_path(node_id), message)

    def edge(self, label: str, message: str) -> Problem:
        return Problem.at_edge(f"{self.owner}/{label}" if self.owner else label, message)

    def field(self, path: str, message: str) -> Problem:
        if self.owner:
            return Problem.at_node(self.owner, f"config.{self.body_field}.{path}: {message}")
        return Problem.at_field(path, message)


@dataclass(frozen=True, slots=True)
class Scope:
    """What templates of one graph may use."""

    names: frozenset[str]
    enclosing_ids: frozenset[str] = frozenset()
    depth: int = 0
    is_body: bool = False


@dataclass
class _NodeEntry:
    index: int
    id: str | None
    node: Node | None = None
    node_type: NodeType[Any] | None = None
    config: NodeConfig | None = None
    handles: list[str] | None = None
    bodies: list[tuple[str, Any]] = field(default_factory=list)


def validate_graph(
    raw_nodes: Any,
    raw_edges: Any,
    raw_output: Any,
    where: Location,
    scope: Scope,
    node_types: NodeCatalog,
) -> list[Problem]:
    """Every problem of one graph and of the bodies nested in it, where a node's
    ``type`` must name one of ``node_types``."""
    return _GraphValidator(where, scope, node_types).run(raw_nodes, raw_edges, raw_output)


class _GraphValidator:
    def __init__(self, where: Location, scope: Scope, node_types: NodeCatalog) -> None:
        self.where = where
        self.scope = scope
        self.node_types = node_types
        self.problems: list[Problem] = []
        self.entries: list[_NodeEntry] = []
        self.by_id: dict[str, _NodeEntry] = {}
        self.edges: list[Edge] = []
        self.edge_keys: set[tuple[str, str, str]] = set()

    def run(self, raw_nodes: Any, raw_edges: Any, raw_output: Any) -> list[Problem]:
        nodes = self._as_list(raw_nodes, "nodes", MAX_NODES)
        edges = self._as_list(raw_edges, "edges", MAX_EDGES)
        for index, raw_node in enumerate(nodes):
            self._parse_node(index, raw_node)
        self._check_duplicate_ids()
        self._check_triggers()
        for index, raw_edge in enumerate(edges):
            self._parse_edge(index, raw_edge)
        graph = Graph(list(self.by_id), ((edge.source, edge.target) for edge in self.edges))
        for cycle in graph.cycles():
            path = " -> ".join([*cycle, cycle[0]])
            self.problems.append(self.where.node(cycle[0], f"is part of a cycle: {path}"))
        for entry in self.entries:
            self._check_expressions(entry, graph)
        self._check_output(raw_output)
        for entry in self.entries:
            self._check_bodies(entry)
        return self.problems

    # -- structure -------------------------------------------------------------

    def _as_list(self, value: Any, name: str, limit: int) -> Sequence[Any]:
        if value is None:
            return []
        if not isinstance(value, list):
            self.problems.append(self.where.field(name, "must be a list"))
            return []
        if len(value) > limit:
            self.problems.append(
                self.where.field(name, f"has {len(value):,} entries; the limit is {limit:,}")
            )
        return value

    def _parse_node(self, index: int, raw: Any) -> None:
        if not isinstance(raw, Mapping):
            self.problems.append(self.where.field(f"nodes[{index}]", "must be an object"))
            return
        raw_id = raw.get("id")
        entry = _NodeEntry(index, raw_id if isinstance(raw_id, str) and raw_id else None)
        self.entries.append(entry)
        if entry.id is not None:
            self.by_id.setdefault(entry.id, entry)
        try:
            entry.node = Node.model_validate(raw)
        except ValidationError as exc:
            for path, message in validation_messages(exc):
                self._node_problem(entry, f"{path}: {message}")
        raw_type = raw.get("type")
        if isinstance(raw_type, str):
            entry.node_type = self.node_types.get(raw_type)
            if entry.node_type is None:
                known = ", ".join(self.node_types)
                self._node_problem(entry, f"unknown node type '{raw_type}' (known: {known})")
        raw_config = raw.get("config", {})
        if entry.node_type is not None and isinstance(raw_config, Mapping):
            self._parse_config(entry, entry.node_type, raw_config)

    def _parse_config(
        self, entry: _NodeEntry, node_type: NodeType[Any], raw_config: Mapping[str, Any]
    ) -> None:
        # Bodies present in the config are validated recursively (with node-level
        # locations), so the flat schema errors inside them would only be noise.
        body_fields = [name for name in node_type.subflow_field_names() if raw_config.get(name)]
        entry.bodies = [(name, raw_config[name]) for name in body_fields]
        try:
            entry.config = node_type.parse_config(raw_config)
        except NodeConfigError as exc:
            for problem in exc.problems:
                if problem.path.split(".")[0].split("[")[0] in body_fields:
                    continue
                prefix = f"config.{problem.path}" if problem.path else "config"
                self._node_problem(entry, f"{prefix}: {problem.message}")
            return
        for problem in node_type.instance_problems(entry.config):
            self._node_problem(entry, f"config.{problem.path}: {problem.message}")
        on_error = entry.node.on_error if entry.node else "fail"
        entry.handles = node_type.all_handles(entry.config, on_error)

    def _node_problem(self, entry: _NodeEntry, message: str) -> None:
        if entry.id is not None:
            self.problems.append(self.where.node(entry.id, message))
        else:
            self.problems.append(self.where.field(f"nodes[{entry.index}]", message))

    def _check_duplicate_ids(self) -> None:
        counts = Counter(entry.id for entry in self.entries if entry.id is not None)
        for node_id, count in counts.items():
            if count > 1:
                self.problems.append(
                    self.where.node(node_id, f"id is used by {count} nodes; ids must be unique")
                )

    def _check_triggers(self) -> None:
        triggers = [entry for entry in self.entries if self._is_trigger(entry)]
        if self.scope.is_body:
            for entry in triggers:
                self._node_problem(entry, "a subflow body cannot contain a trigger")
        elif not triggers:
            self.problems.append(self.where.field("nodes", "the workflow has no trigger node"))

    @staticmethod
    def _is_trigger(entry: _NodeEntry) -> bool:
        return entry.node_type is not None and entry.node_type.type == TRIGGER_TYPE

    def _parse_edge(self, index: int, raw: Any) -> None:
        if not isinstance(raw, Mapping):
            self.problems.append(self.where.field(f"edges[{index}]", "must be an object"))
            return
        try:
            edge = Edge.model_validate(raw)
        except ValidationError as exc:
            for path, message in validation_messages(exc):
                self.problems.append(self.where.field(f"edges[{index}].{path}", message))
            return
        label = edge.label
        problems_before = len(self.problems)
        for end, node_id in (("source", edge.source), ("target", edge.target)):
            if node_id not in self.by_id:
                self.problems.append(self.where.edge(label, f"{end} '{node_id}' is not a node"))
        source = self.by_id.get(edge.source)
        if source is not None and source.handles is not None:
            self._check_handle(edge, source.handles)
        target = self.by_id.get(edge.target)
        if target is not None and self._is_trigger(target):
            self.problems.append(self.where.edge(label, "a trigger cannot have incoming edges"))
        key = (edge.source, edge.source_handle, edge.target)
        if key in self.edge_keys:
            self.problems.append(self.where.edge(label, "duplicate edge"))
        if len(self.problems) == problems_before:
            self.edges.append(edge)
            self.edge_keys.add(key)

    def _check_handle(self, edge: Edge, handles: list[str]) -> None:
        if edge.source_handle in handles:
            return
        if edge.source_handle == ERROR_HANDLE:
            message = "the error handle exists only when the source's on_error is 'route'"
        else:
            message = (
                f"'{edge.source}' has no handle '{edge.source_handle}' "
                f"(its handles: {', '.join(handles)})"
            )
        self.problems.append(self.where.edge(edge.label, message))

    # -- templates and references ------------------------------------------------

    def _check_expressions(self, entry: _NodeEntry, graph: Graph) -> None:
        if entry.config is None or entry.node_type is None or entry.id is None:
            return
        upstream = graph.upstream(entry.id)
        for path, text in entry.node_type.template_fields(entry.config):
            messages = check_template(text, names=self.scope.names)
            self._report_text(entry, path, messages, referenced_nodes(text), upstream)
        for path, text in entry.node_type.expression_fields(entry.config):
            messages = check_expression(text, names=self.scope.names)
            refs = referenced_nodes(text, kind="expression")
            self._report_text(entry, path, messages, refs, upstream)

    def _report_text(
        self,
        entry: _NodeEntry,
        path: str,
        messages: list[str],
        refs: set[str],
        upstream: Collection[str],
    ) -> None:
        problems = messages + [
            self._reference_problem(entry.id, ref, upstream) for ref in sorted(refs)
        ]
        for message in problems:
            if message:
                self._node_problem(entry, f"config.{path}: {message}")

    def _reference_problem(self, node_id: str | None, ref: str, upstream: Collection[str]) -> str:
        if ref not in self.by_id:
            if ref in self.scope.enclosing_ids:
                return (
                    f"refers to node '{ref}' outside this subflow body; "
                    "pass the value in through input or item"
                )
            return f"refers to unknown node '{ref}'"
        if ref == node_id:
            return "refers to its own output"
        if ref not in upstream:
            return f"refers to node '{ref}', which is not upstream of it"
        return ""

    def _check_output(self, raw_output: Any) -> None:
        if raw_output is None:
            return
        if not isinstance(raw_output, str | Mapping):
            self.problems.append(
                self.where.field("output", "must be a template or an object of templates")
            )
            return
        for path, text in string_leaves(raw_output, "output"):
            for message in check_template(text, names=self.scope.names):
                self.problems.append(self.where.field(path, message))
            for ref in sorted(referenced_nodes(text)):
                # The output is evaluated after the run: any node of the graph is fine.
                message = self._reference_problem(None, ref, self.by_id)
                if message:
                    self.problems.append(self.where.field(path, message))

    # -- bodies ----------------------------------------------------------------------

    def _check_bodies(self, entry: _NodeEntry) -> None:
        if not entry.bodies or entry.id is None or entry.node_type is None:
            return
        owner = self.where.node_path(entry.id)
        for field_name, raw_body in entry.bodies:
            body_where = Location(owner=owner, body_field=field_name)
            if self.scope.depth + 1 > MAX_BODY_DEPTH:
                self._node_problem(
                    entry, f"config.{field_name}: subflows nest deeper than {MAX_BODY_DEPTH}"
                )
                continue
            if not isinstance(raw_body, Mapping):
                self._node_problem(
                    entry, f"config.{field_name}: must be an object with nodes, edges and output"
                )
                continue
            for key in sorted(set(raw_body) - _BODY_KEYS):
                self._node_problem(entry, f"config.{field_name}.{key}: is not a known field")
            scope = Scope(
                # A body sees the standard names plus its owner's (map: item, index),
                # never its parent's item: bodies are isolated.
                names=SCOPE_NAMES | entry.node_type.body_scope_names,
                enclosing_ids=self.scope.enclosing_ids | set(self.by_id),
                depth=self.scope.depth + 1,
                is_body=True,
            )
            self.problems.extend(
                validate_graph(
                    raw_body.get("nodes"),
                    raw_body.get("edges"),
                    raw_body.get("output"),
                    body_where,
                    scope,
                    self.node_types,
                )
            )
