"""Outgoing events: an organisation subscribes URLs to events; each emission becomes
one delivery per matching subscription, sent by the workers (see outgoing_delivery).

:func:`emit` is called by the system (run hooks, publishing, analytics alerts)
with an organisation id; it only writes delivery rows, in one transaction, so it
works from any process and nothing is lost if Redis is down. Managing
subscriptions and reading the delivery log go through an :class:`Actor`.
"""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlmodel import col

from agentflow.db.automation import EventDelivery, EventSubscription
from agentflow.db.engine import session_scope
from agentflow.db.models import utcnow
from agentflow.db.tenancy import get_in_org
from agentflow.errors import InvalidInput, NotFound
from agentflow.services.tenancy import audit
from agentflow.services.tenancy.permissions import Action, Actor, parse_input, require
from agentflow.services.tenancy.secrets import encrypt

EVENTS = ("run.succeeded", "run.failed", "run.waiting", "workflow.published", "alert.triggered")
MAX_SUBSCRIPTIONS = 50
MAX_LOG_PAGE = 200
SECRET_PREFIX = "whsec_"  # noqa: S105 - the public prefix of generated secrets


class SubscriptionNotFound(NotFound):
    what = "subscription"


class DeliveryNotFound(NotFound):
    what = "delivery"


class SubscriptionInput(BaseModel):
    model_config = ConfigDict(extra="forbid")
    url: str = Field(max_length=2000)
    events: list[str]
    description: str = Field(default="", max_length=200)


class SubscriptionUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    url: str | None = Field(default=None, max_length=2000)
    events: list[str] | None = None
    description: str | None = Field(default=None, max_length=200)
    enabled: bool | None = None


@dataclass(frozen=True)
class SubscriptionInfo:
    id: uuid.UUID
    url: str
    description: str
    events: list[str]
    enabled: bool
    created_at: datetime


@dataclass(frozen=True)
class NewSubscription:
    info: SubscriptionInfo
    secret: str  # shown once, never again


@dataclass(frozen=True)
class DeliveryInfo:
    id: uuid.UUID
    subscription_id: uuid.UUID
    url: str
    event: str
    event_id: uuid.UUID
    status: str
    attempts: int
    response_code: int | None
    latency_ms: int | None
    last_error: str | None
    created_at: datetime
    finished_at: datetime | None
    next_attempt_at: datetime | None
    redelivery_of: uuid.UUID | None
    payload: dict[str, Any]


def secret_label(subscription_id: uuid.UUID) -> str:
    """The name the signing secret's ciphertext is bound to (AES-GCM associated data)."""
    return f"event-subscription:{subscription_id}"


def _check_url(url: str) -> str:
    url = url.strip()
    if not url.lower().startswith(("http://", "https://")) or len(url) < 10:
        raise InvalidInput("url must be an absolute http:// or https:// address")
    if any(ch.isspace() for ch in url):
        raise InvalidInput("url must not contain spaces")
    return url


def _check_events(events: list[str]) -> list[str]:
    unknown = sorted(set(events) - set(EVENTS))
    if unknown:
        raise InvalidInput(f"unknown events {unknown}; choose among {list(EVENTS)}")
    if not events:
        raise InvalidInput("choose at least one event")
    return [event for event in EVENTS if event in events]


def _info(row: EventSubscription) -> SubscriptionInfo:
    return SubscriptionInfo(
        row.id, row.url, row.description, list(row.events), row.enabled, row.created_at
    )


def _owned(session: Any, actor: Actor, subscription_id: uuid.UUID) -> EventSubscription:
    row = get_in_org(session, EventSubscription, subscription_id, org_id=actor.org_id)
    if row is None:
        raise SubscriptionNotFound()
    return row


def _new_secret(row: EventSubscription) -> str:
    secret = SECRET_PREFIX + secrets.token_urlsafe(32)
    row.secret_nonce, row.secret_ciphertext = encrypt(row.org_id, secret_label(row.id), secret)
    return secret


def create_subscription(
    database_url: str, actor: Actor, data: SubscriptionInput | dict[str, Any]
) -> NewSubscription:
    require(actor, Action.EVENT_SUBSCRIPTION_MANAGE)
    form = parse_input(SubscriptionInput, data)
    row = EventSubscription(
        org_id=actor.org_id,
        url=_check_url(form.url),
        events=_check_events(form.events),
        description=" ".join(form.description.split()),
        secret_nonce=b"",
        secret_ciphertext=b"",
    )
    secret = _new_secret(row)
    with session_scope(database_url) as session:
        count = len(
            session.execute(
                select(col(EventSubscription.id)).where(
                    col(EventSubscription.org_id) == actor.org_id
                )
            ).all()
        )
        if count >= MAX_SUBSCRIPTIONS:
            raise InvalidInput(f"an organisation has at most {MAX_SUBSCRIPTIONS} subscriptions")
        session.add(row)
        audit.record(
            session,
            actor,
            "event_subscription.create",
            target_type="event_subscription",
            target_id=row.id,
            details={"url": row.url, "events": row.events},
        )
        session.flush()
        return NewSubscription(_info(row), secret)


def update_subscription(
    database_url: str,
    actor: Actor,
    subscription_id: uuid.UUID,
    data: SubscriptionUpdate | dict[str, Any],
) -> SubscriptionInfo:
    require(actor, Action.EVENT_SUBSCRIPTION_MANAGE)
    form = parse_input(SubscriptionUpdate, data)
    with session_scope(database_url) as session:
        row = _owned(session, actor, subscription_id)
        changed = form.model_dump(exclude_none=True)
        if form.url is not None:
            row.url = _check_url(form.url)
        if form.events is not None:
            row.events = _check_events(form.events)
        if form.description is not None:
            row.description = " ".join(form.description.split())
        if form.enabled is not None:
            row.enabled = form.enabled
        row.updated_at = utcnow()
        audit.record(
            session,
            actor,
            "event_subscription.update",
            target_type="event_subscription",
            target_id=row.id,
            details={"fields": sorted(changed)},
        )
        return _info(row)


def rotate_secret(database_url: str, actor: Actor, subscription_id: uuid.UUID) -> str:
    """A new signing secret (shown once); the old one stops being used at once."""
    require(actor, Action.EVENT_SUBSCRIPTION_MANAGE)
    with session_scope(database_url) as session:
        row = _owned(session, actor, subscription_id)
        secret = _new_secret(row)
        row.updated_at = utcnow()
        audit.record(
            session,
            actor,
            "event_subscription.rotate_secret",
            target_type="event_subscription",
            target_id=row.id,
        )
        return secret


def delete_subscription(database_url: str, actor: Actor, subscription_id: uuid.UUID) -> None:
    """Deletes the subscription and its delivery log."""
    require(actor, Action.EVENT_SUBSCRIPTION_MANAGE)
    with session_scope(database_url) as session:
        row = _owned(session, actor, subscription_id)
        session.delete(row)
        audit.record(
            session,
            actor,
            "event_subscription.delete",
            target_type="event_subscription",
            target_id=subscription_id,
            details={"url": row.url},
        )


def list_subscriptions(database_url: str, actor: Actor) -> list[SubscriptionInfo]:
    require(actor, Action.EVENT_SUBSCRIPTION_MANAGE)
    with session_scope(database_url) as session:
        rows = session.execute(
            select(EventSubscription)
            .where(col(EventSubscription.org_id) == actor.org_id)
            .order_by(col(EventSubscription.created_at))
        ).scalars()
        return [_info(row) for row in rows]


def envelope(event: str, org_id: uuid.UUID, payload: dict[str, Any]) -> dict[str, Any]:
    """What a receiver gets: the event's id, name, time and organisation, and its data."""
    return {
        "id": str(uuid.uuid4()),
        "event": event,
        "created_at": utcnow().isoformat(timespec="milliseconds"),
        "org_id": str(org_id),
        "data": payload,
    }


def emit_once(
    database_url: str,
    org_id: uuid.UUID,
    event: str,
    payload: dict[str, Any],
    dedupe_key: str | None = None,
) -> int:
    """Queue one delivery per enabled subscription of ``org_id`` to ``event``.

    With a ``dedupe_key``, a second emission under the same key adds nothing (a run
    resumed twice must not announce its outcome twice). Returns how many were queued.
    """
    if event not in EVENTS:
        raise ValueError(f"unknown event {event!r}; known events: {', '.join(EVENTS)}")
    body = envelope(event, org_id, payload)
    now = utcnow()
    with session_scope(database_url) as session:
        subscriptions = session.execute(
            select(col(EventSubscription.id)).where(
                col(EventSubscription.org_id) == org_id,
                col(EventSubscription.enabled).is_(True),
                col(EventSubscription.events).contains([event]),
            )
        ).scalars()
        rows = [
            {
                "id": uuid.uuid4(),
                "org_id": org_id,
                "subscription_id": subscription_id,
                "event": event,
                "event_id": uuid.UUID(body["id"]),
                "payload": body,
                "status": "pending",
                "attempts": 0,
                "next_attempt_at": now,
                "dedupe_key": dedupe_key[:200] if dedupe_key else None,
                "created_at": now,
            }
            for subscription_id in subscriptions
        ]
        if not rows:
            return 0
        statement = insert(EventDelivery).values(rows).on_conflict_do_nothing()
        inserted = session.execute(statement.returning(col(EventDelivery.id))).all()
        return len(inserted)


def emit(database_url: str, org_id: uuid.UUID, event: str, payload: dict[str, Any]) -> None:
    """Queue ``event`` with ``payload`` (its ``data``) for every subscription of the org."""
    emit_once(database_url, org_id, event, payload)
