"""Exceptions of the workflow spec layer.

Every exception here carries a human-readable ``.message`` and an
``error_type`` matching the step/run error types of the format
(``expression``, ``validation``). Callers branch on the class or on
``error_type``, never on ``str(exc)``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

if TYPE_CHECKING:
    from agentflow.spec.problems import Problem


class SpecError(Exception):
    """Base class: an error about a workflow document or one of its expressions."""

    error_type: ClassVar[str] = "validation"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class ExpressionError(SpecError):
    """A template or expression failed to parse, broke a sandbox rule or a limit,
    or failed while evaluating. The message never contains Python internals."""

    error_type: ClassVar[str] = "expression"


class DocumentError(SpecError):
    """A document could not be loaded or is invalid; ``problems`` lists every issue."""

    def __init__(self, problems: list[Problem]) -> None:
        summary = "; ".join(str(problem) for problem in problems[:5])
        if len(problems) > 5:
            summary += f"; and {len(problems) - 5} more"
        super().__init__(f"invalid workflow document: {summary}")
        self.problems = problems
