"""A use case checks, changes and audits in one transaction: a failing change leaves no
audit row, a successful one exactly one, and a change whose audit entry cannot be
written is not made."""

from __future__ import annotations

import pytest

from agentflow.db.engine import session_scope, unit_of_work
from agentflow.errors import Forbidden
from agentflow.services.tenancy import audit
from agentflow.services.tenancy.permissions import Role
from agentflow.services.workflows import editing, management
from agentflow.services.workflows.management import InvalidWorkflow

from .conftest import Person


def workflow_actions(database_url: str, person: Person) -> list[str]:
    entries = audit.query(database_url, person.actor(), target_type="workflow")
    return [entry.action for entry in reversed(entries)]


def names(database_url: str, person: Person) -> list[str]:
    return [w.name for w in management.list_workflows(database_url, org_id=person.org_id)]


def test_a_successful_change_leaves_exactly_one_audit_row(alice: Person, clean_db: str) -> None:
    workflow_id = editing.create(clean_db, alice.actor(), "Triage")
    entries = audit.query(clean_db, alice.actor(), target_type="workflow")
    assert [(e.action, e.target_id) for e in entries] == [("workflow.create", str(workflow_id))]


def test_a_failing_change_leaves_no_audit_row_and_nothing_changed(
    alice: Person, clean_db: str
) -> None:
    workflow_id = editing.create(clean_db, alice.actor(), "Triage")
    before = management.get_draft(clean_db, workflow_id, org_id=alice.org_id)
    with pytest.raises(InvalidWorkflow):
        # A draft may be unfinished, but not unstorable: a NUL character is refused.
        refused = {**before, "description": "nul \x00"}
        editing.update(clean_db, alice.actor(), workflow_id, name="Renamed", document=refused)
    assert workflow_actions(clean_db, alice) == ["workflow.create"]
    assert management.get_draft(clean_db, workflow_id, org_id=alice.org_id) == before
    assert names(clean_db, alice) == ["Triage"]


def test_a_refused_actor_changes_nothing_and_leaves_no_audit_row(
    alice: Person, clean_db: str
) -> None:
    with pytest.raises(Forbidden):
        editing.create(clean_db, alice.actor(Role.VIEWER), "Not allowed")
    assert names(clean_db, alice) == []
    assert workflow_actions(clean_db, alice) == []


def test_a_change_whose_audit_entry_cannot_be_written_is_not_made(
    alice: Person, clean_db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise RuntimeError("the audit trail is unavailable")

    monkeypatch.setattr(audit, "record", refuse)
    with pytest.raises(RuntimeError):
        editing.create(clean_db, alice.actor(), "Unaudited")
    monkeypatch.undo()
    assert names(clean_db, alice) == []
    assert workflow_actions(clean_db, alice) == []


def test_a_session_opened_inside_a_unit_of_work_joins_it(alice: Person, clean_db: str) -> None:
    # What the use cases rely on: the service's own session_scope commits with the unit.
    with pytest.raises(LookupError), unit_of_work(clean_db) as unit:
        management.create_workflow(clean_db, "Inside", org_id=alice.org_id)
        with session_scope(clean_db) as inner:
            assert inner is unit
        raise LookupError("the unit fails after its inner scopes committed")
    assert names(clean_db, alice) == []
