// Keyboard shortcuts, and the overlay that lists them ("?"). They act only when the
// focus is not in a text field (Escape works everywhere).
import { h } from "./dom.js";

const KEYS = [
  ["j / k", "Next / previous ticket in the list"],
  ["Enter", "Open the ticket that has the focus"],
  ["x", "Select the ticket for a bulk change"],
  ["r", "Reply"],
  ["n", "Internal note (staff)"],
  ["a", "Assign (staff)"],
  ["s", "Status (staff)"],
  ["/", "Search (in the reply box: canned replies)"],
  ["c", "New ticket"],
  ["u", "Mark the open ticket as unread"],
  ["Escape", "Back"],
  ["?", "This list"],
];

function typingIn(target) {
  if (!target || !target.tagName) return false;
  const tag = target.tagName;
  return tag === "TEXTAREA" || tag === "SELECT" || target.isContentEditable
    || (tag === "INPUT" && !["checkbox", "radio", "button", "submit"].includes(target.type));
}

export class Shortcuts {
  constructor(app) {
    this.app = app;
    this.close = h("button", { type: "button", class: "secondary", onclick: () => this.element.close() }, "Close");
    this.element = h("dialog", { class: "shortcuts", "aria-labelledby": "shortcuts-title" },
      h("h2", { id: "shortcuts-title" }, "Keyboard shortcuts"),
      h("dl", {}, KEYS.map(([key, what]) => [h("dt", {}, h("kbd", {}, key)), h("dd", {}, what)])),
      h("div", { class: "form-actions" }, this.close));
  }

  show() {
    if (!this.element.open) this.element.showModal();
    this.close.focus();
  }

  /** Handle a keydown on the tab; true when it was a shortcut. */
  handle(event) {
    if (event.ctrlKey || event.metaKey || event.altKey) return false;
    const target = event.composedPath()[0];
    if (typingIn(target) || this.element.open || this.app.lightbox.element.open) return false;
    const app = this.app;
    const ticket = app.current && app.current.ticketId ? app.current : null;
    const act = {
      "?": () => this.show(),
      j: () => app.list.moveFocus(1),
      k: () => app.list.moveFocus(-1),
      x: () => app.list.toggleFocused(),
      "/": () => { app.list.search.focus(); app.list.search.select(); },
      c: () => app.showNewTicket(),
      r: () => ticket && ticket.composer.focus("public"),
      n: () => ticket && ticket.staff && ticket.composer.focus("internal"),
      a: () => ticket && ticket.assigneeInput && (ticket.revealFields(), ticket.assigneeInput.focus()),
      s: () => ticket && ticket.statusSelect && (ticket.revealFields(), ticket.statusSelect.focus()),
      u: () => ticket && ticket.markUnread(),
    }[event.key];
    if (!act) return false;
    const done = act();
    if (done === false) return false;
    event.preventDefault();
    return true;
  }
}
