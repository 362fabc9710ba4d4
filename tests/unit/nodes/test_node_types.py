"""Node types: registry, schemas (forms), handles, template/expression fields."""

from __future__ import annotations

import re
from typing import Any

import pytest

from agentflow.nodes.registry import NODE_TYPES, get_node_type
from agentflow.spec.models import SubflowBody
from agentflow.spec.node_types import FIELD_KIND_KEY, NodeConfig, NodeConfigError, NodeType

BODY = {"nodes": [{"id": "a", "type": "template", "config": {"template": "{{ item }}"}}]}

MINIMAL_CONFIGS: dict[str, dict[str, Any]] = {
    "trigger": {},
    "llm": {"model": "openai/gpt-4o-mini", "prompt": "Hi"},
    "http": {"url": "https://example.com"},
    "condition": {"expression": "input.n > 5"},
    "switch": {"value": "input.kind", "cases": [{"name": "bug", "equals": "bug"}]},
    "map": {"items": "input.list", "subflow": BODY},
    "subflow": {"workflow": "billing"},
    "template": {"template": "Hello"},
    "set": {"values": {"a": 1}},
    "delay": {"seconds": 5},
    "approval": {"message": "OK?"},
}


def parse(type_name: str, config: dict[str, Any]) -> Any:
    node_type = get_node_type(type_name)
    assert node_type is not None
    return node_type.parse_config(config)


def field_problems(type_name: str, config: dict[str, Any]) -> dict[str, str]:
    with pytest.raises(NodeConfigError) as caught:
        parse(type_name, config)
    assert caught.value.error_type == "validation"
    return {problem.path: problem.message for problem in caught.value.problems}


# -- registry and metadata -------------------------------------------------------


def test_registry_has_every_type_of_the_format_except_knowledge():
    assert set(NODE_TYPES) == set(MINIMAL_CONFIGS)
    assert get_node_type("knowledge") is None
    assert get_node_type("nope") is None


@pytest.mark.parametrize("node_type", NODE_TYPES.values(), ids=list(NODE_TYPES))
def test_metadata_is_complete(node_type: NodeType[Any]):
    assert NODE_TYPES[node_type.type] is node_type
    assert node_type.title
    assert node_type.description and "\n" not in node_type.description
    assert re.fullmatch(r"[a-z]+(-[a-z]+)*", node_type.icon)
    assert issubclass(node_type.config_model, NodeConfig)


@pytest.mark.parametrize("node_type", NODE_TYPES.values(), ids=list(NODE_TYPES))
def test_every_config_field_is_described_for_forms(node_type: NodeType[Any]):
    schema = node_type.config_schema()
    assert schema["additionalProperties"] is False
    for name, prop in schema["properties"].items():
        assert prop.get("description"), f"{node_type.type}.{name} has no description"


@pytest.mark.parametrize("type_name", list(MINIMAL_CONFIGS))
def test_minimal_configs_parse(type_name):
    assert isinstance(parse(type_name, MINIMAL_CONFIGS[type_name]), NodeConfig)


@pytest.mark.parametrize("type_name", list(MINIMAL_CONFIGS))
def test_unknown_config_fields_are_refused(type_name):
    problems = field_problems(type_name, {**MINIMAL_CONFIGS[type_name], "typo_field": 1})
    assert problems == {"typo_field": "is not a known field"}


@pytest.mark.parametrize("type_name", list(MINIMAL_CONFIGS))
def test_every_registered_type_implements_execution(type_name):
    # Behaviour of each execute: tests/unit/engine_nodes/.
    assert type(NODE_TYPES[type_name]).execute is not NodeType.execute


async def test_a_type_without_execution_says_so():
    class Pending(NodeType[NodeConfig]):
        type = "pending"
        config_model = NodeConfig

    with pytest.raises(NotImplementedError, match="'pending'"):
        await Pending().execute(NodeConfig(), ctx=None)


def test_field_kinds_are_in_the_json_schema():
    llm = NODE_TYPES["llm"].config_schema()
    assert llm["properties"]["prompt"][FIELD_KIND_KEY] == "template"
    assert llm["properties"]["json_schema"][FIELD_KIND_KEY] == "json"
    assert llm["$defs"]["LlmMessage"]["properties"]["content"][FIELD_KIND_KEY] == "template"
    assert NODE_TYPES["condition"].config_schema()["properties"]["expression"][FIELD_KIND_KEY] == (
        "expression"
    )
    assert NODE_TYPES["map"].config_schema()["properties"]["subflow"][FIELD_KIND_KEY] == "subflow"


# -- handles ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("type_name", "expected"),
    [
        ("trigger", ["out"]),
        ("llm", ["out"]),
        ("http", ["out"]),
        ("condition", ["true", "false"]),
        ("switch", ["bug", "default"]),
        ("map", ["out"]),
        ("subflow", ["out"]),
        ("template", ["out"]),
        ("set", ["out"]),
        ("delay", ["out"]),
        ("approval", ["approved", "rejected"]),
    ],
)
def test_handles(type_name, expected):
    node_type = NODE_TYPES[type_name]
    config = parse(type_name, MINIMAL_CONFIGS[type_name])
    assert node_type.handles(config) == expected
    assert node_type.all_handles(config, "fail") == expected
    assert node_type.all_handles(config, "route") == [*expected, "error"]


# -- per-type schemas -----------------------------------------------------------------


def test_trigger_schema():
    assert parse("trigger", {}).kind == "manual"
    assert field_problems("trigger", {"kind": "schedule"}) == {
        "": "cron is required when kind is 'schedule'"
    }
    assert "cron" in field_problems("trigger", {"kind": "schedule", "cron": "every day"})
    assert "timezone" in field_problems("trigger", {"timezone": "Mars/Olympus"})
    assert "timezone" in field_problems("trigger", {"timezone": "../../etc/passwd"})
    assert "method" in field_problems("trigger", {"kind": "webhook", "method": "FETCH"})
    schedule = parse("trigger", {"kind": "schedule", "cron": "0 9 * * 1-5", "timezone": "UTC"})
    assert schedule.cron == "0 9 * * 1-5"
    assert parse("trigger", {"kind": "schedule", "cron": "@daily"}).cron == "@daily"


def test_llm_schema_and_template_fields():
    assert field_problems("llm", {"model": "m"}) == {"": "set exactly one of messages and prompt"}
    assert "model" in field_problems("llm", {"prompt": "x"})
    assert "temperature" in field_problems("llm", {"model": "m", "prompt": "x", "temperature": 3})
    assert field_problems(
        "llm", {"model": "m", "prompt": "x", "json_schema": {"type": "object"}}
    ) == {"": "json_schema needs response_format 'json'"}
    assert "json_schema" in field_problems(
        "llm", {"model": "m", "prompt": "x", "response_format": "json", "json_schema": {"type": 5}}
    )
    assert "messages[0].role" in field_problems(
        "llm", {"model": "m", "messages": [{"role": "robot", "content": "x"}]}
    )
    config = parse(
        "llm",
        {
            "model": "m",
            "system": "Be brief",
            "messages": [{"role": "user", "content": "{{ input.q }}"}],
            "mock_response": "ok",
            "fallback_models": ["other"],
        },
    )
    assert list(NODE_TYPES["llm"].template_fields(config)) == [
        ("messages[0].content", "{{ input.q }}"),
        ("system", "Be brief"),
        ("mock_response", "ok"),
    ]


def test_http_schema_and_template_fields():
    assert "method" in field_problems("http", {"url": "https://x", "method": "FETCH"})
    assert "url" in field_problems("http", {"url": "file:///etc/passwd"})
    assert parse("http", {"url": "https://x", "method": "post"}).method == "POST"
    assert parse("http", {"url": "{{ input.url }}", "method": "{{ input.m }}"}).method == (
        "{{ input.m }}"
    )
    config = parse(
        "http",
        {
            "url": "https://api/{{ input.id }}",
            "headers": {"Authorization": "Bearer {{ env.TOKEN }}"},
            "query": "{{ input.query }}",
            "body": {"items": ["{{ input.a }}", 3]},
            "credential": "crm",
        },
    )
    assert list(NODE_TYPES["http"].template_fields(config)) == [
        ("method", "GET"),
        ("url", "https://api/{{ input.id }}"),
        ("headers.Authorization", "Bearer {{ env.TOKEN }}"),
        ("query", "{{ input.query }}"),
        ("body.items[0]", "{{ input.a }}"),
    ]


def test_condition_schema_and_expression_fields():
    assert "expression" in field_problems("condition", {})
    config = parse("condition", {"expression": "input.n > 5"})
    assert list(NODE_TYPES["condition"].expression_fields(config)) == [
        ("expression", "input.n > 5")
    ]
    assert list(NODE_TYPES["condition"].template_fields(config)) == []


def test_switch_schema():
    assert "cases[0].equals" in field_problems("switch", {"value": "x", "cases": [{"name": "a"}]})
    assert "cases" in field_problems(
        "switch", {"value": "x", "cases": [{"name": "default", "equals": 1}]}
    )
    assert "cases" in field_problems(
        "switch", {"value": "x", "cases": [{"name": "a", "equals": 1}, {"name": "a", "equals": 2}]}
    )
    config = parse("switch", {"value": "x", "cases": [{"name": "none", "equals": None}]})
    assert config.cases[0].equals is None
    assert NODE_TYPES["switch"].handles(parse("switch", {"value": "x"})) == ["default"]


def test_map_schema_and_body():
    assert {"items", "subflow"} <= set(field_problems("map", {}))
    assert "concurrency" in field_problems("map", {**MINIMAL_CONFIGS["map"], "concurrency": 0})
    map_type = NODE_TYPES["map"]
    config = parse("map", MINIMAL_CONFIGS["map"])
    assert config.concurrency == 4
    assert map_type.subflow_field_names() == ["subflow"]
    [body] = map_type.subflow_bodies(config)
    assert body.path == "subflow"
    assert isinstance(body.body, SubflowBody)
    assert body.extra_names == {"item", "index"}
    assert list(map_type.expression_fields(config)) == [("items", "input.list")]
    assert list(map_type.template_fields(config)) == []  # body templates belong to the body


def test_subflow_schema():
    assert field_problems("subflow", {}) == {"": "set exactly one of workflow and subflow"}
    assert field_problems("subflow", {"workflow": "w", "subflow": BODY}) == {
        "": "set exactly one of workflow and subflow"
    }
    subflow_type = NODE_TYPES["subflow"]
    inline = parse("subflow", {"subflow": BODY, "input": {"ticket": "{{ input.ticket }}"}})
    assert [ref.extra_names for ref in subflow_type.subflow_bodies(inline)] == [frozenset()]
    assert list(subflow_type.template_fields(inline)) == [("input.ticket", "{{ input.ticket }}")]
    assert parse("subflow", {"workflow": "billing"}).input == {}


def test_template_and_set_schemas():
    assert "template" in field_problems("template", {})
    assert "values" in field_problems("set", {})
    assert "values" in field_problems("set", {"values": ["not", "an", "object"]})
    config = parse("set", {"values": {"a": "{{ input.a }}", "b": {"c": ["{{ input.c }}"]}, "n": 1}})
    assert list(NODE_TYPES["set"].template_fields(config)) == [
        ("values.a", "{{ input.a }}"),
        ("values.b.c[0]", "{{ input.c }}"),
    ]


def test_delay_schema():
    assert parse("delay", {"seconds": "{{ input.wait }}"}).seconds == "{{ input.wait }}"
    assert parse("delay", {"seconds": "2.5"}).seconds == "2.5"
    assert "seconds" in field_problems("delay", {"seconds": -1})
    assert "seconds" in field_problems("delay", {"seconds": "soon"})
    assert "seconds" in field_problems("delay", {"seconds": 10**9})


def test_approval_schema():
    assert "message" in field_problems("approval", {})
    assert "on_timeout" in field_problems("approval", {"message": "ok?", "on_timeout": "maybe"})
    config = parse("approval", {"message": "Approve {{ input.amount }}?"})
    assert (config.timeout_s, config.on_timeout) == (86400, "reject")
    assert list(NODE_TYPES["approval"].template_fields(config)) == [
        ("message", "Approve {{ input.amount }}?")
    ]
