// Signing this device in to a project: the email address, then the code from the email.
import { h, replace, uid } from "./dom.js";
import { describeError } from "./rpc.js";

export class EnrollPanel {
  constructor(app, state) {
    this.app = app;
    this.project = state.label;
    const ids = { email: uid("email"), device: uid("device"), code: uid("code") };
    this.heading = h("h2", { tabindex: "-1" }, `Sign in to ${state.project_name || state.label}`);
    this.email = h("input", { id: ids.email, type: "email", required: true, autocomplete: "email",
      placeholder: "you@example.com" });
    this.device = h("input", { id: ids.device, type: "text", required: true, maxlength: "60",
      value: defaultDeviceLabel() });
    this.code = h("input", { id: ids.code, type: "text", required: true, autocomplete: "one-time-code",
      inputmode: "text", spellcheck: "false", placeholder: "ABCD-2345", maxlength: "32" });
    this.message = h("p", { class: "enroll-message", role: "status" });
    this.emailForm = h("form", { class: "enroll-step", onsubmit: (e) => { e.preventDefault(); this._request(); } },
      h("p", {}, "Enter the email address your support contact enrolled. We will email you a code for this device."),
      h("div", { class: "field" }, h("label", { for: ids.email }, "Email"), this.email),
      h("div", { class: "field" }, h("label", { for: ids.device }, "Name of this device"), this.device),
      h("div", { class: "form-actions" }, h("button", { type: "submit", class: "primary" }, "Email me a code")));
    this.codeForm = h("form", { class: "enroll-step", hidden: true,
      onsubmit: (e) => { e.preventDefault(); this._confirm(); } },
      h("div", { class: "field" }, h("label", { for: ids.code }, "Code from the email"), this.code),
      h("div", { class: "form-actions" },
        h("button", { type: "button", class: "secondary", onclick: () => this._restart() }, "Use another email"),
        h("button", { type: "submit", class: "primary" }, "Sign in")));
    this.element = h("section", { class: "enroll" },
      h("div", { class: "ticket-head" },
        h("button", { type: "button", class: "back secondary", onclick: () => app.showList() }, "← Tickets"),
        this.heading,
        h("p", { class: "ticket-meta" }, `Project server ${state.server}`)),
      this.emailForm, this.message, this.codeForm);
  }

  focus() {
    this.email.focus();
  }

  /** The project's state changed (its name is known once its server answered). */
  update(state) {
    replace(this.heading, `Sign in to ${state.project_name || state.label}`);
  }

  close() {}

  async _request() {
    try {
      const result = await this.app.rpc.call("client.enroll",
        { project: this.project, email: this.email.value.trim(), device_label: this.device.value.trim() });
      replace(this.message, result.message || "If that address is enrolled, a code is on its way.");
      this.emailForm.hidden = true;
      this.codeForm.hidden = false;
      this.code.focus();
    } catch (error) {
      replace(this.message, describeError(error));
      this.app.fail(`No code sent: ${describeError(error)}`);
    }
  }

  async _confirm() {
    try {
      await this.app.rpc.call("client.confirm", { project: this.project, code: this.code.value.trim() });
      this.app.say("This device is signed in.");
      await this.app.refreshProjects();
      this.app.showList();
      this.app.reloadTickets();
    } catch (error) {
      replace(this.message, describeError(error));
      this.code.select();
    }
  }

  _restart() {
    this.codeForm.hidden = true;
    this.emailForm.hidden = false;
    replace(this.message);
    this.email.focus();
  }
}

function defaultDeviceLabel() {
  const platform = (navigator.userAgentData && navigator.userAgentData.platform) || navigator.platform || "";
  return `Support tab${platform ? ` on ${platform}` : ""}`.slice(0, 60);
}
