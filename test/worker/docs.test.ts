// /docs/*: the model and data cards, public, as HTML (rendered by src/worker/markdown.ts) or Markdown.
import { describe, expect, it } from "vitest";
import { escapeHtml, renderInline, renderMarkdown } from "../../src/worker/markdown";
import { figuresAsNotes } from "../../src/worker/routes/docs";
import { call } from "./helpers";

describe("GET /docs/*", () => {
  it("serves the model card as HTML without an API key, with a strict CSP", async () => {
    const res = await call("/docs/model-card");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/html/);
    expect(res.headers.get("content-security-policy")).toMatch(/default-src 'none'/);
    expect(res.headers.get("content-security-policy")).not.toMatch(/script-src/);
    const html = await res.text();
    expect(html).toMatch(/<h1 id="[^"]+">Model card: mhelp-student/);
    expect(html).toContain("<table>");
    expect(html).toContain('<a href="/docs/data-card">data card</a>');
    expect(html).not.toContain("<!--"); // generated-block markers are not shown
    expect(html).not.toContain("generated:");
    expect(html).toMatch(/Headline: the gold dev set/);
  });

  it("serves the data card, and Markdown on request (.md, ?format=md, Accept)", async () => {
    const html = await call("/docs/data-card");
    expect(html.status).toBe(200);
    expect(await html.text()).toMatch(/<h1[^>]*>Data card/);
    for (const res of [
      await call("/docs/data-card.md"),
      await call("/docs/data-card?format=md"),
      await call("/docs/data-card", { headers: { accept: "text/markdown, text/html;q=0.5" } }),
    ]) {
      expect(res.status).toBe(200);
      expect(res.headers.get("content-type")).toBe("text/markdown; charset=utf-8");
      expect(await res.text()).toMatch(/^# Data card/);
    }
    const browser = await call("/docs/model-card", { headers: { accept: "text/html,application/xhtml+xml,*/*;q=0.8" } });
    expect(browser.headers.get("content-type")).toMatch(/^text\/html/);
  });

  it("lists the cards at /docs and answers unknown cards with the JSON 404", async () => {
    const index = await call("/docs");
    expect(index.status).toBe(200);
    const html = await index.text();
    expect(html).toContain('href="/docs/model-card"');
    expect(html).toContain('href="/docs/data-card"');
    const missing = await call("/docs/secrets");
    expect(missing.status).toBe(404);
    expect(((await missing.json()) as { error: { code: string } }).error.code).toBe("not_found");
  });
});

describe("markdown renderer", () => {
  it("escapes HTML and refuses script URLs", () => {
    expect(renderMarkdown("<script>alert(1)</script> & co")).toBe("<p>&lt;script&gt;alert(1)&lt;/script&gt; &amp; co</p>");
    expect(renderInline("[x](javascript:alert(1))")).not.toContain("<a");
    expect(renderInline('[x](https://example.org/?a=1&b="2")')).toBe('<a href="https://example.org/?a=1&amp;b=&quot;2&quot;">x</a>');
    expect(escapeHtml(`'"<>&`)).toBe("&#39;&quot;&lt;&gt;&amp;");
  });

  it("renders inline code literally, emphasis, headings with ids, block quotes", () => {
    expect(renderInline("`a **b** <c>` and **strong** and *em* and _em2_ but snake_case_name")).toBe(
      "<code>a **b** &lt;c&gt;</code> and <strong>strong</strong> and <em>em</em> and <em>em2</em> but snake_case_name",
    );
    expect(renderMarkdown("## Fairness slices to measure")).toBe('<h2 id="fairness-slices-to-measure">Fairness slices to measure</h2>');
    expect(renderMarkdown("> **Note.** one\n> two")).toBe("<blockquote><p><strong>Note.</strong> one two</p></blockquote>");
  });

  it("renders tables with alignment classes and lists with continuation lines", () => {
    const table = renderMarkdown("| a | b |\n|---|---:|\n| x \\| y | `1|2` |");
    expect(table).toBe(
      '<div class="table-wrap" tabindex="0" role="region" aria-label="Table: a, b"><table><thead><tr><th scope="col">a</th><th scope="col" class="align-right">b</th></tr></thead>' +
        '<tbody><tr><td>x | y</td><td class="align-right"><code>1|2</code></td></tr></tbody></table></div>',
    );
    expect(renderMarkdown("- one\n  continued\n- two\n\n1. first\n2. second")).toBe("<ul><li>one continued</li><li>two</li></ul>\n<ol><li>first</li><li>second</li></ol>");
    expect(renderMarkdown("text\n<!-- hidden -->\nmore")).toBe("<p>text more</p>");
    expect(renderMarkdown("```\n<b>\n```")).toBe("<pre><code>&lt;b&gt;</code></pre>");
  });

  it("serves the model report with its figures turned into notes, not broken images", async () => {
    const res = await call("/docs/model-report");
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain("Model report");
    expect(html).toContain("The headline is the gold dev set");
    expect(html).not.toMatch(/href="figures\//);
    expect(html).toMatch(/Figure: .*reports\/figures\/.*\.png/);
    expect(figuresAsNotes("a ![chart](figures/x.png) b", "reports/")).toBe("a *Figure: chart (`reports/figures/x.png` in the repository).* b");
  });
});
