"""Sticky notes: the optional top-level ``notes`` of an ``agentflow/v1`` document.

A note is text for people, drawn on the builder canvas beside the nodes::

    {"id": "why", "text": "Retries cover the flaky CRM", "position": {"x": 0, "y": -200},
     "size": {"width": 240, "height": 160}, "color": "yellow"}

Notes are not nodes: the engine never reads them, so they never run, never make a
step and never appear in a run's output; edges cannot reach them. Only their shape
is checked, so a malformed note is reported like any other problem (located at
``notes[i]`` or ``notes[i].<field>``) instead of failing later.

Decisions:

* ``id``: 1-64 letters, digits, ``_`` or ``-``, unique among the notes (not among
  the nodes: the canvas keeps the two apart). ``text`` (plain text or markdown, may
  be empty) and ``position`` are required; ``size`` and ``color`` are optional.
* Limits: :data:`MAX_NOTES` notes, :data:`MAX_NOTE_CHARS` characters each, sizes
  from :data:`MIN_NOTE_SIDE` to :data:`MAX_NOTE_SIDE` canvas units.
* Like nodes, notes keep unknown fields (a document from a newer AgentFlow
  survives a round trip); ``position`` and ``size`` are closed, so typos show.
* ``"notes": null`` means no notes.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from agentflow.spec.models import Position
from agentflow.spec.problems import Problem, validation_messages

NOTES_FIELD = "notes"
MAX_NOTES = 200
MAX_NOTE_CHARS = 5_000
MIN_NOTE_SIDE = 80
MAX_NOTE_SIDE = 4_000
NOTE_ID_PATTERN = re.compile(r"[A-Za-z0-9_-]{1,64}")

NoteColor = Literal["yellow", "blue", "green", "pink", "purple", "gray"]
NOTE_COLORS: tuple[str, ...] = get_args(NoteColor)


class NoteSize(BaseModel):
    """How large the canvas draws a note; absent, the canvas's default size."""

    model_config = ConfigDict(extra="forbid")

    width: float = Field(ge=MIN_NOTE_SIDE, le=MAX_NOTE_SIDE)
    height: float = Field(ge=MIN_NOTE_SIDE, le=MAX_NOTE_SIDE)


class Note(BaseModel):
    """One sticky note (see the module docstring)."""

    model_config = ConfigDict(extra="allow")

    id: str = Field(description="Unique among the notes; 1-64 of A-Z a-z 0-9 _ -.")
    text: str = Field(max_length=MAX_NOTE_CHARS, description="Plain text or markdown.")
    position: Position
    size: NoteSize | None = None
    color: NoteColor | None = None

    @field_validator("id")
    @classmethod
    def _check_id(cls, value: str) -> str:
        if NOTE_ID_PATTERN.fullmatch(value) is None:
            raise ValueError("note ids are 1 to 64 letters, digits, underscores or hyphens")
        return value


def note_problems(raw_notes: Any) -> list[Problem]:
    """Every problem of a document's ``notes`` value (``[]`` when fine or absent)."""
    if raw_notes is None:
        return []
    if not isinstance(raw_notes, list):
        return [Problem.at_field(NOTES_FIELD, "notes must be a list of note objects")]
    if len(raw_notes) > MAX_NOTES:
        return [
            Problem.at_field(
                NOTES_FIELD,
                f"a workflow has at most {MAX_NOTES} notes; this one has {len(raw_notes)}",
            )
        ]
    problems: list[Problem] = []
    seen: set[str] = set()
    for index, raw in enumerate(raw_notes):
        where = f"{NOTES_FIELD}[{index}]"
        if not isinstance(raw, Mapping):
            problems.append(Problem.at_field(where, "a note must be an object"))
            continue
        problems += _shape_problems(raw, index)
        note_id = raw.get("id")
        if isinstance(note_id, str):
            if note_id in seen:
                problems.append(
                    Problem.at_field(f"{where}.id", f"note id {note_id!r} is used twice")
                )
            seen.add(note_id)
    return problems


def _shape_problems(raw: Mapping[str, Any], index: int) -> list[Problem]:
    where = f"{NOTES_FIELD}[{index}]"
    try:
        Note.model_validate(raw)
    except ValidationError as exc:
        return [
            Problem.at_field(f"{where}.{path}" if path else where, message)
            for path, message in validation_messages(exc)
        ]
    return []


def note_list(document: Mapping[str, Any]) -> list[Any]:
    """The document's notes as stored (``[]`` when absent or not a list)."""
    value = document.get(NOTES_FIELD)
    return value if isinstance(value, list) else []
