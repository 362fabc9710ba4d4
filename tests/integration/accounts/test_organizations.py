"""Organisations: switching, invitations, members, roles and the last owner."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import text

from agentflow.db.engine import get_engine
from agentflow.errors import Forbidden
from agentflow.services.tenancy import accounts, organizations
from agentflow.services.tenancy.accounts import InvalidToken, OrgNotFound
from agentflow.services.tenancy.organizations import AlreadyMember, LastOwner, MemberNotFound
from agentflow.services.tenancy.permissions import Role
from agentflow.settings import Settings

from .conftest import Outbox, Person, join, sign_up


def _token(link: str) -> str:
    return link.split("token=")[1]


def test_switching_requires_membership(
    alice: Person, bob: Person, clean_db: str, settings: Settings
) -> None:
    session = accounts.create_session(clean_db, alice.user_id, settings=settings)
    with pytest.raises(OrgNotFound) as foreign:
        organizations.switch_org(clean_db, session.token, bob.org_id)
    with pytest.raises(OrgNotFound) as missing:
        organizations.switch_org(clean_db, session.token, uuid.uuid4())
    assert foreign.value.message == missing.value.message
    join(clean_db, bob, alice, Role.EDITOR, settings)
    switched = organizations.switch_org(clean_db, session.token, bob.org_id)
    assert (switched.org_id, switched.role) == (bob.org_id, Role.EDITOR)
    current = accounts.session_user(clean_db, session.token)
    assert current is not None and current.org_id == bob.org_id
    assert {org.id for org in organizations.list_orgs(clean_db, alice.user_id)} == {
        alice.org_id,
        bob.org_id,
    }
    with pytest.raises(InvalidToken):
        organizations.switch_org(clean_db, "not-a-session", alice.org_id)


def test_a_removed_member_falls_back_to_another_org(
    alice: Person, bob: Person, clean_db: str, settings: Settings
) -> None:
    join(clean_db, bob, alice, Role.VIEWER, settings)
    session = accounts.create_session(clean_db, alice.user_id, org_id=bob.org_id, settings=settings)
    organizations.remove_member(clean_db, bob.actor(), alice.user_id)
    current = accounts.session_user(clean_db, session.token)
    assert current is not None and (current.org_id, current.role) == (alice.org_id, Role.OWNER)


def test_invitation_is_single_use(
    alice: Person, bob: Person, clean_db: str, settings: Settings
) -> None:
    carol = sign_up(clean_db, "carol")
    invitation = organizations.invite(
        clean_db, alice.actor(), {"role": "editor"}, settings=settings
    )
    assert invitation.link.startswith("https://agentflow.test/invite?token=")
    org_id = organizations.accept_invitation(clean_db, _token(invitation.link), user_id=bob.user_id)
    assert org_id == alice.org_id
    assert organizations.get_member(clean_db, alice.actor(), bob.user_id).role is Role.EDITOR
    with pytest.raises(InvalidToken):
        organizations.accept_invitation(clean_db, _token(invitation.link), user_id=carol.user_id)
    assert organizations.list_invitations(clean_db, alice.actor()) == []


def test_invitation_expires_and_can_be_revoked(
    alice: Person, bob: Person, clean_db: str, settings: Settings
) -> None:
    expiring = organizations.invite(clean_db, alice.actor(), {"role": "viewer"}, settings=settings)
    with get_engine(clean_db).begin() as connection:
        connection.execute(
            text("UPDATE invitations SET expires_at = now() - interval '1 second' WHERE id = :id"),
            {"id": expiring.id},
        )
    with pytest.raises(InvalidToken):
        organizations.accept_invitation(clean_db, _token(expiring.link), user_id=bob.user_id)
    revoked = organizations.invite(clean_db, alice.actor(), {"role": "viewer"}, settings=settings)
    assert [i.id for i in organizations.list_invitations(clean_db, alice.actor())] == [revoked.id]
    organizations.revoke_invitation(clean_db, alice.actor(), revoked.id)
    with pytest.raises(InvalidToken):
        organizations.accept_invitation(clean_db, _token(revoked.link), user_id=bob.user_id)


def test_an_invitation_for_an_address_is_mailed_and_only_that_account_accepts(
    alice: Person, bob: Person, clean_db: str, settings: Settings, outbox: Outbox
) -> None:
    carol = sign_up(clean_db, "carol")
    invitation = organizations.invite(
        clean_db,
        alice.actor(),
        {"role": "admin", "email": carol.email.upper()},
        sender=outbox,
        settings=settings,
    )
    assert outbox.messages[0].to == carol.email and outbox.token() == _token(invitation.link)
    with pytest.raises(InvalidToken):
        organizations.accept_invitation(clean_db, outbox.token(), user_id=bob.user_id)
    organizations.accept_invitation(clean_db, outbox.token(), user_id=carol.user_id)


def test_accepting_twice_as_a_member_does_not_use_up_the_invitation(
    alice: Person, bob: Person, clean_db: str, settings: Settings
) -> None:
    join(clean_db, alice, bob, Role.VIEWER, settings)
    invitation = organizations.invite(
        clean_db, alice.actor(), {"role": "editor"}, settings=settings
    )
    with pytest.raises(AlreadyMember):
        organizations.accept_invitation(clean_db, _token(invitation.link), user_id=bob.user_id)
    carol = sign_up(clean_db, "carol")
    organizations.accept_invitation(clean_db, _token(invitation.link), user_id=carol.user_id)


def test_the_last_owner_cannot_leave_be_demoted_or_removed(
    alice: Person, bob: Person, clean_db: str, settings: Settings
) -> None:
    owner = alice.actor()
    with pytest.raises(LastOwner):
        organizations.leave_org(clean_db, owner)
    with pytest.raises(LastOwner):
        organizations.change_role(clean_db, owner, alice.user_id, {"role": "admin"})
    with pytest.raises(LastOwner):
        organizations.remove_member(clean_db, owner, alice.user_id)
    # With a second owner, the first may step down, and then the second is the last one.
    bob_owner = join(clean_db, alice, bob, Role.OWNER, settings)
    organizations.change_role(clean_db, owner, alice.user_id, {"role": "admin"})
    with pytest.raises(LastOwner):
        organizations.leave_org(clean_db, bob_owner)
    roles = {m.user_id: m.role for m in organizations.list_members(clean_db, bob_owner)}
    assert roles == {alice.user_id: Role.ADMIN, bob.user_id: Role.OWNER}


def test_admins_cannot_touch_owners_or_grant_ownership(
    alice: Person, bob: Person, clean_db: str, settings: Settings
) -> None:
    admin = join(clean_db, alice, bob, Role.ADMIN, settings)
    with pytest.raises(Forbidden):
        organizations.change_role(clean_db, admin, alice.user_id, {"role": "viewer"})
    with pytest.raises(Forbidden):
        organizations.remove_member(clean_db, admin, alice.user_id)
    with pytest.raises(Forbidden):
        organizations.invite(clean_db, admin, {"role": "owner"}, settings=settings)
    carol = sign_up(clean_db, "carol")
    join(clean_db, alice, carol, Role.VIEWER, settings)
    with pytest.raises(Forbidden):
        organizations.change_role(clean_db, admin, carol.user_id, {"role": "owner"})
    organizations.change_role(clean_db, admin, carol.user_id, {"role": "editor"})
    organizations.remove_member(clean_db, admin, carol.user_id)
    with pytest.raises(MemberNotFound):
        organizations.get_member(clean_db, admin, carol.user_id)


def test_any_member_may_leave(
    alice: Person, bob: Person, clean_db: str, settings: Settings
) -> None:
    viewer = join(clean_db, alice, bob, Role.VIEWER, settings)
    organizations.leave_org(clean_db, viewer)
    assert [m.user_id for m in organizations.list_members(clean_db, alice.actor())] == [
        alice.user_id
    ]


def test_create_and_rename_an_org(alice: Person, clean_db: str) -> None:
    org_id = organizations.create_org(clean_db, alice.user_id, {"name": "Second  team"})
    second = alice.actor(Role.OWNER, org_id)
    organizations.update_org(clean_db, second, {"name": "Renamed"})
    names = {org.id: org.name for org in organizations.list_orgs(clean_db, alice.user_id)}
    assert names[org_id] == "Renamed"
