// The keyboard shortcut sheet: a dialog listing every canvas shortcut, opened with
// "?" or the toolbar's keyboard button, closed with Escape, its Close button or a
// click beside it. Focus moves into it and back to where it was when it closes.
import React, { useEffect, useRef } from "react";
import { X } from "lucide-react";

const MAC = typeof navigator !== "undefined" && /Mac|iPhone|iPad/.test(navigator.platform || "");
const MOD = MAC ? "⌘" : "Ctrl";

// What use_keyboard_shortcuts.js, React Flow and the palette answer to.
export const SHORTCUTS = [
  { action: "Undo", keys: [[MOD, "Z"]] },
  { action: "Redo", keys: [[MOD, "Shift", "Z"], [MOD, "Y"]] },
  { action: "Delete the selection", keys: [["Delete"], ["Backspace"]] },
  { action: "Select all nodes", keys: [[MOD, "A"]] },
  { action: "Copy the selected nodes", keys: [[MOD, "C"]] },
  { action: "Paste (also into another workflow)", keys: [[MOD, "V"]] },
  { action: "Duplicate the selected nodes", keys: [[MOD, "D"]] },
  { action: "Select several nodes", keys: [["Shift", "click"], ["Shift", "drag"]] },
  { action: "Add a sticky note", keys: [["Shift", "N"]] },
  { action: "Write in the selected note", keys: [["Enter"], ["double-click"]] },
  { action: "Finish writing a note", keys: [["Esc"], ["click outside"]] },
  { action: "Show these shortcuts", keys: [["?"]] },
  { action: "Close this sheet, clear the palette search", keys: [["Esc"]] },
];

function Keys({ combos }) {
  return combos.map((combo, index) => (
    <span key={combo.join("+")} className="af-keys">
      {index > 0 && <span className="af-keys-or"> or </span>}
      {combo.map((key, i) => (
        <React.Fragment key={key}>
          {i > 0 && "+"}
          <kbd>{key}</kbd>
        </React.Fragment>
      ))}
    </span>
  ));
}

export function ShortcutHelp({ open, onClose }) {
  const closeRef = useRef(null);
  useEffect(() => {
    if (!open) return undefined;
    const before = document.activeElement;
    if (closeRef.current) closeRef.current.focus();
    const onKey = (event) => {
      if (event.key === "Escape") {
        event.preventDefault();
        event.stopPropagation();
        onClose();
      }
    };
    window.addEventListener("keydown", onKey, true);
    return () => {
      window.removeEventListener("keydown", onKey, true);
      if (before && before.focus) before.focus();
    };
  }, [open, onClose]);
  if (!open) return null;
  return (
    <div className="af-sheet-backdrop" onClick={onClose}>
      <div
        className="af-sheet"
        role="dialog"
        aria-modal="true"
        aria-labelledby="af-sheet-title"
        data-testid="shortcut-help"
        onClick={(event) => event.stopPropagation()}
      >
        <div className="af-sheet-head">
          <h2 id="af-sheet-title">Keyboard shortcuts</h2>
          <button
            type="button"
            className="af-tool"
            aria-label="Close"
            ref={closeRef}
            onClick={onClose}
          >
            <X size={16} />
          </button>
        </div>
        <table className="af-sheet-table">
          <tbody>
            {SHORTCUTS.map((shortcut) => (
              <tr key={shortcut.action}>
                <th scope="row">{shortcut.action}</th>
                <td>
                  <Keys combos={shortcut.keys} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </div>
  );
}
