// Delegate's web page: key entry, task list with filters and search, create, execute, detail,
// approvals inbox, feedback, and live status by polling the API (every 2 s while work runs).

import { api, ApiError, forgetKey, storedKey, storeKey } from "./api.js";
import { approvalCard } from "./approvals.js";
import { executeButton, isExecutable, renderDetail } from "./detail.js";
import { h, PRIORITY_LABELS, replaceChildren, statusBadge, STATUS_LABELS, timeAgo, TYPE_LABELS } from "./dom.js";

const FAST_POLL_MS = 2000; // while something runs
const SLOW_POLL_MS = 10000; // otherwise: still notice work started elsewhere
const MAX_TREE_DEPTH = 4;

const $ = (id) => document.getElementById(id);

const state = {
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

// --- messages --------------------------------------------------------------------------------

function announce(text) {
  const region = $("announcer");
  region.textContent = "";
  // A fresh text node in a cleared region is read out even when the words repeat.
  window.requestAnimationFrame(() => {
    region.textContent = text;
  });
}

function toast(text, kind = "info") {
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

function handleError(error, where) {
  if (error instanceof ApiError && error.status === 401) {
    showKeyPanel("That API key is not accepted any more. Paste a current one.");
    return;
  }
  toast(where ? `${where}: ${error.message}` : error.message, "error");
}

// --- API key ---------------------------------------------------------------------------------

function showKeyPanel(message = "") {
  state.connected = false;
  stopPolling();
  $("main").hidden = true;
  $("change-key").hidden = true;
  $("live").hidden = true;
  $("key-panel").hidden = false;
  $("key-error").textContent = message;
  $("api-key").value = "";
  $("api-key").focus();
}

async function connect(key) {
  await api.checkKey(key);
  storeKey(key);
  state.connected = true;
  $("key-panel").hidden = true;
  $("main").hidden = false;
  $("change-key").hidden = false;
  $("live").hidden = false;
  await refresh();
  selectFromHash();
}

function wireKeyPanel() {
  $("key-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const key = $("api-key").value.trim();
    if (!key) {
      $("key-error").textContent = "Paste the key that `delegate init` or `delegate keys create` printed.";
      return;
    }
    $("key-error").textContent = "Checking…";
    try {
      await connect(key);
      $("key-error").textContent = "";
      toast("Connected. Your key is saved in this browser.");
    } catch (error) {
      $("key-error").textContent =
        error instanceof ApiError && error.status === 401
          ? "That key was not accepted. Check it, or create a new one with `delegate keys create --org NAME`."
          : error.message;
    }
  });
  $("change-key").addEventListener("click", () => {
    forgetKey();
    showKeyPanel("Paste another organization's key, or the same one again.");
  });
}

// --- task list -------------------------------------------------------------------------------

function filters() {
  return {
    status: $("filter-status").value,
    type: $("filter-type").value,
    query: $("search").value.trim().toLowerCase(),
    subtasks: $("filter-subtasks").checked,
  };
}

async function loadTasks() {
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

function renderTasks(flashIds = new Set()) {
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

function wireFilters() {
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

// --- create and execute ----------------------------------------------------------------------

const TYPE_HINTS = {
  fully_automated: "The AI does it on its own.",
  semi_automated: "The AI prepares it; nothing is sent until you approve.",
  manual: "A person does it; Delegate keeps track.",
};

function wireCreateForm() {
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
        execution_type: $("task-type").value,
        priority: $("task-priority").value,
      });
      form.reset();
      $("task-priority").value = "medium";
      announce(`Added “${task.title}”.`);
      await loadTasks();
      select(task.id);
    } catch (err) {
      if (err instanceof ApiError && err.status === 401) handleError(err);
      else error.textContent = err.message;
    } finally {
      button.disabled = false;
    }
  });
}

async function execute(taskId) {
  if (state.running.has(taskId)) return;
  state.running.add(taskId);
  const title = state.titles.get(taskId) || "Task";
  announce(`Running “${title}”.`);
  rerender();
  schedule(0); // poll right away, then every 2 s while it runs
  try {
    const outcome = await api.execute(taskId);
    toast(outcomeMessage(title, outcome), outcome.success ? "success" : "error");
  } catch (error) {
    handleError(error, `Could not run “${title}”`);
  } finally {
    state.running.delete(taskId);
    await refresh();
  }
}

function outcomeMessage(title, outcome) {
  const parts = [`“${title}”: ${outcome.message || (outcome.success ? "done" : "failed")}`];
  if (outcome.reason && !outcome.success) parts.push(outcome.reason);
  else if (outcome.reason && outcome.strategy === "blocked") parts.push(outcome.reason);
  return parts.join(". ");
}

// --- approvals -------------------------------------------------------------------------------

async function decide(taskId, work, verb) {
  const title = state.titles.get(taskId) || "Task";
  state.running.add(taskId);
  rerender();
  schedule(0);
  try {
    const outcome = await work();
    toast(`${verb} “${title}”. ${outcome.message || ""}`.trim(), "success");
  } finally {
    state.running.delete(taskId);
    await refresh();
  }
}

const approvalHandlers = {
  onApprove: (taskId, edited) => decide(taskId, () => api.approve(taskId, edited), edited ? "Approved your edited version of" : "Approved"),
  onReject: (taskId, reason) => decide(taskId, () => api.reject(taskId, reason), "Rejected the action of"),
  onOpen: (taskId) => select(taskId),
};

async function loadInbox() {
  const data = await api.approvals();
  state.inbox = data.approvals;
  for (const item of data.approvals) state.titles.set(item.task_id, item.title);
  renderInbox();
}

function renderInbox() {
  const list = $("inbox-list");
  const ids = new Set(state.inbox.map((item) => item.task_id));
  for (const [id, card] of state.inboxCards) {
    if (!ids.has(id)) {
      card.remove();
      state.inboxCards.delete(id);
    }
  }
  for (const item of state.inbox) {
    const key = item.task_id;
    const payloadKey = JSON.stringify(item.approval);
    const existing = state.inboxCards.get(key);
    if (existing && existing.dataset.payload === payloadKey) continue;
    const card = approvalCard(item, approvalHandlers);
    card.dataset.payload = payloadKey;
    if (existing) existing.replaceWith(card);
    else list.appendChild(card);
    state.inboxCards.set(key, card);
  }
  const count = state.inbox.length;
  $("inbox-count").textContent = String(count);
  $("inbox-count").setAttribute("aria-label", `${count} waiting`);
  $("inbox").classList.toggle("has-items", count > 0);
  $("inbox-empty").hidden = count > 0;
}

function reviewApproval(taskId) {
  const card = state.inboxCards.get(taskId);
  if (!card) return;
  card.scrollIntoView({ behavior: prefersReducedMotion() ? "auto" : "smooth", block: "center" });
  const button = card.querySelector("button.primary");
  if (button) button.focus({ preventScroll: true });
}

// --- detail ----------------------------------------------------------------------------------

async function loadTree(subtasks, depth = 1) {
  if (!subtasks.length || depth > MAX_TREE_DEPTH) return subtasks.map((task) => ({ task, children: [] }));
  return Promise.all(
    subtasks.map(async (task) => {
      const children = await api.listTasks({ parentId: task.id, limit: 100 });
      // Oldest first, like the parent's own subtask list.
      const ordered = [...children.tasks].reverse();
      return { task, children: await loadTree(ordered, depth + 1) };
    }),
  );
}

async function loadDetail() {
  const id = state.selectedId;
  if (!id) return;
  let task;
  try {
    task = await api.getTask(id);
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) {
      toast("That task no longer exists.", "error");
      closeDetail();
      return;
    }
    throw error;
  }
  const [tree, feedback] = await Promise.all([
    loadTree(task.subtasks || []),
    ["completed", "failed"].includes(task.execution_status)
      ? api.feedback(id).then((d) => d.feedback)
      : Promise.resolve([]),
  ]);
  if (state.selectedId !== id) return; // another task was picked meanwhile
  state.titles.set(task.id, task.title);
  state.detail = { task, tree, feedback };
  renderDetailView();
}

function treeSig(nodes) {
  return nodes.map((n) => [n.task.id, n.task.execution_status, n.task.version, treeSig(n.children)]);
}

function renderDetailView() {
  if (!state.detail) return;
  const { task, tree, feedback } = state.detail;
  const pendingApproval = state.inboxCards.has(task.id);
  const running = state.running.has(task.id);
  const sig = JSON.stringify([task.id, task.version, task.updated_at, treeSig(tree), feedback.map((f) => f.id), pendingApproval, running]);
  if (sig === state.detailSig) return;
  state.detailSig = sig;
  const body = $("detail-body");
  const hadFocus = body.contains(document.activeElement) ? document.activeElement : null;
  const focusedExecute = hadFocus && hadFocus.classList.contains("execute");
  renderDetail(
    body,
    { task, tree, feedback, pendingApproval, running, parentTitle: state.titles.get(task.parent_task_id) },
    {
      onExecute: execute,
      onOpen: (taskId) => select(taskId),
      onReview: reviewApproval,
      onBack: closeDetail,
      onFeedback: async (taskId, rating, comment) => {
        await api.addFeedback(taskId, rating, comment);
        toast("Thank you: your feedback is saved.", "success");
        state.detailSig = "";
        await loadDetail();
      },
    },
  );
  $("detail-empty").hidden = true;
  $("detail").setAttribute("aria-labelledby", "detail-title");
  $("detail").classList.add("has-task");
  if (hadFocus) {
    const again = focusedExecute ? body.querySelector(".execute") : null;
    (again || $("detail-title")).focus({ preventScroll: true });
  }
}

function select(taskId, { focus = true } = {}) {
  if (window.location.hash !== `#task/${taskId}`) {
    history.pushState(null, "", `#task/${taskId}`);
  }
  openDetail(taskId, focus);
}

async function openDetail(taskId, focus) {
  const changed = state.selectedId !== taskId;
  state.selectedId = taskId;
  state.detailSig = changed ? "" : state.detailSig;
  $("detail").setAttribute("aria-busy", "true");
  renderTasks();
  try {
    await refresh(); // the list too: the task may be new since the last poll
  } catch (error) {
    handleError(error, "Loading the task");
  } finally {
    $("detail").setAttribute("aria-busy", "false");
  }
  if (focus && changed && state.selectedId === taskId) {
    const title = $("detail-title");
    if (title) {
      const narrow = window.matchMedia("(max-width: 880px)").matches;
      title.focus({ preventScroll: !narrow });
      if (narrow) $("detail").scrollIntoView({ behavior: prefersReducedMotion() ? "auto" : "smooth" });
    }
  }
}

function closeDetail() {
  const previous = state.selectedId;
  state.selectedId = null;
  state.detail = null;
  state.detailSig = "";
  replaceChildren($("detail-body"));
  $("detail-empty").hidden = false;
  $("detail").setAttribute("aria-labelledby", "detail-title-empty");
  $("detail").classList.remove("has-task");
  if (window.location.hash) history.pushState(null, "", window.location.pathname);
  renderTasks();
  const item = previous && $("task-list").querySelector(`[data-id="${CSS.escape(previous)}"] .task-open`);
  if (item) item.focus();
}

function selectFromHash() {
  const match = /^#task\/([A-Za-z0-9_-]+)$/.exec(window.location.hash);
  if (match) openDetail(match[1], true);
  else if (state.selectedId) closeDetail();
}

// --- live updates ----------------------------------------------------------------------------

function rerender() {
  renderTasks();
  renderDetailView();
}

function busy() {
  return state.running.size > 0 || state.tasks.some((t) => t.execution_status === "in_progress") ||
    (state.detail && state.detail.task.execution_status === "in_progress");
}

function refresh() {
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
    const active = Boolean(busy());
    $("live-text").textContent = active ? "Updating live" : "Up to date";
    $("live").classList.toggle("is-busy", active);
  } catch (error) {
    handleError(error);
  }
}

function schedule(delay) {
  stopPolling();
  if (!state.connected || document.hidden) return;
  const wait = delay ?? (busy() ? FAST_POLL_MS : SLOW_POLL_MS);
  state.timer = window.setTimeout(refresh, wait);
}

function stopPolling() {
  if (state.timer !== null) window.clearTimeout(state.timer);
  state.timer = null;
}

function prefersReducedMotion() {
  return window.matchMedia("(prefers-reduced-motion: reduce)").matches;
}

// --- start -----------------------------------------------------------------------------------

function start() {
  wireKeyPanel();
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
