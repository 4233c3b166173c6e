// DOM building without HTML strings: every piece of text becomes a text node, so
// subjects, bodies and file names can never turn into markup.

const FORBIDDEN = new Set(["innerHTML", "outerHTML", "srcdoc"]);

/**
 * Create an element. `props`: `class`, `dataset`, `on<event>` (functions only),
 * `text`, boolean and string attributes. Children: nodes, strings (as text), arrays.
 */
export function h(tag, props = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (value === undefined || value === null || value === false) continue;
    if (FORBIDDEN.has(key)) throw new Error(`refusing to set ${key}`);
    if (key === "class") el.className = value;
    else if (key === "text") el.textContent = String(value);
    else if (key === "dataset") Object.assign(el.dataset, value);
    else if (key.startsWith("on")) {
      if (typeof value !== "function") throw new Error(`${key} must be a function`);
      el.addEventListener(key.slice(2), value);
    } else if (key === "value" || key === "checked" || key === "selected") el[key] = value;
    else el.setAttribute(key, value === true ? "" : String(value));
  }
  append(el, children);
  return el;
}

/** Append children (nodes or text) to `el`, skipping null/undefined/false. */
export function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

/** Replace the children of `el`. */
export function replace(el, ...children) {
  el.replaceChildren();
  return append(el, children);
}

/** A `<select>` with options [{value, label}], one selected. */
export function select(props, options, selected) {
  return h("select", props, options.map((o) => h("option", {
    value: o.value, selected: String(o.value) === String(selected), disabled: o.disabled,
  }, o.label)));
}

let counter = 0;
/** A unique id for label/aria wiring inside one shadow root. */
export function uid(prefix = "hs") {
  counter += 1;
  return `${prefix}-${counter}`;
}

/** Only http(s) and mailto links are made clickable; anything else stays text. */
export function safeHref(raw) {
  try {
    const url = new URL(raw);
    return ["http:", "https:", "mailto:"].includes(url.protocol) ? url.href : null;
  } catch {
    return null;
  }
}

/**
 * Run `render` (which rebuilds children of `container`) and give the keyboard focus
 * back to the element with the same `data-key`, so live updates never steal it.
 */
export function keepFocus(container, render) {
  const root = container.getRootNode();
  const active = root.activeElement;
  const key = active && container.contains(active) ? active.dataset.key : null;
  render();
  if (!key) return;
  const again = container.querySelector(`[data-key="${CSS.escape(key)}"]`);
  if (again) again.focus({ preventScroll: true });
}
