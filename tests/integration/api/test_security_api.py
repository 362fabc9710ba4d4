"""REST API v1 security: authentication, tenant isolation on every route, refused fields,
scopes, rate limits and CSRF."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute

from agentflow.services.delivery import outgoing, outgoing_log
from agentflow.services.governance import alerts, budgets
from agentflow.services.runs.lifecycle import execute_run
from agentflow.services.triggers import schedules
from agentflow.settings import get_settings
from tests.integration.api.conftest import (
    BASE_URL,
    GREETING,
    Person,
    bearer,
    create_workflow,
    new_key,
)
from tests.integration.api.test_runs_api import APPROVAL
from tests.integration.automation.conftest import schedule_document


def api_routes(app: FastAPI) -> list[APIRoute]:
    def walk(routes: list[Any]) -> Iterator[APIRoute]:
        for route in routes:
            if isinstance(route, APIRoute):
                yield route
            elif hasattr(route, "original_router"):  # FastAPI's lazily included routers
                yield from walk(route.original_router.routes)

    return [route for route in walk(app.routes) if route.path.startswith("/api/v1")]


# Budgets, alert rules and outgoing events are managed by signed-in members, not API
# keys: those routes are walked with Alice's session (she owns her organisation), so
# only isolation answers.
MEMBER_ONLY = ("/api/v1/budgets", "/api/v1/alerts", "/api/v1/event-", "/api/v1/model-providers")


def body_for(method: str, path: str) -> dict[str, Any] | None:
    if method == "PUT" and path.startswith("/api/v1/alerts"):
        return {"name": "taken over", "metric": "cost_usd", "threshold": 1}
    if method == "PUT":
        return {"name": "taken over"}
    if path.endswith("/runs"):
        return {"input": {}}
    if path.endswith("/rerun"):
        return {"from_node": "review"}
    if method in ("POST", "PATCH"):
        return {}
    return None


async def test_every_route_hides_another_orgs_objects(
    app: FastAPI,
    client: httpx.AsyncClient,
    alice_headers: dict[str, str],
    alice_cookie: dict[str, str],
    bob: Person,
    env: dict[str, str],
) -> None:
    bob_headers = bearer(new_key(env["database_url"], bob, "read", "run", "write"))
    bob_budget = budgets.set_budget(env["database_url"], bob.actor(), {"monthly_limit_usd": 5})
    bob_rule = alerts.create_rule(
        env["database_url"], bob.actor(), {"name": "b", "metric": "cost_usd", "threshold": 1}
    )
    bob_workflow = await create_workflow(client, bob_headers, APPROVAL, publish=True)
    await create_workflow(client, bob_headers, schedule_document(), publish=True)
    [bob_schedule] = schedules.list_schedules(env["database_url"], bob.actor())
    bob_subscription = outgoing.create_subscription(
        env["database_url"],
        bob.actor(),
        {"url": "https://example.com/hook", "events": ["run.failed"]},
    ).info.id
    outgoing.emit(env["database_url"], bob.org_id, "run.failed", {"run_id": "r1"})
    [bob_delivery] = outgoing_log.list_deliveries(env["database_url"], bob.actor())
    started = await client.post(
        f"/api/v1/workflows/{bob_workflow}/runs", json={}, headers=bob_headers
    )
    bob_run = started.json()["run_id"]
    await execute_run(env["database_url"], uuid.UUID(bob_run), org_id=bob.org_id)

    walked = 0
    for route in api_routes(app):
        if not route.param_convertors:
            continue
        if "{template_id}" in route.path:  # shared templates: tests/integration/templates
            continue
        if "{provider}" in route.path:  # the instance's list of providers, the same for all
            continue
        for method in route.methods - {"HEAD"}:
            answers = []
            member_only = route.path.startswith(MEMBER_ONLY)
            headers = {"Origin": BASE_URL} if member_only else alice_headers
            cookies = alice_cookie if member_only else {}
            theirs = {
                "workflow_id": bob_workflow, "run_id": bob_run, "budget_id": bob_budget,
                "rule_id": bob_rule, "schedule_id": bob_schedule.id,
                "subscription_id": bob_subscription, "delivery_id": bob_delivery.id,
            }  # fmt: skip
            missing = {name: str(uuid.uuid4()) for name in theirs}
            for ids in (theirs, missing):
                url = route.path.format(node="review", version=1, **ids)
                if url.endswith("/diff"):
                    url += "?from=1&to=draft"
                client.cookies.clear()
                client.cookies.update(cookies)
                response = await client.request(
                    method, url, json=body_for(method, route.path), headers=headers
                )
                answers.append((response.status_code, response.json()))
            assert answers[0] == answers[1], (method, route.path, answers)
            assert answers[0][0] == 404, (method, route.path, answers)
            assert answers[0][1]["error"]["type"] == "not_found"
            walked += 1
    assert walked == 32
    client.cookies.clear()
    [schedule] = schedules.list_schedules(env["database_url"], bob.actor())
    assert schedule.enabled
    [subscription] = outgoing.list_subscriptions(env["database_url"], bob.actor())
    assert subscription.enabled and subscription.url == "https://example.com/hook"
    assert len(outgoing_log.list_deliveries(env["database_url"], bob.actor())) == 1
    assert [b.id for b in budgets.list_budgets(env["database_url"], bob.actor())] == [bob_budget]
    assert [r.name for r in alerts.list_rules(env["database_url"], bob.actor())] == ["b"]

    # Bob's objects are as they were.
    workflow = await client.get(f"/api/v1/workflows/{bob_workflow}", headers=bob_headers)
    assert workflow.json()["name"] == "Review"
    run = await client.get(f"/api/v1/runs/{bob_run}", headers=bob_headers)
    assert run.json()["status"] == "waiting"
    alice_runs = await client.get("/api/v1/runs", headers=alice_headers)
    assert alice_runs.json()["items"] == []


async def test_openapi_documents_every_route(app: FastAPI) -> None:
    paths = app.openapi()["paths"]
    for route in api_routes(app):
        assert route.path in paths
        assert set(m.lower() for m in route.methods) <= set(paths[route.path])


@pytest.mark.parametrize("field", ["id", "org_id", "owner_id", "role"])
async def test_bodies_that_set_ids_or_roles_are_refused(
    client: httpx.AsyncClient, alice_headers: dict[str, str], bob: Person, field: str
) -> None:
    value = str(bob.org_id)
    created = await client.post(
        "/api/v1/workflows", json={"name": "x", field: value}, headers=alice_headers
    )
    assert created.status_code == 422
    error = created.json()["error"]
    assert error["type"] == "validation"
    assert [problem["field"] for problem in error["details"]["problems"]] == [f"body.{field}"]
    workflow_id = await create_workflow(client, alice_headers)
    updated = await client.put(
        f"/api/v1/workflows/{workflow_id}", json={"name": "y", field: value}, headers=alice_headers
    )
    assert updated.status_code == 422
    run = await client.post(
        f"/api/v1/workflows/{workflow_id}/runs",
        json={"input": {"who": "x"}, "draft": True, field: value},
        headers=alice_headers,
    )
    assert run.status_code == 422


async def test_authentication_is_required(
    client: httpx.AsyncClient, alice_cookie: dict[str, str], alice_key: str
) -> None:
    for headers in ({}, {"Authorization": "Bearer af_nope_nope"}, {"Authorization": "Basic x"}):
        response = await client.get("/api/v1/workflows", headers=headers)
        assert response.status_code == 401
        assert response.json()["error"]["type"] == "unauthorized"
        assert response.headers["www-authenticate"] == "Bearer"
    # A Bearer request is never authenticated by the cookie, even a valid one.
    client.cookies.update(alice_cookie)
    wrong = await client.get("/api/v1/workflows", headers={"Authorization": "Bearer bad"})
    assert wrong.status_code == 401
    assert (await client.get("/api/v1/workflows")).status_code == 200
    assert (await client.get("/api/v1/workflows", headers=bearer(alice_key))).status_code == 200


async def test_key_scopes_limit_what_a_key_can_do(
    client: httpx.AsyncClient, alice_headers: dict[str, str], alice: Person, env: dict[str, str]
) -> None:
    workflow_id = await create_workflow(client, alice_headers, publish=True)
    read_only = bearer(new_key(env["database_url"], alice, "read"))
    assert (await client.get("/api/v1/workflows", headers=read_only)).status_code == 200
    refused = await client.post(
        f"/api/v1/workflows/{workflow_id}/runs", json={"input": {"who": "x"}}, headers=read_only
    )
    assert refused.status_code == 403
    assert refused.json()["error"]["type"] == "forbidden"
    write = await client.post("/api/v1/workflows", json={"name": "n"}, headers=read_only)
    assert write.status_code == 403
    run_only = bearer(new_key(env["database_url"], alice, "run"))
    started = await client.post(
        f"/api/v1/workflows/{workflow_id}/runs", json={"input": {"who": "x"}}, headers=run_only
    )
    assert started.status_code == 202
    listing = await client.get("/api/v1/runs", headers=run_only)
    assert listing.status_code == 403


async def test_rate_limit_per_key_then_per_org(
    client: httpx.AsyncClient, alice: Person, env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AGENTFLOW_API_RATE_LIMIT_PER_KEY", "3")
    monkeypatch.setenv("AGENTFLOW_API_RATE_LIMIT_PER_ORG", "5")
    get_settings.cache_clear()
    first, second = (bearer(new_key(env["database_url"], alice, "read")) for _ in range(2))
    remaining = []
    for _ in range(3):
        response = await client.get("/api/v1/workflows", headers=first)
        assert response.status_code == 200
        assert response.headers["x-ratelimit-limit"] == "3"
        assert "x-ratelimit-reset" in response.headers
        remaining.append(int(response.headers["x-ratelimit-remaining"]))
    assert remaining == [2, 1, 0]
    limited = await client.get("/api/v1/workflows", headers=first)
    assert limited.status_code == 429
    assert limited.json()["error"]["type"] == "rate_limited"
    assert 1 <= int(limited.headers["retry-after"]) <= 60
    assert limited.headers["x-ratelimit-remaining"] == "0"
    # Another key of the same org has its own budget until the org's is spent (5).
    assert (await client.get("/api/v1/workflows", headers=second)).status_code == 200
    assert (await client.get("/api/v1/workflows", headers=second)).status_code == 200
    by_org = await client.get("/api/v1/workflows", headers=second)
    assert by_org.status_code == 429
    assert by_org.headers["x-ratelimit-limit"] == "5"
    # Errors of authenticated requests carry the headers too.
    missing = await client.get(f"/api/v1/runs/{uuid.uuid4()}", headers=first)
    assert missing.status_code == 429


async def test_csrf_for_cookie_requests(
    client: httpx.AsyncClient, alice_cookie: dict[str, str], alice_key: str
) -> None:
    client.cookies.update(alice_cookie)
    body = {"name": "from the browser"}
    none = await client.post("/api/v1/workflows", json=body)
    assert none.status_code == 403
    assert none.json()["error"]["type"] == "csrf"
    foreign = await client.post(
        "/api/v1/workflows", json=body, headers={"Origin": "https://evil.example"}
    )
    assert foreign.status_code == 403
    assert foreign.json()["error"]["type"] == "csrf"
    lookalike = await client.post(
        "/api/v1/workflows", json=body, headers={"Origin": BASE_URL + ".evil.example"}
    )
    assert lookalike.status_code == 403
    same = await client.post("/api/v1/workflows", json=body, headers={"Origin": BASE_URL})
    assert same.status_code == 201, same.text
    by_referer = await client.post(
        "/api/v1/workflows", json=body, headers={"Referer": f"{BASE_URL}/workflows"}
    )
    assert by_referer.status_code == 201
    assert (await client.get("/api/v1/workflows")).status_code == 200  # reads are safe
    client.cookies.clear()
    keyed = await client.post("/api/v1/workflows/import", json=GREETING, headers=bearer(alice_key))
    assert keyed.status_code == 201
