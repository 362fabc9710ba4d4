"""REST API v1 versions: publish (validated), list, read, diff, rollback, run a version."""

from __future__ import annotations

import copy
import uuid
from typing import Any

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from agentflow.db.engine import get_engine
from tests.integration.api.conftest import GREETING, Person, bearer, create_workflow, new_key


def with_greeting(template: str, **node: Any) -> dict[str, Any]:
    document = copy.deepcopy(GREETING)
    document["nodes"][1]["config"]["template"] = template
    document["nodes"][1].update(node)
    return document


async def save(
    client: httpx.AsyncClient, headers: dict[str, str], workflow_id: str, document: dict[str, Any]
) -> None:
    saved = await client.put(
        f"/api/v1/workflows/{workflow_id}", json={"document": document}, headers=headers
    )
    assert saved.status_code == 200, saved.text


async def publish(
    client: httpx.AsyncClient, headers: dict[str, str], workflow_id: str, message: str
) -> httpx.Response:
    return await client.post(
        f"/api/v1/workflows/{workflow_id}/publish", json={"message": message}, headers=headers
    )


def runs_of(database_url: str, workflow_id: str) -> list[tuple[str, int | None, str]]:
    with get_engine(database_url).connect() as connection:
        rows = connection.execute(
            text(
                "SELECT trigger, workflow_version, document->'nodes'->1->'config'->>'template' "
                "FROM runs WHERE workflow_id = :id ORDER BY created_at"
            ),
            {"id": workflow_id},
        ).all()
    return [(row[0], row[1], row[2]) for row in rows]


async def test_publish_list_read_and_versions_are_immutable(
    client: httpx.AsyncClient, alice_headers: dict[str, str], env: dict[str, str]
) -> None:
    database_url = env["database_url"]
    workflow_id = await create_workflow(client, alice_headers)
    assert (await publish(client, alice_headers, workflow_id, "first")).json()["version"] == 1
    await save(client, alice_headers, workflow_id, with_greeting("Hi {{ input.who }}"))
    assert (await publish(client, alice_headers, workflow_id, "friendlier")).json()["version"] == 2
    await save(client, alice_headers, workflow_id, with_greeting("Yo {{ input.who }}"))

    listed = await client.get(f"/api/v1/workflows/{workflow_id}/versions", headers=alice_headers)
    assert listed.status_code == 200
    items = listed.json()["items"]
    assert [(i["version"], i["message"], i["latest"]) for i in items] == [
        (2, "friendlier", True),
        (1, "first", False),
    ]
    assert all(item["author"].startswith("API key test") for item in items)
    assert all(item["created_at"] and item["node_count"] == 2 for item in items)

    # Editing the draft never changes a published version.
    first = await client.get(f"/api/v1/workflows/{workflow_id}/versions/1", headers=alice_headers)
    assert first.json()["document"]["nodes"][1]["config"]["template"] == "Hello {{ input.who }}"
    draft = await client.get(
        f"/api/v1/workflows/{workflow_id}/versions/draft", headers=alice_headers
    )
    assert draft.json()["document"]["nodes"][1]["config"]["template"] == "Yo {{ input.who }}"
    missing = await client.get(f"/api/v1/workflows/{workflow_id}/versions/9", headers=alice_headers)
    assert missing.status_code == 404
    assert missing.json()["error"]["message"] == "workflow version not found"
    bad = await client.get(f"/api/v1/workflows/{workflow_id}/versions/zero", headers=alice_headers)
    assert bad.status_code == 422
    # Nor can anything else: the database refuses to update a published version.
    with pytest.raises(DBAPIError, match="immutable"), get_engine(database_url).begin() as db:
        db.execute(text("UPDATE workflow_versions SET message = 'rewritten'"))


async def test_publishing_validates_first(
    client: httpx.AsyncClient, alice_headers: dict[str, str]
) -> None:
    workflow_id = await create_workflow(client, alice_headers)
    broken = with_greeting("Hello {{ nodes.nowhere.output }}")
    await save(client, alice_headers, workflow_id, broken)
    refused = await publish(client, alice_headers, workflow_id, "broken")
    assert refused.status_code == 422
    assert refused.json()["error"]["type"] == "invalid_workflow"
    assert refused.json()["error"]["details"]["problems"]
    listed = await client.get(f"/api/v1/workflows/{workflow_id}/versions", headers=alice_headers)
    assert listed.json()["items"] == []


async def test_diff_between_versions_and_the_draft(
    client: httpx.AsyncClient, alice_headers: dict[str, str]
) -> None:
    workflow_id = await create_workflow(client, alice_headers)
    await publish(client, alice_headers, workflow_id, "v1")
    moved = copy.deepcopy(GREETING)
    for index, node in enumerate(moved["nodes"]):
        node["position"] = {"x": 500 * index, "y": 80}
    await save(client, alice_headers, workflow_id, moved)
    await publish(client, alice_headers, workflow_id, "only moved")
    changed = with_greeting("Hi {{ input.who }}", name="Greet")
    changed["nodes"].append({"id": "log", "type": "template", "config": {"template": "x"}})
    changed["edges"].append({"source": "greet", "target": "log"})
    await save(client, alice_headers, workflow_id, changed)
    await publish(client, alice_headers, workflow_id, "v3")

    base = f"/api/v1/workflows/{workflow_id}/diff"
    positions_only = await client.get(f"{base}?from=1&to=2", headers=alice_headers)
    assert positions_only.status_code == 200
    assert positions_only.json()["empty"] is True
    assert positions_only.json()["lines"] == []

    diff = (await client.get(f"{base}?from=2&to=3", headers=alice_headers)).json()
    assert diff["from"] == 2 and diff["to"] == 3 and diff["empty"] is False
    assert [node["id"] for node in diff["nodes_added"]] == ["log"]
    assert diff["nodes_removed"] == []
    assert [(n["id"], n["fields"]) for n in diff["nodes_changed"]] == [
        ("greet", ["config.template", "name"])
    ]
    assert [edge["label"] for edge in diff["edges_added"]] == ["greet->log"]
    assert diff["lines"] == [
        "+ node log (template)",
        "~ node greet (template) “Greet”: config.template, name",
        "+ edge greet->log",
    ]
    backwards = (await client.get(f"{base}?from=3&to=1", headers=alice_headers)).json()
    assert [node["id"] for node in backwards["nodes_removed"]] == ["log"]
    with_draft = (await client.get(f"{base}?from=3&to=draft", headers=alice_headers)).json()
    assert with_draft["empty"] is True

    assert (await client.get(f"{base}?from=1&to=7", headers=alice_headers)).status_code == 404
    assert (await client.get(f"{base}?from=x&to=1", headers=alice_headers)).status_code == 422
    assert (await client.get(f"{base}?from=1", headers=alice_headers)).status_code == 422


async def test_rollback_publishes_an_old_version_as_the_newest(
    client: httpx.AsyncClient, alice_headers: dict[str, str], alice: Person, env: dict[str, str]
) -> None:
    workflow_id = await create_workflow(client, alice_headers)
    await publish(client, alice_headers, workflow_id, "v1")
    await save(client, alice_headers, workflow_id, with_greeting("Hi {{ input.who }}"))
    await publish(client, alice_headers, workflow_id, "v2")

    rolled = await client.post(
        f"/api/v1/workflows/{workflow_id}/versions/1/rollback", headers=alice_headers
    )
    assert rolled.status_code == 200, rolled.text
    assert rolled.json() == {"id": workflow_id, "version": 3, "rolled_back_to": 1}
    items = (
        await client.get(f"/api/v1/workflows/{workflow_id}/versions", headers=alice_headers)
    ).json()["items"]
    newest = items[0]
    assert (newest["version"], newest["message"], newest["latest"]) == (
        3,
        "Rollback to version 1",
        True,
    )
    same = await client.get(
        f"/api/v1/workflows/{workflow_id}/diff?from=1&to=3", headers=alice_headers
    )
    assert same.json()["empty"] is True
    # The draft continues from what now runs.
    workflow = (await client.get(f"/api/v1/workflows/{workflow_id}", headers=alice_headers)).json()
    assert workflow["document"]["nodes"][1]["config"]["template"] == "Hello {{ input.who }}"
    assert workflow["latest_version"] == 3

    # The latest version runs by default; any version on request; the run records it.
    for body in ({}, {"version": 2}, {"draft": True}):
        started = await client.post(
            f"/api/v1/workflows/{workflow_id}/runs",
            json={"input": {"who": "Ada"}, **body},
            headers=alice_headers,
        )
        assert started.status_code == 202, started.text
    listed = await client.get(f"/api/v1/runs?workflow_id={workflow_id}", headers=alice_headers)
    assert [item["workflow_version"] for item in listed.json()["items"]] == [None, 2, 3]
    newest = listed.json()["items"][-1]["run_id"]
    described = await client.get(f"/api/v1/runs/{newest}", headers=alice_headers)
    assert described.json()["workflow_version"] == 3
    assert runs_of(env["database_url"], workflow_id) == [
        ("api", 3, "Hello {{ input.who }}"),
        ("api", 2, "Hi {{ input.who }}"),
        ("api", None, "Hello {{ input.who }}"),
    ]
    unknown = await client.post(
        f"/api/v1/workflows/{workflow_id}/runs",
        json={"input": {"who": "Ada"}, "version": 8},
        headers=alice_headers,
    )
    assert unknown.status_code == 404
    assert (
        await client.post(
            f"/api/v1/workflows/{workflow_id}/versions/8/rollback", headers=alice_headers
        )
    ).status_code == 404

    with get_engine(env["database_url"]).connect() as connection:
        published = connection.execute(
            text(
                "SELECT details FROM audit_events WHERE org_id = :org "
                "AND action = 'workflow.publish' ORDER BY id"
            ),
            {"org": alice.org_id},
        ).scalars()
        assert [row["version"] for row in published] == [1, 2, 3]
        last = connection.execute(
            text(
                "SELECT details FROM audit_events WHERE action = 'workflow.publish' "
                "ORDER BY id DESC LIMIT 1"
            )
        ).scalar_one()
    assert last == {"version": 3, "rollback_to": 1}


async def test_rollback_needs_publish_rights_and_reading_needs_read(
    client: httpx.AsyncClient, alice_headers: dict[str, str], alice: Person, env: dict[str, str]
) -> None:
    workflow_id = await create_workflow(client, alice_headers, publish=True)
    read_only = bearer(new_key(env["database_url"], alice, "read"))
    assert (
        await client.get(f"/api/v1/workflows/{workflow_id}/versions", headers=read_only)
    ).status_code == 200
    refused = await client.post(
        f"/api/v1/workflows/{workflow_id}/versions/1/rollback", headers=read_only
    )
    assert refused.status_code == 403
    run_only = bearer(new_key(env["database_url"], alice, "run"))
    assert (
        await client.get(f"/api/v1/workflows/{workflow_id}/diff?from=1&to=1", headers=run_only)
    ).status_code == 403
    assert (await publish(client, read_only, workflow_id, "x")).status_code == 403


async def test_another_orgs_versions_are_not_found(
    client: httpx.AsyncClient, alice_headers: dict[str, str], bob: Person, env: dict[str, str]
) -> None:
    workflow_id = await create_workflow(client, alice_headers, publish=True)
    bob_headers = bearer(new_key(env["database_url"], bob, "read", "run", "write"))
    for method, path in (
        ("GET", "versions"),
        ("GET", "versions/1"),
        ("GET", "diff?from=1&to=1"),
        ("POST", "versions/1/rollback"),
        ("POST", "publish"),
    ):
        theirs = await client.request(
            method, f"/api/v1/workflows/{workflow_id}/{path}", headers=bob_headers
        )
        nobodys = await client.request(
            method, f"/api/v1/workflows/{uuid.uuid4()}/{path}", headers=bob_headers
        )
        assert theirs.status_code == nobodys.status_code == 404, path
        assert theirs.json() == nobodys.json()
