// The canvas's styles, on Radix Themes colour variables so light and dark both work.
export const CSS = `
.af-builder { display: flex; width: 100%; height: 100%; min-height: 0; }
.af-palette { width: 200px; min-width: 200px; overflow-y: auto; padding: 12px 10px;
  border-right: 1px solid var(--gray-5); background: var(--gray-2); }
.af-palette-title { font-weight: 600; font-size: 13px; color: var(--gray-12); padding: 0 4px; }
.af-palette-hint { font-size: 11px; color: var(--gray-10); padding: 2px 4px 10px; }
.af-palette-item { display: flex; gap: 10px; align-items: flex-start; padding: 8px; margin-bottom: 6px;
  border: 1px solid var(--gray-5); border-radius: 8px; background: var(--color-panel-solid, var(--gray-1));
  cursor: grab; user-select: none; }
.af-palette-item:hover, .af-palette-item:focus-visible { border-color: var(--accent-8); outline: none;
  box-shadow: 0 1px 3px var(--black-a3, rgba(0,0,0,.08)); }
.af-palette-icon { color: var(--accent-11); background: var(--accent-3); border-radius: 6px; padding: 5px;
  display: inline-flex; }
.af-palette-text { display: flex; flex-direction: column; min-width: 0; }
.af-palette-name { font-size: 13px; font-weight: 600; color: var(--gray-12); }
.af-palette-desc { font-size: 11px; line-height: 1.35; color: var(--gray-11); }
.af-canvas { position: relative; flex: 1; min-width: 0; height: 100%; }
.af-canvas .react-flow { --xy-background-color: var(--gray-1); }
.af-node { width: 232px; background: var(--color-panel-solid, var(--gray-1)); border: 1px solid var(--gray-6);
  border-radius: 10px; box-shadow: 0 1px 2px var(--black-a3, rgba(0,0,0,.08)); font-size: 12px;
  color: var(--gray-12); padding: 8px 0 6px; position: relative; }
.af-node.af-selected { border-color: var(--accent-9); box-shadow: 0 0 0 2px var(--accent-6); }
.af-node.af-invalid { border-color: var(--red-8); }
.af-node-head { display: flex; gap: 8px; align-items: center; padding: 0 10px; }
.af-node-icon { color: var(--accent-11); background: var(--accent-3); border-radius: 6px; padding: 4px;
  display: inline-flex; }
.af-node-name { font-weight: 600; font-size: 13px; flex: 1; min-width: 0; overflow: hidden;
  text-overflow: ellipsis; white-space: nowrap; }
.af-problem-badge { background: var(--red-9); color: white; border-radius: 999px; min-width: 18px;
  height: 18px; font-size: 11px; font-weight: 700; display: inline-flex; align-items: center;
  justify-content: center; padding: 0 5px; }
.af-node-sub { display: flex; gap: 4px; color: var(--gray-10); font-size: 11px; padding: 2px 10px 0 42px;
  font-family: var(--code-font-family, monospace); }
.af-node-id { overflow: hidden; text-overflow: ellipsis; white-space: nowrap; max-width: 130px; }
.af-run { display: flex; gap: 6px; align-items: center; margin: 6px 10px 0; padding: 3px 8px;
  border-radius: 6px; background: var(--gray-3); font-size: 11px; }
.af-run-status { font-weight: 600; text-transform: capitalize; }
.af-run-duration { margin-left: auto; color: var(--gray-11); font-variant-numeric: tabular-nums; }
.af-run-dot { width: 8px; height: 8px; border-radius: 50%; background: var(--gray-8); }
.af-dot-running { background: var(--blue-9); animation: af-pulse 1s ease-in-out infinite; }
.af-dot-succeeded { background: var(--green-9); }
.af-dot-failed { background: var(--red-9); }
.af-dot-waiting { background: var(--amber-9); }
.af-dot-queued, .af-dot-pending { background: var(--gray-7); }
.af-dot-skipped, .af-dot-cancelled { background: var(--gray-6); }
.af-status-running { border-color: var(--blue-8); box-shadow: 0 0 0 2px var(--blue-5); }
.af-status-succeeded { border-color: var(--green-8); }
.af-status-failed { border-color: var(--red-9); box-shadow: 0 0 0 2px var(--red-5); }
.af-status-waiting { border-color: var(--amber-9); box-shadow: 0 0 0 2px var(--amber-5); }
.af-status-skipped, .af-status-cancelled { opacity: .55; border-style: dashed; }
.af-status-queued { border-style: dashed; }
@keyframes af-pulse { 50% { opacity: .35; } }
.af-handles { margin-top: 6px; }
.af-handle-row { position: relative; height: 22px; display: flex; align-items: center;
  justify-content: flex-end; padding-right: 14px; }
.af-handle-label { font-size: 11px; color: var(--gray-11); font-family: var(--code-font-family, monospace); }
.af-h-true, .af-h-approved { color: var(--green-11); }
.af-h-false, .af-h-rejected, .af-h-error { color: var(--red-11); }
.af-node .react-flow__handle { width: 10px; height: 10px; border: 2px solid var(--color-panel-solid, white);
  background: var(--gray-9); }
.af-node .react-flow__handle.af-source.af-h-true, .af-node .react-flow__handle.af-source.af-h-approved {
  background: var(--green-9); }
.af-node .react-flow__handle.af-source.af-h-false, .af-node .react-flow__handle.af-source.af-h-rejected,
.af-node .react-flow__handle.af-source.af-h-error { background: var(--red-9); }
.af-node .react-flow__handle.af-target { top: 22px; }
.af-approval { display: flex; gap: 6px; margin: 6px 10px 0; }
.af-btn { flex: 1; border: 0; border-radius: 6px; padding: 4px 6px; font-size: 12px; font-weight: 600;
  cursor: pointer; color: white; }
.af-btn-approve { background: var(--green-9); }
.af-btn-reject { background: var(--red-9); }
.af-toolbar { display: flex; gap: 4px; background: var(--color-panel-solid, var(--gray-1));
  border: 1px solid var(--gray-5); border-radius: 8px; padding: 4px; }
.af-tool { display: inline-flex; align-items: center; justify-content: center; width: 30px; height: 30px;
  border: 0; border-radius: 6px; background: transparent; color: var(--gray-12); cursor: pointer; }
.af-tool:hover:not(:disabled) { background: var(--gray-4); }
.af-tool:disabled { color: var(--gray-8); cursor: default; }
.af-menu { position: fixed; z-index: 50; min-width: 150px; background: var(--color-panel-solid, white);
  border: 1px solid var(--gray-6); border-radius: 8px; padding: 4px;
  box-shadow: 0 8px 24px var(--black-a5, rgba(0,0,0,.18)); }
.af-menu button { display: flex; gap: 8px; align-items: center; width: 100%; border: 0; background: none;
  padding: 6px 8px; border-radius: 6px; font-size: 13px; color: var(--gray-12); cursor: pointer; }
.af-menu button:hover { background: var(--accent-4); }
.af-edge-true path, .af-edge-approved path { stroke: var(--green-9); }
.af-edge-false path, .af-edge-rejected path, .af-edge-error path { stroke: var(--red-9); }
.af-canvas .react-flow__edge-textbg { fill: var(--gray-2); }
.af-canvas .react-flow__edge-text { fill: var(--gray-11); font-size: 11px; }
.af-canvas-root { position: relative; width: 100%; height: 100%; }
.af-compare { position: absolute; inset: 0; z-index: 20; display: flex; flex-direction: column;
  background: var(--gray-1); }
.af-compare .react-flow { --xy-background-color: var(--gray-1); }
.af-compare-bar { display: flex; gap: 12px; align-items: center; flex-wrap: wrap; padding: 8px 12px;
  border-bottom: 1px solid var(--gray-5); background: var(--gray-2); font-size: 13px; color: var(--gray-12); }
.af-compare-summary { color: var(--gray-11); }
.af-compare-legend { display: inline-flex; gap: 6px; align-items: center; color: var(--gray-11); font-size: 12px; }
.af-legend { display: inline-block; width: 10px; height: 10px; border-radius: 3px; margin-left: 6px; }
.af-legend-added { background: var(--green-9); }
.af-legend-changed { background: var(--amber-9); }
.af-legend-removed { background: var(--red-9); }
.af-compare-note { font-size: 11px; text-transform: uppercase; letter-spacing: .04em; color: var(--gray-10); }
.af-compare-close { margin-left: auto; display: inline-flex; gap: 6px; align-items: center; border: 0;
  border-radius: 6px; padding: 5px 10px; background: var(--accent-9); color: white; font-weight: 600;
  cursor: pointer; font-size: 13px; }
.af-compare-body { position: relative; flex: 1; min-height: 0; }
.af-compare-lines { position: absolute; top: 10px; right: 10px; z-index: 5; max-width: 420px; max-height: 45%;
  overflow: auto; margin: 0; padding: 8px 10px 8px 28px; background: var(--color-panel-solid, white);
  border: 1px solid var(--gray-5); border-radius: 8px; font-size: 12px;
  font-family: var(--code-font-family, monospace); box-shadow: 0 4px 12px var(--black-a3, rgba(0,0,0,.08)); }
.af-line { padding: 1px 0; overflow-wrap: anywhere; }
.af-line-added { color: var(--green-11); }
.af-line-removed { color: var(--red-11); }
.af-line-changed { color: var(--amber-11); }
.af-node.af-diff-added { border-color: var(--green-9); box-shadow: 0 0 0 3px var(--green-5); }
.af-node.af-diff-changed { border-color: var(--amber-9); box-shadow: 0 0 0 3px var(--amber-5); }
.af-node.af-diff-removed { border-color: var(--red-9); border-style: dashed; opacity: .7;
  box-shadow: 0 0 0 3px var(--red-4); }
.af-diff-badge { font-size: 10px; font-weight: 700; text-transform: uppercase; border-radius: 999px;
  padding: 1px 6px; color: white; }
.af-diff-badge-added { background: var(--green-9); }
.af-diff-badge-changed { background: var(--amber-9); color: var(--gray-12); }
.af-diff-badge-removed { background: var(--red-9); }
.af-diff-edge-added path { stroke: var(--green-9); stroke-width: 2.5; }
.af-diff-edge-removed path { stroke: var(--red-9); stroke-width: 2.5; stroke-dasharray: 6 4; }
.af-palette-search { width: 100%; box-sizing: border-box; margin: 0 0 10px; padding: 6px 8px; font-size: 12px;
  border: 1px solid var(--gray-6); border-radius: 6px; background: var(--color-panel-solid, var(--gray-1));
  color: var(--gray-12); }
.af-palette-search:focus { outline: 2px solid var(--accent-8); outline-offset: -1px; }
.af-palette-empty { font-size: 12px; color: var(--gray-11); padding: 4px; }
.af-visually-hidden { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0);
  white-space: nowrap; }
.af-sheet-backdrop { position: fixed; inset: 0; z-index: 60; display: flex; align-items: center;
  justify-content: center; background: var(--black-a6, rgba(0,0,0,.3)); }
.af-sheet { min-width: 380px; max-width: 90vw; max-height: 85vh; overflow: auto; padding: 14px 18px;
  background: var(--color-panel-solid, white); color: var(--gray-12); border-radius: 10px;
  box-shadow: 0 12px 32px var(--black-a6, rgba(0,0,0,.25)); }
.af-sheet-head { display: flex; align-items: center; justify-content: space-between; margin-bottom: 8px; }
.af-sheet-head h2 { font-size: 16px; margin: 0; }
.af-sheet-table { border-collapse: collapse; width: 100%; font-size: 13px; }
.af-sheet-table th { text-align: left; font-weight: 400; padding: 5px 16px 5px 0; color: var(--gray-11); }
.af-sheet-table td { padding: 5px 0; text-align: right; white-space: nowrap; }
.af-sheet kbd { display: inline-block; min-width: 18px; padding: 1px 5px; margin: 0 2px; font-size: 11px;
  font-family: inherit; text-align: center; border: 1px solid var(--gray-7); border-bottom-width: 2px;
  border-radius: 4px; background: var(--gray-2); }
.af-keys-or { color: var(--gray-10); font-size: 11px; }
.af-note { width: 100%; height: 100%; box-sizing: border-box; display: flex; padding: 10px 12px;
  border: 1px solid var(--yellow-7, #e9d85c); border-radius: 4px; background: var(--yellow-3, #fff9c4);
  color: var(--gray-12); font-size: 13px; line-height: 1.45; overflow: hidden;
  box-shadow: 0 2px 6px var(--black-a3, rgba(0,0,0,.1)); }
.af-note.af-selected { border-color: var(--yellow-10, #c9a700); box-shadow: 0 0 0 2px var(--yellow-6, #f5e27a); }
.af-note-blue { background: var(--blue-3); border-color: var(--blue-7); }
.af-note-green { background: var(--green-3); border-color: var(--green-7); }
.af-note-pink { background: var(--pink-3); border-color: var(--pink-7); }
.af-note-purple { background: var(--purple-3); border-color: var(--purple-7); }
.af-note-gray { background: var(--gray-3); border-color: var(--gray-7); }
.af-note-text { flex: 1; min-width: 0; white-space: pre-wrap; overflow-wrap: anywhere; overflow: hidden; }
.af-note-placeholder { color: var(--gray-10); font-style: italic; }
.af-note-field { flex: 1; min-width: 0; resize: none; border: 0; padding: 2px 4px; margin: -2px -4px;
  border-radius: 3px; background: var(--white-a8, rgba(255,255,255,.55)); color: inherit; font: inherit;
  line-height: inherit; outline: 1px dashed var(--yellow-9, #e2c400); }
.react-flow__node-note .af-note-resize-line { border-color: var(--yellow-10, #c9a700); }
.react-flow__node-note .af-note-resize-handle { width: 9px; height: 9px; border-radius: 2px;
  background: var(--yellow-10, #c9a700); border: 1px solid var(--color-panel-solid, white); }
`;
