// The task list: filters and search, loading the tasks (announcing status changes), and
// rendering the rows with their Execute buttons while keeping keyboard focus in place.

import { execute } from "./actions.js";
import { api } from "./api.js";
import { handleError } from "./connection.js";
import { executeButton, isExecutable } from "./detail.js";
import { h, PRIORITY_LABELS, replaceChildren, statusBadge, STATUS_LABELS, timeAgo, TYPE_LABELS } from "./dom.js";
import { announce } from "./messages.js";
import { $, state } from "./state.js";

function filters() {
  return {
    status: $("filter-status").value,
    type: $("filter-type").value,
    query: $("search").value.trim().toLowerCase(),
    subtasks: $("filter-subtasks").checked,
  };
}

export async function loadTasks() {
  const f = filters();
  const data = await api.listTasks({ status: f.status, type: f.type, topLevel: !f.subtasks });
  const changed = [];
  for (const task of data.tasks) {
    const before = state.statuses.get(task.id);
    if (before && before !== task.execution_status) changed.push(task);
    state.statuses.set(task.id, task.execution_status);
    state.titles.set(task.id, task.title);
  }
  state.tasks = data.tasks;
  if (changed.length) {
    announce(changed.map((t) => `“${t.title}” is now ${STATUS_LABELS[t.execution_status]}.`).join(" "));
  }
  renderTasks(new Set(changed.map((t) => t.id)));
}

function visibleTasks() {
  const { query } = filters();
  if (!query) return state.tasks;
  return state.tasks.filter((t) => `${t.title}\n${t.description}`.toLowerCase().includes(query));
}

function taskItem(task, flash) {
  const running = state.running.has(task.id);
  const selected = task.id === state.selectedId;
  const meta = [
    TYPE_LABELS[task.execution_type],
    PRIORITY_LABELS[task.priority] ? `${PRIORITY_LABELS[task.priority]} priority` : null,
    timeAgo(task.created_at),
  ].filter(Boolean);
  return h(
    "li",
    {
      class: `task-item priority-${task.priority}${selected ? " is-selected" : ""}${flash ? " flash" : ""}`,
      dataset: { id: task.id, status: task.execution_status },
    },
    h(
      "a",
      {
        class: "task-open",
        href: `#task/${task.id}`,
        "aria-current": selected ? "true" : false,
      },
      h("span", { class: "task-title", text: task.title }),
      h(
        "span",
        { class: "task-meta" },
        task.parent_task_id ? h("span", { class: "chip tiny", text: "Subtask" }) : null,
        meta.join(" · "),
      ),
    ),
    h("div", { class: "task-side" }, statusBadge(task.execution_status), isExecutable(task) ? executeButton(task, running, execute, { compact: true }) : null),
  );
}

export function renderTasks(flashIds = new Set()) {
  const tasks = visibleTasks();
  const sig = JSON.stringify([
    tasks.map((t) => [t.id, t.version, t.execution_status, t.updated_at]),
    [...state.running],
    state.selectedId,
    filters().query,
  ]);
  if (sig === state.listSig && !flashIds.size) return;
  state.listSig = sig;
  const list = $("task-list");
  const focused = document.activeElement;
  const focusKey = list.contains(focused)
    ? [focused.closest("[data-id]")?.dataset.id, focused.classList.contains("execute") ? "execute" : "open"]
    : null;
  replaceChildren(list, tasks.map((t) => taskItem(t, flashIds.has(t.id))));
  if (focusKey && focusKey[0]) {
    const item = list.querySelector(`[data-id="${CSS.escape(focusKey[0])}"]`);
    const target = item && (item.querySelector(focusKey[1] === "execute" ? ".execute" : ".task-open") || item.querySelector(".task-open"));
    if (target) target.focus({ preventScroll: true });
  }
  const empty = $("tasks-empty");
  empty.hidden = tasks.length > 0;
  if (!tasks.length) {
    empty.textContent = state.tasks.length
      ? "No task matches your search."
      : filters().status || filters().type
        ? "No tasks with these filters."
        : "No tasks yet. Add one above and press Execute.";
  }
  const running = state.tasks.filter((t) => t.execution_status === "in_progress").length;
  $("task-count").textContent =
    `${tasks.length} shown` + (running ? ` · ${running} running` : "");
}

export function wireFilters() {
  let searchTimer = null;
  $("search").addEventListener("input", () => {
    window.clearTimeout(searchTimer);
    searchTimer = window.setTimeout(() => renderTasks(), 120);
  });
  for (const id of ["filter-status", "filter-type", "filter-subtasks"]) {
    $(id).addEventListener("change", () => loadTasks().catch((e) => handleError(e, "Loading tasks")));
  }
  $("filters").addEventListener("submit", (event) => event.preventDefault());
}
