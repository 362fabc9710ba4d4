"""The failed-runs view: filters, the failed step, and bulk rerun from it."""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select, update
from sqlmodel import col

from agentflow.db.engine import session_scope
from agentflow.db.runs import Run, Step
from agentflow.errors import Forbidden, InvalidInput
from agentflow.services.runs.failed_runs import FailedFilter, bulk_rerun, list_failed
from agentflow.services.runs.lifecycle import create_run
from agentflow.services.tenancy import audit
from agentflow.services.tenancy.permissions import Actor, Role

DOCUMENT = {
    "format": "agentflow/v1",
    "name": "Pipeline",
    "nodes": [
        {"id": "start", "type": "trigger", "config": {"kind": "manual"}},
        {"id": "prepare", "type": "set", "config": {"values": {"x": 1}}},
        {"id": "call", "type": "http", "config": {"url": "https://example.com/api"}},
    ],
    "edges": [{"source": "start", "target": "prepare"}, {"source": "prepare", "target": "call"}],
}


def failed_run(
    database_url: str,
    org_id: uuid.UUID,
    *,
    trigger: str = "manual",
    error: str = "HTTP 503 from the API",
    status: str = "failed",
) -> uuid.UUID:
    run_id = create_run(database_url, DOCUMENT, {}, org_id=org_id, trigger=trigger)
    now = datetime.now(UTC)
    with session_scope(database_url) as session:
        session.execute(
            update(Run)
            .where(col(Run.id) == run_id)
            .values(status=status, error={"type": "http.status", "message": error})
        )
        for offset, (node, step_status) in enumerate(
            [("start", "succeeded"), ("prepare", "succeeded"), ("call", "failed")]
        ):
            session.add(
                Step(
                    org_id=org_id,
                    run_id=run_id,
                    node_id=node,
                    status=step_status,
                    attempts=1,
                    started_at=now + timedelta(seconds=offset),
                    finished_at=now + timedelta(seconds=offset),
                    output={"x": 1} if step_status == "succeeded" else None,
                )
            )
    return run_id


def test_the_list_shows_failed_and_timed_out_runs_with_filters(
    clean_db: str, make_org: Callable[..., Actor]
) -> None:
    alice, bob = make_org(), make_org()
    first = failed_run(clean_db, alice.org_id)
    timed_out = failed_run(clean_db, alice.org_id, status="timed_out", trigger="schedule")
    create_run(clean_db, DOCUMENT, {}, org_id=alice.org_id)  # queued: not a failure
    failed_run(clean_db, bob.org_id)

    page = list_failed(clean_db, alice, FailedFilter())
    assert page.total == 2
    assert {row["run_id"] for row in page.rows} == {str(first), str(timed_out)}
    assert {row["failed_node"] for row in page.rows} == {"call"}
    only_scheduled = list_failed(clean_db, alice, FailedFilter(trigger="schedule"))
    assert [row["run_id"] for row in only_scheduled.rows] == [str(timed_out)]
    assert list_failed(clean_db, alice, FailedFilter(error="503")).total == 2
    assert list_failed(clean_db, alice, FailedFilter(error="quota")).total == 0
    tomorrow = datetime.now(UTC) + timedelta(days=1)
    assert list_failed(clean_db, alice, FailedFilter(since=tomorrow)).total == 0


async def test_bulk_rerun_restarts_each_run_from_its_failed_step(
    clean_db: str, make_org: Callable[..., Actor], queue: Any
) -> None:
    alice, bob = make_org(), make_org()
    runs = [failed_run(clean_db, alice.org_id) for _ in range(3)]
    bobs = failed_run(clean_db, bob.org_id)
    ok = create_run(clean_db, DOCUMENT, {}, org_id=alice.org_id)

    result = await bulk_rerun(clean_db, queue, alice, [*runs, runs[0], bobs, ok])
    assert [old for old, _ in result.started] == runs
    assert dict(result.refused) == {
        bobs: f"run {bobs} was not found",
        ok: "the run queued: only failed runs",
    }
    with session_scope(clean_db) as session:
        for old, new in result.started:
            run = session.get(Run, new)
            assert run is not None
            assert (run.rerun_of, run.rerun_from, run.status, run.org_id) == (
                old, "call", "queued", alice.org_id,
            )  # fmt: skip
            reused = session.execute(
                select(col(Step.node_id)).where(col(Step.run_id) == new)
            ).scalars()
            assert sorted(reused) == ["prepare", "start"]
    entries = audit.query(clean_db, alice, action="run.rerun")
    assert len(entries) == 3 and all(e.details and e.details["bulk"] for e in entries)


async def test_bulk_rerun_needs_permission_and_a_bounded_selection(
    clean_db: str, admin: Actor, queue: Any
) -> None:
    viewer = dataclasses.replace(admin, role=Role.VIEWER)
    with pytest.raises(Forbidden):
        await bulk_rerun(clean_db, queue, viewer, [uuid.uuid4()])
    with pytest.raises(InvalidInput):
        await bulk_rerun(clean_db, queue, admin, [])
    with pytest.raises(InvalidInput):
        await bulk_rerun(clean_db, queue, admin, [uuid.uuid4() for _ in range(101)])
