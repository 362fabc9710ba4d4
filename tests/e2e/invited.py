"""A second person in the test account's organisation, through a real invitation."""

from __future__ import annotations

import uuid

from agentflow.services.tenancy import organizations
from agentflow.services.tenancy.permissions import Role
from tests.e2e.conftest import Account, sign_up


def invited(app_url: str, owner: Account, role: Role) -> Account:
    """A fresh user who accepted ``owner``'s invitation with ``role`` and now acts in
    ``owner``'s organisation (their session switched to it)."""
    email = f"{role.value}-{uuid.uuid4().hex[:8]}@example.com"
    person = sign_up(app_url, owner.database_url, email)
    made = organizations.invite(owner.database_url, owner.actor(), {"role": role})
    token = made.link.split("token=", 1)[1]
    organizations.accept_invitation(owner.database_url, token, user_id=person.user_id)
    organizations.switch_org(owner.database_url, person.session_token, owner.org_id)
    return person
