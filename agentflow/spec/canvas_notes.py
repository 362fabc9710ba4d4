"""The sticky notes' half of the canvas codec (:mod:`agentflow.spec.canvas` calls it).

On the canvas a note is a React Flow node of type ``note``, listed before the
workflow's nodes so it is drawn beneath them::

    {"id": "note:<note id>", "type": "note", "position": {"x", "y"},
     "width": <size.width>, "height": <size.height>, "connectable": false,
     "data": {"note": <the document's note object, untouched>}}

The ``note:`` prefix keeps note keys apart from node keys (node ids cannot hold a
colon; a malformed node id that could is given another key). Notes are matched
back to the document by their own id, never by key.

Lossless like the rest of the codec: a position or size is written back only when
the canvas changed it (an untouched note keeps whatever it had, even nothing), and
notes the canvas cannot draw (not objects, ids that are not text or are used twice)
are put back at their original index.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from agentflow.spec.canvas_geometry import valid_position, valid_size
from agentflow.spec.notes import NOTES_FIELD, note_list

NOTE_NODE_TYPE = "note"
NOTE_KEY_PREFIX = "note:"
# How large a note without a size is drawn (the canvas's default, note_node.jsx).
DEFAULT_NOTE_SIZE: dict[str, float] = {"width": 240, "height": 160}
_ORIGIN: dict[str, float] = {"x": 0, "y": 0}


def is_note_item(item: Mapping[str, Any]) -> bool:
    """Whether a canvas node is a sticky note (not a workflow node)."""
    return item.get("type") == NOTE_NODE_TYPE


def _drawable(notes: list[Any]) -> dict[int, str]:
    """Index of each note the canvas can draw -> its note id (the first of a repeated id)."""
    drawable: dict[int, str] = {}
    seen: set[str] = set()
    for index, note in enumerate(notes):
        if not isinstance(note, Mapping):
            continue
        note_id = note.get("id")
        if isinstance(note_id, str) and note_id and note_id not in seen:
            seen.add(note_id)
            drawable[index] = note_id
    return drawable


def notes_to_canvas(document: Mapping[str, Any], node_keys: Iterable[str]) -> list[dict[str, Any]]:
    """The canvas nodes of the document's notes; ``node_keys`` are the workflow nodes'."""
    notes = note_list(document)
    taken = set(node_keys)
    items: list[dict[str, Any]] = []
    for index, note_id in _drawable(notes).items():
        note = notes[index]
        key = NOTE_KEY_PREFIX + note_id
        while key in taken:
            key += "_"
        taken.add(key)
        size = valid_size(note.get("size")) or DEFAULT_NOTE_SIZE
        items.append(
            {
                "id": key,
                "type": NOTE_NODE_TYPE,
                "position": valid_position(note.get("position")) or dict(_ORIGIN),
                "width": size["width"],
                "height": size["height"],
                "connectable": False,
                "data": {"note": dict(note)},
            }
        )
    return items


def notes_from_canvas(
    items: Iterable[Mapping[str, Any]], base_document: Mapping[str, Any]
) -> dict[str, Any]:
    """``{"notes": [...]}`` for ``base_document`` given the canvas's note nodes, or ``{}``
    when the document had no ``notes`` list and the canvas has no note."""
    base_notes = note_list(base_document)
    drawn = _drawable(base_notes)
    base_by_id = {note_id: base_notes[index] for index, note_id in drawn.items()}
    notes: list[Any] = []
    for item in items:
        data = item.get("data") or {}
        original = data.get("note")
        key = str(item.get("id", ""))
        if isinstance(original, Mapping):
            note = dict(original)
        else:
            note = {"id": key.removeprefix(NOTE_KEY_PREFIX), "text": ""}
        note_id = note.get("id")
        base = base_by_id.get(note_id) if isinstance(note_id, str) else None
        on_canvas = valid_position(item.get("position"))
        _write_back(note, base, "position", on_canvas, _ORIGIN, valid_position)
        drawn_size = valid_size({"width": item.get("width"), "height": item.get("height")})
        _write_back(note, base, "size", drawn_size, DEFAULT_NOTE_SIZE, valid_size)
        notes.append(note)
    for index, note in enumerate(base_notes):  # what the canvas could not draw
        if index not in drawn:
            notes.insert(min(index, len(notes)), note)
    if notes or isinstance(base_document.get(NOTES_FIELD), list):
        return {NOTES_FIELD: notes}
    return {}


def _write_back(
    note: dict[str, Any],
    base: Mapping[str, Any] | None,
    field: str,
    on_canvas: dict[str, float] | None,
    default: dict[str, float],
    valid: Any,
) -> None:
    """Set ``note[field]`` to what the canvas shows, unless it shows what the base note
    was drawn with: then the base's own value stays (or stays absent)."""
    if on_canvas is None:
        return  # the canvas said nothing usable: the note object's value stands
    if base is None:
        note[field] = on_canvas
        return
    drawn = valid(base.get(field)) or default
    if drawn != on_canvas:
        note[field] = on_canvas
    elif field in base:
        note[field] = base[field]
    else:
        note.pop(field, None)
