// Creating a task (the form and its type hint) and executing one, with the outcome as a toast.

import { api, ApiError } from "./api.js";
import { handleError } from "./connection.js";
import { refresh, rerender, schedule } from "./live.js";
import { announce, outcomeKind, outcomeMessage, toast } from "./messages.js";
import { select } from "./selection.js";
import { $, state } from "./state.js";
import { loadTasks } from "./tasklist.js";

/** The layout where the detail stands beside the list (style.css: above 880 px). */
const SIDE_BY_SIDE = "(min-width: 881px)";

const TYPE_HINTS = {
  "": "The AI picks who does it; anything it would send waits for your approval.",
  fully_automated: "The AI does it on its own.",
  semi_automated: "The AI prepares it; nothing is sent until you approve.",
  manual: "A person does it; Delegate keeps track.",
};

export function wireCreateForm() {
  const form = $("create-form");
  const showHint = () => {
    $("type-hint").textContent = TYPE_HINTS[$("task-type").value];
  };
  $("task-type").addEventListener("change", showHint);
  form.addEventListener("reset", () => window.setTimeout(showHint));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const title = $("task-title").value.trim();
    const error = $("create-error");
    if (!title) {
      error.textContent = "Give the task a title: what should be done?";
      $("task-title").setAttribute("aria-invalid", "true");
      $("task-title").focus();
      return;
    }
    $("task-title").removeAttribute("aria-invalid");
    error.textContent = "";
    const button = form.querySelector("button[type=submit]");
    button.disabled = true;
    try {
      const task = await api.createTask({
        title,
        description: $("task-description").value.trim(),
        // Unset when the person lets the AI decide: the API stores no type until it classifies.
        ...($("task-type").value ? { execution_type: $("task-type").value } : {}),
        priority: $("task-priority").value,
      });
      form.reset();
      $("task-priority").value = "medium";
      $("more-options").open = false;
      announce(`Added “${task.title}”.`);
      await loadTasks();
      // Side by side, the new task opens beside the list; on a phone the page stays where it
      // is (no jump to a detail far below), ready for the next one.
      if (window.matchMedia(SIDE_BY_SIDE).matches) select(task.id);
      else $("task-title").focus();
    } catch (err) {
      if (err instanceof ApiError && err.status === 401) handleError(err);
      else error.textContent = err.message;
    } finally {
      button.disabled = false;
    }
  });
}

export async function execute(taskId) {
  if (state.running.has(taskId)) return;
  state.running.add(taskId);
  const title = state.titles.get(taskId) || "Task";
  announce(`Running “${title}”.`);
  rerender();
  schedule(0); // poll right away, then every 2 s while it runs
  try {
    const outcome = await api.execute(taskId);
    // A blocked task answers success: false (the spec's shape) but is handed to a person, not
    // broken; a paused one waits for a person: neither is a success.
    toast(outcomeMessage(`“${title}”:`, outcome), outcomeKind(outcome), taskId);
  } catch (error) {
    handleError(error, `Could not run “${title}”`);
  } finally {
    state.running.delete(taskId);
    await refresh();
  }
}

