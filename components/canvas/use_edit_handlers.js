// Local editing handed to React Flow: node and edge changes (drag, select, delete,
// resizing a note), connecting two nodes, and when each gesture is recorded for undo
// and sent.
import { useCallback } from "react";
import { applyEdgeChanges, applyNodeChanges } from "@xyflow/react";
import { decorateEdge } from "./canvas_node.jsx";

export function useEditHandlers(store, record) {
  const onNodesChange = useCallback(
    (changes) => {
      const next = applyNodeChanges(changes, store.nodesRef.current);
      const structural = changes.some(
        (c) => c.type === "remove" || c.type === "add" || c.type === "replace"
      );
      const moved = changes.some((c) => c.type === "position" && c.dragging === false);
      // The end of a note's resize (React Flow's own measurements carry no `resizing`).
      const resized = changes.some((c) => c.type === "dimensions" && c.resizing === false);
      store.commit(next, store.edgesRef.current, structural || moved || resized);
    },
    [store]
  );

  const onEdgesChange = useCallback(
    (changes) => {
      const next = applyEdgeChanges(changes, store.edgesRef.current);
      store.commit(
        store.nodesRef.current,
        next,
        changes.some((c) => c.type === "remove" || c.type === "add")
      );
    },
    [store]
  );

  const onBeforeDelete = useCallback(async () => {
    record();
    return true;
  }, [record]);

  const isValidConnection = useCallback(
    (connection) => {
      if (!connection.source || !connection.target) return false;
      if (connection.source === connection.target) return false;
      const target = store.nodesRef.current.find((n) => n.id === connection.target);
      if (target && target.data.node && target.data.node.type === "trigger") return false;
      const handle = connection.sourceHandle || "out";
      return !store.edgesRef.current.some(
        (e) =>
          e.source === connection.source &&
          e.target === connection.target &&
          (e.sourceHandle || "out") === handle
      );
    },
    [store]
  );

  const onConnect = useCallback(
    (connection) => {
      if (!isValidConnection(connection)) return;
      record();
      const handle = connection.sourceHandle || "out";
      const edge = {
        source: connection.source,
        target: connection.target,
        ...(handle !== "out" ? { source_handle: handle } : {}),
      };
      const id = `x-${connection.source}-${handle}-${connection.target}-${Date.now().toString(36)}`;
      const added = decorateEdge({
        id,
        source: connection.source,
        target: connection.target,
        sourceHandle: handle,
        data: { edge },
      });
      store.commit(store.nodesRef.current, [...store.edgesRef.current, added], true);
    },
    [store, record, isValidConnection]
  );

  const onNodeDragStart = useCallback(() => record(), [record]);

  // The end of a drag is sent at once.
  const onNodeDragStop = useCallback(() => store.send(), [store]);

  return {
    onNodesChange,
    onEdgesChange,
    onBeforeDelete,
    isValidConnection,
    onConnect,
    onNodeDragStart,
    onNodeDragStop,
  };
}
