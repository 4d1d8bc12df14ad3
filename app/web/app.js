// Delegate's web page: key entry, task list with filters and search, create, execute, detail,
// approvals inbox, feedback, and live status by polling the API (every 2 s while work runs).
// This module wires the page's events and starts it; each concern lives in its own module. The
// modules import each other's functions only to call them after start(), so the cycles among
// them are harmless.

import { wireCreateForm } from "./actions.js";
import { ApiError, storedKey } from "./api.js";
import { connect, showKeyPanel, wireKeyPanel } from "./connection.js";
import { refresh } from "./live.js";
import { select, selectFromHash } from "./selection.js";
import { $, state } from "./state.js";
import { wireTabs } from "./tabs.js";
import { wireFilters } from "./tasklist.js";

function start() {
  wireKeyPanel();
  wireTabs();
  wireFilters();
  wireCreateForm();
  window.addEventListener("popstate", selectFromHash);
  document.addEventListener("visibilitychange", () => {
    if (!document.hidden && state.connected) refresh();
  });
  // Task links are real links (#task/ID): let the router handle them without a reload.
  $("task-list").addEventListener("click", (event) => {
    const link = event.target.closest("a.task-open");
    if (!link || event.metaKey || event.ctrlKey || event.shiftKey) return;
    event.preventDefault();
    select(link.closest("[data-id]").dataset.id);
  });
  const key = storedKey();
  if (!key) {
    showKeyPanel();
    return;
  }
  connect(key).catch((error) => {
    if (error instanceof ApiError && error.status === 401) showKeyPanel("The saved key is not accepted any more. Paste a current one.");
    else showKeyPanel(error.message);
  });
}

start();
