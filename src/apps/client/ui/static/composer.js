// The reply box of a ticket: reply or internal note (staff), which markdown works and a
// preview of it, images, canned replies picked with "/" (staff), and — for a customer
// on a resolved or closed ticket — the notice that sending reopens it.
import { h, replace, uid } from "./dom.js";
import { AttachmentPicker } from "./images.js";
import { SYNTAX_HINT, renderMarkdown } from "./markdown.js";
import { describeError } from "./rpc.js";

const TYPING_IDLE_MS = 4000;

export class Composer {
  constructor(view) {
    this.view = view;
    this.app = view.app;
    this.visibility = "public";
    this.parent = null;
    this._typing = false;
    this._typingTimer = null;
    const boxId = uid("reply");
    const hintId = uid("hint");
    this.boxLabel = h("label", { for: boxId }, "Your reply");
    this.box = h("textarea", {
      id: boxId, rows: "3", placeholder: view.staff ? "Write a reply… (/ for canned replies)" : "Write a reply…",
      "aria-describedby": hintId, dataset: { shortcut: "composer" },
      oninput: () => this._input(),
      onkeydown: (e) => this._keydown(e),
    });
    this.hint = h("details", { class: "hint syntax" }, h("summary", {}, "Formatting"),
      h("p", { id: hintId }, SYNTAX_HINT));
    this.previewButton = h("button", { type: "button", class: "link", "aria-pressed": "false",
      onclick: () => this.togglePreview() }, "Preview");
    this.preview = h("div", { class: "preview-pane body", hidden: true, "aria-label": "Preview", role: "region" });
    this.replyingTo = h("p", { class: "replying-to", hidden: true });
    this.notice = h("p", { class: "reopen-notice", hidden: true, role: "note" });
    this.picker = new AttachmentPicker({ notify: (text) => this.app.fail(text) });
    this.canned = view.staff ? new CannedPicker(this) : null;
    this.sendButton = h("button", { type: "submit", class: "primary" }, "Send reply");
    this.modes = null;
    if (view.staff) {
      const name = uid("visibility");
      const radio = (value, label) => h("label", { class: "mode" },
        h("input", { type: "radio", name, value, checked: value === "public",
          onchange: () => this.setVisibility(value) }), label);
      this.modes = h("fieldset", { class: "modes" }, h("legend", {}, "Send as"),
        radio("public", "Reply to customer"), radio("internal", "Internal note (agents only)"));
    }
    this.element = h("form", { class: "composer", "aria-label": "Reply", onsubmit: (e) => { e.preventDefault(); this.send(); } },
      this.modes, this.notice, this.replyingTo, this.boxLabel, this.box,
      this.canned ? this.canned.element : null, this.preview,
      h("div", { class: "composer-extras" }, this.hint,
        h("details", { class: "attach" }, h("summary", {}, "Images"), this.picker.element)),
      h("div", { class: "composer-actions" },
        h("div", { class: "composer-help" },
          h("span", { class: "hint" }, "Ctrl+Enter sends · "), this.previewButton, " · ",
          this.canned ? h("button", { type: "button", class: "link", onclick: () => this.canned.open("") }, "Canned replies") : null),
        this.sendButton));
    this.picker.acceptPasteOn(this.element);
  }

  /** The ticket's status changed: a customer learns before sending that it reopens. */
  update(ticket) {
    const finished = ticket.status === "resolved" || ticket.status === "closed";
    const customerReopens = !this.view.staff && finished;
    this.notice.hidden = !customerReopens;
    replace(this.notice, customerReopens
      ? `This ticket is ${ticket.status}. Sending a reply reopens it for the support team.` : "");
    if (this.visibility === "public") {
      this.sendButton.textContent = customerReopens ? "Send and reopen" : "Send reply";
    }
  }

  focus(mode) {
    if (mode && this.modes) {
      const radio = this.modes.querySelector(`input[value="${mode}"]`);
      if (radio) {
        radio.checked = true;
        this.setVisibility(mode);
      }
    }
    this.box.focus();
  }

  setVisibility(value) {
    this.visibility = value;
    const internal = value === "internal";
    this.element.classList.toggle("internal", internal);
    this.boxLabel.textContent = internal ? "Internal note (only agents see it)" : "Your reply";
    this.box.placeholder = internal ? "Write a note for the team… (/ for canned replies)"
      : this.view.staff ? "Write a reply… (/ for canned replies)" : "Write a reply…";
    this.sendButton.textContent = internal ? "Add internal note" : "Send reply";
    if (!internal && this.view.ticket) this.update(this.view.ticket);
  }

  replyTo(message) {
    this.parent = message;
    const name = this.app.personName(this.view.project, message.author_id);
    replace(this.replyingTo, `Replying to ${name}'s message `,
      h("button", { type: "button", class: "link", onclick: () => this.clearParent() }, "cancel"));
    this.replyingTo.hidden = false;
    this.box.focus();
  }

  clearParent() {
    this.parent = null;
    this.replyingTo.hidden = true;
    this.box.focus();
  }

  togglePreview() {
    const showing = this.preview.hidden;
    this.preview.hidden = !showing;
    this.previewButton.setAttribute("aria-pressed", String(showing));
    this.previewButton.textContent = showing ? "Hide preview" : "Preview";
    this._renderPreview();
  }

  /** Insert text where the cursor is (replacing the "/query" that opened the picker). */
  insert(text, { replacing = 0 } = {}) {
    const box = this.box;
    const end = box.selectionStart;
    const start = Math.max(0, end - replacing);
    box.setRangeText(text, start, box.selectionEnd, "end");
    box.focus();
    this._input();
  }

  handleEscape() {
    if (this.canned && this.canned.isOpen) {
      this.canned.close();
      return true;
    }
    return false;
  }

  _input() {
    this._renderPreview();
    if (this.canned) this.canned.follow();
    if (!this._typing) {
      this._typing = true;
      this.view.announce(true);
    }
    clearTimeout(this._typingTimer);
    this._typingTimer = setTimeout(() => {
      this._typing = false;
      this.view.announce(false);
    }, TYPING_IDLE_MS);
  }

  get typing() {
    return this._typing;
  }

  stopTyping() {
    this._typing = false;
    clearTimeout(this._typingTimer);
  }

  _renderPreview() {
    if (this.preview.hidden) return;
    const text = this.box.value.trim();
    replace(this.preview, text ? renderMarkdown(text) : h("p", { class: "muted" }, "Nothing to preview yet."));
  }

  _keydown(e) {
    if (this.canned && this.canned.handleKey(e)) return;
    if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) {
      e.preventDefault();
      this.element.requestSubmit();
    }
  }

  clear() {
    this.box.value = "";
    this.picker.clear();
    this.parent = null;
    this.replyingTo.hidden = true;
    this.stopTyping();
    this._renderPreview();
  }

  async send() {
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
      for (const file of files) attachments.push((await this.app.rpc.upload(this.view.project, file)).sha256);
      const message = await this.app.rpc.call("message.post", {
        project: this.view.project, ticket_id: this.view.ticketId, body,
        parent_id: this.parent ? this.parent.id : null, visibility: this.visibility, attachments,
      });
      const note = this.visibility === "internal";
      this.clear();
      this.view.announce(false);
      await this.view.sent(message);
      this.app.say(note ? "Internal note added." : "Reply sent.");
    } catch (error) {
      this.app.fail(`Not sent: ${describeError(error)}`);
    } finally {
      this.sendButton.disabled = false;
    }
  }
}

/**
 * Canned replies in the composer (staff): typing "/" at the start of a line (or after a
 * space) opens a list filtered by what follows; arrows move, Enter inserts the reply
 * with its placeholders filled by the server, Escape closes.
 */
export class CannedPicker {
  constructor(composer) {
    this.composer = composer;
    this.app = composer.app;
    this.replies = null;
    this.query = null;
    this.active = 0;
    this.listId = uid("canned");
    this.list = h("ul", { id: this.listId, role: "listbox", class: "canned-list", "aria-label": "Canned replies" });
    this.status = h("p", { class: "hint canned-status", role: "status" });
    this.element = h("div", { class: "canned", hidden: true }, this.status, this.list);
  }

  get isOpen() {
    return !this.element.hidden;
  }

  /** After each keystroke: open, narrow or close the list from the "/word" before the cursor. */
  follow() {
    const box = this.composer.box;
    const before = box.value.slice(0, box.selectionStart);
    const match = /(?:^|\s)\/([^\s/]{0,40})$/.exec(before);
    if (match) this.open(match[1], { typed: true });
    else if (this.isOpen) this.close();
  }

  async open(query, { typed = false } = {}) {
    this.query = query;
    this._typed = typed;
    this.element.hidden = false;
    const box = this.composer.box;
    box.setAttribute("aria-controls", this.listId);
    box.setAttribute("aria-expanded", "true");
    if (this.replies === null) {
      replace(this.status, "Loading canned replies…");
      try {
        this.replies = await this.app.rpc.call("canned.list", { project: this.composer.view.project });
      } catch (error) {
        replace(this.status, `Canned replies are not available: ${describeError(error)}`);
        return;
      }
    }
    this.active = 0;
    this._render();
  }

  close() {
    this.element.hidden = true;
    this.query = null;
    const box = this.composer.box;
    box.setAttribute("aria-expanded", "false");
    box.removeAttribute("aria-activedescendant");
  }

  _matches() {
    const words = (this.query || "").toLowerCase();
    return (this.replies || []).filter((r) => !words || r.title.toLowerCase().includes(words)
      || r.body.toLowerCase().includes(words)).slice(0, 8);
  }

  _render() {
    const found = this._matches();
    replace(this.status, found.length ? "↑↓ choose · Enter inserts · Esc closes"
      : this.replies && this.replies.length ? "No canned reply matches." : "No canned replies yet: add them in Settings.");
    replace(this.list, found.map((reply, i) => h("li", {
      id: `${this.listId}-${i}`, role: "option", class: `canned-option${i === this.active ? " active" : ""}`,
      "aria-selected": i === this.active ? "true" : "false",
      onmousedown: (e) => { e.preventDefault(); this._choose(reply); },
    }, h("strong", {}, reply.title), reply.shared ? h("span", { class: "badge" }, "shared") : null,
    h("span", { class: "canned-preview" }, reply.body.split("\n")[0].slice(0, 80)))));
    if (found.length) this.composer.box.setAttribute("aria-activedescendant", `${this.listId}-${this.active}`);
  }

  handleKey(e) {
    if (!this.isOpen) return false;
    const found = this._matches();
    if (e.key === "ArrowDown" || e.key === "ArrowUp") {
      e.preventDefault();
      if (!found.length) return true;
      this.active = (this.active + (e.key === "ArrowDown" ? 1 : found.length - 1)) % found.length;
      this._render();
      return true;
    }
    if (e.key === "Enter" && found.length && !(e.ctrlKey || e.metaKey)) {
      e.preventDefault();
      this._choose(found[this.active]);
      return true;
    }
    if (e.key === "Escape") {
      e.preventDefault();
      e.stopPropagation();
      this.close();
      return true;
    }
    return false;
  }

  async _choose(reply) {
    const typed = this._typed ? (this.query || "").length + 1 : 0;  // the "/word" typed
    this.close();
    try {
      const filled = await this.app.rpc.call("canned.render",
        { project: this.composer.view.project, canned_id: reply.id, ticket_id: this.composer.view.ticketId });
      this.composer.insert(filled.text, { replacing: typed });
    } catch (error) {
      this.app.fail(`Could not insert the canned reply: ${describeError(error)}`);
    }
  }

  /** Settings changed the replies: read them again next time. */
  forget() {
    this.replies = null;
  }
}
