// The read-only comparison of two workflow versions, drawn over the builder's canvas.
//
// `compare` comes from Python (agentflow/spec/diff.py comparison_canvas, plus a title,
// a summary and the diff as text lines): the newer version's nodes and edges plus the
// ones the older version had and the newer one lost, each marked in `data.diff`
// ("added", "removed", "changed" or ""). Nothing here can be moved, connected,
// selected or deleted, and nothing is sent back but `onClose`. The editable canvas
// stays mounted underneath, untouched.
import React, { useEffect, useMemo, useState } from "react";
import {
  Background,
  Controls,
  MiniMap,
  ReactFlow,
  ReactFlowProvider,
  applyNodeChanges,
} from "@xyflow/react";
import { X } from "lucide-react";
import { CanvasContext, NODE_TYPES, decorateEdge, sized } from "./canvas_node.jsx";

const NO_STATES = {};
const MARK_COLORS = {
  added: "var(--green-9)",
  removed: "var(--red-9)",
  changed: "var(--amber-9)",
};

function markedEdge(edge) {
  const decorated = decorateEdge(edge);
  const mark = (edge.data && edge.data.diff) || "";
  return {
    ...decorated,
    className: mark ? `${decorated.className} af-diff-edge-${mark}` : decorated.className,
    label: mark ? `${mark}${decorated.label ? ` · ${decorated.label}` : ""}` : decorated.label,
    selectable: false,
    focusable: false,
    deletable: false,
  };
}

function CompareFlow({ compare, types, colorMode, onClose }) {
  const [nodes, setNodes] = useState([]);
  useEffect(() => {
    setNodes((compare.nodes || []).map(sized));
  }, [compare]);
  const edges = useMemo(() => (compare.edges || []).map(markedEdge), [compare]);
  const context = useMemo(
    () => ({ types: types || {}, problems: NO_STATES, runStates: NO_STATES, decide: () => {} }),
    [types]
  );
  const lines = compare.lines || [];
  return (
    <CanvasContext.Provider value={context}>
      <div
        className="af-compare"
        data-testid="compare-canvas"
        data-node-count={nodes.length}
        data-edge-count={edges.length}
      >
        <div className="af-compare-bar">
          <strong className="af-compare-title">{String(compare.title || "Comparison")}</strong>
          <span className="af-compare-summary" data-testid="compare-summary">
            {String(compare.summary || "")}
          </span>
          <span className="af-compare-legend" aria-hidden="true">
            <i className="af-legend af-legend-added" /> added
            <i className="af-legend af-legend-changed" /> changed
            <i className="af-legend af-legend-removed" /> removed
          </span>
          <span className="af-compare-note">read-only</span>
          <button
            type="button"
            className="af-compare-close"
            data-testid="close-compare"
            onClick={() => onClose && onClose()}
          >
            <X size={14} aria-hidden="true" /> Back to editing
          </button>
        </div>
        <div className="af-compare-body">
          <ReactFlow
            nodes={nodes}
            edges={edges}
            nodeTypes={NODE_TYPES}
            onNodesChange={(changes) => setNodes((current) => applyNodeChanges(changes, current))}
            nodesDraggable={false}
            nodesConnectable={false}
            elementsSelectable={false}
            edgesFocusable={false}
            deleteKeyCode={null}
            fitView
            fitViewOptions={{ padding: 0.2, maxZoom: 1 }}
            minZoom={0.05}
            maxZoom={2}
            colorMode={colorMode === "dark" ? "dark" : "light"}
          >
            <Background gap={16} size={1} />
            <Controls position="bottom-left" showInteractive={false} />
            <MiniMap
              position="bottom-right"
              nodeColor={(node) => MARK_COLORS[(node.data && node.data.diff) || ""] || "var(--gray-8)"}
              ariaLabel="Minimap"
            />
          </ReactFlow>
          {lines.length > 0 && (
            <ol className="af-compare-lines" data-testid="compare-lines">
              {lines.map((line, index) => (
                <li key={index} className={`af-line af-line-${line.kind}`}>
                  {String(line.text)}
                </li>
              ))}
            </ol>
          )}
        </div>
      </div>
    </CanvasContext.Provider>
  );
}

export function CompareView(props) {
  return (
    <ReactFlowProvider>
      <CompareFlow {...props} />
    </ReactFlowProvider>
  );
}
