// The two views of the left column: the task list (first) and the approvals inbox, as tabs
// with the inbox's count as a badge. Arrow keys move between the tabs.

import { $ } from "./state.js";

const TABS = { tasks: "tab-tasks", inbox: "tab-inbox" };

/** Show one view ("tasks" or "inbox"); `focus` moves keyboard focus to its tab. */
export function showTab(name, { focus = false } = {}) {
  for (const [panel, tabId] of Object.entries(TABS)) {
    const selected = panel === name;
    const tab = $(tabId);
    tab.setAttribute("aria-selected", String(selected));
    tab.tabIndex = selected ? 0 : -1;
    $(panel).hidden = !selected;
  }
  if (focus) $(TABS[name]).focus();
}

export function wireTabs() {
  $("tab-tasks").addEventListener("click", () => showTab("tasks"));
  $("tab-inbox").addEventListener("click", () => showTab("inbox"));
  for (const id of Object.values(TABS)) {
    $(id).addEventListener("keydown", (event) => {
      if (event.key !== "ArrowLeft" && event.key !== "ArrowRight") return;
      event.preventDefault();
      showTab(id === TABS.tasks ? "inbox" : "tasks", { focus: true });
    });
  }
}
