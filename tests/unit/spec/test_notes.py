"""Sticky notes in a document: valid ones pass, malformed ones are located problems,
the engine's view of the document ignores them, and the diff reports text changes."""

from __future__ import annotations

import json
from typing import Any

import pytest

from agentflow.nodes.registry import NODE_TYPES
from agentflow.spec.diff import diff_documents
from agentflow.spec.loading import parse_document
from agentflow.spec.models import Document
from agentflow.spec.notes import MAX_NOTE_CHARS, MAX_NOTES
from agentflow.spec.validation import validate_document


def note(note_id: str = "why", **fields: Any) -> dict[str, Any]:
    base = {"id": note_id, "text": "Retries cover the flaky CRM", "position": {"x": 0, "y": -200}}
    return base | fields


def problems_of(document: dict[str, Any]) -> list[dict[str, str]]:
    return [problem.to_dict() for problem in validate_document(document, NODE_TYPES)]


def test_valid_notes_are_no_problem(document: dict[str, Any]) -> None:
    document["notes"] = [
        note(),
        note("empty", text="", size={"width": 320, "height": 200}, color="blue"),
        note("newer", **{"x-pinned": True}),  # unknown fields are kept, like on nodes
    ]
    assert problems_of(document) == []


@pytest.mark.parametrize("value", [None, []])
def test_no_notes(document: dict[str, Any], value: Any) -> None:
    document["notes"] = value
    assert problems_of(document) == []


@pytest.mark.parametrize(
    ("notes", "field", "text"),
    [
        ({"why": "not a list"}, "notes", "must be a list"),
        (["text only"], "notes[0]", "must be an object"),
        ([{"text": "x", "position": {"x": 0, "y": 0}}], "notes[0].id", "is required"),
        ([note("has space")], "notes[0].id", "letters, digits, underscores or hyphens"),
        ([note(), note()], "notes[1].id", "'why' is used twice"),
        ([note(text=None)], "notes[0].text", "must be text"),
        ([note(text="x" * (MAX_NOTE_CHARS + 1))], "notes[0].text", "at most 5000 characters"),
        ([{"id": "a", "text": ""}], "notes[0].position", "is required"),
        ([note(position={"x": "left"})], "notes[0].position.x", "must be a number"),
        ([note(position={"x": 1, "z": 2})], "notes[0].position.z", "not a known field"),
        ([note(size={"width": 10, "height": 100})], "notes[0].size.width", "at least 80"),
        ([note(size={"width": 100})], "notes[0].size.height", "is required"),
        ([note(color="red")], "notes[0].color", "must be one of"),
    ],
)
def test_malformed_notes_are_located_problems(
    document: dict[str, Any], notes: Any, field: str, text: str
) -> None:
    document["notes"] = notes
    problems = problems_of(document)
    assert any(p.get("field") == field and text in p["message"] for p in problems), problems


def test_the_number_of_notes_is_capped(document: dict[str, Any]) -> None:
    document["notes"] = [note(f"n{i}") for i in range(MAX_NOTES)]
    assert problems_of(document) == []
    document["notes"].append(note("one_more"))
    assert problems_of(document) == [
        {"field": "notes", "message": "a workflow has at most 200 notes; this one has 201"}
    ]


def test_note_problems_come_with_the_other_problems(document: dict[str, Any]) -> None:
    document["notes"] = [note(color="red")]
    document["nodes"][1]["type"] = "nope"
    fields = {next(iter(p.items())) for p in problems_of(document)}
    assert ("field", "notes[0].color") in fields
    assert ("node", "classify") in fields


def test_parsing_keeps_notes_out_of_the_graph(document: dict[str, Any]) -> None:
    document["notes"] = [note()]
    parsed, problems = parse_document(json.dumps(document), NODE_TYPES)
    assert problems == [] and parsed is not None
    assert [node.id for node in parsed.nodes] == ["start", "classify", "check", "reply"]
    assert parsed.model_dump(mode="json")["notes"] == [note()]  # kept for export
    assert Document.model_validate(document).node("why") is None


def test_a_malformed_import_is_refused_with_the_note_named(document: dict[str, Any]) -> None:
    document["notes"] = [note(text=42)]
    parsed, problems = parse_document(json.dumps(document), NODE_TYPES)
    assert parsed is None
    assert [p.to_dict() for p in problems] == [
        {"field": "notes[0].text", "message": "must be text"}
    ]


def test_the_diff_reports_note_texts_not_their_places(document: dict[str, Any]) -> None:
    old = {**document, "notes": [note()]}
    moved = {
        **document,
        "notes": [note(position={"x": 500, "y": 0}, size={"width": 300, "height": 90})],
    }
    assert diff_documents(old, moved).is_empty
    edited = {**document, "notes": [note(text="Another text")]}
    assert diff_documents(old, edited).workflow_fields == ["notes"]
    assert diff_documents(old, edited).lines() == ["~ workflow: notes"]
    assert diff_documents(document, old).workflow_fields == ["notes"]  # added
    assert diff_documents(old, {**document, "notes": []}).workflow_fields == ["notes"]  # removed
    assert diff_documents(document, {**document, "notes": []}).is_empty
    malformed = {**document, "notes": ["junk", {"id": 3}]}
    assert diff_documents(old, malformed).workflow_fields == ["notes"]  # never a crash
    renamed = {**edited, "name": "Other"}
    assert diff_documents(old, renamed).workflow_fields == ["name", "notes"]
