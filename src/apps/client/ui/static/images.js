// Image attachments: picking them (paste, drag-and-drop, file picker) with previews
// before sending, thumbnails in the thread, and the full-size viewer.
import { h, replace, uid } from "./dom.js";
import { size } from "./format.js";

export const IMAGE_TYPES = ["image/png", "image/jpeg", "image/gif", "image/webp"];
export const MAX_BYTES = 10 * 1024 * 1024;
export const MAX_FILES = 10;

/** Images chosen for a message or a new ticket, shown as previews until sent. */
export class AttachmentPicker {
  constructor({ notify, onChange = () => {} }) {
    this.notify = notify;
    this.onChange = onChange;
    this.items = [];
    const inputId = uid("files");
    this.input = h("input", {
      id: inputId, type: "file", accept: IMAGE_TYPES.join(","), multiple: true,
      class: "visually-hidden",
      onchange: () => {
        this.add([...this.input.files]);
        this.input.value = "";
      },
    });
    this.previews = h("ul", { class: "previews", "aria-label": "Images to send" });
    this.zone = h("div", { class: "dropzone" },
      this.input,
      h("label", { for: inputId, class: "button secondary" }, "Add images…"),
      h("span", { class: "hint" }, "or paste or drop them here (PNG, JPEG, GIF, WebP; up to 10 MiB)"));
    this.element = h("div", { class: "picker" }, this.zone, this.previews);
    for (const type of ["dragenter", "dragover"]) {
      this.zone.addEventListener(type, (event) => {
        if (![...event.dataTransfer.types].includes("Files")) return;
        event.preventDefault();
        this.zone.classList.add("dragging");
      });
    }
    this.zone.addEventListener("dragleave", () => this.zone.classList.remove("dragging"));
    this.zone.addEventListener("drop", (event) => {
      event.preventDefault();
      this.zone.classList.remove("dragging");
      this.add([...event.dataTransfer.files]);
    });
  }

  /** Take pasted images from `target` (a form or a text box). */
  acceptPasteOn(target) {
    target.addEventListener("paste", (event) => {
      const files = [...(event.clipboardData?.files || [])].filter((f) => f.type.startsWith("image/"));
      if (files.length === 0) return;
      event.preventDefault();
      this.add(files);
    });
  }

  add(files) {
    for (const file of files) {
      const name = file.name || "pasted image";
      if (!IMAGE_TYPES.includes(file.type)) {
        this.notify(`${name} is not a PNG, JPEG, GIF or WebP image.`);
      } else if (file.size > MAX_BYTES) {
        this.notify(`${name} is larger than 10 MiB.`);
      } else if (this.items.length >= MAX_FILES) {
        this.notify(`At most ${MAX_FILES} images per message.`);
        break;
      } else {
        this.items.push({ file, name, url: URL.createObjectURL(file) });
      }
    }
    this.render();
  }

  remove(item) {
    URL.revokeObjectURL(item.url);
    this.items = this.items.filter((i) => i !== item);
    this.render();
    this.zone.querySelector("label").focus();
  }

  clear() {
    for (const item of this.items) URL.revokeObjectURL(item.url);
    this.items = [];
    this.render();
  }

  get files() {
    return this.items.map((i) => i.file);
  }

  render() {
    replace(this.previews, this.items.map((item) => h("li", { class: "preview" },
      h("img", { src: item.url, alt: `Preview of ${item.name}` }),
      h("span", { class: "preview-name", title: item.name }, item.name),
      h("span", { class: "preview-size" }, size(item.file.size)),
      h("button", {
        type: "button", class: "icon", "aria-label": `Remove ${item.name}`,
        onclick: () => this.remove(item),
      }, "×"))));
    this.onChange(this.items.length);
  }
}

/** The full-size viewer: a modal dialog; Escape or the button closes it. */
export class Lightbox {
  constructor() {
    // crossorigin as on the thumbnails: embedded in a host page of another origin, an
    // image fetched without CORS is blocked (ERR_BLOCKED_BY_ORB).
    this.image = h("img", { alt: "", crossorigin: "anonymous" });
    this.caption = h("p", { class: "lightbox-caption" });
    this.element = h("dialog", { class: "lightbox", "aria-label": "Image" },
      h("div", { class: "lightbox-bar" }, this.caption,
        h("button", { type: "button", class: "secondary", onclick: () => this.element.close() },
          "Close")),
      h("div", { class: "lightbox-body" }, this.image));
    this.element.addEventListener("click", (event) => {
      if (event.target === this.element) this.element.close();
    });
    this.element.addEventListener("close", () => this._returnFocus());
    this._opener = null;
  }

  /** Show `url`; `opener` (its `data-key`) gets the focus back on close. */
  open(url, label, opener) {
    this._opener = opener && opener.dataset ? opener.dataset.key : null;
    this.image.src = url;
    this.image.alt = label;
    this.caption.textContent = label;
    this.element.showModal();
  }

  _returnFocus() {
    // The opener may have been re-rendered by a live update while the image was open.
    const root = this.element.getRootNode();
    const key = this._opener;
    if (!key || (root.activeElement && root.activeElement !== this.element)) return;
    const opener = root.querySelector(`[data-key="${CSS.escape(key)}"]`);
    if (opener) opener.focus();
  }
}

/** Thumbnails of a message's attachments; each opens the full image. `key` names them. */
export function thumbnails(urls, lightbox, key) {
  if (!urls.length) return null;
  return h("ul", { class: "thumbs", "aria-label": "Attached images" }, urls.map((url, i) => {
    const label = `Attached image ${i + 1} of ${urls.length}`;
    return h("li", {}, h("button", {
      type: "button", class: "thumb", "aria-label": `${label}: open full size`,
      dataset: { key: `${key}-thumb-${i}` },
      onclick: (event) => lightbox.open(url, label, event.currentTarget),
    }, h("img", { src: url, alt: label, loading: "lazy", crossorigin: "anonymous" })));
  }));
}
