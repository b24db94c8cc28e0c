// One structured log line per request (no post text, no post ids), and per-isolate counters at /metrics.
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import modelJson from "../../models/default/model.json";
import { prometheus, resetMetrics, snapshot, writeDataPoint } from "../../src/worker/observability";
import { call, callRaw, postJson } from "./helpers";

const model = modelJson as unknown as { version: string };
const SECRET_TEXT = "my very private words about feeling hopeless";
const SECRET_ID = "post-id-that-must-not-be-logged";

describe("request logs", () => {
  let lines: string[] = [];
  beforeEach(() => {
    lines = [];
    for (const method of ["log", "info", "warn", "error"] as const) {
      vi.spyOn(console, method).mockImplementation((...args: unknown[]) => {
        lines.push(args.map(String).join(" "));
      });
    }
  });
  afterEach(() => vi.restoreAllMocks());

  it("writes one JSON line per request with id, route, status, model version, latency, batch and cache counts", async () => {
    const text = `${SECRET_TEXT} ${crypto.randomUUID()}`;
    const res = await postJson("/v1/predict", { posts: [{ id: SECRET_ID, text }, { id: `${SECRET_ID}-2`, text }] });
    expect(res.status).toBe(200);
    const requests = lines.filter((l) => l.includes('"msg":"request"')).map((l) => JSON.parse(l));
    expect(requests).toHaveLength(1);
    const entry = requests[0];
    expect(entry).toMatchObject({
      level: "info",
      request_id: res.headers.get("x-request-id"),
      method: "POST",
      route: "/v1/predict",
      status: 200,
      model_version: model.version,
      batch_size: 2,
      cache_hits: 0,
      cache_misses: 2,
      model_runs: 1,
      explain: false,
    });
    expect(typeof entry.latency_ms).toBe("number");
    expect(entry.client).toMatch(/^[0-9a-f]{12}$/);
    const all = lines.join("\n");
    expect(all).not.toContain("private words");
    expect(all).not.toContain(SECRET_ID);
  });

  it("logs the error code of failed requests without echoing the body", async () => {
    const res = await postJson("/v1/predict", { posts: [{ id: SECRET_ID, text: SECRET_TEXT, extra: true }] });
    expect(res.status).toBe(400);
    const entry = lines.filter((l) => l.includes('"msg":"request"')).map((l) => JSON.parse(l))[0];
    expect(entry).toMatchObject({ level: "warn", status: 400, error_code: "invalid_request", route: "/v1/predict" });
    expect(lines.join("\n")).not.toContain("private words");
    const unmatched = await callRaw("/nowhere/at/all");
    expect(unmatched.status).toBe(404);
    const last = JSON.parse(lines.filter((l) => l.includes('"msg":"request"')).at(-1)!);
    expect(last).toMatchObject({ route: "unmatched", status: 404, error_code: "not_found" });
  });
});

describe("GET /metrics", () => {
  it("counts uptime from the isolate's first request, not from the clock at module load (which reads the epoch in Workers)", async () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(0); // what Date.now() returns in a Worker's global scope
    resetMetrics();
    vi.useRealTimers();
    const before = Date.now();
    const body = (await (await call("/metrics?format=json")).json()) as { since: string; uptime_seconds: number };
    expect(Date.parse(body.since)).toBeGreaterThanOrEqual(before - 1000);
    expect(body.uptime_seconds).toBeLessThan(60);
  });

  it("counts requests by route and status, errors, cache hits/misses and predictions per label", async () => {
    resetMetrics();
    const text = `I need help with my anxiety, who can I talk to? ${crypto.randomUUID()}`;
    expect((await postJson("/v1/predict", { posts: [{ id: "1", text }] })).status).toBe(200);
    expect((await postJson("/v1/predict", { posts: [{ id: "1", text }] })).status).toBe(200); // KV hit
    expect((await postJson("/v1/predict", { posts: [] })).status).toBe(400);
    expect((await callRaw("/v1/labels")).status).toBe(200);

    const res = await call("/metrics?format=json");
    expect(res.status).toBe(200);
    const m = (await res.json()) as ReturnType<typeof snapshot>;
    expect(m.scope).toBe("isolate");
    const count = (route: string, status: number) => m.requests.find((r) => r.route === route && r.status === status)?.count ?? 0;
    expect(count("/v1/predict", 200)).toBe(2);
    expect(count("/v1/predict", 400)).toBe(1);
    expect(count("/v1/labels", 200)).toBe(1);
    expect(m.errors.invalid_request).toBe(1);
    expect(m.cache).toEqual({ hits: 1, misses: 1, hit_rate: 0.5 });
    expect(m.posts).toBe(2);
    const help = m.predictions.help_seeking!;
    expect(Object.values(help).reduce((a, b) => a + b, 0)).toBe(2);
    expect(Object.values(m.predictions.condition!).reduce((a, b) => a + b, 0)).toBe(2);

    const text2 = await (await call("/metrics")).text();
    expect(text2).toMatch(/^# HELP mhelp_model_info/m);
    expect(text2).toMatch(/^mhelp_requests_total\{route="\/v1\/predict",status="200"\} 2$/m);
    expect(text2).toMatch(/^mhelp_cache_hit_ratio 0\.5$/m);
    expect(text2).toMatch(/^mhelp_predictions_total\{task="help_seeking",label="(yes|no)"\} \d+$/m);
    expect((await call("/metrics", { headers: { accept: "application/json" } })).headers.get("content-type")).toMatch(/json/);
    expect((await call("/metrics?format=xml")).status).toBe(400);
  });

  it("renders NaN for the hit ratio before any lookup, and escapes label values", () => {
    resetMetrics();
    const text = prometheus({ ...snapshot(), errors: { 'we"ird\\code': 1 } });
    expect(text).toMatch(/^mhelp_cache_hit_ratio NaN$/m);
    expect(text).toContain('mhelp_errors_total{code="we\\"ird\\\\code"} 1');
  });
});

describe("Analytics Engine", () => {
  it("writes one data point when bound, nothing when absent, and never throws", () => {
    const points: unknown[] = [];
    const record = { route: "/v1/predict", method: "POST", status: 200, latencyMs: 12, client: "abc", stats: { batchSize: 2, cacheHits: 1, cacheMisses: 1, modelRuns: 1 } };
    writeDataPoint({ writeDataPoint: (p: unknown) => points.push(p) } as unknown as AnalyticsEngineDataset, record);
    expect(points).toEqual([
      { indexes: ["/v1/predict"], blobs: ["/v1/predict", "POST", "200", "", model.version, "abc"], doubles: [12, 2, 1, 1, 1] },
    ]);
    writeDataPoint(undefined, record);
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    writeDataPoint({ writeDataPoint: () => { throw new Error("full"); } } as unknown as AnalyticsEngineDataset, record);
    expect(warn).toHaveBeenCalled();
    warn.mockRestore();
  });
});
