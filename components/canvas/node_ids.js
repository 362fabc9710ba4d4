// Fresh node ids for new and copied nodes, valid for the agentflow/v1 format
// (`[a-z][a-z0-9_]{0,63}`, unique in the document).
const VALID = /^[a-z][a-z0-9_]*$/;
// Room left for the "_<n>" suffix within the 64 characters an id may have.
const MAX_BASE = 56;

// `base_1`, `base_2`, ...: the first not in `taken`. A copy of `llm_2` is based on
// `llm`, so copies read `llm_3` rather than `llm_2_1`.
export function uniqueId(base, taken) {
  let stem = String(base || "").replace(/_\d+$/, "");
  if (!VALID.test(stem)) stem = "node";
  stem = stem.slice(0, MAX_BASE);
  let n = 1;
  while (taken.has(`${stem}_${n}`)) n += 1;
  return `${stem}_${n}`;
}
