"""In-app notifications: failed runs, waiting approvals, disabled schedules, alerts.

:func:`notify` is called by the system (the worker, the scheduler, analytics
alerts), not by people, so it takes an organisation id rather than an actor. A
``dedupe_key`` makes a notice idempotent: the same key in the same organisation
is stored once, however often (and from however many workers) it is sent.
Reading and marking as read go through an :class:`Actor`, scoped by organisation.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlmodel import col

from agentflow.db.automation import Notification
from agentflow.db.engine import session_scope
from agentflow.db.models import utcnow
from agentflow.services.tenancy.permissions import Action, Actor, require

MAX_PAGE = 200
# Kinds the platform sends; others (from later features) are shown as they are.
KINDS = {
    "run.failed": "Failed run",
    "run.waiting": "Waiting for approval",
    "schedule.disabled": "Schedule disabled",
    "alert.triggered": "Alert",
}


@dataclass(frozen=True)
class NotificationInfo:
    id: int
    kind: str
    title: str
    body: str
    link: str
    created_at: datetime
    read: bool


def notify_once(
    database_url: str,
    org_id: uuid.UUID,
    kind: str,
    title: str,
    body: str = "",
    link: str = "",
    dedupe_key: str | None = None,
) -> bool:
    """Store a notice; False when one with the same ``dedupe_key`` already exists."""
    values = {
        "org_id": org_id,
        "kind": kind[:64],
        "title": title[:300],
        "body": body[:4000],
        # Only links inside the app: a notice must never send people elsewhere.
        "link": link[:500] if link.startswith("/") and not link.startswith("//") else "",
        "dedupe_key": dedupe_key[:200] if dedupe_key else None,
        "created_at": utcnow(),
    }
    statement = (
        insert(Notification)
        .values(**values)
        .on_conflict_do_nothing(
            index_elements=["org_id", "dedupe_key"],
            index_where=col(Notification.dedupe_key).is_not(None),
        )
        .returning(col(Notification.id))
    )
    with session_scope(database_url) as session:
        return session.execute(statement).scalar_one_or_none() is not None


def notify(
    database_url: str,
    org_id: uuid.UUID,
    kind: str,
    title: str,
    body: str = "",
    link: str = "",
    dedupe_key: str | None = None,
) -> None:
    """Tell an organisation's members something in the app (see the module docstring)."""
    notify_once(database_url, org_id, kind, title, body, link, dedupe_key)


def _info(row: Notification) -> NotificationInfo:
    assert row.id is not None
    return NotificationInfo(
        id=row.id,
        kind=row.kind,
        title=row.title,
        body=row.body,
        link=row.link,
        created_at=row.created_at,
        read=row.read_at is not None,
    )


def list_notifications(
    database_url: str, actor: Actor, *, unread_only: bool = False, limit: int = 50
) -> list[NotificationInfo]:
    """The newest first."""
    require(actor, Action.NOTIFICATION_READ)
    query = select(Notification).where(col(Notification.org_id) == actor.org_id)
    if unread_only:
        query = query.where(col(Notification.read_at).is_(None))
    query = query.order_by(col(Notification.id).desc()).limit(max(1, min(limit, MAX_PAGE)))
    with session_scope(database_url) as session:
        return [_info(row) for row in session.execute(query).scalars()]


def unread_count(database_url: str, actor: Actor) -> int:
    require(actor, Action.NOTIFICATION_READ)
    with session_scope(database_url) as session:
        return int(
            session.execute(
                select(func.count())
                .select_from(Notification)
                .where(
                    col(Notification.org_id) == actor.org_id,
                    col(Notification.read_at).is_(None),
                )
            ).scalar_one()
        )


def mark_read(database_url: str, actor: Actor, ids: list[int] | None = None) -> int:
    """Mark the given notices (all unread ones when ``ids`` is None) as read.

    Reading is not a change to the organisation's data, so it is not audited.
    Returns how many were marked; another org's ids are silently not matched.
    """
    require(actor, Action.NOTIFICATION_READ)
    statement = update(Notification).where(
        col(Notification.org_id) == actor.org_id, col(Notification.read_at).is_(None)
    )
    if ids is not None:
        statement = statement.where(col(Notification.id).in_(ids))
    with session_scope(database_url) as session:
        result = session.execute(statement.values(read_at=utcnow()))
        return int(getattr(result, "rowcount", 0) or 0)
