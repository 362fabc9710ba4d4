"""Shared fixtures: a small valid document each test can break in one place."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

DocumentFactory = Callable[[], dict[str, Any]]


def make_document() -> dict[str, Any]:
    """trigger -> classify (llm) -> check (condition) -true-> reply (template)."""
    return {
        "format": "agentflow/v1",
        "name": "Ticket triage",
        "inputs": {
            "type": "object",
            "properties": {"ticket": {"type": "string"}},
            "required": ["ticket"],
        },
        "nodes": [
            {"id": "start", "type": "trigger", "config": {"kind": "manual"}},
            {
                "id": "classify",
                "type": "llm",
                "config": {
                    "model": "openai/gpt-4o-mini",
                    "prompt": "Classify: {{ input.ticket }}",
                    "mock_response": "bug",
                },
            },
            {
                "id": "check",
                "type": "condition",
                "config": {"expression": "nodes.classify.output.text == 'bug'"},
            },
            {
                "id": "reply",
                "type": "template",
                "config": {"template": "Filed as {{ nodes.classify.output.text }}"},
            },
        ],
        "edges": [
            {"source": "start", "target": "classify"},
            {"source": "classify", "target": "check"},
            {"source": "check", "target": "reply", "source_handle": "true"},
        ],
        "output": "{{ nodes.reply.output }}",
    }


@pytest.fixture
def document() -> dict[str, Any]:
    return make_document()
