"""Tenant isolation: another org's ids are as absent as missing ones; bodies set no ids."""

from __future__ import annotations

import uuid
from collections.abc import Callable

import pytest

from agentflow.errors import InvalidInput, NotFound
from agentflow.services.tenancy import accounts, api_keys, audit, organizations
from agentflow.services.tenancy import secrets as org_secrets
from agentflow.services.tenancy.permissions import Role
from agentflow.settings import Settings

from .conftest import PASSWORD, Person, join, sign_up


def _refusal(
    lookup: Callable[[uuid.UUID | str], object], object_id: uuid.UUID | str
) -> tuple[type[NotFound], str]:
    with pytest.raises(NotFound) as refused:
        lookup(object_id)
    return type(refused.value), refused.value.message


def test_every_lookup_treats_another_orgs_ids_as_missing(
    alice: Person, bob: Person, clean_db: str, settings: Settings
) -> None:
    mallory = alice.actor()  # owner of her own org, probing bob's
    victim = bob.actor()
    carol = sign_up(clean_db, "carol")
    join(clean_db, bob, carol, Role.EDITOR, settings)
    invitation = organizations.invite(clean_db, victim, {"role": "viewer"}, settings=settings)
    key = api_keys.create_api_key(clean_db, victim, {"name": "k", "scopes": ["read"]})
    org_secrets.create_secret(
        clean_db, victim, {"name": "BOB_TOKEN", "value": "secret-value"}, settings=settings
    )
    session = accounts.create_session(clean_db, alice.user_id, settings=settings)

    lookups: dict[str, Callable[[uuid.UUID | str], object]] = {
        "get_member": lambda i: organizations.get_member(clean_db, mallory, i),
        "change_role": lambda i: organizations.change_role(clean_db, mallory, i, {"role": "owner"}),
        "remove_member": lambda i: organizations.remove_member(clean_db, mallory, i),
        "revoke_invitation": lambda i: organizations.revoke_invitation(clean_db, mallory, i),
        "revoke_api_key": lambda i: api_keys.revoke_api_key(clean_db, mallory, i),
        "update_secret": lambda n: org_secrets.update_secret(
            clean_db, mallory, n, {"value": "stolen!"}, settings=settings
        ),
        "delete_secret": lambda n: org_secrets.delete_secret(clean_db, mallory, n),
        "switch_org": lambda i: organizations.switch_org(clean_db, session.token, i),
        "create_session": lambda i: accounts.create_session(
            clean_db, alice.user_id, org_id=i, settings=settings
        ),
    }
    theirs: dict[str, uuid.UUID | str] = {
        "get_member": carol.user_id,
        "change_role": carol.user_id,
        "remove_member": carol.user_id,
        "revoke_invitation": invitation.id,
        "revoke_api_key": key.info.id,
        "update_secret": "BOB_TOKEN",
        "delete_secret": "BOB_TOKEN",
        "switch_org": bob.org_id,
        "create_session": bob.org_id,
    }
    for name, lookup in lookups.items():
        missing: uuid.UUID | str = "NO_SUCH_SECRET" if "secret" in name else uuid.uuid4()
        assert _refusal(lookup, theirs[name]) == _refusal(lookup, missing), name

    # Bob's org is untouched, and nothing of it shows in alice's lists.
    assert organizations.get_member(clean_db, victim, carol.user_id).role is Role.EDITOR
    assert api_keys.verify_api_key(clean_db, key.key).org_id == bob.org_id
    assert org_secrets.secrets_for_run(clean_db, bob.org_id, settings=settings) == {
        "BOB_TOKEN": "secret-value"
    }
    assert [m.user_id for m in organizations.list_members(clean_db, mallory)] == [alice.user_id]
    assert api_keys.list_api_keys(clean_db, mallory) == []
    assert org_secrets.list_secrets(clean_db, mallory) == []
    assert organizations.list_invitations(clean_db, mallory) == []
    assert {e.actor_id for e in audit.query(clean_db, mallory)} == {alice.user_id}


EXTRA_FIELDS = ["id", "org_id", "owner_id", "role", "user_id"]


def _bodies(
    database_url: str, person: Person, target: Person, settings: Settings
) -> dict[str, tuple[dict[str, object], Callable[[dict[str, object]], object]]]:
    actor = person.actor()
    return {
        "sign_up": (
            {"email": "new@example.com", "password": PASSWORD},
            lambda body: accounts.sign_up(database_url, body),
        ),
        "create_org": (
            {"name": "x"},
            lambda body: organizations.create_org(database_url, person.user_id, body),
        ),
        "update_org": (
            {"name": "x"},
            lambda body: organizations.update_org(database_url, actor, body),
        ),
        "invite": (
            {"role": "viewer"},
            lambda body: organizations.invite(database_url, actor, body, settings=settings),
        ),
        "change_role": (
            {"role": "viewer"},
            lambda body: organizations.change_role(database_url, actor, target.user_id, body),
        ),
        "create_api_key": (
            {"name": "k", "scopes": ["read"]},
            lambda body: api_keys.create_api_key(database_url, actor, body),
        ),
        "create_secret": (
            {"name": "NEW_SECRET", "value": "value!"},
            lambda body: org_secrets.create_secret(database_url, actor, body, settings=settings),
        ),
        "update_secret": (
            {"value": "value!"},
            lambda body: org_secrets.update_secret(
                database_url, actor, "EXISTING", body, settings=settings
            ),
        ),
    }


@pytest.mark.parametrize("extra", EXTRA_FIELDS)
def test_create_and_update_bodies_refuse_extra_fields(
    extra: str, alice: Person, bob: Person, clean_db: str, settings: Settings
) -> None:
    join(clean_db, alice, bob, Role.EDITOR, settings)
    org_secrets.create_secret(
        clean_db, alice.actor(), {"name": "EXISTING", "value": "value!"}, settings=settings
    )
    for name, (body, call) in _bodies(clean_db, alice, bob, settings).items():
        if extra in body:
            continue
        with pytest.raises(InvalidInput, match=f"^{extra} is not a known field\\.$"):
            call({**body, extra: str(bob.org_id)})
        if name != "sign_up":  # the body without the extra field is accepted
            call(body)


def test_the_org_scoped_lookup_by_id_answers_only_the_owning_org(
    alice: Person, bob: Person, clean_db: str
) -> None:
    from agentflow.db.engine import session_scope
    from agentflow.db.runs import Workflow
    from agentflow.db.tenancy import get_in_org
    from agentflow.services.workflows import management as workflows

    workflow_id = workflows.create_workflow(clean_db, "Bob's", org_id=bob.org_id)
    with session_scope(clean_db) as session:
        found = get_in_org(session, Workflow, workflow_id, org_id=bob.org_id, for_update=True)
        assert found is not None and found.name == "Bob's"
        assert get_in_org(session, Workflow, workflow_id, org_id=alice.org_id) is None
        assert get_in_org(session, Workflow, uuid.uuid4(), org_id=bob.org_id) is None
