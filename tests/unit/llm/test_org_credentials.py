"""An organisation's provider keys reach the call; a missing or refused key says which
provider and where to set it; a real reply is priced, a mocked one is free.

Real litellm calls (no mock_response unless the test is about mocks) to a real
OpenAI-compatible server on 127.0.0.1, reached through the outbound guard as
``models.internal`` (the instance admits that host as its model server).
"""

from __future__ import annotations

import pytest

from agentflow.engine.errors import NodeError
from agentflow.llm import ChatRequest, LlmError, ModelPolicy, complete
from tests.unit.engine_nodes.conftest import make_ctx, make_deps, run_node
from tests.unit.llm.conftest import ModelServer

ORG_KEY = "sk-org-key-0123456789"
SETTINGS_LINK = "Settings → Model providers (/settings/model-providers)"


@pytest.fixture
def openai_here(model_server: ModelServer, instance_policy, fake_dns, monkeypatch) -> str:
    """OpenAI's API at the local server; the instance's environment holds no key."""
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    host = f"http://models.internal:{model_server.port}"
    instance_policy(ModelPolicy(local_servers={"hosted_vllm": host}))
    return f"{host}/v1"


def ask(model: str = "gpt-4o-mini", **fields) -> ChatRequest:
    return ChatRequest(model=model, messages=[{"role": "user", "content": "hi"}], **fields)


async def test_the_organisations_key_is_sent_and_the_reply_is_priced(
    model_server: ModelServer, openai_here: str
):
    model_server.reply = "priced words"
    access = {"openai": {"api_key": ORG_KEY, "api_base": openai_here}}
    reply = await complete(ask(credentials=access))
    assert reply.text == "priced words"
    assert model_server.authorizations == [f"Bearer {ORG_KEY}"]
    assert (reply.prompt_tokens, reply.completion_tokens) == (3, 4)
    # gpt-4o-mini in litellm's price list: $0.15 and $0.60 per million tokens.
    assert reply.cost_usd == pytest.approx(3 * 0.15e-6 + 4 * 0.60e-6)
    assert not reply.mocked


async def test_a_provider_without_any_key_fails_before_sending_naming_it_and_the_page(
    model_server: ModelServer, openai_here: str
):
    with pytest.raises(LlmError) as caught:
        await complete(ask())
    assert caught.value.type == "llm.auth"
    assert caught.value.message == (
        f"gpt-4o-mini: OpenAI has no API key in this organisation. An admin can add one in "
        f"{SETTINGS_LINK}."
    )
    assert model_server.requests == []


async def test_a_refused_key_says_which_provider_and_where_to_replace_it(
    model_server: ModelServer, openai_here: str
):
    model_server.refused = "Bearer sk-revoked-key-000"
    access = {"openai": {"api_key": "sk-revoked-key-000", "api_base": openai_here}}
    with pytest.raises(LlmError) as caught:
        await complete(ask(credentials=access))
    assert caught.value.type == "llm.auth"
    assert caught.value.message.startswith("gpt-4o-mini: OpenAI refused the API key (")
    assert "Incorrect API key provided" in caught.value.message
    assert caught.value.message.endswith(f"Check or replace it in {SETTINGS_LINK}.")
    assert not caught.value.retryable


async def test_an_instance_server_keeps_its_address_whatever_the_org_gives(
    model_server: ModelServer, instance_policy, fake_dns
):
    instance_policy(
        ModelPolicy(local_servers={"hosted_vllm": f"http://models.internal:{model_server.port}"})
    )
    access = {"hosted_vllm": {"api_key": ORG_KEY, "api_base": "http://127.0.0.1:9"}}
    reply = await complete(ask("hosted_vllm/local-model", credentials=access))
    assert reply.text == model_server.reply
    assert model_server.requests == [("POST", "/chat/completions")]  # not 127.0.0.1:9
    assert model_server.authorizations == [f"Bearer {ORG_KEY}"]


async def test_an_llm_step_uses_the_runs_model_access_and_records_a_priced_call(
    model_server: ModelServer, openai_here: str
):
    deps = make_deps(model_access={"openai": {"api_key": ORG_KEY, "api_base": openai_here}})
    ctx = make_ctx(deps=deps)
    output = await run_node("llm", {"model": "gpt-4o-mini", "prompt": "hi"}, ctx)
    assert output["cost_usd"] > 0 and "mocked" not in output
    assert (ctx.usage.model, ctx.usage.provider) == ("gpt-4o-mini", "openai")
    assert ctx.usage.cost_usd == output["cost_usd"]
    assert model_server.authorizations == [f"Bearer {ORG_KEY}"]


async def test_an_llm_step_without_a_key_fails_with_the_providers_name(
    model_server: ModelServer, openai_here: str
):
    with pytest.raises(NodeError) as caught:
        await run_node("llm", {"model": "gpt-4o-mini", "prompt": "hi"}, make_ctx())
    assert caught.value.type == "llm.auth"
    assert "OpenAI has no API key" in caught.value.message
    assert not caught.value.retryable
