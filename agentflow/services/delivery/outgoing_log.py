"""The delivery log of outgoing events, and manual redelivery."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlmodel import col

from agentflow.db.automation import EventDelivery, EventSubscription
from agentflow.db.engine import session_scope
from agentflow.db.models import utcnow
from agentflow.db.tenancy import get_in_org
from agentflow.errors import InvalidInput
from agentflow.services.delivery.outgoing import (
    EVENTS,
    MAX_LOG_PAGE,
    DeliveryInfo,
    DeliveryNotFound,
    SubscriptionNotFound,
)
from agentflow.services.tenancy import audit
from agentflow.services.tenancy.permissions import Action, Actor, require

STATUSES = ("pending", "sending", "retrying", "succeeded", "failed")


def _info(row: EventDelivery, url: str) -> DeliveryInfo:
    return DeliveryInfo(
        id=row.id,
        subscription_id=row.subscription_id,
        url=url,
        event=row.event,
        event_id=row.event_id,
        status=row.status,
        attempts=row.attempts,
        response_code=row.response_code,
        latency_ms=row.latency_ms,
        last_error=row.last_error,
        created_at=row.created_at,
        finished_at=row.finished_at,
        next_attempt_at=row.next_attempt_at,
        redelivery_of=row.redelivery_of,
        payload=row.payload,
    )


def list_deliveries(
    database_url: str,
    actor: Actor,
    *,
    subscription_id: uuid.UUID | None = None,
    status: str | None = None,
    event: str | None = None,
    limit: int = 50,
) -> list[DeliveryInfo]:
    """The newest deliveries first, optionally of one subscription, status or event."""
    require(actor, Action.EVENT_SUBSCRIPTION_MANAGE)
    if status is not None and status not in STATUSES:
        raise InvalidInput(f"status is one of {', '.join(STATUSES)}")
    if event is not None and event not in EVENTS:
        raise InvalidInput(f"event is one of {', '.join(EVENTS)}")
    query = (
        select(EventDelivery, col(EventSubscription.url))
        .join(EventSubscription, col(EventSubscription.id) == col(EventDelivery.subscription_id))
        .where(col(EventDelivery.org_id) == actor.org_id)
    )
    if subscription_id is not None:
        query = query.where(col(EventDelivery.subscription_id) == subscription_id)
    if status is not None:
        query = query.where(col(EventDelivery.status) == status)
    if event is not None:
        query = query.where(col(EventDelivery.event) == event)
    query = query.order_by(col(EventDelivery.created_at).desc(), col(EventDelivery.id)).limit(
        max(1, min(limit, MAX_LOG_PAGE))
    )
    with session_scope(database_url) as session:
        return [_info(row, url) for row, url in session.execute(query).all()]


def get_delivery(database_url: str, actor: Actor, delivery_id: uuid.UUID) -> DeliveryInfo:
    require(actor, Action.EVENT_SUBSCRIPTION_MANAGE)
    with session_scope(database_url) as session:
        row = get_in_org(session, EventDelivery, delivery_id, org_id=actor.org_id)
        if row is None:
            raise DeliveryNotFound()
        subscription = session.get(EventSubscription, row.subscription_id)
        return _info(row, subscription.url if subscription else "")


def redeliver(database_url: str, actor: Actor, delivery_id: uuid.UUID) -> DeliveryInfo:
    """Send a logged delivery again, as a new delivery (same event id, so receivers that
    already processed it can tell); the original stays in the log as it was."""
    require(actor, Action.EVENT_SUBSCRIPTION_MANAGE)
    with session_scope(database_url) as session:
        original = get_in_org(session, EventDelivery, delivery_id, org_id=actor.org_id)
        if original is None:
            raise DeliveryNotFound()
        subscription = session.get(EventSubscription, original.subscription_id)
        if subscription is None:
            raise SubscriptionNotFound()
        if not subscription.enabled:
            raise InvalidInput("enable the subscription before redelivering to it")
        copy = EventDelivery(
            org_id=original.org_id,
            subscription_id=original.subscription_id,
            event=original.event,
            event_id=original.event_id,
            payload=original.payload,
            next_attempt_at=utcnow(),
            redelivery_of=original.id,
        )
        session.add(copy)
        audit.record(
            session,
            actor,
            "event_delivery.redeliver",
            target_type="event_delivery",
            target_id=original.id,
            details={"event": original.event, "new_delivery": str(copy.id)},
        )
        session.flush()
        return _info(copy, subscription.url)
