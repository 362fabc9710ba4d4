"""Starting and steering runs as the signed-in user, shared by the builder and run pages.

Each call checks the actor's permission, scopes the run to their organisation,
does the work on the worker queue and records it in the audit trail.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, TypeVar

from agentflow.queue import require_queue
from agentflow.services.runs import dispatch
from agentflow.services.tenancy.acting import act_async
from agentflow.services.tenancy.permissions import Action, Actor
from state.common import database_url, redis_url

T = TypeVar("T")


async def _with_queue(work: Callable[[Any], Awaitable[T]]) -> T:
    """Work on the process's shared queue client (QueueUnavailable while Redis is down)."""
    return await work(await require_queue(redis_url()))


async def start(
    actor: Actor, document: Mapping[str, Any], run_input: Any, workflow_id: uuid.UUID | None
) -> uuid.UUID:
    return await act_async(
        database_url(),
        actor,
        Action.RUN_START,
        "run.start",
        lambda: _with_queue(
            lambda queue: dispatch.start_run(
                database_url(),
                queue,
                document,
                run_input,
                org_id=actor.org_id,
                workflow_id=workflow_id,
                trigger="manual",
            )
        ),
        target_type="run",
        details={"workflow": str(workflow_id) if workflow_id else None, "of": "draft"},
    )


async def decide(actor: Actor, run_id: uuid.UUID, node: str, *, approved: bool) -> None:
    await act_async(
        database_url(),
        actor,
        Action.RUN_APPROVE,
        "run.approve" if approved else "run.reject",
        lambda: _with_queue(
            lambda queue: dispatch.decide(
                database_url(),
                queue,
                run_id,
                node,
                approved=approved,
                by=actor.label,
                org_id=actor.org_id,
            )
        ),
        target_type="run",
        target_id=run_id,
        details={"node": node},
    )


async def rerun(actor: Actor, run_id: uuid.UUID, node: str) -> uuid.UUID:
    return await act_async(
        database_url(),
        actor,
        Action.RUN_START,
        "run.rerun",
        lambda: _with_queue(
            lambda queue: dispatch.rerun_from(
                database_url(), queue, run_id, node, org_id=actor.org_id
            )
        ),
        target_type="run",
        details={"rerun_of": str(run_id), "from_node": node},
    )


async def cancel(actor: Actor, run_id: uuid.UUID) -> str:
    return await act_async(
        database_url(),
        actor,
        Action.RUN_CANCEL,
        "run.cancel",
        lambda: dispatch.cancel_run(database_url(), run_id, org_id=actor.org_id),
        target_type="run",
        target_id=run_id,
    )
