// <hero-support-tab>: the Support tab as a custom element. It renders into its own
// shadow root and talks to the local support service it was loaded from (the origin
// of this module), so a host page only adds the element and embed.js.
//
// The element is the controller: the route (router.js) says which screen is shown and
// with which filters; the projects, people, teams and queue counts it knows are shared
// by the views; live events from the service keep everything current.
import { h, replace } from "./dom.js";
import { EnrollPanel } from "./enroll.js";
import { OPEN_STATUSES, PRIORITY_RANK, connectionText, isStaff, roleOf } from "./format.js";
import { Lightbox } from "./images.js";
import { TicketList, ticketKey } from "./list.js";
import { NewTicketForm } from "./newticket.js";
import { Notifier } from "./notify.js";
import { Router, defaultList } from "./router.js";
import { ServiceConnection, describeError } from "./rpc.js";
import { screen, visibleScreens } from "./screens.js";
import "./settings.js";
import { Shortcuts } from "./shortcuts.js";
import { TicketView } from "./ticket.js";

const STYLESHEET = new URL("./tab.css", import.meta.url).href;
const SERVICE = new URL("../", import.meta.url).href;
const QUEUE_REFRESH_MS = 400;

export class HeroSupportTab extends HTMLElement {
  constructor() {
    super();
    this.projects = new Map();
    this.tickets = new Map();
    this.queueCounts = [];
    this.unreadTotal = 0;
    this._people = new Map();
    this._staff = new Map();
    this._teams = new Map();
    this._loadSeq = 0;
    this._loadedFilters = null;
    this._problems = [];
    this.current = null;
    this.view = "list";
    this.route = { screen: "list", list: defaultList(), ticket: null, server: "" };
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
    this.shortcuts = new Shortcuts(this);
    this.notifier = new Notifier(this);
    this.chips = h("ul", { class: "projects", "aria-label": "Projects and their connection" });
    this.screenLinks = h("ul", { class: "screen-links", "aria-label": "Screens" });
    this.banner = h("div", { class: "banner", role: "alert", hidden: true });
    this.toastList = h("div", { class: "toasts-inner" });
    this.toasts = h("div", { class: "toasts" }, this.toastList);
    this.detail = h("section", { class: "detail-pane", "aria-label": "Ticket" });
    this.panes = h("main", { class: "panes", dataset: { view: "list" } },
      h("section", { class: "list-pane", "aria-label": "Ticket list" }, this.list.element),
      this.detail);
    // Focusable (not in the tab order): a click anywhere in the tab keeps the keyboard
    // inside it, so the shortcuts work after clicking on plain text too.
    this.frame = h("div", { class: "tab", tabindex: "-1" },
      h("header", { class: "bar" }, h("h1", {}, "Support"), this.chips,
        h("div", { class: "bar-actions" }, this.screenLinks,
          h("button", { type: "button", class: "icon help", "aria-label": "Keyboard shortcuts",
            title: "Keyboard shortcuts (?)", onclick: () => this.shortcuts.show() }, "?"))),
      this.banner, this.panes, this.toasts, this.lightbox.element, this.shortcuts.element);
    root.replaceChildren(h("link", { rel: "stylesheet", href: STYLESHEET, crossorigin: "anonymous" }),
      this.frame);
    this._placeholder();
    this._renderScreenLinks();

    this.router = new Router({ owned: this.hasAttribute("url-state"), onRoute: (r) => this._routed(r) });
    this.rpc = new ServiceConnection(this.getAttribute("service") || SERVICE);
    this.rpc.addEventListener("open", () => this._connected());
    this.rpc.addEventListener("status", (event) => this._linkStatus(event.detail));
    this.rpc.addEventListener("notification", (event) => this._notification(event.detail));
    this.router.start();
    this.rpc.start();
  }

  disconnectedCallback() {
    if (!this._started) return;
    this._started = false;
    if (this.current && this.current.close) this.current.close();
    this.router.stop();
    this.rpc.stop();
  }

  // -- navigation ----------------------------------------------------------------------

  /** Show the list (Escape, the back button): back where the person came from. */
  showList() {
    if (this.route.screen === "list") return;
    if (this.router.canGoBack) this.router.back();
    else this.router.go({ ...this.route, screen: "list", ticket: null });
  }

  showNewTicket() {
    const bound = this._visibleProjects().filter((p) => p.bound);
    if (bound.length === 0 && this._visibleProjects().length > 0) {
      this.showEnroll(this._visibleProjects()[0].label);
      return;
    }
    this.router.go({ ...this.route, screen: "new", ticket: null });
  }

  showScreen(name) {
    this.router.go({ ...this.route, screen: name, ticket: null });
  }

  showEnroll(label) {
    const state = this.projects.get(label);
    if (state) this._swap(new EnrollPanel(this, state), "enroll");
  }

  openTicket(project, ticketId) {
    const state = this.projects.get(project);
    this.router.go({ ...this.route, screen: "ticket", ticket: { project, id: ticketId },
      server: state ? state.server : "" });
  }

  /** Change the list's filters (a queue, a select, the search box); Back undoes it. */
  setListFilters(patch, { replace: replaceEntry = false } = {}) {
    this.router.go({ ...this.route, list: { ...this.route.list, ...patch } },
      { replace: replaceEntry });
  }

  /** The address of the open ticket, as a colleague can open it on their own tab. */
  ticketLink(project, ticketId) {
    const state = this.projects.get(project);
    const hash = `#/ticket/${encodeURIComponent(project)}/${ticketId}` +
      (state ? `?srv=${encodeURIComponent(state.server)}` : "");
    return new URL(hash, this.router.owned ? window.location.href : SERVICE).href;
  }

  _routed(route) {
    const before = this.route;
    this.route = route;
    if (route.screen === "ticket" && route.ticket && !this.projects.has(route.ticket.project) && this._projectsKnown) {
      // A colleague's link: the same server may be followed here under another label.
      const same = [...this.projects.values()].find((p) => route.server && p.server === route.server);
      if (same) {
        this.router.go({ ...route, ticket: { ...route.ticket, project: same.label } }, { replace: true });
        return;
      }
    }
    this.list.showFilters();
    if (this._projectsKnown && JSON.stringify(route.list) !== this._loadedFilters) this.reloadTickets();
    if (route.screen === "ticket" && route.ticket) {
      const same = this.current instanceof TicketView && this.current.project === route.ticket.project
        && this.current.ticketId === route.ticket.id;
      if (!same && this._projectsKnown) {
        const view = new TicketView(this, route.ticket.project, route.ticket.id);
        this._swap(view, "ticket");
        this.list.select(ticketKey(route.ticket.project, route.ticket.id));
        view.load();
      }
    } else if (route.screen === "new") {
      if (!(this.current instanceof NewTicketForm) && this._projectsKnown) {
        this._swap(new NewTicketForm(this, this._visibleProjects().filter((p) => p.bound)), "new");
      }
    } else if (route.screen !== "list" && screen(route.screen)) {
      const wanted = screen(route.screen);
      if (!(this.current && this.current.screenName === route.screen) && this._projectsKnown) {
        const view = wanted.create(this, route);
        view.screenName = route.screen;
        this._swap(view, route.screen);
      }
    } else if (this.current || this.view !== "list") {
      const previous = this.current;
      this._swap(null, "list");
      this._placeholder();
      if (previous instanceof TicketView) this.list.focusRow(ticketKey(previous.project, previous.ticketId));
      else if (before.screen !== "list") this.list.search.focus();
    }
    this._renderScreenLinks();
  }

  _swap(view, name) {
    if (this.current && this.current.close) this.current.close();
    this.current = view;
    this.view = name;
    this.panes.dataset.view = name;
    if (name !== "ticket") this.list.select(null);
    if (view) {
      replace(this.detail, view.element);
      this.detail.setAttribute("aria-label", view.title || (name === "ticket" ? "Ticket" : name));
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
      h("p", {}, "Select a ticket to read the conversation, or create a new one."),
      h("p", { class: "hint" }, "Press ? for keyboard shortcuts.")));
  }

  _renderScreenLinks() {
    if (!this.screenLinks) return;
    replace(this.screenLinks, visibleScreens(this).map((s) => h("li", {}, h("button", {
      type: "button", class: "link", "aria-current": this.route.screen === s.name ? "page" : false,
      onclick: () => this.showScreen(s.name),
    }, s.label))));
  }

  _keydown(event) {
    if (this.shortcuts.handle(event)) return;
    if (event.key !== "Escape" || this.view === "list") return;
    const target = event.composedPath()[0];
    if (target && (target.tagName === "TEXTAREA" || target.tagName === "INPUT") && target.value) return;
    if (this.lightbox.element.open || this.shortcuts.element.open) return;
    if (this.current && this.current.handleEscape && this.current.handleEscape()) return;
    event.preventDefault();
    this.showList();
  }

  // -- projects ------------------------------------------------------------------------

  async refreshProjects() {
    try {
      const states = await this.rpc.call("client.projects");
      this.projects = new Map(states.map((s) => [s.label, s]));
      const first = !this._projectsKnown;
      this._projectsKnown = true;
      this._projectsChanged();
      if (first) this._routed(this.route);
      return first;
    } catch (error) {
      this.fail(`Could not read the followed projects: ${describeError(error)}`);
      return false;
    }
  }

  _visibleProjects() {
    const only = this.getAttribute("project");
    return [...this.projects.values()].filter((p) => !only || p.label === only);
  }

  /** Whether the person is an agent or an admin on at least one project. */
  isStaffSomewhere() {
    return this._visibleProjects().some((p) => isStaff(roleOf(p)));
  }

  isAdminSomewhere() {
    return this._visibleProjects().some((p) => roleOf(p) === "admin");
  }

  myId(project) {
    const state = this.projects.get(project);
    return state && state.user ? state.user.id : null;
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
    this._renderScreenLinks();
    for (const state of visible) {
      if (state.bound && isStaff(roleOf(state))) {
        this.loadStaff(state.label);
        this.loadTeams(state.label);
      }
    }
  }

  _followForm() {
    const server = h("input", { type: "text", required: true, placeholder: "[400::1]:7330", "aria-label": "Server address" });
    const label = h("input", { type: "text", placeholder: "acme (optional)", maxlength: "40", "aria-label": "Label" });
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

  /** The ticket.list params of the route's filters. */
  listParams() {
    const f = this.route.list;
    const only = f.project || this.getAttribute("project");
    const params = {
      status: f.status === "" ? OPEN_STATUSES : f.status === "all" ? [] : [f.status],
      query: f.q, limit: this._pageSize(),
    };
    if (only) params.project = only;
    if (f.priority) params.priority = [f.priority];
    if (f.tag) params.tag = f.tag;
    if (f.order) params.order = f.order;
    if (f.assignee === "me") params.assigned_to_me = true;
    else if (f.assignee === "none") params.unassigned = true;
    else if (/^\d+$/.test(f.assignee) && only) params.assignee_id = Number(f.assignee);
    if (/^\d+$/.test(f.requester) && only) params.requester_id = Number(f.requester);
    const team = /^(.+):(\d+)$/.exec(f.team || "");
    if (team) {
      params.project = team[1];
      params.team_id = Number(team[2]);
    }
    return params;
  }

  async reloadTickets() {
    const seq = ++this._loadSeq;
    const params = this.listParams();
    this._loadedFilters = JSON.stringify(this.route.list);
    this._listParams = params;
    this._more = {};
    this.list.render(this._sorted(), { loading: true });
    let page;
    try {
      page = await this.rpc.call("ticket.list", params);
    } catch (error) {
      if (seq !== this._loadSeq) return;
      const only = params.project;
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
    await this._namesFor(page.items);
    if (seq !== this._loadSeq) return;
    this._renderList();
  }

  async _namesFor(items) {
    const byProject = new Map();
    for (const { project, ticket } of items) {
      if (!byProject.has(project)) byProject.set(project, []);
      byProject.get(project).push(ticket.requester_id, ticket.assignee_id);
    }
    await Promise.all([...byProject].map(([project, ids]) => this.people(project, ids)));
  }

  _sorted() {
    const byPriority = this.route.list.order === "priority";
    const newest = this.route.list.order === "newest";
    return [...this.tickets.values()].sort((a, b) => {
      if (byPriority) {
        const rank = PRIORITY_RANK[b.ticket.priority] - PRIORITY_RANK[a.ticket.priority];
        if (rank) return rank;
      }
      const [x, y] = newest ? [a.ticket.created_at, b.ticket.created_at] : [a.ticket.updated_at, b.ticket.updated_at];
      return y > x ? 1 : y < x ? -1 : b.ticket.id - a.ticket.id;
    });
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
      await this._namesFor(page.items);
      this._renderList();
    } catch (error) {
      this.fail(`Could not load more tickets: ${describeError(error)}`);
    } finally {
      this.list.more.disabled = false;
    }
  }

  /** A ticket changed (from a live event or our own change): keep the list right. */
  upsertTicket(project, ticket, { unread } = {}) {
    const key = ticketKey(project, ticket.id);
    const known = this.tickets.get(key);
    const merged = { ...(known ? known.ticket : {}), ...ticket };
    const flag = unread === undefined ? Boolean(known && known.unread) : unread;
    if (this._matches(project, merged)) {
      this.tickets.set(key, { ...(known || {}), project, ticket: merged, unread: flag });
      this.people(project, [merged.requester_id, merged.assignee_id]).then(() => this._renderList());
    } else {
      this.tickets.delete(key);
    }
    this._renderList();
  }

  /** The unread marker of a listed ticket (read.changed, opening it, new activity). */
  setUnread(project, ticketId, unread) {
    const key = ticketKey(project, ticketId);
    const known = this.tickets.get(key);
    if (known && known.unread !== unread) {
      this.tickets.set(key, { ...known, unread });
      this._renderList();
    }
  }

  _matches(project, ticket) {
    const f = this.route.list;
    const params = this.listParams();
    const only = params.project || this.getAttribute("project");
    if (only && project !== only) return false;
    if (f.status === "" && !OPEN_STATUSES.includes(ticket.status)) return false;
    if (f.status !== "" && f.status !== "all" && ticket.status !== f.status) return false;
    if (f.priority && ticket.priority !== f.priority) return false;
    if (f.tag && !(ticket.tags || []).includes(f.tag)) return false;
    const me = this.myId(project);
    if (f.assignee === "me" && ticket.assignee_id !== me) return false;
    if (f.assignee === "none" && ticket.assignee_id) return false;
    if (params.assignee_id && ticket.assignee_id !== params.assignee_id) return false;
    if (params.requester_id && ticket.requester_id !== params.requester_id) return false;
    if (params.team_id && ticket.team_id !== undefined && ticket.team_id !== params.team_id) return false;
    return true;
  }

  // -- people, staff, teams, queues --------------------------------------------------

  /** Make sure the display names of `ids` in `project` are known. */
  async people(project, ids) {
    if (!this._people.has(project)) this._people.set(project, new Map());
    const known = this._people.get(project);
    const missing = [...new Set(ids.filter((id) => id && !known.has(id)))];
    if (missing.length === 0) return;
    try {
      const people = await this.rpc.call("user.people", { project, ids: missing.slice(0, 200) });
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

  /** The project's agents and admins (staff.list), cached; [] until known. */
  staffOf(project) {
    return this._staff.get(project) || [];
  }

  async loadStaff(project, { fresh = false } = {}) {
    if (this._staff.has(project) && !fresh) return this._staff.get(project);
    try {
      const staff = await this.rpc.call("staff.list", { project });
      this._staff.set(project, staff);
      if (!this._people.has(project)) this._people.set(project, new Map());
      for (const m of staff) this._people.get(project).set(m.id, { id: m.id, display_name: m.display_name, role: m.role });
      this.list.showFilters();
      return staff;
    } catch {
      return [];
    }
  }

  teamsOf(project) {
    return this._teams.get(project) || [];
  }

  teamName(project, teamId) {
    const team = this.teamsOf(project).find((t) => t.id === teamId);
    return team ? team.name : `Team ${teamId}`;
  }

  async loadTeams(project, { fresh = false } = {}) {
    if (this._teams.has(project) && !fresh) return this._teams.get(project);
    try {
      const teams = await this.rpc.call("team.list", { project });
      this._teams.set(project, teams);
      this._renderList();
      return teams;
    } catch {
      return [];
    }
  }

  /** My teams' ids in a project (for notifications). */
  myTeams(project) {
    const me = this.myId(project);
    return new Set(this.teamsOf(project).filter((t) => t.members.includes(me)).map((t) => t.id));
  }

  async suggestTags(project, prefix, datalist) {
    if (!project || !isStaff(roleOf(this.projects.get(project)))) return;
    try {
      const found = await this.rpc.call("tag.suggest", { project, prefix: prefix.trim().toLowerCase(), limit: 10 });
      replace(datalist, found.map((t) => h("option", { value: t.tag }, `${t.tag} (${t.count})`)));
    } catch {
      // Suggestions are a nicety.
    }
  }

  refreshQueues() {
    clearTimeout(this._queueTimer);
    this._queueTimer = setTimeout(() => this._loadQueues(), QUEUE_REFRESH_MS);
  }

  async _loadQueues() {
    try {
      const found = await this.rpc.call("client.queues");
      this.queueCounts = found.items.filter((i) => isStaff(roleOf(this.projects.get(i.project))));
      this.unreadTotal = found.unread;
      for (const item of this.queueCounts) {
        const known = new Set(this.teamsOf(item.project).map((t) => t.id));
        const listed = item.counts.views.filter((v) => v.team_id).map((v) => v.team_id);
        // A team an admin added or removed meanwhile: read the teams again.
        if (listed.length !== known.size || listed.some((id) => !known.has(id))) {
          this.loadTeams(item.project, { fresh: true });
        }
      }
    } catch {
      return;
    }
    this.list.renderQueues();
    this._showUnreadCount();
  }

  _showUnreadCount() {
    const count = this.unreadTotal;
    if (this.router.owned) {
      document.title = count ? `(${count >= 100 ? "99+" : count}) Support` : "Support";
    }
    this.dispatchEvent(new CustomEvent("unread-changed", { detail: { count }, bubbles: true, composed: true }));
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
    const first = await this.refreshProjects();  // the first time, routing loads the list
    this.notifier.load();
    await Promise.all([first ? null : this.reloadTickets(), this._loadQueues()]);
    // Notifications sent while the socket was down were missed: read the ticket again.
    const open = this.current;
    if (open instanceof TicketView && open.ticket) {
      await open.refresh();
      open.refreshPresence();
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
      if (gainedAccess) {
        this.reloadTickets();
        this.refreshQueues();
      }
    } else if (method === "client.event" && params && params.event) {
      this._event(params.project, params.event);
    }
  }

  _event(project, event) {
    const data = event.data || {};
    const me = this.myId(project);
    const open = this.current instanceof TicketView && this.current.project === project
      && this.current.ticketId === event.ticket_id && !document.hidden;
    if ((event.kind === "ticket.created" || event.kind === "ticket.updated") && data.ticket) {
      const byOther = data.actor_id !== undefined ? data.actor_id !== me
        : event.kind === "ticket.created" && data.ticket.requester_id !== me;
      if (this.route.list.q) this._scheduleReload();
      else this.upsertTicket(project, data.ticket, byOther && !open ? { unread: true } : {});
      this.refreshQueues();
    } else if (event.kind === "message.created" || event.kind === "message.edited") {
      if (this.route.list.q && event.kind === "message.created") this._scheduleReload();
      if (data.message && data.message.author_id !== me && event.kind === "message.created" && !open) {
        this.setUnread(project, event.ticket_id, true);
      }
      this.refreshQueues();
    } else if (event.kind === "read.changed") {
      this.setUnread(project, data.ticket_id, Boolean(data.unread));
      this.refreshQueues();
    }
    this.notifier.consider(project, event);
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
    this.toastList.append(toast);
    setTimeout(() => toast.remove(), ms);
  }
}

if (!customElements.get("hero-support-tab")) customElements.define("hero-support-tab", HeroSupportTab);
