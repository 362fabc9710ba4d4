// Where a new node or a pasted group goes: the grid position nearest to the one
// wanted where it covers no existing node, so nothing added ever hides another.
import { GRID, snap } from "./grid.js";

// The size a node is drawn at: measured once React Flow has drawn it, the size
// given before that (canvas_node.jsx `sized`) otherwise.
const DEFAULT_SIZE = { width: 232, height: 86 };
// Room kept around each node, so an added one does not touch its neighbours.
const GAP = GRID;
// How far (in steps of two grid cells) the search goes before giving up.
const MAX_RINGS = 60;
const STEP = 2 * GRID;

export function nodeRect(node) {
  const measured = node.measured || {};
  return {
    x: node.position.x,
    y: node.position.y,
    width: measured.width || node.width || node.initialWidth || DEFAULT_SIZE.width,
    height: measured.height || node.height || node.initialHeight || DEFAULT_SIZE.height,
  };
}

// The smallest rectangle holding every rect.
export function boundsOf(rects) {
  const x = Math.min(...rects.map((r) => r.x));
  const y = Math.min(...rects.map((r) => r.y));
  const right = Math.max(...rects.map((r) => r.x + r.width));
  const bottom = Math.max(...rects.map((r) => r.y + r.height));
  return { x, y, width: right - x, height: bottom - y };
}

function overlaps(a, b) {
  return (
    a.x < b.x + b.width + GAP &&
    b.x < a.x + a.width + GAP &&
    a.y < b.y + b.height + GAP &&
    b.y < a.y + a.height + GAP
  );
}

// The top-left corner nearest to `wanted` where a box of `size` overlaps none of
// `rects`: rings of candidates around `wanted`, nearest first (ties: right, then down).
export function freePosition(wanted, size, rects) {
  const start = { x: snap(wanted.x), y: snap(wanted.y) };
  const { width, height } = size;
  const fits = (x, y) => !rects.some((r) => overlaps({ x, y, width, height }, r));
  if (fits(start.x, start.y)) return start;
  for (let ring = 1; ring <= MAX_RINGS; ring += 1) {
    const candidates = [];
    for (let i = -ring; i <= ring; i += 1) {
      for (let j = -ring; j <= ring; j += 1) {
        if (Math.max(Math.abs(i), Math.abs(j)) !== ring) continue;
        candidates.push({ x: start.x + i * STEP, y: start.y + j * STEP, i, j });
      }
    }
    candidates.sort(
      (a, b) => a.i * a.i + a.j * a.j - (b.i * b.i + b.j * b.j) || b.i - a.i || b.j - a.j
    );
    const found = candidates.find((c) => fits(c.x, c.y));
    if (found) return { x: found.x, y: found.y };
  }
  return start;
}
