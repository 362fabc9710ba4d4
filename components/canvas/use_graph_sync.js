// What Reflex sends into the canvas: a full graph (load, auto-layout, undo on the
// server), with the first view of a workflow fitted, and single-node patches (form
// edits). Each carries a revision; one already applied is ignored.
import { useEffect, useRef, useState } from "react";
import { useNodesInitialized, useReactFlow } from "@xyflow/react";
import { decorateEdge, sized } from "./canvas_node.jsx";
import { LOCAL_CACHE } from "./use_graph_store.js";

// `history` and `selection` are the results of useHistory and useSelection;
// `wrapper` is a ref to the canvas's element; `addressed` is the workflow the page's
// address names (a graph of any other is stale and is not applied).
export function useGraphSync(graph, store, history, selection, wrapper, addressed) {
  const flow = useReactFlow();
  const nodesInitialized = useNodesInitialized();
  const [pendingFit, setPendingFit] = useState(false);
  const { record, reset: resetHistory } = history;
  const { remember } = selection;

  useEffect(() => {
    if (!graph || !graph.workflow || graph.rev === undefined || graph.rev === null) return;
    if (addressed && graph.workflow !== addressed) return;
    if (graph.rev === store.appliedRevRef.current) return;
    store.flush();
    const first = store.workflowRef.current !== graph.workflow;
    if (!first && graph.record) record();
    store.adopt(graph.workflow, graph.rev);
    let nextNodes = (graph.nodes || []).map(sized);
    let nextEdges = (graph.edges || []).map(decorateEdge);
    const cached = LOCAL_CACHE.get(graph.workflow);
    if (first && cached && cached.rev === graph.rev) {
      nextNodes = cached.nodes;
      nextEdges = cached.edges;
    } else {
      LOCAL_CACHE.delete(graph.workflow);
    }
    if (first) {
      resetHistory();
      remember("");
    }
    const selected = new Set(store.nodesRef.current.filter((n) => n.selected).map((n) => n.id));
    store.commit(
      nextNodes.map((n) => ({ ...n, selected: !first && selected.has(n.id) })),
      nextEdges,
      false
    );
    if (first) setPendingFit(true);
  }, [graph, addressed, store, record, resetHistory, remember]);

  // The first view of a workflow: fit it once React Flow has measured the nodes.
  useEffect(() => {
    if (!pendingFit) return undefined;
    if (!nodesInitialized && pendingFit !== "now") {
      const timer = window.setTimeout(() => setPendingFit("now"), 1000);
      return () => window.clearTimeout(timer);
    }
    setPendingFit(false);
    const only = store.nodesRef.current.length === 1 ? store.nodesRef.current[0] : null;
    const rect = wrapper.current ? wrapper.current.getBoundingClientRect() : null;
    if (only && rect) {
      // A new workflow: its trigger on the left, room to build to the right.
      flow.setViewport({ x: 80 - only.position.x, y: rect.height / 2 - only.position.y - 40, zoom: 1 });
    } else {
      flow.fitView({ padding: 0.15, maxZoom: 1 });
    }
    return undefined;
  }, [pendingFit, nodesInitialized, flow, store, wrapper]);
}

// Form edits: the patched nodes' data replaces theirs; structure and positions stay.
// The undo history takes the data too (a node removed meanwhile comes back edited).
export function usePatchSync(patch, store, history) {
  const appliedRef = useRef(null);
  const { adoptData } = history;
  useEffect(() => {
    if (!patch || patch.rev === undefined || patch.rev === appliedRef.current) return;
    appliedRef.current = patch.rev;
    if (patch.workflow !== store.workflowRef.current) return;
    store.acknowledge(patch.rev);
    const byId = new Map((patch.nodes || []).map((n) => [n.id, n]));
    adoptData(byId);
    const next = store.nodesRef.current.map((n) =>
      byId.has(n.id) ? { ...n, data: byId.get(n.id).data } : n
    );
    store.commit(next, store.edgesRef.current, false);
    if (store.unsentRef.current) store.flush();
  }, [patch, store, adoptData]);
}
