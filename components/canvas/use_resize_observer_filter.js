// React Flow's ResizeObserver can report "ResizeObserver loop completed with
// undelivered notifications", a benign browser warning that carries no error
// object, which Reflex's window.onerror reporter fails on: answer it here.
import { useEffect } from "react";

export function useResizeObserverFilter() {
  useEffect(() => {
    const reporter = window.onerror;
    window.onerror = function onerror(message, source, line, column, error) {
      if (!error && String(message).startsWith("ResizeObserver loop")) return true;
      return reporter ? reporter.call(this, message, source, line, column, error) : false;
    };
    return () => {
      window.onerror = reporter;
    };
  }, []);
}
