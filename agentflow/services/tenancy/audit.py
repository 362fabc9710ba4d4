"""The audit trail: every mutation, who made it, from where, append-only.

Services call :func:`record` with their open session, so the event commits or
rolls back together with the change it describes. The table refuses UPDATE and
DELETE at the database level (trigger in migration 0005). Details never carry
secret values, tokens or passwords: callers pass names and ids only.
"""

from __future__ import annotations

import csv
import io
import json
import uuid
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlmodel import col

from agentflow.db.accounts import AuditEvent
from agentflow.db.engine import session_scope
from agentflow.services.tenancy.permissions import Action, Actor, require

MAX_PAGE = 1000
MAX_EXPORT = 100_000
CSV_COLUMNS = (
    "id",
    "created_at",
    "actor_type",
    "actor_id",
    "actor_label",
    "action",
    "target_type",
    "target_id",
    "ip",
    "user_agent",
    "details",
)


@dataclass(frozen=True)
class AuditEntry:
    id: int
    created_at: datetime
    actor_type: str
    actor_id: uuid.UUID | None
    actor_label: str
    action: str
    target_type: str
    target_id: str
    ip: str
    user_agent: str
    details: dict[str, Any] | None


def record(
    db: Session | str,
    actor: Actor,
    action: str,
    *,
    target_type: str = "",
    target_id: object = "",
    details: dict[str, Any] | None = None,
    org_id: uuid.UUID | None = None,
) -> None:
    """Append one event: in ``db``'s transaction when it is a session, else in its own.

    ``org_id`` defaults to the actor's organisation (set it for events about
    another org, such as accepting an invitation to it).
    """
    event = AuditEvent(
        org_id=org_id or actor.org_id,
        actor_type=actor.kind,
        actor_id=actor.api_key_id or actor.user_id,
        actor_label=actor.label[:254],
        action=action[:64],
        target_type=target_type[:32],
        target_id=str(target_id)[:200],
        ip=actor.ip[:64],
        user_agent=actor.user_agent[:500],
        details=details,
    )
    if isinstance(db, str):
        with session_scope(db) as session:
            session.add(event)
    else:
        db.add(event)


def _filtered(
    actor: Actor,
    *,
    actor_id: uuid.UUID | None,
    action: str | None,
    target_type: str | None,
    target_id: str | None,
    since: datetime | None,
    until: datetime | None,
) -> Any:
    query = select(AuditEvent).where(col(AuditEvent.org_id) == actor.org_id)
    if actor_id is not None:
        query = query.where(col(AuditEvent.actor_id) == actor_id)
    if action:
        # "member." selects every member action; anything else is an exact match.
        if action.endswith("."):
            query = query.where(col(AuditEvent.action).startswith(action, autoescape=True))
        else:
            query = query.where(col(AuditEvent.action) == action)
    if target_type:
        query = query.where(col(AuditEvent.target_type) == target_type)
    if target_id:
        query = query.where(col(AuditEvent.target_id) == target_id)
    if since is not None:
        query = query.where(col(AuditEvent.created_at) >= since)
    if until is not None:
        query = query.where(col(AuditEvent.created_at) < until)
    return query


def query(
    database_url: str,
    actor: Actor,
    *,
    actor_id: uuid.UUID | None = None,
    action: str | None = None,
    target_type: str | None = None,
    target_id: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    before_id: int | None = None,
    limit: int = 100,
) -> list[AuditEntry]:
    """The newest events first, at most 1000; page with ``before_id`` (the last id seen)."""
    filters = dict(
        actor_id=actor_id,
        action=action,
        target_type=target_type,
        target_id=target_id,
        since=since,
        until=until,
    )
    return _fetch(database_url, actor, filters, before_id, max(1, min(limit, MAX_PAGE)))


def _fetch(
    database_url: str,
    actor: Actor,
    filters: dict[str, Any],
    before_id: int | None,
    limit: int,
) -> list[AuditEntry]:
    require(actor, Action.AUDIT_READ)
    statement = _filtered(actor, **filters)
    if before_id is not None:
        statement = statement.where(col(AuditEvent.id) < before_id)
    statement = statement.order_by(col(AuditEvent.id).desc()).limit(limit)
    with session_scope(database_url) as session:
        return [_entry(row) for row in session.execute(statement).scalars()]


def _entry(row: AuditEvent) -> AuditEntry:
    assert row.id is not None
    return AuditEntry(
        id=row.id,
        created_at=row.created_at,
        actor_type=row.actor_type,
        actor_id=row.actor_id,
        actor_label=row.actor_label,
        action=row.action,
        target_type=row.target_type,
        target_id=row.target_id,
        ip=row.ip,
        user_agent=row.user_agent,
        details=row.details,
    )


def _cell(value: Any) -> str:
    if value is None:
        text = ""
    elif isinstance(value, datetime):
        text = value.isoformat()
    elif isinstance(value, dict):
        text = json.dumps(value, sort_keys=True, default=str)
    else:
        text = str(value)
    # A cell a spreadsheet would read as a formula is quoted (CSV injection).
    if text[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + text
    return text


def export_csv(
    database_url: str,
    actor: Actor,
    *,
    actor_id: uuid.UUID | None = None,
    action: str | None = None,
    target_type: str | None = None,
    target_id: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> str:
    """The filtered events (same filters as :func:`query`) as CSV, newest first."""
    filters = dict(
        actor_id=actor_id,
        action=action,
        target_type=target_type,
        target_id=target_id,
        since=since,
        until=until,
    )
    entries = _fetch(database_url, actor, filters, None, MAX_EXPORT)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for entry in entries:
        row = asdict(entry)
        writer.writerow([_cell(row[column]) for column in CSV_COLUMNS])
    return out.getvalue()
