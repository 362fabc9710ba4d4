"""Every provider the instance can enable sends its requests through the outbound guard.

Each case makes a real litellm call (no mock_response) through ``complete``. Hosted
providers: the guard's resolver answers 127.0.0.1 for every name, so the request is
refused as a loopback address before any connection, and an audit hook shows that
no library opened a socket or looked a name up on its own. The instance's own
servers: the request arrives at a counting server, by way of the guard's resolver.
"""

from __future__ import annotations

import httpx
import pytest

from agentflow.llm import ChatRequest, LlmError, ModelPolicy, complete
from agentflow.llm.completion import load_litellm
from agentflow.llm.errors import blocked_cause
from agentflow.llm.providers import DEFAULT_PROVIDERS, GUARDED_PROVIDERS
from agentflow.net import BlockedAddressError
from tests.unit.llm.conftest import REPLY, FakeDns, ModelServer

HOSTED = {
    "openai": ("gpt-4o-mini", "api.openai.com"),
    "anthropic": ("anthropic/claude-3-5-haiku-latest", "api.anthropic.com"),
    "azure": ("azure/my-deployment", "my-resource.openai.azure.com"),
    "bedrock": ("bedrock/anthropic.claude-v2", "bedrock-runtime.us-east-1.amazonaws.com"),
    "cohere": ("cohere/command-r", "api.cohere.com"),
    "cohere_chat": ("cohere_chat/command-r", "api.cohere.com"),
    "deepseek": ("deepseek/deepseek-chat", "api.deepseek.com"),
    "fireworks_ai": ("fireworks_ai/accounts/fireworks/models/llama-v3-8b", "api.fireworks.ai"),
    "gemini": ("gemini/gemini-1.5-flash", "generativelanguage.googleapis.com"),
    "groq": ("groq/llama-3.1-8b-instant", "api.groq.com"),
    "mistral": ("mistral/mistral-small-latest", "api.mistral.ai"),
    "openrouter": ("openrouter/meta-llama/llama-3-8b-instruct", "openrouter.ai"),
    "together_ai": ("together_ai/meta-llama/Llama-3-8b", "api.together.ai"),
    "xai": ("xai/grok-2", "api.x.ai"),
}  # fmt: skip
LOCAL = {
    "ollama": ("ollama/llama3", "/api/generate"),
    "ollama_chat": ("ollama_chat/llama3", "/api/chat"),
    "llamafile": ("llamafile/mistral", "/v1/chat/completions"),
    "lm_studio": ("lm_studio/qwen", "/v1/chat/completions"),
    "hosted_vllm": ("hosted_vllm/meta-llama/Llama-3-8B", "/v1/chat/completions"),
}
KEY_PROVIDERS = [
    "OPENAI", "ANTHROPIC", "AZURE", "COHERE", "DEEPSEEK", "FIREWORKS_AI", "GEMINI", "GROQ",
    "MISTRAL", "OPENROUTER", "TOGETHERAI", "XAI",
]  # fmt: skip


@pytest.fixture
def credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in KEY_PROVIDERS:
        monkeypatch.setenv(f"{name}_API_KEY", "sk-test-key")
    monkeypatch.setenv("AZURE_API_BASE", "https://my-resource.openai.azure.com")
    monkeypatch.setenv("AZURE_API_VERSION", "2024-06-01")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIATESTTESTTESTTEST")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "test-secret")
    monkeypatch.setenv("AWS_REGION_NAME", "us-east-1")


def ask(model: str) -> ChatRequest:
    return ChatRequest(model=model, messages=[{"role": "user", "content": "hi"}], timeout_s=10)


def test_every_provider_that_can_be_enabled_is_checked_here():
    assert set(HOSTED) | set(LOCAL) == GUARDED_PROVIDERS
    assert set(HOSTED) >= DEFAULT_PROVIDERS


@pytest.mark.parametrize("provider", sorted(HOSTED))
async def test_a_hosted_provider_resolving_to_loopback_is_refused_before_connecting(
    provider, credentials, instance_policy, fake_dns: FakeDns, sockets
):
    model, host = HOSTED[provider]
    instance_policy(ModelPolicy(providers=frozenset(HOSTED)))
    with pytest.raises(LlmError) as caught:
        await complete(ask(model))
    assert caught.value.type == "blocked_address", caught.value.message
    assert caught.value.message == f"{model}: Refused to connect to {host}: loopback address"
    assert fake_dns.lookups == [(host, 443)]
    assert sockets == []  # no connection and no lookup outside the guard


@pytest.mark.parametrize("provider", sorted(LOCAL))
async def test_a_configured_server_is_reached_only_through_the_guard(
    provider, instance_policy, fake_dns: FakeDns, sockets, model_server: ModelServer
):
    model, path = LOCAL[provider]
    base = f"http://models.internal:{model_server.port}"
    base += "" if provider.startswith("ollama") else "/v1"
    instance_policy(ModelPolicy(local_servers={provider: base}))
    reply = await complete(ask(model))
    assert reply.text == REPLY
    assert model_server.requests == [("POST", path)]
    assert fake_dns.lookups == [("models.internal", model_server.port)]
    assert {host for _, (host, *_) in sockets} <= {"127.0.0.1"}


async def test_only_the_configured_server_is_admitted_and_redirects_are_checked(
    instance_policy, fake_dns: FakeDns, model_server: ModelServer
):
    from agentflow.llm.network import TRANSPORT

    server = f"http://models.internal:{model_server.port}"
    instance_policy(ModelPolicy(local_servers={"ollama": server}))
    # As litellm's clients are: redirects followed, each hop through the transport.
    async with httpx.AsyncClient(transport=TRANSPORT, follow_redirects=True) as client:
        assert (await client.post(f"{server}/api/chat")).status_code == 200
        for url in (f"{server}/redirect", f"{model_server.base}/api/chat"):
            with pytest.raises(BlockedAddressError) as caught:
                await client.get(url)
            assert caught.value.reason == "loopback"
    assert model_server.requests == [("POST", "/api/chat"), ("GET", "/redirect")]


async def test_litellm_cannot_fall_back_to_an_unguarded_client(credentials, fake_dns, sockets):
    litellm = load_litellm()
    from litellm.llms.custom_httpx.http_handler import AsyncHTTPHandler, get_async_httpx_client

    from agentflow.llm.network import TRANSPORT

    assert AsyncHTTPHandler.create_async_transport() is TRANSPORT
    assert litellm.aclient_session._transport is TRANSPORT
    handler = get_async_httpx_client(llm_provider="anthropic")
    assert handler.client._transport is TRANSPORT
    # litellm's synchronous clients refuse to send at all.
    with pytest.raises(Exception) as caught:
        litellm.completion(
            model="gpt-4o-mini", messages=[{"role": "user", "content": "hi"}], max_retries=0
        )
    blocked = blocked_cause(caught.value)
    assert blocked is not None and blocked.reason == "unguarded"
    assert sockets == []
