// A task's execution log as a timeline in sentences ("Asked for your approval to send an
// email"), each with a local, relative time; the technical details (status change, who, step,
// keys) are folded away under "Details".

import { actionLabel } from "./approvals.js";
import { h, humanize, plainValue, section, statusBadge, timeAgo, TYPE_LABELS } from "./dom.js";

// Shown in the entry's head or the sentence, or only useful to machines.
const LOG_KEYS = new Set(["event", "timestamp", "executor_id", "executor_type", "from_status", "to_status", "node", "idempotency_key"]);
const DETAIL_MAX = 200;

const STRATEGY_WORDS = {
  immediate: "do it now",
  decompose: "split it into subtasks",
  blocked: "hand it to a person",
};

const TYPE_WORDS = {
  fully_automated: "on its own",
  semi_automated: "with your approval before anything is sent",
  manual: "by a person",
};

const ANSWER_WORDS = {
  approve: "You approved it; carrying on",
  edit: "You approved your edited version; carrying on",
  reject: "You rejected it",
  respond: "You asked for changes; revising",
  ignore: "You skipped that step; carrying on",
  resolve: "You finished it yourself",
};

/** Markdown reduced to one plain line, for short summaries. */
function plainText(markdown) {
  return markdown.replace(/^\s{0,3}(#{1,6}|[-*+]|\d+[.)]|>)\s+/gm, "").replace(/[*_`]+/g, "").replace(/\s+/g, " ").trim();
}

function shorten(text, max = DETAIL_MAX) {
  return text.length > max ? `${text.slice(0, max).trimEnd()}…` : text;
}

function byPerson(entry) {
  return ["user", "person"].includes(entry.executor_type);
}

/** The entry as one sentence a person reads. */
export function sentence(entry) {
  const tool = entry.tool ? actionLabel(entry.tool).toLowerCase() : "";
  switch (entry.event) {
    case "created":
      return byPerson(entry) ? "You created it" : "Created";
    case "started":
      if (entry.approval) return ANSWER_WORDS[entry.approval] || "Carrying on";
      if (entry.from_status === "paused") return "Carrying on";
      if (entry.from_status === "blocked") return "Trying again";
      return "Started working on it";
    case "queued":
      return "Queued to run";
    case "classified": {
      const plan = STRATEGY_WORDS[entry.strategy] || humanize(entry.strategy);
      const how = entry.strategy === "immediate" ? ` ${TYPE_WORDS[entry.execution_type] || ""}` : "";
      const sure = typeof entry.confidence === "number" ? ` (${Math.round(entry.confidence * 100)}% sure)` : "";
      return `Decided to ${plan}${how}`.trimEnd() + sure;
    }
    case "agent_selected":
      return `The ${humanize(entry.agent || entry.executor_id).toLowerCase()} agent took it on`;
    case "tool_called":
      return `Used ${tool || "a tool"}`;
    case "approval_requested":
      return "Asked for your approval";
    case "paused":
      return /approv/.test(entry.reason || "") ? "Waiting for your approval" : "Waiting";
    case "approval":
      return ANSWER_WORDS[entry.approval] || "You answered";
    case "side_effect_done":
      return `Done: ${tool}`;
    case "side_effect_replayed":
      return `Already done earlier: ${tool} (not repeated)`;
    case "approval_rejected":
      return `You rejected: ${tool}`;
    case "revision_requested":
      return `You asked for changes to: ${tool}`;
    case "action_skipped":
      return `You skipped: ${tool}`;
    case "policy_denied":
      return `A safety rule stopped: ${tool}`;
    case "attempt_failed":
      return `Attempt ${entry.attempt || "?"} of ${entry.max_attempts || "?"} did not work; trying again`;
    case "completed":
      return byPerson(entry) ? "Marked done by a person" : "Finished";
    case "blocked":
      return "Stopped: it needs a person";
    case "failed":
      return "Failed";
    case "retry_requested":
      return "You asked for another try";
    default:
      return humanize(entry.event || "event");
  }
}

/** The one line under the sentence: why, the person's note, or what came out. */
function note(entry) {
  for (const key of ["reason", "note", "result_note"]) {
    if (typeof entry[key] === "string" && entry[key]) return shorten(entry[key]);
  }
  if (entry.result && typeof entry.result === "object" && typeof entry.result.output === "string") {
    return shorten(plainText(entry.result.output), 160);
  }
  return "";
}

function detailValue(key, value) {
  if (key === "confidence" && typeof value === "number") return `${Math.round(value * 100)}%`;
  if (key === "execution_type" && TYPE_LABELS[value]) return TYPE_LABELS[value];
  if (key === "strategy" && STRATEGY_WORDS[value]) return humanize(STRATEGY_WORDS[value]);
  if (value && typeof value === "object" && !Array.isArray(value)) {
    return shorten(Object.entries(value).map(([k, v]) => `${humanize(k)}: ${plainValue(v)}`).join("; "));
  }
  return shorten(plainValue(value));
}

function technical(entry) {
  const change = entry.from_status && entry.to_status
    ? h(
        "div",
        { class: "tl-change" },
        "Status ",
        statusBadge(entry.from_status, "small"),
        h("span", { class: "tl-arrow", "aria-hidden": "true", text: "→" }),
        h("span", { class: "visually-hidden", text: " to " }),
        statusBadge(entry.to_status, "small"),
      )
    : null;
  const who = [entry.executor_type, entry.executor_id].filter(Boolean).join(" · ");
  const rest = Object.entries(entry).filter(([k, v]) => !LOG_KEYS.has(k) && v !== null && v !== "");
  return h(
    "details",
    { class: "tl-tech" },
    h("summary", { text: "Details" }),
    change,
    who ? h("div", { class: "tl-executor" }, "By ", who, entry.node ? ` (step ${entry.node})` : "") : null,
    rest.length
      ? h("dl", { class: "tl-details" }, rest.map(([k, v]) => h("div", {}, h("dt", { text: humanize(k) }), h("dd", { text: detailValue(k, v) }))))
      : null,
  );
}

function timelineItem(entry) {
  const event = String(entry.event || "event");
  const when = entry.timestamp ? new Date(entry.timestamp) : null;
  const valid = when && !Number.isNaN(when.getTime());
  const line = note(entry);
  return h(
    "li",
    { class: `tl-item tl-${event.replace(/[^a-z0-9_-]/gi, "")}`, dataset: { event } },
    h("span", { class: `tl-marker${entry.to_status ? ` marker-${entry.to_status}` : ""}`, "aria-hidden": "true" }),
    h(
      "div",
      { class: "tl-content" },
      h(
        "div",
        { class: "tl-head" },
        h("strong", { class: "tl-event", text: sentence(entry) }),
        valid
          ? h("time", { datetime: when.toISOString(), title: when.toLocaleString(), text: timeAgo(entry.timestamp) })
          : null,
      ),
      line ? h("p", { class: "tl-note", text: line }) : null,
      technical(entry),
    ),
  );
}

/** The "What happened" section: the task's log entries as a timeline, oldest first. */
export function timelineSection(log) {
  return section(
    "log-title",
    "What happened",
    log.length
      ? h("ol", { class: "timeline", "aria-label": "What happened, oldest first" }, log.map(timelineItem))
      : h("p", { class: "empty-line", text: "Nothing has happened yet. Press Execute to start." }),
  );
}
