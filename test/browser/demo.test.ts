// The demo page in real headless Chromium (Debian's /usr/bin/chromium, driven by playwright-core) against the
// local Worker (wrangler dev → workerd, real bundled model, fresh local KV). scripts/test.sh installs
// chromium before `npm test`; set CHROMIUM_PATH to use another binary.
// Writes reports/demo-screenshot.png (desktop) and reports/demo-screenshot-mobile.png (375 px wide).
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium, type BrowserContext, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startLocalWorker, type LocalWorker } from "../../scripts/local-worker.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const SCREENSHOT = join(root, "reports", "demo-screenshot.png");
const SCREENSHOT_MOBILE = join(root, "reports", "demo-screenshot-mobile.png");
const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");

interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: Array<{ target: unknown[] }>;
}

/** WCAG 2.1 A/AA violations on the page as it is now (axe-core, injected through the DevTools protocol). */
async function axeViolations(page: Page): Promise<string[]> {
  await page.evaluate(AXE_SOURCE);
  const violations = (await page.evaluate(() =>
    (globalThis as unknown as { axe: { run: (ctx: unknown, opts: unknown) => Promise<{ violations: unknown[] }> } }).axe
      .run(document, { runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"] } })
      .then((r) => r.violations),
  )) as AxeViolation[];
  return violations.map((v) => `${v.id} (${v.impact}): ${v.help} at ${v.nodes.map((n) => JSON.stringify(n.target)).join(", ")}`);
}

// Written for this test: a clear request for help (closing questions to readers) after a description of
// panic attacks, with context sentences that should matter less.
const POST =
  "I started a new job in March and I like the people there. " +
  "Since then I've had panic attacks almost every night, my chest goes tight and I can't breathe. " +
  "I haven't told my family because they already think I'm not coping. " +
  "Has anyone been through this? What actually helped you?";

interface Span {
  start: number;
  end: number;
  weight: number;
}
interface ApiResult {
  help_seeking: { label: string; probs: Record<string, number> };
  condition: { label: string; probs: Record<string, number> };
  causes: { labels: string[]; probs: Record<string, number> };
  evidence?: { score: number; spans: Span[] };
  review?: { needed: boolean; reasons: string[] };
  resources?: unknown;
}
interface ApiBody {
  notice: string;
  results: ApiResult[];
}

let worker: LocalWorker;
let context: BrowserContext;
let profile: string;
const consoleErrors: string[] = [];

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`${CHROMIUM} not found: run \`bash scripts/test.sh\` (it installs Debian's chromium) or \`apt-get install -y chromium\`, or set CHROMIUM_PATH`);
  }
  // API keys and rate limits off, as under `npm run dev`; the key path is checked below with a stubbed 401.
  worker = await startLocalWorker({ vars: { AUTH_REQUIRED: "false" } });
  profile = mkdtempSync(join(tmpdir(), "mhelp-chromium-"));
  context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    // The machine's network is closed: without the background-networking flags Chromium keeps trying to
    // reach Google's hosts. Playwright adds --headless, --no-sandbox (chromiumSandbox: false) and the profile.
    args: ["--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
    viewport: { width: 1100, height: 900 },
    deviceScaleFactor: 1,
    timeout: 60_000,
  });
  context.on("console", (msg) => {
    if (msg.type() === "error") consoleErrors.push(msg.text());
  });
  context.on("weberror", (err) => consoleErrors.push(String(err.error())));
});

afterAll(async () => {
  await context?.close().catch(() => {});
  await worker?.stop();
  if (profile) rmSync(profile, { recursive: true, force: true });
});

async function analyse(page: Page, text: string): Promise<ApiBody> {
  await page.getByLabel("Post text").fill(text);
  const response = page.waitForResponse((r) => r.url().endsWith("/v1/predict") && r.request().method() === "POST", { timeout: 120_000 });
  await page.getByRole("button", { name: "Analyse" }).click();
  const res = await response;
  expect(res.status(), `POST /v1/predict answered ${res.status()}: ${await res.text().catch(() => "")}\n${worker.log().slice(-1500)}`).toBe(200);
  const body = (await res.json()) as ApiBody;
  await page.locator("#results").waitFor({ state: "visible", timeout: 30_000 });
  return body;
}

describe("routing between static assets and the Worker (the real wrangler dev asset router)", () => {
  it("serves the pages as assets with their security headers, and everything else from the Worker", async () => {
    for (const path of ["/", "/demo"]) {
      const res = await fetch(`${worker.base}${path}`);
      expect(res.status).toBe(200);
      expect(res.headers.get("content-type")).toMatch(/^text\/html/);
      expect(res.headers.get("content-security-policy")).toMatch(/script-src 'self'/);
      expect(res.headers.get("x-request-id")).toBeNull(); // not the Worker
    }
    const html = await fetch(`${worker.base}/demo.html`, { redirect: "manual" });
    expect([301, 307, 308]).toContain(html.status);
    expect(html.headers.get("location")).toMatch(/\/demo$/);
    const missing = await fetch(`${worker.base}/no-such-page`);
    expect(missing.status).toBe(404);
    expect(missing.headers.get("content-type")).toMatch(/application\/json/);
    expect((await fetch(`${worker.base}/_headers`)).status).toBe(404);
  });

  it("lets CORS preflights and API calls through to the Worker", async () => {
    const preflight = await fetch(`${worker.base}/v1/predict`, {
      method: "OPTIONS",
      headers: { origin: "https://app.example", "access-control-request-method": "POST", "access-control-request-headers": "authorization, content-type" },
    });
    expect(preflight.status).toBeLessThan(300);
    expect(preflight.headers.get("x-request-id")).not.toBeNull(); // answered by the Worker
    expect(preflight.headers.get("access-control-allow-methods") ?? "").toMatch(/POST/);
    const labels = await fetch(`${worker.base}/v1/labels`);
    expect(labels.status).toBe(200);
    expect(labels.headers.get("content-type")).toMatch(/application\/json/);
    const card = await fetch(`${worker.base}/docs/model-card.md`);
    expect(card.status).toBe(200);
    expect(await card.text()).toMatch(/^# Model card/);
  });
});

describe("demo page in headless Chromium", () => {
  it("is public and linked from the landing page", async () => {
    const page = await context.newPage();
    const res = await page.goto(`${worker.base}/`);
    expect(res?.status()).toBe(200);
    await page.getByRole("link", { name: "Demo" }).click();
    await page.waitForURL(`${worker.base}/demo`);
    await expect(page.locator("html[data-ready=true]").count()).resolves.toBe(1);
    // every form control has an accessible label
    const unlabelled = await page.evaluate(() =>
      Array.from(document.querySelectorAll("textarea, input, select")).filter((e) => !(e as HTMLInputElement).labels?.length).map((e) => e.id),
    );
    expect(unlabelled).toEqual([]);
    await page.close();
  });

  it("analyses a pasted post: labels, probabilities, notice, review, evidence highlights", async () => {
    const page = await context.newPage();
    await page.goto(`${worker.base}/demo`);
    await page.locator("html[data-ready=true]").waitFor();
    const body = await analyse(page, POST);
    const result = body.results[0]!;

    // help-seeking: label and a probability bar that matches the API's p(yes)
    const help = page.getByTestId("help-seeking");
    const pYes = result.help_seeking.probs.yes!;
    await expect(page.locator("#help-label").getAttribute("data-label")).resolves.toBe(result.help_seeking.label);
    expect(result.help_seeking.label).toBe("yes"); // the post closes with two questions to readers
    await expect(help.innerText()).resolves.toContain(`${(pYes * 100).toFixed(1)}%`);
    const meter = help.getByRole("meter");
    await expect(meter.getAttribute("aria-valuenow")).resolves.toBe((pYes * 100).toFixed(1));
    const fillWidth = await meter.locator("span").evaluate((e) => (e as HTMLElement).style.width);
    expect(fillWidth).toBe(`${(pYes * 100).toFixed(1)}%`);

    // condition: top label and its top probabilities (sorted, at most 4)
    await expect(page.locator("#condition-label").getAttribute("data-label")).resolves.toBe(result.condition.label);
    expect(result.condition.label).toBe("anxiety");
    const condRows = page.locator("#condition-probs .prob");
    await expect(condRows.count()).resolves.toBe(4);
    await expect(condRows.first().getAttribute("data-label")).resolves.toBe(result.condition.label);

    // causes: the thresholded labels as chips
    await expect(page.locator("#causes-labels").getAttribute("data-labels")).resolves.toBe(result.causes.labels.join(","));
    for (const label of result.causes.labels) await expect(page.getByTestId("causes").innerText()).resolves.toContain(label.replace(/_/g, " "));

    // the response's notice is shown verbatim
    expect(body.notice).toMatch(/not a diagnosis/i);
    await expect(page.getByTestId("notice").innerText()).resolves.toBe(body.notice);

    // review flag: rendered from the API when present, a conservative note otherwise
    const review = page.getByTestId("review");
    await expect(review.getAttribute("data-needed")).resolves.toBe(result.review ? String(result.review.needed) : "unknown");

    // crisis resources only when the API attached some
    await expect(page.getByTestId("resources").isVisible()).resolves.toBe(Boolean(result.resources));

    // evidence: the original text, with the API's positive spans highlighted at their exact offsets
    const evidenceText = page.locator("#evidence-text");
    await expect(evidenceText.innerText()).resolves.toBe(POST);
    expect(result.evidence, "the demo sends explain: true, so the API must return evidence").toBeDefined();
    if (result.evidence) {
      const positive = result.evidence.spans.filter((s) => s.weight > 0);
      expect(positive.length, "the closing questions should be scored as requests").toBeGreaterThan(0);
      const marks = await evidenceText.locator("mark").allInnerTexts();
      expect(marks.sort()).toEqual(positive.map((s) => POST.slice(s.start, s.end)).sort());
      // the darkest highlight is the span with the largest weight
      const strongest = positive.reduce((a, b) => (b.weight > a.weight ? b : a));
      const strongestMark = evidenceText.locator("mark", { hasText: POST.slice(strongest.start, strongest.end) });
      await expect(strongestMark.getAttribute("class")).resolves.toContain("ev-3");
      // the same spans, strongest first, as a list with their weights (not colour alone)
      const items = await page.locator("#evidence-list li").allInnerTexts();
      expect(items.length).toBe(result.evidence.spans.length);
      expect(items[0]).toContain(POST.slice(strongest.start, strongest.end));
      expect(items[0]).toContain(`${(strongest.weight * 100).toFixed(1)}`);
      await expect(page.locator("#evidence-legend").isVisible()).resolves.toBe(true);
    }

    // accessibility of the page with results shown (contrast, names, roles, landmarks)
    expect(await axeViolations(page)).toEqual([]);

    mkdirSync(dirname(SCREENSHOT), { recursive: true });
    await page.screenshot({ path: SCREENSHOT, fullPage: true });
    expect(consoleErrors).toEqual([]);
    await page.close();
  });

  it("is usable by keyboard alone and at a phone's width, and never renders the post as HTML", async () => {
    const page = await context.newPage();
    await page.setViewportSize({ width: 375, height: 740 });
    await page.goto(`${worker.base}/demo`);
    await page.locator("html[data-ready=true]").waitFor();
    const hostile = 'Nobody listens to me <img src=x onerror="document.title=\'pwned\'"> <b>at all</b>. Can someone please talk to me?';
    // keyboard: Tab reaches the skip link first, Enter on it focuses the text box; Ctrl+Enter submits
    await page.keyboard.press("Tab");
    await expect(page.evaluate(() => document.activeElement?.textContent)).resolves.toMatch(/Skip to the post box/);
    await page.keyboard.press("Enter");
    await expect(page.evaluate(() => document.activeElement?.id)).resolves.toBe("post");
    await page.keyboard.insertText(hostile);
    const response = page.waitForResponse((r) => r.url().endsWith("/v1/predict"), { timeout: 120_000 });
    await page.keyboard.press("Control+Enter");
    expect((await response).status()).toBe(200);
    await page.locator("#results").waitFor({ state: "visible" });
    // focus moved to the results heading for screen-reader and keyboard users
    await expect(page.evaluate(() => document.activeElement?.id)).resolves.toBe("results-heading");
    // the post is text, not markup
    await expect(page.locator("#evidence-text img, #evidence-text b").count()).resolves.toBe(0);
    await expect(page.locator("#evidence-text").innerText()).resolves.toBe(hostile);
    await expect(page.title()).resolves.not.toBe("pwned");
    // no horizontal scrolling at 375 px
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    expect(await axeViolations(page)).toEqual([]);
    await page.screenshot({ path: SCREENSHOT_MOBILE, fullPage: true });
    await page.close();
  });

  it("analyses a post longer than evidence allows: the result without evidence and a note naming the limit; Options turn evidence off and pick the operating point", async () => {
    const page = await context.newPage();
    await page.goto(`${worker.base}/demo`);
    await page.locator("html[data-ready=true]").waitFor();
    const long = `${POST} ${"I keep going over the same thoughts every night and it is wearing me down. ".repeat(56)}`.trim();
    expect(long.length).toBeGreaterThan(4_000); // above the explain limit (3,000 by default), below the per-post limit
    const requests: Array<{ explain?: boolean }> = [];
    page.on("request", (r) => {
      if (r.url().endsWith("/v1/predict")) requests.push(JSON.parse(r.postData() ?? "{}"));
    });
    await page.getByLabel("Post text").fill(long);
    await page.getByRole("button", { name: "Analyse" }).click();
    await page.locator("#results").waitFor({ state: "visible", timeout: 60_000 }).catch(async () => {
      throw new Error(`no results: status ${await page.locator("#status").innerText()} error ${await page.locator("#error").innerText()} requests ${JSON.stringify(requests.map((r) => r.explain))}`);
    });
    await expect(page.locator("#status").innerText()).resolves.toMatch(/No evidence for this post: .*3000 characters/);
    await expect(page.locator("#error").isVisible()).resolves.toBe(false);
    expect(requests.map((r) => r.explain === true)).toEqual([true, false]);

    requests.length = 0;
    await page.locator("#options summary").click();
    await page.getByLabel(/Show which sentences/).uncheck();
    await page.getByLabel(/Operating point/).selectOption("high_recall");
    const answered = page.waitForResponse((r) => r.url().endsWith("/v1/predict"), { timeout: 60_000 });
    await page.getByRole("button", { name: "Analyse" }).click();
    const res = await answered;
    expect(requests.length).toBe(1);
    expect(requests[0]!.explain).toBeUndefined();
    expect((requests[0] as { profile?: string }).profile).toBe("high_recall");
    expect(((await res.json()) as { results: Array<{ profile?: string }> }).results[0]!.profile).toBe("high_recall");
    await page.close();
  });

  it("shows a readable error instead of failing silently", async () => {
    const page = await context.newPage();
    await page.goto(`${worker.base}/demo`);
    await page.locator("html[data-ready=true]").waitFor();
    await page.getByRole("button", { name: "Analyse" }).click();
    await expect(page.getByRole("alert").innerText()).resolves.toMatch(/empty/);
    await page.close();
  });

  it("degrades gracefully when an older API omits evidence, review and resources", async () => {
    const page = await context.newPage();
    await page.route("**/v1/predict", async (route) => {
      const real = await route.fetch();
      const body = (await real.json()) as ApiBody;
      for (const r of body.results) {
        delete r.evidence;
        delete r.review;
        delete r.resources;
      }
      await route.fulfill({ response: real, json: body });
    });
    await page.goto(`${worker.base}/demo`);
    await page.locator("html[data-ready=true]").waitFor();
    await analyse(page, POST);
    await expect(page.locator("#evidence-text").innerText()).resolves.toBe(POST);
    await expect(page.locator("#evidence-text mark").count()).resolves.toBe(0);
    await expect(page.locator("#evidence-hint").innerText()).resolves.toMatch(/did not return evidence/);
    await expect(page.getByTestId("review").getAttribute("data-needed")).resolves.toBe("unknown");
    await expect(page.getByTestId("resources").isVisible()).resolves.toBe(false);
    await expect(page.getByTestId("help-seeking").innerText()).resolves.toMatch(/%/);
    await page.close();
  });

  it("sends the API key from Options as a bearer token and explains a 401", async () => {
    const page = await context.newPage();
    await page.goto(`${worker.base}/demo`);
    await page.locator("html[data-ready=true]").waitFor();
    let authorization: string | undefined;
    await page.route("**/v1/predict", async (route) => {
      authorization = route.request().headers()["authorization"];
      await route.fulfill({
        status: 401,
        contentType: "application/json",
        body: JSON.stringify({ error: { code: "invalid_api_key", message: "the API key is not known", request_id: "test" } }),
      });
    });
    await page.getByText("Options").click();
    await page.getByLabel(/API key/).fill("mhk_test_key_0123456789abcdef");
    await page.getByLabel("Post text").fill("Can anyone help me?");
    await page.getByRole("button", { name: "Analyse" }).click();
    await expect(page.getByRole("alert").innerText()).resolves.toMatch(/the API key is not known\. Enter an API key under Options/);
    expect(authorization).toBe("Bearer mhk_test_key_0123456789abcdef");
    await expect(page.locator("#results").isHidden()).resolves.toBe(true);
    await page.close();
  });

  it("serves the model and data cards as HTML pages", async () => {
    const page = await context.newPage();
    for (const [path, heading] of [["/docs/model-card", /Model card/], ["/docs/data-card", /Data card/]] as const) {
      const res = await page.goto(`${worker.base}${path}`);
      expect(res?.status()).toBe(200);
      await expect(page.locator("h1").innerText()).resolves.toMatch(heading);
      await expect(page.locator("table").count()).resolves.toBeGreaterThan(1);
    }
    await expect(page.locator("main").innerText()).resolves.toMatch(/licence/i);
    expect(await axeViolations(page)).toEqual([]);
    await page.goto(`${worker.base}/docs/model-card`);
    expect(await axeViolations(page)).toEqual([]);
    await page.goto(`${worker.base}/`);
    expect(await axeViolations(page)).toEqual([]);
    await page.close();
  });
});
