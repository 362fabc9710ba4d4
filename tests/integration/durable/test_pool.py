"""Runs on the worker pool: submission, waiting without a worker, rerun, cancellation,
events."""

from __future__ import annotations

import asyncio
import uuid

import msgpack
import redis

from agentflow.db.engine import session_scope
from agentflow.db.leases import acquire
from agentflow.db.models import LOCAL_ORG_ID
from agentflow.db.run_store import PostgresRecorder
from agentflow.db.runs import Run
from agentflow.engine.masking import SecretMasker
from agentflow.services.runs.dispatch import cancel_run, decide, rerun_from, start_run
from agentflow.services.runs.events import events_after, follow
from tests.actors import OPERATOR
from tests.integration.conftest import LocalServer, workflow
from tests.integration.durable.conftest import WorkerPool, wait_for_status, wait_for_step


def _lease_owner(database_url: str, run_id: uuid.UUID) -> str | None:
    with session_scope(database_url) as session:
        run = session.get(Run, run_id)
        assert run is not None
        return run.lease_owner


def simple(server: LocalServer) -> dict:  # type: ignore[type-arg]
    return workflow(
        [
            {"id": "fetch", "type": "http", "config": {"url": f"{server.base}/ok"}},
            {
                "id": "done",
                "type": "template",
                "config": {"template": "{{ nodes.fetch.output.status }}"},
            },
        ],
        [("start", "fetch"), ("fetch", "done")],
        output="{{ nodes.done.output }}",
    )


async def test_a_submitted_run_is_queued_with_only_its_id_and_executed(
    workers: WorkerPool, queue, clean_db: str, clean_redis: str, local_server: LocalServer
) -> None:  # type: ignore[no-untyped-def]
    run_id = await start_run(clean_db, queue, simple(local_server), {}, actor=OPERATOR)
    raw = redis.Redis.from_url(clean_redis)
    job_keys = raw.keys("arq:job:*")
    assert len(job_keys) == 1
    payload = msgpack.unpackb(raw.get(job_keys[0]), timestamp=3)
    assert payload["f"] == "execute_run_job"
    assert payload["a"] == [str(run_id)]  # ids in, never objects
    assert payload["k"] == {}
    workers.start(allow=f"127.0.0.1:{local_server.port}")
    view = await wait_for_status(clean_db, run_id, {"succeeded", "failed"})
    assert view["status"] == "succeeded"
    assert view["output"] == "200"
    assert local_server.hits["/ok"] == 1


async def test_waiting_runs_do_not_hold_a_worker(workers: WorkerPool, queue, clean_db: str) -> None:  # type: ignore[no-untyped-def]
    workers.start(max_jobs=1)
    gate = workflow(
        [{"id": "review", "type": "approval", "config": {"message": "ok?"}}],
        [("start", "review")],
    )
    waiting = await start_run(clean_db, queue, gate, {}, actor=OPERATOR)
    await wait_for_status(clean_db, waiting, {"waiting"})
    long_delay = workflow(
        [{"id": "nap", "type": "delay", "config": {"seconds": 2}}], [("start", "nap")]
    )
    napping = await start_run(clean_db, queue, long_delay, {}, actor=OPERATOR)
    view = await wait_for_status(clean_db, napping, {"waiting"})
    assert next(s for s in view["steps"] if s["node"] == "nap")["status"] == "waiting"
    # With one job slot and two waiting runs, a third still runs at once.
    quick = workflow(
        [{"id": "hi", "type": "template", "config": {"template": "hi"}}], [("start", "hi")]
    )
    quick_run = await start_run(clean_db, queue, quick, {}, actor=OPERATOR)
    assert (await wait_for_status(clean_db, quick_run, {"succeeded"}))["output"] == {"hi": "hi"}
    # The delay resumes by itself when it ends; the approval when someone decides.
    await wait_for_status(clean_db, napping, {"succeeded"}, timeout_s=30)
    await decide(clean_db, queue, waiting, "review", approved=True, by="qa", actor=OPERATOR)
    view = await wait_for_status(clean_db, waiting, {"succeeded"})
    assert view["steps"][1]["output"]["by"] == "qa"


async def test_rerun_from_a_step_reuses_everything_upstream(
    workers: WorkerPool, queue, clean_db: str, local_server: LocalServer
) -> None:  # type: ignore[no-untyped-def]
    document = workflow(
        [
            {
                "id": "think",
                "type": "llm",
                "config": {"model": "gpt-4o-mini", "prompt": "hi", "mock_response": "thought"},
            },
            {"id": "fetch", "type": "http", "config": {"url": f"{local_server.base}/ok"}},
            {
                "id": "answer",
                "type": "template",
                "config": {"template": "{{ nodes.think.output.text }} / {{ input.tone }}"},
            },
        ],
        [("start", "think"), ("think", "fetch"), ("fetch", "answer")],
        output="{{ nodes.answer.output }}",
    )
    first = await start_run(clean_db, queue, document, {"tone": "calm"}, actor=OPERATOR)
    workers.start(allow=f"127.0.0.1:{local_server.port}")
    first_view = await wait_for_status(clean_db, first, {"succeeded"})
    assert first_view["output"] == "thought / calm"
    fetch = next(s for s in first_view["steps"] if s["node"] == "fetch")
    think = next(s for s in first_view["steps"] if s["node"] == "think")
    second = await rerun_from(
        clean_db, queue, first, "answer", new_input={"tone": "warm"}, actor=OPERATOR
    )
    view = await wait_for_status(clean_db, second, {"succeeded", "failed"})
    steps = {s["node"]: s for s in view["steps"]}
    # Upstream steps are the recorded ones, not new executions.
    assert steps["think"]["started_at"] == think["started_at"]
    assert steps["fetch"]["started_at"] == fetch["started_at"]
    assert local_server.hits["/ok"] == 1  # the HTTP call was not made again
    assert view["status"] == "succeeded"
    assert view["output"] == "thought / warm"
    assert steps["answer"]["started_at"] > first_view["finished_at"]


async def test_cancelling_queued_running_and_waiting_runs(
    workers: WorkerPool, queue, clean_db: str
) -> None:  # type: ignore[no-untyped-def]
    slow = workflow(
        [{"id": "nap", "type": "delay", "config": {"seconds": 0.9}}]
        + [{"id": f"nap{i}", "type": "delay", "config": {"seconds": 0.9}} for i in range(30)],
        [("start", "nap")] + [("nap" if i == 0 else f"nap{i - 1}", f"nap{i}") for i in range(30)],
    )
    queued = await start_run(clean_db, queue, slow, {}, actor=OPERATOR)
    assert (
        await cancel_run(clean_db, queued, actor=OPERATOR) == "cancelled"
    )  # no worker yet: at once
    workers.start()
    running = await start_run(clean_db, queue, slow, {}, actor=OPERATOR)
    await wait_for_step(clean_db, running, "nap", "running")
    assert await cancel_run(clean_db, running, actor=OPERATOR) == "cancelling"
    view = await wait_for_status(clean_db, running, {"cancelled"}, timeout_s=10)
    assert view["error"]["type"] == "cancelled"
    assert any(s["status"] == "cancelled" for s in view["steps"])
    gate = workflow(
        [{"id": "review", "type": "approval", "config": {"message": "ok?"}}],
        [("start", "review")],
    )
    waiting = await start_run(clean_db, queue, gate, {}, actor=OPERATOR)
    await wait_for_status(clean_db, waiting, {"waiting"})
    assert await cancel_run(clean_db, waiting, actor=OPERATOR) == "cancelled"
    view = await wait_for_status(clean_db, waiting, {"cancelled"})
    assert view["steps"][-1]["status"] == "cancelled"


async def test_a_pausing_run_gives_up_its_lease_with_the_waiting_status(
    queue, clean_db: str
) -> None:  # type: ignore[no-untyped-def]
    run_id = await start_run(clean_db, queue, workflow([], []), {}, actor=OPERATOR)
    lease = acquire(clean_db, run_id, "worker:1", ttl_s=30)
    assert lease is not None and _lease_owner(clean_db, run_id) == "worker:1"
    recorder = PostgresRecorder(clean_db, LOCAL_ORG_ID, SecretMasker([]), lease.token)
    await recorder.run_changed(str(run_id), "waiting")
    # The worker has not released anything yet, and the run is already free:
    # a cancel right now is final instead of "cancelling".
    assert _lease_owner(clean_db, run_id) is None
    assert await cancel_run(clean_db, run_id, actor=OPERATOR) == "cancelled"


async def test_events_are_ordered_and_a_follower_resumes_after_its_last_id(
    workers: WorkerPool, queue, clean_db: str, clean_redis: str
) -> None:  # type: ignore[no-untyped-def]
    document = workflow(
        [
            {"id": "a", "type": "delay", "config": {"seconds": 0.2}},
            {"id": "b", "type": "template", "config": {"template": "b"}},
        ],
        [("start", "a"), ("a", "b")],
    )
    run_id = await start_run(clean_db, queue, document, {}, actor=OPERATOR)
    workers.start()
    seen = [event async for event in follow(clean_db, clean_redis, run_id, org_id=LOCAL_ORG_ID)]
    ids = [event["id"] for event in seen]
    assert ids == sorted(ids) and len(set(ids)) == len(ids)
    assert (seen[-1]["kind"], seen[-1]["status"]) == ("run", "succeeded")
    step_events = [(e["node"], e["status"]) for e in seen if e["kind"] == "step"]
    assert step_events.index(("a", "succeeded")) < step_events.index(("b", "running"))
    middle = ids[len(ids) // 2]
    resumed = [
        event
        async for event in follow(clean_db, clean_redis, run_id, after=middle, org_id=LOCAL_ORG_ID)
    ]
    assert [event["id"] for event in resumed] == [i for i in ids if i > middle]
    assert events_after(clean_db, run_id, ids[-1], org_id=LOCAL_ORG_ID) == []


async def test_an_unknown_run_is_not_found(clean_db: str) -> None:
    import pytest

    from agentflow.services.runs.lifecycle import RunNotFound

    with pytest.raises(RunNotFound):
        await cancel_run(clean_db, uuid.uuid4(), actor=OPERATOR)
    await asyncio.sleep(0)
