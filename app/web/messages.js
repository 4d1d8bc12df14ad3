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

export function toast(text, kind = "info") {
  // A message already on screen (say, the server is down on every poll) is not repeated.
  for (const shown of $("toasts").children) if (shown.firstElementChild.textContent === text) return;
  const item = h(
    "div",
    { class: `toast toast-${kind}`, role: kind === "error" ? "alert" : "status" },
    h("span", { text }),
    h("button", { type: "button", class: "toast-close", "aria-label": "Dismiss", onclick: () => item.remove() }, "×"),
  );
  const region = $("toasts");
  region.appendChild(item);
  while (region.children.length > 2) region.firstElementChild.remove(); // the newest two
  window.setTimeout(() => item.remove(), kind === "error" ? 9000 : 6000);
}
