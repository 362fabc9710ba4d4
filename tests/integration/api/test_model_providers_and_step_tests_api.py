"""REST API v1: model providers (read with a key, managed by a signed-in admin, keys
never returned) and testing one step of a draft on pinned data."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest

from agentflow.services.runs.lifecycle import execute_run
from agentflow.services.tenancy import secrets as org_secrets
from tests.integration.api.conftest import BASE_URL, Person, create_workflow

KEY = "sk-api-0123456789abcdef"
MEMBER = {"Origin": BASE_URL}  # a signed-in member's browser (cookie + same origin)

PIPELINE: dict[str, Any] = {
    "format": "agentflow/v1",
    "name": "Pipeline",
    "nodes": [
        {"id": "start", "type": "trigger", "config": {"kind": "manual"}},
        {"id": "lookup", "type": "http", "config": {"method": "GET", "url": "http://127.0.0.1:9/"}},
        {"id": "reply", "type": "template", "config": {"template": "{{ nodes.lookup.output.n }}"}},
    ],
    "edges": [{"source": "start", "target": "lookup"}, {"source": "lookup", "target": "reply"}],
}


@pytest.fixture(autouse=True)
def no_instance_keys(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)


async def test_providers_are_read_with_a_key_and_managed_by_a_signed_in_admin(
    client: httpx.AsyncClient,
    alice_headers: dict[str, str],
    alice_cookie: dict[str, str],
    alice: Person,
    env: dict[str, str],
) -> None:
    listed = await client.get("/api/v1/model-providers", headers=alice_headers)
    assert listed.status_code == 200, listed.text
    openai = next(item for item in listed.json()["items"] if item["id"] == "openai")
    assert (openai["enabled"], openai["usable"], openai["key_secret"]) == (
        False,
        False,
        "OPENAI_API_KEY",
    )
    assert listed.json()["default_model"] is None

    # A key never manages what holds secrets.
    refused = await client.put(
        "/api/v1/model-providers/openai", json={"api_key": KEY}, headers=alice_headers
    )
    assert refused.status_code == 403, refused.text

    client.cookies.update(alice_cookie)
    enabled = await client.put(
        "/api/v1/model-providers/openai", json={"api_key": KEY}, headers=MEMBER
    )
    assert enabled.status_code == 200, enabled.text
    assert enabled.json()["enabled"] and enabled.json()["has_key"]
    assert KEY not in enabled.text
    stored = org_secrets.secrets_for_run(env["database_url"], alice.org_id)
    assert stored == {"OPENAI_API_KEY": KEY}

    default = await client.put(
        "/api/v1/model-providers/default-model",
        json={"model": "openai/gpt-4o-mini"},
        headers=MEMBER,
    )
    assert default.json() == {"default_model": "openai/gpt-4o-mini"}, default.text

    bad_key = await client.put(
        "/api/v1/model-providers/openai", json={"api_key": "sk a b"}, headers=MEMBER
    )
    assert bad_key.status_code == 422
    assert "no API key has" in bad_key.text
    unknown = await client.put("/api/v1/model-providers/nope", json={}, headers=MEMBER)
    assert unknown.status_code == 404
    odd = await client.put("/api/v1/model-providers/Open%20AI", json={}, headers=MEMBER)
    assert odd.status_code == 422

    removed = await client.delete("/api/v1/model-providers/openai", headers=MEMBER)
    assert removed.status_code == 204
    after = await client.get("/api/v1/model-providers", headers=alice_headers)
    assert not next(i for i in after.json()["items"] if i["id"] == "openai")["enabled"]


async def test_a_step_of_the_draft_runs_alone_on_pinned_data(
    client: httpx.AsyncClient, alice_headers: dict[str, str], alice: Person, env: dict[str, str]
) -> None:
    workflow_id = await create_workflow(client, alice_headers, PIPELINE)
    started = await client.post(
        f"/api/v1/workflows/{workflow_id}/steps/reply/test",
        json={"input": {}, "nodes": {"lookup": {"n": 42}}},
        headers=alice_headers,
    )
    assert started.status_code == 202, started.text
    run_id = started.json()["run_id"]
    await execute_run(env["database_url"], uuid.UUID(run_id), org_id=alice.org_id)
    run = (await client.get(f"/api/v1/runs/{run_id}", headers=alice_headers)).json()
    assert run["status"] == "succeeded", run
    assert run["output"] == {"reply": "42"}

    not_upstream = await client.post(
        f"/api/v1/workflows/{workflow_id}/steps/lookup/test",
        json={"nodes": {"reply": 1}},
        headers=alice_headers,
    )
    assert not_upstream.status_code == 422
    assert "not upstream" in not_upstream.text
    missing = await client.post(
        f"/api/v1/workflows/{workflow_id}/steps/ghost/test", json={}, headers=alice_headers
    )
    assert missing.status_code == 422
    other_org = await client.post(
        f"/api/v1/workflows/{uuid.uuid4()}/steps/reply/test", json={}, headers=alice_headers
    )
    assert other_org.status_code == 404
