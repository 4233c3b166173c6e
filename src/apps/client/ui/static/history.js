// The ticket's change history as a timeline: who changed status, priority, assignee,
// team, tags and subject, and when (ticket.history), including the automatic moves
// ("reopened by reply").
import { h, replace } from "./dom.js";
import { PRIORITY_LABEL, STATUS_LABEL, ago, when } from "./format.js";

const NAMES = { status: "status", priority: "priority", assignee_id: "assignee", team_id: "team",
  tags: "tags", subject: "subject" };

export class HistoryTimeline {
  constructor(view) {
    this.view = view;
    this.app = view.app;
    this.list = h("ol", { class: "timeline" });
    this.summary = h("summary", {}, "History");
    this.element = h("details", { class: "history", ontoggle: () => { if (this.element.open) this.refresh(); } },
      this.summary, this.list);
  }

  async refresh() {
    if (!this.element.open) return;
    let changes;
    try {
      changes = await this.app.rpc.call("ticket.history",
        { project: this.view.project, ticket_id: this.view.ticketId });
    } catch {
      return;
    }
    const ids = changes.map((c) => c.actor_id);
    for (const c of changes) {
      if (c.field === "assignee_id") ids.push(Number(c.old), Number(c.new));
    }
    await this.app.people(this.view.project, ids.filter((id) => id > 0));
    replace(this.summary, `History (${changes.length})`);
    replace(this.list, changes.map((c) => h("li", { class: `change field-${c.field}` },
      h("time", { datetime: c.at, title: when(c.at) }, ago(c.at)), " ",
      h("span", { class: "actor" }, this.app.personName(this.view.project, c.actor_id)), " ",
      this._describe(c),
      c.reason ? h("span", { class: "reason" }, ` (${c.reason})`) : null)));
  }

  _value(field, value) {
    if (value === null || value === undefined || value === "") {
      return field === "assignee_id" ? "nobody" : field === "team_id" ? "no team" : "nothing";
    }
    if (field === "status") return STATUS_LABEL[value] || value;
    if (field === "priority") return PRIORITY_LABEL[value] || value;
    if (field === "assignee_id") return this.app.personName(this.view.project, Number(value));
    if (field === "team_id") return this.app.teamName(this.view.project, Number(value));
    return value;
  }

  _describe(c) {
    if (c.field === "created") return "opened the ticket";
    const name = NAMES[c.field] || c.field;
    return [`changed ${name} from `, h("strong", {}, this._value(c.field, c.old)), " to ",
      h("strong", {}, this._value(c.field, c.new))];
  }
}
