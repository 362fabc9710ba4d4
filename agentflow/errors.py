"""The root of the errors a use case raises for its caller to show.

Every such error carries a human ``message`` (what went wrong and what to do) and a
machine ``type``, the word the REST API puts in ``error.type``; the API maps each
type to an HTTP status in one table (state/web/api_v1/errors.py's ``STATUS_BY_TYPE``),
and the pages show ``message``. Engine-internal signals (a lost lease, a node's
own failure) are not service errors and do not derive from here.

This module imports nothing of the project, so every layer (db, services, queue)
can raise these.
"""

from __future__ import annotations

from typing import Any, ClassVar


class AgentFlowError(Exception):
    """A refusal or failure the caller is meant to show to a person or a client."""

    type: ClassVar[str] = "error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    @property
    def details(self) -> Any:
        """Structured details for API clients (problems, limits); None if there are none."""
        return None

    @property
    def public_message(self) -> str:
        """What may be said to a client that is perhaps not entitled to more."""
        return self.message


class NotFound(AgentFlowError):
    """Base of every "no such object" error; the same for missing and for another org's.

    ``message`` may name the object (for the CLI and the logs); ``public_message``
    never does, so another organisation's id and a missing one get identical answers.
    """

    type = "not_found"
    what: ClassVar[str] = "object"

    def __init__(self, message: str | None = None) -> None:
        super().__init__(message or f"{self.what} not found")

    @property
    def public_message(self) -> str:
        return f"{self.what} not found"


class Forbidden(AgentFlowError):
    type = "forbidden"

    def __init__(self, message: str = "you are not allowed to do this") -> None:
        super().__init__(message)


class InvalidInput(AgentFlowError):
    """The request itself is wrong: a field, a value, a combination."""

    type = "validation"


class Conflict(AgentFlowError):
    """The request is valid but the object's current state does not allow it."""

    type = "conflict"


class Unavailable(AgentFlowError):
    """A service the request needs does not answer now; trying again later can help."""

    type = "unavailable"


class WorkflowNotFound(NotFound):
    what = "workflow"

    def __init__(self, reference: str | None = None) -> None:
        super().__init__(
            f"workflow {reference!r} was not found in this organisation" if reference else None
        )


class WorkflowNotPublished(Conflict):
    def __init__(self, reference: str) -> None:
        super().__init__(f"workflow {reference!r} has no published version yet")
