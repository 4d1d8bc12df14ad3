// What a person can do with a task the AI cannot finish: mark it done with what they did, or
// run a blocked task again with a note for the model (POST /api/tasks/{id}/complete|retry).

import { h, section } from "./dom.js";

/** Whether a person can mark the task done now (the API's rule: manual, blocked or paused). */
export function canMarkDone(task) {
  const status = task.execution_status;
  if (status === "blocked" || status === "paused") return true;
  return task.execution_type === "manual" && (status === "pending" || status === "queued");
}

export function canRetry(task) {
  return task.execution_status === "blocked";
}

/** One action that opens a small form: a text field and a confirm button. */
function noteAction({ label, field, placeholder, confirm, required, onSubmit }) {
  const id = `person-${field}`;
  const status = h("p", { class: "approval-status", role: "status", "aria-live": "polite" });
  const input = h("textarea", { id, name: field, rows: 2, placeholder });
  input.addEventListener("input", () => (status.textContent = ""));
  const form = h(
    "form",
    { class: "person-form", hidden: true, dataset: { action: field } },
    h("label", { for: id, text: label }),
    input,
    h(
      "div",
      { class: "button-row" },
      h("button", { type: "submit", class: "primary small", text: confirm }),
      h("button", { type: "button", class: "ghost small", text: "Cancel", onclick: () => close() }),
    ),
    status,
  );
  const opener = h("button", { type: "button", class: "secondary", text: confirm, onclick: () => open() });
  function open() {
    form.hidden = false;
    opener.hidden = true;
    input.focus();
  }
  function close() {
    form.hidden = true;
    opener.hidden = false;
    status.textContent = "";
    opener.focus();
  }
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const text = input.value.trim();
    if (required && !text) {
      status.textContent = required;
      input.focus();
      return;
    }
    form.querySelectorAll("button, textarea").forEach((el) => (el.disabled = true));
    status.textContent = "Saving…";
    try {
      await onSubmit(text);
    } catch (error) {
      form.querySelectorAll("button, textarea").forEach((el) => (el.disabled = false));
      status.textContent = error.message;
    }
  });
  return h("div", { class: "person-action" }, opener, form);
}

/** The "Your turn" section, or null when a person has nothing to do here. */
export function personSection(task, { onComplete, onRetry }) {
  const done = canMarkDone(task);
  const retry = canRetry(task);
  if (!done && !retry) return null;
  return section(
    "person-title",
    "Your turn",
    h("div", { class: "person-actions" },
      retry
        ? noteAction({
            label: "What should it know this time?",
            field: "note",
            placeholder: "e.g. Use maria@example.com instead; John has left",
            confirm: "Retry with a note",
            required: "Write a note: it is what the AI gets to go on this time.",
            onSubmit: (note) => onRetry(task.id, note),
          })
        : null,
      done
        ? noteAction({
            label: "What did you do? (optional)",
            field: "result",
            placeholder: "e.g. Called John and thanked him",
            confirm: "Mark done",
            required: "",
            onSubmit: (result) => onComplete(task.id, result),
          })
        : null,
    ),
  );
}
