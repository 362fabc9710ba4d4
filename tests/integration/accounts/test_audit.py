"""The audit trail: recorded by every mutation, append-only in the database, filters, CSV."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from agentflow.db.engine import get_engine
from agentflow.errors import Forbidden
from agentflow.services.tenancy import api_keys, audit, organizations
from agentflow.services.tenancy import secrets as org_secrets
from agentflow.services.tenancy.permissions import Role
from agentflow.settings import Settings

from .conftest import Person, join


def _actions(database_url: str, person: Person) -> list[str]:
    return [e.action for e in reversed(audit.query(database_url, person.actor()))]


def test_mutations_are_recorded_with_actor_and_origin(
    alice: Person, bob: Person, clean_db: str, settings: Settings
) -> None:
    owner = alice.actor()
    join(clean_db, alice, bob, Role.EDITOR, settings)
    organizations.change_role(clean_db, owner, bob.user_id, {"role": "viewer"})
    key = api_keys.create_api_key(clean_db, owner, {"name": "ci", "scopes": ["read"]})
    api_keys.revoke_api_key(clean_db, owner, key.info.id)
    org_secrets.create_secret(
        clean_db, owner, {"name": "API_TOKEN", "value": "v" * 10}, settings=settings
    )
    org_secrets.update_secret(clean_db, owner, "API_TOKEN", {"value": "w" * 10}, settings=settings)
    org_secrets.delete_secret(clean_db, owner, "API_TOKEN")
    organizations.remove_member(clean_db, owner, bob.user_id)
    assert _actions(clean_db, alice) == [
        "account.sign_up",
        "member.invite",
        "member.join",
        "member.change_role",
        "api_key.create",
        "api_key.revoke",
        "secret.create",
        "secret.update",
        "secret.delete",
        "member.remove",
    ]
    change = audit.query(clean_db, owner, action="member.change_role")[0]
    assert (change.actor_id, change.actor_label, change.ip) == (
        alice.user_id,
        alice.email,
        "192.0.2.1",
    )
    assert (change.target_type, change.target_id) == ("user", str(bob.user_id))
    assert change.details == {"from": "editor", "to": "viewer"}
    # Secret values and key material never reach the trail.
    everything = audit.export_csv(clean_db, owner)
    assert "v" * 10 not in everything and key.key not in everything


def test_the_table_refuses_update_and_delete(alice: Person, clean_db: str) -> None:
    engine = get_engine(clean_db)
    for statement in (
        "UPDATE audit_events SET action = 'nothing.happened'",
        "DELETE FROM audit_events",
        "DELETE FROM audit_events WHERE false",
    ):
        with pytest.raises(DBAPIError, match="append-only"), engine.begin() as connection:
            connection.execute(text(statement))
    assert _actions(clean_db, alice) == ["account.sign_up"]


def test_filters_by_actor_action_target_and_dates(
    alice: Person, bob: Person, clean_db: str, settings: Settings
) -> None:
    owner = alice.actor()
    member = join(clean_db, alice, bob, Role.ADMIN, settings)
    audit.record(clean_db, member, "workflow.delete", target_type="workflow", target_id="w1")
    audit.record(clean_db, owner, "workflow.publish", target_type="workflow", target_id="w2")
    by_bob = audit.query(clean_db, owner, actor_id=bob.user_id)
    assert [e.action for e in by_bob] == ["workflow.delete", "member.join"]
    assert [e.target_id for e in audit.query(clean_db, owner, action="workflow.")] == ["w2", "w1"]
    assert [e.action for e in audit.query(clean_db, owner, target_id="w1")] == ["workflow.delete"]
    assert len(audit.query(clean_db, owner, target_type="workflow")) == 2
    now = datetime.now(UTC)
    assert audit.query(clean_db, owner, since=now + timedelta(minutes=1)) == []
    assert len(audit.query(clean_db, owner, until=now + timedelta(minutes=1))) == 5
    assert audit.query(clean_db, owner, until=now - timedelta(hours=1)) == []
    first_page = audit.query(clean_db, owner, limit=2)
    rest = audit.query(clean_db, owner, before_id=first_page[-1].id)
    assert len(first_page) + len(rest) == 5


def test_csv_export_quotes_formulas(alice: Person, clean_db: str) -> None:
    owner = alice.actor()
    audit.record(
        clean_db, owner, "workflow.write", target_id='=HYPERLINK("x")', details={"name": "a,b"}
    )
    rows = list(csv.reader(io.StringIO(audit.export_csv(clean_db, owner, action="workflow.write"))))
    header, row = rows
    assert header[:3] == ["id", "created_at", "actor_type"]
    record = dict(zip(header, row, strict=True))
    assert record["target_id"] == '\'=HYPERLINK("x")'
    assert record["details"] == '{"name": "a,b"}'
    assert record["actor_label"] == alice.email


def test_only_owners_and_admins_read_the_trail(
    alice: Person, bob: Person, clean_db: str, settings: Settings
) -> None:
    editor = join(clean_db, alice, bob, Role.EDITOR, settings)
    with pytest.raises(Forbidden):
        audit.query(clean_db, editor)
    with pytest.raises(Forbidden):
        audit.export_csv(clean_db, editor)
