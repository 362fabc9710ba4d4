"""Settings → Model providers: enable a provider with its key, pick a default model.

A key is stored as an organisation secret under the provider's key name
(``OPENAI_API_KEY``...), in the same transaction as the provider row and the
audit entries; disabling a provider keeps that secret (workflows may read it as
``env.NAME``) and says so. Which providers may be enabled is the instance's
choice (:func:`agentflow.llm.catalog.available_providers`); an organisation
never gives a server address, only Azure's hosted https endpoint.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, field_validator
from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlmodel import col

from agentflow.db.accounts import OrgSecret
from agentflow.db.engine import session_scope
from agentflow.db.model_providers import OrgModelProvider
from agentflow.db.models import Organization, utcnow
from agentflow.db.tenancy import get_owned
from agentflow.errors import InvalidInput, NotFound
from agentflow.llm import instance_model_policy
from agentflow.llm.catalog import (
    BY_ID,
    ModelChoice,
    ProviderSpec,
    available_providers,
    instance_key,
    model_choices,
    server_url,
    spec_for,
)
from agentflow.llm.providers import ModelRefused, check_base_url
from agentflow.services.tenancy import audit
from agentflow.services.tenancy.permissions import Action, Actor, parse_input, require
from agentflow.services.tenancy.secrets import put_secret
from agentflow.settings import Settings

AZURE_DEFAULT_API_VERSION = "2024-10-21"


class ProviderNotFound(NotFound):
    what = "model provider"


MAX_KEY_CHARS = 1000


class ProviderInput(BaseModel):
    model_config = ConfigDict(extra="forbid")
    api_key: str | None = Field(None, title="API key", max_length=MAX_KEY_CHARS)
    api_base: str | None = Field(None, title="Endpoint", max_length=500)
    api_version: str | None = Field(None, title="API version", max_length=40)

    @field_validator("api_key")
    @classmethod
    def _one_printable_token(cls, value: str | None) -> str | None:
        # Providers' keys are printable ASCII without spaces. A key pasted with a
        # line break or a stray character inside would be stored and then refused by
        # the provider on every run, or break the Authorization header.
        text = (value or "").strip()
        if text and not all("!" <= char <= "~" for char in text):
            raise ValueError(
                "has a space, a line break or another character no API key has: "
                "copy it again from the provider's console"
            )
        return value


class DefaultModelInput(BaseModel):
    model_config = ConfigDict(extra="forbid")
    model: str = Field(title="Default model", min_length=1, max_length=200)


@dataclass(frozen=True)
class ProviderStatus:
    spec: ProviderSpec
    enabled: bool  # the organisation set it up
    has_key: bool  # its key secret exists in the organisation
    instance_key: bool  # the instance's environment holds a key for it
    api_base: str | None
    api_version: str | None
    server_url: str | None  # a model server's address, as the instance configured it

    @property
    def usable(self) -> bool:
        """Whether a call could be made: enabled with what it needs, or keyed by the instance."""
        if self.enabled:
            return self.has_key or not self.spec.key_required or self.instance_key
        return self.instance_key and not self.spec.endpoint_required


@dataclass(frozen=True)
class ProviderSettings:
    providers: list[ProviderStatus]
    default_model: str | None


def _statuses(session: Session, org_id: uuid.UUID) -> list[ProviderStatus]:
    policy = instance_model_policy()
    rows = {
        row.provider: row
        for row in session.execute(
            select(OrgModelProvider).where(col(OrgModelProvider.org_id) == org_id)
        ).scalars()
    }
    names = set(
        session.execute(
            select(col(OrgSecret.name)).where(col(OrgSecret.org_id) == org_id)
        ).scalars()
    )
    statuses = []
    for spec in available_providers(policy):
        row = rows.get(spec.id)
        statuses.append(
            ProviderStatus(
                spec=spec,
                enabled=row is not None,
                has_key=bool(spec.key_secret) and spec.key_secret in names,
                instance_key=instance_key(spec),
                api_base=row.api_base if row else None,
                api_version=row.api_version if row else None,
                server_url=server_url(spec, policy),
            )
        )
    return statuses


def provider_settings(database_url: str, actor: Actor) -> ProviderSettings:
    """The providers this instance offers, what the organisation set up, its default."""
    require(actor, Action.WORKFLOW_READ)
    with session_scope(database_url) as session:
        org = session.get(Organization, actor.org_id)
        return ProviderSettings(
            _statuses(session, actor.org_id), org.default_model if org else None
        )


def _spec(provider: str) -> ProviderSpec:
    spec = BY_ID.get(provider)
    if spec is None or spec not in available_providers(instance_model_policy()):
        raise ProviderNotFound()
    return spec


def _endpoint(value: str | None) -> str:
    """Azure's endpoint: an https address, checked like an instance's model server URL."""
    text = (value or "").strip()
    if urlsplit(text).scheme != "https":
        raise InvalidInput(
            "Azure OpenAI needs your resource's endpoint, an https:// address such as "
            "https://my-resource.openai.azure.com"
        )
    try:
        return check_base_url("Azure OpenAI", text)
    except ValueError as exc:
        raise InvalidInput(f"the endpoint is not usable: {exc}") from None


def enable_provider(
    database_url: str,
    actor: Actor,
    provider: str,
    data: ProviderInput | dict[str, object],
    *,
    settings: Settings | None = None,
) -> ProviderStatus:
    """Enable ``provider`` (or update it): store the key given, Azure's endpoint."""
    require(actor, Action.MODEL_PROVIDER_MANAGE)
    spec = _spec(provider)
    form = parse_input(ProviderInput, data)
    key = (form.api_key or "").strip()
    if not spec.key_secret and key:
        raise InvalidInput(f"{spec.label} takes no API key")
    api_base = _endpoint(form.api_base) if spec.endpoint_required else None
    api_version = (form.api_version or "").strip() or AZURE_DEFAULT_API_VERSION
    with session_scope(database_url) as session:
        has_key = spec.key_secret and get_owned(
            session, OrgSecret, org_id=actor.org_id, name=spec.key_secret
        )
        if spec.key_required and not key and not has_key:
            raise InvalidInput(
                f"{spec.label} needs an API key: paste it in the API key field "
                f"(it is stored as the secret {spec.key_secret})"
            )
        if key:
            put_secret(session, actor, spec.key_secret, key, settings=settings)
        row = get_owned(
            session, OrgModelProvider, org_id=actor.org_id, provider=spec.id, for_update=True
        )
        action = "model_provider.update" if row else "model_provider.enable"
        if row is None:
            row = OrgModelProvider(org_id=actor.org_id, provider=spec.id)
            session.add(row)
        row.api_base = api_base
        row.api_version = api_version if spec.endpoint_required else None
        row.updated_at = utcnow()
        details = {"key_replaced": bool(key)} | ({"endpoint": api_base} if api_base else {})
        audit.record(
            session, actor, action, target_type="model_provider", target_id=spec.id,
            details=details,
        )  # fmt: skip
        session.flush()
        return next(s for s in _statuses(session, actor.org_id) if s.spec.id == spec.id)


def disable_provider(database_url: str, actor: Actor, provider: str) -> None:
    """Stop offering ``provider``; its key secret stays (workflows may use it as env)."""
    require(actor, Action.MODEL_PROVIDER_MANAGE)
    spec = BY_ID.get(provider)
    with session_scope(database_url) as session:
        row = spec and get_owned(session, OrgModelProvider, org_id=actor.org_id, provider=spec.id)
        if not row:
            raise ProviderNotFound()
        session.delete(row)
        audit.record(
            session, actor, "model_provider.disable", target_type="model_provider",
            target_id=provider,
        )  # fmt: skip


def usable_specs(statuses: list[ProviderStatus]) -> list[ProviderSpec]:
    return [status.spec for status in statuses if status.usable]


def model_problem(model: str, statuses: list[ProviderStatus]) -> str | None:
    """Why ``model`` cannot be the default (or be called) here, or None."""
    try:
        route = instance_model_policy().route(model)
    except ModelRefused as exc:
        return exc.message
    if route is None:
        return f"litellm does not know the model '{model}': write it as provider/model"
    spec = spec_for(route.provider)
    status = next((s for s in statuses if spec is not None and s.spec is spec), None)
    if spec is not None and (status is None or not status.usable):
        return f"{model} is a {spec.label} model: enable {spec.label} first"
    return None


def set_default_model(database_url: str, actor: Actor, data: DefaultModelInput | dict) -> str:
    """The model installed templates use from now on; it must be usable here."""
    require(actor, Action.MODEL_PROVIDER_MANAGE)
    model = parse_input(DefaultModelInput, data).model.strip()
    with session_scope(database_url) as session:
        problem = model_problem(model, _statuses(session, actor.org_id))
        if problem:
            raise InvalidInput(problem)
        org = session.get(Organization, actor.org_id, with_for_update=True)
        if org is None:
            raise NotFound("organisation")
        org.default_model = model
        audit.record(
            session, actor, "org.default_model", target_type="organization",
            target_id=actor.org_id, details={"model": model},
        )  # fmt: skip
    return model


def models_for_forms(database_url: str, actor: Actor) -> list[ModelChoice]:
    """The models of every provider usable in the actor's organisation, for pickers."""
    return model_choices(usable_specs(provider_settings(database_url, actor).providers))
