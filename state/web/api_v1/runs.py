"""/api/v1 runs: start, test one step, list (cursor pages), describe, steps, cancel,
approve/reject, rerun."""

from __future__ import annotations

import asyncio
import uuid
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Response, status
from fastapi.encoders import jsonable_encoder
from pydantic import BaseModel, ConfigDict, Field

from agentflow.queue import require_queue
from agentflow.services.runs import dispatch, step_test
from agentflow.services.runs.lifecycle import describe_run
from agentflow.services.runs.queries import MAX_PAGE_SIZE, RUN_STATUSES, RunFilter
from agentflow.services.tenancy.permissions import Action, Actor, require
from agentflow.services.workflows import management as workflows
from state.web.api_v1.deps import CurrentActor, RateHeadersRoute, services
from state.web.api_v1.errors import ApiError
from state.web.api_v1.pagination import aware, runs_page

router = APIRouter(prefix="/api/v1", tags=["runs"], route_class=RateHeadersRoute)


class RunStart(BaseModel):
    model_config = ConfigDict(extra="forbid")
    input: Any = None
    version: int | None = Field(default=None, ge=1, description="default: the latest published")
    draft: bool = Field(default=False, description="run the current draft instead")


class Decision(BaseModel):
    model_config = ConfigDict(extra="forbid")
    comment: str | None = Field(default=None, max_length=2000)


class StepTest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    input: Any = None
    nodes: dict[str, Any] = Field(
        default_factory=dict,
        max_length=1000,
        description="the output each node before the step stands in with (absent: null)",
    )


class Rerun(BaseModel):
    model_config = ConfigDict(extra="forbid")
    from_node: str = Field(min_length=1, max_length=64)
    input: Any = None


def _urls(run_id: uuid.UUID) -> dict[str, str]:
    base = f"/api/v1/runs/{run_id}"
    return {"self": base, "events": f"{base}/events", "steps": f"{base}/steps"}


def _accepted(response: Response, run_id: uuid.UUID) -> dict[str, Any]:
    response.headers["Location"] = f"/api/v1/runs/{run_id}"
    return {"run_id": str(run_id), "status": "queued", "urls": _urls(run_id)}


@router.post(
    "/workflows/{workflow_id}/runs",
    status_code=status.HTTP_202_ACCEPTED,
    summary="Start a run (latest published version unless draft or version is given)",
)
async def start_run(
    actor: CurrentActor, workflow_id: uuid.UUID, body: RunStart, response: Response
) -> dict[str, Any]:
    if body.draft and body.version is not None:
        raise ApiError(422, "validation", "give either draft or version, not both")
    urls = services()
    queue = await require_queue(urls.redis_url)  # 503 before anything is stored
    # Refused with 422, naming the nodes, while a secret the document reads is not defined.
    run_id, version = await dispatch.start_workflow_run(
        urls.database_url,
        queue,
        workflow_id,
        body.input,
        actor=actor,
        trigger="api",
        version=body.version,
        draft=body.draft,
    )
    return {**_accepted(response, run_id), "workflow_version": version}


@router.post(
    "/workflows/{workflow_id}/steps/{node}/test",
    status_code=status.HTTP_202_ACCEPTED,
    summary="Run one node of the draft alone, on pinned outputs of the nodes before it",
)
async def test_step(
    actor: CurrentActor,
    workflow_id: uuid.UUID,
    node: Annotated[str, Path(min_length=1, max_length=64)],
    body: StepTest,
    response: Response,
) -> dict[str, Any]:
    urls = services()
    queue = await require_queue(urls.redis_url)
    draft = await asyncio.to_thread(
        workflows.get_draft, urls.database_url, workflow_id, org_id=actor.org_id
    )
    run_id = await step_test.start_step_test(
        urls.database_url,
        queue,
        draft,
        node,
        run_input=body.input,
        outputs=body.nodes,
        actor=actor,
        workflow_id=workflow_id,
    )
    return _accepted(response, run_id)


@router.get("/runs", summary="Runs, newest first, in cursor pages")
async def list_runs(
    actor: CurrentActor,
    workflow_id: uuid.UUID | None = None,
    status: str | None = Query(default=None, description=" | ".join(RUN_STATUSES)),
    since: Annotated[datetime | None, Query(description="created at or after")] = None,
    until: Annotated[datetime | None, Query(description="created before")] = None,
    cursor: str | None = Query(default=None, max_length=500),
    limit: int = Query(default=25, ge=1, le=MAX_PAGE_SIZE - 1),
) -> dict[str, Any]:
    require(actor, Action.RUN_READ)
    if status is not None and status not in RUN_STATUSES:
        raise ApiError(422, "validation", f"status: must be one of {', '.join(RUN_STATUSES)}")
    filters = RunFilter(
        workflow_id=workflow_id, status=status, since=aware(since), until=aware(until)
    )
    items, next_cursor = await asyncio.to_thread(
        runs_page, services().database_url, actor.org_id, filters, cursor=cursor, limit=limit
    )
    for item in items:
        item["urls"] = _urls(uuid.UUID(item["run_id"]))
    return {"items": jsonable_encoder(items), "next_cursor": next_cursor}


@router.get("/runs/{run_id}", summary="The run object (status, output, error, steps)")
async def get_run(actor: CurrentActor, run_id: uuid.UUID) -> dict[str, Any]:
    require(actor, Action.RUN_READ)
    return await asyncio.to_thread(
        describe_run, services().database_url, run_id, org_id=actor.org_id
    )


@router.get("/runs/{run_id}/steps", summary="The run's steps")
async def get_steps(actor: CurrentActor, run_id: uuid.UUID) -> dict[str, Any]:
    require(actor, Action.RUN_READ)
    run = await asyncio.to_thread(
        describe_run, services().database_url, run_id, org_id=actor.org_id
    )
    return {"items": run["steps"]}


@router.post("/runs/{run_id}/cancel", summary="Cancel a run")
async def cancel_run(actor: CurrentActor, run_id: uuid.UUID) -> dict[str, Any]:
    result = await dispatch.cancel_run(services().database_url, run_id, actor=actor)
    return {"run_id": str(run_id), "status": result}


async def _decide(
    actor: Actor, run_id: uuid.UUID, node: str, approved: bool, body: Decision | None
) -> dict[str, Any]:
    urls = services()
    queue = await require_queue(urls.redis_url)
    await dispatch.decide(
        urls.database_url,
        queue,
        run_id,
        node,
        actor=actor,
        approved=approved,
        comment=body.comment if body else None,
    )
    return {"run_id": str(run_id), "node": node, "approved": approved}


@router.post("/runs/{run_id}/steps/{node}/approve", summary="Approve a waiting step")
async def approve_step(
    actor: CurrentActor, run_id: uuid.UUID, node: str, body: Decision | None = None
) -> dict[str, Any]:
    return await _decide(actor, run_id, node, True, body)


@router.post("/runs/{run_id}/steps/{node}/reject", summary="Reject a waiting step")
async def reject_step(
    actor: CurrentActor, run_id: uuid.UUID, node: str, body: Decision | None = None
) -> dict[str, Any]:
    return await _decide(actor, run_id, node, False, body)


@router.post(
    "/runs/{run_id}/rerun",
    status_code=status.HTTP_202_ACCEPTED,
    summary="A new run from a node, reusing the steps upstream of it",
)
async def rerun(
    actor: CurrentActor, run_id: uuid.UUID, body: Rerun, response: Response
) -> dict[str, Any]:
    urls = services()
    new_input = body.input if "input" in body.model_fields_set else None
    queue = await require_queue(urls.redis_url)
    new_run = await dispatch.rerun_from(
        urls.database_url, queue, run_id, body.from_node, actor=actor, new_input=new_input
    )
    return _accepted(response, new_run)
