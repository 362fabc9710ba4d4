"""trigger, condition, switch, template, set, delay: execute() and handles."""

from __future__ import annotations

import time

import pytest

from agentflow.engine.attempts import live_handles_after_success
from agentflow.engine.errors import NodeError, as_node_error
from agentflow.nodes.registry import NODE_TYPES
from agentflow.nodes.switch import json_equal
from agentflow.spec.errors import ExpressionError
from tests.unit.engine_nodes.conftest import make_ctx, run_node


def handles_after(type_name: str, raw_config: dict, output: object) -> list[str]:
    node_type = NODE_TYPES[type_name]
    return live_handles_after_success(node_type, node_type.parse_config(raw_config), output)


async def test_trigger_returns_the_run_input():
    run_input = {"ticket": "printer on fire", "n": [1, 2]}
    assert await run_node("trigger", {"kind": "manual"}, make_ctx(run_input)) == run_input


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("input.n > 5", True),
        ("{{ input.n > 50 }}", False),
        ("input.tags", False),  # an empty list is false
        ("input.name", True),
    ],
)
async def test_condition_value_and_handle(expression, expected):
    ctx = make_ctx({"n": 7, "tags": [], "name": "x"})
    config = {"expression": expression}
    output = await run_node("condition", config, ctx)
    assert output == {"value": expected}
    assert handles_after("condition", config, output) == ["true" if expected else "false"]


async def test_condition_expression_failure_is_an_expression_error():
    with pytest.raises(ExpressionError) as caught:
        await run_node("condition", {"expression": "input.missing > 1"}, make_ctx({}))
    assert as_node_error(caught.value).type == "expression"


SWITCH = {
    "value": "input.v",
    "cases": [
        {"name": "one", "equals": 1},
        {"name": "also_one", "equals": 1.0},
        {"name": "yes", "equals": True},
        {"name": "text_one", "equals": "1"},
        {"name": "obj", "equals": {"a": [1, {"b": None}]}},
    ],
}


@pytest.mark.parametrize(
    ("value", "case"),
    [
        (1, "one"),
        (1.0, "one"),  # 1 and 1.0 are the same JSON number; the first case wins
        (True, "yes"),  # a boolean never equals a number
        ("1", "text_one"),
        ({"a": [1.0, {"b": None}]}, "obj"),
        ({"a": [1, {"b": False}]}, "default"),
        (2, "default"),
        (None, "default"),
    ],
)
async def test_switch_picks_the_first_equal_case(value, case):
    output = await run_node("switch", SWITCH, make_ctx({"v": value}))
    assert output == {"value": value, "case": case}
    assert handles_after("switch", SWITCH, output) == [case]


def test_json_equality_rules():
    assert json_equal(0, 0.0)
    assert not json_equal(False, 0)
    assert not json_equal(1, True)
    assert not json_equal([1, 2], [2, 1])
    assert not json_equal({"a": 1}, {"a": 1, "b": 2})
    assert not json_equal(None, 0)


async def test_template_renders_text_and_json_encodes_values():
    ctx = make_ctx({"name": "Ada", "tags": ["a", "b"], "n": 3})
    assert await run_node("template", {"template": "Hi {{ input.name }}"}, ctx) == "Hi Ada"
    assert await run_node("template", {"template": "{{ input.tags }}"}, ctx) == '["a", "b"]'
    assert await run_node("template", {"template": "{{ input.n }}"}, ctx) == "3"


async def test_set_renders_values_and_never_renders_data_again():
    ctx = make_ctx({"n": 2}, node_outputs={"prev": {"text": "{{ 7 * 7 }}"}})
    values = {
        "n": "{{ input.n * 10 }}",
        "nested": {"list": ["{{ input.n }}", "x{{ input.n }}", 5]},
        "echo": "{{ nodes.prev.output.text }}",
        "literal": True,
    }
    assert await run_node("set", {"values": values}, ctx) == {
        "n": 20,
        "nested": {"list": [2, "x2", 5]},
        "echo": "{{ 7 * 7 }}",
        "literal": True,
    }


async def test_delay_waits_the_rendered_seconds():
    ctx = make_ctx({"s": "0.05"})
    started = time.monotonic()
    output = await run_node("delay", {"seconds": "{{ input.s }}"}, ctx)
    assert output == {"waited_s": 0.05}
    assert time.monotonic() - started >= 0.05
    assert ctx.resolved_input == {"seconds": 0.05}
    assert await run_node("delay", {"seconds": 0}, make_ctx()) == {"waited_s": 0.0}


@pytest.mark.parametrize("value", [-1, "abc", "nan", "inf", True, None, [1], 31 * 24 * 3600])
async def test_delay_refuses_bad_seconds(value):
    with pytest.raises(NodeError) as caught:
        await run_node("delay", {"seconds": "{{ input.s }}"}, make_ctx({"s": value}))
    assert caught.value.type == "validation"
    assert not caught.value.retryable


@pytest.mark.parametrize(
    ("type_name", "config"),
    [("template", {"template": "x"}), ("set", {"values": {}}), ("trigger", {})],
)
def test_plain_types_make_out_live(type_name, config):
    assert handles_after(type_name, config, "anything") == ["out"]
