// One node on the builder canvas: icon, name, id and type, a problem badge, its
// live run state (with Approve/Reject on a waiting approval), one input handle
// and one labelled output handle per handle of the format.
import React, { createContext, memo, useContext, useEffect, useRef } from "react";
import { Handle, Position, useUpdateNodeInternals } from "@xyflow/react";
import {
  Box,
  FileText,
  GitBranch,
  Globe,
  Repeat,
  Sparkles,
  Split,
  Timer,
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

export const CanvasContext = createContext({
  types: {},
  problems: {},
  runStates: {},
  decide: () => {},
});

export function Icon({ name, size = 16 }) {
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

export const AgentNode = memo(function AgentNode({ id, data, selected }) {
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
  // Set only on the read-only comparison canvas (compare_view.jsx).
  const diff = data.diff || "";
  const classes = ["af-node"];
  if (diff) classes.push(`af-diff-${diff}`);
  if (selected) classes.push("af-selected");
  if (status) classes.push(`af-status-${status}`);
  if (nodeProblems && nodeProblems.length) classes.push("af-invalid");
  return (
    <div
      className={classes.join(" ")}
      data-testid={`node-${id}`}
      data-status={status}
      data-diff={diff || undefined}
    >
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
        {diff && (
          <span className={`af-diff-badge af-diff-badge-${diff}`} data-testid={`node-diff-${id}`}>
            {diff}
          </span>
        )}
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

export const NODE_TYPES = { agentflow: AgentNode };

// Sizes before React Flow measures a node: lets fitView and onlyRenderVisibleElements
// work at once on large graphs.
export function sized(node) {
  const handles = (node.data && node.data.handles) || ["out"];
  return { ...node, initialWidth: 232, initialHeight: 64 + 22 * handles.length };
}

export function decorateEdge(edge) {
  const handle = edge.sourceHandle || "out";
  return {
    ...edge,
    sourceHandle: handle,
    label: handle !== "out" ? handle : undefined,
    className: `af-edge af-edge-${handle}`,
  };
}
