"""Forms generated from config schemas, their edits, and template autocomplete."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from agentflow.nodes.registry import NODE_TYPES
from agentflow.services.workflows import node_forms
from agentflow.services.workflows.node_forms import UNSET, FieldError, edit, edit_flag
from agentflow.services.workflows.suggestions import env_names, suggestions
from tests.unit.spec.conftest import make_document


def fields_by_key(node: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {field["key"]: field for field in node_forms.node_fields(node)}


# Configs that together show every field a type has (some apply to one kind only).
SHOWING_ALL = {
    "trigger": [{"kind": "manual"}, {"kind": "webhook"}, {"kind": "schedule"}],
    "llm": [{"response_format": "text"}, {"response_format": "json"}],
}


def test_every_type_gets_a_form_covering_its_whole_schema() -> None:
    for name, node_type in NODE_TYPES.items():
        shown: set[str] = set()
        for config in SHOWING_ALL.get(name, [{}]):
            fields = fields_by_key({"id": "n", "type": name, "config": config})
            assert {"name", "retry.max_attempts", "timeout_s", "on_error"} <= set(fields)
            shown |= set(fields)
        properties = node_type.config_schema()["properties"]
        assert {f"config.{p}" for p in properties} <= shown, name


def test_fields_that_do_not_apply_are_hidden() -> None:
    def config_keys(config: dict[str, Any]) -> set[str]:
        fields = fields_by_key({"id": "t", "type": "trigger", "config": config})
        return {key.removeprefix("config.") for key in fields if key.startswith("config.")}

    webhook = {"method", "secret", "response"}
    schedule = {"cron", "timezone", "input"}
    assert config_keys({}) == {"kind"}  # manual, the default kind
    assert config_keys({"kind": "webhook"}) == {"kind", *webhook}
    assert config_keys({"kind": "schedule", "cron": "0 9 * * *"}) == {"kind", *schedule}
    text_reply = fields_by_key({"id": "n", "type": "llm", "config": {"model": "m"}})
    json_reply = {"id": "n", "type": "llm", "config": {"model": "m", "response_format": "json"}}
    assert "config.json_schema" not in text_reply
    assert "config.json_schema" in fields_by_key(json_reply)


def test_every_config_field_has_a_written_label_and_help() -> None:
    for name, node_type in NODE_TYPES.items():
        for field_name, info in node_type.config_model.model_fields.items():
            # Written in the config model: pydantic would otherwise make one from the key.
            assert info.title, f"{name}.{field_name} has no label"
            assert info.description, f"{name}.{field_name} has no help text"
    llm = fields_by_key({"id": "n", "type": "llm", "config": {"response_format": "json"}})
    assert llm["config.json_schema"]["label"] == "Reply JSON Schema"
    assert llm["config.max_tokens"]["label"] == "Longest reply (tokens)"
    assert llm["config.mock_response"]["label"] == "Test reply (no model is called)"


def test_widgets_follow_the_schema() -> None:
    llm = fields_by_key({"id": "n", "type": "llm", "config": {"model": "m"}})
    assert llm["config.model"]["widget"] == "model"  # free text with the org's models offered
    assert llm["config.model"]["required"] and llm["config.model"]["label"] == "Model *"
    assert llm["config.prompt"]["widget"] == "template"
    assert llm["config.messages"]["widget"] == "json"
    assert llm["config.temperature"]["widget"] == "number"
    assert llm["config.max_tokens"]["widget"] == "integer"
    assert llm["config.response_format"]["widget"] == "select"
    assert llm["config.response_format"]["options"] == ["text", "json"]
    assert llm["config.response_format"]["value"] == "text"  # its default
    json_reply = {"id": "n", "type": "llm", "config": {"model": "m", "response_format": "json"}}
    assert fields_by_key(json_reply)["config.json_schema"]["widget"] == "json"
    assert llm["config.fallback_models"]["widget"] == "lines"
    assert llm["on_error"]["options"] == ["fail", "continue", "route"]
    assert llm["retry.max_attempts"]["placeholder"] == "default: 1"
    condition = fields_by_key({"id": "c", "type": "condition", "config": {}})
    assert condition["config.expression"]["widget"] == "expression"
    trigger = fields_by_key({"id": "t", "type": "trigger", "config": {"kind": "webhook"}})
    assert trigger["config.secret"]["widget"] == "text"
    assert trigger["config.kind"]["widget"] == "select"
    assert fields_by_key({"type": "delay"})["config.seconds"]["widget"] == "template_number"
    assert fields_by_key({"type": "set"})["config.values"]["widget"] == "template_any"
    assert fields_by_key({"type": "http"})["config.body"]["widget"] == "template_any"
    assert fields_by_key({"type": "switch"})["config.cases"]["widget"] == "json"
    assert fields_by_key({"type": "map"})["config.subflow"]["widget"] == "json"


def test_boolean_schemas_become_switches() -> None:
    widget, options = node_forms.widget_for({"type": "boolean"}, {})
    assert (widget, options) == ("switch", [])
    node = edit_flag({"config": {}}, {"key": "config.flag", "widget": "switch"}, True)
    assert node == {"config": {"flag": True}}


def test_values_are_shown_as_text() -> None:
    node = {
        "id": "n",
        "type": "llm",
        "name": "Classify",
        "config": {
            "model": "m",
            "temperature": 0.5,
            "fallback_models": ["a", "b"],
            "messages": [{"role": "user", "content": "hi"}],
        },
        "retry": {"max_attempts": 3},
    }
    fields = fields_by_key(node)
    assert fields["name"]["value"] == "Classify"
    assert fields["config.temperature"]["value"] == "0.5"
    assert fields["config.fallback_models"]["value"] == "a\nb"
    assert '"content": "hi"' in fields["config.messages"]["value"]
    assert fields["retry.max_attempts"]["value"] == "3"
    assert fields["retry.backoff_s"]["value"] == ""


def _field(node: dict[str, Any], key: str) -> dict[str, Any]:
    return fields_by_key(node)[key]


def test_editing_sets_clears_and_never_mutates() -> None:
    node = {"id": "n", "type": "llm", "config": {"model": "m", "prompt": "a"}}
    original = copy.deepcopy(node)
    updated = edit(node, _field(node, "config.prompt"), "Hello {{ input.x }}")
    assert updated["config"]["prompt"] == "Hello {{ input.x }}"
    assert node == original
    cleared = edit(updated, _field(updated, "config.prompt"), "")
    assert "prompt" not in cleared["config"]  # optional: removed, the default applies
    required = edit(node, _field(node, "config.model"), "")
    assert required["config"]["model"] == ""  # required: kept, the validator says why
    picked = edit(node, _field(node, "config.model"), " openai/gpt-4o-mini ")
    assert picked["config"]["model"] == "openai/gpt-4o-mini"
    numbered = edit(node, _field(node, "config.temperature"), " 0.7 ")
    assert numbered["config"]["temperature"] == 0.7
    whole = edit(node, _field(node, "config.max_tokens"), "200")
    assert whole["config"]["max_tokens"] == 200 and isinstance(whole["config"]["max_tokens"], int)
    lines = edit(node, _field(node, "config.fallback_models"), "a\n\n b \n")
    assert lines["config"]["fallback_models"] == ["a", "b"]


def test_policy_fields_go_in_retry_and_disappear_when_empty() -> None:
    node = {"id": "n", "type": "set", "config": {"values": {}}}
    retried = edit(node, _field(node, "retry.max_attempts"), "3")
    assert retried["retry"] == {"max_attempts": 3}
    back = edit(retried, _field(retried, "retry.max_attempts"), "")
    assert "retry" not in back
    routed = edit(node, _field(node, "on_error"), "route")
    assert routed["on_error"] == "route"
    timed = edit(node, _field(node, "timeout_s"), "2.5")
    assert timed["timeout_s"] == 2.5


def test_select_can_be_unset_when_optional() -> None:
    field = {"key": "config.mode", "widget": "select", "required": False}
    assert edit({"config": {"mode": "a"}}, field, UNSET) == {"config": {}}


@pytest.mark.parametrize(
    ("key", "text", "message"),
    [
        ("config.temperature", "warm", "not a number"),
        ("config.max_tokens", "1.5", "must be a whole number"),
        ("config.temperature", "inf", "not a finite number"),
        ("config.json_schema", '{"type": ', "invalid JSON"),
    ],
)
def test_unparseable_text_is_an_error_and_changes_nothing(
    key: str, text: str, message: str
) -> None:
    node = {"id": "n", "type": "llm", "config": {"model": "m", "response_format": "json"}}
    with pytest.raises(FieldError) as caught:
        edit(node, _field(node, key), text)
    assert message in caught.value.message


def test_drafts_keep_what_was_typed_with_its_error() -> None:
    node = {"id": "n", "type": "llm", "config": {"model": "m", "response_format": "json"}}
    drafts = {"config.json_schema": ('{"type": ', "invalid JSON: ...")}
    fields = {f["key"]: f for f in node_forms.node_fields(node, drafts)}
    assert fields["config.json_schema"]["value"] == '{"type": '
    assert fields["config.json_schema"]["error"] == "invalid JSON: ..."


def test_template_any_and_template_number() -> None:
    set_node = {"id": "s", "type": "set", "config": {"values": {}}}
    values = _field(set_node, "config.values")
    assert edit(set_node, values, '{"a": "{{ input.x }}"}')["config"]["values"] == {
        "a": "{{ input.x }}"
    }
    with pytest.raises(FieldError):
        edit(set_node, values, '{"a": ')
    http = {"id": "h", "type": "http", "config": {"url": "https://x"}}
    body = _field(http, "config.body")
    assert edit(http, body, "plain {{ input.text }}")["config"]["body"] == "plain {{ input.text }}"
    assert edit(http, body, "42")["config"]["body"] == "42"  # text stays text
    delay = {"id": "d", "type": "delay", "config": {"seconds": 1}}
    seconds = _field(delay, "config.seconds")
    assert seconds["value"] == "1"
    assert edit(delay, seconds, "2.5")["config"]["seconds"] == 2.5
    assert edit(delay, seconds, "{{ input.wait }}")["config"]["seconds"] == "{{ input.wait }}"


def test_workflow_fields_edit_the_document() -> None:
    document = make_document()
    fields = {f["key"]: f for f in node_forms.workflow_fields(document)}
    assert set(fields) == {
        "description",
        "inputs",
        "output",
        "settings.timeout_s",
        "settings.max_parallel",
    }
    assert '"ticket"' in fields["inputs"]["value"]
    updated = edit(document, fields["settings.max_parallel"], "4")
    assert updated["settings"] == {"max_parallel": 4}
    updated = edit(updated, fields["inputs"], '{"type": "object"}')
    assert updated["inputs"] == {"type": "object"}
    assert updated["nodes"] == document["nodes"]


# -- autocomplete --------------------------------------------------------------------------


def inserts(items: list[dict[str, str]]) -> list[str]:
    return [item["insert"] for item in items]


def test_suggestions_offer_input_env_and_only_upstream_outputs() -> None:
    document = make_document()
    document["nodes"][3]["config"]["template"] = "{{ env.API_KEY }} {{ env['OTHER'] }}"
    found = inserts(suggestions(document, "check"))
    assert "input" in found and "input.ticket" in found
    assert "env.API_KEY" in found and "env.OTHER" in found
    assert "nodes.classify.output.text" in found
    assert "nodes.start.output.ticket" in found
    assert not any(item.startswith(("nodes.reply", "nodes.check")) for item in found)
    assert "run.id" in found
    assert len(found) == len(set(found))


def test_suggestions_for_the_workflow_output_see_every_node() -> None:
    found = inserts(suggestions(make_document(), None))
    assert "nodes.reply.output" in found and "nodes.check.output.value" in found


def test_set_outputs_suggest_their_keys() -> None:
    document = make_document()
    document["nodes"].append(
        {"id": "vals", "type": "set", "config": {"values": {"answer": "x", "bad key": 1}}}
    )
    document["edges"].append({"source": "reply", "target": "vals"})
    document["nodes"].append({"id": "after", "type": "template", "config": {"template": ""}})
    document["edges"].append({"source": "vals", "target": "after"})
    found = inserts(suggestions(document, "after"))
    assert "nodes.vals.output.answer" in found
    assert "nodes.vals.output.bad key" not in found


def test_env_names_are_collected_from_templates_and_output() -> None:
    document = make_document()
    document["output"] = "{{ env.TOKEN }}"
    document["nodes"][1]["config"]["system"] = "Use {{ env.ZED }} and {{env.A}}"
    assert env_names(document) == ["A", "TOKEN", "ZED"]
