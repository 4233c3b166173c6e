// Light markdown rendered as DOM nodes (never as HTML): paragraphs, line breaks,
// **bold**, *italic*, `code`, fenced code blocks and bare http(s) links.
import { h, safeHref } from "./dom.js";

const INLINE = /(`[^`\n]+`)|(\*\*[^*\n]+\*\*)|(\*[^*\n]+\*)|(https?:\/\/[^\s<>()]+[^\s<>().,;:!?'"])/g;

function inline(text) {
  const out = [];
  let last = 0;
  for (const match of text.matchAll(INLINE)) {
    if (match.index > last) out.push(text.slice(last, match.index));
    const [token] = match;
    if (match[1]) out.push(h("code", {}, token.slice(1, -1)));
    else if (match[2]) out.push(h("strong", {}, token.slice(2, -2)));
    else if (match[3]) out.push(h("em", {}, token.slice(1, -1)));
    else {
      const href = safeHref(token);
      out.push(href ? h("a", { href, target: "_blank", rel: "noopener noreferrer nofollow" }, token)
        : token);
    }
    last = match.index + token.length;
  }
  if (last < text.length) out.push(text.slice(last));
  return out;
}

function lines(text) {
  const out = [];
  text.split("\n").forEach((line, i) => {
    if (i > 0) out.push(h("br"));
    out.push(...inline(line));
  });
  return out;
}

/** A document fragment for `body`. */
export function renderMarkdown(body) {
  const fragment = document.createDocumentFragment();
  const blocks = String(body).replace(/\r\n?/g, "\n").split(/```/);
  blocks.forEach((block, i) => {
    if (i % 2 === 1) {
      fragment.append(h("pre", {}, h("code", {}, block.replace(/^[^\n]*\n/, ""))));
      return;
    }
    for (const para of block.split(/\n{2,}/)) {
      const trimmed = para.replace(/^\n+|\n+$/g, "");
      if (trimmed) fragment.append(h("p", {}, lines(trimmed)));
    }
  });
  return fragment;
}
