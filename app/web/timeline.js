// A task's execution log as a timeline: events, status changes, who did them, and details.

import { h, humanize, plainValue, section, statusBadge, timeElement } from "./dom.js";

// Shown in the entry's head, or only useful to machines (the ledger key is in the API's log).
const LOG_KEYS = new Set(["event", "timestamp", "executor_id", "executor_type", "from_status", "to_status", "node", "idempotency_key"]);
const DETAIL_MAX = 200;

/** Markdown reduced to one plain line, for short summaries. */
function plainText(markdown) {
  return markdown.replace(/^\s{0,3}(#{1,6}|[-*+]|\d+[.)]|>)\s+/gm, "").replace(/[*_`]+/g, "").replace(/\s+/g, " ").trim();
}

function detailValue(key, value) {
  const text = fullDetailValue(key, value);
  return text.length > DETAIL_MAX ? `${text.slice(0, DETAIL_MAX).trimEnd()}…` : text;
}

function fullDetailValue(key, value) {
  if (key === "confidence" && typeof value === "number") return `${Math.round(value * 100)}%`;
  if (key === "result" && value && typeof value === "object") {
    const output = typeof value.output === "string" ? plainText(value.output) : "";
    const short = output.length > 160 ? `${output.slice(0, 160).trimEnd()}…` : output;
    return [value.strategy ? humanize(value.strategy) : null, short].filter(Boolean).join(": ");
  }
  if (value && typeof value === "object" && !Array.isArray(value)) {
    return Object.entries(value).map(([k, v]) => `${humanize(k)}: ${plainValue(v)}`).join("; ");
  }
  return plainValue(value);
}

function timelineItem(entry) {
  const event = String(entry.event || "event");
  const change = entry.from_status && entry.to_status
    ? h(
        "span",
        { class: "tl-change" },
        h("span", { class: "visually-hidden", text: "status " }),
        statusBadge(entry.from_status, "small"),
        h("span", { class: "tl-arrow", "aria-hidden": "true", text: "→" }),
        h("span", { class: "visually-hidden", text: " to " }),
        statusBadge(entry.to_status, "small"),
      )
    : null;
  const who = [entry.executor_type, entry.executor_id].filter(Boolean).join(" · ");
  const details = Object.entries(entry).filter(([k, v]) => !LOG_KEYS.has(k) && v !== null && v !== "");
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
        timeElement(entry.timestamp),
        h("strong", { class: "tl-event", text: humanize(event) }),
        change,
      ),
      who || entry.node
        ? h(
            "div",
            { class: "tl-meta" },
            who ? h("span", { class: "tl-executor" }, "by ", who) : null,
            entry.node ? h("span", { class: "tl-node" }, "step ", h("code", { text: entry.node })) : null,
          )
        : null,
      details.length
        ? h(
            "dl",
            { class: "tl-details" },
            details.map(([k, v]) => h("div", {}, h("dt", { text: humanize(k) }), h("dd", { text: detailValue(k, v) }))),
          )
        : null,
    ),
  );
}

/** The "Execution log" section: the task's log entries as a timeline, oldest first. */
export function timelineSection(log) {
  return section(
    "log-title",
    "Execution log",
    log.length
      ? h("ol", { class: "timeline", "aria-label": "Execution log, oldest first" }, log.map(timelineItem))
      : h("p", { class: "empty-line", text: "Nothing has happened yet. Press Execute to start." }),
  );
}
