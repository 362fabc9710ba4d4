// Undo/redo of the canvas's structure and positions.
import { useCallback, useRef, useState } from "react";
import { isNote } from "./note_node.jsx";

const HISTORY_LIMIT = 100;

export function useHistory(store) {
  const historyRef = useRef({ past: [], future: [] });
  const [size, setSize] = useState({ past: 0, future: 0 });

  const syncSize = useCallback(
    () =>
      setSize({
        past: historyRef.current.past.length,
        future: historyRef.current.future.length,
      }),
    []
  );

  // Called before each undoable gesture, with the graph as it is before it.
  const record = useCallback(() => {
    const h = historyRef.current;
    h.past.push({ nodes: store.nodesRef.current, edges: store.edgesRef.current });
    if (h.past.length > HISTORY_LIMIT) h.past.shift();
    h.future = [];
    syncSize();
  }, [store, syncSize]);

  // Restoring a snapshot brings back structure, positions and sticky notes' sizes;
  // nodes that still exist keep their current data, so form edits (and note texts)
  // made since are never undone.
  const restore = useCallback(
    (snapshot) => {
      const current = new Map(store.nodesRef.current.map((n) => [n.id, n]));
      const restored = snapshot.nodes.map((n) => {
        const now = current.get(n.id);
        if (!now) return { ...n, selected: false };
        if (isNote(n)) return { ...now, position: n.position, width: n.width, height: n.height };
        return { ...now, position: n.position };
      });
      store.commit(restored, snapshot.edges, true);
    },
    [store]
  );

  const undo = useCallback(() => {
    const h = historyRef.current;
    if (!h.past.length) return;
    h.future.push({ nodes: store.nodesRef.current, edges: store.edgesRef.current });
    restore(h.past.pop());
    syncSize();
  }, [store, restore, syncSize]);

  const redo = useCallback(() => {
    const h = historyRef.current;
    if (!h.future.length) return;
    h.past.push({ nodes: store.nodesRef.current, edges: store.edgesRef.current });
    restore(h.future.pop());
    syncSize();
  }, [store, restore, syncSize]);

  // A form edit's data reached the canvas: snapshots carry it too, so undoing the
  // removal of a node edited just before it brings the node back with that edit
  // (the edit may arrive after the node was removed).
  const adoptData = useCallback((byId) => {
    const patchNodes = (snapshot) => ({
      ...snapshot,
      nodes: snapshot.nodes.map((n) => (byId.has(n.id) ? { ...n, data: byId.get(n.id).data } : n)),
    });
    const h = historyRef.current;
    h.past = h.past.map(patchNodes);
    h.future = h.future.map(patchNodes);
  }, []);

  // Another workflow was loaded: its history starts empty.
  const reset = useCallback(() => {
    historyRef.current = { past: [], future: [] };
    syncSize();
  }, [syncSize]);

  return { canUndo: size.past > 0, canRedo: size.future > 0, record, undo, redo, reset, adoptData };
}
