// The node palette (drag a type onto the canvas, or click it) and the toolbar buttons.
import React from "react";
import { Icon } from "./canvas_node.jsx";

export const DRAG_MIME = "application/agentflow-node";

export function Palette({ types, order, onAdd }) {
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

export function ToolButton({ label, testId, disabled, onClick, children }) {
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
