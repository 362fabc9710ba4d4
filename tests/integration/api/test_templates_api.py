"""REST API v1 templates: list, read, install, publish, rate, and the error shape."""

from __future__ import annotations

import httpx

from agentflow.services.templates.official import load_official_templates
from tests.integration.api.conftest import Person, bearer, create_workflow, new_key


async def test_browse_install_and_publish_through_the_api(
    client: httpx.AsyncClient,
    alice_headers: dict[str, str],
    alice: Person,
    bob: Person,
    env: dict[str, str],
) -> None:
    load_official_templates(env["database_url"])
    listed = await client.get("/api/v1/templates?category=Sales", headers=alice_headers)
    assert listed.status_code == 200, listed.text
    [lead] = listed.json()["items"]
    assert (lead["name"], lead["secrets"], lead["source"]) == (
        "Lead enrichment",
        ["CRM_WEBHOOK_URL"],
        "official",
    )
    detail = await client.get(f"/api/v1/templates/{lead['id']}", headers=alice_headers)
    assert detail.json()["document"]["nodes"][0]["id"] == "start"

    refused = await client.post(
        f"/api/v1/templates/{lead['id']}/install",
        json={"org_id": str(bob.org_id)},
        headers=alice_headers,
    )
    assert refused.status_code == 422
    installed = await client.post(
        f"/api/v1/templates/{lead['id']}/install", json={"name": "Leads"}, headers=alice_headers
    )
    assert installed.status_code == 201, installed.text
    assert installed.json()["missing_secrets"] == ["CRM_WEBHOOK_URL"]
    workflow_id = installed.json()["workflow_id"]
    workflow = await client.get(f"/api/v1/workflows/{workflow_id}", headers=alice_headers)
    assert workflow.json()["name"] == "Leads"
    run = await client.post(
        f"/api/v1/workflows/{workflow_id}/runs",
        json={"draft": True, "input": {"website": "https://example.com"}},
        headers=alice_headers,
    )
    assert run.status_code == 422  # the CRM secret is missing: nothing is queued
    assert "CRM_WEBHOOK_URL" in run.json()["error"]["message"]
    assert run.json()["error"]["details"]["problems"][0]["node"] == "to_crm"

    source = await create_workflow(client, alice_headers)
    published = await client.post(
        "/api/v1/templates", json={"workflow_id": source, "category": "Demo"}, headers=alice_headers
    )
    assert published.status_code == 201, published.text
    template_id = published.json()["template_id"]
    bob_headers = bearer(new_key(env["database_url"], bob, "read", "write"))
    hidden = await client.get(f"/api/v1/templates/{template_id}", headers=bob_headers)
    assert hidden.status_code == 404
    assert hidden.json()["error"]["type"] == "not_found"

    keyed = await client.post(
        f"/api/v1/templates/{lead['id']}/ratings", json={"rating": 4}, headers=bob_headers
    )
    assert keyed.status_code == 403  # ratings come from people
    read_only = bearer(new_key(env["database_url"], alice, "read"))
    denied = await client.post(
        f"/api/v1/templates/{lead['id']}/install", json={}, headers=read_only
    )
    assert denied.status_code == 403
