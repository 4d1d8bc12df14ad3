// Live status: one refresh at a time of the list, the inbox and the open task, polled every
// 2 s while work runs and every 10 s otherwise.

import { handleError } from "./connection.js";
import { loadInbox } from "./inbox.js";
import { loadLearned } from "./learned.js";
import { loadDetail, renderDetailView } from "./selection.js";
import { $, state } from "./state.js";
import { loadTasks, renderTasks } from "./tasklist.js";

const FAST_POLL_MS = 2000; // while something runs
const SLOW_POLL_MS = 10000; // otherwise: still notice work started elsewhere

export function rerender() {
  renderTasks();
  renderDetailView();
}

function busy() {
  return state.running.size > 0 || state.tasks.some((t) => t.execution_status === "in_progress") ||
    (state.detail && state.detail.task.execution_status === "in_progress");
}

export function refresh() {
  if (!state.connected) return Promise.resolve();
  if (state.refreshing) {
    // Something changed while a refresh was reading: read once more when it is done.
    state.refreshAgain = true;
    return state.refreshing;
  }
  state.refreshing = (async () => {
    do {
      state.refreshAgain = false;
      await refreshOnce();
    } while (state.refreshAgain && state.connected);
    state.refreshing = null;
    schedule();
  })();
  return state.refreshing;
}

async function refreshOnce() {
  try {
    // The inbox before the detail: the detail shows whether its task waits for approval.
    await Promise.all([loadTasks(), loadInbox()]);
    await loadDetail();
    if (!$("learned").hidden) await loadLearned();
    const active = Boolean(busy());
    $("live-text").textContent = active ? "Updating live" : "Up to date";
    $("live").classList.toggle("is-busy", active);
    $("live").classList.remove("is-offline");
  } catch (error) {
    // The last good view stays on screen, but it is not current: say so until the server answers.
    $("live-text").textContent = "Offline: retrying";
    $("live").classList.remove("is-busy");
    $("live").classList.add("is-offline");
    handleError(error);
  }
}

export function schedule(delay) {
  stopPolling();
  if (!state.connected || document.hidden) return;
  const wait = delay ?? (busy() ? FAST_POLL_MS : SLOW_POLL_MS);
  state.timer = window.setTimeout(refresh, wait);
}

export function stopPolling() {
  if (state.timer !== null) window.clearTimeout(state.timer);
  state.timer = null;
}
