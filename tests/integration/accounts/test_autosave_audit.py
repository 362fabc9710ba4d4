"""Autosaves write one audit row per editing session, naming the workflow; a publish,
another person's change or a pause starts a new one."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import text

from agentflow.db.engine import get_engine
from agentflow.services.tenancy.permissions import Role
from agentflow.services.workflows import editing, versions
from agentflow.settings import Settings
from tests.integration.conftest import workflow

from .conftest import Person, join, sign_up


def _trail(database_url: str, person: Person) -> list[tuple[str, str, object]]:
    with get_engine(database_url).connect() as connection:
        rows = connection.execute(
            text(
                "SELECT action, actor_label, details FROM audit_events "
                "WHERE org_id = :org AND target_type = 'workflow' ORDER BY id"
            ),
            {"org": person.org_id},
        ).all()
    return [(row.action, row.actor_label, row.details) for row in rows]


def _draft(text_value: str) -> dict:  # type: ignore[type-arg]
    return workflow([{"id": "t", "type": "template", "config": {"template": text_value}}], [])


def test_many_autosaves_make_one_update_until_a_publish_or_someone_else(
    alice: Person, clean_db: str, settings: Settings
) -> None:
    owner = alice.actor()
    workflow_id = editing.create(clean_db, owner, "Lead intake", document=_draft("a"))
    for word in ("b", "c", "d", "e"):
        editing.save_draft(clean_db, owner, workflow_id, _draft(word))
    trail = _trail(clean_db, alice)
    assert [action for action, _, _ in trail] == ["workflow.create", "workflow.update"]
    assert trail[1][2] == {"name": "Lead intake", "autosave": True}

    versions.publish(clean_db, owner, workflow_id, "first")
    editing.save_draft(clean_db, owner, workflow_id, _draft("f"))
    editing.save_draft(clean_db, owner, workflow_id, _draft("g"))
    bob = sign_up(clean_db, "bob")
    editor = join(clean_db, alice, bob, Role.EDITOR, settings)
    editing.save_draft(clean_db, editor, workflow_id, _draft("h"))
    editing.save_draft(clean_db, editor, workflow_id, _draft("i"))
    actions = [(action, label) for action, label, _ in _trail(clean_db, alice)]
    assert [action for action, _ in actions] == [
        "workflow.create",
        "workflow.update",
        "workflow.publish",
        "workflow.update",  # a new session after the publish
        "workflow.update",  # bob's
    ]
    assert actions[-1][1] != actions[-2][1]


def test_a_pause_longer_than_the_gap_starts_a_new_session(
    alice: Person, clean_db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    owner = alice.actor()
    workflow_id = editing.create(clean_db, owner, "Digest", document=_draft("a"))
    editing.save_draft(clean_db, owner, workflow_id, _draft("b"))
    monkeypatch.setattr(editing, "EDITING_SESSION_GAP", timedelta(0))
    editing.save_draft(clean_db, owner, workflow_id, _draft("c"))
    assert [action for action, _, _ in _trail(clean_db, alice)] == [
        "workflow.create",
        "workflow.update",
        "workflow.update",
    ]
