// Light markdown rendered as DOM nodes (never as HTML): paragraphs, line breaks,
// **bold**, *italic*, `code`, fenced code blocks, [links](https://…), bare http(s)
// links, lists ("- ", "* ", "1. ") and quotes ("> "). Only http, https and mailto
// addresses become links (safeHref); anything else stays the text that was typed.
import { h, safeHref } from "./dom.js";

// One alternation, tried left to right at each position: code first (nothing inside
// it is markup), then a [text](url) link, bold, italic, a bare address.
const INLINE = new RegExp([
  "(`[^`\\n]+`)",
  "(\\[[^\\]\\n]{1,300}\\]\\((?:https?:\\/\\/|mailto:)[^\\s()<>]{1,2000}\\))",
  "(\\*\\*[^*\\n]+\\*\\*)",
  "(\\*[^*\\n]+\\*)",
  "(https?:\\/\\/[^\\s<>()]+[^\\s<>().,;:!?'\"])",
].join("|"), "g");
const LINK = /^\[([^\]]+)\]\(([^)]+)\)$/;
const BULLET = /^\s{0,3}[-*+]\s+(.*)$/;
const NUMBERED = /^\s{0,3}(\d{1,9})[.)]\s+(.*)$/;
const QUOTE = /^\s{0,3}>\s?(.*)$/;

/** The syntax the renderer understands, for the composer's hint. */
export const SYNTAX_HINT = "**bold**  *italic*  `code`  [text](https://…)  - list  1. list  > quote  ``` code block";

function anchor(href, text) {
  return h("a", { href, target: "_blank", rel: "noopener noreferrer nofollow" }, text);
}

function inline(text) {
  const out = [];
  let last = 0;
  for (const match of text.matchAll(INLINE)) {
    if (match.index > last) out.push(text.slice(last, match.index));
    const [token] = match;
    if (match[1]) out.push(h("code", {}, token.slice(1, -1)));
    else if (match[2]) {
      const [, label, url] = LINK.exec(token);
      const href = safeHref(url);
      out.push(href ? anchor(href, label) : token);
    } else if (match[3]) out.push(h("strong", {}, token.slice(2, -2)));
    else if (match[4]) out.push(h("em", {}, token.slice(1, -1)));
    else {
      const href = safeHref(token);
      out.push(href ? anchor(href, token) : token);
    }
    last = match.index + token.length;
  }
  if (last < text.length) out.push(text.slice(last));
  return out;
}

function lines(rows) {
  const out = [];
  rows.forEach((line, i) => {
    if (i > 0) out.push(h("br"));
    out.push(...inline(line));
  });
  return out;
}

/** Split one paragraph's lines into runs of list items, quotes and plain text. */
function blocksOf(rows) {
  const blocks = [];
  for (const line of rows) {
    let kind = "text";
    let content = line;
    let match;
    if ((match = BULLET.exec(line))) [kind, content] = ["ul", match[1]];
    else if ((match = NUMBERED.exec(line))) [kind, content] = ["ol", match[2]];
    else if ((match = QUOTE.exec(line))) [kind, content] = ["quote", match[1]];
    const previous = blocks[blocks.length - 1];
    if (previous && previous.kind === kind) previous.rows.push(content);
    else blocks.push({ kind, rows: [content], start: kind === "ol" ? Number(match[1]) : null });
  }
  return blocks;
}

function renderBlock(block) {
  if (block.kind === "ul") return h("ul", {}, block.rows.map((row) => h("li", {}, inline(row))));
  if (block.kind === "ol") {
    return h("ol", { start: block.start && block.start !== 1 ? String(block.start) : null },
      block.rows.map((row) => h("li", {}, inline(row))));
  }
  if (block.kind === "quote") return h("blockquote", {}, h("p", {}, lines(block.rows)));
  return h("p", {}, lines(block.rows));
}

/** A document fragment for `body`. */
export function renderMarkdown(body) {
  const fragment = document.createDocumentFragment();
  const parts = String(body).replace(/\r\n?/g, "\n").split(/```/);
  parts.forEach((part, i) => {
    if (i % 2 === 1 && i < parts.length - 1) {
      fragment.append(h("pre", {}, h("code", {}, part.replace(/^[^\n]*\n/, ""))));
      return;
    }
    const text = i % 2 === 1 ? `\`\`\`${part}` : part; // an unclosed fence stays text
    for (const para of text.split(/\n{2,}/)) {
      const trimmed = para.replace(/^\n+|\n+$/g, "");
      if (!trimmed) continue;
      for (const block of blocksOf(trimmed.split("\n"))) fragment.append(renderBlock(block));
    }
  });
  return fragment;
}
