"""Sending outgoing events: claim due deliveries, sign, POST through the guarded
client, record the outcome, and retry with exponential backoff.

A worker's outbox loop claims due deliveries (``FOR UPDATE SKIP LOCKED``: each is
claimed by one worker) and enqueues one arq job per claim; the job sends it. A
claim lasts the attempt's time limit plus a margin: if the worker dies mid-send,
the delivery becomes due again and is retried, so delivery is at least once and
receivers dedupe on ``X-AgentFlow-Event-Id``.

Signature: ``X-AgentFlow-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of
"<t>.<raw body>" with the subscription's secret>``; :func:`verify` checks one.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import time
import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import text

from agentflow.db.automation import EventDelivery, EventSubscription
from agentflow.db.engine import session_scope
from agentflow.db.models import utcnow
from agentflow.net import GuardedClient, OutboundError, OutboundPolicy
from agentflow.services.delivery.outgoing import secret_label
from agentflow.services.tenancy.secrets import decrypt
from agentflow.settings import Settings, get_settings

SIGNATURE_HEADER = "X-AgentFlow-Signature"
CLAIM_MARGIN_S = 30
DEFAULT_TOLERANCE_S = 300

CLAIM_DUE = text(
    """
    UPDATE event_deliveries SET status = 'sending', attempts = attempts + 1,
        claimed_until = now() + make_interval(secs => :claim_s)
    WHERE id IN (
        SELECT id FROM event_deliveries
        WHERE (status IN ('pending', 'retrying') AND next_attempt_at <= now())
           OR (status = 'sending' AND claimed_until < now())
        ORDER BY next_attempt_at
        LIMIT :limit
        FOR UPDATE SKIP LOCKED
    )
    RETURNING id, attempts
    """
)


def sign(secret: str, body: bytes, timestamp: int | None = None) -> str:
    """The signature header's value for ``body`` sent at ``timestamp``."""
    moment = int(time.time()) if timestamp is None else timestamp
    digest = hmac.new(secret.encode(), f"{moment}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={moment},v1={digest}"


def verify(
    secret: str, header: str, body: bytes, *, tolerance_s: int = DEFAULT_TOLERANCE_S
) -> bool:
    """What a receiver does: check the HMAC and that the timestamp is recent (replays)."""
    parts = dict(part.split("=", 1) for part in header.split(",") if "=" in part)
    try:
        moment = int(parts.get("t", ""))
    except ValueError:
        return False
    if abs(time.time() - moment) > tolerance_s:
        return False
    expected = sign(secret, body, moment).split("v1=", 1)[1]
    return hmac.compare_digest(expected, parts.get("v1", ""))


def backoff_s(attempt: int, settings: Settings) -> float:
    """Delay after failed attempt ``attempt`` (1-based) before the next one."""
    delay = settings.event_delivery_backoff_s * 2 ** (attempt - 1)
    return float(min(delay, settings.event_delivery_max_backoff_s))


def claim_due(
    database_url: str, *, limit: int = 50, settings: Settings | None = None
) -> list[tuple[uuid.UUID, int]]:
    """Claim due deliveries; returns (delivery id, attempt number) pairs to send."""
    settings = settings or get_settings()
    claim_s = settings.event_delivery_timeout_s + CLAIM_MARGIN_S
    with session_scope(database_url) as session:
        rows = session.execute(CLAIM_DUE, {"claim_s": claim_s, "limit": limit}).all()
    return [(row[0], int(row[1])) for row in rows]


@dataclass(frozen=True)
class Attempt:
    """One send: what went out and what came back."""

    ok: bool
    retryable: bool
    response_code: int | None
    latency_ms: int
    error: str | None


def _load(database_url: str, delivery_id: uuid.UUID, attempt: int) -> tuple[Any, ...] | None:
    with session_scope(database_url) as session:
        delivery = session.get(EventDelivery, delivery_id)
        if delivery is None or delivery.status != "sending" or delivery.attempts != attempt:
            return None  # already handled, or claimed again by someone else
        subscription = session.get(EventSubscription, delivery.subscription_id)
        if subscription is None:
            return None
        secret = decrypt(
            subscription.org_id,
            secret_label(subscription.id),
            subscription.secret_nonce,
            subscription.secret_ciphertext,
        )
        return (
            subscription.url,
            secret,
            delivery.event,
            delivery.event_id,
            delivery.payload,
            subscription.enabled,
        )


async def send(
    url: str,
    secret: str,
    delivery_id: uuid.UUID,
    event: str,
    event_id: uuid.UUID,
    payload: dict[str, Any],
    settings: Settings,
) -> Attempt:
    body = json.dumps(payload, separators=(",", ":"), sort_keys=True).encode()
    headers = {
        "Content-Type": "application/json",
        SIGNATURE_HEADER: sign(secret, body),
        "X-AgentFlow-Event": event,
        "X-AgentFlow-Event-Id": str(event_id),
        "X-AgentFlow-Delivery": str(delivery_id),
    }
    # No redirects: a receiver that moved must be updated, and a redirect must not
    # carry a signed body somewhere else.
    policy = OutboundPolicy(
        allow_hosts=settings.allowed_outbound_hosts,
        max_redirects=0,
        max_response_bytes=64 * 1024,
        total_timeout_s=settings.event_delivery_timeout_s,
        user_agent="AgentFlow-Webhooks",
    )
    started = time.monotonic()
    try:
        async with GuardedClient(policy) as client:
            response = await client.request("POST", url, headers=headers, content=body)
    except OutboundError as exc:
        latency = int((time.monotonic() - started) * 1000)
        return Attempt(False, exc.retryable, None, latency, f"{exc.type}: {exc.message}"[:2000])
    latency = int((time.monotonic() - started) * 1000)
    if 200 <= response.status < 300:
        return Attempt(True, False, response.status, latency, None)
    excerpt = response.text[:300].strip()
    error = f"HTTP {response.status}" + (f": {excerpt}" if excerpt else "")
    return Attempt(False, True, response.status, latency, error[:2000])


def record(
    database_url: str,
    delivery_id: uuid.UUID,
    attempt_number: int,
    attempt: Attempt,
    settings: Settings,
) -> str:
    """Store the outcome of a send; returns the delivery's new status."""
    with session_scope(database_url) as session:
        delivery = session.get(EventDelivery, delivery_id, with_for_update=True)
        if delivery is None or delivery.attempts != attempt_number:
            return "superseded"
        delivery.response_code = attempt.response_code
        delivery.latency_ms = attempt.latency_ms
        delivery.last_error = attempt.error
        delivery.claimed_until = None
        if attempt.ok:
            delivery.status, delivery.finished_at, delivery.next_attempt_at = (
                "succeeded", utcnow(), None,
            )  # fmt: skip
        elif attempt.retryable and attempt_number < settings.event_delivery_max_attempts:
            delivery.status = "retrying"
            delivery.next_attempt_at = utcnow() + timedelta(
                seconds=backoff_s(attempt_number, settings)
            )
        else:
            delivery.status, delivery.finished_at, delivery.next_attempt_at = (
                "failed", utcnow(), None,
            )  # fmt: skip
        return delivery.status


async def deliver(
    database_url: str, delivery_id: uuid.UUID, attempt_number: int, settings: Settings
) -> str:
    """Send one claimed delivery and record the result (the worker job calls this)."""
    loaded = await asyncio.to_thread(_load, database_url, delivery_id, attempt_number)
    if loaded is None:
        return "superseded"
    url, secret, event, event_id, payload, enabled = loaded
    if enabled:
        attempt = await send(url, secret, delivery_id, event, event_id, payload, settings)
    else:
        attempt = Attempt(False, False, None, 0, "the subscription is disabled")
    return await asyncio.to_thread(
        record, database_url, delivery_id, attempt_number, attempt, settings
    )
