"""Settings → API keys: the signed-in user's organisation's keys.

The user is resolved from the session cookie on every event (never kept in the
state), so a logged-out or expired session stops working at once. A new key's
secret is held only until the page is left or another key is made.
"""

from __future__ import annotations

import asyncio
import uuid

import reflex as rx

from agentflow.errors import AgentFlowError, Forbidden, NotFound
from agentflow.services.tenancy import api_keys
from agentflow.services.tenancy.permissions import Actor
from components.formatting import relative_time
from state.common import database_url as _database
from state.common import toggled
from state.session import current_actor

SCOPES = ("read", "run", "write")


def _row(info: api_keys.ApiKeyInfo) -> dict[str, str]:
    return {
        "id": str(info.id),
        "name": info.name,
        "prefix": f"af_{info.prefix}_…",
        "scopes": ", ".join(scope.value for scope in info.scopes),
        "created": relative_time(info.created_at),
        "last_used": relative_time(info.last_used_at) if info.last_used_at else "never",
        "revoked": "revoked" if info.revoked_at else "",
    }


class ApiKeysState(rx.State):
    loaded: bool = False
    signed_in: bool = False
    rows: list[dict[str, str]] = []
    error: str = ""

    new_name: str = ""
    new_scopes: list[str] = ["read"]
    create_error: str = ""
    new_secret: str = ""

    revoke_id: str = ""
    revoke_name: str = ""

    async def _actor(self) -> Actor | None:
        actor = await current_actor(self)
        self.signed_in = actor is not None
        if actor is None:
            self.rows = []
        return actor

    async def _reload(self, actor: Actor) -> None:
        try:
            infos = await asyncio.to_thread(api_keys.list_api_keys, _database(), actor)
        except Forbidden as exc:
            self.error = exc.message
            self.rows = []
            return
        self.rows = [_row(info) for info in infos]

    @rx.event
    async def load(self) -> None:
        self.error = self.create_error = self.new_secret = ""
        self.revoke_id = self.revoke_name = ""
        actor = await self._actor()
        if actor is not None:
            await self._reload(actor)
        self.loaded = True

    @rx.event
    def set_new_name(self, value: str) -> None:
        self.new_name = value[:100]

    @rx.event
    def toggle_scope(self, scope: str, checked: bool) -> None:
        self.new_scopes = toggled(SCOPES, self.new_scopes, scope, checked)

    @rx.event
    async def create(self) -> None:
        self.create_error = ""
        actor = await self._actor()
        if actor is None:
            return
        data: dict[str, object] = {"name": self.new_name.strip(), "scopes": self.new_scopes}
        try:
            new = await asyncio.to_thread(api_keys.create_api_key, _database(), actor, data)
        except AgentFlowError as exc:
            self.create_error = exc.message
            return
        self.new_secret = new.key
        self.new_name = ""
        await self._reload(actor)

    @rx.event
    def dismiss_secret(self) -> None:
        self.new_secret = ""

    @rx.event
    def ask_revoke(self, key_id: str, name: str) -> None:
        self.revoke_id, self.revoke_name = key_id, name

    @rx.event
    def cancel_revoke(self) -> None:
        self.revoke_id = self.revoke_name = ""

    @rx.event
    async def confirm_revoke(self) -> None:
        key_id, self.revoke_id, self.revoke_name = self.revoke_id, "", ""
        actor = await self._actor()
        if actor is None:
            return
        try:
            await asyncio.to_thread(api_keys.revoke_api_key, _database(), actor, uuid.UUID(key_id))
        except (ValueError, NotFound, Forbidden) as exc:
            self.error = getattr(exc, "message", "") or "this API key was not found"
        await self._reload(actor)
