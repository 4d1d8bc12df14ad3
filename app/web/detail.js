// The task detail: facts, readable result, pending-approval notice, subtask tree, execution
// log (rendered by timeline.js), and feedback (1-5 stars + comment) on finished tasks.

import {
  h,
  humanize,
  plainValue,
  PRIORITY_LABELS,
  replaceChildren,
  section,
  statusBadge,
  timeAgo,
  timeElement,
  TYPE_LABELS,
} from "./dom.js";
import { actionLabel } from "./approvals.js";
import { renderMarkdown } from "./markdown.js";
import { personSection } from "./person.js";
import { timelineSection } from "./timeline.js";

export const FINISHED = new Set(["completed", "failed"]);
// A blocked task is not simply run again (it would block again): "Retry with a note" runs it.
const RUNNABLE = new Set(["pending", "queued"]);

/** Whether the page offers "Execute" for a task (pending or queued, not manual). */
export function isExecutable(task) {
  return RUNNABLE.has(task.execution_status) && task.execution_type !== "manual";
}

/** An "Execute" button; `running` shows it busy while the request is in flight. */
export function executeButton(task, running, onExecute, { compact = false } = {}) {
  return h(
    "button",
    {
      type: "button",
      class: `primary execute${compact ? " small" : ""}${running ? " is-running" : ""}`,
      disabled: running,
      "aria-label": running ? `Running “${task.title}”` : `Execute “${task.title}”`,
      onclick: () => onExecute(task.id),
    },
    running ? h("span", { class: "spinner", "aria-hidden": "true" }) : null,
    running ? "Running…" : "Execute",
  );
}

function facts(task) {
  const rows = [
    ["Type", TYPE_LABELS[task.execution_type] || humanize(task.execution_type)],
    ["Priority", PRIORITY_LABELS[task.priority] || humanize(task.priority)],
    ["Created", timeElement(task.created_at)],
    task.due_date ? ["Due", timeElement(task.due_date)] : null,
    task.started_at ? ["Started", timeElement(task.started_at)] : null,
    task.completed_at ? ["Finished", timeElement(task.completed_at)] : null,
    task.failed_at && !task.completed_at ? ["Failed", timeElement(task.failed_at)] : null,
    task.ai_confidence !== null && task.ai_confidence !== undefined
      ? ["Confidence", `${Math.round(task.ai_confidence * 100)}%`]
      : null,
    task.retry_count ? ["Retries", `${task.retry_count} of ${task.max_retries}`] : null,
  ].filter(Boolean);
  return h(
    "dl",
    { class: "facts" },
    rows.map(([label, value]) => h("div", {}, h("dt", { text: label }), h("dd", {}, value))),
  );
}

/** What a done side effect was, in one line: "to john@example.com · Thank you". */
function actionSummary(action) {
  const args = action.args || {};
  const parts = [];
  for (const name of ["to", "cc", "attendees", "channel", "url"]) {
    const value = args[name];
    if (value && (!Array.isArray(value) || value.length)) parts.push(`${name === "channel" ? "in" : name === "url" ? "at" : name} ${plainValue(value)}`);
  }
  for (const name of ["subject", "summary", "start"]) if (args[name]) parts.push(String(args[name]));
  return parts.join(" · ");
}

function resultSection(task) {
  const result = task.result;
  if (!result) return null;
  // A workflow keeps its own record under its name; the output already says what it did.
  const known = ["output", "strategy", "confidence", "agent", "actions", "workflow", result.workflow];
  const extra = Object.entries(result).filter(([k, v]) => !known.includes(k) && v !== null && v !== "");
  const output = typeof result.output === "string" ? result.output : plainValue(result.output);
  const actions = Array.isArray(result.actions) ? result.actions : [];
  return section(
    "result-title",
    "Result",
    h(
      "div",
      { class: "result-meta" },
      result.strategy ? h("span", { class: "chip", text: humanize(result.strategy) }) : null,
      typeof result.confidence === "number"
        ? h("span", { class: "chip", text: `${Math.round(result.confidence * 100)}% confident` })
        : null,
      result.agent ? h("span", { class: "chip", text: `${humanize(result.agent)} agent` }) : null,
      result.workflow ? h("span", { class: "chip", text: `${humanize(result.workflow)} workflow` }) : null,
    ),
    output ? h("div", { class: "prose result-output" }, renderMarkdown(output, { baseLevel: 4 })) : null,
    actions.length
      ? h(
          "ul",
          { class: "done-actions", "aria-label": "What it did" },
          actions.map((a) =>
            h("li", {}, h("span", { class: "action-pill done", text: actionLabel(a.tool) }), h("span", { text: actionSummary(a) })),
          ),
        )
      : null,
    extra.length
      ? h(
          "dl",
          { class: "kv" },
          extra.map(([k, v]) => h("div", {}, h("dt", { text: humanize(k) }), h("dd", { text: plainValue(v) }))),
        )
      : null,
  );
}

function callouts(task, pendingApproval, onReview) {
  const out = [];
  if (pendingApproval) {
    out.push(
      h(
        "div",
        { class: "callout callout-approval" },
        h("strong", { text: "Waiting for your approval. " }),
        "The agent prepared an action and will not run it until you answer. ",
        h("button", { type: "button", class: "link", onclick: () => onReview(task.id) }, "Review it"),
      ),
    );
  }
  if (task.execution_status === "blocked" && task.blocked_reason) {
    out.push(
      h(
        "div",
        { class: "callout callout-blocked" },
        h("strong", { text: "Needs a person. " }),
        task.blocked_reason,
      ),
    );
  }
  if (task.execution_status === "failed" && task.failure_reason) {
    out.push(h("div", { class: "callout callout-failed" }, h("strong", { text: "Failed. " }), task.failure_reason));
  }
  if (task.execution_type === "manual" && !FINISHED.has(task.execution_status)) {
    out.push(
      h("div", { class: "callout" }, "This is a manual task: a person does it, so there is nothing to execute."),
    );
  }
  return out;
}

// --- subtask tree ----------------------------------------------------------------------------

function treeList(nodes, onOpen) {
  return h(
    "ul",
    { class: "tree" },
    nodes.map((node) =>
      h(
        "li",
        { class: "tree-node", dataset: { id: node.task.id, status: node.task.execution_status } },
        h(
          "div",
          { class: "tree-row" },
          h("button", { type: "button", class: "link tree-title", title: node.task.title, onclick: () => onOpen(node.task.id) }, node.task.title),
          h("span", { class: "tree-type muted", text: TYPE_LABELS[node.task.execution_type] || "" }),
          statusBadge(node.task.execution_status, "small"),
        ),
        node.children.length ? treeList(node.children, onOpen) : null,
      ),
    ),
  );
}

function subtaskSection(tree, onOpen) {
  if (!tree.length) return null;
  const all = [];
  const walk = (nodes) => nodes.forEach((n) => (all.push(n.task), walk(n.children)));
  walk(tree);
  const done = all.filter((t) => t.execution_status === "completed").length;
  return section(
    "subtasks-title",
    "Subtasks",
    h(
      "div",
      { class: "progress-line" },
      h("progress", { max: all.length, value: done, "aria-label": "Subtasks completed" }),
      h("span", { class: "muted small-text", text: `${done} of ${all.length} completed` }),
    ),
    treeList(tree, onOpen),
  );
}

// --- feedback --------------------------------------------------------------------------------

function stars(rating) {
  return h(
    "span",
    { class: "star-text", "aria-label": `${rating} of 5 stars` },
    h("span", { "aria-hidden": "true", class: "on", text: "★".repeat(rating) }),
    h("span", { "aria-hidden": "true", class: "off", text: "★".repeat(5 - rating) }),
  );
}

function feedbackSection(task, feedback, onFeedback) {
  const name = `rating-${task.id}`;
  const status = h("p", { class: "form-status", role: "status" });
  const comment = h("textarea", { id: `comment-${task.id}`, name: "comment", rows: 2, placeholder: "What was good, what should change?" });
  const form = h(
    "form",
    { class: "feedback-form" },
    h(
      "fieldset",
      { class: "stars" },
      h("legend", { text: "Your rating" }),
      [1, 2, 3, 4, 5].map((n) => [
        h("input", { type: "radio", name, id: `${name}-${n}`, value: String(n), required: n === 1 }),
        h(
          "label",
          { for: `${name}-${n}`, title: `${n} of 5` },
          h("span", { "aria-hidden": "true", text: "★" }),
          h("span", { class: "visually-hidden", text: `${n} star${n > 1 ? "s" : ""}` }),
        ),
      ]),
    ),
    h("div", { class: "field-block" }, h("label", { for: comment.id }, "Comment ", h("span", { class: "optional", text: "optional" })), comment),
    h("div", { class: "form-foot" }, status, h("button", { type: "submit", class: "secondary" }, "Send feedback")),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const checked = form.querySelector(`input[name="${name}"]:checked`);
    if (!checked) {
      status.textContent = "Pick 1 to 5 stars first.";
      status.classList.add("is-error");
      form.querySelector("input[type=radio]").focus();
      return;
    }
    status.classList.remove("is-error");
    status.textContent = "Sending…";
    form.querySelector("button[type=submit]").disabled = true;
    try {
      await onFeedback(task.id, Number(checked.value), comment.value.trim());
    } catch (error) {
      status.textContent = error.message;
      status.classList.add("is-error");
      form.querySelector("button[type=submit]").disabled = false;
    }
  });
  const previous = feedback.length
    ? h(
        "ul",
        { class: "feedback-list", "aria-label": "Feedback given" },
        feedback.map((f) =>
          h(
            "li",
            {},
            stars(f.rating),
            f.comment ? h("span", { class: "feedback-comment", text: f.comment }) : null,
            h("span", { class: "muted small-text", text: timeAgo(f.created_at) }),
          ),
        ),
      )
    : null;
  return section("feedback-title", "How did it go?", previous, form);
}

// --- the whole view --------------------------------------------------------------------------

/**
 * Render the detail of `task` into `container`.
 * data: {task, tree, feedback, pendingApproval, running}; handlers: onExecute, onOpen,
 * onReview, onFeedback, onBack, onComplete, onRetry.
 */
export function renderDetail(container, data, handlers) {
  const { task, tree, feedback, pendingApproval, running } = data;
  const parentLink = task.parent_task_id
    ? h(
        "button",
        { type: "button", class: "link small-text", onclick: () => handlers.onOpen(task.parent_task_id) },
        data.parentTitle ? `↑ Part of “${data.parentTitle}”` : "↑ Parent task",
      )
    : null;
  replaceChildren(
    container,
    h(
      "header",
      { class: "detail-head" },
      h(
        "div",
        { class: "detail-nav" },
        h("button", { type: "button", class: "link back small-text", onclick: handlers.onBack }, "← All tasks"),
        parentLink,
      ),
      h("h2", { id: "detail-title", tabindex: "-1", text: task.title }),
      h(
        "div",
        { class: "detail-status" },
        statusBadge(task.execution_status),
        h("span", { class: "muted small-text", text: `Updated ${timeAgo(task.updated_at)}` }),
        isExecutable(task) ? executeButton(task, running, handlers.onExecute) : null,
      ),
    ),
    task.description ? h("div", { class: "prose description" }, renderMarkdown(task.description, { baseLevel: 4 })) : null,
    facts(task),
    callouts(task, pendingApproval, handlers.onReview),
    personSection(task, handlers),
    resultSection(task),
    subtaskSection(tree, handlers.onOpen),
    timelineSection(task.execution_log || []),
    FINISHED.has(task.execution_status) ? feedbackSection(task, feedback, handlers.onFeedback) : null,
  );
}
