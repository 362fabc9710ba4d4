"""Schedules: synced from publishing, fired exactly once per tick, missed ticks, pausing."""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select, update
from sqlmodel import col

from agentflow.db.automation import Schedule, ScheduleTick
from agentflow.db.engine import session_scope
from agentflow.db.runs import Run
from agentflow.errors import Forbidden, NotFound
from agentflow.services.delivery import notifications
from agentflow.services.delivery.automation_hooks import after_run_settled
from agentflow.services.tenancy import audit
from agentflow.services.tenancy.permissions import Actor, Role
from agentflow.services.triggers import schedules
from agentflow.services.triggers.scheduler import claim_due
from agentflow.services.workflows import management as workflows
from agentflow.settings import get_settings

from .conftest import published_workflow, schedule_document

NOW = datetime(2026, 6, 1, 7, 0, 5, tzinfo=UTC)  # a Monday, 09:00:05 in Paris


def _schedule(database_url: str, workflow_id: uuid.UUID) -> Schedule:
    with session_scope(database_url) as session:
        row = session.execute(
            select(Schedule).where(col(Schedule.workflow_id) == workflow_id)
        ).scalar_one()
        session.expunge(row)
        return row


def _set_next(database_url: str, schedule_id: uuid.UUID, moment: datetime) -> None:
    with session_scope(database_url) as session:
        session.execute(
            update(Schedule).where(col(Schedule.id) == schedule_id).values(next_run_at=moment)
        )


def _runs(database_url: str, workflow_id: uuid.UUID) -> list[Run]:
    with session_scope(database_url) as session:
        rows = list(
            session.execute(select(Run).where(col(Run.workflow_id) == workflow_id)).scalars()
        )
        for row in rows:
            session.expunge(row)
        return rows


def test_publishing_creates_updates_and_removes_schedules(clean_db: str, admin: Actor) -> None:
    workflow_id = published_workflow(clean_db, admin.org_id, schedule_document())
    [info] = schedules.list_schedules(clean_db, admin)
    assert (info.node_id, info.cron, info.timezone, info.enabled) == (
        "tick", "0 9 * * 1-5", "Europe/Paris", True,
    )  # fmt: skip
    assert info.description == "At 09:00, Monday through Friday (Europe/Paris)"
    assert len(info.upcoming) == 5
    assert all(moment.astimezone(info_zone()).hour == 9 for moment in info.upcoming)
    assert all(moment.astimezone(info_zone()).weekday() < 5 for moment in info.upcoming)

    workflows.save_draft(
        clean_db, workflow_id, schedule_document("@hourly", "UTC"), org_id=admin.org_id
    )
    assert schedules.list_schedules(clean_db, admin)[0].cron == "0 9 * * 1-5"  # drafts do not count
    workflows.publish(clean_db, workflow_id, org_id=admin.org_id)
    [info] = schedules.list_schedules(clean_db, admin)
    assert (info.cron, info.timezone) == ("@hourly", "UTC")
    assert info.next_run_at is not None and info.next_run_at.minute == 0

    manual = schedule_document()
    manual["nodes"][0]["config"] = {"kind": "manual"}  # type: ignore[index]
    workflows.save_draft(clean_db, workflow_id, manual, org_id=admin.org_id)
    workflows.publish(clean_db, workflow_id, org_id=admin.org_id)
    assert schedules.list_schedules(clean_db, admin) == []


def info_zone():  # type: ignore[no-untyped-def]
    from zoneinfo import ZoneInfo

    return ZoneInfo("Europe/Paris")


def test_an_invalid_cron_cannot_be_published(clean_db: str, admin: Actor) -> None:
    with pytest.raises(workflows.InvalidWorkflow) as refused:
        published_workflow(clean_db, admin.org_id, schedule_document("61 * * * *"))
    assert "minute" in refused.value.message
    assert schedules.list_schedules(clean_db, admin) == []


def test_a_due_tick_fires_once_even_when_many_workers_claim_at_once(
    clean_db: str, admin: Actor
) -> None:
    workflow_id = published_workflow(clean_db, admin.org_id, schedule_document())
    schedule = _schedule(clean_db, workflow_id)
    tick = datetime(2026, 6, 1, 7, 0, tzinfo=UTC)
    _set_next(clean_db, schedule.id, tick)

    def claim(worker: int) -> list[uuid.UUID]:
        return claim_due(clean_db, worker=f"w{worker}", now=NOW).run_ids

    with ThreadPoolExecutor(8) as pool:
        fired = [run for runs in pool.map(claim, range(16)) for run in runs]
    [run] = _runs(clean_db, workflow_id)
    assert fired == [run.id]
    assert (run.trigger, run.status, run.workflow_version, run.input) == (
        "schedule",
        "queued",
        1,
        {},
    )
    after = _schedule(clean_db, workflow_id)
    assert after.next_run_at == datetime(2026, 6, 2, 7, 0, tzinfo=UTC)
    assert (after.last_tick_at, after.last_run_id) == (tick, run.id)


def test_a_fired_tick_written_back_by_a_slow_clock_does_not_fire_again(
    clean_db: str, admin: Actor
) -> None:
    workflow_id = published_workflow(clean_db, admin.org_id, schedule_document())
    schedule = _schedule(clean_db, workflow_id)
    tick = datetime(2026, 6, 1, 7, 0, tzinfo=UTC)
    _set_next(clean_db, schedule.id, tick)
    assert len(claim_due(clean_db, now=NOW).run_ids) == 1
    _set_next(clean_db, schedule.id, tick)  # e.g. a web process 30 s behind re-synced it
    assert claim_due(clean_db, now=NOW + timedelta(seconds=2)).run_ids == []
    assert len(_runs(clean_db, workflow_id)) == 1
    assert _schedule(clean_db, workflow_id).next_run_at == datetime(2026, 6, 2, 7, 0, tzinfo=UTC)


def test_scheduled_runs_execute_the_latest_published_version(clean_db: str, admin: Actor) -> None:
    workflow_id = published_workflow(clean_db, admin.org_id, schedule_document())
    document = schedule_document()
    document["nodes"][1]["config"] = {"values": {"done": "v2"}}  # type: ignore[index]
    workflows.save_draft(clean_db, workflow_id, document, org_id=admin.org_id)
    workflows.publish(clean_db, workflow_id, org_id=admin.org_id)
    workflows.save_draft(
        clean_db,
        workflow_id,
        schedule_document("0 9 * * 1-5", "Europe/Paris", description="draft"),
        org_id=admin.org_id,
    )
    _set_next(clean_db, _schedule(clean_db, workflow_id).id, datetime(2026, 6, 1, 7, 0, tzinfo=UTC))
    claim_due(clean_db, now=NOW)
    [run] = _runs(clean_db, workflow_id)
    assert run.workflow_version == 2
    assert run.document["nodes"][1]["config"]["values"] == {"done": "v2"}
    [entry] = [e for e in audit.query(clean_db, admin, action="run.start")]
    assert (entry.actor_type, entry.actor_label, entry.target_id) == (
        "system",
        "schedule",
        str(run.id),
    )


def test_a_scheduled_run_gets_its_trigger_s_input(clean_db: str, admin: Actor) -> None:
    document = schedule_document(
        inputs={
            "type": "object",
            "properties": {"team": {"type": "string"}},
            "required": ["team"],
        }
    )
    document["nodes"][0]["config"]["input"] = {"team": "ops"}  # type: ignore[index]
    workflow_id = published_workflow(clean_db, admin.org_id, document)
    _set_next(clean_db, _schedule(clean_db, workflow_id).id, datetime(2026, 6, 1, 7, 0, tzinfo=UTC))
    claim_due(clean_db, now=NOW)
    [run] = _runs(clean_db, workflow_id)
    assert run.input == {"team": "ops"}

    document["nodes"][0]["config"]["input"] = {"team": 7}  # type: ignore[index]
    workflows.save_draft(clean_db, workflow_id, document, org_id=admin.org_id)
    with pytest.raises(workflows.InvalidWorkflow, match=r"config\.input does not match"):
        workflows.publish(clean_db, workflow_id, org_id=admin.org_id)


@pytest.mark.parametrize(
    ("policy", "expected_runs"), [("skip", 0), ("run_once", 1)], ids=["skip", "run_once"]
)
def test_ticks_missed_while_everything_was_down(
    clean_db: str, admin: Actor, policy: str, expected_runs: int
) -> None:
    workflow_id = published_workflow(
        clean_db, admin.org_id, schedule_document("*/5 * * * *", "UTC")
    )
    schedule = _schedule(clean_db, workflow_id)
    down_since = NOW - timedelta(hours=3)  # 36 ticks missed, the latest 2 min 5 s ago
    _set_next(clean_db, schedule.id, down_since.replace(second=0) + timedelta(minutes=5))
    late = NOW + timedelta(minutes=2)
    fired = claim_due(clean_db, now=late, missed_ticks=policy, grace_s=60)  # type: ignore[arg-type]
    assert len(fired.run_ids) == expected_runs
    assert len(_runs(clean_db, workflow_id)) == expected_runs
    after = _schedule(clean_db, workflow_id)
    assert after.next_run_at == datetime(2026, 6, 1, 7, 5, tzinfo=UTC)  # continues from now
    with session_scope(clean_db) as session:
        kinds = session.execute(select(col(ScheduleTick.kind))).scalars().all()
    assert kinds == (["catch_up"] if expected_runs else [])
    # Nothing more fires until the next real tick, with either policy.
    assert claim_due(clean_db, now=late + timedelta(seconds=30), missed_ticks=policy).run_ids == []  # type: ignore[arg-type]


def test_a_schedule_whose_run_cannot_start_is_disabled_with_a_notice(
    clean_db: str, admin: Actor
) -> None:
    document = schedule_document(
        inputs={"type": "object", "properties": {"who": {"type": "string"}}, "required": ["who"]}
    )
    workflow_id = published_workflow(clean_db, admin.org_id, document)
    _set_next(clean_db, _schedule(clean_db, workflow_id).id, datetime(2026, 6, 1, 7, 0, tzinfo=UTC))
    fired = claim_due(clean_db, now=NOW)
    assert fired.run_ids == [] and len(fired.disabled) == 1
    [info] = schedules.list_schedules(clean_db, admin)
    assert not info.enabled and info.paused_reason.startswith("disabled: the scheduled run")
    assert info.upcoming == [] and info.next_run_at is None
    [notice] = notifications.list_notifications(clean_db, admin)
    assert notice.kind == "schedule.disabled" and "Nightly" in notice.title
    assert "who" in notice.body and notice.link == "/schedules"


def test_a_scheduled_run_whose_secret_is_missing_does_not_start(
    clean_db: str, admin: Actor
) -> None:
    document = schedule_document()
    document["nodes"][1]["config"] = {"values": {"token": "{{ env.CRM_TOKEN }}"}}  # type: ignore[index]
    workflow_id = published_workflow(clean_db, admin.org_id, document)
    _set_next(clean_db, _schedule(clean_db, workflow_id).id, datetime(2026, 6, 1, 7, 0, tzinfo=UTC))
    fired = claim_due(clean_db, now=NOW)
    assert fired.run_ids == [] and _runs(clean_db, workflow_id) == []
    [info] = schedules.list_schedules(clean_db, admin)
    assert not info.enabled and "CRM_TOKEN" in info.paused_reason


def test_pause_and_resume_are_audited_and_scoped_to_the_org(
    clean_db: str, make_org: Callable[..., Actor]
) -> None:
    alice, bob = make_org(), make_org()
    published_workflow(clean_db, alice.org_id, schedule_document())
    [info] = schedules.list_schedules(clean_db, alice)
    paused = schedules.set_enabled(clean_db, alice, info.id, False)
    assert not paused.enabled and paused.paused_reason == "paused by tester"
    assert _schedule_by_id(clean_db, info.id).next_run_at is None
    assert claim_due(clean_db, now=datetime(2030, 1, 1, tzinfo=UTC)).run_ids == []
    resumed = schedules.set_enabled(clean_db, alice, info.id, True)
    assert resumed.enabled and resumed.next_run_at is not None and len(resumed.upcoming) == 5
    with pytest.raises(NotFound):
        schedules.set_enabled(clean_db, bob, info.id, False)
    with pytest.raises(NotFound):
        schedules.set_enabled(clean_db, alice, uuid.uuid4(), False)
    assert schedules.list_schedules(clean_db, bob) == []
    with pytest.raises(Forbidden):
        schedules.set_enabled(
            clean_db, dataclasses.replace(alice, role=Role.VIEWER), info.id, False
        )
    from agentflow.services.tenancy import audit

    actions = [entry.action for entry in audit.query(clean_db, alice, target_type="schedule")]
    assert actions == ["schedule.resume", "schedule.pause"]


def _schedule_by_id(database_url: str, schedule_id: uuid.UUID) -> Schedule:
    with session_scope(database_url) as session:
        row = session.get(Schedule, schedule_id)
        assert row is not None
        session.expunge(row)
        return row


def test_repeated_failures_of_scheduled_runs_disable_the_schedule(
    clean_db: str, admin: Actor, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AGENTFLOW_SCHEDULE_MAX_CONSECUTIVE_FAILURES", "2")
    get_settings.cache_clear()
    workflow_id = published_workflow(
        clean_db, admin.org_id, schedule_document("*/5 * * * *", "UTC")
    )
    schedule = _schedule(clean_db, workflow_id)
    run_ids = []
    for minutes in (0, 5):
        tick = datetime(2026, 6, 1, 7, minutes, tzinfo=UTC)
        _set_next(clean_db, schedule.id, tick)
        run_ids += claim_due(clean_db, now=tick + timedelta(seconds=1)).run_ids
    for run_id in run_ids:
        with session_scope(clean_db) as session:
            session.execute(update(Run).where(col(Run.id) == run_id).values(status="failed"))
        after_run_settled(clean_db, run_id)
        if run_id == run_ids[0]:
            assert _schedule(clean_db, workflow_id).enabled  # one failure of two: still on
    after = _schedule(clean_db, workflow_id)
    assert not after.enabled and after.paused_reason == "disabled: its last 2 scheduled runs failed"
    kinds = sorted(n.kind for n in notifications.list_notifications(clean_db, admin))
    assert kinds == ["run.failed", "run.failed", "schedule.disabled"]
    with session_scope(clean_db) as session:
        assert session.execute(select(func.count()).select_from(ScheduleTick)).scalar_one() == 2


def test_concurrent_syncs_from_several_web_processes_keep_one_schedule(
    clean_db: str, admin: Actor
) -> None:
    workflow_id = published_workflow(clean_db, admin.org_id, schedule_document())

    def sync(_: int) -> None:
        schedules.sync_for_workflow(clean_db, admin.org_id, workflow_id)

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(sync, range(16)))
    with session_scope(clean_db) as session:
        count = session.execute(select(func.count()).select_from(Schedule)).scalar_one()
    assert count == 1
    other = dataclasses.replace(admin, org_id=uuid.uuid4())
    schedules.sync_for_workflow(clean_db, other.org_id, workflow_id)  # another org: ignored
    assert len(schedules.list_schedules(clean_db, admin)) == 1
