// The context menu of a node (Duplicate, Delete), an edge (Delete) or the empty
// canvas (Add note here), opened with a right click where it was clicked and closed
// by any click on the canvas. The trigger has no Duplicate (a workflow keeps one,
// see use_clipboard.js), nor has a sticky note (notes are not copied).
import React, { useCallback, useState } from "react";
import { useReactFlow } from "@xyflow/react";
import { Copy, StickyNote, Trash2 } from "lucide-react";
import { isNote } from "./note_node.jsx";

// The open menu ({ kind, id, x, y } or null) and React Flow's handlers that open it.
export function useContextMenu() {
  const [menu, setMenu] = useState(null);
  const onNodeContextMenu = useCallback((event, node) => {
    event.preventDefault();
    const trigger = Boolean(node.data && node.data.node && node.data.node.type === "trigger");
    const single = trigger || isNote(node);
    setMenu({ kind: "node", id: node.id, single, x: event.clientX, y: event.clientY });
  }, []);
  const onEdgeContextMenu = useCallback((event, edge) => {
    event.preventDefault();
    setMenu({ kind: "edge", id: edge.id, x: event.clientX, y: event.clientY });
  }, []);
  const onPaneContextMenu = useCallback((event) => {
    event.preventDefault();
    setMenu({ kind: "pane", x: event.clientX, y: event.clientY });
  }, []);
  const close = useCallback(() => setMenu(null), []);
  return { menu, onNodeContextMenu, onEdgeContextMenu, onPaneContextMenu, close };
}

function MenuItem({ testId, onClick, children }) {
  return (
    <button type="button" role="menuitem" data-testid={testId} onClick={onClick}>
      {children}
    </button>
  );
}

export function CanvasMenu({ menu, onDuplicate, onAddNote, onClose }) {
  const flow = useReactFlow();
  if (!menu) return null;
  const done = (action) => () => {
    action();
    onClose();
  };
  return (
    <div
      className="af-menu"
      role="menu"
      data-testid="canvas-menu"
      style={{ left: menu.x, top: menu.y }}
    >
      {menu.kind === "pane" && (
        <MenuItem testId="menu-add-note" onClick={done(() => onAddNote({ x: menu.x, y: menu.y }))}>
          <StickyNote size={14} /> Add note here
        </MenuItem>
      )}
      {menu.kind === "node" && !menu.single && (
        <MenuItem testId="menu-duplicate" onClick={done(() => onDuplicate(menu.id))}>
          <Copy size={14} /> Duplicate
        </MenuItem>
      )}
      {menu.kind !== "pane" && (
        <MenuItem
          testId="menu-delete"
          onClick={done(() => {
            if (menu.kind === "node") flow.deleteElements({ nodes: [{ id: menu.id }] });
            else flow.deleteElements({ edges: [{ id: menu.id }] });
          })}
        >
          <Trash2 size={14} /> Delete
        </MenuItem>
      )}
    </div>
  );
}
