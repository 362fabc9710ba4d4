// New nodes: a palette type dropped on the canvas or clicked (placed in the middle),
// in the free space nearest to that point. The new node is selected. (Copies of
// nodes are use_clipboard.js's.)
import { useCallback } from "react";
import { useReactFlow } from "@xyflow/react";
import { sized } from "./canvas_node.jsx";
import { freePosition, nodeRect } from "./free_space.js";
import { uniqueId } from "./node_ids.js";
import { DRAG_MIME } from "./palette.jsx";

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
      const node = sized({
        id,
        type: "agentflow",
        position: { x: 0, y: 0 },
        selected: true,
        data: { node: { id, type, name: meta.title, config }, handles: meta.handles },
      });
      // The point is where the pointer (or the middle) was: the node's head goes there.
      const { width, height } = nodeRect(node);
      node.position = freePosition(
        { x: at.x - 110, y: at.y - 30 },
        { width, height },
        store.nodesRef.current.map(nodeRect)
      );
      insert(node);
    },
    [types, store, flow, insert, wrapper]
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

  return { addNode, onDrop, onDragOver };
}
