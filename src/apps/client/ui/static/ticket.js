// One ticket: its header and controls (kept in view while the conversation scrolls),
// who else is on it, the threaded conversation with editable messages and their
// revisions, the history of changes, the customer's context beside it (staff) and the
// composer (composer.js).
import { h, keepFocus, replace, select, uid } from "./dom.js";
import { renderMarkdown } from "./markdown.js";
import { thumbnails } from "./images.js";
import {
  ALLOWED_MOVES, PRIORITIES, PRIORITY_LABEL, ROLE_LABEL, STATUS_LABEL, ago, isStaff, when,
} from "./format.js";
import { describeError } from "./rpc.js";
import { Composer } from "./composer.js";
import { CustomerContext } from "./context.js";
import { HistoryTimeline } from "./history.js";

const HEARTBEAT_MS = 15000;
const MARK_READ_MS = 800;
const FIELD_LABEL = { status: "status", priority: "priority", assignee_id: "assignee",
  team_id: "team", tags: "tags", subject: "subject" };

export class TicketView {
  constructor(app, project, ticketId) {
    this.app = app;
    this.project = project;
    this.ticketId = ticketId;
    this.ticket = null;
    this.messages = new Map();
    this.watchers = [];
    this._heartbeat = null;
    this._presenceTimer = null;
    this._readTimer = null;
    this._closed = false;
    this._editing = new Set();
    this._revisions = new Map();
    this.title = "Ticket";

    const state = app.projects.get(project);
    this.me = state && state.user ? state.user : null;
    this.staff = isStaff(this.me && this.me.role);

    const headingId = uid("subject");
    this.heading = h("h2", { id: headingId, class: "ticket-subject", tabindex: "-1" }, "Loading…");
    this.subjectArea = h("div", { class: "subject-row" }, this.heading);
    this.meta = h("p", { class: "ticket-meta" });
    this.controls = h("div", { class: "ticket-controls" });
    this.tools = h("div", { class: "ticket-tools" });
    this.presence = h("div", { class: "presence", role: "status", "aria-live": "polite" });
    this.thread = h("ol", { class: "thread", "aria-label": "Conversation" });
    this.composer = new Composer(this);
    this.history = new HistoryTimeline(this);
    this.context = this.staff ? new CustomerContext(this) : null;
    this.element = h("article", { class: "ticket", "aria-labelledby": headingId },
      h("div", { class: "ticket-head" },
        h("button", { type: "button", class: "back secondary", onclick: () => app.showList() },
          "← Tickets"),
        this.subjectArea, this.meta, this.controls, this.tools),
      this.presence,
      h("div", { class: "ticket-body" },
        h("section", { class: "conversation", "aria-label": "Conversation" }, this.thread,
          this.history.element),
        this.context ? this.context.element : null),
      this.composer.element);
  }

  async load() {
    if (!(await this.refresh())) return;
    this.announce(false);
    this._heartbeat = setInterval(() => this.announce(this.composer.typing), HEARTBEAT_MS);
    this.refreshPresence();
    this._markRead();
    if (this.context) this.context.load();
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
      if (this.staff) await Promise.all([this.app.loadStaff(this.project), this.app.loadTeams(this.project)]);
      this.renderAll();
      this.history.refresh();
      return true;
    } catch (error) {
      if (this.ticket) {
        this.app.fail(`Could not refresh the ticket: ${describeError(error)}`);
        return false;
      }
      replace(this.heading, "This ticket could not be opened");
      replace(this.meta, describeError(error));
      this.composer.element.hidden = true;
      return false;
    }
  }

  /** Stop announcing presence on this ticket (the person left it). */
  close() {
    this._closed = true;
    clearInterval(this._heartbeat);
    clearTimeout(this._presenceTimer);
    clearTimeout(this._readTimer);
    this.composer.stopTyping();
    this.composer.picker.clear();
    this.app.rpc.call("presence.update",
      { project: this.project, viewing_ticket_id: null, typing: false }).catch(() => {});
  }

  focus() {
    this.heading.focus();
  }

  handleEscape() {
    return this.composer.handleEscape();
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
      await this.app.people(this.project, [this.ticket.assignee_id, data.actor_id]);
      this.renderHead();
      this.history.refresh();
      this._markReadSoon();
    } else if ((event.kind === "message.created" || event.kind === "message.edited") && data.message) {
      const known = this.messages.get(data.message.id);
      if (known && known.edited_at === data.message.edited_at && known.body === data.message.body) return;
      this.messages.set(data.message.id, data.message);
      this._revisions.delete(data.message.id);
      await this.app.people(this.project, [data.message.author_id]);
      this.renderThread();
      this._markReadSoon();
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

  announce(typing) {
    if (this._closed) return;
    this.app.rpc.call("presence.update",
      { project: this.project, viewing_ticket_id: this.ticketId, typing })
      .catch(() => {});
  }

  /** The composer sent `message`. */
  async sent(message) {
    this.messages.set(message.id, message);
    await this.app.people(this.project, [message.author_id]);
    this.renderThread();
  }

  // -- unread --------------------------------------------------------------------------

  _markReadSoon() {
    if (document.hidden) return; // seen when the person comes back (visibilitychange)
    clearTimeout(this._readTimer);
    this._readTimer = setTimeout(() => this._markRead(), MARK_READ_MS);
  }

  async _markRead() {
    if (this._closed) return;
    this.app.setUnread(this.project, this.ticketId, false);
    try {
      await this.app.rpc.call("ticket.mark_read", { project: this.project, ticket_id: this.ticketId });
    } catch {
      // The marker follows on the next open.
    }
  }

  async markUnread() {
    try {
      await this.app.rpc.call("ticket.mark_unread", { project: this.project, ticket_id: this.ticketId });
      this.app.setUnread(this.project, this.ticketId, true);
      this.app.say("Marked as unread.");
      this.app.showList();
    } catch (error) {
      this.app.fail(`Could not mark it unread: ${describeError(error)}`);
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
    this.title = `Ticket #${t.id}: ${t.subject}`;
    this.app.detail.setAttribute("aria-label", `Ticket #${t.id}`);
    if (!this._editingSubject) replace(this.heading, t.subject);
    const requester = this.app.personName(this.project, t.requester_id);
    const assignee = t.assignee_id ? this.app.personName(this.project, t.assignee_id) : "nobody";
    replace(this.meta,
      h("span", { class: `badge status-${t.status}` }, STATUS_LABEL[t.status] || t.status),
      h("span", { class: `badge priority-${t.priority}` }, `${PRIORITY_LABEL[t.priority]} priority`),
      h("span", {}, `#${t.id}`),
      this.app.projects.size > 1 ? h("span", {}, this.project) : null,
      h("span", {}, `Opened by ${requester} `,
        h("time", { datetime: t.created_at, title: when(t.created_at) }, ago(t.created_at))),
      h("span", {}, `Assigned to ${assignee}`),
      this.staff && t.team_id ? h("span", { class: "badge team" }, this.app.teamName(this.project, t.team_id)) : null,
      (t.tags || []).length ? h("span", { class: "tags" }, t.tags.map((tag) => h("span", { class: "tag" }, tag))) : null);
    if (!this._dirty()) {
      keepFocus(this.controls, () => replace(this.controls,
        this.staff ? this._fields(this._staffControls(t)) : this._customerControls(t)));
    }
    keepFocus(this.tools, () => replace(this.tools, this._tools(t)));
    this.composer.update(t);
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

  _author(userId, at, verb, extra = null) {
    const person = this.app.person(this.project, userId);
    const name = person ? person.display_name : `User ${userId}`;
    const role = person ? person.role : "";
    return h("header", { class: "message-head" },
      h("span", { class: "author" }, name),
      role && isStaff(role) ? h("span", { class: "badge role" }, ROLE_LABEL[role]) : null,
      verb ? h("span", { class: "muted" }, verb) : null,
      h("time", { datetime: at, title: when(at) }, ago(at)), extra);
  }

  _message(m) {
    const internal = m.visibility === "internal";
    const urls = (m.attachments || []).map((sha) => this.app.rpc.attachmentUrl(this.project, sha));
    const mine = this.me && (m.author_id === this.me.id || this.me.role === "admin");
    const edited = m.edited_at ? h("button", {
      type: "button", class: "link edited", dataset: { key: `edited-${m.id}` },
      "aria-expanded": this._revisions.has(m.id) ? "true" : "false",
      title: `Edited ${when(m.edited_at)}: show earlier versions`,
      onclick: () => this._toggleRevisions(m),
    }, "(edited)") : null;
    const editing = this._editing.has(m.id);
    return h("article", {
      class: `message${internal ? " internal" : ""}`, dataset: { messageId: m.id, visibility: m.visibility },
      "aria-label": internal ? "Internal note" : "Reply",
    },
    internal ? h("p", { class: "note-label" }, "Internal note · only agents see this") : null,
    this._author(m.author_id, m.created_at, "", edited),
    editing ? this._editor(m) : m.body ? h("div", { class: "body" }, renderMarkdown(m.body)) : null,
    this._revisions.has(m.id) ? this._revisionList(m) : null,
    thumbnails(urls, this.app.lightbox, `message-${m.id}`),
    h("div", { class: "message-actions" },
      mine && !editing ? h("button", { type: "button", class: "link", dataset: { key: `edit-${m.id}` },
        onclick: () => { this._editing.add(m.id); this.renderThread(); this._focusEditor(m.id); } }, "Edit") : null,
      h("button", {
        type: "button", class: "link", dataset: { key: `reply-${m.id}` }, onclick: () => this.composer.replyTo(m),
      }, "Reply to this")));
  }

  _editor(m) {
    const id = uid("edit");
    const box = h("textarea", { id, rows: "3", value: m.body, dataset: { key: `editor-${m.id}` },
      onkeydown: (e) => {
        if (e.key === "Escape") { e.preventDefault(); e.stopPropagation(); cancel(); }
        if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) { e.preventDefault(); save(); }
      } });
    const cancel = () => { this._editing.delete(m.id); this.renderThread(); };
    const save = async () => {
      try {
        const edited = await this.app.rpc.call("message.edit", { project: this.project, message_id: m.id, body: box.value });
        this.messages.set(edited.id, edited);
        this._revisions.delete(edited.id);
        this._editing.delete(m.id);
        this.renderThread();
        this.app.say("Message edited; the earlier text is kept.");
      } catch (error) {
        this.app.fail(`Not saved: ${describeError(error)}`);
      }
    };
    return h("form", { class: "message-editor", onsubmit: (e) => { e.preventDefault(); save(); } },
      h("label", { for: id, class: "visually-hidden" }, "Edit your message"), box,
      h("div", { class: "form-actions" },
        h("button", { type: "button", class: "secondary", onclick: cancel }, "Cancel"),
        h("button", { type: "submit", class: "primary" }, "Save edit")));
  }

  _focusEditor(messageId) {
    const box = this.thread.querySelector(`[data-key="editor-${messageId}"]`);
    if (box) box.focus();
  }

  async _toggleRevisions(m) {
    if (this._revisions.has(m.id)) {
      this._revisions.delete(m.id);
      this.renderThread();
      return;
    }
    try {
      const found = await this.app.rpc.call("message.revisions", { project: this.project, message_id: m.id });
      await this.app.people(this.project, found.map((r) => r.editor_id));
      this._revisions.set(m.id, found);
      this.renderThread();
    } catch (error) {
      this.app.fail(`Could not load the earlier versions: ${describeError(error)}`);
    }
  }

  _revisionList(m) {
    const found = this._revisions.get(m.id) || [];
    return h("section", { class: "revisions", "aria-label": "Earlier versions" },
      h("h3", {}, "Earlier versions"),
      h("ol", {}, found.map((r) => h("li", { class: "revision" },
        h("p", { class: "muted" }, r.number === 1 ? "Original" : `Version ${r.number}`,
          ` · replaced by ${this.app.personName(this.project, r.editor_id)} `,
          h("time", { datetime: r.replaced_at, title: when(r.replaced_at) }, ago(r.replaced_at))),
        h("div", { class: "body" }, renderMarkdown(r.body))))));
  }

  // -- controls ------------------------------------------------------------------------

  /** Status, priority, assignee, team and tags change only on Apply (WCAG 3.2.2). */
  _staffControls(t) {
    const statuses = [t.status, ...ALLOWED_MOVES[t.status]].map((s) => ({ value: s, label: STATUS_LABEL[s] }));
    const staff = this.app.staffOf(this.project);
    const listId = uid("agents");
    this.statusSelect = select({ dataset: { key: "status", shortcut: "status" } }, statuses, t.status);
    this.prioritySelect = select({ dataset: { key: "priority" } },
      PRIORITIES.map((p) => ({ value: p, label: PRIORITY_LABEL[p] })), t.priority);
    const current = t.assignee_id ? this._memberName(t.assignee_id) : "";
    this.assigneeInput = h("input", { type: "text", list: listId, value: current, autocomplete: "off",
      placeholder: "Unassigned", dataset: { key: "assignee", shortcut: "assign" },
      "aria-describedby": `${listId}-hint` });
    const options = h("datalist", { id: listId }, staff.map((m) => h("option", {
      value: m.display_name }, `${ROLE_LABEL[m.role]} · ${m.presence}`)));
    const teams = [{ value: "", label: "No team" },
      ...this.app.teamsOf(this.project).map((team) => ({ value: String(team.id), label: team.name }))];
    this.teamSelect = select({ dataset: { key: "team" } }, teams, t.team_id ? String(t.team_id) : "");
    this.tagsInput = h("input", { type: "text", value: (t.tags || []).join(", "), autocomplete: "off",
      list: `${listId}-tags`, dataset: { key: "tags" }, placeholder: "no tags",
      oninput: (e) => {
        const last = e.target.value.split(",").pop().trim();
        this.app.suggestTags(this.project, last, tagList);
      } });
    const tagList = h("datalist", { id: `${listId}-tags` });
    this._original = this._controlValues();
    const apply = h("button", { type: "submit", class: "primary", dataset: { key: "apply" } }, "Apply changes");
    const reset = h("button", { type: "button", class: "secondary", dataset: { key: "reset" },
      onclick: () => { this._original = null; this.renderHead(); } }, "Reset");
    const form = h("form", { class: "control-form", "aria-label": "Ticket fields",
      onsubmit: (e) => { e.preventDefault(); this._apply(); },
      oninput: () => this._showDirty(apply), onchange: () => this._showDirty(apply) },
    h("div", { class: "control-row" },
      h("label", { class: "field compact" }, h("span", {}, "Status"), this.statusSelect),
      h("label", { class: "field compact" }, h("span", {}, "Priority"), this.prioritySelect),
      h("label", { class: "field compact" }, h("span", {}, "Assignee"), this.assigneeInput, options),
      h("label", { class: "field compact" }, h("span", {}, "Team"), this.teamSelect),
      h("label", { class: "field compact tags-field" }, h("span", {}, "Tags"), this.tagsInput, tagList)),
    h("div", { class: "control-actions" },
      h("span", { class: "hint", id: `${listId}-hint` }, "Changes apply when you press Apply."),
      h("button", { type: "button", class: "link", onclick: () => {
        if (this.me) this.assigneeInput.value = this._memberName(this.me.id);
        this._showDirty(apply);
      } }, "Assign to me"),
      reset, apply));
    this._showDirty(apply);
    return form;
  }

  /** Staff fields fold away on a narrow panel (so the sticky header stays small). */
  _fields(form) {
    if (this._fieldsOpen === undefined) this._fieldsOpen = this.app.offsetWidth >= 760;
    const details = h("details", { class: "ticket-fields", open: this._fieldsOpen,
      ontoggle: () => { this._fieldsOpen = details.open; } },
    h("summary", {}, "Status, priority, assignee, team, tags"), form);
    return details;
  }

  /** Open the fields (a shortcut's target is inside them). */
  revealFields() {
    const details = this.controls.querySelector("details.ticket-fields");
    if (details && !details.open) details.open = true;
  }

  _memberName(userId) {
    const member = this.app.staffOf(this.project).find((m) => m.id === userId);
    return member ? member.display_name : this.app.personName(this.project, userId).replace(/ \(you\)$/, "");
  }

  _controlValues() {
    if (!this.statusSelect) return null;
    return { status: this.statusSelect.value, priority: this.prioritySelect.value,
      assignee: this.assigneeInput.value.trim(), team: this.teamSelect.value,
      tags: this.tagsInput.value.split(",").map((x) => x.trim().toLowerCase()).filter(Boolean).join(",") };
  }

  _dirty() {
    if (!this._original || !this.staff || !this.statusSelect || !this.statusSelect.isConnected) return false;
    return JSON.stringify(this._controlValues()) !== JSON.stringify(this._original);
  }

  _showDirty(apply) {
    const dirty = this._dirty();
    apply.disabled = !dirty;
    apply.closest("form").classList.toggle("dirty", dirty);
  }

  _resolveAssignee(name) {
    if (!name) return { value: null };
    const wanted = name.toLowerCase();
    const found = this.app.staffOf(this.project).find((m) => m.display_name.toLowerCase() === wanted);
    if (found) return { value: found.id };
    if (this.ticket.assignee_id && this._memberName(this.ticket.assignee_id).toLowerCase() === wanted) {
      return { value: this.ticket.assignee_id };
    }
    return { error: `${name} is not one of the project's agents.` };
  }

  async _apply() {
    const now = this._controlValues();
    const before = this._original;
    const change = {};
    if (now.status !== before.status) change.status = now.status;
    if (now.priority !== before.priority) change.priority = now.priority;
    if (now.assignee !== before.assignee) {
      const resolved = this._resolveAssignee(now.assignee);
      if (resolved.error) {
        this.app.fail(resolved.error);
        this.assigneeInput.focus();
        return;
      }
      change.assignee_id = resolved.value;
    }
    if (now.team !== before.team) change.team_id = now.team ? Number(now.team) : null;
    if (now.tags !== before.tags) change.tags = now.tags ? now.tags.split(",") : [];
    await this._update(change);
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

  _tools(t) {
    return [
      this.staff ? h("button", { type: "button", class: "link", dataset: { key: "edit-subject" },
        onclick: () => this._editSubject() }, "Edit subject") : null,
      h("button", { type: "button", class: "link", dataset: { key: "copy-link" },
        onclick: () => this._copyLink() }, "Copy link"),
      h("button", { type: "button", class: "link", dataset: { key: "mark-unread" },
        onclick: () => this.markUnread() }, "Mark as unread"),
      h("a", { class: "link", href: this.app.ticketLink(this.project, t.id), hidden: true, dataset: { link: "ticket" } }, "Link"),
    ];
  }

  async _copyLink() {
    const link = this.app.ticketLink(this.project, this.ticketId);
    try {
      await navigator.clipboard.writeText(link);
      this.app.say("Link copied: it opens this ticket on a colleague's own Support tab.");
    } catch {
      this.app.say(`Link: ${link}`);
    }
  }

  _editSubject() {
    this._editingSubject = true;
    const input = h("input", { type: "text", value: this.ticket.subject, maxlength: "200", required: true,
      "aria-label": "Subject", dataset: { key: "subject-input" } });
    const done = () => { this._editingSubject = false; replace(this.subjectArea, this.heading); this.renderHead(); };
    const form = h("form", { class: "subject-editor", onsubmit: async (e) => {
      e.preventDefault();
      const subject = input.value.trim();
      if (subject && subject !== this.ticket.subject) await this._update({ subject });
      done();
      this.heading.focus();
    }, onkeydown: (e) => { if (e.key === "Escape") { e.preventDefault(); e.stopPropagation(); done(); this.heading.focus(); } } },
    input, h("button", { type: "submit", class: "primary" }, "Save subject"),
    h("button", { type: "button", class: "secondary", onclick: () => { done(); this.heading.focus(); } }, "Cancel"));
    replace(this.subjectArea, form);
    input.focus();
    input.select();
  }

  async _update(change) {
    if (Object.keys(change).length === 0) return;
    try {
      this.ticket = await this.app.rpc.call("ticket.update",
        { project: this.project, ticket_id: this.ticketId, ...change });
      await this.app.people(this.project, [this.ticket.assignee_id]);
      this.app.upsertTicket(this.project, this.ticket);
      this.app.refreshQueues();
      this.history.refresh();
      const what = Object.keys(change).map((k) => FIELD_LABEL[k] || k).join(", ");
      this.app.say(`Ticket updated (${what}).`);
    } catch (error) {
      this.app.fail(`Could not update the ticket: ${describeError(error)}`);
    }
    this._original = null;
    this.renderHead();
  }
}
