// Ctrl/Cmd+Z undoes, Ctrl/Cmd+Shift+Z and Ctrl/Cmd+Y redo, except while typing in a
// field or while a comparison covers the canvas. (Delete/Backspace belong to React
// Flow's deleteKeyCode.)
import { useEffect } from "react";
import { useLatest } from "./use_latest.js";

function isEditable(target) {
  if (!target) return false;
  const tag = target.tagName;
  return tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || target.isContentEditable;
}

export function useKeyboardShortcuts(undo, redo, comparing) {
  const comparingRef = useLatest(Boolean(comparing));
  useEffect(() => {
    const onKey = (event) => {
      if (isEditable(event.target) || comparingRef.current) return;
      const mod = event.ctrlKey || event.metaKey;
      if (!mod) return;
      const key = event.key.toLowerCase();
      if (key === "z" && !event.shiftKey) {
        event.preventDefault();
        undo();
      } else if ((key === "z" && event.shiftKey) || key === "y") {
        event.preventDefault();
        redo();
      }
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [undo, redo, comparingRef]);
}
