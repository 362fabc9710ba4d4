"""/api/v1 outgoing events: subscriptions (URL + events), their delivery log, redelivery.

Managing subscriptions is an admin's action, as on Settings → Webhooks; API keys
carry no scope for it, so these routes answer a signed-in admin's session. The
signing secret is in the answer to create and rotate-secret only, never again.
"""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import asdict
from typing import Annotated, Any

from fastapi import APIRouter, Query, Response, status
from fastapi.encoders import jsonable_encoder

from agentflow.services.delivery import outgoing, outgoing_log
from state.web.api_v1.deps import CurrentActor, RateHeadersRoute, services

router = APIRouter(prefix="/api/v1", tags=["outgoing events"], route_class=RateHeadersRoute)


@router.get("/event-subscriptions", summary="Subscriptions (the secrets are never listed)")
async def list_subscriptions(actor: CurrentActor) -> dict[str, Any]:
    rows = await asyncio.to_thread(outgoing.list_subscriptions, services().database_url, actor)
    return {"items": jsonable_encoder([asdict(row) for row in rows])}


@router.post(
    "/event-subscriptions",
    status_code=status.HTTP_201_CREATED,
    summary="Subscribe a URL to events; the answer holds the signing secret, once",
)
async def create_subscription(
    actor: CurrentActor, body: outgoing.SubscriptionInput
) -> dict[str, Any]:
    created = await asyncio.to_thread(
        outgoing.create_subscription, services().database_url, actor, body
    )
    return {**jsonable_encoder(asdict(created.info)), "secret": created.secret}


@router.patch("/event-subscriptions/{subscription_id}", summary="Change URL, events, on/off")
async def update_subscription(
    actor: CurrentActor, subscription_id: uuid.UUID, body: outgoing.SubscriptionUpdate
) -> dict[str, Any]:
    info = await asyncio.to_thread(
        outgoing.update_subscription, services().database_url, actor, subscription_id, body
    )
    return jsonable_encoder(asdict(info))


@router.post(
    "/event-subscriptions/{subscription_id}/rotate-secret",
    summary="A new signing secret (shown once); the old one stops at once",
)
async def rotate_secret(actor: CurrentActor, subscription_id: uuid.UUID) -> dict[str, str]:
    secret = await asyncio.to_thread(
        outgoing.rotate_secret, services().database_url, actor, subscription_id
    )
    return {"secret": secret}


@router.delete(
    "/event-subscriptions/{subscription_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Delete a subscription and its delivery log",
)
async def delete_subscription(actor: CurrentActor, subscription_id: uuid.UUID) -> Response:
    await asyncio.to_thread(
        outgoing.delete_subscription, services().database_url, actor, subscription_id
    )
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/event-deliveries", summary="The delivery log, newest first, with filters")
async def list_deliveries(
    actor: CurrentActor,
    subscription_id: uuid.UUID | None = None,
    status_: Annotated[str | None, Query(alias="status", max_length=20)] = None,
    event: Annotated[str | None, Query(max_length=40)] = None,
    limit: Annotated[int, Query(ge=1, le=outgoing.MAX_LOG_PAGE)] = 50,
) -> dict[str, Any]:
    rows = await asyncio.to_thread(
        outgoing_log.list_deliveries,
        services().database_url,
        actor,
        subscription_id=subscription_id,
        status=status_,
        event=event,
        limit=limit,
    )
    return {"items": jsonable_encoder([asdict(row) for row in rows])}


@router.get("/event-deliveries/{delivery_id}", summary="One delivery, with its payload")
async def get_delivery(actor: CurrentActor, delivery_id: uuid.UUID) -> dict[str, Any]:
    info = await asyncio.to_thread(
        outgoing_log.get_delivery, services().database_url, actor, delivery_id
    )
    return jsonable_encoder(asdict(info))


@router.post(
    "/event-deliveries/{delivery_id}/redeliver",
    status_code=status.HTTP_202_ACCEPTED,
    summary="Send a logged delivery again, as a new delivery with the same event id",
)
async def redeliver(actor: CurrentActor, delivery_id: uuid.UUID) -> dict[str, Any]:
    info = await asyncio.to_thread(
        outgoing_log.redeliver, services().database_url, actor, delivery_id
    )
    return jsonable_encoder(asdict(info))
