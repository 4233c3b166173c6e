// Desktop notifications (the browser's Notification API), while the tab is not in
// focus: for staff, new tickets in their queues (unassigned, mine, my teams') and
// customers' replies on tickets assigned to them or their teams; for customers,
// replies from support on their tickets. Off until the person turns them on in
// Settings (which is also where the browser's permission is asked, on that click).
// The settings are the person's own, kept by the local service (client.notifications).
import { isStaff, roleOf } from "./format.js";

export class Notifier {
  constructor(app) {
    this.app = app;
    this.settings = { enabled: false, new_tickets: true, replies: true };
    this.shown = [];
  }

  /** The browser's answer so far: "granted", "denied", "default" or "unsupported". */
  get permission() {
    return typeof Notification === "undefined" ? "unsupported" : Notification.permission;
  }

  async load() {
    try {
      this.settings = await this.app.rpc.call("client.notifications");
    } catch {
      // Defaults: off.
    }
  }

  async save(patch) {
    this.settings = await this.app.rpc.call("client.set_notifications", patch);
    return this.settings;
  }

  /** Ask the browser (must run inside the person's click). */
  async askPermission() {
    if (this.permission === "unsupported") return "unsupported";
    if (Notification.permission === "default") await Notification.requestPermission();
    return Notification.permission;
  }

  _wanted() {
    return this.settings.enabled && this.permission === "granted"
      && (document.hidden || !document.hasFocus());
  }

  /** A live event: show a notification if it is one the person asked for. */
  async consider(project, event) {
    if (!this._wanted()) return;
    const state = this.app.projects.get(project);
    if (!state || !state.user) return;
    const me = state.user.id;
    const staff = isStaff(roleOf(state));
    const data = event.data || {};
    if (event.kind === "ticket.created" && data.ticket && staff && this.settings.new_tickets) {
      const t = data.ticket;
      if (t.requester_id === me) return;
      if (t.assignee_id && t.assignee_id !== me) return;
      this._show(project, t.id, `New ticket #${t.id}`, t.subject);
      return;
    }
    if (event.kind !== "message.created" || !data.message || !this.settings.replies) return;
    const m = data.message;
    if (m.author_id === me || m.visibility !== "public") return;
    const ticket = await this._ticket(project, event.ticket_id);
    if (!ticket) return;
    await this.app.people(project, [m.author_id]);
    const author = this.app.person(project, m.author_id);
    if (staff) {
      const fromCustomer = author ? !isStaff(author.role) : m.author_id === ticket.requester_id;
      const mine = ticket.assignee_id === me || (ticket.team_id && this.app.myTeams(project).has(ticket.team_id));
      if (!fromCustomer || !mine) return;
    } else if (!author || !isStaff(author.role)) {
      return;
    }
    const name = author ? author.display_name : "Someone";
    this._show(project, ticket.id, `${name} replied on #${ticket.id}`, m.body.slice(0, 140) || ticket.subject);
  }

  async _ticket(project, ticketId) {
    const known = this.app.tickets.get(`${project}#${ticketId}`);
    if (known) return known.ticket;
    try {
      return await this.app.rpc.call("ticket.get", { project, ticket_id: ticketId });
    } catch {
      return null;
    }
  }

  _show(project, ticketId, title, body) {
    const note = new Notification(title, { body, tag: `${project}#${ticketId}` });
    this.shown.push({ title, body, project, ticketId });
    note.addEventListener("click", () => {
      window.focus();
      this.app.openTicket(project, ticketId);
      note.close();
    });
  }
}
