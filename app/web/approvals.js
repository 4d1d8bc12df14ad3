// One pending approval as a card: the exact action (recipients, subject, body, channel, event
// fields) with Approve, Edit (then approve the edited version) and Reject (with a reason).

import { h, humanize, plainValue, replaceChildren, timeAgo } from "./dom.js";
import { renderMarkdown } from "./markdown.js";

/** How each tool's arguments are shown; arguments not listed follow, in their own order. */
const ACTIONS = {
  send_email: {
    label: "Send email",
    fields: [["to", "To", "list"], ["cc", "Cc", "list"], ["subject", "Subject", "text"], ["body", "Body", "long"]],
  },
  draft_email: {
    label: "Save email draft",
    fields: [["to", "To", "list"], ["cc", "Cc", "list"], ["subject", "Subject", "text"], ["body", "Body", "long"]],
  },
  post_slack_message: {
    label: "Post to Slack",
    fields: [["channel", "Channel", "text"], ["text", "Message", "long"], ["thread_ts", "In thread", "text"]],
  },
  create_calendar_event: {
    label: "Create calendar event",
    fields: [
      ["summary", "Title", "text"],
      ["start", "Starts", "text"],
      ["end", "Ends", "text"],
      ["attendees", "Attendees", "list"],
      ["location", "Location", "text"],
      ["description", "Description", "long"],
    ],
  },
  fill_form: {
    label: "Fill in a web form",
    fields: [["url", "Page", "text"], ["fields", "Fields", "json"], ["submit_selector", "Submit with", "text"]],
  },
  click: { label: "Click on a web page", fields: [["url", "Page", "text"], ["selector", "Element", "text"]] },
  open_url: { label: "Open a web page", fields: [["url", "Page", "text"]] },
  screenshot: { label: "Screenshot a web page", fields: [["url", "Page", "text"]] },
};

function kindOf(value) {
  if (Array.isArray(value) && value.every((v) => typeof v === "string")) return "list";
  if (typeof value === "string") return value.length > 80 || value.includes("\n") ? "long" : "text";
  if (typeof value === "number") return "number";
  if (typeof value === "boolean") return "boolean";
  return "json";
}

/** [{name, label, kind, value}] for the arguments of one action, known fields first. */
export function describeArgs(action, args) {
  const spec = ACTIONS[action] || { fields: [] };
  const shown = [];
  const seen = new Set();
  for (const [name, label, kind] of spec.fields) {
    seen.add(name);
    if (!(name in args)) continue;
    const value = args[name];
    if (value === null || (Array.isArray(value) && value.length === 0 && name === "cc")) continue;
    shown.push({ name, label, kind: kind === "json" || kindOf(value) === "json" ? "json" : kind, value });
  }
  for (const [name, value] of Object.entries(args)) {
    if (!seen.has(name)) shown.push({ name, label: humanize(name), kind: kindOf(value), value });
  }
  return shown;
}

export function actionLabel(action) {
  return (ACTIONS[action] && ACTIONS[action].label) || humanize(action);
}

/** The action of a pending approval (langchain's HITLRequest: its first action request). */
export function requestOf(approval) {
  const actions = approval && approval.action_requests;
  return Array.isArray(actions) && actions[0] ? actions[0] : null;
}

function showValue(field) {
  if (field.kind === "long") return h("div", { class: "value-long" }, String(field.value ?? ""));
  if (field.kind === "json") return h("pre", { class: "value-json" }, JSON.stringify(field.value, null, 2));
  if (field.kind === "list") {
    const values = Array.isArray(field.value) ? field.value : [field.value];
    return h("div", { class: "chips" }, values.map((v) => h("span", { class: "chip", text: String(v) })));
  }
  return h("span", { text: plainValue(field.value) });
}

let uid = 0;

function editor(field) {
  const id = `edit-${++uid}-${field.name}`;
  let control;
  if (field.kind === "long" || field.kind === "json") {
    const text = field.kind === "json" ? JSON.stringify(field.value, null, 2) : String(field.value ?? "");
    control = h("textarea", { id, name: field.name, rows: Math.min(14, Math.max(4, text.split("\n").length + 1)) });
    control.value = text;
  } else if (field.kind === "boolean") {
    control = h("input", { id, name: field.name, type: "checkbox" });
    control.checked = Boolean(field.value);
  } else {
    control = h("input", { id, name: field.name, type: field.kind === "number" ? "number" : "text" });
    control.value = field.kind === "list" ? (field.value || []).join(", ") : plainValue(field.value);
  }
  const hint = field.kind === "list" ? h("span", { class: "hint", text: "separate with commas" }) : null;
  return h(
    "div",
    { class: `edit-field edit-${field.kind}` },
    h("label", { for: id }, field.label, hint ? " " : null, hint),
    control,
  );
}

/** Read the edited values back with their original types; throws Error naming a bad field. */
function readEdits(form, fields, original) {
  const args = { ...original };
  for (const field of fields) {
    const control = form.elements.namedItem(field.name);
    if (!control) continue;
    if (field.kind === "list") {
      args[field.name] = control.value.split(/[,;\n]/).map((v) => v.trim()).filter(Boolean);
    } else if (field.kind === "json") {
      try {
        args[field.name] = JSON.parse(control.value);
      } catch {
        throw new Error(`${field.label} is not valid JSON`);
      }
    } else if (field.kind === "number") {
      args[field.name] = Number(control.value);
    } else if (field.kind === "boolean") {
      args[field.name] = control.checked;
    } else {
      args[field.name] = control.value;
    }
  }
  return args;
}

/**
 * A card for one pending approval.
 * item: {task_id, title, approval, answered}; handlers: onApprove(taskId, editedArgs|null),
 * onReject(taskId, reason), onOpen(taskId) (optional). Handlers return promises.
 */
export function approvalCard(item, { onApprove, onReject, onOpen, headingLevel = 3 }) {
  const request = requestOf(item.approval);
  const action = request ? request.name : "unknown";
  const args = request ? request.args || {} : {};
  const fields = describeArgs(action, args);
  const headingId = `approval-${item.task_id}`;
  const body = h("div", { class: "approval-body" });
  const status = h("p", { class: "approval-status", role: "status", "aria-live": "polite" });
  const card = h(
    "article",
    { class: "approval", "aria-labelledby": headingId, dataset: { taskId: item.task_id, action } },
    h(
      "header",
      { class: "approval-head" },
      h("span", { class: "action-pill", text: actionLabel(action) }),
      h(
        `h${headingLevel}`,
        { id: headingId, class: "approval-title" },
        onOpen
          ? h("button", { type: "button", class: "link", onclick: () => onOpen(item.task_id) }, item.title)
          : item.title,
      ),
      h(
        "p",
        { class: "approval-context" },
        item.parent_title
          ? [
              "Part of ",
              onOpen
                ? h("button", { type: "button", class: "link approval-parent", onclick: () => onOpen(item.parent_id) }, item.parent_title)
                : h("span", { class: "approval-parent", text: item.parent_title }),
              " · ",
            ]
          : null,
        item.updated_at ? `asked ${timeAgo(item.updated_at)}` : null,
      ),
    ),
    body,
    status,
  );

  const setBusy = (busy, message = "") => {
    card.classList.toggle("is-busy", busy);
    card.querySelectorAll("button, input, textarea").forEach((el) => {
      el.disabled = busy;
    });
    status.textContent = message;
  };

  const run = async (work, busyMessage) => {
    setBusy(true, busyMessage);
    try {
      await work();
    } catch (error) {
      setBusy(false);
      status.textContent = error.message;
      status.classList.add("is-error");
    }
  };

  function viewMode() {
    const details = request && request.description
      ? h(
          "details",
          { class: "approval-why" },
          h("summary", { text: "What the agent says" }),
          h("div", { class: "prose small" }, renderMarkdown(request.description, { baseLevel: 5 })),
        )
      : null;
    replaceChildren(
      body,
      h(
        "dl",
        { class: "action-fields" },
        fields.map((f) => h("div", { class: `field field-${f.kind}`, dataset: { field: f.name } }, h("dt", { text: f.label }), h("dd", {}, showValue(f)))),
      ),
      details,
      item.answered
        ? h(
            "div",
            { class: "actions" },
            // Answered already, not carried out yet (its approver stopped): only finishing it.
            h("p", { class: "approval-answered", text: `Answered (${item.answered}); not carried out yet.` }),
            h("button", { type: "button", class: "primary", onclick: () => run(() => onApprove(item.task_id, null), "Finishing…") }, "Finish"),
          )
        : h(
            "div",
            { class: "actions" },
            h("button", { type: "button", class: "primary", onclick: () => run(() => onApprove(item.task_id, null), "Approving…") }, "Approve"),
            h("button", { type: "button", class: "secondary", onclick: editMode }, "Edit"),
            h("button", { type: "button", class: "danger-ghost", onclick: rejectMode }, "Reject"),
          ),
    );
  }

  function editMode() {
    const form = h(
      "form",
      { class: "approval-edit", "aria-label": `Edit ${actionLabel(action).toLowerCase()}` },
      fields.map(editor),
      h(
        "div",
        { class: "actions" },
        h("button", { type: "submit", class: "primary" }, "Approve edited version"),
        h("button", { type: "button", class: "secondary", onclick: viewMode }, "Cancel"),
      ),
    );
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      let edited;
      try {
        edited = readEdits(form, fields, args);
      } catch (error) {
        status.textContent = error.message;
        status.classList.add("is-error");
        return;
      }
      run(() => onApprove(item.task_id, edited), "Approving the edited version…");
    });
    replaceChildren(body, form);
    const first = form.querySelector("textarea, input");
    if (first) first.focus();
  }

  function rejectMode() {
    const id = `reject-${++uid}`;
    const reason = h("textarea", { id, name: "reason", rows: 3, "aria-required": "true", "aria-describedby": `${id}-hint` });
    const form = h(
      "form",
      { class: "approval-reject", "aria-label": "Reject this action" },
      h("label", { for: id }, "Why not? ", h("span", { class: "hint", id: `${id}-hint`, text: "Required. The agent records it." })),
      reason,
      h(
        "div",
        { class: "actions" },
        h("button", { type: "submit", class: "danger" }, "Reject action"),
        h("button", { type: "button", class: "secondary", onclick: viewMode }, "Cancel"),
      ),
    );
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      const text = reason.value.trim();
      if (!text) {
        status.textContent = "Say why, so the agent knows what to change.";
        status.classList.add("is-error");
        reason.focus();
        return;
      }
      run(() => onReject(item.task_id, text), "Rejecting…");
    });
    replaceChildren(body, form);
    reason.focus();
  }

  viewMode();
  return card;
}
