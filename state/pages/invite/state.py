"""The invitation page (``/invite?token=…``, the link ``organizations.invite`` makes).

Signed in: it shows the organisation and role the link offers and a form that
posts to ``/auth/accept-invite``. Signed out: it shows nothing about the
invitation, only the way to log in or sign up and come back to this very link
(``next`` keeps the token; the usual ``SessionState.require`` keeps only the path).
"""

from __future__ import annotations

import asyncio
from urllib.parse import quote

import reflex as rx

from agentflow.services.tenancy.invitations import preview_invitation
from state.common import database_url as _database
from state.session import safe_next, signed_in_user

MAX_TOKEN = 200
ERRORS = {
    "invalid": "This invitation cannot be used: it has expired, was already used or revoked, "
    "or is meant for another email address. Ask for a new link.",
    "already_member": "You are already a member of this organisation.",
}


class InviteState(rx.State):
    loaded: bool = False
    signed_in: bool = False
    user_email: str = ""
    token: str = ""
    org_name: str = ""
    role: str = ""
    usable: bool = False
    already_member: bool = False
    error: str = ""
    # /login and /signup links that come back here, token included.
    next_query: str = ""

    @rx.event
    async def load(self) -> None:
        params = self.router.url.query_parameters
        self.token = str(params.get("token", ""))[:MAX_TOKEN]
        self.error = ERRORS.get(str(params.get("error", "")), "")
        back = safe_next(f"/invite?token={quote(self.token, safe='')}")
        self.next_query = f"?next={quote(back, safe='')}"
        self.org_name = self.role = self.user_email = ""
        self.usable = self.already_member = False
        user = await signed_in_user(self)
        self.signed_in = user is not None
        if user is not None:
            self.user_email = user.email
            preview = await asyncio.to_thread(
                preview_invitation, _database(), self.token, user_id=user.user_id
            )
            if preview is not None:
                self.org_name, self.role = preview.org_name, preview.role.value
                self.already_member = preview.already_member
                self.usable = not preview.already_member
            elif not self.error:
                self.error = ERRORS["invalid"]
        self.loaded = True
