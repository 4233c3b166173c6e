// Beside a ticket, for staff: who asked — name, email, when their devices were last
// seen — and their other tickets, each a link that opens it.
import { h, replace } from "./dom.js";
import { STATUS_LABEL, ago, when } from "./format.js";
import { describeError } from "./rpc.js";

export class CustomerContext {
  constructor(view) {
    this.view = view;
    this.app = view.app;
    this.body = h("div", { class: "context-body" }, h("p", { class: "muted" }, "Loading…"));
    this.element = h("aside", { class: "customer-context", "aria-label": "Customer" },
      h("h3", {}, "Customer"), this.body);
  }

  async load() {
    let context;
    try {
      context = await this.app.rpc.call("customer.context",
        { project: this.view.project, ticket_id: this.view.ticketId });
    } catch (error) {
      replace(this.body, h("p", { class: "muted" }, describeError(error)));
      return;
    }
    const c = context.customer;
    const others = context.tickets;
    replace(this.body,
      h("p", { class: "context-name" }, c.display_name),
      h("p", {}, h("a", { href: `mailto:${c.email}`, class: "context-email" }, c.email)),
      h("p", { class: "muted" }, context.open_tickets === 1 ? "1 open ticket" : `${context.open_tickets} open tickets`),
      h("h4", {}, "Devices"),
      context.devices.length
        ? h("ul", { class: "context-devices" }, context.devices.map((d) => h("li", {},
          h("span", {}, d.label), " · last seen ",
          h("time", { datetime: d.last_seen, title: when(d.last_seen) }, ago(d.last_seen)))))
        : h("p", { class: "muted" }, "No device signed in yet."),
      h("h4", {}, "Tickets"),
      h("ul", { class: "context-tickets" }, others.map((t) => h("li", {}, t.id === this.view.ticketId
        ? h("span", { class: "current" }, `#${t.id} ${t.subject} (this ticket)`)
        : h("button", { type: "button", class: "link", dataset: { key: `context-${t.id}` },
          onclick: () => this.app.openTicket(this.view.project, t.id) }, `#${t.id} ${t.subject}`),
      " ", h("span", { class: `badge status-${t.status}` }, STATUS_LABEL[t.status] || t.status)))),
      h("button", { type: "button", class: "link", onclick: () => this.app.setListFilters({
        project: this.view.project, requester: String(c.id), status: "all", assignee: "", team: "" }) },
      `All tickets of ${c.display_name}`));
  }
}
