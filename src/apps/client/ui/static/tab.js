// <hero-support-tab>: the Support tab as a custom element. It renders into its own
// shadow root and talks to the local support service it was loaded from (the origin
// of this module), so a host page only adds the element and embed.js.
import { h, replace } from "./dom.js";
import { EnrollPanel } from "./enroll.js";
import { OPEN_STATUSES, connectionText, isStaff, roleOf } from "./format.js";
import { Lightbox } from "./images.js";
import { TicketList, ticketKey } from "./list.js";
import { NewTicketForm } from "./newticket.js";
import { ServiceConnection, describeError } from "./rpc.js";
import { TicketView } from "./ticket.js";

const STYLESHEET = new URL("./tab.css", import.meta.url).href;
const SERVICE = new URL("../", import.meta.url).href;

export class HeroSupportTab extends HTMLElement {
  constructor() {
    super();
    this.projects = new Map();
    this.tickets = new Map();
    this._people = new Map();
    this._loadSeq = 0;
    this._problems = [];
    this.current = null;
    this.view = "list";
    this._started = false;
    this._projectsKnown = false;
    this.addEventListener("keydown", (event) => this._keydown(event));
  }

  connectedCallback() {
    if (this._started) return;
    this._started = true;
    const root = this.shadowRoot || this.attachShadow({ mode: "open" });
    this.lightbox = new Lightbox();
    this.list = new TicketList(this);
    this.chips = h("ul", { class: "projects", "aria-label": "Projects and their connection" });
    this.banner = h("div", { class: "banner", role: "alert", hidden: true });
    this.toasts = h("div", { class: "toasts" });
    this.detail = h("section", { class: "detail-pane", "aria-label": "Ticket" });
    this.panes = h("div", { class: "panes", dataset: { view: "list" } },
      h("section", { class: "list-pane", "aria-label": "Ticket list" }, this.list.element),
      this.detail);
    this.frame = h("div", { class: "tab" },
      h("header", { class: "bar" }, h("h1", {}, "Support"), this.chips),
      this.banner, this.panes, this.toasts, this.lightbox.element);
    root.replaceChildren(h("link", { rel: "stylesheet", href: STYLESHEET, crossorigin: "anonymous" }),
      this.frame);
    this._placeholder();

    this.rpc = new ServiceConnection(this.getAttribute("service") || SERVICE);
    this.rpc.addEventListener("open", () => this._connected());
    this.rpc.addEventListener("status", (event) => this._linkStatus(event.detail));
    this.rpc.addEventListener("notification", (event) => this._notification(event.detail));
    this.rpc.start();
  }

  disconnectedCallback() {
    if (!this._started) return;
    this._started = false;
    if (this.current && this.current.close) this.current.close();
    this.rpc.stop();
  }

  // -- navigation ----------------------------------------------------------------------

  showList() {
    const previous = this.current;
    this._swap(null, "list");
    this._placeholder();
    if (previous instanceof TicketView) this.list.focusRow(ticketKey(previous.project, previous.ticketId));
    else this.list.search.focus();
  }

  showNewTicket() {
    const bound = this._visibleProjects().filter((p) => p.bound);
    if (bound.length === 0 && this._visibleProjects().length > 0) {
      this.showEnroll(this._visibleProjects()[0].label);
      return;
    }
    this._swap(new NewTicketForm(this, bound), "new");
  }

  showEnroll(label) {
    const state = this.projects.get(label);
    if (state) this._swap(new EnrollPanel(this, state), "enroll");
  }

  openTicket(project, ticketId) {
    const view = new TicketView(this, project, ticketId);
    this._swap(view, "ticket");
    this.list.select(ticketKey(project, ticketId));
    view.load();
  }

  _swap(view, name) {
    if (this.current && this.current.close) this.current.close();
    this.current = view;
    this.view = name;
    this.panes.dataset.view = name;
    if (name !== "ticket") this.list.select(null);
    if (view) {
      replace(this.detail, view.element);
      view.focus();
    }
  }

  _placeholder() {
    const visible = this._visibleProjects();
    if (!this._projectsKnown) {
      replace(this.detail, h("div", { class: "placeholder" },
        h("p", {}, "Connecting to the local support service…")));
      return;
    }
    if (visible.length === 0) {
      replace(this.detail, this._followForm().element);
      return;
    }
    replace(this.detail, h("div", { class: "placeholder" },
      h("p", {}, "Select a ticket to read the conversation, or create a new one.")));
  }

  _keydown(event) {
    if (event.key !== "Escape" || this.view === "list") return;
    const target = event.composedPath()[0];
    if (target && (target.tagName === "TEXTAREA" || target.tagName === "INPUT") && target.value) return;
    if (this.lightbox.element.open) return;
    event.preventDefault();
    this.showList();
  }

  // -- projects ------------------------------------------------------------------------

  async refreshProjects() {
    try {
      const states = await this.rpc.call("client.projects");
      this.projects = new Map(states.map((s) => [s.label, s]));
      this._projectsKnown = true;
      this._projectsChanged();
    } catch (error) {
      this.fail(`Could not read the followed projects: ${describeError(error)}`);
    }
  }

  _visibleProjects() {
    const only = this.getAttribute("project");
    return [...this.projects.values()].filter((p) => !only || p.label === only);
  }

  _projectsChanged() {
    const visible = this._visibleProjects();
    this.list.setProjects(visible);
    replace(this.chips, visible.map((state) => {
      const { text, level } = this._linkLost ? { text: "no news while offline", level: "warn" }
        : connectionText(state);
      const role = roleOf(state);
      return h("li", { class: `chip level-${level}`, title: state.last_error || state.server, dataset: { project: state.label } },
        h("span", { class: "dot", "aria-hidden": "true" }),
        h("span", { class: "chip-label" }, state.label),
        h("span", { class: "chip-state" }, text),
        state.user ? h("span", { class: "chip-user" }, `${state.user.display_name}${isStaff(role) ? ` · ${role}` : ""}`) : null,
        state.phase === "online" && !state.bound
          ? h("button", { type: "button", class: "link", onclick: () => this.showEnroll(state.label) }, "Sign in")
          : null);
    }));
    const unbound = visible.filter((p) => p.phase === "online" && !p.bound);
    const nothing = visible.length === 0 && !this.getAttribute("project");
    this.list.setSignIn(nothing ? [h("li", {}, h("span", {}, "No project is followed yet."),
      h("button", { type: "button", class: "primary", onclick: () => this.showFollow() },
        "Follow a project"))] : unbound.map((p) => h("li", {},
      h("span", {}, "Sign in to ", h("strong", {}, p.project_name || p.label), " to see your tickets."),
      h("button", { type: "button", class: "primary", onclick: () => this.showEnroll(p.label) },
        `Sign in to ${p.label}`))));
    if (!this.current) this._placeholder();
    if (this.current instanceof EnrollPanel && this.projects.has(this.current.project)) {
      this.current.update(this.projects.get(this.current.project));
    }
  }

  _followForm() {
    const server = h("input", { type: "text", required: true, placeholder: "[400::1]:7330" });
    const label = h("input", { type: "text", placeholder: "acme (optional)", maxlength: "40" });
    const form = h("form", { class: "placeholder follow", onsubmit: async (e) => {
      e.preventDefault();
      try {
        const params = { address: server.value.trim() };
        if (label.value.trim()) params.label = label.value.trim();
        const state = await this.rpc.call("client.follow", params);
        await this.refreshProjects();
        this.reloadTickets();
        if (state.bound) this.showList();
        else this.showEnroll(state.label);
      } catch (error) {
        this.fail(`Could not follow that project: ${describeError(error)}`);
      }
    } },
    h("h2", {}, "No project followed yet"),
    h("p", {}, "Follow a project server by its address; you then sign this device in with your email."),
    h("label", { class: "field" }, h("span", {}, "Server address"), server),
    h("label", { class: "field" }, h("span", {}, "Label"), label),
    h("div", { class: "form-actions" }, h("button", { type: "submit", class: "primary" }, "Follow")));
    return { element: form, focus: () => server.focus() };
  }

  showFollow() {
    this._swap(this._followForm(), "follow");
  }

  // -- tickets -------------------------------------------------------------------------

  async reloadTickets() {
    const seq = ++this._loadSeq;
    const f = this.list.filters;
    const params = {
      status: f.status === "active" ? OPEN_STATUSES : f.status === "all" ? [] : [f.status],
      query: f.query, limit: this._pageSize(),
    };
    const only = f.project || this.getAttribute("project");
    if (only) params.project = only;
    if (f.assignee === "me") params.assigned_to_me = true;
    else if (f.assignee === "none") params.unassigned = true;
    this._listParams = params;
    this._more = {};
    this.list.render(this._sorted(), { loading: true });
    let page;
    try {
      page = await this.rpc.call("ticket.list", params);
    } catch (error) {
      if (seq !== this._loadSeq) return;
      const problem = only && error.code === -32001 ? `${only}: not signed in` : describeError(error);
      this.tickets = new Map();
      this._problems = [problem];
      this._renderList();
      return;
    }
    if (seq !== this._loadSeq) return;
    this.tickets = new Map(page.items.map((item) => [ticketKey(item.project, item.ticket.id), item]));
    this._more = page.next_cursors || {};
    this._problems = Object.entries(page.problems || {}).map(([label, problem]) =>
      `${label}: ${problem.code === -32001 ? "not signed in" : problem.message}`);
    this._renderList();
  }

  _sorted() {
    return [...this.tickets.values()].sort((a, b) =>
      (b.ticket.updated_at > a.ticket.updated_at ? 1 : b.ticket.updated_at < a.ticket.updated_at ? -1 : 0));
  }

  _renderList() {
    this.list.render(this._sorted(),
      { problems: this._problems, more: Object.keys(this._more || {}).length > 0 });
  }

  _pageSize() {
    const wanted = Number.parseInt(this.getAttribute("page-size") || "", 10);
    return wanted >= 1 && wanted <= 200 ? wanted : 50;
  }

  /** The next page of every project that has more (same filters). */
  async loadMoreTickets() {
    const seq = this._loadSeq;
    const params = { ...this._listParams };
    if (params.project) params.cursor = this._more[params.project];
    else params.cursors = this._more;
    this.list.more.disabled = true;
    try {
      const page = await this.rpc.call("ticket.list", params);
      if (seq !== this._loadSeq) return;
      for (const item of page.items) this.tickets.set(ticketKey(item.project, item.ticket.id), item);
      this._more = page.next_cursors || {};
      this._renderList();
    } catch (error) {
      this.fail(`Could not load more tickets: ${describeError(error)}`);
    } finally {
      this.list.more.disabled = false;
    }
  }

  /** A ticket changed (from a live event or our own change): keep the list right. */
  upsertTicket(project, ticket) {
    const key = ticketKey(project, ticket.id);
    const known = this.tickets.get(key);
    const merged = { ...(known ? known.ticket : {}), ...ticket };
    if (this._matches(project, merged)) this.tickets.set(key, { ...(known || {}), project, ticket: merged });
    else this.tickets.delete(key);
    this._renderList();
  }

  _matches(project, ticket) {
    const f = this.list.filters;
    const only = this.getAttribute("project");
    if ((f.project && project !== f.project) || (only && project !== only)) return false;
    if (f.status === "active" && !OPEN_STATUSES.includes(ticket.status)) return false;
    if (f.status !== "active" && f.status !== "all" && ticket.status !== f.status) return false;
    const state = this.projects.get(project);
    if (f.assignee === "me" && (!state || !state.user || ticket.assignee_id !== state.user.id)) return false;
    if (f.assignee === "none" && ticket.assignee_id) return false;
    return true;
  }

  // -- people --------------------------------------------------------------------------

  /** Make sure the display names of `ids` in `project` are known. */
  async people(project, ids) {
    if (!this._people.has(project)) this._people.set(project, new Map());
    const known = this._people.get(project);
    const missing = [...new Set(ids.filter((id) => id && !known.has(id)))];
    if (missing.length === 0) return;
    try {
      const people = await this.rpc.call("user.people", { project, ids: missing });
      for (const person of people) known.set(person.id, person);
    } catch {
      // Names are a nicety: "User 12" is shown instead.
    }
  }

  person(project, id) {
    const known = this._people.get(project);
    return known ? known.get(id) : undefined;
  }

  personName(project, id) {
    const state = this.projects.get(project);
    if (state && state.user && state.user.id === id) return `${state.user.display_name} (you)`;
    const person = this.person(project, id);
    return person ? person.display_name : `User ${id}`;
  }

  // -- the local service -------------------------------------------------------------

  async _connected() {
    if (this._everConnected) this.say("Reconnected to the local support service.");
    this._everConnected = true;
    this.banner.hidden = true;
    try {
      await this.rpc.call("events.subscribe", {});
    } catch (error) {
      this.fail(`Live updates are off: ${describeError(error)}`);
    }
    await this.refreshProjects();
    await this.reloadTickets();
    // Notifications sent while the socket was down were missed: read the ticket again.
    if (this.current instanceof TicketView && this.current.ticket) {
      await this.current.refresh();
      this.current.refreshPresence();
    }
  }

  _linkStatus(status) {
    this._linkLost = status === "lost";
    this._projectsChanged();
    if (status !== "lost") return;
    replace(this.banner,
      h("span", {}, "Lost the connection to the local support service. Reconnecting automatically…"),
      h("button", { type: "button", class: "secondary", onclick: () => this.rpc.retryNow() }, "Retry now"));
    this.banner.hidden = false;
  }

  _notification({ method, params }) {
    if (method === "client.state" && params && params.state) {
      const state = params.state;
      const before = this.projects.get(state.label);
      this.projects.set(state.label, state);
      this._projectsChanged();
      const gainedAccess = state.bound && state.streaming && !(before && before.bound && before.streaming);
      if (gainedAccess) this.reloadTickets();
    } else if (method === "client.event" && params && params.event) {
      this._event(params.project, params.event);
    }
  }

  _event(project, event) {
    const data = event.data || {};
    if ((event.kind === "ticket.created" || event.kind === "ticket.updated") && data.ticket) {
      if (this.list.filters.query) this._scheduleReload();
      else this.upsertTicket(project, data.ticket);
    } else if (event.kind === "message.created" && this.list.filters.query) {
      this._scheduleReload();
    }
    if (this.current instanceof TicketView && this.current.project === project) this.current.onEvent(event);
  }

  _scheduleReload() {
    clearTimeout(this._reloadTimer);
    this._reloadTimer = setTimeout(() => this.reloadTickets(), 300);
  }

  // -- messages to the person ----------------------------------------------------------

  say(text) {
    this._toast(text, "info", 4000);
  }

  fail(text) {
    this._toast(text, "error", 10000);
  }

  _toast(text, kind, ms) {
    const toast = h("div", { class: `toast ${kind}`, role: kind === "error" ? "alert" : "status" },
      h("span", {}, text),
      h("button", { type: "button", class: "icon", "aria-label": "Dismiss", onclick: () => toast.remove() }, "×"));
    this.toasts.append(toast);
    setTimeout(() => toast.remove(), ms);
  }
}

if (!customElements.get("hero-support-tab")) customElements.define("hero-support-tab", HeroSupportTab);
