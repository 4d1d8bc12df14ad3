// The selected task: #task/ID links and history, loading it with its subtask tree and feedback,
// and showing it in the detail pane (rendered by detail.js) with focus where the person expects.

import { execute } from "./actions.js";
import { api, ApiError } from "./api.js";
import { handleError } from "./connection.js";
import { renderDetail } from "./detail.js";
import { replaceChildren } from "./dom.js";
import { reviewApproval } from "./inbox.js";
import { refresh } from "./live.js";
import { dismissToast, outcomeKind, outcomeMessage, toast } from "./messages.js";
import { $, prefersReducedMotion, state } from "./state.js";
import { renderTasks } from "./tasklist.js";

const MAX_TREE_DEPTH = 4;

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

export async function loadDetail() {
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

/** A person's action on a task (mark done, retry): the outcome as a toast, then fresh views. */
async function personAct(taskId, work, verb) {
  const title = state.titles.get(taskId) || "Task";
  const outcome = await work(); // an error stays in the form that asked
  dismissToast(taskId);
  toast(outcomeMessage(`${verb} “${title}”.`, outcome), outcomeKind(outcome), taskId);
  state.detailSig = "";
  await refresh();
}

function treeSig(nodes) {
  return nodes.map((n) => [n.task.id, n.task.execution_status, n.task.version, treeSig(n.children)]);
}

export function renderDetailView() {
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
      onComplete: (taskId, result) => personAct(taskId, () => api.complete(taskId, result), "Marked done"),
      onRetry: (taskId, note) => personAct(taskId, () => api.retry(taskId, note), "Ran again with your note:"),
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

export function select(taskId, { focus = true } = {}) {
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
  // Focus moves to the new detail, unless the person is already at work in it (a slow load
  // must not pull focus out of what they are typing or choosing).
  const working = $("detail-body").contains(document.activeElement);
  if (focus && changed && state.selectedId === taskId && !working) {
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

export function selectFromHash() {
  const match = /^#task\/([A-Za-z0-9_-]+)$/.exec(window.location.hash);
  if (match) openDetail(match[1], true);
  else if (state.selectedId) closeDetail();
}
