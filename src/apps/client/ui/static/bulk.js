// Bulk changes: the selected tickets get one change in one request per project
// (ticket.bulk_update), each checked by the server's policy; the bar says what
// happened to each ticket that was refused.
import { h, replace, select } from "./dom.js";
import { PRIORITIES, PRIORITY_LABEL, STATUSES, STATUS_LABEL } from "./format.js";
import { describeError } from "./rpc.js";

const KEEP = "";

export class BulkBar {
  constructor(app, list) {
    this.app = app;
    this.list = list;
    this.allowed = false;
    this.count = h("p", { class: "bulk-count", role: "status" });
    this.status = select({ "aria-label": "Set status" },
      [{ value: KEEP, label: "Status: keep" }, ...STATUSES.map((s) => ({ value: s, label: STATUS_LABEL[s] }))], KEEP);
    this.priority = select({ "aria-label": "Set priority" },
      [{ value: KEEP, label: "Priority: keep" }, ...PRIORITIES.map((p) => ({ value: p, label: PRIORITY_LABEL[p] }))], KEEP);
    this.assignee = select({ "aria-label": "Assign to" }, [], KEEP);
    this.team = select({ "aria-label": "Set team" }, [], KEEP);
    this.addTag = h("input", { type: "text", placeholder: "add tag", "aria-label": "Add tag", maxlength: "40" });
    this.removeTag = h("input", { type: "text", placeholder: "remove tag", "aria-label": "Remove tag", maxlength: "40" });
    this.apply = h("button", { type: "submit", class: "primary" }, "Apply to selected");
    this.outcome = h("div", { class: "bulk-outcome", role: "status", "aria-live": "polite" });
    this.element = h("form", { class: "bulk", hidden: true, "aria-label": "Change the selected tickets",
      onsubmit: (e) => { e.preventDefault(); this._apply(); } },
    h("div", { class: "bulk-head" }, this.count,
      h("button", { type: "button", class: "link", onclick: () => list.clearSelection() }, "Clear selection")),
    h("div", { class: "bulk-controls" }, this.status, this.priority, this.assignee, this.team,
      this.addTag, this.removeTag, this.apply),
    this.outcome);
  }

  setAllowed(allowed) {
    this.allowed = allowed;
    if (!allowed) this.element.hidden = true;
  }

  /** The selection changed: show the bar with choices that fit the selected tickets. */
  update() {
    const picked = this.list.selection();
    this.element.hidden = !this.allowed || picked.length === 0;
    if (this.element.hidden) return;
    replace(this.count, picked.length === 1 ? "1 ticket selected" : `${picked.length} tickets selected`);
    const projects = [...new Set(picked.map((p) => p.project))];
    const one = projects.length === 1 ? projects[0] : null;
    const assignees = [{ value: KEEP, label: "Assignee: keep" }, { value: "me", label: "Assign to me" },
      { value: "none", label: "Unassign" }];
    const teams = [{ value: KEEP, label: "Team: keep" }, { value: "none", label: "No team" }];
    if (one) {
      for (const m of this.app.staffOf(one)) assignees.push({ value: String(m.id), label: m.display_name });
      for (const t of this.app.teamsOf(one)) teams.push({ value: String(t.id), label: t.name });
    }
    const keepA = this.assignee.value;
    const keepT = this.team.value;
    replace(this.assignee, [...select({}, assignees, keepA).children]);
    replace(this.team, [...select({}, teams, keepT).children]);
    this.team.hidden = !one;
  }

  _change(project) {
    const change = {};
    if (this.status.value) change.status = this.status.value;
    if (this.priority.value) change.priority = this.priority.value;
    const assignee = this.assignee.value;
    if (assignee === "none") change.assignee_id = null;
    else if (assignee === "me") change.assignee_id = this.app.myId(project);
    else if (assignee) change.assignee_id = Number(assignee);
    const team = this.team.hidden ? "" : this.team.value;
    if (team === "none") change.team_id = null;
    else if (team) change.team_id = Number(team);
    const add = this.addTag.value.trim().toLowerCase();
    const remove = this.removeTag.value.trim().toLowerCase();
    if (add) change.add_tags = [add];
    if (remove) change.remove_tags = [remove];
    return change;
  }

  async _apply() {
    const picked = this.list.selection();
    const byProject = new Map();
    for (const { project, id } of picked) {
      if (!byProject.has(project)) byProject.set(project, []);
      byProject.get(project).push(id);
    }
    if (Object.keys(this._change(picked[0] && picked[0].project)).length === 0) {
      replace(this.outcome, h("p", { class: "problem" }, "Choose what to change first."));
      return;
    }
    this.apply.disabled = true;
    let changed = 0;
    const refused = [];
    try {
      for (const [project, ids] of byProject) {
        for (let start = 0; start < ids.length; start += 100) {
          const result = await this.app.rpc.call("ticket.bulk_update",
            { project, ticket_ids: ids.slice(start, start + 100), ...this._change(project) });
          for (const item of result.results) {
            if (item.ok) {
              changed += 1;
              this.app.upsertTicket(project, item.ticket);
            } else {
              refused.push(`#${item.ticket_id}: ${item.error.message}`);
            }
          }
        }
      }
    } catch (error) {
      refused.push(describeError(error));
    } finally {
      this.apply.disabled = false;
    }
    replace(this.outcome,
      h("p", {}, changed === 1 ? "1 ticket changed." : `${changed} tickets changed.`),
      refused.length ? h("ul", { class: "refused" }, refused.map((r) => h("li", {}, r))) : null);
    this.app.refreshQueues();
  }
}
