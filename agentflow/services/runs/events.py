"""Run events: stored with increasing ids, announced on Redis pub/sub.

A follower reads what is stored after the last id it saw, then waits for
announcements; if pub/sub is lost it still polls, so nothing is missed and a
dropped connection resumes exactly where it stopped.
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator
from typing import Any

import redis.asyncio as aioredis
from sqlalchemy import select

from agentflow.db.engine import session_scope
from agentflow.db.runs import Run, RunEvent
from agentflow.db.tenancy import get_in_org
from agentflow.engine.ports import TERMINAL_RUN_STATUSES
from agentflow.services.runs.lifecycle import RunNotFound

POLL_FALLBACK_S = 1.0


def channel(run_id: uuid.UUID) -> str:
    return f"agentflow:run:{run_id}"


async def publish_event(redis: Any, run_id: uuid.UUID, event_id: int) -> None:
    await redis.publish(channel(run_id), str(event_id))


def events_after(
    database_url: str, run_id: uuid.UUID, after: int, *, org_id: uuid.UUID
) -> list[dict[str, Any]]:
    with session_scope(database_url) as session:
        run = get_in_org(session, Run, run_id, org_id=org_id)
        if run is None:
            raise RunNotFound(str(run_id))
        rows = session.execute(
            select(RunEvent)
            .where(RunEvent.run_id == run_id, RunEvent.id > after)  # type: ignore[arg-type,operator]
            .order_by(RunEvent.id)  # type: ignore[arg-type]
        ).scalars()
        return [
            {
                "id": row.id,
                "kind": row.kind,
                "node": row.node_id,
                "status": row.status,
                "data": row.data,
                "at": row.created_at.isoformat(timespec="microseconds"),
            }
            for row in rows
        ]


def _is_final(event: dict[str, Any]) -> bool:
    return event["kind"] == "run" and event["status"] in TERMINAL_RUN_STATUSES


async def follow(
    database_url: str,
    redis_url: str,
    run_id: uuid.UUID,
    *,
    after: int = 0,
    org_id: uuid.UUID,
    until_waiting: bool = False,
) -> AsyncIterator[dict[str, Any]]:
    """Every event of the run after ``after``, live, until the run ends."""
    client = aioredis.Redis.from_url(redis_url)
    pubsub = client.pubsub()
    try:
        with contextlib.suppress(aioredis.RedisError, OSError):
            await pubsub.subscribe(channel(run_id))  # before reading: no gap
        while True:
            events = await asyncio.to_thread(
                events_after, database_url, run_id, after, org_id=org_id
            )
            for event in events:
                after = event["id"]
                yield event
                if _is_final(event) or (
                    until_waiting and event["kind"] == "run" and event["status"] == "waiting"
                ):
                    return
            try:
                await pubsub.get_message(ignore_subscribe_messages=True, timeout=POLL_FALLBACK_S)
            except (aioredis.RedisError, OSError):
                await asyncio.sleep(POLL_FALLBACK_S)
    finally:
        with contextlib.suppress(Exception):
            await pubsub.aclose()
            await client.aclose()
