"""Starting and steering runs as the signed-in user, shared by the builder and run pages.

The run use cases check the permission, change the run and audit it; this only
hands them the process's shared queue client (QueueUnavailable while Redis is down).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from agentflow.queue import require_queue
from agentflow.services.runs import dispatch, step_test
from agentflow.services.tenancy.permissions import Actor
from state.common import database_url, redis_url


async def start(
    actor: Actor, document: Mapping[str, Any], run_input: Any, workflow_id: uuid.UUID | None
) -> uuid.UUID:
    return await dispatch.start_run(
        database_url(),
        await require_queue(redis_url()),
        document,
        run_input,
        actor=actor,
        workflow_id=workflow_id,
        trigger="manual",
        details={"of": "draft"},
    )


async def test_step(
    actor: Actor,
    document: Mapping[str, Any],
    node_id: str,
    *,
    run_input: Any,
    outputs: Mapping[str, Any],
    workflow_id: uuid.UUID | None,
) -> uuid.UUID:
    return await step_test.start_step_test(
        database_url(),
        await require_queue(redis_url()),
        document,
        node_id,
        run_input=run_input,
        outputs=outputs,
        actor=actor,
        workflow_id=workflow_id,
    )


async def decide(actor: Actor, run_id: uuid.UUID, node: str, *, approved: bool) -> None:
    await dispatch.decide(
        database_url(),
        await require_queue(redis_url()),
        run_id,
        node,
        actor=actor,
        approved=approved,
    )


async def rerun(actor: Actor, run_id: uuid.UUID, node: str) -> uuid.UUID:
    return await dispatch.rerun_from(
        database_url(), await require_queue(redis_url()), run_id, node, actor=actor
    )


async def cancel(actor: Actor, run_id: uuid.UUID) -> str:
    return await dispatch.cancel_run(database_url(), run_id, actor=actor)
