"""``llm``: one chat completion through litellm.

Decisions: exactly one of ``messages`` and ``prompt``; ``system`` may go with
either (it is sent first); ``json_schema`` only with ``response_format``
``json`` and must itself be a valid JSON Schema.

Execution (the adapter is :mod:`agentflow.llm`): every message content is
rendered as a template (a non-string value is JSON-encoded); the primary model
is asked, then each of ``fallback_models`` on a provider-side failure (rate
limit, timeout, connection, 5xx). Errors: ``llm.rate_limit``,
``llm.timeout``, ``llm.connection`` and ``llm.provider`` (5xx) are retryable;
``llm.auth``, ``llm.bad_request`` and ``llm.invalid_json`` (the reply is not
JSON or breaks ``json_schema``) are not. Tokens and cost are added to the
step even when the JSON check then fails.

Mocked replies (``mock_response``) call nothing: they cost 0, the output says
``mocked: true`` and the step is recorded under the provider ``mocked``.

Keys: the organisation's provider settings (Settings → Model providers) reach
the call as ``ctx.deps.model_access``; a provider with no key anywhere fails
with ``llm.auth`` naming it and the settings page, before anything is sent.

Providers: ``model`` and each of ``fallback_models`` may only select a provider
the instance enabled (:mod:`agentflow.llm.providers`); another is a validation
problem on the node, and is refused again when the step runs (``validation``,
nothing sent). A provider address the outbound guard refuses is ``blocked_address``.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any, Literal

from jsonschema import SchemaError
from jsonschema.validators import validator_for
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from agentflow.engine.context import NodeContext
from agentflow.engine.errors import NodeError
from agentflow.llm import (
    ChatRequest,
    LlmError,
    complete,
    instance_model_policy,
    parse_json_reply,
    provider_of,
)
from agentflow.nodes.runtime import as_text
from agentflow.spec.expressions import render_template
from agentflow.spec.node_types import (
    JSON,
    MODEL,
    TEMPLATE,
    FieldProblem,
    NodeConfig,
    NodeType,
    shown_when,
)

MOCKED_PROVIDER = "mocked"
"""The provider recorded for a canned reply: analytics shows it apart, at no cost."""


class LlmMessage(BaseModel):
    model_config = ConfigDict(extra="forbid")

    role: Literal["system", "user", "assistant"] = Field(description="Who speaks.")
    content: str = Field(description="The message text (a template).", json_schema_extra=TEMPLATE)


class LlmConfig(NodeConfig):
    model: str = Field(
        min_length=1,
        title="Model",
        description="Pick one of your organisation's providers' models, or type a litellm "
        "model string such as openai/gpt-4o-mini.",
        json_schema_extra=MODEL,
    )
    messages: list[LlmMessage] | None = Field(
        None,
        min_length=1,
        title="Messages",
        description="The conversation to send (instead of prompt).",
    )
    prompt: str | None = Field(
        None,
        title="Prompt",
        description="A single user message (instead of messages).",
        json_schema_extra=TEMPLATE,
    )
    system: str | None = Field(
        None,
        title="System message",
        description="Optional system message sent first.",
        json_schema_extra=TEMPLATE,
    )
    temperature: float | None = Field(
        None, ge=0, le=2, title="Temperature", description="Sampling temperature."
    )
    max_tokens: int | None = Field(
        None, ge=1, le=1_000_000, title="Longest reply (tokens)", description="Longest reply."
    )
    response_format: Literal["text", "json"] = Field(
        "text",
        title="Reply format",
        description="'json' asks for a JSON reply, parsed into output.json.",
    )
    json_schema: dict[str, Any] | None = Field(
        None,
        title="Reply JSON Schema",
        description="Optional JSON Schema the JSON reply must follow.",
        json_schema_extra={**JSON, **shown_when("response_format", "json")},
    )
    fallback_models: list[str] = Field(
        default_factory=list,
        max_length=10,
        title="Fallback models",
        description="Models tried in order when the provider fails.",
    )
    mock_response: str | None = Field(
        None,
        title="Test reply (no model is called)",
        description="Canned reply passed to litellm's mock_response (no network).",
        json_schema_extra=TEMPLATE,
    )

    @field_validator("fallback_models")
    @classmethod
    def _no_empty_models(cls, value: list[str]) -> list[str]:
        if any(not model.strip() for model in value):
            raise ValueError("model names cannot be empty")
        return value

    @field_validator("json_schema")
    @classmethod
    def _valid_schema(cls, value: dict[str, Any] | None) -> dict[str, Any] | None:
        if value is not None:
            try:
                validator_for(value).check_schema(value)
            except SchemaError as exc:
                raise ValueError(f"not a valid JSON Schema: {exc.message}") from None
        return value

    @model_validator(mode="after")
    def _one_source_of_messages(self) -> LlmConfig:
        if (self.messages is None) == (self.prompt is None):
            raise ValueError("set exactly one of messages and prompt")
        if self.json_schema is not None and self.response_format != "json":
            raise ValueError("json_schema needs response_format 'json'")
        return self


class LlmNode(NodeType[LlmConfig]):
    type = "llm"
    title = "LLM"
    description = "Asks a language model and returns its reply."
    icon = "sparkles"
    config_model = LlmConfig

    def instance_problems(self, config: LlmConfig) -> Iterator[FieldProblem]:
        policy = instance_model_policy()
        models = [("model", config.model)]
        models += [(f"fallback_models[{i}]", m) for i, m in enumerate(config.fallback_models)]
        for path, model in models:
            message = policy.problem(model)
            if message is not None:
                yield FieldProblem(path, message)

    async def execute(self, config: LlmConfig, ctx: NodeContext) -> dict[str, Any]:
        messages = render_messages(config, ctx.scope)
        mock = config.mock_response
        request = ChatRequest(
            model=config.model,
            messages=messages,
            fallback_models=list(config.fallback_models),
            temperature=config.temperature,
            max_tokens=config.max_tokens,
            json_mode=config.response_format == "json",
            mock_response=None if mock is None else as_text(render_template(mock, ctx.scope)),
            credentials=ctx.deps.model_access,
        )
        ctx.resolved_input = {"model": config.model, "messages": messages}
        if config.fallback_models:
            ctx.resolved_input["fallback_models"] = list(config.fallback_models)
        try:
            reply = await complete(request)
            # A canned reply is charted apart from the model it stands in for.
            ctx.usage.add(
                reply.prompt_tokens,
                reply.completion_tokens,
                reply.cost_usd,
                model=f"{reply.model} (mocked)" if reply.mocked else reply.model,
                provider=MOCKED_PROVIDER if reply.mocked else provider_of(reply.model),
            )
            output: dict[str, Any] = {"text": reply.text}
            if request.json_mode:
                output["json"] = parse_json_reply(reply.text, config.json_schema)
        except LlmError as exc:
            raise NodeError(exc.type, exc.message, retryable=exc.retryable) from None
        output["model"] = reply.model
        output["usage"] = {
            "prompt_tokens": reply.prompt_tokens,
            "completion_tokens": reply.completion_tokens,
        }
        output["cost_usd"] = reply.cost_usd
        if reply.mocked:
            output["mocked"] = True
        return output


def render_messages(config: LlmConfig, scope: Mapping[str, Any]) -> list[dict[str, str]]:
    """``system`` first, then ``messages`` (or ``prompt`` as one user message), rendered."""

    def text(template: str) -> str:
        return as_text(render_template(template, scope))

    messages: list[dict[str, str]] = []
    if config.system is not None:
        messages.append({"role": "system", "content": text(config.system)})
    if config.messages is not None:
        messages += [{"role": m.role, "content": text(m.content)} for m in config.messages]
    elif config.prompt is not None:
        messages.append({"role": "user", "content": text(config.prompt)})
    return messages


LLM = LlmNode()
