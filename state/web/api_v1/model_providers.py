"""/api/v1 model providers: what Settings → Model providers does, for scripts.

List the providers this instance offers with the organisation's set-up, enable one
(its key is stored as an organisation secret and never returned), test it with one
token, disable it, and set the default model. ``services.providers`` checks the
permission (owners and admins manage; every member reads) and audits each change.
"""

from __future__ import annotations

import asyncio
from typing import Annotated, Any

from fastapi import APIRouter, Path, Response, status

from agentflow.services.providers import check, setup
from agentflow.services.providers.setup import DefaultModelInput, ProviderInput, ProviderStatus
from state.web.api_v1.deps import CurrentActor, RateHeadersRoute, services

ProviderId = Annotated[
    str, Path(max_length=40, pattern=r"^[a-z_]+$", description="e.g. openai, anthropic, azure")
]

router = APIRouter(
    prefix="/api/v1/model-providers", tags=["model providers"], route_class=RateHeadersRoute
)


def _view(provider: ProviderStatus) -> dict[str, Any]:
    spec = provider.spec
    return {
        "id": spec.id,
        "label": spec.label,
        "enabled": provider.enabled,
        "usable": provider.usable,
        "has_key": provider.has_key,
        "key_secret": spec.key_secret or None,
        "instance_key": provider.instance_key,
        "api_base": provider.api_base,
        "api_version": provider.api_version,
        "server_url": provider.server_url,
        "example_model": spec.example_model or None,
    }


@router.get("", summary="The providers this instance offers, and the default model")
async def list_providers(actor: CurrentActor) -> dict[str, Any]:
    found = await asyncio.to_thread(setup.provider_settings, services().database_url, actor)
    return {
        "items": [_view(provider) for provider in found.providers],
        "default_model": found.default_model,
    }


# Declared before /{provider}: "default-model" is no provider.
@router.put("/default-model", summary="Set the default model (one of a usable provider)")
async def set_default_model(actor: CurrentActor, body: DefaultModelInput) -> dict[str, Any]:
    model = await asyncio.to_thread(setup.set_default_model, services().database_url, actor, body)
    return {"default_model": model}


@router.put("/{provider}", summary="Enable a provider or update it (key, endpoint)")
async def enable_provider(
    actor: CurrentActor, provider: ProviderId, body: ProviderInput
) -> dict[str, Any]:
    updated = await asyncio.to_thread(
        setup.enable_provider, services().database_url, actor, provider, body
    )
    return _view(updated)


@router.delete(
    "/{provider}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Stop offering a provider (its key secret stays)",
)
async def disable_provider(actor: CurrentActor, provider: ProviderId) -> Response:
    await asyncio.to_thread(setup.disable_provider, services().database_url, actor, provider)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/{provider}/test", summary="Ask the provider for one token with the stored key")
async def test_provider(actor: CurrentActor, provider: ProviderId) -> dict[str, Any]:
    result = await check.check_provider(services().database_url, actor, provider)
    return {"provider": result.provider, "model": result.model, "message": result.message}
