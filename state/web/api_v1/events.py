"""GET /api/v1/runs/{id}/events: the run's events as Server-Sent Events.

Each event is ``id: <event id>``, ``event: step|run``, ``data: <json>``. A client
resumes with ``Last-Event-ID`` (or ``?after=``). The stream ends with the run's
final event, or at once when the run has already ended and nothing is left to
send. Stored events are read with ``services.runs.events.events_after`` and new ones
are announced on the run's Redis channel (polled as a fallback).

``services.runs.events.follow`` is not used as is: it waits for a final *event*, and a
run cancelled before any worker took it ends without one, so it would never stop.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import uuid
from collections.abc import AsyncIterator
from typing import Any

import redis.asyncio as aioredis
from fastapi import APIRouter, Header, Query
from fastapi.responses import StreamingResponse

from agentflow.engine.ports import TERMINAL_RUN_STATUSES
from agentflow.services.runs.events import channel, events_after
from agentflow.services.runs.lifecycle import describe_run
from agentflow.services.tenancy.permissions import Action, require
from state.web.api_v1.deps import CurrentActor, RateHeadersRoute, services
from state.web.api_v1.errors import ApiError

router = APIRouter(prefix="/api/v1", tags=["runs"], route_class=RateHeadersRoute)
POLL_S = 1.0
KEEPALIVE_S = 15.0


def format_event(event: dict[str, Any]) -> str:
    data = json.dumps(event, separators=(",", ":"), default=str)
    return f"id: {event['id']}\nevent: {event['kind']}\ndata: {data}\n\n"


def _is_final(event: dict[str, Any]) -> bool:
    return event["kind"] == "run" and event["status"] in TERMINAL_RUN_STATUSES


def _run_ended(database_url: str, run_id: uuid.UUID, org_id: uuid.UUID) -> bool:
    return describe_run(database_url, run_id, org_id=org_id)["status"] in TERMINAL_RUN_STATUSES


async def stream_events(
    database_url: str,
    redis_url: str,
    run_id: uuid.UUID,
    org_id: uuid.UUID,
    after: int,
    first: list[dict[str, Any]],
) -> AsyncIterator[str]:
    client = aioredis.Redis.from_url(redis_url)
    pubsub = client.pubsub()
    events = first
    idle = 0.0
    try:
        with contextlib.suppress(aioredis.RedisError, OSError):
            await pubsub.subscribe(channel(run_id))
        while True:
            for event in events:
                after = event["id"]
                yield format_event(event)
                if _is_final(event):
                    return
            if not events:
                if await asyncio.to_thread(_run_ended, database_url, run_id, org_id):
                    # Events written just before the end are read once more, then stop.
                    rest = await asyncio.to_thread(
                        events_after, database_url, run_id, after, org_id=org_id
                    )
                    for event in rest:
                        yield format_event(event)
                    return
                if idle >= KEEPALIVE_S:
                    idle = 0.0
                    yield ": keepalive\n\n"
            try:
                await pubsub.get_message(ignore_subscribe_messages=True, timeout=POLL_S)
            except (aioredis.RedisError, OSError):
                await asyncio.sleep(POLL_S)
            idle += POLL_S
            events = await asyncio.to_thread(
                events_after, database_url, run_id, after, org_id=org_id
            )
            if events:
                idle = 0.0
    finally:
        with contextlib.suppress(Exception):
            await pubsub.aclose()
            await client.aclose()


def _start(after_query: int | None, last_event_id: str | None) -> int:
    if after_query is not None:
        return after_query
    if last_event_id is None or not last_event_id.strip():
        return 0
    try:
        return max(0, int(last_event_id.strip()))
    except ValueError:
        raise ApiError(400, "invalid_event_id", "Last-Event-ID must be an event id") from None


@router.get(
    "/runs/{run_id}/events",
    summary="The run's events as Server-Sent Events, until the run ends",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/event-stream": {}}}},
)
async def run_events(
    actor: CurrentActor,
    run_id: uuid.UUID,
    after: int | None = Query(default=None, ge=0, description="resume after this event id"),
    last_event_id: str | None = Header(default=None, alias="Last-Event-ID"),
) -> StreamingResponse:
    require(actor, Action.RUN_READ)
    start = _start(after, last_event_id)
    urls = services()
    # Read before answering: another org's run or a missing one is a 404, not a stream.
    first = await asyncio.to_thread(
        events_after, urls.database_url, run_id, start, org_id=actor.org_id
    )
    return StreamingResponse(
        stream_events(urls.database_url, urls.redis_url, run_id, actor.org_id, start, first),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )
