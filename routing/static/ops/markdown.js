/* A small, safe Markdown renderer for the operator pages: builds DOM nodes with textContent only, so nothing the
   model writes is ever parsed as HTML. Supports fenced code, headings, lists, quotes, paragraphs, **bold**, *italic*,
   `code`, [links](https://…) and bare http(s) links (other URL schemes stay text). No dependencies, works offline. */
(function (global) {
  "use strict";

  function el(tag, text) { const node = document.createElement(tag); if (text !== undefined) node.textContent = text; return node; }

  function safeHref(url) {
    return /^(https?:\/\/|mailto:)/i.test(url) ? url : null;
  }

  // Inline: code spans first (their content is literal), then links, bold, italic, bare URLs.
  const INLINE = /(`+)([\s\S]*?[^`])\1(?!`)|\[([^\]\n]+)\]\(([^)\s]+)\)|\*\*([^*\n]+)\*\*|__([^_\n]+)__|\*([^*\n]+)\*|(^|[^\w])_([^_\n]+)_(?!\w)|(https?:\/\/[^\s<>()]+[^\s<>().,;:!?'"])/;

  function inline(parent, text) {
    while (text) {
      const m = INLINE.exec(text);
      if (!m) { parent.appendChild(document.createTextNode(text)); return; }
      let start = m.index;
      if (m[9] !== undefined) start += m[8].length;  // keep the character before _italic_
      if (start > 0) parent.appendChild(document.createTextNode(text.slice(0, start)));
      if (m[2] !== undefined) parent.appendChild(el("code", m[2]));
      else if (m[3] !== undefined) {
        const href = safeHref(m[4]);
        if (href) { const a = el("a"); a.href = href; a.rel = "noopener noreferrer nofollow"; a.target = "_blank"; inline(a, m[3]); parent.appendChild(a); }
        else parent.appendChild(document.createTextNode(m[0]));
      } else if (m[5] !== undefined || m[6] !== undefined) { const b = el("strong"); inline(b, m[5] !== undefined ? m[5] : m[6]); parent.appendChild(b); }
      else if (m[7] !== undefined || m[9] !== undefined) { const i = el("em"); inline(i, m[7] !== undefined ? m[7] : m[9]); parent.appendChild(i); }
      else if (m[10] !== undefined) { const a = el("a", m[10]); a.href = m[10]; a.rel = "noopener noreferrer nofollow"; a.target = "_blank"; parent.appendChild(a); }
      text = text.slice(m.index + m[0].length);
    }
  }

  function render(markdown) {
    const root = document.createDocumentFragment();
    const lines = String(markdown || "").replace(/\r\n?/g, "\n").split("\n");
    let i = 0;
    while (i < lines.length) {
      const line = lines[i];
      const fence = /^\s*(```|~~~)\s*([\w+-]*)\s*$/.exec(line);
      if (fence) {
        const body = [];
        i += 1;
        while (i < lines.length && !new RegExp("^\\s*" + fence[1] + "\\s*$").test(lines[i])) { body.push(lines[i]); i += 1; }
        i += 1;  // the closing fence (or the end)
        const pre = el("pre"); const code = el("code", body.join("\n"));
        if (fence[2]) code.dataset.lang = fence[2];
        pre.appendChild(code); root.appendChild(pre);
        continue;
      }
      if (!line.trim()) { i += 1; continue; }
      const heading = /^(#{1,6})\s+(.*)$/.exec(line);
      if (heading) { const h = el("h" + Math.min(6, heading[1].length + 2)); inline(h, heading[2]); root.appendChild(h); i += 1; continue; }
      const listItem = /^\s*([-*+]|\d+[.)])\s+(.*)$/;
      if (listItem.test(line)) {
        const ordered = /^\s*\d/.test(line);
        const list = el(ordered ? "ol" : "ul");
        while (i < lines.length && listItem.test(lines[i])) {
          const li = el("li"); inline(li, listItem.exec(lines[i])[2]); list.appendChild(li); i += 1;
        }
        root.appendChild(list);
        continue;
      }
      if (/^\s*>/.test(line)) {
        const quote = el("blockquote"); const body = [];
        while (i < lines.length && /^\s*>/.test(lines[i])) { body.push(lines[i].replace(/^\s*>\s?/, "")); i += 1; }
        inline(quote, body.join("\n")); root.appendChild(quote);
        continue;
      }
      const paragraph = [];
      while (i < lines.length && lines[i].trim() && !/^\s*(```|~~~|#{1,6}\s|>|[-*+]\s|\d+[.)]\s)/.test(lines[i])) {
        paragraph.push(lines[i]); i += 1;
      }
      if (!paragraph.length) { paragraph.push(line); i += 1; }
      const p = el("p"); inline(p, paragraph.join("\n")); root.appendChild(p);
    }
    return root;
  }

  global.renderMarkdown = function (target, markdown) { target.replaceChildren(render(markdown)); };
})(window);
