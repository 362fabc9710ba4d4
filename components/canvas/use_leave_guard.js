// Leaving with changes the server has not saved yet: send them, and ask first when
// the page itself is left. A canvas that unmounts (another page) sends them too.
import { useEffect } from "react";
import { useLatest } from "./use_latest.js";

export function useLeaveGuard(dirty, store) {
  const dirtyRef = useLatest(Boolean(dirty));
  useEffect(() => {
    const warn = (event) => {
      if (!dirtyRef.current && !store.unsentRef.current) return;
      store.flush();
      event.preventDefault();
      event.returnValue = "";
    };
    window.addEventListener("beforeunload", warn);
    return () => window.removeEventListener("beforeunload", warn);
  }, [store, dirtyRef]);

  useEffect(() => () => store.flush(), [store]);
}
