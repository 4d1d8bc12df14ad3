// DOM building without innerHTML, and the words the page uses for statuses, types and times.

/**
 * Create an element. attrs: class, text, dataset, on* handlers (functions), booleans
 * (true sets the attribute, false omits it) and any other attribute as a string.
 * Children: nodes, strings (text nodes), arrays of those, null/false (skipped).
 */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (name === "class") el.className = value;
    else if (name === "text") el.textContent = value;
    else if (name === "dataset") Object.assign(el.dataset, value);
    else if (name.startsWith("on") && typeof value === "function") {
      el.addEventListener(name.slice(2).toLowerCase(), value);
    } else if (value === true) el.setAttribute(name, "");
    else el.setAttribute(name, String(value));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    if (Array.isArray(child)) append(el, child);
    else if (child instanceof Node) el.appendChild(child);
    else el.appendChild(document.createTextNode(String(child)));
  }
}

/** Replace every child of `el`. */
export function replaceChildren(el, ...children) {
  el.textContent = "";
  append(el, children);
}

/** A detail-pane section: an h3 heading (`id`, `title`) that labels it, then `content`. */
export function section(id, title, ...content) {
  return h(
    "section",
    { class: "detail-section", "aria-labelledby": id },
    h("h3", { id, class: "detail-heading", text: title }),
    ...content,
  );
}

export const STATUS_LABELS = {
  pending: "Pending",
  queued: "Queued",
  in_progress: "In progress",
  paused: "Paused",
  blocked: "Blocked",
  completed: "Completed",
  failed: "Failed",
};

export const TYPE_LABELS = {
  null: "AI decides",
  fully_automated: "Automated",
  semi_automated: "Semi-automated",
  manual: "Manual",
};

export const PRIORITY_LABELS = { urgent: "Urgent", high: "High", medium: "Medium", low: "Low" };

/** A status badge: colour plus the status in words (colour is never the only signal). */
export function statusBadge(status, extraClass = "") {
  const label = STATUS_LABELS[status] || humanize(status);
  return h(
    "span",
    { class: `badge badge-${status} ${extraClass}`.trim(), dataset: { status } },
    h("span", { class: "badge-dot", "aria-hidden": "true" }),
    label,
  );
}

/** snake_case or kebab-case -> "Sentence case". */
export function humanize(value) {
  const text = String(value ?? "").replace(/[_-]+/g, " ").trim();
  return text ? text[0].toUpperCase() + text.slice(1) : "";
}

const timeFormat = new Intl.DateTimeFormat(undefined, { hour: "2-digit", minute: "2-digit", second: "2-digit" });
const dateTimeFormat = new Intl.DateTimeFormat(undefined, {
  month: "short",
  day: "numeric",
  hour: "2-digit",
  minute: "2-digit",
});

/** A <time> element: "14:03:22" today, "Mar 4, 14:03" on other days. */
export function timeElement(iso) {
  if (!iso) return h("span", { class: "muted", text: "—" });
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return h("span", { text: String(iso) });
  const today = new Date().toDateString() === date.toDateString();
  const shown = today ? timeFormat.format(date) : dateTimeFormat.format(date);
  return h("time", { datetime: date.toISOString(), title: date.toLocaleString(), text: shown });
}

const relative = new Intl.RelativeTimeFormat(undefined, { numeric: "auto" });

/** "just now", "5 minutes ago", "yesterday". */
export function timeAgo(iso) {
  const date = new Date(iso);
  const seconds = Math.round((date.getTime() - Date.now()) / 1000);
  if (Number.isNaN(seconds)) return "";
  const steps = [
    [60, "second"],
    [3600, "minute", 60],
    [86400, "hour", 3600],
    [604800, "day", 86400],
    [Infinity, "week", 604800],
  ];
  if (Math.abs(seconds) < 45) return "just now";
  for (const [limit, unit, size = 1] of steps) {
    if (Math.abs(seconds) < limit) return relative.format(Math.round(seconds / size), unit);
  }
  return dateTimeFormat.format(date);
}

/** Values as one readable line: lists joined with commas, objects as compact JSON. */
export function plainValue(value) {
  if (value === null || value === undefined) return "";
  if (Array.isArray(value)) return value.map(plainValue).join(", ");
  if (typeof value === "object") return JSON.stringify(value);
  return String(value);
}
