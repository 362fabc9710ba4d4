"""Settings → Model providers: enable providers with their keys, test them, pick the
default model.

A key travels once, from the form to :mod:`agentflow.services.providers.setup`,
which stores it as an organisation secret; like the Secrets page, it is never a
state var, and the form's input is cleared once it is saved.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import reflex as rx

from agentflow.errors import Forbidden, InvalidInput, NotFound
from agentflow.llm.catalog import ModelChoice, model_choices
from agentflow.services.providers import check, setup
from agentflow.services.tenancy.permissions import Action, Actor
from state.common import database_url as _database
from state.session import current_actor, login_redirect

Refusal = (Forbidden, InvalidInput, NotFound)
DEFAULT_MODEL_FIELD = "default-model"


def key_field(provider: str) -> str:
    """The id of a provider's key input (cleared once the key is stored)."""
    return f"provider-key-{provider}"


def _status(status: setup.ProviderStatus) -> tuple[str, str]:
    """The badge: what the organisation can do with this provider right now."""
    if status.enabled and status.usable:
        return "Enabled", "green"
    if status.enabled:
        return "Enabled, key missing", "amber"
    if status.instance_key:
        return "Set up by the instance", "blue"
    return "Not set up", "gray"


def provider_row(status: setup.ProviderStatus) -> dict[str, Any]:
    spec = status.spec
    label, color = _status(status)
    return {
        "id": spec.id,
        "label": spec.label,
        "status": label,
        "status_color": color,
        "enabled": status.enabled,
        "key_secret": spec.key_secret,
        "takes_key": bool(spec.key_secret),
        "key_required": spec.key_required,
        "has_key": status.has_key,
        "endpoint_required": spec.endpoint_required,
        "api_base": status.api_base or "",
        "api_version": status.api_version or "",
        "server_url": status.server_url or "",
        "example_model": spec.example_model,
    }


def model_rows(choices: list[ModelChoice]) -> list[dict[str, str]]:
    return [{"model": choice.model, "summary": choice.summary} for choice in choices]


def _text(form: dict[str, Any], field: str) -> str:
    value = form.get(field, "")
    return value if isinstance(value, str) else ""


class ModelProvidersState(rx.State):
    loaded: bool = False
    error: str = ""
    notice: str = ""
    can_manage: bool = False
    providers: list[dict[str, Any]] = []
    models: list[dict[str, str]] = []
    default_model: str = ""
    default_error: str = ""
    # Per provider: the last save refusal, and the last test's result.
    provider_errors: dict[str, str] = {}
    test_results: dict[str, str] = {}
    test_passed: dict[str, bool] = {}
    testing: str = ""  # the provider whose test is running
    disable_id: str = ""  # the provider the confirmation dialog is about

    async def _reload(self, actor: Actor) -> None:
        self.can_manage = actor.allowed(Action.MODEL_PROVIDER_MANAGE)
        try:
            found = await asyncio.to_thread(setup.provider_settings, _database(), actor)
        except Forbidden as exc:
            self.error, self.providers = exc.message, []
            return
        self.providers = [provider_row(status) for status in found.providers]
        self.default_model = found.default_model or ""
        usable = setup.usable_specs(found.providers)
        self.models = model_rows(await asyncio.to_thread(model_choices, usable))

    @rx.event
    async def load(self) -> None:
        self.error = self.notice = self.default_error = self.disable_id = self.testing = ""
        self.provider_errors, self.test_results, self.test_passed = {}, {}, {}
        actor = await current_actor(self)
        if actor is None:
            self.providers = []
            return
        await self._reload(actor)
        self.loaded = True

    @rx.event
    async def save(self, form: dict[str, Any]) -> Any:
        provider = _text(form, "provider")
        self.notice = ""
        self.provider_errors = {**self.provider_errors, provider: ""}
        actor = await current_actor(self)
        if actor is None:
            return login_redirect(self)
        data: dict[str, object] = {"api_key": _text(form, "api_key")}
        for field in ("api_base", "api_version"):
            if field in form:
                data[field] = _text(form, field)
        try:
            status = await asyncio.to_thread(
                setup.enable_provider, _database(), actor, provider, data
            )
        except Refusal as exc:
            self.provider_errors = {**self.provider_errors, provider: exc.message}
            return None
        self.notice = f"{status.spec.label} is enabled for your organisation."
        await self._reload(actor)
        # The key inputs are made per card (in a foreach), so they have no Reflex ref to
        # set_value: clear the uncontrolled input itself.
        field = json.dumps(key_field(provider))
        return rx.call_script(f"document.getElementById({field}).value = ''")

    @rx.event(background=True)
    async def test(self, provider: str) -> None:
        async with self:
            if self.testing:
                return
            self.testing = provider
            actor = await current_actor(self)
        passed, message = False, "Your session ended: log in again."
        if actor is not None:
            try:
                result = await check.check_provider(_database(), actor, provider)
                passed, message = True, result.message
            except Refusal as exc:
                message = exc.message
        async with self:
            self.testing = ""
            self.test_results = {**self.test_results, provider: message}
            self.test_passed = {**self.test_passed, provider: passed}

    @rx.event
    async def save_default(self, form: dict[str, Any]) -> Any:
        self.default_error = self.notice = ""
        actor = await current_actor(self)
        if actor is None:
            return login_redirect(self)
        data = {"model": _text(form, "model")}
        try:
            model = await asyncio.to_thread(setup.set_default_model, _database(), actor, data)
        except Refusal as exc:
            self.default_error = exc.message
            return None
        self.default_model = model
        self.notice = f"Templates you install from now on use {model}."
        return None

    # -- disabling (confirmed) ---------------------------------------------------------

    @rx.event
    def ask_disable(self, provider: str) -> None:
        self.disable_id = provider

    @rx.event
    def cancel_disable(self) -> None:
        self.disable_id = ""

    @rx.event
    async def confirm_disable(self) -> Any:
        provider, self.disable_id = self.disable_id, ""
        self.error = self.notice = ""
        actor = await current_actor(self)
        if actor is None:
            return login_redirect(self)
        try:
            await asyncio.to_thread(setup.disable_provider, _database(), actor, provider)
        except Refusal as exc:
            self.error = exc.message
        else:
            self.test_results = {**self.test_results, provider: ""}
            self.notice = "The provider is disabled. Its key stays in Secrets."
        await self._reload(actor)
        return None

    @rx.var
    def disable_label(self) -> str:
        row = next((row for row in self.providers if row["id"] == self.disable_id), None)
        return str(row["label"]) if row else ""
