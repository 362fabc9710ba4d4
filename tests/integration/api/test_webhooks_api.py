"""Webhooks: /hooks/<token> starts the latest published version; 404 for anything
unknown; signatures (forged, stale, future, replayed refused); body limit; sync and
async answers; rotation; rate limits."""

from __future__ import annotations

import asyncio
import copy
import hashlib
import time
import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import text

from agentflow.db.engine import get_engine
from agentflow.services.runs.lifecycle import execute_run
from agentflow.services.tenancy import secrets as org_secrets
from agentflow.services.triggers.signatures import HEADER, sign
from agentflow.settings import get_settings
from state.web import api_v1, hooks
from tests.integration.api.conftest import (
    BASE_URL,
    GREETING,
    Person,
    bearer,
    create_workflow,
    new_key,
)

MIB = 1024 * 1024
SECRET = "a-shared-webhook-secret"


@pytest.fixture
def app(env: dict[str, str]) -> FastAPI:
    api = FastAPI()
    api.include_router(api_v1.router)
    api.include_router(hooks.router)
    api_v1.install_error_handlers(api)
    return api


def hooked(template: str = "Hello {{ input.who }}", **trigger: Any) -> dict[str, Any]:
    document = copy.deepcopy(GREETING)
    document["nodes"][0]["config"] = {"kind": "webhook", **trigger}
    document["nodes"][1]["config"]["template"] = template
    return document


def configure(monkeypatch: pytest.MonkeyPatch, **values: object) -> None:
    for name, value in values.items():
        monkeypatch.setenv(f"AGENTFLOW_{name.upper()}", str(value))
    get_settings.cache_clear()


async def webhook(
    client: httpx.AsyncClient, headers: dict[str, str], workflow_id: str
) -> dict[str, Any]:
    response = await client.get(f"/api/v1/workflows/{workflow_id}/webhook", headers=headers)
    assert response.status_code == 200, response.text
    return dict(response.json())


async def hook_path(client: httpx.AsyncClient, headers: dict[str, str], workflow_id: str) -> str:
    url = (await webhook(client, headers, workflow_id))["url"]
    assert url.startswith(f"{BASE_URL}/hooks/")
    return str(url[len(BASE_URL) :])


def runs(database_url: str) -> list[dict[str, Any]]:
    with get_engine(database_url).connect() as connection:
        rows = connection.execute(
            text(
                "SELECT id, trigger, workflow_version, input, status, "
                "document->'nodes'->1->'config'->>'template' AS template "
                "FROM runs ORDER BY created_at"
            )
        ).mappings()
        return [dict(row) for row in rows]


async def execute_next_run(database_url: str, org_id: uuid.UUID) -> None:
    """Plays the worker: executes the first queued run as soon as it appears."""
    while True:
        queued = [row["id"] for row in runs(database_url) if row["status"] == "queued"]
        if queued:
            await execute_run(database_url, queued[0], org_id=org_id)
            return
        await asyncio.sleep(0.05)


async def test_a_published_webhook_workflow_starts_its_latest_version(
    client: httpx.AsyncClient, alice_headers: dict[str, str], env: dict[str, str]
) -> None:
    workflow_id = await create_workflow(client, alice_headers, hooked())
    before = await webhook(client, alice_headers, workflow_id)
    assert before["url"] is None
    assert (before["active"], before["draft_has_webhook"]) == (False, True)

    await client.post(f"/api/v1/workflows/{workflow_id}/publish", headers=alice_headers)
    info = await webhook(client, alice_headers, workflow_id)
    assert (info["active"], info["method"], info["response"], info["signed"]) == (
        True,
        "POST",
        "async",
        False,
    )
    path = await hook_path(client, alice_headers, workflow_id)
    token = path.rsplit("/", 1)[1]
    assert len(token) >= 40

    answer = await client.post(path, json={"who": "Ada"})
    assert answer.status_code == 202, answer.text
    assert answer.json()["status"] == "queued" and answer.json()["workflow_version"] == 1

    changed = hooked("Hi {{ input.who }}")
    await client.put(
        f"/api/v1/workflows/{workflow_id}", json={"document": changed}, headers=alice_headers
    )
    await client.post(f"/api/v1/workflows/{workflow_id}/publish", headers=alice_headers)
    assert await hook_path(client, alice_headers, workflow_id) == path  # the URL stays
    second = await client.post(path, json={"who": "Bo"})
    assert second.json()["workflow_version"] == 2

    stored = runs(env["database_url"])
    assert [(r["trigger"], r["workflow_version"], r["input"], r["template"]) for r in stored] == [
        ("webhook", 1, {"who": "Ada"}, "Hello {{ input.who }}"),
        ("webhook", 2, {"who": "Bo"}, "Hi {{ input.who }}"),
    ]
    assert str(stored[0]["id"]) == answer.json()["run_id"]
    with get_engine(env["database_url"]).connect() as connection:
        audited = connection.execute(
            text(
                "SELECT actor_type, actor_label, target_id FROM audit_events "
                "WHERE action = 'run.start' ORDER BY id"
            )
        ).all()
        # Runs a webhook starts are in the audit trail, by AgentFlow itself.
        assert [tuple(a) for a in audited] == [("system", "webhook", str(r["id"])) for r in stored]
        row = connection.execute(
            text("SELECT token_hash, token_ciphertext FROM webhook_endpoints")
        ).one()
    assert row.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token.encode() not in bytes(row.token_ciphertext)


async def test_unknown_rotated_and_inactive_tokens_get_the_same_404(
    client: httpx.AsyncClient, alice_headers: dict[str, str], alice: Person, env: dict[str, str]
) -> None:
    workflow_id = await create_workflow(client, alice_headers, hooked(), publish=True)
    old_path = await hook_path(client, alice_headers, workflow_id)
    rotated = await client.post(
        f"/api/v1/workflows/{workflow_id}/webhook/rotate", headers=alice_headers
    )
    assert rotated.status_code == 200
    new_path = rotated.json()["url"][len(BASE_URL) :]
    assert new_path != old_path
    assert (await client.post(new_path, json={"who": "Ada"})).status_code == 202

    inactive_id = await create_workflow(client, alice_headers, hooked(), publish=True)
    inactive_path = await hook_path(client, alice_headers, inactive_id)
    await client.put(
        f"/api/v1/workflows/{inactive_id}", json={"document": GREETING}, headers=alice_headers
    )
    await client.post(f"/api/v1/workflows/{inactive_id}/publish", headers=alice_headers)
    assert (await webhook(client, alice_headers, inactive_id))["active"] is False

    answers = []
    for path in (
        old_path,
        inactive_path,
        "/hooks/" + "A" * 43,
        "/hooks/x",
        "/hooks/" + "%2e%2e" * 3,
    ):
        response = await client.post(path, json={"who": "Ada"})
        answers.append((response.status_code, response.content))
    assert answers[0][0] == 404
    assert all(answer == answers[0] for answer in answers), answers
    assert len(runs(env["database_url"])) == 1

    with get_engine(env["database_url"]).connect() as connection:
        actions = connection.execute(
            text("SELECT action FROM audit_events WHERE org_id = :org AND target_id = :id"),
            {"org": alice.org_id, "id": workflow_id},
        ).scalars()
        assert "webhook.rotate" in set(actions)


async def test_forged_stale_future_and_replayed_signatures_are_refused(
    client: httpx.AsyncClient, alice_headers: dict[str, str], env: dict[str, str]
) -> None:
    workflow_id = await create_workflow(client, alice_headers, hooked(secret=SECRET), publish=True)
    assert (await webhook(client, alice_headers, workflow_id))["signed"] is True
    path = await hook_path(client, alice_headers, workflow_id)
    body = b'{"who": "Ada"}'
    now = int(time.time())

    async def post(signature: str | None) -> httpx.Response:
        headers = {"Content-Type": "application/json"}
        if signature is not None:
            headers[HEADER] = signature
        return await client.post(path, content=body, headers=headers)

    refusals = {
        "missing": None,
        "invalid": sign("not-the-secret", body, now),
        "stale": sign(SECRET, body, now - 301),
        "future": sign(SECRET, body, now + 60),
        "malformed": "v1=" + "0" * 64,
    }
    for reason, signature in refusals.items():
        refused = await post(signature)
        assert refused.status_code == 401, (reason, refused.text)
        assert refused.json()["error"]["type"] == "invalid_signature"
        assert refused.json()["error"]["details"] == {"reason": reason}
    tampered = await client.post(
        path, content=b'{"who": "Eve"}', headers={HEADER: sign(SECRET, body, now)}
    )
    assert tampered.status_code == 401
    assert runs(env["database_url"]) == []

    signature = sign(SECRET, body, now)
    accepted = await post(signature)
    assert accepted.status_code == 202, accepted.text
    replayed = await post(signature)
    assert replayed.status_code == 401
    assert replayed.json()["error"]["details"] == {"reason": "replayed"}
    padded = await post(f"{signature},v1={'f' * 64}")  # a captured header with junk added
    assert padded.json()["error"]["details"] == {"reason": "replayed"}
    assert len(runs(env["database_url"])) == 1
    assert (await post(sign(SECRET, body, now + 1))).status_code == 202  # a new signature


async def test_the_secret_can_be_an_organisation_secret(
    client: httpx.AsyncClient, alice_headers: dict[str, str], alice: Person, env: dict[str, str]
) -> None:
    document = hooked(secret="{{ env.HOOK_SECRET }}")
    workflow_id = await create_workflow(client, alice_headers, document, publish=True)
    path = await hook_path(client, alice_headers, workflow_id)
    body = b'{"who": "Ada"}'
    missing = await client.post(path, content=body, headers={HEADER: sign(SECRET, body)})
    assert missing.status_code == 503
    org_secrets.create_secret(
        env["database_url"], alice.actor(), {"name": "HOOK_SECRET", "value": SECRET}
    )
    literal = await client.post(
        path, content=body, headers={HEADER: sign("{{ env.HOOK_SECRET }}", body)}
    )
    assert literal.status_code == 401
    accepted = await client.post(path, content=body, headers={HEADER: sign(SECRET, body)})
    assert accepted.status_code == 202, accepted.text


async def test_a_body_over_the_limit_gets_413_and_no_run(
    client: httpx.AsyncClient,
    alice_headers: dict[str, str],
    env: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    configure(monkeypatch, webhook_max_body_bytes=MIB)
    workflow_id = await create_workflow(client, alice_headers, hooked(), publish=True)
    path = await hook_path(client, alice_headers, workflow_id)
    big = b'{"who": "' + b"a" * (2 * MIB) + b'"}'

    declared = await client.post(path, content=big, headers={"Content-Type": "application/json"})
    assert declared.status_code == 413
    assert declared.json()["error"]["type"] == "too_large"

    async def chunks() -> AsyncIterator[bytes]:  # no Content-Length: read until the limit
        for start in range(0, len(big), 64 * 1024):
            yield big[start : start + 64 * 1024]

    streamed = await client.post(path, content=chunks())
    assert streamed.status_code == 413
    assert runs(env["database_url"]) == []

    fits = b'{"who": "' + b"a" * (MIB - 100) + b'"}'
    assert (await client.post(path, content=fits)).status_code == 202


async def test_sync_answers_with_the_output_or_with_the_run_id_after_the_limit(
    client: httpx.AsyncClient,
    alice_headers: dict[str, str],
    alice: Person,
    env: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    configure(monkeypatch, webhook_sync_timeout_s=30)
    workflow_id = await create_workflow(
        client, alice_headers, hooked(response="sync"), publish=True
    )
    path = await hook_path(client, alice_headers, workflow_id)
    worker = asyncio.create_task(execute_next_run(env["database_url"], alice.org_id))
    answer = await client.post(path, json={"who": "Ada"})
    await asyncio.wait_for(worker, 30)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert (body["status"], body["output"], body["error"]) == ("succeeded", "Hello Ada", None)
    assert body["run_id"] == str(runs(env["database_url"])[0]["id"])

    configure(monkeypatch, webhook_sync_timeout_s=0.5)
    waited = await client.post(path, json={"who": "Bo"})  # nobody executes it
    assert waited.status_code == 202
    assert waited.json()["status"] == "queued"
    assert waited.json()["run_id"] == str(runs(env["database_url"])[1]["id"])


async def test_method_and_input_are_checked_before_a_run_is_made(
    client: httpx.AsyncClient, alice_headers: dict[str, str], env: dict[str, str]
) -> None:
    workflow_id = await create_workflow(client, alice_headers, hooked(method="PUT"), publish=True)
    path = await hook_path(client, alice_headers, workflow_id)
    wrong_method = await client.post(path, json={"who": "Ada"})
    assert wrong_method.status_code == 405
    assert wrong_method.headers["allow"] == "PUT"
    not_json = await client.put(
        path, content=b"{nope", headers={"Content-Type": "application/json"}
    )
    assert not_json.status_code == 400
    binary = await client.put(
        path, content=b"\xff\xfe", headers={"Content-Type": "application/octet-stream"}
    )
    assert binary.status_code == 400  # not UTF-8
    image = await client.put(path, content=b"GIF89a", headers={"Content-Type": "image/gif"})
    assert image.status_code == 415
    invalid = await client.put(path, json={"name": "no who"})
    assert invalid.status_code == 422
    assert invalid.json()["error"]["type"] == "invalid_input"
    assert runs(env["database_url"]) == []

    by_query = hooked(method="GET")
    by_query["inputs"] = {"type": "object"}
    query_id = await create_workflow(client, alice_headers, by_query, publish=True)
    query_path = await hook_path(client, alice_headers, query_id)
    assert (await client.get(query_path + "?who=Ada&n=1")).status_code == 202
    form = await client.put(path, data={"who": "Form"})
    assert form.status_code == 202
    text_body = hooked(method="POST")
    text_body["inputs"] = {"type": "object"}
    text_id = await create_workflow(client, alice_headers, text_body, publish=True)
    text_path = await hook_path(client, alice_headers, text_id)
    plain = await client.post(text_path, content=b"hi", headers={"Content-Type": "text/plain"})
    assert plain.status_code == 202
    assert [row["input"] for row in runs(env["database_url"])] == [
        {"who": "Ada", "n": "1"},
        {"who": "Form"},
        {"body": "hi"},
    ]


async def test_hooks_are_rate_limited_per_client_and_per_url(
    client: httpx.AsyncClient,
    alice_headers: dict[str, str],
    env: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    workflow_id = await create_workflow(client, alice_headers, hooked(), publish=True)
    path = await hook_path(client, alice_headers, workflow_id)
    configure(monkeypatch, webhook_rate_limit_per_ip=3, webhook_rate_limit_per_hook=100)
    statuses = [(await client.post(path, json={"who": "x"})).status_code for _ in range(4)]
    assert statuses == [202, 202, 202, 429]
    unknown = await client.post("/hooks/" + "B" * 43, json={"who": "x"})
    assert unknown.status_code == 429  # counted before the token is looked up
    assert 1 <= int(unknown.headers["retry-after"]) <= 60
    assert len(runs(env["database_url"])) == 3


async def test_webhook_urls_are_for_editors_of_the_same_org(
    client: httpx.AsyncClient,
    alice_headers: dict[str, str],
    alice: Person,
    bob: Person,
    env: dict[str, str],
) -> None:
    workflow_id = await create_workflow(client, alice_headers, hooked(), publish=True)
    read_only = bearer(new_key(env["database_url"], alice, "read", "run"))
    base = f"/api/v1/workflows/{workflow_id}/webhook"
    assert (await client.get(base, headers=read_only)).status_code == 403
    assert (await client.post(f"{base}/rotate", headers=read_only)).status_code == 403
    bob_headers = bearer(new_key(env["database_url"], bob, "read", "run", "write"))
    for method, url in (("GET", base), ("POST", f"{base}/rotate")):
        theirs = await client.request(method, url, headers=bob_headers)
        nobodys = await client.request(
            method, url.replace(workflow_id, str(uuid.uuid4())), headers=bob_headers
        )
        assert theirs.status_code == nobodys.status_code == 404
        assert theirs.json() == nobodys.json()


async def test_a_url_made_under_another_server_key_still_works_and_can_be_rotated(
    client: httpx.AsyncClient,
    alice_headers: dict[str, str],
    env: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    configure(monkeypatch, secret_key="k" * 40)
    workflow_id = await create_workflow(client, alice_headers, hooked(), publish=True)
    path = await hook_path(client, alice_headers, workflow_id)
    configure(monkeypatch, secret_key="another-server-key-" + "x" * 30)
    info = await webhook(client, alice_headers, workflow_id)
    assert (info["url"], info["unreadable"], info["active"]) == (None, True, True)
    assert (await client.post(path, json={"who": "Ada"})).status_code == 202
    rotated = await client.post(
        f"/api/v1/workflows/{workflow_id}/webhook/rotate", headers=alice_headers
    )
    assert rotated.json()["unreadable"] is False
    assert rotated.json()["url"].startswith(f"{BASE_URL}/hooks/")


async def test_a_used_up_budget_refuses_webhook_runs_with_402(
    client: httpx.AsyncClient, alice_headers: dict[str, str], alice: Person, env: dict[str, str]
) -> None:
    from agentflow.services.governance import budgets
    from tests.integration.analytics.conftest import add_run

    workflow_id = await create_workflow(client, alice_headers, hooked())
    await client.post(f"/api/v1/workflows/{workflow_id}/publish", headers=alice_headers)
    path = await hook_path(client, alice_headers, workflow_id)
    budgets.set_budget(env["database_url"], alice.actor(), {"monthly_limit_usd": 1.0})
    add_run(env["database_url"], alice.org_id, uuid.UUID(workflow_id), cost=1.0)
    before = len(runs(env["database_url"]))
    refused = await client.post(path, json={"who": "Ada"})
    assert refused.status_code == 402, refused.text
    assert refused.json()["error"]["type"] == "budget_exceeded"
    assert len(runs(env["database_url"])) == before  # nothing was stored


@pytest.mark.parametrize("refusal", ["budget", "queue"])
async def test_a_signed_request_refused_before_its_run_was_stored_may_come_again(
    client: httpx.AsyncClient,
    alice_headers: dict[str, str],
    alice: Person,
    env: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
    refusal: str,
) -> None:
    """Whatever refuses a signed request after its signature was accepted (here a used-up
    budget, or a queue that cannot be reached) forgets the signature again, so the
    sender's retry of the very same request is judged afresh, not refused as a replay."""
    from agentflow.queue import QueueUnavailable
    from agentflow.services.governance import budgets
    from agentflow.services.triggers import intake as webhook_intake
    from tests.integration.analytics.conftest import add_run

    database_url = env["database_url"]
    workflow_id = await create_workflow(client, alice_headers, hooked(secret=SECRET), publish=True)
    path = await hook_path(client, alice_headers, workflow_id)
    body = b'{"who": "Ada"}'
    headers = {HEADER: sign(SECRET, body), "Content-Type": "application/json"}
    if refusal == "budget":
        budget = budgets.set_budget(database_url, alice.actor(), {"monthly_limit_usd": 1.0})
        add_run(database_url, alice.org_id, uuid.UUID(workflow_id), cost=1.0)
        refused = await client.post(path, content=body, headers=headers)
        assert (refused.status_code, refused.json()["error"]["type"]) == (402, "budget_exceeded")
        budgets.delete_budget(database_url, alice.actor(), uuid.UUID(budget))
    else:

        async def unreachable(redis_url: str) -> None:
            raise QueueUnavailable(ConnectionError("Redis is restarting"))

        with monkeypatch.context() as patch:
            patch.setattr(webhook_intake, "require_queue", unreachable)
            refused = await client.post(path, content=body, headers=headers)
        assert (refused.status_code, refused.json()["error"]["type"]) == (503, "unavailable")
        assert refused.headers["retry-after"] == "5"
    stored = len(runs(database_url))

    retried = await client.post(path, content=body, headers=headers)
    assert retried.status_code == 202, retried.text
    # The run was stored this time: now the same request is a replay.
    replayed = await client.post(path, content=body, headers=headers)
    assert replayed.status_code == 401
    assert replayed.json()["error"]["details"] == {"reason": "replayed"}
    assert len(runs(database_url)) == stored + 1


async def test_deep_json_and_text_that_cannot_be_stored_get_422_and_no_run(
    client: httpx.AsyncClient, alice_headers: dict[str, str], env: dict[str, str]
) -> None:
    workflow_id = await create_workflow(client, alice_headers, hooked(), publish=True)
    path = await hook_path(client, alice_headers, workflow_id)
    bodies = {
        "input": "[" * 100_000 + "]" * 100_000,  # RecursionError in json.loads before
        "input.who": '{"who": "Ada\\u0000"}',
        "input.note": '{"who": "Ada", "note": "\\ud800"}',
    }
    for field, body in bodies.items():
        refused = await client.post(
            path, content=body, headers={"Content-Type": "application/json"}
        )
        assert refused.status_code == 422, (field, refused.text)
        error = refused.json()["error"]
        assert error["type"] == "invalid_input"
        assert [problem["field"] for problem in error["details"]["problems"]] == [field]
    form = await client.post(path, content=b"who=Ada%00", headers={
        "Content-Type": "application/x-www-form-urlencoded"})  # fmt: skip
    assert form.status_code == 422
    assert (await client.post(f"{path}?who=%00")).status_code == 422
    assert runs(env["database_url"]) == []
