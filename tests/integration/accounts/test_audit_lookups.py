"""Lookups over the audit trail for the settings pages: filter facets, secret authors."""

from __future__ import annotations

import pytest

from agentflow.errors import Forbidden
from agentflow.services.tenancy import api_keys, organizations
from agentflow.services.tenancy import secrets as org_secrets
from agentflow.services.tenancy.audit_lookups import SecretAuthors, audit_facets, secret_authors
from agentflow.services.tenancy.permissions import Actor, Role
from agentflow.settings import Settings

from .conftest import Person, join, sign_up


def test_facets_list_every_actor_action_and_target_type_of_the_org_only(
    alice: Person, bob: Person, clean_db: str, settings: Settings
) -> None:
    owner = alice.actor()
    bob_as_admin = join(clean_db, alice, bob, Role.ADMIN, settings)
    api_keys.create_api_key(clean_db, bob_as_admin, {"name": "ci", "scopes": ["read"]})
    organizations.leave_org(clean_db, bob_as_admin)  # gone from the members, not the trail
    facets = audit_facets(clean_db, owner)
    assert {(a.id, a.label, a.kind) for a in facets.actors} == {
        (alice.user_id, alice.email, "user"),
        (bob.user_id, bob.email, "user"),
    }
    assert facets.actions == sorted(
        ["account.sign_up", "member.invite", "member.join", "api_key.create", "member.leave"]
    )
    assert set(facets.target_types) >= {"invitation", "user", "api_key"}
    # Another organisation's events stay out of them.
    carol = sign_up(clean_db, "carol")
    org_secrets.create_secret(
        clean_db, carol.actor(), {"name": "CAROLS", "value": "c" * 12}, settings=settings
    )
    again = audit_facets(clean_db, owner)
    assert (again.actions, again.target_types) == (facets.actions, facets.target_types)
    assert carol.user_id not in {a.id for a in again.actors}


def test_facets_need_the_audit_permission(
    alice: Person, bob: Person, clean_db: str, settings: Settings
) -> None:
    editor = join(clean_db, alice, bob, Role.EDITOR, settings)
    with pytest.raises(Forbidden):
        audit_facets(clean_db, editor)


def test_secret_authors_follow_creation_updates_and_recreation(
    alice: Person, bob: Person, clean_db: str, settings: Settings
) -> None:
    owner = alice.actor()
    admin = join(clean_db, alice, bob, Role.ADMIN, settings)
    value = {"value": "v" * 12}
    org_secrets.create_secret(clean_db, owner, {"name": "TOKEN", **value}, settings=settings)
    org_secrets.create_secret(clean_db, owner, {"name": "OTHER", **value}, settings=settings)
    org_secrets.update_secret(clean_db, admin, "TOKEN", value, settings=settings)
    assert secret_authors(clean_db, owner)["TOKEN"] == SecretAuthors(alice.email, bob.email)
    assert secret_authors(clean_db, owner)["OTHER"] == SecretAuthors(alice.email, alice.email)
    org_secrets.delete_secret(clean_db, owner, "OTHER")
    org_secrets.create_secret(clean_db, admin, {"name": "OTHER", **value}, settings=settings)
    assert secret_authors(clean_db, owner)["OTHER"] == SecretAuthors(bob.email, bob.email)
    # Editors may see who changed the secrets whose names they see; viewers may not.
    editor = Actor(admin.org_id, admin.user_id, Role.EDITOR)
    assert set(secret_authors(clean_db, editor)) == {"TOKEN", "OTHER"}
    with pytest.raises(Forbidden):
        secret_authors(clean_db, Actor(admin.org_id, admin.user_id, Role.VIEWER))
    assert secret_authors(clean_db, bob.actor()) == {}  # bob's own org has none
