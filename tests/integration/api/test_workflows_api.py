"""REST API v1 workflows: CRUD, import/export round trip, publish, audit."""

from __future__ import annotations

import json

import httpx
import yaml
from sqlalchemy import text

from agentflow.db.engine import get_engine
from tests.integration.api.conftest import GREETING, Person, create_workflow


async def test_crud_cycle(
    client: httpx.AsyncClient, alice_headers: dict[str, str], alice: Person, env: dict[str, str]
) -> None:
    created = await client.post(
        "/api/v1/workflows",
        json={"name": "  Daily   digest ", "description": "news"},
        headers=alice_headers,
    )
    assert created.status_code == 201, created.text
    body = created.json()
    workflow_id = body["id"]
    assert body["name"] == "Daily digest"
    assert body["status"] == "draft"
    assert body["document"]["format"] == "agentflow/v1"

    listed = await client.get("/api/v1/workflows", headers=alice_headers)
    assert [item["id"] for item in listed.json()["items"]] == [workflow_id]
    found = await client.get("/api/v1/workflows?search=digest&status=draft", headers=alice_headers)
    assert len(found.json()["items"]) == 1
    none = await client.get("/api/v1/workflows?status=published", headers=alice_headers)
    assert none.json()["items"] == []

    document = {**GREETING}
    saved = await client.put(
        f"/api/v1/workflows/{workflow_id}",
        json={"name": "Greeter", "document": document},
        headers=alice_headers,
    )
    assert saved.status_code == 200, saved.text
    assert saved.json()["name"] == "Greeter"
    assert saved.json()["document"]["nodes"] == GREETING["nodes"]
    assert saved.json()["problems"] == []

    got = await client.get(f"/api/v1/workflows/{workflow_id}", headers=alice_headers)
    assert got.json()["document"]["name"] == "Greeter"

    copy = await client.post(f"/api/v1/workflows/{workflow_id}/duplicate", headers=alice_headers)
    assert copy.status_code == 201
    assert copy.json()["name"] == "Copy of Greeter"

    published = await client.post(
        f"/api/v1/workflows/{workflow_id}/publish", json={"message": "v1"}, headers=alice_headers
    )
    assert published.json() == {"id": workflow_id, "version": 1}
    again = await client.get(f"/api/v1/workflows/{workflow_id}", headers=alice_headers)
    assert again.json()["status"] == "published"

    deleted = await client.delete(f"/api/v1/workflows/{workflow_id}", headers=alice_headers)
    assert deleted.status_code == 204
    gone = await client.get(f"/api/v1/workflows/{workflow_id}", headers=alice_headers)
    assert gone.status_code == 404

    with get_engine(env["database_url"]).begin() as connection:
        actions = connection.execute(
            text("SELECT action, actor_type, target_id FROM audit_events WHERE org_id = :org"),
            {"org": alice.org_id},
        ).all()
    recorded = {row.action for row in actions if row.actor_type == "api_key"}
    assert {
        "workflow.create",
        "workflow.update",
        "workflow.duplicate",
        "workflow.publish",
        "workflow.delete",
    } <= recorded


async def test_import_export_round_trip(
    client: httpx.AsyncClient, alice_headers: dict[str, str]
) -> None:
    workflow_id = await create_workflow(client, alice_headers)
    as_json = await client.get(
        f"/api/v1/workflows/{workflow_id}/export?format=json", headers=alice_headers
    )
    assert as_json.status_code == 200
    assert as_json.headers["content-type"].startswith("application/json")
    assert json.loads(as_json.text) == GREETING

    as_yaml = await client.get(
        f"/api/v1/workflows/{workflow_id}/export?format=yaml", headers=alice_headers
    )
    assert as_yaml.headers["content-type"].startswith("application/yaml")
    assert yaml.safe_load(as_yaml.text) == GREETING

    reimported = await client.post(
        "/api/v1/workflows/import", json={"source": as_yaml.text}, headers=alice_headers
    )
    assert reimported.status_code == 201, reimported.text
    assert reimported.json()["document"] == GREETING
    assert reimported.json()["id"] != workflow_id


async def test_invalid_documents_are_refused_with_their_problems(
    client: httpx.AsyncClient, alice_headers: dict[str, str]
) -> None:
    broken = {**GREETING, "edges": [{"source": "start", "target": "nowhere"}]}
    response = await client.post("/api/v1/workflows/import", json=broken, headers=alice_headers)
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["type"] == "invalid_workflow"
    assert error["details"]["problems"]
    assert all("message" in problem for problem in error["details"]["problems"])

    syntax = await client.post(
        "/api/v1/workflows/import", json={"source": "nodes: [unclosed"}, headers=alice_headers
    )
    assert syntax.status_code == 422
    assert syntax.json()["error"]["type"] == "invalid_workflow"

    bad_format = await client.get(
        "/api/v1/workflows/00000000-0000-0000-0000-000000000001/export?format=xml",
        headers=alice_headers,
    )
    assert bad_format.status_code == 422
    assert bad_format.json()["error"]["type"] == "validation"


async def test_publishing_an_invalid_draft_is_refused(
    client: httpx.AsyncClient, alice_headers: dict[str, str]
) -> None:
    created = await client.post("/api/v1/workflows", json={"name": "x"}, headers=alice_headers)
    workflow_id = created.json()["id"]
    broken = {**GREETING, "edges": [{"source": "start", "target": "nowhere"}]}
    saved = await client.put(
        f"/api/v1/workflows/{workflow_id}", json={"document": broken}, headers=alice_headers
    )
    assert saved.status_code == 200
    assert saved.json()["problems"]
    published = await client.post(f"/api/v1/workflows/{workflow_id}/publish", headers=alice_headers)
    assert published.status_code == 422
    assert published.json()["error"]["details"]["problems"]


def stored_workflows(database_url: str) -> list[tuple[str, str]]:
    with get_engine(database_url).connect() as connection:
        rows = connection.execute(text("SELECT name, document->>'name' FROM workflows"))
        return sorted((str(name), str(draft_name)) for name, draft_name in rows)


async def test_a_rename_with_an_oversized_draft_is_all_or_nothing(
    client: httpx.AsyncClient, alice_headers: dict[str, str], env: dict[str, str]
) -> None:
    workflow_id = await create_workflow(client, alice_headers)
    oversized = {**GREETING, "description": "x" * (2 * 1024 * 1024)}
    refused = await client.put(
        f"/api/v1/workflows/{workflow_id}",
        json={"name": "Renamed", "document": oversized},
        headers=alice_headers,
    )
    assert refused.status_code == 422, refused.text
    assert refused.json()["error"]["type"] == "invalid_workflow"
    assert refused.json()["error"]["details"]["problems"][0]["field"] == "document"
    after = await client.get(f"/api/v1/workflows/{workflow_id}", headers=alice_headers)
    assert after.json()["name"] == "Greeting"
    assert after.json()["document"] == GREETING
    assert stored_workflows(env["database_url"]) == [("Greeting", "Greeting")]


async def test_an_oversized_document_is_not_created_with_the_import_limit(
    client: httpx.AsyncClient, alice_headers: dict[str, str], env: dict[str, str]
) -> None:
    huge = {**GREETING, "description": "x" * (10 * 1024 * 1024)}
    created = await client.post(
        "/api/v1/workflows", json={"name": "Huge", "document": huge}, headers=alice_headers
    )
    assert created.status_code == 422, created.text[:300]
    imported = await client.post("/api/v1/workflows/import", json=huge, headers=alice_headers)
    assert imported.status_code == 422
    # The same limit both ways: MAX_DOCUMENT_BYTES.
    for refused in (created, imported):
        assert refused.json()["error"]["type"] == "invalid_workflow"
        assert "1,048,576" in refused.json()["error"]["message"]
    assert stored_workflows(env["database_url"]) == []


async def test_notes_travel_through_the_api_and_malformed_ones_are_problems(
    client: httpx.AsyncClient, alice_headers: dict[str, str]
) -> None:
    note = {"id": "why", "text": "Say hello", "position": {"x": 0, "y": -200}}
    imported = await client.post(
        "/api/v1/workflows/import", json={**GREETING, "notes": [note]}, headers=alice_headers
    )
    assert imported.status_code == 201, imported.text
    workflow_id = imported.json()["id"]
    exported = await client.get(
        f"/api/v1/workflows/{workflow_id}/export?format=json", headers=alice_headers
    )
    assert json.loads(exported.text)["notes"] == [note]

    malformed = {**GREETING, "notes": [{**note, "text": "x" * 5001}, "junk"]}
    refused = await client.post("/api/v1/workflows/import", json=malformed, headers=alice_headers)
    assert refused.status_code == 422
    assert refused.json()["error"]["details"]["problems"] == [
        {"field": "notes[0].text", "message": "must be at most 5000 characters"},
        {"field": "notes[1]", "message": "a note must be an object"},
    ]
    # A draft may be unfinished: it is saved, with the problems, and cannot be published.
    saved = await client.put(
        f"/api/v1/workflows/{workflow_id}", json={"document": malformed}, headers=alice_headers
    )
    assert saved.status_code == 200, saved.text
    assert {"field": "notes[1]", "message": "a note must be an object"} in saved.json()["problems"]
    published = await client.post(f"/api/v1/workflows/{workflow_id}/publish", headers=alice_headers)
    assert published.status_code == 422
