// What Delegate learned from people's answers (GET /api/learned): per category its examples,
// preferences, acceptance rate and standing (promoted, approval required, pinned by a rule,
// still learning) with why; "Forget" calls DELETE /api/learned after a confirmation.

import { api } from "./api.js";
import { handleError } from "./connection.js";
import { h, replaceChildren } from "./dom.js";
import { announce, toast } from "./messages.js";
import { $ } from "./state.js";

const STANDING = {
  promoted: { label: "Acts on its own", css: "completed" },
  approval_required: { label: "Asks for approval", css: "paused" },
  pinned: { label: "Set by a rule", css: "queued" },
  learning: { label: "Learning", css: "pending" },
};

let loaded = "";

function percent(rate) {
  return rate === null || rate === undefined ? "no answers yet" : `${Math.round(rate * 100)}% accepted as it was`;
}

function preference(item) {
  const what = item.kind === "sign_off" ? "Sign-off" : item.kind;
  return h(
    "li",
    { class: "learned-pref" },
    h("span", { class: "learned-pref-kind", text: what }),
    h("q", { class: "learned-pref-value", text: item.value }),
    h("span", { class: "muted small-text", text: item.why }),
  );
}

function categoryCard(category) {
  const standing = STANDING[category.status] || STANDING.learning;
  const headingId = `learned-${category.category}`;
  const answers = category.accepted + category.edited + category.rejected;
  return h(
    "article",
    { class: "learned-card", "aria-labelledby": headingId, dataset: { category: category.category } },
    h(
      "header",
      { class: "learned-head" },
      h("h3", { id: headingId, class: "learned-title", text: category.category }),
      h("span", { class: `badge small badge-${standing.css} learned-status` }, h("span", { class: "badge-dot", "aria-hidden": "true" }), standing.label),
    ),
    h("p", { class: "learned-why", text: category.why }),
    h(
      "dl",
      { class: "learned-figures" },
      h("div", {}, h("dt", { text: "Acceptance" }), h("dd", { class: "learned-rate", text: percent(category.acceptance_rate) })),
      h(
        "div",
        {},
        h("dt", { text: "Answers" }),
        h("dd", { text: answers ? `${category.accepted} accepted · ${category.edited} edited · ${category.rejected} rejected` : "none yet" }),
      ),
      h("div", {}, h("dt", { text: "Examples" }), h("dd", { class: "learned-examples", text: String(category.examples) })),
    ),
    category.preferences.length
      ? h("ul", { class: "learned-prefs", "aria-label": `Preferences learned for ${category.category}` }, category.preferences.map(preference))
      : null,
  );
}

function forgetControls(count) {
  const status = h("p", { class: "form-error", role: "alert" });
  const confirmRow = h(
    "div",
    { class: "learned-confirm", hidden: true, role: "group", "aria-label": "Confirm forgetting" },
    h("p", { text: "Forget everything learned for this organization? Ratings and comments stay; preferences, examples and promotions go." }),
    h(
      "div",
      { class: "button-row" },
      h("button", { type: "button", class: "danger small", onclick: () => forget(status) }, "Forget everything"),
      h("button", { type: "button", class: "ghost small", onclick: () => {
        confirmRow.hidden = true;
        ask.setAttribute("aria-expanded", "false");
        ask.focus();
      } }, "Keep it"),
    ),
    status,
  );
  const ask = h(
    "button",
    {
      type: "button",
      class: "danger-ghost small",
      "aria-expanded": "false",
      disabled: count === 0,
      onclick: () => {
        confirmRow.hidden = false;
        ask.setAttribute("aria-expanded", "true");
        confirmRow.querySelector("button.danger").focus();
      },
    },
    "Forget",
  );
  return [ask, confirmRow];
}

async function forget(status) {
  try {
    const result = await api.forgetLearned();
    const text = `Forgot ${result.forgotten} learned answer${result.forgotten === 1 ? "" : "s"} and example${result.forgotten === 1 ? "" : "s"}.`;
    toast(text, "success");
    announce(text);
    loaded = "";
    await loadLearned();
    $("tab-learned").focus();
  } catch (error) {
    status.textContent = error.message;
  }
}

export async function loadLearned() {
  try {
    const data = await api.learned();
    const signature = JSON.stringify(data);
    if (signature === loaded) return; // unchanged: keep focus and an open confirmation
    loaded = signature;
    render(data);
  } catch (error) {
    handleError(error, "What was learned");
  }
}

function render(data) {
  const categories = data.categories || [];
  const [ask, confirmRow] = forgetControls(categories.length);
  replaceChildren(
    $("learned-head"),
    h("p", { class: "muted small-text", text: "From approvals, edits, rejections and ratings: what each kind of work taught, and whether it now acts on its own." }),
    ask,
  );
  replaceChildren($("learned-confirm-slot"), confirmRow);
  $("learned-empty").hidden = categories.length > 0;
  replaceChildren($("learned-list"), categories.map(categoryCard));
}
