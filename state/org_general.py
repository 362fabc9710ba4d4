"""Settings → General: the active organisation's name (renamed by owners and admins)."""

from __future__ import annotations

import asyncio
from typing import Any

import reflex as rx

from agentflow.services import organizations as orgs
from agentflow.services.permissions import Action, Forbidden, InvalidInput, NotFound
from state.common import database_url as _database
from state.session import SessionState, current_actor, login_redirect, signed_in_user


class OrgGeneralState(rx.State):
    loaded: bool = False
    org_name: str = ""
    role: str = ""
    can_rename: bool = False
    new_name: str = ""
    error: str = ""
    notice: str = ""

    @rx.event
    async def load(self) -> None:
        self.error = self.notice = ""
        user = await signed_in_user(self)
        if user is None or user.org_id is None:
            return
        self.org_name = self.new_name = user.org_name
        self.role = user.role.value if user.role else ""
        self.can_rename = user.actor().allowed(Action.ORG_UPDATE)
        self.loaded = True

    @rx.event
    def set_new_name(self, value: str) -> None:
        self.new_name = value[:200]

    @rx.event
    async def rename(self) -> Any:
        self.error = self.notice = ""
        actor = await current_actor(self)
        if actor is None:
            return login_redirect(self)
        try:
            await asyncio.to_thread(orgs.update_org, _database(), actor, {"name": self.new_name})
        except (Forbidden, InvalidInput, NotFound) as exc:
            self.error = exc.message
            return None
        self.org_name = self.new_name = " ".join(self.new_name.split())
        self.notice = "Organisation renamed."
        return SessionState.require  # the sidebar's switcher shows the name
