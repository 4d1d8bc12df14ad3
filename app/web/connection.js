// Connecting with an API key: the key panel, connect, changing the key, and the one place a
// refused key (401) on any request sends the person back to the panel.

import { api, ApiError, forgetKey, storeKey } from "./api.js";
import { refresh, stopPolling } from "./live.js";
import { toast } from "./messages.js";
import { selectFromHash } from "./selection.js";
import { $, state } from "./state.js";

/** Show an API error as a toast (prefixed with `where`), or the key panel when the key is refused. */
export function handleError(error, where) {
  if (error instanceof ApiError && error.status === 401) {
    showKeyPanel("That API key is not accepted any more. Paste a current one.");
    return;
  }
  toast(where ? `${where}: ${error.message}` : error.message, "error");
}

export function showKeyPanel(message = "") {
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

export async function connect(key) {
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

export function wireKeyPanel() {
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
