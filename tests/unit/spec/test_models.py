"""Document models: defaults, preserved extra fields, closed sub-objects, retry formula."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from agentflow.spec.models import Document, Edge, Node, Retry, SubflowBody


def test_defaults_follow_the_format(document):
    del document["output"]
    parsed = Document.model_validate(document)
    assert parsed.settings.timeout_s == 3600
    assert parsed.settings.max_parallel == 8
    assert parsed.output is None
    node = parsed.nodes[1]
    assert node.timeout_s == 300
    assert node.on_error == "fail"
    assert node.retry == Retry(max_attempts=1, backoff_s=1, backoff_factor=2, max_backoff_s=60)
    assert parsed.edges[0].source_handle == "out"


def test_unknown_fields_are_kept_on_documents_nodes_and_edges(document):
    document["x_team"] = "support"
    document["nodes"][0]["x_color"] = "red"
    document["edges"][0]["x_label"] = "go"
    dumped = Document.model_validate(document).model_dump(mode="json")
    assert dumped["x_team"] == "support"
    assert dumped["nodes"][0]["x_color"] == "red"
    assert dumped["edges"][0]["x_label"] == "go"


@pytest.mark.parametrize(
    "patch",
    [
        {"settings": {"timeout": 5}},
        {"settings": {"max_parallel": 0}},
        {"format": "agentflow/v2"},
        {"name": ""},
        {"output": 5},
    ],
)
def test_closed_or_invalid_document_fields_are_rejected(document, patch):
    document.update(patch)
    with pytest.raises(ValidationError):
        Document.model_validate(document)


def test_node_ids_must_match_the_pattern():
    for good in ("a", "a1_b", "x" * 64):
        Node(id=good, type="template")
    for bad in ("A", "1a", "a-b", "", "x" * 65, "a/b"):
        with pytest.raises(ValidationError):
            Node(id=bad, type="template")


def test_retry_is_closed_and_bounded():
    with pytest.raises(ValidationError):
        Retry.model_validate({"attempts": 3})
    with pytest.raises(ValidationError):
        Retry(max_attempts=0)


def test_retry_delay_follows_the_format_formula():
    retry = Retry(max_attempts=6, backoff_s=1, backoff_factor=2, max_backoff_s=5)
    delays = [retry.delay_before_attempt(attempt) for attempt in range(2, 7)]
    assert delays == [1, 2, 4, 5, 5]


def test_edge_labels():
    assert Edge(source="a", target="b").label == "a->b"
    assert Edge(source="a", target="b", source_handle="true").label == "a:true->b"


def test_subflow_body_has_no_format_or_trigger_fields():
    with pytest.raises(ValidationError):
        SubflowBody.model_validate({"format": "agentflow/v1", "nodes": []})
    body = SubflowBody.model_validate({"nodes": [{"id": "a", "type": "template"}]})
    assert body.output is None
