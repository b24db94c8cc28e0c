// GET /docs/model-card and /docs/data-card: the project's Markdown cards, bundled into the Worker as Text
// modules (wrangler.toml rule `Text` for **/*.md) and served as HTML (rendered by ../markdown.ts) or, for
// `/docs/<card>.md`, `?format=md` or a client that prefers `text/markdown`, as the Markdown source.
// Public (outside /v1/*): no API key is needed to read them.
import { Hono } from "hono";
import type { Context } from "hono";
import modelCard from "../../../docs/model-card.md";
import dataCard from "../../../reports/data-card.md";
import modelReport from "../../../reports/model-report.md";
import type { AppEnv } from "../env";
import { escapeHtml, markdownPage } from "../markdown";

interface Card {
  slug: string;
  title: string;
  summary: string;
  markdown: string;
}

export const CARDS: readonly Card[] = [
  { slug: "model-card", title: "Model card", summary: "architecture, training, gold-label metrics, calibration, intended use, limits, fairness slices", markdown: modelCard },
  { slug: "data-card", title: "Data card", summary: "sources, licences, label provenance, counts per split", markdown: dataCard },
  {
    slug: "model-report",
    title: "Model report",
    summary: "floors, multi- vs single-task ablation, calibration, slices, TypeScript-vs-Python agreement (weak-label dev)",
    markdown: figuresAsNotes(modelReport, "reports/"),
  },
];

/**
 * The report's PNG figures live in the repository, not in the Worker (they would only add upload size), so
 * each image becomes a note saying where to find it instead of a broken link.
 */
export function figuresAsNotes(markdown: string, base: string): string {
  return markdown.replace(/!\[([^\]]*)\]\(([^)\s]+)\)/g, (_m, alt: string, path: string) => `*Figure: ${alt} (\`${base}${path}\` in the repository).*`);
}

const SECURITY_HEADERS: Record<string, string> = {
  "Content-Security-Policy": "default-src 'none'; style-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  "X-Content-Type-Options": "nosniff",
  "Referrer-Policy": "no-referrer",
  "Cache-Control": "public, max-age=300",
};

const NAV = `<nav class="docs-nav" aria-label="Documentation"><a href="/">mhelp</a> · <a href="/demo">Demo</a> · ${CARDS.map((c) => `<a href="/docs/${c.slug}">${escapeHtml(c.title)}</a>`).join(" · ")}</nav>`;

// Rendered once per isolate: the cards are constants of the bundle.
const rendered = new Map<string, string>();
function html(card: Card): string {
  let page = rendered.get(card.slug);
  if (!page) {
    page = markdownPage(`mhelp — ${card.title}`, card.markdown, { stylesheet: "/demo.css", nav: NAV });
    rendered.set(card.slug, page);
  }
  return page;
}

/** True when the client asked for Markdown: `?format=md|markdown`, or Accept ranks text/markdown above text/html. */
function wantsMarkdown(c: Context<AppEnv>): boolean {
  const format = c.req.query("format");
  if (format) return /^(md|markdown)$/i.test(format);
  const accept = c.req.header("accept") ?? "";
  const q = (type: string) => {
    for (const part of accept.split(",")) {
      const [t, ...params] = part.trim().split(";");
      if (t?.trim().toLowerCase() === type) {
        const qp = params.map((p) => p.trim()).find((p) => p.startsWith("q="));
        return qp ? Number(qp.slice(2)) || 0 : 1;
      }
    }
    return -1;
  };
  const md = q("text/markdown");
  return md > 0 && md > q("text/html");
}

function serve(c: Context<AppEnv>, card: Card, markdown: boolean) {
  for (const [k, v] of Object.entries(SECURITY_HEADERS)) c.header(k, v);
  c.header("Vary", "Accept");
  if (markdown) {
    c.header("Content-Type", "text/markdown; charset=utf-8");
    return c.body(card.markdown, 200);
  }
  return c.html(html(card), 200);
}

const index = markdownPage(
  "mhelp — documentation",
  `# mhelp documentation\n\n${CARDS.map((c) => `- [${c.title}](/docs/${c.slug}): ${c.summary} ([Markdown](/docs/${c.slug}.md))`).join("\n")}\n`,
  { stylesheet: "/demo.css", nav: NAV },
);

export const docsRoutes = new Hono<AppEnv>()
  .get("/", (c) => {
    for (const [k, v] of Object.entries(SECURITY_HEADERS)) c.header(k, v);
    return c.html(index, 200);
  })
  .get("/:name", (c) => {
    const name = c.req.param("name");
    const asMarkdown = name.endsWith(".md");
    const card = CARDS.find((x) => x.slug === (asMarkdown ? name.slice(0, -3) : name));
    if (!card) return c.notFound(); // the app's JSON 404
    return serve(c, card, asMarkdown || wantsMarkdown(c));
  });
