"""The run use cases (start, cancel, decide, rerun) check, change and audit in one
transaction and enqueue only after it: a refused or failing one leaves no run and no
audit row, a successful one exactly one audit row. AgentFlow acting on its own is a
system actor allowed only what its source needs."""

from __future__ import annotations

from typing import Any

import pytest

from agentflow.errors import Forbidden
from agentflow.queue import QUEUE_NAME
from agentflow.services.runs import dispatch
from agentflow.services.runs.gate import MissingSecrets
from agentflow.services.runs.lifecycle import RunNotFound, StepNotWaiting
from agentflow.services.tenancy import audit
from agentflow.services.tenancy.permissions import Action, Role, SystemSource, system_actor
from tests.integration.conftest import workflow

from .conftest import Person, run_count

QUICK = workflow([{"id": "done", "type": "template", "config": {"template": "ok"}}], [])
NEEDS_SECRET = workflow(
    [{"id": "call", "type": "template", "config": {"template": "{{ env.CRM_TOKEN }}"}}], []
)


def run_trail(database_url: str, person: Person) -> list[tuple[str, str]]:
    entries = audit.query(database_url, person.actor(), target_type="run")
    return [(entry.action, entry.target_id) for entry in reversed(entries)]


async def queued_jobs(queue: Any) -> int:
    return int(await queue.zcard(QUEUE_NAME))


async def test_a_started_run_has_exactly_one_audit_row_and_is_queued_after_it(
    alice: Person, clean_db: str, queue: Any
) -> None:
    run_id = await dispatch.start_run(clean_db, queue, QUICK, {}, actor=alice.actor())
    assert run_trail(clean_db, alice) == [("run.start", str(run_id))]
    [entry] = audit.query(clean_db, alice.actor(), target_type="run")
    assert (entry.actor_type, entry.actor_label, entry.details) == (
        "user",
        alice.email,
        {"trigger": "manual", "workflow": None},
    )
    assert await queued_jobs(queue) == 1


async def test_a_refused_start_stores_no_run_and_no_audit_row(
    alice: Person, clean_db: str, queue: Any
) -> None:
    with pytest.raises(MissingSecrets):  # the gate refuses inside the transaction
        await dispatch.start_run(clean_db, queue, NEEDS_SECRET, {}, actor=alice.actor())
    with pytest.raises(Forbidden):
        await dispatch.start_run(clean_db, queue, QUICK, {}, actor=alice.actor(Role.VIEWER))
    assert run_count(clean_db, alice.org_id) == 0
    assert run_trail(clean_db, alice) == []
    assert await queued_jobs(queue) == 0


async def test_a_start_whose_audit_entry_cannot_be_written_stores_and_queues_nothing(
    alice: Person, clean_db: str, queue: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise RuntimeError("the audit trail is unavailable")

    monkeypatch.setattr(audit, "record", refuse)
    with pytest.raises(RuntimeError):
        await dispatch.start_run(clean_db, queue, QUICK, {}, actor=alice.actor())
    monkeypatch.undo()
    assert run_count(clean_db, alice.org_id) == 0
    assert await queued_jobs(queue) == 0


async def test_cancel_decide_and_rerun_audit_only_what_they_did(
    alice: Person, bob: Person, clean_db: str, queue: Any
) -> None:
    run_id = await dispatch.start_run(clean_db, queue, QUICK, {}, actor=alice.actor())
    with pytest.raises(RunNotFound):  # another organisation's run is not found
        await dispatch.cancel_run(clean_db, run_id, actor=bob.actor())
    with pytest.raises(StepNotWaiting):
        await dispatch.decide(clean_db, queue, run_id, "done", actor=alice.actor(), approved=True)
    with pytest.raises(Forbidden):
        await dispatch.rerun_from(clean_db, queue, run_id, "done", actor=alice.actor(Role.VIEWER))
    assert run_trail(clean_db, alice) == [("run.start", str(run_id))]
    assert run_trail(clean_db, bob) == []

    assert await dispatch.cancel_run(clean_db, run_id, actor=alice.actor()) == "cancelled"
    again = await dispatch.rerun_from(clean_db, queue, run_id, "done", actor=alice.actor())
    assert run_trail(clean_db, alice) == [
        ("run.start", str(run_id)),
        ("run.cancel", str(run_id)),
        ("run.rerun", str(again)),
    ]


async def test_system_actors_may_only_what_their_source_needs(
    alice: Person, clean_db: str, queue: Any
) -> None:
    webhook = system_actor(alice.org_id, SystemSource.WEBHOOK)
    run_id = await dispatch.start_run(clean_db, queue, QUICK, {}, actor=webhook)
    with pytest.raises(Forbidden, match=r"a webhook does not allow run\.cancel"):
        await dispatch.cancel_run(clean_db, run_id, actor=webhook)
    cli = system_actor(alice.org_id, SystemSource.CLI, "cli (ops)")
    assert all(cli.allowed(action) for action in Action)
    assert await dispatch.cancel_run(clean_db, run_id, actor=cli) == "cancelled"
    entries = audit.query(clean_db, alice.actor(), target_type="run")
    assert [(e.action, e.actor_type, e.actor_label) for e in reversed(entries)] == [
        ("run.start", "system", "webhook"),
        ("run.cancel", "system", "cli (ops)"),
    ]
