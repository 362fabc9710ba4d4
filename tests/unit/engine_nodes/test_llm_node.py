"""llm: real litellm with mock_response (no network): text, usage, JSON, errors,
fallback models. A mocked reply costs nothing; priced replies from a real server are
in tests/unit/llm/test_org_credentials.py."""

from __future__ import annotations

import logging
from typing import Any

import pytest

import agentflow.llm.completion as completion
from agentflow.engine.errors import NodeError
from tests.unit.engine_nodes.conftest import make_ctx, make_deps, run_node

PRICED = "gpt-4o-mini"
UNPRICED = "openai/agentflow-unpriced"  # litellm raises ModelNotMappedError for its cost


async def test_a_mocked_reply_has_usage_but_costs_nothing_and_says_it_is_mocked():
    ctx = make_ctx({"ticket": "printer on fire", "answer": "hardware"})
    config = {
        "model": PRICED,
        "system": "You classify tickets.",
        "prompt": "Classify: {{ input.ticket }}",
        "temperature": 0,
        "max_tokens": 20,
        "mock_response": "{{ input.answer }}",
    }
    output = await run_node("llm", config, ctx)
    assert set(output) == {"text", "model", "usage", "cost_usd", "mocked"}
    assert output["text"] == "hardware"
    assert output["model"] == PRICED
    assert output["usage"]["prompt_tokens"] > 0
    assert output["usage"]["completion_tokens"] > 0
    assert output["cost_usd"] == 0.0  # gpt-4o-mini is priced, but nothing was called
    assert output["mocked"] is True
    assert ctx.usage.prompt_tokens == output["usage"]["prompt_tokens"]
    assert ctx.usage.completion_tokens == output["usage"]["completion_tokens"]
    assert ctx.usage.cost_usd == 0.0
    # Analytics charts it apart from the real model.
    assert (ctx.usage.model, ctx.usage.provider) == (f"{PRICED} (mocked)", "mocked")
    assert ctx.resolved_input["messages"] == [
        {"role": "system", "content": "You classify tickets."},
        {"role": "user", "content": "Classify: printer on fire"},
    ]


async def test_an_unpriced_model_costs_nothing_and_does_not_fail():
    ctx = make_ctx()
    output = await run_node("llm", {"model": UNPRICED, "prompt": "hi", "mock_response": "ok"}, ctx)
    assert output["text"] == "ok"
    assert output["cost_usd"] == 0.0
    assert ctx.usage.cost_usd == 0.0
    assert ctx.usage.completion_tokens > 0


async def test_message_contents_that_are_not_text_are_json_encoded():
    ctx = make_ctx({"data": {"a": [1, 2]}})
    config = {
        "model": PRICED,
        "messages": [
            {"role": "user", "content": "{{ input.data }}"},
            {"role": "assistant", "content": "noted"},
            {"role": "user", "content": "{{ input.data.a | length }}"},
        ],
        "mock_response": "fine",
    }
    await run_node("llm", config, ctx)
    contents = [message["content"] for message in ctx.resolved_input["messages"]]
    assert contents == ['{"a": [1, 2]}', "noted", "2"]


async def test_json_mode_parses_a_fenced_reply_and_checks_the_schema():
    config = {
        "model": PRICED,
        "prompt": "Give JSON",
        "response_format": "json",
        "json_schema": {
            "type": "object",
            "required": ["n"],
            "properties": {"n": {"type": "integer"}},
        },
        "mock_response": '```json\n{"n": 3, "tags": ["a"]}\n```',
    }
    output = await run_node("llm", config, make_ctx())
    assert output["json"] == {"n": 3, "tags": ["a"]}
    assert output["text"].startswith("```json")
    assert list(output) == ["text", "json", "model", "usage", "cost_usd", "mocked"]


@pytest.mark.parametrize(
    ("reply", "message"),
    [
        ('{"n": "three"}', "the reply does not match json_schema: at n: 'three' is not of type"),
        ("no json here", "the reply is not valid JSON"),
    ],
)
async def test_json_mode_failures_are_not_retryable_but_usage_is_kept(reply, message):
    config = {
        "model": PRICED,
        "prompt": "Give JSON",
        "response_format": "json",
        "json_schema": {"type": "object", "properties": {"n": {"type": "integer"}}},
        "mock_response": reply,
    }
    ctx = make_ctx()
    with pytest.raises(NodeError) as caught:
        await run_node("llm", config, ctx)
    assert caught.value.type == "llm.invalid_json"
    assert not caught.value.retryable
    assert caught.value.message.startswith(message)
    assert ctx.usage.completion_tokens > 0 and ctx.usage.model == f"{PRICED} (mocked)"


@pytest.mark.parametrize(
    ("mock", "error_type", "retryable"),
    [
        ("litellm.RateLimitError", "llm.rate_limit", True),
        ("litellm.InternalServerError", "llm.provider", True),
        ("litellm.ContextWindowExceededError", "llm.bad_request", False),
    ],
)
async def test_provider_errors_are_classified(mock, error_type, retryable):
    config = {"model": PRICED, "prompt": "hi", "mock_response": mock}
    ctx = make_ctx()
    with pytest.raises(NodeError) as caught:
        await run_node("llm", config, ctx)
    assert caught.value.type == error_type
    assert caught.value.retryable is retryable
    assert caught.value.message.startswith(f"{PRICED}: ")
    assert ctx.usage.prompt_tokens == 0


@pytest.fixture
def provider_calls(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Wraps the real litellm call: records models; gpt-4o-mini answers with a rate limit."""
    calls: list[str] = []
    real = completion.provider_call

    async def call(**kwargs: Any) -> Any:
        calls.append(kwargs["model"])
        if kwargs["model"] == PRICED:
            kwargs["mock_response"] = "litellm.RateLimitError"
        return await real(**kwargs)

    monkeypatch.setattr(completion, "provider_call", call)
    return calls


async def test_a_rate_limited_model_falls_back_to_the_next(provider_calls):
    config = {
        "model": PRICED,
        "fallback_models": ["gpt-4o", UNPRICED],
        "prompt": "hi",
        "mock_response": "from the fallback",
    }
    ctx = make_ctx()
    output = await run_node("llm", config, ctx)
    assert provider_calls == [PRICED, "gpt-4o"]
    assert output["text"] == "from the fallback"
    assert output["model"] == "gpt-4o"
    assert output["cost_usd"] == 0.0 and output["mocked"] is True
    assert ctx.resolved_input["fallback_models"] == ["gpt-4o", UNPRICED]


async def test_when_every_model_fails_the_error_lists_them(provider_calls):
    config = {
        "model": PRICED,
        "fallback_models": ["gpt-4o"],
        "prompt": "hi",
        "mock_response": "litellm.InternalServerError",
    }
    with pytest.raises(NodeError) as caught:
        await run_node("llm", config, make_ctx())
    assert provider_calls == [PRICED, "gpt-4o"]
    assert caught.value.type == "llm.provider"  # the last model's failure
    assert caught.value.retryable
    assert caught.value.message.startswith("all 2 models failed: gpt-4o-mini: rate limited")


async def test_a_bad_request_does_not_fall_back(provider_calls):
    config = {
        "model": "gpt-4o",
        "fallback_models": [PRICED],
        "prompt": "hi",
        "mock_response": "litellm.ContextWindowExceededError",
    }
    with pytest.raises(NodeError) as caught:
        await run_node("llm", config, make_ctx())
    assert provider_calls == ["gpt-4o"]
    assert caught.value.type == "llm.bad_request"


async def test_prompts_cannot_carry_secrets_and_nothing_logs_them(
    caplog: pytest.LogCaptureFixture,
):
    # A prompt is stored on the step and may be echoed by the model: not a place
    # for a secret (only an http request's url, query, headers or body is).
    from agentflow.spec.expressions import ExpressionError

    deps = make_deps(secrets={"API_TOKEN": "sk-very-secret-123"})
    ctx = make_ctx(deps=deps)
    config = {"model": PRICED, "prompt": "token {{ env.API_TOKEN }}", "mock_response": "ok"}
    with caplog.at_level(logging.DEBUG):
        with pytest.raises(ExpressionError, match="the secret API_TOKEN can only be placed"):
            await run_node("llm", config, ctx)
        with pytest.raises(ExpressionError, match="the secret API_TOKEN"):
            await run_node("llm", {**config, "prompt": "{{ env.API_TOKEN | reverse }}"}, ctx)
    assert "sk-very-secret-123" not in caplog.text
    assert "sk-very-secret-123"[::-1] not in caplog.text
