"""agentflow.llm: error classes, request arguments, JSON replies, lazy import."""

from __future__ import annotations

import subprocess
import sys

import pytest

from agentflow.llm import ChatRequest, LlmError, parse_json_reply
from agentflow.llm.completion import load_litellm
from agentflow.llm.errors import classify_provider_error
from tests.conftest import PROJECT_ROOT

litellm = load_litellm()
M = "openai/gpt-4o-mini"


@pytest.mark.parametrize(
    ("exc", "error_type", "retryable"),
    [
        (litellm.Timeout("slow", model=M, llm_provider="openai"), "llm.timeout", True),
        (litellm.APIConnectionError("refused", "openai", M), "llm.connection", True),
        (litellm.ServiceUnavailableError("down", "openai", M), "llm.provider", True),
        (litellm.APIError(502, "bad gateway", "openai", M), "llm.provider", True),
        (litellm.AuthenticationError("bad key", "openai", M), "llm.auth", False),
        (litellm.NotFoundError("no such model", M, "openai"), "llm.bad_request", False),
        (litellm.APIError(418, "teapot", "openai", M), "llm.provider", False),
        (ValueError("odd"), "llm.provider", False),
    ],
)
def test_provider_errors_are_classified(exc, error_type, retryable):
    error = classify_provider_error(exc, M, litellm)
    assert (error.type, error.retryable, error.fallback) == (error_type, retryable, retryable)
    assert error.message.startswith(f"{M}: ")


def test_long_provider_messages_are_cut():
    error = classify_provider_error(ValueError("x" * 5000), M, litellm)
    assert len(error.message) < 600


def test_request_arguments():
    plain = ChatRequest(model=M, messages=[{"role": "user", "content": "hi"}])
    assert plain.arguments("other") == {
        "model": "other",
        "messages": [{"role": "user", "content": "hi"}],
        "timeout": 120.0,
        "max_retries": 0,
    }
    json_live = ChatRequest(model=M, messages=[], json_mode=True, temperature=0, max_tokens=5)
    args = json_live.arguments(M)
    assert args["response_format"] == {"type": "json_object"}
    assert (args["temperature"], args["max_tokens"]) == (0, 5)
    json_mock = ChatRequest(model=M, messages=[], json_mode=True, mock_response="{}")
    assert "response_format" not in json_mock.arguments(M)
    assert json_mock.arguments(M)["mock_response"] == "{}"


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ('{"a": 1}', {"a": 1}),
        ('  ```json\n{"a": 1}\n```  ', {"a": 1}),
        ("```\n[1, 2]\n```", [1, 2]),
        ("42", 42),
    ],
)
def test_json_replies(text, value):
    assert parse_json_reply(text) == value


def test_a_fence_inside_prose_is_not_json():
    with pytest.raises(LlmError) as caught:
        parse_json_reply('Sure! ```json\n{"a": 1}\n```')
    assert caught.value.type == "llm.invalid_json"


def test_schema_errors_are_listed_with_their_paths():
    schema = {
        "type": "object",
        "properties": {"items": {"type": "array", "items": {"type": "string"}}},
    }
    with pytest.raises(LlmError) as caught:
        parse_json_reply('{"items": ["a", 2, 3]}', schema)
    assert "at items/1: 2 is not of type 'string'" in caught.value.message
    assert "at items/2:" in caught.value.message


def test_importing_the_node_registry_does_not_import_litellm():
    code = (
        "import sys, agentflow.nodes.registry, agentflow.engine.run; "
        "sys.exit(1 if 'litellm' in sys.modules else 0)"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=PROJECT_ROOT, capture_output=True)
    assert result.returncode == 0, result.stderr.decode()
