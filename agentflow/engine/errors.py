"""Typed failures of a step. The scheduler decides retries from ``retryable``."""

from __future__ import annotations

from datetime import datetime
from typing import Any

# The format's error types; a more specific type is a dotted name under one of them.
ERROR_TYPES = frozenset(
    {
        "timeout",
        "validation",
        "expression",
        "http",
        "llm",
        "blocked_address",
        "cancelled",
        "internal",
    }
)


class NodeError(Exception):
    """A step attempt failed. ``type`` is one of ERROR_TYPES or a dotted refinement."""

    def __init__(self, type: str, message: str, *, retryable: bool = False) -> None:
        super().__init__(message)
        self.type = type
        self.message = message
        self.retryable = retryable


class Suspended(Exception):
    """The step waits for something outside the run; the run pauses in ``waiting``.

    ``wait_until`` is when the run must be resumed at the latest (an approval's
    timeout, the end of a long delay). The step is executed again on resume and
    finds what it waited for, or that its time has come.
    """

    def __init__(self, wait_until: datetime, reason: str) -> None:
        super().__init__(f"{reason} until {wait_until.isoformat()}")
        self.wait_until = wait_until


class WaitingForApproval(Suspended):
    """An approval step that has no decision yet."""

    def __init__(self, wait_until: datetime) -> None:
        super().__init__(wait_until, "waiting for a decision")


def as_node_error(exc: BaseException) -> NodeError:
    """Map any exception to a NodeError without leaking Python internals to users.

    Errors that already carry ``type``/``message`` (the guarded HTTP client's, the
    expression sandbox's) keep them; anything else is an internal error.
    """
    if isinstance(exc, NodeError):
        return exc
    # The guarded HTTP client's errors carry ``type``; the spec's carry ``error_type``.
    kind: Any = getattr(exc, "type", None) or getattr(exc, "error_type", None)
    message: Any = getattr(exc, "message", None)
    if isinstance(kind, str) and isinstance(message, str):
        base = kind.split(".")[0]
        return NodeError(
            kind if base in ERROR_TYPES else f"internal.{kind}",
            message,
            retryable=bool(getattr(exc, "retryable", False)),
        )
    if isinstance(exc, TimeoutError):
        return NodeError("timeout", "the step took longer than its timeout", retryable=True)
    return NodeError("internal", f"{type(exc).__name__}: {exc}")
