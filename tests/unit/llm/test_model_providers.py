"""The instance's model policy: which providers a workflow's model string may select,
the settings that configure it, and validation problems on the llm node."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from agentflow.llm import ModelPolicy, ModelRefused, ModelRoute
from agentflow.llm.providers import DEFAULT_PROVIDERS, GUARDED_PROVIDERS
from agentflow.nodes.registry import NODE_TYPES
from agentflow.settings import Settings
from agentflow.spec.node_types import NodeConfigError
from agentflow.spec.validation import validate_document
from tests.unit.spec.conftest import make_document

DEFAULT = ModelPolicy()


@pytest.mark.parametrize(
    ("model", "provider"),
    [
        ("ollama/llama3", "ollama"),
        ("ollama_chat/llama3", "ollama_chat"),
        ("llamafile/mistral-7b", "llamafile"),
        ("lm_studio/qwen", "lm_studio"),
        ("hosted_vllm/meta-llama/Llama-3-8B", "hosted_vllm"),
    ],
)
def test_local_model_servers_are_refused_unless_the_instance_configures_them(model, provider):
    with pytest.raises(ModelRefused) as caught:
        DEFAULT.route(model)
    assert caught.value.type == "validation"
    assert caught.value.message == (
        f"model '{model}' uses the provider {provider}, which this instance has not enabled; "
        "an instance admin can allow a local model server with AGENTFLOW_LLM_LOCAL_SERVERS"
    )


@pytest.mark.parametrize(
    "model",
    ["vllm/facebook/opt-125m", "xinference/x", "triton/x", "custom_openai/x", "oobabooga/x",
     "text-completion-openai/gpt-3.5-turbo-instruct", "vertex_ai/gemini-pro",
     "aiohttp_openai/gpt-4o", "litellm_proxy/x", "bedrock/anthropic.claude-v2"],
)  # fmt: skip
def test_providers_outside_the_enabled_set_are_refused(model):
    message = DEFAULT.problem(model)
    assert message is not None
    assert message.startswith(f"model '{model}' uses the provider ")
    assert "which this instance has not enabled" in message


@pytest.mark.parametrize(
    ("model", "provider"),
    [
        ("gpt-4o-mini", "openai"),
        ("openai/gpt-4o-mini", "openai"),
        ("anthropic/claude-3-5-haiku-latest", "anthropic"),
        ("gemini/gemini-1.5-flash", "gemini"),
        ("mistral/mistral-small-latest", "mistral"),
        ("groq/llama-3.1-8b-instant", "groq"),
        ("openrouter/meta-llama/llama-3-8b-instruct", "openrouter"),
        ("deepseek/deepseek-chat", "deepseek"),
        ("azure/my-deployment", "azure"),
    ],
)
def test_hosted_models_are_allowed_at_their_providers_own_address(model, provider):
    route = DEFAULT.route(model)
    assert route == ModelRoute(model, provider, None)
    assert route.arguments() == {"custom_llm_provider": provider}


def test_a_model_litellm_cannot_place_selects_nothing():
    assert DEFAULT.route("default") is None
    assert DEFAULT.problem("default") is None  # litellm refuses it when the step runs


def test_a_configured_local_server_is_allowed_and_its_base_url_passed():
    policy = ModelPolicy(local_servers={"ollama": "http://10.0.0.7:11434/"})
    route = policy.route("ollama/llama3")
    assert route == ModelRoute("ollama/llama3", "ollama", "http://10.0.0.7:11434")
    assert route.arguments() == {
        "custom_llm_provider": "ollama",
        "api_base": "http://10.0.0.7:11434",
    }
    assert policy.outbound_policy().allow_hosts == ("10.0.0.7:11434",)
    assert policy.problem("ollama_chat/llama3") is not None  # another provider, not configured
    # A hosted provider given a server of the instance's (a gateway) goes there instead.
    gateway = ModelPolicy(local_servers={"openai": "https://llm.internal/v1"})
    assert gateway.route("gpt-4o").api_base == "https://llm.internal/v1"  # type: ignore[union-attr]
    assert gateway.outbound_policy().allow_hosts == ("llm.internal:443",)


def test_the_default_policy_admits_no_private_host():
    assert DEFAULT.outbound_policy().allow_hosts == ()


def test_the_enabled_providers_can_be_narrowed():
    policy = ModelPolicy.from_settings("anthropic, ", {})
    assert policy.providers == frozenset({"anthropic"})
    assert policy.problem("gpt-4o-mini") == (
        "model 'gpt-4o-mini' uses the provider openai, which this instance has not enabled; "
        "an instance admin can enable it in AGENTFLOW_LLM_PROVIDERS"
    )
    assert ModelPolicy.from_settings(None, {}).providers == DEFAULT_PROVIDERS


@pytest.mark.parametrize(
    ("servers", "error"),
    [
        ({"ollama": "ftp://10.0.0.7/"}, "must be an http:// or https:// URL"),
        ({"ollama": "http://user:pw@10.0.0.7:11434"}, "must not carry credentials"),
        ({"ollama": "http://10.0.0.7:11434/?key=1"}, "must not have a query"),
        ({"ollama": "http://169.254.169.254/"}, "cloud metadata"),
        ({"ollama": "http://metadata.google.internal/"}, "cloud metadata"),
        ({"ollama": ""}, "non-empty"),
        ({"vertex_ai": "https://x.example"}, "cannot be enabled"),
    ],
)
def test_bad_local_servers_are_refused(servers, error):
    with pytest.raises(ValueError, match=error):
        ModelPolicy(local_servers=servers)


def test_settings_read_the_providers_and_local_servers(tmp_path: Path, monkeypatch):
    monkeypatch.setenv("AGENTFLOW_LLM_LOCAL_SERVERS", '{"ollama": "http://10.0.0.7:11434"}')
    monkeypatch.setenv("AGENTFLOW_LLM_PROVIDERS", "openai,anthropic")
    settings = Settings(data_dir=tmp_path)
    assert settings.llm_local_servers == {"ollama": "http://10.0.0.7:11434"}
    policy = ModelPolicy.from_settings(settings.llm_providers, settings.llm_local_servers)
    assert policy.providers == frozenset({"openai", "anthropic"})
    assert policy.route("ollama/llama3").api_base == "http://10.0.0.7:11434"  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("name", "value", "error"),
    [
        ("AGENTFLOW_LLM_PROVIDERS", "openai,vertex_ai", "'vertex_ai' cannot be enabled"),
        ("AGENTFLOW_LLM_LOCAL_SERVERS", '{"ollama": "http://[::1"}', "not a valid URL"),
        ("AGENTFLOW_LLM_LOCAL_SERVERS", '["http://10.0.0.7"]', "JSON object"),
    ],
)
def test_settings_refuse_unsafe_model_configuration(
    tmp_path: Path, monkeypatch, name, value, error
):
    monkeypatch.setenv(name, value)
    with pytest.raises(ValidationError, match=error):
        Settings(data_dir=tmp_path)


def test_every_default_provider_is_one_the_guard_is_known_to_cover():
    assert GUARDED_PROVIDERS >= DEFAULT_PROVIDERS


@pytest.mark.parametrize("field", ["api_base", "base_url", "api_key", "custom_llm_provider"])
def test_an_llm_config_cannot_choose_where_or_how_the_model_is_called(field):
    config = {"model": "openai/gpt-4o-mini", "prompt": "hi", field: "http://127.0.0.1:11434"}
    with pytest.raises(NodeConfigError) as caught:
        NODE_TYPES["llm"].parse_config(config)
    assert [(p.path, p.message) for p in caught.value.problems] == [(field, "is not a known field")]


def _with_models(model: str, fallbacks: list[str]) -> dict[str, Any]:
    document = make_document()
    config = document["nodes"][1]["config"]
    config["model"] = model
    config["fallback_models"] = fallbacks
    return document


def test_a_refused_model_is_a_validation_problem_on_its_node():
    problems = validate_document(
        _with_models("ollama/llama3", ["gpt-4o", "llamafile/x"]), NODE_TYPES
    )
    assert [problem.to_dict() for problem in problems] == [
        {
            "node": "classify",
            "message": "config.model: model 'ollama/llama3' uses the provider ollama, which this "
            "instance has not enabled; an instance admin can allow a local model server with "
            "AGENTFLOW_LLM_LOCAL_SERVERS",
        },
        {
            "node": "classify",
            "message": "config.fallback_models[1]: model 'llamafile/x' uses the provider "
            "llamafile, which this instance has not enabled; an instance admin can allow a "
            "local model server with AGENTFLOW_LLM_LOCAL_SERVERS",
        },
    ]


def test_a_refused_model_inside_a_map_body_is_reported_on_the_inner_node():
    document = make_document()
    llm = copy.deepcopy(document["nodes"][1])
    llm["config"]["model"] = "ollama_chat/llama3"
    document["nodes"].append(
        {
            "id": "fan",
            "type": "map",
            "config": {"items": "{{ [1, 2] }}", "subflow": {"nodes": [llm], "output": "x"}},
        }
    )
    document["edges"].append({"source": "start", "target": "fan"})
    problems = [problem.to_dict() for problem in validate_document(document, NODE_TYPES)]
    assert [(p["node"], p["message"].split(":")[0]) for p in problems] == [
        ("fan/classify", "config.model")
    ]


def test_a_configured_local_server_makes_the_document_valid(instance_policy):
    document = _with_models("ollama/llama3", [])
    assert validate_document(document, NODE_TYPES) != []
    instance_policy(ModelPolicy(local_servers={"ollama": "http://10.0.0.7:11434"}))
    assert validate_document(document, NODE_TYPES) == []
