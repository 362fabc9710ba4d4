"""Which model providers a tenant's ``model`` string may select: the instance's choice.

A workflow names a litellm model string and nothing else: no ``api_base``,
``base_url`` or ``api_key`` (the ``llm`` node's config refuses unknown fields).
litellm's own ``get_llm_provider`` says which provider a string selects, and
:class:`ModelPolicy` decides:

* a provider in ``providers`` (``AGENTFLOW_LLM_PROVIDERS``; by default the
  hosted ones of :data:`DEFAULT_PROVIDERS`) is called at litellm's address
  for it (or the one the instance set in the provider's own environment
  variable, e.g. ``AZURE_API_BASE``);
* a provider in ``local_servers`` (``AGENTFLOW_LLM_LOCAL_SERVERS``, a JSON
  object ``{"ollama": "http://10.0.0.7:11434"}``) is called at that base URL,
  passed to litellm as ``api_base`` on every call; its host and port are the
  only ones the guard admits despite being private or loopback;
* anything else is refused: providers whose default address is this machine
  (ollama, llamafile, lm_studio, ...), providers that need a base URL
  (hosted_vllm, custom_openai, ...), and providers the guard is not known to
  cover (:data:`GUARDED_PROVIDERS`).

A model string litellm cannot place ("default", a typo) selects nothing: it
is not a validation problem (templates write ``model: default`` until they are
installed), and the call refuses it before sending anything. Every request is
sent through the guarded transport (:mod:`agentflow.llm.network`), so even a
hosted provider's address that is or resolves to a private IP is refused.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any
from urllib.parse import urlsplit

from agentflow.llm.errors import LlmError
from agentflow.net import AllowRule, OutboundPolicy

DEFAULT_PROVIDERS: frozenset[str] = frozenset(
    {
        "anthropic",
        "azure",  # at the instance's AZURE_API_BASE
        "cohere",
        "cohere_chat",
        "deepseek",
        "fireworks_ai",
        "gemini",
        "groq",
        "mistral",
        "openai",
        "openrouter",
        "together_ai",
        "xai",
    }
)
"""Hosted providers enabled when ``AGENTFLOW_LLM_PROVIDERS`` is not set."""

HOSTED_PROVIDERS: frozenset[str] = DEFAULT_PROVIDERS | {
    # Its requests go through the guard, but boto3 looks for credentials (the
    # environment, then the cloud metadata service) outside it: opt in.
    "bedrock",
}
"""Hosted providers an instance may enable in ``AGENTFLOW_LLM_PROVIDERS``."""

LOCAL_SERVER_PROVIDERS: frozenset[str] = frozenset(
    {"hosted_vllm", "llamafile", "lm_studio", "ollama", "ollama_chat"}
)
"""Servers an instance runs itself: usable only with a base URL in local_servers."""

GUARDED_PROVIDERS: frozenset[str] = HOSTED_PROVIDERS | LOCAL_SERVER_PROVIDERS
"""Providers whose completion requests are known to leave through the guarded
transport (tests/unit/llm/test_guarded_requests.py sends one of each); no other
can be enabled. Not among them: vertex_ai (google-auth fetches its tokens with
its own HTTP client), aiohttp_openai (aiohttp, not httpx), and every provider
not checked yet."""

LOCAL_SERVERS_SETTING = "AGENTFLOW_LLM_LOCAL_SERVERS"
PROVIDERS_SETTING = "AGENTFLOW_LLM_PROVIDERS"


class ModelRefused(LlmError):
    """The instance does not let a workflow use this model (a ``validation`` error)."""

    def __init__(self, message: str) -> None:
        super().__init__("validation", message)


@dataclass(frozen=True)
class ModelRoute:
    """How to call an allowed model: its provider, and the base URL to pass, if any."""

    model: str
    provider: str
    api_base: str | None = None

    def arguments(self) -> dict[str, Any]:
        """The litellm arguments that pin the call to this provider and address."""
        extra: dict[str, Any] = {"custom_llm_provider": self.provider}
        if self.api_base is not None:
            extra["api_base"] = self.api_base
        return extra


def check_base_url(provider: str, url: str) -> str:
    """A local server's base URL, or ValueError saying what is wrong with it."""
    if not isinstance(url, str) or not url.strip():
        raise ValueError(f"{provider}: the base URL must be a non-empty string")
    url = url.strip()
    try:
        split = urlsplit(url)
        split.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError as exc:
        raise ValueError(f"{provider}: {url!r} is not a valid URL") from exc
    if split.scheme not in ("http", "https") or not split.hostname:
        raise ValueError(f"{provider}: {url!r} must be an http:// or https:// URL with a host")
    if split.username is not None or split.password is not None:
        raise ValueError(f"{provider}: {url!r} must not carry credentials")
    if split.query or split.fragment:
        raise ValueError(f"{provider}: {url!r} must not have a query or fragment")
    AllowRule.parse(_host_port(url))  # refuses metadata hosts and addresses
    return url.rstrip("/")


def _host_port(url: str) -> str:
    split = urlsplit(url)
    host = split.hostname or ""
    port = split.port or (443 if split.scheme == "https" else 80)
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def check_provider_name(provider: str, *, setting: str) -> str:
    """A provider name an admin may use in ``setting``, or ValueError saying why not."""
    name = provider.strip()
    known = HOSTED_PROVIDERS if setting == PROVIDERS_SETTING else GUARDED_PROVIDERS
    if setting == PROVIDERS_SETTING and name in LOCAL_SERVER_PROVIDERS:
        raise ValueError(
            f"{setting}: {name!r} is a model server run by the instance: give its base URL "
            f"in {LOCAL_SERVERS_SETTING} instead"
        )
    if name not in known:
        raise ValueError(
            f"{setting}: {name!r} cannot be enabled: its requests are not known to go "
            f"through the outbound guard (these can: {', '.join(sorted(known))})"
        )
    return name


@dataclass(frozen=True)
class ModelPolicy:
    """The providers this instance lets workflows use, and its own model servers."""

    providers: frozenset[str] = DEFAULT_PROVIDERS
    local_servers: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        providers = frozenset(
            check_provider_name(p, setting=PROVIDERS_SETTING) for p in self.providers
        )
        servers = {
            check_provider_name(p, setting=LOCAL_SERVERS_SETTING): check_base_url(p, url)
            for p, url in self.local_servers.items()
        }
        object.__setattr__(self, "providers", providers)
        object.__setattr__(self, "local_servers", MappingProxyType(servers))

    @classmethod
    def from_settings(cls, providers: str | None, local_servers: Mapping[str, str]) -> ModelPolicy:
        listed = DEFAULT_PROVIDERS if providers is None else _names(providers.split(","))
        return cls(providers=frozenset(listed), local_servers=dict(local_servers))

    def outbound_policy(self) -> OutboundPolicy:
        """The guard for model requests: only the local servers' hosts are admitted."""
        return OutboundPolicy(
            allow_hosts=tuple(sorted({_host_port(url) for url in self.local_servers.values()}))
        )

    def route(self, model: str) -> ModelRoute | None:
        """How to call ``model``; None when litellm cannot place it; ModelRefused if refused."""
        provider = provider_name(model)
        if provider is None:
            return None
        base = self.local_servers.get(provider)
        if base is not None:
            return ModelRoute(model, provider, base)
        if provider in self.providers:
            return ModelRoute(model, provider)
        raise ModelRefused(refusal(model, provider))

    def problem(self, model: str) -> str | None:
        """Why ``model`` may not be used here, or None."""
        try:
            self.route(model)
        except ModelRefused as exc:
            return exc.message
        return None


def _names(items: Iterable[str]) -> list[str]:
    return [item.strip() for item in items if item.strip()]


def refusal(model: str, provider: str) -> str:
    """The validation message for a model whose provider is not enabled: what to do."""
    if provider in HOSTED_PROVIDERS:
        hint = f"an instance admin can enable it in {PROVIDERS_SETTING}"
    elif provider in LOCAL_SERVER_PROVIDERS:
        hint = f"an instance admin can allow a local model server with {LOCAL_SERVERS_SETTING}"
    else:
        hint = (
            "use a provider the instance enabled, or ask an instance admin to allow "
            f"a local model server with {LOCAL_SERVERS_SETTING}"
        )
    return (
        f"model '{model}' uses the provider {provider}, which this instance has not enabled; {hint}"
    )


def provider_name(model: str) -> str | None:
    """litellm's provider for ``model`` (without any api_base), or None if it cannot tell."""
    from agentflow.llm.completion import load_litellm

    litellm = load_litellm()
    with contextlib.suppress(Exception):  # litellm raises BadRequestError for unknown models
        return str(litellm.get_llm_provider(model=model)[1])
    return None


def parse_local_servers(value: Any) -> dict[str, str]:
    """``AGENTFLOW_LLM_LOCAL_SERVERS``: a JSON object (or mapping) of provider -> base URL."""
    if isinstance(value, str):
        text = value.strip()
        if not text:
            return {}
        try:
            value = json.loads(text)
        except ValueError as exc:
            raise ValueError(f"{LOCAL_SERVERS_SETTING} must be a JSON object: {exc}") from None
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise ValueError(f"{LOCAL_SERVERS_SETTING} must be a JSON object of provider -> base URL")
    servers: dict[str, str] = {}
    for provider, url in value.items():
        name = check_provider_name(str(provider), setting=LOCAL_SERVERS_SETTING)
        servers[name] = check_base_url(name, url)
    return servers


_override: ModelPolicy | None = None
_from_settings: ModelPolicy | None = None


def instance_model_policy() -> ModelPolicy:
    """The policy of this instance, from its settings (read once per process)."""
    global _from_settings
    if _override is not None:
        return _override
    if _from_settings is None:
        from agentflow.settings import get_settings

        settings = get_settings()
        _from_settings = ModelPolicy.from_settings(
            settings.llm_providers, settings.llm_local_servers
        )
    return _from_settings


def use_model_policy(policy: ModelPolicy | None) -> None:
    """Replace the instance's policy (tests, embedding); None goes back to the settings."""
    global _override, _from_settings
    _override = policy
    _from_settings = None
