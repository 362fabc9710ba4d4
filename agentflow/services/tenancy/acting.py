"""One way for a person or key to change something: check, do, record.

The REST API and the pages both act through :func:`act`, so the permission
matrix and the audit trail hold whichever door a change comes through.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from agentflow.db.engine import unit_of_work
from agentflow.services.tenancy import audit
from agentflow.services.tenancy.permissions import Action, Actor, require

T = TypeVar("T")


def act(
    database_url: str,
    actor: Actor,
    action: Action,
    audit_action: str,
    work: Callable[[], T],
    *,
    target_type: str,
    target_id: object | None = None,
    details: dict[str, Any] | None = None,
) -> T:
    """Refuse unless ``actor`` may ``action``; run ``work``; append the audit event.

    Without ``target_id`` the result of ``work`` (e.g. a new workflow's id) is
    the target. The work and its audit entry are one transaction (a unit of work that
    the sessions ``work`` opens join): nothing is recorded when the work fails, and
    nothing is changed when the audit entry cannot be written.
    """
    require(actor, action)
    with unit_of_work(database_url) as session:
        result = work()
        audit.record(
            session,
            actor,
            audit_action,
            target_type=target_type,
            target_id=result if target_id is None else target_id,
            details=details,
        )
    return result


def check(actor: Actor, action: Action) -> None:
    """For reads: the same matrix, nothing to record."""
    require(actor, action)
