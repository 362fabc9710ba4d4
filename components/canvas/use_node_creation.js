// New nodes: a palette type dropped on the canvas or clicked (placed in the middle),
// and a duplicate of a node (from its context menu). The new node is selected.
import { useCallback } from "react";
import { useReactFlow } from "@xyflow/react";
import { sized } from "./canvas_node.jsx";
import { GRID, snap } from "./grid.js";
import { DRAG_MIME } from "./palette.jsx";

function uniqueId(base, taken) {
  let n = 1;
  while (taken.has(`${base}_${n}`)) n += 1;
  return `${base}_${n}`;
}

// `types` is the node-type metadata; `wrapper` a ref to the canvas's element.
export function useNodeCreation(types, store, record, select, wrapper) {
  const flow = useReactFlow();

  // Adds `node` as the only selected one, as one undoable, sent gesture.
  const insert = useCallback(
    (node) => {
      record();
      store.commit(
        [...store.nodesRef.current.map((n) => (n.selected ? { ...n, selected: false } : n)), node],
        store.edgesRef.current,
        true
      );
      select(node.id);
    },
    [store, record, select]
  );

  const addNode = useCallback(
    (type, screenPoint) => {
      const meta = types[type];
      if (!meta || !store.workflowRef.current) return;
      let point = screenPoint;
      if (!point && wrapper.current) {
        const rect = wrapper.current.getBoundingClientRect();
        point = { x: rect.left + rect.width / 2, y: rect.top + rect.height / 2 };
      }
      const at = flow.screenToFlowPosition(point || { x: 0, y: 0 });
      const taken = new Set(store.nodesRef.current.map((n) => n.id));
      const id = uniqueId(type, taken);
      const config = JSON.parse(JSON.stringify(meta.config || {}));
      insert(
        sized({
          id,
          type: "agentflow",
          position: { x: snap(at.x - 110), y: snap(at.y - 30) },
          selected: true,
          data: { node: { id, type, name: meta.title, config }, handles: meta.handles },
        })
      );
    },
    [types, store, flow, insert, wrapper]
  );

  const duplicateNode = useCallback(
    (nodeId) => {
      const original = store.nodesRef.current.find((n) => n.id === nodeId);
      if (!original) return;
      const taken = new Set(store.nodesRef.current.map((n) => n.id));
      const id = uniqueId(String(original.data.node.type || "node"), taken);
      const copy = JSON.parse(JSON.stringify(original.data.node));
      copy.id = id;
      delete copy.position;
      insert(
        sized({
          id,
          type: "agentflow",
          position: { x: original.position.x + 2 * GRID, y: original.position.y + 2 * GRID },
          selected: true,
          data: { node: copy, handles: original.data.handles },
        })
      );
    },
    [store, insert]
  );

  const onDrop = useCallback(
    (event) => {
      const type = event.dataTransfer.getData(DRAG_MIME);
      if (!type) return;
      event.preventDefault();
      addNode(type, { x: event.clientX, y: event.clientY });
    },
    [addNode]
  );

  const onDragOver = useCallback((event) => {
    event.preventDefault();
    event.dataTransfer.dropEffect = "move";
  }, []);

  return { addNode, duplicateNode, onDrop, onDragOver };
}
