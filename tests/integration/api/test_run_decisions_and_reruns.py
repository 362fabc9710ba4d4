"""A second decision answers 409, never 500; a rerun passes the whole run gate."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
from sqlalchemy import func, select

from agentflow.db.engine import session_scope
from agentflow.db.runs import Run
from agentflow.services.runs.lifecycle import execute_run
from agentflow.services.tenancy import secrets as org_secrets
from tests.integration.api.conftest import Person, create_workflow
from tests.integration.api.test_runs_api import APPROVAL, start

READS_A_SECRET: dict[str, Any] = {
    "format": "agentflow/v1",
    "name": "Reads a secret",
    "nodes": [
        {"id": "start", "type": "trigger", "config": {"kind": "manual"}},
        {"id": "review", "type": "approval", "config": {"message": "ok?"}},
        {
            "id": "call",
            "type": "http",
            "config": {
                "url": "https://api.example.com/x",
                "headers": {"Authorization": "Bearer {{ env.API_TOKEN }}"},
            },
        },
    ],
    "edges": [
        {"source": "start", "target": "review"},
        {"source": "review", "target": "call", "source_handle": "approved"},
    ],
}


def run_count(database_url: str) -> int:
    with session_scope(database_url) as session:
        return int(session.execute(select(func.count()).select_from(Run)).scalar_one())


async def test_a_second_decision_on_the_same_approval_answers_409(
    client: httpx.AsyncClient, alice_headers: dict[str, str], alice: Person, env: dict[str, str]
) -> None:
    workflow_id = await create_workflow(client, alice_headers, APPROVAL, publish=True)
    run_id = (await start(client, alice_headers, workflow_id)).json()["run_id"]
    await execute_run(env["database_url"], uuid.UUID(run_id), org_id=alice.org_id)
    first = await client.post(f"/api/v1/runs/{run_id}/steps/review/approve", headers=alice_headers)
    assert first.status_code == 200, first.text
    # No worker has applied it yet: the step still waits, with a decision recorded.
    second = await client.post(f"/api/v1/runs/{run_id}/steps/review/reject", headers=alice_headers)
    assert second.status_code == 409, second.text
    error = second.json()["error"]
    assert error["type"] == "conflict"
    assert "already decided" in error["message"]


async def test_a_rerun_is_refused_when_a_secret_it_reads_is_gone(
    client: httpx.AsyncClient, alice_headers: dict[str, str], alice: Person, env: dict[str, str]
) -> None:
    database_url = env["database_url"]
    org_secrets.create_secret(
        database_url, alice.actor(), {"name": "API_TOKEN", "value": "s3cret-value"}
    )
    workflow_id = await create_workflow(client, alice_headers, READS_A_SECRET, publish=True)
    started = await start(client, alice_headers, workflow_id)
    assert started.status_code == 202, started.text
    run_id = started.json()["run_id"]
    org_secrets.delete_secret(database_url, alice.actor(), "API_TOKEN")
    before = run_count(database_url)
    rerun = await client.post(
        f"/api/v1/runs/{run_id}/rerun", json={"from_node": "review"}, headers=alice_headers
    )
    assert rerun.status_code == 422, rerun.text
    assert "API_TOKEN" in rerun.json()["error"]["message"]
    assert run_count(database_url) == before  # nothing stored
