"""Settings → Secrets: the organisation's secret names, never their values.

A value travels once, from the form to :mod:`agentflow.services.tenancy.secrets`,
which encrypts it. It is never a state var: the forms hand it to the event that
stores it and are reset, so it is not kept in the state, sent back to the
browser or rendered in the page afterwards.
"""

from __future__ import annotations

import asyncio
from typing import Any

import reflex as rx

from agentflow.errors import Forbidden, InvalidInput, NotFound
from agentflow.services.tenancy import secrets as org_secrets
from agentflow.services.tenancy.audit_lookups import SecretAuthors, secret_authors
from agentflow.services.tenancy.permissions import Action, Actor
from components.formatting import relative_time
from state.common import database_url as _database
from state.session import current_actor, login_redirect

Refusal = (Forbidden, InvalidInput, NotFound)
NO_AUTHOR = SecretAuthors("", "")
# The create form's inputs, cleared once their secret is saved.
NAME_FIELD, VALUE_FIELD = "new-secret-name", "new-secret-value"


def _row(info: org_secrets.SecretInfo, authors: SecretAuthors) -> dict[str, str]:
    return {
        "name": info.name,
        "created": relative_time(info.created_at),
        "created_by": authors.created_by or "—",
        "updated": relative_time(info.updated_at),
        "updated_by": authors.updated_by or "—",
    }


def _text(form: dict[str, Any], field: str) -> str:
    value = form.get(field, "")
    return value if isinstance(value, str) else ""


class SecretsState(rx.State):
    loaded: bool = False
    error: str = ""
    notice: str = ""
    rows: list[dict[str, str]] = []
    can_write: bool = False

    create_error: str = ""
    update_name: str = ""  # the secret whose value the update dialog replaces
    update_error: str = ""
    delete_name: str = ""

    async def _reload(self, actor: Actor) -> None:
        self.can_write = actor.allowed(Action.SECRET_WRITE)
        try:
            infos = await asyncio.to_thread(org_secrets.list_secrets, _database(), actor)
            authors = await asyncio.to_thread(secret_authors, _database(), actor)
        except Forbidden as exc:
            self.error, self.rows = exc.message, []
            return
        self.rows = [_row(info, authors.get(info.name, NO_AUTHOR)) for info in infos]

    @rx.event
    async def load(self) -> None:
        self.error = self.notice = self.create_error = self.update_error = ""
        self.update_name = self.delete_name = ""
        actor = await current_actor(self)
        if actor is None:
            self.rows = []
            return
        await self._reload(actor)
        self.loaded = True

    @rx.event
    async def create(self, form: dict[str, Any]) -> Any:
        self.create_error = self.notice = ""
        actor = await current_actor(self)
        if actor is None:
            return login_redirect(self)
        name = _text(form, "name").strip()
        data: dict[str, object] = {"name": name, "value": _text(form, "value")}
        try:
            await asyncio.to_thread(org_secrets.create_secret, _database(), actor, data)
        except Refusal as exc:
            self.create_error = exc.message
            return None
        self.notice = f"Secret {name} saved. Use it as {{{{ env.{name} }}}}."
        await self._reload(actor)
        return [rx.set_value(NAME_FIELD, ""), rx.set_value(VALUE_FIELD, "")]

    # -- replacing a value ----------------------------------------------------------

    @rx.event
    def ask_update(self, name: str) -> None:
        self.update_name, self.update_error = name, ""

    @rx.event
    def set_update_open(self, is_open: bool) -> None:
        if not is_open:
            self.update_name = self.update_error = ""

    @rx.event
    async def update(self, form: dict[str, Any]) -> Any:
        self.update_error = self.notice = ""
        name = self.update_name
        actor = await current_actor(self)
        if actor is None:
            return login_redirect(self)
        data: dict[str, object] = {"value": _text(form, "value")}
        try:
            await asyncio.to_thread(org_secrets.update_secret, _database(), actor, name, data)
        except Refusal as exc:
            self.update_error = exc.message
            return None
        self.update_name = ""
        self.notice = f"The value of {name} was replaced."
        await self._reload(actor)
        return None

    # -- deleting -------------------------------------------------------------------

    @rx.event
    def ask_delete(self, name: str) -> None:
        self.delete_name = name

    @rx.event
    def cancel_delete(self) -> None:
        self.delete_name = ""

    @rx.event
    async def confirm_delete(self) -> Any:
        name, self.delete_name = self.delete_name, ""
        self.error = self.notice = ""
        actor = await current_actor(self)
        if actor is None:
            return login_redirect(self)
        try:
            await asyncio.to_thread(org_secrets.delete_secret, _database(), actor, name)
        except Refusal as exc:
            self.error = exc.message
        await self._reload(actor)
        return None
