// Sticky notes: adding one (toolbar, pane menu, Shift+N), which one is being edited,
// and its text saved as a canvas change (sent to Reflex and autosaved like any other).
// Adding and resizing are undoable gestures; a text edit is not, like a form edit
// (undo restores structure and positions, never content: use_history.js).
import { useCallback, useMemo, useState } from "react";
import { useReactFlow } from "@xyflow/react";
import { freePosition, nodeRect } from "./free_space.js";
import { NOTE_KEY_PREFIX, NOTE_SIZE, NOTE_TYPE, isNote } from "./note_node.jsx";

// A note id (agentflow/spec/notes.py: 1-64 of A-Z a-z 0-9 _ -) unused by `taken`.
function freshNoteId(taken) {
  const stamp = Date.now().toString(36);
  let n = 0;
  while (taken.has(n ? `note_${stamp}_${n}` : `note_${stamp}`)) n += 1;
  return n ? `note_${stamp}_${n}` : `note_${stamp}`;
}

// `history` is useHistory's result; `wrapper` a ref to the canvas's element.
export function useNotes(store, history, wrapper) {
  const flow = useReactFlow();
  const { record } = history;
  const [editingId, setEditingId] = useState("");

  // Adds an empty note centred on `screenPoint` (the middle of the view when
  // omitted), in free space, selected and open for writing.
  const addNote = useCallback(
    (screenPoint) => {
      if (!store.workflowRef.current) return;
      let point = screenPoint;
      if (!point && wrapper.current) {
        const rect = wrapper.current.getBoundingClientRect();
        point = { x: rect.left + rect.width / 2, y: rect.top + rect.height / 2 };
      }
      const at = flow.screenToFlowPosition(point || { x: 0, y: 0 });
      const existing = store.nodesRef.current;
      const noteId = freshNoteId(new Set(existing.filter(isNote).map((n) => n.data.note.id)));
      let key = NOTE_KEY_PREFIX + noteId;
      while (existing.some((n) => n.id === key)) key += "_";
      const position = freePosition(
        { x: at.x - NOTE_SIZE.width / 2, y: at.y - NOTE_SIZE.height / 2 },
        NOTE_SIZE,
        existing.map(nodeRect)
      );
      const note = {
        id: key,
        type: NOTE_TYPE,
        position,
        ...NOTE_SIZE,
        selected: true,
        connectable: false,
        data: { note: { id: noteId, text: "" } },
      };
      // Notes stay first in the list, so they are drawn beneath the nodes.
      const unselected = existing.map((n) => (n.selected ? { ...n, selected: false } : n));
      const after = unselected.filter(isNote).length;
      record();
      store.commit(
        [...unselected.slice(0, after), note, ...unselected.slice(after)],
        store.edgesRef.current,
        true
      );
      setEditingId(key);
    },
    [store, record, flow, wrapper]
  );

  const editNote = useCallback(
    (key, text) => {
      const next = store.nodesRef.current.map((n) =>
        n.id === key ? { ...n, data: { ...n.data, note: { ...n.data.note, text } } } : n
      );
      store.commit(next, store.edgesRef.current, true);
    },
    [store]
  );

  // Enter on the canvas: the one selected node, when it is a note, opens for writing.
  const editSelectedNote = useCallback(() => {
    const chosen = store.nodesRef.current.filter((n) => n.selected);
    if (chosen.length !== 1 || !isNote(chosen[0])) return false;
    setEditingId(chosen[0].id);
    return true;
  }, [store]);

  const stopEditing = useCallback(
    (key) => setEditingId((current) => (current === key ? "" : current)),
    []
  );

  const context = useMemo(
    () => ({
      editingId,
      startEditing: setEditingId,
      stopEditing,
      editNote,
      beforeResize: () => record(),
    }),
    [editingId, stopEditing, editNote, record]
  );

  return { addNote, editSelectedNote, context };
}
