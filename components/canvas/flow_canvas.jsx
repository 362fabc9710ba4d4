// The builder's canvas: palette, React Flow graph, undo/redo, live run states.
//
// Everything that must feel instant stays here (drag, connect, select, delete,
// undo/redo history, minimap, run badges). Reflex owns the document: it sends
// `graph` (a full replacement, with a revision), `patch` (nodes whose data a form
// changed), node-type metadata, problems per node and run states; this component
// sends back `onGraphChange(graph, baseRev)` (one per gesture) with the whole graph in
// React Flow's shape, `onSelect(nodeId)` and `onDecide(nodeId, approved)`.
// The conversion to and from the agentflow/v1 document lives in Python
// (agentflow/spec/canvas.py); node objects travel untouched in `data.node`.
// A non-empty `compare` draws the read-only comparison of two versions
// (compare_view.jsx) over the editor, which stays mounted and inert meanwhile;
// its "Back to editing" button calls `onCloseCompare()`.
import React, { useCallback, useEffect, useMemo, useRef, useState } from "react";
import {
  Background,
  Controls,
  MiniMap,
  Panel,
  ReactFlow,
  ReactFlowProvider,
  applyEdgeChanges,
  applyNodeChanges,
  useNodesInitialized,
  useReactFlow,
} from "@xyflow/react";
import "@xyflow/react/dist/style.css";
import { Copy, Redo2, Trash2, Undo2 } from "lucide-react";
import { CanvasContext, NODE_TYPES, decorateEdge, sized } from "./canvas_node.jsx";
import { CSS } from "./canvas_styles.js";
import { CompareView } from "./compare_view.jsx";
import { DRAG_MIME, Palette, ToolButton } from "./palette.jsx";

const GRID = 16;
// Changes go to the server in the next task: one gesture's changes (a node and its
// edges removed together) make one message, and a button clicked right after an
// edit (auto-layout, test run) always reaches the server after that edit.
const EMIT_DELAY_MS = 0;
const HISTORY_LIMIT = 100;
// Local changes not yet acknowledged by a new graph from the server, per workflow:
// a remounted canvas must not fall back to an older graph.
const LOCAL_CACHE = new Map();

function serialize(nodes, edges) {
  return {
    nodes: nodes.map((n) => ({ id: n.id, position: n.position, data: { node: n.data.node } })),
    edges: edges.map((e) => ({
      id: e.id,
      source: e.source,
      target: e.target,
      sourceHandle: e.sourceHandle || "out",
      data: { edge: (e.data && e.data.edge) || {} },
    })),
  };
}

function uniqueId(base, taken) {
  let n = 1;
  while (taken.has(`${base}_${n}`)) n += 1;
  return `${base}_${n}`;
}

function snap(value) {
  return Math.round(value / GRID) * GRID;
}

function isEditable(target) {
  if (!target) return false;
  const tag = target.tagName;
  return tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || target.isContentEditable;
}

function Builder(props) {
  const {
    graph,
    patch,
    nodeTypes,
    typeOrder,
    problems,
    runStates,
    focus,
    command,
    colorMode,
    dirty,
    comparing,
  } = props;
  const flow = useReactFlow();
  const wrapper = useRef(null);
  const [nodes, setNodes] = useState([]);
  const [edges, setEdges] = useState([]);
  const [historySize, setHistorySize] = useState({ past: 0, future: 0 });
  const [menu, setMenu] = useState(null);
  const [pendingFit, setPendingFit] = useState(false);
  const nodesInitialized = useNodesInitialized();
  const nodesRef = useRef([]);
  const edgesRef = useRef([]);
  const workflowRef = useRef(null);
  const baseRev = useRef(0);
  const appliedGraph = useRef(null);
  const appliedPatch = useRef(null);
  const appliedFocus = useRef(null);
  const appliedCommand = useRef(null);
  const history = useRef({ past: [], future: [] });
  const emitTimer = useRef(null);
  const unsent = useRef(false);
  const selectedRef = useRef("");
  const handlers = useRef({});
  handlers.current = {
    change: props.onGraphChange,
    select: props.onSelect,
    decide: props.onDecide,
  };
  const types = nodeTypes || {};

  const flush = useCallback(() => {
    clearTimeout(emitTimer.current);
    if (!unsent.current || !workflowRef.current) return;
    unsent.current = false;
    const payload = { ...serialize(nodesRef.current, edgesRef.current), workflow: workflowRef.current };
    LOCAL_CACHE.set(workflowRef.current, {
      rev: appliedGraph.current,
      nodes: nodesRef.current,
      edges: edgesRef.current,
    });
    if (handlers.current.change) handlers.current.change(payload, baseRev.current);
  }, []);

  const commit = useCallback(
    (nextNodes, nextEdges, emit) => {
      nodesRef.current = nextNodes;
      edgesRef.current = nextEdges;
      setNodes(nextNodes);
      setEdges(nextEdges);
      if (emit) {
        unsent.current = true;
        clearTimeout(emitTimer.current);
        emitTimer.current = setTimeout(flush, EMIT_DELAY_MS);
      }
    },
    [flush]
  );

  const syncHistorySize = () =>
    setHistorySize({
      past: history.current.past.length,
      future: history.current.future.length,
    });

  const record = useCallback(() => {
    const h = history.current;
    h.past.push({ nodes: nodesRef.current, edges: edgesRef.current });
    if (h.past.length > HISTORY_LIMIT) h.past.shift();
    h.future = [];
    syncHistorySize();
  }, []);

  // Restoring a snapshot brings back structure and positions; nodes that still
  // exist keep their current data, so form edits made since are never undone.
  const restore = useCallback(
    (snapshot) => {
      const current = new Map(nodesRef.current.map((n) => [n.id, n]));
      const restored = snapshot.nodes.map((n) => {
        const now = current.get(n.id);
        return now ? { ...now, position: n.position } : { ...n, selected: false };
      });
      commit(restored, snapshot.edges, true);
    },
    [commit]
  );

  const undo = useCallback(() => {
    const h = history.current;
    if (!h.past.length) return;
    h.future.push({ nodes: nodesRef.current, edges: edgesRef.current });
    restore(h.past.pop());
    syncHistorySize();
  }, [restore]);

  const redo = useCallback(() => {
    const h = history.current;
    if (!h.future.length) return;
    h.past.push({ nodes: nodesRef.current, edges: edgesRef.current });
    restore(h.future.pop());
    syncHistorySize();
  }, [restore]);

  const select = useCallback((nodeId) => {
    if (nodeId === selectedRef.current) return;
    selectedRef.current = nodeId;
    if (handlers.current.select) handlers.current.select(nodeId);
  }, []);

  // -- from the server ---------------------------------------------------------------

  useEffect(() => {
    if (!graph || !graph.workflow || graph.rev === undefined || graph.rev === null) return;
    if (graph.rev === appliedGraph.current) return;
    flush();
    const first = workflowRef.current !== graph.workflow;
    if (!first && graph.record) record();
    appliedGraph.current = graph.rev;
    baseRev.current = Math.max(baseRev.current, graph.rev);
    workflowRef.current = graph.workflow;
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
      history.current = { past: [], future: [] };
      syncHistorySize();
      selectedRef.current = "";
    }
    const selected = new Set(nodesRef.current.filter((n) => n.selected).map((n) => n.id));
    commit(
      nextNodes.map((n) => ({ ...n, selected: !first && selected.has(n.id) })),
      nextEdges,
      false
    );
    if (first) setPendingFit(true);
  }, [graph, flush, commit, record]);

  // The first view of a workflow: fit it once React Flow has measured the nodes.
  useEffect(() => {
    if (!pendingFit) return undefined;
    if (!nodesInitialized && pendingFit !== "now") {
      const timer = window.setTimeout(() => setPendingFit("now"), 1000);
      return () => window.clearTimeout(timer);
    }
    setPendingFit(false);
    const only = nodesRef.current.length === 1 ? nodesRef.current[0] : null;
    const rect = wrapper.current ? wrapper.current.getBoundingClientRect() : null;
    if (only && rect) {
      // A new workflow: its trigger on the left, room to build to the right.
      flow.setViewport({ x: 80 - only.position.x, y: rect.height / 2 - only.position.y - 40, zoom: 1 });
    } else {
      flow.fitView({ padding: 0.15, maxZoom: 1 });
    }
    return undefined;
  }, [pendingFit, nodesInitialized, flow]);

  useEffect(() => {
    if (!patch || patch.rev === undefined || patch.rev === appliedPatch.current) return;
    appliedPatch.current = patch.rev;
    if (patch.workflow !== workflowRef.current) return;
    baseRev.current = Math.max(baseRev.current, patch.rev);
    const byId = new Map((patch.nodes || []).map((n) => [n.id, n]));
    const next = nodesRef.current.map((n) =>
      byId.has(n.id) ? { ...n, data: byId.get(n.id).data } : n
    );
    commit(next, edgesRef.current, false);
    if (unsent.current) flush();
  }, [patch, commit, flush]);

  useEffect(() => {
    if (!focus || !focus.seq || focus.seq === appliedFocus.current) return;
    appliedFocus.current = focus.seq;
    const target = nodesRef.current.find((n) => n.id === focus.id);
    if (!target) return;
    selectedRef.current = focus.id;
    commit(
      nodesRef.current.map((n) => ({ ...n, selected: n.id === focus.id })),
      edgesRef.current,
      false
    );
    flow.fitView({ nodes: [{ id: focus.id }], maxZoom: 1.2, duration: 300, padding: 0.5 });
  }, [focus, commit, flow]);

  useEffect(() => {
    if (!command || !command.seq || command.seq === appliedCommand.current) return;
    appliedCommand.current = command.seq;
    if (command.name === "undo") undo();
    else if (command.name === "redo") redo();
    else if (command.name === "fit") flow.fitView({ padding: 0.2, maxZoom: 1, duration: 200 });
    else if (command.name === "delete" && command.id) {
      flow.deleteElements({ nodes: [{ id: command.id }] });
    }
  }, [command, undo, redo, flow]);

  // Leaving with changes the server has not saved yet: send them, and ask first.
  const dirtyRef = useRef(false);
  dirtyRef.current = Boolean(dirty);
  const comparingRef = useRef(false);
  comparingRef.current = Boolean(comparing);
  useEffect(() => {
    const warn = (event) => {
      if (!dirtyRef.current && !unsent.current) return;
      flush();
      event.preventDefault();
      event.returnValue = "";
    };
    window.addEventListener("beforeunload", warn);
    return () => window.removeEventListener("beforeunload", warn);
  }, [flush]);

  useEffect(() => {
    const onKey = (event) => {
      if (isEditable(event.target) || comparingRef.current) return;
      const mod = event.ctrlKey || event.metaKey;
      if (!mod) return;
      const key = event.key.toLowerCase();
      if (key === "z" && !event.shiftKey) {
        event.preventDefault();
        undo();
      } else if ((key === "z" && event.shiftKey) || key === "y") {
        event.preventDefault();
        redo();
      }
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [undo, redo]);

  useEffect(() => () => flush(), [flush]);

  // React Flow's ResizeObserver can report "ResizeObserver loop completed with
  // undelivered notifications", a benign browser warning that carries no error
  // object, which Reflex's window.onerror reporter fails on: answer it here.
  useEffect(() => {
    const reporter = window.onerror;
    window.onerror = function onerror(message, source, line, column, error) {
      if (!error && String(message).startsWith("ResizeObserver loop")) return true;
      return reporter ? reporter.call(this, message, source, line, column, error) : false;
    };
    return () => {
      window.onerror = reporter;
    };
  }, []);

  // -- local editing ---------------------------------------------------------------

  const onNodesChange = useCallback(
    (changes) => {
      const next = applyNodeChanges(changes, nodesRef.current);
      const structural = changes.some(
        (c) => c.type === "remove" || c.type === "add" || c.type === "replace"
      );
      const moved = changes.some((c) => c.type === "position" && c.dragging === false);
      commit(next, edgesRef.current, structural || moved);
    },
    [commit]
  );

  const onEdgesChange = useCallback(
    (changes) => {
      const next = applyEdgeChanges(changes, edgesRef.current);
      commit(nodesRef.current, next, changes.some((c) => c.type === "remove" || c.type === "add"));
    },
    [commit]
  );

  const onBeforeDelete = useCallback(async () => {
    record();
    return true;
  }, [record]);

  const isValidConnection = useCallback((connection) => {
    if (!connection.source || !connection.target) return false;
    if (connection.source === connection.target) return false;
    const target = nodesRef.current.find((n) => n.id === connection.target);
    if (target && target.data.node && target.data.node.type === "trigger") return false;
    const handle = connection.sourceHandle || "out";
    return !edgesRef.current.some(
      (e) =>
        e.source === connection.source &&
        e.target === connection.target &&
        (e.sourceHandle || "out") === handle
    );
  }, []);

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
      commit(nodesRef.current, [...edgesRef.current, added], true);
    },
    [commit, record, isValidConnection]
  );

  const addNode = useCallback(
    (type, screenPoint) => {
      const meta = types[type];
      if (!meta || !workflowRef.current) return;
      let point = screenPoint;
      if (!point && wrapper.current) {
        const rect = wrapper.current.getBoundingClientRect();
        point = { x: rect.left + rect.width / 2, y: rect.top + rect.height / 2 };
      }
      const at = flow.screenToFlowPosition(point || { x: 0, y: 0 });
      const taken = new Set(nodesRef.current.map((n) => n.id));
      const id = uniqueId(type, taken);
      const config = JSON.parse(JSON.stringify(meta.config || {}));
      const node = sized({
        id,
        type: "agentflow",
        position: { x: snap(at.x - 110), y: snap(at.y - 30) },
        selected: true,
        data: { node: { id, type, name: meta.title, config }, handles: meta.handles },
      });
      record();
      commit(
        [...nodesRef.current.map((n) => (n.selected ? { ...n, selected: false } : n)), node],
        edgesRef.current,
        true
      );
      select(id);
    },
    [types, flow, record, commit, select]
  );

  const duplicateNode = useCallback(
    (nodeId) => {
      const original = nodesRef.current.find((n) => n.id === nodeId);
      if (!original) return;
      const taken = new Set(nodesRef.current.map((n) => n.id));
      const id = uniqueId(String(original.data.node.type || "node"), taken);
      const copy = JSON.parse(JSON.stringify(original.data.node));
      copy.id = id;
      delete copy.position;
      record();
      commit(
        [
          ...nodesRef.current.map((n) => (n.selected ? { ...n, selected: false } : n)),
          sized({
            id,
            type: "agentflow",
            position: { x: original.position.x + 2 * GRID, y: original.position.y + 2 * GRID },
            selected: true,
            data: { node: copy, handles: original.data.handles },
          }),
        ],
        edgesRef.current,
        true
      );
      select(id);
    },
    [record, commit, select]
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

  const onSelectionChange = useCallback(
    ({ nodes: picked }) => {
      select(picked && picked.length ? picked[picked.length - 1].id : "");
    },
    [select]
  );

  const deleteSelection = useCallback(() => {
    const chosenNodes = nodesRef.current.filter((n) => n.selected).map((n) => ({ id: n.id }));
    const chosenEdges = edgesRef.current.filter((e) => e.selected).map((e) => ({ id: e.id }));
    if (chosenNodes.length || chosenEdges.length) {
      flow.deleteElements({ nodes: chosenNodes, edges: chosenEdges });
    }
  }, [flow]);

  const context = useMemo(
    () => ({
      types,
      problems: problems || {},
      runStates: runStates || {},
      decide: (nodeId, approved) => {
        if (handlers.current.decide) handlers.current.decide(nodeId, approved);
      },
    }),
    [types, problems, runStates]
  );

  const minimapColor = useCallback(
    (node) => {
      const run = (runStates || {})[node.id];
      const status = run ? run.status : "";
      if (status === "succeeded") return "var(--green-9)";
      if (status === "failed") return "var(--red-9)";
      if (status === "running") return "var(--blue-9)";
      if (status === "waiting") return "var(--amber-9)";
      if ((problems || {})[node.id]) return "var(--red-7)";
      return "var(--gray-8)";
    },
    [runStates, problems]
  );

  const anySelected = nodes.some((n) => n.selected) || edges.some((e) => e.selected);

  return (
    <CanvasContext.Provider value={context}>
      <div className="af-builder">
        <Palette types={types} order={typeOrder || Object.keys(types)} onAdd={addNode} />
        <div
          className="af-canvas"
          ref={wrapper}
          data-testid="builder-canvas"
          data-node-count={nodes.length}
          data-edge-count={edges.length}
          data-workflow={workflowRef.current || ""}
          onClick={() => setMenu(null)}
        >
          <ReactFlow
            nodes={nodes}
            edges={edges}
            nodeTypes={NODE_TYPES}
            onNodesChange={onNodesChange}
            onEdgesChange={onEdgesChange}
            onConnect={onConnect}
            onBeforeDelete={onBeforeDelete}
            isValidConnection={isValidConnection}
            onSelectionChange={onSelectionChange}
            onNodeDragStart={() => record()}
            onNodeDragStop={() => {
              unsent.current = true;
              flush();
            }}
            onDrop={onDrop}
            onDragOver={onDragOver}
            onNodeContextMenu={(event, node) => {
              event.preventDefault();
              setMenu({ kind: "node", id: node.id, x: event.clientX, y: event.clientY });
            }}
            onEdgeContextMenu={(event, edge) => {
              event.preventDefault();
              setMenu({ kind: "edge", id: edge.id, x: event.clientX, y: event.clientY });
            }}
            onPaneClick={() => setMenu(null)}
            deleteKeyCode={comparing ? null : ["Backspace", "Delete"]}
            snapToGrid
            snapGrid={[GRID, GRID]}
            minZoom={0.05}
            maxZoom={2}
            onlyRenderVisibleElements={nodes.length > 150}
            colorMode={colorMode === "dark" ? "dark" : "light"}
            defaultEdgeOptions={{ interactionWidth: 16 }}
          >
            <Background gap={GRID} size={1} />
            <Controls position="bottom-left" showInteractive={false} />
            <MiniMap
              position="bottom-right"
              pannable
              zoomable
              nodeColor={minimapColor}
              ariaLabel="Minimap"
            />
            <Panel position="top-left" className="af-toolbar">
              <ToolButton
                label="Undo (Ctrl+Z)"
                testId="undo"
                disabled={!historySize.past}
                onClick={undo}
              >
                <Undo2 size={16} />
              </ToolButton>
              <ToolButton
                label="Redo (Ctrl+Shift+Z)"
                testId="redo"
                disabled={!historySize.future}
                onClick={redo}
              >
                <Redo2 size={16} />
              </ToolButton>
              <ToolButton
                label="Delete selection (Delete)"
                testId="delete-selection"
                disabled={!anySelected}
                onClick={deleteSelection}
              >
                <Trash2 size={16} />
              </ToolButton>
            </Panel>
          </ReactFlow>
          {menu && (
            <div
              className="af-menu"
              role="menu"
              data-testid="canvas-menu"
              style={{ left: menu.x, top: menu.y }}
            >
              {menu.kind === "node" && (
                <button
                  type="button"
                  role="menuitem"
                  data-testid="menu-duplicate"
                  onClick={() => {
                    duplicateNode(menu.id);
                    setMenu(null);
                  }}
                >
                  <Copy size={14} /> Duplicate
                </button>
              )}
              <button
                type="button"
                role="menuitem"
                data-testid="menu-delete"
                onClick={() => {
                  if (menu.kind === "node") flow.deleteElements({ nodes: [{ id: menu.id }] });
                  else flow.deleteElements({ edges: [{ id: menu.id }] });
                  setMenu(null);
                }}
              >
                <Trash2 size={14} /> Delete
              </button>
            </div>
          )}
        </div>
      </div>
      <style>{CSS}</style>
    </CanvasContext.Provider>
  );
}

export function FlowCanvas(props) {
  const compare = props.compare;
  const comparing = Boolean(compare && compare.nodes);
  return (
    <div className="af-canvas-root">
      <ReactFlowProvider>
        <Builder {...props} comparing={comparing} />
      </ReactFlowProvider>
      {comparing && (
        <CompareView
          key={compare.key}
          compare={compare}
          types={props.nodeTypes}
          colorMode={props.colorMode}
          onClose={props.onCloseCompare}
        />
      )}
    </div>
  );
}
