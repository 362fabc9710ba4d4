// The editable canvas: puts the pieces together and lays them out. Each hook has one
// job (see its module); this component only wires them to React Flow.
import React, { useCallback, useMemo, useRef, useState } from "react";
import { Background, Controls, ReactFlow } from "@xyflow/react";
import { useLocation } from "react-router";
import "@xyflow/react/dist/style.css";
import { AgentNode, CanvasContext } from "./canvas_node.jsx";
import { CanvasMenu, useContextMenu } from "./canvas_menu.jsx";
import { CSS } from "./canvas_styles.js";
import { CanvasToolbar } from "./canvas_toolbar.jsx";
import { GRID } from "./grid.js";
import { NoteContext, NoteNode, NOTE_TYPE, isNote } from "./note_node.jsx";
import { Palette } from "./palette.jsx";
import { ShortcutHelp } from "./shortcut_help.jsx";
import { StatusMiniMap } from "./status_minimap.jsx";
import { useClipboard } from "./use_clipboard.js";
import { useEditHandlers } from "./use_edit_handlers.js";
import { useGraphStore } from "./use_graph_store.js";
import { useGraphSync, usePatchSync } from "./use_graph_sync.js";
import { useHistory } from "./use_history.js";
import { useKeyboardShortcuts } from "./use_keyboard_shortcuts.js";
import { useLatest } from "./use_latest.js";
import { useLeaveGuard } from "./use_leave_guard.js";
import { useNodeCreation } from "./use_node_creation.js";
import { useNotes } from "./use_notes.js";
import { useResizeObserverFilter } from "./use_resize_observer_filter.js";
import { useSelection } from "./use_selection.js";
import { useServerCommands } from "./use_server_commands.js";

const NODE_TYPES = { agentflow: AgentNode, [NOTE_TYPE]: NoteNode };
const NO_TYPES = {};
const NOTHING = [];
const DELETE_KEYS = ["Backspace", "Delete"];
const WORKFLOW_ADDRESS = /\/workflows\/([^/]+)/;

// The workflow the page's address names ("" when it names none).
function workflowInAddress(pathname) {
  const match = WORKFLOW_ADDRESS.exec(pathname || "");
  return match ? decodeURIComponent(match[1]) : "";
}

export function Builder(props) {
  const {
    graph,
    patch,
    nodeTypes,
    typeOrder,
    problems,
    runStates,
    focus,
    command,
    colorMode,
    dirty,
    comparing,
  } = props;
  const types = nodeTypes || NO_TYPES;
  const wrapper = useRef(null);
  const handlers = useLatest({
    change: props.onGraphChange,
    select: props.onSelect,
    decide: props.onDecide,
  });

  const { nodes: storedNodes, edges: storedEdges, workflow, store } = useGraphStore(handlers);
  // Right after opening another workflow, the page state (and this canvas, when it
  // stays mounted) still holds the previous one's graph: it is neither adopted nor
  // drawn, so no frame of it shows before the new graph arrives.
  const addressed = workflowInAddress(useLocation().pathname);
  const current = !addressed || workflow === addressed;
  const nodes = current ? storedNodes : NOTHING;
  const edges = current ? storedEdges : NOTHING;
  const history = useHistory(store);
  const selection = useSelection(store, handlers);
  useGraphSync(graph, store, history, selection, wrapper, addressed);
  usePatchSync(patch, store, history);
  useServerCommands(focus, command, store, history, selection, wrapper);
  useLeaveGuard(dirty, store);
  useResizeObserverFilter();

  const edit = useEditHandlers(store, history.record);
  const creation = useNodeCreation(types, store, history.record, selection.select, wrapper);
  const clipboard = useClipboard(store, history, selection, wrapper);
  const notes = useNotes(store, history, wrapper);
  const menu = useContextMenu();
  const [helpOpen, setHelpOpen] = useState(false);
  const openHelp = useCallback(() => setHelpOpen(true), []);
  const closeHelp = useCallback(() => setHelpOpen(false), []);
  const duplicateNode = useCallback((nodeId) => clipboard.duplicate([nodeId]), [clipboard]);
  useKeyboardShortcuts(
    {
      undo: history.undo,
      redo: history.redo,
      selectAll: clipboard.selectAll,
      copy: clipboard.copy,
      paste: clipboard.paste,
      duplicate: () => clipboard.duplicate(),
      help: openHelp,
      addNote: () => notes.addNote(),
      editNote: notes.editSelectedNote,
    },
    comparing
  );

  const context = useMemo(
    () => ({
      types,
      problems: problems || {},
      runStates: runStates || {},
      decide: (nodeId, approved) => {
        if (handlers.current.decide) handlers.current.decide(nodeId, approved);
      },
    }),
    [types, problems, runStates, handlers]
  );

  const anySelected = nodes.some((n) => n.selected) || edges.some((e) => e.selected);
  // Tests and people count the workflow's nodes: sticky notes are not among them.
  const noteCount = nodes.filter(isNote).length;

  return (
    <CanvasContext.Provider value={context}>
      <NoteContext.Provider value={notes.context}>
        <div className="af-builder">
          <Palette types={types} order={typeOrder || Object.keys(types)} onAdd={creation.addNode} />
          <div
            className="af-canvas"
            ref={wrapper}
            data-testid="builder-canvas"
            data-node-count={nodes.length - noteCount}
            data-note-count={noteCount}
            data-edge-count={edges.length}
            data-workflow={workflow || ""}
            onClick={menu.close}
          >
            <ReactFlow
              nodes={nodes}
              edges={edges}
              nodeTypes={NODE_TYPES}
              onNodesChange={edit.onNodesChange}
              onEdgesChange={edit.onEdgesChange}
              onConnect={edit.onConnect}
              onBeforeDelete={edit.onBeforeDelete}
              isValidConnection={edit.isValidConnection}
              onSelectionChange={selection.onSelectionChange}
              onNodeDragStart={edit.onNodeDragStart}
              onNodeDragStop={edit.onNodeDragStop}
              onDrop={creation.onDrop}
              onDragOver={creation.onDragOver}
              onNodeContextMenu={menu.onNodeContextMenu}
              onEdgeContextMenu={menu.onEdgeContextMenu}
              onPaneContextMenu={comparing ? undefined : menu.onPaneContextMenu}
              onPaneClick={menu.close}
              deleteKeyCode={comparing ? null : DELETE_KEYS}
              snapToGrid
              snapGrid={[GRID, GRID]}
              minZoom={0.05}
              maxZoom={2}
              onlyRenderVisibleElements={nodes.length > 150}
              colorMode={colorMode === "dark" ? "dark" : "light"}
              defaultEdgeOptions={{ interactionWidth: 16 }}
            >
              <Background gap={GRID} size={1} />
              <Controls position="bottom-left" showInteractive={false} />
              <StatusMiniMap runStates={runStates} problems={problems} />
              <CanvasToolbar
                canUndo={history.canUndo}
                canRedo={history.canRedo}
                canDelete={anySelected}
                onUndo={history.undo}
                onRedo={history.redo}
                onDelete={selection.deleteSelection}
                onAddNote={notes.addNote}
                onShortcuts={openHelp}
              />
            </ReactFlow>
            <CanvasMenu
              menu={menu.menu}
              onDuplicate={duplicateNode}
              onAddNote={notes.addNote}
              onClose={menu.close}
            />
          </div>
          <ShortcutHelp open={helpOpen} onClose={closeHelp} />
        </div>
      </NoteContext.Provider>
      <style>{CSS}</style>
    </CanvasContext.Provider>
  );
}
