"""Loading JSON and YAML: size first, safe YAML only, plain JSON data, all problems at once."""

from __future__ import annotations

import json

import pytest
import yaml

from agentflow.nodes.registry import NODE_TYPES
from agentflow.spec import loading
from agentflow.spec.errors import DocumentError
from agentflow.spec.loading import load_document, load_raw, parse_document
from agentflow.spec.models import MAX_DOCUMENT_BYTES


def test_json_and_yaml_give_the_same_document(document):
    from_json, json_problems = parse_document(json.dumps(document), NODE_TYPES)
    from_yaml, yaml_problems = parse_document(yaml.safe_dump(document).encode(), NODE_TYPES)
    assert json_problems == yaml_problems == []
    assert from_json is not None and from_json == from_yaml


def test_size_is_checked_before_parsing(monkeypatch):
    def must_not_parse(*args, **kwargs):
        raise AssertionError("parsed an oversized document")

    monkeypatch.setattr(loading.json, "loads", must_not_parse)
    monkeypatch.setattr(loading.yaml, "safe_load", must_not_parse)
    monkeypatch.setattr(loading.yaml, "parse", must_not_parse)
    oversized = b"{" + b" " * MAX_DOCUMENT_BYTES + b"}"
    document, problems = parse_document(oversized, NODE_TYPES)
    assert document is None
    assert problems[0].field == "document" and "larger than" in problems[0].message
    document, problems = parse_document("a: " + "é" * (MAX_DOCUMENT_BYTES // 2), NODE_TYPES)
    assert document is None and "larger than" in problems[0].message


def test_yaml_is_loaded_with_safe_load_only():
    with pytest.raises(DocumentError) as caught:
        load_raw("a: !!python/object/apply:os.system ['echo hacked']")
    assert caught.value.problems[0].field == "document"


def test_yaml_aliases_are_refused_before_loading():
    bomb = "a: &a [x, x]\nb: &b [*a, *a]\nc: &c [*b, *b]\n"
    with pytest.raises(DocumentError, match="anchors and aliases"):
        load_raw(bomb)


@pytest.mark.parametrize(
    ("source", "message"),
    [
        (b"\xff\xfe\x00", "not UTF-8"),
        ("a: [1, 2\nb: 2", "invalid YAML at line"),
        ("- just\n- a list", "must be an object"),
        ("a: .nan", "finite"),
        ("1: x", "keys must be strings"),
        ("[" * 3000 + "]" * 3000, "nested deeper"),
        ('{"a": ' * 3000 + "1" + "}" * 3000, "nested deeper"),
    ],
)
def test_load_problems_are_reported_clearly(source, message):
    with pytest.raises(DocumentError) as caught:
        load_raw(source)
    assert message in caught.value.problems[0].message


@pytest.mark.parametrize(
    ("source", "message"),
    [('{"a": 1,}', "invalid JSON at line 1"), ('{"a": NaN}', "NaN is not valid JSON")],
)
def test_strict_json_problems(source, message):
    # In "auto" mode both would load as YAML flow mappings, which is valid YAML.
    with pytest.raises(DocumentError, match=message):
        load_raw(source, syntax="json")


def test_yaml_timestamps_become_strings():
    assert load_raw("when: 2026-01-01\n") == {"when": "2026-01-01"}


def test_parse_document_reports_every_validation_problem(document):
    document["format"] = "agentflow/v0"
    document["nodes"][1]["type"] = "nope"
    document["edges"].append({"source": "check", "target": "ghost"})
    parsed, problems = parse_document(json.dumps(document), NODE_TYPES)
    assert parsed is None
    locations = {(problem.kind, problem.location) for problem in problems}
    assert ("field", "format") in locations
    assert ("node", "classify") in locations
    assert ("edge", "check->ghost") in locations


def test_load_document_raises_with_the_problems(document):
    assert load_document(json.dumps(document), NODE_TYPES).name == "Ticket triage"
    document["nodes"] = []
    with pytest.raises(DocumentError) as caught:
        load_document(json.dumps(document), NODE_TYPES)
    assert caught.value.problems
    assert "trigger" in caught.value.message


def test_yaml_flow_mappings_starting_with_a_brace_still_load():
    assert load_raw("{format: agentflow/v1, name: x}") == {"format": "agentflow/v1", "name": "x"}
    with pytest.raises(DocumentError, match="invalid JSON"):
        load_raw('{"a": [}')
    with pytest.raises(DocumentError, match="invalid JSON"):
        load_raw("{", syntax="json")


def test_deeply_nested_yaml_is_refused_quickly():
    """PyYAML scans nesting in quadratic time; the streaming check stops at the limit."""
    with pytest.raises(DocumentError, match="nested deeper"):
        load_raw("[" * 400_000)


_YAML_11_DOCUMENT = """\
format: agentflow/v1
name: YAML 1.1 words
nodes:
  - id: start
    type: trigger
    config: {kind: manual}
  - id: %(node_id)s
    type: template
    config: {template: hi}
edges:
  - source: start
    target: %(target)s
    source_handle: %(handle)s
"""


@pytest.mark.parametrize(
    ("node_id", "handle", "line", "value", "reading"),
    [
        ("yes", "out", 7, "yes", "the boolean true"),
        ("on", "out", 7, "on", "the boolean true"),
        ("0123", "out", 7, "0123", "the number 83"),
        ("reply", "no", 13, "no", "the boolean false"),
    ],
)
def test_yaml_11_only_scalars_are_refused_naming_line_and_value(
    node_id, handle, line, value, reading
):
    source = _YAML_11_DOCUMENT % {"node_id": node_id, "target": node_id, "handle": handle}
    document, problems = parse_document(source, NODE_TYPES)
    assert document is None
    assert len(problems) == 1, problems
    message = problems[0].message
    assert f"line {line} " in message
    assert f"{value} is read as {reading} by YAML 1.1" in message
    assert f"quote it ('{value}')" in message


def test_quoted_yaml_11_words_are_the_text_written():
    source = _YAML_11_DOCUMENT % {"node_id": "'yes'", "target": '"yes"', "handle": "out"}
    document, problems = parse_document(source, NODE_TYPES)
    assert problems == [] and document is not None
    assert [node.id for node in document.nodes] == ["start", "yes"]


def test_yaml_11_boolean_keys_are_read_as_the_text_written():
    assert load_raw("on: 1\nyes: 2\nOff: [3]\n") == {"on": 1, "yes": 2, "Off": [3]}
    assert load_raw("a: {no: x, 0123: y}") == {"a": {"no": "x", "0123": "y"}}


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("true: x", "reads the key true as a boolean; quote it ('true')"),
        ("a:\n  12: x", "line 2 column 3: object keys must be strings"),
    ],
)
def test_other_non_text_keys_are_refused_naming_line_and_key(source, message):
    with pytest.raises(DocumentError) as caught:
        load_raw(source)
    assert message in caught.value.problems[0].message


def test_scalars_yaml_11_and_12_agree_on_keep_their_meaning():
    source = "a: true\nb: False\nc: 42\nd: 0x1F\ne: 1.5\nf: null\ng: '0123'\nh: !!bool yes\n"
    assert load_raw(source) == {
        "a": True,
        "b": False,
        "c": 42,
        "d": 31,
        "e": 1.5,
        "f": None,
        "g": "0123",
        "h": True,
    }
