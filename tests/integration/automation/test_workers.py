"""Real `agentflow worker` processes: schedules fire once with two workers, and a run's
outcome reaches subscribers (signed) and the notifications list."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import func, select, update
from sqlmodel import col

from agentflow.db.automation import Schedule, ScheduleTick
from agentflow.db.engine import session_scope
from agentflow.db.runs import Run
from agentflow.services.delivery import notifications, outgoing, outgoing_log
from agentflow.services.delivery.outgoing_delivery import verify
from agentflow.services.runs.dispatch import decide, start_run
from agentflow.services.tenancy.permissions import Actor
from tests.actors import operator
from tests.conftest import wait_for

from .conftest import Receiver, published_workflow, schedule_document

SCHEDULES = 12


def _status(database_url: str, run_id: uuid.UUID) -> str:
    with session_scope(database_url) as session:
        run = session.get(Run, run_id)
        return run.status if run else "missing"


async def wait_for_status(database_url: str, run_id: uuid.UUID, status: str) -> None:
    await asyncio.to_thread(wait_for, lambda: _status(database_url, run_id) == status, 60)


def _counts(database_url: str) -> tuple[int, int, int]:
    with session_scope(database_url) as session:
        runs = session.execute(
            select(func.count()).select_from(Run).where(col(Run.trigger) == "schedule")
        ).scalar_one()
        done = session.execute(
            select(func.count())
            .select_from(Run)
            .where(col(Run.trigger) == "schedule", col(Run.status) == "succeeded")
        ).scalar_one()
        ticks = session.execute(select(func.count()).select_from(ScheduleTick)).scalar_one()
    return int(runs), int(done), int(ticks)


async def test_two_workers_start_exactly_one_run_per_tick(
    clean_db: str,
    clean_redis: str,
    make_org: Callable[..., Actor],
    workers: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("AGENTFLOW_SCHEDULE_POLL_S", "0.1")
    admin = make_org()
    # Yearly schedules whose tick of this year is due: each worker sees every one of
    # them due on every round until one worker claims it.
    this_year = datetime(datetime.now(UTC).year, 1, 1, tzinfo=UTC)
    workflow_ids = [
        published_workflow(clean_db, admin.org_id, schedule_document("0 0 1 1 *", "UTC"))
        for _ in range(SCHEDULES)
    ]
    with session_scope(clean_db) as session:
        session.execute(
            update(Schedule)
            .where(col(Schedule.workflow_id).in_(workflow_ids))
            .values(next_run_at=this_year)
        )
    workers.start()
    workers.start()
    wait_for(lambda: _counts(clean_db)[1] == SCHEDULES, timeout_s=90)
    await asyncio.sleep(1.0)  # ten more rounds of both workers' scheduler loops
    assert _counts(clean_db) == (SCHEDULES, SCHEDULES, SCHEDULES)
    with session_scope(clean_db) as session:
        per_schedule = session.execute(
            select(
                col(ScheduleTick.schedule_id), func.count(), func.min(ScheduleTick.tick_at)
            ).group_by(col(ScheduleTick.schedule_id))
        ).all()
        pending = session.execute(select(col(Schedule.next_run_at))).scalars().all()
    assert len(per_schedule) == SCHEDULES
    assert {(count, tick) for _, count, tick in per_schedule} == {(1, this_year)}
    assert all(moment == this_year.replace(year=this_year.year + 1) for moment in pending)


async def test_run_outcomes_reach_subscribers_and_notifications(
    clean_db: str,
    clean_redis: str,
    make_org: Callable[..., Actor],
    workers: Any,
    receiver: Receiver,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from agentflow.queue import connect

    admin = make_org()
    created = outgoing.create_subscription(
        clean_db,
        admin,
        {"url": receiver.url, "events": ["run.succeeded", "run.failed", "run.waiting"]},
    )
    workers.start(allow="127.0.0.1")
    ok = {
        "format": "agentflow/v1",
        "name": "Fine",
        "nodes": [
            {"id": "start", "type": "trigger", "config": {"kind": "manual"}},
            {"id": "set", "type": "set", "config": {"values": {"answer": 42}}},
        ],
        "edges": [{"source": "start", "target": "set"}],
    }
    broken = {
        **ok,
        "name": "Broken",
        "nodes": [
            ok["nodes"][0],
            {"id": "call", "type": "http", "config": {"url": "http://169.254.169.254/x"}},
        ],
        "edges": [{"source": "start", "target": "call"}],
    }
    approval = {
        **ok,
        "name": "Gate",
        "nodes": [
            ok["nodes"][0],
            {"id": "gate", "type": "approval", "config": {"message": "Ship it?"}},
        ],
        "edges": [{"source": "start", "target": "gate"}],
    }
    queue = await connect(clean_redis)
    try:
        runs = {
            name: await start_run(clean_db, queue, doc, {}, actor=operator(admin.org_id))
            for name, doc in (("ok", ok), ("broken", broken), ("gate", approval))
        }
        await wait_for_status(clean_db, runs["ok"], "succeeded")
        await wait_for_status(clean_db, runs["broken"], "failed")
        await wait_for_status(clean_db, runs["gate"], "waiting")
        wait_for(lambda: len(receiver.received) == 3, timeout_s=60)
        sent = {json.loads(body)["event"]: (headers, body) for headers, body in receiver.received}
        assert set(sent) == {"run.succeeded", "run.failed", "run.waiting"}
        for headers, body in sent.values():
            assert verify(created.secret, headers["x-agentflow-signature"], body)
        succeeded = json.loads(sent["run.succeeded"][1])["data"]
        assert succeeded["run_id"] == str(runs["ok"]) and succeeded["output"] == {
            "set": {"answer": 42}
        }
        failed = json.loads(sent["run.failed"][1])["data"]
        assert failed["status"] == "failed" and failed["error"]["type"].startswith("blocked")
        waiting = json.loads(sent["run.waiting"][1])["data"]
        assert waiting["waiting_for"] == {"node": "gate", "message": "Ship it?"}

        notices = {n.kind: n for n in notifications.list_notifications(clean_db, admin)}
        assert set(notices) == {"run.failed", "run.waiting"}
        assert notices["run.failed"].title == "“Broken” failed"
        assert notices["run.failed"].link == f"/executions/{runs['broken']}"
        assert notices["run.waiting"].body == "Ship it?"

        await decide(
            clean_db, queue, runs["gate"], "gate", approved=True, actor=operator(admin.org_id)
        )
        await wait_for_status(clean_db, runs["gate"], "succeeded")
        wait_for(lambda: len(receiver.received) == 4, timeout_s=60)
    finally:
        await queue.aclose()
    wait_for(
        lambda: {d.status for d in outgoing_log.list_deliveries(clean_db, admin)} == {"succeeded"}
    )
    logged = outgoing_log.list_deliveries(clean_db, admin)
    assert sorted(d.event for d in logged) == [
        "run.failed", "run.succeeded", "run.succeeded", "run.waiting",
    ]  # fmt: skip
    assert len(notifications.list_notifications(clean_db, admin)) == 2  # no duplicate notices
