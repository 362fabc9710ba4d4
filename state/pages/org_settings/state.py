"""Settings → General: the active organisation's name, and starting another one."""

from __future__ import annotations

import asyncio
from typing import Any

import reflex as rx
from reflex.event import EventSpec

from agentflow.errors import AgentFlowError, InvalidInput
from agentflow.services.tenancy import organizations
from state.common import database_url
from state.session import SessionState, current_actor, signed_in_user


class OrgSettingsState(rx.State):
    org_name: str = ""
    org_slug: str = ""
    name_draft: str = ""
    name_message: str = ""
    name_error: str = ""

    new_org_open: bool = False
    new_org_name: str = ""
    new_org_error: str = ""

    @rx.event
    async def load(self) -> None:
        self.name_message = self.name_error = self.new_org_error = ""
        user = await signed_in_user(self)
        self.org_name = self.name_draft = user.org_name if user else ""
        self.org_slug = ""
        if user is not None:
            orgs = await asyncio.to_thread(organizations.list_orgs, database_url(), user.user_id)
            self.org_slug = next((o.slug for o in orgs if o.id == user.org_id), "")

    @rx.event
    def set_name_draft(self, value: str) -> None:
        self.name_draft, self.name_message, self.name_error = value[:200], "", ""

    @rx.event
    async def rename(self) -> Any:
        actor = await current_actor(self)
        if actor is None:
            return None
        try:
            await asyncio.to_thread(
                organizations.update_org, database_url(), actor, {"name": self.name_draft}
            )
        except AgentFlowError as exc:
            self.name_error = getattr(exc, "message", "") or "the organisation was not found"
            return None
        self.org_name = " ".join(self.name_draft.split())
        self.name_draft, self.name_message = self.org_name, "Saved."
        return SessionState.require  # the sidebar shows the new name

    @rx.event
    def set_new_org_open(self, value: bool) -> None:
        self.new_org_open, self.new_org_name, self.new_org_error = value, "", ""

    @rx.event
    def set_new_org_name(self, value: str) -> None:
        self.new_org_name, self.new_org_error = value[:200], ""

    @rx.event
    async def create_org(self) -> EventSpec | None:
        user = await signed_in_user(self)
        if user is None:
            return None
        ip = self.router.session.client_ip or ""
        try:
            await asyncio.to_thread(
                organizations.create_org,
                database_url(),
                user.user_id,
                {"name": self.new_org_name},
                ip=ip,
            )
        except InvalidInput as exc:
            self.new_org_error = exc.message
            return None
        self.new_org_open = False
        return rx.toast.success(
            "Organisation created. Switch to it from the organisation menu in the sidebar."
        )
