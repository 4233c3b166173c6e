// The aggregated ticket list: filters, full-text search, one row per ticket.
import { h, keepFocus, replace, select, uid } from "./dom.js";
import { PRIORITY_LABEL, STATUSES, STATUS_LABEL, ago, isStaff, roleOf, when } from "./format.js";

const STATUS_FILTERS = [
  { value: "active", label: "Open tickets" },
  { value: "all", label: "All statuses" },
  ...STATUSES.map((s) => ({ value: s, label: STATUS_LABEL[s] })),
];
const ASSIGNEE_FILTERS = [
  { value: "", label: "Anyone" },
  { value: "me", label: "Assigned to me" },
  { value: "none", label: "Unassigned" },
];

/** The key of a ticket across projects. */
export function ticketKey(project, id) {
  return `${project}#${id}`;
}

export class TicketList {
  constructor(app) {
    this.app = app;
    this.filters = { project: "", status: "active", assignee: "", query: "" };
    this.selectedKey = null;
    this._debounce = null;

    const searchId = uid("search");
    this.search = h("input", {
      id: searchId, type: "search", placeholder: "Search subjects and messages",
      autocomplete: "off", oninput: () => this._queryChanged(),
      onkeydown: (e) => { if (e.key === "Enter") { e.preventDefault(); this._queryChanged(0); } },
    });
    this.projectSelect = select({ "aria-label": "Project", onchange: (e) => this._set("project", e.target.value) },
      [{ value: "", label: "All projects" }], "");
    this.statusSelect = select({ "aria-label": "Status", onchange: (e) => this._set("status", e.target.value) },
      STATUS_FILTERS, this.filters.status);
    this.assigneeSelect = select({ "aria-label": "Assignee", onchange: (e) => this._set("assignee", e.target.value) },
      ASSIGNEE_FILTERS, "");
    this.projectField = h("label", { class: "field compact" }, h("span", {}, "Project"), this.projectSelect);
    this.assigneeField = h("label", { class: "field compact" }, h("span", {}, "Assignee"), this.assigneeSelect);
    this.summary = h("p", { class: "list-summary", role: "status" });
    this.signIn = h("ul", { class: "sign-in-list", hidden: true, "aria-label": "Projects to sign in to" });
    this.rows = h("ul", { class: "tickets", "aria-label": "Tickets" });
    this.more = h("button", { type: "button", class: "secondary more", hidden: true,
      onclick: () => app.loadMoreTickets() }, "Load more tickets");
    this.element = h("div", { class: "list" },
      h("div", { class: "list-head" },
        h("h2", {}, "Tickets"),
        h("button", { type: "button", class: "primary", onclick: () => app.showNewTicket() },
          "New ticket")),
      h("form", { class: "filters", role: "search", onsubmit: (e) => e.preventDefault() },
        h("label", { class: "visually-hidden", for: searchId }, "Search tickets"),
        this.search,
        h("div", { class: "filter-row" },
          this.projectField,
          h("label", { class: "field compact" }, h("span", {}, "Status"), this.statusSelect),
          this.assigneeField)),
      this.signIn, this.summary, this.rows, this.more);
  }

  /** The projects changed: refresh the project filter and which filters apply. */
  setProjects(projects) {
    const options = [{ value: "", label: "All projects" },
      ...projects.map((p) => ({ value: p.label, label: p.project_name ? `${p.label} (${p.project_name})` : p.label }))];
    if (!projects.some((p) => p.label === this.filters.project)) this.filters.project = "";
    replace(this.projectSelect, [...select({}, options, this.filters.project).children]);
    this.projectSelect.value = this.filters.project;
    this.projectField.hidden = projects.length < 2;
    this.assigneeField.hidden = !projects.some((p) => isStaff(roleOf(p)));
    if (this.assigneeField.hidden && this.filters.assignee) this.filters.assignee = "";
  }

  /** Invitations to sign in to projects this device is not signed in to yet. */
  setSignIn(items) {
    replace(this.signIn, items);
    this.signIn.hidden = items.length === 0;
  }

  render(items, { loading = false, problems = [], more = false } = {}) {
    const rows = items.map((item) => this._row(item));
    keepFocus(this.rows, () => replace(this.rows, rows));
    this.more.hidden = !more || loading;
    const count = items.length === 1 ? "1 ticket" : `${items.length} tickets`;
    const parts = [loading ? "Loading…" : count];
    for (const problem of problems) parts.push(problem);
    replace(this.summary, parts.join(" · "));
    this.summary.classList.toggle("has-problem", problems.length > 0);
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

  _row({ project, ticket, watchers = [] }) {
    const key = ticketKey(project, ticket.id);
    const multi = this.app.projects.size > 1;
    return h("li", {}, h("button", {
      type: "button", class: "row", dataset: { key, status: ticket.status },
      "aria-current": key === this.selectedKey ? "true" : false,
      onclick: () => this.app.openTicket(project, ticket.id),
    },
    h("span", { class: "row-subject" }, ticket.subject),
    h("span", { class: "row-meta" },
      h("span", { class: `badge status-${ticket.status}` }, STATUS_LABEL[ticket.status] || ticket.status),
      ticket.priority !== "normal"
        ? h("span", { class: `badge priority-${ticket.priority}` }, PRIORITY_LABEL[ticket.priority]) : null,
      h("span", {}, `#${ticket.id}`),
      multi ? h("span", { class: "row-project" }, project) : null,
      h("time", { datetime: ticket.updated_at, title: when(ticket.updated_at) }, ago(ticket.updated_at)),
      watchers.length ? h("span", { class: "row-watchers" }, `👁 ${watchers.length}`) : null)));
  }

  _set(name, value) {
    this.filters[name] = value;
    this.app.reloadTickets();
  }

  _queryChanged(delay = 300) {
    clearTimeout(this._debounce);
    this._debounce = setTimeout(() => {
      const query = this.search.value.trim();
      if (query === this.filters.query) return;
      this.filters.query = query;
      this.app.reloadTickets();
    }, delay);
  }
}
