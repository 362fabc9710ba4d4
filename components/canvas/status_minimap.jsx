// The minimap (bottom right), each node coloured by its live run state, or red
// when it has problems; sticky notes in their own pale colour.
import React, { useCallback } from "react";
import { MiniMap } from "@xyflow/react";
import { isNote } from "./note_node.jsx";

export function StatusMiniMap({ runStates, problems }) {
  const nodeColor = useCallback(
    (node) => {
      if (isNote(node)) return "var(--amber-5)";
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
  return (
    <MiniMap position="bottom-right" pannable zoomable nodeColor={nodeColor} ariaLabel="Minimap" />
  );
}
