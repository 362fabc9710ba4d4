// The canvas's keyboard shortcuts (listed for people in shortcut_help.jsx):
// Ctrl/Cmd+Z undoes, Ctrl/Cmd+Shift+Z and Ctrl/Cmd+Y redo, Ctrl/Cmd+A selects every
// node, Ctrl/Cmd+C copies the selected nodes, Ctrl/Cmd+V pastes them, Ctrl/Cmd+D
// duplicates them, "?" opens the shortcut sheet, Shift+N adds a sticky note, and
// Enter on the canvas edits the selected note. None applies while typing in a field,
// inside a dialog, or while a comparison covers the canvas. (Delete/Backspace belong
// to React Flow's deleteKeyCode.)
import { useEffect } from "react";
import { useLatest } from "./use_latest.js";

function isEditable(target) {
  if (!target) return false;
  const tag = target.tagName;
  return tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || target.isContentEditable;
}

// A dialog (the test run, the shortcut sheet...) has keys of its own.
function inDialog(target) {
  return Boolean(target && target.closest && target.closest('[role="dialog"], [role="alertdialog"]'));
}

// Enter means "edit the note" only on the canvas itself: on a button or link
// elsewhere it keeps its own meaning.
function onCanvas(target) {
  if (!target || target === document.body) return true;
  return target.tagName !== "BUTTON" && Boolean(target.closest && target.closest(".react-flow"));
}

// Text the person selected on the page: Ctrl/Cmd+C then copies it, not nodes.
function textSelected() {
  const selected = window.getSelection ? window.getSelection() : null;
  return Boolean(selected && !selected.isCollapsed && String(selected).trim());
}

// `actions`: { undo, redo, selectAll, copy, paste, duplicate, help, addNote, editNote };
// copy, duplicate and editNote answer whether they did anything (nothing selected:
// the key is left to the browser).
export function useKeyboardShortcuts(actions, comparing) {
  const actionsRef = useLatest(actions);
  const comparingRef = useLatest(Boolean(comparing));
  useEffect(() => {
    const onKey = (event) => {
      if (isEditable(event.target) || inDialog(event.target) || comparingRef.current) return;
      const run = actionsRef.current;
      const mod = event.ctrlKey || event.metaKey;
      if (!mod) {
        if (event.altKey) return;
        if (event.key === "?") {
          event.preventDefault();
          run.help();
        } else if (event.shiftKey && event.key.toLowerCase() === "n") {
          event.preventDefault();
          run.addNote();
        } else if (event.key === "Enter" && !event.shiftKey && onCanvas(event.target)) {
          if (run.editNote()) event.preventDefault();
        }
        return;
      }
      const key = event.key.toLowerCase();
      let handled = true;
      if (key === "z" && !event.shiftKey) run.undo();
      else if ((key === "z" && event.shiftKey) || key === "y") run.redo();
      else if (key === "a") run.selectAll();
      else if (key === "c") handled = !textSelected() && run.copy();
      else if (key === "v") run.paste();
      else if (key === "d") handled = run.duplicate();
      else handled = false;
      if (handled) event.preventDefault();
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [actionsRef, comparingRef]);
}
