// The page's client for Delegate's HTTP API: Bearer key from localStorage, JSON in and out.

const KEY_STORAGE = "delegate.apiKey";

export class ApiError extends Error {
  constructor(status, detail) {
    super(detail || `request failed (HTTP ${status})`);
    this.status = status;
  }
}

export function storedKey() {
  try {
    return localStorage.getItem(KEY_STORAGE) || "";
  } catch {
    return "";
  }
}

export function storeKey(key) {
  localStorage.setItem(KEY_STORAGE, key);
}

export function forgetKey() {
  localStorage.removeItem(KEY_STORAGE);
}

async function request(method, path, body, key = storedKey()) {
  const headers = { Accept: "application/json" };
  if (key) headers.Authorization = `Bearer ${key}`;
  if (body !== undefined) headers["Content-Type"] = "application/json";
  let response;
  try {
    response = await fetch(path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      cache: "no-store",
    });
  } catch {
    throw new ApiError(0, "Delegate's server cannot be reached. Is `delegate serve` running?");
  }
  if (response.status === 204) return null;
  let data = null;
  try {
    data = await response.json();
  } catch {
    data = null;
  }
  if (!response.ok) throw new ApiError(response.status, data && data.detail);
  return data;
}

function query(params) {
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) {
    if (value !== undefined && value !== null && value !== "" && value !== false) search.set(name, String(value));
  }
  const text = search.toString();
  return text ? `?${text}` : "";
}

export const api = {
  /** Check a key before storing it: any authenticated read will do. */
  checkKey: (key) => request("GET", "/api/tasks?limit=1", undefined, key),
  listTasks: ({ status, type, parentId, topLevel, limit = 200 } = {}) =>
    request(
      "GET",
      `/api/tasks${query({ status, execution_type: type, parent_id: parentId, top_level: topLevel, limit })}`,
    ),
  getTask: (id) => request("GET", `/api/tasks/${encodeURIComponent(id)}`),
  createTask: (fields) => request("POST", "/api/tasks", fields),
  execute: (id) => request("POST", "/api/tasks/execute", { taskId: id }),
  approvals: () => request("GET", "/api/approvals"),
  approve: (id, editedArgs) =>
    request("POST", `/api/tasks/${encodeURIComponent(id)}/approve`, editedArgs ? { edited_args: editedArgs } : {}),
  reject: (id, reason) => request("POST", `/api/tasks/${encodeURIComponent(id)}/reject`, { reason }),
  complete: (id, result) =>
    request("POST", `/api/tasks/${encodeURIComponent(id)}/complete`, result ? { result } : {}),
  retry: (id, note) => request("POST", `/api/tasks/${encodeURIComponent(id)}/retry`, { note }),
  feedback: (id) => request("GET", `/api/tasks/${encodeURIComponent(id)}/feedback`),
  addFeedback: (id, rating, comment) =>
    request("POST", `/api/tasks/${encodeURIComponent(id)}/feedback`, { rating, comment }),
  learned: () => request("GET", "/api/learned"),
  forgetLearned: () => request("DELETE", "/api/learned"),
};
