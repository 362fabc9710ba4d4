"""Settings → Members: the organisation's members, their roles, invitations, leaving.

Every event acts as the signed-in user (:func:`state.session.current_actor`);
the organisation services check the permission matrix and the role ranks and
record each change in the audit trail. Their refusals are shown as they are.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable
from typing import Any

import reflex as rx

from agentflow.errors import Forbidden, InvalidInput, NotFound
from agentflow.services.tenancy import organizations as orgs
from agentflow.services.tenancy.permissions import Action, Actor, Role
from components.formatting import relative_time, timestamp
from state.common import database_url as _database
from state.session import SessionState, current_actor, login_redirect

ROLES = tuple(role.value for role in Role)  # owner, admin, editor, viewer
Refusal = (Forbidden, InvalidInput, NotFound)


def _member_row(member: orgs.Member, me: uuid.UUID | None) -> dict[str, str]:
    return {
        "user_id": str(member.user_id),
        "name": member.name,
        "email": member.email,
        # How to refer to the member in dialogs: their name, else their email.
        "label": member.name or member.email,
        "role": member.role.value,
        "joined": timestamp(member.joined_at),
        "me": "yes" if member.user_id == me else "",
    }


def _invitation_row(invitation: orgs.PendingInvitation) -> dict[str, str]:
    return {
        "id": str(invitation.id),
        "role": invitation.role.value,
        "email": invitation.email or "",
        "created": relative_time(invitation.created_at),
        "expires": timestamp(invitation.expires_at),
    }


class MembersState(rx.State):
    loaded: bool = False
    error: str = ""
    rows: list[dict[str, str]] = []
    invitations: list[dict[str, str]] = []
    can_manage: bool = False  # change roles and remove members
    can_invite: bool = False

    invite_role: str = Role.EDITOR.value
    invite_email: str = ""
    invite_error: str = ""
    # The new invitation's link: it holds the token, shown once, never stored here later.
    new_link: str = ""

    remove_id: str = ""
    remove_label: str = ""
    revoke_id: str = ""
    revoke_label: str = ""
    leave_open: bool = False
    leave_error: str = ""

    async def _reload(self, actor: Actor) -> None:
        self.can_manage = actor.allowed(Action.MEMBER_CHANGE_ROLE)
        self.can_invite = actor.allowed(Action.MEMBER_INVITE)
        try:
            members = await asyncio.to_thread(orgs.list_members, _database(), actor)
            pending = (
                await asyncio.to_thread(orgs.list_invitations, _database(), actor)
                if self.can_invite
                else []
            )
        except Forbidden as exc:
            self.error, self.rows, self.invitations = exc.message, [], []
            return
        self.rows = [_member_row(member, actor.user_id) for member in members]
        self.invitations = [_invitation_row(invitation) for invitation in pending]

    @rx.event
    async def load(self) -> None:
        self.error = self.invite_error = self.new_link = self.leave_error = ""
        self.remove_id = self.revoke_id = ""
        self.leave_open = False
        actor = await current_actor(self)
        if actor is None:
            self.rows, self.invitations = [], []
            return
        await self._reload(actor)
        self.loaded = True

    async def _change(
        self, what: str, target_id: str, work: Callable[[Actor, uuid.UUID], None]
    ) -> Actor | None:
        """Run ``work`` on the row ``target_id`` as the signed-in user, then reload;
        a refusal is shown above the table. None when nobody is signed in."""
        self.error = ""
        actor = await current_actor(self)
        if actor is None:
            return None
        try:
            target = uuid.UUID(target_id)
            await asyncio.to_thread(work, actor, target)
        except ValueError:
            self.error = f"{what} not found"
        except Refusal as exc:
            self.error = exc.message
        await self._reload(actor)
        return actor

    # -- roles ----------------------------------------------------------------------

    @rx.event
    async def change_role(self, user_id: str, role: str) -> Any:
        def work(actor: Actor, target: uuid.UUID) -> None:
            orgs.change_role(_database(), actor, target, {"role": role})

        actor = await self._change("member", user_id, work)
        if actor is None:
            return login_redirect(self)
        # One's own role may have changed: the sidebar shows it.
        return SessionState.require if user_id == str(actor.user_id) else None

    # -- removing -------------------------------------------------------------------

    @rx.event
    def ask_remove(self, user_id: str, label: str) -> None:
        self.remove_id, self.remove_label = user_id, label

    @rx.event
    def cancel_remove(self) -> None:
        self.remove_id = self.remove_label = ""

    @rx.event
    async def confirm_remove(self) -> Any:
        user_id, self.remove_id, self.remove_label = self.remove_id, "", ""

        def work(actor: Actor, target: uuid.UUID) -> None:
            orgs.remove_member(_database(), actor, target)

        actor = await self._change("member", user_id, work)
        return login_redirect(self) if actor is None else None

    # -- invitations ----------------------------------------------------------------

    @rx.event
    def set_invite_role(self, value: str) -> None:
        self.invite_role = value if value in ROLES else Role.EDITOR.value

    @rx.event
    def set_invite_email(self, value: str) -> None:
        self.invite_email = value[:254]

    @rx.event
    async def create_invitation(self) -> Any:
        self.invite_error = self.new_link = ""
        actor = await current_actor(self)
        if actor is None:
            return login_redirect(self)
        data: dict[str, object] = {"role": self.invite_role}
        if self.invite_email.strip():
            data["email"] = self.invite_email.strip()
        try:
            made = await asyncio.to_thread(orgs.invite, _database(), actor, data)
        except Refusal as exc:
            self.invite_error = exc.message
            return None
        self.new_link, self.invite_email = made.link, ""
        await self._reload(actor)
        return None

    @rx.event
    def dismiss_link(self) -> None:
        self.new_link = ""

    @rx.event
    def ask_revoke(self, invitation_id: str, label: str) -> None:
        self.revoke_id, self.revoke_label = invitation_id, label

    @rx.event
    def cancel_revoke(self) -> None:
        self.revoke_id = self.revoke_label = ""

    @rx.event
    async def confirm_revoke(self) -> Any:
        invitation_id, self.revoke_id, self.revoke_label = self.revoke_id, "", ""

        def work(actor: Actor, target: uuid.UUID) -> None:
            orgs.revoke_invitation(_database(), actor, target)

        actor = await self._change("invitation", invitation_id, work)
        return login_redirect(self) if actor is None else None

    # -- leaving --------------------------------------------------------------------

    @rx.event
    def ask_leave(self) -> None:
        self.leave_open, self.leave_error = True, ""

    @rx.event
    def cancel_leave(self) -> None:
        self.leave_open = False

    @rx.event
    async def confirm_leave(self) -> Any:
        self.leave_open = False
        actor = await current_actor(self)
        if actor is None:
            return login_redirect(self)
        try:
            await asyncio.to_thread(orgs.leave_org, _database(), actor)
        except Refusal as exc:
            self.leave_error = exc.message
            return None
        # The session falls back to another of the user's organisations, if any.
        return rx.redirect("/workflows")
