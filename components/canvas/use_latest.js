// The latest value of something that changes between renders (a Reflex event
// handler, a flag), for callbacks and window listeners that must keep one identity.
// It is updated in a layout effect, before any effect or later event reads it.
import { useLayoutEffect, useRef } from "react";

export function useLatest(value) {
  const ref = useRef(value);
  useLayoutEffect(() => {
    ref.current = value;
  });
  return ref;
}
