"""Every accepted run reaches a terminal outcome, and a step that succeeded is never
executed again: worker crashes, Redis and PostgreSQL restarts, duplicate enqueues.

Each test counts the hits on a local HTTP server the workflow calls.
"""

from __future__ import annotations

import asyncio
import json
import signal
import uuid
from collections import Counter
from pathlib import Path

import redis
from sqlalchemy import text

from agentflow.db.engine import get_engine
from agentflow.db.migrate import upgrade
from agentflow.db.models import LOCAL_ORG_ID
from agentflow.devservices import EmbeddedPostgres, EmbeddedValkey
from agentflow.queue import connect
from agentflow.services.runs.dispatch import enqueue, start_run
from agentflow.services.runs.events import events_after
from agentflow.services.runs.lifecycle import describe_run
from tests.actors import OPERATOR
from tests.integration.conftest import LocalServer, workflow
from tests.integration.durable.conftest import wait_for, wait_for_status, wait_for_step


def three_calls(server: LocalServer, slow_s: float = 2) -> dict:  # type: ignore[type-arg]
    return workflow(
        [
            {"id": "first", "type": "http", "config": {"url": f"{server.base}/ok"}},
            {"id": "slow", "type": "http", "config": {"url": f"{server.base}/slow/{slow_s}"}},
            {"id": "last", "type": "http", "config": {"url": f"{server.base}/status/200"}},
        ],
        [("start", "first"), ("first", "slow"), ("slow", "last")],
    )


def succeeded_events_per_node(database_url: str, run_id: uuid.UUID) -> Counter[str]:
    events = events_after(database_url, run_id, 0, org_id=LOCAL_ORG_ID)
    return Counter(e["node"] for e in events if e["kind"] == "step" and e["status"] == "succeeded")


def lease_owner_pid(database_url: str, run_id: uuid.UUID) -> int:
    with get_engine(database_url).connect() as connection:
        owner = connection.execute(
            text("SELECT lease_owner FROM runs WHERE id = :id"), {"id": run_id}
        ).scalar_one()
    return int(owner.split(":")[1])


async def test_a_killed_worker_s_run_is_finished_by_another_without_redoing_steps(
    workers, queue, clean_db: str, local_server: LocalServer
) -> None:  # type: ignore[no-untyped-def]
    allow = f"127.0.0.1:{local_server.port}"
    first_worker, second_worker = workers.start(allow=allow), workers.start(allow=allow)
    run_id = await start_run(clean_db, queue, three_calls(local_server), {}, actor=OPERATOR)
    await wait_for_step(clean_db, run_id, "slow", "running")
    # Kill only once the slow request has reached the server, so the step is truly
    # in flight (a kill before the request leaves would be a different scenario).
    await asyncio.to_thread(wait_for, lambda: local_server.hits["/slow/2"] == 1)
    owner = lease_owner_pid(clean_db, run_id)
    victim = next(w for w in (first_worker, second_worker) if w.pid == owner)
    survivor = second_worker if victim is first_worker else first_worker
    workers.kill_hard(victim)  # kill -9 in the middle of the slow step
    view = await wait_for_status(clean_db, run_id, {"succeeded", "failed"}, timeout_s=60)
    assert view["status"] == "succeeded"
    assert local_server.hits["/ok"] == 1  # succeeded before the crash: not again
    assert local_server.hits["/status/200"] == 1
    assert local_server.hits["/slow/2"] == 2  # in flight when killed: executed again
    assert succeeded_events_per_node(clean_db, run_id) == {
        "start": 1, "first": 1, "slow": 1, "last": 1,
    }  # fmt: skip
    assert survivor.poll() is None


async def test_the_same_run_enqueued_twice_executes_once(
    workers, queue, clean_db: str, local_server: LocalServer
) -> None:  # type: ignore[no-untyped-def]
    run_id = await start_run(
        clean_db, queue, three_calls(local_server, slow_s=0.3), {}, actor=OPERATOR
    )
    await enqueue(queue, clean_db, run_id)
    await enqueue(queue, clean_db, run_id)
    allow = f"127.0.0.1:{local_server.port}"
    workers.start(allow=allow)
    workers.start(allow=allow)
    view = await wait_for_status(clean_db, run_id, {"succeeded", "failed"})
    await asyncio.sleep(1)  # let any duplicate job get its chance to misbehave
    assert view["status"] == "succeeded"
    assert local_server.hits == Counter({"/ok": 1, "/slow/0.3": 1, "/status/200": 1})
    assert all(step["attempts"] == 1 for step in view["steps"])


async def test_runs_survive_a_redis_restart_and_lost_queue_entries_are_re_enqueued(
    pool_factory, clean_db: str, local_server: LocalServer, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    valkey = EmbeddedValkey(tmp_path / "valkey")
    redis_url = valkey.start()
    try:
        workers = pool_factory(clean_db, redis_url)
        allow = f"127.0.0.1:{local_server.port}"
        worker = workers.start(allow=allow)
        queue = await connect(redis_url)
        run_id = await start_run(
            clean_db, queue, three_calls(local_server, slow_s=3), {}, actor=OPERATOR
        )
        await queue.aclose()
        await wait_for_step(clean_db, run_id, "slow", "running")
        valkey.stop()  # Redis goes away in the middle of the run...
        await asyncio.sleep(2)
        valkey.start()  # ...and comes back
        view = await wait_for_status(clean_db, run_id, {"succeeded", "failed"}, timeout_s=60)
        assert view["status"] == "succeeded"
        assert worker.poll() is None, "the worker must outlive the Redis restart"
        assert local_server.hits["/ok"] == 1

        # A queue entry lost with Redis's data: the run is re-enqueued from PostgreSQL.
        workers.stop_all()
        queue = await connect(redis_url)
        lost = await start_run(
            clean_db, queue, three_calls(local_server, slow_s=0.1), {}, actor=OPERATOR
        )
        await queue.aclose()
        redis.Redis.from_url(redis_url).flushall()
        workers.start(allow=allow)
        view = await wait_for_status(clean_db, lost, {"succeeded", "failed"}, timeout_s=60)
        assert view["status"] == "succeeded"
    finally:
        valkey.stop()


async def test_runs_survive_a_postgresql_restart_with_no_partial_step(
    pool_factory, clean_redis: str, local_server: LocalServer, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    postgres = EmbeddedPostgres(tmp_path / "postgres")
    database_url = postgres.start()
    try:
        upgrade(database_url)
        workers = pool_factory(database_url, clean_redis)
        worker = workers.start(allow=f"127.0.0.1:{local_server.port}")
        queue = await connect(clean_redis)
        run_id = await start_run(
            database_url, queue, three_calls(local_server, slow_s=3), {}, actor=OPERATOR
        )
        await queue.aclose()
        await wait_for_step(database_url, run_id, "slow", "running")
        postgres.stop()  # PostgreSQL restarts while the slow step is in flight
        await asyncio.sleep(1)
        postgres.start()
        view = await wait_for_status(database_url, run_id, {"succeeded", "failed"}, timeout_s=90)
        assert view["status"] == "succeeded", json.dumps(view, default=str)
        assert {step["status"] for step in view["steps"]} == {"succeeded"}
        assert all(step["finished_at"] for step in view["steps"])
        assert succeeded_events_per_node(database_url, run_id) == {
            "start": 1, "first": 1, "slow": 1, "last": 1,
        }  # fmt: skip
        assert local_server.hits["/ok"] == 1
        assert worker.poll() is None
    finally:
        postgres.stop()


async def test_a_paused_worker_cannot_record_anything_after_a_takeover(
    workers, queue, clean_db: str, local_server: LocalServer
) -> None:  # type: ignore[no-untyped-def]
    allow = f"127.0.0.1:{local_server.port}"
    first_worker, second_worker = workers.start(allow=allow), workers.start(allow=allow)
    run_id = await start_run(
        clean_db, queue, three_calls(local_server, slow_s=1), {}, actor=OPERATOR
    )
    await wait_for_step(clean_db, run_id, "slow", "running")
    await asyncio.to_thread(wait_for, lambda: local_server.hits["/slow/1"] == 1)
    owner = lease_owner_pid(clean_db, run_id)
    paused = next(w for w in (first_worker, second_worker) if w.pid == owner)
    paused.send_signal(signal.SIGSTOP)  # frozen mid-step, lease still "held"
    try:
        view = await wait_for_status(clean_db, run_id, {"succeeded", "failed"}, timeout_s=60)
    finally:
        paused.send_signal(signal.SIGCONT)  # wakes up holding a stale fencing token
    await asyncio.sleep(2)  # its slow response arrives; its write must be refused
    after = await asyncio.to_thread(describe_run, clean_db, run_id, org_id=LOCAL_ORG_ID)
    assert view["status"] == after["status"] == "succeeded"
    assert after["steps"] == view["steps"]  # nothing changed after the takeover
    assert succeeded_events_per_node(clean_db, run_id) == {
        "start": 1, "first": 1, "slow": 1, "last": 1,
    }  # fmt: skip
    assert local_server.hits["/status/200"] == 1  # the paused worker never got further
    assert paused.poll() is None  # it simply stopped working on that run
