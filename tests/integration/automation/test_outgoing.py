"""Outgoing events: subscriptions, emission, signed delivery with backoff, the log, redelivery."""

from __future__ import annotations

import dataclasses
import json
import uuid
from collections.abc import Callable
from datetime import timedelta

import pytest
from sqlalchemy import update
from sqlmodel import col

from agentflow.db.automation import EventDelivery
from agentflow.db.engine import session_scope
from agentflow.db.models import utcnow
from agentflow.errors import Forbidden, InvalidInput, NotFound
from agentflow.services.delivery import outgoing, outgoing_log
from agentflow.services.delivery.outgoing_delivery import backoff_s, claim_due, deliver, verify
from agentflow.services.tenancy import audit
from agentflow.services.tenancy.permissions import Actor, Role
from agentflow.settings import Settings

from .conftest import Receiver


def fast(**overrides: object) -> Settings:
    values: dict[str, object] = {
        "outbound_allow_hosts": "127.0.0.1",
        "event_delivery_backoff_s": 0.01,
        "event_delivery_max_attempts": 3,
        "event_delivery_timeout_s": 5,
        **overrides,
    }
    return Settings(**values)  # type: ignore[arg-type]


async def send_due(database_url: str, settings: Settings) -> list[str]:
    """What the outbox loop and the delivery jobs do, in this process."""
    import asyncio

    with session_scope(database_url) as session:  # make retries due now
        session.execute(
            update(EventDelivery)
            .where(col(EventDelivery.status) == "retrying")
            .values(next_attempt_at=utcnow() - timedelta(seconds=1))
        )
    claimed = await asyncio.to_thread(claim_due, database_url, settings=settings)
    return [await deliver(database_url, d, attempt, settings) for d, attempt in claimed]


def subscribe(
    database_url: str, actor: Actor, url: str, events: list[str]
) -> outgoing.NewSubscription:
    return outgoing.create_subscription(
        database_url, actor, {"url": url, "events": events, "description": "  ops   hook "}
    )


def test_a_subscription_shows_its_secret_once(clean_db: str, admin: Actor) -> None:
    created = subscribe(
        clean_db, admin, "https://example.com/hook", ["run.failed", "run.succeeded"]
    )
    assert created.secret.startswith("whsec_") and len(created.secret) > 40
    assert created.info.events == ["run.succeeded", "run.failed"]  # canonical order
    assert created.info.description == "ops hook"
    [listed] = outgoing.list_subscriptions(clean_db, admin)
    assert listed == created.info
    assert created.secret not in repr(listed)
    rotated = outgoing.rotate_secret(clean_db, admin, created.info.id)
    assert rotated != created.secret and rotated.startswith("whsec_")
    actions = [e.action for e in audit.query(clean_db, admin, target_type="event_subscription")]
    assert actions == ["event_subscription.rotate_secret", "event_subscription.create"]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"url": "ftp://example.com/x", "events": ["run.failed"]}, "http"),
        ({"url": "https://example.com/x", "events": []}, "at least one"),
        ({"url": "https://example.com/x", "events": ["run.exploded"]}, "unknown events"),
        ({"url": "https://example.com/x", "events": ["run.failed"], "org_id": "x"}, "org_id"),
    ],
    ids=["scheme", "no-events", "unknown-event", "extra-field"],
)
def test_invalid_subscriptions_are_refused(
    clean_db: str, admin: Actor, body: dict[str, object], message: str
) -> None:
    with pytest.raises(InvalidInput) as refused:
        outgoing.create_subscription(clean_db, admin, body)
    assert message in refused.value.message


def test_only_admins_manage_subscriptions_and_only_in_their_org(
    clean_db: str, make_org: Callable[..., Actor]
) -> None:
    alice, bob = make_org(), make_org()
    sub = subscribe(clean_db, alice, "https://example.com/a", ["run.failed"]).info
    editor = dataclasses.replace(alice, role=Role.EDITOR)
    with pytest.raises(Forbidden):
        outgoing.list_subscriptions(clean_db, editor)
    for attempt in (
        lambda: outgoing.update_subscription(clean_db, bob, sub.id, {"enabled": False}),
        lambda: outgoing.rotate_secret(clean_db, bob, sub.id),
        lambda: outgoing.delete_subscription(clean_db, bob, sub.id),
        lambda: outgoing.update_subscription(clean_db, alice, uuid.uuid4(), {"enabled": False}),
    ):
        with pytest.raises(NotFound):
            attempt()
    outgoing.emit(clean_db, alice.org_id, "run.failed", {"run_id": "r1"})
    [delivery] = outgoing_log.list_deliveries(clean_db, alice)
    assert outgoing_log.list_deliveries(clean_db, bob) == []
    with pytest.raises(NotFound):
        outgoing_log.redeliver(clean_db, bob, delivery.id)
    with pytest.raises(NotFound):
        outgoing_log.get_delivery(clean_db, bob, delivery.id)


def test_emit_queues_one_delivery_per_matching_enabled_subscription(
    clean_db: str, make_org: Callable[..., Actor]
) -> None:
    alice, bob = make_org(), make_org()
    failed = subscribe(clean_db, alice, "https://example.com/failed", ["run.failed"]).info
    subscribe(clean_db, alice, "https://example.com/ok", ["run.succeeded"])
    off = subscribe(clean_db, alice, "https://example.com/off", ["run.failed"]).info
    outgoing.update_subscription(clean_db, alice, off.id, {"enabled": False})
    subscribe(clean_db, bob, "https://example.com/bob", ["run.failed"])

    outgoing.emit(clean_db, alice.org_id, "run.failed", {"run_id": "r1"})
    [delivery] = outgoing_log.list_deliveries(clean_db, alice)
    assert (delivery.subscription_id, delivery.event, delivery.status) == (
        failed.id, "run.failed", "pending",
    )  # fmt: skip
    assert delivery.payload["event"] == "run.failed"
    assert delivery.payload["data"] == {"run_id": "r1"}
    assert delivery.payload["org_id"] == str(alice.org_id)
    assert delivery.payload["id"] == str(delivery.event_id)

    assert outgoing.emit_once(clean_db, alice.org_id, "run.failed", {}, "k") == 1
    assert outgoing.emit_once(clean_db, alice.org_id, "run.failed", {}, "k") == 0
    with pytest.raises(ValueError, match="unknown event"):
        outgoing.emit(clean_db, alice.org_id, "run.exploded", {})


async def test_a_delivery_is_signed_and_logged(
    clean_db: str, admin: Actor, receiver: Receiver
) -> None:
    created = subscribe(clean_db, admin, receiver.url, ["workflow.published"])
    outgoing.emit(clean_db, admin.org_id, "workflow.published", {"version": 3})
    assert await send_due(clean_db, fast()) == ["succeeded"]
    [(headers, body)] = receiver.received
    assert verify(created.secret, headers["x-agentflow-signature"], body)
    assert not verify("whsec_wrong", headers["x-agentflow-signature"], body)
    assert not verify(created.secret, headers["x-agentflow-signature"], body + b" ")
    sent = json.loads(body)
    assert (sent["event"], sent["data"]) == ("workflow.published", {"version": 3})
    assert headers["x-agentflow-event"] == "workflow.published"
    assert headers["x-agentflow-event-id"] == sent["id"]
    [logged] = outgoing_log.list_deliveries(clean_db, admin)
    assert (logged.status, logged.attempts, logged.response_code) == ("succeeded", 1, 200)
    assert headers["x-agentflow-delivery"] == str(logged.id)
    assert logged.latency_ms is not None and logged.finished_at is not None


async def test_failed_attempts_are_retried_with_backoff_until_success(
    clean_db: str, admin: Actor, receiver: Receiver
) -> None:
    subscribe(clean_db, admin, receiver.url, ["run.failed"])
    receiver.statuses = [500, 503]
    outgoing.emit(clean_db, admin.org_id, "run.failed", {"run_id": "r"})
    settings = fast(event_delivery_backoff_s=60, event_delivery_max_attempts=5)
    before = utcnow()
    assert await send_due(clean_db, settings) == ["retrying"]
    [first] = outgoing_log.list_deliveries(clean_db, admin)
    assert (first.attempts, first.response_code) == (1, 500)
    assert first.last_error is not None and first.last_error.startswith("HTTP 500")
    assert first.next_attempt_at is not None
    assert first.next_attempt_at >= before + timedelta(seconds=60)  # not due yet: backoff
    assert await send_due(clean_db, settings) == ["retrying"]
    assert await send_due(clean_db, settings) == ["succeeded"]
    [last] = outgoing_log.list_deliveries(clean_db, admin)
    assert (last.status, last.attempts, last.response_code, last.last_error) == (
        "succeeded", 3, 200, None,
    )  # fmt: skip
    assert len(receiver.received) == 3
    ids = {headers["x-agentflow-event-id"] for headers, _ in receiver.received}
    assert len(ids) == 1  # the same event each time: receivers can dedupe


def test_backoff_doubles_up_to_the_maximum() -> None:
    settings = fast(event_delivery_backoff_s=10, event_delivery_max_backoff_s=50)
    assert [backoff_s(n, settings) for n in (1, 2, 3, 4)] == [10, 20, 40, 50]


async def test_a_delivery_fails_after_its_last_attempt_and_can_be_redelivered(
    clean_db: str, admin: Actor, receiver: Receiver
) -> None:
    subscribe(clean_db, admin, receiver.url, ["run.failed"])
    receiver.statuses = [500, 500, 500]
    outgoing.emit(clean_db, admin.org_id, "run.failed", {"run_id": "r"})
    results = [await send_due(clean_db, fast()) for _ in range(4)]
    assert results == [["retrying"], ["retrying"], ["failed"], []]
    [failed] = outgoing_log.list_deliveries(clean_db, admin, status="failed")
    assert failed.attempts == 3

    again = outgoing_log.redeliver(clean_db, admin, failed.id)
    assert (again.redelivery_of, again.event_id, again.status) == (
        failed.id,
        failed.event_id,
        "pending",
    )
    assert await send_due(clean_db, fast()) == ["succeeded"]
    statuses = {d.id: d.status for d in outgoing_log.list_deliveries(clean_db, admin)}
    assert statuses == {failed.id: "failed", again.id: "succeeded"}
    actions = [e.action for e in audit.query(clean_db, admin, target_type="event_delivery")]
    assert actions == ["event_delivery.redeliver"]


async def test_deliveries_go_through_the_guarded_client(
    clean_db: str, admin: Actor, receiver: Receiver
) -> None:
    subscribe(clean_db, admin, receiver.url, ["run.failed"])
    outgoing.emit(clean_db, admin.org_id, "run.failed", {"run_id": "r"})
    assert await send_due(clean_db, fast(outbound_allow_hosts="")) == ["failed"]
    [blocked] = outgoing_log.list_deliveries(clean_db, admin)
    assert blocked.attempts == 1 and blocked.response_code is None
    assert blocked.last_error is not None and blocked.last_error.startswith("blocked_address")
    assert receiver.received == []


async def test_a_claim_is_sent_by_one_worker_only(
    clean_db: str, admin: Actor, receiver: Receiver
) -> None:
    import asyncio

    subscribe(clean_db, admin, receiver.url, ["run.failed"])
    for n in range(5):
        outgoing.emit(clean_db, admin.org_id, "run.failed", {"n": n})
    claims = await asyncio.gather(
        *[asyncio.to_thread(claim_due, clean_db, settings=fast()) for _ in range(6)]
    )
    ids = [delivery_id for claim in claims for delivery_id, _ in claim]
    assert len(ids) == len(set(ids)) == 5
