// Which node is selected (told to Reflex, which opens its form) and deleting the
// selection.
import { useCallback, useRef } from "react";
import { useReactFlow } from "@xyflow/react";
import { isNote } from "./note_node.jsx";

export function useSelection(store, handlers) {
  const flow = useReactFlow();
  const selectedRef = useRef("");

  // Tells Reflex, once per change of the selected node ("" for none).
  const select = useCallback(
    (nodeId) => {
      if (nodeId === selectedRef.current) return;
      selectedRef.current = nodeId;
      if (handlers.current.select) handlers.current.select(nodeId);
    },
    [handlers]
  );

  // A selection Reflex already knows of (it asked for it, or it loaded a new workflow).
  const remember = useCallback((nodeId) => {
    selectedRef.current = nodeId;
  }, []);

  // A sticky note has no form: selecting one shows the workflow's.
  const onSelectionChange = useCallback(
    ({ nodes: picked }) => {
      const nodes = (picked || []).filter((n) => !isNote(n));
      select(nodes.length ? nodes[nodes.length - 1].id : "");
    },
    [select]
  );

  const deleteSelection = useCallback(() => {
    const chosenNodes = store.nodesRef.current.filter((n) => n.selected).map((n) => ({ id: n.id }));
    const chosenEdges = store.edgesRef.current.filter((e) => e.selected).map((e) => ({ id: e.id }));
    if (chosenNodes.length || chosenEdges.length) {
      flow.deleteElements({ nodes: chosenNodes, edges: chosenEdges });
    }
  }, [store, flow]);

  return { select, remember, onSelectionChange, deleteSelection };
}
