// Filing a ticket: project, subject, description, priority and images; staff may file
// it on a customer's behalf, picking the customer by name or email.
import { h, replace, select, uid } from "./dom.js";
import { AttachmentPicker } from "./images.js";
import { PRIORITIES, PRIORITY_LABEL, isStaff, roleOf } from "./format.js";
import { SYNTAX_HINT } from "./markdown.js";
import { describeError } from "./rpc.js";

const SEARCH_MS = 250;

export class NewTicketForm {
  constructor(app, projects) {
    this.app = app;
    this.title = "New ticket";
    this.requester = null;
    const ids = { project: uid("project"), subject: uid("subject"), body: uid("body"),
      priority: uid("priority"), customer: uid("customer"), hint: uid("hint") };
    this.projectSelect = select({ id: ids.project, required: true, onchange: () => this._projectChanged() },
      projects.map((p) => ({ value: p.label, label: p.project_name ? `${p.label} (${p.project_name})` : p.label })),
      app.route.list.project || (projects[0] && projects[0].label));
    this.subject = h("input", { id: ids.subject, type: "text", required: true, maxlength: "200",
      autocomplete: "off", placeholder: "A short summary of the problem" });
    this.body = h("textarea", { id: ids.body, rows: "6", "aria-describedby": ids.hint,
      placeholder: "What happened, what you expected, steps to reproduce…" });
    this.customerInput = h("input", { id: ids.customer, type: "search", autocomplete: "off",
      placeholder: "Type a customer's name or email", "aria-controls": `${ids.customer}-list`,
      oninput: () => this._searchSoon() });
    this.customerList = h("ul", { id: `${ids.customer}-list`, class: "customer-results",
      "aria-label": "Matching customers" });
    this.customerChosen = h("p", { class: "customer-chosen", role: "status" }, "Filed for yourself.");
    this.customerField = h("div", { class: "field", hidden: true },
      h("label", { for: ids.customer }, "On behalf of a customer (optional)"),
      this.customerInput, this.customerList, this.customerChosen);
    this.priority = select({ id: ids.priority },
      PRIORITIES.map((p) => ({ value: p, label: PRIORITY_LABEL[p] })), "normal");
    this.picker = new AttachmentPicker({ notify: (text) => app.fail(text) });
    this.submit = h("button", { type: "submit", class: "primary" }, "Create ticket");
    this.heading = h("h2", { tabindex: "-1" }, "New ticket");
    this.form = h("form", { class: "new-ticket", onsubmit: (e) => { e.preventDefault(); this._create(); } },
      h("div", { class: "ticket-head" },
        h("button", { type: "button", class: "back secondary", onclick: () => app.showList() }, "← Tickets"),
        this.heading),
      h("div", { class: "field", hidden: projects.length < 2 },
        h("label", { for: ids.project }, "Project"), this.projectSelect),
      this.customerField,
      h("div", { class: "field" }, h("label", { for: ids.subject }, "Subject"), this.subject),
      h("div", { class: "field" }, h("label", { for: ids.body }, "Description"), this.body,
        h("p", { class: "hint", id: ids.hint }, `Formatting: ${SYNTAX_HINT}`)),
      h("div", { class: "field" }, h("label", { for: ids.priority }, "Priority"), this.priority),
      h("div", { class: "field" }, h("span", { class: "label" }, "Screenshots"), this.picker.element),
      h("div", { class: "form-actions" },
        h("button", { type: "button", class: "secondary", onclick: () => app.showList() }, "Cancel"),
        this.submit));
    this.picker.acceptPasteOn(this.form);
    this.element = this.form;
    if (projects.length === 0) {
      this.submit.disabled = true;
      this.form.prepend(h("p", { class: "problem" }, "Sign in to a project first."));
    }
    this._projectChanged();
  }

  _projectChanged() {
    const state = this.app.projects.get(this.projectSelect.value);
    this.customerField.hidden = !isStaff(roleOf(state));
    this._choose(null);
  }

  _searchSoon() {
    clearTimeout(this._timer);
    this._timer = setTimeout(() => this._search(), SEARCH_MS);
  }

  async _search() {
    const query = this.customerInput.value.trim();
    if (!query) {
      replace(this.customerList);
      return;
    }
    try {
      const found = await this.app.rpc.call("customer.search",
        { project: this.projectSelect.value, query, limit: 8 });
      replace(this.customerList, found.length ? found.map((c) => h("li", {}, h("button", {
        type: "button", class: "link", onclick: () => this._choose(c),
      }, `${c.display_name} <${c.email}>`))) : h("li", { class: "muted" }, "No customer matches."));
    } catch (error) {
      replace(this.customerList, h("li", { class: "problem" }, describeError(error)));
    }
  }

  _choose(customer) {
    this.requester = customer;
    replace(this.customerList);
    if (customer) this.customerInput.value = "";
    replace(this.customerChosen, customer ? [`Filed for ${customer.display_name} (${customer.email}) `,
      h("button", { type: "button", class: "link", onclick: () => this._choose(null) }, "file for yourself")]
      : "Filed for yourself.");
    if (customer) this.subject.focus();
  }

  focus() {
    this.subject.focus();
  }

  close() {
    this.picker.clear();
  }

  async _create() {
    const project = this.projectSelect.value;
    const subject = this.subject.value.trim();
    if (!subject) {
      this.app.fail("A ticket needs a subject.");
      this.subject.focus();
      return;
    }
    this.submit.disabled = true;
    this.submit.textContent = "Creating…";
    try {
      const attachments = [];
      for (const file of this.picker.files) {
        attachments.push((await this.app.rpc.upload(project, file)).sha256);
      }
      const params = { project, subject, body: this.body.value.trim(), priority: this.priority.value };
      if (this.requester) params.requester_id = this.requester.id;
      const ticket = await this.app.rpc.call("ticket.create", params);
      if (attachments.length) {
        await this.app.rpc.call("message.post",
          { project, ticket_id: ticket.id, body: "", attachments });
      }
      this.app.upsertTicket(project, ticket);
      this.app.say(this.requester ? `Ticket #${ticket.id} created for ${this.requester.display_name}.`
        : `Ticket #${ticket.id} created.`);
      this.app.openTicket(project, ticket.id);
    } catch (error) {
      this.app.fail(`The ticket was not created: ${describeError(error)}`);
      this.submit.disabled = false;
      this.submit.textContent = "Create ticket";
    }
  }
}
