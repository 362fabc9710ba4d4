"""One chat completion, tried on each model in order until one answers.

``complete`` calls ``litellm.acompletion`` for the primary model, then for each
fallback model while the failure is a provider-side one (see
:mod:`agentflow.llm.errors`). Engine-level retries belong to the node's
``retry`` policy, so litellm's own retries are turned off (``max_retries=0``).
Prompts are never logged here, and litellm's message logging is turned off.

Before anything is sent, every model (fallbacks included) is checked against
the instance's :class:`agentflow.llm.providers.ModelPolicy`: a refused one
fails the call with a ``validation`` error, and each call is pinned to the
checked provider and, for an instance's own model server, its base URL. The
requests themselves leave through the outbound guard (:mod:`agentflow.llm.network`).
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from agentflow.llm.catalog import ProviderSpec, instance_key, missing_key_message, spec_for
from agentflow.llm.errors import LlmError, classify_provider_error
from agentflow.llm.providers import ModelRefused, ModelRoute, instance_model_policy

DEFAULT_CALL_TIMEOUT_S = 120.0
"""Limit of one model call; the node's ``timeout_s`` bounds the whole attempt."""

_litellm: Any = None
_loading = threading.Lock()


def load_litellm() -> Any:
    """Import and configure litellm on first use (about 1.5 s of import time)."""
    global _litellm
    if _litellm is not None:
        return _litellm
    with _loading:
        if _litellm is not None:
            return _litellm
        import litellm

        from agentflow.llm.network import install

        litellm.suppress_debug_info = True  # no "Give Feedback" banners on errors
        litellm.turn_off_message_logging = True  # callbacks never see prompt text
        install(litellm)  # every request it sends goes through the outbound guard
        _litellm = litellm
        return _litellm


async def litellm_module() -> Any:
    """litellm, imported in a thread the first time so the event loop keeps running."""
    return _litellm if _litellm is not None else await asyncio.to_thread(load_litellm)


async def provider_call(**kwargs: Any) -> Any:
    """The one place a provider is called (a seam for tests that wrap litellm)."""
    return await (await litellm_module()).acompletion(**kwargs)


@dataclass
class ChatRequest:
    model: str
    messages: list[dict[str, str]]
    fallback_models: list[str] = field(default_factory=list)
    temperature: float | None = None
    max_tokens: int | None = None
    json_mode: bool = False
    mock_response: str | None = None
    timeout_s: float = DEFAULT_CALL_TIMEOUT_S
    # The organisation's provider settings, provider -> litellm arguments
    # (api_key, and Azure's api_base and api_version): see agentflow.llm.catalog.
    credentials: Mapping[str, Mapping[str, str]] = field(default_factory=dict)

    def arguments(self, model: str) -> dict[str, Any]:
        kwargs: dict[str, Any] = {
            "model": model,
            "messages": self.messages,
            "timeout": self.timeout_s,
            "max_retries": 0,
        }
        if self.temperature is not None:
            kwargs["temperature"] = self.temperature
        if self.max_tokens is not None:
            kwargs["max_tokens"] = self.max_tokens
        if self.mock_response is not None:
            kwargs["mock_response"] = self.mock_response
        elif self.json_mode:
            kwargs["response_format"] = {"type": "json_object"}
        return kwargs

    def provider_arguments(self, route: ModelRoute) -> dict[str, Any]:
        """Where and as whom to call ``route``: the org's key, or a clear error if none.

        A mocked reply calls nothing, so it needs no key.
        """
        spec = spec_for(route.provider)
        given = dict(self.credentials.get(spec.id, {})) if spec else {}
        arguments = {k: v for k, v in given.items() if k in CREDENTIAL_ARGUMENTS and v}
        if route.api_base is not None:  # the instance's own server: never the org's address
            arguments.pop("api_base", None)
        if spec is not None and self._lacks_key(spec, arguments):
            raise LlmError("llm.auth", missing_key_message(spec, route.model))
        return arguments | route.arguments()

    def _lacks_key(self, spec: ProviderSpec, arguments: Mapping[str, str]) -> bool:
        if not spec.key_required or self.mock_response is not None:
            return False
        return "api_key" not in arguments and not instance_key(spec)


CREDENTIAL_ARGUMENTS = frozenset({"api_key", "api_base", "api_version"})


@dataclass
class Completion:
    text: str
    model: str  # the model string that answered (the primary or a fallback)
    prompt_tokens: int
    completion_tokens: int
    cost_usd: float
    # A canned reply (mock_response): nothing was called and nothing is paid for.
    mocked: bool = False


async def complete(request: ChatRequest) -> Completion:
    """The first successful answer among the primary and fallback models.

    Raises LlmError: ModelRefused before anything is sent when the instance
    does not allow one of the models; at once for a failure not worth a
    fallback (auth, bad request, blocked address); otherwise, when every model
    failed, the last model's error with each model's failure in the message.
    """
    litellm = await litellm_module()
    routes = [route_of(model) for model in [request.model, *request.fallback_models]]
    failures: list[LlmError] = []
    for route in routes:
        model = route.model
        try:
            arguments = request.provider_arguments(route)
            response = await provider_call(**request.arguments(model), **arguments)
        except LlmError:
            raise
        except Exception as exc:
            error = classify_provider_error(exc, model, litellm, provider=route.provider)
            if not error.fallback:
                raise error from None
            failures.append(error)
            continue
        return _completion(response, model, litellm, mocked=request.mock_response is not None)
    last = failures[-1]
    if len(failures) == 1:
        raise last
    summary = "; ".join(failure.message for failure in failures)
    raise LlmError(
        last.type, f"all {len(failures)} models failed: {summary}", retryable=last.retryable
    )


def route_of(model: str) -> ModelRoute:
    """The instance's route for ``model``; ModelRefused (``validation``) if there is none."""
    route = instance_model_policy().route(model)
    if route is None:
        raise ModelRefused(
            f"litellm cannot tell which provider serves model '{model}'; "
            "write it as provider/model, e.g. openai/gpt-4o-mini"
        )
    return route


def _completion(response: Any, model: str, litellm: Any, *, mocked: bool) -> Completion:
    try:
        content = response.choices[0].message.content
    except (AttributeError, IndexError, TypeError):
        raise LlmError("llm.provider", f"{model}: the reply has no message") from None
    usage = getattr(response, "usage", None)
    return Completion(
        text=content if isinstance(content, str) else "",
        model=model,
        prompt_tokens=_count(getattr(usage, "prompt_tokens", 0)),
        completion_tokens=_count(getattr(usage, "completion_tokens", 0)),
        # litellm prices a mocked reply like a real one; nobody paid for it.
        cost_usd=0.0 if mocked else response_cost(response, litellm),
        mocked=mocked,
    )


def _count(value: Any) -> int:
    return value if isinstance(value, int) and value >= 0 else 0


def response_cost(response: Any, litellm: Any) -> float:
    """The reply's price in USD from litellm's local price list; 0.0 when unknown."""
    try:
        cost = float(litellm.completion_cost(completion_response=response))
    except Exception:  # an unpriced model must never fail the node
        return 0.0
    return cost if math.isfinite(cost) and cost > 0 else 0.0


def provider_of(model: str) -> str:
    """litellm's provider name for a model string ("openai" for "gpt-4o-mini" and
    "openai/gpt-4o-mini"); the prefix before "/" or "unknown" when litellm cannot tell."""
    litellm = _litellm
    if litellm is not None:
        with contextlib.suppress(Exception):  # an unknown model is recorded under its prefix
            return str(litellm.get_llm_provider(model=model)[1])[:64]
    prefix, slash, _ = model.partition("/")
    return prefix[:64] if slash and prefix else "unknown"
