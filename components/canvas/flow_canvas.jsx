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
//
// The editor itself is builder.jsx; the hooks and pieces it is made of are the
// use_*.js and canvas_*.jsx modules beside it.
import React from "react";
import { ReactFlowProvider } from "@xyflow/react";
import { Builder } from "./builder.jsx";
import { CompareView } from "./compare_view.jsx";

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
