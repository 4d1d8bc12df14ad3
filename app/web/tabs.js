// The views of the left column: the task list (first), the approvals inbox with its count as a
// badge, and what Delegate learned, as tabs. Arrow keys move between the tabs.

import { loadLearned } from "./learned.js";
import { $ } from "./state.js";

const TABS = { tasks: "tab-tasks", inbox: "tab-inbox", learned: "tab-learned" };
const ORDER = Object.keys(TABS);

/** Show one view ("tasks", "inbox" or "learned"); `focus` moves keyboard focus to its tab. */
export function showTab(name, { focus = false } = {}) {
  for (const [panel, tabId] of Object.entries(TABS)) {
    const selected = panel === name;
    const tab = $(tabId);
    tab.setAttribute("aria-selected", String(selected));
    tab.tabIndex = selected ? 0 : -1;
    $(panel).hidden = !selected;
  }
  if (name === "learned") loadLearned();
  if (focus) $(TABS[name]).focus();
}

export function wireTabs() {
  for (const [panel, id] of Object.entries(TABS)) {
    $(id).addEventListener("click", () => showTab(panel));
    $(id).addEventListener("keydown", (event) => {
      if (event.key !== "ArrowLeft" && event.key !== "ArrowRight") return;
      event.preventDefault();
      const step = event.key === "ArrowRight" ? 1 : ORDER.length - 1;
      showTab(ORDER[(ORDER.indexOf(panel) + step) % ORDER.length], { focus: true });
    });
  }
}
