"""The model providers an organisation can set up, and the models each one offers.

A :class:`ProviderSpec` says what Settings → Model providers asks for (a key,
an Azure endpoint) and where the key is kept: an organisation secret under the
name the provider's own SDKs read (``OPENAI_API_KEY``...), so workflows that
already write ``{{ env.OPENAI_API_KEY }}`` keep working. The instance decides
which of them an organisation may enable (:func:`available_providers`): a
hosted one it allows in ``AGENTFLOW_LLM_PROVIDERS``, a model server only when
an instance admin gave its address in ``AGENTFLOW_LLM_LOCAL_SERVERS``; an
organisation never types a server address of its own.

The models of the picker come from litellm's bundled price list (chat models
only), with their context size and price per million tokens.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from agentflow.llm.providers import ModelPolicy

SETTINGS_PATH = "/settings/model-providers"
"""Where a person sets up providers: error messages point there."""


@dataclass(frozen=True)
class ProviderSpec:
    id: str  # the litellm provider an enabled entry stands for
    label: str
    key_secret: str  # the organisation secret holding its key ("" for none)
    key_required: bool = True
    # Extra litellm providers the same entry serves (Ollama's chat endpoint).
    also_serves: tuple[str, ...] = ()
    endpoint_required: bool = False  # Azure: the resource's https endpoint
    local_server: bool = False  # the base URL is the instance's, never the org's
    example_model: str = ""
    # The model the "test" button asks for one token, when none is given.
    test_model: str = ""

    @property
    def providers(self) -> tuple[str, ...]:
        return (self.id, *self.also_serves)


PROVIDERS: tuple[ProviderSpec, ...] = (
    ProviderSpec(
        "openai",
        "OpenAI",
        "OPENAI_API_KEY",
        example_model="openai/gpt-4o-mini",
        test_model="openai/gpt-4o-mini",
    ),
    ProviderSpec(
        "anthropic",
        "Anthropic",
        "ANTHROPIC_API_KEY",
        example_model="anthropic/claude-haiku-4-5",
        test_model="anthropic/claude-haiku-4-5",
    ),
    ProviderSpec(
        "azure",
        "Azure OpenAI",
        "AZURE_API_KEY",
        endpoint_required=True,
        example_model="azure/<deployment name>",
    ),
    ProviderSpec(
        "gemini",
        "Google Gemini",
        "GEMINI_API_KEY",
        example_model="gemini/gemini-2.5-flash",
        test_model="gemini/gemini-2.5-flash",
    ),
    ProviderSpec(
        "mistral",
        "Mistral",
        "MISTRAL_API_KEY",
        example_model="mistral/mistral-small-latest",
        test_model="mistral/mistral-small-latest",
    ),
    ProviderSpec(
        "groq",
        "Groq",
        "GROQ_API_KEY",
        example_model="groq/llama-3.1-8b-instant",
        test_model="groq/llama-3.1-8b-instant",
    ),
    ProviderSpec(
        "openrouter",
        "OpenRouter",
        "OPENROUTER_API_KEY",
        example_model="openrouter/<vendor>/<model>",
        test_model="openrouter/openai/gpt-4o-mini",
    ),
    ProviderSpec(
        "hosted_vllm",
        "OpenAI-compatible server",
        "OPENAI_COMPATIBLE_API_KEY",
        key_required=False,
        local_server=True,
        example_model="hosted_vllm/<model>",
    ),
    ProviderSpec(
        "ollama",
        "Ollama",
        "",
        key_required=False,
        also_serves=("ollama_chat",),
        local_server=True,
        example_model="ollama_chat/llama3.1",
    ),
)
BY_ID = {spec.id: spec for spec in PROVIDERS}


def spec_for(provider: str) -> ProviderSpec | None:
    """The entry serving litellm provider ``provider`` (``ollama_chat`` is Ollama's)."""
    return next((spec for spec in PROVIDERS if provider in spec.providers), None)


def available_providers(policy: ModelPolicy) -> list[ProviderSpec]:
    """The entries this instance lets an organisation enable, in display order."""
    return [spec for spec in PROVIDERS if server_url(spec, policy) or spec.id in policy.providers]


def server_url(spec: ProviderSpec, policy: ModelPolicy) -> str | None:
    """The instance's base URL for a model-server entry; None for hosted providers."""
    if not spec.local_server:
        return None
    servers = policy.local_servers
    return next((servers[p] for p in spec.providers if p in servers), None)


def instance_key(spec: ProviderSpec) -> bool:
    """Whether the instance's own environment holds a key for this provider."""
    return bool(spec.key_secret and os.environ.get(spec.key_secret))


@dataclass(frozen=True)
class ModelChoice:
    model: str  # the litellm string a workflow writes
    provider: str  # the entry's label
    context_tokens: int | None
    input_usd_per_mtok: float | None
    output_usd_per_mtok: float | None

    @property
    def summary(self) -> str:
        """ "OpenAI · 128K context · $0.15 in / $0.60 out per 1M tokens"."""
        parts = [self.provider]
        if self.context_tokens:
            parts.append(f"{_tokens(self.context_tokens)} context")
        if self.input_usd_per_mtok is not None and self.output_usd_per_mtok is not None:
            parts.append(
                f"${_usd(self.input_usd_per_mtok)} in / ${_usd(self.output_usd_per_mtok)} out "
                "per 1M tokens"
            )
        return " · ".join(parts)


def _tokens(count: int) -> str:
    if count >= 1_000_000:
        return f"{count / 1_000_000:g}M"
    return f"{round(count / 1000):g}K" if count >= 1000 else str(count)


def _usd(value: float) -> str:
    return f"{value:.2f}" if value >= 0.01 or value == 0 else f"{value:.4f}".rstrip("0")


def model_choices(specs: Iterable[ProviderSpec]) -> list[ModelChoice]:
    """The chat models of ``specs`` in litellm's price list, by provider then name."""
    return [choice for spec in specs for choice in _choices_of(spec)]


@functools.cache
def _choices_of(spec: ProviderSpec) -> tuple[ModelChoice, ...]:
    # The bundled price list does not change while the process runs, and every
    # builder load asks for it: scan its ~2,500 entries once per provider.
    from agentflow.llm.completion import load_litellm

    found = {choice.model: choice for choice in _models_of(spec, load_litellm().model_cost)}
    return tuple(sorted(found.values(), key=lambda choice: choice.model))


def _models_of(spec: ProviderSpec, price_list: dict[str, dict]) -> Iterator[ModelChoice]:
    for name, entry in price_list.items():
        if not isinstance(entry, dict) or entry.get("mode") != "chat":
            continue
        provider = entry.get("litellm_provider")
        if provider not in spec.providers:
            continue
        model = name if name.startswith(f"{provider}/") else f"{provider}/{name}"
        yield ModelChoice(
            model=model,
            provider=spec.label,
            context_tokens=_int(entry.get("max_input_tokens") or entry.get("max_tokens")),
            input_usd_per_mtok=_per_million(entry.get("input_cost_per_token")),
            output_usd_per_mtok=_per_million(entry.get("output_cost_per_token")),
        )


def _int(value: object) -> int | None:
    return value if isinstance(value, int) and value > 0 else None


def _per_million(value: object) -> float | None:
    if isinstance(value, int | float) and value >= 0:
        return round(float(value) * 1_000_000, 6)
    return None


def missing_key_message(spec: ProviderSpec, model: str) -> str:
    """The error of a call that has no key to send: which provider, and where to add one."""
    return (
        f"{model}: {spec.label} has no API key in this organisation. An admin can add one "
        f"in Settings → Model providers ({SETTINGS_PATH})."
    )


def rejected_key_message(provider: str, model: str, detail: str) -> str:
    """The error of a call whose key the provider refused: which one, and where to fix it."""
    spec = spec_for(provider)
    label = spec.label if spec else provider
    return (
        f"{model}: {label} refused the API key ({detail}). Check or replace it in "
        f"Settings → Model providers ({SETTINGS_PATH})."
    )
