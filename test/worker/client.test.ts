// The typed client (src/client) against the real Worker inside workerd: exports.default.fetch is passed as
// the client's fetch, so requests go through the whole app (auth, validation, model, KV).
import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { MhelpApiError, MhelpClient, parseRetryAfter, type FetchLike } from "../../src/client";
import { NOTICE } from "../../src/safety/assessment";
import { BASE, newKey, TEST_API_KEY } from "./helpers";

const workerFetch: FetchLike = (url, init) => exports.default.fetch(new Request(url, init));
const client = (apiKey: string | null = TEST_API_KEY, extra: Partial<ConstructorParameters<typeof MhelpClient>[0]> = {}) =>
  new MhelpClient({ baseUrl: `${BASE}/`, apiKey: apiKey ?? undefined, fetch: workerFetch, ...extra });

describe("MhelpClient against the Worker", () => {
  it("predicts with locale and explain, typed from the API's schemas", async () => {
    const text = `I have had panic attacks every night for a month. Has anyone dealt with this? What helped? ${crypto.randomUUID()}`;
    const res = await client().predict([{ id: "1", text }], { locale: "en-GB", explain: true });
    expect(res.notice).toBe(NOTICE);
    const r = res.results[0]!;
    expect(r.id).toBe("1");
    expect(["yes", "no"]).toContain(r.help_seeking.label);
    expect(r.evidence?.task).toBe("help_seeking");
    expect(typeof r.review.needed).toBe("boolean");
  });

  it("reads labels and health", async () => {
    const labels = await client().labels();
    expect(labels.tasks.map((t) => t.key)).toContain("help_seeking");
    const health = await client(null).health(); // public: no key needed
    expect(health.status).toBe("ok");
  });

  it("throws MhelpApiError with status, code, issues and request id", async () => {
    const err = await client()
      .predict([{ id: "1", text: "   " }])
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MhelpApiError);
    const e = err as MhelpApiError;
    expect(e.status).toBe(400);
    expect(e.code).toBe("invalid_request");
    expect(e.issues[0]?.path).toEqual(["posts", 0, "text"]);
    expect(e.requestId).toMatch(/.+/);

    const noKey = (await client(null).predict([{ id: "1", text: "hi" }]).catch((x: unknown) => x)) as MhelpApiError;
    expect(noKey).toMatchObject({ status: 401, code: "missing_api_key" });
    const badKey = (await client(`mhk_${"z".repeat(43)}`).predict([{ id: "1", text: "hi" }]).catch((x: unknown) => x)) as MhelpApiError;
    expect(badKey).toMatchObject({ status: 403, code: "invalid_api_key" });
  });

  it("surfaces the Worker's 429 as a typed error when the Retry-After is longer than it may wait", async () => {
    const key = await newKey("client-busy");
    const c = client(key, { maxRetries: 1, maxRetryDelayMs: 0 });
    let error: MhelpApiError | null = null;
    for (let i = 0; i < 260 && !error; i++) {
      await c.labels(); // public, does not count
      error = await c.predict([{ id: "1", text: "hello" }]).then(() => null, (e: MhelpApiError) => e);
    }
    expect(error).toMatchObject({ status: 429, code: "rate_limited" });
    expect(error!.retryAfter).toBeGreaterThanOrEqual(1);
  });
});

describe("MhelpClient retries", () => {
  const ok = () => Response.json({ status: "ok" });
  const fail = (status: number, retryAfter?: string) =>
    Response.json({ error: { code: status === 429 ? "rate_limited" : "model_unavailable", message: "later", request_id: "r" } }, { status, headers: retryAfter ? { "retry-after": retryAfter } : {} });

  it("retries 429 and 503, honouring Retry-After, then succeeds", async () => {
    const answers = [fail(429, "0"), fail(503, "0"), ok()];
    let calls = 0;
    const c = new MhelpClient({ baseUrl: "https://x.test", fetch: async () => { calls++; return answers.shift()!; } });
    expect(await c.health()).toEqual({ status: "ok" });
    expect(calls).toBe(3);
  });

  it("stops after maxRetries and never retries other errors", async () => {
    let calls = 0;
    const c = new MhelpClient({ baseUrl: "https://x.test", maxRetries: 2, fetch: async () => { calls++; return fail(429, "0"); } });
    await expect(c.health()).rejects.toMatchObject({ status: 429, code: "rate_limited" });
    expect(calls).toBe(3);
    calls = 0;
    const c2 = new MhelpClient({ baseUrl: "https://x.test", fetch: async () => { calls++; return Response.json({ error: { code: "invalid_request", message: "no", request_id: "r" } }, { status: 400 }); } });
    await expect(c2.health()).rejects.toMatchObject({ status: 400, code: "invalid_request" });
    expect(calls).toBe(1);
  });

  it("waits the Retry-After it is given (bounded) and fails fast when it is too long", async () => {
    const answers = [fail(503, "1"), ok()];
    const c = new MhelpClient({ baseUrl: "https://x.test", fetch: async () => answers.shift()! });
    const started = Date.now();
    await c.health();
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    let calls = 0;
    const c2 = new MhelpClient({ baseUrl: "https://x.test", maxRetryDelayMs: 5_000, fetch: async () => { calls++; return fail(429, "120"); } });
    await expect(c2.health()).rejects.toMatchObject({ status: 429, retryAfter: 120 });
    expect(calls).toBe(1);
  });

  it("maps non-JSON errors, network failures and bad options", async () => {
    const c = new MhelpClient({ baseUrl: "https://x.test", fetch: async () => new Response("<html>bad gateway</html>", { status: 502, statusText: "Bad Gateway" }) });
    await expect(c.health()).rejects.toMatchObject({ status: 502, code: "http_error" });
    const down = new MhelpClient({ baseUrl: "https://x.test", fetch: async () => { throw new TypeError("fetch failed"); } });
    await expect(down.health()).rejects.toMatchObject({ status: 0, code: "network_error" });
    const slow = new MhelpClient({ baseUrl: "https://x.test", timeoutMs: 50, fetch: (_u, init) => new Promise((_r, reject) => init?.signal?.addEventListener("abort", () => reject(new Error("aborted")))) });
    await expect(slow.health()).rejects.toMatchObject({ status: 0, code: "timeout" });
    expect(() => new MhelpClient({ baseUrl: "mhelp.example" })).toThrow(/baseUrl/);
  });

  it("parses Retry-After seconds and HTTP dates", () => {
    expect(parseRetryAfter("7")).toBe(7);
    expect(parseRetryAfter(null)).toBeUndefined();
    expect(parseRetryAfter("soon")).toBeUndefined();
    const now = Date.parse("2026-01-01T00:00:00Z");
    expect(parseRetryAfter("Thu, 01 Jan 2026 00:00:30 GMT", now)).toBe(30);
  });
});
