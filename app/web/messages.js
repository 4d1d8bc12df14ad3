// Messages to the person: screen-reader announcements of status changes and toasts for action
// results.

import { h } from "./dom.js";
import { $ } from "./state.js";

export function announce(text) {
  const region = $("announcer");
  region.textContent = "";
  // A fresh text node in a cleared region is read out even when the words repeat.
  window.requestAnimationFrame(() => {
    region.textContent = text;
  });
}

/**
 * A toast: kind is info, success, waiting (a person's turn: amber) or error. `key` (a task id)
 * lets a later answer take it away with dismissToast.
 */
export function toast(text, kind = "info", key = "") {
  // A message already on screen (say, the server is down on every poll) is not repeated.
  for (const shown of $("toasts").children) if (shown.firstElementChild.textContent === text) return;
  const item = h(
    "div",
    { class: `toast toast-${kind}`, role: kind === "error" ? "alert" : "status", dataset: { key } },
    h("span", { text }),
    h("button", { type: "button", class: "toast-close", "aria-label": "Dismiss", onclick: () => item.remove() }, "×"),
  );
  const region = $("toasts");
  region.appendChild(item);
  while (region.children.length > 2) region.firstElementChild.remove(); // the newest two
  window.setTimeout(() => item.remove(), kind === "error" ? 9000 : 6000);
}

export function dismissToast(key) {
  for (const shown of [...$("toasts").children]) if (shown.dataset.key === key) shown.remove();
}

/** A run's outcome in one line: what happened, and why when it was not done. */
export function outcomeMessage(lead, outcome) {
  const said = outcome.status === "paused" && outcome.approval
    ? "It is waiting for your approval."
    : outcome.message || (outcome.success ? "Done." : "Failed.");
  return [lead, said.replace(/\.?$/, "."), outcome.reason || ""].join(" ").trim();
}

/** The colour an outcome deserves: done is success, a person's turn is waiting, a failure is an error. */
export function outcomeKind(outcome) {
  if (outcome.status === "completed") return "success";
  if (outcome.status === "failed") return "error";
  if (["paused", "blocked"].includes(outcome.status)) return "waiting";
  return outcome.success ? "info" : "error";
}
