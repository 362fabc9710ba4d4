// Fitting the view after auto-layout without shrinking nodes past reading: the
// graph is fitted when it fits at READABLE_ZOOM or more; a larger one is shown at
// that zoom from its left edge (where the trigger is), vertically centred, and can
// be panned or zoomed out from there.
import { boundsOf, nodeRect } from "./free_space.js";

export const READABLE_ZOOM = 0.5;
const MAX_ZOOM = 1;
const PADDING = 0.2;

// `nodes` are the canvas's nodes as just committed (React Flow's own copy may not
// have caught up yet: a layout arrives with the command to fit it); `wrapper` is a
// ref to the canvas's element.
export function fitReadable(flow, nodes, wrapper, options = {}) {
  const rect = wrapper.current ? wrapper.current.getBoundingClientRect() : null;
  if (!nodes.length || !rect || !rect.width || !rect.height) {
    flow.fitView({ padding: PADDING, maxZoom: MAX_ZOOM, ...options });
    return;
  }
  const bounds = boundsOf(nodes.map(nodeRect));
  const fitting = Math.min(
    (rect.width * (1 - PADDING)) / Math.max(bounds.width, 1),
    (rect.height * (1 - PADDING)) / Math.max(bounds.height, 1)
  );
  if (fitting >= READABLE_ZOOM) {
    flow.fitView({ padding: PADDING, maxZoom: MAX_ZOOM, ...options });
    return;
  }
  const zoom = READABLE_ZOOM;
  const margin = (rect.width * PADDING) / 2;
  flow.setViewport(
    {
      x: margin - bounds.x * zoom,
      y: rect.height / 2 - (bounds.y + bounds.height / 2) * zoom,
      zoom,
    },
    options
  );
}
