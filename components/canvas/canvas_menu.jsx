// The context menu of a node (Duplicate, Delete) or an edge (Delete), opened with a
// right click where it was clicked and closed by any click on the canvas. The
// trigger has no Duplicate: a workflow keeps one (see use_clipboard.js).
import React, { useCallback, useState } from "react";
import { useReactFlow } from "@xyflow/react";
import { Copy, Trash2 } from "lucide-react";

// The open menu ({ kind, id, x, y } or null) and React Flow's handlers that open it.
export function useContextMenu() {
  const [menu, setMenu] = useState(null);
  const onNodeContextMenu = useCallback((event, node) => {
    event.preventDefault();
    const trigger = Boolean(node.data && node.data.node && node.data.node.type === "trigger");
    setMenu({ kind: "node", id: node.id, trigger, x: event.clientX, y: event.clientY });
  }, []);
  const onEdgeContextMenu = useCallback((event, edge) => {
    event.preventDefault();
    setMenu({ kind: "edge", id: edge.id, x: event.clientX, y: event.clientY });
  }, []);
  const close = useCallback(() => setMenu(null), []);
  return { menu, onNodeContextMenu, onEdgeContextMenu, close };
}

export function CanvasMenu({ menu, onDuplicate, onClose }) {
  const flow = useReactFlow();
  if (!menu) return null;
  return (
    <div
      className="af-menu"
      role="menu"
      data-testid="canvas-menu"
      style={{ left: menu.x, top: menu.y }}
    >
      {menu.kind === "node" && !menu.trigger && (
        <button
          type="button"
          role="menuitem"
          data-testid="menu-duplicate"
          onClick={() => {
            onDuplicate(menu.id);
            onClose();
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
          onClose();
        }}
      >
        <Trash2 size={14} /> Delete
      </button>
    </div>
  );
}
