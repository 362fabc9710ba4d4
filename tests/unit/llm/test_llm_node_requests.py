"""What an llm step sends: nothing to a model server the instance did not configure,
nothing to a provider address on this machine, and the configured server through the
guard. Real litellm, a real HTTP server on 127.0.0.1, no mock_response."""

from __future__ import annotations

import pytest

from agentflow.engine.errors import NodeError
from tests.unit.engine_nodes.conftest import make_ctx, run_node
from tests.unit.llm.conftest import REPLY, ModelServer


@pytest.mark.parametrize(
    ("model", "base_variable", "suffix"),
    [
        ("ollama/llama3", "OLLAMA_API_BASE", ""),
        ("ollama_chat/llama3", "OLLAMA_API_BASE", ""),
        ("llamafile/mistral-7b", "LLAMAFILE_API_BASE", "/v1"),
    ],
)
async def test_a_local_model_node_sends_nothing_to_a_server_on_this_machine(
    model_server: ModelServer, monkeypatch, model, base_variable, suffix
):
    # Where litellm sends these providers: here, the counting server on 127.0.0.1.
    monkeypatch.setenv(base_variable, model_server.base + suffix)
    with pytest.raises(NodeError) as caught:
        await run_node("llm", {"model": model, "prompt": "secret prompt"}, make_ctx())
    assert model_server.requests == []
    assert caught.value.type == "validation"
    assert "which this instance has not enabled" in caught.value.message
    assert "AGENTFLOW_LLM_LOCAL_SERVERS" in caught.value.message


async def test_a_refused_fallback_model_fails_the_step_before_anything_is_sent(
    model_server: ModelServer, monkeypatch
):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    monkeypatch.setenv("OLLAMA_API_BASE", model_server.base)
    config = {"model": "gpt-4o-mini", "fallback_models": ["ollama/llama3"], "prompt": "hi"}
    with pytest.raises(NodeError) as caught:
        await run_node("llm", config, make_ctx())
    assert caught.value.type == "validation"
    assert caught.value.message.startswith("model 'ollama/llama3' uses the provider ollama")
    assert model_server.requests == []


async def test_a_hosted_providers_address_on_loopback_is_refused_by_the_guard(
    model_server: ModelServer, monkeypatch
):
    # openai is enabled, but its address (from the environment) is this machine.
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    monkeypatch.setenv("OPENAI_API_BASE", model_server.base + "/v1")
    with pytest.raises(NodeError) as caught:
        await run_node("llm", {"model": "openai/gpt-4o-mini", "prompt": "hi"}, make_ctx())
    assert model_server.requests == []
    assert caught.value.type == "blocked_address"
    assert caught.value.message == (
        "openai/gpt-4o-mini: Refused to connect to 127.0.0.1: loopback address"
    )
    assert not caught.value.retryable


async def test_a_configured_local_server_is_called_through_the_guard(
    model_server: ModelServer, monkeypatch, instance_policy, fake_dns
):
    from agentflow.llm import ModelPolicy

    # The base URL comes from the instance, whatever the provider's own variable says.
    monkeypatch.setenv("OLLAMA_API_BASE", "http://127.0.0.1:9")
    instance_policy(
        ModelPolicy(local_servers={"ollama_chat": f"http://models.internal:{model_server.port}"})
    )
    ctx = make_ctx()
    output = await run_node("llm", {"model": "ollama_chat/llama3", "prompt": "hi"}, ctx)
    assert output["text"] == REPLY
    assert model_server.requests == [("POST", "/api/chat")]
    assert fake_dns.lookups == [("models.internal", model_server.port)]  # the guard resolved it
    assert ctx.usage.provider == "ollama_chat"


async def test_only_the_configured_servers_address_is_admitted(
    model_server: ModelServer, monkeypatch, instance_policy
):
    from agentflow.llm import ModelPolicy

    # ollama's server is allowed on another port; openai's loopback address is not.
    instance_policy(ModelPolicy(local_servers={"ollama": "http://127.0.0.1:9"}))
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    monkeypatch.setenv("OPENAI_API_BASE", model_server.base + "/v1")
    with pytest.raises(NodeError) as caught:
        await run_node("llm", {"model": "gpt-4o-mini", "prompt": "hi"}, make_ctx())
    assert caught.value.type == "blocked_address"
    assert model_server.requests == []


async def test_a_mocked_reply_still_sends_nothing(model_server: ModelServer, monkeypatch):
    monkeypatch.setenv("OPENAI_API_BASE", model_server.base + "/v1")
    output = await run_node(
        "llm", {"model": "gpt-4o-mini", "prompt": "hi", "mock_response": "canned"}, make_ctx()
    )
    assert output["text"] == "canned"
    assert model_server.requests == []
