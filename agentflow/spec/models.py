"""Pydantic models of the ``agentflow/v1`` document (see docs/workflow-format.md).

Decisions where the format is silent:

* **Unknown fields.** The format lets the project add optional fields, so
  ``Document``, ``Node`` and ``Edge`` keep unknown keys (``extra="allow"``)
  and write them back on export: a document from a newer AgentFlow survives
  a round trip. ``Settings``, ``Retry`` and ``Position`` are closed
  (``extra="forbid"``) so a typo such as ``timeout`` for ``timeout_s`` is
  reported instead of silently ignored; node configs are closed too (see
  ``agentflow.nodes``).
* **Node config** stays a raw ``dict`` here; each node type parses it into its
  own typed model (``agentflow.nodes.registry``).
* **Defaults**: ``settings.timeout_s`` 3600 and ``max_parallel`` 8 (from the
  format); node ``timeout_s`` 300 and ``on_error`` ``fail`` (format); retry
  ``max_attempts`` 1 (no retry), ``backoff_s`` 1, ``backoff_factor`` 2,
  ``max_backoff_s`` 60; ``inputs`` ``{}`` (any input is accepted).
* **Bounds** not in the format, to keep runs finite: run ``timeout_s`` up to
  30 days (approvals can wait), node ``timeout_s`` up to 1 day,
  ``max_parallel`` 1-64, ``max_attempts`` 1-10.
* ``name`` is required and non-empty (the document is stored under it);
  ``description`` is optional.
* ``output`` is a template, or an object whose string leaves are templates
  (nested objects and lists are allowed, like ``set.values``), or absent.
  A subflow body without ``output`` returns its sink outputs keyed by node
  id, as the format says of documents.
"""

from __future__ import annotations

import re
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

FORMAT = "agentflow/v1"
NODE_ID_PATTERN = re.compile(r"[a-z][a-z0-9_]{0,63}")
DEFAULT_HANDLE = "out"
ERROR_HANDLE = "error"

MAX_NODES = 1_000
MAX_EDGES = 5_000
MAX_DOCUMENT_BYTES = 1024 * 1024

OnError = Literal["fail", "continue", "route"]
OutputSpec = str | dict[str, Any] | None


class _Closed(BaseModel):
    model_config = ConfigDict(extra="forbid")


class _Open(BaseModel):
    model_config = ConfigDict(extra="allow")


class Settings(_Closed):
    """Run-wide settings."""

    timeout_s: float = Field(
        3600, gt=0, le=30 * 24 * 3600, description="Deadline of the whole run, in seconds."
    )
    max_parallel: int = Field(
        8, ge=1, le=64, description="How many nodes of one run may execute at once."
    )


class Retry(_Closed):
    """Attempts for retryable errors. ``max_attempts`` 1 means no retry."""

    max_attempts: int = Field(1, ge=1, le=10, description="Total attempts, the first included.")
    backoff_s: float = Field(1, ge=0, le=3600, description="Delay before the second attempt.")
    backoff_factor: float = Field(2, ge=1, le=10, description="Multiplier for each later delay.")
    max_backoff_s: float = Field(60, ge=0, le=24 * 3600, description="Upper bound of any delay.")

    def delay_before_attempt(self, attempt: int) -> float:
        """Seconds to wait before attempt number ``attempt`` (2, 3, ...).

        The format's rule: before attempt n+1, ``min(backoff_s * backoff_factor**(n-1),
        max_backoff_s)``.
        """
        n = attempt - 1
        return float(min(self.backoff_s * self.backoff_factor ** (n - 1), self.max_backoff_s))


class Position(_Closed):
    """Where the canvas draws a node; the engine ignores it."""

    x: float = 0
    y: float = 0


def is_valid_node_id(value: object) -> bool:
    return isinstance(value, str) and NODE_ID_PATTERN.fullmatch(value) is not None


class Node(_Open):
    """One step of a workflow."""

    id: str = Field(description="Unique in its document; [a-z][a-z0-9_]{0,63}.")
    type: str = Field(description="A node type name, e.g. 'llm' (see agentflow.nodes).")
    name: str | None = Field(None, description="Label for people; the engine ignores it.")
    config: dict[str, Any] = Field(default_factory=dict, description="Type-specific settings.")
    retry: Retry = Field(default_factory=Retry)
    timeout_s: float = Field(300, gt=0, le=24 * 3600, description="Limit of one attempt.")
    on_error: OnError = Field("fail", description="fail, continue or route (error handle).")
    position: Position | None = None

    @field_validator("id")
    @classmethod
    def _check_id(cls, value: str) -> str:
        if not is_valid_node_id(value):
            raise ValueError(
                "node ids must match [a-z][a-z0-9_]{0,63}: a lowercase letter, then "
                "lowercase letters, digits or underscores, at most 64 characters"
            )
        return value


class Edge(_Open):
    """A connection from one node's handle to another node."""

    source: str
    target: str
    source_handle: str = DEFAULT_HANDLE

    @property
    def label(self) -> str:
        """How problems name this edge: ``source->target`` or ``source:handle->target``."""
        return edge_label(self.source, self.target, self.source_handle)


def edge_label(source: str, target: str, handle: str = DEFAULT_HANDLE) -> str:
    if handle == DEFAULT_HANDLE:
        return f"{source}->{target}"
    return f"{source}:{handle}->{target}"


class SubflowBody(_Closed):
    """The inline graph of a ``map`` or ``subflow`` node: no ``format``, no trigger.

    Entry nodes are those without incoming edges. Inside a ``map`` body the
    names ``item`` and ``index`` are in scope and ``input`` is the parent run's
    input; inside an inline ``subflow`` ``input`` is the node's ``input`` value.
    Body nodes can only reference other nodes of the same body.
    """

    nodes: list[Node] = Field(default_factory=list)
    edges: list[Edge] = Field(default_factory=list)
    output: OutputSpec = None


class Document(_Open):
    """A whole ``agentflow/v1`` workflow document.

    The optional sticky ``notes`` stay an extra field: the engine never reads them
    (their shape is checked by :mod:`agentflow.spec.notes`)."""

    format: Literal["agentflow/v1"]
    name: str = Field(min_length=1, max_length=200)
    description: str | None = None
    inputs: dict[str, Any] = Field(
        default_factory=dict, description="JSON Schema that each run's input must satisfy."
    )
    settings: Settings = Field(default_factory=Settings)
    nodes: list[Node] = Field(default_factory=list)
    edges: list[Edge] = Field(default_factory=list)
    output: OutputSpec = None

    def node(self, node_id: str) -> Node | None:
        return next((node for node in self.nodes if node.id == node_id), None)
