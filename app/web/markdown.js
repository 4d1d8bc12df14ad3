// A tiny, safe Markdown renderer: builds DOM nodes (never HTML strings), so text stays text.
// Blocks: headings, paragraphs, lists (nested by indentation), quotes, fenced code, rules.
// Inline: `code`, **bold**, *italic* / _italic_, and [links](https://...) to http(s)/mailto only.

import { h } from "./dom.js";

const HEADING = /^(#{1,6})\s+(.*?)\s*#*\s*$/;
const BULLET = /^(\s*)([-*+])\s+(.*)$/;
const ORDERED = /^(\s*)(\d{1,9})[.)]\s+(.*)$/;
const FENCE = /^\s*(```|~~~)/;
const RULE = /^\s*([-*_])(\s*\1){2,}\s*$/;
const QUOTE = /^\s*>\s?(.*)$/;

/** Render Markdown-ish text into a DocumentFragment. Headings start at `baseLevel`. */
export function renderMarkdown(text, { baseLevel = 3 } = {}) {
  const fragment = document.createDocumentFragment();
  const lines = String(text ?? "").replace(/\r\n?/g, "\n").split("\n");
  let i = 0;
  while (i < lines.length) {
    const line = lines[i];
    if (!line.trim()) {
      i += 1;
      continue;
    }
    if (FENCE.test(line)) {
      const marker = line.trim().slice(0, 3);
      const code = [];
      i += 1;
      while (i < lines.length && !lines[i].trim().startsWith(marker)) code.push(lines[i++]);
      i += 1; // the closing fence (or the end)
      fragment.appendChild(h("pre", {}, h("code", { text: code.join("\n") })));
      continue;
    }
    const heading = HEADING.exec(line);
    if (heading) {
      const level = Math.min(6, heading[1].length - 1 + baseLevel);
      fragment.appendChild(h(`h${level}`, { class: "md-heading" }, inline(heading[2])));
      i += 1;
      continue;
    }
    if (RULE.test(line)) {
      fragment.appendChild(h("hr"));
      i += 1;
      continue;
    }
    if (QUOTE.test(line)) {
      const quoted = [];
      while (i < lines.length && QUOTE.test(lines[i])) quoted.push(QUOTE.exec(lines[i++])[1]);
      const block = h("blockquote");
      block.appendChild(renderMarkdown(quoted.join("\n"), { baseLevel }));
      fragment.appendChild(block);
      continue;
    }
    if (BULLET.test(line) || ORDERED.test(line)) {
      const items = [];
      while (i < lines.length && (BULLET.test(lines[i]) || ORDERED.test(lines[i]) || isContinuation(lines[i]))) {
        items.push(lines[i++]);
      }
      fragment.appendChild(renderList(items));
      continue;
    }
    const paragraph = [];
    while (i < lines.length && lines[i].trim() && !startsBlock(lines[i])) paragraph.push(lines[i++].trim());
    const p = h("p");
    paragraph.forEach((part, index) => {
      if (index > 0) p.appendChild(h("br"));
      p.appendChild(inline(part));
    });
    fragment.appendChild(p);
  }
  return fragment;
}

function startsBlock(line) {
  return HEADING.test(line) || FENCE.test(line) || RULE.test(line) || QUOTE.test(line) ||
    BULLET.test(line) || ORDERED.test(line);
}

function isContinuation(line) {
  // An indented, non-empty line under a list item continues that item.
  return /^\s{2,}\S/.test(line);
}

function indentOf(line) {
  return line.match(/^\s*/)[0].replace(/\t/g, "    ").length;
}

/** Lines of one list (possibly nested by indentation) -> <ul>/<ol>. */
function renderList(lines) {
  const root = { indent: -1, list: null, items: [] };
  const stack = [root];
  let lastItem = null;
  for (const line of lines) {
    const match = BULLET.exec(line) || ORDERED.exec(line);
    if (!match) {
      if (lastItem) lastItem.appendChild(document.createTextNode(" "));
      if (lastItem) lastItem.appendChild(inline(line.trim()));
      continue;
    }
    const indent = indentOf(line);
    const ordered = !BULLET.test(line);
    // The first level is never popped: a shallower item than the first one joins it.
    while (stack.length > 2 && indent < stack[stack.length - 1].indent) stack.pop();
    let top = stack[stack.length - 1];
    if (indent > top.indent && (top === root || lastItem)) {
      const list = ordered ? h("ol", match[2] !== "1" ? { start: match[2] } : {}) : h("ul");
      if (top === root) root.list = list;
      else lastItem.appendChild(list);
      top = { indent, list };
      stack.push(top);
    }
    lastItem = h("li", {}, inline(match[3]));
    top.list.appendChild(lastItem);
  }
  return root.list || h("ul");
}

const INLINE = /(`+)([^`]|[^`][\s\S]*?[^`])\1(?!`)|\*\*(.+?)\*\*|__(.+?)__|\*([^*\s][^*]*?)\*|(?<![\w])_([^_\s][^_]*?)_(?![\w])|\[([^\]]+)\]\(([^)\s]+)\)/;

/** Inline Markdown -> a fragment of text nodes and a few safe elements. */
export function inline(text) {
  const fragment = document.createDocumentFragment();
  let rest = String(text ?? "");
  while (rest) {
    const match = INLINE.exec(rest);
    if (!match) {
      fragment.appendChild(document.createTextNode(rest));
      break;
    }
    if (match.index > 0) fragment.appendChild(document.createTextNode(rest.slice(0, match.index)));
    const [whole, , code, bold, bold2, em, em2, linkText, href] = match;
    if (code !== undefined) fragment.appendChild(h("code", { text: code.trim() }));
    else if (bold !== undefined || bold2 !== undefined) fragment.appendChild(h("strong", {}, inline(bold ?? bold2)));
    else if (em !== undefined || em2 !== undefined) fragment.appendChild(h("em", {}, inline(em ?? em2)));
    else if (linkText !== undefined) fragment.appendChild(link(linkText, href));
    rest = rest.slice(match.index + whole.length);
  }
  return fragment;
}

function link(text, href) {
  let url;
  try {
    url = new URL(href);
  } catch {
    return document.createTextNode(`${text} (${href})`);
  }
  if (!["http:", "https:", "mailto:"].includes(url.protocol)) return document.createTextNode(text);
  return h("a", { href: url.href, rel: "noopener noreferrer nofollow", target: "_blank" }, inline(text));
}
