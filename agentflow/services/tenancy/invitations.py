"""What an invitation link offers, shown to a signed-in user before they accept.

The link's token is the only credential: whoever holds it may see the
organisation's name and the role it grants (the inviter shared it for that).
Nothing changes here; :func:`agentflow.services.tenancy.organizations.accept_invitation`
joins, and refuses on the same condition (:func:`invitation_usable`).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import select
from sqlmodel import col

from agentflow.db.accounts import Invitation, Membership, User
from agentflow.db.engine import session_scope
from agentflow.db.models import Organization, utcnow
from agentflow.db.tenancy import get_owned
from agentflow.services.tenancy.accounts import hash_token
from agentflow.services.tenancy.organizations import invitation_usable
from agentflow.services.tenancy.permissions import Role


@dataclass(frozen=True)
class InvitationPreview:
    org_id: uuid.UUID
    org_name: str
    role: Role
    already_member: bool


def preview_invitation(
    database_url: str, token: str, *, user_id: uuid.UUID
) -> InvitationPreview | None:
    """The organisation and role behind ``token`` for this user; None when unusable.

    Unusable: unknown, accepted, revoked or expired, or addressed to another
    account's email. All look the same, as they do to ``accept_invitation``.
    """
    if not token:
        return None
    with session_scope(database_url) as session:
        invitation = session.execute(
            select(Invitation).where(col(Invitation.token_hash) == hash_token(token))
        ).scalar_one_or_none()
        user = session.get(User, user_id)
        if invitation is None or user is None or not invitation_usable(invitation, user, utcnow()):
            return None
        org = session.get(Organization, invitation.org_id)
        if org is None:
            return None
        member = get_owned(session, Membership, org_id=invitation.org_id, user_id=user_id)
        return InvitationPreview(org.id, org.name, Role(invitation.role), member is not None)
