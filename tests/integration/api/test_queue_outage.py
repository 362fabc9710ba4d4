"""One queue client per web process; with Redis down, what needs the queue answers 503."""

from __future__ import annotations

import asyncio

import httpx
import pytest
import redis
from fastapi import FastAPI
from sqlalchemy import func, select

from agentflow import queue as queue_module
from agentflow.db.engine import session_scope
from agentflow.db.runs import Run
from agentflow.settings import get_settings
from state.pages.system import state as system
from state.web import api_v1
from tests.conftest import free_port
from tests.integration.api.conftest import create_workflow


def stored_runs(database_url: str) -> int:
    with session_scope(database_url) as session:
        return int(session.execute(select(func.count()).select_from(Run)).scalar_one())


async def test_requests_share_one_queue_client(
    client: httpx.AsyncClient, alice_headers: dict[str, str], env: dict[str, str]
) -> None:
    workflow_id = await create_workflow(client, alice_headers, publish=True)
    for _ in range(5):
        started = await client.post(
            f"/api/v1/workflows/{workflow_id}/runs",
            json={"input": {"who": "Ada"}},
            headers=alice_headers,
        )
        assert started.status_code == 202, started.text
    loop = asyncio.get_running_loop()
    assert list(queue_module._shared[loop]) == [env["redis_url"]]  # one client, reused
    shared = queue_module.shared_queue(env["redis_url"])
    # Its pool opened one connection for five sequential requests, not one per request.
    assert len(shared.connection_pool._available_connections) == 1
    assert len(redis.Redis.from_url(env["redis_url"]).keys("arq:job:*")) == 5


@pytest.fixture
def redis_down(env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> str:
    """Point the web process at a Redis that is not there (a port nothing listens on)."""
    url = f"redis://127.0.0.1:{free_port()}/0"
    monkeypatch.setenv("REDIS_URL", url)
    get_settings.cache_clear()
    return url


async def test_with_redis_down_starting_a_run_answers_503_and_stores_nothing(
    client: httpx.AsyncClient, alice_headers: dict[str, str], env: dict[str, str], redis_down: str
) -> None:
    workflow_id = await create_workflow(client, alice_headers, publish=True)
    before = stored_runs(env["database_url"])
    started = await client.post(
        f"/api/v1/workflows/{workflow_id}/runs",
        json={"input": {"who": "Ada"}},
        headers=alice_headers,
    )
    assert started.status_code == 503, started.text
    error = started.json()["error"]
    assert error["type"] == "queue_unavailable"
    assert "Redis is unreachable" in error["message"]
    assert started.headers["retry-after"] == "5"
    assert stored_runs(env["database_url"]) == before
    # Reading does not need the queue: it still works while Redis is down.
    listed = await client.get("/api/v1/workflows", headers=alice_headers)
    assert listed.status_code == 200


async def test_health_says_why_while_redis_is_down(env: dict[str, str], redis_down: str) -> None:
    api = FastAPI()
    api.include_router(system.router)
    api_v1.install_error_handlers(api)
    transport = httpx.ASGITransport(app=api)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        health = (await client.get("/api/health")).json()
    assert health["status"] == "degraded"
    assert health["redis"]["ok"] is False
    assert health["redis"]["detail"].startswith("unreachable")
    assert health["database"]["ok"] is True
