"""A real `agentflow worker` process, its heartbeat, and what /api/health reports."""

from __future__ import annotations

import subprocess
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from agentflow.devservices.common import port_is_free
from agentflow.queue import WORKER_HEARTBEATS_KEY, connect
from agentflow.services.system.health import check_health
from agentflow.settings import get_settings
from tests.conftest import free_port, service_env, wait_for

TTL = 30


def workers_alive(redis_url: str) -> int:
    import redis

    client = redis.Redis.from_url(redis_url)
    try:
        return int(client.zcard(WORKER_HEARTBEATS_KEY))
    finally:
        client.close()


async def test_a_worker_executes_jobs_and_sends_heartbeats(
    worker_process: subprocess.Popen[bytes], clean_redis: str
) -> None:
    wait_for(lambda: workers_alive(clean_redis) == 1)
    pool = await connect(clean_redis)
    try:
        job = await pool.enqueue_job("ping")
        assert job is not None
        result = await job.result(timeout=30)
    finally:
        await pool.aclose()
    assert result["pong"] is True
    assert result["worker"].count(":") == 2


async def test_health_is_ok_with_database_redis_and_a_worker(
    worker_process: subprocess.Popen[bytes], clean_redis: str, database_url: str
) -> None:
    wait_for(lambda: workers_alive(clean_redis) == 1)
    health = await check_health(
        database_url=database_url, redis_url=clean_redis, heartbeat_ttl_s=TTL
    )
    assert health.ok
    assert health.workers.extra == {"alive": 1}


async def test_a_stopped_worker_leaves_the_pool(
    worker_process: subprocess.Popen[bytes], clean_redis: str
) -> None:
    wait_for(lambda: workers_alive(clean_redis) == 1)
    worker_process.terminate()
    worker_process.wait(timeout=15)
    assert workers_alive(clean_redis) == 0


async def test_health_without_workers_is_degraded(clean_redis: str, database_url: str) -> None:
    health = await check_health(
        database_url=database_url, redis_url=clean_redis, heartbeat_ttl_s=TTL
    )
    assert health.database.ok and health.redis.ok
    assert not health.workers.ok
    assert not health.ok


async def test_health_reports_unreachable_redis_and_database(database_url: str) -> None:
    dead_port = free_port()
    assert port_is_free(dead_port)
    health = await check_health(
        database_url=f"postgresql://postgres@127.0.0.1:{dead_port}/agentflow",
        redis_url=f"redis://127.0.0.1:{dead_port}/0",
        heartbeat_ttl_s=TTL,
    )
    assert not health.database.ok and health.database.detail.startswith("unreachable")
    assert not health.redis.ok and health.redis.detail.startswith("unreachable")
    assert health.as_dict()["status"] == "degraded"


@pytest.mark.parametrize("with_worker", [True, False])
async def test_the_health_route_answers_200_or_503(
    request: pytest.FixtureRequest,
    monkeypatch: pytest.MonkeyPatch,
    clean_redis: str,
    database_url: str,
    with_worker: bool,
) -> None:
    from state.pages.system.state import router

    if with_worker:
        request.getfixturevalue("worker_process")
        wait_for(lambda: workers_alive(clean_redis) == 1)
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("REDIS_URL", clean_redis)
    get_settings.cache_clear()
    app = FastAPI()
    app.include_router(router)
    try:
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://test"
        ) as client:
            response = await client.get("/api/health")
    finally:
        get_settings.cache_clear()
    body = response.json()
    assert response.status_code == (200 if with_worker else 503)
    assert body["status"] == ("ok" if with_worker else "degraded")
    assert set(body) == {"status", "database", "redis", "workers"}


def test_doctor_reports_what_is_missing(
    clean_redis: str, database_url: str, tmp_path: Path
) -> None:
    import sys

    from tests.conftest import PROJECT_ROOT

    result = subprocess.run(
        [sys.executable, "-m", "agentflow.cli", "doctor"],
        env=service_env(database_url, clean_redis, tmp_path),
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    lines = {line.split()[1]: line for line in result.stdout.splitlines() if line[:1] != " "}
    assert result.returncode == 1  # no worker is running
    assert lines["database"].startswith("ok")
    assert lines["migrations"].startswith("ok")
    assert lines["workers"].startswith("MISSING")
    assert "fix: start `agentflow worker`" in result.stdout
