"""What a template needs and how installing adapts it; the official files; the preview."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from agentflow.nodes.registry import NODE_TYPES
from agentflow.services.templates.documents import (
    input_fields,
    missing_secrets,
    node_types,
    required_secrets,
    secret_readers,
    unregistered_types,
    use_template_model,
    without_webhook_secrets,
)
from agentflow.services.templates.official import (
    TemplateFileError,
    read_official_templates,
    read_template_file,
)
from agentflow.services.templates.preview import BOX_WIDTH, preview
from agentflow.spec.validation import validate_document
from agentflow.templates import OFFICIAL_DIR


def document(**extra: Any) -> dict[str, Any]:
    return {
        "format": "agentflow/v1",
        "name": "Needs things",
        "inputs": {
            "type": "object",
            "properties": {"topic": {"type": "string", "description": "What about"}, "n": {}},
            "required": ["topic"],
        },
        "nodes": [
            {"id": "start", "type": "trigger", "config": {"kind": "webhook", "secret": "hmac-key"}},
            {
                "id": "ask",
                "type": "llm",
                "config": {"model": "default", "prompt": "{{ env.OPENAI_KEY }} {{ input.topic }}"},
            },
            {
                "id": "post",
                "type": "http",
                "config": {"url": "{{ env['HOOK_URL'] }}", "credential": "API_TOKEN"},
            },
            {
                "id": "each",
                "type": "map",
                "config": {
                    "items": "input.list",
                    "subflow": {
                        "nodes": [
                            {
                                "id": "inner",
                                "type": "llm",
                                "config": {"model": "default", "prompt": "{{ env.INNER_KEY }}"},
                            },
                            {
                                "id": "fixed",
                                "type": "llm",
                                "config": {"model": "anthropic/claude-3-haiku", "prompt": "x"},
                            },
                        ],
                        "edges": [],
                    },
                },
            },
        ],
        "edges": [
            {"source": "start", "target": "ask"},
            {"source": "ask", "target": "post"},
            {"source": "post", "target": "each"},
        ],
        "output": "{{ env.OUTPUT_SALT }}",
        **extra,
    }


def test_required_secrets_cover_env_references_credentials_bodies_and_output() -> None:
    names = ["API_TOKEN", "HOOK_URL", "INNER_KEY", "OPENAI_KEY", "OUTPUT_SALT"]
    assert required_secrets(document()) == names
    readers = secret_readers(document())
    assert readers["INNER_KEY"] == ["each"]  # reported at the map node holding the body
    assert readers["API_TOKEN"] == ["post"] and readers["OUTPUT_SALT"] == [""]


def test_missing_secrets_are_those_not_available() -> None:
    assert missing_secrets(document(), {"API_TOKEN", "HOOK_URL", "OTHER"}) == [
        "INNER_KEY",
        "OPENAI_KEY",
        "OUTPUT_SALT",
    ]
    assert missing_secrets(document(), required_secrets(document())) == []


def test_the_template_model_replaces_default_only_and_leaves_the_original_alone() -> None:
    original = document()
    installed = use_template_model(original, "openai/gpt-4o")
    assert installed["nodes"][1]["config"]["model"] == "openai/gpt-4o"
    body = installed["nodes"][3]["config"]["subflow"]["nodes"]
    assert [node["config"]["model"] for node in body] == [
        "openai/gpt-4o",
        "anthropic/claude-3-haiku",
    ]
    assert original["nodes"][1]["config"]["model"] == "default"


def test_publishing_drops_webhook_secrets_but_keeps_env_references() -> None:
    cleaned = without_webhook_secrets(document())
    assert "secret" not in cleaned["nodes"][0]["config"]
    assert required_secrets(cleaned) == required_secrets(document())


def test_node_types_and_input_fields() -> None:
    assert node_types(document()) == ["http", "llm", "map", "trigger"]
    assert unregistered_types(["llm", "knowledge", "teleport"]) == ["knowledge", "teleport"]
    assert input_fields(document()) == [
        {"name": "topic", "type": "string", "required": "required", "description": "What about"},
        {"name": "n", "type": "any", "required": "optional", "description": ""},
    ]


def test_every_official_file_is_a_valid_document_with_metadata() -> None:
    templates = read_official_templates()
    assert len(templates) >= 11
    visible = [t for t in templates if not unregistered_types(t.metadata.requires_node_types)]
    assert len(visible) >= 10
    for template in templates:
        assert template.description and template.metadata.category
        problems = validate_document(template.document, NODE_TYPES)
        if template in visible:
            assert problems == [], template.slug
        llm_models = {
            node["config"]["model"] for node in template.document["nodes"] if node["type"] == "llm"
        }
        assert llm_models <= {"default"}, template.slug  # the model comes from the setting
        assert "mock_response" not in str(template.document), template.slug


def test_the_document_qa_template_waits_for_the_knowledge_node_type() -> None:
    qa = read_template_file(OFFICIAL_DIR / "document-qa.yaml")
    assert qa.metadata.requires_node_types == ["knowledge"]
    assert unregistered_types(qa.metadata.requires_node_types) == ["knowledge"]


def test_a_broken_template_file_is_refused(tmp_path: Path) -> None:
    raw = yaml.safe_load((OFFICIAL_DIR / "meeting-notes-summariser.yaml").read_text())
    raw["edges"].append({"source": "notes", "target": "nowhere"})
    path = tmp_path / "broken.yaml"
    path.write_text(yaml.safe_dump(raw))
    with pytest.raises(TemplateFileError, match="nowhere"):
        read_template_file(path)
    del raw["template"]
    path.write_text(yaml.safe_dump(raw))
    with pytest.raises(TemplateFileError, match="'template' block"):
        read_template_file(path)


def test_the_preview_lays_out_every_node_and_edge_left_to_right() -> None:
    picture = preview(document(nodes=[*document()["nodes"]]))
    boxes = {node["key"]: node for node in picture["nodes"]}
    assert list(boxes) == ["start", "ask", "post", "each"]
    xs = [float(boxes[key]["x"]) for key in ("start", "ask", "post", "each")]
    assert xs == sorted(xs) and len(set(xs)) == 4
    assert len(picture["edges"]) == 3
    start_x = float(picture["edges"][0]["d"].split()[1])
    assert start_x == float(boxes["start"]["x"]) + BOX_WIDTH  # leaves the box's right side
    assert boxes["ask"]["label"] == "ask" and boxes["ask"]["type"] == "llm"


def test_the_preview_shortens_long_names_and_handles_empty_documents() -> None:
    long_name = {"id": "a", "type": "set", "name": "<b>" + "x" * 100, "config": {}}
    picture = preview({"nodes": [long_name], "edges": []})
    assert picture["nodes"][0]["label"].startswith("<b>xx")  # text, drawn as text
    assert len(picture["nodes"][0]["label"]) <= 19
    assert preview({"nodes": []})["nodes"] == []
