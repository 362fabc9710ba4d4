// The canvas's toolbar (top left): undo, redo, delete the selection, add a sticky
// note, the shortcut sheet.
import React from "react";
import { Panel } from "@xyflow/react";
import { Keyboard, Redo2, StickyNote, Trash2, Undo2 } from "lucide-react";
import { ToolButton } from "./palette.jsx";

export function CanvasToolbar({
  canUndo,
  canRedo,
  canDelete,
  onUndo,
  onRedo,
  onDelete,
  onAddNote,
  onShortcuts,
}) {
  return (
    <Panel position="top-left" className="af-toolbar">
      <ToolButton label="Undo (Ctrl+Z)" testId="undo" disabled={!canUndo} onClick={onUndo}>
        <Undo2 size={16} />
      </ToolButton>
      <ToolButton label="Redo (Ctrl+Shift+Z)" testId="redo" disabled={!canRedo} onClick={onRedo}>
        <Redo2 size={16} />
      </ToolButton>
      <ToolButton
        label="Delete selection (Delete)"
        testId="delete-selection"
        disabled={!canDelete}
        onClick={onDelete}
      >
        <Trash2 size={16} />
      </ToolButton>
      <ToolButton label="Add note (Shift+N)" testId="add-note" onClick={() => onAddNote()}>
        <StickyNote size={16} />
      </ToolButton>
      <ToolButton label="Keyboard shortcuts (?)" testId="open-shortcuts" onClick={onShortcuts}>
        <Keyboard size={16} />
      </ToolButton>
    </Panel>
  );
}
