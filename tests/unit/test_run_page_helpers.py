"""The run page's words for a run: node labels, a step's summary line, the version."""

from __future__ import annotations

from typing import Any

from agentflow.nodes.registry import NODE_TYPES
from agentflow.services.runs.queries import node_labels
from state.pages.runs.detail import SKIPPED_SUMMARY, step_summary, version_label


def step(status: str, **figures: Any) -> dict[str, Any]:
    defaults = {"attempts": 1, "cost_usd": 0.0, "prompt_tokens": 0, "completion_tokens": 0}
    return {"status": status, **defaults, **figures}


def test_a_node_is_labelled_by_its_name_else_its_type_title() -> None:
    document = {
        "nodes": [
            {"id": "start", "type": "trigger"},
            {"id": "ask", "type": "llm", "name": "Ask the model"},
            {"id": "blank", "type": "set", "name": ""},
            {"id": "odd", "type": "no_such_type"},
        ]
    }
    assert node_labels(document, NODE_TYPES) == {
        "start": "Trigger",
        "ask": "Ask the model",
        "blank": "Set values",  # an empty name is no name
        "odd": "no_such_type",
    }


def test_a_document_without_nodes_has_no_labels() -> None:
    assert node_labels({}, NODE_TYPES) == {}


def test_a_skipped_step_says_so_instead_of_zeros() -> None:
    summary = step_summary(step("skipped", attempts=0), 0.0)
    assert summary == SKIPPED_SUMMARY
    assert "×" not in summary and "$" not in summary


def test_a_step_that_ran_shows_its_figures() -> None:
    summary = step_summary(
        step("succeeded", attempts=2, cost_usd=0.5, prompt_tokens=10, completion_tokens=3), 1.5
    )
    assert summary == "×2 · 1.5 s · $0.5000 · 10 + 3 tokens"


def test_the_version_is_a_number_the_draft_or_a_dash() -> None:
    assert version_label("a-workflow", 3) == "version 3"
    assert version_label("a-workflow", None) == "draft"
    assert version_label(None, None) == "–"
