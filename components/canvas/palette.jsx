// The node palette (drag a type onto the canvas, or click it), with a search box
// that narrows it by title, description or type name, and the toolbar buttons.
import React, { useState } from "react";
import { Icon } from "./canvas_node.jsx";

export const DRAG_MIME = "application/agentflow-node";

const SEARCH_ID = "af-palette-search";

// Whether a node type answers to the search: every word typed appears in its
// title, description or type name.
function matches(type, meta, query) {
  const words = query.toLowerCase().split(/\s+/).filter(Boolean);
  const text = `${meta.title || ""} ${meta.description || ""} ${type}`.toLowerCase();
  return words.every((word) => text.includes(word));
}

export function Palette({ types, order, onAdd }) {
  const [query, setQuery] = useState("");
  const shown = order.filter((type) => matches(type, types[type] || {}, query));
  return (
    <aside className="af-palette" aria-label="Node palette" data-testid="palette">
      <div className="af-palette-title">Nodes</div>
      <div className="af-palette-hint">Drag onto the canvas, or click to add.</div>
      <label htmlFor={SEARCH_ID} className="af-visually-hidden">
        Search node types
      </label>
      <input
        id={SEARCH_ID}
        type="search"
        className="af-palette-search"
        placeholder="Search nodes"
        autoComplete="off"
        value={query}
        data-testid="palette-search"
        onChange={(event) => setQuery(event.target.value)}
        onKeyDown={(event) => {
          // Escape empties the box (a page-wide Escape, such as closing a panel, is
          // not wanted while searching).
          if (event.key === "Escape" && query) {
            event.preventDefault();
            event.stopPropagation();
            setQuery("");
          }
        }}
      />
      {shown.length === 0 && (
        <div className="af-palette-empty" role="status" data-testid="palette-empty">
          No node type matches “{query.trim()}”.
        </div>
      )}
      {shown.map((type) => {
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
