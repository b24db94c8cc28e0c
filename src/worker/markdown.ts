// A deliberately small Markdown → HTML renderer for the project's own cards (docs/model-card.md,
// reports/data-card.md). It covers what those files use: ATX headings, paragraphs, block quotes, ordered and
// unordered lists (with indented continuation lines), GFM tables with alignment, fenced code blocks, and the
// inline forms `code`, **strong**, *em* / _em_ and [links](url). All text is HTML-escaped first, link
// targets are restricted to http(s), relative and fragment URLs, and no inline styles are emitted (table
// alignment is a class), so the output is safe to serve under a strict CSP even if a card held markup.

const ESCAPES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (ch) => ESCAPES[ch]!);
}

const UNESCAPES: Record<string, string> = Object.fromEntries(Object.entries(ESCAPES).map(([k, v]) => [v, k]));

function unescapeHtml(text: string): string {
  return text.replace(/&(amp|lt|gt|quot|#39);/g, (m) => UNESCAPES[m]!);
}

function safeHref(url: string): string | null {
  const u = url.trim();
  if (/^(https?:\/\/|\/(?!\/)|#|\.{0,2}\/)/i.test(u) || /^[\w./-]+$/.test(u)) return u;
  return null;
}

/** Heading text → id (lower-case words joined by dashes), unique within one document. */
function slugger() {
  const seen = new Map<string, number>();
  return (text: string) => {
    const base =
      text
        .toLowerCase()
        .replace(/<[^>]*>/g, "")
        .replace(/&[a-z#0-9]+;/g, "")
        .replace(/[^\p{L}\p{N}\s-]/gu, "")
        .trim()
        .replace(/\s+/g, "-") || "section";
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    return n ? `${base}-${n}` : base;
  };
}

/** Inline Markdown of one block's text (already joined into one string). */
export function renderInline(src: string): string {
  // Code spans first: their content is literal. Placeholders keep them out of the other rules.
  const codes: string[] = [];
  let text = src.replace(/(`+)([\s\S]*?[^`])\1(?!`)/g, (_m, _ticks: string, code: string) => {
    codes.push(`<code>${escapeHtml(code.trim())}</code>`);
    return `\u0000${codes.length - 1}\u0000`;
  });
  text = escapeHtml(text);
  // [label](url) — the label may itself hold emphasis; the URL is checked.
  text = text.replace(/\[([^\]]+)\]\(([^)\s]+)\)/g, (m, label: string, href: string) => {
    const raw = unescapeHtml(href);
    const safe = safeHref(raw);
    return safe ? `<a href="${escapeHtml(safe)}">${label}</a>` : m;
  });
  text = text.replace(/\*\*(?=\S)([\s\S]*?\S)\*\*/g, "<strong>$1</strong>");
  text = text.replace(/(^|[^\w*])\*(?=\S)([^*]*?\S)\*(?![\w*])/g, "$1<em>$2</em>");
  text = text.replace(/(^|[^\w])_(?=\S)([^_]*?\S)_(?!\w)/g, "$1<em>$2</em>");
  return text.replace(/\u0000(\d+)\u0000/g, (_m, i: string) => codes[Number(i)]!);
}

function splitRow(line: string): string[] {
  let s = line.trim();
  if (s.startsWith("|")) s = s.slice(1);
  if (s.endsWith("|") && !s.endsWith("\\|")) s = s.slice(0, -1);
  const cells: string[] = [];
  let cell = "";
  let inCode = false;
  for (let i = 0; i < s.length; i++) {
    const ch = s[i]!;
    if (ch === "`") inCode = !inCode;
    if (ch === "\\" && s[i + 1] === "|") {
      cell += "|";
      i++;
    } else if (ch === "|" && !inCode) {
      cells.push(cell.trim());
      cell = "";
    } else cell += ch;
  }
  cells.push(cell.trim());
  return cells;
}

const TABLE_SEP = /^\s*\|?\s*:?-{1,}:?\s*(\|\s*:?-{1,}:?\s*)*\|?\s*$/;
const LIST_ITEM = /^(\s*)([-*+]|\d{1,9}[.)])\s+(.*)$/;
const HEADING = /^(#{1,6})\s+(.*?)\s*#*\s*$/;
const FENCE = /^\s*(```|~~~)(.*)$/;

/** Renders a Markdown document to an HTML fragment. */
export function renderMarkdown(markdown: string): string {
  // HTML comments (e.g. the model card's generated-block markers) are not content.
  const lines = markdown.replace(/\r\n?/g, "\n").replace(/^[ \t]*<!--[\s\S]*?-->[ \t]*(\n|$)/gm, "").split("\n");
  const slug = slugger();
  return renderBlocks(lines, slug);
}

function renderBlocks(lines: string[], slug: (t: string) => string): string {
  const out: string[] = [];
  let i = 0;
  const isBlank = (l: string | undefined) => l === undefined || l.trim() === "";
  const startsBlock = (l: string, next: string | undefined) =>
    HEADING.test(l) || FENCE.test(l) || /^\s*>/.test(l) || LIST_ITEM.test(l) || /^\s*([-*_])(\s*\1){2,}\s*$/.test(l) ||
    (l.includes("|") && next !== undefined && TABLE_SEP.test(next));

  while (i < lines.length) {
    const line = lines[i]!;
    if (isBlank(line)) {
      i++;
      continue;
    }
    // fenced code
    const fence = FENCE.exec(line);
    if (fence) {
      const marker = fence[1]!;
      const lang = fence[2]!.trim().split(/\s+/)[0] ?? "";
      const body: string[] = [];
      i++;
      while (i < lines.length && !lines[i]!.trim().startsWith(marker)) body.push(lines[i++]!);
      i++; // closing fence (or end of document)
      const cls = lang ? ` class="language-${escapeHtml(lang)}"` : "";
      out.push(`<pre><code${cls}>${escapeHtml(body.join("\n"))}</code></pre>`);
      continue;
    }
    // heading
    const heading = HEADING.exec(line);
    if (heading) {
      const level = heading[1]!.length;
      const html = renderInline(heading[2]!);
      out.push(`<h${level} id="${slug(html)}">${html}</h${level}>`);
      i++;
      continue;
    }
    // thematic break
    if (/^\s*([-*_])(\s*\1){2,}\s*$/.test(line)) {
      out.push("<hr>");
      i++;
      continue;
    }
    // block quote: strip one level of ">" and render the inside as blocks
    if (/^\s*>/.test(line)) {
      const inner: string[] = [];
      while (i < lines.length && /^\s*>/.test(lines[i]!)) inner.push(lines[i++]!.replace(/^\s*> ?/, ""));
      out.push(`<blockquote>${renderBlocks(inner, slug)}</blockquote>`);
      continue;
    }
    // table: header row, separator row, body rows
    if (line.includes("|") && lines[i + 1] !== undefined && TABLE_SEP.test(lines[i + 1]!)) {
      const header = splitRow(line);
      const align = splitRow(lines[i + 1]!).map((c) => (c.startsWith(":") && c.endsWith(":") ? "center" : c.endsWith(":") ? "right" : c.startsWith(":") ? "left" : ""));
      const attr = (j: number) => (align[j] ? ` class="align-${align[j]}"` : "");
      i += 2;
      const rows: string[][] = [];
      while (i < lines.length && !isBlank(lines[i]) && lines[i]!.includes("|")) rows.push(splitRow(lines[i++]!));
      const thead = `<thead><tr>${header.map((c, j) => `<th scope="col"${attr(j)}>${renderInline(c)}</th>`).join("")}</tr></thead>`;
      const tbody = rows.length
        ? `<tbody>${rows.map((r) => `<tr>${header.map((_, j) => `<td${attr(j)}>${renderInline(r[j] ?? "")}</td>`).join("")}</tr>`).join("")}</tbody>`
        : "";
      // wide tables scroll sideways inside the wrapper: it must be reachable by keyboard (tabindex) and
      // named for screen readers (WCAG 2.1.1; axe "scrollable-region-focusable")
      const name = header.map((c) => unescapeHtml(renderInline(c).replace(/<[^>]*>/g, ""))).filter(Boolean).slice(0, 3).join(", ");
      out.push(`<div class="table-wrap" tabindex="0" role="region" aria-label="${escapeHtml(`Table: ${name}`)}"><table>${thead}${tbody}</table></div>`);
      continue;
    }
    // list: items start with a marker at the list's indentation; deeper-indented lines continue the item
    const item = LIST_ITEM.exec(line);
    if (item) {
      const indent = item[1]!.length;
      const ordered = /\d/.test(item[2]!);
      const items: string[][] = [];
      while (i < lines.length) {
        const l = lines[i]!;
        const m = LIST_ITEM.exec(l);
        if (m && m[1]!.length === indent && /\d/.test(m[2]!) === ordered) {
          items.push([m[3]!]);
          i++;
        } else if (!isBlank(l) && items.length && (/^\s/.test(l) ? l.search(/\S/) > indent : !startsBlock(l, lines[i + 1]))) {
          items[items.length - 1]!.push(l.slice(Math.min(l.search(/\S/), indent + 2)));
          i++;
        } else if (isBlank(l) && i + 1 < lines.length && (LIST_ITEM.exec(lines[i + 1]!)?.[1]!.length === indent || lines[i + 1]!.search(/\S/) > indent)) {
          i++; // loose list: a blank line between items or inside one
        } else break;
      }
      const start = ordered ? Number.parseInt(item[2]!, 10) : 1;
      const tag = ordered ? "ol" : "ul";
      const startAttr = ordered && start !== 1 ? ` start="${start}"` : "";
      const body = items
        .map((it) => {
          const [first, ...rest] = it;
          const nestedAt = rest.findIndex((l) => LIST_ITEM.test(l) || FENCE.test(l));
          if (nestedAt < 0) return `<li>${renderInline([first, ...rest].map((s) => s!.trim()).join(" "))}</li>`;
          const para = [first, ...rest.slice(0, nestedAt)].map((s) => s!.trim()).join(" ");
          return `<li>${renderInline(para)}${renderBlocks(rest.slice(nestedAt).map((l) => l.replace(/^ {1,2}/, "")), slug)}</li>`;
        })
        .join("");
      out.push(`<${tag}${startAttr}>${body}</${tag}>`);
      continue;
    }
    // paragraph: until a blank line or the start of another block
    const para: string[] = [line.trim()];
    i++;
    while (i < lines.length && !isBlank(lines[i]) && !startsBlock(lines[i]!, lines[i + 1])) para.push(lines[i++]!.trim());
    out.push(`<p>${renderInline(para.join(" "))}</p>`);
  }
  return out.join("\n");
}

/** A complete HTML page around the rendered document; styling comes from a same-origin stylesheet (no inline CSS). */
export function markdownPage(title: string, markdown: string, opts: { stylesheet?: string; nav?: string } = {}): string {
  const body = renderMarkdown(markdown);
  const css = opts.stylesheet ? `<link rel="stylesheet" href="${escapeHtml(opts.stylesheet)}">` : "";
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="data:,">
<title>${escapeHtml(title)}</title>
${css}
</head>
<body class="doc">
<a class="skip" href="#main">Skip to content</a>
${opts.nav ?? ""}
<main id="main">
${body}
</main>
</body>
</html>
`;
}
