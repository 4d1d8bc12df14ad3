// What the page's modules share: one state object, element lookup by id, and the visitor's
// reduced-motion preference.

export const $ = (id) => document.getElementById(id);

export const state = {
  tasks: [],
  statuses: new Map(), // task id -> last status seen, to announce changes
  titles: new Map(),
  running: new Set(), // task ids with an execute/approve/reject request in flight
  selectedId: null,
  detail: null, // {task, tree, feedback}
  detailSig: "",
  listSig: "",
  inbox: [],
  inboxCards: new Map(), // task id -> card element (kept across polls: edits survive)
  timer: null,
  refreshing: null,
  refreshAgain: false,
  connected: false,
};

export function prefersReducedMotion() {
  return window.matchMedia("(prefers-reduced-motion: reduce)").matches;
}
