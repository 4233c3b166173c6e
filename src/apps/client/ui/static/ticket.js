// One ticket: its header and controls, who else is on it, the threaded conversation
// and the reply box (agents: reply or internal note).
import { h, keepFocus, replace, select, uid } from "./dom.js";
import { renderMarkdown } from "./markdown.js";
import { AttachmentPicker, thumbnails } from "./images.js";
import {
  ALLOWED_MOVES, PRIORITIES, PRIORITY_LABEL, ROLE_LABEL, STATUS_LABEL, ago, isStaff, when,
} from "./format.js";
import { describeError } from "./rpc.js";

const TYPING_IDLE_MS = 4000;
const HEARTBEAT_MS = 15000;

export class TicketView {
  constructor(app, project, ticketId) {
    this.app = app;
    this.project = project;
    this.ticketId = ticketId;
    this.ticket = null;
    this.messages = new Map();
    this.watchers = [];
    this.parent = null;
    this.visibility = "public";
    this._typing = false;
    this._typingTimer = null;
    this._heartbeat = null;
    this._presenceTimer = null;
    this._closed = false;

    const state = app.projects.get(project);
    this.me = state && state.user ? state.user : null;
    this.staff = isStaff(this.me && this.me.role);

    const headingId = uid("subject");
    this.heading = h("h2", { id: headingId, class: "ticket-subject", tabindex: "-1" }, "Loading…");
    this.meta = h("p", { class: "ticket-meta" });
    this.controls = h("div", { class: "ticket-controls" });
    this.presence = h("div", { class: "presence", role: "status", "aria-live": "polite" });
    this.thread = h("ol", { class: "thread", "aria-label": "Conversation" });
    this.composer = this._composer();
    this.element = h("article", { class: "ticket", "aria-labelledby": headingId },
      h("div", { class: "ticket-head" },
        h("button", { type: "button", class: "back secondary", onclick: () => app.showList() },
          "← Tickets"),
        this.heading, this.meta, this.controls),
      this.presence,
      h("section", { class: "conversation", "aria-label": "Conversation" }, this.thread),
      this.composer);
  }

  async load() {
    if (!(await this.refresh())) return;
    this._announce();
    this._heartbeat = setInterval(() => this._announce(), HEARTBEAT_MS);
    this.refreshPresence();
  }

  /** Read the ticket and its messages again (after a reconnect); the draft is kept. */
  async refresh() {
    const { rpc } = this.app;
    const params = { project: this.project, ticket_id: this.ticketId };
    try {
      const [ticket, messages] = await Promise.all([
        rpc.call("ticket.get", params), rpc.call("message.list", params)]);
      if (this._closed) return false;
      this.ticket = ticket;
      for (const message of messages) this.messages.set(message.id, message);
      await this.app.people(this.project, [ticket.requester_id, ticket.assignee_id,
        ...messages.map((m) => m.author_id)]);
      this.renderAll();
      return true;
    } catch (error) {
      if (this.ticket) {
        this.app.fail(`Could not refresh the ticket: ${describeError(error)}`);
        return false;
      }
      replace(this.heading, "This ticket could not be opened");
      replace(this.meta, describeError(error));
      this.composer.hidden = true;
      return false;
    }
  }

  /** Stop announcing presence on this ticket (the person left it). */
  close() {
    this._closed = true;
    clearInterval(this._heartbeat);
    clearTimeout(this._typingTimer);
    clearTimeout(this._presenceTimer);
    this.picker.clear();
    this.app.rpc.call("presence.update",
      { project: this.project, viewing_ticket_id: null, typing: false }).catch(() => {});
  }

  focus() {
    this.heading.focus();
  }

  /** A live event of this ticket's project. */
  async onEvent(event) {
    if (event.ticket_id !== this.ticketId || this._closed) return;
    const data = event.data || {};
    if (!this.ticket) {
      // Still loading: keep messages for the first render, the rest comes with the load.
      if (data.message) this.messages.set(data.message.id, data.message);
      return;
    }
    if ((event.kind === "ticket.updated" || event.kind === "ticket.created") && data.ticket) {
      this.ticket = { ...this.ticket, ...data.ticket };
      await this.app.people(this.project, [this.ticket.assignee_id]);
      this.renderHead();
    } else if ((event.kind === "message.created" || event.kind === "message.edited") && data.message) {
      const known = this.messages.get(data.message.id);
      if (known && known.edited_at === data.message.edited_at && known.body === data.message.body) return;
      this.messages.set(data.message.id, data.message);
      await this.app.people(this.project, [data.message.author_id]);
      this.renderThread();
    } else if (event.kind === "presence.changed") {
      clearTimeout(this._presenceTimer);
      this._presenceTimer = setTimeout(() => this.refreshPresence(), 150);
    }
  }

  async refreshPresence() {
    try {
      const watchers = await this.app.rpc.call("presence.list",
        { project: this.project, ticket_id: this.ticketId });
      if (this._closed) return;
      this.watchers = watchers.filter((w) => !this.me || w.user_id !== this.me.id);
      this.renderPresence();
    } catch {
      // Presence is a hint: a failed refresh leaves the last known watchers.
    }
  }

  // -- rendering ---------------------------------------------------------------------

  renderAll() {
    this.renderHead();
    this.renderThread();
    this.renderPresence();
  }

  renderHead() {
    const t = this.ticket;
    replace(this.heading, t.subject);
    const requester = this.app.personName(this.project, t.requester_id);
    const assignee = t.assignee_id ? this.app.personName(this.project, t.assignee_id) : "nobody";
    replace(this.meta,
      h("span", { class: `badge status-${t.status}` }, STATUS_LABEL[t.status] || t.status),
      h("span", { class: `badge priority-${t.priority}` }, `${PRIORITY_LABEL[t.priority]} priority`),
      h("span", {}, `#${t.id}`),
      this.app.projects.size > 1 ? h("span", {}, this.project) : null,
      h("span", {}, `Opened by ${requester} `,
        h("time", { datetime: t.created_at, title: when(t.created_at) }, ago(t.created_at))),
      h("span", {}, `Assigned to ${assignee}`));
    keepFocus(this.controls, () => replace(this.controls,
      this.staff ? this._staffControls(t) : this._customerControls(t)));
  }

  renderPresence() {
    const others = this.watchers;
    const lines = [];
    if (this.staff) {
      const staff = others.filter((w) => isStaff(w.role));
      const customers = others.filter((w) => !isStaff(w.role));
      for (const w of staff) {
        lines.push(h("p", { class: `collision${w.typing ? " typing" : ""}` },
          h("strong", {}, w.typing ? "Careful: " : "Heads up: "),
          w.typing ? `${w.display_name} (${ROLE_LABEL[w.role]}) is typing a reply on this ticket.`
            : `${w.display_name} (${ROLE_LABEL[w.role]}) is also viewing this ticket.`));
      }
      for (const w of customers) {
        lines.push(h("p", { class: "watching" },
          w.typing ? `${w.display_name} (customer) is typing…` : `${w.display_name} (customer) is viewing this ticket.`));
      }
    } else {
      for (const w of others.filter((x) => isStaff(x.role))) {
        lines.push(h("p", { class: "watching agent" },
          w.typing ? `${w.display_name} from support is typing a reply…`
            : `${w.display_name} from support is looking at your ticket.`));
      }
    }
    replace(this.presence, lines);
    this.presence.hidden = lines.length === 0;
  }

  renderThread() {
    const t = this.ticket;
    const ordered = [...this.messages.values()].sort((a, b) => a.id - b.id);
    // Images filed with the ticket come as a first message without text: show them
    // with the description they belong to.
    const first = ordered[0];
    const filed = first && !first.body && !first.parent_id && first.author_id === t.requester_id
      && first.attachments.length > 0 && first.visibility === "public" ? first : null;
    const byParent = new Map();
    for (const m of ordered) {
      if (m === filed) continue;
      const parent = m.parent_id && this.messages.has(m.parent_id) ? m.parent_id : 0;
      if (!byParent.has(parent)) byParent.set(parent, []);
      byParent.get(parent).push(m);
    }
    const urls = filed ? filed.attachments.map((sha) => this.app.rpc.attachmentUrl(this.project, sha)) : [];
    const opening = h("li", { class: "entry" }, h("article", { class: "message opening" },
      this._author(t.requester_id, t.created_at, "opened the ticket"),
      h("div", { class: "body" }, t.body ? renderMarkdown(t.body) : h("p", { class: "muted" }, "(no description)")),
      thumbnails(urls, this.app.lightbox, `opening-${t.id}`)));
    const build = (parentId) => (byParent.get(parentId) || []).map((m) => h("li", { class: "entry" },
      this._message(m),
      byParent.has(m.id) ? h("ol", { class: "replies", "aria-label": "Replies" }, build(m.id)) : null));
    keepFocus(this.thread, () => replace(this.thread, opening, build(0)));
  }

  _author(userId, at, verb) {
    const person = this.app.person(this.project, userId);
    const name = person ? person.display_name : `User ${userId}`;
    const role = person ? person.role : "";
    return h("header", { class: "message-head" },
      h("span", { class: "author" }, name),
      role && isStaff(role) ? h("span", { class: "badge role" }, ROLE_LABEL[role]) : null,
      verb ? h("span", { class: "muted" }, verb) : null,
      h("time", { datetime: at, title: when(at) }, ago(at)));
  }

  _message(m) {
    const internal = m.visibility === "internal";
    const urls = (m.attachments || []).map((sha) => this.app.rpc.attachmentUrl(this.project, sha));
    return h("article", {
      class: `message${internal ? " internal" : ""}`, dataset: { messageId: m.id, visibility: m.visibility },
      "aria-label": internal ? "Internal note" : "Reply",
    },
    internal ? h("p", { class: "note-label" }, "Internal note · only agents see this") : null,
    this._author(m.author_id, m.created_at, m.edited_at ? "(edited)" : ""),
    m.body ? h("div", { class: "body" }, renderMarkdown(m.body)) : null,
    thumbnails(urls, this.app.lightbox, `message-${m.id}`),
    h("div", { class: "message-actions" }, h("button", {
      type: "button", class: "link", dataset: { key: `reply-${m.id}` }, onclick: () => this._replyTo(m),
    }, "Reply to this")));
  }

  // -- controls ------------------------------------------------------------------------

  _staffControls(t) {
    const statuses = [t.status, ...ALLOWED_MOVES[t.status]].map((s) => ({ value: s, label: STATUS_LABEL[s] }));
    const assignees = [{ value: "", label: "Unassigned" }];
    if (this.me) assignees.push({ value: String(this.me.id), label: `Me (${this.me.display_name})` });
    if (t.assignee_id && (!this.me || t.assignee_id !== this.me.id)) {
      assignees.push({ value: String(t.assignee_id), label: this.app.personName(this.project, t.assignee_id) });
    }
    return h("div", { class: "control-row" },
      h("label", { class: "field compact" }, h("span", {}, "Status"),
        select({ dataset: { key: "status" }, onchange: (e) => this._update({ status: e.target.value }) },
          statuses, t.status)),
      h("label", { class: "field compact" }, h("span", {}, "Priority"),
        select({ dataset: { key: "priority" }, onchange: (e) => this._update({ priority: e.target.value }) },
          PRIORITIES.map((p) => ({ value: p, label: PRIORITY_LABEL[p] })), t.priority)),
      h("label", { class: "field compact" }, h("span", {}, "Assignee"),
        select({ dataset: { key: "assignee" },
          onchange: (e) => this._update({ assignee_id: e.target.value ? Number(e.target.value) : null }) },
          assignees, t.assignee_id ? String(t.assignee_id) : "")));
  }

  _customerControls(t) {
    if (!this.me || t.requester_id !== this.me.id) return null;
    if (t.status === "resolved" || t.status === "closed") {
      return h("div", { class: "control-row" }, h("button", {
        type: "button", class: "secondary", dataset: { key: "close-reopen" },
        onclick: () => this._update({ status: "open" }),
      }, "Reopen ticket"));
    }
    return h("div", { class: "control-row" }, h("button", {
      type: "button", class: "secondary", dataset: { key: "close-reopen" },
      onclick: () => this._update({ status: "closed" }),
    }, "Close ticket"));
  }

  async _update(change) {
    try {
      this.ticket = await this.app.rpc.call("ticket.update",
        { project: this.project, ticket_id: this.ticketId, ...change });
      await this.app.people(this.project, [this.ticket.assignee_id]);
      this.app.upsertTicket(this.project, this.ticket);
      this.app.say("Ticket updated.");
    } catch (error) {
      this.app.fail(`Could not update the ticket: ${describeError(error)}`);
    }
    this.renderHead();
  }

  // -- the reply box -------------------------------------------------------------------

  _composer() {
    const boxId = uid("reply");
    this.boxLabel = h("label", { for: boxId }, "Your reply");
    this.box = h("textarea", {
      id: boxId, rows: "4", placeholder: "Write a reply…",
      oninput: () => this._typed(),
      onkeydown: (e) => {
        if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) { e.preventDefault(); this.form.requestSubmit(); }
      },
    });
    this.replyingTo = h("p", { class: "replying-to", hidden: true });
    this.picker = new AttachmentPicker({ notify: (text) => this.app.fail(text) });
    this.sendButton = h("button", { type: "submit", class: "primary" }, "Send reply");
    this.modes = null;
    if (this.staff) {
      const name = uid("visibility");
      const radio = (value, label) => h("label", { class: "mode" },
        h("input", { type: "radio", name, value, checked: value === "public",
          onchange: () => this._setVisibility(value) }), label);
      this.modes = h("fieldset", { class: "modes" }, h("legend", {}, "Send as"),
        radio("public", "Reply to customer"), radio("internal", "Internal note (agents only)"));
    }
    this.form = h("form", { class: "composer", onsubmit: (e) => { e.preventDefault(); this._send(); } },
      this.modes, this.replyingTo, this.boxLabel, this.box, this.picker.element,
      h("div", { class: "composer-actions" },
        h("span", { class: "hint" }, "Ctrl+Enter sends"), this.sendButton));
    this.picker.acceptPasteOn(this.form);
    return this.form;
  }

  _setVisibility(value) {
    this.visibility = value;
    const internal = value === "internal";
    this.form.classList.toggle("internal", internal);
    this.boxLabel.textContent = internal ? "Internal note (only agents see it)" : "Your reply";
    this.box.placeholder = internal ? "Write a note for the team…" : "Write a reply…";
    this.sendButton.textContent = internal ? "Add internal note" : "Send reply";
  }

  _replyTo(message) {
    this.parent = message;
    const name = this.app.personName(this.project, message.author_id);
    replace(this.replyingTo, `Replying to ${name}'s message `,
      h("button", { type: "button", class: "link", onclick: () => this._clearParent() }, "cancel"));
    this.replyingTo.hidden = false;
    this.box.focus();
  }

  _clearParent() {
    this.parent = null;
    this.replyingTo.hidden = true;
    this.box.focus();
  }

  _typed() {
    if (!this._typing) {
      this._typing = true;
      this._announce();
    }
    clearTimeout(this._typingTimer);
    this._typingTimer = setTimeout(() => {
      this._typing = false;
      this._announce();
    }, TYPING_IDLE_MS);
  }

  _announce() {
    if (this._closed) return;
    this.app.rpc.call("presence.update",
      { project: this.project, viewing_ticket_id: this.ticketId, typing: this._typing })
      .catch(() => {});
  }

  async _send() {
    const body = this.box.value.trim();
    const files = this.picker.files;
    if (!body && files.length === 0) {
      this.app.fail("Write something or add an image first.");
      this.box.focus();
      return;
    }
    this.sendButton.disabled = true;
    try {
      const attachments = [];
      for (const file of files) attachments.push((await this.app.rpc.upload(this.project, file)).sha256);
      const message = await this.app.rpc.call("message.post", {
        project: this.project, ticket_id: this.ticketId, body,
        parent_id: this.parent ? this.parent.id : null, visibility: this.visibility, attachments,
      });
      this.messages.set(message.id, message);
      await this.app.people(this.project, [message.author_id]);
      this.box.value = "";
      this.picker.clear();
      this.parent = null;
      this.replyingTo.hidden = true;
      this._typing = false;
      clearTimeout(this._typingTimer);
      this._announce();
      this.renderThread();
      this.app.say(this.visibility === "internal" ? "Internal note added." : "Reply sent.");
    } catch (error) {
      this.app.fail(`Not sent: ${describeError(error)}`);
    } finally {
      this.sendButton.disabled = false;
    }
  }
}
