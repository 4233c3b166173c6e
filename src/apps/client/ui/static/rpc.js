// The local support service: JSON-RPC over a WebSocket (calls and live notifications),
// with automatic reconnect, and over HTTP POST while the socket is down.

const CALL_TIMEOUT_MS = 30000;
const BACKOFF_MS = [250, 500, 1000, 2000, 4000, 8000];

/** A refusal from the service (a JSON-RPC error) or a transport failure (code 0). */
export class RpcError extends Error {
  constructor(message, { code = 0, data = null, method = "" } = {}) {
    super(message);
    this.name = "RpcError";
    this.code = code;
    this.data = data;
    this.method = method;
  }

  /** True when the request never got an answer (service down, socket lost). */
  get transport() {
    return this.code === 0;
  }
}

const FRIENDLY = {
  [-32001]: "This device is not signed in to that project.",
  [-32002]: "You are not allowed to do that.",
  [-32003]: "Not found (or you may not see it).",
  [-32004]: "That clashes with a change someone else made; reload and try again.",
  [-32005]: "That status change is not allowed.",
  [-32006]: "Too many requests; wait a moment and try again.",
  [-32007]: "Too large.",
  [-32008]: "That code is not valid (wrong, expired or already used).",
  [-32009]: "The project server has a temporary problem; try again later.",
};

/** Words for a person: the service's own message, or a plain fallback by code. */
export function describeError(error) {
  if (!(error instanceof RpcError)) return String(error?.message || error);
  if (error.transport) return `No answer from the local support service (${error.message}).`;
  const problem = error.data && typeof error.data.problem === "string" ? error.data.problem : "";
  const base = error.message && error.message !== "Internal error" ? error.message
    : FRIENDLY[error.code] || "Something went wrong.";
  return problem && !base.includes(problem) ? `${base}: ${problem}` : base;
}

/**
 * One connection to the local service. Emits `status` (detail: "connecting" |
 * "open" | "lost"), `open` after every (re)connect, and `notification` (detail:
 * {method, params}).
 */
export class ServiceConnection extends EventTarget {
  constructor(base) {
    super();
    this.base = new URL(base);
    this.status = "connecting";
    this._socket = null;
    this._pending = new Map();
    this._nextId = 1;
    this._attempt = 0;
    this._timer = null;
    this._stopped = false;
  }

  start() {
    this._stopped = false;
    this._connect();
  }

  stop() {
    this._stopped = true;
    clearTimeout(this._timer);
    if (this._socket) this._socket.close(1000, "tab closed");
    this._socket = null;
  }

  /** Reconnect now instead of waiting for the backoff delay. */
  retryNow() {
    if (this.status === "open" || this._stopped) return;
    clearTimeout(this._timer);
    this._connect();
  }

  /** Call `method`; resolves with its result or rejects with an RpcError. */
  call(method, params) {
    const socket = this._socket;
    if (socket && socket.readyState === WebSocket.OPEN) return this._callSocket(socket, method, params);
    return this._callHttp(method, params);
  }

  /** POST raw bytes (an image) to the service's upload route for `project`. */
  async upload(project, file) {
    const url = new URL(`attachments/${encodeURIComponent(project)}`, this.base);
    let response;
    try {
      response = await fetch(url, {
        method: "POST", body: file, mode: "cors", credentials: "omit",
        headers: { "content-type": file.type || "application/octet-stream" },
      });
    } catch (error) {
      throw new RpcError(error.message || "network error", { method: "upload" });
    }
    const body = await response.json().catch(() => null);
    if (response.ok && body) return body;
    const err = body && body.error ? body.error : { code: -32603, message: `HTTP ${response.status}` };
    throw new RpcError(err.message, { code: err.code, data: err.data, method: "upload" });
  }

  /** The URL an attachment is shown from. */
  attachmentUrl(project, sha256) {
    return new URL(`attachments/${encodeURIComponent(project)}/${encodeURIComponent(sha256)}`,
      this.base).href;
  }

  // -- internals ---------------------------------------------------------------------

  _setStatus(status) {
    if (this.status === status) return;
    this.status = status;
    this.dispatchEvent(new CustomEvent("status", { detail: status }));
  }

  _connect() {
    if (this._stopped) return;
    const url = new URL("rpc", this.base);
    url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
    let socket;
    try {
      socket = new WebSocket(url);
    } catch {
      this._scheduleReconnect();
      return;
    }
    this._socket = socket;
    socket.addEventListener("open", () => {
      this._attempt = 0;
      this._setStatus("open");
      this.dispatchEvent(new Event("open"));
    });
    socket.addEventListener("message", (message) => this._onFrame(message.data));
    socket.addEventListener("close", () => {
      if (this._socket !== socket) return;
      this._socket = null;
      this._failPending(socket, "the connection to the local support service was lost");
      if (!this._stopped) {
        this._setStatus("lost");
        this._scheduleReconnect();
      }
    });
  }

  _scheduleReconnect() {
    const delay = BACKOFF_MS[Math.min(this._attempt, BACKOFF_MS.length - 1)];
    this._attempt += 1;
    clearTimeout(this._timer);
    this._timer = setTimeout(() => this._connect(), delay * (0.75 + Math.random() * 0.5));
  }

  _failPending(socket, reason) {
    for (const [id, pending] of this._pending) {
      if (pending.socket !== socket) continue;
      this._pending.delete(id);
      clearTimeout(pending.timer);
      pending.reject(new RpcError(reason, { method: pending.method }));
    }
  }

  _callSocket(socket, method, params) {
    const id = this._nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this._pending.delete(id);
        reject(new RpcError("the local support service did not answer in time", { method }));
      }, CALL_TIMEOUT_MS);
      this._pending.set(id, { resolve, reject, timer, socket, method });
      const request = { jsonrpc: "2.0", id, method };
      if (params !== undefined) request.params = params;
      socket.send(JSON.stringify(request));
    });
  }

  async _callHttp(method, params) {
    const request = { jsonrpc: "2.0", id: this._nextId++, method };
    if (params !== undefined) request.params = params;
    let response;
    try {
      response = await fetch(new URL("rpc", this.base), {
        method: "POST", mode: "cors", credentials: "omit",
        headers: { "content-type": "application/json" }, body: JSON.stringify(request),
        signal: AbortSignal.timeout(CALL_TIMEOUT_MS),
      });
    } catch (error) {
      throw new RpcError(error.message || "network error", { method });
    }
    const answer = await response.json().catch(() => null);
    return this._settle(answer, method, response.status);
  }

  _settle(answer, method, httpStatus = 200) {
    if (answer && answer.error) {
      const { code, message, data } = answer.error;
      throw new RpcError(message, { code, data, method });
    }
    if (!answer || !("result" in answer)) {
      throw new RpcError(`unexpected answer (HTTP ${httpStatus})`, { code: -32603, method });
    }
    return answer.result;
  }

  _onFrame(text) {
    let frame;
    try {
      frame = JSON.parse(text);
    } catch {
      return;
    }
    if (frame.method && frame.id === undefined) {
      this.dispatchEvent(new CustomEvent("notification",
        { detail: { method: frame.method, params: frame.params } }));
      return;
    }
    const pending = this._pending.get(frame.id);
    if (!pending) return;
    this._pending.delete(frame.id);
    clearTimeout(pending.timer);
    try {
      pending.resolve(this._settle(frame, pending.method));
    } catch (error) {
      pending.reject(error);
    }
  }
}
