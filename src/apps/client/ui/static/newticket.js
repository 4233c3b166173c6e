// Filing a ticket: project, subject, description, priority and images.
import { h, select, uid } from "./dom.js";
import { AttachmentPicker } from "./images.js";
import { PRIORITIES, PRIORITY_LABEL } from "./format.js";
import { describeError } from "./rpc.js";

export class NewTicketForm {
  constructor(app, projects) {
    this.app = app;
    const ids = { project: uid("project"), subject: uid("subject"), body: uid("body"), priority: uid("priority") };
    this.projectSelect = select({ id: ids.project, required: true },
      projects.map((p) => ({ value: p.label, label: p.project_name ? `${p.label} (${p.project_name})` : p.label })),
      app.list.filters.project || (projects[0] && projects[0].label));
    this.subject = h("input", { id: ids.subject, type: "text", required: true, maxlength: "200",
      autocomplete: "off", placeholder: "A short summary of the problem" });
    this.body = h("textarea", { id: ids.body, rows: "6",
      placeholder: "What happened, what you expected, steps to reproduce…" });
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
      h("div", { class: "field" }, h("label", { for: ids.subject }, "Subject"), this.subject),
      h("div", { class: "field" }, h("label", { for: ids.body }, "Description"), this.body),
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
      const ticket = await this.app.rpc.call("ticket.create", {
        project, subject, body: this.body.value.trim(), priority: this.priority.value,
      });
      if (attachments.length) {
        await this.app.rpc.call("message.post",
          { project, ticket_id: ticket.id, body: "", attachments });
      }
      this.app.upsertTicket(project, ticket);
      this.app.say(`Ticket #${ticket.id} created.`);
      this.app.openTicket(project, ticket.id);
    } catch (error) {
      this.app.fail(`The ticket was not created: ${describeError(error)}`);
      this.submit.disabled = false;
      this.submit.textContent = "Create ticket";
    }
  }
}
