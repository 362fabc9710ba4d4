// Select all, copy, paste and duplicate of the selected nodes with the edges
// between them. The copy is kept in localStorage, so a selection copied in one
// workflow (or tab) pastes into another; it is also put on the system clipboard
// when the browser allows, as the same JSON.
//
// Pasted nodes get fresh ids and land in free space near where the originals
// were (in the same workflow) or in the middle of the view (from another one).
// The trigger is never copied: a workflow keeps the one it has.
import { useCallback } from "react";
import { useReactFlow } from "@xyflow/react";
import { decorateEdge, sized } from "./canvas_node.jsx";
import { boundsOf, freePosition, nodeRect } from "./free_space.js";
import { GRID } from "./grid.js";
import { uniqueId } from "./node_ids.js";

// The marker a payload must carry to be pasted: anything else in storage is ignored.
export const CLIPBOARD_FORMAT = "agentflow/canvas-selection@1";
export const CLIPBOARD_KEY = "agentflow.canvas.clipboard";
const OFFSET = 2 * GRID;

function clone(value) {
  return JSON.parse(JSON.stringify(value));
}

function copyable(node) {
  return node.selected && node.data && node.data.node && node.data.node.type !== "trigger";
}

// The payload for `nodes` (canvas nodes) and the edges of `edges` between them.
function payloadOf(nodes, edges, workflow) {
  const ids = new Set(nodes.map((n) => n.id));
  return {
    format: CLIPBOARD_FORMAT,
    workflow,
    nodes: nodes.map((n) => ({
      key: n.id,
      position: n.position,
      size: (({ width, height }) => ({ width, height }))(nodeRect(n)),
      node: clone(n.data.node),
      handles: n.data.handles,
    })),
    edges: edges
      .filter((e) => ids.has(e.source) && ids.has(e.target))
      .map((e) => ({
        source: e.source,
        target: e.target,
        sourceHandle: e.sourceHandle || "out",
        edge: clone((e.data && e.data.edge) || {}),
      })),
  };
}

function readStored() {
  try {
    const payload = JSON.parse(window.localStorage.getItem(CLIPBOARD_KEY) || "null");
    return payload && payload.format === CLIPBOARD_FORMAT && Array.isArray(payload.nodes)
      ? payload
      : null;
  } catch {
    return null;
  }
}

// `history` and `selection` are the results of useHistory and useSelection;
// `wrapper` a ref to the canvas's element.
export function useClipboard(store, history, selection, wrapper) {
  const flow = useReactFlow();
  const { record } = history;
  const { select } = selection;

  const selectAll = useCallback(() => {
    store.commit(
      store.nodesRef.current.map((n) => (n.selected ? n : { ...n, selected: true })),
      store.edgesRef.current.map((e) => (e.selected ? e : { ...e, selected: true })),
      false
    );
  }, [store]);

  // The middle of the visible canvas, in flow coordinates.
  const viewCentre = useCallback(() => {
    const rect = wrapper.current ? wrapper.current.getBoundingClientRect() : null;
    if (!rect) return { x: 0, y: 0 };
    return flow.screenToFlowPosition({ x: rect.left + rect.width / 2, y: rect.top + rect.height / 2 });
  }, [flow, wrapper]);

  // Adds the payload's nodes and edges, selected, as one undoable gesture.
  const insert = useCallback(
    (payload) => {
      if (!payload || !payload.nodes.length || !store.workflowRef.current) return false;
      const existing = store.nodesRef.current;
      const taken = new Set(existing.map((n) => n.id));
      const group = boundsOf(payload.nodes.map((n) => ({ ...n.position, ...n.size })));
      const fromHere = payload.workflow === store.workflowRef.current;
      const centre = viewCentre();
      const wanted = fromHere
        ? { x: group.x + OFFSET, y: group.y + OFFSET }
        : { x: centre.x - group.width / 2, y: centre.y - group.height / 2 };
      const at = freePosition(wanted, group, existing.map(nodeRect));
      const idOf = new Map();
      const added = payload.nodes.map((item) => {
        const id = uniqueId(item.node.id || item.node.type, taken);
        taken.add(id);
        idOf.set(item.key, id);
        const node = { ...clone(item.node), id };
        delete node.position;
        return sized({
          id,
          type: "agentflow",
          position: { x: at.x + item.position.x - group.x, y: at.y + item.position.y - group.y },
          selected: true,
          data: { node, handles: item.handles },
        });
      });
      const stamp = Date.now().toString(36);
      const addedEdges = payload.edges
        .filter((e) => idOf.has(e.source) && idOf.has(e.target))
        .map((e) => {
          const source = idOf.get(e.source);
          const target = idOf.get(e.target);
          return decorateEdge({
            id: `x-${source}-${e.sourceHandle}-${target}-${stamp}`,
            source,
            target,
            sourceHandle: e.sourceHandle,
            data: { edge: { ...e.edge, source, target } },
          });
        });
      record();
      store.commit(
        [...existing.map((n) => (n.selected ? { ...n, selected: false } : n)), ...added],
        [...store.edgesRef.current.map((e) => (e.selected ? { ...e, selected: false } : e)), ...addedEdges],
        true
      );
      select(added[added.length - 1].id);
      return true;
    },
    [store, record, select, viewCentre]
  );

  // Copies the selected nodes; false when none is selected (the key then keeps its
  // usual meaning, such as copying selected text).
  const copy = useCallback(() => {
    const chosen = store.nodesRef.current.filter(copyable);
    if (!chosen.length) return false;
    const text = JSON.stringify(payloadOf(chosen, store.edgesRef.current, store.workflowRef.current));
    try {
      window.localStorage.setItem(CLIPBOARD_KEY, text);
    } catch {
      return false;
    }
    if (navigator.clipboard && navigator.clipboard.writeText) {
      navigator.clipboard.writeText(text).catch(() => {});
    }
    return true;
  }, [store]);

  const paste = useCallback(() => insert(readStored()), [insert]);

  // Copies of `nodeIds` (the selection when omitted) beside them; the clipboard stays.
  const duplicate = useCallback(
    (nodeIds) => {
      const wanted = nodeIds ? new Set(nodeIds) : null;
      const chosen = store.nodesRef.current.filter((n) =>
        wanted ? wanted.has(n.id) && copyable({ ...n, selected: true }) : copyable(n)
      );
      if (!chosen.length) return false;
      return insert(payloadOf(chosen, store.edgesRef.current, store.workflowRef.current));
    },
    [store, insert]
  );

  return { selectAll, copy, paste, duplicate };
}
