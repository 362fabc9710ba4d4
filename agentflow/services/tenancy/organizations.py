"""Organisations, memberships, invitations and switching the active organisation.

Every member lookup goes through :func:`agentflow.db.tenancy.get_owned`, scoped by
the actor's organisation. Membership changes lock the organisation row, so two
owners demoting each other at once cannot leave it without an owner.
"""

from __future__ import annotations

import logging
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from sqlmodel import col

from agentflow.db.accounts import Invitation, Membership, User, UserSession
from agentflow.db.engine import session_scope
from agentflow.db.models import Organization, utcnow
from agentflow.db.tenancy import get_owned
from agentflow.errors import InvalidInput, NotFound
from agentflow.services.delivery.mail import Sender, default_sender
from agentflow.services.tenancy import audit
from agentflow.services.tenancy.accounts import (
    InvalidToken,
    OrgNotFound,
    SessionUser,
    hash_token,
    normalize_email,
    org_slug,
    session_user,
)
from agentflow.services.tenancy.permissions import (
    Action,
    Actor,
    Role,
    parse_input,
    require,
    require_rank,
)
from agentflow.settings import Settings, get_settings

log = logging.getLogger(__name__)
INVITE_PATH = "/invite"


class MemberNotFound(NotFound):
    what = "member"


class InvitationNotFound(NotFound):
    what = "invitation"


class LastOwner(InvalidInput):
    def __init__(self) -> None:
        super().__init__("an organisation needs an owner: make another member owner first")


class AlreadyMember(InvalidInput):
    def __init__(self) -> None:
        super().__init__("you are already a member of this organisation")


class OrgInput(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=200)


class InvitationInput(BaseModel):
    model_config = ConfigDict(extra="forbid")
    role: Role
    # When set, only the account with this address can accept, and the link is mailed.
    email: str | None = None


class RoleInput(BaseModel):
    model_config = ConfigDict(extra="forbid")
    role: Role


@dataclass(frozen=True)
class OrgSummary:
    id: uuid.UUID
    name: str
    slug: str
    role: Role


@dataclass(frozen=True)
class Member:
    user_id: uuid.UUID
    email: str
    name: str
    role: Role
    joined_at: datetime


@dataclass(frozen=True)
class NewInvitation:
    id: uuid.UUID
    link: str  # holds the token: shown once to the inviter, stored only as a hash
    role: Role
    email: str | None
    expires_at: datetime


def list_orgs(database_url: str, user_id: uuid.UUID) -> list[OrgSummary]:
    """The organisations a user can switch to."""
    with session_scope(database_url) as session:
        rows = session.execute(
            select(Organization, col(Membership.role))
            .join(Membership, col(Membership.org_id) == col(Organization.id))
            .where(col(Membership.user_id) == user_id)
            .order_by(col(Organization.name))
        ).all()
        return [OrgSummary(org.id, org.name, org.slug, Role(role)) for org, role in rows]


def create_org(
    database_url: str, user_id: uuid.UUID, data: OrgInput | dict[str, object], *, ip: str = ""
) -> uuid.UUID:
    """A new organisation owned by ``user_id`` (who is already signed in)."""
    form = parse_input(OrgInput, data)
    name = " ".join(form.name.split())
    with session_scope(database_url) as session:
        user = session.get(User, user_id)
        if user is None:
            raise MemberNotFound()
        org = Organization(name=name, slug=org_slug(name))
        session.add(org)
        session.flush()
        session.add(Membership(org_id=org.id, user_id=user_id, role=Role.OWNER))
        actor = Actor(org.id, user_id, Role.OWNER, label=user.email, ip=ip)
        audit.record(session, actor, "org.create", target_type="org", target_id=org.id)
        return org.id


def update_org(database_url: str, actor: Actor, data: OrgInput | dict[str, object]) -> None:
    require(actor, Action.ORG_UPDATE)
    form = parse_input(OrgInput, data)
    with session_scope(database_url) as session:
        org = session.get(Organization, actor.org_id)
        if org is None:
            raise OrgNotFound()
        org.name = " ".join(form.name.split())
        audit.record(
            session,
            actor,
            "org.update",
            target_type="org",
            target_id=org.id,
            details={"name": org.name},
        )


def switch_org(database_url: str, token: str, org_id: uuid.UUID) -> SessionUser:
    """Make ``org_id`` the session's active organisation; only a member may."""
    with session_scope(database_url) as session:
        record = session.execute(
            select(UserSession)
            .where(col(UserSession.token_hash) == hash_token(token))
            .where(col(UserSession.expires_at) > utcnow())
        ).scalar_one_or_none()
        if record is None:
            raise InvalidToken()
        if get_owned(session, Membership, org_id=org_id, user_id=record.user_id) is None:
            raise OrgNotFound()
        record.org_id = org_id
    current = session_user(database_url, token)
    if current is None:
        raise InvalidToken()
    return current


def _member(session: Session, actor: Actor, user_id: uuid.UUID) -> Membership:
    found = get_owned(session, Membership, org_id=actor.org_id, user_id=user_id, for_update=True)
    if found is None:
        raise MemberNotFound()
    return found


def _lock_org(session: Session, org_id: uuid.UUID) -> None:
    session.get(Organization, org_id, with_for_update=True)


def _other_owners(session: Session, membership: Membership) -> int:
    return session.execute(
        select(func.count())
        .select_from(Membership)
        .where(col(Membership.org_id) == membership.org_id)
        .where(col(Membership.role) == Role.OWNER)
        .where(col(Membership.id) != membership.id)
    ).scalar_one()


def list_members(database_url: str, actor: Actor) -> list[Member]:
    require(actor, Action.MEMBER_READ)
    with session_scope(database_url) as session:
        rows = session.execute(
            select(Membership, User)
            .join(User, col(User.id) == col(Membership.user_id))
            .where(col(Membership.org_id) == actor.org_id)
            .order_by(col(Membership.created_at))
        ).all()
        return [Member(u.id, u.email, u.name, Role(m.role), m.created_at) for m, u in rows]


def get_member(database_url: str, actor: Actor, user_id: uuid.UUID) -> Member:
    require(actor, Action.MEMBER_READ)
    with session_scope(database_url) as session:
        membership = _member(session, actor, user_id)
        user = session.get(User, user_id)
        assert user is not None
        return Member(user.id, user.email, user.name, Role(membership.role), membership.created_at)


def change_role(
    database_url: str, actor: Actor, user_id: uuid.UUID, data: RoleInput | dict[str, object]
) -> None:
    require(actor, Action.MEMBER_CHANGE_ROLE)
    new_role = parse_input(RoleInput, data).role
    with session_scope(database_url) as session:
        _lock_org(session, actor.org_id)
        membership = _member(session, actor, user_id)
        old_role = Role(membership.role)
        require_rank(actor, old_role)
        require_rank(actor, new_role)
        demoting_owner = old_role is Role.OWNER and new_role is not Role.OWNER
        if demoting_owner and _other_owners(session, membership) == 0:
            raise LastOwner()
        membership.role = new_role
        audit.record(
            session,
            actor,
            "member.change_role",
            target_type="user",
            target_id=user_id,
            details={"from": old_role.value, "to": new_role.value},
        )


def remove_member(database_url: str, actor: Actor, user_id: uuid.UUID) -> None:
    """Remove a member; removing oneself is :func:`leave_org`, open to every role."""
    if user_id != actor.user_id:
        require(actor, Action.MEMBER_REMOVE)
    with session_scope(database_url) as session:
        _lock_org(session, actor.org_id)
        membership = _member(session, actor, user_id)
        if user_id != actor.user_id:
            require_rank(actor, Role(membership.role))
        if membership.role == Role.OWNER and _other_owners(session, membership) == 0:
            raise LastOwner()
        session.delete(membership)
        action = "member.leave" if user_id == actor.user_id else "member.remove"
        audit.record(session, actor, action, target_type="user", target_id=user_id)


def leave_org(database_url: str, actor: Actor) -> None:
    if actor.user_id is None:
        raise MemberNotFound()
    remove_member(database_url, actor, actor.user_id)


def invite(
    database_url: str,
    actor: Actor,
    data: InvitationInput | dict[str, object],
    *,
    sender: Sender | None = None,
    settings: Settings | None = None,
) -> NewInvitation:
    """A single-use, expiring invitation link with a role (at most the inviter's own)."""
    require(actor, Action.MEMBER_INVITE)
    form = parse_input(InvitationInput, data)
    require_rank(actor, form.role)
    settings = settings or get_settings()
    email = normalize_email(form.email) if form.email else None
    token = secrets.token_urlsafe(32)
    expires = utcnow() + timedelta(seconds=settings.invitation_ttl_s)
    with session_scope(database_url) as session:
        invitation = Invitation(
            org_id=actor.org_id,
            token_hash=hash_token(token),
            role=form.role,
            email=email,
            invited_by=actor.user_id,
            expires_at=expires,
        )
        session.add(invitation)
        session.flush()
        invitation_id = invitation.id
        audit.record(
            session,
            actor,
            "member.invite",
            target_type="invitation",
            target_id=invitation.id,
            details={"role": form.role.value, "email": email},
        )
        org = session.get(Organization, actor.org_id)
        org_name = org.name if org else ""
    link = f"{settings.base_url.rstrip('/')}{INVITE_PATH}?token={token}"
    if email:
        body = f"You are invited to join {org_name} on AgentFlow as {form.role.value}:\n{link}\n"
        try:
            (sender or default_sender(settings)).send(email, f"Join {org_name} on AgentFlow", body)
        except Exception as exc:  # the inviter still has the link to share
            log.error("could not send the invitation: %s", type(exc).__name__)
    return NewInvitation(invitation_id, link, form.role, email, expires)


@dataclass(frozen=True)
class PendingInvitation:
    id: uuid.UUID
    role: Role
    email: str | None
    created_at: datetime
    expires_at: datetime


def list_invitations(database_url: str, actor: Actor) -> list[PendingInvitation]:
    """Invitations not yet accepted, revoked or expired (their links are not shown again)."""
    require(actor, Action.MEMBER_INVITE)
    with session_scope(database_url) as session:
        rows = session.execute(
            select(Invitation)
            .where(col(Invitation.org_id) == actor.org_id)
            .where(col(Invitation.accepted_at).is_(None), col(Invitation.revoked_at).is_(None))
            .where(col(Invitation.expires_at) > utcnow())
            .order_by(col(Invitation.created_at).desc())
        ).scalars()
        return [
            PendingInvitation(i.id, Role(i.role), i.email, i.created_at, i.expires_at) for i in rows
        ]


def revoke_invitation(database_url: str, actor: Actor, invitation_id: uuid.UUID) -> None:
    require(actor, Action.MEMBER_INVITE)
    with session_scope(database_url) as session:
        invitation = get_owned(session, Invitation, org_id=actor.org_id, id=invitation_id)
        if invitation is None or invitation.accepted_at or invitation.revoked_at:
            raise InvitationNotFound()
        invitation.revoked_at = utcnow()
        audit.record(
            session, actor, "invitation.revoke", target_type="invitation", target_id=invitation_id
        )


def invitation_usable(invitation: Invitation, user: User, now: datetime) -> bool:
    """Not accepted, revoked or expired, and (when addressed) meant for this user."""
    return (
        invitation.accepted_at is None
        and invitation.revoked_at is None
        and invitation.expires_at > now
        and (not invitation.email or invitation.email == user.email)
    )


def accept_invitation(
    database_url: str, token: str, *, user_id: uuid.UUID, ip: str = "", user_agent: str = ""
) -> uuid.UUID:
    """Join the invitation's organisation with its role; returns the organisation id."""
    now = utcnow()
    with session_scope(database_url) as session:
        invitation = session.execute(
            select(Invitation)
            .where(col(Invitation.token_hash) == hash_token(token))
            .with_for_update()
        ).scalar_one_or_none()
        user = session.get(User, user_id)
        if invitation is None or user is None or not invitation_usable(invitation, user, now):
            raise InvalidToken()
        if get_owned(session, Membership, org_id=invitation.org_id, user_id=user_id):
            raise AlreadyMember()
        invitation.accepted_at, invitation.accepted_by = now, user_id
        session.add(Membership(org_id=invitation.org_id, user_id=user_id, role=invitation.role))
        actor = Actor(
            invitation.org_id,
            user_id,
            Role(invitation.role),
            label=user.email,
            ip=ip,
            user_agent=user_agent,
        )
        audit.record(
            session,
            actor,
            "member.join",
            target_type="invitation",
            target_id=invitation.id,
            details={"role": invitation.role},
        )
        return invitation.org_id


def org_id_by_slug(database_url: str, slug: str) -> uuid.UUID | None:
    """For the operator's CLI (``--org``), which acts with database access, not a role."""
    with session_scope(database_url) as session:
        return session.execute(
            select(col(Organization.id)).where(col(Organization.slug) == slug.strip().lower())
        ).scalar_one_or_none()
