"""Helpers shared by the node types' ``execute`` methods."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from agentflow.engine.errors import NodeError, as_node_error

SUBFLOW_DEPTH_KEY = "_subflow_depth"
"""Scope key counting nested stored-workflow subflows. Templates cannot name it
(validation refuses names outside the scope), so it is invisible to users."""


def as_text(value: Any) -> str:
    """A rendered value as text: strings as they are, anything else JSON-encoded."""
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False)


def body_scope(parent: Mapping[str, Any], *, input: Any, **extra: Any) -> dict[str, Any]:
    """The scope of an inline body: its own input, the run's env and run, no nodes yet."""
    scope: dict[str, Any] = {
        "input": input,
        "env": parent.get("env", {}),
        "run": parent.get("run", {}),
        "nodes": {},
        SUBFLOW_DEPTH_KEY: parent.get(SUBFLOW_DEPTH_KEY, 0),
    }
    scope.update(extra)
    return scope


def body_failure(exc: Exception, where: str) -> NodeError:
    """A body's failure as this node's error: same type and retryability, located."""
    error = as_node_error(exc)
    return NodeError(error.type, f"{where}: {error.message}", retryable=error.retryable)
