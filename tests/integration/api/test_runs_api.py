"""REST API v1 runs: start, describe, steps, cursor pages, SSE events, cancel, decisions."""

from __future__ import annotations

import json
import uuid
from typing import Any

import httpx

from agentflow.services.runs.lifecycle import execute_run
from tests.integration.api.conftest import Person, create_workflow

APPROVAL: dict[str, Any] = {
    "format": "agentflow/v1",
    "name": "Review",
    "nodes": [
        {"id": "start", "type": "trigger", "config": {"kind": "manual"}},
        {"id": "review", "type": "approval", "config": {"message": "ok?"}},
    ],
    "edges": [{"source": "start", "target": "review"}],
}


async def start(
    client: httpx.AsyncClient, headers: dict[str, str], workflow_id: str, **body: Any
) -> httpx.Response:
    return await client.post(f"/api/v1/workflows/{workflow_id}/runs", json=body, headers=headers)


def parse_sse(text: str) -> list[dict[str, Any]]:
    events = []
    for block in text.strip().split("\n\n"):
        fields = dict(line.split(": ", 1) for line in block.splitlines() if ": " in line)
        if "id" in fields:
            events.append(
                {"id": int(fields["id"]), "event": fields["event"], **json.loads(fields["data"])}
            )
    return events


async def test_start_returns_202_and_the_run_is_queued(
    client: httpx.AsyncClient, alice_headers: dict[str, str]
) -> None:
    workflow_id = await create_workflow(client, alice_headers, publish=True)
    response = await start(client, alice_headers, workflow_id, input={"who": "Ada"})
    assert response.status_code == 202, response.text
    body = response.json()
    run_id = body["run_id"]
    assert body["status"] == "queued"
    assert body["urls"] == {
        "self": f"/api/v1/runs/{run_id}",
        "events": f"/api/v1/runs/{run_id}/events",
        "steps": f"/api/v1/runs/{run_id}/steps",
    }
    assert response.headers["location"] == f"/api/v1/runs/{run_id}"
    run = await client.get(body["urls"]["self"], headers=alice_headers)
    assert run.status_code == 200
    assert run.json()["status"] == "queued"
    assert run.json()["run_id"] == run_id


async def test_start_variants_and_their_errors(
    client: httpx.AsyncClient, alice_headers: dict[str, str]
) -> None:
    workflow_id = await create_workflow(client, alice_headers)
    unpublished = await start(client, alice_headers, workflow_id, input={"who": "A"})
    assert unpublished.status_code == 409
    assert unpublished.json()["error"]["type"] == "conflict"
    draft = await start(client, alice_headers, workflow_id, input={"who": "A"}, draft=True)
    assert draft.status_code == 202
    await client.post(f"/api/v1/workflows/{workflow_id}/publish", headers=alice_headers)
    v1 = await start(client, alice_headers, workflow_id, input={"who": "A"}, version=1)
    assert v1.status_code == 202
    v9 = await start(client, alice_headers, workflow_id, input={"who": "A"}, version=9)
    assert v9.status_code == 404
    bad_input = await start(client, alice_headers, workflow_id, input={"who": 3})
    assert bad_input.status_code == 422
    assert bad_input.json()["error"]["type"] == "invalid_run_request"
    assert bad_input.json()["error"]["details"]["problems"]


async def test_a_finished_run_its_steps_and_its_event_stream(
    client: httpx.AsyncClient, alice_headers: dict[str, str], alice: Person, env: dict[str, str]
) -> None:
    workflow_id = await create_workflow(client, alice_headers, publish=True)
    started = await start(client, alice_headers, workflow_id, input={"who": "Ada"})
    run_id = started.json()["run_id"]
    await execute_run(env["database_url"], uuid.UUID(run_id), org_id=alice.org_id)

    run = (await client.get(f"/api/v1/runs/{run_id}", headers=alice_headers)).json()
    assert run["status"] == "succeeded"
    assert run["output"] == "Hello Ada"
    steps = (await client.get(f"/api/v1/runs/{run_id}/steps", headers=alice_headers)).json()
    assert [step["node"] for step in steps["items"]] == ["start", "greet"]

    stream = await client.get(f"/api/v1/runs/{run_id}/events", headers=alice_headers)
    assert stream.status_code == 200
    assert stream.headers["content-type"].startswith("text/event-stream")
    assert "x-ratelimit-remaining" in stream.headers
    events = parse_sse(stream.text)
    ids = [event["id"] for event in events]
    assert ids == sorted(ids) and len(set(ids)) == len(ids) and len(ids) >= 3
    assert {event["event"] for event in events} == {"step", "run"}
    assert events[-1]["event"] == "run" and events[-1]["status"] == "succeeded"

    middle = ids[1]
    resumed = await client.get(
        f"/api/v1/runs/{run_id}/events", headers={**alice_headers, "Last-Event-ID": str(middle)}
    )
    assert [event["id"] for event in parse_sse(resumed.text)] == ids[2:]
    by_query = await client.get(
        f"/api/v1/runs/{run_id}/events?after={ids[-1]}", headers=alice_headers
    )
    assert by_query.status_code == 200
    assert parse_sse(by_query.text) == []
    bad = await client.get(
        f"/api/v1/runs/{run_id}/events", headers={**alice_headers, "Last-Event-ID": "x"}
    )
    assert bad.status_code == 400


async def test_cursor_pagination_has_no_duplicates_or_gaps(
    client: httpx.AsyncClient, alice_headers: dict[str, str]
) -> None:
    workflow_id = await create_workflow(client, alice_headers, publish=True)
    started = []
    for who in "abcdefg":
        response = await start(client, alice_headers, workflow_id, input={"who": who})
        started.append(response.json()["run_id"])
    seen: list[str] = []
    cursor = None
    pages = 0
    while True:
        params: dict[str, Any] = {"limit": 2, "workflow_id": workflow_id}
        if cursor:
            params["cursor"] = cursor
        page = (await client.get("/api/v1/runs", params=params, headers=alice_headers)).json()
        pages += 1
        seen += [item["run_id"] for item in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
        # A run created while paging does not shift the pages (it is newer than the cursor).
        if pages == 1:
            await start(client, alice_headers, workflow_id, input={"who": "late"})
    assert pages == 4
    assert seen == list(reversed(started))
    filtered = await client.get(
        "/api/v1/runs", params={"status": "succeeded"}, headers=alice_headers
    )
    assert filtered.json() == {"items": [], "next_cursor": None}
    bad = await client.get("/api/v1/runs", params={"cursor": "nope"}, headers=alice_headers)
    assert bad.status_code == 400
    assert bad.json()["error"]["type"] == "invalid_cursor"


async def test_cancel_approve_reject_and_rerun(
    client: httpx.AsyncClient, alice_headers: dict[str, str], alice: Person, env: dict[str, str]
) -> None:
    workflow_id = await create_workflow(client, alice_headers, APPROVAL, publish=True)
    first = (await start(client, alice_headers, workflow_id)).json()["run_id"]
    await execute_run(env["database_url"], uuid.UUID(first), org_id=alice.org_id)
    run = (await client.get(f"/api/v1/runs/{first}", headers=alice_headers)).json()
    assert run["status"] == "waiting"

    not_waiting = await client.post(
        f"/api/v1/runs/{first}/steps/start/approve", headers=alice_headers
    )
    assert not_waiting.status_code == 409
    assert not_waiting.json()["error"]["type"] == "conflict"
    approved = await client.post(
        f"/api/v1/runs/{first}/steps/review/approve",
        json={"comment": "fine"},
        headers=alice_headers,
    )
    assert approved.status_code == 200, approved.text
    assert approved.json()["approved"] is True

    second = (await start(client, alice_headers, workflow_id)).json()["run_id"]
    await execute_run(env["database_url"], uuid.UUID(second), org_id=alice.org_id)
    rejected = await client.post(
        f"/api/v1/runs/{second}/steps/review/reject", headers=alice_headers
    )
    assert rejected.status_code == 200

    rerun = await client.post(
        f"/api/v1/runs/{second}/rerun", json={"from_node": "review"}, headers=alice_headers
    )
    assert rerun.status_code == 202, rerun.text
    assert rerun.json()["status"] == "queued"
    unknown = await client.post(
        f"/api/v1/runs/{second}/rerun", json={"from_node": "nope"}, headers=alice_headers
    )
    assert unknown.status_code == 409

    third = (await start(client, alice_headers, workflow_id)).json()["run_id"]
    cancelled = await client.post(f"/api/v1/runs/{third}/cancel", headers=alice_headers)
    assert cancelled.json() == {"run_id": third, "status": "cancelled"}
    # A run cancelled before any worker took it has no final event: the stream still ends.
    stream = await client.get(f"/api/v1/runs/{third}/events", headers=alice_headers)
    assert stream.status_code == 200
