// The approvals inbox: loading pending approvals, keeping their cards (edits in progress survive
// polls), approve/reject requests, and taking the person to a task's card.

import { api } from "./api.js";
import { approvalCard } from "./approvals.js";
import { refresh, rerender, schedule } from "./live.js";
import { dismissToast, outcomeKind, outcomeMessage, toast } from "./messages.js";
import { select } from "./selection.js";
import { $, prefersReducedMotion, state } from "./state.js";
import { showTab } from "./tabs.js";

async function decide(taskId, work, verb) {
  const title = state.titles.get(taskId) || "Task";
  state.running.add(taskId);
  rerender();
  schedule(0);
  try {
    const outcome = await work();
    dismissToast(taskId); // the "waiting for your approval" notice is answered
    toast(outcomeMessage(`${verb} “${title}”.`, outcome), outcomeKind(outcome));
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

export async function loadInbox() {
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
  // Newest first, as the API lists them (moving a card keeps what is typed in it).
  state.inbox.forEach((item, index) => {
    const card = state.inboxCards.get(item.task_id);
    if (list.children[index] !== card) list.insertBefore(card, list.children[index] || null);
  });
  const count = state.inbox.length;
  $("inbox-count").textContent = String(count);
  $("inbox-count").setAttribute("aria-label", `${count} waiting`);
  $("tab-inbox").classList.toggle("has-items", count > 0);
  $("inbox-empty").hidden = count > 0;
}

export function reviewApproval(taskId) {
  const card = state.inboxCards.get(taskId);
  if (!card) return;
  showTab("inbox");
  card.scrollIntoView({ behavior: prefersReducedMotion() ? "auto" : "smooth", block: "center" });
  const button = card.querySelector("button.primary");
  if (button) button.focus({ preventScroll: true });
}
