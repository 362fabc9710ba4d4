// The canvas grid: nodes snap to it, and the background draws it.
export const GRID = 16;

export function snap(value) {
  return Math.round(value / GRID) * GRID;
}
