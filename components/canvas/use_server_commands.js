// Requests from Reflex, each with a sequence number so that one is carried out once:
// `focus` selects a node and brings it into view (a click on a problem, a step of a
// run); `command` runs a toolbar action outside the canvas (undo, redo, fit after
// auto-layout, delete).
import { useEffect, useRef } from "react";
import { useReactFlow } from "@xyflow/react";
import { fitReadable } from "./readable_fit.js";

// `history` and `selection` are the results of useHistory and useSelection; `wrapper`
// a ref to the canvas's element.
export function useServerCommands(focus, command, store, history, selection, wrapper) {
  const flow = useReactFlow();
  const appliedFocusRef = useRef(null);
  const appliedCommandRef = useRef(null);
  const { undo, redo } = history;
  const { remember } = selection;

  useEffect(() => {
    if (!focus || !focus.seq || focus.seq === appliedFocusRef.current) return;
    appliedFocusRef.current = focus.seq;
    const target = store.nodesRef.current.find((n) => n.id === focus.id);
    if (!target) return;
    remember(focus.id);
    store.commit(
      store.nodesRef.current.map((n) => ({ ...n, selected: n.id === focus.id })),
      store.edgesRef.current,
      false
    );
    flow.fitView({ nodes: [{ id: focus.id }], maxZoom: 1.2, duration: 300, padding: 0.5 });
  }, [focus, store, remember, flow]);

  useEffect(() => {
    if (!command || !command.seq || command.seq === appliedCommandRef.current) return;
    appliedCommandRef.current = command.seq;
    if (command.name === "undo") undo();
    else if (command.name === "redo") redo();
    else if (command.name === "fit") fitReadable(flow, store.nodesRef.current, wrapper, { duration: 200 });
    else if (command.name === "delete" && command.id) {
      flow.deleteElements({ nodes: [{ id: command.id }] });
    }
  }, [command, store, undo, redo, flow, wrapper]);
}
