// Where a suggestion menu goes so that it stays inside the viewport: below its field,
// or above it when there is not room below and more above; moved left when it would
// pass the right edge. It is positioned `fixed`, so the scrolling panel around the
// field neither clips it nor grows to hold it.
import { useLayoutEffect, useState } from "react";

const GAP = 2; // between the field and the menu
const MARGIN = 8; // kept free along the viewport's edges
const MAX_HEIGHT = 220;
const MIN_HEIGHT = 72; // about three rows: less would hardly be a menu
// Wider than a narrow field, so that long names and their details stay readable.
const MIN_WIDTH = 360;

const clamp = (value, low, high) => Math.max(low, Math.min(value, high));

// The menu's box for a field's box, the viewport's size and the height the menu's
// rows would take.
export function placeMenu(field, viewport, contentHeight) {
  const width = Math.min(Math.max(field.width, MIN_WIDTH), viewport.width - 2 * MARGIN);
  const left = clamp(field.left, MARGIN, viewport.width - MARGIN - width);
  const below = viewport.height - MARGIN - (field.bottom + GAP);
  const above = field.top - GAP - MARGIN;
  const wanted = Math.min(contentHeight, MAX_HEIGHT);
  const flip = below < wanted && above > below;
  const room = Math.max(flip ? above : below, MIN_HEIGHT);
  const height = Math.min(wanted, room, viewport.height - 2 * MARGIN);
  const top = flip ? field.top - GAP - height : field.bottom + GAP;
  return {
    left,
    width,
    top: clamp(top, MARGIN, viewport.height - MARGIN - height),
    maxHeight: height,
    above: flip,
  };
}

// The menu's place while it is open (``open`` changes whenever its rows do), kept
// right when the page scrolls or the window is resized. Null until measured.
export function useMenuPlacement(open, anchorRef, menuRef) {
  const [place, setPlace] = useState(null);
  useLayoutEffect(() => {
    if (!open) return undefined;
    const update = () => {
      if (!anchorRef.current || !menuRef.current) return;
      const menu = menuRef.current;
      const borders = menu.offsetHeight - menu.clientHeight;
      const viewport = { width: window.innerWidth, height: window.innerHeight };
      const field = anchorRef.current.getBoundingClientRect();
      setPlace(placeMenu(field, viewport, menu.scrollHeight + borders));
    };
    update();
    window.addEventListener("resize", update);
    window.addEventListener("scroll", update, true); // any scrolling ancestor
    return () => {
      window.removeEventListener("resize", update);
      window.removeEventListener("scroll", update, true);
    };
  }, [open, anchorRef, menuRef]);
  return open ? place : null;
}
