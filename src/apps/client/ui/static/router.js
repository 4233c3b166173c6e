// Where the tab is: the screen, the list's view and filters, the open ticket. Kept in
// the page's address (hash) when the tab owns the page (the standalone page and the
// iframe; attribute url-state), so every ticket has its own address, a reload comes
// back to it, Back and Forward work and a copied link opens the same ticket on a
// colleague's own tab. Embedded in another application's page the tab keeps the same
// history to itself instead of touching the host's address.

export const LIST_KEYS = ["view", "project", "team", "status", "priority", "tag", "assignee",
  "requester", "q", "order"];

/** The list state a route starts from. */
export function defaultList() {
  return { view: "", project: "", team: "", status: "", priority: "", tag: "", assignee: "",
    requester: "", q: "", order: "" };
}

/** A route from an address hash ("#/ticket/acme/12?view=my_open&srv=…"). */
export function parseRoute(hash) {
  const text = String(hash || "").replace(/^#/, "");
  const [path, query = ""] = text.split("?", 2);
  const params = new URLSearchParams(query);
  const list = defaultList();
  for (const key of LIST_KEYS) list[key] = (params.get(key) || "").slice(0, 200);
  const parts = path.split("/").filter(Boolean).map((p) => decodeURIComponent(p));
  const route = { screen: "list", list, ticket: null, server: params.get("srv") || "" };
  if (parts[0] === "ticket" && parts.length === 3 && /^[1-9][0-9]{0,18}$/.test(parts[2])) {
    route.screen = "ticket";
    route.ticket = { project: parts[1], id: Number(parts[2]) };
  } else if (parts[0] && /^[a-z][a-z0-9-]{0,30}$/.test(parts[0]) && parts[0] !== "ticket") {
    route.screen = parts[0];
  }
  return route;
}

/** The hash of a route (the inverse of parseRoute). */
export function formatRoute(route) {
  let path = "/";
  if (route.screen === "ticket" && route.ticket) {
    path = `/ticket/${encodeURIComponent(route.ticket.project)}/${route.ticket.id}`;
  } else if (route.screen && route.screen !== "list") {
    path = `/${route.screen}`;
  }
  const params = new URLSearchParams();
  for (const key of LIST_KEYS) if (route.list && route.list[key]) params.set(key, route.list[key]);
  if (route.screen === "ticket" && route.server) params.set("srv", route.server);
  const query = params.toString();
  return `#${path}${query ? `?${query}` : ""}`;
}

/**
 * Navigation for one tab. `onRoute(route)` is called for every change, including the
 * browser's Back and Forward. `depth` counts how far the tab navigated from where it
 * started, so "back" can return to the list the person came from.
 */
export class Router {
  constructor({ owned, onRoute }) {
    this.owned = owned;
    this.onRoute = onRoute;
    this._stack = [];
    this._index = -1;
    this._listener = () => this._fromAddress();
  }

  start() {
    if (this.owned) {
      window.addEventListener("popstate", this._listener);
      this._fromAddress();
    } else {
      this.go(parseRoute(""), { replace: true });
    }
  }

  stop() {
    if (this.owned) window.removeEventListener("popstate", this._listener);
  }

  get route() {
    return this.owned ? parseRoute(window.location.hash) : this._stack[this._index];
  }

  /** Whether going back stays inside the tab. */
  get canGoBack() {
    if (!this.owned) return this._index > 0;
    return Boolean(window.history.state && window.history.state.heroDepth > 0);
  }

  go(route, { replace = false } = {}) {
    if (this.owned) {
      const hash = formatRoute(route);
      const depth = (window.history.state && window.history.state.heroDepth) || 0;
      if (hash === window.location.hash && !replace) return;
      const state = { heroDepth: replace ? depth : depth + 1 };
      if (replace) window.history.replaceState(state, "", hash);
      else window.history.pushState(state, "", hash);
    } else if (replace && this._index >= 0) {
      this._stack[this._index] = route;
    } else {
      this._stack = this._stack.slice(0, this._index + 1);
      this._stack.push(route);
      this._index = this._stack.length - 1;
    }
    this.onRoute(this.route);
  }

  back() {
    if (this.owned) {
      window.history.back();
      return;
    }
    if (this._index > 0) {
      this._index -= 1;
      this.onRoute(this.route);
    }
  }

  _fromAddress() {
    this.onRoute(this.route);
  }
}
