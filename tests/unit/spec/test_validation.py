"""validate_document: one test per rule, each breaking a valid document in one place."""

from __future__ import annotations

import json
from typing import Any

import pytest

from agentflow.nodes.registry import NODE_TYPES
from agentflow.spec.models import Document
from agentflow.spec.validation import validate_document, validate_run_input


def problems_of(document: Any) -> list[dict[str, str]]:
    return [problem.to_dict() for problem in validate_document(document, NODE_TYPES)]


def assert_problem(document: Any, kind: str, location: str, text: str) -> None:
    problems = problems_of(document)
    matching = [p for p in problems if p.get(kind) == location and text in p["message"]]
    assert matching, f"no {kind}={location!r} problem containing {text!r} in {problems}"


def node(document: dict, node_id: str) -> dict:
    return next(n for n in document["nodes"] if n["id"] == node_id)


def map_node(body: dict[str, Any]) -> dict[str, Any]:
    return {"id": "fan", "type": "map", "config": {"items": "input.items", "subflow": body}}


def add_after_start(document: dict, new_node: dict) -> None:
    document["nodes"].append(new_node)
    document["edges"].append({"source": "start", "target": new_node["id"]})


# -- the baseline ---------------------------------------------------------------


def test_the_baseline_document_is_valid(document):
    assert problems_of(document) == []
    assert problems_of(Document.model_validate(document)) == []


def test_every_problem_has_exactly_one_location_and_a_message(document):
    document["format"] = "x"
    document["nodes"].append({"id": "Bad", "type": "nope"})
    document["edges"].append({"source": "a", "target": "b"})
    for problem in problems_of(document):
        assert set(problem) in ({"node", "message"}, {"edge", "message"}, {"field", "message"})


def test_all_problems_are_reported_at_once(document):
    document["format"] = "agentflow/v9"
    node(document, "classify")["type"] = "nope"
    node(document, "reply")["config"]["template"] = "{{ broken"
    document["edges"].append({"source": "reply", "target": "ghost"})
    locations = {next(iter(p.items())) for p in problems_of(document)}
    assert {
        ("field", "format"),
        ("node", "classify"),
        ("node", "reply"),
        ("edge", "reply->ghost"),
    } <= locations


# -- document level ---------------------------------------------------------------


def test_unknown_format(document):
    document["format"] = "agentflow/v2"
    assert_problem(document, "field", "format", "unknown format")


def test_missing_format(document):
    del document["format"]
    assert_problem(document, "field", "format", "unknown format")


def test_header_fields_are_validated(document):
    document["name"] = ""
    document["settings"] = {"timeout": 10}
    assert_problem(document, "field", "name", "must not be empty")
    assert_problem(document, "field", "settings.timeout", "not a known field")


def test_inputs_must_be_a_valid_json_schema(document):
    document["inputs"] = {"type": "objekt"}
    assert_problem(document, "field", "inputs", "not a valid JSON Schema")


def test_document_must_be_an_object():
    assert problems_of(["not", "a", "document"])[0]["field"] == "document"


# -- limits ----------------------------------------------------------------------------


def test_more_than_1000_nodes(document):
    document["nodes"] += [
        {"id": f"n{i}", "type": "template", "config": {"template": "x"}} for i in range(1000)
    ]
    assert_problem(document, "field", "nodes", "limit is 1,000")


def test_more_than_5000_edges(document):
    document["edges"] += [{"source": "start", "target": "classify"}] * 5000
    assert_problem(document, "field", "edges", "limit is 5,000")


def test_more_than_1_mib(document):
    document["description"] = "x" * (1024 * 1024)
    assert problems_of(document) == [
        {"field": "document", "message": problems_of(document)[0]["message"]}
    ]
    assert "limit is 1,048,576" in problems_of(document)[0]["message"]


# -- nodes ---------------------------------------------------------------------------


@pytest.mark.parametrize("bad_id", ["Classify", "1st", "with-dash", "x" * 65])
def test_malformed_ids(document, bad_id):
    node(document, "reply")["id"] = bad_id
    assert_problem(document, "node", bad_id, "node ids must match")


def test_a_node_without_a_usable_id_is_located_by_index(document):
    document["nodes"].append({"type": "template", "config": {"template": "x"}})
    document["nodes"].append("junk")
    assert_problem(document, "field", "nodes[4]", "id: is required")
    assert_problem(document, "field", "nodes[5]", "must be an object")


def test_duplicate_ids(document):
    document["nodes"].append({"id": "classify", "type": "template", "config": {"template": "x"}})
    assert_problem(document, "node", "classify", "used by 2 nodes")


def test_unknown_node_type(document):
    node(document, "reply")["type"] = "teleport"
    assert_problem(document, "node", "reply", "unknown node type 'teleport'")


def test_node_types_come_from_the_catalog_given_to_validation(document):
    without_llm = {name: kind for name, kind in NODE_TYPES.items() if name != "llm"}
    problems = [problem.to_dict() for problem in validate_document(document, without_llm)]
    unknown = [p for p in problems if p.get("node") == "classify"]
    assert unknown, problems
    assert "unknown node type 'llm'" in unknown[0]["message"]
    assert "llm" not in unknown[0]["message"].split("known: ")[1]
    assert problems_of(document) == []  # the product's catalog has it


def test_config_must_match_the_type_schema(document):
    config = node(document, "classify")["config"]
    del config["model"]
    config["temprature"] = 0.2
    assert_problem(document, "node", "classify", "config.model: is required")
    assert_problem(document, "node", "classify", "config.temprature: is not a known field")


def test_config_cross_field_rules(document):
    node(document, "classify")["config"]["messages"] = [{"role": "user", "content": "hi"}]
    assert_problem(document, "node", "classify", "exactly one of messages and prompt")


def test_node_level_fields_are_checked(document):
    node(document, "classify")["on_error"] = "ignore"
    node(document, "classify")["retry"] = {"max_attempts": 0}
    assert_problem(document, "node", "classify", "on_error")
    assert_problem(document, "node", "classify", "retry.max_attempts")


def test_no_trigger(document):
    document["nodes"] = [n for n in document["nodes"] if n["type"] != "trigger"]
    document["edges"] = [e for e in document["edges"] if e["source"] != "start"]
    assert_problem(document, "field", "nodes", "no trigger")


def test_several_triggers_are_allowed(document):
    add_after_start(document, {"id": "hook", "type": "trigger", "config": {"kind": "webhook"}})
    document["edges"].pop()  # a trigger may not have incoming edges
    assert problems_of(document) == []


# -- edges ---------------------------------------------------------------------------


def test_edges_to_missing_nodes(document):
    document["edges"].append({"source": "ghost", "target": "reply"})
    document["edges"].append({"source": "reply", "target": "phantom"})
    assert_problem(document, "edge", "ghost->reply", "source 'ghost' is not a node")
    assert_problem(document, "edge", "reply->phantom", "target 'phantom' is not a node")


def test_malformed_edges_are_located_by_index(document):
    document["edges"].append({"source": 1})
    document["edges"].append(7)
    assert_problem(document, "field", "edges[3].target", "is required")
    assert_problem(document, "field", "edges[4]", "must be an object")


def test_unknown_handles(document):
    document["edges"][2]["source_handle"] = "maybe"
    assert_problem(document, "edge", "check:maybe->reply", "has no handle 'maybe'")


def test_the_out_handle_does_not_exist_on_branching_nodes(document):
    document["edges"][2]["source_handle"] = "out"
    assert_problem(document, "edge", "check->reply", "has no handle 'out'")


def test_the_error_handle_needs_on_error_route(document):
    document["edges"].append({"source": "classify", "target": "reply", "source_handle": "error"})
    assert_problem(document, "edge", "classify:error->reply", "on_error is 'route'")
    node(document, "classify")["on_error"] = "route"
    assert problems_of(document) == []


def test_switch_cases_are_handles(document):
    add_after_start(
        document,
        {
            "id": "route",
            "type": "switch",
            "config": {"value": "input.ticket", "cases": [{"name": "bug", "equals": "bug"}]},
        },
    )
    document["edges"].append({"source": "route", "target": "reply", "source_handle": "bug"})
    document["edges"].append({"source": "route", "target": "reply", "source_handle": "default"})
    assert problems_of(document) == []
    document["edges"].append({"source": "route", "target": "reply", "source_handle": "feature"})
    assert_problem(document, "edge", "route:feature->reply", "has no handle 'feature'")


def test_duplicate_edges(document):
    document["edges"].append(dict(document["edges"][0]))
    assert_problem(document, "edge", "start->classify", "duplicate edge")


def test_a_trigger_cannot_have_incoming_edges(document):
    document["edges"].append({"source": "reply", "target": "start"})
    assert_problem(document, "edge", "reply->start", "trigger cannot have incoming edges")


def test_cycles(document):
    document["edges"].append({"source": "reply", "target": "classify"})
    assert_problem(document, "node", "classify", "cycle: classify -> check -> reply -> classify")


def test_self_loops_are_cycles(document):
    document["edges"].append({"source": "reply", "target": "reply"})
    assert_problem(document, "node", "reply", "cycle: reply -> reply")


# -- templates and references ------------------------------------------------------


def test_templates_that_do_not_parse(document):
    node(document, "reply")["config"]["template"] = "Filed as {{ nodes.classify.output.text"
    assert_problem(document, "node", "reply", "config.template: syntax error")


def test_expressions_that_do_not_parse(document):
    node(document, "check")["config"]["expression"] = "nodes.classify.output.text =="
    assert_problem(document, "node", "check", "config.expression: syntax error")


def test_unsafe_templates_are_refused_at_save_time(document):
    node(document, "reply")["config"]["template"] = "{{ ''.__class__ }}"
    assert_problem(document, "node", "reply", "config.template: names starting with '_'")


def test_nested_template_fields_are_checked(document):
    config = node(document, "classify")["config"]
    del config["prompt"]
    config["messages"] = [{"role": "user", "content": "{{ oops"}]
    assert_problem(document, "node", "classify", "config.messages[0].content: syntax error")


def test_names_out_of_scope(document):
    node(document, "reply")["config"]["template"] = "{{ item }}"
    assert_problem(document, "node", "reply", "unknown name 'item'")


def test_references_to_nodes_that_are_not_upstream(document):
    add_after_start(
        document,
        {"id": "early", "type": "template", "config": {"template": "{{ nodes.reply.output }}"}},
    )
    assert_problem(document, "node", "early", "refers to node 'reply', which is not upstream")


def test_references_through_item_syntax_are_found(document):
    node(document, "classify")["config"]["prompt"] = "{{ nodes['reply'].output }}"
    assert_problem(document, "node", "classify", "refers to node 'reply', which is not upstream")


def test_references_to_unknown_nodes(document):
    node(document, "check")["config"]["expression"] = "nodes.ghost.output.ok"
    assert_problem(document, "node", "check", "config.expression: refers to unknown node 'ghost'")


def test_references_to_own_output(document):
    node(document, "reply")["config"]["template"] = "{{ nodes.reply.output }}"
    assert_problem(document, "node", "reply", "refers to its own output")


def test_computed_node_references_are_refused(document):
    node(document, "reply")["config"]["template"] = "{{ nodes[input.which].output }}"
    assert_problem(document, "node", "reply", "computed references cannot be checked")


def test_output_may_reference_any_node_but_only_existing_ones(document):
    document["output"] = {
        "summary": "{{ nodes.start.output }}",
        "deep": ["{{ nodes.nope.output }}"],
    }
    assert_problem(document, "field", "output.deep[0]", "refers to unknown node 'nope'")
    document["output"]["deep"] = ["{{ nodes.check.output.value }}"]
    assert problems_of(document) == []


def test_output_templates_must_parse(document):
    document["output"] = "{{ nodes.reply.output"
    assert_problem(document, "field", "output", "syntax error")


def test_output_must_be_a_template_or_an_object(document):
    document["output"] = [1]
    assert_problem(document, "field", "output", "must be a template or an object")


# -- subflow bodies ---------------------------------------------------------------------


def body_with(*nodes: dict, edges: list | None = None, output: Any = None) -> dict:
    body: dict[str, Any] = {"nodes": list(nodes), "edges": edges or []}
    if output is not None:
        body["output"] = output
    return body


def template_node(node_id: str, template: str) -> dict:
    return {"id": node_id, "type": "template", "config": {"template": template}}


def test_a_valid_map_body_may_use_item_and_index(document):
    body = body_with(
        template_node("a", "{{ item }} #{{ index }} of {{ input.ticket }}"),
        template_node("b", "{{ nodes.a.output }}"),
        edges=[{"source": "a", "target": "b"}],
        output="{{ nodes.b.output }}",
    )
    add_after_start(document, map_node(body))
    assert problems_of(document) == []


def test_body_problems_are_located_by_path(document):
    body = body_with(
        template_node("a", "{{ nodes.b.output }}"),
        template_node("b", "x"),
        edges=[{"source": "a", "target": "b"}, {"source": "a", "target": "zz"}],
        output="{{ nodes.ghost.output }}",
    )
    add_after_start(document, map_node(body))
    assert_problem(document, "node", "fan/a", "refers to node 'b', which is not upstream")
    assert_problem(document, "edge", "fan/a->zz", "target 'zz' is not a node")
    assert_problem(document, "node", "fan", "config.subflow.output: refers to unknown node 'ghost'")


def test_bodies_cannot_reference_parent_nodes(document):
    add_after_start(
        document, map_node(body_with(template_node("a", "{{ nodes.classify.output }}")))
    )
    assert_problem(document, "node", "fan/a", "outside this subflow body")


def test_bodies_cannot_contain_a_trigger(document):
    add_after_start(document, map_node(body_with({"id": "t", "type": "trigger"})))
    assert_problem(document, "node", "fan/t", "cannot contain a trigger")


def test_body_cycles_unknown_keys_and_config_errors(document):
    body = body_with(
        template_node("a", "x"),
        {"id": "b", "type": "template", "config": {}},
        edges=[{"source": "a", "target": "a"}],
    )
    body["format"] = "agentflow/v1"
    add_after_start(document, map_node(body))
    assert_problem(document, "node", "fan/a", "cycle")
    assert_problem(document, "node", "fan/b", "config.template: is required")
    assert_problem(document, "node", "fan", "config.subflow.format: is not a known field")


def test_item_is_not_in_scope_of_an_inline_subflow(document):
    inline = {
        "id": "child",
        "type": "subflow",
        "config": {"subflow": body_with(template_node("a", "{{ item }}")), "input": {}},
    }
    add_after_start(document, inline)
    assert_problem(document, "node", "child/a", "unknown name 'item'")


def test_nested_bodies_are_validated_recursively(document):
    inner = map_node(body_with(template_node("deep", "{{ nodes.nowhere.output }}")))
    add_after_start(document, map_node(body_with(inner)))
    assert_problem(document, "node", "fan/fan/deep", "refers to unknown node 'nowhere'")


def test_body_nesting_is_limited(document):
    body = body_with(template_node("leaf", "x"))
    for _ in range(10):
        body = body_with(map_node(body))
    add_after_start(document, map_node(body))
    assert any("nest deeper than 8" in p["message"] for p in problems_of(document))


def test_stored_subflows_need_no_body(document):
    add_after_start(document, {"id": "child", "type": "subflow", "config": {"workflow": "billing"}})
    assert problems_of(document) == []
    node(document, "child")["config"]["subflow"] = body_with(template_node("a", "x"))
    assert_problem(document, "node", "child", "exactly one of workflow and subflow")


# -- run input ---------------------------------------------------------------------------


def test_run_input_is_checked_against_inputs(document):
    assert validate_run_input(document, {"ticket": "Printer on fire"}) == []
    problems = validate_run_input(document, {"ticket": 5, "extra": True})
    assert [p.field for p in problems] == ["input"]
    assert "at input.ticket: 5 is not of type 'string'" in problems[0].message
    missing = validate_run_input(Document.model_validate(document), {})
    assert "'ticket' is a required property" in missing[0].message


def test_run_input_lists_every_error(document):
    document["inputs"] = {
        "type": "object",
        "properties": {"a": {"type": "integer"}, "b": {"type": "string", "format": "email"}},
        "required": ["a", "b"],
    }
    problems = validate_run_input(document, {"a": "x", "b": "not an email"})
    assert len(problems) == 1
    assert "at input.a:" in problems[0].message
    assert "at input.b:" in problems[0].message and "email" in problems[0].message


def test_run_input_with_an_unusable_schema_is_a_problem_not_a_crash(document):
    document["inputs"] = {"$ref": "https://example.invalid/schema.json"}
    problems = validate_run_input(document, {})
    assert problems and problems[0].field == "inputs"


def test_problems_serialise_to_json(document):
    document["format"] = "nope"
    assert json.loads(json.dumps(problems_of(document)))[0]["field"] == "format"


# -- a schedule trigger's input (an added field) ---------------------------------


def test_a_schedule_without_input_is_valid_whatever_the_inputs_schema(document):
    node(document, "start")["config"] = {"kind": "schedule", "cron": "0 9 * * *"}
    assert problems_of(document) == []  # the format's meaning: the run input is {}


def test_a_schedule_input_that_fits_the_inputs_schema_is_valid(document):
    config = {"kind": "schedule", "cron": "0 9 * * *", "input": {"ticket": "daily"}}
    node(document, "start")["config"] = config
    assert problems_of(document) == []


def test_a_schedule_input_that_does_not_fit_is_refused_on_the_trigger(document):
    config = {"kind": "schedule", "cron": "0 9 * * *", "input": {"ticket": 3}}
    node(document, "start")["config"] = config
    assert_problem(document, "node", "start", "config.input does not match the inputs schema")


def test_a_schedule_input_must_be_an_object(document):
    config = {"kind": "schedule", "cron": "0 9 * * *", "input": ["ticket"]}
    node(document, "start")["config"] = config
    assert_problem(document, "node", "start", "input")
