"""/api/v1 analytics, exports, budgets (402 budget_exceeded) and alert rules."""

from __future__ import annotations

import csv
import io
import json
import uuid

import httpx

from tests.integration.analytics.conftest import add_run
from tests.integration.api.conftest import Person, bearer, create_workflow, new_key


async def test_overview_export_and_isolation(
    client: httpx.AsyncClient, env: dict[str, str], alice: Person, bob: Person,
    alice_headers: dict[str, str],
) -> None:  # fmt: skip
    db = env["database_url"]
    workflow_id = await create_workflow(client, alice_headers, publish=True)
    add_run(db, alice.org_id, uuid.UUID(workflow_id), cost=0.25)
    add_run(db, alice.org_id, uuid.UUID(workflow_id), status="failed", cost=0.5)
    add_run(db, bob.org_id, None, cost=9.0)  # someone else's
    response = await client.get(
        "/api/v1/analytics/overview", params={"preset": "24h", "tz": "Europe/Paris"},
        headers=alice_headers,
    )  # fmt: skip
    assert response.status_code == 200, response.text
    summary = response.json()["summary"]
    assert (summary["runs"], summary["failed"], summary["cost_usd"]) == (2, 1, 0.75)
    assert response.headers["X-RateLimit-Limit"]
    exported = await client.get(
        "/api/v1/analytics/export", params={"dataset": "runs", "format": "csv", "preset": "24h"},
        headers=alice_headers,
    )  # fmt: skip
    assert exported.status_code == 200
    assert "attachment" in exported.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(exported.text)))
    assert sorted(r["status"] for r in rows) == ["failed", "succeeded"]
    assert {r["workflow"] for r in rows} == {"Greeting"}
    chart = await client.get(
        "/api/v1/analytics/export",
        params={"dataset": "cost_by_model", "format": "json", "preset": "24h"},
        headers=alice_headers,
    )
    assert sum(row["cost_usd"] for row in json.loads(chart.text)) == 0.75
    detail = await client.get(f"/api/v1/analytics/workflows/{workflow_id}", headers=alice_headers)
    assert detail.json()["errors_by_type"] == [{"error_type": "llm.rate_limit", "failures": 1}]
    bob_key = new_key(db, bob, "read")
    hidden = await client.get(f"/api/v1/analytics/workflows/{workflow_id}", headers=bearer(bob_key))
    missing = await client.get(
        f"/api/v1/analytics/workflows/{uuid.uuid4()}", headers=bearer(bob_key)
    )
    assert hidden.status_code == missing.status_code == 404
    assert hidden.json() == missing.json()
    bad = await client.get(
        "/api/v1/analytics/overview", params={"tz": "Mars/Olympus"}, headers=alice_headers
    )
    assert bad.status_code == 422 and bad.json()["error"]["type"] == "validation"


async def test_a_used_up_budget_answers_402_budget_exceeded(
    client: httpx.AsyncClient, env: dict[str, str], alice: Person,
    alice_headers: dict[str, str], alice_cookie: dict[str, str],
) -> None:  # fmt: skip
    workflow_id = await create_workflow(client, alice_headers, publish=True)
    client.cookies.update(alice_cookie)
    set_budget = await client.put(
        "/api/v1/budgets", json={"monthly_limit_usd": 0.5, "workflow_id": workflow_id},
        headers={"Origin": "https://agentflow.test"},
    )  # fmt: skip
    assert set_budget.status_code == 200, set_budget.text
    client.cookies.clear()
    add_run(env["database_url"], alice.org_id, uuid.UUID(workflow_id), cost=0.5)
    refused = await client.post(
        f"/api/v1/workflows/{workflow_id}/runs", json={"input": {"who": "Ada"}},
        headers=alice_headers,
    )  # fmt: skip
    assert refused.status_code == 402
    error = refused.json()["error"]
    assert error["type"] == "budget_exceeded"
    assert "monthly budget of $0.50 is used up" in error["message"]
    assert error["details"]["limit_usd"] == 0.5
    listed = await client.get("/api/v1/budgets", headers=alice_headers)
    [budget] = listed.json()["items"]
    assert (budget["state"], budget["scope"], budget["spent_usd"]) == ("exceeded", "Greeting", 0.5)


async def test_alert_rules_over_the_api(
    client: httpx.AsyncClient, alice_headers: dict[str, str], alice_cookie: dict[str, str]
) -> None:
    client.cookies.update(alice_cookie)
    origin = {"Origin": "https://agentflow.test"}
    created = await client.post(
        "/api/v1/alerts/rules",
        json={"name": "Costly", "metric": "cost_usd", "threshold": 10, "window_minutes": 60},
        headers=origin,
    )
    assert created.status_code == 201, created.text
    sneaky = await client.post(
        "/api/v1/alerts/rules",
        json={"name": "x", "metric": "cost_usd", "threshold": 1, "org_id": str(uuid.uuid4())},
        headers=origin,
    )
    assert sneaky.status_code == 422
    client.cookies.clear()
    rules = await client.get("/api/v1/alerts/rules", headers=alice_headers)
    assert [rule["name"] for rule in rules.json()["items"]] == ["Costly"]
    history = await client.get("/api/v1/alerts/history", headers=alice_headers)
    assert history.json() == {"items": []}
