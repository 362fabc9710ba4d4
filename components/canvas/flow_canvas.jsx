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
import React, {
  createContext,
  memo,
  useCallback,
  useContext,
  useEffect,
  useMemo,
  useRef,
  useState,
} from "react";
import {
  Background,
  Controls,
  Handle,
  MiniMap,
  Panel,
  Position,
  ReactFlow,
  ReactFlowProvider,
  applyEdgeChanges,
  applyNodeChanges,
  useNodesInitialized,
  useReactFlow,
  useUpdateNodeInternals,
} from "@xyflow/react";
import "@xyflow/react/dist/style.css";
import {
  Box,
  Copy,
  FileText,
  GitBranch,
  Globe,
  Redo2,
  Repeat,
  Sparkles,
  Split,
  Timer,
  Trash2,
  Undo2,
  UserCheck,
  Variable,
  Workflow,
  Zap,
} from "lucide-react";

const ICONS = {
  zap: Zap,
  sparkles: Sparkles,
  globe: Globe,
  "git-branch": GitBranch,
  split: Split,
  repeat: Repeat,
  workflow: Workflow,
  "file-text": FileText,
  variable: Variable,
  timer: Timer,
  "user-check": UserCheck,
};
const GRID = 16;
// Changes go to the server in the next task: one gesture's changes (a node and its
// edges removed together) make one message, and a button clicked right after an
// edit (auto-layout, test run) always reaches the server after that edit.
const EMIT_DELAY_MS = 0;
const HISTORY_LIMIT = 100;
const DRAG_MIME = "application/agentflow-node";
// Local changes not yet acknowledged by a new graph from the server, per workflow:
// a remounted canvas must not fall back to an older graph.
const LOCAL_CACHE = new Map();

const CanvasContext = createContext({
  types: {},
  problems: {},
  runStates: {},
  decide: () => {},
});

function Icon({ name, size = 16 }) {
  const Component = ICONS[name] || Box;
  return <Component size={size} aria-hidden="true" />;
}

export function formatDuration(ms) {
  if (ms === null || ms === undefined) return "";
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60000) return `${(ms / 1000).toFixed(ms < 10000 ? 1 : 0)} s`;
  const minutes = Math.floor(ms / 60000);
  return `${minutes}m ${Math.round((ms % 60000) / 1000)}s`;
}

const AgentNode = memo(function AgentNode({ id, data, selected }) {
  const { types, problems, runStates, decide } = useContext(CanvasContext);
  const node = data.node || {};
  const meta = types[node.type] || {};
  const handles = data.handles || meta.handles || ["out"];
  const nodeProblems = problems[id];
  const run = runStates[id];
  const status = run ? run.status : "";
  const labelled = handles.length > 1 || handles[0] !== "out";
  // React Flow measures handles when a node mounts; only later changes (a switch
  // case added, on_error set to route) need telling.
  const updateNodeInternals = useUpdateNodeInternals();
  const handleKey = handles.join("|");
  const measuredKey = useRef(handleKey);
  useEffect(() => {
    if (measuredKey.current === handleKey) return;
    measuredKey.current = handleKey;
    updateNodeInternals(id);
  }, [id, handleKey, updateNodeInternals]);
  const classes = ["af-node"];
  if (selected) classes.push("af-selected");
  if (status) classes.push(`af-status-${status}`);
  if (nodeProblems && nodeProblems.length) classes.push("af-invalid");
  return (
    <div className={classes.join(" ")} data-testid={`node-${id}`} data-status={status}>
      {node.type !== "trigger" && (
        <Handle type="target" position={Position.Left} className="af-target" />
      )}
      <div className="af-node-head">
        <span className="af-node-icon">
          <Icon name={meta.icon} />
        </span>
        <span className="af-node-name" title={node.name || meta.title || node.type}>
          {node.name || meta.title || String(node.type)}
        </span>
        {nodeProblems && nodeProblems.length > 0 && (
          <span
            className="af-problem-badge"
            data-testid={`node-problems-${id}`}
            title={nodeProblems.join("\n")}
          >
            {nodeProblems.length}
          </span>
        )}
      </div>
      <div className="af-node-sub">
        <span className="af-node-id">{String(node.id ?? id)}</span>
        <span>·</span>
        <span>{String(node.type)}</span>
      </div>
      {run && (
        <div className="af-run" data-testid={`node-run-${id}`}>
          <span className={`af-run-dot af-dot-${status}`} />
          <span className="af-run-status">{status}</span>
          {run.duration_ms !== null && run.duration_ms !== undefined && (
            <span className="af-run-duration">{formatDuration(run.duration_ms)}</span>
          )}
        </div>
      )}
      {run && status === "waiting" && node.type === "approval" && (
        <div className="af-approval nodrag">
          <button
            type="button"
            className="af-btn af-btn-approve"
            data-testid={`approve-${id}`}
            onClick={(event) => {
              event.stopPropagation();
              decide(id, true);
            }}
          >
            Approve
          </button>
          <button
            type="button"
            className="af-btn af-btn-reject"
            data-testid={`reject-${id}`}
            onClick={(event) => {
              event.stopPropagation();
              decide(id, false);
            }}
          >
            Reject
          </button>
        </div>
      )}
      <div className="af-handles">
        {handles.map((handle) => (
          <div className="af-handle-row" key={handle}>
            {labelled && <span className={`af-handle-label af-h-${handle}`}>{handle}</span>}
            <Handle
              type="source"
              position={Position.Right}
              id={handle}
              className={`af-source af-h-${handle}`}
              data-testid={`handle-${id}-${handle}`}
            />
          </div>
        ))}
      </div>
    </div>
  );
});

const NODE_TYPES = { agentflow: AgentNode };

// Sizes before React Flow measures a node: lets fitView and onlyRenderVisibleElements
// work at once on large graphs.
function sized(node) {
  const handles = (node.data && node.data.handles) || ["out"];
  return { ...node, initialWidth: 232, initialHeight: 64 + 22 * handles.length };
}

function decorateEdge(edge) {
  const handle = edge.sourceHandle || "out";
  return {
    ...edge,
    sourceHandle: handle,
    label: handle !== "out" ? handle : undefined,
    className: `af-edge af-edge-${handle}`,
  };
}

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

function Palette({ types, order, onAdd }) {
  return (
    <aside className="af-palette" aria-label="Node palette" data-testid="palette">
      <div className="af-palette-title">Nodes</div>
      <div className="af-palette-hint">Drag onto the canvas, or click to add.</div>
      {order.map((type) => {
        const meta = types[type] || {};
        return (
          <div
            key={type}
            className="af-palette-item"
            data-testid={`palette-${type}`}
            draggable
            role="button"
            tabIndex={0}
            title={meta.description}
            onDragStart={(event) => {
              event.dataTransfer.setData(DRAG_MIME, type);
              event.dataTransfer.effectAllowed = "move";
            }}
            onClick={() => onAdd(type, null)}
            onKeyDown={(event) => {
              if (event.key === "Enter" || event.key === " ") {
                event.preventDefault();
                onAdd(type, null);
              }
            }}
          >
            <span className="af-palette-icon">
              <Icon name={meta.icon} size={18} />
            </span>
            <span className="af-palette-text">
              <span className="af-palette-name">{meta.title || type}</span>
              <span className="af-palette-desc">{meta.description}</span>
            </span>
          </div>
        );
      })}
    </aside>
  );
}

function ToolButton({ label, testId, disabled, onClick, children }) {
  return (
    <button
      type="button"
      className="af-tool"
      aria-label={label}
      title={label}
      data-testid={testId}
      disabled={disabled}
      onClick={onClick}
    >
      {children}
    </button>
  );
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
      if (isEditable(event.target)) return;
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
            deleteKeyCode={["Backspace", "Delete"]}
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
  return (
    <ReactFlowProvider>
      <Builder {...props} />
    </ReactFlowProvider>
  );
}

const CSS = `
.af-builder { display: flex; width: 100%; height: 100%; min-height: 0; }
.af-palette { width: 200px; min-width: 200px; overflow-y: auto; padding: 12px 10px;
  border-right: 1px solid var(--gray-5); background: var(--gray-2); }
.af-palette-title { font-weight: 600; font-size: 13px; color: var(--gray-12); padding: 0 4px; }
.af-palette-hint { font-size: 11px; color: var(--gray-10); padding: 2px 4px 10px; }
.af-palette-item { display: flex; gap: 10px; align-items: flex-start; padding: 8px; margin-bottom: 6px;
  border: 1px solid var(--gray-5); border-radius: 8px; background: var(--color-panel-solid, var(--gray-1));
  cursor: grab; user-select: none; }
.af-palette-item:hover, .af-palette-item:focus-visible { border-color: var(--accent-8); outline: none;
  box-shadow: 0 1px 3px var(--black-a3, rgba(0,0,0,.08)); }
.af-palette-icon { color: var(--accent-11); background: var(--accent-3); border-radius: 6px; padding: 5px;
  display: inline-flex; }
.af-palette-text { display: flex; flex-direction: column; min-width: 0; }
.af-palette-name { font-size: 13px; font-weight: 600; color: var(--gray-12); }
.af-palette-desc { font-size: 11px; line-height: 1.35; color: var(--gray-11); }
.af-canvas { position: relative; flex: 1; min-width: 0; height: 100%; }
.af-canvas .react-flow { --xy-background-color: var(--gray-1); }
.af-node { width: 232px; background: var(--color-panel-solid, var(--gray-1)); border: 1px solid var(--gray-6);
  border-radius: 10px; box-shadow: 0 1px 2px var(--black-a3, rgba(0,0,0,.08)); font-size: 12px;
  color: var(--gray-12); padding: 8px 0 6px; position: relative; }
.af-node.af-selected { border-color: var(--accent-9); box-shadow: 0 0 0 2px var(--accent-6); }
.af-node.af-invalid { border-color: var(--red-8); }
.af-node-head { display: flex; gap: 8px; align-items: center; padding: 0 10px; }
.af-node-icon { color: var(--accent-11); background: var(--accent-3); border-radius: 6px; padding: 4px;
  display: inline-flex; }
.af-node-name { font-weight: 600; font-size: 13px; flex: 1; min-width: 0; overflow: hidden;
  text-overflow: ellipsis; white-space: nowrap; }
.af-problem-badge { background: var(--red-9); color: white; border-radius: 999px; min-width: 18px;
  height: 18px; font-size: 11px; font-weight: 700; display: inline-flex; align-items: center;
  justify-content: center; padding: 0 5px; }
.af-node-sub { display: flex; gap: 4px; color: var(--gray-10); font-size: 11px; padding: 2px 10px 0 42px;
  font-family: var(--code-font-family, monospace); }
.af-node-id { overflow: hidden; text-overflow: ellipsis; white-space: nowrap; max-width: 130px; }
.af-run { display: flex; gap: 6px; align-items: center; margin: 6px 10px 0; padding: 3px 8px;
  border-radius: 6px; background: var(--gray-3); font-size: 11px; }
.af-run-status { font-weight: 600; text-transform: capitalize; }
.af-run-duration { margin-left: auto; color: var(--gray-11); font-variant-numeric: tabular-nums; }
.af-run-dot { width: 8px; height: 8px; border-radius: 50%; background: var(--gray-8); }
.af-dot-running { background: var(--blue-9); animation: af-pulse 1s ease-in-out infinite; }
.af-dot-succeeded { background: var(--green-9); }
.af-dot-failed { background: var(--red-9); }
.af-dot-waiting { background: var(--amber-9); }
.af-dot-queued, .af-dot-pending { background: var(--gray-7); }
.af-dot-skipped, .af-dot-cancelled { background: var(--gray-6); }
.af-status-running { border-color: var(--blue-8); box-shadow: 0 0 0 2px var(--blue-5); }
.af-status-succeeded { border-color: var(--green-8); }
.af-status-failed { border-color: var(--red-9); box-shadow: 0 0 0 2px var(--red-5); }
.af-status-waiting { border-color: var(--amber-9); box-shadow: 0 0 0 2px var(--amber-5); }
.af-status-skipped, .af-status-cancelled { opacity: .55; border-style: dashed; }
.af-status-queued { border-style: dashed; }
@keyframes af-pulse { 50% { opacity: .35; } }
.af-handles { margin-top: 6px; }
.af-handle-row { position: relative; height: 22px; display: flex; align-items: center;
  justify-content: flex-end; padding-right: 14px; }
.af-handle-label { font-size: 11px; color: var(--gray-11); font-family: var(--code-font-family, monospace); }
.af-h-true, .af-h-approved { color: var(--green-11); }
.af-h-false, .af-h-rejected, .af-h-error { color: var(--red-11); }
.af-node .react-flow__handle { width: 10px; height: 10px; border: 2px solid var(--color-panel-solid, white);
  background: var(--gray-9); }
.af-node .react-flow__handle.af-source.af-h-true, .af-node .react-flow__handle.af-source.af-h-approved {
  background: var(--green-9); }
.af-node .react-flow__handle.af-source.af-h-false, .af-node .react-flow__handle.af-source.af-h-rejected,
.af-node .react-flow__handle.af-source.af-h-error { background: var(--red-9); }
.af-node .react-flow__handle.af-target { top: 22px; }
.af-approval { display: flex; gap: 6px; margin: 6px 10px 0; }
.af-btn { flex: 1; border: 0; border-radius: 6px; padding: 4px 6px; font-size: 12px; font-weight: 600;
  cursor: pointer; color: white; }
.af-btn-approve { background: var(--green-9); }
.af-btn-reject { background: var(--red-9); }
.af-toolbar { display: flex; gap: 4px; background: var(--color-panel-solid, var(--gray-1));
  border: 1px solid var(--gray-5); border-radius: 8px; padding: 4px; }
.af-tool { display: inline-flex; align-items: center; justify-content: center; width: 30px; height: 30px;
  border: 0; border-radius: 6px; background: transparent; color: var(--gray-12); cursor: pointer; }
.af-tool:hover:not(:disabled) { background: var(--gray-4); }
.af-tool:disabled { color: var(--gray-8); cursor: default; }
.af-menu { position: fixed; z-index: 50; min-width: 150px; background: var(--color-panel-solid, white);
  border: 1px solid var(--gray-6); border-radius: 8px; padding: 4px;
  box-shadow: 0 8px 24px var(--black-a5, rgba(0,0,0,.18)); }
.af-menu button { display: flex; gap: 8px; align-items: center; width: 100%; border: 0; background: none;
  padding: 6px 8px; border-radius: 6px; font-size: 13px; color: var(--gray-12); cursor: pointer; }
.af-menu button:hover { background: var(--accent-4); }
.af-edge-true path, .af-edge-approved path { stroke: var(--green-9); }
.af-edge-false path, .af-edge-rejected path, .af-edge-error path { stroke: var(--red-9); }
.af-canvas .react-flow__edge-textbg { fill: var(--gray-2); }
.af-canvas .react-flow__edge-text { fill: var(--gray-11); font-size: 11px; }
`;
