// The canvas's nodes and edges: React state to draw them, refs for the callbacks
// that must read the latest graph, and the one way local changes go to Reflex.
//
// `store` (stable for the component's life) holds the refs, read by the other hooks,
// and the only functions that change them:
// - commit(nodes, edges, emit): replace the graph; `emit` schedules sending it;
// - flush(): send unsent changes now, as `onGraphChange(graph, baseRev)`;
// - send(): send the graph now, changed or not (the end of a drag);
// - adopt(workflow, rev): a full graph of that revision from the server is applied;
// - acknowledge(rev): the graph is based on that revision too (a patch was applied).
import { useCallback, useMemo, useRef, useState } from "react";
import { isNote } from "./note_node.jsx";

// Changes go to the server in the next task: one gesture's changes (a node and its
// edges removed together) make one message, and a button clicked right after an
// edit (auto-layout, test run) always reaches the server after that edit.
const EMIT_DELAY_MS = 0;
// Local changes not yet acknowledged by a new graph from the server, per workflow:
// a remounted canvas must not fall back to an older graph.
export const LOCAL_CACHE = new Map();

// A sticky note keeps its type and size: canvas_notes.py tells it from the nodes by type.
function serializeNode(n) {
  if (isNote(n)) {
    const { id, type, position, width, height } = n;
    return { id, type, position, width, height, data: { note: n.data.note } };
  }
  return { id: n.id, position: n.position, data: { node: n.data.node } };
}

function serialize(nodes, edges) {
  return {
    nodes: nodes.map(serializeNode),
    edges: edges.map((e) => ({
      id: e.id,
      source: e.source,
      target: e.target,
      sourceHandle: e.sourceHandle || "out",
      data: { edge: (e.data && e.data.edge) || {} },
    })),
  };
}

// `handlers` is a ref to the Reflex callbacks ({ change, select, decide }).
export function useGraphStore(handlers) {
  const [nodes, setNodes] = useState([]);
  const [edges, setEdges] = useState([]);
  const [workflow, setWorkflowState] = useState("");
  const nodesRef = useRef([]);
  const edgesRef = useRef([]);
  const workflowRef = useRef(null);
  // The newest revision this graph is based on (graphs and patches both count).
  const baseRevRef = useRef(0);
  // The revision of the last full graph applied.
  const appliedRevRef = useRef(null);
  const emitTimerRef = useRef(null);
  const unsentRef = useRef(false);

  const flush = useCallback(() => {
    clearTimeout(emitTimerRef.current);
    if (!unsentRef.current || !workflowRef.current) return;
    unsentRef.current = false;
    const payload = { ...serialize(nodesRef.current, edgesRef.current), workflow: workflowRef.current };
    LOCAL_CACHE.set(workflowRef.current, {
      rev: appliedRevRef.current,
      nodes: nodesRef.current,
      edges: edgesRef.current,
    });
    if (handlers.current.change) handlers.current.change(payload, baseRevRef.current);
  }, [handlers]);

  const commit = useCallback(
    (nextNodes, nextEdges, emit) => {
      nodesRef.current = nextNodes;
      edgesRef.current = nextEdges;
      setNodes(nextNodes);
      setEdges(nextEdges);
      if (emit) {
        unsentRef.current = true;
        clearTimeout(emitTimerRef.current);
        emitTimerRef.current = setTimeout(flush, EMIT_DELAY_MS);
      }
    },
    [flush]
  );

  const send = useCallback(() => {
    unsentRef.current = true;
    flush();
  }, [flush]);

  const acknowledge = useCallback((rev) => {
    baseRevRef.current = Math.max(baseRevRef.current, rev);
  }, []);

  const adopt = useCallback(
    (id, rev) => {
      appliedRevRef.current = rev;
      acknowledge(rev);
      workflowRef.current = id;
      setWorkflowState(id);
    },
    [acknowledge]
  );

  const store = useMemo(
    () => ({
      nodesRef,
      edgesRef,
      workflowRef,
      appliedRevRef,
      unsentRef,
      commit,
      flush,
      send,
      adopt,
      acknowledge,
    }),
    [commit, flush, send, adopt, acknowledge]
  );
  return { nodes, edges, workflow, store };
}
