"""The "test" button of a model provider: one completion of at most one token.

It is sent like a run's call (the instance's policy, the outbound guard, the
organisation's stored key) so that a success means workflows will reach the
provider too, and a failure is the same sentence a run would show.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from agentflow.errors import InvalidInput
from agentflow.llm import ChatRequest, LlmError, complete
from agentflow.llm.catalog import model_choices
from agentflow.services.providers.access import model_access
from agentflow.services.providers.setup import ProviderStatus, provider_settings
from agentflow.services.tenancy.permissions import Action, Actor, require
from agentflow.services.tenancy.secrets import secrets_for_run
from agentflow.settings import Settings

TEST_TIMEOUT_S = 20.0


@dataclass(frozen=True)
class ProviderCheck:
    provider: str
    model: str
    message: str


def _model_to_test(status: ProviderStatus, default_model: str | None) -> str:
    spec = status.spec
    if default_model and any(default_model.startswith(f"{p}/") for p in spec.providers):
        return default_model
    if spec.test_model:
        return spec.test_model
    listed = model_choices([spec])
    if listed:
        return listed[0].model
    raise InvalidInput(
        f"to test {spec.label}, first set a default model of it, e.g. {spec.example_model}"
    )


async def check_provider(
    database_url: str, actor: Actor, provider: str, *, settings: Settings | None = None
) -> ProviderCheck:
    """Ask the provider for one token; InvalidInput says why it failed, in a sentence."""
    require(actor, Action.MODEL_PROVIDER_MANAGE)
    found = await asyncio.to_thread(provider_settings, database_url, actor)
    status = next((s for s in found.providers if s.spec.id == provider), None)
    if status is None:
        raise InvalidInput(f"{provider} is not a model provider this instance offers")
    model = _model_to_test(status, found.default_model)
    secrets = await asyncio.to_thread(
        secrets_for_run, database_url, actor.org_id, settings=settings
    )
    access = await asyncio.to_thread(model_access, database_url, actor.org_id, secrets)
    request = ChatRequest(
        model=model,
        messages=[{"role": "user", "content": "Reply with the word ok."}],
        max_tokens=1,
        timeout_s=TEST_TIMEOUT_S,
        credentials=access,
    )
    try:
        await complete(request)
    except LlmError as exc:
        raise InvalidInput(exc.message) from None
    return ProviderCheck(provider, model, f"{status.spec.label} answered ({model}).")
