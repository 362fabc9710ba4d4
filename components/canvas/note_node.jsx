// A sticky note on the canvas: a card of text for people, never a step of the
// workflow (no handles, never run; agentflow/spec/canvas_notes.py converts it to the
// document's `notes`). Double-click (or Enter when it is selected) edits the text in
// a textarea; Escape or leaving the field ends editing and the text goes through the
// canvas's usual change path (use_notes.js). Selected, it resizes from its edges.
import React, { createContext, memo, useContext, useEffect, useRef, useState } from "react";
import { NodeResizer } from "@xyflow/react";

export const NOTE_TYPE = "note";
// Canvas keys of notes: node ids cannot hold a colon, so the two never collide.
export const NOTE_KEY_PREFIX = "note:";
// The size of a new note, and of one without a size (canvas_notes.py DEFAULT_NOTE_SIZE).
export const NOTE_SIZE = { width: 240, height: 160 };
// agentflow/spec/notes.py: MAX_NOTE_CHARS, and sides of MIN_NOTE_SIDE to MAX_NOTE_SIDE.
export const MAX_NOTE_CHARS = 5000;
const MIN_SIDE = 96;
const MAX_SIDE = 4000;
const COLORS = new Set(["yellow", "blue", "green", "pink", "purple", "gray"]);
const PLACEHOLDER = "Double-click to write a note";

// What a note needs from the editor (use_notes.js): which note is being edited,
// starting and ending that, saving a text, and recording undo before a resize.
export const NoteContext = createContext({
  editingId: "",
  startEditing: () => {},
  stopEditing: () => {},
  editNote: () => {},
  beforeResize: () => {},
});

export function isNote(node) {
  return node.type === NOTE_TYPE;
}

function NoteField({ text, onDone }) {
  const [draft, setDraft] = useState(text);
  const fieldRef = useRef(null);
  useEffect(() => {
    const field = fieldRef.current;
    if (!field) return;
    field.focus();
    field.setSelectionRange(field.value.length, field.value.length);
  }, []);
  return (
    <textarea
      ref={fieldRef}
      className="af-note-field nodrag nowheel nopan"
      aria-label="Note text"
      data-testid="note-field"
      placeholder={PLACEHOLDER}
      maxLength={MAX_NOTE_CHARS}
      value={draft}
      onChange={(event) => setDraft(event.target.value)}
      onBlur={() => onDone(draft)}
      onKeyDown={(event) => {
        if (event.key !== "Escape") return;
        event.preventDefault();
        event.stopPropagation();
        event.currentTarget.blur(); // blur ends editing, with the text kept
      }}
    />
  );
}

export const NoteNode = memo(function NoteNode({ id, data, selected }) {
  const { editingId, startEditing, stopEditing, editNote, beforeResize } = useContext(NoteContext);
  const note = data.note || {};
  const text = typeof note.text === "string" ? note.text : "";
  const color = COLORS.has(note.color) ? note.color : "yellow";
  const editing = editingId === id;
  const classes = ["af-note", `af-note-${color}`];
  if (selected) classes.push("af-selected");
  return (
    <div
      className={classes.join(" ")}
      data-testid={`note-${String(note.id ?? id)}`}
      onDoubleClick={() => startEditing(id)}
    >
      <NodeResizer
        isVisible={selected && !editing}
        minWidth={MIN_SIDE}
        minHeight={MIN_SIDE}
        maxWidth={MAX_SIDE}
        maxHeight={MAX_SIDE}
        onResizeStart={beforeResize}
        lineClassName="af-note-resize-line"
        handleClassName="af-note-resize-handle"
      />
      {editing ? (
        <NoteField
          text={text}
          onDone={(written) => {
            stopEditing(id);
            if (written !== text) editNote(id, written);
          }}
        />
      ) : (
        <div className="af-note-text" data-testid="note-text">
          {text || <span className="af-note-placeholder">{PLACEHOLDER}</span>}
        </div>
      )}
    </div>
  );
});
