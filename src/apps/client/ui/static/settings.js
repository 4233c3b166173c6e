// The settings screen (a screen of screens.js): desktop notifications for everyone;
// canned replies for staff; teams for admins. Each section is its own form with its
// own Save, so nothing changes while a person is still choosing.
import { h, replace, select, uid } from "./dom.js";
import { isStaff, roleOf } from "./format.js";
import { describeError } from "./rpc.js";
import { registerScreen } from "./screens.js";

class SettingsScreen {
  constructor(app) {
    this.app = app;
    this.title = "Settings";
    this.heading = h("h2", { tabindex: "-1" }, "Settings");
    this.notifications = h("section", { class: "settings-section", "aria-labelledby": "settings-notify" });
    this.canned = h("section", { class: "settings-section", "aria-labelledby": "settings-canned" });
    this.teams = h("section", { class: "settings-section", "aria-labelledby": "settings-teams" });
    const staffProjects = this._projects((p) => isStaff(roleOf(p)));
    this.project = staffProjects[0] ? staffProjects[0].label : "";
    this.element = h("div", { class: "settings" },
      h("div", { class: "ticket-head" },
        h("button", { type: "button", class: "back secondary", onclick: () => app.showList() }, "← Tickets"),
        this.heading),
      this.notifications, staffProjects.length ? this.canned : null,
      this._projects((p) => roleOf(p) === "admin").length ? this.teams : null);
    this._renderNotifications();
    if (staffProjects.length) this._loadCanned();
    if (this._projects((p) => roleOf(p) === "admin").length) this._loadTeams();
  }

  focus() {
    this.heading.focus();
  }

  _projects(test) {
    return [...this.app.projects.values()].filter((p) => p.bound && test(p)
      && (!this.app.getAttribute("project") || p.label === this.app.getAttribute("project")));
  }

  _projectPicker(test, onchange) {
    const projects = this._projects(test);
    if (projects.length < 2) return null;
    return h("label", { class: "field compact" }, h("span", {}, "Project"),
      select({ onchange: (e) => { this.project = e.target.value; onchange(); } },
        projects.map((p) => ({ value: p.label, label: p.project_name || p.label })), this.project));
  }

  // -- notifications -----------------------------------------------------------------

  _renderNotifications() {
    const notifier = this.app.notifier;
    const s = notifier.settings;
    const permission = notifier.permission;
    const ids = { on: uid("notify"), tickets: uid("notify"), replies: uid("notify") };
    const staff = this.app.isStaffSomewhere();
    const enabled = h("input", { type: "checkbox", id: ids.on, checked: s.enabled });
    const tickets = h("input", { type: "checkbox", id: ids.tickets, checked: s.new_tickets });
    const replies = h("input", { type: "checkbox", id: ids.replies, checked: s.replies });
    const status = h("p", { class: "hint", role: "status" }, {
      granted: "Your browser allows notifications from this tab.",
      denied: "Your browser blocks notifications from this tab: allow them in its site settings.",
      default: "Your browser asks for permission when you turn notifications on.",
      unsupported: "This browser cannot show desktop notifications.",
    }[permission]);
    const form = h("form", { class: "settings-form", onsubmit: async (e) => {
      e.preventDefault();
      try {
        if (enabled.checked) {
          const answer = await notifier.askPermission();
          if (answer !== "granted") {
            this.app.fail("The browser did not allow notifications; they stay off.");
            enabled.checked = false;
          }
        }
        await notifier.save({ enabled: enabled.checked, new_tickets: tickets.checked, replies: replies.checked });
        this.app.say("Notification settings saved.");
        this._renderNotifications();
      } catch (error) {
        this.app.fail(`Not saved: ${describeError(error)}`);
      }
    } },
    h("div", { class: "check" }, enabled, h("label", { for: ids.on }, "Show desktop notifications while this tab is in the background")),
    staff ? h("div", { class: "check" }, tickets, h("label", { for: ids.tickets }, "New tickets in my queues")) : null,
    h("div", { class: "check" }, replies, h("label", { for: ids.replies },
      staff ? "Customer replies on tickets assigned to me or my teams" : "Replies from support on my tickets")),
    status,
    h("div", { class: "form-actions" }, h("button", { type: "submit", class: "primary" }, "Save notification settings")));
    replace(this.notifications, h("h3", { id: "settings-notify" }, "Desktop notifications"), form);
  }

  // -- canned replies ------------------------------------------------------------------

  async _loadCanned() {
    replace(this.canned, h("h3", { id: "settings-canned" }, "Canned replies"), h("p", { class: "muted" }, "Loading…"));
    let replies;
    let placeholders;
    try {
      [replies, placeholders] = await Promise.all([
        this.app.rpc.call("canned.list", { project: this.project }),
        this.app.rpc.call("canned.placeholders", { project: this.project })]);
    } catch (error) {
      replace(this.canned, h("h3", { id: "settings-canned" }, "Canned replies"), h("p", { class: "problem" }, describeError(error)));
      return;
    }
    const me = this.app.myId(this.project);
    replace(this.canned,
      h("h3", { id: "settings-canned" }, "Canned replies"),
      h("p", { class: "hint" }, "Type / in a reply box to insert one. Placeholders are filled in for the ticket: ",
        placeholders.map((p, i) => [i ? ", " : "", h("code", {}, `{{${p.name}}}`), ` ${p.description}`])),
      this._projectPicker((p) => isStaff(roleOf(p)), () => this._loadCanned()),
      replies.length ? h("ul", { class: "canned-manage" }, replies.map((r) => h("li", {},
        this._cannedForm(r, r.owner_id === me)))) : h("p", { class: "muted" }, "No canned replies yet."),
      h("h4", {}, "New canned reply"), this._cannedForm(null, true));
  }

  _cannedForm(reply, mine) {
    const ids = { title: uid("canned"), body: uid("canned"), shared: uid("canned") };
    const title = h("input", { type: "text", id: ids.title, required: true, maxlength: "80", value: reply ? reply.title : "" });
    const body = h("textarea", { id: ids.body, rows: reply ? "3" : "4", required: true, value: reply ? reply.body : "" });
    const shared = h("input", { type: "checkbox", id: ids.shared, checked: reply ? reply.shared : false, disabled: reply && !mine && !this._admin() });
    const save = async (e) => {
      e.preventDefault();
      const params = { project: this.project, title: title.value.trim(), body: body.value, shared: shared.checked };
      try {
        if (reply) await this.app.rpc.call("canned.update", { ...params, canned_id: reply.id, shared: shared.disabled ? undefined : shared.checked });
        else await this.app.rpc.call("canned.create", params);
        this.app.say(reply ? "Canned reply saved." : "Canned reply added.");
        this._forgetCanned();
        this._loadCanned();
      } catch (error) {
        this.app.fail(`Not saved: ${describeError(error)}`);
      }
    };
    const remove = async () => {
      try {
        await this.app.rpc.call("canned.delete", { project: this.project, canned_id: reply.id });
        this.app.say("Canned reply removed.");
        this._forgetCanned();
        this._loadCanned();
      } catch (error) {
        this.app.fail(`Not removed: ${describeError(error)}`);
      }
    };
    return h("form", { class: "canned-form", onsubmit: save, "aria-label": reply ? `Canned reply ${reply.title}` : "New canned reply" },
      h("div", { class: "field" }, h("label", { for: ids.title }, "Title"), title),
      h("div", { class: "field" }, h("label", { for: ids.body }, "Text"), body),
      h("div", { class: "check" }, shared, h("label", { for: ids.shared }, "Shared with the whole team")),
      h("div", { class: "form-actions" },
        reply ? h("button", { type: "button", class: "secondary", onclick: remove }, "Delete") : null,
        h("button", { type: "submit", class: "primary" }, reply ? "Save" : "Add canned reply")));
  }

  _admin() {
    return roleOf(this.app.projects.get(this.project)) === "admin";
  }

  _forgetCanned() {
    const current = this.app.current;
    if (current && current.composer && current.composer.canned) current.composer.canned.forget();
  }

  // -- teams ---------------------------------------------------------------------------

  async _loadTeams() {
    const admins = this._projects((p) => roleOf(p) === "admin");
    const project = admins.some((p) => p.label === this.project) ? this.project : admins[0].label;
    const [teams, staff] = await Promise.all([
      this.app.loadTeams(project, { fresh: true }), this.app.loadStaff(project, { fresh: true })]);
    const name = h("input", { type: "text", required: true, maxlength: "60", "aria-label": "New team's name", placeholder: "e.g. Billing" });
    replace(this.teams,
      h("h3", { id: "settings-teams" }, "Teams"),
      h("p", { class: "hint" }, "A ticket may belong to one team; each team has its own queue."),
      teams.length ? h("ul", { class: "teams-manage" }, teams.map((t) => h("li", {}, this._teamForm(project, t, staff))))
        : h("p", { class: "muted" }, "No teams yet."),
      h("form", { class: "team-new", onsubmit: async (e) => {
        e.preventDefault();
        try {
          await this.app.rpc.call("team.create", { project, name: name.value.trim() });
          this.app.say("Team added.");
          this._loadTeams();
          this.app.refreshQueues();
        } catch (error) {
          this.app.fail(`Not added: ${describeError(error)}`);
        }
      } }, name, h("button", { type: "submit", class: "primary" }, "Add team")));
  }

  _teamForm(project, team, staff) {
    const name = h("input", { type: "text", value: team.name, required: true, maxlength: "60", "aria-label": `Name of ${team.name}` });
    const boxes = staff.map((m) => {
      const id = uid("member");
      return { id: m.id, box: h("input", { type: "checkbox", id, checked: team.members.includes(m.id) }),
        label: h("label", { for: id }, m.display_name) };
    });
    return h("form", { class: "team-form", "aria-label": `Team ${team.name}`, onsubmit: async (e) => {
      e.preventDefault();
      try {
        await this.app.rpc.call("team.update", { project, team_id: team.id, name: name.value.trim(),
          members: boxes.filter((b) => b.box.checked).map((b) => b.id) });
        this.app.say("Team saved.");
        this._loadTeams();
        this.app.refreshQueues();
      } catch (error) {
        this.app.fail(`Not saved: ${describeError(error)}`);
      }
    } },
    name,
    h("fieldset", { class: "members" }, h("legend", {}, "Members"),
      boxes.map((b) => h("span", { class: "check" }, b.box, b.label))),
    h("div", { class: "form-actions" },
      h("button", { type: "button", class: "secondary", onclick: async () => {
        try {
          await this.app.rpc.call("team.delete", { project, team_id: team.id });
          this.app.say("Team removed; its tickets have no team now.");
          this._loadTeams();
          this.app.refreshQueues();
        } catch (error) {
          this.app.fail(`Not removed: ${describeError(error)}`);
        }
      } }, "Delete team"),
      h("button", { type: "submit", class: "primary" }, "Save team")));
  }
}

registerScreen({
  name: "settings", label: "Settings", order: 90,
  visible: (app) => app._visibleProjects().some((p) => p.bound),
  create: (app) => new SettingsScreen(app),
});
