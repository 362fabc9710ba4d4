"""Bad input on every route of the app: a NUL character, a lone surrogate (a JSON
``\\ud800`` escape) or JSON nested 100,000 levels deep gets a 4xx answer in the API's
error shape, never a 500, and nothing is stored.

The routes and their parameters come from the app's OpenAPI document, so a new route
is walked as soon as it exists; a new *required* query parameter needs a valid value
in ``VALID_QUERY`` (the walk says so).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import text

from agentflow.db.engine import get_engine
from agentflow.services.delivery import outgoing, outgoing_log
from agentflow.services.governance import alerts, budgets
from agentflow.services.runs.lifecycle import execute_run
from agentflow.services.triggers import schedules
from agentflow.settings import get_settings
from tests.integration.api.conftest import BASE_URL, GREETING, Person, create_workflow
from tests.integration.api.test_runs_api import APPROVAL
from tests.integration.api.test_security_api import MEMBER_ONLY
from tests.integration.automation.conftest import schedule_document

NUL = "\x00"
SURROGATE = "\ud800"
DEEP = "[" * 100_000 + "]" * 100_000
# Parses (Python's json recurses up to ~1,000 levels), but deeper than anything stored.
NESTED = '{"value": ' + "[" * 500 + "]" * 500 + "}"
# Values for required query parameters, so the bad value is the only thing wrong.
VALID_QUERY = {"from": "1", "to": "draft"}
# Tables that change on every authenticated request (when a key was last used).
VOLATILE_TABLES = {"api_keys", "sessions"}


@pytest.fixture
def app(env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> FastAPI:
    from agentflow.app import create_api  # the real app: every router it mounts

    for name in ("API_RATE_LIMIT_PER_KEY", "API_RATE_LIMIT_PER_ORG"):
        monkeypatch.setenv(f"AGENTFLOW_{name}", "100000")
    for name in ("WEBHOOK_RATE_LIMIT_PER_IP", "WEBHOOK_RATE_LIMIT_PER_HOOK"):
        monkeypatch.setenv(f"AGENTFLOW_{name}", "100000")
    get_settings.cache_clear()
    return create_api()


def snapshot(database_url: str) -> dict[str, str]:
    """A digest of every table's rows: equal snapshots mean nothing was stored."""
    with get_engine(database_url).connect() as connection:
        tables = connection.execute(
            text(
                "SELECT table_name FROM information_schema.tables "
                "WHERE table_schema = 'public' AND table_type = 'BASE TABLE'"
            )
        ).scalars()
        digests = {}
        for table in sorted(set(tables) - VOLATILE_TABLES):
            digests[table] = connection.execute(
                text(
                    f"SELECT count(*) || ':' || md5(coalesce(string_agg(t::text, '|' "
                    f"ORDER BY t::text), '')) FROM \"{table}\" t"
                )
            ).scalar_one()
        return digests


def resolve(schema: dict[str, Any], components: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = components[schema["$ref"].rsplit("/", 1)[1]]
    options = [option for option in schema.get("anyOf", []) if option.get("type") != "null"]
    if len(options) == 1:
        return resolve(options[0], components)
    return schema


def bad_value(schema: dict[str, Any], bad: str) -> Any:
    """``bad`` where the schema takes text: itself, inside a free-form value or list."""
    kind = schema.get("type")
    if kind == "string":
        return bad
    if kind == "array":
        return [bad]
    if kind in (None, "object"):  # Any, dict[str, Any], a document
        return {"text": bad}
    return None  # numbers and booleans hold no text


def bad_bodies(schema: dict[str, Any], components: dict[str, Any]) -> Iterator[tuple[str, Any]]:
    """(the field named in the answer, a body with ``NUL``/``SURROGATE`` in that field)."""
    schema = resolve(schema, components)
    properties = schema.get("properties")
    for bad in (NUL, SURROGATE):
        if not properties:
            yield "body", {"text": bad}
            continue
        for name, property_schema in properties.items():
            value = bad_value(resolve(property_schema, components), bad)
            if value is not None:
                yield f"body.{name}", {name: value}


def operations(api: FastAPI) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, item in api.openapi()["paths"].items():
        for method, operation in item.items():
            yield method.upper(), path, operation


@pytest.fixture
async def objects(
    client: httpx.AsyncClient, alice_headers: dict[str, str], alice: Person, env: dict[str, str]
) -> dict[str, str]:
    """One of each of Alice's objects, so every path reaches its handler."""
    database_url = env["database_url"]
    workflow_id = await create_workflow(client, alice_headers, APPROVAL, publish=True)
    await create_workflow(client, alice_headers, schedule_document(), publish=True)
    hooked = {**GREETING, "nodes": [dict(node) for node in GREETING["nodes"]]}
    hooked["nodes"][0] = {"id": "start", "type": "trigger", "config": {"kind": "webhook"}}
    hook_workflow = await create_workflow(client, alice_headers, hooked, publish=True)
    hook = await client.get(f"/api/v1/workflows/{hook_workflow}/webhook", headers=alice_headers)
    started = await client.post(
        f"/api/v1/workflows/{workflow_id}/runs", json={}, headers=alice_headers
    )
    run_id = started.json()["run_id"]
    await execute_run(database_url, uuid.UUID(run_id), org_id=alice.org_id)
    template = await client.post(
        "/api/v1/templates", json={"workflow_id": workflow_id}, headers=alice_headers
    )
    assert template.status_code == 201, template.text
    subscription = outgoing.create_subscription(
        database_url, alice.actor(), {"url": "https://example.com/hook", "events": ["run.failed"]}
    ).info.id
    outgoing.emit(database_url, alice.org_id, "run.failed", {"run_id": "r1"})
    [delivery] = outgoing_log.list_deliveries(database_url, alice.actor())
    [schedule] = schedules.list_schedules(database_url, alice.actor())
    rule = {"name": "r", "metric": "cost_usd", "threshold": 1}
    return {
        "workflow_id": workflow_id,
        "run_id": run_id,
        "template_id": template.json()["template_id"],
        "budget_id": budgets.set_budget(database_url, alice.actor(), {"monthly_limit_usd": 5}),
        "rule_id": alerts.create_rule(database_url, alice.actor(), rule),
        "schedule_id": schedule.id,
        "subscription_id": subscription,
        "delivery_id": delivery.id,
        "node": "review",
        "provider": "openai",
        "version": "1",
        "token": hook.json()["url"].rsplit("/", 1)[1],
    }


@pytest.fixture
async def lenient_client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """A client that gets the 500 answer instead of the app's exception."""
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url=BASE_URL) as http:
        yield http


async def test_bad_input_on_every_route_gets_a_4xx_and_stores_nothing(
    app: FastAPI,
    lenient_client: httpx.AsyncClient,
    alice_headers: dict[str, str],
    alice_cookie: dict[str, str],
    objects: dict[str, str],
    env: dict[str, str],
) -> None:
    client = lenient_client
    components = app.openapi().get("components", {}).get("schemas", {})
    walked: set[tuple[str, str, str]] = set()
    failures: list[tuple[Any, ...]] = []
    sent = 0

    async def send(
        method: str, path: str, *, query: str = "", body: str | None = None
    ) -> httpx.Response:
        member_only = path.startswith(MEMBER_ONLY)
        headers = {"Origin": BASE_URL} if member_only else dict(alice_headers)
        client.cookies.clear()
        if member_only:
            client.cookies.update(alice_cookie)
        if body is not None:
            headers["Content-Type"] = "application/json"
        url = path.format(**objects) + (f"?{query}" if query else "")
        return await client.request(method, url, content=body, headers=headers)

    async def check(
        method: str, path: str, named: str | None, *, query: str = "", body: str | None = None
    ) -> None:
        nonlocal sent
        before = snapshot(env["database_url"])
        response = await send(method, path, query=query, body=body)
        what = (method, path, named, query[:40], (body or "")[:40], response.status_code)
        sent += 1
        walked.add((method, path, "body" if body is not None else "parameter"))
        if not 400 <= response.status_code < 500:
            failures.append((*what, response.text[:200]))
            return
        error = response.json().get("error") or {}
        if set(error) != {"type", "message", "details"}:
            failures.append((*what, "not the API's error shape", response.text[:200]))
            return
        if named is not None and path.startswith("/api/v1"):
            fields = [p["field"] for p in (error["details"] or {}).get("problems", [])]
            if response.status_code != 422 or not any(f.startswith(named) for f in fields):
                failures.append((*what, response.text[:200]))
        if (method, path) == ("POST", "/hooks/{token}") and response.status_code != 422:
            failures.append((*what, "the webhook (POST) refuses it as invalid input"))
        if snapshot(env["database_url"]) != before:
            failures.append((*what, "stored something"))

    for method, path, operation in operations(app):
        parameters = operation.get("parameters", [])
        required = {
            p["name"]: VALID_QUERY[p["name"]]
            for p in parameters
            if p["in"] == "query" and p.get("required")
        }
        for parameter in parameters:
            name = parameter["name"]
            if parameter["in"] == "query":
                assert all(p in VALID_QUERY for p in required), (path, "add to VALID_QUERY")
                others = "".join(
                    f"&{key}={value}" for key, value in required.items() if key != name
                )
                await check(method, path, f"query.{name}", query=f"{name}=%00{others}")
                # Not UTF-8 (a surrogate's own bytes): read as U+FFFD, never a 500.
                response = await send(method, path, query=f"{name}=%ED%A0%80{others}")
                if response.status_code >= 500:
                    failures.append((method, path, name, "invalid UTF-8", response.status_code))
            elif (
                parameter["in"] == "path"
                and resolve(parameter["schema"], components).get("type") == "string"
                and "format" not in resolve(parameter["schema"], components)
            ):
                await check(method, path.replace(f"{{{name}}}", "%00"), f"path.{name}")
        content = operation.get("requestBody", {}).get("content", {})
        if "application/json" not in content:
            continue
        schema = content["application/json"].get("schema", {})
        for named, body in bad_bodies(schema, components):
            await check(method, path, named, body=json.dumps(body))
        await check(method, path, "body", body=DEEP)
        await check(method, path, "body", body=NESTED)

    assert failures == [], "\n".join(map(repr, failures))
    # Every route that takes text was walked, the webhook endpoint included.
    assert ("POST", "/api/v1/workflows", "body") in walked
    assert ("PUT", "/api/v1/workflows/{workflow_id}", "body") in walked
    assert ("POST", "/api/v1/workflows/import", "body") in walked
    assert ("GET", "/api/v1/templates", "parameter") in walked
    assert ("POST", "/hooks/{token}", "body") in walked
    assert len(walked) >= 40 and sent >= 150, (len(walked), sent)
