// The ticket list: the queues with their live counts (staff), filters and sort, one row
// per ticket with its unread marker, selection for bulk changes, "Load more". The
// filters live in the route (router.js); every change navigates, so Back restores them.
import { h, keepFocus, replace, select, uid } from "./dom.js";
import {
  ORDER_LABEL, PRIORITIES, PRIORITY_LABEL, QUEUES, STATUSES, STATUS_LABEL, ago, capped, isStaff,
  roleOf, when,
} from "./format.js";
import { BulkBar } from "./bulk.js";

const STATUS_FILTERS = [
  { value: "", label: "Open tickets" },
  { value: "all", label: "All statuses" },
  ...STATUSES.map((s) => ({ value: s, label: STATUS_LABEL[s] })),
];
const FILTER_KEYS = ["status", "priority", "tag", "assignee", "requester", "team"];

/** The key of a ticket across projects. */
export function ticketKey(project, id) {
  return `${project}#${id}`;
}

/** Whether the list's filters are exactly a queue's preset (and nothing else is set). */
export function queueOf(filters) {
  if (filters.team) {
    const rest = FILTER_KEYS.filter((k) => k !== "team" && k !== "status").some((k) => filters[k]);
    return !rest && !filters.status ? `team:${filters.team}` : null;
  }
  for (const queue of QUEUES) {
    const wanted = { status: "", priority: "", tag: "", assignee: "", requester: "", team: "",
      ...queue.filters };
    if (FILTER_KEYS.every((k) => (filters[k] || "") === wanted[k])) return queue.view;
  }
  return null;
}

export class TicketList {
  constructor(app) {
    this.app = app;
    this.selectedKey = null;
    this.checked = new Set();
    this._anchor = null;
    this._debounce = null;
    this._items = [];

    const searchId = uid("search");
    this.search = h("input", {
      id: searchId, type: "search", placeholder: "Search subjects and messages",
      autocomplete: "off", dataset: { shortcut: "search" }, oninput: () => this._queryChanged(),
      onkeydown: (e) => { if (e.key === "Enter") { e.preventDefault(); this._queryChanged(0); } },
    });
    this.projectSelect = select({ "aria-label": "Project", onchange: (e) => this._set({ project: e.target.value, team: "", assignee: this._keepAssignee(), requester: "" }) },
      [{ value: "", label: "All projects" }], "");
    this.statusSelect = select({ "aria-label": "Status", onchange: (e) => this._set({ status: e.target.value }) },
      STATUS_FILTERS, "");
    this.prioritySelect = select({ "aria-label": "Priority", onchange: (e) => this._set({ priority: e.target.value }) },
      [{ value: "", label: "Any priority" }, ...PRIORITIES.map((p) => ({ value: p, label: PRIORITY_LABEL[p] }))], "");
    this.assigneeSelect = select({ "aria-label": "Assignee", onchange: (e) => this._set({ assignee: e.target.value }) },
      this._assigneeOptions(), "");
    this.orderSelect = select({ "aria-label": "Sort by", onchange: (e) => this._set({ order: e.target.value }) },
      Object.entries(ORDER_LABEL).map(([value, label]) => ({ value: value === "updated" ? "" : value, label })), "");
    this.tagInput = h("input", { type: "text", placeholder: "any tag", autocomplete: "off",
      "aria-label": "Tag", list: uid("tags"), maxlength: "40",
      onchange: (e) => this._set({ tag: e.target.value.trim().toLowerCase() }),
      oninput: (e) => this.app.suggestTags(this._onlyProject(), e.target.value, this.tagList) });
    this.tagList = h("datalist", { id: this.tagInput.getAttribute("list") });
    this.projectField = h("label", { class: "field compact" }, h("span", {}, "Project"), this.projectSelect);
    this.assigneeField = h("label", { class: "field compact" }, h("span", {}, "Assignee"), this.assigneeSelect);
    this.tagField = h("label", { class: "field compact" }, h("span", {}, "Tag"), this.tagInput, this.tagList);
    this.requesterChip = h("p", { class: "requester-filter", hidden: true });
    this.queues = h("nav", { class: "queues", "aria-label": "Queues" });
    this.summary = h("p", { class: "list-summary", role: "status" });
    this.signIn = h("ul", { class: "sign-in-list", hidden: true, "aria-label": "Projects to sign in to" });
    this.rows = h("ul", { class: "tickets", "aria-label": "Tickets" });
    this.bulk = new BulkBar(app, this);
    this.more = h("button", { type: "button", class: "secondary more", hidden: true,
      onclick: () => app.loadMoreTickets() }, "Load more tickets");
    this.element = h("div", { class: "list" },
      h("div", { class: "list-head" },
        h("h2", {}, "Tickets"),
        h("button", { type: "button", class: "primary", dataset: { shortcut: "new" }, onclick: () => app.showNewTicket() },
          "New ticket")),
      this.queues,
      h("form", { class: "filters", role: "search", onsubmit: (e) => e.preventDefault() },
        h("label", { class: "visually-hidden", for: searchId }, "Search tickets"),
        this.search,
        h("div", { class: "filter-row" },
          this.projectField,
          h("label", { class: "field compact" }, h("span", {}, "Status"), this.statusSelect),
          h("label", { class: "field compact" }, h("span", {}, "Priority"), this.prioritySelect),
          this.assigneeField, this.tagField,
          h("label", { class: "field compact" }, h("span", {}, "Sort"), this.orderSelect)),
        this.requesterChip),
      this.signIn, this.summary, this.bulk.element, this.rows, this.more);
  }

  get filters() {
    return this.app.route.list;
  }

  /** The projects changed: refresh the project filter and which filters apply. */
  setProjects(projects) {
    const options = [{ value: "", label: "All projects" },
      ...projects.map((p) => ({ value: p.label, label: p.project_name ? `${p.label} (${p.project_name})` : p.label }))];
    replace(this.projectSelect, [...select({}, options, this.filters.project).children]);
    this.projectSelect.value = this.filters.project;
    this.projectField.hidden = projects.length < 2;
    const staff = projects.some((p) => isStaff(roleOf(p)));
    this.assigneeField.hidden = !staff;
    this.tagField.hidden = !staff;
    this.queues.hidden = !staff;
    this.bulk.setAllowed(staff);
  }

  /** The route's filters, shown in the controls (after Back, a reload, a queue). */
  showFilters() {
    const f = this.filters;
    if (this.search !== this.app.shadowRoot.activeElement) this.search.value = f.q;
    this.projectSelect.value = f.project;
    this.statusSelect.value = f.status;
    this.prioritySelect.value = f.priority;
    this.orderSelect.value = f.order;
    this.tagInput.value = f.tag;
    replace(this.assigneeSelect, [...select({}, this._assigneeOptions(), f.assignee).children]);
    this.assigneeSelect.value = f.assignee;
    if (f.requester && f.project) {
      const name = this.app.personName(f.project, Number(f.requester));
      replace(this.requesterChip, `Requested by ${name} `, h("button", {
        type: "button", class: "link", onclick: () => this._set({ requester: "" }),
      }, "show everyone's"));
      this.requesterChip.hidden = false;
    } else {
      this.requesterChip.hidden = true;
    }
    this.renderQueues();
  }

  /** The queue buttons with their live counts (from client.queues). */
  renderQueues() {
    if (!this.app.isStaffSomewhere()) {
      replace(this.queues);  // queues are staff views
      return;
    }
    const counts = this.app.queueCounts;
    const current = queueOf(this.filters);
    const onlyProject = this.filters.project;
    const sum = (view) => counts.reduce((total, item) => {
      if (onlyProject && item.project !== onlyProject) return total;
      const found = item.counts.views.find((v) => v.view === view && !v.team_id);
      return { count: total.count + (found ? found.count : 0), unread: total.unread + (found && found.unread ? found.unread : 0) };
    }, { count: 0, unread: 0 });
    const buttons = QUEUES.map((queue) => {
      const { count, unread } = sum(queue.view);
      return this._queueButton(queue.view, queue.label, count, unread, current === queue.view,
        () => this._set({ ...Object.fromEntries(FILTER_KEYS.map((k) => [k, ""])), ...queue.filters }));
    });
    for (const item of counts) {
      for (const view of item.counts.views.filter((v) => v.team_id)) {
        const team = `${item.project}:${view.team_id}`;
        const label = counts.length > 1 ? `${view.label} (${item.project})` : view.label;
        buttons.push(this._queueButton(`team:${team}`, label, view.count, 0, current === `team:${team}`,
          () => this._set({ ...Object.fromEntries(FILTER_KEYS.map((k) => [k, ""])), team, project: item.project })));
      }
    }
    keepFocus(this.queues, () => replace(this.queues, h("ul", {}, buttons.map((b) => h("li", {}, b)))));
  }

  _queueButton(key, label, count, unread, active, onclick) {
    return h("button", {
      type: "button", class: `queue${active ? " active" : ""}`, dataset: { key: `queue-${key}`, queue: key },
      "aria-pressed": active ? "true" : "false", onclick,
    }, h("span", { class: "queue-label" }, label), h("span", { class: "queue-count" }, capped(count)),
    unread ? h("span", { class: "queue-unread", title: `${unread} unread` }, h("span", { class: "visually-hidden" }, ", unread: "), capped(unread)) : null);
  }

  /** Invitations to sign in to projects this device is not signed in to yet. */
  setSignIn(items) {
    replace(this.signIn, items);
    this.signIn.hidden = items.length === 0;
  }

  render(items, { loading = false, problems = [], more = false } = {}) {
    this._items = items;
    const keys = new Set(items.map((i) => ticketKey(i.project, i.ticket.id)));
    for (const key of [...this.checked]) if (!keys.has(key)) this.checked.delete(key);
    const rows = items.map((item) => this._row(item));
    keepFocus(this.rows, () => replace(this.rows, rows));
    this.more.hidden = !more || loading;
    const count = items.length === 1 ? "1 ticket" : `${items.length} tickets`;
    const parts = [loading ? "Loading…" : count];
    const unread = items.filter((i) => i.unread).length;
    if (!loading && unread) parts.push(`${unread} unread`);
    for (const problem of problems) parts.push(problem);
    replace(this.summary, parts.join(" · "));
    this.summary.classList.toggle("has-problem", problems.length > 0);
    this.bulk.update();
  }

  select(key) {
    this.selectedKey = key;
    for (const button of this.rows.querySelectorAll("button.row")) {
      if (button.dataset.key === key) button.setAttribute("aria-current", "true");
      else button.removeAttribute("aria-current");
    }
  }

  focusRow(key) {
    const button = [...this.rows.querySelectorAll("button.row")].find((b) => b.dataset.key === key);
    (button || this.search).focus();
  }

  /** j/k: the next or previous row gets the focus (the first one if none has it). */
  moveFocus(step) {
    const buttons = [...this.rows.querySelectorAll("button.row")];
    if (buttons.length === 0) return;
    const active = this.app.shadowRoot.activeElement;
    const at = buttons.indexOf(active && active.closest ? active.closest("li")?.querySelector("button.row") : null);
    const next = at < 0 ? (step > 0 ? 0 : buttons.length - 1) : Math.min(buttons.length - 1, Math.max(0, at + step));
    buttons[next].focus();
    buttons[next].scrollIntoView({ block: "nearest" });
  }

  /** x: select or unselect the focused row for a bulk change. */
  toggleFocused() {
    const active = this.app.shadowRoot.activeElement;
    const row = active && active.closest ? active.closest("li.ticket-item") : null;
    if (!row) return false;
    this._toggle(row.dataset.key, { range: false });
    return true;
  }

  /** The selected tickets, as {project, id}. */
  selection() {
    return this._items.filter((i) => this.checked.has(ticketKey(i.project, i.ticket.id)))
      .map((i) => ({ project: i.project, id: i.ticket.id }));
  }

  clearSelection() {
    this.checked.clear();
    this.render(this._items, { more: !this.more.hidden });
  }

  _toggle(key, { range }) {
    const keys = this._items.map((i) => ticketKey(i.project, i.ticket.id));
    if (range && this._anchor && keys.includes(this._anchor)) {
      const [from, to] = [keys.indexOf(this._anchor), keys.indexOf(key)].sort((a, b) => a - b);
      for (const k of keys.slice(from, to + 1)) this.checked.add(k);
    } else if (this.checked.has(key)) {
      this.checked.delete(key);
    } else {
      this.checked.add(key);
    }
    this._anchor = key;
    for (const box of this.rows.querySelectorAll("input.pick")) box.checked = this.checked.has(box.dataset.ticket);
    this.bulk.update();
  }

  _row({ project, ticket, watchers = [], unread = false }) {
    const key = ticketKey(project, ticket.id);
    const multi = this.app.projects.size > 1;
    const state = this.app.projects.get(project);
    const staff = isStaff(roleOf(state));
    const requester = this.app.personName(project, ticket.requester_id);
    const team = ticket.team_id ? this.app.teamName(project, ticket.team_id) : null;
    const assignee = ticket.assignee_id ? this.app.personName(project, ticket.assignee_id) : null;
    const pick = staff && this.bulk.allowed ? h("input", {
      type: "checkbox", class: "pick", dataset: { ticket: key, key: `pick-${key}` },
      checked: this.checked.has(key), "aria-label": `Select #${ticket.id} ${ticket.subject}`,
      onclick: (e) => { e.preventDefault(); this._toggle(key, { range: e.shiftKey }); },
      onkeydown: (e) => { if (e.key === " ") { e.preventDefault(); this._toggle(key, { range: e.shiftKey }); } },
    }) : null;
    return h("li", { class: `ticket-item${unread ? " unread" : ""}`, dataset: { key } }, pick, h("button", {
      type: "button", class: "row", dataset: { key, status: ticket.status },
      "aria-current": key === this.selectedKey ? "true" : false,
      onclick: () => this.app.openTicket(project, ticket.id),
    },
    h("span", { class: "row-title" },
      unread ? h("span", { class: "unread-dot", title: "Unread" }, h("span", { class: "visually-hidden" }, "Unread: ")) : null,
      h("span", { class: "row-subject" }, ticket.subject)),
    h("span", { class: "row-meta" },
      h("span", { class: `badge status-${ticket.status}` }, STATUS_LABEL[ticket.status] || ticket.status),
      ticket.priority !== "normal"
        ? h("span", { class: `badge priority-${ticket.priority}` }, PRIORITY_LABEL[ticket.priority]) : null,
      h("span", {}, `#${ticket.id}`),
      h("span", { class: "row-requester" }, requester),
      assignee ? h("span", { class: "row-assignee" }, `→ ${assignee}`) : null,
      team ? h("span", { class: "badge team" }, team) : null,
      multi ? h("span", { class: "row-project" }, project) : null,
      h("time", { datetime: ticket.updated_at, title: when(ticket.updated_at) }, ago(ticket.updated_at)),
      watchers.length ? h("span", { class: "row-watchers" }, `👁 ${watchers.length}`) : null)));
  }

  _assigneeOptions() {
    const options = [{ value: "", label: "Anyone" }, { value: "me", label: "Assigned to me" },
      { value: "none", label: "Unassigned" }];
    const project = this._onlyProject();
    if (project) {
      for (const member of this.app.staffOf(project)) {
        options.push({ value: String(member.id), label: member.display_name });
      }
    }
    const f = this.app.route ? this.filters : null;
    if (f && f.assignee && !options.some((o) => o.value === f.assignee)) {
      options.push({ value: f.assignee, label: `User ${f.assignee}` });
    }
    return options;
  }

  _keepAssignee() {
    // "me" and "nobody" mean the same in every project; a user id belongs to one.
    const current = this.filters.assignee;
    return /^\d+$/.test(current) ? "" : current;
  }

  _onlyProject() {
    if (this.filters.project) return this.filters.project;
    const staff = [...this.app.projects.values()].filter((p) => isStaff(roleOf(p)));
    return staff.length === 1 ? staff[0].label : "";
  }

  _set(patch) {
    this.app.setListFilters(patch);
  }

  _queryChanged(delay = 300) {
    clearTimeout(this._debounce);
    this._debounce = setTimeout(() => {
      const query = this.search.value.trim();
      if (query === this.filters.q) return;
      this.app.setListFilters({ q: query }, { replace: true });
    }, delay);
  }
}
